// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_dsmc.c - libFuzzer target: dsmd's peer protocol codec (proto.c,
 * proto_mgr.c), which parses every frame a peer sends, before the peer
 * is authenticated too (Documentation/control-plane.md).
 *
 * The input is a byte stream as read from a peer's connection. Checked,
 * beside what ASan and UBSan see:
 *  - dsmc_consume() hands on exactly the frames that dsmc_peek() and
 *    dsmc_decode() accept one after the other, stops at the first bad
 *    one (-1, with a reason) and keeps an incomplete rest;
 *  - a refused frame always has a reason;
 *  - a MGR frame's payload view lies inside its frame;
 *  - every frame dsmc_decode() accepts encodes again (dsmc_encode()) to
 *    the very same bytes: the decoder takes nothing the encoder would
 *    refuse, and ignores no byte (reserved fields, padding).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STREAM_MAX	(4 * DSMC_MSG_MAX)

static void fail(const char *what, size_t off)
{
	fprintf(stderr, "fuzz_dsmc: %s (frame at offset %zu)\n", what, off);
	abort();
}

static bool is_mgr(unsigned int type)
{
	return type == DSMC_MGR_REQ || type == DSMC_MGR_REPLY ||
	       type == DSMC_LOCK_FWD;
}

/* Frame @f (@len bytes, at @off of the stream), accepted by the decoder. */
static void check_frame(const uint8_t *f, size_t len, size_t off,
			const struct dsmc_msg *m)
{
	static uint8_t out[DSMC_MSG_MAX];
	int n;

	if (is_mgr(m->type) && m->mgr.len &&
	    (m->mgr.payload < f || m->mgr.len > len ||
	     m->mgr.payload + m->mgr.len > f + len))
		fail("the payload view is outside its frame", off);
	n = dsmc_encode(m, out, sizeof(out));
	if (n < 0)
		fail("a decoded frame does not encode", off);
	if ((size_t)n != len || memcmp(out, f, len))
		fail("a decoded frame encodes to other bytes", off);
}

/* dsmc_consume()'s callback: count the frames handed on in @ctx. */
static int count(void *ctx, const struct dsmc_msg *m)
{
	(void)m;
	(*(size_t *)ctx)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[STREAM_MAX];
	size_t off = 0, frames = 0, handed = 0, len;
	const char *why;
	struct dsmc_msg m;
	int total, bad = 0, ret;

	if (size > STREAM_MAX)
		return 0;
	/* Frame by frame, as dsmc_consume() should. */
	for (;;) {
		why = NULL;
		total = dsmc_peek(data + off, size - off, &why);
		if (total < 0) {
			if (!why)
				fail("a refused header without a reason", off);
			bad = 1;
			break;
		}
		if (!total || size - off < (size_t)total)
			break;
		why = NULL;
		if (dsmc_decode(data + off, total, &m, &why)) {
			if (!why)
				fail("a refused frame without a reason", off);
			bad = 1;
			break;
		}
		check_frame(data + off, total, off, &m);
		frames++;
		off += total;
	}
	/* The same stream through dsmc_consume(), in a buffer of its own. */
	memcpy(buf, data, size);
	len = size;
	why = NULL;
	ret = dsmc_consume(buf, &len, count, &handed, &why);
	if (handed != frames)
		fail("dsmc_consume() handed on another number of frames", off);
	if (bad ? ret != -1 || !why : ret != 0)
		fail("dsmc_consume() returned otherwise", off);
	if (!bad && (len != size - off || memcmp(buf, data + off, len)))
		fail("dsmc_consume() did not keep the incomplete rest", off);
	return 0;
}
