// SPDX-License-Identifier: GPL-2.0
/*
 * shadow_cost - what sc's shadows and msync cost, and how long a node's
 * failure takes to recover from (issue 15 item 3; Documentation/sc.md
 * "Shadows and msync", Documentation/benchmarks.md).
 *
 * Runs on 3 nodes of the virtual cluster at once:
 *
 *   vcluster run -n 3 --copy build/bench/shadow_cost -- ./shadow_cost
 *
 * 1. msync: node 1 writes NPAGES pages (spread over every home) and
 *    msync(MS_SYNC)s them: time, pages pushed, bytes of SHADOW_PUSH on the
 *    wire; then msync again with nothing written (nothing pushed); then
 *    rewrites one page in 8 and msyncs.
 * 2. frames: every node says how many frames it holds (counters frames
 *    and frames_dropped) after nodes 0 and 2 read every page once; then
 *    node 0, node 2 and node 0 again write every page, and each node
 *    says again: the shadows those writes made useless were dropped
 *    (SHADOW_DROP, Documentation/sc.md "Dropping shadows").
 * 3. recovery: node 2 writes NPAGES pages of its own that node 0 read
 *    before (so node 0 holds them as shadows), and powers off; node 0
 *    measures, from the sync right before the power-off, when node 2 is
 *    declared down and when its first read of one of those pages (homed
 *    on every node) returns, and how long reading all of them takes.
 * Figures to read, printed by node 0 (and node 1 for its own), never
 * asserted.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "dsm_test.h"
#include "dsm_shell.h"

#define NPAGES		256
#define SYNC_OFF	(96UL << 20)
#define LOST_OFF	(112UL << 20)
#define LEN		(NPAGES * DSM_PAGE)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static uint8_t *map(int fd, unsigned long off)
{
	uint8_t *p = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			  off);

	if (p == MAP_FAILED)
		die("mmap");
	return p;
}

/* One msync of @p, with what it pushed; @what says which. */
static void msync_once(uint8_t *p, const char *what)
{
	long long n0 = dsm_counter("shadow_pushed");
	long long b0 = dsm_counter("bytes_tx_shadow_push");
	double t = now();

	if (msync(p, LEN, MS_SYNC))
		die("msync");
	t = now() - t;
	printf("msync %-28s %8.1f ms, %4lld pages pushed, %8lld bytes of SHADOW_PUSH (%.0f per page)\n",
	       what, t * 1e3, dsm_counter("shadow_pushed") - n0,
	       dsm_counter("bytes_tx_shadow_push") - b0,
	       dsm_counter("shadow_pushed") - n0 > 0 ?
	       (double)(dsm_counter("bytes_tx_shadow_push") - b0) /
	       (dsm_counter("shadow_pushed") - n0) : 0.0);
}

static void part_msync(int id, uint8_t *p)
{
	int k;

	if (id == 1) {
		memset(p, 0x5a, LEN);
		msync_once(p, "of 256 pages written:");
		msync_once(p, "with nothing written:");
		for (k = 0; k < NPAGES; k += 8)
			p[k * DSM_PAGE] = 0xa5;
		msync_once(p, "of 32 rewritten of 256:");
	}
	if (dsm_sync(2))
		die("sync 2");
}

static void part_frames(int id, uint8_t *p)
{
	volatile uint8_t sum = 0;
	int k;

	if (id != 1)
		for (k = 0; k < NPAGES; k++)
			sum += p[k * DSM_PAGE];
	(void)sum;
	if (dsm_sync(3))
		die("sync 3");
	printf("node %d: %ld frames held, %ld shadow pushes stored here\n",
	       id, dsm_counter("frames") - dsm_counter("frames_dropped"),
	       dsm_counter("shadow_stored"));
	fflush(stdout);
	if (dsm_sync(4))
		die("sync 4");
	/* Writers 0, 2, 0: each write drops the shadows it made useless. */
	for (k = 0; k < 3; k++) {
		if (id == (k == 1 ? 2 : 0))
			for (int j = 0; j < NPAGES; j++)
				p[j * DSM_PAGE + 1] = 0x30 + k;
		if (dsm_sync(40 + k))
			die("sync 40");
	}
	sleep(2);	/* the drops are queued work: let it run */
	printf("node %d: after writes by nodes 0, 2 and 0: %ld frames held (%ld made, %ld dropped, %ld drops refused)\n",
	       id, dsm_counter("frames") - dsm_counter("frames_dropped"),
	       dsm_counter("frames"), dsm_counter("frames_dropped"),
	       dsm_counter("shadow_drop_kept"));
	fflush(stdout);
	if (dsm_sync(43))
		die("sync 43");
}

static void part_recovery(int id, int fd)
{
	uint8_t *q = map(fd, LOST_OFF);
	volatile uint8_t sum = 0;
	double t0, down = -1, first = -1, all;
	char cmd[128];
	int k;

	if (id == 2)
		memset(q, 0x11, LEN);
	if (dsm_sync(50))
		die("sync 50");
	if (id == 0)
		for (k = 0; k < NPAGES; k++)
			sum += q[k * DSM_PAGE];
	if (dsm_sync(51))
		die("sync 51");
	if (id == 2) {
		memset(q, 0x22, LEN);	/* nobody sees this */
		if (dsm_sync(52))
			die("sync 52");
		if (system("vc-poweroff 0"))
			die("vc-poweroff");
		sleep(600);
		exit(1);
	}
	if (dsm_sync(52))
		die("sync 52");
	if (id != 0)
		return;
	t0 = now();
	snprintf(cmd, sizeof(cmd),
		 "dsmctl -j node show 2 | jq -e '.state == \"down\"' >/dev/null");
	while (now() - t0 < 120 && down < 0) {
		if (!system(cmd))
			down = now() - t0;
		else
			usleep(100000);
	}
	/* A page homed on node 2, owned by it: re-homed and rebuilt. */
	sum += q[1 * DSM_PAGE];
	first = now() - t0;
	for (k = 0; k < NPAGES; k++)
		sum += q[k * DSM_PAGE];
	all = now() - t0;
	(void)sum;
	printf("recovery: node 2 declared down %.1f s after its power-off, first re-served fault at %.1f s, all %d of its pages read at %.1f s (%ld shadows made the page here)\n",
	       down, first, NPAGES, all, dsm_counter("shadow_promoted"));
	printf("recovery: page 1 of its range (homed on node 2) holds 0x%02x (0x11: what node 0 saw; 0x22: nobody saw)\n",
	       q[1 * DSM_PAGE]);
}

int main(void)
{
	const char *e = getenv("DSM_NODE_ID");
	int id = e ? atoi(e) : -1, fd;
	uint8_t *p;

	if (id < 0 || id > 2)
		return fprintf(stderr, "run on 3 nodes (DSM_NODE_ID)\n"), 2;
	/*
	 * The figures are msync's, and recovery's of what another node
	 * saw: the background write-back would push pages between the
	 * steps (it is measured by the selftest dsm_shadow, not here).
	 */
	if (dsm_writeback_set(0) < 0)
		die("turning write-back off");
	fd = open(DSM_DEV, O_RDWR);
	if (fd < 0)
		die("open /dev/dsm");
	p = map(fd, SYNC_OFF);
	if (dsm_sync(1))
		die("sync 1");
	part_msync(id, p);
	part_frames(id, p);
	part_recovery(id, fd);
	return 0;
}
