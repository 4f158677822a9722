/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mp.h - the message-passing layer of the baselines (issue 17 item 5):
 * jacobi, water, isort and tsp written the way PVM programs were, with
 * plain TCP between the nodes and no shared memory, to say what the dsm
 * programs of ../apps cost next to exchanging exactly the data needed.
 *
 * Every pair of processes has one TCP connection (TCP_NODELAY). A message
 * is an 8-byte header (tag, payload length) and the payload; each process
 * counts what it sends: one message and header + payload bytes per
 * message, everything it writes, setup and the final gather included.
 *
 * A program runs in one of two ways:
 *
 *   (default)   on every node of a cluster at once: this node's id and the
 *               nodes' addresses come from dsmd's configuration (--conf,
 *               default /etc/dsm/dsm.conf: its node-id and node lines);
 *               node i listens on its address at PORT + i (--port, default
 *               7950, away from dsmd's 7900 and 7901).
 *   --local N   N forked processes on 127.0.0.1 (host tests), listening
 *               on ports the kernel picks; the parent waits for them.
 *
 * Node i connects to every lower node and accepts every higher one,
 * retrying for up to 120 s (times DSM_TEST_TIME_FACTOR) and saying which
 * node it waited for. A receive waits up to 30 minutes (likewise) and
 * names the peer and the message it waited for; a peer that closes its
 * end is an error.
 *
 * Output: node 0 prints exactly one line starting with "app=":
 *   app=NAME nodes=N size=SIZE time_ms=T msgs=M bytes=B result=R verify=ok|FAIL
 * with M and B summed over the nodes. Exit status: 0 verified, 1 not
 * verified or an error, 2 bad arguments.
 */
#ifndef MP_H
#define MP_H

#include <stddef.h>
#include <stdint.h>

#include "apps_common.h"

#define MP_PORT		7950	/* default base port */

/* Message tags; 0 is "any tag" in a receive. */
enum {
	MP_TAG_ANY,
	MP_TAG_HELLO,		/* connector's node id, once per connection */
	MP_TAG_BARRIER,
	MP_TAG_FINISH,		/* struct mp_fin, to node 0 */
	MP_TAG_APP = 16,	/* the programs' own tags from here */
};

struct mp {
	struct app a;		/* name, node, nodes, size, argv, timer */
	int fd[APP_MAX_NODES];	/* connection to node i; -1 for this node */
	uint64_t msgs, bytes;	/* sent by this process */
	const char *conf;	/* --conf */
	int port;		/* --port */
	int local;		/* --local N, or 0 */
};

/*
 * One message of an exchange. Out: @len bytes of @buf to @peer. In: a
 * message from @peer with @tag (MP_TAG_ANY: any, and @tag is set to the
 * one received) and at most @len bytes, stored in @buf; @len is set to
 * the length received.
 */
struct mp_xfer {
	int peer;
	uint32_t tag;
	void *buf;
	size_t len;
	/* private */
	uint32_t hdr[2];
	size_t done;		/* header and payload bytes so far */
};

/*
 * Parse the options (--local N, --conf FILE, --port PORT, --help) and
 * check that nmin..nmax positional arguments remain, left in
 * m->a.argc/argv. Usage and exit 2 on bad arguments.
 */
void mp_args(struct mp *m, int argc, char **argv, int nmin, int nmax);
long mp_arg(struct mp *m, int i, const char *what, long min, long max);
void mp_usage(struct mp *m, const char *why) __attribute__((noreturn));

/*
 * Learn node id and count and connect every pair (with --local fork the
 * nodes first: this returns once in every node process).
 */
void mp_start(struct mp *m);

/*
 * Move every message of @out and @in at once (no order between them, so
 * that no two nodes wait on each other's full socket buffers). At most
 * one message to and one from each peer per call. Errors end the
 * process (exit 1).
 */
void mp_exchange(struct mp *m, struct mp_xfer *out, int nout,
		 struct mp_xfer *in, int nin);

/*
 * To every other node j @ol[j] bytes at @ob[j]; from it into @ib[j] at
 * most @il[j] bytes, the length received left in @il[j] (this node's
 * entries are not used).
 */
void mp_all_to_all(struct mp *m, uint32_t tag, void **ob, size_t *ol,
		   void **ib, size_t *il);

void mp_send(struct mp *m, int to, uint32_t tag, const void *buf, size_t len);
/* Receive exactly @len bytes with @tag from @from. */
void mp_recv(struct mp *m, int from, uint32_t tag, void *buf, size_t len);
/*
 * Receive the next message from whichever of the nodes in the bit mask
 * @peers sends first: at most @len bytes, any tag. Returns the sender;
 * *tag and *got say what came.
 */
int mp_recv_any(struct mp *m, unsigned int peers, void *buf, size_t len,
		uint32_t *tag, size_t *got);

/* Every node has reached this point (gather at node 0, then release). */
void mp_barrier(struct mp *m);

/* How node 0 prints the result the nodes contribute to mp_finish(). */
enum mp_result {
	MP_SUM_HEX,	/* sum (mod 2^64) of every node's @u, in hex */
	MP_SUM_INT,	/* the same in decimal */
	MP_SUM_REAL,	/* sum of every node's @d in node order, %.9e */
};

/*
 * Give this node's verdict and its part of the result; node 0 gathers
 * them with every node's counts and prints the summary line. Exits: 0
 * when this node's (node 0: every node's) verdict is ok.
 */
void mp_finish(struct mp *m, int ok, enum mp_result kind, uint64_t u,
	       double d) __attribute__((noreturn));

/* A partition-independent checksum: the hash of (index, value bits). */
static inline uint64_t mp_hash(uint64_t index, uint64_t bits)
{
	return app_rand(bits, index);
}

#endif
