/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tsp.h - the cities and the branch and bound search of tsp, shared by
 * the dsm program (tsp.c) and its message-passing baseline (../mp/tsp.c).
 */
#ifndef TSP_H
#define TSP_H

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "apps_common.h"

#define TSP_SEED	0x747370ULL
#define MAX_CITIES	18
#define PREFIX		3		/* cities in a queued partial tour */

struct search {
	int n;
	const int (*dist)[MAX_CITIES];
	int min_out[MAX_CITIES];
	int path[MAX_CITIES];
	int bound;			/* local copy of the global bound */
	long nodes_visited;
	/* found a tour cheaper than bound: publish it, update bound */
	void (*found)(struct search *s, int cost);
	void *priv;			/* for found() */
};

static void make_cities(int n, int dist[MAX_CITIES][MAX_CITIES])
{
	double x[MAX_CITIES], y[MAX_CITIES];
	int i, j;

	for (i = 0; i < n; i++) {
		x[i] = (double)(app_rand(TSP_SEED, 2 * i) % 1000);
		y[i] = (double)(app_rand(TSP_SEED, 2 * i + 1) % 1000);
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

/*
 * Node 0's check: the same search run serially from city 0 finds the
 * optimum; @best must be exactly that, and @tour a permutation of the
 * cities whose length is @best. Prints the optimum; returns 1 if ok.
 */
static int tsp_verify(struct app *a, int n, int best, const int *tour)
{
	int dist[MAX_CITIES][MAX_CITIES];
	struct search s;

	make_cities(n, dist);
	search_init(&s, n, (const int (*)[MAX_CITIES])dist);
	s.found = found_serial;
	s.bound = INT_MAX;
	serial_best = INT_MAX;
	s.path[0] = 0;
	search_from(&s, 1);
	printf("%s: %d cities, optimum %d (serial), shared best %d\n",
	       a->name, n, serial_best, best);
	if (best != serial_best) {
		app_diff(a, "shared best tour costs %d, serial optimum %d",
			 best, serial_best);
		return 0;
	}
	return check_tour(a, n, (const int (*)[MAX_CITIES])dist, tour, best);
}

#endif
