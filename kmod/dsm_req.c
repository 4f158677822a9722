// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_req.c - a page request of this node, from its creation to its end:
 * made by a model's fault (dsm_req_alloc()), joined by concurrent faults
 * (dsm_req_join_locked()), sent by the model's @start now, from a worker
 * or again later, waited for (dsm_req_wait()) and completed by the model
 * when its answer or failure comes (dsm_req_complete()), which decides
 * what a failure leaves on the page.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/timekeeping.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "dsm_internal.h"
#include "dsm_model.h"
#include "dsm_transport.h"
#include "core/dsm_wire.h"

static unsigned int readahead_pages = 8;
module_param(readahead_pages, uint, 0644);
MODULE_PARM_DESC(readahead_pages,
		 "Pages after a cold miss requested at once, not waited for (0..32; default 8)");

/* Sends requests created where the fault lock is held, or later. */
static struct workqueue_struct *dsm_req_wq;

static void dsm_req_start_fn(struct work_struct *work)
{
	struct dsm_req *req = container_of(to_delayed_work(work),
					   struct dsm_req, start_work);

	/* A request sent again later may have ended meanwhile. */
	if (!completion_done(&req->done))
		req->ops->start(req->pg, req);
	dsm_req_put(req);
}

struct dsm_req *dsm_req_alloc(struct dsm_pg *pg, u8 access,
			      const struct dsm_model_ops *ops)
{
	struct dsm_req *req = kzalloc(sizeof(*req), GFP_KERNEL);

	if (!req)
		return NULL;
	kref_init(&req->ref);
	init_completion(&req->done);
	INIT_DELAYED_WORK(&req->start_work, dsm_req_start_fn);
	req->id = dsm_next_req_id();
	req->born = jiffies;
	req->deadline = req->born + dsm_fault_timeout();
	req->t_alloc = ktime_get_ns();
	req->pgno = pg->pgno;
	req->access = access;
	req->pg = pg;
	req->ops = ops;
	return req;
}

/*
 * Under @pg->lock: the errno a recent failure makes accesses to @pg fail
 * with at once (see dsm_req_complete()), or 0.
 */
int dsm_pg_failing_locked(struct dsm_pg *pg)
{
	lockdep_assert_held(&pg->lock);
	if (pg->fail_err && (pg->fail_err == -EHOSTDOWN ||
			     time_before(jiffies, pg->fail_until)))
		return pg->fail_err;
	return 0;
}

static void dsm_req_release(struct kref *ref)
{
	kfree(container_of(ref, struct dsm_req, ref));
}

/*
 * Under @pg->lock: is @pg's request one nobody will answer any more? In a
 * model that ends requests at their timeout (end_on_timeout), one older
 * than fault_timeout_ms that nobody waits for (only pg->req holds it; a
 * waiter ends it at its own timeout): a read-ahead whose grant was lost
 * with a broken connection, which would otherwise stay in flight for
 * ever and make every later access to the page wait for it and fail.
 */
static bool dsm_req_stale_locked(struct dsm_pg *pg)
{
	struct dsm_req *req = pg->req;

	lockdep_assert_held(&pg->lock);
	return req->ops->end_on_timeout && kref_read(&req->ref) == 1 &&
	       time_after(jiffies, READ_ONCE(req->deadline));
}

/*
 * Under @pg->lock: end @pg's request with -ETIMEDOUT (nobody waits for
 * it: no access failed, so the page gets no failure mark). A late answer
 * finds no request: the model refuses it.
 */
static void dsm_req_end_stale_locked(struct dsm_pg *pg)
{
	struct dsm_req *req = pg->req;

	lockdep_assert_held(&pg->lock);
	pg->req = NULL;
	req->err = -ETIMEDOUT;
	complete_all(&req->done);
	kref_put(&req->ref, dsm_req_release);	/* pg->req's, the last */
}

/**
 * dsm_req_join_locked() - join @pg's request in flight, or make @new it.
 * @pg:		the page; its lock is held.
 * @new:	a request the caller made for @pg (dsm_req_alloc()). On
 *		-EINPROGRESS it is @pg's request and *@reqp; otherwise it is
 *		unused and the caller drops it.
 * @reqp:	out: the request to wait for, with a reference for the
 *		caller.
 *
 * The common tail of every model's fault: a page has at most one request
 * in flight from this node, and concurrent faults share it.
 *
 * Return: -EAGAIN (joined: wait for *@reqp, then try again),
 * -EINPROGRESS (@new installed: send it, wait, try again), or the errno
 * the access fails with at once: a recent failure of the page's requests,
 * or -ETIMEDOUT while an expired request is still in flight.
 */
int dsm_req_join_locked(struct dsm_pg *pg, struct dsm_req *new,
			struct dsm_req **reqp)
{
	int err = dsm_pg_failing_locked(pg);

	if (err)
		return err;
	if (pg->req && dsm_req_stale_locked(pg))
		dsm_req_end_stale_locked(pg);
	if (pg->req) {
		if (pg->req->expired)
			return -ETIMEDOUT;
		kref_get(&pg->req->ref);
		*reqp = pg->req;
		dsm_stat_inc(DSM_STAT_FAULT_COALESCED);
		return -EAGAIN;
	}
	pg->fail_err = 0;
	kref_get(&new->ref);	/* pg->req's */
	pg->req = new;
	*reqp = new;
	return -EINPROGRESS;
}

void dsm_req_put(struct dsm_req *req)
{
	kref_put(&req->ref, dsm_req_release);
}

/* Send @req from a worker; consumes the caller's reference. */
void dsm_req_start_async(struct dsm_req *req)
{
	queue_delayed_work(dsm_req_wq, &req->start_work, 0);
}

/**
 * dsm_req_start_after() - run @req's @start again after @delay jiffies.
 * @pg:		its page.
 * @req:	the request; the caller keeps its own reference.
 * @delay:	jiffies.
 *
 * Only while @req is @pg's request and nobody gave up waiting for it:
 * an expired request is completed by the caller instead. @start may
 * send it, or find that it must wait longer (sc: a home table it
 * waits for) and call this again.
 *
 * Return: true if @start will run.
 */
bool dsm_req_start_after(struct dsm_pg *pg, struct dsm_req *req,
			 unsigned long delay)
{
	bool later;

	spin_lock(&pg->lock);
	later = pg->req == req && !req->expired;
	if (later) {
		kref_get(&req->ref);	/* the work's */
		if (!queue_delayed_work(dsm_req_wq, &req->start_work,
					delay))
			dsm_req_put(req);	/* already queued */
	}
	spin_unlock(&pg->lock);
	return later;
}

/**
 * dsm_req_kick() - run @req's @start now, if it waits to run again.
 * @pg:		its page.
 * @req:	the request; the caller holds a reference.
 *
 * For what a request waits for that came (sc: a home table): its @start
 * runs now instead of at the end of its dsm_req_start_after() delay.
 */
void dsm_req_kick(struct dsm_pg *pg, struct dsm_req *req)
{
	spin_lock(&pg->lock);
	if (pg->req == req && !req->expired &&
	    delayed_work_pending(&req->start_work)) {
		kref_get(&req->ref);	/* the work's, if it was not queued */
		if (mod_delayed_work(dsm_req_wq, &req->start_work, 0))
			dsm_req_put(req);	/* it was: it has one */
	}
	spin_unlock(&pg->lock);
}

/**
 * dsm_req_start_later() - send @req of @pg again after @delay jiffies.
 * @pg:		its page.
 * @req:	the request; the caller keeps its own reference.
 * @delay:	jiffies.
 *
 * For a request its target refused for now (a region not there yet):
 * dsm_req_start_after(), counted in req_resent.
 *
 * Return: true if it will be sent again.
 */
bool dsm_req_start_later(struct dsm_pg *pg, struct dsm_req *req,
			 unsigned long delay)
{
	bool later = dsm_req_start_after(pg, req, delay);

	if (later)
		dsm_stat_inc(DSM_STAT_REQ_RESENT);
	return later;
}

/*
 * The errno a request may end with: EINTR, EIO and the protocol's
 * (dsm_wire_errno(), which has every errno dsm_err_why() explains). A
 * transport's send error (EAGAIN from a stalled peer, EPIPE,
 * ECONNRESET...) means the connection to the node is gone. No other errno
 * may reach pg->fail_err: a "wait" errno there (EAGAIN, EINPROGRESS) would
 * send later faults to wait for a request that does not exist.
 */
static int dsm_req_errno(int err)
{
	switch (err) {
	case 0:
	case -EINTR:
		return err;
	case -EAGAIN:
	case -EPIPE:
	case -ECONNRESET:
	case -ECONNREFUSED:
	case -ECONNABORTED:
	case -ENOBUFS:
	case -ESHUTDOWN:
		return -ENOTCONN;
	default:
		/* ETIMEDOUT, EHOSTDOWN, ENOMEM, ESTALE... are the protocol's. */
		if (err < 0 && err >= -MAX_ERRNO && dsm_wire_errno(-err) == err)
			return err;
		return -EIO;
	}
}

/**
 * dsm_req_complete() - request @req of @pg is over.
 * @pg:		its page.
 * @req:	the request.
 * @err:	0, or why it failed.
 *
 * Takes it out of @pg and wakes its waiters. A failure (other than a
 * fatal signal of the one who sent it) makes faults on the page fail at
 * once for a while, forever if the page's node is dead; not that of a
 * request made ahead of any access (@req->ahead): its waiters, if any,
 * fail, and the next access asks again.
 */
void dsm_req_complete(struct dsm_pg *pg, struct dsm_req *req, int err)
{
	bool owned = false;

	err = dsm_req_errno(err);
	spin_lock(&pg->lock);
	if (pg->req == req) {
		pg->req = NULL;
		owned = true;
	}
	if (err && err != -EINTR && !req->ahead) {
		pg->fail_err = err;
		pg->fail_until = jiffies + dsm_fault_timeout();
	}
	spin_unlock(&pg->lock);
	req->err = err;
	req->t_done = ktime_get_ns();
	complete_all(&req->done);
	/* A send planned for later is void (dsm_req_start_later()). */
	if (cancel_delayed_work(&req->start_work))
		dsm_req_put(req);
	if (owned)
		dsm_req_put(req);
}

static const char *dsm_err_why(int err)
{
	switch (err) {
	case -ETIMEDOUT:
		return "no answer within fault_timeout_ms";
	case -EHOSTDOWN:
		return "the node holding it is down";
	case -ENOMEM:
		return "out of memory";
	case -ENOTCONN:
		return "no connection to its home node";
	case -ESTALE:
		/* sc: its home's newer table did not come here in time */
		return "stale: an older home table (sc), or data garbage collected (lrc)";
	case -ENXIO:
		return "its home node has no region holding it";
	case -EBUSY:
		return "its home node refused a second request of this node";
	default:
		return "request refused or failed";
	}
}

/* Log why an access to @pg fails; once per error, rate-limited. */
void dsm_access_failed(struct dsm_pg *pg, int err, bool fault)
{
	dsm_stat_inc(fault ? DSM_STAT_FAULT_SIGBUS : DSM_STAT_RW_EIO);
	pr_warn_ratelimited("page %llu (home node %u): %s (%d); %s to %s[%d]\n",
			    pg->pgno, pg->home, dsm_err_why(err), err,
			    fault ? "SIGBUS" : "EIO", current->comm,
			    task_pid_nr(current));
}

/* dsmd's dead timeout (DSM_A_DEAD_MS in CLUSTER_SET), 0: unknown. */
static unsigned int dsm_dead_ms;

void dsm_req_set_dead_ms(u32 ms)
{
	WRITE_ONCE(dsm_dead_ms, ms);
}

/*
 * @req got no answer within fault_timeout_ms. If its page's home is a
 * member that dsmd has not declared down, and said nothing about @req
 * (a request refused as stale waits for a newer table, and fails at its
 * deadline as before), the home may have died: wait as long as dsmd
 * takes to declare it down (its dead timeout), so that the request goes
 * to the page's new home once it is (sc_pg_node_down()) rather than fail
 * now (Documentation/sc.md "Failures and timeouts"). A node that died
 * while the request was in flight is declared down within the dead
 * timeout of its last heartbeat, which was before the request was sent:
 * the extension ends after that, with the first fault_timeout_ms left
 * for the re-homing. A request to this node's own home waits on other
 * nodes (the owner it forwarded to, readers it invalidated): the same
 * wait, if another member is live, so that the home's node-down handling
 * (sc_home_node_down_locked(): a rebuild, then the request served) can
 * answer it. Return: as wait_for_completion_killable_timeout(), 0 if it
 * did not wait.
 */
static long dsm_req_wait_failover(struct dsm_req *req)
{
	unsigned int ms = READ_ONCE(dsm_dead_ms);
	u32 home = READ_ONCE(req->home);
	u32 local = dsm_transport_local();
	unsigned long extra;
	u64 on;

	/* Whom it waits on; live: present and not lost (declared down). */
	on = home == local ? ~BIT_ULL(local) : BIT_ULL(home);
	if (!ms || READ_ONCE(req->stale_epoch) ||
	    !(dsm_members_live() & on))
		return 0;
	dsm_stat_inc(DSM_STAT_FAULT_FAILOVER_WAIT);
	extra = msecs_to_jiffies(ms);
	WRITE_ONCE(req->deadline, jiffies + extra);
	return wait_for_completion_killable_timeout(&req->done, extra);
}

/*
 * Wait for @req, at most fault_timeout_ms, killable. Return: the request's
 * error, -ETIMEDOUT or, for a request waiting for a newer home table
 * (@stale_epoch), -ESTALE (the request is marked expired: later faults
 * on the page fail at once until it completes; in a model with
 * end_on_timeout it is completed now, and they fail for
 * fault_timeout_ms) or -EINTR.
 */
int dsm_req_wait(struct dsm_pg *pg, struct dsm_req *req)
{
	long left;
	int err;

	left = wait_for_completion_killable_timeout(&req->done,
						    dsm_fault_timeout());
	if (!left)
		left = dsm_req_wait_failover(req);
	if (left > 0)
		return req->err;
	if (left < 0)
		return -EINTR;
	spin_lock(&pg->lock);
	if (!completion_done(&req->done))
		req->expired = true;
	spin_unlock(&pg->lock);
	if (completion_done(&req->done))
		return req->err;
	dsm_stat_inc(DSM_STAT_FAULT_TIMEOUT);
	/* Still waiting for a newer home table (sc): say that, not "late". */
	err = READ_ONCE(req->stale_epoch) ? -ESTALE : -ETIMEDOUT;
	if (err == -ESTALE)
		dsm_stat_inc(DSM_STAT_HOME_STALE_FAILED);
	/* Over, and the page marked failing for a while (see @born). */
	if (req->ops->end_on_timeout)
		dsm_req_complete(pg, req, err);
	return err;
}

/**
 * dsm_req_account() - count where a fault's wait for @req went.
 * @req:	a request the caller started and waited for successfully.
 *
 * Adds its steps (struct dsm_req, @t_alloc) to the fault_rd_* or
 * fault_wr_* counters, so that `dsmctl stats` (and make bench's
 * fault_latency) can say where a remote fault's microseconds go. A
 * request whose model does not time its steps (no @t_sent or @t_rx) is
 * not counted.
 */
void dsm_req_account(const struct dsm_req *req)
{
	u64 now = ktime_get_ns();
	enum dsm_stat base;

	if (!req->t_sent || !req->t_rx || !req->t_done ||
	    req->t_sent < req->t_alloc || req->t_rx < req->t_sent ||
	    req->t_done < req->t_rx || now < req->t_done)
		return;
	base = req->access == DSM_ACC_WRITE ? DSM_STAT_FAULT_WR_TIMED :
					      DSM_STAT_FAULT_RD_TIMED;
	dsm_stat_inc(base);
	dsm_stat_add(base + 1, req->t_sent - req->t_alloc);
	dsm_stat_add(base + 2, req->t_rx - req->t_sent);
	dsm_stat_add(base + 3, req->t_done - req->t_rx);
	dsm_stat_add(base + 4, now - req->t_done);
}

int dsm_req_init(void)
{
	dsm_req_wq = alloc_workqueue("dsm_start", WQ_UNBOUND, 0);
	return dsm_req_wq ? 0 : -ENOMEM;
}

/* Every request's planned send was cancelled (see dsm_mem_exit()). */
void dsm_req_exit(void)
{
	destroy_workqueue(dsm_req_wq);
}

/*
 * Read-ahead: after a cold miss on page @pgno (a page this node never
 * held), start requests of the same access (@write) for the pages after
 * it, up to @limit (exclusive) and readahead_pages of them, that this
 * node never held either and that are not requested. Nobody waits for
 * them: a later access finds the page or joins its request. Pages held before are
 * skipped: they are likely shared and written elsewhere, and a read copy
 * nobody asked for would only cost their writers an invalidation. Sends,
 * so no lock may be held.
 */
void dsm_req_readahead(const struct dsm_model_ops *model, u64 pgno,
		       u64 limit, bool write)
{
	unsigned int n = min(READ_ONCE(readahead_pages), 32U);
	struct dsm_req *req;
	struct dsm_pg *pg;
	int ret;

	for (limit = min(limit, pgno + 1 + n); ++pgno < limit;) {
		pg = dsm_pg_get(pgno);
		if (IS_ERR(pg))
			return;
		if (dsm_pg_folio(pg))
			continue;
		req = NULL;
		ret = write ? model->write_fault(pg, &req) :
			      model->fault(pg, &req);
		if (!ret) {
			folio_unlock(pg->folio);
			continue;
		}
		if (ret == -EINPROGRESS) {
			dsm_stat_inc(DSM_STAT_READAHEAD);
			model->start(pg, req);
		}
		if (req)
			dsm_req_put(req);
		if (ret != -EINPROGRESS && ret != -EAGAIN)
			return;
	}
}
