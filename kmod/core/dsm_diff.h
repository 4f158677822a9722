/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_diff.h - twins and run-length encoded diffs of one page.
 *
 * A diff records the bytes of a page that differ from its twin (the copy
 * taken before the first write of an interval) as byte-exact runs, so that
 * diffs of concurrent writers to disjoint bytes of a page merge. Encoding,
 * all little endian, no padding:
 *
 *	le32 size	total bytes of the diff, this header included
 *	le16 nr_runs	number of runs, <= DSM_DIFF_MAX_RUNS
 *	le16 reserved	zero
 *	nr_runs times:
 *	  le16 offset	first byte of the run in the page
 *	  le16 len	bytes in the run, 1 .. DSM_PAGE_SIZE
 *	  u8 data[len]	the new bytes
 *
 * Runs are in ascending order of offset, inside the page, and separated by
 * at least one byte (adjacent runs are one run), so a diff never exceeds
 * DSM_DIFF_MAX_SIZE. The same bytes are the diff blob of a DIFF_REPLY.
 */
#ifndef _DSM_DIFF_H
#define _DSM_DIFF_H

#include "dsm_core_env.h"
#include "dsm_limits.h"

#define DSM_DIFF_HDR_SIZE	8
#define DSM_DIFF_RUN_HDR_SIZE	4

/* Runs are separated by at least one unchanged byte. */
#define DSM_DIFF_MAX_RUNS	(DSM_PAGE_SIZE / 2)

/*
 * Largest diff: with r runs there are at most DSM_PAGE_SIZE - (r - 1)
 * changed bytes, so the size 8 + 4r + changed grows with r and peaks at
 * r = DSM_DIFF_MAX_RUNS: 8 + 2048 * 4 + 2049 = 10249 bytes.
 */
#define DSM_DIFF_MAX_SIZE	(DSM_DIFF_HDR_SIZE +			\
				 DSM_DIFF_MAX_RUNS * DSM_DIFF_RUN_HDR_SIZE + \
				 DSM_PAGE_SIZE - DSM_DIFF_MAX_RUNS + 1)

/* Size of an empty diff (twin and page equal). */
#define DSM_DIFF_EMPTY_SIZE	DSM_DIFF_HDR_SIZE

/**
 * dsm_twin_make() - copy @page into @twin before its first write.
 * @twin:	DSM_PAGE_SIZE bytes of destination.
 * @page:	DSM_PAGE_SIZE bytes of source.
 */
static inline void dsm_twin_make(void *twin, const void *page)
{
	memcpy(twin, page, DSM_PAGE_SIZE);
}

int dsm_diff_create(const void *twin, const void *page, void *out, u32 size);
int dsm_diff_validate(const void *diff, u32 len);
int dsm_diff_apply(void *page, const void *diff, u32 len);
u32 dsm_diff_nr_runs(const void *diff);

#endif /* _DSM_DIFF_H */
