// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_netlink - the generic netlink family "dsm" on one node: every
 * malformed request (missing, oversized, wrongly typed, out-of-range,
 * unknown attributes, unknown commands, bad headers) is refused with an
 * error and an extended ack message and changes nothing; commands that
 * change state need CAP_NET_ADMIN; the region commands work.
 *
 * Runs after vcluster's init started dsmd, so the cluster is configured.
 */
#include <arpa/inet.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "dsm_test.h"
#include "dsm_nl_raw.h"

/* A snapshot of what a malformed request must not change. */
struct snap {
	char regions[4096];
	char nodes[1024];
	size_t rlen, nlen;
};

static void snap_region_cb(struct nlmsghdr *nlh, void *arg)
{
	struct snap *s = arg;
	struct nlattr *a;

	nlr_for_each_attr(a, nlh) {
		size_t len = a->nla_len - NLA_HDRLEN;

		if (s->rlen + len < sizeof(s->regions)) {
			memcpy(s->regions + s->rlen, nlr_data(a), len);
			s->rlen += len;
		}
	}
}

static void snap_node_cb(struct nlmsghdr *nlh, void *arg)
{
	struct snap *s = arg;
	struct nlattr *a;

	nlr_for_each_attr(a, nlh) {
		size_t len = a->nla_len - NLA_HDRLEN;

		/*
		 * The time of the last change is not state, nor is whether
		 * the data connection is up at this moment.
		 */
		if (a->nla_type == DSM_A_NODE_CHANGED ||
		    a->nla_type == DSM_A_NODE_TRANSPORT)
			continue;
		if (s->nlen + len < sizeof(s->nodes)) {
			memcpy(s->nodes + s->nlen, nlr_data(a), len);
			s->nlen += len;
		}
	}
}

static int snapshot(struct nlr *r, struct snap *s)
{
	int ret;

	memset(s, 0, sizeof(*s));
	nlr_start(r, r->family, DSM_CMD_REGION_GET, NLM_F_DUMP);
	ret = nlr_call(r, snap_region_cb, s);
	if (ret)
		return ret;
	nlr_start(r, r->family, DSM_CMD_NODE_GET, NLM_F_DUMP);
	return nlr_call(r, snap_node_cb, s);
}

static int same(const struct snap *a, const struct snap *b)
{
	return a->rlen == b->rlen && a->nlen == b->nlen &&
	       !memcmp(a->regions, b->regions, a->rlen) &&
	       !memcmp(a->nodes, b->nodes, a->nlen);
}

struct status {
	uint8_t configured;
	uint32_t nodes, up, regions, local;
	uint32_t wire_min, wire_max, page_size;	/* family version 6 */
	int leaving;				/* version 16; -1: absent */
};

static void status_cb(struct nlmsghdr *nlh, void *arg)
{
	struct status *st = arg;
	struct nlattr *a;

	nlr_for_each_attr(a, nlh) {
		switch (a->nla_type) {
		case DSM_A_CONFIGURED:
			st->configured = *(uint8_t *)nlr_data(a);
			break;
		case DSM_A_LEAVING:
			st->leaving = *(uint8_t *)nlr_data(a);
			break;
		case DSM_A_NODE_COUNT:
			st->nodes = *(uint32_t *)nlr_data(a);
			break;
		case DSM_A_NODES_UP:
			st->up = *(uint32_t *)nlr_data(a);
			break;
		case DSM_A_REGION_COUNT:
			st->regions = *(uint32_t *)nlr_data(a);
			break;
		case DSM_A_LOCAL_NODE:
			st->local = *(uint32_t *)nlr_data(a);
			break;
		case DSM_A_WIRE_VERSION_MIN:
			st->wire_min = *(uint32_t *)nlr_data(a);
			break;
		case DSM_A_WIRE_VERSION_MAX:
			st->wire_max = *(uint32_t *)nlr_data(a);
			break;
		case DSM_A_PAGE_SIZE:
			st->page_size = *(uint32_t *)nlr_data(a);
			break;
		}
	}
}

struct region {
	char name[DSM_NAME_MAX];
	uint64_t offset, size;
	uint8_t model;
	uint32_t origin;
};

static void region_cb(struct nlmsghdr *nlh, void *arg)
{
	struct region *rg = arg;
	struct nlattr *a;

	nlr_for_each_attr(a, nlh) {
		switch (a->nla_type) {
		case DSM_A_REGION_NAME:
			snprintf(rg->name, sizeof(rg->name), "%s",
				 (char *)nlr_data(a));
			break;
		case DSM_A_REGION_OFFSET:
			memcpy(&rg->offset, nlr_data(a), 8);
			break;
		case DSM_A_REGION_SIZE:
			memcpy(&rg->size, nlr_data(a), 8);
			break;
		case DSM_A_REGION_MODEL:
			rg->model = *(uint8_t *)nlr_data(a);
			break;
		case DSM_A_REGION_ORIGIN:
			rg->origin = *(uint32_t *)nlr_data(a);
			break;
		}
	}
}

struct stat_find {
	const char *name;
	uint64_t value;
	int found;
};

static void stat_cb(struct nlmsghdr *nlh, void *arg)
{
	struct stat_find *f = arg;
	struct nlattr *a;
	int match = 0;

	nlr_for_each_attr(a, nlh) {
		if (a->nla_type == DSM_A_STAT_NAME &&
		    !strcmp(nlr_data(a), f->name))
			match = 1;
		if (a->nla_type == DSM_A_STAT_VALUE && match) {
			memcpy(&f->value, nlr_data(a), 8);
			f->found = 1;
		}
	}
}

static uint64_t stat_get(struct nlr *r, const char *name)
{
	struct stat_find f = { .name = name };

	nlr_start(r, r->family, DSM_CMD_STATS_GET, NLM_F_DUMP);
	if (nlr_call(r, stat_cb, &f) || !f.found)
		return UINT64_MAX;
	return f.value;
}

/*
 * dsmd configured the module at boot, but an earlier test may have
 * reloaded it (dsm_dev's unload test): dsmd notices within a second and
 * configures it again. Wait for that (every node up), so that no test
 * sees a table that dsmd is still filling. Without a dsmd, configure it
 * as dsmd would: cluster "vcluster", this node alone.
 */
static int ensure_configured(struct nlr *r)
{
	uint32_t addr = htonl(0x7f000001);
	/* 10 s, times DSM_TEST_TIME_FACTOR */
	double end = dsm_sync_now() + dsm_test_secs(10.0);
	struct status st;
	int ret;

	while (dsm_sync_now() < end) {
		memset(&st, 0, sizeof(st));
		nlr_start(r, r->family, DSM_CMD_GET_STATUS, 0);
		ret = nlr_call(r, status_cb, &st);
		if (ret)
			return ret;
		if (st.configured && st.nodes && st.up == st.nodes)
			return 0;
		usleep(100000);
	}
	nlr_start(r, r->family, DSM_CMD_CLUSTER_SET, 0);
	nlr_put_str(r, DSM_A_CLUSTER_NAME, "vcluster");
	nlr_put_u32(r, DSM_A_LOCAL_NODE, 0);
	ret = nlr_call(r, NULL, NULL);
	if (ret)
		return ret;
	nlr_start(r, r->family, DSM_CMD_NODE_ADD, 0);
	nlr_put_u32(r, DSM_A_NODE_ID, 0);
	nlr_put(r, DSM_A_NODE_ADDR4, &addr, 4);
	nlr_put(r, DSM_A_NODE_PORT, &(uint16_t){ 7900 }, 2);
	return nlr_call(r, NULL, NULL);
}

FIXTURE(nl) {
	struct nlr r;
	struct snap before;
};

FIXTURE_SETUP(nl)
{
	int ret = nlr_open(&self->r);

	ASSERT_EQ(0, ret) TH_LOG("dsm genetlink family: %s", strerror(-ret));
	ret = ensure_configured(&self->r);
	ASSERT_EQ(0, ret) TH_LOG("configuring: %s", self->r.extack);
	ASSERT_EQ(0, snapshot(&self->r, &self->before));
}

FIXTURE_TEARDOWN(nl)
{
	nlr_close(&self->r);
}

/* Send the request being built; expect -@err, a message, no change. */
#define EXPECT_REFUSED(err) do {					\
	struct snap __after;						\
	int __ret = nlr_call(&self->r, NULL, NULL);			\
									\
	EXPECT_EQ(-(err), __ret) TH_LOG("extack: '%s'", self->r.extack); \
	EXPECT_NE(0, strlen(self->r.extack))				\
		TH_LOG("refusal without an extack message");		\
	ASSERT_EQ(0, snapshot(&self->r, &__after));			\
	EXPECT_TRUE(same(&self->before, &__after))			\
		TH_LOG("a refused request changed the tables");	\
} while (0)

/* The same, for refusals the genetlink core makes without a message. */
#define EXPECT_REFUSED_NOMSG(err) do {					\
	struct snap __after;						\
	int __ret = nlr_call(&self->r, NULL, NULL);			\
									\
	EXPECT_EQ(-(err), __ret) TH_LOG("extack: '%s'", self->r.extack); \
	ASSERT_EQ(0, snapshot(&self->r, &__after));			\
	EXPECT_TRUE(same(&self->before, &__after));			\
} while (0)

#define START(cmd)	nlr_start(&self->r, self->r.family, (cmd), 0)

TEST_F(nl, status_configured)
{
	struct status st = { .leaving = -1 };

	START(DSM_CMD_GET_STATUS);
	ASSERT_EQ(0, nlr_call(&self->r, status_cb, &st));
	EXPECT_EQ(1, st.configured);
	EXPECT_EQ(DSM_LEAVE_NONE, st.leaving);
	EXPECT_EQ(1, st.nodes);
	EXPECT_EQ(1, st.up);
	EXPECT_LE(1, st.regions);
	EXPECT_EQ(0, st.local);
}

TEST_F(nl, default_region)
{
	struct region rg = {};

	START(DSM_CMD_REGION_GET);
	nlr_put_str(&self->r, DSM_A_REGION_NAME, DSM_DEFAULT_REGION_NAME);
	ASSERT_EQ(0, nlr_call(&self->r, region_cb, &rg));
	EXPECT_EQ(0, rg.offset);
	EXPECT_EQ(DSM_DEFAULT_REGION_SIZE, rg.size);
	EXPECT_EQ(DSM_MODEL_SC, rg.model);
}

TEST_F(nl, unknown_commands)
{
	START(200);
	EXPECT_REFUSED_NOMSG(EOPNOTSUPP);
	/* Event numbers are not commands. */
	START(DSM_CMD_NODE_DOWN);
	EXPECT_REFUSED_NOMSG(EOPNOTSUPP);
	START(DSM_CMD_UNSPEC);
	EXPECT_REFUSED_NOMSG(EOPNOTSUPP);
}

/* PEER_SOCKET's link facts (family version 6), valid ones. */
static void put_facts(struct nlr *r, uint32_t wire)
{
	nlr_put_u64(r, DSM_A_PEER_INCARNATION, 12345);
	nlr_put_u32(r, DSM_A_PEER_WIRE_VERSION, wire);
}

/*
 * PEER_SOCKET (family version 5) checks everything before it looks at the
 * descriptor: the link facts given and in range (version 6), keys all or
 * none and of exact lengths, the tag length, the node a member other than
 * this one.
 */
TEST_F(nl, peer_socket_checks)
{
	uint8_t key[DSM_PEER_KEY_SIZE + 1] = { 0 };
	struct status st = {};

	START(DSM_CMD_GET_STATUS);
	ASSERT_EQ(0, nlr_call(&self->r, status_cb, &st));
	ASSERT_LE(1, st.wire_min) TH_LOG("GET_STATUS without WIRE_VERSION_MIN");
	ASSERT_LE(st.wire_min, st.wire_max);
	EXPECT_EQ(DSM_PAGE, st.page_size);
	/* This node itself. */
	START(DSM_CMD_PEER_SOCKET);
	nlr_put_u32(&self->r, DSM_A_NODE_ID, 0);
	nlr_put_u32(&self->r, DSM_A_SOCKET_FD, 0);
	put_facts(&self->r, st.wire_max);
	EXPECT_REFUSED(ENOENT);
	/* Not a member. */
	START(DSM_CMD_PEER_SOCKET);
	nlr_put_u32(&self->r, DSM_A_NODE_ID, DSM_NODES_MAX - 1);
	nlr_put_u32(&self->r, DSM_A_SOCKET_FD, 0);
	put_facts(&self->r, st.wire_max);
	EXPECT_REFUSED(ENOENT);
	/* No link facts: a dsmd older than the module. */
	START(DSM_CMD_PEER_SOCKET);
	nlr_put_u32(&self->r, DSM_A_NODE_ID, DSM_NODES_MAX - 1);
	nlr_put_u32(&self->r, DSM_A_SOCKET_FD, 0);
	EXPECT_REFUSED(EINVAL);
	/* A wire version the module does not speak. */
	START(DSM_CMD_PEER_SOCKET);
	nlr_put_u32(&self->r, DSM_A_NODE_ID, DSM_NODES_MAX - 1);
	nlr_put_u32(&self->r, DSM_A_SOCKET_FD, 0);
	put_facts(&self->r, st.wire_max + 1);
	EXPECT_REFUSED(EINVAL);
	/* Incarnation 0, an unknown flag: the policy refuses them. */
	START(DSM_CMD_PEER_SOCKET);
	nlr_put_u32(&self->r, DSM_A_NODE_ID, DSM_NODES_MAX - 1);
	nlr_put_u32(&self->r, DSM_A_SOCKET_FD, 0);
	nlr_put_u64(&self->r, DSM_A_PEER_INCARNATION, 0);
	nlr_put_u32(&self->r, DSM_A_PEER_WIRE_VERSION, st.wire_max);
	EXPECT_REFUSED(ERANGE);
	START(DSM_CMD_PEER_SOCKET);
	nlr_put_u32(&self->r, DSM_A_NODE_ID, DSM_NODES_MAX - 1);
	nlr_put_u32(&self->r, DSM_A_SOCKET_FD, 0);
	put_facts(&self->r, st.wire_max);
	nlr_put_u32(&self->r, DSM_A_PEER_FLAGS, ~(uint32_t)DSM_PEER_F_ALL);
	EXPECT_REFUSED(EINVAL);
	/* One key without the other. */
	START(DSM_CMD_PEER_SOCKET);
	nlr_put_u32(&self->r, DSM_A_NODE_ID, DSM_NODES_MAX - 1);
	nlr_put_u32(&self->r, DSM_A_SOCKET_FD, 0);
	put_facts(&self->r, st.wire_max);
	nlr_put(&self->r, DSM_A_PEER_TX_KEY, key, DSM_PEER_KEY_SIZE);
	EXPECT_REFUSED(EINVAL);
	/*
	 * A key one byte short, one byte long; a tag too short: the
	 * policy refuses them (ERANGE).
	 */
	START(DSM_CMD_PEER_SOCKET);
	nlr_put_u32(&self->r, DSM_A_NODE_ID, DSM_NODES_MAX - 1);
	nlr_put_u32(&self->r, DSM_A_SOCKET_FD, 0);
	nlr_put(&self->r, DSM_A_PEER_TX_KEY, key, DSM_PEER_KEY_SIZE - 1);
	EXPECT_REFUSED(ERANGE);
	START(DSM_CMD_PEER_SOCKET);
	nlr_put_u32(&self->r, DSM_A_NODE_ID, DSM_NODES_MAX - 1);
	nlr_put_u32(&self->r, DSM_A_SOCKET_FD, 0);
	nlr_put(&self->r, DSM_A_PEER_RX_KEY, key, DSM_PEER_KEY_SIZE + 1);
	EXPECT_REFUSED(ERANGE);
	START(DSM_CMD_PEER_SOCKET);
	nlr_put_u32(&self->r, DSM_A_NODE_ID, DSM_NODES_MAX - 1);
	nlr_put_u32(&self->r, DSM_A_SOCKET_FD, 0);
	nlr_put_u32(&self->r, DSM_A_PEER_TAG_LEN, DSM_PEER_TAG_MIN - 1);
	EXPECT_REFUSED(ERANGE);
}

TEST_F(nl, missing_attributes)
{
	START(DSM_CMD_REGION_NEW);
	nlr_put_u64(&self->r, DSM_A_REGION_SIZE, 1 << 20);
	EXPECT_REFUSED(EINVAL);

	START(DSM_CMD_REGION_NEW);
	nlr_put_str(&self->r, DSM_A_REGION_NAME, "nosize");
	EXPECT_REFUSED(EINVAL);

	START(DSM_CMD_REGION_DEL);
	EXPECT_REFUSED(EINVAL);

	START(DSM_CMD_NODE_ADD);
	nlr_put_u32(&self->r, DSM_A_NODE_ID, 5);
	nlr_put_u32(&self->r, DSM_A_NODE_PORT, 7900);
	EXPECT_REFUSED(EINVAL);

	START(DSM_CMD_NODE_GET);
	EXPECT_REFUSED(EINVAL);

	/* A replica needs its offset and origin. */
	START(DSM_CMD_REGION_NEW);
	nlr_put_str(&self->r, DSM_A_REGION_NAME, "rep");
	nlr_put_u64(&self->r, DSM_A_REGION_SIZE, 1 << 20);
	nlr_put(&self->r, DSM_A_REPLICA, NULL, 0);
	EXPECT_REFUSED(EINVAL);
}

TEST_F(nl, oversized_attributes)
{
	char name[64];

	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	START(DSM_CMD_REGION_NEW);
	nlr_put_str(&self->r, DSM_A_REGION_NAME, name);
	nlr_put_u64(&self->r, DSM_A_REGION_SIZE, 1 << 20);
	EXPECT_REFUSED(EINVAL);

	START(DSM_CMD_CLUSTER_SET);
	nlr_put_str(&self->r, DSM_A_CLUSTER_NAME, name);
	nlr_put_u32(&self->r, DSM_A_LOCAL_NODE, 0);
	EXPECT_REFUSED(EINVAL);

	/* A size larger than a slice, a node id past the last. */
	START(DSM_CMD_REGION_NEW);
	nlr_put_str(&self->r, DSM_A_REGION_NAME, "huge");
	nlr_put_u64(&self->r, DSM_A_REGION_SIZE, DSM_REGION_SLICE + 4096);
	EXPECT_REFUSED(ERANGE);

	START(DSM_CMD_NODE_GET);
	nlr_put_u32(&self->r, DSM_A_NODE_ID, DSM_NODES_MAX);
	EXPECT_REFUSED(ERANGE);

	START(DSM_CMD_REGION_NEW);
	nlr_put_str(&self->r, DSM_A_REGION_NAME, "model");
	nlr_put_u64(&self->r, DSM_A_REGION_SIZE, 1 << 20);
	nlr_put_u8(&self->r, DSM_A_REGION_MODEL, 7);
	EXPECT_REFUSED(ERANGE);

	START(DSM_CMD_REGION_NEW);
	nlr_put_str(&self->r, DSM_A_REGION_NAME, "zero");
	nlr_put_u64(&self->r, DSM_A_REGION_SIZE, 0);
	EXPECT_REFUSED(ERANGE);

	/* dsmd port 65535: its data port (+ 1) would wrap to 0. */
	START(DSM_CMD_NODE_ADD);
	nlr_put_u32(&self->r, DSM_A_NODE_ID, 5);
	nlr_put(&self->r, DSM_A_NODE_ADDR4, "\x0a\x00\x00\x09", 4);
	nlr_put(&self->r, DSM_A_NODE_PORT, &(uint16_t){ 65535 }, 2);
	EXPECT_REFUSED(ERANGE);
}

TEST_F(nl, wrongly_typed_attributes)
{
	uint16_t small = 4096;

	/* A u64 sent as u32. */
	START(DSM_CMD_REGION_NEW);
	nlr_put_str(&self->r, DSM_A_REGION_NAME, "typed");
	nlr_put_u32(&self->r, DSM_A_REGION_SIZE, 1 << 20);
	EXPECT_REFUSED(EINVAL);

	/* A u32 sent as u16. */
	START(DSM_CMD_NODE_GET);
	nlr_put(&self->r, DSM_A_NODE_ID, &small, sizeof(small));
	EXPECT_REFUSED(EINVAL);

	/* A string without its NUL. */
	START(DSM_CMD_REGION_GET);
	nlr_put(&self->r, DSM_A_REGION_NAME, "default", 7);
	EXPECT_REFUSED(EINVAL);

	/* A flag with a payload. */
	START(DSM_CMD_REGION_DEL);
	nlr_put_str(&self->r, DSM_A_REGION_NAME, "x");
	nlr_put_u32(&self->r, DSM_A_REPLICA, 1);
	EXPECT_REFUSED(ERANGE);

	/* An IPv6 address of 15 bytes. */
	START(DSM_CMD_NODE_ADD);
	nlr_put_u32(&self->r, DSM_A_NODE_ID, 5);
	nlr_put(&self->r, DSM_A_NODE_ADDR6, "0123456789abcde", 15);
	EXPECT_REFUSED(ERANGE);
}

TEST_F(nl, unknown_and_reply_only_attributes)
{
	START(DSM_CMD_REGION_GET);
	nlr_put_u32(&self->r, DSM_A_MAX + 3, 1);
	EXPECT_REFUSED(EINVAL);

	/* Attributes that only appear in answers are refused in requests. */
	START(DSM_CMD_REGION_NEW);
	nlr_put_str(&self->r, DSM_A_REGION_NAME, "ro");
	nlr_put_u64(&self->r, DSM_A_REGION_SIZE, 1 << 20);
	nlr_put_u64(&self->r, DSM_A_STAT_VALUE, 1);
	EXPECT_REFUSED(EINVAL);
}

TEST_F(nl, malformed_headers)
{
	struct nlattr *a;

	/* An attribute whose length runs past the message. */
	START(DSM_CMD_REGION_GET);
	nlr_put_str(&self->r, DSM_A_REGION_NAME, "default");
	a = (struct nlattr *)(self->r.buf + NLMSG_HDRLEN + GENL_HDRLEN);
	a->nla_len = 200;
	EXPECT_REFUSED(EINVAL);

	/* Reserved genetlink header field not zero. */
	START(DSM_CMD_GET_STATUS);
	((struct genlmsghdr *)NLMSG_DATA(nlr_hdr(&self->r)))->reserved = 1;
	EXPECT_REFUSED(EINVAL);
}

TEST_F(nl, semantic_refusals)
{
	struct status st;

	START(DSM_CMD_REGION_NEW);
	nlr_put_str(&self->r, DSM_A_REGION_NAME, "unaligned");
	nlr_put_u64(&self->r, DSM_A_REGION_SIZE, 4097);
	EXPECT_REFUSED(EINVAL);

	START(DSM_CMD_REGION_NEW);
	nlr_put_str(&self->r, DSM_A_REGION_NAME, "bad/name");
	nlr_put_u64(&self->r, DSM_A_REGION_SIZE, 4096);
	EXPECT_REFUSED(EINVAL);

	START(DSM_CMD_REGION_NEW);
	nlr_put_str(&self->r, DSM_A_REGION_NAME, DSM_DEFAULT_REGION_NAME);
	nlr_put_u64(&self->r, DSM_A_REGION_SIZE, 4096);
	EXPECT_REFUSED(EEXIST);

	/* Only replicas carry an offset. */
	START(DSM_CMD_REGION_NEW);
	nlr_put_str(&self->r, DSM_A_REGION_NAME, "placed");
	nlr_put_u64(&self->r, DSM_A_REGION_SIZE, 4096);
	nlr_put_u64(&self->r, DSM_A_REGION_OFFSET, 1 << 30);
	EXPECT_REFUSED(EINVAL);

	/* A replica outside its origin's slice. */
	START(DSM_CMD_REGION_NEW);
	nlr_put_str(&self->r, DSM_A_REGION_NAME, "stray");
	nlr_put_u64(&self->r, DSM_A_REGION_SIZE, 4096);
	nlr_put_u64(&self->r, DSM_A_REGION_OFFSET, 0);
	nlr_put_u32(&self->r, DSM_A_REGION_ORIGIN, 3);
	nlr_put(&self->r, DSM_A_REPLICA, NULL, 0);
	EXPECT_REFUSED(EINVAL);

	START(DSM_CMD_REGION_DEL);
	nlr_put_str(&self->r, DSM_A_REGION_NAME, DSM_DEFAULT_REGION_NAME);
	EXPECT_REFUSED(EBUSY);

	START(DSM_CMD_REGION_DEL);
	nlr_put_str(&self->r, DSM_A_REGION_NAME, "absent");
	EXPECT_REFUSED(ENOENT);

	START(DSM_CMD_NODE_GET);
	nlr_put_u32(&self->r, DSM_A_NODE_ID, DSM_NODES_MAX - 1);
	EXPECT_REFUSED(ENOENT);

	/* The local node's state is not dsmd's to set. */
	START(DSM_CMD_NODE_SET_STATE);
	nlr_put_u32(&self->r, DSM_A_NODE_ID, 0);
	nlr_put_u8(&self->r, DSM_A_NODE_STATE, DSM_NODE_STATE_DOWN);
	EXPECT_REFUSED(EINVAL);

	START(DSM_CMD_NODE_DEL);
	nlr_put_u32(&self->r, DSM_A_NODE_ID, 0);
	EXPECT_REFUSED(EINVAL);

	/* A dead timeout over an hour (version 15). */
	START(DSM_CMD_CLUSTER_SET);
	nlr_put_str(&self->r, DSM_A_CLUSTER_NAME, "other");
	nlr_put_u32(&self->r, DSM_A_LOCAL_NODE, 0);
	nlr_put_u32(&self->r, DSM_A_DEAD_MS, 3600001);
	EXPECT_REFUSED(ERANGE);

	/* A node alone has nobody to hand its pages to (version 16). */
	START(DSM_CMD_LEAVE);
	EXPECT_REFUSED(ENOLINK);
	st.leaving = -1;
	START(DSM_CMD_GET_STATUS);
	ASSERT_EQ(0, nlr_call(&self->r, status_cb, &st));
	EXPECT_EQ(DSM_LEAVE_NONE, st.leaving) TH_LOG("a refused LEAVE began");

	/* Reconfiguring a configured module as another cluster. */
	START(DSM_CMD_CLUSTER_SET);
	nlr_put_str(&self->r, DSM_A_CLUSTER_NAME, "other");
	nlr_put_u32(&self->r, DSM_A_LOCAL_NODE, 0);
	EXPECT_REFUSED(EBUSY);
}

TEST_F(nl, rejections_are_counted)
{
	uint64_t before = stat_get(&self->r, "nl_rejected");

	ASSERT_NE(UINT64_MAX, before);
	START(DSM_CMD_REGION_DEL);
	nlr_put_str(&self->r, DSM_A_REGION_NAME, "absent");
	EXPECT_REFUSED(ENOENT);
	EXPECT_EQ(before + 1, stat_get(&self->r, "nl_rejected"));
}

TEST_F(nl, region_lifecycle)
{
	struct region rg = {};
	struct snap after;

	START(DSM_CMD_REGION_NEW);
	nlr_put_str(&self->r, DSM_A_REGION_NAME, "nltest");
	nlr_put_u64(&self->r, DSM_A_REGION_SIZE, 1 << 20);
	nlr_put_u8(&self->r, DSM_A_REGION_MODEL, DSM_MODEL_LRC);
	ASSERT_EQ(0, nlr_call(&self->r, region_cb, &rg))
		TH_LOG("extack: %s", self->r.extack);
	EXPECT_STREQ("nltest", rg.name);
	EXPECT_EQ(1 << 20, rg.size);
	EXPECT_EQ(DSM_MODEL_LRC, rg.model);
	/* First fit in node 0's slice, after the default region. */
	EXPECT_EQ(DSM_DEFAULT_REGION_SIZE, rg.offset);

	START(DSM_CMD_REGION_NEW);
	nlr_put_str(&self->r, DSM_A_REGION_NAME, "nltest");
	nlr_put_u64(&self->r, DSM_A_REGION_SIZE, 1 << 20);
	EXPECT_EQ(-EEXIST, nlr_call(&self->r, NULL, NULL));

	memset(&rg, 0, sizeof(rg));
	START(DSM_CMD_REGION_GET);
	nlr_put_str(&self->r, DSM_A_REGION_NAME, "nltest");
	ASSERT_EQ(0, nlr_call(&self->r, region_cb, &rg));
	EXPECT_EQ(DSM_DEFAULT_REGION_SIZE, rg.offset);

	START(DSM_CMD_REGION_DEL);
	nlr_put_str(&self->r, DSM_A_REGION_NAME, "nltest");
	ASSERT_EQ(0, nlr_call(&self->r, NULL, NULL));
	ASSERT_EQ(0, snapshot(&self->r, &after));
	EXPECT_TRUE(same(&self->before, &after));
}

static int replica(struct nlr *r, const char *name, uint32_t origin,
		   uint64_t size)
{
	nlr_start(r, r->family, DSM_CMD_REGION_NEW, 0);
	nlr_put_str(r, DSM_A_REGION_NAME, name);
	nlr_put_u64(r, DSM_A_REGION_SIZE, size);
	nlr_put_u64(r, DSM_A_REGION_OFFSET, origin * DSM_REGION_SLICE);
	nlr_put_u32(r, DSM_A_REGION_ORIGIN, origin);
	nlr_put(r, DSM_A_REPLICA, NULL, 0);
	return nlr_call(r, NULL, NULL);
}

/*
 * dsmd's replicas of regions created elsewhere: the same replica twice is
 * a no-op; a region of the same name from a lower node id replaces the
 * one here; one from a higher node id is refused. Every node resolves a
 * name conflict the same way.
 */
TEST_F(nl, replica_conflicts)
{
	struct region rg = {};
	struct snap after;

	ASSERT_EQ(0, replica(&self->r, "conflict", 3, 1 << 20))
		TH_LOG("%s", self->r.extack);
	EXPECT_EQ(0, replica(&self->r, "conflict", 3, 1 << 20));
	EXPECT_EQ(-EEXIST, replica(&self->r, "conflict", 5, 2 << 20));
	EXPECT_NE(0, strlen(self->r.extack));
	EXPECT_EQ(0, replica(&self->r, "conflict", 2, 2 << 20))
		TH_LOG("%s", self->r.extack);
	START(DSM_CMD_REGION_GET);
	nlr_put_str(&self->r, DSM_A_REGION_NAME, "conflict");
	ASSERT_EQ(0, nlr_call(&self->r, region_cb, &rg));
	EXPECT_EQ(2, rg.origin);
	EXPECT_EQ(2 * DSM_REGION_SLICE, rg.offset);
	EXPECT_EQ(2 << 20, rg.size);
	EXPECT_LE(1, stat_get(&self->r, "region_conflict"));

	/* A replica's deletion names the offset it deletes. */
	START(DSM_CMD_REGION_DEL);
	nlr_put_str(&self->r, DSM_A_REGION_NAME, "conflict");
	nlr_put_u64(&self->r, DSM_A_REGION_OFFSET, 3 * DSM_REGION_SLICE);
	nlr_put(&self->r, DSM_A_REPLICA, NULL, 0);
	EXPECT_EQ(-ENOENT, nlr_call(&self->r, NULL, NULL));
	START(DSM_CMD_REGION_DEL);
	nlr_put_str(&self->r, DSM_A_REGION_NAME, "conflict");
	nlr_put_u64(&self->r, DSM_A_REGION_OFFSET, 2 * DSM_REGION_SLICE);
	nlr_put(&self->r, DSM_A_REPLICA, NULL, 0);
	EXPECT_EQ(0, nlr_call(&self->r, NULL, NULL));
	ASSERT_EQ(0, snapshot(&self->r, &after));
	EXPECT_TRUE(same(&self->before, &after));
}

/* Every command that changes state needs CAP_NET_ADMIN. */
TEST(non_root_gets_eperm)
{
	static const uint8_t cmds[] = {
		DSM_CMD_CLUSTER_SET, DSM_CMD_NODE_ADD, DSM_CMD_NODE_DEL,
		DSM_CMD_NODE_SET_STATE, DSM_CMD_REGION_NEW,
		DSM_CMD_REGION_DEL, DSM_CMD_PEER_SOCKET, DSM_CMD_MGR_REPLY,
		DSM_CMD_LEAVE,
	};
	int status;
	pid_t pid;

	if (getuid() != 0)
		SKIP(return, "needs root to drop to an unprivileged user");
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct status st = {};
		struct nlr r;
		unsigned int i;

		if (nlr_open(&r) || ensure_configured(&r))
			_exit(11);
		nlr_close(&r);
		if (setgid(65534) || setuid(65534))
			_exit(10);
		if (nlr_open(&r))
			_exit(11);
		for (i = 0; i < sizeof(cmds); i++) {
			nlr_start(&r, r.family, cmds[i], 0);
			nlr_put_str(&r, DSM_A_REGION_NAME, "default");
			nlr_put_u64(&r, DSM_A_REGION_SIZE, 4096);
			if (nlr_call(&r, NULL, NULL) != -EPERM)
				_exit(20 + i);
		}
		/* Reading stays open to everyone. */
		nlr_start(&r, r.family, DSM_CMD_GET_STATUS, 0);
		if (nlr_call(&r, status_cb, &st) || !st.configured)
			_exit(12);
		nlr_start(&r, r.family, DSM_CMD_REGION_GET, NLM_F_DUMP);
		if (nlr_call(&r, NULL, NULL))
			_exit(13);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("exit 1x: setup, 2x: command index x not EPERM");
}

TEST_HARNESS_MAIN
