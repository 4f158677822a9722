// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_tcp_io.c - the TCP transport's sending of one message: a struct
 * dsm_tx_msg (a buffer, then maybe a page fragment) onto a socket; and
 * the receiving of a grant's page straight into a page
 * (dsm_tcp_recv_page()).
 *
 * The buffer (header and fixed body, a few dozen bytes, or a whole
 * message without page) is copied into the socket's buffers; the page
 * is not copied into any buffer of ours: it goes as a bvec, taken by
 * reference (MSG_SPLICE_PAGES, 6.5+: the socket holds a page reference
 * until the peer acknowledged the bytes) or, on kernels without it,
 * copied once into the socket's buffers by sendmsg() itself.
 *
 * dsm_tcp_xmit() is the one place a message's pieces meet the socket:
 * the header, the frame's tag (dsm_tcp_seal() in dsm_tcp.c computes it
 * over the whole message, under the same tx_lock), the rest of the
 * buffer, then the page fragment.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": tcp: " fmt

#include <linux/bvec.h>
#include <linux/net.h>
#include <linux/socket.h>
#include <linux/uio.h>
#include <net/sock.h>

#include "dsm_compat.h"
#include "dsm_tcp.h"
#include "dsm_transport.h"

/* Send what @msg's iterator holds, all of it. 0 or a negative errno. */
static int dsm_tcp_send_iter(struct socket *sock, struct msghdr *msg)
{
	int ret;

	while (msg_data_left(msg)) {
		ret = sock_sendmsg(sock, msg);
		if (ret <= 0)
			return ret ? ret : -EIO;
	}
	return 0;
}

/*
 * The fragment, from the page. By reference where the kernel can and the
 * page allows it (sendpage_ok(): not a slab page, referenced), else
 * copied by sendmsg().
 */
static int dsm_tcp_send_page(struct socket *sock, struct page *page,
			     u32 off, u32 len, unsigned int flags)
{
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL | flags };
	struct bio_vec bv;

	if (sendpage_ok(page))
		msg.msg_flags |= DSM_MSG_SPLICE_PAGES;
	bvec_set_page(&bv, page, len, off);
	iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, &bv, 1, len);
	return dsm_tcp_send_iter(sock, &msg);
}

/**
 * dsm_tcp_xmit() - send message @tx on @sock, its tag after its header.
 * @sock:	a connection's socket; the caller holds its peer's tx_lock,
 *		so the message's pieces go out together.
 * @tx:		the message (struct dsm_tx_msg has who owns what).
 * @tag:	the frame's tag (dsm_tcp_seal()), @tag_len bytes; none if 0.
 * @tag_len:	its length.
 *
 * On the wire: the 32-byte header, the tag, the rest of the buffer, the
 * page fragment. The tag goes with the header, not after the page, so
 * that every frame is at most two sendmsg() calls, the last one pushing
 * it out whole: a tag sent on its own after a corked page made a second
 * push, which cost a remote fault under TCG more than a millisecond.
 *
 * Sleeps, at most the socket's send timeout per sendmsg(). Return: 0, or
 * a negative errno after which part of the message may have been sent:
 * the caller drops the connection.
 */
int dsm_tcp_xmit(struct socket *sock, const struct dsm_tx_msg *tx,
		 const u8 *tag, size_t tag_len)
{
	struct msghdr msg = {
		.msg_flags = MSG_NOSIGNAL | (tx->page ? MSG_MORE : 0),
	};
	const u8 *hdr = tx->hdr;
	struct kvec iov[3] = {
		{ .iov_base = (void *)hdr, .iov_len = DSM_WIRE_HDR_SIZE },
		{ .iov_base = (void *)tag, .iov_len = tag_len },
		{ .iov_base = (void *)(hdr + DSM_WIRE_HDR_SIZE),
		  .iov_len = tx->hdr_len - DSM_WIRE_HDR_SIZE },
	};
	int ret;

	if (tx->hdr_len < DSM_WIRE_HDR_SIZE ||
	    (tx->page && (tx->off > PAGE_SIZE ||
			  tx->len > PAGE_SIZE - tx->off)))
		return -EINVAL;
	iov_iter_kvec(&msg.msg_iter, ITER_SOURCE, iov, ARRAY_SIZE(iov),
		      tx->hdr_len + tag_len);
	ret = dsm_tcp_send_iter(sock, &msg);
	if (ret || !tx->page)
		return ret;
	return dsm_tcp_send_page(sock, tx->page, tx->off, tx->len, 0);
}

/**
 * dsm_tcp_recv_page() - read @len bytes from @sock into @page.
 * @sock:	a connection's socket (its receive thread).
 * @page:	from dsm_transport_rx_page().
 * @len:	at most PAGE_SIZE.
 *
 * The socket copies its data into the page through a bvec, with no
 * buffer of ours between. Sleeps until all came or the socket failed.
 * Return: 0, or a negative errno (-ECONNRESET at EOF).
 */
int dsm_tcp_recv_page(struct socket *sock, struct page *page, u32 len)
{
	struct msghdr msg = { .msg_flags = MSG_WAITALL | MSG_NOSIGNAL };
	struct bio_vec bv;
	int ret;

	if (len > PAGE_SIZE)
		return -EINVAL;
	bvec_set_page(&bv, page, len, 0);
	iov_iter_bvec(&msg.msg_iter, ITER_DEST, &bv, 1, len);
	while (msg_data_left(&msg)) {
		ret = sock_recvmsg(sock, &msg, msg.msg_flags);
		if (ret <= 0)
			return ret ? ret : -ECONNRESET;
	}
	return 0;
}
