// SPDX-License-Identifier: GPL-2.0
/*
 * print.c - text and JSON output for dsmctl.
 */
#include <inttypes.h>
#include <stdio.h>

#include "print.h"

#define PRINT_DEPTH_MAX	16

static bool json, pretty;
static int depth;
/* Per nesting level: has a member been printed, is it an array. */
static bool first[PRINT_DEPTH_MAX];

void print_init(bool j, bool p)
{
	json = j;
	pretty = p;
	depth = 0;
	first[0] = true;
}

bool print_is_json(void)
{
	return json;
}

static void json_indent(void)
{
	int i;

	if (!pretty)
		return;
	putchar('\n');
	for (i = 0; i < depth; i++)
		fputs("  ", stdout);
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* Separator and key of the next member; key NULL inside an array. */
static void json_member(const char *key)
{
	if (depth > 0 && !first[depth])
		putchar(',');
	if (depth > 0)
		json_indent();
	if (depth < PRINT_DEPTH_MAX)
		first[depth] = false;
	if (key && depth > 0) {
		json_string(key);
		fputs(pretty ? ": " : ":", stdout);
	}
}

static void json_open(const char *key, char c)
{
	json_member(key);
	putchar(c);
	if (depth < PRINT_DEPTH_MAX - 1)
		depth++;
	first[depth] = true;
}

static void json_close(char c)
{
	bool empty = first[depth];

	if (depth > 0)
		depth--;
	if (!empty)
		json_indent();
	putchar(c);
}

void print_open_object(const char *key)
{
	if (json)
		json_open(key, '{');
}

void print_close_object(void)
{
	if (json)
		json_close('}');
}

void print_open_array(const char *key)
{
	if (json)
		json_open(key, '[');
}

void print_close_array(void)
{
	if (json)
		json_close(']');
}

void print_string(const char *key, const char *fmt, const char *value)
{
	if (json) {
		if (!key)
			return;
		json_member(key);
		json_string(value);
	} else if (fmt) {
		printf(fmt, value);
	}
}

void print_u64(const char *key, const char *fmt, uint64_t value)
{
	char buf[32];

	if (json) {
		if (!key)
			return;
		json_member(key);
		printf("%" PRIu64, value);
	} else if (fmt) {
		snprintf(buf, sizeof(buf), "%" PRIu64, value);
		printf(fmt, buf);
	}
}

void print_bool(const char *key, const char *fmt, bool value)
{
	if (json) {
		if (!key)
			return;
		json_member(key);
		fputs(value ? "true" : "false", stdout);
	} else if (fmt && value) {
		fputs(fmt, stdout);
	}
}

void print_nl(void)
{
	if (!json)
		putchar('\n');
}

void print_end(void)
{
	if (json)
		putchar('\n');
	fflush(stdout);
}

const char *print_size(uint64_t bytes, char *buf, unsigned int len)
{
	static const char units[] = "KMGT";
	int i;

	for (i = 3; i >= 0; i--) {
		uint64_t u = 1ULL << (10 * (i + 1));

		if (bytes && bytes % u == 0) {
			snprintf(buf, len, "%" PRIu64 "%c", bytes / u, units[i]);
			return buf;
		}
	}
	snprintf(buf, len, "%" PRIu64, bytes);
	return buf;
}

const char *print_nodes(uint64_t bits, char *buf, unsigned int len)
{
	unsigned int pos = 0, n;

	if (len)
		buf[0] = '\0';
	/* Each id takes at most 3 bytes with its comma; 1 more, the NUL. */
	for (n = 0; n < 64 && pos + 4 <= len; n++)
		if (bits >> n & 1)
			pos += snprintf(buf + pos, len - pos, "%s%u",
					pos ? "," : "", n);
	return pos ? buf : "-";
}

void print_node_list(const char *key, const char *fmt, uint64_t bits)
{
	char buf[PRINT_NODES_LEN];
	unsigned int n;

	if (!json) {
		if (fmt)
			printf(fmt, print_nodes(bits, buf, sizeof(buf)));
		return;
	}
	if (!key)
		return;
	json_open(key, '[');
	for (n = 0; n < 64; n++) {
		if (!(bits >> n & 1))
			continue;
		json_member(NULL);
		printf("%u", n);
	}
	json_close(']');
}
