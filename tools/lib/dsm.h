/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * dsm.h - libdsm, the C API of dsm: node id and count, named regions,
 * locks and barriers. See dsm(3) (Documentation/dsm.3).
 *
 * Every function but dsm_map returns a negative errno value on error
 * (-ENOENT, -EPERM, ...); dsm_map returns NULL and sets errno. Nothing
 * here needs more than libc: a static program links libdsm.a as is.
 *
 * Usable from C (C99 and later) and C++.
 */
#ifndef DSM_H
#define DSM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Version of this API (the soname's major number is 1). */
#define DSM_LIB_VERSION_MAJOR	1
#define DSM_LIB_VERSION_MINOR	1	/* 1: the dsm_region_* calls */

/*
 * dsm_init - open /dev/dsm for this process and check that the module
 * speaks dsm API 3 or later. Every other function fails with -EBADF until
 * it has succeeded. Calling it again (any thread) returns 0 and changes
 * nothing. A child of fork() must call it again: it gets its own file,
 * and so its own locks. Returns 0, or -ENOENT (no /dev/dsm: the module is
 * not loaded), -EACCES, -EOPNOTSUPP (the module is older than API 3), or
 * another errno of open(2) and ioctl(2).
 */
int dsm_init(void);

/* dsm_node_id - this node's id (0..63), or a negative errno (-ENOTCONN: the
 * cluster is not configured, dsmd has not started). */
int dsm_node_id(void);

/* dsm_nodes - the number of nodes in the membership, or a negative errno
 * (-ENOTCONN as for dsm_node_id). */
int dsm_nodes(void);

/*
 * dsm_map - map the whole region @region (MAP_SHARED, read and write) and
 * store its size in bytes in *@len. Returns the address (unmap it with
 * munmap(addr, *len)), or NULL with errno set: EINVAL (@region or @len is
 * NULL, or the name is empty or has characters other than A-Z a-z 0-9 _ . -),
 * ENAMETOOLONG (name of 32 bytes or more), ENOENT (no such region),
 * EOPNOTSUPP (the module cannot map the region's model), EBADF (no
 * dsm_init), or an errno of mmap(2).
 */
void *dsm_map(const char *region, size_t *len);

/*
 * dsm_lock_acquire - take lock @lock (any value) for this process; waits
 * until it is granted. Data written under a lock in an lrc region is
 * visible to the next process that acquires the same lock. Returns 0,
 * -EOWNERDEAD (the lock IS held, but the node that had it last died with
 * it: the data it protects may be inconsistent, as for a robust mutex),
 * or -EDEADLK (this process holds it already), -EHOSTDOWN (a node the grant
 * depends on is down), -ENOTCONN (no cluster), -EOPNOTSUPP (the module
 * has no locks), -EBADF (no dsm_init). A signal does not end the wait:
 * its handler runs and the wait goes on; a fatal signal ends the process.
 */
int dsm_lock_acquire(unsigned int lock);

/* dsm_lock_release - release lock @lock. Returns 0, or -EPERM (this process
 * does not hold it), -EOPNOTSUPP, -EBADF. */
int dsm_lock_release(unsigned int lock);

/*
 * dsm_barrier - wait until every node of the cluster has arrived at
 * barrier @barrier (any value). Afterwards every write any node made in
 * an lrc region before arriving is visible to every node. A node declared
 * down is not waited for. Returns 0, or -EHOSTDOWN (the barrier manager,
 * the lowest node, is down or went down while waiting), -ESTALE (this
 * node restarted: a new incarnation takes no part until the cluster
 * restarts), -ENOTCONN, -EOPNOTSUPP, -EBADF. Signals are handled as in
 * dsm_lock_acquire.
 */
int dsm_barrier(unsigned int barrier);

/*
 * Locks and barriers of a region (library 1.1, module API 4; since API 5,
 * DSM_FEATURE_REGION_SYNC, every region's are its own: region "a"'s lock 5
 * and region "b"'s lock 5 are two locks). The calls above use the
 * cluster-wide namespace, which only a process with CAP_SYS_ADMIN may
 * use; these need write permission on @region instead, so that an
 * ordinary user in the dsm group can synchronise the regions it writes.
 * Same waits, signals and results as dsm_lock_acquire, dsm_lock_release
 * and dsm_barrier, and also -EINVAL (@region NULL, empty or a bad name),
 * -ENAMETOOLONG, -ENOENT (no such region), -EACCES (no write permission,
 * or not even read permission to look the region up), -ENXIO (the region
 * was deleted meanwhile), -EOPNOTSUPP (a module older than API 4).
 */
int dsm_region_lock_acquire(const char *region, unsigned int lock);
int dsm_region_lock_release(const char *region, unsigned int lock);
int dsm_region_barrier(const char *region, unsigned int barrier);

#ifdef __cplusplus
}
#endif

#endif /* DSM_H */
