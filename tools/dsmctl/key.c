// SPDX-License-Identifier: GPL-2.0
/*
 * key.c - dsmctl key generate [--force] [FILE]: a new cluster key
 * (tools/common/dsm_key.h), mode 0600. Needs no module.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "dsm_key.h"
#include "dsmctl.h"

#define DSMCTL_KEY_PATH	"/etc/dsm/dsm.key"

static void key_usage(FILE *f)
{
	fprintf(f, "usage: dsmctl key generate [--force] [FILE]\n"
	       "  writes a new random cluster key (default " DSMCTL_KEY_PATH
	       "), mode 0600;\n"
	       "  copy it to every node and name it with 'key FILE' in dsm.conf\n");
}

static int key_generate(int argc, char **argv)
{
	const char *path = DSMCTL_KEY_PATH;
	bool force = false, have_path = false;
	char err[512];
	int i, ret;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--force") || !strcmp(argv[i], "force"))
			force = true;
		else if (!have_path && argv[i][0] != '-') {
			path = argv[i];
			have_path = true;
		} else {
			return dsmctl_usage("key", "unexpected argument '%s'",
					    argv[i]);
		}
	}
	ret = dsm_key_generate(path, force, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "dsmctl: key generate: %s\n", err);
		return DSMCTL_FAIL;
	}
	print_open_object(NULL);
	print_string("key_file", "cluster key written to %s", path);
	print_string(NULL, "%s", "; copy it (mode 0600) to every node and set 'key FILE' in dsm.conf");
	print_close_object();
	print_nl();
	print_end();
	return DSMCTL_OK;
}

int do_key(int argc, char **argv)
{
	if (argc >= 1 && matches(argv[0], "generate"))
		return key_generate(argc - 1, argv + 1);
	if (argc < 1) {
		key_usage(stderr);
		return DSMCTL_USAGE;
	}
	if (matches(argv[0], "help")) {
		key_usage(stdout);
		return DSMCTL_OK;
	}
	return dsmctl_usage("key", "unknown key command '%s'", argv[0]);
}
