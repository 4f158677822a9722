// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_lrc.c - the lrc consistency model: lazy release consistency with
 * multiple writers (TreadMarks), as Documentation/lrc.md specifies.
 *
 * Per page (struct lrc_pg, hung off struct dsm_pg): the access the local
 * mappings have, the twin and the interval it belongs to, the diffs this
 * node made of its own intervals, the pending write notices of other
 * nodes, and after a garbage collection the node to copy the page from.
 *
 * Node-wide (struct dsm_lrc below): this node's VT, the write notices of
 * the open interval, every interval known (a core struct dsm_iset whose
 * per-creator rings grow as needed), the VT of the last barrier release,
 * the lock table, the barrier epochs and the waits for replies.
 *
 * Faults: a page is valid when it has no pending notice (and was not
 * dropped by a collection); an access to an invalid page starts a fetch
 * (one per page, concurrent faults join it, as for sc): one DIFF_REQ per
 * creator of the pending notices, sent in parallel, waited for at most
 * fault_timeout_ms (killable), then the diffs are applied in
 * dsm_interval_cmp() order under the folio lock. The first write of an
 * interval makes the twin (after making the diff of the twin's earlier
 * interval, if any) and records the notice. An interval ends at a lock
 * release, a barrier arrival or an acquire: its pages are write-protected
 * (the next write makes a new twin); diffs are made lazily. A barrier
 * release with MGR_F_GC collects the consistency data up to its VT
 * (section GC below); a page dropped then is refetched whole.
 *
 * Locks and barriers go through dsmd (MGR_REQUEST / MGR_REPLY /
 * LOCK_FORWARD over netlink, dsm_nl.c); grants and diffs travel over the
 * data transport. Replies and forwards from dsmd are decoded with the core
 * decoder and checked like any peer message.
 *
 * Locking (Documentation/lrc.md "Locking"; order in dsm_model.h):
 *   dsm_lrc.bar_mutex > folio lock > dsm_lrc.lock > dsm_pg.lock >
 *   dsm_lrc.wait_lock.
 * Nothing waits on the network holding any of them; messages are built
 * under dsm_lrc.lock and sent after it is dropped.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": lrc: " fmt

#include <linux/highmem.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "dsm_internal.h"
#include "dsm_model.h"
#include "dsm_transport.h"

/* The model's ops table, defined at the end; requests point to it. */
static const struct dsm_model_ops dsm_lrc_ops;
#include "core/dsm_diff.h"

static unsigned long lrc_gc_threshold = 64UL << 20;
module_param(lrc_gc_threshold, ulong, 0644);
MODULE_PARM_DESC(lrc_gc_threshold,
		 "lrc consistency data (intervals, twins, diffs, notices) in bytes above which a node asks for a garbage collection at the next barrier (default 64 MiB)");

/* Write notices in one interval: the next page written ends it. */
#define DSM_LRC_MAX_NOTICES	4096

/* Width of every VT this node sends: all possible node ids. */
#define LRC_NR_NODES		DSM_MAX_NODES

/* Forwards queued on one lock at most (one per node is the protocol). */
#define LRC_MAX_FWDS		(2 * DSM_NODES_MAX)

/* A pending write notice: interval (creator, index) wrote the page. */
struct lrc_notice {
	u16 creator;
	u32 index;
};

/* A diff this node made of its own interval @iv for a page. */
struct lrc_diff {
	struct list_head list;
	u32 iv;
	u32 len;
	u8 data[];
};

/**
 * struct lrc_pg - lrc state of one page.
 * @access:	local right, enum dsm_access: NONE (not mapped), READ
 *		(mapped read-only), WRITE (written in the open interval).
 *		Under the folio lock.
 * @twin:	copy of the page at the first write of interval @twin_iv of
 *		this node, or NULL. Under the folio lock.
 * @twin_iv:	that interval's index; when it equals vt[self] + 1 it is
 *		the open interval. Under the folio lock (and dsm_lrc.lock
 *		when set).
 * @diffs:	struct lrc_diff of own intervals. Under the folio lock.
 * @pending:	notices of other nodes whose diffs are not applied. Under
 *		dsm_lrc.lock, as @nr_pending, @cap_pending, @dropped,
 *		@copy_from and @written.
 * @nr_pending:	entries in @pending.
 * @cap_pending: room in @pending.
 * @dropped:	a collection dropped the copy: refetch it whole ...
 * @copy_from:	... from this node.
 * @written:	this node wrote the page since the last collection.
 */
struct lrc_pg {
	u8 access;
	void *twin;
	u32 twin_iv;
	struct list_head diffs;
	struct lrc_notice *pending;
	u32 nr_pending;
	u32 cap_pending;
	bool dropped;
	u8 copy_from;
	bool written;
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
 * @list:	in dsm_lrc.locks.
 * @id:		the lock id.
 * @token:	the lock's token is on this node.
 * @requesting:	an acquire request (MGR_REQUEST) is out, id @req_id.
 * @req_id:	its id (also the MGR cookie and the grant's req_id).
 * @failed_req:	the request that failed last (waiters on it fail) ...
 * @failed_err:	... with this negative errno.
 * @holder:	the open file holding the lock, or NULL.
 * @fwds:	forwards to grant at the next release, oldest first.
 * @nr_fwds:	entries in @fwds.
 * @waiters:	local acquirers in lrc_acquire() (waiting or asking).
 * @reserved:	the token came for the local waiters: one of them takes
 *		it before a forward is served.
 * @gen:	bumped at every change; waiters sleep until it moves.
 */
struct lrc_lock {
	struct list_head list;
	u32 id;
	bool token;
	bool requesting;
	u64 req_id;
	u64 failed_req;
	int failed_err;
	struct dsm_file *holder;
	struct list_head fwds;
	u32 nr_fwds;
	u32 waiters;
	bool reserved;
	u64 gen;
};

/* Epoch of barrier @id: times it completed here. Under dsm_lrc.lock. */
struct lrc_barrier {
	struct list_head list;
	u32 id;
	u32 epoch;
};

/**
 * struct lrc_bwait - a barrier arrival waiting for its release (in
 * dsm_lrc.bw, under dsm_lrc.wait_lock).
 * @cookie:	MGR cookie of the arrival.
 * @id:		barrier id.
 * @err:	0 or why it failed; set before @done.
 * @gc:		the release asked for a collection.
 * @gc_round:	the wait is for the reply to GC_DONE (no payload), not
 *		for a BARRIER_RELEASE.
 * @epoch:	the release's epoch.
 * @done:	completed by the last release fragment, the GC_DONE reply
 *		or a failure.
 */
struct lrc_bwait {
	u64 cookie;
	u32 id;
	int err;
	bool gc;
	bool gc_round;
	u32 epoch;
	struct completion done;
};

/* One diff wanted by a fetch, and the reply's copy of it. */
struct lrc_want {
	u16 node;
	u32 iv;
	void *diff;
	u32 len;
};

/**
 * struct lrc_fetch - the DIFF_REQs of one page fetch in flight.
 * @list:	in dsm_lrc.fetches (under wait_lock).
 * @req_id:	the id every DIFF_REQ and DIFF_REPLY of it carries.
 * @pgno:	the page.
 * @wants:	every diff asked for; replies fill in diff and len.
 * @nr_wants:	entries in @wants.
 * @outstanding: replies still awaited.
 * @waiting_on:	bit n: a DIFF_REQ went to node n.
 * @err:	first error (NACK, node down); under wait_lock.
 * @done:	completed when @outstanding reaches 0 or on error.
 */
struct lrc_fetch {
	struct list_head list;
	u64 req_id;
	u64 pgno;
	struct lrc_want *wants;
	u32 nr_wants;
	u32 outstanding;
	u8 waiting_on;
	int err;
	struct completion done;
};

/**
 * struct dsm_lrc - node-wide lrc state.
 * @lock:	mutex over everything below up to @barriers, and the
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
 * @locks:	struct lrc_lock.
 * @barriers:	struct lrc_barrier.
 * @bar_mutex:	one barrier arrival at a time on this node.
 * @wait_lock:	spinlock over @fetches, @bw and @bw_active.
 * @fetches:	struct lrc_fetch in flight.
 * @bw:		the barrier arrival or GC_DONE waiting (one at a time:
 *		@bar_mutex) ...
 * @bw_active:	... if set.
 * @lock_wq:	lock waiters sleep here.
 * @data_bytes:	consistency data held now, bytes (atomic).
 * @wp_work:	write-protects pages of intervals ended by overflow.
 * @wp_list:	their page numbers (under wait_lock).
 * @fail_work:	fails lock requests when dsmd is gone.
 */
static struct dsm_lrc {
	struct mutex lock;	/* see @lock above */
	struct dsm_vt vt;
	struct dsm_vt bar_vt;
	struct dsm_vt gc_vt;
	struct dsm_iset iset;
	struct dsm_interval *slots[LRC_NR_NODES];
	u64 *open;
	u32 nr_open;
	struct list_head locks;
	struct list_head barriers;
	struct mutex bar_mutex;	/* see @bar_mutex above */
	spinlock_t wait_lock;	/* see @wait_lock above */
	struct list_head fetches;
	struct lrc_bwait bw;
	bool bw_active;
	wait_queue_head_t lock_wq;
	atomic64_t data_bytes;
	struct work_struct wp_work;
	struct list_head wp_list;
	struct work_struct fail_work;
} lrc;

/* A batch of pages to write-protect in lrc.wp_work. */
struct lrc_wp {
	struct list_head list;
	u32 nr;
	u64 pages[];
};

static u32 lrc_self(void)
{
	return dsm_transport_local();
}

/*
 * Header dst of a payload for manager @mgr (Documentation/lrc.md "Manager
 * payloads"): the manager, or the lowest other id when that is this node.
 */
static u32 lrc_mgr_dst(u32 mgr)
{
	u32 self = lrc_self();

	return mgr != self ? mgr : self ? 0 : 1;
}

static void lrc_data_add(s64 n)
{
	atomic64_add(n, &lrc.data_bytes);
	dsm_stat_add(DSM_STAT_LRC_DATA_BYTES, (u64)n);
}

static void lrc_unexpected(const char *what, u32 from)
{
	dsm_stat_inc(DSM_STAT_RX_UNEXPECTED);
	pr_warn_ratelimited("unexpected %s from node %u: ignored\n", what,
			    from);
}

/* ------------------------------------------------------------ pages */

static struct lrc_pg *lrc_pg_of(struct dsm_pg *pg)
{
	struct lrc_pg *lp = READ_ONCE(pg->lrc), *old;

	if (lp)
		return lp;
	lp = kzalloc(sizeof(*lp), GFP_KERNEL);
	if (!lp)
		return NULL;
	INIT_LIST_HEAD(&lp->diffs);
	old = cmpxchg(&pg->lrc, NULL, lp);
	if (old) {
		kfree(lp);
		return old;
	}
	return lp;
}

static bool lrc_pg_valid(const struct lrc_pg *lp)
{
	return !lp->nr_pending && !lp->dropped;
}

static struct lrc_diff *lrc_diff_find(struct lrc_pg *lp, u32 iv)
{
	struct lrc_diff *d;

	list_for_each_entry(d, &lp->diffs, list)
		if (d->iv == iv)
			return d;
	return NULL;
}

/*
 * Folio locked: make the diff of @lp's twin (interval twin_iv) against
 * the page, store it and free the twin. Return: 0 or -ENOMEM (the twin
 * stays).
 */
static int lrc_make_diff(struct dsm_pg *pg, struct lrc_pg *lp)
{
	struct lrc_diff *d;
	void *buf, *p;
	int len;

	if (!lp->twin)
		return 0;
	buf = kmalloc(DSM_DIFF_MAX_SIZE, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	p = kmap_local_folio(pg->folio, 0);
	len = dsm_diff_create(lp->twin, p, buf, DSM_DIFF_MAX_SIZE);
	kunmap_local(p);
	if (len < 0) {
		kfree(buf);
		return len;
	}
	d = kmalloc(struct_size(d, data, len), GFP_KERNEL);
	if (!d) {
		kfree(buf);
		return -ENOMEM;
	}
	d->iv = lp->twin_iv;
	d->len = len;
	memcpy(d->data, buf, len);
	kfree(buf);
	list_add(&d->list, &lp->diffs);
	kfree(lp->twin);
	lp->twin = NULL;
	lp->twin_iv = 0;
	dsm_stat_inc(DSM_STAT_LRC_DIFFS_MADE);
	dsm_stat_add(DSM_STAT_LRC_DIFF_BYTES_MADE, len);
	lrc_data_add((s64)len - DSM_PAGE_SIZE);
	return 0;
}

/* Is own interval @iv closed (not the open one)? */
static bool lrc_iv_closed(u32 iv)
{
	return iv && iv <= READ_ONCE(lrc.vt.c[lrc_self()]);
}

/* Was interval (@creator, @iv) discarded by a garbage collection? */
static bool lrc_iv_discarded(u32 creator, u32 iv)
{
	return creator < LRC_NR_NODES &&
	       iv <= READ_ONCE(lrc.gc_vt.c[creator]);
}

/* Under lrc.lock: queue notice (@creator, @index) on @lp. */
static int lrc_pend(struct lrc_pg *lp, u16 creator, u32 index)
{
	struct lrc_notice *n;

	if (lp->nr_pending == lp->cap_pending) {
		u32 cap = max(4U, lp->cap_pending * 2);

		n = krealloc_array(lp->pending, cap, sizeof(*n), GFP_KERNEL);
		if (!n)
			return -ENOMEM;
		lp->pending = n;
		lp->cap_pending = cap;
	}
	lp->pending[lp->nr_pending].creator = creator;
	lp->pending[lp->nr_pending].index = index;
	lp->nr_pending++;
	lrc_data_add(sizeof(*n));
	return 0;
}

/*
 * Take @pg's copy away from the local mappings because notices arrived:
 * save the twin's changes first if its interval is closed.
 */
static void lrc_invalidate(struct dsm_pg *pg)
{
	struct lrc_pg *lp = pg->lrc;

	if (!lp || !dsm_pg_folio(pg))
		return;
	folio_lock(pg->folio);
	if (lp->twin && lrc_iv_closed(lp->twin_iv))
		lrc_make_diff(pg, lp);
	lp->access = DSM_ACC_NONE;
	dsm_pg_zap(pg);
	folio_unlock(pg->folio);
}

/* Write-protect @pg: its interval ended. */
static void lrc_write_protect(u64 pgno)
{
	struct dsm_pg *pg = dsm_pg_find(pgno);
	struct lrc_pg *lp = pg ? pg->lrc : NULL;

	if (!lp || !dsm_pg_folio(pg))
		return;
	folio_lock(pg->folio);
	if (lp->access == DSM_ACC_WRITE) {
		lp->access = DSM_ACC_READ;
		dsm_pg_zap(pg);
	}
	folio_unlock(pg->folio);
}

static void lrc_wp_work_fn(struct work_struct *work)
{
	struct lrc_wp *wp;
	u32 i;

	for (;;) {
		spin_lock(&lrc.wait_lock);
		wp = list_first_entry_or_null(&lrc.wp_list, struct lrc_wp,
					      list);
		if (wp)
			list_del(&wp->list);
		spin_unlock(&lrc.wait_lock);
		if (!wp)
			return;
		for (i = 0; i < wp->nr; i++)
			lrc_write_protect(wp->pages[i]);
		kfree(wp);
	}
}

/* ------------------------------------------------------------ intervals */

/* Under lrc.lock: add @iv (notices owned by the set on success). */
static int lrc_iset_add(const struct dsm_interval *iv)
{
	struct dsm_ilog *log = &lrc.iset.log[iv->creator];
	struct dsm_interval *slots;
	u32 cap, i;
	int ret;

	ret = dsm_iset_add(&lrc.iset, iv);
	if (ret != -ENOSPC)
		return ret;
	cap = max(16U, log->cap * 2);
	slots = kvmalloc_array(cap, sizeof(*slots), GFP_KERNEL);
	if (!slots)
		return -ENOMEM;
	for (i = 0; i < log->count; i++)
		slots[i] = log->slot[(log->head + i) % log->cap];
	kvfree(lrc.slots[iv->creator]);
	lrc.slots[iv->creator] = slots;
	log->slot = slots;
	log->cap = cap;
	log->head = 0;
	return dsm_iset_add(&lrc.iset, iv);
}

static int lrc_u64_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * Under lrc.lock: close the open interval if it wrote anything. Return
 * the pages to write-protect (a kmalloc'd batch the caller frees), NULL if
 * none, or an ERR_PTR.
 */
static struct lrc_wp *lrc_close_locked(void)
{
	u32 self = lrc_self(), n = lrc.nr_open;
	struct dsm_interval iv = {};
	struct lrc_wp *wp;
	u64 *notices;
	int ret;

	if (!n)
		return NULL;
	wp = kmalloc(struct_size(wp, pages, n), GFP_KERNEL);
	if (!wp)
		return ERR_PTR(-ENOMEM);
	sort(lrc.open, n, sizeof(u64), lrc_u64_cmp, NULL);
	notices = kmemdup(lrc.open, n * sizeof(u64), GFP_KERNEL);
	if (!notices) {
		kfree(wp);
		return ERR_PTR(-ENOMEM);
	}
	iv.creator = self;
	iv.index = lrc.vt.c[self] + 1;
	iv.vt = lrc.vt;
	iv.vt.c[self] = iv.index;
	iv.nr_notices = n;
	iv.notices = notices;
	ret = lrc_iset_add(&iv);
	if (ret) {
		kfree(notices);
		kfree(wp);
		return ERR_PTR(ret < 0 ? ret : -EEXIST);
	}
	WRITE_ONCE(lrc.vt.c[self], iv.index);
	memcpy(wp->pages, lrc.open, n * sizeof(u64));
	wp->nr = n;
	lrc.nr_open = 0;
	dsm_stat_inc(DSM_STAT_LRC_INTERVALS);
	lrc_data_add(sizeof(iv) + n * sizeof(u64));
	return wp;
}

/* End the open interval (release, barrier, acquire). */
static int lrc_end_interval(void)
{
	struct lrc_wp *wp;
	u32 i;

	mutex_lock(&lrc.lock);
	wp = lrc_close_locked();
	mutex_unlock(&lrc.lock);
	if (IS_ERR_OR_NULL(wp))
		return PTR_ERR_OR_ZERO(wp);
	for (i = 0; i < wp->nr; i++)
		lrc_write_protect(wp->pages[i]);
	kfree(wp);
	return 0;
}

/**
 * struct lrc_learn - pages to invalidate after learning intervals.
 * @pgs:	the pages (with duplicates).
 * @nr:		entries.
 * @cap:	room.
 */
struct lrc_learn {
	struct dsm_pg **pgs;
	u32 nr;
	u32 cap;
};

/*
 * Under lrc.lock: add the intervals of decoded set @s that are new here,
 * queue their notices on the pages and collect the pages in @l. Return: 0,
 * or a negative errno (the set is inconsistent with what this node knows,
 * or memory); what was added before stays.
 */
static int lrc_learn_locked(const struct dsm_msg_ivset *s,
			    struct lrc_learn *l)
{
	struct dsm_msg_iter it;
	struct dsm_msg_interval mi;
	struct dsm_interval iv;
	u32 self = lrc_self(), i;
	u64 *notices;
	int ret;

	dsm_msg_iter_intervals(s, &it);
	while (dsm_msg_next_interval(&it, &mi)) {
		if (mi.creator == self ||
		    mi.index <= dsm_ilog_last(&lrc.iset.log[mi.creator]))
			continue;
		if (mi.nr_notices > DSM_LRC_MAX_NOTICES)
			return -EBADMSG;
		notices = kmalloc_array(max_t(u32, mi.nr_notices, 1),
					sizeof(u64), GFP_KERNEL);
		if (!notices)
			return -ENOMEM;
		dsm_msg_interval_copy(&mi, &iv, notices);
		ret = lrc_iset_add(&iv);
		if (ret) {
			kfree(notices);
			return ret < 0 ? ret : 0;
		}
		lrc_data_add(sizeof(iv) + mi.nr_notices * sizeof(u64));
		dsm_stat_add(DSM_STAT_LRC_NOTICES_RECV, mi.nr_notices);
		for (i = 0; i < mi.nr_notices; i++) {
			struct dsm_pg *pg = dsm_pg_get(notices[i]);
			struct lrc_pg *lp;

			if (IS_ERR(pg))
				return PTR_ERR(pg);
			lp = lrc_pg_of(pg);
			if (!lp || lrc_pend(lp, mi.creator, mi.index))
				return -ENOMEM;
			if (l->nr == l->cap) {
				u32 cap = max(64U, l->cap * 2);
				struct dsm_pg **p;

				p = kvmalloc_array(cap, sizeof(*p), GFP_KERNEL);
				if (!p)
					return -ENOMEM;
				if (l->nr)
					memcpy(p, l->pgs, l->nr * sizeof(*p));
				kvfree(l->pgs);
				l->pgs = p;
				l->cap = cap;
			}
			l->pgs[l->nr++] = pg;
		}
	}
	return 0;
}

/* After lrc_learn_locked(), with no lock: invalidate the pages. */
static void lrc_learn_finish(struct lrc_learn *l)
{
	u32 i;

	for (i = 0; i < l->nr; i++)
		lrc_invalidate(l->pgs[i]);
	kvfree(l->pgs);
	l->pgs = NULL;
	l->nr = 0;
	l->cap = 0;
}

/* ------------------------------------------------------------ encoding */

#define LRC_SET_HDR	(DSM_WIRE_HDR_SIZE + 8 + 8 + \
			 DSM_WIRE_VT_SIZE(LRC_NR_NODES))

static u32 lrc_iv_size(const struct dsm_interval *iv)
{
	return 8 + DSM_WIRE_VT_SIZE(LRC_NR_NODES) + 8 * iv->nr_notices;
}

/*
 * How many of @ivs[@pos..@n) fit one message of at most @max bytes.
 * Every own or learned interval fits alone (<= DSM_LRC_MAX_NOTICES).
 */
static u32 lrc_fit(const struct dsm_interval **ivs, u32 pos, u32 n, u32 max)
{
	u32 size = LRC_SET_HDR, k = 0;

	while (pos + k < n && k < DSM_WIRE_MAX_INTERVALS &&
	       size + lrc_iv_size(ivs[pos + k]) <= max)
		size += lrc_iv_size(ivs[pos + k++]);
	return k;
}

/* A message built under lrc.lock, sent after. */
struct lrc_out {
	struct list_head list;
	u32 len;
	u32 flags;	/* DSM_MGR_F_* for MGR payloads */
	u8 data[];
};

static void lrc_out_free(struct list_head *outs)
{
	struct lrc_out *o, *t;

	list_for_each_entry_safe(o, t, outs, list) {
		list_del(&o->list);
		kvfree(o);
	}
}

/*
 * Encode @ivs[0..@n) as LOCK_GRANTs (@type LOCK_GRANT, @max
 * DSM_WIRE_MAX_MSG) or BARRIER_ARRIVEs (@max DSM_MGR_PAYLOAD_MAX) onto
 * @outs; at least one message. Under lrc.lock (the records are the set's).
 */
static int lrc_encode_set(u8 type, u32 dst, u64 req_id, u32 id, u32 epoch,
			  const struct dsm_interval **ivs, u32 n, u32 max,
			  struct list_head *outs)
{
	struct dsm_msg_hdr h = {
		.version = DSM_WIRE_VERSION_MAX,
		.type = type,
		.src = lrc_self(),
		.dst = dst,
		.req_id = req_id,
	};
	struct dsm_wire_enc e;
	struct lrc_out *o;
	u32 pos = 0, k, i;
	LIST_HEAD(mine);
	int len;

	do {
		k = lrc_fit(ivs, pos, n, max);
		if (!k && pos < n) {
			len = -EMSGSIZE;
			goto fail;
		}
		o = kvmalloc(sizeof(*o) + max, GFP_KERNEL);
		if (!o) {
			len = -ENOMEM;
			goto fail;
		}
		list_add_tail(&o->list, &mine);
		h.flags = 0;
		o->flags = 0;
		if (pos + k < n) {
			if (type == DSM_MSG_LOCK_GRANT)
				h.flags = DSM_WIRE_F_MORE;
			else
				o->flags = DSM_MGR_F_MORE;
		}
		dsm_wire_enc_begin(&e, o->data, max, &h);
		if (type == DSM_MSG_LOCK_GRANT)
			dsm_wire_enc_lock_grant(&e, id, &lrc.vt);
		else
			dsm_wire_enc_barrier(&e, id, epoch, &lrc.vt);
		for (i = 0; i < k; i++) {
			dsm_wire_enc_interval(&e, ivs[pos + i]);
			dsm_stat_add(DSM_STAT_LRC_NOTICES_SENT,
				     ivs[pos + i]->nr_notices);
		}
		len = dsm_wire_enc_end(&e);
		if (len < 0)
			goto fail;
		o->len = len;
		pos += k;
	} while (pos < n);
	list_splice_tail(&mine, outs);
	return 0;
fail:
	/* Nothing half-built leaves the node. */
	lrc_out_free(&mine);
	return len;
}

/*
 * Under lrc.lock: the intervals seen here that @have lacks, in a
 * kvmalloc'd array (*@out), creator by creator in index order. Intervals
 * at or below lrc.gc_vt are never missing: a collection discarded them
 * after every node had applied them.
 *
 * Seen: covered by lrc.vt. The interval set may also hold intervals of a
 * grant still being received (learnt, pages being invalidated without
 * lrc.lock, the timestamp merged only after its last fragment); their
 * timestamps are not covered by lrc.vt, the message's timestamp, and the
 * decoder refuses such a set ("interval"). They go out once that acquire
 * completes.
 */
static int lrc_missing(const struct dsm_vt *have,
		       const struct dsm_interval ***out)
{
	const struct dsm_interval **v;
	struct dsm_vt h = *have;
	u32 total = 0, c;
	int n, i, k;

	/* What a collection discarded counts as applied everywhere. */
	dsm_vt_merge(&h, &lrc.gc_vt);
	for (c = 0; c < LRC_NR_NODES; c++)
		total += lrc.iset.log[c].count;
	v = kvmalloc_array(max(total, 1U), sizeof(*v), GFP_KERNEL);
	if (!v)
		return -ENOMEM;
	n = dsm_iset_missing(&lrc.iset, &h, v, total);
	if (n < 0) {
		kvfree(v);
		return n;
	}
	for (i = 0, k = 0; i < n; i++)
		if (v[i]->index <= dsm_vt_get(&lrc.vt, v[i]->creator))
			v[k++] = v[i];
	*out = v;
	return k;
}

/* ------------------------------------------------------------ locks */

static struct lrc_lock *lrc_lock_find(u32 id)
{
	struct lrc_lock *l;

	list_for_each_entry(l, &lrc.locks, list)
		if (l->id == id)
			return l;
	return NULL;
}

static struct lrc_lock *lrc_lock_get(u32 id)
{
	struct lrc_lock *l = lrc_lock_find(id);

	if (l)
		return l;
	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		return NULL;
	l->id = id;
	INIT_LIST_HEAD(&l->fwds);
	list_add(&l->list, &lrc.locks);
	return l;
}

/*
 * Under lrc.lock: free @l if it holds nothing worth keeping: no token, no
 * request out, no holder, no waiter, no forward. A later acquire or
 * forward makes a fresh entry, which is what a never-seen lock is. So the
 * table holds the locks whose token is here or in use, not every lock
 * ever taken. Nobody may use @l after this.
 */
static void lrc_lock_put_locked(struct lrc_lock *l)
{
	if (l->token || l->requesting || l->holder || l->waiters ||
	    l->reserved || !list_empty(&l->fwds))
		return;
	list_del(&l->list);
	kfree(l);
}

static void lrc_lock_changed(struct lrc_lock *l)
{
	WRITE_ONCE(l->gen, l->gen + 1);
	wake_up_all(&lrc.lock_wq);
}

/*
 * Under lrc.lock: give lock @l's token to @requester (request @req_id,
 * VT @vt): build the LOCK_GRANTs onto @outs. The token leaves.
 */
static int lrc_grant_locked(struct lrc_lock *l, u16 requester, u64 req_id,
			    const struct dsm_vt *vt, struct list_head *outs)
{
	const struct dsm_interval **ivs = NULL;
	int n, ret;

	n = lrc_missing(vt, &ivs);
	if (n < 0) {
		pr_warn_ratelimited("lock %u: cannot list the intervals node %u lacks: %d; granted without\n",
				    l->id, requester, n);
		n = 0;
	}
	ret = lrc_encode_set(DSM_MSG_LOCK_GRANT, requester, req_id, l->id, 0,
			     ivs, n, DSM_WIRE_MAX_MSG, outs);
	kvfree(ivs);
	l->token = false;
	lrc_lock_changed(l);
	return ret;
}

/* Send the messages on @outs to @dst over the data transport; free them. */
static void lrc_send_outs(u32 dst, u8 type, struct list_head *outs)
{
	struct lrc_out *o;

	list_for_each_entry(o, outs, list)
		if (dsm_msg_send_buf(dst, type, o->data, o->len))
			break;
	lrc_out_free(outs);
}

/* Under lrc.lock: serve the oldest forward of @l if the token is free. */
static void lrc_serve_fwd_locked(struct lrc_lock *l, u32 *dst,
				 struct list_head *outs)
{
	struct lrc_fwd *f;

	if (!l->token || l->holder || l->reserved || list_empty(&l->fwds))
		return;
	f = list_first_entry(&l->fwds, struct lrc_fwd, list);
	list_del(&f->list);
	l->nr_fwds--;
	*dst = f->requester;
	if (lrc_grant_locked(l, f->requester, f->req_id, &f->vt, outs))
		pr_warn_ratelimited("cannot build the grant of lock %u for node %u\n",
				    l->id, f->requester);
	kfree(f);
}

/* Start an acquire request for @l. Under lrc.lock; drops and retakes it. */
static int lrc_lock_request(struct lrc_lock *l)
{
	struct dsm_msg_hdr h = {
		.version = DSM_WIRE_VERSION_MAX,
		.type = DSM_MSG_LOCK_REQ,
	};
	struct dsm_msg_lock_req b = {};
	struct dsm_wire_enc e;
	u8 buf[DSM_WIRE_HDR_SIZE + 16 + DSM_WIRE_VT_SIZE(LRC_NR_NODES)];
	u64 req_id = dsm_next_req_id();
	u32 self = lrc_self(), mgr;
	int len, ret;

	mgr = dsm_members_home(l->id);
	h.src = self;
	h.dst = lrc_mgr_dst(mgr);
	h.req_id = req_id;
	b.lock_id = l->id;
	b.requester = self;
	b.req_id = req_id;
	b.vt = lrc.vt;
	dsm_wire_enc_begin(&e, buf, sizeof(buf), &h);
	dsm_wire_enc_lock_req(&e, &b);
	len = dsm_wire_enc_end(&e);
	if (len < 0)
		return len;
	l->requesting = true;
	l->req_id = req_id;
	mutex_unlock(&lrc.lock);
	ret = dsm_nl_mgr_request(DSM_MGR_LOCK_ACQUIRE, req_id, l->id, 0, buf,
				 len);
	mutex_lock(&lrc.lock);
	if (ret && l->requesting && l->req_id == req_id) {
		l->requesting = false;
		lrc_lock_changed(l);
	}
	return ret;
}

static int lrc_acquire(struct dsm_file *f, u32 id)
{
	u64 start = ktime_get_ns(), my_req = 0, gen;
	bool remote = false;
	struct lrc_lock *l;
	LIST_HEAD(outs);
	u32 dst = 0;
	int ret;

	ret = dsm_cluster_ready();
	if (ret)
		return ret;
	ret = lrc_end_interval();
	if (ret)
		return ret;
	mutex_lock(&lrc.lock);
	l = lrc_lock_get(id);
	if (!l) {
		ret = -ENOMEM;
		goto out;
	}
	if (l->holder == f) {
		ret = -EDEADLK;
		goto out;
	}
	/*
	 * Counted from here on: keeps @l in the table, and a token that
	 * comes while the request is being sent is reserved for us.
	 */
	l->waiters++;
	for (;;) {
		if (l->token && !l->holder &&
		    (list_empty(&l->fwds) || l->reserved)) {
			l->holder = f;
			l->reserved = false;
			ret = 0;
			break;
		}
		if (!l->token && !l->requesting) {
			if (my_req && l->failed_req == my_req) {
				ret = l->failed_err ?: -EHOSTDOWN;
				break;
			}
			remote = true;
			ret = lrc_lock_request(l);
			if (ret)
				break;
			continue;
		}
		if (l->requesting)
			my_req = l->req_id;
		gen = l->gen;
		mutex_unlock(&lrc.lock);
		ret = wait_event_killable(lrc.lock_wq,
					  READ_ONCE(l->gen) != gen);
		mutex_lock(&lrc.lock);
		if (ret) {
			ret = -EINTR;
			break;
		}
	}
	l->waiters--;
	if (ret && !l->waiters && l->reserved) {
		/* Nobody left to use the token that came for us. */
		l->reserved = false;
		lrc_serve_fwd_locked(l, &dst, &outs);
	}
out:
	if (l)
		lrc_lock_put_locked(l);
	mutex_unlock(&lrc.lock);
	if (!list_empty(&outs))
		lrc_send_outs(dst, DSM_MSG_LOCK_GRANT, &outs);
	if (!ret) {
		dsm_stat_inc(remote ? DSM_STAT_LRC_LOCK_ACQUIRE_REMOTE :
				      DSM_STAT_LRC_LOCK_ACQUIRE_LOCAL);
		dsm_stat_add(DSM_STAT_LRC_LOCK_WAIT_US,
			     div_u64(ktime_get_ns() - start, NSEC_PER_USEC));
	}
	return ret;
}

static int lrc_release(struct dsm_file *f, u32 id)
{
	struct lrc_lock *l;
	LIST_HEAD(outs);
	u32 dst = 0;
	int ret;

	mutex_lock(&lrc.lock);
	l = lrc_lock_find(id);
	ret = l && l->holder == f ? 0 : -EPERM;
	mutex_unlock(&lrc.lock);
	if (ret)
		return ret;
	/* The grant must carry the interval the holder just ended. */
	ret = lrc_end_interval();
	if (ret)
		pr_warn_ratelimited("lock %u: cannot end the interval: %d\n",
				    id, ret);
	mutex_lock(&lrc.lock);
	if (l->holder != f) {
		mutex_unlock(&lrc.lock);
		return -EPERM;
	}
	l->holder = NULL;
	lrc_serve_fwd_locked(l, &dst, &outs);
	lrc_lock_changed(l);
	lrc_lock_put_locked(l);
	mutex_unlock(&lrc.lock);
	if (!list_empty(&outs))
		lrc_send_outs(dst, DSM_MSG_LOCK_GRANT, &outs);
	return 0;
}

/**
 * lrc_file_release() - release every lock open file @f holds.
 * @f:	the file being closed.
 */
static void lrc_file_release(struct dsm_file *f)
{
	struct lrc_lock *l;
	bool found;
	u32 id = 0;

	do {
		found = false;
		mutex_lock(&lrc.lock);
		list_for_each_entry(l, &lrc.locks, list) {
			if (l->holder == f) {
				id = l->id;
				found = true;
				break;
			}
		}
		mutex_unlock(&lrc.lock);
		if (found)
			lrc_release(f, id);
	} while (found);
}

/* The token of @l arrived (grant, fresh token); under lrc.lock. */
static void lrc_token_here(struct lrc_lock *l, const struct dsm_vt *vt)
{
	if (vt)
		dsm_vt_merge(&lrc.vt, vt);
	l->token = true;
	l->requesting = false;
	/* Our own acquire goes before the forwards queued meanwhile. */
	l->reserved = l->waiters > 0;
	lrc_lock_changed(l);
}

/* LOCK_GRANT from the data transport. */
static void lrc_recv_grant(const struct dsm_msg *m)
{
	const struct dsm_msg_lock_grant *g = &m->u.lock_grant;
	bool last = !(m->hdr.flags & DSM_WIRE_F_MORE);
	struct lrc_learn learn = {};
	struct lrc_lock *l;
	LIST_HEAD(outs);
	u32 dst = 0;
	int ret;

	mutex_lock(&lrc.lock);
	l = lrc_lock_find(g->lock_id);
	if (!l || !l->requesting || l->req_id != m->hdr.req_id) {
		mutex_unlock(&lrc.lock);
		lrc_unexpected("LOCK_GRANT", m->hdr.src);
		return;
	}
	ret = lrc_learn_locked(&g->iv, &learn);
	mutex_unlock(&lrc.lock);
	if (ret)
		pr_warn_ratelimited("lock %u: grant from node %u not applied: %d\n",
				    g->lock_id, m->hdr.src, ret);
	/* Invalidate before the acquire returns. */
	lrc_learn_finish(&learn);
	if (!last)
		return;
	mutex_lock(&lrc.lock);
	/* Found again: the request may have failed meanwhile (freed @l). */
	l = lrc_lock_find(g->lock_id);
	if (l && l->requesting && l->req_id == m->hdr.req_id) {
		lrc_token_here(l, &g->iv.vt);
		if (!l->reserved)
			lrc_serve_fwd_locked(l, &dst, &outs);
	}
	mutex_unlock(&lrc.lock);
	if (!list_empty(&outs))
		lrc_send_outs(dst, DSM_MSG_LOCK_GRANT, &outs);
}

/**
 * dsm_lrc_lock_forward() - LOCK_FORWARD from dsmd: grant lock @lock_id to
 * the requester in the LOCK_REQ at @p.
 * @lock_id:	DSM_A_LOCK_ID.
 * @p:		DSM_A_MGR_PAYLOAD.
 * @len:	its length.
 * @extack:	for the reason of a refusal.
 *
 * Return: 0, or a negative errno (nothing changed).
 */
int dsm_lrc_lock_forward(u32 lock_id, const void *p, u32 len,
			 struct netlink_ext_ack *extack)
{
	struct lrc_fwd *f;
	struct lrc_lock *l;
	struct dsm_msg m;
	LIST_HEAD(outs);
	u32 dst = 0;
	int ret = 0;

	if (dsm_wire_decode(p, len, &m, NULL) ||
	    m.hdr.type != DSM_MSG_LOCK_REQ) {
		NL_SET_ERR_MSG_MOD(extack, "payload is not a valid LOCK_REQ");
		return -EINVAL;
	}
	if (m.u.lock_req.lock_id != lock_id ||
	    m.u.lock_req.requester >= DSM_NODES_MAX ||
	    m.u.lock_req.req_id != m.hdr.req_id) {
		NL_SET_ERR_MSG_MOD(extack, "LOCK_REQ does not match LOCK_ID or its header");
		return -EINVAL;
	}
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	f->requester = m.u.lock_req.requester;
	f->req_id = m.u.lock_req.req_id;
	f->vt = m.u.lock_req.vt;
	mutex_lock(&lrc.lock);
	l = lrc_lock_get(lock_id);
	if (!l) {
		ret = -ENOMEM;
		goto out;
	}
	if (f->requester == lrc_self()) {
		/* Our own request came back: the token is re-created here. */
		if (l->requesting && l->req_id == f->req_id)
			lrc_token_here(l, NULL);
		goto out;
	}
	if (l->nr_fwds >= LRC_MAX_FWDS) {
		NL_SET_ERR_MSG_MOD(extack, "too many forwards queued on this lock");
		ret = -ENOSPC;
		goto out;
	}
	/*
	 * No token and no request: our wait failed (a node went down) or the
	 * token was lost; nothing here holds the lock, so grant with what we
	 * know (Documentation/lrc.md "Failures").
	 */
	if (!l->token && !l->requesting && !l->holder)
		l->token = true;
	list_add_tail(&f->list, &l->fwds);
	l->nr_fwds++;
	f = NULL;
	lrc_serve_fwd_locked(l, &dst, &outs);
out:
	if (l)
		lrc_lock_put_locked(l);
	mutex_unlock(&lrc.lock);
	kfree(f);
	if (!list_empty(&outs))
		lrc_send_outs(dst, DSM_MSG_LOCK_GRANT, &outs);
	return ret;
}

/* A reply to a lock acquire request (cookie @cookie). */
static bool lrc_lock_reply(u64 cookie, u32 err)
{
	struct lrc_lock *l;
	bool found = false;

	mutex_lock(&lrc.lock);
	list_for_each_entry(l, &lrc.locks, list) {
		if (!l->requesting || l->req_id != cookie)
			continue;
		found = true;
		if (err) {
			/* dsmd bounds err to 1..4095 (netlink policy). */
			pr_warn_ratelimited("lock %u: acquire request failed: %d (from dsmd)\n",
					    l->id, -(int)err);
			l->failed_req = cookie;
			l->failed_err = -(int)err;
			l->requesting = false;
			lrc_lock_changed(l);
			lrc_lock_put_locked(l);
		} else {
			lrc_token_here(l, NULL);
		}
		break;
	}
	mutex_unlock(&lrc.lock);
	return found;
}

/* Fail every lock request in flight (node down, dsmd gone). */
static void lrc_fail_lock_requests(void)
{
	struct lrc_lock *l, *lt;

	mutex_lock(&lrc.lock);
	list_for_each_entry_safe(l, lt, &lrc.locks, list) {
		if (!l->requesting)
			continue;
		l->failed_req = l->req_id;
		l->failed_err = -EHOSTDOWN;
		l->requesting = false;
		lrc_lock_changed(l);
		lrc_lock_put_locked(l);
	}
	mutex_unlock(&lrc.lock);
}

/* ------------------------------------------------------------ barriers */

static struct lrc_barrier *lrc_barrier_get(u32 id)
{
	struct lrc_barrier *b;

	list_for_each_entry(b, &lrc.barriers, list)
		if (b->id == id)
			return b;
	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return NULL;
	b->id = id;
	list_add(&b->list, &lrc.barriers);
	return b;
}

/* Under lrc.lock: every interval newer than the last release's VT. */
static int lrc_since_release(const struct dsm_interval ***out)
{
	return lrc_missing(&lrc.bar_vt, out);
}

static int lrc_gc(u32 id);

static int lrc_barrier(struct dsm_file *f, u32 id)
{
	const struct dsm_interval **ivs = NULL;
	u64 start = ktime_get_ns(), cookie;
	struct lrc_barrier *b;
	struct lrc_out *o;
	LIST_HEAD(outs);
	u32 flags, epoch = 0;
	bool gc = false;
	int n, ret;

	ret = dsm_cluster_ready();
	if (ret)
		return ret;
	if (mutex_lock_killable(&lrc.bar_mutex))
		return -EINTR;
	ret = lrc_end_interval();
	if (ret)
		goto unlock;
	cookie = dsm_next_req_id();
	mutex_lock(&lrc.lock);
	b = lrc_barrier_get(id);
	n = b ? lrc_since_release(&ivs) : -ENOMEM;
	if (n >= 0) {
		u32 mgr = dsm_members_home(0);

		/* The lowest member manages barriers (home of page 0). */
		ret = lrc_encode_set(DSM_MSG_BARRIER_ARRIVE,
				     lrc_mgr_dst(mgr), cookie,
				     id, b->epoch, ivs, n,
				     DSM_MGR_PAYLOAD_MAX, &outs);
		kvfree(ivs);
	} else {
		ret = n;
	}
	mutex_unlock(&lrc.lock);
	if (ret)
		goto out;
	flags = atomic64_read(&lrc.data_bytes) > READ_ONCE(lrc_gc_threshold) ?
		DSM_MGR_F_GC_WANTED : 0;
	spin_lock(&lrc.wait_lock);
	memset(&lrc.bw, 0, sizeof(lrc.bw));
	init_completion(&lrc.bw.done);
	lrc.bw.cookie = cookie;
	lrc.bw.id = id;
	lrc.bw_active = true;
	spin_unlock(&lrc.wait_lock);
	list_for_each_entry(o, &outs, list) {
		ret = dsm_nl_mgr_request(DSM_MGR_BARRIER, cookie, id,
					 o->flags | flags, o->data, o->len);
		if (ret)
			break;
	}
	if (!ret) {
		dsm_stat_inc(DSM_STAT_LRC_BARRIER_WAITS);
		if (wait_for_completion_killable(&lrc.bw.done))
			ret = -EINTR;
	}
	spin_lock(&lrc.wait_lock);
	lrc.bw_active = false;
	if (!ret) {
		ret = lrc.bw.err;
		gc = lrc.bw.gc;
		epoch = lrc.bw.epoch;
	}
	spin_unlock(&lrc.wait_lock);
	if (!ret) {
		mutex_lock(&lrc.lock);
		b->epoch = epoch + 1;
		mutex_unlock(&lrc.lock);
		dsm_stat_add(DSM_STAT_LRC_BARRIER_WAIT_US,
			     div_u64(ktime_get_ns() - start, NSEC_PER_USEC));
		if (gc)
			ret = lrc_gc(id);
	}
out:
	lrc_out_free(&outs);
unlock:
	mutex_unlock(&lrc.bar_mutex);
	return ret;
}

/* Complete the barrier wait of @cookie (if still waiting). */
static bool lrc_bw_finish(u64 cookie, int err, bool gc, u32 epoch)
{
	bool found;

	spin_lock(&lrc.wait_lock);
	found = lrc.bw_active && lrc.bw.cookie == cookie;
	if (found && !completion_done(&lrc.bw.done)) {
		lrc.bw.err = err;
		lrc.bw.gc = gc;
		lrc.bw.epoch = epoch;
		complete(&lrc.bw.done);
	}
	spin_unlock(&lrc.wait_lock);
	return found;
}

/* A BARRIER_RELEASE fragment (or an error) for the waiting arrival. */
static int lrc_barrier_reply(u64 cookie, u32 err, u32 flags, const void *p,
			     u32 len, struct netlink_ext_ack *extack)
{
	struct lrc_learn learn = {};
	bool found, gc_round = false;
	struct dsm_msg m;
	u32 id = 0;
	int ret;

	spin_lock(&lrc.wait_lock);
	found = lrc.bw_active && lrc.bw.cookie == cookie;
	if (found) {
		id = lrc.bw.id;
		gc_round = lrc.bw.gc_round;
	}
	spin_unlock(&lrc.wait_lock);
	if (!found)
		return -ENOENT;
	if (gc_round) {
		if (p || flags) {
			NL_SET_ERR_MSG_MOD(extack,
					   "a GC_DONE reply carries no payload and no flags");
			return -EINVAL;
		}
		lrc_bw_finish(cookie, err ? -(int)err : 0, false, 0);
		return 0;
	}
	if (err) {
		lrc_bw_finish(cookie, -(int)err, false, 0);
		return 0;
	}
	if (!p || dsm_wire_decode(p, len, &m, NULL) ||
	    m.hdr.type != DSM_MSG_BARRIER_RELEASE ||
	    m.u.barrier.barrier_id != id) {
		NL_SET_ERR_MSG_MOD(extack,
				   "payload is not a BARRIER_RELEASE of this barrier");
		return -EINVAL;
	}
	mutex_lock(&lrc.lock);
	ret = lrc_learn_locked(&m.u.barrier.iv, &learn);
	mutex_unlock(&lrc.lock);
	/* Invalidate before the barrier returns. */
	lrc_learn_finish(&learn);
	if (ret) {
		lrc_bw_finish(cookie, ret, false, 0);
		return 0;
	}
	if (flags & DSM_MGR_F_MORE)
		return 0;
	mutex_lock(&lrc.lock);
	dsm_vt_merge(&lrc.vt, &m.u.barrier.iv.vt);
	lrc.bar_vt = m.u.barrier.iv.vt;
	mutex_unlock(&lrc.lock);
	lrc_bw_finish(cookie, 0, flags & DSM_MGR_F_GC, m.u.barrier.epoch);
	return 0;
}

/**
 * dsm_lrc_mgr_reply() - MGR_REPLY from dsmd.
 * @cookie:	DSM_A_MGR_COOKIE.
 * @err:	DSM_A_MGR_ERROR, a positive errno or 0.
 * @flags:	DSM_A_MGR_FLAGS.
 * @p:		DSM_A_MGR_PAYLOAD or NULL.
 * @len:	its length.
 * @extack:	for the reason of a refusal.
 *
 * Return: 0, or a negative errno (no request with that cookie, or a
 * payload that does not fit the request; nothing changed).
 */
int dsm_lrc_mgr_reply(u64 cookie, u32 err, u32 flags, const void *p, u32 len,
		      struct netlink_ext_ack *extack)
{
	int ret;

	ret = lrc_barrier_reply(cookie, err, flags, p, len, extack);
	if (ret != -ENOENT)
		return ret;
	if (p) {
		NL_SET_ERR_MSG_MOD(extack, "a lock reply carries no payload");
		return -EINVAL;
	}
	if (lrc_lock_reply(cookie, err))
		return 0;
	NL_SET_ERR_MSG_MOD(extack, "no request with this cookie is waiting");
	return -ENOENT;
}

/* Fail the barrier wait, if any, with -EHOSTDOWN. */
static void lrc_fail_barrier(void)
{
	spin_lock(&lrc.wait_lock);
	if (lrc.bw_active && !completion_done(&lrc.bw.done)) {
		lrc.bw.err = -EHOSTDOWN;
		complete(&lrc.bw.done);
	}
	spin_unlock(&lrc.wait_lock);
}

static void lrc_fail_work_fn(struct work_struct *work)
{
	lrc_fail_lock_requests();
	lrc_fail_barrier();
}

/**
 * lrc_daemon_gone() - dsmd exited: nothing will answer the requests
 * in flight; fail them (from a worker: the caller holds dsm_cluster.lock).
 */
static void lrc_daemon_gone(void)
{
	schedule_work(&lrc.fail_work);
}

/* ------------------------------------------------------------ diffs */

/*
 * Folio locked: the whole page for a node that dropped it at a collection
 * (interval 0), as a diff against the zero page @zero into @whole. The
 * copy here holds every change up to the collection: this node wrote the
 * page since the one before and made it valid then. Changes of an open
 * interval are not announced yet: they stay out (the twin, which received
 * every diff applied since, is sent instead). A copy this node dropped
 * itself is no copy: -ESTALE.
 */
static int lrc_whole(struct dsm_pg *pg, struct lrc_pg *lp, const void *zero,
		     void *whole, int *len)
{
	bool open = lp->twin && !lrc_iv_closed(lp->twin_iv);
	bool dropped;
	void *p;

	mutex_lock(&lrc.lock);
	dropped = lp->dropped;
	mutex_unlock(&lrc.lock);
	if (dropped)
		return -ESTALE;
	p = open ? lp->twin : kmap_local_folio(pg->folio, 0);
	*len = dsm_diff_create(zero, p, whole, DSM_DIFF_MAX_SIZE);
	if (!open)
		kunmap_local(p);
	return *len < 0 ? *len : 0;
}

/* Serve DIFF_REQ @m: the diffs of own intervals, made now if needed. */
static void lrc_recv_diff_req(const struct dsm_msg *m)
{
	const struct dsm_msg_diff_req *r = &m->u.diff_req;
	struct dsm_msg_hdr h = {
		.version = DSM_WIRE_VERSION_MAX,
		.type = DSM_MSG_DIFF_REPLY,
		.src = lrc_self(),
		.dst = m->hdr.src,
		.req_id = m->hdr.req_id,
	};
	struct dsm_pg *pg = dsm_pg_find(r->page);
	struct lrc_pg *lp = pg ? pg->lrc : NULL;
	void *buf = NULL, *zero = NULL, *whole = NULL;
	struct dsm_msg_iter it;
	struct dsm_wire_enc e;
	struct lrc_diff *d;
	int err = -ENOENT, len = 0;
	u16 node;
	u32 iv;

	if (!lp || !dsm_pg_folio(pg))
		goto nack;
	err = -ENOMEM;
	buf = kvmalloc(DSM_WIRE_MAX_MSG, GFP_KERNEL);
	zero = kzalloc(DSM_PAGE_SIZE, GFP_KERNEL);
	whole = kmalloc(DSM_DIFF_MAX_SIZE, GFP_KERNEL);
	if (!buf || !zero || !whole)
		goto nack;
	folio_lock(pg->folio);
	dsm_wire_enc_begin(&e, buf, DSM_WIRE_MAX_MSG, &h);
	dsm_wire_enc_diff_reply(&e, r->page);
	dsm_msg_iter_wants(r, &it);
	err = 0;
	while (!err && dsm_msg_next_want(&it, &node, &iv)) {
		if (node != lrc_self()) {
			err = -EINVAL;
		} else if (!iv) {
			err = lrc_whole(pg, lp, zero, whole, &len);
			if (!err)
				dsm_wire_enc_diff(&e, node, 0, whole, len);
		} else {
			d = lrc_diff_find(lp, iv);
			if (!d && lp->twin && lp->twin_iv == iv &&
			    lrc_iv_closed(iv)) {
				err = lrc_make_diff(pg, lp);
				d = lrc_diff_find(lp, iv);
			}
			/* Discarded: a correct run never asks for it. */
			if (!d && !err)
				err = lrc_iv_discarded(node, iv) ? -ESTALE :
								  -ENOENT;
			if (d)
				dsm_wire_enc_diff(&e, node, iv, d->data,
						  d->len);
		}
	}
	folio_unlock(pg->folio);
	if (err)
		goto nack;
	len = dsm_wire_enc_end(&e);
	if (len < 0) {
		err = len;
		goto nack;
	}
	dsm_msg_send_buf(m->hdr.src, DSM_MSG_DIFF_REPLY, buf, len);
	goto out;
nack:
	{
		struct dsm_msg n = {
			.hdr.type = DSM_MSG_NACK,
			.hdr.dst = m->hdr.src,
			.hdr.req_id = m->hdr.req_id,
			.u.nack.error = -err,
			.u.nack.nacked_type = DSM_MSG_DIFF_REQ,
			.u.nack.arg = r->page,
		};

		pr_warn_ratelimited("cannot serve the diffs of page %llu to node %u: %d\n",
				    r->page, m->hdr.src, err);
		dsm_msg_send(&n);
	}
out:
	kvfree(buf);
	kfree(zero);
	kfree(whole);
}

static struct lrc_fetch *lrc_fetch_find(u64 req_id, u64 pgno)
{
	struct lrc_fetch *f;

	list_for_each_entry(f, &lrc.fetches, list)
		if (f->req_id == req_id && f->pgno == pgno)
			return f;
	return NULL;
}

/* DIFF_REPLY: keep copies of the wanted diffs for the fetch. */
static void lrc_recv_diff_reply(const struct dsm_msg *m)
{
	const struct dsm_msg_diff_reply *r = &m->u.diff_reply;
	struct lrc_want got[DSM_WIRE_MAX_DIFFS];
	struct dsm_msg_iter it;
	struct dsm_msg_diff d;
	struct lrc_fetch *f;
	u32 n = 0, i, j;
	bool bad = false;

	dsm_msg_iter_diffs(r, &it);
	while (dsm_msg_next_diff(&it, &d)) {
		got[n].node = d.node;
		got[n].iv = d.interval;
		got[n].len = d.len;
		got[n].diff = kmemdup(d.diff, d.len, GFP_KERNEL);
		if (!got[n].diff)
			bad = true;
		n++;
	}
	spin_lock(&lrc.wait_lock);
	f = lrc_fetch_find(m->hdr.req_id, r->page);
	if (!f || !(f->waiting_on & BIT(m->hdr.src)))
		bad = true;
	for (i = 0; i < n && !bad; i++) {
		for (j = 0; j < f->nr_wants; j++)
			if (f->wants[j].node == got[i].node &&
			    f->wants[j].iv == got[i].iv && !f->wants[j].diff)
				break;
		/* Only diffs asked of this node, each once. */
		if (j == f->nr_wants || got[i].node != m->hdr.src)
			bad = true;
	}
	if (!bad) {
		for (i = 0; i < n; i++) {
			for (j = 0; j < f->nr_wants; j++)
				if (f->wants[j].node == got[i].node &&
				    f->wants[j].iv == got[i].iv)
					break;
			f->wants[j].diff = got[i].diff;
			f->wants[j].len = got[i].len;
			got[i].diff = NULL;
		}
		if (!--f->outstanding)
			complete(&f->done);
	}
	spin_unlock(&lrc.wait_lock);
	if (bad)
		lrc_unexpected("DIFF_REPLY", m->hdr.src);
	for (i = 0; i < n; i++)
		kfree(got[i].diff);
}

static void lrc_recv_nack(const struct dsm_msg *m)
{
	struct lrc_fetch *f;

	/* Of what lrc sends on data connections, only DIFF_REQ is NACKed. */
	if (m->u.nack.nacked_type != DSM_MSG_DIFF_REQ) {
		lrc_unexpected("NACK", m->hdr.src);
		return;
	}
	spin_lock(&lrc.wait_lock);
	f = lrc_fetch_find(m->hdr.req_id, m->u.nack.arg);
	if (f && (f->waiting_on & BIT(m->hdr.src))) {
		if (!f->err)
			f->err = -(int)m->u.nack.error;
		complete(&f->done);
	}
	spin_unlock(&lrc.wait_lock);
	if (!f)
		lrc_unexpected("NACK", m->hdr.src);
}

/* ------------------------------------------------------------ faults */

/* The order in which wants are applied: interval 0 first, then cmp. */
struct lrc_apply {
	const struct dsm_interval *iv;
	struct lrc_want *w;
};

static int lrc_apply_cmp(const void *a, const void *b)
{
	const struct lrc_apply *x = a, *y = b;

	if (!x->iv || !y->iv)
		return x->iv ? 1 : y->iv ? -1 : 0;
	return dsm_interval_cmp(x->iv, y->iv);
}

/*
 * Folio locked: apply the fetched diffs of @f to @pg in VT order, drop
 * their notices. Return: 0 or a negative errno.
 */
static int lrc_apply(struct dsm_pg *pg, struct lrc_pg *lp,
		     struct lrc_fetch *f)
{
	struct lrc_apply *order;
	u32 i, j, k = 0;
	void *p;
	int ret = 0;

	order = kmalloc_array(max(f->nr_wants, 1U), sizeof(*order),
			      GFP_KERNEL);
	if (!order)
		return -ENOMEM;
	if (lp->twin && lrc_iv_closed(lp->twin_iv)) {
		ret = lrc_make_diff(pg, lp);
		if (ret)
			goto out;
	}
	mutex_lock(&lrc.lock);
	for (i = 0; i < f->nr_wants; i++) {
		struct lrc_want *w = &f->wants[i];

		order[k].w = w;
		order[k].iv = w->iv ? dsm_ilog_find(&lrc.iset.log[w->node],
						   w->iv) : NULL;
		if (w->iv && !order[k].iv) {
			ret = -ESTALE;
			goto unlock;
		}
		k++;
	}
	sort(order, k, sizeof(*order), lrc_apply_cmp, NULL);
	p = kmap_local_folio(pg->folio, 0);
	for (i = 0; i < k && !ret; i++) {
		struct lrc_want *w = order[i].w;

		if (!w->iv) {
			memset(p, 0, DSM_PAGE_SIZE);
			if (lp->twin)
				memset(lp->twin, 0, DSM_PAGE_SIZE);
		}
		ret = dsm_diff_apply(p, w->diff, w->len);
		/* The twin keeps only own changes against it. */
		if (!ret && lp->twin)
			ret = dsm_diff_apply(lp->twin, w->diff, w->len);
		if (ret)
			break;
		dsm_stat_inc(DSM_STAT_LRC_DIFFS_APPLIED);
		dsm_stat_add(DSM_STAT_LRC_DIFF_BYTES_APPLIED, w->len);
	}
	kunmap_local(p);
	if (ret)
		goto unlock;
	/* Drop the applied notices; later ones stay pending. */
	for (i = 0; i < f->nr_wants; i++) {
		struct lrc_want *w = &f->wants[i];

		if (!w->iv) {
			lp->dropped = false;
			continue;
		}
		for (j = 0; j < lp->nr_pending; j++) {
			if (lp->pending[j].creator == w->node &&
			    lp->pending[j].index == w->iv) {
				lp->pending[j] = lp->pending[--lp->nr_pending];
				lrc_data_add(-(s64)sizeof(struct lrc_notice));
				break;
			}
		}
	}
unlock:
	mutex_unlock(&lrc.lock);
out:
	kfree(order);
	return ret;
}

static int lrc_want_cmp(const void *a, const void *b)
{
	const struct lrc_want *x = a, *y = b;

	if (x->node != y->node)
		return x->node < y->node ? -1 : 1;
	return x->iv < y->iv ? -1 : x->iv > y->iv;
}

/* Send the DIFF_REQs of @f, one or more per creator. */
static int lrc_fetch_send(struct lrc_fetch *f)
{
	struct dsm_msg_hdr h = {
		.version = DSM_WIRE_VERSION_MAX,
		.type = DSM_MSG_DIFF_REQ,
		.src = lrc_self(),
		.req_id = f->req_id,
	};
	u8 buf[DSM_WIRE_HDR_SIZE + 16 + 8 * DSM_WIRE_MAX_DIFFS];
	struct dsm_wire_enc e;
	u32 i = 0, k;
	int len, ret;

	while (i < f->nr_wants) {
		u16 dst = f->wants[i].node;

		/* Interval 0 is fetched from copy_from, stored as node. */
		for (k = 0; i + k < f->nr_wants && k < DSM_WIRE_MAX_DIFFS &&
		     f->wants[i + k].node == dst; k++)
			;
		h.dst = dst;
		dsm_wire_enc_begin(&e, buf, sizeof(buf), &h);
		dsm_wire_enc_diff_req(&e, f->pgno);
		for (len = 0; len < k; len++)
			dsm_wire_enc_want(&e, dst, f->wants[i + len].iv);
		len = dsm_wire_enc_end(&e);
		if (len < 0)
			return len;
		ret = dsm_members_wait(dst, dsm_fault_timeout());
		if (!ret)
			ret = dsm_msg_send_buf(dst, DSM_MSG_DIFF_REQ, buf, len);
		if (ret)
			return ret;
		dsm_stat_inc(DSM_STAT_LRC_DIFF_REQ_SENT);
		i += k;
	}
	return 0;
}

/*
 * Fetch the diffs @pg lacks (and the whole page if a collection dropped
 * it), with request id @req_id, and apply them. Return: 0 or a negative
 * errno; -ESTALE when a collection discarded what was asked for meanwhile
 * (try again: the page's notices changed with it).
 */
static int lrc_fetch(struct dsm_pg *pg, u64 req_id)
{
	struct lrc_pg *lp = pg->lrc;
	struct lrc_fetch *f;
	u32 i, n, self = lrc_self();
	unsigned long senders = 0;
	long left;
	int ret;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	init_completion(&f->done);
	f->req_id = req_id;
	f->pgno = pg->pgno;
	mutex_lock(&lrc.lock);
	n = lp->nr_pending + (lp->dropped ? 1 : 0);
	f->wants = kcalloc(max(n, 1U), sizeof(*f->wants), GFP_KERNEL);
	if (f->wants) {
		for (i = 0; i < lp->nr_pending; i++) {
			if (lp->pending[i].creator == self)
				continue;
			f->wants[f->nr_wants].node = lp->pending[i].creator;
			f->wants[f->nr_wants++].iv = lp->pending[i].index;
		}
		if (lp->dropped)
			f->wants[f->nr_wants++].node = lp->copy_from;
	}
	mutex_unlock(&lrc.lock);
	ret = -ENOMEM;
	if (!f->wants)
		goto done;
	sort(f->wants, f->nr_wants, sizeof(*f->wants), lrc_want_cmp, NULL);
	for (i = 0; i < f->nr_wants; i++)
		senders |= BIT(f->wants[i].node);
	/* One reply per DIFF_REQ: count the messages as lrc_fetch_send(). */
	for (i = 0; i < f->nr_wants;) {
		u32 k;

		for (k = 0; i + k < f->nr_wants && k < DSM_WIRE_MAX_DIFFS &&
		     f->wants[i + k].node == f->wants[i].node; k++)
			;
		f->outstanding++;
		i += k;
	}
	f->waiting_on = senders;
	ret = 0;
	if (!f->nr_wants)
		goto apply;
	spin_lock(&lrc.wait_lock);
	list_add(&f->list, &lrc.fetches);
	spin_unlock(&lrc.wait_lock);
	ret = lrc_fetch_send(f);
	if (!ret) {
		left = wait_for_completion_killable_timeout(&f->done,
							    dsm_fault_timeout());
		if (left < 0)
			ret = -EINTR;
		else if (!left)
			ret = -ETIMEDOUT;
	}
	spin_lock(&lrc.wait_lock);
	list_del(&f->list);
	if (!ret)
		ret = f->err;
	if (!ret && f->outstanding)
		ret = -ETIMEDOUT;
	spin_unlock(&lrc.wait_lock);
	if (ret == -ETIMEDOUT)
		dsm_stat_inc(DSM_STAT_FAULT_TIMEOUT);
	if (ret)
		goto done;
apply:
	ret = dsm_pg_frame(pg);
	if (!ret) {
		folio_lock(pg->folio);
		ret = lrc_apply(pg, lp, f);
		folio_unlock(pg->folio);
	}
done:
	for (i = 0; f->wants && i < f->nr_wants; i++)
		kfree(f->wants[i].diff);
	kfree(f->wants);
	kfree(f);
	return ret;
}

/* A fetch that met a collection is tried again, this many times at most. */
#define LRC_FETCH_TRIES		3

/* model->start: fetch the diffs @pg lacks, apply them, complete @req. */
static void lrc_start(struct dsm_pg *pg, struct dsm_req *req)
{
	int ret, tries = 0;

	do {
		/* A new id: late replies to a try are not the next one's. */
		ret = lrc_fetch(pg, tries ? dsm_next_req_id() : req->id);
	} while (ret == -ESTALE && ++tries < LRC_FETCH_TRIES);
	dsm_req_complete(pg, req, ret);
}

/*
 * Folio locked, page valid: record the first write of the open interval.
 * Return: 0 or a negative errno.
 */
static int lrc_first_write(struct dsm_pg *pg, struct lrc_pg *lp)
{
	struct lrc_wp *wp = NULL;
	u32 open;
	void *p;
	int ret = 0;

	mutex_lock(&lrc.lock);
	open = lrc.vt.c[lrc_self()] + 1;
	if (lp->twin && lp->twin_iv == open)
		goto out;	/* already twinned in this interval */
	if (lrc.nr_open >= DSM_LRC_MAX_NOTICES) {
		wp = lrc_close_locked();
		if (IS_ERR(wp)) {
			ret = PTR_ERR(wp);
			wp = NULL;
			goto out;
		}
		open = lrc.vt.c[lrc_self()] + 1;
	}
	if (!lrc.open) {
		lrc.open = kvmalloc_array(DSM_LRC_MAX_NOTICES, sizeof(u64),
					  GFP_KERNEL);
		if (!lrc.open) {
			ret = -ENOMEM;
			goto out;
		}
	}
	if (lp->twin) {
		ret = lrc_make_diff(pg, lp);
		if (ret)
			goto out;
	}
	lp->twin = kmalloc(DSM_PAGE_SIZE, GFP_KERNEL);
	if (!lp->twin) {
		ret = -ENOMEM;
		goto out;
	}
	p = kmap_local_folio(pg->folio, 0);
	dsm_twin_make(lp->twin, p);
	kunmap_local(p);
	lp->twin_iv = open;
	lp->written = true;
	lrc.open[lrc.nr_open++] = pg->pgno;
	dsm_stat_inc(DSM_STAT_LRC_TWINS);
	lrc_data_add(DSM_PAGE_SIZE);
out:
	mutex_unlock(&lrc.lock);
	if (wp) {
		/* Other pages' folios: write-protect them from a worker. */
		spin_lock(&lrc.wait_lock);
		list_add_tail(&wp->list, &lrc.wp_list);
		spin_unlock(&lrc.wait_lock);
		schedule_work(&lrc.wp_work);
	}
	return ret;
}

static int lrc_access(struct dsm_pg *pg, bool write, struct dsm_req **reqp)
{
	struct dsm_req *new = NULL;
	struct lrc_pg *lp;
	bool valid;
	int ret;

	lp = lrc_pg_of(pg);
	if (!lp)
		return -ENOMEM;
	ret = dsm_pg_frame(pg);
	if (ret)
		return ret;
	folio_lock(pg->folio);
	mutex_lock(&lrc.lock);
	valid = lrc_pg_valid(lp);
	mutex_unlock(&lrc.lock);
	if (valid) {
		if (write && lp->access < DSM_ACC_WRITE) {
			ret = lrc_first_write(pg, lp);
			if (ret) {
				folio_unlock(pg->folio);
				return ret;
			}
			lp->access = DSM_ACC_WRITE;
		} else if (lp->access < DSM_ACC_READ) {
			lp->access = DSM_ACC_READ;
		}
		return 0;
	}
	folio_unlock(pg->folio);
	new = dsm_req_alloc(pg, write ? DSM_ACC_WRITE : DSM_ACC_READ,
			    &dsm_lrc_ops);
	if (!new)
		return -ENOMEM;
	spin_lock(&pg->lock);
	ret = dsm_req_join_locked(pg, new, reqp);
	spin_unlock(&pg->lock);
	if (ret != -EINPROGRESS)
		dsm_req_put(new);	/* else the caller's reference is *reqp's */
	return ret;
}

static int lrc_fault(struct dsm_pg *pg, struct dsm_req **req)
{
	return lrc_access(pg, false, req);
}

static int lrc_write_fault(struct dsm_pg *pg, struct dsm_req **req)
{
	return lrc_access(pg, true, req);
}

/* ------------------------------------------------------------ GC */

/*
 * Garbage collection (Documentation/lrc.md "Garbage collection"), run by
 * the barrier call whose release carried MGR_F_GC, under bar_mutex:
 *
 * 1. validate: every page this node wrote since the last collection gets
 *    the diffs it lacks of the intervals up to the release's VT (gc_vt;
 *    every node knows all of them once the release is applied), and the
 *    twins of closed intervals become diffs;
 * 2. GC_DONE round through the barrier manager: when it answers, every
 *    node has validated, so nobody will ask for a diff up to gc_vt again;
 * 3. discard every interval, diff, twin and pending notice up to gc_vt.
 *    A page with such notices that this node did not write is dropped:
 *    its next miss fetches it whole from one of their writers (which
 *    validated it in step 1) as interval 0, then the later diffs.
 *
 * What is newer than gc_vt (a lock taken by another process of this node
 * meanwhile, an interval open now) is kept: the intervals set continues
 * from gc_vt + 1, and lrc_missing() treats everything up to it as applied.
 */

/* Rounds of step 1 at most (a round waits for every fetch it started). */
#define LRC_GC_TRIES		3

/* The lrc pages of this node at a collection. */
struct lrc_gc_pages {
	struct dsm_pg **pgs;
	u32 nr;
	u32 cap;
	int err;
};

/* dsm_mem_for_each() callback: collect the pages with lrc state. */
static void lrc_gc_collect(struct dsm_pg *pg, void *arg)
{
	struct lrc_gc_pages *g = arg;
	struct dsm_pg **p;
	u32 cap;

	if (g->err || !READ_ONCE(pg->lrc))
		return;
	if (g->nr == g->cap) {
		cap = max(64U, g->cap * 2);
		p = kvmalloc_array(cap, sizeof(*p), GFP_KERNEL);
		if (!p) {
			g->err = -ENOMEM;
			return;
		}
		if (g->nr)
			memcpy(p, g->pgs, g->nr * sizeof(*p));
		kvfree(g->pgs);
		g->pgs = p;
		g->cap = cap;
	}
	g->pgs[g->nr++] = pg;
}

/* Under lrc.lock: does @lp have a pending notice at or below @gvt? */
static bool lrc_gc_stale(const struct lrc_pg *lp, const struct dsm_vt *gvt)
{
	u32 i;

	for (i = 0; i < lp->nr_pending; i++)
		if (lp->pending[i].index <=
		    dsm_vt_get(gvt, lp->pending[i].creator))
			return true;
	return false;
}

/*
 * Step 1: make every page written here since the last collection hold
 * every change up to @gvt; fetches run in parallel (one request per page,
 * through the fault machinery: a fault in flight is joined). Return: 0 or
 * a negative errno (-EINTR on a fatal signal).
 */
static int lrc_gc_validate(struct lrc_gc_pages *g, const struct dsm_vt *gvt)
{
	struct dsm_req **reqs;
	u32 i, n = 0, round;
	int ret = 0, err;
	long left;

	reqs = kvmalloc_array(max(g->nr, 1U), sizeof(*reqs), GFP_KERNEL);
	if (!reqs)
		return -ENOMEM;
	for (round = 0; round < LRC_GC_TRIES && !ret; round++) {
		n = 0;
		for (i = 0; i < g->nr && !ret; i++) {
			struct dsm_pg *pg = g->pgs[i];
			struct lrc_pg *lp = pg->lrc;
			struct dsm_req *req = NULL;
			bool want;

			mutex_lock(&lrc.lock);
			want = lp->written &&
			       (lp->dropped || lrc_gc_stale(lp, gvt));
			mutex_unlock(&lrc.lock);
			if (!want)
				continue;
			err = lrc_access(pg, false, &req);
			if (!err) {
				folio_unlock(pg->folio);
				continue;
			}
			if (err == -EINPROGRESS) {
				/* The worker consumes one reference. */
				kref_get(&req->ref);
				dsm_req_start_async(req);
			} else if (err != -EAGAIN) {
				ret = err;
				break;
			}
			reqs[n++] = req;
		}
		for (i = 0; i < n; i++) {
			/* lrc_start() is bounded by the fault timeout. */
			left = wait_for_completion_killable_timeout(&reqs[i]->done,
								    2 * dsm_fault_timeout());
			err = left < 0 ? -EINTR : !left ? -ETIMEDOUT :
			      reqs[i]->err;
			if (err && !ret)
				ret = err;
			dsm_req_put(reqs[i]);
		}
		if (!n)
			break;
	}
	kvfree(reqs);
	if (!ret && n)
		ret = -EAGAIN;	/* still not valid after the last round */
	if (ret)
		return ret;
	/* Diffs of the remaining closed twins, for the others' step 1. */
	for (i = 0; i < g->nr; i++) {
		struct dsm_pg *pg = g->pgs[i];
		struct lrc_pg *lp = pg->lrc;

		if (!dsm_pg_folio(pg))
			continue;
		folio_lock(pg->folio);
		if (lp->twin && lrc_iv_closed(lp->twin_iv))
			lrc_make_diff(pg, lp);	/* else served lazily */
		folio_unlock(pg->folio);
	}
	return 0;
}

/* Step 2: GC_DONE to the barrier manager, wait for its answer. */
static int lrc_gc_done(u32 id)
{
	u64 cookie = dsm_next_req_id();
	int ret;

	spin_lock(&lrc.wait_lock);
	memset(&lrc.bw, 0, sizeof(lrc.bw));
	init_completion(&lrc.bw.done);
	lrc.bw.cookie = cookie;
	lrc.bw.id = id;
	lrc.bw.gc_round = true;
	lrc.bw_active = true;
	spin_unlock(&lrc.wait_lock);
	ret = dsm_nl_mgr_request(DSM_MGR_GC_DONE, cookie, id, 0, NULL, 0);
	if (!ret && wait_for_completion_killable(&lrc.bw.done))
		ret = -EINTR;
	spin_lock(&lrc.wait_lock);
	lrc.bw_active = false;
	if (!ret)
		ret = lrc.bw.err;
	spin_unlock(&lrc.wait_lock);
	return ret;
}

/* Under lrc.lock: drop the intervals up to @gvt. Return: bytes freed. */
static u64 lrc_gc_trim_locked(const struct dsm_vt *gvt)
{
	const struct dsm_interval *iv;
	u64 freed = 0;
	u32 c, upto;

	for (c = 0; c < LRC_NR_NODES; c++) {
		struct dsm_ilog *log = &lrc.iset.log[c];

		upto = dsm_vt_get(gvt, c);
		while (log->count && log->first <= upto) {
			iv = dsm_ilog_find(log, log->first);
			freed += sizeof(*iv) + iv->nr_notices * sizeof(u64);
			kfree(iv->notices);
			dsm_ilog_trim(log, log->first);
		}
		/* Never learned here: discarded all the same. */
		if (log->first <= upto)
			log->first = upto + 1;
	}
	dsm_vt_merge(&lrc.gc_vt, gvt);
	return freed;
}

/*
 * Step 3 for one page: drop its diffs, twin and pending notices up to
 * @gvt. Return: bytes freed.
 */
static u64 lrc_gc_page(struct dsm_pg *pg, const struct dsm_vt *gvt)
{
	u32 self = lrc_self(), mine = dsm_vt_get(gvt, self), i, k;
	struct lrc_pg *lp = pg->lrc;
	struct folio *folio = dsm_pg_folio(pg);
	struct lrc_diff *d, *t;
	bool drop = false;
	u64 freed = 0;
	int from = -1;

	if (folio)
		folio_lock(folio);
	list_for_each_entry_safe(d, t, &lp->diffs, list) {
		if (d->iv > mine)
			continue;
		list_del(&d->list);
		freed += d->len;
		kfree(d);
	}
	if (lp->twin && lp->twin_iv <= mine) {
		/* Its changes are in the page, valid: the twin is moot. */
		kfree(lp->twin);
		lp->twin = NULL;
		lp->twin_iv = 0;
		freed += DSM_PAGE_SIZE;
	}
	mutex_lock(&lrc.lock);
	for (i = k = 0; i < lp->nr_pending; i++) {
		struct lrc_notice *n = &lp->pending[i];

		if (n->index <= dsm_vt_get(gvt, n->creator)) {
			from = n->creator;
			freed += sizeof(*n);
		} else {
			lp->pending[k++] = *n;
		}
	}
	lp->nr_pending = k;
	if (!k) {
		kfree(lp->pending);
		lp->pending = NULL;
		lp->cap_pending = 0;
	}
	if (from >= 0) {
		/*
		 * Not written here (or, after a race with step 1, written
		 * but with nothing of its own left to keep): the writer
		 * @from made its copy complete in step 1.
		 */
		if (!lp->written || !lp->twin) {
			lp->dropped = true;
			lp->copy_from = from;
			drop = true;
		} else {
			pr_warn_ratelimited("page %llu: written here and not valid at the collection\n",
					    pg->pgno);
		}
	}
	/* Own data newer than the collection keeps it "written". */
	lp->written = lp->twin || !list_empty(&lp->diffs);
	mutex_unlock(&lrc.lock);
	if (folio) {
		if (drop) {
			lp->access = DSM_ACC_NONE;
			dsm_pg_zap(pg);
		}
		folio_unlock(folio);
	}
	return freed;
}

/*
 * A collecting barrier @id was released (its intervals are applied, its
 * VT is lrc.bar_vt). Return: 0, or why the collection failed (the data is
 * then kept here; the other nodes may have discarded theirs, and a later
 * miss that needs it fails with SIGBUS and one log line).
 */
static int lrc_gc(u32 id)
{
	struct lrc_gc_pages g = {};
	struct dsm_vt gvt;
	u64 freed = 0;
	int ret, err;
	u32 i;

	mutex_lock(&lrc.lock);
	gvt = lrc.bar_vt;
	mutex_unlock(&lrc.lock);
	dsm_mem_for_each(lrc_gc_collect, &g);
	ret = g.err;
	if (!ret)
		ret = lrc_gc_validate(&g, &gvt);
	if (ret && ret != -EINTR)
		pr_warn("barrier %u: garbage collection: cannot validate the pages written here (%d); data kept\n",
			id, ret);
	/* The others wait for every GC_DONE: send it after a failure too. */
	err = lrc_gc_done(id);
	if (err && !ret) {
		ret = err;
		if (err != -EINTR)
			pr_warn("barrier %u: garbage collection: GC_DONE failed (%d); data kept\n",
				id, err);
	}
	if (!ret) {
		mutex_lock(&lrc.lock);
		freed = lrc_gc_trim_locked(&gvt);
		mutex_unlock(&lrc.lock);
		for (i = 0; i < g.nr; i++)
			freed += lrc_gc_page(g.pgs[i], &gvt);
		lrc_data_add(-(s64)freed);
		dsm_stat_inc(DSM_STAT_LRC_GC_RUNS);
		dsm_stat_add(DSM_STAT_LRC_GC_BYTES_FREED, freed);
		pr_debug("barrier %u: garbage collected, %llu bytes freed\n",
			 id, freed);
	}
	kvfree(g.pgs);
	return ret;
}

/* ------------------------------------------------------------ failures */

static void lrc_node_down(u32 id)
{
	struct lrc_fetch *f;

	spin_lock(&lrc.wait_lock);
	list_for_each_entry(f, &lrc.fetches, list) {
		if (!(f->waiting_on & BIT(id)))
			continue;
		if (!f->err)
			f->err = -EHOSTDOWN;
		complete(&f->done);
	}
	spin_unlock(&lrc.wait_lock);
	lrc_fail_barrier();
	lrc_fail_lock_requests();
}

/**
 * lrc_pg_free() - free @pg's lrc state (unload).
 * @pg:	the page.
 */
static void lrc_pg_free(struct dsm_pg *pg)
{
	struct lrc_pg *lp = pg->lrc;
	struct lrc_diff *d, *t;

	if (!lp)
		return;
	list_for_each_entry_safe(d, t, &lp->diffs, list)
		kfree(d);
	kfree(lp->twin);
	kfree(lp->pending);
	kfree(lp);
	pg->lrc = NULL;
}

/* The messages lrc receives on data connections, by type (lrc.md). */
static const dsm_recv_fn lrc_recv[DSM_MSG_TYPE_MAX + 1] = {
	[DSM_MSG_LOCK_GRANT]	= lrc_recv_grant,
	[DSM_MSG_DIFF_REQ]	= lrc_recv_diff_req,
	[DSM_MSG_DIFF_REPLY]	= lrc_recv_diff_reply,
	[DSM_MSG_NACK]		= lrc_recv_nack,
};

/*
 * No pg_init: a page's lrc state is made on its first use by lrc
 * (lrc_pg_of()), so that sc pages carry none.
 */
static const struct dsm_model_ops dsm_lrc_ops = {
	.name		= "lrc",
	.id		= DSM_MODEL_LRC,
	.fault		= lrc_fault,
	.write_fault	= lrc_write_fault,
	.start		= lrc_start,
	.acquire	= lrc_acquire,
	.release	= lrc_release,
	.barrier	= lrc_barrier,
	.recv		= lrc_recv,
	.node_down	= lrc_node_down,
	.daemon_gone	= lrc_daemon_gone,
	.file_release	= lrc_file_release,
	.pg_free	= lrc_pg_free,
};

/* ------------------------------------------------------------ setup */

int dsm_lrc_init(void)
{
	int ret;

	mutex_init(&lrc.lock);
	mutex_init(&lrc.bar_mutex);
	spin_lock_init(&lrc.wait_lock);
	INIT_LIST_HEAD(&lrc.locks);
	INIT_LIST_HEAD(&lrc.barriers);
	INIT_LIST_HEAD(&lrc.fetches);
	INIT_LIST_HEAD(&lrc.wp_list);
	init_waitqueue_head(&lrc.lock_wq);
	INIT_WORK(&lrc.wp_work, lrc_wp_work_fn);
	INIT_WORK(&lrc.fail_work, lrc_fail_work_fn);
	dsm_vt_init(&lrc.vt, LRC_NR_NODES);
	dsm_vt_init(&lrc.bar_vt, LRC_NR_NODES);
	dsm_vt_init(&lrc.gc_vt, LRC_NR_NODES);
	ret = dsm_iset_init(&lrc.iset, LRC_NR_NODES, NULL, 0);
	if (ret)
		return ret;
	return dsm_model_register(&dsm_lrc_ops);
}

/* At unload: nothing is open or mapped, no handler runs. */
void dsm_lrc_exit(void)
{
	struct lrc_barrier *b, *bt;
	struct lrc_lock *l, *lt;
	struct lrc_fwd *f, *ft;
	struct lrc_wp *wp, *wt;
	u32 c, i;

	dsm_model_unregister(&dsm_lrc_ops);
	cancel_work_sync(&lrc.wp_work);
	cancel_work_sync(&lrc.fail_work);
	list_for_each_entry_safe(wp, wt, &lrc.wp_list, list)
		kfree(wp);
	list_for_each_entry_safe(l, lt, &lrc.locks, list) {
		list_for_each_entry_safe(f, ft, &l->fwds, list)
			kfree(f);
		kfree(l);
	}
	list_for_each_entry_safe(b, bt, &lrc.barriers, list)
		kfree(b);
	for (c = 0; c < LRC_NR_NODES; c++) {
		struct dsm_ilog *log = &lrc.iset.log[c];

		for (i = 0; i < log->count; i++)
			kfree(log->slot[(log->head + i) % log->cap].notices);
		kvfree(lrc.slots[c]);
	}
	kvfree(lrc.open);
}
