// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_diff.c - create, validate and apply run-length encoded page diffs.
 *
 * Creation compares the page with its twin a word (8 bytes) at a time and
 * cuts byte-exact runs inside differing words; a page equal to its twin is
 * recognised by a single memcmp(). Application validates the whole diff
 * before writing a single byte, then copies the runs in.
 */
#include "dsm_diff.h"

static inline void dsm_st16(u8 *p, u16 x)
{
	__le16 v = cpu_to_le16(x);

	memcpy(p, &v, sizeof(v));
}

static inline void dsm_st32(u8 *p, u32 x)
{
	__le32 v = cpu_to_le32(x);

	memcpy(p, &v, sizeof(v));
}

#define DSM_ONES	0x0101010101010101ULL
#define DSM_HIGHS	0x8080808080808080ULL

/* First byte at or after @i where @a and @b differ, or DSM_PAGE_SIZE. */
static u32 dsm_diff_next(const u8 *a, const u8 *b, u32 i)
{
	u64 x;

	for (; i & 7; i++)
		if (a[i] != b[i])
			return i;
	for (; i + 32 <= DSM_PAGE_SIZE; i += 32) {
		x = (dsm_ld64(a + i) ^ dsm_ld64(b + i)) |
		    (dsm_ld64(a + i + 8) ^ dsm_ld64(b + i + 8)) |
		    (dsm_ld64(a + i + 16) ^ dsm_ld64(b + i + 16)) |
		    (dsm_ld64(a + i + 24) ^ dsm_ld64(b + i + 24));
		if (x)
			break;
	}
	for (; i < DSM_PAGE_SIZE; i += 8) {
		x = dsm_ld64(a + i) ^ dsm_ld64(b + i);
		if (x)
			return i + __builtin_ctzll(x) / 8;
	}
	return DSM_PAGE_SIZE;
}

/* Flags the zero bytes of @x; the lowest flag is exactly the first one. */
static inline u64 dsm_zero_bytes(u64 x)
{
	return (x - DSM_ONES) & ~x & DSM_HIGHS;
}

/* First byte after @i where @a and @b are equal, or DSM_PAGE_SIZE. */
static u32 dsm_diff_run_end(const u8 *a, const u8 *b, u32 i)
{
	u64 zero;

	for (; i & 7; i++)
		if (a[i] == b[i])
			return i;
	/* Four words at a time while no byte in them is equal. */
	for (; i + 32 <= DSM_PAGE_SIZE; i += 32) {
		zero = dsm_zero_bytes(dsm_ld64(a + i) ^ dsm_ld64(b + i)) |
		       dsm_zero_bytes(dsm_ld64(a + i + 8) ^ dsm_ld64(b + i + 8)) |
		       dsm_zero_bytes(dsm_ld64(a + i + 16) ^
				      dsm_ld64(b + i + 16)) |
		       dsm_zero_bytes(dsm_ld64(a + i + 24) ^
				      dsm_ld64(b + i + 24));
		if (zero)
			break;
	}
	for (; i < DSM_PAGE_SIZE; i += 8) {
		zero = dsm_zero_bytes(dsm_ld64(a + i) ^ dsm_ld64(b + i));
		if (zero)
			return i + __builtin_ctzll(zero) / 8;
	}
	return DSM_PAGE_SIZE;
}

/**
 * dsm_diff_create() - encode the difference between a page and its twin.
 * @twin:	DSM_PAGE_SIZE bytes: the page as it was.
 * @page:	DSM_PAGE_SIZE bytes: the page as it is.
 * @out:	buffer for the diff.
 * @size:	bytes available at @out; DSM_DIFF_MAX_SIZE always suffices.
 *
 * Return: the size of the diff written to @out (DSM_DIFF_EMPTY_SIZE if
 * the page is unchanged), or -ENOSPC if it does not fit in @size; nothing
 * is written beyond @size.
 */
int dsm_diff_create(const void *twin, const void *page, void *out, u32 size)
{
	const u8 *a = twin, *b = page;
	u8 *o = out;
	u32 pos = DSM_DIFF_HDR_SIZE, nr = 0, i = 0;

	if (size < DSM_DIFF_HDR_SIZE)
		return -ENOSPC;
	if (likely(!memcmp(a, b, DSM_PAGE_SIZE)))
		goto done;
	for (;;) {
		u32 end, len;

		i = dsm_diff_next(a, b, i);
		if (i >= DSM_PAGE_SIZE)
			break;
		end = dsm_diff_run_end(a, b, i + 1);
		len = end - i;
		if (size - pos < DSM_DIFF_RUN_HDR_SIZE + len)
			return -ENOSPC;
		dsm_st16(o + pos, i);
		dsm_st16(o + pos + 2, len);
		memcpy(o + pos + DSM_DIFF_RUN_HDR_SIZE, b + i, len);
		pos += DSM_DIFF_RUN_HDR_SIZE + len;
		nr++;
		i = end;
	}
done:
	dsm_st32(o, pos);
	dsm_st16(o + 4, nr);
	dsm_st16(o + 6, 0);
	return pos;
}

/**
 * dsm_diff_validate() - check an untrusted diff.
 * @diff:	the encoded diff.
 * @len:	bytes at @diff; must equal the diff's own size field.
 *
 * Return: 0 if every field is consistent (size, reserved zero, number of
 * runs, each run non-empty, inside the page, after the previous one with a
 * gap, data within @len, nothing left over); -EMSGSIZE if @len is outside
 * DSM_DIFF_HDR_SIZE .. DSM_DIFF_MAX_SIZE; -EBADMSG otherwise.
 */
int dsm_diff_validate(const void *diff, u32 len)
{
	const u8 *d = diff;
	u32 nr, pos = DSM_DIFF_HDR_SIZE, next = 0, r;

	if (len < DSM_DIFF_HDR_SIZE || len > DSM_DIFF_MAX_SIZE)
		return -EMSGSIZE;
	nr = dsm_ld16(d + 4);
	if (dsm_ld32(d) != len || dsm_ld16(d + 6) || nr > DSM_DIFF_MAX_RUNS)
		return -EBADMSG;
	for (r = 0; r < nr; r++) {
		u32 off, rlen;

		if (len - pos < DSM_DIFF_RUN_HDR_SIZE)
			return -EBADMSG;
		off = dsm_ld16(d + pos);
		rlen = dsm_ld16(d + pos + 2);
		pos += DSM_DIFF_RUN_HDR_SIZE;
		if (!rlen || off < next || off >= DSM_PAGE_SIZE ||
		    rlen > DSM_PAGE_SIZE - off || rlen > len - pos)
			return -EBADMSG;
		next = off + rlen + 1;
		pos += rlen;
	}
	return pos == len ? 0 : -EBADMSG;
}

/**
 * dsm_diff_apply() - write a diff's runs into a page.
 * @page:	DSM_PAGE_SIZE bytes to update.
 * @diff:	the encoded diff, untrusted.
 * @len:	bytes at @diff.
 *
 * The diff is validated first (dsm_diff_validate()); a rejected diff
 * leaves @page untouched.
 *
 * Return: 0, or the error of dsm_diff_validate().
 */
int dsm_diff_apply(void *page, const void *diff, u32 len)
{
	const u8 *d = diff;
	u8 *p = page;
	u32 nr, pos = DSM_DIFF_HDR_SIZE, r;
	int err;

	err = dsm_diff_validate(diff, len);
	if (unlikely(err))
		return err;
	nr = dsm_ld16(d + 4);
	for (r = 0; r < nr; r++) {
		u32 off = dsm_ld16(d + pos), rlen = dsm_ld16(d + pos + 2);

		pos += DSM_DIFF_RUN_HDR_SIZE;
		memcpy(p + off, d + pos, rlen);
		pos += rlen;
	}
	return 0;
}

/**
 * dsm_diff_nr_runs() - number of runs of a validated diff.
 * @diff:	a diff accepted by dsm_diff_validate() or made here.
 *
 * Return: the number of runs; 0 means the diff changes nothing.
 */
u32 dsm_diff_nr_runs(const void *diff)
{
	return dsm_ld16((const u8 *)diff + 4);
}
