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

	spinlock_t lock;		/* free list, stats, injection */
	struct page *free_list;		/* linked through zone_device_data */
	struct umdevmem_stats stats;
	unsigned long fail_alloc_nth;
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

/* devmem_alloc.c */
void umdevmem_init_free_list(struct umdevmem *dev);
void umdevmem_page_free(struct page *page);
#ifdef UMDEVMEM_FOLIO_FREE
void umdevmem_folio_free(struct folio *folio);
#endif
bool umdevmem_inject(struct umdevmem *dev, unsigned long *nth);

/* devmem_migrate.c */
vm_fault_t umdevmem_migrate_to_ram(struct vm_fault *vmf);

#endif /* __UM_DEVMEM_H */
