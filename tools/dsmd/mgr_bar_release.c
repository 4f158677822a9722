// SPDX-License-Identifier: GPL-2.0
/*
 * mgr_bar_release.c - the barrier manager's releases (Documentation/lrc.md,
 * "Barriers", "Joining at run time"): once every node waited for has
 * arrived (mgr_barrier.c), each gets the intervals of the episode it
 * lacks, cut into complete core messages; a node that joins there gets
 * none, and DSM_MGR_F_JOIN.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "dsm_members.h"
#include "mgr_bar.h"

/* The header of a payload the manager builds for @node's kernel. */
static void payload_hdr(const struct mgr *m, int node, u8 type, u64 req_id,
			struct dsm_msg_hdr *h)
{
	memset(h, 0, sizeof(*h));
	h->version = DSM_WIRE_VERSION_MAX;
	h->type = type;
	h->src = m->self;
	h->dst = node;
	/* The decoder wants src != dst: see lrc.md, "Manager payloads". */
	if (h->dst == h->src)
		h->dst = h->src ? 0 : 1;
	h->req_id = req_id;
}

/*
 * Send @node the release with intervals @out[0 .. @k), in fragments cut
 * by the core's rule (dsm_wire_ivset_fit()), the one the kernel's grants
 * and arrivals follow.
 */
static void send_release(struct mgr *m, struct mgr_bar *b, int node,
			 const struct dsm_interval **out, u32 k, u8 *buf,
			 uint32_t gc)
{
	/* The set's width as the encoder sends it. */
	uint32_t pos = 0, n = dsm_vt_width(&b->vt);
	uint64_t cookie = b->a[node].cookie;
	struct dsm_wire_enc e;
	struct dsm_msg_hdr h;
	int len, end;

	payload_hdr(m, node, DSM_MSG_BARRIER_RELEASE, cookie, &h);
	do {
		end = dsm_wire_ivset_fit(DSM_MSG_BARRIER_RELEASE, n, out, pos,
					 k, m->payload_max);
		if (end == -EMSGSIZE) {
			mgr_log(m, LOG_ERR, "mgr: barrier %u: interval (%u, %u) does not fit one payload",
				b->id, out[pos]->creator, out[pos]->index);
			mgr_reply(m, node, cookie, EMSGSIZE, 0, NULL, 0);
			return;
		}
		len = end;	/* -EINVAL: a timestamp the encoder refuses too */
		if (end >= 0) {
			dsm_wire_enc_begin(&e, buf, m->payload_max, &h);
			dsm_wire_enc_barrier(&e, b->region, b->id, b->epoch,
					     &b->vt);
			for (; pos < (u32)end; pos++)
				dsm_wire_enc_interval(&e, out[pos]);
			len = dsm_wire_enc_end(&e);
		}
		if (len < 0) {
			mgr_log(m, LOG_ERR, "mgr: barrier %u: cannot encode the release for node %d (%d)",
				b->id, node, len);
			mgr_reply(m, node, cookie, EPROTO, 0, NULL, 0);
			return;
		}
		m->st.release_fragments++;
		mgr_reply(m, node, cookie, 0,
			  gc | (pos < k ? DSM_MGR_F_MORE : 0), buf, len);
	} while (pos < k);
}

/* Send @node the intervals of @set it lacks, @out as scratch. */
static void release_to(struct mgr *m, struct mgr_bar *b, int node,
		       const struct dsm_iset *set,
		       const struct dsm_interval **out, uint32_t total,
		       u8 *buf, uint32_t gc)
{
	const struct mgr_arrival *a = &b->a[node];
	uint32_t c;
	int k;

	k = dsm_iset_missing(set, &a->vt, out, total);
	for (c = 0; c < DSM_MAX_NODES && k >= 0; c++)
		if (dsm_vt_get(&b->vt, c) > dsm_vt_get(&a->vt, c) &&
		    dsm_ilog_last(&set->log[c]) < dsm_vt_get(&b->vt, c))
			k = -ENOENT;
	if (k < 0) {
		mgr_log(m, LOG_ERR, "mgr: barrier %u: node %d lacks intervals no arrival carried",
			b->id, node);
		mgr_reply(m, node, a->cookie, EPROTO, 0, NULL, 0);
		return;
	}
	send_release(m, b, node, out, k, buf, gc);
}

/*
 * The @i-th node to release: the other nodes in id order, then this one.
 * This node's release is a netlink message its kernel learns before the
 * send returns (invalidations, prefetches: a millisecond under TCG), so
 * it goes last, and the others' releases are on the wire meanwhile.
 */
static int release_order(const struct mgr *m, uint32_t i)
{
	int self = m->self >= 0 && m->self < DSM_MAX_NODES ?
		   m->self : DSM_MAX_NODES - 1;

	if (i == DSM_MAX_NODES - 1)
		return self;
	return (int)i < self ? (int)i : (int)i + 1;
}

/* Every node waited for arrived: send each the intervals it lacks. */
void mgr_bar_release(struct mgr *m, struct mgr_bar *b)
{
	struct dsm_interval *slots[DSM_MAX_NODES] = { NULL };
	const struct dsm_interval **out = NULL;
	uint64_t joined = dsm_barrier_joined(b->arrived, m->added, b->gc);
	uint32_t gc = b->gc ? DSM_MGR_F_GC : 0, total = 0, c, i;
	struct dsm_iset set;
	u8 *buf = NULL;
	int node, err = 0;

	memset(&set, 0, sizeof(set));
	set.nr_nodes = DSM_MAX_NODES;
	for (c = 0; c < DSM_MAX_NODES && !err; c++) {
		struct mgr_ivvec *v = &b->merged[c];

		dsm_ilog_init(&set.log[c], NULL, 0);
		if (!v->n)
			continue;
		slots[c] = malloc((size_t)v->n * sizeof(*slots[c]));
		if (!slots[c]) {
			err = ENOMEM;
			break;
		}
		dsm_ilog_init(&set.log[c], slots[c], v->n);
		set.log[c].first = v->v[0].index;
		for (i = 0; i < v->n && !err; i++)
			if (dsm_iset_add(&set, &v->v[i])) {
				mgr_why(m, 0, "intervals of node %u have a gap before %u",
					c, v->v[i].index);
				err = EPROTO;
			}
		total += v->n;
	}
	if (!err) {
		out = malloc((total ? total : 1) * sizeof(*out));
		buf = malloc(m->payload_max);
		if (!out || !buf)
			err = ENOMEM;
	}
	if (err) {
		if (err == ENOMEM)
			mgr_why(m, 0, "out of memory");
		mgr_log(m, LOG_ERR, "mgr: barrier %u epoch %u fails: %s",
			b->id, b->epoch, m->why);
	}
	for (i = 0; i < DSM_MAX_NODES; i++) {
		const struct mgr_arrival *a;

		node = release_order(m, i);
		if (!(b->arrived >> node & 1))
			continue;
		a = &b->a[node];
		if (err) {
			mgr_reply(m, node, a->cookie, err, 0, NULL, 0);
			continue;
		}
		/* Joins here: no interval, everything is collected. */
		if (joined >> node & 1) {
			send_release(m, b, node, out, 0, buf,
				     gc | DSM_MGR_F_JOIN);
			continue;
		}
		release_to(m, b, node, &set, out, total, buf, gc);
	}
	if (joined && !err) {
		m->added &= ~joined;
		/* Lost ones are back: waited for again, placed as lost. */
		m->back |= joined & m->lost;
		mgr_log(m, LOG_INFO, "mgr: barrier %u: nodes %#llx join lrc%s",
			b->id, (unsigned long long)joined,
			joined & m->lost ? " (some again, as new incarnations)" : "");
	}
	mgr_log(m, LOG_DEBUG, "mgr: barrier %u epoch %u released (%u intervals%s)",
		b->id, b->epoch, total, b->gc ? ", collect garbage" : "");
	if (!err)
		m->st.barriers_released++;
	for (c = 0; c < DSM_MAX_NODES; c++)
		free(slots[c]);
	free(out);
	free(buf);
	mgr_bar_episode_clear(m, b);
}
