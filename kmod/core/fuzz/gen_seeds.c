// SPDX-License-Identifier: GPL-2.0
/*
 * gen_seeds.c - write the seed corpora of the fuzz targets:
 * corpus/wire/<sample> for every sample message, corpus/diff/<name> for a
 * few diffs (empty, one byte at each end, whole page, a bitmap, runs with
 * 1-byte headers of 8 interleaved writers, runs with 2- and 4-byte
 * headers, random).
 *
 *	gen_seeds DIR	(DIR is kmod/core/fuzz)
 */
#include <stdio.h>
#include <stdlib.h>

#include "test_util.h"

static void put(const char *dir, const char *sub, const char *name,
		const void *buf, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/corpus/%s/%s", dir, sub, name);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
		perror(path);
		exit(1);
	}
}

static u8 msg[DSM_WIRE_MAX_MSG];
static u8 twin[DSM_PAGE_SIZE], page[DSM_PAGE_SIZE], diff[DSM_DIFF_MAX_SIZE];

static void put_diff(const char *dir, const char *name)
{
	int len = dsm_diff_create(twin, page, diff, sizeof(diff));

	if (len < 0)
		exit(1);
	put(dir, "diff", name, diff, len);
}

int main(int argc, char **argv)
{
	struct dsm_rng r;
	const char *name;
	unsigned int i;
	int len;

	if (argc != 2) {
		fprintf(stderr, "usage: gen_seeds FUZZDIR\n");
		return 2;
	}
	for (i = 0; (len = dsm_sample(i, msg, sizeof(msg), &name)) > 0; i++)
		put(argv[1], "wire", name, msg, len);

	put_diff(argv[1], "empty");
	page[0] = 1;
	page[4095] = 1;
	put_diff(argv[1], "ends");
	memset(page, 0xa5, sizeof(page));
	put_diff(argv[1], "whole");
	memset(page, 0, sizeof(page));
	for (i = 0; i < DSM_PAGE_SIZE; i += 2)
		page[i] = 1;
	page[DSM_PAGE_SIZE - 1] = 1;
	put_diff(argv[1], "bitmap");	/* the most runs: the bitmap is smaller */
	memset(page, 0, sizeof(page));
	for (i = 3; i < 1024; i += 8)
		page[i] = 1;
	put_diff(argv[1], "interleave8");
	memset(page, 0, sizeof(page));
	memset(page + 40, 2, 200);	/* gap 40: 2-byte header */
	memset(page + 1000, 3, 300);	/* 4-byte header */
	put_diff(argv[1], "long_runs");
	dsm_rng_seed(&r, 1);
	memset(page, 0, sizeof(page));
	for (i = 0; i < 8; i++)
		page[dsm_rng_below(&r, DSM_PAGE_SIZE)] = 0xff;
	put_diff(argv[1], "eight_bytes");
	for (i = 0; i < 5; i++) {
		u32 off = dsm_rng_below(&r, DSM_PAGE_SIZE - 100);

		dsm_rng_fill(&r, page + off, 1 + dsm_rng_below(&r, 100));
	}
	put_diff(argv[1], "random_runs");
	return 0;
}
