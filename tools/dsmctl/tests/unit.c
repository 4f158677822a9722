// SPDX-License-Identifier: GPL-2.0
/*
 * unit.c - unit tests of dsmctl's parsing and printing; prints TAP.
 */
#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "print.h"

static int n, failed;

static void ok(int cond, const char *name)
{
	n++;
	if (!cond)
		failed++;
	printf("%sok %d %s\n", cond ? "" : "not ", n, name);
}

static int size_is(const char *s, uint64_t want)
{
	const char *why = NULL;
	uint64_t v = 0;

	return !parse_size(s, &v, &why) && v == want;
}

static int size_bad(const char *s)
{
	const char *why = NULL;
	uint64_t v = 0;

	return parse_size(s, &v, &why) && why && *why;
}

int main(void)
{
	char buf[32];
	uint32_t u;

	ok(size_is("4096", 4096), "size: plain bytes");
	ok(size_is("64K", 64 << 10), "size: K suffix");
	ok(size_is("64k", 64 << 10), "size: k suffix");
	ok(size_is("256M", 256ULL << 20), "size: M suffix");
	ok(size_is("2G", 2ULL << 30), "size: G suffix");
	ok(size_is("128g", 128ULL << 30), "size: g suffix");
	ok(size_bad(""), "size: empty refused");
	ok(size_bad("M"), "size: suffix alone refused");
	ok(size_bad("-1"), "size: negative refused");
	ok(size_bad("0"), "size: zero refused");
	ok(size_bad("12X"), "size: unknown suffix refused");
	ok(size_bad("12MB"), "size: trailing characters refused");
	ok(size_bad("1 M"), "size: space refused");
	ok(size_bad("18446744073709551616"), "size: overflow refused");
	ok(size_bad("17179869184G"), "size: overflow by suffix refused");
	ok(!parse_u32("7", 7, &u) && u == 7, "u32: at max");
	ok(parse_u32("8", 7, &u), "u32: above max refused");
	ok(parse_u32("x", 7, &u), "u32: not a number refused");
	ok(parse_u32("", 7, &u), "u32: empty refused");
	ok(matches("reg", "region") && !matches("regions", "region") &&
	   !matches("", "region"), "matches: prefixes only");
	ok(!strcmp(print_size(256ULL << 20, buf, sizeof(buf)), "256M"),
	   "print_size: 256M");
	ok(!strcmp(print_size(4097, buf, sizeof(buf)), "4097"),
	   "print_size: odd bytes");
	ok(!strcmp(print_size(1ULL << 40, buf, sizeof(buf)), "1T"),
	   "print_size: 1T");
	printf("1..%d\n", n);
	return failed ? 1 : 0;
}
