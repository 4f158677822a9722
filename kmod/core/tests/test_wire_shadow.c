// SPDX-License-Identifier: GPL-2.0
/*
 * test_wire_shadow.c - wire version 9: the version tags of PAGE_FWD,
 * PAGE_GRANT, HOME_XFER and DIR_REPLY entries, the SHADOW flags, and
 * SHADOW_PUSH and SHADOW_ACK; wire version 12: SHADOW_DROP. The fields
 * decode as encoded at their pinned offsets, and every value a peer could
 * get wrong is refused with its reason.
 */
#include <stdlib.h>

#include "kselftest_harness.h"
#include "test_util.h"

#define HS	DSM_WIRE_HDR_SIZE
#define SS	((int)sizeof(struct dsm_wire_shadow))

static u8 buf[DSM_WIRE_MAX_MSG + 64], page[DSM_PAGE_SIZE];

static const struct dsm_msg_hdr hdr9 = {
	.version = DSM_WIRE_VERSION_MAX, .src = 1, .dst = 2, .req_id = 0x55,
	.epoch = 3,
};

/* Encode @m (a type dsm_wire_enc_fixed() takes) into buf; its length. */
static int enc(struct dsm_msg *m, u8 type)
{
	struct dsm_wire_enc e;

	m->hdr = hdr9;
	m->hdr.type = type;
	dsm_wire_enc_begin(&e, buf, sizeof(buf), &m->hdr);
	if (dsm_wire_enc_fixed(&e, m))
		return -1000;
	return dsm_wire_enc_end(&e);
}

TEST(version_9)
{
	/*
	 * Versions 10 (64 nodes), 11 (a copy's push), 12 (SHADOW_DROP,
	 * type 26, with the shadow body), 13 (LRC_REJOIN and its ack,
	 * types 27 and 28, a body of their own) and 14 (DIFF_PUSH, type 29,
	 * with DIFF_BACKUP's body) kept version 9's layouts.
	 */
	EXPECT_EQ(14, DSM_WIRE_VERSION_MIN);
	EXPECT_EQ(14, DSM_WIRE_VERSION_MAX);
	EXPECT_EQ(29, DSM_MSG_TYPE_MAX);
	EXPECT_EQ(16, SS);
	EXPECT_EQ(24, (int)sizeof(struct dsm_wire_page_fwd));
	EXPECT_EQ(24, (int)sizeof(struct dsm_wire_page_grant));
	EXPECT_EQ(24, (int)sizeof(struct dsm_wire_xfer_entry));
	EXPECT_EQ(16, (int)sizeof(struct dsm_wire_dir_entry));
	EXPECT_EQ(12, (int)offsetof(struct dsm_wire_page_fwd, ver));
	EXPECT_EQ(12, (int)offsetof(struct dsm_wire_page_grant, ver));
	EXPECT_EQ(20, (int)offsetof(struct dsm_wire_xfer_entry, ver));
	EXPECT_EQ(10, (int)offsetof(struct dsm_wire_dir_entry, sync));
	EXPECT_EQ(12, (int)offsetof(struct dsm_wire_dir_entry, ver));
	EXPECT_EQ(8, (int)offsetof(struct dsm_wire_shadow, ver));
	EXPECT_EQ(12, (int)offsetof(struct dsm_wire_shadow, sync));
	EXPECT_EQ(14, (int)offsetof(struct dsm_wire_shadow, reserved));
	EXPECT_STREQ("shadow_push", dsm_wire_type_name(24));
	EXPECT_STREQ("shadow_ack", dsm_wire_type_name(25));
	EXPECT_STREQ("unknown", dsm_wire_type_name(30));
	EXPECT_TRUE(dsm_wire_type_ok(DSM_MSG_SHADOW_PUSH));
	EXPECT_TRUE(dsm_wire_type_ok(DSM_MSG_SHADOW_ACK));
	EXPECT_FALSE(dsm_wire_type_is_reply(DSM_MSG_SHADOW_PUSH));
	EXPECT_TRUE(dsm_wire_type_is_reply(DSM_MSG_SHADOW_ACK));
}

TEST(page_fwd_ver_and_shadow)
{
	static const u8 ok_flags[][2] = {
		{ DSM_ACCESS_READ, 0 },
		{ DSM_ACCESS_READ, DSM_PAGE_F_SHADOW },
		{ DSM_ACCESS_WRITE, DSM_PAGE_F_SHADOW },
		{ DSM_ACCESS_WRITE, DSM_PAGE_F_HAVE_COPY },
		{ DSM_ACCESS_WRITE, DSM_PAGE_F_HAVE_COPY | DSM_PAGE_F_SHADOW },
	};
	struct dsm_msg m = { .u.page_fwd = { .page = 77, .requester = 5,
					     .req_id = 9 } }, d;
	unsigned int i;
	int len;

	for (i = 0; i < ARRAY_SIZE(ok_flags); i++) {
		m.u.page_fwd.access = ok_flags[i][0];
		m.u.page_fwd.flags = ok_flags[i][1];
		m.u.page_fwd.ver = 0xa0b0c0d0 + i;
		len = enc(&m, DSM_MSG_PAGE_FWD);
		ASSERT_EQ(HS + 24, len) TH_LOG("case %u", i);
		EXPECT_EQ(0xa0b0c0d0 + i, dsm_test_ld32(buf + HS + 12));
		ASSERT_EQ(0, dsm_wire_decode(buf, len, &d, NULL));
		EXPECT_EQ(m.u.page_fwd.ver, d.u.page_fwd.ver);
		EXPECT_EQ(m.u.page_fwd.flags, d.u.page_fwd.flags);
		EXPECT_EQ(m.u.page_fwd.access, d.u.page_fwd.access);
		EXPECT_EQ(9, d.u.page_fwd.req_id);
		EXPECT_EQ(5, d.u.page_fwd.requester);
	}
	/* HAVE_COPY still only with a write, SHADOW or not */
	m.u.page_fwd.access = DSM_ACCESS_READ;
	m.u.page_fwd.flags = DSM_PAGE_F_HAVE_COPY | DSM_PAGE_F_SHADOW;
	EXPECT_GT(0, enc(&m, DSM_MSG_PAGE_FWD));
	m.u.page_fwd.flags = DSM_PAGE_F_SHADOW;
	len = enc(&m, DSM_MSG_PAGE_FWD);
	ASSERT_EQ(HS + 24, len);
	buf[HS + 9] = DSM_PAGE_F_HAVE_COPY | DSM_PAGE_F_SHADOW;
	EXPECT_EQ(DSM_WIRE_R_ACCESS, dsm_test_why(buf, len));
	buf[HS + 9] = 0x04;			/* unknown flag */
	EXPECT_EQ(DSM_WIRE_R_ACCESS, dsm_test_why(buf, len));
	buf[HS + 9] = DSM_PAGE_F_SHADOW;
	memset(buf + HS + 12, 0xff, 4);		/* any version */
	EXPECT_EQ(DSM_WIRE_OK, dsm_test_why(buf, len));
}

TEST(page_req_no_shadow)
{
	struct dsm_msg m = { .u.page_req = { .page = 1,
					     .access = DSM_ACCESS_WRITE } };
	int len;

	m.u.page_req.flags = DSM_PAGE_F_SHADOW;
	EXPECT_GT(0, enc(&m, DSM_MSG_PAGE_REQ));
	m.u.page_req.flags = DSM_PAGE_F_HAVE_COPY | DSM_PAGE_F_SHADOW;
	EXPECT_GT(0, enc(&m, DSM_MSG_PAGE_REQ));
	m.u.page_req.flags = DSM_PAGE_F_HAVE_COPY;
	len = enc(&m, DSM_MSG_PAGE_REQ);
	ASSERT_EQ(HS + 16, len);
	buf[HS + 9] = DSM_PAGE_F_SHADOW;
	EXPECT_EQ(DSM_WIRE_R_ACCESS, dsm_test_why(buf, len));
	/* and its reserved words stay reserved */
	buf[HS + 9] = 0;
	buf[HS + 12] = 1;
	EXPECT_EQ(DSM_WIRE_R_RESERVED, dsm_test_why(buf, len));
}

TEST(grant_ver_and_shadow)
{
	struct dsm_msg m = { .u.page_grant = { .page = 12,
					       .access = DSM_ACCESS_READ,
					       .owner = 1, .copyset = 6,
					       .ver = 0x13572468 } }, d;
	int len;

	/* with data: ver round-trips, the page follows */
	m.u.page_grant.data = page;
	len = enc(&m, DSM_MSG_PAGE_GRANT);
	ASSERT_EQ(HS + 24 + DSM_PAGE_SIZE, len);
	EXPECT_EQ(0x13572468, dsm_test_ld32(buf + HS + 12));
	ASSERT_EQ(0, dsm_wire_decode(buf, len, &d, NULL));
	EXPECT_EQ(0x13572468, d.u.page_grant.ver);
	EXPECT_EQ(6, d.u.page_grant.copyset);
	/* SHADOW with NO_DATA: the requester's own frame */
	m.u.page_grant.data = NULL;
	m.u.page_grant.flags = DSM_GRANT_F_SHADOW;
	len = enc(&m, DSM_MSG_PAGE_GRANT);
	ASSERT_EQ(HS + 24, len);
	EXPECT_EQ(DSM_GRANT_F_NO_DATA | DSM_GRANT_F_SHADOW, buf[HS + 9]);
	ASSERT_EQ(0, dsm_wire_decode(buf, len, &d, NULL));
	EXPECT_EQ(DSM_GRANT_F_NO_DATA | DSM_GRANT_F_SHADOW,
		  d.u.page_grant.flags);
	EXPECT_EQ(NULL, d.u.page_grant.data);
	EXPECT_EQ(0x13572468, d.u.page_grant.ver);
	/* also a write grant, to the receiver */
	m.u.page_grant.access = DSM_ACCESS_WRITE;
	m.u.page_grant.owner = 2;
	EXPECT_EQ(HS + 24, enc(&m, DSM_MSG_PAGE_GRANT));
	/* SHADOW without NO_DATA: refused, by the encoder too */
	m.u.page_grant.data = page;
	EXPECT_EQ(-EINVAL, enc(&m, DSM_MSG_PAGE_GRANT));
	m.u.page_grant.flags = 0;
	len = enc(&m, DSM_MSG_PAGE_GRANT);
	ASSERT_EQ(HS + 24 + DSM_PAGE_SIZE, len);
	buf[HS + 9] = DSM_GRANT_F_SHADOW;
	EXPECT_EQ(DSM_WIRE_R_ACCESS, dsm_test_why(buf, len));
	buf[HS + 9] = 0x04;			/* unknown flag */
	EXPECT_EQ(DSM_WIRE_R_ACCESS, dsm_test_why(buf, len));
	/* with data, SHADOW set alone on the no-data form */
	m.u.page_grant.data = NULL;
	len = enc(&m, DSM_MSG_PAGE_GRANT);
	ASSERT_EQ(HS + 24, len);
	buf[HS + 9] = DSM_GRANT_F_SHADOW;
	EXPECT_EQ(DSM_WIRE_R_ACCESS, dsm_test_why(buf, len));
	buf[HS + 9] = DSM_GRANT_F_NO_DATA | DSM_GRANT_F_SHADOW | 0x04;
	EXPECT_EQ(DSM_WIRE_R_ACCESS, dsm_test_why(buf, len));
	buf[HS + 9] = DSM_GRANT_F_NO_DATA | DSM_GRANT_F_SHADOW;
	memset(buf + HS + 12, 0xff, 4);		/* any version */
	EXPECT_EQ(DSM_WIRE_OK, dsm_test_why(buf, len));
}

/* A grant with ver, its page sent from where it is, decodes with ver. */
TEST(grant_ext_keeps_ver)
{
	struct dsm_msg_hdr h = hdr9;
	struct dsm_msg_page_grant b = { .page = 3, .access = DSM_ACCESS_READ,
					.owner = 1, .ver = 0xcafef00d };
	const u32 gs = HS + sizeof(struct dsm_wire_page_grant);
	struct dsm_wire_enc e;
	struct dsm_msg d;
	u8 *head;

	h.type = DSM_MSG_PAGE_GRANT;
	head = malloc(gs);		/* ASan: nothing past the head */
	ASSERT_NE(NULL, head);
	dsm_wire_enc_begin(&e, head, gs, &h);
	dsm_wire_enc_page_grant_ext(&e, &b);
	ASSERT_EQ((int)gs, dsm_wire_enc_end(&e));
	EXPECT_EQ(0, head[HS + 9]);		/* data announced */
	EXPECT_EQ(0xcafef00d, dsm_test_ld32(head + HS + 12));
	ASSERT_EQ(0, dsm_wire_decode_ext(head, gs, page, &d, NULL));
	EXPECT_EQ(0xcafef00d, d.u.page_grant.ver);
	EXPECT_EQ(1, d.u.page_grant.data == page);
	free(head);
}

TEST(xfer_entry_ver_and_shadow)
{
	struct dsm_xfer_entry x[3] = {
		{ .page = 1, .owner = 2, .ver = 0xffffffff,
		  .flags = DSM_XFER_E_SHADOW },
		{ .page = 2, .owner = 3, .copyset = 1, .ver = 17 },
		{ .page = 3, .owner = 0, .flags = DSM_XFER_E_LOST, .ver = 4 },
	}, got;
	struct dsm_msg_hdr h = hdr9;
	struct dsm_msg_iter it;
	struct dsm_wire_enc e;
	struct dsm_msg d;
	int i, len, n = 0;

	h.type = DSM_MSG_HOME_XFER;
	dsm_wire_enc_begin(&e, buf, sizeof(buf), &h);
	dsm_wire_enc_home_xfer(&e, 5, DSM_XFER_F_LAST);
	for (i = 0; i < 3; i++)
		dsm_wire_enc_xfer_entry(&e, &x[i]);
	len = dsm_wire_enc_end(&e);
	ASSERT_EQ(HS + 16 + 3 * 24, len);
	EXPECT_EQ(0xffffffff, dsm_test_ld32(buf + HS + 16 + 20));
	EXPECT_EQ(DSM_XFER_E_SHADOW, buf[HS + 16 + 18]);
	ASSERT_EQ(0, dsm_wire_decode(buf, len, &d, NULL));
	dsm_msg_iter_xfer(&d.u.home_xfer, &it);
	while (dsm_msg_next_xfer(&it, &got)) {
		EXPECT_EQ(x[n].page, got.page);
		EXPECT_EQ(x[n].ver, got.ver);
		EXPECT_EQ(x[n].flags, got.flags);
		EXPECT_EQ(x[n].owner, got.owner);
		n++;
	}
	EXPECT_EQ(3, n);
	/* LOST and SHADOW together: a lost page has no frame to serve */
	buf[HS + 16 + 18] = DSM_XFER_E_LOST | DSM_XFER_E_SHADOW;
	EXPECT_EQ(DSM_WIRE_R_FIELD, dsm_test_why(buf, len));
	buf[HS + 16 + 18] = 0x04;		/* unknown entry flag */
	EXPECT_EQ(DSM_WIRE_R_FIELD, dsm_test_why(buf, len));
	buf[HS + 16 + 18] = DSM_XFER_E_SHADOW;
	buf[HS + 16 + 19] = 1;			/* reserved0 */
	EXPECT_EQ(DSM_WIRE_R_RESERVED, dsm_test_why(buf, len));
	buf[HS + 16 + 19] = 0;
	EXPECT_EQ(DSM_WIRE_OK, dsm_test_why(buf, len));
	x[2].flags = DSM_XFER_E_LOST | DSM_XFER_E_SHADOW;
	dsm_wire_enc_begin(&e, buf, sizeof(buf), &h);
	dsm_wire_enc_home_xfer(&e, 5, 0);
	for (i = 0; i < 3; i++)
		dsm_wire_enc_xfer_entry(&e, &x[i]);
	EXPECT_EQ(-EINVAL, dsm_wire_enc_end(&e));
}

TEST(dir_entry_tag)
{
	struct dsm_dir_entry x[3] = {
		{ .page = 4, .flags = DSM_DIR_E_HELD, .ver = 0x01020304,
		  .sync = 0x0506 },
		{ .page = 5, .access = DSM_ACCESS_READ, .ver = 0xffffffff,
		  .sync = 0xffff },
		{ .page = 6, .access = DSM_ACCESS_WRITE,
		  .flags = DSM_DIR_E_HELD },
	}, got;
	struct dsm_msg_hdr h = hdr9;
	struct dsm_msg_iter it;
	struct dsm_wire_enc e;
	struct dsm_msg d;
	int i, len, n = 0;

	h.type = DSM_MSG_DIR_REPLY;
	dsm_wire_enc_begin(&e, buf, sizeof(buf), &h);
	dsm_wire_enc_dir_reply(&e, 9, DSM_DIR_F_LAST);
	for (i = 0; i < 3; i++)
		dsm_wire_enc_dir_entry(&e, &x[i]);
	len = dsm_wire_enc_end(&e);
	ASSERT_EQ(HS + 16 + 3 * 16, len);
	EXPECT_EQ(0x06, buf[HS + 16 + 10]);	/* sync, le16 */
	EXPECT_EQ(0x05, buf[HS + 16 + 11]);
	EXPECT_EQ(0x01020304, dsm_test_ld32(buf + HS + 16 + 12));
	ASSERT_EQ(0, dsm_wire_decode(buf, len, &d, NULL));
	dsm_msg_iter_dir(&d.u.dir_reply, &it);
	while (dsm_msg_next_dir(&it, &got)) {
		EXPECT_EQ(x[n].page, got.page);
		EXPECT_EQ(x[n].ver, got.ver);
		EXPECT_EQ(x[n].sync, got.sync);
		EXPECT_EQ(x[n].access, got.access);
		EXPECT_EQ(x[n].flags, got.flags);
		n++;
	}
	EXPECT_EQ(3, n);
	/* a tag alone says nothing: access or flags are still needed */
	buf[HS + 16 + 9] = 0;
	EXPECT_EQ(DSM_WIRE_R_FIELD, dsm_test_why(buf, len));
	x[0].flags = 0;
	dsm_wire_enc_begin(&e, buf, sizeof(buf), &h);
	dsm_wire_enc_dir_reply(&e, 9, 0);
	dsm_wire_enc_dir_entry(&e, &x[0]);
	EXPECT_EQ(-EINVAL, dsm_wire_enc_end(&e));
}

TEST(shadow_push_fields)
{
	struct dsm_msg m = { .u.shadow = { .page = DSM_MAX_PAGES - 1,
					   .ver = 0x76543210, .sync = 1,
					   .data = page } }, d;
	struct dsm_wire_enc e;
	unsigned int i;
	int len;

	for (i = 0; i < DSM_PAGE_SIZE; i++)
		page[i] = (u8)(i * 13 + 1);
	len = enc(&m, DSM_MSG_SHADOW_PUSH);
	ASSERT_EQ(HS + SS + DSM_PAGE_SIZE, len);
	EXPECT_EQ(0, buf[7]);			/* a request */
	EXPECT_EQ(0x76543210, dsm_test_ld32(buf + HS + 8));
	EXPECT_EQ(1, buf[HS + 12]);
	EXPECT_EQ(0, memcmp(buf + HS + SS, page, DSM_PAGE_SIZE));
	ASSERT_EQ(0, dsm_wire_decode(buf, len, &d, NULL));
	EXPECT_EQ(DSM_MSG_SHADOW_PUSH, d.hdr.type);
	EXPECT_EQ(DSM_MAX_PAGES - 1, d.u.shadow.page);
	EXPECT_EQ(0x76543210, d.u.shadow.ver);
	EXPECT_EQ(1, d.u.shadow.sync);
	EXPECT_EQ(1, d.u.shadow.data == buf + HS + SS);
	/* the body function directly, and the largest sync */
	m.u.shadow.sync = 0xffff;
	m.hdr = hdr9;
	m.hdr.type = DSM_MSG_SHADOW_PUSH;
	dsm_wire_enc_begin(&e, buf, sizeof(buf), &m.hdr);
	dsm_wire_enc_shadow(&e, DSM_MSG_SHADOW_PUSH, &m.u.shadow);
	ASSERT_EQ(len, dsm_wire_enc_end(&e));
	ASSERT_EQ(0, dsm_wire_decode(buf, len, &d, NULL));
	EXPECT_EQ(0xffff, d.u.shadow.sync);
	/* not a message whose page is received apart */
	EXPECT_EQ(0, dsm_wire_page_head(buf, len));
}

TEST(shadow_ack_fields)
{
	struct dsm_msg m = { .u.shadow = { .page = 0, .ver = 0xffffffff,
					   .sync = 0, .data = page } }, d;
	int len;

	/* an ack's sync is what the push's was; no data, whatever @data */
	len = enc(&m, DSM_MSG_SHADOW_ACK);
	ASSERT_EQ(HS + SS, len);
	EXPECT_EQ(DSM_WIRE_F_REPLY, buf[7]);
	ASSERT_EQ(0, dsm_wire_decode(buf, len, &d, NULL));
	EXPECT_EQ(DSM_MSG_SHADOW_ACK, d.hdr.type);
	EXPECT_EQ(0, d.u.shadow.page);
	EXPECT_EQ(0xffffffff, d.u.shadow.ver);
	EXPECT_EQ(0, d.u.shadow.sync);
	EXPECT_EQ(NULL, d.u.shadow.data);
	m.u.shadow.sync = 7;
	m.u.shadow.page = 99;
	len = enc(&m, DSM_MSG_SHADOW_ACK);
	ASSERT_EQ(HS + SS, len);
	ASSERT_EQ(0, dsm_wire_decode(buf, len, &d, NULL));
	EXPECT_EQ(7, d.u.shadow.sync);
	EXPECT_EQ(99, d.u.shadow.page);
}

/* Version 11: a copy goes with its own tag, which may count 0. */
TEST(shadow_push_of_a_copy)
{
	struct dsm_msg m = { .u.shadow = { .page = 12, .ver = 0x1234,
					   .sync = 0, .data = page } }, d;
	int len;

	len = enc(&m, DSM_MSG_SHADOW_PUSH);
	ASSERT_EQ(HS + SS + DSM_PAGE_SIZE, len);
	EXPECT_EQ(0, buf[HS + 12]);
	EXPECT_EQ(0, buf[HS + 13]);
	ASSERT_EQ(0, dsm_wire_decode(buf, len, &d, NULL));
	EXPECT_EQ(DSM_MSG_SHADOW_PUSH, d.hdr.type);
	EXPECT_EQ(12, d.u.shadow.page);
	EXPECT_EQ(0x1234, d.u.shadow.ver);
	EXPECT_EQ(0, d.u.shadow.sync);
	ASSERT_NE(NULL, d.u.shadow.data);
	EXPECT_EQ(0, memcmp(page, d.u.shadow.data, DSM_PAGE_SIZE));
}

TEST(shadow_push_refused)
{
	struct dsm_msg m = { .u.shadow = { .page = 8, .ver = 1, .sync = 2,
					   .data = page } };
	const int full = HS + SS + DSM_PAGE_SIZE;
	int len;

	len = enc(&m, DSM_MSG_SHADOW_PUSH);
	ASSERT_EQ(full, len);
	/* reserved, either byte */
	buf[HS + 14] = 1;
	EXPECT_EQ(DSM_WIRE_R_RESERVED, dsm_test_why(buf, len));
	buf[HS + 14] = 0;
	buf[HS + 15] = 0x80;
	EXPECT_EQ(DSM_WIRE_R_RESERVED, dsm_test_why(buf, len));
	buf[HS + 15] = 0;
	/* page out of range */
	buf[HS + 3] = 0x10;			/* page 2^28 + 8 */
	EXPECT_EQ(DSM_WIRE_R_PAGE, dsm_test_why(buf, len));
	buf[HS + 3] = 0;
	EXPECT_EQ(DSM_WIRE_OK, dsm_test_why(buf, len));
	/* no data, or short data: the length field says so */
	dsm_test_set_len(buf, HS + SS);
	EXPECT_EQ(DSM_WIRE_R_BODY_LEN, dsm_test_why(buf, HS + SS));
	dsm_test_set_len(buf, full - 1);
	EXPECT_EQ(DSM_WIRE_R_BODY_LEN, dsm_test_why(buf, full - 1));
	dsm_test_set_len(buf, full - 8);
	EXPECT_EQ(DSM_WIRE_R_BODY_LEN, dsm_test_why(buf, full - 8));
	/* more than a page */
	memset(buf + full, 0, 8);
	dsm_test_set_len(buf, full + 8);
	EXPECT_EQ(DSM_WIRE_R_BODY_LEN, dsm_test_why(buf, full + 8));
	dsm_test_set_len(buf, full + 1);
	EXPECT_EQ(DSM_WIRE_R_BODY_LEN, dsm_test_why(buf, full + 1));
	/* fewer bytes than the length field */
	dsm_test_set_len(buf, full);
	EXPECT_EQ(DSM_WIRE_R_SHORT, dsm_test_why(buf, full - 1));
	/* the body alone is below a push's fixed part: msgsize */
	dsm_test_set_len(buf, HS + SS - 1);
	EXPECT_EQ(DSM_WIRE_R_MSGSIZE, dsm_test_why(buf, HS + SS - 1));
	/* the REPLY flag belongs to the ack */
	dsm_test_set_len(buf, full);
	buf[7] = DSM_WIRE_F_REPLY;
	EXPECT_EQ(DSM_WIRE_R_FLAGS, dsm_test_why(buf, full));
	buf[7] = DSM_WIRE_F_MORE;
	EXPECT_EQ(DSM_WIRE_R_FLAGS, dsm_test_why(buf, full));
}

TEST(shadow_ack_refused)
{
	struct dsm_msg m = { .u.shadow = { .page = 8, .ver = 1, .sync = 2 } };
	int len;

	len = enc(&m, DSM_MSG_SHADOW_ACK);
	ASSERT_EQ(HS + SS, len);
	buf[HS + 14] = 1;			/* reserved */
	EXPECT_EQ(DSM_WIRE_R_RESERVED, dsm_test_why(buf, len));
	buf[HS + 14] = 0;
	buf[HS + 7] = 0xff;			/* page */
	EXPECT_EQ(DSM_WIRE_R_PAGE, dsm_test_why(buf, len));
	buf[HS + 7] = 0;
	/* an ack carries no page */
	memcpy(buf + len, page, DSM_PAGE_SIZE);
	dsm_test_set_len(buf, len + DSM_PAGE_SIZE);
	EXPECT_EQ(DSM_WIRE_R_BODY_LEN, dsm_test_why(buf, len + DSM_PAGE_SIZE));
	memset(buf + len, 0, 8);
	dsm_test_set_len(buf, len + 8);
	EXPECT_EQ(DSM_WIRE_R_BODY_LEN, dsm_test_why(buf, len + 8));
	dsm_test_set_len(buf, len);
	EXPECT_EQ(DSM_WIRE_OK, dsm_test_why(buf, len));
	buf[7] = 0;				/* a reply without REPLY */
	EXPECT_EQ(DSM_WIRE_R_FLAGS, dsm_test_why(buf, len));
}

/* Version 12: a home tells a node its frame of a page may go. */
TEST(shadow_drop_type)
{
	EXPECT_EQ(26, DSM_MSG_SHADOW_DROP);
	/* the last type of version 12; version 13's follow it */
	EXPECT_EQ(DSM_MSG_SHADOW_DROP + 1, DSM_MSG_LRC_REJOIN);
	EXPECT_STREQ("shadow_drop", dsm_wire_type_name(DSM_MSG_SHADOW_DROP));
	EXPECT_TRUE(dsm_wire_type_ok(DSM_MSG_SHADOW_DROP));
	/* never answered: a request, and no reply type goes with it */
	EXPECT_FALSE(dsm_wire_type_is_reply(DSM_MSG_SHADOW_DROP));
}

TEST(shadow_drop_fields)
{
	/* page 0x0abcdef1, ver 0x76543210, sync 0, reserved 0 */
	static const u8 known[SS] = {
		0xf1, 0xde, 0xbc, 0x0a, 0x00, 0x00, 0x00, 0x00,
		0x10, 0x32, 0x54, 0x76, 0x00, 0x00, 0x00, 0x00,
	};
	static const u32 vers[] = { 0, 1, 0x80000000, 0xffffffff };
	struct dsm_msg m = { .u.shadow = { .page = 0x0abcdef1,
					   .ver = 0x76543210, .sync = 0,
					   .data = page } }, d;
	static u8 first[HS + SS];
	struct dsm_wire_enc e;
	unsigned int i;
	int len;

	/* the shadow body alone, whatever @data: no page follows */
	len = enc(&m, DSM_MSG_SHADOW_DROP);
	ASSERT_EQ(HS + SS, len);
	EXPECT_EQ(DSM_MSG_SHADOW_DROP, buf[6]);
	EXPECT_EQ(0, buf[7]);			/* a request */
	EXPECT_EQ((u32)(HS + SS), dsm_test_ld32(buf + 8));
	EXPECT_EQ(0, memcmp(buf + HS, known, SS));
	ASSERT_EQ(0, dsm_wire_decode(buf, len, &d, NULL));
	EXPECT_EQ(DSM_MSG_SHADOW_DROP, d.hdr.type);
	EXPECT_EQ(0, d.hdr.flags);
	EXPECT_EQ(len, (int)d.hdr.len);
	EXPECT_EQ(0x0abcdef1, d.u.shadow.page);
	EXPECT_EQ(0x76543210, d.u.shadow.ver);
	EXPECT_EQ(0, d.u.shadow.sync);
	EXPECT_EQ(NULL, d.u.shadow.data);
	/* the body function directly: the same bytes */
	memcpy(first, buf, len);
	m.hdr = hdr9;
	m.hdr.type = DSM_MSG_SHADOW_DROP;
	dsm_wire_enc_begin(&e, buf, sizeof(buf), &m.hdr);
	dsm_wire_enc_shadow(&e, DSM_MSG_SHADOW_DROP, &m.u.shadow);
	ASSERT_EQ(len, dsm_wire_enc_end(&e));
	EXPECT_EQ(0, memcmp(first, buf, len));
	/* not a message whose page is received apart: it has none */
	EXPECT_EQ(0, dsm_wire_page_head(buf, len));
	/* every page in range, any version */
	for (i = 0; i < ARRAY_SIZE(vers); i++) {
		m.u.shadow.page = i & 1 ? DSM_MAX_PAGES - 1 : 0;
		m.u.shadow.ver = vers[i];
		m.u.shadow.data = NULL;
		len = enc(&m, DSM_MSG_SHADOW_DROP);
		ASSERT_EQ(HS + SS, len) TH_LOG("case %u", i);
		ASSERT_EQ(0, dsm_wire_decode(buf, len, &d, NULL));
		EXPECT_EQ(m.u.shadow.page, d.u.shadow.page);
		EXPECT_EQ(vers[i], d.u.shadow.ver);
		EXPECT_EQ(vers[i], dsm_test_ld32(buf + HS + 8));
		EXPECT_EQ(0, d.u.shadow.sync);
		EXPECT_EQ(NULL, d.u.shadow.data);
	}
}

TEST(shadow_drop_refused)
{
	struct dsm_msg m = { .u.shadow = { .page = 8, .ver = 3, .sync = 1 } };
	int len;

	/* a DROP names a version, not a tag: sync 0, the encoder's too */
	EXPECT_EQ(-EINVAL, enc(&m, DSM_MSG_SHADOW_DROP));
	m.u.shadow.sync = 0xffff;
	EXPECT_EQ(-EINVAL, enc(&m, DSM_MSG_SHADOW_DROP));
	m.u.shadow.sync = 0;
	len = enc(&m, DSM_MSG_SHADOW_DROP);
	ASSERT_EQ(HS + SS, len);
	buf[HS + 12] = 1;			/* sync, either byte */
	EXPECT_EQ(DSM_WIRE_R_FIELD, dsm_test_why(buf, len));
	buf[HS + 12] = 0;
	buf[HS + 13] = 0x80;
	EXPECT_EQ(DSM_WIRE_R_FIELD, dsm_test_why(buf, len));
	buf[HS + 12] = 0xff;
	buf[HS + 13] = 0xff;
	EXPECT_EQ(DSM_WIRE_R_FIELD, dsm_test_why(buf, len));
	buf[HS + 12] = 0;
	buf[HS + 13] = 0;
	/* reserved, either byte */
	buf[HS + 14] = 1;
	EXPECT_EQ(DSM_WIRE_R_RESERVED, dsm_test_why(buf, len));
	buf[HS + 14] = 0;
	buf[HS + 15] = 0x80;
	EXPECT_EQ(DSM_WIRE_R_RESERVED, dsm_test_why(buf, len));
	buf[HS + 15] = 0;
	/* page out of range: DSM_MAX_PAGES itself, and the top bit */
	buf[HS] = 0;
	buf[HS + 3] = 0x10;			/* page 2^28 */
	EXPECT_EQ(DSM_WIRE_R_PAGE, dsm_test_why(buf, len));
	buf[HS + 3] = 0;
	buf[HS + 7] = 0x80;
	EXPECT_EQ(DSM_WIRE_R_PAGE, dsm_test_why(buf, len));
	buf[HS + 7] = 0;
	buf[HS] = 8;
	EXPECT_EQ(DSM_WIRE_OK, dsm_test_why(buf, len));
	/* a DROP carries no page, nor any byte more */
	memcpy(buf + len, page, DSM_PAGE_SIZE);
	dsm_test_set_len(buf, len + DSM_PAGE_SIZE);
	EXPECT_EQ(DSM_WIRE_R_BODY_LEN, dsm_test_why(buf, len + DSM_PAGE_SIZE));
	memset(buf + len, 0, 8);
	dsm_test_set_len(buf, len + 8);
	EXPECT_EQ(DSM_WIRE_R_BODY_LEN, dsm_test_why(buf, len + 8));
	dsm_test_set_len(buf, len + 1);
	EXPECT_EQ(DSM_WIRE_R_BODY_LEN, dsm_test_why(buf, len + 1));
	/* more bytes than the length field says */
	dsm_test_set_len(buf, len);
	EXPECT_EQ(DSM_WIRE_R_LONG, dsm_test_why(buf, len + 8));
	/* fewer bytes than the length field */
	EXPECT_EQ(DSM_WIRE_R_SHORT, dsm_test_why(buf, len - 1));
	/* shorter than its body */
	dsm_test_set_len(buf, len - 1);
	EXPECT_EQ(DSM_WIRE_R_MSGSIZE, dsm_test_why(buf, len - 1));
	dsm_test_set_len(buf, len - 8);
	EXPECT_EQ(DSM_WIRE_R_MSGSIZE, dsm_test_why(buf, len - 8));
	dsm_test_set_len(buf, len);
	EXPECT_EQ(DSM_WIRE_OK, dsm_test_why(buf, len));
	/* a request, never answered: no REPLY flag, no MORE */
	buf[7] = DSM_WIRE_F_REPLY;
	EXPECT_EQ(DSM_WIRE_R_FLAGS, dsm_test_why(buf, len));
	buf[7] = DSM_WIRE_F_MORE;
	EXPECT_EQ(DSM_WIRE_R_FLAGS, dsm_test_why(buf, len));
	buf[7] = DSM_WIRE_F_REPLY | DSM_WIRE_F_MORE;
	EXPECT_EQ(DSM_WIRE_R_FLAGS, dsm_test_why(buf, len));
	buf[7] = 0;
	EXPECT_EQ(DSM_WIRE_OK, dsm_test_why(buf, len));
}

TEST(shadow_drop_encoder_misuse)
{
	struct dsm_msg_shadow b = { .page = 1, .ver = 2, .sync = 0,
				    .data = page };
	struct dsm_msg_hdr h = hdr9;
	struct dsm_wire_enc e;
	int size;
	u8 *out;

	/* a DROP's body under another shadow type's header, and back */
	h.type = DSM_MSG_SHADOW_ACK;
	dsm_wire_enc_begin(&e, buf, sizeof(buf), &h);
	dsm_wire_enc_shadow(&e, DSM_MSG_SHADOW_DROP, &b);
	EXPECT_EQ(-EINVAL, dsm_wire_enc_end(&e));
	h.type = DSM_MSG_SHADOW_PUSH;
	dsm_wire_enc_begin(&e, buf, sizeof(buf), &h);
	dsm_wire_enc_shadow(&e, DSM_MSG_SHADOW_DROP, &b);
	EXPECT_EQ(-EINVAL, dsm_wire_enc_end(&e));
	h.type = DSM_MSG_SHADOW_DROP;
	dsm_wire_enc_begin(&e, buf, sizeof(buf), &h);
	dsm_wire_enc_shadow(&e, DSM_MSG_SHADOW_ACK, &b);
	EXPECT_EQ(-EINVAL, dsm_wire_enc_end(&e));
	/* a second body */
	dsm_wire_enc_begin(&e, buf, sizeof(buf), &h);
	dsm_wire_enc_shadow(&e, DSM_MSG_SHADOW_DROP, &b);
	dsm_wire_enc_shadow(&e, DSM_MSG_SHADOW_DROP, &b);
	EXPECT_EQ(-EINVAL, dsm_wire_enc_end(&e));
	/* every short buffer, exactly sized on the heap */
	for (size = 0; size <= HS + SS; size++) {
		out = malloc(size ? size : 1);
		ASSERT_NE(NULL, out);
		dsm_wire_enc_begin(&e, out, size, &h);
		dsm_wire_enc_shadow(&e, DSM_MSG_SHADOW_DROP, &b);
		EXPECT_EQ(size < HS + SS ? -ENOSPC : HS + SS,
			  dsm_wire_enc_end(&e))
			TH_LOG("size %d", size);
		free(out);
	}
}

TEST(shadow_encoder_misuse)
{
	struct dsm_msg_shadow b = { .page = 1, .ver = 2, .sync = 3,
				    .data = page };
	struct dsm_msg_hdr h = hdr9;
	struct dsm_wire_enc e;
	int size;
	u8 *out;

	/* a push without its page */
	h.type = DSM_MSG_SHADOW_PUSH;
	b.data = NULL;
	dsm_wire_enc_begin(&e, buf, sizeof(buf), &h);
	dsm_wire_enc_shadow(&e, DSM_MSG_SHADOW_PUSH, &b);
	EXPECT_EQ(-EINVAL, dsm_wire_enc_end(&e));
	b.data = page;
	/* the body of the other shadow type, or of no shadow type */
	dsm_wire_enc_begin(&e, buf, sizeof(buf), &h);
	dsm_wire_enc_shadow(&e, DSM_MSG_SHADOW_ACK, &b);
	EXPECT_EQ(-EINVAL, dsm_wire_enc_end(&e));
	h.type = DSM_MSG_INVAL_ACK;		/* 16 bytes too */
	dsm_wire_enc_begin(&e, buf, sizeof(buf), &h);
	dsm_wire_enc_shadow(&e, DSM_MSG_INVAL_ACK, &b);
	EXPECT_EQ(-EINVAL, dsm_wire_enc_end(&e));
	/* a second body */
	h.type = DSM_MSG_SHADOW_ACK;
	dsm_wire_enc_begin(&e, buf, sizeof(buf), &h);
	dsm_wire_enc_shadow(&e, DSM_MSG_SHADOW_ACK, &b);
	dsm_wire_enc_shadow(&e, DSM_MSG_SHADOW_ACK, &b);
	EXPECT_EQ(-EINVAL, dsm_wire_enc_end(&e));
	/* every short buffer, exactly sized on the heap */
	h.type = DSM_MSG_SHADOW_PUSH;
	for (size = 0; size <= HS + SS + (int)DSM_PAGE_SIZE; size++) {
		out = malloc(size ? size : 1);
		ASSERT_NE(NULL, out);
		dsm_wire_enc_begin(&e, out, size, &h);
		dsm_wire_enc_shadow(&e, DSM_MSG_SHADOW_PUSH, &b);
		EXPECT_EQ(size < HS + SS + (int)DSM_PAGE_SIZE ? -ENOSPC :
			  HS + SS + (int)DSM_PAGE_SIZE, dsm_wire_enc_end(&e))
			TH_LOG("size %d", size);
		free(out);
	}
}

TEST_HARNESS_MAIN
