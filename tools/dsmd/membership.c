// SPDX-License-Identifier: GPL-2.0
/*
 * membership.c - the membership changes at run time (issue 15 item 2;
 * Documentation/control-plane.md, "Runtime membership"): dsmctl node add
 * and node del on any node, the MEMBERS frames between dsmds, and the
 * home table that goes with each membership.
 *
 * dsmctl talks to its dsmd on a Unix socket (DSMD_CTL_PATH, root only):
 * one line "add ID ADDRESS [PORT]" or "del ID", one line back, "ERRNO
 * text" (0: done). The change is made by the coordinator, the lowest
 * member this node reaches (itself, or a peer that is up); a dsmd that is
 * not it sends the coordinator a MEMBERS REQUEST and answers dsmctl with
 * its RESULT. The coordinator checks the change (a member to delete, a
 * new id and address to add, a majority of the members reachable:
 * dsm_quorum()), one at a time (EBUSY while its last table is not pushed
 * yet, or while a node's leave runs), makes the next table
 * (dsm_home_next(): epoch + 1, a joining node takes about 1/n of the
 * buckets and nothing else moves) and sends it to every peer as a
 * MEMBERS TABLE; each dsmd adopts a table newer than its own whose
 * members it knows, changes its kernel's membership (NODE_ADD, or
 * NODE_DEL of a node that is down or taken down) and pushes the table to its
 * kernel (kernel_push_home_table()) once every member is up with a data
 * link, or after dead-timeout (memb_timers()): the kernel moves the
 * buckets (HOME_XFER). A peer that connects gets this node's previous
 * and current tables, so a node that joins (dsm.conf 'join') pushes the
 * table before the change first, then the one that gives it buckets: its
 * kernel then knows which old home hands each bucket over.
 *
 * Deleting a node that is up is its graceful leave (leave.c): the
 * coordinator asks the node to hand its pages over first, answers when
 * that ended, and makes the change only if every page was handed over;
 * the node's dsmd exits when it sees the table without itself.
 *
 * A member the coordinator declares down on its dead timeout (with a
 * quorum) gets its buckets re-homed the same way (memb_node_failed()):
 * the next table gives them to the live members, the dead node staying a
 * configured member that homes nothing (so lock managers do not move);
 * the kernels rebuild the buckets' directory from the survivors
 * (kmod/dsm_sc_rehome.c).
 *
 * One change at a time per coordinator; two dsmds that take different
 * nodes for the coordinator (a partition, a node that just came up) can
 * each make a table of the same epoch: a dsmd keeps the first one it
 * adopted and logs the other (known limit).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "dsm_members.h"
#include "dsmd.h"
#include "fence.h"

/* The members of the configuration: bit i, node i. */
uint64_t memb_conf_mask(void)
{
	uint64_t mask = 0;
	unsigned int i;

	for (i = 0; i < DSM_NODES_MAX; i++)
		if (d.conf.nodes[i].present)
			mask |= 1ULL << i;
	return mask;
}

/* This node and the members it has a live control connection to. */
uint64_t memb_reachable(void)
{
	uint64_t mask = 1ULL << d.conf.local;
	unsigned int i;

	for (i = 0; i < DSM_NODES_MAX; i++) {
		struct peer *p = &d.peers[i];

		if (d.conf.nodes[i].present && p->conn >= 0 &&
		    d.conns[p->conn].ready && p->kstate == DSM_NODE_STATE_UP)
			mask |= 1ULL << i;
	}
	return mask & memb_conf_mask();
}

/* The coordinator: the lowest member this node reaches (maybe itself). */
int memb_coordinator(void)
{
	return fence_coordinator(memb_reachable(), d.conf.local);
}

/* Members declared down (dsmd.c's dead timeout): they home nothing. */
uint64_t memb_down(void)
{
	uint64_t mask = 0;
	unsigned int i;

	for (i = 0; i < DSM_NODES_MAX; i++)
		if (d.conf.nodes[i].present && (int)i != d.conf.local &&
		    d.peers[i].kstate == DSM_NODE_STATE_DOWN)
			mask |= 1ULL << i;
	return mask;
}

/* Is this node in the table it has (a joining node is not, at first)? */
bool memb_is_member(void)
{
	return d.home.epoch && (d.home.members >> d.conf.local & 1);
}

/* Send @m to every ready peer that speaks MEMBERS. */
static void memb_broadcast(const struct dsmc_msg *m)
{
	int i;

	for (i = 0; i < MAX_CONNS; i++)
		if (d.conns[i].fd >= 0 && d.conns[i].ready &&
		    d.conns[i].version >= DSMC_VERSION_MEMBERS)
			conn_send(i, m);
}

static void memb_fill_table(struct dsmc_msg *m,
			    const struct dsm_home_table *t)
{
	memset(m, 0, sizeof(*m));
	m->type = DSMC_MEMBERS;
	m->memb.op = DSMC_MEMB_TABLE;
	m->memb.epoch = t->epoch;
	m->memb.members = t->members;
	memcpy(m->memb.table, t->node, sizeof(m->memb.table));
}

/* A peer's control connection is ready: our tables, old then new. */
void memb_peer_ready(int ci)
{
	struct dsmc_msg m;

	if (d.conns[ci].version < DSMC_VERSION_MEMBERS || !d.home.epoch)
		return;
	if (d.home_prev.epoch) {
		memb_fill_table(&m, &d.home_prev);
		conn_send(ci, &m);
	}
	memb_fill_table(&m, &d.home);
	conn_send(ci, &m);
}

/* Node @id is new in the configuration: a fresh peer. */
static void memb_peer_reset(int id)
{
	struct peer *p = &d.peers[id];

	memset(p, 0, sizeof(*p));
	p->conn = -1;
	p->dconn = -1;
	p->kstate = DSM_NODE_STATE_UNKNOWN;
	p->added = now_ms();
}

/* ADD: node @id at @addr (binary, @family), @port into the configuration. */
static int memb_conf_add(unsigned int id, int family, const uint8_t *addr,
			 unsigned int port, char *err, size_t len)
{
	char s[INET6_ADDRSTRLEN];

	if (!inet_ntop(family, addr, s, sizeof(s))) {
		snprintf(err, len, "bad address");
		return -EINVAL;
	}
	if (dsmd_conf_add_node(&d.conf, id, s, port, err, len))
		return -EINVAL;
	memb_peer_reset(id);
	return kernel_node_add(id);
}

/* DEL: node @id (down, or taken down now) leaves kernel and config. */
static void memb_conf_del(unsigned int id)
{
	peer_down(id, DSM_REASON_LEFT);
	kernel_node_del(id);
	dsmd_conf_del_node(&d.conf, id);
	memb_peer_reset(id);
}

/*
 * Adopt table @t (checked: dsm_home_check(), members configured): it is
 * pushed to the kernel by memb_timers() once the members are connected.
 */
static void memb_adopt(const struct dsm_home_table *t, const char *why)
{
	/* The kernel sees every table, in order: a joining node's first. */
	if (d.home_pending)
		kernel_push_home_table(&d.home, "superseded by a newer one");
	if (d.home.epoch)
		d.home_prev = d.home;
	d.home = *t;
	d.home_pending = true;
	d.home_why = why;
	d.reload_next = 0;
	d.home_deadline = now_ms() + 2 * (int64_t)d.conf.dead_ms;
	mgr_members_set(&d.mgr, t->members & memb_conf_mask(), t->epoch);
	logm(LOG_INFO, "home table of epoch %llu adopted (%s), members %#llx",
	     (unsigned long long)t->epoch, why,
	     (unsigned long long)t->members);
}

static void memb_reload_step(void);

/*
 * Push an adopted table once every member is up with a data link; then
 * the next change a SIGHUP asked for.
 */
void memb_timers(void)
{
	uint64_t waiting = 0, links;
	unsigned int i;

	if (!d.home_pending) {
		memb_reload_step();
		memb_home_timers();
		return;
	}
	for (i = 0; i < DSM_NODES_MAX; i++) {
		struct peer *p = &d.peers[i];

		if (!(d.home.members >> i & 1) || (int)i == d.conf.local ||
		    p->kstate == DSM_NODE_STATE_DOWN)	/* homes nothing */
			continue;
		if (p->kstate != DSM_NODE_STATE_UP || !p->dhanded)
			waiting |= 1ULL << i;
	}
	/*
	 * A handed-over socket is not yet a link the kernel sends on: ask
	 * it, so that the old homes' HOME_XFERs find the new home.
	 */
	if (!waiting) {
		links = kernel_links_up();
		waiting = d.home.members & ~links & ~(1ULL << d.conf.local) &
			  ~memb_down();
	}
	if (waiting && now_ms() < d.home_deadline)
		return;
	d.home_pending = false;
	if (waiting)
		logm(LOG_WARNING, "pushing the home table of epoch %llu without a data link to nodes %#llx",
		     (unsigned long long)d.home.epoch,
		     (unsigned long long)waiting);
	kernel_push_home_table(&d.home, d.home_why);
}

/* The coordinator's checks of a change from node @from; 0 or -errno. */
static int memb_check(const struct dsmc_msg *m, int from, char *err,
		      size_t len)
{
	uint64_t members = memb_conf_mask(), r = memb_reachable();
	unsigned int id = m->memb.node;

	if (!memb_is_member()) {
		snprintf(err, len, "this node is not a member yet");
		return -EAGAIN;
	}
	if (memb_coordinator() != d.conf.local) {
		snprintf(err, len, "node %d coordinates membership changes, not this one",
			 memb_coordinator());
		return -EAGAIN;
	}
	if (d.home_pending) {
		snprintf(err, len, "a membership change is in progress (table of epoch %llu not pushed yet)",
			 (unsigned long long)d.home.epoch);
		return -EBUSY;
	}
	if (leave_waiting() >= 0) {
		snprintf(err, len, "node %d is leaving (handing its pages over); try again when it is done",
			 leave_waiting());
		return -EBUSY;
	}
	if (m->memb.change == DSMC_MEMB_ADD && (members >> id & 1)) {
		snprintf(err, len, "node %u is already a member", id);
		return -EEXIST;
	}
	if (m->memb.change == DSMC_MEMB_DEL) {
		if (!(members >> id & 1)) {
			snprintf(err, len, "node %u is not a member", id);
			return -ENOENT;
		}
		if ((int)id == from || members == 1ULL << id) {
			snprintf(err, len, "node %u cannot remove itself, nor the last member; run 'node del' on another member",
				 id);
			return -EINVAL;
		}
	}
	if (!dsm_quorum(members, r)) {
		snprintf(err, len, "no quorum: this node reaches %d of the %d members",
			 __builtin_popcountll(r), __builtin_popcountll(members));
		return -ENOLINK;
	}
	return 0;
}

/* The next home table with change @m made: 0 or -errno, @err. */
int memb_next(const struct dsmc_msg *m, struct dsm_home_table *next,
	      char *err, size_t len)
{
	uint64_t members = memb_conf_mask(), bit = 1ULL << m->memb.node;
	int ret;

	members = m->memb.change == DSMC_MEMB_ADD ? members | bit :
						   members & ~bit;
	/* A member declared dead stays one, but homes nothing. */
	ret = dsm_home_next(next, &d.home, members & ~memb_down());
	next->members = members;
	if (ret)
		snprintf(err, len, "cannot make the next home table");
	return ret;
}

/*
 * Make change @m with its table @next (memb_next()): 0 or -errno, @err.
 * A node added joins kernel and configuration first. A node deleted
 * leaves them once the table went out, so that one that leaves alive
 * gets it too (and exits: memb_table()); this node, deleted after its
 * own leave (leave.c), exits as it is.
 */
int memb_commit(const struct dsmc_msg *m, const struct dsm_home_table *next,
		char *err, size_t len)
{
	unsigned int id = m->memb.node;
	struct dsmc_msg t;
	int ret;

	if (m->memb.change == DSMC_MEMB_ADD) {
		ret = memb_conf_add(id, m->memb.family, m->memb.addr,
				    m->memb.port, err, len);
		if (ret == -EINVAL)
			return ret;
		if (ret) {
			dsmd_conf_del_node(&d.conf, id);
			snprintf(err, len, "the kernel refused node %u: %s", id,
				 kerr(ret));
			return ret;
		}
	}
	memb_adopt(next, m->memb.change == DSMC_MEMB_ADD ? "node added" :
		   "node deleted");
	memb_fill_table(&t, next);
	t.memb.change = m->memb.change;
	t.memb.node = id;
	t.memb.family = m->memb.family;
	t.memb.port = m->memb.port;
	memcpy(t.memb.addr, m->memb.addr, sizeof(t.memb.addr));
	memb_broadcast(&t);
	if (m->memb.change == DSMC_MEMB_DEL && (int)id != d.conf.local)
		memb_conf_del(id);
	snprintf(err, len, "node %u %s; home table epoch %llu", id,
		 m->memb.change == DSMC_MEMB_ADD ? "added" : "deleted",
		 (unsigned long long)next->epoch);
	return 0;
}

/*
 * The coordinator makes change @m of node @from: 0 or -errno, @err. The
 * del of a node that is up (maybe this one) starts its leave instead
 * (leave.c): -EINPROGRESS, and the answer comes when the leave ends.
 */
static int memb_change(const struct dsmc_msg *m, int from, char *err,
		       size_t len)
{
	unsigned int id = m->memb.node;
	struct dsm_home_table next;
	int ret;

	ret = memb_check(m, from, err, len);
	if (ret)
		return ret;
	if (m->memb.change == DSMC_MEMB_DEL &&
	    ((int)id == d.conf.local ||
	     d.peers[id].kstate == DSM_NODE_STATE_UP))
		return leave_start(id, from, m->memb.cookie, err, len);
	ret = memb_next(m, &next, err, len);
	return ret ? ret : memb_commit(m, &next, err, len);
}

/*
 * The coordinator's table @next of the same members: adopted (@why),
 * pushed to the kernel by memb_timers() and sent to every peer. A plain
 * TABLE (no change, no node): the peers' decoder refuses a node named
 * without a change, and drops the connection.
 */
void memb_distribute(const struct dsm_home_table *next, const char *why)
{
	struct dsmc_msg t;

	memb_adopt(next, why);
	memb_fill_table(&t, next);
	memb_broadcast(&t);
}

/*
 * The next table from @base in which member @id homes nothing (it stays
 * a member), adopted (@why) and sent to every peer: 1, 0 if it homes
 * nothing in @base already, or -errno. A node declared down, or one
 * that leaves (its buckets move first: leave.c).
 */
int memb_unhome(unsigned int id, const struct dsm_home_table *base,
		const char *why)
{
	uint64_t members = memb_conf_mask();
	struct dsm_home_table next;
	unsigned int b;

	for (b = 0; b < DSM_HOME_BUCKETS && base->node[b] != id; b++)
		;
	if (b == DSM_HOME_BUCKETS)
		return 0;
	if (dsm_home_next(&next, base, members & ~memb_down() &
			  ~(1ULL << id)))
		return -EINVAL;
	next.members = members;
	memb_distribute(&next, why);
	return 1;
}

/*
 * Node @id was declared down on its dead timeout (dsmd.c, by a side with
 * a quorum): the coordinator makes the next home table, in which @id (a
 * configured member still) homes nothing, and sends it to every peer as
 * a node add or del does; once per failure (p->rehomed, cleared when the
 * node is up again), on kernel_home_base(). A node that 'node del'
 * removes is not a member any more and is skipped.
 */
void memb_node_failed(unsigned int id)
{
	struct dsm_home_table cur;
	uint64_t members = memb_conf_mask();
	int ret;

	if (d.peers[id].rehomed || !(members >> id & 1) ||
	    !memb_is_member() || memb_coordinator() != d.conf.local ||
	    !dsm_quorum(members, memb_reachable()))
		return;
	d.peers[id].rehomed = true;
	kernel_home_base(&cur);
	ret = memb_unhome(id, &cur, "node down: its buckets re-homed");
	if (ret < 0)
		logm(LOG_ERR, "node %u down: cannot make the next home table; its pages stay homed on it",
		     id);
	else if (ret)
		logm(LOG_WARNING, "node %u down: home table of epoch %llu gives its buckets to the live members",
		     id, (unsigned long long)d.home.epoch);
}

/*
 * A peer's TABLE: adopt it if newer and its members are known. One that
 * deletes this node ends this dsmd: the node left (its leave: leave.c).
 */
static void memb_table(int from, const struct dsmc_msg *m)
{
	struct dsm_home_table t = { .epoch = m->memb.epoch,
				    .members = m->memb.members };
	unsigned int id = m->memb.node;
	char err[160];

	memcpy(t.node, m->memb.table, sizeof(t.node));
	if (t.epoch <= d.home.epoch) {
		if (t.epoch == d.home.epoch && memcmp(&t, &d.home, sizeof(t)))
			logm(LOG_WARNING, "node %d: another home table of epoch %llu (two coordinators?); keeping ours",
			     from, (unsigned long long)t.epoch);
		return;
	}
	if (dsm_home_check(&t) != DSM_HOME_OK) {
		logm(LOG_WARNING, "node %d: home table of epoch %llu refused: %s",
		     from, (unsigned long long)t.epoch,
		     dsm_home_bad_name(dsm_home_check(&t)));
		return;
	}
	if (m->memb.change == DSMC_MEMB_DEL && (int)id == d.conf.local &&
	    !(t.members >> id & 1)) {
		logm(LOG_INFO, "this node left the cluster (node del); dsmd exits");
		dsmd_stop();
		return;
	}
	if (m->memb.change == DSMC_MEMB_ADD && !d.conf.nodes[id].present &&
	    memb_conf_add(id, m->memb.family, m->memb.addr, m->memb.port,
			  err, sizeof(err)))
		logm(LOG_WARNING, "node %d: adding node %u: %s", from, id, err);
	if (m->memb.change == DSMC_MEMB_DEL && d.conf.nodes[id].present &&
	    (int)id != d.conf.local && !(t.members >> id & 1))
		memb_conf_del(id);
	if (t.members & ~memb_conf_mask()) {
		logm(LOG_WARNING, "node %d: home table of epoch %llu names nodes %#llx this node does not know; restart it with the current members in dsm.conf",
		     from, (unsigned long long)t.epoch,
		     (unsigned long long)(t.members & ~memb_conf_mask()));
		return;
	}
	memb_adopt(&t, m->memb.change == DSMC_MEMB_NONE ? "from a peer" :
		   m->memb.change == DSMC_MEMB_ADD ? "node added" :
		   "node deleted");
}

/* Answer the dsmctl client: "ERRNO text\n", then close. */
void memb_client_answer(int err, const char *text)
{
	char buf[256];
	int n;

	if (d.client < 0)
		return;
	n = snprintf(buf, sizeof(buf), "%d %s\n", -err, text);
	if (n > 0 && write(d.client, buf, (size_t)n) != n)
		logm(LOG_DEBUG, "dsmctl went away before its answer");
	close(d.client);
	d.client = -1;
	d.client_cookie = 0;
	d.client_leave = false;
}

/*
 * What a coordinator's errno from its checks (memb_check(), leave_start())
 * means, for a change made elsewhere; NULL for 0 and any other errno.
 */
static const char *memb_remote_why(int err)
{
	switch (err) {
	case -EEXIST: return "the node is already a member";
	case -ENOENT: return "the node is not a member";
	case -EBUSY: return "another change is in progress (a table not pushed yet, or a node's leave)";
	case -ENOLINK: return "the coordinator has no quorum (or, for a leave, the node no other live member to hand its pages to)";
	case -EAGAIN: return "the coordinator changed, or does not reach the node now; try again";
	case -EINVAL: return "the coordinator refused the change (bad address or node)";
	default: return NULL;
	}
}

/* The coordinator's RESULT @m for the change @d.client asked. */
static void memb_result_text(const struct dsmc_msg *m, char *buf, size_t len)
{
	unsigned int id = d.client_node;
	const char *why = memb_remote_why(-m->memb.error);

	if (why)
		snprintf(buf, len, "%s", why);
	else if (d.client_leave)	/* the table may follow the RESULT */
		leave_text(id, -m->memb.error, d.home.members >> id & 1 ? 0 :
			   d.home.epoch, buf, len);
	else if (m->memb.error)
		snprintf(buf, len, "%s", strerror(m->memb.error));
	else
		snprintf(buf, len, "done by the coordinator");
}

/* A RESULT: for this node's client, or a SIGHUP change (logged). */
static void memb_result(int from, const struct dsmc_msg *m)
{
	const char *why = memb_remote_why(-m->memb.error);
	char text[200];

	if (d.reloading && m->memb.cookie == d.reload_cookie)
		d.reload_next = 0;	/* the next SIGHUP change now */
	if (d.client < 0 || m->memb.cookie != d.client_cookie) {
		logm(LOG_INFO, "coordinator node %d: change %llu: %s", from,
		     (unsigned long long)m->memb.cookie, why ? why :
		     m->memb.error ? strerror(m->memb.error) : "done");
		return;
	}
	memb_result_text(m, text, sizeof(text));
	memb_client_answer(-m->memb.error, text);
}

/* A peer's MEMBERS frame (proto.c checked every field). */
void memb_message(int from, const struct dsmc_msg *m)
{
	struct dsmc_msg r = { .type = DSMC_MEMBERS };
	char err[200] = "";
	int ret;

	switch (m->memb.op) {
	case DSMC_MEMB_REQUEST:
		if (m->memb.change == DSMC_MEMB_MOVE) {	/* no RESULT */
			memb_home_request(from, m);
			break;
		}
		ret = memb_change(m, from, err, sizeof(err));
		logm(ret && ret != -EINPROGRESS ? LOG_WARNING : LOG_INFO,
		     "node %d asked to %s node %u: %s", from,
		     m->memb.change == DSMC_MEMB_ADD ? "add" : "delete",
		     m->memb.node, ret ? err : "done");
		if (ret == -EINPROGRESS)	/* answered when it ends */
			break;
		r.memb.op = DSMC_MEMB_RESULT;
		r.memb.cookie = m->memb.cookie;
		r.memb.error = (uint16_t)-ret;
		if (d.peers[from].conn >= 0)
			conn_send(d.peers[from].conn, &r);
		break;
	case DSMC_MEMB_RESULT:
		memb_result(from, m);
		break;
	case DSMC_MEMB_TABLE:
		memb_table(from, m);
		break;
	case DSMC_MEMB_LEAVE:
	case DSMC_MEMB_LEFT:
		leave_message(from, m);
		break;
	}
}

/* "add ID ADDRESS [PORT]" or "del ID" into @m; 0, or -EINVAL and @err. */
static int memb_parse(char *line, struct dsmc_msg *m, char *err, size_t len)
{
	char *w[5], *save = NULL, *end;
	unsigned long id, port = 0;
	int nw = 0;

	while (nw < 5 && (w[nw] = strtok_r(nw ? NULL : line, " \t\n",
					   &save)))
		nw++;
	memset(m, 0, sizeof(*m));
	m->type = DSMC_MEMBERS;
	m->memb.op = DSMC_MEMB_REQUEST;
	if (nw >= 2) {
		errno = 0;
		id = strtoul(w[1], &end, 10);
		if (errno || *end || id >= DSM_NODES_MAX) {
			snprintf(err, len, "node id '%s' is not 0..%d", w[1],
				 DSM_NODES_MAX - 1);
			return -EINVAL;
		}
		m->memb.node = (uint32_t)id;
	}
	if (nw == 2 && !strcmp(w[0], "del")) {
		m->memb.change = DSMC_MEMB_DEL;
		return 0;
	}
	if ((nw != 3 && nw != 4) || strcmp(w[0], "add")) {
		snprintf(err, len, "expected 'add ID ADDRESS [PORT]' or 'del ID'");
		return -EINVAL;
	}
	errno = 0;
	port = nw == 4 ? strtoul(w[3], &end, 10) : DSMD_DEFAULT_PORT;
	if (nw == 4 && (errno || *end || !port || port > DSM_PORT_MAX)) {
		snprintf(err, len, "port '%s' is not 1..%u", w[3], DSM_PORT_MAX);
		return -EINVAL;
	}
	m->memb.change = DSMC_MEMB_ADD;
	m->memb.port = (uint16_t)port;
	if (inet_pton(AF_INET, w[2], m->memb.addr) == 1) {
		m->memb.family = AF_INET;
	} else if (inet_pton(AF_INET6, w[2], m->memb.addr) == 1) {
		m->memb.family = AF_INET6;
	} else {
		snprintf(err, len, "'%s' is not an IPv4 or IPv6 address", w[2]);
		return -EINVAL;
	}
	return 0;
}

/*
 * Ask coordinator @coord for the client's change @m. A del may be a
 * leave there, whose answer takes up to leave_wait_ms().
 */
static void memb_client_ask(int coord, struct dsmc_msg *m)
{
	unsigned int id = m->memb.node;

	if (d.peers[coord].conn < 0 || conn_send(d.peers[coord].conn, m)) {
		memb_client_answer(-EHOSTDOWN, "cannot reach the coordinator");
		return;
	}
	d.client_cookie = m->memb.cookie;
	d.client_deadline = now_ms() + 2 * (int64_t)d.conf.dead_ms;
	if (m->memb.change == DSMC_MEMB_DEL)
		d.client_deadline += leave_wait_ms();
	d.client_node = id;
	d.client_leave = m->memb.change == DSMC_MEMB_DEL &&
			 d.peers[id].kstate == DSM_NODE_STATE_UP;
	logm(LOG_INFO, "asked coordinator node %d to %s node %u", coord,
	     m->memb.change == DSMC_MEMB_ADD ? "add" : "delete", id);
}

/* The client's line @line: make the change, or ask the coordinator. */
static void memb_client_request(char *line)
{
	int coord = memb_coordinator(), ret;
	struct dsmc_msg m;
	char err[200];

	ret = memb_parse(line, &m, err, sizeof(err));
	m.memb.cookie = ++d.memb_cookie;
	if (!ret && coord != d.conf.local && memb_is_member()) {
		memb_client_ask(coord, &m);
		return;
	}
	if (!ret)
		ret = memb_change(&m, d.conf.local, err, sizeof(err));
	logm(ret && ret != -EINPROGRESS ? LOG_WARNING : LOG_INFO, "dsmctl: %s",
	     err);
	if (ret == -EINPROGRESS) {	/* a leave: leave.c answers */
		d.client_cookie = m.memb.cookie;
		d.client_deadline = now_ms() + leave_wait_ms() +
				    2 * (int64_t)d.conf.dead_ms;
		return;
	}
	memb_client_answer(ret, err);
}

/* The control socket: root only, one client at a time. */
int memb_listen(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	d.client = -1;
	mkdir(DSMD_CTL_DIR, 0755);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", DSMD_CTL_PATH);
	unlink(DSMD_CTL_PATH);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    chmod(DSMD_CTL_PATH, 0600) || listen(fd, 4)) {
		int err = -errno;

		close(fd);
		return err;
	}
	d.cfd = fd;
	return 0;
}

/* A dsmctl connects: take it if none is waiting, and it is root. */
void memb_accept(void)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	int fd;

	fd = accept4(d.cfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) ||
	    cr.uid != 0 || d.client >= 0) {
		if (write(fd, "-16 busy or not root\n", 21) < 0)
			logm(LOG_DEBUG, "dsmctl went away");
		close(fd);
		return;
	}
	d.client = fd;
	d.client_len = 0;
	d.client_cookie = 0;
	d.client_leave = false;
	d.client_deadline = now_ms() + 2 * (int64_t)d.conf.dead_ms;
}

/* The client's request line; it may come in pieces. */
void memb_client_read(void)
{
	ssize_t n;
	char *nl;

	if (d.client < 0)
		return;
	/*
	 * It waits for its answer (dsmd.c polls it for a hang-up only, so a
	 * client that shut its writing side down is no busy loop): gone?
	 */
	if (d.client_cookie) {
		struct pollfd p = { .fd = d.client };

		if (poll(&p, 1, 0) > 0 && p.revents & (POLLHUP | POLLERR)) {
			logm(LOG_INFO, "dsmctl went away before its answer");
			close(d.client);
			d.client = -1;
			d.client_cookie = 0;
			d.client_leave = false;
		}
		return;
	}
	n = read(d.client, d.client_buf + d.client_len,
		 sizeof(d.client_buf) - 1 - d.client_len);
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			close(d.client);
			d.client = -1;
		}
		return;
	}
	d.client_len += (size_t)n;
	d.client_buf[d.client_len] = '\0';
	nl = strchr(d.client_buf, '\n');
	if (nl)
		memb_client_request(d.client_buf);
	else if (d.client_len == sizeof(d.client_buf) - 1)
		memb_client_answer(-EINVAL, "request too long");
}

/* A client whose request got no answer in time. */
void memb_client_timers(void)
{
	if (d.client >= 0 && now_ms() >= d.client_deadline)
		memb_client_answer(-ETIMEDOUT, d.client_cookie ?
				   "no answer from the coordinator" :
				   "no request line");
}

/* SIGHUP: read dsm.conf again; its node lines become changes. */
void memb_reload(void)
{
	char err[512];

	if (dsmd_conf_load(d.conf_path, &d.reload, err, sizeof(err))) {
		logm(LOG_WARNING, "SIGHUP: %s; nothing changes", err);
		return;
	}
	if (strcmp(d.reload.cluster, d.conf.cluster) ||
	    d.reload.local != d.conf.local)
		logm(LOG_WARNING, "SIGHUP: only the node lines are read again; cluster and node-id stay");
	d.reloading = true;
	d.reload_asked = 0;
	d.reload_next = 0;
	logm(LOG_INFO, "SIGHUP: dsm.conf read again; its node lines become membership changes");
}

/* A change that makes node @id of the reloaded file's a member or not. */
static void memb_reload_request(int id, struct dsmc_msg *m)
{
	const struct dsmd_conf_node *n = &d.reload.nodes[id];

	memset(m, 0, sizeof(*m));
	m->type = DSMC_MEMBERS;
	m->memb.op = DSMC_MEMB_REQUEST;
	m->memb.node = (uint32_t)id;
	m->memb.change = DSMC_MEMB_DEL;
	if (!n->present)
		return;
	m->memb.change = DSMC_MEMB_ADD;
	m->memb.family = (uint8_t)n->family;
	m->memb.port = n->port;
	if (n->family == AF_INET)
		memcpy(m->memb.addr, &n->addr4, 4);
	else
		memcpy(m->memb.addr, &n->addr6, 16);
}

/*
 * The next node whose membership the reloaded file changes, once per
 * SIGHUP and node: made here by the coordinator (after the leave it
 * started, if any), else asked of it (and the next one waits for its
 * table or its answer, at most twice dead-timeout, plus
 * leave_wait_ms() for a del).
 */
static void memb_reload_step(void)
{
	int coord = memb_coordinator(), id, ret;
	uint64_t want = 0, diff;
	struct dsmc_msg m;
	char err[200];

	if (!d.reloading || now_ms() < d.reload_next || leave_waiting() >= 0)
		return;
	for (id = 0; id < DSM_NODES_MAX; id++)
		if (d.reload.nodes[id].present)
			want |= 1ULL << id;
	diff = (want ^ memb_conf_mask()) & ~d.reload_asked;
	if (!diff) {
		d.reloading = false;
		return;
	}
	id = __builtin_ctzll(diff);
	d.reload_asked |= 1ULL << id;
	memb_reload_request(id, &m);
	if (coord == d.conf.local || !memb_is_member()) {
		ret = memb_change(&m, d.conf.local, err, sizeof(err));
		logm(ret && ret != -EINPROGRESS ? LOG_WARNING : LOG_INFO,
		     "SIGHUP: %s", err);
		return;
	}
	m.memb.cookie = d.reload_cookie = ++d.memb_cookie;
	d.reload_next = now_ms() + 2 * (int64_t)d.conf.dead_ms;
	if (m.memb.change == DSMC_MEMB_DEL)
		d.reload_next += leave_wait_ms();
	if (d.peers[coord].conn < 0 || conn_send(d.peers[coord].conn, &m))
		logm(LOG_WARNING, "SIGHUP: cannot reach coordinator node %d", coord);
	else
		logm(LOG_INFO, "SIGHUP: asked coordinator node %d to %s node %d (change %llu)",
		     coord, m.memb.change == DSMC_MEMB_ADD ? "add" : "delete",
		     id, (unsigned long long)m.memb.cookie);
}
