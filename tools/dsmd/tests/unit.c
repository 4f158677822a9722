// SPDX-License-Identifier: GPL-2.0
/*
 * unit.c - dsmd's unit tests, with TAP output: the configuration parser
 * (here), the control protocol's codec (proto_test.c) and bytes
 * (wire_test.c), and the managers (mgr_lock_test.c, mgr_barrier_test.c,
 * over the simulated cluster of mgr_sim.c). Built with ASan and UBSan
 * (make unit).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "dsm_key.h"
#include "mgr_sim.h"
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
#define KEY "key /etc/dsm/dsm.key\n"

/* key PATH and auth none (issue 13). */
static void test_config_auth(void)
{
	ok(refused(GOOD, "t.conf: ", "dsmctl key generate"),
	   "config: neither key nor auth none refused, says what to do");
	ok(refused(GOOD KEY "auth none\n", "t.conf:6:", "conflicts with line 5"),
	   "config: key and auth none conflict");
	ok(refused(GOOD KEY KEY, "t.conf:6:", "conflicts with line 5"),
	   "config: key twice");
	ok(refused(GOOD "key dsm.key\n", "t.conf:5:", "absolute path"),
	   "config: relative key path refused");
	ok(refused(GOOD "key\n", "t.conf:5:", "absolute path"),
	   "config: key without a path");
	ok(refused(GOOD "auth hmac\n", "t.conf:5:", "only 'none'"),
	   "config: auth other than none refused");
}

/* transport tcp|rdma (issue 14). */
static void test_config_transport(void)
{
	ok(!parse(GOOD KEY) && conf.transport == DSMD_TRANSPORT_TCP,
	   "config: transport defaults to tcp");
	ok(!parse(GOOD KEY "transport rdma\n") &&
	   conf.transport == DSMD_TRANSPORT_RDMA, "config: transport rdma");
	ok(refused(GOOD KEY "transport ib\n", "t.conf:6:", "tcp or rdma"),
	   "config: unknown transport refused");
	ok(refused(GOOD KEY "transport tcp\ntransport rdma\n", "t.conf:7:",
		   "already set on line 6"), "config: transport twice");
}

/* Addresses are unicast; a node's two ports collide with nobody's. */
static void test_config_addr(void)
{
	static const char *const bad[] = {
		"0.0.0.0", "unspecified", "255.255.255.255", "broadcast",
		"224.0.0.1", "multicast", "239.1.2.3", "multicast",
		"240.0.0.1", "reserved", "::", "unspecified",
		"ff02::1", "multicast", "::ffff:10.0.0.1", "IPv4-mapped",
	};
	char text[256], name[96];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i += 2) {
		snprintf(text, sizeof(text),
			 "cluster c1\nnode-id 0\nnode 0 %s\n" KEY, bad[i]);
		snprintf(name, sizeof(name), "config: %s refused (%s)",
			 bad[i], bad[i + 1]);
		ok(refused(text, "t.conf:3:", bad[i + 1]), name);
	}
	ok(refused(GOOD "node 2 10.0.0.2 7900\n", "t.conf:5:",
		   "collide with node 1's 7901 and 7902"),
	   "config: data port of node 2 is node 1's dsmd port");
	ok(refused(GOOD "node 2 10.0.0.2 7902\n", "t.conf:5:",
		   "ports 7902 and 7903 (dsmd and data) collide"),
	   "config: dsmd port of node 2 is node 1's data port");
	ok(refused("cluster c1\nnode-id 0\nnode 0 ::1\nnode 1 0::1\n",
		   "t.conf:4:", "already node 0"),
	   "config: one IPv6 address written two ways");
	ok(!parse(GOOD "node 2 10.0.0.2 7903\n" KEY) && conf.nr_nodes == 3,
	   "config: two nodes on one address, ports 2 apart");
	ok(!parse(GOOD "node 2 10.0.0.3 7901\n" KEY),
	   "config: one port on two addresses");
}

/* 'join', and the nodes added and deleted at run time (issue 15). */
static void test_config_join(void)
{
	ok(!parse("cluster c1\nnode-id 3\njoin\nauth none\nnode 0 10.0.0.1\n"
		  "node 3 10.0.0.4\n") && conf.join && conf.nr_nodes == 4 &&
	   !conf.nodes[1].present,
	   "config: a joining node names the members and itself, ids may skip");
	ok(refused("cluster c1\njoin now\n", "t.conf:2:", "no argument"),
	   "config: join takes no argument");
	ok(!parse(GOOD KEY) && !conf.join &&
	   !dsmd_conf_add_node(&conf, 4, "10.0.0.5", 0, err, sizeof(err)) &&
	   conf.nr_nodes == 5 && conf.nodes[4].port == DSMD_DEFAULT_PORT,
	   "config: node added at run time");
	ok(dsmd_conf_add_node(&conf, 4, "10.0.0.6", 0, err, sizeof(err)) &&
	   strstr(err, "already defined"), "config: a member added again refused");
	ok(dsmd_conf_add_node(&conf, 5, "10.0.0.1", 7900, err, sizeof(err)) &&
	   strstr(err, "already node 0"), "config: a member's address refused");
	ok(dsmd_conf_add_node(&conf, 5, "224.0.0.1", 0, err, sizeof(err)) &&
	   strstr(err, "unicast") && !conf.nodes[5].present,
	   "config: a multicast address refused, nothing added");
	dsmd_conf_del_node(&conf, 4);
	ok(conf.nr_nodes == 2 && !conf.nodes[4].present,
	   "config: node deleted at run time");
}

/* 64 nodes (issue 15 item 5): ids 0 .. 63, this node the last. */
static void test_config_64(void)
{
	char text[4096];
	int i, len;

	len = snprintf(text, sizeof(text), "cluster c1\nnode-id 63\n" KEY);
	for (i = 0; i < 64; i++)
		len += snprintf(text + len, sizeof(text) - len,
				"node %d 10.0.%d.%d\n", i, i / 8, i % 8 + 1);
	ok(!parse(text) && conf.nr_nodes == 64 && conf.local == 63 &&
	   conf.nodes[63].present && conf.nodes[62].present &&
	   !strcmp(conf.nodes[63].addr, "10.0.7.8"),
	   "config: 64 nodes, node 63 accepted as this node");
	snprintf(text + len, sizeof(text) - len, "node 64 10.0.8.1\n");
	ok(refused(text, "t.conf:68:", "'64' is not a number from 0 to 63"),
	   "config: node 64 after 0 .. 63 refused, with its line");
	ok(refused("cluster c1\nnode-id 64\nnode 0 10.0.0.1\n", "t.conf:2:",
		   "0 to 63"), "config: node-id 64 refused");
}

static void test_config(void)
{
	ok(!parse(GOOD KEY) && !strcmp(conf.cluster, "c1") && conf.local == 1 &&
	   conf.auth == DSMD_AUTH_KEY &&
	   !strcmp(conf.key_path, "/etc/dsm/dsm.key") &&
	   conf.nr_nodes == 2 && conf.nodes[0].port == DSMD_DEFAULT_PORT &&
	   conf.nodes[1].port == 7901 &&
	   conf.heartbeat_ms == DSMD_HEARTBEAT_DEFAULT &&
	   conf.dead_ms == DSMD_DEAD_DEFAULT, "config: minimal file");
	ok(!parse("# comment\n\n  cluster   c1   # trailing\nnode-id 0\n"
		  "node 0 fe80::1 9000\nheartbeat-interval 250ms\n"
		  "dead-timeout 2s\nreconnect-interval 1s\nauth none\n") &&
	   conf.auth == DSMD_AUTH_NONE && conf.nodes[0].family == AF_INET6 && conf.heartbeat_ms == 250 &&
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
	ok(refused("cluster c1\nnode-id 0\nnode 0 10.0.0.1 65535\n",
		   "t.conf:3:", "PORT + 1"),
	   "config: port 65535 refused (its data port would be 0)");
	ok(refused("cluster c1\nnode-id 0\nnode 64 10.0.0.1\n", "t.conf:3:",
		   "'64' is not a number from 0 to 63"),
	   "config: node id 64 refused");
	ok(refused(GOOD "node 1 10.0.0.3\n", "t.conf:5:", "already defined on line 4"),
	   "config: duplicate node id");
	ok(refused(GOOD "node 2 10.0.0.2 7901\n", "t.conf:5:", "already node 1"),
	   "config: duplicate address");
	ok(refused(GOOD "cluster c2\n", "t.conf:5:", "already set on line 1"),
	   "config: duplicate cluster");
	ok(refused("cluster bad/name\n", "t.conf:1:", "cluster name"),
	   "config: bad cluster name");
	test_config_auth();
	test_config_transport();
	test_config_addr();
	test_config_join();
	test_config_64();
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

/* The key file: made 0600 and never overwritten; loaded only if sound. */
static void test_key_file(void)
{
	char dir[] = "/tmp/dsmd-unit-XXXXXX", path[64], text[80];
	uint8_t key[DSM_KEY_BYTES], key2[DSM_KEY_BYTES];
	struct stat st;
	FILE *f;

	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/k", dir);
	ok(dsm_key_load(path, key, err, sizeof(err)) &&
	   strstr(err, "dsmctl key generate"), "key: missing file says what to do");
	ok(!dsm_key_generate(path, false, err, sizeof(err)) &&
	   !stat(path, &st) && (st.st_mode & 0777) == 0600 &&
	   st.st_size == DSM_KEY_TEXT, "key: generated 0600, 65 bytes");
	ok(!dsm_key_load(path, key, err, sizeof(err)), "key: generated key loads");
	ok(dsm_key_generate(path, false, err, sizeof(err)) == -EEXIST &&
	   strstr(err, "--force"), "key: existing file not overwritten");
	ok(!dsm_key_generate(path, true, err, sizeof(err)) &&
	   !dsm_key_load(path, key2, err, sizeof(err)) &&
	   memcmp(key, key2, sizeof(key)), "key: --force replaces it");
	chmod(path, 0640);
	ok(dsm_key_load(path, key, err, sizeof(err)) && strstr(err, "chmod 600"),
	   "key: group-readable key refused");
	chmod(path, 0604);
	ok(dsm_key_load(path, key, err, sizeof(err)) && strstr(err, "chmod 600"),
	   "key: other-readable key refused");
	chmod(path, 0600);
	f = fopen(path, "w");
	if (!f)
		abort();
	fputs("0123456789abcdef\n", f);
	fclose(f);
	ok(dsm_key_load(path, key, err, sizeof(err)) && strstr(err, "64 hex"),
	   "key: short key refused");
	memset(text, 'a', 64);
	strcpy(text + 64, "\nx\n");
	ok(dsm_key_parse(text, strlen(text), key) &&
	   !dsm_key_parse(text, 65, key) && key[0] == 0xaa &&
	   dsm_key_parse("zz", 2, key), "key: parser takes 64 hex digits only");
	unlink(path);
	rmdir(dir);
}

/* The managers over the simulated cluster (mgr_sim.c). */
static void test_mgr(void)
{
	test_mgr_lock();
	test_mgr_lock_ho();
	test_mgr_barrier();
	sim_free();
}

int main(void)
{
	test_config();
	test_key_file();
	test_proto();
	test_wire();
	test_mgr();
	test_fence();
	test_home_adapt();
	printf("1..%d\n", n);
	return failed ? 1 : 0;
}

