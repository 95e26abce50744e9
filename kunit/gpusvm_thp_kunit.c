// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem suite umdevmem_gpusvm_thp: 2 MiB ranges through drm_gpusvm
 * and drm_pagemap where the line migrates them whole (7.3: device-private
 * PMD entries, MIGRATE_VMA_SELECT_COMPOUND).
 *
 * A PMD-mapped THP becomes one PMD-sized device folio of the face (its
 * allocation gives a whole 2 MiB chunk for an aligned 2 MiB), the GPU
 * maps either as a single order-9 DMA address, and a CPU fault or an
 * eviction brings it back as a THP again.
 */
#include "dmk_gpusvm.h"

#define SEED 0x7b9e

static void expect_device_folio(struct kunit *test, unsigned long addr,
				unsigned int face)
{
	struct dmk_pmd p = dmk_pmd_lookup(test, addr);
	unsigned long i;

	KUNIT_ASSERT_EQ(test, p.kind, DMK_PMD_DEVICE);
	KUNIT_ASSERT_PTR_EQ(test, umdevmem_page_device(p.page),
			    dmk_gpu_dev(face));
	KUNIT_EXPECT_EQ(test, folio_order(page_folio(p.page)), HPAGE_PMD_ORDER);
	for (i = 0; i < HPAGE_PMD_NR; i++)
		dmk_expect_device_data(test, p.page + i, SEED, i);
}

/* The CPU reads the bytes (a fault, if it has to) and maps a THP. */
static void expect_system_thp(struct kunit *test, unsigned long addr)
{
	dmk_expect_data(test, addr, HPAGE_PMD_NR, SEED);
	KUNIT_EXPECT_EQ(test, dmk_pmd_lookup(test, addr).kind, DMK_PMD_SYSTEM);
}

static struct dmk_gpu_range *huge_fault(struct kunit *test,
					unsigned long addr, int face)
{
	struct drm_gpusvm_ctx ctx = dmk_gpu_ctx(face);
	struct dmk_gpu_range *r;
	int err;

	r = dmk_gpu_fault(test, addr, addr, addr + SZ_2M, &ctx, &err);
	KUNIT_ASSERT_NOT_NULL_MSG(test, r, "fault: %d", err);
	KUNIT_ASSERT_EQ(test, drm_gpusvm_range_size(&r->base), SZ_2M);
	KUNIT_EXPECT_EQ(test, (int)r->pages.dma_addr[0].order,
			HPAGE_PMD_ORDER);
	return r;
}

/* A THP migrates into one device folio, PMD-mapped as a device entry. */
static void thp_to_device_folio(struct kunit *test)
{
	unsigned long addr = dmk_thp_system(test, SEED);
	struct umdevmem_stats before = dmk_stats(dmk_gpu_dev(0)), after;

	KUNIT_ASSERT_EQ(test, dmk_gpu_migrate(test, 0, addr, HPAGE_PMD_NR), 0);
	after = dmk_stats(dmk_gpu_dev(0));
	KUNIT_EXPECT_EQ(test, after.huge_allocated - before.huge_allocated, 1);
	expect_device_folio(test, addr, 0);
}

/*
 * The GPU maps a THP, and then its device folio, with one address of
 * order 9 for the whole 2 MiB range.
 */
static void gpu_maps_huge(struct kunit *test)
{
	unsigned long addr = dmk_thp_system(test, SEED);
	struct dmk_gpu_range *r = huge_fault(test, addr, 0);
	struct drm_gpusvm_ctx ctx = dmk_gpu_ctx(0);

	KUNIT_EXPECT_EQ(test, (int)r->pages.dma_addr[0].proto,
			DRM_INTERCONNECT_SYSTEM);
	KUNIT_EXPECT_PTR_EQ(test, dmk_gpu_page(r, 0),
			    dmk_pmd_lookup(test, addr).page);

	KUNIT_ASSERT_EQ(test, dmk_gpu_migrate(test, 0, addr, HPAGE_PMD_NR), 0);
	KUNIT_EXPECT_FALSE(test, dmk_gpu_pages_valid(test, r));
	KUNIT_ASSERT_EQ(test, dmk_gpu_get_pages(test, r, &ctx), 0);
	KUNIT_EXPECT_EQ(test, (int)r->pages.dma_addr[0].order,
			HPAGE_PMD_ORDER);
	KUNIT_EXPECT_EQ(test, (int)r->pages.dma_addr[0].proto,
			DRM_INTERCONNECT_DRIVER);
	KUNIT_EXPECT_PTR_EQ(test, dmk_gpu_page(r, 0),
			    dmk_pmd_lookup(test, addr).page);
	dmk_gpu_remove(test, r);
	expect_device_folio(test, addr, 0);
}

/* A CPU fault on the device folio brings the 2 MiB back as a THP. */
static void cpu_fault_back_huge(struct kunit *test)
{
	unsigned long addr = dmk_thp_system(test, SEED);

	KUNIT_ASSERT_EQ(test, dmk_gpu_migrate(test, 0, addr, HPAGE_PMD_NR), 0);
	expect_system_thp(test, addr);
}

/* Eviction of a device folio gives a THP back too. */
static void evict_huge(struct kunit *test)
{
	unsigned long addr = dmk_thp_system(test, SEED);

	KUNIT_ASSERT_EQ(test, dmk_gpu_migrate(test, 0, addr, HPAGE_PMD_NR), 0);
	KUNIT_ASSERT_EQ(test, umdevmem_drm_evict(dmk_gpu_face(0)), 0);
	KUNIT_EXPECT_EQ(test, dmk_pmd_lookup(test, addr).kind, DMK_PMD_SYSTEM);
	expect_system_thp(test, addr);
}

/* From one face to its peer, the device folio stays whole. */
static void huge_face_to_face(struct kunit *test)
{
	unsigned long addr = dmk_thp_system(test, SEED);

	KUNIT_ASSERT_EQ(test, dmk_gpu_migrate(test, 0, addr, HPAGE_PMD_NR), 0);
	KUNIT_ASSERT_EQ(test, dmk_gpu_migrate(test, 1, addr, HPAGE_PMD_NR), 0);
	expect_device_folio(test, addr, 1);
}

static struct kunit_case gpusvm_thp_cases[] = {
	KUNIT_CASE(thp_to_device_folio),
	KUNIT_CASE(gpu_maps_huge),
	KUNIT_CASE(cpu_fault_back_huge),
	KUNIT_CASE(evict_huge),
	KUNIT_CASE(huge_face_to_face),
	{}
};

static struct kunit_suite gpusvm_thp_suite = {
	.name = "umdevmem_gpusvm_thp",
	.suite_init = dmk_gpu_suite_init,
	.suite_exit = dmk_gpu_suite_exit,
	.init = dmk_gpu_init,
	.exit = dmk_exit,
	.test_cases = gpusvm_thp_cases,
};

kunit_test_suite(gpusvm_thp_suite);
