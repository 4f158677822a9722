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

/*
 * One exchange of struct vecs with every other node j. Sent: @mine, my
 * block of @from (positions); else node j's block of @from (forces).
 * Received: @own 0, node j's block into its place in @to; else @own
 * entries (my block) at @to[j * own].
 */
static void exchange(struct run *r, uint32_t tag, struct vec *from, int mine,
		     struct vec *to, long own)
{
	size_t ol[APP_MAX_NODES], il[APP_MAX_NODES];
	void *ob[APP_MAX_NODES], *ib[APP_MAX_NODES];
	int me = r->m->a.node, j;

	for (j = 0; j < r->m->a.nodes; j++) {
		long lo = r->lo[mine ? me : j], hi = r->hi[mine ? me : j];

		ob[j] = &from[lo];
		ol[j] = (hi - lo) * sizeof(struct vec);
		ib[j] = own ? &to[j * own] : &to[r->lo[j]];
		il[j] = own ? own * sizeof(struct vec) :
			(r->hi[j] - r->lo[j]) * sizeof(struct vec);
	}
	mp_all_to_all(r->m, tag, ob, ol, ib, il);
	for (j = 0; j < r->m->a.nodes; j++) {
		size_t want = own ? own * sizeof(struct vec) :
			      (r->hi[j] - r->lo[j]) * sizeof(struct vec);

		if (j != me && il[j] != want)
			app_die(&r->m->a, "node %d sent %zu bytes (tag %u), not %zu",
				j, il[j], tag, want);
	}
}

/*
 * All-gather of the positions (my block to every node, theirs in
 * place), pair forces, then reduce-scatter of the forces (every node the
 * partials on its block; the partials on mine summed in node order into
 * r->force).
 */
static long forces(struct run *r)
{
	int me = r->m->a.node, j, d;
	long own = r->hi[me] - r->lo[me], inside, i;

	exchange(r, TAG_POS, r->pos, 1, r->pos, 0);
	inside = pair_forces(r->pos, r->acc, r->n, r->lo[me], r->hi[me]);
	exchange(r, TAG_FORCE, r->acc, 0, r->part, own);
	memcpy(&r->part[me * own], &r->acc[r->lo[me]], own * sizeof(struct vec));
	memset(&r->force[r->lo[me]], 0, own * sizeof(struct vec));
	for (j = 0; j < r->m->a.nodes; j++)
		for (i = 0; i < own; i++)
			for (d = 0; d < 3; d++)
				r->force[r->lo[me] + i].x[d] += r->part[j * own + i].x[d];
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
	if (r.n < m.a.nodes)
		app_die(&m.a, "MOLECULES must be at least the number of nodes");
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
