/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fence.h - the decisions of a partition (Documentation/sc.md "Failures
 * and timeouts", issue 15 item 4), pure so that the unit tests check
 * them (fence_rule.c); fence.c applies them to the daemon's state.
 *
 * A heartbeat cannot tell a dead node from one that is cut off. So a
 * node is declared down only by a side that sees a quorum of the members
 * (dsm_quorum(), kmod/core/dsm_members.c, the rule the kernel shares); a
 * side that sees none fences its kernel, before the other side can
 * declare it down: it stops seeing a quorum when nothing came from the
 * others for half the dead timeout (FENCE_LEASE()), the majority declares
 * it down after the whole of it. A node declared down never comes back
 * with the same incarnation: its handshakes are refused until it shows a
 * new one, which the fenced node draws when it sees a quorum again.
 */
#ifndef DSMD_FENCE_H
#define DSMD_FENCE_H

#include <stdbool.h>
#include <stdint.h>

/* A peer counts as reachable if heard from within this (ms). */
#define FENCE_LEASE(dead_ms)	((dead_ms) / 2)

/* Bit i set for each of the @nr_nodes configured node ids. */
uint64_t fence_members(unsigned int nr_nodes);

/*
 * The nodes reachable from @local at @now: itself, and each peer i with
 * @heard[i] (ms; 0: never) within @lease of @now.
 */
uint64_t fence_reachable(const int64_t *heard, unsigned int nr_nodes,
			 int local, int64_t now, int64_t lease);

/*
 * The coordinator of membership changes as a node sees it (membership.c):
 * the lowest id of @reachable, which holds the node itself; @local if
 * @reachable is empty.
 */
int fence_coordinator(uint64_t reachable, int local);

/* May a side that reaches @reachable declare a silent member down? */
bool fence_may_declare_down(uint64_t members, uint64_t reachable);

/* What the fence does next (fence_next()). */
enum fence_step {
	FENCE_STAY,	/* nothing changes */
	FENCE_FENCE,	/* quorum lost: fence the kernel */
	FENCE_REJOIN,	/* fenced, and a quorum is back: new incarnation */
};

/*
 * @fenced: the kernel is fenced now; @had_quorum: a quorum was seen
 * since dsmd started (no fence before the cluster first formed).
 */
enum fence_step fence_next(uint64_t members, uint64_t reachable,
			   bool fenced, bool had_quorum);

/*
 * A handshake from a peer announcing @hello_inc, which this node
 * declared down (timeout) at incarnation @down_inc (0: never declared
 * down by the failure detector): refused if the same incarnation.
 */
bool fence_hello_refused(uint64_t down_inc, uint64_t hello_inc);

#endif /* DSMD_FENCE_H */
