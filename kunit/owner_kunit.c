// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem suite umdevmem_owner: with two devices, which device-private
 * pages migrate_vma_setup() collects depends on MIGRATE_VMA_SELECT_* and
 * on pgmap_owner; collected pages move from one device to the other.
 */
#include <linux/migrate.h>
#include <linux/mman.h>
#include "dmk.h"

static void other_owner_not_collected(struct kunit *test)
{
	const unsigned long n = 8;
	struct dmk *d = dmk(test);
	struct umdevmem_migrate_result res;
	unsigned long addr;

	addr = dmk_map_on_device(test, d->dev[0], n, 51, false);
	res = dmk_migrate(test, d->dev[1], addr, n,
			  MIGRATE_VMA_SELECT_DEVICE_PRIVATE,
			  umdevmem_owner(d->dev[1]));
	KUNIT_EXPECT_EQ(test, res.npages, n);
	KUNIT_EXPECT_EQ(test, res.cpages, 0);
	dmk_expect_on_device(test, d->dev[0], addr, n);
	dmk_expect_data(test, addr, n, 51);
}

static void select_system_skips_device_pages(struct kunit *test)
{
	const unsigned long n = 8;
	struct dmk *d = dmk(test);
	struct umdevmem_migrate_result res;
	unsigned long addr;

	addr = dmk_map_on_device(test, d->dev[0], n, 52, false);
	res = dmk_migrate(test, d->dev[1], addr, n, MIGRATE_VMA_SELECT_SYSTEM,
			  umdevmem_owner(d->dev[0]));
	KUNIT_EXPECT_EQ(test, res.cpages, 0);
	dmk_expect_on_device(test, d->dev[0], addr, n);
}

static void device_to_device(struct kunit *test)
{
	const unsigned long n = 8;
	struct dmk *d = dmk(test);
	struct umdevmem_migrate_result res;
	struct umdevmem_stats a0, a1, b0, b1;
	unsigned long addr, i;

	addr = dmk_map_on_device(test, d->dev[0], n, 53, false);
	a0 = dmk_stats(d->dev[0]);
	b0 = dmk_stats(d->dev[1]);
	res = dmk_migrate(test, d->dev[1], addr, n,
			  MIGRATE_VMA_SELECT_DEVICE_PRIVATE,
			  umdevmem_owner(d->dev[0]));
	a1 = dmk_stats(d->dev[0]);
	b1 = dmk_stats(d->dev[1]);

	KUNIT_EXPECT_EQ(test, res.cpages, n);
	KUNIT_EXPECT_EQ(test, res.migrated, n);
	dmk_expect_on_device(test, d->dev[1], addr, n);
	for (i = 0; i < n; i++)
		dmk_expect_device_data(test,
				       dmk_lookup(test, addr + i * PAGE_SIZE).page,
				       53, i);
	KUNIT_EXPECT_EQ(test, a1.freed - a0.freed, n);
	KUNIT_EXPECT_EQ(test, a1.to_ram_calls, a0.to_ram_calls);
	KUNIT_EXPECT_EQ(test, b1.allocated - b0.allocated, n);
	KUNIT_EXPECT_EQ(test, b1.copied_to_dev - b0.copied_to_dev, n);
	/* and the CPU gets them back from the second device */
	dmk_expect_data(test, addr, n, 53);
	KUNIT_EXPECT_EQ(test, dmk_stats(d->dev[1]).to_ram_calls - b1.to_ram_calls,
			n);
}

/* System and device-0 pages in one range, both selected, all to device 1. */
static void mixed_range_to_second_device(struct kunit *test)
{
	const unsigned long n = 8;
	struct dmk *d = dmk(test);
	struct umdevmem_migrate_result res;
	unsigned long addr;

	addr = dmk_mmap(test, n, PROT_READ | PROT_WRITE);
	dmk_fill(test, addr, n, 54);
	res = dmk_migrate(test, d->dev[0], addr, n / 2,
			  MIGRATE_VMA_SELECT_SYSTEM, NULL);
	KUNIT_ASSERT_EQ(test, res.migrated, n / 2);
	res = dmk_migrate(test, d->dev[1], addr, n,
			  MIGRATE_VMA_SELECT_SYSTEM |
			  MIGRATE_VMA_SELECT_DEVICE_PRIVATE,
			  umdevmem_owner(d->dev[0]));
	KUNIT_EXPECT_EQ(test, res.cpages, n);
	KUNIT_EXPECT_EQ(test, res.migrated, n);
	dmk_expect_on_device(test, d->dev[1], addr, n);
	dmk_expect_data(test, addr, n, 54);
}

static struct kunit_case owner_cases[] = {
	KUNIT_CASE(other_owner_not_collected),
	KUNIT_CASE(select_system_skips_device_pages),
	KUNIT_CASE(device_to_device),
	KUNIT_CASE(mixed_range_to_second_device),
	{}
};

static struct kunit_suite owner_suite = {
	.name = "umdevmem_owner",
	.init = dmk_init,
	.exit = dmk_exit,
	.suite_exit = dmk_suite_exit,
	.test_cases = owner_cases,
};
kunit_test_suite(owner_suite);
