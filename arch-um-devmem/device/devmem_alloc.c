// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem kernel half: the device page allocator.
 *
 * Free device pages sit on a singly linked list threaded through
 * page->zone_device_data.  The core mm hands a page back through
 * page_free() once its last reference is gone.
 */
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include "devmem.h"

/* Counts down a fault-injection trigger; true when it fires. Lock held. */
bool umdevmem_inject(struct umdevmem *dev, unsigned long *nth)
{
	lockdep_assert_held(&dev->lock);
	if (!*nth)
		return false;
	return --(*nth) == 0;
}

void umdevmem_init_free_list(struct umdevmem *dev)
{
	unsigned long i;

	dev->free_list = NULL;
	for (i = dev->npages; i-- > 0; ) {
		struct page *page = pfn_to_page(dev->first_pfn + i);

		page->zone_device_data = dev->free_list;
		dev->free_list = page;
	}
	dev->stats.total_pages = dev->npages;
	dev->stats.free_pages = dev->npages;
}

struct page *umdevmem_alloc_page(struct umdevmem *dev)
{
	struct page *page;

	spin_lock(&dev->lock);
	page = dev->free_list;
	if (!page || umdevmem_inject(dev, &dev->fail_alloc_nth)) {
		dev->stats.alloc_failed++;
		spin_unlock(&dev->lock);
		return NULL;
	}
	dev->free_list = page->zone_device_data;
	dev->stats.free_pages--;
	dev->stats.allocated++;
	spin_unlock(&dev->lock);

	page->zone_device_data = NULL;
	umd_page_init(page, &dev->pgmap);	/* one reference, locked */
	return page;
}

#ifdef UMDEVMEM_FOLIO_FREE
/* The device only hands out order-0 pages: a folio is one page. */
void umdevmem_folio_free(struct folio *folio)
{
	umdevmem_page_free(&folio->page);
}
#endif

void umdevmem_page_free(struct page *page)
{
	struct umdevmem *dev = page_to_umdevmem(page);

	spin_lock(&dev->lock);
	page->zone_device_data = dev->free_list;
	dev->free_list = page;
	dev->stats.free_pages++;
	dev->stats.freed++;
	spin_unlock(&dev->lock);
}
