// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_sharing - the hot pages of a region and their false sharing verdict
 * (REGION_TOP, Documentation/sharing.md), on the 3 nodes of the virtual
 * cluster, for sc and lrc (FIXTURE_VARIANT):
 *
 * - false_sharing: every node writes its own 64-byte block of the same
 *   NPAGES pages, ROUNDS times (sc: the pages' ownership moves between the
 *   nodes; lrc: each round ends at a barrier, then every node reads every
 *   block, fetching the other two nodes' concurrent diffs). Each node's
 *   REGION_TOP must list every page, with the verdict "false" and no
 *   sample of overlapping writes.
 *   Node 0 also runs `dsmctl -j region top`, which must say "false"
 *   and list each page's writers by id (`writers`, as `writers_mask`).
 *   Every node's `dsmctl -j monitor`, started before the writes, must
 *   print a page-false-sharing event for one of the pages, and a
 *   page-hot one.
 * - true_sharing: the same, but every node writes the same block: no page
 *   may get the verdict "false", and some must get "true" (sampling saw
 *   the overlap).
 * - own_pages: each node writes pages no other node touches: no page may
 *   get the verdict "false", and `dsmctl -j monitor` prints no
 *   page-false-sharing event for the region.
 * - lock_top (lrc only): every node takes the region's lock LOCK_ID
 *   LOCK_ROUNDS times; each node's LOCK_TOP must list it with at least
 *   LOCK_ROUNDS acquisitions, at least one of them remote (the first:
 *   no node holds the token before it asks the manager).
 * (dsm_sharing_apps runs a real application, water.)
 *
 * Node 0 creates the region "share-<model>-<test>".
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dsm.h>
#include <linux/genetlink.h>

#include "kselftest_harness.h"
#include "dsm_test.h"
#include "dsm_three.h"
#include "dsm_region.h"
#include "dsm_nl_raw.h"

#define MAP_WAIT	dsm_test_secs(30)	/* s: region replication */
#define NPAGES		4
#define ROUNDS		8
#define BLOCK		64	/* bytes: dsm's sharing grain on 4K pages */
#define REGION_PAGES	16
#define LOCK_ID		7
#define LOCK_ROUNDS	10
/* s: a queued sharing event to reach `dsmctl monitor` (a work item). */
#define EVENT_WAIT	dsm_test_secs(20)
#define MONITOR_LOG	"/tmp/dsm-sharing-monitor.json"

static int node, nodes;

/* What REGION_TOP said of a page. */
struct top_page {
	uint64_t offset;
	uint64_t nfalse, ntrue;
	uint8_t verdict;
};

struct top {
	struct top_page p[DSM_TOP_MAX];
	unsigned int n;
};

static uint64_t nla_u64_of(struct nlattr *a)
{
	uint64_t v = 0;

	if (a->nla_len >= NLA_HDRLEN + sizeof(v))
		memcpy(&v, nlr_data(a), sizeof(v));
	return v;
}

static void top_page_parse(struct nlattr *nest, struct top_page *tp)
{
	char *end = (char *)nest + nest->nla_len;
	struct nlattr *a;

	memset(tp, 0, sizeof(*tp));
	for (a = nlr_data(nest); (char *)a + NLA_HDRLEN <= end &&
	     a->nla_len >= NLA_HDRLEN && (char *)a + a->nla_len <= end;
	     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len))) {
		if (a->nla_type == DSM_A_TOP_OFFSET)
			tp->offset = nla_u64_of(a);
		else if (a->nla_type == DSM_A_TOP_FALSE)
			tp->nfalse = nla_u64_of(a);
		else if (a->nla_type == DSM_A_TOP_TRUE)
			tp->ntrue = nla_u64_of(a);
		else if (a->nla_type == DSM_A_TOP_VERDICT)
			tp->verdict = *(uint8_t *)nlr_data(a);
	}
}

static void top_cb(struct nlmsghdr *nlh, void *arg)
{
	struct top *t = arg;
	struct nlattr *a, *p;
	char *end;

	nlr_for_each_attr(a, nlh) {
		if (a->nla_type != (DSM_A_TOP_PAGES | NLA_F_NESTED) &&
		    a->nla_type != DSM_A_TOP_PAGES)
			continue;
		end = (char *)a + a->nla_len;
		for (p = nlr_data(a); (char *)p + NLA_HDRLEN <= end &&
		     p->nla_len >= NLA_HDRLEN && (char *)p + p->nla_len <= end &&
		     t->n < DSM_TOP_MAX;
		     p = (struct nlattr *)((char *)p + NLA_ALIGN(p->nla_len)))
			top_page_parse(p, &t->p[t->n++]);
	}
}

/* REGION_TOP of @name here into @t: 0 or a negative errno. */
static int region_top(const char *name, struct top *t, char *why,
		      size_t len)
{
	static struct nlr r;
	int ret;

	memset(t, 0, sizeof(*t));
	ret = nlr_open(&r);
	if (ret) {
		snprintf(why, len, "cannot open the dsm family: %s",
			 strerror(-ret));
		return ret;
	}
	nlr_start(&r, r.family, DSM_CMD_REGION_TOP, 0);
	nlr_put_str(&r, DSM_A_REGION_NAME, name);
	ret = nlr_call(&r, top_cb, t);
	if (ret)
		snprintf(why, len, "REGION_TOP %s: %s (%s)", name,
			 strerror(-ret), r.extack);
	nlr_close(&r);
	return ret;
}

static const struct top_page *top_find(const struct top *t, uint64_t off)
{
	unsigned int i;

	for (i = 0; i < t->n; i++)
		if (t->p[i].offset == off)
			return &t->p[i];
	return NULL;
}

FIXTURE(sharing) {
	volatile uint8_t *m;
	size_t len;
	char name[DSM_NAME_MAX];
	pid_t monitor;		/* monitor_start()'s dsmctl monitor, or 0 */
};

FIXTURE_VARIANT(sharing) {
	const char *model;
};

FIXTURE_VARIANT_ADD(sharing, sc) {
	.model = "sc",
};

FIXTURE_VARIANT_ADD(sharing, lrc) {
	.model = "lrc",
};

FIXTURE_SETUP(sharing)
{
	self->m = NULL;
	self->monitor = 0;
	dsm_three_setup(&node, &nodes);
}

/* Also when a failed sync ended the test early. */
FIXTURE_TEARDOWN(sharing)
{
	if (self->monitor > 0) {
		kill(self->monitor, SIGTERM);
		waitpid(self->monitor, NULL, 0);
	}
	if (self->m)
		munmap((void *)self->m, self->len);
}

/*
 * Map the test's region, then ROUNDS times: write byte @at of each page
 * listed in @pages (NPAGES of them) with a value of this round and node
 * (dsm compares bytes: a write of the value already there is none), and under
 * lrc end the round at a barrier and read back every node's block.
 * Steps from 1 to 3 + 2 * ROUNDS.
 */
static void run_rounds(struct __test_metadata *_metadata,
		       FIXTURE_DATA(sharing) *self,
		       const FIXTURE_VARIANT(sharing) *variant,
		       const char *test, const unsigned int *pages,
		       unsigned int at, bool read_all)
{
	bool lrc = !strcmp(variant->model, "lrc");
	unsigned int r, i, n;

	snprintf(self->name, sizeof(self->name), "share-%s-%s",
		 variant->model, test);
	self->m = dsm_test_region(self->name, variant->model,
				  REGION_PAGES * DSM_PAGE, 1, MAP_WAIT,
				  &self->len);
	ASSERT_NE(NULL, self->m);
	for (r = 1; r <= ROUNDS; r++) {
		for (i = 0; i < NPAGES; i++)
			self->m[pages[i] * DSM_PAGE + at] = r * 4 + node;
		if (lrc) {
			ASSERT_EQ(0, dsm_region_barrier(self->name, 1))
				TH_LOG("node %d: round %u: barrier", node, r);
		}
		for (i = 0; read_all && lrc && i < NPAGES; i++)
			for (n = 0; n < 3; n++)
				ASSERT_EQ(r * 4 + n,
					  self->m[pages[i] * DSM_PAGE +
						  n * BLOCK * 2])
					TH_LOG("node %d: round %u: page %u, node %u's block",
					       node, r, pages[i], n);
		if (lrc) {
			ASSERT_EQ(0, dsm_region_barrier(self->name, 2));
		} else {
			dsm_test_sync(3 + r);
		}
	}
}

/*
 * Start `dsmctl -j monitor` into MONITOR_LOG and wait for its dump (the
 * default region), so that it is subscribed before the test's writes.
 */
static void monitor_start(struct __test_metadata *_metadata,
			  FIXTURE_DATA(sharing) *self)
{
	char out[4096];

	self->monitor = dsm_monitor_start(MONITOR_LOG);
	ASSERT_LE(0, self->monitor);
	ASSERT_LE(0, dsm_sh_until(10, out, sizeof(out), "jq -e -s "
				  "'any(.[]; .event == \"region-exists\" and "
				  ".region.name == \"default\")' %s",
				  MONITOR_LOG))
		TH_LOG("node %d: dsmctl monitor printed no dump: %s", node,
		       out);
}

/* The jq filter of MONITOR_LOG's page-false-sharing events of @name. */
#define FALSE_EVENTS "[.[] | select(.event == \"page-false-sharing\" and " \
	".region == \"%s\")]"

static const unsigned int shared_pages[NPAGES] = { 0, 1, 2, 3 };

TEST_F_TIMEOUT(sharing, false_sharing, DSM_TEST_TIMEOUT(150))
{
	char why[400];
	struct top t;
	unsigned int i;

	NEED_3NODES();
	monitor_start(_metadata, self);
	/* Each node its own block: blocks 0, 2 and 4 of every page. */
	run_rounds(_metadata, self, variant, "f", shared_pages,
		   node * BLOCK * 2, true);
	dsm_test_sync(3 + ROUNDS + 1);
	ASSERT_EQ(0, region_top(self->name, &t, why, sizeof(why)))
		TH_LOG("node %d: %s", node, why);
	for (i = 0; i < NPAGES; i++) {
		const struct top_page *p = top_find(&t, i * DSM_PAGE);

		ASSERT_NE(NULL, p)
			TH_LOG("node %d: page %u is not among the %u hot pages",
			       node, i, t.n);
		EXPECT_EQ(DSM_SHARE_FALSE, p->verdict)
			TH_LOG("node %d: page %u: verdict %u (%llu false, %llu true samples)",
			       node, i, p->verdict,
			       (unsigned long long)p->nfalse,
			       (unsigned long long)p->ntrue);
		EXPECT_EQ(0, p->ntrue)
			TH_LOG("node %d: page %u: overlapping writes seen",
			       node, i);
	}
	if (node == 0) {
		char out[4096];
		int ret;

		ret = dsm_sh(out, sizeof(out), "dsmctl -j region top %s -n 2",
			     self->name);
		EXPECT_EQ(0, ret) TH_LOG("dsmctl region top: %s", out);
		EXPECT_NE(NULL, strstr(out, "\"false\""))
			TH_LOG("dsmctl region top says no false sharing: %s",
			       out);
		/* Its writers: an array of ids, the same as the mask. */
		ret = dsm_sh(out, sizeof(out),
			     "dsmctl -j region top %s -n 2 | jq -e '.pages | "
			     "length > 0 and all(.[]; (.writers | length) >= 1 "
			     "and .writers_mask == (.writers | map(pow(2; .)) | add))'",
			     self->name);
		EXPECT_EQ(0, ret)
			TH_LOG("dsmctl region top's writers are not the ids of writers_mask: %s",
			       out);
	}
	{
		char out[4096];

		/* Every node judged the pages "false" (above): an event. */
		EXPECT_LE(0, dsm_sh_until(EVENT_WAIT, out, sizeof(out),
					  "jq -e -s '" FALSE_EVENTS " | "
					  "any(.[]; .page.offset < %d and "
					  ".page.sharing == \"false\")' %s",
					  self->name, NPAGES * DSM_PAGE,
					  MONITOR_LOG))
			TH_LOG("node %d: no page-false-sharing event of %s from dsmctl monitor in %.0f s: %s",
			       node, self->name, EVENT_WAIT, out);
		/* Each page had 8 rounds of events here: hot ones. */
		EXPECT_LE(0, dsm_sh_until(EVENT_WAIT, out, sizeof(out),
					  "jq -e -s 'any(.[]; .event == "
					  "\"page-hot\" and .region == "
					  "\"%s\" and .page.offset < %d)' %s",
					  self->name, NPAGES * DSM_PAGE,
					  MONITOR_LOG))
			TH_LOG("node %d: no page-hot event of %s from dsmctl monitor in %.0f s: %s",
			       node, self->name, EVENT_WAIT, out);
	}
	dsm_test_sync(3 + ROUNDS + 2);
}

/* No page of @t has the verdict "false". */
static void no_false(struct __test_metadata *_metadata, const struct top *t)
{
	unsigned int i;

	for (i = 0; i < t->n; i++)
		EXPECT_NE(DSM_SHARE_FALSE, t->p[i].verdict)
			TH_LOG("node %d: page at 0x%llx: false sharing reported (%llu false, %llu true samples)",
			       node, (unsigned long long)t->p[i].offset,
			       (unsigned long long)t->p[i].nfalse,
			       (unsigned long long)t->p[i].ntrue);
}

TEST_F_TIMEOUT(sharing, true_sharing, DSM_TEST_TIMEOUT(150))
{
	char why[400];
	unsigned int i;
	struct top t;

	NEED_3NODES();
	/* Every node writes byte 0 of the same pages. */
	run_rounds(_metadata, self, variant, "t", shared_pages, 0, false);
	dsm_test_sync(3 + ROUNDS + 1);
	ASSERT_EQ(0, region_top(self->name, &t, why, sizeof(why)))
		TH_LOG("node %d: %s", node, why);
	no_false(_metadata, &t);
	for (i = 0; i < t.n && t.p[i].verdict != DSM_SHARE_TRUE; i++)
		;
	EXPECT_LT(i, t.n)
		TH_LOG("node %d: no page of %u with the verdict true", node,
		       t.n);
	dsm_test_sync(3 + ROUNDS + 2);
}

TEST_F_TIMEOUT(sharing, own_pages, DSM_TEST_TIMEOUT(150))
{
	unsigned int own[NPAGES], i;
	char why[400];
	struct top t;

	NEED_3NODES();
	monitor_start(_metadata, self);
	for (i = 0; i < NPAGES; i++)
		own[i] = 4 + node * NPAGES + i;
	run_rounds(_metadata, self, variant, "o", own, node * BLOCK * 2,
		   false);
	dsm_test_sync(3 + ROUNDS + 1);
	ASSERT_EQ(0, region_top(self->name, &t, why, sizeof(why)))
		TH_LOG("node %d: %s", node, why);
	no_false(_metadata, &t);
	/*
	 * An event would have been queued when a sample judged a page, during
	 * the rounds: its work item has run by now (two syncs later).
	 */
	EXPECT_EQ(0, dsm_sh(why, sizeof(why), "jq -e -s '" FALSE_EVENTS
			    " | length == 0' %s", self->name, MONITOR_LOG))
		TH_LOG("node %d: page-false-sharing events of %s: %s", node,
		       self->name, why);
	dsm_test_sync(3 + ROUNDS + 2);
}

/* What LOCK_TOP said of lock @id (a region's, namespace not 0). */
struct lock_seen {
	uint32_t id;
	bool found;
	uint64_t acquires, remote;
};

static void lock_cb(struct nlmsghdr *nlh, void *arg)
{
	struct lock_seen *s = arg;
	struct nlattr *a, *l, *f;
	uint32_t id, ns;
	uint64_t acq, rem;
	char *end, *lend;

	nlr_for_each_attr(a, nlh) {
		if ((a->nla_type & NLA_TYPE_MASK) != DSM_A_TOP_LOCKS)
			continue;
		end = (char *)a + a->nla_len;
		for (l = nlr_data(a); (char *)l + NLA_HDRLEN <= end &&
		     l->nla_len >= NLA_HDRLEN && (char *)l + l->nla_len <= end;
		     l = (struct nlattr *)((char *)l + NLA_ALIGN(l->nla_len))) {
			id = ns = 0;
			acq = rem = 0;
			lend = (char *)l + l->nla_len;
			for (f = nlr_data(l); (char *)f + NLA_HDRLEN <= lend &&
			     f->nla_len >= NLA_HDRLEN &&
			     (char *)f + f->nla_len <= lend;
			     f = (struct nlattr *)((char *)f +
						   NLA_ALIGN(f->nla_len))) {
				if (f->nla_type == DSM_A_LOCK_ID)
					id = *(uint32_t *)nlr_data(f);
				else if (f->nla_type == DSM_A_TOP_LOCK_NS)
					ns = *(uint32_t *)nlr_data(f);
				else if (f->nla_type == DSM_A_TOP_ACQUIRES)
					acq = nla_u64_of(f);
				else if (f->nla_type == DSM_A_TOP_REMOTE)
					rem = nla_u64_of(f);
			}
			if (id == s->id && ns) {
				s->found = true;
				s->acquires = acq;
				s->remote = rem;
			}
		}
	}
}

TEST_F_TIMEOUT(sharing, lock_top, DSM_TEST_TIMEOUT(60))
{
	struct lock_seen s = { .id = LOCK_ID };
	static struct nlr r;
	unsigned int i;

	NEED_3NODES();
	if (strcmp(variant->model, "lrc"))
		SKIP(return, "locks are lrc's");
	snprintf(self->name, sizeof(self->name), "share-%s-l",
		 variant->model);
	self->m = dsm_test_region(self->name, variant->model,
				  REGION_PAGES * DSM_PAGE, 1, MAP_WAIT,
				  &self->len);
	ASSERT_NE(NULL, self->m);
	for (i = 0; i < LOCK_ROUNDS; i++) {
		ASSERT_EQ(0, dsm_region_lock_acquire(self->name, LOCK_ID));
		self->m[node]++;
		ASSERT_EQ(0, dsm_region_lock_release(self->name, LOCK_ID));
	}
	dsm_test_sync(3);
	ASSERT_EQ(0, nlr_open(&r));
	nlr_start(&r, r.family, DSM_CMD_LOCK_TOP, 0);
	ASSERT_EQ(0, nlr_call(&r, lock_cb, &s)) TH_LOG("LOCK_TOP: %s", r.extack);
	nlr_close(&r);
	ASSERT_TRUE(s.found)
		TH_LOG("node %d: lock %u of region %s not in LOCK_TOP", node,
		       LOCK_ID, self->name);
	EXPECT_LE(LOCK_ROUNDS, s.acquires);
	EXPECT_LE(1, s.remote);
	dsm_test_sync(4);
}

TEST_HARNESS_MAIN
