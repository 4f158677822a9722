// SPDX-License-Identifier: GPL-2.0
/*
 * memb_home.c - adaptive homes, dsmd's part (issue 17 item 4;
 * Documentation/control-plane.md, "Adaptive homes").
 *
 * A home's kernel sends HOME_WANT (kernel.c) at most once a second with
 * every bucket it homes that one other node keeps taking the pages of:
 * byte b, the node bucket b should move to. Its dsmd hands the batch to
 * the coordinator (memb_coordinator()): itself, or a MEMBERS REQUEST
 * MOVE to a coordinator of protocol version 11 (no RESULT: the kernel
 * repeats a wish while it holds). The coordinator merges the wishes
 * (home_adapt.c) and, from memb_timers(), when no other change runs
 * (the EBUSY of memb_check(): a table not pushed yet, a leave), with a
 * quorum and at most once per HOME_ADAPT_INTERVAL_MS, makes one table
 * of the wishes that still hold (dsm_home_wishes_apply(): the bucket is
 * still at the wisher, its node a live member) and sends it as a
 * membership change's table goes out (memb_distribute()); the kernels
 * move the buckets with HOME_XFER.
 */
#include <errno.h>
#include <string.h>

#include "dsm_members.h"
#include "dsmd.h"

/* Our kernel's wishes: to the coordinator, or merged here if it is us. */
void memb_home_wishes(uint32_t from, uint64_t epoch,
		      const uint8_t to[DSMC_HOME_BUCKETS])
{
	int coord = memb_coordinator(), ret, ci;
	struct dsmc_msg m = { .type = DSMC_MEMBERS };
	uint32_t n = 0;

	if (dsm_home_wishes_check(to, &n) || !n)
		return;
	d.adapt.st.wishes += n;
	if (!memb_is_member()) {
		logm(LOG_DEBUG, "home: %u wishes of epoch %llu dropped: this node is not a member yet",
		     n, (unsigned long long)epoch);
		return;
	}
	if (coord == d.conf.local) {
		ret = home_adapt_merge(&d.adapt, from, to);
		if (ret < 0)
			logm(LOG_WARNING, "home: %u wishes of node %u dropped: bad batch",
			     n, from);
		return;
	}
	ci = d.peers[coord].conn;
	if (ci < 0 || !d.conns[ci].ready)
		return;
	if (d.conns[ci].version < DSMC_VERSION_HOME_MOVE) {
		if (!d.peers[coord].home_old_logged)
			logm(LOG_INFO, "home: coordinator node %d speaks protocol %u; adaptive homes need %d: this node's wishes stay here",
			     coord, d.conns[ci].version,
			     DSMC_VERSION_HOME_MOVE);
		d.peers[coord].home_old_logged = true;
		return;
	}
	m.memb.op = DSMC_MEMB_REQUEST;
	m.memb.change = DSMC_MEMB_MOVE;
	m.memb.node = from;
	m.memb.epoch = epoch;
	memcpy(m.memb.table, to, sizeof(m.memb.table));
	if (conn_send(ci, &m))
		logm(LOG_DEBUG, "home: cannot send %u wishes to coordinator node %d",
		     n, coord);
}

/* A peer's MEMBERS REQUEST MOVE: merged if this node coordinates. */
void memb_home_request(int from, const struct dsmc_msg *m)
{
	const char *why = home_adapt_request_check(m, from);
	uint32_t n = 0;

	if (why) {
		logm(LOG_WARNING, "node %d: bucket wishes refused: %s", from,
		     why);
		return;
	}
	dsm_home_wishes_check(m->memb.table, &n);
	d.adapt.st.wishes += n;
	if (!memb_is_member() || memb_coordinator() != d.conf.local) {
		logm(LOG_DEBUG, "node %d: %u bucket wishes dropped: this node does not coordinate",
		     from, n);
		return;
	}
	home_adapt_merge(&d.adapt, (uint32_t)from, m->memb.table);
}

/*
 * The coordinator makes a table of the pending wishes when it may (the
 * conditions of memb_check()'s EBUSY and ENOLINK, the rate limit).
 */
void memb_home_timers(void)
{
	uint64_t members = memb_conf_mask(), r = memb_reachable();
	struct dsm_home_table next, cur;
	uint32_t moved;
	int64_t now = now_ms();
	bool busy;
	int ret;

	if (!d.adapt.pending)
		return;
	if (!memb_is_member() || memb_coordinator() != d.conf.local) {
		logm(LOG_DEBUG, "home: %u bucket wishes dropped: this node no longer coordinates",
		     d.adapt.pending);
		home_adapt_clear(&d.adapt);
		return;
	}
	busy = d.home_pending || leave_waiting() >= 0 ||
	       !dsm_quorum(members, r);
	/* The base asks the kernel: only when a table is due, not per tick. */
	if (!home_adapt_due(&d.adapt, busy, now))
		return;
	kernel_home_base(&cur);
	ret = home_adapt_make(&d.adapt, &cur, r & ~memb_down(), busy, now,
			      &next, &moved);
	if (ret < 0)
		logm(LOG_ERR, "home: cannot make the next home table of wishes: %s",
		     strerror(-ret));
	if (ret <= 0)
		return;
	logm(LOG_INFO, "home: %u buckets move to the nodes that use them (epoch %llu)",
	     moved, (unsigned long long)next.epoch);
	memb_distribute(&next, "buckets moved to the nodes that use them");
}

void memb_home_log_stats(int prio)
{
	const struct home_adapt_stats *s = &d.adapt.st;

	logm(prio, "home: wishes received %llu, buckets moved %llu, tables made %llu",
	     (unsigned long long)s->wishes, (unsigned long long)s->moved,
	     (unsigned long long)s->tables);
	d.home_logged = *s;
}
