// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_sc_epoch.c - sc's page requests and the home table's epoch (issue
 * 15 item 1; Documentation/sc.md, "Epochs on the wire").
 *
 * Every message carries its sender's home-table epoch (wire version 5);
 * a PAGE_REQ carries the epoch of the table its requester took the home
 * from. At the home:
 *  - a PAGE_REQ of an older epoch than this node's table is refused with
 *    NACK ESTALE, whose header carries this node's epoch;
 *  - one of a newer epoch is held: its receive context waits until dsmd
 *    has pushed that table here (at most fault_timeout_ms), then serves
 *    it; one more than SC_EPOCH_WINDOW epochs ahead is not believed and
 *    dropped, as is one whose table does not come in time (its requester
 *    fails at its own timeout).
 * At the requester, NACK ESTALE from the request's home: the request
 * waits until this node's table has the home's epoch, takes the page's
 * home from that table, and goes again, as often as fault_timeout_ms from
 * its creation allows. Otherwise it fails with ESTALE (SIGBUS, one log
 * line from dsm_access_failed()). Not a number of tries: tables pushed
 * back to back may each refuse it once (dsm_home's
 * buckets_move_back_to_back pushes six), and no peer can make it loop
 * fast: it goes again at once only when this node's own table moved on
 * since it was addressed, else after SC_NO_REGION_RETRY.
 *
 * Only PAGE_REQ is judged by its epoch: it is the one message whose
 * handling asks the table (is this node the page's home?). The others
 * concern a transaction in progress at the home, which ends before the
 * home hands the page over (dsm_sc_xfer_out.c, which waits for them).
 * dsm_sc.pml models the rule.
 * But a new home's PAGE_FWD or INVAL may reach a node before that node
 * has the table that made it the home: it waits for that table
 * (sc_from_home_wait(), with sc_epoch_catch_up(); the model has no
 * moving buckets).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sc: " fmt

#include "dsm_sc.h"

/*
 * A PAGE_REQ of a newer epoch than this node's @mine: hold it until this
 * node's table catches up. Return: true once it has, false if dropped.
 */
static bool sc_home_hold(const struct dsm_msg *m, u64 mine)
{
	u64 e = m->hdr.epoch;

	if (e - mine > SC_EPOCH_WINDOW) {
		dsm_stat_inc(DSM_STAT_HOME_HELD_DROPPED);
		pr_warn_once("PAGE_REQ from node %u of home-table epoch %llu, more than %u ahead of this node's %llu: not believed, dropped (logged once)\n",
			     m->hdr.src, e, SC_EPOCH_WINDOW, mine);
		return false;
	}
	dsm_stat_inc(DSM_STAT_HOME_HELD);
	if (dsm_home_wait(e, dsm_fault_timeout()))
		return true;
	dsm_stat_inc(DSM_STAT_HOME_HELD_DROPPED);
	pr_warn_ratelimited("PAGE_REQ for page %llu from node %u dropped: it needs home-table epoch %llu, this node's stayed at %llu for fault_timeout_ms\n",
			    m->u.page_req.page, m->hdr.src, e, dsm_home_epoch());
	return false;
}

/**
 * sc_epoch_catch_up() - wait for this node's home table to reach @epoch.
 * @epoch:	a peer's table, from its message's header.
 *
 * Sleeps (receive context): at most fault_timeout_ms, and not at all for
 * an epoch more than SC_EPOCH_WINDOW ahead (not believed).
 *
 * Return: 0 once this node's table is @epoch or newer; -ERANGE if @epoch
 * is too far ahead; -ESTALE if the table did not come in time.
 */
int sc_epoch_catch_up(u64 epoch)
{
	u64 mine = dsm_home_epoch();

	if (epoch <= mine)
		return 0;
	if (epoch - mine > SC_EPOCH_WINDOW)
		return -ERANGE;
	return dsm_home_wait(epoch, dsm_fault_timeout()) ? 0 : -ESTALE;
}

/**
 * sc_home_epoch_ok() - may this home serve PAGE_REQ @m by its epoch?
 * @m:	the request.
 *
 * Sleeps (holds a request of a newer epoch). Answers a request of an
 * older epoch with NACK ESTALE itself.
 *
 * Return: true to serve it now; false if it was answered or dropped.
 */
bool sc_home_epoch_ok(const struct dsm_msg *m)
{
	u64 mine = dsm_home_epoch();

	if (m->hdr.epoch > mine && !sc_home_hold(m, mine))
		return false;
	if (m->hdr.epoch >= dsm_home_epoch())
		return true;
	dsm_stat_inc(DSM_STAT_HOME_STALE_NACKS);
	/* The NACK's header carries this node's epoch (dsm_msg_send()). */
	sc_send_nack(m->hdr.src, m->hdr.req_id, DSM_MSG_PAGE_REQ,
		     m->u.page_req.page, -ESTALE);
	return false;
}

/**
 * sc_stale_nack() - @req's home refused it as stale (NACK ESTALE).
 * @pg:		its page.
 * @req:	the request, from the home it went to (checked by the
 *		caller).
 * @m:		the NACK; its header's epoch is the home's.
 *
 * Return: true if @req will go again (sc_stale_ready() decides when);
 * false if it may not (fault_timeout_ms from its creation is over, or
 * nobody waits for it any more): the caller completes it.
 */
bool sc_stale_nack(struct dsm_pg *pg, struct dsm_req *req,
		   const struct dsm_msg *m)
{
	bool ok, newer = m->hdr.epoch > req->epoch;

	spin_lock(&pg->lock);
	ok = pg->req == req && m->hdr.epoch &&
	     time_before(jiffies, READ_ONCE(req->deadline));
	if (ok) {
		if (newer && req->stale_tries < U8_MAX)
			req->stale_tries++;
		req->stale_epoch = m->hdr.epoch;
	}
	spin_unlock(&pg->lock);
	if (!ok) {
		pr_warn_ratelimited("page %llu: node %u refused request %llx as stale (its epoch %llu, the request's %llu, try %u): given up\n",
				    pg->pgno, m->hdr.src, req->id, m->hdr.epoch,
				    req->epoch, req->stale_tries);
		return false;
	}
	/*
	 * A home of no newer table than the request's: its page moves on
	 * while a transfer ends there (Documentation/sc.md "Moving a
	 * bucket"). Look again shortly, while fault_timeout_ms allows.
	 */
	return dsm_req_start_after(pg, req, newer ? 0 : SC_NO_REGION_RETRY);
}

/**
 * sc_stale_ready() - may @req, refused as stale, go again now?
 * @pg:		its page.
 * @req:	the request, from its @start.
 *
 * Once this node's table has the epoch the refusing home had, @req takes
 * the page's home from it and goes (counted in home_stale_retries): at
 * once, or SC_NO_REGION_RETRY later if it would still carry an older
 * epoch than the refusing home's; a page that became homed here needs
 * no request any more and @req ends well. A page homed here whose bucket
 * moves away waits until dsm_sc_xfer_out.c has handed its entry over. Until
 * then it looks again when woken by a new table or hand-over
 * (sc_stale_kick()), until its deadline (struct dsm_req: fault_timeout_ms
 * from its creation, or later); then it fails with ESTALE.
 *
 * Return: true to send @req now (to @req->home, with @req->epoch).
 */
bool sc_stale_ready(struct dsm_pg *pg, struct dsm_req *req)
{
	unsigned long deadline;
	bool done, again;
	u64 stale;

	if (!READ_ONCE(req->stale_epoch))
		return true;
	/* A page homed here that is being handed over waits for its end. */
	if (dsm_home_epoch() >= req->stale_epoch && !sc_xfer_moving(pg)) {
		spin_lock(&pg->lock);
		stale = req->stale_epoch;
		sc_home_readdress_locked(pg, req);
		req->stale_epoch = 0;
		done = pg->req == req && pg->access >= req->access;
		/*
		 * Still addressed by an older table than the refusing
		 * home's (a page homed here keeps its epoch until it is
		 * handed over): it would be refused again at once. Go
		 * again shortly, not in a loop.
		 */
		again = !done && req->epoch < stale;
		spin_unlock(&pg->lock);
		dsm_stat_inc(DSM_STAT_HOME_STALE_RETRIES);
		if (again && dsm_req_start_after(pg, req, SC_NO_REGION_RETRY))
			return false;
		if (!done)
			return true;
		dsm_req_complete(pg, req, 0);
		return false;
	}
	/* Until its deadline (fault_timeout_ms from its creation, or its
	 * waiter's longer one); sc_stale_kick() wakes it.
	 */
	deadline = READ_ONCE(req->deadline);
	if (time_before(jiffies, deadline) &&
	    dsm_req_start_after(pg, req, deadline - jiffies)) {
		/* What came before the work was queued woke nobody. */
		if (dsm_home_epoch() >= req->stale_epoch && !sc_xfer_moving(pg))
			dsm_req_kick(pg, req);
		return false;
	}
	dsm_stat_inc(DSM_STAT_HOME_STALE_FAILED);
	dsm_req_complete(pg, req, -ESTALE);
	return false;
}

/**
 * sc_stale_kick_pg() - @pg's request, if refused as stale, looks again.
 * @pg:	the page: its home or this node's table changed.
 */
void sc_stale_kick_pg(struct dsm_pg *pg)
{
	struct dsm_req *req;

	spin_lock(&pg->lock);
	req = pg->req;
	if (req && req->stale_epoch)
		kref_get(&req->ref);
	else
		req = NULL;
	spin_unlock(&pg->lock);
	if (!req)
		return;
	dsm_req_kick(pg, req);
	dsm_req_put(req);
}

static void sc_stale_kick_fn(struct dsm_pg *pg, void *arg)
{
	sc_stale_kick_pg(pg);
}

/* A new home table: every request waiting for one looks again. */
void sc_stale_kick(void)
{
	dsm_mem_for_each(sc_stale_kick_fn, NULL);
}
