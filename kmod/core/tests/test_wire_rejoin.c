// SPDX-License-Identifier: GPL-2.0
/*
 * test_wire_rejoin.c - wire version 13: LRC_REJOIN and LRC_REJOIN_ACK
 * (issue 16 item 4). The floor decodes as encoded at its pinned offset,
 * any value, and every byte a peer could get wrong (the reserved word,
 * the body's length, the reply flag, the header's version) is refused
 * with its reason.
 */
#include <stdlib.h>

#include "kselftest_harness.h"
#include "test_util.h"

#define HS	DSM_WIRE_HDR_SIZE
#define RS	((int)sizeof(struct dsm_wire_rejoin))

static u8 buf[DSM_WIRE_MAX_MSG + 64], page[DSM_PAGE_SIZE];

static const struct dsm_msg_hdr hdr13 = {
	.version = DSM_WIRE_VERSION_MAX, .src = 3, .dst = 1, .req_id = 0x77,
	.epoch = 5,
};

static const u8 types[] = { DSM_MSG_LRC_REJOIN, DSM_MSG_LRC_REJOIN_ACK };
static const u32 floors[] = { 0, 1, 0x80000000, 0xfffffffe, 0xffffffff };

/* Encode a rejoin body of @type with @floor into buf; its length. */
static int enc(u8 type, u32 floor)
{
	struct dsm_msg m = { .hdr = hdr13, .u.rejoin = { .floor = floor } };
	struct dsm_wire_enc e;

	m.hdr.type = type;
	dsm_wire_enc_begin(&e, buf, sizeof(buf), &m.hdr);
	if (dsm_wire_enc_fixed(&e, &m))
		return -1000;
	return dsm_wire_enc_end(&e);
}

/* Version 13's types, spoken since (version 14 added DIFF_PUSH after them). */
TEST(version_13)
{
	EXPECT_EQ(14, DSM_WIRE_VERSION_MIN);
	EXPECT_EQ(14, DSM_WIRE_VERSION_MAX);
	EXPECT_EQ(27, DSM_MSG_LRC_REJOIN);
	EXPECT_EQ(28, DSM_MSG_LRC_REJOIN_ACK);
	EXPECT_EQ(DSM_MSG_LRC_REJOIN_ACK + 1, DSM_MSG_DIFF_PUSH);
	EXPECT_EQ(8, RS);
	EXPECT_EQ(0, (int)offsetof(struct dsm_wire_rejoin, floor));
	EXPECT_EQ(4, (int)offsetof(struct dsm_wire_rejoin, reserved));
	EXPECT_STREQ("lrc_rejoin", dsm_wire_type_name(DSM_MSG_LRC_REJOIN));
	EXPECT_STREQ("lrc_rejoin_ack",
		     dsm_wire_type_name(DSM_MSG_LRC_REJOIN_ACK));
	EXPECT_STREQ("unknown", dsm_wire_type_name(30));
	EXPECT_TRUE(dsm_wire_type_ok(DSM_MSG_LRC_REJOIN));
	EXPECT_TRUE(dsm_wire_type_ok(DSM_MSG_LRC_REJOIN_ACK));
	EXPECT_FALSE(dsm_wire_type_ok(30));
	/* a request, and its reply */
	EXPECT_FALSE(dsm_wire_type_is_reply(DSM_MSG_LRC_REJOIN));
	EXPECT_TRUE(dsm_wire_type_is_reply(DSM_MSG_LRC_REJOIN_ACK));
}

TEST(known_bytes)
{
	/* floor 0x89abcdef, reserved 0 */
	static const u8 known[RS] = {
		0xef, 0xcd, 0xab, 0x89, 0x00, 0x00, 0x00, 0x00,
	};
	unsigned int t;
	int len;

	for (t = 0; t < ARRAY_SIZE(types); t++) {
		len = enc(types[t], 0x89abcdef);
		ASSERT_EQ(HS + RS, len);
		EXPECT_EQ(0x0e, buf[4]);		/* version 14, le16 */
		EXPECT_EQ(0, buf[5]);
		EXPECT_EQ(types[t], buf[6]);
		EXPECT_EQ(t ? DSM_WIRE_F_REPLY : 0, buf[7]);
		EXPECT_EQ((u32)(HS + RS), dsm_test_ld32(buf + 8));
		EXPECT_EQ(0, memcmp(buf + HS, known, RS));
	}
}

TEST(roundtrip)
{
	static u8 first[HS + RS];
	struct dsm_msg_hdr h = hdr13;
	struct dsm_wire_enc e;
	unsigned int t, i;
	struct dsm_msg d;
	u32 msg_len;
	int len;

	for (t = 0; t < ARRAY_SIZE(types); t++) {
		for (i = 0; i < ARRAY_SIZE(floors); i++) {
			len = enc(types[t], floors[i]);
			ASSERT_EQ(HS + RS, len)
				TH_LOG("type %u floor %#x", types[t], floors[i]);
			EXPECT_EQ(floors[i], dsm_test_ld32(buf + HS));
			EXPECT_EQ(0U, dsm_test_ld32(buf + HS + 4));
			ASSERT_EQ(0, dsm_wire_peek(buf, HS, &msg_len, NULL));
			EXPECT_EQ((u32)len, msg_len);
			ASSERT_EQ(0, dsm_wire_decode(buf, len, &d, NULL));
			EXPECT_EQ(types[t], d.hdr.type);
			EXPECT_EQ(t ? DSM_WIRE_F_REPLY : 0, d.hdr.flags);
			EXPECT_EQ((u32)len, d.hdr.len);
			EXPECT_EQ(3, d.hdr.src);
			EXPECT_EQ(1, d.hdr.dst);
			EXPECT_EQ(0x77U, d.hdr.req_id);
			EXPECT_EQ(5U, d.hdr.epoch);
			EXPECT_EQ(floors[i], d.u.rejoin.floor);
			/* no page is received apart */
			EXPECT_EQ(0, dsm_wire_page_head(buf, len));
			/* the body function directly: the same bytes */
			memcpy(first, buf, len);
			h.type = types[t];
			dsm_wire_enc_begin(&e, buf, sizeof(buf), &h);
			dsm_wire_enc_rejoin(&e, floors[i]);
			ASSERT_EQ(len, dsm_wire_enc_end(&e));
			EXPECT_EQ(0, memcmp(first, buf, len));
		}
	}
}

TEST(reserved_refused)
{
	unsigned int t, b;
	int len;

	for (t = 0; t < ARRAY_SIZE(types); t++) {
		len = enc(types[t], 42);
		ASSERT_EQ(HS + RS, len);
		for (b = 4; b < 8; b++) {
			buf[HS + b] = b == 7 ? 0x80 : 1;
			EXPECT_EQ(DSM_WIRE_R_RESERVED, dsm_test_why(buf, len))
				TH_LOG("type %u byte %u", types[t], b);
			buf[HS + b] = 0;
		}
		memset(buf + HS + 4, 0xff, 4);
		EXPECT_EQ(DSM_WIRE_R_RESERVED, dsm_test_why(buf, len));
		memset(buf + HS + 4, 0, 4);
		EXPECT_EQ(DSM_WIRE_OK, dsm_test_why(buf, len));
	}
}

TEST(body_len_refused)
{
	unsigned int t;
	int len;

	for (t = 0; t < ARRAY_SIZE(types); t++) {
		len = enc(types[t], 7);
		ASSERT_EQ(HS + RS, len);
		/* longer: a byte, a word, a page more */
		memset(buf + len, 0, 8);
		dsm_test_set_len(buf, len + 1);
		EXPECT_EQ(DSM_WIRE_R_BODY_LEN, dsm_test_why(buf, len + 1));
		dsm_test_set_len(buf, len + 8);
		EXPECT_EQ(DSM_WIRE_R_BODY_LEN, dsm_test_why(buf, len + 8));
		memcpy(buf + len, page, DSM_PAGE_SIZE);
		dsm_test_set_len(buf, len + DSM_PAGE_SIZE);
		EXPECT_EQ(DSM_WIRE_R_BODY_LEN,
			  dsm_test_why(buf, len + DSM_PAGE_SIZE));
		/*
		 * Shorter: a length field below the body is refused by the
		 * header check already, as for every fixed-size type.
		 */
		dsm_test_set_len(buf, len - 4);
		EXPECT_EQ(DSM_WIRE_R_MSGSIZE, dsm_test_why(buf, len - 4));
		dsm_test_set_len(buf, len - 1);
		EXPECT_EQ(DSM_WIRE_R_MSGSIZE, dsm_test_why(buf, len - 1));
		dsm_test_set_len(buf, HS);
		EXPECT_EQ(DSM_WIRE_R_MSGSIZE, dsm_test_why(buf, HS));
		/* the buffer shorter or longer than the length field */
		dsm_test_set_len(buf, len);
		EXPECT_EQ(DSM_WIRE_R_SHORT, dsm_test_why(buf, len - 1));
		EXPECT_EQ(DSM_WIRE_R_LONG, dsm_test_why(buf, len + 8));
		EXPECT_EQ(DSM_WIRE_OK, dsm_test_why(buf, len));
	}
}

TEST(flags_refused)
{
	int len;

	/* LRC_REJOIN is a request: no REPLY, no MORE */
	len = enc(DSM_MSG_LRC_REJOIN, 9);
	ASSERT_EQ(HS + RS, len);
	buf[7] = DSM_WIRE_F_REPLY;
	EXPECT_EQ(DSM_WIRE_R_FLAGS, dsm_test_why(buf, len));
	buf[7] = DSM_WIRE_F_MORE;
	EXPECT_EQ(DSM_WIRE_R_FLAGS, dsm_test_why(buf, len));
	buf[7] = 0x04;
	EXPECT_EQ(DSM_WIRE_R_FLAGS, dsm_test_why(buf, len));
	buf[7] = 0;
	EXPECT_EQ(DSM_WIRE_OK, dsm_test_why(buf, len));
	/* LRC_REJOIN_ACK is its reply: REPLY, and nothing more */
	len = enc(DSM_MSG_LRC_REJOIN_ACK, 9);
	ASSERT_EQ(HS + RS, len);
	buf[7] = 0;
	EXPECT_EQ(DSM_WIRE_R_FLAGS, dsm_test_why(buf, len));
	buf[7] = DSM_WIRE_F_REPLY | DSM_WIRE_F_MORE;
	EXPECT_EQ(DSM_WIRE_R_FLAGS, dsm_test_why(buf, len));
	buf[7] = DSM_WIRE_F_MORE;
	EXPECT_EQ(DSM_WIRE_R_FLAGS, dsm_test_why(buf, len));
	buf[7] = DSM_WIRE_F_REPLY;
	EXPECT_EQ(DSM_WIRE_OK, dsm_test_why(buf, len));
}

/* Version 12 does not know types 27 and 28: no message of it is spoken. */
TEST(version_13_refused)
{
	enum dsm_wire_reject why;
	struct dsm_msg_hdr h = hdr13;
	struct dsm_wire_enc e;
	unsigned int t;
	u32 msg_len;
	int len;

	for (t = 0; t < ARRAY_SIZE(types); t++) {
		len = enc(types[t], 1);
		ASSERT_EQ(HS + RS, len);
		buf[4] = 13;
		EXPECT_EQ(DSM_WIRE_R_VERSION, dsm_test_why(buf, len));
		why = DSM_WIRE_R_NR;
		EXPECT_EQ(-EPROTO, dsm_wire_peek(buf, HS, &msg_len, &why));
		EXPECT_EQ(DSM_WIRE_R_VERSION, why);
		buf[4] = 15;
		EXPECT_EQ(DSM_WIRE_R_VERSION, dsm_test_why(buf, len));
		buf[4] = 14;
		EXPECT_EQ(DSM_WIRE_OK, dsm_test_why(buf, len));
		/* nor does the encoder make one at version 13 */
		h.version = 13;
		h.type = types[t];
		dsm_wire_enc_begin(&e, buf, sizeof(buf), &h);
		dsm_wire_enc_rejoin(&e, 1);
		EXPECT_EQ(-EINVAL, dsm_wire_enc_end(&e));
	}
}

/* A member refuses a rejoin with a NACK of type 27; an ack is no request. */
TEST(nack_of_rejoin)
{
	struct dsm_msg m = { .hdr = hdr13,
			     .u.nack = { .error = EINVAL,
					 .nacked_type = DSM_MSG_LRC_REJOIN,
					 .arg = 0xffffffff } }, d;
	struct dsm_wire_enc e;
	int len;

	m.hdr.type = DSM_MSG_NACK;
	dsm_wire_enc_begin(&e, buf, sizeof(buf), &m.hdr);
	ASSERT_EQ(0, dsm_wire_enc_fixed(&e, &m));
	len = dsm_wire_enc_end(&e);
	ASSERT_EQ(HS + 16, len);
	ASSERT_EQ(0, dsm_wire_decode(buf, len, &d, NULL));
	EXPECT_EQ(DSM_MSG_LRC_REJOIN, d.u.nack.nacked_type);
	EXPECT_EQ(0xffffffffULL, d.u.nack.arg);
	m.u.nack.nacked_type = DSM_MSG_LRC_REJOIN_ACK;
	dsm_wire_enc_begin(&e, buf, sizeof(buf), &m.hdr);
	ASSERT_EQ(0, dsm_wire_enc_fixed(&e, &m));
	EXPECT_EQ(-EINVAL, dsm_wire_enc_end(&e));
}

TEST(encoder_misuse)
{
	struct dsm_msg_shadow sb = { .page = 1, .ver = 2 };
	struct dsm_msg_hdr h = hdr13;
	struct dsm_wire_enc e;
	unsigned int t;
	int size;
	u8 *out;

	/* a rejoin body under another type's header (8 bytes too) */
	h.type = DSM_MSG_DIFF_BACKUP_ACK;
	dsm_wire_enc_begin(&e, buf, sizeof(buf), &h);
	dsm_wire_enc_rejoin(&e, 1);
	EXPECT_EQ(-EINVAL, dsm_wire_enc_end(&e));
	h.type = DSM_MSG_SHADOW_DROP;
	dsm_wire_enc_begin(&e, buf, sizeof(buf), &h);
	dsm_wire_enc_rejoin(&e, 1);
	EXPECT_EQ(-EINVAL, dsm_wire_enc_end(&e));
	for (t = 0; t < ARRAY_SIZE(types); t++) {
		h.type = types[t];
		/* another type's body under a rejoin header */
		dsm_wire_enc_begin(&e, buf, sizeof(buf), &h);
		dsm_wire_enc_backup_ack(&e, 1, 0);
		EXPECT_EQ(-EINVAL, dsm_wire_enc_end(&e));
		dsm_wire_enc_begin(&e, buf, sizeof(buf), &h);
		dsm_wire_enc_shadow(&e, DSM_MSG_SHADOW_DROP, &sb);
		EXPECT_EQ(-EINVAL, dsm_wire_enc_end(&e));
		/* no body, or a second one */
		dsm_wire_enc_begin(&e, buf, sizeof(buf), &h);
		EXPECT_EQ(-EINVAL, dsm_wire_enc_end(&e));
		dsm_wire_enc_begin(&e, buf, sizeof(buf), &h);
		dsm_wire_enc_rejoin(&e, 1);
		dsm_wire_enc_rejoin(&e, 1);
		EXPECT_EQ(-EINVAL, dsm_wire_enc_end(&e));
		/* every short buffer, exactly sized on the heap */
		for (size = 0; size <= HS + RS; size++) {
			out = malloc(size ? size : 1);
			ASSERT_NE(NULL, out);
			dsm_wire_enc_begin(&e, out, size, &h);
			dsm_wire_enc_rejoin(&e, 0xffffffff);
			EXPECT_EQ(size < HS + RS ? -ENOSPC : HS + RS,
				  dsm_wire_enc_end(&e))
				TH_LOG("type %u size %d", types[t], size);
			free(out);
		}
	}
}

TEST_HARNESS_MAIN
