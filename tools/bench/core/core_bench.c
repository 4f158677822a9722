// SPDX-License-Identifier: GPL-2.0
/*
 * core_bench.c - microbenchmarks of the kmod/core twin and diff code.
 *
 * For a 4 KiB page that is clean, has 8 changed words, 25% or 100% of its
 * words changed, or every 3rd or 8th byte changed (one of 3 or 8 writers
 * interleaving byte by byte), it times dsm_diff_create() against memcmp() of a page and
 * dsm_diff_apply() against memcpy() of a page, in the same run, and the
 * twin copy against memcpy(). Prints ns per page (best of several runs)
 * and the ratios.
 *
 *	core_bench			the table
 *	core_bench --op OP CASE N	run one operation N times (for
 *					callgrind; see callgrind.sh)
 * OP: create apply memcmp memcpy twin create_pa; CASE: clean words8 pct25
 * pct100 il3 il8. create_pa writes to a page-aligned diff buffer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dsm_diff.h"

#define PS	DSM_PAGE_SIZE
#define REPS	41

enum { C_CLEAN, C_WORDS8, C_PCT25, C_PCT100, C_IL3, C_IL8, C_DBL, C_NR };

static const char * const case_names[C_NR] = {
	"clean", "words8", "pct25", "pct100", "il3", "il8", "dbl",
};

static const char * const case_titles[C_NR] = {
	"clean page", "8 words changed", "25% words changed",
	"100% changed", "1 byte in 3", "1 byte in 8", "doubles relaxed",
};

/* Page-aligned, as pages and twins are in the kernel. */
static u8 *twin, *page[C_NR], *dst, *diff[C_NR], *diff_aligned;
static int diff_len[C_NR];
/*
 * Results land here. Not static, and the baselines are called through
 * pointers the compiler cannot see through, so that neither is optimised
 * away or replaced by inline code: the baseline is the C library's.
 */
int core_bench_sink;
int (*core_bench_memcmp)(const void *, const void *, size_t) = memcmp;
void *(*core_bench_memcpy)(void *, const void *, size_t) = memcpy;

static u8 *page_alloc(size_t size)
{
	u8 *p = aligned_alloc(PS, (size + PS - 1) / PS * PS);

	if (!p) {
		perror("core_bench");
		exit(1);
	}
	return p;
}

static u64 rng = 88172645463325252ULL;

static u64 next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void setup(void)
{
	u32 i, w;

	twin = page_alloc(PS);
	dst = page_alloc(PS);
	for (i = 0; i < C_NR; i++) {
		page[i] = page_alloc(PS);
		/* see "4K aliasing" in Documentation/core.md */
		diff[i] = page_alloc(DSM_DIFF_MAX_SIZE + PS) + PS / 2;
	}
	diff_aligned = page_alloc(DSM_DIFF_MAX_SIZE);
	/*
	 * The twin: a row of jacobi's grid, 512 doubles near 1; the page of
	 * case dbl, the row after a sweep: each double moved a little (the
	 * sign, the exponent and the top of the mantissa stay, so a word's
	 * high bytes do not change).
	 */
	for (w = 0; w < PS / 8; w++) {
		double x = 1.0 + (double)(next() % 1000000) / 1e7;
		double y = x * (1.0 + (double)(next() % 1000 + 1) / 1e9);

		memcpy(twin + w * 8, &x, 8);
		memcpy(page[C_DBL] + w * 8, &y, 8);
	}
	for (i = 0; i < C_NR; i++)
		if (i != C_DBL)
			memcpy(page[i], twin, PS);
	/* 8 words, spread over the page */
	for (i = 0; i < 8; i++) {
		w = i * (PS / 8 / 8) + (u32)(next() % (PS / 8 / 8));
		((u64 *)page[C_WORDS8])[w] ^= next() | 1;
	}
	/* every word changed with probability 1/4 */
	for (w = 0; w < PS / 8; w++)
		if (!(next() & 3))
			((u64 *)page[C_PCT25])[w] ^= next() | 1;
	for (i = 0; i < PS; i++)
		page[C_PCT100][i] = (u8)~twin[i];
	/* one of 3 and one of 8 writers interleaving byte by byte */
	for (i = 0; i < PS; i += 3)
		page[C_IL3][i] = (u8)~twin[i];
	for (i = 0; i < PS; i += 8)
		page[C_IL8][i] = (u8)~twin[i];
	for (i = 0; i < C_NR; i++) {
		diff_len[i] = dsm_diff_create(twin, page[i], diff[i],
					      DSM_DIFF_MAX_SIZE);
		if (diff_len[i] < 0)
			exit(1);
	}
}

enum {
	OP_CREATE, OP_APPLY, OP_MEMCMP, OP_MEMCPY, OP_TWIN, OP_CREATE_PA, OP_NR
};

static const char * const op_names[OP_NR] = {
	"create", "apply", "memcmp", "memcpy", "twin", "create_pa",
};

/* The measured loop; callgrind.sh collects inside this function only. */
static __attribute__((noipa)) void run_op(int op, int c, long n)
{
	long i;

	for (i = 0; i < n; i++) {
		switch (op) {
		case OP_CREATE:
			core_bench_sink = dsm_diff_create(twin, page[c],
							  diff[c],
							  DSM_DIFF_MAX_SIZE);
			break;
		case OP_APPLY:
			core_bench_sink = dsm_diff_apply(dst, diff[c], diff_len[c]);
			break;
		case OP_MEMCMP:
			/* a full compare: the clean page */
			core_bench_sink = core_bench_memcmp(twin, page[C_CLEAN],
							    PS);
			break;
		case OP_MEMCPY:
			core_bench_memcpy(dst, page[c], PS);
			break;
		case OP_TWIN:
			dsm_twin_make(dst, page[c]);
			break;
		case OP_CREATE_PA:
			/* into a page-aligned diff buffer */
			core_bench_sink = dsm_diff_create(twin, page[c],
							  diff_aligned,
							  DSM_DIFF_MAX_SIZE);
			break;
		}
		__asm__ __volatile__("" ::: "memory");
	}
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/*
 * Best of REPS runs of @n iterations of @op and, interleaved with them, of
 * the baseline @bop, in ns per iteration: both see the same machine state,
 * which on a shared VM matters more than the number of iterations.
 */
static void measure(int op, int c, int bop, int bc, long n, double *t_op,
		    double *t_base)
{
	int r;

	*t_op = *t_base = 1e30;
	run_op(op, c, n / 10);		/* warm up */
	run_op(bop, bc, n / 10);
	for (r = 0; r < REPS; r++) {
		double t = now_ns();

		run_op(op, c, n);
		t = (now_ns() - t) / n;
		if (t < *t_op)
			*t_op = t;
		t = now_ns();
		run_op(bop, bc, n);
		t = (now_ns() - t) / n;
		if (t < *t_base)
			*t_base = t;
	}
}

static int lookup(const char * const *names, int nr, const char *s)
{
	int i;

	for (i = 0; i < nr; i++)
		if (!strcmp(names[i], s))
			return i;
	fprintf(stderr, "core_bench: unknown '%s'\n", s);
	exit(2);
}

int main(int argc, char **argv)
{
	double cmp, cpy, tw, cr;
	const long n = 20000;
	int c;

	setup();
	if (argc == 5 && !strcmp(argv[1], "--op")) {
		run_op(lookup(op_names, OP_NR, argv[2]),
		       lookup(case_names, C_NR, argv[3]), atol(argv[4]));
		return 0;
	}
	if (argc != 1) {
		fprintf(stderr, "usage: core_bench [--op OP CASE N]\n");
		return 2;
	}
	measure(OP_TWIN, C_CLEAN, OP_MEMCPY, C_CLEAN, n, &tw, &cpy);
	printf("4 KiB page; best of %d runs of %ld iterations, each run\n"
	       "interleaved with one of its baseline (memcmp or memcpy)\n\n",
	       REPS, n);
	printf("twin copy %.1f ns, memcpy %.1f ns: %.2fx memcpy\n\n", tw, cpy,
	       tw / cpy);
	printf("%-18s %6s %5s %9s %7s %7s %9s %7s %7s\n", "case", "bytes",
	       "runs", "create ns", "memcmp", "ratio", "apply ns", "memcpy",
	       "ratio");
	for (c = 0; c < C_NR; c++) {
		double cr, ap;

		measure(OP_CREATE, c, OP_MEMCMP, C_CLEAN, n, &cr, &cmp);
		measure(OP_APPLY, c, OP_MEMCPY, C_CLEAN, n, &ap, &cpy);
		printf("%-18s %6d %5u %9.1f %7.1f %6.2fx %9.1f %7.1f %6.2fx\n",
		       case_titles[c], diff_len[c], dsm_diff_nr_runs(diff[c]),
		       cr, cmp, cr / cmp, ap, cpy, ap / cpy);
	}
	measure(OP_CREATE_PA, C_PCT100, OP_MEMCMP, C_CLEAN, n / 4, &cr, &cmp);
	printf("\n100%% changed, create into a page-aligned diff buffer: %.1f ns\n"
	       "(run data at page offset 8 of the buffer, as in the page: 4K\n"
	       "aliasing in the C library's memcpy; diff buffers above are at\n"
	       "page offset 2048)\n", cr);
	return 0;
}
