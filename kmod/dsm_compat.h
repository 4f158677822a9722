/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_compat.h - the one place for differences between supported kernels.
 *
 * dsm supports Debian's 6.1 and 6.12 kernels. Every difference in kernel
 * API between them is detected by a compile probe in kmod/compat/ (one
 * file per difference, naming the upstream commit that made it) and
 * shimmed here, so that the rest of the module is written against the
 * newest API and contains no version checks. Version numbers are not
 * used: stable and distribution kernels backport API changes.
 *
 * scripts/build-module.sh compiles every probe against the target kernel
 * and writes dsm_compat_probes.h with DSM_HAVE_<PROBE> for each that built.
 */
#ifndef _DSM_COMPAT_H
#define _DSM_COMPAT_H

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/socket.h>
#include <linux/uio.h>

#include "dsm_compat_probes.h"

/* vm_flags became read-only behind wrappers: probe vm_flags_set.c */
#ifndef DSM_HAVE_VM_FLAGS_SET
static inline void vm_flags_set(struct vm_area_struct *vma,
				unsigned long flags)
{
	vma->vm_flags |= flags;
}

static inline void vm_flags_clear(struct vm_area_struct *vma,
				  unsigned long flags)
{
	vma->vm_flags &= ~flags;
}
#endif

/*
 * Dropping the fault lock before VM_FAULT_RETRY: probe
 * release_fault_lock.c. Without per-VMA-lock faults (6.1) a fault holds
 * mmap_lock for read.
 */
#ifndef DSM_HAVE_RELEASE_FAULT_LOCK
static inline void release_fault_lock(struct vm_fault *vmf)
{
	mmap_read_unlock(vmf->vma->vm_mm);
}
#endif

/*
 * The direction of an iov_iter read from, and of one written to: probe
 * iter_source.c (the same commit added both names).
 */
#ifndef DSM_HAVE_ITER_SOURCE
#define ITER_SOURCE	WRITE
#define ITER_DEST	READ
#endif

/*
 * TCP's sendmsg() referencing a bvec's pages instead of copying them:
 * probe splice_pages.c. Without it (6.1) the flag is nothing and the
 * pages are copied into the socket's buffers, as sendmsg() always did.
 */
#ifdef DSM_HAVE_SPLICE_PAGES
#define DSM_MSG_SPLICE_PAGES	MSG_SPLICE_PAGES
#else
#define DSM_MSG_SPLICE_PAGES	0
#endif

#endif /* _DSM_COMPAT_H */
