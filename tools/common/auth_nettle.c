// SPDX-License-Identifier: GPL-2.0
/*
 * auth_nettle.c - struct dsm_auth_ops on nettle (auth_nettle.h).
 */
#include <string.h>
#include <nettle/hmac.h>
#include <nettle/memops.h>

#include "auth_nettle.h"

static int nettle_hmac(void *ctx, const u8 *key, u32 klen,
		       const struct dsm_auth_vec *v, unsigned int n,
		       u8 mac[DSM_AUTH_MAC_SIZE])
{
	struct hmac_sha256_ctx h;
	unsigned int i;

	(void)ctx;
	hmac_sha256_set_key(&h, klen, key);
	for (i = 0; i < n; i++)
		hmac_sha256_update(&h, v[i].len, v[i].p);
	hmac_sha256_digest(&h, DSM_AUTH_MAC_SIZE, mac);
	memset(&h, 0, sizeof(h));
	return 0;
}

static int nettle_memneq(const void *a, const void *b, size_t len)
{
	return !memeql_sec(a, b, len);
}

const struct dsm_auth_ops dsm_auth_nettle = {
	.hmac = nettle_hmac,
	.memneq = nettle_memneq,
};
