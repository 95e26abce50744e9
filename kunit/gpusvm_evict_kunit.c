// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem suite umdevmem_gpusvm_evict: eviction of device memory with
 * drm_pagemap_evict_to_ram(), what a GPU driver does when it needs its
 * memory back.
 *
 * Eviction takes no mmap lock and has no VMA: it collects the pages of an
 * allocation by pfn (migrate_device_pfns()), copies them to RAM and
 * retries while pages are busy, until every device folio of the
 * allocation is freed.  The GPU's range stays: its notifier is
 * invalidated, and the next fault maps the system pages.
 */
#include "dmk_gpusvm.h"

#define SEED 0xe71c

/*
 * A range the GPU has on the face, evicted: the CPU has the bytes in
 * system pages, the allocation is released, and the range maps them at
 * the next fault.
 */
static void evict_mapped_range(struct kunit *test)
{
	struct drm_gpusvm_ctx ctx = dmk_gpu_ctx(0);
	unsigned long addr = dmk_gpu_mmap(test, SEED);
	struct umdevmem_stats before = dmk_stats(dmk_gpu_dev(0)), after;
	struct dmk_gpu_range *r;
	int err;

	KUNIT_ASSERT_EQ(test, dmk_gpu_migrate(test, 0, addr, DMK_GPU_PAGES), 0);
	r = dmk_gpu_fault(test, addr, addr, addr + DMK_GPU_SIZE, &ctx, &err);
	KUNIT_ASSERT_NOT_NULL_MSG(test, r, "fault: %d", err);
	dmk_gpu_expect_device(test, r, 0, 0, SEED);

	KUNIT_ASSERT_EQ(test, umdevmem_drm_evict(dmk_gpu_face(0)), 0);
	after = dmk_stats(dmk_gpu_dev(0));
	KUNIT_EXPECT_EQ(test, after.copied_to_ram - before.copied_to_ram,
			DMK_GPU_PAGES);
	KUNIT_EXPECT_EQ(test, after.free_pages, before.free_pages);
	KUNIT_EXPECT_EQ(test, dmk_gpu_live(0), 0);
	KUNIT_EXPECT_FALSE(test, dmk_gpu_pages_valid(test, r));
	dmk_expect_on_system(test, addr, DMK_GPU_PAGES);

	KUNIT_ASSERT_EQ(test, dmk_gpu_get_pages(test, r, &ctx), 0);
	dmk_gpu_expect_system(test, r, 0, SEED);
	dmk_gpu_remove(test, r);
	dmk_expect_data(test, addr, DMK_GPU_PAGES, SEED);
}

/* Two allocations, one eviction of the face: both come back. */
static void evict_two_allocations(struct kunit *test)
{
	unsigned long a = dmk_gpu_mmap(test, SEED);
	unsigned long b = dmk_gpu_mmap(test, SEED + 1);

	KUNIT_ASSERT_EQ(test, dmk_gpu_migrate(test, 0, a, DMK_GPU_PAGES), 0);
	KUNIT_ASSERT_EQ(test, dmk_gpu_migrate(test, 0, b, DMK_GPU_PAGES), 0);
	KUNIT_EXPECT_EQ(test, dmk_gpu_live(0), 2);
	KUNIT_ASSERT_EQ(test, umdevmem_drm_evict(dmk_gpu_face(0)), 0);
	KUNIT_EXPECT_EQ(test, dmk_gpu_live(0), 0);
	dmk_expect_on_system(test, a, DMK_GPU_PAGES);
	dmk_expect_on_system(test, b, DMK_GPU_PAGES);
	dmk_expect_data(test, a, DMK_GPU_PAGES, SEED);
	dmk_expect_data(test, b, DMK_GPU_PAGES, SEED + 1);
}

/*
 * What a CPU fault brought back already is skipped: part of the
 * allocation munmap()ed first (its device pages freed), the rest evicts.
 */
static void evict_after_partial_unmap(struct kunit *test)
{
	unsigned long addr = dmk_gpu_mmap(test, SEED);

	KUNIT_ASSERT_EQ(test, dmk_gpu_migrate(test, 0, addr, DMK_GPU_PAGES), 0);
	KUNIT_ASSERT_EQ(test, dmk_munmap(addr, 4), 0);
	KUNIT_EXPECT_EQ(test, dmk_gpu_live(0), 1);
	KUNIT_ASSERT_EQ(test, umdevmem_drm_evict(dmk_gpu_face(0)), 0);
	KUNIT_EXPECT_EQ(test, dmk_gpu_live(0), 0);
	dmk_expect_on_system(test, addr + 4 * PAGE_SIZE, DMK_GPU_PAGES - 4);
	dmk_expect_data_from(test, addr, 4, DMK_GPU_PAGES - 4, SEED);
}

/*
 * A device page held locked cannot be collected: eviction retries, then
 * gives up with -EBUSY, leaving it on the device with its bytes; once it
 * is unlocked, eviction finishes.
 */
static void evict_busy_page(struct kunit *test)
{
	unsigned long addr = dmk_gpu_mmap(test, SEED);
	struct page *page;

	KUNIT_ASSERT_EQ(test, dmk_gpu_migrate(test, 0, addr, DMK_GPU_PAGES), 0);
	page = dmk_lookup(test, addr + 2 * PAGE_SIZE).page;
	KUNIT_ASSERT_NOT_NULL(test, page);
	dmk_get_page(test, page);
	dmk_lock_page(test, page);
	KUNIT_EXPECT_EQ(test, umdevmem_drm_evict(dmk_gpu_face(0)), -EBUSY);
	KUNIT_EXPECT_EQ(test, dmk_lookup(test, addr + 2 * PAGE_SIZE).kind,
			DMK_DEVICE);
	KUNIT_EXPECT_EQ(test, dmk_gpu_live(0), 1);
	dmk_expect_device_data(test, page, SEED, 2);

	dmk_unlock_page(test, page);
	dmk_put_page(test, page);
	KUNIT_EXPECT_EQ(test, umdevmem_drm_evict(dmk_gpu_face(0)), 0);
	KUNIT_EXPECT_EQ(test, dmk_gpu_live(0), 0);
	dmk_expect_on_system(test, addr, DMK_GPU_PAGES);
	dmk_expect_data(test, addr, DMK_GPU_PAGES, SEED);
}

static struct kunit_case gpusvm_evict_cases[] = {
	KUNIT_CASE(evict_mapped_range),
	KUNIT_CASE(evict_two_allocations),
	KUNIT_CASE(evict_after_partial_unmap),
	KUNIT_CASE(evict_busy_page),
	{}
};

static struct kunit_suite gpusvm_evict_suite = {
	.name = "umdevmem_gpusvm_evict",
	.suite_init = dmk_gpu_suite_init,
	.suite_exit = dmk_gpu_suite_exit,
	.init = dmk_gpu_init,
	.exit = dmk_exit,
	.test_cases = gpusvm_evict_cases,
};

kunit_test_suite(gpusvm_evict_suite);
