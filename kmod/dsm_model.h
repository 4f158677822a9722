/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_model.h - the page store and the consistency-model ops table.
 *
 * dsm_mem.c owns the page store: one address_space shared by every open
 * file of /dev/dsm, and per DSM page a struct dsm_pg (in an xarray keyed by
 * page number) holding the local frame, the local access right, the
 * request in flight from this node and each model's private state of the
 * page. It also owns the VM side (fault, page_mkwrite) and read/write,
 * and waits for requests; what a fault must do to obtain a page is the
 * business of the region's consistency model, an ops table (struct
 * dsm_model_ops) registered with dsm_model.c: dsm_sc.c is the sc (Ivy)
 * implementation, dsm_lrc*.c the lrc (TreadMarks) one. A mapping's model
 * is its region's, fixed at mmap; read and write look the region up per
 * call. Nothing outside a model names its ops table.
 *
 * Locking: dsm_pg.lock below, and the module's lock order in
 * dsm_internal.h. Documentation/sc.md and lrc.md say what each protocol
 * step holds.
 */
#ifndef _DSM_MODEL_H
#define _DSM_MODEL_H

#include <linux/completion.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mm_types.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <asm/barrier.h>

#include "core/dsm_wire.h"

/* Local access right to a page (ordered: more is more). */
enum dsm_access {
	DSM_ACC_NONE	= 0,
	DSM_ACC_READ	= DSM_ACCESS_READ,
	DSM_ACC_WRITE	= DSM_ACCESS_WRITE,
};

/**
 * struct dsm_req - a request for a page in flight from this node.
 * @ref:	one for dsm_pg.req while it points here, one per waiter.
 * @id:		request id on the wire (unique per node).
 * @pgno:	the page.
 * @access:	access asked for.
 * @home:	node the request went to.
 * @stale_tries: times a home of a newer table than the request's refused
 *		it (sc: NACK ESTALE), up to 255; for the log only.
 * @epoch:	epoch of the home table @home came from; its PAGE_REQ
 *		carries it (0: no table yet).
 * @stale_epoch: the newer epoch of the home that refused it, until this
 *		node's table has it and the request goes again; 0: none.
 *		@home, @epoch and @stale_epoch change under dsm_pg.lock, by
 *		the one context that handles the refusal or sends it again.
 * @born:	jiffies when it was made.
 * @deadline:	jiffies until which it may be sent again or wait for a
 *		newer home table: @born + fault_timeout_ms, later if its
 *		waiter waits for its home to be declared down
 *		(dsm_req_wait()). READ_ONCE/WRITE_ONCE.
 * @expired:	a waiter gave up on it (timeout): later faults on the page
 *		fail at once until it completes. Under dsm_pg.lock.
 * @ahead:	made by no access (lrc_prefetch()): its failure leaves no
 *		mark on the page (dsm_req_complete()). Set before it starts.
 * @t_alloc:	ktime_get_ns() at creation; @t_sent when its model's
 *		@start last sent it, @t_rx when its answer's handler found it,
 *		@t_done at its completion (0: not yet): where a fault's time
 *		went (dsm_req_account()). Written once each by the one
 *		context that does that step, read by the waiter after @done.
 * @err:	0, or why it failed; written before @done completes.
 * @done:	completed (complete_all) when the request succeeds or fails.
 * @pg:		the page's struct dsm_pg (never freed before unload).
 * @start_work:	sends the request when the one who created it must not
 *		(page_mkwrite, FAULT_FLAG_RETRY_NOWAIT: the fault lock is held),
 *		or again a little later (dsm_req_start_later()).
 * @ops:	the model that created the request (its @start sends it).
 *
 * Faults from several local threads on one page join the one request
 * (coalescing). A request stays in dsm_pg.req until its grant or refusal
 * arrives or its home is declared dead, even if every waiter gave up, so
 * that a late grant is still installed and confirmed to the home; except
 * in a model with @end_on_timeout (struct dsm_model_ops), where it ends
 * when its waiter gives up, or, with nobody waiting (a read-ahead), when
 * a fault finds it older than fault_timeout_ms.
 */
struct dsm_req {
	struct kref ref;
	u64 id;
	u64 pgno;
	u8 access;
	u8 home;
	u8 stale_tries;
	u64 epoch;
	u64 stale_epoch;
	unsigned long born;
	unsigned long deadline;
	u64 t_alloc, t_sent, t_rx, t_done;
	bool expired;
	bool ahead;
	int err;
	struct completion done;
	struct dsm_pg *pg;
	struct delayed_work start_work;
	const struct dsm_model_ops *ops;
};

/**
 * struct dsm_pg - what this node knows of one DSM page.
 * @lock:	protects every field below except @folio's contents. A
 *		spinlock: nothing sleeps or sends under it.
 * @pgno:	page number in the DSM space (file offset >> PAGE_SHIFT).
 * @home:	the page's home node (dsm_members_home(), looked up at
 *		creation and again by sc when the home table changed).
 * @home_epoch:	the epoch of the home table @home came from (0: none).
 * @folio:	the local frame, in the page store's mapping at @pgno, with
 *		a reference of ours; NULL until first needed. Set under
 *		dsm_mem's alloc mutex; cleared only by dsm_pg_frame_drop()
 *		(sc's useless shadows), under the folio lock and @lock, so
 *		it is stable while its folio is locked: lock it with
 *		dsm_pg_lock_frame() or dsm_pg_frame_lock(), never by
 *		reading the pointer first (the frame may be gone). Pages of
 *		lrc regions are never dropped.
 * @access:	local access right, enum dsm_access. Lowered only with the
 *		folio locked and the page unmapped from every local mapping
 *		in the same critical section; a fault maps the frame only
 *		after checking @access with the folio locked.
 * @req:	request in flight from this node, or NULL.
 * @fail_err:	a recent request failed with this errno (0: none) ...
 * @fail_until:	... and faults until this jiffy fail at once with it
 *		(forever if @fail_err is -EHOSTDOWN).
 * @hold_until: ktime (ns) until which a copy just granted to local
 *		waiters is kept before an INVAL or PAGE_FWD takes it away,
 *		so that the waiters use it at least once (no livelock); 0
 *		once used. Written without the lock (a hint).
 * @sc:		sc state of the page (struct sc_pg, dsm_sc.c: the directory
 *		entry when @home is this node), made by sc's @pg_init.
 * @lrc:	lrc state of the page (struct lrc_pg, dsm_lrc.h), allocated on
 *		first use by lrc; NULL for pages lrc never used.
 * @gen:	bumped, under the folio lock, each time the page is reset
 *		because its region was deleted (dsm_mem_teardown()): work
 *		begun on the page before (an lrc fetch) compares it before
 *		applying anything.
 * Each model's state is freed by its @pg_free at unload.
 */
struct dsm_pg {
	spinlock_t lock;	/* see @lock above */
	u64 pgno;
	u8 home;
	u64 home_epoch;
	struct folio *folio;
	u8 access;
	struct dsm_req *req;
	int fail_err;
	unsigned long fail_until;
	u64 hold_until;
	struct sc_pg *sc;
	struct lrc_pg *lrc;
	u32 gen;
};

/* Handler of a received message type (see struct dsm_model_ops.recv). */
typedef void (*dsm_recv_fn)(const struct dsm_msg *m);

/**
 * struct dsm_model_ops - a consistency model. Every call the rest of the
 * module makes into a model goes through its table, found in the registry
 * by the model's id (dsm_model_get()).
 * @name:	"sc" or "lrc".
 * @id:		enum dsm_model: the regions that use it say so.
 * @fault:	obtain read access to @pg. Returns 0 with @pg->folio locked
 *		and the right held; -EAGAIN with *@req set (a reference the
 *		caller drops with dsm_req_put()) when a request is in flight
 *		that the caller must wait for, without any lock, before
 *		trying again; -EINPROGRESS, the same, when the caller created
 *		the request and must also send it with @start (with no lock
 *		held, or asynchronously with dsm_req_start_async()); or a
 *		negative errno when the page cannot be obtained (the access
 *		fails: SIGBUS or EIO). Never waits on the network.
 * @write_fault: the same for write access.
 * @start:	send request @req for @pg, created by @fault. Sleeps
 *		(bounded by the fault timeout); on failure completes @req
 *		with the error.
 * @acquire:	acquire lock @key (dsm_sync_key(): namespace and id) for
 *		open file @f (lrc); a model without synchronisation calls
 *		returns 0.
 * @release:	release lock @key held by @f.
 * @barrier:	wait at barrier @key.
 * @recv:	the model's message handlers, indexed by enum dsm_wire_type
 *		(DSM_MSG_TYPE_MAX + 1 entries, NULL: not the model's). The
 *		dispatcher (dsm_msg.c) calls @recv[type] for a decoded,
 *		validated message of a type the model owns, from node
 *		@m->hdr.src, in the transport's receive context (may sleep
 *		briefly, never for long) or, for a message to this node, in
 *		the sender's.
 * @rx_page:	optional: a message that ends with a whole page (a
 *		PAGE_GRANT with data, dsm_wire_page_head()) is arriving;
 *		@m is its head, decoded (its data NULL: not read yet).
 *		Return a fresh page (refcount 1, the caller's) to receive
 *		the page into, if the model would install it as a frame
 *		(its checks pass and the page has no frame yet), else NULL:
 *		the message is read into the transport's buffer and goes to
 *		@recv. Receive context (may sleep, allocates); decides
 *		nothing: @recv_page checks everything again.
 * @recv_page:	with @rx_page: the handler of a message whose page was
 *		received into @page (@m's data maps it). Returns true if it
 *		kept the page (it became a frame: the caller's reference is
 *		now the frame's), false if the caller frees it. Context as
 *		@recv.
 * @node_down:	node @id was declared dead: fail what waits on it.
 * @daemon_gone: dsmd exited: fail what waits on its managers (optional).
 * @file_release: open file @f is closed: drop what it holds (optional).
 * @pg_init:	set up the model's state of a new struct dsm_pg, before
 *		any other call sees it (optional: state may also be made on
 *		first use). 0 or a negative errno.
 * @pg_free:	release what the model holds of @pg, at unload.
 * @end_on_timeout: a request nobody waits for any more (timed out) is
 *		over: the model refuses a late answer to it (sc: a grant is
 *		refused, Documentation/sc.md). Else it stays in flight until
 *		its answer comes.
 * @pg_reset:	@pg's region was deleted: back to the state of a page
 *		never used (optional), with the folio locked if @pg has a
 *		frame. Handlers may run on the page meanwhile; what they
 *		find must stay valid (reset in place, free nothing they
 *		may hold).
 * @msync:	fsync and msync(MS_SYNC) of pages @first .. @last, all of
 *		this model's regions (optional): make what this node wrote
 *		there survive its death (sc: Documentation/sc.md "Shadows
 *		and msync"). Sleeps; returns 0 or a negative errno.
 * @leave:	this node leaves the cluster (dsm_leave.c; local accesses
 *		are refused already): hand every page of this model it
 *		holds over to the other members, so that its departure
 *		loses nothing (optional: nothing to hand over). Sleeps;
 *		returns 0 once all are stored elsewhere, or a negative
 *		errno (called again to try again).
 */
struct dsm_model_ops {
	const char *name;
	u8 id;
	bool end_on_timeout;
	int (*fault)(struct dsm_pg *pg, struct dsm_req **req);
	int (*write_fault)(struct dsm_pg *pg, struct dsm_req **req);
	void (*start)(struct dsm_pg *pg, struct dsm_req *req);
	int (*acquire)(struct dsm_file *f, u64 key);
	int (*release)(struct dsm_file *f, u64 key);
	int (*barrier)(struct dsm_file *f, u64 key);
	const dsm_recv_fn *recv;
	struct page *(*rx_page)(const struct dsm_msg *m);
	bool (*recv_page)(const struct dsm_msg *m, struct page *page);
	void (*node_down)(u32 id);
	void (*daemon_gone)(void);
	void (*file_release)(struct dsm_file *f);
	int (*pg_init)(struct dsm_pg *pg);
	void (*pg_free)(struct dsm_pg *pg);
	void (*pg_reset)(struct dsm_pg *pg);
	int (*msync)(u64 first, u64 last);
	int (*leave)(void);
};

struct dsm_file;
struct sc_pg;
struct lrc_pg;

/* dsm_model.c: the registry of models. */
int dsm_model_register(const struct dsm_model_ops *ops);
void dsm_model_unregister(const struct dsm_model_ops *ops);
const struct dsm_model_ops *dsm_model_get(unsigned int id);
int dsm_models_pg_init(struct dsm_pg *pg);
void dsm_models_pg_free(struct dsm_pg *pg);
void dsm_models_pg_reset(struct dsm_pg *pg);
void dsm_models_node_down(u32 id);
void dsm_models_daemon_gone(void);
int dsm_models_leave(void);
void dsm_models_file_release(struct dsm_file *f);

/* @pg's frame, or NULL if it has none yet. */
static inline struct folio *dsm_pg_folio(struct dsm_pg *pg)
{
	/*
	 * Acquire: pairs with the release in dsm_pg_frame(), so that a
	 * frame seen here is initialised and in the mapping.
	 */
	return smp_load_acquire(&pg->folio);
}

/* dsm_mem.c: the page store, used by models. */
struct dsm_pg *dsm_pg_get(u64 pgno);
struct dsm_pg *dsm_pg_find(u64 pgno);
int dsm_pg_frame(struct dsm_pg *pg);
struct folio *dsm_pg_lock_frame(struct dsm_pg *pg);
struct folio *dsm_pg_frame_lock(struct dsm_pg *pg);
bool dsm_pg_frame_drop(struct dsm_pg *pg, bool (*keep)(struct dsm_pg *pg));
int dsm_pg_frame_adopt(struct dsm_pg *pg, struct page *page);
void dsm_pg_zap(struct dsm_pg *pg);
void dsm_pg_wrprotect(struct dsm_pg *pg);
void dsm_wrprotect_range(u64 pgno, u64 nr);
struct dsm_req *dsm_req_alloc(struct dsm_pg *pg, u8 access,
			      const struct dsm_model_ops *ops);
void dsm_req_put(struct dsm_req *req);
int dsm_pg_failing_locked(struct dsm_pg *pg);
int dsm_req_join_locked(struct dsm_pg *pg, struct dsm_req *new,
			struct dsm_req **reqp);
void dsm_req_start_async(struct dsm_req *req);
/* After a cold miss: start requests for the next pages (dsm_req.c). */
void dsm_req_readahead(const struct dsm_model_ops *model, u64 pgno,
		       u64 limit, bool write);
int dsm_req_wait(struct dsm_pg *pg, struct dsm_req *req);
void dsm_req_set_dead_ms(u32 ms);
void dsm_req_account(const struct dsm_req *req);
void dsm_access_failed(struct dsm_pg *pg, int err, bool fault);
int dsm_req_init(void);
void dsm_req_exit(void);
bool dsm_req_start_after(struct dsm_pg *pg, struct dsm_req *req,
			 unsigned long delay);
bool dsm_req_start_later(struct dsm_pg *pg, struct dsm_req *req,
			 unsigned long delay);
void dsm_req_kick(struct dsm_pg *pg, struct dsm_req *req);
struct dsm_pg *dsm_pg_get_peer(u64 pgno, u8 model);
bool dsm_pg_of_model(u64 pgno, u8 model);
void dsm_req_complete(struct dsm_pg *pg, struct dsm_req *req, int err);
void dsm_mem_for_each(void (*fn)(struct dsm_pg *pg, void *arg), void *arg);
struct address_space *dsm_mem_mapping(void);
unsigned long dsm_fault_timeout(void);
u64 dsm_grant_hold_ns(void);

/* dsm_members.c and dsm_msg.c: the membership and messages, for models. */
u32 dsm_members_rank(u64 key);
u32 dsm_members_barrier_mgr(void);
u32 dsm_members_lock_mgr(u64 key, u64 unlost);
/* dsm_home_table.c: the home table dsmd pushed. */
u32 dsm_members_home(u64 pgno, u64 *epoch);
u64 dsm_home_epoch(void);
bool dsm_home_was(u64 pgno, u32 node);
u64 dsm_home_current(u64 *members);
bool dsm_home_wait(u64 epoch, unsigned long timeout);
bool dsm_members_lost(u32 id);
bool dsm_members_up(u32 id);
bool dsm_members_alone(void);
u64 dsm_members_live(void);
int dsm_members_wait(u32 id, unsigned long timeout);
int dsm_members_wait_up(u32 id, unsigned long timeout);
u64 dsm_next_req_id(void);

/* The index of request @id in a table of requests in flight. */
static inline unsigned long dsm_req_key(u64 id)
{
	return (u32)id;
}

struct page;
int dsm_msg_send(struct dsm_msg *m);
int dsm_msg_send_page(struct dsm_msg *m, struct page *page);
int dsm_msg_send_buf(u32 dst, u8 type, const void *buf, u32 len);

#endif /* _DSM_MODEL_H */
