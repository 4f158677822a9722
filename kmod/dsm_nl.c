// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_nl.c - the generic netlink family "dsm": policy, commands, events.
 *
 * The policy below and uapi/linux/dsm.h are the one definition of the
 * family (Documentation/control-plane.md describes it). One family-wide
 * policy serves every command: per-command split ops exist only from 6.2,
 * and a family policy works unchanged on 6.1 and 6.12. Validation is strict:
 * unknown attributes, wrong lengths and out-of-range values are refused by
 * the genetlink core before a handler runs; attributes that only appear in
 * replies are NLA_REJECT in requests. Handlers check which attributes
 * their command requires and say what is wrong in the extended ack.
 *
 * Locking: the family is not parallel_ops, so every handler runs under
 * genl_mutex; the tables are under dsm_cluster.lock (dsm_cluster.c), taken
 * inside genl_mutex. Events are built and multicast under dsm_cluster.lock,
 * with GFP_KERNEL, so that their order is the order of the changes.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/notifier.h>
#include <linux/user_namespace.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "dsm_internal.h"
#include "dsm_model.h"
#include "core/dsm_wire.h"

static_assert(DSM_NAME_MAX <= 256);
/* Node masks (dsm_members, NODES_LOST, TOP_WRITERS) hold every node id. */
static_assert(DSM_NODES_MAX <= 64);
static_assert(BITS_PER_LONG >= DSM_NODES_MAX);

/*
 * Not const: struct nla_policy's range pointer is non-const in 6.1 and
 * const in 6.12 (include/net/netlink.h; the upstream commit is not recorded
 * here), and a non-const object suits both. Nothing writes them.
 */
static struct netlink_range_validation dsm_nl_size_range = {
	.min = DSM_REGION_ALIGN,
	.max = DSM_REGION_SLICE,
};

static struct netlink_range_validation dsm_nl_offset_range = {
	.min = 0,
	.max = DSM_SPACE_SIZE - DSM_REGION_ALIGN,
};

static struct netlink_range_validation dsm_nl_port_range = {
	.min = 1,
	.max = DSM_PORT_MAX,
};

static struct netlink_range_validation dsm_nl_nonzero_range = {
	.min = 1,
	.max = U64_MAX,
};

/* DSM_A_DEAD_MS: at most an hour. */
static struct netlink_range_validation dsm_nl_dead_ms_range = {
	.max = 3600000,
};

static struct netlink_range_validation dsm_nl_fd_range = {
	.min = 0,
	.max = INT_MAX,
};

/* (uid_t)-1 and (gid_t)-1 mean "no id" to the kernel: refused. */
static struct netlink_range_validation dsm_nl_id_range = {
	.min = 0,
	.max = U32_MAX - 1,
};

static const struct nla_policy dsm_nl_policy[DSM_A_MAX + 1] = {
	[DSM_A_CLUSTER_NAME]	= { .type = NLA_NUL_STRING,
				    .len = DSM_NAME_MAX - 1 },
	[DSM_A_LOCAL_NODE]	= NLA_POLICY_MAX(NLA_U32, DSM_NODES_MAX - 1),
	[DSM_A_CONFIGURED]	= { .type = NLA_REJECT },
	[DSM_A_NODE_COUNT]	= { .type = NLA_REJECT },
	[DSM_A_NODES_UP]	= { .type = NLA_REJECT },
	[DSM_A_REGION_COUNT]	= { .type = NLA_REJECT },
	[DSM_A_API_VERSION]	= { .type = NLA_REJECT },
	[DSM_A_NODE_ID]		= NLA_POLICY_MAX(NLA_U32, DSM_NODES_MAX - 1),
	[DSM_A_NODE_ADDR4]	= { .type = NLA_BE32 },
	[DSM_A_NODE_ADDR6]	= NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	/* Not NLA_POLICY_RANGE: its bounds are s16, DSM_PORT_MAX is not. */
	[DSM_A_NODE_PORT]	= NLA_POLICY_FULL_RANGE(NLA_U16,
							&dsm_nl_port_range),
	[DSM_A_NODE_STATE]	= NLA_POLICY_RANGE(NLA_U8, DSM_NODE_STATE_UP,
						   DSM_NODE_STATE_DOWN),
	[DSM_A_NODE_REASON]	= NLA_POLICY_MAX(NLA_U8, DSM_REASON_MAX),
	[DSM_A_NODE_INCARNATION] = NLA_POLICY_FULL_RANGE(NLA_U64,
							 &dsm_nl_nonzero_range),
	[DSM_A_HOME_EPOCH]	= { .type = NLA_U64 },
	[DSM_A_HOME_BUCKETS]	= NLA_POLICY_EXACT_LEN(DSM_HOME_NR_BUCKETS),
	[DSM_A_NODE_LOCAL]	= { .type = NLA_REJECT },
	[DSM_A_NODE_CHANGED]	= { .type = NLA_REJECT },
	[DSM_A_REGION_NAME]	= { .type = NLA_NUL_STRING,
				    .len = DSM_NAME_MAX - 1 },
	[DSM_A_REGION_OFFSET]	= NLA_POLICY_FULL_RANGE(NLA_U64,
							&dsm_nl_offset_range),
	[DSM_A_REGION_SIZE]	= NLA_POLICY_FULL_RANGE(NLA_U64,
							&dsm_nl_size_range),
	[DSM_A_REGION_MODEL]	= NLA_POLICY_MAX(NLA_U8, DSM_MODEL_MAX),
	[DSM_A_REGION_REPLICAS]	= NLA_POLICY_MAX(NLA_U8, 1),
	[DSM_A_REGION_ORIGIN]	= NLA_POLICY_MAX(NLA_U32, DSM_NODES_MAX - 1),
	[DSM_A_REPLICA]		= { .type = NLA_FLAG },
	[DSM_A_STAT_NAME]	= { .type = NLA_REJECT },
	[DSM_A_STAT_VALUE]	= { .type = NLA_REJECT },
	[DSM_A_SOCKET_FD]	= NLA_POLICY_FULL_RANGE(NLA_U32,
							&dsm_nl_fd_range),
	[DSM_A_MGR_OP]		= NLA_POLICY_MAX(NLA_U8, DSM_MGR_OP_MAX),
	[DSM_A_MGR_COOKIE]	= { .type = NLA_U64 },
	[DSM_A_LOCK_ID]		= { .type = NLA_U32 },
	[DSM_A_BARRIER_ID]	= { .type = NLA_U32 },
	[DSM_A_MGR_PAYLOAD]	= { .type = NLA_BINARY,
				    .len = DSM_MGR_PAYLOAD_MAX },
	[DSM_A_MGR_ERROR]	= NLA_POLICY_MAX(NLA_U32, 4095),
	[DSM_A_PAD]		= { .type = NLA_REJECT },
	[DSM_A_MGR_FLAGS]	= NLA_POLICY_MASK(NLA_U32, DSM_MGR_F_ALL),
	[DSM_A_REGION_UID]	= NLA_POLICY_FULL_RANGE(NLA_U32,
							&dsm_nl_id_range),
	[DSM_A_REGION_GID]	= NLA_POLICY_FULL_RANGE(NLA_U32,
							&dsm_nl_id_range),
	[DSM_A_REGION_MODE]	= NLA_POLICY_MASK(NLA_U16,
						  DSM_REGION_MODE_MASK),
	[DSM_A_PEER_TX_KEY]	= NLA_POLICY_EXACT_LEN(DSM_PEER_KEY_SIZE),
	[DSM_A_PEER_RX_KEY]	= NLA_POLICY_EXACT_LEN(DSM_PEER_KEY_SIZE),
	[DSM_A_PEER_TAG_LEN]	= NLA_POLICY_RANGE(NLA_U32, DSM_PEER_TAG_MIN,
						   DSM_PEER_KEY_SIZE),
	[DSM_A_PEER_INCARNATION] = NLA_POLICY_FULL_RANGE(NLA_U64,
							 &dsm_nl_nonzero_range),
	[DSM_A_PEER_FLAGS]	= NLA_POLICY_MASK(NLA_U32, DSM_PEER_F_ALL),
	[DSM_A_PEER_WIRE_VERSION] = { .type = NLA_U32 },
	[DSM_A_WIRE_VERSION_MIN] = { .type = NLA_REJECT },
	[DSM_A_WIRE_VERSION_MAX] = { .type = NLA_REJECT },
	[DSM_A_PAGE_SIZE]	= { .type = NLA_REJECT },
	[DSM_A_NODES_LOST]	= { .type = NLA_REJECT },
	[DSM_A_NODE_TRANSPORT]	= { .type = NLA_REJECT },
	[DSM_A_FENCED]		= NLA_POLICY_MAX(NLA_U8, 1),
	[DSM_A_DEAD_MS]		= NLA_POLICY_FULL_RANGE(NLA_U32,
						&dsm_nl_dead_ms_range),
};

enum dsm_nl_mcgrp {
	DSM_NL_MCGRP_EVENTS,
};

static const struct genl_multicast_group dsm_nl_mcgrps[] = {
	[DSM_NL_MCGRP_EVENTS] = { .name = DSM_GENL_MCGRP_EVENTS },
};

/*
 * GENL_REQ_ATTR_CHECK() reports a missing attribute by its type alone; a
 * person reading the error also gets a sentence.
 */
/* True (and the extack filled in) if @attr is missing from the request. */
bool dsm_nl_missing_attr(struct genl_info *info, int attr)
{
	struct netlink_ext_ack *extack = info->extack;

	if (!GENL_REQ_ATTR_CHECK(info, attr))
		return false;
	switch (attr) {
	case DSM_A_CLUSTER_NAME:
		NL_SET_ERR_MSG_MOD(extack, "missing attribute CLUSTER_NAME");
		break;
	case DSM_A_LOCAL_NODE:
		NL_SET_ERR_MSG_MOD(extack, "missing attribute LOCAL_NODE");
		break;
	case DSM_A_NODE_ID:
		NL_SET_ERR_MSG_MOD(extack, "missing attribute NODE_ID");
		break;
	case DSM_A_NODE_PORT:
		NL_SET_ERR_MSG_MOD(extack, "missing attribute NODE_PORT");
		break;
	case DSM_A_NODE_STATE:
		NL_SET_ERR_MSG_MOD(extack, "missing attribute NODE_STATE");
		break;
	case DSM_A_REGION_NAME:
		NL_SET_ERR_MSG_MOD(extack, "missing attribute REGION_NAME");
		break;
	case DSM_A_REGION_SIZE:
		NL_SET_ERR_MSG_MOD(extack, "missing attribute REGION_SIZE");
		break;
	case DSM_A_REGION_OFFSET:
		NL_SET_ERR_MSG_MOD(extack, "missing attribute REGION_OFFSET");
		break;
	case DSM_A_REGION_ORIGIN:
		NL_SET_ERR_MSG_MOD(extack, "missing attribute REGION_ORIGIN");
		break;
	case DSM_A_MGR_COOKIE:
		NL_SET_ERR_MSG_MOD(extack, "missing attribute MGR_COOKIE");
		break;
	case DSM_A_MGR_ERROR:
		NL_SET_ERR_MSG_MOD(extack, "missing attribute MGR_ERROR");
		break;
	case DSM_A_LOCK_ID:
		NL_SET_ERR_MSG_MOD(extack, "missing attribute LOCK_ID");
		break;
	case DSM_A_MGR_PAYLOAD:
		NL_SET_ERR_MSG_MOD(extack, "missing attribute MGR_PAYLOAD");
		break;
	case DSM_A_FENCED:
		NL_SET_ERR_MSG_MOD(extack, "missing attribute FENCED");
		break;
	default:
		NL_SET_ERR_MSG_MOD(extack, "missing attribute");
		break;
	}
	return true;
}

/* Count a handler's refusal; every refusal has set an extack message. */
/*
 * Is the cluster configured (CLUSTER_SET done)? If not, @info's extack
 * says so, for a command that needs it. Takes dsm_cluster.lock.
 */
bool dsm_nl_configured(struct genl_info *info)
{
	bool configured;

	mutex_lock(&dsm_cluster.lock);
	configured = dsm_cluster.configured;
	mutex_unlock(&dsm_cluster.lock);
	if (!configured)
		NL_SET_ERR_MSG_MOD(info->extack,
				   "cluster not configured; start dsmd first");
	return configured;
}

int dsm_nl_ret(int ret)
{
	dsm_stat_inc(DSM_STAT_NL_REQUESTS);
	if (ret)
		dsm_stat_inc(DSM_STAT_NL_REJECTED);
	return ret;
}

/* ------------------------------------------------------------ filling */

static int dsm_nl_put_node(struct sk_buff *skb, u32 id,
			   const struct dsm_node *n)
{
	u64 inc = id == dsm_cluster.local ? dsm_cluster.incarnation :
					    n->incarnation;
	const char *transport;

	lockdep_assert_held(&dsm_cluster.lock);
	if (nla_put_u32(skb, DSM_A_NODE_ID, id) ||
	    nla_put_u16(skb, DSM_A_NODE_PORT, n->port) ||
	    nla_put_u8(skb, DSM_A_NODE_STATE, n->state) ||
	    nla_put_u8(skb, DSM_A_NODE_REASON, n->reason) ||
	    nla_put_u64_64bit(skb, DSM_A_NODE_INCARNATION, inc, DSM_A_PAD) ||
	    nla_put_u64_64bit(skb, DSM_A_NODE_CHANGED, n->changed,
			      DSM_A_PAD))
		return -EMSGSIZE;
	if (n->v6) {
		if (nla_put_in6_addr(skb, DSM_A_NODE_ADDR6, &n->addr6))
			return -EMSGSIZE;
	} else if (nla_put_in_addr(skb, DSM_A_NODE_ADDR4, n->addr4)) {
		return -EMSGSIZE;
	}
	if (dsm_cluster.configured && id == dsm_cluster.local &&
	    nla_put_flag(skb, DSM_A_NODE_LOCAL))
		return -EMSGSIZE;
	transport = dsm_transport_link_name(id);
	if (transport && nla_put_string(skb, DSM_A_NODE_TRANSPORT, transport))
		return -EMSGSIZE;
	return 0;
}

static int dsm_nl_put_region(struct sk_buff *skb, const struct dsm_region *r)
{
	if (nla_put_string(skb, DSM_A_REGION_NAME, r->name) ||
	    nla_put_u64_64bit(skb, DSM_A_REGION_OFFSET, r->offset,
			      DSM_A_PAD) ||
	    nla_put_u64_64bit(skb, DSM_A_REGION_SIZE, r->size, DSM_A_PAD) ||
	    nla_put_u8(skb, DSM_A_REGION_MODEL, r->model) ||
	    nla_put_u8(skb, DSM_A_REGION_REPLICAS, r->replicas) ||
	    nla_put_u32(skb, DSM_A_REGION_ORIGIN, r->origin) ||
	    nla_put_u32(skb, DSM_A_REGION_UID,
			from_kuid(&init_user_ns, r->perm.uid)) ||
	    nla_put_u32(skb, DSM_A_REGION_GID,
			from_kgid(&init_user_ns, r->perm.gid)) ||
	    nla_put_u16(skb, DSM_A_REGION_MODE, r->perm.mode))
		return -EMSGSIZE;
	return 0;
}

/*
 * REGION_UID, REGION_GID, REGION_MODE of a request into @perm; returns
 * the DSM_PERM_* bits of those given. Ids are of the initial user
 * namespace (the policy refused (u32)-1, so they are valid there).
 */
static u8 dsm_nl_get_perm(struct nlattr **a, struct dsm_perm *perm)
{
	u8 set = 0;

	if (a[DSM_A_REGION_UID]) {
		perm->uid = make_kuid(&init_user_ns,
				      nla_get_u32(a[DSM_A_REGION_UID]));
		set |= DSM_PERM_UID;
	}
	if (a[DSM_A_REGION_GID]) {
		perm->gid = make_kgid(&init_user_ns,
				      nla_get_u32(a[DSM_A_REGION_GID]));
		set |= DSM_PERM_GID;
	}
	if (a[DSM_A_REGION_MODE]) {
		perm->mode = nla_get_u16(a[DSM_A_REGION_MODE]);
		set |= DSM_PERM_MODE;
	}
	return set;
}

/*
 * One message of @cmd holding node @id or region @r, in @skb; with
 * neither, only @id (LINK_DOWN).
 */
static int dsm_nl_fill(struct sk_buff *skb, u32 portid, u32 seq, int flags,
		       u8 cmd, u32 id, const struct dsm_node *n,
		       const struct dsm_region *r, bool replica)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &dsm_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if ((n && dsm_nl_put_node(skb, id, n)) ||
	    (!n && !r && nla_put_u32(skb, DSM_A_NODE_ID, id)) ||
	    (r && dsm_nl_put_region(skb, r)) ||
	    (replica && nla_put_flag(skb, DSM_A_REPLICA))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* ------------------------------------------------------------- events */

/*
 * Is anyone subscribed to the events group? Any context (an RCU read of
 * the group's listeners); a hint, as a listener may come or go at once.
 */
bool dsm_nl_has_listeners(void)
{
	return genl_has_listeners(&dsm_genl_family, &init_net,
				  DSM_NL_MCGRP_EVENTS);
}

/* Multicast event @skb (consumed) to the events group; sleeps. */
void dsm_nl_event_send(struct sk_buff *skb)
{
	genlmsg_multicast(&dsm_genl_family, skb, 0, DSM_NL_MCGRP_EVENTS,
			  GFP_KERNEL);
	dsm_stat_inc(DSM_STAT_EVENTS_SENT);
}

static void dsm_nl_event(u8 cmd, u32 id, const struct dsm_node *n,
			 const struct dsm_region *r, bool replica)
{
	struct sk_buff *skb;

	if (!dsm_nl_has_listeners())
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return;
	if (dsm_nl_fill(skb, 0, 0, 0, cmd, id, n, r, replica)) {
		nlmsg_free(skb);
		return;
	}
	dsm_nl_event_send(skb);
}

void dsm_nl_notify_node(u32 id, const struct dsm_node *node, u8 cmd)
{
	dsm_nl_event(cmd, id, node, NULL, false);
}

/* LINK_DOWN: the data connection to node @id is missing. */
void dsm_nl_notify_link_down(u32 id)
{
	dsm_nl_event(DSM_CMD_LINK_DOWN, id, NULL, NULL, false);
}

void dsm_nl_notify_region(const struct dsm_region *region, u8 cmd,
			  bool replica)
{
	dsm_nl_event(cmd, 0, NULL, region, replica);
}

/* ----------------------------------------------------------- commands */

static int dsm_nl_get_status(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return dsm_nl_ret(-ENOMEM);
	hdr = genlmsg_put_reply(msg, info, &dsm_genl_family, 0,
				DSM_CMD_GET_STATUS);
	if (!hdr)
		goto nospace;
	mutex_lock(&dsm_cluster.lock);
	if (nla_put_u8(msg, DSM_A_CONFIGURED, dsm_cluster.configured) ||
	    nla_put_u32(msg, DSM_A_NODE_COUNT, dsm_nodes_present()) ||
	    nla_put_u32(msg, DSM_A_NODES_UP, dsm_nodes_up()) ||
	    nla_put_u32(msg, DSM_A_REGION_COUNT, dsm_cluster.nr_regions) ||
	    nla_put_u32(msg, DSM_A_API_VERSION, DSM_API_VERSION) ||
	    (dsm_cluster.configured &&
	     (nla_put_string(msg, DSM_A_CLUSTER_NAME, dsm_cluster.name) ||
	      nla_put_u32(msg, DSM_A_LOCAL_NODE, dsm_cluster.local) ||
	      nla_put_u64_64bit(msg, DSM_A_NODE_INCARNATION,
				dsm_cluster.incarnation, DSM_A_PAD) ||
	      dsm_nl_put_link_facts(msg) || dsm_nl_put_home(msg) ||
	      dsm_nl_put_fence(msg) || dsm_nl_put_leave(msg)))) {
		mutex_unlock(&dsm_cluster.lock);
		goto nospace;
	}
	mutex_unlock(&dsm_cluster.lock);
	genlmsg_end(msg, hdr);
	dsm_nl_ret(0);
	return genlmsg_reply(msg, info);
nospace:
	nlmsg_free(msg);
	return dsm_nl_ret(-EMSGSIZE);
}

static int dsm_nl_cluster_set(struct sk_buff *skb, struct genl_info *info)
{
	struct dsm_perm perm = {};
	u8 set;

	if (dsm_nl_missing_attr(info, DSM_A_CLUSTER_NAME) ||
	    dsm_nl_missing_attr(info, DSM_A_LOCAL_NODE))
		return dsm_nl_ret(-EINVAL);
	set = dsm_nl_get_perm(info->attrs, &perm);
	if (info->attrs[DSM_A_DEAD_MS])
		dsm_req_set_dead_ms(nla_get_u32(info->attrs[DSM_A_DEAD_MS]));
	return dsm_nl_ret(dsm_cluster_set(nla_data(info->attrs[DSM_A_CLUSTER_NAME]),
					  nla_get_u32(info->attrs[DSM_A_LOCAL_NODE]),
					  info->snd_portid, &perm, set,
					  info->extack));
}

static int dsm_nl_node_add(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	struct dsm_node addr = {};

	if (dsm_nl_missing_attr(info, DSM_A_NODE_ID) ||
	    dsm_nl_missing_attr(info, DSM_A_NODE_PORT))
		return dsm_nl_ret(-EINVAL);
	if (!!a[DSM_A_NODE_ADDR4] == !!a[DSM_A_NODE_ADDR6]) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "give exactly one of NODE_ADDR4 and NODE_ADDR6");
		return dsm_nl_ret(-EINVAL);
	}
	if (a[DSM_A_NODE_ADDR6]) {
		addr.v6 = true;
		addr.addr6 = nla_get_in6_addr(a[DSM_A_NODE_ADDR6]);
	} else {
		addr.addr4 = nla_get_in_addr(a[DSM_A_NODE_ADDR4]);
	}
	addr.port = nla_get_u16(a[DSM_A_NODE_PORT]);
	return dsm_nl_ret(dsm_node_add(nla_get_u32(a[DSM_A_NODE_ID]), &addr,
				       info->extack));
}

static int dsm_nl_node_del(struct sk_buff *skb, struct genl_info *info)
{
	if (dsm_nl_missing_attr(info, DSM_A_NODE_ID))
		return dsm_nl_ret(-EINVAL);
	return dsm_nl_ret(dsm_node_del(nla_get_u32(info->attrs[DSM_A_NODE_ID]),
				       info->extack));
}

static int dsm_nl_node_set_state(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	u64 inc = 0;
	u8 reason = DSM_REASON_NONE;

	if (dsm_nl_missing_attr(info, DSM_A_NODE_ID) ||
	    dsm_nl_missing_attr(info, DSM_A_NODE_STATE))
		return dsm_nl_ret(-EINVAL);
	if (a[DSM_A_NODE_INCARNATION])
		inc = nla_get_u64(a[DSM_A_NODE_INCARNATION]);
	if (a[DSM_A_NODE_REASON])
		reason = nla_get_u8(a[DSM_A_NODE_REASON]);
	return dsm_nl_ret(dsm_node_set_state(nla_get_u32(a[DSM_A_NODE_ID]),
					     nla_get_u8(a[DSM_A_NODE_STATE]),
					     reason, inc, info->extack));
}

static int dsm_nl_node_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	u32 id;
	int ret;

	if (dsm_nl_missing_attr(info, DSM_A_NODE_ID))
		return dsm_nl_ret(-EINVAL);
	id = nla_get_u32(info->attrs[DSM_A_NODE_ID]);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return dsm_nl_ret(-ENOMEM);
	mutex_lock(&dsm_cluster.lock);
	if (!dsm_cluster.nodes[id].present) {
		mutex_unlock(&dsm_cluster.lock);
		nlmsg_free(msg);
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[DSM_A_NODE_ID],
				    "no such node; 'dsmctl node list' shows the members");
		return dsm_nl_ret(-ENOENT);
	}
	ret = dsm_nl_fill(msg, info->snd_portid, info->snd_seq, 0,
			  DSM_CMD_NODE_GET, id, &dsm_cluster.nodes[id], NULL,
			  false);
	mutex_unlock(&dsm_cluster.lock);
	if (ret) {
		nlmsg_free(msg);
		return dsm_nl_ret(ret);
	}
	dsm_nl_ret(0);
	return genlmsg_reply(msg, info);
}

/* cb->args[0]: next node id to dump. */
static int dsm_nl_node_get_dumpit(struct sk_buff *skb,
				  struct netlink_callback *cb)
{
	u32 id;

	mutex_lock(&dsm_cluster.lock);
	for (id = cb->args[0]; id < DSM_NODES_MAX; id++) {
		if (!dsm_cluster.nodes[id].present)
			continue;
		if (dsm_nl_fill(skb, NETLINK_CB(cb->skb).portid,
				cb->nlh->nlmsg_seq, NLM_F_MULTI,
				DSM_CMD_NODE_GET, id, &dsm_cluster.nodes[id],
				NULL, false))
			break;
	}
	mutex_unlock(&dsm_cluster.lock);
	cb->args[0] = id;
	return skb->len;
}

static int dsm_nl_region_new(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	struct dsm_region_req req = {};
	struct dsm_region out;
	struct sk_buff *msg;
	int ret;

	if (dsm_nl_missing_attr(info, DSM_A_REGION_NAME) ||
	    dsm_nl_missing_attr(info, DSM_A_REGION_SIZE))
		return dsm_nl_ret(-EINVAL);
	req.name = nla_data(a[DSM_A_REGION_NAME]);
	req.size = nla_get_u64(a[DSM_A_REGION_SIZE]);
	req.model = a[DSM_A_REGION_MODEL] ?
		    nla_get_u8(a[DSM_A_REGION_MODEL]) : DSM_MODEL_SC;
	req.replicas = a[DSM_A_REGION_REPLICAS] ?
		       nla_get_u8(a[DSM_A_REGION_REPLICAS]) : 1;
	req.replica = nla_get_flag(a[DSM_A_REPLICA]);
	req.perm_set = dsm_nl_get_perm(a, &req.perm);
	if (req.replica) {
		if (dsm_nl_missing_attr(info, DSM_A_REGION_OFFSET) ||
		    dsm_nl_missing_attr(info, DSM_A_REGION_ORIGIN))
			return dsm_nl_ret(-EINVAL);
		req.offset = nla_get_u64(a[DSM_A_REGION_OFFSET]);
		req.origin = nla_get_u32(a[DSM_A_REGION_ORIGIN]);
	} else if (a[DSM_A_REGION_OFFSET] || a[DSM_A_REGION_ORIGIN]) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "the kernel places new regions; offset and origin are for replicas");
		return dsm_nl_ret(-EINVAL);
	}
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return dsm_nl_ret(-ENOMEM);
	ret = dsm_region_new(&req, &out, info->extack);
	if (!ret)
		ret = dsm_nl_fill(msg, info->snd_portid, info->snd_seq, 0,
				  DSM_CMD_REGION_NEW, 0, NULL, &out, false);
	if (ret) {
		nlmsg_free(msg);
		return dsm_nl_ret(ret);
	}
	dsm_nl_ret(0);
	return genlmsg_reply(msg, info);
}

static int dsm_nl_region_del(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;

	if (dsm_nl_missing_attr(info, DSM_A_REGION_NAME))
		return dsm_nl_ret(-EINVAL);
	return dsm_nl_ret(dsm_region_del(nla_data(a[DSM_A_REGION_NAME]),
					 !!a[DSM_A_REGION_OFFSET],
					 a[DSM_A_REGION_OFFSET] ?
					 nla_get_u64(a[DSM_A_REGION_OFFSET]) : 0,
					 nla_get_flag(a[DSM_A_REPLICA]),
					 info->extack));
}

static int dsm_nl_region_get_doit(struct sk_buff *skb,
				  struct genl_info *info)
{
	struct dsm_region *r;
	struct sk_buff *msg;
	int ret;

	if (dsm_nl_missing_attr(info, DSM_A_REGION_NAME))
		return dsm_nl_ret(-EINVAL);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return dsm_nl_ret(-ENOMEM);
	mutex_lock(&dsm_cluster.lock);
	r = dsm_region_find(nla_data(info->attrs[DSM_A_REGION_NAME]));
	if (!r) {
		mutex_unlock(&dsm_cluster.lock);
		nlmsg_free(msg);
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[DSM_A_REGION_NAME],
				    "no such region; 'dsmctl region list' shows them");
		return dsm_nl_ret(-ENOENT);
	}
	ret = dsm_nl_fill(msg, info->snd_portid, info->snd_seq, 0,
			  DSM_CMD_REGION_GET, 0, NULL, r, false);
	mutex_unlock(&dsm_cluster.lock);
	if (ret) {
		nlmsg_free(msg);
		return dsm_nl_ret(ret);
	}
	dsm_nl_ret(0);
	return genlmsg_reply(msg, info);
}

/*
 * cb->args[0]: regions already dumped. Regions deleted or created between
 * two parts of a dump may be missed or repeated, as in every netlink dump.
 */
static int dsm_nl_region_get_dumpit(struct sk_buff *skb,
				    struct netlink_callback *cb)
{
	struct dsm_region *r;
	long i = 0;

	mutex_lock(&dsm_cluster.lock);
	list_for_each_entry(r, &dsm_cluster.regions, list) {
		if (i++ < cb->args[0])
			continue;
		if (dsm_nl_fill(skb, NETLINK_CB(cb->skb).portid,
				cb->nlh->nlmsg_seq, NLM_F_MULTI,
				DSM_CMD_REGION_GET, 0, NULL, r, false)) {
			i--;
			break;
		}
	}
	mutex_unlock(&dsm_cluster.lock);
	cb->args[0] = i;
	return skb->len;
}

/* cb->args[0]: next counter to dump. */
static int dsm_nl_stats_get_dumpit(struct sk_buff *skb,
				   struct netlink_callback *cb)
{
	long i;
	void *hdr;

	for (i = cb->args[0]; i < DSM_STAT_NR; i++) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &dsm_genl_family,
				  NLM_F_MULTI, DSM_CMD_STATS_GET);
		if (!hdr)
			break;
		if (nla_put_string(skb, DSM_A_STAT_NAME, dsm_stat_name(i)) ||
		    nla_put_u64_64bit(skb, DSM_A_STAT_VALUE,
				      dsm_stat_read(i), DSM_A_PAD)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	cb->args[0] = i;
	return skb->len;
}

static const struct genl_ops dsm_nl_ops[] = {
	{
		.cmd	= DSM_CMD_GET_STATUS,
		.doit	= dsm_nl_get_status,
	},
	{
		.cmd	= DSM_CMD_CLUSTER_SET,
		.doit	= dsm_nl_cluster_set,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= DSM_CMD_NODE_ADD,
		.doit	= dsm_nl_node_add,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= DSM_CMD_NODE_DEL,
		.doit	= dsm_nl_node_del,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= DSM_CMD_NODE_GET,
		.doit	= dsm_nl_node_get_doit,
		.dumpit	= dsm_nl_node_get_dumpit,
	},
	{
		.cmd	= DSM_CMD_NODE_SET_STATE,
		.doit	= dsm_nl_node_set_state,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= DSM_CMD_REGION_NEW,
		.doit	= dsm_nl_region_new,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= DSM_CMD_REGION_DEL,
		.doit	= dsm_nl_region_del,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= DSM_CMD_REGION_GET,
		.doit	= dsm_nl_region_get_doit,
		.dumpit	= dsm_nl_region_get_dumpit,
	},
	{
		.cmd	= DSM_CMD_STATS_GET,
		.dumpit	= dsm_nl_stats_get_dumpit,
	},
	{
		.cmd	= DSM_CMD_PEER_SOCKET,
		.doit	= dsm_nl_peer_socket,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= DSM_CMD_MGR_REPLY,
		.doit	= dsm_nl_mgr_reply,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= DSM_CMD_HOME_SET,
		.doit	= dsm_nl_home_set,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= DSM_CMD_LOCK_FORWARD,
		.doit	= dsm_nl_lock_forward,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= DSM_CMD_REGION_TOP,
		.doit	= dsm_nl_region_top,
	},
	{
		.cmd	= DSM_CMD_LOCK_TOP,
		.doit	= dsm_nl_lock_top,
	},
	{
		.cmd	= DSM_CMD_FENCE,
		.doit	= dsm_nl_fence,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= DSM_CMD_LEAVE,
		.doit	= dsm_nl_leave,
		.flags	= GENL_ADMIN_PERM,
	},
};

struct genl_family dsm_genl_family __ro_after_init = {
	.name		= DSM_GENL_NAME,
	.version	= DSM_GENL_VERSION,
	.maxattr	= DSM_A_MAX,
	.policy		= dsm_nl_policy,
	.module		= THIS_MODULE,
	.ops		= dsm_nl_ops,
	.n_ops		= ARRAY_SIZE(dsm_nl_ops),
	.mcgrps		= dsm_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(dsm_nl_mcgrps),
};

/* The dsmd that configured the cluster closing its socket means it died. */
static int dsm_nl_release(struct notifier_block *nb, unsigned long event,
			  void *ptr)
{
	struct netlink_notify *n = ptr;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC ||
	    !net_eq(n->net, &init_net) || !n->portid)
		return NOTIFY_DONE;
	dsm_cluster_daemon_gone(n->portid);
	return NOTIFY_DONE;
}

static struct notifier_block dsm_nl_notifier = {
	.notifier_call = dsm_nl_release,
};

int dsm_nl_init(void)
{
	int ret;

	ret = genl_register_family(&dsm_genl_family);
	if (ret) {
		pr_err("cannot register generic netlink family: %d\n", ret);
		return ret;
	}
	ret = netlink_register_notifier(&dsm_nl_notifier);
	if (ret) {
		genl_unregister_family(&dsm_genl_family);
		return ret;
	}
	return 0;
}

void dsm_nl_exit(void)
{
	dsm_hot_ev_stop();
	dsm_sc_adapt_stop();
	netlink_unregister_notifier(&dsm_nl_notifier);
	genl_unregister_family(&dsm_genl_family);
}
