// SPDX-License-Identifier: GPL-2.0
/*
 * tsc-khz - print this host's TSC frequency in kHz, for the guests'
 * tsc_early_khz= (tools/vcluster/vcluster; Documentation/vcluster.md).
 *
 * Under TCG a guest's TSC is the host's (QEMU's cpu_get_ticks() reads
 * the host TSC), and the guest kernel's own calibration against the PIT
 * can fail on a busy host: one boot on 2026-12-07 printed "PIT
 * calibration deviates from HPET" and took 90.758 MHz for a 2596 MHz
 * TSC, and with the TSC as its clocksource (tsc=reliable) its clock ran
 * 28 times too fast: heartbeats timed out, the node fenced itself over
 * and over. Given the frequency, the kernel does not calibrate the TSC.
 *
 * Method: the median of SAMPLES measurements of SPAN_NS each against
 * CLOCK_MONOTONIC_RAW; each end is one TSC read between two clock reads
 * at most PAIR_NS apart (a task preempted there tries again), so that a
 * busy host moves the result by at most 2 * PAIR_NS / SPAN_NS (0.02%).
 * Exit status 1, and nothing on stdout, when no such reading could be
 * taken or the host is not x86.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>

#define SAMPLES	5
#define SPAN_NS	50000000LL	/* 50 ms */
#define PAIR_NS	5000LL		/* 5 us */
#define TRIES	1000

static int64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC_RAW, &t);
	return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* A TSC value and the time it was read at. Return: 0, or -1 if none. */
static int tsc_pair(uint64_t *tsc, int64_t *ns)
{
	int64_t a, b;
	uint64_t c;
	int i;

	for (i = 0; i < TRIES; i++) {
		a = now_ns();
		c = __rdtsc();
		b = now_ns();
		if (b - a <= PAIR_NS) {
			*tsc = c;
			*ns = a + (b - a) / 2;
			return 0;
		}
	}
	return -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(void)
{
	struct timespec span = { 0, SPAN_NS };
	double khz[SAMPLES];
	uint64_t c0, c1;
	int64_t t0, t1;
	int i;

	for (i = 0; i < SAMPLES; i++) {
		if (tsc_pair(&c0, &t0))
			return 1;
		nanosleep(&span, NULL);
		if (tsc_pair(&c1, &t1) || t1 <= t0 || c1 <= c0)
			return 1;
		khz[i] = (double)(c1 - c0) * 1e6 / (double)(t1 - t0);
	}
	qsort(khz, SAMPLES, sizeof(khz[0]), cmp_double);
	printf("%.0f\n", khz[SAMPLES / 2]);
	return 0;
}
#else
int main(void)
{
	return 1;	/* no TSC to measure */
}
#endif
