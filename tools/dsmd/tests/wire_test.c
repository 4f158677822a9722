// SPDX-License-Identifier: GPL-2.0
/*
 * wire_test.c - the dsmd control protocol's bytes, pinned.
 *
 * Every frame type is encoded with known field values and compared with
 * bytes captured from the encoder as it was before proto.c moved from
 * byte offsets to packed structs (the offset encoder of commit 96a7e6b):
 * the wire format must not change, as dsmds of both builds talk to each
 * other. Each vector is then decoded and must give back its fields, and
 * encode again to the same bytes.
 *
 * The AUTH frames (version 3) were pinned when they were added, from
 * Documentation/protocol.md's table, not from the encoder; MEMBERS LEFT
 * (version 6), MEMBERS of version 7 (node 63) and MEMBERS REQUEST MOVE
 * (version 11) from proto.h's struct dsmc_wire_members. Version 7 moved
 * the region slices (DSM_SPACE_SIZE / 64): REGION_ADD's and REGION_DEL's
 * offsets were pinned again then. The manager frames of versions 7 and 8
 * and LOCK_HANDOVER (version 8) were pinned from proto.h's structs when
 * version 8 was added: version 7's are version 2's bytes.
 *
 * Field values are distinct in every byte, so a field written at the
 * wrong offset, with the wrong width or in the wrong byte order shows.
 * Fields a type does not carry are set too: the encoder must ignore them.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "mgr.h"
#include "proto.h"
#include "unit.h"

static const uint8_t pl7[7] = { 0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6, 0x07 };
static const uint8_t pl5[5] = { 0x5e, 0x4d, 0x3c, 0x2b, 0x1a };
static const uint8_t pl3[3] = { 0x33, 0x22, 0x11 };

/*
 * Every field of the MGR frames' union, set: each type keeps its own, and
 * the epoch is sent from version 8 on only.
 */
#define MGR_ALL(_cookie, _id, _flags, _error, _op, _frag, _req, _epoch, \
		_pl, _len)						\
	.mgr = { .cookie = (_cookie), .id = (_id), .flags = (_flags),	\
		 .error = (_error), .op = (_op), .frag = (_frag),	\
		 .requester = (_req), .epoch = (_epoch), .payload = (_pl), \
		 .len = (_len) }

/**
 * struct wire_vec - one frame and its bytes.
 * @m:		what is encoded (version 0: the type's default).
 * @hex:	the expected bytes, as hex digits; blanks are ignored.
 * @trunc:	@m's name does not survive (encoded truncated to 31 bytes):
 *		skip the field comparison after decoding.
 */
struct wire_vec {
	const char *name;
	struct dsmc_msg m;
	const char *hex;
	bool trunc;
};

static const struct wire_vec vecs[] = {
	{ .name = "HELLO",
	  .m = { .type = DSMC_HELLO, .hello = {
		.node = 5, .version_min = 1, .version_max = 2,
		.incarnation = 0x0011223344556677ULL,
		.heartbeat_ms = 0x1234, .dead_ms = 0x2345a,
		.cluster = "vc-1.x_Y" } },
	  .hex =
		"44534d43 01000100 38000000 00000000"
		"05000000 01000200 77665544 33221100"
		"34120000 5a340200 76632d31 2e785f59"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000" },
	{ .name = "HELLO_ACK",
	  .m = { .type = DSMC_HELLO_ACK, .hello = {
		.node = 3, .version_min = 2, .version_max = 0x0302,
		.incarnation = 0x001fedcba9876543ULL,
		.heartbeat_ms = 10, .dead_ms = 600000,
		.cluster = "abcdefghijklmnopqrstuvwxyz01234" } },
	  .hex =
		"44534d43 01000200 38000000 00000000"
		"03000000 02000203 436587a9 cbed1f00"
		"0a000000 c0270900 61626364 65666768"
		"696a6b6c 6d6e6f70 71727374 75767778"
		"797a3031 32333400" },
	{ .name = "HELLO, 32-byte cluster name cut to 31",
	  .m = { .type = DSMC_HELLO, .hello = {
		.node = 1, .version_min = 1, .version_max = 1,
		.incarnation = 1, .heartbeat_ms = 12345, .dead_ms = 600000,
		.cluster = { 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H',
			     'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P',
			     'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X',
			     'Y', 'Z', '0', '1', '2', '3', '4', '5' } } },
	  .hex =
		"44534d43 01000100 38000000 00000000"
		"01000000 01000100 01000000 00000000"
		"39300000 c0270900 41424344 45464748"
		"494a4b4c 4d4e4f50 51525354 55565758"
		"595a3031 32333400",
	  .trunc = true },
	{ .name = "HEARTBEAT",
	  .m = { .type = DSMC_HEARTBEAT,
		 .heartbeat = { .seq = 0x8899aabbccddeeffULL } },
	  .hex =
		"44534d43 01000300 08000000 00000000"
		"ffeeddcc bbaa9988" },
	{ .name = "HEARTBEAT, version 2",
	  .m = { .type = DSMC_HEARTBEAT, .version = 2,
		 .heartbeat = { .seq = 1 } },
	  .hex =
		"44534d43 02000300 08000000 00000000"
		"01000000 00000000" },
	{ .name = "REGION_ADD",
	  .m = { .type = DSMC_REGION_ADD, .region = {
		.name = "region-7.a", .offset = 3 * DSM_REGION_SLICE + 0x12345000,
		.size = 0x00abc000, .origin = 3, .model = DSM_MODEL_LRC,
		.replicas = 1 } },
	  .hex =
		"44534d43 01000400 38000000 00000000"
		"72656769 6f6e2d37 2e610000 00000000"
		"00000000 00000000 00000000 00000000"
		"00503412 0c000000 00c0ab00 00000000"
		"03000000 01000000" },
	/* Version 3: the same body, then owner, group and mode. */
	{ .name = "REGION_ADD (version 3, permissions)",
	  .m = { .type = DSMC_REGION_ADD, .version = 3, .region = {
		.name = "region-7.a", .offset = 3 * DSM_REGION_SLICE + 0x12345000,
		.size = 0x00abc000, .origin = 3, .model = DSM_MODEL_LRC,
		.replicas = 1,
		.uid = 0x01020304, .gid = 0x0a0b0c0d, .mode = 0640 } },
	  .hex =
		"44534d43 03000400 48000000 00000000"
		"72656769 6f6e2d37 2e610000 00000000"
		"00000000 00000000 00000000 00000000"
		"00503412 0c000000 00c0ab00 00000000"
		"03000000 01000000 04030201 0d0c0b0a"
		"a0010000 00000000" },
	/* An lrc region with replicas 0 (issue 16): flag 0x01 at 53. */
	{ .name = "REGION_ADD (replicas 0)",
	  .m = { .type = DSMC_REGION_ADD, .region = {
		.name = "region-7.a", .offset = 3 * DSM_REGION_SLICE + 0x12345000,
		.size = 0x00abc000, .origin = 3, .model = DSM_MODEL_LRC } },
	  .hex =
		"44534d43 01000400 38000000 00000000"
		"72656769 6f6e2d37 2e610000 00000000"
		"00000000 00000000 00000000 00000000"
		"00503412 0c000000 00c0ab00 00000000"
		"03000000 01010000" },
	{ .name = "REGION_DEL",
	  .m = { .type = DSMC_REGION_DEL, .region = {
		.name = "Z9", .offset = 6 * DSM_REGION_SLICE + 0x354321000ULL,
		.size = 0x1111111000ULL, .origin = 6,
		.model = DSM_MODEL_LRC } },
	  .hex =
		"44534d43 01000500 30000000 00000000"
		"5a390000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00103254 1b000000 06000000 00000000" },
	{ .name = "BYE",
	  .m = { .type = DSMC_BYE, .bye = { .reason = DSM_REASON_LEFT } },
	  .hex =
		"44534d43 01000600 08000000 00000000"
		"03000000 00000000" },
	{ .name = "MGR_REQ (barrier arrival)",
	  .m = { .type = DSMC_MGR_REQ,
		 MGR_ALL(0x8877665544332211ULL, 0xdeadbeef,
			 DSM_MGR_F_MORE | DSM_MGR_F_GC_WANTED, 0x0badcafe,
			 DSM_MGR_BARRIER, 0x0102, 6, 0x313233343536ULL, pl7,
			 sizeof(pl7)) },
	  .hex =
		"44534d43 02000700 1f000000 00000000"
		"11223344 55667788 efbeadde 03000000"
		"02000201 00000000 a1b2c3d4 e5f607" },
	{ .name = "MGR_REQ (gc done, no payload)",
	  .m = { .type = DSMC_MGR_REQ,
		 MGR_ALL(0x0706050403020100ULL, 0x00c0ffee, 0, 77,
			 DSM_MGR_GC_DONE, 0xfffe, 2, 1, NULL, 0) },
	  .hex =
		"44534d43 02000700 18000000 00000000"
		"00010203 04050607 eeffc000 00000000"
		"0300feff 00000000" },
	{ .name = "MGR_REPLY (release fragment)",
	  .m = { .type = DSMC_MGR_REPLY,
		 MGR_ALL(0xfedcba9876543210ULL, 0x13572468,
			 DSM_MGR_F_MORE | DSM_MGR_F_GC, 4095, DSM_MGR_BARRIER, 9, 4,
			 0x0102030405ULL, pl5, sizeof(pl5)) },
	  .hex =
		"44534d43 02000800 15000000 00000000"
		"10325476 98badcfe ff0f0000 05000000"
		"5e4d3c2b 1a" },
	{ .name = "MGR_REPLY (forwarded)",
	  .m = { .type = DSMC_MGR_REPLY,
		 MGR_ALL(0x1000000000000001ULL, 5, MGR_F_FORWARDED, 0,
			 DSM_MGR_LOCK_ACQUIRE, 1, 1, 7, NULL, 0) },
	  .hex =
		"44534d43 02000800 10000000 00000000"
		"01000000 00000010 00000000 00010000" },
	{ .name = "MGR_REPLY (forward failed)",
	  .m = { .type = DSMC_MGR_REPLY,
		 MGR_ALL(0x2000000000000002ULL, 6, MGR_F_FWD_FAILED, 71,
			 DSM_MGR_LOCK_ACQUIRE, 2, 2, 8, NULL, 0) },
	  .hex =
		"44534d43 02000800 10000000 00000000"
		"02000000 00000020 47000000 00020000" },
	{ .name = "LOCK_FWD",
	  .m = { .type = DSMC_LOCK_FWD,
		 MGR_ALL(0x0123456789abcdefULL, 0xa5a55a5a, 0x3, 0x44,
			 DSM_MGR_LOCK_ACQUIRE, 0x4321, 7, 0x99, pl3,
			 sizeof(pl3)) },
	  .hex =
		"44534d43 02000900 13000000 00000000"
		"5a5aa5a5 07000000 efcdab89 67452301"
		"332211" },
	/*
	 * Version 7: the manager frames' bytes of version 2 (the epoch set
	 * is not sent); version 8: the epoch after the fixed part.
	 */
	{ .name = "MGR_REQ (version 7, barrier arrival)",
	  .m = { .type = DSMC_MGR_REQ, .version = DSMC_VERSION_NODES64,
		 MGR_ALL(0x8877665544332211ULL, 0xdeadbeef,
			 DSM_MGR_F_MORE | DSM_MGR_F_GC_WANTED, 0x0badcafe,
			 DSM_MGR_BARRIER, 0x0102, 6, 0x313233343536ULL, pl7,
			 sizeof(pl7)) },
	  .hex =
		"44534d43 07000700 1f000000 00000000"
		"11223344 55667788 efbeadde 03000000"
		"02000201 00000000 a1b2c3d4 e5f607" },
	{ .name = "MGR_REQ (version 8, barrier arrival)",
	  .m = { .type = DSMC_MGR_REQ, .version = DSMC_VERSION_HANDOVER,
		 MGR_ALL(0x8877665544332211ULL, 0xdeadbeef,
			 DSM_MGR_F_MORE | DSM_MGR_F_GC_WANTED, 0x0badcafe,
			 DSM_MGR_BARRIER, 0x0102, 6, 0xa1a2a3a4a5a6ULL, pl7,
			 sizeof(pl7)) },
	  .hex =
		"44534d43 08000700 27000000 00000000"
		"11223344 55667788 efbeadde 03000000"
		"02000201 00000000 a6a5a4a3 a2a10000"
		"a1b2c3d4 e5f607" },
	{ .name = "MGR_REPLY (version 7, release fragment)",
	  .m = { .type = DSMC_MGR_REPLY, .version = DSMC_VERSION_NODES64,
		 MGR_ALL(0xfedcba9876543210ULL, 0x13572468,
			 DSM_MGR_F_MORE | DSM_MGR_F_GC, 4095, DSM_MGR_BARRIER, 9, 4,
			 0x0102030405ULL, pl5, sizeof(pl5)) },
	  .hex =
		"44534d43 07000800 15000000 00000000"
		"10325476 98badcfe ff0f0000 05000000"
		"5e4d3c2b 1a" },
	{ .name = "MGR_REPLY (version 8, moved)",
	  .m = { .type = DSMC_MGR_REPLY, .version = DSMC_VERSION_HANDOVER,
		 MGR_ALL(0x1000000000000003ULL, 0x24681357, MGR_F_MOVED, 0,
			 DSM_MGR_LOCK_ACQUIRE, 3, 3, 0xfedcba987654ULL, pl3,
			 sizeof(pl3)) },
	  .hex =
		"44534d43 08000800 1b000000 00000000"
		"03000000 00000010 00000000 00100000"
		"547698ba dcfe0000 332211" },
	{ .name = "LOCK_FWD (version 7)",
	  .m = { .type = DSMC_LOCK_FWD, .version = DSMC_VERSION_NODES64,
		 MGR_ALL(0x0123456789abcdefULL, 0xa5a55a5a, 0x3, 0x44,
			 DSM_MGR_LOCK_ACQUIRE, 0x4321, 7, 0x99, pl3,
			 sizeof(pl3)) },
	  .hex =
		"44534d43 07000900 13000000 00000000"
		"5a5aa5a5 07000000 efcdab89 67452301"
		"332211" },
	{ .name = "LOCK_FWD (version 8, requester 63)",
	  .m = { .type = DSMC_LOCK_FWD, .version = DSMC_VERSION_HANDOVER,
		 MGR_ALL(0x0123456789abcdefULL, 0xa5a55a5a, 0x3, 0x44,
			 DSM_MGR_LOCK_ACQUIRE, 0x4321, 63, 0x0a0b0c0d0e0fULL,
			 pl3, sizeof(pl3)) },
	  .hex =
		"44534d43 08000900 1b000000 00000000"
		"5a5aa5a5 3f000000 efcdab89 67452301"
		"0f0e0d0c 0b0a0000 332211" },
	/* Version 8: a lock's state to its new manager, or DONE. */
	{ .name = "LOCK_HANDOVER (two records, no tail)",
	  .m = { .type = DSMC_LOCK_HANDOVER,
		 .version = DSMC_VERSION_HANDOVER,
		 .ho = { .epoch = 0x112233445566ULL,
			 .flags = MGR_HO_OWNER_DEAD, .region = 0x0a0b0c0d,
			 .lock_id = 0x01020304, .tail = -1, .nr = 2,
			 .rec = { { .node = 5, .fwd_to = 63,
				    .fwd_cookie = 0x8877665544332211ULL,
				    .last_cookie = 0x0123456789abcdefULL },
				  { .node = 40, .fwd_to = -1,
				    .last_cookie =
					0xfedcba9876543210ULL } } } },
	  .hex =
		"44534d43 08000e00 50000000 00000000"
		"66554433 22110000 01000000 0d0c0b0a"
		"04030201 ffffffff 02000000 00000000"
		"053f0000 00000000 11223344 55667788"
		"efcdab89 67452301 28ff0000 00000000"
		"00000000 00000000 10325476 98badcfe" },
	{ .name = "LOCK_HANDOVER (tail 63, one record)",
	  .m = { .type = DSMC_LOCK_HANDOVER,
		 .version = DSMC_VERSION_HANDOVER,
		 .ho = { .epoch = 1, .region = 0xfffffffe, .lock_id = 7,
			 .tail = 63, .nr = 1,
			 .rec = { { .node = 0, .fwd_to = 62, .fwd_cookie = 1,
				    .last_cookie = 2 } } } },
	  .hex =
		"44534d43 08000e00 38000000 00000000"
		"01000000 00000000 00000000 feffffff"
		"07000000 3f000000 01000000 00000000"
		"003e0000 00000000 01000000 00000000"
		"02000000 00000000" },
	{ .name = "LOCK_HANDOVER (DONE)",
	  .m = { .type = DSMC_LOCK_HANDOVER,
		 .version = DSMC_VERSION_HANDOVER,
		 .ho = { .epoch = 9, .flags = MGR_HO_DONE, .tail = -1 } },
	  .hex =
		"44534d43 08000e00 20000000 00000000"
		"09000000 00000000 02000000 00000000"
		"00000000 ffffffff 00000000 00000000" },
	{ .name = "AUTH_CHALLENGE",
	  .m = { .type = DSMC_AUTH_CHALLENGE, .version = DSMC_VERSION_AUTH,
		 .chal = {
		.from = 3, .to = 5, .cluster_id = 0x0123456789abcdefULL,
		.nonce = { 
			0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
			0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
			0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
			0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f  } } },
	  .hex =
		"44534d43 03000a00 38000000 00000000"
		"01000000 03000000 05000000 00000000"
		"efcdab89 67452301 00010203 04050607"
		"08090a0b 0c0d0e0f 10111213 14151617"
		"18191a1b 1c1d1e1f" },
	{ .name = "AUTH_RESPONSE",
	  .m = { .type = DSMC_AUTH_RESPONSE, .version = DSMC_VERSION_AUTH,
		 .resp = {
		.from = 6, .mac = { 
			0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
			0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
			0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
			0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf  } } },
	  .hex =
		"44534d43 03000b00 28000000 00000000"
		"01000000 06000000 a0a1a2a3 a4a5a6a7"
		"a8a9aaab acadaeaf b0b1b2b3 b4b5b6b7"
		"b8b9babb bcbdbebf" },
	{ .name = "LINK_INFO",
	  .m = { .type = DSMC_LINK_INFO, .version = DSMC_VERSION_LINK,
		 .link = { .node = 2, .wire_min = 3, .wire_max = 5,
			   .incarnation = 0x0123456789abcdefULL,
			   .page_size = 4096,
			   .flags = DSM_PEER_F_PREV_LOST } },
	  .hex =
		"44534d43 04000c00 20000000 00000000"
		"02000000 03000500 efcdab89 67452301"
		"00100000 01000000 00000000 00000000" },
	{ .name = "MEMBERS",
	  .m = { .type = DSMC_MEMBERS, .version = DSMC_VERSION_MEMBERS,
		 .memb = { .op = DSMC_MEMB_TABLE, .change = DSMC_MEMB_ADD,
			   .family = AF_INET, .node = 3, .port = 7900,
			   .epoch = 2, .members = 0xf,
			   .addr = { 10, 213, 0, 4 } } },
	  .hex =
		"44534d43 05000d00 88030000 00000000"
		"03010400 03000000 dc1e0000 00000000"
		"00000000 00000000 02000000 00000000"
		"0f000000 00000000 0ad50004 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000" },
	/* Version 7: 64 nodes; node 63 added, members 0, 40 and 63. */
	{ .name = "MEMBERS (version 7, node 63)",
	  .m = { .type = DSMC_MEMBERS, .version = DSMC_VERSION_NODES64,
		 .memb = { .op = DSMC_MEMB_TABLE, .change = DSMC_MEMB_ADD,
			   .family = AF_INET, .node = 63, .port = 7900,
			   .epoch = 2, .members = 0x8000010000000001ULL,
			   .addr = { 10, 213, 0, 4 },
			   .table = { [0] = 63, [1] = 40 } } },
	  .hex =
		"44534d43 07000d00 88030000 00000000"
		"03010400 3f000000 dc1e0000 00000000"
		"00000000 00000000 02000000 00000000"
		"01000000 00010080 0ad50004 00000000"
		"00000000 00000000 00000000 00000000"
		"3f280000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000" },
	/* Version 11: node 5's wishes, counted under table 0x0102030405. */
	{ .name = "MEMBERS REQUEST MOVE (version 11)",
	  .m = { .type = DSMC_MEMBERS, .version = DSMC_VERSION_HOME_MOVE,
		 .memb = { .op = DSMC_MEMB_REQUEST, .change = DSMC_MEMB_MOVE,
			   .node = 5, .epoch = 0x0102030405ULL,
			   .table = { [0] = 63, [1] = 40, [838] = 7,
				      [839] = DSMC_HOME_NO_WISH } } },
	  .hex =
		"44534d43 0b000d00 88030000 00000000"
		"01030000 05000000 00000000 00000000"
		"00000000 00000000 05040302 01000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"3f280000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 000007ff" },
	{ .name = "MEMBERS LEFT (version 6)",
	  .m = { .type = DSMC_MEMBERS, .version = DSMC_VERSION_LEAVE,
		 .memb = { .op = DSMC_MEMB_LEFT, .change = DSMC_MEMB_DEL,
			   .node = 6, .error = 0x0e0d,
			   .cookie = 0x0123456789abcdefULL } },
	  .hex =
		"44534d43 06000d00 88030000 00000000"
		"05020000 06000000 00000d0e 00000000"
		"efcdab89 67452301 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000 00000000 00000000"
		"00000000 00000000" },
};

/* @hex (blanks ignored) into @out; the number of bytes, -1 if malformed. */
static int unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1, v;

	for (; *hex; hex++) {
		if (isspace((unsigned char)*hex))
			continue;
		if (!isxdigit((unsigned char)*hex) || n == cap)
			return -1;
		v = isdigit((unsigned char)*hex) ? *hex - '0' :
		    tolower((unsigned char)*hex) - 'a' + 10;
		if (hi < 0) {
			hi = v;
			continue;
		}
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	return hi < 0 ? (int)n : -1;
}

/* A manager frame's epoch: sent from version 8 on, else decoded as 0. */
static bool same_epoch(const struct dsmc_msg *a, const struct dsmc_msg *b)
{
	return b->mgr.epoch == (a->version >= DSMC_VERSION_HANDOVER ?
				a->mgr.epoch : 0);
}

/* The fields @a's type carries are the same in @b. */
static bool same_fields(const struct dsmc_msg *a, const struct dsmc_msg *b)
{
	switch (a->type) {
	case DSMC_HELLO:
	case DSMC_HELLO_ACK:
		return a->hello.node == b->hello.node &&
		       a->hello.version_min == b->hello.version_min &&
		       a->hello.version_max == b->hello.version_max &&
		       a->hello.incarnation == b->hello.incarnation &&
		       a->hello.heartbeat_ms == b->hello.heartbeat_ms &&
		       a->hello.dead_ms == b->hello.dead_ms &&
		       !strcmp(a->hello.cluster, b->hello.cluster);
	case DSMC_HEARTBEAT:
		return a->heartbeat.seq == b->heartbeat.seq;
	case DSMC_REGION_ADD:
		return !strcmp(a->region.name, b->region.name) &&
		       a->region.offset == b->region.offset &&
		       a->region.size == b->region.size &&
		       a->region.origin == b->region.origin &&
		       a->region.model == b->region.model &&
		       a->region.replicas == b->region.replicas &&
		       (a->version < DSMC_VERSION_PERM ? !b->region.has_perm :
			b->region.has_perm && a->region.uid == b->region.uid &&
			a->region.gid == b->region.gid &&
			a->region.mode == b->region.mode);
	case DSMC_REGION_DEL:
		return !strcmp(a->region.name, b->region.name) &&
		       a->region.offset == b->region.offset &&
		       a->region.origin == b->region.origin;
	case DSMC_BYE:
		return a->bye.reason == b->bye.reason;
	case DSMC_AUTH_CHALLENGE:
		return !memcmp(&a->chal, &b->chal, sizeof(a->chal));
	case DSMC_AUTH_RESPONSE:
		return !memcmp(&a->resp, &b->resp, sizeof(a->resp));
	case DSMC_LINK_INFO:
		return !memcmp(&a->link, &b->link, sizeof(a->link));
	case DSMC_LOCK_HANDOVER:
		return ho_same(&a->ho, &b->ho);
	case DSMC_MEMBERS:
		return a->memb.op == b->memb.op &&
		       a->memb.change == b->memb.change &&
		       a->memb.family == b->memb.family &&
		       a->memb.node == b->memb.node &&
		       a->memb.port == b->memb.port &&
		       a->memb.error == b->memb.error &&
		       a->memb.cookie == b->memb.cookie &&
		       a->memb.epoch == b->memb.epoch &&
		       a->memb.members == b->memb.members &&
		       !memcmp(a->memb.addr, b->memb.addr, 16) &&
		       !memcmp(a->memb.table, b->memb.table,
			       sizeof(a->memb.table));
	}
	if (a->mgr.len != b->mgr.len ||
	    (a->mgr.len && memcmp(a->mgr.payload, b->mgr.payload, a->mgr.len)))
		return false;
	switch (a->type) {
	case DSMC_MGR_REQ:
		return a->mgr.cookie == b->mgr.cookie &&
		       a->mgr.id == b->mgr.id && a->mgr.flags == b->mgr.flags &&
		       a->mgr.op == b->mgr.op && a->mgr.frag == b->mgr.frag &&
		       same_epoch(a, b);
	case DSMC_MGR_REPLY:
		return a->mgr.cookie == b->mgr.cookie &&
		       a->mgr.error == b->mgr.error &&
		       a->mgr.flags == b->mgr.flags && same_epoch(a, b);
	case DSMC_LOCK_FWD:
		return a->mgr.id == b->mgr.id &&
		       a->mgr.requester == b->mgr.requester &&
		       a->mgr.cookie == b->mgr.cookie && same_epoch(a, b);
	}
	return false;
}

static void test_vec(const struct wire_vec *v)
{
	uint8_t want[DSMC_MSG_MAX], got[DSMC_MSG_MAX], again[DSMC_MSG_MAX];
	int wlen = unhex(v->hex, want, sizeof(want)), len, len2 = -1;
	const char *why = NULL;
	struct dsmc_msg out;
	char name[96];
	bool dec;

	len = dsmc_encode(&v->m, got, sizeof(got));
	snprintf(name, sizeof(name), "wire: %s encodes to the pinned bytes",
		 v->name);
	ok(wlen > 0 && len == wlen && !memcmp(got, want, wlen), name);
	dec = wlen > 0 && !dsmc_decode(want, wlen, &out, &why);
	if (dec)
		len2 = dsmc_encode(&out, again, sizeof(again));
	snprintf(name, sizeof(name), "wire: %s decodes back", v->name);
	ok(dec && out.type == v->m.type &&
	   out.version == (v->m.version ? v->m.version :
			   v->m.type >= DSMC_MGR_REQ ? DSMC_VERSION_MGR :
			   DSMC_VERSION_HELLO) &&
	   (v->trunc || same_fields(&v->m, &out)) &&
	   len2 == wlen && !memcmp(again, want, wlen), name);
	if (why)
		printf("# %s: %s\n", v->name, why);
}

/*
 * With DSMD_SEEDS_DIR set (make -C tools/dsmd seeds), write each vector's
 * bytes there, one file per frame: the seed corpus of fuzz/fuzz_dsmc.c.
 */
static void write_seed(const char *dir, const struct wire_vec *v)
{
	uint8_t bytes[DSMC_MSG_MAX];
	int len = unhex(v->hex, bytes, sizeof(bytes));
	char path[512], *c;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, v->name);
	for (c = path + strlen(dir) + 1; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-')
			*c = '_';
	f = fopen(path, "wb");
	n = f && len > 0 ? fwrite(bytes, 1, len, f) : 0;
	ok(f && !fclose(f) && len > 0 && n == (size_t)len,
	   "wire: seed written");
}

void test_wire(void)
{
	const char *seeds = getenv("DSMD_SEEDS_DIR");
	size_t i;

	for (i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		test_vec(&vecs[i]);
		if (seeds)
			write_seed(seeds, &vecs[i]);
	}
}
