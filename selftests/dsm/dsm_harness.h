/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_harness.h - the time plan of dsm_harness's child run, shared by
 * dsm_harness (which sets the child's sync timeout and the slow nodes'
 * sleeps) and dsm_harness_child (its tests' timeouts). Seconds before
 * DSM_TEST_TIME_FACTOR, which multiplies all of them.
 *
 * Each way of failing orders two events on different nodes by time
 * alone, and every such pair is CHILD_MARGIN apart, so that a loaded
 * host (make check-load, other people's clusters on the same cores)
 * cannot swap them:
 *
 * - a slow node sleeps CHILD_SLOW after a test's begin: it must wake
 *   after the others gave that test's step 1 up (at CHILD_SYNC) and
 *   before their wait at the next test's begin ends (at 2 * CHILD_SYNC);
 * - node 0 hangs in hangs_on_node0 until its harness kills it at
 *   CHILD_HANG: after nodes 1 and 2 gave its step 2 up (CHILD_SYNC after
 *   step 1), and before their wait at after_hang's begin ends.
 *
 * With a 10 s sync timeout and a 20 s hang (margins of 5 and 0 s),
 * after_hang failed in make check under a host load of 13: nodes 1 and
 * 2 had given up at its begin just before node 0 came.
 */
#ifndef _DSM_HARNESS_H
#define _DSM_HARNESS_H

#define CHILD_SYNC	30	/* the child's sync timeout */
#define CHILD_MARGIN	15	/* between two events ordered by time */
#define CHILD_SLOW	(CHILD_SYNC + CHILD_MARGIN)
#define CHILD_HANG	(2 * CHILD_SYNC - CHILD_MARGIN)
/* The other tests' timeouts: above a slow node's sleep and a sync. */
#define CHILD_TIMEOUT	(CHILD_SLOW + 2 * CHILD_SYNC)

#if CHILD_SLOW > 2 * CHILD_SYNC - CHILD_MARGIN || \
	CHILD_SYNC + CHILD_MARGIN > CHILD_HANG
#error "the child's time plan leaves less than CHILD_MARGIN between events"
#endif

#endif /* _DSM_HARNESS_H */
