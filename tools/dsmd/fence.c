// SPDX-License-Identifier: GPL-2.0
/*
 * fence.c - partitions (fence.h): the majority rule for declaring a
 * silent peer down, the fencing of this node's kernel when it sees no
 * quorum, and its rejoin as a new incarnation when it sees one again
 * (Documentation/sc.md "Failures and timeouts", control-plane.md).
 *
 * What counts as heard from a peer: anything on its ready control
 * connection (last_rx); while fenced also a well-formed HELLO from its
 * configured address, or a connection to it that connected (last_seen:
 * a majority that declared this node down refuses the handshake of its
 * old incarnation, and still shows that it is there). Those end a fence
 * but never make a quorum that declares someone down.
 */
#include <errno.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "dsmd.h"
#include "fence.h"

/*
 * The nodes reachable now: by their ready control connections (and for
 * a lease after a rejoin, while they take this node back), and with
 * @seen also by the signs of life short of a handshake (last_seen),
 * which may end a fence but never declare anyone down.
 */
static uint64_t fence_now_reachable(int64_t now, bool seen)
{
	int64_t heard[DSM_NODES_MAX] = {};
	unsigned int id;

	for (id = 0; id < d.conf.nr_nodes && id < DSM_NODES_MAX; id++) {
		const struct peer *p = &d.peers[id];

		/* Set by a ready connection's messages, or a rejoin. */
		heard[id] = p->last_rx;
		if (seen && p->last_seen > heard[id])
			heard[id] = p->last_seen;
	}
	return fence_reachable(heard, d.conf.nr_nodes, d.conf.local, now,
			       FENCE_LEASE(d.conf.dead_ms));
}

bool fence_may_declare(int id, int64_t now)
{
	uint64_t members = memb_conf_mask();
	uint64_t reach = fence_now_reachable(now, false) & ~(1ULL << id);

	/* A fenced node rejoins before it judges anyone. */
	if (!d.fenced && fence_may_declare_down(members, reach)) {
		d.peers[id].held_logged = false;
		return true;
	}
	if (!d.peers[id].held_logged)
		logm(LOG_WARNING, "node %d silent for the dead timeout, but the nodes reachable (%#llx of %#llx) are no quorum: not declaring it down",
		     id, (unsigned long long)reach,
		     (unsigned long long)members);
	d.peers[id].held_logged = true;
	return false;
}

/* FENCE to the kernel: 1 fences it, 0 ends a fence as a new incarnation. */
static int kernel_fence(bool fence)
{
	struct nl_msg *msg;

	msg = dsm_genl_msg(&d.nl, DSM_CMD_FENCE, 0);
	if (!msg || nla_put_u8(msg, DSM_A_FENCED, fence))
		return -ENOMEM;
	return dsm_genl_call(&d.nl, msg, NULL, NULL);
}

void fence_timers(int64_t now)
{
	uint64_t members = memb_conf_mask();
	uint64_t reach = fence_now_reachable(now, d.fenced);
	static int64_t prev;
	unsigned int id;
	int ret;

	/*
	 * This loop itself stood still (stopped, or starved): what arrived
	 * meanwhile is still unread, so no verdict before reading it.
	 */
	if (prev && now - prev > FENCE_LEASE(d.conf.dead_ms) / 2) {
		prev = now;
		return;
	}
	prev = now;

	if (fence_may_declare_down(members, reach))
		d.had_quorum = true;
	switch (fence_next(members, reach, d.fenced, d.had_quorum)) {
	case FENCE_FENCE:
		ret = kernel_fence(true);
		if (ret) {
			if (!d.fence_failed)
				logm(LOG_ERR, "no quorum (reachable %#llx of %#llx), but the kernel refused to fence: %s",
				     (unsigned long long)reach,
				     (unsigned long long)members, kerr(ret));
			d.fence_failed = true;
			return;
		}
		d.fenced = true;
		d.fence_failed = false;
		logm(LOG_WARNING, "no quorum: nodes reachable %#llx of %#llx; fenced this node's dsm memory until a quorum is back",
		     (unsigned long long)reach, (unsigned long long)members);
		break;
	case FENCE_REJOIN:
		ret = kernel_fence(false);
		if (ret) {
			logm(LOG_ERR, "quorum back, but the kernel refused a new incarnation: %s",
			     kerr(ret));
			return;
		}
		d.fenced = false;
		logm(LOG_WARNING, "quorum back (reachable %#llx of %#llx): rejoining as a new incarnation",
		     (unsigned long long)reach, (unsigned long long)members);
		/* A dead timeout from now for every peer to take us back. */
		for (id = 0; id < d.conf.nr_nodes; id++)
			d.peers[id].last_rx = now;
		/* Every connection is made again under the new incarnation. */
		kernel_adopt_incarnation();
		break;
	case FENCE_STAY:
		break;
	}
}

void fence_seen(int id)
{
	if (id >= 0 && id < DSM_NODES_MAX)
		d.peers[id].last_seen = now_ms();
}

bool fence_hello_check(int id, uint64_t inc)
{
	struct peer *p = &d.peers[id];

	fence_seen(id);
	if (!fence_hello_refused(p->down_inc, inc)) {
		p->refused_logged = false;
		return true;
	}
	if (!p->refused_logged)
		logm(LOG_WARNING, "refusing node %d: declared down at incarnation %llu, which it still has (cut off, not restarted); it rejoins with a new one",
		     id, (unsigned long long)inc);
	p->refused_logged = true;
	return false;
}
