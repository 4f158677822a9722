// SPDX-License-Identifier: GPL-2.0
/*
 * proto_mgr_test.c - unit tests of the managers' frames of the dsmd
 * control protocol (proto_mgr.c): the home table epoch they carry
 * (version 8), MOVED, a leaving node's token (version 9), a leaving
 * manager's kept token (version 10) and
 * LOCK_HANDOVER: round trips, refusals, lengths and corruptions.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgr.h"
#include "proto.h"
#include "unit.h"

static void test_mgr_epoch(void)
{
	static const uint8_t pl[5] = { 1, 2, 3, 4, 5 };
	static const uint16_t types[3] = { DSMC_MGR_REQ, DSMC_MGR_REPLY,
					   DSMC_LOCK_FWD };
	static const int fixed7[3] = { 24, 16, 16 };
	uint8_t b7[DSMC_MSG_MAX], b0[DSMC_MSG_MAX], b8[DSMC_MSG_MAX];
	int i, l7, l0, l8, f, good7 = 1, good8 = 1;
	const char *why = NULL;
	struct dsmc_msg m, out;

	for (i = 0; i < 3; i++) {
		m = (struct dsmc_msg){ .type = types[i], .version = 7 };
		m.mgr.cookie = 0x0102030405060708ULL + i;
		m.mgr.id = 77;
		m.mgr.requester = 5;
		m.mgr.payload = pl;
		m.mgr.len = sizeof(pl);
		l0 = dsmc_encode(&m, b0, sizeof(b0));
		m.mgr.epoch = 0x123456789aULL;
		l7 = dsmc_encode(&m, b7, sizeof(b7));
		if (l7 != DSMC_HDR_SIZE + fixed7[i] + 5 || l0 != l7 ||
		    memcmp(b0, b7, l7) || dsmc_decode(b7, l7, &out, &why) ||
		    out.mgr.epoch != 0 || out.mgr.cookie != m.mgr.cookie ||
		    out.mgr.len != 5 || memcmp(out.mgr.payload, pl, 5))
			good7 = 0;
		m.version = DSMC_VERSION_HANDOVER;
		l8 = dsmc_encode(&m, b8, sizeof(b8));
		f = DSMC_HDR_SIZE + fixed7[i];
		if (l8 != f + 8 + 5 || b8[4] != 8 ||
		    b8[8] != fixed7[i] + 8 + 5 ||
		    memcmp(b8 + DSMC_HDR_SIZE, b7 + DSMC_HDR_SIZE, fixed7[i]) ||
		    memcmp(b8 + f, "\x9a\x78\x56\x34\x12\x00\x00\x00", 8) ||
		    memcmp(b8 + f + 8, pl, 5) ||
		    dsmc_decode(b8, l8, &out, &why) ||
		    out.version != 8 || out.mgr.epoch != 0x123456789aULL ||
		    out.mgr.cookie != m.mgr.cookie || out.mgr.len != 5 ||
		    memcmp(out.mgr.payload, pl, 5))
			good8 = 0;
	}
	ok(good7, "proto: manager frames of version 7: no epoch sent or read, the same bytes");
	ok(good8, "proto: manager frames of version 8: the epoch after the version-7 fixed part");

	m = (struct dsmc_msg){ .type = DSMC_MGR_REQ, .version = 8 };
	m.mgr.op = DSM_MGR_LOCK_ACQUIRE;
	m.mgr.cookie = 9;
	m.mgr.epoch = DSM_HOME_EPOCH_MAX;
	l8 = dsmc_encode(&m, b8, sizeof(b8));
	ok(l8 == DSMC_HDR_SIZE + 32 && !dsmc_decode(b8, l8, &out, &why) &&
	   out.mgr.epoch == DSM_HOME_EPOCH_MAX && !out.mgr.len &&
	   !out.mgr.payload, "proto: MGR_REQ v8 with the largest epoch");
	m.mgr.epoch = 0;
	l8 = dsmc_encode(&m, b8, sizeof(b8));
	ok(!dsmc_decode(b8, l8, &out, &why) && out.mgr.epoch == 0 &&
	   out.mgr.cookie == 9,
	   "proto: MGR_REQ v8 with epoch 0 (no table yet)");
	for (i = 0; i < 3; i++) {
		m.type = types[i];
		m.mgr.epoch = DSM_HOME_EPOCH_MAX + 1;
		m.mgr.payload = pl;
		m.mgr.len = 1;
		l8 = dsmc_encode(&m, b8, sizeof(b8));
		why = NULL;
		if (l8 != DSMC_HDR_SIZE + fixed7[i] + 8 + 1 ||
		    !dsmc_decode(b8, l8, &out, &why) || !strstr(why, "epoch"))
			break;
	}
	ok(i == 3, "proto: MGR_REQ, MGR_REPLY, LOCK_FWD v8 with an epoch above DSM_HOME_EPOCH_MAX refused");
}

/*
 * Version 8's fixed parts are 8 bytes longer: a shorter body is refused.
 * A version-7 frame's encoder writes nothing past its body (ASan: an
 * exact buffer).
 */
static void test_mgr_epoch_len(void)
{
	static const uint16_t types[3] = { DSMC_MGR_REQ, DSMC_MGR_REPLY,
					   DSMC_LOCK_FWD };
	static const int fixed7[3] = { 24, 16, 16 };
	static const uint8_t pl[1] = { 0x42 };
	struct dsmc_msg m, out;
	uint8_t buf[DSMC_MSG_MAX];
	const char *why = NULL;
	int len, i, good = 1;

	for (i = 0; i < 3; i++) {
		uint8_t *exact = malloc(DSMC_HDR_SIZE + fixed7[i] + 1);

		m = (struct dsmc_msg){ .type = types[i], .version = 7 };
		m.mgr.epoch = 0x123456789aULL;
		m.mgr.payload = pl;
		m.mgr.len = 1;
		if (!exact)
			abort();
		if (dsmc_encode(&m, exact, DSMC_HDR_SIZE + fixed7[i] + 1) !=
		    DSMC_HDR_SIZE + fixed7[i] + 1)
			good = 0;
		free(exact);
	}
	ok(good, "proto: manager frames of version 7 encoded into buffers of their exact size");
	m = (struct dsmc_msg){ .type = DSMC_MGR_REQ, .version = 7 };

	len = dsmc_encode(&m, buf, sizeof(buf));
	buf[4] = 8;
	ok(len == DSMC_HDR_SIZE + 24 && dsmc_peek(buf, len, &why) < 0 &&
	   strstr(why, "length"),
	   "proto: MGR_REQ v8 of the 24-byte fixed part of v7 refused");
	m.type = DSMC_MGR_REPLY;
	m.version = 8;
	len = dsmc_encode(&m, buf, sizeof(buf));
	buf[8] = 23;
	ok(len == DSMC_HDR_SIZE + 24 && dsmc_peek(buf, len - 1, &why) < 0 &&
	   strstr(why, "length"), "proto: MGR_REPLY v8 of 23 bytes refused");
	buf[8] = 24;
	buf[4] = 7;
	ok(!dsmc_decode(buf, len, &out, &why) && out.mgr.len == 8 &&
	   !out.mgr.epoch,
	   "proto: the same bytes as v7: 8 bytes of payload, no epoch");
	m.type = DSMC_LOCK_FWD;
	m.mgr.payload = pl;
	m.mgr.len = 1;
	m.mgr.epoch = 4;
	len = dsmc_encode(&m, buf, sizeof(buf));
	buf[8] = 24;
	why = NULL;
	ok(len == DSMC_HDR_SIZE + 25 && dsmc_decode(buf, len - 1, &out, &why) &&
	   strstr(why, "LOCK_REQ"),
	   "proto: LOCK_FWD v8 without a payload after its 24 bytes refused");
}

/*
 * A leaving node's token (version 9): TOKEN_LEFT alone on an empty
 * reply, and a hand-over's left mark only without a tail or owner dead.
 */
static void test_token_left(void)
{
	struct dsmc_msg m = { .type = DSMC_MGR_REPLY, .version = 9 }, out;
	uint8_t buf[DSMC_MSG_MAX];
	const char *why = NULL;
	int len;

	m.mgr.cookie = 0x77;
	m.mgr.flags = DSM_MGR_F_TOKEN_LEFT;
	m.mgr.epoch = 4;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(!dsmc_decode(buf, len, &out, &why) &&
	   out.mgr.flags == DSM_MGR_F_TOKEN_LEFT && out.mgr.cookie == 0x77,
	   "proto: MGR_REPLY v9 TOKEN_LEFT round trip");
	m.version = 8;
	len = dsmc_encode(&m, buf, sizeof(buf));
	why = NULL;
	ok(dsmc_decode(buf, len, &out, &why) && why &&
	   !strcmp(why, "flag not in this protocol version"),
	   "proto: MGR_REPLY v8 TOKEN_LEFT refused");
	m.version = 9;
	m.mgr.flags = DSM_MGR_F_TOKEN_LEFT | DSM_MGR_F_OWNER_DEAD;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(dsmc_decode(buf, len, &out, &why) != 0,
	   "proto: MGR_REPLY TOKEN_LEFT with OWNER_DEAD refused");
	m = (struct dsmc_msg){ .type = DSMC_LOCK_HANDOVER, .version = 9 };
	m.ho.epoch = 5;
	m.ho.flags = MGR_HO_TOKEN_LEFT;
	m.ho.region = 2;
	m.ho.lock_id = 4;
	m.ho.tail = -1;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(len > 0 && !dsmc_decode(buf, len, &out, &why) &&
	   out.ho.flags == MGR_HO_TOKEN_LEFT && out.ho.tail == -1 &&
	   out.ho.lock_id == 4,
	   "proto: LOCK_HANDOVER with the left mark round trip");
	m.ho.tail = 2;
	ok(dsmc_encode(&m, buf, sizeof(buf)) < 0,
	   "proto: LOCK_HANDOVER left mark with a tail refused");
	m.ho.tail = -1;
	m.ho.flags |= MGR_HO_OWNER_DEAD;
	ok(dsmc_encode(&m, buf, sizeof(buf)) < 0,
	   "proto: LOCK_HANDOVER left mark with owner dead refused");
}

/*
 * A leaving manager's free token (version 10): MGR_F_KEPT alone on a
 * MGR_REQ LOCK_RELEASE.
 */
static void test_kept(void)
{
	struct dsmc_msg m = { .type = DSMC_MGR_REQ, .version = 10 }, out;
	uint8_t buf[DSMC_MSG_MAX], pl[8] = { 1 };
	const char *why = NULL;
	int len;

	m.mgr.cookie = 0x78;
	m.mgr.id = 43;
	m.mgr.op = DSM_MGR_LOCK_RELEASE;
	m.mgr.flags = MGR_F_KEPT;
	m.mgr.epoch = 4;
	m.mgr.payload = pl;
	m.mgr.len = sizeof(pl);
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(len > 0 && !dsmc_decode(buf, len, &out, &why) &&
	   out.mgr.flags == MGR_F_KEPT && out.mgr.id == 43 &&
	   out.mgr.op == DSM_MGR_LOCK_RELEASE && out.mgr.epoch == 4,
	   "proto: MGR_REQ v10 LOCK_RELEASE KEPT round trip");
	m.version = 9;
	len = dsmc_encode(&m, buf, sizeof(buf));
	why = NULL;
	ok(len > 0 && dsmc_decode(buf, len, &out, &why) && why &&
	   !strcmp(why, "flag not in this protocol version"),
	   "proto: MGR_REQ v9 KEPT refused");
	m.version = 10;
	m.mgr.op = DSM_MGR_LOCK_ACQUIRE;
	len = dsmc_encode(&m, buf, sizeof(buf));
	why = NULL;
	ok(len > 0 && dsmc_decode(buf, len, &out, &why) && why,
	   "proto: MGR_REQ KEPT on a lock acquire refused");
	m.mgr.op = DSM_MGR_LOCK_RELEASE;
	m.mgr.flags = MGR_F_KEPT | DSM_MGR_F_HAS_TOKEN;
	len = dsmc_encode(&m, buf, sizeof(buf));
	why = NULL;
	ok(len > 0 && dsmc_decode(buf, len, &out, &why) && why,
	   "proto: MGR_REQ KEPT with another flag refused");
}

/* MGR_F_MOVED: version 8, alone, error 0, the request, an epoch. */
static void test_mgr_moved(void)
{
	static const uint8_t pl[6] = { 9, 8, 7, 6, 5, 4 };
	struct dsmc_msg m = { .type = DSMC_MGR_REPLY, .version = 8 }, out;
	uint8_t buf[DSMC_MSG_MAX];
	const char *why = NULL;
	int len;

	m.mgr.cookie = 0x55;
	m.mgr.flags = MGR_F_MOVED;
	m.mgr.epoch = 3;
	m.mgr.payload = pl;
	m.mgr.len = sizeof(pl);
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(len == DSMC_HDR_SIZE + 24 + 6 &&
	   !dsmc_decode(buf, len, &out, &why) &&
	   out.mgr.flags == MGR_F_MOVED && out.mgr.error == 0 &&
	   out.mgr.epoch == 3 && out.mgr.cookie == 0x55 && out.mgr.len == 6 &&
	   !memcmp(out.mgr.payload, pl, 6),
	   "proto: MGR_REPLY v8 MOVED with the request and epoch 3");
	m.version = 7;
	len = dsmc_encode(&m, buf, sizeof(buf));
	why = NULL;
	ok(dsmc_decode(buf, len, &out, &why) &&
	   !strcmp(why, "flag not in this protocol version"),
	   "proto: MGR_REPLY v7 MOVED refused");
	m.version = 8;
	m.mgr.len = 0;
	len = dsmc_encode(&m, buf, sizeof(buf));
	why = NULL;
	ok(dsmc_decode(buf, len, &out, &why) && strstr(why, "request"),
	   "proto: MGR_REPLY MOVED without a payload refused");
	m.mgr.len = sizeof(pl);
	m.mgr.epoch = 0;
	len = dsmc_encode(&m, buf, sizeof(buf));
	why = NULL;
	ok(dsmc_decode(buf, len, &out, &why) && strstr(why, "epoch"),
	   "proto: MGR_REPLY MOVED with epoch 0 refused");
	m.mgr.epoch = 3;
	m.mgr.error = EIO;
	len = dsmc_encode(&m, buf, sizeof(buf));
	why = NULL;
	ok(dsmc_decode(buf, len, &out, &why) && strstr(why, "error"),
	   "proto: MGR_REPLY MOVED with an error refused");
	m.mgr.error = 0;
	m.mgr.flags = MGR_F_MOVED | MGR_F_FORWARDED;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(dsmc_decode(buf, len, &out, &why) != 0,
	   "proto: MGR_REPLY MOVED with FORWARDED refused");
	m.mgr.flags = MGR_F_MOVED | DSM_MGR_F_OWNER_DEAD;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(dsmc_decode(buf, len, &out, &why) != 0,
	   "proto: MGR_REPLY MOVED with OWNER_DEAD refused");
	/* A joining release (JOIN and GC) is a release, not MOVED. */
	m.mgr.flags = DSM_MGR_F_JOIN | DSM_MGR_F_GC;
	m.mgr.epoch = 0;
	len = dsmc_encode(&m, buf, sizeof(buf));
	ok(!dsmc_decode(buf, len, &out, &why) &&
	   out.mgr.flags == (DSM_MGR_F_JOIN | DSM_MGR_F_GC) && !out.mgr.epoch,
	   "proto: MGR_REPLY v8 release with JOIN and GC, epoch 0, taken");
}

/*
 * A hand-over of lock 0x1234 of region 3 with @nr records, ascending
 * with gaps (every node with 64), forwards on even records.
 */
static struct dsmc_msg ho_msg(uint32_t nr, int tail)
{
	struct dsmc_msg m = { .type = DSMC_LOCK_HANDOVER };
	uint32_t i;

	m.ho.epoch = 0x123456789aULL;
	m.ho.flags = MGR_HO_OWNER_DEAD;
	m.ho.region = 3;
	m.ho.lock_id = 0x1234;
	m.ho.tail = tail;
	m.ho.nr = nr;
	for (i = 0; i < nr && i < DSM_NODES_MAX; i++) {
		struct mgr_ho_rec *r = &m.ho.rec[i];

		r->node = nr > DSM_NODES_MAX / 2 ? i : 2 * i + 1;
		r->fwd_to = i % 2 ? -1 : (int8_t)(DSM_NODES_MAX - 1 - i);
		r->fwd_cookie = i % 2 ? 0 : 0xf00d0000ULL + i;
		r->last_cookie = 0xabc0000000000000ULL + i;
	}
	return m;
}

bool ho_same(const struct mgr_handover *a, const struct mgr_handover *b)
{
	uint32_t i;

	if (a->epoch != b->epoch || a->flags != b->flags ||
	    a->region != b->region || a->lock_id != b->lock_id ||
	    a->tail != b->tail || a->nr != b->nr)
		return false;
	for (i = 0; i < a->nr; i++)
		if (a->rec[i].node != b->rec[i].node ||
		    a->rec[i].fwd_to != b->rec[i].fwd_to ||
		    a->rec[i].fwd_cookie != b->rec[i].fwd_cookie ||
		    a->rec[i].last_cookie != b->rec[i].last_cookie)
			return false;
	return true;
}

/* @m round trips with its exact length, version 8 by default. */
static bool ho_roundtrip(const struct dsmc_msg *m)
{
	uint8_t buf[DSMC_MSG_MAX];
	const char *why = NULL;
	struct dsmc_msg out;
	int len = dsmc_encode(m, buf, sizeof(buf));

	return len == DSMC_HDR_SIZE + 32 + 24 * (int)m->ho.nr &&
	       dsmc_peek(buf, len, &why) == len && buf[4] == 8 &&
	       buf[6] == DSMC_LOCK_HANDOVER &&
	       !dsmc_decode(buf, len, &out, &why) &&
	       out.type == DSMC_LOCK_HANDOVER && out.version == 8 &&
	       ho_same(&m->ho, &out.ho);
}

static void test_handover(void)
{
	struct dsmc_msg m = ho_msg(0, -1);
	uint8_t buf[DSMC_MSG_MAX];

	ok(ho_roundtrip(&m), "proto: LOCK_HANDOVER without records, no tail");
	m = ho_msg(1, 63);
	ok(ho_roundtrip(&m) && m.ho.rec[0].fwd_to == 63,
	   "proto: LOCK_HANDOVER of 1 record, tail 63");
	m = ho_msg(3, 0);
	m.ho.flags = 0;
	ok(ho_roundtrip(&m), "proto: LOCK_HANDOVER of 3 records, tail 0");
	m = ho_msg(DSM_NODES_MAX, 63);
	ok(ho_roundtrip(&m) && m.ho.rec[63].node == 63 &&
	   m.ho.rec[63].fwd_to == -1 && m.ho.rec[62].fwd_to == 1,
	   "proto: LOCK_HANDOVER of DSM_NODES_MAX records");
	m.ho.tail = -1;
	ok(ho_roundtrip(&m), "proto: LOCK_HANDOVER of 64 records, no tail");
	m = (struct dsmc_msg){ .type = DSMC_LOCK_HANDOVER };
	m.ho.epoch = DSM_HOME_EPOCH_MAX;
	m.ho.flags = MGR_HO_DONE;
	m.ho.tail = -1;
	ok(ho_roundtrip(&m), "proto: LOCK_HANDOVER DONE at the largest epoch");
	m.version = DSMC_VERSION_NODES64;
	ok(dsmc_encode(&m, buf, sizeof(buf)) == -1,
	   "proto: LOCK_HANDOVER not encoded at version 7");
}

/*
 * The bytes of @m (a valid hand-over) with the @n-byte little-endian
 * field at body offset @off set to @val: refused, @word in the reason.
 */
static bool ho_wire_refused(const struct dsmc_msg *m, uint32_t off,
			    uint64_t val, int n, const char *word)
{
	uint8_t buf[DSMC_MSG_MAX];
	const char *why = NULL;
	struct dsmc_msg out;
	int len = dsmc_encode(m, buf, sizeof(buf)), i;

	if (len <= 0 || off + n > (uint32_t)len - DSMC_HDR_SIZE)
		return false;
	for (i = 0; i < n; i++)
		buf[DSMC_HDR_SIZE + off + i] = (uint8_t)(val >> 8 * i);
	if (!dsmc_decode(buf, len, &out, &why))
		return false;
	if (!why || !strstr(why, word)) {
		printf("# refused, but: %s\n", why ? why : "(null)");
		return false;
	}
	return true;
}

static bool enc_refused(const struct dsmc_msg *m)
{
	uint8_t buf[DSMC_MSG_MAX];

	return dsmc_encode(m, buf, sizeof(buf)) == -1;
}

/* Body offsets of LOCK_HANDOVER's fields, and of record @k's. */
#define HO_FLAGS	8
#define HO_REGION	12
#define HO_LOCK		16
#define HO_TAIL		20
#define HO_NR		24
#define HO_REC(k)	(32 + 24 * (k))

/* Records: ascending node ids below 64, forwards, reserved bytes. */
static void test_handover_records(void)
{
	const struct dsmc_msg good = ho_msg(3, 5);
	struct dsmc_msg m = good;
	int k, i, res = 0, refused = 0;

	m.ho.rec[0].node = 3;
	m.ho.rec[1].node = 1;
	ok(enc_refused(&m) &&
	   ho_wire_refused(&good, HO_REC(1), 0, 1, "ascending"),
	   "proto: LOCK_HANDOVER records not ascending refused");
	m = good;
	m.ho.rec[1].node = 1;
	ok(enc_refused(&m) &&
	   ho_wire_refused(&good, HO_REC(1), 1, 1, "ascending"),
	   "proto: LOCK_HANDOVER duplicate node refused");
	m = good;
	m.ho.rec[2].node = 64;
	ok(enc_refused(&m) &&
	   ho_wire_refused(&good, HO_REC(2), 64, 1, "node out of range") &&
	   ho_wire_refused(&good, HO_REC(2), 0xff, 1, "node out of range"),
	   "proto: LOCK_HANDOVER record of node 64 refused");
	m = good;
	m.ho.rec[0].fwd_to = 64;
	ok(enc_refused(&m) &&
	   ho_wire_refused(&good, HO_REC(0) + 1, 64, 1, "forward node") &&
	   ho_wire_refused(&good, HO_REC(0) + 1, 0xfe, 1, "forward node"),
	   "proto: LOCK_HANDOVER forward to node 64 refused");
	m.ho.rec[0].fwd_to = -2;
	ok(enc_refused(&m), "proto: LOCK_HANDOVER forward to -2 not encoded");
	m = good;
	m.ho.rec[1].fwd_cookie = 1;
	ok(enc_refused(&m) &&
	   ho_wire_refused(&good, HO_REC(1) + 8, 1, 8, "cookie") &&
	   ho_wire_refused(&good, HO_REC(0) + 1, 0xff, 1, "cookie"),
	   "proto: LOCK_HANDOVER record without a forward but a cookie refused");
	/* Every reserved byte: 26 .. 31, and 2 .. 7 of each record. */
	for (i = 26; i < 32; i++, res++)
		refused += ho_wire_refused(&good, i, 0x80, 1, "reserved");
	for (k = 0; k < 3; k++)
		for (i = 2; i < 8; i++, res++)
			refused += ho_wire_refused(&good, HO_REC(k) + i, 1, 1,
						   "reserved");
	ok(res == 24 && refused == res,
	   "proto: LOCK_HANDOVER every reserved byte not zero refused");
}


/* Each refusal twice: the struct is not encoded, its bytes not decoded. */
static void test_handover_refused(void)
{
	const struct dsmc_msg good = ho_msg(3, 5);
	struct dsmc_msg m = good, done = good;
	uint8_t buf[DSMC_MSG_MAX];
	const char *why = NULL;
	struct dsmc_msg out;
	int len;

	len = dsmc_encode(&m, buf, sizeof(buf));
	buf[4] = 7;
	ok(dsmc_decode(buf, len, &out, &why) && strstr(why, "version"),
	   "proto: LOCK_HANDOVER with header version 7 refused");
	m.ho.epoch = 0;
	ok(enc_refused(&m) && ho_wire_refused(&good, 0, 0, 8, "epoch"),
	   "proto: LOCK_HANDOVER epoch 0 refused");
	m.ho.epoch = DSM_HOME_EPOCH_MAX + 1;
	ok(enc_refused(&m) &&
	   ho_wire_refused(&good, 0, DSM_HOME_EPOCH_MAX + 1, 8, "epoch"),
	   "proto: LOCK_HANDOVER epoch above DSM_HOME_EPOCH_MAX refused");
	m = good;
	m.ho.flags = MGR_HO_OWNER_DEAD | 0x8;
	ok(enc_refused(&m) && ho_wire_refused(&good, HO_FLAGS, 9, 4, "flags") &&
	   ho_wire_refused(&good, HO_FLAGS, 1U << 31, 4, "flags"),
	   "proto: LOCK_HANDOVER unknown flag refused");
	m = good;
	m.ho.tail = 64;
	ok(enc_refused(&m) && ho_wire_refused(&good, HO_TAIL, 64, 4, "tail"),
	   "proto: LOCK_HANDOVER tail 64 refused");
	m.ho.tail = -2;
	ok(enc_refused(&m) &&
	   ho_wire_refused(&good, HO_TAIL, 0xfffffffe, 4, "tail"),
	   "proto: LOCK_HANDOVER tail -2 (0xfffffffe) refused");
	m = ho_msg(DSM_NODES_MAX, 1);
	m.ho.nr = DSM_NODES_MAX + 1;
	ok(enc_refused(&m) &&
	   ho_wire_refused(&good, HO_NR, DSM_NODES_MAX + 1, 2, "many"),
	   "proto: LOCK_HANDOVER nr 65 refused");
	ok(ho_wire_refused(&good, HO_NR, 4, 2, "length") &&
	   ho_wire_refused(&good, HO_NR, 2, 2, "length") &&
	   ho_wire_refused(&good, HO_NR, 0, 2, "length"),
	   "proto: LOCK_HANDOVER body longer or shorter than 32 + 24 * nr refused");

	done.ho.flags = MGR_HO_DONE;
	done.ho.region = 0;
	done.ho.lock_id = 0;
	done.ho.tail = -1;
	done.ho.nr = 0;
	ok(!enc_refused(&done), "proto: LOCK_HANDOVER DONE encoded");
	m = done;
	m.ho.lock_id = 1;
	ok(enc_refused(&m) && ho_wire_refused(&done, HO_LOCK, 1, 4, "DONE"),
	   "proto: LOCK_HANDOVER DONE with a lock refused");
	m = done;
	m.ho.region = 1;
	ok(enc_refused(&m) && ho_wire_refused(&done, HO_REGION, 1, 4, "DONE"),
	   "proto: LOCK_HANDOVER DONE with a region refused");
	m = done;
	m.ho.tail = 0;
	ok(enc_refused(&m) && ho_wire_refused(&done, HO_TAIL, 0, 4, "DONE"),
	   "proto: LOCK_HANDOVER DONE with a tail refused");
	m = done;
	m.ho.flags |= MGR_HO_OWNER_DEAD;
	ok(enc_refused(&m) && ho_wire_refused(&done, HO_FLAGS, 3, 4, "DONE"),
	   "proto: LOCK_HANDOVER DONE with OWNER_DEAD refused");
	m = ho_msg(1, -1);
	m.ho.region = 0;
	m.ho.lock_id = 0;
	m.ho.flags = 0;
	ok(!enc_refused(&m) &&
	   ho_wire_refused(&m, HO_FLAGS, MGR_HO_DONE, 4, "DONE"),
	   "proto: LOCK_HANDOVER DONE with a record refused (bytes)");
	m.ho.flags = MGR_HO_DONE;
	ok(enc_refused(&m),
	   "proto: LOCK_HANDOVER DONE with a record refused (struct)");
}

/* Bodies not of 32 + 24 * n bytes, n <= 64, are refused by the length. */
static void test_handover_len(void)
{
	static uint8_t buf[DSMC_MSG_MAX + 64];
	struct dsmc_msg m = ho_msg(3, 5), out;
	const char *why = NULL;
	int len;

	len = dsmc_encode(&m, buf, sizeof(buf));
	buf[len] = 0;
	buf[8]++;
	ok(dsmc_peek(buf, len + 1, &why) < 0 && strstr(why, "length"),
	   "proto: LOCK_HANDOVER of 32 + 24 * 3 + 1 bytes refused");
	buf[8] -= 2;
	ok(dsmc_peek(buf, len - 1, &why) < 0 && strstr(why, "length"),
	   "proto: LOCK_HANDOVER of 32 + 24 * 3 - 1 bytes refused");
	buf[8] = 31;
	ok(dsmc_peek(buf, DSMC_HDR_SIZE + 31, &why) < 0 &&
	   strstr(why, "length"), "proto: LOCK_HANDOVER of 31 bytes refused");
	m = ho_msg(DSM_NODES_MAX, 7);
	len = dsmc_encode(&m, buf, sizeof(buf));
	memset(buf + len, 0, 24);
	buf[8] = (uint8_t)(32 + 24 * 65);
	buf[9] = (uint8_t)((32 + 24 * 65) >> 8);
	buf[DSMC_HDR_SIZE + HO_NR] = 65;
	why = NULL;
	ok(len == DSMC_HDR_SIZE + 32 + 24 * 64 &&
	   dsmc_decode(buf, len + 24, &out, &why) && strstr(why, "length"),
	   "proto: LOCK_HANDOVER of 65 records refused by its length");
}

/* The invariants every decoded hand-over keeps. */
static bool ho_sane(const struct mgr_handover *ho)
{
	uint32_t i;

	if (!ho->epoch || ho->epoch > DSM_HOME_EPOCH_MAX ||
	    (ho->flags & ~(MGR_HO_OWNER_DEAD | MGR_HO_DONE)) ||
	    ho->tail < -1 || ho->tail >= DSM_NODES_MAX ||
	    ho->nr > DSM_NODES_MAX)
		return false;
	if ((ho->flags & MGR_HO_DONE) &&
	    (ho->flags != MGR_HO_DONE || ho->region || ho->lock_id ||
	     ho->tail != -1 || ho->nr))
		return false;
	for (i = 0; i < ho->nr; i++)
		if (ho->rec[i].node >= DSM_NODES_MAX ||
		    (i && ho->rec[i].node <= ho->rec[i - 1].node) ||
		    ho->rec[i].fwd_to < -1 ||
		    ho->rec[i].fwd_to >= DSM_NODES_MAX ||
		    (ho->rec[i].fwd_to == -1 && ho->rec[i].fwd_cookie))
			return false;
	return true;
}

/*
 * Every single-byte corruption of a hand-over's body is refused, or decodes to
 * a sane one that encodes back to the same bytes (what the decoder takes
 * the encoder writes: the encoding is canonical).
 */
static void test_handover_corruptions(void)
{
	struct dsmc_msg m = ho_msg(3, 5), out;
	uint8_t buf[DSMC_MSG_MAX], copy[DSMC_MSG_MAX], again[DSMC_MSG_MAX];
	int len, i, bad = 0, taken = 0;
	const char *why = NULL;

	len = dsmc_encode(&m, buf, sizeof(buf));
	for (i = DSMC_HDR_SIZE * 256; i < len * 256; i++) {
		memcpy(copy, buf, len);
		copy[i / 256] = (uint8_t)i;
		if (dsmc_decode(copy, len, &out, &why))
			continue;
		taken++;
		if (out.type != DSMC_LOCK_HANDOVER || !ho_sane(&out.ho) ||
		    dsmc_encode(&out, again, sizeof(again)) != len ||
		    memcmp(again, copy, len))
			bad++;
	}
	ok(len == DSMC_HDR_SIZE + 104 && taken > len - DSMC_HDR_SIZE && !bad,
	   "proto: LOCK_HANDOVER corruptions refused, or sane and canonical");
}

void test_proto_mgr(void)
{
	test_mgr_epoch();
	test_mgr_epoch_len();
	test_mgr_moved();
	test_token_left();
	test_kept();
	test_handover();
	test_handover_refused();
	test_handover_records();
	test_handover_len();
	test_handover_corruptions();
}
