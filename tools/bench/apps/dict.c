// SPDX-License-Identifier: GPL-2.0
/*
 * dict - a shared dictionary: a fixed-capacity open-addressing hash map in
 * dsm's default sc region, used at once from every node with
 * compare-and-swap.
 *
 * Unmodified program: only open and mmap of /dev/dsm, ordinary loads,
 * stores and atomic instructions. Runs on every node at once.
 *
 * The map: CAPACITY slots of (key, value), 64 bits each, linear probing,
 * key 0 means empty, no deletion. insert claims an empty slot by a CAS of
 * its key from 0; a failed CAS that finds the same key means someone else
 * inserted it (no duplicates); update and add change a value by a CAS
 * loop. A value of 0 means "being inserted": lookups treat it as absent.
 *
 * Build phase, on every node i at once, with KEYS = K:
 *   - own keys (i, m), m < K: insert with value V(m, 0), then update to
 *     V(m, 1) (every m) and V(m, 2) (even m): the last value is known;
 *   - shared keys s < K, the same on every node: add i + 1 (inserting if
 *     absent); the first half in the same order on every node, so that
 *     the nodes race for the same keys, the rest from a different start
 *     on each node; the final value is 1 + 2 + ... + N;
 *   - meanwhile, lookups of the next node's own keys must find nothing or
 *     one of the values that node writes, never going back.
 * Verify (node 0): a scan of the whole table finds exactly K * (N + 1)
 * keys, each once, each with its last value, each reachable by lookup.
 * Read phases r = 1..N: nodes 0..r-1 look up READS random keys each
 * (after one untimed pass over all keys, which also checks every value on
 * every reading node); node 0 prints reads per second per node. The table
 * is read-only now, so every reader holds its own copy of its pages and
 * reads should scale with the readers (up to the host's cores: the
 * virtual nodes share them).
 *
 * Messages (with -m): around each read phase's timed lookups, and around
 * an update phase that follows (every node sets UPDATES random keys of
 * its own to the value they have, each a write to a page the readers
 * hold), every node reads its kernel's message counters (app_msgs_sent())
 * between two app_syncs; node 0 prints the messages the whole cluster
 * sent per lookup and per update. Once the map is built and read, a
 * lookup should cost none; an update what the pages it touches cost.
 *
 * With APP_BREAK=1 in the environment, add is a plain load and store
 * instead of a CAS loop: concurrent adds get lost and verify says so.
 *
 * With APP_UNTIL=FILE (for tests that change the cluster while a program
 * runs: dsm_join, dsm_leave), after node 0's verify every node goes on
 * in rounds, each a write of every own key (its current value, by CAS)
 * and a full checked pass over all keys, 0.5 s apart, until FILE exists
 * on its own node (at least one round); it says so when it starts
 * ("dict: node N: rounds until FILE") and, at the end, how many rounds
 * it made and how many lookups found a wrong value (counted as errors:
 * verify=FAIL).
 *
 *   dict [-r READS] [-m] [-u UPDATES] KEYS
 */
#include <getopt.h>

#include "sc_common.h"

#define APP		"dict"
#define DICT_OFF	(128UL << 20)	/* inside the default region */
#define DICT_SPAN	(64UL << 20)
#define MAX_KEYS	100000UL
#define MAX_READS	100000000UL
#define MAGIC		0x64696374UL	/* "dict" */
#define UNTIL_PAUSE_US	500000		/* APP_UNTIL: between two rounds */

#define KEY_SHARED	(1ULL << 62)
#define KEY_OWN(i, m)	((((uint64_t)(i) + 1) << 40) | (m))
#define VAL(m, r)	((((uint64_t)(m)) << 8) | ((r) + 1))

struct slot {
	uint64_t key;
	uint64_t val;
};

struct result {			/* one reader in one read phase */
	uint64_t reads, ns, errors;
};

struct head {
	uint64_t magic, nodes, keys, capacity, reads;
	uint64_t build_errors[APP_MAX_NODES];
	uint64_t round_errors[APP_MAX_NODES];	/* APP_UNTIL */
	struct result res[APP_MAX_NODES][APP_MAX_NODES]; /* [phase][node] */
	/* -m: messages each node sent in each read phase, then updating */
	int64_t msgs[APP_MAX_NODES + 1][APP_MAX_NODES];
};

static int id, nodes;
static int break_add;	/* APP_BREAK=1: add without CAS, to see it fail */
static struct head *H;
static struct slot *T;
static uint64_t mask;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " APP " [-r READS] [-m] [-u UPDATES] KEYS\n"
		"  Every node inserts KEYS own keys (1..%lu), updates them, and\n"
		"  adds to KEYS keys shared by all nodes, at once, in one hash\n"
		"  map in the default dsm region; node 0 verifies the map; then\n"
		"  1, 2, ... N nodes read it: reads per second per node.\n"
		"  -r READS  timed lookups per reader and phase (default 20000)\n"
		"  -m        count the messages per lookup and per update\n"
		"  -u N      with -m, updates per node after the reads (default 1000)\n"
		"Runs on every vcluster node at once (DSM_NODE_ID, DSM_NODES).\n",
		MAX_KEYS);
}

static uint64_t mix(uint64_t x)		/* splitmix64's finalizer */
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* The slot holding @key, or the empty slot where it would go; -1: full. */
static long probe(uint64_t key, int claim)
{
	uint64_t h = mix(key) & mask, n, k;

	for (n = 0; n <= mask; n++, h = (h + 1) & mask) {
		k = __atomic_load_n(&T[h].key, __ATOMIC_SEQ_CST);
		if (k == key)
			return (long)h;
		if (k)
			continue;
		if (!claim)
			return -1;
		if (__atomic_compare_exchange_n(&T[h].key, &k, key, 0,
						__ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST))
			return (long)h;
		if (k == key)		/* someone inserted it first */
			return (long)h;
	}
	return -1;
}

/* 0: absent (or being inserted); else the value. */
static uint64_t lookup(uint64_t key)
{
	long s = probe(key, 0);

	return s < 0 ? 0 : __atomic_load_n(&T[s].val, __ATOMIC_SEQ_CST);
}

/* Set @key to @val by CAS, inserting it if absent. */
static int put(uint64_t key, uint64_t val)
{
	long s = probe(key, 1);
	uint64_t old;

	if (s < 0)
		return -1;
	old = __atomic_load_n(&T[s].val, __ATOMIC_SEQ_CST);
	while (!__atomic_compare_exchange_n(&T[s].val, &old, val, 0,
					    __ATOMIC_SEQ_CST,
					    __ATOMIC_SEQ_CST))
		;
	return 0;
}

/* Add @d to @key's value by CAS, inserting it if absent. */
static int add(uint64_t key, uint64_t d)
{
	long s = probe(key, 1);
	uint64_t old;

	if (s < 0)
		return -1;
	old = __atomic_load_n(&T[s].val, __ATOMIC_SEQ_CST);
	if (break_add) {	/* a plain read-modify-write: loses adds */
		__atomic_store_n(&T[s].val, old + d, __ATOMIC_SEQ_CST);
		return 0;
	}
	while (!__atomic_compare_exchange_n(&T[s].val, &old, old + d, 0,
					    __ATOMIC_SEQ_CST,
					    __ATOMIC_SEQ_CST))
		;
	return 0;
}

static uint64_t shared_total(void)
{
	return (uint64_t)nodes * (nodes + 1) / 2;
}

/* The value every key must end with. */
static uint64_t final_value(uint64_t key)
{
	uint64_t m;

	if (key & KEY_SHARED)
		return shared_total();
	m = key & ((1ULL << 40) - 1);
	return VAL(m, m % 2 ? 1 : 2);
}

/*
 * The build phase on this node. Returns the number of errors it saw:
 * a full table, or a lookup of the next node's key that found a value
 * that node never wrote, or older than one seen before.
 */
static uint64_t build(uint64_t K)
{
	int peer = (id + 1) % nodes;
	uint64_t m, s, v, errors = 0, *seen;

	seen = calloc(K, sizeof(*seen));
	if (!seen)
		return 1;
	for (m = 0; m < K; m++) {
		/*
		 * The first half of the shared keys in the same order on
		 * every node (the nodes race for the same key), the second
		 * half from a different start on each node.
		 */
		if (m < K / 2)
			s = m;
		else
			s = K / 2 + (m - K / 2 + id * (K - K / 2) / nodes) %
				(K - K / 2);
		if (put(KEY_OWN(id, m), VAL(m, 0)) ||
		    add(KEY_SHARED | s, id + 1))
			errors++;
		if (m % 4 == 3 && nodes > 1) {
			uint64_t pm = (m * 7) % K;

			v = lookup(KEY_OWN(peer, pm));
			if (v && (v >> 8 != pm || (v & 0xff) > 3 ||
				  v < seen[pm])) {
				if (errors < 5)
					printf("node %d: key (%d, %llu) read %#llx after %#llx\n",
					       id, peer, (unsigned long long)pm,
					       (unsigned long long)v,
					       (unsigned long long)seen[pm]);
				errors++;
			}
			if (v > seen[pm])
				seen[pm] = v;
		}
	}
	for (m = 0; m < K; m++)
		if (put(KEY_OWN(id, m), VAL(m, 1)))
			errors++;
	for (m = 0; m < K; m += 2)
		if (put(KEY_OWN(id, m), VAL(m, 2)))
			errors++;
	free(seen);
	return errors;
}

/* Node 0, after the build: the whole table. Returns the errors. */
static uint64_t verify(uint64_t K)
{
	uint64_t want = K * (nodes + 1), found = 0, errors = 0, h, key, idx;
	uint8_t *hit = calloc(want, 1);

#define BAD(...) do { if (errors++ < 10) printf("  " __VA_ARGS__); } while (0)
	if (!hit)
		return 1;
	for (h = 0; h <= mask; h++) {
		key = T[h].key;
		if (!key)
			continue;
		found++;
		if (key & KEY_SHARED) {
			idx = key & ~KEY_SHARED;
			if (idx >= K) {
				BAD("slot %llu: unknown key %#llx\n",
				    (unsigned long long)h,
				    (unsigned long long)key);
				continue;
			}
		} else {
			uint64_t i = (key >> 40) - 1, m = key & ((1ULL << 40) - 1);

			if (i >= (uint64_t)nodes || m >= K) {
				BAD("slot %llu: unknown key %#llx\n",
				    (unsigned long long)h,
				    (unsigned long long)key);
				continue;
			}
			idx = K + i * K + m;
		}
		if (hit[idx]++)
			BAD("key %#llx twice (slot %llu)\n",
			    (unsigned long long)key, (unsigned long long)h);
		if (T[h].val != final_value(key))
			BAD("key %#llx: value %llu, want %llu\n",
			    (unsigned long long)key,
			    (unsigned long long)T[h].val,
			    (unsigned long long)final_value(key));
		if (probe(key, 0) != (long)h)
			BAD("key %#llx in slot %llu is not found by lookup\n",
			    (unsigned long long)key, (unsigned long long)h);
	}
	if (found != want)
		BAD("%llu keys in the table, want %llu\n",
		    (unsigned long long)found, (unsigned long long)want);
	for (idx = 0; idx < want; idx++)
		if (!hit[idx])
			BAD("key number %llu missing\n",
			    (unsigned long long)idx);
#undef BAD
	free(hit);
	return errors;
}

static uint64_t key_number(uint64_t K, uint64_t n)
{
	return n < K ? (KEY_SHARED | n) : KEY_OWN((n - K) / K, (n - K) % K);
}

/* One reader in one read phase, first an untimed full pass. */
static uint64_t read_all(uint64_t K)
{
	uint64_t total = K * (nodes + 1), n, key, errors = 0;

	for (n = 0; n < total; n++) {
		key = key_number(K, n);
		if (lookup(key) != final_value(key))
			errors++;
	}
	return errors;
}

/* ... then READS timed lookups of random keys, into @r. */
static void read_timed(uint64_t K, uint64_t reads, struct result *r)
{
	uint64_t total = K * (nodes + 1), n, key, x;
	double t;

	x = mix(id * 1000 + reads) | 1;
	t = app_now();
	for (n = 0; n < reads; n++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		key = key_number(K, x % total);
		if (lookup(key) != final_value(key))
			r->errors++;
	}
	r->ns = (uint64_t)((app_now() - t) * 1e9);
	r->reads = reads;
}

/* -m: @updates writes of this node's own keys, each its current value. */
static void update_own(uint64_t K, uint64_t updates)
{
	uint64_t n, key, v, x = mix(id + 77) | 1;
	long h;

	for (n = 0; n < updates; n++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		key = KEY_OWN(id, x % K);
		h = probe(key, 0);
		if (h < 0)
			continue;	/* verify has said so already */
		v = __atomic_load_n(&T[h].val, __ATOMIC_SEQ_CST);
		__atomic_compare_exchange_n(&T[h].val, &v, v, 0,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	}
}

/*
 * APP_UNTIL=@until: rounds of writes and checked reads until @until exists
 * here. Return: the wrong lookups; *@rounds: the rounds made.
 */
static uint64_t rounds_until(uint64_t K, const char *until,
			     unsigned long *rounds)
{
	uint64_t errors = 0;

	printf("dict: node %d: rounds until %s\n", id, until);
	fflush(stdout);
	*rounds = 0;
	do {
		update_own(K, K);
		errors += read_all(K);
		(*rounds)++;
		/*
		 * At most a round every UNTIL_PAUSE_US per node: enough to
		 * keep the map's pages moving between the nodes, and it
		 * leaves the (virtual) machines to the change it runs through.
		 */
		usleep(UNTIL_PAUSE_US);
	} while (access(until, F_OK) != 0);
	printf("dict: node %d: %lu rounds, %llu wrong lookups\n", id, *rounds,
	       (unsigned long long)errors);
	fflush(stdout);
	return errors;
}

/* Messages sent from this node between two app_syncs, or -1. */
static int64_t msgs_between(long long m0, long long m1)
{
	return m0 < 0 || m1 < 0 ? -1 : m1 - m0;
}

/* Node 0, -m: the cluster's messages per lookup (phase < nodes) or update. */
static void print_msgs(int phase, uint64_t ops)
{
	int64_t sum = 0;
	int j;

	for (j = 0; j < nodes; j++) {
		if (H->msgs[phase][j] < 0) {
			printf("n/a (no counters)");
			return;
		}
		sum += H->msgs[phase][j];
	}
	printf("%.4f (%lld messages)", ops ? (double)sum / ops : 0.0,
	       (long long)sum);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long K, reads = 20000, updates = 1000, cap;
	int64_t my_msgs[APP_MAX_NODES + 1];
	struct result mine[APP_MAX_NODES];
	uint64_t errors = 0, read_errors;
	long long m0 = -1;
	unsigned long rounds;
	const char *until;
	int count = 0;
	double t0, t1;
	int c, r, j;
	char *base;

	while ((c = getopt_long(argc, argv, "r:mu:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (app_arg(optarg, 1, MAX_READS, &reads))
				goto bad_args;
			break;
		case 'm':
			count = 1;
			break;
		case 'u':
			if (app_arg(optarg, 1, MAX_READS, &updates))
				goto bad_args;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad_args;
		}
	}
	if (optind != argc - 1 || app_arg(argv[optind], 1, MAX_KEYS, &K))
		goto bad_args;
	break_add = app_env("APP_BREAK") == 1;
	if (app_nodes_env(&id, &nodes)) {
		fprintf(stderr, APP ": DSM_NODE_ID and DSM_NODES must be set (0 <= id < nodes <= %d)\n",
			APP_MAX_NODES);
		return 2;
	}
	/* At most half full: capacity a power of two >= 2 * all keys. */
	for (cap = 64; cap < 2 * K * (nodes + 1); cap *= 2)
		;
	if (APP_PAGE + cap * sizeof(struct slot) > DICT_SPAN ||
	    sizeof(struct head) > APP_PAGE) {
		fprintf(stderr, APP ": internal: table does not fit\n");
		return 1;
	}
	base = app_map(DICT_OFF, APP_PAGE + cap * sizeof(struct slot));
	if (!base)
		return 1;
	H = (struct head *)base;
	T = (struct slot *)(base + APP_PAGE);
	mask = cap - 1;
	if (id == 0) {
		memset(base, 0, APP_PAGE + cap * sizeof(struct slot));
		H->nodes = nodes;
		H->keys = K;
		H->capacity = cap;
		H->reads = reads;
		__atomic_store_n(&H->magic, MAGIC, __ATOMIC_SEQ_CST);
	}
	if (app_sync(1, APP_SYNC_TIMEOUT)) {
		fprintf(stderr, APP ": node %d: the nodes did not meet (start)\n",
			id);
		return 1;
	}
	if (H->magic != MAGIC || H->nodes != (uint64_t)nodes ||
	    H->keys != K || H->capacity != cap || H->reads != reads) {
		fprintf(stderr, APP ": node %d: node 0 runs other arguments\n",
			id);
		return 1;
	}
	t0 = app_now();
	H->build_errors[id] = build(K);
	if (app_sync(2, APP_SYNC_TIMEOUT)) {
		fprintf(stderr, APP ": node %d: the nodes did not meet (build)\n",
			id);
		return 1;
	}
	if (id == 0) {
		t1 = app_now();
		for (j = 0; j < nodes; j++)
			if (H->build_errors[j]) {
				printf("  node %d: %llu errors while building\n",
				       j, (unsigned long long)H->build_errors[j]);
				errors += H->build_errors[j];
			}
		errors += verify(K);
		printf("dict: %lu keys (%lu shared, %lu per node) in %lu slots, built by %d nodes in %.0f ms: %s\n",
		       K * (nodes + 1), K, K, cap, nodes, (t1 - t0) * 1000,
		       errors ? "WRONG" : "every key once, with its last value");
	}
	until = getenv("APP_UNTIL");
	if (until && *until) {
		H->round_errors[id] = rounds_until(K, until, &rounds);
		if (app_sync(3, APP_SYNC_TIMEOUT)) {
			fprintf(stderr, APP ": node %d: the nodes did not meet (rounds)\n",
				id);
			return 1;
		}
		for (j = 0; id == 0 && j < nodes; j++)
			errors += H->round_errors[j];
	}
	/*
	 * Every node takes every step (app_sync), readers or not; nothing
	 * is written to the map between a phase's two counter readings.
	 */
	memset(mine, 0, sizeof(mine));
	for (r = 1; r <= nodes; r++) {
		if (app_sync(10 + r, APP_SYNC_TIMEOUT))
			goto no_meeting;
		read_errors = id < r ? read_all(K) : 0;
		if (count) {
			if (app_sync(40 + r, APP_SYNC_TIMEOUT))
				goto no_meeting;
			m0 = app_msgs_sent();
		}
		if (id < r)
			read_timed(K, reads, &mine[r - 1]);
		if (count) {
			if (app_sync(50 + r, APP_SYNC_TIMEOUT))
				goto no_meeting;
			my_msgs[r - 1] = msgs_between(m0, app_msgs_sent());
		}
		mine[r - 1].errors += read_errors;
	}
	if (count) {
		if (app_sync(60, APP_SYNC_TIMEOUT))
			goto no_meeting;
		m0 = app_msgs_sent();
		update_own(K, updates);
		if (app_sync(61, APP_SYNC_TIMEOUT))
			goto no_meeting;
		my_msgs[nodes] = msgs_between(m0, app_msgs_sent());
		for (r = 0; r <= nodes; r++)
			H->msgs[r][id] = my_msgs[r];
	}
	for (r = 1; r <= nodes; r++)
		if (id < r)
			H->res[r - 1][id] = mine[r - 1];
	if (app_sync(30, APP_SYNC_TIMEOUT)) {
		fprintf(stderr, APP ": node %d: the nodes did not meet (end)\n",
			id);
		return 1;
	}
	t1 = app_now();
	if (id == 0) {
		printf("dict: readers  reads/s per node (min .. max)  all readers\n");
		for (r = 1; r <= nodes; r++) {
			double sum = 0, lo = 1e18, hi = 0, rate;

			for (j = 0; j < r; j++) {
				struct result *res = &H->res[r - 1][j];

				rate = res->ns ? res->reads * 1e9 / res->ns : 0;
				sum += rate;
				lo = rate < lo ? rate : lo;
				hi = rate > hi ? rate : hi;
				if (res->errors || res->reads != reads) {
					printf("  node %d, %d readers: %llu wrong lookups\n",
					       j, r,
					       (unsigned long long)res->errors);
					errors += res->errors + !res->errors;
				}
			}
			printf("dict: %7d  %12.0f (%.0f .. %.0f)  %12.0f",
			       r, sum / r, lo, hi, sum);
			if (count) {
				printf("  messages per lookup ");
				print_msgs(r - 1, (uint64_t)r * reads);
			}
			printf("\n");
		}
		if (count) {
			printf("dict: %d nodes update %lu own keys each: messages per update ",
			       nodes, updates);
			print_msgs(nodes, (uint64_t)nodes * updates);
			printf("\n");
		}
		printf("app=" APP " nodes=%d size=%lu time_ms=%.0f verify=%s\n",
		       nodes, K, (t1 - t0) * 1000, errors ? "FAIL" : "ok");
		fflush(stdout);
	}
	if (app_sync(31, APP_SYNC_TIMEOUT)) {
		fprintf(stderr, APP ": node %d: the nodes did not meet (exit)\n",
			id);
		return 1;
	}
	return errors ? 1 : 0;

no_meeting:
	fprintf(stderr, APP ": node %d: the nodes did not meet (reads or updates)\n",
		id);
	return 1;

bad_args:
	usage(stderr);
	return 2;
}
