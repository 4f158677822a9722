// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_mgr_nl.c - the lock and barrier managers' netlink commands (of the
 * family in dsm_nl.c): MGR_REQUEST to dsmd, MGR_REPLY and LOCK_FORWARD
 * from it. Documentation/control-plane.md, "Lock and barrier managers".
 *
 * Locking: handlers run under genl_mutex (dsm_nl.c); dsm_cluster.lock is
 * taken inside it, only to read which dsmd configured the module.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <net/genetlink.h>
#include <net/netlink.h>

#include "dsm_internal.h"
#include "core/dsm_wire.h"

/* The manager commands come only from the dsmd that configured us. */
static int dsm_nl_from_daemon(struct genl_info *info)
{
	bool ok;

	mutex_lock(&dsm_cluster.lock);
	ok = dsm_cluster.configured && dsm_cluster.daemon_portid &&
	     info->snd_portid == dsm_cluster.daemon_portid;
	mutex_unlock(&dsm_cluster.lock);
	if (ok)
		return 0;
	NL_SET_ERR_MSG_MOD(info->extack,
			   "only the dsmd that sent CLUSTER_SET may send this");
	return -EPERM;
}

/* A payload attribute, if any, must hold at least a core header. */
static int dsm_nl_payload(struct genl_info *info, const void **p, u32 *len)
{
	struct nlattr *a = info->attrs[DSM_A_MGR_PAYLOAD];

	*p = NULL;
	*len = 0;
	if (!a)
		return 0;
	if (nla_len(a) < DSM_WIRE_HDR_SIZE) {
		NL_SET_ERR_MSG_ATTR(info->extack, a,
				    "MGR_PAYLOAD is shorter than a message header");
		return -EINVAL;
	}
	*p = nla_data(a);
	*len = nla_len(a);
	return 0;
}

int dsm_nl_mgr_reply(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	const void *p;
	u32 len, flags;
	int ret;

	ret = dsm_nl_from_daemon(info);
	if (ret)
		return dsm_nl_ret(ret);
	if (dsm_nl_missing_attr(info, DSM_A_MGR_COOKIE) ||
	    dsm_nl_missing_attr(info, DSM_A_MGR_ERROR))
		return dsm_nl_ret(-EINVAL);
	ret = dsm_nl_payload(info, &p, &len);
	if (ret)
		return dsm_nl_ret(ret);
	flags = a[DSM_A_MGR_FLAGS] ? nla_get_u32(a[DSM_A_MGR_FLAGS]) : 0;
	ret = dsm_lrc_mgr_reply(nla_get_u64(a[DSM_A_MGR_COOKIE]),
				nla_get_u32(a[DSM_A_MGR_ERROR]), flags, p, len,
				info->extack);
	if (!ret)
		dsm_stat_inc(DSM_STAT_MGR_REPLIES);
	return dsm_nl_ret(ret);
}

int dsm_nl_lock_forward(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	const void *p;
	u32 len;
	int ret;

	ret = dsm_nl_from_daemon(info);
	if (ret)
		return dsm_nl_ret(ret);
	if (dsm_nl_missing_attr(info, DSM_A_LOCK_ID) ||
	    dsm_nl_missing_attr(info, DSM_A_MGR_PAYLOAD))
		return dsm_nl_ret(-EINVAL);
	ret = dsm_nl_payload(info, &p, &len);
	if (ret)
		return dsm_nl_ret(ret);
	ret = dsm_lrc_lock_forward(nla_get_u32(a[DSM_A_LOCK_ID]), p, len,
				   info->extack);
	if (!ret)
		dsm_stat_inc(DSM_STAT_LOCK_FORWARDS);
	return dsm_nl_ret(ret);
}

/**
 * dsm_nl_mgr_request() - send MGR_REQUEST to the registered dsmd.
 * @op:		enum dsm_mgr_op.
 * @cookie:	matches the reply.
 * @id:		lock id (LOCK_ACQUIRE, LOCK_STATE, LOCK_RELEASE; the
 *		dead node for LOCK_STATE with DSM_MGR_F_STATE_DONE) or
 *		barrier id (BARRIER, GC_DONE).
 * @flags:	DSM_MGR_F_*.
 * @payload:	a core message, or NULL.
 * @len:	its length, <= DSM_MGR_PAYLOAD_MAX.
 *
 * Does not wait for the daemon to read it. Return: 0; -EHOSTDOWN if no
 * dsmd is registered; or the unicast's error.
 */
int dsm_nl_mgr_request(u8 op, u64 cookie, u32 id, u32 flags,
		       const void *payload, u32 len)
{
	struct sk_buff *skb;
	u32 portid;
	void *hdr;
	int ret;

	if (len > DSM_MGR_PAYLOAD_MAX)
		return -EMSGSIZE;
	mutex_lock(&dsm_cluster.lock);
	portid = dsm_cluster.daemon_portid;
	mutex_unlock(&dsm_cluster.lock);
	if (!portid)
		return -EHOSTDOWN;
	skb = genlmsg_new(nla_total_size(len) + 128, GFP_KERNEL);
	if (!skb)
		return -ENOMEM;
	hdr = genlmsg_put(skb, 0, 0, &dsm_genl_family, 0,
			  DSM_CMD_MGR_REQUEST);
	if (!hdr ||
	    nla_put_u8(skb, DSM_A_MGR_OP, op) ||
	    nla_put_u64_64bit(skb, DSM_A_MGR_COOKIE, cookie, DSM_A_PAD) ||
	    nla_put_u32(skb, op == DSM_MGR_LOCK_ACQUIRE ||
			op == DSM_MGR_LOCK_STATE ||
			op == DSM_MGR_LOCK_RELEASE ? DSM_A_LOCK_ID :
			DSM_A_BARRIER_ID, id) ||
	    nla_put_u32(skb, DSM_A_MGR_FLAGS, flags) ||
	    (payload && nla_put(skb, DSM_A_MGR_PAYLOAD, len, payload))) {
		nlmsg_free(skb);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	ret = genlmsg_unicast(&init_net, skb, portid);
	if (ret)
		pr_warn_ratelimited("cannot send MGR_REQUEST to dsmd (port %u): %d\n",
				    portid, ret);
	else
		dsm_stat_inc(DSM_STAT_MGR_REQUESTS);
	return ret;
}
