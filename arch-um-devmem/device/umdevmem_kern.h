/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uml-devmem kernel half: what its files share.  Suites use umdevmem.h,
 * the device's API, not this.
 */
#ifndef __UMDEVMEM_KERN_H
#define __UMDEVMEM_KERN_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/memremap.h>
#include <linux/spinlock.h>
#include "umdevmem_compat.h"
#include "umdevmem.h"

/* Counters that change outside the allocator's lock. */
enum umdevmem_event {
	UMDEVMEM_TO_RAM_CALLS,
	UMDEVMEM_TO_RAM_PAGES,
	UMDEVMEM_TO_RAM_BUSY,
	UMDEVMEM_COPIED_TO_DEV,
	UMDEVMEM_COPIED_TO_RAM,
	UMDEVMEM_DMA_BATCHES,
	UMDEVMEM_EVICTED,
	UMDEVMEM_COPY_FAILED,
	UMDEVMEM_FOLIO_SPLITS,
	UMDEVMEM_HUGE_TO_RAM,
	UMDEVMEM_NR_EVENTS,
};

struct umdevmem {
	struct list_head node;		/* on umdevmem_list */
	char name[16];
	struct dev_pagemap pgmap;	/* owner is the device itself */
	struct resource *res;
	unsigned long first_pfn;
	unsigned long npages;

	void *host_base;		/* cookie of the host half */
	int host_fd;

	spinlock_t lock;		/* the allocator and its counters */
	unsigned long *free_map;	/* a set bit per free page */
	unsigned int *chunk_free;	/* free pages per chunk */
	unsigned long free_pages;
	unsigned long allocated;
	unsigned long freed;
	unsigned long alloc_failed;
	unsigned long huge_allocated;
	unsigned long huge_alloc_failed;

	atomic_long_t events[UMDEVMEM_NR_EVENTS];
	/* fault injection: the nth next attempt fails, 0 off */
	atomic_t fail_alloc;
	atomic_t fail_huge;
	atomic_t fail_copy;
	unsigned int dma_latency_us;	/* sleep of each DMA batch */
	struct completion *dma_signal;	/* completed by the next batch */
};

static inline struct umdevmem *page_to_umdevmem(struct page *page)
{
	return container_of(umdevmem_page_pgmap(page), struct umdevmem, pgmap);
}

static inline unsigned long umdevmem_page_offset(struct page *page)
{
	return (page_to_pfn(page) - page_to_umdevmem(page)->first_pfn)
		<< PAGE_SHIFT;
}

static inline void umdevmem_add_event(struct umdevmem *dev,
				      enum umdevmem_event event, long n)
{
	atomic_long_add(n, &dev->events[event]);
}

/* Counts down a fault-injection trigger; true when it fires. */
bool umdevmem_inject(atomic_t *nth);

/* umdevmem_alloc.c: chunks of PMD_SIZE, the size of a huge device folio */
#define UMDEVMEM_HUGE_ORDER	(PMD_SHIFT - PAGE_SHIFT)
#define UMDEVMEM_CHUNK_PAGES	(1UL << UMDEVMEM_HUGE_ORDER)

/*
 * umdevmem_kern.c: a device-private device whose pages another layer
 * manages through @ops (umdevmem_drm.c: drm_pagemap's), one set of ops
 * for all such devices, with pgmap owner @owner (NULL: the device); the
 * device's own allocator, DMA engine and counters still serve it.
 */
struct umdevmem *umdevmem_create_with_ops(const char *name,
					  unsigned long npages,
					  const struct dev_pagemap_ops *ops,
					  void *owner);

int umdevmem_init_allocator(struct umdevmem *dev);
void umdevmem_free_allocator(struct umdevmem *dev);
/* A whole free chunk taken for a huge folio: its first index, or -1. */
long umdevmem_take_chunk(struct umdevmem *dev);
/* One free page taken, not initialised: its index, or -1. */
long umdevmem_take_page(struct umdevmem *dev);
/* @nr pages from index @idx on free again. */
void umdevmem_give_back(struct umdevmem *dev, unsigned long idx,
			unsigned long nr);
void umdevmem_page_free(struct page *page);
void umdevmem_folio_free(struct folio *folio);

/* umdevmem_dma.c */
int umdevmem_copy_run(struct umdevmem *dev, bool to_dev, struct page **devp,
		      struct page **sys, unsigned long n);
bool umdevmem_copy_folio(bool to_dev, struct page *devp, struct page *sys,
			 unsigned long nr);

/*
 * umdevmem_migrate.c: a migration as the device drives it, collected by
 * migrate_vma_setup() (with a VMA) or by migrate_device_range() and
 * _pfns() (an eviction, without one).  umdevmem_mig_fill() gives every
 * collected entry a destination and copies them all in one DMA batch.
 */
struct umdevmem_mig {
	struct umdevmem *dev;
	unsigned long *src, *dst;
	unsigned long npages;
	struct vm_area_struct *vma;	/* NULL: an eviction */
	unsigned long start;		/* the address of src[0] */
	bool to_dev;
	bool thp;	/* to the system: a huge device folio gets a THP */
	/* the batch: destination and source page of each copy, its slot */
	struct page **dpages, **spages;
	unsigned long *slot;
	unsigned long n;
	bool no_page;			/* a destination page was refused */
};

int umdevmem_mig_alloc(struct umdevmem_mig *m, unsigned long npages);
/* Arrays for @args's range, then migrate_vma_setup(); 0 or -errno. */
int umdevmem_mig_setup(struct umdevmem_mig *m, struct migrate_vma *args);
void umdevmem_mig_free(struct umdevmem_mig *m);
unsigned long umdevmem_mig_fill(struct umdevmem_mig *m);
vm_fault_t umdevmem_migrate_to_ram(struct vm_fault *vmf);

/* umdevmem_huge.c: PMD-sized device folios, where the line has them */
#ifdef UMDEVMEM_HUGE
void umdevmem_folio_split(struct folio *head, struct folio *tail);
bool umdevmem_huge_dst(struct umdevmem_mig *m, unsigned long i);
vm_fault_t umdevmem_huge_fault(struct umdevmem *dev, struct vm_fault *vmf);
#define UMDEVMEM_SPLIT_OP	.folio_split = umdevmem_folio_split,

/* How many slots the collected entry @src covers: a compound one, a PMD. */
static inline unsigned long umdevmem_slots(unsigned long src)
{
	return src & MIGRATE_PFN_COMPOUND ? UMDEVMEM_CHUNK_PAGES : 1;
}
#else
static inline unsigned long umdevmem_slots(unsigned long src)
{
	return 1;
}

static inline bool umdevmem_huge_dst(struct umdevmem_mig *m, unsigned long i)
{
	return false;
}

static inline vm_fault_t umdevmem_huge_fault(struct umdevmem *dev,
					     struct vm_fault *vmf)
{
	return VM_FAULT_FALLBACK;
}
#define UMDEVMEM_SPLIT_OP
#endif

#ifdef UMDEVMEM_FOLIO_FREE
#define UMDEVMEM_FREE_OP	.folio_free = umdevmem_folio_free,
#else
#define UMDEVMEM_FREE_OP	.page_free = umdevmem_page_free,
#endif

#endif /* __UMDEVMEM_KERN_H */
