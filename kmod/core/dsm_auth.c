// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_auth.c - the handshake messages, the transcript a handshake MAC
 * covers, the session keys and the frame tags (dsm_auth.h). The HMAC
 * itself comes from the caller's struct dsm_auth_ops.
 */
#include "dsm_auth.h"

static_assert(sizeof(struct dsm_auth_wire_challenge) ==
	      DSM_AUTH_CHALLENGE_SIZE, "challenge size");
static_assert(sizeof(struct dsm_auth_wire_response) ==
	      DSM_AUTH_RESPONSE_SIZE, "response size");

u64 dsm_cluster_id(const char *name)
{
	u64 h = 0xcbf29ce484222325ULL;

	while (*name) {
		h ^= (u8)*name++;
		h *= 0x100000001b3ULL;
	}
	return h ? h : 1;
}

static const u8 label_mac[DSM_AUTH_LABEL_SIZE] = "dsm-auth-v1-mac";
static const u8 label_key[DSM_AUTH_LABEL_SIZE] = "dsm-auth-v1-key";

void dsm_auth_challenge_encode(const struct dsm_auth_challenge *c, u8 *buf)
{
	struct dsm_auth_wire_challenge w;

	memset(&w, 0, sizeof(w));
	w.version = cpu_to_le16(DSM_AUTH_VERSION);
	w.from = cpu_to_le32(c->from);
	w.to = cpu_to_le32(c->to);
	w.cluster_id = cpu_to_le64(c->cluster_id);
	memcpy(w.nonce, c->nonce, DSM_AUTH_NONCE_SIZE);
	memcpy(buf, &w, sizeof(w));
}

void dsm_auth_response_encode(const struct dsm_auth_response *r, u8 *buf)
{
	struct dsm_auth_wire_response w;

	memset(&w, 0, sizeof(w));
	w.version = cpu_to_le16(DSM_AUTH_VERSION);
	w.from = cpu_to_le32(r->from);
	memcpy(w.mac, r->mac, DSM_AUTH_MAC_SIZE);
	memcpy(buf, &w, sizeof(w));
}

int dsm_auth_challenge_decode(const u8 *buf, size_t len,
			      struct dsm_auth_challenge *c, const char **why)
{
	struct dsm_auth_wire_challenge w;

	*why = NULL;
	if (len != sizeof(w))
		*why = "challenge of the wrong size";
	if (*why)
		return -EPROTO;
	memcpy(&w, buf, sizeof(w));
	c->from = le32_to_cpu(w.from);
	c->to = le32_to_cpu(w.to);
	c->cluster_id = le64_to_cpu(w.cluster_id);
	memcpy(c->nonce, w.nonce, DSM_AUTH_NONCE_SIZE);
	if (le16_to_cpu(w.version) != DSM_AUTH_VERSION)
		*why = "unknown authentication version";
	else if (w.reserved0 || w.reserved1)
		*why = "reserved field not zero";
	else if (c->from >= DSM_MAX_NODES || c->to >= DSM_MAX_NODES ||
		 c->from == c->to)
		*why = "bad node ids in challenge";
	else if (!c->cluster_id)
		*why = "zero cluster id";
	return *why ? -EPROTO : 0;
}

int dsm_auth_response_decode(const u8 *buf, size_t len,
			     struct dsm_auth_response *r, const char **why)
{
	struct dsm_auth_wire_response w;

	*why = NULL;
	if (len != sizeof(w)) {
		*why = "response of the wrong size";
		return -EPROTO;
	}
	memcpy(&w, buf, sizeof(w));
	r->from = le32_to_cpu(w.from);
	memcpy(r->mac, w.mac, DSM_AUTH_MAC_SIZE);
	if (le16_to_cpu(w.version) != DSM_AUTH_VERSION)
		*why = "unknown authentication version";
	else if (w.reserved)
		*why = "reserved field not zero";
	else if (r->from >= DSM_MAX_NODES)
		*why = "bad node id in response";
	return *why ? -EPROTO : 0;
}

/* @label | C | I | R, the common start of a transcript and a key's info. */
static size_t put_ids(u8 *p, const u8 *label, const struct dsm_auth_hs *hs)
{
	__le64 c = cpu_to_le64(hs->cluster_id);
	__le32 i = cpu_to_le32(hs->initiator);
	__le32 r = cpu_to_le32(hs->responder);

	memcpy(p, label, DSM_AUTH_LABEL_SIZE);
	memcpy(p + 16, &c, 8);
	memcpy(p + 24, &i, 4);
	memcpy(p + 28, &r, 4);
	return 32;
}

void dsm_auth_transcript(const struct dsm_auth_hs *hs, enum dsm_auth_dir dir,
			 u8 out[DSM_AUTH_TRANSCRIPT_SIZE])
{
	size_t n = put_ids(out, label_mac, hs);

	memcpy(out + n, hs->nonce_i, DSM_AUTH_NONCE_SIZE);
	n += DSM_AUTH_NONCE_SIZE;
	memcpy(out + n, hs->nonce_r, DSM_AUTH_NONCE_SIZE);
	n += DSM_AUTH_NONCE_SIZE;
	out[n] = (u8)dir;
}

int dsm_auth_response_mac(const struct dsm_auth_ops *ops, const u8 *key,
			  const struct dsm_auth_hs *hs, enum dsm_auth_dir dir,
			  u8 mac[DSM_AUTH_MAC_SIZE])
{
	u8 t[DSM_AUTH_TRANSCRIPT_SIZE];
	struct dsm_auth_vec v = { t, sizeof(t) };

	dsm_auth_transcript(hs, dir, t);
	return ops->hmac(ops->ctx, key, DSM_AUTH_KEY_SIZE, &v, 1, mac);
}

int dsm_auth_response_check(const struct dsm_auth_ops *ops, const u8 *key,
			    const struct dsm_auth_hs *hs,
			    enum dsm_auth_dir dir,
			    const u8 mac[DSM_AUTH_MAC_SIZE])
{
	u8 want[DSM_AUTH_MAC_SIZE];
	int ret;

	ret = dsm_auth_response_mac(ops, key, hs, dir, want);
	if (ret)
		return ret;
	ret = ops->memneq(want, mac, DSM_AUTH_MAC_SIZE) ? -EACCES : 0;
	memset(want, 0, sizeof(want));
	return ret;
}

/* HKDF-Expand, one block: HMAC(@prk, label | C | I | R | dir | 0x01). */
static int session_key(const struct dsm_auth_ops *ops, const u8 *prk,
		       const struct dsm_auth_hs *hs, enum dsm_auth_dir dir,
		       u8 out[DSM_AUTH_MAC_SIZE])
{
	u8 info[34];
	struct dsm_auth_vec v = { info, sizeof(info) };
	size_t n = put_ids(info, label_key, hs);

	info[n] = (u8)dir;
	info[n + 1] = 1;
	return ops->hmac(ops->ctx, prk, DSM_AUTH_MAC_SIZE, &v, 1, out);
}

int dsm_auth_session(const struct dsm_auth_ops *ops, const u8 *key,
		     const struct dsm_auth_hs *hs, bool initiator,
		     u32 tag_len, struct dsm_auth_link *tx,
		     struct dsm_auth_link *rx)
{
	struct dsm_auth_vec ikm = { key, DSM_AUTH_KEY_SIZE };
	u8 salt[2 * DSM_AUTH_NONCE_SIZE], prk[DSM_AUTH_MAC_SIZE];
	enum dsm_auth_dir out = initiator ? DSM_AUTH_I_TO_R : DSM_AUTH_R_TO_I;
	enum dsm_auth_dir in = initiator ? DSM_AUTH_R_TO_I : DSM_AUTH_I_TO_R;
	int ret;

	if (tag_len < DSM_AUTH_TAG_MIN || tag_len > DSM_AUTH_MAC_SIZE)
		return -EINVAL;
	/* HKDF-Extract: PRK = HMAC(salt = nI | nR, IKM = K). */
	memcpy(salt, hs->nonce_i, DSM_AUTH_NONCE_SIZE);
	memcpy(salt + DSM_AUTH_NONCE_SIZE, hs->nonce_r, DSM_AUTH_NONCE_SIZE);
	ret = ops->hmac(ops->ctx, salt, sizeof(salt), &ikm, 1, prk);
	if (!ret)
		ret = session_key(ops, prk, hs, out, tx->key);
	if (!ret)
		ret = session_key(ops, prk, hs, in, rx->key);
	memset(prk, 0, sizeof(prk));
	tx->seq = 0;
	rx->seq = 0;
	tx->tag_len = tag_len;
	rx->tag_len = tag_len;
	return ret;
}

/* The MAC of frame @v (@n pieces, at most DSM_AUTH_VEC_MAX) on @l. */
static int frame_mac(const struct dsm_auth_ops *ops,
		     const struct dsm_auth_link *l,
		     const struct dsm_auth_vec *v, unsigned int n,
		     u8 mac[DSM_AUTH_MAC_SIZE])
{
	__le64 seq = cpu_to_le64(l->seq);
	struct dsm_auth_vec all[DSM_AUTH_VEC_MAX + 1];
	unsigned int i;

	if (n > DSM_AUTH_VEC_MAX)
		return -EINVAL;
	all[0].p = (const u8 *)&seq;
	all[0].len = sizeof(seq);
	for (i = 0; i < n; i++)
		all[i + 1] = v[i];
	return ops->hmac(ops->ctx, l->key, DSM_AUTH_MAC_SIZE, all, n + 1, mac);
}

int dsm_auth_frame_seal_vec(const struct dsm_auth_ops *ops,
			    struct dsm_auth_link *l,
			    const struct dsm_auth_vec *v, unsigned int n,
			    u8 *tag)
{
	u8 mac[DSM_AUTH_MAC_SIZE];
	int ret;

	if (l->seq == U64_MAX)
		return -EOVERFLOW;
	ret = frame_mac(ops, l, v, n, mac);
	if (ret)
		return ret;
	memcpy(tag, mac, l->tag_len);
	l->seq++;
	return 0;
}
EXPORT_SYMBOL_GPL(dsm_auth_frame_seal_vec);

int dsm_auth_frame_open_vec(const struct dsm_auth_ops *ops,
			    struct dsm_auth_link *l,
			    const struct dsm_auth_vec *v, unsigned int n,
			    const u8 *tag)
{
	u8 mac[DSM_AUTH_MAC_SIZE];
	int ret;

	if (l->seq == U64_MAX)
		return -EBADMSG;
	ret = frame_mac(ops, l, v, n, mac);
	if (ret)
		return ret;
	if (ops->memneq(mac, tag, l->tag_len))
		return -EBADMSG;
	l->seq++;
	return 0;
}
EXPORT_SYMBOL_GPL(dsm_auth_frame_open_vec);

int dsm_auth_frame_seal(const struct dsm_auth_ops *ops,
			struct dsm_auth_link *l, const u8 *frame, size_t len,
			u8 *tag)
{
	struct dsm_auth_vec v = { frame, len };

	return dsm_auth_frame_seal_vec(ops, l, &v, 1, tag);
}
EXPORT_SYMBOL_GPL(dsm_auth_frame_seal);

int dsm_auth_frame_open(const struct dsm_auth_ops *ops,
			struct dsm_auth_link *l, const u8 *frame, size_t len,
			const u8 *tag)
{
	struct dsm_auth_vec v = { frame, len };

	return dsm_auth_frame_open_vec(ops, l, &v, 1, tag);
}
EXPORT_SYMBOL_GPL(dsm_auth_frame_open);
