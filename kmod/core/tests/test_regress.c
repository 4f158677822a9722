// SPDX-License-Identifier: GPL-2.0
/*
 * test_regress.c - replay the committed fuzz seed corpora and every
 * regression input (inputs that once crashed a fuzz target) through the
 * fuzz targets' checks, under ASan and UBSan.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

#include "kselftest_harness.h"
#include "test_util.h"
#include "fuzz_checks.h"

#ifndef DSM_FUZZ_DIR
#error "DSM_FUZZ_DIR must name kmod/core/fuzz"
#endif

static u8 input[DSM_WIRE_MAX_MSG * 2];

/* Run every file in @dir through @check; returns files run, -1 on error. */
static int replay(const char *dir, void (*check)(const u8 *, size_t))
{
	char path[4096];
	struct dirent *de;
	int n = 0;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		size_t len;
		FILE *f;

		if (de->d_name[0] == '.' || !strcmp(de->d_name, "README"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "rb");
		if (!f) {
			n = -1;
			break;
		}
		len = fread(input, 1, sizeof(input), f);
		fclose(f);
		check(input, len);
		n++;
	}
	closedir(d);
	return n;
}

TEST(corpus_wire)
{
	int n = replay(DSM_FUZZ_DIR "/corpus/wire", dsm_fuzz_check_wire);

	ASSERT_GT(n, 0);
	TH_LOG("%d inputs", n);
}

TEST(corpus_diff)
{
	int n = replay(DSM_FUZZ_DIR "/corpus/diff", dsm_fuzz_check_diff);

	ASSERT_GT(n, 0);
	TH_LOG("%d inputs", n);
}

TEST(regress_wire)
{
	int n = replay(DSM_FUZZ_DIR "/regress/wire", dsm_fuzz_check_wire);

	ASSERT_GE(n, 0);
	TH_LOG("%d inputs", n);
}

TEST(regress_diff)
{
	int n = replay(DSM_FUZZ_DIR "/regress/diff", dsm_fuzz_check_diff);

	ASSERT_GE(n, 0);
	TH_LOG("%d inputs", n);
}

TEST_HARNESS_MAIN
