// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_sum - the smallest libdsm program: every node adds its id + 1 to a
 * counter in an lrc region ROUNDS times, each time under the region's lock
 * 1, waits at the region's barrier 1 for the others, and prints the sum
 * (any user with write permission on the region may run it), which must be
 * ROUNDS * n(n+1)/2 on every node.
 *
 *   dsm_sum [REGION [ROUNDS]]      (default: region "sum", 10 rounds)
 *
 * The region must exist or come into existence within 60 s (created on
 * one node with "dsmctl region create sum size 4K model lrc"; dsmd
 * replicates it to the others). Build: make tools (static, linked with
 * libdsm.a). Run on 3 virtual nodes:
 *
 *   tools/vcluster/vcluster run -n 3 --copy build/tools/lib/examples/dsm_sum \
 *     -- sh -c 'if [ $DSM_NODE_ID = 0 ]; then dsmctl region create sum \
 *         size 4K model lrc; fi; ./dsm_sum'
 *
 * Exit status: 0 if the sum is right, 1 if not, 2 on an error.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <dsm.h>

#define SUM_LOCK	1
#define SUM_BARRIER	1

static int die(const char *what, int err)
{
	fprintf(stderr, "dsm_sum: %s: %s\n", what, strerror(err));
	return 2;
}

int main(int argc, char **argv)
{
	const char *region = argc > 1 ? argv[1] : "sum";
	long rounds = argc > 2 ? strtol(argv[2], NULL, 10) : 10;
	volatile uint64_t *sum;
	uint64_t want, got;
	int id, n, ret, tries;
	size_t len;
	long i;

	if (argc > 3 || rounds < 1 || rounds > 1000000) {
		fprintf(stderr, "usage: dsm_sum [REGION [ROUNDS]]\n");
		return 2;
	}
	ret = dsm_init();
	if (ret)
		return die(ret == -ENOENT ? "/dev/dsm (is dsm.ko loaded?)" :
			   "dsm_init", -ret);
	id = dsm_node_id();
	n = dsm_nodes();
	if (id < 0 || n < 0)
		return die("node info (is dsmd running?)", id < 0 ? -id : -n);
	printf("node %d of %d\n", id, n);

	/* The region may still be on its way from the node that made it. */
	for (tries = 0; !(sum = dsm_map(region, &len)); tries++) {
		if (errno != ENOENT || tries == 600)
			return die(region, errno);
		usleep(100000);
	}

	for (i = 0; i < rounds; i++) {
		ret = dsm_region_lock_acquire(region, SUM_LOCK);
		if (ret)
			return die("lock acquire", -ret);
		*sum += (uint64_t)id + 1;
		ret = dsm_region_lock_release(region, SUM_LOCK);
		if (ret)
			return die("lock release", -ret);
	}
	/* After the barrier every node's additions are visible here. */
	ret = dsm_region_barrier(region, SUM_BARRIER);
	if (ret)
		return die("barrier", -ret);
	got = *sum;
	want = (uint64_t)rounds * n * (n + 1) / 2;
	printf("node %d: sum %llu, expected %llu: %s\n", id,
	       (unsigned long long)got, (unsigned long long)want,
	       got == want ? "right" : "WRONG");
	munmap((void *)sum, len);
	return got == want ? 0 : 1;
}
