/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_limits.h - limits of the protocol core, in one place.
 *
 * Every bound the wire decoder, the vector timestamps, the interval log and
 * the diff code enforce is defined here. Changing one that appears on the
 * wire (anything below marked "wire") needs a wire version bump; see
 * Documentation/protocol.md.
 */
#ifndef _DSM_LIMITS_H
#define _DSM_LIMITS_H

/* Nodes in a cluster; node ids are 0 .. DSM_MAX_NODES - 1 (wire). */
#define DSM_MAX_NODES		64

/*
 * Every node id as a u64 mask, bits 0 .. DSM_MAX_NODES - 1: what a node
 * mask (membership, copyset) may hold. No shift by 64.
 */
#define DSM_ALL_NODES		(~0ULL >> (64 - DSM_MAX_NODES))

/* The unit of sharing: one x86-64 base page (wire). */
#define DSM_PAGE_SHIFT		12
#define DSM_PAGE_SIZE		4096U

/*
 * Pages in the DSM space: 1 TiB of file offset in 4 KiB pages (wire).
 * Page numbers on the wire are below this.
 */
#define DSM_MAX_PAGES		0x10000000ULL	/* 2^28 */

/* Largest message, header included (wire). */
#define DSM_WIRE_MAX_MSG	(256U * 1024)

/* Interval records in one lock grant or barrier message (wire). */
#define DSM_WIRE_MAX_INTERVALS	1024

/* Write notices (page numbers) in one interval record (wire). */
#define DSM_WIRE_MAX_NOTICES	8192

/* Diffs wanted in one diff request, or carried in one diff reply (wire). */
#define DSM_WIRE_MAX_DIFFS	16

/* Diffs in one DIFF_BACKUP (an interval's pages, DSM_LRC_MAX_NOTICES). */
#define DSM_WIRE_MAX_BACKUP_DIFFS	4096

/* Directory entries in one HOME_XFER (24 bytes each). */
#define DSM_WIRE_MAX_XFER	128

/* Page entries in one DIR_REPLY (16 bytes each). */
#define DSM_WIRE_MAX_DIR	256

/*
 * Buckets of the home table (dsm_home.h): page p is in bucket p mod this,
 * and each bucket names its home node. 840 is the least common multiple
 * of 1..8, so that the first table of any membership of up to 8 nodes
 * gives page p the home it had before the table (the (p mod n)-th
 * member). A table of another size is refused (netlink); the wire
 * carries only the table's epoch.
 */
#define DSM_HOME_BUCKETS	840U

/*
 * Largest epoch of a home table: 48 bits, what a message header carries
 * (wire version 5). At one new table a second it lasts nine million years.
 */
#define DSM_HOME_EPOCH_MAX	0xffffffffffffULL

/* Largest errno a NACK may carry (wire). */
#define DSM_WIRE_MAX_ERRNO	4095

#endif /* _DSM_LIMITS_H */
