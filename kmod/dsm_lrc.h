/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_lrc.h - private to the lrc consistency model (dsm_lrc*.c): its
 * per-page and node-wide state, its limits, and the functions its files
 * share. What the rest of dsm.ko calls is in dsm_model.h and
 * dsm_internal.h. Documentation/lrc.md specifies the protocol.
 *
 *   dsm_lrc.c		state, setup and teardown, failures (a node or
 *			dsmd gone), message dispatch, the ops table
 *   dsm_lrc_page.c	per-page state: twins, diffs made and applied,
 *			pending notices, invalidation, write protection
 *   dsm_lrc_interval.c	intervals: closing, learning, wire encoding
 *   dsm_lrc_lock.c	locks: the table, acquire, release, the request
 *   dsm_lrc_grant.c	lock grants: serving forwards, LOCK_GRANT out and in
 *   dsm_lrc_lock_mgr.c	lock forwards and replies from dsmd
 *   dsm_lrc_barrier.c	barriers: arrival and release
 *   dsm_lrc_fetch.c	faults, fetching diffs (requester side)
 *   dsm_lrc_prefetch.c	fetching the pages in use after a barrier or grant
 *   dsm_lrc_serve.c	serving diffs (responder side)
 *   dsm_lrc_gc.c	garbage collection at a barrier
 *   dsm_lrc_backup.c	backed-up releases: pushing own diffs to the
 *			backup, keeping and serving other writers'
 *   dsm_lrc_pull.c	an EOWNERDEAD acquire learning what the dead
 *			holder released (IV_REQ, IV_REPLY)
 *   dsm_lrc_push.c	pushed diffs: a barrier arrival sends its
 *			interval's diffs to the pages' readers (DIFF_PUSH)
 *
 * Locking (Documentation/lrc.md "Locking"; the module's whole order is in
 * dsm_model.h), outermost first:
 *
 *   lrc.bar_mutex	one barrier arrival, and the collection it may
 *			start, at a time on this node (lrc.bw is the wait
 *			of the one in progress).
 *   folio lock		of a page: its struct lrc_pg @access, @twin and
 *			@diffs (and @twin_iv, also under lrc.lock when set).
 *   lrc.lock		mutex: this node's VT, the interval set and its
 *			storage, the open interval's notices, bar_vt,
 *			gc_vt, the lock table and every struct lrc_lock,
 *			and struct lrc_pg @pending,
 *			@nr_pending, @cap_pending, @dropped, @copy_from,
 *			@written.
 *   (dsm_cluster.lock, dsm_pg.lock)
 *   lrc.wait_lock	spinlock: the fetches in flight (lookups in and
 *			removals from lrc.fetches) and the fields
 *			their replies fill in, the barrier wait (lrc.bw,
 *			lrc.bw_active, lrc.orphan*), lrc.wp_list,
 *			lrc.regrants.
 *
 * A function whose name ends in _locked is called with lrc.lock held; one
 * that needs another lock held says so in its comment ("Under
 * lrc.wait_lock", "Folio locked"). Each asserts it at its top
 * (lockdep_assert_held(), VM_WARN_ON_ONCE_FOLIO()).
 *
 * Nothing waits on the network holding any of these locks: messages are
 * built under lrc.lock and sent after it is dropped, except the DIFF_REQ
 * server, which builds its reply under the folio lock and sends after.
 * dsm_lrc_backup.c's locks: bk.send_mutex (a push and its acks, waited
 * for under it) between lrc.bar_mutex and the folio lock; bk.store_lock
 * and bk.wait_lock taken with none of the others. dsm_lrc_pull.c's:
 * pull.mutex (an IV_REQ round and its replies, waited for under it)
 * taken with no other lock, lrc.lock inside it; pull.lock alone.
 */
#ifndef _DSM_LRC_H
#define _DSM_LRC_H

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "dsm_internal.h"
#include "core/dsm_members.h"
#include "dsm_model.h"
#include "dsm_transport.h"

/* Write notices in one interval: the next page written ends it. */
#define DSM_LRC_MAX_NOTICES	4096

/* Width of every VT this node sends: all possible node ids. */
#define LRC_NR_NODES		DSM_MAX_NODES
/*
 * LOCK_GRANT fragments (MORE) one grant may have: beyond, the grant is
 * refused (a grant of every interval of an uncollected history fits in
 * far fewer).
 */
#define LRC_MAX_GRANT_FRAGS	1024

/* Forwards queued on one lock at most (one per node is the protocol). */
#define LRC_MAX_FWDS		(2 * DSM_NODES_MAX)

/* A pending write notice: interval (creator, index) wrote the page. */
struct lrc_notice {
	u16 creator;
	u32 index;
};

/*
 * A diff this node made of its own interval @iv for a page: the changes
 * of its run (Documentation/lrc.md "Runs"), own intervals @iv to @upto
 * that wrote the page; one made when a run's first interval was still
 * open (the run of the open interval alone) has @upto = @iv.
 */
struct lrc_diff {
	struct list_head list;
	u32 iv;
	u32 upto;
	u32 len;
	u8 data[];
};

/**
 * struct lrc_pg - lrc state of one page.
 * @access:	local right, enum dsm_access: NONE (not mapped), READ
 *		(mapped read-only), WRITE (written in the open interval).
 *		Under the folio lock.
 * @twin:	copy of the page at the first write of interval @twin_iv of
 *		this node, or NULL: the start of the page's run, the own
 *		intervals @twin_iv to @noted_iv that wrote it with nothing
 *		but own writes changing it in between (Documentation/lrc.md
 *		"Runs"). Under the folio lock.
 * @twin_iv:	that interval's index; when it equals vt[self] + 1 it is
 *		the open interval. Under the folio lock (and dsm_lrc.lock
 *		when a first write sets it).
 * @noted_iv:	the interval of this node whose notices name the page
 *		(its last first write), twinned or not: when it equals
 *		vt[self] + 1 the open interval has recorded the page. Under
 *		the folio lock and dsm_lrc.lock.
 * @diffs:	struct lrc_diff of own intervals. Under the folio lock.
 * @pending:	notices of other nodes whose diffs are not applied. Under
 *		dsm_lrc.lock, as @nr_pending, @cap_pending, @dropped,
 *		@copy_from and @written.
 * @nr_pending:	entries in @pending.
 * @cap_pending: room in @pending.
 * @dropped:	a collection dropped the copy: refetch it whole ...
 * @copy_from:	... from this node.
 * @written:	this node wrote the page since the last collection.
 * @push_to:	nodes that asked this node for the page's diffs and did not
 *		refuse a push since: a barrier arrival pushes them the diff
 *		of the interval it ends (dsm_lrc_push.c). Written under
 *		the folio lock (WRITE_ONCE); a push reads it without
 *		(READ_ONCE): a hint.
 */
struct lrc_pg {
	u8 access;
	void *twin;
	u32 twin_iv;
	u32 noted_iv;
	struct list_head diffs;
	struct lrc_notice *pending;
	u32 nr_pending;
	u32 cap_pending;
	bool dropped;
	u8 copy_from;
	bool written;
	u64 push_to;
};

/* A forward of lock L to @requester, kept until it can be granted. */
struct lrc_fwd {
	struct list_head list;
	u16 requester;
	u64 req_id;
	struct dsm_vt vt;
};

/**
 * struct lrc_lock - one lock as this node sees it. Under dsm_lrc.lock.
 * @key:	dsm_sync_key() of the lock's namespace (the region word,
 *		0 for the cluster-wide one) and id; its index in
 *		dsm_lrc.locks.
 * @token:	the lock's token is on this node.
 * @requesting:	an acquire request (MGR_REQUEST) is out, id @req_id.
 * @req_id:	its id (also the MGR cookie and the grant's req_id).
 * @forwarded:	dsmd said the manager forwarded it to the lock's tail:
 *		the wait for the manager is over, the grant comes when the
 *		holder releases (no time bound: lrc.md "Locks").
 * @deadline:	jiffies by which the manager must have answered (fresh
 *		token or forwarded), else the request fails with
 *		-ETIMEDOUT (mgr_timeout_ms).
 * @failed_req:	the request that failed last (waiters on it fail) ...
 * @failed_err:	... with this negative errno.
 * @grant_err:	the grant for @req_id could not be applied (a fragment's
 *		intervals refused); the token comes, its request fails.
 * @grant_frags: LOCK_GRANT fragments received for @req_id.
 * @mgr:	the node whose dsmd managed the lock when @req_id was sent
 *		(dsm_lock_manager()); when it is declared lost, the request
 *		goes again to the next manager (dsm_lrc_lock_fo.c).
 * @mgr_down:	dsmd could not reach @mgr (EHOSTDOWN with
 *		DSM_MGR_F_MGR_DOWN): the request waits, within @deadline,
 *		for @mgr to be declared down, then goes again, same id.
 * @late_req:	a request of ours that ended without its token (its node
 *		or dsmd gone, timed out), or 0: its LOCK_GRANT is still
 *		accepted, learned and kept here (lrc.md "Failures") ...
 * @late_until:	... until this (jiffies); a forward that finds no token
 *		waits for that grant until then, then re-creates it.
 * @late_frags:	LOCK_GRANT fragments received for @late_req ...
 * @late_err:	... and the first error learning them.
 * @holder:	the open file holding the lock, or NULL.
 * @fwds:	forwards to grant at the next release, oldest first.
 * @nr_fwds:	entries in @fwds.
 * @waiters:	local acquirers in lrc_acquire() (waiting or asking).
 * @reserved:	the token came for the local waiters: one of them takes
 *		it before a forward is served.
 * @owner_dead:	the token here was re-created because the node that had
 *		it died (dsmd's DSM_MGR_F_OWNER_DEAD): the next local
 *		acquire takes the lock and returns -EOWNERDEAD.
 * @token_left:	the token here was re-created because the node that had
 *		it left the cluster with it free (DSM_MGR_F_TOKEN_LEFT): the
 *		next local acquire learns what it lacks (as an EOWNERDEAD
 *		one does) and returns 0 if every node up answered.
 * @gen:	bumped at every change; waiters sleep until it moves.
 */
struct lrc_lock {
	u64 key;
	bool token;
	bool requesting;
	u64 req_id;
	bool forwarded;
	unsigned long deadline;
	u64 failed_req;
	int failed_err;
	int grant_err;
	u32 grant_frags;
	u32 mgr;
	bool mgr_down;
	u64 late_req;
	unsigned long late_until;
	u32 late_frags;
	int late_err;
	struct dsm_file *holder;
	struct list_head fwds;
	u32 nr_fwds;
	u32 waiters;
	bool reserved;
	bool owner_dead;
	bool token_left;
	u64 gen;
};

/**
 * struct lrc_bwait - a barrier arrival waiting for its release (in
 * dsm_lrc.bw, under dsm_lrc.wait_lock).
 * @cookie:	MGR cookie of the arrival.
 * @key:	dsm_sync_key() of the barrier's namespace and id.
 * @err:	0 or why it failed; set before @done.
 * @gc:		the release asked for a collection.
 * @gc_round:	the wait is for the reply to GC_DONE (no payload), not
 *		for a BARRIER_RELEASE.
 * @mgr:	the barrier manager it was sent to
 *		(dsm_members_barrier_mgr() then).
 * @mgr_down:	it failed because @mgr's node is unreachable (dsmd's
 *		MGR_F_MGR_DOWN) or was declared down: the arrival is made
 *		again at the next manager once @mgr is declared down.
 * @done:	completed by the last release fragment, the GC_DONE reply
 *		or a failure.
 */
struct lrc_bwait {
	u64 cookie;
	u64 key;
	int err;
	bool gc;
	bool gc_round;
	u32 mgr;
	bool mgr_down;
	struct completion done;
};

/*
 * One diff wanted by a fetch, and the reply's copy of it. @from: the node
 * asked, its creator @node or, when that is lost, the creator's backup
 * (Documentation/lrc.md "Backed-up releases"). @lost: it cannot be had
 * (its creator is lost and no backup keeps it): not asked for, its notice
 * is dropped when the others' diffs are applied (lrc.md "Failures").
 */
struct lrc_want {
	u16 node;
	u16 from;
	bool lost;
	u32 iv;
	void *diff;
	u32 len;
};

/**
 * struct lrc_fetch - the DIFF_REQs of one page fetch in flight.
 * @req_id:	the id every DIFF_REQ and DIFF_REPLY of it carries; its
 *		key in dsm_lrc.fetches.
 * @pgno:	the page.
 * @wants:	every diff asked for; replies fill in diff and len.
 * @nr_wants:	entries in @wants.
 * @gen:	@pg's dsm_pg.gen when the fetch was planned: if it moved
 *		(the page was reset, its region deleted), nothing applies.
 * @outstanding: diffs still awaited (of @wants).
 * @waiting_on:	bit n: a DIFF_REQ went to node n.
 * @err:	first error (NACK, node down); under wait_lock.
 * @done:	completed when @outstanding reaches 0 or on error.
 */
struct lrc_fetch {
	u64 req_id;
	u64 pgno;
	struct lrc_want *wants;
	u32 nr_wants;
	u32 gen;
	u32 outstanding;
	u64 waiting_on;
	int err;
	struct completion done;
};

/**
 * struct dsm_lrc - node-wide lrc state.
 * @lock:	mutex over everything below up to @locks, and the
 *		struct lrc_pg fields marked so. Taken inside folio locks.
 * @vt:		this node's VT; vt.c[self] counts its closed intervals.
 * @bar_vt:	the VT of the last barrier release.
 * @gc_vt:	the VT of the last garbage collection: every interval at or
 *		below it is discarded here and everywhere, and counts as
 *		already applied (never asked for, never sent).
 * @iset:	every interval known; its notices are kmalloc'd arrays.
 * @slots:	@slots[c]: storage of @iset.log[c] (kvmalloc'd ring).
 * @open:	pages written in the open interval (unsorted).
 * @nr_open:	entries in @open.
 * @locks:	struct lrc_lock by dsm_sync_key() (lrc_locks_held of them).
 * @bar_mutex:	one barrier arrival at a time on this node.
 * @wait_lock:	spinlock over @fetches, @bw, @bw_active, @wp_list and
 *		@regrants.
 * @fetches:	struct lrc_fetch in flight, by dsm_req_key() of req_id
 *		(unique among those in flight: dsm_next_req_id()). Looked
 *		up and erased under @wait_lock;
 *		inserted without it (see lrc_fetch_wait()).
 * @bw:		the barrier arrival or GC_DONE waiting (one at a time:
 *		@bar_mutex) ...
 * @bw_active:	... if set.
 * @lock_wq:	lock waiters sleep here.
 * @data_bytes:	consistency data held now, bytes (atomic).
 * @wp_work:	write-protects pages of intervals ended by overflow.
 * @wp_list:	their page numbers (under wait_lock).
 * @fail_work:	fails lock requests when dsmd is gone.
 * @regrants:	struct lrc_regrant: grants to send again (under
 *		@wait_lock) ...
 * @regrant_work: ... by this, a second after they failed; it also ends
 *		the late-grant windows of the lock table (lrc_lock
 *		@late_until).
 * @orphan:	an arrival whose caller left before its release (a fatal
 *		signal; cookie @orphan_cookie, barrier @orphan_key, at
 *		manager @orphan_mgr): its
 *		release is still learned. Under @wait_lock, as the three
 *		below.
 * @orphan_gc:	a collection that an orphan's release asked for is to
 *		run (barrier @orphan_gc_id) ...
 * @orphan_work: ... by this, or by the next barrier call, first.
 * @join_pending: a release said this node joins lrc there
 *		(DSM_MGR_F_JOIN): its collection makes it a member
 *		(lrc_gc_join()). Under @lock.
 * @runs_off:	a barrier arrival of this node may still collect: no
 *		page's run grows into another interval (lrc_run_may_grow()).
 *		Set under @bar_mutex before the arrival ends its interval,
 *		cleared under it when the barrier is over with no orphan
 *		left; WRITE_ONCE/READ_ONCE.
 * @join_from:	this node joined lrc at run time: the members then, from
 *		whom its pages are fetched whole (lowest first, the next one
 *		when one has no copy: lrc_join_next()); 0 for a node that
 *		was a member from the start. Set once (WRITE_ONCE), read
 *		with READ_ONCE.
 */
struct dsm_lrc {
	struct mutex lock;	/* see @lock above */
	struct dsm_vt vt;
	struct dsm_vt bar_vt;
	struct dsm_vt gc_vt;
	struct dsm_iset iset;
	struct dsm_interval *slots[LRC_NR_NODES];
	u64 *open;
	u32 nr_open;
	struct xarray locks;
	struct mutex bar_mutex;	/* see @bar_mutex above */
	spinlock_t wait_lock;	/* see @wait_lock above */
	struct xarray fetches;
	struct lrc_bwait bw;
	bool bw_active;
	wait_queue_head_t lock_wq;
	atomic64_t data_bytes;
	struct work_struct wp_work;
	struct list_head wp_list;
	struct work_struct fail_work;
	struct list_head regrants;
	struct delayed_work regrant_work;
	bool orphan;
	u64 orphan_cookie;
	u64 orphan_key;
	u32 orphan_mgr;
	bool orphan_gc;
	u32 orphan_gc_id;
	struct work_struct orphan_work;
	bool join_pending;
	bool runs_off;
	u64 join_from;
};

extern struct dsm_lrc lrc;

/* LOCK_GRANTs of lock @key not sent to @dst yet (lrc.regrants). */
struct lrc_regrant {
	struct list_head list;
	u64 key;
	u32 dst;
	struct list_head outs;
};

/* A batch of pages to write-protect in lrc.wp_work. */
struct lrc_wp {
	struct list_head list;
	u32 nr;
	u64 pages[];
};

/* An own diff of interval @iv of page @pgno that writer @dst lacks. */
struct lrc_lpush {
	u64 pgno;
	u32 iv;
	u32 dst;
};

/**
 * struct lrc_learn - pages to invalidate after learning intervals.
 * @pgs:	the pages (with duplicates).
 * @nr:		entries.
 * @cap:	room.
 * @start:	ktime_get_ns() at the first lrc_learn_locked() (lrc_learn_us).
 * @push:	own diffs the learned intervals' writers lack, to push
 *		(lrc_learn_writer_locked(), lrc_push_learned()).
 * @nr_push:	entries.
 * @cap_push:	room.
 */
struct lrc_learn {
	struct dsm_pg **pgs;
	u32 nr;
	u32 cap;
	u64 start;
	struct lrc_lpush *push;
	u32 nr_push;
	u32 cap_push;
};

/* lrc_out @since of a message whose sending pushes nothing. */
#define LRC_NO_PUSH		U32_MAX

/*
 * A message built under lrc.lock, sent after. @since: the first
 * LOCK_GRANT of a grant has the acquirer's count of this node's
 * intervals, whose later ones' diffs are pushed to it before the grant
 * goes (dsm_lrc_push.c); LRC_NO_PUSH on every other message.
 */
struct lrc_out {
	struct list_head list;
	u32 len;
	u32 flags;	/* DSM_MGR_F_* for MGR payloads */
	u32 since;
	u8 data[];
};

static inline u32 lrc_self(void)
{
	return dsm_transport_local();
}

/*
 * Header dst of a payload for manager @mgr (Documentation/lrc.md "Manager
 * payloads"): the manager, or the lowest other id when that is this node.
 */
static inline u32 lrc_mgr_dst(u32 mgr)
{
	u32 self = lrc_self();

	return mgr != self ? mgr : self ? 0 : 1;
}

/* The header of a reply of @type to peer message @m, from this node. */
static inline void lrc_reply_hdr(struct dsm_msg_hdr *h,
				 const struct dsm_msg *m, u8 type)
{
	*h = (struct dsm_msg_hdr){
		.version = DSM_WIRE_VERSION_MAX,
		.type = type,
		.src = lrc_self(),
		.dst = m->hdr.src,
		.req_id = m->hdr.req_id,
		.epoch = dsm_home_epoch(),
	};
}

static inline void lrc_data_add(s64 n)
{
	atomic64_add(n, &lrc.data_bytes);
	dsm_stat_add(DSM_STAT_LRC_DATA_BYTES, (u64)n);
}

/* dsm_lrc.c */
extern const struct dsm_model_ops dsm_lrc_ops;
void lrc_unexpected(const char *what, u32 from);
unsigned long lrc_mgr_timeout(void);

/* dsm_lrc_page.c */
struct lrc_pg *lrc_pg_of(struct dsm_pg *pg);
bool lrc_pg_valid_locked(const struct lrc_pg *lp);
bool lrc_join_next(struct lrc_pg *lp);
int lrc_empty_init(void);
void lrc_empty_exit(void);
int lrc_make_diff(struct dsm_pg *pg, struct lrc_pg *lp);
void lrc_twin_free(void *t);
struct lrc_diff *lrc_diff_get(struct dsm_pg *pg, struct lrc_pg *lp, u32 iv,
			      int *err);
int lrc_pend_locked(struct lrc_pg *lp, u16 creator, u32 index);
bool lrc_invalidate(struct dsm_pg *pg);
void lrc_write_protect(u64 *pages, u32 nr);
void lrc_wp_work_fn(struct work_struct *work);
int lrc_apply(struct dsm_pg *pg, struct lrc_pg *lp,
	      struct lrc_fetch *f);
int lrc_first_write(struct dsm_pg *pg, struct lrc_pg *lp);
void lrc_pg_free(struct dsm_pg *pg);
void lrc_pg_reset(struct dsm_pg *pg);

/* dsm_lrc_interval.c */
bool lrc_iv_closed(u32 iv);
bool lrc_iv_discarded(u32 creator, u32 iv);
struct lrc_wp *lrc_close_locked(void);
int lrc_end_interval(void);
int lrc_vt_check_locked(const struct dsm_vt *vt);
int lrc_learn_locked(const struct dsm_msg_ivset *s,
		     struct lrc_learn *l);
void lrc_learn_finish(struct lrc_learn *l, u32 ahead);
void lrc_out_free(struct list_head *outs);
int lrc_encode_set_locked(u8 type, u32 dst, u64 req_id, u64 key, u32 epoch,
			  const struct dsm_interval **ivs, u32 n, u32 max,
			  struct list_head *outs);
int lrc_encode_vt_locked(u8 type, u32 dst, u64 req_id, u64 key, u32 epoch,
			 const struct dsm_vt *vt,
			 const struct dsm_interval **ivs, u32 n, u32 max,
			 struct list_head *outs);
int lrc_missing_locked(const struct dsm_vt *have,
		       const struct dsm_interval ***out);
int lrc_iv_pages(u32 iv, u64 **pages);

/**
 * struct lrc_ivd - the diffs of own interval @iv of some of @pages going
 * to @dst in messages of @type (DIFF_BACKUP, DIFF_PUSH): lrc_iv_diffs().
 * @type:	the message type.
 * @dst:	the node they go to.
 * @iv:		the interval.
 * @pages:	its pages (ascending) ...
 * @n:		... how many.
 * @buf:	DSM_WIRE_MAX_MSG bytes in which each message is built.
 * @want:	does page @pages[i] go?
 * @send:	send the message in @buf, @len bytes with @nr diffs: 0, or
 *		an errno that ends lrc_iv_diffs().
 * @arg:	the caller's, for @want and @send.
 */
struct lrc_ivd {
	u8 type;
	u32 dst;
	u32 iv;
	const u64 *pages;
	u32 n;
	u8 *buf;
	bool (*want)(const struct lrc_ivd *d, u32 i);
	int (*send)(const struct lrc_ivd *d, int len, u32 nr);
	const void *arg;
};

int lrc_iv_diffs(const struct lrc_ivd *d);
int lrc_u64_cmp(const void *a, const void *b);

/* dsm_lrc_lock.c: the lock table, acquire, release */
struct lrc_lock *lrc_lock_find_locked(u64 key);
struct lrc_lock *lrc_lock_get_locked(u64 key);
void lrc_lock_put_locked(struct lrc_lock *l);
void lrc_lock_changed_locked(struct lrc_lock *l);
void lrc_recreate_locked(struct lrc_lock *l);
void lrc_req_end_locked(struct lrc_lock *l, int err);
int lrc_acquire(struct dsm_file *f, u64 key);
int lrc_release(struct dsm_file *f, u64 key);
void lrc_file_release(struct dsm_file *f);

/* dsm_lrc_grant.c: LOCK_GRANTs out and in */
void lrc_serve_fwd_locked(struct lrc_lock *l, u32 *dst,
			  struct list_head *outs);
void lrc_send_grant(u64 key, u32 dst, struct list_head *outs);
void lrc_token_here_locked(struct lrc_lock *l, const struct dsm_vt *vt);
void lrc_recv_grant(const struct dsm_msg *m);
void lrc_regrant_work_fn(struct work_struct *work);

/* dsm_lrc_lock_mgr.c: dsmd's forwards and replies */
bool lrc_lock_reply(u64 cookie, u32 err, u32 flags);
/* A LOCK_REQ as lrc_lock_req_encode() makes it. */
#define LRC_LOCK_REQ_MAX	(DSM_WIRE_HDR_SIZE + \
				 sizeof(struct dsm_wire_lock_req) + \
				 DSM_WIRE_VT_SIZE(LRC_NR_NODES))
int lrc_lock_req_encode(u64 key, u32 requester, u64 req_id,
			const struct dsm_vt *vt, u32 mgr, u8 *buf);
void lrc_lock_mgr_down(u32 dead);
/* MGR_REQUESTs with a LOCK_REQ payload, queued, then sent or freed. */
int lrc_fo_add(struct list_head *msgs, u8 op, u64 key, u32 requester,
	       u64 req_id, const struct dsm_vt *vt, u32 flags, u32 mgr);
void lrc_fo_send(struct list_head *msgs);
void lrc_fo_free(struct list_head *msgs);

/* dsm_lrc_leave.c: this node leaves the cluster (the model op @leave). */
#define LRC_LEAVE_MAX	4096	/* free tokens given up, at most */
int lrc_leave(void);
bool lrc_leave_reply(u64 cookie, u32 err);

/* lrc_fail_lock_requests(): every request, whatever its manager. */
#define LRC_ALL_NODES	U32_MAX
void lrc_fail_lock_requests(u32 node);

/* dsm_lrc_barrier.c */
void lrc_bw_begin(u64 cookie, u64 key, u32 mgr, bool gc_round);
int lrc_bw_end(int ret, bool *gc);
void lrc_orphan_work_fn(struct work_struct *work);
int lrc_barrier(struct dsm_file *f, u64 key);
int lrc_barrier_reply(u64 cookie, u32 err, u32 flags, const void *p,
		      u32 len, struct netlink_ext_ack *extack);
void lrc_fail_barrier(void);
void lrc_bar_node_down(u32 id);

/* dsm_lrc_fetch.c */
void lrc_recv_diff_reply(const struct dsm_msg *m);
void lrc_recv_nack(const struct dsm_msg *m);
void lrc_start(struct dsm_pg *pg, struct dsm_req *req);
int lrc_access(struct dsm_pg *pg, u8 acc, struct dsm_req **reqp);
int lrc_fault(struct dsm_pg *pg, struct dsm_req **req);
int lrc_write_fault(struct dsm_pg *pg, struct dsm_req **req);
void lrc_fail_fetches(u32 id);
bool lrc_rekeep_locked(struct lrc_pg *lp, u64 pgno, u32 from, u32 keeper);

/* dsm_lrc_prefetch.c */
/*
 * A barrier release with one of these flags prefetches nothing: a
 * fragment (later ones may add notices), or one that starts a collection.
 */
#define LRC_NO_PREFETCH	(DSM_MGR_F_MORE | DSM_MGR_F_GC | DSM_MGR_F_JOIN)
u32 lrc_prefetch_max(void);
u32 lrc_prefetch_grant_max(void);
void lrc_prefetch(struct dsm_pg **pgs, u32 n);

/* dsm_lrc_serve.c */
void lrc_recv_diff_req(const struct dsm_msg *m);

/* dsm_lrc_backup.c */
struct list_head *lrc_xa_list(struct xarray *xa, unsigned long idx);
void lrc_xa_list_trim(struct xarray *xa, unsigned long idx,
		      struct list_head *head);
int lrc_backup(void);
void lrc_recv_backup(const struct dsm_msg *m);
void lrc_recv_backup_ack(const struct dsm_msg *m);
void lrc_backup_nack(const struct dsm_msg *m);
void lrc_backup_node_down(u32 id);
int lrc_backup_serve(const struct dsm_msg *m, u8 *buf);
void *lrc_backup_copy(u16 w, u64 pgno, u32 iv, u32 *len, bool live);
u64 lrc_backup_gc(const struct dsm_vt *gvt);
int lrc_backup_records(u32 w, u32 after, struct dsm_interval **out);
u64 lrc_backup_writers(void);
void lrc_backup_init(void);
void lrc_backup_exit(void);

/* dsm_lrc_push.c */
void lrc_push_note(struct dsm_pg *pg, struct lrc_pg *lp, u32 src);
void lrc_push_nack(const struct dsm_msg *m);
void lrc_push_interval(u32 last);
void lrc_push_grant(u32 dst, u32 since);
void lrc_push_granted(u32 dst, u32 last);
void lrc_learn_writer_locked(struct lrc_learn *l, u64 pgno,
			     const struct lrc_pg *lp,
			     const struct dsm_interval *iv);
void lrc_push_learned(struct lrc_learn *l);
void lrc_learn_pushed_sort(struct lrc_learn *l);
bool lrc_learn_pushed(const struct lrc_learn *l, u64 pgno);
void lrc_push_stop(void);
void lrc_recv_push(const struct dsm_msg *m);
void *lrc_push_take(u16 w, u64 pgno, u32 iv, u32 *len);
void lrc_push_sweep(void);
void lrc_push_node_down(u32 id);
void lrc_push_init(void);
void lrc_push_exit(void);

/* dsm_lrc_pull.c */
int lrc_recreated_pull(u64 key, bool owner_dead);
void lrc_recv_iv_req(const struct dsm_msg *m);
void lrc_recv_iv_reply(const struct dsm_msg *m);
void lrc_pull_node_down(u32 id);
int lrc_learn_kept(void);
void lrc_pull_init(void);

/* dsm_lrc_gc.c */
bool lrc_gc_wanted(void);
int lrc_gc(u32 id);
u32 lrc_keeper(u32 c, u64 live, bool replicated);
int lrc_join_vt_locked(const struct dsm_vt *vt);
void lrc_gc_rekeep(u32 n);

/* dsm_lrc_rejoin.c: a restarted node takes part in lrc again. */
bool lrc_node_out(u32 id);
bool lrc_iv_out(u32 c, u32 index);
u64 lrc_live(void);
int lrc_wait_node(u32 id, unsigned long timeout);
bool lrc_unjoined(void);
void lrc_rejoin_floor_locked(u32 floor);
int lrc_restarted(bool barrier);
void lrc_rejoin_answer(u32 src, u64 req_id, u32 floor, int err);
void lrc_recv_rejoin(const struct dsm_msg *m);
void lrc_recv_rejoin_ack(const struct dsm_msg *m);
void lrc_rejoin_nack(const struct dsm_msg *m);
void lrc_rejoin_node_down(u32 id);
void lrc_rejoin_init(void);

#endif /* _DSM_LRC_H */
