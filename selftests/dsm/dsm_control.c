// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_control - the control plane on every node of a 3-node cluster at
 * once, through the administrator's tools: dsmctl's JSON parses with jq
 * and shows every node up; a region created on node 1 appears on nodes 0
 * and 2 at the same offset and size, and its deletion on node 2 reaches
 * every node; dsmd reports a bad configuration line by number; dsmctl's
 * exit codes hold; a deleted region's offsets, taken again by a region of
 * the other model, start as zero pages on every node; a region mapped on
 * the node that deletes it is refused (EBUSY), one mapped elsewhere is
 * revoked there (SIGBUS).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "dsm_test.h"
#include "dsm_shell.h"

/* Seconds for a change to reach every node (times DSM_TEST_TIME_FACTOR). */
#define REPL_TIMEOUT	dsm_test_secs(10)

/* Every test starts on every node together (and has a timeout for it). */
FIXTURE(control) {
	pid_t monitor;		/* monitor_events' dsmctl monitor, or 0 */
};

FIXTURE_SETUP(control)
{
	dsm_test_begin();
}

/* Also when a failed sync ended the test early. */
FIXTURE_TEARDOWN(control)
{
	if (self->monitor > 0) {
		kill(self->monitor, SIGTERM);
		waitpid(self->monitor, NULL, 0);
	}
}

TEST_F_TIMEOUT(control, node_list_json_all_up, DSM_TEST_TIMEOUT(60))
{
	int n = dsm_nodes_env();
	char out[4096];

	ASSERT_LE(2, n);
	EXPECT_EQ(0, dsm_sh(out, sizeof(out), "dsmctl -j node list | jq -e "
			    "'length == %d and all(.[]; .state == \"up\") and "
			    "([.[] | select(.local)] | length == 1)'", n))
		TH_LOG("%s", out);
	EXPECT_EQ(0, dsm_sh(out, sizeof(out), "dsmctl -j node list | jq -e "
			    "'[.[].id] == [range(%d)]'", n)) TH_LOG("%s", out);
	EXPECT_EQ(0, dsm_sh(out, sizeof(out), "dsmctl -j node show %d | jq -e "
			    "'.local and .state == \"up\"'", dsm_node_id_env()))
		TH_LOG("%s", out);
	EXPECT_EQ(0, dsm_sh(out, sizeof(out), "dsmctl -p status | jq -e "
			    "'.nodes_up == %d and .cluster == \"vcluster\"'", n))
		TH_LOG("%s", out);
	EXPECT_EQ(0, dsm_sh(out, sizeof(out), "dsmctl -j stats | jq -e "
			    "'.node_up >= %d'", n)) TH_LOG("%s", out);
	EXPECT_EQ(0, dsm_sh(out, sizeof(out), "dsmctl status")) TH_LOG("%s", out);
	dsm_test_sync(10);
}

/*
 * node list names each link's transport: the configured one (dsm.ko's
 * parameter transport) for every peer once dsmd has made its data
 * connection to it, "none" for this
 * node. The connections come up after the nodes do: wait for them, at
 * most 30 s (times the time factor), polling every 0.1 s.
 */
TEST_F_TIMEOUT(control, node_list_transport, DSM_TEST_TIMEOUT(60))
{
	char out[4096], name[32];
	int n = dsm_nodes_env();

	ASSERT_LE(2, n);
	ASSERT_EQ(0, dsm_read_file("/sys/module/dsm/parameters/transport",
				   name, sizeof(name)));
	EXPECT_EQ(0, dsm_sh(out, sizeof(out),
			    "i=0; until dsmctl -j node list | jq -e --arg t %s "
			    "'all(.[]; .transport == (if .local then \"none\" "
			    "else $t end))' >/dev/null; do i=$((i + 1)); "
			    "[ $i -lt %d ] || { echo 'links not all up over %s "
			    "after %d s:'; dsmctl node list; exit 1; }; "
			    "sleep 0.1; done", name, dsm_test_secs(300),
			    name, dsm_test_secs(30)))
		TH_LOG("%s", out);
	dsm_test_sync(11);
}

TEST_F_TIMEOUT(control, region_replicated, DSM_TEST_TIMEOUT(60))
{
	int id = dsm_node_id_env();
	unsigned long long want = 1ULL * DSM_REGION_SLICE;
	char out[4096];

	dsm_test_sync(20);
	if (id == 1) {
		EXPECT_EQ(0, dsm_sh(out, sizeof(out),
				    "dsmctl -j region create repl size 64M model lrc "
				    "owner 1000 group 0 mode 0604 "
				    "| jq -e '.offset == %llu and .size == 67108864'",
				    want)) TH_LOG("%s", out);
	}
	/*
	 * Every node, node 1 too: same offset, size, model, origin, and
	 * owner, group and mode (REGION_ADD of protocol version 3).
	 */
	EXPECT_LE(0, dsm_sh_until(REPL_TIMEOUT, out, sizeof(out),
				  "dsmctl -j region show repl | jq -e "
				  "'.offset == %llu and .size == 67108864 and "
				  ".model == \"lrc\" and .origin == 1 and "
				  ".uid == 1000 and .gid == 0 and "
				  ".mode == \"0604\"'", want))
		TH_LOG("region not replicated: %s", out);
	dsm_test_sync(21);
	if (id == 2)
		EXPECT_EQ(0, dsm_sh(out, sizeof(out), "dsmctl region delete repl"))
			TH_LOG("%s", out);
	EXPECT_LE(0, dsm_sh_until(REPL_TIMEOUT, out, sizeof(out),
				  "dsmctl -j region list | jq -e "
				  "'all(.[]; .name != \"repl\")'"))
		TH_LOG("deletion not replicated: %s", out);
	dsm_test_sync(22);
}

/*
 * Nodes 1 and 2 create the same name at about the same time. Either one
 * creation is refused because the other's replica arrived first, or both
 * exist for a moment and every node keeps node 1's (the lower id wins).
 * Node 1 tells the others which happened with a flag region ("won" when
 * its creation succeeded, "lost" when it was refused); every node must
 * converge on that outcome. dsm_netlink's replica_conflicts test forces
 * the both-exist case on one node.
 */
TEST_F_TIMEOUT(control, region_name_conflict, DSM_TEST_TIMEOUT(60))
{
	int id = dsm_node_id_env(), ret = 0;
	char out[4096];

	dsm_test_sync(30);
	if (id == 1 || id == 2)
		ret = dsm_sh(out, sizeof(out),
			     "dsmctl region create twin size %dM", id);
	EXPECT_TRUE(ret == 0 || (ret == 1 && strstr(out, "exists")))
		TH_LOG("%s", out);
	if (id == 1)
		EXPECT_EQ(0, dsm_sh(out, sizeof(out),
				    "dsmctl region create twin-%s size 4K",
				    ret ? "lost" : "won")) TH_LOG("%s", out);
	dsm_test_sync(31);
	EXPECT_LE(0, dsm_sh_until(REPL_TIMEOUT, out, sizeof(out),
				  "t=$(dsmctl -j region show twin) && "
				  "if dsmctl region show twin-won >/dev/null; then "
				  "echo \"$t\" | jq -e '.origin == 1 and .size == 1048576'; "
				  "else dsmctl region show twin-lost >/dev/null && "
				  "echo \"$t\" | jq -e '.origin == 2 and .size == 2097152'; fi"))
		TH_LOG("conflict not resolved: %s", out);
	dsm_test_sync(32);
	if (id == 0)
		EXPECT_EQ(0, dsm_sh(out, sizeof(out), "dsmctl region delete twin && "
				    "{ dsmctl region delete twin-won || "
				    "dsmctl region delete twin-lost; }"))
			TH_LOG("%s", out);
	EXPECT_LE(0, dsm_sh_until(REPL_TIMEOUT, out, sizeof(out),
				  "dsmctl -j region list | jq -e "
				  "'all(.[]; .name | startswith(\"twin\") | not)'"))
		TH_LOG("%s", out);
	dsm_test_sync(33);
}

/* dsmctl monitor: a dump of what exists, then every change, as JSON. */
TEST_F_TIMEOUT(control, monitor_events, DSM_TEST_TIMEOUT(60))
{
	int id = dsm_node_id_env(), n = dsm_nodes_env();
	const char *log = "/tmp/dsm-monitor.json";
	char out[4096];

	self->monitor = dsm_monitor_start(log);
	ASSERT_LE(0, self->monitor);
	/* The dump comes first: every node, the default region. */
	EXPECT_LE(0, dsm_sh_until(10, out, sizeof(out), "jq -e -s "
				  "'([.[] | select(.event == \"node-exists\")] | "
				  "length == %d) and any(.[]; .event == "
				  "\"region-exists\" and .region.name == "
				  "\"default\")' %s", n, log))
		TH_LOG("no dump: %s", out);
	dsm_test_sync(40);
	if (id == 0)
		EXPECT_EQ(0, dsm_sh(out, sizeof(out),
				    "dsmctl region create mon size 8K && "
				    "dsmctl region delete mon")) TH_LOG("%s", out);
	/* Made here on node 0; replicas elsewhere. */
	EXPECT_LE(0, dsm_sh_until(REPL_TIMEOUT, out, sizeof(out), "jq -e -s "
				  "'any(.[]; .event == \"region-created\" and "
				  ".region.name == \"mon\" and .replica == %s) and "
				  "any(.[]; .event == \"region-deleted\" and "
				  ".region.name == \"mon\")' %s",
				  id == 0 ? "false" : "true", log))
		TH_LOG("events missing: %s", out);
	dsm_test_sync(41);
}

TEST_F_TIMEOUT(control, bad_config_line_reported, DSM_TEST_TIMEOUT(60))
{
	const char *conf = "/tmp/dsm-bad.conf";
	char out[1024];
	FILE *f = fopen(conf, "w");

	ASSERT_NE(NULL, f);
	fprintf(f, "# a configuration with a bad line 4\n"
		   "cluster test\n"
		   "node-id 0\n"
		   "node 0 10.1.2.300 7900\n"
		   "node 1 10.1.2.4\n");
	fclose(f);
	EXPECT_EQ(1, dsm_sh(out, sizeof(out), "dsmd -t -c %s", conf))
		TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "/tmp/dsm-bad.conf:4: "))
		TH_LOG("no line number in: %s", out);
	EXPECT_NE(NULL, strstr(out, "10.1.2.300")) TH_LOG("%s", out);

	f = fopen(conf, "w");
	ASSERT_NE(NULL, f);
	fprintf(f, "cluster test\nnode-id 0\nnode 0 10.1.2.3\nfrobnicate 1\n");
	fclose(f);
	EXPECT_EQ(1, dsm_sh(out, sizeof(out), "dsmd -t -c %s", conf))
		TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "/tmp/dsm-bad.conf:4: unknown keyword"))
		TH_LOG("%s", out);
	/* The running cluster's own file is good. */
	EXPECT_EQ(0, dsm_sh(out, sizeof(out), "dsmd -t")) TH_LOG("%s", out);
	unlink(conf);
}

/* Run dsmctl with up to 5 arguments as uid 65534; its exit status. */
static int dsmctl_as_nobody(const char *a, const char *b, const char *c,
			    const char *d, const char *e)
{
	int st;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		if (setgid(65534) || setuid(65534))
			_exit(100);
		execlp("dsmctl", "dsmctl", a, b, c, d, e, (char *)NULL);
		_exit(101);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

TEST_F_TIMEOUT(control, dsmctl_exit_codes, DSM_TEST_TIMEOUT(60))
{
	char out[1024];

	EXPECT_EQ(2, dsm_sh(out, sizeof(out), "dsmctl frobnicate"));
	EXPECT_NE(NULL, strstr(out, "try")) TH_LOG("%s", out);
	EXPECT_EQ(2, dsm_sh(out, sizeof(out), "dsmctl region create x size 12Q"));
	EXPECT_EQ(2, dsm_sh(out, sizeof(out), "dsmctl region create x size 4097"));
	EXPECT_EQ(1, dsm_sh(out, sizeof(out), "dsmctl region show nosuch"));
	EXPECT_NE(NULL, strstr(out, "dsmctl region list")) TH_LOG("%s", out);
	EXPECT_EQ(1, dsm_sh(out, sizeof(out), "dsmctl region delete default"));
	EXPECT_EQ(4, dsmctl_as_nobody("region", "create", "x", "size", "4K"));
	EXPECT_EQ(0, dsmctl_as_nobody("region", "list", NULL, NULL, NULL));
	EXPECT_EQ(0, dsm_sh(out, sizeof(out), "dsmctl -j region list | jq -e ."));
}

/* Region @name's offset and size here, through DSM_IOC_REGION_INFO. */
static int region_info(int fd, const char *name, uint64_t *off,
		       uint64_t *size, uint32_t *model)
{
	struct dsm_region_info ri;

	memset(&ri, 0, sizeof(ri));
	snprintf(ri.name, sizeof(ri.name), "%s", name);
	if (ioctl(fd, DSM_IOC_REGION_INFO, &ri))
		return -errno;
	*off = ri.offset;
	*size = ri.size;
	*model = ri.model;
	return 0;
}

/* Wait until region @name exists here (replication); 0 or -errno. */
static int region_wait(int fd, const char *name, uint64_t *off,
		       uint64_t *size, uint32_t *model)
{
	double t0 = dsm_now();
	int ret;

	while ((ret = region_info(fd, name, off, size, model)) == -ENOENT &&
	       dsm_now() - t0 < REPL_TIMEOUT)
		usleep(100000);
	return ret;
}

/* The first byte of @p[0 .. @len) that is not @want, or -1. */
static long first_not(const volatile uint8_t *p, size_t len, uint8_t want)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != want)
			return (long)i;
	return -1;
}

#define REUSE_SIZE	(16 * DSM_PAGE)

/*
 * One round of reuse_zeroed: node @creator creates region @name of
 * @model; every node maps it and writes every byte of it with its own
 * value (an lrc region takes writes from all; in an sc region the last
 * writer's copy wins), then unmaps it; @creator deletes it and creates
 * @name2 of the other model, which first fit puts at the same offset in
 * its slice; every node reads it, mapped and with pread: every byte is
 * zero.
 */
static void reuse_round(struct __test_metadata *_metadata, int fd,
			int creator, const char *name, const char *model,
			const char *name2, const char *model2, int step)
{
	int id = dsm_node_id_env();
	uint64_t off, size, off2, size2;
	uint8_t buf[DSM_PAGE];
	char out[4096];
	uint32_t m;
	long bad;
	void *p;

	if (id == creator)
		ASSERT_EQ(0, dsm_sh(out, sizeof(out),
				    "dsmctl region create %s size %dK model %s",
				    name, REUSE_SIZE / 1024, model))
			TH_LOG("%s", out);
	ASSERT_EQ(0, region_wait(fd, name, &off, &size, &m));
	ASSERT_EQ(REUSE_SIZE, size);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);
	ASSERT_NE(MAP_FAILED, p);
	dsm_test_sync(step);
	/* All at once: in an sc region, writes of others may come after. */
	memset(p, 0x40 + id, size);
	dsm_test_sync(step + 1);
	ASSERT_EQ(0, munmap(p, size));
	dsm_test_sync(step + 2);
	if (id == creator)
		ASSERT_EQ(0, dsm_sh(out, sizeof(out), "dsmctl region delete %s",
				    name)) TH_LOG("%s", out);
	ASSERT_LE(0, dsm_sh_until(REPL_TIMEOUT, out, sizeof(out),
				  "! dsmctl region show %s", name))
		TH_LOG("region %s not deleted here", name);
	dsm_test_sync(step + 3);
	if (id == creator)
		ASSERT_EQ(0, dsm_sh(out, sizeof(out),
				    "dsmctl region create %s size %dK model %s",
				    name2, REUSE_SIZE / 1024, model2))
			TH_LOG("%s", out);
	ASSERT_EQ(0, region_wait(fd, name2, &off2, &size2, &m));
	EXPECT_EQ(off, off2) TH_LOG("%s (%s) is at %#llx, %s was at %#llx: "
				    "not the same offsets", name2, model2,
				    (unsigned long long)off2, name,
				    (unsigned long long)off);
	p = mmap(NULL, size2, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off2);
	ASSERT_NE(MAP_FAILED, p);
	bad = first_not(p, size2, 0);
	EXPECT_EQ(-1, bad) TH_LOG("node %d: %s (%s) at %s's offsets: byte %ld "
				  "is %#x, not 0 (stale data of the deleted "
				  "region)", id, name2, model2, name, bad,
				  bad < 0 ? 0 : ((uint8_t *)p)[bad]);
	ASSERT_EQ((ssize_t)sizeof(buf), pread(fd, buf, sizeof(buf),
					      off2 + size2 - DSM_PAGE));
	EXPECT_EQ(-1, first_not(buf, sizeof(buf), 0));
	munmap(p, size2);
	dsm_test_sync(step + 4);
	if (id == creator)
		EXPECT_EQ(0, dsm_sh(out, sizeof(out), "dsmctl region delete %s",
				    name2)) TH_LOG("%s", out);
	EXPECT_LE(0, dsm_sh_until(REPL_TIMEOUT, out, sizeof(out),
				  "! dsmctl region show %s", name2));
	dsm_test_sync(step + 5);
}

/*
 * A deleted region's offsets taken again, by a region of the other model:
 * it starts as zero pages on every node (sc then lrc, in node 2's slice;
 * lrc then sc, in node 0's, after the default region). Without the
 * teardown at deletion the old bytes showed through. (A deleted lrc
 * region's offsets are not given to a new lrc region: the rounds use
 * slices where none was.)
 */
TEST_F_TIMEOUT(control, reuse_zeroed, DSM_TEST_TIMEOUT(90))
{
	int fd = open(DSM_DEV, O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, fd);
	dsm_test_sync(50);
	reuse_round(_metadata, fd, 2, "reuse-a", "sc", "reuse-b", "lrc", 51);
	reuse_round(_metadata, fd, 0, "reuse-c", "lrc", "reuse-d", "sc", 61);
	close(fd);
}

/* Read *@p in a child: its wait status (SIGBUS expected). */
static int touch_in_child(volatile uint8_t *p)
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0)
		_exit(*p == 0x5a ? 0 : 1);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

/*
 * Node 0 maps region "busy"; its own deletion of it is refused (EBUSY,
 * dsmctl says why), and the region stays everywhere. Node 1, which does
 * not map it, deletes it: node 0's mapping is revoked (SIGBUS on access),
 * and new mmaps and reads of it fail with ENXIO.
 */
TEST_F_TIMEOUT(control, delete_while_mapped, DSM_TEST_TIMEOUT(60))
{
	int id = dsm_node_id_env(), fd, st;
	volatile uint8_t *p = NULL;
	uint64_t off, size;
	char out[4096], c;
	uint32_t m;

	fd = open(DSM_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	dsm_test_sync(70);
	if (id == 1)
		ASSERT_EQ(0, dsm_sh(out, sizeof(out),
				    "dsmctl region create busy size 8K model sc"))
			TH_LOG("%s", out);
	ASSERT_EQ(0, region_wait(fd, "busy", &off, &size, &m));
	if (id == 0) {
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			 off);
		ASSERT_NE(MAP_FAILED, (void *)p);
		p[0] = 0x5a;
		EXPECT_EQ(1, dsm_sh(out, sizeof(out),
				    "dsmctl region delete busy"));
		EXPECT_NE(NULL, strstr(out, "unmap it first"))
			TH_LOG("dsmctl said: %s", out);
		EXPECT_EQ(0, dsm_sh(out, sizeof(out), "dsmctl region show busy"))
			TH_LOG("deleted although mapped: %s", out);
		EXPECT_EQ(0x5a, p[0]);
	}
	dsm_test_sync(71);
	EXPECT_EQ(0, dsm_sh(out, sizeof(out), "dsmctl region show busy"))
		TH_LOG("node %d: region busy gone: %s", id, out);
	dsm_test_sync(72);
	if (id == 1)
		EXPECT_EQ(0, dsm_sh(out, sizeof(out),
				    "dsmctl region delete busy"))
			TH_LOG("%s", out);
	EXPECT_LE(0, dsm_sh_until(REPL_TIMEOUT, out, sizeof(out),
				  "! dsmctl region show busy"))
		TH_LOG("node %d: region busy not deleted", id);
	if (id == 0) {
		st = touch_in_child(p);
		EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGBUS)
			TH_LOG("access to the deleted region: status %#x, not "
			       "SIGBUS", st);
		EXPECT_EQ(0, munmap((void *)p, size));
		EXPECT_EQ(MAP_FAILED, mmap(NULL, size, PROT_READ, MAP_SHARED,
					   fd, off));
		EXPECT_EQ(ENXIO, errno);
		EXPECT_EQ(-1, pread(fd, &c, 1, off));
		EXPECT_EQ(ENXIO, errno);
	}
	close(fd);
	dsm_test_sync(73);
}

TEST_HARNESS_MAIN
