// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_main.c - module entry, the /dev/dsm misc device and its file ops.
 *
 * Every open file of /dev/dsm uses the page store's one address_space
 * (dsm_mem.c); mmap, read and write go there. Offsets outside every
 * region (all of them before the cluster is formed) fail with ENXIO.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "dsm_internal.h"
#include "dsm_model.h"
#include "core/dsm_members.h"

static int dsm_open(struct inode *inode, struct file *file)
{
	struct dsm_file *df;

	df = kzalloc(sizeof(*df), GFP_KERNEL);
	if (!df)
		return -ENOMEM;
	df->fence_gen = dsm_fence_gen();
	file->private_data = df;
	dsm_mem_open(file);
	return 0;
}

/* Closing the file releases what models hold for it (lrc: its locks). */
static int dsm_release(struct inode *inode, struct file *file)
{
	dsm_models_file_release(file->private_data);
	kfree(file->private_data);
	return 0;
}

/*
 * Only shared mappings make sense for shared memory: a private mapping
 * would silently stop seeing other nodes' writes, so it is refused with
 * EINVAL, as documented in Documentation/uapi.md; see dsm_mem_mmap().
 */
static int dsm_mmap(struct file *file, struct vm_area_struct *vma)
{
	return dsm_mem_mmap(file, vma);
}

static ssize_t dsm_read(struct file *file, char __user *buf, size_t len,
			loff_t *ppos)
{
	return dsm_mem_read(file, buf, len, ppos);
}

static ssize_t dsm_write(struct file *file, const char __user *buf,
			 size_t len, loff_t *ppos)
{
	return dsm_mem_write(file, buf, len, ppos);
}

/*
 * The first live region overlapping [@off, @end]: its model, offset and
 * size. Return: false if there is none.
 */
static bool dsm_region_from(u64 off, u64 end, u8 *model, u64 *start,
			    u64 *size)
{
	struct dsm_region *r;
	bool found = false;

	mutex_lock(&dsm_cluster.lock);
	list_for_each_entry(r, &dsm_cluster.regions, list) {
		if (r->dead || r->offset > end || r->offset + r->size <= off)
			continue;
		if (!found || r->offset < *start) {
			*model = r->model;
			*start = r->offset;
			*size = r->size;
			found = true;
		}
	}
	mutex_unlock(&dsm_cluster.lock);
	return found;
}

/*
 * fsync, and msync(MS_SYNC) of a mapping: each model makes the pages of
 * the range that this node wrote as durable as it can (sc: pushed to a
 * shadow holder, Documentation/sc.md "Shadows and msync"; a model
 * without an msync call has nothing to do).
 */
static int dsm_fsync(struct file *file, loff_t start, loff_t end,
		     int datasync)
{
	const struct dsm_model_ops *ops;
	u64 off = max_t(loff_t, start, 0), last, rstart, rsize;
	int err = 0, e;
	u8 model;

	if (end < start)
		return 0;
	last = min_t(u64, end, DSM_SPACE_SIZE - 1);
	while (off <= last && dsm_region_from(off, last, &model, &rstart,
					      &rsize)) {
		off = max(off, rstart);
		ops = dsm_model_get(model);
		e = ops && ops->msync ?
		    ops->msync(off >> PAGE_SHIFT,
			       min(last, rstart + rsize - 1) >> PAGE_SHIFT) : 0;
		err = err ?: e;
		off = rstart + rsize;
	}
	return err;
}

static loff_t dsm_llseek(struct file *file, loff_t offset, int whence)
{
	return generic_file_llseek_size(file, offset, whence, DSM_SPACE_SIZE,
					 DSM_SPACE_SIZE);
}

static long dsm_ioctl_api(void __user *argp)
{
	struct dsm_api api;

	if (copy_from_user(&api, argp, sizeof(api)))
		return -EFAULT;
	if (!api.api || api.reserved)
		return -EINVAL;
	api.api = DSM_API_VERSION;
	api.features = DSM_FEATURE_MAP_SC | DSM_FEATURE_MAP_LRC |
		       DSM_FEATURE_REGION_PERM | DSM_FEATURE_REGION_SYNC;
	if (copy_to_user(argp, &api, sizeof(api)))
		return -EFAULT;
	return 0;
}

/*
 * LOCK_ACQUIRE, LOCK_RELEASE, BARRIER: Documentation/uapi.md. The locks
 * and barriers are the lrc model's (sc needs none: its accesses are
 * ordered already). With DSM_SYNC_F_REGION they belong to a region and
 * need write permission on it; without, they are the cluster-wide ids
 * of API version 3, for CAP_SYS_ADMIN only (dsm_sync_permission()).
 * A lock or barrier is the pair (namespace, id), dsm_sync_key(), in the
 * kernels and the managers alike (Documentation/lrc.md, "Lock and
 * barrier namespaces").
 */
static long dsm_ioctl_sync(struct file *file, unsigned int cmd,
			   void __user *argp)
{
	const struct dsm_model_ops *model = dsm_model_get(DSM_MODEL_LRC);
	struct dsm_file *df = file->private_data;
	struct dsm_sync s;
	u64 key;
	u32 ns;
	int ret;

	if (copy_from_user(&s, argp, sizeof(s)))
		return -EFAULT;
	ret = dsm_sync_permission(file, s.flags, s.reserved, &ns);
	if (ret)
		return ret;
	key = dsm_sync_key(ns, s.id);
	if (!model)
		return -EOPNOTSUPP;
	switch (cmd) {
	case DSM_IOC_LOCK_ACQUIRE:
		return model->acquire(df, key);
	case DSM_IOC_LOCK_RELEASE:
		return model->release(df, key);
	default:
		/* barrier() is a macro: the op is called through a pointer. */
		return (*model->barrier)(df, key);
	}
}

/*
 * REGION_INFO tells where a region is, for mapping it or using its locks:
 * it needs read or write permission on the region, as that use does.
 */
static long dsm_ioctl_region_info(struct file *file, void __user *argp)
{
	struct dsm_region_info ri;
	struct dsm_region *r;
	int ret = 0;

	if (copy_from_user(&ri, argp, sizeof(ri)))
		return -EFAULT;
	if (ri.reserved || !memchr(ri.name, 0, sizeof(ri.name)) ||
	    !dsm_name_valid(ri.name))
		return -EINVAL;
	mutex_lock(&dsm_cluster.lock);
	r = dsm_region_find(ri.name);
	if (!r) {
		ret = -ENOENT;
	} else if (dsm_region_permission(file, r, MAY_READ) &&
		   dsm_region_permission(file, r, MAY_WRITE)) {
		ret = -EACCES;
	} else {
		ri.offset = r->offset;
		ri.size = r->size;
		ri.model = r->model;
		ri.origin = r->origin;
	}
	mutex_unlock(&dsm_cluster.lock);
	if (ret)
		return ret;
	if (copy_to_user(argp, &ri, sizeof(ri)))
		return -EFAULT;
	return 0;
}

static long dsm_ioctl_node_info(void __user *argp)
{
	struct dsm_node_info ni;

	/* _IOWR: reserved must be zero on the way in (uapi). */
	if (copy_from_user(&ni, argp, sizeof(ni)))
		return -EFAULT;
	if (ni.reserved)
		return -EINVAL;
	memset(&ni, 0, sizeof(ni));
	mutex_lock(&dsm_cluster.lock);
	if (dsm_cluster.configured) {
		ni.node_id = dsm_cluster.local;
		ni.nr_nodes = dsm_nodes_present();
		ni.nr_up = dsm_nodes_up();
	}
	mutex_unlock(&dsm_cluster.lock);
	if (!ni.nr_nodes)
		return -ENOTCONN;
	if (copy_to_user(argp, &ni, sizeof(ni)))
		return -EFAULT;
	return 0;
}

static long dsm_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case DSM_IOC_API:
		return dsm_ioctl_api(argp);
	case DSM_IOC_LOCK_ACQUIRE:
	case DSM_IOC_LOCK_RELEASE:
	case DSM_IOC_BARRIER:
		return dsm_ioctl_sync(file, cmd, argp);
	case DSM_IOC_REGION_INFO:
		return dsm_ioctl_region_info(file, argp);
	case DSM_IOC_NODE_INFO:
		return dsm_ioctl_node_info(argp);
	default:
		return -ENOTTY;
	}
}

const struct file_operations dsm_fops = {
	.owner		= THIS_MODULE,
	.open		= dsm_open,
	.release	= dsm_release,
	.mmap		= dsm_mmap,
	.read		= dsm_read,
	.write		= dsm_write,
	.llseek		= dsm_llseek,
	.fsync		= dsm_fsync,
	.unlocked_ioctl	= dsm_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

/*
 * 0660: only root and group "dsm" open /dev/dsm. The kernel makes the
 * node root's; udev/60-dsm.rules gives it the group (the virtual
 * cluster's init does it by hand). Each region then has its own owner,
 * group and mode (dsm_perm.c).
 */
static struct miscdevice dsm_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= DSM_DEVICE_NAME,
	.fops	= &dsm_fops,
	.mode	= 0660,
};

static int __init dsm_init(void)
{
	int ret;

	ret = dsm_auth_init();
	if (ret)
		return ret;
	dsm_stats_init();
	dsm_cluster_init();
	dsm_members_init();
	ret = dsm_sc_init();
	if (ret)
		goto err_cluster;
	ret = dsm_lrc_init();
	if (ret)
		goto err_sc;
	ret = dsm_mem_init();
	if (ret)
		goto err_lrc;
	ret = dsm_tcp_init();
	if (ret)
		goto err_mem;
	dsm_transport_check_chosen();
	ret = dsm_nl_init();
	if (ret)
		goto err_tcp;
	ret = misc_register(&dsm_miscdev);
	if (ret) {
		pr_err("cannot register /dev/%s: %d\n", DSM_DEVICE_NAME, ret);
		goto err_nl;
	}
	dsm_debugfs_init();
	dsm_inject_init();
	pr_info("version %s loaded, API %d\n", DSM_MODULE_VERSION,
		DSM_API_VERSION);
	return 0;

err_nl:
	dsm_nl_exit();
err_tcp:
	dsm_tcp_exit();
err_mem:
	dsm_sc_stop();
	dsm_lrc_stop();
	dsm_mem_exit();
err_lrc:
	dsm_lrc_exit();
err_sc:
	dsm_sc_exit();
err_cluster:
	dsm_members_exit();
	dsm_cluster_exit();
	dsm_auth_exit();
	return ret;
}

/*
 * Nothing maps or opens /dev/dsm any more (each holds a module
 * reference). Fault injection goes first (its delayed sends use the
 * transport, and its files are in the debugfs directory); netlink next,
 * so the membership stops changing; then the transport (connections,
 * threads), the models' background work (it holds pages), then the page
 * store.
 */
static void __exit dsm_exit(void)
{
	dsm_inject_exit();
	dsm_debugfs_exit();
	misc_deregister(&dsm_miscdev);
	dsm_nl_exit();
	dsm_leave_exit();
	dsm_tcp_exit();
	dsm_members_exit();
	dsm_sc_stop();
	dsm_lrc_stop();
	dsm_mem_exit();
	dsm_lrc_exit();
	dsm_sc_exit();
	dsm_home_exit();
	dsm_cluster_exit();
	dsm_auth_exit();
	pr_info("unloaded\n");
}

module_init(dsm_init);
module_exit(dsm_exit);

MODULE_DESCRIPTION("dsm: distributed shared memory");
MODULE_AUTHOR("The dsm developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(DSM_MODULE_VERSION);
