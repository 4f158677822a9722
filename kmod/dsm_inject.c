// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_inject.c - fault and message injection, a test facility.
 *
 * Off unless the module is loaded with inject=1 (read-only parameter;
 * Documentation/admin-guide.md). Off, nothing here runs: the data path
 * pays one static branch (dsm_inject_key) in dsm_transport_send() and
 * one in a transport's receive loop (dsm_transport_rx_hold()).
 *
 * On, two files in /sys/kernel/debug/dsm/ (root only):
 *  - send (0200): each write(2) is one complete wire message, header and
 *    body as the core's encoder makes them. Its header is checked (size,
 *    length field, magic, src is this node, dst a present peer), nothing
 *    else: the point is to send wrong but well-formed messages, which the
 *    peer's decoder and handlers must judge. It goes out as a normal send
 *    (dsm_msg_send_buf(): counted in the tx counters, fault rules apply),
 *    bypassing every model's state.
 *  - fault (0600): rules for outgoing data-path messages (every message
 *    through dsm_transport_send()), one per line:
 *	drop TYPE PERMILLE	  the message is not sent
 *	dup TYPE PERMILLE	  it is sent twice
 *	delay TYPE MS PERMILLE	  a copy is sent MS ms later by a work item
 *				  (so it may overtake or be overtaken)
 *	corrupt TYPE PERMILLE	  on an authenticated connection, the tag of
 *				  the next frame to its node is damaged
 *				  after sealing (dsm_inject_corrupt()), as a
 *				  frame modified on the wire: the peer drops
 *				  it and the connection
 *	replay TYPE PERMILLE	  on an authenticated connection, the next
 *				  frame to its node goes out twice, byte for
 *				  byte, tag included (dsm_inject_replay()),
 *				  as a captured frame played back: the peer
 *				  takes the first, drops the copy and the
 *				  connection
 *	stall NODE MS		  the receive thread of NODE's connection
 *				  reads nothing for MS ms (0: at once again),
 *				  so NODE's sends back up as if this node
 *				  did not read its socket
 *	seed N			  reseed the dice, for reproducible runs
 *	clear			  remove every rule and stall
 *    TYPE is a type name (page_req, LOCK_GRANT: any case), a number or
 *    "all". Rules are tried in the order written; the first whose dice
 *    fire decides the message's fate. Reading the file prints the rules
 *    (as they would be written), the stalls and the counters. A write is
 *    applied whole or not at all (-EINVAL, or -ENOSPC past
 *    DSM_INJECT_MAX_RULES rules).
 *
 * A dropped or delayed message counts as sent for its sender (and in the
 * tx counters); what happens to it is counted here.
 *
 * Reading fault also gives, per node, the last request id of that node
 * this node has seen ("# last_req_id NODE ID", from the headers of the
 * requests it received, and of the forwards naming it): what a member
 * can learn of another's request ids, which the adversary's "plausible"
 * ids start from.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": inject: " fmt

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/jiffies.h>
#include <linux/jump_label.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "dsm_internal.h"
#include "dsm_members.h"
#include "dsm_model.h"
#include "dsm_transport.h"

static bool dsm_inject_on;
module_param_named(inject, dsm_inject_on, bool, 0444);
MODULE_PARM_DESC(inject,
		 "test facility: message and fault injection in debugfs (default off)");

/* Taken by dsm_transport.h's dsm_transport_rx_hold() in transports too. */
DEFINE_STATIC_KEY_FALSE(dsm_inject_key);
EXPORT_SYMBOL_GPL(dsm_inject_key);

#define DSM_INJECT_MAX_RULES	32
#define DSM_INJECT_MAX_MS	60000
#define DSM_INJECT_MAX_QUEUED	1024		/* delayed messages */
#define DSM_INJECT_MAX_BYTES	(8U << 20)	/* ... and their bytes */
#define DSM_INJECT_WRITE_MAX	4096		/* bytes of one fault write */
#define DSM_INJECT_MAX_ARGS	4

enum dsm_inject_kind {
	DSM_INJECT_DROP,
	DSM_INJECT_DUP,
	DSM_INJECT_DELAY,
	DSM_INJECT_CORRUPT,
	DSM_INJECT_REPLAY,
};

static const char * const dsm_inject_kinds[] = {
	[DSM_INJECT_DROP]	= "drop",
	[DSM_INJECT_DUP]	= "dup",
	[DSM_INJECT_DELAY]	= "delay",
	[DSM_INJECT_CORRUPT]	= "corrupt",
	[DSM_INJECT_REPLAY]	= "replay",
};

/**
 * struct dsm_inject_rule - one rule of the fault file.
 * @kind:	enum dsm_inject_kind.
 * @type:	message type it applies to; 0: every type.
 * @permille:	how often it fires, 0 .. 1000.
 * @ms:		delay, for DSM_INJECT_DELAY.
 */
struct dsm_inject_rule {
	u8 kind;
	u8 type;
	u16 permille;
	u32 ms;
};

/**
 * struct dsm_inject_cfg - what the fault file sets.
 * @rules:	tried in this order.
 * @nr_rules:	entries in @rules.
 * @stall_until: per node: jiffies until which its receiver reads nothing;
 *		0: no stall.
 */
struct dsm_inject_cfg {
	struct dsm_inject_rule rules[DSM_INJECT_MAX_RULES];
	unsigned int nr_rules;
	unsigned long stall_until[DSM_NODES_MAX];
};

/**
 * struct dsm_inject_msg - a delayed message.
 * @list:	in dsm_inject.queue.
 * @due:	jiffies when it goes out.
 * @dst:	its node.
 * @len:	bytes at @buf.
 * @buf:	the message.
 */
struct dsm_inject_msg {
	struct list_head list;
	unsigned long due;
	u32 dst;
	u32 len;
	u8 buf[];
};

enum dsm_inject_counter {
	DSM_INJECT_C_DROPPED,		/* messages dropped */
	DSM_INJECT_C_DUPLICATED,	/* messages sent twice */
	DSM_INJECT_C_DELAYED,		/* messages queued for later */
	DSM_INJECT_C_DELAY_NOW,		/* to delay, but sent at once: full */
	DSM_INJECT_C_DELAY_FAILED,	/* delayed, and the late send failed */
	DSM_INJECT_C_STALLED,		/* receiver stalls begun */
	DSM_INJECT_C_SENT,		/* messages sent through send */
	DSM_INJECT_C_SEND_FAILED,	/* ... refused by the transport */
	DSM_INJECT_C_CORRUPTED,		/* frames whose tag was damaged */
	DSM_INJECT_C_REPLAYED,		/* frames sent twice, same tag */
	DSM_INJECT_C_NR
};

static const char * const dsm_inject_counter_names[DSM_INJECT_C_NR] = {
	[DSM_INJECT_C_DROPPED]		= "dropped",
	[DSM_INJECT_C_DUPLICATED]	= "duplicated",
	[DSM_INJECT_C_DELAYED]		= "delayed",
	[DSM_INJECT_C_DELAY_NOW]	= "delay_sent_now",
	[DSM_INJECT_C_DELAY_FAILED]	= "delay_failed",
	[DSM_INJECT_C_STALLED]		= "stalled",
	[DSM_INJECT_C_SENT]		= "injected",
	[DSM_INJECT_C_SEND_FAILED]	= "injected_failed",
	[DSM_INJECT_C_CORRUPTED]	= "corrupted",
	[DSM_INJECT_C_REPLAYED]		= "replayed",
};

/**
 * struct dsm_inject - the state of fault and message injection.
 * @write_mutex: serialises writers of the fault file (they edit a copy of
 *		@cfg, then install it under @lock). Taken before @lock.
 * @lock:	protects @cfg, @rnd, @seed, @queue, @queued, @queued_bytes,
 *		@armed, @next_due, @stalling and @stopping. A leaf: nothing
 *		of the module is taken under it (only the workqueue's own
 *		locks, in mod_delayed_work()); taken by senders, receive
 *		threads, the work item and the debugfs files. Never held
 *		across a sleep. See the lock order in dsm_internal.h.
 * @cfg:	the rules and stalls.
 * @rnd:	the dice (prandom), seeded by @seed.
 * @seed:	the last seed.
 * @queue:	delayed messages (struct dsm_inject_msg), in arrival order.
 * @queued:	entries in @queue.
 * @queued_bytes: their bytes.
 * @armed:	@work is queued to run at @next_due.
 * @next_due:	when, if @armed.
 * @stalling:	bit n: node n's receiver is stalled now (for the counter).
 * @stopping:	unloading: nothing is queued or armed any more.
 * @work:	sends the delayed messages that are due.
 * @count:	enum dsm_inject_counter; atomic, no lock.
 * @last_req:	per node: the highest request id of it seen here (0:
 *		none); atomic, no lock.
 * @corrupt:	per node: frames to it whose tag is to be damaged; atomic.
 * @replay:	per node: frames to it to be sent twice; atomic.
 * @dir:	the debugfs directory if this file made it, else NULL.
 * @send:	its send file.
 * @fault:	its fault file.
 */
static struct dsm_inject {
	struct mutex write_mutex;	/* see @write_mutex above */
	spinlock_t lock;		/* see @lock above */
	struct dsm_inject_cfg cfg;
	struct rnd_state rnd;
	u64 seed;
	struct list_head queue;
	unsigned int queued;
	u32 queued_bytes;
	bool armed;
	unsigned long next_due;
	unsigned long stalling;
	bool stopping;
	struct delayed_work work;
	atomic64_t count[DSM_INJECT_C_NR];
	atomic64_t last_req[DSM_NODES_MAX];
	atomic_t corrupt[DSM_NODES_MAX];
	atomic_t replay[DSM_NODES_MAX];
	struct dentry *dir;
	struct dentry *send;
	struct dentry *fault;
} dsm_inject;

static void dsm_inject_count(enum dsm_inject_counter c)
{
	atomic64_inc(&dsm_inject.count[c]);
}

/* ----------------------------------------------------- sending */

/* Queue @dsm_inject.work to run at @due, unless it runs earlier already. */
static void dsm_inject_arm_locked(unsigned long due)
{
	unsigned long now = jiffies;

	lockdep_assert_held(&dsm_inject.lock);
	if (dsm_inject.stopping ||
	    (dsm_inject.armed && !time_before(due, dsm_inject.next_due)))
		return;
	mod_delayed_work(system_unbound_wq, &dsm_inject.work,
			 time_after(due, now) ? due - now : 0);
	dsm_inject.armed = true;
	dsm_inject.next_due = due;
}

/* The work item: send every delayed message that is due, in order. */
static void dsm_inject_work(struct work_struct *work)
{
	struct dsm_inject_msg *q, *tmp;
	unsigned long now = jiffies, next = 0;
	bool more = false;
	LIST_HEAD(due);

	spin_lock(&dsm_inject.lock);
	dsm_inject.armed = false;
	list_for_each_entry_safe(q, tmp, &dsm_inject.queue, list) {
		if (!time_before(now, q->due)) {
			list_move_tail(&q->list, &due);
			dsm_inject.queued--;
			dsm_inject.queued_bytes -= q->len;
		} else if (!more || time_before(q->due, next)) {
			next = q->due;
			more = true;
		}
	}
	if (more)
		dsm_inject_arm_locked(next);
	spin_unlock(&dsm_inject.lock);
	list_for_each_entry_safe(q, tmp, &due, list) {
		if (dsm_transport_send_raw(q->dst, q->buf, q->len))
			dsm_inject_count(DSM_INJECT_C_DELAY_FAILED);
		kfree(q);
	}
}

/* Keep a copy of the message for @ms ms; 0, or what sending it now gave. */
static int dsm_inject_delay(u32 dst, const void *buf, u32 len, u32 ms)
{
	struct dsm_inject_msg *q;

	q = kmalloc(struct_size(q, buf, len), GFP_NOFS | __GFP_NOWARN);
	if (q) {
		memcpy(q->buf, buf, len);
		q->dst = dst;
		q->len = len;
		q->due = jiffies + msecs_to_jiffies(ms);
		spin_lock(&dsm_inject.lock);
		if (!dsm_inject.stopping &&
		    dsm_inject.queued < DSM_INJECT_MAX_QUEUED &&
		    dsm_inject.queued_bytes + len <= DSM_INJECT_MAX_BYTES) {
			list_add_tail(&q->list, &dsm_inject.queue);
			dsm_inject.queued++;
			dsm_inject.queued_bytes += len;
			dsm_inject_arm_locked(q->due);
			q = NULL;
		}
		spin_unlock(&dsm_inject.lock);
		if (!q) {
			dsm_inject_count(DSM_INJECT_C_DELAYED);
			return 0;
		}
		kfree(q);
	}
	dsm_inject_count(DSM_INJECT_C_DELAY_NOW);
	return dsm_transport_send_raw(dst, buf, len);
}

/* The first rule for @type whose dice fire, into @r; false if none. */
static bool dsm_inject_pick_locked(u8 type, struct dsm_inject_rule *r)
{
	const struct dsm_inject_cfg *cfg = &dsm_inject.cfg;
	unsigned int i;

	lockdep_assert_held(&dsm_inject.lock);
	for (i = 0; i < cfg->nr_rules; i++) {
		if (cfg->rules[i].type && cfg->rules[i].type != type)
			continue;
		if (prandom_u32_state(&dsm_inject.rnd) % 1000 <
		    cfg->rules[i].permille) {
			*r = cfg->rules[i];
			return true;
		}
	}
	return false;
}

/**
 * dsm_inject_has_rules() - whether any fault rule is written, so that an
 * outgoing message must go through dsm_inject_send(). Without rules a
 * message goes out as it would without injection, its page by reference.
 */
bool dsm_inject_has_rules(void)
{
	return READ_ONCE(dsm_inject.cfg.nr_rules) != 0;
}

/**
 * dsm_inject_send() - dsm_transport_send() while injection is on.
 * @dst:	the node.
 * @buf:	an encoded message (its header is valid).
 * @len:	its length.
 *
 * Applies the fault rules, then sends through dsm_transport_send_raw().
 * Sleeps. Return: as dsm_transport_send(); 0 for a message dropped or
 * delayed.
 */
int dsm_inject_send(u32 dst, const void *buf, u32 len)
{
	const struct dsm_wire_hdr *h = buf;
	struct dsm_inject_rule r;
	bool hit = false;
	int ret;

	if (READ_ONCE(dsm_inject.cfg.nr_rules) && len >= DSM_WIRE_HDR_SIZE) {
		spin_lock(&dsm_inject.lock);
		hit = dsm_inject_pick_locked(h->type, &r);
		spin_unlock(&dsm_inject.lock);
	}
	if (!hit)
		return dsm_transport_send_raw(dst, buf, len);
	switch (r.kind) {
	case DSM_INJECT_DROP:
		dsm_inject_count(DSM_INJECT_C_DROPPED);
		return 0;
	case DSM_INJECT_DUP:
		ret = dsm_transport_send_raw(dst, buf, len);
		if (!ret) {
			dsm_inject_count(DSM_INJECT_C_DUPLICATED);
			dsm_transport_send_raw(dst, buf, len);
		}
		return ret;
	case DSM_INJECT_CORRUPT:
		if (dst < DSM_NODES_MAX)
			atomic_inc(&dsm_inject.corrupt[dst]);
		return dsm_transport_send_raw(dst, buf, len);
	case DSM_INJECT_REPLAY:
		if (dst < DSM_NODES_MAX)
			atomic_inc(&dsm_inject.replay[dst]);
		return dsm_transport_send_raw(dst, buf, len);
	default:
		return dsm_inject_delay(dst, buf, len, r.ms);
	}
}

/**
 * dsm_inject_corrupt_tag() - damage @tag (@tag_len bytes, just sealed)
 * of a frame to @node if a corrupt rule fired for it.
 * @node:	the peer.
 * @tag:	the tag, about to be sent.
 * @tag_len:	its length (0: no tags on this connection, nothing done).
 *
 * Called through dsm_inject_corrupt() by a transport, under its send
 * lock: the frame damaged is the next one sent to @node, which may be
 * another message than the one the rule picked.
 */
void dsm_inject_corrupt_tag(u32 node, u8 *tag, size_t tag_len)
{
	if (!tag_len || node >= DSM_NODES_MAX ||
	    !atomic_add_unless(&dsm_inject.corrupt[node], -1, 0))
		return;
	tag[0] ^= 0x01;
	dsm_inject_count(DSM_INJECT_C_CORRUPTED);
}
EXPORT_SYMBOL_GPL(dsm_inject_corrupt_tag);

/**
 * dsm_inject_replay_frame() - whether the frame just sent to @node must
 * go out once more, byte for byte, if a replay rule fired for it.
 * @node:	the peer.
 * @tag_len:	the frame's tag length (0: no tags, never replayed: a
 *		connection without keys cannot tell a copy from a message).
 *
 * Called through dsm_inject_replay() by a transport, under its send lock,
 * after the frame went out: it sends the same bytes again at once.
 */
bool dsm_inject_replay_frame(u32 node, size_t tag_len)
{
	if (!tag_len || node >= DSM_NODES_MAX ||
	    !atomic_add_unless(&dsm_inject.replay[node], -1, 0))
		return false;
	dsm_inject_count(DSM_INJECT_C_REPLAYED);
	return true;
}
EXPORT_SYMBOL_GPL(dsm_inject_replay_frame);

/**
 * dsm_inject_rx_stall() - how long the receiver of @node's messages must
 * still wait before it reads the next one (the stall NODE MS rule).
 * @node:	the peer of the connection.
 *
 * Called through dsm_transport_rx_hold() by a transport's receive loop,
 * before each message. Return: jiffies to wait, 0 to read now.
 */
long dsm_inject_rx_stall(u32 node)
{
	unsigned long until, now = jiffies;
	long left = 0;

	if (node >= DSM_NODES_MAX)
		return 0;
	spin_lock(&dsm_inject.lock);
	until = dsm_inject.cfg.stall_until[node];
	if (until && time_before(now, until)) {
		left = until - now;
		if (!test_and_set_bit(node, &dsm_inject.stalling))
			dsm_inject_count(DSM_INJECT_C_STALLED);
	} else {
		dsm_inject.cfg.stall_until[node] = 0;
		clear_bit(node, &dsm_inject.stalling);
	}
	spin_unlock(&dsm_inject.lock);
	return left;
}
EXPORT_SYMBOL_GPL(dsm_inject_rx_stall);

/**
 * dsm_inject_rx_seen() - note the request id in a message from @node.
 * @node:	the peer of the connection.
 * @buf:	the message; its header passed dsm_transport_peek().
 * @len:	its length.
 *
 * Called through dsm_transport_rx_seen() by a transport's receive loop.
 * A request carries its sender's id, a PAGE_FWD its requester's. Not
 * validated: it only feeds the last_req_id lines of the fault file.
 */
void dsm_inject_rx_seen(u32 node, const void *buf, size_t len)
{
	const struct dsm_wire_page_fwd *f = buf + DSM_WIRE_HDR_SIZE;
	const struct dsm_wire_hdr *h = buf;
	u64 id = le64_to_cpu(h->req_id);
	u32 who = node;

	if (len < DSM_WIRE_HDR_SIZE || !id || (h->flags & DSM_WIRE_F_REPLY))
		return;
	if (h->type == DSM_MSG_PAGE_FWD) {
		if (len < DSM_WIRE_HDR_SIZE + sizeof(*f))
			return;
		who = le16_to_cpu(f->requester);
	}
	if (who < DSM_NODES_MAX &&
	    id > (u64)atomic64_read(&dsm_inject.last_req[who]))
		atomic64_set(&dsm_inject.last_req[who], id);
}
EXPORT_SYMBOL_GPL(dsm_inject_rx_seen);

/* ----------------------------------------------------- the send file */

/* The header checks of the send file; the destination in @dst. */
static int dsm_inject_check(const struct dsm_wire_hdr *h, size_t len,
			    u32 *dst)
{
	u32 src = le16_to_cpu(h->src);
	int ret = 0;

	*dst = le16_to_cpu(h->dst);
	if (le32_to_cpu(h->magic) != DSM_WIRE_MAGIC ||
	    le32_to_cpu(h->len) != len || *dst >= DSM_NODES_MAX)
		return -EINVAL;
	spin_lock(&dsm_members.lock);
	if (!dsm_members.configured)
		ret = -ENOTCONN;
	else if (src != dsm_members.local || *dst == dsm_members.local ||
		 !test_bit(*dst, &dsm_members.present))
		ret = -EINVAL;
	spin_unlock(&dsm_members.lock);
	return ret;
}

static ssize_t dsm_inject_send_write(struct file *file,
				     const char __user *ubuf, size_t len,
				     loff_t *ppos)
{
	const struct dsm_wire_hdr *h;
	void *buf;
	u32 dst;
	int ret;

	if (len < DSM_WIRE_HDR_SIZE || len > DSM_WIRE_MAX_MSG)
		return -EINVAL;
	buf = vmemdup_user(ubuf, len);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	h = buf;
	ret = dsm_inject_check(h, len, &dst);
	if (!ret) {
		ret = dsm_msg_send_buf(dst, h->type, buf, len);
		dsm_inject_count(ret ? DSM_INJECT_C_SEND_FAILED :
				 DSM_INJECT_C_SENT);
	}
	kvfree(buf);
	return ret ? ret : len;
}

static const struct file_operations dsm_inject_send_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.write	= dsm_inject_send_write,
};

/* ----------------------------------------------------- the fault file */

/* A message type: a name of the core's (any case), a number, or "all". */
static int dsm_inject_parse_type(const char *s, u8 *type)
{
	unsigned int t;

	if (!strcasecmp(s, "all")) {
		*type = 0;
		return 0;
	}
	for (t = 1; t <= DSM_MSG_TYPE_MAX; t++) {
		if (!strcasecmp(s, dsm_wire_type_name(t))) {
			*type = t;
			return 0;
		}
	}
	if (kstrtouint(s, 0, &t) || !t || t > DSM_MSG_TYPE_MAX)
		return -EINVAL;
	*type = t;
	return 0;
}

static int dsm_inject_parse_uint(const char *s, u32 max, u32 *v)
{
	return kstrtou32(s, 0, v) || *v > max ? -EINVAL : 0;
}

/* drop/dup TYPE PERMILLE, delay TYPE MS PERMILLE: append to @cfg. */
static int dsm_inject_parse_rule(u8 kind, char **argv, int argc,
				 struct dsm_inject_cfg *cfg)
{
	struct dsm_inject_rule r = { .kind = kind };
	u32 permille;

	if (argc != (kind == DSM_INJECT_DELAY ? 4 : 3) ||
	    dsm_inject_parse_type(argv[1], &r.type) ||
	    dsm_inject_parse_uint(argv[argc - 1], 1000, &permille))
		return -EINVAL;
	if (kind == DSM_INJECT_DELAY &&
	    dsm_inject_parse_uint(argv[2], DSM_INJECT_MAX_MS, &r.ms))
		return -EINVAL;
	if (cfg->nr_rules == DSM_INJECT_MAX_RULES)
		return -ENOSPC;
	r.permille = permille;
	cfg->rules[cfg->nr_rules++] = r;
	return 0;
}

/* stall NODE MS: NODE's receiver reads nothing for MS ms from now. */
static int dsm_inject_parse_stall(char **argv, int argc,
				  struct dsm_inject_cfg *cfg)
{
	unsigned long until = 0;
	u32 node, ms;

	if (argc != 3 || dsm_inject_parse_uint(argv[1], DSM_NODES_MAX - 1,
					       &node) ||
	    dsm_inject_parse_uint(argv[2], DSM_INJECT_MAX_MS, &ms))
		return -EINVAL;
	if (ms)
		until = (jiffies + msecs_to_jiffies(ms)) ?: 1;
	cfg->stall_until[node] = until;
	return 0;
}

/* Apply one line to @cfg (and @seed). Empty lines and #comments pass. */
static int dsm_inject_parse_line(char *line, struct dsm_inject_cfg *cfg,
				 bool *seeded, u64 *seed)
{
	char *argv[DSM_INJECT_MAX_ARGS], *tok;
	int argc = 0;
	u8 k;

	while ((tok = strsep(&line, " \t\r")) != NULL) {
		if (!*tok)
			continue;
		if (*tok == '#')
			break;
		if (argc == DSM_INJECT_MAX_ARGS)
			return -EINVAL;
		argv[argc++] = tok;
	}
	if (!argc)
		return 0;
	for (k = 0; k < ARRAY_SIZE(dsm_inject_kinds); k++)
		if (!strcasecmp(argv[0], dsm_inject_kinds[k]))
			return dsm_inject_parse_rule(k, argv, argc, cfg);
	if (!strcasecmp(argv[0], "stall"))
		return dsm_inject_parse_stall(argv, argc, cfg);
	if (!strcasecmp(argv[0], "seed") && argc == 2 &&
	    !kstrtou64(argv[1], 0, seed)) {
		*seeded = true;
		return 0;
	}
	if (!strcasecmp(argv[0], "clear") && argc == 1) {
		memset(cfg, 0, sizeof(*cfg));
		return 0;
	}
	return -EINVAL;
}

/* Apply @text to a copy of the rules; install it if every line is good. */
static int dsm_inject_apply(char *text)
{
	struct dsm_inject_cfg *cfg;
	bool seeded = false;
	u64 seed = 0;
	char *line;
	int ret = 0;

	cfg = kmalloc(sizeof(*cfg), GFP_KERNEL);
	if (!cfg)
		return -ENOMEM;
	mutex_lock(&dsm_inject.write_mutex);
	spin_lock(&dsm_inject.lock);
	*cfg = dsm_inject.cfg;
	spin_unlock(&dsm_inject.lock);
	while (!ret && (line = strsep(&text, "\n")) != NULL)
		ret = dsm_inject_parse_line(line, cfg, &seeded, &seed);
	if (!ret) {
		spin_lock(&dsm_inject.lock);
		dsm_inject.cfg = *cfg;
		if (seeded) {
			dsm_inject.seed = seed;
			prandom_seed_state(&dsm_inject.rnd, seed);
		}
		spin_unlock(&dsm_inject.lock);
	}
	mutex_unlock(&dsm_inject.write_mutex);
	kfree(cfg);
	return ret;
}

static ssize_t dsm_inject_fault_write(struct file *file,
				      const char __user *ubuf, size_t len,
				      loff_t *ppos)
{
	char *text;
	int ret;

	if (!len || len > DSM_INJECT_WRITE_MAX)
		return -EINVAL;
	text = memdup_user_nul(ubuf, len);
	if (IS_ERR(text))
		return PTR_ERR(text);
	ret = dsm_inject_apply(text);
	kfree(text);
	return ret ? ret : len;
}

static const char *dsm_inject_type_name(u8 type)
{
	return type ? dsm_wire_type_name(type) : "all";
}

static int dsm_inject_fault_show(struct seq_file *m, void *v)
{
	struct dsm_inject_cfg *cfg;
	unsigned long now = jiffies;
	unsigned int i, queued;
	u64 seed;

	cfg = kmalloc(sizeof(*cfg), GFP_KERNEL);
	if (!cfg)
		return -ENOMEM;
	spin_lock(&dsm_inject.lock);
	*cfg = dsm_inject.cfg;
	seed = dsm_inject.seed;
	queued = dsm_inject.queued;
	spin_unlock(&dsm_inject.lock);
	seq_printf(m, "seed %llu\n", seed);
	for (i = 0; i < cfg->nr_rules; i++) {
		const struct dsm_inject_rule *r = &cfg->rules[i];

		seq_printf(m, "%s %s ", dsm_inject_kinds[r->kind],
			   dsm_inject_type_name(r->type));
		if (r->kind == DSM_INJECT_DELAY)
			seq_printf(m, "%u ", r->ms);
		seq_printf(m, "%u\n", r->permille);
	}
	for (i = 0; i < DSM_NODES_MAX; i++)
		if (cfg->stall_until[i] && time_before(now, cfg->stall_until[i]))
			seq_printf(m, "stall %u %u\n", i,
				   jiffies_to_msecs(cfg->stall_until[i] - now));
	seq_printf(m, "# queued %u\n", queued);
	for (i = 0; i < DSM_INJECT_C_NR; i++)
		seq_printf(m, "# %s %lld\n", dsm_inject_counter_names[i],
			   (long long)atomic64_read(&dsm_inject.count[i]));
	for (i = 0; i < DSM_NODES_MAX; i++)
		if (atomic64_read(&dsm_inject.last_req[i]))
			seq_printf(m, "# last_req_id %u %llu\n", i,
				   (u64)atomic64_read(&dsm_inject.last_req[i]));
	kfree(cfg);
	return 0;
}

static int dsm_inject_fault_open(struct inode *inode, struct file *file)
{
	return single_open(file, dsm_inject_fault_show, NULL);
}

static const struct file_operations dsm_inject_fault_fops = {
	.owner		= THIS_MODULE,
	.open		= dsm_inject_fault_open,
	.read		= seq_read,
	.write		= dsm_inject_fault_write,
	.llseek		= seq_lseek,
	.release	= single_release,
};

/* ----------------------------------------------------- load and unload */

/**
 * dsm_inject_init() - with inject=1, create the debugfs files and turn
 * the hooks on. Called last at load, after dsm_debugfs_init(); a failure
 * is logged and leaves injection off (it is a test facility).
 */
void dsm_inject_init(void)
{
	struct dentry *dir;

	if (!dsm_inject_on)
		return;
	mutex_init(&dsm_inject.write_mutex);
	spin_lock_init(&dsm_inject.lock);
	INIT_LIST_HEAD(&dsm_inject.queue);
	INIT_DELAYED_WORK(&dsm_inject.work, dsm_inject_work);
	dsm_inject.seed = get_random_u64();
	prandom_seed_state(&dsm_inject.rnd, dsm_inject.seed);
	/* dsm_stats.c made the directory; if it could not, make it here. */
	dir = debugfs_lookup(KBUILD_MODNAME, NULL);
	if (!dir) {
		dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
		if (IS_ERR(dir)) {
			pr_warn("no debugfs directory (%ld): injection stays off\n",
				PTR_ERR(dir));
			dsm_inject_on = false;
			return;
		}
		dsm_inject.dir = dir;
	}
	dsm_inject.send = debugfs_create_file("send", 0200, dir, NULL,
					      &dsm_inject_send_fops);
	dsm_inject.fault = debugfs_create_file("fault", 0600, dir, NULL,
					       &dsm_inject_fault_fops);
	if (!dsm_inject.dir)
		dput(dir);	/* debugfs_lookup()'s reference */
	static_branch_enable(&dsm_inject_key);
	pr_warn("message and fault injection on (a test facility): /sys/kernel/debug/%s/{send,fault}\n",
		KBUILD_MODNAME);
}

/**
 * dsm_inject_exit() - remove the files, turn the hooks off, and cancel
 * and free every delayed message. Called first at unload, while the
 * transport still runs: a sender already past the static branch sends at
 * once from now on, and no work item runs after this returns.
 */
void dsm_inject_exit(void)
{
	struct dsm_inject_msg *q, *tmp;
	LIST_HEAD(left);

	if (!dsm_inject_on)
		return;
	debugfs_remove(dsm_inject.send);
	debugfs_remove(dsm_inject.fault);
	debugfs_remove(dsm_inject.dir);
	static_branch_disable(&dsm_inject_key);
	spin_lock(&dsm_inject.lock);
	dsm_inject.stopping = true;
	memset(&dsm_inject.cfg, 0, sizeof(dsm_inject.cfg));
	spin_unlock(&dsm_inject.lock);
	cancel_delayed_work_sync(&dsm_inject.work);
	spin_lock(&dsm_inject.lock);
	list_splice_init(&dsm_inject.queue, &left);
	dsm_inject.queued = 0;
	dsm_inject.queued_bytes = 0;
	spin_unlock(&dsm_inject.lock);
	list_for_each_entry_safe(q, tmp, &left, list)
		kfree(q);
}
