// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_stats.c - counters, and the debugfs directory that shows them.
 *
 * Counters are per-cpu u64s indexed by enum dsm_stat (dsm_internal.h);
 * incrementing one never takes a lock and is safe in any context. A read
 * sums the cpus; it is not a snapshot across counters. The names below are
 * what `dsmctl stats` and /sys/kernel/debug/dsm/stats print, so they are
 * part of what users see: never rename one.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/export.h>
#include <linux/inet.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>

#include "dsm_internal.h"
#include "dsm_model.h"

static const char * const dsm_stat_names[DSM_STAT_MSG_BY_TYPE] = {
	[DSM_STAT_NL_REQUESTS]		= "nl_requests",
	[DSM_STAT_NL_REJECTED]		= "nl_rejected",
	[DSM_STAT_NODE_UP]		= "node_up",
	[DSM_STAT_NODE_DOWN]		= "node_down",
	[DSM_STAT_NODE_RESTART]		= "node_restart",
	[DSM_STAT_HOME_TABLES]		= "home_tables",
	[DSM_STAT_HOME_MOVED]		= "home_moved",
	[DSM_STAT_HELLO_STALE]		= "hello_stale",
	[DSM_STAT_NODE_DAEMON_GONE]	= "node_daemon_gone",
	[DSM_STAT_REGION_CREATED]	= "region_created",
	[DSM_STAT_REGION_DELETED]	= "region_deleted",
	[DSM_STAT_REGION_CONFLICT]	= "region_conflict",
	[DSM_STAT_REGION_PAGES_RESET]	= "region_pages_reset",
	[DSM_STAT_EVENTS_SENT]		= "events_sent",
	[DSM_STAT_WAITERS_FAILED]	= "waiters_failed",
	[DSM_STAT_FAULT_READ]		= "fault_read",
	[DSM_STAT_FAULT_WRITE]		= "fault_write",
	[DSM_STAT_FAULT_COALESCED]	= "fault_coalesced",
	[DSM_STAT_FAULT_TIMEOUT]	= "fault_timeout",
	[DSM_STAT_FAULT_SIGBUS]		= "fault_sigbus",
	[DSM_STAT_RW_EIO]		= "rw_eio",
	[DSM_STAT_PAGE_FETCHED]		= "page_fetched",
	[DSM_STAT_PAGE_SENT]		= "page_sent",
	[DSM_STAT_INVAL_SENT]		= "inval_sent",
	[DSM_STAT_INVAL_RECV]		= "inval_recv",
	[DSM_STAT_GRANT_HOLD]		= "grant_hold",
	[DSM_STAT_READAHEAD]		= "readahead",
	[DSM_STAT_FAULT_MKWRITE]	= "fault_mkwrite",
	[DSM_STAT_FAULT_LOCAL]		= "fault_local",
	[DSM_STAT_FAULT_NET]		= "fault_net",
	[DSM_STAT_FAULT_RETRY]		= "fault_retry",
	[DSM_STAT_FAULT_STOLEN]		= "fault_stolen",
	[DSM_STAT_CONN_UP]		= "conn_up",
	[DSM_STAT_CONN_DOWN]		= "conn_down",
	[DSM_STAT_PEER_SOCKETS]		= "peer_sockets",
	[DSM_STAT_AUTH_BAD_FRAMES]	= "auth_bad_frames",
	[DSM_STAT_MSG_SEND_FAILED]	= "msg_send_failed",
	[DSM_STAT_RX_UNEXPECTED]	= "rx_unexpected",
	[DSM_STAT_RX_MALFORMED]		= "rx_malformed",
	[DSM_STAT_RX_REJECT_SHORT]	= "rx_reject_short",
	[DSM_STAT_RX_REJECT_LONG]	= "rx_reject_long",
	[DSM_STAT_RX_REJECT_MAGIC]	= "rx_reject_magic",
	[DSM_STAT_RX_REJECT_VERSION]	= "rx_reject_version",
	[DSM_STAT_RX_REJECT_TYPE]	= "rx_reject_type",
	[DSM_STAT_RX_REJECT_FLAGS]	= "rx_reject_flags",
	[DSM_STAT_RX_REJECT_MSGSIZE]	= "rx_reject_msgsize",
	[DSM_STAT_RX_REJECT_NODE]	= "rx_reject_node",
	[DSM_STAT_RX_REJECT_RESERVED]	= "rx_reject_reserved",
	[DSM_STAT_RX_REJECT_BODY_LEN]	= "rx_reject_body_len",
	[DSM_STAT_RX_REJECT_PAGE]	= "rx_reject_page",
	[DSM_STAT_RX_REJECT_ACCESS]	= "rx_reject_access",
	[DSM_STAT_RX_REJECT_FIELD]	= "rx_reject_field",
	[DSM_STAT_RX_REJECT_NR_NODES]	= "rx_reject_nr_nodes",
	[DSM_STAT_RX_REJECT_COUNT]	= "rx_reject_count",
	[DSM_STAT_RX_REJECT_INTERVAL]	= "rx_reject_interval",
	[DSM_STAT_RX_REJECT_ORDER]	= "rx_reject_order",
	[DSM_STAT_RX_REJECT_DIFF]	= "rx_reject_diff",
	[DSM_STAT_MSG_TX_OTHER]		= "msg_tx_other",
	[DSM_STAT_MSG_RX_OTHER]		= "msg_rx_other",
	[DSM_STAT_LRC_INTERVALS]	= "lrc_intervals",
	[DSM_STAT_LRC_NOTICES_SENT]	= "lrc_notices_sent",
	[DSM_STAT_LRC_NOTICES_RECV]	= "lrc_notices_recv",
	[DSM_STAT_LRC_TWINS]		= "lrc_twins",
	[DSM_STAT_LRC_TWINS_SKIPPED]	= "lrc_twins_skipped",
	[DSM_STAT_LRC_TWINS_KEPT]	= "lrc_twins_kept",
	[DSM_STAT_LRC_DIFFS_MADE]	= "lrc_diffs_made",
	[DSM_STAT_LRC_DIFF_BYTES_MADE]	= "lrc_diff_bytes_made",
	[DSM_STAT_LRC_DIFF_MAKE_NS]	= "lrc_diff_make_ns",
	[DSM_STAT_LRC_DIFFS_APPLIED]	= "lrc_diffs_applied",
	[DSM_STAT_LRC_DIFF_BYTES_APPLIED]	= "lrc_diff_bytes_applied",
	[DSM_STAT_LRC_DIFF_REQ_SENT]	= "lrc_diff_req_sent",
	[DSM_STAT_LRC_LOCK_ACQUIRE_LOCAL]	= "lrc_lock_acquire_local",
	[DSM_STAT_LRC_LOCK_ACQUIRE_REMOTE]	= "lrc_lock_acquire_remote",
	[DSM_STAT_LRC_LOCK_WAIT_US]	= "lrc_lock_wait_us",
	[DSM_STAT_LRC_BARRIER_WAITS]	= "lrc_barrier_waits",
	[DSM_STAT_LRC_BARRIER_WAIT_US]	= "lrc_barrier_wait_us",
	[DSM_STAT_LRC_FETCHES]		= "lrc_fetches",
	[DSM_STAT_LRC_FETCH_WAIT_US]	= "lrc_fetch_wait_us",
	[DSM_STAT_LRC_PREFETCHES]	= "lrc_prefetches",
	[DSM_STAT_LRC_SERVES]		= "lrc_serves",
	[DSM_STAT_LRC_SERVE_US]		= "lrc_serve_us",
	[DSM_STAT_LRC_CLOSE_US]		= "lrc_close_us",
	[DSM_STAT_LRC_LEARN_US]		= "lrc_learn_us",
	[DSM_STAT_LRC_PUSH_SENT]	= "lrc_push_sent",
	[DSM_STAT_LRC_PUSH_STOPPED]	= "lrc_push_stopped",
	[DSM_STAT_LRC_PUSH_STORED]	= "lrc_push_stored",
	[DSM_STAT_LRC_PUSH_USED]	= "lrc_push_used",
	[DSM_STAT_LRC_PUSH_UNUSED]	= "lrc_push_unused",
	[DSM_STAT_LRC_PUSH_REFUSED]	= "lrc_push_refused",
	[DSM_STAT_LRC_GC_RUNS]		= "lrc_gc_runs",
	[DSM_STAT_LRC_GC_BYTES_FREED]	= "lrc_gc_bytes_freed",
	[DSM_STAT_LRC_DATA_BYTES]	= "lrc_data_bytes",
	[DSM_STAT_LRC_LOCKS_HELD]	= "lrc_locks_held",
	[DSM_STAT_LRC_BARRIERS_HELD]	= "lrc_barriers_held",
	[DSM_STAT_LRC_MGR_TIMEOUTS]	= "lrc_mgr_timeouts",
	[DSM_STAT_LRC_LATE_GRANTS]	= "lrc_late_grants",
	[DSM_STAT_LRC_TOKENS_RECREATED]	= "lrc_tokens_recreated",
	[DSM_STAT_LRC_OWNER_DEAD]	= "lrc_owner_dead",
	[DSM_STAT_LRC_OWNER_DEAD_IVS]	= "lrc_owner_dead_ivs",
	[DSM_STAT_LRC_TOKEN_LEFT]	= "lrc_token_left",
	[DSM_STAT_LRC_TOKENS_GIVEN_UP]	= "lrc_tokens_given_up",
	[DSM_STAT_LRC_REJOINS]		= "lrc_rejoins",
	[DSM_STAT_LRC_KEPT_LEARNED]	= "lrc_kept_learned",
	[DSM_STAT_LRC_LOCK_STATES]	= "lrc_lock_states",
	[DSM_STAT_LRC_LOCK_RESENT]	= "lrc_lock_resent",
	[DSM_STAT_LRC_DIFFS_LOST]	= "lrc_diffs_lost",
	[DSM_STAT_LRC_BACKUP_SENT]	= "lrc_backup_sent",
	[DSM_STAT_LRC_BACKUP_BYTES]	= "lrc_backup_bytes",
	[DSM_STAT_LRC_BACKUP_SKIPPED]	= "lrc_backup_skipped",
	[DSM_STAT_LRC_BACKUP_STORED]	= "lrc_backup_stored",
	[DSM_STAT_LRC_BACKUP_SERVED]	= "lrc_backup_served",
	[DSM_STAT_LRC_BACKUP_DROPPED]	= "lrc_backup_dropped",
	[DSM_STAT_LRC_BACKUP_LOCAL]	= "lrc_backup_local",
	[DSM_STAT_MGR_REQUESTS]	= "mgr_requests",
	[DSM_STAT_MGR_REPLIES]		= "mgr_replies",
	[DSM_STAT_LOCK_FORWARDS]	= "lock_forwards",
	[DSM_STAT_RX_WRONG_SENDER]	= "rx_wrong_sender",
	[DSM_STAT_RX_NO_REGION]		= "rx_no_region",
	[DSM_STAT_RX_QUEUE_FULL]	= "rx_queue_full",
	[DSM_STAT_RX_BAD_VT]		= "rx_bad_vt",
	[DSM_STAT_REQ_RESENT]		= "req_resent",
	[DSM_STAT_HOME_TXN_EXPIRED]	= "home_txn_expired",
	[DSM_STAT_PAGE_OWNER_PROMOTED]	= "page_owner_promoted",
	[DSM_STAT_GRANT_REFUSED]	= "grant_refused",
	[DSM_STAT_HOME_TXN_REFUSED]	= "home_txn_refused",
	[DSM_STAT_HOME_FWD_FAILED]	= "home_fwd_failed",
	[DSM_STAT_PAGE_GIVEN_BACK]	= "page_given_back",
	[DSM_STAT_PAGE_RX_INPLACE]	= "page_rx_inplace",
	[DSM_STAT_PAGE_RX_COPIED]	= "page_rx_copied",
	[DSM_STAT_PAGE_RX_UNUSED]	= "page_rx_unused",
	[DSM_STAT_RDMA_RX_PAGE_ZERO_COPY] = "rdma_rx_page_zero_copy",
	[DSM_STAT_RDMA_RX_PAGE_COPIED]	= "rdma_rx_page_copied",
	[DSM_STAT_FAULT_RD_TIMED]	= "fault_rd_timed",
	[DSM_STAT_FAULT_RD_ISSUE_NS]	= "fault_rd_issue_ns",
	[DSM_STAT_FAULT_RD_REMOTE_NS]	= "fault_rd_remote_ns",
	[DSM_STAT_FAULT_RD_INSTALL_NS]	= "fault_rd_install_ns",
	[DSM_STAT_FAULT_RD_WAKE_NS]	= "fault_rd_wake_ns",
	[DSM_STAT_FAULT_WR_TIMED]	= "fault_wr_timed",
	[DSM_STAT_FAULT_WR_ISSUE_NS]	= "fault_wr_issue_ns",
	[DSM_STAT_FAULT_WR_REMOTE_NS]	= "fault_wr_remote_ns",
	[DSM_STAT_FAULT_WR_INSTALL_NS]	= "fault_wr_install_ns",
	[DSM_STAT_FAULT_WR_WAKE_NS]	= "fault_wr_wake_ns",
	[DSM_STAT_SERVE_PAGE_REQ]	= "serve_page_req",
	[DSM_STAT_SERVE_PAGE_REQ_NS]	= "serve_page_req_ns",
	[DSM_STAT_HOT_REPLACED]		= "hot_replaced",
	[DSM_STAT_SHARE_SAMPLES]	= "share_samples",
	[DSM_STAT_SHARE_FALSE]		= "share_false",
	[DSM_STAT_SHARE_TRUE]		= "share_true",
	[DSM_STAT_SHARE_EVENTS]		= "share_events",
	[DSM_STAT_SHARE_EVENTS_LIMITED]	= "share_events_limited",
	[DSM_STAT_HOME_STALE_NACKS]	= "home_stale_nacks",
	[DSM_STAT_HOME_STALE_RETRIES]	= "home_stale_retries",
	[DSM_STAT_HOME_STALE_FAILED]	= "home_stale_failed",
	[DSM_STAT_HOME_HELD]		= "home_held",
	[DSM_STAT_HOME_HELD_DROPPED]	= "home_held_dropped",
	[DSM_STAT_HOME_MSG_HELD]	= "home_msg_held",
	[DSM_STAT_HOME_XFER_OUT]	= "home_xfer_out",
	[DSM_STAT_HOME_XFER_IN]		= "home_xfer_in",
	[DSM_STAT_HOME_XFER_ENTRIES]	= "home_xfer_entries",
	[DSM_STAT_HOME_XFER_REFUSED]	= "home_xfer_refused",
	[DSM_STAT_HOME_XFER_EMPTY]	= "home_xfer_empty",
	[DSM_STAT_HOME_XFER_WAITED]	= "home_xfer_waited",
	[DSM_STAT_HOME_ADAPT_WISHES]	= "home_adapt_wishes",
	[DSM_STAT_HOME_ADAPT_IN]	= "home_adapt_in",
	[DSM_STAT_REHOME_BUCKETS]	= "rehome_buckets",
	[DSM_STAT_REHOME_PAGES]		= "rehome_pages",
	[DSM_STAT_REHOME_SILENT]	= "rehome_silent",
	[DSM_STAT_REHOME_REFUSED]	= "rehome_refused",
	[DSM_STAT_PAGE_LOST]		= "page_lost",
	[DSM_STAT_SHADOW_REQUERY]	= "shadow_requery",
	[DSM_STAT_FAULT_FAILOVER_WAIT]	= "fault_failover_wait",
	[DSM_STAT_SHADOW_PROMOTED]	= "shadow_promoted",
	[DSM_STAT_SHADOW_PUSHED]	= "shadow_pushed",
	[DSM_STAT_SHADOW_PUSH_FAILED]	= "shadow_push_failed",
	[DSM_STAT_SHADOW_WRITTEN_BACK]	= "shadow_written_back",
	[DSM_STAT_SHADOW_REREPLICATED]	= "shadow_rereplicated",
	[DSM_STAT_SHADOW_STORED]	= "shadow_stored",
	[DSM_STAT_SHADOW_REFUSED]	= "shadow_refused",
	[DSM_STAT_FRAMES]		= "frames",
	[DSM_STAT_FRAMES_DROPPED]	= "frames_dropped",
	[DSM_STAT_SHADOW_DROP_KEPT]	= "shadow_drop_kept",
	[DSM_STAT_FENCES]		= "fences",
	[DSM_STAT_FENCE_REJOINS]	= "fence_rejoins",
	[DSM_STAT_FENCED_FAULTS]	= "fenced_faults",
	[DSM_STAT_LEAVE_PAGES]		= "leave_pages",
};

/* The names of the counters by type, made from the types' names. */
static char dsm_stat_type_names[4 * DSM_MSG_TYPE_MAX][32];

void dsm_stats_init(void)
{
	static const char * const kinds[] = {
		"msg_tx", "bytes_tx", "msg_rx", "bytes_rx",
	};
	unsigned int k, t;

	for (k = 0; k < ARRAY_SIZE(kinds); k++)
		for (t = 1; t <= DSM_MSG_TYPE_MAX; t++)
			snprintf(dsm_stat_type_names[k * DSM_MSG_TYPE_MAX + t - 1],
				 sizeof(dsm_stat_type_names[0]), "%s_%s",
				 kinds[k], dsm_wire_type_name(t));
}

struct dsm_stat_set {
	u64 v[DSM_STAT_NR];
};

static DEFINE_PER_CPU(struct dsm_stat_set, dsm_stats);

void dsm_stat_inc(enum dsm_stat stat)
{
	this_cpu_inc(dsm_stats.v[stat]);
}
EXPORT_SYMBOL_GPL(dsm_stat_inc);	/* dsm_rdma.ko: auth_bad_frames, rdma_rx_page_* */

void dsm_stat_add(enum dsm_stat stat, u64 n)
{
	this_cpu_add(dsm_stats.v[stat], n);
}

u64 dsm_stat_read(enum dsm_stat stat)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu(dsm_stats, cpu).v[stat]);
	return sum;
}

const char *dsm_stat_name(enum dsm_stat stat)
{
	if (stat >= DSM_STAT_MSG_BY_TYPE)
		return dsm_stat_type_names[stat - DSM_STAT_MSG_BY_TYPE];
	return dsm_stat_names[stat];
}

/* debugfs: /sys/kernel/debug/dsm/{stats,nodes,regions}. */

static struct dentry *dsm_debugfs_dir;

static int dsm_debugfs_stats_show(struct seq_file *m, void *v)
{
	int i;

	for (i = 0; i < DSM_STAT_NR; i++)
		seq_printf(m, "%s %llu\n", dsm_stat_name(i),
			   dsm_stat_read(i));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(dsm_debugfs_stats);

static const char * const dsm_state_names[] = {
	[DSM_NODE_STATE_UNKNOWN]	= "unknown",
	[DSM_NODE_STATE_UP]		= "up",
	[DSM_NODE_STATE_DOWN]		= "down",
};

static int dsm_debugfs_nodes_show(struct seq_file *m, void *v)
{
	struct dsm_node *n;
	u32 id;

	mutex_lock(&dsm_cluster.lock);
	if (dsm_cluster.configured)
		seq_printf(m, "cluster %s local %u\n", dsm_cluster.name,
			   dsm_cluster.local);
	seq_printf(m, "home_epoch %llu\n", dsm_home_epoch());
	for (id = 0; id < DSM_NODES_MAX; id++) {
		n = &dsm_cluster.nodes[id];
		if (!n->present)
			continue;
		if (n->v6)
			seq_printf(m, "node %u [%pI6c]:%u", id, &n->addr6,
				   n->port);
		else
			seq_printf(m, "node %u %pI4:%u", id, &n->addr4,
				   n->port);
		seq_printf(m, " %s incarnation %llu\n",
			   dsm_state_names[n->state], n->incarnation);
	}
	mutex_unlock(&dsm_cluster.lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(dsm_debugfs_nodes);

static int dsm_debugfs_regions_show(struct seq_file *m, void *v)
{
	struct dsm_region *r;

	mutex_lock(&dsm_cluster.lock);
	list_for_each_entry(r, &dsm_cluster.regions, list)
		seq_printf(m, "%s offset 0x%llx size 0x%llx model %s origin %u\n",
			   r->name, r->offset, r->size,
			   r->model == DSM_MODEL_LRC ? "lrc" : "sc", r->origin);
	mutex_unlock(&dsm_cluster.lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(dsm_debugfs_regions);

/* debugfs failures are not errors: the files are a convenience. */
void dsm_debugfs_init(void)
{
	dsm_debugfs_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("stats", 0444, dsm_debugfs_dir, NULL,
			    &dsm_debugfs_stats_fops);
	debugfs_create_file("nodes", 0444, dsm_debugfs_dir, NULL,
			    &dsm_debugfs_nodes_fops);
	debugfs_create_file("regions", 0444, dsm_debugfs_dir, NULL,
			    &dsm_debugfs_regions_fops);
}

void dsm_debugfs_exit(void)
{
	debugfs_remove_recursive(dsm_debugfs_dir);
}
