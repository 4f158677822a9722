// SPDX-License-Identifier: GPL-2.0
/*
 * test_vt.c - vector timestamps: compare, dominance, merge, increment,
 * and what an acquirer lacks given two timestamps.
 */
#include "kselftest_harness.h"
#include "test_util.h"
#include "dsm_vt.h"

static struct dsm_vt mk(u32 n, u32 c0, u32 c1, u32 c2)
{
	struct dsm_vt vt;
	u32 c[3] = { c0, c1, c2 };

	dsm_vt_init(&vt, n);
	memcpy(vt.c, c, (n < 3 ? n : 3) * sizeof(u32));
	return vt;
}

TEST(init_limits)
{
	struct dsm_vt vt;

	EXPECT_EQ(0, dsm_vt_init(&vt, 0));
	EXPECT_EQ(0, dsm_vt_init(&vt, DSM_MAX_NODES));
	EXPECT_EQ(-EINVAL, dsm_vt_init(&vt, DSM_MAX_NODES + 1));
	EXPECT_EQ(0U, vt.n);
}

TEST(compare_basic)
{
	struct dsm_vt a = mk(3, 1, 2, 3), b = mk(3, 1, 2, 3);

	EXPECT_EQ(DSM_VT_EQUAL, dsm_vt_compare(&a, &b));
	b.c[1] = 5;
	EXPECT_EQ(DSM_VT_BEFORE, dsm_vt_compare(&a, &b));
	EXPECT_EQ(DSM_VT_AFTER, dsm_vt_compare(&b, &a));
	a.c[2] = 4;
	EXPECT_EQ(DSM_VT_CONCURRENT, dsm_vt_compare(&a, &b));
	EXPECT_EQ(DSM_VT_CONCURRENT, dsm_vt_compare(&b, &a));
}

TEST(compare_widths)
{
	struct dsm_vt a = mk(2, 1, 2, 0), b = mk(3, 1, 2, 0);

	/* missing entries read as zero */
	EXPECT_EQ(DSM_VT_EQUAL, dsm_vt_compare(&a, &b));
	b.c[2] = 1;
	EXPECT_EQ(DSM_VT_BEFORE, dsm_vt_compare(&a, &b));
	EXPECT_TRUE(dsm_vt_dominates(&b, &a));
	EXPECT_FALSE(dsm_vt_dominates(&a, &b));
	EXPECT_EQ(0U, dsm_vt_get(&a, 2));
	EXPECT_EQ(0U, dsm_vt_get(&a, 100));
}

TEST(dominance)
{
	struct dsm_vt a = mk(3, 5, 5, 5), b = mk(3, 5, 4, 0);

	EXPECT_TRUE(dsm_vt_dominates(&a, &a));
	EXPECT_TRUE(dsm_vt_dominates(&a, &b));
	EXPECT_FALSE(dsm_vt_dominates(&b, &a));
	b.c[2] = 6;
	EXPECT_FALSE(dsm_vt_dominates(&a, &b));
	EXPECT_FALSE(dsm_vt_dominates(&b, &a));
}

/*
 * The rule lrc applies to a peer's timestamp before merging it (issue 12,
 * finding 3): what this node knows must dominate it. An entry for the
 * receiver above its own count, or one beyond what it learned of another
 * node, is refused, whatever the widths.
 */
TEST(peer_claims)
{
	struct dsm_vt known = mk(3, 4, 7, 2), claim;

	claim = mk(3, 4, 7, 2);
	EXPECT_TRUE(dsm_vt_dominates(&known, &claim));
	claim = mk(2, 1, 0, 0);
	EXPECT_TRUE(dsm_vt_dominates(&known, &claim));
	claim = mk(3, 4, 1000000, 2);	/* inflated entry of node 1 */
	EXPECT_FALSE(dsm_vt_dominates(&known, &claim));
	claim = mk(3, 5, 7, 2);
	EXPECT_FALSE(dsm_vt_dominates(&known, &claim));
	dsm_vt_init(&claim, DSM_MAX_NODES);
	claim.c[DSM_MAX_NODES - 1] = 1;	/* a node beyond our width */
	EXPECT_FALSE(dsm_vt_dominates(&known, &claim));
}

TEST(merge)
{
	struct dsm_vt a = mk(3, 1, 7, 2), b = mk(3, 4, 0, 2);

	dsm_vt_merge(&a, &b);
	EXPECT_EQ(4U, a.c[0]);
	EXPECT_EQ(7U, a.c[1]);
	EXPECT_EQ(2U, a.c[2]);
	/* widening */
	a = mk(1, 3, 0, 0);
	b = mk(3, 1, 1, 1);
	dsm_vt_merge(&a, &b);
	EXPECT_EQ(3U, a.n);
	EXPECT_EQ(3U, a.c[0]);
	EXPECT_EQ(1U, a.c[2]);
}

TEST(increment)
{
	struct dsm_vt a = mk(2, 0, U32_MAX, 0);

	EXPECT_EQ(0, dsm_vt_inc(&a, 0));
	EXPECT_EQ(1U, a.c[0]);
	EXPECT_EQ(-EOVERFLOW, dsm_vt_inc(&a, 1));
	EXPECT_EQ(U32_MAX, a.c[1]);
	EXPECT_EQ(-EINVAL, dsm_vt_inc(&a, 2));
	EXPECT_EQ(-EINVAL, dsm_vt_inc(&a, DSM_MAX_NODES));
}

/* The significant width: up to the last non-zero entry, at least 1. */
TEST(width)
{
	struct dsm_vt vt;

	dsm_vt_init(&vt, DSM_MAX_NODES);
	EXPECT_EQ(1U, dsm_vt_width(&vt));	/* all zero */
	vt.c[63] = 1;
	EXPECT_EQ(64U, dsm_vt_width(&vt));
	vt.c[63] = 0;
	vt.c[2] = 7;
	EXPECT_EQ(3U, dsm_vt_width(&vt));
	vt.c[0] = 1;
	EXPECT_EQ(3U, dsm_vt_width(&vt));	/* zeros below count */
	vt.c[2] = 0;
	EXPECT_EQ(1U, dsm_vt_width(&vt));
	vt.c[1] = U32_MAX;
	EXPECT_EQ(2U, dsm_vt_width(&vt));
	/* narrower than n by its zeros, never wider */
	vt = mk(3, 4, 2, 9);
	EXPECT_EQ(3U, dsm_vt_width(&vt));
	vt = mk(3, 4, 0, 0);
	EXPECT_EQ(1U, dsm_vt_width(&vt));
	dsm_vt_init(&vt, 0);
	EXPECT_EQ(1U, dsm_vt_width(&vt));
	dsm_vt_init(&vt, 1);
	EXPECT_EQ(1U, dsm_vt_width(&vt));
	/* a corrupt n does not read beyond c[] */
	dsm_vt_init(&vt, DSM_MAX_NODES);
	vt.c[DSM_MAX_NODES - 1] = 5;
	vt.n = DSM_MAX_NODES + 100;
	EXPECT_EQ((u32)DSM_MAX_NODES, dsm_vt_width(&vt));
}

/* Cut to its significant width, a timestamp compares equal to itself. */
TEST(width_lossless)
{
	struct dsm_rng r;
	struct dsm_vt a, b;
	u32 t, i, w;

	dsm_rng_seed(&r, 11);
	for (t = 0; t < 2000; t++) {
		dsm_vt_init(&a, 1 + dsm_rng_below(&r, DSM_MAX_NODES));
		for (i = 0; i < a.n; i++)
			if (!dsm_rng_below(&r, 3))
				a.c[i] = dsm_rng_below(&r, 5);
		w = dsm_vt_width(&a);
		ASSERT_LE(w, a.n);
		ASSERT_TRUE(w == 1 || a.c[w - 1]);
		for (i = w; i < a.n; i++)
			ASSERT_EQ(0U, a.c[i]);
		dsm_vt_init(&b, w);
		memcpy(b.c, a.c, w * sizeof(u32));
		ASSERT_EQ(DSM_VT_EQUAL, dsm_vt_compare(&a, &b));
		ASSERT_EQ(dsm_vt_sum(&a), dsm_vt_sum(&b));
	}
}

TEST(sum)
{
	struct dsm_vt a;
	u32 i;

	dsm_vt_init(&a, DSM_MAX_NODES);
	for (i = 0; i < DSM_MAX_NODES; i++)
		a.c[i] = U32_MAX;
	EXPECT_EQ((u64)DSM_MAX_NODES * U32_MAX, dsm_vt_sum(&a));
}

TEST(acquirer_lacks)
{
	struct dsm_vt have = mk(3, 2, 5, 0), known = mk(3, 4, 5, 1);
	struct dsm_vt_range out[DSM_MAX_NODES];

	ASSERT_EQ(2U, dsm_vt_missing(&have, &known, out));
	EXPECT_EQ(0U, out[0].node);
	EXPECT_EQ(3U, out[0].first);
	EXPECT_EQ(4U, out[0].last);
	EXPECT_EQ(2U, out[1].node);
	EXPECT_EQ(1U, out[1].first);
	EXPECT_EQ(1U, out[1].last);
	/* an acquirer ahead of the releaser lacks nothing */
	EXPECT_EQ(0U, dsm_vt_missing(&known, &have, out));
	EXPECT_EQ(0U, dsm_vt_missing(&known, &known, out));
}

/* Properties on random timestamps. */
TEST(random_properties)
{
	struct dsm_rng r;
	u32 iter, i;

	dsm_rng_seed(&r, 42);
	for (iter = 0; iter < 20000; iter++) {
		struct dsm_vt a, b, m;
		struct dsm_vt_range out[DSM_MAX_NODES];
		enum dsm_vt_order ab, ba;
		u32 k, lacks = 0;

		dsm_vt_init(&a, 1 + dsm_rng_below(&r, DSM_MAX_NODES));
		dsm_vt_init(&b, 1 + dsm_rng_below(&r, DSM_MAX_NODES));
		for (i = 0; i < a.n; i++)
			a.c[i] = dsm_rng_below(&r, 4);
		for (i = 0; i < b.n; i++)
			b.c[i] = dsm_rng_below(&r, 4);
		ab = dsm_vt_compare(&a, &b);
		ba = dsm_vt_compare(&b, &a);
		/* antisymmetry */
		if (ab == DSM_VT_BEFORE)
			ASSERT_EQ(DSM_VT_AFTER, ba);
		if (ab == DSM_VT_AFTER)
			ASSERT_EQ(DSM_VT_BEFORE, ba);
		if (ab == DSM_VT_EQUAL || ab == DSM_VT_CONCURRENT)
			ASSERT_EQ(ab, ba);
		/* dominance agrees with compare */
		ASSERT_EQ(ab == DSM_VT_EQUAL || ab == DSM_VT_AFTER,
			  dsm_vt_dominates(&a, &b));
		/* merge is the least upper bound */
		m = a;
		dsm_vt_merge(&m, &b);
		ASSERT_TRUE(dsm_vt_dominates(&m, &a));
		ASSERT_TRUE(dsm_vt_dominates(&m, &b));
		for (i = 0; i < m.n; i++)
			ASSERT_TRUE(m.c[i] == dsm_vt_get(&a, i) ||
				    m.c[i] == dsm_vt_get(&b, i));
		/* lacks: merging the missing ranges into a gives m */
		k = dsm_vt_missing(&a, &b, out);
		for (i = 0; i < k; i++) {
			ASSERT_GT(out[i].first, dsm_vt_get(&a, out[i].node));
			ASSERT_EQ(out[i].first, dsm_vt_get(&a, out[i].node) + 1);
			ASSERT_EQ(out[i].last, dsm_vt_get(&b, out[i].node));
			lacks += out[i].last - out[i].first + 1;
		}
		ASSERT_EQ(k == 0, dsm_vt_dominates(&a, &b));
		ASSERT_EQ((u64)lacks, dsm_vt_sum(&m) - dsm_vt_sum(&a));
	}
}

TEST_HARNESS_MAIN
