// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_lrc_serve.c - the responder side of lrc fetches: a DIFF_REQ is
 * answered with the diffs of this node's intervals it asks for (made now
 * from the twin if the interval is closed and its diff not made yet), or
 * with the whole page for a node that dropped it at a collection, or, for
 * a lost writer whose backup this node is, with the diffs it keeps
 * (dsm_lrc_backup.c); or with a NACK.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": lrc: " fmt

#include <linux/highmem.h>
#include <linux/mmdebug.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "dsm_lrc.h"
#include "core/dsm_diff.h"

/*
 * Folio locked: the whole page for a node that dropped it at a collection
 * (interval 0), as a diff against the zero page @zero into @whole. The
 * copy here holds every change up to the collection: this node wrote the
 * page since the one before and made it valid then. Changes of an open
 * interval are not announced yet: they stay out (the twin, which received
 * every diff applied since, is sent instead). A run that reached into the
 * open interval is ended first: its diff and the new twin then hold the
 * open interval's writes before the cut, which the asker gets early, as
 * any node applying that diff does (Documentation/lrc.md "Runs"). A copy
 * this node dropped itself is no copy: -ESTALE.
 */
static int lrc_whole(struct dsm_pg *pg, struct lrc_pg *lp, const void *zero,
		     void *whole, int *len)
{
	bool dropped, open;
	void *p;
	int ret;

	VM_WARN_ON_ONCE_FOLIO(!folio_test_locked(pg->folio), pg->folio);
	mutex_lock(&lrc.lock);
	dropped = lp->dropped;
	mutex_unlock(&lrc.lock);
	if (dropped)
		return -ESTALE;
	if (lp->twin && !lrc_iv_closed(lp->noted_iv)) {
		ret = lrc_make_diff(pg, lp);
		if (ret)
			return ret;
	}
	open = lp->twin && !lrc_iv_closed(lp->twin_iv);
	p = open ? lp->twin : kmap_local_folio(pg->folio, 0);
	*len = dsm_diff_create(zero, p, whole, DSM_DIFF_MAX_SIZE);
	if (!open)
		kunmap_local(p);
	return *len < 0 ? *len : 0;
}

/*
 * Folio locked: encode onto @e the diff of own interval @iv of @pg, made
 * now if need be, or for @iv 0 the whole page (@zero and @whole are
 * scratch pages for lrc_whole()). Return: 0 or why not.
 */
static int lrc_serve_want(struct dsm_pg *pg, struct lrc_pg *lp, u16 node,
			  u32 iv, struct dsm_wire_enc *e, const void *zero,
			  void *whole)
{
	struct lrc_diff *d;
	int err = 0, len = 0;

	VM_WARN_ON_ONCE_FOLIO(!folio_test_locked(pg->folio), pg->folio);
	if (node != lrc_self())
		return -EINVAL;
	if (!iv) {
		err = lrc_whole(pg, lp, zero, whole, &len);
		if (!err)
			dsm_wire_enc_diff(e, node, 0, whole, len);
		return err;
	}
	d = lrc_diff_get(pg, lp, iv, &err);
	/* Discarded: a correct run never asks for it. */
	if (!d && !err)
		err = lrc_iv_discarded(node, iv) ? -ESTALE : -ENOENT;
	if (d)
		dsm_wire_enc_diff(e, node, iv, d->data, d->len);
	return err;
}

/* Refuse DIFF_REQ @m with negative errno @err. */
static void lrc_serve_nack(const struct dsm_msg *m, int err)
{
	const struct dsm_msg_diff_req *r = &m->u.diff_req;
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

/*
 * The whole page @m asks for (self, 0) when this node has no state for it:
 * a zero page (an empty diff), into @buf. Return: its length or an error.
 */
static int lrc_serve_zero(const struct dsm_msg *m, void *buf)
{
	const struct dsm_msg_diff_req *r = &m->u.diff_req;
	struct dsm_wire_enc e;
	struct dsm_msg_hdr h;
	void *zero, *whole;
	int len;

	zero = kzalloc(DSM_PAGE_SIZE, GFP_KERNEL);
	whole = kmalloc(DSM_DIFF_MAX_SIZE, GFP_KERNEL);
	len = zero && whole ? dsm_diff_create(zero, zero, whole,
					      DSM_DIFF_MAX_SIZE) : -ENOMEM;
	if (len >= 0) {
		lrc_reply_hdr(&h, m, DSM_MSG_DIFF_REPLY);
		dsm_wire_enc_begin(&e, buf, DSM_WIRE_MAX_MSG, &h);
		dsm_wire_enc_diff_reply(&e, r->page);
		dsm_wire_enc_diff(&e, lrc_self(), 0, whole, len);
		len = dsm_wire_enc_end(&e);
	}
	kfree(zero);
	kfree(whole);
	return len;
}

/*
 * The wants of DIFF_REQ @r, and in *@whole whether one is a whole page
 * (interval 0): what its reply may need room for.
 */
static u32 lrc_serve_count(const struct dsm_msg_diff_req *r, bool *whole)
{
	struct dsm_msg_iter it;
	u32 n = 0, iv;
	u16 node;

	*whole = false;
	dsm_msg_iter_wants(r, &it);
	while (dsm_msg_next_want(&it, &node, &iv)) {
		n++;
		if (!iv)
			*whole = true;
	}
	return n;
}

/*
 * Serve DIFF_REQ @m: the diffs of own intervals, made now if needed. The
 * reply's buffer is sized for its wants (a diff each at most), not the
 * largest message: the common reply of one diff is a slab object, not a
 * vmalloc() area of DSM_WIRE_MAX_MSG (0.8 ms of a 3 ms serve under TCG).
 */
void lrc_recv_diff_req(const struct dsm_msg *m)
{
	const struct dsm_msg_diff_req *r = &m->u.diff_req;
	struct dsm_pg *pg = dsm_pg_find(r->page);
	struct lrc_pg *lp = pg ? pg->lrc : NULL;
	void *buf = NULL, *zero = NULL, *whole = NULL;
	struct dsm_msg_iter it;
	struct dsm_wire_enc e;
	struct dsm_msg_hdr h;
	int err = -ENOENT, len = 0;
	u64 start = ktime_get_ns();
	bool want, need_whole;
	size_t cap;
	u16 node;
	u32 iv;

	dsm_msg_iter_wants(r, &it);
	want = dsm_msg_next_want(&it, &node, &iv);
	if (want && node != lrc_self()) {
		/* Another writer's: this node is its backup. */
		buf = kvmalloc(DSM_WIRE_MAX_MSG, GFP_KERNEL);
		len = buf ? lrc_backup_serve(m, buf) : -ENOMEM;
		err = min(len, 0);
		goto out;
	}
	/*
	 * Never told of a write to it: a zero page, for a node that joined
	 * at run time (Documentation/lrc.md, "Joining at run time"); not if
	 * this node joined so too (it may just not have asked).
	 */
	if (want && !lp && !iv && !READ_ONCE(lrc.join_from)) {
		buf = kvmalloc(DSM_WIRE_MAX_MSG, GFP_KERNEL);
		len = buf ? lrc_serve_zero(m, buf) : -ENOMEM;
		err = min(len, 0);
		goto out;
	}
	if (!lp || !dsm_pg_folio(pg))
		goto out;
	err = -ENOMEM;
	cap = min_t(size_t, DSM_WIRE_MAX_MSG,
		    DSM_WIRE_HDR_SIZE + sizeof(struct dsm_wire_diff_reply) +
		    lrc_serve_count(r, &need_whole) *
		    (sizeof(struct dsm_wire_diff_id) +
		     ALIGN(DSM_DIFF_MAX_SIZE, 8)));
	buf = kvmalloc(cap, GFP_KERNEL);
	if (need_whole) {
		zero = kzalloc(DSM_PAGE_SIZE, GFP_KERNEL);
		whole = kmalloc(DSM_DIFF_MAX_SIZE, GFP_KERNEL);
	}
	if (!buf || (need_whole && (!zero || !whole)))
		goto out;
	folio_lock(pg->folio);
	lrc_reply_hdr(&h, m, DSM_MSG_DIFF_REPLY);
	dsm_wire_enc_begin(&e, buf, cap, &h);
	dsm_wire_enc_diff_reply(&e, r->page);
	dsm_msg_iter_wants(r, &it);
	err = 0;
	while (!err && dsm_msg_next_want(&it, &node, &iv))
		err = lrc_serve_want(pg, lp, node, iv, &e, zero, whole);
	/* A reader of the page: push it the next diffs (dsm_lrc_push.c). */
	if (!err)
		lrc_push_note(pg, lp, m->hdr.src);
	folio_unlock(pg->folio);
	if (!err) {
		len = dsm_wire_enc_end(&e);
		if (len < 0)
			err = len;
	}
out:
	if (err)
		lrc_serve_nack(m, err);
	else
		dsm_msg_send_buf(m->hdr.src, DSM_MSG_DIFF_REPLY, buf, len);
	kvfree(buf);
	kfree(zero);
	kfree(whole);
	dsm_stat_inc(DSM_STAT_LRC_SERVES);
	dsm_stat_add(DSM_STAT_LRC_SERVE_US,
		     div_u64(ktime_get_ns() - start, NSEC_PER_USEC));
}
