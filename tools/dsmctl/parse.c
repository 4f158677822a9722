// SPDX-License-Identifier: GPL-2.0
/*
 * parse.c - argument parsing for dsmctl.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/dsm.h>

#include "parse.h"

int parse_size(const char *s, uint64_t *bytes, const char **why)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (!s || !isdigit((unsigned char)s[0])) {
		*why = "a size is a number with an optional K, M or G suffix";
		return -1;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno) {
		*why = "size too large";
		return -1;
	}
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K':
		shift = 10;
		end++;
		break;
	case 'm': case 'M':
		shift = 20;
		end++;
		break;
	case 'g': case 'G':
		shift = 30;
		end++;
		break;
	default:
		*why = "unknown size suffix; use K, M or G";
		return -1;
	}
	if (*end) {
		*why = "trailing characters after the size";
		return -1;
	}
	if (shift && v > (UINT64_MAX >> shift)) {
		*why = "size too large";
		return -1;
	}
	if (!v) {
		*why = "size must not be zero";
		return -1;
	}
	*bytes = (uint64_t)v << shift;
	return 0;
}

int parse_u32(const char *s, uint32_t max, uint32_t *out)
{
	unsigned long v;
	char *end;

	if (!s || !isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int parse_node_id(const char *s, uint32_t *id)
{
	return parse_u32(s, DSM_NODES_MAX - 1, id);
}

int matches(const char *arg, const char *word)
{
	size_t len = strlen(arg);

	return len > 0 && len <= strlen(word) && !strncmp(arg, word, len);
}
