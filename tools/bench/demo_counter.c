// SPDX-License-Identifier: GPL-2.0
/*
 * demo_counter - what `make demo` runs on every node: an unmodified
 * program (only open and mmap of /dev/dsm) sharing memory across nodes.
 *
 * For SECONDS seconds, starting together, every node adds 1 to one shared
 * counter with an atomic instruction and counts its own share in its own
 * slot; node 0 shows the progress every second. At the end every node
 * checks that the shared counter equals the sum of the slots: with
 * sequential consistency an atomic add on one node is atomic across the
 * cluster.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "dsm_test.h"	/* dsm_test_sync(): a TCP barrier, not dsm */

#define SECONDS		8
#define MAX_NODES	8
#define DEMO_OFFSET	(16UL << 20)	/* inside the default region */

struct shared {
	uint64_t counter;		/* incremented by every node */
	uint64_t pad[7];
	uint64_t slot[MAX_NODES];	/* each node's own count */
};

static int env(const char *name)
{
	const char *v = getenv(name);

	return v ? atoi(v) : -1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void show(volatile struct shared *s, int nodes, double t0)
{
	int i;

	printf("%5.1fs  counter %6llu  =", now() - t0,
	       (unsigned long long)s->counter);
	for (i = 0; i < nodes; i++)
		printf(" %snode%d %llu", i ? "+ " : "", i,
		       (unsigned long long)s->slot[i]);
	printf("\n");
	fflush(stdout);
}

int main(void)
{
	int id = env("DSM_NODE_ID"), nodes = env("DSM_NODES"), i, fd;
	volatile struct shared *s;
	uint64_t sum;
	double t0 = now(), last = 0;

	if (id < 0 || nodes < 1 || nodes > MAX_NODES || id >= nodes) {
		fprintf(stderr, "demo_counter: DSM_NODE_ID/DSM_NODES not set\n");
		return 2;
	}
	fd = open("/dev/dsm", O_RDWR);
	if (fd < 0) {
		perror("open /dev/dsm");
		return 1;
	}
	s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 DEMO_OFFSET);
	if (s == MAP_FAILED) {
		perror("mmap /dev/dsm");
		return 1;
	}
	if (id == 0)
		memset((void *)s, 0, sizeof(*s));
	if (dsm_test_sync(1)) {
		fprintf(stderr, "demo_counter: the nodes did not meet\n");
		return 1;
	}
	t0 = now();
	while (now() - t0 < SECONDS) {
		__atomic_fetch_add(&s->counter, 1, __ATOMIC_SEQ_CST);
		s->slot[id]++;
		if (id == 0 && now() - last >= 1) {
			last = now();
			show(s, nodes, t0);
		}
	}
	if (dsm_test_sync(2)) {
		fprintf(stderr, "demo_counter: the nodes did not meet\n");
		return 1;
	}
	if (id == 0)
		show(s, nodes, t0);
	for (sum = 0, i = 0; i < nodes; i++)
		sum += s->slot[i];
	if (s->counter != sum) {
		printf("node %d: MISMATCH: counter %llu, slots sum %llu\n",
		       id, (unsigned long long)s->counter,
		       (unsigned long long)sum);
		return 1;
	}
	printf("node %d: counter %llu == sum of the %d nodes' own counts: exact\n",
	       id, (unsigned long long)s->counter, nodes);
	return 0;
}
