// SPDX-License-Identifier: GPL-2.0
/*
 * mgr_lock_kept.c - the free tokens of a leaving node's own locks
 * (Documentation/lrc.md, "Leaving"; dsmd protocol 10).
 *
 * A node that leaves gives the free tokens it has up to their managers
 * (LOCK_RELEASE, mgr_lock_left()): their next acquirer learns what it
 * lacks and gets 0, not EOWNERDEAD. For a lock the leaving node manages
 * itself, its own dsmd marks the lock, but that mark leaves with it: once
 * the node is lost or removed the lock fails over as a dead manager's
 * (mgr_lock_rb.c, mgr_lock_dead_mgr()), owner dead. So the leaving dsmd,
 * once it marked such a lock, tells every member up (MGR_REQ LOCK_RELEASE
 * flagged MGR_F_KEPT, the kernel's own LOCK_REQ as payload, no reply):
 * "the token of this lock I manage was here, free, and is never used
 * here again". Each member keeps the notice (@m->kept) for when the lock's
 * state is made again without that node: the rebuild after its loss
 * (no survivor has the token or a request forwarded to it) and the first
 * acquire of a lock it managed that nobody spoke of then mark the lock
 * token_left instead of owner_dead.
 *
 * A notice that does not arrive (a peer of protocol 9 or older, a
 * connection lost, the table full) changes nothing: the lock is owner
 * dead, as before. A notice stays valid for good: the leaving node takes
 * no lock again (its acquires are refused from the start of its leave),
 * and a new incarnation of it manages nothing (it stays lost).
 */
#include <errno.h>
#include <stdlib.h>
#include <syslog.h>

#include "dsm_members.h"
#include "mgr_internal.h"

/* Did @node say, as it left, that the free token of lock @key was its own? */
bool mgr_lock_kept_has(const struct mgr *m, int node, uint64_t key)
{
	uint32_t i;

	for (i = 0; i < m->nr_kept; i++)
		if (m->kept[i].node == node && m->kept[i].key == key)
			return true;
	return false;
}

/* Keep @node's notice of lock @key; false if the table is full. */
static bool kept_add(struct mgr *m, int node, uint64_t key)
{
	if (mgr_lock_kept_has(m, node, key))
		return true;
	if (m->nr_kept == MGR_KEPT_MAX)
		return false;
	if (!m->kept) {
		m->kept = calloc(MGR_KEPT_MAX, sizeof(*m->kept));
		if (!m->kept)
			return false;
	}
	m->kept[m->nr_kept].key = key;
	m->kept[m->nr_kept].node = node;
	m->nr_kept++;
	return true;
}

/*
 * This node's kernel gave up the free token of lock @r (checked), which
 * this node manages, and the lock is marked here: tell every member up.
 */
void mgr_lock_kept_send(struct mgr *m, const struct mgr_req *r)
{
	struct mgr_req fr = *r;
	int n, told = 0;

	fr.flags = MGR_F_KEPT;
	fr.frag = -1;
	for (n = 0; n < DSM_MAX_NODES; n++) {
		if (n == m->self || !mgr_is_member(m, n) || !mgr_peer_up(m, n))
			continue;
		if (!m->ops.send_request(m->ops.ctx, n, &fr))
			told++;
	}
	mgr_log(m, LOG_INFO, "mgr: lock %u:%u: its token was free here, which leaves: %d members told",
		r->region, r->lock_id, told);
}

/*
 * A MGR_F_KEPT notice of @from: kept if it is the lock's manager by our
 * table, at the same table, and the payload is its own LOCK_REQ with the
 * cookie (mgr_check_req()); else refused, counted and logged (no reply).
 */
void mgr_lock_kept(struct mgr *m, int from, const struct mgr_req *req)
{
	struct mgr_req rq = *req, *r = &rq;
	struct dsm_msg msg;
	int err;

	r->flags &= ~MGR_F_KEPT;
	err = r->flags ? mgr_why(m, EINVAL, "flags %#x beside KEPT", r->flags) :
	      mgr_check_req(m, from, r, &msg);
	if (!err && (mgr_lock_manager(m, r->region, r->lock_id) != from ||
		     r->epoch != m->epoch))
		err = mgr_why(m, EINVAL, "node %d does not manage lock %u:%u at table %llu (ours %llu)",
			      from, r->region, r->lock_id,
			      (unsigned long long)r->epoch,
			      (unsigned long long)m->epoch);
	if (err) {
		m->st.bad++;
		mgr_log(m, LOG_WARNING, "mgr: kept token of node %d refused: %s",
			from, m->why);
		return;
	}
	if (!kept_add(m, from, dsm_sync_key(r->region, r->lock_id))) {
		mgr_log(m, LOG_WARNING, "mgr: lock %u:%u: node %d's token kept free: more than %d such notices, not kept (its next acquirer gets EOWNERDEAD)",
			r->region, r->lock_id, from, MGR_KEPT_MAX);
		return;
	}
	m->st.lock_kept++;
	mgr_log(m, LOG_INFO, "mgr: lock %u:%u: node %d, its manager, leaves with its token free: kept for the lock's next manager",
		r->region, r->lock_id, from);
}

void mgr_lock_kept_free(struct mgr *m)
{
	free(m->kept);
	m->kept = NULL;
	m->nr_kept = 0;
}
