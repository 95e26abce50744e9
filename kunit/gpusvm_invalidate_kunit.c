// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem suite umdevmem_gpusvm_invalidate: what the CPU side does to
 * a range the GPU has mapped, through drm_gpusvm's interval notifier.
 *
 * munmap() (whole or part), mprotect(), fork() and a migration each
 * invalidate the notifier; the driver's invalidate() unmaps the pages and,
 * for an unmap, marks the range unmapped (partially if the unmap covers
 * only some of it), as xe does.  The range's pages are then no longer
 * valid, and a new fault maps what the CPU has now.  Range removal frees
 * the notifier once its last range is gone.
 */
#include <linux/mman.h>
#include "dmk_gpusvm.h"

#define SEED 0x1a7e

static struct dmk_gpu_range *mapped(struct kunit *test, unsigned long addr)
{
	struct drm_gpusvm_ctx ctx = dmk_gpu_ctx(0);
	struct dmk_gpu_range *r;
	int err;

	r = dmk_gpu_fault(test, addr, addr, addr + DMK_GPU_SIZE, &ctx, &err);
	KUNIT_ASSERT_NOT_NULL_MSG(test, r, "fault: %d", err);
	KUNIT_ASSERT_TRUE(test, dmk_gpu_pages_valid(test, r));
	return r;
}

/* munmap() of the whole range: unmapped, its pages unmapped for the GPU. */
static void munmap_whole(struct kunit *test)
{
	struct dmk_gpu *gpu = dmk_gpu(test);
	unsigned long addr = dmk_gpu_mmap(test, SEED);
	struct dmk_gpu_range *r = mapped(test, addr);
	int unmaps = atomic_read(&gpu->unmap_events);

	KUNIT_ASSERT_EQ(test, dmk_munmap(addr, DMK_GPU_PAGES), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&gpu->unmap_events), unmaps + 1);
	KUNIT_EXPECT_TRUE(test, !!r->base.flags.unmapped);
	KUNIT_EXPECT_FALSE(test, !!r->base.flags.partial_unmap);
	KUNIT_EXPECT_TRUE(test, !!r->pages.flags.unmapped);
	KUNIT_EXPECT_FALSE(test, !!r->pages.flags.has_dma_mapping);
	KUNIT_EXPECT_FALSE(test, dmk_gpu_pages_valid(test, r));
	/* an unmapped range gives no pages */
	{
		struct drm_gpusvm_ctx ctx = dmk_gpu_ctx(0);

		KUNIT_EXPECT_NE(test, dmk_gpu_get_pages(test, r, &ctx), 0);
	}
	dmk_gpu_remove(test, r);
}

/* munmap() of part of it: a partial unmap, over the pages unmapped. */
static void munmap_part(struct kunit *test)
{
	struct dmk_gpu *gpu = dmk_gpu(test);
	unsigned long addr = dmk_gpu_mmap(test, SEED);
	struct dmk_gpu_range *r = mapped(test, addr);
	unsigned long part = addr + 4 * PAGE_SIZE;

	KUNIT_ASSERT_EQ(test, dmk_munmap(part, 2), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(gpu->last_start), part);
	KUNIT_EXPECT_EQ(test, READ_ONCE(gpu->last_end), part + 2 * PAGE_SIZE);
	KUNIT_EXPECT_TRUE(test, !!r->base.flags.unmapped);
	KUNIT_EXPECT_TRUE(test, !!r->base.flags.partial_unmap);
	KUNIT_EXPECT_FALSE(test, dmk_gpu_pages_valid(test, r));
	dmk_gpu_remove(test, r);
	/*
	 * what is left of the VMA faults again, in a range of the largest
	 * chunk that fits: 4 KiB in 16
	 */
	{
		struct drm_gpusvm_ctx ctx = dmk_gpu_ctx(0);
		int err;

		r = dmk_gpu_fault(test, addr, addr, part, &ctx, &err);
		KUNIT_ASSERT_NOT_NULL_MSG(test, r, "fault: %d", err);
		KUNIT_EXPECT_EQ(test, drm_gpusvm_range_size(&r->base), SZ_4K);
		dmk_gpu_expect_system(test, r, 0, SEED);
		dmk_gpu_remove(test, r);
	}
}

/*
 * mprotect() invalidates (not an unmap): the range stays mapped in the
 * VA sense, its pages must be got again, and read-only for a writer it
 * can no longer be inserted.
 */
static void mprotect_invalidates(struct kunit *test)
{
	struct dmk_gpu *gpu = dmk_gpu(test);
	unsigned long addr = dmk_gpu_mmap(test, SEED);
	struct dmk_gpu_range *r = mapped(test, addr);
	struct drm_gpusvm_ctx ctx = dmk_gpu_ctx(0);
	int calls = atomic_read(&gpu->invalidations);

	KUNIT_ASSERT_EQ(test, dmk_mprotect(addr, DMK_GPU_PAGES, PROT_READ), 0);
	KUNIT_EXPECT_GT(test, atomic_read(&gpu->invalidations), calls);
	KUNIT_EXPECT_FALSE(test, !!r->base.flags.unmapped);
	KUNIT_EXPECT_FALSE(test, dmk_gpu_pages_valid(test, r));
	ctx.read_only = true;
	KUNIT_EXPECT_EQ(test, dmk_gpu_get_pages(test, r, &ctx), 0);
	KUNIT_EXPECT_TRUE(test, dmk_gpu_pages_valid(test, r));
	dmk_gpu_expect_system(test, r, 0, SEED);
	dmk_gpu_remove(test, r);
}

static int child_reads(void *arg)
{
	return dmk_bad_pages(*(unsigned long *)arg, DMK_GPU_PAGES, SEED) ?
		1 : 0;
}

/*
 * fork() write-protects the parent's anonymous pages: the GPU's mapping
 * is invalidated, the child reads the pattern, and after a CPU write in
 * the parent a new get_pages maps the page the parent's CPU maps, with
 * the write in it.
 */
static void fork_invalidates(struct kunit *test)
{
	struct dmk_gpu *gpu = dmk_gpu(test);
	unsigned long addr = dmk_gpu_mmap(test, SEED);
	struct dmk_gpu_range *r = mapped(test, addr);
	struct drm_gpusvm_ctx ctx = dmk_gpu_ctx(0);
	int calls = atomic_read(&gpu->invalidations);
	u8 byte = 0x42;

	KUNIT_ASSERT_EQ(test, dmk_fork(child_reads, &addr), 0);
	KUNIT_EXPECT_GT(test, atomic_read(&gpu->invalidations), calls);
	KUNIT_EXPECT_FALSE(test, dmk_gpu_pages_valid(test, r));
	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)addr, &byte, 1), 0);
	KUNIT_ASSERT_EQ(test, dmk_gpu_get_pages(test, r, &ctx), 0);
	KUNIT_EXPECT_PTR_EQ(test, dmk_gpu_page(r, 0),
			    dmk_lookup(test, addr).page);
	KUNIT_EXPECT_EQ(test, *(u8 *)page_address(dmk_gpu_page(r, 0)), 0x42);
	dmk_gpu_remove(test, r);
}

/*
 * A migration of a mapped range to the face invalidates it too; got
 * again, the pages are the face's device pages.
 */
static void migration_invalidates(struct kunit *test)
{
	unsigned long addr = dmk_gpu_mmap(test, SEED);
	struct dmk_gpu_range *r = mapped(test, addr);
	struct drm_gpusvm_ctx ctx = dmk_gpu_ctx(0);

	KUNIT_ASSERT_EQ(test, dmk_gpu_migrate(test, 0, addr, DMK_GPU_PAGES), 0);
	KUNIT_EXPECT_FALSE(test, dmk_gpu_pages_valid(test, r));
	KUNIT_ASSERT_EQ(test, dmk_gpu_get_pages(test, r, &ctx), 0);
	dmk_gpu_expect_device(test, r, 0, 0, SEED);
	dmk_gpu_remove(test, r);
}

/*
 * Removing the last range of a notifier removes the notifier: a CPU
 * change to the memory reaches the driver no more.
 */
static void remove_drops_notifier(struct kunit *test)
{
	struct dmk_gpu *gpu = dmk_gpu(test);
	unsigned long addr = dmk_gpu_mmap(test, SEED);
	struct dmk_gpu_range *r = mapped(test, addr);
	int calls;

	KUNIT_EXPECT_NOT_NULL(test, drm_gpusvm_notifier_find(&gpu->gpusvm,
							      addr, addr + 1));
	dmk_gpu_remove(test, r);
	KUNIT_EXPECT_NULL(test, drm_gpusvm_notifier_find(&gpu->gpusvm, addr,
							  addr + 1));
	calls = atomic_read(&gpu->invalidations);
	KUNIT_ASSERT_EQ(test, dmk_munmap(addr, DMK_GPU_PAGES), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&gpu->invalidations), calls);
}

static struct kunit_case gpusvm_invalidate_cases[] = {
	KUNIT_CASE(munmap_whole),
	KUNIT_CASE(munmap_part),
	KUNIT_CASE(mprotect_invalidates),
	KUNIT_CASE(fork_invalidates),
	KUNIT_CASE(migration_invalidates),
	KUNIT_CASE(remove_drops_notifier),
	{}
};

static struct kunit_suite gpusvm_invalidate_suite = {
	.name = "umdevmem_gpusvm_invalidate",
	.suite_init = dmk_gpu_suite_init,
	.suite_exit = dmk_gpu_suite_exit,
	.init = dmk_gpu_init,
	.exit = dmk_exit,
	.test_cases = gpusvm_invalidate_cases,
};

kunit_test_suite(gpusvm_invalidate_suite);
