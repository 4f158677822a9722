// SPDX-License-Identifier: GPL-2.0
/*
 * fault_latency - remote fault latency of dsm against a raw TCP round trip.
 *
 * Runs on 2 nodes of the virtual cluster at once (DSM_NODE_ID 0 and 1):
 *
 *   vcluster run -n 2 --copy build/bench/fault_latency -- ./fault_latency
 *
 * Node 1 serves: it echoes 4 KiB messages over a plain TCP connection and
 * owns the pages node 0 faults on. Node 0 measures, in one run, each
 * sample a round trip, a read fault and a write fault in a row (so that
 * what the host does meanwhile weighs on the three alike):
 *   rtt    userspace TCP round trip of a 4 KiB message (send 4 KiB, get
 *          4 KiB back), the raw cost a page transfer cannot beat;
 *   read   a read fault on a page homed and owned by node 1 (PAGE_REQ,
 *          PAGE_GRANT with 4 KiB, and the fault's own work);
 *   write  a write fault on a page homed and owned by node 1 that node 0
 *          does not hold (ownership and data move).
 * and prints the median of each (and the 10th/90th percentiles) and the
 * ratios read/rtt and write/rtt. Goal: read <= 1.2, write <= 1.5.
 *
 * Then where a fault's time goes, from the module's counters (means over
 * the faults of the run, Documentation/benchmarks.md): on node 0, issue
 * (the fault until its request is sent), remote (until the grant's
 * handler runs: both wire trips and node 1's work), install (the page
 * into the frame, waiters woken), wake (until the fault runs again), and
 * the rest of the measured mean (the retried fault mapping the page,
 * and the way in and out of the kernel); node 1 sends its own counters
 * over the TCP connection: serve (the PAGE_REQ handler, grant sent),
 * which remote includes.
 *
 * -o MIB moves both ranges MIB MiB up (0 to 128), so that a second run in
 * the same boot faults on pages no node held yet (make bench's rdma part
 * runs it again with rx_inplace off).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dsm_test.h"
#include "dsm_shell.h"
#include "pingpong.h"

#define PORT		7992
#define MSG		4096		/* a page; <= PP_MSG_MAX */
#define SAMPLES		400
/* With 2 nodes, odd pages are homed on node 1. */
#define READ_OFF	(32UL << 20)
#define WRITE_OFF	(48UL << 20)

/* The breakdown counters: node 0's (fault_*), node 1's (serve_*). */
static const char * const bd_names[] = {
	"fault_rd_timed", "fault_rd_issue_ns", "fault_rd_remote_ns",
	"fault_rd_install_ns", "fault_rd_wake_ns",
	"fault_wr_timed", "fault_wr_issue_ns", "fault_wr_remote_ns",
	"fault_wr_install_ns", "fault_wr_wake_ns",
	"serve_page_req", "serve_page_req_ns",
};
#define BD_N	(sizeof(bd_names) / sizeof(bd_names[0]))

static void bd_read(long long *v)
{
	unsigned int i;

	for (i = 0; i < BD_N; i++)
		v[i] = dsm_counter(bd_names[i]);
}

/*
 * One line per kind (0 read, 1 write) from counter deltas @d (node 0's
 * fault counters, node 1's serve counters), next to the measured @median.
 */
static void bd_report(const char *name, const long long *d, const double *v,
		      int nv)
{
	double n = d[0], us[4], sum = 0, serve = 0, mean = 0;
	int i;

	if (n <= 0) {
		printf("%-6s breakdown: no timed faults (counters missing?)\n",
		       name);
		return;
	}
	for (i = 0; i < 4; i++) {
		us[i] = d[1 + i] / n / 1000.0;
		sum += us[i];
	}
	for (i = 0; i < nv; i++)
		mean += v[i] / nv;
	if (d[10] > 0)
		serve = d[11] / (double)d[10] / 1000.0;
	printf("%-6s mean %.1f us = issue %.1f + remote %.1f (node 1 serving %.1f of %lld) + install %.1f + wake %.1f + rest %.1f (%.0f timed)\n",
	       name, mean, us[0], us[1], serve, d[10], us[2], us[3],
	       mean - sum, n);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(double *v, int n, int p)
{
	return v[(n - 1) * p / 100];
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void report(const char *name, double *v, int n, double rtt)
{
	qsort(v, n, sizeof(*v), cmp_double);
	printf("%-6s median %8.1f us  p10 %8.1f  p90 %8.1f", name,
	       pct(v, n, 50), pct(v, n, 10), pct(v, n, 90));
	if (rtt > 0)
		printf("  ratio %.2f", pct(v, n, 50) / rtt);
	printf("\n");
}

int main(int argc, char **argv)
{
	int mapped_owner = 0;
	off_t shift = 0;
	static double rtt[SAMPLES], rd[SAMPLES], wr[SAMPLES];
	int id = dsm_node_id_env(), fd, c;
	volatile char *rp, *wp;
	const char *what;
	size_t span = 2UL * SAMPLES * MSG;
	long long in0 = 0, cp0 = 0, bd0[BD_N], bd1[BD_N];
	long long rdd[BD_N], wrd[BD_N];
	double t, r50;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-m")) {
			mapped_owner = 1;
		} else if (!strcmp(argv[i], "-o") && i + 1 < argc &&
			   atoi(argv[i + 1]) >= 0 && atoi(argv[i + 1]) <= 128) {
			shift = (off_t)atoi(argv[++i]) << 20;
		} else {
			fprintf(stderr, "usage: fault_latency [-m] [-o MIB (0 to 128)]\n");
			return 2;
		}
	}
	if (id < 0 || dsm_nodes_env() != 2) {
		fprintf(stderr, "fault_latency: run on exactly 2 vcluster nodes\n");
		return 2;
	}
	/*
	 * One fault's path alone: node 1's background write-back would push
	 * the pages it writes to node 0, its only shadow holder, before node
	 * 0 reads them (the grants then copied into those frames).
	 */
	if (dsm_writeback_set(0) < 0)
		die("turning write-back off");
	fd = open(DSM_DEV, O_RDWR);
	if (fd < 0)
		die(DSM_DEV);
	rp = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		  READ_OFF + shift);
	wp = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		  WRITE_OFF + shift);
	if (rp == MAP_FAILED || wp == MAP_FAILED)
		die("mmap");
	c = pp_pair(id, PORT, dsm_sync, 1, &what);
	if (c < 0)
		die(what);

	/*
	 * Node 1 writes the odd pages: it owns them (and is their home). With
	 * -m it writes through a mapping, which it keeps, so that giving a
	 * page away also unmaps it there (a TLB shootdown on node 1); by
	 * default it writes with pwrite() and maps nothing.
	 */
	if (id == 1)
		for (i = 0; i < SAMPLES; i++) {
			off_t o = (2 * i + 1) * MSG;
			char v = (char)i;

			if (mapped_owner) {
				rp[o] = v;
				wp[o] = v;
			} else if (pwrite(fd, &v, 1, READ_OFF + shift + o) != 1 ||
				   pwrite(fd, &v, 1, WRITE_OFF + shift + o) != 1) {
				die("pwrite");
			}
		}
	if (dsm_sync(2))
		die("sync");
	in0 = dsm_counter("page_rx_inplace");
	cp0 = dsm_counter("page_rx_copied");
	bd_read(bd0);
	/*
	 * Node 1 echoes the warm-up round trips and one per sample
	 * (pingpong.c); node 0 times a round trip, a read fault, then a
	 * write fault (of a page never held), sample after sample.
	 */
	if (pp_rtt(c, id, MSG, rtt, id == 1 ? SAMPLES : 0, &what))
		die(what);
	if (id == 0) {
		for (i = 0; i < SAMPLES; i++) {
			if (pp_ping(c, MSG, &rtt[i], &what))
				die(what);
			t = pp_now_us();
			if (rp[(2 * i + 1) * MSG] != (char)i)
				fprintf(stderr, "page %d: wrong data\n", i);
			rd[i] = pp_now_us() - t;
			t = pp_now_us();
			wp[(2 * i + 1) * MSG] = 1;
			wr[i] = pp_now_us() - t;
		}
	}
	if (dsm_sync(3))
		die("sync");
	bd_read(bd1);
	for (i = 0; i < (int)BD_N; i++)
		bd1[i] -= bd0[i];
	/* Node 1's serve counters go to node 0 (the pingpong connection). */
	if (pp_full(c, &bd1[10], 2 * sizeof(bd1[0]), id == 1))
		die("breakdown exchange");
	if (id == 0) {
		qsort(rtt, SAMPLES, sizeof(double), cmp_double);
		r50 = pct(rtt, SAMPLES, 50);
		printf("fault_latency: %d samples each, 4 KiB pages, node 0 <- node 1\n",
		       SAMPLES);
		report("rtt", rtt, SAMPLES, 0);
		report("read", rd, SAMPLES, r50);
		report("write", wr, SAMPLES, r50);
		printf("goal: read ratio <= 1.20, write ratio <= 1.50\n");
		memcpy(rdd, bd1, sizeof(rdd));
		memcpy(wrd, bd1, sizeof(wrd));
		memcpy(wrd, &bd1[5], 5 * sizeof(wrd[0]));
		printf("where a fault's time goes (means; serve: over reads and writes):\n");
		bd_report("read", rdd, rd, SAMPLES);
		bd_report("write", wrd, wr, SAMPLES);
		/* Received straight into the frame, or copied (-1: none). */
		printf("pages received in place %lld, copied %lld\n",
		       dsm_counter("page_rx_inplace") - in0,
		       dsm_counter("page_rx_copied") - cp0);
	}
	close(c);
	return 0;
}
