// SPDX-License-Identifier: GPL-2.0
/*
 * test_wire.c - the wire codec: every message type round-trips; every
 * truncation, extension, header corruption, nonzero reserved field and
 * out-of-range value is rejected with its reason; the encoder refuses
 * misuse and never writes past its buffer.
 */
#include <stddef.h>
#include <stdlib.h>

#include "kselftest_harness.h"
#include "test_util.h"
#include "fuzz_checks.h"

#define HS DSM_WIRE_HDR_SIZE

static u8 msg[DSM_WIRE_MAX_MSG], mut[DSM_WIRE_MAX_MSG + 64];

static int sample(unsigned int i, const char **name)
{
	return dsm_sample(i, msg, sizeof(msg), name);
}

static int sample_of_name(const char *want)
{
	const char *name;
	unsigned int i;
	int len;

	for (i = 0; (len = sample(i, &name)) > 0; i++)
		if (!strcmp(name, want))
			return len;
	abort();
}

static enum dsm_wire_reject decode_why(const u8 *buf, size_t len)
{
	enum dsm_wire_reject why = DSM_WIRE_R_NR;
	struct dsm_msg m;
	int err = dsm_wire_decode(buf, len, &m, &why);

	if (err != dsm_wire_reject_errno(why))
		return DSM_WIRE_R_NR;
	return why;
}

static void put_le(u8 *p, u64 v, unsigned int bytes)
{
	unsigned int i;

	for (i = 0; i < bytes; i++)
		p[i] = (u8)(v >> (8 * i));
}

/* Decode sample @name with @bytes at @off set to @v: the reason. */
static enum dsm_wire_reject poke(const char *name, u32 off, u64 v,
				 unsigned int bytes)
{
	int len = sample_of_name(name);

	memcpy(mut, msg, len);
	put_le(mut + off, v, bytes);
	return decode_why(mut, len);
}

TEST(roundtrip_every_sample)
{
	static u8 again[DSM_WIRE_MAX_MSG];
	bool seen[DSM_MSG_TYPE_MAX + 1] = { false };
	const char *name;
	struct dsm_msg m;
	unsigned int i, t;
	int len;

	for (i = 0; (len = sample(i, &name)) > 0; i++) {
		enum dsm_wire_reject why = DSM_WIRE_R_NR;

		ASSERT_EQ(0, dsm_wire_decode(msg, len, &m, &why))
			TH_LOG("sample %s: %s", name, dsm_wire_reject_name(why));
		EXPECT_EQ(DSM_WIRE_OK, why);
		EXPECT_EQ((u32)len, m.hdr.len);
		EXPECT_EQ(len, dsm_test_reencode(&m, again, sizeof(again)))
			TH_LOG("sample %s", name);
		EXPECT_EQ(0, memcmp(msg, again, len)) TH_LOG("sample %s", name);
		EXPECT_EQ(dsm_wire_type_is_reply(m.hdr.type),
			  !!(m.hdr.flags & DSM_WIRE_F_REPLY));
		seen[m.hdr.type] = true;
		dsm_fuzz_check_wire(msg, len);
	}
	EXPECT_EQ(dsm_sample_count(), i);
	for (t = 1; t <= DSM_MSG_TYPE_MAX; t++)
		EXPECT_EQ(dsm_wire_type_ok(t), seen[t])
			TH_LOG("type %u: a sample of every type spoken, of no retired one",
			       t);
}

TEST(decoded_fields)
{
	struct dsm_msg_interval mi;
	struct dsm_msg_iter it;
	struct dsm_msg_diff d;
	struct dsm_interval iv;
	u64 notices[8];
	struct dsm_msg m;
	u32 interval, k;
	u16 node;
	int len;

	len = sample_of_name("inval");
	ASSERT_EQ(0, dsm_wire_decode(msg, len, &m, NULL));
	EXPECT_EQ(DSM_MSG_INVAL, m.hdr.type);
	EXPECT_EQ(1, m.hdr.src);
	EXPECT_EQ(2, m.hdr.dst);
	EXPECT_EQ(0x1122334455667788ULL, m.hdr.req_id);

	len = sample_of_name("grant_data");
	ASSERT_EQ(HS + sizeof(struct dsm_wire_page_grant) + DSM_PAGE_SIZE,
		  (size_t)len);
	ASSERT_EQ(0, dsm_wire_decode(msg, len, &m, NULL));
	EXPECT_EQ(msg + HS + sizeof(struct dsm_wire_page_grant),
		  m.u.page_grant.data);
	EXPECT_EQ(0x81ULL, m.u.page_grant.copyset);
	len = sample_of_name("grant_nodata");
	ASSERT_EQ(0, dsm_wire_decode(msg, len, &m, NULL));
	EXPECT_EQ(NULL, m.u.page_grant.data);
	EXPECT_EQ(DSM_GRANT_F_NO_DATA, m.u.page_grant.flags);

	len = sample_of_name("lock_grant");
	ASSERT_EQ(224, len);
	ASSERT_EQ(0, dsm_wire_decode(msg, len, &m, NULL));
	EXPECT_EQ(42U, m.u.lock_grant.lock_id);
	EXPECT_EQ(7U, m.u.lock_grant.region);
	EXPECT_EQ(3U, m.u.lock_grant.iv.vt.n);
	EXPECT_EQ(9U, m.u.lock_grant.iv.vt.c[2]);
	dsm_msg_iter_intervals(&m.u.lock_grant.iv, &it);
	k = 0;
	while (dsm_msg_next_interval(&it, &mi)) {
		dsm_msg_interval_copy(&mi, &iv, notices);
		EXPECT_EQ(0, dsm_interval_check(&iv));
		if (k == 0) {
			EXPECT_EQ(4, mi.nr_notices);
			EXPECT_EQ(4096ULL, dsm_msg_notice(&mi, 3));
		}
		if (k == 3) {
			EXPECT_EQ(2, mi.creator);
			EXPECT_EQ(9U, mi.index);
			EXPECT_EQ(DSM_MAX_PAGES - 1, notices[2]);
		}
		k++;
	}
	EXPECT_EQ(4U, k);

	len = sample_of_name("diff_req");
	ASSERT_EQ(0, dsm_wire_decode(msg, len, &m, NULL));
	dsm_msg_iter_wants(&m.u.diff_req, &it);
	ASSERT_TRUE(dsm_msg_next_want(&it, &node, &interval));
	EXPECT_EQ(0, node);
	EXPECT_EQ(3U, interval);
	ASSERT_TRUE(dsm_msg_next_want(&it, &node, &interval));
	ASSERT_TRUE(dsm_msg_next_want(&it, &node, &interval));
	EXPECT_EQ(5, node);
	EXPECT_FALSE(dsm_msg_next_want(&it, &node, &interval));

	len = sample_of_name("diff_reply");
	ASSERT_EQ(0, dsm_wire_decode(msg, len, &m, NULL));
	EXPECT_EQ(2, m.u.diff_reply.nr_diffs);
	dsm_msg_iter_diffs(&m.u.diff_reply, &it);
	ASSERT_TRUE(dsm_msg_next_diff(&it, &d));
	EXPECT_EQ(0, d.node);
	EXPECT_EQ(3U, d.interval);
	EXPECT_EQ(0, dsm_diff_validate(d.diff, d.len));
	ASSERT_TRUE(dsm_msg_next_diff(&it, &d));
	EXPECT_EQ(1, d.node);
	EXPECT_FALSE(dsm_msg_next_diff(&it, &d));
}

/* Errnos from the network: the protocol's pass, "wait" ones never do. */
TEST(errno_from_peer)
{
	static const u32 pass[] = {
		EPERM, ENOENT, ENXIO, ENOMEM, EACCES, EBUSY, EINVAL, ENOSPC, ERANGE,
		EMSGSIZE, EPROTO, EOPNOTSUPP, ENOTCONN, ETIMEDOUT, EHOSTDOWN,
		ESTALE,
	};
	static const u32 refused[] = {
		EAGAIN, EINPROGRESS, EINTR, EALREADY, EWOULDBLOCK, 512, 513,
		516, 4095, 4096, 0x7fffffff, 0x80000000U, U32_MAX,
	};
	u32 i;

	EXPECT_EQ(0, dsm_wire_errno(0));
	for (i = 0; i < sizeof(pass) / sizeof(pass[0]); i++)
		EXPECT_EQ(-(int)pass[i], dsm_wire_errno(pass[i]));
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		EXPECT_EQ(-EPROTO, dsm_wire_errno(refused[i]));
	/* Whatever comes in, what goes out is a negative errno, never 0. */
	for (i = 1; i < 70000; i++) {
		int e = dsm_wire_errno(i);

		ASSERT_LT(e, 0);
		ASSERT_NE(-EAGAIN, e);
		ASSERT_NE(-EINPROGRESS, e);
	}
}

TEST(peek_header)
{
	enum dsm_wire_reject why;
	const char *name;
	unsigned int i;
	u32 len_out;
	int len;

	for (i = 0; (len = sample(i, &name)) > 0; i++) {
		len_out = 0;
		EXPECT_EQ(0, dsm_wire_peek(msg, HS, &len_out, &why));
		EXPECT_EQ((u32)len, len_out);
		EXPECT_EQ(-EBADMSG, dsm_wire_peek(msg, HS - 1, &len_out, &why));
		EXPECT_EQ(DSM_WIRE_R_SHORT, why);
	}
}

/* Every prefix of every valid message is rejected. */
TEST(every_truncation)
{
	const char *name;
	unsigned int i;
	int len, cut;
	u32 n = 0;

	for (i = 0; (len = sample(i, &name)) > 0; i++) {
		for (cut = 0; cut < len; cut++) {
			memcpy(mut, msg, len);
			/* as received: the length field says more */
			ASSERT_EQ(DSM_WIRE_R_SHORT, decode_why(mut, cut))
				TH_LOG("%s cut %d", name, cut);
			/* forged: the length field agrees with the cut */
			if (cut >= HS) {
				enum dsm_wire_reject why;

				put_le(mut + 8, cut, 4);
				why = decode_why(mut, cut);
				ASSERT_TRUE(why == DSM_WIRE_R_BODY_LEN ||
					    why == DSM_WIRE_R_MSGSIZE)
					TH_LOG("%s cut %d: %s", name, cut,
					       dsm_wire_reject_name(why));
			}
			n++;
		}
	}
	TH_LOG("%u truncations rejected", n);
}

/* Trailing bytes are rejected, with or without a forged length. */
TEST(every_extension)
{
	const char *name;
	unsigned int i, extra;
	int len;

	for (i = 0; (len = sample(i, &name)) > 0; i++) {
		for (extra = 1; extra <= 16; extra++) {
			memcpy(mut, msg, len);
			memset(mut + len, extra & 1 ? 0 : 0xff, extra);
			ASSERT_EQ(DSM_WIRE_R_LONG, decode_why(mut, len + extra));
			put_le(mut + 8, len + extra, 4);
			ASSERT_EQ(DSM_WIRE_R_BODY_LEN,
				  decode_why(mut, len + extra))
				TH_LOG("%s + %u", name, extra);
		}
	}
}

/*
 * Single-byte corruption of every header byte, every bit flip and 0xff:
 * magic, version, flags, length and the epoch's reserved top bits must
 * be rejected with their reason; type, node ids, request id and the
 * epoch's low 48 bits either are rejected or decode to a canonical
 * message (dsm_fuzz_check_wire() checks the round trip).
 */
TEST(header_corruption)
{
	static const u8 xors[] = { 1, 2, 4, 8, 16, 32, 64, 128, 0xff };
	const char *name;
	unsigned int i, b, x;
	int len;

	for (i = 0; (len = sample(i, &name)) > 0; i++) {
		for (b = 0; b < HS; b++) {
			for (x = 0; x < ARRAY_SIZE(xors); x++) {
				enum dsm_wire_reject why;

				memcpy(mut, msg, len);
				mut[b] ^= xors[x];
				why = decode_why(mut, len);
				dsm_fuzz_check_wire(mut, len);
				if (b < 4) {
					ASSERT_EQ(DSM_WIRE_R_MAGIC, why);
				} else if (b < 6) {
					ASSERT_EQ(DSM_WIRE_R_VERSION, why);
				} else if (b == 7 &&
					   (msg[6] == DSM_MSG_LOCK_GRANT ||
					    msg[6] == DSM_MSG_IV_REPLY) &&
					   xors[x] == DSM_WIRE_F_MORE) {
					/* toggling MORE keeps a grant valid */
					ASSERT_EQ(DSM_WIRE_OK, why);
				} else if (b == 7) {
					ASSERT_EQ(DSM_WIRE_R_FLAGS, why);
				} else if (b >= 8 && b < 12) {
					ASSERT_TRUE(why == DSM_WIRE_R_MSGSIZE ||
						    why == DSM_WIRE_R_SHORT ||
						    why == DSM_WIRE_R_LONG)
						TH_LOG("%s byte %u: %s", name,
						       b,
						       dsm_wire_reject_name(why));
				} else if (b >= 30) {
					ASSERT_EQ(DSM_WIRE_R_RESERVED, why);
				} else if (b >= 24) {
					/* any epoch below 2^48 is valid */
					ASSERT_EQ(DSM_WIRE_OK, why);
				} else if (b >= 12 && b < 16 &&
					   why == DSM_WIRE_OK) {
					/* a node id stayed in range */
					ASSERT_LT(mut[b], DSM_MAX_NODES);
				}
			}
		}
	}
}

/* Every bit flip of every body byte: no crash, reject or canonical. */
TEST(body_corruption)
{
	const char *name;
	unsigned int i, b, bit, accepted = 0, total = 0;
	int len;

	for (i = 0; (len = sample(i, &name)) > 0; i++) {
		for (b = HS; b < (unsigned int)len; b++) {
			for (bit = 0; bit < 8; bit++) {
				memcpy(mut, msg, len);
				mut[b] ^= 1 << bit;
				dsm_fuzz_check_wire(mut, len);
				if (decode_why(mut, len) == DSM_WIRE_OK)
					accepted++;
				total++;
			}
		}
	}
	TH_LOG("%u of %u body bit flips still valid (data, ids)",
	       accepted, total);
}

struct rsv {
	const char *sample;
	u32 off;
	u32 size;
};

#define B(type, field)	(HS + offsetof(struct type, field))

/* Reserved fields and padding of every layout, by sample. */
static const struct rsv reserved_fields[] = {
	{ "page_req_read", B(dsm_wire_page_req, reserved0), 2 },
	{ "page_req_read", B(dsm_wire_page_req, reserved1), 4 },
	{ "inval", B(dsm_wire_inval, reserved0), 2 },
	{ "inval", B(dsm_wire_inval, reserved1), 4 },
	{ "inval_ack", B(dsm_wire_inval_ack, reserved), 8 },
	{ "confirm", B(dsm_wire_confirm, reserved0), 1 },
	{ "confirm", B(dsm_wire_confirm, reserved1), 2 },
	{ "confirm", B(dsm_wire_confirm, reserved2), 4 },
	{ "nack", B(dsm_wire_nack, reserved0), 1 },
	{ "nack", B(dsm_wire_nack, reserved1), 2 },
	{ "lock_req3", B(dsm_wire_lock_req, reserved), 4 },
	{ "lock_req3", HS + 24 + 12, 4 },		/* vt padding */
	{ "lock_grant", HS + 8 + 4, 4 },		/* ivset reserved */
	{ "lock_grant", HS + 16 + 12, 4 },		/* sender vt pad */
	{ "lock_grant", 64 + 8 + 12, 4 },		/* interval vt pad */
	{ "barrier_arrive", B(dsm_wire_barrier, reserved), 4 },
	{ "barrier_arrive", HS + 16 + 4, 4 },		/* ivset reserved */
	{ "home_xfer", HS + 16 + 19, 1 },		/* entry reserved0 */
	{ "shadow_push", B(dsm_wire_shadow, reserved), 2 },
	{ "shadow_ack", B(dsm_wire_shadow, reserved), 2 },
	{ "shadow_drop", B(dsm_wire_shadow, reserved), 2 },
	{ "lrc_rejoin", B(dsm_wire_rejoin, reserved), 4 },
	{ "lrc_rejoin_ack", B(dsm_wire_rejoin, reserved), 4 },
	{ "diff_req", B(dsm_wire_diff_req, reserved0), 2 },
	{ "diff_req", B(dsm_wire_diff_req, reserved1), 4 },
	{ "diff_req", HS + 16 + 2, 2 },			/* want reserved */
	{ "diff_reply", B(dsm_wire_diff_reply, reserved0), 2 },
	{ "diff_reply", B(dsm_wire_diff_reply, reserved1), 4 },
	{ "diff_reply", HS + 16 + 2, 2 },		/* entry reserved */
	{ "diff_reply", HS + 16 + 8 + 1, 1 },		/* diff reserved */
};

/*
 * The region word of a lock or barrier (version 3): 0 .. 1 << 28, the
 * namespaces of a 1 TiB space; one more is refused, as is anything else.
 */
TEST(sync_region_range)
{
	struct dsm_msg m;
	int len;

	len = sample_of_name("lock_req3");
	ASSERT_EQ(0, dsm_wire_decode(msg, len, &m, NULL));
	EXPECT_EQ(0x0fffffffU, m.u.lock_req.region);
	EXPECT_EQ(0xdeadbeefU, m.u.lock_req.lock_id);
	len = sample_of_name("barrier_release");
	ASSERT_EQ(0, dsm_wire_decode(msg, len, &m, NULL));
	EXPECT_EQ(DSM_WIRE_REGION_MAX, m.u.barrier.region);
	EXPECT_EQ(3U, m.u.barrier.barrier_id);
	EXPECT_EQ(DSM_WIRE_R_FIELD, poke("lock_req3", B(dsm_wire_lock_req, region),
					 DSM_WIRE_REGION_MAX + 1, 4));
	EXPECT_EQ(DSM_WIRE_OK, poke("lock_req3", B(dsm_wire_lock_req, region),
				    DSM_WIRE_REGION_MAX, 4));
	EXPECT_EQ(DSM_WIRE_R_FIELD, poke("lock_grant",
					 B(dsm_wire_lock_grant, region),
					 0xffffffffU, 4));
	EXPECT_EQ(DSM_WIRE_OK, poke("lock_grant", B(dsm_wire_lock_grant, region),
				    0, 4));
	EXPECT_EQ(DSM_WIRE_R_FIELD, poke("barrier_arrive",
					 B(dsm_wire_barrier, region),
					 DSM_WIRE_REGION_MAX + 1, 4));
	EXPECT_EQ(DSM_WIRE_R_FIELD, poke("barrier_release",
					 B(dsm_wire_barrier, region),
					 DSM_WIRE_REGION_MAX + 1, 4));
}

TEST(reserved_fields_nonzero)
{
	unsigned int i, b;

	for (i = 0; i < ARRAY_SIZE(reserved_fields); i++) {
		const struct rsv *r = &reserved_fields[i];
		int len = sample_of_name(r->sample);

		ASSERT_EQ(DSM_WIRE_OK, decode_why(msg, len));
		for (b = 0; b < r->size; b++) {
			enum dsm_wire_reject why;

			memcpy(mut, msg, len);
			mut[r->off + b] = 0x01;
			why = decode_why(mut, len);
			/* a diff's own reserved field makes the diff bad */
			EXPECT_EQ(i == ARRAY_SIZE(reserved_fields) - 1 ?
				  DSM_WIRE_R_DIFF : DSM_WIRE_R_RESERVED, why)
				TH_LOG("%s +%u byte %u: %s", r->sample,
				       r->off, b, dsm_wire_reject_name(why));
		}
	}
}

TEST(diff_reply_padding_nonzero)
{
	int len = sample_of_name("diff_reply");
	u32 dlen = msg[HS + 16 + 8 + 2] | msg[HS + 16 + 8 + 3] << 8;
	u32 pad_at = HS + 16 + 8 + dlen;

	ASSERT_NE(0U, dlen & 7) TH_LOG("sample diff needs padding");
	memcpy(mut, msg, len);
	mut[pad_at] = 0x80;
	EXPECT_EQ(DSM_WIRE_R_RESERVED, decode_why(mut, len));
}

/*
 * DIFF_BACKUP and its ack (wire version 6): the fields and diffs decoded,
 * and every bound refused: interval 0, no diffs or too many, a page out of
 * range or not ascending, a bad diff, non-zero padding and reserved words.
 */
TEST(diff_backup)
{
	struct dsm_msg_iter it;
	struct dsm_msg_diff d;
	struct dsm_msg m;
	u64 page;
	u32 dlen;
	int len;

	len = sample_of_name("diff_backup");
	dlen = msg[HS + 16 + 2] | msg[HS + 16 + 3] << 8;
	ASSERT_EQ(0, dsm_wire_decode(msg, len, &m, NULL));
	EXPECT_EQ(DSM_MSG_DIFF_BACKUP, m.hdr.type);
	EXPECT_EQ(0, m.hdr.flags & DSM_WIRE_F_REPLY);
	EXPECT_EQ(7U, m.u.diff_backup.interval);
	EXPECT_EQ(2, m.u.diff_backup.nr_diffs);
	dsm_msg_iter_backup(&m.u.diff_backup, &it);
	ASSERT_TRUE(dsm_msg_next_backup(&it, &d, &page));
	EXPECT_EQ(4096ULL, page);
	EXPECT_EQ(dlen, d.len);
	ASSERT_TRUE(dsm_msg_next_backup(&it, &d, &page));
	EXPECT_EQ(4100ULL, page);
	EXPECT_FALSE(dsm_msg_next_backup(&it, &d, &page));
	EXPECT_EQ(0U, it.left);

	EXPECT_EQ(DSM_WIRE_R_INTERVAL, poke("diff_backup", HS, 0, 4));
	EXPECT_EQ(DSM_WIRE_R_COUNT, poke("diff_backup", HS + 4, 0, 2));
	EXPECT_EQ(DSM_WIRE_R_COUNT, poke("diff_backup", HS + 4,
					 DSM_WIRE_MAX_BACKUP_DIFFS + 1, 2));
	EXPECT_EQ(DSM_WIRE_R_BODY_LEN, poke("diff_backup", HS + 4, 3, 2));
	EXPECT_EQ(DSM_WIRE_R_RESERVED, poke("diff_backup", HS + 6, 1, 2));
	EXPECT_EQ(DSM_WIRE_R_PAGE, poke("diff_backup", HS + 8,
					DSM_MAX_PAGES, 8));
	/* the second page equal to or below the first */
	EXPECT_EQ(DSM_WIRE_R_ORDER, poke("diff_backup",
					 HS + 16 + ((dlen + 7) & ~7U), 4096, 8));
	EXPECT_EQ(DSM_WIRE_R_ORDER, poke("diff_backup",
					 HS + 16 + ((dlen + 7) & ~7U), 1, 8));
	EXPECT_EQ(DSM_WIRE_R_DIFF, poke("diff_backup", HS + 16, 9, 1));
	ASSERT_NE(0U, dlen & 7);
	EXPECT_EQ(DSM_WIRE_R_RESERVED, poke("diff_backup", HS + 16 + dlen,
					    1, 1));

	len = sample_of_name("diff_backup_ack");
	ASSERT_EQ(0, dsm_wire_decode(msg, len, &m, NULL));
	EXPECT_EQ(DSM_WIRE_F_REPLY, m.hdr.flags);
	EXPECT_EQ(7U, m.u.diff_backup.interval);
	EXPECT_EQ(2, m.u.diff_backup.nr_diffs);
	EXPECT_EQ(DSM_WIRE_OK, poke("diff_backup_ack", HS + 4, 0, 2));
	EXPECT_EQ(DSM_WIRE_R_INTERVAL, poke("diff_backup_ack", HS, 0, 4));
	EXPECT_EQ(DSM_WIRE_R_COUNT, poke("diff_backup_ack", HS + 4,
					 DSM_WIRE_MAX_BACKUP_DIFFS + 1, 2));
	EXPECT_EQ(DSM_WIRE_R_RESERVED, poke("diff_backup_ack", HS + 6, 1, 2));
	/* the ack has no list: a byte more is refused */
	len = sample_of_name("diff_backup_ack");
	memcpy(mut, msg, len);
	mut[8] = (u8)(len + 8);
	memset(mut + len, 0, 8);
	EXPECT_EQ(DSM_WIRE_R_BODY_LEN, decode_why(mut, len + 8));
	/* the type after the last is refused */
	EXPECT_EQ(DSM_WIRE_R_TYPE, poke("diff_backup_ack", 6,
					DSM_MSG_TYPE_MAX + 1, 1));
}

/* DIFF_PUSH (version 14): DIFF_BACKUP's body and checks, no reply. */
TEST(diff_push)
{
	struct dsm_msg_iter it;
	struct dsm_msg_diff d;
	struct dsm_msg m;
	u64 page;
	int len;

	EXPECT_EQ(29, DSM_MSG_DIFF_PUSH);
	EXPECT_STREQ("diff_push", dsm_wire_type_name(DSM_MSG_DIFF_PUSH));
	EXPECT_FALSE(dsm_wire_type_is_reply(DSM_MSG_DIFF_PUSH));
	len = sample_of_name("diff_push");
	ASSERT_EQ(0, dsm_wire_decode(msg, len, &m, NULL));
	EXPECT_EQ(DSM_MSG_DIFF_PUSH, m.hdr.type);
	EXPECT_EQ(0, m.hdr.flags);
	EXPECT_EQ(9U, m.u.diff_backup.interval);
	EXPECT_EQ(1, m.u.diff_backup.nr_diffs);
	dsm_msg_iter_backup(&m.u.diff_backup, &it);
	ASSERT_TRUE(dsm_msg_next_backup(&it, &d, &page));
	EXPECT_EQ(4097ULL, page);
	EXPECT_LT(0U, d.len);
	EXPECT_FALSE(dsm_msg_next_backup(&it, &d, &page));
	EXPECT_EQ(0U, it.left);
	/* a request: the reply flag is refused; so are no diffs, interval 0 */
	EXPECT_EQ(DSM_WIRE_R_FLAGS, poke("diff_push", 7, DSM_WIRE_F_REPLY, 1));
	EXPECT_EQ(DSM_WIRE_R_INTERVAL, poke("diff_push", HS, 0, 4));
	EXPECT_EQ(DSM_WIRE_R_COUNT, poke("diff_push", HS + 4, 0, 2));
	EXPECT_EQ(DSM_WIRE_R_BODY_LEN, poke("diff_push", HS + 4, 2, 2));
	EXPECT_EQ(DSM_WIRE_R_RESERVED, poke("diff_push", HS + 6, 1, 2));
	EXPECT_EQ(DSM_WIRE_R_PAGE, poke("diff_push", HS + 8, DSM_MAX_PAGES, 8));
	EXPECT_EQ(DSM_WIRE_R_DIFF, poke("diff_push", HS + 16, 9, 1));
	/* a NACK of it (the reader refusing a page) is a valid message */
	m = (struct dsm_msg){ .hdr = { .version = DSM_WIRE_VERSION_MAX,
				       .type = DSM_MSG_NACK, .src = 2,
				       .dst = 1 },
			      .u.nack = { .error = ENOENT,
					  .nacked_type = DSM_MSG_DIFF_PUSH,
					  .arg = 4097 } };
	len = dsm_test_reencode(&m, mut, sizeof(mut));
	ASSERT_LT(0, len);
	ASSERT_EQ(0, dsm_wire_decode(mut, len, &m, NULL));
	EXPECT_EQ(DSM_MSG_DIFF_PUSH, m.u.nack.nacked_type);
	EXPECT_EQ(4097ULL, m.u.nack.arg);
}

TEST(header_out_of_range)
{
	EXPECT_EQ(DSM_WIRE_R_VERSION, poke("inval", 4, 0, 2));
	EXPECT_EQ(DSM_WIRE_R_VERSION, poke("inval", 4, 1, 2));
	/* Version 2 had locks and barriers without a namespace. */
	EXPECT_EQ(DSM_WIRE_R_VERSION, poke("inval", 4, 2, 2));
	/* Version 3 had the diff encoding before issue 17. */
	EXPECT_EQ(DSM_WIRE_R_VERSION, poke("inval", 4, 3, 2));
	/* Version 4 carried no home-table epoch. */
	EXPECT_EQ(DSM_WIRE_R_VERSION, poke("inval", 4, 4, 2));
	/* Version 5 could not hand a directory over nor back a release up. */
	EXPECT_EQ(DSM_WIRE_R_VERSION, poke("inval", 4, 5, 2));
	/* Version 6 could not ask for a dead holder's intervals. */
	EXPECT_EQ(DSM_WIRE_R_VERSION, poke("inval", 4, 6, 2));
	/* Version 7 could not rebuild a lost home's directory. */
	EXPECT_EQ(DSM_WIRE_R_VERSION, poke("inval", 4, 7, 2));
	/* Version 8 had no version tags and no shadows. */
	EXPECT_EQ(DSM_WIRE_R_VERSION, poke("inval", 4, 8, 2));
	/* Version 9 refused node ids from 8 and timestamps wider than 8. */
	EXPECT_EQ(DSM_WIRE_R_VERSION, poke("inval", 4, 9, 2));
	/* Version 10 refused a copy's push (sync 0). */
	EXPECT_EQ(DSM_WIRE_R_VERSION, poke("inval", 4, 10, 2));
	/* Version 11 refused SHADOW_DROP (type 26). */
	EXPECT_EQ(DSM_WIRE_R_VERSION, poke("inval", 4, 11, 2));
	/* Version 12 refused LRC_REJOIN and LRC_REJOIN_ACK (types 27, 28). */
	EXPECT_EQ(DSM_WIRE_R_VERSION, poke("inval", 4, 12, 2));
	/* Version 13 refused DIFF_PUSH (type 29). */
	EXPECT_EQ(DSM_WIRE_R_VERSION, poke("inval", 4, 13, 2));
	EXPECT_EQ(DSM_WIRE_OK, poke("inval", 4, 14, 2));
	EXPECT_EQ(DSM_WIRE_R_VERSION, poke("inval", 4, 15, 2));
	EXPECT_EQ(-EPROTO, dsm_wire_reject_errno(DSM_WIRE_R_VERSION));
	EXPECT_EQ(DSM_WIRE_R_TYPE, poke("inval", 6, 0, 1));
	EXPECT_EQ(DSM_WIRE_R_TYPE, poke("inval", 6, DSM_MSG_TYPE_MAX + 1, 1));
	EXPECT_EQ(DSM_WIRE_R_TYPE, poke("inval", 6, 255, 1));
	EXPECT_EQ(-EPROTO, dsm_wire_reject_errno(DSM_WIRE_R_TYPE));
	EXPECT_EQ(DSM_WIRE_R_FLAGS, poke("inval", 7, DSM_WIRE_F_REPLY, 1));
	EXPECT_EQ(DSM_WIRE_R_FLAGS, poke("inval_ack", 7, 0, 1));
	EXPECT_EQ(DSM_WIRE_R_FLAGS, poke("inval_ack", 7, 0x81, 1));
	/* MORE is allowed on LOCK_GRANT and IV_REPLY only */
	EXPECT_EQ(DSM_WIRE_OK, poke("lock_grant", 7,
				    DSM_WIRE_F_REPLY | DSM_WIRE_F_MORE, 1));
	EXPECT_EQ(DSM_WIRE_OK, poke("iv_reply", 7, DSM_WIRE_F_REPLY, 1));
	EXPECT_EQ(DSM_WIRE_R_FLAGS, poke("iv_req", 7, DSM_WIRE_F_MORE, 1));
	EXPECT_EQ(DSM_WIRE_R_FLAGS, poke("iv_req", 7, DSM_WIRE_F_REPLY, 1));
	/* An IV_REQ carries no intervals. */
	EXPECT_NE(DSM_WIRE_OK, poke("iv_req", 42, 1, 2));
	EXPECT_EQ(DSM_WIRE_OK, poke("lock_grant_more", 7, DSM_WIRE_F_REPLY,
				    1));
	EXPECT_EQ(DSM_WIRE_R_FLAGS, poke("lock_grant_more", 7,
					 DSM_WIRE_F_MORE, 1));
	EXPECT_EQ(DSM_WIRE_R_FLAGS, poke("diff_reply", 7,
					 DSM_WIRE_F_REPLY | DSM_WIRE_F_MORE, 1));
	EXPECT_EQ(DSM_WIRE_R_FLAGS, poke("barrier_release", 7,
					 DSM_WIRE_F_REPLY | DSM_WIRE_F_MORE, 1));
	EXPECT_EQ(DSM_WIRE_R_FLAGS, poke("inval", 7, DSM_WIRE_F_MORE, 1));
	EXPECT_EQ(DSM_WIRE_R_FLAGS, poke("lock_req3", 7, DSM_WIRE_F_MORE, 1));
	EXPECT_EQ(DSM_WIRE_R_MSGSIZE, poke("inval", 8, 0, 4));
	EXPECT_EQ(DSM_WIRE_R_MSGSIZE, poke("inval", 8, HS + 15, 4));
	EXPECT_EQ(DSM_WIRE_R_MSGSIZE, poke("inval", 8, DSM_WIRE_MAX_MSG + 1,
					   4));
	EXPECT_EQ(DSM_WIRE_R_MSGSIZE, poke("inval", 8, 0xffffffff, 4));
	EXPECT_EQ(-EMSGSIZE, dsm_wire_reject_errno(DSM_WIRE_R_MSGSIZE));
	EXPECT_EQ(DSM_WIRE_R_SHORT, poke("inval", 8, DSM_WIRE_MAX_MSG, 4));
	EXPECT_EQ(DSM_WIRE_R_NODE, poke("inval", 12, DSM_MAX_NODES, 2));
	EXPECT_EQ(DSM_WIRE_R_NODE, poke("inval", 14, DSM_MAX_NODES, 2));
	EXPECT_EQ(DSM_WIRE_R_NODE, poke("inval", 14, 1, 2));	/* src == dst */
	EXPECT_EQ(DSM_WIRE_R_NODE, poke("inval", 12, 0x102, 2));
	/* the retired HELLO and HELLO_REPLY, at any version */
	EXPECT_EQ(DSM_WIRE_R_TYPE, poke("inval", 6, DSM_MSG_HELLO, 1));
	EXPECT_EQ(DSM_WIRE_R_TYPE, poke("inval_ack", 6, DSM_MSG_HELLO_REPLY,
					1));
	/* ... and the version they used to carry, on any message */
	EXPECT_EQ(DSM_WIRE_R_VERSION, poke("nack", 4, 1, 2));
	/* The epoch: 0 (no table yet) .. DSM_HOME_EPOCH_MAX, 48 bits. */
	EXPECT_EQ(DSM_WIRE_OK, poke("page_req_read", 24, 0, 8));
	EXPECT_EQ(DSM_WIRE_OK, poke("page_req_read", 24, DSM_HOME_EPOCH_MAX,
				    8));
	EXPECT_EQ(DSM_WIRE_R_RESERVED, poke("page_req_read", 24,
					    DSM_HOME_EPOCH_MAX + 1, 8));
	EXPECT_EQ(DSM_WIRE_R_RESERVED, poke("nack", 24, ~0ULL, 8));
}

/*
 * HELLO and HELLO_REPLY are retired (the dsmds agree on a link's
 * version): whatever follows their header, the decoder refuses them, and
 * the encoder makes neither.
 */
TEST(hello_retired)
{
	struct dsm_msg_hdr h = { .version = DSM_WIRE_VERSION_MAX, .src = 1,
				 .dst = 2, .type = DSM_MSG_HELLO };
	struct dsm_wire_enc e;
	u8 buf[128];
	int len;

	len = sample_of_name("inval");
	msg[6] = DSM_MSG_HELLO;
	EXPECT_EQ(DSM_WIRE_R_TYPE, decode_why(msg, len));
	msg[4] = 1;	/* the hello version */
	EXPECT_EQ(DSM_WIRE_R_TYPE, decode_why(msg, len));
	len = sample_of_name("nack");
	msg[7] |= DSM_WIRE_F_REPLY;
	msg[6] = DSM_MSG_HELLO_REPLY;
	EXPECT_EQ(DSM_WIRE_R_TYPE, decode_why(msg, len));
	EXPECT_STREQ("hello", dsm_wire_type_name(DSM_MSG_HELLO));
	EXPECT_FALSE(dsm_wire_type_ok(DSM_MSG_HELLO));
	EXPECT_FALSE(dsm_wire_type_ok(DSM_MSG_HELLO_REPLY));
	EXPECT_TRUE(dsm_wire_type_ok(DSM_MSG_PAGE_REQ));
	dsm_wire_enc_begin(&e, buf, sizeof(buf), &h);
	EXPECT_EQ(-EINVAL, dsm_wire_enc_end(&e));
	/* a NACK of a HELLO names a type no one sends */
	EXPECT_EQ(DSM_WIRE_R_FIELD, poke("nack", HS + 4, DSM_MSG_HELLO, 1));
}

TEST(page_messages_out_of_range)
{
	const u32 b = HS;

	EXPECT_EQ(DSM_WIRE_R_PAGE, poke("page_req_read", b, DSM_MAX_PAGES, 8));
	EXPECT_EQ(DSM_WIRE_R_PAGE, poke("page_req_read", b, ~0ULL, 8));
	EXPECT_EQ(DSM_WIRE_OK, poke("page_req_read", b, DSM_MAX_PAGES - 1, 8));
	EXPECT_EQ(DSM_WIRE_R_ACCESS, poke("page_req_read", b + 8, 0, 1));
	EXPECT_EQ(DSM_WIRE_R_ACCESS, poke("page_req_read", b + 8, 3, 1));
	EXPECT_EQ(DSM_WIRE_R_ACCESS, poke("page_req_read", b + 9, 1, 1));
	EXPECT_EQ(DSM_WIRE_R_ACCESS, poke("page_req_upgrade", b + 9, 3, 1));
	EXPECT_EQ(DSM_WIRE_R_PAGE, poke("page_fwd", b, DSM_MAX_PAGES, 8));
	EXPECT_EQ(DSM_WIRE_R_ACCESS, poke("page_fwd", b + 8, 7, 1));
	EXPECT_EQ(DSM_WIRE_R_NODE, poke("page_fwd", b + 10, 2, 2));
	EXPECT_EQ(DSM_WIRE_R_NODE, poke("page_fwd", b + 10, DSM_MAX_NODES, 2));
	EXPECT_EQ(DSM_WIRE_R_PAGE, poke("grant_data", b, DSM_MAX_PAGES, 8));
	EXPECT_EQ(DSM_WIRE_R_ACCESS, poke("grant_data", b + 8, 0, 1));
	EXPECT_EQ(DSM_WIRE_R_ACCESS, poke("grant_data", b + 9, 2, 1));
	/* NO_DATA flag disagreeing with the length */
	EXPECT_EQ(DSM_WIRE_R_BODY_LEN, poke("grant_data", b + 9, 1, 1));
	EXPECT_EQ(DSM_WIRE_R_BODY_LEN, poke("grant_nodata", b + 9, 0, 1));
	/* a write grant makes the receiver the owner */
	EXPECT_EQ(DSM_WIRE_R_NODE, poke("grant_data", b + 10, 1, 2));
	EXPECT_EQ(DSM_WIRE_OK, poke("grant_read", b + 10, 3, 2));
	EXPECT_EQ(DSM_WIRE_R_NODE, poke("grant_read", b + 10, DSM_MAX_NODES, 2));
	/* A copyset holds every node id: bit 63 is node 63 (b + 16). */
	EXPECT_EQ(DSM_WIRE_OK, poke("grant_read", b + 16, 1ULL << 63, 8));
	EXPECT_EQ(DSM_WIRE_R_PAGE, poke("inval", b, DSM_MAX_PAGES, 8));
	EXPECT_EQ(DSM_WIRE_R_NODE, poke("inval", b + 8, DSM_MAX_NODES, 2));
	EXPECT_EQ(DSM_WIRE_R_PAGE, poke("inval_ack", b, DSM_MAX_PAGES, 8));
	EXPECT_EQ(DSM_WIRE_R_PAGE, poke("confirm", b, DSM_MAX_PAGES, 8));
	EXPECT_EQ(DSM_WIRE_R_ACCESS, poke("confirm", b + 8, 0, 1));
	EXPECT_EQ(DSM_WIRE_R_FIELD, poke("nack", b, 0, 4));
	EXPECT_EQ(DSM_WIRE_R_FIELD, poke("nack", b, 4096, 4));
	EXPECT_EQ(DSM_WIRE_OK, poke("nack", b, 4095, 4));
	EXPECT_EQ(DSM_WIRE_R_FIELD, poke("nack", b + 4, 0, 1));
	EXPECT_EQ(DSM_WIRE_R_FIELD, poke("nack", b + 4, DSM_MSG_PAGE_GRANT, 1));
	EXPECT_EQ(DSM_WIRE_R_FIELD, poke("nack", b + 4, DSM_MSG_TYPE_MAX + 1,
					 1));
	EXPECT_EQ(DSM_WIRE_OK, poke("nack", b + 4, DSM_MSG_PAGE_REQ, 1));
}

/*
 * lock_grant sample layout (nr_nodes 3): body at 32, ivset header at 40,
 * sender vt at 48, intervals at 64 (creator 0 index 1, 4 notices), 120
 * (0, 4, 1 notice), 152 (1, 2, none), 176 (2, 9, 3 notices); 224 bytes.
 */
TEST(lrc_messages_out_of_range)
{
	EXPECT_EQ(DSM_WIRE_R_NR_NODES, poke("lock_req3", HS + 6, 0, 2));
	EXPECT_EQ(DSM_WIRE_R_NR_NODES, poke("lock_req3", HS + 6, DSM_MAX_NODES + 1, 2));
	EXPECT_EQ(DSM_WIRE_R_BODY_LEN, poke("lock_req3", HS + 6, 5, 2));
	EXPECT_EQ(DSM_WIRE_R_NODE, poke("lock_req3", HS + 4, DSM_MAX_NODES, 2));

	EXPECT_EQ(DSM_WIRE_R_NR_NODES, poke("lock_grant", 40, 0, 2));
	EXPECT_EQ(DSM_WIRE_R_NR_NODES, poke("lock_grant", 40, DSM_MAX_NODES + 1, 2));
	EXPECT_EQ(DSM_WIRE_R_COUNT, poke("lock_grant", 42, 1025, 2));
	EXPECT_EQ(DSM_WIRE_R_BODY_LEN, poke("lock_grant", 42, 5, 2));
	EXPECT_EQ(DSM_WIRE_R_BODY_LEN, poke("lock_grant", 42, 3, 2));
	/* creator out of range, index 0, index != vt[creator] */
	EXPECT_EQ(DSM_WIRE_R_INTERVAL, poke("lock_grant", 64, 3, 2));
	EXPECT_EQ(DSM_WIRE_R_INTERVAL, poke("lock_grant", 68, 0, 4));
	EXPECT_EQ(DSM_WIRE_R_INTERVAL, poke("lock_grant", 68, 2, 4));
	/* interval's vt not covered by the sender's vt */
	EXPECT_EQ(DSM_WIRE_R_INTERVAL, poke("lock_grant", 76, 3, 4));
	EXPECT_EQ(DSM_WIRE_R_INTERVAL, poke("lock_grant", 48 + 8, 8, 4));
	/* ordering: second record a duplicate of the first */
	EXPECT_EQ(DSM_WIRE_R_INTERVAL, poke("lock_grant", 124, 1, 4));
	EXPECT_EQ(DSM_WIRE_R_COUNT, poke("lock_grant", 66,
					 DSM_WIRE_MAX_NOTICES + 1, 2));
	EXPECT_EQ(DSM_WIRE_R_BODY_LEN, poke("lock_grant", 178, 4, 2));
	/* notices: out of range, not ascending */
	EXPECT_EQ(DSM_WIRE_R_PAGE, poke("lock_grant", 88 + 24,
					DSM_MAX_PAGES, 8));
	EXPECT_EQ(DSM_WIRE_R_ORDER, poke("lock_grant", 88 + 8, 0, 8));
	EXPECT_EQ(DSM_WIRE_R_ORDER, poke("lock_grant", 88 + 16, 1, 8));
	/* a duplicate record: the second one made equal to the first */
	{
		int len = sample_of_name("lock_grant");

		memcpy(mut, msg, len);
		put_le(mut + 124, 1, 4);
		put_le(mut + 128, 1, 4);
		EXPECT_EQ(DSM_WIRE_R_ORDER, decode_why(mut, len));
	}
	/* records out of order: swap creators of records 3 and 4 */
	{
		int len = sample_of_name("lock_grant");

		memcpy(mut, msg, len);
		put_le(mut + 152, 2, 2);
		put_le(mut + 176, 1, 2);
		EXPECT_NE(DSM_WIRE_OK, decode_why(mut, len));
	}

	EXPECT_EQ(DSM_WIRE_R_NR_NODES, poke("barrier_arrive", 48, DSM_MAX_NODES + 1, 2));
	EXPECT_EQ(DSM_WIRE_R_NR_NODES, poke("barrier_release", 48, 0, 2));

	EXPECT_EQ(DSM_WIRE_R_PAGE, poke("diff_req", HS, DSM_MAX_PAGES, 8));
	EXPECT_EQ(DSM_WIRE_R_COUNT, poke("diff_req", HS + 8, 0, 2));
	EXPECT_EQ(DSM_WIRE_R_COUNT, poke("diff_req", HS + 8,
					 DSM_WIRE_MAX_DIFFS + 1, 2));
	EXPECT_EQ(DSM_WIRE_R_NODE, poke("diff_req", HS + 16, DSM_MAX_NODES, 2));
	/* interval 0 (the whole page) only as the first id */
	EXPECT_EQ(DSM_WIRE_OK, poke("diff_req", HS + 20, 0, 4));
	EXPECT_EQ(DSM_WIRE_R_INTERVAL, poke("diff_req", HS + 28, 0, 4));
	EXPECT_EQ(DSM_WIRE_R_INTERVAL, poke("diff_req_whole", HS + 28, 0, 4));
	EXPECT_EQ(DSM_WIRE_R_INTERVAL, poke("diff_req", HS + 36, 0, 4));
	EXPECT_EQ(DSM_WIRE_R_ORDER, poke("diff_req", HS + 28, 3, 4));
	EXPECT_EQ(DSM_WIRE_R_ORDER, poke("diff_req", HS + 28, 2, 4));
	EXPECT_EQ(DSM_WIRE_R_ORDER, poke("diff_req", HS + 32, 0, 2));

	EXPECT_EQ(DSM_WIRE_R_PAGE, poke("diff_reply", HS, DSM_MAX_PAGES, 8));
	EXPECT_EQ(DSM_WIRE_R_COUNT, poke("diff_reply", HS + 8, 0, 2));
	EXPECT_EQ(DSM_WIRE_R_COUNT, poke("diff_reply", HS + 8, 17, 2));
	EXPECT_EQ(DSM_WIRE_R_BODY_LEN, poke("diff_reply", HS + 8, 3, 2));
	/*
	 * The embedded diff (runs 0, 100 .. 102, 4095): format, a size that
	 * cuts the first run, the second run's gap past the page, a size
	 * past the message.
	 */
	EXPECT_EQ(DSM_WIRE_R_DIFF, poke("diff_reply", HS + 24, 9, 1));
	EXPECT_EQ(DSM_WIRE_R_DIFF, poke("diff_reply", HS + 24 + 2, 5, 2));
	EXPECT_EQ(DSM_WIRE_R_DIFF, poke("diff_reply", HS + 24 + 6, 0xffff, 2));
	EXPECT_EQ(DSM_WIRE_R_BODY_LEN, poke("diff_reply", HS + 24 + 2, 0xffff,
					    2));
}

TEST(encoder_misuse)
{
	struct dsm_msg_hdr h = { .version = DSM_WIRE_VERSION_MAX, .src = 0, .dst = 1 };
	struct dsm_msg_inval inval = { .page = 1 };
	struct dsm_msg_page_req req = { .page = 1, .access = 9 };
	struct dsm_interval iv;
	struct dsm_wire_enc e;
	struct dsm_vt vt;
	u32 k;

	h.type = 0;
	dsm_wire_enc_begin(&e, msg, sizeof(msg), &h);
	EXPECT_EQ(-EINVAL, dsm_wire_enc_end(&e));
	h.type = DSM_MSG_TYPE_MAX + 1;
	dsm_wire_enc_begin(&e, msg, sizeof(msg), &h);
	EXPECT_EQ(-EINVAL, dsm_wire_enc_end(&e));
	/* no body */
	h.type = DSM_MSG_INVAL;
	dsm_wire_enc_begin(&e, msg, sizeof(msg), &h);
	EXPECT_EQ(-EINVAL, dsm_wire_enc_end(&e));
	/* body of another type; two bodies */
	dsm_wire_enc_begin(&e, msg, sizeof(msg), &h);
	dsm_wire_enc_inval_ack(&e, (struct dsm_msg_inval_ack *)&inval);
	EXPECT_EQ(-EINVAL, dsm_wire_enc_end(&e));
	dsm_wire_enc_begin(&e, msg, sizeof(msg), &h);
	dsm_wire_enc_inval(&e, &inval);
	dsm_wire_enc_inval(&e, &inval);
	EXPECT_EQ(-EINVAL, dsm_wire_enc_end(&e));
	/* list entry without a list */
	dsm_wire_enc_begin(&e, msg, sizeof(msg), &h);
	dsm_wire_enc_inval(&e, &inval);
	dsm_wire_enc_want(&e, 0, 1);
	EXPECT_EQ(-EINVAL, dsm_wire_enc_end(&e));
	/* a value the decoder refuses: caught by the self-check */
	h.type = DSM_MSG_PAGE_REQ;
	dsm_wire_enc_begin(&e, msg, sizeof(msg), &h);
	dsm_wire_enc_page_req(&e, &req);
	EXPECT_EQ(-EINVAL, dsm_wire_enc_end(&e));
	h.type = DSM_MSG_INVAL;
	h.dst = 0;
	dsm_wire_enc_begin(&e, msg, sizeof(msg), &h);
	dsm_wire_enc_inval(&e, &inval);
	EXPECT_EQ(-EINVAL, dsm_wire_enc_end(&e));
	h.dst = 1;
	/* too many wants */
	h.type = DSM_MSG_DIFF_REQ;
	dsm_wire_enc_begin(&e, msg, sizeof(msg), &h);
	dsm_wire_enc_diff_req(&e, 0);
	for (k = 0; k <= DSM_WIRE_MAX_DIFFS; k++)
		dsm_wire_enc_want(&e, 0, k + 1);
	EXPECT_EQ(-EINVAL, dsm_wire_enc_end(&e));
	/* an empty want list is refused by the decoder */
	dsm_wire_enc_begin(&e, msg, sizeof(msg), &h);
	dsm_wire_enc_diff_req(&e, 0);
	EXPECT_EQ(-EINVAL, dsm_wire_enc_end(&e));
	/* wants out of order */
	dsm_wire_enc_begin(&e, msg, sizeof(msg), &h);
	dsm_wire_enc_diff_req(&e, 0);
	dsm_wire_enc_want(&e, 1, 1);
	dsm_wire_enc_want(&e, 0, 1);
	EXPECT_EQ(-EINVAL, dsm_wire_enc_end(&e));
	/* interval sets: zero-width vt, interval wider than the set */
	h.type = DSM_MSG_LOCK_GRANT;
	dsm_vt_init(&vt, 0);
	dsm_wire_enc_begin(&e, msg, sizeof(msg), &h);
	dsm_wire_enc_lock_grant(&e, 0, 1, &vt);
	EXPECT_EQ(-EINVAL, dsm_wire_enc_end(&e));
	dsm_vt_init(&vt, 2);
	vt.c[1] = 1;
	memset(&iv, 0, sizeof(iv));
	dsm_vt_init(&iv.vt, 3);
	iv.creator = 2;
	iv.index = 1;
	iv.vt.c[2] = 1;
	dsm_wire_enc_begin(&e, msg, sizeof(msg), &h);
	dsm_wire_enc_lock_grant(&e, 0, 1, &vt);
	dsm_wire_enc_interval(&e, &iv);
	EXPECT_EQ(-EINVAL, dsm_wire_enc_end(&e));
	/* an interval the sender's vt does not cover */
	iv.vt.n = 2;
	iv.creator = 1;
	iv.index = 2;
	iv.vt.c[1] = 2;
	iv.vt.c[2] = 0;
	dsm_wire_enc_begin(&e, msg, sizeof(msg), &h);
	dsm_wire_enc_lock_grant(&e, 0, 1, &vt);
	dsm_wire_enc_interval(&e, &iv);
	EXPECT_EQ(-EINVAL, dsm_wire_enc_end(&e));
}

/* Every buffer size below a message's length: -ENOSPC, no overrun. */
TEST(encoder_short_buffer)
{
	static u8 full[DSM_WIRE_MAX_MSG];
	struct dsm_msg m;
	const char *name;
	unsigned int i;
	int len, size;

	for (i = 0; (len = sample(i, &name)) > 0; i++) {
		memcpy(full, msg, len);
		ASSERT_EQ(0, dsm_wire_decode(full, len, &m, NULL));
		for (size = 0; size < len; size += size < 64 ? 1 : 61) {
			/* exactly @size bytes on the heap: ASan sees overruns */
			u8 *buf = malloc(size ? size : 1);

			ASSERT_NE(NULL, buf);
			EXPECT_EQ(-ENOSPC, dsm_test_reencode(&m, buf, size))
				TH_LOG("%s size %d", name, size);
			free(buf);
		}
		{
			u8 *buf = malloc(len);

			ASSERT_NE(NULL, buf);
			EXPECT_EQ(len, dsm_test_reencode(&m, buf, len));
			EXPECT_EQ(0, memcmp(buf, full, len));
			free(buf);
		}
	}
}

/* The largest messages: 16 worst-case diffs fit; limits are enforced. */
TEST(limits)
{
	static u8 twin[DSM_PAGE_SIZE], page[DSM_PAGE_SIZE];
	static u8 d[DSM_DIFF_MAX_SIZE];
	static u64 pages[DSM_WIRE_MAX_NOTICES];
	struct dsm_msg_hdr h = { .version = DSM_WIRE_VERSION_MAX, .src = 3, .dst = 4 };
	struct dsm_interval iv;
	struct dsm_wire_enc e;
	struct dsm_vt vt;
	struct dsm_msg m;
	int dlen, len;
	u32 k;

	/*
	 * The largest diff the decoder takes: the bitmap of every byte (the
	 * encoder makes runs of it, smaller; see dsm_diff.h).
	 */
	memset(d, 0xff, sizeof(d));
	d[0] = DSM_DIFF_BITMAP;
	d[1] = 0;
	d[2] = (u8)DSM_DIFF_MAX_SIZE;
	d[3] = (u8)(DSM_DIFF_MAX_SIZE >> 8);
	dlen = DSM_DIFF_MAX_SIZE;
	memset(page, 0xff, sizeof(page));
	ASSERT_EQ(0, dsm_diff_apply(twin, d, dlen));
	ASSERT_EQ(0, memcmp(twin, page, sizeof(page)));
	h.type = DSM_MSG_DIFF_REPLY;
	dsm_wire_enc_begin(&e, msg, sizeof(msg), &h);
	dsm_wire_enc_diff_reply(&e, 1);
	for (k = 0; k < DSM_WIRE_MAX_DIFFS; k++)
		dsm_wire_enc_diff(&e, k / 2, k + 1, d, dlen);
	len = dsm_wire_enc_end(&e);
	ASSERT_GT(len, 0);
	ASSERT_EQ(0, dsm_wire_decode(msg, len, &m, NULL));
	dsm_fuzz_check_wire(msg, len);

	/* one interval with the most notices fits */
	for (k = 0; k < DSM_WIRE_MAX_NOTICES; k++)
		pages[k] = 3 * k;
	dsm_vt_init(&vt, 8);
	vt.c[5] = 1;
	memset(&iv, 0, sizeof(iv));
	iv.vt = vt;
	iv.creator = 5;
	iv.index = 1;
	iv.notices = pages;
	iv.nr_notices = DSM_WIRE_MAX_NOTICES;
	h.type = DSM_MSG_BARRIER_RELEASE;
	dsm_wire_enc_begin(&e, msg, sizeof(msg), &h);
	dsm_wire_enc_barrier(&e, 0, 1, 2, &vt);
	dsm_wire_enc_interval(&e, &iv);
	len = dsm_wire_enc_end(&e);
	ASSERT_GT(len, 0);
	dsm_fuzz_check_wire(msg, len);
	/* more than DSM_WIRE_MAX_MSG bytes of notices do not */
	dsm_wire_enc_begin(&e, msg, sizeof(msg), &h);
	vt.c[5] = 4;
	dsm_wire_enc_barrier(&e, 0, 1, 2, &vt);
	for (k = 1; k <= 4; k++) {
		iv.index = k;
		iv.vt.c[5] = k;
		dsm_wire_enc_interval(&e, &iv);
	}
	EXPECT_EQ(-ENOSPC, dsm_wire_enc_end(&e));
}

TEST(names_and_errnos)
{
	unsigned int r, s;

	for (r = 0; r < DSM_WIRE_R_NR; r++) {
		EXPECT_STRNE("unknown", dsm_wire_reject_name(r));
		for (s = 0; s < r; s++)
			EXPECT_STRNE(dsm_wire_reject_name(s),
				     dsm_wire_reject_name(r));
		if (r)
			EXPECT_LT(dsm_wire_reject_errno(r), 0);
	}
	EXPECT_EQ(0, dsm_wire_reject_errno(DSM_WIRE_OK));
	EXPECT_STREQ("unknown", dsm_wire_reject_name(DSM_WIRE_R_NR));
	for (r = 1; r <= DSM_MSG_TYPE_MAX; r++)
		EXPECT_STRNE("unknown", dsm_wire_type_name(r));
	EXPECT_STREQ("unknown", dsm_wire_type_name(0));
	EXPECT_STREQ("unknown", dsm_wire_type_name(DSM_MSG_TYPE_MAX + 1));
	EXPECT_FALSE(dsm_wire_type_is_reply(DSM_MSG_PAGE_REQ));
	EXPECT_TRUE(dsm_wire_type_is_reply(DSM_MSG_PAGE_GRANT));
	EXPECT_FALSE(dsm_wire_type_is_reply(0));
	EXPECT_FALSE(dsm_wire_type_is_reply(200));
}

/* ---- dsm_wire_ivset_fit(): cutting an interval set into messages ---- */

static const u8 set_types[] = {
	DSM_MSG_LOCK_GRANT, DSM_MSG_BARRIER_ARRIVE, DSM_MSG_BARRIER_RELEASE,
};

/* Ascending page numbers, the notices of every test record. */
static u64 fit_pages[DSM_WIRE_MAX_NOTICES];

/* Encode a message of @type carrying @ivs[@pos .. @end) under @vt. */
static int enc_set(u8 type, const struct dsm_vt *vt,
		   const struct dsm_interval *const *ivs, u32 pos, u32 end,
		   u8 *buf, u32 size)
{
	struct dsm_msg_hdr h = { .version = DSM_WIRE_VERSION_MAX, .type = type, .dst = 1 };
	struct dsm_wire_enc e;
	u32 i;

	dsm_wire_enc_begin(&e, buf, size, &h);
	if (type == DSM_MSG_LOCK_GRANT)
		dsm_wire_enc_lock_grant(&e, 0, 7, vt);
	else
		dsm_wire_enc_barrier(&e, 0, 7, 3, vt);
	for (i = pos; i < end; i++)
		dsm_wire_enc_interval(&e, ivs[i]);
	return dsm_wire_enc_end(&e);
}

/*
 * @nr records of creator 0 (indices 1 .. @nr) in a set of width @n, record
 * i with @notices(i) notices; @vt covers them all, and one interval of
 * node @n - 1 so that its significant width, the set's, is @n.
 */
static void mkset(struct dsm_interval *iv, const struct dsm_interval **p,
		  u32 nr, u32 n, u32 (*notices)(u32), struct dsm_vt *vt)
{
	u32 i;

	for (i = 0; i < DSM_WIRE_MAX_NOTICES; i++)
		fit_pages[i] = 2 * i + 1;
	dsm_vt_init(vt, n);
	vt->c[0] = nr;
	if (n > 1)
		vt->c[n - 1] = 1;
	for (i = 0; i < nr; i++) {
		memset(&iv[i], 0, sizeof(iv[i]));
		dsm_vt_init(&iv[i].vt, n);
		iv[i].index = i + 1;
		iv[i].vt.c[0] = i + 1;
		iv[i].nr_notices = notices(i);
		iv[i].notices = fit_pages;
		p[i] = &iv[i];
	}
}

static u32 notices_none(u32 i)
{
	(void)i;
	return 0;
}

static u32 notices_3(u32 i)
{
	(void)i;
	return 3;
}

static u32 notices_most(u32 i)
{
	(void)i;
	return DSM_WIRE_MAX_NOTICES;
}

TEST(ivset_fit_arguments)
{
	struct dsm_interval iv[4];
	const struct dsm_interval *p[4];
	struct dsm_vt vt;
	u32 t;

	mkset(iv, p, 4, 2, notices_3, &vt);
	EXPECT_EQ(-EINVAL, dsm_wire_ivset_fit(0, 2, p, 0, 4, 60000));
	EXPECT_EQ(-EINVAL, dsm_wire_ivset_fit(DSM_MSG_LOCK_REQ, 2, p, 0, 4,
					      60000));
	EXPECT_EQ(-EINVAL, dsm_wire_ivset_fit(DSM_MSG_DIFF_REPLY, 2, p, 0, 4,
					      60000));
	for (t = 0; t < ARRAY_SIZE(set_types); t++) {
		EXPECT_EQ(-EINVAL, dsm_wire_ivset_fit(set_types[t], 0, p, 0,
						      4, 60000));
		EXPECT_EQ(-EINVAL, dsm_wire_ivset_fit(set_types[t],
						      DSM_MAX_NODES + 1, p, 0,
						      4, 60000));
		EXPECT_EQ(-EINVAL, dsm_wire_ivset_fit(set_types[t], 2, p, 3,
						      2, 60000));
		EXPECT_EQ(-EINVAL, dsm_wire_ivset_fit(set_types[t], 2, p,
						      1U << 31, 1U << 31,
						      60000));
		/* Nothing left: an empty fragment, records never read. */
		EXPECT_EQ(0, dsm_wire_ivset_fit(set_types[t], 2, NULL, 0, 0,
						60000));
		EXPECT_EQ(4, dsm_wire_ivset_fit(set_types[t], 2, p, 4, 4, 0));
		/* Everything fits. */
		EXPECT_EQ(4, dsm_wire_ivset_fit(set_types[t], 2, p, 0, 4,
						60000));
		EXPECT_EQ(4, dsm_wire_ivset_fit(set_types[t], 2, p, 1, 4,
						60000));
	}
}

/*
 * At every width and for every type, the budget is compared with the
 * exact message size: header 32, body 8 (LOCK_GRANT) or 16 (barriers),
 * set header 8, the set's
 * timestamp, then per record 8, its timestamp at the set's width and 8
 * per notice.
 */
TEST(ivset_fit_exact_budget)
{
	static u8 buf[DSM_WIRE_MAX_MSG];
	struct dsm_interval iv[3];
	const struct dsm_interval *p[3];
	struct dsm_vt vt;
	u32 n, t, hdr, rec;

	for (n = 1; n <= DSM_MAX_NODES; n++) {
		mkset(iv, p, 3, n, notices_3, &vt);
		ASSERT_EQ(n, dsm_vt_width(&vt));
		rec = 8 + DSM_WIRE_VT_SIZE(n) + 3 * 8;
		for (t = 0; t < ARRAY_SIZE(set_types); t++) {
			u8 ty = set_types[t];

			hdr = 32 + (ty == DSM_MSG_LOCK_GRANT ? 8 : 16) + 8 +
			      DSM_WIRE_VT_SIZE(n);
			ASSERT_EQ((int)(hdr + 2 * rec),
				  enc_set(ty, &vt, p, 0, 2, buf, sizeof(buf)));
			EXPECT_EQ(-EMSGSIZE,
				  dsm_wire_ivset_fit(ty, n, p, 0, 3,
						     hdr + rec - 1));
			EXPECT_EQ(1, dsm_wire_ivset_fit(ty, n, p, 0, 3,
							hdr + rec));
			EXPECT_EQ(1, dsm_wire_ivset_fit(ty, n, p, 0, 3,
							hdr + 2 * rec - 1));
			EXPECT_EQ(2, dsm_wire_ivset_fit(ty, n, p, 0, 3,
							hdr + 2 * rec));
			EXPECT_EQ(3, dsm_wire_ivset_fit(ty, n, p, 1, 3,
							hdr + 2 * rec));
			EXPECT_EQ(-EMSGSIZE,
				  dsm_wire_ivset_fit(ty, n, p, 0, 3, hdr));
			EXPECT_EQ(-EMSGSIZE,
				  dsm_wire_ivset_fit(ty, n, p, 0, 3, 0));
		}
	}
}

/* At most DSM_WIRE_MAX_INTERVALS records per message, however small. */
TEST(ivset_fit_max_intervals)
{
	static struct dsm_interval iv[3000];
	static const struct dsm_interval *p[3000];
	struct dsm_vt vt;

	mkset(iv, p, 3000, 1, notices_none, &vt);
	EXPECT_EQ(DSM_WIRE_MAX_INTERVALS,
		  dsm_wire_ivset_fit(DSM_MSG_LOCK_GRANT, 1, p, 0, 3000,
				     DSM_WIRE_MAX_MSG));
	EXPECT_EQ(DSM_WIRE_MAX_INTERVALS + 5,
		  dsm_wire_ivset_fit(DSM_MSG_LOCK_GRANT, 1, p, 5, 3000,
				     DSM_WIRE_MAX_MSG));
	EXPECT_EQ(3000, dsm_wire_ivset_fit(DSM_MSG_LOCK_GRANT, 1, p, 2000,
					   3000, DSM_WIRE_MAX_MSG));
}

/*
 * A budget above DSM_WIRE_MAX_MSG counts as DSM_WIRE_MAX_MSG, the most
 * the encoder writes: three records of 8192 notices fit, a fourth not.
 */
TEST(ivset_fit_budget_clamped)
{
	static u8 buf[DSM_WIRE_MAX_MSG];
	struct dsm_interval iv[5];
	const struct dsm_interval *p[5];
	struct dsm_vt vt;

	mkset(iv, p, 5, 8, notices_most, &vt);
	EXPECT_EQ(3, dsm_wire_ivset_fit(DSM_MSG_BARRIER_ARRIVE, 8, p, 0, 5,
					DSM_WIRE_MAX_MSG));
	EXPECT_EQ(3, dsm_wire_ivset_fit(DSM_MSG_BARRIER_ARRIVE, 8, p, 0, 5,
					U32_MAX));
	EXPECT_GT(enc_set(DSM_MSG_BARRIER_ARRIVE, &vt, p, 0, 3, buf,
			  sizeof(buf)), 0);
	EXPECT_EQ(-ENOSPC, enc_set(DSM_MSG_BARRIER_ARRIVE, &vt, p, 0, 4, buf,
				   sizeof(buf)));
	/* One such record is more than a manager payload. */
	EXPECT_EQ(-EMSGSIZE, dsm_wire_ivset_fit(DSM_MSG_BARRIER_ARRIVE, 8, p,
						0, 5, 60000));
}

/*
 * Random sets, widths and budgets, cut into fragments until the end:
 * each fragment encodes within the budget, and one record more would not
 * (the encoder runs out of room, or of the record limit). A record that
 * fits nowhere is one the encoder cannot fit alone either. The sets' last
 * nodes may have no interval: the fit is asked at the width the encoder
 * sends, the timestamp's significant one. The length the fit gives
 * (dsm_wire_ivset_fit_len()) is the encoder's to the byte: a buffer of
 * exactly that size takes the fragment, one byte less does not.
 */
TEST(ivset_fit_matches_encoder)
{
	enum { MAXR = 2500 };
	static struct dsm_interval iv[MAXR];
	static const struct dsm_interval *p[MAXR];
	u32 trial, frags = 0, toolarge = 0, trimmed = 0;
	struct dsm_rng rng;

	for (trial = 0; trial < 300; trial++) {
		u32 n, nr, c, i, r, k = 0, pos = 0, budget, size;
		struct dsm_vt vt;
		bool small;
		int end;
		u8 *buf;

		dsm_rng_seed(&rng, trial);
		/* A quarter of the sets: few notices, many records a message. */
		small = !dsm_rng_below(&rng, 4);
		mkset(iv, p, 0, 1, notices_none, &vt);	/* the pages */
		n = 1 + dsm_rng_below(&rng, DSM_MAX_NODES);
		nr = 1 + dsm_rng_below(&rng, MAXR);
		dsm_vt_init(&vt, n);
		for (c = 0; c < n; c++) {
			u32 cnt = c + 1 < n ? dsm_rng_below(&rng, nr / n + 1) :
				  nr - k;

			for (i = 1; i <= cnt && k < nr; i++, k++) {
				memset(&iv[k], 0, sizeof(iv[k]));
				dsm_vt_init(&iv[k].vt, n);
				iv[k].creator = c;
				iv[k].index = i;
				iv[k].vt.c[c] = i;
				iv[k].notices = fit_pages;
				r = small ? 1000 : dsm_rng_below(&rng, 1000);
				iv[k].nr_notices =
					r < 3 ? dsm_rng_below(&rng, 8000) :
					r < 100 ? dsm_rng_below(&rng, 1000) :
					dsm_rng_below(&rng, small ? 4 : 40);
				p[k] = &iv[k];
			}
			vt.c[c] = i - 1;
		}
		nr = k;
		/* A third of the sets: timestamps wider, zeros beyond. */
		if (!dsm_rng_below(&rng, 3)) {
			vt.n = n + dsm_rng_below(&rng, DSM_MAX_NODES - n + 1);
			for (i = 0; i < nr; i++)
				iv[i].vt.n = vt.n;
		}
		trimmed += dsm_vt_width(&vt) < vt.n;
		switch (dsm_rng_below(&rng, 4)) {
		case 0:
			budget = U32_MAX;
			break;
		case 1:
			budget = 60000;
			break;
		default:
			budget = 200 + dsm_rng_below(&rng, 70000);
		}
		size = budget > DSM_WIRE_MAX_MSG ? DSM_WIRE_MAX_MSG : budget;
		buf = malloc(size);	/* exactly: ASan sees overruns */
		ASSERT_NE(NULL, buf);
		do {
			u8 ty = set_types[dsm_rng_below(&rng, 3)];
			u32 want = 0;
			u8 *exact;
			int len;

			end = dsm_wire_ivset_fit_len(ty, dsm_vt_width(&vt), p,
						     pos, nr, budget, &want);
			if (end == -EMSGSIZE) {
				EXPECT_EQ(-ENOSPC, enc_set(ty, &vt, p, pos,
							   pos + 1, buf, size));
				toolarge++;
				break;
			}
			ASSERT_GE(end, (int)pos) TH_LOG("trial %u", trial);
			ASSERT_TRUE(end > (int)pos || pos == nr);
			ASSERT_EQ(end, dsm_wire_ivset_fit(ty, dsm_vt_width(&vt),
							  p, pos, nr, budget));
			len = enc_set(ty, &vt, p, pos, end, buf, size);
			ASSERT_GT(len, 0) TH_LOG("trial %u pos %u end %d",
						 trial, pos, end);
			ASSERT_LE((u32)len, size);
			/* The size it gives is the encoder's, to the byte. */
			ASSERT_EQ((u32)len, want) TH_LOG("trial %u pos %u end %d",
							 trial, pos, end);
			exact = malloc(want);	/* a sender's buffer: no more */
			ASSERT_NE(NULL, exact);
			EXPECT_EQ(len, enc_set(ty, &vt, p, pos, end, exact,
					       want));
			EXPECT_EQ(0, memcmp(exact, buf, want));
			if (want > 1)
				EXPECT_EQ(-ENOSPC, enc_set(ty, &vt, p, pos, end,
							   exact, want - 1));
			free(exact);
			if ((u32)end < nr) {
				EXPECT_EQ(end - pos == DSM_WIRE_MAX_INTERVALS ?
					  -EINVAL : -ENOSPC,
					  enc_set(ty, &vt, p, pos, end + 1, buf,
						  size))
					TH_LOG("trial %u pos %u end %d", trial,
					       pos, end);
			}
			frags++;
			pos = end;
		} while (pos < nr);
		free(buf);
	}
	TH_LOG("%u fragments, %u sets with a record too large, %u sent narrower than their n",
	       frags, toolarge, trimmed);
	EXPECT_GT(toolarge, 0U);
	EXPECT_GT(frags, 600U);
	EXPECT_GT(trimmed, 0U);
}

/* ---- timestamps sent at their significant width (dsm_vt_width()) ---- */

/* Node i's entry of the timestamps below: nodes 0 .. 2 only. */
static const u32 vt_w3[3] = { 5, 2, 7 };

/* @vt: the 3-node timestamp above, @n wide (zeros from 3 on). */
static void vt_of_3(struct dsm_vt *vt, u32 n)
{
	dsm_vt_init(vt, n);
	memcpy(vt->c, vt_w3, sizeof(vt_w3));
}

/* A LOCK_REQ with timestamp @vt into @buf; its length. */
static int enc_lock_req(const struct dsm_vt *vt, u8 *buf, u32 size)
{
	struct dsm_msg_hdr h = { .version = DSM_WIRE_VERSION_MAX,
				 .type = DSM_MSG_LOCK_REQ, .src = 1,
				 .dst = 2, .req_id = 9 };
	struct dsm_msg_lock_req b = { .lock_id = 3, .requester = 1,
				      .req_id = 9, .region = 4, .vt = *vt };
	struct dsm_wire_enc e;

	dsm_wire_enc_begin(&e, buf, size, &h);
	dsm_wire_enc_lock_req(&e, &b);
	return dsm_wire_enc_end(&e);
}

/*
 * Copy the @n-wide timestamp at @in to @out at width @to >= @n, zeros
 * beyond; advances both.
 */
static void widen_vt(const u8 **in, u8 **out, u32 n, u32 to)
{
	memset(*out, 0, DSM_WIRE_VT_SIZE(to));
	memcpy(*out, *in, 4 * n);
	*in += DSM_WIRE_VT_SIZE(n);
	*out += DSM_WIRE_VT_SIZE(to);
}

/*
 * The message @in of @len bytes, a LOCK_REQ or a message with an interval
 * set (@body bytes of body before the set; 24 for a LOCK_REQ), with every
 * timestamp widened to @to entries: what a sender that sends all its
 * entries sends. Return: its length.
 */
static int widen_msg(const u8 *in, int len, u32 body, u32 to, u8 *out)
{
	const u8 *p = in + HS + body, *end = in + len;
	u8 *q = out + HS + body;
	u32 n, k, nr, notices;

	memcpy(out, in, HS + body);
	if (in[6] == DSM_MSG_LOCK_REQ) {
		n = in[HS + 6] | in[HS + 7] << 8;
		out[HS + 6] = (u8)to;
		out[HS + 7] = 0;
		widen_vt(&p, &q, n, to);
	} else {
		n = p[0] | p[1] << 8;
		nr = p[2] | p[3] << 8;
		memcpy(q, p, 8);
		q[0] = (u8)to;
		q[1] = 0;
		p += 8;
		q += 8;
		widen_vt(&p, &q, n, to);
		for (k = 0; k < nr; k++) {
			notices = p[2] | p[3] << 8;
			memcpy(q, p, 8);
			p += 8;
			q += 8;
			widen_vt(&p, &q, n, to);
			memcpy(q, p, 8 * notices);
			p += 8 * notices;
			q += 8 * notices;
		}
	}
	if (p != end)
		abort();
	dsm_test_set_len(out, q - out);
	return q - out;
}

/*
 * A 64-wide timestamp of a 3-node cluster goes out as a 3-wide one, byte
 * for byte: header 32, body 24, 16 bytes of timestamp (not 256), and
 * decodes to a timestamp equal to the original.
 */
TEST(vt_width_lock_req)
{
	static u8 wide[1024], narrow[1024];
	struct dsm_vt v64, v3;
	struct dsm_msg m;
	int len;

	vt_of_3(&v64, DSM_MAX_NODES);
	vt_of_3(&v3, 3);
	len = enc_lock_req(&v64, wide, sizeof(wide));
	ASSERT_EQ(HS + 24 + (int)DSM_WIRE_VT_SIZE(3), len);
	ASSERT_EQ(len, enc_lock_req(&v3, narrow, sizeof(narrow)));
	EXPECT_EQ(0, memcmp(wide, narrow, len));
	TH_LOG("LOCK_REQ of a 3-node cluster: %d bytes (%u at n = %u)", len,
	       HS + 24 + DSM_WIRE_VT_SIZE(DSM_MAX_NODES), DSM_MAX_NODES);
	ASSERT_EQ(0, dsm_wire_decode(wide, len, &m, NULL));
	EXPECT_EQ(3U, m.u.lock_req.vt.n);
	EXPECT_EQ(DSM_VT_EQUAL, dsm_vt_compare(&m.u.lock_req.vt, &v64));
	EXPECT_EQ(DSM_VT_EQUAL, dsm_vt_compare(&m.u.lock_req.vt, &v3));
	dsm_fuzz_check_wire(wide, len);
	/* All 64 entries sent, as before: the same request, 312 bytes. */
	ASSERT_EQ(HS + 24 + 256, widen_msg(narrow, len, 24, 64, wide));
	ASSERT_EQ(0, dsm_wire_decode(wide, HS + 24 + 256, &m, NULL));
	EXPECT_EQ(64U, m.u.lock_req.vt.n);
	EXPECT_EQ(DSM_VT_EQUAL, dsm_vt_compare(&m.u.lock_req.vt, &v3));
	EXPECT_EQ(len, dsm_test_reencode(&m, wide, sizeof(wide)));
	EXPECT_EQ(0, memcmp(wide, narrow, len));
	ASSERT_EQ(HS + 24 + 256, widen_msg(narrow, len, 24, 64, wide));
	dsm_fuzz_check_wire(wide, HS + 24 + 256);
	/* The zero timestamp: one entry and its padding. */
	dsm_vt_init(&v64, DSM_MAX_NODES);
	EXPECT_EQ(HS + 24 + 8, enc_lock_req(&v64, wide, sizeof(wide)));
	ASSERT_EQ(0, dsm_wire_decode(wide, HS + 24 + 8, &m, NULL));
	EXPECT_EQ(1U, m.u.lock_req.vt.n);
	EXPECT_EQ(DSM_VT_EQUAL, dsm_vt_compare(&m.u.lock_req.vt, &v64));
	/* Node 63's entry set: all 64 go. */
	v64.c[63] = 1;
	EXPECT_EQ(HS + 24 + 256, enc_lock_req(&v64, wide, sizeof(wide)));
	/* A zero-width or oversized timestamp is still refused. */
	dsm_vt_init(&v64, 0);
	EXPECT_EQ(-EINVAL, enc_lock_req(&v64, wide, sizeof(wide)));
	vt_of_3(&v64, DSM_MAX_NODES);
	v64.n = DSM_MAX_NODES + 1;
	EXPECT_EQ(-EINVAL, enc_lock_req(&v64, wide, sizeof(wide)));
}

static u64 grant_pages[2][2] = { { 10, 11 }, { 12, 0 } };

/*
 * A LOCK_GRANT at @n wide with two records of nodes 0 and 2 (the second
 * with @rec_n entries); @rec_n 0: the records as wide as the set.
 */
static int enc_grant(u32 n, u32 rec_n, u8 *buf, u32 size,
		     struct dsm_interval iv[2])
{
	struct dsm_msg_hdr h = { .version = DSM_WIRE_VERSION_MAX,
				 .type = DSM_MSG_LOCK_GRANT, .src = 2,
				 .dst = 1, .req_id = 9,
				 .flags = DSM_WIRE_F_REPLY };
	struct dsm_wire_enc e;
	struct dsm_vt vt;

	vt_of_3(&vt, n);
	memset(iv, 0, 2 * sizeof(*iv));
	dsm_vt_init(&iv[0].vt, n);
	iv[0].creator = 0;
	iv[0].index = 4;
	iv[0].vt.c[0] = 4;
	iv[0].vt.c[1] = 2;
	iv[0].notices = grant_pages[0];
	iv[0].nr_notices = 2;
	dsm_vt_init(&iv[1].vt, rec_n ? rec_n : n);
	iv[1].creator = 2;
	iv[1].index = 7;
	iv[1].vt.c[2] = 7;
	iv[1].notices = grant_pages[1];
	iv[1].nr_notices = 1;
	dsm_wire_enc_begin(&e, buf, size, &h);
	dsm_wire_enc_lock_grant(&e, 0, 3, &vt);
	dsm_wire_enc_interval(&e, &iv[0]);
	dsm_wire_enc_interval(&e, &iv[1]);
	return dsm_wire_enc_end(&e);
}

/*
 * A LOCK_GRANT with two records, timestamps 64 wide with entries only for
 * nodes 0 .. 2: the bytes of the 3-wide one, header 32, body 8, set 8,
 * then 16 bytes per timestamp (not 256); decoded, the set's and the
 * records' timestamps equal the originals.
 */
TEST(vt_width_lock_grant)
{
	static u8 wide[4096], narrow[4096];
	struct dsm_interval iv[2], iv3[2];
	struct dsm_msg_interval mi;
	struct dsm_msg_iter it;
	const u32 vs = DSM_WIRE_VT_SIZE(3), vs64 = DSM_WIRE_VT_SIZE(64);
	struct dsm_vt vt;
	struct dsm_msg m;
	int len, i = 0;

	len = enc_grant(DSM_MAX_NODES, 0, wide, sizeof(wide), iv);
	ASSERT_EQ((int)(HS + 8 + 8 + vs + (8 + vs + 16) + (8 + vs + 8)), len);
	ASSERT_EQ(len, enc_grant(3, 0, narrow, sizeof(narrow), iv3));
	EXPECT_EQ(0, memcmp(wide, narrow, len));
	/* Records of any n with nothing beyond the set's width: the same. */
	ASSERT_EQ(len, enc_grant(DSM_MAX_NODES, 3, narrow, sizeof(narrow),
				 iv3));
	EXPECT_EQ(0, memcmp(wide, narrow, len));
	ASSERT_EQ(len, enc_grant(3, DSM_MAX_NODES, narrow, sizeof(narrow),
				 iv3));
	EXPECT_EQ(0, memcmp(wide, narrow, len));
	TH_LOG("LOCK_GRANT of a 3-node cluster with 2 records: %d bytes (%u at n = %u)",
	       len, HS + 8 + 8 + vs64 + (8 + vs64 + 16) + (8 + vs64 + 8),
	       DSM_MAX_NODES);
	ASSERT_EQ(0, dsm_wire_decode(wide, len, &m, NULL));
	vt_of_3(&vt, DSM_MAX_NODES);
	EXPECT_EQ(3U, m.u.lock_grant.iv.vt.n);
	EXPECT_EQ(DSM_VT_EQUAL, dsm_vt_compare(&m.u.lock_grant.iv.vt, &vt));
	ASSERT_EQ(2, m.u.lock_grant.iv.nr_intervals);
	dsm_msg_iter_intervals(&m.u.lock_grant.iv, &it);
	while (dsm_msg_next_interval(&it, &mi)) {
		ASSERT_LT(i, 2);
		EXPECT_EQ(iv[i].creator, mi.creator);
		EXPECT_EQ(iv[i].index, mi.index);
		EXPECT_EQ(iv[i].nr_notices, mi.nr_notices);
		EXPECT_EQ(iv[i].notices[0], dsm_msg_notice(&mi, 0));
		EXPECT_EQ(3U, mi.vt.n);
		EXPECT_EQ(DSM_VT_EQUAL, dsm_vt_compare(&mi.vt, &iv[i].vt));
		i++;
	}
	EXPECT_EQ(2, i);
	dsm_fuzz_check_wire(wide, len);
	/*
	 * All 64 entries sent, as before: 856 bytes that decode to the same
	 * grant, and re-encode to the 3-wide one.
	 */
	ASSERT_EQ((int)(HS + 8 + 8 + vs64 + (8 + vs64 + 16) + (8 + vs64 + 8)),
		  widen_msg(narrow, len, 8, 64, wide));
	ASSERT_EQ(0, dsm_wire_decode(wide, 856, &m, NULL));
	EXPECT_EQ(64U, m.u.lock_grant.iv.vt.n);
	EXPECT_EQ(DSM_VT_EQUAL, dsm_vt_compare(&m.u.lock_grant.iv.vt, &vt));
	EXPECT_EQ(len, dsm_test_reencode(&m, mut, sizeof(mut)));
	EXPECT_EQ(0, memcmp(mut, narrow, len));
	dsm_fuzz_check_wire(wide, 856);
	/* And at every width in between. */
	for (i = 3; i <= DSM_MAX_NODES; i++) {
		int wl = widen_msg(narrow, len, 8, i, wide);

		ASSERT_EQ(0, dsm_wire_decode(wide, wl, &m, NULL));
		EXPECT_EQ(len, dsm_test_reencode(&m, mut, sizeof(mut)));
		EXPECT_EQ(0, memcmp(mut, narrow, len));
		dsm_fuzz_check_wire(wide, wl);
	}
}

/*
 * The encoder refuses a record whose significant width is beyond the
 * set's (on the spot, not only through the decoder at the end), and takes
 * one whose n is larger with zeros beyond.
 */
TEST(vt_width_record_wider_than_set)
{
	static u8 buf[4096];
	struct dsm_msg_hdr h = { .version = DSM_WIRE_VERSION_MAX,
				 .type = DSM_MSG_LOCK_GRANT, .src = 2,
				 .dst = 1, .flags = DSM_WIRE_F_REPLY };
	struct dsm_interval iv;
	struct dsm_wire_enc e;
	struct dsm_vt vt;

	vt_of_3(&vt, DSM_MAX_NODES);
	memset(&iv, 0, sizeof(iv));
	dsm_vt_init(&iv.vt, DSM_MAX_NODES);
	iv.creator = 2;
	iv.index = 7;
	iv.vt.c[2] = 7;
	dsm_wire_enc_begin(&e, buf, sizeof(buf), &h);
	dsm_wire_enc_lock_grant(&e, 0, 3, &vt);
	dsm_wire_enc_interval(&e, &iv);
	EXPECT_EQ(0, e.err);
	EXPECT_LT(0, dsm_wire_enc_end(&e));
	/* An entry for node 3 > the set's width, 3. */
	iv.vt.c[3] = 1;
	dsm_wire_enc_begin(&e, buf, sizeof(buf), &h);
	dsm_wire_enc_lock_grant(&e, 0, 3, &vt);
	dsm_wire_enc_interval(&e, &iv);
	EXPECT_EQ(-EINVAL, e.err);
	EXPECT_EQ(-EINVAL, dsm_wire_enc_end(&e));
	/* Likewise a record of node 5, the set covering it or not. */
	iv.vt.c[3] = 0;
	iv.creator = 5;
	iv.index = 1;
	iv.vt.c[2] = 0;
	iv.vt.c[5] = 1;
	dsm_wire_enc_begin(&e, buf, sizeof(buf), &h);
	dsm_wire_enc_lock_grant(&e, 0, 3, &vt);
	dsm_wire_enc_interval(&e, &iv);
	EXPECT_EQ(-EINVAL, e.err);
	EXPECT_EQ(-EINVAL, dsm_wire_enc_end(&e));
	/* An oversized n. */
	iv.creator = 2;
	iv.index = 7;
	iv.vt.c[5] = 0;
	iv.vt.c[2] = 7;
	iv.vt.n = DSM_MAX_NODES + 1;
	dsm_wire_enc_begin(&e, buf, sizeof(buf), &h);
	dsm_wire_enc_lock_grant(&e, 0, 3, &vt);
	dsm_wire_enc_interval(&e, &iv);
	EXPECT_EQ(-EINVAL, e.err);
}

/*
 * dsm_wire_ivset_fit() at the trimmed width agrees with the encoder: with
 * a budget of exactly two records, two fit and encode to the budget, a
 * third would not. At the timestamps' n (64) the same budget would not
 * take even one: the fit must be asked at the width sent.
 */
TEST(vt_width_ivset_fit)
{
	static u8 buf[DSM_WIRE_MAX_MSG];
	struct dsm_interval iv[3];
	const struct dsm_interval *p[3];
	u32 t, w, i, budget, rec;
	struct dsm_vt vt;

	vt_of_3(&vt, DSM_MAX_NODES);
	for (i = 0; i < 3; i++) {
		memset(&iv[i], 0, sizeof(iv[i]));
		dsm_vt_init(&iv[i].vt, DSM_MAX_NODES);
		iv[i].creator = 0;
		iv[i].index = i + 1;
		iv[i].vt.c[0] = i + 1;
		iv[i].vt.c[2] = 1;
		iv[i].notices = grant_pages[0];
		iv[i].nr_notices = 2;
		p[i] = &iv[i];
	}
	w = dsm_vt_width(&vt);
	ASSERT_EQ(3U, w);
	rec = 8 + DSM_WIRE_VT_SIZE(3) + 2 * 8;
	for (t = 0; t < ARRAY_SIZE(set_types); t++) {
		u8 ty = set_types[t];
		u8 *exact;
		int len;

		budget = HS + (ty == DSM_MSG_LOCK_GRANT ? 8 : 16) + 8 +
			 DSM_WIRE_VT_SIZE(3) + 2 * rec;
		EXPECT_EQ(2, dsm_wire_ivset_fit(ty, w, p, 0, 3, budget));
		EXPECT_EQ(1, dsm_wire_ivset_fit(ty, w, p, 0, 3, budget - 1));
		EXPECT_EQ(-EMSGSIZE, dsm_wire_ivset_fit(ty, DSM_MAX_NODES, p,
							0, 3, budget));
		exact = malloc(budget);	/* exactly: ASan sees overruns */
		ASSERT_NE(NULL, exact);
		len = enc_set(ty, &vt, p, 0, 2, exact, budget);
		EXPECT_EQ((int)budget, len);
		EXPECT_EQ(-ENOSPC, enc_set(ty, &vt, p, 0, 3, exact, budget));
		free(exact);
		/* With room, the third goes too: the limit was the budget. */
		EXPECT_EQ((int)(budget + rec),
			  enc_set(ty, &vt, p, 0, 3, buf, sizeof(buf)));
	}
}

TEST_HARNESS_MAIN
