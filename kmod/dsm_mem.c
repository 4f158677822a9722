// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_mem.c - the page store and the file side of /dev/dsm: mmap and its
 * faults, read and write.
 *
 * Page store: one anonymous inode on a private pseudo filesystem (as DRM
 * does) whose address_space every open file of /dev/dsm uses as its
 * f_mapping. So all local mappings of one DSM page map one frame (several
 * processes on a node share one local copy), and unmap_mapping_range() on
 * that mapping removes a page from every local mapping at once. Frames
 * are page cache folios of that mapping, allocated zeroed on first need,
 * unevictable, and pinned by a reference of ours (dsm_frame.c): the only
 * thing that changes what a node holds is the protocol, which frees a
 * frame only when sc finds it a useless shadow (dsm_sc_drop.c).
 *
 * Per DSM page a struct dsm_pg (dsm_model.h) lives in dsm_mem.pages, an
 * xarray keyed by page number; entries are created on first use and kept
 * until unload (so a pointer to one stays valid without a reference).
 *
 * Fault path (Documentation/sc.md): .fault asks the region's model for
 * the access it needs (write access directly on a write fault). If the
 * page is here, the model returns the frame locked and it is mapped. If
 * not, the model starts or joins the page's request; the fault takes a
 * file reference, drops mmap_lock (or the per-VMA lock) with
 * release_fault_lock(), sends the request if it created it, waits for it
 * (killable, at most fault_timeout_ms) and returns VM_FAULT_RETRY, as
 * filemap and userfaultfd do. A cold miss (a page never held here) also
 * starts, without waiting, requests for the next readahead_pages pages of
 * the mapping never held here either (read-ahead, so that sequential
 * first touches pipeline their round trips). A write to a page mapped read-only reaches
 * .page_mkwrite, which may not drop the lock: it starts the write request
 * asynchronously, unmaps the page and returns VM_FAULT_NOPAGE, so that
 * the access faults again through .fault, which waits as above. A fault
 * whose request failed or timed out gets SIGBUS, with a rate-limited line
 * in the kernel log and a counter; a page whose request recently failed
 * fails at once for fault_timeout_ms (forever if its node died), so a
 * retried fault cannot loop.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pagemap.h>
#include <linux/pseudo_fs.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "dsm_internal.h"
#include "dsm_model.h"

static unsigned int fault_timeout_ms = 5000;
module_param(fault_timeout_ms, uint, 0644);
MODULE_PARM_DESC(fault_timeout_ms,
		 "Longest wait for a page from another node, ms (100..600000; default 5000); then SIGBUS or EIO");

static unsigned int grant_hold_us = 1000;
module_param(grant_hold_us, uint, 0644);
MODULE_PARM_DESC(grant_hold_us,
		 "How long a page just obtained for a waiting fault is kept before another node may take it, us (0..100000; default 1000)");

unsigned long dsm_fault_timeout(void)
{
	return msecs_to_jiffies(clamp(READ_ONCE(fault_timeout_ms), 100U,
				      600000U));
}

u64 dsm_grant_hold_ns(void)
{
	return (u64)min(READ_ONCE(grant_hold_us), 100000U) * NSEC_PER_USEC;
}

#define DSM_FS_MAGIC	0x44534d21	/* "DSM!" */

/**
 * struct dsm_mem - the page store.
 * @mnt:	the private pseudo filesystem.
 * @inode:	its one inode; @inode->i_mapping is the store.
 * @pages:	struct dsm_pg by page number (xarray, its own lock).
 */
static struct dsm_mem {
	struct vfsmount *mnt;
	struct inode *inode;
	struct xarray pages;
} dsm_mem;

static int dsm_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, DSM_FS_MAGIC) ? 0 : -ENOMEM;
}

/*
 * No .owner: the mount lives as long as the module, and a module
 * reference from it would forbid unloading.
 */
static struct file_system_type dsm_fs_type = {
	.name		= "dsm_mem",
	.init_fs_context = dsm_fs_init_fs_context,
	.kill_sb	= kill_anon_super,
};

/* Frames are never written back: dirtying one only sets the flag. */
static const struct address_space_operations dsm_aops = {
	.dirty_folio	= noop_dirty_folio,
};

/* ---------------------------------------------------------- dsm_pg */

struct dsm_pg *dsm_pg_find(u64 pgno)
{
	return xa_load(&dsm_mem.pages, pgno);
}

/**
 * dsm_pg_get() - the struct dsm_pg of page @pgno, created if needed.
 * @pgno:	page number, below DSM_MAX_PAGES.
 *
 * Return: the entry (valid until unload), or an ERR_PTR.
 */
struct dsm_pg *dsm_pg_get(u64 pgno)
{
	struct dsm_pg *pg, *old;
	int ret;

	if (pgno >= DSM_MAX_PAGES)
		return ERR_PTR(-ENXIO);
	pg = xa_load(&dsm_mem.pages, pgno);
	if (pg)
		return pg;
	pg = kzalloc(sizeof(*pg), GFP_KERNEL);
	if (!pg)
		return ERR_PTR(-ENOMEM);
	spin_lock_init(&pg->lock);
	pg->pgno = pgno;
	pg->home = dsm_members_home(pgno, &pg->home_epoch);
	ret = dsm_models_pg_init(pg);
	if (ret) {
		kfree(pg);
		return ERR_PTR(ret);
	}
	old = xa_cmpxchg(&dsm_mem.pages, pgno, NULL, pg, GFP_KERNEL);
	if (old) {
		dsm_models_pg_free(pg);
		kfree(pg);
		return xa_is_err(old) ? ERR_PTR(xa_err(old)) : old;
	}
	return pg;
}

static int dsm_region_at(u64 off, u8 *model, u64 *end);

/* Does a region of @model hold page @pgno here? Sleeps. */
bool dsm_pg_of_model(u64 pgno, u8 model)
{
	u64 end;
	u8 m;

	return pgno < DSM_MAX_PAGES &&
	       !dsm_region_at(pgno << PAGE_SHIFT, &m, &end) && m == model;
}

/**
 * dsm_pg_get_peer() - dsm_pg_get() for a page a peer's message names.
 * @pgno:	page number.
 * @model:	the model whose message it is.
 *
 * A page is used only inside a region of @model known here, so that no
 * peer makes this node keep state for pages nobody mapped, and no
 * message of a deleted region reaches a page that another model's
 * region now holds.
 *
 * Return: the entry, ERR_PTR(-ENXIO) if no region of @model holds
 * @pgno, or dsm_pg_get()'s errors.
 */
struct dsm_pg *dsm_pg_get_peer(u64 pgno, u8 model)
{
	if (dsm_pg_of_model(pgno, model))
		return dsm_pg_get(pgno);
	dsm_stat_inc(DSM_STAT_RX_NO_REGION);
	return ERR_PTR(-ENXIO);
}

/* The page store's mapping: every local mapping of dsm memory. */
struct address_space *dsm_mem_mapping(void)
{
	return dsm_mem.inode->i_mapping;
}

void dsm_mem_for_each(void (*fn)(struct dsm_pg *pg, void *arg), void *arg)
{
	struct dsm_pg *pg;
	unsigned long i;

	xa_for_each(&dsm_mem.pages, i, pg)
		fn(pg, arg);
}

/*
 * Back to the state of a page never used: the page's region was deleted.
 * Under its folio lock (if it has a frame), so that no access is in the
 * middle of it: unmapped everywhere here, zeroed, each model's state
 * reset, a request in flight failed (-ENXIO: its late answer finds none),
 * and @pg->gen bumped, so that a fetch begun before applies nothing.
 */
static void dsm_pg_reset(struct dsm_pg *pg)
{
	struct folio *folio = dsm_pg_lock_frame(pg);
	struct dsm_req *req;

	WRITE_ONCE(pg->gen, pg->gen + 1);
	dsm_pg_zap(pg);
	if (folio)
		folio_zero_range(folio, 0, folio_size(folio));
	dsm_models_pg_reset(pg);
	spin_lock(&pg->lock);
	req = pg->req;
	if (req)
		kref_get(&req->ref);
	spin_unlock(&pg->lock);
	if (req) {
		dsm_req_complete(pg, req, -ENXIO);
		dsm_req_put(req);
	}
	spin_lock(&pg->lock);
	pg->fail_err = 0;
	pg->fail_until = 0;
	pg->hold_until = 0;
	spin_unlock(&pg->lock);
	if (folio)
		folio_unlock(folio);
}

/**
 * dsm_mem_teardown() - reset this node's pages of a deleted region.
 * @offset:	the region's first byte.
 * @size:	its bytes.
 *
 * Its mappings here are zapped first (they fault again and get SIGBUS:
 * the region is dead), then every page of the range this node has state
 * for is reset (dsm_pg_reset()), so that a region made later at these
 * offsets, of either model, starts with zero pages. Sleeps; no lock held.
 */
void dsm_mem_teardown(u64 offset, u64 size)
{
	unsigned long first = offset >> PAGE_SHIFT;
	unsigned long last = (offset + size - 1) >> PAGE_SHIFT;
	struct dsm_pg *pg;
	unsigned long i;
	u64 n = 0;

	unmap_mapping_range(dsm_mem.inode->i_mapping, offset, size, 0);
	xa_for_each_range(&dsm_mem.pages, i, pg, first, last) {
		dsm_pg_reset(pg);
		n++;
		cond_resched();
	}
	dsm_stat_add(DSM_STAT_REGION_PAGES_RESET, n);
}

/**
 * dsm_access() - obtain @write or read access to @pg, waiting if needed.
 * @pg:		the page.
 * @model:	its region's model.
 * @write:	write access.
 * @ra_end:	first page after the transfer: read-ahead stays below.
 *
 * For read and write (no fault lock is held). Return: 0 with the frame
 * locked, or a negative errno (logged).
 */
static int dsm_access(struct dsm_pg *pg, const struct dsm_model_ops *model,
		      bool write, u64 ra_end)
{
	struct dsm_req *req;
	int ret;

	for (;;) {
		req = NULL;
		ret = write ? model->write_fault(pg, &req) :
			      model->fault(pg, &req);
		if (!ret)
			return 0;
		if (ret != -EAGAIN && ret != -EINPROGRESS)
			break;
		if (ret == -EINPROGRESS) {
			bool cold = !dsm_pg_folio(pg);

			model->start(pg, req);
			if (cold)
				dsm_req_readahead(model, pg->pgno, ra_end, write);
		}
		ret = dsm_req_wait(pg, req);
		dsm_req_put(req);
		if (ret)
			break;
	}
	if (ret != -EINTR)
		dsm_access_failed(pg, ret, false);
	return ret;
}

/* ---------------------------------------------------------- faults */

static vm_fault_t dsm_fault_error(struct dsm_pg *pg, int err)
{
	if (err == -ENOMEM)
		return VM_FAULT_OOM;
	dsm_access_failed(pg, err, true);
	return VM_FAULT_SIGBUS;
}

/*
 * @req is in flight (started by us if @start): wait for it. Returns
 * VM_FAULT_RETRY with the fault lock released, or, when the fault may not
 * be retried, waits with the lock held and returns 0 to try again or an
 * error.
 */
static vm_fault_t dsm_fault_wait(struct vm_fault *vmf, struct dsm_pg *pg,
				 const struct dsm_model_ops *model,
				 struct dsm_req *req, bool start)
{
	struct file *file;
	bool cold;
	u64 end;
	int ret;

	if (!(vmf->flags & FAULT_FLAG_ALLOW_RETRY)) {
		/* GUP that cannot drop the lock: a bounded wait with it. */
		if (start)
			model->start(pg, req);
		ret = dsm_req_wait(pg, req);
		dsm_req_put(req);
		return ret ? dsm_fault_error(pg, ret) : 0;
	}
	if (vmf->flags & FAULT_FLAG_RETRY_NOWAIT) {
		/* The lock must stay held: send from a worker. */
		if (start)
			dsm_req_start_async(req);
		else
			dsm_req_put(req);
		return VM_FAULT_RETRY;
	}
	/* Keep the module and the file alive once the VMA may go away. */
	file = get_file(vmf->vma->vm_file);
	end = vmf->vma->vm_pgoff + vma_pages(vmf->vma);
	cold = start && !dsm_pg_folio(pg);
	release_fault_lock(vmf);
	if (start)
		model->start(pg, req);
	if (cold)
		dsm_req_readahead(model, pg->pgno, end,
				  vmf->flags & FAULT_FLAG_WRITE);
	ret = dsm_req_wait(pg, req);
	if (!ret && start)
		dsm_req_account(req);
	dsm_req_put(req);
	fput(file);
	/*
	 * Whatever happened, the fault is retried: a failure or a timeout
	 * left pg->fail_err or req->expired, so the retry fails at once
	 * with the fault lock held, as VM_FAULT_SIGBUS requires. It waited
	 * for the network: a major fault (which also makes the per-VMA-lock
	 * path of newer kernels retry with FAULT_FLAG_TRIED).
	 */
	return VM_FAULT_RETRY | VM_FAULT_MAJOR;
}

/*
 * Count what the first attempt of one entry into the fault path found
 * (Documentation/sc.md, "Fault counters"): the page here (fault_local, or
 * for a retry nothing more), a request started (fault_net) or joined
 * (fault_coalesced, counted by the model); a retry that had to start or
 * join again found the page taken before it could use it (fault_stolen).
 */
static void dsm_fault_count(bool retry, int ret)
{
	if (!ret) {
		if (!retry)
			dsm_stat_inc(DSM_STAT_FAULT_LOCAL);
		return;
	}
	if (ret == -EINPROGRESS)
		dsm_stat_inc(DSM_STAT_FAULT_NET);
	if (retry && (ret == -EINPROGRESS || ret == -EAGAIN))
		dsm_stat_inc(DSM_STAT_FAULT_STOLEN);
}

/*
 * A fault on a mapping of a region that was deleted since (or that is
 * being deleted: its pages are being reset): SIGBUS, one log line. With
 * @pg's folio locked when the page was obtained: checked again then, as
 * a deletion resets the page under that lock after marking the region
 * dead, so no fault maps a page of the next region at these offsets.
 */
static bool dsm_fault_dead(struct dsm_region *r, struct dsm_pg *pg,
			   bool locked)
{
	if (!READ_ONCE(r->dead))
		return false;
	if (locked)
		folio_unlock(pg->folio);
	dsm_stat_inc(DSM_STAT_FAULT_SIGBUS);
	pr_warn_ratelimited("fault on page %llu of deleted region %s: SIGBUS\n",
			    pg->pgno, r->name);
	return true;
}

static vm_fault_t dsm_vm_fault(struct vm_fault *vmf)
{
	struct dsm_region *r = vmf->vma->vm_private_data;
	const struct dsm_model_ops *model = dsm_model_get(r->model);
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	bool retry = vmf->flags & FAULT_FLAG_TRIED;
	bool first = true;
	struct dsm_req *req;
	struct dsm_pg *pg;
	vm_fault_t vret;
	int ret;

	if (retry)
		dsm_stat_inc(DSM_STAT_FAULT_RETRY);
	else
		dsm_stat_inc(write ? DSM_STAT_FAULT_WRITE :
				     DSM_STAT_FAULT_READ);
	pg = dsm_pg_get(vmf->pgoff);
	if (IS_ERR(pg))
		return PTR_ERR(pg) == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
	for (;;) {
		if (dsm_fault_dead(r, pg, false) ||
		    dsm_fence_fault(vmf, pg, false))
			return VM_FAULT_SIGBUS;
		req = NULL;
		ret = write ? model->write_fault(pg, &req) :
			      model->fault(pg, &req);
		if (first)
			dsm_fault_count(retry, ret);
		first = false;
		if (!ret) {
			if (dsm_fault_dead(r, pg, true) ||
			    dsm_fence_fault(vmf, pg, true))
				return VM_FAULT_SIGBUS;
			folio_get(pg->folio);
			vmf->page = folio_page(pg->folio, 0);
			return VM_FAULT_LOCKED;
		}
		if (ret != -EAGAIN && ret != -EINPROGRESS)
			return dsm_fault_error(pg, ret);
		vret = dsm_fault_wait(vmf, pg, model, req,
				      ret == -EINPROGRESS);
		if (vret)
			return vret;
	}
}

/*
 * First write to a page mapped read-only. page_mkwrite runs without
 * FAULT_FLAG_ALLOW_RETRY, so it cannot drop the fault lock to wait: it
 * starts the write request from a worker, unmaps the page and has the
 * access fault again, through dsm_vm_fault(), which waits properly.
 */
static vm_fault_t dsm_vm_page_mkwrite(struct vm_fault *vmf)
{
	struct dsm_region *r = vmf->vma->vm_private_data;
	const struct dsm_model_ops *model = dsm_model_get(r->model);
	struct dsm_req *req = NULL;
	struct dsm_pg *pg;
	int ret;

	dsm_stat_inc(DSM_STAT_FAULT_MKWRITE);
	pg = dsm_pg_get(vmf->pgoff);
	if (IS_ERR(pg) || dsm_fault_dead(r, pg, false) ||
	    dsm_fence_fault(vmf, pg, false))
		return VM_FAULT_SIGBUS;
	ret = model->write_fault(pg, &req);
	dsm_fault_count(false, ret);
	if (!ret)
		return dsm_fault_dead(r, pg, true) ||
		       dsm_fence_fault(vmf, pg, true) ? VM_FAULT_SIGBUS :
							 VM_FAULT_LOCKED;
	if (ret != -EAGAIN && ret != -EINPROGRESS)
		return dsm_fault_error(pg, ret);
	if (ret == -EINPROGRESS)
		dsm_req_start_async(req);
	else
		dsm_req_put(req);
	dsm_pg_zap(pg);
	return VM_FAULT_NOPAGE;
}

/*
 * A mapping holds a reference to its region and counts in its nr_maps
 * (taken in dsm_mem_mmap()); a copy (fork) or a part (split) of it takes
 * its own.
 */
static void dsm_vm_open(struct vm_area_struct *vma)
{
	struct dsm_region *r = vma->vm_private_data;

	kref_get(&r->ref);
	atomic_inc(&r->nr_maps);
}

static void dsm_vm_close(struct vm_area_struct *vma)
{
	struct dsm_region *r = vma->vm_private_data;

	atomic_dec(&r->nr_maps);
	dsm_region_put(r);
}

static const struct vm_operations_struct dsm_vm_ops = {
	.open		= dsm_vm_open,
	.close		= dsm_vm_close,
	.fault		= dsm_vm_fault,
	.page_mkwrite	= dsm_vm_page_mkwrite,
};

/* ---------------------------------------------------------- file ops */

/*
 * The region holding [@off, @off + @len): its model, and in *@end the end
 * of the region. Return: 0, or -ENXIO if no region holds @off.
 */
static int dsm_region_at(u64 off, u8 *model, u64 *end)
{
	struct dsm_region *r;
	int ret = -ENXIO;

	mutex_lock(&dsm_cluster.lock);
	list_for_each_entry(r, &dsm_cluster.regions, list) {
		if (off >= r->offset && off < r->offset + r->size) {
			*model = r->model;
			*end = r->offset + r->size;
			ret = 0;
			break;
		}
	}
	mutex_unlock(&dsm_cluster.lock);
	return ret;
}

void dsm_mem_open(struct file *file)
{
	file->f_mapping = dsm_mem.inode->i_mapping;
}

/**
 * dsm_mem_mmap() - map a range of one region.
 * @file:	an open /dev/dsm.
 * @vma:	the new mapping.
 *
 * Errnos (Documentation/uapi.md): EINVAL for a private mapping, ENXIO if
 * the range is not inside one region, EOPNOTSUPP for a region whose model
 * this module cannot map, EACCES if the region's mode refuses the opener
 * of @file read access, or write access to a writable mapping. A mapping
 * without write permission cannot be made writable later (no
 * VM_MAYWRITE: mprotect() fails with EACCES). The mapping cannot grow
 * (VM_DONTEXPAND).
 */
int dsm_mem_mmap(struct file *file, struct vm_area_struct *vma)
{
	u64 off = (u64)vma->vm_pgoff << PAGE_SHIFT;
	u64 len = vma->vm_end - vma->vm_start;
	struct dsm_region *r;
	int ret;

	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (off >= DSM_SPACE_SIZE || len > DSM_SPACE_SIZE - off)
		return -ENXIO;
	/* The mapping's reference, dropped by dsm_vm_close(). */
	r = dsm_region_get_at(off, true);
	if (!r)
		return -ENXIO;
	ret = -ENXIO;
	if (off + len > r->offset + r->size)
		goto err;
	ret = dsm_region_permission(file, r, MAY_READ |
				    (vma->vm_flags & VM_WRITE ? MAY_WRITE : 0));
	if (ret)
		goto err;
	ret = -EOPNOTSUPP;
	if (!dsm_model_get(r->model))
		goto err;
	if (dsm_region_permission(file, r, MAY_WRITE))
		vm_flags_clear(vma, VM_MAYWRITE);
	vm_flags_set(vma, VM_DONTEXPAND);
	vma->vm_private_data = r;
	vma->vm_ops = &dsm_vm_ops;
	return 0;
err:
	atomic_dec(&r->nr_maps);
	dsm_region_put(r);
	return ret;
}

/* @n bytes at @in of @pg's locked frame to or from @bounce; unlocks it. */
static void dsm_rw_copy(struct dsm_pg *pg, void *bounce, size_t in, size_t n,
			bool write)
{
	void *p = kmap_local_folio(pg->folio, 0);

	if (write)
		memcpy(p + in, bounce, n);
	else
		memcpy(bounce, p + in, n);
	kunmap_local(p);
	if (write)
		folio_mark_dirty(pg->folio);
	folio_unlock(pg->folio);
}

/*
 * read and write: page by page through the same acquisition path as
 * faults, copying through a bounce buffer so that no user access happens
 * with a frame locked (the user buffer may itself map /dev/dsm).
 */
static ssize_t dsm_mem_rw(struct file *file, char __user *ubuf, size_t len,
			  loff_t *ppos, bool write)
{
	const struct dsm_model_ops *ops;
	struct dsm_region *r;
	u64 off = *ppos;
	size_t done = 0;
	struct dsm_pg *pg;
	void *bounce;
	int ret;

	if (*ppos < 0)
		return -EINVAL;
	if (!len)
		return 0;
	r = dsm_region_get_at(off, false);
	if (!r)
		return -ENXIO;
	ret = dsm_region_permission(file, r, write ? MAY_WRITE : MAY_READ);
	if (ret) {
		dsm_region_put(r);
		return ret;
	}
	ops = dsm_model_get(r->model);
	bounce = ops ? kmalloc(PAGE_SIZE, GFP_KERNEL) : NULL;
	if (!bounce) {
		dsm_region_put(r);
		return ops ? -ENOMEM : -EOPNOTSUPP;
	}
	len = min_t(u64, len, r->offset + r->size - off);
	len = min_t(size_t, len, MAX_RW_COUNT);
	while (done < len) {
		u64 pos = off + done;
		size_t in = offset_in_page(pos);
		size_t n = min_t(size_t, len - done, PAGE_SIZE - in);

		if (write && copy_from_user(bounce, ubuf + done, n)) {
			ret = -EFAULT;
			break;
		}
		pg = dsm_pg_get(pos >> PAGE_SHIFT);
		ret = IS_ERR(pg) ? PTR_ERR(pg) :
		      dsm_fence_refuses(file) ? -EIO : 0;
		if (ret)
			break;
		ret = dsm_access(pg, ops, write,
				 (off + len + PAGE_SIZE - 1) >> PAGE_SHIFT);
		if (ret) {
			if (ret != -EINTR && ret != -ENOMEM)
				ret = -EIO;
			break;
		}
		/*
		 * Deleted meanwhile: the page may be another region's now.
		 * Fenced meanwhile (dsm_fence.c): nothing lands or leaves.
		 */
		ret = READ_ONCE(r->dead) ? -ENXIO :
		      dsm_fence_refuses(file) ? -EIO : 0;
		if (ret) {
			folio_unlock(pg->folio);
			break;
		}
		dsm_rw_copy(pg, bounce, in, n, write);
		if (!write && copy_to_user(ubuf + done, bounce, n)) {
			ret = -EFAULT;
			break;
		}
		done += n;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	}
	kfree(bounce);
	dsm_region_put(r);
	*ppos = off + done;
	return done ? done : ret;
}

ssize_t dsm_mem_read(struct file *file, char __user *buf, size_t len,
		     loff_t *ppos)
{
	return dsm_mem_rw(file, buf, len, ppos, false);
}

ssize_t dsm_mem_write(struct file *file, const char __user *buf, size_t len,
		      loff_t *ppos)
{
	return dsm_mem_rw(file, (char __user *)buf, len, ppos, true);
}

/* ---------------------------------------------------------- setup */

int dsm_mem_init(void)
{
	int ret;

	xa_init(&dsm_mem.pages);
	ret = dsm_req_init();
	if (ret)
		return ret;
	dsm_mem.mnt = kern_mount(&dsm_fs_type);
	if (IS_ERR(dsm_mem.mnt)) {
		ret = PTR_ERR(dsm_mem.mnt);
		goto err_wq;
	}
	dsm_mem.inode = alloc_anon_inode(dsm_mem.mnt->mnt_sb);
	if (IS_ERR(dsm_mem.inode)) {
		ret = PTR_ERR(dsm_mem.inode);
		goto err_mnt;
	}
	dsm_mem.inode->i_mapping->a_ops = &dsm_aops;
	dsm_mem.inode->i_size = DSM_SPACE_SIZE;
	mapping_set_gfp_mask(dsm_mem.inode->i_mapping, GFP_HIGHUSER);
	mapping_set_unevictable(dsm_mem.inode->i_mapping);
	return 0;

err_mnt:
	kern_unmount(dsm_mem.mnt);
err_wq:
	dsm_req_exit();
	return ret;
}

/*
 * At unload nothing maps or opens /dev/dsm (each holds a module
 * reference) and the transport is stopped, so no handler runs.
 */
void dsm_mem_exit(void)
{
	struct dsm_pg *pg;
	unsigned long i;

	/* Sends planned for later (dsm_req_start_later()) are void. */
	xa_for_each(&dsm_mem.pages, i, pg)
		if (pg->req && cancel_delayed_work_sync(&pg->req->start_work))
			dsm_req_put(pg->req);
	dsm_req_exit();
	xa_for_each(&dsm_mem.pages, i, pg) {
		xa_erase(&dsm_mem.pages, i);
		dsm_models_pg_free(pg);
		if (pg->req)
			dsm_req_put(pg->req);
		if (pg->folio)
			folio_put(pg->folio);
		kfree(pg);
	}
	xa_destroy(&dsm_mem.pages);
	iput(dsm_mem.inode);
	kern_unmount(dsm_mem.mnt);
}
