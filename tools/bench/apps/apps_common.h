/* SPDX-License-Identifier: GPL-2.0 */
/*
 * apps_common.h - what the lrc applications (jacobi, tsp, water, isort,
 * matmul) share: argument handling, the three ways to run, the lock and
 * barrier calls, timing, verification and the summary line.
 *
 * A program runs in one of three modes:
 *
 *   (default)  on a dsm cluster: every node runs the program at once;
 *              libdsm gives the node id and count, the lrc region (named
 *              after the program, or --region NAME), and the region's own
 *              locks and barriers (dsm_region_lock_acquire() and so on:
 *              write permission on the region suffices, no root needed).
 *   --serial   one process, malloc'd memory, no dsm call at all: the
 *              parallel code with one node, checked like a real run.
 *   --sim N    on a host without dsm: N forked processes share anonymous
 *              memory, with process-shared mutexes and a barrier standing
 *              in for dsm's locks and barriers. It checks the parallel
 *              decomposition, not lrc (shared memory is coherent).
 *
 * Layout of the shared memory: page 0 belongs to this file (per-node
 * verdicts), the program's data starts at app_data(). Lock ids below
 * APP_LOCK_BASE and every barrier id except APP_BARRIER are unused.
 *
 * Output: node 0 prints exactly one line starting with "app=":
 *   app=NAME nodes=N size=SIZE time_ms=T verify=ok|FAIL
 * Exit status: 0 verified, 1 not verified or a dsm call failed, 2 bad
 * arguments.
 */
#ifndef APPS_COMMON_H
#define APPS_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <linux/dsm.h>

#define APP_PAGE	4096UL
/* The most nodes a program runs on: as many as dsm has node ids. */
#define APP_MAX_NODES	DSM_NODES_MAX
#define APP_BARRIER	0	/* the one barrier id the programs use */
#define APP_LOCK_BASE	1

struct app {
	const char *name;	/* program name, default region name */
	const char *args;	/* positional arguments, for the usage */
	const char *about;	/* one paragraph for --help */
	const char *region;	/* lrc region to map */
	int mode;		/* APP_MODE_* */
	int node, nodes;
	unsigned char *mem;	/* the shared memory (page 0: verdicts) */
	size_t len;
	char size[64];		/* SIZE of the summary line */
	double t0, t1;		/* timed section, ms */
	int argc;		/* positional arguments left after options */
	char **argv;
};

enum { APP_MODE_DSM, APP_MODE_SERIAL, APP_MODE_SIM };

/*
 * Parse the common options (--serial, --sim N, --region NAME, --help)
 * and check that nmin..nmax positional arguments remain; they are left
 * in a->argc/a->argv. Prints the usage and exits 2 on bad arguments.
 */
void app_args(struct app *a, int argc, char **argv, int nmin, int nmax);

/* A positional argument in [min, max], or the usage and exit 2. */
long app_arg(struct app *a, int i, const char *what, long min, long max);

/* Print the usage (with @why, if not NULL, first) and exit 2. */
void app_usage(struct app *a, const char *why) __attribute__((noreturn));

/*
 * Start the run: learn node id and count (in --sim mode fork the nodes:
 * this returns once in every node process). Then app_map() gets @bytes of
 * shared memory for the program beyond page 0. A region may hold data of
 * an earlier run: programs initialise everything they read.
 */
void app_start(struct app *a);
void app_map(struct app *a, size_t bytes);

static inline void *app_data(struct app *a)
{
	return a->mem + APP_PAGE;
}

/* Page-rounded size, for laying out arrays one after another. */
static inline size_t app_pages(size_t bytes)
{
	return (bytes + APP_PAGE - 1) & ~(APP_PAGE - 1);
}

/* Locks and the barrier: any error ends the program (exit 1). */
void app_lock(struct app *a, unsigned int id);
void app_unlock(struct app *a, unsigned int id);
void app_barrier(struct app *a);

/* The block of [0, n) that node @node of @nodes works on. */
static inline void app_block(long n, int node, int nodes, long *lo, long *hi)
{
	*lo = n * node / nodes;
	*hi = n * (node + 1) / nodes;
}

/* Deterministic pseudo-random 64-bit value for (seed, index). */
uint64_t app_rand(uint64_t seed, uint64_t index);

double app_now_ms(void);
void app_timer_start(struct app *a);	/* call right after a barrier */
void app_timer_stop(struct app *a);	/* ditto */

/*
 * Give this node's verdict (1 = verified); a node that found a difference
 * has printed what differs first. Every node then meets at a barrier;
 * node 0 collects every verdict and prints the summary line. Exits the
 * process: 0 when this node's (node 0: every node's) verdict is ok.
 */
void app_finish(struct app *a, int ok) __attribute__((noreturn));

/* Report a difference (prefixed with the program and node), like printf. */
void app_diff(struct app *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A fatal error (prefixed likewise): exit 1. */
void app_die(struct app *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

#endif
