/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * dsm: distributed shared memory - the userspace contract.
 *
 * This header is the only interface between dsm.ko and userspace: the
 * ioctls on /dev/dsm and the generic netlink family "dsm". It is included
 * unchanged by the module, by dsmd, dsmctl, libdsm and the selftests.
 *
 * Rules, as in include/uapi/linux/fuse.h:
 *  - every structure is padded to a multiple of 64 bits with explicit
 *    reserved fields, which callers must zero and the kernel checks;
 *  - nothing is ever renumbered or removed; new things are appended and
 *    announced by a bump of DSM_API_VERSION and a feature bit;
 *  - userspace learns what the running module supports with DSM_IOC_API
 *    (the feature handshake, after UFFDIO_API) before using anything else.
 *
 * Changelog of the API version:
 *  1: /dev/dsm misc device; DSM_IOC_API handshake.
 *  2: generic netlink family "dsm", family version 1: cluster, node and
 *     region configuration, status, counters, the "events" multicast
 *     group (see Documentation/control-plane.md).
 *  3: lrc: DSM_IOC_LOCK_ACQUIRE, DSM_IOC_LOCK_RELEASE, DSM_IOC_BARRIER,
 *     DSM_IOC_REGION_INFO, DSM_IOC_NODE_INFO; family version 2 (the lock
 *     and barrier managers in dsmd, Documentation/lrc.md).
 *  4: access control: /dev/dsm is mode 0660 (group "dsm", set by udev);
 *     a region has an owner, a group and a mode, checked on mmap, read,
 *     write, DSM_IOC_REGION_INFO and region-scoped locks and barriers
 *     (DSM_SYNC_F_REGION), EACCES when refused; locks and barriers without
 *     DSM_SYNC_F_REGION need CAP_SYS_ADMIN (EPERM);
 *     DSM_FEATURE_REGION_PERM; family version 4.
 *  5: a region's locks and barriers are its own: lock (or barrier) N of
 *     region A and N of region B and the cluster-wide N are three, in the
 *     kernels, between them and in dsmd's managers (wire version 3 of
 *     kmod/core/dsm_wire.h; the MGR_PAYLOADs carry it, so no netlink
 *     attribute changed). DSM_FEATURE_REGION_SYNC.
 */
#ifndef _UAPI_LINUX_DSM_H
#define _UAPI_LINUX_DSM_H

#include <linux/const.h>
#include <linux/types.h>
#include <linux/ioctl.h>

/* Version of this header; reported by the module in struct dsm_api. */
#define DSM_API_VERSION		5

/* Name of the misc device, /dev/dsm. */
#define DSM_DEVICE_NAME		"dsm"

/*
 * The DSM space: file offsets of /dev/dsm run from 0 to DSM_SPACE_SIZE.
 * Regions are carved out of it; an offset outside every region is refused
 * with ENXIO by mmap, read and write.
 */
#define DSM_SPACE_SIZE		0x10000000000ULL	/* 1 TiB */

/*
 * Feature bits reported in dsm_api.features. A bit is set only when the
 * running module implements the whole feature.
 */
#define DSM_FEATURE_MAP_SC	_BITULL(0)	/* sc regions can be mapped */
#define DSM_FEATURE_MAP_LRC	_BITULL(1)	/* lrc regions, locks, barriers */
#define DSM_FEATURE_REGION_PERM	_BITULL(2)	/* region owner, group, mode */
#define DSM_FEATURE_REGION_SYNC	_BITULL(3)	/* region locks are its own */

/**
 * struct dsm_api - feature handshake, argument of DSM_IOC_API.
 * @api:	in: the DSM_API_VERSION the caller was built against (>= 1);
 *		out: the API version the module speaks.
 * @reserved:	must be zero.
 * @features:	out: DSM_FEATURE_* bits implemented by the module.
 *
 * Fails with EINVAL if @api is 0 or @reserved is not zero.
 */
struct dsm_api {
	__u32 api;
	__u32 reserved;
	__u64 features;
};

/* ioctl type byte; see Documentation/uapi.md. */
#define DSM_IOC_MAGIC		0xD5

#define DSM_IOC_API		_IOWR(DSM_IOC_MAGIC, 0x00, struct dsm_api)

/**
 * struct dsm_sync - argument of DSM_IOC_LOCK_ACQUIRE, DSM_IOC_LOCK_RELEASE
 * and DSM_IOC_BARRIER.
 * @id:		lock or barrier id, any value, in the namespace @flags and
 *		@reserved name. Lock L of namespace R is managed by the
 *		((R << 32 | L) mod n)-th member in ascending id order (R is
 *		0 for the cluster-wide namespace, so L mod n there; a
 *		region's R is its offset / DSM_REGION_ALIGN + 1), barriers
 *		by the lowest member (Documentation/lrc.md).
 * @flags:	DSM_SYNC_F_* bits (API version 4), else zero.
 * @reserved:	with DSM_SYNC_F_REGION: the offset of the region the lock or
 *		barrier belongs to (its first byte, as DSM_IOC_REGION_INFO
 *		gives it); else must be zero.
 *
 * Permissions (API version 4): with DSM_SYNC_F_REGION the caller needs
 * write permission on that region (EACCES; ENXIO if no region starts at
 * @reserved). Without it the id is in the cluster-wide namespace of
 * API version 3, which only CAP_SYS_ADMIN may use (EPERM), so that an
 * ordinary user cannot take or block another's locks and barriers.
 *
 * Namespaces (API version 5, DSM_FEATURE_REGION_SYNC): each region's
 * locks and barriers are its own, and the cluster-wide ones a namespace
 * of their own: holding region A's lock 5 never delays region B's lock 5
 * nor the cluster-wide lock 5, and a barrier completes only with arrivals
 * at the same (namespace, id). With API version 4 they were all one
 * cluster-wide id space after the permission check. A namespace is the
 * region's offset: a region deleted while its locks are held keeps them
 * held by their files until released or closed, and a new region at the
 * same offset shares them (Documentation/lrc.md).
 * Credentials are those of the opener of the file (file->f_cred), as for
 * every check on /dev/dsm.
 *
 * Locks and barriers order the accesses of lrc regions (lazy release
 * consistency); sc regions need neither. A lock is held by the open file
 * description that acquired it, and released when that is closed.
 *
 * DSM_IOC_LOCK_ACQUIRE: waits (killable) until the lock is granted.
 *	EDEADLK: this file holds it already. EHOSTDOWN: a node the grant
 *	depends on went down, or the cluster is not up. EINTR: a signal came
 *	first (nothing is held). ENOTCONN: the cluster is not configured.
 *	ESTALE: this node restarted and its peers declared its earlier
 *	incarnation lost: it takes no part in lrc until the cluster restarts.
 *	EOWNERDEAD: held, but the node that had the token died with it (or
 *	left and a node did not answer while its intervals were gathered).
 *	EIO: this node leaves the cluster (LEAVE): refused for good.
 * DSM_IOC_LOCK_RELEASE: EPERM: this file does not hold the lock.
 * DSM_IOC_BARRIER: waits (killable) until every member has arrived at
 *	barrier @id. EHOSTDOWN: a member is down or went down while waiting.
 *	ESTALE: as for DSM_IOC_LOCK_ACQUIRE.
 * All three: EINVAL for unknown @flags, or non-zero @reserved without
 *	DSM_SYNC_F_REGION. EACCES, ENXIO, EPERM: see Permissions above.
 */
struct dsm_sync {
	__u32 id;
	__u32 flags;
	__u64 reserved;
};

/* dsm_sync.flags */
#define DSM_SYNC_F_REGION	0x1	/* @reserved is a region's offset */
#define DSM_SYNC_F_ALL		0x1

/**
 * struct dsm_region_info - argument of DSM_IOC_REGION_INFO.
 * @name:	in: the region's name, NUL-terminated.
 * @offset:	out: its offset in the DSM space (the mmap offset).
 * @size:	out: its size in bytes.
 * @model:	out: enum dsm_model.
 * @origin:	out: node that created it.
 * @reserved:	must be zero.
 *
 * ENOENT: no such region. EINVAL: @name is not a valid name, or
 * @reserved is not zero. EACCES (API version 4): the opener of the file
 * has neither read nor write permission on the region.
 */
struct dsm_region_info {
	char name[32];
	__u64 offset;
	__u64 size;
	__u32 model;
	__u32 origin;
	__u64 reserved;
};

/**
 * struct dsm_node_info - argument of DSM_IOC_NODE_INFO.
 * @node_id:	out: this node's id.
 * @nr_nodes:	out: nodes in the membership.
 * @nr_up:	out: of them, up (this node included).
 * @reserved:	must be zero (in and out); else EINVAL. The kernel reads
 *		the argument, hence _IOWR.
 *
 * ENOTCONN: the cluster is not configured (dsmd has not started).
 */
struct dsm_node_info {
	__u32 node_id;
	__u32 nr_nodes;
	__u32 nr_up;
	__u32 reserved;
};

#define DSM_IOC_LOCK_ACQUIRE	_IOW(DSM_IOC_MAGIC, 0x01, struct dsm_sync)
#define DSM_IOC_LOCK_RELEASE	_IOW(DSM_IOC_MAGIC, 0x02, struct dsm_sync)
#define DSM_IOC_BARRIER		_IOW(DSM_IOC_MAGIC, 0x03, struct dsm_sync)
#define DSM_IOC_REGION_INFO	_IOWR(DSM_IOC_MAGIC, 0x04, struct dsm_region_info)
#define DSM_IOC_NODE_INFO	_IOWR(DSM_IOC_MAGIC, 0x05, struct dsm_node_info)

/*
 * The generic netlink family "dsm".
 *
 * One hand-written family; this header is its single source of truth for
 * userspace, kmod/dsm_nl.c (policy and ops) for the kernel, and
 * Documentation/control-plane.md explains every command. The family is
 * versioned separately from DSM_API_VERSION: DSM_GENL_VERSION is bumped when
 * a command or attribute is added, and nothing is ever renumbered.
 *
 * Changelog of the family version:
 *  1: status, cluster set, node add/del/get/set-state, region new/del/get,
 *     stats; events NODE_UP, NODE_DOWN, REGION_CREATED, REGION_DELETED;
 *     PEER_SOCKET, MGR_REQUEST and MGR_REPLY reserved (EOPNOTSUPP).
 *  2: the lock and barrier managers: MGR_REQUEST, MGR_REPLY and
 *     LOCK_FORWARD; attribute MGR_FLAGS; ops GC.
 *  3: MGR_F_FORWARDED: dsmd tells the kernel that its lock request was
 *     forwarded to the lock's last requester (the wait for the manager
 *     is over; the grant comes when the holder releases).
 *  4: REGION_UID, REGION_GID, REGION_MODE: a region's owner, group and
 *     permission bits, in REGION_NEW, REGION_GET and the region events;
 *     in CLUSTER_SET, those of the default region, which are also the
 *     defaults of a region created without them.
 *  5: PEER_SOCKET implemented: dsmd hands the kernel each authenticated
 *     data connection, with its session keys (PEER_TX_KEY, PEER_RX_KEY,
 *     PEER_TAG_LEN); the kernel neither listens nor dials any more. Event
 *     LINK_DOWN: a data connection broke, dsmd makes a new one.
 *  6: one handshake on a data connection: the kernel's own HELLO exchange
 *     on it is gone. dsmd's handshake carries what it checked (wire
 *     versions, page size, incarnation, PREV_LOST), and PEER_SOCKET
 *     passes the result: PEER_INCARNATION and PEER_WIRE_VERSION
 *     (required), PEER_FLAGS; with keys, the kernel's first frame each
 *     way has sequence DSM_PEER_SEQ_FIRST. GET_STATUS reports what dsmd
 *     tells its peers: WIRE_VERSION_MIN, WIRE_VERSION_MAX, PAGE_SIZE,
 *     NODES_LOST.
 *  7: NODE_TRANSPORT in NODE_GET: the transport carrying the data
 *     connection to a node, while it is up.
 *  8: the home table (issue 15): HOME_SET, dsmd pushes which node is the
 *     home of each bucket of pages, at an epoch; GET_STATUS reports the
 *     current table (HOME_EPOCH, HOME_BUCKETS).
 *  9: REGION_TOP: a region's hot pages as this node saw them, with the
 *     false sharing verdicts of sampling (TOP_PAGE nests); LOCK_TOP: the
 *     locks this node acquired most (TOP_LOCK nests).
 * 10: sharing events on the "events" group: PAGE_HOT, a page entered its
 *     region's hot table here; PAGE_FALSE_SHARING, sampling here newly
 *     judged a listed page falsely shared. Rate-limited (at most
 *     DSM_SHARE_EVENTS_PER_SEC a second, module-wide).
 * 11: DSM_MGR_F_MGR_DOWN on an error MGR_REPLY to a barrier arrival: the
 *     barrier manager's node is unreachable; the kernel arrives again at
 *     the next manager once that node is declared down.
 *     REGION_REPLICAS: whether an lrc region's released intervals are
 *     backed up on another node (issue 16), in REGION_NEW, REGION_GET and
 *     the region events.
 * 12: DSM_MGR_F_OWNER_DEAD on an empty MGR_REPLY to a lock acquire: the
 *     token is re-created because the node that last had it (the lock's
 *     tail, or the node the request was forwarded to) died; the acquire
 *     takes the lock and returns EOWNERDEAD (Documentation/lrc.md,
 *     "Locks", "Failures").
 *     FENCE (issue 15 item 4): dsmd fences this node's dsm memory when
 *     it sees no quorum of the members, and ends the fence, as a new
 *     incarnation, when it sees one again; FENCED in GET_STATUS.
 * 13: lock managers fail over (issue 16 item 2): DSM_MGR_F_MGR_DOWN also
 *     on an error MGR_REPLY to a lock acquire (the kernel sends it again,
 *     same cookie, to the next manager once that node is declared down);
 *     op DSM_MGR_LOCK_STATE with flags DSM_MGR_F_HAS_TOKEN and
 *     DSM_MGR_F_STATE_DONE: what a kernel tells the new manager of the
 *     dead manager's locks (Documentation/lrc.md, "Failures: lock
 *     managers").
 * 14: DSM_MGR_F_JOIN on a collecting barrier release (with DSM_MGR_F_GC):
 *     a node added at run time joins lrc there (issue 16 item 3): its
 *     timestamp becomes the release's, everything older is collected, and
 *     its pages are fetched whole from the members (Documentation/lrc.md,
 *     "Joining at run time"). Until then dsmd answers its lock acquires
 *     ESTALE.
 * 15: DEAD_MS in CLUSTER_SET: dsmd's dead timeout, so that a fault whose
 *     page's home stops answering waits for dsmd to declare it down, and
 *     then asks the page's new home, instead of failing at
 *     fault_timeout_ms (issue 15 item 3, Documentation/sc.md "Failures
 *     and timeouts").
 * 16: LEAVE (issue 15 item 2): this node leaves the cluster gracefully
 *     (dsmctl node del of a live node): its dsm memory is refused here
 *     from then on, and it hands every page it holds over to the other
 *     members; LEAVING in GET_STATUS.
 * 17: up to 64 nodes (issue 15 item 5): DSM_NODES_MAX is 64, and the node
 *     masks NODES_LOST and TOP_WRITERS are u64 (they were u32; a reader
 *     accepts either length, a mask of 32 bits has no node above 31).
 * 18: a leaving node's free lock tokens (issue 16 item 3): op
 *     DSM_MGR_LOCK_RELEASE, from the kernel of a node that leaves (its
 *     dsm memory and lock acquires refused for good), says that the
 *     token of the lock it names is here, free, and never used here
 *     again (a LOCK_REQ payload with requester = this node, req_id = the
 *     cookie; answered 0 once the manager marked the lock, else with an
 *     errno). DSM_MGR_F_TOKEN_LEFT on an empty MGR_REPLY to a lock
 *     acquire: the token is re-created because the node that last had it
 *     left with it free; the acquire learns the intervals that node
 *     released, as an EOWNERDEAD one does, and returns 0
 *     (Documentation/lrc.md, "Leaving").
 * 19: adaptive homes (issue 17 item 4): event HOME_WANT, this node, the
 *     home of the buckets it names, saw one other node take write
 *     ownership of their pages module parameter home_adapt_after times
 *     in a row, and asks dsmd to move each bucket's home there (dsmd's
 *     coordinator makes the next table of such wishes and pushes it with
 *     HOME_SET, as after a membership change).
 *
 * Every command that changes state needs CAP_NET_ADMIN (GENL_ADMIN_PERM);
 * reading (status, node/region get, stats) is open to everyone. Every
 * attribute has a range in the kernel's policy; unknown attributes are
 * rejected (strict validation), and every rejection carries an extended
 * ack message saying what is wrong.
 */
#define DSM_GENL_NAME		"dsm"
#define DSM_GENL_VERSION	19

/*
 * Multicast group: NODE_UP, NODE_DOWN, REGION_CREATED, REGION_DELETED,
 * LINK_DOWN, PAGE_HOT, PAGE_FALSE_SHARING.
 */
#define DSM_GENL_MCGRP_EVENTS	"events"

/* Names (cluster, region, counter) including the terminating NUL. */
#define DSM_NAME_MAX		32

/* Node ids run from 0 to DSM_NODES_MAX - 1. */
#define DSM_NODES_MAX		64

/* Regions in the cluster, the default region included. */
#define DSM_REGIONS_MAX		64

/*
 * Region placement: the DSM space is cut into DSM_NODES_MAX slices; a
 * region created on node N is placed in slice N (first fit), so that nodes
 * creating regions at the same time never pick the same offset. A region
 * is therefore at most one slice. Offsets and sizes are multiples of
 * DSM_REGION_ALIGN.
 */
/*
 * Highest dsmd port: the kernel's data port is the dsmd port + 1 (see
 * Documentation/sc.md), which must not wrap to 0.
 */
#define DSM_PORT_MAX		65534

#define DSM_REGION_SLICE	(DSM_SPACE_SIZE / DSM_NODES_MAX)
#define DSM_REGION_ALIGN	4096ULL

/* Permission bits a region's mode may have (DSM_A_REGION_MODE). */
#define DSM_REGION_MODE_MASK	0777
/* Mode of the default region, and of others, unless told otherwise. */
#define DSM_REGION_MODE_DEFAULT	0660

/* The "default" sc region at offset 0, created with the membership. */
#define DSM_DEFAULT_REGION_NAME	"default"
#define DSM_DEFAULT_REGION_SIZE	(256ULL << 20)

/**
 * enum dsm_node_state - a node as this node's kernel sees it.
 * @DSM_NODE_STATE_UNKNOWN:	configured, not (yet) heard from.
 * @DSM_NODE_STATE_UP:		dsmd has a live control connection to it
 *				(the local node is always up).
 * @DSM_NODE_STATE_DOWN:	declared dead by dsmd; every wait on it fails.
 */
enum dsm_node_state {
	DSM_NODE_STATE_UNKNOWN,
	DSM_NODE_STATE_UP,
	DSM_NODE_STATE_DOWN,

	__DSM_NODE_STATE_MAX
};

#define DSM_NODE_STATE_MAX	(__DSM_NODE_STATE_MAX - 1)

/* Why a node changed state; carried by NODE_SET_STATE and the events. */
enum dsm_reason {
	DSM_REASON_NONE,
	DSM_REASON_JOINED,	/* handshake completed */
	DSM_REASON_TIMEOUT,	/* no heartbeat within the dead timeout */
	DSM_REASON_LEFT,	/* its dsmd said goodbye (clean shutdown) */
	DSM_REASON_RESTARTED,	/* came back with a new incarnation */
	DSM_REASON_UNREACHABLE,	/* never answered within the dead timeout */
	DSM_REASON_ADMIN,	/* set by an administrator */

	__DSM_REASON_MAX
};

#define DSM_REASON_MAX		(__DSM_REASON_MAX - 1)

/* Consistency model of a region. */
enum dsm_model {
	DSM_MODEL_SC,		/* sequential consistency (Ivy) */
	DSM_MODEL_LRC,		/* lazy release consistency (TreadMarks) */

	__DSM_MODEL_MAX
};

#define DSM_MODEL_MAX		(__DSM_MODEL_MAX - 1)

/**
 * enum dsm_cmd - commands of the "dsm" family.
 *
 * "admin": needs CAP_NET_ADMIN. "do" answers with one message, "dump" with
 * one message per object. Attributes are listed as required [optional].
 *
 * @DSM_CMD_GET_STATUS: do. Reply: CLUSTER_NAME, LOCAL_NODE and
 *	NODE_INCARNATION (if configured), CONFIGURED, NODE_COUNT, NODES_UP,
 *	REGION_COUNT, API_VERSION; version 6: WIRE_VERSION_MIN,
 *	WIRE_VERSION_MAX, PAGE_SIZE, NODES_LOST (what dsmd's data-link
 *	handshake tells the peers).
 * @DSM_CMD_CLUSTER_SET: do, admin. CLUSTER_NAME, LOCAL_NODE. Names the
 *	[REGION_UID, REGION_GID, REGION_MODE] (version 4: owner, group and
 *	mode of the default region, and the defaults of regions created
 *	without them; if absent 0, 0, 0660). Names the
 *	cluster and this node, creates the default region. Sent by dsmd at
 *	start; repeating it with the same values succeeds, other values fail
 *	with EBUSY.
 * @DSM_CMD_NODE_ADD: do, admin. NODE_ID, NODE_ADDR4 or NODE_ADDR6,
 *	NODE_PORT. Adds a node (state unknown; the local node is up), or
 *	updates the address of a node that is not up. Needs CLUSTER_SET first.
 * @DSM_CMD_NODE_DEL: do, admin. NODE_ID. Removes a node that is not up
 *	(EBUSY otherwise); the local node cannot be removed.
 * @DSM_CMD_NODE_GET: do with NODE_ID, or dump. Reply per node: NODE_ID,
 *	NODE_ADDR4 or NODE_ADDR6, NODE_PORT, NODE_STATE, NODE_INCARNATION,
 *	NODE_REASON, NODE_LOCAL (flag), NODE_CHANGED (seconds since boot of
 *	the last state change, u64).
 * @DSM_CMD_NODE_SET_STATE: do, admin. NODE_ID, NODE_STATE, [NODE_REASON,
 *	NODE_INCARNATION]. dsmd reports a peer up (with its incarnation) or
 *	down. Up with a new incarnation while up is a restart: the node goes
 *	down and up again. Down fails every wait on the node.
 * @DSM_CMD_REGION_NEW: do, admin. REGION_NAME, REGION_SIZE,
 *	[REGION_MODEL (default sc), REGION_UID, REGION_GID, REGION_MODE
 *	(default: the default region's)]. Places the region in this node's
 *	slice.
 *	dsmd replicates a region created elsewhere with REPLICA set and
 *	REGION_OFFSET and REGION_ORIGIN given; a replica whose name exists
 *	wins if its origin node id is lower (the loser is deleted), else
 *	fails with EEXIST. Reply: the region, as REGION_GET.
 * @DSM_CMD_REGION_DEL: do, admin. REGION_NAME, [REGION_OFFSET, REPLICA].
 *	The default region cannot be deleted. With REGION_OFFSET, only a
 *	region at that offset is deleted.
 * @DSM_CMD_REGION_GET: do with REGION_NAME, or dump. Reply per region:
 *	REGION_NAME, REGION_OFFSET, REGION_SIZE, REGION_MODEL, REGION_ORIGIN,
 *	REGION_UID, REGION_GID, REGION_MODE (version 4).
 * @DSM_CMD_STATS_GET: dump. One message per counter: STAT_NAME,
 *	STAT_VALUE. New counters appear without a change to this header.
 * @DSM_CMD_PEER_SOCKET: do, admin (version 5; EOPNOTSUPP before). NODE_ID,
 *	SOCKET_FD, PEER_INCARNATION and PEER_WIRE_VERSION (version 6),
 *	[PEER_FLAGS], and either all of PEER_TX_KEY, PEER_RX_KEY,
 *	PEER_TAG_LEN (the session keys of an authenticated handshake: every
 *	frame on the connection then carries a tag, the kernel's first one
 *	each way with sequence DSM_PEER_SEQ_FIRST) or none of them ('auth
 *	none'). dsmd connected (or accepted) SOCKET_FD, a connected TCP
 *	socket, to the data port of node NODE_ID, a member other than this
 *	node, authenticated it and exchanged the link facts (the peer's
 *	incarnation, wire versions, page size, PREV_LOST); the kernel takes
 *	it as that node's data connection, dropping an older one (as NBD
 *	takes its sockets), and dsmd closes its descriptor. Nothing more is
 *	exchanged before the protocol's messages. ESTALE (counted as
 *	hello_stale): PEER_INCARNATION is not the incarnation dsmd reported
 *	up for the node (yet). Documentation/protocol.md, "Connections".
 * @DSM_CMD_MGR_REQUEST: kernel to dsmd (unicast to the daemon that sent
 *	CLUSTER_SET): MGR_OP, MGR_COOKIE, LOCK_ID or BARRIER_ID, MGR_FLAGS,
 *	[MGR_PAYLOAD]. A request to the lock or barrier manager; dsmd takes
 *	it to the managing node's dsmd. See Documentation/lrc.md.
 * @DSM_CMD_MGR_REPLY: do, admin; dsmd to kernel: MGR_COOKIE, MGR_ERROR,
 *	MGR_FLAGS, [MGR_PAYLOAD]. The manager's answer to MGR_REQUEST
 *	@cookie (several messages when MGR_F_MORE is set).
 * @DSM_CMD_LOCK_FORWARD: do, admin; dsmd to kernel: LOCK_ID, MGR_PAYLOAD
 *	(a core LOCK_REQ message). The lock manager tells the last
 *	requester of a lock to grant it, when it can, to the node in the
 *	payload (over the data connection, as LOCK_GRANT).
 * @DSM_CMD_NODE_UP: event. As NODE_GET.
 * @DSM_CMD_NODE_DOWN: event. As NODE_GET.
 * @DSM_CMD_REGION_CREATED: event. As REGION_GET, [REPLICA].
 * @DSM_CMD_REGION_DELETED: event. As REGION_GET, [REPLICA].
 * @DSM_CMD_LINK_DOWN: event (version 5). NODE_ID: the data connection to
 *	that node broke while the node is wanted, or a wanted node has
 *	none; the node with the lower id makes a new one.
 * @DSM_CMD_HOME_SET: do, admin (version 8). HOME_EPOCH, HOME_BUCKETS: the
 *	home table (kmod/core/dsm_home.h). Refused, changing nothing, with
 *	ERANGE (the policy) when HOME_BUCKETS is not DSM_HOME_NR_BUCKETS
 *	bytes; EINVAL when it names a node that is not in the membership,
 *	or HOME_EPOCH is 0; ESTALE when HOME_EPOCH is older than the
 *	current table's, or equal with another table (equal and identical:
 *	accepted, nothing changes).
 * @DSM_CMD_REGION_TOP: do (version 9) with REGION_NAME. Reply:
 *	REGION_NAME, REGION_OFFSET, REGION_MODEL, LOCAL_NODE, TOP_PAGES
 *	holding one TOP_PAGE nest per hot page (at most DSM_TOP_MAX,
 *	hottest first):
 *	this node's view (Documentation/sharing.md says what each node
 *	sees). ENOENT: no such region.
 * @DSM_CMD_LOCK_TOP: do (version 9). Reply: LOCAL_NODE, TOP_LOCKS holding
 *	one TOP_LOCK nest per lock (at most DSM_TOP_MAX, most acquired
 *	first) that processes of this node acquired (lrc).
 * @DSM_CMD_PAGE_HOT: event (version 10). REGION_NAME, REGION_OFFSET,
 *	REGION_MODEL, LOCAL_NODE and one TOP_PAGE nest (as in REGION_TOP):
 *	a page took an entry of its region's hot table on this node and had
 *	DSM_SHARE_HOT_EVENTS events of its own there. Once per stay in the
 *	table.
 * @DSM_CMD_PAGE_FALSE_SHARING: event (version 10). As PAGE_HOT: sampling
 *	on this node judged a listed page falsely shared (TOP_VERDICT
 *	DSM_SHARE_FALSE) for the first time in its stay in the table.
 *	Both events are rate-limited: at most DSM_SHARE_EVENTS_PER_SEC a
 *	second on a node, all regions together; one refused is tried again
 *	at the page's next event (counter share_events_limited).
 * @DSM_CMD_FENCE: do, admin (version 12). FENCED: 1 fences this node
 *	(dsmd sees no quorum, Documentation/sc.md "Failures and timeouts"):
 *	every dsm mapping here is zapped, and every fault, read and write
 *	of dsm memory fails (SIGBUS, EIO; counter fenced_faults, one log
 *	line per fence); 0 ends a fence as a new incarnation: every page's
 *	local state is dropped, a new NODE_INCARNATION is drawn, and files
 *	of /dev/dsm opened before fail as when fenced until reopened.
 *	EALREADY: FENCED 0 while not fenced. ENOTCONN: not configured.
 * @DSM_CMD_LEAVE: do, admin (version 16). No attributes. This node leaves
 *	the cluster (dsmctl node del of a live node; Documentation/
 *	control-plane.md "Runtime membership"). The first call refuses
 *	every access to dsm memory here from then on (every mapping
 *	zapped; SIGBUS, EIO; counter fenced_faults) and starts handing
 *	over, in the background, every page this node holds: each model's
 *	leave (sc: each page it has a copy of is pushed to a shadow holder
 *	as msync pushes, written or not; Documentation/sc.md "Leaving").
 *	The node goes on serving its peers' requests meanwhile. Reply:
 *	EINPROGRESS while the hand-over runs; then 0, and 0 for every
 *	later call; or, once, the error that stopped it (EIO: a page was
 *	not stored; the next call starts the hand-over again). ENOLINK: no
 *	other live member to hand the pages to (nothing changed).
 *	ENOTCONN: not configured. A node that left stays refused until
 *	dsm.ko is loaded again.
 * @DSM_CMD_HOME_WANT: event (version 19). HOME_EPOCH, the table the
 *	wishes were counted under, and HOME_BUCKETS: byte b is the node
 *	that bucket b, homed here, should move to, or DSM_HOME_NO_WISH.
 *	A bucket is wished when one node other than this one took write
 *	ownership of its pages home_adapt_after times in a row (sc; the
 *	streak starts again at any other owner). The wishes of up to a
 *	second go out together (counter home_adapt_wishes); one that dsmd's
 *	coordinator did not grant (busy with another change) is made again
 *	at the bucket's next counted write.
 */
enum dsm_cmd {
	DSM_CMD_UNSPEC,
	DSM_CMD_GET_STATUS,
	DSM_CMD_CLUSTER_SET,
	DSM_CMD_NODE_ADD,
	DSM_CMD_NODE_DEL,
	DSM_CMD_NODE_GET,
	DSM_CMD_NODE_SET_STATE,
	DSM_CMD_REGION_NEW,
	DSM_CMD_REGION_DEL,
	DSM_CMD_REGION_GET,
	DSM_CMD_STATS_GET,
	DSM_CMD_PEER_SOCKET,
	DSM_CMD_MGR_REQUEST,
	DSM_CMD_MGR_REPLY,
	DSM_CMD_NODE_UP,
	DSM_CMD_NODE_DOWN,
	DSM_CMD_REGION_CREATED,
	DSM_CMD_REGION_DELETED,
	DSM_CMD_LOCK_FORWARD,
	DSM_CMD_LINK_DOWN,
	DSM_CMD_HOME_SET,
	DSM_CMD_REGION_TOP,
	DSM_CMD_LOCK_TOP,
	DSM_CMD_PAGE_HOT,
	DSM_CMD_PAGE_FALSE_SHARING,
	DSM_CMD_FENCE,
	DSM_CMD_LEAVE,
	DSM_CMD_HOME_WANT,

	__DSM_CMD_MAX
};

#define DSM_CMD_MAX		(__DSM_CMD_MAX - 1)

/**
 * enum dsm_attr - attributes of the "dsm" family. Ranges are enforced by
 * the kernel's policy (kmod/dsm_nl.c).
 *
 * @DSM_A_CLUSTER_NAME:	string, 1..DSM_NAME_MAX-1 bytes of [A-Za-z0-9_.-].
 * @DSM_A_LOCAL_NODE:	u32, 0..DSM_NODES_MAX-1: this node's id.
 * @DSM_A_CONFIGURED:	u8, 0 or 1: CLUSTER_SET has been done.
 * @DSM_A_NODE_COUNT:	u32: nodes in the membership.
 * @DSM_A_NODES_UP:	u32: of them, up.
 * @DSM_A_REGION_COUNT:	u32: regions.
 * @DSM_A_API_VERSION:	u32: DSM_API_VERSION of the module.
 * @DSM_A_NODE_ID:	u32, 0..DSM_NODES_MAX-1.
 * @DSM_A_NODE_ADDR4:	be32: IPv4 address of the node's dsmd.
 * @DSM_A_NODE_ADDR6:	16 bytes: IPv6 address of the node's dsmd.
 * @DSM_A_NODE_PORT:	u16, 1..DSM_PORT_MAX: TCP port of the node's dsmd.
 * @DSM_A_NODE_STATE:	u8, enum dsm_node_state.
 * @DSM_A_NODE_REASON:	u8, enum dsm_reason.
 * @DSM_A_NODE_INCARNATION: u64, not 0, below 2^53: identifies one
 *			configuration of a node's module (chosen at
 *			CLUSTER_SET; dsmd announces it to its peers); a new
 *			value means the node restarted.
 * @DSM_A_NODE_LOCAL:	flag: this is the local node.
 * @DSM_A_NODE_CHANGED:	u64: boot-time seconds of the last state change.
 * @DSM_A_REGION_NAME:	string, 1..DSM_NAME_MAX-1 bytes of [A-Za-z0-9_.-].
 * @DSM_A_REGION_OFFSET: u64, multiple of DSM_REGION_ALIGN, below
 *			DSM_SPACE_SIZE.
 * @DSM_A_REGION_SIZE:	u64, multiple of DSM_REGION_ALIGN,
 *			DSM_REGION_ALIGN..DSM_REGION_SLICE.
 * @DSM_A_REGION_MODEL:	u8, enum dsm_model.
 * @DSM_A_REGION_ORIGIN: u32, 0..DSM_NODES_MAX-1: node that created it.
 * @DSM_A_REPLICA:	flag: request or event is dsmd's replication of a
 *			change made on another node (dsmd does not forward
 *			such events again).
 * @DSM_A_STAT_NAME:	string: a counter's name.
 * @DSM_A_STAT_VALUE:	u64: its value.
 * @DSM_A_SOCKET_FD:	u32, 0..INT_MAX: a file descriptor of the caller.
 * @DSM_A_MGR_OP:	u8, enum dsm_mgr_op.
 * @DSM_A_MGR_COOKIE:	u64: matches a reply to its request; for a lock
 *			acquire, the req_id of the LOCK_REQ in the payload.
 * @DSM_A_LOCK_ID:	u32.
 * @DSM_A_BARRIER_ID:	u32.
 * @DSM_A_MGR_PAYLOAD:	binary, 1..DSM_MGR_PAYLOAD_MAX: one message of the
 *			protocol core (kmod/core/dsm_wire.h), validated by
 *			its receiver: LOCK_REQ, BARRIER_ARRIVE or
 *			BARRIER_RELEASE.
 * @DSM_A_MGR_ERROR:	u32, 0..4095: positive errno, 0 for success.
 * @DSM_A_PAD:		padding for 64-bit attributes.
 * @DSM_A_MGR_FLAGS:	u32, DSM_MGR_F_* bits.
 * @DSM_A_REGION_UID:	u32, 0..2^32-2: the region's owner, a uid of the
 *			initial user namespace, the same number on every
 *			node (version 4).
 * @DSM_A_REGION_GID:	u32, 0..2^32-2: the region's group, likewise.
 * @DSM_A_REGION_MODE:	u16, bits of 0777: owner, group, other permission
 *			(read 4, write 2; execute is ignored).
 * @DSM_A_PEER_TX_KEY:	binary, exactly DSM_PEER_KEY_SIZE bytes: the session
 *			key of what this node sends on the connection.
 * @DSM_A_PEER_RX_KEY:	binary, exactly DSM_PEER_KEY_SIZE bytes: of what it
 *			receives.
 * @DSM_A_PEER_TAG_LEN:	u32, DSM_PEER_TAG_MIN..DSM_PEER_KEY_SIZE: bytes of
 *			tag after every frame.
 * @DSM_A_PEER_INCARNATION: u64, not 0: the incarnation of the
 *			peer's module, from its dsmd's data-link handshake
 *			(version 6).
 * @DSM_A_PEER_FLAGS:	u32, DSM_PEER_F_* bits (version 6).
 * @DSM_A_PEER_WIRE_VERSION: u32, within this module's WIRE_VERSION_MIN..
 *			WIRE_VERSION_MAX: the wire version of kmod/core/
 *			dsm_wire.h the two kernels speak, the highest both
 *			do (version 6).
 * @DSM_A_WIRE_VERSION_MIN: u32: lowest wire version the module speaks.
 * @DSM_A_WIRE_VERSION_MAX: u32: highest.
 * @DSM_A_PAGE_SIZE:	u32: bytes of a DSM page; equal on every node.
 * @DSM_A_NODES_LOST:	u64 (u32 before version 17): bit N set: this node declared an earlier
 *			incarnation of node N lost (its pages homed there);
 *			the link handshake tells node N (PREV_LOST).
 * @DSM_A_NODE_TRANSPORT: string, 1..15 bytes: the transport ("tcp",
 *			"rdma") carrying this node's data connection to the
 *			node; present only while that connection is up
 *			(version 7).
 * @DSM_A_HOME_EPOCH:	u64, not 0: the epoch of a home table (version 8);
 *			a later table has a higher one.
 * @DSM_A_HOME_BUCKETS:	binary, DSM_HOME_NR_BUCKETS bytes: byte b is the
 *			node id of the home of bucket b; page p is in
 *			bucket p mod DSM_HOME_NR_BUCKETS (version 8).
 * @DSM_A_TOP_PAGE:	nest (version 9), in TOP_PAGES (and in PAGE_HOT and
 *			PAGE_FALSE_SHARING events): one hot page, of
 *			the TOP_* attributes below.
 * @DSM_A_TOP_OFFSET:	u64: the page's byte offset in its region.
 * @DSM_A_TOP_SCORE:	u64: the table's count (transfers + invalidations
 *			+ gains + diffs, space-saving: may overcount by
 *			the count of the entry it replaced).
 * @DSM_A_TOP_TRANSFERS: u64: sc: write ownership changes this node (the
 *			page's home) confirmed; lrc: diffs of other nodes
 *			applied here.
 * @DSM_A_TOP_INVALS:	u64: sc: INVALs this node (the home) sent for the
 *			page; lrc: invalidations by write notices here.
 * @DSM_A_TOP_GAINS:	u64: sc: times this node gained write ownership.
 * @DSM_A_TOP_WRITERS:	u64 (u32 before version 17): bit N: node N was seen writing the page.
 * @DSM_A_TOP_FALSE:	u64: samples in which writers' blocks were
 *			disjoint.
 * @DSM_A_TOP_TRUE:	u64: samples in which they overlapped.
 * @DSM_A_TOP_VERDICT:	u8, enum dsm_share.
 * @DSM_A_TOP_OWN_BLOCKS: u64: bit b: this node last wrote bytes [b *
 *			page size / 64, (b + 1) * page size / 64).
 * @DSM_A_TOP_OTHER_BLOCKS: u64: the same, of the other writers last seen.
 * @DSM_A_TOP_PAGES:	nest (version 9), in REGION_TOP replies: TOP_PAGEs.
 * @DSM_A_TOP_LOCKS:	nest (version 9), in LOCK_TOP replies: TOP_LOCKs.
 * @DSM_A_TOP_LOCK:	nest: one lock: LOCK_ID, TOP_LOCK_NS, TOP_ACQUIRES,
 *			TOP_REMOTE, TOP_WAIT_US, TOP_WAIT_MAX_US.
 * @DSM_A_TOP_LOCK_NS:	u32: the lock's namespace: 0 cluster-wide, else
 *			its region's (Documentation/lrc.md, "Lock and
 *			barrier namespaces").
 * @DSM_A_TOP_ACQUIRES:	u64: acquisitions here (space-saving count: may
 *			overcount by that of the entry it replaced).
 * @DSM_A_TOP_REMOTE:	u64: of them, granted through the manager or
 *			another node (not local).
 * @DSM_A_TOP_WAIT_US:	u64: microseconds the acquisitions waited, in all.
 * @DSM_A_TOP_WAIT_MAX_US: u64: the longest wait of one.
 * @DSM_A_REGION_REPLICAS: u8, 0..1 (version 11): 1 (the default): the
 *			diffs of every interval released on a node are
 *			pushed to a backup node before the release returns,
 *			so that the failure of any one node loses no released
 *			write of the region (Documentation/lrc.md "Backed-up
 *			releases"); 0: none (cheaper; a dead node's unfetched
 *			writes are lost). lrc regions only; 1 for sc.
 * @DSM_A_FENCED:	u8, 0..1 (version 12): in FENCE, fence (1) or rejoin
 *			as a new incarnation (0); in GET_STATUS, 1 while
 *			this node is fenced.
 * @DSM_A_DEAD_MS:	u32, 0..3600000 (version 15): in CLUSTER_SET, dsmd's
 *			dead timeout in ms (a node silent that long is
 *			declared down). A fault still unanswered after
 *			fault_timeout_ms whose page's home is a member not
 *			declared down (and did not refuse it) waits up to
 *			this longer. Absent or 0: no such wait.
 * @DSM_A_LEAVING:	u8 (version 16), in GET_STATUS: enum
 *			dsm_leave_state, where this node's LEAVE is.
 */
enum dsm_attr {
	DSM_A_UNSPEC,
	DSM_A_CLUSTER_NAME,
	DSM_A_LOCAL_NODE,
	DSM_A_CONFIGURED,
	DSM_A_NODE_COUNT,
	DSM_A_NODES_UP,
	DSM_A_REGION_COUNT,
	DSM_A_API_VERSION,
	DSM_A_NODE_ID,
	DSM_A_NODE_ADDR4,
	DSM_A_NODE_ADDR6,
	DSM_A_NODE_PORT,
	DSM_A_NODE_STATE,
	DSM_A_NODE_REASON,
	DSM_A_NODE_INCARNATION,
	DSM_A_NODE_LOCAL,
	DSM_A_NODE_CHANGED,
	DSM_A_REGION_NAME,
	DSM_A_REGION_OFFSET,
	DSM_A_REGION_SIZE,
	DSM_A_REGION_MODEL,
	DSM_A_REGION_ORIGIN,
	DSM_A_REPLICA,
	DSM_A_STAT_NAME,
	DSM_A_STAT_VALUE,
	DSM_A_SOCKET_FD,
	DSM_A_MGR_OP,
	DSM_A_MGR_COOKIE,
	DSM_A_LOCK_ID,
	DSM_A_BARRIER_ID,
	DSM_A_MGR_PAYLOAD,
	DSM_A_MGR_ERROR,
	DSM_A_PAD,
	DSM_A_MGR_FLAGS,
	DSM_A_REGION_UID,
	DSM_A_REGION_GID,
	DSM_A_REGION_MODE,
	DSM_A_PEER_TX_KEY,
	DSM_A_PEER_RX_KEY,
	DSM_A_PEER_TAG_LEN,
	DSM_A_PEER_INCARNATION,
	DSM_A_PEER_FLAGS,
	DSM_A_PEER_WIRE_VERSION,
	DSM_A_WIRE_VERSION_MIN,
	DSM_A_WIRE_VERSION_MAX,
	DSM_A_PAGE_SIZE,
	DSM_A_NODES_LOST,
	DSM_A_NODE_TRANSPORT,
	DSM_A_HOME_EPOCH,
	DSM_A_HOME_BUCKETS,
	DSM_A_TOP_PAGE,
	DSM_A_TOP_OFFSET,
	DSM_A_TOP_SCORE,
	DSM_A_TOP_TRANSFERS,
	DSM_A_TOP_INVALS,
	DSM_A_TOP_GAINS,
	DSM_A_TOP_WRITERS,
	DSM_A_TOP_FALSE,
	DSM_A_TOP_TRUE,
	DSM_A_TOP_VERDICT,
	DSM_A_TOP_OWN_BLOCKS,
	DSM_A_TOP_OTHER_BLOCKS,
	DSM_A_TOP_PAGES,
	DSM_A_TOP_LOCKS,
	DSM_A_TOP_LOCK,
	DSM_A_TOP_LOCK_NS,
	DSM_A_TOP_ACQUIRES,
	DSM_A_TOP_REMOTE,
	DSM_A_TOP_WAIT_US,
	DSM_A_TOP_WAIT_MAX_US,
	DSM_A_REGION_REPLICAS,
	DSM_A_FENCED,
	DSM_A_DEAD_MS,
	DSM_A_LEAVING,

	__DSM_A_MAX
};

#define DSM_A_MAX		(__DSM_A_MAX - 1)

/**
 * enum dsm_leave_state - DSM_A_LEAVING: where this node's LEAVE is.
 * @DSM_LEAVE_NONE:	not leaving.
 * @DSM_LEAVE_RUNNING:	its dsm memory is refused here, and its pages are
 *			being handed over.
 * @DSM_LEAVE_FAILED:	the hand-over stopped on an error; LEAVE again
 *			starts it again (the memory stays refused).
 * @DSM_LEAVE_DONE:	every page it held is stored on another member.
 */
enum dsm_leave_state {
	DSM_LEAVE_NONE,
	DSM_LEAVE_RUNNING,
	DSM_LEAVE_FAILED,
	DSM_LEAVE_DONE,
};

/*
 * Buckets of the home table: the least common multiple of 1..8, so that
 * the first table of up to 8 nodes keeps page p's home (p mod n).
 */
#define DSM_HOME_NR_BUCKETS	840
/* HOME_WANT: a bucket of HOME_BUCKETS with no wish (version 19). */
#define DSM_HOME_NO_WISH	0xff
/* Hot pages a region's table keeps (REGION_TOP). */
#define DSM_TOP_MAX		32
/* PAGE_HOT: events of a page's own in the table (not inherited). */
#define DSM_SHARE_HOT_EVENTS	4
/* PAGE_HOT and PAGE_FALSE_SHARING sent a second, at most, per node. */
#define DSM_SHARE_EVENTS_PER_SEC	16

/*
 * enum dsm_share - DSM_A_TOP_VERDICT: what sampling found of a page's
 * writers. UNKNOWN: no sample with two writers yet; FALSE: false sharing
 * (they wrote disjoint blocks, more often than overlapping ones); TRUE:
 * true sharing (overlapping blocks at least as often).
 */
enum dsm_share {
	DSM_SHARE_UNKNOWN,
	DSM_SHARE_FALSE,
	DSM_SHARE_TRUE,
};

/* PEER_SOCKET's keys: HMAC-SHA256 (kmod/core/dsm_auth.h). */
#define DSM_PEER_KEY_SIZE	32
#define DSM_PEER_TAG_MIN	16
/*
 * With keys, sequence 0 of each direction is dsmd's LINK_INFO frame (the
 * last of its handshake): the kernel's first frame each way has this one.
 */
#define DSM_PEER_SEQ_FIRST	1

/*
 * DSM_A_PEER_FLAGS bits. PREV_LOST: the peer declared an earlier
 * incarnation of this node lost: pages homed here are lost cluster-wide,
 * so this node treats them as lost too.
 */
#define DSM_PEER_F_PREV_LOST	0x1
#define DSM_PEER_F_ALL		0x1

/*
 * Largest MGR_PAYLOAD: an attribute's length is 16 bits, so a larger
 * interval set is sent as several MGR messages with the same cookie, all
 * but the last with DSM_MGR_F_MORE, each payload a complete core message.
 */
#define DSM_MGR_PAYLOAD_MAX	60000

/*
 * DSM_A_MGR_OP values.
 * @DSM_MGR_LOCK_ACQUIRE: payload LOCK_REQ. The manager answers with an
 *	empty MGR_REPLY if the lock was free (nobody ever took it, or its
 *	token was lost with a dead node), else forwards the request to the
 *	lock's last requester (LOCK_FORWARD), whose kernel grants it, and
 *	the requester's kernel gets an empty MGR_REPLY with
 *	MGR_F_FORWARDED (family version 3).
 * @DSM_MGR_LOCK_RELEASE: family version 18 (a release itself never
 *	leaves the node). From a node that leaves the cluster: the token of
 *	lock LOCK_ID is here, free, and is never used here again (payload
 *	LOCK_REQ, requester = this node, req_id = the cookie). A manager
 *	whose tail is this node forgets it and answers 0: the lock's next
 *	acquirer gets a fresh token with DSM_MGR_F_TOKEN_LEFT and learns the
 *	intervals it lacks from the nodes up (Documentation/lrc.md,
 *	"Leaving"); else EBUSY (a request was forwarded here since), or the
 *	error of a manager that cannot be asked.
 * @DSM_MGR_BARRIER: payload BARRIER_ARRIVE (fragments with MGR_F_MORE).
 *	The reply, when every member arrived, is BARRIER_RELEASE carrying
 *	the intervals this node lacks (fragments with MGR_F_MORE), and
 *	MGR_F_GC when the barrier is a garbage collection. The manager is
 *	the lowest member not declared lost; when dsmd cannot reach it, the
 *	error reply (EHOSTDOWN) has MGR_F_MGR_DOWN (family version 11), and
 *	the kernel arrives again, at the next manager, once that node is
 *	declared down (Documentation/lrc.md, "Failures").
 * @DSM_MGR_GC_DONE: second phase of a collecting barrier: the node has
 *	validated its pages; the reply (no payload) comes when every member
 *	has, and then every node discards its consistency data.
 * @DSM_MGR_LOCK_STATE: no reply (family version 13). When the manager
 *	of some of its locks is declared down, the kernel tells the new
 *	manager (dsm_lock_manager()) what it knows of each of them: payload
 *	LOCK_REQ with requester = this node and req_id = its request in
 *	flight (0: none), DSM_MGR_F_HAS_TOKEN if the token is here,
 *	DSM_MGR_F_FORWARDED if the request was forwarded; one more
 *	LOCK_STATE per forward kept here, its LOCK_REQ as the payload. Then
 *	one LOCK_STATE with DSM_MGR_F_STATE_DONE, LOCK_ID = the dead node
 *	and no payload (Documentation/lrc.md, "Failures: lock managers").
 */
enum dsm_mgr_op {
	DSM_MGR_LOCK_ACQUIRE,
	DSM_MGR_LOCK_RELEASE,
	DSM_MGR_BARRIER,
	DSM_MGR_GC_DONE,
	DSM_MGR_LOCK_STATE,

	__DSM_MGR_OP_MAX
};

/* DSM_A_MGR_FLAGS bits. */
#define DSM_MGR_F_MORE		0x1	/* more fragments with this cookie */
#define DSM_MGR_F_GC_WANTED	0x2	/* arrive: over the GC threshold */
#define DSM_MGR_F_GC		0x4	/* release: collect garbage now */
#define DSM_MGR_F_FORWARDED	0x8	/* lock reply: sent on to the tail */
#define DSM_MGR_F_MGR_DOWN	0x10	/* error reply: manager unreachable */
#define DSM_MGR_F_OWNER_DEAD	0x20	/* lock reply: the last holder died */
#define DSM_MGR_F_HAS_TOKEN	0x40	/* lock state: the token is here */
#define DSM_MGR_F_STATE_DONE	0x80	/* lock state: all sent */
/* (0x100 .. 0x400, 0x1000, 0x4000: dsmd's frame-only flags, never to a kernel) */
#define DSM_MGR_F_JOIN		0x800	/* release: this node joins here */
#define DSM_MGR_F_TOKEN_LEFT	0x2000	/* lock reply: its last holder left */
#define DSM_MGR_F_ALL		0x28ff

#define DSM_MGR_OP_MAX		(__DSM_MGR_OP_MAX - 1)

#endif /* _UAPI_LINUX_DSM_H */
