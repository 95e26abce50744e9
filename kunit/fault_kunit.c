// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem suite umdevmem_fault: CPU faults on device-private entries
 * (copy_from_user / copy_to_user in the test's mm) bring pages back
 * through the device's migrate_to_ram(), with their data and their
 * write permission.
 */
#include <linux/migrate.h>
#include <linux/mman.h>
#include <linux/uaccess.h>
#include "dmk.h"

static void read_fault_back(struct kunit *test)
{
	const unsigned long n = 8;
	struct umdevmem *dev = dmk(test)->dev[0];
	struct umdevmem_stats before, after;
	unsigned long addr;

	addr = dmk_map_on_device(test, dmk(test)->dev[0], n, 11, false);
	before = dmk_stats(dev);
	dmk_expect_data(test, addr, n, 11);
	after = dmk_stats(dev);

	KUNIT_EXPECT_EQ(test, after.to_ram_calls - before.to_ram_calls, n);
	KUNIT_EXPECT_EQ(test, after.to_ram_pages - before.to_ram_pages, n);
	KUNIT_EXPECT_EQ(test, after.copied_to_ram - before.copied_to_ram, n);
	KUNIT_EXPECT_EQ(test, after.freed - before.freed, n);
	KUNIT_EXPECT_EQ(test, after.free_pages, dmk(test)->base[0].free_pages);
	dmk_expect_on_system(test, addr, n);
}

static void write_fault_back(struct kunit *test)
{
	const unsigned long n = 8;
	struct umdevmem *dev = dmk(test)->dev[0];
	struct umdevmem_stats before, after;
	unsigned long addr, i, page3;

	addr = dmk_map_on_device(test, dmk(test)->dev[0], n, 12, false);
	page3 = addr + 3 * PAGE_SIZE;
	before = dmk_stats(dev);
	dmk_fill(test, page3, 1, 13);
	after = dmk_stats(dev);

	KUNIT_EXPECT_EQ(test, after.to_ram_calls - before.to_ram_calls, 1);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ_MSG(test,
				    dmk_lookup(test, addr + i * PAGE_SIZE).kind,
				    i == 3 ? DMK_SYSTEM : DMK_DEVICE, "page %lu", i);
	KUNIT_EXPECT_TRUE(test, dmk_lookup(test, page3).write);
	dmk_expect_data(test, page3, 1, 13);
	dmk_expect_data(test, addr, 3, 12);
}

/* A one-byte write keeps the rest of the page the device held. */
static void partial_write_keeps_page(struct kunit *test)
{
	unsigned long addr = dmk_map_on_device(test, dmk(test)->dev[0], 1,
					       14, false);
	u8 *buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	unsigned long off;
	u8 mark = 0xa5;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_EQ(test, put_user(mark, (u8 __user *)addr + 1000), 0);
	KUNIT_ASSERT_EQ(test, copy_from_user(buf, (void __user *)addr,
					     PAGE_SIZE), 0);
	for (off = 0; off < PAGE_SIZE; off++)
		if (buf[off] != (off == 1000 ? mark : dmk_byte(14, 0, off)))
			break;
	KUNIT_EXPECT_EQ(test, off, PAGE_SIZE);
}

static void readonly_stays_readonly(struct kunit *test)
{
	const unsigned long n = 4;
	unsigned long addr, i;
	u8 byte = 1;

	addr = dmk_map_on_device(test, dmk(test)->dev[0], n, 15, true);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_FALSE(test, dmk_lookup(test, addr + i * PAGE_SIZE).write);
	dmk_expect_data(test, addr, n, 15);
	for (i = 0; i < n; i++) {
		struct dmk_pte p = dmk_lookup(test, addr + i * PAGE_SIZE);

		KUNIT_EXPECT_EQ(test, p.kind, DMK_SYSTEM);
		KUNIT_EXPECT_FALSE_MSG(test, p.write, "page %lu writable", i);
	}
	KUNIT_EXPECT_NE(test, put_user(byte, (u8 __user *)addr), 0);
	dmk_expect_data(test, addr, n, 15);
}

static void writable_stays_writable(struct kunit *test)
{
	const unsigned long n = 4;
	struct umdevmem *dev = dmk(test)->dev[0];
	struct umdevmem_stats before, after;
	unsigned long addr, i;

	addr = dmk_map_on_device(test, dmk(test)->dev[0], n, 16, false);
	dmk_expect_data(test, addr, n, 16);	/* read faults only */
	for (i = 0; i < n; i++) {
		struct dmk_pte p = dmk_lookup(test, addr + i * PAGE_SIZE);

		KUNIT_EXPECT_EQ(test, p.kind, DMK_SYSTEM);
		KUNIT_EXPECT_TRUE_MSG(test, p.write, "page %lu read-only", i);
	}
	before = dmk_stats(dev);
	dmk_fill(test, addr, n, 17);
	after = dmk_stats(dev);
	KUNIT_EXPECT_EQ(test, after.to_ram_calls, before.to_ram_calls);
	dmk_expect_data(test, addr, n, 17);
}

/* The copy back fails: the fault is a SIGBUS, the page stays put. */
static void failed_copy_back_is_sigbus(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	unsigned long addr = dmk_map_on_device(test, dmk(test)->dev[0], 2,
					       18, false);
	struct umdevmem_stats before, after;
	u8 byte;

	before = dmk_stats(dev);
	umdevmem_fail_copy(dev, 1);
	KUNIT_EXPECT_NE(test, get_user(byte, (u8 __user *)addr), 0);
	umdevmem_fail_copy(dev, 0);
	after = dmk_stats(dev);
	KUNIT_EXPECT_EQ(test, after.copy_failed - before.copy_failed, 1);
	KUNIT_EXPECT_EQ(test, dmk_lookup(test, addr).kind, DMK_DEVICE);
	dmk_expect_data(test, addr, 2, 18);
}

static struct kunit_case fault_cases[] = {
	KUNIT_CASE(read_fault_back),
	KUNIT_CASE(write_fault_back),
	KUNIT_CASE(partial_write_keeps_page),
	KUNIT_CASE(readonly_stays_readonly),
	KUNIT_CASE(writable_stays_writable),
	KUNIT_CASE(failed_copy_back_is_sigbus),
	{}
};

static struct kunit_suite fault_suite = {
	.name = "umdevmem_fault",
	.init = dmk_init,
	.exit = dmk_exit,
	.suite_exit = dmk_suite_exit,
	.test_cases = fault_cases,
};
kunit_test_suite(fault_suite);
