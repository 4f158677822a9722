// SPDX-License-Identifier: GPL-2.0
/*
 * proto.c - encoder and validating decoder of the dsmd control protocol.
 * Pure code, unit-tested and fuzzable (tests/proto_test.c); the bytes of
 * every frame type are pinned by tests/wire_test.c. The bodies of the
 * managers' frames are proto_mgr.c's.
 *
 * Every header and body is a packed struct of proto.h, read and written
 * field by field with htole*()/le*toh(): the structs say where a field
 * is, the conversions that it is little endian on any host.
 */
#include <assert.h>
#include <ctype.h>
#include <endian.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "dsm_home.h"
#include "dsm_limits.h"
#include "mgr.h"
#include "proto.h"
#include "proto_internal.h"

static_assert(sizeof(struct dsmc_wire_hdr) == DSMC_HDR_SIZE, "header");
static_assert(sizeof(struct dsmc_wire_hello) == 56, "HELLO");
static_assert(sizeof(struct dsmc_wire_heartbeat) == 8, "HEARTBEAT");
static_assert(sizeof(struct dsmc_wire_region_add) == 56, "REGION_ADD");
static_assert(sizeof(struct dsmc_wire_region_perm) == 16, "REGION_ADD v3");
static_assert(sizeof(struct dsmc_wire_region_del) == 48, "REGION_DEL");
static_assert(sizeof(struct dsmc_wire_bye) == 8, "BYE");
static_assert(sizeof(struct dsmc_wire_mgr_req) == 24, "MGR_REQ");
static_assert(sizeof(struct dsmc_wire_mgr_reply) == 16, "MGR_REPLY");
static_assert(sizeof(struct dsmc_wire_lock_fwd) == 16, "LOCK_FWD");
/* MGR_REQ v8 has the largest fixed part: DSMC_BODY_MAX counts on it. */
static_assert(sizeof(struct dsmc_wire_mgr_req8) == DSMC_MGR_FIXED,
	      "MGR_REQ v8");
static_assert(sizeof(struct dsmc_wire_mgr_reply8) == 24, "MGR_REPLY v8");
static_assert(sizeof(struct dsmc_wire_lock_fwd8) == 24, "LOCK_FWD v8");
static_assert(sizeof(struct dsmc_wire_lock_handover) == 32, "LOCK_HANDOVER");
static_assert(sizeof(struct dsmc_wire_ho_rec) == 24, "LOCK_HANDOVER record");
static_assert(sizeof(struct dsmc_wire_lock_handover) +
	      DSM_NODES_MAX * sizeof(struct dsmc_wire_ho_rec) <= DSMC_BODY_MAX,
	      "the largest LOCK_HANDOVER fits DSMC_BODY_MAX");
static_assert(sizeof(struct dsm_auth_wire_challenge) == 56, "AUTH_CHALLENGE");
static_assert(sizeof(struct dsm_auth_wire_response) == 40, "AUTH_RESPONSE");
static_assert(sizeof(struct dsmc_wire_link_info) == 32, "LINK_INFO");
static_assert(sizeof(struct dsmc_wire_members) == 64 + DSMC_HOME_BUCKETS,
	      "MEMBERS");
static_assert(DSM_NODES_MAX <= 64, "a membership must fit a u64 mask");
/* The core's mask of every node id (DSM_ALL_NODES) is the uapi's. */
static_assert(DSM_MAX_NODES == DSM_NODES_MAX, "core and uapi node limits");

static void put_name(uint8_t *p, const char *name)
{
	size_t len = strnlen(name, DSM_NAME_MAX - 1);

	memset(p, 0, DSM_NAME_MAX);
	memcpy(p, name, len);
}

/* A name: NUL-terminated, NUL-padded, [A-Za-z0-9_.-], alnum first. */
static int get_name(const uint8_t *p, char *name)
{
	size_t len = strnlen((const char *)p, DSM_NAME_MAX), i;

	if (len == 0 || len == DSM_NAME_MAX)
		return -1;
	for (i = len; i < DSM_NAME_MAX; i++)
		if (p[i])
			return -1;
	if (!isalnum(p[0]))
		return -1;
	for (i = 0; i < len; i++)
		if (!isalnum(p[i]) && p[i] != '_' && p[i] != '.' &&
		    p[i] != '-')
			return -1;
	memcpy(name, p, len + 1);
	return 0;
}

/* A region [offset, offset + size) lies inside its origin's slice. */
static int region_ok(uint64_t offset, uint64_t size, uint32_t origin)
{
	uint64_t slice = (uint64_t)origin * DSM_REGION_SLICE;

	if (origin >= DSM_NODES_MAX || offset % DSM_REGION_ALIGN ||
	    size % DSM_REGION_ALIGN || size < DSM_REGION_ALIGN ||
	    size > DSM_REGION_SLICE)
		return -1;
	if (offset < slice || offset - slice > DSM_REGION_SLICE - size)
		return -1;
	return 0;
}

/*
 * One encoder and one decoder per body (proto_internal.h says what they
 * get); those of the managers' frames are in proto_mgr.c.
 */

static void enc_hello(const struct dsmc_msg *m, void *body)
{
	struct dsmc_wire_hello *w = body;

	w->node = htole32(m->hello.node);
	w->version_min = htole16(m->hello.version_min);
	w->version_max = htole16(m->hello.version_max);
	w->incarnation = htole64(m->hello.incarnation);
	w->heartbeat_ms = htole32(m->hello.heartbeat_ms);
	w->dead_ms = htole32(m->hello.dead_ms);
	put_name(w->cluster, m->hello.cluster);
}

static const char *dec_hello(const void *body, uint32_t len,
			     struct dsmc_msg *m)
{
	const struct dsmc_wire_hello *w = body;

	(void)len;
	m->hello.node = le32toh(w->node);
	m->hello.version_min = le16toh(w->version_min);
	m->hello.version_max = le16toh(w->version_max);
	m->hello.incarnation = le64toh(w->incarnation);
	m->hello.heartbeat_ms = le32toh(w->heartbeat_ms);
	m->hello.dead_ms = le32toh(w->dead_ms);
	if (m->hello.node >= DSM_NODES_MAX)
		return "node id out of range";
	if (!m->hello.version_min ||
	    m->hello.version_min > m->hello.version_max)
		return "bad version range";
	if (!m->hello.incarnation)
		return "zero incarnation";
	if (m->hello.heartbeat_ms < 10 || m->hello.heartbeat_ms > 600000 ||
	    m->hello.dead_ms < 2 * m->hello.heartbeat_ms ||
	    m->hello.dead_ms > 600000)
		return "timeouts out of range";
	if (get_name(w->cluster, m->hello.cluster))
		return "bad cluster name";
	return NULL;
}

static void enc_heartbeat(const struct dsmc_msg *m, void *body)
{
	struct dsmc_wire_heartbeat *w = body;

	w->seq = htole64(m->heartbeat.seq);
}

static const char *dec_heartbeat(const void *body, uint32_t len,
				 struct dsmc_msg *m)
{
	const struct dsmc_wire_heartbeat *w = body;

	(void)len;
	m->heartbeat.seq = le64toh(w->seq);
	return NULL;
}

/* The owner, group and mode of version 3, after the version-1 body. */
static void enc_region_perm(const struct dsmc_msg *m, void *body)
{
	struct dsmc_wire_region_perm *w = (struct dsmc_wire_region_perm *)
		((uint8_t *)body + sizeof(struct dsmc_wire_region_add));

	w->uid = htole32(m->region.uid);
	w->gid = htole32(m->region.gid);
	w->mode = htole16(m->region.mode);
}

static void enc_region_add(const struct dsmc_msg *m, void *body)
{
	struct dsmc_wire_region_add *w = body;

	put_name(w->name, m->region.name);
	w->offset = htole64(m->region.offset);
	w->size = htole64(m->region.size);
	w->origin = htole32(m->region.origin);
	w->model = m->region.model;
	w->flags = m->region.replicas ? 0 : DSMC_REGION_F_NO_REPLICAS;
	if (m->version >= DSMC_VERSION_PERM)
		enc_region_perm(m, body);
}

/* (uint32_t)-1 is no id; a mode has only permission bits. */
static const char *dec_region_perm(const void *body, struct dsmc_msg *m)
{
	const struct dsmc_wire_region_perm *w =
		(const struct dsmc_wire_region_perm *)
		((const uint8_t *)body + sizeof(struct dsmc_wire_region_add));

	m->region.uid = le32toh(w->uid);
	m->region.gid = le32toh(w->gid);
	m->region.mode = le16toh(w->mode);
	if (w->reserved0 || w->reserved1)
		return "reserved field not zero";
	if (m->region.uid == UINT32_MAX || m->region.gid == UINT32_MAX)
		return "region owner or group is (uid_t)-1";
	if (m->region.mode & ~DSM_REGION_MODE_MASK)
		return "region mode has bits beyond 0777";
	m->region.has_perm = true;
	return NULL;
}

/* @len is the version's body size: dsmc_peek() checked it. */
static const char *dec_region_add(const void *body, uint32_t len,
				  struct dsmc_msg *m)
{
	const struct dsmc_wire_region_add *w = body;
	const char *why;

	if (len > sizeof(*w)) {
		why = dec_region_perm(body, m);
		if (why)
			return why;
	}
	if (get_name(w->name, m->region.name))
		return "bad region name";
	m->region.offset = le64toh(w->offset);
	m->region.size = le64toh(w->size);
	m->region.origin = le32toh(w->origin);
	m->region.model = w->model;
	m->region.replicas = !(w->flags & DSMC_REGION_F_NO_REPLICAS);
	if ((w->flags & ~DSMC_REGION_F_NO_REPLICAS) || w->reserved[0] ||
	    w->reserved[1])
		return "reserved field not zero";
	if (m->region.model > DSM_MODEL_MAX)
		return "unknown consistency model";
	if (region_ok(m->region.offset, m->region.size, m->region.origin))
		return "region outside its origin's slice or misaligned";
	return NULL;
}

static void enc_region_del(const struct dsmc_msg *m, void *body)
{
	struct dsmc_wire_region_del *w = body;

	put_name(w->name, m->region.name);
	w->offset = htole64(m->region.offset);
	w->origin = htole32(m->region.origin);
}

static const char *dec_region_del(const void *body, uint32_t len,
				  struct dsmc_msg *m)
{
	const struct dsmc_wire_region_del *w = body;

	(void)len;
	if (get_name(w->name, m->region.name))
		return "bad region name";
	m->region.offset = le64toh(w->offset);
	m->region.origin = le32toh(w->origin);
	if (w->reserved)
		return "reserved field not zero";
	if (region_ok(m->region.offset, DSM_REGION_ALIGN, m->region.origin))
		return "region outside its origin's slice or misaligned";
	return NULL;
}

static void enc_bye(const struct dsmc_msg *m, void *body)
{
	struct dsmc_wire_bye *w = body;

	w->reason = htole32(m->bye.reason);
}

static const char *dec_bye(const void *body, uint32_t len,
			   struct dsmc_msg *m)
{
	const struct dsmc_wire_bye *w = body;

	(void)len;
	m->bye.reason = le32toh(w->reason);
	if (m->bye.reason > DSM_REASON_MAX || w->reserved)
		return "bad reason or reserved field";
	return NULL;
}

/* The handshake's bodies are kmod/core's (dsm_auth.h). */
static void enc_auth_challenge(const struct dsmc_msg *m, void *body)
{
	dsm_auth_challenge_encode(&m->chal, body);
}

static const char *dec_auth_challenge(const void *body, uint32_t len,
				      struct dsmc_msg *m)
{
	const char *why;

	return dsm_auth_challenge_decode(body, len, &m->chal, &why) ?
	       why : NULL;
}

static void enc_auth_response(const struct dsmc_msg *m, void *body)
{
	dsm_auth_response_encode(&m->resp, body);
}

static const char *dec_auth_response(const void *body, uint32_t len,
				     struct dsmc_msg *m)
{
	const char *why;

	return dsm_auth_response_decode(body, len, &m->resp, &why) ?
	       why : NULL;
}

static void enc_link_info(const struct dsmc_msg *m, void *body)
{
	struct dsmc_wire_link_info *w = body;

	w->node = htole32(m->link.node);
	w->wire_min = htole16(m->link.wire_min);
	w->wire_max = htole16(m->link.wire_max);
	w->incarnation = htole64(m->link.incarnation);
	w->page_size = htole32(m->link.page_size);
	w->flags = htole32(m->link.flags);
}

static const char *dec_link_info(const void *body, uint32_t len,
				 struct dsmc_msg *m)
{
	const struct dsmc_wire_link_info *w = body;
	uint32_t ps;

	(void)len;
	m->link.node = le32toh(w->node);
	m->link.wire_min = le16toh(w->wire_min);
	m->link.wire_max = le16toh(w->wire_max);
	m->link.incarnation = le64toh(w->incarnation);
	m->link.page_size = ps = le32toh(w->page_size);
	m->link.flags = le32toh(w->flags);
	if (m->link.node >= DSM_NODES_MAX)
		return "bad node id";
	if (!m->link.wire_min || m->link.wire_min > m->link.wire_max)
		return "bad wire version range";
	if (!m->link.incarnation)
		return "incarnation 0";
	if (ps < 4096 || ps > 65536 || (ps & (ps - 1)))
		return "bad page size";
	if (m->link.flags & ~(uint32_t)DSM_PEER_F_ALL)
		return "unknown link flags";
	if (w->reserved)
		return "reserved field not zero";
	return NULL;
}

static void enc_members(const struct dsmc_msg *m, void *body)
{
	struct dsmc_wire_members *w = body;

	w->op = m->memb.op;
	w->change = m->memb.change;
	w->family = m->memb.family == AF_INET ? 4 :
		    m->memb.family == AF_INET6 ? 6 : 0;
	w->node = htole32(m->memb.node);
	w->port = htole16(m->memb.port);
	w->error = htole16(m->memb.error);
	w->cookie = htole64(m->memb.cookie);
	w->epoch = htole64(m->memb.epoch);
	w->members = htole64(m->memb.members);
	memcpy(w->addr, m->memb.addr, w->family == 4 ? 4 :
	       w->family == 6 ? 16 : 0);
	if (m->memb.op == DSMC_MEMB_TABLE || m->memb.change == DSMC_MEMB_MOVE)
		memcpy(w->table, m->memb.table, sizeof(w->table));
}

/* The change part: which node, and for ADD where it is. */
static const char *dec_members_change(const struct dsmc_wire_members *w,
				      struct dsmc_msg *m)
{
	size_t alen = w->family == 4 ? 4 : w->family == 6 ? 16 : 0;

	if (w->change >= DSMC_MEMB_CHANGE_END)
		return "unknown membership change";
	if (m->memb.node >= DSM_NODES_MAX)
		return "node id out of range";
	if (w->change == DSMC_MEMB_NONE && m->memb.node)
		return "node set without a change";
	if (w->change == DSMC_MEMB_ADD ? !alen || !m->memb.port :
	    w->family || m->memb.port)
		return "address without ADD, or ADD without one";
	if (w->family && w->family != 4 && w->family != 6)
		return "unknown address family";
	if (!all_zero(w->addr + alen, sizeof(w->addr) - alen))
		return "address padding not zero";
	m->memb.family = w->family == 4 ? AF_INET :
			 w->family == 6 ? AF_INET6 : 0;
	memcpy(m->memb.addr, w->addr, alen);
	return NULL;
}

/* A MOVE's epoch and wishes (dsm_home_wishes_check()); no members. */
static const char *dec_members_wishes(const struct dsmc_wire_members *w,
				      struct dsmc_msg *m)
{
	uint32_t n;

	if (m->memb.epoch > DSM_HOME_EPOCH_MAX)
		return "move epoch out of range";
	if (m->memb.members)
		return "members in a move";
	if (dsm_home_wishes_check(w->table, &n))
		return "a bucket's wish is not a node id";
	memcpy(m->memb.table, w->table, sizeof(w->table));
	return NULL;
}

/*
 * A TABLE's epoch, members and buckets, a MOVE's wishes; the other ops
 * have none.
 */
static const char *dec_members_table(const struct dsmc_wire_members *w,
				     struct dsmc_msg *m)
{
	size_t b;

	if (m->memb.change == DSMC_MEMB_MOVE)
		return dec_members_wishes(w, m);
	if (m->memb.op != DSMC_MEMB_TABLE)
		return m->memb.epoch || m->memb.members ||
		       !all_zero(w->table, sizeof(w->table)) ?
		       "table outside a TABLE" : NULL;
	if (!m->memb.epoch || m->memb.epoch > DSM_HOME_EPOCH_MAX)
		return "table epoch out of range";
	if (!m->memb.members || (m->memb.members & ~DSM_ALL_NODES))
		return "members out of range";
	for (b = 0; b < sizeof(w->table); b++)
		if (w->table[b] >= DSM_NODES_MAX ||
		    !(m->memb.members >> w->table[b] & 1))
			return "a bucket's home is not a member";
	memcpy(m->memb.table, w->table, sizeof(w->table));
	return NULL;
}

static const char *dec_members(const void *body, uint32_t len,
			       struct dsmc_msg *m)
{
	const struct dsmc_wire_members *w = body;
	const char *why;

	(void)len;
	m->memb.op = w->op;
	m->memb.change = w->change;
	m->memb.node = le32toh(w->node);
	m->memb.port = le16toh(w->port);
	m->memb.error = le16toh(w->error);
	m->memb.cookie = le64toh(w->cookie);
	m->memb.epoch = le64toh(w->epoch);
	m->memb.members = le64toh(w->members);
	if (!w->op || w->op >= DSMC_MEMB_OP_END)
		return "unknown membership op";
	/* A version-5 peer refuses them: they are never sent to one. */
	if (w->op >= DSMC_MEMB_LEAVE && m->version < DSMC_VERSION_LEAVE)
		return "membership op not in this protocol version";
	if (w->reserved0 || w->reserved1 || w->reserved2)
		return "reserved field not zero";
	/* A version-10 peer refuses it: it is never sent to one. */
	if (w->change == DSMC_MEMB_MOVE && m->version < DSMC_VERSION_HOME_MOVE)
		return "membership change not in this protocol version";
	if (w->change == DSMC_MEMB_MOVE && w->op != DSMC_MEMB_REQUEST)
		return "move outside a request";
	if (m->memb.op == DSMC_MEMB_REQUEST && w->change == DSMC_MEMB_NONE)
		return "request without a change";
	if (w->op >= DSMC_MEMB_LEAVE && w->change != DSMC_MEMB_DEL)
		return "leave or left without a DEL change";
	if (m->memb.op == DSMC_MEMB_RESULT || m->memb.op == DSMC_MEMB_LEFT ?
	    m->memb.error > 4095 : m->memb.error != 0)
		return "error out of range, or outside a result or left";
	if (m->memb.op == DSMC_MEMB_TABLE || w->change == DSMC_MEMB_MOVE ?
	    m->memb.cookie != 0 : !m->memb.cookie)
		return "cookie missing, or in a table or a move";
	why = dec_members_change(w, m);
	return why ? why : dec_members_table(w, m);
}

/**
 * struct dsmc_type_desc - one row per message type.
 * @size:	body size; of a frame with a payload or records, the fixed
 *		part before them.
 * @grow:	if @grow.since is not 0, @size is @grow.size from protocol
 *		version @grow.since on (REGION_ADD's permissions of
 *		version 3, the manager frames' epoch of version 8).
 * @mgr:	a manager frame: version 2 or later, a payload of 0 ..
 *		DSM_MGR_PAYLOAD_MAX bytes follows the fixed part.
 * @rec:	if not 0, 0 .. DSM_NODES_MAX records of @rec bytes follow
 *		the fixed part (LOCK_HANDOVER).
 * @since:	the first protocol version with the type (0: any).
 * @check:	if not NULL, why the decoder would refuse @m, or NULL; the
 *		encoder refuses such an @m (the type's encoder needs it).
 */
struct dsmc_type_desc {
	const char *name;
	uint32_t size;
	struct {
		uint16_t since;
		uint32_t size;
	} grow;
	bool mgr;
	uint32_t rec;
	uint16_t since;
	void (*enc)(const struct dsmc_msg *m, void *body);
	const char *(*dec)(const void *body, uint32_t len, struct dsmc_msg *m);
	const char *(*check)(const struct dsmc_msg *m);
};

#define TYPE(_t, _name, _wire, _enc, _dec)				\
	[_t] = { .name = _name, .size = sizeof(struct _wire),		\
		 .enc = _enc, .dec = _dec }

/* A manager frame: struct _wire (_wire##8 from version 8), a payload. */
#define MGR_TYPE(_t, _name, _wire, _enc, _dec)				\
	[_t] = { .name = _name, .size = sizeof(struct _wire),		\
		 .grow = { DSMC_VERSION_HANDOVER, sizeof(struct _wire##8) }, \
		 .mgr = true, .enc = _enc, .dec = _dec }

static const struct dsmc_type_desc types[DSMC_TYPE_END] = {
	TYPE(DSMC_HELLO, "HELLO", dsmc_wire_hello, enc_hello, dec_hello),
	TYPE(DSMC_HELLO_ACK, "HELLO_ACK", dsmc_wire_hello,
	     enc_hello, dec_hello),
	TYPE(DSMC_HEARTBEAT, "HEARTBEAT", dsmc_wire_heartbeat,
	     enc_heartbeat, dec_heartbeat),
	[DSMC_REGION_ADD] = { .name = "REGION_ADD",
			      .size = sizeof(struct dsmc_wire_region_add),
			      .grow = { DSMC_VERSION_PERM,
					sizeof(struct dsmc_wire_region_add) +
					sizeof(struct dsmc_wire_region_perm) },
			      .enc = enc_region_add, .dec = dec_region_add },
	TYPE(DSMC_REGION_DEL, "REGION_DEL", dsmc_wire_region_del,
	     enc_region_del, dec_region_del),
	TYPE(DSMC_BYE, "BYE", dsmc_wire_bye, enc_bye, dec_bye),
	MGR_TYPE(DSMC_MGR_REQ, "MGR_REQ", dsmc_wire_mgr_req,
		 dsmc_enc_mgr_req, dsmc_dec_mgr_req),
	MGR_TYPE(DSMC_MGR_REPLY, "MGR_REPLY", dsmc_wire_mgr_reply,
		 dsmc_enc_mgr_reply, dsmc_dec_mgr_reply),
	MGR_TYPE(DSMC_LOCK_FWD, "LOCK_FWD", dsmc_wire_lock_fwd,
		 dsmc_enc_lock_fwd, dsmc_dec_lock_fwd),
	[DSMC_AUTH_CHALLENGE] = {
		.name = "AUTH_CHALLENGE", .since = DSMC_VERSION_AUTH,
		.size = sizeof(struct dsm_auth_wire_challenge),
		.enc = enc_auth_challenge, .dec = dec_auth_challenge,
	},
	[DSMC_AUTH_RESPONSE] = {
		.name = "AUTH_RESPONSE", .since = DSMC_VERSION_AUTH,
		.size = sizeof(struct dsm_auth_wire_response),
		.enc = enc_auth_response, .dec = dec_auth_response,
	},
	[DSMC_LINK_INFO] = {
		.name = "LINK_INFO", .since = DSMC_VERSION_LINK,
		.size = sizeof(struct dsmc_wire_link_info),
		.enc = enc_link_info, .dec = dec_link_info,
	},
	[DSMC_MEMBERS] = {
		.name = "MEMBERS", .since = DSMC_VERSION_MEMBERS,
		.size = sizeof(struct dsmc_wire_members),
		.enc = enc_members, .dec = dec_members,
	},
	[DSMC_LOCK_HANDOVER] = {
		.name = "LOCK_HANDOVER", .since = DSMC_VERSION_HANDOVER,
		.size = sizeof(struct dsmc_wire_lock_handover),
		.rec = sizeof(struct dsmc_wire_ho_rec),
		.enc = dsmc_enc_handover, .dec = dsmc_dec_handover,
		.check = dsmc_check_handover,
	},
};

/* Body size (fixed part) of type @t in protocol version @version. */
static uint32_t body_size(const struct dsmc_type_desc *t, uint16_t version)
{
	return t->grow.since && version >= t->grow.since ? t->grow.size :
							    t->size;
}

/* A body of @blen bytes has the size of type @t in version @version. */
static bool body_len_ok(const struct dsmc_type_desc *t, uint16_t version,
			uint32_t blen)
{
	uint32_t fixed = body_size(t, version);

	if (blen < fixed)
		return false;
	if (t->mgr)
		return blen - fixed <= DSM_MGR_PAYLOAD_MAX;
	if (t->rec)
		return (blen - fixed) % t->rec == 0 &&
		       (blen - fixed) / t->rec <= DSM_NODES_MAX;
	return blen == fixed;
}

/* The row of @type, or NULL for an unknown type. */
static const struct dsmc_type_desc *type_of(unsigned int type)
{
	return type > 0 && type < DSMC_TYPE_END ? &types[type] : NULL;
}

const char *dsmc_type_name(unsigned int type)
{
	const struct dsmc_type_desc *t = type_of(type);

	return t ? t->name : "?";
}

/*
 * The bytes after @m's fixed part: a manager frame's payload (LOCK_FWD's
 * required), LOCK_HANDOVER's records; -1 if @m cannot have them.
 */
static int64_t var_len(const struct dsmc_type_desc *t,
		       const struct dsmc_msg *m)
{
	if (t->mgr) {
		if (m->mgr.len > DSM_MGR_PAYLOAD_MAX ||
		    (m->mgr.len && !m->mgr.payload) ||
		    (m->type == DSMC_LOCK_FWD && !m->mgr.len))
			return -1;
		return m->mgr.len;
	}
	if (t->rec)
		return m->ho.nr > DSM_NODES_MAX ? -1 :
		       (int64_t)m->ho.nr * t->rec;
	return 0;
}

int dsmc_encode(const struct dsmc_msg *m, uint8_t *buf, size_t cap)
{
	const struct dsmc_type_desc *t = type_of(m->type);
	struct dsmc_wire_hdr *h = (struct dsmc_wire_hdr *)buf;
	struct dsmc_msg v;
	uint32_t fixed;
	int64_t var;

	if (!t)
		return -1;
	v = *m;
	if (!v.version)
		v.version = t->since ? t->since :
			    t->mgr ? DSMC_VERSION_MGR : DSMC_VERSION_HELLO;
	/* A frame the receiver would refuse for its version or content. */
	if (v.version < t->since || v.version > DSMC_VERSION_MAX ||
	    (t->mgr && v.version < DSMC_VERSION_MGR) ||
	    (t->check && t->check(&v)))
		return -1;
	fixed = body_size(t, v.version);
	var = var_len(t, &v);
	if (var < 0 || cap < DSMC_HDR_SIZE + fixed + (uint64_t)var)
		return -1;
	memset(buf, 0, DSMC_HDR_SIZE + fixed + var);
	h->magic = htole32(DSMC_MAGIC);
	h->version = htole16(v.version);
	h->type = htole16(m->type);
	h->len = htole32(fixed + var);
	t->enc(&v, buf + DSMC_HDR_SIZE);
	if (t->mgr && m->mgr.len)
		memcpy(buf + DSMC_HDR_SIZE + fixed, m->mgr.payload,
		       m->mgr.len);
	return (int)(DSMC_HDR_SIZE + fixed + var);
}

int dsmc_peek(const uint8_t *buf, size_t len, const char **why)
{
	const struct dsmc_wire_hdr *h = (const struct dsmc_wire_hdr *)buf;
	const struct dsmc_type_desc *t;
	uint16_t version;
	uint32_t blen;

	if (len < DSMC_HDR_SIZE)
		return 0;
	if (le32toh(h->magic) != DSMC_MAGIC) {
		*why = "bad magic";
		return -1;
	}
	version = le16toh(h->version);
	if (version < DSMC_VERSION_MIN || version > DSMC_VERSION_MAX) {
		*why = "unsupported protocol version";
		return -1;
	}
	t = type_of(le16toh(h->type));
	if (!t) {
		*why = "unknown message type";
		return -1;
	}
	if (t->mgr && version < DSMC_VERSION_MGR) {
		*why = "manager frame in a protocol version without it";
		return -1;
	}
	if (version < t->since) {
		*why = t->since == DSMC_VERSION_AUTH ?
		       "authentication frame in a protocol version without it" :
		       "frame type not in this protocol version";
		return -1;
	}
	blen = le32toh(h->len);
	if (!body_len_ok(t, version, blen)) {
		*why = "wrong body length for the type";
		return -1;
	}
	if (h->reserved) {
		*why = "reserved header field not zero";
		return -1;
	}
	return (int)(DSMC_HDR_SIZE + blen);
}

int dsmc_decode(const uint8_t *buf, size_t len, struct dsmc_msg *m,
		const char **why)
{
	const struct dsmc_wire_hdr *h = (const struct dsmc_wire_hdr *)buf;
	const uint8_t *b = buf + DSMC_HDR_SIZE;
	int total = dsmc_peek(buf, len, why);
	const struct dsmc_type_desc *t;
	uint32_t blen, fixed;

	if (total <= 0) {
		if (!total)
			*why = "truncated header";
		return -1;
	}
	if ((size_t)total != len) {
		*why = "length does not match the header";
		return -1;
	}
	memset(m, 0, sizeof(*m));
	m->version = le16toh(h->version);
	m->type = le16toh(h->type);
	t = type_of(m->type);
	blen = total - DSMC_HDR_SIZE;
	fixed = body_size(t, m->version);
	if (t->mgr) {
		m->mgr.len = blen - fixed;
		m->mgr.payload = m->mgr.len ? b + fixed : NULL;
	}
	*why = t->dec(b, blen, m);
	return *why ? -1 : 0;
}

int dsmc_consume(uint8_t *buf, size_t *len,
		 int (*fn)(void *ctx, const struct dsmc_msg *m), void *ctx,
		 const char **why)
{
	struct dsmc_msg m;
	size_t off = 0;
	int total;

	for (;;) {
		total = dsmc_peek(buf + off, *len - off, why);
		if (total < 0)
			return -1;
		if (total == 0 || *len - off < (size_t)total)
			break;
		if (dsmc_decode(buf + off, total, &m, why))
			return -1;
		/* m's payload points into buf: move nothing before fn is done. */
		if (fn(ctx, &m))
			return 1;
		off += total;
	}
	if (off) {
		memmove(buf, buf + off, *len - off);
		*len -= off;
	}
	return 0;
}

int dsmc_link_agree(const struct dsmc_link *ours,
		    const struct dsmc_link *theirs, uint16_t *wire,
		    char *why, size_t len)
{
	if (ours->page_size != theirs->page_size) {
		snprintf(why, len, "page size %u there, %u here",
			 theirs->page_size, ours->page_size);
		return -1;
	}
	if (theirs->wire_max < ours->wire_min ||
	    theirs->wire_min > ours->wire_max) {
		snprintf(why, len,
			 "no common wire version: %u..%u there, %u..%u here",
			 theirs->wire_min, theirs->wire_max, ours->wire_min,
			 ours->wire_max);
		return -1;
	}
	*wire = theirs->wire_max < ours->wire_max ? theirs->wire_max :
						    ours->wire_max;
	return 0;
}
