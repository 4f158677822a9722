/*
 * dsm_sc.pml - a model of sc's directory protocol, with the failure
 * handling of issue 15, for the spin model checker (`make model`;
 * Documentation/model.md says what it checks and how it maps to the
 * code).
 *
 * N nodes, NPAGES pages, each node's program making OPS accesses (reads or
 * writes of any page), and at most one node failure at any moment.
 *
 * What the code does (kmod/dsm_sc.c, dsm_sc_home.c): the home keeps the
 * directory (owner, copyset) and runs one transaction per page at a
 * time, queueing the others; a write invalidates the read copies first
 * (INVAL, INVAL_ACK), then the home forwards to the owner (PAGE_FWD),
 * which grants the page to the requester (PAGE_GRANT, with the data or
 * without if the requester has a valid copy), which confirms to the home
 * (CONFIRM). An upgrade of the owner's own read-only copy is granted by
 * the home without data.
 *
 * What the model adds, the design of issue 15 it checks before the code
 * has it:
 * - shadows: a node that loses a copy (a write transfer takes the
 *   owner's page, an INVAL the reader's) keeps the frame unmapped as a
 *   shadow; at each write's CONFIRM the home keeps one shadow of the
 *   version the writer started from and tells the other holders to drop
 *   theirs (DROP);
 * - epochs: a failure makes dsmd bump the epoch and re-home the dead
 *   node's pages; every message carries its sender's epoch; a home
 *   refuses a request of an older epoch than its own (NACK ESTALE with
 *   its epoch, as the code does: kmod/dsm_sc_epoch.c), a node drops any
 *   other message of an older epoch and holds one of a newer;
 * - recovery: each home, on learning the new epoch, rebuilds each of
 *   its pages' entries from what the live nodes answer to a DIR_QUERY
 *   (access, version, shadow): the writer if there is one, else the
 *   holders of read copies, else the newest shadow, promoted (PROMOTE);
 *   only with none of those is the page lost (NACK: SIGBUS). A node
 *   answering a query first moves to the query's epoch; a requester
 *   sends its request again, to the new home, when it learns the epoch.
 *
 * Checked (the asserts below): never two writable copies, nor a writable
 * and a readable one, among the live nodes; every copy holds the latest
 * version written; a recovered page is at least the newest version any
 * node received from another ("anything another node has seen
 * survives"), and a page is lost only if no node ever received it from
 * another; at the end, every live node's program finished every access
 * and no message is left unhandled (no deadlock). With -DNP and weak
 * fairness: no cycle without progress (livelock).
 *
 * Not modelled yet: partitions (a fenced minority), joins, more than
 * one failure, msync and write-back, HOME_XFER, timeouts.
 */

#define N	3
#ifndef NPAGES
#define NPAGES	2
#endif
#ifndef OPS
#define OPS	2
#endif
#ifndef QSZ
#define QSZ	10
#endif

#define NOBODY	255
#define NONE	0
#define READ	1
#define WRITE	2
#define I(n, p)	((n) * NPAGES + (p))
#define BIT(n)	(1 << (n))
#define ALL	(BIT(N) - 1)

mtype = { REQ, FWD, GRANT, INVAL, IACK, CONFIRM, NACK, DROP,
	  QUERY, QREPLY, PROMOTE };

/* type, sender, its epoch, page, access, node or shadow, version, flag */
chan inbox[N] = [QSZ] of { mtype, byte, byte, byte, byte, byte, byte, bit };

/* ---- the cluster: dsmd's view */
bit alive[N];
byte cur_epoch;		/* 0 before the failure, 1 after */
byte dead = NOBODY;
byte epoch[N];		/* the epoch each node's kernel has */

/* the home table: before the failure page p is homed on p % N */
#define HOME(p, e)	(((p) + ((e) != 0 && (p) % N == dead)) % N)

/* ---- each node's page state, index I(node, page) */
byte acc[N * NPAGES];	/* NONE, READ, WRITE */
byte val[N * NPAGES];	/* version of the mapped copy (acc > NONE) */
byte shv[N * NPAGES];	/* version of the shadow, NOBODY: none */
bit pend[N * NPAGES];	/* a request in flight */
byte pacc[N * NPAGES];	/* its access */
bit failed[N * NPAGES];	/* it ended in SIGBUS */

/* ---- each page's directory entry, at its home */
typedef dir_t {
	byte owner;
	byte copyset;	/* read copies, the owner excluded */
	bit busy;	/* a transaction in progress */
	byte cur;	/* its requester */
	byte cacc;	/* its access */
	byte acks;	/* INVAL_ACKs awaited */
	bit fwd_sent;
	byte shadow;	/* the node keeping the last write's shadow */
	bit lost;
	byte qmask;	/* nodes with a request queued */
	byte qacc[N];
	bit rebuilding;
	byte replies;	/* nodes that answered the DIR_QUERY */
	byte racc[N];
	byte rval[N];
	byte rshv[N];
};
dir_t dir[NPAGES];

/* ---- what the checks need */
byte ver[NPAGES];		/* latest version written (what a copy must hold) */
byte seen[NPAGES];		/* 1 + newest version a node received from
			 * another (0: none ever did) */
byte ops[N];		/* accesses left for each node's program */
bit waiting[N];		/* the program waits for an access ... */
byte wpage[N];		/* ... to this page ... */
byte wacc[N];		/* ... with this access */

inline send(s_to, s_t, s_e, s_p, s_a, s_x, s_v, s_f)
{
	if
	:: alive[s_to] -> inbox[s_to]!s_t, me, s_e, s_p, s_a, s_x, s_v, s_f
	:: else -> skip	/* a dead node's connection is gone */
	fi
}

inline req_send(r_p)
{
	send(HOME(r_p, epoch[me]), REQ, epoch[me], r_p, pacc[I(me, r_p)], 0, 0,
	     acc[I(me, r_p)] >= READ)
}

/* The program's access, once the page is here with the access it needs. */
inline use(u_p, u_w)
{
	if
	:: u_w == WRITE ->
		assert(acc[I(me, u_p)] == WRITE);
		ver[u_p]++;
		val[I(me, u_p)] = ver[u_p]
	:: else ->
		assert(acc[I(me, u_p)] >= READ && val[I(me, u_p)] == ver[u_p])
	fi;
	ops[me]--;
	waiting[me] = 0
}

/* ---- home: transactions */

inline fwd(p)
{
	dir[p].fwd_sent = 1;
	if
	:: dir[p].owner == dir[p].cur ->
		/* the owner asks (an upgrade of its read-only copy): no data */
		send(dir[p].cur, GRANT, epoch[me], p, dir[p].cacc, 0, 0, 0)
	:: else ->
		send(dir[p].owner, FWD, epoch[me], p, dir[p].cacc, dir[p].cur, 0,
		     dir[p].cacc == WRITE && (dir[p].copyset & BIT(dir[p].cur)))
	fi
}

inline begin(p, b_from, b_a)
{
	dir[p].busy = 1;
	dir[p].cur = b_from;
	dir[p].cacc = b_a;
	dir[p].fwd_sent = 0;
	dir[p].acks = 0;
	if
	:: b_a == WRITE ->
		dir[p].acks = dir[p].copyset & ~BIT(b_from) & ~BIT(dir[p].owner);
		k = 0;
		do
		:: k < N ->
			if
			:: dir[p].acks & BIT(k) ->
				send(k, INVAL, epoch[me], p, 0, 0, 0, 0)
			:: else -> skip
			fi;
			k++
		:: else -> break
		od
	:: else -> skip
	fi;
	if
	:: dir[p].acks == 0 -> fwd(p)
	:: else -> skip
	fi
}

/*
 * The transaction ended: begin the next one queued (lowest node first),
 * or, the page being lost, refuse them all.
 */
inline next(p)
{
	dir[p].busy = 0;
	k = 0;
	do
	:: k < N && dir[p].lost && (dir[p].qmask & BIT(k)) ->
		dir[p].qmask = dir[p].qmask & ~BIT(k);
		send(k, NACK, epoch[me], p, 0, 0, 0, 0);
		k++
	:: k < N && !dir[p].lost && (dir[p].qmask & BIT(k)) ->
		dir[p].qmask = dir[p].qmask & ~BIT(k);
		nx = k;
		na = dir[p].qacc[k];
		begin(p, nx, na);
		break
	:: k < N && !(dir[p].qmask & BIT(k)) -> k++
	:: k == N -> break
	od
}

/*
 * CONFIRM of a write: the nodes that lost their copy (the old owner, the
 * invalidated readers) hold shadows of the version the writer started
 * from; keep one, the old owner's if it lost one, and drop the rest and
 * any older shadow.
 */
inline confirm_write(p)
{
	losers = dir[p].copyset & ~BIT(dir[p].cur);
	if
	:: dir[p].owner != dir[p].cur -> losers = losers | BIT(dir[p].owner)
	:: else -> skip
	fi;
	if
	:: losers != 0 ->
		if
		:: dir[p].owner != dir[p].cur -> keep = dir[p].owner
		:: else ->
			keep = 0;
			do
			:: !(losers & BIT(keep)) -> keep++
			:: else -> break
			od
		fi;
		k = 0;
		do
		:: k < N ->
			if
			:: k != keep && k != dir[p].cur &&
			   ((losers & BIT(k)) || k == dir[p].shadow) ->
				send(k, DROP, epoch[me], p, 0, 0, 0, 0)
			:: else -> skip
			fi;
			k++
		:: else -> break
		od;
		dir[p].shadow = keep
	:: else -> skip	/* an upgrade nobody saw: the old shadow stays */
	fi;
	dir[p].owner = dir[p].cur;
	dir[p].copyset = 0
}

/* ---- recovery */

/* This node learns the new epoch: requests again, rebuilds its pages. */
inline learn()
{
	epoch[me] = cur_epoch;
	q = 0;
	do
	:: q < NPAGES ->
		if
		:: pend[I(me, q)] -> req_send(q)
		:: else -> skip
		fi;
		if
		:: HOME(q, epoch[me]) == me ->
			dir[q].busy = 0;
			dir[q].qmask = 0;	/* their senders send again */
			dir[q].rebuilding = 1;
			dir[q].replies = 0;
			k = 0;
			do
			:: k < N ->
				send(k, QUERY, epoch[me], q, 0, 0, 0, 0);
				k++
			:: else -> break
			od
		:: else -> skip
		fi;
		q++
	:: else -> break
	od
}

/* Every live node answered the DIR_QUERY for @p: rebuild the entry. */
inline rebuild(p)
{
	best = NOBODY;
	k = 0;
	do	/* the writer, if any */
	:: k < N ->
		if
		:: (dir[p].replies & BIT(k)) && dir[p].racc[k] == WRITE ->
			assert(best == NOBODY);
			best = k
		:: else -> skip
		fi;
		k++
	:: else -> break
	od;
	dir[p].copyset = 0;
	if
	:: best == NOBODY ->
		k = 0;
		do	/* else the read copies (all the same version) */
		:: k < N ->
			if
			:: (dir[p].replies & BIT(k)) && dir[p].racc[k] == READ ->
				if
				:: best == NOBODY -> best = k
				:: else ->
					assert(dir[p].rval[k] == dir[p].rval[best]);
					dir[p].copyset = dir[p].copyset | BIT(k)
				fi
			:: else -> skip
			fi;
			k++
		:: else -> break
		od
	:: else -> skip
	fi;
	dir[p].shadow = NOBODY;
	if
	:: best == NOBODY ->
		k = 0;
		do	/* else the newest shadow, promoted */
		:: k < N ->
			if
			:: (dir[p].replies & BIT(k)) && dir[p].rshv[k] != NOBODY &&
			   (best == NOBODY || dir[p].rshv[k] > dir[p].rshv[best]) ->
				best = k
			:: else -> skip
			fi;
			k++
		:: else -> break
		od;
		if
		:: best != NOBODY ->
			assert(dir[p].rshv[best] + 1 >= seen[p]);
			ver[p] = dir[p].rshv[best];	/* unseen writes are gone */
			send(best, PROMOTE, epoch[me], p, 0, 0, 0, 0)
		:: else ->
			assert(seen[p] == 0);	/* nobody ever got it */
			dir[p].lost = 1
		fi
	:: else ->
		assert(dir[p].rval[best] + 1 >= seen[p]);
		if
		:: dir[p].racc[best] == READ -> ver[p] = dir[p].rval[best]
		:: else -> skip	/* the writer may have written since */
		fi
	fi;
	dir[p].owner = best;
	dir[p].rebuilding = 0;
	next(p)
}

/* ---- a node: its program and its kernel's message handlers */

proctype node(byte me)
{
	mtype t;
	byte from, e, p, a, x, v, k, q, w, keep, losers, best, nx, na;
	bit f;

end:
	do
	/* the program: one access at a time (a step forward for -DNP) */
	:: alive[me] && ops[me] > 0 && !waiting[me] ->
progress:
	   atomic {
		select(p : 0 .. NPAGES - 1);
		select(w : READ .. WRITE);
		if
		:: !alive[me] -> skip	/* it failed meanwhile */
		:: alive[me] && acc[I(me, p)] >= w -> use(p, w)
		:: alive[me] && acc[I(me, p)] < w && failed[I(me, p)] ->
			ops[me]--	/* SIGBUS at once, as after a failure */
		:: alive[me] && acc[I(me, p)] < w && !failed[I(me, p)] ->
			waiting[me] = 1;
			wpage[me] = p;
			wacc[me] = w;
			if
			:: !pend[I(me, p)] ->
				pend[I(me, p)] = 1;
				pacc[I(me, p)] = w;
				req_send(p)
			:: else -> skip
			fi
		fi
	   }
	/* a request that ended in SIGBUS ends the access */
	:: atomic {
		alive[me] && waiting[me] && failed[I(me, wpage[me])] ->
		ops[me]--;
		waiting[me] = 0
	   }
	/* a read request answered while the program now writes */
	:: atomic {
		alive[me] && waiting[me] && !pend[I(me, wpage[me])] &&
		!failed[I(me, wpage[me])] &&
		acc[I(me, wpage[me])] < wacc[me] ->
		pend[I(me, wpage[me])] = 1;
		pacc[I(me, wpage[me])] = wacc[me];
		req_send(wpage[me])
	   }
	/* dsmd tells this node the new epoch */
	:: atomic { alive[me] && epoch[me] < cur_epoch -> learn() }
	/* a message */
	:: atomic {
		inbox[me]?t, from, e, p, a, x, v, f ->
		/*
		 * A newer epoch than this node's: it is held until dsmd
		 * pushes that epoch here (a bounded wait in the code),
		 * which is the same as learning it first.
		 */
		if
		:: alive[me] && e > epoch[me] -> learn()
		:: else -> skip
		fi;
		if
		:: !alive[me] -> skip	/* lost with the node */
		:: alive[me] && e < epoch[me] ->
			/*
			 * Stale. A request is refused with this node's epoch
			 * (NACK, flag ESTALE); the requester takes that epoch
			 * before it handles the NACK (held, above), and
			 * learn() sent its request again. Anything else is
			 * dropped.
			 */
			if
			:: t == REQ -> send(from, NACK, epoch[me], p, 0, 0, 0, 1)
			:: else -> skip
			fi
		:: alive[me] && e == epoch[me] ->
			if
			:: t == REQ ->
				assert(HOME(p, e) == me);
				if
				:: dir[p].lost ->
					send(from, NACK, epoch[me], p, 0, 0, 0, 0)
				:: !dir[p].lost && (dir[p].busy || dir[p].rebuilding) ->
					assert(!(dir[p].qmask & BIT(from)));
					dir[p].qmask = dir[p].qmask | BIT(from);
					dir[p].qacc[from] = a
				:: !dir[p].lost && !dir[p].busy && !dir[p].rebuilding ->
					begin(p, from, a)
				fi
			:: t == FWD ->
				/* the owner serves the requester x */
				assert(acc[I(me, p)] >= READ && x != me);
				if
				:: a == WRITE ->
					acc[I(me, p)] = NONE;
					shv[I(me, p)] = val[I(me, p)];
					send(x, GRANT, epoch[me], p, WRITE, 0,
					     val[I(me, p)], !f)
				:: else ->
					acc[I(me, p)] = READ;
					send(x, GRANT, epoch[me], p, READ, 0,
					     val[I(me, p)], 1)
				fi
			:: t == GRANT ->
				assert(pend[I(me, p)] && a == pacc[I(me, p)]);
				if
				:: f ->
					val[I(me, p)] = v;
					if
					:: v + 1 > seen[p] -> seen[p] = v + 1
					:: else -> skip
					fi
				:: else -> assert(acc[I(me, p)] >= READ)
				fi;
				acc[I(me, p)] = a;
				shv[I(me, p)] = NOBODY;	/* the frame is live again */
				pend[I(me, p)] = 0;
				send(HOME(p, e), CONFIRM, epoch[me], p, a, 0, 0, 0);
				/* grant_hold_us: the waiting access uses it first */
				if
				:: waiting[me] && wpage[me] == p && a >= wacc[me] ->
					use(p, wacc[me])
				:: else -> skip
				fi
			:: t == INVAL ->
				if
				:: acc[I(me, p)] >= READ ->
					shv[I(me, p)] = val[I(me, p)];
					acc[I(me, p)] = NONE
				:: else -> skip
				fi;
				send(from, IACK, epoch[me], p, 0, 0, 0, 0)
			:: t == IACK ->
				assert(dir[p].busy && (dir[p].acks & BIT(from)));
				dir[p].acks = dir[p].acks & ~BIT(from);
				if
				:: dir[p].acks == 0 && !dir[p].fwd_sent -> fwd(p)
				:: else -> skip
				fi
			:: t == CONFIRM ->
				assert(dir[p].busy && dir[p].cur == from &&
				       dir[p].cacc == a);
				if
				:: a == WRITE -> confirm_write(p)
				:: else ->
					if
					:: from != dir[p].owner ->
						dir[p].copyset = dir[p].copyset | BIT(from)
					:: else -> skip
					fi
				fi;
				next(p)
			:: t == NACK && f ->
				/* ESTALE: sent again when learning the epoch */
				skip
			:: t == NACK && !f ->
				pend[I(me, p)] = 0;
				failed[I(me, p)] = 1
			:: t == DROP ->
				if
				:: acc[I(me, p)] == NONE -> shv[I(me, p)] = NOBODY
				:: else -> skip
				fi
			:: t == QUERY ->
				send(from, QREPLY, epoch[me], p, acc[I(me, p)],
				     shv[I(me, p)], val[I(me, p)], 0)
			:: t == QREPLY ->
				assert(dir[p].rebuilding);
				dir[p].replies = dir[p].replies | BIT(from);
				dir[p].racc[from] = a;
				dir[p].rshv[from] = x;
				dir[p].rval[from] = v;
				if
				:: (dir[p].replies & ALL) == (ALL & ~BIT(dead)) ->
					rebuild(p)
				:: else -> skip
				fi
			:: t == PROMOTE ->
				assert(acc[I(me, p)] == NONE &&
				       shv[I(me, p)] != NOBODY);
				acc[I(me, p)] = READ;
				val[I(me, p)] = shv[I(me, p)];
				shv[I(me, p)] = NOBODY
			fi
		fi
	   }
	od
}

/* At most one node fails, at any moment. */
proctype failure()
{
	byte k, p;

	if
	:: skip
	:: atomic {
		select(k : 0 .. N - 1);
		alive[k] = 0;
		dead = k;
		waiting[k] = 0;
		p = 0;
		do
		:: p < NPAGES ->
			acc[I(k, p)] = NONE;
			shv[I(k, p)] = NOBODY;
			pend[I(k, p)] = 0;
			p++
		:: else -> break
		od;
		cur_epoch = 1
	   }
	fi
}

/* In every reachable state: one writer or readers, all of the latest. */
active proctype coherent()
{
	byte k, p, writers, readers;

	atomic {
		p = 0;
		do
		:: p < NPAGES ->
			writers = 0;
			readers = 0;
			k = 0;
			do
			:: k < N ->
				if
				:: alive[k] && acc[I(k, p)] == WRITE -> writers++
				:: alive[k] && acc[I(k, p)] == READ -> readers++
				:: else -> skip
				fi;
				assert(!alive[k] || acc[I(k, p)] == NONE ||
				       val[I(k, p)] == ver[p]);
				k++
			:: else -> break
			od;
			assert(writers <= 1 && !(writers == 1 && readers > 0));
			p++
		:: else -> break
		od
	}
}

/* When nothing can move: every live program done, nothing in flight. */
active proctype finished()
{
	byte k;

	timeout ->
	atomic {
		k = 0;
		do
		:: k < N ->
			assert(!alive[k] || (ops[k] == 0 && !waiting[k]));
			assert(!alive[k] || len(inbox[k]) == 0);
			k++
		:: else -> break
		od
	}
}

init
{
	byte k, p;

	atomic {
		k = 0;
		do
		:: k < N ->
			alive[k] = 1;
			ops[k] = OPS;
			p = 0;
			do
			:: p < NPAGES ->
				shv[I(k, p)] = NOBODY;
				if	/* a page starts at its home, writable */
				:: p % N == k -> acc[I(k, p)] = WRITE
				:: else -> skip
				fi;
				p++
			:: else -> break
			od;
			k++
		:: else -> break
		od;
		p = 0;
		do
		:: p < NPAGES ->
			dir[p].owner = p % N;
			dir[p].shadow = NOBODY;
			p++
		:: else -> break
		od;
		k = 0;
		do
		:: k < N -> run node(k); k++
		:: else -> break
		od;
		run failure()
	}
}
