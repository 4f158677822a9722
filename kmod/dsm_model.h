/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_model.h - the page store and the consistency-model ops table.
 *
 * dsm_mem.c owns the page store: one address_space shared by every open
 * file of /dev/dsm, and per DSM page a struct dsm_pg (in an xarray keyed by
 * page number) holding the local frame, the local access right, the
 * request in flight from this node and, on the page's home node, the
 * directory entry. It also owns the VM side (fault, page_mkwrite) and
 * read/write, and waits for requests; what a fault must do to obtain a
 * page is the business of the region's consistency model, an ops table
 * (struct dsm_model_ops): dsm_sc.c is the sc (Ivy) implementation,
 * dsm_lrc.c the lrc (TreadMarks) one. A mapping's model is its region's,
 * fixed at mmap; read and write look the region up per call.
 *
 * Lock order (outermost first), see Documentation/sc.md and lrc.md:
 *   mmap_lock or per-VMA lock (fault path only)
 *   dsm_lrc.bar_mutex (lrc: one barrier at a time on a node)
 *   folio lock of a page's frame
 *   dsm_lrc.lock (lrc: mutex over intervals, VT, locks, pending notices)
 *   dsm_cluster.lock
 *   dsm_pg.lock (spinlock; nothing sleeps under it)
 *   dsm_lrc.wait_lock (lrc: spinlock over waits for replies)
 * The mapping's i_mmap_rwsem and page table locks are taken by
 * unmap_mapping_range() under the folio lock, as truncate does. Nothing
 * waits on the network holding any of these: requests are sent and
 * waited for with no lock held, and message handlers send only after
 * dropping dsm_pg.lock.
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
 * @expired:	a waiter gave up on it (timeout): later faults on the page
 *		fail at once until it completes. Under dsm_pg.lock.
 * @err:	0, or why it failed; written before @done completes.
 * @done:	completed (complete_all) when the request succeeds or fails.
 * @pg:		the page's struct dsm_pg (never freed before unload).
 * @start_work:	sends the request when the one who created it must not
 *		(page_mkwrite, FAULT_FLAG_RETRY_NOWAIT: the fault lock is held).
 * @ops:	the model that created the request (its @start sends it).
 *
 * Faults from several local threads on one page join the one request
 * (coalescing). A request stays in dsm_pg.req until its grant or refusal
 * arrives or its home is declared dead, even if every waiter gave up, so
 * that a late grant is still installed and confirmed to the home.
 */
struct dsm_req {
	struct kref ref;
	u64 id;
	u64 pgno;
	u8 access;
	u8 home;
	bool expired;
	int err;
	struct completion done;
	struct dsm_pg *pg;
	struct work_struct start_work;
	const struct dsm_model_ops *ops;
};

/**
 * struct dsm_hreq - a request queued at the home (directory side).
 * @list:	in dsm_dir.queue.
 * @node:	requester.
 * @access:	DSM_ACCESS_READ or DSM_ACCESS_WRITE.
 * @req_id:	the requester's request id.
 */
struct dsm_hreq {
	struct list_head list;
	u8 node;
	u8 access;
	u64 req_id;
};

/**
 * struct dsm_dir - directory entry of a page, kept by its home node.
 * @owner:	node holding the up-to-date copy (writable or not).
 * @copyset:	bit n: node n holds a read copy (the owner excluded).
 * @busy:	a transaction is in progress (@cur); others queue.
 * @fwd_sent:	@cur has been forwarded to the owner.
 * @lost:	the page cannot be obtained any more (its owner died).
 * @acks:	INVAL_ACKs still awaited for @cur.
 * @cur:	the transaction in progress, when @busy.
 * @queue:	struct dsm_hreq waiting, served in arrival order.
 *
 * All fields under dsm_pg.lock.
 */
struct dsm_dir {
	u8 owner;
	u8 copyset;
	bool busy;
	bool fwd_sent;
	bool lost;
	u8 acks;
	struct dsm_hreq cur;
	struct list_head queue;
};

/**
 * struct dsm_pg - what this node knows of one DSM page.
 * @lock:	protects every field below except @folio's contents. A
 *		spinlock: nothing sleeps or sends under it.
 * @pgno:	page number in the DSM space (file offset >> PAGE_SHIFT).
 * @home:	the page's home node (fixed, see dsm_sc_home()).
 * @folio:	the local frame, in the page store's mapping at @pgno; set
 *		once (under dsm_mem's alloc mutex) and kept until unload,
 *		with a reference of ours. NULL until first needed.
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
 * @dir:	directory entry; meaningful only if @home is this node.
 * @lrc:	lrc state of the page (struct lrc_pg, dsm_lrc.c), allocated on
 *		first use by lrc and freed at unload; NULL for sc pages.
 */
struct dsm_pg {
	spinlock_t lock;	/* see @lock above */
	u64 pgno;
	u8 home;
	struct folio *folio;
	u8 access;
	struct dsm_req *req;
	int fail_err;
	unsigned long fail_until;
	u64 hold_until;
	struct dsm_dir dir;
	struct lrc_pg *lrc;
};

/**
 * struct dsm_model_ops - a consistency model.
 * @name:	"sc" or "lrc".
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
 * @acquire:	acquire lock @id for open file @f (lrc); sc needs none and
 *		returns 0.
 * @release:	release lock @id held by @f.
 * @barrier:	wait at barrier @id.
 * @recv:	handle a decoded, validated message of a type the model
 *		owns, from node @m->hdr.src. Called in the transport's
 *		receive context (may sleep briefly, never for long).
 * @node_down:	node @id was declared dead: fail what waits on it.
 * @pg_init:	set up a new struct dsm_pg (home side state).
 * @pg_free:	release what @pg holds at unload.
 */
struct dsm_model_ops {
	const char *name;
	int (*fault)(struct dsm_pg *pg, struct dsm_req **req);
	int (*write_fault)(struct dsm_pg *pg, struct dsm_req **req);
	void (*start)(struct dsm_pg *pg, struct dsm_req *req);
	int (*acquire)(struct dsm_file *f, u32 id);
	int (*release)(struct dsm_file *f, u32 id);
	int (*barrier)(struct dsm_file *f, u32 id);
	void (*recv)(const struct dsm_msg *m);
	void (*node_down)(u32 id);
	void (*pg_init)(struct dsm_pg *pg);
	void (*pg_free)(struct dsm_pg *pg);
};

struct dsm_file;
struct lrc_pg;

extern const struct dsm_model_ops dsm_sc_ops;
extern const struct dsm_model_ops dsm_lrc_ops;

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
void dsm_pg_zap(struct dsm_pg *pg);
struct dsm_req *dsm_req_alloc(struct dsm_pg *pg, u8 access,
			      const struct dsm_model_ops *ops);
void dsm_req_put(struct dsm_req *req);
void dsm_req_start_async(struct dsm_req *req);
void dsm_req_complete(struct dsm_pg *pg, struct dsm_req *req, int err);
void dsm_mem_for_each(void (*fn)(struct dsm_pg *pg, void *arg), void *arg);
unsigned long dsm_fault_timeout(void);
u64 dsm_grant_hold_ns(void);

/* dsm_transport.c: the membership and messages, for models. */
u32 dsm_members_home(u64 pgno);
bool dsm_members_lost(u32 id);
int dsm_members_wait(u32 id, unsigned long timeout);
u64 dsm_next_req_id(void);
int dsm_msg_send(struct dsm_msg *m);
int dsm_msg_send_buf(u32 dst, u8 type, const void *buf, u32 len);

/* dsm_lrc.c: for the transport, the page store and unload. */
void dsm_lrc_recv(const struct dsm_msg *m);
void dsm_lrc_pg_free(struct dsm_pg *pg);

#endif /* _DSM_MODEL_H */
