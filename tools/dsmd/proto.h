/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proto.h - the dsmd-to-dsmd control protocol (Documentation/
 * control-plane.md, "The dsmd protocol").
 *
 * One TCP connection per pair of nodes, opened by the node with the lower
 * id. Every message is a 16-byte header and a body of a fixed size per
 * type, except the manager frames (version 2), whose fixed part is
 * followed by a payload of 0 .. DSM_MGR_PAYLOAD_MAX bytes. Integers are little endian; names are NUL-padded; reserved fields
 * are zero. Peers are untrusted: dsmc_decode() checks every field, and a
 * message it refuses ends the connection (logged and counted by dsmd).
 *
 * Changelog of the protocol version:
 *  1: HELLO, HELLO_ACK, HEARTBEAT, REGION_ADD, REGION_DEL, BYE.
 *  2: MGR_REQ, MGR_REPLY, LOCK_FWD: the lock and barrier managers. HELLO
 *     and HELLO_ACK are always sent with header version 1 (so that a
 *     version-1 peer can read them); afterwards both sides use the highest
 *     common version.
 */
#ifndef DSMD_PROTO_H
#define DSMD_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <linux/dsm.h>

#define DSMC_MAGIC		0x434d5344U	/* "DSMC" */
#define DSMC_VERSION_MIN	1
#define DSMC_VERSION_MAX	2
#define DSMC_VERSION_HELLO	1	/* header version of HELLO(_ACK) */
#define DSMC_VERSION_MGR	2	/* first version with MGR frames */
#define DSMC_HDR_SIZE		16
#define DSMC_MGR_FIXED		24	/* largest fixed part of a MGR frame */
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

	DSMC_TYPE_END
};

/*
 * Wire layout (offsets in bytes):
 *  header:     0 magic u32, 4 version u16, 6 type u16, 8 body length u32,
 *              12 reserved u32
 *  HELLO, HELLO_ACK (56): 0 node u32, 4 version_min u16, 6 version_max u16,
 *              8 incarnation u64, 16 heartbeat_ms u32, 20 dead_ms u32,
 *              24 cluster[32]
 *  HEARTBEAT (8): 0 seq u64
 *  REGION_ADD (56): 0 name[32], 32 offset u64, 40 size u64, 48 origin u32,
 *              52 model u8, 53 reserved[3]
 *  REGION_DEL (48): 0 name[32], 32 offset u64, 40 origin u32,
 *              44 reserved u32
 *  BYE (8):    0 reason u32 (enum dsm_reason), 4 reserved u32
 *  MGR_REQ (24 + payload): 0 cookie u64, 8 id u32 (lock or barrier, by
 *              op), 12 flags u32 (DSM_MGR_F_MORE, _GC_WANTED), 16 op u8,
 *              17 reserved u8, 18 frag u16 (fragment number of an
 *              arrival, 0 first), 20 reserved u32, 24 payload (a core
 *              message; none for GC_DONE)
 *  MGR_REPLY (16 + payload): 0 cookie u64, 8 error u32 (0 .. 4095),
 *              12 flags u32 (DSM_MGR_F_MORE, _GC, or MGR_F_FORWARDED or
 *              MGR_F_FWD_FAILED alone), 16 payload (BARRIER_RELEASE, or
 *              none)
 *  LOCK_FWD (16 + payload): 0 lock u32, 4 requester u32 (a node id),
 *              8 cookie u64 (the requester's), 16 payload (a core
 *              LOCK_REQ, at least 1 byte; the tail can fail the request
 *              with requester and cookie when the payload is bad)
 * A payload's content is checked by the managers (mgr.c) with the core
 * decoder; the codec checks its length.
 */
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
		} region;
		struct {
			uint32_t reason;
		} bye;
		struct {		/* MGR_REQ, MGR_REPLY, LOCK_FWD */
			uint64_t cookie;
			uint32_t id;
			uint32_t flags;
			uint32_t error;
			uint8_t op;
			uint16_t frag;
			uint32_t requester;	/* LOCK_FWD */
			const uint8_t *payload;	/* view into the buffer */
			uint32_t len;
		} mgr;
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

#endif /* DSMD_PROTO_H */
