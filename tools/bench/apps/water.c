// SPDX-License-Identifier: GPL-2.0
/*
 * water - n-squared molecular dynamics on an lrc region (a simplified
 * SPLASH Water: point molecules, a Lennard-Jones pair force with a
 * cutoff, velocity Verlet integration, reduced units).
 *
 * The molecules are split in blocks over the nodes; a node integrates its
 * own. Node i computes the interactions of each of its molecules with the
 * next M/2 molecules (cyclically, as SPLASH Water does: every pair once,
 * the work balanced), accumulating in private memory, then adds its
 * contributions to the shared forces block by block, node j's block under
 * lock j: the partial sums water-mp sends each block's owner. (SPLASH
 * Water takes a lock per molecule; finer locks carry the same data in
 * more hand-overs, each a request through the lock's manager.) A step:
 *
 *   own molecules: x += v dt + f_old dt^2 / 2, shared force = 0
 *   barrier
 *   pair forces, added to the shared forces under the block locks
 *   barrier
 *   own molecules: v += (f_old + f) dt / 2, f_old = f
 *
 * Verification: every node runs the same simulation serially in private
 * memory and compares positions and velocities of its own molecules. They
 * cannot be bit for bit equal: a shared force is the sum of the nodes'
 * partial sums, added in lock order, while the serial run adds the same
 * terms in one sequence; floating-point addition is not associative, so
 * forces differ in the last bits (relative 1e-16 per addition, so below
 * about M * 1e-16 of the largest force term). Over STEPS steps of
 * dt = 0.002 (a simulated time of at most 2 for STEPS <= 1000), a
 * perturbation grows by a factor of e^(lambda t) with lambda of order 1 to
 * 10 for a dense Lennard-Jones fluid at these energies, so a correct run
 * stays within about 1e-13 * e^(lambda t) of the serial one. The tolerance
 * is 1e-8 absolute (positions are O(10), velocities O(1)): ample for
 * correct runs (the largest difference is printed; measured with --sim 3
 * on the host: 2e-16 after 20 steps of 512 molecules, 3e-12 after 1000),
 * while any real error (a lost update, a stale position, a missing pair)
 * moves values by 1e-4 or more.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps_common.h"
#include "water.h"

/* True if @acc holds nothing but zeros for molecules [@lo, @end). */
static int block_empty(const struct vec *acc, long lo, long end)
{
	long i;
	int d;

	for (i = lo; i < end; i++)
		for (d = 0; d < 3; d++)
			if (acc[i].x[d] != 0.0)
				return 0;
	return 1;
}

/*
 * Add acc to the shared forces, node j's block under lock j; a block this
 * node has nothing to add to (beyond the cutoff of all its molecules) is
 * left alone. Each node starts at its own block and goes on to the next
 * node's, so that the nodes pass the locks along instead of queueing up.
 */
static void add_forces(struct app *a, struct vec *force, const struct vec *acc,
		       long m)
{
	long lo, hi, i;
	int k, j, d;

	for (k = 0; k < a->nodes; k++) {
		j = (a->node + k) % a->nodes;
		app_block(m, j, a->nodes, &lo, &hi);
		if (block_empty(acc, lo, hi))
			continue;
		app_lock(a, APP_LOCK_BASE + j);
		for (i = lo; i < hi; i++)
			for (d = 0; d < 3; d++)
				force[i].x[d] += acc[i].x[d];
		app_unlock(a, APP_LOCK_BASE + j);
	}
}

int main(int argc, char **argv)
{
	struct app a = {
		.name = "water",
		.args = "MOLECULES STEPS",
		.about = "n-squared molecular dynamics (simplified SPLASH Water):\n"
			 "Lennard-Jones forces with a cutoff, velocity Verlet,\n"
			 "molecules split over the nodes, forces added to each\n"
			 "node's block under that node's lock, two barriers per step.",
	};
	struct vec *pos, *vel, *force, *fold, *acc;
	long m, steps, lo, hi, i, s, inside = 0;
	double worst;
	size_t arr;
	int ok;

	app_args(&a, argc, argv, 2, 2);
	m = app_arg(&a, 0, "MOLECULES", 2, 16384);
	steps = app_arg(&a, 1, "STEPS", 1, 1000);
	app_start(&a);

	arr = app_pages(m * sizeof(struct vec));
	app_map(&a, 3 * arr);
	pos = app_data(&a);
	vel = (struct vec *)((char *)pos + arr);
	force = (struct vec *)((char *)vel + arr);
	fold = malloc(m * sizeof(*fold));
	acc = malloc(m * sizeof(*acc));
	if (!fold || !acc)
		app_die(&a, "out of memory");
	app_block(m, a.node, a.nodes, &lo, &hi);

	for (i = lo; i < hi; i++) {
		init_molecule(i, m, &pos[i], &vel[i]);
		memset(&force[i], 0, sizeof(force[i]));
	}
	app_barrier(&a);

	app_timer_start(&a);
	inside += pair_forces(pos, acc, m, lo, hi);
	add_forces(&a, force, acc, m);
	app_barrier(&a);
	memcpy(&fold[lo], &force[lo], (hi - lo) * sizeof(*fold));
	for (s = 0; s < steps; s++) {
		drift(pos, vel, fold, lo, hi);
		memset(&force[lo], 0, (hi - lo) * sizeof(*force));
		app_barrier(&a);
		inside += pair_forces(pos, acc, m, lo, hi);
		add_forces(&a, force, acc, m);
		app_barrier(&a);
		kick(vel, fold, force, lo, hi);
	}
	app_timer_stop(&a);

	ok = water_check(&a, pos, vel, m, steps, lo, hi, &worst);
	printf("water: node %d: %ld molecules, %ld pair interactions in cutoff, largest difference from the serial run %.3g (tolerance %g)\n",
	       a.node, hi - lo, inside, worst, TOLERANCE);
	app_finish(&a, ok);
}
