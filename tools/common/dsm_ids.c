// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_ids.c - users and groups by name or number (dsm_ids.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsm_ids.h"

/* A decimal id of at most 2^32-2; (uint32_t)-1 means "no id". */
static int id_number(const char *s, uint32_t *id)
{
	unsigned long long v;
	const char *p;
	char *end;

	for (p = s; *p; p++)
		if (!isdigit((unsigned char)*p))
			return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v >= UINT32_MAX)
		return -2;
	*id = (uint32_t)v;
	return 0;
}

/* The third field of the line of @db whose first field is @name. */
static int id_in_file(const char *name, const char *db, uint32_t *id)
{
	size_t len = strlen(name);
	char line[1024];
	int ret = -1;
	FILE *f;

	f = fopen(db, "re");
	if (!f)
		return -2;
	while (ret && fgets(line, sizeof(line), f)) {
		char *p = line + len, *q;

		if (strncmp(line, name, len) || *p != ':')
			continue;
		q = strchr(p + 1, ':');
		if (!q)
			continue;
		*strchrnul(q + 1, ':') = '\0';
		if (!id_number(q + 1, id))
			ret = 0;
	}
	fclose(f);
	return ret;
}

int dsm_id_lookup(const char *s, const char *db, uint32_t *id,
		  const char **why)
{
	int ret;

	if (!s || !*s) {
		*why = "empty user or group";
		return -1;
	}
	ret = id_number(s, id);
	if (ret == 0)
		return 0;
	if (ret == -2) {
		*why = "id too large (at most 4294967294)";
		return -1;
	}
	if (strchr(s, ':') || strchr(s, '\n')) {
		*why = "not a valid user or group name";
		return -1;
	}
	ret = id_in_file(s, db, id);
	if (ret == -2)
		*why = "cannot read the user or group file; give a number";
	else if (ret)
		*why = "no such user or group in the local files; give a number";
	return ret ? -1 : 0;
}

int dsm_mode_parse(const char *s, uint16_t *mode, const char **why)
{
	unsigned long v;
	const char *p;
	char *end;

	if (!s || !*s || strlen(s) > 4) {
		*why = "a mode is 1 to 4 octal digits, at most 0777";
		return -1;
	}
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '7') {
			*why = "a mode is octal: digits 0 to 7";
			return -1;
		}
	}
	v = strtoul(s, &end, 8);
	if (*end || v > 0777) {
		*why = "a mode has only permission bits, at most 0777";
		return -1;
	}
	*mode = (uint16_t)v;
	return 0;
}
