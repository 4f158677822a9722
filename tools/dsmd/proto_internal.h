/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proto_internal.h - what proto.c (the frames, the type table, the
 * generic encoder and decoder) and proto_mgr.c (the bodies of the
 * managers' frames) share.
 *
 * An encoder writes a body into a zeroed buffer (reserved fields stay
 * zero). A decoder gets the body and its length (a manager frame's
 * includes the payload, whose length dsmc_peek() checked against the
 * limits, and m->mgr.payload and .len are set already) and returns why
 * the body is refused, or NULL. A check returns why the decoder would
 * refuse @m, or NULL: dsmc_encode() refuses such an @m.
 */
#ifndef DSMD_PROTO_INTERNAL_H
#define DSMD_PROTO_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

static inline bool all_zero(const uint8_t *p, size_t len)
{
	while (len--)
		if (*p++)
			return false;
	return true;
}

void dsmc_enc_mgr_req(const struct dsmc_msg *m, void *body);
const char *dsmc_dec_mgr_req(const void *body, uint32_t len,
			     struct dsmc_msg *m);
void dsmc_enc_mgr_reply(const struct dsmc_msg *m, void *body);
const char *dsmc_dec_mgr_reply(const void *body, uint32_t len,
			       struct dsmc_msg *m);
void dsmc_enc_lock_fwd(const struct dsmc_msg *m, void *body);
const char *dsmc_dec_lock_fwd(const void *body, uint32_t len,
			      struct dsmc_msg *m);

/* LOCK_HANDOVER (version 8): a struct mgr_handover. */
void dsmc_enc_handover(const struct dsmc_msg *m, void *body);
const char *dsmc_dec_handover(const void *body, uint32_t len,
			      struct dsmc_msg *m);
const char *dsmc_check_handover(const struct dsmc_msg *m);

#endif /* DSMD_PROTO_INTERNAL_H */
