// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_adversary - a hostile or buggy member of a test cluster.
 *
 * Runs on one node of the virtual cluster, as root, and sends wire
 * messages to other nodes over this node's own data connections, through
 * the module's debugfs file dsm/send (module parameter inject=1,
 * Documentation/admin-guide.md). It is an authenticated member: its
 * messages carry this node's id as src. Every message is made by
 * kmod/core's encoder (compiled in here), so it passes the receiver's
 * decoder; what is wrong is what it says, who says it, or when. The
 * receiver must refuse it, or survive it, without crashing, wedging or
 * corrupting anything (issue 12).
 *
 *   dsm_adversary send TYPE --dst N [field options]
 *	one message, described field by field (see usage()); exit 0 if
 *	the module took it
 *   dsm_adversary run --duration SEC --dst N[,N...] [--seed S]
 *	[--rate MSGS_PER_SEC] [--kinds k1,k2,...]
 *	[--pages FIRST:COUNT[,...]] [--locks COUNT] [--skip-types T,...]
 *	random wrong messages of the given kinds (dsm_adv_kinds.c) for SEC
 *	seconds, reproducible from the seed (printed at the start), then
 *	one line per kind: "kind sent=N failed=N", and a total.
 *	--skip-types leaves out messages of some types (and NACKs refusing
 *	them), to tell the effect of one part of a kind from another's.
 *
 * --dry-run prints the messages in hex instead of sending them (on any
 * machine). SIGTERM and SIGINT end a run early, with its counts. This
 * node's id is DSM_NODE_ID, else the module's (debugfs dsm/nodes).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dsm_adversary.h"
#include "dsm_diff.h"
#include "dsm_members.h"

#define ADV_RATE		50
#define ADV_LOCKS		8
#define ADV_MAX_WANTS		DSM_WIRE_MAX_DIFFS
#define ADV_MAX_NOTICES		64

static volatile sig_atomic_t adv_stop;

static void adv_usage(FILE *f)
{
	const struct adv_kind *k;

	fprintf(f,
"usage: dsm_adversary send TYPE --dst N [options]\n"
"       dsm_adversary run --duration SEC --dst N[,N...] [--seed S]\n"
"                     [--rate MSGS_PER_SEC] [--kinds K1,K2,...]\n"
"                     [--pages FIRST:COUNT[,...]] [--locks COUNT]\n"
"                     [--skip-types T1,T2,...]\n"
"send options (fields; what a type does not have is ignored):\n"
"  --page P --req-id R --access r|w --have-copy --errno E --nacked-type T\n"
"  --arg A --lock L --vt a,b,c --owner O --copyset MASK --requester Q\n"
"  --new-owner O --fwd-req-id R --no-data --fill BYTE --more\n"
"  --barrier B --epoch E --interval CREATOR:INDEX --notices P1,P2,...\n"
"  --want NODE:INTERVAL (repeatable) --cluster-id ID\n"
"both: --dry-run (print in hex, send nothing; --src N sets the sender)\n"
"      --verbose (print every message)\n"
"TYPE: a message type name (page_req, LOCK_GRANT, ...) or number.\n"
"kinds (default: all):\n");
	for (k = adv_kinds; k->name; k++)
		fprintf(f, "  %-13s %s\n", k->name, k->what);
}

/* ---------------------------------------------------------- helpers */

/* xorshift64*: small, and the same sequence on every machine. */
uint64_t adv_rand(struct adv *a)
{
	a->rng ^= a->rng >> 12;
	a->rng ^= a->rng << 25;
	a->rng ^= a->rng >> 27;
	return a->rng * 0x2545f4914f6cdd1dULL;
}

uint64_t adv_below(struct adv *a, uint64_t n)
{
	return n ? adv_rand(a) % n : 0;
}

double adv_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

unsigned int adv_home(const struct adv *a, uint64_t page)
{
	return dsm_member_rank(a->present, page, a->local);
}

static void adv_hex(const uint8_t *p, int len)
{
	int i;

	for (i = 0; i < len; i++)
		printf("%02x%s", p[i], (i % 32 == 31 || i == len - 1) ? "\n" :
				       (i % 8 == 7 ? " " : ""));
}

/*
 * Send one encoded message (@len from dsm_wire_enc_end(): an errno when
 * the encoder refused it) and count it for the current kind. Returns 0
 * or a negative errno.
 */
int adv_send(struct adv *a, const void *buf, int len)
{
	struct adv_count *c = &a->count[a->cur];
	const struct dsm_wire_hdr *h = buf;
	const struct dsm_wire_nack *nack = (const void *)(h + 1);
	ssize_t n;
	int err = 0;

	if (len >= 0 && ((a->skip >> h->type & 1) ||
			 (h->type == DSM_MSG_NACK &&
			  (a->skip >> nack->nacked_type & 1)))) {
		a->skipped++;
		return 0;
	}
	if (len < 0) {
		err = len;	/* a bug here: the encoder refused it */
		fprintf(stderr, "dsm_adversary: encoder refused a message: %s\n",
			strerror(-len));
	} else if (a->dry_run) {
		printf("# %s to node %u, %d bytes\n",
		       dsm_wire_type_name(h->type), le16_to_cpu(h->dst), len);
		adv_hex(buf, len);
	} else {
		n = write(a->send_fd, buf, len);
		if (n != len)
			err = n < 0 ? -errno : -EIO;
		if (a->verbose)
			printf("# %s to node %u, %d bytes: %s\n",
			       dsm_wire_type_name(h->type), le16_to_cpu(h->dst),
			       len, err ? strerror(-err) : "sent");
	}
	if (err) {
		c->failed++;
		c->last_err = -err;
	} else {
		c->sent++;
	}
	return err;
}

/* Write @line to debugfs dsm/fault. 0 or a negative errno. */
int adv_fault(const char *line)
{
	int fd, err = 0;

	fd = open(ADV_DEBUGFS "/fault", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, line, strlen(line)) != (ssize_t)strlen(line))
		err = -errno;
	close(fd);
	return err;
}

/* A counter of this node's debugfs dsm/stats, or 0. */
uint64_t adv_stat(const char *name)
{
	char key[64];
	uint64_t v, ret = 0;
	FILE *f;

	f = fopen(ADV_DEBUGFS "/stats", "re");
	if (!f)
		return 0;
	while (fscanf(f, "%63s %" SCNu64, key, &v) == 2)
		if (!strcmp(key, name)) {
			ret = v;
			break;
		}
	fclose(f);
	return ret;
}

/* Refresh a->seen from the last_req_id lines of debugfs dsm/fault. */
void adv_seen(struct adv *a)
{
	unsigned int node;
	char line[128];
	uint64_t id;
	FILE *f;

	f = fopen(ADV_DEBUGFS "/fault", "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "# last_req_id %u %" SCNu64, &node, &id) == 2 &&
		    node < DSM_MAX_NODES)
			a->seen[node] = id;
	fclose(f);
}

static int adv_uint(const char *s, uint64_t max, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || end == s || *end || *v > max || s[0] == '-' ? -1 : 0;
}

/* "a,b,c" into at most @max numbers; returns how many, or -1. */
static int adv_list(const char *s, uint64_t max, uint64_t *out, int nmax)
{
	char buf[1024], *tok, *save;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (n == nmax || adv_uint(tok, max, &out[n]))
			return -1;
		n++;
	}
	return n;
}

/* "A:B" into two numbers. */
static int adv_pair(const char *s, uint64_t max1, uint64_t max2,
		    uint64_t *x, uint64_t *y)
{
	char buf[64], *colon;

	snprintf(buf, sizeof(buf), "%s", s);
	colon = strchr(buf, ':');
	if (!colon)
		return -1;
	*colon = '\0';
	return adv_uint(buf, max1, x) || adv_uint(colon + 1, max2, y) ? -1 : 0;
}

static int adv_type(const char *s, uint8_t *type)
{
	uint64_t t;

	for (t = 1; t <= DSM_MSG_TYPE_MAX; t++)
		if (!strcasecmp(s, dsm_wire_type_name(t))) {
			*type = t;
			return 0;
		}
	if (adv_uint(s, DSM_MSG_TYPE_MAX, &t) || !t)
		return -1;
	*type = t;
	return 0;
}

/* ---------------------------------------------------------- the node */

/* DSM_NODE_ID (set by vcluster), or -1. */
static int adv_env_node(void)
{
	const char *s = getenv("DSM_NODE_ID");
	uint64_t id;

	return s && !adv_uint(s, DSM_MAX_NODES - 1, &id) ? (int)id : -1;
}

/*
 * Who this node is and who is present (debugfs dsm/nodes, else the
 * environment), and where the regions end (dsm/regions).
 */
static int adv_discover(struct adv *a, int src)
{
	uint64_t off, size, id;
	char line[256];
	int env = adv_env_node();
	FILE *f;

	a->local = src >= 0 ? (unsigned int)src : env >= 0 ? env : 0;
	f = fopen(ADV_DEBUGFS "/nodes", "re");
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "cluster %*s local %" SCNu64, &id) == 1 &&
		    src < 0 && env < 0)
			a->local = id;
		/* Its messages carry the local table's epoch: not stale. */
		if (sscanf(line, "home_epoch %" SCNu64, &id) == 1)
			a->epoch = id;
		if (sscanf(line, "node %" SCNu64, &id) == 1 &&
		    id < DSM_MAX_NODES)
			a->present |= 1ULL << id;
	}
	if (f)
		fclose(f);
	if (!a->present) {
		const char *n = getenv("DSM_NODES");
		uint64_t nodes;

		if (!n || adv_uint(n, DSM_MAX_NODES, &nodes) || !nodes)
			nodes = 3;
		a->present = ~0ULL >> (64 - nodes);	/* 1 .. 64 */
	}
	for (id = 0; id < DSM_MAX_NODES; id++)
		if (a->present >> id & 1)
			a->nodes = id + 1;
	f = fopen(ADV_DEBUGFS "/regions", "re");
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s offset %" SCNx64 " size %" SCNx64,
			   &off, &size) != 2)
			continue;
		if (!a->nr_ranges) {	/* the first region, by default */
			a->page_first[0] = off / DSM_PAGE_SIZE;
			a->page_count[0] = size / DSM_PAGE_SIZE;
			a->nr_ranges = 1;
		}
		if ((off + size) / DSM_PAGE_SIZE > a->space_end)
			a->space_end = (off + size) / DSM_PAGE_SIZE;
	}
	if (f)
		fclose(f);
	if (!a->nr_ranges) {	/* the default region: 256 MiB */
		a->page_count[0] = 65536;
		a->nr_ranges = 1;
	}
	if (!a->space_end)
		a->space_end = a->page_first[0] + a->page_count[0];
	if (a->local >= DSM_MAX_NODES)
		return -1;
	return 0;
}

/* Open debugfs dsm/send, unless the messages are only printed. */
static int adv_open(struct adv *a)
{
	a->send_fd = -1;
	if (a->dry_run)
		return 0;
	a->send_fd = open(ADV_DEBUGFS "/send", O_WRONLY | O_CLOEXEC);
	if (a->send_fd >= 0)
		return 0;
	fprintf(stderr, "dsm_adversary: %s/send: %s (load dsm.ko with inject=1, run as root)\n",
		ADV_DEBUGFS, strerror(errno));
	return -1;
}

/* ---------------------------------------------------------- send */

/**
 * struct adv_msg - one message of the send mode, field by field.
 * Fields a type does not have are ignored.
 */
struct adv_msg {
	int dst;
	uint64_t page, req_id, fwd_req_id, arg, copyset, cluster_id;
	bool have_fwd_req_id, have_arg, have_copy, no_data, more;
	uint8_t access, nacked, fill;
	uint32_t err, lock, barrier, epoch;
	int owner, requester, new_owner;
	struct dsm_vt vt;
	int iv_creator;
	uint32_t iv_index;
	u64 notices[ADV_MAX_NOTICES];
	int nr_notices;
	uint16_t want_node[ADV_MAX_WANTS];
	uint32_t want_iv[ADV_MAX_WANTS];
	int nr_wants;
};

/* The fixed-size bodies, from @o into @m. */
static void adv_msg_fixed(const struct adv *a, const struct adv_msg *o,
			  uint8_t type, struct dsm_msg *m)
{
	static uint8_t data[DSM_PAGE_SIZE];

	memset(data, o->fill, sizeof(data));
	m->hdr.type = type;
	switch (type) {
	case DSM_MSG_PAGE_REQ:
		m->u.page_req.page = o->page;
		m->u.page_req.access = o->access;
		m->u.page_req.flags = o->have_copy ? DSM_PAGE_F_HAVE_COPY : 0;
		break;
	case DSM_MSG_PAGE_FWD:
		m->u.page_fwd.page = o->page;
		m->u.page_fwd.access = o->access;
		m->u.page_fwd.flags = o->have_copy ? DSM_PAGE_F_HAVE_COPY : 0;
		m->u.page_fwd.requester = o->requester >= 0 ?
					  (unsigned int)o->requester :
					  a->local;
		m->u.page_fwd.req_id = o->have_fwd_req_id ? o->fwd_req_id :
				       o->req_id;
		break;
	case DSM_MSG_PAGE_GRANT:
		m->u.page_grant.page = o->page;
		m->u.page_grant.access = o->access;
		m->u.page_grant.owner = o->owner >= 0 ? o->owner :
					o->access == DSM_ACCESS_WRITE ?
					o->dst : (int)a->local;
		m->u.page_grant.copyset = o->copyset;
		m->u.page_grant.data = o->no_data ? NULL : data;
		break;
	case DSM_MSG_INVAL:
		m->u.inval.page = o->page;
		m->u.inval.new_owner = o->new_owner >= 0 ?
				       (unsigned int)o->new_owner : a->local;
		break;
	case DSM_MSG_INVAL_ACK:
		m->u.inval_ack.page = o->page;
		break;
	case DSM_MSG_CONFIRM:
		m->u.confirm.page = o->page;
		m->u.confirm.access = o->access;
		break;
	case DSM_MSG_NACK:
		m->u.nack.error = o->err;
		m->u.nack.nacked_type = o->nacked;
		m->u.nack.arg = o->have_arg ? o->arg : o->page;
		break;
	case DSM_MSG_LOCK_REQ:
		m->u.lock_req.lock_id = o->lock;
		m->u.lock_req.requester = o->requester >= 0 ?
					  (unsigned int)o->requester :
					  a->local;
		m->u.lock_req.req_id = o->req_id;
		m->u.lock_req.vt = o->vt;
		break;
	}
}

/*
 * HOME_XFER of table --epoch (1 if none), flagged LAST, with one entry:
 * --page, --owner (default: the receiver), --copyset.
 */
static void adv_msg_xfer(const struct adv_msg *o, struct dsm_wire_enc *e)
{
	struct dsm_xfer_entry x = {
		.page = o->page, .copyset = o->copyset,
		.owner = o->owner >= 0 ? o->owner : o->dst,
	};

	dsm_wire_enc_home_xfer(e, o->epoch ? o->epoch : 1, DSM_XFER_F_LAST);
	dsm_wire_enc_xfer_entry(e, &x);
}

/* The types with lists: interval sets, wants, diffs, directory entries. */
static void adv_msg_lists(const struct adv_msg *o, uint8_t type,
			  struct dsm_wire_enc *e)
{
	static uint8_t twin[DSM_PAGE_SIZE], page[DSM_PAGE_SIZE];
	struct dsm_interval iv = { 0 };
	struct dsm_vt vt = o->vt;
	uint8_t diff[64];
	int i, len;

	if (o->iv_creator >= 0) {
		if (vt.n <= (uint32_t)o->iv_creator)
			dsm_vt_init(&vt, o->iv_creator + 1);
		if (vt.c[o->iv_creator] < o->iv_index)
			vt.c[o->iv_creator] = o->iv_index;
		iv.creator = o->iv_creator;
		iv.index = o->iv_index;
		iv.vt = vt;
		iv.vt.c[o->iv_creator] = o->iv_index;
		iv.nr_notices = o->nr_notices;
		iv.notices = o->notices;
	}
	memset(page, o->fill, 8);
	len = dsm_diff_create(twin, page, diff, sizeof(diff));
	switch (type) {
	case DSM_MSG_LOCK_GRANT:
		dsm_wire_enc_lock_grant(e, 0, o->lock, &vt);
		break;
	case DSM_MSG_BARRIER_ARRIVE:
	case DSM_MSG_BARRIER_RELEASE:
		dsm_wire_enc_barrier(e, 0, o->barrier, o->epoch, &vt);
		break;
	case DSM_MSG_DIFF_REQ:
		dsm_wire_enc_diff_req(e, o->page);
		for (i = 0; i < o->nr_wants; i++)
			dsm_wire_enc_want(e, o->want_node[i], o->want_iv[i]);
		return;
	case DSM_MSG_HOME_XFER:
		adv_msg_xfer(o, e);
		return;
	default:
		dsm_wire_enc_diff_reply(e, o->page);
		for (i = 0; i < o->nr_wants; i++)
			dsm_wire_enc_diff(e, o->want_node[i], o->want_iv[i],
					  diff, len < 0 ? 0 : len);
		return;
	}
	if (o->iv_creator >= 0)
		dsm_wire_enc_interval(e, &iv);
}

static int adv_send_one(struct adv *a, const struct adv_msg *o, uint8_t type)
{
	static uint8_t buf[DSM_WIRE_MAX_MSG];
	struct dsm_msg_hdr h = {
		.version = DSM_WIRE_VERSION_MAX, .type = type,
		.flags = o->more ? DSM_WIRE_F_MORE : 0, .src = a->local,
		.dst = o->dst, .req_id = o->req_id, .epoch = a->epoch,
	};
	struct dsm_msg m = { .hdr = h };
	struct dsm_wire_enc e;
	int len;

	dsm_wire_enc_begin(&e, buf, sizeof(buf), &h);
	adv_msg_fixed(a, o, type, &m);
	if (dsm_wire_enc_fixed(&e, &m))
		adv_msg_lists(o, type, &e);
	len = dsm_wire_enc_end(&e);
	if (len < 0) {
		fprintf(stderr, "dsm_adversary: %s: the encoder refuses these fields (%s): the decoder would too\n",
			dsm_wire_type_name(type), strerror(-len));
		return 2;
	}
	if (adv_send(a, buf, len)) {
		fprintf(stderr, "dsm_adversary: %s to node %d: %s\n",
			dsm_wire_type_name(type), o->dst,
			strerror(a->count[0].last_err));
		return 1;
	}
	return 0;
}

/* ---------------------------------------------------------- options */

enum {
	O_DST = 256, O_PAGE, O_REQ_ID, O_ACCESS, O_HAVE_COPY, O_ERRNO,
	O_NACKED, O_ARG, O_LOCK, O_VT, O_OWNER, O_COPYSET, O_REQUESTER,
	O_NEW_OWNER, O_FWD_REQ_ID, O_NO_DATA, O_FILL, O_MORE, O_BARRIER,
	O_EPOCH, O_INTERVAL, O_NOTICES, O_WANT, O_CLUSTER_ID, O_DRY_RUN,
	O_SRC, O_VERBOSE, O_SEED, O_DURATION, O_RATE, O_KINDS, O_PAGES,
	O_LOCKS, O_SKIP_TYPES, O_HELP,
};

static const struct option adv_options[] = {
	{ "dst", required_argument, NULL, O_DST },
	{ "page", required_argument, NULL, O_PAGE },
	{ "req-id", required_argument, NULL, O_REQ_ID },
	{ "access", required_argument, NULL, O_ACCESS },
	{ "have-copy", no_argument, NULL, O_HAVE_COPY },
	{ "errno", required_argument, NULL, O_ERRNO },
	{ "nacked-type", required_argument, NULL, O_NACKED },
	{ "arg", required_argument, NULL, O_ARG },
	{ "lock", required_argument, NULL, O_LOCK },
	{ "vt", required_argument, NULL, O_VT },
	{ "owner", required_argument, NULL, O_OWNER },
	{ "copyset", required_argument, NULL, O_COPYSET },
	{ "requester", required_argument, NULL, O_REQUESTER },
	{ "new-owner", required_argument, NULL, O_NEW_OWNER },
	{ "fwd-req-id", required_argument, NULL, O_FWD_REQ_ID },
	{ "no-data", no_argument, NULL, O_NO_DATA },
	{ "fill", required_argument, NULL, O_FILL },
	{ "more", no_argument, NULL, O_MORE },
	{ "barrier", required_argument, NULL, O_BARRIER },
	{ "epoch", required_argument, NULL, O_EPOCH },
	{ "interval", required_argument, NULL, O_INTERVAL },
	{ "notices", required_argument, NULL, O_NOTICES },
	{ "want", required_argument, NULL, O_WANT },
	{ "cluster-id", required_argument, NULL, O_CLUSTER_ID },
	{ "dry-run", no_argument, NULL, O_DRY_RUN },
	{ "src", required_argument, NULL, O_SRC },
	{ "verbose", no_argument, NULL, O_VERBOSE },
	{ "seed", required_argument, NULL, O_SEED },
	{ "duration", required_argument, NULL, O_DURATION },
	{ "rate", required_argument, NULL, O_RATE },
	{ "kinds", required_argument, NULL, O_KINDS },
	{ "pages", required_argument, NULL, O_PAGES },
	{ "locks", required_argument, NULL, O_LOCKS },
	{ "skip-types", required_argument, NULL, O_SKIP_TYPES },
	{ "help", no_argument, NULL, O_HELP },
	{ NULL, 0, NULL, 0 }
};

/* What the options of either mode set. */
struct adv_opts {
	struct adv_msg msg;
	int src;
	uint64_t seed;
	bool have_seed;
	double duration;
	uint64_t rate;
	const char *kinds;
	const char *dsts;
	const char *pages;
	uint64_t locks;
};

static int adv_opt_vt(const char *s, struct dsm_vt *vt)
{
	uint64_t v[DSM_MAX_NODES];
	int i, n = adv_list(s, UINT32_MAX, v, DSM_MAX_NODES);

	if (n < 1)
		return -1;
	dsm_vt_init(vt, n);
	for (i = 0; i < n; i++)
		vt->c[i] = v[i];
	return 0;
}

/* The field options of send. 0, or -1 for a bad value. */
static int adv_opt_msg(int opt, const char *v, struct adv_msg *o)
{
	uint64_t x, y;
	int n;

	switch (opt) {
	case O_DST:
		if (adv_uint(v, DSM_MAX_NODES - 1, &x))
			return -1;
		o->dst = x;
		return 0;
	case O_PAGE:
		return adv_uint(v, UINT64_MAX, &o->page);
	case O_REQ_ID:
		return adv_uint(v, UINT64_MAX, &o->req_id);
	case O_FWD_REQ_ID:
		o->have_fwd_req_id = true;
		return adv_uint(v, UINT64_MAX, &o->fwd_req_id);
	case O_ARG:
		o->have_arg = true;
		return adv_uint(v, UINT64_MAX, &o->arg);
	case O_COPYSET:
		return adv_uint(v, UINT64_MAX, &o->copyset);
	case O_CLUSTER_ID:
		return adv_uint(v, UINT64_MAX, &o->cluster_id);
	case O_ACCESS:
		if (strcmp(v, "r") && strcmp(v, "w"))
			return -1;
		o->access = v[0] == 'r' ? DSM_ACCESS_READ : DSM_ACCESS_WRITE;
		return 0;
	case O_HAVE_COPY:
		o->have_copy = true;
		return 0;
	case O_NO_DATA:
		o->no_data = true;
		return 0;
	case O_MORE:
		o->more = true;
		return 0;
	case O_NACKED:
		return adv_type(v, &o->nacked);
	case O_VT:
		return adv_opt_vt(v, &o->vt);
	case O_INTERVAL:
		if (adv_pair(v, DSM_MAX_NODES - 1, UINT32_MAX, &x, &y))
			return -1;
		o->iv_creator = x;
		o->iv_index = y;
		return 0;
	case O_NOTICES: {
		uint64_t pages[ADV_MAX_NOTICES];

		n = adv_list(v, UINT64_MAX, pages, ADV_MAX_NOTICES);
		for (o->nr_notices = 0; o->nr_notices < n; o->nr_notices++)
			o->notices[o->nr_notices] = pages[o->nr_notices];
		return n < 0 ? -1 : 0;
	}
	case O_WANT:
		if (o->nr_wants == ADV_MAX_WANTS ||
		    adv_pair(v, UINT16_MAX, UINT32_MAX, &x, &y))
			return -1;
		o->want_node[o->nr_wants] = x;
		o->want_iv[o->nr_wants++] = y;
		return 0;
	}
	if (adv_uint(v, UINT32_MAX, &x))
		return -1;
	switch (opt) {
	case O_ERRNO: o->err = x; break;
	case O_LOCK: o->lock = x; break;
	case O_BARRIER: o->barrier = x; break;
	case O_EPOCH: o->epoch = x; break;
	case O_FILL: o->fill = x; break;
	case O_OWNER: o->owner = x; break;
	case O_REQUESTER: o->requester = x; break;
	case O_NEW_OWNER: o->new_owner = x; break;
	default: return -1;
	}
	return 0;
}

/* --skip-types T1,T2,...: types never sent (nor NACKs refusing them). */
static int adv_skip_types(struct adv *a, const char *list)
{
	char buf[256], *tok, *save;
	uint8_t t;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (adv_type(tok, &t))
			return -1;
		a->skip |= 1U << t;
	}
	return 0;
}

/* The options of run, --src, --dry-run and --verbose. */
static int adv_opt_run(int opt, const char *v, struct adv *a,
		       struct adv_opts *o)
{
	uint64_t x;

	switch (opt) {
	case O_DRY_RUN:
		a->dry_run = true;
		return 0;
	case O_VERBOSE:
		a->verbose = true;
		return 0;
	case O_SRC:
		if (adv_uint(v, DSM_MAX_NODES - 1, &x))
			return -1;
		o->src = x;
		return 0;
	case O_SEED:
		o->have_seed = true;
		return adv_uint(v, UINT64_MAX, &o->seed);
	case O_DURATION:
		if (adv_uint(v, 86400, &x) || !x)
			return -1;
		o->duration = x;
		return 0;
	case O_RATE:
		return adv_uint(v, 100000, &o->rate) || !o->rate ? -1 : 0;
	case O_LOCKS:
		return adv_uint(v, UINT32_MAX, &o->locks) || !o->locks ? -1 : 0;
	case O_PAGES:
		o->pages = v;
		return 0;
	case O_KINDS:
		o->kinds = v;
		return 0;
	case O_SKIP_TYPES:
		return adv_skip_types(a, v);
	case O_DST:
		o->dsts = v;
		return adv_opt_msg(opt, strchr(v, ',') ? "0" : v, &o->msg);
	}
	return adv_opt_msg(opt, v, &o->msg);
}

static int adv_parse(int argc, char **argv, struct adv *a,
		     struct adv_opts *o)
{
	int opt;

	while ((opt = getopt_long(argc, argv, "", adv_options, NULL)) != -1) {
		if (opt == O_HELP) {
			adv_usage(stdout);
			exit(0);
		}
		if (opt == '?' || adv_opt_run(opt, optarg, a, o)) {
			if (opt != '?')
				fprintf(stderr, "dsm_adversary: bad value '%s' for --%s\n",
					optarg, adv_options[opt - O_DST].name);
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "dsm_adversary: unexpected argument '%s'\n",
			argv[optind]);
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------- run */

static void adv_on_signal(int sig)
{
	(void)sig;
	adv_stop = 1;
}

/* Sleep until monotonic time @t; a signal ends it early. */
static void adv_sleep_until(double t)
{
	double left = t - adv_now();
	struct timespec ts;

	if (left <= 0)
		return;
	ts.tv_sec = (time_t)left;
	ts.tv_nsec = (long)((left - ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

static int adv_set_kinds(struct adv *a, const char *list)
{
	char buf[512], *tok, *save;
	const struct adv_kind *k;

	if (!list) {
		for (k = adv_kinds; k->name; k++)
			a->kinds[a->nr_kinds++] = k;
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		k = adv_kind_find(tok);
		if (!k || a->nr_kinds == ADV_MAX_KINDS) {
			fprintf(stderr, "dsm_adversary: unknown kind '%s' (--help lists them)\n",
				tok);
			return -1;
		}
		a->kinds[a->nr_kinds++] = k;
	}
	return a->nr_kinds ? 0 : -1;
}

/* --pages FIRST:COUNT[,FIRST:COUNT...] */
static int adv_set_pages(struct adv *a, const char *list)
{
	char buf[512], *tok, *save;
	uint64_t first, count;
	unsigned int n = 0;

	if (!list)
		return 0;	/* the first region (adv_discover()) */
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (n == ADV_MAX_RANGES ||
		    adv_pair(tok, DSM_MAX_PAGES - 1, DSM_MAX_PAGES, &first,
			     &count) || !count ||
		    first + count > DSM_MAX_PAGES) {
			fprintf(stderr, "dsm_adversary: --pages: bad range '%s' (at most %d of FIRST:COUNT, below page %llu)\n",
				tok, ADV_MAX_RANGES, DSM_MAX_PAGES);
			return -1;
		}
		a->page_first[n] = first;
		a->page_count[n++] = count;
	}
	a->nr_ranges = n;
	return n ? 0 : -1;
}

static int adv_set_dsts(struct adv *a, const char *list)
{
	uint64_t v[DSM_MAX_NODES];
	int i, n = list ? adv_list(list, DSM_MAX_NODES - 1, v,
				   DSM_MAX_NODES) : -1;

	if (n < 1) {
		fprintf(stderr, "dsm_adversary: run needs --dst N[,N...]\n");
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (v[i] == a->local || !(a->present >> v[i] & 1)) {
			fprintf(stderr, "dsm_adversary: --dst %" PRIu64 ": not another node of the cluster\n",
				v[i]);
			return -1;
		}
		a->dst[i] = v[i];
	}
	a->nr_dst = n;
	return 0;
}

static void adv_report(const struct adv *a, double secs)
{
	unsigned long sent = 0, failed = 0;
	unsigned int i;

	printf("dsm_adversary: node %u: ran %.1f s\n", a->local, secs);
	for (i = 0; i < a->nr_kinds; i++) {
		printf("%s sent=%lu failed=%lu\n", a->kinds[i]->name,
		       a->count[i].sent, a->count[i].failed);
		if (a->count[i].failed)
			printf("# %s: last failure: %s\n", a->kinds[i]->name,
			       strerror(a->count[i].last_err));
		sent += a->count[i].sent;
		failed += a->count[i].failed;
	}
	printf("total sent=%lu failed=%lu\n", sent, failed);
	if (a->skipped)
		printf("# %lu messages of skipped types not sent (--skip-types)\n",
		       a->skipped);
	fflush(stdout);
}

/*
 * Send kinds at random, to targets at random, at @rate messages per
 * second (a burst counts each message), for @duration seconds.
 */
static void adv_loop(struct adv *a, double duration, double rate)
{
	double t0 = adv_now(), next = t0, now;
	int n;

	while (!adv_stop && (now = adv_now()) - t0 < duration) {
		if (a->stall_node >= 0 && now >= a->stall_end)
			adv_silent_end(a);
		a->cur = adv_below(a, a->nr_kinds);
		n = a->kinds[a->cur]->fn(a, a->dst[adv_below(a, a->nr_dst)]);
		/* Never catch up more than a second's worth at once. */
		if (next < now - 1)
			next = now - 1;
		next += (n > 0 ? n : 1) / rate;
		adv_sleep_until(next);
	}
	adv_silent_end(a);
	adv_report(a, adv_now() - t0);
}

static int adv_run(struct adv *a, struct adv_opts *o)
{
	struct sigaction sa = { .sa_handler = adv_on_signal };

	if (!o->duration) {
		fprintf(stderr, "dsm_adversary: run needs --duration SEC\n");
		return 2;
	}
	if (adv_set_kinds(a, o->kinds) || adv_set_dsts(a, o->dsts) ||
	    adv_set_pages(a, o->pages))
		return 2;
	a->nr_locks = o->locks;
	if (!o->have_seed)
		o->seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	/* splitmix64 of the seed: xorshift must not start at 0 */
	a->rng = o->seed + 0x9e3779b97f4a7c15ULL;
	a->rng = (a->rng ^ (a->rng >> 30)) * 0xbf58476d1ce4e5b9ULL;
	a->rng = (a->rng ^ (a->rng >> 27)) * 0x94d049bb133111ebULL;
	a->rng ^= a->rng >> 31;
	if (!a->rng)
		a->rng = 1;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (adv_open(a))
		return 2;
	printf("dsm_adversary: node %u: seed %" PRIu64 ", %.0f s, %" PRIu64
	       " msgs/s, targets %s, %u locks, pages",
	       a->local, o->seed, o->duration, o->rate, o->dsts, a->nr_locks);
	for (unsigned int i = 0; i < a->nr_ranges; i++)
		printf("%s%" PRIu64 ":%" PRIu64, i ? "," : " ",
		       a->page_first[i], a->page_count[i]);
	printf(", kinds");
	for (unsigned int i = 0; i < a->nr_kinds; i++)
		printf("%s%s", i ? "," : " ", a->kinds[i]->name);
	printf("\n");
	fflush(stdout);
	adv_loop(a, o->duration, o->rate);
	return 0;
}

static int adv_send_mode(struct adv *a, struct adv_opts *o, const char *t)
{
	struct adv_msg *m = &o->msg;
	uint8_t type;

	if (adv_type(t, &type)) {
		fprintf(stderr, "dsm_adversary: unknown message type '%s'\n", t);
		return 2;
	}
	if (m->dst < 0) {
		fprintf(stderr, "dsm_adversary: send needs --dst N\n");
		return 2;
	}
	if (!m->vt.n)
		dsm_vt_init(&m->vt, a->nodes);
	if (!m->nr_wants && (type == DSM_MSG_DIFF_REQ ||
			     type == DSM_MSG_DIFF_REPLY)) {
		m->want_node[0] = type == DSM_MSG_DIFF_REQ ?
				  (unsigned int)m->dst : a->local;
		m->want_iv[0] = 1;
		m->nr_wants = 1;
	}
	a->nr_kinds = 1;	/* counts go to count[0] */
	if (adv_open(a))
		return 2;
	return adv_send_one(a, m, type);
}

int main(int argc, char **argv)
{
	struct adv a = { .stall_node = -1, .send_fd = -1 };
	struct adv_opts o = {
		.src = -1, .rate = ADV_RATE, .locks = ADV_LOCKS,
		.msg = {
			.dst = -1, .access = DSM_ACCESS_READ, .owner = -1,
			.requester = -1, .new_owner = -1, .iv_creator = -1,
			.cluster_id = 1,
		},
	};
	bool send;
	int ret;

	if (argc < 2 || (strcmp(argv[1], "send") && strcmp(argv[1], "run"))) {
		adv_usage(argc < 2 ? stderr : stdout);
		return argc < 2 || strcmp(argv[1], "--help") ? 2 : 0;
	}
	send = !strcmp(argv[1], "send");
	if (send && argc < 3) {
		adv_usage(stderr);
		return 2;
	}
	optind = send ? 3 : 2;
	if (adv_parse(argc, argv, &a, &o))
		return 2;
	if (adv_discover(&a, o.src)) {
		fprintf(stderr, "dsm_adversary: cannot tell this node's id: set DSM_NODE_ID\n");
		return 2;
	}
	ret = send ? adv_send_mode(&a, &o, argv[2]) : adv_run(&a, &o);
	if (a.send_fd >= 0)
		close(a.send_fd);
	return ret;
}
