// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem kernel half: migration to the device, back on CPU faults
 * (migrate_to_ram) and eviction of a whole device.
 *
 * Each path follows the stages of the migrate_vma_*() / migrate_device_*()
 * API: collect (setup), allocate and copy in one DMA batch, migrate
 * (pages), finalize.  umdevmem_migrate_to_system() is the driver-initiated
 * way back, the one coherent pages need since the CPU never faults on them.
 */
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include "devmem.h"

struct umdevmem_batch {
	struct page **dpages;
	struct page **spages;
	unsigned long *index;	/* slot in src/dst of each batch entry */
	unsigned long n;
};

static int umdevmem_batch_alloc(struct umdevmem_batch *b, unsigned long max)
{
	b->n = 0;
	b->dpages = kvcalloc(max, sizeof(*b->dpages), GFP_KERNEL);
	b->spages = kvcalloc(max, sizeof(*b->spages), GFP_KERNEL);
	b->index = kvcalloc(max, sizeof(*b->index), GFP_KERNEL);
	if (b->dpages && b->spages && b->index)
		return 0;
	kvfree(b->dpages);
	kvfree(b->spages);
	kvfree(b->index);
	return -ENOMEM;
}

static void umdevmem_batch_free(struct umdevmem_batch *b)
{
	kvfree(b->dpages);
	kvfree(b->spages);
	kvfree(b->index);
}

/* Give every entry of @b that survived the copy its dst pfn. */
static unsigned long umdevmem_batch_fill_dst(struct umdevmem_batch *b,
					     const unsigned long *src,
					     unsigned long *dst)
{
	unsigned long i, filled = 0;

	for (i = 0; i < b->n; i++) {
		unsigned long slot = b->index[i];

		if (!b->dpages[i])
			continue;
		dst[slot] = migrate_pfn(page_to_pfn(b->dpages[i])) |
			    (src[slot] & MIGRATE_PFN_WRITE);
		filled++;
	}
	return filled;
}

/*
 * How many slots the collected entry @src covers: a compound one (a
 * PMD-mapped folio or a PMD-sized hole collected with
 * MIGRATE_VMA_SELECT_COMPOUND) stands for a whole PMD.
 */
static unsigned long umdevmem_slots(unsigned long src)
{
#ifdef UMDEVMEM_HUGE
	if (src & MIGRATE_PFN_COMPOUND)
		return UMDEVMEM_CHUNK_PAGES;
#endif
	return 1;
}

#ifdef UMDEVMEM_HUGE
/*
 * A huge device folio for the compound entry @i, filled from its source
 * (zeroes for a hole) in one DMA batch.  False when the device has no
 * whole chunk, the injection fires, or the copy is refused: the caller
 * then offers base pages for each of its pages and the core splits the
 * source folio.
 */
static bool umdevmem_huge_to_device(struct umdevmem *dev,
				    struct migrate_vma *args, unsigned long i)
{
	struct page *spage = migrate_pfn_to_page(args->src[i]);
	struct page *dpage = umdevmem_alloc_huge(dev);

	if (!dpage)
		return false;
	if (!umdevmem_copy_folio(true, dpage, spage, UMDEVMEM_CHUNK_PAGES)) {
		unlock_page(dpage);
		put_page(dpage);
		return false;
	}
	args->dst[i] = migrate_pfn(page_to_pfn(dpage)) | MIGRATE_PFN_COMPOUND;
	return true;
}

/*
 * A locked system THP for @vma at @addr (@vma NULL: for an eviction,
 * which the injection leaves alone), or NULL.
 */
static struct folio *umdevmem_system_thp(struct umdevmem *dev,
					 struct vm_area_struct *vma,
					 unsigned long addr)
{
	struct folio *folio;
	bool refused;

	spin_lock(&dev->lock);
	refused = vma && umdevmem_inject(dev, &dev->fail_huge_nth);
	spin_unlock(&dev->lock);
	if (refused)
		return NULL;
	if (vma)
		folio = vma_alloc_folio(GFP_TRANSHUGE_LIGHT, UMDEVMEM_HUGE_ORDER,
					vma, addr);
	else
		folio = folio_alloc(GFP_TRANSHUGE_LIGHT, UMDEVMEM_HUGE_ORDER);
	if (folio)
		folio_lock(folio);
	return folio;
}

/* Fill @folio from the huge device folio in @src: one DMA batch. */
static bool umdevmem_fill_thp(struct umdevmem *dev, struct folio *folio,
			      unsigned long src, unsigned long *dst)
{
	if (!umdevmem_copy_folio(false, migrate_pfn_to_page(src),
				 &folio->page, UMDEVMEM_CHUNK_PAGES)) {
		folio_unlock(folio);
		folio_put(folio);
		return false;
	}
	*dst = migrate_pfn(folio_pfn(folio)) | MIGRATE_PFN_COMPOUND;
	spin_lock(&dev->lock);
	dev->stats.huge_to_ram++;
	spin_unlock(&dev->lock);
	return true;
}

/*
 * A system THP for the huge device folio in @src, filled; false as
 * above.
 */
static bool umdevmem_huge_to_system(struct umdevmem *dev,
				    struct vm_area_struct *vma,
				    unsigned long addr, unsigned long src,
				    unsigned long *dst)
{
	struct folio *folio = umdevmem_system_thp(dev, vma, addr);

	return folio && umdevmem_fill_thp(dev, folio, src, dst);
}
#else
static bool umdevmem_huge_to_device(struct umdevmem *dev,
				    struct migrate_vma *args, unsigned long i)
{
	return false;
}

static bool umdevmem_huge_to_system(struct umdevmem *dev,
				    struct vm_area_struct *vma,
				    unsigned long addr, unsigned long src,
				    unsigned long *dst)
{
	return false;
}
#endif

/*
 * Device pages for the collected entries, and one DMA batch in.  A
 * compound entry gets a huge device folio, or else base pages for each
 * of its pages (page j of the source folio, or zeroes for a hole).
 */
static void umdevmem_alloc_and_copy_to_device(struct umdevmem *dev,
					      struct migrate_vma *args,
					      struct umdevmem_batch *b)
{
	unsigned long i, j, nr;

	for (i = 0; i < args->npages; i += nr) {
		struct page *spage = migrate_pfn_to_page(args->src[i]);

		nr = umdevmem_slots(args->src[i]);
		if (!(args->src[i] & MIGRATE_PFN_MIGRATE))
			continue;
		if (nr > 1 && umdevmem_huge_to_device(dev, args, i))
			continue;
		for (j = 0; j < nr && i + j < args->npages; j++) {
			struct page *dpage = umdevmem_alloc_page(dev);

			if (!dpage)
				break;
			b->dpages[b->n] = dpage;
			b->spages[b->n] = spage ? spage + j : NULL;
			b->index[b->n++] = i + j;
		}
	}
	umdevmem_copy_to_device(b->dpages, b->spages, b->n);
}

/*
 * System pages for the collected device pages, and one DMA batch out; a
 * huge device folio gets a THP, or else base pages for each of its pages.
 */
static void umdevmem_alloc_and_copy_to_system(struct umdevmem *dev,
					      struct migrate_vma *args,
					      struct umdevmem_batch *b,
					      bool thp)
{
	unsigned long i, j, nr;

	for (i = 0; i < args->npages; i += nr) {
		struct page *spage = migrate_pfn_to_page(args->src[i]);
		unsigned long addr = args->start + (i << PAGE_SHIFT);

		nr = umdevmem_slots(args->src[i]);
		if (!(args->src[i] & MIGRATE_PFN_MIGRATE) || !spage ||
		    !umdevmem_page_device(spage))
			continue;
		if (nr > 1 && thp && umdevmem_huge_to_system(dev, args->vma, addr,
						      args->src[i],
						      &args->dst[i]))
			continue;
		for (j = 0; j < nr && i + j < args->npages; j++) {
			struct page *dpage;

			dpage = alloc_page_vma(GFP_HIGHUSER_MOVABLE, args->vma,
					       addr + (j << PAGE_SHIFT));
			if (!dpage)
				break;
			lock_page(dpage);
			b->dpages[b->n] = dpage;
			b->spages[b->n] = spage + j;
			b->index[b->n++] = i + j;
		}
	}
	umdevmem_copy_from_device(b->dpages, b->spages, b->n);
}

/* Collected entries that were given no destination. */
static unsigned long umdevmem_declined(struct migrate_vma *args)
{
	unsigned long i, n = 0;

	for (i = 0; i < args->npages; i++)
		if ((args->src[i] & MIGRATE_PFN_MIGRATE) && !args->dst[i])
			n++;
	return n;
}

static int umdevmem_migrate_vma(struct umdevmem *dev, struct mm_struct *mm,
				unsigned long start, unsigned long end,
				unsigned long flags, void *src_owner,
				struct umdevmem_migrate_result *res,
				bool to_dev)
{
	unsigned long npages = (end - start) >> PAGE_SHIFT;
	struct migrate_vma args = {
		.start = start,
		.end = end,
		.flags = flags,
		.pgmap_owner = src_owner ? src_owner : umdevmem_owner(dev),
	};
	struct umdevmem_batch b;
	unsigned long i;
	int ret;

	memset(res, 0, sizeof(*res));
	if (!npages || start & ~PAGE_MASK || end & ~PAGE_MASK)
		return -EINVAL;
	args.src = kvcalloc(npages, sizeof(*args.src), GFP_KERNEL);
	args.dst = kvcalloc(npages, sizeof(*args.dst), GFP_KERNEL);
	ret = -ENOMEM;
	if (!args.src || !args.dst || umdevmem_batch_alloc(&b, npages))
		goto free_pfns;

	mmap_read_lock(mm);
	args.vma = vma_lookup(mm, start);
	ret = -EINVAL;
	if (!args.vma || end > args.vma->vm_end)
		goto unlock;
	ret = migrate_vma_setup(&args);
	if (ret)
		goto unlock;
	res->npages = args.npages;
	res->cpages = args.cpages;

	if (to_dev)
		umdevmem_alloc_and_copy_to_device(dev, &args, &b);
	else
		umdevmem_alloc_and_copy_to_system(dev, &args, &b, true);
	umdevmem_batch_fill_dst(&b, args.src, args.dst);
	res->declined = umdevmem_declined(&args);
	migrate_vma_pages(&args);
	/* migrate_vma_pages() clears MIGRATE where it could not move */
	for (i = 0; i < args.npages; i++)
		if (args.src[i] & MIGRATE_PFN_MIGRATE)
			res->migrated++;
	migrate_vma_finalize(&args);
unlock:
	mmap_read_unlock(mm);
	umdevmem_batch_free(&b);
free_pfns:
	kvfree(args.src);
	kvfree(args.dst);
	return ret;
}

int umdevmem_migrate_to_device(struct umdevmem *dev, struct mm_struct *mm,
			       unsigned long start, unsigned long end,
			       unsigned long flags, void *src_owner,
			       struct umdevmem_migrate_result *res)
{
	return umdevmem_migrate_vma(dev, mm, start, end, flags, src_owner,
				    res, true);
}

int umdevmem_migrate_to_system(struct umdevmem *dev, struct mm_struct *mm,
			       unsigned long start, unsigned long end,
			       unsigned long flags, void *src_owner,
			       struct umdevmem_migrate_result *res)
{
	return umdevmem_migrate_vma(dev, mm, start, end, flags, src_owner,
				    res, false);
}

#ifdef UMDEVMEM_HUGE
/*
 * A CPU fault on a device-private PMD (do_huge_pmd_device_private(): no
 * pte), with a locked system THP @folio or NULL.
 */
static vm_fault_t umdevmem_huge_to_ram(struct umdevmem *dev,
				       struct vm_fault *vmf,
				       struct folio *folio)
{
	unsigned long start = ALIGN_DOWN(vmf->address, PMD_SIZE);
	struct migrate_vma args = {
		.vma = vmf->vma,
		.start = start,
		.end = start + PMD_SIZE,
		.pgmap_owner = umdevmem_owner(dev),
		.flags = MIGRATE_VMA_SELECT_DEVICE_PRIVATE |
			 MIGRATE_VMA_SELECT_COMPOUND,
		.fault_page = vmf->page,
	};
	unsigned long i, moved = 0;
	struct umdevmem_batch b;
	vm_fault_t ret = VM_FAULT_OOM;

	args.src = kvcalloc(UMDEVMEM_CHUNK_PAGES, sizeof(*args.src),
			    GFP_KERNEL);
	args.dst = kvcalloc(UMDEVMEM_CHUNK_PAGES, sizeof(*args.dst),
			    GFP_KERNEL);
	if (!args.src || !args.dst ||
	    umdevmem_batch_alloc(&b, UMDEVMEM_CHUNK_PAGES))
		goto free_pfns;

	ret = VM_FAULT_SIGBUS;
	if (migrate_vma_setup(&args))
		goto free_batch;
	if (folio && (args.src[0] & MIGRATE_PFN_MIGRATE) &&
	    (args.src[0] & MIGRATE_PFN_COMPOUND)) {
		umdevmem_fill_thp(dev, folio, args.src[0], &args.dst[0]);
	} else {
		if (folio) {
			folio_unlock(folio);
			folio_put(folio);
		}
		umdevmem_alloc_and_copy_to_system(dev, &args, &b, false);
		umdevmem_batch_fill_dst(&b, args.src, args.dst);
	}
	folio = NULL;
	migrate_vma_pages(&args);
	for (i = 0; i < args.npages; i++)
		if (args.src[i] & MIGRATE_PFN_MIGRATE)
			moved += umdevmem_slots(args.src[i]);
	/*
	 * Whatever did not move (taken by another party, a refused copy)
	 * is still mapped to the device: the CPU faults again.
	 */
	ret = 0;
	migrate_vma_finalize(&args);

	spin_lock(&dev->lock);
	dev->stats.to_ram_pages += moved;
	spin_unlock(&dev->lock);
free_batch:
	umdevmem_batch_free(&b);
free_pfns:
	if (folio) {
		folio_unlock(folio);
		folio_put(folio);
	}
	kvfree(args.src);
	kvfree(args.dst);
	return ret;
}

/*
 * A fault through the PMD of a huge device folio moves the whole folio,
 * into a system THP if one can be had.  Else the core splits the device
 * folio (migrate_vma_pages()) and moves what it can as base pages, at
 * least the first; the rest stays on the device, mapped by device ptes,
 * and faults back on its own.
 */
static vm_fault_t umdevmem_try_huge_to_ram(struct umdevmem *dev,
					   struct vm_fault *vmf)
{
	unsigned long start = ALIGN_DOWN(vmf->address, PMD_SIZE);
	struct folio *folio;

	if (vmf->pte || !folio_test_large(page_folio(vmf->page)) ||
	    !range_in_vma(vmf->vma, start, start + PMD_SIZE))
		return VM_FAULT_FALLBACK;
	folio = umdevmem_system_thp(dev, vmf->vma, start);
	return umdevmem_huge_to_ram(dev, vmf, folio);
}
#else
static vm_fault_t umdevmem_try_huge_to_ram(struct umdevmem *dev,
					   struct vm_fault *vmf)
{
	return VM_FAULT_FALLBACK;
}
#endif

vm_fault_t umdevmem_migrate_to_ram(struct vm_fault *vmf)
{
	struct umdevmem *dev = page_to_umdevmem(vmf->page);
	unsigned long src = 0, dst = 0;
	struct migrate_vma args = {
		.vma = vmf->vma,
		.start = vmf->address,
		.end = vmf->address + PAGE_SIZE,
		.src = &src,
		.dst = &dst,
		.pgmap_owner = umdevmem_owner(dev),
		.flags = MIGRATE_VMA_SELECT_DEVICE_PRIVATE,
		.fault_page = vmf->page,
	};
	struct page *spage, *dpage;
	vm_fault_t ret = 0;

	spin_lock(&dev->lock);
	dev->stats.to_ram_calls++;
	spin_unlock(&dev->lock);

	ret = umdevmem_try_huge_to_ram(dev, vmf);
	if (ret != VM_FAULT_FALLBACK)
		return ret;
	ret = 0;
	if (migrate_vma_setup(&args))
		return VM_FAULT_SIGBUS;
	if (!(src & MIGRATE_PFN_MIGRATE)) {
		/*
		 * Someone else moves it, or holds a reference that makes its
		 * migration fail.  The fault is retried at once; before 6.15
		 * do_swap_page() neither locks the page nor waits for it, so
		 * without preemption the retries would starve the other
		 * party, which sleeps in its DMA: let it run.
		 */
		spin_lock(&dev->lock);
		dev->stats.to_ram_busy++;
		spin_unlock(&dev->lock);
		cond_resched();
		goto finalize;
	}

	spage = migrate_pfn_to_page(src);
	dpage = alloc_page_vma(GFP_HIGHUSER_MOVABLE, vmf->vma, vmf->address);
	if (!dpage) {
		ret = VM_FAULT_OOM;
		goto finalize;
	}
	lock_page(dpage);
	if (!umdevmem_copy_from_device(&dpage, &spage, 1)) {
		ret = VM_FAULT_SIGBUS;
		goto finalize;
	}
	dst = migrate_pfn(page_to_pfn(dpage)) | (src & MIGRATE_PFN_WRITE);
	spin_lock(&dev->lock);
	dev->stats.to_ram_pages++;
	spin_unlock(&dev->lock);
finalize:
	migrate_vma_pages(&args);
	migrate_vma_finalize(&args);
	return ret;
}

/*
 * The rest of an eviction once migrate_device_range() or _pfns() has
 * locked and unmapped the pages in @src: system pages, one DMA batch,
 * migrate, finalize.  Returns the number of pages moved.
 */
static unsigned long umdevmem_evict_collected(struct umdevmem *dev,
					      unsigned long *src,
					      unsigned long *dst,
					      struct umdevmem_batch *b,
					      unsigned long n)
{
	unsigned long i, done, nr, huge = 0;

	for (i = 0; i < n; i += nr) {
		struct page *page;

		nr = umdevmem_slots(src[i]);
		if (!(src[i] & MIGRATE_PFN_MIGRATE))
			continue;
		/*
		 * Without a VMA the core cannot split a huge device folio
		 * for base pages: it stays on the device without a THP.
		 */
		if (nr > 1) {
			if (umdevmem_huge_to_system(dev, NULL, 0, src[i],
						    &dst[i]))
				huge += nr;
			continue;
		}
		page = alloc_page(GFP_HIGHUSER_MOVABLE | __GFP_NOFAIL);
		lock_page(page);
		b->dpages[b->n] = page;
		b->spages[b->n] = migrate_pfn_to_page(src[i]);
		b->index[b->n++] = i;
	}
	umdevmem_copy_from_device(b->dpages, b->spages, b->n);
	done = umdevmem_batch_fill_dst(b, src, dst) + huge;
	migrate_device_pages(src, dst, n);
	migrate_device_finalize(src, dst, n);

	spin_lock(&dev->lock);
	dev->stats.evicted += done;
	spin_unlock(&dev->lock);
	return done;
}

unsigned long umdevmem_evict(struct umdevmem *dev)
{
	return umdevmem_evict_pages(dev, NULL, dev->npages);
}

unsigned long umdevmem_evict_pages(struct umdevmem *dev, struct page **pages,
				   unsigned long n)
{
	unsigned long *src, *dst, i, done = 0;
	struct umdevmem_batch b;

	src = kvcalloc(n, sizeof(*src), GFP_KERNEL);
	dst = kvcalloc(n, sizeof(*dst), GFP_KERNEL);
	if (!src || !dst || umdevmem_batch_alloc(&b, n))
		goto out;

	if (pages) {
		for (i = 0; i < n; i++)
			src[i] = page_to_pfn(pages[i]);
		umd_migrate_device_pfns(src, n);
	} else {
		migrate_device_range(src, dev->first_pfn, n);
	}
	done = umdevmem_evict_collected(dev, src, dst, &b, n);
	umdevmem_batch_free(&b);
out:
	kvfree(src);
	kvfree(dst);
	return done;
}
