// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_sc_owner.c - sc's owner: PAGE_FWD from the home, answered with the
 * page (PAGE_GRANT) to the requester; for a read the owner keeps a
 * read-only copy, for a write it gives the page up, keeping its frame
 * as a shadow tagged with the transaction's version (dsm_sc_shadow.c).
 * A rebuilt entry may name a node's shadow frame the page: it serves
 * from that. Hot pages are sampled here (Documentation/sharing.md).
 * Documentation/sc.md "The protocol".
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sc: " fmt

#include <linux/highmem.h>
#include <linux/pagemap.h>
#include <linux/slab.h>

#include "core/dsm_diff.h"
#include "dsm_sc.h"

/*
 * Folio locked: this node just gained write ownership of @pg. If the page
 * is hot, keep a copy of it as it is now, to learn at the transfer out
 * what this node wrote (sc_snap_end()). Sampling only: a copy that cannot
 * be allocated at once is not made.
 */
void sc_snap_take(struct dsm_pg *pg)
{
	void *p;

	if (pg->sc->snap || !dsm_hot_gain(pg->pgno, sc_local()))
		return;
	pg->sc->snap = kmalloc(DSM_PAGE_SIZE, GFP_NOWAIT | __GFP_NOWARN);
	if (!pg->sc->snap)
		return;
	p = kmap_local_folio(pg->folio, 0);
	memcpy(pg->sc->snap, p, DSM_PAGE_SIZE);
	kunmap_local(p);
}

/*
 * Folio locked: this node gives @pg up (a PAGE_FWD to another node). If
 * it kept a copy from when it gained write ownership, what it wrote
 * since is what differs: a sample for the hot table. Return: the copy,
 * for the caller to free once unlocked (NULL: none).
 */
static void *sc_snap_end(struct dsm_pg *pg)
{
	void *snap = pg->sc->snap, *p;

	if (!snap)
		return NULL;
	pg->sc->snap = NULL;
	if (pg->access != DSM_ACC_WRITE)
		return snap;
	p = kmap_local_folio(pg->folio, 0);
	dsm_hot_own(pg->pgno, dsm_page_blocks(snap, p));
	kunmap_local(p);
	return snap;
}

/*
 * Folio locked: may this node serve forward @f of @pg? With a copy; or
 * from its shadow frame, when a rebuilt entry named it the page
 * (DSM_PAGE_F_SHADOW, dsm_sc_rehome.c): a read makes it this node's
 * read-only copy again, a write takes it away as any copy.
 */
static bool sc_owner_has_locked(struct dsm_pg *pg,
				const struct dsm_msg_page_fwd *f)
{
	if (pg->access != DSM_ACC_NONE)
		return true;
	if (!(f->flags & DSM_PAGE_F_SHADOW))
		return false;
	if (f->access == DSM_ACCESS_READ)
		pg->access = DSM_ACC_READ;
	return true;
}

/*
 * Folio locked: this node, owner of @pg, serves forward @f to another
 * node. Return: the page to send (referenced), if @data; *@snap: what
 * sc_snap_end() returned, to free once unlocked.
 */
static struct page *sc_owner_give_locked(struct dsm_pg *pg,
					 const struct dsm_msg_page_fwd *f,
					 bool data, void **snap)
{
	struct page *page = NULL;

	/* The frame holds the page as of this transaction; so will @f's. */
	sc_tag_served(pg, f->ver, f->requester,
		      f->access == DSM_ACCESS_WRITE);
	/*
	 * Nobody may write the page until the requester has it: the
	 * transport sends it from the frame, maybe after the send returned
	 * (struct dsm_tx_msg). Access comes back only via the home, after
	 * the CONFIRM the requester sends once it read the grant, or after
	 * sc_home_expire_locked() gave up on that CONFIRM (a connection
	 * stalled for that long).
	 */
	*snap = sc_snap_end(pg);
	if (f->access == DSM_ACCESS_WRITE)
		pg->access = DSM_ACC_NONE;
	else
		pg->access = DSM_ACC_READ;
	dsm_pg_zap(pg);
	if (data) {
		page = folio_page(pg->folio, 0);
		get_page(page);
	}
	return page;
}

void sc_owner_fwd(const struct dsm_msg *m)
{
	const struct dsm_msg_page_fwd *f = &m->u.page_fwd;
	u32 local = sc_local();
	struct dsm_msg g = {
		.hdr.type = DSM_MSG_PAGE_GRANT,
		.hdr.dst = f->requester,
		.hdr.req_id = f->req_id,
		.u.page_grant.page = f->page,
		.u.page_grant.access = f->access,
		.u.page_grant.ver = f->ver,
	};
	struct page *page = NULL;
	struct folio *folio;
	void *snap = NULL;
	struct dsm_pg *pg;
	bool data;
	int err = 0;

	if (!sc_from_home_wait(m, f->page, "PAGE_FWD")) {
		/*
		 * Not from the page's home as far as this node knows: its
		 * sender, if it is the home, ends its transaction with
		 * nothing moved (sc_home_fwd_failed()); the requester fails
		 * at its own timeout.
		 */
		sc_send_nack(m->hdr.src, f->req_id, DSM_MSG_PAGE_FWD, f->page,
			     -ESTALE);
		return;
	}
	pg = dsm_pg_get_peer(f->page, DSM_MODEL_SC);
	if (IS_ERR(pg)) {
		err = PTR_ERR(pg);
		goto nack;
	}
	data = f->requester != local &&
	       !(f->access == DSM_ACCESS_WRITE &&
		 (f->flags & DSM_PAGE_F_HAVE_COPY));
	sc_hold(pg);
	/* A shadow is a frame this node has: never a new one of zeros. */
	folio = f->flags & DSM_PAGE_F_SHADOW ? dsm_pg_lock_frame(pg) :
					       dsm_pg_frame_lock(pg);
	if (IS_ERR_OR_NULL(folio)) {
		err = folio ? PTR_ERR(folio) : -EIO;
		goto nack;
	}
	if (!sc_owner_has_locked(pg, f)) {
		folio_unlock(folio);
		sc_unexpected("PAGE_FWD (no copy here)", f->page,
			      m->hdr.src);
		err = -EIO;
		goto nack;
	}
	if (f->requester != local)
		page = sc_owner_give_locked(pg, f, data, &snap);
	folio_unlock(folio);
	kfree(snap);
	if (f->requester != local) {
		/* What a refusal of this grant refers to (sc_refusal()). */
		spin_lock(&pg->lock);
		pg->sc->given_id = f->req_id;
		pg->sc->given_to = f->requester;
		pg->sc->given_by = m->hdr.src;
		pg->sc->relayed = false;
		spin_unlock(&pg->lock);
	}
	g.u.page_grant.owner = f->access == DSM_ACCESS_WRITE ? f->requester :
							       local;
	if (page) {
		dsm_stat_inc(DSM_STAT_PAGE_SENT);
		dsm_msg_send_page(&g, page);
		put_page(page);
	} else {
		dsm_msg_send(&g);
	}
	return;
nack:
	sc_send_nack(f->requester, f->req_id, DSM_MSG_PAGE_FWD, f->page, err);
	/* Nothing moved: the home ends its transaction so. */
	if (m->hdr.src != f->requester)
		sc_send_nack(m->hdr.src, f->req_id, DSM_MSG_PAGE_FWD, f->page,
			     err);
}
