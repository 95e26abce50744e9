// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem GPU SVM suites: the "GPU driver" they share (dmk_gpusvm.h).
 */
#include <linux/sched/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include "dmk_gpusvm.h"

#define DMK_GPU_FACE_PAGES (SZ_16M >> PAGE_SHIFT)

static struct umdevmem_drm *faces[DMK_GPU_FACES];
/* the faces' pgmap owner: peers, each maps the other's pages */
static int peers;

/* The chunks a range can have, as xe's: 2 MiB, 64 KiB, 4 KiB. */
static const unsigned long dmk_gpu_chunks[] = { SZ_2M, SZ_64K, SZ_4K };

int dmk_gpu_suite_init(struct kunit_suite *suite)
{
	static const char * const names[] = { "umdevmem-drm0", "umdevmem-drm1" };
	int i;

	for (i = 0; i < DMK_GPU_FACES; i++) {
		faces[i] = umdevmem_drm_create(names[i], DMK_GPU_FACE_PAGES,
					       &peers);
		if (IS_ERR(faces[i])) {
			int err = PTR_ERR(faces[i]);

			faces[i] = NULL;
			dmk_gpu_suite_exit(suite);
			return err;
		}
	}
	return 0;
}

void dmk_gpu_suite_exit(struct kunit_suite *suite)
{
	int i;

	dmk_suite_exit(suite);
	for (i = 0; i < DMK_GPU_FACES; i++) {
		if (faces[i])
			WARN(umdevmem_drm_destroy(faces[i]),
			     "%s: a DRM face still in use\n", suite->name);
		faces[i] = NULL;
	}
}

struct umdevmem_drm *dmk_gpu_face(unsigned int i)
{
	return faces[i];
}

struct umdevmem *dmk_gpu_dev(unsigned int i)
{
	return umdevmem_drm_umdevmem(faces[i]);
}

unsigned long dmk_gpu_live(unsigned int i)
{
	struct umdevmem_drm_stats s;

	umdevmem_drm_get_stats(faces[i], &s);
	return s.allocations - s.released;
}

struct drm_gpusvm_ctx dmk_gpu_ctx(int i)
{
	return (struct drm_gpusvm_ctx) {
		.device_private_page_owner = i < 0 ? NULL :
			umdevmem_drm_owner(faces[i]),
		.devmem_possible = i >= 0,
	};
}

static struct dmk_gpu *to_gpu(struct drm_gpusvm *gpusvm)
{
	return container_of(gpusvm, struct dmk_gpu, gpusvm);
}

static struct dmk_gpu_range *to_range(struct drm_gpusvm_range *range)
{
	return container_of(range, struct dmk_gpu_range, base);
}

unsigned long dmk_gpu_npages(struct dmk_gpu_range *r)
{
	return drm_gpusvm_range_size(&r->base) >> PAGE_SHIFT;
}

static struct drm_gpusvm_range *dmk_gpu_range_alloc(struct drm_gpusvm *gpusvm)
{
	struct dmk_gpu *gpu = to_gpu(gpusvm);
	struct dmk_gpu_range *r = kzalloc(sizeof(*r), GFP_KERNEL);

	if (!r)
		return NULL;
	/* any face's drm_device: it only names the device to DMA-map for */
	drm_gpusvm_init_pages(&r->pages, umdevmem_drm_device(gpu->face[0]));
	return &r->base;
}

static void dmk_gpu_range_free(struct drm_gpusvm_range *range)
{
	struct dmk_gpu_range *r = to_range(range);

	drm_gpusvm_free_pages(range->gpusvm, &r->pages, dmk_gpu_npages(r));
	kfree(r);
}

/* notifier_lock held for write */
static void dmk_gpu_invalidate(struct drm_gpusvm *gpusvm,
			       struct drm_gpusvm_notifier *notifier,
			       const struct mmu_notifier_range *mmu_range)
{
	struct drm_gpusvm_ctx ctx = { .in_notifier = true };
	struct dmk_gpu *gpu = to_gpu(gpusvm);
	struct drm_gpusvm_range *range = NULL;

	atomic_inc(&gpu->invalidations);
	if (mmu_range->event == MMU_NOTIFY_UNMAP)
		atomic_inc(&gpu->unmap_events);
	WRITE_ONCE(gpu->last_start, mmu_range->start);
	WRITE_ONCE(gpu->last_end, mmu_range->end);

	drm_gpusvm_for_each_range(range, notifier, mmu_range->start,
				  mmu_range->end) {
		struct dmk_gpu_range *r = to_range(range);

		drm_gpusvm_unmap_pages(gpusvm, &r->pages, dmk_gpu_npages(r),
				       &ctx);
		if (mmu_range->event == MMU_NOTIFY_UNMAP)
			drm_gpusvm_range_set_unmapped(range, &r->pages, 1,
						      mmu_range);
	}
}

static const struct drm_gpusvm_ops dmk_gpu_ops = {
	.range_alloc = dmk_gpu_range_alloc,
	.range_free = dmk_gpu_range_free,
	.invalidate = dmk_gpu_invalidate,
};

/* KUnit's: every range unmapped and removed, then the gpusvm ended. */
static void dmk_gpu_fini(void *data)
{
	struct dmk_gpu *gpu = data;
	struct drm_gpusvm_ctx ctx = {};
	struct drm_gpusvm_notifier *notifier, *next;

	mutex_lock(&gpu->lock);
	drm_gpusvm_for_each_notifier_safe(notifier, next, &gpu->gpusvm, 0,
					  LONG_MAX) {
		struct drm_gpusvm_range *range, *rnext;

		drm_gpusvm_for_each_range_safe(range, rnext, notifier, 0,
					       LONG_MAX) {
			struct dmk_gpu_range *r = to_range(range);

			drm_gpusvm_unmap_pages(&gpu->gpusvm, &r->pages,
					       dmk_gpu_npages(r), &ctx);
			drm_gpusvm_range_remove(&gpu->gpusvm, range);
		}
	}
	drm_gpusvm_fini(&gpu->gpusvm);
	mutex_unlock(&gpu->lock);
}

int dmk_gpu_init(struct kunit *test)
{
	struct umdevmem *devs[DMK_GPU_FACES];
	struct dmk_gpu *gpu;
	int i, ret;

	for (i = 0; i < DMK_GPU_FACES; i++) {
		if (!faces[i])
			return -ENODEV;
		devs[i] = dmk_gpu_dev(i);
	}
	ret = dmk_init_watching(test, devs, DMK_GPU_FACES);
	if (ret)
		return ret;
	gpu = kunit_kzalloc(test, sizeof(*gpu), GFP_KERNEL);
	if (!gpu)
		return -ENOMEM;
	mutex_init(&gpu->lock);
	for (i = 0; i < DMK_GPU_FACES; i++)
		gpu->face[i] = faces[i];
	ret = drm_gpusvm_init(&gpu->gpusvm, "dmk", current->mm, 0, TASK_SIZE,
			      SZ_512M, &dmk_gpu_ops, dmk_gpu_chunks,
			      ARRAY_SIZE(dmk_gpu_chunks));
	if (ret)
		return ret;
	drm_gpusvm_driver_set_lock(&gpu->gpusvm, &gpu->lock);
	dmk(test)->gpu = gpu;
	return kunit_add_action_or_reset(test, dmk_gpu_fini, gpu);
}

struct dmk_gpu_range *dmk_gpu_insert(struct kunit *test, unsigned long addr,
				     unsigned long start, unsigned long end,
				     const struct drm_gpusvm_ctx *ctx, int *err)
{
	struct dmk_gpu *gpu = dmk_gpu(test);
	struct drm_gpusvm_range *range;

	mutex_lock(&gpu->lock);
	range = drm_gpusvm_range_find_or_insert(&gpu->gpusvm, addr, start,
						end, ctx);
	mutex_unlock(&gpu->lock);
	*err = PTR_ERR_OR_ZERO(range);
	return *err ? NULL : to_range(range);
}

struct dmk_gpu_range *dmk_gpu_fault(struct kunit *test, unsigned long addr,
				    unsigned long start, unsigned long end,
				    const struct drm_gpusvm_ctx *ctx, int *err)
{
	struct dmk_gpu_range *r = dmk_gpu_insert(test, addr, start, end, ctx,
						 err);

	if (!r)
		return NULL;
	*err = dmk_gpu_get_pages(test, r, ctx);
	return *err ? NULL : r;
}

int dmk_gpu_get_pages(struct kunit *test, struct dmk_gpu_range *r,
		      const struct drm_gpusvm_ctx *ctx)
{
	struct dmk_gpu *gpu = dmk_gpu(test);

	return drm_gpusvm_get_pages(&gpu->gpusvm, &r->pages, gpu->gpusvm.mm,
				    &r->base.notifier->notifier,
				    drm_gpusvm_range_start(&r->base),
				    drm_gpusvm_range_end(&r->base), ctx);
}

void dmk_gpu_remove(struct kunit *test, struct dmk_gpu_range *r)
{
	struct dmk_gpu *gpu = dmk_gpu(test);
	struct drm_gpusvm_ctx ctx = {};

	drm_gpusvm_unmap_pages(&gpu->gpusvm, &r->pages, dmk_gpu_npages(r),
			       &ctx);
	mutex_lock(&gpu->lock);
	drm_gpusvm_range_remove(&gpu->gpusvm, &r->base);
	mutex_unlock(&gpu->lock);
}

bool dmk_gpu_pages_valid(struct kunit *test, struct dmk_gpu_range *r)
{
	struct dmk_gpu *gpu = dmk_gpu(test);
	bool valid;

	drm_gpusvm_notifier_lock(&gpu->gpusvm);
	valid = drm_gpusvm_pages_valid(&gpu->gpusvm, &r->pages);
	drm_gpusvm_notifier_unlock(&gpu->gpusvm);
	return valid;
}

struct page *dmk_gpu_page(struct dmk_gpu_range *r, unsigned long i)
{
	dma_addr_t addr = r->pages.dma_addr[i].addr;

	return addr ? pfn_to_page(PHYS_PFN(addr)) : NULL;
}

void dmk_gpu_expect_system(struct kunit *test, struct dmk_gpu_range *r,
			   unsigned long first, unsigned int seed)
{
	unsigned long i, start = drm_gpusvm_range_start(&r->base);

	KUNIT_ASSERT_TRUE(test, !!r->pages.flags.has_dma_mapping);
	KUNIT_EXPECT_FALSE(test, !!r->pages.flags.has_devmem_pages);
	for (i = 0; i < dmk_gpu_npages(r); i++) {
		struct drm_pagemap_addr *a = &r->pages.dma_addr[i];
		struct dmk_pte pte = dmk_lookup(test, start + (i << PAGE_SHIFT));
		struct page *page = dmk_gpu_page(r, i);

		KUNIT_ASSERT_EQ_MSG(test, (int)a->order, 0, "page %lu", i);
		KUNIT_EXPECT_EQ_MSG(test, (int)a->proto, DRM_INTERCONNECT_SYSTEM,
				    "page %lu", i);
		KUNIT_EXPECT_EQ_MSG(test, pte.kind, DMK_SYSTEM, "page %lu", i);
		KUNIT_ASSERT_PTR_EQ_MSG(test, page, pte.page, "page %lu", i);
		KUNIT_EXPECT_EQ_MSG(test, dmk_mismatch(page_address(page), seed,
						       first + i),
				    PAGE_SIZE, "page %lu", i);
	}
}

void dmk_gpu_expect_device(struct kunit *test, struct dmk_gpu_range *r,
			   unsigned int face, unsigned long first,
			   unsigned int seed)
{
	unsigned long i, start = drm_gpusvm_range_start(&r->base);
	struct umdevmem *dev = dmk_gpu_dev(face);

	KUNIT_ASSERT_TRUE(test, !!r->pages.flags.has_dma_mapping);
	KUNIT_EXPECT_TRUE(test, !!r->pages.flags.has_devmem_pages);
	KUNIT_EXPECT_PTR_EQ(test, r->pages.dpagemap,
			    umdevmem_drm_pagemap(dmk_gpu_face(face)));
	for (i = 0; i < dmk_gpu_npages(r); i++) {
		struct drm_pagemap_addr *a = &r->pages.dma_addr[i];
		struct dmk_pte pte = dmk_lookup(test, start + (i << PAGE_SHIFT));
		struct page *page = dmk_gpu_page(r, i);

		KUNIT_ASSERT_EQ_MSG(test, (int)a->order, 0, "page %lu", i);
		KUNIT_EXPECT_EQ_MSG(test, (int)a->proto, DRM_INTERCONNECT_DRIVER,
				    "page %lu", i);
		KUNIT_EXPECT_EQ_MSG(test, pte.kind, DMK_DEVICE, "page %lu", i);
		KUNIT_ASSERT_PTR_EQ_MSG(test, page, pte.page, "page %lu", i);
		KUNIT_ASSERT_PTR_EQ_MSG(test, umdevmem_page_device(page), dev,
					"page %lu", i);
		dmk_expect_device_data(test, page, seed, first + i);
	}
}

unsigned long dmk_gpu_mmap(struct kunit *test, unsigned int seed)
{
	unsigned long addr = dmk_thp_mmap(test, 1, false);

	if (addr)
		dmk_fill(test, addr, DMK_GPU_PAGES, seed);
	return addr;
}

int dmk_gpu_migrate(struct kunit *test, unsigned int i, unsigned long addr,
		    unsigned long npages)
{
	return drm_pagemap_populate_mm(umdevmem_drm_pagemap(dmk_gpu_face(i)),
				       addr, addr + (npages << PAGE_SHIFT),
				       dmk(test)->mm, 0);
}
