/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_auth.h - peer authentication: the rules both ends of every link
 * follow, dsmd's and (later) the kernel's. Documentation/protocol.md,
 * "Authentication", is the specification; this header is its executable
 * form. No crypto library lives here: the caller passes HMAC-SHA256 and
 * a constant-time compare in struct dsm_auth_ops (the kernel's crypto
 * API, or a userspace library), so the same bytes are produced by both.
 *
 * The handshake, between the initiator I (who connected) and the
 * responder R, with the cluster key K (32 bytes) and cluster id C:
 *
 *   I -> R  CHALLENGE(from I, to R, C, nonce nI)
 *   R -> I  CHALLENGE(from R, to I, C, nonce nR),
 *           RESPONSE(from R, HMAC(K, transcript(R_TO_I)))
 *   I -> R  RESPONSE(from I, HMAC(K, transcript(I_TO_R)))
 *
 * transcript(dir) = label "dsm-auth-v1-mac\0" (16 bytes) | C (le64) |
 * I (le32) | R (le32) | nI (32) | nR (32) | dir (u8): 97 bytes. The
 * direction is in the MAC, so a response is never valid the other way
 * (no reflection), and both nonces, so it is never valid twice.
 *
 * Session keys, one per direction (HKDF with HMAC-SHA256, RFC 5869, one
 * output block): PRK = HMAC(salt = nI | nR, K); key(dir) = HMAC(PRK,
 * "dsm-auth-v1-key\0" | C | I | R | dir | 0x01).
 *
 * Frames after the handshake: each carries a tag, the first tag_len
 * bytes (16 .. 32) of HMAC(key(dir), seq (le64) | frame bytes), where
 * seq counts the frames of that direction from 0 and is never sent: a
 * replayed, reordered, dropped or modified frame fails its tag.
 */
#ifndef _DSM_AUTH_H
#define _DSM_AUTH_H

#include "dsm_core_env.h"
#include "dsm_limits.h"

#define DSM_AUTH_VERSION	1
#define DSM_AUTH_KEY_SIZE	32	/* the cluster key */
#define DSM_AUTH_NONCE_SIZE	32
#define DSM_AUTH_MAC_SIZE	32	/* HMAC-SHA256 */
#define DSM_AUTH_TAG_MIN	16	/* shortest frame tag allowed */
#define DSM_AUTH_LABEL_SIZE	16
#define DSM_AUTH_TRANSCRIPT_SIZE 97
#define DSM_AUTH_CHALLENGE_SIZE	56
#define DSM_AUTH_RESPONSE_SIZE	40

/* Direction of a handshake MAC or of a session key. */
enum dsm_auth_dir {
	DSM_AUTH_I_TO_R = 1,	/* initiator to responder */
	DSM_AUTH_R_TO_I = 2,
};

/* One piece of the bytes an HMAC covers. */
struct dsm_auth_vec {
	const u8 *p;
	size_t len;
};

/**
 * struct dsm_auth_ops - the primitives, supplied by the environment.
 * @hmac:	HMAC-SHA256 with @key (@klen bytes) over the concatenation of
 *		the @n pieces @v; 0, or a negative errno.
 * @memneq:	0 if the @len bytes at @a and @b are equal, non-zero if not,
 *		in a time that does not depend on where they differ.
 * @ctx:	passed to @hmac.
 */
struct dsm_auth_ops {
	int (*hmac)(void *ctx, const u8 *key, u32 klen,
		    const struct dsm_auth_vec *v, unsigned int n,
		    u8 mac[DSM_AUTH_MAC_SIZE]);
	int (*memneq)(const void *a, const void *b, size_t len);
	void *ctx;
};

/* On the wire: little endian, reserved fields zero. */
struct dsm_auth_wire_challenge {	/* 56 bytes */
	__le16 version;		/*  0: DSM_AUTH_VERSION */
	__le16 reserved0;	/*  2 */
	__le32 from;		/*  4: sender's node id */
	__le32 to;		/*  8: receiver's node id */
	__le32 reserved1;	/* 12 */
	__le64 cluster_id;	/* 16: nonzero */
	u8 nonce[DSM_AUTH_NONCE_SIZE];	/* 24 */
};

struct dsm_auth_wire_response {		/* 40 bytes */
	__le16 version;		/*  0: DSM_AUTH_VERSION */
	__le16 reserved;	/*  2 */
	__le32 from;		/*  4: sender's node id */
	u8 mac[DSM_AUTH_MAC_SIZE];	/* 8 */
};

struct dsm_auth_challenge {
	u32 from;
	u32 to;
	u64 cluster_id;
	u8 nonce[DSM_AUTH_NONCE_SIZE];
};

struct dsm_auth_response {
	u32 from;
	u8 mac[DSM_AUTH_MAC_SIZE];
};

/* What a handshake binds: both ends agree on every field. */
struct dsm_auth_hs {
	u64 cluster_id;
	u32 initiator;
	u32 responder;
	u8 nonce_i[DSM_AUTH_NONCE_SIZE];
	u8 nonce_r[DSM_AUTH_NONCE_SIZE];
};

/**
 * struct dsm_auth_link - one direction of an authenticated link.
 * @key:	the session key of that direction.
 * @seq:	the next frame's sequence number (implicit, never sent).
 * @tag_len:	bytes of tag per frame, DSM_AUTH_TAG_MIN .. _MAC_SIZE.
 */
struct dsm_auth_link {
	u8 key[DSM_AUTH_MAC_SIZE];
	u64 seq;
	u32 tag_len;
};

/*
 * The cluster id of cluster @name: FNV-1a of the name, never 0. The
 * kernel's data-port HELLO and dsmd's handshake carry it, so both derive
 * it here.
 */
u64 dsm_cluster_id(const char *name);

void dsm_auth_challenge_encode(const struct dsm_auth_challenge *c, u8 *buf);
void dsm_auth_response_encode(const struct dsm_auth_response *r, u8 *buf);

/*
 * Decode @len bytes; 0, or -EPROTO (wrong size, version, reserved field,
 * node id out of range, from == to, zero cluster id) with @why set.
 */
int dsm_auth_challenge_decode(const u8 *buf, size_t len,
			      struct dsm_auth_challenge *c, const char **why);
int dsm_auth_response_decode(const u8 *buf, size_t len,
			     struct dsm_auth_response *r, const char **why);

/* The 97 bytes a handshake MAC covers. */
void dsm_auth_transcript(const struct dsm_auth_hs *hs, enum dsm_auth_dir dir,
			 u8 out[DSM_AUTH_TRANSCRIPT_SIZE]);

/* The handshake MAC of @dir, sent in RESPONSE. */
int dsm_auth_response_mac(const struct dsm_auth_ops *ops, const u8 *key,
			  const struct dsm_auth_hs *hs, enum dsm_auth_dir dir,
			  u8 mac[DSM_AUTH_MAC_SIZE]);

/* 0 if @mac is the MAC of @dir, -EACCES if not (constant time). */
int dsm_auth_response_check(const struct dsm_auth_ops *ops, const u8 *key,
			    const struct dsm_auth_hs *hs,
			    enum dsm_auth_dir dir,
			    const u8 mac[DSM_AUTH_MAC_SIZE]);

/*
 * The session keys of a finished handshake, as seen by the initiator
 * (@initiator true) or the responder: @tx for what it sends, @rx for what
 * it receives, both with sequence 0 and @tag_len (-EINVAL outside
 * DSM_AUTH_TAG_MIN .. DSM_AUTH_MAC_SIZE).
 */
int dsm_auth_session(const struct dsm_auth_ops *ops, const u8 *key,
		     const struct dsm_auth_hs *hs, bool initiator,
		     u32 tag_len, struct dsm_auth_link *tx,
		     struct dsm_auth_link *rx);

/*
 * dsm_auth_frame_seal - the tag (@l->tag_len bytes) of the next frame
 * sent on @l, @len bytes at @frame; advances @l->seq. -EOVERFLOW when the
 * sequence space is used up (reconnect).
 */
int dsm_auth_frame_seal(const struct dsm_auth_ops *ops,
			struct dsm_auth_link *l, const u8 *frame, size_t len,
			u8 *tag);

/*
 * dsm_auth_frame_open - check the tag of the next frame received on @l;
 * 0 and @l->seq advanced, or -EBADMSG (modified, replayed, reordered,
 * or a frame lost before it) with @l unchanged.
 */
int dsm_auth_frame_open(const struct dsm_auth_ops *ops,
			struct dsm_auth_link *l, const u8 *frame, size_t len,
			const u8 *tag);

/*
 * The same over a frame in @n pieces (at most DSM_AUTH_VEC_MAX; -EINVAL
 * beyond), e.g. a header and a page fragment sent without a copy: the
 * tag is that of the pieces' concatenation.
 */
#define DSM_AUTH_VEC_MAX	4
int dsm_auth_frame_seal_vec(const struct dsm_auth_ops *ops,
			    struct dsm_auth_link *l,
			    const struct dsm_auth_vec *v, unsigned int n,
			    u8 *tag);
int dsm_auth_frame_open_vec(const struct dsm_auth_ops *ops,
			    struct dsm_auth_link *l,
			    const struct dsm_auth_vec *v, unsigned int n,
			    const u8 *tag);

/*
 * dsm_auth_selftest - known answers: RFC 4231's HMAC-SHA256 vectors
 * through @ops, then the pinned transcript, handshake MAC, session keys
 * and frame tags of dsm_auth_kat.c. 0, or -EBADMSG with @what naming the
 * first that failed. Run at module load and by the unit tests.
 */
int dsm_auth_selftest(const struct dsm_auth_ops *ops, const char **what);

#endif /* _DSM_AUTH_H */
