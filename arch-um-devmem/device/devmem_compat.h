/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uml-devmem: the kernel API differences between the lines the fake
 * device and its suites build on, 6.12 and 7.x, in one place.
 */
#ifndef __DEVMEM_COMPAT_H
#define __DEVMEM_COMPAT_H

#include <linux/memremap.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/rmap.h>
#include <linux/sched/coredump.h>

/*
 * The lines are told apart by a header: <linux/leafops.h> (softleaf_t)
 * exists in 7.x and not in 6.12.
 */
#if __has_include("linux/leafops.h")

#include <linux/leafops.h>

/* dev_pagemap_ops frees whole folios; struct page lost its pgmap */
#define UMDEVMEM_FOLIO_FREE 1

/*
 * Device-private PMD entries exist: the device hands out PMD-sized folios
 * to MIGRATE_VMA_SELECT_COMPOUND migrations (migrate_vma_nr_pages()).
 */
#ifdef CONFIG_ARCH_HAS_PMD_SOFTLEAVES
#define UMDEVMEM_HUGE 1
#endif

static inline struct dev_pagemap *umd_page_pgmap(struct page *page)
{
	return page_pgmap(page);
}

static inline void umd_page_init(struct page *page, struct dev_pagemap *pgmap)
{
	zone_device_page_init(page, pgmap, 0);
}

/*
 * For the suites: the page of a device-private or device-exclusive
 * entry, and whether it grants write access (7.x exclusive entries carry
 * no write bit: their restored pte follows the VMA).
 */
#define UMD_EXCLUSIVE_HAS_WRITE 0

static inline struct page *umd_device_private(pte_t pte, bool *write)
{
	softleaf_t entry = softleaf_from_pte(pte);

	if (!softleaf_is_device_private(entry))
		return NULL;
	*write = softleaf_is_device_private_write(entry);
	return softleaf_to_page(entry);
}

static inline struct page *umd_device_exclusive(pte_t pte, bool *write)
{
	softleaf_t entry = softleaf_from_pte(pte);

	if (!softleaf_is_device_exclusive(entry))
		return NULL;
	*write = true;
	return softleaf_to_page(entry);
}

/* One page made device-exclusive, locked and referenced, or NULL. */
static inline struct page *umd_make_exclusive(struct mm_struct *mm,
					      unsigned long addr, void *owner)
{
	struct folio *folio;
	struct page *page = make_device_exclusive(mm, addr, owner, &folio);

	return IS_ERR(page) ? NULL : page;
}

#define UMD_SHMEM_FLAGS EMPTY_VMA_FLAGS

static inline void umd_migrate_device_pfns(unsigned long *src_pfns,
					   unsigned long npages)
{
	migrate_device_pfns(src_pfns, npages);
}

static inline void umd_mm_set_unstable(struct mm_struct *mm, bool on)
{
	if (on)
		mm_flags_set(MMF_UNSTABLE, mm);
	else
		mm_flags_clear(MMF_UNSTABLE, mm);
}

#else /* 6.12 */

#include <linux/swap.h>
#include <linux/swapops.h>

static inline struct dev_pagemap *umd_page_pgmap(struct page *page)
{
	return page->pgmap;
}

static inline void umd_page_init(struct page *page, struct dev_pagemap *pgmap)
{
	zone_device_page_init(page);
}

#define UMD_EXCLUSIVE_HAS_WRITE 1

static inline struct page *umd_device_private(pte_t pte, bool *write)
{
	swp_entry_t entry = pte_to_swp_entry(pte);

	if (!is_device_private_entry(entry))
		return NULL;
	*write = is_writable_device_private_entry(entry);
	return pfn_swap_entry_to_page(entry);
}

static inline struct page *umd_device_exclusive(pte_t pte, bool *write)
{
	swp_entry_t entry = pte_to_swp_entry(pte);

	if (!is_device_exclusive_entry(entry))
		return NULL;
	*write = is_writable_device_exclusive_entry(entry);
	return pfn_swap_entry_to_page(entry);
}

static inline struct page *umd_make_exclusive(struct mm_struct *mm,
					      unsigned long addr, void *owner)
{
	struct page *page = NULL;

	if (make_device_exclusive_range(mm, addr, addr + PAGE_SIZE, &page,
					owner) != 1)
		return NULL;
	return page;
}

#define UMD_SHMEM_FLAGS 0

/* 6.12 has no migrate_device_pfns(): one single-page range per pfn */
static inline void umd_migrate_device_pfns(unsigned long *src_pfns,
					   unsigned long npages)
{
	unsigned long i;

	for (i = 0; i < npages; i++)
		migrate_device_range(&src_pfns[i], src_pfns[i], 1);
}

static inline void umd_mm_set_unstable(struct mm_struct *mm, bool on)
{
	if (on)
		set_bit(MMF_UNSTABLE, &mm->flags);
	else
		clear_bit(MMF_UNSTABLE, &mm->flags);
}

#endif

#endif /* __DEVMEM_COMPAT_H */
