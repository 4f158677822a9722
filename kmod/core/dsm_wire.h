/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_wire.h - the message format between the kernels of different nodes.
 *
 * Documentation/protocol.md is the specification; this header is its
 * executable form. Every message is a 32-byte header followed by a body
 * whose layout depends on the type. All integers are little endian; every
 * structure below is the exact on-wire layout (naturally aligned, no
 * implicit padding, multiples of 8 bytes); reserved fields are sent as
 * zero and rejected when not zero.
 *
 * Receiving: dsm_wire_peek() validates a header alone (so a receiver reads
 * no more than a plausible length), dsm_wire_decode() validates a whole
 * message, every field of it, and fills a struct dsm_msg in host order.
 * Variable parts (page data, interval records, diff wants, diffs) are not
 * copied: the struct holds views into the caller's buffer, walked with the
 * dsm_msg_next_*() iterators, which cannot fail on a decoded message.
 *
 * Sending: dsm_wire_enc_begin(), one body function, list entries if the
 * type has a list, then dsm_wire_enc_end(), which fills in the lengths and
 * runs the decoder over the result, so an encoder never emits a message
 * its peer would reject.
 *
 * Changelog of the wire version:
 *  1: first version: HELLO, sc (Ivy) page protocol, lrc (TreadMarks) locks,
 *     barriers, intervals and diffs.
 *  2: HELLO and HELLO_REPLY carry struct dsm_wire_hello_v2 after the
 *     version-1 body: the sender's incarnation (one configuration of its
 *     module), so that a restarted node is recognised on the data port,
 *     and DSM_HELLO_F_PREV_LOST. Version 1 is no longer spoken: it
 *     cannot tell a restarted node from the one before (issue 12).
 *  3: LOCK_REQ, LOCK_GRANT, BARRIER_ARRIVE and BARRIER_RELEASE name the
 *     namespace of their lock or barrier (the region word, see
 *     DSM_WIRE_REGION_MAX): a lock or barrier is (region, id), so that two
 *     regions' lock 5 are two locks (issue 13). LOCK_GRANT's region takes
 *     the place of its reserved word; LOCK_REQ and the barrier messages
 *     grow by 8 bytes. Version 2 is no longer spoken: its locks and
 *     barriers have no namespace.
 *  4: the diffs of DIFF_REPLY are denser (kmod/core/dsm_diff.h): a 4-byte
 *     header (format, reserved, le16 size) instead of 8, run headers of
 *     1, 2 or 4 bytes instead of 4, and a bitmap format for dense short
 *     runs, chosen per diff by size (issue 17); on a TCP link with keys,
 *     a frame's tag comes right after its 32-byte header instead of
 *     after the message (Documentation/protocol.md). Version 3 is no longer
 *     spoken: its diffs have the old encoding. The peers' dsmds agree on
 *     a link's version (their LINK_INFO); nodes of version 3 and 4 have
 *     none in common, and their data link is refused with a log line.
 *  5: the header's last word, reserved until now, carries the sender's
 *     home-table epoch (dsm_home.h), below 2^48 (DSM_HOME_EPOCH_MAX; its
 *     top 16 bits stay reserved), so that a home can refuse a page
 *     request addressed by an older table (NACK ESTALE, its own epoch in
 *     the header) and hold one addressed by a newer table until its own
 *     table catches up (issue 15). Version 4 is no longer spoken: a node
 *     that sends no epoch could ask a home that is not the page's any
 *     more and never be told, and the home-table rules would need a
 *     second, weaker path for it; every node of a cluster runs the same
 *     module. Nodes of version 4 and 5 have none in common, and their
 *     data link is refused with a log line (as between 3 and 4).
 *  6: HOME_XFER (16) and HOME_XFER_ACK (17): a bucket's old home hands
 *     the directory entries of its pages (owner, copyset, lost) to the
 *     bucket's new home when a home table moves the bucket (issue 15 item
 *     2, Documentation/sc.md "Moving a bucket"); DIFF_BACKUP (18) and
 *     DIFF_BACKUP_ACK (19): a writer pushes the diffs of each interval it
 *     releases to a backup node, which serves them when the writer is
 *     lost (issue 16, Documentation/lrc.md "Backed-up releases").
 *     Version 5 is no longer spoken: its homes cannot hand a directory
 *     over, so a table that moves a bucket in use would lose the pages'
 *     owners, and a node without backups would leave its intervals
 *     unprotected unnoticed.
 *  7: IV_REQ (20) and IV_REPLY (21), both with a LOCK_GRANT's body: a
 *     node whose lock token was re-created after its holder died
 *     (EOWNERDEAD) asks every live node for the intervals its timestamp
 *     lacks, and a lost writer's backup adds those of the lost writer it
 *     keeps (issue 16, Documentation/lrc.md "What an EOWNERDEAD acquirer
 *     sees"). Version 6 is no longer spoken: its nodes neither ask nor
 *     answer, so a dead holder's released intervals would stay unknown.
 *  8: DIR_QUERY (22) and DIR_REPLY (23): the new home of buckets whose
 *     old home is lost (or never handed them over) asks every live member
 *     what it holds of their pages (access, and whether it has a frame),
 *     and rebuilds their directory entries from the answers (issue 15
 *     item 3, Documentation/sc.md "Re-homing after a failure"). Version
 *     7 is no longer spoken: its nodes cannot answer, so a new home would
 *     start the pages of a dead node's buckets empty (pages of zeros).
 *  9: version tags and shadows (issue 15 item 3; the design is checked
 *     in Documentation/model.md, "Shadows"):
 *     every frame of a page carries a version tag, (ver, sync), so that
 *     after a node dies the member with the newest frame of a page can
 *     be found. PAGE_FWD and PAGE_GRANT carry the page's version the home
 *     gives the transaction (their reserved word), a HOME_XFER entry the
 *     page's version (its reserved1), a DIR_REPLY entry the tag of the
 *     sender's frame (its reserved words). New flags: DSM_PAGE_F_SHADOW
 *     (PAGE_FWD: the owner serves the page from a shadow frame),
 *     DSM_GRANT_F_SHADOW (with NO_DATA: the requester's own shadow frame
 *     is the copy), DSM_XFER_E_SHADOW (the owner holds only a shadow
 *     frame). SHADOW_PUSH (24) and SHADOW_ACK (25): msync pushes an
 *     owner's page, with its tag, to a shadow holder. Version 8 is no
 *     longer spoken: its nodes neither tag frames nor answer with tags,
 *     so a new home could not tell which member has the newest frame of
 *     a page, and they cannot store a pushed shadow.
 * 10: up to 64 nodes (issue 15 item 5): node ids 0 .. 63 in the header
 *     and in every node field, copysets of bits 0 .. 63, timestamps of
 *     1 .. 64 entries (lrc sent all 64 at first; later, still version
 *     10, each timestamp goes at its significant width, dsm_vt_width(),
 *     which receivers always took: entries beyond read as zero). No
 *     layout changes: node fields were le16, copysets le64 and
 *     timestamps n entries wide already. Version 9 is no longer spoken:
 *     its nodes refuse node ids from 8 and timestamps wider than 8,
 *     which a version-10 node sends, so a mixed cluster would fail
 *     mid-run; with no version in common their data link is refused at
 *     its start.
 * 11: re-replication of copies (issue 15 item 3): a SHADOW_PUSH may
 *     carry a sync count of 0. A node whose read copy or shadow of a
 *     page became the page's only copy (the nodes it shared it with
 *     died) pushes it with its own tag, which is (ver, 0) unless an
 *     owner's push made it; an owner's push still counts at least 1. No
 *     layout change. Version 10 is no longer spoken: its nodes refuse a
 *     push of sync 0, so such a page would stay with one copy.
 * 12: SHADOW_DROP (26), with SHADOW_ACK's body (sync 0): at the CONFIRM
 *     of a write, a page's home tells the nodes whose frames the write
 *     made useless (invalidated readers, and the node that kept the
 *     previous write's shadow, when the old owner keeps one of the
 *     version the writer started from) to free frames tagged older than
 *     the version sent, so that a node holds one shadow per page at
 *     most, not every frame it ever had (issue 15 item 3,
 *     Documentation/sc.md "Dropping shadows"). Version 11 is no longer
 *     spoken: its nodes refuse type 26.
 * 13: LRC_REJOIN (27) and LRC_REJOIN_ACK (28), both with struct
 *     dsm_wire_rejoin (le32 floor, le32 reserved): a node whose earlier
 *     incarnation its peers declared lost, once it joined lrc again at a
 *     collecting barrier, tells every member the interval index its new
 *     incarnation continues from: its intervals at or below floor are the
 *     old incarnation's (served by its backup), those above are the new
 *     one's (served by itself); each member answers LRC_REJOIN_ACK,
 *     echoing the floor, or a NACK (issue 16 item 4). Version 12 is no
 *     longer spoken: its nodes refuse types 27 and 28.
 * 14: DIFF_PUSH (29), with DIFF_BACKUP's body: at a barrier arrival, the
 *     writer sends the diffs of the interval the arrival ends to the
 *     nodes that asked it for those pages' diffs before (DIFF_REQ), so
 *     that the diffs are there when the release makes the pages invalid,
 *     instead of a round trip after it (issue 17; Documentation/lrc.md
 *     "Pushed diffs"). No reply; a node that no longer uses a page
 *     answers NACK(DIFF_PUSH, ENOENT, arg the page) and is no longer
 *     pushed its diffs. Version 13 is no longer spoken: its nodes refuse
 *     type 29.
 * HELLO and HELLO_REPLY (types 1 and 2, always at header version 1) are
 * retired, whatever the version: the peers' dsmds agree on the version
 * of a link and hand it to the kernels (PEER_SOCKET, netlink family
 * version 6), which exchange no handshake of their own. The decoder
 * refuses the two types; their numbers are never reused.
 */
#ifndef _DSM_WIRE_H
#define _DSM_WIRE_H

#include "dsm_core_env.h"
#include "dsm_limits.h"
#include "dsm_vt.h"
#include "dsm_interval.h"

/* "DSMW" in the first four bytes of every message. */
#define DSM_WIRE_MAGIC		0x574d5344U

/* Wire versions this code speaks; see the changelog above. */
#define DSM_WIRE_VERSION_MIN	14
#define DSM_WIRE_VERSION_MAX	14

/*
 * The region word of a lock or barrier (version 3): 0 is the cluster-wide
 * namespace (ids of API version 3, CAP_SYS_ADMIN only); a region's is its
 * offset in the DSM space / 4096 + 1 (DSM_REGION_ALIGN; the space is
 * 1 TiB), which every node agrees on, so at most 1 << 28.
 * dsm_sync_region() converts; the decoder refuses larger words.
 */
#define DSM_WIRE_REGION_SHIFT	12
#define DSM_WIRE_REGION_MAX	0x10000000U	/* 1 TiB / 4096 */

#define DSM_WIRE_HDR_SIZE	32

/* Message types (u8). Numbers are never reused. */
enum dsm_wire_type {
	DSM_MSG_HELLO		= 1,	/* retired: reserved, never reused */
	DSM_MSG_HELLO_REPLY	= 2,	/* retired: reserved, never reused */
	DSM_MSG_PAGE_REQ	= 3,	/* sc: requester -> home */
	DSM_MSG_PAGE_FWD	= 4,	/* sc: home -> owner */
	DSM_MSG_PAGE_GRANT	= 5,	/* sc: owner -> requester, reply */
	DSM_MSG_INVAL		= 6,	/* sc: home -> copy holder */
	DSM_MSG_INVAL_ACK	= 7,	/* sc: copy holder -> home, reply */
	DSM_MSG_CONFIRM		= 8,	/* sc: requester -> home, notice */
	DSM_MSG_NACK		= 9,	/* any request refused, reply */
	DSM_MSG_LOCK_REQ	= 10,	/* lrc: acquirer -> manager -> holder */
	DSM_MSG_LOCK_GRANT	= 11,	/* lrc: holder -> acquirer, reply */
	DSM_MSG_BARRIER_ARRIVE	= 12,	/* lrc: node -> barrier manager */
	DSM_MSG_BARRIER_RELEASE	= 13,	/* lrc: manager -> node, reply */
	DSM_MSG_DIFF_REQ	= 14,	/* lrc: faulting node -> writer */
	DSM_MSG_DIFF_REPLY	= 15,	/* lrc: writer -> faulting node, reply */
	DSM_MSG_HOME_XFER	= 16,	/* sc: old home -> new home (v6) */
	DSM_MSG_HOME_XFER_ACK	= 17,	/* sc: new home -> old home, reply */
	DSM_MSG_DIFF_BACKUP	= 18,	/* lrc: writer -> its backup */
	DSM_MSG_DIFF_BACKUP_ACK	= 19,	/* lrc: backup -> writer, reply */
	DSM_MSG_IV_REQ		= 20,	/* lrc: owner-dead acquirer -> node */
	DSM_MSG_IV_REPLY	= 21,	/* lrc: node -> acquirer, reply */
	DSM_MSG_DIR_QUERY	= 22,	/* sc: new home -> member (v8) */
	DSM_MSG_DIR_REPLY	= 23,	/* sc: member -> new home, reply */
	DSM_MSG_SHADOW_PUSH	= 24,	/* sc: owner -> shadow holder (v9) */
	DSM_MSG_SHADOW_ACK	= 25,	/* sc: shadow holder -> owner, reply */
	DSM_MSG_SHADOW_DROP	= 26,	/* sc: home -> frame holder (v12) */
	DSM_MSG_LRC_REJOIN	= 27,	/* lrc: rejoined node -> member (v13) */
	DSM_MSG_LRC_REJOIN_ACK	= 28,	/* lrc: member -> that node, reply */
	DSM_MSG_DIFF_PUSH	= 29,	/* lrc: writer -> reader (v14) */
	DSM_MSG_TYPE_MAX	= DSM_MSG_DIFF_PUSH,
};

/* Header flags. */
#define DSM_WIRE_F_REPLY	0x01	/* set exactly on reply types */
/*
 * More LOCK_GRANTs (IV_REPLYs) with this req_id follow (a grant larger
 * than one message); allowed on LOCK_GRANT and IV_REPLY only.
 */
#define DSM_WIRE_F_MORE		0x02
#define DSM_WIRE_F_ALL		(DSM_WIRE_F_REPLY | DSM_WIRE_F_MORE)

/* Access modes of PAGE_REQ, PAGE_FWD, PAGE_GRANT and CONFIRM. */
#define DSM_ACCESS_READ		1
#define DSM_ACCESS_WRITE	2

/* PAGE_REQ/PAGE_FWD flags: the requester holds a valid read copy. */
#define DSM_PAGE_F_HAVE_COPY	0x01
/*
 * PAGE_FWD flags (version 9, not on PAGE_REQ): the owner holds the page
 * only as a shadow frame (access none) of a rebuilt entry; serve it from
 * that frame.
 */
#define DSM_PAGE_F_SHADOW	0x02
/* PAGE_GRANT flags: no page data follows (upgrade of a held copy). */
#define DSM_GRANT_F_NO_DATA	0x01
/*
 * PAGE_GRANT flags (version 9), only with NO_DATA: the copy is the
 * requester's own shadow frame.
 */
#define DSM_GRANT_F_SHADOW	0x02

/* HOME_XFER flags: the last of its (epoch, old home) transfer. */
#define DSM_XFER_F_LAST		0x01
/* HOME_XFER entry flags: the page is lost (its owner died). */
#define DSM_XFER_E_LOST		0x01
/* HOME_XFER entry flags: the owner holds only a shadow frame; not with LOST. */
#define DSM_XFER_E_SHADOW	0x02
/* DIR_REPLY flags: the last answer to its DIR_QUERY. */
#define DSM_DIR_F_LAST		0x01
/* DIR_REPLY entry flags: the node has a frame for the page (even unmapped). */
#define DSM_DIR_E_HELD		0x01
/* DIR_QUERY's bucket bitmap: DSM_HOME_BUCKETS bits, padded to 8 bytes. */
#define DSM_WIRE_DIR_MAP	112

/*
 * Why the decoder refused a message. Each has an errno class
 * (dsm_wire_reject_errno()) and a name for the log
 * (dsm_wire_reject_name()); the module counts them per reason.
 */
enum dsm_wire_reject {
	DSM_WIRE_OK,
	DSM_WIRE_R_SHORT,	/* buffer shorter than header or length */
	DSM_WIRE_R_LONG,	/* buffer longer than the length field */
	DSM_WIRE_R_MAGIC,	/* not a dsm message */
	DSM_WIRE_R_VERSION,	/* wire version not spoken here */
	DSM_WIRE_R_TYPE,	/* unknown message type */
	DSM_WIRE_R_FLAGS,	/* unknown flag, or reply flag wrong */
	DSM_WIRE_R_MSGSIZE,	/* length field below header or above max */
	DSM_WIRE_R_NODE,	/* node id out of range, or src == dst */
	DSM_WIRE_R_RESERVED,	/* reserved field or padding not zero */
	DSM_WIRE_R_BODY_LEN,	/* body length wrong for the type */
	DSM_WIRE_R_PAGE,	/* page number out of range */
	DSM_WIRE_R_ACCESS,	/* bad access mode or page flags */
	DSM_WIRE_R_FIELD,	/* other field out of range */
	DSM_WIRE_R_NR_NODES,	/* vector timestamp width out of range */
	DSM_WIRE_R_COUNT,	/* list count out of range */
	DSM_WIRE_R_INTERVAL,	/* interval record inconsistent */
	DSM_WIRE_R_ORDER,	/* list not strictly ascending */
	DSM_WIRE_R_DIFF,	/* embedded diff invalid */
	DSM_WIRE_R_NR		/* number of reasons */
};

/* On-wire layouts. */

struct dsm_wire_hdr {
	__le32 magic;		/* DSM_WIRE_MAGIC */
	__le16 version;		/* wire version of this message */
	u8 type;		/* enum dsm_wire_type */
	u8 flags;		/* DSM_WIRE_F_* */
	__le32 len;		/* total bytes, header included */
	__le16 src;		/* sending node */
	__le16 dst;		/* receiving node */
	__le64 req_id;		/* request id; a reply carries its request's */
	__le64 epoch;		/* sender's home-table epoch (version 5),
				 * <= DSM_HOME_EPOCH_MAX: 16 top bits zero
				 */
};

struct dsm_wire_page_req {
	__le64 page;
	u8 access;		/* DSM_ACCESS_* */
	u8 flags;		/* DSM_PAGE_F_* */
	__le16 reserved0;
	__le32 reserved1;
};

struct dsm_wire_page_fwd {
	__le64 page;
	u8 access;
	u8 flags;
	__le16 requester;	/* node the grant goes to, != header dst */
	__le32 ver;		/* the page's version for this transaction
				 * (version 9), any value
				 */
	__le64 req_id;		/* request id the grant must carry */
};

struct dsm_wire_page_grant {	/* then DSM_PAGE_SIZE bytes unless NO_DATA */
	__le64 page;
	u8 access;
	u8 flags;		/* DSM_GRANT_F_* */
	__le16 owner;		/* owner after the grant; == dst for write */
	__le32 ver;		/* the page's version for this transaction
				 * (version 9), any value
				 */
	__le64 copyset;		/* bit n: node n holds a read copy */
};

struct dsm_wire_inval {
	__le64 page;
	__le16 new_owner;
	__le16 reserved0;
	__le32 reserved1;
};

struct dsm_wire_inval_ack {
	__le64 page;
	__le64 reserved;
};

struct dsm_wire_confirm {
	__le64 page;
	u8 access;
	u8 reserved0;
	__le16 reserved1;
	__le32 reserved2;
};

struct dsm_wire_nack {
	__le32 error;		/* positive Linux errno, 1 .. 4095 */
	u8 nacked_type;		/* type of the refused request */
	u8 reserved0;
	__le16 reserved1;
	__le64 arg;		/* page number or lock id, 0 if none */
};

struct dsm_wire_lock_req {	/* then a vector timestamp */
	__le32 lock_id;
	__le16 requester;	/* acquirer; a forward keeps it */
	__le16 nr_nodes;	/* width of the timestamp that follows */
	__le64 req_id;		/* request id the grant must carry */
	__le32 region;		/* namespace, <= DSM_WIRE_REGION_MAX */
	__le32 reserved;
};

/*
 * LOCK_GRANT, IV_REQ (no intervals: the set's timestamp is what the
 * asker has) and IV_REPLY.
 */
struct dsm_wire_lock_grant {	/* then an interval set */
	__le32 lock_id;
	__le32 region;		/* namespace, <= DSM_WIRE_REGION_MAX */
};

struct dsm_wire_barrier {	/* ARRIVE and RELEASE; then an interval set */
	__le32 barrier_id;
	__le32 epoch;		/* how many times this barrier completed */
	__le32 region;		/* namespace, <= DSM_WIRE_REGION_MAX */
	__le32 reserved;
};

struct dsm_wire_ivset {		/* then a timestamp, then the intervals */
	__le16 nr_nodes;	/* width of every timestamp in the set */
	__le16 nr_intervals;
	__le32 reserved;
};

struct dsm_wire_interval {	/* then a timestamp, then le64 notices */
	__le16 creator;
	__le16 nr_notices;
	__le32 index;
};

struct dsm_wire_diff_req {	/* then nr_wants struct dsm_wire_diff_id */
	__le64 page;
	__le16 nr_wants;
	__le16 reserved0;
	__le32 reserved1;
};

struct dsm_wire_diff_id {	/* in DIFF_REQ; heads each DIFF_REPLY diff */
	__le16 node;
	__le16 reserved;
	__le32 interval;
};

struct dsm_wire_diff_reply {	/* then nr_diffs (diff id, diff, padding) */
	__le64 page;
	__le16 nr_diffs;
	__le16 reserved0;
	__le32 reserved1;
};

/*
 * DIFF_BACKUP: then nr_diffs entries (le64 page, ascending; a diff of
 * dsm_diff.h; zero padding to 8 bytes), the diffs of writer (header src)
 * interval @interval, or some of them (a large interval is sent in several
 * messages, each acked). DIFF_BACKUP_ACK: this body alone, echoing
 * @interval, @nr_diffs the diffs stored. DIFF_PUSH (version 14): as
 * DIFF_BACKUP, to a reader of the pages, never acked.
 */
struct dsm_wire_diff_backup {
	__le32 interval;	/* >= 1 */
	__le16 nr_diffs;	/* 1 .. DSM_WIRE_MAX_BACKUP_DIFFS; ack: 0 .. */
	__le16 reserved;
};

struct dsm_wire_home_xfer {	/* then nr_entries dsm_wire_xfer_entry */
	__le64 epoch;		/* the table that moved the buckets, 1 ..
				 * DSM_HOME_EPOCH_MAX
				 */
	__le16 nr_entries;	/* 0 .. DSM_WIRE_MAX_XFER; 0 only if LAST */
	u8 flags;		/* DSM_XFER_F_* */
	u8 reserved0;
	__le32 reserved1;
};

struct dsm_wire_xfer_entry {	/* one page's directory entry */
	__le64 page;		/* strictly ascending in a message */
	__le64 copyset;		/* read copies, the owner excluded */
	__le16 owner;		/* < DSM_MAX_NODES */
	u8 flags;		/* DSM_XFER_E_* */
	u8 reserved0;
	__le32 ver;		/* the page's version (version 9), any value */
};

struct dsm_wire_home_xfer_ack {
	__le64 epoch;		/* the HOME_XFER's */
	__le16 nr_entries;	/* entries installed */
	u8 flags;		/* the HOME_XFER's DSM_XFER_F_LAST */
	u8 reserved0;
	__le32 error;		/* 0, or a positive errno: refused */
};

struct dsm_wire_dir_query {
	__le64 epoch;		/* the table that moved the buckets, 1 ..
				 * DSM_HOME_EPOCH_MAX
				 */
	__le64 reserved;
	u8 buckets[DSM_WIRE_DIR_MAP];	/* bit b (byte b / 8, bit b % 8):
					 * bucket b asked; none at or above
					 * DSM_HOME_BUCKETS, at least one
					 */
};

struct dsm_wire_dir_reply {	/* then nr_entries dsm_wire_dir_entry */
	__le64 epoch;		/* the DIR_QUERY's */
	__le16 nr_entries;	/* 0 .. DSM_WIRE_MAX_DIR; 0 only if LAST */
	u8 flags;		/* DSM_DIR_F_* */
	u8 reserved0;
	__le32 reserved1;
};

struct dsm_wire_dir_entry {	/* what the sender has of one page */
	__le64 page;		/* strictly ascending in a message */
	u8 access;		/* 0, DSM_ACCESS_READ or DSM_ACCESS_WRITE */
	u8 flags;		/* DSM_DIR_E_*; an entry says something */
	__le16 sync;		/* the tag of the sender's frame (version 9): */
	__le32 ver;		/* ver, then sync; any values */
};

/*
 * SHADOW_PUSH (then DSM_PAGE_SIZE bytes of page data) and SHADOW_ACK (no
 * data), version 9: an owner's page and its version tag, pushed to a
 * shadow holder by msync; the ack echoes what was stored. SHADOW_DROP
 * (no data, sync 0), version 12: the home tells a node to free its frame
 * of the page if it is a shadow tagged older than ver.
 */
struct dsm_wire_shadow {
	__le64 page;
	__le32 ver;		/* the page's version, any value */
	__le16 sync;		/* its push count; 0 in a DROP */
	__le16 reserved;
};

/*
 * LRC_REJOIN and LRC_REJOIN_ACK (version 13): a node whose earlier
 * incarnation was declared lost, back in lrc, names the last interval
 * index of that incarnation; the ack echoes it.
 */
struct dsm_wire_rejoin {
	__le32 floor;		/* any value */
	__le32 reserved;
};

/* Bytes of a vector timestamp of @n entries on the wire, padded to 8. */
#define DSM_WIRE_VT_SIZE(n)	((((n) + 1U) & ~1U) * 4U)

/* Decoded messages, host order. */

struct dsm_msg_hdr {
	u16 version;
	u8 type;
	u8 flags;
	u32 len;
	u16 src;
	u16 dst;
	u64 req_id;
	u64 epoch;
};

struct dsm_msg_page_req {
	u64 page;
	u8 access;
	u8 flags;
};

struct dsm_msg_page_fwd {
	u64 page;
	u8 access;
	u8 flags;
	u16 requester;
	u32 ver;
	u64 req_id;
};

/* @data: DSM_PAGE_SIZE bytes in the message, NULL iff DSM_GRANT_F_NO_DATA */
struct dsm_msg_page_grant {
	u64 page;
	u8 access;
	u8 flags;
	u16 owner;
	u32 ver;
	u64 copyset;
	const u8 *data;
};

struct dsm_msg_inval {
	u64 page;
	u16 new_owner;
};

struct dsm_msg_inval_ack {
	u64 page;
};

struct dsm_msg_confirm {
	u64 page;
	u8 access;
};

struct dsm_msg_nack {
	u32 error;
	u8 nacked_type;
	u64 arg;
};

struct dsm_msg_lock_req {
	u32 lock_id;
	u32 region;
	u16 requester;
	u64 req_id;
	struct dsm_vt vt;
};

/**
 * struct dsm_msg_ivset - a decoded interval set (a view).
 * @vt:			the sender's vector timestamp; it dominates every
 *			interval's timestamp in the set.
 * @nr_intervals:	records that follow, ascending by (creator, index).
 * @p:			first record, inside the decoded buffer.
 * @len:		bytes of records at @p.
 */
struct dsm_msg_ivset {
	struct dsm_vt vt;
	u16 nr_intervals;
	const u8 *p;
	u32 len;
};

struct dsm_msg_lock_grant {
	u32 lock_id;
	u32 region;
	struct dsm_msg_ivset iv;
};

struct dsm_msg_barrier {
	u32 barrier_id;
	u32 region;
	u32 epoch;
	struct dsm_msg_ivset iv;
};

/*
 * @ids: @nr_wants struct dsm_wire_diff_id, ascending by (node, interval).
 * Interval 0 (the whole page, after a garbage collection) may only be
 * the first id.
 */
struct dsm_msg_diff_req {
	u64 page;
	u16 nr_wants;
	const u8 *ids;
};

/* @p/@len: @nr_diffs entries, ascending by (node, interval) */
struct dsm_msg_diff_reply {
	u64 page;
	u16 nr_diffs;
	const u8 *p;
	u32 len;
};

/* DIFF_BACKUP, DIFF_BACKUP_ACK; @p/@len: the entries (not in an ack) */
struct dsm_msg_diff_backup {
	u32 interval;
	u16 nr_diffs;
	const u8 *p;
	u32 len;
};

/* @p: @nr_entries struct dsm_wire_xfer_entry, ascending by page */
struct dsm_msg_home_xfer {
	u64 epoch;
	u16 nr_entries;
	u8 flags;
	const u8 *p;
};

struct dsm_msg_home_xfer_ack {
	u64 epoch;
	u16 nr_entries;
	u8 flags;
	u32 error;
};

struct dsm_msg_dir_query {
	u64 epoch;
	u8 buckets[DSM_WIRE_DIR_MAP];
};

/* @p: @nr_entries struct dsm_wire_dir_entry, ascending by page */
struct dsm_msg_dir_reply {
	u64 epoch;
	u16 nr_entries;
	u8 flags;
	const u8 *p;
};

/**
 * struct dsm_dir_entry - what a DIR_REPLY's sender has of a page.
 * @page:	the page.
 * @ver:	the version tag of the sender's frame (version 9): @ver,
 *		then @sync, compared in that order.
 * @sync:	see @ver.
 * @access:	0, DSM_ACCESS_READ or DSM_ACCESS_WRITE.
 * @flags:	DSM_DIR_E_*.
 */
struct dsm_dir_entry {
	u64 page;
	u32 ver;
	u16 sync;
	u8 access;
	u8 flags;
};

/**
 * struct dsm_xfer_entry - one directory entry of a HOME_XFER (host order).
 * @page:	the page.
 * @copyset:	nodes holding a read copy, @owner excluded.
 * @owner:	the node holding the up-to-date copy.
 * @flags:	DSM_XFER_E_*.
 * @ver:	the page's version (version 9).
 */
struct dsm_xfer_entry {
	u64 page;
	u64 copyset;
	u16 owner;
	u8 flags;
	u32 ver;
};

/**
 * struct dsm_msg_shadow - SHADOW_PUSH or SHADOW_ACK (version 9), or
 * SHADOW_DROP (version 12).
 * @page:	the page.
 * @ver:	its version (DROP: frames tagged older than it may go).
 * @sync:	its push count (PUSH, ACK: any, a copy's push may count 0;
 *		DROP: 0).
 * @data:	PUSH: the DSM_PAGE_SIZE bytes of the page, in the message;
 *		ACK, DROP: NULL.
 */
struct dsm_msg_shadow {
	u64 page;
	u32 ver;
	u16 sync;
	const void *data;
};

/**
 * struct dsm_msg_rejoin - LRC_REJOIN or LRC_REJOIN_ACK (version 13).
 * @floor:	the rejoined node's intervals at or below it are its old
 *		incarnation's (served by its backup), those above its new
 *		incarnation's (served by itself); any value, 0 included.
 *		ACK: the LRC_REJOIN's, echoed.
 */
struct dsm_msg_rejoin {
	u32 floor;
};

/**
 * struct dsm_msg - a decoded, fully validated message.
 * @hdr:	the header; @hdr.type selects the member of @u.
 * @u:		the body. barrier serves BARRIER_ARRIVE and BARRIER_RELEASE.
 */
struct dsm_msg {
	struct dsm_msg_hdr hdr;
	union {
		struct dsm_msg_page_req page_req;
		struct dsm_msg_page_fwd page_fwd;
		struct dsm_msg_page_grant page_grant;
		struct dsm_msg_inval inval;
		struct dsm_msg_inval_ack inval_ack;
		struct dsm_msg_confirm confirm;
		struct dsm_msg_nack nack;
		struct dsm_msg_lock_req lock_req;
		struct dsm_msg_lock_grant lock_grant;	/* and IV_* */
		struct dsm_msg_barrier barrier;
		struct dsm_msg_diff_req diff_req;
		struct dsm_msg_diff_reply diff_reply;
		struct dsm_msg_diff_backup diff_backup;
		struct dsm_msg_home_xfer home_xfer;
		struct dsm_msg_home_xfer_ack home_xfer_ack;
		struct dsm_msg_dir_query dir_query;
		struct dsm_msg_dir_reply dir_reply;
		struct dsm_msg_shadow shadow;	/* SHADOW_PUSH, _ACK, _DROP */
		struct dsm_msg_rejoin rejoin;	/* LRC_REJOIN, _ACK */
	} u;
};

/**
 * struct dsm_msg_interval - one interval record of a decoded set (a view).
 * @creator:	creating node, < the set's nr_nodes.
 * @nr_notices:	write notices at @notices.
 * @index:	interval index, == @vt.c[@creator].
 * @vt:		the interval's timestamp.
 * @notices:	@nr_notices le64 page numbers, ascending; read them with
 *		dsm_msg_notice().
 */
struct dsm_msg_interval {
	u16 creator;
	u16 nr_notices;
	u32 index;
	struct dsm_vt vt;
	const u8 *notices;
};

/**
 * struct dsm_msg_diff - one diff of a decoded DIFF_REPLY (a view).
 * @node:	creator of the interval the diff belongs to.
 * @interval:	the interval's index.
 * @diff:	the encoded diff (dsm_diff.h), already validated.
 * @len:	its size.
 */
struct dsm_msg_diff {
	u16 node;
	u32 interval;
	const u8 *diff;
	u32 len;
};

/* Cursor over a decoded list; set up by dsm_msg_iter_*(). */
struct dsm_msg_iter {
	const u8 *p;
	u32 left;
	u32 nr;
	u32 nr_nodes;
};

/**
 * struct dsm_wire_enc - an encoder; see dsm_wire_enc_begin().
 * @buf:	output buffer.
 * @size:	its size.
 * @pos:	bytes written.
 * @count_pos:	offset of the le16 count of the open list.
 * @count:	entries in the open list.
 * @nr_nodes:	timestamp width of the open interval list.
 * @type:	message type being encoded.
 * @list:	kind of list open for entries, none if 0.
 * @body:	whether the body has been written.
 * @ext:	bytes of the message that follow the buffer and are not in
 *		it (dsm_wire_enc_page_grant_ext(): the page, sent from where
 *		it is).
 * @err:	first error; once set every call is a no-op.
 */
struct dsm_wire_enc {
	u8 *buf;
	u32 size;
	u32 pos;
	u32 count_pos;
	u32 count;
	u32 nr_nodes;
	u8 type;
	u8 list;
	bool body;
	u32 ext;
	int err;
};

/* Receiving. */
int dsm_wire_peek(const void *buf, size_t len, u32 *msg_len,
		  enum dsm_wire_reject *why);
int dsm_wire_decode(const void *buf, size_t len, struct dsm_msg *m,
		    enum dsm_wire_reject *why);
int dsm_wire_decode_ext(const void *buf, size_t len, const void *page,
			struct dsm_msg *m, enum dsm_wire_reject *why);
u32 dsm_wire_page_head(const void *hdr, u32 msg_len);
int dsm_wire_reject_errno(enum dsm_wire_reject why);
int dsm_wire_errno(u32 err);
const char *dsm_wire_reject_name(enum dsm_wire_reject why);
const char *dsm_wire_type_name(u8 type);
bool dsm_wire_type_is_reply(u8 type);
bool dsm_wire_type_ok(u8 type);

void dsm_msg_iter_intervals(const struct dsm_msg_ivset *s,
			    struct dsm_msg_iter *it);
bool dsm_msg_next_interval(struct dsm_msg_iter *it,
			   struct dsm_msg_interval *iv);
u64 dsm_msg_notice(const struct dsm_msg_interval *iv, u32 i);
void dsm_msg_interval_copy(const struct dsm_msg_interval *iv,
			   struct dsm_interval *out, u64 *notices);
void dsm_msg_iter_wants(const struct dsm_msg_diff_req *r,
			struct dsm_msg_iter *it);
bool dsm_msg_next_want(struct dsm_msg_iter *it, u16 *node, u32 *interval);
void dsm_msg_iter_diffs(const struct dsm_msg_diff_reply *r,
			struct dsm_msg_iter *it);
bool dsm_msg_next_diff(struct dsm_msg_iter *it, struct dsm_msg_diff *d);
void dsm_msg_iter_backup(const struct dsm_msg_diff_backup *b,
			 struct dsm_msg_iter *it);
bool dsm_msg_next_backup(struct dsm_msg_iter *it, struct dsm_msg_diff *d,
			 u64 *page);
void dsm_msg_iter_xfer(const struct dsm_msg_home_xfer *x,
		       struct dsm_msg_iter *it);
bool dsm_msg_next_xfer(struct dsm_msg_iter *it, struct dsm_xfer_entry *ent);
/* dsm_wire_xfer.c, for dsm_wire.c's decoder: the bodies of types 16, 17. */
enum dsm_wire_reject dsm_wire_rd_xfer(const u8 *p, u32 left,
				      struct dsm_msg *m, u32 *used);
void dsm_msg_iter_dir(const struct dsm_msg_dir_reply *r,
		      struct dsm_msg_iter *it);
bool dsm_msg_next_dir(struct dsm_msg_iter *it, struct dsm_dir_entry *ent);
bool dsm_dir_query_has(const struct dsm_msg_dir_query *q, u32 bucket);
/* dsm_wire_dir.c, for dsm_wire.c's decoder: the bodies of types 22, 23. */
enum dsm_wire_reject dsm_wire_rd_dir(const u8 *p, u32 left,
				     struct dsm_msg *m, u32 *used);
/* dsm_wire_shadow.c, for dsm_wire.c's decoder: the bodies of types 24..26. */
enum dsm_wire_reject dsm_wire_rd_shadow(const u8 *p, u32 left,
					struct dsm_msg *m, u32 *used);
/* dsm_wire_rejoin.c, for dsm_wire.c's decoder: the bodies of types 27, 28. */
enum dsm_wire_reject dsm_wire_rd_rejoin(const u8 *p, u32 left,
					struct dsm_msg *m, u32 *used);

/* Sending. */
void dsm_wire_enc_begin(struct dsm_wire_enc *e, void *buf, u32 size,
			const struct dsm_msg_hdr *h);
void dsm_wire_enc_page_req(struct dsm_wire_enc *e,
			   const struct dsm_msg_page_req *b);
void dsm_wire_enc_page_fwd(struct dsm_wire_enc *e,
			   const struct dsm_msg_page_fwd *b);
void dsm_wire_enc_page_grant(struct dsm_wire_enc *e,
			     const struct dsm_msg_page_grant *b);
void dsm_wire_enc_page_grant_ext(struct dsm_wire_enc *e,
				 const struct dsm_msg_page_grant *b);
void dsm_wire_enc_inval(struct dsm_wire_enc *e, const struct dsm_msg_inval *b);
void dsm_wire_enc_inval_ack(struct dsm_wire_enc *e,
			    const struct dsm_msg_inval_ack *b);
void dsm_wire_enc_confirm(struct dsm_wire_enc *e,
			  const struct dsm_msg_confirm *b);
void dsm_wire_enc_nack(struct dsm_wire_enc *e, const struct dsm_msg_nack *b);
void dsm_wire_enc_lock_req(struct dsm_wire_enc *e,
			   const struct dsm_msg_lock_req *b);
int dsm_wire_enc_fixed(struct dsm_wire_enc *e, const struct dsm_msg *m);
void dsm_wire_enc_lock_grant(struct dsm_wire_enc *e, u32 region, u32 lock_id,
			     const struct dsm_vt *vt);
void dsm_wire_enc_barrier(struct dsm_wire_enc *e, u32 region, u32 barrier_id,
			  u32 epoch, const struct dsm_vt *vt);
void dsm_wire_enc_interval(struct dsm_wire_enc *e,
			   const struct dsm_interval *iv);
int dsm_wire_ivset_fit_len(u8 type, u32 nr_nodes,
			   const struct dsm_interval *const *ivs, u32 pos,
			   u32 end, u32 budget, u32 *len);

/* dsm_wire_ivset_fit_len() without the length. */
static inline int dsm_wire_ivset_fit(u8 type, u32 nr_nodes,
				     const struct dsm_interval *const *ivs,
				     u32 pos, u32 end, u32 budget)
{
	return dsm_wire_ivset_fit_len(type, nr_nodes, ivs, pos, end, budget,
				      NULL);
}

void dsm_wire_enc_diff_req(struct dsm_wire_enc *e, u64 page);
void dsm_wire_enc_want(struct dsm_wire_enc *e, u16 node, u32 interval);
void dsm_wire_enc_diff_reply(struct dsm_wire_enc *e, u64 page);
void dsm_wire_enc_diff(struct dsm_wire_enc *e, u16 node, u32 interval,
		       const void *diff, u32 len);
void dsm_wire_enc_diff_backup(struct dsm_wire_enc *e, u32 interval);
void dsm_wire_enc_backup_diff(struct dsm_wire_enc *e, u64 page,
			      const void *diff, u32 len);
void dsm_wire_enc_backup_ack(struct dsm_wire_enc *e, u32 interval,
			     u16 nr_diffs);
void dsm_wire_enc_home_xfer(struct dsm_wire_enc *e, u64 epoch, u8 flags);
void dsm_wire_enc_xfer_entry(struct dsm_wire_enc *e,
			     const struct dsm_xfer_entry *ent);
void dsm_wire_enc_dir_query(struct dsm_wire_enc *e,
			    const struct dsm_msg_dir_query *q);
void dsm_wire_enc_dir_reply(struct dsm_wire_enc *e, u64 epoch, u8 flags);
void dsm_wire_enc_dir_entry(struct dsm_wire_enc *e,
			    const struct dsm_dir_entry *ent);
void dsm_wire_enc_shadow(struct dsm_wire_enc *e, u8 type,
			 const struct dsm_msg_shadow *b);
void dsm_wire_enc_rejoin(struct dsm_wire_enc *e, u32 floor);
/*
 * For dsm_wire_dir.c, dsm_wire_shadow.c and dsm_wire_rejoin.c: a body of
 * type @type, a list's entry, or bytes after the body (-EINVAL for NULL
 * @src).
 */
bool dsm_wire_enc_raw_body(struct dsm_wire_enc *e, u8 type, const void *w,
			   u32 n, u32 count_off);
void dsm_wire_enc_raw_entry(struct dsm_wire_enc *e, u32 max, const void *w,
			    u32 n);
void dsm_wire_enc_raw_bytes(struct dsm_wire_enc *e, const void *src, u32 n);
int dsm_wire_enc_end(struct dsm_wire_enc *e);

#endif /* _DSM_WIRE_H */
