// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem suite umdevmem_gpusvm_range: what drm_gpusvm tells a driver
 * about a range and does to it besides mapping it.
 *
 * drm_gpusvm_scan_mm() reports where a range's pages are (a snapshot
 * through hmm_range_fault(), nothing faulted or moved): unpopulated, all
 * system, all on a given pagemap, all on one other pagemap, on several,
 * or mixed; drm_gpusvm_range_evict() faults the range with no owner, so
 * that device pages come back; the chunk size of an insertion checks
 * residency up to the context's check_pages_threshold; has_mapping and
 * find_vma_start answer for a VA window.
 */
#include <linux/mman.h>
#include "dmk_gpusvm.h"

#define SEED 0x5ca7
#define HALF (DMK_GPU_PAGES / 2)

static const struct dev_pagemap *face_pgmap(unsigned int i)
{
	return umdevmem_drm_pagemap(dmk_gpu_face(i))->pagemap;
}

static struct dmk_gpu_range *inserted(struct kunit *test, unsigned long addr)
{
	struct drm_gpusvm_ctx ctx = dmk_gpu_ctx(0);
	struct dmk_gpu_range *r;
	int err;

	r = dmk_gpu_insert(test, addr, addr, addr + DMK_GPU_SIZE, &ctx, &err);
	KUNIT_ASSERT_NOT_NULL_MSG(test, r, "insert: %d", err);
	KUNIT_ASSERT_EQ(test, dmk_gpu_npages(r), DMK_GPU_PAGES);
	return r;
}

static enum drm_gpusvm_scan_result scan(struct dmk_gpu_range *r,
					unsigned int face)
{
	return drm_gpusvm_scan_mm(&r->base, umdevmem_drm_owner(dmk_gpu_face(0)),
				  face_pgmap(face));
}

/* Every state scan_mm can report, as the pages move; it moves none. */
static void scan_states(struct kunit *test)
{
	unsigned long addr = dmk_thp_mmap(test, 1, false);
	struct dmk_gpu_range *r = inserted(test, addr);

	KUNIT_EXPECT_EQ(test, scan(r, 0), DRM_GPUSVM_SCAN_UNPOPULATED);
	dmk_fill(test, addr, DMK_GPU_PAGES, SEED);
	KUNIT_EXPECT_EQ(test, scan(r, 0), DRM_GPUSVM_SCAN_SYSTEM);

	KUNIT_ASSERT_EQ(test, dmk_gpu_migrate(test, 0, addr, HALF), 0);
	KUNIT_EXPECT_EQ(test, scan(r, 0), DRM_GPUSVM_SCAN_MIXED);
	dmk_expect_on_device(test, dmk_gpu_dev(0), addr, HALF);

	KUNIT_ASSERT_EQ(test, dmk_gpu_migrate(test, 1, addr + HALF * PAGE_SIZE,
					      HALF), 0);
	KUNIT_EXPECT_EQ(test, scan(r, 0), DRM_GPUSVM_SCAN_MIXED_DEVICE);

	KUNIT_ASSERT_EQ(test, dmk_gpu_migrate(test, 0, addr + HALF * PAGE_SIZE,
					      HALF), 0);
	KUNIT_EXPECT_EQ(test, scan(r, 0), DRM_GPUSVM_SCAN_EQUAL);
	KUNIT_EXPECT_EQ(test, scan(r, 1), DRM_GPUSVM_SCAN_OTHER);
	dmk_expect_on_device(test, dmk_gpu_dev(0), addr, DMK_GPU_PAGES);
	dmk_expect_data(test, addr, DMK_GPU_PAGES, SEED);
}

/*
 * range_evict faults the range with no owner: the face's pages come back
 * with their bytes and its allocation is released.
 */
static void range_evict(struct kunit *test)
{
	struct dmk_gpu *gpu = dmk_gpu(test);
	unsigned long addr = dmk_gpu_mmap(test, SEED);
	struct dmk_gpu_range *r = inserted(test, addr);
	struct umdevmem_stats before = dmk_stats(dmk_gpu_dev(0)), after;

	KUNIT_ASSERT_EQ(test, dmk_gpu_migrate(test, 0, addr, DMK_GPU_PAGES), 0);
	KUNIT_ASSERT_EQ(test, drm_gpusvm_range_evict(&gpu->gpusvm, &r->base),
			0);
	after = dmk_stats(dmk_gpu_dev(0));
	KUNIT_EXPECT_EQ(test, after.free_pages, before.free_pages);
	dmk_expect_on_system(test, addr, DMK_GPU_PAGES);
	KUNIT_EXPECT_EQ(test, scan(r, 0), DRM_GPUSVM_SCAN_SYSTEM);
	dmk_expect_data(test, addr, DMK_GPU_PAGES, SEED);
}

/*
 * With a check_pages_threshold, a chunk up to it is taken only if every
 * page of it is resident: one page faulted in gives a 4 KiB range, all of
 * them the 64 KiB one.
 */
static void chunk_checks_residency(struct kunit *test)
{
	struct drm_gpusvm_ctx ctx = dmk_gpu_ctx(0);
	unsigned long addr = dmk_thp_mmap(test, 1, false);
	unsigned long full = addr + DMK_GPU_SIZE;
	struct dmk_gpu_range *r;
	int err;

	ctx.check_pages_threshold = SZ_64K;
	dmk_fill(test, addr, 1, SEED);
	r = dmk_gpu_insert(test, addr, addr, addr + DMK_GPU_SIZE, &ctx, &err);
	KUNIT_ASSERT_NOT_NULL_MSG(test, r, "insert: %d", err);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_range_size(&r->base), SZ_4K);

	dmk_fill(test, full, DMK_GPU_PAGES, SEED);
	r = dmk_gpu_insert(test, full, full, full + DMK_GPU_SIZE, &ctx, &err);
	KUNIT_ASSERT_NOT_NULL_MSG(test, r, "insert: %d", err);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_range_size(&r->base), SZ_64K);
}

/*
 * has_mapping sees a range in a window that overlaps it and nothing
 * elsewhere, and nothing once it is removed; a reference keeps a removed
 * range alive until it is put.
 */
static void has_mapping(struct kunit *test)
{
	struct drm_gpusvm *gpusvm = &dmk_gpu(test)->gpusvm;
	unsigned long addr = dmk_gpu_mmap(test, SEED);
	struct dmk_gpu_range *r = inserted(test, addr);
	struct drm_gpusvm_range *ref;

	KUNIT_EXPECT_TRUE(test, drm_gpusvm_has_mapping(gpusvm, addr + SZ_4K,
						       addr + SZ_2M));
	KUNIT_EXPECT_FALSE(test, drm_gpusvm_has_mapping(gpusvm,
							addr + DMK_GPU_SIZE,
							addr + SZ_2M));
	ref = drm_gpusvm_range_get(&r->base);
	KUNIT_EXPECT_PTR_EQ(test, ref, &r->base);
	KUNIT_EXPECT_EQ(test, kref_read(&r->base.refcount), 2);
	dmk_gpu_remove(test, r);
	KUNIT_EXPECT_FALSE(test, drm_gpusvm_has_mapping(gpusvm, addr,
							addr + SZ_2M));
	KUNIT_EXPECT_EQ(test, kref_read(&ref->refcount), 1);
	drm_gpusvm_range_put(ref);
}

/* find_vma_start: the start of the first VMA in a window, or ULONG_MAX. */
static void find_vma_start(struct kunit *test)
{
	struct drm_gpusvm *gpusvm = &dmk_gpu(test)->gpusvm;
	unsigned long addr = dmk_gpu_mmap(test, SEED);

	KUNIT_ASSERT_EQ(test, dmk_munmap(addr, DMK_GPU_PAGES), 0);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_find_vma_start(gpusvm, addr,
							 addr + SZ_2M),
			addr + DMK_GPU_SIZE);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_find_vma_start(gpusvm, addr,
							 addr + DMK_GPU_SIZE),
			ULONG_MAX);
}

static struct kunit_case gpusvm_range_cases[] = {
	KUNIT_CASE(scan_states),
	KUNIT_CASE(range_evict),
	KUNIT_CASE(chunk_checks_residency),
	KUNIT_CASE(has_mapping),
	KUNIT_CASE(find_vma_start),
	{}
};

static struct kunit_suite gpusvm_range_suite = {
	.name = "umdevmem_gpusvm_range",
	.suite_init = dmk_gpu_suite_init,
	.suite_exit = dmk_gpu_suite_exit,
	.init = dmk_gpu_init,
	.exit = dmk_exit,
	.test_cases = gpusvm_range_cases,
};

kunit_test_suite(gpusvm_range_suite);
