// SPDX-License-Identifier: GPL-2.0
/*
 * test_wire_ext.c - a PAGE_GRANT whose page is sent from where it is
 * (dsm_wire_enc_page_grant_ext(), the kernel's zero-copy send) is, on the
 * wire, byte for byte the grant dsm_wire_enc_page_grant() builds with the
 * page copied in: a peer running the copying code must not see a
 * difference. Also: its header and body are pinned to known bytes, and
 * the encoder refuses misuse of it.
 */
#include <stdlib.h>

#include "kselftest_harness.h"
#include "test_util.h"

#define HS	DSM_WIRE_HDR_SIZE
#define GS	(HS + (int)sizeof(struct dsm_wire_page_grant))

static u8 copied[DSM_WIRE_MAX_MSG], page[DSM_PAGE_SIZE];

/* Encode @h/@b as the copying sender does; its length. */
static int enc_copy(const struct dsm_msg_hdr *h,
		    const struct dsm_msg_page_grant *b)
{
	struct dsm_msg_page_grant d = *b;
	struct dsm_wire_enc e;

	d.data = page;
	dsm_wire_enc_begin(&e, copied, sizeof(copied), h);
	dsm_wire_enc_page_grant(&e, &d);
	return dsm_wire_enc_end(&e);
}

/* Encode as the zero-copy sender does, into exactly @size heap bytes. */
static int enc_ext(const struct dsm_msg_hdr *h,
		   const struct dsm_msg_page_grant *b, u8 *buf, u32 size)
{
	struct dsm_wire_enc e;

	dsm_wire_enc_begin(&e, buf, size, h);
	dsm_wire_enc_page_grant_ext(&e, b);
	return dsm_wire_enc_end(&e);
}

/* Every grant a sender makes: both encodings give the same bytes. */
TEST(same_bytes_as_copy)
{
	static const u8 access[] = { DSM_ACCESS_READ, DSM_ACCESS_WRITE };
	struct dsm_msg_hdr h = { .version = DSM_WIRE_VERSION_MAX,
				 .type = DSM_MSG_PAGE_GRANT };
	struct dsm_msg_page_grant b;
	struct dsm_rng rng;
	unsigned int i, k;
	int n, len;
	u8 *buf;

	dsm_rng_seed(&rng, 13);
	for (i = 0; i < 64; i++) {
		dsm_rng_fill(&rng, page, sizeof(page));
		h.src = dsm_rng_below(&rng, DSM_MAX_NODES);
		h.dst = (h.src + 1 + dsm_rng_below(&rng, DSM_MAX_NODES - 1)) %
			DSM_MAX_NODES;
		h.req_id = dsm_rng_next(&rng);
		memset(&b, 0, sizeof(b));
		b.page = dsm_rng_below(&rng, 1U << 20);
		b.access = access[i & 1];
		b.owner = b.access == DSM_ACCESS_WRITE ? h.dst : h.src;
		b.copyset = dsm_rng_next(&rng) &
			    DSM_ALL_NODES;
		b.ver = (u32)dsm_rng_next(&rng);	/* version 9 */
		/* data and NO_DATA are the encoder's business, not ours */
		b.data = (i & 2) ? copied : NULL;
		b.flags = (i & 4) ? DSM_GRANT_F_NO_DATA : 0;
		len = enc_copy(&h, &b);
		ASSERT_EQ(GS + DSM_PAGE_SIZE, len);
		buf = malloc(GS);	/* ASan: nothing past the head */
		ASSERT_NE(NULL, buf);
		n = enc_ext(&h, &b, buf, GS);
		ASSERT_EQ(GS, n) TH_LOG("grant %u", i);
		EXPECT_EQ(0, memcmp(buf, copied, GS)) {
			for (k = 0; k < GS; k++)
				if (buf[k] != copied[k])
					TH_LOG("grant %u: byte %u: %#x, copy %#x",
					       i, k, buf[k], copied[k]);
		}
		EXPECT_EQ(0, memcmp(copied + GS, page, DSM_PAGE_SIZE));
		free(buf);
	}
}

/*
 * The catalogue's grant (wire_samples.c), re-encoded without its page:
 * head + page is the sample; and its head is pinned to these bytes.
 */
TEST(sample_and_known_bytes)
{
	static const u8 known[GS] = {
		0x44, 0x53, 0x4d, 0x57, 0x0e, 0x00, 0x05, 0x01,	/* DSMW v14 */
		0x38, 0x10, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00,	/* len src dst */
		0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,	/* req_id */
		0xf6, 0xe5, 0xd4, 0xc3, 0xb2, 0xa1, 0x00, 0x00,	/* epoch */
	};
	static u8 sample[DSM_WIRE_MAX_MSG];
	const char *name = NULL;
	u8 head[GS];
	struct dsm_msg m;
	unsigned int i;
	int len = 0;

	for (i = 0; i < dsm_sample_count(); i++) {
		len = dsm_sample(i, sample, sizeof(sample), &name);
		if (len > 0 && !strcmp(name, "grant_data"))
			break;
	}
	ASSERT_LT(i, dsm_sample_count());
	ASSERT_EQ(GS + DSM_PAGE_SIZE, len);
	ASSERT_EQ(0, dsm_wire_decode(sample, len, &m, NULL));
	ASSERT_EQ(GS, enc_ext(&m.hdr, &m.u.page_grant, head, sizeof(head)));
	EXPECT_EQ(0, memcmp(head, sample, GS));
	/* The header: magic, version, type, REPLY, length (4152), ids,
	 * epoch (48 bits, the top 16 reserved).
	 */
	EXPECT_EQ(0, memcmp(head, known, HS));
	/* The body as the decoder reads it: data announced. */
	EXPECT_EQ(0, m.u.page_grant.flags & DSM_GRANT_F_NO_DATA);
	EXPECT_EQ(0, head[HS + offsetof(struct dsm_wire_page_grant, flags)]);
}

TEST(misuse)
{
	struct dsm_msg_hdr h = { .version = DSM_WIRE_VERSION_MAX,
				 .type = DSM_MSG_PAGE_GRANT, .src = 1,
				 .dst = 2 };
	struct dsm_msg_page_grant b = { .page = 1,
					.access = DSM_ACCESS_READ,
					.owner = 1 };
	struct dsm_msg_inval inval = { .page = 1 };
	struct dsm_wire_enc e;
	u8 buf[GS];
	int size;

	/* every buffer too short: -ENOSPC, and the exact size works */
	for (size = 0; size < GS; size++)
		EXPECT_EQ(-ENOSPC, enc_ext(&h, &b, buf, size));
	EXPECT_EQ(GS, enc_ext(&h, &b, buf, GS));
	/* a value the decoder refuses: write access to another owner */
	b.access = DSM_ACCESS_WRITE;
	EXPECT_EQ(-EINVAL, enc_ext(&h, &b, buf, GS));
	b.access = DSM_ACCESS_READ;
	/* a shadow grant has no data: none to send from elsewhere */
	b.flags = DSM_GRANT_F_SHADOW;
	EXPECT_EQ(-EINVAL, enc_ext(&h, &b, buf, GS));
	b.flags = DSM_GRANT_F_SHADOW | DSM_GRANT_F_NO_DATA;
	EXPECT_EQ(-EINVAL, enc_ext(&h, &b, buf, GS));
	b.flags = 0;
	/* another type's message */
	h.type = DSM_MSG_INVAL;
	EXPECT_EQ(-EINVAL, enc_ext(&h, &b, buf, GS));
	/* a grant after another body */
	dsm_wire_enc_begin(&e, buf, sizeof(buf), &h);
	dsm_wire_enc_inval(&e, &inval);
	dsm_wire_enc_page_grant_ext(&e, &b);
	EXPECT_EQ(-EINVAL, dsm_wire_enc_end(&e));
}

/*
 * Receiving in two pieces (the kernel's receive into a page): every grant
 * with data says where its page begins (dsm_wire_page_head()), and its
 * head decodes alone (dsm_wire_decode_ext()) to what dsm_wire_decode()
 * makes of the whole, data pointing where the page was put. Nothing
 * else does: no other message, no grant without data, no other length.
 */
TEST(receive_split)
{
	struct dsm_msg_hdr h = { .version = DSM_WIRE_VERSION_MAX,
				 .type = DSM_MSG_PAGE_GRANT, .src = 3,
				 .dst = 1, .req_id = 77 };
	struct dsm_msg_page_grant b = { .page = 9, .access = DSM_ACCESS_WRITE,
					.owner = 1, .copyset = 5,
					.ver = 0xfedcba98 };
	struct dsm_msg whole, split;
	enum dsm_wire_reject why;
	struct dsm_wire_enc e;
	u8 *head;
	int len;

	len = enc_copy(&h, &b);
	ASSERT_EQ(GS + DSM_PAGE_SIZE, len);
	EXPECT_EQ(GS, dsm_wire_page_head(copied, len));
	ASSERT_EQ(0, dsm_wire_decode(copied, len, &whole, NULL));
	head = malloc(GS);	/* ASan: nothing past the head is read */
	ASSERT_NE(NULL, head);
	memcpy(head, copied, GS);
	ASSERT_EQ(0, dsm_wire_decode_ext(head, GS, page, &split, &why));
	EXPECT_EQ(DSM_WIRE_OK, why);
	EXPECT_EQ(1, split.u.page_grant.data == page);
	EXPECT_EQ(0xfedcba98, split.u.page_grant.ver);
	split.u.page_grant.data = whole.u.page_grant.data;
	EXPECT_EQ(0, memcmp(&whole.hdr, &split.hdr, sizeof(whole.hdr)));
	EXPECT_EQ(0, memcmp(&whole.u.page_grant, &split.u.page_grant,
			    sizeof(whole.u.page_grant)));
	/* not the page in the buffer too, nor less than the head */
	EXPECT_NE(0, dsm_wire_decode_ext(copied, len, page, &split, &why));
	EXPECT_NE(0, dsm_wire_decode_ext(head, GS - 8, page, &split, &why));
	/* a damaged head is refused as by dsm_wire_decode() */
	head[HS + offsetof(struct dsm_wire_page_grant, flags)] = 0x80;
	EXPECT_NE(0, dsm_wire_decode_ext(head, GS, page, &split, &why));
	EXPECT_EQ(DSM_WIRE_R_ACCESS, why);
	free(head);
	EXPECT_EQ(0, dsm_wire_page_head(copied, len - 8));
	/* a grant without data: no page */
	dsm_wire_enc_begin(&e, copied, sizeof(copied), &h);
	dsm_wire_enc_page_grant(&e, &b);	/* b.data NULL: NO_DATA */
	len = dsm_wire_enc_end(&e);
	ASSERT_EQ(GS, len);
	EXPECT_EQ(0, dsm_wire_page_head(copied, len));
	EXPECT_NE(0, dsm_wire_decode_ext(copied, len, page, &split, &why));
	/* same length, another type: no page */
	copied[offsetof(struct dsm_wire_hdr, type)] = DSM_MSG_DIFF_REPLY;
	EXPECT_EQ(0, dsm_wire_page_head(copied, GS + DSM_PAGE_SIZE));
}

/*
 * 64 nodes: node 63 sends a LOCK_REQ for node 62 with a timestamp of 64
 * entries, each distinct; it decodes to the same header, requester and
 * timestamp, and a width of 65 or a node 64 is refused.
 */
TEST(vt_of_64_and_node_63)
{
	struct dsm_msg_hdr h = { .version = DSM_WIRE_VERSION_MAX,
				 .type = DSM_MSG_LOCK_REQ, .src = 63,
				 .dst = 62, .req_id = 9 };
	struct dsm_msg_lock_req b = { .lock_id = 5, .requester = 63,
				      .req_id = 9 };
	static u8 buf[1024];
	enum dsm_wire_reject why;
	struct dsm_wire_enc e;
	struct dsm_msg m;
	u32 i;
	int len;

	ASSERT_EQ(0, dsm_vt_init(&b.vt, DSM_MAX_NODES));
	for (i = 0; i < DSM_MAX_NODES; i++)
		b.vt.c[i] = 1000 + i;
	dsm_wire_enc_begin(&e, buf, sizeof(buf), &h);
	dsm_wire_enc_lock_req(&e, &b);
	len = dsm_wire_enc_end(&e);
	ASSERT_LT(0, len);
	ASSERT_EQ(0, dsm_wire_decode(buf, len, &m, &why));
	EXPECT_EQ(63, m.hdr.src);
	EXPECT_EQ(62, m.hdr.dst);
	EXPECT_EQ(63, m.u.lock_req.requester);
	ASSERT_EQ(64U, m.u.lock_req.vt.n);
	for (i = 0; i < DSM_MAX_NODES; i++)
		ASSERT_EQ(1000 + i, m.u.lock_req.vt.c[i]);
	/* The same request from node 64 is refused by the encoder. */
	h.src = DSM_MAX_NODES;
	dsm_wire_enc_begin(&e, buf, sizeof(buf), &h);
	dsm_wire_enc_lock_req(&e, &b);
	EXPECT_GT(0, dsm_wire_enc_end(&e));
	h.src = 63;
	b.requester = DSM_MAX_NODES;
	dsm_wire_enc_begin(&e, buf, sizeof(buf), &h);
	dsm_wire_enc_lock_req(&e, &b);
	EXPECT_GT(0, dsm_wire_enc_end(&e));
}

TEST_HARNESS_MAIN
