// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem suite umdevmem_abort: a case that fails an assertion while
 * it holds things must leave nothing behind, because KUnit owns them
 * (dmk.h).  Each case takes one kind of resource, then reaches its abort
 * point: with umdevmem_abort.abort=1 on the kernel command line it fails
 * an assertion there, as a case on a broken kernel does; by default it
 * goes on and ends normally.  Either way KUnit releases what the case
 * holds, and the case's own leak check (the devices back at their free
 * pages) must pass.  The suite runs first; nothing_left_behind, its last
 * case, and every later suite check that the run goes on cleanly.
 * tests/abort_selftest.sh boots with abort=1 and checks that exactly the
 * abort cases failed, each only at its abort point.
 */
#include <linux/delay.h>
#include <linux/mman.h>
#include <linux/moduleparam.h>
#include "dmk.h"

#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "umdevmem_abort."

static bool abort_cases;
module_param_named(abort, abort_cases, bool, 0444);
MODULE_PARM_DESC(abort, "fail every abort case at its abort point");

#define ABORT_PAGES 8

static void abort_point(struct kunit *test)
{
	KUNIT_ASSERT_FALSE_MSG(test, abort_cases,
			       "deliberate abort (umdevmem_abort.abort=1)");
}

/* Pages on both devices, mapped by the case's mm. */
static void abort_with_device_pages(struct kunit *test)
{
	dmk_map_on_device(test, dmk(test)->dev[0], ABORT_PAGES, 1, false);
	dmk_map_on_device(test, dmk(test)->dev[1], ABORT_PAGES / 2, 2, true);
	abort_point(test);
}

/* Between setup and finalize: pages locked, migration entries. */
static void abort_with_migration_collected(struct kunit *test)
{
	struct migrate_vma *args;
	unsigned long addr;

	addr = dmk_mmap(test, ABORT_PAGES, PROT_READ | PROT_WRITE);
	dmk_fill(test, addr, ABORT_PAGES, 3);
	args = dmk_args(test, addr, ABORT_PAGES, MIGRATE_VMA_SELECT_SYSTEM,
			umdevmem_owner(dmk(test)->dev[0]));
	KUNIT_ASSERT_EQ(test, dmk_setup(test, args), 0);
	KUNIT_EXPECT_EQ(test, args->cpages, ABORT_PAGES);
	abort_point(test);
	dmk_pages_finalize(test, args);
	dmk_expect_data(test, addr, ABORT_PAGES, 3);
}

/* ... and with the device's pages as destinations, locked. */
static void abort_with_destinations(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[1];
	struct page *dpages[ABORT_PAGES];
	struct migrate_vma *args;
	unsigned long addr;

	addr = dmk_mmap(test, ABORT_PAGES, PROT_READ | PROT_WRITE);
	dmk_fill(test, addr, ABORT_PAGES, 4);
	args = dmk_args(test, addr, ABORT_PAGES, MIGRATE_VMA_SELECT_SYSTEM,
			umdevmem_owner(dev));
	KUNIT_ASSERT_EQ(test, dmk_setup(test, args), 0);
	KUNIT_EXPECT_EQ(test, dmk_alloc_and_copy(test, dev, args, dpages),
			ABORT_PAGES);
	abort_point(test);
	dmk_pages_finalize(test, args);
	dmk_expect_on_device(test, dev, addr, ABORT_PAGES);
}

/* A page lock, a reference and a pin of system pages; a device page too. */
static void abort_with_page_held(struct kunit *test)
{
	unsigned long addr = dmk_map_on_device(test, dmk(test)->dev[0], 2, 5,
					       false);
	struct page *dpage = dmk_lookup(test, addr).page, *sys;

	KUNIT_ASSERT_NOT_NULL(test, dpage);
	dmk_lock_page(test, dpage);
	dmk_get_page(test, dpage);
	sys = dmk_pin(test, addr + PAGE_SIZE, FOLL_WRITE | FOLL_LONGTERM);
	KUNIT_ASSERT_NOT_NULL(test, sys);
	dmk_lock_page(test, sys);
	abort_point(test);
}

static long abort_migrate_slowly(void *arg)
{
	struct umdevmem *dev = umdevmem_get(0);
	struct umdevmem_migrate_result res;
	unsigned long addr = (unsigned long)arg;

	return umdevmem_migrate_to_device(dev, current->mm, addr,
					  addr + ABORT_PAGES * PAGE_SIZE,
					  MIGRATE_VMA_SELECT_SYSTEM, NULL,
					  &res) ?: res.migrated;
}

/* A thread in the middle of a migration with slow DMA. */
static void abort_with_thread_running(struct kunit *test)
{
	unsigned long addr = dmk_mmap(test, ABORT_PAGES, PROT_READ | PROT_WRITE);
	struct dmk_thread *t;

	dmk_fill(test, addr, ABORT_PAGES, 6);
	umdevmem_set_dma_latency(dmk(test)->dev[0], 200000);
	t = dmk_thread_start(test, abort_migrate_slowly, (void *)addr,
			     "dmk-abort");
	msleep(20);
	abort_point(test);
	KUNIT_EXPECT_EQ(test, dmk_thread_wait(t, 30 * HZ), ABORT_PAGES);
}

/* Fault injection armed and a long DMA latency: the next case gets neither. */
static void abort_with_injection_armed(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];

	umdevmem_fail_alloc(dev, 1);
	umdevmem_fail_copy(dev, 1);
	umdevmem_fail_alloc_huge(dev, 1);
	umdevmem_set_dma_latency(dev, 1000000);
	abort_point(test);
}

/* A device of the case's own, with pages mapped on it. */
static void abort_with_own_device(struct kunit *test)
{
	struct umdevmem *dev = dmk_create(test, "umdevmem-abort", ABORT_PAGES);

	dmk_map_on_device(test, dev, ABORT_PAGES, 7, false);
	abort_point(test);
}

/* A coherent device on UML's device window, with pages mapped on it. */
static void abort_with_coherent_device(struct kunit *test)
{
	struct umdevmem *dev;

	dev = dmk_create_coherent(test, "umdevmem-abort-coh", ABORT_PAGES);
	dmk_map_on_device(test, dev, ABORT_PAGES, 8, false);
	abort_point(test);
}

/* After all of that: every device whole, nothing armed, no slow DMA. */
static void nothing_left_behind(struct kunit *test)
{
	struct umdevmem_migrate_result res;
	unsigned long addr;
	int i;

	for (i = 0; i < DMK_DEVICES; i++) {
		struct umdevmem_stats s = dmk_stats(dmk(test)->dev[i]);

		KUNIT_EXPECT_EQ_MSG(test, s.free_pages, s.total_pages,
				    "%s: pages in use",
				    umdevmem_name(dmk(test)->dev[i]));
	}
	addr = dmk_mmap(test, ABORT_PAGES, PROT_READ | PROT_WRITE);
	dmk_fill(test, addr, ABORT_PAGES, 9);
	res = dmk_migrate(test, dmk(test)->dev[0], addr, ABORT_PAGES,
			  MIGRATE_VMA_SELECT_SYSTEM, NULL);
	KUNIT_EXPECT_EQ(test, res.migrated, ABORT_PAGES);
	dmk_expect_data(test, addr, ABORT_PAGES, 9);
}

static struct kunit_case abort_cases_table[] = {
	KUNIT_CASE(abort_with_device_pages),
	KUNIT_CASE(abort_with_migration_collected),
	KUNIT_CASE(abort_with_destinations),
	KUNIT_CASE(abort_with_page_held),
	KUNIT_CASE(abort_with_thread_running),
	KUNIT_CASE(abort_with_injection_armed),
	KUNIT_CASE(abort_with_own_device),
	KUNIT_CASE(abort_with_coherent_device),
	KUNIT_CASE(nothing_left_behind),
	{}
};

static struct kunit_suite abort_suite = {
	.name = "umdevmem_abort",
	.init = dmk_init,
	.exit = dmk_exit,
	.suite_exit = dmk_suite_exit,
	.test_cases = abort_cases_table,
};
kunit_test_suite(abort_suite);
