/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fuzz_checks.h - the properties the fuzz targets check, shared with the
 * unit tests, which replay the seed corpora and every regression input
 * through the same functions. A violated property aborts.
 */
#ifndef _DSM_FUZZ_CHECKS_H
#define _DSM_FUZZ_CHECKS_H

#include "dsm_core_env.h"
#include "dsm_wire.h"

int dsm_test_reencode(const struct dsm_msg *m, u8 *buf, u32 size);
void dsm_fuzz_check_wire(const u8 *data, size_t size);
void dsm_fuzz_check_diff(const u8 *data, size_t size);

#endif /* _DSM_FUZZ_CHECKS_H */
