/* SPDX-License-Identifier: GPL-2.0 */
/*
 * auth_nettle.h - the userspace primitives of kmod/core/dsm_auth.h:
 * HMAC-SHA256 and a constant-time compare from Debian's nettle, nonces
 * and keys from getrandom(). Used by dsmd, dsmctl and the core's unit
 * tests; link with -lnettle.
 */
#ifndef DSM_AUTH_NETTLE_H
#define DSM_AUTH_NETTLE_H

#include <stddef.h>

#include "dsm_auth.h"

extern const struct dsm_auth_ops dsm_auth_nettle;

/* @len random bytes from the kernel's CSPRNG; 0, or -errno. */
int dsm_auth_random(void *buf, size_t len);

#endif /* DSM_AUTH_NETTLE_H */
