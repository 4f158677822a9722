// SPDX-License-Identifier: GPL-2.0
/* fuzz_diff.c - libFuzzer target: diff validate and apply. */
#include "fuzz_checks.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	dsm_fuzz_check_diff(data, size);
	return 0;
}
