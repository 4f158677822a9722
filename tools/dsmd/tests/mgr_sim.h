/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mgr_sim.h - the simulated cluster of the managers' unit tests
 * (mgr_sim.c): what the lock and the barrier tests share.
 */
#ifndef DSMD_MGR_SIM_H
#define DSMD_MGR_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "mgr.h"
#include "dsm_wire.h"

/* What a node's kernel was given: a MGR_REPLY or a LOCK_FORWARD. */
enum { EV_REPLY, EV_FORWARD };

struct ev {
	int kind;
	uint64_t cookie;
	uint32_t error;
	uint32_t flags;
	uint32_t lock;
	uint8_t *p;
	size_t len;
	int others_queued;	/* EV_REPLY: replies to other nodes queued */
};

/* A simulated node: its managers and what its kernel was given. */
struct tnode {
	struct mgr m;
	struct ev *ev;
	int nev;
	int cap;
};

/* A frame from one dsmd to another, queued until pump(). */
enum { FR_REQ, FR_REPLY, FR_FWD, FR_HO };

struct frame {
	int type;
	int from;
	int to;
	struct mgr_req r;
	uint64_t cookie;
	uint32_t error;
	uint32_t flags;
	uint32_t lock;
	int requester;
	uint8_t *p;
	size_t len;
	uint64_t epoch;		/* the sender's table epoch when it sent */
	struct mgr_handover ho;	/* FR_HO */
};

extern struct tnode tn[DSM_MAX_NODES];
extern struct frame *q;		/* frames queued between dsmds */
extern int qlen;
extern uint64_t cut;		/* bit i: sends to node i fail */
extern int corrupt_fwd;		/* pump flips a byte of the next LOCK_FWD */
extern uint8_t pbuf[2 * DSM_MGR_PAYLOAD_MAX];	/* the last payload built */
/* Namespace (region word) of the LOCK_REQs and arrivals built; setup(): 0. */
extern uint32_t sim_region;

void setup(uint64_t members, size_t payload_max);
void teardown(void);
void sim_free(void);
void pump(void);
int pump_max(int max);
void drop_queue(void);
void clear_events(void);
/* Frames queued to @to (of @type, -1: any) not delivered yet. */
int queued(int to, int type);

void hdr(struct dsm_msg_hdr *h, int src, u8 type, uint64_t req_id);
struct dsm_vt vt3(u32 a, u32 b, u32 c);
int lock_req(int from, uint32_t lock, int requester, uint64_t req_id);
void kstate(int node, uint32_t lock, int requester, uint64_t req_id,
	    uint32_t flags);
void kstate_done(int node, int dead);
void kleft(int node, uint32_t lock, int requester, uint32_t flags,
	   uint64_t cookie);
void kreq_lock_raw(int node, uint32_t attr_lock, uint64_t cookie, int len,
		   uint32_t flags);
void kreq_lock(int node, uint32_t lock, uint64_t cookie);
struct dsm_interval mkiv(int creator, u32 index, struct dsm_vt vt);
int arrive_payload(int node, uint32_t id, uint32_t epoch,
		   const struct dsm_vt *vt, const struct dsm_interval *ivs,
		   int nr, uint64_t req_id);
int kreq_arrive(int node, uint32_t id, uint32_t epoch, struct dsm_vt vt,
		const struct dsm_interval *ivs, int nr, int per_frag,
		uint32_t flags, uint64_t cookie);
void kreq_gc_done(int node, uint32_t id, uint64_t cookie);
int replies(int node, uint64_t cookie, uint32_t *error);
int forwarded(int node, uint64_t cookie);
int forwards(int node);
/* The flags of the first reply to @cookie given to @node's kernel. */
uint32_t reply_flags(int node, uint64_t cookie);

/*
 * struct rel - a reassembled release: its intervals as "creator:index"
 * keys, whether every fragment was valid, and its flags.
 */
struct rel {
	int frags;
	int nr;
	u64 keys[256];
	bool valid;
	bool more_ok;		/* MORE on all but the last */
	bool all_gc;
	bool any_gc;
	struct dsm_vt vt;
	size_t max_len;
};

struct rel release_of(int node, uint64_t cookie);
bool rel_is(const struct rel *r, int nr, const int *ci);

void test_mgr_lock(void);
void test_mgr_lock_ho(void);
void test_mgr_barrier(void);

#endif /* DSMD_MGR_SIM_H */
