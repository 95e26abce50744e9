// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem kernel half: PMD-sized device folios, on lines with
 * device-private PMD entries (7.x with PMD softleaves).
 *
 * A MIGRATE_VMA_SELECT_COMPOUND migration collects a PMD-mapped THP or a
 * PMD-sized hole as one compound entry; the device gives it one whole
 * free chunk of its memory as a huge folio.  The way back gives a huge
 * device folio a system THP, on a CPU fault through the device PMD
 * (do_huge_pmd_device_private(), vmf->pte NULL), a driver-initiated
 * migration or an eviction.  When either side gets no huge folio, the
 * entry falls back to base pages (umdevmem_migrate.c) and the core
 * splits the source folio; an eviction, without a VMA, cannot split, and
 * leaves the folio on the device.
 */
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include "umdevmem_kern.h"

struct page *umdevmem_alloc_huge(struct umdevmem *dev)
{
	long idx = umdevmem_take_chunk(dev);
	struct page *page;

	if (idx < 0)
		return NULL;
	page = pfn_to_page(dev->first_pfn + idx);
	zone_device_folio_init(page_folio(page), &dev->pgmap,
			       UMDEVMEM_HUGE_ORDER);
	return page;
}

/*
 * The core splits a huge device folio (a migration that could only get
 * base pages for it, or a partial unmap): each new folio belongs to the
 * same pgmap.  The pages stay allocated; each comes back on its own.
 */
void umdevmem_folio_split(struct folio *head, struct folio *tail)
{
	if (!tail) {
		umdevmem_add_event(page_to_umdevmem(&head->page),
				   UMDEVMEM_FOLIO_SPLITS, 1);
		return;
	}
	tail->pgmap = head->pgmap;
	tail->page.mapping = head->page.mapping;
}

/*
 * A locked system THP for @vma at @addr, or without a VMA for an
 * eviction (which fault injection leaves alone); NULL if there is none.
 */
static struct folio *umdevmem_system_thp(struct umdevmem *dev,
					 struct vm_area_struct *vma,
					 unsigned long addr)
{
	struct folio *folio;

	if (vma && umdevmem_inject(&dev->fail_huge))
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
	umdevmem_add_event(dev, UMDEVMEM_HUGE_TO_RAM, 1);
	return true;
}

/*
 * A huge destination for the compound entry @i of @m, filled from its
 * source (zeroes for a hole) in one DMA batch.  False when the device
 * has no whole chunk, the system no THP, the injection fires or the copy
 * is refused: the caller then offers base pages.
 */
bool umdevmem_huge_dst(struct umdevmem_mig *m, unsigned long i)
{
	struct page *spage = migrate_pfn_to_page(m->src[i]);
	struct folio *folio;
	struct page *dpage;

	if (!m->to_dev) {
		if (!m->thp)
			return false;
		folio = umdevmem_system_thp(m->dev, m->vma,
					    m->start + (i << PAGE_SHIFT));
		return folio && umdevmem_fill_thp(m->dev, folio, m->src[i],
						  &m->dst[i]);
	}
	dpage = umdevmem_alloc_huge(m->dev);
	if (!dpage)
		return false;
	if (!umdevmem_copy_folio(true, dpage, spage, UMDEVMEM_CHUNK_PAGES)) {
		unlock_page(dpage);
		put_page(dpage);
		return false;
	}
	m->dst[i] = migrate_pfn(page_to_pfn(dpage)) | MIGRATE_PFN_COMPOUND;
	return true;
}

/*
 * A CPU fault through the PMD of a huge device folio moves the whole
 * folio, into a system THP if one can be had; it is allocated before the
 * collection, which locks the device folio.  Else the core splits the
 * device folio (migrate_vma_pages()) and moves what it can as base
 * pages, at least the faulting one; the rest stays on the device, mapped
 * by device ptes, and faults back on its own.
 */
vm_fault_t umdevmem_huge_fault(struct umdevmem *dev, struct vm_fault *vmf)
{
	unsigned long start = ALIGN_DOWN(vmf->address, PMD_SIZE);
	struct umdevmem_mig m = {
		.dev = dev, .vma = vmf->vma, .start = start,
	};
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
	struct folio *folio;
	vm_fault_t ret;
	int err;

	if (vmf->pte || !folio_test_large(page_folio(vmf->page)) ||
	    !range_in_vma(vmf->vma, start, start + PMD_SIZE))
		return VM_FAULT_FALLBACK;
	folio = umdevmem_system_thp(dev, vmf->vma, start);
	err = umdevmem_mig_setup(&m, &args);
	if (err) {
		ret = vmf_error(err);
		goto free;
	}

	if (folio && (m.src[0] & MIGRATE_PFN_MIGRATE) &&
	    (m.src[0] & MIGRATE_PFN_COMPOUND)) {
		/* the THP is the destination now, or freed if the copy failed */
		umdevmem_fill_thp(dev, folio, m.src[0], &m.dst[0]);
	} else {
		if (folio) {
			folio_unlock(folio);
			folio_put(folio);
		}
		umdevmem_mig_fill(&m);	/* base pages */
	}
	folio = NULL;
	migrate_vma_pages(&args);
	for (i = 0; i < args.npages; i++)
		if (m.src[i] & MIGRATE_PFN_MIGRATE)
			moved += umdevmem_slots(m.src[i]);
	/*
	 * Whatever did not move (taken by another party, a refused copy)
	 * is still mapped to the device: the CPU faults again.
	 */
	ret = 0;
	migrate_vma_finalize(&args);
	umdevmem_add_event(dev, UMDEVMEM_TO_RAM_PAGES, moved);
free:
	umdevmem_mig_free(&m);
	if (folio) {
		folio_unlock(folio);
		folio_put(folio);
	}
	return ret;
}
