// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_adv_kinds.c - the kinds of wrong messages dsm_adversary's run mode
 * sends (Documentation/testing.md). Every message is made by kmod/core's
 * encoder, so it passes the receiver's decoder: what is wrong is what it
 * says, who says it, or when.
 *
 *  wrong-sender  INVAL, PAGE_FWD, PAGE_GRANT for pages this node is not
 *		  home or owner of; INVAL_ACK and CONFIRM nobody asked for
 *  stale-reply   PAGE_GRANT, NACK, INVAL_ACK, DIFF_REPLY, LOCK_GRANT,
 *		  BARRIER_RELEASE with random or plausible request ids
 *  nack-errno    NACKs with errnos 11, 115, 512, 4095 or 1 .. 133
 *  inflated-vt   LOCK_GRANT (mostly), LOCK_REQ, BARRIER_* whose vector
 *		  timestamp claims huge interval counts, the receiver's too;
 *		  DIFF_PUSH of an interval far beyond this node's
 *  huge-page     PAGE_REQ, PAGE_FWD, DIFF_REQ, DIFF_PUSH and write
 *		  notices for pages beyond every region, up to the
 *		  decoder's limit
 *  flood	  bursts of PAGE_REQs for pages homed on the target, now and
 *		  then of LOCK_REQs
 *  more-flood    LOCK_GRANT fragments flagged MORE that never end
 *  silent	  this node stops reading the target's connection for 1 to
 *		  3 s (debugfs dsm/fault "stall"), at most every 8 s
 *
 * A plausible request id is one the target is about to use or has just
 * used: near the last of its ids this node has seen (in the requests it
 * received from the target, and the forwards naming it; debugfs
 * dsm/fault), or, before any, near this node's own count of requests
 * (the nodes of a test run the same workload). Forged replies (grants,
 * NACKs, diffs) are for pages homed on another node, and diffs of
 * another node's intervals: a home or a writer may always answer its own
 * requests with wrong data, and no receiver can tell.
 */
#include <stdio.h>
#include <string.h>

#include "dsm_adversary.h"
#include "dsm_diff.h"
#include "dsm_interval.h"

#define ADV_HUGE_PAGES		64	/* notices in one huge-page record */
#define ADV_STALL_MIN_MS	1000
#define ADV_STALL_MAX_MS	3000
#define ADV_STALL_GAP_S		8.0

static uint8_t adv_buf[DSM_WIRE_MAX_MSG];

void adv_begin(struct dsm_wire_enc *e, void *buf, const struct adv *a,
	       uint8_t type, unsigned int dst, uint64_t req_id)
{
	struct dsm_msg_hdr h = {
		.version = DSM_WIRE_VERSION_MAX,
		.type = type,
		.src = a->local,
		.dst = dst,
		.req_id = req_id,
		.epoch = a->epoch,
	};

	dsm_wire_enc_begin(e, buf, DSM_WIRE_MAX_MSG, &h);
}

/* ---------------------------------------------------------- choices */

/* A page of one of the ranges (each range as likely as another). */
static uint64_t adv_page(struct adv *a)
{
	unsigned int r = adv_below(a, a->nr_ranges);

	return a->page_first[r] + adv_below(a, a->page_count[r]);
}

/* A page of the range whose home is (or, with @not, is not) @home. */
static uint64_t adv_page_home(struct adv *a, unsigned int home, bool not)
{
	uint64_t p = adv_page(a);
	int i;

	for (i = 0; i < 64; i++, p = adv_page(a))
		if ((adv_home(a, p) == home) != not)
			break;
	return p;
}

/* A page beyond every region: the decoder's last page now and then. */
static uint64_t adv_huge_page(struct adv *a)
{
	if (a->space_end >= DSM_MAX_PAGES || !adv_below(a, 8))
		return DSM_MAX_PAGES - 1;
	return a->space_end + adv_below(a, DSM_MAX_PAGES - a->space_end);
}

/* A present node other than @x and @y (either may be -1), or @x. */
static unsigned int adv_other(struct adv *a, int x, int y)
{
	unsigned int id, n = 0, pick[DSM_MAX_NODES];

	for (id = 0; id < DSM_MAX_NODES; id++)
		if ((a->present >> id & 1) && (int)id != x && (int)id != y)
			pick[n++] = id;
	return n ? pick[adv_below(a, n)] : (unsigned int)x;
}

/* Requests this node has made: an estimate of what the targets made. */
static uint64_t adv_est_req(struct adv *a)
{
	double now = adv_now();

	if (now - a->est_at > 2.0) {
		a->est_req = adv_stat("msg_tx_page_req") +
			     adv_stat("msg_tx_diff_req") +
			     adv_stat("mgr_requests");
		a->est_at = now;
	}
	return a->est_req;
}

/* The last request id of @dst seen here, refreshed every 0.2 s, or 0. */
static uint64_t adv_seen_req(struct adv *a, unsigned int dst)
{
	double now = adv_now();

	if (now - a->seen_at > 0.2) {
		adv_seen(a);
		a->seen_at = now;
	}
	return a->seen[dst];
}

/* Random, early, or plausible for @dst: see the comment at the top. */
static uint64_t adv_req_id(struct adv *a, unsigned int dst)
{
	uint64_t est, seen;

	switch (adv_below(a, 8)) {
	case 0:
		return adv_rand(a);
	case 1:
		return 1 + adv_below(a, 256);
	default:
		seen = adv_seen_req(a, dst);
		if (seen)	/* just used, or about to be */
			return seen > 8 ? seen - 8 + adv_below(a, 32) :
					  1 + adv_below(a, 32);
		est = adv_est_req(a);
		return est / 2 + adv_below(a, est + 512) + 1;
	}
}

static void adv_vt_small(struct adv *a, struct dsm_vt *vt)
{
	unsigned int i;

	dsm_vt_init(vt, a->nodes);
	for (i = 0; i < a->nodes; i++)
		vt->c[i] = adv_below(a, 8);
}

/* Huge interval counts, the receiver's entry always among them. */
static void adv_vt_huge(struct adv *a, struct dsm_vt *vt, unsigned int dst)
{
	static const uint32_t huge[] = {
		1U << 20, 1U << 30, 0x7fffffffU, 0xfffffffeU, 0xffffffffU,
	};
	unsigned int i;

	adv_vt_small(a, vt);
	for (i = 0; i < a->nodes; i++)
		if (i == dst || adv_below(a, 2))
			vt->c[i] = huge[adv_below(a, sizeof(huge) /
						    sizeof(huge[0]))];
}

static uint8_t adv_access(struct adv *a)
{
	return adv_below(a, 2) ? DSM_ACCESS_WRITE : DSM_ACCESS_READ;
}

/* ---------------------------------------------------------- messages */

static int adv_fixed(struct adv *a, struct dsm_msg *m, unsigned int dst)
{
	struct dsm_wire_enc e;

	adv_begin(&e, adv_buf, a, m->hdr.type, dst, m->hdr.req_id);
	dsm_wire_enc_fixed(&e, m);
	return adv_send(a, adv_buf, dsm_wire_enc_end(&e));
}

static int adv_grant(struct adv *a, unsigned int dst, uint64_t page,
		     uint8_t access, uint64_t req_id)
{
	static uint8_t data[DSM_PAGE_SIZE];
	struct dsm_msg m = { .hdr.type = DSM_MSG_PAGE_GRANT,
			     .hdr.req_id = req_id };

	/* What a victim installs from it is easy to tell in a dump. */
	memset(data, 0xa5, sizeof(data));
	memcpy(data, "dsm_adversary", 13);
	m.u.page_grant.page = page;
	m.u.page_grant.access = access;
	m.u.page_grant.owner = access == DSM_ACCESS_WRITE ? dst : a->local;
	m.u.page_grant.data = adv_below(a, 4) ? data : NULL;
	return adv_fixed(a, &m, dst);
}

static int adv_nack(struct adv *a, unsigned int dst, uint32_t err,
		    uint8_t nacked, uint64_t arg, uint64_t req_id)
{
	struct dsm_msg m = { .hdr.type = DSM_MSG_NACK, .hdr.req_id = req_id };

	m.u.nack.error = err;
	m.u.nack.nacked_type = nacked;
	m.u.nack.arg = arg;
	return adv_fixed(a, &m, dst);
}

static int adv_page_req(struct adv *a, unsigned int dst, uint64_t page)
{
	struct dsm_msg m = { .hdr.type = DSM_MSG_PAGE_REQ,
			     .hdr.req_id = adv_rand(a) };

	m.u.page_req.page = page;
	m.u.page_req.access = adv_access(a);
	return adv_fixed(a, &m, dst);
}

static int adv_page_fwd(struct adv *a, unsigned int dst, uint64_t page)
{
	struct dsm_msg m = { .hdr.type = DSM_MSG_PAGE_FWD };

	m.hdr.req_id = adv_req_id(a, dst);
	m.u.page_fwd.page = page;
	m.u.page_fwd.access = adv_access(a);
	m.u.page_fwd.requester = adv_other(a, dst, -1);
	m.u.page_fwd.req_id = m.hdr.req_id;
	return adv_fixed(a, &m, dst);
}

static int adv_lock_req(struct adv *a, unsigned int dst,
			const struct dsm_vt *vt)
{
	struct dsm_msg m = { .hdr.type = DSM_MSG_LOCK_REQ,
			     .hdr.req_id = adv_rand(a) };

	m.u.lock_req.lock_id = adv_below(a, a->nr_locks);
	m.u.lock_req.requester = a->local;
	m.u.lock_req.req_id = m.hdr.req_id;
	m.u.lock_req.vt = *vt;
	return adv_fixed(a, &m, dst);
}

/*
 * LOCK_GRANT (@more: flagged MORE) of @vt, with one interval of this node
 * carrying @nr notices (ascending) if @nr.
 */
static int adv_lock_grant(struct adv *a, unsigned int dst, uint32_t lock,
			  uint64_t req_id, bool more, struct dsm_vt *vt,
			  const u64 *notices, unsigned int nr)
{
	struct dsm_interval iv = { .creator = a->local };
	struct dsm_msg_hdr h = {
		.version = DSM_WIRE_VERSION_MAX, .type = DSM_MSG_LOCK_GRANT,
		.flags = more ? DSM_WIRE_F_MORE : 0, .src = a->local,
		.dst = dst, .req_id = req_id, .epoch = a->epoch,
	};
	struct dsm_wire_enc e;

	if (nr && !vt->c[a->local])
		vt->c[a->local] = 1;
	dsm_wire_enc_begin(&e, adv_buf, DSM_WIRE_MAX_MSG, &h);
	dsm_wire_enc_lock_grant(&e, 0, lock, vt);
	if (nr) {
		iv.index = vt->c[a->local];
		iv.vt = *vt;
		iv.nr_notices = nr;
		iv.notices = notices;
		dsm_wire_enc_interval(&e, &iv);
	}
	return adv_send(a, adv_buf, dsm_wire_enc_end(&e));
}

static int adv_barrier(struct adv *a, unsigned int dst, uint8_t type,
		       const struct dsm_vt *vt)
{
	struct dsm_wire_enc e;

	adv_begin(&e, adv_buf, a, type, dst, adv_req_id(a, dst));
	dsm_wire_enc_barrier(&e, 0, adv_below(a, 4), adv_below(a, 16), vt);
	return adv_send(a, adv_buf, dsm_wire_enc_end(&e));
}

/* A diff of a zero page writing "dsm_adversary" somewhere: its length. */
static int adv_make_diff(struct adv *a, uint8_t *diff, uint32_t size)
{
	static uint8_t twin[DSM_PAGE_SIZE], data[DSM_PAGE_SIZE];
	int len;

	memset(data, 0, sizeof(data));
	memcpy(data + adv_below(a, DSM_PAGE_SIZE - 16), "dsm_adversary", 13);
	len = dsm_diff_create(twin, data, diff, size);
	return len < 0 ? 0 : len;
}

static int adv_diff_reply(struct adv *a, unsigned int dst, uint64_t page)
{
	uint8_t diff[64];
	struct dsm_wire_enc e;
	int len = adv_make_diff(a, diff, sizeof(diff));

	adv_begin(&e, adv_buf, a, DSM_MSG_DIFF_REPLY, dst, adv_req_id(a, dst));
	dsm_wire_enc_diff_reply(&e, page);
	dsm_wire_enc_diff(&e, adv_other(a, dst, a->local),
			  1 + adv_below(a, 8), diff, len);
	return adv_send(a, adv_buf, dsm_wire_enc_end(&e));
}

/* A push of this node's interval @iv's diff of @page (any bytes). */
static int adv_diff_push(struct adv *a, unsigned int dst, uint64_t page,
			 uint32_t iv)
{
	uint8_t diff[64];
	struct dsm_wire_enc e;
	int len = adv_make_diff(a, diff, sizeof(diff));

	adv_begin(&e, adv_buf, a, DSM_MSG_DIFF_PUSH, dst, adv_rand(a));
	dsm_wire_enc_diff_backup(&e, iv);
	dsm_wire_enc_backup_diff(&e, page, diff, len);
	return adv_send(a, adv_buf, dsm_wire_enc_end(&e));
}

static int adv_diff_req(struct adv *a, unsigned int dst, uint64_t page)
{
	struct dsm_wire_enc e;

	adv_begin(&e, adv_buf, a, DSM_MSG_DIFF_REQ, dst, adv_rand(a));
	dsm_wire_enc_diff_req(&e, page);
	dsm_wire_enc_want(&e, dst, adv_below(a, 4));
	return adv_send(a, adv_buf, dsm_wire_enc_end(&e));
}

/* ---------------------------------------------------------- kinds */

static int adv_wrong_sender(struct adv *a, unsigned int dst)
{
	struct dsm_msg m = { .hdr.req_id = adv_req_id(a, dst) };
	uint64_t p = adv_page_home(a, a->local, true);

	switch (adv_below(a, 5)) {
	case 0:
		m.hdr.type = DSM_MSG_INVAL;
		m.hdr.req_id = 0;
		m.u.inval.page = p;
		m.u.inval.new_owner = adv_other(a, dst, -1);
		return adv_fixed(a, &m, dst);
	case 1:
		return adv_page_fwd(a, dst, p);
	case 2:
		return adv_grant(a, dst, p, adv_access(a), m.hdr.req_id);
	case 3:
		m.hdr.type = DSM_MSG_INVAL_ACK;
		m.u.inval_ack.page = adv_page_home(a, dst, false);
		return adv_fixed(a, &m, dst);
	default:
		m.hdr.type = DSM_MSG_CONFIRM;
		m.u.confirm.page = adv_page_home(a, dst, false);
		m.u.confirm.access = adv_access(a);
		return adv_fixed(a, &m, dst);
	}
}

static int adv_stale_reply(struct adv *a, unsigned int dst)
{
	static const uint32_t errs[] = { 5, 110, 112, 2 };
	static const uint8_t nacked[] = {
		DSM_MSG_PAGE_REQ, DSM_MSG_PAGE_FWD, DSM_MSG_DIFF_REQ,
	};
	struct dsm_msg m = { .hdr.req_id = adv_req_id(a, dst) };
	uint64_t p = adv_page_home(a, a->local, true);
	struct dsm_vt vt;

	switch (adv_below(a, 6)) {
	case 0:
		return adv_grant(a, dst, p, DSM_ACCESS_READ, m.hdr.req_id);
	case 1:
		return adv_nack(a, dst, errs[adv_below(a, 4)],
				nacked[adv_below(a, 3)], p, m.hdr.req_id);
	case 2:
		m.hdr.type = DSM_MSG_INVAL_ACK;
		m.u.inval_ack.page = adv_page_home(a, dst, false);
		return adv_fixed(a, &m, dst);
	case 3:
		return adv_diff_reply(a, dst, p);
	case 4:
		adv_vt_small(a, &vt);
		return adv_lock_grant(a, dst, adv_below(a, a->nr_locks),
				      m.hdr.req_id, false, &vt, NULL, 0);
	default:
		adv_vt_small(a, &vt);
		return adv_barrier(a, dst, DSM_MSG_BARRIER_RELEASE, &vt);
	}
}

static int adv_nack_errno(struct adv *a, unsigned int dst)
{
	static const uint32_t errs[] = { 11, 115, 512, 4095 };
	static const uint8_t nacked[] = {
		DSM_MSG_PAGE_REQ, DSM_MSG_PAGE_FWD, DSM_MSG_DIFF_REQ,
		DSM_MSG_INVAL, DSM_MSG_CONFIRM, DSM_MSG_LOCK_REQ,
	};
	uint32_t err = adv_below(a, 2) ? errs[adv_below(a, 4)] :
					 1 + adv_below(a, 133);

	return adv_nack(a, dst, err, nacked[adv_below(a, 6)],
			adv_page_home(a, a->local, true), adv_req_id(a, dst));
}

static int adv_inflated_vt(struct adv *a, unsigned int dst)
{
	unsigned int i, nr, r;
	u64 notices[4];
	struct dsm_vt vt;

	adv_vt_huge(a, &vt, dst);
	switch (adv_below(a, 9)) {
	case 8:
		r = adv_below(a, a->nr_ranges);
		return adv_diff_push(a, dst, a->page_first[r],
				     0x40000000U + adv_below(a, 1 << 20));
	case 0:
		return adv_lock_req(a, dst, &vt);
	case 1:
		return adv_barrier(a, dst, adv_below(a, 2) ?
				   DSM_MSG_BARRIER_ARRIVE :
				   DSM_MSG_BARRIER_RELEASE, &vt);
	default:
		r = adv_below(a, a->nr_ranges);
		nr = adv_below(a, 2) ? 1 + adv_below(a, 4) : 0;
		if (nr > a->page_count[r])
			nr = a->page_count[r];
		for (i = 0; i < nr; i++)	/* ascending, in a range */
			notices[i] = a->page_first[r] +
				     i * (a->page_count[r] / nr);
		return adv_lock_grant(a, dst, adv_below(a, a->nr_locks),
				      adv_req_id(a, dst), false, &vt, notices,
				      nr);
	}
}

static int adv_huge(struct adv *a, unsigned int dst)
{
	static u64 notices[ADV_HUGE_PAGES];
	uint64_t p = adv_huge_page(a);
	unsigned int i, nr;
	struct dsm_vt vt;

	switch (adv_below(a, 5)) {
	case 4:
		return adv_diff_push(a, dst, p, 1 + adv_below(a, 8));
	case 0:
		for (i = 0; i < 8 && adv_home(a, p) != dst; i++)
			p = p ? p - 1 : 0;
		return adv_page_req(a, dst, p);
	case 1:
		return adv_page_fwd(a, dst, p);
	case 2:
		return adv_diff_req(a, dst, p);
	default:
		nr = 1 + adv_below(a, ADV_HUGE_PAGES);
		for (i = 0; i < nr; i++)
			notices[i] = DSM_MAX_PAGES - nr + i;
		notices[0] = a->space_end < notices[0] ? a->space_end :
							 notices[0];
		adv_vt_small(a, &vt);
		return adv_lock_grant(a, dst, adv_below(a, a->nr_locks),
				      adv_req_id(a, dst), false, &vt, notices, nr);
	}
}

static int adv_flood(struct adv *a, unsigned int dst)
{
	unsigned int i, n = 4 + adv_below(a, 13);
	struct dsm_vt vt;

	if (!adv_below(a, 8)) {
		adv_vt_small(a, &vt);
		for (i = 0; i < 4; i++)
			adv_lock_req(a, dst, &vt);
		return 4;
	}
	for (i = 0; i < n; i++)
		adv_page_req(a, dst, adv_page_home(a, dst, false));
	return n;
}

static int adv_more_flood(struct adv *a, unsigned int dst)
{
	unsigned int i, n = 4 + adv_below(a, 13);
	uint32_t lock = adv_below(a, a->nr_locks);
	uint64_t req_id = adv_req_id(a, dst);
	struct dsm_vt vt;

	adv_vt_small(a, &vt);
	for (i = 0; i < n; i++)
		adv_lock_grant(a, dst, lock, req_id, true, &vt, NULL, 0);
	return n;
}

/* The stall of kind silent ends (also at the end of the run). */
void adv_silent_end(struct adv *a)
{
	char line[64];

	if (a->stall_node < 0)
		return;
	snprintf(line, sizeof(line), "stall %d 0\n", a->stall_node);
	adv_fault(line);
	a->stall_node = -1;
	a->stall_end = adv_now();
}

static int adv_silent(struct adv *a, unsigned int dst)
{
	unsigned int ms = ADV_STALL_MIN_MS +
			  adv_below(a, ADV_STALL_MAX_MS - ADV_STALL_MIN_MS);
	struct adv_count *c = &a->count[a->cur];
	char line[64];
	int ret;

	if (a->stall_node >= 0 || adv_now() < a->stall_end + ADV_STALL_GAP_S)
		return -1;
	snprintf(line, sizeof(line), "stall %u %u\n", dst, ms);
	if (a->verbose || a->dry_run)
		printf("# %s", line);
	ret = a->dry_run ? 0 : adv_fault(line);
	if (ret) {
		c->failed++;
		c->last_err = -ret;
		return 1;
	}
	c->sent++;
	a->stall_node = dst;
	a->stall_end = adv_now() + ms / 1000.0;
	if (a->dry_run)
		a->stall_node = -1;
	return 1;
}

const struct adv_kind adv_kinds[] = {
	{ "wrong-sender", adv_wrong_sender,
	  "INVAL, PAGE_FWD, PAGE_GRANT, INVAL_ACK, CONFIRM from a node not entitled" },
	{ "stale-reply", adv_stale_reply,
	  "replies with random or plausible request ids" },
	{ "nack-errno", adv_nack_errno,
	  "NACKs with errnos 11, 115, 512, 4095, 1..133" },
	{ "inflated-vt", adv_inflated_vt,
	  "LOCK_GRANT, LOCK_REQ, BARRIER_* with huge interval counts" },
	{ "huge-page", adv_huge,
	  "PAGE_REQ, PAGE_FWD, DIFF_REQ, write notices beyond every region" },
	{ "flood", adv_flood, "bursts of PAGE_REQ, or LOCK_REQ" },
	{ "more-flood", adv_more_flood,
	  "LOCK_GRANT fragments flagged MORE that never end" },
	{ "silent", adv_silent,
	  "not reading the target's connection for 1 to 3 s" },
	{ NULL, NULL, NULL }
};

const struct adv_kind *adv_kind_find(const char *name)
{
	const struct adv_kind *k;

	for (k = adv_kinds; k->name; k++)
		if (!strcmp(k->name, name))
			return k;
	return NULL;
}
