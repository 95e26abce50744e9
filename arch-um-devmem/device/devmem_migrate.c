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

static void umdevmem_alloc_and_copy_to_device(struct umdevmem *dev,
					      struct migrate_vma *args,
					      struct umdevmem_batch *b)
{
	unsigned long i;

	for (i = 0; i < args->npages; i++) {
		struct page *dpage;

		if (!(args->src[i] & MIGRATE_PFN_MIGRATE))
			continue;
		dpage = umdevmem_alloc_page(dev);
		if (!dpage)
			continue;
		b->dpages[b->n] = dpage;
		b->spages[b->n] = migrate_pfn_to_page(args->src[i]);
		b->index[b->n++] = i;
	}
	umdevmem_copy_to_device(b->dpages, b->spages, b->n);
}

/* System pages for the collected device pages, and one DMA batch out. */
static void umdevmem_alloc_and_copy_to_system(struct umdevmem *dev,
					      struct migrate_vma *args,
					      struct umdevmem_batch *b)
{
	unsigned long i;

	for (i = 0; i < args->npages; i++) {
		struct page *spage = migrate_pfn_to_page(args->src[i]);
		struct page *dpage;

		if (!(args->src[i] & MIGRATE_PFN_MIGRATE) || !spage ||
		    !umdevmem_page_device(spage))
			continue;
		dpage = alloc_page_vma(GFP_HIGHUSER_MOVABLE, args->vma,
				       args->start + (i << PAGE_SHIFT));
		if (!dpage)
			continue;
		lock_page(dpage);
		b->dpages[b->n] = dpage;
		b->spages[b->n] = spage;
		b->index[b->n++] = i;
	}
	umdevmem_copy_from_device(b->dpages, b->spages, b->n);
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
		umdevmem_alloc_and_copy_to_system(dev, &args, &b);
	res->declined = res->cpages - umdevmem_batch_fill_dst(&b, args.src,
							      args.dst);
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
	unsigned long i, done;

	for (i = 0; i < n; i++) {
		struct page *page;

		if (!(src[i] & MIGRATE_PFN_MIGRATE))
			continue;
		page = alloc_page(GFP_HIGHUSER_MOVABLE | __GFP_NOFAIL);
		lock_page(page);
		b->dpages[b->n] = page;
		b->spages[b->n] = migrate_pfn_to_page(src[i]);
		b->index[b->n++] = i;
	}
	umdevmem_copy_from_device(b->dpages, b->spages, b->n);
	done = umdevmem_batch_fill_dst(b, src, dst);
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
