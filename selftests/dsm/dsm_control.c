// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_control - the control plane on every node of a 3-node cluster at
 * once, through the administrator's tools: dsmctl's JSON parses with jq
 * and shows every node up; a region created on node 1 appears on nodes 0
 * and 2 at the same offset and size, and its deletion on node 2 reaches
 * every node; dsmd reports a bad configuration line by number; dsmctl's
 * exit codes hold.
 */
#include <fcntl.h>
#include <signal.h>

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

TEST_F_TIMEOUT(control, region_replicated, DSM_TEST_TIMEOUT(60))
{
	int id = dsm_node_id_env();
	unsigned long long want = 1ULL * DSM_REGION_SLICE;
	char out[4096];

	dsm_test_sync(20);
	if (id == 1) {
		EXPECT_EQ(0, dsm_sh(out, sizeof(out),
				    "dsmctl -j region create repl size 64M model lrc "
				    "| jq -e '.offset == %llu and .size == 67108864'",
				    want)) TH_LOG("%s", out);
	}
	/* Every node, node 1 too: same offset, size, model and origin. */
	EXPECT_LE(0, dsm_sh_until(REPL_TIMEOUT, out, sizeof(out),
				  "dsmctl -j region show repl | jq -e "
				  "'.offset == %llu and .size == 67108864 and "
				  ".model == \"lrc\" and .origin == 1'", want))
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
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	self->monitor = pid;
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fd, 1);
		execlp("dsmctl", "dsmctl", "-j", "monitor", (char *)NULL);
		_exit(127);
	}
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

TEST_HARNESS_MAIN
