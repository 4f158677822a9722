// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_peer_nl.c - PEER_SOCKET: dsmd hands the kernel a data connection.
 *
 * dsmd dials (or accepts) the data connection to a peer, authenticates it
 * with the cluster key as it does its control connections, exchanges the
 * link facts with the peer's dsmd (its incarnation, wire versions, page
 * size, PREV_LOST) and hands the connected socket over with the session
 * keys of that handshake and the facts (uapi/linux/dsm.h,
 * Documentation/protocol.md "Connections"), as NBD takes its sockets.
 * There is no second handshake on the socket. Everything is checked here
 * before the transport sees it: CAP_NET_ADMIN (GENL_ADMIN_PERM in
 * dsm_nl.c), exact key lengths, the tag length, the incarnation and the
 * flags (the family policy), keys all or none, the facts given and the
 * wire version one this module speaks, the node a member other than this
 * one, the descriptor a connected TCP stream socket of IPv4 or IPv6, and
 * then (dsm_transport_adopt()) the incarnation the one dsmd reported up.
 *
 * Also what GET_STATUS reports for dsmd's side of the link handshake
 * (dsm_nl_put_link_facts()).
 *
 * Runs under genl_mutex; takes dsm_members.lock (a spinlock) briefly and
 * the transport mutex in dsm_transport_adopt(). Never waits for the
 * network.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/in.h>
#include <linux/net.h>
#include <net/genetlink.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "dsm_internal.h"
#include "dsm_members.h"
#include "dsm_transport.h"

/* The keys of @info into @k: 1 if given, 0 if none, or -EINVAL. */
static int dsm_peer_nl_keys(struct genl_info *info,
			    struct dsm_transport_keys *k)
{
	struct nlattr **a = info->attrs;
	int n = !!a[DSM_A_PEER_TX_KEY] + !!a[DSM_A_PEER_RX_KEY] +
		!!a[DSM_A_PEER_TAG_LEN];

	if (!n)
		return 0;
	if (n != 3) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "give all of PEER_TX_KEY, PEER_RX_KEY and PEER_TAG_LEN, or none");
		return -EINVAL;
	}
	static_assert(DSM_PEER_KEY_SIZE == DSM_AUTH_MAC_SIZE);
	static_assert(DSM_PEER_TAG_MIN == DSM_AUTH_TAG_MIN);
	memset(k, 0, sizeof(*k));
	nla_memcpy(k->tx.key, a[DSM_A_PEER_TX_KEY], sizeof(k->tx.key));
	nla_memcpy(k->rx.key, a[DSM_A_PEER_RX_KEY], sizeof(k->rx.key));
	k->tx.tag_len = nla_get_u32(a[DSM_A_PEER_TAG_LEN]);
	k->rx.tag_len = k->tx.tag_len;
	/* Sequence 0 each way was dsmd's LINK_INFO. */
	k->tx.seq = DSM_PEER_SEQ_FIRST;
	k->rx.seq = DSM_PEER_SEQ_FIRST;
	return 1;
}

/* The handshake facts of @info into @f: 0 or -EINVAL. */
static int dsm_peer_nl_facts(struct genl_info *info,
			     struct dsm_transport_facts *f)
{
	struct nlattr **a = info->attrs;

	if (!a[DSM_A_PEER_INCARNATION] || !a[DSM_A_PEER_WIRE_VERSION]) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "PEER_INCARNATION and PEER_WIRE_VERSION are required (family version 6: is dsmd older than the module?)");
		return -EINVAL;
	}
	f->incarnation = nla_get_u64(a[DSM_A_PEER_INCARNATION]);
	f->wire_version = nla_get_u32(a[DSM_A_PEER_WIRE_VERSION]);
	f->flags = a[DSM_A_PEER_FLAGS] ? nla_get_u32(a[DSM_A_PEER_FLAGS]) : 0;
	if (f->wire_version < DSM_WIRE_VERSION_MIN ||
	    f->wire_version > DSM_WIRE_VERSION_MAX) {
		NL_SET_BAD_ATTR(info->extack, a[DSM_A_PEER_WIRE_VERSION]);
		NL_SET_ERR_MSG_MOD(info->extack,
				   "PEER_WIRE_VERSION is not one this module speaks (WIRE_VERSION_MIN..MAX of GET_STATUS)");
		return -EINVAL;
	}
	return 0;
}

/* Node @node is a member other than this node. */
static int dsm_peer_nl_member(u32 node, struct genl_info *info)
{
	bool ok;

	spin_lock(&dsm_members.lock);
	ok = dsm_members.configured && node != dsm_members.local &&
	     test_bit(node, &dsm_members.present);
	spin_unlock(&dsm_members.lock);
	if (ok)
		return 0;
	NL_SET_ERR_MSG_MOD(info->extack,
			   "NODE_ID is not a configured member other than this node");
	return -ENOENT;
}

/* A connected TCP socket of IPv4 or IPv6. */
static int dsm_peer_nl_sock_ok(struct socket *sock, struct genl_info *info)
{
	struct sock *sk = sock->sk;

	if (!sk || sk->sk_type != SOCK_STREAM ||
	    sk->sk_protocol != IPPROTO_TCP ||
	    (sk->sk_family != AF_INET && sk->sk_family != AF_INET6)) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "SOCKET_FD is not a TCP socket");
		return -EINVAL;
	}
	if (READ_ONCE(sk->sk_state) != TCP_ESTABLISHED) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "SOCKET_FD is not connected");
		return -ENOTCONN;
	}
	return 0;
}

static int dsm_peer_nl_do(struct genl_info *info)
{
	struct dsm_transport_facts facts;
	struct dsm_transport_keys keys;
	struct socket *sock;
	int ret, has_keys;
	u32 node;

	if (!info->attrs[DSM_A_NODE_ID] || !info->attrs[DSM_A_SOCKET_FD]) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "NODE_ID and SOCKET_FD are required");
		return -EINVAL;
	}
	node = nla_get_u32(info->attrs[DSM_A_NODE_ID]);
	ret = dsm_peer_nl_facts(info, &facts);
	if (ret)
		return ret;
	has_keys = dsm_peer_nl_keys(info, &keys);
	if (has_keys < 0)
		return has_keys;
	ret = dsm_peer_nl_member(node, info);
	if (ret)
		goto out;
	sock = sockfd_lookup(nla_get_u32(info->attrs[DSM_A_SOCKET_FD]), &ret);
	if (!sock) {
		NL_SET_ERR_MSG_MOD(info->extack, "SOCKET_FD is not a socket");
		goto out;
	}
	ret = dsm_peer_nl_sock_ok(sock, info);
	if (ret) {
		sockfd_put(sock);
		goto out;
	}
	ret = dsm_transport_adopt(node, sock, has_keys ? &keys : NULL, &facts);
	if (ret) {
		sockfd_put(sock);
		if (ret == -EHOSTUNREACH)
			NL_SET_ERR_MSG_MOD(info->extack,
					   "the node is not wanted now (down, or not reported up yet)");
		else if (ret == -ENOTCONN)
			NL_SET_ERR_MSG_MOD(info->extack,
					   "the transport has not started");
		else if (ret == -ESTALE)
			NL_SET_ERR_MSG_MOD(info->extack,
					   "PEER_INCARNATION is not the incarnation reported up for the node (yet)");
	}
out:
	memzero_explicit(&keys, sizeof(keys));
	return ret;
}

/**
 * dsm_nl_peer_socket() - DSM_CMD_PEER_SOCKET: adopt dsmd's data socket.
 * @skb:	the request.
 * @info:	its attributes (NODE_ID, SOCKET_FD, PEER_INCARNATION,
 *		PEER_WIRE_VERSION, [PEER_FLAGS, PEER_TX_KEY, PEER_RX_KEY,
 *		PEER_TAG_LEN]), validated by the policy.
 *
 * Return: 0, or a negative errno with an extended ack saying why.
 */
int dsm_nl_peer_socket(struct sk_buff *skb, struct genl_info *info)
{
	int ret = dsm_peer_nl_do(info);

	dsm_stat_inc(DSM_STAT_NL_REQUESTS);
	if (ret)
		dsm_stat_inc(DSM_STAT_NL_REJECTED);
	else
		dsm_stat_inc(DSM_STAT_PEER_SOCKETS);
	return ret;
}

/**
 * dsm_nl_put_link_facts() - GET_STATUS's part for dsmd's link handshake:
 * the wire versions and page size of this module, and the nodes whose
 * earlier incarnation this node declared lost (PREV_LOST to them).
 * @msg:	the reply.
 *
 * Takes dsm_members.lock. Return: 0 or -EMSGSIZE.
 */
int dsm_nl_put_link_facts(struct sk_buff *msg)
{
	unsigned long lost;
	u32 local;

	spin_lock(&dsm_members.lock);
	lost = dsm_members.lost;
	local = dsm_members.local;
	spin_unlock(&dsm_members.lock);
	/* The local bit says a peer declared us lost: not for peers. */
	if (local < DSM_NODES_MAX)
		lost &= ~BIT(local);
	if (nla_put_u32(msg, DSM_A_WIRE_VERSION_MIN, DSM_WIRE_VERSION_MIN) ||
	    nla_put_u32(msg, DSM_A_WIRE_VERSION_MAX, DSM_WIRE_VERSION_MAX) ||
	    nla_put_u32(msg, DSM_A_PAGE_SIZE, DSM_PAGE_SIZE) ||
	    nla_put_u64_64bit(msg, DSM_A_NODES_LOST, lost, DSM_A_PAD))
		return -EMSGSIZE;
	return 0;
}
