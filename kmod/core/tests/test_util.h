/* SPDX-License-Identifier: GPL-2.0 */
/*
 * test_util.h - helpers shared by the kmod/core unit tests, the fuzz
 * targets and the seed generator: a deterministic random generator and a
 * catalogue of valid sample messages covering every message type.
 */
#ifndef _DSM_TEST_UTIL_H
#define _DSM_TEST_UTIL_H

#include "dsm_core_env.h"
#include "dsm_wire.h"
#include "dsm_diff.h"

/* xorshift64*: reproducible from a printed seed. */
struct dsm_rng {
	u64 s;
};

static inline void dsm_rng_seed(struct dsm_rng *r, u64 seed)
{
	r->s = seed * 0x9e3779b97f4a7c15ULL + 1;
}

static inline u64 dsm_rng_next(struct dsm_rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dULL;
}

/* Uniform in [0, n); n > 0. */
static inline u32 dsm_rng_below(struct dsm_rng *r, u32 n)
{
	return (u32)((dsm_rng_next(r) >> 32) * n >> 32);
}

static inline void dsm_rng_fill(struct dsm_rng *r, void *buf, size_t len)
{
	u8 *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (u8)dsm_rng_next(r);
}

/* Decode the @len bytes at @buf: the reject reason, DSM_WIRE_OK if valid. */
static inline enum dsm_wire_reject dsm_test_why(const u8 *buf, int len)
{
	enum dsm_wire_reject why = DSM_WIRE_R_NR;
	struct dsm_msg m;

	dsm_wire_decode(buf, len, &m, &why);
	return why;
}

/* Set the little-endian length field of the message at @buf to @len. */
static inline void dsm_test_set_len(u8 *buf, u32 len)
{
	buf[8] = (u8)len;
	buf[9] = (u8)(len >> 8);
	buf[10] = (u8)(len >> 16);
	buf[11] = (u8)(len >> 24);
}

/*
 * The little-endian u32 at @p, byte by byte: independent of the
 * dsm_ld32() of the code under test.
 */
static inline u32 dsm_test_ld32(const u8 *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24;
}

/*
 * Sample messages: dsm_sample(i, ...) encodes valid message number i into
 * @buf and returns its length, or 0 when i >= dsm_sample_count(). The name
 * says what the sample exercises.
 */
unsigned int dsm_sample_count(void);
int dsm_sample(unsigned int i, u8 *buf, u32 size, const char **name);

#endif /* _DSM_TEST_UTIL_H */
