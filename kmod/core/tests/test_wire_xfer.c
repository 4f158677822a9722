// SPDX-License-Identifier: GPL-2.0
/*
 * test_wire_xfer.c - HOME_XFER and HOME_XFER_ACK (wire version 6): the
 * fields decode as encoded, the layout is pinned, and every field a peer
 * could get wrong is refused with its reason.
 */
#include "kselftest_harness.h"
#include "test_util.h"

#define HS	DSM_WIRE_HDR_SIZE
#define ES	((int)sizeof(struct dsm_wire_xfer_entry))

static u8 buf[DSM_WIRE_MAX_MSG];

static const struct dsm_msg_hdr xfer_hdr = {
	.version = DSM_WIRE_VERSION_MAX, .type = DSM_MSG_HOME_XFER,
	.src = 2, .dst = 0, .req_id = 99, .epoch = 8,
};

/* Encode a HOME_XFER of @n entries @x into buf; its length. */
static int enc_xfer(u64 epoch, u8 flags, const struct dsm_xfer_entry *x,
		    int n)
{
	struct dsm_wire_enc e;
	int i;

	dsm_wire_enc_begin(&e, buf, sizeof(buf), &xfer_hdr);
	dsm_wire_enc_home_xfer(&e, epoch, flags);
	for (i = 0; i < n; i++)
		dsm_wire_enc_xfer_entry(&e, &x[i]);
	return dsm_wire_enc_end(&e);
}

TEST(xfer_fields)
{
	struct dsm_xfer_entry x[2] = {
		{ .page = 3, .copyset = 0x6, .owner = 0 },
		{ .page = 843, .copyset = 0, .owner = 2,
		  .flags = DSM_XFER_E_LOST },
	}, got;
	struct dsm_msg_iter it;
	struct dsm_msg m;
	int len, n = 0;

	len = enc_xfer(7, DSM_XFER_F_LAST, x, 2);
	ASSERT_EQ(HS + 16 + 2 * ES, len);
	EXPECT_EQ(2, buf[HS + 8]);		/* nr_entries, le16 */
	EXPECT_EQ(DSM_XFER_F_LAST, buf[HS + 10]);
	ASSERT_EQ(0, dsm_wire_decode(buf, len, &m, NULL));
	EXPECT_EQ(DSM_MSG_HOME_XFER, m.hdr.type);
	EXPECT_EQ(7, m.u.home_xfer.epoch);
	EXPECT_EQ(DSM_XFER_F_LAST, m.u.home_xfer.flags);
	dsm_msg_iter_xfer(&m.u.home_xfer, &it);
	while (dsm_msg_next_xfer(&it, &got)) {
		EXPECT_EQ(x[n].page, got.page);
		EXPECT_EQ(x[n].copyset, got.copyset);
		EXPECT_EQ(x[n].owner, got.owner);
		EXPECT_EQ(x[n].flags, got.flags);
		n++;
	}
	EXPECT_EQ(2, n);
	EXPECT_FALSE(dsm_wire_type_is_reply(DSM_MSG_HOME_XFER));
	EXPECT_TRUE(dsm_wire_type_is_reply(DSM_MSG_HOME_XFER_ACK));
	EXPECT_STREQ("home_xfer", dsm_wire_type_name(16));
	EXPECT_STREQ("home_xfer_ack", dsm_wire_type_name(17));
}

TEST(xfer_refused)
{
	struct dsm_xfer_entry x[2] = {
		{ .page = 3, .copyset = 0x6, .owner = 0 },
		{ .page = 843, .owner = 2 },
	};
	int len;

	/* No entry without LAST; epoch 0 or above the maximum. */
	len = enc_xfer(7, 0, NULL, 0);
	EXPECT_GT(0, len);
	len = enc_xfer(7, DSM_XFER_F_LAST, x, 0);
	ASSERT_EQ(HS + 16, len);
	buf[HS + 10] = 0;
	EXPECT_EQ(DSM_WIRE_R_COUNT, dsm_test_why(buf, len));
	len = enc_xfer(7, 0, x, 2);
	buf[HS] = 0;				/* epoch 0 */
	EXPECT_EQ(DSM_WIRE_R_FIELD, dsm_test_why(buf, len));
	len = enc_xfer(7, 0, x, 2);
	buf[HS + 6] = 1;			/* epoch 2^48 + 7 */
	EXPECT_EQ(DSM_WIRE_R_FIELD, dsm_test_why(buf, len));
	len = enc_xfer(7, 0, x, 2);
	buf[HS + 10] = 0x80;			/* unknown flag */
	EXPECT_EQ(DSM_WIRE_R_FIELD, dsm_test_why(buf, len));
	len = enc_xfer(7, 0, x, 2);
	buf[HS + 11] = 1;			/* reserved */
	EXPECT_EQ(DSM_WIRE_R_RESERVED, dsm_test_why(buf, len));
	len = enc_xfer(7, 0, x, 2);
	buf[HS + 8] = 3;			/* count beyond the bytes */
	EXPECT_EQ(DSM_WIRE_R_BODY_LEN, dsm_test_why(buf, len));
	len = enc_xfer(7, 0, x, 2);
	buf[HS + 8] = 1;			/* bytes beyond the count */
	EXPECT_EQ(DSM_WIRE_R_BODY_LEN, dsm_test_why(buf, len));

	/* Entries: order, page, owner, copyset, flags, reserved. */
	x[1].page = 3;
	EXPECT_GT(0, enc_xfer(7, 0, x, 2));
	x[1].page = 843;
	len = enc_xfer(7, 0, x, 2);
	buf[HS + 16 + ES + 7] = 0xff;		/* page >= DSM_MAX_PAGES */
	EXPECT_EQ(DSM_WIRE_R_PAGE, dsm_test_why(buf, len));
	len = enc_xfer(7, 0, x, 2);
	buf[HS + 16 + 16] = DSM_MAX_NODES;	/* owner */
	EXPECT_EQ(DSM_WIRE_R_NODE, dsm_test_why(buf, len));
	len = enc_xfer(7, 0, x, 2);
	buf[HS + 16 + 8] |= 1;			/* owner 0 in its copyset */
	EXPECT_EQ(DSM_WIRE_R_NODE, dsm_test_why(buf, len));
	len = enc_xfer(7, 0, x, 2);
	buf[HS + 16 + 15] = 0x80;		/* copyset node 63 */
	EXPECT_EQ(DSM_MAX_NODES < 64 ? DSM_WIRE_R_NODE : DSM_WIRE_OK,
		  dsm_test_why(buf, len));
	len = enc_xfer(7, 0, x, 2);
	buf[HS + 16 + 18] = 4;			/* unknown entry flag */
	EXPECT_EQ(DSM_WIRE_R_FIELD, dsm_test_why(buf, len));
	len = enc_xfer(7, 0, x, 2);
	buf[HS + 16 + 19] = 1;			/* reserved */
	EXPECT_EQ(DSM_WIRE_R_RESERVED, dsm_test_why(buf, len));
	len = enc_xfer(7, 0, x, 2);
	buf[HS + 16 + 23] = 0x80;		/* the version: any */
	EXPECT_EQ(DSM_WIRE_OK, dsm_test_why(buf, len));
}

TEST(xfer_at_most_max_entries)
{
	static struct dsm_xfer_entry x[DSM_WIRE_MAX_XFER + 1];
	int i;

	for (i = 0; i <= DSM_WIRE_MAX_XFER; i++)
		x[i].page = 840 * i;
	EXPECT_EQ(HS + 16 + DSM_WIRE_MAX_XFER * ES,
		  enc_xfer(1, 0, x, DSM_WIRE_MAX_XFER));
	EXPECT_GT(0, enc_xfer(1, 0, x, DSM_WIRE_MAX_XFER + 1));
}

TEST(xfer_ack)
{
	struct dsm_msg m = {
		.hdr = xfer_hdr,
		.u.home_xfer_ack = { .epoch = 5, .nr_entries = 2,
				     .error = EPERM },
	};
	struct dsm_wire_enc e;
	struct dsm_msg d;
	int len;

	m.hdr.type = DSM_MSG_HOME_XFER_ACK;
	dsm_wire_enc_begin(&e, buf, sizeof(buf), &m.hdr);
	ASSERT_EQ(0, dsm_wire_enc_fixed(&e, &m));
	len = dsm_wire_enc_end(&e);
	ASSERT_EQ(HS + 16, len);
	ASSERT_EQ(0, dsm_wire_decode(buf, len, &d, NULL));
	EXPECT_EQ(5, d.u.home_xfer_ack.epoch);
	EXPECT_EQ(2, d.u.home_xfer_ack.nr_entries);
	EXPECT_EQ(EPERM, d.u.home_xfer_ack.error);
	buf[HS + 12] = 0;
	buf[HS + 13] = 0x10;			/* error 4096 */
	EXPECT_EQ(DSM_WIRE_R_FIELD, dsm_test_why(buf, len));
	buf[HS + 13] = 0;
	buf[HS + 11] = 1;			/* reserved */
	EXPECT_EQ(DSM_WIRE_R_RESERVED, dsm_test_why(buf, len));
}

TEST_HARNESS_MAIN
