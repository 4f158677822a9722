/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_diff.h - twins and byte-exact diffs of one page.
 *
 * A diff records the bytes of a page that differ from its twin (the copy
 * taken before the first write of an interval), byte exact, so that diffs
 * of concurrent writers to disjoint bytes of a page merge: a diff never
 * carries a byte its writer did not change. Encoding (wire version 4),
 * little endian, no padding; a 4-byte header:
 *
 *	u8 format	DSM_DIFF_RUNS or DSM_DIFF_BITMAP
 *	u8 reserved	zero
 *	le16 size	total bytes of the diff, this header included
 *
 * DSM_DIFF_RUNS: runs of changed bytes, in ascending order, each a run
 * header then its new bytes. A run starts gap bytes after the end of the
 * previous one (the first: after byte 0, so gap is its offset); later runs
 * have gap >= 1 (adjacent runs are one run). The header, by its first
 * byte b (len is the run's length, 1 .. DSM_PAGE_SIZE):
 *
 *	b < 0x80		1 byte:  gap = b >> 4 (0..7),
 *				         len = (b & 0xf) + 1 (1..16)
 *	(b & 0xc0) == 0x80	2 bytes: gap = b & 0x3f (0..63),
 *				         len = next byte + 1 (1..256)
 *	(b & 0xc0) == 0xc0	4 bytes: gap = (b & 0x3f) << 8 | next byte,
 *				         len = le16 after that + 1
 *
 * The encoder uses the shortest form that holds the run. No header is
 * longer than the 4 bytes a run cost in version 3; a 1-byte run written
 * by one of up to 8 writers interleaving byte by byte costs 2 bytes.
 *
 * DSM_DIFF_BITMAP: a bitmap of DSM_PAGE_SIZE bits (byte i / 8, bit i % 8
 * set: byte i changed), then the changed bytes in page order. The encoder
 * chooses it when it is smaller than the runs, i.e. when the run headers
 * would take more than DSM_DIFF_BITMAP_BYTES: dense short runs, such as
 * two writers interleaving byte by byte (1.25 bytes per byte changed).
 *
 * An empty diff is DSM_DIFF_RUNS with no runs. Since the encoder never
 * makes a diff larger than the bitmap of every byte, no diff exceeds
 * DSM_DIFF_MAX_SIZE. The same bytes are the diff blob of a DIFF_REPLY;
 * the size field delimits it there.
 */
#ifndef _DSM_DIFF_H
#define _DSM_DIFF_H

#include "dsm_core_env.h"
#include "dsm_limits.h"

#define DSM_DIFF_HDR_SIZE	4

/* The formats (first byte). */
#define DSM_DIFF_RUNS		1
#define DSM_DIFF_BITMAP		2

#define DSM_DIFF_BITMAP_BYTES	(DSM_PAGE_SIZE / 8)

/* Runs are separated by at least one unchanged byte. */
#define DSM_DIFF_MAX_RUNS	(DSM_PAGE_SIZE / 2)

/* Largest diff: the bitmap of a page whose every byte changed. */
#define DSM_DIFF_MAX_SIZE	(DSM_DIFF_HDR_SIZE + DSM_DIFF_BITMAP_BYTES + \
				 DSM_PAGE_SIZE)

/* Size of an empty diff (twin and page equal). */
#define DSM_DIFF_EMPTY_SIZE	DSM_DIFF_HDR_SIZE

/**
 * dsm_diff_run_hdr_size() - bytes of the header of a run.
 * @gap:	unchanged bytes before the run (see above).
 * @len:	bytes in the run, 1 .. DSM_PAGE_SIZE.
 *
 * Return: 1, 2 or 4: the shortest form that holds @gap and @len.
 */
static inline u32 dsm_diff_run_hdr_size(u32 gap, u32 len)
{
	if (gap < 8 && len <= 16)
		return 1;
	if (gap < 64 && len <= 256)
		return 2;
	return 4;
}

/**
 * dsm_diff_size() - the size field of a diff (its first DSM_DIFF_HDR_SIZE
 * bytes must be readable; the value is untrusted until validated).
 * @diff:	the encoded diff.
 *
 * Return: the size the diff claims, header included.
 */
static inline u32 dsm_diff_size(const void *diff)
{
	return dsm_ld16((const u8 *)diff + 2);
}

/**
 * dsm_twin_make() - copy @page into @twin before its first write.
 * @twin:	DSM_PAGE_SIZE bytes of destination.
 * @page:	DSM_PAGE_SIZE bytes of source.
 */
static inline void dsm_twin_make(void *twin, const void *page)
{
	memcpy(twin, page, DSM_PAGE_SIZE);
}

/*
 * False sharing detection (Documentation/sharing.md) compares which parts
 * of a page writers wrote at this grain: a page is DSM_SHARE_BLOCKS
 * blocks of DSM_SHARE_BLOCK bytes (a cache line on 4 KiB pages), one bit
 * each of a u64.
 */
#define DSM_SHARE_BLOCKS	64
#define DSM_SHARE_BLOCK		(DSM_PAGE_SIZE / DSM_SHARE_BLOCKS)

int dsm_diff_create(const void *twin, const void *page, void *out, u32 size);
int dsm_diff_validate(const void *diff, u32 len);
int dsm_diff_apply(void *page, const void *diff, u32 len);
u32 dsm_diff_nr_runs(const void *diff);
u64 dsm_diff_blocks(const void *diff);
u64 dsm_page_blocks(const void *a, const void *b);

#endif /* _DSM_DIFF_H */
