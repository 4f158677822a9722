/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_members.h - the membership as the data path sees it, shared by
 * dsm_members.c (membership, page homes, node failures), dsm_transport.c
 * (the transport registry, which applies it to the transport) and
 * dsm_msg.c (sending and dispatching messages).
 */
#ifndef _DSM_KMOD_MEMBERS_H
#define _DSM_KMOD_MEMBERS_H

#include <linux/socket.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "dsm_transport.h"

/**
 * struct dsm_members - the membership as the data path sees it.
 * @lock:	protects every field below; taken inside dsm_cluster.lock
 *		(never the other way round), and by the fault path and
 *		message handlers. Nothing sleeps under it.
 * @configured:	@local and @cluster_id are valid.
 * @local:	this node's id.
 * @cluster_id:	64-bit hash of the cluster name.
 * @present:	bit n: node n is in the membership.
 * @down:	bit n: node n is declared dead now.
 * @lost:	bit n: node n was declared dead at some point since this
 *		node joined: pages homed there are unobtainable (sticky).
 *		Only a node that could hold pages of ours: one that was up
 *		or exchanged protocol messages with us (@contacted).
 * @contacted:	bit n: a protocol message went to or came
 *		from node n since this node joined (set without the lock:
 *		set_bit() is atomic, and it is only ever set).
 * @incarnation: this node's (dsm_cluster.incarnation); dsmd tells peers.
 * @incarn:	incarnation of each peer as dsmd last reported it up (0:
 *		never): a data connection is accepted only from that one.
 * @reset:	bit n: node n came back as a new incarnation: its connection
 *		(of the old one) must be dropped and made again.
 * @wanted:	bit n: the transport has been asked to keep node n.
 * @connected:	bit n: a transport connection to node n is up.
 * @peers:	address of each node's data port.
 * @started:	the transport was started (@local_addr listened on).
 * @local_addr:	this node's data address.
 * @sync_work:	applies the above to the transport.
 * @down_work:	runs the models' node_down for the nodes in @pending_down.
 * @pending_down: nodes declared dead whose waiters are not yet failed.
 * @conn_wq:	woken when a connection comes up or a node goes down.
 * @ops:	the registered transport, or NULL. Changed only with no
 *		sync work running (register/unregister flush it).
 */
struct dsm_members {
	spinlock_t lock;	/* see @lock above */
	bool configured;
	u32 local;
	u64 cluster_id;
	unsigned long present;
	unsigned long down;
	unsigned long lost;
	unsigned long contacted;
	u64 incarnation;
	u64 incarn[DSM_NODES_MAX];
	unsigned long reset;
	unsigned long wanted;
	unsigned long connected;
	struct dsm_transport_peer peers[DSM_NODES_MAX];
	bool started;
	struct sockaddr_storage local_addr;
	struct work_struct sync_work;
	struct work_struct down_work;
	unsigned long pending_down;
	wait_queue_head_t conn_wq;
	const struct dsm_transport_ops *ops;
};

extern struct dsm_members dsm_members;

/* dsm_members.c */
void dsm_members_contact(u32 id);

/* dsm_transport.c: the sync work applies the membership to the transport. */
void dsm_transport_sync_work(struct work_struct *work);

#endif /* _DSM_KMOD_MEMBERS_H */
