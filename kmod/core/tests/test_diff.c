// SPDX-License-Identifier: GPL-2.0
/*
 * test_diff.c - twins and diffs: round trips on random pages and write
 * sets, edge cases, the size of every diff made against the formula of
 * the encoding (and against the version-3 encoding's), interleaved writers,
 * validation of malformed diffs, and multi-writer merges applied in
 * interval order.
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

/*
 * The sizes the encoding promises (dsm_diff.h), counted byte by byte:
 * *v3 = what version 3 made (8 + 4 per run + changed bytes). Return: the
 * size of the diff of twin against page: header + changed bytes + the
 * run headers, or the bitmap if they take more than it.
 */
static u32 expected_size(const u8 *a, const u8 *b, u32 *v3)
{
	u32 i = 0, prev = 0, hdrs = 0, changed = 0, runs = 0, end;

	while (i < PS) {
		if (a[i] == b[i]) {
			i++;
			continue;
		}
		for (end = i; end < PS && a[end] != b[end]; end++)
			;
		hdrs += dsm_diff_run_hdr_size(i - prev, end - i);
		changed += end - i;
		runs++;
		prev = i = end;
	}
	if (v3)
		*v3 = 8 + 4 * runs + changed;
	return DSM_DIFF_HDR_SIZE + changed +
	       (hdrs > DSM_DIFF_BITMAP_BYTES ? DSM_DIFF_BITMAP_BYTES : hdrs);
}

/*
 * diff(twin, page) applied to a copy of twin gives page; its size is the
 * formula's and no more than version 3's; returns the size.
 */
static int roundtrip(struct __test_metadata *_metadata)
{
	int len = dsm_diff_create(twin, page, diff, sizeof(diff));
	u32 v3;

	EXPECT_GE(len, DSM_DIFF_HDR_SIZE);
	EXPECT_LE(len, (int)DSM_DIFF_MAX_SIZE);
	EXPECT_EQ(expected_size(twin, page, &v3), (u32)len);
	EXPECT_LE((u32)len, v3);
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
	/* one run, a 4-byte run header: 4 bytes less than version 3 */
	ASSERT_EQ(DSM_DIFF_HDR_SIZE + 4 + PS, (u32)roundtrip(_metadata));
	EXPECT_EQ(1U, dsm_diff_nr_runs(diff));
	EXPECT_EQ(DSM_DIFF_RUNS, diff[0]);
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
		ASSERT_EQ(DSM_DIFF_HDR_SIZE +
			  dsm_diff_run_hdr_size(offs[i], 1) + 1,
			  (u32)roundtrip(_metadata));
		EXPECT_EQ(1U, dsm_diff_nr_runs(diff));
	}
}

TEST(last_word)
{
	struct dsm_rng r;

	dsm_rng_seed(&r, 3);
	fill(&r);
	memset(page + PS - 8, 0, 8);
	memset(twin + PS - 8, 0xff, 8);
	ASSERT_EQ(DSM_DIFF_HDR_SIZE + 4 + 8, (u32)roundtrip(_metadata));
	/* 4-byte run header: gap PS - 8, length 8 */
	EXPECT_EQ(0xc0 | (PS - 8) >> 8, diff[4]);
	EXPECT_EQ((PS - 8) & 0xff, diff[5]);
	EXPECT_EQ(7, diff[6]);
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

	/* every other byte changed: the most runs; the bitmap is smaller */
	memset(twin, 0, PS);
	memset(page, 0, PS);
	for (i = 0; i < PS; i += 2)
		page[i] = 1;
	page[PS - 1] = 1;
	ASSERT_EQ(DSM_DIFF_HDR_SIZE + DSM_DIFF_BITMAP_BYTES + PS / 2 + 1,
		  (u32)roundtrip(_metadata));
	EXPECT_EQ(DSM_DIFF_BITMAP, diff[0]);
	EXPECT_EQ(DSM_DIFF_MAX_RUNS, dsm_diff_nr_runs(diff));
	/* every byte: runs (4104); the bitmap of it is the bound */
	memset(page, 1, PS);
	ASSERT_EQ(DSM_DIFF_HDR_SIZE + 4 + PS, (u32)roundtrip(_metadata));
	EXPECT_EQ(4612U, DSM_DIFF_MAX_SIZE);
}

/*
 * @w writers interleave in units of @unit bytes, each writing @bytes of
 * the page (all of it if 0): writer k owns the units with index % w == k.
 * Diff of writer 0's page: at most @per_byte bytes per byte written,
 * header aside; returns the diff's size.
 */
static u32 interleaved(struct __test_metadata *_metadata, u32 w, u32 unit,
		       u32 bytes, u32 per_byte)
{
	u32 i, written = 0, len;

	memset(twin, 0x5a, PS);
	memcpy(page, twin, PS);
	for (i = 0; i < PS && (!bytes || written < bytes); i += w * unit) {
		memset(page + i, 0xa5, unit);
		written += unit;
	}
	len = (u32)roundtrip(_metadata);
	EXPECT_LE(len - DSM_DIFF_HDR_SIZE, per_byte * written);
	TH_LOG("%u writers, unit %u, %u bytes written: %u bytes (%.2f/byte)",
	       w, unit, written, len, (double)len / written);
	return len;
}

TEST(interleaved_writers)
{
	static const u32 ws[] = { 2, 3, 4, 8 };
	u32 i;

	for (i = 0; i < ARRAY_SIZE(ws); i++) {
		u32 w = ws[i], n = (PS + w - 1) / w;

		/*
		 * 1-byte units, whole page: n runs with 1-byte headers, or
		 * the bitmap when they take more than it (2, 3, 4 writers)
		 */
		EXPECT_EQ(DSM_DIFF_HDR_SIZE + n +
			  (n > DSM_DIFF_BITMAP_BYTES ? DSM_DIFF_BITMAP_BYTES : n),
			  interleaved(_metadata, w, 1, 0, 2));
		EXPECT_EQ(w <= 4 ? DSM_DIFF_BITMAP : DSM_DIFF_RUNS, diff[0]);
		/* 64 bytes of 1-byte units (bench-lrc.sh's fs 64 1) */
		EXPECT_EQ(DSM_DIFF_HDR_SIZE + 2 * 64,
			  interleaved(_metadata, w, 1, 64, 2));
		/* 8-byte units: gap 8 (w - 1), 2-byte headers but the first */
		EXPECT_EQ(DSM_DIFF_HDR_SIZE + 512 + 1 + 63 * 2,
			  interleaved(_metadata, w, 8, 512, 2));
		/* 64-byte units: 2- or 4-byte headers, 64 bytes each */
		interleaved(_metadata, w, 64, 0, 2);
	}
	/* more writers than a 1-byte header's gap: 2-byte headers */
	EXPECT_EQ(DSM_DIFF_HDR_SIZE + 64 + 1 + 63 * 2,
		  interleaved(_metadata, 16, 1, 64, 3));
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

/* The blocks a diff writes, counted byte by byte. */
static u64 expected_blocks(const u8 *a, const u8 *b)
{
	u64 blocks = 0;
	u32 i;

	for (i = 0; i < PS; i++)
		if (a[i] != b[i])
			blocks |= 1ULL << (i / DSM_SHARE_BLOCK);
	return blocks;
}

/*
 * dsm_diff_blocks() and dsm_page_blocks() name exactly the blocks with a
 * changed byte, for runs and bitmaps, at block edges and across them.
 */
TEST(blocks_written)
{
	struct dsm_rng r;
	u32 iter, k;

	dsm_rng_seed(&r, 77);
	for (iter = 0; iter < 400; iter++) {
		u32 writes = dsm_rng_below(&r, iter % 5 ? 8 : 900);

		fill(&r);
		for (k = 0; k < writes; k++) {
			u32 off = dsm_rng_below(&r, PS);
			u32 len = 1 + dsm_rng_below(&r, 130);

			if (iter % 7 == 0)	/* edges of blocks */
				off = (off / DSM_SHARE_BLOCK) * DSM_SHARE_BLOCK +
				      (k & 1 ? DSM_SHARE_BLOCK - 1 : 0);
			if (off + len > PS)
				len = PS - off;
			page[off + len - 1] ^= 0x5a;
			page[off] ^= 0xa5;
		}
		ASSERT_LT(0, dsm_diff_create(twin, page, diff, sizeof(diff)));
		ASSERT_EQ(expected_blocks(twin, page), dsm_diff_blocks(diff));
		ASSERT_EQ(expected_blocks(twin, page),
			  dsm_page_blocks(twin, page));
	}
	memset(page, 0, PS);
	memset(twin, 0, PS);
	page[PS - 1] = 1;
	ASSERT_LT(0, dsm_diff_create(twin, page, diff, sizeof(diff)));
	ASSERT_EQ(1ULL << 63, dsm_diff_blocks(diff));
	page[PS - 1] = 0;
	ASSERT_LT(0, dsm_diff_create(twin, page, diff, sizeof(diff)));
	ASSERT_EQ(0, dsm_diff_blocks(diff));
	ASSERT_EQ(0, dsm_page_blocks(twin, page));
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

/*
 * The diff of twin against page, @len bytes (in diff), into every buffer
 * shorter: -ENOSPC, nothing written past its size; into @len bytes: it.
 */
static void short_buffers(struct __test_metadata *_metadata, int len)
{
	static u8 small[DSM_DIFF_MAX_SIZE + 64];
	int size;

	for (size = 0; size < len; size++) {
		memset(small, 0xee, sizeof(small));
		EXPECT_EQ(-ENOSPC, dsm_diff_create(twin, page, small, size));
		/* nothing written past the given size */
		EXPECT_EQ(0xee, small[size]);
	}
	EXPECT_EQ(len, dsm_diff_create(twin, page, small, len));
	EXPECT_EQ(0, memcmp(small, diff, len));
}

TEST(out_buffer_too_small)
{
	struct dsm_rng r;
	int len;

	dsm_rng_seed(&r, 7);
	fill(&r);
	page[10] ^= 1;
	page[2000] ^= 1;
	memset(page + 3000, 0x33, 100);
	len = dsm_diff_create(twin, page, diff, sizeof(diff));
	ASSERT_GT(len, 0);
	short_buffers(_metadata, len);
}

static void put16(u8 *p, u16 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
}

/*
 * Build a run diff by hand: @n runs of (gap, len) in the 4-byte header
 * form (any form is accepted), data bytes = 0xab.
 */
static u32 handmade(u8 *d, const u16 (*runs)[2], u32 n)
{
	u32 pos = DSM_DIFF_HDR_SIZE, i;

	for (i = 0; i < n; i++) {
		d[pos] = (u8)(0xc0 | runs[i][0] >> 8);
		d[pos + 1] = (u8)runs[i][0];
		put16(d + pos + 2, (u16)(runs[i][1] - 1));
		pos += 4;
		memset(d + pos, 0xab, runs[i][1]);
		pos += runs[i][1];
	}
	d[0] = DSM_DIFF_RUNS;
	d[1] = 0;
	put16(d + 2, (u16)pos);
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

TEST(apply_rejects_malformed_runs)
{
	/* (gap, len): runs at 0, 2 .. 4, 4094 .. 4095 */
	static const u16 ok[][2] = { { 0, 1 }, { 1, 3 }, { 4089, 2 } };
	static const u16 adjacent[][2] = { { 0, 4 }, { 0, 1 } };
	static const u16 empty_run[][2] = { { 10, 0 } };
	static const u16 past_end[][2] = { { 4095, 2 } };
	static const u16 after_end[][2] = { { 0, 4096 }, { 1, 1 } };
	static const u16 too_long[][2] = { { 0, 4097 } };
	static const u16 huge_gap[][2] = { { 0x3fff, 1 } };
	static u8 d[DSM_DIFF_MAX_SIZE + 32];
	u32 len;

	len = handmade(d, ok, 3);
	EXPECT_EQ(0, dsm_diff_validate(d, len));
	EXPECT_EQ(3U, dsm_diff_nr_runs(d));
	/* later runs are valid but the first one is bad: nothing written */
	len = handmade(d, adjacent, 2);
	expect_rejected(_metadata, d, len, -EBADMSG);
	len = handmade(d, empty_run, 1);	/* len 0 reads as 65536 */
	expect_rejected(_metadata, d, len, -EBADMSG);
	len = handmade(d, past_end, 1);
	expect_rejected(_metadata, d, len, -EBADMSG);
	len = handmade(d, after_end, 2);
	expect_rejected(_metadata, d, len, -EBADMSG);
	len = handmade(d, too_long, 1);
	expect_rejected(_metadata, d, len, -EBADMSG);
	len = handmade(d, huge_gap, 1);
	expect_rejected(_metadata, d, len, -EBADMSG);

	/* header: size field, reserved, format */
	len = handmade(d, ok, 3);
	put16(d + 2, (u16)(len + 1));
	expect_rejected(_metadata, d, len, -EBADMSG);
	put16(d + 2, (u16)len);
	d[1] = 1;
	expect_rejected(_metadata, d, len, -EBADMSG);
	d[1] = 0;
	d[0] = 0;
	expect_rejected(_metadata, d, len, -EBADMSG);
	d[0] = 3;
	expect_rejected(_metadata, d, len, -EBADMSG);
	d[0] = DSM_DIFF_RUNS;
	EXPECT_EQ(0, dsm_diff_validate(d, len));
	/* a short header form cut by the end of the diff */
	d[4] = 0x80;
	put16(d + 2, 5);
	expect_rejected(_metadata, d, 5, -EBADMSG);
	d[4] = 0xc0;
	d[5] = 0;
	d[6] = 0;
	put16(d + 2, 7);
	expect_rejected(_metadata, d, 7, -EBADMSG);
	/* impossible lengths */
	expect_rejected(_metadata, d, 0, -EMSGSIZE);
	expect_rejected(_metadata, d, 3, -EMSGSIZE);
	expect_rejected(_metadata, d, DSM_DIFF_MAX_SIZE + 1, -EMSGSIZE);
}

TEST(apply_rejects_malformed_bitmap)
{
	static u8 d[DSM_DIFF_MAX_SIZE + 32];
	u32 len = DSM_DIFF_HDR_SIZE + DSM_DIFF_BITMAP_BYTES + 3;

	memset(d, 0, sizeof(d));
	d[0] = DSM_DIFF_BITMAP;
	put16(d + 2, (u16)len);
	d[DSM_DIFF_HDR_SIZE] = 0x05;		/* bytes 0 and 2 */
	d[DSM_DIFF_HDR_SIZE + 511] = 0x80;	/* byte 4095 */
	EXPECT_EQ(0, dsm_diff_validate(d, len));
	EXPECT_EQ(3U, dsm_diff_nr_runs(d));
	/* one bit more or less than bytes */
	d[DSM_DIFF_HDR_SIZE + 100] = 1;
	expect_rejected(_metadata, d, len, -EBADMSG);
	d[DSM_DIFF_HDR_SIZE + 100] = 0;
	d[DSM_DIFF_HDR_SIZE] = 0x01;
	expect_rejected(_metadata, d, len, -EBADMSG);
	/* no bit at all: an empty diff is a run diff */
	memset(d + DSM_DIFF_HDR_SIZE, 0, DSM_DIFF_BITMAP_BYTES);
	put16(d + 2, DSM_DIFF_HDR_SIZE + DSM_DIFF_BITMAP_BYTES);
	expect_rejected(_metadata, d, DSM_DIFF_HDR_SIZE + DSM_DIFF_BITMAP_BYTES,
			-EBADMSG);
	/* shorter than its bitmap */
	put16(d + 2, DSM_DIFF_HDR_SIZE + 10);
	expect_rejected(_metadata, d, DSM_DIFF_HDR_SIZE + 10, -EBADMSG);
}

/* Offsets in @d (a valid run diff) where a run ends: cuts that parse. */
static bool run_boundary(const u8 *d, u32 len, u32 cut)
{
	u32 pos = DSM_DIFF_HDR_SIZE, rl;

	while (pos < len && pos < cut) {
		u8 b = d[pos];

		if (b < 0x80) {
			rl = (b & 15) + 1;
			pos += 1;
		} else if (b < 0xc0) {
			rl = d[pos + 1] + 1u;
			pos += 2;
		} else {
			rl = (d[pos + 2] | d[pos + 3] << 8) + 1u;
			pos += 4;
		}
		pos += rl;
	}
	return pos == cut;
}

TEST(apply_rejects_every_truncation)
{
	static u8 d[DSM_DIFF_MAX_SIZE];
	struct dsm_rng r;
	int len, cut, pass;

	dsm_rng_seed(&r, 8);
	for (pass = 0; pass < 2; pass++) {
		fill(&r);
		page[0] ^= 1;
		memset(page + 100, 0, 50);
		page[4095] ^= 1;
		if (pass)	/* a bitmap: every other byte of 2 KiB */
			for (cut = 0; cut < 2048; cut += 2)
				page[1000 + cut] ^= 0x10;
		len = dsm_diff_create(twin, page, diff, sizeof(diff));
		ASSERT_GT(len, 0);
		ASSERT_EQ(pass ? DSM_DIFF_BITMAP : DSM_DIFF_RUNS, diff[0]);
		for (cut = 0; cut < len; cut++) {
			/* as received: the size field still says len */
			memcpy(d, diff, len);
			expect_rejected(_metadata, d, cut,
					cut < DSM_DIFF_HDR_SIZE ? -EMSGSIZE :
								  -EBADMSG);
			/*
			 * With the size field patched to the cut: only a
			 * run diff cut where a run ends is still a diff.
			 */
			if (cut < DSM_DIFF_HDR_SIZE)
				continue;
			put16(d + 2, (u16)cut);
			if (!pass && run_boundary(diff, len, cut)) {
				EXPECT_EQ(0, dsm_diff_validate(d, cut));
			} else {
				expect_rejected(_metadata, d, cut, -EBADMSG);
			}
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

/* The runs of changed bytes between twin and page, byte by byte. */
static u32 runs_of(void)
{
	u32 i, runs = 0;

	for (i = 0; i < PS; i++)
		if (twin[i] != page[i] && (!i || twin[i - 1] == page[i - 1]))
			runs++;
	return runs;
}

/*
 * Dense pages, each word with a random set of its bytes changed: one run
 * in the word (the one-store path of the bitmap), several, or all of it;
 * densities around the point where the runs' headers outgrow the bitmap,
 * so that dsm_diff_create()'s count of the runs decides both ways. Every
 * diff has the formula's size and round-trips; the format is the one
 * the run headers call for.
 */
TEST(dense_word_masks)
{
	struct dsm_rng r;
	u32 iter, w, k, m, bitmaps = 0, runs_fmt = 0;

	dsm_rng_seed(&r, 12);
	for (iter = 0; iter < 3000; iter++) {
		u32 keep = dsm_rng_below(&r, 8);	/* words left alone, /8 */

		fill(&r);
		for (w = 0; w < PS / 8; w++) {
			if (dsm_rng_below(&r, 8) < keep)
				continue;
			m = iter % 3 ? (u32)dsm_rng_next(&r) & 0xff :
				       (0xffu >> dsm_rng_below(&r, 8)) <<
				       dsm_rng_below(&r, 4);
			for (k = 0; k < 8; k++)
				if (m >> k & 1)
					page[8 * w + k] = (u8)~twin[8 * w + k];
		}
		roundtrip(_metadata);
		if (diff[0] == DSM_DIFF_BITMAP)
			bitmaps++;
		else
			runs_fmt++;
		if (runs_of() > DSM_DIFF_BITMAP_BYTES)
			ASSERT_EQ(DSM_DIFF_BITMAP, diff[0]);
		if (_metadata->passed == 0)
			break;
	}
	TH_LOG("%u bitmaps, %u run lists", bitmaps, runs_fmt);
	EXPECT_LT(100U, bitmaps);
	EXPECT_LT(100U, runs_fmt);
}

/*
 * Runs that cross words: 511 two-byte runs over each pair of words and
 * one at byte 0 are 512 runs with 1-byte headers, exactly the bitmap's
 * bytes: the run list (not larger). One run more: the bitmap. A count of
 * the runs that took a crossing run for two would choose the bitmap for
 * both.
 */
TEST(runs_across_words)
{
	u32 w;

	memset(twin, 0x11, PS);
	memcpy(page, twin, PS);
	page[0] = 0x22;
	for (w = 0; w < PS / 8 - 1; w++) {
		page[8 * w + 7] = 0x22;
		page[8 * w + 8] = 0x22;
	}
	ASSERT_EQ(DSM_DIFF_BITMAP_BYTES, runs_of());
	roundtrip(_metadata);
	EXPECT_EQ(DSM_DIFF_RUNS, diff[0]);
	page[PS - 1] = 0x22;
	ASSERT_EQ(DSM_DIFF_BITMAP_BYTES + 1, runs_of());
	roundtrip(_metadata);
	EXPECT_EQ(DSM_DIFF_BITMAP, diff[0]);
}

/*
 * A row of doubles after a relaxation sweep: each value moved in its low
 * bytes only. The bitmap, of the formula's size; every size below it is
 * refused with nothing written past it, and the exact size takes it.
 */
TEST(relaxed_doubles)
{
	struct dsm_rng r;
	int len;
	u32 w;

	dsm_rng_seed(&r, 13);
	for (w = 0; w < PS / 8; w++) {
		double x = 1.0 + (double)dsm_rng_below(&r, 1000000) / 1e7;
		double y = x * (1.0 + (double)(dsm_rng_below(&r, 1000) + 1) /
				1e9);

		memcpy(twin + 8 * w, &x, 8);
		memcpy(page + 8 * w, &y, 8);
	}
	ASSERT_LT(DSM_DIFF_BITMAP_BYTES, runs_of());
	len = roundtrip(_metadata);
	ASSERT_EQ(DSM_DIFF_BITMAP, diff[0]);
	short_buffers(_metadata, len);
	/* a page already holding some of the bytes: only the others move */
	memcpy(out, twin, PS);
	for (w = 0; w < PS; w += 3)
		out[w] = page[w];
	ASSERT_EQ(0, dsm_diff_apply(out, diff, len));
	EXPECT_EQ(0, memcmp(out, page, PS));
}

TEST_HARNESS_MAIN
