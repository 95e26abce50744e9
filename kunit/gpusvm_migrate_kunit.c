// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem suite umdevmem_gpusvm_migrate: migration to device memory
 * and back through drm_pagemap (drivers/gpu/drm/drm_pagemap.c) on the
 * fake device's DRM face.
 *
 * drm_pagemap_populate_mm() gives the face's populate_mm() the range; it
 * makes an allocation and drm_pagemap_migrate_to_devmem() moves the pages
 * into it, all or nothing.  A CPU fault on a device page comes back
 * through drm_pagemap's migrate_to_ram (the pgmap's ops are
 * drm_pagemap's, not the fake device's), and the allocation is released
 * once its last device page is freed.  Between two faces, pages move
 * device to device: the source face copies them out to the destination's
 * device addresses.  The cases check the bytes, the CPU page tables and
 * the allocations the face holds.
 */
#include <linux/mman.h>
#include "dmk_gpusvm.h"

#define SEED 0x3a7e

/* The range moves to the face: device-private entries, bytes intact. */
static void to_devmem(struct kunit *test)
{
	unsigned long addr = dmk_gpu_mmap(test, SEED);
	struct umdevmem_stats before = dmk_stats(dmk_gpu_dev(0)), after;
	unsigned long i;

	KUNIT_ASSERT_EQ(test, dmk_gpu_migrate(test, 0, addr, DMK_GPU_PAGES), 0);
	after = dmk_stats(dmk_gpu_dev(0));
	KUNIT_EXPECT_EQ(test, after.allocated - before.allocated,
			DMK_GPU_PAGES);
	KUNIT_EXPECT_EQ(test, after.copied_to_dev - before.copied_to_dev,
			DMK_GPU_PAGES);
	KUNIT_EXPECT_EQ(test, dmk_gpu_live(0), 1);
	dmk_expect_on_device(test, dmk_gpu_dev(0), addr, DMK_GPU_PAGES);
	for (i = 0; i < DMK_GPU_PAGES; i++) {
		struct page *page = dmk_lookup(test, addr + i * PAGE_SIZE).page;

		KUNIT_ASSERT_NOT_NULL(test, page);
		KUNIT_EXPECT_PTR_EQ(test, drm_pagemap_page_to_dpagemap(page),
				    umdevmem_drm_pagemap(dmk_gpu_face(0)));
		dmk_expect_device_data(test, page, SEED, i);
	}
}

/*
 * A CPU read of the range brings every page back through drm_pagemap's
 * migrate_to_ram; once the last device page is freed the allocation is
 * released and its device pages are free again.
 */
static void cpu_fault_back(struct kunit *test)
{
	unsigned long addr = dmk_gpu_mmap(test, SEED);
	struct umdevmem_stats before = dmk_stats(dmk_gpu_dev(0)), after;

	KUNIT_ASSERT_EQ(test, dmk_gpu_migrate(test, 0, addr, DMK_GPU_PAGES), 0);
	dmk_expect_data(test, addr, DMK_GPU_PAGES, SEED);
	dmk_expect_on_system(test, addr, DMK_GPU_PAGES);
	after = dmk_stats(dmk_gpu_dev(0));
	KUNIT_EXPECT_EQ(test, after.copied_to_ram - before.copied_to_ram,
			DMK_GPU_PAGES);
	KUNIT_EXPECT_EQ(test, after.free_pages, before.free_pages);
	KUNIT_EXPECT_EQ(test, dmk_gpu_live(0), 0);
}

/* A CPU write to one page brings it back with the write in place. */
static void cpu_write_one_page(struct kunit *test)
{
	unsigned long addr = dmk_gpu_mmap(test, SEED);
	u8 byte = 0xa5;

	KUNIT_ASSERT_EQ(test, dmk_gpu_migrate(test, 0, addr, DMK_GPU_PAGES), 0);
	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)addr + 3 * PAGE_SIZE,
					   &byte, 1), 0);
	KUNIT_EXPECT_EQ(test, dmk_lookup(test, addr + 3 * PAGE_SIZE).kind,
			DMK_SYSTEM);
	byte = 0;
	KUNIT_ASSERT_EQ(test, copy_from_user(&byte,
					     (void __user *)addr + 3 * PAGE_SIZE,
					     1), 0);
	KUNIT_EXPECT_EQ(test, byte, 0xa5);
	dmk_expect_data_from(test, addr, 4, DMK_GPU_PAGES - 4, SEED);
	dmk_expect_data_from(test, addr, 0, 3, SEED);
}

/* Migrating what is already on the face does nothing and succeeds. */
static void already_there(struct kunit *test)
{
	unsigned long addr = dmk_gpu_mmap(test, SEED);
	struct umdevmem_stats before, after;

	KUNIT_ASSERT_EQ(test, dmk_gpu_migrate(test, 0, addr, DMK_GPU_PAGES), 0);
	before = dmk_stats(dmk_gpu_dev(0));
	KUNIT_EXPECT_EQ(test, dmk_gpu_migrate(test, 0, addr, DMK_GPU_PAGES), 0);
	after = dmk_stats(dmk_gpu_dev(0));
	KUNIT_EXPECT_EQ(test, after.copied_to_dev, before.copied_to_dev);
	KUNIT_EXPECT_EQ(test, dmk_gpu_live(0), 1);
	dmk_expect_on_device(test, dmk_gpu_dev(0), addr, DMK_GPU_PAGES);
	dmk_expect_data(test, addr, DMK_GPU_PAGES, SEED);
}

/*
 * Two faces, peers: the pages move from one to the other device to
 * device, the source face copying out to the destination's addresses.
 */
static void face_to_face(struct kunit *test)
{
	unsigned long addr = dmk_gpu_mmap(test, SEED);
	struct umdevmem_stats before = dmk_stats(dmk_gpu_dev(0)), after;
	struct umdevmem_drm_stats maps_before, maps_after;

	KUNIT_ASSERT_EQ(test, dmk_gpu_migrate(test, 0, addr, DMK_GPU_PAGES), 0);
	umdevmem_drm_get_stats(dmk_gpu_face(1), &maps_before);
	KUNIT_ASSERT_EQ(test, dmk_gpu_migrate(test, 1, addr, DMK_GPU_PAGES), 0);
	umdevmem_drm_get_stats(dmk_gpu_face(1), &maps_after);
	dmk_expect_on_device(test, dmk_gpu_dev(1), addr, DMK_GPU_PAGES);
	after = dmk_stats(dmk_gpu_dev(0));
	/* face 0 copied its pages out, to face 1's device addresses */
	KUNIT_EXPECT_EQ(test, after.copied_to_ram - before.copied_to_ram,
			DMK_GPU_PAGES);
	KUNIT_EXPECT_EQ(test, maps_after.device_maps - maps_before.device_maps,
			DMK_GPU_PAGES);
	KUNIT_EXPECT_EQ(test, after.free_pages, before.free_pages);
	KUNIT_EXPECT_EQ(test, dmk_gpu_live(0), 0);
	KUNIT_EXPECT_EQ(test, dmk_gpu_live(1), 1);
	dmk_expect_data(test, addr, DMK_GPU_PAGES, SEED);
}

/*
 * All or nothing: with one page pinned, migrate_vma cannot collect it
 * and the migration is refused (-EBUSY) with every page where it was.
 */
static void pinned_page_refuses(struct kunit *test)
{
	unsigned long addr = dmk_gpu_mmap(test, SEED);
	struct umdevmem_stats before = dmk_stats(dmk_gpu_dev(0)), after;

	KUNIT_ASSERT_NOT_NULL(test, dmk_pin(test, addr + 5 * PAGE_SIZE,
					    FOLL_WRITE));
	KUNIT_EXPECT_EQ(test, dmk_gpu_migrate(test, 0, addr, DMK_GPU_PAGES),
			-EBUSY);
	after = dmk_stats(dmk_gpu_dev(0));
	KUNIT_EXPECT_EQ(test, after.free_pages, before.free_pages);
	KUNIT_EXPECT_EQ(test, dmk_gpu_live(0), 0);
	dmk_expect_on_system(test, addr, DMK_GPU_PAGES);
	dmk_expect_data(test, addr, DMK_GPU_PAGES, SEED);
}

/* Only anonymous memory migrates: a shared mapping is refused (-EBUSY). */
static void shared_refused(struct kunit *test)
{
	unsigned long addr = dmk_mmap_shared(test, DMK_GPU_PAGES,
					     PROT_READ | PROT_WRITE);

	dmk_fill(test, addr, DMK_GPU_PAGES, SEED);
	KUNIT_EXPECT_EQ(test, dmk_gpu_migrate(test, 0, addr, DMK_GPU_PAGES),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, dmk_gpu_live(0), 0);
	dmk_expect_data(test, addr, DMK_GPU_PAGES, SEED);
}

/* Unpopulated pages migrate as zeroed device pages. */
static void holes_zeroed(struct kunit *test)
{
	unsigned long addr = dmk_thp_mmap(test, 1, false), i;

	dmk_fill(test, addr, 1, SEED);
	KUNIT_ASSERT_EQ(test, dmk_gpu_migrate(test, 0, addr, DMK_GPU_PAGES), 0);
	dmk_expect_on_device(test, dmk_gpu_dev(0), addr, DMK_GPU_PAGES);
	for (i = 1; i < DMK_GPU_PAGES; i++)
		dmk_expect_zero_device_page(test, dmk_lookup(test,
						addr + i * PAGE_SIZE).page);
	dmk_expect_data(test, addr, 1, SEED);
	dmk_expect_zero(test, addr + PAGE_SIZE, DMK_GPU_PAGES - 1);
}

static struct kunit_case gpusvm_migrate_cases[] = {
	KUNIT_CASE(to_devmem),
	KUNIT_CASE(cpu_fault_back),
	KUNIT_CASE(cpu_write_one_page),
	KUNIT_CASE(already_there),
	KUNIT_CASE(face_to_face),
	KUNIT_CASE(pinned_page_refuses),
	KUNIT_CASE(shared_refused),
	KUNIT_CASE(holes_zeroed),
	{}
};

static struct kunit_suite gpusvm_migrate_suite = {
	.name = "umdevmem_gpusvm_migrate",
	.suite_init = dmk_gpu_suite_init,
	.suite_exit = dmk_gpu_suite_exit,
	.init = dmk_gpu_init,
	.exit = dmk_exit,
	.test_cases = gpusvm_migrate_cases,
};

kunit_test_suite(gpusvm_migrate_suite);
