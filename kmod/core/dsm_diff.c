// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_diff.c - create, validate and apply byte-exact page diffs (the
 * encoding is in dsm_diff.h).
 *
 * Creation compares the page with its twin a word (8 bytes) at a time and
 * cuts byte-exact runs inside differing words; a page equal to its twin is
 * recognised by a single memcmp(). It writes the runs while their headers
 * total at most DSM_DIFF_BITMAP_BYTES, else the bitmap, which is then the
 * smaller. A page with more runs than that (every header takes a byte at
 * least) goes to the bitmap at once: a first pass counts the runs a word
 * at a time, so that such a page (a row of doubles that each changed in
 * their low bytes, as a relaxation's sweep leaves it) is not cut into
 * runs first. Application validates the whole diff before writing a
 * single byte, then copies the runs or the bitmap's bytes in. Both move a
 * word's changed bytes with one 8-byte load or store when they are one
 * run and the buffer has room for the whole word.
 */
#include "dsm_diff.h"

static inline void dsm_st16(u8 *p, u16 x)
{
	__le16 v = cpu_to_le16(x);

	memcpy(p, &v, sizeof(v));
}

static inline void dsm_st64(u8 *p, u64 x)
{
	__le64 v = cpu_to_le64(x);

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

/* Bit 8k + 7 set for each nonzero byte k of @x, no other bit. */
static inline u64 dsm_nonzero_flags(u64 x)
{
	return (((x & ~DSM_HIGHS) + ~DSM_HIGHS) | x) & DSM_HIGHS;
}

/*
 * When the first DSM_DIFF_PROBE_RUNS runs of a page end within
 * DSM_DIFF_PROBE_SPAN bytes a run on average, the page may have more runs
 * than the bitmap has bytes: dsm_diff_create() then counts them all (one
 * pass that writes nothing) rather than cut them all before it finds out.
 */
#define DSM_DIFF_PROBE_RUNS	64
#define DSM_DIFF_PROBE_SPAN	16

/* How many of the flags (bits 7, 15, .. 63) @t has: their sum, bytewise. */
static inline u32 dsm_flags_count(u64 t)
{
	return (u32)(((t >> 7) * DSM_ONES) >> 56);
}

/* One bit per nonzero byte of @x: bit k for byte k (little endian). */
static inline u32 dsm_nonzero_bytes(u64 x)
{
	/* gather the eight flags (bits 7, 15, .. 63) into the top byte */
	return (u32)(((dsm_nonzero_flags(x) >> 7) *
		      0x0102040810204080ULL) >> 56);
}

/*
 * If the set bits of the byte mask @m (nonzero) are one run: its length,
 * and in *@first its first bit. Else 0.
 */
static inline u32 dsm_mask_run(u32 m, u32 *first)
{
	u32 s = __builtin_ctz(m), r = m >> s;

	if (r & (r + 1))
		return 0;
	*first = s;
	return __builtin_ctz(~r);
}

/* The 64-bit mask of @len bytes from byte @first of a word. */
static inline u64 dsm_bytes_mask(u32 first, u32 len)
{
	return (len == 8 ? ~0ULL : (1ULL << (8 * len)) - 1) << (8 * first);
}

/*
 * The runs of changed bytes between @a and @b, counted until they exceed
 * @limit (checked every 32 bytes: the count may pass it). A run starts at a changed byte whose
 * predecessor is unchanged: with each byte's "changed" flag at its top
 * bit, at a flag not under one shifted up a byte (the previous word's
 * last flag carried in).
 */
static u32 dsm_diff_count_runs(const u8 *a, const u8 *b, u32 limit)
{
	u64 x[4], t, carry = 0;
	u32 runs = 0, i, k;

	for (i = 0; i < DSM_PAGE_SIZE && runs <= limit; i += 32) {
		for (k = 0; k < 4; k++)
			x[k] = dsm_ld64(a + i + 8 * k) ^ dsm_ld64(b + i + 8 * k);
		if (!(x[0] | x[1] | x[2] | x[3])) {
			carry = 0;
			continue;
		}
		for (k = 0; k < 4; k++) {
			t = dsm_nonzero_flags(x[k]);
			runs += dsm_flags_count(t & ~(t << 8 | carry));
			carry = t >> 56;
		}
	}
	return runs;
}

/* dsm_diff_create() in the bitmap encoding, a word at a time. */
static int dsm_diff_create_bitmap(const u8 *a, const u8 *b, u8 *o, u32 size)
{
	u8 *map = o + DSM_DIFF_HDR_SIZE;
	u32 pos = DSM_DIFF_HDR_SIZE + DSM_DIFF_BITMAP_BYTES, i, m, s = 0, n;

	if (size < pos)
		return -ENOSPC;
	for (i = 0; i < DSM_PAGE_SIZE; i += 8) {
		m = dsm_nonzero_bytes(dsm_ld64(a + i) ^ dsm_ld64(b + i));
		map[i >> 3] = (u8)m;
		if (!m)
			continue;
		/* One run, room for a whole word: one store (see above). */
		if (size - pos >= 8) {
			n = dsm_mask_run(m, &s);
			if (n) {
				dsm_st64(o + pos, dsm_ld64(b + i) >> (8 * s));
				pos += n;
				continue;
			}
		} else if (size - pos < dsm_popcount64(m)) {
			return -ENOSPC;
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
	u32 pos = DSM_DIFF_HDR_SIZE, hdrs = 0, i = 0, prev = 0, nr = 0;

	if (size < DSM_DIFF_HDR_SIZE)
		return -ENOSPC;
	if (likely(!memcmp(a, b, DSM_PAGE_SIZE)))
		goto done;
	while ((i = dsm_diff_next(a, b, i)) < DSM_PAGE_SIZE) {
		u32 end = dsm_diff_run_end(a, b, i + 1), len = end - i;
		u32 h = dsm_diff_run_hdr_size(i - prev, len);

		/*
		 * Runs this dense may be more than the bitmap has bytes,
		 * and their headers (a byte at least each) then more than
		 * it: count them, in a pass that writes nothing, and make
		 * the bitmap at once if so, as the loop would at the end.
		 */
		if (++nr == DSM_DIFF_PROBE_RUNS &&
		    end <= DSM_DIFF_PROBE_RUNS * DSM_DIFF_PROBE_SPAN &&
		    dsm_diff_count_runs(a, b, DSM_DIFF_BITMAP_BYTES) >
		    DSM_DIFF_BITMAP_BYTES)
			return dsm_diff_create_bitmap(a, b, o, size);
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

/* Copy the bytes of a validated bitmap diff @d of @len bytes into @p. */
static void dsm_diff_apply_bitmap(u8 *p, const u8 *d, u32 len)
{
	const u8 *map = d + DSM_DIFF_HDR_SIZE;
	const u8 *src = map + DSM_DIFF_BITMAP_BYTES, *end = d + len;
	u32 i, s = 0, n;
	u64 mask;

	for (i = 0; i < DSM_PAGE_SIZE; i += 8) {
		u32 m = map[i >> 3];

		if (!m)
			continue;
		/* One run, a whole word left to read: one merge. */
		if (end - src >= 8) {
			n = dsm_mask_run(m, &s);
			if (n) {
				mask = dsm_bytes_mask(s, n);
				dsm_st64(p + i, (dsm_ld64(p + i) & ~mask) |
					 (dsm_ld64(src) << (8 * s) & mask));
				src += n;
				continue;
			}
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
		dsm_diff_apply_bitmap(p, d, len);
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
