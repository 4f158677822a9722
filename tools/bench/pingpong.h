/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pingpong.h - a plain TCP connection between nodes 0 and 1 of the
 * virtual cluster and its round trips: the raw cost the benchmarks
 * compare dsm with (fault_latency, lrc_sync). Nothing here uses dsm.
 */
#ifndef DSM_BENCH_PINGPONG_H
#define DSM_BENCH_PINGPONG_H

#include <stddef.h>

/* Round trips sent before the measured ones. */
#define PP_WARMUP	20

/* Largest message of pp_rtt(): one page. */
#define PP_MSG_MAX	4096

double pp_now_us(void);
int pp_full(int fd, void *buf, size_t len, int wr);
int pp_pair(int node, unsigned short port, int (*sync)(unsigned int step),
	    unsigned int step, const char **what);
int pp_rtt(int c, int node, size_t len, double *v, int n, const char **what);
int pp_ping(int c, size_t len, double *us, const char **what);

#endif /* DSM_BENCH_PINGPONG_H */
