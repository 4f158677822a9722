/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_key.h - the cluster key file (Documentation/admin-guide.md, "The
 * cluster key"): one line of 64 hexadecimal digits, 32 random bytes,
 * mode 0600. dsmctl writes it, dsmd reads it. Also random bytes for
 * nonces, from getrandom().
 */
#ifndef DSM_KEY_H
#define DSM_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DSM_KEY_BYTES	32
#define DSM_KEY_TEXT	(2 * DSM_KEY_BYTES + 1)	/* hex and newline */

/* @len random bytes from the kernel's CSPRNG; 0, or -errno. */
int dsm_auth_random(void *buf, size_t len);

/* The key in @text (64 hex digits, then optional whitespace); 0 or -1. */
int dsm_key_parse(const char *text, size_t len, uint8_t key[DSM_KEY_BYTES]);

/*
 * dsm_key_load - read the key at @path. Refused (-1, and in @err what is
 * wrong and what to do): missing or unreadable file, not a regular file,
 * readable or writable by group or others, not owned by the caller's
 * effective uid, or not one line of 64 hexadecimal digits.
 */
int dsm_key_load(const char *path, uint8_t key[DSM_KEY_BYTES], char *err,
		 size_t errlen);

/*
 * dsm_key_generate - write a new random key to @path, created with mode
 * 0600; an existing file is refused (EEXIST) unless @force, which
 * replaces it atomically. 0, or -errno with @err set.
 */
int dsm_key_generate(const char *path, bool force, char *err, size_t errlen);

#endif /* DSM_KEY_H */
