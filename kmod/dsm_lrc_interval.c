// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_lrc_interval.c - lrc intervals: closing this node's open interval,
 * learning the intervals of others from a grant or a barrier release (and
 * queueing their write notices on the pages), and encoding the intervals a
 * node lacks into LOCK_GRANTs and BARRIER_ARRIVEs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": lrc: " fmt

#include <linux/pagemap.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/vmalloc.h>

#include "dsm_lrc.h"

/* Is own interval @iv closed (not the open one)? */
bool lrc_iv_closed(u32 iv)
{
	return iv && iv <= READ_ONCE(lrc.vt.c[lrc_self()]);
}

/* Was interval (@creator, @iv) discarded by a garbage collection? */
bool lrc_iv_discarded(u32 creator, u32 iv)
{
	return creator < LRC_NR_NODES &&
	       iv <= READ_ONCE(lrc.gc_vt.c[creator]);
}

/* Under lrc.lock: add @iv (notices owned by the set on success). */
static int lrc_iset_add_locked(const struct dsm_interval *iv)
{
	struct dsm_ilog *log = &lrc.iset.log[iv->creator];
	struct dsm_interval *slots;
	int ret;
	u32 cap;

	lockdep_assert_held(&lrc.lock);
	ret = dsm_iset_add(&lrc.iset, iv);
	if (ret != -ENOSPC)
		return ret;
	/* The log is full: grow it by the core's rule. */
	cap = dsm_iv_grow_cap(log->cap);
	slots = cap ? kvmalloc_array(cap, sizeof(*slots), GFP_KERNEL) : NULL;
	if (!slots)
		return -ENOMEM;
	ret = dsm_ilog_move(log, slots, cap);
	if (ret) {
		kvfree(slots);
		return ret;
	}
	kvfree(lrc.slots[iv->creator]);
	lrc.slots[iv->creator] = slots;
	return dsm_iset_add(&lrc.iset, iv);
}

/* sort() and bsearch() order of page numbers. */
int lrc_u64_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * Under lrc.lock: close the open interval if it wrote anything. Return
 * the pages to write-protect (a kmalloc'd batch the caller frees), NULL if
 * none, or an ERR_PTR.
 */
struct lrc_wp *lrc_close_locked(void)
{
	u32 self = lrc_self(), n = lrc.nr_open;
	struct dsm_interval iv = {};
	struct lrc_wp *wp;
	u64 *notices;
	int ret;

	lockdep_assert_held(&lrc.lock);
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
	ret = lrc_iset_add_locked(&iv);
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
int lrc_end_interval(void)
{
	u64 start = ktime_get_ns();
	struct lrc_wp *wp;

	mutex_lock(&lrc.lock);
	wp = lrc_close_locked();
	mutex_unlock(&lrc.lock);
	if (IS_ERR_OR_NULL(wp))
		return PTR_ERR_OR_ZERO(wp);
	lrc_write_protect(wp->pages, wp->nr);
	kfree(wp);
	dsm_stat_add(DSM_STAT_LRC_CLOSE_US,
		     div_u64(ktime_get_ns() - start, NSEC_PER_USEC));
	return 0;
}

/*
 * The pages of own closed interval @iv (a kmalloc'd copy of its notices
 * in *@pages), 0 if a collection discarded it, or a negative errno.
 */
int lrc_iv_pages(u32 iv, u64 **pages)
{
	const struct dsm_interval *r;
	int n = 0;

	mutex_lock(&lrc.lock);
	r = lrc_iv_discarded(lrc_self(), iv) ? NULL :
		dsm_ilog_find(&lrc.iset.log[lrc_self()], iv);
	if (r && r->nr_notices) {
		*pages = kmemdup(r->notices, r->nr_notices * sizeof(u64),
				 GFP_KERNEL);
		n = *pages ? r->nr_notices : -ENOMEM;
	}
	mutex_unlock(&lrc.lock);
	return n;
}

/**
 * lrc_iv_diffs() - send the diffs of own interval @d->iv of the pages
 * @d->want keeps, in as many messages as they need.
 * @d:		what goes where, and how.
 *
 * Each diff is made now if it was not (lrc_diff_get(), under the page's
 * folio lock); a page not written with a twin in the interval has none
 * and is left out. Messages are sent with no lock held.
 *
 * Return: 0, or the first error of @d->send (or of the encoder).
 */
int lrc_iv_diffs(const struct lrc_ivd *d)
{
	struct dsm_msg_hdr h = {
		.version = DSM_WIRE_VERSION_MAX,
		.type = d->type,
		.src = lrc_self(),
		.dst = d->dst,
		.epoch = dsm_home_epoch(),
	};
	struct dsm_wire_enc e;
	struct lrc_diff *diff;
	struct dsm_pg *pg;
	u32 i = 0, nr = 0;
	int ret, len, err;

	dsm_wire_enc_begin(&e, d->buf, DSM_WIRE_MAX_MSG, &h);
	dsm_wire_enc_diff_backup(&e, d->iv);
	while (i < d->n) {
		pg = d->want(d, i) ? dsm_pg_find(d->pages[i]) : NULL;
		if (!pg || !pg->lrc || !dsm_pg_folio(pg)) {
			i++;
			continue;
		}
		folio_lock(pg->folio);
		diff = lrc_diff_get(pg, pg->lrc, d->iv, &err);
		if (diff && nr < DSM_WIRE_MAX_BACKUP_DIFFS &&
		    e.size - e.pos >= 8 + ALIGN(diff->len, 8)) {
			dsm_wire_enc_backup_diff(&e, d->pages[i], diff->data,
						 diff->len);
			nr++;
			diff = NULL;
		}
		folio_unlock(pg->folio);
		if (!diff) {
			i++;
			continue;
		}
		/* Full: send what is there (not under the folio lock). */
		len = dsm_wire_enc_end(&e);
		ret = len < 0 ? len : d->send(d, len, nr);
		if (ret)
			return ret;
		dsm_wire_enc_begin(&e, d->buf, DSM_WIRE_MAX_MSG, &h);
		dsm_wire_enc_diff_backup(&e, d->iv);
		nr = 0;
	}
	if (!nr)
		return 0;
	len = dsm_wire_enc_end(&e);
	return len < 0 ? len : d->send(d, len, nr);
}

/**
 * lrc_vt_check_locked() - may a peer's timestamp @vt be merged into ours?
 * @vt:	the timestamp of a grant or a barrier release whose intervals
 *	were learned.
 *
 * Under lrc.lock. Refused: a timestamp that claims more of this node's
 * intervals than it closed (merged, it would make every later interval
 * close fail), or more of another node's than this node now knows (the
 * sender had to send them).
 *
 * Return: 0, or -EPROTO (counted in rx_bad_vt).
 */
int lrc_vt_check_locked(const struct dsm_vt *vt)
{
	u32 self = lrc_self(), k;
	struct dsm_vt known;

	lockdep_assert_held(&lrc.lock);
	dsm_vt_init(&known, LRC_NR_NODES);
	for (k = 0; k < LRC_NR_NODES; k++)
		known.c[k] = k == self ? dsm_vt_get(&lrc.vt, k) :
					 dsm_ilog_last(&lrc.iset.log[k]);
	if (dsm_vt_dominates(&known, vt))
		return 0;
	for (k = 0; k < vt->n && dsm_vt_get(vt, k) <= dsm_vt_get(&known, k);)
		k++;
	dsm_stat_inc(DSM_STAT_RX_BAD_VT);
	pr_warn_ratelimited("timestamp claims interval %u of node %u, %u known here: refused\n",
			    dsm_vt_get(vt, k), k, dsm_vt_get(&known, k));
	return -EPROTO;
}

/*
 * Under lrc.lock: add the intervals of decoded set @s that are new here,
 * queue their notices on the pages and collect the pages in @l. Return: 0,
 * or a negative errno (the set is inconsistent with what this node knows,
 * or memory); what was added before stays.
 */
int lrc_learn_locked(const struct dsm_msg_ivset *s,
		     struct lrc_learn *l)
{
	struct dsm_msg_iter it;
	struct dsm_msg_interval mi;
	struct dsm_interval iv;
	u32 self = lrc_self(), i;
	u64 *notices;
	int ret;

	lockdep_assert_held(&lrc.lock);
	if (!l->start)
		l->start = ktime_get_ns();
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
		ret = lrc_iset_add_locked(&iv);
		if (ret) {
			kfree(notices);
			return ret < 0 ? ret : 0;
		}
		lrc_data_add(sizeof(iv) + mi.nr_notices * sizeof(u64));
		dsm_stat_add(DSM_STAT_LRC_NOTICES_RECV, mi.nr_notices);
		for (i = 0; i < mi.nr_notices; i++) {
			struct dsm_pg *pg;

			pg = dsm_pg_get_peer(notices[i], DSM_MODEL_LRC);
			struct lrc_pg *lp;

			/* A page of a deleted lrc region: nothing to do. */
			if (PTR_ERR_OR_ZERO(pg) == -ENXIO &&
			    dsm_region_was_lrc(notices[i] << PAGE_SHIFT))
				continue;
			if (IS_ERR(pg))
				return PTR_ERR(pg);
			lp = lrc_pg_of(pg);
			if (!lp || lrc_pend_locked(lp, mi.creator, mi.index))
				return -ENOMEM;
			lrc_learn_writer_locked(l, notices[i], lp, &iv);
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

/*
 * After lrc_learn_locked(), with no lock: invalidate the pages. Fetch up
 * to @ahead of those this node was using without waiting for them
 * (lrc_prefetch(); a barrier's release or a lock's grant).
 */
void lrc_learn_finish(struct lrc_learn *l, u32 ahead)
{
	u32 i, n = 0;

	/*
	 * Those in use move to the front (n <= i); each once: no longer.
	 * Not those whose concurrent writers push their diffs here.
	 */
	lrc_learn_pushed_sort(l);
	for (i = 0; i < l->nr; i++)
		if (lrc_invalidate(l->pgs[i]) && n < ahead &&
		    !lrc_learn_pushed(l, l->pgs[i]->pgno))
			l->pgs[n++] = l->pgs[i];
	lrc_prefetch(l->pgs, n);
	lrc_push_learned(l);
	kvfree(l->pgs);
	l->pgs = NULL;
	l->nr = 0;
	l->cap = 0;
	if (l->start)
		dsm_stat_add(DSM_STAT_LRC_LEARN_US,
			     div_u64(ktime_get_ns() - l->start, NSEC_PER_USEC));
	l->start = 0;
}

/* ------------------------------------------------------------ encoding */

void lrc_out_free(struct list_head *outs)
{
	struct lrc_out *o, *t;

	list_for_each_entry_safe(o, t, outs, list) {
		list_del(&o->list);
		kvfree(o);
	}
}

/*
 * Encode @ivs[0..@n) as LOCK_GRANTs (@type LOCK_GRANT, @max
 * DSM_WIRE_MAX_MSG), IV_REPLYs (likewise) or BARRIER_ARRIVEs (@max
 * DSM_MGR_PAYLOAD_MAX) onto @outs; at least one message, for lock or
 * barrier @key (dsm_sync_key()), each with timestamp @vt (it dominates
 * every record's). Under lrc.lock (the records are the set's, or the
 * caller's).
 */
int lrc_encode_vt_locked(u8 type, u32 dst, u64 req_id, u64 key, u32 epoch,
			 const struct dsm_vt *vt,
			 const struct dsm_interval **ivs, u32 n, u32 max,
			 struct list_head *outs)
{
	struct dsm_msg_hdr h = {
		.version = DSM_WIRE_VERSION_MAX,
		.type = type,
		.src = lrc_self(),
		.dst = dst,
		.req_id = req_id,
		.epoch = dsm_home_epoch(),
	};
	bool grant = type == DSM_MSG_LOCK_GRANT || type == DSM_MSG_IV_REPLY;
	struct dsm_wire_enc e;
	struct lrc_out *o;
	u32 pos = 0, k, i, size;
	LIST_HEAD(mine);
	int len, end;

	lockdep_assert_held(&lrc.lock);
	do {
		/*
		 * The core's rule, which dsmd's barrier manager uses too, at
		 * the width the encoder sends: @vt's significant one. The
		 * buffer is the message's size, not @max: a grant with no
		 * interval is a slab object, not a zeroed 256 KiB.
		 */
		end = dsm_wire_ivset_fit_len(type, dsm_vt_width(vt), ivs, pos,
					     n, max, &size);
		if (end < 0) {
			len = end;
			goto fail;
		}
		k = end - pos;
		o = kvmalloc(sizeof(*o) + size, GFP_KERNEL);
		if (!o) {
			len = -ENOMEM;
			goto fail;
		}
		list_add_tail(&o->list, &mine);
		h.flags = 0;
		o->flags = 0;
		o->since = LRC_NO_PUSH;
		if (pos + k < n) {
			if (grant)
				h.flags = DSM_WIRE_F_MORE;
			else
				o->flags = DSM_MGR_F_MORE;
		}
		dsm_wire_enc_begin(&e, o->data, size, &h);
		if (grant)
			dsm_wire_enc_lock_grant(&e, dsm_sync_key_region(key),
						dsm_sync_key_id(key), vt);
		else
			dsm_wire_enc_barrier(&e, dsm_sync_key_region(key),
					     dsm_sync_key_id(key), epoch, vt);
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

/* lrc_encode_vt_locked() with this node's timestamp. */
int lrc_encode_set_locked(u8 type, u32 dst, u64 req_id, u64 key, u32 epoch,
			  const struct dsm_interval **ivs, u32 n, u32 max,
			  struct list_head *outs)
{
	lockdep_assert_held(&lrc.lock);
	return lrc_encode_vt_locked(type, dst, req_id, key, epoch, &lrc.vt,
				    ivs, n, max, outs);
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
int lrc_missing_locked(const struct dsm_vt *have,
		       const struct dsm_interval ***out)
{
	const struct dsm_interval **v;
	struct dsm_vt h = *have;
	u32 total = 0, c;
	int n, i, k;

	lockdep_assert_held(&lrc.lock);
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
