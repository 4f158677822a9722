// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_lrc_rejoin.c - a restarted node takes part in lrc again (issue 16
 * item 4; Documentation/lrc.md "A restarted node").
 *
 * A node whose earlier incarnation its peers declared lost (rebooted,
 * dsm.ko reloaded, a fence ended) stays lost for every placement: the lock
 * and barrier managers and the backups are chosen as if it were not there
 * (dsm_members_lost() is sticky, and dsmd places them so too). But it
 * joins lrc again at a collecting barrier, as a node added at run time
 * does (DSM_MGR_F_JOIN; its dsmds count it as joining): until then it
 * makes no interval (lrc_unjoined(): its writes are its own and dropped
 * at the join) and its acquires get ESTALE. Its intervals go on from the
 * index the release's timestamp gives it (its floor), so that no index
 * names two intervals: every interval of its old incarnation up to the
 * floor was collected at that barrier, and those its backup kept beyond
 * what anyone knew were published there (lrc_publish_kept()).
 *
 * Then it tells every member (LRC_REJOIN with the floor, wire version 13)
 * and waits, at most fault_timeout_ms, for each LRC_REJOIN_ACK. A member
 * that takes it back (@back) asks it, not its backup, for its intervals
 * above the floor, sends it grants and takes its pushes, and first points
 * the pages a collection had it copy from that node (its old incarnation)
 * at the node's backup. Until every member answered, the node's acquires
 * get ESTALE and each lock or barrier call tries again. A node declared
 * down again is out until it rejoins once more.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": lrc: " fmt

#include <linux/completion.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>

#include "dsm_lrc.h"

/**
 * struct lrc_rj - who is back in lrc, and this node's own announcement.
 * @lock:	spinlock over every field below but @mutex; taken alone or
 *		inside dsm_lrc.lock, never around another lock.
 * @back:	bit n: node n, lost before, is back as a new incarnation
 *		that joined lrc (this node included, once every member
 *		answered its LRC_REJOIN).
 * @floor:	per node of @back, its last interval index of before.
 * @join_floor:	this node's own floor: vt[self] when it joined.
 * @mutex:	one announcement at a time; taken with no other lock held.
 * @active:	an announcement waits for answers: request @req_id ...
 * @req_id:	...
 * @waiting:	... from these nodes ...
 * @err:	... and the first refusal (a negative errno).
 * @done:	completed when @waiting is empty or @err is set.
 */
static struct lrc_rj {
	spinlock_t lock;	/* see @lock above */
	unsigned long back;
	u32 floor[DSM_NODES_MAX];
	u32 join_floor;
	struct mutex mutex;	/* see @mutex above */
	bool active;
	u64 req_id;
	unsigned long waiting;
	int err;
	struct completion done;
} rj;

static bool lrc_back_floor(u32 id, u32 *floor)
{
	bool back;

	if (id >= DSM_NODES_MAX)
		return false;
	spin_lock(&rj.lock);
	back = test_bit(id, &rj.back);
	if (back && floor)
		*floor = rj.floor[id];
	spin_unlock(&rj.lock);
	return back && dsm_members_up(id);
}

/**
 * lrc_node_out() - is node @id out of lrc: declared down now or lost
 * before, and not back as a new incarnation? Does not sleep.
 * @id:	the node.
 *
 * What is out sends nothing and is sent nothing in lrc; its intervals are
 * asked of its backup (lrc_iv_out() says which).
 */
bool lrc_node_out(u32 id)
{
	return dsm_members_lost(id) && !lrc_back_floor(id, NULL);
}

/**
 * lrc_iv_out() - is writer @c of interval @index out for that interval:
 * down, or lost and the interval its old incarnation's? Then its backup
 * serves it. Does not sleep.
 * @c:		the interval's creator.
 * @index:	its index.
 */
bool lrc_iv_out(u32 c, u32 index)
{
	u32 floor;

	if (!dsm_members_lost(c))
		return false;
	return !lrc_back_floor(c, &floor) || index <= floor;
}

/* The live members (dsm_members_live()) and the nodes back in lrc. */
u64 lrc_live(void)
{
	unsigned long back;
	u64 live = dsm_members_live();
	u32 id;

	spin_lock(&rj.lock);
	back = rj.back;
	spin_unlock(&rj.lock);
	for_each_set_bit(id, &back, DSM_NODES_MAX)
		if (dsm_members_up(id))
			live |= BIT_ULL(id);
	return live;
}

/* dsm_members_wait() for @id, a node back in lrc included. */
int lrc_wait_node(u32 id, unsigned long timeout)
{
	if (lrc_back_floor(id, NULL))
		return dsm_members_wait_up(id, timeout);
	return dsm_members_wait(id, timeout);
}

/*
 * Has this node restarted (its peers declared an earlier incarnation
 * lost) and not joined lrc yet? Then it makes no interval.
 */
bool lrc_unjoined(void)
{
	return !READ_ONCE(lrc.join_from) &&
	       dsm_members_lost(lrc_self());
}

/* Node @id is back in lrc, its intervals after @floor its new ones. */
static void lrc_rejoin_mark(u32 id, u32 floor)
{
	spin_lock(&rj.lock);
	rj.floor[id] = floor;
	set_bit(id, &rj.back);
	spin_unlock(&rj.lock);
	dsm_stat_inc(DSM_STAT_LRC_REJOINS);
}

/* Under lrc.lock, at the join: the floor this node goes on from. */
void lrc_rejoin_floor_locked(u32 floor)
{
	lockdep_assert_held(&lrc.lock);
	spin_lock(&rj.lock);
	rj.join_floor = floor;
	spin_unlock(&rj.lock);
}

static void lrc_rejoin_send(u32 dst, u8 type, u64 req_id, u32 floor,
			    int err)
{
	struct dsm_msg m = {
		.hdr.type = err ? DSM_MSG_NACK : type,
		.hdr.dst = dst,
		.hdr.req_id = req_id,
	};

	if (err) {
		m.u.nack.error = -err;
		m.u.nack.nacked_type = DSM_MSG_LRC_REJOIN;
		m.u.nack.arg = floor;
	} else {
		m.u.rejoin.floor = floor;
	}
	dsm_msg_send(&m);
}

/* Tell the members; under rj.mutex. Return: 0 or a negative errno. */
static int lrc_rejoin_tell(u32 floor, u64 to)
{
	u64 req_id = dsm_next_req_id();
	unsigned long left, send = to;
	long wait = 1;
	int err;
	u32 id;

	lockdep_assert_held(&rj.mutex);
	spin_lock(&rj.lock);
	rj.active = true;
	rj.req_id = req_id;
	rj.waiting = to;
	rj.err = 0;
	reinit_completion(&rj.done);
	spin_unlock(&rj.lock);
	for_each_set_bit(id, &send, DSM_NODES_MAX) {
		struct dsm_msg m = {
			.hdr.type = DSM_MSG_LRC_REJOIN,
			.hdr.dst = id,
			.hdr.req_id = req_id,
			.u.rejoin.floor = floor,
		};

		err = dsm_msg_send(&m);
		if (err)
			lrc_rejoin_answer(id, req_id, floor, err);
	}
	if (to)
		wait = wait_for_completion_killable_timeout(&rj.done,
							    dsm_fault_timeout());
	spin_lock(&rj.lock);
	rj.active = false;
	left = rj.waiting;
	err = rj.err;
	spin_unlock(&rj.lock);
	if (!err && wait < 0)
		err = -EINTR;
	if (!err && left)
		err = -ETIMEDOUT;
	if (err && err != -EINTR)
		pr_warn("telling nodes %#lx that this node is back in lrc failed (%d): its lock and barrier calls try again\n",
			left ? left : (unsigned long)to, err);
	return err;
}

/**
 * lrc_restarted() - before a lock or barrier call: is this node a restarted
 * one that may not take part yet?
 * @barrier:	the call is a barrier (where a restarted node joins).
 *
 * A restarted node that joined lrc tells the members first (once every
 * one answered, never again). Return: 0 (go on), -ESTALE (an acquire
 * before the join), or why telling them failed.
 */
int lrc_restarted(bool barrier)
{
	u32 self = lrc_self(), floor, id;
	unsigned long live;
	u64 to;
	int ret;

	if (!dsm_members_lost(self) || lrc_back_floor(self, NULL))
		return 0;
	if (!READ_ONCE(lrc.join_from)) {
		if (barrier)
			return 0;	/* where it joins */
		pr_warn_ratelimited("this node restarted: it takes part in lrc locks again once it passed a barrier with the others\n");
		return -ESTALE;
	}
	if (mutex_lock_killable(&rj.mutex))
		return -EINTR;
	ret = 0;
	if (!lrc_back_floor(self, NULL)) {
		spin_lock(&rj.lock);
		floor = rj.join_floor;
		spin_unlock(&rj.lock);
		live = lrc_live() & ~BIT_ULL(self);
		to = 0;
		for_each_set_bit(id, &live, DSM_NODES_MAX)
			if (dsm_members_up(id))
				to |= BIT_ULL(id);
		ret = lrc_rejoin_tell(floor, to);
		if (!ret) {
			lrc_rejoin_mark(self, floor);
			pr_info("back in lrc as a new incarnation: intervals go on after %u; nodes %#llx told\n",
				floor, to);
		}
	}
	mutex_unlock(&rj.mutex);
	return ret;
}

/* An answer (@err 0: LRC_REJOIN_ACK) from @src to request @req_id. */
void lrc_rejoin_answer(u32 src, u64 req_id, u32 floor, int err)
{
	bool ok;

	spin_lock(&rj.lock);
	ok = rj.active && rj.req_id == req_id && src < DSM_NODES_MAX &&
	     test_bit(src, &rj.waiting) &&
	     (err || floor == rj.join_floor);
	if (ok) {
		clear_bit(src, &rj.waiting);
		if (err && !rj.err)
			rj.err = err;
		if (!rj.waiting || rj.err)
			complete(&rj.done);
	}
	spin_unlock(&rj.lock);
	if (!ok)
		lrc_unexpected(err ? "NACK of LRC_REJOIN" : "LRC_REJOIN_ACK",
			       src);
}

void lrc_recv_rejoin_ack(const struct dsm_msg *m)
{
	lrc_rejoin_answer(m->hdr.src, m->hdr.req_id, m->u.rejoin.floor, 0);
}

void lrc_rejoin_nack(const struct dsm_msg *m)
{
	lrc_rejoin_answer(m->hdr.src, m->hdr.req_id, (u32)m->u.nack.arg,
			  dsm_wire_errno(m->u.nack.error) ?: -EPROTO);
}

/*
 * May node @src, lost here, go on after interval @floor? Not if this node
 * knows a later interval of its old incarnation: that index would name
 * two intervals. Return: 0 or -ESTALE.
 */
static int lrc_rejoin_check(u32 src, u32 floor)
{
	u32 known;

	mutex_lock(&lrc.lock);
	known = max(lrc.vt.c[src], lrc.gc_vt.c[src]);
	mutex_unlock(&lrc.lock);
	if (floor >= known)
		return 0;
	pr_warn_ratelimited("node %u is back and goes on after interval %u, but its interval %u is known here: refused\n",
			    src, floor, known);
	return -ESTALE;
}

/**
 * lrc_recv_rejoin() - LRC_REJOIN: node @m->hdr.src, lost here before, is
 * back in lrc, its intervals above the floor its new incarnation's.
 * @m:	the message.
 *
 * The pages a collection had this node fetch from its old incarnation are
 * pointed at its backup first (lrc_gc_rekeep()); then it is back. A node
 * never lost here needs nothing. Answered LRC_REJOIN_ACK, or a NACK.
 */
void lrc_recv_rejoin(const struct dsm_msg *m)
{
	u32 src = m->hdr.src, floor = m->u.rejoin.floor, had;
	int err = 0;

	if (src == lrc_self() || !dsm_members_up(src)) {
		lrc_unexpected("LRC_REJOIN", src);
		return;
	}
	if (!dsm_members_lost(src))
		goto out;
	if (lrc_back_floor(src, &had)) {
		/* Told again (an answer was lost): the same floor only. */
		err = had == floor ? 0 : -EEXIST;
		goto out;
	}
	err = lrc_rejoin_check(src, floor);
	if (err)
		goto out;
	lrc_gc_rekeep(src);
	lrc_rejoin_mark(src, floor);
	pr_info("node %u is back in lrc as a new incarnation (its intervals after %u)\n",
		src, floor);
out:
	lrc_rejoin_send(src, DSM_MSG_LRC_REJOIN_ACK, m->hdr.req_id, floor,
			err);
}

/* Node @id went down: out of lrc again; an announcement stops waiting. */
void lrc_rejoin_node_down(u32 id)
{
	spin_lock(&rj.lock);
	clear_bit(id, &rj.back);
	if (rj.active && test_bit(id, &rj.waiting)) {
		clear_bit(id, &rj.waiting);
		if (!rj.waiting)
			complete(&rj.done);
	}
	spin_unlock(&rj.lock);
}

void lrc_rejoin_init(void)
{
	spin_lock_init(&rj.lock);
	mutex_init(&rj.mutex);
	init_completion(&rj.done);
}
