// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_auth.c - the kernel's primitives for kmod/core/dsm_auth.h:
 * HMAC-SHA256 from the crypto API (the synchronous hash "hmac(sha256)")
 * and crypto_memneq(). At load, dsm_auth_init() runs the core's known
 * answers (RFC 4231 and the pinned handshake, core/dsm_auth_kat.c, the
 * same vectors dsmd's nettle passes in the unit tests); if they fail
 * the module refuses to load. The data connections dsmd hands over
 * (PEER_SOCKET) tag every frame: each direction of each connection has
 * a transform of its own (struct dsm_auth_kconn, dsm_transport.h).
 *
 * Locking: a tfm's key is per tfm, so dsm_auth_kops uses its tfm under
 * dsm_auth_lock; a struct dsm_auth_kconn is serialised by its user (the
 * TCP transport's tx_lock, or its receive thread).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": auth: " fmt

#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <linux/err.h>
#include <linux/export.h>
#include <linux/mutex.h>

#include "dsm_internal.h"
#include "core/dsm_auth.h"
#include "dsm_transport.h"

static struct crypto_shash *dsm_auth_tfm;
/* Serialises setkey and use of dsm_auth_tfm. */
static DEFINE_MUTEX(dsm_auth_lock);

/* The HMAC of @v (@n pieces) under the key @tfm holds. */
static int dsm_auth_kdigest(struct crypto_shash *tfm,
			    const struct dsm_auth_vec *v, unsigned int n,
			    u8 mac[DSM_AUTH_MAC_SIZE])
{
	SHASH_DESC_ON_STACK(desc, tfm);
	unsigned int i;
	int ret;

	desc->tfm = tfm;
	ret = crypto_shash_init(desc);
	for (i = 0; !ret && i < n; i++)
		ret = crypto_shash_update(desc, v[i].p, v[i].len);
	if (!ret)
		ret = crypto_shash_final(desc, mac);
	shash_desc_zero(desc);
	return ret;
}

/* HMAC with @ctx, a tfm nobody else uses meanwhile. */
static int dsm_auth_khmac_excl(void *ctx, const u8 *key, u32 klen,
			       const struct dsm_auth_vec *v, unsigned int n,
			       u8 mac[DSM_AUTH_MAC_SIZE])
{
	struct crypto_shash *tfm = ctx;
	int ret;

	ret = crypto_shash_setkey(tfm, key, klen);
	return ret ? ret : dsm_auth_kdigest(tfm, v, n, mac);
}

/*
 * HMAC with @ctx, a struct dsm_auth_kconn nobody else uses meanwhile:
 * its transform is keyed again only for a key other than the one it
 * holds (a connection's handshake, then its session key for every frame).
 */
static int dsm_auth_kconn_hmac(void *ctx, const u8 *key, u32 klen,
			       const struct dsm_auth_vec *v, unsigned int n,
			       u8 mac[DSM_AUTH_MAC_SIZE])
{
	struct dsm_auth_kconn *a = ctx;
	int ret;

	if (!a->klen || a->klen != klen || crypto_memneq(a->key, key, klen)) {
		a->klen = 0;
		ret = crypto_shash_setkey(a->tfm, key, klen);
		if (ret)
			return ret;
		if (klen <= sizeof(a->key)) {
			memcpy(a->key, key, klen);
			a->klen = klen;
		}
	}
	return dsm_auth_kdigest(a->tfm, v, n, mac);
}

static int dsm_auth_khmac(void *ctx, const u8 *key, u32 klen,
			  const struct dsm_auth_vec *v, unsigned int n,
			  u8 mac[DSM_AUTH_MAC_SIZE])
{
	int ret;

	mutex_lock(&dsm_auth_lock);
	ret = dsm_auth_khmac_excl(ctx, key, klen, v, n, mac);
	mutex_unlock(&dsm_auth_lock);
	return ret;
}

static int dsm_auth_kmemneq(const void *a, const void *b, size_t len)
{
	return crypto_memneq(a, b, len) != 0;
}

static struct dsm_auth_ops dsm_auth_kops = {
	.hmac = dsm_auth_khmac,
	.memneq = dsm_auth_kmemneq,
};

/**
 * dsm_auth_kconn_init() - a transform for one direction of a connection.
 * @a:	filled; @a->ops is for kmod/core/dsm_auth.h's functions.
 *
 * Sleeps. Return: 0, or a negative errno (@a->tfm NULL).
 */
int dsm_auth_kconn_init(struct dsm_auth_kconn *a)
{
	a->tfm = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(a->tfm)) {
		int ret = PTR_ERR(a->tfm);

		a->tfm = NULL;
		return ret;
	}
	a->ops.hmac = dsm_auth_kconn_hmac;
	a->ops.memneq = dsm_auth_kmemneq;
	a->ops.ctx = a;
	a->klen = 0;
	return 0;
}
EXPORT_SYMBOL_GPL(dsm_auth_kconn_init);

/* Free what dsm_auth_kconn_init() made (nothing if it failed). */
void dsm_auth_kconn_free(struct dsm_auth_kconn *a)
{
	if (a->tfm)
		crypto_free_shash(a->tfm);
	a->tfm = NULL;
	memzero_explicit(a->key, sizeof(a->key));
	a->klen = 0;
}
EXPORT_SYMBOL_GPL(dsm_auth_kconn_free);

int __init dsm_auth_init(void)
{
	const char *what;
	int ret;

	dsm_auth_tfm = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(dsm_auth_tfm)) {
		ret = PTR_ERR(dsm_auth_tfm);
		pr_err("no hmac(sha256) in the crypto API (%d); enable CONFIG_CRYPTO_HMAC and CONFIG_CRYPTO_SHA256\n",
		       ret);
		dsm_auth_tfm = NULL;
		return ret;
	}
	if (crypto_shash_digestsize(dsm_auth_tfm) != DSM_AUTH_MAC_SIZE) {
		pr_err("hmac(sha256) has a digest of %u bytes, not %d\n",
		       crypto_shash_digestsize(dsm_auth_tfm),
		       DSM_AUTH_MAC_SIZE);
		ret = -EINVAL;
		goto err;
	}
	dsm_auth_kops.ctx = dsm_auth_tfm;
	ret = dsm_auth_selftest(&dsm_auth_kops, &what);
	if (ret) {
		pr_err("self-test failed: %s (%s); refusing to load\n", what,
		       crypto_shash_driver_name(dsm_auth_tfm));
		goto err;
	}
	pr_debug("self-test passed with %s\n",
		 crypto_shash_driver_name(dsm_auth_tfm));
	return 0;
err:
	crypto_free_shash(dsm_auth_tfm);
	dsm_auth_tfm = NULL;
	return ret;
}

void dsm_auth_exit(void)
{
	crypto_free_shash(dsm_auth_tfm);
	dsm_auth_tfm = NULL;
}
