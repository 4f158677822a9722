/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_tcp.h - what the TCP transport's files share: dsm_tcp.c
 * (connections, threads) and dsm_tcp_io.c (a message onto the socket).
 */
#ifndef _DSM_TCP_H
#define _DSM_TCP_H

#include <linux/types.h>

struct page;
struct socket;
struct dsm_tx_msg;

int dsm_tcp_xmit(struct socket *sock, const struct dsm_tx_msg *tx,
		 const u8 *tag, size_t tag_len);
int dsm_tcp_recv_page(struct socket *sock, struct page *page, u32 len);

#endif /* _DSM_TCP_H */
