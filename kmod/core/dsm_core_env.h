/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_core_env.h - the one place where kmod/core/ meets its environment.
 *
 * The protocol core is compiled unchanged into dsm.ko and into userspace
 * unit tests, fuzzers and benchmarks. Everything it needs from outside is
 * named here, once for the kernel and once for libc: fixed-width integer
 * types, little-endian types and their accessors (the kernel's __bitwise
 * __le types, so that sparse checks every conversion), memcpy/memcmp/memset,
 * errno constants, static_assert, likely/unlikely, ARRAY_SIZE and the
 * remainder of a 64-bit division (dsm_rem_u64). No other file in the
 * core tests __KERNEL__, includes a system header, allocates memory or
 * uses floating point.
 */
#ifndef _DSM_CORE_ENV_H
#define _DSM_CORE_ENV_H

#ifdef __KERNEL__

#include <linux/types.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/compiler.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/build_bug.h>
#include <linux/math64.h>
#include <asm/byteorder.h>
#include <linux/bitops.h>
#include <linux/export.h>

/* Bits set in @x. */
static inline u32 dsm_popcount64(u64 x)
{
	return hweight64(x);
}

/* @a mod @b, @b > 0: a 32-bit kernel has no 64-bit division operator. */
static inline u32 dsm_rem_u64(u64 a, u32 b)
{
	u32 rem;

	div_u64_rem(a, b, &rem);
	return rem;
}

#else /* userspace */

#include <stdbool.h>
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <endian.h>
#include <linux/types.h>	/* __le16, __le32, __le64 */

/* What the kernel exports (for dsm_rdma.ko) is a declaration here. */
#define EXPORT_SYMBOL_GPL(sym)	extern int dsm_core_export_##sym

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s32 s32;
typedef __s64 s64;

#define U16_MAX		((u16)~0U)
#define U32_MAX		((u32)~0U)
#define U64_MAX		((u64)~0ULL)

static inline u16 le16_to_cpu(__le16 x) { return le16toh(x); }
static inline u32 le32_to_cpu(__le32 x) { return le32toh(x); }
static inline u64 le64_to_cpu(__le64 x) { return le64toh(x); }
static inline __le16 cpu_to_le16(u16 x) { return htole16(x); }
static inline __le32 cpu_to_le32(u32 x) { return htole32(x); }
static inline __le64 cpu_to_le64(u64 x) { return htole64(x); }

#ifndef likely
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#endif

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* Bits set in @x (the kernel's is hweight64()). */
static inline u32 dsm_popcount64(u64 x)
{
	return (u32)__builtin_popcountll(x);
}

/* @a mod @b, @b > 0 (the kernel's is div_u64_rem()). */
static inline u32 dsm_rem_u64(u64 a, u32 b)
{
	return (u32)(a % b);
}

#endif /* __KERNEL__ */

/*
 * Little-endian loads from unaligned bytes of a message or a diff, the
 * same in both environments (the kernel's get_unaligned_le*() moved
 * between 6.1 and 6.12, and memcpy compiles to a plain load).
 */
static inline u16 dsm_ld16(const u8 *p)
{
	__le16 v;

	memcpy(&v, p, sizeof(v));
	return le16_to_cpu(v);
}

static inline u32 dsm_ld32(const u8 *p)
{
	__le32 v;

	memcpy(&v, p, sizeof(v));
	return le32_to_cpu(v);
}

static inline u64 dsm_ld64(const u8 *p)
{
	__le64 v;

	memcpy(&v, p, sizeof(v));
	return le64_to_cpu(v);
}

#endif /* _DSM_CORE_ENV_H */
