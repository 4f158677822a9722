// SPDX-License-Identifier: GPL-2.0
/*
 * water-mp - the message-passing baseline of water (../apps/water.c): the
 * same molecules, pair forces and integration, the molecules split in
 * the same blocks, with positions and forces sent instead of shared.
 *
 * Node i owns molecules [lo, hi) and computes the same pairs as the dsm
 * program's node i (each of its molecules with the next M/2). A step:
 *
 *   own molecules: x += v dt + f_old dt^2 / 2
 *   positions: every node sends its block to every other (all-gather)
 *   pair forces into a private array
 *   forces: every node sends each other node the partial forces on that
 *   node's block, and adds the partials it receives to its own, in node
 *   order (reduce-scatter; stands for the locks and the second barrier)
 *   own molecules: v += (f_old + f) dt / 2, f_old = f
 *
 * Verification: as water's (the serial run, within its tolerance);
 * result: the kinetic energy, summed over the nodes in node order
 * (printed to 10 digits: the sums differ in the last bits between
 * partitionings, as water.c explains).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp.h"
#include "water.h"

#define TAG_POS		(MP_TAG_APP + 0)
#define TAG_FORCE	(MP_TAG_APP + 1)

struct run {
	struct mp *m;
	long n, lo[APP_MAX_NODES], hi[APP_MAX_NODES];
	struct vec *pos, *acc, *part, *force;
};

/* Send my block of positions to everyone; receive theirs in place. */
static void gather_positions(struct run *r)
{
	struct mp_xfer out[APP_MAX_NODES], in[APP_MAX_NODES];
	int me = r->m->a.node, j, nx = 0;

	for (j = 0; j < r->m->a.nodes; j++) {
		if (j == me)
			continue;
		out[nx] = (struct mp_xfer){ .peer = j, .tag = TAG_POS,
			.buf = &r->pos[r->lo[me]],
			.len = (r->hi[me] - r->lo[me]) * sizeof(struct vec) };
		in[nx++] = (struct mp_xfer){ .peer = j, .tag = TAG_POS,
			.buf = &r->pos[r->lo[j]],
			.len = (r->hi[j] - r->lo[j]) * sizeof(struct vec) };
	}
	mp_exchange(r->m, out, nx, in, nx);
	for (j = 0; j < nx; j++) {
		int from = in[j].peer;

		if (in[j].len != (r->hi[from] - r->lo[from]) * sizeof(struct vec))
			app_die(&r->m->a, "node %d sent %zu bytes of positions",
				from, in[j].len);
	}
}

/*
 * Send everyone the partial forces on their block (r->acc); sum the
 * partials on mine in node order into r->force.
 */
static void reduce_forces(struct run *r)
{
	struct mp_xfer out[APP_MAX_NODES], in[APP_MAX_NODES];
	int me = r->m->a.node, j, d, nx = 0;
	long own = r->hi[me] - r->lo[me], i;

	for (j = 0; j < r->m->a.nodes; j++) {
		if (j == me)
			continue;
		out[nx] = (struct mp_xfer){ .peer = j, .tag = TAG_FORCE,
			.buf = &r->acc[r->lo[j]],
			.len = (r->hi[j] - r->lo[j]) * sizeof(struct vec) };
		in[nx++] = (struct mp_xfer){ .peer = j, .tag = TAG_FORCE,
			.buf = &r->part[j * own], .len = own * sizeof(struct vec) };
	}
	mp_exchange(r->m, out, nx, in, nx);
	for (j = 0; j < nx; j++)
		if (in[j].len != own * sizeof(struct vec))
			app_die(&r->m->a, "node %d sent %zu bytes of forces",
				in[j].peer, in[j].len);
	memcpy(&r->part[me * own], &r->acc[r->lo[me]], own * sizeof(struct vec));
	memset(&r->force[r->lo[me]], 0, own * sizeof(struct vec));
	for (j = 0; j < r->m->a.nodes; j++)
		for (i = 0; i < own; i++)
			for (d = 0; d < 3; d++)
				r->force[r->lo[me] + i].x[d] += r->part[j * own + i].x[d];
}

static long forces(struct run *r)
{
	long inside;

	gather_positions(r);
	inside = pair_forces(r->pos, r->acc, r->n, r->lo[r->m->a.node],
			     r->hi[r->m->a.node]);
	reduce_forces(r);
	return inside;
}

int main(int argc, char **argv)
{
	struct mp m = { .a = {
		.name = "water-mp",
		.args = "MOLECULES STEPS",
		.about = "n-squared molecular dynamics (simplified SPLASH Water):\n"
			 "Lennard-Jones forces with a cutoff, velocity Verlet,\n"
			 "molecules split over the nodes, positions all-gathered\n"
			 "and forces reduce-scattered every step.",
	} };
	struct run r = { .m = &m };
	struct vec *vel, *fold;
	long steps, lo, hi, i, s, inside = 0;
	double worst, ke = 0;
	int d, j, ok;

	mp_args(&m, argc, argv, 2, 2);
	r.n = mp_arg(&m, 0, "MOLECULES", 2, 16384);
	steps = mp_arg(&m, 1, "STEPS", 1, 1000);
	mp_start(&m);
	for (j = 0; j < m.a.nodes; j++)
		app_block(r.n, j, m.a.nodes, &r.lo[j], &r.hi[j]);
	lo = r.lo[m.a.node];
	hi = r.hi[m.a.node];
	r.pos = calloc(r.n, sizeof(struct vec));
	r.acc = calloc(r.n, sizeof(struct vec));
	r.force = calloc(r.n, sizeof(struct vec));
	r.part = calloc((hi - lo) * m.a.nodes + 1, sizeof(struct vec));
	vel = calloc(r.n, sizeof(struct vec));
	fold = calloc(r.n, sizeof(struct vec));
	if (!r.pos || !r.acc || !r.force || !r.part || !vel || !fold)
		app_die(&m.a, "out of memory");
	for (i = lo; i < hi; i++)
		init_molecule(i, r.n, &r.pos[i], &vel[i]);
	mp_barrier(&m);

	m.a.t0 = app_now_ms();
	inside += forces(&r);
	memcpy(&fold[lo], &r.force[lo], (hi - lo) * sizeof(*fold));
	for (s = 0; s < steps; s++) {
		drift(r.pos, vel, fold, lo, hi);
		inside += forces(&r);
		kick(vel, fold, r.force, lo, hi);
	}
	mp_barrier(&m);
	m.a.t1 = app_now_ms();

	ok = water_check(&m.a, r.pos, vel, r.n, steps, lo, hi, &worst);
	for (i = lo; i < hi; i++)
		for (d = 0; d < 3; d++)
			ke += 0.5 * vel[i].x[d] * vel[i].x[d];
	printf("water-mp: node %d: %ld molecules, %ld pair interactions in cutoff, largest difference from the serial run %.3g (tolerance %g)\n",
	       m.a.node, hi - lo, inside, worst, TOLERANCE);
	mp_finish(&m, ok, MP_SUM_REAL, 0, ke);
}
