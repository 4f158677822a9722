/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsmd.h - what the files of the daemon share: the state, and the
 * functions that cross files, grouped by the file that defines them.
 *
 *   dsmd.c    the poll loop, timers, signals, logging, main
 *   kernel.c  the kernel's netlink family: configure it, report node
 *             states, watch that it stays configured, read its events
 *   mgrnl.c   the manager socket, and the hooks between the managers
 *             (mgr.h) and the kernel and peer connections
 *   conn.c    connection slots: accept, connect, buffered send/receive
 *   datalink.c the data connections: dialled and authenticated like the
 *             control ones, then handed to the kernel (PEER_SOCKET)
 *   peer.c    the handshake, peers up and down, region replication, the
 *             dispatch of a peer's messages
 *   fence.c   partitions: the majority rule, fencing, rejoining
 *   auth.c    the cluster key, the challenge-response of the handshake
 *             and the session keys (kmod/core/dsm_auth.h)
 *   membership.c runtime membership changes: dsmctl node add/del (the
 *             control socket), MEMBERS frames, the home table's pushes
 *   leave.c   a live node's graceful leave (node del of a node that is
 *             up): the coordinator's wait, the leaving node's hand-over
 *   memb_home.c adaptive homes: the kernel's wishes to the coordinator,
 *             whose tables move buckets to the nodes that use them
 *             (the pure part: home_adapt.c)
 *
 * One thread, one poll loop: nothing here needs a lock. Each field of
 * struct dsmd says which file changes it; the others only read it.
 */
#ifndef DSMD_H
#define DSMD_H

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

#include "config.h"
#include "dsm_genl.h"
#include "dsm_home.h"
#include "home_adapt.h"
#include "mgr.h"
#include "proto.h"

/*
 * Per peer at most: a live control connection, one being set up (ours
 * or theirs), and a data connection being set up (conn_accept() keeps
 * one inbound handshake per peer and kind, and closes at once a
 * connection from any address but a lower-id member's; we dial a peer
 * only while we have no connection of that kind to it). So the table
 * never fills: every configured peer has its slots, whatever strangers
 * or a peer's impostors do.
 */
#define MAX_CONNS	(4 * DSM_NODES_MAX)
_Static_assert(MAX_CONNS >= 3 * (DSM_NODES_MAX - 1),
	       "a slot for each connection a configured peer may have");
/* Send queue of a connection; a peer that lets it fill is dropped. */
#define SENDQ_MAX	(16U << 20)
/* Largest frame on a connection: a message and its tag. */
#define CONN_FRAME_MAX	(DSMC_MSG_MAX + DSM_AUTH_MAC_SIZE)

/* Where a connection's handshake is (peer.c, auth.c). */
enum conn_hs {
	HS_HELLO = 0,		/* waiting for HELLO (or HELLO_ACK) */
	HS_AUTH,		/* HELLO checked; challenge-response going on */
	HS_LINK,		/* data: LINK_INFO sent, waiting for the peer's */
};

/**
 * struct conn - a control or data connection, inbound or outbound
 * (conn.c; peer.c sets @ready, @peer and @version in the handshake).
 * @fd:		socket, -1 when the slot is free.
 * @peer:	node id; -1 for an inbound connection before its HELLO.
 * @from:	inbound: the node whose configured address it comes from.
 * @data:	a data connection (to the data port): after its handshake
 *		it goes to the kernel (datalink.c), never @ready.
 * @handoff:	a data connection's handshake is done: conn_read() hands
 *		it over once the frames read are consumed.
 * @outbound:	we connected (our id is the lower one).
 * @connecting:	non-blocking connect() in progress.
 * @ready:	handshake done.
 * @version:	protocol version agreed in the handshake.
 * @started:	when it was opened (ms), for the handshake timeout.
 * @wbuf:	send queue, grown up to SENDQ_MAX, freed when closed.
 * @hs_state:	enum conn_hs, until @ready.
 * @hello_inc:	the incarnation in the peer's HELLO (before @ready).
 * @got_chal:	the peer's AUTH_CHALLENGE arrived (auth.c).
 * @mac:	every frame carries a tag, under @tx and @rx (auth.c sets it
 *		when the handshake is done; conn.c seals and opens).
 * @hs:		the handshake's ids and nonces (auth.c).
 * @link:	data: the LINK_INFO we sent (datalink.c).
 * @peer_link:	data: the peer's, checked (datalink.c).
 * @wire:	data: the wire version the two kernels speak.
 */
struct conn {
	int fd;
	int peer;
	int from;
	bool data;
	bool handoff;
	bool outbound;
	bool connecting;
	bool ready;
	uint16_t version;
	int64_t started;
	size_t rlen;
	size_t wlen;
	size_t wcap;
	uint8_t *wbuf;
	uint8_t hs_state;
	bool got_chal;
	bool mac;
	uint64_t hello_inc;
	struct dsm_auth_hs hs;
	struct dsm_auth_link tx;
	struct dsm_auth_link rx;
	struct dsmc_link link;
	struct dsmc_link peer_link;
	uint16_t wire;
	uint8_t rbuf[CONN_FRAME_MAX];
};

/**
 * struct peer - what dsmd knows of another node (peer.c; conn.c keeps
 * @conn and @next_connect, the message handlers @last_rx and @bad_msgs).
 * @conn:	index of its connection in d.conns, or -1.
 * @incarnation: its dsmd's incarnation from the last handshake (0: none).
 * @kstate:	the state last reported to the kernel.
 * @last_rx:	when anything last arrived from it (ms).
 * @next_connect: when to try connecting next (ms; lower id connects).
 * @bad_msgs:	messages refused by the decoder.
 * @auth_failed: handshakes refused: wrong MAC, or a malformed challenge.
 * @bad_tags:	frames whose tag was wrong (modified, replayed, reordered).
 * @dconn:	its data connection being set up, or -1 (datalink.c).
 * @dhanded:	the kernel has its data connection (no LINK_DOWN since).
 * @next_data:	when to dial the data connection next (lower id dials).
 * @data_backoff: the delay after the next failure (ms).
 * @data_since:	when the last data connection was handed over (ms).
 * @added:	when it joined the configuration at run time (ms; 0: at
 *		start), for "unreachable" (membership.c).
 * @last_seen:	when a well-formed HELLO last came from it, or a
 *		connection to it connected (ms; fence.c).
 * @down_inc:	the incarnation it had when declared dead (timeout), or 0:
 *		its handshakes with that one are refused (fence.c).
 * @refused_logged: the refusal of @down_inc was logged (once).
 * @held_logged: "silent but no quorum" was logged (once per silence).
 */
struct peer {
	int conn;
	uint64_t incarnation;
	int kstate;
	int64_t last_rx;
	int64_t next_connect;
	uint64_t bad_msgs;
	uint64_t auth_failed;
	uint64_t bad_tags;
	int dconn;
	bool dhanded;
	int64_t next_data;
	unsigned int data_backoff;
	int64_t data_since;
	int64_t added;
	int64_t last_seen;
	uint64_t down_inc;
	bool refused_logged;
	bool held_logged;
	bool rehomed;
	bool home_old_logged;	/* memb_home.c: coordinator too old, said */
};

/**
 * struct leave_wait - the coordinator's graceful leave in progress
 * (leave.c; one at a time: membership.c refuses other changes).
 * @active:	one is in progress; the rest is valid.
 * @node:	the leaving node (maybe this one).
 * @asker:	who asked: a peer (its REQUEST), or this node (its dsmctl
 *		client, or SIGHUP).
 * @asker_cookie: the peer's REQUEST's cookie, or this node's
 *		d.client_cookie; 0: nobody waits for an answer (SIGHUP).
 * @cookie:	the LEAVE's, which the node's LEFT carries back.
 * @deadline:	when it fails with ETIMEDOUT (ms; leave_wait_ms()).
 * @asked:	the LEAVE went out (after the table in which the node homes
 *		nothing was pushed here).
 */
struct leave_wait {
	bool active;
	bool asked;
	unsigned int node;
	int asker;
	uint64_t asker_cookie;
	uint64_t cookie;
	int64_t deadline;
};

/**
 * struct leave_self - this node's own leave (leave.c).
 * @running:	the kernel said EINPROGRESS: ask it again at @next.
 * @to:		the coordinator that asked, to be told the end (LEFT;
 *		this node itself when it coordinates).
 * @cookie:	its LEAVE's, for the LEFT.
 * @next:	when to ask the kernel again (ms).
 */
struct leave_self {
	bool running;
	int to;
	uint64_t cookie;
	int64_t next;
};

/* dsmctl's way to dsmd (membership.c): a Unix socket, root only. */
#define DSMD_CTL_DIR	DSM_CTL_SOCKET_DIR
#define DSMD_CTL_PATH	DSM_CTL_SOCKET

/**
 * struct dsmd - the daemon's state, one instance: d.
 * @conf:	the configuration (main, before the loop).
 * @nl:		requests to the kernel (opened and reopened by kernel.c).
 * @ev:		the kernel's events (kernel.c).
 * @mgrnl:	the daemon's port: manager traffic (opened by kernel.c with
 *		mgrnl_open(), used by mgrnl.c).
 * @mgr:	lock and barrier managers, fed by mgrnl.c and peer.c.
 * @gone:	peers whose connection closed, not told to @mgr yet (set by
 *		conn.c, cleared by mgrnl_flush_gone()).
 * @next_stats:	when to log the managers' counters next (dsmd.c, at -v).
 * @logged:	the counters last logged (mgrnl.c).
 * @lfd:	the listening socket (conn.c).
 * @dfd:	the data port's listening socket (datalink.c).
 * @incarnation: this run's, sent in HELLO (main).
 * @conns:	connection slots (conn.c).
 * @peers:	per node id (peer.c, conn.c).
 * @start:	when dsmd started (ms; main), for "unreachable".
 * @next_hb:	when to send the next heartbeat (dsmd.c).
 * @hb_seq:	sequence number of the last heartbeat (dsmd.c).
 * @auth:	peers are authenticated with @key (auth_init()).
 * @key:	the cluster key (auth_init()).
 * @cluster_id:	FNV-1a of the cluster name, as the kernel's (auth_init()).
 * @fenced:	this node's kernel is fenced: no quorum (fence.c; read
 *		from the kernel by kernel.c at configuration).
 * @had_quorum:	a quorum was reachable since start (fence.c).
 * @fence_failed: the kernel refused to fence; logged once (fence.c).
 * @foreground:	log to stderr, not syslog (main).
 * @verbose:	log LOG_DEBUG too (main).
 */
struct dsmd {
	struct dsmd_conf conf;
	const char *conf_path;
	struct dsm_genl nl;
	struct dsm_genl ev;
	struct dsm_genl mgrnl;
	struct mgr mgr;
	uint64_t gone;
	int64_t next_stats;
	struct mgr_stats logged;
	int lfd;
	int dfd;
	uint64_t incarnation;
	struct dsm_home_table home;	/* the home table dsmd owns */
	/*
	 * membership.c: the table before @home (sent to a peer that
	 * connects, so a joining node sees both), whether @home waits to be
	 * pushed (until @home_deadline at most) and why it was adopted (a
	 * string literal, said when it is pushed), the control socket @cfd,
	 * its one client and the cookie of the client's REQUEST.
	 */
	struct dsm_home_table home_prev;
	bool home_pending;
	const char *home_why;
	int64_t home_deadline;
	int cfd;
	int client;
	size_t client_len;
	char client_buf[256];
	uint64_t client_cookie;
	int64_t client_deadline;
	uint64_t memb_cookie;
	/*
	 * The client's change asked of the coordinator is the del of
	 * @client_node, up here when asked: a leave (its answer's text).
	 */
	bool client_leave;
	unsigned int client_node;
	/* leave.c: the leave this coordinator waits for; this node's own. */
	struct leave_wait leave;
	struct leave_self leaving;
	/*
	 * SIGHUP (membership.c): the node lines of dsm.conf read again,
	 * and the nodes whose change was asked for since (one at a time;
	 * the next waits until @reload_next, or the answer to
	 * @reload_cookie).
	 */
	struct dsmd_conf reload;
	bool reloading;
	uint64_t reload_asked;
	int64_t reload_next;
	uint64_t reload_cookie;		/* of the last change asked */
	/*
	 * memb_home.c: adaptive homes, the coordinator's pending wishes
	 * and the counters (@home_logged: as last logged, mgrnl.c).
	 */
	struct home_adapt adapt;
	struct home_adapt_stats home_logged;
	struct conn conns[MAX_CONNS];
	struct peer peers[DSM_NODES_MAX];
	int64_t start;
	int64_t next_hb;
	uint64_t hb_seq;
	bool auth;
	uint8_t key[DSM_AUTH_KEY_SIZE];
	uint64_t cluster_id;
	bool fenced;
	bool had_quorum;
	bool fence_failed;
	bool foreground;
	bool verbose;
};

extern struct dsmd d;

/* dsmd.c */
void logm(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int64_t now_ms(void);			/* CLOCK_MONOTONIC */
void dsmd_stop(void);			/* exit 0 as on SIGTERM (node left) */

/* kernel.c */
/* Regions' default group: "dsm" of /etc/group, else 0 (root). */
uint32_t kernel_default_gid(void);
const char *kerr(int err);		/* d.nl's extended ack, or errno */
int kernel_open(void);			/* d.nl, d.ev, d.mgrnl: all or none;
					 * -EPROTO: an older module (logged) */
int kernel_configure(void);		/* CLUSTER_SET, NODE_ADD per node */
int kernel_push_home_table(const struct dsm_home_table *t, const char *why);
int kernel_home_get(struct dsm_home_table *t);
void kernel_home_base(struct dsm_home_table *base);
int kernel_node_add(unsigned int id);	/* NODE_ADD of configured node @id */
int kernel_node_del(unsigned int id);	/* NODE_DEL */
int kernel_leave(void);			/* LEAVE: 0, -EINPROGRESS, -errno */
uint64_t kernel_links_up(void);		/* nodes with a data connection */
int kernel_set_state(int id, int state, int reason, uint64_t inc);
void kernel_watch(void);		/* once a second: still configured? */
void kernel_events(void);		/* regions made here to the peers */
/* What our kernel tells peer @id in LINK_INFO (GET_STATUS); 0 or -errno. */
int kernel_link_info(int id, struct dsmc_link *l);
/*
 * PEER_SOCKET: @fd to the kernel as @id's data link, keys or NULLs, with
 * the peer's LINK_INFO @peer and the agreed wire version @wire.
 */
int kernel_peer_socket(int id, int fd, const struct dsm_auth_link *tx,
		       const struct dsm_auth_link *rx,
		       const struct dsmc_link *peer, uint16_t wire);

/* A changed module incarnation to d.incarnation, connections made again. */
int kernel_adopt_incarnation(void);

/* mgrnl.c */
struct nl_msg;
int mgrnl_open(void);
void mgrnl_recv(void);			/* whatever is queued, never blocks */
struct nl_msg *mgrnl_msg(uint8_t cmd);
int mgrnl_send(struct nl_msg *msg, bool sync);	/* consumes @msg */
int mgrnl_mgr_init(void);		/* d.mgr with the hooks */
void mgrnl_flush_gone(void);		/* d.gone to the managers */
void mgrnl_log_stats(int prio);

/* conn.c */
int conn_listen(void);			/* 0 or -errno */
int conn_listen_on(uint16_t port);	/* fd, or -errno */
void conn_accept(int lfd, bool data);
void conn_connect(int id, bool data);	/* we have the lower id */
void conn_connected(int ci);		/* connect() done: send HELLO */
void conn_close(int ci, const char *why);
int conn_send(int ci, const struct dsmc_msg *m);	/* -1: not queued */
void conn_broadcast(const struct dsmc_msg *m);	/* every ready conn */
void conn_flush(int ci);
void conn_read(int ci);			/* frames go to peer_message() */

/* peer.c */
void peer_fill_hello(struct dsmc_msg *m, uint16_t type);
void peer_message(int ci, const struct dsmc_msg *m);
void peer_down(int id, int reason);
void peer_region_sync(int ci);		/* our regions (not default) to @ci */
/* A REGION_ADD of the region in @tb (a REGION_GET reply or event). */
void peer_region_fill(struct dsmc_msg *m, struct nlattr **tb);
void peer_accept(int ci);		/* handshake done: the peer is up */

/* datalink.c */
int data_listen(void);			/* 0 or -errno: d.dfd */
void data_timers(void);			/* dial what is missing */
void data_link_begin(int ci);		/* authenticated: send LINK_INFO */
void data_link_info(int ci, const struct dsmc_link *l);	/* the peer's */
void data_handoff(int ci);		/* handshake done: to the kernel */
void data_link_down(int id);		/* the kernel's LINK_DOWN */
void data_closed(int ci);		/* @ci closes before a handoff */
void data_forget(int id);		/* the peer is down: no data link */

/* membership.c */
uint64_t memb_conf_mask(void);		/* bit i: node i is configured */
uint64_t memb_reachable(void);		/* this node, the members it reaches */
int memb_coordinator(void);		/* the lowest member reached */
/* The next home table with change @m; 0 or -errno and @err. */
int memb_next(const struct dsmc_msg *m, struct dsm_home_table *next,
	      char *err, size_t len);
/* Make change @m with @next: kernel, configuration, table to every peer. */
int memb_commit(const struct dsmc_msg *m, const struct dsm_home_table *next,
		char *err, size_t len);
void memb_client_answer(int err, const char *text);	/* and close it */
/* A table in which member @id homes nothing, to every peer: 1, 0, -errno. */
int memb_unhome(unsigned int id, const struct dsm_home_table *base,
		const char *why);
int memb_listen(void);			/* the control socket: d.cfd */
void memb_accept(void);			/* a dsmctl connects */
void memb_client_read(void);		/* its request */
void memb_client_timers(void);		/* one that waits too long */
void memb_timers(void);			/* push an adopted table */
void memb_node_failed(unsigned int id);	/* re-home a dead node's buckets */
void memb_reload(void);			/* SIGHUP: dsm.conf's node lines */
void memb_peer_ready(int ci);		/* our tables to a new peer */
void memb_message(int from, const struct dsmc_msg *m);	/* MEMBERS */
bool memb_is_member(void);		/* this node is in its table */
uint64_t memb_down(void);		/* members declared down */
/* The coordinator's table @next (same members) here and to every peer. */
void memb_distribute(const struct dsm_home_table *next, const char *why);

/* memb_home.c: adaptive homes (home_adapt.h) */
/* Wishes @to of home @from (this node's kernel), counted under @epoch. */
void memb_home_wishes(uint32_t from, uint64_t epoch,
		      const uint8_t to[DSMC_HOME_BUCKETS]);
void memb_home_request(int from, const struct dsmc_msg *m);	/* MOVE */
void memb_home_timers(void);		/* the coordinator makes a table */
void memb_home_log_stats(int prio);	/* the "home:" line */

/* leave.c */
int64_t leave_wait_ms(void);		/* how long a leave may take */
int leave_waiting(void);		/* the node it waits for, or -1 */
/*
 * The coordinator starts node @id's leave for @asker (a peer, or this
 * node) and its @asker_cookie: -EINPROGRESS (the answer comes when it
 * ends), or -errno; @err says which.
 */
int leave_start(unsigned int id, int asker, uint64_t asker_cookie,
		char *err, size_t len);
void leave_message(int from, const struct dsmc_msg *m);	/* LEAVE, LEFT */
void leave_timers(void);		/* the kernel asked again; deadline */
void leave_peer_down(int id);		/* a leaving node went down */
/* What the end @err of node @id's leave means; @epoch 0: not said. */
void leave_text(unsigned int id, int err, uint64_t epoch, char *buf,
		size_t len);
/* fence.c */
bool fence_may_declare(int id, int64_t now);	/* quorum without @id? */
void fence_timers(int64_t now);		/* fence, or rejoin */
bool fence_hello_check(int id, uint64_t inc);	/* false: refused */
void fence_seen(int id);		/* a sign of life short of a handshake */

/* auth.c */
int auth_init(char *err, size_t errlen);	/* key, self-test; main */
void auth_log_mode(void);		/* at start: which, loudly if none */
void auth_hello_sent(int ci);		/* initiator: our AUTH_CHALLENGE */
void auth_message(int ci, const struct dsmc_msg *m);	/* in HS_AUTH */
void auth_bad_tag(int ci);		/* count, log, close */

#endif /* DSMD_H */
