// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_home.c - the home table (issue 15, item 1), on each node of the
 * 3-node cluster: dsmd pushed the table of epoch 1 over the three nodes
 * (280 buckets each, bucket b on node b mod 3, so page p's home is still
 * p mod 3); HOME_SET refuses a table of the wrong size, one that names a
 * node outside the membership, epoch 0, and a stale epoch, each with a
 * message and changing nothing; pushing the current table again is
 * accepted and changes nothing either (a restarted dsmd does that).
 * dsmctl status shows the epoch and the buckets per node.
 *
 * No test here moves a bucket: the pages of the other tests are in use,
 * and directories cannot be handed over yet (HOME_XFER).
 */
#include "kselftest_harness.h"
#include "dsm_test.h"
#include "dsm_nl_raw.h"
#include "dsm_shell.h"

struct home {
	uint64_t epoch;
	int len;
	uint8_t node[DSM_HOME_NR_BUCKETS];
};

static void home_cb(struct nlmsghdr *nlh, void *arg)
{
	struct home *h = arg;
	struct nlattr *a;

	nlr_for_each_attr(a, nlh) {
		int len = a->nla_len - NLA_HDRLEN;

		if (a->nla_type == DSM_A_HOME_EPOCH && len == 8)
			memcpy(&h->epoch, nlr_data(a), 8);
		if (a->nla_type == DSM_A_HOME_BUCKETS &&
		    len <= (int)sizeof(h->node)) {
			memcpy(h->node, nlr_data(a), len);
			h->len = len;
		}
	}
}

static int home_get(struct nlr *r, struct home *h)
{
	memset(h, 0, sizeof(*h));
	nlr_start(r, r->family, DSM_CMD_GET_STATUS, 0);
	return nlr_call(r, home_cb, h);
}

FIXTURE(home) {
	struct nlr r;
	struct home before;
};

FIXTURE_SETUP(home)
{
	int ret = nlr_open(&self->r);

	ASSERT_EQ(0, ret) TH_LOG("dsm genetlink family: %s", strerror(-ret));
	ASSERT_EQ(0, home_get(&self->r, &self->before));
}

FIXTURE_TEARDOWN(home)
{
	nlr_close(&self->r);
}

/* Push (@epoch, @node[0..@len)); expect -@err and, if refused, no change. */
static void push(struct __test_metadata *_metadata, FIXTURE_DATA(home) *self,
		 uint64_t epoch, const uint8_t *node, int len, int err)
{
	struct home after;
	int ret;

	nlr_start(&self->r, self->r.family, DSM_CMD_HOME_SET, 0);
	nlr_put_u64(&self->r, DSM_A_HOME_EPOCH, epoch);
	nlr_put(&self->r, DSM_A_HOME_BUCKETS, node, len);
	ret = nlr_call(&self->r, NULL, NULL);
	EXPECT_EQ(-err, ret) TH_LOG("epoch %llu, %d buckets: extack '%s'",
				    (unsigned long long)epoch, len,
				    self->r.extack);
	if (err)
		EXPECT_NE(0, strlen(self->r.extack))
			TH_LOG("refusal without an extack message");
	ASSERT_EQ(0, home_get(&self->r, &after));
	EXPECT_EQ(0, memcmp(&self->before, &after, sizeof(after)))
		TH_LOG("HOME_SET (epoch %llu) changed the table",
		       (unsigned long long)epoch);
}

/* dsmd's first table: epoch 1, bucket b on node b mod 3. */
TEST_F(home, first_table_is_page_mod_n)
{
	int b, counts[3] = { 0 };

	ASSERT_EQ(1, self->before.epoch) TH_LOG("no home table from dsmd");
	ASSERT_EQ(DSM_HOME_NR_BUCKETS, self->before.len);
	for (b = 0; b < DSM_HOME_NR_BUCKETS; b++) {
		ASSERT_EQ(b % 3, self->before.node[b]) TH_LOG("bucket %d", b);
		counts[self->before.node[b]]++;
	}
	EXPECT_EQ(DSM_HOME_NR_BUCKETS / 3, counts[0]);
	EXPECT_EQ(counts[0], counts[1]);
	EXPECT_EQ(counts[0], counts[2]);
}

TEST_F(home, dsmctl_status_shows_it)
{
	char out[4096];

	ASSERT_EQ(0, dsm_sh(out, sizeof(out), "dsmctl status"))
		TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "home epoch 1 buckets 0:280 1:280 2:280"))
		TH_LOG("dsmctl status: %s", out);
	EXPECT_EQ(0, dsm_sh(out, sizeof(out),
			    "dsmctl -j status | jq -e '.home_epoch == 1 and "
			    ".home_buckets == {\"0\": 280, \"1\": 280, \"2\": 280}'"))
		TH_LOG("dsmctl -j status: %s", out);
}

TEST_F(home, bad_tables_refused)
{
	uint8_t node[DSM_HOME_NR_BUCKETS + 1];
	uint64_t e = self->before.epoch;

	ASSERT_LE(1, e);
	memcpy(node, self->before.node, DSM_HOME_NR_BUCKETS);
	node[DSM_HOME_NR_BUCKETS] = 0;
	/* Wrong size: one bucket short, one too many (the policy: ERANGE). */
	push(_metadata, self, e + 1, node, DSM_HOME_NR_BUCKETS - 1, ERANGE);
	push(_metadata, self, e + 1, node, DSM_HOME_NR_BUCKETS + 1, ERANGE);
	/* A node that is not a member: 3 of 0..2, and one out of range. */
	node[17] = 3;
	push(_metadata, self, e + 1, node, DSM_HOME_NR_BUCKETS, EINVAL);
	node[17] = 255;
	push(_metadata, self, e + 1, node, DSM_HOME_NR_BUCKETS, EINVAL);
	/* Epoch 0. */
	node[17] = self->before.node[17];
	push(_metadata, self, 0, node, DSM_HOME_NR_BUCKETS, EINVAL);
	/* The current epoch with another (valid) table: stale. */
	node[17] = (self->before.node[17] + 1) % 3;
	push(_metadata, self, e, node, DSM_HOME_NR_BUCKETS, ESTALE);
	if (e > 1)
		push(_metadata, self, e - 1, node, DSM_HOME_NR_BUCKETS,
		     ESTALE);
	/* The current table again: accepted, nothing changes. */
	push(_metadata, self, e, self->before.node, DSM_HOME_NR_BUCKETS, 0);
}

TEST_HARNESS_MAIN
