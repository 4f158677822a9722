// SPDX-License-Identifier: GPL-2.0
/*
 * test_interval.c - interval logs, the intervals an acquirer lacks, and
 * the diff application order, on hand-made cases and on random executions
 * of the lazy release consistency protocol.
 */
#include "kselftest_harness.h"
#include "test_util.h"
#include "dsm_interval.h"

static struct dsm_interval mkiv(u16 creator, u32 index, u32 n)
{
	struct dsm_interval iv;

	memset(&iv, 0, sizeof(iv));
	dsm_vt_init(&iv.vt, n);
	iv.creator = creator;
	iv.index = index;
	iv.vt.c[creator] = index;
	return iv;
}

TEST(check_record)
{
	static const u64 good[] = { 1, 2, 9 }, dup[] = { 1, 1 },
			 far[] = { DSM_MAX_PAGES };
	struct dsm_interval iv = mkiv(1, 3, 2);

	EXPECT_EQ(0, dsm_interval_check(&iv));
	iv.notices = good;
	iv.nr_notices = 3;
	EXPECT_EQ(0, dsm_interval_check(&iv));
	iv.notices = dup;
	iv.nr_notices = 2;
	EXPECT_EQ(-EINVAL, dsm_interval_check(&iv));
	iv.notices = far;
	iv.nr_notices = 1;
	EXPECT_EQ(-EINVAL, dsm_interval_check(&iv));
	iv.nr_notices = 0;
	iv.vt.c[1] = 2;
	EXPECT_EQ(-EINVAL, dsm_interval_check(&iv));
	iv = mkiv(1, 3, 2);
	iv.index = 0;
	iv.vt.c[1] = 0;
	EXPECT_EQ(-EINVAL, dsm_interval_check(&iv));
	iv = mkiv(1, 3, 2);
	iv.vt.n = 1;
	EXPECT_EQ(-EINVAL, dsm_interval_check(&iv));
}

TEST(log_add_find_trim)
{
	struct dsm_interval slots[4], iv;
	struct dsm_ilog log;
	u32 i;

	dsm_ilog_init(&log, slots, 4);
	EXPECT_EQ(0U, dsm_ilog_last(&log));
	EXPECT_EQ(NULL, dsm_ilog_find(&log, 1));
	iv = mkiv(0, 2, 1);
	EXPECT_EQ(-ERANGE, dsm_ilog_add(&log, &iv));	/* gap */
	for (i = 1; i <= 4; i++) {
		iv = mkiv(0, i, 1);
		EXPECT_EQ(0, dsm_ilog_add(&log, &iv));
	}
	iv = mkiv(0, 5, 1);
	EXPECT_EQ(-ENOSPC, dsm_ilog_add(&log, &iv));
	iv = mkiv(0, 3, 1);
	EXPECT_EQ(1, dsm_ilog_add(&log, &iv));		/* known */
	EXPECT_EQ(4U, dsm_ilog_last(&log));
	ASSERT_NE(NULL, dsm_ilog_find(&log, 3));
	EXPECT_EQ(3U, dsm_ilog_find(&log, 3)->index);
	EXPECT_EQ(NULL, dsm_ilog_find(&log, 5));
	EXPECT_EQ(NULL, dsm_ilog_find(&log, 0));

	EXPECT_EQ(0U, dsm_ilog_trim(&log, 0));
	EXPECT_EQ(2U, dsm_ilog_trim(&log, 2));
	EXPECT_EQ(NULL, dsm_ilog_find(&log, 2));
	EXPECT_EQ(3U, dsm_ilog_find(&log, 3)->index);
	iv = mkiv(0, 1, 1);
	EXPECT_EQ(1, dsm_ilog_add(&log, &iv));		/* trimmed = known */
	/* the ring wraps */
	for (i = 5; i <= 6; i++) {
		iv = mkiv(0, i, 1);
		EXPECT_EQ(0, dsm_ilog_add(&log, &iv));
	}
	for (i = 3; i <= 6; i++)
		EXPECT_EQ(i, dsm_ilog_find(&log, i)->index);
	EXPECT_EQ(4U, dsm_ilog_trim(&log, 100));
	EXPECT_EQ(6U, dsm_ilog_last(&log));
	EXPECT_EQ(0U, log.count);
	iv = mkiv(0, 7, 1);
	EXPECT_EQ(0, dsm_ilog_add(&log, &iv));
}

TEST(grow_cap)
{
	EXPECT_EQ((u32)DSM_IV_MIN_CAP, dsm_iv_grow_cap(0));
	EXPECT_EQ((u32)DSM_IV_MIN_CAP, dsm_iv_grow_cap(1));
	EXPECT_EQ((u32)DSM_IV_MIN_CAP, dsm_iv_grow_cap(DSM_IV_MIN_CAP / 2 - 1));
	EXPECT_EQ((u32)DSM_IV_MIN_CAP, dsm_iv_grow_cap(DSM_IV_MIN_CAP / 2));
	EXPECT_EQ(32U, dsm_iv_grow_cap(16));
	EXPECT_EQ(200U, dsm_iv_grow_cap(100));
	EXPECT_EQ(0x80000000U, dsm_iv_grow_cap(0x40000000U));
	EXPECT_EQ(0xfffffffeU, dsm_iv_grow_cap(0x7fffffffU));
	EXPECT_EQ(0U, dsm_iv_grow_cap(0x80000000U));	/* cannot grow */
	EXPECT_EQ(0U, dsm_iv_grow_cap(U32_MAX));
}

/* A full, wrapped ring moves into bigger storage in order and keeps going. */
TEST(log_move_wrapped)
{
	struct dsm_interval small[4], big[8], iv;
	struct dsm_ilog log;
	u32 i;

	dsm_ilog_init(&log, small, 4);
	for (i = 1; i <= 4; i++) {
		iv = mkiv(1, i, 1);
		ASSERT_EQ(0, dsm_ilog_add(&log, &iv));
	}
	EXPECT_EQ(2U, dsm_ilog_trim(&log, 2));
	for (i = 5; i <= 6; i++) {		/* wraps: head is 2 */
		iv = mkiv(1, i, 1);
		ASSERT_EQ(0, dsm_ilog_add(&log, &iv));
	}
	iv = mkiv(1, 7, 1);
	EXPECT_EQ(-ENOSPC, dsm_ilog_add(&log, &iv));
	EXPECT_EQ(-EINVAL, dsm_ilog_move(&log, big, 3));	/* too small */
	EXPECT_EQ(&small[0], log.slot);
	ASSERT_EQ(0, dsm_ilog_move(&log, big, 8));
	EXPECT_EQ(&big[0], log.slot);
	EXPECT_EQ(0U, log.head);
	EXPECT_EQ(4U, log.count);
	for (i = 0; i < 4; i++) {
		ASSERT_NE(NULL, dsm_ilog_at(&log, i));
		EXPECT_EQ(3 + i, dsm_ilog_at(&log, i)->index);
		EXPECT_EQ(3 + i, big[i].index);
	}
	EXPECT_EQ(NULL, dsm_ilog_at(&log, 4));
	for (i = 7; i <= 10; i++) {
		iv = mkiv(1, i, 1);
		EXPECT_EQ(0, dsm_ilog_add(&log, &iv));
	}
	for (i = 3; i <= 10; i++)
		EXPECT_EQ(i, dsm_ilog_find(&log, i)->index);
	iv = mkiv(1, 11, 1);
	EXPECT_EQ(-ENOSPC, dsm_ilog_add(&log, &iv));
}

TEST(set_missing_basic)
{
	struct dsm_interval storage[3 * 8], iv;
	const struct dsm_interval *out[16];
	struct dsm_iset set;
	struct dsm_vt have, known;
	u32 i;

	ASSERT_EQ(0, dsm_iset_init(&set, 3, storage, 8));
	EXPECT_EQ(-EINVAL, dsm_iset_init(&set, 0, storage, 8));
	EXPECT_EQ(-EINVAL, dsm_iset_init(&set, DSM_MAX_NODES + 1, storage, 8));
	ASSERT_EQ(0, dsm_iset_init(&set, 3, storage, 8));
	for (i = 1; i <= 3; i++) {
		iv = mkiv(0, i, 3);
		ASSERT_EQ(0, dsm_iset_add(&set, &iv));
	}
	iv = mkiv(2, 1, 3);
	ASSERT_EQ(0, dsm_iset_add(&set, &iv));
	iv = mkiv(3, 1, 3);
	EXPECT_EQ(-EINVAL, dsm_iset_add(&set, &iv));
	iv = mkiv(1, 1, 4);
	EXPECT_EQ(-EINVAL, dsm_iset_add(&set, &iv));

	dsm_iset_known(&set, &known);
	EXPECT_EQ(3U, known.c[0]);
	EXPECT_EQ(0U, known.c[1]);
	EXPECT_EQ(1U, known.c[2]);

	dsm_vt_init(&have, 3);
	have.c[0] = 1;
	ASSERT_EQ(3, dsm_iset_missing(&set, &have, out, 16));
	EXPECT_EQ(0, out[0]->creator);
	EXPECT_EQ(2U, out[0]->index);
	EXPECT_EQ(3U, out[1]->index);
	EXPECT_EQ(2, out[2]->creator);
	EXPECT_EQ(-ENOSPC, dsm_iset_missing(&set, &have, out, 2));
	EXPECT_EQ(0, dsm_iset_missing(&set, &known, out, 16));
	/* an acquirer that knows more than the releaser lacks nothing */
	have.c[0] = 10;
	have.c[2] = 10;
	EXPECT_EQ(0, dsm_iset_missing(&set, &have, out, 0));
	/* after garbage collection an old acquirer cannot be served */
	dsm_ilog_trim(&set.log[0], 2);
	have.c[0] = 1;
	EXPECT_EQ(-ENOENT, dsm_iset_missing(&set, &have, out, 16));
	have.c[0] = 2;
	have.c[2] = 0;
	EXPECT_EQ(2, dsm_iset_missing(&set, &have, out, 16));
}

TEST(has_notice)
{
	static const u64 pages[] = { 2, 3, 5, 7, 11, 13 };
	struct dsm_interval iv = mkiv(0, 1, 1);
	u64 p;

	iv.notices = pages;
	iv.nr_notices = ARRAY_SIZE(pages);
	for (p = 0; p < 16; p++)
		EXPECT_EQ(p == 2 || p == 3 || p == 5 || p == 7 || p == 11 ||
			  p == 13, dsm_interval_has_notice(&iv, p));
	iv.nr_notices = 0;
	EXPECT_FALSE(dsm_interval_has_notice(&iv, 2));
}

/*
 * A random execution: at each step one node acquires from another (takes
 * the merge of their timestamps) and starts a new interval.
 */
#define EX_NODES	5
#define EX_STEPS	300

struct execution {
	u32 n;
	struct dsm_vt node[EX_NODES];
	struct dsm_interval iv[EX_STEPS];
	u64 pages[EX_STEPS][4];
	u32 nr;
};

static void run_execution(struct execution *ex, struct dsm_rng *r, u32 n)
{
	u32 s, i;

	memset(ex, 0, sizeof(*ex));
	ex->n = n;
	for (i = 0; i < n; i++)
		dsm_vt_init(&ex->node[i], n);
	for (s = 0; s < EX_STEPS; s++) {
		u32 p = dsm_rng_below(r, n), q = dsm_rng_below(r, n);
		struct dsm_interval *iv = &ex->iv[ex->nr];
		u32 k, np = dsm_rng_below(r, 5);

		if (dsm_rng_below(r, 3))
			dsm_vt_merge(&ex->node[p], &ex->node[q]);
		dsm_vt_inc(&ex->node[p], p);
		memset(iv, 0, sizeof(*iv));
		iv->creator = p;
		iv->index = ex->node[p].c[p];
		iv->vt = ex->node[p];
		for (k = 0; k < np; k++)
			ex->pages[ex->nr][k] = k * 10 + dsm_rng_below(r, 10);
		iv->notices = ex->pages[ex->nr];
		iv->nr_notices = np;
		ex->nr++;
	}
}

/* a happened before b */
static bool hb(const struct dsm_interval *a, const struct dsm_interval *b)
{
	return a != b && dsm_vt_get(&b->vt, a->creator) >= a->index;
}

TEST(sort_extends_happens_before)
{
	static struct execution ex;
	const struct dsm_interval *v[EX_STEPS], *w[EX_STEPS];
	struct dsm_rng r;
	u32 run, i, j;

	dsm_rng_seed(&r, 77);
	for (run = 0; run < 20; run++) {
		run_execution(&ex, &r, 2 + run % (EX_NODES - 1));
		for (i = 0; i < ex.nr; i++)
			ASSERT_EQ(0, dsm_interval_check(&ex.iv[i]));
		for (i = 0; i < ex.nr; i++)
			v[i] = &ex.iv[i];
		/* shuffle, sort */
		for (i = ex.nr - 1; i > 0; i--) {
			const struct dsm_interval *t;

			j = dsm_rng_below(&r, i + 1);
			t = v[i];
			v[i] = v[j];
			v[j] = t;
		}
		dsm_interval_sort(v, ex.nr);
		for (i = 0; i < ex.nr; i++)
			for (j = i + 1; j < ex.nr; j++)
				ASSERT_FALSE(hb(v[j], v[i]));
		/* deterministic: another shuffle sorts the same */
		for (i = 0; i < ex.nr; i++)
			w[i] = &ex.iv[ex.nr - 1 - i];
		dsm_interval_sort(w, ex.nr);
		ASSERT_EQ(0, memcmp(v, w, ex.nr * sizeof(v[0])));
		for (i = 1; i < ex.nr; i++)
			ASSERT_LT(dsm_interval_cmp(v[i - 1], v[i]), 0);
	}
	dsm_interval_sort(v, 0);
	dsm_interval_sort(v, 1);
}

TEST(acquirer_lacks_random)
{
	static struct execution ex;
	static struct dsm_interval storage[EX_NODES * EX_STEPS];
	const struct dsm_interval *out[EX_STEPS];
	struct dsm_iset set;
	struct dsm_rng r;
	u32 run, i, c;

	dsm_rng_seed(&r, 78);
	for (run = 0; run < 40; run++) {
		u32 n = 2 + run % (EX_NODES - 1), p, q, expect = 0;
		int got;

		run_execution(&ex, &r, n);
		p = dsm_rng_below(&r, n);
		q = (p + 1 + dsm_rng_below(&r, n - 1)) % n;
		/* q, the releaser, knows every interval its vt covers */
		ASSERT_EQ(0, dsm_iset_init(&set, n, storage, EX_STEPS));
		for (c = 0; c < n; c++)
			for (i = 0; i < ex.nr; i++)
				if (ex.iv[i].creator == c &&
				    ex.iv[i].index <= ex.node[q].c[c])
					ASSERT_EQ(0, dsm_iset_add(&set,
								  &ex.iv[i]));
		for (i = 0; i < ex.nr; i++)
			if (ex.iv[i].index <= ex.node[q].c[ex.iv[i].creator] &&
			    ex.iv[i].index > ex.node[p].c[ex.iv[i].creator])
				expect++;
		got = dsm_iset_missing(&set, &ex.node[p], out, EX_STEPS);
		ASSERT_EQ((int)expect, got);
		for (i = 0; i < (u32)got; i++) {
			ASSERT_GT(out[i]->index,
				  ex.node[p].c[out[i]->creator]);
			ASSERT_LE(out[i]->index,
				  ex.node[q].c[out[i]->creator]);
		}
		/* after taking them, p lacks nothing from q */
		for (i = 0; i < (u32)got; i++)
			dsm_vt_merge(&ex.node[p], &out[i]->vt);
		ASSERT_TRUE(dsm_vt_dominates(&ex.node[p], &ex.node[q]));
		ASSERT_EQ(0, dsm_iset_missing(&set, &ex.node[p], out,
					      EX_STEPS));
	}
}

TEST_HARNESS_MAIN
