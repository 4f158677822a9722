// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_diff.c - create, validate and apply byte-exact page diffs (the
 * encoding is in dsm_diff.h).
 *
 * Creation compares the page with its twin a word (8 bytes) at a time and
 * cuts byte-exact runs inside differing words; a page equal to its twin is
 * recognised by a single memcmp(). It writes the runs while their headers
 * total at most DSM_DIFF_BITMAP_BYTES, else the bitmap, which is then the
 * smaller. Application validates the whole diff before writing a single
 * byte, then copies the runs or the bitmap's bytes in.
 */
#include "dsm_diff.h"

static inline void dsm_st16(u8 *p, u16 x)
{
	__le16 v = cpu_to_le16(x);

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

static void dsm_diff_put_hdr(u8 *o, u8 format, u32 size)
{
	o[0] = format;
	o[1] = 0;
	dsm_st16(o + 2, size);
}

/* Write the header of a run at @o (see dsm_diff.h). Return: its size. */
static u32 dsm_diff_put_run_hdr(u8 *o, u32 gap, u32 len)
{
	switch (dsm_diff_run_hdr_size(gap, len)) {
	case 1:
		o[0] = (u8)(gap << 4 | (len - 1));
		return 1;
	case 2:
		o[0] = (u8)(0x80 | gap);
		o[1] = (u8)(len - 1);
		return 2;
	}
	o[0] = (u8)(0xc0 | gap >> 8);
	o[1] = (u8)gap;
	dsm_st16(o + 2, len - 1);
	return 4;
}

/* Bytes of the run header whose first byte is @b. */
static inline u32 dsm_diff_run_hdr_len(u8 b)
{
	return b < 0x80 ? 1 : b < 0xc0 ? 2 : 4;
}

/* Read the run header at @d, known to be whole. Return: its size. */
static inline u32 dsm_diff_run_hdr(const u8 *d, u32 *gap, u32 *len)
{
	u8 b = d[0];

	if (b < 0x80) {
		*gap = b >> 4;
		*len = (b & 0xf) + 1;
		return 1;
	}
	if (b < 0xc0) {
		*gap = b & 0x3f;
		*len = d[1] + 1;
		return 2;
	}
	*gap = (u32)(b & 0x3f) << 8 | d[1];
	*len = dsm_ld16(d + 2) + 1;
	return 4;
}

/*
 * Read the run header at @d, @left bytes there. Return: its size, or 0 if
 * it does not fit in @left.
 */
static u32 dsm_diff_get_run_hdr(const u8 *d, u32 left, u32 *gap, u32 *len)
{
	if (!left || left < dsm_diff_run_hdr_len(d[0]))
		return 0;
	return dsm_diff_run_hdr(d, gap, len);
}

/* One bit per nonzero byte of @x: bit k for byte k (little endian). */
static inline u32 dsm_nonzero_bytes(u64 x)
{
	u64 t = (((x & ~DSM_HIGHS) + ~DSM_HIGHS) | x) & DSM_HIGHS;

	/* gather the eight flags (bits 7, 15, .. 63) into the top byte */
	return (u32)(((t >> 7) * 0x0102040810204080ULL) >> 56);
}

/* dsm_diff_create() in the bitmap encoding, a word at a time. */
static int dsm_diff_create_bitmap(const u8 *a, const u8 *b, u8 *o, u32 size)
{
	u8 *map = o + DSM_DIFF_HDR_SIZE;
	u32 pos = DSM_DIFF_HDR_SIZE + DSM_DIFF_BITMAP_BYTES, i, m;

	if (size < pos)
		return -ENOSPC;
	for (i = 0; i < DSM_PAGE_SIZE; i += 8) {
		m = dsm_nonzero_bytes(dsm_ld64(a + i) ^ dsm_ld64(b + i));
		map[i >> 3] = (u8)m;
		if (!m)
			continue;
		if (size - pos < dsm_popcount64(m))
			return -ENOSPC;
		if (m == 0xff) {
			memcpy(o + pos, b + i, 8);
			pos += 8;
			continue;
		}
		for (; m; m &= m - 1)
			o[pos++] = b[i + __builtin_ctz(m)];
	}
	dsm_diff_put_hdr(o, DSM_DIFF_BITMAP, pos);
	return pos;
}

/**
 * dsm_diff_create() - encode the difference between a page and its twin.
 * @twin:	DSM_PAGE_SIZE bytes: the page as it was.
 * @page:	DSM_PAGE_SIZE bytes: the page as it is.
 * @out:	buffer for the diff.
 * @size:	bytes available at @out; DSM_DIFF_MAX_SIZE always suffices.
 *
 * The diff is the runs, or the bitmap if that is smaller: runs whose
 * headers total more than DSM_DIFF_BITMAP_BYTES (the bitmap carries the
 * same changed bytes, so the sizes differ by headers against bitmap).
 *
 * Return: the size of the diff written to @out (DSM_DIFF_EMPTY_SIZE if
 * the page is unchanged), or -ENOSPC if it does not fit in @size; nothing
 * is written beyond @size.
 */
int dsm_diff_create(const void *twin, const void *page, void *out, u32 size)
{
	const u8 *a = twin, *b = page;
	u8 *o = out;
	u32 pos = DSM_DIFF_HDR_SIZE, hdrs = 0, i = 0, prev = 0;

	if (size < DSM_DIFF_HDR_SIZE)
		return -ENOSPC;
	if (likely(!memcmp(a, b, DSM_PAGE_SIZE)))
		goto done;
	while ((i = dsm_diff_next(a, b, i)) < DSM_PAGE_SIZE) {
		u32 end = dsm_diff_run_end(a, b, i + 1), len = end - i;
		u32 h = dsm_diff_run_hdr_size(i - prev, len);

		hdrs += h;
		if (hdrs > DSM_DIFF_BITMAP_BYTES)
			return dsm_diff_create_bitmap(a, b, o, size);
		/*
		 * Too small for the runs so far: the bitmap, header +
		 * DSM_DIFF_BITMAP_BYTES + every changed byte, is no smaller.
		 */
		if (size - pos < h + len)
			return -ENOSPC;
		pos += dsm_diff_put_run_hdr(o + pos, i - prev, len);
		memcpy(o + pos, b + i, len);
		pos += len;
		prev = end;
		i = end;
	}
done:
	dsm_diff_put_hdr(o, DSM_DIFF_RUNS, pos);
	return pos;
}

/* The runs after the header of a diff of @len bytes: consistent? */
static int dsm_diff_validate_runs(const u8 *d, u32 len)
{
	u32 pos = DSM_DIFF_HDR_SIZE, end = 0, gap, rlen, h;

	while (pos < len) {
		h = dsm_diff_get_run_hdr(d + pos, len - pos, &gap, &rlen);
		/* after the first run, a gap of at least one byte */
		if (!h || (end && !gap))
			return -EBADMSG;
		pos += h;
		if (gap >= DSM_PAGE_SIZE - end ||
		    rlen > DSM_PAGE_SIZE - end - gap || rlen > len - pos)
			return -EBADMSG;
		end += gap + rlen;
		pos += rlen;
	}
	return 0;
}

/* Bytes flagged in the bitmap of diff @d (DSM_DIFF_BITMAP_BYTES there). */
static u32 dsm_diff_bitmap_count(const u8 *d)
{
	const u8 *map = d + DSM_DIFF_HDR_SIZE;
	u32 i, n = 0;

	for (i = 0; i < DSM_DIFF_BITMAP_BYTES; i += 8)
		n += dsm_popcount64(dsm_ld64(map + i));
	return n;
}

/**
 * dsm_diff_validate() - check an untrusted diff.
 * @diff:	the encoded diff.
 * @len:	bytes at @diff; must equal the diff's own size field.
 *
 * Return: 0 if every field is consistent (size, format, reserved zero;
 * runs: each non-empty, inside the page, after the previous one with a
 * gap, data within @len, nothing left over; bitmap: one byte after it per
 * bit set, at least one); -EMSGSIZE if @len is outside DSM_DIFF_HDR_SIZE
 * .. DSM_DIFF_MAX_SIZE; -EBADMSG otherwise.
 */
int dsm_diff_validate(const void *diff, u32 len)
{
	const u8 *d = diff;
	u32 n;

	if (len < DSM_DIFF_HDR_SIZE || len > DSM_DIFF_MAX_SIZE)
		return -EMSGSIZE;
	if (dsm_diff_size(d) != len || d[1])
		return -EBADMSG;
	if (d[0] == DSM_DIFF_RUNS)
		return dsm_diff_validate_runs(d, len);
	if (d[0] != DSM_DIFF_BITMAP ||
	    len < DSM_DIFF_HDR_SIZE + DSM_DIFF_BITMAP_BYTES)
		return -EBADMSG;
	n = dsm_diff_bitmap_count(d);
	if (!n || len != DSM_DIFF_HDR_SIZE + DSM_DIFF_BITMAP_BYTES + n)
		return -EBADMSG;
	return 0;
}

/* Copy the bytes of a validated bitmap diff @d into @p. */
static void dsm_diff_apply_bitmap(u8 *p, const u8 *d)
{
	const u8 *map = d + DSM_DIFF_HDR_SIZE;
	const u8 *src = map + DSM_DIFF_BITMAP_BYTES;
	u32 i;

	for (i = 0; i < DSM_PAGE_SIZE; i += 8) {
		u32 m = map[i >> 3];

		if (m == 0xff) {
			memcpy(p + i, src, 8);
			src += 8;
			continue;
		}
		for (; m; m &= m - 1)
			p[i + __builtin_ctz(m)] = *src++;
	}
}

/**
 * dsm_diff_apply() - write a diff's bytes into a page.
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
	u32 pos = DSM_DIFF_HDR_SIZE, end = 0, gap, rlen;
	int err;

	err = dsm_diff_validate(diff, len);
	if (unlikely(err))
		return err;
	if (d[0] == DSM_DIFF_BITMAP) {
		dsm_diff_apply_bitmap(p, d);
		return 0;
	}
	while (pos < len) {
		pos += dsm_diff_run_hdr(d + pos, &gap, &rlen);
		end += gap;
		memcpy(p + end, d + pos, rlen);
		end += rlen;
		pos += rlen;
	}
	return 0;
}

/**
 * dsm_diff_nr_runs() - number of runs of changed bytes of a valid diff.
 * @diff:	a diff accepted by dsm_diff_validate() or made here.
 *
 * Return: the number of runs (of the bitmap's set bits, for a bitmap);
 * 0 means the diff changes nothing.
 */
u32 dsm_diff_nr_runs(const void *diff)
{
	const u8 *d = diff;
	u32 len = dsm_diff_size(d), pos = DSM_DIFF_HDR_SIZE, nr = 0, i;
	u32 gap, rlen;
	u64 w, carry = 0;

	if (d[0] == DSM_DIFF_BITMAP) {
		/* a run starts at a set bit whose predecessor is clear */
		for (i = 0; i < DSM_DIFF_BITMAP_BYTES; i += 8) {
			w = dsm_ld64(d + DSM_DIFF_HDR_SIZE + i);
			nr += dsm_popcount64(w & ~(w << 1 | carry));
			carry = w >> 63;
		}
		return nr;
	}
	while (pos < len) {
		pos += dsm_diff_run_hdr(d + pos, &gap, &rlen);
		pos += rlen;
		nr++;
	}
	return nr;
}

/* The bits of the blocks (DSM_SHARE_BLOCK bytes) holding bytes [@lo, @hi). */
static u64 dsm_blocks_of(u32 lo, u32 hi)
{
	u32 first = lo / DSM_SHARE_BLOCK, last = (hi - 1) / DSM_SHARE_BLOCK;
	u64 hi_mask = last >= 63 ? ~0ULL : (1ULL << (last + 1)) - 1;

	return hi_mask & ~((1ULL << first) - 1);
}

/**
 * dsm_diff_blocks() - the blocks of the page a valid diff writes.
 * @diff:	a diff accepted by dsm_diff_validate() or made here.
 *
 * Return: bit b set: the diff changes a byte of bytes [b *
 * DSM_SHARE_BLOCK, (b + 1) * DSM_SHARE_BLOCK) of the page.
 */
u64 dsm_diff_blocks(const void *diff)
{
	const u8 *d = diff;
	u32 len = dsm_diff_size(d), pos = DSM_DIFF_HDR_SIZE, end = 0, i;
	u32 gap, rlen;
	u64 blocks = 0;

	if (d[0] == DSM_DIFF_BITMAP) {
		for (i = 0; i < DSM_DIFF_BITMAP_BYTES; i++)
			if (d[DSM_DIFF_HDR_SIZE + i])
				blocks |= dsm_blocks_of(i * 8, i * 8 + 8);
		return blocks;
	}
	while (pos < len) {
		pos += dsm_diff_run_hdr(d + pos, &gap, &rlen);
		end += gap;
		blocks |= dsm_blocks_of(end, end + rlen);
		end += rlen;
		pos += rlen;
	}
	return blocks;
}

/**
 * dsm_page_blocks() - the blocks in which two copies of a page differ.
 * @a:		DSM_PAGE_SIZE bytes.
 * @b:		DSM_PAGE_SIZE bytes.
 *
 * Return: bit b set: bytes [b * DSM_SHARE_BLOCK, (b + 1) *
 * DSM_SHARE_BLOCK) of @a and @b differ.
 */
u64 dsm_page_blocks(const void *a, const void *b)
{
	const u8 *x = a, *y = b;
	u64 blocks = 0;
	u32 b_i;

	for (b_i = 0; b_i < DSM_SHARE_BLOCKS; b_i++)
		if (memcmp(x + b_i * DSM_SHARE_BLOCK, y + b_i * DSM_SHARE_BLOCK,
			   DSM_SHARE_BLOCK))
			blocks |= 1ULL << b_i;
	return blocks;
}
