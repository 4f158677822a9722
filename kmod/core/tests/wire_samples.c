// SPDX-License-Identifier: GPL-2.0
/*
 * wire_samples.c - one or more valid messages of every type, built with
 * the encoder. Used by the unit tests (round trips, truncation and
 * corruption sweeps) and by the fuzz seed generator.
 */
#include <stdio.h>
#include <stdlib.h>

#include "test_util.h"

static u8 sample_page[DSM_PAGE_SIZE];
static u8 sample_diff[3][DSM_DIFF_MAX_SIZE];
static int sample_diff_len[3];
static u64 notices[4][8] = {
	{ 0, 1, 2, 4096 },
	{ 7 },
	{ 3, 100, DSM_MAX_PAGES - 1 },
	{ 1, 2, 3, 5, 8, 13, 21, 34 },
};

static void make_diffs(void)
{
	static u8 twin[DSM_PAGE_SIZE], page[DSM_PAGE_SIZE];
	unsigned int i;

	for (i = 0; i < DSM_PAGE_SIZE; i++)
		sample_page[i] = (u8)(i * 7 + 3);
	memcpy(twin, sample_page, sizeof(twin));
	memcpy(page, twin, sizeof(page));
	page[0] ^= 1;
	page[100] ^= 0xff;
	page[101] ^= 0xff;
	page[102] ^= 0xff;
	page[4095] ^= 0x80;
	sample_diff_len[0] = dsm_diff_create(twin, page, sample_diff[0],
					     DSM_DIFF_MAX_SIZE);
	memset(page + 1000, 0x5a, 333);
	sample_diff_len[1] = dsm_diff_create(twin, page, sample_diff[1],
					     DSM_DIFF_MAX_SIZE);
	sample_diff_len[2] = dsm_diff_create(twin, twin, sample_diff[2],
					     DSM_DIFF_MAX_SIZE);
}

static void set_vt(struct dsm_vt *vt, u32 n, const u32 *c)
{
	dsm_vt_init(vt, n);
	memcpy(vt->c, c, n * sizeof(*c));
}

static void add_interval(struct dsm_wire_enc *e, u32 n, u16 creator,
			 const u32 *c, const u64 *pages, u16 nr)
{
	struct dsm_interval iv;

	memset(&iv, 0, sizeof(iv));
	set_vt(&iv.vt, n, c);
	iv.creator = creator;
	iv.index = c[creator];
	iv.notices = pages;
	iv.nr_notices = nr;
	dsm_wire_enc_interval(e, &iv);
}

enum {
	S_PAGE_REQ_READ, S_PAGE_REQ_UPGRADE,
	S_PAGE_FWD, S_GRANT_DATA, S_GRANT_NODATA, S_GRANT_READ, S_INVAL,
	S_INVAL_ACK, S_CONFIRM, S_NACK, S_LOCK_REQ3, S_LOCK_REQ8,
	S_LOCK_GRANT_EMPTY, S_LOCK_GRANT, S_BARRIER_ARRIVE,
	S_BARRIER_RELEASE, S_DIFF_REQ, S_DIFF_REQ_MAX, S_DIFF_REPLY,
	S_DIFF_REPLY_EMPTY, S_LOCK_GRANT_MORE, S_DIFF_REQ_WHOLE,
	S_DIFF_REPLY_WHOLE, S_HOME_XFER, S_HOME_XFER_LAST, S_HOME_XFER_ACK,
	S_DIFF_BACKUP, S_DIFF_BACKUP_ACK, S_IV_REQ, S_IV_REPLY,
	S_DIR_QUERY, S_DIR_REPLY, S_DIR_REPLY_LAST, S_PAGE_FWD_SHADOW,
	S_GRANT_SHADOW, S_SHADOW_PUSH, S_SHADOW_ACK, S_SHADOW_PUSH_COPY,
	S_SHADOW_DROP, S_LRC_REJOIN, S_LRC_REJOIN_ACK, S_DIFF_PUSH, S_NR
};

static const char * const sample_names[S_NR] = {
	"page_req_read", "page_req_upgrade",
	"page_fwd", "grant_data", "grant_nodata", "grant_read", "inval",
	"inval_ack", "confirm", "nack", "lock_req3", "lock_req8",
	"lock_grant_empty", "lock_grant", "barrier_arrive",
	"barrier_release", "diff_req", "diff_req_max", "diff_reply",
	"diff_reply_empty", "lock_grant_more", "diff_req_whole",
	"diff_reply_whole", "home_xfer", "home_xfer_last", "home_xfer_ack",
	"diff_backup", "diff_backup_ack", "iv_req", "iv_reply",
	"dir_query", "dir_reply", "dir_reply_last", "page_fwd_shadow",
	"grant_shadow", "shadow_push", "shadow_ack", "shadow_push_copy",
	"shadow_drop", "lrc_rejoin", "lrc_rejoin_ack", "diff_push",
};

unsigned int dsm_sample_count(void)
{
	return S_NR;
}

int dsm_sample(unsigned int i, u8 *buf, u32 size, const char **name)
{
	static const u32 vt3[3] = { 4, 2, 9 };
	static const u32 vt8[8] = { 1, 2, 3, 4, 5, 6, 7, 0xffffffff };
	struct dsm_msg_hdr h = {
		.version = DSM_WIRE_VERSION_MAX, .src = 1, .dst = 2,
		.req_id = 0x1122334455667788ULL,
		.epoch = 0xa1b2c3d4e5f6ULL,	/* 48 bits, every byte set */
	};
	struct dsm_wire_enc e;
	struct dsm_vt vt;
	int len;

	if (i >= S_NR)
		return 0;
	if (!sample_diff_len[0])
		make_diffs();
	if (name)
		*name = sample_names[i];
	switch (i) {
	case S_PAGE_REQ_READ:
	case S_PAGE_REQ_UPGRADE: {
		struct dsm_msg_page_req b = { .page = 12345 };

		b.access = i == S_PAGE_REQ_READ ? DSM_ACCESS_READ :
						  DSM_ACCESS_WRITE;
		b.flags = i == S_PAGE_REQ_READ ? 0 : DSM_PAGE_F_HAVE_COPY;
		h.type = DSM_MSG_PAGE_REQ;
		dsm_wire_enc_begin(&e, buf, size, &h);
		dsm_wire_enc_page_req(&e, &b);
		break;
	}
	case S_PAGE_FWD:
	case S_PAGE_FWD_SHADOW: {
		struct dsm_msg_page_fwd b = {
			.page = DSM_MAX_PAGES - 1, .access = DSM_ACCESS_WRITE,
			.requester = 3, .ver = 0x01020304, .req_id = 77,
		};

		if (i == S_PAGE_FWD_SHADOW) {
			b.page = 840;
			b.flags = DSM_PAGE_F_HAVE_COPY | DSM_PAGE_F_SHADOW;
			b.requester = 0;
			b.ver = 0xffffffff;
		}
		h.type = DSM_MSG_PAGE_FWD;
		dsm_wire_enc_begin(&e, buf, size, &h);
		dsm_wire_enc_page_fwd(&e, &b);
		break;
	}
	case S_GRANT_DATA:
	case S_GRANT_NODATA:
	case S_GRANT_READ:
	case S_GRANT_SHADOW: {
		struct dsm_msg_page_grant b = {
			.page = 5, .access = DSM_ACCESS_WRITE, .owner = 2,
			.ver = 0x80000001, .copyset = 0x81,
			.data = sample_page,
		};

		if (i == S_GRANT_NODATA)
			b.data = NULL;
		if (i == S_GRANT_READ || i == S_GRANT_SHADOW) {
			b.access = DSM_ACCESS_READ;
			b.owner = 1;
			b.copyset = 0x06;
		}
		if (i == S_GRANT_SHADOW) {
			b.flags = DSM_GRANT_F_SHADOW;
			b.data = NULL;
			b.ver = 9;
		}
		h.type = DSM_MSG_PAGE_GRANT;
		dsm_wire_enc_begin(&e, buf, size, &h);
		dsm_wire_enc_page_grant(&e, &b);
		break;
	}
	case S_INVAL: {
		struct dsm_msg_inval b = { .page = 99, .new_owner = 7 };

		h.type = DSM_MSG_INVAL;
		dsm_wire_enc_begin(&e, buf, size, &h);
		dsm_wire_enc_inval(&e, &b);
		break;
	}
	case S_INVAL_ACK: {
		struct dsm_msg_inval_ack b = { .page = 99 };

		h.type = DSM_MSG_INVAL_ACK;
		dsm_wire_enc_begin(&e, buf, size, &h);
		dsm_wire_enc_inval_ack(&e, &b);
		break;
	}
	case S_CONFIRM: {
		struct dsm_msg_confirm b = {
			.page = 0, .access = DSM_ACCESS_READ,
		};

		h.type = DSM_MSG_CONFIRM;
		dsm_wire_enc_begin(&e, buf, size, &h);
		dsm_wire_enc_confirm(&e, &b);
		break;
	}
	case S_NACK: {
		struct dsm_msg_nack b = {
			.error = ETIMEDOUT, .nacked_type = DSM_MSG_PAGE_REQ,
			.arg = 12345,
		};

		h.type = DSM_MSG_NACK;
		dsm_wire_enc_begin(&e, buf, size, &h);
		dsm_wire_enc_nack(&e, &b);
		break;
	}
	case S_LOCK_REQ3:
	case S_LOCK_REQ8: {
		struct dsm_msg_lock_req b = {
			.lock_id = 0xdeadbeef, .region = 0x0fffffff,
			.requester = 0, .req_id = 5,
		};

		if (i == S_LOCK_REQ3)
			set_vt(&b.vt, 3, vt3);
		else
			set_vt(&b.vt, 8, vt8);
		h.type = DSM_MSG_LOCK_REQ;
		dsm_wire_enc_begin(&e, buf, size, &h);
		dsm_wire_enc_lock_req(&e, &b);
		break;
	}
	case S_LOCK_GRANT_EMPTY:
		dsm_vt_init(&vt, 4);
		h.type = DSM_MSG_LOCK_GRANT;
		dsm_wire_enc_begin(&e, buf, size, &h);
		dsm_wire_enc_lock_grant(&e, 0, 1, &vt);
		break;
	case S_IV_REQ:
		set_vt(&vt, 3, vt3);
		h.type = DSM_MSG_IV_REQ;
		dsm_wire_enc_begin(&e, buf, size, &h);
		dsm_wire_enc_lock_grant(&e, 7, 42, &vt);
		break;
	case S_LOCK_GRANT:
	case S_LOCK_GRANT_MORE:
	case S_IV_REPLY: {
		static const u32 a[3] = { 1, 0, 0 }, b[3] = { 4, 1, 3 },
				 c[3] = { 2, 2, 9 };

		set_vt(&vt, 3, vt3);
		h.type = i == S_IV_REPLY ? DSM_MSG_IV_REPLY :
					   DSM_MSG_LOCK_GRANT;
		if (i != S_LOCK_GRANT)
			h.flags = DSM_WIRE_F_MORE;
		dsm_wire_enc_begin(&e, buf, size, &h);
		dsm_wire_enc_lock_grant(&e, 7, 42, &vt);
		add_interval(&e, 3, 0, a, notices[0], 4);
		add_interval(&e, 3, 0, b, notices[1], 1);
		add_interval(&e, 3, 1, c, NULL, 0);
		add_interval(&e, 3, 2, vt3, notices[2], 3);
		break;
	}
	case S_BARRIER_ARRIVE:
	case S_BARRIER_RELEASE: {
		static const u32 a[8] = { 1, 2, 3, 4, 5, 6, 7, 9 };
		static const u32 b[2] = { 3, 5 };

		h.type = i == S_BARRIER_ARRIVE ? DSM_MSG_BARRIER_ARRIVE :
						 DSM_MSG_BARRIER_RELEASE;
		dsm_wire_enc_begin(&e, buf, size, &h);
		if (i == S_BARRIER_ARRIVE) {
			set_vt(&vt, 2, b);
			dsm_wire_enc_barrier(&e, 0, 0, 17, &vt);
			add_interval(&e, 2, 1, b, notices[3], 8);
		} else {
			set_vt(&vt, 8, vt8);
			dsm_wire_enc_barrier(&e, DSM_WIRE_REGION_MAX, 3, 0, &vt);
			add_interval(&e, 8, 6, a, notices[1], 1);
			add_interval(&e, 8, 7, vt8, notices[0], 4);
		}
		break;
	}
	case S_DIFF_REQ:
	case S_DIFF_REQ_MAX: {
		u32 k;

		h.type = DSM_MSG_DIFF_REQ;
		dsm_wire_enc_begin(&e, buf, size, &h);
		dsm_wire_enc_diff_req(&e, 4096);
		if (i == S_DIFF_REQ) {
			dsm_wire_enc_want(&e, 0, 3);
			dsm_wire_enc_want(&e, 0, 4);
			dsm_wire_enc_want(&e, 5, 1);
		} else {
			for (k = 0; k < DSM_WIRE_MAX_DIFFS; k++)
				dsm_wire_enc_want(&e, k / 2, k + 1);
		}
		break;
	}
	case S_DIFF_REPLY:
		h.type = DSM_MSG_DIFF_REPLY;
		dsm_wire_enc_begin(&e, buf, size, &h);
		dsm_wire_enc_diff_reply(&e, 4096);
		dsm_wire_enc_diff(&e, 0, 3, sample_diff[0],
				  sample_diff_len[0]);
		dsm_wire_enc_diff(&e, 1, 1, sample_diff[1],
				  sample_diff_len[1]);
		break;
	case S_DIFF_REQ_WHOLE:
		h.type = DSM_MSG_DIFF_REQ;
		dsm_wire_enc_begin(&e, buf, size, &h);
		dsm_wire_enc_diff_req(&e, 12);
		dsm_wire_enc_want(&e, 2, 0);
		dsm_wire_enc_want(&e, 2, 5);
		break;
	case S_DIFF_REPLY_WHOLE:
		h.type = DSM_MSG_DIFF_REPLY;
		dsm_wire_enc_begin(&e, buf, size, &h);
		dsm_wire_enc_diff_reply(&e, 12);
		dsm_wire_enc_diff(&e, 2, 0, sample_diff[1],
				  sample_diff_len[1]);
		dsm_wire_enc_diff(&e, 2, 5, sample_diff[0],
				  sample_diff_len[0]);
		break;
	case S_DIFF_BACKUP:
		h.type = DSM_MSG_DIFF_BACKUP;
		dsm_wire_enc_begin(&e, buf, size, &h);
		dsm_wire_enc_diff_backup(&e, 7);
		dsm_wire_enc_backup_diff(&e, 4096, sample_diff[0],
					 sample_diff_len[0]);
		dsm_wire_enc_backup_diff(&e, 4100, sample_diff[1],
					 sample_diff_len[1]);
		break;
	case S_DIFF_PUSH:	/* DIFF_BACKUP's body, never acked */
		h.type = DSM_MSG_DIFF_PUSH;
		dsm_wire_enc_begin(&e, buf, size, &h);
		dsm_wire_enc_diff_backup(&e, 9);
		dsm_wire_enc_backup_diff(&e, 4097, sample_diff[1],
					 sample_diff_len[1]);
		break;
	case S_DIFF_BACKUP_ACK:
		h.type = DSM_MSG_DIFF_BACKUP_ACK;
		dsm_wire_enc_begin(&e, buf, size, &h);
		dsm_wire_enc_backup_ack(&e, 7, 2);
		break;
	case S_DIFF_REPLY_EMPTY:
		h.type = DSM_MSG_DIFF_REPLY;
		dsm_wire_enc_begin(&e, buf, size, &h);
		dsm_wire_enc_diff_reply(&e, 0);
		dsm_wire_enc_diff(&e, 7, 0xffffffff, sample_diff[2],
				  sample_diff_len[2]);
		break;
	case S_HOME_XFER: {
		struct dsm_xfer_entry x[3] = {
			{ .page = 5, .owner = 1, .copyset = 0x5, .ver = 1 },
			{ .page = 845, .owner = 7, .copyset = 0x80 - 1,
			  .flags = DSM_XFER_E_SHADOW, .ver = 0xffffffff },
			{ .page = DSM_MAX_PAGES - 1, .owner = 0,
			  .flags = DSM_XFER_E_LOST },
		};

		h.type = DSM_MSG_HOME_XFER;
		dsm_wire_enc_begin(&e, buf, size, &h);
		dsm_wire_enc_home_xfer(&e, 7, 0);
		for (len = 0; len < 3; len++)
			dsm_wire_enc_xfer_entry(&e, &x[len]);
		break;
	}
	case S_HOME_XFER_LAST:
		h.type = DSM_MSG_HOME_XFER;
		dsm_wire_enc_begin(&e, buf, size, &h);
		dsm_wire_enc_home_xfer(&e, DSM_HOME_EPOCH_MAX, DSM_XFER_F_LAST);
		break;
	case S_HOME_XFER_ACK: {
		struct dsm_msg m = {
			.u.home_xfer_ack = { .epoch = 7, .nr_entries = 3,
					     .flags = DSM_XFER_F_LAST },
		};

		h.type = DSM_MSG_HOME_XFER_ACK;
		m.hdr = h;
		dsm_wire_enc_begin(&e, buf, size, &h);
		dsm_wire_enc_fixed(&e, &m);
		break;
	}
	case S_DIR_QUERY: {
		struct dsm_msg m = { .u.dir_query = { .epoch = 9 } };

		m.u.dir_query.buckets[0] = 0x81;
		m.u.dir_query.buckets[(DSM_HOME_BUCKETS - 1) / 8] =
			1 << ((DSM_HOME_BUCKETS - 1) % 8);
		h.type = DSM_MSG_DIR_QUERY;
		m.hdr = h;
		dsm_wire_enc_begin(&e, buf, size, &h);
		dsm_wire_enc_fixed(&e, &m);
		break;
	}
	case S_DIR_REPLY: {
		struct dsm_dir_entry x[3] = {
			{ .page = 7, .access = DSM_ACCESS_READ,
			  .flags = DSM_DIR_E_HELD, .ver = 5, .sync = 2 },
			{ .page = 847, .flags = DSM_DIR_E_HELD,
			  .ver = 0xffffffff, .sync = 0xffff },
			{ .page = DSM_MAX_PAGES - 1, .access = DSM_ACCESS_WRITE,
			  .flags = DSM_DIR_E_HELD },
		};

		h.type = DSM_MSG_DIR_REPLY;
		dsm_wire_enc_begin(&e, buf, size, &h);
		dsm_wire_enc_dir_reply(&e, 9, 0);
		for (len = 0; len < 3; len++)
			dsm_wire_enc_dir_entry(&e, &x[len]);
		break;
	}
	case S_DIR_REPLY_LAST:
		h.type = DSM_MSG_DIR_REPLY;
		dsm_wire_enc_begin(&e, buf, size, &h);
		dsm_wire_enc_dir_reply(&e, DSM_HOME_EPOCH_MAX, DSM_DIR_F_LAST);
		break;
	case S_SHADOW_PUSH:
	case S_SHADOW_PUSH_COPY:
	case S_SHADOW_ACK:
	case S_SHADOW_DROP: {
		struct dsm_msg m = {
			.u.shadow = { .page = DSM_MAX_PAGES - 1,
				      .ver = 0x89abcdef, .sync = 0xffff,
				      .data = sample_page },
		};

		h.type = i == S_SHADOW_ACK ? DSM_MSG_SHADOW_ACK :
			 i == S_SHADOW_DROP ? DSM_MSG_SHADOW_DROP :
					      DSM_MSG_SHADOW_PUSH;
		if (i == S_SHADOW_ACK) {
			m.u.shadow.page = 5;
			m.u.shadow.sync = 1;
		}
		if (i == S_SHADOW_PUSH_COPY)	/* a copy's own tag: sync 0 */
			m.u.shadow.sync = 0;
		if (i == S_SHADOW_DROP) {	/* a version: sync 0, no data */
			m.u.shadow.page = 846;
			m.u.shadow.ver = 0xfedcba98;
			m.u.shadow.sync = 0;
		}
		m.hdr = h;
		dsm_wire_enc_begin(&e, buf, size, &h);
		dsm_wire_enc_fixed(&e, &m);
		break;
	}
	case S_LRC_REJOIN:
	case S_LRC_REJOIN_ACK: {
		/* a floor with every byte set; the ack echoes it */
		struct dsm_msg m = { .u.rejoin = { .floor = 0x89abcdef } };

		h.type = i == S_LRC_REJOIN ? DSM_MSG_LRC_REJOIN :
					     DSM_MSG_LRC_REJOIN_ACK;
		m.hdr = h;
		dsm_wire_enc_begin(&e, buf, size, &h);
		dsm_wire_enc_fixed(&e, &m);
		break;
	}
	}
	len = dsm_wire_enc_end(&e);
	if (len <= 0) {
		fprintf(stderr, "sample %u (%s): encoder error %d\n", i,
			sample_names[i], len);
		abort();
	}
	return len;
}
