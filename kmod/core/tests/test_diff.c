// SPDX-License-Identifier: GPL-2.0
/*
 * test_diff.c - twins and diffs: round trips on random pages and write
 * sets, edge cases, the size bound, validation of malformed diffs, and
 * multi-writer merges applied in interval order.
 */
#include <stdlib.h>

#include "kselftest_harness.h"
#include "test_util.h"
#include "dsm_interval.h"

#define PS DSM_PAGE_SIZE

static u8 twin[PS], page[PS], out[PS], diff[DSM_DIFF_MAX_SIZE];

static void fill(struct dsm_rng *r)
{
	dsm_rng_fill(r, twin, PS);
	memcpy(page, twin, PS);
}

/* diff(twin, page) applied to a copy of twin gives page; returns size */
static int roundtrip(struct __test_metadata *_metadata)
{
	int len = dsm_diff_create(twin, page, diff, sizeof(diff));

	EXPECT_GE(len, DSM_DIFF_HDR_SIZE);
	EXPECT_LE(len, (int)DSM_DIFF_MAX_SIZE);
	EXPECT_EQ(0, dsm_diff_validate(diff, len));
	memcpy(out, twin, PS);
	EXPECT_EQ(0, dsm_diff_apply(out, diff, len));
	EXPECT_EQ(0, memcmp(out, page, PS));
	return len;
}

TEST(empty_diff)
{
	struct dsm_rng r;

	dsm_rng_seed(&r, 1);
	fill(&r);
	ASSERT_EQ(DSM_DIFF_EMPTY_SIZE, roundtrip(_metadata));
	EXPECT_EQ(0U, dsm_diff_nr_runs(diff));
}

TEST(whole_page)
{
	u32 i;

	memset(twin, 0, PS);
	for (i = 0; i < PS; i++)
		page[i] = (u8)(i | 1);
	ASSERT_EQ(DSM_DIFF_HDR_SIZE + DSM_DIFF_RUN_HDR_SIZE + PS,
		  (u32)roundtrip(_metadata));
	EXPECT_EQ(1U, dsm_diff_nr_runs(diff));
}

TEST(single_byte_edges)
{
	static const u32 offs[] = { 0, 1, 7, 8, 9, 31, 32, 33, 4087, 4088,
				    4094, 4095 };
	struct dsm_rng r;
	u32 i;

	dsm_rng_seed(&r, 2);
	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		fill(&r);
		page[offs[i]] ^= 0x40;
		ASSERT_EQ(DSM_DIFF_HDR_SIZE + DSM_DIFF_RUN_HDR_SIZE + 1,
			  (u32)roundtrip(_metadata));
		EXPECT_EQ(offs[i], (u32)(diff[8] | diff[9] << 8));
	}
}

TEST(last_word)
{
	struct dsm_rng r;

	dsm_rng_seed(&r, 3);
	fill(&r);
	memset(page + PS - 8, 0, 8);
	memset(twin + PS - 8, 0xff, 8);
	ASSERT_EQ(DSM_DIFF_HDR_SIZE + DSM_DIFF_RUN_HDR_SIZE + 8,
		  (u32)roundtrip(_metadata));
	EXPECT_EQ(PS - 8, (u32)(diff[8] | diff[9] << 8));
}

TEST(adjacent_changes_make_one_run)
{
	struct dsm_rng r;

	dsm_rng_seed(&r, 4);
	fill(&r);
	/* two writes that touch, across a word boundary */
	page[5] ^= 1;
	page[6] ^= 1;
	page[7] ^= 1;
	page[8] ^= 1;
	page[9] ^= 1;
	roundtrip(_metadata);
	EXPECT_EQ(1U, dsm_diff_nr_runs(diff));
	/* one unchanged byte between: two runs */
	page[11] ^= 1;
	roundtrip(_metadata);
	EXPECT_EQ(2U, dsm_diff_nr_runs(diff));
}

TEST(worst_case_size_bound)
{
	u32 i;

	/* every other byte changed: the most runs, the largest diff */
	memset(twin, 0, PS);
	memset(page, 0, PS);
	for (i = 0; i < PS; i += 2)
		page[i] = 1;
	page[PS - 1] = 1;
	ASSERT_EQ(DSM_DIFF_MAX_SIZE, (u32)roundtrip(_metadata));
	EXPECT_EQ(DSM_DIFF_MAX_RUNS, dsm_diff_nr_runs(diff));
	EXPECT_EQ(10249U, DSM_DIFF_MAX_SIZE);
}

TEST(random_write_sets)
{
	struct dsm_rng r;
	u32 iter, w;

	dsm_rng_seed(&r, 5);
	for (iter = 0; iter < 3000; iter++) {
		u32 writes = dsm_rng_below(&r, 64);

		fill(&r);
		for (w = 0; w < writes; w++) {
			u32 off = dsm_rng_below(&r, PS);
			u32 len = 1 + dsm_rng_below(&r, iter % 3 ? 16 : 600);

			if (len > PS - off)
				len = PS - off;
			/* a write may store the same value: no change */
			dsm_rng_fill(&r, page + off, len);
			if (w & 1)
				page[off] = twin[off];
		}
		roundtrip(_metadata);
		if (_metadata->passed == 0)
			break;
	}
}

TEST(random_pages_fully_changed)
{
	struct dsm_rng r;
	u32 iter;

	dsm_rng_seed(&r, 6);
	for (iter = 0; iter < 200; iter++) {
		dsm_rng_fill(&r, twin, PS);
		dsm_rng_fill(&r, page, PS);
		roundtrip(_metadata);
	}
}

TEST(out_buffer_too_small)
{
	static u8 small[DSM_DIFF_MAX_SIZE + 64];
	struct dsm_rng r;
	int len, size;

	dsm_rng_seed(&r, 7);
	fill(&r);
	page[10] ^= 1;
	page[2000] ^= 1;
	memset(page + 3000, 0x33, 100);
	len = dsm_diff_create(twin, page, diff, sizeof(diff));
	ASSERT_GT(len, 0);
	for (size = 0; size < len; size++) {
		memset(small, 0xee, sizeof(small));
		EXPECT_EQ(-ENOSPC, dsm_diff_create(twin, page, small, size));
		/* nothing written past the given size */
		EXPECT_EQ(0xee, small[size]);
	}
	EXPECT_EQ(len, dsm_diff_create(twin, page, small, len));
	EXPECT_EQ(0, memcmp(small, diff, len));
}

static void put16(u8 *p, u16 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
}

static void put32(u8 *p, u32 v)
{
	put16(p, (u16)v);
	put16(p + 2, (u16)(v >> 16));
}

/* Build a diff by hand: @n runs of (off, len), data bytes = 0xab. */
static u32 handmade(u8 *d, const u16 (*runs)[2], u32 n)
{
	u32 pos = 8, i;

	for (i = 0; i < n; i++) {
		put16(d + pos, runs[i][0]);
		put16(d + pos + 2, runs[i][1]);
		pos += 4;
		memset(d + pos, 0xab, runs[i][1]);
		pos += runs[i][1];
	}
	put32(d, pos);
	put16(d + 4, (u16)n);
	put16(d + 6, 0);
	return pos;
}

static void expect_rejected(struct __test_metadata *_metadata, const u8 *d,
			    u32 len, int err)
{
	static u8 p[PS], keep[PS];

	memset(p, 0x11, PS);
	memcpy(keep, p, PS);
	EXPECT_EQ(err, dsm_diff_validate(d, len));
	EXPECT_EQ(err, dsm_diff_apply(p, d, len));
	EXPECT_EQ(0, memcmp(p, keep, PS));
}

TEST(apply_rejects_malformed)
{
	static const u16 ok[][2] = { { 0, 1 }, { 2, 3 }, { 4094, 2 } };
	static const u16 overlap[][2] = { { 0, 4 }, { 3, 1 } };
	static const u16 adjacent[][2] = { { 0, 4 }, { 4, 1 } };
	static const u16 unordered[][2] = { { 10, 1 }, { 2, 1 } };
	static const u16 empty_run[][2] = { { 10, 0 } };
	static const u16 past_end[][2] = { { 4095, 2 } };
	static const u16 too_long[][2] = { { 0, 4097 } };
	static const u16 huge_off[][2] = { { 0xffff, 1 } };
	static u8 d[DSM_DIFF_MAX_SIZE + 32];
	u32 len;

	len = handmade(d, ok, 3);
	EXPECT_EQ(0, dsm_diff_validate(d, len));
	/* later runs are valid but the first one is bad: nothing written */
	len = handmade(d, overlap, 2);
	expect_rejected(_metadata, d, len, -EBADMSG);
	len = handmade(d, adjacent, 2);
	expect_rejected(_metadata, d, len, -EBADMSG);
	len = handmade(d, unordered, 2);
	expect_rejected(_metadata, d, len, -EBADMSG);
	len = handmade(d, empty_run, 1);
	expect_rejected(_metadata, d, len, -EBADMSG);
	len = handmade(d, past_end, 1);
	expect_rejected(_metadata, d, len, -EBADMSG);
	len = handmade(d, too_long, 1);
	expect_rejected(_metadata, d, len, -EBADMSG);
	len = handmade(d, huge_off, 1);
	expect_rejected(_metadata, d, len, -EBADMSG);

	/* header: size field, reserved, run count */
	len = handmade(d, ok, 3);
	put32(d, len + 1);
	expect_rejected(_metadata, d, len, -EBADMSG);
	put32(d, len);
	d[6] = 1;
	expect_rejected(_metadata, d, len, -EBADMSG);
	d[6] = 0;
	put16(d + 4, 4);
	expect_rejected(_metadata, d, len, -EBADMSG);
	put16(d + 4, 2);
	expect_rejected(_metadata, d, len, -EBADMSG);
	put16(d + 4, 3);
	EXPECT_EQ(0, dsm_diff_validate(d, len));
	put16(d + 4, DSM_DIFF_MAX_RUNS + 1);
	expect_rejected(_metadata, d, len, -EBADMSG);
	/* impossible lengths */
	expect_rejected(_metadata, d, 0, -EMSGSIZE);
	expect_rejected(_metadata, d, 7, -EMSGSIZE);
	expect_rejected(_metadata, d, DSM_DIFF_MAX_SIZE + 1, -EMSGSIZE);
}

TEST(apply_rejects_every_truncation)
{
	static u8 d[DSM_DIFF_MAX_SIZE];
	struct dsm_rng r;
	int len, cut;

	dsm_rng_seed(&r, 8);
	fill(&r);
	page[0] ^= 1;
	memset(page + 100, 0, 50);
	page[4095] ^= 1;
	len = dsm_diff_create(twin, page, diff, sizeof(diff));
	ASSERT_GT(len, 0);
	for (cut = 0; cut < len; cut++) {
		/* as received: the size field still says len */
		memcpy(d, diff, len);
		expect_rejected(_metadata, d, cut,
				cut < DSM_DIFF_HDR_SIZE ? -EMSGSIZE : -EBADMSG);
		/* with the size field patched to the cut */
		if (cut >= DSM_DIFF_HDR_SIZE) {
			put32(d, cut);
			if (cut > DSM_DIFF_HDR_SIZE)
				expect_rejected(_metadata, d, cut, -EBADMSG);
		}
	}
}

/*
 * Several writers change disjoint bytes of one page in concurrent
 * intervals; a reader applies their diffs in dsm_interval_sort() order
 * and gets every write. Then writers that overwrite each other in
 * happens-before order: the later write wins.
 */
TEST(multi_writer_merge)
{
	static u8 base[PS], w[4][PS], merged[PS], expect[PS];
	static u8 d[4][DSM_DIFF_MAX_SIZE];
	struct dsm_interval iv[4];
	const struct dsm_interval *order[4];
	struct dsm_rng r;
	int len[4];
	u32 k, i;

	dsm_rng_seed(&r, 9);
	dsm_rng_fill(&r, base, PS);
	memcpy(expect, base, PS);
	for (k = 0; k < 4; k++) {
		memcpy(w[k], base, PS);
		/* writer k owns bytes with i % 4 == k */
		for (i = k; i < PS; i += 4 * (1 + dsm_rng_below(&r, 5))) {
			w[k][i] = (u8)~base[i];
			expect[i] = w[k][i];
		}
		len[k] = dsm_diff_create(base, w[k], d[k], DSM_DIFF_MAX_SIZE);
		ASSERT_GT(len[k], 0);
		memset(&iv[k], 0, sizeof(iv[k]));
		dsm_vt_init(&iv[k].vt, 4);
		iv[k].creator = k;
		iv[k].index = 1;
		iv[k].vt.c[k] = 1;
		order[k] = &iv[3 - k];
	}
	dsm_interval_sort(order, 4);
	memcpy(merged, base, PS);
	for (k = 0; k < 4; k++)
		ASSERT_EQ(0, dsm_diff_apply(merged, d[order[k]->creator],
					    len[order[k]->creator]));
	EXPECT_EQ(0, memcmp(merged, expect, PS));

	/* node 1's interval saw node 0's: both write byte 100, 1 wins */
	memcpy(w[0], base, PS);
	w[0][100] = 1;
	w[0][200] = 2;
	memcpy(w[1], w[0], PS);
	w[1][100] = 3;
	len[0] = dsm_diff_create(base, w[0], d[0], DSM_DIFF_MAX_SIZE);
	len[1] = dsm_diff_create(w[0], w[1], d[1], DSM_DIFF_MAX_SIZE);
	iv[1].vt.c[0] = 1;		/* (1,1) happened after (0,1) */
	order[0] = &iv[1];
	order[1] = &iv[0];
	dsm_interval_sort(order, 2);
	ASSERT_EQ(&iv[0], order[0]);
	memcpy(merged, base, PS);
	for (k = 0; k < 2; k++)
		ASSERT_EQ(0, dsm_diff_apply(merged, d[order[k]->creator],
					    len[order[k]->creator]));
	EXPECT_EQ(3, merged[100]);
	EXPECT_EQ(2, merged[200]);
}

TEST(twin_copy)
{
	struct dsm_rng r;

	dsm_rng_seed(&r, 10);
	dsm_rng_fill(&r, page, PS);
	dsm_twin_make(twin, page);
	EXPECT_EQ(0, memcmp(twin, page, PS));
}

TEST(unaligned_buffers)
{
	static u8 a[PS + 8], b[PS + 8], o[PS + 8];
	struct dsm_rng r;
	int len;

	dsm_rng_seed(&r, 11);
	dsm_rng_fill(&r, a + 3, PS);
	memcpy(b + 5, a + 3, PS);
	b[5 + 17] ^= 1;
	memset(b + 5 + 1000, 0, 77);
	len = dsm_diff_create(a + 3, b + 5, diff + 1, sizeof(diff) - 1);
	ASSERT_GT(len, 0);
	memcpy(o + 1, a + 3, PS);
	ASSERT_EQ(0, dsm_diff_apply(o + 1, diff + 1, len));
	EXPECT_EQ(0, memcmp(o + 1, b + 5, PS));
}

TEST_HARNESS_MAIN
