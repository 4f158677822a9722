// SPDX-License-Identifier: GPL-2.0
/*
 * leave.c - a live node's graceful leave (issue 15 item 2;
 * Documentation/control-plane.md, "Runtime membership"): dsmctl node del
 * of a node that is up.
 *
 * The coordinator checks the del as any change (membership.c). The
 * node's buckets move first: the next home table, in which it homes
 * nothing (a member still), goes to every peer, and the buckets move by
 * HOME_XFER while the node still answers (Documentation/sc.md
 * "Leaving"). Once that table is pushed here, the coordinator sends the
 * node a MEMBERS LEAVE (protocol version 6: a node whose dsmd speaks an
 * older one is refused, EOPNOTSUPP, before anything changes) and waits
 * for it (d.leave; one at a time: membership.c refuses every other
 * change meanwhile), holding the answer to whoever asked: its own dsmctl
 * client, or the peer whose REQUEST it was (a RESULT with that cookie);
 * a SIGHUP change is only logged.
 *
 * The leaving node's dsmd takes a LEAVE only from the node it sees as
 * the coordinator, and only for itself. It asks its kernel to LEAVE at
 * once (kernel_leave(): from then on its dsm memory is refused, and the
 * kernel hands its pages over to the other members in the background)
 * and again each tick while the kernel says EINPROGRESS (d.leaving),
 * then tells the coordinator the end in a MEMBERS LEFT: 0, every page
 * handed over, or the errno that stopped it. Heartbeats, data links and
 * serving the peers go on meanwhile; a LEAVE while it runs just names
 * who to tell.
 *
 * On LEFT 0 the coordinator makes the del as of a node that is down
 * (memb_next(), memb_commit(): the table without the node goes to every
 * peer, the leaving one too, then the node leaves kernel and
 * configuration) and answers; the leaving dsmd exits when it sees that
 * table (membership.c, memb_table()). On an error, at the deadline
 * (leave_wait_ms()) or when the node goes down meanwhile, the
 * coordinator answers the error and nothing else changes: the node's
 * memory stays refused, it homes nothing, and 'node del' again starts
 * over (or removes the node as any that is down).
 *
 * When a peer asks the coordinator to delete the coordinator itself, it
 * leaves the same way without frames (its kernel asked from the timer),
 * answers the asker first (the table ends the asker's connection to it,
 * and a frame after it would be lost), sends the table and exits.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dsm_members.h"
#include "dsmd.h"

/*
 * How long the coordinator waits for a leave: handing over every page a
 * node holds takes a while, and the node must be declared down before it
 * can be removed otherwise: at least a minute, and six dead timeouts.
 */
#define LEAVE_WAIT_MIN_MS	60000
#define LEAVE_WAIT_DEAD_TIMES	6

int64_t leave_wait_ms(void)
{
	int64_t ms = LEAVE_WAIT_DEAD_TIMES * (int64_t)d.conf.dead_ms;

	return ms > LEAVE_WAIT_MIN_MS ? ms : LEAVE_WAIT_MIN_MS;
}

int leave_waiting(void)
{
	return d.leave.active ? (int)d.leave.node : -1;
}

void leave_text(unsigned int id, int err, uint64_t epoch, char *buf,
		size_t len)
{
	switch (-err) {
	case 0:
		if (epoch)
			snprintf(buf, len, "node %u left: its pages were handed over; home table epoch %llu",
				 id, (unsigned long long)epoch);
		else
			snprintf(buf, len, "node %u left: its pages were handed over",
				 id);
		break;
	case ETIMEDOUT:
		snprintf(buf, len, "node %u did not hand its pages over within %lld s; its memory stays refused; run 'node del %u' again",
			 id, (long long)leave_wait_ms() / 1000, id);
		break;
	case EHOSTDOWN:
		snprintf(buf, len, "node %u went down during its leave: handled as a failure; 'node del %u' again removes it",
			 id, id);
		break;
	case EOPNOTSUPP:
		snprintf(buf, len, "node %u cannot leave gracefully: its dsmd or dsm.ko is too old (protocol version %d, netlink family version 16 needed); stop its dsmd and run 'node del %u' again",
			 id, DSMC_VERSION_LEAVE, id);
		break;
	case ENOLINK:
		snprintf(buf, len, "node %u could not hand its pages over: no other live member to take them; run 'node del %u' again",
			 id, id);
		break;
	default:
		snprintf(buf, len, "node %u could not hand its pages over: %s; its memory stays refused; run 'node del %u' again",
			 id, strerror(-err), id);
	}
}

/* The leave @w ended with @err, @text: answer whoever asked. */
static void leave_answer(const struct leave_wait *w, int err,
			 const char *text)
{
	struct dsmc_msg r = { .type = DSMC_MEMBERS };
	int ci;

	logm(err ? LOG_WARNING : LOG_INFO, "%s", text);
	if (w->asker == d.conf.local) {
		/* The client that asked, not one that came after it. */
		if (w->asker_cookie && d.client >= 0 &&
		    d.client_cookie == w->asker_cookie)
			memb_client_answer(err, text);
		return;
	}
	r.memb.op = DSMC_MEMB_RESULT;
	r.memb.cookie = w->asker_cookie;
	r.memb.error = (uint16_t)-err;
	ci = d.peers[w->asker].conn;
	if (ci < 0 || conn_send(ci, &r))
		logm(LOG_WARNING, "node %d asked for node %u's del, but is not connected: it gets no answer",
		     w->asker, w->node);
}

static void leave_self_step(void);

/* Node @to (maybe this one) asks this node to leave: start, or go on. */
static void leave_self_begin(int to, uint64_t cookie)
{
	d.leaving.to = to;
	d.leaving.cookie = cookie;
	if (d.leaving.running) {
		logm(LOG_INFO, "node %d asks this node to leave again: still handing its pages over",
		     to);
		return;
	}
	d.leaving.running = true;
	d.leaving.next = 0;
	logm(LOG_WARNING, "leaving the cluster: handing this node's pages over");
	/* The coordinator's own leave starts from the timer: no reentry. */
	if (to != d.conf.local)
		leave_self_step();
}

/* The pending leave's LEAVE to its node (or this node's own): 0 or -1. */
static int leave_ask(void)
{
	struct dsmc_msg m = { .type = DSMC_MEMBERS };
	int ci = d.peers[d.leave.node].conn;

	d.leave.asked = true;
	if ((int)d.leave.node == d.conf.local) {
		leave_self_begin(d.conf.local, d.leave.cookie);
		return 0;
	}
	m.memb.op = DSMC_MEMB_LEAVE;
	m.memb.change = DSMC_MEMB_DEL;
	m.memb.node = d.leave.node;
	m.memb.cookie = d.leave.cookie;
	return ci >= 0 && !conn_send(ci, &m) ? 0 : -1;
}

/*
 * The node's buckets move first: a table in which it homes nothing goes
 * to every peer (memb_unhome()), and the LEAVE once this node pushed it
 * (leave_timers()), so that the node hands the buckets over (HOME_XFER)
 * while it still answers, and homes nothing when it is removed.
 */
int leave_start(unsigned int id, int asker, uint64_t asker_cookie,
		char *err, size_t len)
{
	bool self = (int)id == d.conf.local;
	int ci = d.peers[id].conn, moved;

	if (!self && (ci < 0 || !d.conns[ci].ready)) {
		snprintf(err, len, "node %u is up, but its control connection is not; try again",
			 id);
		return -EAGAIN;
	}
	if (!self && d.conns[ci].version < DSMC_VERSION_LEAVE) {
		snprintf(err, len, "node %u's dsmd speaks protocol version %u, and a live node's graceful leave needs %d: upgrade it, or stop its dsmd and run 'node del %u' again",
			 id, d.conns[ci].version, DSMC_VERSION_LEAVE, id);
		return -EOPNOTSUPP;
	}
	d.leave = (struct leave_wait){
		.active = true, .node = id, .asker = asker,
		.asker_cookie = asker_cookie, .cookie = ++d.memb_cookie,
		.deadline = now_ms() + leave_wait_ms(),
	};
	moved = memb_unhome(id, &d.home, "a node leaves: its buckets first");
	if (moved < 0)
		logm(LOG_WARNING, "node %u leaves: no table without its buckets (%s); they move when it is removed",
		     id, strerror(-moved));
	if (moved <= 0 && leave_ask()) {
		d.leave.active = false;
		snprintf(err, len, "cannot reach node %u; try again", id);
		return -EAGAIN;
	}
	snprintf(err, len, "node %u is up: its buckets move to the others, and it hands its pages over before it is deleted (at most %lld s)",
		 id, (long long)leave_wait_ms() / 1000);
	return -EINPROGRESS;
}

/*
 * LEFT @err (0: every page handed over) of node @from's leave @cookie
 * (this node's own, from leave_report()).
 */
static void leave_left(int from, uint64_t cookie, int err)
{
	struct dsmc_msg m = { .type = DSMC_MEMBERS };
	struct leave_wait w = d.leave;
	struct dsm_home_table next;
	char text[256], done[160];
	int ret;

	if (!w.active || (int)w.node != from || w.cookie != cookie) {
		logm(LOG_INFO, "node %d: the end of a leave this node does not wait for (%s); ignored",
		     from, err ? strerror(-err) : "done");
		return;
	}
	/* Done before the change: its node down is no failure then. */
	d.leave.active = false;
	if (err) {
		leave_text(w.node, err, 0, text, sizeof(text));
		leave_answer(&w, err, text);
		return;
	}
	/* As any change: by the coordinator, with a quorum. */
	if (memb_coordinator() != d.conf.local ||
	    !dsm_quorum(memb_conf_mask(), memb_reachable())) {
		snprintf(text, sizeof(text), "node %u handed its pages over, but this node no longer coordinates with a quorum; run 'node del %u' again",
			 w.node, w.node);
		leave_answer(&w, -EAGAIN, text);
		return;
	}
	m.memb.change = DSMC_MEMB_DEL;
	m.memb.node = w.node;
	ret = memb_next(&m, &next, text, sizeof(text));
	if (ret) {
		leave_answer(&w, ret, text);
		return;
	}
	leave_text(w.node, 0, next.epoch, text, sizeof(text));
	if (from != d.conf.local) {
		memb_commit(&m, &next, done, sizeof(done));
		leave_answer(&w, 0, text);
		return;
	}
	leave_answer(&w, 0, text);
	memb_commit(&m, &next, done, sizeof(done));
	logm(LOG_INFO, "this node left the cluster (node del); dsmd exits");
	dsmd_stop();
}

/* Tell the coordinator that this node's leave ended with @err. */
static void leave_report(int err)
{
	struct dsmc_msg m = { .type = DSMC_MEMBERS };
	int to = d.leaving.to, ci = d.peers[to].conn;

	if (to == d.conf.local) {
		leave_left(to, d.leaving.cookie, err);
		return;
	}
	m.memb.op = DSMC_MEMB_LEFT;
	m.memb.change = DSMC_MEMB_DEL;
	m.memb.node = d.conf.local;
	m.memb.cookie = d.leaving.cookie;
	m.memb.error = (uint16_t)-err;
	if (ci < 0 || conn_send(ci, &m))
		logm(LOG_WARNING, "cannot tell coordinator node %d that this node's leave ended; 'node del %d' again asks again",
		     to, d.conf.local);
}

/* Where is the kernel's leave? At its end, say so. */
static void leave_self_step(void)
{
	int ret = kernel_leave();

	if (ret == -EINPROGRESS) {	/* ask again next tick */
		d.leaving.next = now_ms() + d.conf.heartbeat_ms / 4 + 1;
		return;
	}
	d.leaving.running = false;
	if (ret > 0 || ret < -4095)
		ret = -EIO;
	if (!ret)
		logm(LOG_INFO, "leave done: every page of this node is on another member; telling coordinator node %d",
		     d.leaving.to);
	else if (ret == -ENOLINK)
		logm(LOG_ERR, "leave refused: no other live member to hand this node's pages to (%s); telling coordinator node %d",
		     kerr(ret), d.leaving.to);
	else
		logm(LOG_ERR, "leave failed: %s; this node's dsm memory stays refused; telling coordinator node %d",
		     kerr(ret), d.leaving.to);
	leave_report(ret);
}

/* A LEAVE for this node, or a leaving node's LEFT. */
void leave_message(int from, const struct dsmc_msg *m)
{
	int coord = memb_coordinator();

	if (m->memb.op == DSMC_MEMB_LEFT) {
		leave_left(from, m->memb.cookie, -(int)m->memb.error);
		return;
	}
	if ((int)m->memb.node != d.conf.local || from != coord) {
		logm(LOG_WARNING, "node %d asks node %u to leave, but this is node %d and node %d coordinates; ignored",
		     from, m->memb.node, d.conf.local, coord);
		return;
	}
	leave_self_begin(from, m->memb.cookie);
}

void leave_timers(void)
{
	struct leave_wait w;
	char text[256];

	/* memb_timers() pushed the table without its buckets: ask it. */
	if (d.leave.active && !d.leave.asked && !d.home_pending &&
	    leave_ask()) {
		w = d.leave;
		d.leave.active = false;
		snprintf(text, sizeof(text), "cannot reach node %u to ask it to leave; nothing changed but its buckets; run 'node del %u' again",
			 w.node, w.node);
		leave_answer(&w, -EAGAIN, text);
	}
	if (d.leaving.running && now_ms() >= d.leaving.next)
		leave_self_step();
	if (d.leave.active && now_ms() >= d.leave.deadline) {
		w = d.leave;
		d.leave.active = false;
		leave_text(w.node, -ETIMEDOUT, 0, text, sizeof(text));
		leave_answer(&w, -ETIMEDOUT, text);
	}
}

void leave_peer_down(int id)
{
	struct leave_wait w = d.leave;
	char text[256];

	if (!w.active || (int)w.node != id)
		return;
	d.leave.active = false;
	leave_text(w.node, -EHOSTDOWN, 0, text, sizeof(text));
	leave_answer(&w, -EHOSTDOWN, text);
}
