// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem suite umdevmem_cpu_ops: what the CPU side of mm does to
 * device-private and device-exclusive entries.  mprotect() makes device
 * entries read-only and never writable again; MADV_DONTNEED frees the
 * device pages; fork() shares device pages copy-on-write (a fault in the
 * child brings the page back for both mms) and restores device-exclusive
 * entries; get_user_pages() and
 * pin_user_pages() fault device pages back to system memory; mremap()
 * moves device entries.
 *
 * fork() is a real one: see dmk_run_child().
 */
#include <linux/mman.h>
#include <linux/syscalls.h>
#include <linux/rmap.h>
#include "dmk.h"

#define NPAGES DMK_CHILD_PAGES
#define VICTIM 1

static void mprotect_makes_device_entries_readonly(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	struct page *dpages[NPAGES];
	unsigned long addr, i;

	addr = dmk_map_on_device(test, dev, NPAGES, 101, false);
	for (i = 0; i < NPAGES; i++)
		dpages[i] = dmk_lookup(test, addr + i * PAGE_SIZE).page;
	KUNIT_ASSERT_EQ(test, dmk_mprotect(addr, NPAGES, PROT_READ), 0);
	KUNIT_ASSERT_EQ(test, dmk_mprotect(addr, NPAGES,
					   PROT_READ | PROT_WRITE), 0);
	for (i = 0; i < NPAGES; i++) {
		struct dmk_pte p = dmk_lookup(test, addr + i * PAGE_SIZE);

		KUNIT_EXPECT_EQ(test, p.kind, DMK_DEVICE);
		KUNIT_EXPECT_PTR_EQ(test, p.page, dpages[i]);
		KUNIT_EXPECT_FALSE_MSG(test, p.write, "page %lu", i);
	}
	/* a write faults the page back and is then allowed */
	dmk_fill(test, addr, NPAGES, 102);
	for (i = 0; i < NPAGES; i++) {
		struct dmk_pte p = dmk_lookup(test, addr + i * PAGE_SIZE);

		KUNIT_EXPECT_EQ(test, p.kind, DMK_SYSTEM);
		KUNIT_EXPECT_TRUE(test, p.write);
	}
	dmk_expect_data(test, addr, NPAGES, 102);
}

static void dontneed_frees_device_pages(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	struct umdevmem_stats before, after;
	unsigned long addr, i;
	u8 byte = 0xff;

	addr = dmk_map_on_device(test, dev, NPAGES, 103, false);
	before = dmk_stats(dev);
	KUNIT_ASSERT_EQ(test, do_madvise(current->mm, addr, NPAGES * PAGE_SIZE,
					 MADV_DONTNEED), 0);
	after = dmk_stats(dev);
	KUNIT_EXPECT_EQ(test, after.freed - before.freed, NPAGES);
	KUNIT_EXPECT_EQ(test, after.free_pages - before.free_pages, NPAGES);
	KUNIT_EXPECT_EQ(test, after.to_ram_calls, before.to_ram_calls);
	for (i = 0; i < NPAGES; i++) {
		KUNIT_EXPECT_EQ(test, dmk_lookup(test, addr + i * PAGE_SIZE).kind,
				DMK_NONE);
		KUNIT_EXPECT_EQ(test, get_user(byte, (u8 __user *)addr +
					       i * PAGE_SIZE), 0);
		KUNIT_EXPECT_EQ(test, byte, 0);
	}
}

/*
 * fork() with pages on the device: both mms map the same device pages,
 * read-only.  The child's read fault migrates each page back to system
 * memory for every mm that maps it (the unmap step replaces the parent's
 * device entry with a migration entry too), so the parent ends up sharing
 * the new system page copy-on-write; the child's write then copies it.
 */
static void fork_shares_device_pages(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	struct dmk_child c = { .seed = 104, .new_seed = 105 };
	struct umdevmem_stats before, after;
	struct page *dpages[NPAGES];
	unsigned long i;

	c.addr = dmk_map_on_device(test, dev, NPAGES, c.seed, false);
	for (i = 0; i < NPAGES; i++)
		dpages[i] = dmk_lookup(test, c.addr + i * PAGE_SIZE).page;
	before = dmk_stats(dev);
	dmk_run_child(test, &c);
	after = dmk_stats(dev);

	for (i = 0; i < NPAGES; i++) {
		struct dmk_pte p = dmk_lookup(test, c.addr + i * PAGE_SIZE);

		KUNIT_EXPECT_EQ(test, c.before[i].kind, DMK_DEVICE);
		KUNIT_EXPECT_PTR_EQ(test, c.before[i].page, dpages[i]);
		KUNIT_EXPECT_FALSE(test, c.before[i].write);
		KUNIT_EXPECT_EQ(test, p.kind, DMK_SYSTEM);
		KUNIT_EXPECT_FALSE(test, p.write);
	}
	KUNIT_EXPECT_EQ(test, c.bad_read, 0);
	KUNIT_EXPECT_EQ(test, c.bad_write, 0);
	KUNIT_EXPECT_EQ(test, c.bad_reread, 0);
	KUNIT_EXPECT_EQ(test, after.to_ram_pages - before.to_ram_pages, NPAGES);
	KUNIT_EXPECT_EQ(test, after.freed - before.freed, NPAGES);
	dmk_expect_data(test, c.addr, NPAGES, c.seed);
}

/* fork() restores a device-exclusive entry before copying the pte. */
static void fork_restores_exclusive_entry(struct kunit *test)
{
	struct dmk_child c = { .seed = 106, .new_seed = 107 };
	unsigned long victim_addr;
	struct page *page;

	c.addr = dmk_mmap(test, NPAGES, PROT_READ | PROT_WRITE);
	dmk_fill(test, c.addr, NPAGES, c.seed);
	victim_addr = c.addr + VICTIM * PAGE_SIZE;
	page = dmk_make_exclusive(test, victim_addr);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_EQ(test, dmk_lookup(test, victim_addr).kind, DMK_EXCLUSIVE);
	KUNIT_ASSERT_TRUE(test, dmk_lookup(test, victim_addr).write);

	dmk_run_child(test, &c);
	KUNIT_EXPECT_EQ(test, c.before[VICTIM].kind, DMK_SYSTEM);
	KUNIT_EXPECT_PTR_EQ(test, c.before[VICTIM].page, page);
	KUNIT_EXPECT_EQ(test, c.bad_read, 0);
	KUNIT_EXPECT_EQ(test, c.bad_write, 0);
	KUNIT_EXPECT_EQ(test, c.bad_reread, 0);
	KUNIT_EXPECT_EQ(test, dmk_lookup(test, victim_addr).kind, DMK_SYSTEM);
	KUNIT_EXPECT_PTR_EQ(test, dmk_lookup(test, victim_addr).page, page);
	dmk_expect_data(test, c.addr, NPAGES, c.seed);
}

/*
 * mprotect() on a device-exclusive entry: 6.12 makes a writable entry
 * read-only; 7.x entries carry no write bit and stay as they are.  Either
 * way a read restores a read-only pte, and a read-only range cannot be
 * made exclusive, which needs write access.
 */
static void mprotect_on_exclusive_entry(struct kunit *test)
{
	struct page *page;
	unsigned long addr;
	struct dmk_pte p;

	addr = dmk_mmap(test, 1, PROT_READ | PROT_WRITE);
	dmk_fill(test, addr, 1, 108);
	page = dmk_make_exclusive(test, addr);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_EQ(test, dmk_mprotect(addr, 1, PROT_READ), 0);
	p = dmk_lookup(test, addr);
	KUNIT_EXPECT_EQ(test, p.kind, DMK_EXCLUSIVE);
	KUNIT_EXPECT_PTR_EQ(test, p.page, page);
	if (UMDEVMEM_EXCLUSIVE_HAS_WRITE)
		KUNIT_EXPECT_FALSE(test, p.write);
	dmk_expect_data(test, addr, 1, 108);
	p = dmk_lookup(test, addr);
	KUNIT_EXPECT_EQ(test, p.kind, DMK_SYSTEM);
	KUNIT_EXPECT_PTR_EQ(test, p.page, page);
	KUNIT_EXPECT_FALSE(test, p.write);
	KUNIT_EXPECT_NULL(test, dmk_make_exclusive(test, addr));
	KUNIT_EXPECT_EQ(test, dmk_lookup(test, addr).kind, DMK_SYSTEM);
}

/* GUP and pins never return a device-private page: they fault it back. */
static void gup_faults_device_pages_back(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	struct mm_struct *mm = current->mm;
	struct umdevmem_stats before, after;
	struct page *got = NULL, *pinned;
	unsigned long addr;
	long ret;

	addr = dmk_map_on_device(test, dev, 2, 109, false);
	before = dmk_stats(dev);
	mmap_read_lock(mm);
	ret = umdevmem_get_user_pages(addr, 1, FOLL_WRITE, &got);
	mmap_read_unlock(mm);
	KUNIT_ASSERT_EQ(test, ret, 1);
	dmk_hold_page(test, got);
	pinned = dmk_pin(test, addr + PAGE_SIZE, FOLL_WRITE | FOLL_LONGTERM);
	KUNIT_ASSERT_NOT_NULL(test, pinned);
	after = dmk_stats(dev);

	KUNIT_EXPECT_FALSE(test, is_zone_device_page(got));
	KUNIT_EXPECT_FALSE(test, is_zone_device_page(pinned));
	KUNIT_EXPECT_PTR_EQ(test, dmk_lookup(test, addr).page, got);
	KUNIT_EXPECT_PTR_EQ(test, dmk_lookup(test, addr + PAGE_SIZE).page,
			    pinned);
	KUNIT_EXPECT_EQ(test, after.to_ram_pages - before.to_ram_pages, 2);
	KUNIT_EXPECT_EQ(test, after.free_pages - before.free_pages, 2);
	dmk_put_page(test, got);
	dmk_unpin(test, pinned);
	dmk_expect_data(test, addr, 2, 109);
}

/*
 * mremap() moves device-private entries as they are: the device pages
 * follow to the new address, and a fault there brings the data back
 * (hmm-tests' migrate_remap_fault, without its THP half).  With
 * MREMAP_DONTUNMAP the old range stays mapped but empty.
 */
static void mremap_moves_device_entries(struct kunit *test)
{
	const unsigned long flags = *(const unsigned long *)test->param_value;
	struct umdevmem *dev = dmk(test)->dev[0];
	struct page *dpages[NPAGES];
	unsigned long addr, to, i;

	addr = dmk_map_on_device(test, dev, NPAGES, 110, false);
	for (i = 0; i < NPAGES; i++)
		dpages[i] = dmk_lookup(test, addr + i * PAGE_SIZE).page;
	to = dmk_mmap(test, NPAGES, PROT_READ | PROT_WRITE);
	KUNIT_ASSERT_EQ(test, sys_mremap(addr, NPAGES * PAGE_SIZE,
					 NPAGES * PAGE_SIZE, flags, to),
			(long)to);
	for (i = 0; i < NPAGES; i++) {
		struct dmk_pte p = dmk_lookup(test, to + i * PAGE_SIZE);

		KUNIT_EXPECT_EQ(test, p.kind, DMK_DEVICE);
		KUNIT_EXPECT_PTR_EQ(test, p.page, dpages[i]);
		KUNIT_EXPECT_TRUE(test, p.write);
		KUNIT_EXPECT_EQ(test, dmk_lookup(test, addr + i * PAGE_SIZE).kind,
				DMK_NONE);
	}
	dmk_expect_data(test, to, NPAGES, 110);
	dmk_expect_on_system(test, to, NPAGES);
}

static struct kunit_case cpu_ops_cases[] = {
	KUNIT_CASE(mprotect_makes_device_entries_readonly),
	KUNIT_CASE(dontneed_frees_device_pages),
	KUNIT_CASE(fork_shares_device_pages),
	KUNIT_CASE(fork_restores_exclusive_entry),
	KUNIT_CASE(mprotect_on_exclusive_entry),
	KUNIT_CASE(gup_faults_device_pages_back),
	KUNIT_CASE_PARAM(mremap_moves_device_entries, dmk_mremap_gen_params),
	{}
};

static struct kunit_suite cpu_ops_suite = {
	.name = "umdevmem_cpu_ops",
	.init = dmk_init,
	.exit = dmk_exit,
	.suite_exit = dmk_suite_exit,
	.test_cases = cpu_ops_cases,
};
kunit_test_suite(cpu_ops_suite);
