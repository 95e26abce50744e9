// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem suite umdevmem_gpusvm_failure: the device failing under
 * drm_pagemap.  Allocation and copy failures are injected in the fake
 * device (umdevmem_fail_alloc(), umdevmem_fail_copy()) during a
 * migration to the device, a CPU fault back and an eviction.  Each time
 * the bytes must survive where they were, no allocation may be left
 * behind, and the range must stay usable: the next migration or fault
 * succeeds.  The case's end checks that every device page came back.
 */
#include "dmk_gpusvm.h"

#define SEED 0xfa11

/* No device memory: -ENOMEM, the pages stay, and a retry migrates. */
static void alloc_fails(struct kunit *test)
{
	struct umdevmem *dev = dmk_gpu_dev(0);
	unsigned long addr = dmk_gpu_mmap(test, SEED);
	struct umdevmem_stats before = dmk_stats(dev), after;

	umdevmem_fail_alloc(dev, 5);
	KUNIT_EXPECT_EQ(test, dmk_gpu_migrate(test, 0, addr, DMK_GPU_PAGES),
			-ENOMEM);
	after = dmk_stats(dev);
	KUNIT_EXPECT_EQ(test, after.free_pages, before.free_pages);
	KUNIT_EXPECT_EQ(test, after.alloc_failed - before.alloc_failed, 1);
	KUNIT_EXPECT_EQ(test, dmk_gpu_live(0), 0);
	dmk_expect_on_system(test, addr, DMK_GPU_PAGES);

	KUNIT_ASSERT_EQ(test, dmk_gpu_migrate(test, 0, addr, DMK_GPU_PAGES), 0);
	dmk_expect_on_device(test, dev, addr, DMK_GPU_PAGES);
	dmk_expect_data(test, addr, DMK_GPU_PAGES, SEED);
}

/*
 * A copy to the device fails halfway: drm_pagemap puts the device pages
 * back and restores the system pages; the allocation is released.
 */
static void copy_to_devmem_fails(struct kunit *test)
{
	struct umdevmem *dev = dmk_gpu_dev(0);
	unsigned long addr = dmk_gpu_mmap(test, SEED);
	struct umdevmem_stats before = dmk_stats(dev), after;
	int ret;

	umdevmem_fail_copy(dev, DMK_GPU_PAGES / 2);
	ret = dmk_gpu_migrate(test, 0, addr, DMK_GPU_PAGES);
	KUNIT_EXPECT_EQ(test, ret, -EIO);
	after = dmk_stats(dev);
	KUNIT_EXPECT_EQ(test, after.copy_failed - before.copy_failed, 1);
	KUNIT_EXPECT_EQ(test, after.free_pages, before.free_pages);
	KUNIT_EXPECT_EQ(test, dmk_gpu_live(0), 0);
	dmk_expect_on_system(test, addr, DMK_GPU_PAGES);
	dmk_expect_data(test, addr, DMK_GPU_PAGES, SEED);

	KUNIT_ASSERT_EQ(test, dmk_gpu_migrate(test, 0, addr, DMK_GPU_PAGES), 0);
	dmk_expect_on_device(test, dev, addr, DMK_GPU_PAGES);
}

/*
 * A copy back to RAM fails on a CPU fault: the fault is a SIGBUS (the
 * kernel's access fails), the pages stay on the device with their bytes,
 * and the next fault brings them back.
 */
static void copy_to_ram_fails(struct kunit *test)
{
	struct umdevmem *dev = dmk_gpu_dev(0);
	unsigned long addr = dmk_gpu_mmap(test, SEED);
	u8 byte;

	KUNIT_ASSERT_EQ(test, dmk_gpu_migrate(test, 0, addr, DMK_GPU_PAGES), 0);
	umdevmem_fail_copy(dev, 1);
	KUNIT_EXPECT_NE(test, copy_from_user(&byte, (void __user *)addr, 1),
			0);
	dmk_expect_on_device(test, dev, addr, DMK_GPU_PAGES);
	KUNIT_EXPECT_EQ(test, dmk_gpu_live(0), 1);
	dmk_expect_data(test, addr, DMK_GPU_PAGES, SEED);
	dmk_expect_on_system(test, addr, DMK_GPU_PAGES);
	KUNIT_EXPECT_EQ(test, dmk_gpu_live(0), 0);
}

/* A copy failing during an eviction: eviction's retry finishes the job. */
static void copy_fails_during_evict(struct kunit *test)
{
	struct umdevmem *dev = dmk_gpu_dev(0);
	unsigned long addr = dmk_gpu_mmap(test, SEED);
	struct umdevmem_stats before, after;

	KUNIT_ASSERT_EQ(test, dmk_gpu_migrate(test, 0, addr, DMK_GPU_PAGES), 0);
	before = dmk_stats(dev);
	umdevmem_fail_copy(dev, 3);
	KUNIT_EXPECT_EQ(test, umdevmem_drm_evict(dmk_gpu_face(0)), 0);
	after = dmk_stats(dev);
	KUNIT_EXPECT_EQ(test, after.copy_failed - before.copy_failed, 1);
	KUNIT_EXPECT_EQ(test, dmk_gpu_live(0), 0);
	dmk_expect_on_system(test, addr, DMK_GPU_PAGES);
	dmk_expect_data(test, addr, DMK_GPU_PAGES, SEED);
}

/*
 * A failed migration leaves the GPU's range usable: mapped before, it is
 * still valid (nothing moved), and a fault maps the system pages.
 */
static void range_usable_after_failure(struct kunit *test)
{
	struct drm_gpusvm_ctx ctx = dmk_gpu_ctx(0);
	unsigned long addr = dmk_gpu_mmap(test, SEED);
	struct dmk_gpu_range *r;
	int err;

	r = dmk_gpu_fault(test, addr, addr, addr + DMK_GPU_SIZE, &ctx, &err);
	KUNIT_ASSERT_NOT_NULL_MSG(test, r, "fault: %d", err);
	umdevmem_fail_alloc(dmk_gpu_dev(0), 1);
	KUNIT_EXPECT_EQ(test, dmk_gpu_migrate(test, 0, addr, DMK_GPU_PAGES),
			-ENOMEM);
	KUNIT_EXPECT_TRUE(test, dmk_gpu_pages_valid(test, r));
	dmk_gpu_expect_system(test, r, 0, SEED);

	umdevmem_fail_copy(dmk_gpu_dev(0), 1);
	KUNIT_EXPECT_EQ(test, dmk_gpu_migrate(test, 0, addr, DMK_GPU_PAGES),
			-EIO);
	r = dmk_gpu_fault(test, addr, addr, addr + DMK_GPU_SIZE, &ctx, &err);
	KUNIT_ASSERT_NOT_NULL_MSG(test, r, "fault: %d", err);
	dmk_gpu_expect_system(test, r, 0, SEED);
	dmk_gpu_remove(test, r);
}

static struct kunit_case gpusvm_failure_cases[] = {
	KUNIT_CASE(alloc_fails),
	KUNIT_CASE(copy_to_devmem_fails),
	KUNIT_CASE(copy_to_ram_fails),
	KUNIT_CASE(copy_fails_during_evict),
	KUNIT_CASE(range_usable_after_failure),
	{}
};

static struct kunit_suite gpusvm_failure_suite = {
	.name = "umdevmem_gpusvm_failure",
	.suite_init = dmk_gpu_suite_init,
	.suite_exit = dmk_gpu_suite_exit,
	.init = dmk_gpu_init,
	.exit = dmk_exit,
	.test_cases = gpusvm_failure_cases,
};

kunit_test_suite(gpusvm_failure_suite);
