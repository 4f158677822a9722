/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_ids.h - users and groups by name or number, for region owners.
 *
 * The tools are static binaries (the virtual cluster's guests have no
 * libc to load NSS modules from), so names are looked up in the files
 * themselves, /etc/passwd and /etc/group, as "files" in nsswitch.conf
 * would: other sources (LDAP, sssd) are not consulted; give numbers then.
 */
#ifndef DSM_IDS_H
#define DSM_IDS_H

#include <stdint.h>

#define DSM_PASSWD_FILE	"/etc/passwd"
#define DSM_GROUP_FILE	"/etc/group"

/*
 * dsm_id_lookup - @s is a decimal number (0 .. 2^32-2) or a name, looked
 * up in @db (a passwd or group file: name in the first field, the id in
 * the third). Returns 0 with *id set, or -1 with *why set.
 */
int dsm_id_lookup(const char *s, const char *db, uint32_t *id,
		  const char **why);

/*
 * dsm_mode_parse - an octal mode of at most 0777 ("0660", "640").
 * Returns 0 with *mode set, or -1 with *why set.
 */
int dsm_mode_parse(const char *s, uint16_t *mode, const char **why);

#endif /* DSM_IDS_H */
