// SPDX-License-Identifier: GPL-2.0
/*
 * unit.c - unit tests of dsmctl's parsing and printing; prints TAP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/netlink.h>

#include "dsm_genl.h"
#include "dsm_ids.h"
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

static int id_is(const char *s, const char *db, uint32_t want)
{
	const char *why = NULL;
	uint32_t v = 12345;

	return !dsm_id_lookup(s, db, &v, &why) && v == want;
}

static int id_bad(const char *s, const char *db)
{
	const char *why = NULL;
	uint32_t v = 12345;

	return dsm_id_lookup(s, db, &v, &why) && why && *why && v == 12345;
}

static int mode_is(const char *s, uint16_t want)
{
	const char *why = NULL;
	uint16_t v = 1;

	return !dsm_mode_parse(s, &v, &why) && v == want;
}

static int mode_bad(const char *s)
{
	const char *why = NULL;
	uint16_t v = 1;

	return dsm_mode_parse(s, &v, &why) && why && *why && v == 1;
}

/* Owners, groups and modes of 'region create' (dsm_ids.c). */
static void test_ids(void)
{
	char db[] = "/tmp/dsmctl-unit-XXXXXX";
	int fd = mkstemp(db);
	static const char text[] =
		"root:x:0:\n"
		"# a comment line\n"
		"dsmuser:x:1000:1000:A user:/home/u:/bin/sh\n"
		"dsm:x:990:alice,bob\n"
		"dsmx:x:991:\n"
		"broken:x\n"
		"bignum:x:4294967295:\n"
		"1234:x:77:\n";

	ok(fd >= 0 && write(fd, text, sizeof(text) - 1) ==
		      (ssize_t)sizeof(text) - 1, "ids: test file written");
	if (fd >= 0)
		close(fd);
	ok(id_is("0", db, 0), "ids: number 0");
	ok(id_is("4294967294", db, 4294967294u), "ids: largest number");
	ok(id_bad("4294967295", db), "ids: (uid_t)-1 refused");
	ok(id_bad("99999999999999999999", db), "ids: overflow refused");
	ok(id_is("root", db, 0), "ids: root by name");
	ok(id_is("dsm", db, 990), "ids: group by name, not its prefix dsmx");
	ok(id_is("dsmx", db, 991), "ids: longer name");
	ok(id_is("dsmuser", db, 1000), "ids: user line");
	ok(id_is("1234", db, 1234), "ids: digits are a number, not a name");
	ok(id_bad("ds", db), "ids: a prefix of a name is no name");
	ok(id_bad("nosuch", db), "ids: unknown name refused");
	ok(id_bad("broken", db), "ids: line without an id refused");
	ok(id_bad("bignum", db), "ids: id (uid_t)-1 in the file refused");
	ok(id_bad("a:b", db), "ids: colon refused");
	ok(id_bad("", db), "ids: empty refused");
	ok(id_bad("dsm", "/nonexistent/group"), "ids: missing file refused");
	ok(id_is("42", "/nonexistent/group", 42),
	   "ids: numbers need no file");
	unlink(db);

	ok(mode_is("0660", 0660), "mode: 0660");
	ok(mode_is("640", 0640), "mode: without leading 0");
	ok(mode_is("0", 0), "mode: 0");
	ok(mode_is("0777", 0777), "mode: 0777");
	ok(mode_bad("1777"), "mode: sticky bit refused");
	ok(mode_bad("4660"), "mode: setuid refused");
	ok(mode_bad("0680"), "mode: digit 8 refused");
	ok(mode_bad("rw-rw----"), "mode: symbolic refused");
	ok(mode_bad(""), "mode: empty refused");
	ok(mode_bad("00660"), "mode: five digits refused");
	ok(mode_bad("-660"), "mode: sign refused");
}

/* A netlink attribute of @len bytes of @v (little endian host). */
static struct nlattr *attr(uint8_t *buf, const void *v, int len)
{
	struct nlattr *a = (struct nlattr *)buf;

	a->nla_len = NLA_HDRLEN + len;
	a->nla_type = DSM_A_NODES_LOST;
	memcpy(buf + NLA_HDRLEN, v, len);
	return a;
}

/* 64 nodes (issue 15 item 5): ids 0 .. 63, masks u64 or u32. */
static void test_nodes64(void)
{
	uint8_t abuf[NLA_HDRLEN + 8] __attribute__((aligned(4)));
	char list[PRINT_NODES_LEN], small[8], want[32];
	uint64_t v64 = 1ULL << 63 | 1ULL << 40 | 1;
	uint32_t v32 = 0x80000005, u = 0;
	uint16_t v16 = 3;

	ok(!parse_node_id("63", &u) && u == 63, "node id: 63 taken");
	ok(parse_node_id("64", &u) && u == 63, "node id: 64 refused");
	ok(!parse_node_id("0", &u) && !u, "node id: 0 taken");
	ok(!strcmp(print_nodes(0, list, sizeof(list)), "-"),
	   "print_nodes: none is -");
	ok(!strcmp(print_nodes(v64, list, sizeof(list)), "0,40,63"),
	   "print_nodes: nodes 0, 40, 63");
	print_nodes(~0ULL, list, sizeof(list));
	ok(strlen(list) == 10 + 54 * 2 + 63 && !strncmp(list, "0,1,2,", 6) &&
	   !strcmp(list + strlen(list) - 6, ",62,63"),
	   "print_nodes: all 64 fit PRINT_NODES_LEN");
	ok(!strcmp(print_nodes(~0ULL, small, sizeof(small)), "0,1,2"),
	   "print_nodes: a short buffer keeps whole ids only");
	ok(dsm_nla_nodes(attr(abuf, &v64, 8), 7) == v64,
	   "nla_nodes: a u64 mask with node 63 (genl 17)");
	ok(dsm_nla_nodes(attr(abuf, &v32, 4), 7) == 0x80000005,
	   "nla_nodes: a u32 mask (genl 16 and older) widened");
	ok(dsm_nla_nodes(attr(abuf, &v16, 2), 7) == 7 &&
	   dsm_nla_nodes(NULL, 9) == 9,
	   "nla_nodes: short or absent: the default");
	ok(dsm_genl_version_ok(DSM_GENL_VERSION, small, sizeof(small)) &&
	   dsm_genl_version_ok(DSM_GENL_VERSION + 1, small, sizeof(small)),
	   "family version: this one and newer modules taken");
	snprintf(want, sizeof(want), "needs %d ", DSM_GENL_VERSION);
	ok(!dsm_genl_version_ok(16, list, sizeof(list)) &&
	   strstr(list, "version 16,") && strstr(list, want),
	   "family version: a module of family 16 refused, saying why");
}

/* What @fn printed to stdout, into @out (@len bytes). */
static void capture(void (*fn)(void), char *out, size_t len)
{
	FILE *f = tmpfile();
	int saved = dup(1);
	size_t got = 0;

	out[0] = '\0';
	if (!f || saved < 0)
		return;
	fflush(stdout);
	dup2(fileno(f), 1);
	fn();
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	rewind(f);
	got = fread(out, 1, len - 1, f);
	out[got] = '\0';
	fclose(f);
}

static void node_list_json(void)
{
	print_init(true, false);
	print_open_object(NULL);
	print_node_list("writers", " %s", 1ULL << 63 | 1ULL << 53 | 2);
	print_node_list("none", " %s", 0);
	print_close_object();
}

static void node_list_text(void)
{
	print_init(false, false);
	print_node_list("writers", "[%s]", 1ULL << 63 | 1ULL << 53 | 2);
	print_node_list("none", "[%s]", 0);
	print_node_list("hidden", NULL, 1);
}

static void test_node_list(void)
{
	char out[256];

	capture(node_list_json, out, sizeof(out));
	ok(!strcmp(out, "{\"writers\":[1,53,63],\"none\":[]}"),
	   "print_node_list: JSON ids, exact above node 52");
	capture(node_list_text, out, sizeof(out));
	ok(!strcmp(out, "[1,53,63][-]"),
	   "print_node_list: text as print_nodes, none without a format");
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
	test_ids();
	test_nodes64();
	test_node_list();
	printf("1..%d\n", n);
	return failed ? 1 : 0;
}
