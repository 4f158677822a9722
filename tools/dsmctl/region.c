// SPDX-License-Identifier: GPL-2.0
/*
 * region.c - dsmctl region { list | show NAME | delete NAME |
 *			      create NAME size SIZE [model sc|lrc]
 *			      [replicas 0|1]
 *			      [owner USER] [group GROUP] [mode MODE] |
 *			      top NAME [-n N] } (top: top.c)
 */
#include <stdio.h>
#include <string.h>

#include "dsm_ids.h"
#include "dsmctl.h"

static void region_usage(void)
{
	printf("usage: dsmctl region { list | show NAME | delete NAME |\n"
	       "                       create NAME size SIZE [model sc|lrc]\n"
	       "                              [replicas 0|1]\n"
	       "                              [owner USER] [group GROUP] [mode MODE] |\n"
	       "                       top NAME [-n N] }\n"
	       "SIZE: bytes, or with a K, M or G suffix; a multiple of 4K\n"
	       "USER, GROUP: a name of /etc/passwd, /etc/group, or a number\n"
	       "MODE: octal permission bits, at most 0777 (default 0660)\n");
}

void print_region(struct nlattr **tb, const char *key)
{
	uint64_t off = dsm_nla_u64(tb[DSM_A_REGION_OFFSET], 0);
	uint64_t size = dsm_nla_u64(tb[DSM_A_REGION_SIZE], 0);
	char sbuf[32], obuf[32];

	print_open_object(key);
	print_string("name", "%-16s", dsm_nla_str(tb[DSM_A_REGION_NAME], "?"));
	snprintf(obuf, sizeof(obuf), "0x%llx", (unsigned long long)off);
	print_string(NULL, " offset %-14s", obuf);
	print_u64("offset", NULL, off);
	print_string(NULL, " size %-6s", print_size(size, sbuf, sizeof(sbuf)));
	print_u64("size", NULL, size);
	print_string("model", " model %s",
		     dsm_model_name(dsm_nla_u8(tb[DSM_A_REGION_MODEL], 255)));
	print_u64("origin", "  origin node %s",
		  dsm_nla_u32(tb[DSM_A_REGION_ORIGIN], 0));
	/* Family version 11 on; lrc regions only mean anything by it. */
	if (tb[DSM_A_REGION_REPLICAS])
		print_u64("replicas", "  replicas %s",
			  dsm_nla_u8(tb[DSM_A_REGION_REPLICAS], 1));
	/* A module older than family version 4 has no permissions. */
	if (tb[DSM_A_REGION_MODE]) {
		snprintf(obuf, sizeof(obuf), "0%03o",
			 dsm_nla_u16(tb[DSM_A_REGION_MODE], 0));
		print_u64("uid", "  owner %s",
			  dsm_nla_u32(tb[DSM_A_REGION_UID], 0));
		print_u64("gid", " group %s",
			  dsm_nla_u32(tb[DSM_A_REGION_GID], 0));
		print_string("mode", " mode %s", obuf);
	}
	print_close_object();
	print_nl();
}

static int region_cb(uint8_t cmd, struct nlattr **tb, void *arg)
{
	(void)cmd;
	(void)arg;
	print_region(tb, NULL);
	return 0;
}

static int region_list(void)
{
	struct nl_msg *msg;
	int ret;

	msg = dsm_genl_msg(&genl, DSM_CMD_REGION_GET, NLM_F_DUMP);
	if (!msg)
		return dsmctl_error("region list", -ENOMEM);
	print_open_array(NULL);
	ret = dsm_genl_call(&genl, msg, region_cb, NULL);
	print_close_array();
	print_end();
	return ret ? dsmctl_error("region list", ret) : DSMCTL_OK;
}

static int region_name_ok(const char *name)
{
	return strlen(name) > 0 && strlen(name) < DSM_NAME_MAX;
}

static int region_show_del(const char *name, uint8_t cmd)
{
	char what[DSM_NAME_MAX + 32];
	struct nl_msg *msg;
	int ret;

	snprintf(what, sizeof(what), "%s region '%s'",
		 cmd == DSM_CMD_REGION_DEL ? "cannot delete" : "cannot show",
		 name);
	if (!region_name_ok(name))
		return dsmctl_usage("region", "a region name has 1 to %d characters",
				    DSM_NAME_MAX - 1);
	msg = dsm_genl_msg(&genl, cmd, 0);
	if (!msg || nla_put_string(msg, DSM_A_REGION_NAME, name))
		return dsmctl_error(what, -ENOMEM);
	ret = dsm_genl_call(&genl, msg, region_cb, NULL);
	if (ret)
		return dsmctl_error(what, ret);
	print_end();
	return DSMCTL_OK;
}

/* Owner, group and mode given to 'region create'; *set says which. */
struct region_perm {
	uint32_t uid, gid;
	uint16_t mode;
	unsigned int set;	/* 1 uid, 2 gid, 4 mode */
};

/*
 * One 'owner', 'group' or 'mode' argument into @p. Returns -1 if @key
 * is none of them, 0 if parsed, or dsmctl_usage()'s code.
 */
static int region_perm_arg(const char *key, const char *val,
			   struct region_perm *p)
{
	const char *why;

	if (matches(key, "owner")) {
		if (dsm_id_lookup(val, DSM_PASSWD_FILE, &p->uid, &why))
			return dsmctl_usage("region", "bad owner '%s': %s",
					    val, why);
		p->set |= 1;
	} else if (matches(key, "group")) {
		if (dsm_id_lookup(val, DSM_GROUP_FILE, &p->gid, &why))
			return dsmctl_usage("region", "bad group '%s': %s",
					    val, why);
		p->set |= 2;
	} else if (!strcmp(key, "mode")) {	/* "mod" is still model */
		if (dsm_mode_parse(val, &p->mode, &why))
			return dsmctl_usage("region", "bad mode '%s': %s",
					    val, why);
		p->set |= 4;
	} else {
		return -1;
	}
	return 0;
}

/* The attributes of what was given; the kernel defaults the rest. */
static int region_perm_put(struct nl_msg *msg, const struct region_perm *p)
{
	return ((p->set & 1) && nla_put_u32(msg, DSM_A_REGION_UID, p->uid)) ||
	       ((p->set & 2) && nla_put_u32(msg, DSM_A_REGION_GID, p->gid)) ||
	       ((p->set & 4) && nla_put_u16(msg, DSM_A_REGION_MODE, p->mode));
}

static int region_create(int argc, char **argv)
{
	const char *name, *why;
	char what[DSM_NAME_MAX + 32];
	struct region_perm perm = {};
	uint8_t model = DSM_MODEL_SC, replicas = 1;
	uint64_t size = 0;
	struct nl_msg *msg;
	int ret, i;

	if (argc < 1)
		return dsmctl_usage("region", "'region create' needs a name");
	name = argv[0];
	if (!region_name_ok(name))
		return dsmctl_usage("region", "a region name has 1 to %d characters",
				    DSM_NAME_MAX - 1);
	for (i = 1; i < argc; i += 2) {
		if (i + 1 >= argc)
			return dsmctl_usage("region", "'%s' needs a value",
					    argv[i]);
		if (matches(argv[i], "size")) {
			if (parse_size(argv[i + 1], &size, &why))
				return dsmctl_usage("region", "bad size '%s': %s",
						    argv[i + 1], why);
			if (size % DSM_REGION_ALIGN)
				return dsmctl_usage("region",
						    "size %s is not a multiple of 4K",
						    argv[i + 1]);
		} else if (matches(argv[i], "model") &&
			   strcmp(argv[i], "mode")) {
			if (!strcmp(argv[i + 1], "sc"))
				model = DSM_MODEL_SC;
			else if (!strcmp(argv[i + 1], "lrc"))
				model = DSM_MODEL_LRC;
			else
				return dsmctl_usage("region",
						    "model is sc or lrc, not '%s'",
						    argv[i + 1]);
		} else if (!strcmp(argv[i], "replicas")) {
			if (strcmp(argv[i + 1], "0") && strcmp(argv[i + 1], "1"))
				return dsmctl_usage("region",
						    "replicas is 0 or 1, not '%s'",
						    argv[i + 1]);
			replicas = argv[i + 1][0] == '1';
		} else {
			ret = region_perm_arg(argv[i], argv[i + 1], &perm);
			if (ret < 0)
				return dsmctl_usage("region",
						    "unknown argument '%s'",
						    argv[i]);
			if (ret)
				return ret;
		}
	}
	if (!size)
		return dsmctl_usage("region", "'region create' needs 'size SIZE'");
	snprintf(what, sizeof(what), "cannot create region '%s'", name);
	msg = dsm_genl_msg(&genl, DSM_CMD_REGION_NEW, 0);
	if (!msg || nla_put_string(msg, DSM_A_REGION_NAME, name) ||
	    nla_put_u64(msg, DSM_A_REGION_SIZE, size) ||
	    nla_put_u8(msg, DSM_A_REGION_MODEL, model) ||
	    nla_put_u8(msg, DSM_A_REGION_REPLICAS, replicas) ||
	    region_perm_put(msg, &perm))
		return dsmctl_error(what, -ENOMEM);
	ret = dsm_genl_call(&genl, msg, region_cb, NULL);
	if (ret)
		return dsmctl_error(what, ret);
	print_end();
	return DSMCTL_OK;
}

int do_region(int argc, char **argv)
{
	if (argc < 1 || matches(argv[0], "list")) {
		if (argc > 1)
			return dsmctl_usage("region", "'region list' takes no arguments");
		return region_list();
	}
	if (matches(argv[0], "help")) {
		region_usage();
		return DSMCTL_OK;
	}
	if (!strcmp(argv[0], "top"))
		return region_top(argc - 1, argv + 1);
	if (matches(argv[0], "create") || matches(argv[0], "add"))
		return region_create(argc - 1, argv + 1);
	if (matches(argv[0], "show") || matches(argv[0], "delete") ||
	    matches(argv[0], "del")) {
		bool del = argv[0][0] == 'd';

		if (argc != 2)
			return dsmctl_usage("region", "'region %s' needs one name",
					    argv[0]);
		return region_show_del(argv[1], del ? DSM_CMD_REGION_DEL :
				       DSM_CMD_REGION_GET);
	}
	return dsmctl_usage("region", "unknown region command '%s'", argv[0]);
}
