// SPDX-License-Identifier: GPL-2.0
/*
 * proto.c - encoder and validating decoder of the dsmd control protocol.
 * Pure code, unit-tested and fuzzable (tests/unit.c).
 */
#include <ctype.h>
#include <string.h>

#include "mgr.h"
#include "proto.h"

/* Body size of each type; of a MGR frame, the part before the payload. */
static const uint32_t body_size[DSMC_TYPE_END] = {
	[DSMC_HELLO]		= 56,
	[DSMC_HELLO_ACK]	= 56,
	[DSMC_HEARTBEAT]	= 8,
	[DSMC_REGION_ADD]	= 56,
	[DSMC_REGION_DEL]	= 48,
	[DSMC_BYE]		= 8,
	[DSMC_MGR_REQ]		= 24,
	[DSMC_MGR_REPLY]	= 16,
	[DSMC_LOCK_FWD]		= 16,
};

static int is_mgr(unsigned int type)
{
	return type == DSMC_MGR_REQ || type == DSMC_MGR_REPLY ||
	       type == DSMC_LOCK_FWD;
}

const char *dsmc_type_name(unsigned int type)
{
	static const char * const names[DSMC_TYPE_END] = {
		[DSMC_HELLO]		= "HELLO",
		[DSMC_HELLO_ACK]	= "HELLO_ACK",
		[DSMC_HEARTBEAT]	= "HEARTBEAT",
		[DSMC_REGION_ADD]	= "REGION_ADD",
		[DSMC_REGION_DEL]	= "REGION_DEL",
		[DSMC_BYE]		= "BYE",
		[DSMC_MGR_REQ]		= "MGR_REQ",
		[DSMC_MGR_REPLY]	= "MGR_REPLY",
		[DSMC_LOCK_FWD]		= "LOCK_FWD",
	};

	return type > 0 && type < DSMC_TYPE_END ? names[type] : "?";
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, v);
	put32(p + 4, v >> 32);
}

static uint16_t get16(const uint8_t *p)
{
	return p[0] | (uint16_t)p[1] << 8;
}

static uint32_t get32(const uint8_t *p)
{
	return get16(p) | (uint32_t)get16(p + 2) << 16;
}

static uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

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

int dsmc_encode(const struct dsmc_msg *m, uint8_t *buf, size_t cap)
{
	uint8_t *b = buf + DSMC_HDR_SIZE;
	uint32_t len;

	if (m->type == 0 || m->type >= DSMC_TYPE_END)
		return -1;
	len = body_size[m->type];
	if (is_mgr(m->type)) {
		if (m->mgr.len > DSM_MGR_PAYLOAD_MAX ||
		    (m->mgr.len && !m->mgr.payload) ||
		    (m->type == DSMC_LOCK_FWD && !m->mgr.len))
			return -1;
		len += m->mgr.len;
	}
	if (cap < DSMC_HDR_SIZE + len)
		return -1;
	memset(buf, 0, DSMC_HDR_SIZE + len);
	put32(buf, DSMC_MAGIC);
	put16(buf + 4, m->version ? m->version :
	      is_mgr(m->type) ? DSMC_VERSION_MGR : DSMC_VERSION_HELLO);
	put16(buf + 6, m->type);
	put32(buf + 8, len);
	switch (m->type) {
	case DSMC_HELLO:
	case DSMC_HELLO_ACK:
		put32(b, m->hello.node);
		put16(b + 4, m->hello.version_min);
		put16(b + 6, m->hello.version_max);
		put64(b + 8, m->hello.incarnation);
		put32(b + 16, m->hello.heartbeat_ms);
		put32(b + 20, m->hello.dead_ms);
		put_name(b + 24, m->hello.cluster);
		break;
	case DSMC_HEARTBEAT:
		put64(b, m->heartbeat.seq);
		break;
	case DSMC_REGION_ADD:
		put_name(b, m->region.name);
		put64(b + 32, m->region.offset);
		put64(b + 40, m->region.size);
		put32(b + 48, m->region.origin);
		b[52] = m->region.model;
		break;
	case DSMC_REGION_DEL:
		put_name(b, m->region.name);
		put64(b + 32, m->region.offset);
		put32(b + 40, m->region.origin);
		break;
	case DSMC_BYE:
		put32(b, m->bye.reason);
		break;
	case DSMC_MGR_REQ:
		put64(b, m->mgr.cookie);
		put32(b + 8, m->mgr.id);
		put32(b + 12, m->mgr.flags);
		b[16] = m->mgr.op;
		put16(b + 18, m->mgr.frag);
		break;
	case DSMC_MGR_REPLY:
		put64(b, m->mgr.cookie);
		put32(b + 8, m->mgr.error);
		put32(b + 12, m->mgr.flags);
		break;
	case DSMC_LOCK_FWD:
		put32(b, m->mgr.id);
		put32(b + 4, m->mgr.requester);
		put64(b + 8, m->mgr.cookie);
		break;
	}
	if (is_mgr(m->type) && m->mgr.len)
		memcpy(b + body_size[m->type], m->mgr.payload, m->mgr.len);
	return (int)(DSMC_HDR_SIZE + len);
}

int dsmc_peek(const uint8_t *buf, size_t len, const char **why)
{
	uint32_t type, blen;
	uint16_t version;

	if (len < DSMC_HDR_SIZE)
		return 0;
	if (get32(buf) != DSMC_MAGIC) {
		*why = "bad magic";
		return -1;
	}
	version = get16(buf + 4);
	if (version < DSMC_VERSION_MIN || version > DSMC_VERSION_MAX) {
		*why = "unsupported protocol version";
		return -1;
	}
	type = get16(buf + 6);
	if (type == 0 || type >= DSMC_TYPE_END) {
		*why = "unknown message type";
		return -1;
	}
	if (is_mgr(type) && version < DSMC_VERSION_MGR) {
		*why = "manager frame in a protocol version without it";
		return -1;
	}
	blen = get32(buf + 8);
	if (is_mgr(type) ? blen < body_size[type] ||
	    blen - body_size[type] > DSM_MGR_PAYLOAD_MAX :
	    blen != body_size[type]) {
		*why = "wrong body length for the type";
		return -1;
	}
	if (get32(buf + 12)) {
		*why = "reserved header field not zero";
		return -1;
	}
	return (int)(DSMC_HDR_SIZE + blen);
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

int dsmc_decode(const uint8_t *buf, size_t len, struct dsmc_msg *m,
		const char **why)
{
	const uint8_t *b = buf + DSMC_HDR_SIZE;
	int total = dsmc_peek(buf, len, why);

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
	m->version = get16(buf + 4);
	m->type = get16(buf + 6);
	switch (m->type) {
	case DSMC_HELLO:
	case DSMC_HELLO_ACK:
		m->hello.node = get32(b);
		m->hello.version_min = get16(b + 4);
		m->hello.version_max = get16(b + 6);
		m->hello.incarnation = get64(b + 8);
		m->hello.heartbeat_ms = get32(b + 16);
		m->hello.dead_ms = get32(b + 20);
		if (m->hello.node >= DSM_NODES_MAX) {
			*why = "node id out of range";
			return -1;
		}
		if (!m->hello.version_min ||
		    m->hello.version_min > m->hello.version_max) {
			*why = "bad version range";
			return -1;
		}
		if (!m->hello.incarnation) {
			*why = "zero incarnation";
			return -1;
		}
		if (m->hello.heartbeat_ms < 10 ||
		    m->hello.heartbeat_ms > 600000 ||
		    m->hello.dead_ms < 2 * m->hello.heartbeat_ms ||
		    m->hello.dead_ms > 600000) {
			*why = "timeouts out of range";
			return -1;
		}
		if (get_name(b + 24, m->hello.cluster)) {
			*why = "bad cluster name";
			return -1;
		}
		break;
	case DSMC_HEARTBEAT:
		m->heartbeat.seq = get64(b);
		break;
	case DSMC_REGION_ADD:
		if (get_name(b, m->region.name)) {
			*why = "bad region name";
			return -1;
		}
		m->region.offset = get64(b + 32);
		m->region.size = get64(b + 40);
		m->region.origin = get32(b + 48);
		m->region.model = b[52];
		if (b[53] || b[54] || b[55]) {
			*why = "reserved field not zero";
			return -1;
		}
		if (m->region.model > DSM_MODEL_MAX) {
			*why = "unknown consistency model";
			return -1;
		}
		if (region_ok(m->region.offset, m->region.size,
			      m->region.origin)) {
			*why = "region outside its origin's slice or misaligned";
			return -1;
		}
		break;
	case DSMC_REGION_DEL:
		if (get_name(b, m->region.name)) {
			*why = "bad region name";
			return -1;
		}
		m->region.offset = get64(b + 32);
		m->region.origin = get32(b + 40);
		if (get32(b + 44)) {
			*why = "reserved field not zero";
			return -1;
		}
		if (region_ok(m->region.offset, DSM_REGION_ALIGN,
			      m->region.origin)) {
			*why = "region outside its origin's slice or misaligned";
			return -1;
		}
		break;
	case DSMC_BYE:
		m->bye.reason = get32(b);
		if (m->bye.reason > DSM_REASON_MAX || get32(b + 4)) {
			*why = "bad reason or reserved field";
			return -1;
		}
		break;
	case DSMC_MGR_REQ:
		m->mgr.cookie = get64(b);
		m->mgr.id = get32(b + 8);
		m->mgr.flags = get32(b + 12);
		m->mgr.op = b[16];
		m->mgr.frag = get16(b + 18);
		if (b[17] || get32(b + 20)) {
			*why = "reserved field not zero";
			return -1;
		}
		if (m->mgr.op > DSM_MGR_OP_MAX ||
		    (m->mgr.flags & ~(DSM_MGR_F_MORE | DSM_MGR_F_GC_WANTED))) {
			*why = "bad manager op or flags";
			return -1;
		}
		break;
	case DSMC_MGR_REPLY:
		m->mgr.cookie = get64(b);
		m->mgr.error = get32(b + 8);
		m->mgr.flags = get32(b + 12);
		if (m->mgr.error > 4095 ||
		    (m->mgr.flags != MGR_F_FORWARDED &&
		     m->mgr.flags != MGR_F_FWD_FAILED &&
		     (m->mgr.flags & ~(DSM_MGR_F_MORE | DSM_MGR_F_GC)))) {
			*why = "bad manager error or flags";
			return -1;
		}
		break;
	case DSMC_LOCK_FWD:
		m->mgr.id = get32(b);
		m->mgr.requester = get32(b + 4);
		m->mgr.cookie = get64(b + 8);
		if (m->mgr.requester >= DSM_NODES_MAX) {
			*why = "bad requester node id";
			return -1;
		}
		if (total == DSMC_HDR_SIZE + (int)body_size[m->type]) {
			*why = "lock forward without a LOCK_REQ";
			return -1;
		}
		break;
	}
	if (is_mgr(m->type)) {
		m->mgr.len = total - DSMC_HDR_SIZE - body_size[m->type];
		m->mgr.payload = m->mgr.len ? b + body_size[m->type] : NULL;
	}
	return 0;
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
