// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_sharing_apps - what REGION_TOP says of a real application on the 3
 * nodes of the virtual cluster (Documentation/sharing.md); dsm_sharing
 * checks the verdicts on synthetic patterns, own pages included.
 *
 * - water: the application tools/bench/apps/water at its check size
 *   (WATER_ARGS, as `make check`'s apps stage runs it) on an lrc region
 *   made as run-apps.sh makes it. Then each node counts the pages its
 *   `dsmctl -j region top` judges "false" and writes the count into an
 *   sc region: at least one node must name a falsely shared page (each
 *   node judges only from its own samples; water's molecules of different
 *   nodes share pages).
 *
 * A program of its own: its time budget would not fit dsm_sharing's
 * (settings).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <dsm.h>

#include "kselftest_harness.h"
#include "dsm_test.h"
#include "dsm_region.h"

#define MAP_WAIT	dsm_test_secs(30)	/* s: region replication */
#define WATER		"/usr/lib/dsm/bench/water"
#define WATER_ARGS	"128 4"	/* tools/bench/apps.list's check size */
#define WATER_SIZE	128	/* KiB: its region, as apps.list says */

/* Pages this node's `dsmctl -j region top @name` judges "false", or -1. */
static int false_pages(const char *name, char *out, size_t len)
{
	char *end;
	long v;

	if (dsm_sh(out, len, "dsmctl -j region top %s | jq -e "
		   "'[.pages[] | select(.sharing == \"false\")] | length'",
		   name))
		return -1;
	v = strtol(out, &end, 10);
	return *end || v < 0 ? -1 : v;
}

FIXTURE(apps) {
	int unused;
};

FIXTURE_SETUP(apps)
{
}

FIXTURE_TEARDOWN(apps)
{
}

TEST_F_TIMEOUT(apps, water, DSM_TEST_TIMEOUT(150))
{
	int node = dsm_node_id_env(), nodes = dsm_nodes_env();
	const char *water = "share-water", *counts = "share-water-n";
	volatile uint8_t *m;
	int nfalse, sum, n;
	char out[4096];
	size_t len;

	if (node < 0 || nodes != 3)
		SKIP(return, "needs DSM_NODE_ID and DSM_NODES=3");
	dsm_test_begin();
	/* Its region as run-apps.sh makes it (an earlier run's may stay). */
	if (node == 0)
		ASSERT_EQ(0, dsm_sh(out, sizeof(out),
				    "dsmctl region show %s >/dev/null 2>&1 || "
				    "dsmctl region create %s size %dK model lrc",
				    water, water, WATER_SIZE))
			TH_LOG("%s", out);
	dsm_test_sync(1);
	ASSERT_LE(0, dsm_sh_until(MAP_WAIT, out, sizeof(out),
				  "dsmctl region show %s", water))
		TH_LOG("node %d: region %s did not arrive in %.0f s: %s", node,
		       water, MAP_WAIT, out);
	dsm_test_sync(2);
	EXPECT_EQ(0, dsm_sh(out, sizeof(out), "%s --region %s %s", WATER,
			    water, WATER_ARGS))
		TH_LOG("node %d: water: %s", node, out);
	dsm_test_sync(3);
	nfalse = false_pages(water, out, sizeof(out));
	ASSERT_LE(0, nfalse) TH_LOG("node %d: region top: %s", node, out);
	TH_LOG("node %d: %d pages of water's region judged falsely shared",
	       node, nfalse);
	/* Every node's count to every node, through an sc region. */
	ASSERT_EQ(0, dsm_init());
	m = dsm_test_region(counts, "sc", 4096, 4, MAP_WAIT, &len);
	ASSERT_NE(NULL, m);
	m[node] = nfalse;
	dsm_test_sync(6);
	for (sum = 0, n = 0; n < 3; n++)
		sum += m[n];
	EXPECT_LT(0, sum)
		TH_LOG("no node named a falsely shared page of water (counts %d %d %d)",
		       m[0], m[1], m[2]);
	dsm_test_sync(7);
	munmap((void *)m, len);
}

TEST_HARNESS_MAIN
