/* SPDX-License-Identifier: GPL-2.0 */
/*
 * auth_nettle.h - the userspace primitives of kmod/core/dsm_auth.h:
 * HMAC-SHA256 and a constant-time compare from Debian's nettle. Used by
 * dsmd and the core's unit tests; link with -lnettle. Nonces and keys
 * come from dsm_key.h.
 */
#ifndef DSM_AUTH_NETTLE_H
#define DSM_AUTH_NETTLE_H

#include "dsm_auth.h"

extern const struct dsm_auth_ops dsm_auth_nettle;

#endif /* DSM_AUTH_NETTLE_H */
