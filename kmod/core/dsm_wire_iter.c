// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_wire_iter.c - iterators over the lists of decoded messages: interval
 * records, diff wants, diffs of a DIFF_REPLY and of a DIFF_BACKUP. They
 * walk what dsm_wire_decode() checked, so they cannot fail on it.
 */
#include "dsm_wire.h"
#include "dsm_wire_rd.h"
#include "dsm_diff.h"

/**
 * dsm_msg_iter_intervals() - start walking the records of an interval set.
 * @s:	a set from a decoded LOCK_GRANT or BARRIER message.
 * @it:	the cursor to initialise.
 */
void dsm_msg_iter_intervals(const struct dsm_msg_ivset *s,
			    struct dsm_msg_iter *it)
{
	it->p = s->p;
	it->left = s->len;
	it->nr = s->nr_intervals;
	it->nr_nodes = s->vt.n;
}

/**
 * dsm_msg_next_interval() - the next record of an interval set.
 * @it:	cursor from dsm_msg_iter_intervals().
 * @iv:	out: the record (a view into the message).
 *
 * Return: false when there are no more records.
 */
bool dsm_msg_next_interval(struct dsm_msg_iter *it,
			   struct dsm_msg_interval *iv)
{
	struct dsm_rd r = { .p = it->p, .left = it->left };
	struct dsm_wire_interval w;

	if (!it->nr || !dsm_rd_take(&r, &w, sizeof(w)))
		return false;
	iv->creator = le16_to_cpu(w.creator);
	iv->nr_notices = le16_to_cpu(w.nr_notices);
	iv->index = le32_to_cpu(w.index);
	if (dsm_rd_vt(&r, it->nr_nodes, &iv->vt))
		return false;
	iv->notices = r.p;
	if (!dsm_rd_skip(&r, 8U * iv->nr_notices))
		return false;
	it->p = r.p;
	it->left = r.left;
	it->nr--;
	return true;
}

/**
 * dsm_msg_notice() - write notice @i of a decoded interval record.
 * @iv:	the record.
 * @i:	below @iv->nr_notices.
 *
 * Return: the page number.
 */
u64 dsm_msg_notice(const struct dsm_msg_interval *iv, u32 i)
{
	return dsm_ld64(iv->notices + 8 * (size_t)i);
}

/**
 * dsm_msg_iter_wants() - start walking the ids of a decoded DIFF_REQ.
 * @r:	the decoded request.
 * @it:	the cursor to initialise.
 */
void dsm_msg_iter_wants(const struct dsm_msg_diff_req *r,
			struct dsm_msg_iter *it)
{
	it->p = r->ids;
	it->left = (u32)r->nr_wants * sizeof(struct dsm_wire_diff_id);
	it->nr = r->nr_wants;
	it->nr_nodes = 0;
}

/**
 * dsm_msg_next_want() - the next (node, interval) a DIFF_REQ asks for.
 * @it:		cursor from dsm_msg_iter_wants().
 * @node:	out: creator of the interval.
 * @interval:	out: its index.
 *
 * Return: false when there are no more.
 */
bool dsm_msg_next_want(struct dsm_msg_iter *it, u16 *node, u32 *interval)
{
	struct dsm_rd r = { .p = it->p, .left = it->left };
	struct dsm_wire_diff_id w;

	if (!it->nr || !dsm_rd_take(&r, &w, sizeof(w)))
		return false;
	*node = le16_to_cpu(w.node);
	*interval = le32_to_cpu(w.interval);
	it->p = r.p;
	it->left = r.left;
	it->nr--;
	return true;
}

/*
 * The diff at @r and its padding into @d; on success the entry is
 * consumed: @it moves past it.
 */
static bool dsm_it_diff(struct dsm_msg_iter *it, struct dsm_rd *r,
			struct dsm_msg_diff *d)
{
	if (r->left < DSM_DIFF_HDR_SIZE)
		return false;
	d->diff = r->p;
	d->len = dsm_diff_size(r->p);
	if (d->len > r->left || !dsm_rd_skip(r, d->len) ||
	    !dsm_rd_skip(r, -d->len & 7))
		return false;
	it->p = r->p;
	it->left = r->left;
	it->nr--;
	return true;
}

/**
 * dsm_msg_iter_diffs() - start walking the diffs of a decoded DIFF_REPLY.
 * @r:	the decoded reply.
 * @it:	the cursor to initialise.
 */
void dsm_msg_iter_diffs(const struct dsm_msg_diff_reply *r,
			struct dsm_msg_iter *it)
{
	it->p = r->p;
	it->left = r->len;
	it->nr = r->nr_diffs;
	it->nr_nodes = 0;
}

/**
 * dsm_msg_next_diff() - the next diff of a DIFF_REPLY.
 * @it:	cursor from dsm_msg_iter_diffs().
 * @d:	out: the diff (a view into the message).
 *
 * Return: false when there are no more.
 */
bool dsm_msg_next_diff(struct dsm_msg_iter *it, struct dsm_msg_diff *d)
{
	struct dsm_rd r = { .p = it->p, .left = it->left };
	struct dsm_wire_diff_id w;

	if (!it->nr || !dsm_rd_take(&r, &w, sizeof(w)))
		return false;
	d->node = le16_to_cpu(w.node);
	d->interval = le32_to_cpu(w.interval);
	return dsm_it_diff(it, &r, d);
}

/**
 * dsm_msg_iter_backup() - start walking the diffs of a decoded DIFF_BACKUP.
 * @b:	the decoded message.
 * @it:	the cursor to initialise.
 */
void dsm_msg_iter_backup(const struct dsm_msg_diff_backup *b,
			 struct dsm_msg_iter *it)
{
	it->p = b->p;
	it->left = b->len;
	it->nr = b->nr_diffs;
	it->nr_nodes = 0;
}

/**
 * dsm_msg_next_backup() - the next (page, diff) of a DIFF_BACKUP.
 * @it:	cursor from dsm_msg_iter_backup().
 * @d:	out: the diff (a view into the message); @d->node and
 *	@d->interval are left alone.
 * @page: out: the page the diff applies to.
 *
 * Return: false when there are no more.
 */
bool dsm_msg_next_backup(struct dsm_msg_iter *it, struct dsm_msg_diff *d,
			 u64 *page)
{
	struct dsm_rd r = { .p = it->p, .left = it->left };
	__le64 w;

	if (!it->nr || !dsm_rd_take(&r, &w, sizeof(w)))
		return false;
	*page = le64_to_cpu(w);
	return dsm_it_diff(it, &r, d);
}
