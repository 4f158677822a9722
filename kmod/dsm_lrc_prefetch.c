// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_lrc_prefetch.c - after a barrier or a lock grant, fetch the pages
 * this node was using (Documentation/lrc.md "Prefetch after a barrier"
 * and "Prefetch after a lock grant"): a page whose copy the release or
 * grant invalidated and that this node had accessed since it was last
 * made valid is likely to be read again (an iterative program reads its
 * neighbours' borders every step; a lock's holder reads the data the
 * lock guards). Its fetch starts at the release or grant, without
 * waiting, from dsm_req's workers, one request per page as a fault would
 * make it, all at once; the program's access later finds the page valid
 * or joins its request in flight. At most lrc_prefetch_pages pages per
 * release or grant; lrc_prefetch_grants turns the grants' off alone.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": lrc: " fmt

#include <linux/module.h>
#include <linux/pagemap.h>

#include "dsm_lrc.h"

#define LRC_PREFETCH_MAX	256

static unsigned int lrc_prefetch_pages = 32;
module_param(lrc_prefetch_pages, uint, 0644);
MODULE_PARM_DESC(lrc_prefetch_pages,
		 "lrc pages in use fetched at a barrier's release or a lock grant, not waited for (0..256, 0 off; default 32)");

static bool lrc_prefetch_grants = true;
module_param(lrc_prefetch_grants, bool, 0644);
MODULE_PARM_DESC(lrc_prefetch_grants,
		 "lrc lock grants prefetch too, up to lrc_prefetch_pages (default Y)");

/* How many pages a release may prefetch now. */
u32 lrc_prefetch_max(void)
{
	return min_t(u32, READ_ONCE(lrc_prefetch_pages), LRC_PREFETCH_MAX);
}

/* How many pages a lock grant may prefetch now. */
u32 lrc_prefetch_grant_max(void)
{
	return READ_ONCE(lrc_prefetch_grants) ? lrc_prefetch_max() : 0;
}

/*
 * Start a fetch of each of @pgs[0..@n) that is invalid and has none in
 * flight; nobody waits for them. A request made here that fails leaves
 * no mark on its page (dsm_req.ahead). With no lock held: it sends, from
 * dsm_req's workers.
 */
void lrc_prefetch(struct dsm_pg **pgs, u32 n)
{
	struct dsm_req *req;
	u32 i;
	int ret;

	for (i = 0; i < n; i++) {
		req = NULL;
		ret = lrc_access(pgs[i], DSM_ACC_NONE, &req);
		if (!ret) {		/* valid again: a fault's fetch was quicker */
			folio_unlock(pgs[i]->folio);
			continue;
		}
		if (ret == -EINPROGRESS) {
			req->ahead = true;
			dsm_stat_inc(DSM_STAT_LRC_PREFETCHES);
			dsm_req_start_async(req);	/* takes our reference */
			continue;
		}
		if (req)		/* joined one in flight */
			dsm_req_put(req);
	}
}
