/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_compat.h - the one place for differences between supported kernels.
 *
 * dsm supports Debian's 6.1 and 6.12 kernels. Every difference in kernel
 * API between them is shimmed here, with the version and the upstream
 * commit that changed it, so that the rest of the module is written
 * against the newest API and contains no version checks.
 */
#ifndef _DSM_COMPAT_H
#define _DSM_COMPAT_H

#include <linux/version.h>
#include <linux/mm.h>

/*
 * vm_flags_set()/vm_flags_clear() appeared in 6.3 (commit bc292ab00f6c,
 * "mm: introduce vma->vm_flags wrapper functions"); before that vm_flags
 * was written directly.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
static inline void dsm_vm_flags_set(struct vm_area_struct *vma,
				    unsigned long flags)
{
	vma->vm_flags |= flags;
}

static inline void dsm_vm_flags_clear(struct vm_area_struct *vma,
				      unsigned long flags)
{
	vma->vm_flags &= ~flags;
}
#else
static inline void dsm_vm_flags_set(struct vm_area_struct *vma,
				    unsigned long flags)
{
	vm_flags_set(vma, flags);
}

static inline void dsm_vm_flags_clear(struct vm_area_struct *vma,
				      unsigned long flags)
{
	vm_flags_clear(vma, flags);
}
#endif

#endif /* _DSM_COMPAT_H */
