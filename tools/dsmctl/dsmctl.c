// SPDX-License-Identifier: GPL-2.0
/*
 * dsmctl - the dsm command line: dsmctl [OPTIONS] OBJECT VERB [ARGS].
 *
 * Talks to dsm.ko over the generic netlink family "dsm" (libnl-genl-3).
 * See Documentation/dsmctl.8.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsmctl.h"

#define DSMCTL_VERSION "0.1.0"

struct dsm_genl genl;

static void usage(FILE *f)
{
	fprintf(f,
"usage: dsmctl [-j] [-p] OBJECT VERB [ARGS]\n"
"       dsmctl node { list | show ID | add ID ADDRESS [port P] | del ID }\n"
"       dsmctl region { list | show NAME | delete NAME |\n"
"                       create NAME size SIZE [model sc|lrc]\n"
"                         [owner USER] [group GROUP] [mode MODE] |\n"
"                       top NAME [-n N] }\n"
"       dsmctl lock top [-n N]\n"
"       dsmctl home bump\n"
"       dsmctl status\n"
"       dsmctl stats\n"
"       dsmctl monitor\n"
"       dsmctl key generate [--force] [FILE]\n"
"options: -j, --json   JSON output\n"
"         -p, --pretty indented JSON (implies -j)\n"
"         -V, --version\n"
"SIZE takes K, M, G suffixes (powers of 1024); exit status 0 done,\n"
"1 failed, 2 bad command line, 3 no dsm module, 4 not allowed, 5 status:\n"
"not every node up; see dsmctl(8).\n");
}

int dsmctl_usage(const char *object, const char *fmt, ...)
{
	va_list ap;

	fputs("dsmctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (object)
		fprintf(stderr, "; try 'dsmctl %s help'\n", object);
	else
		fprintf(stderr, "; try 'dsmctl help'\n");
	return DSMCTL_USAGE;
}

int dsmctl_error(const char *what, int err)
{
	const char *msg = genl.errmsg[0] ? genl.errmsg : strerror(-err);

	switch (err) {
	case -ENOENT:
		if (!genl.sk) {
			fprintf(stderr,
				"dsmctl: %s: the dsm module is not loaded; load it with 'modprobe dsm' (or insmod dsm.ko)\n",
				what);
			return DSMCTL_NODSM;
		}
		break;
	case -EPERM:
	case -EACCES:
		fprintf(stderr,
			"dsmctl: %s: permission denied; run as root (needs CAP_NET_ADMIN)\n",
			what);
		return DSMCTL_PERM;
	case -EIO:
		fprintf(stderr, "dsmctl: %s: netlink failed; is dsm.ko loaded?\n",
			what);
		return DSMCTL_NODSM;
	case -ENOTCONN:
		fprintf(stderr,
			"dsmctl: %s: %s; start dsmd (systemctl start dsmd)\n",
			what, genl.errmsg[0] ? genl.errmsg :
			"the cluster is not configured");
		return DSMCTL_FAIL;
	default:
		break;
	}
	fprintf(stderr, "dsmctl: %s: %s (%s)\n", what, msg, strerror(-err));
	return DSMCTL_FAIL;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, pretty = false;
	int (*handler)(int argc, char **argv);
	const char *obj;
	int c, ret;

	while ((c = getopt_long(argc, argv, "+jpVh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'p':
			json = pretty = true;
			break;
		case 'V':
			printf("dsmctl %s, dsm API %d, family %s v%d\n",
			       DSMCTL_VERSION, DSM_API_VERSION, DSM_GENL_NAME,
			       DSM_GENL_VERSION);
			return DSMCTL_OK;
		case 'h':
			usage(stdout);
			return DSMCTL_OK;
		default:
			usage(stderr);
			return DSMCTL_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return DSMCTL_USAGE;
	}
	obj = argv[0];
	if (matches(obj, "help")) {
		usage(stdout);
		return DSMCTL_OK;
	}
	if (matches(obj, "node"))
		handler = do_node;
	else if (matches(obj, "region"))
		handler = do_region;
	else if (!strcmp(obj, "lock"))
		handler = do_lock;
	else if (!strcmp(obj, "status") || (matches(obj, "status") &&
					     strlen(obj) > 4))
		handler = do_status;
	else if (!strcmp(obj, "stats") || matches(obj, "statistics"))
		handler = do_stats;
	else if (matches(obj, "monitor"))
		handler = do_monitor;
	else if (!strcmp(obj, "key"))
		handler = do_key;
	else if (!strcmp(obj, "home"))
		handler = do_home;
	else
		return dsmctl_usage(NULL, "unknown object '%s'", obj);
	print_init(json, pretty);
	/* "dsmctl OBJECT help" works without the module. */
	if ((argc > 1 && matches(argv[1], "help")) || handler == do_key)
		return handler(argc - 1, argv + 1);
	ret = dsm_genl_open(&genl);
	if (ret)
		return dsmctl_error("cannot reach dsm", ret);
	ret = handler(argc - 1, argv + 1);
	dsm_genl_close(&genl);
	return ret;
}
