// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem suite umdevmem_gpusvm_fault: a GPU fault through drm_gpusvm
 * (drivers/gpu/drm/drm_gpusvm.c) on the fake device's DRM face.
 *
 * A fault finds or inserts the range (its chunk size picked from the
 * VMA and the GPU VA bounds), inserts its interval notifier, and gets the
 * pages with hmm_range_fault(): system pages are DMA-mapped, device
 * pages of the owner the context names are mapped through the face's
 * device_map() and stay on the device, any other device page comes back
 * to system memory first.  The cases check what the GPU would read: the
 * page behind each address, byte for byte, against the CPU page tables.
 */
#include <linux/mman.h>
#include "dmk_gpusvm.h"

#define SEED 0x5f11

/* A fault maps the range's system pages for the GPU, as the CPU maps them. */
static void system_pages_mapped(struct kunit *test)
{
	struct drm_gpusvm_ctx ctx = dmk_gpu_ctx(0);
	unsigned long addr = dmk_gpu_mmap(test, SEED);
	struct dmk_gpu_range *r;
	int err;

	r = dmk_gpu_fault(test, addr + SZ_16K, addr, addr + DMK_GPU_SIZE,
			  &ctx, &err);
	KUNIT_ASSERT_NOT_NULL_MSG(test, r, "fault: %d", err);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_range_start(&r->base), addr);
	KUNIT_EXPECT_EQ(test, dmk_gpu_npages(r), DMK_GPU_PAGES);
	KUNIT_EXPECT_TRUE(test, !!r->base.flags.migrate_devmem);
	KUNIT_EXPECT_TRUE(test, dmk_gpu_pages_valid(test, r));
	dmk_gpu_expect_system(test, r, 0, SEED);
	dmk_gpu_remove(test, r);
}

/* A second fault in the range finds it instead of inserting another. */
static void second_fault_finds_range(struct kunit *test)
{
	struct drm_gpusvm_ctx ctx = dmk_gpu_ctx(0);
	unsigned long addr = dmk_gpu_mmap(test, SEED);
	struct dmk_gpu_range *r, *again;
	int err;

	r = dmk_gpu_fault(test, addr, addr, addr + DMK_GPU_SIZE, &ctx, &err);
	KUNIT_ASSERT_NOT_NULL_MSG(test, r, "fault: %d", err);
	again = dmk_gpu_fault(test, addr + DMK_GPU_SIZE - PAGE_SIZE, addr,
			      addr + DMK_GPU_SIZE, &ctx, &err);
	KUNIT_ASSERT_NOT_NULL_MSG(test, again, "fault: %d", err);
	KUNIT_EXPECT_PTR_EQ(test, again, r);
	dmk_gpu_expect_system(test, r, 0, SEED);
	dmk_gpu_remove(test, r);
}

/*
 * Unpopulated memory is faulted in by hmm_range_fault() for the GPU: the
 * pages it maps are the zeroed pages the CPU then sees.
 */
static void unpopulated_faulted_in(struct kunit *test)
{
	struct drm_gpusvm_ctx ctx = dmk_gpu_ctx(0);
	unsigned long addr = dmk_thp_mmap(test, 1, false), i;
	struct dmk_gpu_range *r;
	int err;

	r = dmk_gpu_fault(test, addr, addr, addr + DMK_GPU_SIZE, &ctx, &err);
	KUNIT_ASSERT_NOT_NULL_MSG(test, r, "fault: %d", err);
	for (i = 0; i < DMK_GPU_PAGES; i++) {
		struct dmk_pte pte = dmk_lookup(test, addr + i * PAGE_SIZE);

		KUNIT_ASSERT_EQ_MSG(test, pte.kind, DMK_SYSTEM, "page %lu", i);
		KUNIT_EXPECT_PTR_EQ_MSG(test, dmk_gpu_page(r, i), pte.page,
					"page %lu", i);
		KUNIT_EXPECT_TRUE(test, !memchr_inv(page_address(pte.page), 0,
						    PAGE_SIZE));
	}
	dmk_expect_zero(test, addr, DMK_GPU_PAGES);
	dmk_gpu_remove(test, r);
}

/*
 * Pages on the face the context names stay there: the GPU gets their
 * device addresses from device_map(), and the CPU still has
 * device-private entries.
 */
static void own_device_pages_mapped_in_place(struct kunit *test)
{
	struct drm_gpusvm_ctx ctx = dmk_gpu_ctx(0);
	unsigned long addr = dmk_gpu_mmap(test, SEED);
	struct umdevmem_drm_stats before, after;
	struct umdevmem_stats dev_before, dev_after;
	struct dmk_gpu_range *r;
	int err;

	KUNIT_ASSERT_EQ(test, dmk_gpu_migrate(test, 0, addr, DMK_GPU_PAGES), 0);
	umdevmem_drm_get_stats(dmk_gpu_face(0), &before);
	dev_before = dmk_stats(dmk_gpu_dev(0));
	r = dmk_gpu_fault(test, addr, addr, addr + DMK_GPU_SIZE, &ctx, &err);
	KUNIT_ASSERT_NOT_NULL_MSG(test, r, "fault: %d", err);
	umdevmem_drm_get_stats(dmk_gpu_face(0), &after);
	dev_after = dmk_stats(dmk_gpu_dev(0));
	KUNIT_EXPECT_EQ(test, after.device_maps - before.device_maps,
			DMK_GPU_PAGES);
	KUNIT_EXPECT_EQ(test, dev_after.copied_to_ram, dev_before.copied_to_ram);
	dmk_gpu_expect_device(test, r, 0, 0, SEED);

	dmk_gpu_remove(test, r);
	umdevmem_drm_get_stats(dmk_gpu_face(0), &after);
	KUNIT_EXPECT_EQ(test, after.device_unmaps - before.device_unmaps,
			DMK_GPU_PAGES);
	dmk_expect_data(test, addr, DMK_GPU_PAGES, SEED);
}

/*
 * A fault with no device owner (the GPU wants system memory) brings the
 * face's pages back through drm_pagemap's migrate_to_ram first.
 */
static void no_owner_brings_pages_back(struct kunit *test)
{
	struct drm_gpusvm_ctx ctx = dmk_gpu_ctx(-1);
	unsigned long addr = dmk_gpu_mmap(test, SEED);
	struct dmk_gpu_range *r;
	int err;

	KUNIT_ASSERT_EQ(test, dmk_gpu_migrate(test, 0, addr, DMK_GPU_PAGES), 0);
	dmk_expect_on_device(test, dmk_gpu_dev(0), addr, DMK_GPU_PAGES);
	r = dmk_gpu_fault(test, addr, addr, addr + DMK_GPU_SIZE, &ctx, &err);
	KUNIT_ASSERT_NOT_NULL_MSG(test, r, "fault: %d", err);
	dmk_gpu_expect_system(test, r, 0, SEED);
	dmk_gpu_remove(test, r);
}

/* A device-only fault refuses system pages (-EFAULT), mapping nothing. */
static void devmem_only_refuses_system(struct kunit *test)
{
	struct drm_gpusvm_ctx ctx = dmk_gpu_ctx(0);
	unsigned long addr = dmk_gpu_mmap(test, SEED);
	struct dmk_gpu_range *r;
	int err;

	ctx.devmem_only = true;
	r = dmk_gpu_fault(test, addr, addr, addr + DMK_GPU_SIZE, &ctx, &err);
	KUNIT_EXPECT_NULL(test, r);
	KUNIT_EXPECT_EQ(test, err, -EFAULT);
	dmk_expect_on_system(test, addr, DMK_GPU_PAGES);
	dmk_expect_data(test, addr, DMK_GPU_PAGES, SEED);
}

/*
 * What find_or_insert refuses: no VMA (-ENOENT), an address outside the
 * GPU VA bounds (-EINVAL), a read-only VMA for a writing GPU (-EPERM).
 */
static void fault_refused(struct kunit *test)
{
	struct drm_gpusvm_ctx ctx = dmk_gpu_ctx(0);
	unsigned long addr = dmk_gpu_mmap(test, SEED);
	int err;

	KUNIT_ASSERT_EQ(test, dmk_munmap(addr + DMK_GPU_SIZE, DMK_GPU_PAGES),
			0);
	KUNIT_EXPECT_NULL(test, dmk_gpu_fault(test, addr + DMK_GPU_SIZE,
					      addr + DMK_GPU_SIZE,
					      addr + 2 * DMK_GPU_SIZE, &ctx,
					      &err));
	KUNIT_EXPECT_EQ(test, err, -ENOENT);

	KUNIT_EXPECT_NULL(test, dmk_gpu_fault(test, addr, addr + PAGE_SIZE,
					      addr + DMK_GPU_SIZE, &ctx, &err));
	KUNIT_EXPECT_EQ(test, err, -EINVAL);

	KUNIT_ASSERT_EQ(test, dmk_mprotect(addr, DMK_GPU_PAGES, PROT_READ), 0);
	KUNIT_EXPECT_NULL(test, dmk_gpu_fault(test, addr, addr,
					      addr + DMK_GPU_SIZE, &ctx, &err));
	KUNIT_EXPECT_EQ(test, err, -EPERM);
}

/* A read-only GPU fault on a read-only VMA is allowed. */
static void read_only_fault(struct kunit *test)
{
	struct drm_gpusvm_ctx ctx = dmk_gpu_ctx(0);
	unsigned long addr = dmk_gpu_mmap(test, SEED);
	struct dmk_gpu_range *r;
	int err;

	KUNIT_ASSERT_EQ(test, dmk_mprotect(addr, DMK_GPU_PAGES, PROT_READ), 0);
	ctx.read_only = true;
	r = dmk_gpu_fault(test, addr, addr, addr + DMK_GPU_SIZE, &ctx, &err);
	KUNIT_ASSERT_NOT_NULL_MSG(test, r, "fault: %d", err);
	KUNIT_EXPECT_EQ(test, (int)r->pages.dma_addr[0].dir, DMA_TO_DEVICE);
	dmk_gpu_expect_system(test, r, 0, SEED);
	dmk_gpu_remove(test, r);
}

static struct kunit_case gpusvm_fault_cases[] = {
	KUNIT_CASE(system_pages_mapped),
	KUNIT_CASE(second_fault_finds_range),
	KUNIT_CASE(unpopulated_faulted_in),
	KUNIT_CASE(own_device_pages_mapped_in_place),
	KUNIT_CASE(no_owner_brings_pages_back),
	KUNIT_CASE(devmem_only_refuses_system),
	KUNIT_CASE(fault_refused),
	KUNIT_CASE(read_only_fault),
	{}
};

static struct kunit_suite gpusvm_fault_suite = {
	.name = "umdevmem_gpusvm_fault",
	.suite_init = dmk_gpu_suite_init,
	.suite_exit = dmk_gpu_suite_exit,
	.init = dmk_gpu_init,
	.exit = dmk_exit,
	.test_cases = gpusvm_fault_cases,
};

kunit_test_suite(gpusvm_fault_suite);
