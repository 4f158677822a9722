// SPDX-License-Identifier: GPL-2.0
/*
 * test_home.c - the home table (dsm_home.h): the bucket of a page, the
 * first table (balance, the b mod n rule, page mod n up to 8 nodes), the
 * next one when a node joins or leaves (balance, minimal movement,
 * determinism), and the checks the kernel runs on a table it receives.
 */
#include "kselftest_harness.h"
#include "test_util.h"
#include "dsm_home.h"
#include "dsm_members.h"

#define B	DSM_HOME_BUCKETS

/* Every member holds B / n or B / n + 1 buckets, a non-member none. */
static bool balanced(const struct dsm_home_table *t)
{
	u32 counts[DSM_MAX_NODES], n = dsm_popcount64(t->members), id;

	dsm_home_counts(t, counts);
	for (id = 0; id < DSM_MAX_NODES; id++) {
		if (!(t->members >> id & 1)) {
			if (counts[id])
				return false;
			continue;
		}
		if (counts[id] != B / n && counts[id] != B / n + 1)
			return false;
	}
	return true;
}

static u32 moved(const struct dsm_home_table *a,
		 const struct dsm_home_table *b)
{
	u32 i, m = 0;

	for (i = 0; i < B; i++)
		m += a->node[i] != b->node[i];
	return m;
}

static u64 random_members(struct dsm_rng *rng)
{
	u64 m;

	do {
		m = dsm_rng_next(rng) & DSM_ALL_NODES;
	} while (!m);
	return m;
}

TEST(bucket)
{
	EXPECT_EQ(0U, dsm_home_bucket(0));
	EXPECT_EQ(B - 1, dsm_home_bucket(B - 1));
	EXPECT_EQ(0U, dsm_home_bucket(B));
	EXPECT_EQ(5U, dsm_home_bucket(7ULL * B + 5));
	/* The last pages of the space and beyond stay in range. */
	EXPECT_LT(dsm_home_bucket(DSM_MAX_PAGES - 1), B);
	EXPECT_EQ((u32)(U64_MAX % B), dsm_home_bucket(U64_MAX));
}

/*
 * The first table of up to 8 members keeps the rule before the table:
 * page p's home is the (p mod n)-th member (dsm_member_rank()).
 */
TEST(first_table_is_page_mod_n)
{
	struct dsm_home_table t;
	struct dsm_rng rng;
	u32 m, i;
	u64 p;

	dsm_rng_seed(&rng, 840);
	for (m = 1; m < 256; m++) {
		ASSERT_EQ(0, dsm_home_init(&t, m, 1));
		for (i = 0; i < 2000; i++) {
			p = i < 1000 ? i : dsm_rng_next(&rng) % DSM_MAX_PAGES;
			ASSERT_EQ(dsm_member_rank(m, p, ~0U),
				  dsm_home_node(&t, p)) {
				TH_LOG("members %#x page %llu", m,
				       (unsigned long long)p);
			}
		}
	}
}

TEST(init_is_b_mod_n)
{
	static const u32 ids[] = { 1, 4, 6 };
	struct dsm_home_table t;
	u32 b;

	ASSERT_EQ(0, dsm_home_init(&t, 1U << 1 | 1U << 4 | 1U << 6, 7));
	EXPECT_EQ(7ULL, t.epoch);
	for (b = 0; b < B; b++)
		ASSERT_EQ(ids[b % 3], t.node[b]);
	EXPECT_TRUE(balanced(&t));
	EXPECT_EQ(DSM_HOME_OK, dsm_home_check(&t));
}

TEST(init_refuses)
{
	struct dsm_home_table t;

	EXPECT_EQ(-EINVAL, dsm_home_init(&t, 0, 1));
	EXPECT_EQ(-EINVAL, dsm_home_init(&t, 1, 0));
	if (DSM_ALL_NODES != U64_MAX)
		EXPECT_EQ(-EINVAL, dsm_home_init(&t, ~DSM_ALL_NODES, 1));
}

/* Every membership: the first table is balanced and passes the check. */
TEST(init_every_membership)
{
	struct dsm_home_table t;
	struct dsm_rng rng;
	u32 i;

	dsm_rng_seed(&rng, 15);
	for (i = 0; i < 2000; i++) {
		u64 m = i < 255 ? i + 1 : random_members(&rng);

		m &= DSM_ALL_NODES;
		if (!m)
			continue;
		ASSERT_EQ(0, dsm_home_init(&t, m, 1));
		ASSERT_TRUE(balanced(&t)) TH_LOG("members %#llx",
						 (unsigned long long)m);
		ASSERT_EQ(DSM_HOME_OK, dsm_home_check(&t));
	}
}

/*
 * A node joins: only buckets that go to it move, B / (n + 1) of them, and
 * the result is balanced; then it leaves again: only its buckets move.
 */
TEST(join_and_leave_move_the_minimum)
{
	struct dsm_home_table t, u, v;
	struct dsm_rng rng;
	u32 i, b, id, n, counts[DSM_MAX_NODES];
	u64 m;

	dsm_rng_seed(&rng, 16);
	for (i = 0; i < 3000; i++) {
		m = random_members(&rng);
		if (m == DSM_ALL_NODES)
			continue;
		do
			id = dsm_rng_below(&rng, DSM_MAX_NODES);
		while (m >> id & 1);
		n = dsm_popcount64(m);
		ASSERT_EQ(0, dsm_home_init(&t, m, 1));
		ASSERT_EQ(0, dsm_home_next(&u, &t, m | 1ULL << id));
		EXPECT_EQ(2ULL, u.epoch);
		ASSERT_TRUE(balanced(&u));
		for (b = 0; b < B; b++)
			if (u.node[b] != t.node[b])
				ASSERT_EQ(id, u.node[b]);
		dsm_home_counts(&u, counts);
		ASSERT_EQ(B / (n + 1), counts[id]);
		ASSERT_EQ(counts[id], moved(&t, &u));
		/* It leaves: only its buckets move, spread over the rest. */
		ASSERT_EQ(0, dsm_home_next(&v, &u, m));
		ASSERT_TRUE(balanced(&v));
		for (b = 0; b < B; b++)
			if (v.node[b] != u.node[b])
				ASSERT_EQ(id, u.node[b]);
		ASSERT_EQ(counts[id], moved(&u, &v));
	}
}

/* Nodes leave one by one down to one: each step moves only its buckets. */
TEST(shrink_to_one)
{
	struct dsm_home_table t[2];
	u32 b, id, cur = 0, counts[DSM_MAX_NODES];
	u64 m = DSM_ALL_NODES;

	ASSERT_EQ(0, dsm_home_init(&t[0], m, 1));
	for (id = 0; id + 1 < DSM_MAX_NODES; id++) {
		dsm_home_counts(&t[cur], counts);
		m &= ~(1ULL << id);
		ASSERT_EQ(0, dsm_home_next(&t[!cur], &t[cur], m));
		ASSERT_TRUE(balanced(&t[!cur]));
		for (b = 0; b < B; b++)
			if (t[!cur].node[b] != t[cur].node[b])
				ASSERT_EQ(id, t[cur].node[b]);
		ASSERT_EQ(counts[id], moved(&t[cur], &t[!cur]));
		cur = !cur;
	}
	for (b = 0; b < B; b++)
		ASSERT_EQ(DSM_MAX_NODES - 1, t[cur].node[b]);
}

/* The same old table and membership give the same next table. */
TEST(determinism)
{
	struct dsm_home_table t, u1, u2;

	ASSERT_EQ(0, dsm_home_init(&t, 0x0b, 3));
	ASSERT_EQ(0, dsm_home_next(&u1, &t, 0x1b));
	ASSERT_EQ(0, dsm_home_next(&u2, &t, 0x1b));
	EXPECT_EQ(0, memcmp(&u1, &u2, sizeof(u1)));
	ASSERT_EQ(0, dsm_home_next(&u1, &t, 0x09));
	ASSERT_EQ(0, dsm_home_next(&u2, &t, 0x09));
	EXPECT_EQ(0, memcmp(&u1, &u2, sizeof(u1)));
	/* Same membership: nothing moves, only the epoch. */
	ASSERT_EQ(0, dsm_home_next(&u1, &t, 0x0b));
	EXPECT_EQ(0U, moved(&t, &u1));
	EXPECT_EQ(4ULL, u1.epoch);
}

/* An unbalanced table (pushed by hand) is brought back to balance. */
TEST(rebalances_a_skewed_table)
{
	struct dsm_home_table t, u;
	u32 b;

	ASSERT_EQ(0, dsm_home_init(&t, 0x7, 1));
	for (b = 0; b < B / 2; b++)
		t.node[b] = 2;
	ASSERT_EQ(DSM_HOME_OK, dsm_home_check(&t));
	ASSERT_EQ(0, dsm_home_next(&u, &t, 0x7));
	EXPECT_TRUE(balanced(&u));
}

TEST(next_refuses)
{
	struct dsm_home_table t, u;

	ASSERT_EQ(0, dsm_home_init(&t, 0x3, DSM_HOME_EPOCH_MAX));
	EXPECT_EQ(-EOVERFLOW, dsm_home_next(&u, &t, 0x7));
	/* The epoch travels in 48 bits of a message header. */
	EXPECT_EQ(-EINVAL, dsm_home_init(&u, 0x3, DSM_HOME_EPOCH_MAX + 1));
	EXPECT_EQ(-EINVAL, dsm_home_init(&u, 0x3, U64_MAX));
	t.epoch = 1;
	EXPECT_EQ(-EINVAL, dsm_home_next(&u, &t, 0));
}

TEST(check)
{
	struct dsm_home_table t;

	ASSERT_EQ(0, dsm_home_init(&t, 0x5, 9));
	EXPECT_EQ(DSM_HOME_OK, dsm_home_check(&t));
	t.node[17] = 1;		/* not a member */
	EXPECT_EQ(DSM_HOME_BAD_NODE, dsm_home_check(&t));
	t.node[17] = DSM_HOME_NONE;
	EXPECT_EQ(DSM_HOME_BAD_NODE, dsm_home_check(&t));
	t.node[17] = 0;
	t.epoch = 0;
	EXPECT_EQ(DSM_HOME_BAD_EPOCH, dsm_home_check(&t));
	t.epoch = DSM_HOME_EPOCH_MAX + 1;
	EXPECT_EQ(DSM_HOME_BAD_EPOCH, dsm_home_check(&t));
	t.epoch = 9;
	t.members = 0;
	EXPECT_EQ(DSM_HOME_BAD_MEMBERS, dsm_home_check(&t));
	EXPECT_STRNE("?", dsm_home_bad_name(DSM_HOME_BAD_MEMBERS));
}

/* Node ids up to 63 are members; node 64 is none (a u8 could say it). */
TEST(check_high_ids)
{
	struct dsm_home_table t;

	ASSERT_EQ(0, dsm_home_init(&t, 1 | 1ULL << 63, 9));
	EXPECT_EQ(DSM_HOME_OK, dsm_home_check(&t));
	EXPECT_EQ(63U, t.node[1]);
	t.node[1] = DSM_MAX_NODES;
	EXPECT_EQ(DSM_HOME_BAD_NODE, dsm_home_check(&t));
	t.node[1] = 62;		/* not a member */
	EXPECT_EQ(DSM_HOME_BAD_NODE, dsm_home_check(&t));
}

/*
 * 64 members: every node holds 13 or 14 of the 840 buckets, the first
 * table is b mod 64; node 63 leaves: only its buckets move, to the 63
 * others; it comes back: it takes 13 buckets, the only ones moving.
 */
TEST(sixty_four_members)
{
	struct dsm_home_table t, u, v;
	u32 b, counts[DSM_MAX_NODES], id;

	ASSERT_EQ(0, dsm_home_init(&t, DSM_ALL_NODES, 1));
	ASSERT_EQ(DSM_HOME_OK, dsm_home_check(&t));
	for (b = 0; b < B; b++)
		ASSERT_EQ(b % 64, t.node[b]);
	dsm_home_counts(&t, counts);
	for (id = 0; id < 64; id++)
		ASSERT_EQ(id < B % 64 ? B / 64 + 1 : B / 64, counts[id]);
	ASSERT_TRUE(balanced(&t));
	/* Node 63 leaves. */
	ASSERT_EQ(0, dsm_home_next(&u, &t, DSM_ALL_NODES & ~(1ULL << 63)));
	ASSERT_TRUE(balanced(&u));
	ASSERT_EQ(counts[63], moved(&t, &u));
	for (b = 0; b < B; b++) {
		ASSERT_NE(63U, u.node[b]);
		if (u.node[b] != t.node[b])
			ASSERT_EQ(63U, t.node[b]);
	}
	/* It joins again. */
	ASSERT_EQ(0, dsm_home_next(&v, &u, DSM_ALL_NODES));
	ASSERT_TRUE(balanced(&v));
	dsm_home_counts(&v, counts);
	ASSERT_EQ(B / 64, counts[63]);
	ASSERT_EQ(counts[63], moved(&u, &v));
	for (b = 0; b < B; b++)
		if (v.node[b] != u.node[b])
			ASSERT_EQ(63U, v.node[b]);
}

/* Members spread over ids 0 .. 63: node 63 and node 0 join and leave. */
TEST(wide_membership_moves)
{
	u64 m = 1 | 1ULL << 17 | 1ULL << 40 | 1ULL << 62;
	struct dsm_home_table t, u;
	u32 counts[DSM_MAX_NODES];

	ASSERT_EQ(0, dsm_home_init(&t, m, 1));
	ASSERT_TRUE(balanced(&t));
	ASSERT_EQ(0, dsm_home_next(&u, &t, m | 1ULL << 63));
	ASSERT_TRUE(balanced(&u));
	dsm_home_counts(&u, counts);
	ASSERT_EQ(B / 5, counts[63]);
	ASSERT_EQ(B / 5, moved(&t, &u));
	ASSERT_EQ(0, dsm_home_next(&t, &u, (m | 1ULL << 63) & ~1ULL));
	ASSERT_TRUE(balanced(&t));
	dsm_home_counts(&t, counts);
	ASSERT_EQ(0U, counts[0]);
	ASSERT_EQ(B / 5, moved(&u, &t));
}

/* Adaptive homes (dsm_home_adapt.c). */

TEST(streak_wishes_after_n_in_a_row)
{
	struct dsm_home_streak s = { DSM_HOME_NONE, 0 };
	u32 i;

	for (i = 1; i < 4; i++)
		EXPECT_FALSE(dsm_home_streak_note(&s, 2, 0, 4));
	EXPECT_TRUE(dsm_home_streak_note(&s, 2, 0, 4));
	EXPECT_EQ(2, s.node);
	/* It goes on wishing while the streak lasts (a wish may be lost). */
	EXPECT_TRUE(dsm_home_streak_note(&s, 2, 0, 4));
}

TEST(streak_hysteresis)
{
	struct dsm_home_streak s = { DSM_HOME_NONE, 0 };
	u32 i;

	/* Two nodes that write in turn: never a wish. */
	for (i = 0; i < 1000; i++)
		EXPECT_FALSE(dsm_home_streak_note(&s, 1 + (i & 1), 0, 4));
	/* Three in a row, then the home itself: the count starts again. */
	for (i = 0; i < 3; i++)
		EXPECT_FALSE(dsm_home_streak_note(&s, 1, 0, 4));
	EXPECT_FALSE(dsm_home_streak_note(&s, 0, 0, 4));
	EXPECT_EQ(DSM_HOME_NONE, s.node);
	EXPECT_EQ(0, s.count);
	for (i = 0; i < 3; i++)
		EXPECT_FALSE(dsm_home_streak_note(&s, 1, 0, 4));
	EXPECT_TRUE(dsm_home_streak_note(&s, 1, 0, 4));
}

TEST(streak_off_and_bounds)
{
	struct dsm_home_streak s = { DSM_HOME_NONE, 0 };
	u32 i;

	/* after 0: never, and the count saturates. */
	for (i = 0; i < 1000; i++)
		EXPECT_FALSE(dsm_home_streak_note(&s, 3, 0, 0));
	EXPECT_EQ(DSM_HOME_STREAK_MAX, s.count);
	EXPECT_TRUE(dsm_home_streak_note(&s, 3, 0, DSM_HOME_STREAK_MAX));
	/* A node id out of range resets, never wishes. */
	EXPECT_FALSE(dsm_home_streak_note(&s, DSM_MAX_NODES, 0, 1));
	EXPECT_EQ(DSM_HOME_NONE, s.node);
	EXPECT_TRUE(dsm_home_streak_note(&s, DSM_MAX_NODES - 1, 0, 1));
}

TEST(wishes_check)
{
	u8 to[B];
	u32 n = 99;

	memset(to, DSM_HOME_NONE, sizeof(to));
	EXPECT_EQ(0, dsm_home_wishes_check(to, &n));
	EXPECT_EQ(0U, n);
	to[0] = 0;
	to[B - 1] = DSM_MAX_NODES - 1;
	EXPECT_EQ(0, dsm_home_wishes_check(to, &n));
	EXPECT_EQ(2U, n);
	to[7] = DSM_MAX_NODES;
	EXPECT_EQ(-EINVAL, dsm_home_wishes_check(to, &n));
	to[7] = DSM_HOME_NONE - 1;
	EXPECT_EQ(-EINVAL, dsm_home_wishes_check(to, &n));
}

TEST(wishes_apply)
{
	struct dsm_home_table old, next;
	u8 to[B], from[B];
	u32 n_moved = 99, b;

	ASSERT_EQ(0, dsm_home_init(&old, 0x7, 3));
	memset(to, DSM_HOME_NONE, sizeof(to));
	memset(from, DSM_HOME_NONE, sizeof(from));
	/* Nothing wished: the same buckets, the next epoch. */
	ASSERT_EQ(0, dsm_home_wishes_apply(&next, &old, to, from, 0x7, &n_moved));
	EXPECT_EQ(0U, n_moved);
	EXPECT_EQ(4U, next.epoch);
	EXPECT_EQ(old.members, next.members);
	EXPECT_EQ(0U, moved(&old, &next));
	/* Bucket 0 (home 0) to 1: granted. */
	to[0] = 1, from[0] = 0;
	/* Bucket 1 (home 1) wished by node 0 under an older table: dropped. */
	to[1] = 2, from[1] = 0;
	/* Bucket 2 (home 2) to itself: nothing. */
	to[2] = 2, from[2] = 2;
	/* Bucket 3 (home 0) to node 5, no member: dropped. */
	to[3] = 5, from[3] = 0;
	/* Bucket 4 (home 1) to node 2, which is not live: dropped. */
	to[4] = 2, from[4] = 1;
	/* Bucket 5 (home 2) to 0: granted. */
	to[5] = 0, from[5] = 2;
	ASSERT_EQ(0, dsm_home_wishes_apply(&next, &old, to, from, 0x3, &n_moved));
	EXPECT_EQ(2U, n_moved);
	EXPECT_EQ(2U, moved(&old, &next));
	EXPECT_EQ(1, next.node[0]);
	EXPECT_EQ(0, next.node[5]);
	for (b = 1; b < 5; b++)
		EXPECT_EQ(old.node[b], next.node[b]);
	EXPECT_EQ(DSM_HOME_OK, dsm_home_check(&next));
	/* The last epoch: no next table. */
	old.epoch = DSM_HOME_EPOCH_MAX;
	EXPECT_EQ(-EOVERFLOW,
		  dsm_home_wishes_apply(&next, &old, to, from, 0x7, &n_moved));
}

/* A membership change after adaptive moves rebalances as after any skew. */
TEST(next_after_wishes_rebalances)
{
	struct dsm_home_table old, moved_t, next;
	u8 to[B], from[B];
	u32 n_moved = 0, b;

	ASSERT_EQ(0, dsm_home_init(&old, 0x7, 1));
	memset(to, DSM_HOME_NONE, sizeof(to));
	for (b = 0; b < B; b++)
		from[b] = old.node[b];
	for (b = 0; b < 90; b++)
		to[b] = 1;
	ASSERT_EQ(0, dsm_home_wishes_apply(&moved_t, &old, to, from, 0x7,
					   &n_moved));
	EXPECT_EQ(60U, n_moved);	/* 30 of each of nodes 0 and 2 */
	EXPECT_FALSE(balanced(&moved_t));
	ASSERT_EQ(0, dsm_home_next(&next, &moved_t, 0xf));
	EXPECT_TRUE(balanced(&next));
}

TEST_HARNESS_MAIN
