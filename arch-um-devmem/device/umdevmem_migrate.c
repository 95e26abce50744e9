// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem kernel half: migration to the device, back to the system
 * (driver-initiated, on CPU faults in migrate_to_ram()) and eviction.
 *
 * Every path has the stages of the migrate_vma_*() / migrate_device_*()
 * API: collect (setup, or migrate_device_range() and _pfns()), give each
 * collected entry a destination and copy them all in one DMA batch
 * (umdevmem_mig_fill()), migrate (pages), finalize.  Huge device folios
 * (umdevmem_huge.c) take part in the same stages.
 */
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include "umdevmem_kern.h"

int umdevmem_mig_alloc(struct umdevmem_mig *m, unsigned long npages)
{
	m->npages = npages;
	m->n = 0;
	m->src = kvcalloc(npages, sizeof(*m->src), GFP_KERNEL);
	m->dst = kvcalloc(npages, sizeof(*m->dst), GFP_KERNEL);
	m->dpages = kvcalloc(npages, sizeof(*m->dpages), GFP_KERNEL);
	m->spages = kvcalloc(npages, sizeof(*m->spages), GFP_KERNEL);
	m->slot = kvcalloc(npages, sizeof(*m->slot), GFP_KERNEL);
	if (m->src && m->dst && m->dpages && m->spages && m->slot)
		return 0;
	umdevmem_mig_free(m);
	return -ENOMEM;
}

int umdevmem_mig_setup(struct umdevmem_mig *m, struct migrate_vma *args)
{
	int ret = umdevmem_mig_alloc(m, (args->end - args->start) >> PAGE_SHIFT);

	if (ret)
		return ret;
	args->src = m->src;
	args->dst = m->dst;
	return migrate_vma_setup(args);
}

void umdevmem_mig_free(struct umdevmem_mig *m)
{
	kvfree(m->src);
	kvfree(m->dst);
	kvfree(m->dpages);
	kvfree(m->spages);
	kvfree(m->slot);
	m->src = m->dst = NULL;
	m->dpages = m->spages = NULL;
	m->slot = NULL;
}

/* A locked destination page for slot @slot, or NULL. */
static struct page *umdevmem_dst_page(struct umdevmem_mig *m,
				      unsigned long slot)
{
	struct page *page;

	if (m->to_dev)
		return umdevmem_alloc_page(m->dev);
	if (m->vma)
		page = alloc_page_vma(GFP_HIGHUSER_MOVABLE, m->vma,
				      m->start + (slot << PAGE_SHIFT));
	else
		page = alloc_page(GFP_HIGHUSER_MOVABLE | __GFP_NOFAIL);
	if (page)
		lock_page(page);
	return page;
}

/*
 * Base destination pages for the @nr slots of entry @i (a compound one
 * gets page j of its source folio, or zeroes for a hole, in slot i + j).
 */
static void umdevmem_add_base(struct umdevmem_mig *m, unsigned long i,
			      unsigned long nr)
{
	struct page *spage = migrate_pfn_to_page(m->src[i]);
	unsigned long j;

	for (j = 0; j < nr && i + j < m->npages; j++) {
		struct page *dpage = umdevmem_dst_page(m, i + j);

		if (!dpage) {
			m->no_page = true;
			return;
		}
		m->dpages[m->n] = dpage;
		m->spages[m->n] = spage ? spage + j : NULL;
		m->slot[m->n++] = i + j;
	}
}

/* Does the device take part in moving collected entry @src? */
static bool umdevmem_mig_wants(struct umdevmem_mig *m, unsigned long src)
{
	struct page *spage = migrate_pfn_to_page(src);

	if (!(src & MIGRATE_PFN_MIGRATE))
		return false;
	/* back to the system: only device pages, not holes or system pages */
	return m->to_dev || (spage && umdevmem_page_device(spage));
}

unsigned long umdevmem_mig_fill(struct umdevmem_mig *m)
{
	unsigned long i, nr, filled = 0;

	for (i = 0; i < m->npages; i += nr) {
		nr = umdevmem_slots(m->src[i]);
		if (!umdevmem_mig_wants(m, m->src[i]))
			continue;
		if (nr > 1 && umdevmem_huge_dst(m, i)) {
			filled += nr;
			continue;
		}
		/* without a VMA the core cannot split a huge device folio */
		if (nr > 1 && !m->vma)
			continue;
		umdevmem_add_base(m, i, nr);
	}

	if (m->to_dev)
		umdevmem_copy_to_device(m->dpages, m->spages, m->n);
	else
		umdevmem_copy_from_device(m->dpages, m->spages, m->n);
	for (i = 0; i < m->n; i++) {
		unsigned long slot = m->slot[i];

		if (!m->dpages[i])
			continue;	/* the copy was refused */
		m->dst[slot] = migrate_pfn(page_to_pfn(m->dpages[i])) |
			       (m->src[slot] & MIGRATE_PFN_WRITE);
		filled++;
	}
	return filled;
}

/* Collected entries that were given no destination. */
static unsigned long umdevmem_declined(struct umdevmem_mig *m)
{
	unsigned long i, n = 0;

	for (i = 0; i < m->npages; i++)
		if ((m->src[i] & MIGRATE_PFN_MIGRATE) && !m->dst[i])
			n++;
	return n;
}

static int umdevmem_migrate_vma(struct umdevmem *dev, struct mm_struct *mm,
				unsigned long start, unsigned long end,
				unsigned long flags, void *src_owner,
				struct umdevmem_migrate_result *res,
				bool to_dev)
{
	struct umdevmem_mig m = {
		.dev = dev, .start = start, .to_dev = to_dev, .thp = true,
	};
	struct migrate_vma args = {
		.start = start,
		.end = end,
		.flags = flags,
		.pgmap_owner = src_owner ? src_owner : umdevmem_owner(dev),
	};
	unsigned long i;
	int ret;

	memset(res, 0, sizeof(*res));
	if (start >= end || start & ~PAGE_MASK || end & ~PAGE_MASK)
		return -EINVAL;
	ret = umdevmem_mig_alloc(&m, (end - start) >> PAGE_SHIFT);
	if (ret)
		return ret;
	args.src = m.src;
	args.dst = m.dst;

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

	m.vma = args.vma;
	umdevmem_mig_fill(&m);
	res->declined = umdevmem_declined(&m);
	migrate_vma_pages(&args);
	/* migrate_vma_pages() clears MIGRATE where it could not move */
	for (i = 0; i < args.npages; i++)
		if (args.src[i] & MIGRATE_PFN_MIGRATE)
			res->migrated++;
	migrate_vma_finalize(&args);
unlock:
	mmap_read_unlock(mm);
	umdevmem_mig_free(&m);
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
	struct umdevmem_mig m = {
		.dev = dev, .vma = vmf->vma, .start = vmf->address,
	};
	struct migrate_vma args = {
		.vma = vmf->vma,
		.start = vmf->address,
		.end = vmf->address + PAGE_SIZE,
		.pgmap_owner = umdevmem_owner(dev),
		.flags = MIGRATE_VMA_SELECT_DEVICE_PRIVATE,
		.fault_page = vmf->page,
	};
	vm_fault_t ret;
	int err;

	umdevmem_add_event(dev, UMDEVMEM_TO_RAM_CALLS, 1);
	ret = umdevmem_huge_fault(dev, vmf);
	if (ret != VM_FAULT_FALLBACK)
		return ret;
	err = umdevmem_mig_setup(&m, &args);
	if (err) {
		ret = vmf_error(err);
		goto free;
	}

	ret = 0;
	if (!(m.src[0] & MIGRATE_PFN_MIGRATE)) {
		/*
		 * Someone else moves it, or holds a reference that makes its
		 * migration fail.  The fault is retried at once; before 6.15
		 * do_swap_page() neither locks the page nor waits for it, so
		 * without preemption the retries would starve the other
		 * party, which sleeps in its DMA: let it run.
		 */
		umdevmem_add_event(dev, UMDEVMEM_TO_RAM_BUSY, 1);
		cond_resched();
	} else if (umdevmem_mig_fill(&m)) {
		umdevmem_add_event(dev, UMDEVMEM_TO_RAM_PAGES, 1);
	} else {
		ret = m.no_page ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
	}
	migrate_vma_pages(&args);
	migrate_vma_finalize(&args);
free:
	umdevmem_mig_free(&m);
	return ret;
}

unsigned long umdevmem_evict(struct umdevmem *dev)
{
	return umdevmem_evict_pages(dev, NULL, dev->npages);
}

unsigned long umdevmem_evict_pages(struct umdevmem *dev, struct page **pages,
				   unsigned long n)
{
	struct umdevmem_mig m = { .dev = dev, .thp = true };
	unsigned long i, done;

	if (umdevmem_mig_alloc(&m, n))
		return 0;
	if (pages) {
		for (i = 0; i < n; i++)
			m.src[i] = page_to_pfn(pages[i]);
		umdevmem_migrate_device_pfns(m.src, n);
	} else {
		migrate_device_range(m.src, dev->first_pfn, n);
	}
	done = umdevmem_mig_fill(&m);
	migrate_device_pages(m.src, m.dst, n);
	migrate_device_finalize(m.src, m.dst, n);
	umdevmem_add_event(dev, UMDEVMEM_EVICTED, done);
	umdevmem_mig_free(&m);
	return done;
}
