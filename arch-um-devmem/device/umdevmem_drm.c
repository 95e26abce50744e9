// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem kernel half: the DRM face of the fake device (7.3), so that
 * drm_pagemap and drm_gpusvm run with no GPU (umdevmem_drm.h).
 *
 * What a GPU driver gives drm_pagemap, the fake device gives here:
 *
 * - an allocation of device memory per migration (struct umdevmem_drm_bo,
 *   a drm_pagemap_devmem), whose pages drm_pagemap asks for with
 *   populate_devmem_pfn() and hands back, all at once, in
 *   devmem_release() once the last of its device folios is freed.  Every
 *   PMD-aligned 2 MiB of the range gets a whole chunk of the device, so
 *   that a THP migrates into one device folio.
 * - copy_to_devmem() and copy_to_ram() through the device's DMA engine,
 *   all or nothing, as drm_pagemap expects of a copy (a failed copy fails
 *   the migration and drm_pagemap puts the pages back).
 * - device addresses of its pages for drm_gpusvm (device_map()): the
 *   physical address, as DMA addresses of system pages are on UML, where
 *   the DMA API maps one to one.
 *
 * The drm_device needs nothing but a driver with fops, on which
 * drm_pagemap takes a module reference; it is never registered.
 */
#include <drm/drm_drv.h>
#include <drm/drm_pagemap.h>
#include <linux/dma-fence.h>
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/platform_device.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include "umdevmem_drm.h"
#include "umdevmem_kern.h"

struct umdevmem_drm {
	struct drm_device drm;
	struct drm_pagemap dpagemap;
	struct umdevmem *dev;
	struct platform_device *pdev;
	spinlock_t lock;		/* bos and the counters */
	struct list_head bos;		/* allocations not released yet */
	struct umdevmem_drm_stats stats;
	struct completion dpagemap_gone;	/* its last reference put */
};

struct umdevmem_drm_bo {
	struct drm_pagemap_devmem devmem;
	struct umdevmem_drm *face;
	struct list_head node;		/* on face->bos */
	struct kref ref;	/* the pages', and each eviction's */
	unsigned long npages;
	unsigned long pfns[];
};

static const struct file_operations umdevmem_drm_fops = {
	.owner = THIS_MODULE,
};

static const struct drm_driver umdevmem_drm_driver = {
	.name = "umdevmem",
	.desc = "uml-devmem fake device",
	.fops = &umdevmem_drm_fops,
};

static struct umdevmem_drm_bo *to_bo(struct drm_pagemap_devmem *devmem)
{
	return container_of(devmem, struct umdevmem_drm_bo, devmem);
}

static void umdevmem_drm_count(struct umdevmem_drm *face, unsigned long *n)
{
	spin_lock(&face->lock);
	(*n)++;
	spin_unlock(&face->lock);
}

static void umdevmem_drm_bo_free(struct kref *ref)
{
	struct umdevmem_drm_bo *bo = container_of(ref, struct umdevmem_drm_bo,
						  ref);

	kfree(bo);
}

/* The pages back to the device, from the first to @n. */
static void umdevmem_drm_bo_give_back(struct umdevmem_drm_bo *bo,
				      unsigned long n)
{
	struct umdevmem *dev = bo->face->dev;
	unsigned long i;

	for (i = 0; i < n; i++)
		umdevmem_give_back(dev, bo->pfns[i] - dev->first_pfn, 1);
}

/*
 * Device memory for [start, end): a whole chunk for each PMD-aligned
 * PMD_SIZE of the range, single pages for the rest.
 */
static int umdevmem_drm_bo_fill(struct umdevmem_drm_bo *bo,
				unsigned long start)
{
	struct umdevmem *dev = bo->face->dev;
	unsigned long i = 0, j;
	long idx;

	while (i < bo->npages) {
		unsigned long addr = start + (i << PAGE_SHIFT);

		if (IS_ALIGNED(addr, PMD_SIZE) &&
		    bo->npages - i >= UMDEVMEM_CHUNK_PAGES) {
			idx = umdevmem_take_chunk(dev);
			if (idx < 0)
				goto fail;
			for (j = 0; j < UMDEVMEM_CHUNK_PAGES; j++)
				bo->pfns[i++] = dev->first_pfn + idx + j;
			continue;
		}
		idx = umdevmem_take_page(dev);
		if (idx < 0)
			goto fail;
		bo->pfns[i++] = dev->first_pfn + idx;
	}
	return 0;

fail:
	umdevmem_drm_bo_give_back(bo, i);
	return -ENOMEM;
}

/* drm_pagemap_devmem_ops */

static void umdevmem_drm_devmem_release(struct drm_pagemap_devmem *devmem)
{
	struct umdevmem_drm_bo *bo = to_bo(devmem);
	struct umdevmem_drm *face = bo->face;

	spin_lock(&face->lock);
	list_del_init(&bo->node);
	face->stats.released++;
	spin_unlock(&face->lock);
	umdevmem_drm_bo_give_back(bo, bo->npages);
	mmdrop(devmem->mm);
	kref_put(&bo->ref, umdevmem_drm_bo_free);
}

static int umdevmem_drm_populate_devmem_pfn(struct drm_pagemap_devmem *devmem,
					    unsigned long npages,
					    unsigned long *pfn)
{
	struct umdevmem_drm_bo *bo = to_bo(devmem);

	if (WARN_ON(npages > bo->npages))
		return -EINVAL;
	memcpy(pfn, bo->pfns, npages * sizeof(*pfn));
	return 0;
}

/* The page at a drm_pagemap_addr: UML's DMA and device addresses alike. */
static struct page *umdevmem_drm_addr_page(const struct drm_pagemap_addr *a)
{
	return a->addr ? pfn_to_page(PHYS_PFN(a->addr)) : NULL;
}

/*
 * One DMA batch for a copy op: @pages are the device pages, @addr the
 * other side of each, an entry of order n covering 1 << n pages.  An
 * entry with no address zeroes its device folio (to the device: a hole
 * of the range) or is skipped (to RAM).
 */
static int umdevmem_drm_copy(bool to_dev, struct page **pages,
			     struct drm_pagemap_addr *addr,
			     unsigned long npages,
			     struct dma_fence *pre_migrate_fence)
{
	struct page **devp, **sys;
	struct umdevmem *dev = NULL;
	unsigned long i, j, n = 0;
	int ret;

	if (pre_migrate_fence) {
		ret = dma_fence_wait(pre_migrate_fence, false);
		if (ret)
			return ret;
	}
	devp = kvcalloc(npages, sizeof(*devp), GFP_KERNEL);
	sys = kvcalloc(npages, sizeof(*sys), GFP_KERNEL);
	if (!devp || !sys) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < npages;) {
		struct page *other = umdevmem_drm_addr_page(&addr[i]);
		unsigned long nr = 1;

		if (pages[i]) {
			dev = dev ?: page_to_umdevmem(pages[i]);
			if (other)
				nr = 1UL << addr[i].order;
			else if (to_dev)
				nr = folio_nr_pages(page_folio(pages[i]));
			for (j = 0; j < nr && i + j < npages; j++, n++) {
				devp[n] = pages[i] + j;
				sys[n] = other ? other + j : NULL;
			}
		}
		i += nr;
	}
	ret = dev ? umdevmem_copy_run(dev, to_dev, devp, sys, n) : 0;
out:
	kvfree(sys);
	kvfree(devp);
	return ret;
}

static int umdevmem_drm_copy_to_devmem(struct page **pages,
				       struct drm_pagemap_addr *addr,
				       unsigned long npages,
				       struct dma_fence *pre_migrate_fence)
{
	return umdevmem_drm_copy(true, pages, addr, npages,
				 pre_migrate_fence);
}

static int umdevmem_drm_copy_to_ram(struct page **pages,
				    struct drm_pagemap_addr *addr,
				    unsigned long npages,
				    struct dma_fence *pre_migrate_fence)
{
	return umdevmem_drm_copy(false, pages, addr, npages,
				 pre_migrate_fence);
}

static const struct drm_pagemap_devmem_ops umdevmem_drm_devmem_ops = {
	.devmem_release = umdevmem_drm_devmem_release,
	.populate_devmem_pfn = umdevmem_drm_populate_devmem_pfn,
	.copy_to_devmem = umdevmem_drm_copy_to_devmem,
	.copy_to_ram = umdevmem_drm_copy_to_ram,
};

/* drm_pagemap_ops */

static struct umdevmem_drm *to_face(struct drm_pagemap *dpagemap)
{
	return container_of(dpagemap, struct umdevmem_drm, dpagemap);
}

static struct drm_pagemap_addr
umdevmem_drm_device_map(struct drm_pagemap *dpagemap, struct device *dev,
			struct page *page, unsigned int order,
			enum dma_data_direction dir)
{
	umdevmem_drm_count(to_face(dpagemap),
			   &to_face(dpagemap)->stats.device_maps);
	return drm_pagemap_addr_encode(page_to_phys(page),
				       DRM_INTERCONNECT_DRIVER, order, dir);
}

static void umdevmem_drm_device_unmap(struct drm_pagemap *dpagemap,
				      struct device *dev,
				      const struct drm_pagemap_addr *addr)
{
	umdevmem_drm_count(to_face(dpagemap),
			   &to_face(dpagemap)->stats.device_unmaps);
}

/* An allocation for [start, end) of @mm, migrated there (mmap lock held). */
static int umdevmem_drm_populate_mm(struct drm_pagemap *dpagemap,
				    unsigned long start, unsigned long end,
				    struct mm_struct *mm,
				    unsigned long timeslice_ms)
{
	struct drm_pagemap_migrate_details mdetails = {
		.timeslice_ms = timeslice_ms,
	};
	struct umdevmem_drm *face = to_face(dpagemap);
	unsigned long npages = (end - start) >> PAGE_SHIFT;
	struct umdevmem_drm_bo *bo;
	int ret;

	bo = kzalloc(struct_size(bo, pfns, npages), GFP_KERNEL);
	if (!bo)
		return -ENOMEM;
	bo->face = face;
	bo->npages = npages;
	kref_init(&bo->ref);
	INIT_LIST_HEAD(&bo->node);
	ret = umdevmem_drm_bo_fill(bo, start);
	if (ret) {
		kfree(bo);
		return ret;
	}
	drm_pagemap_devmem_init(&bo->devmem, &face->pdev->dev, mm,
				&umdevmem_drm_devmem_ops, dpagemap,
				npages << PAGE_SHIFT, NULL);
	mmgrab(mm);
	spin_lock(&face->lock);
	list_add_tail(&bo->node, &face->bos);
	face->stats.allocations++;
	spin_unlock(&face->lock);

	/* consumes the allocation: released on failure, or with its pages */
	ret = drm_pagemap_migrate_to_devmem(&bo->devmem, mm, start, end,
					    &mdetails);
	if (ret && ret != -EBUSY)
		umdevmem_drm_count(face, &face->stats.copies_failed);
	return ret;
}

static void umdevmem_drm_destroy_pagemap(struct drm_pagemap *dpagemap,
					 bool is_atomic_or_reclaim)
{
	complete(&to_face(dpagemap)->dpagemap_gone);
}

static const struct drm_pagemap_ops umdevmem_drm_pagemap_ops = {
	.device_map = umdevmem_drm_device_map,
	.device_unmap = umdevmem_drm_device_unmap,
	.populate_mm = umdevmem_drm_populate_mm,
	.destroy = umdevmem_drm_destroy_pagemap,
};

struct umdevmem_drm *umdevmem_drm_create(const char *name,
					 unsigned long npages, void *owner)
{
	struct platform_device *pdev;
	struct umdevmem_drm *face;
	int ret;

	pdev = platform_device_register_simple("umdevmem-drm",
					       PLATFORM_DEVID_AUTO, NULL, 0);
	if (IS_ERR(pdev))
		return ERR_CAST(pdev);
	ret = dma_coerce_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (ret)
		goto unregister;
	face = devm_drm_dev_alloc(&pdev->dev, &umdevmem_drm_driver,
				  struct umdevmem_drm, drm);
	if (IS_ERR(face)) {
		ret = PTR_ERR(face);
		goto unregister;
	}
	face->pdev = pdev;
	spin_lock_init(&face->lock);
	INIT_LIST_HEAD(&face->bos);
	init_completion(&face->dpagemap_gone);

	face->dev = umdevmem_create_with_ops(name, npages,
					     drm_pagemap_pagemap_ops_get(),
					     owner);
	if (IS_ERR(face->dev)) {
		ret = PTR_ERR(face->dev);
		goto unregister;
	}
	ret = drm_pagemap_init(&face->dpagemap, &face->dev->pgmap,
			       &face->drm, &umdevmem_drm_pagemap_ops);
	if (ret) {
		umdevmem_destroy(face->dev);
		goto unregister;
	}
	return face;

unregister:
	platform_device_unregister(pdev);
	return ERR_PTR(ret);
}

int umdevmem_drm_destroy(struct umdevmem_drm *face)
{
	struct platform_device *pdev = face->pdev;
	int ret;

	ret = umdevmem_drm_evict(face);
	spin_lock(&face->lock);
	if (!list_empty(&face->bos))
		ret = -EBUSY;
	spin_unlock(&face->lock);
	if (ret) {
		pr_err("%s: device memory still in use, not destroyed: %d\n",
		       face->dev->name, ret);
		return ret;
	}
	drm_pagemap_put(&face->dpagemap);
	wait_for_completion(&face->dpagemap_gone);
	ret = umdevmem_destroy(face->dev);
	if (WARN_ON(ret))
		return ret;
	/* the drm_device goes with its parent, or with the last hold */
	platform_device_unregister(pdev);
	return 0;
}

/* The first allocation not released yet, with a reference, or NULL. */
static struct umdevmem_drm_bo *umdevmem_drm_first_bo(struct umdevmem_drm *face)
{
	struct umdevmem_drm_bo *bo;

	spin_lock(&face->lock);
	list_for_each_entry(bo, &face->bos, node) {
		if (kref_get_unless_zero(&bo->ref)) {
			spin_unlock(&face->lock);
			return bo;
		}
	}
	spin_unlock(&face->lock);
	return NULL;
}

/* An allocation evicted whole is released and leaves the list. */
int umdevmem_drm_evict(struct umdevmem_drm *face)
{
	struct umdevmem_drm_bo *bo;
	int ret = 0;

	while (!ret && (bo = umdevmem_drm_first_bo(face))) {
		ret = drm_pagemap_evict_to_ram(&bo->devmem);
		kref_put(&bo->ref, umdevmem_drm_bo_free);
	}
	return ret;
}

struct umdevmem *umdevmem_drm_umdevmem(struct umdevmem_drm *face)
{
	return face->dev;
}

struct drm_device *umdevmem_drm_device(struct umdevmem_drm *face)
{
	return &face->drm;
}

struct drm_pagemap *umdevmem_drm_pagemap(struct umdevmem_drm *face)
{
	return &face->dpagemap;
}

void *umdevmem_drm_owner(struct umdevmem_drm *face)
{
	return face->dev->pgmap.owner;
}

void umdevmem_drm_get_stats(struct umdevmem_drm *face,
			    struct umdevmem_drm_stats *stats)
{
	spin_lock(&face->lock);
	*stats = face->stats;
	spin_unlock(&face->lock);
}
