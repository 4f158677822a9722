/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_home_tab.h - this node's home table, as GET_STATUS reports it
 * (HOME_EPOCH, HOME_BUCKETS), for the tests that watch it (dsm_home,
 * dsm_adapt). Include after dsm_nl_raw.h.
 */
#ifndef _DSM_HOME_TAB_H
#define _DSM_HOME_TAB_H

/* @len: the bytes HOME_BUCKETS had (DSM_HOME_NR_BUCKETS), 0 if none. */
struct home {
	uint64_t epoch;
	int len;
	uint8_t node[DSM_HOME_NR_BUCKETS];
};

static inline void home_cb(struct nlmsghdr *nlh, void *arg)
{
	struct home *h = arg;
	struct nlattr *a;

	nlr_for_each_attr(a, nlh) {
		int len = a->nla_len - NLA_HDRLEN;

		if (a->nla_type == DSM_A_HOME_EPOCH && len == 8)
			memcpy(&h->epoch, nlr_data(a), 8);
		if (a->nla_type == DSM_A_HOME_BUCKETS &&
		    len <= (int)sizeof(h->node)) {
			memcpy(h->node, nlr_data(a), len);
			h->len = len;
		}
	}
}

/* This node's table into @h (zeroed first): 0 or -errno. */
static inline int home_get(struct nlr *r, struct home *h)
{
	memset(h, 0, sizeof(*h));
	nlr_start(r, r->family, DSM_CMD_GET_STATUS, 0);
	return nlr_call(r, home_cb, h);
}

#endif /* _DSM_HOME_TAB_H */
