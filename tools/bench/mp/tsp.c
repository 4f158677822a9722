// SPDX-License-Identifier: GPL-2.0
/*
 * tsp-mp - the message-passing baseline of tsp (../apps/tsp.c): the same
 * cities, partial tours and search, with the work queue and the global
 * bound kept by a master instead of shared under locks.
 *
 * Node 0 holds the queue of partial tours and the best tour; a thread of
 * its own serves the other nodes, while its main thread searches like
 * every other node (taking jobs from the queue directly, under a mutex).
 * A node asks for the next job with an empty message and gets the job's
 * prefix with the current bound (no job left: -1); a better complete
 * tour goes to node 0 at once (its cost and cities). Every node computes
 * the distances itself from the seed, as the dsm program's node 0 does.
 *
 * Verification (node 0): as tsp's (the serial optimum, a tour of that
 * length); result: the optimum found.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "mp.h"
#include "tsp.h"

#define TAG_REQ		(MP_TAG_APP + 0)	/* a node wants a job; empty */
#define TAG_JOB		(MP_TAG_APP + 1)	/* struct job_msg */
#define TAG_BEST	(MP_TAG_APP + 2)	/* struct best_msg */

struct job_msg {
	int32_t job;			/* -1: none left */
	int32_t best;			/* the bound now */
	uint8_t prefix[PREFIX];
	uint8_t pad;
};

struct best_msg {
	int32_t cost;
	uint8_t tour[MAX_CITIES];
	uint8_t pad[2];
};

/* Node 0's queue and bound: its main thread and its server share them. */
static struct master {
	pthread_mutex_t lock;
	int n, next, njobs;
	unsigned char job[MAX_CITIES * MAX_CITIES][PREFIX];
	int best;
	int tour[MAX_CITIES];
} q = { .lock = PTHREAD_MUTEX_INITIALIZER, .best = INT_MAX };

static struct mp m = { .a = {
	.name = "tsp-mp",
	.args = "CITIES",
	.about = "Branch and bound travelling salesman over CITIES (4 to 18)\n"
		 "seeded random cities; node 0 keeps the queue of partial tours\n"
		 "and the bound and serves the others' requests.",
} };

static struct job_msg take_job(void)
{
	struct job_msg j = { .job = -1 };

	pthread_mutex_lock(&q.lock);
	if (q.next < q.njobs) {
		j.job = q.next++;
		memcpy(j.prefix, q.job[j.job], PREFIX);
	}
	j.best = q.best;
	pthread_mutex_unlock(&q.lock);
	return j;
}

static void publish(int cost, const int *tour)
{
	pthread_mutex_lock(&q.lock);
	if (cost < q.best) {
		q.best = cost;
		memcpy(q.tour, tour, q.n * sizeof(int));
	}
	pthread_mutex_unlock(&q.lock);
}

/*
 * Node 0's server: until every other node has been told "no job left"
 * (and then listens to it no more: its next message is its verdict).
 */
static void *serve(void *arg)
{
	unsigned int busy = ((1u << m.a.nodes) - 1) & ~1u;
	int tour[MAX_CITIES], from, i;
	struct best_msg b;
	struct job_msg j;
	uint32_t tag;
	size_t got;

	(void)arg;
	while (busy) {
		from = mp_recv_any(&m, busy, &b, sizeof(b), &tag, &got);
		if (tag == TAG_REQ && got == 0) {
			j = take_job();
			mp_send(&m, from, TAG_JOB, &j, sizeof(j));
			if (j.job < 0)
				busy &= ~(1u << from);
		} else if (tag == TAG_BEST && got == sizeof(b)) {
			for (i = 0; i < q.n; i++)
				tour[i] = b.tour[i];
			publish(b.cost, tour);	/* tsp_verify checks the tour */
		} else {
			app_die(&m.a, "node %d sent tag %u of %zu bytes", from, tag, got);
		}
	}
	return NULL;
}

static void found_mp(struct search *s, int cost)
{
	struct best_msg b = { .cost = cost };
	int i;

	s->bound = cost;
	if (m.a.node == 0) {
		publish(cost, s->path);
		return;
	}
	for (i = 0; i < s->n; i++)
		b.tour[i] = s->path[i];
	mp_send(&m, 0, TAG_BEST, &b, sizeof(b));
}

static struct job_msg next_job(void)
{
	struct job_msg j;

	if (m.a.node == 0)
		return take_job();
	mp_send(&m, 0, TAG_REQ, NULL, 0);
	mp_recv(&m, 0, TAG_JOB, &j, sizeof(j));
	if (j.job >= 0 && (j.prefix[0] >= q.n || j.prefix[1] >= q.n ||
			   j.prefix[2] >= q.n))
		app_die(&m.a, "node 0 sent job %d with a city beyond %d", j.job, q.n);
	return j;
}

int main(int argc, char **argv)
{
	int dist[MAX_CITIES][MAX_CITIES];
	long jobs_done = 0;
	struct search s;
	struct job_msg j;
	pthread_t server;
	int i, k, ok = 1;

	mp_args(&m, argc, argv, 1, 1);
	q.n = mp_arg(&m, 0, "CITIES", PREFIX + 1, MAX_CITIES);
	mp_start(&m);
	make_cities(q.n, dist);
	if (m.a.node == 0)
		for (i = 1; i < q.n; i++)
			for (k = 1; k < q.n; k++) {
				if (i == k)
					continue;
				q.job[q.njobs][0] = 0;
				q.job[q.njobs][1] = i;
				q.job[q.njobs][2] = k;
				q.njobs++;
			}
	mp_barrier(&m);

	m.a.t0 = app_now_ms();
	if (m.a.node == 0 && m.a.nodes > 1 &&
	    pthread_create(&server, NULL, serve, NULL))
		app_die(&m.a, "cannot start the server thread");
	search_init(&s, q.n, (const int (*)[MAX_CITIES])dist);
	s.found = found_mp;
	for (;;) {
		j = next_job();
		if (j.job < 0)
			break;
		s.bound = j.best;
		for (i = 0; i < PREFIX; i++)
			s.path[i] = j.prefix[i];
		search_from(&s, PREFIX);
		jobs_done++;
	}
	if (m.a.node == 0 && m.a.nodes > 1)
		pthread_join(server, NULL);
	m.a.t1 = app_now_ms();
	printf("tsp-mp: node %d searched %ld partial tours, %ld search nodes\n",
	       m.a.node, jobs_done, s.nodes_visited);

	if (m.a.node == 0)
		ok = tsp_verify(&m.a, q.n, q.best, q.tour);
	mp_finish(&m, ok, MP_SUM_INT, m.a.node ? 0 : (uint64_t)q.best, 0);
}
