/*
 * dsm_sc.pml - a model of sc's directory protocol, with the failure
 * handling of issue 15, for the spin model checker (`make model`;
 * Documentation/model.md says what it checks and how it maps to the
 * code).
 *
 * N nodes, NPAGES pages, each node's program making OPS accesses (reads or
 * writes of any page), and FAILURES node failures (1 by default: at any
 * moment; with 2, a second one at any moment after the first's recovery
 * ended).
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
 * The failure handling of issue 15 (kmod/dsm_sc_shadow.c, dsm_sc_rehome.c,
 * dsm_sc_epoch.c, dsm_sc_writeback.c):
 * - shadows: a node that loses a copy (a write transfer takes the
 *   owner's page, an INVAL the reader's) keeps the frame unmapped as a
 *   shadow; at each write's CONFIRM the home keeps one shadow of the
 *   version the writer started from and tells the other holders of
 *   older shadows to drop theirs (DROP: kmod/dsm_sc_drop.c, wire
 *   version 12);
 * - version tags: the home counts each page's transactions (PAGE_FWD,
 *   or its own grant) and they carry the count; every frame is tagged
 *   (ver, sync): the version of the transaction that last filled or
 *   emptied it, and how many pushes its owner made since;
 * - msync and the write-back: an owner holding a page written since its
 *   last push (or marked for re-replication) may push it, at any moment,
 *   to its shadow holder (the node that gave it the page, else the next
 *   live node): SHADOW_PUSH with the content and the tag (ver, sync + 1);
 *   the holder stores it only into a frame it has no access to and only
 *   if the tag is newer, and answers SHADOW_ACK (also when its frame is
 *   as new or newer: it holds that content already); a newer push to a
 *   copy with access is refused (NACK EBUSY) and pushed again later.
 *   "msync returned" is the SHADOW_ACK. A push the failure stops (its
 *   holder died, or it or its ack went stale) fails when the pusher
 *   learns the epoch, and is pushed again;
 * - epochs: a failure makes dsmd bump the epoch and re-home the dead
 *   node's pages; every message carries its sender's epoch; a home
 *   refuses a request of an older epoch than its own (NACK ESTALE with
 *   its epoch, as the code does: kmod/dsm_sc_epoch.c), a node drops any
 *   other message of an older epoch and holds one of a newer;
 * - recovery: each home, on learning the new epoch, rebuilds each of
 *   its pages' entries from what the live nodes answer to a DIR_QUERY
 *   (access, frame, its tag): the writer if there is one, else the
 *   holders of read copies, else the frame with the newest tag (ver,
 *   then sync: sc_tag_newer()), promoted (PROMOTE); only with none of
 *   those is the page lost (NACK: SIGBUS). A node answering a query
 *   first moves to the query's epoch; a requester sends its request
 *   again, to the new home, when it learns the epoch;
 * - re-replication: a node learning that a node died marks each page it
 *   owns whose pushes went to the dead node (given here by it, or
 *   pushed) to be pushed again (sc_shadow_pg_node_down()), and each read
 *   copy whose peers (the nodes known to hold its content: the granter,
 *   the nodes served since, the holder of an acked push) named the dead
 *   node and name no live one; a node answering a DIR_QUERY marks its
 *   tagged shadow whose peers are all dead (sc_shadow_copy_alone()). A
 *   marked copy is pushed with its own tag (ver, sync), sync maybe 0
 *   (wire version 11); a holder with access answers EBUSY, which counts
 *   as stored for a copy.
 *
 * Checked (the asserts below): never two writable copies, nor a writable
 * and a readable one, among the live nodes; every copy holds the latest
 * version written; a recovered page is at least the newest version any
 * node received from another in a grant ("anything another node has
 * seen survives") and at least the newest version whose push was acked
 * ("anything made durable survives": msync returned, then the pusher or
 * anyone died); a page is lost only if neither happened; frames with the
 * same tag hold the same content; with two failures, what was made
 * durable before the first by an owner that survived it survives the
 * second once that owner has nothing of the page left to push (its
 * re-push was acked), and so does what another node had seen before the
 * first, held at the second by a live read copy or shadow with nothing
 * left to push (unless its peers name a live node that lacks it: the
 * model has no refusals, -DSTRICT_PEERS); at the end, every live node's program
 * finished every access and no message is left unhandled (no deadlock).
 * With -DNP and weak fairness: no cycle without progress (livelock).
 *
 * With -DPARTITION the first failure is a partition: the node is cut off
 * and runs on what it holds until it fences itself, before the majority
 * declares it down (the fence's timing, assumed).
 *
 * Not modelled yet: a partition's heal (the node rejoins as a new
 * incarnation: a join), joins and leaves,
 * more than two failures or a second one during the first's recovery,
 * HOME_XFER, timeouts (but a push the failure stops fails), several
 * pushes of one page in flight at once, a push overtaken by a message
 * another node sent later (one FIFO per receiver here; the code orders
 * only between two nodes), lrc.
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
#ifndef FAILURES
#define FAILURES	1	/* 2: a second one after the first's recovery */
#endif

#define NOBODY	255
#define NONE	0
#define READ	1
#define WRITE	2
#define I(n, p)	((n) * NPAGES + (p))
#define BIT(n)	(1 << (n))
#define ALL	(BIT(N) - 1)

mtype = { REQ, FWD, GRANT, INVAL, IACK, CONFIRM, NACK, DROP,
	  QUERY, QREPLY, PROMOTE, PUSH, PACK };

/*
 * type, sender, its epoch, page, access, node or tag version, version
 * (content), flag, tag sync
 */
chan inbox[N] = [QSZ] of { mtype, byte, byte, byte, byte, byte, byte, bit,
			   byte };

/* ---- the cluster: dsmd's view */
bit alive[N];
#ifdef PARTITION
/*
 * -DPARTITION: the first failure is a partition. The node is cut off
 * (no message goes to it or from it), goes on running on what it holds,
 * then fences itself (its page state dropped: the code's fence and its
 * rejoin as a new incarnation) before the majority declares it down:
 * the fence comes half a dead timeout after it last heard the majority,
 * the declaration a dead timeout after (Documentation/failures.md), the
 * one assumption on time the model makes.
 */
bit cut[N];
#define REACHES(a, b)	(!cut[a] && !cut[b])
#else
#define REACHES(a, b)	1
#endif
byte cur_epoch;		/* 0 before any failure, then one more per failure */
byte down[N];		/* the epoch that declared the node down, 0: none */
byte epoch[N];		/* the epoch each node's kernel has */

/* Is node k a live member in the table of epoch e? */
#define LIVE_IN(k, e)	(down[k] == 0 || down[k] > (e))
#define LIVE_MASK(e)	(LIVE_IN(0, e) + 2 * LIVE_IN(1, e) + 4 * LIVE_IN(2, e))
/*
 * The home table: before any failure page p is homed on p % N; a dead
 * node's pages go to the next live node. (No conditional expressions:
 * spin 6.5 crashes on them in an inline's arguments.)
 */
#define HOME(p, e)	(((p) % N + !LIVE_IN((p) % N, e) * \
			  (1 + !LIVE_IN(((p) + 1) % N, e))) % N)

/* sc_tag_newer(): is tag (v1, s1) newer than (v2, s2)? */
#define NEWER(v1, s1, v2, s2)	((v1) > (v2) || ((v1) == (v2) && (s1) > (s2)))

/* ---- each node's page state, index I(node, page) */
byte acc[N * NPAGES];	/* NONE, READ, WRITE */
byte val[N * NPAGES];	/* version of the mapped copy (acc > NONE) */
byte shv[N * NPAGES];	/* version of the shadow, NOBODY: none */
bit pend[N * NPAGES];	/* a request in flight */
byte pacc[N * NPAGES];	/* its access */
bit failed[N * NPAGES];	/* it ended in SIGBUS */
/*
 * The frame's version tag (struct sc_pg ver, sync): the version of the
 * transaction that last filled or emptied it, and how many pushes its
 * owner made since; (0, 0) with no frame. A frame is the mapped copy
 * (acc > NONE, val) or the shadow (shv).
 */
byte tv[N * NPAGES];
byte ts[N * NPAGES];
bit dirty[N * NPAGES];	/* owner: written since its last push */
/*
 * Re-replication: push the frame again, written or not. An owner: its
 * push holder died. A read copy or a shadow: every node known to hold
 * its content (peers) died; it goes with its own tag.
 */
bit repush[N * NPAGES];
bit psh[N * NPAGES];	/* a push in flight (its SHADOW_ACK awaited) */
bit prp[N * NPAGES];	/* ... and it was a re-replication (marked again
			 * if it fails) */
/*
 * struct sc_pg.peers of a read copy or a shadow: the nodes known to hold
 * a frame of its content (the granter, the nodes it was served to since,
 * the holder of an acked push, the pusher of a stored one). Never read
 * while the frame is writable (serving resets it then): kept 0 there.
 */
byte peers[N * NPAGES];
/* A push stored the shadow (the home does not know it: DROP spares it). */
bit pst[N * NPAGES];
byte sat[N * NPAGES];	/* owner: who gave it the page (shadow_at) */

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
	byte tver;	/* the page's transactions (struct dsm_dir.ver) */
	bit lost;
	byte qmask;	/* nodes with a request queued */
	byte qacc[N];
	bit rebuilding;
	byte replies;	/* nodes that answered the DIR_QUERY */
	byte racc[N];
	byte rval[N];	/* the frame's content, NOBODY: no frame */
	byte rtv[N];	/* its tag */
	byte rts[N];
};
dir_t dir[NPAGES];

/* ---- what the checks need */
byte ver[NPAGES];		/* latest version written (what a copy must hold) */
byte seen[NPAGES];		/* 1 + newest version a node received from
			 * another in a grant (0: none ever did) */
byte dur[NPAGES];		/* 1 + newest version whose push was acked
			 * ("msync returned"; 0: none) */
#if FAILURES > 1
byte durby[NPAGES];		/* whose msync returned for it */
bit dure[NPAGES];		/* it returned after the first failure */
bit own1[NPAGES];		/* it was the owner's, alive after the first */
bit claim[NPAGES];		/* the next rebuild must keep dur */
byte seen1[NPAGES];		/* seen at the first failure */
byte cclaim[NPAGES];		/* 1 + the newest version of those a live
				 * copy held with nothing left to push at
				 * the second failure: its rebuild must keep
				 * it (0: none) */
#endif
byte ops[N];		/* accesses left for each node's program */
bit waiting[N];		/* the program waits for an access ... */
byte wpage[N];		/* ... to this page ... */
byte wacc[N];		/* ... with this access */

inline sendt(s_to, s_t, s_e, s_p, s_a, s_x, s_v, s_f, s_s)
{
	if
	:: alive[s_to] && REACHES(me, s_to) ->
		inbox[s_to]!s_t, me, s_e, s_p, s_a, s_x, s_v, s_f, s_s
	:: else -> skip	/* a dead or cut off node's connection is gone */
	fi
}

inline send(s_to, s_t, s_e, s_p, s_a, s_x, s_v, s_f)
{
	sendt(s_to, s_t, s_e, s_p, s_a, s_x, s_v, s_f, 0)
}

/*
 * sc_push_target_in(): where this node's pushes of page t_p go in the
 * table of epoch t_e, into @to: the node that gave it the page (which
 * kept its frame), else the next live node in id order
 * (dsm_backup_of()); NOBODY if none.
 */
inline target(t_p, t_e)
{
	if
	:: sat[I(me, t_p)] != NOBODY && sat[I(me, t_p)] != me &&
	   LIVE_IN(sat[I(me, t_p)], t_e) -> to = sat[I(me, t_p)]
	:: else ->
		if
		:: LIVE_IN((me + 1) % N, t_e) -> to = (me + 1) % N
		:: !LIVE_IN((me + 1) % N, t_e) && LIVE_IN((me + 2) % N, t_e) ->
			to = (me + 2) % N
		:: else -> to = NOBODY
		fi
	fi
}

/*
 * sc_push_wanted() for msync and the write-back: owned and written, or
 * any frame marked for re-replication, and another live member to push
 * to (sc_walk_begin()).
 */
#define WANT(n, p)	(alive[n] && !psh[I(n, p)] && \
			 (repush[I(n, p)] || \
			  (acc[I(n, p)] == WRITE && dirty[I(n, p)])) && \
			 (LIVE_IN(((n) + 1) % N, epoch[n]) || \
			  LIVE_IN(((n) + 2) % N, epoch[n])))

/*
 * msync or the write-back pass pushes page p (sc_push_take()) to its
 * shadow holder. Owned here and written since its last push (or marked
 * to be pushed again): SHADOW_PUSH with the content and the tag (ver,
 * sync + 1); the page is write-protected, the next write marks it
 * written again. A read copy or a shadow marked for re-replication: its
 * own tag (ver, sync), sync maybe 0 (wire version 11). The access field
 * says which (1: a copy), and the ack echoes it.
 */
inline push(u_p)
{
	if
	:: acc[I(me, u_p)] == WRITE ->
		dirty[I(me, u_p)] = 0;
		ts[I(me, u_p)]++;
		v = val[I(me, u_p)]
	:: acc[I(me, u_p)] == READ -> v = val[I(me, u_p)]
	:: acc[I(me, u_p)] == NONE -> v = shv[I(me, u_p)]
	fi;
	prp[I(me, u_p)] = repush[I(me, u_p)];
	repush[I(me, u_p)] = 0;
	psh[I(me, u_p)] = 1;
	target(u_p, epoch[me]);
	sendt(to, PUSH, epoch[me], u_p, acc[I(me, u_p)] != WRITE,
	      tv[I(me, u_p)], v, 0, ts[I(me, u_p)]);
	to = 0;
	v = 0
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
		val[I(me, u_p)] = ver[u_p];
		dirty[I(me, u_p)] = 1	/* page_mkwrite */
	:: else ->
		assert(acc[I(me, u_p)] >= READ && val[I(me, u_p)] == ver[u_p])
	fi;
	ops[me]--;
	waiting[me] = 0
}

/* ---- home: transactions */

/* A transaction's PAGE_FWD or grant by the home: the page's next version. */
inline fwd(p)
{
	dir[p].fwd_sent = 1;
	dir[p].tver++;
	if
	:: dir[p].owner == dir[p].cur ->
		/* the owner asks (an upgrade of its read-only copy): no data */
		send(dir[p].cur, GRANT, epoch[me], p, dir[p].cacc, dir[p].tver, 0,
		     0)
	:: else ->
		send(dir[p].owner, FWD, epoch[me], p, dir[p].cacc, dir[p].cur,
		     dir[p].tver,
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
				send(k, DROP, epoch[me], p, 0, 0, dir[p].tver, 0)
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

/*
 * This node learns the new epoch: requests again, rebuilds its pages.
 * Its pushes in flight fail (their holder died, or drops them as stale,
 * or the pusher drops their ack as stale: the code's timeout), and the
 * pages are pushed again. Re-replication (sc_shadow_pg_node_down()): a
 * page it owns whose push holder in the old table was the node just
 * declared down, and that was given here or pushed, is marked to be
 * pushed again.
 */
inline learn()
{
	oe = epoch[me];
	epoch[me] = cur_epoch;
	q = 0;
	do
	:: q < NPAGES ->
		if
		:: pend[I(me, q)] -> req_send(q)
		:: else -> skip
		fi;
		if	/* sc_push_wait(): marked again if it was marked */
		:: psh[I(me, q)] ->
			psh[I(me, q)] = 0;
			dirty[I(me, q)] = acc[I(me, q)] == WRITE;
			repush[I(me, q)] = repush[I(me, q)] | prp[I(me, q)];
			prp[I(me, q)] = 0
		:: else -> skip
		fi;
		target(q, oe);
		if
		:: to != NOBODY && down[to] > oe && down[to] <= cur_epoch &&
		   acc[I(me, q)] == WRITE && !repush[I(me, q)] &&
		   (ts[I(me, q)] > 0 || sat[I(me, q)] == to) ->
			repush[I(me, q)] = 1
		:: acc[I(me, q)] == READ && !repush[I(me, q)] &&
		   (peers[I(me, q)] & LIVE_MASK(oe) & ~LIVE_MASK(cur_epoch)) &&
		   (peers[I(me, q)] & LIVE_MASK(cur_epoch)) == 0 ->
			/* a read copy whose sharers all died */
			repush[I(me, q)] = 1
		:: else -> skip
		fi;
		to = 0;
		if
		:: HOME(q, epoch[me]) == me ->
			if	/* a new home knows no version: the rebuild's */
			:: HOME(q, oe) != me -> dir[q].tver = 0
			:: else -> skip
			fi;
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
	od;
	oe = 0
}

/*
 * What a rebuild must keep: what was made durable, as the failure
 * claimed it (every time with one failure); what another node has seen,
 * at the first failure only (a second one may kill the only copy left,
 * a promoted shadow: Documentation/sc.md "Shadows and msync").
 */
#if FAILURES > 1
#define CLAIMED(p)	claim[p]
#define COPYCLAIM(p)	cclaim[p]	/* 0 until the second failure */
#else
#define CLAIMED(p)	1
#define COPYCLAIM(p)	0
#endif
#define SEEN(p)		(epoch[me] == 1)

/*
 * Every live node answered the DIR_QUERY for @p: rebuild the entry
 * (sc_rh_note(), sc_rh_decide()).
 */
inline rebuild(p)
{
	best = NOBODY;
	k = 0;
	do	/* the writer, if any; the greatest version reported */
	:: k < N ->
		if
		:: (dir[p].replies & BIT(k)) && dir[p].racc[k] == WRITE ->
			assert(best == NOBODY);
			best = k
		:: else -> skip
		fi;
		if
		:: (dir[p].replies & BIT(k)) && dir[p].rval[k] != NOBODY &&
		   dir[p].rtv[k] > dir[p].tver ->
			dir[p].tver = dir[p].rtv[k]
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
		do	/* else the newest shadow (greatest tag), promoted */
		:: k < N ->
			if
			:: (dir[p].replies & BIT(k)) && dir[p].rval[k] != NOBODY &&
			   (best == NOBODY ||
			    NEWER(dir[p].rtv[k], dir[p].rts[k],
				  dir[p].rtv[best], dir[p].rts[best])) ->
				best = k
			:: (dir[p].replies & BIT(k)) && dir[p].rval[k] != NOBODY &&
			   best != NOBODY && dir[p].rtv[k] == dir[p].rtv[best] &&
			   dir[p].rts[k] == dir[p].rts[best] ->
				/* one tag, one content (sc_push_take()) */
				assert(dir[p].rval[k] == dir[p].rval[best])
			:: else -> skip
			fi;
			k++
		:: else -> break
		od;
		if
		:: best != NOBODY ->
			assert(!SEEN(p) || dir[p].rval[best] + 1 >= seen[p]);
			/* anything made durable survives */
			assert(!CLAIMED(p) || dir[p].rval[best] + 1 >= dur[p]);
			/* so does a copy re-replicated (two failures) */
			assert(dir[p].rval[best] + 1 >= COPYCLAIM(p));
			ver[p] = dir[p].rval[best];	/* unseen writes are gone */
			send(best, PROMOTE, epoch[me], p, 0, 0, 0, 0)
		:: else ->
			assert(!SEEN(p) || seen[p] == 0);	/* nobody got it */
			assert(!CLAIMED(p) || dur[p] == 0);
			assert(COPYCLAIM(p) == 0);
			dir[p].lost = 1
		fi
	:: else ->
		/*
		 * A writer goes on writing while its home rebuilds (nothing
		 * is transferred meanwhile): what it keeps is its frame now,
		 * msync'ed writes after its answer included, not the content
		 * it answered. One that died since it answered is judged at
		 * the rebuild its node-down starts.
		 */
		if
		:: dir[p].racc[best] == WRITE && alive[best] ->
			assert(acc[I(best, p)] == WRITE);
			k = val[I(best, p)]
		:: dir[p].racc[best] == WRITE && !alive[best] ->
			k = NOBODY
		:: else ->
			k = dir[p].rval[best]
		fi;
		if
		:: k != NOBODY ->
			assert(!SEEN(p) || k + 1 >= seen[p]);
			assert(!CLAIMED(p) || k + 1 >= dur[p]);
			assert(k + 1 >= COPYCLAIM(p))
		:: else -> skip
		fi;
		if
		:: dir[p].racc[best] == READ -> ver[p] = dir[p].rval[best]
		:: else -> skip	/* the writer may have written since */
		fi
	fi;
	dir[p].owner = best;
	dir[p].rebuilding = 0;
	k = 0;
	do	/* the answers are not needed any more (fewer states) */
	:: k < N ->
		dir[p].racc[k] = 0;
		dir[p].rval[k] = 0;
		dir[p].rtv[k] = 0;
		dir[p].rts[k] = 0;
		k++
	:: else -> break
	od;
	dir[p].replies = 0;
	next(p)
}

/* ---- a node: its program and its kernel's message handlers */

proctype node(byte me)
{
	mtype t;
	byte from, e, p, a, x, v, sy, k, q, w, oe, to, keep, losers, best, nx,
	     na;
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
	/* msync or the write-back pushes a page (at any moment) */
	:: atomic { WANT(me, 0) -> push(0) }
#if NPAGES > 1
	:: atomic { WANT(me, 1) -> push(1) }
#endif
	/* a message */
	:: atomic {
		inbox[me]?t, from, e, p, a, x, v, f, sy ->
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
				/*
				 * The frame holds the page as of version v
				 * (sc_tag_served()), and so will x's; what
				 * the others had may be older if it was
				 * writable here. A mark stays (the code's).
				 */
				tv[I(me, p)] = v;
				ts[I(me, p)] = 0;
				dirty[I(me, p)] = 0;
				pst[I(me, p)] = 0;
				if
				:: a == WRITE || acc[I(me, p)] == WRITE ->
					peers[I(me, p)] = BIT(x)
				:: else ->
					peers[I(me, p)] = peers[I(me, p)] | BIT(x)
				fi;
				if
				:: a == WRITE ->
					acc[I(me, p)] = NONE;
					shv[I(me, p)] = val[I(me, p)];
					send(x, GRANT, epoch[me], p, WRITE, v,
					     val[I(me, p)], !f)
				:: else ->
					acc[I(me, p)] = READ;
					send(x, GRANT, epoch[me], p, READ, v,
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
					fi;
					/* new content, which its sender kept */
					repush[I(me, p)] = 0;
					pst[I(me, p)] = 0;
					peers[I(me, p)] = BIT(from)
				:: else -> assert(acc[I(me, p)] >= READ)
				fi;
				if
				:: a == WRITE -> peers[I(me, p)] = 0	/* not read */
				:: else -> skip
				fi;
				acc[I(me, p)] = a;
				shv[I(me, p)] = NOBODY;	/* the frame is live again */
				tv[I(me, p)] = x;	/* as of version x, not written */
				ts[I(me, p)] = 0;
				dirty[I(me, p)] = 0;
				if	/* its giver kept the frame: msync's target */
				:: a == WRITE && from != me -> sat[I(me, p)] = from
				:: else -> skip
				fi;
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
				/*
				 * sc_drop_keep(): only a shadow older than the
				 * write's version v; not one a push stored
				 * (sync > 0, or a copy's push, maybe sync 0):
				 * the home does not track those; not one
				 * marked for re-replication. (The code also
				 * keeps a frame while a request of its node
				 * is in flight: keeping one more frame is
				 * always allowed.)
				 */
				if
				:: acc[I(me, p)] == NONE && ts[I(me, p)] == 0 &&
				   !pst[I(me, p)] && !repush[I(me, p)] &&
				   tv[I(me, p)] < v ->
					shv[I(me, p)] = NOBODY;
					tv[I(me, p)] = 0;
					peers[I(me, p)] = 0
				:: else -> skip
				fi
			:: t == QUERY ->
				/*
				 * sc_shadow_copy_alone(): a tagged shadow whose
				 * sharers all died is marked to be pushed.
				 */
				if
				:: acc[I(me, p)] == NONE && shv[I(me, p)] != NOBODY &&
				   !repush[I(me, p)] && tv[I(me, p)] > 0 &&
				   peers[I(me, p)] != 0 &&
				   (peers[I(me, p)] & LIVE_MASK(epoch[me])) == 0 ->
					repush[I(me, p)] = 1
				:: else -> skip
				fi;
				/* access, frame (content, NOBODY: none), tag */
				if
				:: acc[I(me, p)] > NONE -> v = val[I(me, p)]
				:: else -> v = shv[I(me, p)]
				fi;
				sendt(from, QREPLY, epoch[me], p, acc[I(me, p)],
				      tv[I(me, p)], v, 0, ts[I(me, p)])
			:: t == QREPLY ->
				assert(dir[p].rebuilding);
				dir[p].replies = dir[p].replies | BIT(from);
				dir[p].racc[from] = a;
				dir[p].rval[from] = v;
				dir[p].rtv[from] = x;
				dir[p].rts[from] = sy;
				if
				:: (dir[p].replies & ALL) == LIVE_MASK(epoch[me]) ->
					rebuild(p)
				:: else -> skip
				fi
			:: t == PROMOTE ->
				assert(acc[I(me, p)] == NONE &&
				       shv[I(me, p)] != NOBODY);
				acc[I(me, p)] = READ;
				val[I(me, p)] = shv[I(me, p)];
				shv[I(me, p)] = NOBODY
			:: t == PUSH ->
				/*
				 * sc_shadow_store(): into a frame this node
				 * has no access to, if the tag is newer; a
				 * frame as new or newer holds it already.
				 * The answer echoes a (1: a copy's push).
				 */
				if
				:: NEWER(x, sy, tv[I(me, p)], ts[I(me, p)]) &&
				   acc[I(me, p)] != NONE ->
					sendt(from, PACK, epoch[me], p, a, x, v, 1,
					      sy)	/* NACK EBUSY */
				:: NEWER(x, sy, tv[I(me, p)], ts[I(me, p)]) &&
				   acc[I(me, p)] == NONE ->
					shv[I(me, p)] = v;
					tv[I(me, p)] = x;
					ts[I(me, p)] = sy;
					peers[I(me, p)] = BIT(from);
					repush[I(me, p)] = 0;
					pst[I(me, p)] = 1;
					sendt(from, PACK, epoch[me], p, a, x, v, 0,
					      sy)
				:: else ->
					sendt(from, PACK, epoch[me], p, a, x, v, 0,
					      sy)
				fi
			:: t == PACK ->
				assert(psh[I(me, p)]);
				psh[I(me, p)] = 0;
				if
				:: f && !a ->	/* pushed again next time */
					dirty[I(me, p)] = acc[I(me, p)] == WRITE;
					repush[I(me, p)] = repush[I(me, p)] |
							   prp[I(me, p)]
				:: f && a ->	/* EBUSY: the holder has a copy */
					skip
				:: else -> skip
				fi;
				if	/* the holder has this content now */
				:: (!f || a) && tv[I(me, p)] == x &&
				   acc[I(me, p)] != WRITE ->
					peers[I(me, p)] = peers[I(me, p)] | BIT(from)
				:: else -> skip
				fi;
				prp[I(me, p)] = 0;
				if
				:: f || a -> skip
				:: else ->	/* an owner's msync returned */
					if
					:: v + 1 >= dur[p] ->
						dur[p] = v + 1;
#if FAILURES > 1
						durby[p] = me;
						dure[p] = epoch[me] > 0
#else
						skip
#endif
					:: else -> skip
					fi
				fi
			fi
		fi
	   }
	od
}

/* Node k dies: its state goes, and dsmd declares it down (a new epoch). */
inline die(k)
{
	alive[k] = 0;
	waiting[k] = 0;
	p = 0;
	do
	:: p < NPAGES ->
		acc[I(k, p)] = NONE;
		shv[I(k, p)] = NOBODY;
		pend[I(k, p)] = 0;
		tv[I(k, p)] = 0;
		ts[I(k, p)] = 0;
		dirty[I(k, p)] = 0;
		repush[I(k, p)] = 0;
		psh[I(k, p)] = 0;
		prp[I(k, p)] = 0;
		peers[I(k, p)] = 0;
		pst[I(k, p)] = 0;
		sat[I(k, p)] = NOBODY;
		p++
	:: else -> break
	od;
	cur_epoch++;
	down[k] = cur_epoch
}

#if FAILURES > 1
/* The first failure's recovery ended: every live node has its epoch. */
#if NPAGES > 1
#define REBUILT	(!dir[0].rebuilding && !dir[1].rebuilding)
#else
#define REBUILT	(!dir[0].rebuilding)
#endif
#define RECOVERED	((!alive[0] || epoch[0] == cur_epoch) && \
			 (!alive[1] || epoch[1] == cur_epoch) && \
			 (!alive[2] || epoch[2] == cur_epoch) && REBUILT)
/*
 * Node n still owns page p, and has nothing of it to push, nor a push in
 * flight.
 */
#define CLEAN(n, p)	(acc[I(n, p)] == WRITE && !psh[I(n, p)] && \
			 !dirty[I(n, p)] && !repush[I(n, p)])
/* Node n's copy of page p has nothing left to push, nor a push in flight. */
#define COPYDONE(n, p)	(!psh[I(n, p)] && !repush[I(n, p)])
/*
 * Node n's copy of page p (content c) names in its peers live node m,
 * which holds no frame of c or newer: a grant of it that m never
 * installed (in the model, dropped as stale after the first failure; in
 * the code, refused once its request expired, which takes m out of the
 * owner's peers: sc_shadow_peer_gone()), or a frame of it the
 * model's DROP removed (the code's SHADOW_DROP). Such a copy is not marked
 * for re-replication, and is not claimed: with -DSTRICT_PEERS it is, and
 * spin finds it lost (Documentation/model.md).
 */
#define FRAME(m, p)	(acc[I(m, p)] > NONE -> val[I(m, p)] : shv[I(m, p)])
#ifdef STRICT_PEERS
#define PEER_LACKS(n, m, p, c)	0
#else
#define PEER_LACKS(n, m, p, c)	(m != n && alive[m] && \
				 (peers[I(n, p)] & BIT(m)) && \
				 (FRAME(m, p) == NOBODY || FRAME(m, p) < c))
#endif
#endif

/*
 * At most FAILURES nodes fail: the first at any moment, a second (with
 * FAILURES 2) at any moment after the first's recovery ended.
 */
proctype failure()
{
	byte k, p, n, m, c;

	if
	:: skip
	:: atomic {
		select(k : 0 .. N - 1);
#if FAILURES > 1
		/* what the rebuilds must keep: everything made durable */
		p = 0;
		do
		:: p < NPAGES ->
			claim[p] = 1;
			own1[p] = dur[p] > 0 && durby[p] != k &&
				  acc[I(durby[p], p)] == WRITE;
			seen1[p] = seen[p];
			p++
		:: else -> break
		od;
#endif
#ifdef PARTITION
		cut[k] = 1
	   };
	   /* it runs cut off, then fences, then the majority goes on */
	   atomic {
#endif
		die(k)
	   }
#if FAILURES > 1
end2:
	   if
	   :: skip
	   :: atomic {
		RECOVERED ->
		if
		:: alive[0] -> k = 0
		:: alive[1] -> k = 1
		:: alive[2] -> k = 2
		fi;
		/*
		 * Claimed for the second failure: what was made durable
		 * after the first, and what was made durable before it by
		 * an owner that survived it, if that node still owns the
		 * page and has nothing of it left to push (re-replication
		 * done). Not a page it gave away since: a transfer in
		 * flight when its giver dies is lost with it.
		 */
		p = 0;
		do
		:: p < NPAGES ->
			claim[p] = dur[p] > 0 && alive[durby[p]] &&
				   (dure[p] || (own1[p] && CLEAN(durby[p], p)));
			/*
			 * And what another node had seen before the first
			 * failure, held now by a live node's read copy or
			 * shadow with nothing of it left to push (a lone
			 * copy's re-push, if it needed one, was acked).
			 */
			n = 0;
			do
			:: n < N ->
				c = NOBODY;
				if
				:: alive[n] && acc[I(n, p)] == READ -> c = val[I(n, p)]
				:: alive[n] && acc[I(n, p)] == NONE -> c = shv[I(n, p)]
				:: else -> skip
				fi;
				/*
				 * Not if its peers name a live node without
				 * that content or newer (its re-push was not
				 * needed as far as it knows): below.
				 */
				m = 0;
				do
				:: m < N && c != NOBODY && PEER_LACKS(n, m, p, c) ->
					c = NOBODY
				:: m < N && !(c != NOBODY && PEER_LACKS(n, m, p, c)) ->
					m++
				:: m == N -> break
				od;
				if
				:: c != NOBODY && c + 1 <= seen1[p] &&
				   c + 1 > cclaim[p] && COPYDONE(n, p) ->
					cclaim[p] = c + 1
				:: else -> skip
				fi;
				n++
			:: else -> break
			od;
			p++
		:: else -> break
		od;
		c = 0;
		n = 0;
		m = 0;
		die(k)
	     }
	   fi
#endif
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
				sat[I(k, p)] = NOBODY;
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
