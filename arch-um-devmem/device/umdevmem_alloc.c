// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem kernel half: the device page allocator.
 *
 * A bitmap has one bit per device page, set while the page is free, and
 * the pages are grouped in chunks of UMDEVMEM_CHUNK_PAGES (PMD_SIZE) with
 * a count of free pages each.  A base page comes from the first chunk that
 * is already in use, so that whole free chunks stay whole for huge folios
 * (7.x with PMD softleaves, umdevmem_huge.c) as long as possible; a huge
 * folio is one whole free chunk.  The core mm hands pages back through
 * folio_free() (7.x, a huge folio at once) or page_free() (6.12) once the
 * last reference is gone; a chunk whose pages all came back can be a huge
 * folio again.
 */
#include <linux/bitmap.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include "umdevmem_kern.h"

bool umdevmem_inject(atomic_t *nth)
{
	int old = atomic_read(nth);

	do {
		if (!old)
			return false;
	} while (!atomic_try_cmpxchg(nth, &old, old - 1));
	return old == 1;
}

static unsigned long umdevmem_chunks(struct umdevmem *dev)
{
	return DIV_ROUND_UP(dev->npages, UMDEVMEM_CHUNK_PAGES);
}

static unsigned long umdevmem_chunk_size(struct umdevmem *dev,
					 unsigned long chunk)
{
	unsigned long first = chunk * UMDEVMEM_CHUNK_PAGES;

	return min(UMDEVMEM_CHUNK_PAGES, dev->npages - first);
}

int umdevmem_init_allocator(struct umdevmem *dev)
{
	unsigned long c, nchunks = umdevmem_chunks(dev);

	dev->free_map = bitmap_zalloc(dev->npages, GFP_KERNEL);
	dev->chunk_free = kvcalloc(nchunks, sizeof(*dev->chunk_free),
				   GFP_KERNEL);
	if (!dev->free_map || !dev->chunk_free) {
		umdevmem_free_allocator(dev);
		return -ENOMEM;
	}
	bitmap_fill(dev->free_map, dev->npages);
	for (c = 0; c < nchunks; c++)
		dev->chunk_free[c] = umdevmem_chunk_size(dev, c);
	dev->free_pages = dev->npages;
	return 0;
}

void umdevmem_free_allocator(struct umdevmem *dev)
{
	bitmap_free(dev->free_map);
	kvfree(dev->chunk_free);
}

/* The chunk to take a base page from: a used one first. Lock held. */
static long umdevmem_pick_chunk(struct umdevmem *dev)
{
	unsigned long c, nchunks = umdevmem_chunks(dev);
	long whole = -1;

	for (c = 0; c < nchunks; c++) {
		if (!dev->chunk_free[c])
			continue;
		if (dev->chunk_free[c] < umdevmem_chunk_size(dev, c))
			return c;
		if (whole < 0)
			whole = c;
	}
	return whole;
}

/* Take @nr free pages from index @idx on. Lock held. */
static void umdevmem_take(struct umdevmem *dev, unsigned long idx,
			  unsigned long nr)
{
	bitmap_clear(dev->free_map, idx, nr);
	dev->chunk_free[idx / UMDEVMEM_CHUNK_PAGES] -= nr;
	dev->free_pages -= nr;
	dev->allocated += nr;
}

long umdevmem_take_page(struct umdevmem *dev)
{
	unsigned long idx;
	long chunk;

	spin_lock(&dev->lock);
	chunk = umdevmem_pick_chunk(dev);
	if (chunk < 0 || umdevmem_inject(&dev->fail_alloc)) {
		dev->alloc_failed++;
		spin_unlock(&dev->lock);
		return -1;
	}
	idx = find_next_bit(dev->free_map, dev->npages,
			    chunk * UMDEVMEM_CHUNK_PAGES);
	umdevmem_take(dev, idx, 1);
	spin_unlock(&dev->lock);
	return idx;
}

struct page *umdevmem_alloc_page(struct umdevmem *dev)
{
	long idx = umdevmem_take_page(dev);
	struct page *page;

	if (idx < 0)
		return NULL;
	page = pfn_to_page(dev->first_pfn + idx);
	umdevmem_page_init(page, &dev->pgmap);	/* one reference, locked */
	return page;
}

long umdevmem_take_chunk(struct umdevmem *dev)
{
	unsigned long c, nchunks = umdevmem_chunks(dev);

	spin_lock(&dev->lock);
	for (c = 0; c < nchunks; c++)
		if (dev->chunk_free[c] == UMDEVMEM_CHUNK_PAGES)
			break;
	if (c == nchunks || umdevmem_inject(&dev->fail_huge)) {
		dev->huge_alloc_failed++;
		spin_unlock(&dev->lock);
		return -1;
	}
	umdevmem_take(dev, c * UMDEVMEM_CHUNK_PAGES, UMDEVMEM_CHUNK_PAGES);
	dev->huge_allocated++;
	spin_unlock(&dev->lock);
	return c * UMDEVMEM_CHUNK_PAGES;
}

void umdevmem_give_back(struct umdevmem *dev, unsigned long idx,
			unsigned long nr)
{
	spin_lock(&dev->lock);
	bitmap_set(dev->free_map, idx, nr);
	dev->chunk_free[idx / UMDEVMEM_CHUNK_PAGES] += nr;
	dev->free_pages += nr;
	dev->freed += nr;
	spin_unlock(&dev->lock);
}

static void umdevmem_give_back_page(struct page *page, unsigned long nr)
{
	struct umdevmem *dev = page_to_umdevmem(page);

	umdevmem_give_back(dev, page_to_pfn(page) - dev->first_pfn, nr);
}

/* dev_pagemap_ops.folio_free (7.x) */
void umdevmem_folio_free(struct folio *folio)
{
	umdevmem_give_back_page(&folio->page, folio_nr_pages(folio));
}

/* dev_pagemap_ops.page_free (6.12) */
void umdevmem_page_free(struct page *page)
{
	umdevmem_give_back_page(page, 1);
}
