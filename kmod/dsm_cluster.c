// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_cluster.c - what this node knows of the cluster: its name, this
 * node's id, the membership and the region table.
 *
 * dsmd owns membership: it configures the cluster (CLUSTER_SET, NODE_ADD)
 * from /etc/dsm/dsm.conf and reports peers up and down (NODE_SET_STATE)
 * from its heartbeats. The kernel keeps the table, announces every change
 * on the "events" multicast group, and fails the waits on a node that is
 * declared dead.
 *
 * Region placement needs no coordinator: a region created on node N goes
 * first-fit into slice N of the DSM space (DSM_REGION_SLICE bytes from
 * N * DSM_REGION_SLICE), so concurrent creations on different nodes never
 * choose the same offset. dsmd replicates each creation to its peers,
 * which insert it at the same offset. Two nodes creating the same name at
 * once resolve it the same way everywhere: the region of the lower origin
 * node id wins. See Documentation/control-plane.md.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <net/ipv6.h>

#include "dsm_internal.h"
#include "dsm_model.h"

struct dsm_cluster dsm_cluster;

void dsm_cluster_init(void)
{
	mutex_init(&dsm_cluster.lock);
	INIT_LIST_HEAD(&dsm_cluster.regions);
}

void dsm_cluster_exit(void)
{
	struct dsm_region *r, *tmp;

	mutex_lock(&dsm_cluster.lock);
	list_for_each_entry_safe(r, tmp, &dsm_cluster.regions, list) {
		list_del(&r->list);
		dsm_hot_region_del(r->offset);
		dsm_region_put(r);
	}
	dsm_cluster.nr_regions = 0;
	mutex_unlock(&dsm_cluster.lock);
	mutex_destroy(&dsm_cluster.lock);
}

/* Names of clusters and regions: [A-Za-z0-9_.-], starting alphanumeric. */
bool dsm_name_valid(const char *name)
{
	const char *p;

	if (!isalnum(name[0]))
		return false;
	for (p = name; *p; p++)
		if (!isalnum(*p) && *p != '_' && *p != '.' && *p != '-')
			return false;
	return p - name < DSM_NAME_MAX;
}

unsigned int dsm_nodes_present(void)
{
	unsigned int n = 0;
	u32 id;

	lockdep_assert_held(&dsm_cluster.lock);
	for (id = 0; id < DSM_NODES_MAX; id++)
		n += dsm_cluster.nodes[id].present;
	return n;
}

/**
 * dsm_cluster_ready() - can lock and barrier requests reach dsmd?
 *
 * Return: 0; -ENOTCONN if the cluster is not configured; -EHOSTDOWN if
 * the dsmd that configured it is gone.
 */
int dsm_cluster_ready(void)
{
	int ret = 0;

	mutex_lock(&dsm_cluster.lock);
	if (!dsm_cluster.configured)
		ret = -ENOTCONN;
	else if (!dsm_cluster.daemon_portid)
		ret = -EHOSTDOWN;
	mutex_unlock(&dsm_cluster.lock);
	return ret;
}

unsigned int dsm_nodes_up(void)
{
	unsigned int n = 0;
	u32 id;

	lockdep_assert_held(&dsm_cluster.lock);
	for (id = 0; id < DSM_NODES_MAX; id++)
		n += dsm_cluster.nodes[id].present &&
		     dsm_cluster.nodes[id].state == DSM_NODE_STATE_UP;
	return n;
}

struct dsm_region *dsm_region_find(const char *name)
{
	struct dsm_region *r;

	lockdep_assert_held(&dsm_cluster.lock);
	list_for_each_entry(r, &dsm_cluster.regions, list)
		if (!strcmp(r->name, name))
			return r;
	return NULL;
}

/* Insert @new keeping the list sorted by offset. */
static void dsm_region_insert(struct dsm_region *new)
{
	struct dsm_region *r;

	lockdep_assert_held(&dsm_cluster.lock);
	list_for_each_entry(r, &dsm_cluster.regions, list)
		if (r->offset > new->offset)
			break;
	list_add_tail(&new->list, &r->list);
	dsm_cluster.nr_regions++;
	dsm_hot_region_add(new->offset, new->size);
	dsm_stat_inc(DSM_STAT_REGION_CREATED);
}

static void dsm_region_release(struct kref *ref)
{
	kfree(container_of(ref, struct dsm_region, ref));
}

/* Drop a reference to @r (dsm_region_get_at(), a mapping's). */
void dsm_region_put(struct dsm_region *r)
{
	kref_put(&r->ref, dsm_region_release);
}

/**
 * dsm_region_get_at() - the region holding offset @off, referenced.
 * @off:	an offset in the DSM space.
 * @map:	count a mapping of it (dsm_region.nr_maps), in the same
 *		critical section as the lookup, so that a deletion here
 *		either sees the mapping or comes first.
 *
 * Return: the region (drop it with dsm_region_put()), or NULL.
 */
struct dsm_region *dsm_region_get_at(u64 off, bool map)
{
	struct dsm_region *r, *found = NULL;

	mutex_lock(&dsm_cluster.lock);
	list_for_each_entry(r, &dsm_cluster.regions, list) {
		if (off >= r->offset && off < r->offset + r->size) {
			kref_get(&r->ref);
			if (map)
				atomic_inc(&r->nr_maps);
			found = r;
			break;
		}
	}
	mutex_unlock(&dsm_cluster.lock);
	return found;
}

/*
 * Take @r out of the table: it is dead from now on (its mappings fault
 * with SIGBUS, new mmaps, reads and writes fail with ENXIO). The caller
 * resets its pages (dsm_mem_teardown()) once it has dropped the lock,
 * then drops the table's reference.
 */
/* Under dsm_cluster.lock: the tomb holding @off, or NULL. */
static const struct dsm_tomb *dsm_tomb_at(u64 off, u64 size)
{
	unsigned int i;

	lockdep_assert_held(&dsm_cluster.lock);
	for (i = 0; i < dsm_cluster.nr_tombs; i++) {
		const struct dsm_tomb *t = &dsm_cluster.tombs[i];

		if (t->offset < off + size && off < t->offset + t->size)
			return t;
	}
	return NULL;
}

/**
 * dsm_region_was_lrc() - was offset @off in an lrc region deleted here
 * (one of the last DSM_TOMBS_MAX)?
 * @off:	an offset in the DSM space.
 *
 * Return: true if so: an lrc write notice naming it is of that region.
 */
bool dsm_region_was_lrc(u64 off)
{
	bool was;

	mutex_lock(&dsm_cluster.lock);
	was = dsm_tomb_at(off, 1);
	mutex_unlock(&dsm_cluster.lock);
	return was;
}

/**
 * dsm_region_replicated() - are the lrc intervals written at offset @off
 * backed up (its region's DSM_A_REGION_REPLICAS)?
 * @off:	an offset in the DSM space.
 *
 * Return: false only for a region with replicas 0; true otherwise (no
 * region there: the backup's own checks refuse what is wrong).
 */
bool dsm_region_replicated(u64 off)
{
	struct dsm_region *r = dsm_region_get_at(off, false);
	bool rep = true;

	if (r) {
		rep = r->replicas;
		dsm_region_put(r);
	}
	return rep;
}

static void dsm_region_remove(struct dsm_region *r, bool replica)
{
	lockdep_assert_held(&dsm_cluster.lock);
	if (r->model == DSM_MODEL_LRC) {
		struct dsm_tomb *t = &dsm_cluster.tombs[dsm_cluster.next_tomb];

		t->offset = r->offset;
		t->size = r->size;
		dsm_cluster.next_tomb = (dsm_cluster.next_tomb + 1) %
					DSM_TOMBS_MAX;
		if (dsm_cluster.nr_tombs < DSM_TOMBS_MAX)
			dsm_cluster.nr_tombs++;
	}
	WRITE_ONCE(r->dead, true);
	list_del(&r->list);
	dsm_cluster.nr_regions--;
	dsm_hot_region_del(r->offset);
	dsm_stat_inc(DSM_STAT_REGION_DELETED);
	dsm_nl_notify_region(r, DSM_CMD_REGION_DELETED, replica);
}

/*
 * After dsm_region_remove(), without dsm_cluster.lock: reset the pages of
 * @r here, so that a region made later at its offsets starts with zero
 * pages and no state of the old one, and drop the table's reference.
 * Netlink handlers run one at a time (genl_mutex), so no region is made
 * at these offsets before this is done.
 */
static void dsm_region_teardown(struct dsm_region *r)
{
	dsm_mem_teardown(r->offset, r->size);
	dsm_region_put(r);
}

/* The region overlapping [offset, offset + size), if any. */
static struct dsm_region *dsm_region_overlap(u64 offset, u64 size)
{
	struct dsm_region *r;

	list_for_each_entry(r, &dsm_cluster.regions, list)
		if (r->offset < offset + size && offset < r->offset + r->size)
			return r;
	return NULL;
}

/*
 * First fit of @size bytes in slice @origin, for a region of @model;
 * returns false if full. An lrc region also keeps off the ranges of
 * deleted lrc regions (dsm_cluster.tombs).
 */
static bool dsm_region_place(u32 origin, u64 size, u8 model, u64 *offset)
{
	u64 start = (u64)origin * DSM_REGION_SLICE;
	u64 end = start + DSM_REGION_SLICE;
	const struct dsm_tomb *t;
	u64 pos = start, moved;
	struct dsm_region *r;

	lockdep_assert_held(&dsm_cluster.lock);
	do {
		moved = pos;
		list_for_each_entry(r, &dsm_cluster.regions, list) {
			if (r->offset + r->size <= pos)
				continue;
			if (r->offset >= end || r->offset >= pos + size)
				break;
			pos = r->offset + r->size;
		}
		while (model == DSM_MODEL_LRC && pos + size <= end &&
		       (t = dsm_tomb_at(pos, size)))
			pos = t->offset + t->size;
	} while (pos != moved && pos + size <= end);
	if (pos + size > end)
		return false;
	*offset = pos;
	return true;
}

static struct dsm_region *dsm_region_alloc(const char *name, u64 offset,
					   u64 size, u8 model, u32 origin,
					   const struct dsm_perm *perm)
{
	struct dsm_region *r = kzalloc(sizeof(*r), GFP_KERNEL);

	if (!r)
		return NULL;
	strscpy(r->name, name, sizeof(r->name));
	r->offset = offset;
	r->size = size;
	r->model = model;
	r->replicas = 1;
	r->origin = origin;
	r->perm = *perm;
	kref_init(&r->ref);
	atomic_set(&r->nr_maps, 0);
	return r;
}

/* Owner, group and mode of a region when nobody says: root's, 0660. */
static const struct dsm_perm dsm_perm_default = {
	.uid = GLOBAL_ROOT_UID,
	.gid = GLOBAL_ROOT_GID,
	.mode = DSM_REGION_MODE_DEFAULT,
};

/* @base with the fields of @given that @set names (DSM_PERM_*). */
static struct dsm_perm dsm_perm_merge(const struct dsm_perm *base,
				      const struct dsm_perm *given, u8 set)
{
	struct dsm_perm p = *base;

	if (set & DSM_PERM_UID)
		p.uid = given->uid;
	if (set & DSM_PERM_GID)
		p.gid = given->gid;
	if (set & DSM_PERM_MODE)
		p.mode = given->mode;
	return p;
}

/*
 * CLUSTER_SET. The fields of @perm that @perm_set names (the others are
 * root, root, 0660) are the default region's owner, group and mode, and
 * the defaults of regions created without them: dsmd gives group "dsm"
 * where it exists (the kernel knows no group names).
 */
int dsm_cluster_set(const char *name, u32 local, u32 portid,
		    const struct dsm_perm *perm, u8 perm_set,
		    struct netlink_ext_ack *extack)
{
	struct dsm_perm p = dsm_perm_merge(&dsm_perm_default, perm, perm_set);
	struct dsm_region *def;
	int ret = 0;

	if (!dsm_name_valid(name)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "cluster name must be [A-Za-z0-9_.-], starting with a letter or digit");
		return -EINVAL;
	}
	mutex_lock(&dsm_cluster.lock);
	if (dsm_cluster.configured) {
		if (strcmp(dsm_cluster.name, name) ||
		    dsm_cluster.local != local) {
			NL_SET_ERR_MSG_MOD(extack,
					   "another cluster name or node id is configured; unload dsm.ko to change it");
			ret = -EBUSY;
		} else {
			/* dsmd restarted: it takes over. */
			dsm_cluster.daemon_portid = portid;
		}
		goto out;
	}
	def = dsm_region_alloc(DSM_DEFAULT_REGION_NAME, 0,
			       DSM_DEFAULT_REGION_SIZE, DSM_MODEL_SC, 0, &p);
	if (!def) {
		ret = -ENOMEM;
		goto out;
	}
	strscpy(dsm_cluster.name, name, sizeof(dsm_cluster.name));
	dsm_cluster.local = local;
	dsm_cluster.def_perm = p;
	/* Below 2^53, as dsmd's: JSON readers take it as a double. */
	dsm_cluster.incarnation = get_random_u64() & (BIT_ULL(53) - 1) ?: 1;
	dsm_cluster.daemon_portid = portid;
	dsm_cluster.configured = true;
	dsm_region_insert(def);
	pr_info("cluster %s, this is node %u, incarnation %llu\n", name, local,
		dsm_cluster.incarnation);
	dsm_nl_notify_region(def, DSM_CMD_REGION_CREATED, false);
out:
	mutex_unlock(&dsm_cluster.lock);
	return ret;
}

/*
 * Fail every wait on node @id: called when it is declared dead or comes
 * back as a new incarnation. Faults waiting on a page whose home or only
 * copy is on @id complete with SIGBUS and one line in the kernel log
 * (dsm_members.c, and every model's node_down).
 */
static void dsm_node_fail_waiters(u32 id)
{
	lockdep_assert_held(&dsm_cluster.lock);
	/* A node that went up had an incarnation; one never up has 0. */
	dsm_members_node_down(id, dsm_cluster.nodes[id].incarnation != 0);
}

static void dsm_node_change(u32 id, u8 state, u8 reason)
{
	struct dsm_node *n = &dsm_cluster.nodes[id];

	lockdep_assert_held(&dsm_cluster.lock);
	n->state = state;
	n->reason = reason;
	n->changed = ktime_get_boottime_seconds();
	switch (state) {
	case DSM_NODE_STATE_UP:
		dsm_stat_inc(DSM_STAT_NODE_UP);
		pr_info("node %u up, incarnation %llu\n", id, n->incarnation);
		dsm_nl_notify_node(id, n, DSM_CMD_NODE_UP);
		break;
	case DSM_NODE_STATE_DOWN:
		dsm_stat_inc(DSM_STAT_NODE_DOWN);
		dsm_node_fail_waiters(id);
		pr_info("node %u down (reason %u)\n", id, reason);
		dsm_nl_notify_node(id, n, DSM_CMD_NODE_DOWN);
		break;
	default:
		pr_info("node %u unknown: its dsmd is gone\n", id);
		dsm_nl_notify_node(id, n, DSM_CMD_NODE_DOWN);
		break;
	}
	dsm_members_node_changed(id);
}

/*
 * The dsmd that configured the cluster closed its netlink socket (it
 * exited or crashed): nobody watches the peers any more, so their state is
 * unknown until a dsmd reports them again.
 */
void dsm_cluster_daemon_gone(u32 portid)
{
	u32 id;

	mutex_lock(&dsm_cluster.lock);
	if (!dsm_cluster.configured || dsm_cluster.daemon_portid != portid)
		goto out;
	dsm_cluster.daemon_portid = 0;
	dsm_models_daemon_gone();
	for (id = 0; id < DSM_NODES_MAX; id++) {
		struct dsm_node *n = &dsm_cluster.nodes[id];

		if (!n->present || id == dsm_cluster.local ||
		    n->state != DSM_NODE_STATE_UP)
			continue;
		dsm_stat_inc(DSM_STAT_NODE_DAEMON_GONE);
		dsm_node_change(id, DSM_NODE_STATE_UNKNOWN, DSM_REASON_NONE);
	}
out:
	mutex_unlock(&dsm_cluster.lock);
}

static bool dsm_node_same_addr(const struct dsm_node *a,
			       const struct dsm_node *b)
{
	if (a->v6 != b->v6 || a->port != b->port)
		return false;
	return a->v6 ? ipv6_addr_equal(&a->addr6, &b->addr6) :
		       a->addr4 == b->addr4;
}

int dsm_node_add(u32 id, const struct dsm_node *addr,
		 struct netlink_ext_ack *extack)
{
	struct dsm_node *n = &dsm_cluster.nodes[id];
	int ret = 0;

	mutex_lock(&dsm_cluster.lock);
	if (!dsm_cluster.configured) {
		NL_SET_ERR_MSG_MOD(extack,
				   "cluster not configured; start dsmd first");
		ret = -ENOTCONN;
		goto out;
	}
	if (n->present) {
		if (dsm_node_same_addr(n, addr))
			goto out;
		if (n->state == DSM_NODE_STATE_UP) {
			NL_SET_ERR_MSG_MOD(extack,
					   "node is up; its address changes only while it is down");
			ret = -EBUSY;
			goto out;
		}
	}
	n->v6 = addr->v6;
	n->addr4 = addr->addr4;
	n->addr6 = addr->addr6;
	n->port = addr->port;
	if (n->present)
		goto out;
	n->present = true;
	n->incarnation = id == dsm_cluster.local ? dsm_cluster.incarnation : 0;
	n->changed = ktime_get_boottime_seconds();
	n->state = DSM_NODE_STATE_UNKNOWN;
	n->reason = DSM_REASON_NONE;
	if (id == dsm_cluster.local)
		dsm_node_change(id, DSM_NODE_STATE_UP, DSM_REASON_JOINED);
out:
	if (!ret)
		dsm_members_node_changed(id);
	mutex_unlock(&dsm_cluster.lock);
	return ret;
}

int dsm_node_del(u32 id, struct netlink_ext_ack *extack)
{
	struct dsm_node *n = &dsm_cluster.nodes[id];
	int ret = 0;

	mutex_lock(&dsm_cluster.lock);
	if (!n->present) {
		NL_SET_ERR_MSG_MOD(extack, "no such node");
		ret = -ENOENT;
	} else if (id == dsm_cluster.local) {
		NL_SET_ERR_MSG_MOD(extack, "the local node cannot be removed");
		ret = -EINVAL;
	} else if (n->state == DSM_NODE_STATE_UP) {
		NL_SET_ERR_MSG_MOD(extack,
				   "node is up; stop its dsmd or mark it down first");
		ret = -EBUSY;
	} else {
		memset(n, 0, sizeof(*n));
		dsm_members_node_changed(id);
	}
	mutex_unlock(&dsm_cluster.lock);
	return ret;
}

int dsm_node_set_state(u32 id, u8 state, u8 reason, u64 incarnation,
		       struct netlink_ext_ack *extack)
{
	struct dsm_node *n = &dsm_cluster.nodes[id];
	int ret = 0;

	mutex_lock(&dsm_cluster.lock);
	if (!n->present) {
		NL_SET_ERR_MSG_MOD(extack, "no such node");
		ret = -ENOENT;
		goto out;
	}
	if (id == dsm_cluster.local) {
		NL_SET_ERR_MSG_MOD(extack,
				   "the local node is always up; only peers change state");
		ret = -EINVAL;
		goto out;
	}
	if (state == DSM_NODE_STATE_UP) {
		if (!incarnation) {
			NL_SET_ERR_MSG_MOD(extack,
					   "a node going up needs its incarnation");
			ret = -EINVAL;
			goto out;
		}
		if (n->state == DSM_NODE_STATE_UP) {
			if (n->incarnation == incarnation)
				goto out;
			/* Restarted before its death was noticed. */
			dsm_stat_inc(DSM_STAT_NODE_RESTART);
			dsm_node_change(id, DSM_NODE_STATE_DOWN,
					DSM_REASON_RESTARTED);
			reason = DSM_REASON_RESTARTED;
		} else if (n->incarnation && n->incarnation != incarnation) {
			dsm_stat_inc(DSM_STAT_NODE_RESTART);
		}
		n->incarnation = incarnation;
		dsm_node_change(id, DSM_NODE_STATE_UP,
				reason ? reason : DSM_REASON_JOINED);
	} else if (n->state != DSM_NODE_STATE_DOWN) {
		dsm_node_change(id, DSM_NODE_STATE_DOWN,
				reason ? reason : DSM_REASON_ADMIN);
	}
out:
	mutex_unlock(&dsm_cluster.lock);
	return ret;
}

static int dsm_region_replica(const struct dsm_region_req *req,
			      struct dsm_region *out, struct dsm_region **gone,
			      struct netlink_ext_ack *extack)
{
	u64 slice = (u64)req->origin * DSM_REGION_SLICE;
	struct dsm_region *old, *r;
	struct dsm_perm perm;

	if (req->offset < slice ||
	    req->offset + req->size > slice + DSM_REGION_SLICE) {
		NL_SET_ERR_MSG_MOD(extack,
				   "replica lies outside its origin node's slice");
		return -EINVAL;
	}
	old = dsm_region_find(req->name);
	if (old && old->offset == req->offset && old->size == req->size &&
	    old->model == req->model && old->origin == req->origin) {
		*out = *old;
		return 0;
	}
	if (old && old->origin <= req->origin) {
		dsm_stat_inc(DSM_STAT_REGION_CONFLICT);
		NL_SET_ERR_MSG_MOD(extack,
				   "a region of that name from a node with a lower id exists");
		return -EEXIST;
	}
	r = dsm_region_overlap(req->offset, req->size);
	if (r && r != old) {
		dsm_stat_inc(DSM_STAT_REGION_CONFLICT);
		NL_SET_ERR_MSG_MOD(extack, "replica overlaps another region");
		return -EEXIST;
	}
	perm = dsm_perm_merge(&dsm_cluster.def_perm, &req->perm, req->perm_set);
	r = dsm_region_alloc(req->name, req->offset, req->size, req->model,
			     req->origin, &perm);
	if (!r)
		return -ENOMEM;
	r->replicas = req->replicas;
	if (old) {
		/* Same name from a lower node id: it wins everywhere. */
		dsm_stat_inc(DSM_STAT_REGION_CONFLICT);
		pr_info("region %s: keeping node %u's, dropping node %u's\n",
			req->name, req->origin, old->origin);
		dsm_region_remove(old, true);
		*gone = old;
	}
	dsm_region_insert(r);
	dsm_nl_notify_region(r, DSM_CMD_REGION_CREATED, true);
	*out = *r;
	return 0;
}

int dsm_region_new(const struct dsm_region_req *req, struct dsm_region *out,
		   struct netlink_ext_ack *extack)
{
	struct dsm_region *r, *gone = NULL;
	struct dsm_perm perm;
	u64 offset;
	int ret = 0;

	if (!dsm_name_valid(req->name)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "region name must be [A-Za-z0-9_.-], starting with a letter or digit");
		return -EINVAL;
	}
	if (!strcmp(req->name, DSM_DEFAULT_REGION_NAME)) {
		NL_SET_ERR_MSG_MOD(extack, "the name 'default' is reserved");
		return -EEXIST;
	}
	if (req->size % DSM_REGION_ALIGN ||
	    (req->replica && req->offset % DSM_REGION_ALIGN)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "region size and offset must be multiples of 4 KiB");
		return -EINVAL;
	}
	mutex_lock(&dsm_cluster.lock);
	if (!dsm_cluster.configured) {
		NL_SET_ERR_MSG_MOD(extack,
				   "cluster not configured; start dsmd first");
		ret = -ENOTCONN;
		goto out;
	}
	if (dsm_cluster.nr_regions >= DSM_REGIONS_MAX &&
	    !dsm_region_find(req->name)) {
		NL_SET_ERR_MSG_MOD(extack, "too many regions; delete one first");
		ret = -ENOSPC;
		goto out;
	}
	if (req->replica) {
		ret = dsm_region_replica(req, out, &gone, extack);
		goto out;
	}
	if (dsm_region_find(req->name)) {
		NL_SET_ERR_MSG_MOD(extack, "a region of that name exists");
		ret = -EEXIST;
		goto out;
	}
	if (!dsm_region_place(dsm_cluster.local, req->size, req->model,
			      &offset)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "no room for the region in this node's slice of the DSM space");
		ret = -ENOSPC;
		goto out;
	}
	perm = dsm_perm_merge(&dsm_cluster.def_perm, &req->perm, req->perm_set);
	r = dsm_region_alloc(req->name, offset, req->size, req->model,
			     dsm_cluster.local, &perm);
	if (!r) {
		ret = -ENOMEM;
		goto out;
	}
	r->replicas = req->replicas;
	dsm_region_insert(r);
	dsm_nl_notify_region(r, DSM_CMD_REGION_CREATED, false);
	*out = *r;
out:
	mutex_unlock(&dsm_cluster.lock);
	if (gone)
		dsm_region_teardown(gone);
	return ret;
}

/**
 * dsm_region_del() - delete region @name (REGION_DEL).
 * @name:	its name.
 * @match_offset: only if it is at @offset (a replica names the one its
 *		origin deleted).
 * @offset:	see @match_offset.
 * @replica:	the deletion was made on another node (dsmd replicates it).
 * @extack:	for the reason of a refusal.
 *
 * A deletion made here is refused with EBUSY while a process of this
 * node maps part of the region, as umount and drbdsetup down refuse a
 * device in use. A replica cannot be refused (the region is gone on its
 * origin): the mappings here lose it, their next access gets SIGBUS.
 * Either way this node's pages of the region are reset before it returns
 * (Documentation/control-plane.md, "Deleting a region").
 *
 * Return: 0, -ENOENT, or -EBUSY (the default region, or mapped here).
 */
int dsm_region_del(const char *name, bool match_offset, u64 offset,
		   bool replica, struct netlink_ext_ack *extack)
{
	struct dsm_region *r;
	int ret = 0;

	mutex_lock(&dsm_cluster.lock);
	r = dsm_region_find(name);
	if (!r || (match_offset && r->offset != offset)) {
		NL_SET_ERR_MSG_MOD(extack, "no such region");
		ret = -ENOENT;
	} else if (!strcmp(name, DSM_DEFAULT_REGION_NAME)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "the default region cannot be deleted");
		ret = -EBUSY;
	} else if (!replica && atomic_read(&r->nr_maps)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "region is mapped by a process on this node; unmap it first");
		ret = -EBUSY;
	} else {
		dsm_region_remove(r, replica);
	}
	mutex_unlock(&dsm_cluster.lock);
	if (!ret)
		dsm_region_teardown(r);
	return ret;
}
