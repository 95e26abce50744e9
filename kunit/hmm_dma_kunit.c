// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem suite umdevmem_hmm_dma: the DMA half of mm/hmm.c, which a
 * GPU SVM driver calls to map what hmm_range_fault() returned for its
 * device: hmm_dma_map_alloc(), hmm_dma_map_pfn(), hmm_dma_unmap_pfn()
 * and hmm_dma_map_free(), on a KUnit device.  Built where UML has a DMA
 * API (HAS_DMA: 7.3 with arch-um-devmem's "let the uml-devmem suites map
 * pages for DMA").  UML's DMA is dma-direct: a device address is the
 * page's physical address; there is no IOMMU (so no IOVA path, whose
 * lines COVERAGE.md lists) and no PCI peer-to-peer memory.
 */
#include <kunit/device.h>
#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/hmm.h>
#include <linux/hmm-dma.h>
#include <linux/mman.h>
#include "dmk.h"

#define NPAGES	8
#define SEED	81

static struct device *dma_device(struct kunit *test, u64 mask)
{
	struct device *dev = kunit_device_register(test, "umdevmem-hmm-dma");

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	KUNIT_ASSERT_EQ(test, dma_coerce_mask_and_coherent(dev, mask), 0);
	return dev;
}

struct dma_map_ctx {
	struct device *dev;
	struct hmm_dma_map map;
};

static void dma_map_free(void *arg)
{
	struct dma_map_ctx *c = arg;

	hmm_dma_map_free(c->dev, &c->map);
}

static struct dma_map_ctx *dma_map_alloc(struct kunit *test,
					 struct device *dev, size_t n)
{
	struct dma_map_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	c->dev = dev;
	KUNIT_ASSERT_EQ(test, hmm_dma_map_alloc(dev, &c->map, n, PAGE_SIZE), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, dma_map_free, c),
			0);
	return c;
}

/*
 * Fault the range in through the map's own pfn list, map every page,
 * map it again (a flags resync keeps the address), unmap it, unmap it
 * again (nothing left to unmap).  Where mappings need an unmap
 * (dma_need_unmap(): always with CONFIG_DMA_API_DEBUG, which 7.3's
 * configs/line-7.kunitconfig sets) the map records each address.
 */
static void maps_what_hmm_reported(struct kunit *test)
{
	struct device *dev = dma_device(test, DMA_BIT_MASK(64));
	struct dma_map_ctx *c = dma_map_alloc(test, dev, NPAGES);
	unsigned long *pfns = c->map.pfn_list;
	unsigned long addr, i;

	KUNIT_EXPECT_EQ(test, !!c->map.dma_list, dma_need_unmap(dev));
	addr = dmk_mmap(test, NPAGES, PROT_READ | PROT_WRITE);
	dmk_fill(test, addr, NPAGES, SEED);
	KUNIT_ASSERT_EQ(test, dmk_hmm_snapshot(test, addr, NPAGES, pfns,
					       HMM_PFN_REQ_FAULT |
					       HMM_PFN_REQ_WRITE, NULL), 0);
	for (i = 0; i < NPAGES; i++) {
		struct page *page = dmk_lookup(test, addr + i * PAGE_SIZE).page;
		dma_addr_t dma, again;

		KUNIT_ASSERT_TRUE(test, pfns[i] & HMM_PFN_VALID);
		KUNIT_EXPECT_PTR_EQ(test, hmm_pfn_to_page(pfns[i]), page);
		dma = hmm_dma_map_pfn(dev, &c->map, i, NULL);
		KUNIT_ASSERT_FALSE_MSG(test, dma_mapping_error(dev, dma),
				       "page %lu", i);
		/* dma-direct: the device sees the physical address */
		KUNIT_EXPECT_EQ(test, dma, phys_to_dma(dev, page_to_phys(page)));
		KUNIT_EXPECT_TRUE(test, pfns[i] & HMM_PFN_DMA_MAPPED);
		KUNIT_EXPECT_TRUE(test, pfns[i] & HMM_PFN_VALID);
		if (c->map.dma_list)
			KUNIT_EXPECT_EQ(test, c->map.dma_list[i], dma);
		again = hmm_dma_map_pfn(dev, &c->map, i, NULL);
		KUNIT_EXPECT_EQ(test, again, dma);
		KUNIT_EXPECT_TRUE(test, hmm_dma_unmap_pfn(dev, &c->map, i));
		KUNIT_EXPECT_FALSE(test, pfns[i] & HMM_PFN_DMA_MAPPED);
		KUNIT_EXPECT_TRUE(test, pfns[i] & HMM_PFN_VALID);
		KUNIT_EXPECT_FALSE(test, hmm_dma_unmap_pfn(dev, &c->map, i));
	}
	dmk_expect_data(test, addr, NPAGES, SEED);
}

/* A pfn hmm_range_fault() did not make valid is never unmapped. */
static void invalid_pfn_not_unmapped(struct kunit *test)
{
	struct device *dev = dma_device(test, DMA_BIT_MASK(64));
	struct dma_map_ctx *c = dma_map_alloc(test, dev, NPAGES);
	unsigned long addr, i;

	addr = dmk_mmap(test, NPAGES, PROT_READ | PROT_WRITE);
	KUNIT_ASSERT_EQ(test, dmk_hmm_snapshot(test, addr, NPAGES,
					       c->map.pfn_list, 0, NULL), 0);
	for (i = 0; i < NPAGES; i++) {
		KUNIT_EXPECT_EQ(test, c->map.pfn_list[i], 0);
		KUNIT_EXPECT_FALSE(test, hmm_dma_unmap_pfn(dev, &c->map, i));
	}
}

/*
 * A device that cannot address all of memory would need bounce buffers,
 * which the HMM mapping cannot use: refused.  Here the device sits
 * behind a bus that reaches only the first 16 MiB (bus_dma_limit, as
 * firmware sets it): its mask alone could not be narrower than UML's RAM.
 */
static void limited_device_refused(struct kunit *test)
{
	struct device *dev = dma_device(test, DMA_BIT_MASK(64));
	struct hmm_dma_map map = {};

	dev->bus_dma_limit = DMA_BIT_MASK(24);

	KUNIT_ASSERT_TRUE(test, dma_addressing_limited(dev));
	KUNIT_EXPECT_EQ(test, hmm_dma_map_alloc(dev, &map, NPAGES, PAGE_SIZE),
			-EOPNOTSUPP);
	KUNIT_EXPECT_NULL(test, map.pfn_list);
}

static struct kunit_case hmm_dma_cases[] = {
	KUNIT_CASE(maps_what_hmm_reported),
	KUNIT_CASE(invalid_pfn_not_unmapped),
	KUNIT_CASE(limited_device_refused),
	{}
};

static struct kunit_suite hmm_dma_suite = {
	.name = "umdevmem_hmm_dma",
	.init = dmk_init,
	.exit = dmk_exit,
	.suite_exit = dmk_suite_exit,
	.test_cases = hmm_dma_cases,
};
kunit_test_suite(hmm_dma_suite);
