/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_internal.h - the module's one internal header.
 *
 * Shared state and prototypes, grouped by the file that defines them.
 * Every field shared between contexts says which lock protects it.
 *
 * Lock order, outermost first: a lock may be taken while holding locks
 * above it, never one below it. Each lock's comment says what it guards.
 *   genl_mutex (netlink handlers); mmap_lock or the per-VMA lock (faults)
 *   dsm_lrc.bar_mutex	one lrc barrier at a time (dsm_lrc.h)
 *   bk.send_mutex	one lrc backup push at a time (dsm_lrc_backup.c)
 *   folio lock		of a page's frame
 *   dsm_lrc.lock	lrc intervals, VT, locks, notices (dsm_lrc.h)
 *   dsm_cluster.lock	membership and regions (below)
 *   dsm_mem.alloc_lock	giving a page its frame (dsm_mem.c)
 *   dsm_pg.lock	a page's access, request, directory (dsm_model.h)
 *   dsm_members.lock	the membership as the data path sees it
 *			(dsm_members.h)
 *   dsm_lrc.wait_lock	lrc waits for replies (dsm_lrc.h)
 *   dsm_hot.lock	hot page tables (dsm_hot.c), a leaf
 *   dsm_hot_locks.lock	the hot lock table (dsm_hot_lock.c), a leaf
 *   dsm_adapt.lock	adaptive homes' streaks and wishes (dsm_sc_adapt.c),
 *			a leaf
 *   bk.store_lock, bk.wait_lock	the lrc backup store and a push's
 *			wait for its ack (dsm_lrc_backup.c), leaves
 * The transport's locks are apart from these, in this order:
 *   dsm_transport_mutex	the registry and its sync work (dsm_transport.c)
 *   dsm_tcp_peer.lock	setting up and tearing down a TCP connection
 *   dsm_tcp_peer.tx_lock	TCP senders
 *   the socket lock (lock_sock())
 *   dsm_tcp_peer.state_lock	what the core wants of a peer
 * Fault injection's locks (dsm_inject.c, only with inject=1), apart
 * from both lists:
 *   dsm_inject.write_mutex	writers of debugfs dsm/fault; only
 *				dsm_inject.lock is taken inside it
 *   dsm_inject.lock		the rules, stalls, delayed messages: a leaf
 *				spinlock (senders and receive threads take
 *				it; nothing is taken inside it), never held
 *				across a sleep
 * The spinlocks (dsm_pg.lock, dsm_members.lock, dsm_lrc.wait_lock,
 * dsm_hot.lock, dsm_hot_locks.lock, dsm_adapt.lock,
 * dsm_tcp_peer.state_lock) are never held across a sleep. Nothing waits
 * on the network holding a lock of the first list (but the two lrc
 * mutexes that serialise a barrier and a backup push, which wait for
 * their replies under them): requests are sent and
 * waited for with none held, and message handlers send only after
 * dropping dsm_pg.lock. The mapping's i_mmap_rwsem and page table locks
 * are taken by unmap_mapping_range() under the folio lock, as truncate
 * does.
 */
#ifndef _DSM_INTERNAL_H
#define _DSM_INTERNAL_H

#include <linux/types.h>
#include <linux/fs.h>
#include <linux/uidgid.h>
#include <linux/in6.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/dsm.h>

#include "dsm_compat.h"
#include "core/dsm_wire.h"

#define DSM_MODULE_VERSION	"0.1.0"

/**
 * struct dsm_file - per open file description of /dev/dsm.
 * @flags:	reserved for per-open state. The lrc locks a file holds
 *		are recorded in the lrc lock table (dsm_lrc_lock.c;
 *		holder == the file) and released when it is closed.
 * @fence_gen:	the incarnation generation at open (dsm_fence.c): after
 *		this node rejoins as a new incarnation, accesses through a
 *		file opened before fail until it is reopened.
 */
struct dsm_file {
	u64 flags;
	u32 fence_gen;
};

/* dsm_main.c */
extern const struct file_operations dsm_fops;

/* dsm_auth.c: HMAC-SHA256 for core/dsm_auth.c, self-tested at load. */
int dsm_auth_init(void);
void dsm_auth_exit(void);

/* dsm_stats.c: counters, exported by netlink (STATS_GET) and debugfs. */

/*
 * One entry per counter; dsm_stat_names[] in dsm_stats.c gives each its
 * name. Append new counters here and there: userspace learns the names
 * from the dump, so adding one needs no uapi change.
 */
enum dsm_stat {
	DSM_STAT_NL_REQUESTS,		/* netlink requests handled */
	DSM_STAT_NL_REJECTED,		/* of them, refused by a handler */
	DSM_STAT_NODE_UP,		/* node up transitions */
	DSM_STAT_NODE_DOWN,		/* node down transitions */
	DSM_STAT_NODE_RESTART,		/* nodes back with a new incarnation */
	DSM_STAT_HOME_TABLES,		/* home tables adopted (HOME_SET) */
	DSM_STAT_HOME_MOVED,		/* pages that took a new home from one */
	DSM_STAT_HELLO_STALE,		/* data links of an unreported incarnation */
	DSM_STAT_NODE_DAEMON_GONE,	/* nodes made unknown: dsmd exited */
	DSM_STAT_REGION_CREATED,	/* regions created, replicas too */
	DSM_STAT_REGION_DELETED,	/* regions deleted, replicas too */
	DSM_STAT_REGION_CONFLICT,	/* replicas refused or replaced */
	DSM_STAT_REGION_PAGES_RESET,	/* pages reset: their region went */
	DSM_STAT_EVENTS_SENT,		/* events multicast to listeners */
	DSM_STAT_WAITERS_FAILED,	/* waits failed because a node died */

	/* The sc protocol and the fault path (dsm_mem.c, dsm_sc.c). */
	DSM_STAT_FAULT_READ,		/* read faults on dsm mappings */
	DSM_STAT_FAULT_WRITE,		/* write faults and first writes */
	DSM_STAT_FAULT_COALESCED,	/* faults that joined a request */
	DSM_STAT_FAULT_TIMEOUT,		/* waits that hit fault_timeout_ms */
	DSM_STAT_FAULT_SIGBUS,		/* faults ended with SIGBUS */
	DSM_STAT_RW_EIO,		/* read/write ended with EIO */
	DSM_STAT_PAGE_FETCHED,		/* pages received with data */
	DSM_STAT_PAGE_SENT,		/* pages sent with data */
	DSM_STAT_INVAL_SENT,		/* INVAL sent (by a home) */
	DSM_STAT_INVAL_RECV,		/* INVAL received */
	DSM_STAT_GRANT_HOLD,		/* INVAL/FWD delayed for local use */
	DSM_STAT_READAHEAD,		/* read requests started ahead */
	DSM_STAT_FAULT_MKWRITE,		/* first writes to a read-only PTE */
	DSM_STAT_FAULT_LOCAL,		/* faults served with no wait */
	DSM_STAT_FAULT_NET,		/* faults that sent a request */
	DSM_STAT_FAULT_RETRY,		/* faults again after a wait */
	DSM_STAT_FAULT_STOLEN,		/* retries that found the page gone */

	/* Transport and messages (dsm_transport.c, dsm_msg.c). */
	DSM_STAT_CONN_UP,		/* data connections established */
	DSM_STAT_CONN_DOWN,		/* data connections lost or closed */
	DSM_STAT_PEER_SOCKETS,		/* sockets dsmd handed over */
	DSM_STAT_AUTH_BAD_FRAMES,	/* frames whose tag was wrong */
	DSM_STAT_MSG_SEND_FAILED,	/* messages that could not be sent */
	DSM_STAT_RX_UNEXPECTED,		/* valid messages that made no sense */
	DSM_STAT_RX_MALFORMED,		/* messages refused by the decoder */
	/* ... of them, by reason, in enum dsm_wire_reject order */
	DSM_STAT_RX_REJECT_SHORT,
	DSM_STAT_RX_REJECT_LONG,
	DSM_STAT_RX_REJECT_MAGIC,
	DSM_STAT_RX_REJECT_VERSION,
	DSM_STAT_RX_REJECT_TYPE,
	DSM_STAT_RX_REJECT_FLAGS,
	DSM_STAT_RX_REJECT_MSGSIZE,
	DSM_STAT_RX_REJECT_NODE,
	DSM_STAT_RX_REJECT_RESERVED,
	DSM_STAT_RX_REJECT_BODY_LEN,
	DSM_STAT_RX_REJECT_PAGE,
	DSM_STAT_RX_REJECT_ACCESS,
	DSM_STAT_RX_REJECT_FIELD,
	DSM_STAT_RX_REJECT_NR_NODES,
	DSM_STAT_RX_REJECT_COUNT,
	DSM_STAT_RX_REJECT_INTERVAL,
	DSM_STAT_RX_REJECT_ORDER,
	DSM_STAT_RX_REJECT_DIFF,
	DSM_STAT_MSG_TX_OTHER,		/* messages of other types sent */
	DSM_STAT_MSG_RX_OTHER,		/* ... received */

	/* lrc (dsm_lrc*.c), Documentation/lrc.md "Counters". */
	DSM_STAT_LRC_INTERVALS,		/* own intervals closed */
	DSM_STAT_LRC_NOTICES_SENT,	/* write notices sent (grant, arrive) */
	DSM_STAT_LRC_NOTICES_RECV,	/* write notices learned */
	DSM_STAT_LRC_TWINS,		/* twins made */
	DSM_STAT_LRC_TWINS_SKIPPED,	/* first writes alone: no twin */
	DSM_STAT_LRC_TWINS_KEPT,	/* closed twins kept, not diffed */
	DSM_STAT_LRC_DIFFS_MADE,	/* diffs made */
	DSM_STAT_LRC_DIFF_BYTES_MADE,	/* ... their bytes */
	DSM_STAT_LRC_DIFF_MAKE_NS,	/* ... the time making them, ns */
	DSM_STAT_LRC_DIFFS_APPLIED,	/* diffs applied */
	DSM_STAT_LRC_DIFF_BYTES_APPLIED, /* ... their bytes */
	DSM_STAT_LRC_DIFF_REQ_SENT,	/* DIFF_REQs sent */
	DSM_STAT_LRC_LOCK_ACQUIRE_LOCAL, /* acquires with no message */
	DSM_STAT_LRC_LOCK_ACQUIRE_REMOTE, /* acquires through the manager */
	DSM_STAT_LRC_LOCK_WAIT_US,	/* time in acquires, us */
	DSM_STAT_LRC_BARRIER_WAITS,	/* barrier arrivals */
	DSM_STAT_LRC_BARRIER_WAIT_US,	/* time in barriers, us */
	DSM_STAT_LRC_FETCHES,		/* fetches that sent DIFF_REQs */
	DSM_STAT_LRC_FETCH_WAIT_US,	/* their sends to the last reply, us */
	DSM_STAT_LRC_PREFETCHES,	/* fetches started after a barrier */
	DSM_STAT_LRC_SERVES,		/* DIFF_REQs served (or refused) */
	DSM_STAT_LRC_SERVE_US,		/* their handling, reply sent, us */
	DSM_STAT_LRC_CLOSE_US,		/* intervals ended, pages protected, us */
	DSM_STAT_LRC_LEARN_US,		/* releases and grants learned, us */
	DSM_STAT_LRC_PUSH_SENT,		/* DIFF_PUSHes sent */
	DSM_STAT_LRC_PUSH_STOPPED,	/* pages their readers refused */
	DSM_STAT_LRC_PUSH_STORED,	/* pushed diffs kept here */
	DSM_STAT_LRC_PUSH_USED,		/* ... taken by a fetch */
	DSM_STAT_LRC_PUSH_UNUSED,	/* ... dropped, late or not kept */
	DSM_STAT_LRC_PUSH_REFUSED,	/* DIFF_PUSHes dropped whole */
	DSM_STAT_LRC_GC_RUNS,		/* collections done */
	DSM_STAT_LRC_GC_BYTES_FREED,	/* bytes they freed */
	DSM_STAT_LRC_DATA_BYTES,	/* consistency data held now */
	DSM_STAT_LRC_LOCKS_HELD,	/* lock table entries now */
	DSM_STAT_LRC_BARRIERS_HELD,	/* barrier arrivals with state now */
	DSM_STAT_LRC_MGR_TIMEOUTS,	/* waits for dsmd over mgr_timeout_ms */
	DSM_STAT_LRC_LATE_GRANTS,	/* grants learned after their wait */
	DSM_STAT_LRC_TOKENS_RECREATED,	/* tokens re-created for a forward */
	DSM_STAT_LRC_OWNER_DEAD,	/* acquires that returned EOWNERDEAD */
	/* Intervals learned by them and by TOKEN_LEFT ones (IV_REQ). */
	DSM_STAT_LRC_OWNER_DEAD_IVS,
	DSM_STAT_LRC_TOKEN_LEFT,	/* acquires of a token a node left */
	DSM_STAT_LRC_TOKENS_GIVEN_UP,	/* free tokens given up on leaving */
	DSM_STAT_LRC_REJOINS,		/* restarted nodes back in lrc */
	DSM_STAT_LRC_KEPT_LEARNED,	/* lost writers' kept intervals learned */
	DSM_STAT_LRC_LOCK_STATES,	/* LOCK_STATEs told a new manager */
	DSM_STAT_LRC_LOCK_RESENT,	/* requests sent again to a new one */
	DSM_STAT_LRC_DIFFS_LOST,	/* diffs only a lost node had, dropped */
	DSM_STAT_LRC_BACKUP_SENT,	/* DIFF_BACKUPs acked */
	DSM_STAT_LRC_BACKUP_BYTES,	/* ... their bytes */
	DSM_STAT_LRC_BACKUP_SKIPPED,	/* intervals with no live backup */
	DSM_STAT_LRC_BACKUP_STORED,	/* other writers' diffs kept here */
	DSM_STAT_LRC_BACKUP_SERVED,	/* ... served for a lost writer */
	DSM_STAT_LRC_BACKUP_DROPPED,	/* ... dropped by a collection */
	DSM_STAT_LRC_BACKUP_LOCAL,	/* ... used here, a live writer's */
	DSM_STAT_MGR_REQUESTS,		/* MGR_REQUESTs sent to dsmd */
	DSM_STAT_MGR_REPLIES,		/* MGR_REPLYs accepted */
	DSM_STAT_LOCK_FORWARDS,		/* LOCK_FORWARDs accepted */

	/* Peers' messages refused (Documentation/protocol.md "Checks"). */
	DSM_STAT_RX_WRONG_SENDER,	/* not from the node the state expects */
	DSM_STAT_RX_NO_REGION,		/* naming a page outside every region */
	DSM_STAT_RX_QUEUE_FULL,		/* PAGE_REQ of a node already queued */
	DSM_STAT_RX_BAD_VT,		/* timestamps claiming our future */
	DSM_STAT_REQ_RESENT,		/* requests sent again (no region yet) */
	DSM_STAT_HOME_TXN_EXPIRED,	/* home transactions that timed out */
	DSM_STAT_PAGE_OWNER_PROMOTED,	/* dead owners replaced by a copy */
	DSM_STAT_GRANT_REFUSED,		/* grants nobody here asked for */
	DSM_STAT_HOME_TXN_REFUSED,	/* home transactions whose grant was refused */
	DSM_STAT_HOME_FWD_FAILED,	/* ... whose owner did not serve */
	DSM_STAT_PAGE_GIVEN_BACK,	/* copies handed over and given back */

	/* Grants' pages received (dsm_sc.c), Documentation/sc.md. */
	DSM_STAT_PAGE_RX_INPLACE,	/* received into the page made frame */
	DSM_STAT_PAGE_RX_COPIED,	/* copied into the frame */
	DSM_STAT_PAGE_RX_UNUSED,	/* received into a page, not installed */
	/* Grants' pages that came in an RDMA receive slot's page. */
	DSM_STAT_RDMA_RX_PAGE_ZERO_COPY,	/* that page given to the core */
	DSM_STAT_RDMA_RX_PAGE_COPIED,	/* copied out of it */
	/*
	 * Where a remote fault's time goes (dsm_req_account()): faults that
	 * started a request and got their page, and the nanoseconds from the
	 * request's creation to its send returning (issue), to its answer's
	 * handler (remote: the wire both ways and the serving node's work),
	 * to its completion (install), to the fault running again (wake).
	 */
	DSM_STAT_FAULT_RD_TIMED,
	DSM_STAT_FAULT_RD_ISSUE_NS,
	DSM_STAT_FAULT_RD_REMOTE_NS,
	DSM_STAT_FAULT_RD_INSTALL_NS,
	DSM_STAT_FAULT_RD_WAKE_NS,
	DSM_STAT_FAULT_WR_TIMED,
	DSM_STAT_FAULT_WR_ISSUE_NS,
	DSM_STAT_FAULT_WR_REMOTE_NS,
	DSM_STAT_FAULT_WR_INSTALL_NS,
	DSM_STAT_FAULT_WR_WAKE_NS,
	/* PAGE_REQ from other nodes handled here, and the time it took. */
	DSM_STAT_SERVE_PAGE_REQ,
	DSM_STAT_SERVE_PAGE_REQ_NS,

	/* Hot pages and sharing (dsm_hot.c), Documentation/sharing.md. */
	DSM_STAT_HOT_REPLACED,		/* listed pages replaced by others */
	DSM_STAT_SHARE_SAMPLES,		/* writers' blocks compared */
	DSM_STAT_SHARE_FALSE,		/* ... disjoint: false sharing */
	DSM_STAT_SHARE_TRUE,		/* ... overlapping: true sharing */
	DSM_STAT_SHARE_EVENTS,		/* PAGE_HOT, PAGE_FALSE_SHARING queued */
	DSM_STAT_SHARE_EVENTS_LIMITED,	/* ... refused: rate or queue full */

	/* Home-table epochs on sc's page requests (dsm_sc_epoch.c). */
	DSM_STAT_HOME_STALE_NACKS,	/* PAGE_REQs refused: older epoch */
	DSM_STAT_HOME_STALE_RETRIES,	/* ours sent again at the newer one */
	DSM_STAT_HOME_STALE_FAILED,	/* ours given up: no newer table here */
	DSM_STAT_HOME_HELD,		/* PAGE_REQs of a newer epoch held */
	DSM_STAT_HOME_HELD_DROPPED,	/* ... dropped: no table, or too new */
	DSM_STAT_HOME_MSG_HELD,		/* FWD, INVAL of a newer home: held */

	/* Buckets moved at run time (dsm_sc_xfer.c, HOME_XFER). */
	DSM_STAT_HOME_XFER_OUT,		/* buckets handed over to a new home */
	DSM_STAT_HOME_XFER_IN,		/* buckets taken over from the old */
	DSM_STAT_HOME_XFER_ENTRIES,	/* directory entries sent or installed */
	DSM_STAT_HOME_XFER_REFUSED,	/* HOME_XFERs refused (sender, epoch) */
	DSM_STAT_HOME_XFER_EMPTY,	/* moves not done: too many pending */
	DSM_STAT_HOME_XFER_WAITED,	/* drains past ft/2: forwarded txn */
	DSM_STAT_HOME_ADAPT_WISHES,	/* buckets wished moved (HOME_WANT) */
	DSM_STAT_HOME_ADAPT_IN,		/* buckets moved here for their use */

	/* Buckets rebuilt from the survivors (dsm_sc_rehome.c, DIR_QUERY). */
	DSM_STAT_REHOME_BUCKETS,	/* buckets rebuilt here */
	DSM_STAT_REHOME_PAGES,		/* their pages given an entry */
	DSM_STAT_REHOME_SILENT,		/* members that did not answer */
	DSM_STAT_REHOME_REFUSED,	/* DIR_QUERYs, DIR_REPLYs refused */
	DSM_STAT_PAGE_LOST,		/* pages found lost by a rebuild */

	/* Shadows and msync (dsm_sc_shadow.c, issue 15 item 3). */
	DSM_STAT_SHADOW_REQUERY,	/* pages whose owner died, asked for */
	DSM_STAT_FAULT_FAILOVER_WAIT,	/* waits beyond fault_timeout_ms */
	DSM_STAT_SHADOW_PROMOTED,	/* pages rebuilt from a shadow frame */
	DSM_STAT_SHADOW_PUSHED,		/* pages msync pushed, stored */
	DSM_STAT_SHADOW_PUSH_FAILED,	/* pages msync could not store */
	DSM_STAT_SHADOW_WRITTEN_BACK,	/* pages write-back pushed, stored */
	DSM_STAT_SHADOW_REREPLICATED,	/* owned pages whose copy died */
	DSM_STAT_SHADOW_STORED,		/* pushes stored here */
	DSM_STAT_SHADOW_REFUSED,	/* pushes refused here */
	DSM_STAT_FRAMES,		/* frames made */
	DSM_STAT_FRAMES_DROPPED,	/* frames freed (dsm_pg_frame_drop()) */
	DSM_STAT_SHADOW_DROP_KEPT,	/* SHADOW_DROPs whose frame stayed */

	/* Partitions (dsm_fence.c, issue 15 item 4). */
	DSM_STAT_FENCES,		/* times this node was fenced */
	DSM_STAT_FENCE_REJOINS,		/* fences ended as a new incarnation */
	DSM_STAT_FENCED_FAULTS,		/* accesses refused: fenced, or stale */

	/* A graceful leave (dsm_leave.c, issue 15 item 2). */
	DSM_STAT_LEAVE_PAGES,		/* pages handed over, stored */

	/*
	 * Messages and bytes by type, counted by dsm_msg.c: four blocks of
	 * DSM_MSG_TYPE_MAX counters (msg_tx_<type>, bytes_tx_<type>,
	 * msg_rx_<type>, bytes_rx_<type>), each in enum dsm_wire_type order.
	 */
	DSM_STAT_MSG_BY_TYPE,
	DSM_STAT_NR = DSM_STAT_MSG_BY_TYPE + 4 * DSM_MSG_TYPE_MAX
};

void dsm_stat_inc(enum dsm_stat stat);
void dsm_stat_add(enum dsm_stat stat, u64 n);
u64 dsm_stat_read(enum dsm_stat stat);
const char *dsm_stat_name(enum dsm_stat stat);
void dsm_stats_init(void);
void dsm_debugfs_init(void);
void dsm_debugfs_exit(void);

/* dsm_cluster.c: membership and region tables. */

/**
 * struct dsm_node - one node of the membership.
 * @present:	the node is in the membership (slot in use).
 * @v6:		@addr holds an IPv6 address, else @addr4.
 * @addr4:	IPv4 address of its dsmd.
 * @addr6:	IPv6 address of its dsmd.
 * @port:	TCP port of its dsmd.
 * @state:	enum dsm_node_state.
 * @reason:	enum dsm_reason of the last state change.
 * @incarnation: run of the node's dsmd that was last up (0: never up).
 * @changed:	boot-time seconds of the last state change.
 *
 * All fields are protected by dsm_cluster.lock.
 */
struct dsm_node {
	bool present;
	bool v6;
	__be32 addr4;
	struct in6_addr addr6;
	u16 port;
	u8 state;
	u8 reason;
	u64 incarnation;
	u64 changed;
};

/**
 * struct dsm_perm - who may use a region (Documentation/uapi.md,
 * "Permissions").
 * @uid:	owner, in the initial user namespace.
 * @gid:	group, likewise.
 * @mode:	permission bits, of DSM_REGION_MODE_MASK.
 */
struct dsm_perm {
	kuid_t uid;
	kgid_t gid;
	u16 mode;
};

/* Which fields of a struct dsm_perm a request gave (the rest default). */
#define DSM_PERM_UID	0x1
#define DSM_PERM_GID	0x2
#define DSM_PERM_MODE	0x4

/**
 * struct dsm_region - a named range of the DSM space.
 * @list:	in dsm_cluster.regions, sorted by @offset.
 * @name:	NUL-terminated, [A-Za-z0-9_.-].
 * @offset:	first byte, a multiple of DSM_REGION_ALIGN.
 * @size:	bytes, a multiple of DSM_REGION_ALIGN.
 * @model:	enum dsm_model.
 * @origin:	node that created it; its slice holds the region.
 * @perm:	owner, group and mode.
 * @ref:	one for dsm_cluster.regions while it is listed, one per
 *		mapping (VMA) of it and per read/write in progress; the
 *		last put frees it (dsm_region_put()).
 * @nr_maps:	local mappings (VMAs) of it: deleting it here is refused
 *		while there are any.
 * @dead:	it was deleted: its mappings fault with SIGBUS, its pages
 *		were reset (dsm_mem_teardown()). Set once, under
 *		dsm_cluster.lock, before the pages are reset.
 *
 * The fields above @ref are protected by dsm_cluster.lock while it is
 * listed, and never change afterwards.
 */
struct dsm_region {
	struct list_head list;
	char name[DSM_NAME_MAX];
	u64 offset;
	u64 size;
	u8 model;
	u8 replicas;
	u32 origin;
	struct dsm_perm perm;
	struct kref ref;
	atomic_t nr_maps;
	bool dead;
};

/* A range of a deleted lrc region (dsm_cluster.tombs). */
struct dsm_tomb {
	u64 offset;
	u64 size;
};

#define DSM_TOMBS_MAX	256

/**
 * struct dsm_cluster - what this node knows of the cluster.
 * @lock:	protects every field below and the nodes and regions. It is
 *		taken by netlink handlers (inside genl_mutex), the netlink
 *		release notifier and debugfs readers; nothing that can wait
 *		on the network runs under it. Inside it, membership changes
 *		take dsm_members.lock (dsm_members_node_changed() and
 *		_node_down()); see the lock order at the top.
 * @configured:	CLUSTER_SET has been done: @name and @local are valid and
 *		the default region exists.
 * @name:	cluster name.
 * @local:	this node's id.
 * @incarnation: this configuration of the module (random, not 0, below
 *		2^53 for JSON readers), chosen at CLUSTER_SET. dsmd announces
 *		it to its peers, on the control and the data links, so that
 *		a reloaded module is a new node to everyone (issue 12).
 * @def_perm:	owner, group and mode of the default region (CLUSTER_SET),
 *		and of regions created without them.
 * @daemon_portid: netlink port of the dsmd that sent CLUSTER_SET (0: none);
 *		when that socket closes, remote nodes become unknown.
 * @nodes:	the membership, indexed by node id.
 * @regions:	list of struct dsm_region, sorted by offset.
 * @nr_regions:	entries in @regions.
 * @tombs:	the ranges of the last DSM_TOMBS_MAX lrc regions deleted
 *		here (a ring, @nr_tombs used, @next_tomb the oldest when
 *		full): lrc intervals may name their pages for long (until a
 *		collection), so a new lrc region is not placed there, and
 *		write notices naming them are skipped.
 */
struct dsm_cluster {
	struct mutex lock;	/* see @lock above */
	bool configured;
	char name[DSM_NAME_MAX];
	u32 local;
	u64 incarnation;
	struct dsm_perm def_perm;
	u32 daemon_portid;
	struct dsm_node nodes[DSM_NODES_MAX];
	struct list_head regions;
	unsigned int nr_regions;
	struct dsm_tomb tombs[DSM_TOMBS_MAX];
	unsigned int nr_tombs;
	unsigned int next_tomb;
};

extern struct dsm_cluster dsm_cluster;

/**
 * struct dsm_region_req - a region to create or replicate.
 * @name:	region name (validated by the caller's policy for length).
 * @size:	bytes.
 * @model:	enum dsm_model.
 * @replica:	a copy of a region created on @origin, at @offset.
 * @offset:	only for a replica.
 * @origin:	only for a replica.
 * @perm_set:	DSM_PERM_* bits: the fields of @perm given; the others
 *		are the cluster's default (dsm_cluster.def_perm).
 * @perm:	owner, group and mode.
 * @replicas:	DSM_A_REGION_REPLICAS: 1, or 0 (lrc: no backups).
 */
struct dsm_region_req {
	const char *name;
	u64 size;
	u8 model;
	bool replica;
	u64 offset;
	u32 origin;
	u8 perm_set;
	struct dsm_perm perm;
	u8 replicas;
};

void dsm_cluster_init(void);
void dsm_cluster_exit(void);
bool dsm_name_valid(const char *name);
int dsm_cluster_set(const char *name, u32 local, u32 portid,
		    const struct dsm_perm *perm, u8 perm_set,
		    struct netlink_ext_ack *extack);
void dsm_cluster_daemon_gone(u32 portid);
int dsm_node_add(u32 id, const struct dsm_node *addr,
		 struct netlink_ext_ack *extack);
int dsm_node_del(u32 id, struct netlink_ext_ack *extack);
int dsm_node_set_state(u32 id, u8 state, u8 reason, u64 incarnation,
		       struct netlink_ext_ack *extack);
int dsm_region_new(const struct dsm_region_req *req, struct dsm_region *out,
		   struct netlink_ext_ack *extack);
int dsm_region_del(const char *name, bool match_offset, u64 offset,
		   bool replica, struct netlink_ext_ack *extack);
struct dsm_region *dsm_region_find(const char *name);
struct dsm_region *dsm_region_get_at(u64 off, bool map);
bool dsm_region_was_lrc(u64 off);
bool dsm_region_replicated(u64 off);
void dsm_region_put(struct dsm_region *r);
int dsm_cluster_ready(void);
unsigned int dsm_nodes_up(void);
unsigned int dsm_nodes_present(void);

/* dsm_perm.c: region permissions (Documentation/uapi.md, "Permissions"). */
int dsm_region_permission(const struct file *file, const struct dsm_region *r,
			  int mask);
int dsm_sync_permission(const struct file *file, u32 flags, u64 region,
			u32 *ns);

/* dsm_members.c: the membership as the data path sees it. */
void dsm_members_init(void);
void dsm_members_exit(void);
void dsm_members_node_changed(u32 id);
void dsm_members_node_down(u32 id, bool was_up);

/* dsm_msg.c: sending, receiving, dispatching and counting messages. */
void dsm_msg_count(bool tx, u8 type, size_t len);
void dsm_msg_count_reject(u32 node, enum dsm_wire_reject why);

/* dsm_transport.c: the transport registry, for dsm_msg.c and dsm_main.c. */
struct dsm_tx_msg;
void dsm_transport_check_chosen(void);
const char *dsm_transport_link_name(u32 node);
int dsm_transport_send(u32 dst, const struct dsm_tx_msg *tx);
int dsm_transport_send_raw(u32 dst, const void *buf, u32 len);
struct socket;
struct dsm_transport_keys;
struct dsm_transport_facts;
int dsm_transport_adopt(u32 node, struct socket *sock,
			const struct dsm_transport_keys *keys,
			const struct dsm_transport_facts *facts);

/*
 * dsm_inject.c: fault and message injection, a test facility (module
 * parameter inject, off by default). Its static key and the receive hook
 * are in dsm_transport.h.
 */
void dsm_inject_init(void);
void dsm_inject_exit(void);
bool dsm_inject_has_rules(void);
int dsm_inject_send(u32 dst, const void *buf, u32 len);

/* dsm_sc.c: the sc model, registered at load. */
int dsm_sc_init(void);
void dsm_sc_stop(void);
void dsm_sc_exit(void);

/* dsm_tcp.c: the TCP transport. */
int dsm_tcp_init(void);
void dsm_tcp_exit(void);

/* dsm_mem.c: the page store, mmap, read and write of /dev/dsm. */
int dsm_mem_init(void);
void dsm_mem_exit(void);
void dsm_mem_open(struct file *file);
void dsm_mem_teardown(u64 offset, u64 size);
int dsm_mem_mmap(struct file *file, struct vm_area_struct *vma);
ssize_t dsm_mem_read(struct file *file, char __user *buf, size_t len,
		     loff_t *ppos);
ssize_t dsm_mem_write(struct file *file, const char __user *buf, size_t len,
		      loff_t *ppos);

/* dsm_nl.c: the generic netlink family "dsm". */
int dsm_nl_init(void);
void dsm_nl_exit(void);
void dsm_nl_notify_node(u32 id, const struct dsm_node *node, u8 cmd);
void dsm_nl_notify_link_down(u32 id);
struct sk_buff;
bool dsm_nl_has_listeners(void);
void dsm_nl_event_send(struct sk_buff *skb);
/* dsm_peer_nl.c: PEER_SOCKET. */
struct genl_info;
int dsm_nl_peer_socket(struct sk_buff *skb, struct genl_info *info);
int dsm_nl_put_link_facts(struct sk_buff *msg);
/* dsm_sc_xfer.c: what a new home table means for sc's directories. */
struct dsm_home_table;
void dsm_sc_xfer_prepare(const struct dsm_home_table *old,
			 const struct dsm_home_table *new);
void dsm_sc_xfer_start(void);
/* dsm_sc_adapt.c: adaptive homes (issue 17 item 4). */
struct dsm_pg;
void dsm_sc_adapt_note(struct dsm_pg *pg, u32 owner);
void dsm_sc_adapt_table(const struct dsm_home_table *old,
			const struct dsm_home_table *new);
void dsm_sc_adapt_init(void);
void dsm_sc_adapt_stop(void);
void dsm_sc_xfer_exit(void);

/* dsm_home_table.c: HOME_SET, GET_STATUS's home table, unload. */
int dsm_nl_home_set(struct sk_buff *skb, struct genl_info *info);
int dsm_nl_put_home(struct sk_buff *msg);

/* dsm_fence.c: fencing when dsmd sees no quorum (issue 15 item 4). */
int dsm_nl_fence(struct sk_buff *skb, struct genl_info *info);
int dsm_nl_put_fence(struct sk_buff *msg);	/* GET_STATUS: FENCED */
u32 dsm_fence_gen(void);		/* for a file being opened */
bool dsm_fence_closed(void);	/* fenced or leaving: no local access */
bool dsm_fence_leaving(void);	/* this node leaves: for good */
bool dsm_fence_refuses(struct file *file);	/* counts and logs */
struct dsm_pg;
/* A fault refused by the fence: SIGBUS; @pg's folio unlocked if @locked. */
bool dsm_fence_fault(struct vm_fault *vmf, struct dsm_pg *pg, bool locked);
void dsm_fence_leave(void);	/* every access refused, for good */

/* dsm_leave.c: this node's graceful leave (LEAVE, issue 15 item 2). */
int dsm_nl_leave(struct sk_buff *skb, struct genl_info *info);
int dsm_nl_put_leave(struct sk_buff *msg);	/* GET_STATUS: LEAVING */
void dsm_leave_exit(void);
void dsm_home_exit(void);
void dsm_nl_notify_region(const struct dsm_region *region, u8 cmd,
			  bool replica);
bool dsm_nl_missing_attr(struct genl_info *info, int attr);
int dsm_nl_ret(int ret);
bool dsm_nl_configured(struct genl_info *info);
/* dsm_mgr_nl.c: the managers' commands (MGR_REQUEST, MGR_REPLY, LOCK_FORWARD). */
int dsm_nl_mgr_request(u8 op, u64 cookie, u32 id, u32 flags,
		       const void *payload, u32 len);
int dsm_nl_mgr_reply(struct sk_buff *skb, struct genl_info *info);
int dsm_nl_lock_forward(struct sk_buff *skb, struct genl_info *info);

/*
 * dsm_hot.c: hot pages and false sharing, per region (REGION_TOP);
 * dsm_hot_lock.c: hot locks (LOCK_TOP).
 */
struct genl_family;
extern struct genl_family dsm_genl_family;
void dsm_hot_region_add(u64 offset, u64 size);
void dsm_hot_region_del(u64 offset);
void dsm_hot_count(u64 pgno, u32 xfers, u32 invals, u64 writers);
bool dsm_hot_gain(u64 pgno, u32 node);
bool dsm_hot_listed(u64 pgno);
bool dsm_hot_own_pending(u64 pgno);
void dsm_hot_own(u64 pgno, u64 blocks);
void dsm_hot_others(u64 pgno, u64 blocks);
void dsm_hot_concurrent(u64 pgno, u32 na, u64 a, u32 nb, u64 b);
void dsm_hot_ev_stop(void);
int dsm_nl_region_top(struct sk_buff *skb, struct genl_info *info);
void dsm_hot_lock(u64 key, bool remote, u64 wait_ns);
int dsm_nl_lock_top(struct sk_buff *skb, struct genl_info *info);

/* dsm_lrc*.c: the lrc model, registered at load, and its manager hooks. */
int dsm_lrc_init(void);
void dsm_lrc_stop(void);
void dsm_lrc_exit(void);
int dsm_lrc_mgr_reply(u64 cookie, u32 err, u32 flags, const void *p, u32 len,
		      struct netlink_ext_ack *extack);
int dsm_lrc_lock_forward(u32 lock_id, const void *p, u32 len,
			 struct netlink_ext_ack *extack);

#endif /* _DSM_INTERNAL_H */
