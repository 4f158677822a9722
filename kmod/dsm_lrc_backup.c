// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_lrc_backup.c - backed-up releases (Documentation/lrc.md "Backed-up
 * releases", issue 16): at each lock release and barrier arrival this node
 * makes the diffs of its closed intervals not backed up yet and pushes
 * them (DIFF_BACKUP) to its backup, dsm_backup_of() of the live members,
 * waiting for each DIFF_BACKUP_ACK before the release goes on. As a
 * backup, it keeps the diffs other writers push (bounded: lrc_backup_max_mb)
 * and serves them, with the same ids, to the nodes that ask once their
 * writer is lost; a collection drops what it discards.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": lrc: " fmt

#include <linux/pagemap.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "dsm_lrc.h"

static unsigned int lrc_backup_max_mb = 256;
module_param(lrc_backup_max_mb, uint, 0644);
MODULE_PARM_DESC(lrc_backup_max_mb,
		 "Most memory this node keeps as the lrc backup of other writers' diffs, MiB (default 256); beyond, a DIFF_BACKUP is refused (ENOSPC) and its writer tries the next node");

/* One diff kept for writer w's interval @iv of a page. */
struct lrc_bk_diff {
	struct list_head list;
	u32 iv;
	u32 len;
	u8 data[];
};

/**
 * struct lrc_bk - the backup's store and the writer's wait for an ack.
 * @store_lock:	mutex over @pages and @bytes (taken alone).
 * @pages:	@pages[w]: page number -> struct list_head of struct
 *		lrc_bk_diff of writer w (a kmalloc'd list head).
 * @bytes:	bytes held in @pages.
 * @send_mutex:	one backup push at a time on this node; outside the folio
 *		locks. Guards @done and @buf.
 * @done:	own intervals up to this one are backed up (or given up);
 *		read without the mutex by lrc_backup()'s fast path.
 * @buf:	the DIFF_BACKUP being built, DSM_WIRE_MAX_MSG bytes, made at
 *		the first push and kept until unload: one per push would be
 *		256 KiB zeroed at every release by kernels that initialise
 *		on allocation (Debian's).
 * @wait_lock:	spinlock over the fields below.
 * @active:	a DIFF_BACKUP waits for its ack ...
 * @req_id:	... with this request id,
 * @dst:	sent to this node,
 * @iv:		for this own interval,
 * @nr:		with this many diffs.
 * @err:	0, or why it failed; set before @ack_done is completed.
 * @ack_done:	completed by the ack, a NACK or the node going down.
 */
static struct lrc_bk {
	struct mutex store_lock;	/* see above */
	struct xarray pages[LRC_NR_NODES];
	u64 bytes;
	struct mutex send_mutex;	/* see above */
	u32 done;
	u8 *buf;
	spinlock_t wait_lock;		/* see above */
	bool active;
	u64 req_id;
	u32 dst;
	u32 iv;
	u32 nr;
	int err;
	struct completion ack_done;
} bk;

/* ------------------------------------------------------------ writer */

/* Send the DIFF_BACKUP in @buf (@len) to @dst and wait for its ack. */
static int lrc_bk_push(u8 *buf, int len, u32 dst, u32 iv, u32 nr)
{
	u64 req_id = dsm_next_req_id();
	__le16 d = cpu_to_le16(dst);
	__le64 r = cpu_to_le64(req_id);
	long left;
	int ret;

	memcpy(buf + offsetof(struct dsm_wire_hdr, dst), &d, sizeof(d));
	memcpy(buf + offsetof(struct dsm_wire_hdr, req_id), &r, sizeof(r));
	spin_lock(&bk.wait_lock);
	bk.active = true;
	bk.req_id = req_id;
	bk.dst = dst;
	bk.iv = iv;
	bk.nr = nr;
	bk.err = 0;
	reinit_completion(&bk.ack_done);
	spin_unlock(&bk.wait_lock);
	ret = dsm_members_wait(dst, dsm_fault_timeout());
	if (!ret)
		ret = dsm_msg_send_buf(dst, DSM_MSG_DIFF_BACKUP, buf, len);
	if (!ret) {
		left = wait_for_completion_killable_timeout(&bk.ack_done,
							    dsm_fault_timeout());
		ret = left < 0 ? -EINTR : left ? 0 : -ETIMEDOUT;
	}
	spin_lock(&bk.wait_lock);
	bk.active = false;
	if (!ret)
		ret = bk.err;
	spin_unlock(&bk.wait_lock);
	if (!ret) {
		dsm_stat_inc(DSM_STAT_LRC_BACKUP_SENT);
		dsm_stat_add(DSM_STAT_LRC_BACKUP_BYTES, len);
	}
	return ret;
}

/* lrc_iv_diffs() @want: pages of regions with replicas 1 only. */
static bool lrc_bk_want(const struct lrc_ivd *d, u32 i)
{
	return dsm_region_replicated(d->pages[i] << PAGE_SHIFT);
}

/* lrc_iv_diffs() @send: a DIFF_BACKUP, and its ack waited for. */
static int lrc_bk_send(const struct lrc_ivd *d, int len, u32 nr)
{
	return lrc_bk_push(d->buf, len, d->dst, d->iv, nr);
}

/*
 * Push the diffs of own interval @iv (pages @pages[0..@n), ascending) to
 * @dst, in as many DIFF_BACKUPs as they need, each acked. Return: 0, or
 * why @dst did not take them all.
 */
static int lrc_bk_send_iv(u8 *buf, u32 iv, const u64 *pages, u32 n, u32 dst)
{
	struct lrc_ivd d = {
		.type = DSM_MSG_DIFF_BACKUP,
		.dst = dst,
		.iv = iv,
		.pages = pages,
		.n = n,
		.buf = buf,
		.want = lrc_bk_want,
		.send = lrc_bk_send,
	};

	return lrc_iv_diffs(&d);
}

/*
 * Back up own interval @iv, to the next live node that takes it; in
 * @buf, bk.buf, under bk.send_mutex.
 */
static int lrc_bk_interval(u8 *buf, u32 iv)
{
	u32 self = lrc_self(), dst;
	u64 tried = 0;
	u64 *pages = NULL;
	int n, ret;

	lockdep_assert_held(&bk.send_mutex);

	n = lrc_iv_pages(iv, &pages);
	if (n <= 0)
		return n;
	for (;;) {
		dst = dsm_backup_of(self, dsm_members_live() & ~tried,
				    DSM_NODES_MAX);
		if (dst >= DSM_NODES_MAX) {
			/* No other live node: nobody to lose it for. */
			dsm_stat_inc(DSM_STAT_LRC_BACKUP_SKIPPED);
			ret = 0;
			break;
		}
		ret = lrc_bk_send_iv(buf, iv, pages, n, dst);
		if (!ret || ret == -EINTR)
			break;
		pr_warn_ratelimited("interval %u: backup node %u did not take its diffs (%d): trying the next node\n",
				    iv, dst, ret);
		tried |= BIT_ULL(dst);
	}
	kfree(pages);
	return ret;
}

/**
 * lrc_backup() - back up every closed interval of this node not backed up
 * yet, before a release or a barrier arrival goes on.
 *
 * A node alone makes no diff (Documentation/lrc.md "One node"), so it has
 * nothing to push: its intervals count as done. Nothing is allocated or
 * locked when every closed interval is done (a local re-acquire).
 * Return: 0, -ENOMEM, or -EINTR (a fatal signal: the intervals left are
 * pushed at the next release).
 */
int lrc_backup(void)
{
	u32 iv, last = READ_ONCE(lrc.vt.c[lrc_self()]);
	int ret = 0;

	if (READ_ONCE(bk.done) >= last)
		return 0;
	if (dsm_members_alone()) {
		mutex_lock(&bk.send_mutex);
		WRITE_ONCE(bk.done, max(bk.done, last));
		mutex_unlock(&bk.send_mutex);
		return 0;
	}
	if (mutex_lock_killable(&bk.send_mutex))
		return -EINTR;
	if (!bk.buf)
		bk.buf = kvmalloc(DSM_WIRE_MAX_MSG, GFP_KERNEL);
	if (!bk.buf) {
		mutex_unlock(&bk.send_mutex);
		return -ENOMEM;
	}
	last = READ_ONCE(lrc.vt.c[lrc_self()]);
	for (iv = bk.done + 1; iv <= last; iv++) {
		ret = lrc_bk_interval(bk.buf, iv);
		if (ret == -EINTR)
			break;
		if (ret)
			pr_warn_ratelimited("interval %u: not backed up: %d\n",
					    iv, ret);
		WRITE_ONCE(bk.done, iv);
	}
	mutex_unlock(&bk.send_mutex);
	return ret == -EINTR ? ret : 0;
}

/* DIFF_BACKUP_ACK, or a NACK of a DIFF_BACKUP (@err < 0). */
static void lrc_bk_answer(const struct dsm_msg *m, u32 iv, u32 nr, int err)
{
	bool ok;

	spin_lock(&bk.wait_lock);
	ok = bk.active && bk.req_id == m->hdr.req_id &&
	     bk.dst == m->hdr.src && bk.iv == iv && (err || bk.nr == nr);
	if (ok) {
		bk.err = err;
		complete(&bk.ack_done);
	}
	spin_unlock(&bk.wait_lock);
	if (!ok)
		lrc_unexpected(err ? "NACK" : "DIFF_BACKUP_ACK", m->hdr.src);
}

void lrc_recv_backup_ack(const struct dsm_msg *m)
{
	lrc_bk_answer(m, m->u.diff_backup.interval, m->u.diff_backup.nr_diffs,
		      0);
}

void lrc_backup_nack(const struct dsm_msg *m)
{
	lrc_bk_answer(m, (u32)m->u.nack.arg, 0,
		      dsm_wire_errno(m->u.nack.error) ?: -EPROTO);
}

/* Node @id went down: a push waiting for its ack fails now. */
void lrc_backup_node_down(u32 id)
{
	spin_lock(&bk.wait_lock);
	if (bk.active && bk.dst == id) {
		bk.err = -EHOSTDOWN;
		complete(&bk.ack_done);
	}
	spin_unlock(&bk.wait_lock);
}

/* ------------------------------------------------------------ backup */

/**
 * lrc_xa_list() - the list of diffs kept at page @idx of store @xa, made
 * (empty) if there is none: the stores of diffs by page (the backup's
 * here, the pushed ones in dsm_lrc_push.c). Under the store's lock.
 * @xa:		the store's xarray of kmalloc'd list heads.
 * @idx:	the page.
 *
 * Return: the list, or an ERR_PTR (no memory).
 */
struct list_head *lrc_xa_list(struct xarray *xa, unsigned long idx)
{
	struct list_head *head = xa_load(xa, idx);
	int ret;

	if (head)
		return head;
	head = kmalloc(sizeof(*head), GFP_KERNEL);
	if (!head)
		return ERR_PTR(-ENOMEM);
	INIT_LIST_HEAD(head);
	ret = xa_err(xa_store(xa, idx, head, GFP_KERNEL));
	if (ret) {
		kfree(head);
		return ERR_PTR(ret);
	}
	return head;
}

/* Under the store's lock: list @head at @idx of @xa goes if it is empty. */
void lrc_xa_list_trim(struct xarray *xa, unsigned long idx,
		      struct list_head *head)
{
	if (!list_empty(head))
		return;
	xa_erase(xa, idx);
	kfree(head);
}

/* Under bk.store_lock: the diff of (@w, @iv) kept for page @pgno. */
static struct lrc_bk_diff *lrc_bk_find_locked(u32 w, u64 pgno, u32 iv)
{
	struct list_head *head = xa_load(&bk.pages[w], pgno);
	struct lrc_bk_diff *d;

	lockdep_assert_held(&bk.store_lock);
	if (!head)
		return NULL;
	list_for_each_entry(d, head, list)
		if (d->iv == iv)
			return d;
	return NULL;
}

/* Under bk.store_lock: keep @d for writer @w, page @pgno (or free it). */
static int lrc_bk_keep_locked(u32 w, u64 pgno, struct lrc_bk_diff *d)
{
	struct list_head *head;

	lockdep_assert_held(&bk.store_lock);
	if (lrc_bk_find_locked(w, pgno, d->iv)) {
		kfree(d);	/* pushed again after a lost ack */
		return 0;
	}
	head = lrc_xa_list(&bk.pages[w], pgno);
	if (IS_ERR(head))
		return PTR_ERR(head);
	list_add(&d->list, head);
	bk.bytes += sizeof(*d) + d->len;
	lrc_data_add(sizeof(*d) + d->len);
	dsm_stat_inc(DSM_STAT_LRC_BACKUP_STORED);
	return 0;
}

/* Answer DIFF_BACKUP @m: an ack, or a NACK with negative errno @err. */
static void lrc_bk_reply(const struct dsm_msg *m, int err)
{
	struct dsm_msg n = {
		.hdr.type = DSM_MSG_NACK,
		.hdr.dst = m->hdr.src,
		.hdr.req_id = m->hdr.req_id,
		.u.nack.error = -err,
		.u.nack.nacked_type = DSM_MSG_DIFF_BACKUP,
		.u.nack.arg = m->u.diff_backup.interval,
	};
	u8 buf[DSM_WIRE_HDR_SIZE + sizeof(struct dsm_wire_diff_backup)];
	struct dsm_wire_enc e;
	struct dsm_msg_hdr h;
	int len;

	if (err) {
		pr_warn_ratelimited("cannot keep the diffs of interval %u of node %u: %d\n",
				    m->u.diff_backup.interval, m->hdr.src, err);
		dsm_msg_send(&n);
		return;
	}
	lrc_reply_hdr(&h, m, DSM_MSG_DIFF_BACKUP_ACK);
	dsm_wire_enc_begin(&e, buf, sizeof(buf), &h);
	dsm_wire_enc_backup_ack(&e, m->u.diff_backup.interval,
				m->u.diff_backup.nr_diffs);
	len = dsm_wire_enc_end(&e);
	if (len > 0)
		dsm_msg_send_buf(m->hdr.src, DSM_MSG_DIFF_BACKUP_ACK, buf, len);
}

/*
 * DIFF_BACKUP: keep the diffs of the sender's interval. The sender is the
 * writer (the transport checked the header's src against the link); a
 * lost writer's late push, an interval a collection discarded, a page
 * outside every lrc region and a store over lrc_backup_max_mb are refused.
 */
void lrc_recv_backup(const struct dsm_msg *m)
{
	const struct dsm_msg_diff_backup *b = &m->u.diff_backup;
	u64 max = (u64)READ_ONCE(lrc_backup_max_mb) << 20;
	u32 w = m->hdr.src;
	struct lrc_bk_diff *d;
	struct dsm_msg_iter it;
	struct dsm_msg_diff md;
	u64 pgno;
	int err = 0;

	if (lrc_iv_out(w, b->interval))
		err = -EHOSTDOWN;
	else if (lrc_iv_discarded(w, b->interval))
		err = -ESTALE;
	/* Every page of an lrc region here (as a write notice's). */
	dsm_msg_iter_backup(b, &it);
	while (!err && dsm_msg_next_backup(&it, &md, &pgno))
		err = PTR_ERR_OR_ZERO(dsm_pg_get_peer(pgno, DSM_MODEL_LRC));
	dsm_msg_iter_backup(b, &it);
	mutex_lock(&bk.store_lock);
	if (!err && bk.bytes + b->len + b->nr_diffs * sizeof(*d) > max)
		err = -ENOSPC;
	while (!err && dsm_msg_next_backup(&it, &md, &pgno)) {
		d = kmalloc(struct_size(d, data, md.len), GFP_KERNEL);
		if (!d) {
			err = -ENOMEM;
			break;
		}
		d->iv = b->interval;
		d->len = md.len;
		memcpy(d->data, md.diff, md.len);
		err = lrc_bk_keep_locked(w, pgno, d);
		if (err)
			kfree(d);
	}
	mutex_unlock(&bk.store_lock);
	if (err == -ENOSPC)
		pr_warn_ratelimited("backup store full (lrc_backup_max_mb %u): node %u's interval %u refused\n",
				    lrc_backup_max_mb, w, b->interval);
	lrc_bk_reply(m, err);
}

/*
 * Under bk.store_lock: encode onto @e the kept diffs of DIFF_REQ @r, all
 * of writer @w, not this node. Return: 0, or -ENOENT (-ESTALE if a
 * collection discarded it) for the first one not kept.
 */
static int lrc_bk_encode_locked(const struct dsm_msg_diff_req *r, u16 w,
				struct dsm_wire_enc *e)
{
	struct lrc_bk_diff *d;
	struct dsm_msg_iter it;
	u32 iv;
	u16 node;

	lockdep_assert_held(&bk.store_lock);
	dsm_msg_iter_wants(r, &it);
	while (dsm_msg_next_want(&it, &node, &iv)) {
		d = node == w && iv ? lrc_bk_find_locked(w, r->page, iv) : NULL;
		if (!d)
			return lrc_iv_discarded(node, iv) ? -ESTALE : -ENOENT;
		dsm_wire_enc_diff(e, node, iv, d->data, d->len);
	}
	return 0;
}

/**
 * lrc_backup_serve() - answer a DIFF_REQ for another writer's diffs (its
 * writer is lost: the asker computed this node as its backup) from what
 * this node keeps, with the same ids.
 * @m:		the DIFF_REQ; its first want names the writer.
 * @buf:	DSM_WIRE_MAX_MSG bytes for the reply.
 *
 * Return: the reply's length, or a negative errno for a NACK.
 */
int lrc_backup_serve(const struct dsm_msg *m, u8 *buf)
{
	const struct dsm_msg_diff_req *r = &m->u.diff_req;
	struct dsm_msg_hdr h;
	struct dsm_wire_enc e;
	struct dsm_msg_iter it;
	u16 w;
	u32 iv;
	int ret;

	dsm_msg_iter_wants(r, &it);
	if (!dsm_msg_next_want(&it, &w, &iv))
		return -EINVAL;
	lrc_reply_hdr(&h, m, DSM_MSG_DIFF_REPLY);
	dsm_wire_enc_begin(&e, buf, DSM_WIRE_MAX_MSG, &h);
	dsm_wire_enc_diff_reply(&e, r->page);
	mutex_lock(&bk.store_lock);
	ret = lrc_bk_encode_locked(r, w, &e);
	mutex_unlock(&bk.store_lock);
	if (!ret)
		ret = dsm_wire_enc_end(&e);
	if (ret > 0)
		dsm_stat_add(DSM_STAT_LRC_BACKUP_SERVED, r->nr_wants);
	return ret;
}

/**
 * lrc_backup_copy() - copy the kept diff of (@w, @iv) for page @pgno.
 * @w:		the writer (this node is its backup).
 * @pgno:	the page.
 * @iv:		the interval.
 * @len:	out: the diff's size.
 * @live:	@w is live: the copy saves asking it (lrc_backup_local),
 *		else it is the only one (lrc_backup_served).
 *
 * The diff is the one @w pushed at its release, the one it serves itself
 * (it makes each diff once), so a fault may take it here instead of
 * asking @w. Return: a kmalloc'd copy, or NULL if none is kept (or no
 * memory).
 */
void *lrc_backup_copy(u16 w, u64 pgno, u32 iv, u32 *len, bool live)
{
	struct lrc_bk_diff *d;
	void *p = NULL;

	mutex_lock(&bk.store_lock);
	d = w < LRC_NR_NODES ? lrc_bk_find_locked(w, pgno, iv) : NULL;
	if (d) {
		p = kmemdup(d->data, d->len, GFP_KERNEL);
		*len = d->len;
	}
	mutex_unlock(&bk.store_lock);
	if (p)
		dsm_stat_inc(live ? DSM_STAT_LRC_BACKUP_LOCAL :
			     DSM_STAT_LRC_BACKUP_SERVED);
	return p;
}

/* The writers whose diffs this node keeps, as a mask (bit w: writer w). */
u64 lrc_backup_writers(void)
{
	u64 mask = 0;
	u32 w;

	mutex_lock(&bk.store_lock);
	for (w = 0; w < LRC_NR_NODES; w++)
		if (!xa_empty(&bk.pages[w]))
			mask |= BIT_ULL(w);
	mutex_unlock(&bk.store_lock);
	return mask;
}

/**
 * lrc_backup_records() - the intervals of lost writer @w after @after
 * whose diffs this node keeps, as records for an EOWNERDEAD acquirer
 * (dsm_lrc_pull.c): creator, index, and as notices the pages kept
 * (ascending); no timestamp (the caller gives them one). An interval in
 * between that left nothing here (it wrote only pages of regions with
 * replicas 0) gets an empty record, so that the records have no gap.
 * @w:		the writer.
 * @after:	records from @after + 1 on.
 * @out:	out: a kvmalloc'd array of the records; each one's notices
 *		are kmalloc'd (or NULL when it has none).
 *
 * Return: how many (@out set only if > 0), or -ENOMEM, -E2BIG (more than
 * one IV_REPLY set may carry).
 */
int lrc_backup_records(u32 w, u32 after, struct dsm_interval **out)
{
	struct dsm_interval *r = NULL;
	struct lrc_bk_diff *d;
	struct list_head *head;
	unsigned long pgno;
	u32 last = after, n = 0, i;
	u64 *pg;
	int ret = 0;

	if (w >= LRC_NR_NODES)
		return 0;
	mutex_lock(&bk.store_lock);
	xa_for_each(&bk.pages[w], pgno, head)
		list_for_each_entry(d, head, list)
			last = max(last, d->iv);
	n = last - after;
	if (!n)
		goto out;
	if (n > DSM_WIRE_MAX_INTERVALS * LRC_MAX_GRANT_FRAGS) {
		ret = -E2BIG;
		goto out;
	}
	r = kvcalloc(n, sizeof(*r), GFP_KERNEL);
	if (!r) {
		ret = -ENOMEM;
		goto out;
	}
	/* Count, then fill (pages come in ascending order). */
	xa_for_each(&bk.pages[w], pgno, head)
		list_for_each_entry(d, head, list)
			if (d->iv > after && r[d->iv - after - 1].nr_notices <
					     DSM_LRC_MAX_NOTICES)
				r[d->iv - after - 1].nr_notices++;
	for (i = 0; i < n; i++) {
		r[i].creator = w;
		r[i].index = after + 1 + i;
		if (!r[i].nr_notices)
			continue;
		r[i].notices = kmalloc_array(r[i].nr_notices, sizeof(u64),
					     GFP_KERNEL);
		if (!r[i].notices) {
			ret = -ENOMEM;
			goto out;
		}
		r[i].nr_notices = 0;
	}
	xa_for_each(&bk.pages[w], pgno, head) {
		list_for_each_entry(d, head, list) {
			if (d->iv <= after)
				continue;
			i = d->iv - after - 1;
			if (!r[i].notices || r[i].nr_notices >=
					     DSM_LRC_MAX_NOTICES)
				continue;
			pg = (u64 *)r[i].notices;
			pg[r[i].nr_notices++] = pgno;
		}
	}
	ret = n;
out:
	mutex_unlock(&bk.store_lock);
	if (ret <= 0 && r) {
		for (i = 0; i < n; i++)
			kfree(r[i].notices);
		kvfree(r);
	} else if (ret > 0) {
		*out = r;
	}
	return ret;
}

/* ------------------------------------------------------------ collection */

/*
 * Drop the kept diffs of every writer c's intervals at or below @gvt[c]
 * (@all: every one, at unload). Return: bytes freed.
 */
static u64 lrc_bk_drop(const struct dsm_vt *gvt, bool all)
{
	struct lrc_bk_diff *d, *t;
	struct list_head *head;
	unsigned long pgno;
	u64 freed = 0, n = 0;
	u32 c;

	mutex_lock(&bk.store_lock);
	for (c = 0; c < LRC_NR_NODES; c++) {
		xa_for_each(&bk.pages[c], pgno, head) {
			list_for_each_entry_safe(d, t, head, list) {
				if (!all && d->iv > dsm_vt_get(gvt, c))
					continue;
				list_del(&d->list);
				freed += sizeof(*d) + d->len;
				n++;
				kfree(d);
			}
			lrc_xa_list_trim(&bk.pages[c], pgno, head);
		}
	}
	bk.bytes -= freed;
	mutex_unlock(&bk.store_lock);
	dsm_stat_add(DSM_STAT_LRC_BACKUP_DROPPED, n);
	return freed;
}

/**
 * lrc_backup_gc() - a collection at @gvt discarded every interval at or
 * below it, everywhere: drop the diffs kept for them.
 * @gvt:	the collection's timestamp.
 *
 * Return: the bytes freed (the caller takes them off lrc_data_bytes).
 */
u64 lrc_backup_gc(const struct dsm_vt *gvt)
{
	return lrc_bk_drop(gvt, false);
}

void lrc_backup_init(void)
{
	u32 c;

	mutex_init(&bk.store_lock);
	mutex_init(&bk.send_mutex);
	spin_lock_init(&bk.wait_lock);
	init_completion(&bk.ack_done);
	for (c = 0; c < LRC_NR_NODES; c++)
		xa_init(&bk.pages[c]);
}

/* At unload: nothing runs. */
void lrc_backup_exit(void)
{
	u32 c;

	lrc_data_add(-(s64)lrc_bk_drop(NULL, true));
	for (c = 0; c < LRC_NR_NODES; c++)
		xa_destroy(&bk.pages[c]);
	kvfree(bk.buf);
	bk.buf = NULL;
}
