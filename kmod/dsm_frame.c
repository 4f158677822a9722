// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_frame.c - a page's frame: its local copy in the page store
 * (dsm_mem.c), made on first need, locked to be used, and freed when sc
 * finds it useless (a shadow a newer one replaced, dsm_sc_drop.c).
 *
 * A frame is a page cache folio of the store's mapping at the page's
 * number, unevictable, with a reference of ours in dsm_pg.folio. It is
 * published with a release store (dsm_pg_folio() reads it with an
 * acquire, as a hint) and cleared only by dsm_pg_frame_drop(), under the
 * folio lock and dsm_pg.lock: code that uses a frame locks it with
 * dsm_pg_lock_frame() or dsm_pg_frame_lock(), and while it holds the
 * folio lock dsm_pg.folio stays that frame.
 *
 * Locking: dsm_frame_alloc_lock (a mutex) serialises putting frames into
 * the mapping and taking them out, so that a new frame never meets the
 * old one at the same index. Order: a folio lock, then the mutex, then
 * dsm_pg.lock; a holder of the mutex waits for no folio lock but the one
 * of the frame it drops, which nobody holds while waiting for the mutex.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/rmap.h>

#include "dsm_internal.h"
#include "dsm_model.h"

static DEFINE_MUTEX(dsm_frame_alloc_lock);	/* see the comment above */

/*
 * Under the alloc lock: make @folio (fresh, ours) @pg's frame: into the
 * store's mapping at the page's index, then published. Our reference
 * stays: the frame is ours until unload or dsm_pg_frame_drop().
 * Return: 0 or filemap_add_folio()'s error (@folio still the caller's).
 */
static int dsm_frame_insert(struct dsm_pg *pg, struct folio *folio)
{
	int ret;

	lockdep_assert_held(&dsm_frame_alloc_lock);
	__folio_set_locked(folio);
	ret = filemap_add_folio(dsm_mem_mapping(), folio, pg->pgno,
				GFP_KERNEL);
	if (!ret)
		folio_mark_uptodate(folio);
	folio_unlock(folio);
	if (ret)
		return ret;
	/* Release: pairs with the acquire in dsm_pg_folio(). */
	smp_store_release(&pg->folio, folio);
	dsm_stat_inc(DSM_STAT_FRAMES);
	return 0;
}

/**
 * dsm_pg_frame() - make sure @pg has its local frame.
 * @pg:	the page.
 *
 * A new frame is zeroed and inserted into the store's mapping.
 * Return: 0 or -ENOMEM.
 */
int dsm_pg_frame(struct dsm_pg *pg)
{
	struct folio *folio;
	int ret = 0;

	if (dsm_pg_folio(pg))
		return 0;
	mutex_lock(&dsm_frame_alloc_lock);
	if (!pg->folio) {
		folio = folio_alloc(GFP_HIGHUSER | __GFP_ZERO, 0);
		ret = folio ? dsm_frame_insert(pg, folio) : -ENOMEM;
		if (ret && folio)
			folio_put(folio);
	}
	mutex_unlock(&dsm_frame_alloc_lock);
	return ret;
}

/**
 * dsm_pg_frame_adopt() - make @page @pg's frame, if it has none yet.
 * @pg:		the page.
 * @page:	a fresh page (folio_alloc(), order 0, used by nobody else)
 *		holding the page's contents, e.g. a grant's page received
 *		straight into it.
 *
 * The page cache folio that mappings and lock-free readers may hold is
 * never replaced: with a frame already there the caller copies instead.
 * The new frame is published as dsm_pg_frame() does; the caller then
 * takes its folio lock to grant access.
 *
 * Return: 1 if @page is the frame now (the caller's reference became the
 * frame's, kept until unload or a drop), 0 if @pg has a frame already,
 * or a negative errno (@page still the caller's).
 */
int dsm_pg_frame_adopt(struct dsm_pg *pg, struct page *page)
{
	int ret = 0;

	if (dsm_pg_folio(pg))
		return 0;
	mutex_lock(&dsm_frame_alloc_lock);
	if (!pg->folio)
		ret = dsm_frame_insert(pg, page_folio(page)) ?: 1;
	mutex_unlock(&dsm_frame_alloc_lock);
	return ret;
}

/**
 * dsm_pg_lock_frame() - lock @pg's frame, if it has one.
 * @pg:	the page.
 *
 * A frame may be freed (dsm_pg_frame_drop()) between reading @pg->folio
 * and locking it: the pointer is read under @pg->lock with a reference
 * taken, and checked again once locked. While the caller holds the lock,
 * @pg->folio stays this frame (a drop needs the lock). Sleeps.
 *
 * Return: @pg->folio, locked, or NULL if @pg has no frame.
 */
struct folio *dsm_pg_lock_frame(struct dsm_pg *pg)
{
	struct folio *folio;

	for (;;) {
		spin_lock(&pg->lock);
		folio = dsm_pg_folio(pg);	/* published without the lock */
		if (folio)
			folio_get(folio);
		spin_unlock(&pg->lock);
		if (!folio)
			return NULL;
		folio_lock(folio);
		if (likely(READ_ONCE(pg->folio) == folio)) {
			/* Ours while locked: the store's reference holds it. */
			folio_put(folio);
			return folio;
		}
		/* Dropped meanwhile; perhaps a new frame since. */
		folio_unlock(folio);
		folio_put(folio);
	}
}

/**
 * dsm_pg_frame_lock() - dsm_pg_frame(), then lock the frame.
 * @pg:	the page.
 *
 * Return: @pg->folio, locked, or ERR_PTR(-ENOMEM).
 */
struct folio *dsm_pg_frame_lock(struct dsm_pg *pg)
{
	struct folio *folio;
	int err;

	for (;;) {
		folio = dsm_pg_lock_frame(pg);
		if (folio)
			return folio;
		err = dsm_pg_frame(pg);
		if (err)
			return ERR_PTR(err);
	}
}

/**
 * dsm_pg_frame_drop() - free @pg's frame, if @keep does not object.
 * @pg:		the page.
 * @keep:	called under @pg->lock with the frame locked: true if the
 *		frame must stay. It may change the model's state of @pg
 *		(its tag) when it returns false.
 *
 * The frame leaves @pg first (@pg->folio NULL, under the folio lock and
 * @pg->lock), then the store's mapping (truncate_inode_pages_range(),
 * which unmaps it from any mapping left), then the store's reference
 * goes: the memory returns once nobody else holds the folio. The page's
 * next need makes a new frame. The alloc lock is held throughout, so no
 * new frame is inserted at the page's index while the old one is still
 * there. Only a frame nobody maps should be dropped: the caller's @keep
 * refuses a frame with access. Process context; sleeps.
 *
 * Return: true if the frame was freed.
 */
bool dsm_pg_frame_drop(struct dsm_pg *pg, bool (*keep)(struct dsm_pg *pg))
{
	loff_t start = (loff_t)pg->pgno << PAGE_SHIFT;
	struct folio *folio;
	bool gone;

	folio = dsm_pg_lock_frame(pg);
	if (!folio)
		return false;
	/* Order: folio lock, then the alloc lock (it waits for no folio). */
	mutex_lock(&dsm_frame_alloc_lock);
	spin_lock(&pg->lock);
	gone = !keep(pg);
	if (gone)
		WRITE_ONCE(pg->folio, NULL);
	spin_unlock(&pg->lock);
	folio_unlock(folio);
	if (gone) {
		truncate_inode_pages_range(dsm_mem_mapping(), start,
					   start + PAGE_SIZE - 1);
		folio_put(folio);
		dsm_stat_inc(DSM_STAT_FRAMES_DROPPED);
	}
	mutex_unlock(&dsm_frame_alloc_lock);
	return gone;
}

/* Remove @pg's frame from every local mapping (folio locked to lower
 * pg->access; may be called without the lock to force a refault).
 */
void dsm_pg_zap(struct dsm_pg *pg)
{
	unmap_mapping_range(dsm_mem_mapping(),
			    (loff_t)pg->pgno << PAGE_SHIFT, PAGE_SIZE, 0);
}

/*
 * Folio locked: make @pg's frame read-only in every local mapping. Reads
 * go on without a fault; the next write faults into .page_mkwrite (the
 * writeback path's folio_mkclean(), on a page that is never written back).
 */
void dsm_pg_wrprotect(struct dsm_pg *pg)
{
	VM_WARN_ON_ONCE_FOLIO(!folio_test_locked(pg->folio), pg->folio);
	folio_mkclean(pg->folio);
}

/*
 * No folio locked (the walk takes i_mmap_rwsem): make the frames of
 * pages [@pgno, @pgno + @nr) read-only in every local mapping, as
 * dsm_pg_wrprotect() does one page: wp_shared_mapping_range() walks the
 * page tables of each mapping once for the run and flushes its TLB
 * once, where folio_mkclean() walks the rmap and flushes for every page.
 */
void dsm_wrprotect_range(u64 pgno, u64 nr)
{
#if IS_ENABLED(CONFIG_MAPPING_DIRTY_HELPERS)
	wp_shared_mapping_range(dsm_mem_mapping(), pgno, nr);
#else
	struct dsm_pg *pg;

	for (; nr; nr--, pgno++) {
		pg = dsm_pg_find(pgno);
		if (!pg || !dsm_pg_folio(pg))
			continue;
		folio_lock(pg->folio);
		dsm_pg_wrprotect(pg);
		folio_unlock(pg->folio);
	}
#endif
}
