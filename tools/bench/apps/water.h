/* SPDX-License-Identifier: GPL-2.0 */
/*
 * water.h - the physics of water, shared by the dsm program (water.c) and
 * its message-passing baseline (../mp/water.c): the initial molecules,
 * the pair forces, the integration steps, the serial run and the check
 * against it (water.c explains the tolerance).
 */
#ifndef WATER_H
#define WATER_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps_common.h"

#define WATER_SEED	0x77617465ULL
#define DT		0.002
#define CUTOFF		2.5
#define SPACING		1.15		/* initial lattice */
#define TOLERANCE	1e-8

struct vec {
	double x[3];
};

static void init_molecule(long i, long m, struct vec *pos, struct vec *vel)
{
	long side = (long)ceil(cbrt((double)m));
	long c[3] = { i % side, (i / side) % side, i / (side * side) };
	int d;

	for (d = 0; d < 3; d++) {
		uint64_t r = app_rand(WATER_SEED, 6 * i + d);
		uint64_t s = app_rand(WATER_SEED, 6 * i + 3 + d);

		pos->x[d] = c[d] * SPACING + ((double)(r % 2001) - 1000) * 5e-5;
		vel->x[d] = ((double)(s % 2001) - 1000) * 1e-3;
	}
}

/*
 * Pair forces of molecules [lo, hi) with their next m/2 neighbours,
 * accumulated into acc (zeroed here). Returns the interactions inside
 * the cutoff.
 */
static long pair_forces(const struct vec *pos, struct vec *acc, long m,
			long lo, long hi)
{
	long i, k, j, inside = 0;
	int d;

	memset(acc, 0, m * sizeof(*acc));
	for (i = lo; i < hi; i++)
		for (k = 1; k <= m / 2; k++) {
			double r[3], r2 = 0, inv2, inv6, f;

			/* with m even, the pair at distance m/2 counts once */
			if (m % 2 == 0 && k == m / 2 && i >= m / 2)
				continue;
			j = (i + k) % m;
			for (d = 0; d < 3; d++) {
				r[d] = pos[i].x[d] - pos[j].x[d];
				r2 += r[d] * r[d];
			}
			if (r2 >= CUTOFF * CUTOFF)
				continue;
			inside++;
			inv2 = 1.0 / r2;
			inv6 = inv2 * inv2 * inv2;
			f = 24.0 * inv2 * inv6 * (2.0 * inv6 - 1.0);
			for (d = 0; d < 3; d++) {
				acc[i].x[d] += f * r[d];
				acc[j].x[d] -= f * r[d];
			}
		}
	return inside;
}

static void drift(struct vec *pos, const struct vec *vel,
		  const struct vec *fold, long lo, long hi)
{
	long i;
	int d;

	for (i = lo; i < hi; i++)
		for (d = 0; d < 3; d++)
			pos[i].x[d] += vel[i].x[d] * DT +
				       0.5 * fold[i].x[d] * DT * DT;
}

static void kick(struct vec *vel, struct vec *fold, const struct vec *force,
		 long lo, long hi)
{
	long i;
	int d;

	for (i = lo; i < hi; i++)
		for (d = 0; d < 3; d++) {
			vel[i].x[d] += 0.5 * (fold[i].x[d] + force[i].x[d]) * DT;
			fold[i].x[d] = force[i].x[d];
		}
}

static void serial_run(long m, long steps, struct vec *pos, struct vec *vel)
{
	struct vec *force = malloc(m * sizeof(*force));
	struct vec *fold = malloc(m * sizeof(*fold));
	long i, s;

	if (!force || !fold) {
		fprintf(stderr, "water: out of memory for the serial run\n");
		exit(1);
	}
	for (i = 0; i < m; i++)
		init_molecule(i, m, &pos[i], &vel[i]);
	pair_forces(pos, force, m, 0, m);
	memcpy(fold, force, m * sizeof(*fold));
	for (s = 0; s < steps; s++) {
		drift(pos, vel, fold, 0, m);
		pair_forces(pos, force, m, 0, m);
		kick(vel, fold, force, 0, m);
	}
	free(force);
	free(fold);
}

/*
 * Compare positions and velocities of molecules [lo, hi) with the serial
 * run of @steps steps; the largest difference goes to *worst. Returns 1
 * if every one is within TOLERANCE.
 */
static int water_check(struct app *a, const struct vec *pos,
		       const struct vec *vel, long m, long steps, long lo,
		       long hi, double *worst)
{
	struct vec *rpos, *rvel;
	long i;
	int d, ok = 1;

	*worst = 0;
	rpos = malloc(m * sizeof(*rpos));
	rvel = malloc(m * sizeof(*rvel));
	if (!rpos || !rvel)
		app_die(a, "out of memory for the serial run");
	serial_run(m, steps, rpos, rvel);
	for (i = lo; i < hi; i++)
		for (d = 0; d < 3; d++) {
			double dp = fabs(pos[i].x[d] - rpos[i].x[d]);
			double dv = fabs(vel[i].x[d] - rvel[i].x[d]);

			/* NaN compares false: count it as a difference */
			if (!(dp <= TOLERANCE && dv <= TOLERANCE)) {
				if (ok)
					app_diff(a, "molecule %ld axis %d: position %.17g (serial %.17g), velocity %.17g (serial %.17g)",
						 i, d, pos[i].x[d], rpos[i].x[d],
						 vel[i].x[d], rvel[i].x[d]);
				ok = 0;
			}
			*worst = fmax(*worst, fmax(dp, dv));
		}
	free(rpos);
	free(rvel);
	return ok;
}

#endif
