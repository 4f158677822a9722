// SPDX-License-Identifier: GPL-2.0
/*
 * proto_test.c - unit tests of the dsmd control protocol's codec
 * (proto.c): round trips, refusals, every single-byte corruption, several
 * frames in one read; the managers' frames' own rules are
 * proto_mgr_test.c's. The bytes themselves are pinned by wire_test.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "mgr.h"
#include "proto.h"
#include "unit.h"

static int roundtrip(const struct dsmc_msg *m, struct dsmc_msg *out)
{
	uint8_t buf[DSMC_MSG_MAX];
	const char *why = NULL;
	int len = dsmc_encode(m, buf, sizeof(buf));

	if (len <= 0 || dsmc_peek(buf, len, &why) != len)
		return -1;
	return dsmc_decode(buf, len, out, &why);
}

static struct dsmc_msg hello(void)
{
	struct dsmc_msg m = { .type = DSMC_HELLO };

	m.hello.node = 2;
	m.hello.version_min = 1;
	m.hello.version_max = 1;
	m.hello.incarnation = 0x1122334455667788ULL;
	m.hello.heartbeat_ms = 500;
	m.hello.dead_ms = 3000;
	strcpy(m.hello.cluster, "vc");
	return m;
}

/* Encode @m, apply @mutate to byte @off, expect the decoder to refuse. */
static int refuses(const struct dsmc_msg *m, int off, uint8_t val)
{
	uint8_t buf[DSMC_MSG_MAX];
	const char *why = NULL;
	struct dsmc_msg out;
	int len = dsmc_encode(m, buf, sizeof(buf));

	buf[off] = val;
	return dsmc_decode(buf, len, &out, &why) && why;
}

static void test_hello(void)
{
	struct dsmc_msg m = hello(), out;
	uint8_t buf[DSMC_MSG_MAX];
	const char *why = NULL;
	int len;

	ok(!roundtrip(&m, &out) && out.hello.node == 2 &&
	   out.hello.incarnation == m.hello.incarnation &&
	   !strcmp(out.hello.cluster, "vc") && out.type == DSMC_HELLO,
	   "proto: HELLO round trip");
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(len == DSMC_HDR_SIZE + 56 && buf[0] == 'D' && buf[3] == 'C' &&
	   buf[DSMC_HDR_SIZE] == 2 && buf[DSMC_HDR_SIZE + 8] == 0x88,
	   "proto: little endian layout");
	ok(dsmc_peek(buf, DSMC_HDR_SIZE - 1, &why) == 0,
	   "proto: short header needs more");
	ok(dsmc_decode(buf, len - 1, &out, &why) != 0,
	   "proto: truncated body refused");
	ok(refuses(&m, 0, 'X'), "proto: bad magic refused");
	ok(refuses(&m, 4, DSMC_VERSION_MAX + 1),
	   "proto: unknown version refused");
	ok(refuses(&m, 6, 99), "proto: unknown type refused");
	ok(refuses(&m, 8, 57), "proto: wrong length refused");
	ok(refuses(&m, 12, 1), "proto: reserved header refused");
	ok(refuses(&m, DSMC_HDR_SIZE, 64), "proto: node id 64 refused");
	ok(refuses(&m, DSMC_HDR_SIZE + 24, '/'), "proto: bad cluster char");
	ok(refuses(&m, DSMC_HDR_SIZE + 24 + 31, 'x') ,
	   "proto: unterminated cluster name");
	ok(refuses(&m, DSMC_HDR_SIZE + 24 + 5, 'x'),
	   "proto: garbage after cluster name");
	m.hello.heartbeat_ms = 5;
	ok(roundtrip(&m, &out) != 0, "proto: heartbeat below 10ms refused");
	m.hello.heartbeat_ms = 2000;
	ok(roundtrip(&m, &out) != 0, "proto: dead below 2 heartbeats refused");
	m = hello();
	m.hello.incarnation = 0;
	ok(roundtrip(&m, &out) != 0, "proto: zero incarnation refused");
}

/* REGION_ADD of version 3: owner, group and mode after the v1 body. */
static void test_region_perm(void)
{
	struct dsmc_msg m = { .type = DSMC_REGION_ADD }, out;
	const int p = DSMC_HDR_SIZE + 56;	/* the permission fields */
	uint8_t buf[DSMC_MSG_MAX];
	const char *why = NULL;
	int len;

	strcpy(m.region.name, "owned");
	m.region.origin = 1;
	m.region.offset = DSM_REGION_SLICE;
	m.region.size = 1 << 20;
	m.region.uid = 1000;
	m.region.gid = 990;
	m.region.mode = 0640;
	m.version = 2;
	ok(!roundtrip(&m, &out) && !out.region.has_perm && !out.region.uid &&
	   !out.region.mode, "proto: REGION_ADD v2 carries no permissions");
	m.version = DSMC_VERSION_PERM;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(len == DSMC_HDR_SIZE + 72, "proto: REGION_ADD v3 is 72 bytes");
	ok(!roundtrip(&m, &out) && out.region.has_perm &&
	   out.region.uid == 1000 && out.region.gid == 990 &&
	   out.region.mode == 0640 && out.version == DSMC_VERSION_PERM &&
	   !strcmp(out.region.name, "owned"),
	   "proto: REGION_ADD v3 round trip with owner, group, mode");
	ok(refuses(&m, 4, 2), "proto: 72-byte REGION_ADD as v2 refused");
	m.version = 2;
	ok(refuses(&m, 4, 3), "proto: 56-byte REGION_ADD as v3 refused");
	m.version = DSMC_VERSION_PERM;
	ok(refuses(&m, p + 9, 0x02), "proto: mode bit 01000 refused");
	ok(refuses(&m, p + 10, 1), "proto: perm reserved0 refused");
	ok(refuses(&m, p + 15, 1), "proto: perm reserved1 refused");
	m.region.uid = UINT32_MAX;
	ok(roundtrip(&m, &out) != 0, "proto: owner (uid_t)-1 refused");
	m.region.uid = 0;
	m.region.gid = UINT32_MAX;
	ok(roundtrip(&m, &out) != 0, "proto: group (gid_t)-1 refused");
	m.region.gid = UINT32_MAX - 1;
	m.region.mode = 0777;
	ok(!roundtrip(&m, &out) && out.region.gid == UINT32_MAX - 1 &&
	   out.region.mode == 0777, "proto: largest group and mode accepted");
	(void)why;
}

static void test_region_bye(void)
{
	struct dsmc_msg m = { .type = DSMC_REGION_ADD }, out;

	strcpy(m.region.name, "r1");
	m.region.origin = 3;
	m.region.offset = 3 * DSM_REGION_SLICE + 4096;
	m.region.size = 1 << 20;
	m.region.model = DSM_MODEL_LRC;
	ok(!roundtrip(&m, &out) && out.region.offset == m.region.offset &&
	   out.region.size == m.region.size && out.region.origin == 3 &&
	   out.region.model == DSM_MODEL_LRC && !strcmp(out.region.name, "r1"),
	   "proto: REGION_ADD round trip");
	m.region.offset = 2 * DSM_REGION_SLICE;
	ok(roundtrip(&m, &out) != 0, "proto: region outside origin slice");
	m.region.offset = 3 * DSM_REGION_SLICE + 100;
	ok(roundtrip(&m, &out) != 0, "proto: misaligned region refused");
	m.region.offset = 4 * DSM_REGION_SLICE - 4096;
	m.region.size = 8192;
	ok(roundtrip(&m, &out) != 0, "proto: region past slice end refused");
	m.region.offset = 3 * DSM_REGION_SLICE;
	m.region.size = DSM_REGION_SLICE;
	ok(!roundtrip(&m, &out), "proto: whole-slice region accepted");
	ok(refuses(&m, DSMC_HDR_SIZE + 52, 2), "proto: model 2 refused");
	ok(refuses(&m, DSMC_HDR_SIZE + 53, 2), "proto: region unknown flag");
	ok(refuses(&m, DSMC_HDR_SIZE + 54, 1), "proto: region reserved");
	m.region.replicas = 0;
	ok(!roundtrip(&m, &out) && out.region.replicas == 0,
	   "proto: REGION_ADD with replicas 0 round trip");
	m.region.replicas = 1;
	ok(!roundtrip(&m, &out) && out.region.replicas == 1,
	   "proto: REGION_ADD with replicas 1 round trip");
	m.region.origin = 64;
	m.region.offset = 64 * DSM_REGION_SLICE - DSM_REGION_SLICE;
	ok(roundtrip(&m, &out) != 0, "proto: origin 64 refused");

	test_region_perm();

	m = (struct dsmc_msg){ .type = DSMC_BYE };
	m.bye.reason = DSM_REASON_LEFT;
	ok(!roundtrip(&m, &out) && out.bye.reason == DSM_REASON_LEFT,
	   "proto: BYE round trip");
	m.bye.reason = 200;
	ok(roundtrip(&m, &out) != 0, "proto: bad BYE reason refused");
}

/* Every single-byte corruption is either refused or decodes sanely. */
static void test_corruptions(void)
{
	struct dsmc_msg m = hello(), out;
	uint8_t buf[DSMC_MSG_MAX];
	const char *why = NULL;
	int len, i, bad;

	len = dsmc_encode(&m, buf, sizeof(buf));
	bad = 0;
	for (i = 0; i < len * 256; i++) {
		uint8_t copy[DSMC_MSG_MAX];

		memcpy(copy, buf, len);
		copy[i / 256] = (uint8_t)i;
		if (!dsmc_decode(copy, len, &out, &why) &&
		    (out.hello.node >= DSM_NODES_MAX ||
		     strlen(out.hello.cluster) >= DSM_NAME_MAX))
			bad++;
	}
	ok(!bad, "proto: byte corruptions never decode to bad values");
}

/* What consume_cb saw: each frame's cookie and whether its payload held. */
struct consume_log {
	int n;
	int stop_at;
	uint64_t cookie[8];
	int payload_ok[8];
};

/* Payload @i of the consume test: @i-dependent bytes, 40 + 13 * i long. */
static uint32_t consume_len(int i)
{
	return 40 + 13 * i;
}

static uint8_t consume_byte(int i, uint32_t j)
{
	return (uint8_t)(0x5a ^ (i * 37) ^ j);
}

static int consume_cb(void *ctx, const struct dsmc_msg *m)
{
	struct consume_log *lg = ctx;
	int i = lg->n, good = 1;
	uint32_t j;

	if (i >= 8)
		return 1;
	lg->cookie[i] = m->mgr.cookie;
	if (m->mgr.len != consume_len(i) || !m->mgr.payload)
		good = 0;
	for (j = 0; good && j < m->mgr.len; j++)
		if (m->mgr.payload[j] != consume_byte(i, j))
			good = 0;
	lg->payload_ok[i] = good;
	lg->n++;
	return lg->n == lg->stop_at;
}

/*
 * Several manager frames in one read (as when many lock requests are in
 * flight): each payload must still be intact when it is handled.
 */
static void test_consume(void)
{
	static uint8_t buf[4 * DSMC_MSG_MAX], copy[sizeof(buf)];
	uint8_t pl[5][128];
	struct consume_log lg;
	const char *why = NULL;
	size_t len = 0, saved, last_off = 0, off[5];
	int i, ret, all = 1;
	uint32_t j;

	for (i = 0; i < 5; i++) {
		struct dsmc_msg m = { .type = i == 3 ? DSMC_LOCK_FWD :
					      DSMC_MGR_REQ };

		for (j = 0; j < consume_len(i); j++)
			pl[i][j] = consume_byte(i, j);
		m.mgr.cookie = i == 3 ? 0 : 100 + i;
		m.mgr.id = 7;
		m.mgr.payload = pl[i];
		m.mgr.len = consume_len(i);
		off[i] = last_off = len;
		ret = dsmc_encode(&m, buf + len, sizeof(buf) - len);
		if (ret <= 0)
			abort();
		len += ret;
	}
	/* The fifth frame arrived only in part. */
	len -= 10;
	memcpy(copy, buf, len);

	memset(&lg, 0, sizeof(lg));
	saved = len;
	ret = dsmc_consume(buf, &len, consume_cb, &lg, &why);
	for (i = 0; i < 4; i++)
		all &= lg.payload_ok[i];
	ok(!ret && lg.n == 4 && all, "proto: consume: 4 frames of one read, every payload intact");
	ok(lg.cookie[0] == 100 && lg.cookie[2] == 102 && lg.cookie[3] == 0,
	   "proto: consume: frames in order");
	ok(len == saved - last_off && !memcmp(buf, copy + last_off, len),
	   "proto: consume: the partial frame kept at the start");

	/* The rest arrives: the fifth frame is whole now. */
	memcpy(buf, copy + last_off, saved - last_off);
	len = saved - last_off + 10;
	{
		struct dsmc_msg m = { .type = DSMC_MGR_REQ };

		m.mgr.cookie = 104;
		m.mgr.id = 7;
		m.mgr.payload = pl[4];
		m.mgr.len = consume_len(4);
		dsmc_encode(&m, buf, sizeof(buf));
	}
	memset(&lg, 0, sizeof(lg));
	lg.n = 4;
	ret = dsmc_consume(buf, &len, consume_cb, &lg, &why);
	ok(!ret && lg.n == 5 && lg.payload_ok[4] && lg.cookie[4] == 104 &&
	   !len, "proto: consume: the completed frame, nothing left");

	/* The handler closes the connection: the buffer is left alone. */
	memcpy(buf, copy, saved);
	len = saved;
	memset(&lg, 0, sizeof(lg));
	lg.stop_at = 2;
	ret = dsmc_consume(buf, &len, consume_cb, &lg, &why);
	ok(ret == 1 && lg.n == 2 && len == saved && !memcmp(buf, copy, saved),
	   "proto: consume: stops untouched when the handler says so");

	/* A bad frame after a good one: -1 with a reason. */
	memcpy(buf, copy, saved);
	len = saved;
	/* the magic of the fourth frame (a LOCK_FWD) */
	buf[off[3]] = 'X';
	memset(&lg, 0, sizeof(lg));
	why = NULL;
	ret = dsmc_consume(buf, &len, consume_cb, &lg, &why);
	ok(ret == -1 && why && lg.n == 3, "proto: consume: bad frame refused");
}

/* The new dsmc frames. */
static void test_frames(void)
{
	static uint8_t buf[DSMC_MSG_MAX], pay[DSM_MGR_PAYLOAD_MAX + 1];
	struct dsmc_msg m = { .type = DSMC_MGR_REQ }, out;
	const char *why = NULL;
	int len;

	memset(pay, 0xab, sizeof(pay));
	m.mgr.op = DSM_MGR_BARRIER;
	m.mgr.flags = DSM_MGR_F_MORE;
	m.mgr.cookie = 0x1122334455667788ULL;
	m.mgr.id = 77;
	m.mgr.frag = 3;
	m.mgr.payload = pay;
	m.mgr.len = 1000;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(len == DSMC_HDR_SIZE + 24 + 1000 && dsmc_peek(buf, len, &why) == len &&
	   !dsmc_decode(buf, len, &out, &why) && out.mgr.op == DSM_MGR_BARRIER &&
	   out.mgr.cookie == m.mgr.cookie && out.mgr.id == 77 &&
	   out.mgr.frag == 3 && out.mgr.len == 1000 &&
	   !memcmp(out.mgr.payload, pay, 1000),
	   "proto: MGR_REQ round trip");
	m.mgr.len = DSM_MGR_PAYLOAD_MAX + 1;
	ok(dsmc_encode(&m, buf, sizeof(buf)) < 0,
	   "proto: oversized MGR payload not encoded");
	m.mgr.len = 10;
	len = dsmc_encode(&m, buf, sizeof(buf));
	buf[4] = 1;
	ok(dsmc_peek(buf, len, &why) < 0, "proto: MGR_REQ in version 1 refused");
	buf[4] = 2;
	buf[DSMC_HDR_SIZE + 16] = DSM_MGR_OP_MAX + 1;
	ok(dsmc_decode(buf, len, &out, &why) != 0, "proto: bad op refused");
	m = (struct dsmc_msg){ .type = DSMC_MGR_REPLY };
	m.mgr.cookie = 5;
	m.mgr.error = 4096;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(len > 0 && dsmc_decode(buf, len, &out, &why) != 0,
	   "proto: error above 4095 refused");
	m.mgr.error = EHOSTDOWN;
	m.mgr.flags = MGR_F_FORWARDED;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(!dsmc_decode(buf, len, &out, &why) && out.mgr.error == EHOSTDOWN &&
	   out.mgr.flags == MGR_F_FORWARDED && !out.mgr.len,
	   "proto: MGR_REPLY round trip");
	m.mgr.flags = 0x8000;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(dsmc_decode(buf, len, &out, &why) != 0,
	   "proto: unknown reply flag refused");
	m = (struct dsmc_msg){ .type = DSMC_LOCK_FWD };
	m.mgr.id = 9;
	ok(dsmc_encode(&m, buf, sizeof(buf)) < 0,
	   "proto: LOCK_FWD without payload not encoded");
	m.mgr.payload = pay;
	m.mgr.len = 48;
	m.mgr.requester = 2;
	m.mgr.cookie = 0x0102030405060708ULL;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(len == DSMC_HDR_SIZE + 16 + 48 &&
	   !dsmc_decode(buf, len, &out, &why) && out.mgr.id == 9 &&
	   out.mgr.requester == 2 && out.mgr.cookie == m.mgr.cookie &&
	   out.mgr.len == 48 && !memcmp(out.mgr.payload, pay, 48),
	   "proto: LOCK_FWD round trip (requester, cookie)");
	buf[DSMC_HDR_SIZE + 4] = 63;
	ok(!dsmc_decode(buf, len, &out, &why) && out.mgr.requester == 63,
	   "proto: LOCK_FWD requester 63 taken");
	buf[DSMC_HDR_SIZE + 4] = 64;
	ok(dsmc_decode(buf, len, &out, &why) != 0,
	   "proto: LOCK_FWD requester 64 refused");
	m = (struct dsmc_msg){ .type = DSMC_MGR_REPLY };
	m.mgr.cookie = 5;
	m.mgr.error = EPROTO;
	m.mgr.flags = MGR_F_FWD_FAILED;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(!dsmc_decode(buf, len, &out, &why) &&
	   out.mgr.flags == MGR_F_FWD_FAILED,
	   "proto: MGR_REPLY forward-failed flag accepted alone");
	m.mgr.flags = MGR_F_FWD_FAILED | MGR_F_FORWARDED;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(dsmc_decode(buf, len, &out, &why) != 0,
	   "proto: MGR_REPLY with both frame-only flags refused");
	m.mgr.error = 0;
	m.mgr.flags = DSM_MGR_F_OWNER_DEAD;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(!dsmc_decode(buf, len, &out, &why) &&
	   out.mgr.flags == DSM_MGR_F_OWNER_DEAD,
	   "proto: MGR_REPLY owner-dead flag accepted alone");
	m.mgr.flags = DSM_MGR_F_OWNER_DEAD | DSM_MGR_F_MORE;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(dsmc_decode(buf, len, &out, &why) != 0,
	   "proto: MGR_REPLY owner-dead with MORE refused");
}

/* AUTH_CHALLENGE and AUTH_RESPONSE: version 3 only, checked by the core. */
static void test_auth_frames(void)
{
	struct dsmc_msg m = { .type = DSMC_AUTH_CHALLENGE }, out;
	uint8_t buf[DSMC_MSG_MAX];
	const char *why = NULL;
	int len;

	m.chal.from = 1;
	m.chal.to = 2;
	m.chal.cluster_id = 77;
	memset(m.chal.nonce, 0x42, sizeof(m.chal.nonce));
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(len == DSMC_HDR_SIZE + DSM_AUTH_CHALLENGE_SIZE &&
	   !dsmc_decode(buf, len, &out, &why) &&
	   out.version == DSMC_VERSION_AUTH && out.chal.to == 2 &&
	   out.chal.nonce[31] == 0x42, "proto: AUTH_CHALLENGE round trip");
	buf[4] = DSMC_VERSION_MGR;
	ok(dsmc_decode(buf, len, &out, &why) != 0 && strstr(why, "version"),
	   "proto: AUTH_CHALLENGE with header version 2 refused");
	m.chal.to = 1;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(dsmc_decode(buf, len, &out, &why) != 0,
	   "proto: AUTH_CHALLENGE from a node to itself refused");
	m.chal.to = 2;
	m.chal.cluster_id = 0;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(dsmc_decode(buf, len, &out, &why) != 0,
	   "proto: AUTH_CHALLENGE with cluster id 0 refused");
	m = (struct dsmc_msg){ .type = DSMC_AUTH_RESPONSE };
	m.resp.from = 3;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(len == DSMC_HDR_SIZE + DSM_AUTH_RESPONSE_SIZE &&
	   !dsmc_decode(buf, len, &out, &why) && out.resp.from == 3,
	   "proto: AUTH_RESPONSE round trip");
	buf[DSMC_HDR_SIZE + 2] = 1;
	ok(dsmc_decode(buf, len, &out, &why) != 0,
	   "proto: AUTH_RESPONSE reserved field refused");
	buf[8] = DSM_AUTH_RESPONSE_SIZE - 1;
	ok(dsmc_peek(buf, len, &why) < 0,
	   "proto: AUTH_RESPONSE of the wrong length refused");
}

/* LINK_INFO: version 4 only; every field checked. */
static void test_link_info(void)
{
	struct dsmc_msg m = { .type = DSMC_LINK_INFO }, out;
	uint8_t buf[DSMC_MSG_MAX];
	const char *why = NULL;
	int len;

	m.link.node = 2;
	m.link.wire_min = 3;
	m.link.wire_max = 3;
	m.link.incarnation = 99;
	m.link.page_size = 4096;
	m.link.flags = DSM_PEER_F_PREV_LOST;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(len == DSMC_HDR_SIZE + 32 && !dsmc_decode(buf, len, &out, &why) &&
	   out.version == DSMC_VERSION_LINK && out.link.incarnation == 99 &&
	   out.link.flags == DSM_PEER_F_PREV_LOST,
	   "proto: LINK_INFO round trip");
	buf[4] = DSMC_VERSION_AUTH;
	ok(dsmc_decode(buf, len, &out, &why) != 0 && strstr(why, "version"),
	   "proto: LINK_INFO with header version 3 refused");
	m.link.page_size = 4097;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(dsmc_decode(buf, len, &out, &why) != 0 && strstr(why, "page"),
	   "proto: LINK_INFO with a page size not a power of two refused");
	m.link.page_size = 4096;
	m.link.wire_min = 4;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(dsmc_decode(buf, len, &out, &why) != 0,
	   "proto: LINK_INFO with wire_min above wire_max refused");
	m.link.wire_min = 3;
	m.link.incarnation = 0;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(dsmc_decode(buf, len, &out, &why) != 0,
	   "proto: LINK_INFO with incarnation 0 refused");
	m.link.incarnation = 99;
	m.link.flags = 2;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(dsmc_decode(buf, len, &out, &why) != 0,
	   "proto: LINK_INFO with an unknown flag refused");
	m.link.flags = 0;
	len = dsmc_encode(&m, buf, sizeof(buf));
	buf[DSMC_HDR_SIZE + 31] = 1;
	ok(dsmc_decode(buf, len, &out, &why) != 0,
	   "proto: LINK_INFO reserved field refused");
}

/* Two kernels share a link with one page size and a common version. */
static void test_link_agree(void)
{
	struct dsmc_link ours = { .wire_min = 3, .wire_max = 4,
				  .page_size = 4096 };
	struct dsmc_link theirs = ours;
	uint16_t wire = 0;
	char why[128] = "";

	ok(!dsmc_link_agree(&ours, &theirs, &wire, why, sizeof(why)) &&
	   wire == 4, "link: same ranges agree on the highest");
	theirs.wire_min = 2;
	theirs.wire_max = 3;
	ok(!dsmc_link_agree(&ours, &theirs, &wire, why, sizeof(why)) &&
	   wire == 3, "link: overlapping ranges agree on the highest common");
	theirs.wire_min = 5;
	theirs.wire_max = 6;
	ok(dsmc_link_agree(&ours, &theirs, &wire, why, sizeof(why)) &&
	   strstr(why, "5..6 there, 3..4 here"),
	   "link: disjoint wire versions refused, both ranges said");
	theirs = ours;
	theirs.page_size = 16384;
	ok(dsmc_link_agree(&ours, &theirs, &wire, why, sizeof(why)) &&
	   strstr(why, "16384 there, 4096 here"),
	   "link: another page size refused, both sizes said");
}

/* MEMBERS: version 5 only; every field checked. */
static void test_members(void)
{
	struct dsmc_msg m = { .type = DSMC_MEMBERS }, out;
	uint8_t buf[DSMC_MSG_MAX];
	const char *why = NULL;
	size_t b;
	int len;

	m.memb.op = DSMC_MEMB_TABLE;
	m.memb.change = DSMC_MEMB_ADD;
	m.memb.node = 3;
	m.memb.family = AF_INET;
	m.memb.port = 7900;
	memcpy(m.memb.addr, "\x0a\xd5\x00\x04", 4);
	m.memb.epoch = 2;
	m.memb.members = 0xf;
	for (b = 0; b < DSMC_HOME_BUCKETS; b++)
		m.memb.table[b] = b % 4;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(len == DSMC_HDR_SIZE + 64 + DSMC_HOME_BUCKETS &&
	   !dsmc_decode(buf, len, &out, &why) &&
	   out.version == DSMC_VERSION_MEMBERS && out.memb.node == 3 &&
	   out.memb.family == AF_INET && out.memb.port == 7900 &&
	   !memcmp(out.memb.addr, m.memb.addr, 16) && out.memb.epoch == 2 &&
	   out.memb.members == 0xf &&
	   !memcmp(out.memb.table, m.memb.table, DSMC_HOME_BUCKETS),
	   "proto: MEMBERS table round trip");
	buf[4] = DSMC_VERSION_LINK;
	ok(dsmc_decode(buf, len, &out, &why) != 0 && strstr(why, "version"),
	   "proto: MEMBERS with header version 4 refused");
	m.memb.table[17] = 5;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(dsmc_decode(buf, len, &out, &why) != 0 && strstr(why, "member"),
	   "proto: MEMBERS with a bucket on a non-member refused");
	m.memb.table[17] = 1;
	m.memb.epoch = 0;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(dsmc_decode(buf, len, &out, &why) != 0 && strstr(why, "epoch"),
	   "proto: MEMBERS with epoch 0 refused");
	m.memb.epoch = 2;
	m.memb.cookie = 9;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(dsmc_decode(buf, len, &out, &why) != 0 && strstr(why, "cookie"),
	   "proto: MEMBERS table with a cookie refused");
	m.memb.cookie = 0;
	len = dsmc_encode(&m, buf, sizeof(buf));
	buf[DSMC_HDR_SIZE + 40 + 5] = 1;
	ok(dsmc_decode(buf, len, &out, &why) != 0 && strstr(why, "padding"),
	   "proto: MEMBERS with IPv4 address padding refused");
	len = dsmc_encode(&m, buf, sizeof(buf));
	buf[DSMC_HDR_SIZE + 60] = 1;
	ok(dsmc_decode(buf, len, &out, &why) != 0 && strstr(why, "reserved"),
	   "proto: MEMBERS reserved field refused");
	len = dsmc_encode(&m, buf, sizeof(buf));
	buf[DSMC_HDR_SIZE] = DSMC_MEMB_OP_END;
	ok(dsmc_decode(buf, len, &out, &why) != 0 && strstr(why, "op"),
	   "proto: MEMBERS unknown op refused");
	memset(&m.memb, 0, sizeof(m.memb));
	m.memb.op = DSMC_MEMB_REQUEST;
	m.memb.cookie = 7;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(dsmc_decode(buf, len, &out, &why) != 0 && strstr(why, "change"),
	   "proto: MEMBERS request without a change refused");
	m.memb.change = DSMC_MEMB_DEL;
	m.memb.node = DSM_NODES_MAX;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(dsmc_decode(buf, len, &out, &why) != 0 && strstr(why, "node"),
	   "proto: MEMBERS with a node id out of range refused");
	m.memb.node = 2;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(!dsmc_decode(buf, len, &out, &why) &&
	   out.memb.op == DSMC_MEMB_REQUEST && out.memb.cookie == 7 &&
	   out.memb.change == DSMC_MEMB_DEL && out.memb.node == 2,
	   "proto: MEMBERS delete request round trip");
	buf[DSMC_HDR_SIZE + 8] = 1;
	ok(dsmc_decode(buf, len, &out, &why) != 0,
	   "proto: MEMBERS delete request with a port refused");
	m.memb.op = DSMC_MEMB_RESULT;
	m.memb.change = DSMC_MEMB_NONE;
	m.memb.node = 0;
	m.memb.error = 4096;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(dsmc_decode(buf, len, &out, &why) != 0 && strstr(why, "error"),
	   "proto: MEMBERS result with errno 4096 refused");
}

/* A MOVE of node 2's wishes, counted under epoch 5: buckets 0 and 7. */
static struct dsmc_msg members_move(void)
{
	struct dsmc_msg m = { .type = DSMC_MEMBERS,
			      .version = DSMC_VERSION_HOME_MOVE };

	m.memb.op = DSMC_MEMB_REQUEST;
	m.memb.change = DSMC_MEMB_MOVE;
	m.memb.node = 2;
	m.memb.epoch = 5;
	memset(m.memb.table, DSMC_HOME_NO_WISH, sizeof(m.memb.table));
	m.memb.table[0] = 1;
	m.memb.table[7] = 63;
	return m;
}

/* Decode MOVE @m re-encoded with its body byte @off set to @val. */
static const char *move_refused(const struct dsmc_msg *m, int off,
				uint8_t val)
{
	uint8_t buf[DSMC_MSG_MAX];
	const char *why = NULL;
	struct dsmc_msg out;
	int len = dsmc_encode(m, buf, sizeof(buf));

	if (len <= 0)
		return "not encoded";
	if (off >= 0)
		buf[DSMC_HDR_SIZE + off] = val;
	return dsmc_decode(buf, len, &out, &why) ? why : NULL;
}

/*
 * MEMBERS REQUEST MOVE (version 11): the wisher's node, an epoch, the
 * wishes in the table; no cookie, no members, no address, no errno;
 * REQUEST only. That the sender is the wisher: home_adapt_test.c.
 */
static void test_members_move(void)
{
	struct dsmc_msg m = members_move(), out;
	const char *why;

	ok(!roundtrip(&m, &out) && out.version == DSMC_VERSION_HOME_MOVE &&
	   out.memb.op == DSMC_MEMB_REQUEST &&
	   out.memb.change == DSMC_MEMB_MOVE && out.memb.node == 2 &&
	   out.memb.epoch == 5 && !out.memb.cookie &&
	   !memcmp(out.memb.table, m.memb.table, DSMC_HOME_BUCKETS),
	   "proto: MEMBERS move round trip");
	m.version = DSMC_VERSION_KEPT;
	why = move_refused(&m, -1, 0);
	ok(why && strstr(why, "version"),
	   "proto: MEMBERS move with header version 10 refused");
	m = members_move();
	why = move_refused(&m, 64 + 3, DSM_NODES_MAX);
	ok(why && strstr(why, "wish"),
	   "proto: MEMBERS move with a wish past the last node refused");
	ok((why = move_refused(&m, 64 + 3, 0xfe)) && strstr(why, "wish"),
	   "proto: MEMBERS move with wish byte 0xfe refused");
	ok((why = move_refused(&m, 3, 1)) && strstr(why, "reserved") &&
	   (why = move_refused(&m, 12, 1)) && strstr(why, "reserved") &&
	   (why = move_refused(&m, 56, 1)) && strstr(why, "reserved"),
	   "proto: MEMBERS move with a reserved byte set refused");
	ok((why = move_refused(&m, 0, DSMC_MEMB_TABLE)) &&
	   strstr(why, "move outside a request") &&
	   (why = move_refused(&m, 0, DSMC_MEMB_RESULT)) &&
	   strstr(why, "move outside a request") &&
	   (why = move_refused(&m, 0, DSMC_MEMB_LEAVE)) &&
	   strstr(why, "move outside a request") &&
	   (why = move_refused(&m, 0, DSMC_MEMB_LEFT)) &&
	   strstr(why, "move outside a request"),
	   "proto: MEMBERS move on a table, result, leave or left refused");
	ok((why = move_refused(&m, 16, 1)) && strstr(why, "cookie"),
	   "proto: MEMBERS move with a cookie refused");
	ok((why = move_refused(&m, 32, 1)) && strstr(why, "members"),
	   "proto: MEMBERS move with members refused");
	ok((why = move_refused(&m, 2, 4)) && strstr(why, "address") &&
	   (why = move_refused(&m, 8, 1)) && strstr(why, "address"),
	   "proto: MEMBERS move with an address family or port refused");
	ok((why = move_refused(&m, 10, 1)) && strstr(why, "error"),
	   "proto: MEMBERS move with an errno refused");
	ok((why = move_refused(&m, 24 + 6, 1)) && strstr(why, "epoch"),
	   "proto: MEMBERS move with an epoch past the last refused");
	ok((why = move_refused(&m, 4, DSM_NODES_MAX)) && strstr(why, "node"),
	   "proto: MEMBERS move of a node id out of range refused");
	m.memb.epoch = 0;
	memset(m.memb.table, DSMC_HOME_NO_WISH, sizeof(m.memb.table));
	ok(!roundtrip(&m, &out) && !out.memb.epoch &&
	   !memcmp(out.memb.table, m.memb.table, DSMC_HOME_BUCKETS),
	   "proto: MEMBERS move of epoch 0 without a wish taken");
	m = members_move();
	m.memb.op = DSMC_MEMB_TABLE;
	m.memb.change = DSMC_MEMB_NONE;
	m.memb.node = 0;
	m.memb.members = 0x3;
	memset(m.memb.table, 1, sizeof(m.memb.table));
	ok(!roundtrip(&m, &out) && out.memb.change == DSMC_MEMB_NONE &&
	   out.memb.epoch == 5 && out.memb.table[9] == 1,
	   "proto: MEMBERS table of version 11 (a table of wishes) taken");
}

/* MEMBERS LEAVE and LEFT: version 6 only; a DEL, a node, a cookie. */
static void test_members_leave(void)
{
	struct dsmc_msg m = { .type = DSMC_MEMBERS,
			      .version = DSMC_VERSION_LEAVE }, out;
	uint8_t buf[DSMC_MSG_MAX];
	const char *why = NULL;
	int len;

	m.memb.op = DSMC_MEMB_LEAVE;
	m.memb.change = DSMC_MEMB_DEL;
	m.memb.node = 2;
	m.memb.cookie = 11;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(len == DSMC_HDR_SIZE + 64 + DSMC_HOME_BUCKETS &&
	   !dsmc_decode(buf, len, &out, &why) &&
	   out.version == DSMC_VERSION_LEAVE &&
	   out.memb.op == DSMC_MEMB_LEAVE && out.memb.node == 2 &&
	   out.memb.change == DSMC_MEMB_DEL && out.memb.cookie == 11 &&
	   !out.memb.error, "proto: MEMBERS leave round trip");
	buf[4] = DSMC_VERSION_MEMBERS;
	ok(dsmc_decode(buf, len, &out, &why) != 0 && strstr(why, "version"),
	   "proto: MEMBERS leave with header version 5 refused");
	m.memb.error = 5;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(dsmc_decode(buf, len, &out, &why) != 0 && strstr(why, "error"),
	   "proto: MEMBERS leave with an errno refused");
	m.memb.error = 0;
	m.memb.change = DSMC_MEMB_NONE;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(dsmc_decode(buf, len, &out, &why) != 0 && strstr(why, "DEL"),
	   "proto: MEMBERS leave without a change refused");
	m.memb.change = DSMC_MEMB_ADD;
	m.memb.family = AF_INET;
	m.memb.port = 7900;
	memcpy(m.memb.addr, "\x0a\x00\x00\x02", 4);
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(dsmc_decode(buf, len, &out, &why) != 0 && strstr(why, "DEL"),
	   "proto: MEMBERS leave with an ADD refused");
	memset(&m.memb, 0, sizeof(m.memb));
	m.memb.op = DSMC_MEMB_LEAVE;
	m.memb.change = DSMC_MEMB_DEL;
	m.memb.node = 2;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(dsmc_decode(buf, len, &out, &why) != 0 && strstr(why, "cookie"),
	   "proto: MEMBERS leave without a cookie refused");
	m.memb.cookie = 11;
	m.memb.epoch = 3;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(dsmc_decode(buf, len, &out, &why) != 0 && strstr(why, "table"),
	   "proto: MEMBERS leave with an epoch refused");
	m.memb.epoch = 0;
	m.memb.node = DSM_NODES_MAX;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(dsmc_decode(buf, len, &out, &why) != 0 && strstr(why, "node"),
	   "proto: MEMBERS leave with a node id out of range refused");
}

/* MEMBERS LEFT: as a LEAVE, with an errno 0 .. 4095. */
static void test_members_left(void)
{
	struct dsmc_msg m = { .type = DSMC_MEMBERS,
			      .version = DSMC_VERSION_LEAVE }, out;
	uint8_t buf[DSMC_MSG_MAX];
	const char *why = NULL;
	int len;

	m.memb.op = DSMC_MEMB_LEFT;
	m.memb.change = DSMC_MEMB_DEL;
	m.memb.node = 2;
	m.memb.cookie = 11;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(!dsmc_decode(buf, len, &out, &why) &&
	   out.memb.op == DSMC_MEMB_LEFT && out.memb.node == 2 &&
	   out.memb.cookie == 11 && !out.memb.error,
	   "proto: MEMBERS left (done) round trip");
	m.memb.error = EIO;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(!dsmc_decode(buf, len, &out, &why) && out.memb.error == EIO,
	   "proto: MEMBERS left with an errno round trip");
	m.memb.error = 4095;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(!dsmc_decode(buf, len, &out, &why) && out.memb.error == 4095,
	   "proto: MEMBERS left with errno 4095 taken");
	m.memb.error = 4096;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(dsmc_decode(buf, len, &out, &why) != 0 && strstr(why, "error"),
	   "proto: MEMBERS left with errno 4096 refused");
	m.memb.error = EIO;
	m.version = DSMC_VERSION_MEMBERS;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(dsmc_decode(buf, len, &out, &why) != 0 && strstr(why, "version"),
	   "proto: MEMBERS left with header version 5 refused");
	m.version = DSMC_VERSION_LEAVE;
	m.memb.change = DSMC_MEMB_NONE;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(dsmc_decode(buf, len, &out, &why) != 0,
	   "proto: MEMBERS left without a change refused");
	m.memb.change = DSMC_MEMB_DEL;
	m.memb.cookie = 0;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(dsmc_decode(buf, len, &out, &why) != 0 && strstr(why, "cookie"),
	   "proto: MEMBERS left without a cookie refused");
	m.memb.cookie = 11;
	len = dsmc_encode(&m, buf, sizeof(buf));
	buf[DSMC_HDR_SIZE + 64 + 9] = 1;
	ok(dsmc_decode(buf, len, &out, &why) != 0 && strstr(why, "table"),
	   "proto: MEMBERS left with a bucket table refused");
	len = dsmc_encode(&m, buf, sizeof(buf));
	buf[DSMC_HDR_SIZE] = DSMC_MEMB_OP_END;
	ok(dsmc_decode(buf, len, &out, &why) != 0 && strstr(why, "op"),
	   "proto: MEMBERS op past LEFT refused");
	/* Version 6 changes nothing for the version-5 ops. */
	m.memb.op = DSMC_MEMB_RESULT;
	m.memb.change = DSMC_MEMB_NONE;
	m.memb.node = 0;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(!dsmc_decode(buf, len, &out, &why) &&
	   out.version == DSMC_VERSION_LEAVE &&
	   out.memb.op == DSMC_MEMB_RESULT && out.memb.error == EIO,
	   "proto: MEMBERS result with header version 6 round trip");
}

/*
 * Protocol version 7, 64 nodes (issue 15 item 5): ids up to 63 in every
 * frame, members with bit 63, the DSM space cut in 64 slices of 16 GiB.
 */
static void test_nodes64(void)
{
	struct dsmc_msg m = hello(), out;
	uint8_t buf[DSMC_MSG_MAX];
	const char *why = NULL;
	size_t b;
	int len;

	m.hello.node = 63;
	m.hello.version_min = DSMC_VERSION_PEER_MIN;
	m.hello.version_max = DSMC_VERSION_MAX;
	ok(!roundtrip(&m, &out) && out.hello.node == 63 &&
	   out.hello.version_min == 7 &&
	   out.hello.version_max == DSMC_VERSION_MAX,
	   "proto: HELLO of node 63, versions 7 .. the highest");

	m = (struct dsmc_msg){ .type = DSMC_REGION_ADD,
			       .version = DSMC_VERSION_NODES64 };
	strcpy(m.region.name, "r63");
	m.region.origin = 63;
	m.region.offset = 63 * DSM_REGION_SLICE;
	m.region.size = DSM_REGION_SLICE;
	m.region.replicas = 1;
	ok(DSM_REGION_SLICE == 16ULL << 30 && !roundtrip(&m, &out) &&
	   out.region.origin == 63 && out.region.offset == 63 * (16ULL << 30) &&
	   out.region.size == 16ULL << 30,
	   "proto: REGION_ADD of origin 63, its whole 16 GiB slice");
	m.region.size = DSM_REGION_SLICE + DSM_REGION_ALIGN;
	ok(roundtrip(&m, &out) != 0, "proto: region larger than a slice refused");
	m.region.origin = 62;
	m.region.size = DSM_REGION_ALIGN;
	ok(roundtrip(&m, &out) != 0,
	   "proto: region of origin 62 in node 63's slice refused");

	m = (struct dsmc_msg){ .type = DSMC_MEMBERS,
			       .version = DSMC_VERSION_NODES64 };
	m.memb.op = DSMC_MEMB_TABLE;
	m.memb.change = DSMC_MEMB_ADD;
	m.memb.node = 63;
	m.memb.family = AF_INET;
	m.memb.port = 7900;
	memcpy(m.memb.addr, "\x0a\x00\x00\x40", 4);
	m.memb.epoch = 9;
	m.memb.members = 1ULL << 63 | 1ULL << 40 | 1;
	for (b = 0; b < DSMC_HOME_BUCKETS; b++)
		m.memb.table[b] = b % 3 == 0 ? 0 : b % 3 == 1 ? 40 : 63;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(!dsmc_decode(buf, len, &out, &why) &&
	   out.version == DSMC_VERSION_NODES64 && out.memb.node == 63 &&
	   out.memb.members == m.memb.members &&
	   out.memb.table[2] == 63 && out.memb.table[1] == 40 &&
	   !memcmp(out.memb.table, m.memb.table, DSMC_HOME_BUCKETS),
	   "proto: MEMBERS table with nodes 0, 40 and 63 round trip");
	buf[DSMC_HDR_SIZE + 64 + 2] = 62;
	ok(dsmc_decode(buf, len, &out, &why) != 0 && strstr(why, "member"),
	   "proto: MEMBERS bucket on node 62, not a member, refused");
	buf[DSMC_HDR_SIZE + 64 + 2] = 64;
	ok(dsmc_decode(buf, len, &out, &why) != 0 && strstr(why, "member"),
	   "proto: MEMBERS bucket on node 64 refused");
	m.memb.members = 1ULL << 63;
	memset(m.memb.table, 63, sizeof(m.memb.table));
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(!dsmc_decode(buf, len, &out, &why) && out.memb.members == 1ULL << 63,
	   "proto: MEMBERS table of node 63 alone");
	m.memb.members = ~0ULL;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(!dsmc_decode(buf, len, &out, &why) && out.memb.members == ~0ULL,
	   "proto: MEMBERS table of all 64 nodes");
	buf[DSMC_HDR_SIZE + 4] = 64;
	ok(dsmc_decode(buf, len, &out, &why) != 0 && strstr(why, "node"),
	   "proto: MEMBERS add of node 64 refused");
}

/*
 * Version 8: MGR_REQ, MGR_REPLY and LOCK_FWD carry the sender's home
 * table epoch after their fixed part of version 2; at version 7 it is
 * neither sent nor read, and the bytes are those of version 7.
 */
void test_proto(void)
{
	test_nodes64();
	test_link_agree();
	test_hello();
	test_auth_frames();
	test_link_info();
	test_members();
	test_members_leave();
	test_members_left();
	test_members_move();
	test_region_bye();
	test_corruptions();
	test_consume();
	test_frames();
	test_proto_mgr();
}
