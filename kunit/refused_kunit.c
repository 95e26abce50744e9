// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem suite umdevmem_refused: system pages that migration must
 * leave where they are.  A page somebody else holds a reference to fails
 * the refcount check in migrate_vma_setup()'s unmap step and is restored;
 * a pinned anonymous page cannot drop its exclusive mapping and is not
 * collected at all; a reference taken after the page was unmapped makes
 * migrate_vma_pages() give it up.  The other pages of the range still move.
 */
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include "dmk.h"

#define NPAGES 4
#define VICTIM 1

static void check_refused(struct kunit *test, unsigned long addr,
			  struct page *victim,
			  const struct umdevmem_migrate_result *res)
{
	KUNIT_EXPECT_EQ(test, res->migrated, NPAGES - 1);
	dmk_expect_all_but_one(test, addr, NPAGES, VICTIM, victim, 71);
}

static void extra_reference_is_restored(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	struct umdevmem_migrate_result res;
	struct page *victim;
	unsigned long addr;

	addr = dmk_mmap(test, NPAGES, PROT_READ | PROT_WRITE);
	dmk_fill(test, addr, NPAGES, 71);
	victim = dmk_lookup(test, addr + VICTIM * PAGE_SIZE).page;
	KUNIT_ASSERT_NOT_NULL(test, victim);
	dmk_get_page(test, victim);
	res = dmk_migrate(test, dev, addr, NPAGES, MIGRATE_VMA_SELECT_SYSTEM,
			  NULL);
	/* collected, then refused when the reference count was checked */
	KUNIT_EXPECT_EQ(test, res.cpages, NPAGES - 1);
	check_refused(test, addr, victim, &res);
	dmk_put_page(test, victim);
}

static void pinned_page_is_not_collected(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	struct umdevmem_migrate_result res;
	struct page *victim;
	unsigned long addr;

	addr = dmk_mmap(test, NPAGES, PROT_READ | PROT_WRITE);
	dmk_fill(test, addr, NPAGES, 71);
	victim = dmk_pin(test, addr + VICTIM * PAGE_SIZE, FOLL_WRITE);
	KUNIT_ASSERT_NOT_NULL(test, victim);
	res = dmk_migrate(test, dev, addr, NPAGES, MIGRATE_VMA_SELECT_SYSTEM,
			  NULL);
	KUNIT_EXPECT_EQ(test, res.cpages, NPAGES - 1);
	check_refused(test, addr, victim, &res);
	dmk_unpin(test, victim);
}

/*
 * A reference taken after migrate_vma_setup() unmapped the page: the
 * mapping cannot be moved to the device page (its reference count no
 * longer freezes), so migrate_vma_pages() drops the entry and finalize
 * maps the page back and frees the unused device page.
 */
static void reference_after_setup_is_restored(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	struct umdevmem_migrate_result res = { .npages = NPAGES };
	struct umdevmem_stats before, after;
	struct page *dpages[NPAGES], *victim;
	struct migrate_vma *args;
	unsigned long addr, i;

	addr = dmk_mmap(test, NPAGES, PROT_READ | PROT_WRITE);
	dmk_fill(test, addr, NPAGES, 71);
	victim = dmk_lookup(test, addr + VICTIM * PAGE_SIZE).page;
	KUNIT_ASSERT_NOT_NULL(test, victim);
	before = dmk_stats(dev);
	args = dmk_args(test, addr, NPAGES, MIGRATE_VMA_SELECT_SYSTEM,
			umdevmem_owner(dev));
	KUNIT_ASSERT_EQ(test, dmk_setup(test, args), 0);
	KUNIT_ASSERT_EQ(test, args->cpages, NPAGES);
	for (i = 0; i < NPAGES; i++)
		KUNIT_ASSERT_TRUE(test, args->src[i] & MIGRATE_PFN_MIGRATE);
	dmk_get_page(test, victim);
	dmk_alloc_and_copy(test, dev, args, dpages);
	dmk_pages_finalize(test, args);
	after = dmk_stats(dev);
	dmk_put_page(test, victim);

	for (i = 0; i < NPAGES; i++)
		if (args->src[i] & MIGRATE_PFN_MIGRATE)
			res.migrated++;
	KUNIT_EXPECT_FALSE(test, args->src[VICTIM] & MIGRATE_PFN_MIGRATE);
	KUNIT_EXPECT_EQ(test, after.allocated - before.allocated, NPAGES);
	KUNIT_EXPECT_EQ(test, after.freed - before.freed, 1);
	check_refused(test, addr, victim, &res);
}

static struct kunit_case refused_cases[] = {
	KUNIT_CASE(extra_reference_is_restored),
	KUNIT_CASE(pinned_page_is_not_collected),
	KUNIT_CASE(reference_after_setup_is_restored),
	{}
};

static struct kunit_suite refused_suite = {
	.name = "umdevmem_refused",
	.init = dmk_init,
	.exit = dmk_exit,
	.suite_exit = dmk_suite_exit,
	.test_cases = refused_cases,
};
kunit_test_suite(refused_suite);
