/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_adversary.h - what the two files of dsm_adversary share: the
 * program's state (struct adv), its dice, and the kinds of wrong
 * messages of its run mode (dsm_adv_kinds.c). See dsm_adversary.c.
 */
#ifndef _DSM_ADVERSARY_H
#define _DSM_ADVERSARY_H

#include <stdbool.h>
#include <stdint.h>

#include "dsm_wire.h"

#define ADV_DEBUGFS		"/sys/kernel/debug/dsm"
#define ADV_MAX_KINDS		16
#define ADV_MAX_RANGES		8

struct adv;

/*
 * A kind of wrong message. @fn sends one message or a burst to @dst
 * through adv_send() and returns how many it tried, or -1 when it had
 * nothing to do this time (the loop picks another kind).
 */
struct adv_kind {
	const char *name;
	int (*fn)(struct adv *a, unsigned int dst);
	const char *what;
};

struct adv_count {
	unsigned long sent;
	unsigned long failed;
	int last_err;		/* errno of the last failure */
};

/**
 * struct adv - the adversary's state.
 * @local:	this node's id: the src of every message.
 * @present:	bit n: node n is in the cluster.
 * @nodes:	width of the vector timestamps (highest present id + 1).
 * @dst:	the target nodes.
 * @nr_dst:	entries in @dst.
 * @page_first:	first page of each range the kinds aim at.
 * @page_count:	pages in each.
 * @nr_ranges:	ranges in @page_first and @page_count (at least one).
 * @space_end:	first page after every region (huge-page aims above it).
 * @nr_locks:	lock ids 0 .. @nr_locks - 1.
 * @rng:	the dice (xorshift64*), from the seed.
 * @send_fd:	debugfs dsm/send, or -1 with @dry_run.
 * @dry_run:	print messages in hex instead of sending them.
 * @verbose:	log every message.
 * @skip:	bit t: never send messages of type t, nor NACKs refusing
 *		one (--skip-types: tells one effect from another).
 * @skipped:	messages not sent for @skip.
 * @kinds:	the kinds of the run, in the order given.
 * @nr_kinds:	entries in @kinds.
 * @count:	per entry of @kinds.
 * @cur:	the kind being run (index into @kinds).
 * @stall_node:	the node whose connection this node does not read now
 *		(kind silent), or -1.
 * @stall_end:	when that stall ends (monotonic seconds).
 * @est_at:	when @est_req was last read.
 * @est_req:	this node's request count, an estimate of the targets'
 *		(the nodes run the same workload).
 * @seen_at:	when @seen was last read.
 * @seen:	per node: the last of its request ids this node has seen
 *		(debugfs dsm/fault, "last_req_id"); 0: none.
 */
struct adv {
	unsigned int local;
	uint64_t present;
	unsigned int nodes;
	unsigned int dst[DSM_MAX_NODES];
	unsigned int nr_dst;
	uint64_t page_first[ADV_MAX_RANGES];
	uint64_t page_count[ADV_MAX_RANGES];
	unsigned int nr_ranges;
	uint64_t space_end;
	unsigned int nr_locks;
	uint64_t rng;
	int send_fd;
	bool dry_run;
	bool verbose;
	uint32_t skip;
	unsigned long skipped;
	const struct adv_kind *kinds[ADV_MAX_KINDS];
	unsigned int nr_kinds;
	struct adv_count count[ADV_MAX_KINDS];
	unsigned int cur;
	int stall_node;
	double stall_end;
	double est_at;
	uint64_t est_req;
	double seen_at;
	uint64_t seen[DSM_MAX_NODES];
	uint64_t epoch;		/* home-table epoch its messages carry */
};

/* dsm_adversary.c */
uint64_t adv_rand(struct adv *a);
uint64_t adv_below(struct adv *a, uint64_t n);
double adv_now(void);
unsigned int adv_home(const struct adv *a, uint64_t page);
int adv_send(struct adv *a, const void *buf, int len);
int adv_fault(const char *line);
uint64_t adv_stat(const char *name);
void adv_seen(struct adv *a);

/* dsm_adv_kinds.c */
extern const struct adv_kind adv_kinds[];
const struct adv_kind *adv_kind_find(const char *name);
void adv_begin(struct dsm_wire_enc *e, void *buf, const struct adv *a,
	       uint8_t type, unsigned int dst, uint64_t req_id);
void adv_silent_end(struct adv *a);

#endif /* _DSM_ADVERSARY_H */
