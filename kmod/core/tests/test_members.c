// SPDX-License-Identifier: GPL-2.0
/*
 * test_members.c - the member that serves a key (dsm_member_rank()): the
 * empty membership, one member, gaps between ids, 64-bit keys, and every
 * membership against a list-based statement of the rule. Exhaustive loops
 * run over the low LOW ids; node ids up to 63 have cases of their own.
 */
#include "kselftest_harness.h"
#include "test_util.h"
#include "dsm_members.h"

#define NONE	0xdeadU

/* Node ids the exhaustive loops cover: every subset of them. */
#define LOW	8
static_assert(LOW <= DSM_MAX_NODES, "LOW ids must be node ids");

/* The rule as written: list the present ids, take entry key mod n. */
static u32 ref_rank(u64 present, u64 key)
{
	u32 ids[DSM_MAX_NODES], n = 0, id;

	for (id = 0; id < DSM_MAX_NODES; id++)
		if (present >> id & 1)
			ids[n++] = id;
	return n ? ids[key % n] : NONE;
}

/* The lock manager as written: the rank, else the next live one. */
static u32 ref_lock_mgr(u64 members, u64 lost, u64 key)
{
	u64 live = members & ~lost;
	u32 r = ref_rank(members, key), k, id;

	if (!live)
		return NONE;
	for (k = 0; k < DSM_MAX_NODES; k++) {
		id = (r + k) % DSM_MAX_NODES;
		if (live >> id & 1)
			return id;
	}
	return NONE;
}

TEST(empty)
{
	EXPECT_EQ(NONE, dsm_member_rank(0, 0, NONE));
	EXPECT_EQ(NONE, dsm_member_rank(0, 7, NONE));
	EXPECT_EQ(NONE, dsm_member_rank(0, U64_MAX, NONE));
	EXPECT_EQ(3U, dsm_member_rank(0, 5, 3));
}

TEST(single)
{
	static const u64 keys[] = { 0, 1, 2, 7, 8, 0x10000000, U64_MAX };
	u32 id, i;

	for (id = 0; id < DSM_MAX_NODES; id++)
		for (i = 0; i < ARRAY_SIZE(keys); i++)
			EXPECT_EQ(id, dsm_member_rank(1ULL << id, keys[i], NONE));
}

TEST(gaps)
{
	static const u32 want[] = { 1, 4, 6, 1, 4, 6, 1 };
	u32 present = 1U << 1 | 1U << 4 | 1U << 6, key;

	for (key = 0; key < ARRAY_SIZE(want); key++)
		EXPECT_EQ(want[key], dsm_member_rank(present, key, NONE));
	/* The highest id alone, the lowest alone. */
	EXPECT_EQ(7U, dsm_member_rank(0x80, 3, NONE));
	EXPECT_EQ(0U, dsm_member_rank(0x01, 3, NONE));
	/* Barrier manager: key 0 is the lowest member. */
	EXPECT_EQ(2U, dsm_member_rank(0xfc, 0, NONE));
	/* High ids: nodes 0, 33 and 63. */
	EXPECT_EQ(0U, dsm_member_rank(1 | 1ULL << 33 | 1ULL << 63, 0, NONE));
	EXPECT_EQ(33U, dsm_member_rank(1 | 1ULL << 33 | 1ULL << 63, 1, NONE));
	EXPECT_EQ(63U, dsm_member_rank(1 | 1ULL << 33 | 1ULL << 63, 2, NONE));
	EXPECT_EQ(0U, dsm_member_rank(1 | 1ULL << 33 | 1ULL << 63, 3, NONE));
	EXPECT_EQ(63U, dsm_member_rank(1ULL << 63, U64_MAX, NONE));
}

TEST(full)
{
	u64 key;

	for (key = 0; key < 64; key++)
		EXPECT_EQ((u32)(key % DSM_MAX_NODES),
			  dsm_member_rank(DSM_ALL_NODES, key, NONE));
	/* 64 members: key 63 is node 63, key 64 node 0. */
	EXPECT_EQ(63U, dsm_member_rank(DSM_ALL_NODES, 63, NONE));
	EXPECT_EQ(0U, dsm_member_rank(DSM_ALL_NODES, 64, NONE));
	EXPECT_EQ(63U, dsm_member_rank(DSM_ALL_NODES, U64_MAX, NONE));
}

/* The remainder is taken of the whole 64-bit key, not of its low half. */
TEST(wide_keys)
{
	u32 present = 0x7;	/* n = 3 */

	/* 2^32 mod 3 = 1; (2^32 + 1) mod 3 = 2; (u32) would give 0 and 1. */
	EXPECT_EQ(1U, dsm_member_rank(present, 1ULL << 32, NONE));
	EXPECT_EQ(2U, dsm_member_rank(present, (1ULL << 32) + 1, NONE));
	/* 2^64 - 1 mod 3 = 0. */
	EXPECT_EQ(0U, dsm_member_rank(present, U64_MAX, NONE));
	/* 2^64 - 1 mod 5 = 0; mod 7 = 1 (2^3 = 1 mod 7, so 2^64 = 2). */
	EXPECT_EQ(0U, dsm_member_rank(0x1f, U64_MAX, NONE));
	EXPECT_EQ(1U, dsm_member_rank(0x7f, U64_MAX, NONE));
}

/* Every bit of a u64 is a node id: bits 32 .. 63 are members too. */
TEST(high_bits)
{
	u64 key;

	for (key = 0; key < 16; key++)
		EXPECT_EQ(key & 1 ? 63U : 5U,
			  dsm_member_rank(1ULL << 63 | 1U << 5, key, NONE));
	EXPECT_EQ(32U, dsm_member_rank(0xffffffff00000000ULL, 0, NONE));
	EXPECT_EQ(33U, dsm_member_rank(0xffffffff00000000ULL, 33, NONE));
}

/* Memberships spread over ids 0 .. 63 against the rule as written. */
TEST(random_wide_memberships)
{
	struct dsm_rng rng;
	u64 present, key;
	u32 i, j;

	dsm_rng_seed(&rng, 64);
	for (i = 0; i < 2000; i++) {
		present = dsm_rng_next(&rng);
		if (i & 1)	/* sparse sets too */
			present &= dsm_rng_next(&rng) & dsm_rng_next(&rng);
		for (j = 0; j < 20; j++) {
			key = j < 10 ? j : dsm_rng_next(&rng);
			ASSERT_EQ(ref_rank(present, key),
				  dsm_member_rank(present, key, NONE));
		}
	}
}

/*
 * Every membership and many keys against the rule as written: list the
 * present ids in ascending order, take entry key mod n.
 */
TEST(every_membership)
{
	struct dsm_rng rng;
	u32 present, ids[DSM_MAX_NODES], n, id, i;
	u64 key;

	dsm_rng_seed(&rng, 7);
	for (present = 0; present < 1U << LOW; present++) {
		n = 0;
		for (id = 0; id < LOW; id++)
			if (present & 1U << id)
				ids[n++] = id;
		for (i = 0; i < 200; i++) {
			key = i < 100 ? i : dsm_rng_next(&rng);
			if (!n) {
				ASSERT_EQ(NONE, dsm_member_rank(present, key,
								NONE));
				continue;
			}
			ASSERT_EQ(ids[key % n],
				  dsm_member_rank(present, key, NONE)) {
				TH_LOG("present %#x key %llu", present,
				       (unsigned long long)key);
			}
		}
	}
}

/*
 * Lock keys (dsm_sync_key()): the cluster-wide namespace keeps the rule of
 * API version 3, two regions' lock 5 are two keys, and the manager is
 * (key mod n), which the kernel and dsmd both compute with this function.
 */
TEST(sync_key)
{
	u32 present = 0x7;	/* n = 3 */
	u64 k;

	EXPECT_EQ(5ULL, dsm_sync_key(0, 5));
	EXPECT_NE(dsm_sync_key(1, 5), dsm_sync_key(2, 5));
	EXPECT_NE(dsm_sync_key(1, 5), dsm_sync_key(0, 5));
	k = dsm_sync_key(1U << 28, 0xffffffffU);
	EXPECT_EQ(1U << 28, dsm_sync_key_region(k));
	EXPECT_EQ(0xffffffffU, dsm_sync_key_id(k));
	/* Cluster-wide lock L: manager L mod n, as in API version 3. */
	EXPECT_EQ(2U, dsm_member_rank(present, dsm_sync_key(0, 5), NONE));
	/* Region 1, lock 5: (2^32 + 5) mod 3 = (1 + 2) mod 3 = 0. */
	EXPECT_EQ(0U, dsm_member_rank(present, dsm_sync_key(1, 5), NONE));
	/* Region 2, lock 5: (2 * 2^32 + 5) mod 3 = (2 + 2) mod 3 = 1. */
	EXPECT_EQ(1U, dsm_member_rank(present, dsm_sync_key(2, 5), NONE));
}

/* The barrier rules: lost members are not waited for, ever. */
TEST(barrier_participants)
{
	EXPECT_EQ(0x7U, dsm_barrier_waits_for(0x7, 0));
	EXPECT_EQ(0x3U, dsm_barrier_waits_for(0x7, 0x4));
	EXPECT_EQ(0x3U, dsm_barrier_waits_for(0x7 | 1ULL << 63, 0x4 | 1ULL << 63));
	EXPECT_EQ(0x3U | 1ULL << 63, dsm_barrier_waits_for(0x7 | 1ULL << 63, 0x4));
	EXPECT_TRUE(dsm_barrier_complete(0x3 | 1ULL << 63, 0x7 | 1ULL << 63,
					 0x4, 0));
	EXPECT_FALSE(dsm_barrier_complete(0x3, 0x7 | 1ULL << 63, 0x4, 0));
	EXPECT_EQ(0U, dsm_barrier_waits_for(0x7, 0x7));
	EXPECT_TRUE(dsm_barrier_complete(0x3, 0x7, 0x4, 0));
	/* Node 2 came back and arrived: not needed, not harmful. */
	EXPECT_TRUE(dsm_barrier_complete(0x7, 0x7, 0x4, 0));
	EXPECT_FALSE(dsm_barrier_complete(0x1, 0x7, 0x4, 0));
	EXPECT_FALSE(dsm_barrier_complete(0x3, 0x7, 0, 0));
	EXPECT_FALSE(dsm_barrier_complete(0x7, 0x7, 0x7, 0));
	EXPECT_FALSE(dsm_barrier_complete(0, 0, 0, 0));
}

/* Joins: an added node is not waited for until it joined. */
TEST(barrier_joining)
{
	EXPECT_EQ(0x8U, dsm_members_added(0x7, 0xf));
	EXPECT_EQ(0U, dsm_members_added(0xf, 0x7));	/* a removal */
	EXPECT_EQ(0x30U, dsm_members_added(0x3, 0x33));
	EXPECT_EQ(1ULL << 63, dsm_members_added(0x7, 0x7 | 1ULL << 63));
	EXPECT_EQ(DSM_ALL_NODES, dsm_members_added(0, DSM_ALL_NODES));
	/* Node 63 joining: not waited for, joined once it arrived. */
	EXPECT_TRUE(dsm_barrier_complete(0x7, 0x7 | 1ULL << 63, 0, 1ULL << 63));
	EXPECT_EQ(1ULL << 63, dsm_barrier_joined(0x7 | 1ULL << 63, 1ULL << 63,
						 true));
	/* Three members and node 3 joining: done without it ... */
	EXPECT_TRUE(dsm_barrier_complete(0x7, 0xf, 0, 0x8));
	EXPECT_FALSE(dsm_barrier_complete(0x3, 0xf, 0, 0x8));
	/* ... and with it, once it arrived. */
	EXPECT_TRUE(dsm_barrier_complete(0xf, 0xf, 0, 0x8));
	/* Only joining nodes: nobody to wait for, never complete alone. */
	EXPECT_FALSE(dsm_barrier_complete(0x8, 0x8, 0, 0x8));
	/* A joining node lost (down again) changes nothing. */
	EXPECT_TRUE(dsm_barrier_complete(0x7, 0xf, 0x8, 0x8));
	/* Joined: at a collecting release it arrived at, only. */
	EXPECT_EQ(0x8U, dsm_barrier_joined(0xf, 0x8, true));
	EXPECT_EQ(0U, dsm_barrier_joined(0xf, 0x8, false));
	EXPECT_EQ(0U, dsm_barrier_joined(0x7, 0x8, true));
	EXPECT_EQ(0x10U, dsm_barrier_joined(0x17, 0x18, true));
}

/* The barrier manager: the lowest member not lost, moving on at a loss. */
TEST(barrier_manager)
{
	EXPECT_EQ(0U, dsm_barrier_manager(0x7, 0, 99));
	EXPECT_EQ(1U, dsm_barrier_manager(0x7, 0x1, 99));
	EXPECT_EQ(2U, dsm_barrier_manager(0x7, 0x3, 99));
	EXPECT_EQ(99U, dsm_barrier_manager(0x7, 0x7, 99));
	/* A lost bit of a non-member changes nothing. */
	EXPECT_EQ(1U, dsm_barrier_manager(0x12, 0x1, 99));
	EXPECT_EQ(4U, dsm_barrier_manager(0x12, 0x2, 99));
	/* High ids: node 63 alone, node 40 lost before it. */
	EXPECT_EQ(63U, dsm_barrier_manager(1ULL << 63, 0, 99));
	EXPECT_EQ(63U, dsm_barrier_manager(1ULL << 63 | 1ULL << 40,
					   1ULL << 40, 99));
	EXPECT_EQ(99U, dsm_barrier_manager(1ULL << 63, 1ULL << 63, 99));
	/* A node that came back stays lost: the manager does not go back. */
	EXPECT_EQ(1U, dsm_barrier_manager(0x3, 0x1, 99));
	EXPECT_EQ(0U, dsm_member_rank(0x7, 0, 99));
}

/*
 * The lrc backup of a writer: the next live node after it in id order,
 * wrapping; never the writer itself; none when it is alone.
 */
TEST(backup_of)
{
	EXPECT_EQ(1U, dsm_backup_of(0, 0x7, NONE));
	EXPECT_EQ(2U, dsm_backup_of(1, 0x7, NONE));
	EXPECT_EQ(0U, dsm_backup_of(2, 0x7, NONE));
	/* node 2 lost: node 1 backs up to 0, and 2's backup is 0 */
	EXPECT_EQ(0U, dsm_backup_of(1, 0x3, NONE));
	EXPECT_EQ(0U, dsm_backup_of(2, 0x3, NONE));
	/* nodes 0, 2, 5 live */
	EXPECT_EQ(5U, dsm_backup_of(2, 0x25, NONE));
	EXPECT_EQ(0U, dsm_backup_of(5, 0x25, NONE));
	EXPECT_EQ(5U, dsm_backup_of(3, 0x25, NONE));
	EXPECT_EQ(0U, dsm_backup_of(7, 0x25, NONE));
	/* alone, or nobody: none */
	EXPECT_EQ(NONE, dsm_backup_of(3, 0x8, NONE));
	EXPECT_EQ(NONE, dsm_backup_of(3, 0, NONE));
	EXPECT_EQ(NONE, dsm_backup_of(63, 1ULL << 63, NONE));
	/* node 63: wraps to 0; the next after 7 is 63, not 0 */
	EXPECT_EQ(0U, dsm_backup_of(DSM_MAX_NODES - 1, 0x81, NONE));
	EXPECT_EQ(0U, dsm_backup_of(63, DSM_ALL_NODES, NONE));
	EXPECT_EQ(63U, dsm_backup_of(7, 0x81 | 1ULL << 63, NONE));
	EXPECT_EQ(63U, dsm_backup_of(62, 1 | 1ULL << 63, NONE));
	EXPECT_EQ(40U, dsm_backup_of(63, 1ULL << 40 | 1ULL << 63, NONE));
	EXPECT_EQ(32U, dsm_backup_of(31, 0xffffffff00000000ULL, NONE));
}

/*
 * A quorum: more than half of the members, or half with the lowest
 * member; two disjoint sets never both have one.
 */
TEST(quorum)
{
	u32 m, a;

	EXPECT_TRUE(dsm_quorum(0x7, 0x7));
	EXPECT_TRUE(dsm_quorum(0x7, 0x3));
	EXPECT_TRUE(dsm_quorum(0x7, 0x6));
	EXPECT_FALSE(dsm_quorum(0x7, 0x4));
	EXPECT_FALSE(dsm_quorum(0x7, 0x1));
	/* even split: the half with the lowest member wins */
	EXPECT_TRUE(dsm_quorum(0x3, 0x1));
	EXPECT_FALSE(dsm_quorum(0x3, 0x2));
	EXPECT_TRUE(dsm_quorum(0xf, 0x9));
	EXPECT_FALSE(dsm_quorum(0xf, 0x6));
	EXPECT_TRUE(dsm_quorum(0x1, 0x1));
	/* non-members and bits beyond the node limit do not count */
	EXPECT_FALSE(dsm_quorum(0x7, 0x4 | 0x8 | 1ULL << 63));
	EXPECT_FALSE(dsm_quorum(0, 0x7));
	/* 64 members: 33 up is a quorum; 32 only with node 0 */
	EXPECT_TRUE(dsm_quorum(DSM_ALL_NODES, 0xffffffff80000000ULL));
	EXPECT_TRUE(dsm_quorum(DSM_ALL_NODES, 0x00000000ffffffffULL));
	EXPECT_FALSE(dsm_quorum(DSM_ALL_NODES, 0xffffffff00000000ULL));
	EXPECT_FALSE(dsm_quorum(DSM_ALL_NODES, 0x00000001fffffffeULL));
	EXPECT_FALSE(dsm_quorum(DSM_ALL_NODES, 0x7fffffff80000000ULL));
	/* node 63 the only member; nodes 62 and 63: 63 alone is no quorum */
	EXPECT_TRUE(dsm_quorum(1ULL << 63, 1ULL << 63));
	EXPECT_FALSE(dsm_quorum(3ULL << 62, 1ULL << 63));
	EXPECT_TRUE(dsm_quorum(3ULL << 62, 1ULL << 62));
	/* exhaustively: of a set and its complement, exactly one has a quorum */
	for (m = 1; m < 1U << LOW; m++)
		for (a = m; ; a = (a - 1) & m) {
			EXPECT_FALSE(dsm_quorum(m, a) && dsm_quorum(m, m & ~a))
				TH_LOG("members %#x, side %#x", m, a);
			EXPECT_TRUE(dsm_quorum(m, a) || dsm_quorum(m, m & ~a))
				TH_LOG("members %#x: neither %#x nor its complement", m, a);
			if (!a)
				break;
		}
}

/*
 * The lock manager, exhaustively over the memberships of 5 nodes, every
 * lost subset and 12 keys: a live member; the (key mod n)-th member while
 * it is not lost; else the first live member after it, wrapping. A new
 * loss moves only the locks the lost node managed, all to one node.
 */
TEST(lock_manager_every_set)
{
	u32 d, id, r, k, got, before;
	u64 members, lost, live;
	u64 key;

	for (members = 0; members < 1U << 5; members++) {
		for (lost = 0; lost < 1U << 5; lost++) {
			live = members & ~lost;
			for (key = 0; key < 12; key++) {
				got = dsm_lock_manager(members, lost, key, NONE);
				if (!live) {
					ASSERT_EQ(NONE, got);
					continue;
				}
				r = dsm_member_rank(members, key, NONE);
				for (k = 0; k < DSM_MAX_NODES; k++) {
					id = (r + k) % DSM_MAX_NODES;
					if (live >> id & 1)
						break;
				}
				ASSERT_EQ(id, got) {
					TH_LOG("members %#llx lost %#llx key %llu",
					       members, lost,
					       (unsigned long long)key);
				}
				for (d = 0; d < 5; d++) {
					if (!(live >> d & 1) || live == 1ULL << d)
						continue;
					before = got;
					got = dsm_lock_manager(members,
							       lost | 1ULL << d,
							       key, NONE);
					r = before != d ? before :
					    dsm_backup_of(d, live, NONE);
					ASSERT_EQ(r, got);
					got = before;
				}
			}
		}
	}
}

/* The lock manager: examples, and bits beyond the node limit. */
TEST(lock_manager)
{
	/* Nodes 0..2: key 3 is node 0's; node 0 lost: node 1's. */
	EXPECT_EQ(0U, dsm_lock_manager(0x7, 0, 3, NONE));
	EXPECT_EQ(1U, dsm_lock_manager(0x7, 0x1, 3, NONE));
	EXPECT_EQ(2U, dsm_lock_manager(0x7, 0x1, 5, NONE));
	/* Key 2 is node 2's; node 2 lost: wraps to node 0. */
	EXPECT_EQ(0U, dsm_lock_manager(0x7, 0x4, 2, NONE));
	EXPECT_EQ(NONE, dsm_lock_manager(0x7, 0x7, 2, NONE));
	EXPECT_EQ(NONE, dsm_lock_manager(0, 0, 2, NONE));
	/* @none may be a node id (the kernel passes its own). */
	EXPECT_EQ(1U, dsm_lock_manager(0x7, 0, 1, 1));
	/* Node 63 is a member as any other: key 3 of 0, 1, 2, 63. */
	EXPECT_EQ(2U, dsm_lock_manager(0x7 | 1ULL << 63, 0, 2, 1));
	EXPECT_EQ(63U, dsm_lock_manager(0x7 | 1ULL << 63, 0, 3, 1));
	/* node 63 lost: its locks wrap to node 0 */
	EXPECT_EQ(0U, dsm_lock_manager(0x7 | 1ULL << 63, 1ULL << 63, 3, 1));
}

/*
 * The lock manager over memberships spread over ids 0 .. 63 and random
 * losses, against the rule as written: every live member manages some
 * lock, and a lost one's locks move to its dsm_backup_of().
 */
TEST(lock_manager_wide)
{
	struct dsm_rng rng;
	u64 members, lost, key, live;
	u32 i, j, got, want;

	dsm_rng_seed(&rng, 63);
	for (i = 0; i < 2000; i++) {
		members = dsm_rng_next(&rng);
		if (i & 1)
			members &= dsm_rng_next(&rng);
		lost = dsm_rng_next(&rng) & dsm_rng_next(&rng) & members;
		live = members & ~lost;
		for (j = 0; j < 20; j++) {
			key = j < 10 ? j : dsm_rng_next(&rng);
			got = dsm_lock_manager(members, lost, key, NONE);
			want = ref_lock_mgr(members, lost, key);
			ASSERT_EQ(want, got);
			if (want == NONE || live == 1ULL << want)
				continue;
			/* its loss: to the next live node after it */
			ASSERT_EQ(dsm_backup_of(want, live, NONE),
				  dsm_lock_manager(members,
						   lost | 1ULL << want,
						   key, NONE));
		}
	}
}

TEST_HARNESS_MAIN
