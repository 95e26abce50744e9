/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uml-devmem kernel half: the device structure shared by its files.
 * Suites use umdevmem.h, not this.
 */
#ifndef __UM_DEVMEM_H
#define __UM_DEVMEM_H

#include <linux/list.h>
#include <linux/memremap.h>
#include <linux/spinlock.h>
#include "devmem_compat.h"
#include "umdevmem.h"

struct umdevmem {
	struct list_head node;		/* on umdevmem_list */
	char name[16];
	struct dev_pagemap pgmap;	/* owner is the device itself */
	struct resource *res;
	unsigned long first_pfn;
	unsigned long npages;

	void *host_base;		/* cookie of the host half */
	int host_fd;

	spinlock_t lock;		/* allocator, stats, injection */
	unsigned long *free_map;	/* a set bit per free page */
	unsigned int *chunk_free;	/* free pages per chunk */
	struct umdevmem_stats stats;
	unsigned long fail_alloc_nth;
	unsigned long fail_huge_nth;
	unsigned long fail_copy_nth;
	unsigned int dma_latency_us;	/* sleep of each DMA batch */
	struct completion *dma_signal;	/* completed by the next batch */
};

static inline struct umdevmem *page_to_umdevmem(struct page *page)
{
	return container_of(umd_page_pgmap(page), struct umdevmem, pgmap);
}

static inline unsigned long umdevmem_page_offset(struct page *page)
{
	return (page_to_pfn(page) - page_to_umdevmem(page)->first_pfn)
		<< PAGE_SHIFT;
}

/* devmem_alloc.c: chunks of PMD_SIZE, the size of a huge device folio */
#define UMDEVMEM_HUGE_ORDER	(PMD_SHIFT - PAGE_SHIFT)
#define UMDEVMEM_CHUNK_PAGES	(1UL << UMDEVMEM_HUGE_ORDER)

int umdevmem_init_allocator(struct umdevmem *dev);
void umdevmem_free_allocator(struct umdevmem *dev);
void umdevmem_page_free(struct page *page);
#ifdef UMDEVMEM_FOLIO_FREE
void umdevmem_folio_free(struct folio *folio);
#endif
#ifdef UMDEVMEM_HUGE
void umdevmem_folio_split(struct folio *head, struct folio *tail);
#endif
bool umdevmem_inject(struct umdevmem *dev, unsigned long *nth);

/* devmem_dma.c */
bool umdevmem_copy_folio(bool to_dev, struct page *devp, struct page *sys,
			 unsigned long nr);

/* devmem_migrate.c */
vm_fault_t umdevmem_migrate_to_ram(struct vm_fault *vmf);

#endif /* __UM_DEVMEM_H */
