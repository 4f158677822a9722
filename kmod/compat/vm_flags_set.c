// SPDX-License-Identifier: GPL-2.0
/*
 * Probe: vm_flags_set() and vm_flags_clear().
 * Added in 6.3 by commit bc292ab00f6c ("mm: introduce vma->vm_flags wrapper
 * functions"); 6.1 writes vma->vm_flags directly.
 */
#include <linux/mm.h>

void dsm_probe(struct vm_area_struct *vma);
void dsm_probe(struct vm_area_struct *vma)
{
	vm_flags_set(vma, VM_DONTEXPAND);
	vm_flags_clear(vma, VM_DONTEXPAND);
}
