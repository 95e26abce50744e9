/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uml-devmem: the API of the fake device that KUnit suites drive.
 *
 * A umdevmem device owns a MEMORY_DEVICE_PRIVATE pgmap, or a
 * MEMORY_DEVICE_COHERENT one, whose pages hold their data in host memory
 * (see devmem_user.c), one page per offset.  The device allocates its
 * pages, copies data in batches with its "DMA engine" and frees pages in
 * page_free().  A device-private device migrates its pages back on CPU
 * faults in migrate_to_ram(); the CPU maps coherent pages in place.
 */
#ifndef __UMDEVMEM_H
#define __UMDEVMEM_H

#include <linux/types.h>
#include "umdevmem_compat.h"

struct completion;
struct mm_struct;
struct page;
struct umdevmem;

/* Counters of one device; all are totals since the device was created. */
struct umdevmem_stats {
	unsigned long total_pages;	/* device pages in the pgmap */
	unsigned long free_pages;	/* device pages free to allocate */
	unsigned long allocated;	/* device pages handed out */
	unsigned long freed;		/* device pages returned by page_free() */
	unsigned long to_ram_calls;	/* migrate_to_ram() calls */
	unsigned long to_ram_pages;	/* pages migrate_to_ram() moved back */
	unsigned long to_ram_busy;	/* migrate_to_ram() calls that found the page taken */
	unsigned long copied_to_dev;	/* pages the DMA engine wrote to the device */
	unsigned long copied_to_ram;	/* pages the DMA engine read from the device */
	unsigned long dma_batches;	/* calls into the DMA engine */
	unsigned long evicted;		/* pages moved back by umdevmem_evict() */
	unsigned long alloc_failed;	/* allocations refused (empty or injected) */
	unsigned long copy_failed;	/* page copies refused (injected) */
	unsigned long huge_allocated;	/* PMD-sized device folios handed out */
	unsigned long huge_alloc_failed; /* of those refused (none whole, injected) */
	unsigned long folio_splits;	/* PMD-sized device folios the core split */
	/* system THPs filled from huge device folios (fault, back, evict) */
	unsigned long huge_to_ram;
};

/* What a migration to the device did, page by page counted. */
struct umdevmem_migrate_result {
	unsigned long npages;	/* pages in the range */
	unsigned long cpages;	/* pages migrate_vma_setup() collected */
	unsigned long migrated;	/* pages that reached their destination */
	unsigned long declined;	/* collected pages the device gave dst = 0 */
};

/* Devices created at boot: umdevmem.devices= (default 2). */
unsigned int umdevmem_count(void);
struct umdevmem *umdevmem_get(unsigned int index);

/* Extra devices, e.g. to test teardown; destroy evicts every page first. */
struct umdevmem *umdevmem_create(const char *name, unsigned long npages);
/*
 * A coherent device over a part of UML's device window: ERR_PTR(-ENODEV)
 * when booted without one (devwindow=), ERR_PTR(-EBUSY) when it is full.
 */
struct umdevmem *umdevmem_create_coherent(const char *name,
					  unsigned long npages);
int umdevmem_destroy(struct umdevmem *dev);
bool umdevmem_is_coherent(const struct umdevmem *dev);

const char *umdevmem_name(const struct umdevmem *dev);
void *umdevmem_owner(const struct umdevmem *dev);
unsigned long umdevmem_first_pfn(const struct umdevmem *dev);
void umdevmem_get_stats(struct umdevmem *dev, struct umdevmem_stats *stats);
/* The device a ZONE_DEVICE page belongs to, or NULL for any other page. */
struct umdevmem *umdevmem_page_device(struct page *page);

/*
 * Page-level building blocks for suites that call migrate_vma_*()
 * themselves.  umdevmem_alloc_page() returns a locked device page with one
 * reference, as migrate_vma_pages() expects of a dst page, or NULL.
 */
struct page *umdevmem_alloc_page(struct umdevmem *dev);
/*
 * One DMA batch: copy @n pages into device pages @dpages.  A NULL entry in
 * @spages zero-fills; an entry that is itself a device page of any umdevmem
 * device copies device to device.  Returns the number of pages copied;
 * pages whose copy failed (injected) get their @dpages entry set to NULL.
 */
unsigned long umdevmem_copy_to_device(struct page **dpages,
				      struct page **spages, unsigned long n);
/* One DMA batch from device pages @spages into system pages @dpages. */
unsigned long umdevmem_copy_from_device(struct page **dpages,
					struct page **spages, unsigned long n);
/* Read one device page's contents without migrating it. */
int umdevmem_read_page(struct page *dpage, void *buf);

/*
 * Migrate [start, end) of @mm to @dev: migrate_vma_setup(), allocation and
 * one DMA batch, migrate_vma_pages(), migrate_vma_finalize().  @flags are
 * MIGRATE_VMA_SELECT_* and @src_owner is the pgmap owner to select
 * device-private pages of (NULL: @dev's own).  The range must be one VMA.
 */
int umdevmem_migrate_to_device(struct umdevmem *dev, struct mm_struct *mm,
			       unsigned long start, unsigned long end,
			       unsigned long flags, void *src_owner,
			       struct umdevmem_migrate_result *res);

/*
 * Migrate the pages of [start, end) of @mm that migrate_vma_setup()
 * selects with @flags and @src_owner (NULL: @dev's own) to system memory,
 * copying device pages out through @dev's DMA engine.
 */
int umdevmem_migrate_to_system(struct umdevmem *dev, struct mm_struct *mm,
			       unsigned long start, unsigned long end,
			       unsigned long flags, void *src_owner,
			       struct umdevmem_migrate_result *res);

/* Move every allocated page of @dev back to system memory. */
unsigned long umdevmem_evict(struct umdevmem *dev);
/*
 * Move @n given pages of @dev back (migrate_device_pfns() on 7.x, one
 * migrate_device_range() per page on 6.12, which lacks it).
 */
unsigned long umdevmem_evict_pages(struct umdevmem *dev, struct page **pages,
				   unsigned long n);

/* Fault injection: the @nth next allocation / page copy fails (0: off). */
void umdevmem_fail_alloc(struct umdevmem *dev, unsigned long nth);
void umdevmem_fail_copy(struct umdevmem *dev, unsigned long nth);
/*
 * Huge folios (7.x with THP): the @nth next attempt of @dev to get a
 * PMD-sized folio fails, be it a device folio for a migration to the
 * device or a system THP for one back; the migration then falls back to
 * base pages and the core splits the source folio.
 */
void umdevmem_fail_alloc_huge(struct umdevmem *dev, unsigned long nth);
/*
 * A whole free PMD_SIZE chunk of @dev as one locked device folio with one
 * reference (its head page), or NULL.  Only where device-private PMD
 * entries exist (7.x with THP); elsewhere always NULL.
 */
#ifdef UMDEVMEM_HUGE
struct page *umdevmem_alloc_huge(struct umdevmem *dev);
#else
static inline struct page *umdevmem_alloc_huge(struct umdevmem *dev)
{
	return NULL;
}
#endif

/*
 * DMA latency: every batch of @dev sleeps @usecs before it copies (0: no
 * wait), so that other threads run while a migration is in flight.
 */
void umdevmem_set_dma_latency(struct umdevmem *dev, unsigned int usecs);
/*
 * The next DMA batch of @dev completes @in_flight first (then sleeps its
 * latency): a test starts its second thread exactly while a migration is
 * in flight.  One-shot; NULL cancels.
 */
void umdevmem_signal_dma(struct umdevmem *dev, struct completion *in_flight);

/* Every injection, the DMA latency and the in-flight signal off again. */
void umdevmem_reset(struct umdevmem *dev);

#endif /* __UMDEVMEM_H */
