// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_perm.c - who may use a region: its owner, group and mode, checked
 * on every access path of /dev/dsm (mmap, read, write, REGION_INFO, and
 * the locks and barriers of a region). Documentation/uapi.md,
 * "Permissions", is the user's side of this file.
 *
 * The rules are the kernel's for a file (generic_permission()): the
 * owner's bits apply if the caller's fsuid owns the region, else the
 * group's if its fsgid or one of its supplementary groups is the
 * region's, else the others'. CAP_DAC_OVERRIDE overrides both read and
 * write, CAP_DAC_READ_SEARCH read.
 *
 * The credentials are the opener's (file->f_cred), never the caller's: a
 * descriptor carries the rights of whoever opened it, so that handing one
 * to a more privileged program (as its standard output, say) cannot make
 * that program read or write where the opener could not. This is the
 * kernel's rule for read and write since the /proc/pid/mem and sg write
 * bugs; the ioctls follow it too, so that one rule holds for a file.
 * Capabilities count in the initial user namespace: region owners are
 * ids of it, the same numbers on every node.
 *
 * A region's owner, group and mode never change once it is listed
 * (struct dsm_region), so they are read with a reference and no lock.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/user_namespace.h>

#include "dsm_internal.h"

/* Is @gid the fsgid or a supplementary group of @cred? */
static bool dsm_cred_in_group(const struct cred *cred, kgid_t gid)
{
	const struct group_info *gi = cred->group_info;
	int i;

	if (gid_eq(cred->fsgid, gid))
		return true;
	for (i = 0; gi && i < gi->ngroups; i++)
		if (gid_eq(gi->gid[i], gid))
			return true;
	return false;
}

/**
 * dsm_region_permission() - may the opener of @file access @r?
 * @file:	an open /dev/dsm.
 * @r:		a region, referenced by the caller.
 * @mask:	MAY_READ and/or MAY_WRITE.
 *
 * Return: 0, or -EACCES.
 */
int dsm_region_permission(const struct file *file, const struct dsm_region *r,
			  int mask)
{
	const struct cred *cred = file->f_cred;
	unsigned int mode = r->perm.mode;

	mask &= MAY_READ | MAY_WRITE;
	if (uid_eq(cred->fsuid, r->perm.uid))
		mode >>= 6;
	else if (dsm_cred_in_group(cred, r->perm.gid))
		mode >>= 3;
	/* MAY_READ and MAY_WRITE are the r and w bits of a mode. */
	if (!(mask & ~mode & 7))
		return 0;
	if (file_ns_capable(file, &init_user_ns, CAP_DAC_OVERRIDE))
		return 0;
	if (mask == MAY_READ &&
	    file_ns_capable(file, &init_user_ns, CAP_DAC_READ_SEARCH))
		return 0;
	return -EACCES;
}

/**
 * dsm_sync_permission() - may the opener of @file use a lock or barrier?
 * @file:	an open /dev/dsm.
 * @flags:	struct dsm_sync.flags.
 * @region:	struct dsm_sync.reserved: with DSM_SYNC_F_REGION the offset
 *		of the region the id belongs to, else zero.
 * @ns:		out: the namespace of the id, the region word of
 *		kmod/core/dsm_wire.h: 0 for the cluster-wide one, else the
 *		region's offset / DSM_REGION_ALIGN + 1, which every node
 *		derives alike from the cluster-wide region table.
 *
 * A region's locks and barriers need write permission on it: they order
 * writes, and a reader who could hold them could stall the writers.
 * The cluster-wide ids of API version 3 (no DSM_SYNC_F_REGION) are
 * nobody's, so only CAP_SYS_ADMIN may use them: else any user could
 * take, and hold, the locks another user's program waits for.
 *
 * Return: 0; -EINVAL for unknown flags or a stray @region; -EPERM;
 * -ENXIO if no region starts at @region; -EACCES.
 */
int dsm_sync_permission(const struct file *file, u32 flags, u64 region,
			u32 *ns)
{
	struct dsm_region *r;
	int ret;

	static_assert(DSM_REGION_ALIGN == 1ULL << DSM_WIRE_REGION_SHIFT);
	static_assert(DSM_SPACE_SIZE >> DSM_WIRE_REGION_SHIFT ==
		      DSM_WIRE_REGION_MAX);

	*ns = 0;
	if (flags & ~DSM_SYNC_F_ALL)
		return -EINVAL;
	if (!(flags & DSM_SYNC_F_REGION)) {
		if (region)
			return -EINVAL;
		return file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN) ?
		       0 : -EPERM;
	}
	if (region >= DSM_SPACE_SIZE)
		return -ENXIO;
	r = dsm_region_get_at(region, false);
	if (!r)
		return -ENXIO;
	ret = r->offset == region ? dsm_region_permission(file, r, MAY_WRITE) :
				    -ENXIO;
	dsm_region_put(r);
	if (!ret)
		*ns = (u32)(region >> DSM_WIRE_REGION_SHIFT) + 1;
	return ret;
}
