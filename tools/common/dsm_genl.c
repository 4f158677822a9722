// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_genl.c - the "dsm" generic netlink family from userspace (libnl).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/family.h>
#include <netlink/msg.h>
#include <netlink/attr.h>

#include "dsm_genl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

int dsm_genl_open(struct dsm_genl *g)
{
	int one = 1, ret;

	memset(g, 0, sizeof(*g));
	g->sk = nl_socket_alloc();
	if (!g->sk)
		return -ENOMEM;
	ret = genl_connect(g->sk);
	if (ret < 0) {
		nl_socket_free(g->sk);
		g->sk = NULL;
		return -EIO;
	}
	/* Extended acks, and errors that do not echo the request. */
	setsockopt(nl_socket_get_fd(g->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(g->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));
	g->family = genl_ctrl_resolve(g->sk, DSM_GENL_NAME);
	if (g->family < 0) {
		nl_socket_free(g->sk);
		g->sk = NULL;
		return -ENOENT;
	}
	return 0;
}

int dsm_genl_family_version(struct dsm_genl *g)
{
	struct genl_family *fam;
	struct nl_cache *cache;
	int ret;

	if (genl_ctrl_alloc_cache(g->sk, &cache) < 0)
		return -EIO;
	fam = genl_ctrl_search_by_name(cache, DSM_GENL_NAME);
	ret = fam ? genl_family_get_version(fam) : -ENOENT;
	if (fam)
		genl_family_put(fam);
	nl_cache_free(cache);
	return ret;
}

int dsm_genl_version_ok(int version, char *why, size_t len)
{
	if (version >= DSM_GENL_VERSION)
		return 1;
	snprintf(why, len,
		 "the loaded dsm module speaks netlink family version %d, this program needs %d or later (a module of an older release is loaded: load the one of this release, e.g. 'modprobe -r dsm && modprobe dsm' after installing it)",
		 version, DSM_GENL_VERSION);
	return 0;
}

void dsm_genl_close(struct dsm_genl *g)
{
	if (g->sk)
		nl_socket_free(g->sk);
	g->sk = NULL;
}

int dsm_genl_subscribe(struct dsm_genl *g)
{
	int grp;

	grp = genl_ctrl_resolve_grp(g->sk, DSM_GENL_NAME,
				    DSM_GENL_MCGRP_EVENTS);
	if (grp < 0)
		return -ENOENT;
	nl_socket_disable_seq_check(g->sk);
	if (nl_socket_add_membership(g->sk, grp) < 0)
		return -EIO;
	return 0;
}

struct nl_msg *dsm_genl_msg(struct dsm_genl *g, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, g->family, 0, flags,
			 cmd, DSM_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

struct dsm_genl_req {
	struct dsm_genl *g;
	dsm_genl_cb cb;
	void *arg;
	bool done;
};

static int dsm_genl_valid(struct nl_msg *msg, void *arg)
{
	struct dsm_genl_req *req = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *gh = nlmsg_data(nlh);
	struct nlattr *tb[DSM_A_MAX + 1];
	int ret;

	if (genlmsg_parse(nlh, 0, tb, DSM_A_MAX, NULL) < 0)
		return NL_SKIP;
	if (!req->cb)
		return NL_OK;
	ret = req->cb(gh->cmd, tb, req->arg);
	if (ret < 0) {
		req->g->err = ret;
		return NL_STOP;
	}
	return NL_OK;
}

/* The extended ack message that follows a netlink error, if any. */
static void dsm_genl_extack(struct dsm_genl *g, struct nlmsgerr *e)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	unsigned int off = sizeof(*e);
	struct nlattr *attrs;
	int len;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	len = (int)nlh->nlmsg_len - NLMSG_HDRLEN - (int)off;
	if (len <= 0)
		return;
	attrs = (struct nlattr *)((char *)e + off);
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, attrs, len, NULL) < 0)
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(g->errmsg, sizeof(g->errmsg), "%s",
			 dsm_nla_str(tb[NLMSGERR_ATTR_MSG], ""));
}

static int dsm_genl_error(struct sockaddr_nl *nla, struct nlmsgerr *e,
			  void *arg)
{
	struct dsm_genl_req *req = arg;

	(void)nla;
	req->done = true;
	if (e->error) {
		req->g->err = e->error < 0 ? e->error : -e->error;
		dsm_genl_extack(req->g, e);
	}
	return NL_STOP;
}

static int dsm_genl_finish(struct nl_msg *msg, void *arg)
{
	struct dsm_genl_req *req = arg;

	(void)msg;
	req->done = true;
	return NL_STOP;
}

int dsm_genl_call(struct dsm_genl *g, struct nl_msg *msg, dsm_genl_cb cb,
		  void *arg)
{
	struct dsm_genl_req req = { .g = g, .cb = cb, .arg = arg };
	struct nl_cb *nlcb;
	int ret;

	g->err = 0;
	g->errmsg[0] = '\0';
	if (!g->sk) {
		nlmsg_free(msg);
		return g->err = -ENOENT;
	}
	nlcb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!nlcb) {
		nlmsg_free(msg);
		return g->err = -ENOMEM;
	}
	if (!(nlmsg_hdr(msg)->nlmsg_flags & NLM_F_DUMP))
		nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_ACK;
	nl_cb_set(nlcb, NL_CB_VALID, NL_CB_CUSTOM, dsm_genl_valid, &req);
	nl_cb_set(nlcb, NL_CB_FINISH, NL_CB_CUSTOM, dsm_genl_finish, &req);
	nl_cb_set(nlcb, NL_CB_ACK, NL_CB_CUSTOM, dsm_genl_finish, &req);
	nl_cb_err(nlcb, NL_CB_CUSTOM, dsm_genl_error, &req);
	ret = nl_send_auto(g->sk, msg);
	nlmsg_free(msg);
	if (ret < 0) {
		nl_cb_put(nlcb);
		return g->err = -EIO;
	}
	while (!req.done && !g->err) {
		ret = nl_recvmsgs(g->sk, nlcb);
		if (ret < 0 && !g->err && !req.done)
			g->err = -EIO;
	}
	nl_cb_put(nlcb);
	return g->err;
}

static int dsm_genl_noseq(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

int dsm_genl_recv_events(struct dsm_genl *g, bool block, dsm_genl_cb cb,
			 void *arg)
{
	struct dsm_genl_req req = { .g = g, .cb = cb, .arg = arg };
	struct nl_cb *nlcb;
	int fd, fl, ret;

	if (!g->sk)
		return -ENOENT;
	fd = nl_socket_get_fd(g->sk);
	g->err = 0;
	nlcb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!nlcb)
		return -ENOMEM;
	nl_cb_set(nlcb, NL_CB_VALID, NL_CB_CUSTOM, dsm_genl_valid, &req);
	/* Events carry sequence number 0: no sequence check. */
	nl_cb_set(nlcb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, dsm_genl_noseq, NULL);
	fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, block ? fl & ~O_NONBLOCK : fl | O_NONBLOCK);
	do {
		ret = nl_recvmsgs(g->sk, nlcb);
	} while (!block && ret >= 0 && !g->err);
	nl_cb_put(nlcb);
	if (g->err)
		return g->err;
	if (ret == -NLE_AGAIN || ret >= 0)
		return 0;
	snprintf(g->errmsg, sizeof(g->errmsg), "%s", nl_geterror(ret));
	/* The socket's queue overflowed: events were lost. */
	if (ret == -NLE_NOMEM)
		return -ENOBUFS;
	return -EIO;
}

uint8_t dsm_nla_u8(struct nlattr *a, uint8_t def)
{
	return a && nla_len(a) >= 1 ? nla_get_u8(a) : def;
}

uint16_t dsm_nla_u16(struct nlattr *a, uint16_t def)
{
	return a && nla_len(a) >= 2 ? nla_get_u16(a) : def;
}

uint32_t dsm_nla_u32(struct nlattr *a, uint32_t def)
{
	return a && nla_len(a) >= 4 ? nla_get_u32(a) : def;
}

uint64_t dsm_nla_u64(struct nlattr *a, uint64_t def)
{
	uint64_t v;

	if (!a || nla_len(a) < 8)
		return def;
	memcpy(&v, nla_data(a), sizeof(v));
	return v;
}

/*
 * A node mask (NODES_LOST, TOP_WRITERS) is a u64 from genl version 17 on,
 * a u32 before: a module of version 16 or older has no node above 31.
 */
uint64_t dsm_nla_nodes(struct nlattr *a, uint64_t def)
{
	if (a && nla_len(a) >= 4 && nla_len(a) < 8)
		return nla_get_u32(a);
	return dsm_nla_u64(a, def);
}

const char *dsm_nla_str(struct nlattr *a, const char *def)
{
	const char *s;
	int len;

	if (!a)
		return def;
	s = nla_data(a);
	len = nla_len(a);
	if (len < 1 || s[len - 1] != '\0')
		return def;
	return s;
}

const char *dsm_state_name(unsigned int state)
{
	static const char * const names[] = {
		[DSM_NODE_STATE_UNKNOWN] = "unknown",
		[DSM_NODE_STATE_UP] = "up",
		[DSM_NODE_STATE_DOWN] = "down",
	};

	return state <= DSM_NODE_STATE_MAX ? names[state] : "?";
}

const char *dsm_reason_name(unsigned int reason)
{
	static const char * const names[] = {
		[DSM_REASON_NONE] = "none",
		[DSM_REASON_JOINED] = "joined",
		[DSM_REASON_TIMEOUT] = "timeout",
		[DSM_REASON_LEFT] = "left",
		[DSM_REASON_RESTARTED] = "restarted",
		[DSM_REASON_UNREACHABLE] = "unreachable",
		[DSM_REASON_ADMIN] = "admin",
	};

	return reason <= DSM_REASON_MAX ? names[reason] : "?";
}

const char *dsm_leave_name(unsigned int leave)
{
	static const char * const names[] = {
		[DSM_LEAVE_NONE] = "none",
		[DSM_LEAVE_RUNNING] = "running",
		[DSM_LEAVE_FAILED] = "failed",
		[DSM_LEAVE_DONE] = "done",
	};

	return leave <= DSM_LEAVE_DONE ? names[leave] : "?";
}

const char *dsm_model_name(unsigned int model)
{
	return model == DSM_MODEL_SC ? "sc" : model == DSM_MODEL_LRC ?
	       "lrc" : "?";
}

struct home_reply {
	uint64_t *epoch;
	uint8_t *node;
};

static int home_get_cb(uint8_t cmd, struct nlattr **tb, void *arg)
{
	struct nlattr *b = tb[DSM_A_HOME_BUCKETS];
	struct home_reply *r = arg;

	(void)cmd;
	if (!tb[DSM_A_HOME_EPOCH] || !b || nla_len(b) != DSM_HOME_NR_BUCKETS)
		return 0;
	*r->epoch = dsm_nla_u64(tb[DSM_A_HOME_EPOCH], 0);
	memcpy(r->node, nla_data(b), DSM_HOME_NR_BUCKETS);
	return 0;
}

int dsm_genl_home_get(struct dsm_genl *g, uint64_t *epoch,
		      uint8_t node[DSM_HOME_NR_BUCKETS])
{
	struct home_reply r = { .epoch = epoch, .node = node };
	struct nl_msg *msg;

	*epoch = 0;
	msg = dsm_genl_msg(g, DSM_CMD_GET_STATUS, 0);
	return msg ? dsm_genl_call(g, msg, home_get_cb, &r) : -ENOMEM;
}

int dsm_genl_home_set(struct dsm_genl *g, uint64_t epoch,
		      const uint8_t node[DSM_HOME_NR_BUCKETS])
{
	struct nl_msg *msg;

	msg = dsm_genl_msg(g, DSM_CMD_HOME_SET, 0);
	if (!msg || nla_put_u64(msg, DSM_A_HOME_EPOCH, epoch) ||
	    nla_put(msg, DSM_A_HOME_BUCKETS, DSM_HOME_NR_BUCKETS, node)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return dsm_genl_call(g, msg, NULL, NULL);
}
