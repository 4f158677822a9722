/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_nl_raw.h - a minimal raw generic netlink client for the selftests.
 *
 * dsmd and dsmctl use libnl; the tests speak raw netlink instead, because
 * they must build requests no library would send: missing, oversized,
 * wrongly typed and unknown attributes, unknown commands, bad headers.
 */
#ifndef _DSM_NL_RAW_H
#define _DSM_NL_RAW_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/time.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <linux/dsm.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

#define NLR_BUF		8192

struct nlr {
	int fd;
	uint16_t family;
	uint32_t seq;
	char extack[256];		/* message of the last error */
	char buf[NLR_BUF];		/* request being built */
	char rx[65536];			/* last answer */
};

static inline struct nlmsghdr *nlr_hdr(struct nlr *r)
{
	return (struct nlmsghdr *)r->buf;
}

/* Start a request of @type (family id) and genl @cmd. */
static inline void nlr_start(struct nlr *r, uint16_t type, uint8_t cmd,
			     uint16_t flags)
{
	struct nlmsghdr *nlh = nlr_hdr(r);
	struct genlmsghdr *gh;

	memset(r->buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh->nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN;
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++r->seq;
	gh = (struct genlmsghdr *)NLMSG_DATA(nlh);
	gh->cmd = cmd;
	gh->version = DSM_GENL_VERSION;
}

/* Append an attribute; @len bytes of @data, padded. */
static inline void nlr_put(struct nlr *r, uint16_t type, const void *data,
			   uint16_t len)
{
	struct nlmsghdr *nlh = nlr_hdr(r);
	struct nlattr *a = (struct nlattr *)(r->buf + NLMSG_ALIGN(nlh->nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	memset((char *)a + NLA_HDRLEN + len, 0, NLA_ALIGN(len) - len);
	nlh->nlmsg_len = NLMSG_ALIGN(nlh->nlmsg_len) + NLA_ALIGN(a->nla_len);
}

static inline void nlr_put_u8(struct nlr *r, uint16_t t, uint8_t v)
{
	nlr_put(r, t, &v, 1);
}

static inline void nlr_put_u32(struct nlr *r, uint16_t t, uint32_t v)
{
	nlr_put(r, t, &v, 4);
}

static inline void nlr_put_u64(struct nlr *r, uint16_t t, uint64_t v)
{
	nlr_put(r, t, &v, 8);
}

static inline void nlr_put_str(struct nlr *r, uint16_t t, const char *s)
{
	nlr_put(r, t, s, strlen(s) + 1);
}

/* Walk the attributes of a genl message. */
#define nlr_for_each_attr(a, nlh)					\
	for (a = (struct nlattr *)((char *)NLMSG_DATA(nlh) + GENL_HDRLEN); \
	     (char *)a + NLA_HDRLEN <= (char *)(nlh) + (nlh)->nlmsg_len && \
	     a->nla_len >= NLA_HDRLEN &&				\
	     (char *)a + a->nla_len <= (char *)(nlh) + (nlh)->nlmsg_len; \
	     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))

static inline void *nlr_data(struct nlattr *a)
{
	return (char *)a + NLA_HDRLEN;
}

/* Take the extended ack message out of an error. */
static inline void nlr_extack(struct nlr *r, struct nlmsghdr *nlh)
{
	struct nlmsgerr *e = NLMSG_DATA(nlh);
	unsigned int off = NLMSG_HDRLEN + sizeof(*e);
	struct nlattr *a;

	r->extack[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	for (a = (struct nlattr *)((char *)nlh + off);
	     (char *)a + NLA_HDRLEN <= (char *)nlh + nlh->nlmsg_len &&
	     a->nla_len >= NLA_HDRLEN;
	     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))
		if (a->nla_type == NLMSGERR_ATTR_MSG)
			snprintf(r->extack, sizeof(r->extack), "%.*s",
				 (int)(a->nla_len - NLA_HDRLEN),
				 (char *)nlr_data(a));
}

/*
 * Send the request and read until its ack or the end of a dump, calling
 * @cb for each reply message. Returns 0 or the negative errno of the
 * error; r->extack holds the error's message.
 */
static inline int nlr_call(struct nlr *r,
			   void (*cb)(struct nlmsghdr *, void *), void *arg)
{
	struct nlmsghdr *req = nlr_hdr(r);
	bool dump = req->nlmsg_flags & NLM_F_DUMP;
	ssize_t n;

	r->extack[0] = '\0';
	if (!dump)
		req->nlmsg_flags |= NLM_F_ACK;
	if (send(r->fd, r->buf, req->nlmsg_len, 0) != (ssize_t)req->nlmsg_len)
		return -EIO;
	for (;;) {
		struct nlmsghdr *nlh;

		n = recv(r->fd, r->rx, sizeof(r->rx), 0);
		if (n < 0)
			return -errno;
		for (nlh = (struct nlmsghdr *)r->rx; NLMSG_OK(nlh, n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_seq != r->seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nlh);

				nlr_extack(r, nlh);
				return e->error;
			}
			if (cb)
				cb(nlh, arg);
		}
	}
}

static void nlr_family_cb(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *a;

	nlr_for_each_attr(a, nlh)
		if (a->nla_type == CTRL_ATTR_FAMILY_ID)
			*(uint16_t *)arg = *(uint16_t *)nlr_data(a);
}

/* Open a socket and resolve the "dsm" family; 0 or negative errno. */
static inline int nlr_open(struct nlr *r)
{
	struct timeval tv = { .tv_sec = 10 };
	int one = 1, ret;

	memset(r, 0, sizeof(*r));
	r->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (r->fd < 0)
		return -errno;
	setsockopt(r->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(r->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(r->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	nlr_start(r, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	((struct genlmsghdr *)NLMSG_DATA(nlr_hdr(r)))->version = 1;
	nlr_put_str(r, CTRL_ATTR_FAMILY_NAME, DSM_GENL_NAME);
	ret = nlr_call(r, nlr_family_cb, &r->family);
	if (!ret && !r->family)
		ret = -ENOENT;
	return ret;
}

static inline void nlr_close(struct nlr *r)
{
	close(r->fd);
}

#endif /* _DSM_NL_RAW_H */
