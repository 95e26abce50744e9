// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem suite umdevmem_free: device pages go back to the device
 * through page_free() when their mapping goes away (munmap, partial
 * munmap, mm teardown), without being migrated back first.
 */
#include <linux/migrate.h>
#include <linux/mman.h>
#include "dmk.h"

static void munmap_frees_device_pages(struct kunit *test)
{
	const unsigned long n = 16;
	struct umdevmem *dev = dmk(test)->dev[0];
	struct umdevmem_stats before, after;
	unsigned long addr;

	addr = dmk_map_on_device(test, dev, n, 21, false);
	before = dmk_stats(dev);
	KUNIT_ASSERT_EQ(test, dmk_munmap(addr, n), 0);
	after = dmk_stats(dev);

	KUNIT_EXPECT_EQ(test, after.freed - before.freed, n);
	KUNIT_EXPECT_EQ(test, after.free_pages - before.free_pages, n);
	KUNIT_EXPECT_EQ(test, after.to_ram_calls, before.to_ram_calls);
	KUNIT_EXPECT_EQ(test, after.copied_to_ram, before.copied_to_ram);
}

static void partial_munmap(struct kunit *test)
{
	const unsigned long n = 16;
	struct umdevmem *dev = dmk(test)->dev[0];
	struct umdevmem_stats before, after;
	unsigned long addr;

	addr = dmk_map_on_device(test, dev, n, 22, false);
	before = dmk_stats(dev);
	KUNIT_ASSERT_EQ(test, dmk_munmap(addr + 6 * PAGE_SIZE, 4), 0);
	after = dmk_stats(dev);

	KUNIT_EXPECT_EQ(test, after.freed - before.freed, 4);
	dmk_expect_on_device(test, dev, addr, 6);
	dmk_expect_on_device(test, dev, addr + 10 * PAGE_SIZE, 6);
	KUNIT_EXPECT_EQ(test, dmk_lookup(test, addr + 7 * PAGE_SIZE).kind,
			DMK_NONE);
	dmk_expect_data(test, addr, 6, 22);
}

/* Dropping the last mm reference frees the pages of both devices. */
static void mm_teardown_frees_all(struct kunit *test)
{
	const unsigned long n = 8;
	struct dmk *d = dmk(test);
	struct umdevmem_stats before[2], after[2];
	int i;

	dmk_map_on_device(test, d->dev[0], n, 23, false);
	dmk_map_on_device(test, d->dev[1], n, 24, false);
	for (i = 0; i < 2; i++)
		before[i] = dmk_stats(d->dev[i]);
	dmk_teardown_mm(test);	/* mmput() of the last reference */
	for (i = 0; i < 2; i++) {
		after[i] = dmk_stats(d->dev[i]);
		KUNIT_EXPECT_EQ(test, after[i].freed - before[i].freed, n);
		KUNIT_EXPECT_EQ(test, after[i].to_ram_calls,
				before[i].to_ram_calls);
		KUNIT_EXPECT_EQ(test, after[i].free_pages,
				after[i].total_pages);
	}
}

static struct kunit_case free_cases[] = {
	KUNIT_CASE(munmap_frees_device_pages),
	KUNIT_CASE(partial_munmap),
	KUNIT_CASE(mm_teardown_frees_all),
	{}
};

static struct kunit_suite free_suite = {
	.name = "umdevmem_free",
	.init = dmk_init,
	.exit = dmk_exit,
	.suite_exit = dmk_suite_exit,
	.test_cases = free_cases,
};
kunit_test_suite(free_suite);
