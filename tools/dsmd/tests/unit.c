// SPDX-License-Identifier: GPL-2.0
/*
 * unit.c - unit tests of dsmd's configuration parser, control protocol
 * codec and managers (tests/mgr_test.c); prints TAP. Built with ASan and
 * UBSan (make unit).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "proto.h"
#include "unit.h"

static int n, failed;

void ok(int cond, const char *name)
{
	n++;
	if (!cond)
		failed++;
	printf("%sok %d %s\n", cond ? "" : "not ", n, name);
}

static char err[512];
static struct dsmd_conf conf;

static int parse(const char *text)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	if (!f)
		abort();
	ret = dsmd_conf_parse(f, "t.conf", &conf, err, sizeof(err));
	fclose(f);
	return ret;
}

/* @text is refused with an error that starts with @prefix (file:line:). */
static int refused(const char *text, const char *prefix, const char *word)
{
	if (!parse(text))
		return 0;
	if (strncmp(err, prefix, strlen(prefix)) || !strstr(err, word)) {
		printf("# got: %s\n", err);
		return 0;
	}
	return 1;
}

#define GOOD "cluster c1\nnode-id 1\nnode 0 10.0.0.1\nnode 1 10.0.0.2 7901\n"

static void test_config(void)
{
	ok(!parse(GOOD) && !strcmp(conf.cluster, "c1") && conf.local == 1 &&
	   conf.nr_nodes == 2 && conf.nodes[0].port == DSMD_DEFAULT_PORT &&
	   conf.nodes[1].port == 7901 &&
	   conf.heartbeat_ms == DSMD_HEARTBEAT_DEFAULT &&
	   conf.dead_ms == DSMD_DEAD_DEFAULT, "config: minimal file");
	ok(!parse("# comment\n\n  cluster   c1   # trailing\nnode-id 0\n"
		  "node 0 fe80::1 9000\nheartbeat-interval 250ms\n"
		  "dead-timeout 2s\nreconnect-interval 1s\n") &&
	   conf.nodes[0].family == AF_INET6 && conf.heartbeat_ms == 250 &&
	   conf.dead_ms == 2000 && conf.reconnect_ms == 1000,
	   "config: comments, IPv6, durations");
	ok(refused(GOOD "bogus 1\n", "t.conf:5:", "unknown keyword"),
	   "config: unknown keyword has its line");
	ok(refused("cluster c1\nnode-id 0\nnode 0 10.0.0.300\n", "t.conf:3:",
		   "not an IPv4 or IPv6"), "config: bad address has its line");
	ok(refused("cluster c1\nnode-id 0\nnode 0 10.0.0.1 0\n", "t.conf:3:",
		   "port"), "config: port 0 refused");
	ok(refused("cluster c1\nnode-id 0\nnode 0 10.0.0.1 70000\n",
		   "t.conf:3:", "port"), "config: port 70000 refused");
	ok(refused("cluster c1\nnode-id 0\nnode 8 10.0.0.1\n", "t.conf:3:",
		   "0 to 7"), "config: node id 8 refused");
	ok(refused(GOOD "node 1 10.0.0.3\n", "t.conf:5:", "already defined on line 4"),
	   "config: duplicate node id");
	ok(refused(GOOD "node 2 10.0.0.2 7901\n", "t.conf:5:", "already node 1"),
	   "config: duplicate address");
	ok(refused(GOOD "cluster c2\n", "t.conf:5:", "already set on line 1"),
	   "config: duplicate cluster");
	ok(refused("cluster bad/name\n", "t.conf:1:", "cluster name"),
	   "config: bad cluster name");
	ok(refused("cluster c1\nnode-id 0\nnode 0 10.0.0.1\nnode 2 10.0.0.3\n",
		   "t.conf:4:", "without gaps"), "config: gap in node ids");
	ok(refused("cluster c1\nnode-id 3\nnode 0 10.0.0.1\n", "t.conf:2:",
		   "node-id 3"), "config: node-id without node line");
	ok(refused("node-id 0\nnode 0 10.0.0.1\n", "t.conf: ", "cluster"),
	   "config: missing cluster");
	ok(refused("cluster c\nnode 0 10.0.0.1\n", "t.conf: ", "node-id"),
	   "config: missing node-id");
	ok(refused("cluster c\nnode-id 0\n", "t.conf: ", "no 'node"),
	   "config: no nodes");
	ok(refused(GOOD "heartbeat-interval 500\n", "t.conf:5:", "duration"),
	   "config: duration without unit");
	ok(refused(GOOD "dead-timeout 5m\n", "t.conf:5:", "duration"),
	   "config: bad duration unit");
	ok(refused(GOOD "heartbeat-interval 2s\ndead-timeout 3s\n", "t.conf:6:",
		   "twice"), "config: dead-timeout below 2 heartbeats");
	ok(refused(GOOD "node-id\n", "t.conf:5:", "node-id"),
	   "config: keyword without value");
	ok(refused("cluster c1 extra\n", "t.conf:1:", "one name"),
	   "config: extra word");
	ok(refused("cluster c1\x01\n", "t.conf:1:", "control character"),
	   "config: control character");
	{
		char big[2048];

		memset(big, 'a', sizeof(big) - 2);
		big[sizeof(big) - 2] = '\n';
		big[sizeof(big) - 1] = '\0';
		ok(refused(big, "t.conf:1:", "longer"), "config: long line");
	}
	ok(dsmd_conf_load("/nonexistent/dsm.conf", &conf, err, sizeof(err)) &&
	   strstr(err, "cannot open"), "config: missing file");
}

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

static void test_proto(void)
{
	struct dsmc_msg m = hello(), out;
	uint8_t buf[DSMC_MSG_MAX];
	const char *why = NULL;
	int len, i, bad;

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
	ok(refuses(&m, 4, 9), "proto: unknown version refused");
	ok(refuses(&m, 6, 99), "proto: unknown type refused");
	ok(refuses(&m, 8, 57), "proto: wrong length refused");
	ok(refuses(&m, 12, 1), "proto: reserved header refused");
	ok(refuses(&m, DSMC_HDR_SIZE, 8), "proto: node id 8 refused");
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

	m = (struct dsmc_msg){ .type = DSMC_REGION_ADD };
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
	ok(refuses(&m, DSMC_HDR_SIZE + 53, 1), "proto: region reserved");
	m.region.origin = 8;
	ok(roundtrip(&m, &out) != 0, "proto: origin 8 refused");

	m = (struct dsmc_msg){ .type = DSMC_BYE };
	m.bye.reason = DSM_REASON_LEFT;
	ok(!roundtrip(&m, &out) && out.bye.reason == DSM_REASON_LEFT,
	   "proto: BYE round trip");
	m.bye.reason = 200;
	ok(roundtrip(&m, &out) != 0, "proto: bad BYE reason refused");

	/* Every single-byte corruption is either refused or decodes sanely. */
	m = hello();
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

int main(void)
{
	test_config();
	test_proto();
	test_consume();
	test_wire();
	test_mgr();
	printf("1..%d\n", n);
	return failed ? 1 : 0;
}
