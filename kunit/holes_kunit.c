// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem suite umdevmem_holes: ranges with no page table at all.
 * migrate_vma_collect_hole() marks every page of an anonymous hole for
 * migration, and migrate_vma_insert_page() builds the page tables and
 * maps the destination: a device-private entry (writable or not, as the
 * VMA is) or a system page the driver chose.  A hole in a shared
 * (non-anonymous) mapping is skipped, and a dst the driver offers for a
 * skipped entry is released by migrate_vma_finalize().
 */
#include <linux/highmem.h>
#include <linux/migrate.h>
#include <linux/mman.h>
#include <linux/swap.h>
#include "dmk.h"
/* lru_add_drain(), which 7.x keeps in mm/internal.h */
#include "internal.h"

#define NPAGES 8

static void expect_untouched(struct kunit *test, unsigned long addr,
			     unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ_MSG(test,
				    dmk_lookup(test, addr + (i << PAGE_SHIFT)).kind,
				    DMK_NONE, "page %lu", i);
}

static void expect_zeroes(struct kunit *test, unsigned long addr,
			  unsigned long n)
{
	unsigned long i;
	u8 byte = 0xff;

	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ(test, get_user(byte, (u8 __user *)addr +
					       (i << PAGE_SHIFT) + 7 * i), 0);
		KUNIT_EXPECT_EQ_MSG(test, byte, 0, "page %lu", i);
	}
}

/* A fresh mapping: every page is collected and becomes a device page. */
static void untouched_range_is_populated(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	struct page *dpages[NPAGES];
	struct migrate_vma *args;
	unsigned long addr, i;

	addr = dmk_mmap(test, NPAGES, PROT_READ | PROT_WRITE);
	expect_untouched(test, addr, NPAGES);
	args = dmk_args(test, addr, NPAGES, MIGRATE_VMA_SELECT_SYSTEM,
			umdevmem_owner(dev));
	KUNIT_ASSERT_EQ(test, dmk_setup(test, args), 0);
	KUNIT_EXPECT_EQ(test, args->npages, NPAGES);
	KUNIT_EXPECT_EQ(test, args->cpages, NPAGES);
	for (i = 0; i < NPAGES; i++) {
		KUNIT_EXPECT_EQ_MSG(test, args->src[i], MIGRATE_PFN_MIGRATE,
				    "src[%lu]", i);
		KUNIT_EXPECT_EQ(test, args->dst[i], 0);
	}
	KUNIT_EXPECT_EQ(test, dmk_alloc_and_copy(test, dev, args, dpages),
			NPAGES);
	dmk_pages_finalize(test, args);

	for (i = 0; i < NPAGES; i++) {
		struct dmk_pte p = dmk_lookup(test, addr + (i << PAGE_SHIFT));

		KUNIT_EXPECT_TRUE(test, args->src[i] & MIGRATE_PFN_MIGRATE);
		KUNIT_EXPECT_EQ(test, p.kind, DMK_DEVICE);
		KUNIT_EXPECT_PTR_EQ(test, p.page, dpages[i]);
		KUNIT_EXPECT_TRUE(test, p.write);
		dmk_expect_zero_device_page(test, dpages[i]);
	}
	expect_zeroes(test, addr, NPAGES);
	dmk_expect_on_system(test, addr, NPAGES);
}

/* A hole in a read-only VMA gets a read-only device-private entry. */
static void readonly_hole_gets_readonly_entry(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	struct umdevmem_migrate_result res;
	unsigned long addr, i;

	addr = dmk_mmap(test, NPAGES, PROT_READ);
	res = dmk_migrate(test, dev, addr, NPAGES, MIGRATE_VMA_SELECT_SYSTEM,
			  NULL);
	KUNIT_EXPECT_EQ(test, res.cpages, NPAGES);
	KUNIT_EXPECT_EQ(test, res.migrated, NPAGES);
	dmk_expect_on_device(test, dev, addr, NPAGES);
	for (i = 0; i < NPAGES; i++)
		KUNIT_EXPECT_FALSE_MSG(test,
				       dmk_lookup(test, addr + (i << PAGE_SHIFT)).write,
				       "page %lu", i);
	/* a read fault brings back a read-only page of zeroes */
	expect_zeroes(test, addr, NPAGES);
	for (i = 0; i < NPAGES; i++) {
		struct dmk_pte p = dmk_lookup(test, addr + (i << PAGE_SHIFT));

		KUNIT_EXPECT_EQ(test, p.kind, DMK_SYSTEM);
		KUNIT_EXPECT_FALSE(test, p.write);
	}
}

/* Holes are only filled in anonymous VMAs; a shmem hole is skipped. */
static void shared_hole_is_skipped(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	struct umdevmem_stats before, after;
	struct migrate_vma *args;
	struct page *offered;
	unsigned long addr, i;

	addr = dmk_mmap_shared(test, NPAGES, PROT_READ | PROT_WRITE);
	expect_untouched(test, addr, NPAGES);
	args = dmk_args(test, addr, NPAGES, MIGRATE_VMA_SELECT_SYSTEM,
			umdevmem_owner(dev));
	KUNIT_ASSERT_EQ(test, dmk_setup(test, args), 0);
	KUNIT_EXPECT_EQ(test, args->npages, NPAGES);
	KUNIT_EXPECT_EQ(test, args->cpages, 0);
	for (i = 0; i < NPAGES; i++)
		KUNIT_EXPECT_EQ_MSG(test, args->src[i], 0, "src[%lu]", i);

	/*
	 * A driver that hands a page for an entry it was not given anyway:
	 * migrate_vma_pages() leaves the entry alone, finalize frees the page.
	 */
	before = dmk_stats(dev);
	offered = umdevmem_alloc_page(dev);
	KUNIT_ASSERT_NOT_NULL(test, offered);
	args->dst[2] = migrate_pfn(page_to_pfn(offered));
	dmk_pages_finalize(test, args);
	after = dmk_stats(dev);
	KUNIT_EXPECT_EQ(test, args->src[2], 0);
	KUNIT_EXPECT_EQ(test, after.allocated - before.allocated, 1);
	KUNIT_EXPECT_EQ(test, after.freed - before.freed, 1);
	KUNIT_EXPECT_EQ(test, after.free_pages, before.free_pages);
	expect_untouched(test, addr, NPAGES);
	expect_zeroes(test, addr, NPAGES);
}

/* The driver may fill a hole with a system page of its own. */
static void hole_filled_with_system_page(struct kunit *test)
{
	const unsigned int seed = 81;
	struct page *sys[NPAGES];
	struct migrate_vma *args;
	unsigned long addr, i;

	addr = dmk_mmap(test, NPAGES, PROT_READ | PROT_WRITE);
	args = dmk_args(test, addr, NPAGES, MIGRATE_VMA_SELECT_SYSTEM,
			umdevmem_owner(dmk(test)->dev[0]));
	KUNIT_ASSERT_EQ(test, dmk_setup(test, args), 0);
	KUNIT_ASSERT_EQ(test, args->cpages, NPAGES);
	for (i = 0; i < NPAGES; i++) {
		u8 *kaddr;

		sys[i] = alloc_page(GFP_HIGHUSER_MOVABLE);
		KUNIT_ASSERT_NOT_NULL(test, sys[i]);
		lock_page(sys[i]);
		kaddr = kmap_local_page(sys[i]);
		dmk_pattern(kaddr, seed, i);
		kunmap_local(kaddr);
		args->dst[i] = migrate_pfn(page_to_pfn(sys[i]));
	}
	dmk_pages_finalize(test, args);
	lru_add_drain();	/* the LRU batch holds a reference too */

	for (i = 0; i < NPAGES; i++) {
		struct dmk_pte p = dmk_lookup(test, addr + (i << PAGE_SHIFT));

		KUNIT_EXPECT_TRUE(test, args->src[i] & MIGRATE_PFN_MIGRATE);
		KUNIT_EXPECT_EQ(test, p.kind, DMK_SYSTEM);
		KUNIT_EXPECT_PTR_EQ(test, p.page, sys[i]);
		KUNIT_EXPECT_TRUE(test, p.write);
		/* finalize dropped the driver's lock and reference */
		KUNIT_EXPECT_FALSE(test, PageLocked(sys[i]));
		KUNIT_EXPECT_EQ(test, page_count(sys[i]), 1);
		KUNIT_EXPECT_TRUE(test, PageAnon(sys[i]));
		KUNIT_EXPECT_TRUE(test, PageLRU(sys[i]));
	}
	dmk_expect_data(test, addr, NPAGES, seed);
}

static struct kunit_case holes_cases[] = {
	KUNIT_CASE(untouched_range_is_populated),
	KUNIT_CASE(readonly_hole_gets_readonly_entry),
	KUNIT_CASE(shared_hole_is_skipped),
	KUNIT_CASE(hole_filled_with_system_page),
	{}
};

static struct kunit_suite holes_suite = {
	.name = "umdevmem_holes",
	.init = dmk_init,
	.exit = dmk_exit,
	.suite_exit = dmk_suite_exit,
	.test_cases = holes_cases,
};
kunit_test_suite(holes_suite);
