// SPDX-License-Identifier: GPL-2.0
/*
 * test_auth.c - peer authentication (dsm_auth.h) over the userspace
 * primitives (tools/common/auth_nettle.c): the known answers of
 * dsm_auth_selftest() (RFC 4231 and the pinned handshake), that the
 * self-test fails over a broken primitive, the challenge and response
 * codec, and everything that must be refused: reflection, another
 * cluster id, swapped ids, another key, replayed, reordered, modified
 * and truncated frames.
 */
#include "kselftest_harness.h"
#include "dsm_auth.h"
#include "auth_nettle.h"
#include "dsm_key.h"

static const struct dsm_auth_ops *ops = &dsm_auth_nettle;

/* A handshake of initiator 1 and responder 2 with random nonces. */
static int hs_init(struct dsm_auth_hs *hs, u8 *key)
{
	hs->cluster_id = 0x1122334455667788ULL;
	hs->initiator = 1;
	hs->responder = 2;
	return dsm_auth_random(hs->nonce_i, DSM_AUTH_NONCE_SIZE) ||
	       dsm_auth_random(hs->nonce_r, DSM_AUTH_NONCE_SIZE) ||
	       dsm_auth_random(key, DSM_AUTH_KEY_SIZE);
}

TEST(selftest_passes)
{
	const char *what = "unset";

	EXPECT_EQ(0, dsm_auth_selftest(ops, &what));
	EXPECT_EQ(NULL, what);
}

/* HMAC that flips one bit of its output: every known answer notices. */
static int broken_hmac(void *ctx, const u8 *key, u32 klen,
		       const struct dsm_auth_vec *v, unsigned int n,
		       u8 mac[DSM_AUTH_MAC_SIZE])
{
	int ret = dsm_auth_nettle.hmac(ctx, key, klen, v, n, mac);

	mac[DSM_AUTH_MAC_SIZE - 1] ^= 1;
	return ret;
}

TEST(selftest_fails_on_broken_hmac)
{
	struct dsm_auth_ops bad = dsm_auth_nettle;
	const char *what = NULL;

	bad.hmac = broken_hmac;
	EXPECT_EQ(-EBADMSG, dsm_auth_selftest(&bad, &what));
	ASSERT_NE(NULL, what);
	EXPECT_EQ(0, strcmp(what, "HMAC-SHA256 (RFC 4231)"));
}

/* The id both the kernel and dsmd derive from the cluster's name. */
TEST(cluster_id)
{
	/* FNV-1a 64 of "vcluster", computed apart from this code. */
	EXPECT_EQ(0xe2696390bd5762a9ULL, dsm_cluster_id("vcluster"));
	EXPECT_EQ(0xcbf29ce484222325ULL, dsm_cluster_id(""));
	EXPECT_NE(dsm_cluster_id("a"), dsm_cluster_id("b"));
}

TEST(challenge_codec)
{
	struct dsm_auth_challenge c = { .from = 3, .to = 5,
					.cluster_id = 0xabcdefULL }, d;
	u8 buf[DSM_AUTH_CHALLENGE_SIZE];
	const char *why;

	memset(c.nonce, 0x5a, sizeof(c.nonce));
	dsm_auth_challenge_encode(&c, buf);
	EXPECT_EQ(1, buf[0]);		/* version, little endian */
	EXPECT_EQ(3, buf[4]);
	EXPECT_EQ(5, buf[8]);
	EXPECT_EQ(0xef, buf[16]);
	EXPECT_EQ(0x5a, buf[24]);
	ASSERT_EQ(0, dsm_auth_challenge_decode(buf, sizeof(buf), &d, &why));
	EXPECT_EQ(0, memcmp(&c, &d, sizeof(c)));
	EXPECT_EQ(-EPROTO, dsm_auth_challenge_decode(buf, sizeof(buf) - 1,
						     &d, &why));
	buf[0] = 2;
	EXPECT_EQ(-EPROTO, dsm_auth_challenge_decode(buf, sizeof(buf), &d,
						     &why));
	buf[0] = 1;
	buf[12] = 1;			/* reserved */
	EXPECT_EQ(-EPROTO, dsm_auth_challenge_decode(buf, sizeof(buf), &d,
						     &why));
	buf[12] = 0;
	buf[8] = 3;			/* to == from */
	EXPECT_EQ(-EPROTO, dsm_auth_challenge_decode(buf, sizeof(buf), &d,
						     &why));
	buf[8] = DSM_MAX_NODES;
	EXPECT_EQ(-EPROTO, dsm_auth_challenge_decode(buf, sizeof(buf), &d,
						     &why));
	buf[8] = 5;
	memset(buf + 16, 0, 8);		/* cluster id */
	EXPECT_EQ(-EPROTO, dsm_auth_challenge_decode(buf, sizeof(buf), &d,
						     &why));
	EXPECT_EQ(0, strcmp(why, "zero cluster id"));
}

TEST(response_codec)
{
	struct dsm_auth_response r = { .from = 7 }, d;
	u8 buf[DSM_AUTH_RESPONSE_SIZE];
	const char *why;

	memset(r.mac, 0xc3, sizeof(r.mac));
	dsm_auth_response_encode(&r, buf);
	ASSERT_EQ(0, dsm_auth_response_decode(buf, sizeof(buf), &d, &why));
	EXPECT_EQ(7U, d.from);
	EXPECT_EQ(0, memcmp(r.mac, d.mac, sizeof(r.mac)));
	EXPECT_EQ(-EPROTO, dsm_auth_response_decode(buf, sizeof(buf) + 1,
						    &d, &why));
	buf[2] = 1;
	EXPECT_EQ(-EPROTO, dsm_auth_response_decode(buf, sizeof(buf), &d,
						    &why));
	buf[2] = 0;
	buf[4] = DSM_MAX_NODES;
	EXPECT_EQ(-EPROTO, dsm_auth_response_decode(buf, sizeof(buf), &d,
						    &why));
}

TEST(transcript_layout)
{
	struct dsm_auth_hs hs = { .cluster_id = 0x0807060504030201ULL,
				  .initiator = 4, .responder = 6 };
	u8 t[DSM_AUTH_TRANSCRIPT_SIZE];

	memset(hs.nonce_i, 0xa1, sizeof(hs.nonce_i));
	memset(hs.nonce_r, 0xb2, sizeof(hs.nonce_r));
	dsm_auth_transcript(&hs, DSM_AUTH_R_TO_I, t);
	EXPECT_EQ(0, memcmp(t, "dsm-auth-v1-mac\0", 16));
	EXPECT_EQ(1, t[16]);
	EXPECT_EQ(8, t[23]);
	EXPECT_EQ(4, t[24]);
	EXPECT_EQ(6, t[28]);
	EXPECT_EQ(0xa1, t[32]);
	EXPECT_EQ(0xb2, t[64]);
	EXPECT_EQ(0xb2, t[95]);
	EXPECT_EQ(DSM_AUTH_R_TO_I, t[96]);
}

/* Both sides' handshake MACs are accepted by the other side. */
TEST(handshake_ok)
{
	u8 key[DSM_AUTH_KEY_SIZE], mac[DSM_AUTH_MAC_SIZE];
	struct dsm_auth_hs hs;

	ASSERT_EQ(0, hs_init(&hs, key));
	ASSERT_EQ(0, dsm_auth_response_mac(ops, key, &hs, DSM_AUTH_R_TO_I,
					   mac));
	EXPECT_EQ(0, dsm_auth_response_check(ops, key, &hs, DSM_AUTH_R_TO_I,
					     mac));
	ASSERT_EQ(0, dsm_auth_response_mac(ops, key, &hs, DSM_AUTH_I_TO_R,
					   mac));
	EXPECT_EQ(0, dsm_auth_response_check(ops, key, &hs, DSM_AUTH_I_TO_R,
					     mac));
}

/* The responder's MAC sent back to it as the initiator's: refused. */
TEST(reflection_refused)
{
	u8 key[DSM_AUTH_KEY_SIZE], mac[DSM_AUTH_MAC_SIZE];
	struct dsm_auth_hs hs;

	ASSERT_EQ(0, hs_init(&hs, key));
	ASSERT_EQ(0, dsm_auth_response_mac(ops, key, &hs, DSM_AUTH_R_TO_I,
					   mac));
	EXPECT_EQ(-EACCES, dsm_auth_response_check(ops, key, &hs,
						   DSM_AUTH_I_TO_R, mac));
}

/* A MAC made for other parameters or another key is refused. */
TEST(wrong_parameters_refused)
{
	u8 key[DSM_AUTH_KEY_SIZE], mac[DSM_AUTH_MAC_SIZE];
	struct dsm_auth_hs hs, o;

	ASSERT_EQ(0, hs_init(&hs, key));
	ASSERT_EQ(0, dsm_auth_response_mac(ops, key, &hs, DSM_AUTH_I_TO_R,
					   mac));
	o = hs;
	o.cluster_id ^= 1;
	EXPECT_EQ(-EACCES, dsm_auth_response_check(ops, key, &o,
						   DSM_AUTH_I_TO_R, mac));
	o = hs;
	o.initiator = hs.responder;
	o.responder = hs.initiator;
	EXPECT_EQ(-EACCES, dsm_auth_response_check(ops, key, &o,
						   DSM_AUTH_I_TO_R, mac));
	o = hs;
	memcpy(o.nonce_i, hs.nonce_r, DSM_AUTH_NONCE_SIZE);
	memcpy(o.nonce_r, hs.nonce_i, DSM_AUTH_NONCE_SIZE);
	EXPECT_EQ(-EACCES, dsm_auth_response_check(ops, key, &o,
						   DSM_AUTH_I_TO_R, mac));
	o = hs;
	o.nonce_r[31] ^= 0x80;
	EXPECT_EQ(-EACCES, dsm_auth_response_check(ops, key, &o,
						   DSM_AUTH_I_TO_R, mac));
	key[0] ^= 1;
	EXPECT_EQ(-EACCES, dsm_auth_response_check(ops, key, &hs,
						   DSM_AUTH_I_TO_R, mac));
}

FIXTURE(link)
{
	struct dsm_auth_link itx, irx, rtx, rrx;
	u8 key[DSM_AUTH_KEY_SIZE];
	struct dsm_auth_hs hs;
};

FIXTURE_SETUP(link)
{
	ASSERT_EQ(0, hs_init(&self->hs, self->key));
	ASSERT_EQ(0, dsm_auth_session(ops, self->key, &self->hs, true,
				      DSM_AUTH_MAC_SIZE, &self->itx,
				      &self->irx));
	ASSERT_EQ(0, dsm_auth_session(ops, self->key, &self->hs, false,
				      DSM_AUTH_MAC_SIZE, &self->rtx,
				      &self->rrx));
}

FIXTURE_TEARDOWN(link)
{
}

TEST_F(link, directions_differ)
{
	EXPECT_EQ(0, memcmp(self->itx.key, self->rrx.key, DSM_AUTH_MAC_SIZE));
	EXPECT_EQ(0, memcmp(self->rtx.key, self->irx.key, DSM_AUTH_MAC_SIZE));
	EXPECT_NE(0, memcmp(self->itx.key, self->irx.key, DSM_AUTH_MAC_SIZE));
	EXPECT_NE(0, memcmp(self->itx.key, self->key, DSM_AUTH_MAC_SIZE));
}

TEST_F(link, frames_in_order)
{
	u8 f[64], tag[DSM_AUTH_MAC_SIZE];
	int i;

	for (i = 0; i < 100; i++) {
		memset(f, i, sizeof(f));
		ASSERT_EQ(0, dsm_auth_frame_seal(ops, &self->itx, f, i, tag));
		ASSERT_EQ(0, dsm_auth_frame_open(ops, &self->rrx, f, i, tag));
	}
	EXPECT_EQ(100U, self->rrx.seq);
}

TEST_F(link, replay_refused)
{
	u8 f[] = "REGION_DEL", tag[DSM_AUTH_MAC_SIZE];

	ASSERT_EQ(0, dsm_auth_frame_seal(ops, &self->itx, f, sizeof(f), tag));
	ASSERT_EQ(0, dsm_auth_frame_open(ops, &self->rrx, f, sizeof(f), tag));
	EXPECT_EQ(-EBADMSG, dsm_auth_frame_open(ops, &self->rrx, f, sizeof(f),
						tag));
	EXPECT_EQ(1U, self->rrx.seq);
}

TEST_F(link, reorder_and_loss_refused)
{
	u8 a[] = "first", b[] = "second";
	u8 ta[DSM_AUTH_MAC_SIZE], tb[DSM_AUTH_MAC_SIZE];

	ASSERT_EQ(0, dsm_auth_frame_seal(ops, &self->itx, a, sizeof(a), ta));
	ASSERT_EQ(0, dsm_auth_frame_seal(ops, &self->itx, b, sizeof(b), tb));
	EXPECT_EQ(-EBADMSG, dsm_auth_frame_open(ops, &self->rrx, b, sizeof(b),
						tb));
	EXPECT_EQ(0, dsm_auth_frame_open(ops, &self->rrx, a, sizeof(a), ta));
	EXPECT_EQ(0, dsm_auth_frame_open(ops, &self->rrx, b, sizeof(b), tb));
}

/* A frame in pieces has the tag of its concatenation, either way. */
TEST_F(link, vector_frames)
{
	u8 f[4096 + 32], tag[DSM_AUTH_MAC_SIZE];
	struct dsm_auth_vec v[DSM_AUTH_VEC_MAX + 1];
	size_t i;

	for (i = 0; i < sizeof(f); i++)
		f[i] = (u8)(i * 7);
	v[0] = (struct dsm_auth_vec){ f, 32 };
	v[1] = (struct dsm_auth_vec){ f + 32, 4096 };
	ASSERT_EQ(0, dsm_auth_frame_seal_vec(ops, &self->itx, v, 2, tag));
	ASSERT_EQ(0, dsm_auth_frame_open(ops, &self->rrx, f, sizeof(f), tag));
	ASSERT_EQ(0, dsm_auth_frame_seal(ops, &self->itx, f, sizeof(f), tag));
	v[0].len = 1;
	v[1] = (struct dsm_auth_vec){ f + 1, 0 };
	v[2] = (struct dsm_auth_vec){ f + 1, sizeof(f) - 1 };
	ASSERT_EQ(0, dsm_auth_frame_open_vec(ops, &self->rrx, v, 3, tag));
	/* A piece modified: refused, the link unchanged. */
	ASSERT_EQ(0, dsm_auth_frame_seal_vec(ops, &self->itx, v, 3, tag));
	f[100] ^= 0x80;
	EXPECT_EQ(-EBADMSG, dsm_auth_frame_open_vec(ops, &self->rrx, v, 3,
						    tag));
	EXPECT_EQ(2U, self->rrx.seq);
	/* Too many pieces. */
	for (i = 0; i <= DSM_AUTH_VEC_MAX; i++)
		v[i] = (struct dsm_auth_vec){ f, 1 };
	EXPECT_EQ(-EINVAL, dsm_auth_frame_seal_vec(ops, &self->itx, v,
						   DSM_AUTH_VEC_MAX + 1, tag));
	EXPECT_EQ(3U, self->itx.seq);
}

/* A frame sent one way is not valid the other way (own echo). */
TEST_F(link, reflected_frame_refused)
{
	u8 f[] = "BYE", tag[DSM_AUTH_MAC_SIZE];

	ASSERT_EQ(0, dsm_auth_frame_seal(ops, &self->itx, f, sizeof(f), tag));
	EXPECT_EQ(-EBADMSG, dsm_auth_frame_open(ops, &self->irx, f, sizeof(f),
						tag));
}

TEST_F(link, modified_byte_refused)
{
	u8 f[48], tag[DSM_AUTH_MAC_SIZE];
	struct dsm_auth_link save = self->rrx;
	size_t i;

	memset(f, 0x33, sizeof(f));
	ASSERT_EQ(0, dsm_auth_frame_seal(ops, &self->itx, f, sizeof(f), tag));
	for (i = 0; i < sizeof(f); i++) {
		f[i] ^= 0x01;
		EXPECT_EQ(-EBADMSG, dsm_auth_frame_open(ops, &self->rrx, f,
							sizeof(f), tag));
		f[i] ^= 0x01;
	}
	for (i = 0; i < sizeof(tag); i++) {
		tag[i] ^= 0x80;
		EXPECT_EQ(-EBADMSG, dsm_auth_frame_open(ops, &self->rrx, f,
							sizeof(f), tag));
		tag[i] ^= 0x80;
	}
	/* A shorter frame with the same tag. */
	EXPECT_EQ(-EBADMSG, dsm_auth_frame_open(ops, &self->rrx, f,
						sizeof(f) - 1, tag));
	EXPECT_EQ(0, memcmp(&save, &self->rrx, sizeof(save)));
	EXPECT_EQ(0, dsm_auth_frame_open(ops, &self->rrx, f, sizeof(f), tag));
}

/* A 16-byte tag where the link expects 32 (the rest zero): refused. */
TEST_F(link, truncated_tag_refused)
{
	u8 f[] = "HEARTBEAT", tag[DSM_AUTH_MAC_SIZE];

	ASSERT_EQ(0, dsm_auth_frame_seal(ops, &self->itx, f, sizeof(f), tag));
	memset(tag + DSM_AUTH_TAG_MIN, 0, DSM_AUTH_MAC_SIZE - DSM_AUTH_TAG_MIN);
	EXPECT_EQ(-EBADMSG, dsm_auth_frame_open(ops, &self->rrx, f, sizeof(f),
						tag));
}

TEST(short_tags)
{
	struct dsm_auth_link tx, rx, tx2, rx2;
	u8 key[DSM_AUTH_KEY_SIZE], f[] = "x", tag[DSM_AUTH_MAC_SIZE];
	struct dsm_auth_hs hs;

	ASSERT_EQ(0, hs_init(&hs, key));
	EXPECT_EQ(-EINVAL, dsm_auth_session(ops, key, &hs, true,
					    DSM_AUTH_TAG_MIN - 1, &tx, &rx));
	EXPECT_EQ(-EINVAL, dsm_auth_session(ops, key, &hs, true,
					    DSM_AUTH_MAC_SIZE + 1, &tx, &rx));
	ASSERT_EQ(0, dsm_auth_session(ops, key, &hs, true, DSM_AUTH_TAG_MIN,
				      &tx, &rx));
	ASSERT_EQ(0, dsm_auth_session(ops, key, &hs, false, DSM_AUTH_TAG_MIN,
				      &tx2, &rx2));
	memset(tag, 0xee, sizeof(tag));
	ASSERT_EQ(0, dsm_auth_frame_seal(ops, &tx, f, 1, tag));
	EXPECT_EQ(0xee, tag[DSM_AUTH_TAG_MIN]);	/* nothing past the tag */
	tag[DSM_AUTH_TAG_MIN - 1] ^= 1;
	EXPECT_EQ(-EBADMSG, dsm_auth_frame_open(ops, &rx2, f, 1, tag));
	tag[DSM_AUTH_TAG_MIN - 1] ^= 1;
	EXPECT_EQ(0, dsm_auth_frame_open(ops, &rx2, f, 1, tag));
}

TEST_F(link, sequence_exhausted)
{
	u8 f[] = "x", tag[DSM_AUTH_MAC_SIZE];

	self->itx.seq = U64_MAX;
	EXPECT_EQ(-EOVERFLOW, dsm_auth_frame_seal(ops, &self->itx, f, 1, tag));
	self->rrx.seq = U64_MAX;
	EXPECT_EQ(-EBADMSG, dsm_auth_frame_open(ops, &self->rrx, f, 1, tag));
}

TEST_HARNESS_MAIN
