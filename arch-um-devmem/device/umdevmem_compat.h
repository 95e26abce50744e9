/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uml-devmem: the kernel API differences between the lines the fake
 * device and its suites build on, 6.12 and 7.x, in one place.
 *
 * The lines are told apart by a header: <linux/leafops.h> (softleaf_t)
 * exists in 7.x and not in 6.12.  Everything else asks the feature
 * macros defined here:
 *
 *  UMDEVMEM_FOLIO_FREE		dev_pagemap_ops frees whole folios
 *  UMDEVMEM_HUGE		device-private PMD entries and PMD-sized
 *				device folios (7.x with PMD softleaves)
 *  UMDEVMEM_EXCLUSIVE_HAS_WRITE	device-exclusive entries carry a write bit
 *  UMDEVMEM_KUNIT_ATTACH_MM	KUnit exports kunit_attach_mm()
 *  UMDEVMEM_KUNIT_GEN_TEST	KUnit parameter generators get the test
 */
#ifndef __UMDEVMEM_COMPAT_H
#define __UMDEVMEM_COMPAT_H

#include <linux/memremap.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/rmap.h>
#include <linux/sched/coredump.h>

#if __has_include("linux/leafops.h")

#include <linux/leafops.h>

#define UMDEVMEM_FOLIO_FREE 1
#ifdef CONFIG_ARCH_HAS_PMD_SOFTLEAVES
#define UMDEVMEM_HUGE 1
#endif
/* 7.x exclusive entries carry no write bit: their restored pte follows the VMA */
#define UMDEVMEM_EXCLUSIVE_HAS_WRITE 0
#define UMDEVMEM_KUNIT_ATTACH_MM 1
#define UMDEVMEM_KUNIT_GEN_TEST 1

static inline struct dev_pagemap *umdevmem_page_pgmap(struct page *page)
{
	return page_pgmap(page);
}

static inline void umdevmem_page_init(struct page *page,
				      struct dev_pagemap *pgmap)
{
	zone_device_page_init(page, pgmap, 0);
}

/* The page of a device-private pte, and whether it grants write access. */
static inline struct page *umdevmem_pte_device_private(pte_t pte, bool *write)
{
	softleaf_t entry = softleaf_from_pte(pte);

	if (!softleaf_is_device_private(entry))
		return NULL;
	*write = softleaf_is_device_private_write(entry);
	return softleaf_to_page(entry);
}

static inline struct page *umdevmem_pte_device_exclusive(pte_t pte,
							 bool *write)
{
	softleaf_t entry = softleaf_from_pte(pte);

	if (!softleaf_is_device_exclusive(entry))
		return NULL;
	*write = true;
	return softleaf_to_page(entry);
}

#ifdef UMDEVMEM_HUGE
/* The head page of a device-private PMD entry, or NULL. */
static inline struct page *umdevmem_pmd_device_private(pmd_t pmd, bool *write)
{
	softleaf_t entry;

	if (!pmd_is_device_private_entry(pmd))
		return NULL;
	entry = softleaf_from_pmd(pmd);
	*write = softleaf_is_device_private_write(entry);
	return softleaf_to_page(entry);
}
#endif

/* One page made device-exclusive, locked and referenced, or NULL. */
static inline struct page *umdevmem_make_exclusive(struct mm_struct *mm,
						   unsigned long addr,
						   void *owner)
{
	struct folio *folio;
	struct page *page = make_device_exclusive(mm, addr, owner, &folio);

	return IS_ERR(page) ? NULL : page;
}

#define UMDEVMEM_SHMEM_FLAGS EMPTY_VMA_FLAGS

static inline void umdevmem_migrate_device_pfns(unsigned long *src_pfns,
						unsigned long npages)
{
	migrate_device_pfns(src_pfns, npages);
}

static inline void umdevmem_mm_set_unstable(struct mm_struct *mm, bool on)
{
	if (on)
		mm_flags_set(MMF_UNSTABLE, mm);
	else
		mm_flags_clear(MMF_UNSTABLE, mm);
}

#else /* 6.12 */

#include <linux/swap.h>
#include <linux/swapops.h>

#define UMDEVMEM_EXCLUSIVE_HAS_WRITE 1
#define UMDEVMEM_KUNIT_ATTACH_MM 0
#define UMDEVMEM_KUNIT_GEN_TEST 0

static inline struct dev_pagemap *umdevmem_page_pgmap(struct page *page)
{
	return page->pgmap;
}

static inline void umdevmem_page_init(struct page *page,
				      struct dev_pagemap *pgmap)
{
	zone_device_page_init(page);
}

static inline struct page *umdevmem_pte_device_private(pte_t pte, bool *write)
{
	swp_entry_t entry = pte_to_swp_entry(pte);

	if (!is_device_private_entry(entry))
		return NULL;
	*write = is_writable_device_private_entry(entry);
	return pfn_swap_entry_to_page(entry);
}

static inline struct page *umdevmem_pte_device_exclusive(pte_t pte,
							 bool *write)
{
	swp_entry_t entry = pte_to_swp_entry(pte);

	if (!is_device_exclusive_entry(entry))
		return NULL;
	*write = is_writable_device_exclusive_entry(entry);
	return pfn_swap_entry_to_page(entry);
}

static inline struct page *umdevmem_make_exclusive(struct mm_struct *mm,
						   unsigned long addr,
						   void *owner)
{
	struct page *page = NULL;

	if (make_device_exclusive_range(mm, addr, addr + PAGE_SIZE, &page,
					owner) != 1)
		return NULL;
	return page;
}

#define UMDEVMEM_SHMEM_FLAGS 0

/* 6.12 has no migrate_device_pfns(): one single-page range per pfn */
static inline void umdevmem_migrate_device_pfns(unsigned long *src_pfns,
						unsigned long npages)
{
	unsigned long i;

	for (i = 0; i < npages; i++)
		migrate_device_range(&src_pfns[i], src_pfns[i], 1);
}

static inline void umdevmem_mm_set_unstable(struct mm_struct *mm, bool on)
{
	if (on)
		set_bit(MMF_UNSTABLE, &mm->flags);
	else
		clear_bit(MMF_UNSTABLE, &mm->flags);
}

#endif

#ifndef UMDEVMEM_HUGE
static inline struct page *umdevmem_pmd_device_private(pmd_t pmd, bool *write)
{
	return NULL;
}
#endif

#endif /* __UMDEVMEM_COMPAT_H */
