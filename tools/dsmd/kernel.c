// SPDX-License-Identifier: GPL-2.0
/*
 * kernel.c - dsmd and the kernel's generic netlink family: configure the
 * cluster (CLUSTER_SET from the manager socket, one NODE_ADD per node),
 * report peers up and down, check once a second that the module is still
 * configured (and configure it again after a reload), and tell the peers
 * about the regions created or deleted here.
 *
 * Three netlink sockets: d.nl for dsmd's own requests (node state,
 * regions, status), d.ev for the kernel's events, and d.mgrnl, the
 * daemon's registered port (mgrnl.c).
 */
#include <errno.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "dsm_ids.h"
#include "dsmd.h"

const char *kerr(int err)
{
	return d.nl.errmsg[0] ? d.nl.errmsg : strerror(-err);
}

int kernel_set_state(int id, int state, int reason, uint64_t inc)
{
	struct nl_msg *msg;
	int ret;

	msg = dsm_genl_msg(&d.nl, DSM_CMD_NODE_SET_STATE, 0);
	if (!msg || nla_put_u32(msg, DSM_A_NODE_ID, id) ||
	    nla_put_u8(msg, DSM_A_NODE_STATE, state) ||
	    nla_put_u8(msg, DSM_A_NODE_REASON, reason) ||
	    (inc && nla_put_u64(msg, DSM_A_NODE_INCARNATION, inc))) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	ret = dsm_genl_call(&d.nl, msg, NULL, NULL);
	if (ret)
		logm(LOG_ERR, "kernel refused node %d %s: %s", id,
		     dsm_state_name(state), kerr(ret));
	return ret;
}

/*
 * PEER_SOCKET: the kernel takes @fd as node @id's data connection, with
 * the session keys @tx and @rx (both NULL: 'auth none'). 0 or -errno.
 */
int kernel_peer_socket(int id, int fd, const struct dsm_auth_link *tx,
		       const struct dsm_auth_link *rx,
		       const struct dsmc_link *peer, uint16_t wire)
{
	struct nl_msg *msg;

	msg = dsm_genl_msg(&d.nl, DSM_CMD_PEER_SOCKET, 0);
	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, DSM_A_NODE_ID, id) ||
	    nla_put_u32(msg, DSM_A_SOCKET_FD, fd) ||
	    nla_put_u64(msg, DSM_A_PEER_INCARNATION, peer->incarnation) ||
	    nla_put_u32(msg, DSM_A_PEER_WIRE_VERSION, wire) ||
	    nla_put_u32(msg, DSM_A_PEER_FLAGS, peer->flags) ||
	    (tx && (nla_put(msg, DSM_A_PEER_TX_KEY, DSM_PEER_KEY_SIZE,
			    tx->key) ||
		    nla_put(msg, DSM_A_PEER_RX_KEY, DSM_PEER_KEY_SIZE,
			    rx->key) ||
		    nla_put_u32(msg, DSM_A_PEER_TAG_LEN, tx->tag_len)))) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return dsm_genl_call(&d.nl, msg, NULL, NULL);
}


uint32_t kernel_default_gid(void)
{
	const char *why;
	uint32_t gid;

	return dsm_id_lookup("dsm", DSM_GROUP_FILE, &gid, &why) ? 0 : gid;
}

/*
 * The default region's owner, group and mode, also the defaults of
 * regions created without them: root, group "dsm" where it exists (as
 * /dev/dsm's, udev/60-dsm.rules), 0660. Each node's dsmd names its own
 * default region's group: group ids are assumed the same on every node,
 * as region owners are (Documentation/admin-guide.md, "Permissions").
 */
static int kernel_put_default_perm(struct nl_msg *msg)
{
	return nla_put_u32(msg, DSM_A_REGION_UID, 0) ||
	       nla_put_u32(msg, DSM_A_REGION_GID, kernel_default_gid()) ||
	       nla_put_u16(msg, DSM_A_REGION_MODE, DSM_REGION_MODE_DEFAULT);
}

/*
 * HOME_SET: table @t to the kernel, @why in the log. A thin push: the
 * caller made the table (dsm_home_init(), dsm_home_next(), or one a peer
 * sent: membership.c). A module that has this table already (dsmd
 * restarted) accepts it again and changes nothing; one whose table is
 * newer (dsmctl home bump: the same buckets, a later epoch) keeps its
 * own: -ESTALE, logged.
 */
int kernel_push_home_table(const struct dsm_home_table *t, const char *why)
{
	int ret;

	_Static_assert(sizeof(t->node) == DSM_HOME_NR_BUCKETS,
		       "the core's buckets are the uapi's");
	ret = dsm_genl_home_set(&d.nl, t->epoch, t->node);
	if (ret == -ESTALE)
		logm(LOG_WARNING, "the kernel has a newer home table than epoch %llu (%s; dsmctl home bump?): it keeps it",
		     (unsigned long long)t->epoch, why);
	else if (ret)
		logm(LOG_ERR, "kernel refused the home table of epoch %llu (%s): %s",
		     (unsigned long long)t->epoch, why, kerr(ret));
	else
		logm(LOG_INFO, "home table of epoch %llu pushed (%s)",
		     (unsigned long long)t->epoch, why);
	return ret;
}

/*
 * The kernel's current home table (GET_STATUS: HOME_EPOCH, HOME_BUCKETS)
 * into @t's epoch and buckets (its members are not the kernel's to say);
 * @t->epoch 0 if it has none. 0 or -errno.
 */
int kernel_home_get(struct dsm_home_table *t)
{
	uint64_t epoch;
	int ret;

	t->epoch = 0;
	if (!d.nl.sk)
		return -ENOENT;
	ret = dsm_genl_home_get(&d.nl, &epoch, t->node);
	t->epoch = epoch;
	return ret;
}

/*
 * The table the coordinator's next one builds on, into @base: dsmd's,
 * or the kernel's epoch and buckets when that is newer (a table pushed
 * by hand: dsmctl home bump, a test), since the kernels would refuse a
 * table older than theirs.
 */
void kernel_home_base(struct dsm_home_table *base)
{
	struct dsm_home_table k = {};

	*base = d.home;
	if (!kernel_home_get(&k) && k.epoch > base->epoch) {
		memcpy(base->node, k.node, sizeof(base->node));
		base->epoch = k.epoch;
	}
}

/*
 * The home table (kmod/core/dsm_home.h): dsmd owns it and builds the
 * first one from the configuration, epoch 1 over its nodes, the same
 * table on every node; a membership change makes the next one
 * (membership.c). A node that waits to join ('join') has none until a
 * member sends it one.
 */
static int kernel_push_home(void)
{
	struct dsm_home_table *t = &d.home;
	int ret;

	if (!t->epoch) {
		if (d.conf.join)
			return 0;
		ret = dsm_home_init(t, memb_conf_mask(), 1);
		if (ret)
			return ret;
		/* The managers' frames carry the table's epoch. */
		mgr_members_set(&d.mgr, t->members, t->epoch);
	}
	ret = kernel_push_home_table(t, "configured");
	return ret == -ESTALE ? 0 : ret;
}

/* NODE_ADD: node @id of the configuration to the kernel; 0 or -errno. */
int kernel_node_add(unsigned int id)
{
	struct dsmd_conf_node *n = &d.conf.nodes[id];
	struct nl_msg *msg;
	int ret;

	msg = dsm_genl_msg(&d.nl, DSM_CMD_NODE_ADD, 0);
	if (!msg || nla_put_u32(msg, DSM_A_NODE_ID, id) ||
	    nla_put_u16(msg, DSM_A_NODE_PORT, n->port) ||
	    (n->family == AF_INET ?
	     nla_put(msg, DSM_A_NODE_ADDR4, 4, &n->addr4) :
	     nla_put(msg, DSM_A_NODE_ADDR6, 16, &n->addr6))) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	ret = dsm_genl_call(&d.nl, msg, NULL, NULL);
	if (ret)
		logm(LOG_ERR, "kernel refused node %u (%s port %u): %s",
		     id, n->addr, n->port, kerr(ret));
	return ret;
}

static int links_cb(uint8_t cmd, struct nlattr **tb, void *arg)
{
	uint64_t *up = arg;
	uint32_t id = dsm_nla_u32(tb[DSM_A_NODE_ID], DSM_NODES_MAX);

	(void)cmd;
	if (id < DSM_NODES_MAX && tb[DSM_A_NODE_TRANSPORT])
		*up |= 1ULL << id;
	return 0;
}

/*
 * The nodes the kernel has a data connection to now (NODE_GET dump: its
 * NODE_TRANSPORT is there only then); 0 if it cannot be read.
 */
uint64_t kernel_links_up(void)
{
	struct nl_msg *msg;
	uint64_t up = 0;

	msg = dsm_genl_msg(&d.nl, DSM_CMD_NODE_GET, NLM_F_DUMP);
	if (!msg || dsm_genl_call(&d.nl, msg, links_cb, &up))
		return 0;
	return up;
}

/* NODE_DEL: node @id leaves the kernel's membership; 0 or -errno. */
int kernel_node_del(unsigned int id)
{
	struct nl_msg *msg;
	int ret;

	msg = dsm_genl_msg(&d.nl, DSM_CMD_NODE_DEL, 0);
	if (!msg || nla_put_u32(msg, DSM_A_NODE_ID, id)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	ret = dsm_genl_call(&d.nl, msg, NULL, NULL);
	if (ret)
		logm(LOG_ERR, "kernel refused to remove node %u: %s", id,
		     kerr(ret));
	return ret;
}

/*
 * LEAVE (family version 16): this node leaves the cluster. The first
 * call refuses this node's dsm memory from then on and starts handing
 * its pages over in the background; the kernel answers -EINPROGRESS
 * while that runs (not a failure: ask again, leave.c does each tick),
 * then 0 for every later call, or once the -errno that stopped it (the
 * next call starts again). -ENOLINK: no other live member, nothing
 * changed; -EOPNOTSUPP: a module without LEAVE. Not logged here: the
 * caller says what the result means (kerr() has the kernel's message).
 */
int kernel_leave(void)
{
	struct nl_msg *msg;

	msg = dsm_genl_msg(&d.nl, DSM_CMD_LEAVE, 0);
	if (!msg)
		return -ENOMEM;
	return dsm_genl_call(&d.nl, msg, NULL, NULL);
}

int kernel_configure(void)
{
	struct dsmd_conf *c = &d.conf;
	struct nl_msg *msg;
	unsigned int i;
	int ret;

	/* From the manager socket: its port is the one the kernel remembers. */
	msg = mgrnl_msg(DSM_CMD_CLUSTER_SET);
	if (!msg || nla_put_string(msg, DSM_A_CLUSTER_NAME, c->cluster) ||
	    nla_put_u32(msg, DSM_A_LOCAL_NODE, c->local) ||
	    nla_put_u32(msg, DSM_A_DEAD_MS, c->dead_ms) ||
	    kernel_put_default_perm(msg)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	d.mgrnl.errmsg[0] = '\0';
	ret = mgrnl_send(msg, true);
	if (ret) {
		logm(LOG_ERR, "kernel refused cluster %s node %d: %s",
		     c->cluster, c->local, d.mgrnl.errmsg[0] ?
		     d.mgrnl.errmsg : strerror(-ret));
		return ret;
	}
	for (i = 0; i < c->nr_nodes; i++) {
		if (!c->nodes[i].present)
			continue;
		ret = kernel_node_add(i);
		if (ret)
			return ret;
	}
	ret = kernel_push_home();
	return ret ? ret : kernel_adopt_incarnation();
}

/* GET_STATUS; the link facts are 0 from a module before version 6. */
struct kstatus {
	bool configured;
	uint64_t incarnation;
	uint32_t wire_min;
	uint32_t wire_max;
	uint32_t page_size;
	uint64_t nodes_lost;
	bool fenced;
};

static int status_cb(uint8_t cmd, struct nlattr **tb, void *arg)
{
	struct kstatus *st = arg;

	(void)cmd;
	st->configured = dsm_nla_u8(tb[DSM_A_CONFIGURED], 0);
	st->incarnation = dsm_nla_u64(tb[DSM_A_NODE_INCARNATION], 0);
	st->wire_min = dsm_nla_u32(tb[DSM_A_WIRE_VERSION_MIN], 0);
	st->wire_max = dsm_nla_u32(tb[DSM_A_WIRE_VERSION_MAX], 0);
	st->page_size = dsm_nla_u32(tb[DSM_A_PAGE_SIZE], 0);
	st->nodes_lost = dsm_nla_nodes(tb[DSM_A_NODES_LOST], 0);
	st->fenced = dsm_nla_u8(tb[DSM_A_FENCED], 0);
	return 0;
}

static int kernel_status(struct kstatus *st)
{
	struct nl_msg *msg;

	memset(st, 0, sizeof(*st));
	if (!d.nl.sk)
		return -ENOENT;
	msg = dsm_genl_msg(&d.nl, DSM_CMD_GET_STATUS, 0);
	return msg ? dsm_genl_call(&d.nl, msg, status_cb, st) : -ENOMEM;
}

/*
 * LINK_INFO to peer @id: our module's incarnation, wire versions and page
 * size, and whether it declared an earlier incarnation of @id lost. The
 * incarnation must be the one our HELLOs announce (d.incarnation): a
 * module reloaded under us is refused until kernel_watch() catches up.
 */
int kernel_link_info(int id, struct dsmc_link *l)
{
	struct kstatus st;
	int ret;

	ret = kernel_status(&st);
	if (ret)
		return ret;
	if (!st.configured || st.incarnation != d.incarnation)
		return -ESTALE;
	if (!st.wire_min || st.wire_max < st.wire_min || st.wire_max > 0xffff ||
	    !st.page_size)
		return -EPROTONOSUPPORT;	/* a module before family 6 */
	memset(l, 0, sizeof(*l));
	l->node = d.conf.local;
	l->wire_min = st.wire_min;
	l->wire_max = st.wire_max;
	l->incarnation = st.incarnation;
	l->page_size = st.page_size;
	if (st.nodes_lost >> id & 1)
		l->flags |= DSM_PEER_F_PREV_LOST;
	return 0;
}

/*
 * This node's incarnation is its module's configuration: the kernel draws
 * it at CLUSTER_SET, and dsmd's LINK_INFO on the data links carries it. dsmd announces
 * the same one in its own HELLO, so a reloaded dsm.ko is a new node to
 * the peers (they declare the old one's state lost), while a restarted
 * dsmd over the same module is not. If it changed while peers were
 * connected (dsm.ko reloaded under this dsmd), every control connection
 * is made again, so that each peer learns it from the handshake.
 */
int kernel_adopt_incarnation(void)
{
	struct kstatus st;
	int ret, i;

	ret = kernel_status(&st);
	if (!ret && (!st.configured || !st.incarnation))
		ret = -EPROTO;
	if (ret) {
		logm(LOG_ERR, "cannot read the module's incarnation: %s",
		     kerr(ret));
		return ret;
	}
	d.fenced = st.fenced;	/* a fence outlives a restart of dsmd */
	if (st.incarnation == d.incarnation)
		return 0;
	d.incarnation = st.incarnation;
	for (i = 0; i < MAX_CONNS; i++)
		if (d.conns[i].fd >= 0 && d.conns[i].peer >= 0)
			conn_close(i, "this node has a new incarnation");
	return 0;
}

int kernel_open(void)
{
	static int refused;
	char why[256];
	int ret;

	ret = dsm_genl_open(&d.nl);
	if (!ret) {
		ret = dsm_genl_family_version(&d.nl);
		if (ret >= 0 && !dsm_genl_version_ok(ret, why, sizeof(why))) {
			/* Said once per version seen (kernel_watch() retries). */
			if (refused != ret)
				logm(LOG_ERR, "%s", why);
			refused = ret;
			ret = -EPROTO;
		} else {
			ret = ret < 0 ? ret : 0;
		}
	}
	if (!ret)
		ret = dsm_genl_open(&d.ev);
	if (!ret)
		ret = dsm_genl_subscribe(&d.ev);
	if (!ret)
		ret = mgrnl_open();
	if (ret) {
		dsm_genl_close(&d.mgrnl);
		dsm_genl_close(&d.ev);
		dsm_genl_close(&d.nl);
	}
	return ret;
}

/*
 * Once a second: is the kernel still configured? If dsm.ko was reloaded
 * (its family is new and empty), configure it again and report the peers
 * as dsmd knows them, so the module and dsmd never disagree for long.
 */
void kernel_watch(void)
{
	static int64_t next;
	static bool warned;
	struct kstatus st;
	unsigned int id;

	if (now_ms() < next)
		return;
	next = now_ms() + 1000;
	if (!kernel_status(&st) && st.configured) {
		/* A fence ended, or a peer said PREV_LOST on a data link. */
		if (st.nodes_lost >> d.conf.local & 1)
			mgr_self_lost(&d.mgr);
		return;
	}
	/*
	 * A reloaded module has a new family (and multicast group): reopen
	 * both sockets, so that the events subscription is the new one's.
	 */
	dsm_genl_close(&d.mgrnl);
	dsm_genl_close(&d.ev);
	dsm_genl_close(&d.nl);
	/* Whatever the old module asked the managers is void now. */
	mgr_kernel_reset(&d.mgr);
	if (kernel_open()) {
		if (!warned)	/* an older module: kernel_open() said so */
			logm(LOG_ERR, "dsm.ko is gone or refused; waiting for it to be loaded again");
		warned = true;
		return;
	}
	warned = false;
	logm(LOG_WARNING, "dsm.ko lost its configuration (reloaded?); configuring it again");
	/* Its data connections went with it. */
	for (id = 0; id < d.conf.nr_nodes; id++)
		d.peers[id].dhanded = false;
	if (kernel_configure())
		return;
	for (id = 0; id < d.conf.nr_nodes; id++) {
		struct peer *p = &d.peers[id];

		if ((int)id == d.conf.local || !d.conf.nodes[id].present)
			continue;
		if (p->kstate == DSM_NODE_STATE_UP)
			kernel_set_state(id, DSM_NODE_STATE_UP, DSM_REASON_JOINED,
					 p->incarnation);
		else if (p->kstate == DSM_NODE_STATE_DOWN)
			kernel_set_state(id, DSM_NODE_STATE_DOWN,
					 DSM_REASON_TIMEOUT, 0);
	}
}

/*
 * HOME_WANT: the buckets this node homes that its kernel wishes moved,
 * to the coordinator (memb_home.c). A bad event is logged and dropped.
 */
static void event_home_want(struct nlattr **tb)
{
	struct nlattr *b = tb[DSM_A_HOME_BUCKETS], *e = tb[DSM_A_HOME_EPOCH];
	const char *bad = NULL;
	uint32_t n;

	if (!b || nla_len(b) != DSM_HOME_NR_BUCKETS)
		bad = "HOME_BUCKETS missing or not 840 bytes";
	else if (!e || nla_len(e) != sizeof(uint64_t))
		bad = "HOME_EPOCH missing or not a u64";
	else if (dsm_home_wishes_check(nla_data(b), &n))
		bad = "a bucket's wish is not a node id";
	if (bad) {
		logm(LOG_WARNING, "kernel: HOME_WANT ignored: %s", bad);
		return;
	}
	memb_home_wishes((uint32_t)d.conf.local, dsm_nla_u64(e, 0),
			 nla_data(b));
}

static int event_cb(uint8_t cmd, struct nlattr **tb, void *arg)
{
	const char *name = dsm_nla_str(tb[DSM_A_REGION_NAME], NULL);
	struct dsmc_msg m = {};

	(void)arg;
	if (cmd == DSM_CMD_LINK_DOWN && tb[DSM_A_NODE_ID]) {
		data_link_down((int)dsm_nla_u32(tb[DSM_A_NODE_ID], 0));
		return 0;
	}
	if (cmd == DSM_CMD_HOME_WANT) {
		event_home_want(tb);
		return 0;
	}
	if (cmd != DSM_CMD_REGION_CREATED && cmd != DSM_CMD_REGION_DELETED)
		return 0;
	/* Replicas came from a peer; the default region is everywhere. */
	if (!name || tb[DSM_A_REPLICA] ||
	    !strcmp(name, DSM_DEFAULT_REGION_NAME))
		return 0;
	peer_region_fill(&m, tb);
	if (cmd == DSM_CMD_REGION_DELETED)
		m.type = DSMC_REGION_DEL;
	logm(LOG_INFO, "region %s %s here; telling the peers", name,
	     cmd == DSM_CMD_REGION_CREATED ? "created" : "deleted");
	conn_broadcast(&m);
	return 0;
}

void kernel_events(void)
{
	int ret, i;

	ret = dsm_genl_recv_events(&d.ev, false, event_cb, NULL);
	if (ret == -ENOBUFS) {
		logm(LOG_WARNING, "kernel events were lost; resending every region");
		for (i = 0; i < MAX_CONNS; i++)
			if (d.conns[i].fd >= 0 && d.conns[i].ready)
				peer_region_sync(i);
	} else if (ret) {
		logm(LOG_ERR, "reading kernel events: %s", d.ev.errmsg[0] ?
		     d.ev.errmsg : strerror(-ret));
	}
}
