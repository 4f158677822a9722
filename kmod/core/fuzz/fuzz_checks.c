// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_checks.c - properties of the wire decoder and of diff apply.
 *
 * Wire: whatever the input, decode() either rejects it with a reason whose
 * errno it returns, or accepts it; an accepted message walks cleanly
 * through every iterator, and encoding the decoded fields gives back the
 * input byte for byte (the format is canonical), unless the input sent a
 * timestamp wider than its significant width (dsm_vt_width(): a valid
 * message, from an older sender): then the encoder trims it, and gives
 * a message no longer that decodes to the same fields and re-encodes to
 * itself.
 *
 * Diff: whatever the input, apply() either rejects it and leaves the page
 * untouched, or accepts it; then every byte of the page is either the
 * original or the diff's, and a diff made from the result reproduces it.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_checks.h"
#include "dsm_diff.h"

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: check failed: %s\n",		\
			__FILE__, __LINE__, #cond);			\
		abort();						\
	}								\
} while (0)

static u64 reencode_notices[DSM_WIRE_MAX_NOTICES];

static void reencode_ivset(struct dsm_wire_enc *e,
			   const struct dsm_msg_ivset *s)
{
	struct dsm_msg_interval mi;
	struct dsm_msg_iter it;
	struct dsm_interval iv;

	dsm_msg_iter_intervals(s, &it);
	while (dsm_msg_next_interval(&it, &mi)) {
		dsm_msg_interval_copy(&mi, &iv, reencode_notices);
		dsm_wire_enc_interval(e, &iv);
	}
	CHECK(it.nr == 0 && it.left == 0);
}

/* Encode the decoded message @m again; returns dsm_wire_enc_end(). */
int dsm_test_reencode(const struct dsm_msg *m, u8 *buf, u32 size)
{
	struct dsm_wire_enc e;
	struct dsm_msg_iter it;
	struct dsm_msg_diff d;
	struct dsm_xfer_entry x;
	struct dsm_dir_entry de;
	u16 node;
	u32 interval;
	u64 page;

	dsm_wire_enc_begin(&e, buf, size, &m->hdr);
	if (!dsm_wire_enc_fixed(&e, m))
		return dsm_wire_enc_end(&e);
	switch (m->hdr.type) {
	case DSM_MSG_LOCK_GRANT:
	case DSM_MSG_IV_REQ:
	case DSM_MSG_IV_REPLY:
		dsm_wire_enc_lock_grant(&e, m->u.lock_grant.region,
					m->u.lock_grant.lock_id,
					&m->u.lock_grant.iv.vt);
		reencode_ivset(&e, &m->u.lock_grant.iv);
		break;
	case DSM_MSG_BARRIER_ARRIVE:
	case DSM_MSG_BARRIER_RELEASE:
		dsm_wire_enc_barrier(&e, m->u.barrier.region,
				     m->u.barrier.barrier_id,
				     m->u.barrier.epoch, &m->u.barrier.iv.vt);
		reencode_ivset(&e, &m->u.barrier.iv);
		break;
	case DSM_MSG_DIFF_REQ:
		dsm_wire_enc_diff_req(&e, m->u.diff_req.page);
		dsm_msg_iter_wants(&m->u.diff_req, &it);
		while (dsm_msg_next_want(&it, &node, &interval))
			dsm_wire_enc_want(&e, node, interval);
		CHECK(it.nr == 0 && it.left == 0);
		break;
	case DSM_MSG_DIFF_REPLY:
		dsm_wire_enc_diff_reply(&e, m->u.diff_reply.page);
		dsm_msg_iter_diffs(&m->u.diff_reply, &it);
		while (dsm_msg_next_diff(&it, &d))
			dsm_wire_enc_diff(&e, d.node, d.interval, d.diff,
					  d.len);
		CHECK(it.nr == 0 && it.left == 0);
		break;
	case DSM_MSG_DIFF_BACKUP:
	case DSM_MSG_DIFF_PUSH:	/* the same body */
		dsm_wire_enc_diff_backup(&e, m->u.diff_backup.interval);
		dsm_msg_iter_backup(&m->u.diff_backup, &it);
		while (dsm_msg_next_backup(&it, &d, &page))
			dsm_wire_enc_backup_diff(&e, page, d.diff, d.len);
		CHECK(it.nr == 0 && it.left == 0);
		break;
	case DSM_MSG_HOME_XFER:
		dsm_wire_enc_home_xfer(&e, m->u.home_xfer.epoch,
				       m->u.home_xfer.flags);
		dsm_msg_iter_xfer(&m->u.home_xfer, &it);
		while (dsm_msg_next_xfer(&it, &x))
			dsm_wire_enc_xfer_entry(&e, &x);
		CHECK(it.nr == 0 && it.left == 0);
		break;
	case DSM_MSG_DIR_REPLY:
		dsm_wire_enc_dir_reply(&e, m->u.dir_reply.epoch,
				       m->u.dir_reply.flags);
		dsm_msg_iter_dir(&m->u.dir_reply, &it);
		while (dsm_msg_next_dir(&it, &de))
			dsm_wire_enc_dir_entry(&e, &de);
		CHECK(it.nr == 0 && it.left == 0);
		break;
	}
	return dsm_wire_enc_end(&e);
}

static u8 reencoded[DSM_WIRE_MAX_MSG], again[DSM_WIRE_MAX_MSG];

/* The timestamp of decoded @m that gives its width, NULL if none. */
static const struct dsm_vt *msg_vt(const struct dsm_msg *m)
{
	switch (m->hdr.type) {
	case DSM_MSG_LOCK_REQ:
		return &m->u.lock_req.vt;
	case DSM_MSG_LOCK_GRANT:
	case DSM_MSG_IV_REQ:
	case DSM_MSG_IV_REPLY:
		return &m->u.lock_grant.iv.vt;
	case DSM_MSG_BARRIER_ARRIVE:
	case DSM_MSG_BARRIER_RELEASE:
		return &m->u.barrier.iv.vt;
	default:
		return NULL;
	}
}

/*
 * Whether @m was sent with the width the encoder uses: the significant
 * width of its timestamp (of the set's, for an interval set, whose
 * records it dominates). A decoded timestamp's n is its width on the wire.
 */
static bool msg_width_trimmed(const struct dsm_msg *m)
{
	const struct dsm_vt *vt = msg_vt(m);

	return !vt || vt->n == dsm_vt_width(vt);
}

static bool same_vt(const struct dsm_vt *a, const struct dsm_vt *b)
{
	return dsm_vt_compare(a, b) == DSM_VT_EQUAL;
}

/* The records of interval sets @a and @b are the same. */
static void check_same_ivset(const struct dsm_msg_ivset *a,
			     const struct dsm_msg_ivset *b)
{
	struct dsm_msg_interval x, y;
	struct dsm_msg_iter ia, ib;

	CHECK(same_vt(&a->vt, &b->vt));
	CHECK(a->nr_intervals == b->nr_intervals);
	dsm_msg_iter_intervals(a, &ia);
	dsm_msg_iter_intervals(b, &ib);
	while (dsm_msg_next_interval(&ia, &x)) {
		CHECK(dsm_msg_next_interval(&ib, &y));
		CHECK(x.creator == y.creator && x.index == y.index);
		CHECK(x.nr_notices == y.nr_notices);
		CHECK(same_vt(&x.vt, &y.vt));
		CHECK(!memcmp(x.notices, y.notices, 8U * x.nr_notices));
	}
	CHECK(!dsm_msg_next_interval(&ib, &y));
}

/*
 * @m, decoded from @size bytes with a timestamp wider than its significant
 * width, re-encoded to @len bytes at @buf: these decode to the same fields,
 * with the trimmed width, and re-encode to themselves.
 */
static void check_trimmed(const struct dsm_msg *m, size_t size,
			  const u8 *buf, int len)
{
	static struct dsm_msg t;

	CHECK(len > 0 && (size_t)len <= size);
	CHECK(dsm_wire_decode(buf, len, &t, NULL) == 0);
	CHECK(msg_width_trimmed(&t));
	CHECK(dsm_test_reencode(&t, again, sizeof(again)) == len);
	CHECK(!memcmp(again, buf, len));
	CHECK(t.hdr.version == m->hdr.version && t.hdr.type == m->hdr.type &&
	      t.hdr.flags == m->hdr.flags && t.hdr.src == m->hdr.src &&
	      t.hdr.dst == m->hdr.dst && t.hdr.req_id == m->hdr.req_id &&
	      t.hdr.epoch == m->hdr.epoch && t.hdr.len == (u32)len);
	switch (m->hdr.type) {
	case DSM_MSG_LOCK_REQ:
		CHECK(t.u.lock_req.lock_id == m->u.lock_req.lock_id &&
		      t.u.lock_req.region == m->u.lock_req.region &&
		      t.u.lock_req.requester == m->u.lock_req.requester &&
		      t.u.lock_req.req_id == m->u.lock_req.req_id);
		CHECK(same_vt(&t.u.lock_req.vt, &m->u.lock_req.vt));
		break;
	case DSM_MSG_LOCK_GRANT:
	case DSM_MSG_IV_REQ:
	case DSM_MSG_IV_REPLY:
		CHECK(t.u.lock_grant.lock_id == m->u.lock_grant.lock_id &&
		      t.u.lock_grant.region == m->u.lock_grant.region);
		check_same_ivset(&t.u.lock_grant.iv, &m->u.lock_grant.iv);
		break;
	case DSM_MSG_BARRIER_ARRIVE:
	case DSM_MSG_BARRIER_RELEASE:
		CHECK(t.u.barrier.barrier_id == m->u.barrier.barrier_id &&
		      t.u.barrier.region == m->u.barrier.region &&
		      t.u.barrier.epoch == m->u.barrier.epoch);
		check_same_ivset(&t.u.barrier.iv, &m->u.barrier.iv);
		break;
	default:
		CHECK(0);
	}
}

void dsm_fuzz_check_wire(const u8 *data, size_t size)
{
	enum dsm_wire_reject why = DSM_WIRE_R_NR, pwhy = DSM_WIRE_R_NR;
	struct dsm_msg m;
	u32 plen = 0;
	int err, perr, len;

	err = dsm_wire_decode(data, size, &m, &why);
	CHECK(why < DSM_WIRE_R_NR);
	CHECK(err == dsm_wire_reject_errno(why));
	CHECK(strcmp(dsm_wire_reject_name(why), "unknown"));
	perr = dsm_wire_peek(data, size, &plen, &pwhy);
	if (perr) {
		/* A bad header fails the full decode for the same reason. */
		CHECK(err == perr && why == pwhy);
		return;
	}
	CHECK(plen >= DSM_WIRE_HDR_SIZE && plen <= DSM_WIRE_MAX_MSG);
	if (err) {
		CHECK(why != DSM_WIRE_OK);
		return;
	}
	CHECK(why == DSM_WIRE_OK && plen == size && m.hdr.len == size);
	CHECK(m.hdr.epoch <= DSM_HOME_EPOCH_MAX);	/* wire version 5 */
	if (m.hdr.type == DSM_MSG_HOME_XFER)		/* wire version 6 */
		CHECK(m.u.home_xfer.nr_entries <= DSM_WIRE_MAX_XFER);
	if (m.hdr.type == DSM_MSG_DIR_REPLY)		/* wire version 8 */
		CHECK(m.u.dir_reply.nr_entries <= DSM_WIRE_MAX_DIR);
	/* wire version 9; any sync from version 11 (a copy's own tag) */
	if (m.hdr.type == DSM_MSG_SHADOW_PUSH)
		CHECK(m.u.shadow.data == data + size - DSM_PAGE_SIZE);
	if (m.hdr.type == DSM_MSG_SHADOW_ACK)
		CHECK(!m.u.shadow.data);
	if (m.hdr.type == DSM_MSG_SHADOW_DROP)		/* wire version 12 */
		CHECK(!m.u.shadow.sync && !m.u.shadow.data);
	if (m.hdr.type == DSM_MSG_PAGE_GRANT &&
	    (m.u.page_grant.flags & DSM_GRANT_F_SHADOW))
		CHECK(!m.u.page_grant.data);
	CHECK(strcmp(dsm_wire_type_name(m.hdr.type), "unknown"));
	len = dsm_test_reencode(&m, reencoded, sizeof(reencoded));
	if (msg_width_trimmed(&m)) {
		CHECK(len == (int)size);
		CHECK(!memcmp(reencoded, data, size));
	} else {
		check_trimmed(&m, size, reencoded, len);
	}
	if (m.hdr.type == DSM_MSG_DIFF_REPLY) {
		static u8 page[DSM_PAGE_SIZE];
		struct dsm_msg_iter it;
		struct dsm_msg_diff d;

		dsm_msg_iter_diffs(&m.u.diff_reply, &it);
		while (dsm_msg_next_diff(&it, &d))
			CHECK(dsm_diff_apply(page, d.diff, d.len) == 0);
	}
	if (m.hdr.type == DSM_MSG_DIFF_BACKUP) {
		static u8 page[DSM_PAGE_SIZE];
		struct dsm_msg_iter it;
		struct dsm_msg_diff d;
		u64 pg, prev = 0;

		dsm_msg_iter_backup(&m.u.diff_backup, &it);
		while (dsm_msg_next_backup(&it, &d, &pg)) {
			CHECK(pg < DSM_MAX_PAGES && (!prev || pg > prev));
			CHECK(dsm_diff_apply(page, d.diff, d.len) == 0);
			prev = pg;
		}
	}
}

/*
 * An independent reading of a valid diff (the encoding of dsm_diff.h):
 * ref_mask[i] set and ref_val[i] the new value for each byte it writes.
 * Return: false if it does not parse, or leaves bytes over.
 */
static u8 ref_mask[DSM_PAGE_SIZE], ref_val[DSM_PAGE_SIZE];

static bool ref_diff_bytes(const u8 *d, u32 len)
{
	u32 pos = DSM_DIFF_HDR_SIZE, off = 0, i, gap, rl;

	memset(ref_mask, 0, sizeof(ref_mask));
	if (d[0] == DSM_DIFF_BITMAP) {
		pos += DSM_DIFF_BITMAP_BYTES;
		for (i = 0; i < DSM_PAGE_SIZE; i++) {
			if (!(d[DSM_DIFF_HDR_SIZE + i / 8] >> (i % 8) & 1))
				continue;
			if (pos >= len)
				return false;
			ref_mask[i] = 1;
			ref_val[i] = d[pos++];
		}
		return pos == len;
	}
	while (pos < len) {
		u8 b = d[pos];

		if (b < 0x80) {
			gap = b >> 4;
			rl = (b & 15) + 1;
			pos += 1;
		} else if (b < 0xc0) {
			gap = b & 0x3f;
			rl = d[pos + 1] + 1u;
			pos += 2;
		} else {
			gap = (b & 0x3f) << 8 | d[pos + 1];
			rl = (d[pos + 2] | d[pos + 3] << 8) + 1u;
			pos += 4;
		}
		off += gap;
		if (off + rl > DSM_PAGE_SIZE || pos + rl > len)
			return false;
		for (i = 0; i < rl; i++) {
			ref_mask[off + i] = 1;
			ref_val[off + i] = d[pos + i];
		}
		off += rl;
		pos += rl;
	}
	return pos == len;
}

void dsm_fuzz_check_diff(const u8 *data, size_t size)
{
	static u8 orig[DSM_PAGE_SIZE], page[DSM_PAGE_SIZE];
	static u8 again[DSM_PAGE_SIZE], diff[DSM_DIFF_MAX_SIZE];
	u32 i, len = size > U32_MAX ? U32_MAX : (u32)size;
	int err, dlen;
	u64 blocks;

	for (i = 0; i < DSM_PAGE_SIZE; i++)
		orig[i] = (u8)(i * 31 + (i >> 8));
	memcpy(page, orig, sizeof(page));
	err = dsm_diff_apply(page, data, len);
	CHECK(err == dsm_diff_validate(data, len));
	if (err) {
		CHECK(err == -EBADMSG || err == -EMSGSIZE);
		CHECK(!memcmp(page, orig, sizeof(page)));
		return;
	}
	CHECK(len <= DSM_DIFF_MAX_SIZE);
	CHECK(dsm_diff_nr_runs(data) <= DSM_DIFF_MAX_RUNS);
	/* Every byte landed where the diff said, nothing else moved. */
	CHECK(ref_diff_bytes(data, len));
	blocks = 0;
	for (i = 0; i < DSM_PAGE_SIZE; i++) {
		CHECK(page[i] == (ref_mask[i] ? ref_val[i] : orig[i]));
		if (ref_mask[i])
			blocks |= 1ULL << (i / DSM_SHARE_BLOCK);
	}
	/* The blocks it writes (false sharing): exactly those it names. */
	CHECK(dsm_diff_blocks(data) == blocks);
	CHECK((dsm_page_blocks(orig, page) & ~blocks) == 0);
	dlen = dsm_diff_create(orig, page, diff, sizeof(diff));
	CHECK(dlen >= DSM_DIFF_HDR_SIZE && dlen <= (int)DSM_DIFF_MAX_SIZE);
	memcpy(again, orig, sizeof(again));
	CHECK(dsm_diff_apply(again, diff, dlen) == 0);
	CHECK(!memcmp(again, page, sizeof(page)));
}
