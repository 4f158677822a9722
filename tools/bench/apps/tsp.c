// SPDX-License-Identifier: GPL-2.0
/*
 * tsp - travelling salesman by branch and bound on an lrc region.
 *
 * CITIES cities at seeded random points, integer (rounded Euclidean)
 * distances. Node 0 writes the distances and a work queue: every partial
 * tour 0 -> x -> y (PREFIX cities). Each node then repeatedly takes the next
 * partial tour under the queue lock, reads the global bound under the
 * bound lock, and searches every completion depth first, pruning with the
 * bound (cost so far plus, for the current city and every unvisited one,
 * its cheapest edge out). A better complete tour is published under the
 * bound lock if it still beats the global bound. The queue and the bound
 * live on pages of their own; each lock's data moves with the lock.
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

#define SEED		0x747370ULL
#define MAX_CITIES	18
#define PREFIX		3		/* cities in a queued partial tour */
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

struct search {
	int n;
	const int (*dist)[MAX_CITIES];
	int min_out[MAX_CITIES];
	int path[MAX_CITIES];
	int bound;			/* local copy of the global bound */
	long nodes_visited;
	/* found a tour cheaper than bound: publish it, update bound */
	void (*found)(struct search *s, int cost);
	struct app *a;
	struct tsp_bound *gb;
};

static void make_cities(int n, int dist[MAX_CITIES][MAX_CITIES])
{
	double x[MAX_CITIES], y[MAX_CITIES];
	int i, j;

	for (i = 0; i < n; i++) {
		x[i] = (double)(app_rand(SEED, 2 * i) % 1000);
		y[i] = (double)(app_rand(SEED, 2 * i + 1) % 1000);
	}
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			dist[i][j] = (int)lround(hypot(x[i] - x[j], y[i] - y[j]));
}

static void search_init(struct search *s, int n,
			const int (*dist)[MAX_CITIES])
{
	int i, j;

	s->n = n;
	s->dist = dist;
	s->nodes_visited = 0;
	for (i = 0; i < n; i++) {
		s->min_out[i] = INT_MAX;
		for (j = 0; j < n; j++)
			if (j != i && dist[i][j] < s->min_out[i])
				s->min_out[i] = dist[i][j];
		if (n == 1)
			s->min_out[i] = 0;
	}
}

/*
 * Extend path[0..depth) (cost so far, visited mask, lb = sum of min_out
 * of the unvisited cities) to every complete tour back to city 0.
 */
static void dfs(struct search *s, int depth, int cost, unsigned int visited,
		int lb)
{
	int last = s->path[depth - 1], c;

	s->nodes_visited++;
	if (depth == s->n) {
		cost += s->dist[last][0];
		if (cost < s->bound)
			s->found(s, cost);
		return;
	}
	if (cost + s->min_out[last] + lb >= s->bound)
		return;
	for (c = 1; c < s->n; c++) {
		if (visited & (1u << c))
			continue;
		s->path[depth] = c;
		dfs(s, depth + 1, cost + s->dist[last][c], visited | (1u << c),
		    lb - s->min_out[c]);
	}
}

/* Search the completions of path[0..depth). */
static void search_from(struct search *s, int depth)
{
	unsigned int visited = 0;
	int cost = 0, lb = 0, i;

	for (i = 0; i < depth; i++) {
		visited |= 1u << s->path[i];
		if (i)
			cost += s->dist[s->path[i - 1]][s->path[i]];
	}
	for (i = 0; i < s->n; i++)
		if (!(visited & (1u << i)))
			lb += s->min_out[i];
	dfs(s, depth, cost, visited, lb);
}

static int serial_best;
static int serial_tour[MAX_CITIES];

static void found_serial(struct search *s, int cost)
{
	s->bound = cost;
	serial_best = cost;
	memcpy(serial_tour, s->path, sizeof(serial_tour));
}

static void found_shared(struct search *s, int cost)
{
	app_lock(s->a, BOUND_LOCK);
	if (cost < s->gb->best) {
		s->gb->best = cost;
		memcpy(s->gb->tour, s->path, s->n * sizeof(int));
	}
	s->bound = s->gb->best;
	app_unlock(s->a, BOUND_LOCK);
}

/* A permutation of the cities starting at 0, of length @cost? */
static int check_tour(struct app *a, int n, const int (*dist)[MAX_CITIES],
		      const int *tour, int cost)
{
	unsigned int seen = 0;
	int len = 0, i;

	for (i = 0; i < n; i++) {
		if (tour[i] < 0 || tour[i] >= n || (seen & (1u << tour[i]))) {
			app_diff(a, "shared best tour is not a permutation (position %d: %d)",
				 i, tour[i]);
			return 0;
		}
		seen |= 1u << tour[i];
		len += dist[tour[i]][tour[(i + 1) % n]];
	}
	if (tour[0] != 0 || len != cost) {
		app_diff(a, "shared best tour starts at %d and is %d long, claims %d",
			 tour[0], len, cost);
		return 0;
	}
	return 1;
}

int main(int argc, char **argv)
{
	struct app a = {
		.name = "tsp",
		.args = "CITIES",
		.about = "Branch and bound travelling salesman over CITIES (4 to 18)\n"
			 "seeded random cities; a shared queue of partial tours and\n"
			 "the global bound, each under a lock.",
	};
	struct tsp_const *k;
	struct tsp_queue *q;
	struct tsp_bound *gb;
	struct search s;
	long jobs_done = 0, visited;
	int n, i, j, ok = 1;

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
	s.a = &a;
	s.gb = gb;
	for (;;) {
		app_lock(&a, QUEUE_LOCK);
		j = q->next < k->njobs ? q->next++ : -1;
		app_unlock(&a, QUEUE_LOCK);
		if (j < 0)
			break;
		app_lock(&a, BOUND_LOCK);
		s.bound = gb->best;
		app_unlock(&a, BOUND_LOCK);
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

	if (a.node == 0) {
		int dist[MAX_CITIES][MAX_CITIES];

		make_cities(n, dist);
		search_init(&s, n, (const int (*)[MAX_CITIES])dist);
		s.found = found_serial;
		s.bound = INT_MAX;
		serial_best = INT_MAX;
		s.path[0] = 0;
		search_from(&s, 1);
		printf("tsp: %d cities, optimum %d (serial), shared best %d\n",
		       n, serial_best, gb->best);
		if (gb->best != serial_best) {
			app_diff(&a, "shared best tour costs %d, serial optimum %d",
				 gb->best, serial_best);
			ok = 0;
		} else {
			ok = check_tour(&a, n, (const int (*)[MAX_CITIES])dist,
					gb->tour, gb->best);
		}
	}
	app_finish(&a, ok);
}
