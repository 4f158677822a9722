// SPDX-License-Identifier: GPL-2.0
/*
 * test_wire_dir.c - DIR_QUERY and DIR_REPLY (wire version 8): the fields
 * decode as encoded, the layout is pinned, and every field a peer could
 * get wrong is refused with its reason.
 */
#include "kselftest_harness.h"
#include "test_util.h"

#define HS	DSM_WIRE_HDR_SIZE
#define ES	((int)sizeof(struct dsm_wire_dir_entry))
#define QS	((int)sizeof(struct dsm_wire_dir_query))

static u8 buf[DSM_WIRE_MAX_MSG];

static const struct dsm_msg_hdr dir_hdr = {
	.version = DSM_WIRE_VERSION_MAX, .type = DSM_MSG_DIR_REPLY,
	.src = 1, .dst = 0, .req_id = 77, .epoch = 9,
};

/* Encode a DIR_REPLY of @n entries @x into buf; its length. */
static int enc_reply(u64 epoch, u8 flags, const struct dsm_dir_entry *x,
		     int n)
{
	struct dsm_wire_enc e;
	int i;

	dsm_wire_enc_begin(&e, buf, sizeof(buf), &dir_hdr);
	dsm_wire_enc_dir_reply(&e, epoch, flags);
	for (i = 0; i < n; i++)
		dsm_wire_enc_dir_entry(&e, &x[i]);
	return dsm_wire_enc_end(&e);
}

/* Encode a DIR_QUERY of @q into buf; its length. */
static int enc_query(const struct dsm_msg_dir_query *q)
{
	struct dsm_msg m = { .hdr = dir_hdr };
	struct dsm_wire_enc e;

	m.hdr.type = DSM_MSG_DIR_QUERY;
	m.u.dir_query = *q;
	dsm_wire_enc_begin(&e, buf, sizeof(buf), &m.hdr);
	if (dsm_wire_enc_fixed(&e, &m))
		return -1;
	return dsm_wire_enc_end(&e);
}

TEST(dir_query_fields)
{
	struct dsm_msg_dir_query q = { .epoch = 12 };
	struct dsm_msg m;
	u32 b, n = 0;
	int len;

	q.buckets[0] = 0x02;			/* bucket 1 */
	q.buckets[104] = 0x80;			/* bucket 839 */
	len = enc_query(&q);
	ASSERT_EQ(HS + QS, len);
	ASSERT_EQ(HS + 128, len);
	ASSERT_EQ(0, dsm_wire_decode(buf, len, &m, NULL));
	EXPECT_EQ(DSM_MSG_DIR_QUERY, m.hdr.type);
	EXPECT_EQ(12, m.u.dir_query.epoch);
	for (b = 0; b < DSM_HOME_BUCKETS + 10; b++)
		n += dsm_dir_query_has(&m.u.dir_query, b);
	EXPECT_EQ(2, n);
	EXPECT_TRUE(dsm_dir_query_has(&m.u.dir_query, 1));
	EXPECT_TRUE(dsm_dir_query_has(&m.u.dir_query, 839));
	EXPECT_FALSE(dsm_wire_type_is_reply(DSM_MSG_DIR_QUERY));
	EXPECT_TRUE(dsm_wire_type_is_reply(DSM_MSG_DIR_REPLY));
	EXPECT_STREQ("dir_query", dsm_wire_type_name(22));
	EXPECT_STREQ("dir_reply", dsm_wire_type_name(23));
}

TEST(dir_query_refused)
{
	struct dsm_msg_dir_query q = { .epoch = 12 };
	int len;

	EXPECT_GT(0, enc_query(&q));		/* no bucket */
	q.buckets[3] = 1;
	len = enc_query(&q);
	ASSERT_EQ(HS + QS, len);
	buf[HS + 16 + 3] = 0;
	EXPECT_EQ(DSM_WIRE_R_COUNT, dsm_test_why(buf, len));
	len = enc_query(&q);
	buf[HS + 16 + 105] = 1;			/* bucket 840: padding */
	EXPECT_EQ(DSM_WIRE_R_RESERVED, dsm_test_why(buf, len));
	len = enc_query(&q);
	buf[HS + 16 + 111] = 0x80;		/* the last padding bit */
	EXPECT_EQ(DSM_WIRE_R_RESERVED, dsm_test_why(buf, len));
	len = enc_query(&q);
	buf[HS + 8] = 1;			/* reserved */
	EXPECT_EQ(DSM_WIRE_R_RESERVED, dsm_test_why(buf, len));
	len = enc_query(&q);
	buf[HS + 15] = 1;			/* reserved, last byte */
	EXPECT_EQ(DSM_WIRE_R_RESERVED, dsm_test_why(buf, len));
	len = enc_query(&q);
	memset(buf + HS, 0, 8);			/* epoch 0 */
	EXPECT_EQ(DSM_WIRE_R_FIELD, dsm_test_why(buf, len));
	len = enc_query(&q);
	buf[HS + 6] = 1;			/* epoch 2^48 + 12 */
	EXPECT_EQ(DSM_WIRE_R_FIELD, dsm_test_why(buf, len));
	q.epoch = 0;
	EXPECT_GT(0, enc_query(&q));
}

TEST(dir_reply_fields)
{
	struct dsm_dir_entry x[3] = {
		{ .page = 3, .access = DSM_ACCESS_READ,
		  .flags = DSM_DIR_E_HELD },
		{ .page = 843, .flags = DSM_DIR_E_HELD },
		{ .page = 900, .access = DSM_ACCESS_WRITE },
	}, got;
	struct dsm_msg_iter it;
	struct dsm_msg m;
	int len, n = 0;

	len = enc_reply(9, DSM_DIR_F_LAST, x, 3);
	ASSERT_EQ(HS + 16 + 3 * ES, len);
	ASSERT_EQ(16, ES);
	EXPECT_EQ(3, buf[HS + 8]);		/* nr_entries, le16 */
	EXPECT_EQ(DSM_DIR_F_LAST, buf[HS + 10]);
	EXPECT_EQ(DSM_ACCESS_READ, buf[HS + 16 + 8]);
	EXPECT_EQ(DSM_DIR_E_HELD, buf[HS + 16 + 9]);
	ASSERT_EQ(0, dsm_wire_decode(buf, len, &m, NULL));
	EXPECT_EQ(9, m.u.dir_reply.epoch);
	EXPECT_EQ(DSM_DIR_F_LAST, m.u.dir_reply.flags);
	dsm_msg_iter_dir(&m.u.dir_reply, &it);
	while (dsm_msg_next_dir(&it, &got)) {
		EXPECT_EQ(x[n].page, got.page);
		EXPECT_EQ(x[n].access, got.access);
		EXPECT_EQ(x[n].flags, got.flags);
		n++;
	}
	EXPECT_EQ(3, n);
}

TEST(dir_reply_refused)
{
	struct dsm_dir_entry x[2] = {
		{ .page = 3, .access = DSM_ACCESS_READ,
		  .flags = DSM_DIR_E_HELD },
		{ .page = 843, .flags = DSM_DIR_E_HELD },
	};
	int len;

	/* No entry without LAST; epoch 0 or above the maximum. */
	EXPECT_GT(0, enc_reply(9, 0, NULL, 0));
	len = enc_reply(9, DSM_DIR_F_LAST, x, 0);
	ASSERT_EQ(HS + 16, len);
	buf[HS + 10] = 0;
	EXPECT_EQ(DSM_WIRE_R_COUNT, dsm_test_why(buf, len));
	len = enc_reply(9, 0, x, 2);
	buf[HS] = 0;				/* epoch 0 */
	EXPECT_EQ(DSM_WIRE_R_FIELD, dsm_test_why(buf, len));
	len = enc_reply(9, 0, x, 2);
	buf[HS + 6] = 1;			/* epoch 2^48 + 9 */
	EXPECT_EQ(DSM_WIRE_R_FIELD, dsm_test_why(buf, len));
	len = enc_reply(9, 0, x, 2);
	buf[HS + 10] = 0x80;			/* unknown flag */
	EXPECT_EQ(DSM_WIRE_R_FIELD, dsm_test_why(buf, len));
	len = enc_reply(9, 0, x, 2);
	buf[HS + 11] = 1;			/* reserved */
	EXPECT_EQ(DSM_WIRE_R_RESERVED, dsm_test_why(buf, len));
	len = enc_reply(9, 0, x, 2);
	buf[HS + 12] = 1;			/* reserved */
	EXPECT_EQ(DSM_WIRE_R_RESERVED, dsm_test_why(buf, len));
	len = enc_reply(9, 0, x, 2);
	buf[HS + 8] = 3;			/* count beyond the bytes */
	EXPECT_EQ(DSM_WIRE_R_BODY_LEN, dsm_test_why(buf, len));
	len = enc_reply(9, 0, x, 2);
	buf[HS + 8] = 1;			/* bytes beyond the count */
	EXPECT_EQ(DSM_WIRE_R_BODY_LEN, dsm_test_why(buf, len));

	/* Entries: order, page, access, flags, empty; any version tag. */
	x[1].page = 3;
	EXPECT_GT(0, enc_reply(9, 0, x, 2));
	x[1].page = 843;
	len = enc_reply(9, 0, x, 2);
	buf[HS + 16 + ES + 7] = 0xff;		/* page >= DSM_MAX_PAGES */
	EXPECT_EQ(DSM_WIRE_R_PAGE, dsm_test_why(buf, len));
	len = enc_reply(9, 0, x, 2);
	buf[HS + 16 + 8] = 3;			/* access */
	EXPECT_EQ(DSM_WIRE_R_ACCESS, dsm_test_why(buf, len));
	len = enc_reply(9, 0, x, 2);
	buf[HS + 16 + 9] = 2;			/* unknown entry flag */
	EXPECT_EQ(DSM_WIRE_R_FIELD, dsm_test_why(buf, len));
	len = enc_reply(9, 0, x, 2);
	buf[HS + 16 + ES + 9] = 0;		/* neither access nor held */
	EXPECT_EQ(DSM_WIRE_R_FIELD, dsm_test_why(buf, len));
	len = enc_reply(9, 0, x, 2);
	buf[HS + 16 + 10] = 1;			/* sync (version 9) */
	EXPECT_EQ(DSM_WIRE_OK, dsm_test_why(buf, len));
	len = enc_reply(9, 0, x, 2);
	buf[HS + 16 + 15] = 1;			/* ver (version 9) */
	EXPECT_EQ(DSM_WIRE_OK, dsm_test_why(buf, len));
}

TEST(dir_reply_at_most_max_entries)
{
	static struct dsm_dir_entry x[DSM_WIRE_MAX_DIR + 1];
	int i;

	for (i = 0; i <= DSM_WIRE_MAX_DIR; i++) {
		x[i].page = 840 * i;
		x[i].flags = DSM_DIR_E_HELD;
	}
	EXPECT_EQ(HS + 16 + DSM_WIRE_MAX_DIR * ES,
		  enc_reply(1, 0, x, DSM_WIRE_MAX_DIR));
	EXPECT_GT(0, enc_reply(1, 0, x, DSM_WIRE_MAX_DIR + 1));
}

TEST_HARNESS_MAIN
