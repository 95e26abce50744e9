// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem kernel half: the "DMA engine".
 *
 * A batch names many pages at once and the host half copies them in one
 * call, the way MIGRATE_SYNC_NO_COPY lets a device rather than
 * migrate_vma_pages() move the data.  A copy can be made to fail by fault
 * injection; the destination page of a failed copy is unlocked, released
 * and its slot cleared, so the caller offers 0 as its dst pfn.  A batch
 * can be made to take time (umdevmem_set_dma_latency()): it sleeps first,
 * as a caller waiting for a real engine would, and other threads run
 * while its migration is in flight.
 */
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include "umdevmem_kern.h"
#include "umdevmem_user.h"

/* Where the data of @page is, as a kernel or host address. */
static void *umdevmem_data_addr(struct page *page)
{
	struct umdevmem *dev;

	if (!page)
		return NULL;
	dev = umdevmem_page_device(page);
	if (!dev)
		return page_address(page);
	return umdevmem_host_addr(dev->host_base, umdevmem_page_offset(page));
}

static void umdevmem_drop_dst(struct page **slot)
{
	unlock_page(*slot);
	put_page(*slot);
	*slot = NULL;
}

/* Does fault injection refuse the next page copy? */
static bool umdevmem_copy_refused(struct umdevmem *dev)
{
	if (!umdevmem_inject(&dev->fail_copy))
		return false;
	umdevmem_add_event(dev, UMDEVMEM_COPY_FAILED, 1);
	return true;
}

/* What every batch does first: the in-flight signal, then the latency. */
static void umdevmem_dma_start(struct umdevmem *dev)
{
	struct completion *signal = xchg(&dev->dma_signal, NULL);
	unsigned int latency = READ_ONCE(dev->dma_latency_us);

	if (signal)
		complete_all(signal);
	if (latency)
		usleep_range(latency, latency + latency / 4);
}

/* Hand @nr transfers to the host half and count them. */
static int umdevmem_dma_run(struct umdevmem *dev, bool to_dev,
			    struct umdevmem_xfer *xfer, unsigned long nr)
{
	int ret = umdevmem_host_copy(dev->host_base,
				     dev->npages << PAGE_SHIFT, to_dev, xfer,
				     nr, PAGE_SIZE);

	if (WARN_ON(ret < 0))
		return ret;
	umdevmem_add_event(dev, UMDEVMEM_DMA_BATCHES, 1);
	umdevmem_add_event(dev, to_dev ? UMDEVMEM_COPIED_TO_DEV :
			   UMDEVMEM_COPIED_TO_RAM, nr);
	return 0;
}

/*
 * Copy @n pages between device pages of @dev and the pages in @sys, in
 * the direction @to_dev.  @devp[i] and @sys[i] pair up; pages whose copy
 * is refused are dropped from @dst (the destination side).  A page is
 * dropped with no lock held: its page_free() takes dev->lock.
 */
static unsigned long umdevmem_dma(struct umdevmem *dev, bool to_dev,
				  struct page **devp, struct page **sys,
				  unsigned long n)
{
	struct page **dst = to_dev ? devp : sys;
	struct umdevmem_xfer *xfer;
	unsigned long i, nr = 0;
	int ret;

	umdevmem_dma_start(dev);
	xfer = kvcalloc(n, sizeof(*xfer), GFP_KERNEL);
	for (i = 0; i < n; i++) {
		if (!devp[i] || !dst[i])
			continue;
		if (!xfer || umdevmem_copy_refused(dev)) {
			umdevmem_drop_dst(&dst[i]);
			continue;
		}
		xfer[nr].sys = umdevmem_data_addr(sys[i]);
		xfer[nr].dev_off = umdevmem_page_offset(devp[i]);
		nr++;
	}
	if (!xfer)
		return 0;

	ret = umdevmem_dma_run(dev, to_dev, xfer, nr);
	kvfree(xfer);
	return ret ? 0 : nr;
}

/*
 * One DMA batch for a large folio: its @nr pages between the device pages
 * from @devp on and the pages from @sys on (NULL: zeroes to the device).
 * All or nothing: false when a page copy is refused, and the caller then
 * drops the whole destination folio.
 */
bool umdevmem_copy_folio(bool to_dev, struct page *devp, struct page *sys,
			 unsigned long nr)
{
	struct umdevmem *dev = page_to_umdevmem(devp);
	struct umdevmem_xfer *xfer;
	unsigned long i;
	int ret;

	umdevmem_dma_start(dev);
	xfer = kvcalloc(nr, sizeof(*xfer), GFP_KERNEL);
	if (!xfer)
		return false;
	for (i = 0; i < nr; i++) {
		if (umdevmem_copy_refused(dev)) {
			kvfree(xfer);
			return false;
		}
		xfer[i].sys = sys ? umdevmem_data_addr(sys + i) : NULL;
		xfer[i].dev_off = umdevmem_page_offset(devp + i);
	}
	ret = umdevmem_dma_run(dev, to_dev, xfer, nr);
	kvfree(xfer);
	return !ret;
}

/*
 * One DMA batch of @n page copies between device pages of @dev and the
 * pages in @sys, for a caller that handles a failed batch itself
 * (umdevmem_drm.c): a NULL @devp entry is no copy, a NULL @sys entry
 * zeroes the device page (to the device) or is no copy (from it).  All
 * or nothing: -EIO when a page copy is refused, and no page is dropped.
 */
int umdevmem_copy_run(struct umdevmem *dev, bool to_dev, struct page **devp,
		      struct page **sys, unsigned long n)
{
	struct umdevmem_xfer *xfer;
	unsigned long i, nr = 0;
	int ret = 0;

	umdevmem_dma_start(dev);
	xfer = kvcalloc(n, sizeof(*xfer), GFP_KERNEL);
	if (!xfer)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (!devp[i] || (!to_dev && !sys[i]))
			continue;
		if (umdevmem_copy_refused(dev)) {
			ret = -EIO;
			goto out;
		}
		xfer[nr].sys = umdevmem_data_addr(sys[i]);
		xfer[nr].dev_off = umdevmem_page_offset(devp[i]);
		nr++;
	}
	if (nr)
		ret = umdevmem_dma_run(dev, to_dev, xfer, nr);
out:
	kvfree(xfer);
	return ret;
}

/* Split a batch into runs that share one device and hand each over. */
static unsigned long umdevmem_dma_batch(bool to_dev, struct page **devp,
					struct page **sys, unsigned long n)
{
	unsigned long i = 0, done = 0;

	while (i < n) {
		struct umdevmem *dev;
		unsigned long j;

		if (!devp[i]) {
			i++;
			continue;
		}
		dev = page_to_umdevmem(devp[i]);
		for (j = i + 1; j < n; j++)
			if (devp[j] && page_to_umdevmem(devp[j]) != dev)
				break;
		done += umdevmem_dma(dev, to_dev, devp + i, sys + i, j - i);
		i = j;
	}
	return done;
}

unsigned long umdevmem_copy_to_device(struct page **dpages,
				      struct page **spages, unsigned long n)
{
	return umdevmem_dma_batch(true, dpages, spages, n);
}

unsigned long umdevmem_copy_from_device(struct page **dpages,
					struct page **spages, unsigned long n)
{
	return umdevmem_dma_batch(false, spages, dpages, n);
}

int umdevmem_read_page(struct page *dpage, void *buf)
{
	struct umdevmem *dev = umdevmem_page_device(dpage);
	struct umdevmem_xfer xfer = { .sys = buf };

	if (!dev)
		return -EINVAL;
	xfer.dev_off = umdevmem_page_offset(dpage);
	return umdevmem_host_copy(dev->host_base, dev->npages << PAGE_SHIFT,
				  0, &xfer, 1, PAGE_SIZE) == 1 ? 0 : -EIO;
}
