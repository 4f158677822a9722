/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_sc.h - what the files of the sc model share: the per-page state,
 * the home's directory and the helpers of its handlers.
 */
#ifndef _DSM_SC_H
#define _DSM_SC_H

#include <linux/list.h>
#include <linux/workqueue.h>

#include "dsm_internal.h"
#include "dsm_model.h"
#include "dsm_transport.h"

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
 * @awaiting:	this node became the page's home by a new table and waits
 *		for the old home's HOME_XFER (dsm_sc_xfer.c), or its owner
 *		died and the members are asked for its newest frame
 *		(@requery): requests queue, none is served, until the entry
 *		is installed.
 * @requery:	@awaiting the members' answers (dsm_sc_rehome.c): the
 *		owner died with no read copy left.
 * @shadow:	the owner holds the page only as a shadow frame (access
 *		none), promoted by a rebuild: the next transaction is
 *		forwarded with DSM_PAGE_F_SHADOW (dsm_sc_shadow.c).
 * @inval:	the readers a write transaction (@cur) invalidated: their
 *		frames are shadows of what the writer started from.
 * @kept:	1 + the node whose shadow the last write's CONFIRM kept
 *		(0: none known, e.g. after a rebuild or a HOME_XFER): the
 *		next write's CONFIRM tells it to drop that frame, older
 *		than the one it keeps then (sc_home_drops_locked()).
 * @ver:	the page's version: bumped by every transaction forwarded
 *		or granted, carried by its PAGE_FWD and PAGE_GRANT into the
 *		frames' tags (struct sc_pg.ver).
 * @acks:	INVAL_ACKs still awaited for @cur.
 * @since:	jiffies when @cur began or its INVALs were last sent.
 * @cur:	the transaction in progress, when @busy.
 * @queue:	struct dsm_hreq waiting, served in arrival order.
 *
 * All fields under dsm_pg.lock.
 */
struct dsm_dir {
	u64 copyset;
	u64 acks;
	u8 owner;
	bool busy;
	bool fwd_sent;
	bool lost;
	bool awaiting;
	bool requery;
	bool shadow;
	u64 inval;
	u8 kept;
	u32 ver;
	unsigned long since;
	struct dsm_hreq cur;
	struct list_head queue;
};

/**
 * struct sc_pg - sc state of one page (dsm_pg.sc), made by sc_pg_init().
 * @dir:	the page's directory entry; meaningful only on its home.
 * @pg:		the page.
 * @expire:	on the home, ends a transaction that waits too long
 *		(sc_home_expire_locked()); armed at each transaction's begin.
 * @given_id:	as an owner: the request this node last sent its copy
 *		to, on the home's PAGE_FWD, while the frame still holds
 *		what it sent (0: none). A refusal of that grant is passed
 *		on to @given_by, which may then give the copy back.
 * @given_to:	its requester.
 * @given_by:	the home that forwarded it, where a refusal goes and
 *		whence the copy comes back (this node's table may name
 *		another home since: the bucket moved).
 * @relayed:	a refusal of @given_id was passed on already.
 * @done_id:	as a requester: the last request of this node a grant
 *		completed; a copy of that grant is not refused.
 * @snap:	a hot page's copy as this node gained write ownership of
 *		it, to find what it wrote when it gives the page up
 *		(Documentation/sharing.md), or NULL. Under the folio lock.
 * @ver:	the tag of this node's frame: the version (struct dsm_dir
 *		.ver) of the transaction that last gave it its content or
 *		took it away, then
 * @sync:	how many times its owner pushed it to a shadow holder
 *		since (msync; 0 after each transaction). The frame with the
 *		greatest (@ver, @sync) of a page holds the newest content
 *		another node has seen (dsm_sc_shadow.c).
 * @dirty:	as the owner: written since the last push.
 * @shadow_at:	as the owner: 1 + the node that gave the page to this
 *		node and kept its frame (where msync pushes it), 0: none.
 * @repush:	as the owner: the node that held its other copy (the frame
 *		it gave the page from, or its pushes' holder) died, so
 *		the page is pushed again, written or not (re-replication,
 *		sc_shadow_pg_node_down()); with a read copy or a shadow:
 *		every node in @peers died, so the frame is pushed with its
 *		own tag (sc_shadow_copy_alone()). Under dsm_pg.lock.
 * @peers:	the nodes known to have a frame with this frame's content:
 *		the node that granted it (which kept its frame), those this
 *		node served it to since, the holder a push stored it at;
 *		cleared when this node, writable, may have written it
 *		since; a node that refuses the grant leaves it
 *		(sc_shadow_peer_gone()). A hint for re-replication of
 *		copies: a node missed costs a push more; a node named that
 *		lacks the content would cost the page at a second failure,
 *		hence the refusal's rule. Under dsm_pg.lock.
 * @stored:	the frame holds what a SHADOW_PUSH stored here (since its
 *		last grant with data or serve): the page's home does not
 *		know of it, so a SHADOW_DROP leaves it. Under dsm_pg.lock.
 * @drop_ver:	a SHADOW_DROP of this version queued the page for
 *		dsm_sc_drop.c's work (0: not queued), when the page's
 * @drop_gen:	dsm_pg.gen was this. Both under dsm_pg.lock.
 *
 * @dir is under dsm_pg.lock, and so are @given_id .. @done_id; @ver ..
 * @shadow_at are written under the folio lock and dsm_pg.lock (read
 * under either).
 * Documentation/sc.md "Grants nobody asked for".
 */
struct sc_pg {
	struct dsm_dir dir;
	struct dsm_pg *pg;
	struct delayed_work expire;
	u64 given_id;
	u8 given_to;
	u8 given_by;
	bool relayed;
	u64 done_id;
	void *snap;
	u32 ver;
	u16 sync;
	bool dirty;
	u8 shadow_at;
	bool repush;
	u64 peers;
	bool stored;
	u32 drop_ver;
	u32 drop_gen;
};

/**
 * struct sc_act - what a home handler decided, to do once unlocked.
 * @inval:	nodes to send INVAL to.
 * @new_owner:	INVAL's new owner.
 * @fwd:	send PAGE_FWD (to @fwd_to) for the current transaction.
 * @fwd_to:	the owner.
 * @access:	forwarded access.
 * @flags:	forwarded DSM_PAGE_F_*.
 * @requester:	forwarded requester.
 * @req_id:	its request id.
 * @ver:	the version the forward (or the home's own grant) carries.
 * @nacks:	struct dsm_hreq to refuse (and free).
 * @nack_err:	with this errno.
 * @drop:	nodes to send SHADOW_DROP to (sc_drop_plan_locked()),
 * @drop_ver:	with this version.
 */
struct sc_act {
	u64 inval;
	u8 new_owner;
	bool fwd;
	u8 fwd_to;
	u8 access;
	u8 flags;
	u8 requester;
	u64 req_id;
	u32 ver;
	struct list_head nacks;
	int nack_err;
	u64 drop;
	u32 drop_ver;
};

static inline void sc_act_init(struct sc_act *a)
{
	memset(a, 0, sizeof(*a));
	INIT_LIST_HEAD(&a->nacks);
}

/* How soon a request refused for want of a region is sent again. */
#define SC_NO_REGION_RETRY	msecs_to_jiffies(20)

/*
 * A page request more than this many epochs ahead of this node's home
 * table is not believed (a peer's bug or lie), and dropped: dsmd pushes
 * each table to every node at once, so a live node lags by one or two.
 */
#define SC_EPOCH_WINDOW		16U

/*
 * How long a new home waits for a live old home's HOME_XFER, from the
 * move becoming the bucket's move now, before it rebuilds the bucket
 * from the members (dsm_sc_rehome.c). Long: the old home drains its
 * transactions first (fault_timeout_ms / 2), and a grant of one may
 * still be in flight under load; a rebuild then would miss it.
 */
#define SC_XFER_PATIENCE	(4 * dsm_fault_timeout())

/**
 * struct sc_xfer_move - one move of a bucket that concerns this node.
 * @epoch:	the table that made it.
 * @since:	jiffies when it became the bucket's move now.
 * @peer:	the old home (@in) or the new one.
 * @in:		the bucket comes here: awaited from @peer; else it goes
 *		to @peer.
 */
struct sc_xfer_move {
	u64 epoch;
	unsigned long since;
	u8 peer;
	bool in;
};

/* How long a home waits for a transaction's CONFIRM or INVAL_ACKs. */
static inline unsigned long sc_home_patience(void)
{
	return 2 * dsm_fault_timeout();
}

static inline u32 sc_local(void)
{
	return dsm_transport_local();
}

/* dsm_sc.c */
void sc_unexpected(const char *what, u64 pgno, u32 from);
bool sc_from_home(const struct dsm_msg *m, u64 pgno, const char *what);
bool sc_from_home_wait(const struct dsm_msg *m, u64 pgno, const char *what);
int sc_epoch_catch_up(u64 epoch);
void sc_send_nack(u32 to, u64 req_id, u8 type, u64 pgno, int err);
void sc_hold(struct dsm_pg *pg);
u64 sc_rehome_epoch(struct dsm_pg *pg);

/* dsm_sc_owner.c */
void sc_snap_take(struct dsm_pg *pg);
void sc_owner_fwd(const struct dsm_msg *m);

/* dsm_sc_home.c */
void sc_act_do(struct dsm_pg *pg, struct sc_act *a);
void sc_home_expire_fn(struct work_struct *work);
void sc_home_node_down_locked(struct dsm_pg *pg, u32 dead, struct sc_act *a);
void sc_home_req(const struct dsm_msg *m);
void sc_home_ack(const struct dsm_msg *m);
void sc_home_confirm(const struct dsm_msg *m);
bool sc_home_refused(struct dsm_pg *pg, u32 from, u64 req_id);
bool sc_home_fwd_failed(struct dsm_pg *pg, u32 from, u64 req_id, u32 err);
void sc_home_refresh_locked(struct dsm_pg *pg);
void sc_home_readdress_locked(struct dsm_pg *pg, struct dsm_req *req);
void sc_home_adopt_locked(struct dsm_pg *pg);
void sc_home_serve_locked(struct dsm_pg *pg, struct sc_act *a);

/* dsm_sc_xfer.c */
bool sc_xfer_pending(u64 pgno);
bool sc_xfer_moving_locked(struct dsm_pg *pg);
bool sc_xfer_moving(struct dsm_pg *pg);
void sc_xfer_wake(void);
void sc_xfer_recv(const struct dsm_msg *m);
void sc_xfer_ack(const struct dsm_msg *m);
void sc_xfer_node_down(u32 dead);
u32 sc_xfer_due(unsigned long *map, struct sc_xfer_move *snap,
		unsigned long *next);
bool sc_xfer_is_head(u32 b, const struct sc_xfer_move *mv);
u32 sc_xfer_rebuilt(const unsigned long *map, const struct sc_xfer_move *snap);

/* dsm_sc_rehome.c */
void sc_rehome_kick(void);
void sc_rehome_requery(u64 pgno);
void sc_rehome_query(const struct dsm_msg *m);
void sc_rehome_reply(const struct dsm_msg *m);
void sc_rehome_exit(void);

/* dsm_sc_shadow.c */
bool sc_tag_newer(u32 ver, u16 sync, u32 than_ver, u16 than_sync);
void sc_tag_served(struct dsm_pg *pg, u32 ver, u32 to, bool write);
void sc_shadow_push_recv(const struct dsm_msg *m);
void sc_shadow_ack_recv(const struct dsm_msg *m);
bool sc_shadow_nack(const struct dsm_msg *m);
void sc_shadow_node_down(u32 dead);
void sc_shadow_pg_node_down(struct dsm_pg *pg, u32 dead, u64 before);
void sc_shadow_copy_alone(struct dsm_pg *pg, u64 live);
void sc_shadow_peer_gone(struct dsm_pg *pg, u32 peer, u64 live);
int sc_msync(u64 first, u64 last);
int sc_leave(void);
int sc_push_every(bool leave, u64 *pages);

/* dsm_sc_drop.c */
void sc_drop_plan_locked(struct dsm_pg *pg, struct sc_act *a);
void sc_drop_send(struct dsm_pg *pg, const struct sc_act *a);
void sc_shadow_drop_recv(const struct dsm_msg *m);
void sc_drop_exit(void);

/* dsm_sc_writeback.c */
void sc_writeback_init(void);
void sc_writeback_exit(void);

/* dsm_sc_epoch.c */
bool sc_home_epoch_ok(const struct dsm_msg *m);
bool sc_stale_nack(struct dsm_pg *pg, struct dsm_req *req,
		   const struct dsm_msg *m);
bool sc_stale_ready(struct dsm_pg *pg, struct dsm_req *req);
void sc_stale_kick(void);
void sc_stale_kick_pg(struct dsm_pg *pg);

#endif /* _DSM_SC_H */
