/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uml-devmem: the kernel API differences between the lines the fake
 * device and its suites build on, 6.1, 6.12 and 7.x, in one place.
 *
 * The lines are told apart by a header: <linux/leafops.h> (softleaf_t)
 * exists in 7.x and not in 6.12 or 6.1.  What a header's presence does not
 * tell (a function that 7.3 has and 7.2 not, a Kconfig symbol 7.3 renamed,
 * the mm API 6.1 has in another form), compat.mk probes in the tree and
 * passes as UMDEVMEM_* macros.
 * Everything else asks the feature macros defined here:
 *
 *  UMDEVMEM_FOLIO_FREE		dev_pagemap_ops frees whole folios
 *  UMDEVMEM_HUGE		device-private PMD entries and PMD-sized
 *				device folios (7.x with THP migration)
 *  UMDEVMEM_EXCLUSIVE_HAS_WRITE	device-exclusive entries carry a write bit
 *  UMDEVMEM_KUNIT_ATTACH_MM	KUnit exports kunit_attach_mm()
 *  UMDEVMEM_KUNIT_GEN_TEST	KUnit parameter generators get the test
 *  UMDEVMEM_HMM_UNLOCKED	hmm_range_fault_unlocked_timeout() exists (7.3)
 *  UMDEVMEM_FREE_BY_TYPE	a ZONE_DEVICE folio's last put does what its
 *				pgmap type needs (7.x), rather than handing
 *				every type to ops->page_free (6.12)
 *
 * 6.1's mm API in 6.12's form: vm_flags_set()/vm_flags_clear(), pmdp_get(),
 * pmd_dirty() without THP, umdevmem_mm_counter(), umdevmem_get_user_pages()
 * and umdevmem_isolate_lru().
 */
#ifndef __UMDEVMEM_COMPAT_H
#define __UMDEVMEM_COMPAT_H

#include <linux/hmm.h>
#include <linux/memremap.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/rmap.h>
#include <linux/sched/coredump.h>

/*
 * What a non-present pte or PMD holds that the suites look at: the page of
 * a device-private, device-exclusive or migration entry and the bits the
 * entry carries.  A migration entry keeps the old entry's accessed and
 * dirty bits only where the swap offset has room for them
 * (migration_entry_supports_ad()); exclusive is its anon-exclusive state
 * (a writable or a readable-exclusive entry).
 */
enum umdevmem_leaf_kind {
	UMDEVMEM_LEAF_OTHER,		/* none, swap, a marker, ... */
	UMDEVMEM_LEAF_DEVICE,		/* device-private */
	UMDEVMEM_LEAF_EXCLUSIVE,	/* device-exclusive */
	UMDEVMEM_LEAF_MIGRATION,
};

struct umdevmem_leaf {
	enum umdevmem_leaf_kind kind;
	struct page *page;
	bool write;
	bool young;
	bool dirty;
	bool exclusive;
};

#ifdef UMDEVMEM_HAVE_HMM_UNLOCKED
#define UMDEVMEM_HMM_UNLOCKED 1

static inline int umdevmem_hmm_range_fault_unlocked(struct hmm_range *range,
						    unsigned long timeout)
{
	return hmm_range_fault_unlocked_timeout(range, timeout);
}
#else
#define UMDEVMEM_HMM_UNLOCKED 0

/* No hmm_range_fault_unlocked_timeout(): callers ask UMDEVMEM_HMM_UNLOCKED */
static inline int umdevmem_hmm_range_fault_unlocked(struct hmm_range *range,
						    unsigned long timeout)
{
	return -EOPNOTSUPP;
}
#endif

#ifndef UMDEVMEM_HAVE_VM_FLAGS_SET	/* 6.1: vm_flags is a plain field */
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline void vm_flags_clear(struct vm_area_struct *vma,
				  vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif

#ifndef UMDEVMEM_HAVE_PMDP_GET
static inline pmd_t pmdp_get(pmd_t *pmdp)
{
	return READ_ONCE(*pmdp);
}
#endif

#if !defined(UMDEVMEM_HAVE_PMD_DIRTY_FALLBACK) && \
	!defined(CONFIG_TRANSPARENT_HUGEPAGE)
/* 6.1 without THP: no huge PMD, so none is dirty */
static inline int pmd_dirty(pmd_t pmd)
{
	return 0;
}
#endif

/* An mm's exact count of @member pages (6.1: atomic, not per-CPU) */
static inline s64 umdevmem_mm_counter(struct mm_struct *mm, int member)
{
#ifdef UMDEVMEM_HAVE_PERCPU_RSS
	return percpu_counter_sum(&mm->rss_stat[member]);
#else
	return get_mm_counter(mm, member);
#endif
}

static inline long umdevmem_get_user_pages(unsigned long start,
					   unsigned long nr_pages,
					   unsigned int gup_flags,
					   struct page **pages)
{
#ifdef UMDEVMEM_GUP_VMAS	/* 6.1: and the VMAs, if asked */
	return get_user_pages(start, nr_pages, gup_flags, pages, NULL);
#else
	return get_user_pages(start, nr_pages, gup_flags, pages);
#endif
}

/* folio_isolate_lru() of mm/internal.h: true if the folio was taken off */
#ifdef UMDEVMEM_ISOLATE_LRU_INT	/* 6.1: 0 or -EBUSY */
#define umdevmem_isolate_lru(folio) (folio_isolate_lru(folio) == 0)
#else
#define umdevmem_isolate_lru(folio) folio_isolate_lru(folio)
#endif

#if __has_include("linux/leafops.h")

#include <linux/leafops.h>

#define UMDEVMEM_FOLIO_FREE 1
#ifdef UMDEVMEM_HAVE_HUGE	/* compat.mk: PMD softleaves or THP migration */
#define UMDEVMEM_HUGE 1
#endif
/* 7.x exclusive entries carry no write bit: their restored pte follows the VMA */
#define UMDEVMEM_EXCLUSIVE_HAS_WRITE 0
#define UMDEVMEM_KUNIT_ATTACH_MM 1
#define UMDEVMEM_KUNIT_GEN_TEST 1
#define UMDEVMEM_FREE_BY_TYPE 1

static inline struct dev_pagemap *umdevmem_page_pgmap(struct page *page)
{
	return page_pgmap(page);
}

static inline void umdevmem_page_init(struct page *page,
				      struct dev_pagemap *pgmap)
{
	zone_device_page_init(page, pgmap, 0);
}

static inline struct umdevmem_leaf umdevmem_softleaf(softleaf_t entry)
{
	struct umdevmem_leaf l = { .kind = UMDEVMEM_LEAF_OTHER };

	if (softleaf_is_device_private(entry)) {
		l.kind = UMDEVMEM_LEAF_DEVICE;
		l.write = softleaf_is_device_private_write(entry);
	} else if (softleaf_is_device_exclusive(entry)) {
		/* no write bit: the restored pte follows the VMA */
		l.kind = UMDEVMEM_LEAF_EXCLUSIVE;
		l.write = true;
	} else if (softleaf_is_migration(entry)) {
		l.kind = UMDEVMEM_LEAF_MIGRATION;
		l.write = softleaf_is_migration_write(entry);
		l.exclusive = l.write ||
			      softleaf_is_migration_read_exclusive(entry);
		l.young = softleaf_is_migration_young(entry);
		l.dirty = softleaf_is_migration_dirty(entry);
	} else {
		return l;
	}
	l.page = softleaf_to_page(entry);
	return l;
}

static inline struct umdevmem_leaf umdevmem_pte_leaf(pte_t pte)
{
	return umdevmem_softleaf(softleaf_from_pte(pte));
}

/* Only with PMD softleaves; else every non-present PMD is "other". */
static inline struct umdevmem_leaf umdevmem_pmd_leaf(pmd_t pmd)
{
	return umdevmem_softleaf(softleaf_from_pmd(pmd));
}

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

/* A dev_pagemap_ops free callback @name that calls @fn(head page). */
#define UMDEVMEM_DEFINE_FREE(name, fn) \
	static void name(struct folio *folio) { fn(&folio->page); }
#define UMDEVMEM_FREE_FIELD(name) .folio_free = (name)

/*
 * get_dev_pagemap() with 6.12's @cached: a pgmap the caller holds a
 * reference to, which the call consumes.  7.x takes no cached pgmap.
 */
static inline struct dev_pagemap *
umdevmem_get_dev_pagemap(unsigned long pfn, struct dev_pagemap *cached)
{
	struct dev_pagemap *pgmap = get_dev_pagemap(pfn);

	if (cached)
		put_dev_pagemap(cached);
	return pgmap;
}

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
#define UMDEVMEM_FREE_BY_TYPE 0

static inline struct dev_pagemap *umdevmem_page_pgmap(struct page *page)
{
	return page->pgmap;
}

static inline void umdevmem_page_init(struct page *page,
				      struct dev_pagemap *pgmap)
{
	zone_device_page_init(page);
}

static inline struct umdevmem_leaf umdevmem_swp_leaf(swp_entry_t entry)
{
	struct umdevmem_leaf l = { .kind = UMDEVMEM_LEAF_OTHER };

	if (is_device_private_entry(entry)) {
		l.kind = UMDEVMEM_LEAF_DEVICE;
		l.write = is_writable_device_private_entry(entry);
	} else if (is_device_exclusive_entry(entry)) {
		l.kind = UMDEVMEM_LEAF_EXCLUSIVE;
		l.write = is_writable_device_exclusive_entry(entry);
	} else if (is_migration_entry(entry)) {
		l.kind = UMDEVMEM_LEAF_MIGRATION;
		l.write = is_writable_migration_entry(entry);
		l.exclusive = l.write ||
			      is_readable_exclusive_migration_entry(entry);
		l.young = is_migration_entry_young(entry);
		l.dirty = is_migration_entry_dirty(entry);
	} else {
		return l;
	}
	l.page = pfn_swap_entry_to_page(entry);
	return l;
}

static inline struct umdevmem_leaf umdevmem_pte_leaf(pte_t pte)
{
	struct umdevmem_leaf none = { .kind = UMDEVMEM_LEAF_OTHER };

	if (!is_swap_pte(pte))
		return none;
	return umdevmem_swp_leaf(pte_to_swp_entry(pte));
}

/* PMD migration entries exist with CONFIG_ARCH_ENABLE_THP_MIGRATION. */
static inline struct umdevmem_leaf umdevmem_pmd_leaf(pmd_t pmd)
{
	struct umdevmem_leaf none = { .kind = UMDEVMEM_LEAF_OTHER };

	if (!is_pmd_migration_entry(pmd))
		return none;
	return umdevmem_swp_leaf(pmd_to_swp_entry(pmd));
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

#define UMDEVMEM_DEFINE_FREE(name, fn) \
	static void name(struct page *page) { fn(page); }
#define UMDEVMEM_FREE_FIELD(name) .page_free = (name)

static inline struct dev_pagemap *
umdevmem_get_dev_pagemap(unsigned long pfn, struct dev_pagemap *cached)
{
	return get_dev_pagemap(pfn, cached);
}

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

#endif /* __UMDEVMEM_COMPAT_H */
