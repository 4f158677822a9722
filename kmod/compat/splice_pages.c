// SPDX-License-Identifier: GPL-2.0
/*
 * Probe: sendmsg(MSG_SPLICE_PAGES) on TCP, which takes the pages of a
 * bvec iterator into the socket's buffers by reference instead of copying
 * them. Probed by skb_splice_from_iter(), added with it in 6.5 by commit
 * 2e910b95329c ("net: Add a function to splice pages into an skbuff for
 * MSG_SPLICE_PAGES"). Not by the flag itself: Debian's 6.1 defines
 * MSG_SPLICE_PAGES (to strip it from userspace's sendmsg() flags) but its
 * TCP ignores it and copies.
 */
#include <linux/skbuff.h>

ssize_t dsm_probe(struct sk_buff *skb, struct iov_iter *iter);
ssize_t dsm_probe(struct sk_buff *skb, struct iov_iter *iter)
{
	return skb_splice_from_iter(skb, iter, 1, 1);
}
