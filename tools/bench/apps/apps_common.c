// SPDX-License-Identifier: GPL-2.0
/*
 * apps_common.c - the shared part of the lrc applications; see
 * apps_common.h.
 *
 * Built with APPS_HOST (the host test build) it has no libdsm: only
 * --serial and --sim work, and a dsm run says so and fails.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef APPS_HOST
#include <dsm.h>
#endif

#include "apps_common.h"

/* Page 0 of the shared memory. */
struct app_hdr {
	/* verdict of node i: 0 none yet, APP_OK, APP_BAD */
	uint32_t verdict[APP_MAX_NODES];
};

#define APP_OK		1
#define APP_BAD		2

/*
 * --sim: everything the node processes share, set up before the fork.
 * A node holds at most one lock at a time in every program, and lock ids
 * are small: each id has its own mutex, ids beyond APP_SIM_LOCKS fail.
 */
#define APP_SIM_LOCKS	1024
#define APP_SIM_MEM	(1UL << 30)	/* reserved, touched on use only */
#define APP_SIM_TIMEOUT	300		/* seconds: a lost node ends the run */

struct app_sim {
	pthread_barrier_t barrier;
	pthread_mutex_t lock[APP_SIM_LOCKS];
};

#define APP_MAP_TRIES	100	/* 10 s for a new region to arrive */

static struct app_sim *sim;
static unsigned char *sim_mem;

void app_usage(struct app *a, const char *why)
{
	if (why)
		fprintf(stderr, "%s: %s\n", a->name, why);
	fprintf(stderr,
		"usage: %s [--serial | --sim N] [--region NAME] %s\n"
		"       %s --help\n", a->name, a->args, a->name);
	exit(2);
}

static void app_help(struct app *a)
{
	printf("usage: %s [--serial | --sim N] [--region NAME] %s\n\n%s\n\n"
	       "Runs on every node of a dsm cluster at once (DSM_NODE_ID,\n"
	       "DSM_NODES), on the lrc region NAME (default %s), and checks\n"
	       "its result against a serial run computed locally. Node 0\n"
	       "prints one line:\n"
	       "  app=%s nodes=N size=SIZE time_ms=T verify=ok|FAIL\n\n"
	       "  --serial      one process, malloc'd memory, no dsm calls\n"
	       "  --sim N       N processes on this host sharing anonymous\n"
	       "                memory (checks the parallel code, not dsm)\n"
	       "  --region NAME the lrc region to map\n\n"
	       "Exit status: 0 verified, 1 not verified or an error, "
	       "2 bad arguments.\n",
	       a->name, a->args, a->about, a->name, a->name);
	exit(0);
}

void app_args(struct app *a, int argc, char **argv, int nmin, int nmax)
{
	static const struct option opts[] = {
		{ "serial", no_argument, NULL, 's' },
		{ "sim", required_argument, NULL, 'm' },
		{ "region", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	long n;
	int c;

	a->mode = APP_MODE_DSM;
	a->region = a->name;
	a->nodes = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (a->mode != APP_MODE_DSM)
				app_usage(a, "--serial and --sim exclude each other");
			a->mode = APP_MODE_SERIAL;
			break;
		case 'm':
			if (a->mode != APP_MODE_DSM)
				app_usage(a, "--serial and --sim exclude each other");
			errno = 0;
			n = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || n < 1 ||
			    n > APP_MAX_NODES) {
				static char why[64];

				snprintf(why, sizeof(why),
					 "--sim takes a node count from 1 to %d",
					 APP_MAX_NODES);
				app_usage(a, why);
			}
			a->mode = APP_MODE_SIM;
			a->nodes = n;
			break;
		case 'r':
			if (!*optarg || strlen(optarg) >= 32)
				app_usage(a, "--region takes a name of 1 to 31 characters");
			a->region = optarg;
			break;
		case 'h':
			app_help(a);
			break;
		default:
			app_usage(a, "unknown option");
		}
	}
	a->argc = argc - optind;
	a->argv = argv + optind;
	if (a->argc < nmin || a->argc > nmax)
		app_usage(a, "wrong number of arguments");
}

long app_arg(struct app *a, int i, const char *what, long min, long max)
{
	char why[160];
	char *end;
	long v;

	if (i >= a->argc)
		app_usage(a, "missing argument");
	errno = 0;
	v = strtol(a->argv[i], &end, 10);
	if (errno || end == a->argv[i] || *end || v < min || v > max) {
		snprintf(why, sizeof(why), "%s must be a number from %ld to %ld, not '%s'",
			 what, min, max, a->argv[i]);
		app_usage(a, why);
	}
	return v;
}

static void app_vmsg(struct app *a, const char *fmt, va_list ap)
{
	char buf[512];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	/* one write per message: node outputs interleave by lines */
	fprintf(stderr, "%s: node %d: %s\n", a->name, a->node, buf);
}

void app_diff(struct app *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	app_vmsg(a, fmt, ap);
	va_end(ap);
}

void app_die(struct app *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	app_vmsg(a, fmt, ap);
	va_end(ap);
	exit(1);
}

static void sim_setup(struct app *a)
{
	pthread_mutexattr_t ma;
	pthread_barrierattr_t ba;
	int i;

	sim = mmap(NULL, sizeof(*sim), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	sim_mem = mmap(NULL, APP_SIM_MEM, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (sim == MAP_FAILED || sim_mem == MAP_FAILED)
		app_die(a, "--sim: cannot map shared memory: %s", strerror(errno));
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	for (i = 0; i < APP_SIM_LOCKS; i++)
		pthread_mutex_init(&sim->lock[i], &ma);
	pthread_barrierattr_init(&ba);
	pthread_barrierattr_setpshared(&ba, PTHREAD_PROCESS_SHARED);
	pthread_barrier_init(&sim->barrier, &ba, a->nodes);
}

/*
 * Fork the nodes; the parent waits for them and exits with the worst
 * status. Once one has failed, the others get APP_SIM_GRACE ms to finish
 * (node 0 prints the summary) before they are ended: they might wait at a
 * barrier for ever.
 */
#define APP_SIM_GRACE	5000

static void sim_fork(struct app *a)
{
	pid_t pid[APP_MAX_NODES];
	int i, st, left, worst = 0;
	double failed_at = 0;

	fflush(NULL);
	for (i = 0; i < a->nodes; i++) {
		pid[i] = fork();
		if (pid[i] < 0)
			app_die(a, "--sim: fork: %s", strerror(errno));
		if (pid[i] == 0) {
			a->node = i;
			alarm(APP_SIM_TIMEOUT);
			return;
		}
	}
	for (left = a->nodes; left > 0;) {
		pid_t p = waitpid(-1, &st, failed_at ? WNOHANG : 0);
		int rc;

		if (p < 0)
			break;
		if (p == 0) {
			if (app_now_ms() - failed_at < APP_SIM_GRACE) {
				usleep(10000);
				continue;
			}
			for (i = 0; i < a->nodes; i++)
				if (pid[i] > 0)
					kill(pid[i], SIGTERM);
			failed_at = app_now_ms();	/* and wait again */
			continue;
		}
		for (i = 0; i < a->nodes; i++)
			if (pid[i] == p)
				pid[i] = 0;
		left--;
		rc = WIFEXITED(st) ? WEXITSTATUS(st) : 1;
		if (!WIFEXITED(st))
			fprintf(stderr, "%s: --sim: a node process died of signal %d\n",
				a->name, WTERMSIG(st));
		if (rc && !failed_at)
			failed_at = app_now_ms();
		if (rc > worst)
			worst = rc;
	}
	exit(worst);
}

void app_start(struct app *a)
{
	switch (a->mode) {
	case APP_MODE_SERIAL:
		a->node = 0;
		a->nodes = 1;
		break;
	case APP_MODE_SIM:
		sim_setup(a);
		sim_fork(a);
		break;
	default:
#ifdef APPS_HOST
		app_die(a, "built without libdsm (host test build): use --serial or --sim N");
#else
		{
			int rc = dsm_init();

			if (rc < 0)
				app_die(a, "dsm_init: %s", strerror(-rc));
			a->node = dsm_node_id();
			a->nodes = dsm_nodes();
			if (a->node < 0)
				app_die(a, "dsm_node_id: %s", strerror(-a->node));
			if (a->nodes < 1 || a->nodes > APP_MAX_NODES)
				app_die(a, "dsm_nodes: %s",
					a->nodes < 0 ? strerror(-a->nodes) : "bad count");
		}
#endif
	}
	snprintf(a->size, sizeof(a->size), "%s", a->argc ? a->argv[0] : "-");
	for (int i = 1; i < a->argc; i++) {
		size_t l = strlen(a->size);

		snprintf(a->size + l, sizeof(a->size) - l, "x%s", a->argv[i]);
	}
}

void app_map(struct app *a, size_t bytes)
{
	size_t need = APP_PAGE + app_pages(bytes);

	switch (a->mode) {
	case APP_MODE_SERIAL:
		a->mem = aligned_alloc(APP_PAGE, need);
		if (!a->mem)
			app_die(a, "cannot allocate %zu bytes", need);
		memset(a->mem, 0, need);
		a->len = need;
		break;
	case APP_MODE_SIM:
		if (need > APP_SIM_MEM)
			app_die(a, "--sim: %zu bytes needed, at most %lu", need,
				APP_SIM_MEM);
		a->mem = sim_mem;
		a->len = need;
		break;
	default:
#ifndef APPS_HOST
		/*
		 * A region created on another node just before the run may
		 * not have reached this one yet: wait for it, bounded.
		 */
		for (int tries = 0; tries < APP_MAP_TRIES; tries++) {
			a->mem = dsm_map(a->region, &a->len);
			if (a->mem || errno != ENOENT)
				break;
			usleep(100000);
		}
		if (!a->mem)
			app_die(a, "dsm_map(\"%s\"): %s (create it with: dsmctl region create %s size %zuK model lrc)",
				a->region, strerror(errno), a->region,
				need / 1024);
		if (a->len < need)
			app_die(a, "region %s has %zu bytes, %zu needed (size arguments too large?)",
				a->region, a->len, need);
#endif
		break;
	}
	/* a verdict left from an earlier run in this region must not count */
	((struct app_hdr *)a->mem)->verdict[a->node] = 0;
}

void app_lock(struct app *a, unsigned int id)
{
	int rc = 0;

	if (a->mode == APP_MODE_SIM) {
		if (id >= APP_SIM_LOCKS)
			app_die(a, "--sim: lock id %u too large", id);
		rc = -pthread_mutex_lock(&sim->lock[id]);
	}
#ifndef APPS_HOST
	else if (a->mode == APP_MODE_DSM)
		rc = dsm_region_lock_acquire(a->region, id);
#endif
	if (rc < 0)
		app_die(a, "acquire lock %u: %s", id, strerror(-rc));
}

void app_unlock(struct app *a, unsigned int id)
{
	int rc = 0;

	if (a->mode == APP_MODE_SIM)
		rc = -pthread_mutex_unlock(&sim->lock[id]);
#ifndef APPS_HOST
	else if (a->mode == APP_MODE_DSM)
		rc = dsm_region_lock_release(a->region, id);
#endif
	if (rc < 0)
		app_die(a, "release lock %u: %s", id, strerror(-rc));
}

void app_barrier(struct app *a)
{
	int rc = 0;

	if (a->mode == APP_MODE_SIM) {
		rc = pthread_barrier_wait(&sim->barrier);
		rc = rc == PTHREAD_BARRIER_SERIAL_THREAD ? 0 : -rc;
	}
#ifndef APPS_HOST
	else if (a->mode == APP_MODE_DSM)
		rc = dsm_region_barrier(a->region, APP_BARRIER);
#endif
	if (rc < 0)
		app_die(a, "barrier %u: %s", APP_BARRIER, strerror(-rc));
}

uint64_t app_rand(uint64_t seed, uint64_t index)
{
	/* splitmix64 of a mix of both: any partition gets the same values */
	uint64_t z = seed * 0x9e3779b97f4a7c15ULL + index + 1;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	z += index * 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

double app_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

void app_timer_start(struct app *a)
{
	a->t0 = app_now_ms();
}

void app_timer_stop(struct app *a)
{
	a->t1 = app_now_ms();
}

void app_finish(struct app *a, int ok)
{
	struct app_hdr *h = (struct app_hdr *)a->mem;
	int all = ok, i;

	h->verdict[a->node] = ok ? APP_OK : APP_BAD;
	app_barrier(a);
	if (a->node == 0) {
		for (i = 0; i < a->nodes; i++) {
			if (h->verdict[i] == APP_OK)
				continue;
			all = 0;
			app_diff(a, "node %d: %s", i,
				 h->verdict[i] == APP_BAD ? "verification failed" :
				 "no verdict (its verdict did not reach node 0)");
		}
		printf("app=%s nodes=%d size=%s time_ms=%.1f verify=%s\n",
		       a->name, a->nodes, a->size, a->t1 - a->t0,
		       all ? "ok" : "FAIL");
		/*
		 * The others may be gone when node 0 reads their verdicts:
		 * their pages stay with their kernels, which serve them.
		 */
	}
	fflush(stdout);
	exit(all ? 0 : 1);
}
