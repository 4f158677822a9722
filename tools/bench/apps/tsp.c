// SPDX-License-Identifier: GPL-2.0
/*
 * tsp - travelling salesman by branch and bound on an lrc region.
 *
 * CITIES cities at seeded random points, integer (rounded Euclidean)
 * distances. Node 0 writes the distances and a work queue: every partial
 * tour 0 -> x -> y (PREFIX cities). Each node then repeatedly takes the next
 * partial tour under the queue lock, and searches every completion depth
 * first, pruning with the bound (cost so far plus, for the current city
 * and every unvisited one, its cheapest edge out). A better complete tour
 * is published under the bound lock if it still beats the global bound.
 * The queue and the bound live on pages of their own.
 *
 * The bound a job starts from is read without its lock, as TreadMarks'
 * TSP reads it: the queue lock's grant brings every interval its granter
 * had seen, the bound's among them, so the read sees the bound as of the
 * job's hand-over, one lock acquire per job instead of two (the message
 * passing baseline sends the bound with each job). Any bound read is the
 * cost of a real tour, so pruning with an older one only searches more;
 * the result is decided under the bound lock.
 *
 * Verification (node 0): the same search run serially from city 0 finds
 * the optimum; the shared best tour must cost exactly that, and be a
 * permutation of the cities whose length is the cost it claims.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps_common.h"
#include "tsp.h"

#define QUEUE_LOCK	(APP_LOCK_BASE + 0)
#define BOUND_LOCK	(APP_LOCK_BASE + 1)

struct tsp_const {			/* written by node 0 before a barrier */
	int n;
	int dist[MAX_CITIES][MAX_CITIES];
	int njobs;
	unsigned char job[MAX_CITIES * MAX_CITIES][PREFIX];
};

struct tsp_queue {			/* under QUEUE_LOCK */
	int next;
};

struct tsp_bound {			/* under BOUND_LOCK */
	int best;
	int tour[MAX_CITIES];
};

static struct app *the_app;

static void found_shared(struct search *s, int cost)
{
	struct tsp_bound *gb = s->priv;

	app_lock(the_app, BOUND_LOCK);
	if (cost < gb->best) {
		gb->best = cost;
		memcpy(gb->tour, s->path, s->n * sizeof(int));
	}
	s->bound = gb->best;
	app_unlock(the_app, BOUND_LOCK);
}

int main(int argc, char **argv)
{
	struct app a = {
		.name = "tsp",
		.args = "CITIES",
		.about = "Branch and bound travelling salesman over CITIES (4 to 18)\n"
			 "seeded random cities; a shared queue of partial tours under\n"
			 "a lock, the global bound published under another.",
	};
	struct tsp_const *k;
	struct tsp_queue *q;
	struct tsp_bound *gb;
	struct search s;
	long jobs_done = 0, visited;
	int n, i, j, bound, ok = 1;

	app_args(&a, argc, argv, 1, 1);
	n = app_arg(&a, 0, "CITIES", PREFIX + 1, MAX_CITIES);
	app_start(&a);
	app_map(&a, 2 * APP_PAGE + app_pages(sizeof(*k)));
	q = app_data(&a);
	gb = (struct tsp_bound *)((char *)q + APP_PAGE);
	k = (struct tsp_const *)((char *)gb + APP_PAGE);

	if (a.node == 0) {
		k->n = n;
		make_cities(n, k->dist);
		k->njobs = 0;
		for (i = 1; i < n; i++)
			for (j = 1; j < n; j++) {
				if (i == j)
					continue;
				k->job[k->njobs][0] = 0;
				k->job[k->njobs][1] = i;
				k->job[k->njobs][2] = j;
				k->njobs++;
			}
		q->next = 0;
		gb->best = INT_MAX;
		memset(gb->tour, 0, sizeof(gb->tour));
	}
	app_barrier(&a);

	app_timer_start(&a);
	search_init(&s, k->n, (const int (*)[MAX_CITIES])k->dist);
	s.found = found_shared;
	the_app = &a;
	s.priv = gb;
	s.bound = INT_MAX;
	for (;;) {
		app_lock(&a, QUEUE_LOCK);
		j = q->next < k->njobs ? q->next++ : -1;
		app_unlock(&a, QUEUE_LOCK);
		if (j < 0)
			break;
		/* Racy by design (above): a real tour's cost, never below the optimum. */
		bound = *(volatile int *)&gb->best;
		if (bound < s.bound)
			s.bound = bound;
		for (i = 0; i < PREFIX; i++)
			s.path[i] = k->job[j][i];
		search_from(&s, PREFIX);
		jobs_done++;
	}
	visited = s.nodes_visited;
	app_barrier(&a);
	app_timer_stop(&a);
	printf("tsp: node %d searched %ld partial tours, %ld search nodes\n",
	       a.node, jobs_done, visited);

	if (a.node == 0)
		ok = tsp_verify(&a, n, gb->best, gb->tour);
	app_finish(&a, ok);
}
