// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem suite umdevmem_coherent: MEMORY_DEVICE_COHERENT pages, device
 * memory that the CPU maps and uses in place, on UML's device window.
 *
 * The suite makes two coherent devices of its own.  It migrates anonymous
 * memory to them (SELECT_SYSTEM, holes included), lets the CPU and the
 * device write the same pages and each see the other's bytes, migrates
 * back with SELECT_DEVICE_COHERENT under owner filtering and on to another
 * device, pins (FOLL_LONGTERM moves pages out first, a plain pin does
 * not), evicts with migrate_device_range(), forks, unmaps, snapshots with
 * hmm_range_fault(), checks that the window takes device memory only, and
 * offers pages of a MEMORY_DEVICE_GENERIC pgmap as dst, which migration
 * must refuse.
 *
 * What KUnit cannot do on UML: run a user process.  The CPU side here is
 * the kernel's access to user memory, which on UML goes through __va() of
 * the page, i.e. the window's kernel mapping; a user process would map the
 * host file and offset that phys_mapping() returns, and the
 * user_mapping_file case checks that those hold the page's bytes.
 */
#include <linux/hmm.h>
#include <linux/memory_hotplug.h>
#include <linux/mman.h>
#include <linux/slab.h>
#include <asm/device_window.h>
#include <mem.h>
#include <os.h>
#include "dmk.h"

#define NPAGES 8
#define COHERENT_PAGES (SZ_16M >> PAGE_SHIFT)

static struct umdevmem *coh[2];

static int coherent_suite_init(struct kunit_suite *suite)
{
	static const char * const names[] = { "umdevmem-coh0", "umdevmem-coh1" };
	int i;

	for (i = 0; i < ARRAY_SIZE(coh); i++) {
		coh[i] = umdevmem_create_coherent(names[i], COHERENT_PAGES);
		if (IS_ERR(coh[i])) {
			int err = PTR_ERR(coh[i]);

			coh[i] = NULL;
			return err;
		}
	}
	return 0;
}

static void coherent_suite_exit(struct kunit_suite *suite)
{
	int i;

	dmk_suite_exit(suite);
	for (i = 0; i < ARRAY_SIZE(coh); i++)
		if (coh[i])
			WARN(umdevmem_destroy(coh[i]), "%s still in use\n",
			     umdevmem_name(coh[i]));
}

static int coherent_init(struct kunit *test)
{
	return dmk_init_watching(test, coh, ARRAY_SIZE(coh));
}

static struct page *page_at(struct kunit *test, unsigned long addr,
			    unsigned long i)
{
	return dmk_lookup(test, addr + (i << PAGE_SHIFT)).page;
}

static void anon_to_coherent(struct kunit *test)
{
	struct umdevmem *dev = coh[0];
	struct umdevmem_migrate_result res;
	struct umdevmem_stats before, after;
	unsigned long addr, i;

	addr = dmk_mmap(test, NPAGES, PROT_READ | PROT_WRITE);
	dmk_fill(test, addr, NPAGES, 1);
	before = dmk_stats(dev);
	res = dmk_migrate(test, dev, addr, NPAGES, MIGRATE_VMA_SELECT_SYSTEM,
			  NULL);
	after = dmk_stats(dev);

	KUNIT_EXPECT_EQ(test, res.cpages, NPAGES);
	KUNIT_EXPECT_EQ(test, res.migrated, NPAGES);
	KUNIT_EXPECT_EQ(test, res.declined, 0);
	KUNIT_EXPECT_EQ(test, after.allocated - before.allocated, NPAGES);
	KUNIT_EXPECT_EQ(test, after.copied_to_dev - before.copied_to_dev,
			NPAGES);
	dmk_expect_on_device(test, dev, addr, NPAGES);
	for (i = 0; i < NPAGES; i++) {
		struct dmk_pte p = dmk_lookup(test, addr + (i << PAGE_SHIFT));

		KUNIT_EXPECT_TRUE(test, p.write);
		if (p.kind == DMK_COHERENT)
			dmk_expect_device_data(test, p.page, 1, i);
	}
	/* the CPU reads the device's pages through the window */
	dmk_expect_data(test, addr, NPAGES, 1);
}

/* Never-touched anonymous memory: holes get zeroed coherent pages. */
static void holes_to_coherent(struct kunit *test)
{
	struct umdevmem *dev = coh[0];
	struct umdevmem_migrate_result res;
	u8 *buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	unsigned long addr, i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	addr = dmk_mmap(test, NPAGES, PROT_READ | PROT_WRITE);
	res = dmk_migrate(test, dev, addr, NPAGES, MIGRATE_VMA_SELECT_SYSTEM,
			  NULL);
	KUNIT_EXPECT_EQ(test, res.cpages, NPAGES);
	KUNIT_EXPECT_EQ(test, res.migrated, NPAGES);
	dmk_expect_on_device(test, dev, addr, NPAGES);
	for (i = 0; i < NPAGES; i++) {
		unsigned long va = addr + (i << PAGE_SHIFT);

		dmk_expect_zero_device_page(test, page_at(test, addr, i));
		memset(buf, 0xa5, PAGE_SIZE);
		KUNIT_ASSERT_EQ(test, copy_from_user(buf, (void __user *)va,
						     PAGE_SIZE), 0);
		KUNIT_EXPECT_TRUE(test, !memchr_inv(buf, 0, PAGE_SIZE));
	}
}

/*
 * The CPU writes coherent pages in place, without migrate_to_ram(), and
 * the device sees the bytes; the device writes them and the CPU sees its
 * bytes.
 */
static void cpu_and_device_share_pages(struct kunit *test)
{
	struct umdevmem *dev = coh[0];
	struct umdevmem_stats before, after;
	struct page *dpages[NPAGES];
	unsigned long addr, i;

	addr = dmk_map_on_device(test, dev, NPAGES, 2, false);
	for (i = 0; i < NPAGES; i++)
		dpages[i] = page_at(test, addr, i);
	before = dmk_stats(dev);
	dmk_fill(test, addr, NPAGES, 3);
	after = dmk_stats(dev);

	KUNIT_EXPECT_EQ(test, after.to_ram_calls, before.to_ram_calls);
	KUNIT_EXPECT_EQ(test, after.allocated, before.allocated);
	KUNIT_EXPECT_EQ(test, after.freed, before.freed);
	for (i = 0; i < NPAGES; i++) {
		KUNIT_EXPECT_PTR_EQ(test, page_at(test, addr, i), dpages[i]);
		dmk_expect_device_data(test, dpages[i], 3, i);
	}

	for (i = 0; i < NPAGES; i++) {
		struct page *src = dmk_pattern_page(test, 4, i);
		struct page *dst = dpages[i];

		KUNIT_EXPECT_EQ(test, umdevmem_copy_to_device(&dst, &src, 1), 1);
	}
	dmk_expect_data(test, addr, NPAGES, 4);
	dmk_expect_on_device(test, dev, addr, NPAGES);
}

/*
 * A user process would map the file and offset phys_mapping() gives for a
 * page: they hold what the CPU wrote through the kernel's mapping.
 */
static void user_mapping_file(struct kunit *test)
{
	u8 *buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	unsigned long addr, i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	addr = dmk_map_on_device(test, coh[1], NPAGES, 5, false);
	dmk_fill(test, addr, NPAGES, 15);
	for (i = 0; i < NPAGES; i++) {
		struct page *page = page_at(test, addr, i);
		unsigned long long off;
		int fd;

		KUNIT_EXPECT_PTR_EQ(test, umdevmem_page_device(page), coh[1]);
		fd = phys_mapping(page_to_phys(page), &off);
		KUNIT_ASSERT_GE(test, fd, 0);
		KUNIT_ASSERT_EQ(test, os_pread_file(fd, buf, PAGE_SIZE, off),
				PAGE_SIZE);
		KUNIT_EXPECT_EQ_MSG(test, dmk_mismatch(buf, 15, i), PAGE_SIZE,
				    "host file behind page %lu differs", i);
	}
}

/* Back to system memory only with SELECT_DEVICE_COHERENT and the owner. */
static void back_to_system_by_owner(struct kunit *test)
{
	struct umdevmem *dev = coh[0];
	struct mm_struct *mm = current->mm;
	struct umdevmem_migrate_result res;
	struct umdevmem_stats before, after;
	unsigned long addr, end;

	addr = dmk_map_on_device(test, dev, NPAGES, 6, false);
	end = addr + NPAGES * PAGE_SIZE;
	before = dmk_stats(dev);

	KUNIT_EXPECT_EQ(test, umdevmem_migrate_to_system(dev, mm, addr, end,
			MIGRATE_VMA_SELECT_DEVICE_COHERENT,
			umdevmem_owner(coh[1]), &res), 0);
	KUNIT_EXPECT_EQ(test, res.cpages, 0);
	KUNIT_EXPECT_EQ(test, umdevmem_migrate_to_system(dev, mm, addr, end,
			MIGRATE_VMA_SELECT_DEVICE_PRIVATE, NULL, &res), 0);
	KUNIT_EXPECT_EQ(test, res.cpages, 0);
	KUNIT_EXPECT_EQ(test, umdevmem_migrate_to_system(dev, mm, addr, end,
			MIGRATE_VMA_SELECT_SYSTEM, NULL, &res), 0);
	KUNIT_EXPECT_EQ(test, res.cpages, 0);
	dmk_expect_on_device(test, dev, addr, NPAGES);

	KUNIT_EXPECT_EQ(test, umdevmem_migrate_to_system(dev, mm, addr, end,
			MIGRATE_VMA_SELECT_DEVICE_COHERENT, NULL, &res), 0);
	after = dmk_stats(dev);
	KUNIT_EXPECT_EQ(test, res.cpages, NPAGES);
	KUNIT_EXPECT_EQ(test, res.migrated, NPAGES);
	KUNIT_EXPECT_EQ(test, after.copied_to_ram - before.copied_to_ram,
			NPAGES);
	KUNIT_EXPECT_EQ(test, after.freed - before.freed, NPAGES);
	KUNIT_EXPECT_EQ(test, after.to_ram_calls, before.to_ram_calls);
	dmk_expect_on_system(test, addr, NPAGES);
	dmk_expect_data(test, addr, NPAGES, 6);
}

/* Coherent to another coherent device, then to a device-private one. */
static void coherent_to_other_devices(struct kunit *test)
{
	struct umdevmem *priv = dmk(test)->dev[0];
	struct umdevmem_migrate_result res;
	struct umdevmem_stats a0, a1, b0, b1, p0, p1;
	unsigned long addr;

	addr = dmk_map_on_device(test, coh[0], NPAGES, 7, false);
	a0 = dmk_stats(coh[0]);
	b0 = dmk_stats(coh[1]);
	res = dmk_migrate(test, coh[1], addr, NPAGES,
			  MIGRATE_VMA_SELECT_DEVICE_COHERENT,
			  umdevmem_owner(coh[0]));
	KUNIT_EXPECT_EQ(test, res.migrated, NPAGES);
	dmk_expect_on_device(test, coh[1], addr, NPAGES);
	dmk_expect_device_data(test, page_at(test, addr, 0), 7, 0);

	p0 = dmk_stats(priv);
	res = dmk_migrate(test, priv, addr, NPAGES,
			  MIGRATE_VMA_SELECT_DEVICE_COHERENT,
			  umdevmem_owner(coh[1]));
	KUNIT_EXPECT_EQ(test, res.migrated, NPAGES);
	dmk_expect_on_device(test, priv, addr, NPAGES);
	a1 = dmk_stats(coh[0]);
	b1 = dmk_stats(coh[1]);
	KUNIT_EXPECT_EQ(test, a1.freed - a0.freed, NPAGES);
	KUNIT_EXPECT_EQ(test, b1.allocated - b0.allocated, NPAGES);
	KUNIT_EXPECT_EQ(test, b1.freed - b0.freed, NPAGES);

	/* device-private pages come back on CPU faults */
	dmk_expect_data(test, addr, NPAGES, 7);
	p1 = dmk_stats(priv);
	KUNIT_EXPECT_EQ(test, p1.to_ram_pages - p0.to_ram_pages, NPAGES);
	dmk_expect_on_system(test, addr, NPAGES);
}

/*
 * A FOLL_LONGTERM pin must not hold device memory: the page is migrated
 * out first and the pin holds a system page.  A short-term pin holds the
 * coherent page where it is, and while it does, the page cannot be
 * migrated out for a long-term pin, which fails with -EBUSY.
 */
static void longterm_pin_migrates_out(struct kunit *test)
{
	struct umdevmem *dev = coh[0];
	struct umdevmem_stats before, after;
	struct page *longterm, *pinned, *busy = NULL, *dpage;
	unsigned long addr;
	long ret;

	addr = dmk_map_on_device(test, dev, 2, 8, false);
	dpage = page_at(test, addr, 1);
	before = dmk_stats(dev);
	longterm = dmk_pin(test, addr, FOLL_WRITE | FOLL_LONGTERM);
	KUNIT_ASSERT_NOT_NULL(test, longterm);
	pinned = dmk_pin(test, addr + PAGE_SIZE, FOLL_WRITE);
	KUNIT_ASSERT_NOT_NULL(test, pinned);
	ret = pin_user_pages_fast(addr + PAGE_SIZE, 1,
				  FOLL_WRITE | FOLL_LONGTERM, &busy);
	if (ret == 1)
		unpin_user_page(busy);
	KUNIT_EXPECT_EQ(test, ret, -EBUSY);
	after = dmk_stats(dev);

	KUNIT_EXPECT_FALSE(test, is_zone_device_page(longterm));
	KUNIT_EXPECT_PTR_EQ(test, page_at(test, addr, 0), longterm);
	KUNIT_EXPECT_EQ(test, after.freed - before.freed, 1);
	KUNIT_EXPECT_PTR_EQ(test, pinned, dpage);
	KUNIT_EXPECT_PTR_EQ(test, page_at(test, addr, 1), dpage);
	dmk_unpin(test, longterm);
	dmk_unpin(test, pinned);
	dmk_expect_data(test, addr, 2, 8);
}

static void evict_mapped_pages(struct kunit *test)
{
	struct umdevmem *dev = coh[1];
	struct umdevmem_stats before, after;
	unsigned long addr;

	addr = dmk_map_on_device(test, dev, NPAGES, 9, false);
	before = dmk_stats(dev);
	KUNIT_EXPECT_EQ(test, umdevmem_evict(dev), NPAGES);
	after = dmk_stats(dev);
	KUNIT_EXPECT_EQ(test, after.evicted - before.evicted, NPAGES);
	KUNIT_EXPECT_EQ(test, after.freed - before.freed, NPAGES);
	dmk_expect_on_system(test, addr, NPAGES);
	dmk_expect_data(test, addr, NPAGES, 9);
}

/*
 * fork() shares coherent pages copy-on-write like any anonymous page: the
 * child's write gets it system pages, the parent keeps its coherent ones.
 */
static void fork_shares_coherent_pages(struct kunit *test)
{
	struct umdevmem *dev = coh[0];
	struct dmk_child c = { .seed = 10, .new_seed = 11 };
	struct page *dpages[DMK_CHILD_PAGES];
	struct umdevmem_stats before, after;
	unsigned long i;

	c.addr = dmk_map_on_device(test, dev, DMK_CHILD_PAGES, c.seed, false);
	for (i = 0; i < DMK_CHILD_PAGES; i++)
		dpages[i] = page_at(test, c.addr, i);
	before = dmk_stats(dev);
	dmk_run_child(test, &c);
	after = dmk_stats(dev);

	for (i = 0; i < DMK_CHILD_PAGES; i++) {
		KUNIT_EXPECT_EQ(test, c.before[i].kind, DMK_COHERENT);
		KUNIT_EXPECT_PTR_EQ(test, c.before[i].page, dpages[i]);
		KUNIT_EXPECT_FALSE(test, c.before[i].write);
		KUNIT_EXPECT_PTR_EQ(test, page_at(test, c.addr, i), dpages[i]);
	}
	KUNIT_EXPECT_EQ(test, c.bad_read, 0);
	KUNIT_EXPECT_EQ(test, c.bad_write, 0);
	KUNIT_EXPECT_EQ(test, c.bad_reread, 0);
	KUNIT_EXPECT_EQ(test, after.freed, before.freed);
	KUNIT_EXPECT_EQ(test, after.to_ram_calls, before.to_ram_calls);
	dmk_expect_data(test, c.addr, DMK_CHILD_PAGES, c.seed);
}

static void munmap_frees_pages(struct kunit *test)
{
	struct umdevmem *dev = coh[1];
	struct umdevmem_stats before, after;
	unsigned long addr;

	addr = dmk_map_on_device(test, dev, NPAGES, 12, false);
	before = dmk_stats(dev);
	KUNIT_EXPECT_EQ(test, dmk_munmap(addr, NPAGES), 0);
	after = dmk_stats(dev);
	KUNIT_EXPECT_EQ(test, after.freed - before.freed, NPAGES);
	KUNIT_EXPECT_EQ(test, after.free_pages - before.free_pages, NPAGES);
}

/*
 * hmm_range_fault() reports coherent pages, the device's own and another
 * device's alike, as ordinary present pages and faults nothing back.
 */
static void hmm_reports_coherent_pages(struct kunit *test)
{
	unsigned long pfns[NPAGES], addr, i, last;
	struct umdevmem_stats before, after;
	struct umdevmem_migrate_result res;

	addr = dmk_map_on_device(test, coh[0], NPAGES, 13, false);
	last = addr + (NPAGES - 1) * PAGE_SIZE;
	res = dmk_migrate(test, coh[1], last, 1,
			  MIGRATE_VMA_SELECT_DEVICE_COHERENT,
			  umdevmem_owner(coh[0]));
	KUNIT_ASSERT_EQ(test, res.migrated, 1);
	KUNIT_ASSERT_EQ(test, dmk_mprotect(addr + PAGE_SIZE, 1, PROT_READ), 0);
	before = dmk_stats(coh[0]);
	KUNIT_ASSERT_EQ(test, dmk_hmm_snapshot(test, addr, NPAGES, pfns,
					       HMM_PFN_REQ_FAULT, NULL), 0);
	after = dmk_stats(coh[0]);

	for (i = 0; i < NPAGES; i++) {
		struct page *page = hmm_pfn_to_page(pfns[i]);

		KUNIT_EXPECT_TRUE(test, pfns[i] & HMM_PFN_VALID);
		KUNIT_EXPECT_EQ(test, !!(pfns[i] & HMM_PFN_WRITE), i != 1);
		KUNIT_EXPECT_PTR_EQ(test, page, page_at(test, addr, i));
		KUNIT_EXPECT_PTR_EQ(test, umdevmem_page_device(page),
				    coh[i == NPAGES - 1]);
	}
	KUNIT_EXPECT_EQ(test, after.freed, before.freed);
	dmk_expect_data(test, addr, NPAGES, 13);
}

KUNIT_DEFINE_ACTION_WRAPPER(release_window, um_release_device_window,
			    struct resource *);

/* A part of UML's device window, given back by KUnit. */
static struct resource *window(struct kunit *test, unsigned long size,
			       const char *name)
{
	struct resource *res = um_request_device_window(size, name);

	KUNIT_ASSERT_FALSE(test, IS_ERR(res));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, release_window,
							res), 0);
	return res;
}

/* The window takes device memory only: hot-adding RAM stays refused. */
static void ram_hot_add_refused(struct kunit *test)
{
	struct resource *res = window(test, SZ_16M, "umdevmem-ram-test");

	KUNIT_EXPECT_EQ(test, add_memory(0, res->start, resource_size(res),
					 MHP_NONE), -EOPNOTSUPP);
	kunit_release_action(test, release_window, res);
	KUNIT_EXPECT_EQ(test, add_memory(0, SZ_32G, SZ_16M, MHP_NONE),
			-EOPNOTSUPP);
}

static void full_window_refused(struct kunit *test)
{
	struct umdevmem *dev;

	dev = umdevmem_create_coherent("umdevmem-huge", SZ_1G >> PAGE_SHIFT);
	KUNIT_EXPECT_TRUE(test, IS_ERR(dev));
	if (!IS_ERR(dev))
		umdevmem_destroy(dev);
	else
		KUNIT_EXPECT_EQ(test, PTR_ERR(dev), -EBUSY);
}

/*
 * Destroying a device with mapped pages evicts them first; the next
 * device on the same part of the window starts from zeroed memory.
 */
static void destroy_and_reuse_window(struct kunit *test)
{
	struct umdevmem *dev;
	unsigned long addr, first_pfn;

	dev = dmk_create_coherent(test, "umdevmem-coh2", COHERENT_PAGES);
	first_pfn = umdevmem_first_pfn(dev);
	addr = dmk_map_on_device(test, dev, NPAGES, 14, false);
	KUNIT_ASSERT_TRUE(test, dmk_destroy(test, dev));
	dmk_expect_on_system(test, addr, NPAGES);
	dmk_expect_data(test, addr, NPAGES, 14);

	dev = dmk_create_coherent(test, "umdevmem-coh2", COHERENT_PAGES);
	KUNIT_EXPECT_EQ(test, umdevmem_first_pfn(dev), first_pfn);
	dmk_expect_zero_device_page(test, pfn_to_page(first_pfn));
	KUNIT_EXPECT_TRUE(test, dmk_destroy(test, dev));
}

KUNIT_DEFINE_ACTION_WRAPPER(unmap_pages, memunmap_pages, struct dev_pagemap *);

/*
 * Device memory of a type migration does not handle, a
 * MEMORY_DEVICE_GENERIC pgmap on the window, offered as dst: the hole is
 * not filled, the system page does not move, and finalize hands the dst
 * pages back.
 */
static void generic_pgmap_dst_refused(struct kunit *test)
{
	struct resource *res = window(test, SZ_16M, "umdevmem-generic");
	struct page *gen[2], *sys;
	struct dev_pagemap *pgmap;
	struct migrate_vma *args;
	unsigned long addr, i;

	pgmap = kunit_kzalloc(test, sizeof(*pgmap), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pgmap);
	pgmap->type = MEMORY_DEVICE_GENERIC;
	pgmap->range.start = res->start;
	pgmap->range.end = res->end;
	pgmap->nr_range = 1;
	KUNIT_ASSERT_FALSE(test, IS_ERR(memremap_pages(pgmap, NUMA_NO_NODE)));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, unmap_pages,
							pgmap), 0);
	gen[0] = pfn_to_page(PHYS_PFN(res->start));
	gen[1] = gen[0] + 1;

	/* page 0 a hole, page 1 a system page */
	addr = dmk_mmap(test, 2, PROT_READ | PROT_WRITE);
	dmk_fill(test, addr + PAGE_SIZE, 1, 16);
	sys = page_at(test, addr, 1);
	args = dmk_args(test, addr, 2, MIGRATE_VMA_SELECT_SYSTEM, NULL);
	KUNIT_ASSERT_EQ(test, dmk_setup(test, args), 0);
	KUNIT_EXPECT_EQ(test, args->cpages, 2);
	for (i = 0; i < 2; i++) {
		/* as a driver's dst page: locked, one reference */
		get_page(gen[i]);
		lock_page(gen[i]);
		args->dst[i] = migrate_pfn(page_to_pfn(gen[i]));
	}
	dmk_pages_finalize(test, args);

	for (i = 0; i < 2; i++) {
		KUNIT_EXPECT_FALSE(test, args->src[i] & MIGRATE_PFN_MIGRATE);
		KUNIT_EXPECT_EQ(test, page_ref_count(gen[i]), 1);
		KUNIT_EXPECT_FALSE(test, PageLocked(gen[i]));
	}
	KUNIT_EXPECT_EQ(test, dmk_lookup(test, addr).kind, DMK_NONE);
	KUNIT_EXPECT_PTR_EQ(test, page_at(test, addr, 1), sys);
	dmk_expect_data(test, addr + PAGE_SIZE, 1, 16);
}

static struct kunit_case coherent_cases[] = {
	KUNIT_CASE(anon_to_coherent),
	KUNIT_CASE(holes_to_coherent),
	KUNIT_CASE(cpu_and_device_share_pages),
	KUNIT_CASE(user_mapping_file),
	KUNIT_CASE(back_to_system_by_owner),
	KUNIT_CASE(coherent_to_other_devices),
	KUNIT_CASE(longterm_pin_migrates_out),
	KUNIT_CASE(evict_mapped_pages),
	KUNIT_CASE(fork_shares_coherent_pages),
	KUNIT_CASE(munmap_frees_pages),
	KUNIT_CASE(hmm_reports_coherent_pages),
	KUNIT_CASE(ram_hot_add_refused),
	KUNIT_CASE(full_window_refused),
	KUNIT_CASE(destroy_and_reuse_window),
	KUNIT_CASE(generic_pgmap_dst_refused),
	{}
};

static struct kunit_suite coherent_suite = {
	.name = "umdevmem_coherent",
	.suite_init = coherent_suite_init,
	.suite_exit = coherent_suite_exit,
	.init = coherent_init,
	.exit = dmk_exit,
	.test_cases = coherent_cases,
};
kunit_test_suite(coherent_suite);
