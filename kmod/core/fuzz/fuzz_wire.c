// SPDX-License-Identifier: GPL-2.0
/* fuzz_wire.c - libFuzzer target: the wire decoder (see fuzz_checks.c). */
#include "fuzz_checks.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	dsm_fuzz_check_wire(data, size);
	return 0;
}
