// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem kernel half: creation and teardown of fake devices.
 *
 * A device-private device is a MEMORY_DEVICE_PRIVATE pgmap over a range
 * that request_free_mem_region() found above UML's physical memory.  The
 * CPU never maps these pages; their data lives in a memfd that the host
 * half (devmem_user.c) creates.  umdevmem.devices= and umdevmem.size= (MiB
 * per device) on the kernel command line size the devices made at boot.
 *
 * A coherent device is a MEMORY_DEVICE_COHERENT pgmap over a part of UML's
 * device window (devwindow=, see arch/um/kernel/device_window.c).  The CPU
 * maps these pages like RAM, through the window's host file; the host half
 * maps the same file once more as the device's own view of its memory.
 */
#define pr_fmt(fmt) "umdevmem: " fmt

#include <linux/init.h>
#include <linux/ioport.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <asm/device_window.h>
#include <mem.h>
#include "umdevmem_kern.h"
#include "umdevmem_user.h"

static unsigned int devices = 2;
module_param(devices, uint, 0444);
MODULE_PARM_DESC(devices, "fake devices created at boot (default 2)");

static unsigned long size_mb = 64;
module_param_named(size, size_mb, ulong, 0444);
MODULE_PARM_DESC(size, "MiB of device memory per boot device (default 64)");

static LIST_HEAD(umdevmem_list);
static DEFINE_MUTEX(umdevmem_mutex);
static struct umdevmem **boot_devices;
static unsigned int nr_boot_devices;

static const struct dev_pagemap_ops umdevmem_private_ops = {
	UMDEVMEM_FREE_OP
	UMDEVMEM_SPLIT_OP
	.migrate_to_ram	= umdevmem_migrate_to_ram,
};

/* The CPU maps coherent pages in place: nothing to migrate on a fault. */
static const struct dev_pagemap_ops umdevmem_coherent_ops = {
	UMDEVMEM_FREE_OP
};

/* A physical range for the pgmap and host memory behind it. */
static int umdevmem_get_memory(struct umdevmem *dev, unsigned long size)
{
	unsigned long long off;
	int ret, fd;

	if (dev->pgmap.type == MEMORY_DEVICE_COHERENT) {
		dev->res = um_request_device_window(size, dev->name);
		if (PTR_ERR_OR_ZERO(dev->res) == -ENODEV) {
			pr_err("%s: UML has no device window: boot with devwindow=<size> or set CONFIG_UML_DEVICE_WINDOW_MB\n",
			       dev->name);
			return -ENODEV;
		}
		if (IS_ERR(dev->res)) {
			pr_err("%s: no room for %lu bytes in the device window: %ld\n",
			       dev->name, size, PTR_ERR(dev->res));
			return PTR_ERR(dev->res);
		}
		/* The device's view: the file that user mappings map too. */
		fd = phys_mapping(dev->res->start, &off);
		ret = umdevmem_host_attach(fd, off, size, &dev->host_base);
		if (ret < 0) {
			pr_err("%s: cannot map the device window: %d\n",
			       dev->name, ret);
			um_release_device_window(dev->res);
			return ret;
		}
		dev->host_fd = -1;	/* the window's file, not ours */
		return 0;
	}

	ret = umdevmem_host_map(dev->name, size, &dev->host_base);
	if (ret < 0) {
		pr_err("%s: no host memory for %lu bytes: %d\n",
		       dev->name, size, ret);
		return ret;
	}
	dev->host_fd = ret;
	dev->res = request_free_mem_region(&iomem_resource, size, dev->name);
	if (IS_ERR(dev->res)) {
		pr_err("%s: no free physical range of %lu bytes: %ld\n",
		       dev->name, size, PTR_ERR(dev->res));
		umdevmem_host_unmap(dev->host_fd, dev->host_base, size);
		return PTR_ERR(dev->res);
	}
	return 0;
}

static void umdevmem_put_memory(struct umdevmem *dev, unsigned long size)
{
	umdevmem_host_unmap(dev->host_fd, dev->host_base, size);
	if (dev->pgmap.type == MEMORY_DEVICE_COHERENT)
		um_release_device_window(dev->res);
	else
		release_mem_region(dev->res->start, resource_size(dev->res));
}

/* The ops of devices whose pages another layer manages (one at most). */
static const struct dev_pagemap_ops *umdevmem_other_ops;

static struct umdevmem *umdevmem_create_type(const char *name,
					     unsigned long npages,
					     enum memory_type type,
					     const struct dev_pagemap_ops *ops,
					     void *owner)
{
	unsigned long size = ALIGN(npages, PAGES_PER_SECTION) << PAGE_SHIFT;
	struct umdevmem *dev;
	void *addr;
	int ret;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return ERR_PTR(-ENOMEM);
	strscpy(dev->name, name, sizeof(dev->name));
	spin_lock_init(&dev->lock);
	dev->pgmap.type = type;

	ret = umdevmem_get_memory(dev, size);
	if (ret)
		goto free_dev;

	dev->pgmap.range.start = dev->res->start;
	dev->pgmap.range.end = dev->res->end;
	dev->pgmap.nr_range = 1;
	dev->pgmap.ops = ops;
	dev->pgmap.owner = owner ?: dev;
	dev->first_pfn = PHYS_PFN(dev->res->start);
	dev->npages = size >> PAGE_SHIFT;
	ret = umdevmem_init_allocator(dev);
	if (ret)
		goto put_memory;
	addr = memremap_pages(&dev->pgmap, NUMA_NO_NODE);
	if (IS_ERR(addr)) {
		ret = PTR_ERR(addr);
		pr_err("%s: memremap_pages failed: %d\n", name, ret);
		goto free_allocator;
	}

	mutex_lock(&umdevmem_mutex);
	list_add_tail(&dev->node, &umdevmem_list);
	mutex_unlock(&umdevmem_mutex);
	pr_info("%s: %lu %s pages at pfn %#lx\n", name, dev->npages,
		type == MEMORY_DEVICE_COHERENT ? "coherent" : "private",
		dev->first_pfn);
	return dev;

free_allocator:
	umdevmem_free_allocator(dev);
put_memory:
	umdevmem_put_memory(dev, size);
free_dev:
	kfree(dev);
	return ERR_PTR(ret);
}

struct umdevmem *umdevmem_create(const char *name, unsigned long npages)
{
	return umdevmem_create_type(name, npages, MEMORY_DEVICE_PRIVATE,
				    &umdevmem_private_ops, NULL);
}

struct umdevmem *umdevmem_create_with_ops(const char *name,
					  unsigned long npages,
					  const struct dev_pagemap_ops *ops,
					  void *owner)
{
	if (WARN_ON(umdevmem_other_ops && umdevmem_other_ops != ops))
		return ERR_PTR(-EINVAL);
	WRITE_ONCE(umdevmem_other_ops, ops);
	return umdevmem_create_type(name, npages, MEMORY_DEVICE_PRIVATE, ops,
				    owner);
}

struct umdevmem *umdevmem_create_coherent(const char *name,
					  unsigned long npages)
{
	return umdevmem_create_type(name, npages, MEMORY_DEVICE_COHERENT,
				    &umdevmem_coherent_ops, NULL);
}

int umdevmem_destroy(struct umdevmem *dev)
{
	unsigned long busy;

	umdevmem_evict(dev);
	spin_lock(&dev->lock);
	busy = dev->npages - dev->free_pages;
	spin_unlock(&dev->lock);
	if (busy) {
		/* memunmap_pages() would wait for these forever. */
		pr_err("%s: %lu pages still in use, not destroyed\n",
		       dev->name, busy);
		return -EBUSY;
	}

	mutex_lock(&umdevmem_mutex);
	list_del(&dev->node);
	mutex_unlock(&umdevmem_mutex);

	memunmap_pages(&dev->pgmap);
	umdevmem_put_memory(dev, dev->npages << PAGE_SHIFT);
	umdevmem_free_allocator(dev);
	kfree(dev);
	return 0;
}

unsigned int umdevmem_count(void)
{
	return nr_boot_devices;
}

struct umdevmem *umdevmem_get(unsigned int index)
{
	return index < nr_boot_devices ? boot_devices[index] : NULL;
}

const char *umdevmem_name(const struct umdevmem *dev)
{
	return dev->name;
}

void *umdevmem_owner(const struct umdevmem *dev)
{
	return dev->pgmap.owner;
}

unsigned long umdevmem_first_pfn(const struct umdevmem *dev)
{
	return dev->first_pfn;
}

void umdevmem_get_stats(struct umdevmem *dev, struct umdevmem_stats *stats)
{
	atomic_long_t *ev = dev->events;

	spin_lock(&dev->lock);
	stats->total_pages = dev->npages;
	stats->free_pages = dev->free_pages;
	stats->allocated = dev->allocated;
	stats->freed = dev->freed;
	stats->alloc_failed = dev->alloc_failed;
	stats->huge_allocated = dev->huge_allocated;
	stats->huge_alloc_failed = dev->huge_alloc_failed;
	spin_unlock(&dev->lock);
	stats->to_ram_calls = atomic_long_read(&ev[UMDEVMEM_TO_RAM_CALLS]);
	stats->to_ram_pages = atomic_long_read(&ev[UMDEVMEM_TO_RAM_PAGES]);
	stats->to_ram_busy = atomic_long_read(&ev[UMDEVMEM_TO_RAM_BUSY]);
	stats->copied_to_dev = atomic_long_read(&ev[UMDEVMEM_COPIED_TO_DEV]);
	stats->copied_to_ram = atomic_long_read(&ev[UMDEVMEM_COPIED_TO_RAM]);
	stats->dma_batches = atomic_long_read(&ev[UMDEVMEM_DMA_BATCHES]);
	stats->evicted = atomic_long_read(&ev[UMDEVMEM_EVICTED]);
	stats->copy_failed = atomic_long_read(&ev[UMDEVMEM_COPY_FAILED]);
	stats->folio_splits = atomic_long_read(&ev[UMDEVMEM_FOLIO_SPLITS]);
	stats->huge_to_ram = atomic_long_read(&ev[UMDEVMEM_HUGE_TO_RAM]);
}

bool umdevmem_is_coherent(const struct umdevmem *dev)
{
	return dev->pgmap.type == MEMORY_DEVICE_COHERENT;
}

struct umdevmem *umdevmem_page_device(struct page *page)
{
	const struct dev_pagemap_ops *ops;

	if (!is_device_private_page(page) && !is_device_coherent_page(page))
		return NULL;
	ops = umdevmem_page_pgmap(page)->ops;
	if (ops != &umdevmem_private_ops && ops != &umdevmem_coherent_ops &&
	    ops != READ_ONCE(umdevmem_other_ops))
		return NULL;
	return page_to_umdevmem(page);
}

void umdevmem_fail_alloc(struct umdevmem *dev, unsigned long nth)
{
	atomic_set(&dev->fail_alloc, nth);
}

void umdevmem_fail_alloc_huge(struct umdevmem *dev, unsigned long nth)
{
	atomic_set(&dev->fail_huge, nth);
}

void umdevmem_fail_copy(struct umdevmem *dev, unsigned long nth)
{
	atomic_set(&dev->fail_copy, nth);
}

void umdevmem_set_dma_latency(struct umdevmem *dev, unsigned int usecs)
{
	WRITE_ONCE(dev->dma_latency_us, usecs);
}

void umdevmem_signal_dma(struct umdevmem *dev, struct completion *in_flight)
{
	xchg(&dev->dma_signal, in_flight);
}

void umdevmem_reset(struct umdevmem *dev)
{
	umdevmem_fail_alloc(dev, 0);
	umdevmem_fail_alloc_huge(dev, 0);
	umdevmem_fail_copy(dev, 0);
	umdevmem_set_dma_latency(dev, 0);
	umdevmem_signal_dma(dev, NULL);
}

static int __init umdevmem_init(void)
{
	unsigned long npages = (size_mb << 20) >> PAGE_SHIFT;
	unsigned int i;

	boot_devices = kcalloc(devices, sizeof(*boot_devices), GFP_KERNEL);
	if (!boot_devices)
		return -ENOMEM;

	for (i = 0; i < devices; i++) {
		char name[16];
		struct umdevmem *dev;

		snprintf(name, sizeof(name), "umdevmem%u", i);
		dev = umdevmem_create(name, npages);
		if (IS_ERR(dev))
			return PTR_ERR(dev);
		boot_devices[nr_boot_devices++] = dev;
	}
	return 0;
}
device_initcall(umdevmem_init);
