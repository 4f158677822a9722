// SPDX-License-Identifier: GPL-2.0
/*
 * Probe: release_fault_lock(), which drops whichever lock a fault holds:
 * mmap_lock, or the per-VMA lock that faults may run under since 6.4.
 * Added (first in mm/filemap.c, then moved to <linux/mm.h>) by Suren
 * Baghdasaryan's "mm: handle swap page faults under per-VMA lock" series,
 * merged for 6.6; 6.1 has only mmap_lock, dropped with mmap_read_unlock().
 */
#include <linux/mm.h>

void dsm_probe(struct vm_fault *vmf);
void dsm_probe(struct vm_fault *vmf)
{
	release_fault_lock(vmf);
}
