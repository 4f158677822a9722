// SPDX-License-Identifier: GPL-2.0
/*
 * test_members.c - the member that serves a key (dsm_member_rank()): the
 * empty membership, one member, gaps between ids, 64-bit keys, and every
 * membership against a list-based statement of the rule.
 */
#include "kselftest_harness.h"
#include "test_util.h"
#include "dsm_members.h"

#define NONE	0xdeadU

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
			EXPECT_EQ(id, dsm_member_rank(1U << id, keys[i], NONE));
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
}

TEST(full)
{
	u64 key;

	for (key = 0; key < 64; key++)
		EXPECT_EQ((u32)(key % DSM_MAX_NODES),
			  dsm_member_rank((1U << DSM_MAX_NODES) - 1, key, NONE));
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

/* Bits beyond the node ids are not members. */
TEST(ignores_high_bits)
{
	u64 key;

	for (key = 0; key < 16; key++)
		EXPECT_EQ(5U, dsm_member_rank(0xffffff00U | 1U << 5, key, NONE));
	EXPECT_EQ(NONE, dsm_member_rank(~0U << DSM_MAX_NODES, 1, NONE));
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
	for (present = 0; present < 1U << DSM_MAX_NODES; present++) {
		n = 0;
		for (id = 0; id < DSM_MAX_NODES; id++)
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
	EXPECT_EQ(0x3U, dsm_barrier_waits_for(0x7 | ~0U << DSM_MAX_NODES, 0x4));
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
	EXPECT_EQ(0U, dsm_members_added(0, ~0U << DSM_MAX_NODES));
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
	/* Bits beyond the node limit are no members. */
	EXPECT_EQ(99U, dsm_barrier_manager(~0U << DSM_MAX_NODES, 0, 99));
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
	/* alone, or nobody: none; bits above DSM_MAX_NODES ignored */
	EXPECT_EQ(NONE, dsm_backup_of(3, 0x8, NONE));
	EXPECT_EQ(NONE, dsm_backup_of(3, 0, NONE));
	EXPECT_EQ(NONE, dsm_backup_of(3, 0x8 | ~0U << DSM_MAX_NODES, NONE));
	EXPECT_EQ(0U, dsm_backup_of(DSM_MAX_NODES - 1, 0x81, NONE));
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
	EXPECT_FALSE(dsm_quorum(0x7, 0x4 | 0x8 | ~0U << DSM_MAX_NODES));
	EXPECT_FALSE(dsm_quorum(0, 0x7));
	EXPECT_FALSE(dsm_quorum(~0U << DSM_MAX_NODES, ~0U));
	/* exhaustively: of a set and its complement, exactly one has a quorum */
	for (m = 1; m < 1U << DSM_MAX_NODES; m++)
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
	u32 members, lost, d, id, live, r, k, got, before;
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
					TH_LOG("members %#x lost %#x key %llu",
					       members, lost,
					       (unsigned long long)key);
				}
				for (d = 0; d < 5; d++) {
					if (!(live >> d & 1) || live == 1U << d)
						continue;
					before = got;
					got = dsm_lock_manager(members,
							       lost | 1U << d,
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
	EXPECT_EQ(2U, dsm_lock_manager(0x7 | ~0U << DSM_MAX_NODES, 0, 2, 1));
}

TEST_HARNESS_MAIN
