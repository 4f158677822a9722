// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_wire.c - encoder and validating decoder of dsm messages.
 *
 * The decoder treats its input as hostile: it checks the header, then
 * walks the body once, checking every field and every length against the
 * bytes that remain, before it returns anything. Lengths are u32 and never
 * added together unchecked: every step compares a needed size with the
 * bytes left. See Documentation/protocol.md for the format.
 */
#include "dsm_wire.h"
#include "dsm_wire_rd.h"
#include "dsm_diff.h"

static_assert(sizeof(struct dsm_wire_hdr) == DSM_WIRE_HDR_SIZE, "header");
static_assert(sizeof(struct dsm_wire_page_req) == 16, "page_req layout");
static_assert(sizeof(struct dsm_wire_page_fwd) == 24, "page_fwd layout");
static_assert(sizeof(struct dsm_wire_page_grant) == 24, "grant layout");
static_assert(sizeof(struct dsm_wire_inval) == 16, "inval layout");
static_assert(sizeof(struct dsm_wire_inval_ack) == 16, "inval_ack layout");
static_assert(sizeof(struct dsm_wire_confirm) == 16, "confirm layout");
static_assert(sizeof(struct dsm_wire_nack) == 16, "nack layout");
static_assert(sizeof(struct dsm_wire_lock_req) == 24, "lock_req layout");
static_assert(sizeof(struct dsm_wire_lock_grant) == 8, "lock_grant layout");
static_assert(sizeof(struct dsm_wire_barrier) == 16, "barrier layout");
static_assert(sizeof(struct dsm_wire_ivset) == 8, "ivset layout");
static_assert(sizeof(struct dsm_wire_interval) == 8, "interval layout");
static_assert(sizeof(struct dsm_wire_diff_req) == 16, "diff_req layout");
static_assert(sizeof(struct dsm_wire_diff_id) == 8, "diff_id layout");
static_assert(sizeof(struct dsm_wire_diff_reply) == 16, "diff_reply layout");
static_assert(sizeof(struct dsm_wire_diff_backup) == 8, "diff_backup layout");
static_assert(sizeof(struct dsm_wire_home_xfer) == 16, "home_xfer layout");
static_assert(sizeof(struct dsm_wire_xfer_entry) == 24, "xfer entry layout");
static_assert(sizeof(struct dsm_wire_home_xfer_ack) == 16, "xfer ack layout");
static_assert(sizeof(struct dsm_wire_dir_entry) == 16, "dir entry layout");
static_assert(sizeof(struct dsm_wire_shadow) == 16, "shadow layout");
static_assert(sizeof(struct dsm_wire_rejoin) == 8, "rejoin layout");

/**
 * struct dsm_wire_type_info - what the codec knows of a message type.
 * @name:	for logs and statistics.
 * @reply:	whether the type is a reply (DSM_WIRE_F_REPLY set).
 * @fixed:	body bytes before any variable part.
 * @retired:	a type no longer sent, refused by the decoder (its number
 *		stays reserved; its name stays for logs).
 */
struct dsm_wire_type_info {
	const char *name;
	bool reply;
	u32 fixed;
	bool retired;
};

/* Designated, so that a field added later starts at zero everywhere. */
#define DSM_WIRE_TYPE(nm, rep, fix) { .name = nm, .reply = rep, .fixed = fix }
#define DSM_WIRE_RETIRED(nm, rep) { .name = nm, .reply = rep, .retired = true }

static const struct dsm_wire_type_info dsm_wire_types[DSM_MSG_TYPE_MAX + 1] = {
	[DSM_MSG_HELLO] = DSM_WIRE_RETIRED("hello", false),
	[DSM_MSG_HELLO_REPLY] = DSM_WIRE_RETIRED("hello_reply", true),
	[DSM_MSG_PAGE_REQ] = DSM_WIRE_TYPE("page_req", false,
				sizeof(struct dsm_wire_page_req)),
	[DSM_MSG_PAGE_FWD] = DSM_WIRE_TYPE("page_fwd", false,
				sizeof(struct dsm_wire_page_fwd)),
	[DSM_MSG_PAGE_GRANT] = DSM_WIRE_TYPE("page_grant", true,
				sizeof(struct dsm_wire_page_grant)),
	[DSM_MSG_INVAL] = DSM_WIRE_TYPE("inval", false,
				sizeof(struct dsm_wire_inval)),
	[DSM_MSG_INVAL_ACK] = DSM_WIRE_TYPE("inval_ack", true,
				sizeof(struct dsm_wire_inval_ack)),
	[DSM_MSG_CONFIRM] = DSM_WIRE_TYPE("confirm", false,
				sizeof(struct dsm_wire_confirm)),
	[DSM_MSG_NACK] = DSM_WIRE_TYPE("nack", true,
				sizeof(struct dsm_wire_nack)),
	[DSM_MSG_LOCK_REQ] = DSM_WIRE_TYPE("lock_req", false,
				sizeof(struct dsm_wire_lock_req)),
	[DSM_MSG_LOCK_GRANT] = DSM_WIRE_TYPE("lock_grant", true,
				sizeof(struct dsm_wire_lock_grant)),
	[DSM_MSG_BARRIER_ARRIVE] = DSM_WIRE_TYPE("barrier_arrive", false,
				sizeof(struct dsm_wire_barrier)),
	[DSM_MSG_BARRIER_RELEASE] = DSM_WIRE_TYPE("barrier_release", true,
				sizeof(struct dsm_wire_barrier)),
	[DSM_MSG_DIFF_REQ] = DSM_WIRE_TYPE("diff_req", false,
				sizeof(struct dsm_wire_diff_req)),
	[DSM_MSG_DIFF_REPLY] = DSM_WIRE_TYPE("diff_reply", true,
				sizeof(struct dsm_wire_diff_reply)),
	[DSM_MSG_HOME_XFER] = DSM_WIRE_TYPE("home_xfer", false,
				sizeof(struct dsm_wire_home_xfer)),
	[DSM_MSG_HOME_XFER_ACK] = DSM_WIRE_TYPE("home_xfer_ack", true,
				sizeof(struct dsm_wire_home_xfer_ack)),
	[DSM_MSG_DIFF_BACKUP] = DSM_WIRE_TYPE("diff_backup", false,
				sizeof(struct dsm_wire_diff_backup)),
	[DSM_MSG_DIFF_BACKUP_ACK] = DSM_WIRE_TYPE("diff_backup_ack", true,
				sizeof(struct dsm_wire_diff_backup)),
	[DSM_MSG_IV_REQ] = DSM_WIRE_TYPE("iv_req", false,
				sizeof(struct dsm_wire_lock_grant)),
	[DSM_MSG_IV_REPLY] = DSM_WIRE_TYPE("iv_reply", true,
				sizeof(struct dsm_wire_lock_grant)),
	[DSM_MSG_DIR_QUERY] = DSM_WIRE_TYPE("dir_query", false,
				sizeof(struct dsm_wire_dir_query)),
	[DSM_MSG_DIR_REPLY] = DSM_WIRE_TYPE("dir_reply", true,
				sizeof(struct dsm_wire_dir_reply)),
	[DSM_MSG_SHADOW_PUSH] = DSM_WIRE_TYPE("shadow_push", false,
				sizeof(struct dsm_wire_shadow)),
	[DSM_MSG_SHADOW_ACK] = DSM_WIRE_TYPE("shadow_ack", true,
				sizeof(struct dsm_wire_shadow)),
	[DSM_MSG_SHADOW_DROP] = DSM_WIRE_TYPE("shadow_drop", false,
				sizeof(struct dsm_wire_shadow)),
	[DSM_MSG_LRC_REJOIN] = DSM_WIRE_TYPE("lrc_rejoin", false,
				sizeof(struct dsm_wire_rejoin)),
	[DSM_MSG_LRC_REJOIN_ACK] = DSM_WIRE_TYPE("lrc_rejoin_ack", true,
				sizeof(struct dsm_wire_rejoin)),
	[DSM_MSG_DIFF_PUSH] = DSM_WIRE_TYPE("diff_push", false,
				sizeof(struct dsm_wire_diff_backup)),
};

/**
 * dsm_wire_type_name() - name of a message type, for logs and statistics.
 * @type:	the type.
 *
 * Return: a static string; "unknown" for unknown types.
 */
const char *dsm_wire_type_name(u8 type)
{
	if (!type || type > DSM_MSG_TYPE_MAX)
		return "unknown";
	return dsm_wire_types[type].name;
}

/**
 * dsm_wire_type_ok() - whether the codec speaks @type.
 * @type:	the type.
 *
 * Return: true for known types that are not retired.
 */
bool dsm_wire_type_ok(u8 type)
{
	return type && type <= DSM_MSG_TYPE_MAX && !dsm_wire_types[type].retired;
}

/**
 * dsm_wire_type_is_reply() - whether @type answers a request.
 * @type:	the type.
 *
 * Return: true for known reply types; a reply carries the request id of
 * the request it answers and has DSM_WIRE_F_REPLY set.
 */
bool dsm_wire_type_is_reply(u8 type)
{
	return type && type <= DSM_MSG_TYPE_MAX && dsm_wire_types[type].reply;
}

/* A timestamp of @n (1 .. DSM_MAX_NODES) entries and its padding. */
enum dsm_wire_reject dsm_rd_vt(struct dsm_rd *r, u32 n, struct dsm_vt *vt)
{
	u32 i;

	dsm_vt_init(vt, n);
	if (r->left < DSM_WIRE_VT_SIZE(n))
		return DSM_WIRE_R_BODY_LEN;
	for (i = 0; i < n; i++)
		vt->c[i] = dsm_ld32(r->p + 4 * i);
	if ((n & 1) && dsm_ld32(r->p + 4 * n))
		return DSM_WIRE_R_RESERVED;
	dsm_rd_skip(r, DSM_WIRE_VT_SIZE(n));
	return DSM_WIRE_OK;
}

static bool dsm_wire_page_ok(u64 page)
{
	return page < DSM_MAX_PAGES;
}

static bool dsm_wire_access_ok(u8 access)
{
	return access == DSM_ACCESS_READ || access == DSM_ACCESS_WRITE;
}

/*
 * Access and flags of a page request or its forward: only flags in
 * @allowed, HAVE_COPY only with a write.
 */
static bool dsm_wire_req_access_ok(u8 access, u8 flags, u8 allowed)
{
	return dsm_wire_access_ok(access) && !(flags & ~allowed) &&
	       (!(flags & DSM_PAGE_F_HAVE_COPY) || access == DSM_ACCESS_WRITE);
}

/* Flags of a grant: SHADOW only with NO_DATA. */
static bool dsm_wire_grant_flags_ok(u8 flags)
{
	return !(flags & ~(DSM_GRANT_F_NO_DATA | DSM_GRANT_F_SHADOW)) &&
	       (!(flags & DSM_GRANT_F_SHADOW) || (flags & DSM_GRANT_F_NO_DATA));
}

/* Every message has a version spoken here. */
static bool dsm_wire_version_ok(u16 version)
{
	return version >= DSM_WIRE_VERSION_MIN &&
	       version <= DSM_WIRE_VERSION_MAX;
}

static enum dsm_wire_reject dsm_wire_check_hdr(const u8 *buf, size_t len,
					       struct dsm_msg_hdr *h)
{
	struct dsm_wire_hdr w;

	if (len < DSM_WIRE_HDR_SIZE)
		return DSM_WIRE_R_SHORT;
	memcpy(&w, buf, sizeof(w));
	if (le32_to_cpu(w.magic) != DSM_WIRE_MAGIC)
		return DSM_WIRE_R_MAGIC;
	h->version = le16_to_cpu(w.version);
	h->type = w.type;
	h->flags = w.flags;
	h->len = le32_to_cpu(w.len);
	h->src = le16_to_cpu(w.src);
	h->dst = le16_to_cpu(w.dst);
	h->req_id = le64_to_cpu(w.req_id);
	h->epoch = le64_to_cpu(w.epoch);
	if (!dsm_wire_type_ok(h->type))
		return DSM_WIRE_R_TYPE;
	if (!dsm_wire_version_ok(h->version))
		return DSM_WIRE_R_VERSION;
	if ((h->flags & ~DSM_WIRE_F_ALL) ||
	    !!(h->flags & DSM_WIRE_F_REPLY) != dsm_wire_types[h->type].reply ||
	    ((h->flags & DSM_WIRE_F_MORE) && h->type != DSM_MSG_LOCK_GRANT &&
	     h->type != DSM_MSG_IV_REPLY))
		return DSM_WIRE_R_FLAGS;
	if (h->len < DSM_WIRE_HDR_SIZE + dsm_wire_types[h->type].fixed ||
	    h->len > DSM_WIRE_MAX_MSG)
		return DSM_WIRE_R_MSGSIZE;
	if (h->src >= DSM_MAX_NODES || h->dst >= DSM_MAX_NODES ||
	    h->src == h->dst)
		return DSM_WIRE_R_NODE;
	if (h->epoch > DSM_HOME_EPOCH_MAX)	/* its reserved top bits */
		return DSM_WIRE_R_RESERVED;
	return DSM_WIRE_OK;
}

static int dsm_wire_fail(enum dsm_wire_reject r, enum dsm_wire_reject *why)
{
	if (why)
		*why = r;
	return dsm_wire_reject_errno(r);
}

/**
 * dsm_wire_peek() - validate a message header and learn the message length.
 * @buf:	at least DSM_WIRE_HDR_SIZE received bytes.
 * @len:	bytes at @buf.
 * @msg_len:	out: total length of the message, DSM_WIRE_HDR_SIZE ..
 *		DSM_WIRE_MAX_MSG, valid when 0 is returned.
 * @why:	out: the reject reason (may be NULL).
 *
 * A stream transport calls this on the first DSM_WIRE_HDR_SIZE bytes to
 * know how many more to read; a bad header is refused before any body is
 * read.
 *
 * Return: 0 or the errno of the reason (dsm_wire_reject_errno()).
 */
int dsm_wire_peek(const void *buf, size_t len, u32 *msg_len,
		  enum dsm_wire_reject *why)
{
	struct dsm_msg_hdr h;
	enum dsm_wire_reject r;

	r = dsm_wire_check_hdr(buf, len, &h);
	if (r == DSM_WIRE_OK)
		*msg_len = h.len;
	return dsm_wire_fail(r, why);
}

static enum dsm_wire_reject dsm_wire_rd_page_req(struct dsm_rd *r,
						 struct dsm_msg_page_req *b)
{
	struct dsm_wire_page_req w;

	dsm_rd_take(r, &w, sizeof(w));
	b->page = le64_to_cpu(w.page);
	b->access = w.access;
	b->flags = w.flags;
	if (le16_to_cpu(w.reserved0) || le32_to_cpu(w.reserved1))
		return DSM_WIRE_R_RESERVED;
	if (!dsm_wire_page_ok(b->page))
		return DSM_WIRE_R_PAGE;
	if (!dsm_wire_req_access_ok(b->access, b->flags, DSM_PAGE_F_HAVE_COPY))
		return DSM_WIRE_R_ACCESS;
	return DSM_WIRE_OK;
}

static enum dsm_wire_reject dsm_wire_rd_page_fwd(struct dsm_rd *r,
						 const struct dsm_msg_hdr *h,
						 struct dsm_msg_page_fwd *b)
{
	struct dsm_wire_page_fwd w;

	dsm_rd_take(r, &w, sizeof(w));
	b->page = le64_to_cpu(w.page);
	b->access = w.access;
	b->flags = w.flags;
	b->requester = le16_to_cpu(w.requester);
	b->ver = le32_to_cpu(w.ver);
	b->req_id = le64_to_cpu(w.req_id);
	if (!dsm_wire_page_ok(b->page))
		return DSM_WIRE_R_PAGE;
	if (!dsm_wire_req_access_ok(b->access, b->flags,
				    DSM_PAGE_F_HAVE_COPY | DSM_PAGE_F_SHADOW))
		return DSM_WIRE_R_ACCESS;
	if (b->requester >= DSM_MAX_NODES || b->requester == h->dst)
		return DSM_WIRE_R_NODE;
	return DSM_WIRE_OK;
}

static enum dsm_wire_reject dsm_wire_rd_page_grant(struct dsm_rd *r,
						   const struct dsm_msg_hdr *h,
						   struct dsm_msg_page_grant *b)
{
	struct dsm_wire_page_grant w;

	dsm_rd_take(r, &w, sizeof(w));
	b->page = le64_to_cpu(w.page);
	b->access = w.access;
	b->flags = w.flags;
	b->owner = le16_to_cpu(w.owner);
	b->ver = le32_to_cpu(w.ver);
	b->copyset = le64_to_cpu(w.copyset);
	b->data = NULL;
	if (!dsm_wire_page_ok(b->page))
		return DSM_WIRE_R_PAGE;
	if (!dsm_wire_access_ok(b->access) || !dsm_wire_grant_flags_ok(b->flags))
		return DSM_WIRE_R_ACCESS;
	if (b->owner >= DSM_MAX_NODES ||
	    (b->access == DSM_ACCESS_WRITE && b->owner != h->dst) ||
	    (b->copyset & ~DSM_ALL_NODES))
		return DSM_WIRE_R_NODE;
	if (b->flags & DSM_GRANT_F_NO_DATA)
		return DSM_WIRE_OK;
	b->data = r->p;
	if (r->ext)	/* the page is elsewhere: dsm_wire_decode_ext() */
		return DSM_WIRE_OK;
	if (!dsm_rd_skip(r, DSM_PAGE_SIZE))
		return DSM_WIRE_R_BODY_LEN;
	return DSM_WIRE_OK;
}

static enum dsm_wire_reject dsm_wire_rd_nack(struct dsm_rd *r,
					     struct dsm_msg_nack *b)
{
	struct dsm_wire_nack w;

	dsm_rd_take(r, &w, sizeof(w));
	b->error = le32_to_cpu(w.error);
	b->nacked_type = w.nacked_type;
	b->arg = le64_to_cpu(w.arg);
	if (w.reserved0 || le16_to_cpu(w.reserved1))
		return DSM_WIRE_R_RESERVED;
	if (!b->error || b->error > DSM_WIRE_MAX_ERRNO ||
	    !dsm_wire_type_ok(b->nacked_type) ||
	    dsm_wire_types[b->nacked_type].reply)
		return DSM_WIRE_R_FIELD;
	return DSM_WIRE_OK;
}

static enum dsm_wire_reject dsm_wire_rd_lock_req(struct dsm_rd *r,
						 struct dsm_msg_lock_req *b)
{
	struct dsm_wire_lock_req w;
	u32 n;

	dsm_rd_take(r, &w, sizeof(w));
	b->lock_id = le32_to_cpu(w.lock_id);
	b->requester = le16_to_cpu(w.requester);
	b->req_id = le64_to_cpu(w.req_id);
	b->region = le32_to_cpu(w.region);
	n = le16_to_cpu(w.nr_nodes);
	if (le32_to_cpu(w.reserved))
		return DSM_WIRE_R_RESERVED;
	if (b->region > DSM_WIRE_REGION_MAX)
		return DSM_WIRE_R_FIELD;
	if (b->requester >= DSM_MAX_NODES)
		return DSM_WIRE_R_NODE;
	if (!n || n > DSM_MAX_NODES)
		return DSM_WIRE_R_NR_NODES;
	return dsm_rd_vt(r, n, &b->vt);
}

/* The write notices of one interval record. */
static enum dsm_wire_reject dsm_wire_rd_notices(struct dsm_rd *r, u32 nr)
{
	u64 page, prev = 0;
	u32 i;

	if (r->left / 8 < nr)
		return DSM_WIRE_R_BODY_LEN;
	for (i = 0; i < nr; i++) {
		page = dsm_ld64(r->p + 8 * i);
		if (!dsm_wire_page_ok(page))
			return DSM_WIRE_R_PAGE;
		if (i && page <= prev)
			return DSM_WIRE_R_ORDER;
		prev = page;
	}
	dsm_rd_skip(r, 8 * nr);
	return DSM_WIRE_OK;
}

static enum dsm_wire_reject dsm_wire_rd_ivset(struct dsm_rd *r,
					      struct dsm_msg_ivset *s)
{
	struct dsm_wire_ivset w;
	struct dsm_wire_interval wi;
	enum dsm_wire_reject why;
	struct dsm_vt vt;
	u64 key, prev = 0;
	u32 n, i, left;

	if (!dsm_rd_take(r, &w, sizeof(w)))
		return DSM_WIRE_R_BODY_LEN;
	n = le16_to_cpu(w.nr_nodes);
	s->nr_intervals = le16_to_cpu(w.nr_intervals);
	if (le32_to_cpu(w.reserved))
		return DSM_WIRE_R_RESERVED;
	if (!n || n > DSM_MAX_NODES)
		return DSM_WIRE_R_NR_NODES;
	if (s->nr_intervals > DSM_WIRE_MAX_INTERVALS)
		return DSM_WIRE_R_COUNT;
	why = dsm_rd_vt(r, n, &s->vt);
	if (why)
		return why;
	s->p = r->p;
	left = r->left;
	for (i = 0; i < s->nr_intervals; i++) {
		u32 creator, nr, index;

		if (!dsm_rd_take(r, &wi, sizeof(wi)))
			return DSM_WIRE_R_BODY_LEN;
		creator = le16_to_cpu(wi.creator);
		nr = le16_to_cpu(wi.nr_notices);
		index = le32_to_cpu(wi.index);
		if (creator >= n || !index)
			return DSM_WIRE_R_INTERVAL;
		if (nr > DSM_WIRE_MAX_NOTICES)
			return DSM_WIRE_R_COUNT;
		why = dsm_rd_vt(r, n, &vt);
		if (why)
			return why;
		if (vt.c[creator] != index || !dsm_vt_dominates(&s->vt, &vt))
			return DSM_WIRE_R_INTERVAL;
		key = (u64)creator << 32 | index;
		if (key <= prev)
			return DSM_WIRE_R_ORDER;
		prev = key;
		why = dsm_wire_rd_notices(r, nr);
		if (why)
			return why;
	}
	s->len = left - r->left;
	return DSM_WIRE_OK;
}

/*
 * A (node, interval) id of a diff request or reply entry; @first: it is
 * the first of its list. Interval 0 (the whole page, Documentation/lrc.md
 * "Garbage collection") is allowed only as the first id.
 */
static enum dsm_wire_reject dsm_wire_rd_diff_id(struct dsm_rd *r, u64 *prev,
						bool first)
{
	struct dsm_wire_diff_id w;
	u32 node, interval;
	u64 key;

	if (!dsm_rd_take(r, &w, sizeof(w)))
		return DSM_WIRE_R_BODY_LEN;
	node = le16_to_cpu(w.node);
	interval = le32_to_cpu(w.interval);
	if (le16_to_cpu(w.reserved))
		return DSM_WIRE_R_RESERVED;
	if (node >= DSM_MAX_NODES)
		return DSM_WIRE_R_NODE;
	if (!interval && !first)
		return DSM_WIRE_R_INTERVAL;
	key = (u64)node << 32 | interval;
	if (!first && key <= *prev)
		return DSM_WIRE_R_ORDER;
	*prev = key;
	return DSM_WIRE_OK;
}

static enum dsm_wire_reject dsm_wire_rd_diff_req(struct dsm_rd *r,
						 struct dsm_msg_diff_req *b)
{
	struct dsm_wire_diff_req w;
	enum dsm_wire_reject why;
	u64 prev = 0;
	u32 i;

	dsm_rd_take(r, &w, sizeof(w));
	b->page = le64_to_cpu(w.page);
	b->nr_wants = le16_to_cpu(w.nr_wants);
	b->ids = r->p;
	if (le16_to_cpu(w.reserved0) || le32_to_cpu(w.reserved1))
		return DSM_WIRE_R_RESERVED;
	if (!dsm_wire_page_ok(b->page))
		return DSM_WIRE_R_PAGE;
	if (!b->nr_wants || b->nr_wants > DSM_WIRE_MAX_DIFFS)
		return DSM_WIRE_R_COUNT;
	for (i = 0; i < b->nr_wants; i++) {
		why = dsm_wire_rd_diff_id(r, &prev, !i);
		if (why)
			return why;
	}
	return DSM_WIRE_OK;
}

/* An embedded diff (dsm_diff.h), valid, and its zero padding to 8 bytes. */
static enum dsm_wire_reject dsm_wire_rd_diff_blob(struct dsm_rd *r)
{
	u32 size, pad;

	if (r->left < DSM_DIFF_HDR_SIZE)
		return DSM_WIRE_R_BODY_LEN;
	size = dsm_diff_size(r->p);
	if (size > r->left)
		return DSM_WIRE_R_BODY_LEN;
	if (dsm_diff_validate(r->p, size))
		return DSM_WIRE_R_DIFF;
	dsm_rd_skip(r, size);
	pad = -size & 7;
	if (r->left < pad)
		return DSM_WIRE_R_BODY_LEN;
	while (pad--) {
		if (*r->p)
			return DSM_WIRE_R_RESERVED;
		dsm_rd_skip(r, 1);
	}
	return DSM_WIRE_OK;
}

static enum dsm_wire_reject dsm_wire_rd_diff_reply(struct dsm_rd *r,
						   struct dsm_msg_diff_reply *b)
{
	struct dsm_wire_diff_reply w;
	enum dsm_wire_reject why;
	u64 prev = 0;
	u32 i, left;

	dsm_rd_take(r, &w, sizeof(w));
	b->page = le64_to_cpu(w.page);
	b->nr_diffs = le16_to_cpu(w.nr_diffs);
	b->p = r->p;
	left = r->left;
	if (le16_to_cpu(w.reserved0) || le32_to_cpu(w.reserved1))
		return DSM_WIRE_R_RESERVED;
	if (!dsm_wire_page_ok(b->page))
		return DSM_WIRE_R_PAGE;
	if (!b->nr_diffs || b->nr_diffs > DSM_WIRE_MAX_DIFFS)
		return DSM_WIRE_R_COUNT;
	for (i = 0; i < b->nr_diffs; i++) {
		why = dsm_wire_rd_diff_id(r, &prev, !i);
		if (why)
			return why;
		why = dsm_wire_rd_diff_blob(r);
		if (why)
			return why;
	}
	b->len = left - r->left;
	return DSM_WIRE_OK;
}

/*
 * DIFF_BACKUP and DIFF_PUSH (then their diffs, each a le64 page, ascending,
 * and a diff) and DIFF_BACKUP_ACK (no list; nr_diffs is what was stored).
 */
static enum dsm_wire_reject dsm_wire_rd_backup(struct dsm_rd *r,
					       struct dsm_msg *m)
{
	struct dsm_msg_diff_backup *b = &m->u.diff_backup;
	bool ack = m->hdr.type == DSM_MSG_DIFF_BACKUP_ACK;
	struct dsm_wire_diff_backup w;
	enum dsm_wire_reject why;
	u64 page, prev = 0;
	__le64 wp;
	u32 i, left;

	dsm_rd_take(r, &w, sizeof(w));
	b->interval = le32_to_cpu(w.interval);
	b->nr_diffs = le16_to_cpu(w.nr_diffs);
	b->p = r->p;
	left = r->left;
	if (le16_to_cpu(w.reserved))
		return DSM_WIRE_R_RESERVED;
	if (!b->interval)
		return DSM_WIRE_R_INTERVAL;
	if (b->nr_diffs > DSM_WIRE_MAX_BACKUP_DIFFS || (!ack && !b->nr_diffs))
		return DSM_WIRE_R_COUNT;
	for (i = 0; !ack && i < b->nr_diffs; i++) {
		if (!dsm_rd_take(r, &wp, sizeof(wp)))
			return DSM_WIRE_R_BODY_LEN;
		page = le64_to_cpu(wp);
		if (!dsm_wire_page_ok(page))
			return DSM_WIRE_R_PAGE;
		if (i && page <= prev)
			return DSM_WIRE_R_ORDER;
		prev = page;
		why = dsm_wire_rd_diff_blob(r);
		if (why)
			return why;
	}
	b->len = left - r->left;
	return DSM_WIRE_OK;
}

/*
 * LOCK_GRANT, IV_REQ, IV_REPLY, BARRIER_ARRIVE, BARRIER_RELEASE: the body,
 * whose region word (version 3) names the namespace, then the interval set
 * (none in an IV_REQ).
 */
static enum dsm_wire_reject dsm_wire_rd_sync_set(struct dsm_rd *r,
						 struct dsm_msg *m)
{
	struct dsm_wire_lock_grant g;
	struct dsm_wire_barrier b;

	enum dsm_wire_reject why;

	if (m->hdr.type == DSM_MSG_LOCK_GRANT ||
	    m->hdr.type == DSM_MSG_IV_REQ || m->hdr.type == DSM_MSG_IV_REPLY) {
		dsm_rd_take(r, &g, sizeof(g));
		m->u.lock_grant.lock_id = le32_to_cpu(g.lock_id);
		m->u.lock_grant.region = le32_to_cpu(g.region);
		if (m->u.lock_grant.region > DSM_WIRE_REGION_MAX)
			return DSM_WIRE_R_FIELD;
		why = dsm_wire_rd_ivset(r, &m->u.lock_grant.iv);
		if (!why && m->hdr.type == DSM_MSG_IV_REQ &&
		    m->u.lock_grant.iv.nr_intervals)
			return DSM_WIRE_R_COUNT;
		return why;
	}
	dsm_rd_take(r, &b, sizeof(b));
	m->u.barrier.barrier_id = le32_to_cpu(b.barrier_id);
	m->u.barrier.epoch = le32_to_cpu(b.epoch);
	m->u.barrier.region = le32_to_cpu(b.region);
	if (le32_to_cpu(b.reserved))
		return DSM_WIRE_R_RESERVED;
	if (m->u.barrier.region > DSM_WIRE_REGION_MAX)
		return DSM_WIRE_R_FIELD;
	return dsm_wire_rd_ivset(r, &m->u.barrier.iv);
}

/* A body decoded by its type's own file (dsm_wire_xfer.c, ...). */
static enum dsm_wire_reject
dsm_wire_rd_part(struct dsm_rd *r, struct dsm_msg *m,
		 enum dsm_wire_reject (*rd)(const u8 *p, u32 left,
					    struct dsm_msg *m, u32 *used))
{
	enum dsm_wire_reject why;
	u32 used;

	why = rd(r->p, r->left, m, &used);
	dsm_rd_skip(r, used);
	return why;
}

static enum dsm_wire_reject dsm_wire_rd_body(struct dsm_rd *r,
					     struct dsm_msg *m)
{
	const struct dsm_msg_hdr *h = &m->hdr;
	union {
		struct dsm_wire_inval inval;
		struct dsm_wire_inval_ack ack;
		struct dsm_wire_confirm confirm;
	} w;

	switch (h->type) {
	case DSM_MSG_PAGE_REQ:
		return dsm_wire_rd_page_req(r, &m->u.page_req);
	case DSM_MSG_PAGE_FWD:
		return dsm_wire_rd_page_fwd(r, h, &m->u.page_fwd);
	case DSM_MSG_PAGE_GRANT:
		return dsm_wire_rd_page_grant(r, h, &m->u.page_grant);
	case DSM_MSG_INVAL:
		dsm_rd_take(r, &w.inval, sizeof(w.inval));
		m->u.inval.page = le64_to_cpu(w.inval.page);
		m->u.inval.new_owner = le16_to_cpu(w.inval.new_owner);
		if (le16_to_cpu(w.inval.reserved0) ||
		    le32_to_cpu(w.inval.reserved1))
			return DSM_WIRE_R_RESERVED;
		if (!dsm_wire_page_ok(m->u.inval.page))
			return DSM_WIRE_R_PAGE;
		if (m->u.inval.new_owner >= DSM_MAX_NODES)
			return DSM_WIRE_R_NODE;
		return DSM_WIRE_OK;
	case DSM_MSG_INVAL_ACK:
		dsm_rd_take(r, &w.ack, sizeof(w.ack));
		m->u.inval_ack.page = le64_to_cpu(w.ack.page);
		if (le64_to_cpu(w.ack.reserved))
			return DSM_WIRE_R_RESERVED;
		if (!dsm_wire_page_ok(m->u.inval_ack.page))
			return DSM_WIRE_R_PAGE;
		return DSM_WIRE_OK;
	case DSM_MSG_CONFIRM:
		dsm_rd_take(r, &w.confirm, sizeof(w.confirm));
		m->u.confirm.page = le64_to_cpu(w.confirm.page);
		m->u.confirm.access = w.confirm.access;
		if (w.confirm.reserved0 || le16_to_cpu(w.confirm.reserved1) ||
		    le32_to_cpu(w.confirm.reserved2))
			return DSM_WIRE_R_RESERVED;
		if (!dsm_wire_page_ok(m->u.confirm.page))
			return DSM_WIRE_R_PAGE;
		if (!dsm_wire_access_ok(m->u.confirm.access))
			return DSM_WIRE_R_ACCESS;
		return DSM_WIRE_OK;
	case DSM_MSG_NACK:
		return dsm_wire_rd_nack(r, &m->u.nack);
	case DSM_MSG_LOCK_REQ:
		return dsm_wire_rd_lock_req(r, &m->u.lock_req);
	case DSM_MSG_LOCK_GRANT:
	case DSM_MSG_IV_REQ:
	case DSM_MSG_IV_REPLY:
	case DSM_MSG_BARRIER_ARRIVE:
	case DSM_MSG_BARRIER_RELEASE:
		return dsm_wire_rd_sync_set(r, m);
	case DSM_MSG_DIFF_REQ:
		return dsm_wire_rd_diff_req(r, &m->u.diff_req);
	case DSM_MSG_DIFF_REPLY:
		return dsm_wire_rd_diff_reply(r, &m->u.diff_reply);
	case DSM_MSG_HOME_XFER:
	case DSM_MSG_HOME_XFER_ACK:
		return dsm_wire_rd_part(r, m, dsm_wire_rd_xfer);
	case DSM_MSG_DIFF_BACKUP:
	case DSM_MSG_DIFF_BACKUP_ACK:
	case DSM_MSG_DIFF_PUSH:
		return dsm_wire_rd_backup(r, m);
	case DSM_MSG_DIR_QUERY:
	case DSM_MSG_DIR_REPLY:
		return dsm_wire_rd_part(r, m, dsm_wire_rd_dir);
	case DSM_MSG_SHADOW_PUSH:
	case DSM_MSG_SHADOW_ACK:
	case DSM_MSG_SHADOW_DROP:
		return dsm_wire_rd_part(r, m, dsm_wire_rd_shadow);
	case DSM_MSG_LRC_REJOIN:
	case DSM_MSG_LRC_REJOIN_ACK:
		return dsm_wire_rd_part(r, m, dsm_wire_rd_rejoin);
	default:
		return DSM_WIRE_R_TYPE;
	}
}

/**
 * dsm_wire_decode() - validate a received message and decode it.
 * @buf:	exactly one message, untrusted.
 * @len:	bytes at @buf; must equal the header's length field.
 * @m:		out: the decoded message; on error its contents are
 *		unspecified and must not be used.
 * @why:	out: the reject reason, DSM_WIRE_OK on success (may be NULL).
 *
 * Every field is checked before this returns 0: the header as in
 * dsm_wire_peek(), the body length against the type, reserved fields and
 * padding zero, page numbers below DSM_MAX_PAGES, node ids below
 * DSM_MAX_NODES, counts within the DSM_WIRE_MAX_* limits, lists strictly
 * ascending, interval records consistent with their timestamps and with
 * the sender's, embedded diffs valid (dsm_diff_validate()), and nothing
 * left over. Views in @m point into @buf, which must outlive them.
 *
 * Return: 0, or the errno of the reason (dsm_wire_reject_errno()).
 */
int dsm_wire_decode(const void *buf, size_t len, struct dsm_msg *m,
		    enum dsm_wire_reject *why)
{
	struct dsm_rd rd = { .ext = false };
	enum dsm_wire_reject r;

	r = dsm_wire_check_hdr(buf, len, &m->hdr);
	if (r)
		return dsm_wire_fail(r, why);
	if (len < m->hdr.len)
		return dsm_wire_fail(DSM_WIRE_R_SHORT, why);
	if (len > m->hdr.len)
		return dsm_wire_fail(DSM_WIRE_R_LONG, why);
	rd.p = (const u8 *)buf + DSM_WIRE_HDR_SIZE;
	rd.left = m->hdr.len - DSM_WIRE_HDR_SIZE;
	r = dsm_wire_rd_body(&rd, m);
	if (r == DSM_WIRE_OK && rd.left)
		r = DSM_WIRE_R_BODY_LEN;
	return dsm_wire_fail(r, why);
}

/**
 * dsm_wire_decode_ext() - dsm_wire_decode() of a PAGE_GRANT whose page is
 * not in @buf (received straight into a page, dsm_wire_page_head()).
 * @buf:	the message's first @len bytes, its header and body.
 * @len:	their number; the header's length counts DSM_PAGE_SIZE more.
 * @page:	where those DSM_PAGE_SIZE bytes are (never read here; NULL
 *		while they are still to be received): @m's data.
 * @m:		out: as dsm_wire_decode().
 * @why:	out: as dsm_wire_decode().
 *
 * Every check of dsm_wire_decode() (a grant's bytes have none). Any other
 * message, or a grant with NO_DATA, is refused: no page has a place in it.
 *
 * Return: 0, or the errno of the reason (dsm_wire_reject_errno()).
 */
int dsm_wire_decode_ext(const void *buf, size_t len, const void *page,
			struct dsm_msg *m, enum dsm_wire_reject *why)
{
	struct dsm_rd rd = { .ext = true };
	enum dsm_wire_reject r;

	r = dsm_wire_check_hdr(buf, len, &m->hdr);
	if (r)
		return dsm_wire_fail(r, why);
	if (m->hdr.type != DSM_MSG_PAGE_GRANT ||
	    len + DSM_PAGE_SIZE != m->hdr.len)
		return dsm_wire_fail(DSM_WIRE_R_BODY_LEN, why);
	rd.p = (const u8 *)buf + DSM_WIRE_HDR_SIZE;
	rd.left = len - DSM_WIRE_HDR_SIZE;
	r = dsm_wire_rd_page_grant(&rd, &m->hdr, &m->u.page_grant);
	if (r == DSM_WIRE_OK && (rd.left || !m->u.page_grant.data))
		r = DSM_WIRE_R_BODY_LEN;
	m->u.page_grant.data = page;
	return dsm_wire_fail(r, why);
}
