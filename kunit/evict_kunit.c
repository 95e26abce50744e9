// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem suite umdevmem_evict: migrate_device_range(),
 * migrate_device_pages() and migrate_device_finalize() bring every page
 * of a device back to system memory, mapped where it was, with its data
 * and permissions, without any CPU fault; or only chosen pages
 * (migrate_device_pfns() on 7.x).
 */
#include <linux/err.h>
#include <linux/migrate.h>
#include <linux/mman.h>
#include "dmk.h"

static void evict_brings_pages_back(struct kunit *test)
{
	const unsigned long n = 16;
	struct umdevmem *dev = dmk(test)->dev[0];
	struct umdevmem_stats before, after;
	unsigned long addr;

	addr = dmk_map_on_device(test, dev, n, 31, false);
	before = dmk_stats(dev);
	KUNIT_EXPECT_EQ(test, umdevmem_evict(dev), n);
	after = dmk_stats(dev);

	KUNIT_EXPECT_EQ(test, after.evicted - before.evicted, n);
	KUNIT_EXPECT_EQ(test, after.copied_to_ram - before.copied_to_ram, n);
	KUNIT_EXPECT_EQ(test, after.freed - before.freed, n);
	KUNIT_EXPECT_EQ(test, after.to_ram_calls, before.to_ram_calls);
	dmk_expect_on_system(test, addr, n);
	KUNIT_EXPECT_TRUE(test, dmk_lookup(test, addr).write);
	before = dmk_stats(dev);
	dmk_expect_data(test, addr, n, 31);
	KUNIT_EXPECT_EQ(test, dmk_stats(dev).to_ram_calls, before.to_ram_calls);
}

/* migrate_device_range() only trylocks: a locked device page stays. */
static void evict_skips_locked_page(struct kunit *test)
{
	const unsigned long n = 4, victim = 1;
	struct umdevmem *dev = dmk(test)->dev[0];
	struct page *dpage;
	unsigned long addr;

	addr = dmk_map_on_device(test, dev, n, 32, false);
	dpage = dmk_lookup(test, addr + victim * PAGE_SIZE).page;
	KUNIT_ASSERT_NOT_NULL(test, dpage);
	dmk_lock_page(test, dpage);
	KUNIT_EXPECT_EQ(test, umdevmem_evict(dev), n - 1);
	dmk_unlock_page(test, dpage);
	dmk_expect_on_system(test, addr, victim);
	dmk_expect_on_device(test, dev, addr + victim * PAGE_SIZE, 1);
	dmk_expect_on_system(test, addr + (victim + 1) * PAGE_SIZE,
			     n - victim - 1);
	KUNIT_EXPECT_EQ(test, umdevmem_evict(dev), 1);
	dmk_expect_on_system(test, addr, n);
	dmk_expect_data(test, addr, n, 32);
}

/*
 * Chosen pages only, not contiguous: migrate_device_pfns() on 7.x.  The
 * others stay on the device.
 */
static void evict_chosen_pages(struct kunit *test)
{
	const unsigned long n = 6;
	struct umdevmem *dev = dmk(test)->dev[0];
	struct page *chosen[3];
	unsigned long addr, i;

	addr = dmk_map_on_device(test, dev, n, 33, false);
	for (i = 0; i < ARRAY_SIZE(chosen); i++)
		chosen[i] = dmk_lookup(test, addr + 2 * i * PAGE_SIZE).page;
	KUNIT_EXPECT_EQ(test, umdevmem_evict_pages(dev, chosen,
						   ARRAY_SIZE(chosen)),
			ARRAY_SIZE(chosen));
	for (i = 0; i < n; i++) {
		if (i % 2)
			dmk_expect_on_device(test, dev, addr + i * PAGE_SIZE, 1);
		else
			dmk_expect_on_system(test, addr + i * PAGE_SIZE, 1);
	}
	KUNIT_EXPECT_EQ(test, umdevmem_evict(dev), n - ARRAY_SIZE(chosen));
	dmk_expect_data(test, addr, n, 33);
}

static void evict_one_device_only(struct kunit *test)
{
	const unsigned long n = 8;
	struct dmk *d = dmk(test);
	unsigned long a, b;

	a = dmk_map_on_device(test, d->dev[0], n, 32, false);
	b = dmk_map_on_device(test, d->dev[1], n, 33, false);
	KUNIT_EXPECT_EQ(test, umdevmem_evict(d->dev[0]), n);
	dmk_expect_on_system(test, a, n);
	dmk_expect_on_device(test, d->dev[1], b, n);
	dmk_expect_data(test, a, n, 32);
	dmk_expect_data(test, b, n, 33);
}

static void evict_keeps_readonly(struct kunit *test)
{
	const unsigned long n = 4;
	struct umdevmem *dev = dmk(test)->dev[0];
	unsigned long addr, i;

	addr = dmk_map_on_device(test, dev, n, 34, true);
	KUNIT_EXPECT_EQ(test, umdevmem_evict(dev), n);
	for (i = 0; i < n; i++) {
		struct dmk_pte p = dmk_lookup(test, addr + i * PAGE_SIZE);

		KUNIT_EXPECT_EQ(test, p.kind, DMK_SYSTEM);
		KUNIT_EXPECT_FALSE(test, p.write);
	}
	dmk_expect_data(test, addr, n, 34);
}

static void evict_idle_device(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[1];
	struct umdevmem_stats before = dmk_stats(dev);

	KUNIT_EXPECT_EQ(test, umdevmem_evict(dev), 0);
	KUNIT_EXPECT_EQ(test, dmk_stats(dev).evicted, before.evicted);
}

/* Destroying a device evicts its pages and gives its range back. */
static void destroy_evicts(struct kunit *test)
{
	const unsigned long n = 8;
	struct umdevmem *tmp;
	unsigned long addr;

	tmp = dmk_create(test, "umdevmem-tmp", 1);
	/* one page asked for, one whole memory section given */
	KUNIT_EXPECT_EQ(test, dmk_stats(tmp).total_pages,
			PAGES_PER_SECTION);
	addr = dmk_map_on_device(test, tmp, n, 35, false);
	KUNIT_EXPECT_TRUE(test, dmk_destroy(test, tmp));
	dmk_expect_on_system(test, addr, n);
	dmk_expect_data(test, addr, n, 35);
}

static struct kunit_case evict_cases[] = {
	KUNIT_CASE(evict_brings_pages_back),
	KUNIT_CASE(evict_skips_locked_page),
	KUNIT_CASE(evict_chosen_pages),
	KUNIT_CASE(evict_one_device_only),
	KUNIT_CASE(evict_keeps_readonly),
	KUNIT_CASE(evict_idle_device),
	KUNIT_CASE(destroy_evicts),
	{}
};

static struct kunit_suite evict_suite = {
	.name = "umdevmem_evict",
	.init = dmk_init,
	.exit = dmk_exit,
	.suite_exit = dmk_suite_exit,
	.test_cases = evict_cases,
};
kunit_test_suite(evict_suite);
