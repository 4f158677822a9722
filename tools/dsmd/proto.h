/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proto.h - the dsmd-to-dsmd control protocol (Documentation/
 * control-plane.md, "The dsmd protocol").
 *
 * One TCP connection per pair of nodes, opened by the node with the lower
 * id. Every message is a 16-byte header and a body of a fixed size per
 * type. Integers are little endian; names are NUL-padded; reserved fields
 * are zero. Peers are untrusted: dsmc_decode() checks every field, and a
 * message it refuses ends the connection (logged and counted by dsmd).
 *
 * Changelog of the protocol version:
 *  1: HELLO, HELLO_ACK, HEARTBEAT, REGION_ADD, REGION_DEL, BYE.
 */
#ifndef DSMD_PROTO_H
#define DSMD_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <linux/dsm.h>

#define DSMC_MAGIC		0x434d5344U	/* "DSMC" */
#define DSMC_VERSION_MIN	1
#define DSMC_VERSION_MAX	1
#define DSMC_HDR_SIZE		16
#define DSMC_BODY_MAX		64
#define DSMC_MSG_MAX		(DSMC_HDR_SIZE + DSMC_BODY_MAX)

enum dsmc_type {
	DSMC_HELLO = 1,		/* connecting side, first message */
	DSMC_HELLO_ACK,		/* accepting side, answer to HELLO */
	DSMC_HEARTBEAT,		/* every heartbeat-interval, both ways */
	DSMC_REGION_ADD,	/* a region exists (created or in a sync) */
	DSMC_REGION_DEL,	/* a region was deleted */
	DSMC_BYE,		/* the sender's dsmd stops: mark it down */

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
	};
};

/* Encode @m into @buf (DSMC_MSG_MAX bytes); returns its length, or -1. */
int dsmc_encode(const struct dsmc_msg *m, uint8_t *buf, size_t cap);

/*
 * dsmc_peek - look at the first @len bytes received. Returns 0 if the
 * header is incomplete, the whole message length if the header is valid,
 * or -1 with @why set if it is not (then drop the connection).
 */
int dsmc_peek(const uint8_t *buf, size_t len, const char **why);

/* dsmc_decode - validate and decode one whole message; 0, or -1 + @why. */
int dsmc_decode(const uint8_t *buf, size_t len, struct dsmc_msg *m,
		const char **why);

const char *dsmc_type_name(unsigned int type);

#endif /* DSMD_PROTO_H */
