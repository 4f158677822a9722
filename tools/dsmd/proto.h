/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proto.h - the dsmd-to-dsmd control protocol (Documentation/
 * control-plane.md, "The dsmd protocol").
 *
 * One TCP connection per pair of nodes, opened by the node with the lower
 * id. Every message is a 16-byte header and a body of a fixed size per
 * type, except the manager frames (version 2), whose fixed part is
 * followed by a payload of 0 .. DSM_MGR_PAYLOAD_MAX bytes, and
 * LOCK_HANDOVER (version 8), whose fixed part is followed by 0 ..
 * DSM_NODES_MAX records. Integers are little endian; names are
 * NUL-padded; reserved fields are zero. Peers are untrusted:
 * dsmc_decode() checks every field, and a message it refuses ends the
 * connection (logged and counted by dsmd).
 *
 * Changelog of the protocol version:
 *  1: HELLO, HELLO_ACK, HEARTBEAT, REGION_ADD, REGION_DEL, BYE.
 *  2: MGR_REQ, MGR_REPLY, LOCK_FWD: the lock and barrier managers. HELLO
 *     and HELLO_ACK are always sent with header version 1 (so that a
 *     version-1 peer can read them); afterwards both sides use the highest
 *     common version.
 *  3: REGION_ADD carries the region's owner, group and mode (struct
 *     dsmc_wire_region_perm after the version-1 body: 72 bytes). A
 *     REGION_ADD of version 1 or 2 has none; the receiver's kernel gives
 *     the region its default owner, group and mode.
 *     Also AUTH_CHALLENGE, AUTH_RESPONSE: peers prove they hold the cluster
 *     key (kmod/core/dsm_auth.h), and with a key every frame after the
 *     handshake carries a tag (Documentation/control-plane.md, "Peer
 *     authentication"). A node with a key needs version 3 of its peers.
 *  4: LINK_INFO, the last frame of a data connection's handshake, each
 *     way (tagged with a key: sequence 0 of the session): what the
 *     kernels' own HELLO used to say on the data link (the sender's
 *     module incarnation, its wire versions and page size, PREV_LOST).
 *     Data connections need version 4 of both ends (the kernel no longer
 *     speaks a HELLO of its own); control connections work as before.
 *  5: MEMBERS: a change of the membership and the home table that goes
 *     with it (Documentation/control-plane.md, "Runtime membership"):
 *     a request to the coordinator, its result, and the table itself.
 *  6: MEMBERS ops LEAVE and LEFT: a live node's graceful leave (node del
 *     of a node that is up): the coordinator asks the node to hand its
 *     pages over, the node says when it is done. A MEMBERS frame of an
 *     older header version carrying them is refused; they are sent only
 *     to peers of version 6.
 *  7: up to 64 nodes (issue 15 item 5): node ids 0 .. 63 wherever one is
 *     carried (HELLO, LINK_INFO, LOCK_FWD's requester, MEMBERS' node and
 *     bucket homes, a region's origin), MEMBERS' members any of 64 bits,
 *     and a region's origin slice DSM_SPACE_SIZE / 64 (16 GiB; 128 GiB
 *     before). No frame's layout changed: every id was a u32 (a bucket's
 *     home a u8) and members a u64 already. But the meaning of a region's
 *     offset did, so a dsmd of version 7 announces 7 as its lowest version
 *     (DSMC_VERSION_PEER_MIN) and refuses an older peer at the handshake
 *     ("no common protocol version"), as that one refuses it.
 *  8: lock managers hand a lock's state to its new manager when the
 *     membership changes (dsm_lock_manager() is the lock's key mod the
 *     members): LOCK_HANDOVER carries one lock's state, or the old
 *     manager's DONE. And MGR_REQ, MGR_REPLY and LOCK_FWD carry the
 *     sender's home table epoch (8 bytes more at the end of their fixed
 *     part, 0: no table yet), so that a frame from a node ahead of or
 *     behind the receiver's membership can be told apart; a manager that
 *     no longer manages a lock answers MGR_F_MOVED with the epoch of its
 *     table. A frame of version 7 has neither (its epoch decodes as 0),
 *     and a dsmd of version 8 still talks to one of version 7 at 7
 *     (DSMC_VERSION_PEER_MIN stays 7).
 *  9: a leaving node's free lock tokens (Documentation/lrc.md,
 *     "Leaving"): MGR_REQ op DSM_MGR_LOCK_RELEASE (the token of the lock
 *     is at the sender, free, never used there again; answered 0 or
 *     EBUSY),
 *     DSM_MGR_F_TOKEN_LEFT alone on a MGR_REPLY (a fresh token whose last
 *     holder left), MGR_HO_TOKEN_LEFT on a LOCK_HANDOVER. None of them
 *     goes to a peer of version 8 or older: it gets no release (the
 *     kernel hears EHOSTDOWN), DSM_MGR_F_OWNER_DEAD and
 *     MGR_HO_OWNER_DEAD instead (as before).
 * 10: a leaving manager's own free tokens (Documentation/lrc.md,
 *     "Leaving"): MGR_REQ op DSM_MGR_LOCK_RELEASE flagged MGR_F_KEPT
 *     alone, to every member, not answered. A peer of version 9 or older
 *     gets none (its next acquire of such a lock gets EOWNERDEAD, as
 *     before).
 * 11: adaptive homes (issue 17 item 4; Documentation/control-plane.md,
 *     "Adaptive homes"): MEMBERS REQUEST with change MOVE, from a home's
 *     dsmd to the coordinator: the buckets its kernel wishes moved
 *     (HOME_WANT), no cookie, never answered (no RESULT). The
 *     coordinator makes one table of the wishes at most once a second
 *     and sends it as a plain TABLE (change NONE), which every version
 *     adopts. A MOVE is refused in a frame of an older header version,
 *     and never sent to a coordinator of version 10 or older (the home's
 *     dsmd logs once that adaptive homes need version 11).
 */
#ifndef DSMD_PROTO_H
#define DSMD_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include <linux/dsm.h>

#include "dsm_auth.h"
#include "mgr.h"

#define DSMC_MAGIC		0x434d5344U	/* "DSMC" */
#define DSMC_VERSION_MIN	1
#define DSMC_VERSION_MAX	11
#define DSMC_VERSION_HELLO	1	/* header version of HELLO(_ACK) */
#define DSMC_VERSION_MGR	2	/* first version with MGR frames */
#define DSMC_VERSION_PERM	3	/* first REGION_ADD with permissions */
#define DSMC_VERSION_AUTH	3	/* first version with AUTH frames */
#define DSMC_VERSION_LINK	4	/* first version with LINK_INFO */
#define DSMC_VERSION_MEMBERS	5	/* first version with MEMBERS */
#define DSMC_VERSION_LEAVE	6	/* first with MEMBERS LEAVE, LEFT */
#define DSMC_VERSION_NODES64	7	/* first with 64 node ids and slices */
#define DSMC_VERSION_HANDOVER	8	/* first with LOCK_HANDOVER, epochs */
#define DSMC_VERSION_TOKEN_LEFT	9	/* first with LOCK_RELEASE, TOKEN_LEFT */
#define DSMC_VERSION_KEPT	10	/* first with LOCK_RELEASE KEPT */
#define DSMC_VERSION_HOME_MOVE	11	/* first with MEMBERS REQUEST MOVE */
/*
 * The lowest version a peer must speak (HELLO's version_min): the codec
 * still reads frames of every version, but a peer of a version before
 * DSMC_VERSION_NODES64 lays the DSM space out for 8 nodes.
 */
#define DSMC_VERSION_PEER_MIN	DSMC_VERSION_NODES64
#define DSMC_HDR_SIZE		16
#define DSMC_MGR_FIXED		32	/* largest fixed part of a MGR frame */
#define DSMC_BODY_MAX		(DSMC_MGR_FIXED + DSM_MGR_PAYLOAD_MAX)
#define DSMC_MSG_MAX		(DSMC_HDR_SIZE + DSMC_BODY_MAX)

enum dsmc_type {
	DSMC_HELLO = 1,		/* connecting side, first message */
	DSMC_HELLO_ACK,		/* accepting side, answer to HELLO */
	DSMC_HEARTBEAT,		/* every heartbeat-interval, both ways */
	DSMC_REGION_ADD,	/* a region exists (created or in a sync) */
	DSMC_REGION_DEL,	/* a region was deleted */
	DSMC_BYE,		/* the sender's dsmd stops: mark it down */
	DSMC_MGR_REQ,		/* v2: a kernel's request, to its manager */
	DSMC_MGR_REPLY,		/* v2: the manager's answer */
	DSMC_LOCK_FWD,		/* v2: lock manager to the lock's tail */
	DSMC_AUTH_CHALLENGE,	/* v3: a nonce (struct dsm_auth_wire_challenge) */
	DSMC_AUTH_RESPONSE,	/* v3: a handshake MAC (dsm_auth_wire_response) */
	DSMC_LINK_INFO,		/* v4: data link facts, for PEER_SOCKET */
	DSMC_MEMBERS,		/* v5: a membership change and its table */
	DSMC_LOCK_HANDOVER,	/* v8: a lock's state to its new manager, or DONE */

	DSMC_TYPE_END
};

/*
 * Wire layout: one packed little-endian struct per header and per body,
 * the offsets in bytes in the comments. proto.c asserts every size and
 * converts every field with htole*()/le*toh(); reserved fields are zero.
 * A payload's content is checked by the managers (mgr.c) with the core
 * decoder; the codec checks its length.
 */
struct dsmc_wire_hdr {
	__le32 magic;		/*  0: DSMC_MAGIC */
	__le16 version;		/*  4: protocol version of this message */
	__le16 type;		/*  6: enum dsmc_type */
	__le32 len;		/*  8: body length */
	__le32 reserved;	/* 12 */
} __attribute__((packed));

struct dsmc_wire_hello {	/* HELLO and HELLO_ACK: 56 bytes */
	__le32 node;		/*  0 */
	__le16 version_min;	/*  4 */
	__le16 version_max;	/*  6 */
	__le64 incarnation;	/*  8 */
	__le32 heartbeat_ms;	/* 16 */
	__le32 dead_ms;		/* 20 */
	uint8_t cluster[DSM_NAME_MAX];	/* 24 */
} __attribute__((packed));

/*
 * LINK_INFO: what the sender's module says about itself to the other end
 * of a data connection (its dsmd read it with GET_STATUS).
 */
struct dsmc_wire_link_info {	/* 32 bytes */
	__le32 node;		/*  0: sender */
	__le16 wire_min;	/*  4: lowest wire version its kernel speaks */
	__le16 wire_max;	/*  6: highest, >= wire_min */
	__le64 incarnation;	/*  8: its module's, not 0 */
	__le32 page_size;	/* 16: power of two, 4096 .. 65536 */
	__le32 flags;		/* 20: DSM_PEER_F_PREV_LOST (the receiver's) */
	__le64 reserved;	/* 24 */
} __attribute__((packed));

/* MEMBERS: what the message is (dsmc_wire_members.op). */
enum dsmc_members_op {
	DSMC_MEMB_REQUEST = 1,	/* to the coordinator: please make @change */
	DSMC_MEMB_RESULT,	/* its answer to a REQUEST: @error */
	DSMC_MEMB_TABLE,	/* the membership and table of @epoch */
	DSMC_MEMB_LEAVE,	/* v6: to @node: hand your pages over */
	DSMC_MEMB_LEFT,		/* v6: its answer: @error, 0 all handed over */
	DSMC_MEMB_OP_END
};

/* MEMBERS: which change (dsmc_wire_members.change). */
enum dsmc_members_change {
	DSMC_MEMB_NONE = 0,	/* a TABLE sent to a peer that connected */
	DSMC_MEMB_ADD,		/* @node joins at @addr, @port */
	DSMC_MEMB_DEL,		/* @node leaves */
	DSMC_MEMB_MOVE,		/* v11, REQUEST only: @node's bucket wishes */
	DSMC_MEMB_CHANGE_END
};

/* Home table buckets, as in the kernel (DSM_HOME_NR_BUCKETS). */
#define DSMC_HOME_BUCKETS	DSM_HOME_NR_BUCKETS
/* A MOVE's table[b]: no wish for bucket b (as the kernel's HOME_WANT). */
#define DSMC_HOME_NO_WISH	DSM_HOME_NO_WISH

/*
 * MEMBERS (version 5). A REQUEST names a change and a cookie; the
 * RESULT carries the cookie back with an errno (0 .. 4095); a TABLE
 * carries the epoch, the members and the bucket table (each byte a
 * member) and, for ADD, the new node's address. Version 6: a LEAVE
 * (change DEL, @node the leaving node, the coordinator's cookie) and its
 * LEFT (the same change, node and cookie, and an errno 0 .. 4095).
 * Version 11: a REQUEST with change MOVE (adaptive homes): @node the
 * wishing home, which must be the sender; @epoch the home table its
 * kernel counted the wishes under (0 .. DSM_HOME_EPOCH_MAX); table[b]
 * the node bucket b should move to (< DSM_NODES_MAX), or
 * DSMC_HOME_NO_WISH; cookie 0 (no RESULT comes back); members, family,
 * port, addr and error 0. Change MOVE with any other op is refused.
 * Fields an op does not use are zero; addr is zero past the family's
 * length.
 */
struct dsmc_wire_members {	/* 64 + DSMC_HOME_BUCKETS bytes */
	uint8_t op;		/*  0: enum dsmc_members_op */
	uint8_t change;		/*  1: enum dsmc_members_change */
	uint8_t family;		/*  2: ADD: 4 or 6; else 0 */
	uint8_t reserved0;	/*  3 */
	__le32 node;		/*  4: the node added or deleted; MOVE: the
				 * wishing home (the sender) */
	__le16 port;		/*  8: ADD: its dsmd port, not 0 */
	__le16 error;		/* 10: RESULT, LEFT: errno, 0 .. 4095 */
	__le32 reserved1;	/* 12 */
	__le64 cookie;		/* 16: REQUEST, RESULT: the requester's;
				 * LEAVE, LEFT: the coordinator's; MOVE 0 */
	__le64 epoch;		/* 24: TABLE: 1 .. DSM_HOME_EPOCH_MAX;
				 * MOVE: 0 .. DSM_HOME_EPOCH_MAX */
	__le64 members;		/* 32: TABLE: bit i: node i (< DSM_NODES_MAX) */
	uint8_t addr[16];	/* 40: ADD: IPv4 (4 bytes) or IPv6 */
	__le64 reserved2;	/* 56 */
	uint8_t table[DSMC_HOME_BUCKETS];	/* 64: TABLE: home of bucket b;
						 * MOVE: its wish */
} __attribute__((packed));

struct dsmc_wire_heartbeat {	/* 8 bytes */
	__le64 seq;		/*  0 */
} __attribute__((packed));

struct dsmc_wire_region_add {	/* 56 bytes */
	uint8_t name[DSM_NAME_MAX];	/*  0 */
	__le64 offset;		/* 32 */
	__le64 size;		/* 40 */
	__le32 origin;		/* 48 */
	uint8_t model;		/* 52: enum dsm_model */
	uint8_t flags;		/* 53: DSMC_REGION_F_* (reserved, zero, before) */
	uint8_t reserved[2];	/* 54 */
} __attribute__((packed));

/* dsmc_wire_region_add.flags: an lrc region with replicas 0 (issue 16). */
#define DSMC_REGION_F_NO_REPLICAS	0x01

/* Version 3: after struct dsmc_wire_region_add in a REGION_ADD. */
struct dsmc_wire_region_perm {	/* 16 bytes: 56 .. 71 of the body */
	__le32 uid;		/*  0: owner, 0 .. 2^32-2 */
	__le32 gid;		/*  4: group, 0 .. 2^32-2 */
	__le16 mode;		/*  8: bits of 0777 */
	__le16 reserved0;	/* 10 */
	__le32 reserved1;	/* 12 */
} __attribute__((packed));

struct dsmc_wire_region_del {	/* 48 bytes */
	uint8_t name[DSM_NAME_MAX];	/*  0 */
	__le64 offset;		/* 32 */
	__le32 origin;		/* 40 */
	__le32 reserved;	/* 44 */
} __attribute__((packed));

struct dsmc_wire_bye {		/* 8 bytes */
	__le32 reason;		/*  0: enum dsm_reason */
	__le32 reserved;	/*  4 */
} __attribute__((packed));

struct dsmc_wire_mgr_req {	/* 24 bytes, then the payload */
	__le64 cookie;		/*  0 */
	__le32 id;		/*  8: lock or barrier, by op */
	__le32 flags;		/* 12: DSM_MGR_F_MORE, _GC_WANTED */
	uint8_t op;		/* 16: enum dsm_mgr_op */
	uint8_t reserved0;	/* 17 */
	__le16 frag;		/* 18: fragment number of an arrival, 0 first */
	__le32 reserved1;	/* 20 */
	/* 24: payload, a core message (none for GC_DONE) */
} __attribute__((packed));

/*
 * Flags: DSM_MGR_F_MORE, _GC, _JOIN (a release to a node that joins lrc
 * there: Documentation/lrc.md), or MGR_F_FORWARDED, MGR_F_FWD_FAILED,
 * MGR_F_FWD_LOST or DSM_MGR_F_OWNER_DEAD (a lock's fresh token) alone,
 * from version 9 on DSM_MGR_F_TOKEN_LEFT alone (a fresh token too),
 * or from version 8 on MGR_F_MOVED alone (error 0, a payload, epoch 1 ..
 * DSM_HOME_EPOCH_MAX).
 */
struct dsmc_wire_mgr_reply {	/* 16 bytes, then the payload */
	__le64 cookie;		/*  0 */
	__le32 error;		/*  8: 0 .. 4095 */
	__le32 flags;		/* 12 */
	/* 16: payload, BARRIER_RELEASE, or none */
} __attribute__((packed));

struct dsmc_wire_lock_fwd {	/* 16 bytes, then the payload */
	__le32 lock;		/*  0 */
	__le32 requester;	/*  4: a node id */
	__le64 cookie;		/*  8: the requester's */
	/*
	 * 16: payload, a core LOCK_REQ, at least 1 byte; the tail can fail
	 * the request with requester and cookie when the payload is bad.
	 */
} __attribute__((packed));

/*
 * Version 8: each manager frame's fixed part of version 2, then the
 * sender's home table epoch (0 .. DSM_HOME_EPOCH_MAX, 0: it has no table
 * yet); the payload follows.
 */
struct dsmc_wire_mgr_req8 {	/* 32 bytes, then the payload */
	struct dsmc_wire_mgr_req v2;	/*  0 */
	__le64 epoch;		/* 24 */
} __attribute__((packed));

struct dsmc_wire_mgr_reply8 {	/* 24 bytes, then the payload */
	struct dsmc_wire_mgr_reply v2;	/*  0 */
	__le64 epoch;		/* 16 */
} __attribute__((packed));

struct dsmc_wire_lock_fwd8 {	/* 24 bytes, then the payload */
	struct dsmc_wire_lock_fwd v2;	/*  0 */
	__le64 epoch;		/* 16 */
} __attribute__((packed));

/* LOCK_HANDOVER: no tail, no forward (struct mgr_handover's -1). */
#define DSMC_HO_TAIL_NONE	0xffffffffU
#define DSMC_HO_FWD_NONE	0xff

/*
 * LOCK_HANDOVER (version 8): one lock's state from its old manager to its
 * new one (struct mgr_handover), or the old manager's DONE (flags exactly
 * MGR_HO_DONE, region and lock 0, no tail, no records). The body is
 * exactly 32 + 24 * @nr bytes.
 */
struct dsmc_wire_lock_handover {	/* 32 bytes, then @nr records */
	__le64 epoch;		/*  0: 1 .. DSM_HOME_EPOCH_MAX */
	__le32 flags;		/*  8: MGR_HO_OWNER_DEAD, MGR_HO_DONE */
	__le32 region;		/* 12 */
	__le32 lock;		/* 16 */
	__le32 tail;		/* 20: a node id, or DSMC_HO_TAIL_NONE */
	__le16 nr;		/* 24: records, 0 .. DSM_NODES_MAX */
	uint8_t reserved[6];	/* 26 */
	/* 32: @nr struct dsmc_wire_ho_rec, strictly ascending by node */
} __attribute__((packed));

struct dsmc_wire_ho_rec {	/* 24 bytes: struct mgr_ho_rec */
	uint8_t node;		/*  0: a node id */
	uint8_t fwd_to;		/*  1: a node id, or DSMC_HO_FWD_NONE */
	uint8_t reserved[6];	/*  2 */
	__le64 fwd_cookie;	/*  8: 0 without a forward */
	__le64 last_cookie;	/* 16 */
} __attribute__((packed));

/* LINK_INFO, decoded (struct dsmc_wire_link_info). */
struct dsmc_link {
	uint32_t node;
	uint16_t wire_min;
	uint16_t wire_max;
	uint64_t incarnation;
	uint32_t page_size;
	uint32_t flags;
};

struct dsmc_msg {
	uint16_t type;
	uint16_t version;
	union {
		struct {
			uint32_t node;
			uint16_t version_min;
			uint16_t version_max;
			uint64_t incarnation;
			uint32_t heartbeat_ms;
			uint32_t dead_ms;
			char cluster[DSM_NAME_MAX];
		} hello;
		struct {
			uint64_t seq;
		} heartbeat;
		struct {
			char name[DSM_NAME_MAX];
			uint64_t offset;
			uint64_t size;
			uint32_t origin;
			uint8_t model;
			uint8_t replicas;	/* DSM_A_REGION_REPLICAS */
			/*
			 * REGION_ADD of version 3 on: owner, group, mode
			 * (always encoded; @has_perm set by the decoder).
			 */
			bool has_perm;
			uint32_t uid;
			uint32_t gid;
			uint16_t mode;
		} region;
		struct {
			uint32_t reason;
		} bye;
		struct dsmc_link link;			/* LINK_INFO */
		struct {				/* MEMBERS */
			uint8_t op;
			uint8_t change;
			uint8_t family;		/* AF_INET, AF_INET6 or 0 */
			uint32_t node;
			uint16_t port;
			uint16_t error;
			uint64_t cookie;
			uint64_t epoch;
			uint64_t members;
			uint8_t addr[16];
			uint8_t table[DSMC_HOME_BUCKETS];
		} memb;
		struct dsm_auth_challenge chal;		/* AUTH_CHALLENGE */
		struct dsm_auth_response resp;		/* AUTH_RESPONSE */
		struct {		/* MGR_REQ, MGR_REPLY, LOCK_FWD */
			uint64_t cookie;
			uint32_t id;
			uint32_t flags;
			uint32_t error;
			uint8_t op;
			uint16_t frag;
			uint32_t requester;	/* LOCK_FWD */
			/*
			 * The sender's home table epoch: encoded from
			 * version 8 on, 0 from a frame of an older one.
			 */
			uint64_t epoch;
			const uint8_t *payload;	/* view into the buffer */
			uint32_t len;
		} mgr;
		struct mgr_handover ho;			/* LOCK_HANDOVER */
	};
};

/*
 * Encode @m into @buf (@cap bytes; DSMC_MSG_MAX always suffices); returns
 * its length, or -1 if @m is invalid or does not fit.
 */
int dsmc_encode(const struct dsmc_msg *m, uint8_t *buf, size_t cap);

/*
 * dsmc_peek - look at the first @len bytes received. Returns 0 if the
 * header is incomplete, the whole message length if the header is valid,
 * or -1 with @why set if it is not (then drop the connection).
 */
int dsmc_peek(const uint8_t *buf, size_t len, const char **why);

/*
 * dsmc_decode - validate and decode one whole message; 0, or -1 + @why.
 * A MGR frame's payload is a view into @buf.
 */
int dsmc_decode(const uint8_t *buf, size_t len, struct dsmc_msg *m,
		const char **why);

/*
 * dsmc_consume - decode every whole message at the start of @buf (@*len
 * bytes received), hand each to @fn, then drop the consumed bytes: an
 * incomplete rest is moved to the start of @buf and @*len becomes its
 * length. A MGR frame's payload is a view into @buf, so the bytes move
 * only after @fn has returned for every message (several frames may
 * arrive in one read).
 * @fn returns 0 to go on, or non-zero when @buf is no longer the caller's
 * to keep (the connection was closed): dsmc_consume then returns 1 at once
 * and touches neither @buf nor @*len.
 * Returns 0, 1 (stopped by @fn), or -1 with @why set for a bad message
 * (drop the connection).
 */
int dsmc_consume(uint8_t *buf, size_t *len,
		 int (*fn)(void *ctx, const struct dsmc_msg *m), void *ctx,
		 const char **why);

const char *dsmc_type_name(unsigned int type);

/*
 * dsmc_link_agree - can the kernel that sent LINK_INFO @theirs share a
 * data link with ours (@ours, as this dsmd would send it)? The same page
 * size, and a wire version both speak: 0 and the highest such in @*wire,
 * or -1 and in @why (@len bytes) what differs, with both values.
 */
int dsmc_link_agree(const struct dsmc_link *ours,
		    const struct dsmc_link *theirs, uint16_t *wire,
		    char *why, size_t len);

#endif /* DSMD_PROTO_H */
