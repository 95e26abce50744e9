// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem suite umdevmem_collect: what migrate_vma_setup() does with
 * entries it cannot or must not take.  The zero page without
 * MIGRATE_VMA_SELECT_SYSTEM, a page somebody else holds locked (trylock
 * fails), a device-exclusive entry (not device-private), shmem pages
 * (collected and unmapped, then refused by migrate_vma_pages() because
 * they are not anonymous), a page already isolated from the LRU
 * (restored by the unmap step) and a MAP_PRIVATE file mapping.
 */
#include <linux/migrate.h>
#include <linux/mman.h>
#include <linux/pagemap.h>
#include <linux/rmap.h>
#include "dmk.h"
/* folio_isolate_lru() and folio_putback_lru(), as mm's own tests use */
#include "internal.h"

#define NPAGES 4
#define VICTIM 2

/* Only MIGRATE_VMA_SELECT_SYSTEM takes the zero page. */
static void zero_page_needs_select_system(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	struct migrate_vma *args;
	unsigned long addr, i;
	u8 byte;

	addr = dmk_mmap(test, NPAGES, PROT_READ | PROT_WRITE);
	for (i = 0; i < NPAGES; i++)
		KUNIT_ASSERT_EQ(test, get_user(byte, (u8 __user *)addr +
					       i * PAGE_SIZE), 0);
	args = dmk_args(test, addr, NPAGES,
			MIGRATE_VMA_SELECT_DEVICE_PRIVATE, umdevmem_owner(dev));
	KUNIT_ASSERT_EQ(test, dmk_setup(test, args), 0);
	KUNIT_EXPECT_EQ(test, args->npages, NPAGES);
	KUNIT_EXPECT_EQ(test, args->cpages, 0);
	for (i = 0; i < NPAGES; i++) {
		KUNIT_EXPECT_EQ_MSG(test, args->src[i], 0, "src[%lu]", i);
		KUNIT_EXPECT_EQ(test, dmk_lookup(test, addr + i * PAGE_SIZE).kind,
				DMK_ZERO);
	}
}

/* migrate_vma_setup() only trylocks: a locked page is not collected. */
static void locked_page_is_skipped(struct kunit *test)
{
	struct umdevmem_migrate_result res;
	struct page *victim;
	unsigned long addr;

	addr = dmk_mmap(test, NPAGES, PROT_READ | PROT_WRITE);
	dmk_fill(test, addr, NPAGES, 93);
	victim = dmk_lookup(test, addr + VICTIM * PAGE_SIZE).page;
	KUNIT_ASSERT_NOT_NULL(test, victim);
	dmk_lock_page(test, victim);
	res = dmk_migrate(test, dmk(test)->dev[0], addr, NPAGES,
			  MIGRATE_VMA_SELECT_SYSTEM, NULL);
	KUNIT_EXPECT_TRUE(test, PageLocked(victim));
	dmk_unlock_page(test, victim);
	KUNIT_EXPECT_EQ(test, res.cpages, NPAGES - 1);
	KUNIT_EXPECT_EQ(test, res.migrated, NPAGES - 1);
	dmk_expect_all_but_one(test, addr, NPAGES, VICTIM, victim, 93);
}

/*
 * make_device_exclusive() replaces the pte with a device-exclusive
 * entry: not device-private, so migration leaves it; a CPU access
 * restores the page.
 */
static void exclusive_entry_is_skipped(struct kunit *test)
{
	unsigned long addr, victim_addr;
	struct umdevmem_migrate_result res;
	struct page *victim;
	u8 byte;

	addr = dmk_mmap(test, NPAGES, PROT_READ | PROT_WRITE);
	dmk_fill(test, addr, NPAGES, 94);
	victim_addr = addr + VICTIM * PAGE_SIZE;
	victim = dmk_make_exclusive(test, victim_addr);
	KUNIT_ASSERT_NOT_NULL(test, victim);
	KUNIT_ASSERT_EQ(test, dmk_lookup(test, victim_addr).kind, DMK_EXCLUSIVE);

	res = dmk_migrate(test, dmk(test)->dev[0], addr, NPAGES,
			  MIGRATE_VMA_SELECT_SYSTEM, NULL);
	KUNIT_EXPECT_EQ(test, res.cpages, NPAGES - 1);
	KUNIT_EXPECT_EQ(test, res.migrated, NPAGES - 1);
	KUNIT_EXPECT_EQ(test, dmk_lookup(test, victim_addr).kind, DMK_EXCLUSIVE);
	/* a CPU read faults the exclusive entry back to the page */
	KUNIT_EXPECT_EQ(test, get_user(byte, (u8 __user *)victim_addr), 0);
	KUNIT_EXPECT_EQ(test, byte, dmk_byte(94, VICTIM, 0));
	dmk_expect_all_but_one(test, addr, NPAGES, VICTIM, victim, 94);
}

/*
 * Shared anonymous memory is shmem: its pages are collected and unmapped
 * (not anon-exclusive, so with a plain migration entry), but only
 * anonymous pages may move to device-private memory, so migrate_vma_pages()
 * refuses them and finalize maps them back, writable or read-only as
 * they were.
 */
static void shmem_pages_are_restored(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	struct page *dpages[NPAGES], *shm[NPAGES];
	struct migrate_vma *args;
	unsigned long addr, i;
	int round;

	addr = dmk_mmap_shared(test, NPAGES, PROT_READ | PROT_WRITE);
	dmk_fill(test, addr, NPAGES, 95);
	for (i = 0; i < NPAGES; i++) {
		shm[i] = dmk_lookup(test, addr + i * PAGE_SIZE).page;
		KUNIT_ASSERT_NOT_NULL(test, shm[i]);
		KUNIT_ASSERT_FALSE(test, PageAnon(shm[i]));
	}

	for (round = 0; round < 2; round++) {
		bool writable = round == 0;

		if (!writable)
			KUNIT_ASSERT_EQ(test, dmk_mprotect(addr, NPAGES,
							   PROT_READ), 0);
		args = dmk_args(test, addr, NPAGES,
				MIGRATE_VMA_SELECT_SYSTEM, umdevmem_owner(dev));
		KUNIT_ASSERT_EQ(test, dmk_setup(test, args), 0);
		KUNIT_EXPECT_EQ(test, args->cpages, NPAGES);
		for (i = 0; i < NPAGES; i++) {
			KUNIT_EXPECT_TRUE(test, args->src[i] & MIGRATE_PFN_MIGRATE);
			KUNIT_EXPECT_EQ(test, !!(args->src[i] & MIGRATE_PFN_WRITE),
					writable);
			KUNIT_EXPECT_EQ(test, dmk_lookup(test, addr + i * PAGE_SIZE).kind,
					DMK_MIGRATION);
		}
		dmk_alloc_and_copy(test, dev, args, dpages);
		dmk_pages_finalize(test, args);
		for (i = 0; i < NPAGES; i++) {
			struct dmk_pte p = dmk_lookup(test, addr + i * PAGE_SIZE);

			KUNIT_EXPECT_FALSE_MSG(test,
					       args->src[i] & MIGRATE_PFN_MIGRATE,
					       "round %d page %lu", round, i);
			KUNIT_EXPECT_EQ(test, p.kind, DMK_SYSTEM);
			KUNIT_EXPECT_PTR_EQ(test, p.page, shm[i]);
			KUNIT_EXPECT_EQ(test, p.write, writable);
		}
		dmk_expect_data(test, addr, NPAGES, 95);
	}
}

KUNIT_DEFINE_ACTION_WRAPPER(putback_lru_action, folio_putback_lru,
			    struct folio *);

/*
 * A page somebody else has taken off the LRU (compaction, another
 * migration) cannot be isolated: the unmap step restores it.
 */
static void isolated_page_is_restored(struct kunit *test)
{
	struct umdevmem_migrate_result res;
	struct folio *folio;
	struct page *victim;
	unsigned long addr;

	addr = dmk_mmap(test, NPAGES, PROT_READ | PROT_WRITE);
	dmk_fill(test, addr, NPAGES, 96);
	victim = dmk_lookup(test, addr + VICTIM * PAGE_SIZE).page;
	KUNIT_ASSERT_NOT_NULL(test, victim);
	folio = page_folio(victim);
	lru_add_drain();
	KUNIT_ASSERT_TRUE(test, umdevmem_isolate_lru(folio));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
				putback_lru_action, folio), 0);
	res = dmk_migrate(test, dmk(test)->dev[0], addr, NPAGES,
			  MIGRATE_VMA_SELECT_SYSTEM, NULL);
	KUNIT_EXPECT_FALSE(test, folio_test_lru(folio));
	kunit_release_action(test, putback_lru_action, folio);
	/* collected, then restored by the unmap step, which sets cpages */
	KUNIT_EXPECT_EQ(test, res.cpages, NPAGES - 1);
	KUNIT_EXPECT_EQ(test, res.migrated, NPAGES - 1);
	dmk_expect_all_but_one(test, addr, NPAGES, VICTIM, victim, 96);
}

/*
 * A MAP_PRIVATE file mapping (a shmem file here): pages written there are
 * anonymous copies and move to the device; a page only read is the file's
 * page cache page, collected and then refused; a never-touched page is a
 * hole in a VMA that is not anonymous and is not even collected.
 */
static void private_file_cow_pages_move(struct kunit *test)
{
	enum { COW0, COW1, CACHE, UNTOUCHED };
	struct umdevmem *dev = dmk(test)->dev[0];
	struct umdevmem_migrate_result res;
	struct page *cache_page;
	unsigned long addr;
	u8 byte = 0xff;

	addr = dmk_mmap_private_file(test, NPAGES);
	dmk_fill(test, addr, CACHE, 97);
	KUNIT_ASSERT_EQ(test, get_user(byte, (u8 __user *)addr +
				       CACHE * PAGE_SIZE), 0);
	cache_page = dmk_lookup(test, addr + CACHE * PAGE_SIZE).page;
	KUNIT_ASSERT_NOT_NULL(test, cache_page);
	KUNIT_ASSERT_FALSE(test, PageAnon(cache_page));
	KUNIT_ASSERT_TRUE(test, PageAnon(dmk_lookup(test, addr).page));

	res = dmk_migrate(test, dev, addr, NPAGES, MIGRATE_VMA_SELECT_SYSTEM,
			  NULL);
	KUNIT_EXPECT_EQ(test, res.cpages, CACHE + 1);
	KUNIT_EXPECT_EQ(test, res.migrated, CACHE);
	dmk_expect_on_device(test, dev, addr, CACHE);
	KUNIT_EXPECT_PTR_EQ(test, dmk_lookup(test, addr + CACHE * PAGE_SIZE).page,
			    cache_page);
	KUNIT_EXPECT_EQ(test, dmk_lookup(test, addr + UNTOUCHED * PAGE_SIZE).kind,
			DMK_NONE);
	dmk_expect_data(test, addr, CACHE, 97);
	KUNIT_EXPECT_EQ(test, get_user(byte, (u8 __user *)addr +
				       CACHE * PAGE_SIZE + 5), 0);
	KUNIT_EXPECT_EQ(test, byte, 0);
}

static struct kunit_case collect_cases[] = {
	KUNIT_CASE(zero_page_needs_select_system),
	KUNIT_CASE(locked_page_is_skipped),
	KUNIT_CASE(exclusive_entry_is_skipped),
	KUNIT_CASE(shmem_pages_are_restored),
	KUNIT_CASE(isolated_page_is_restored),
	KUNIT_CASE(private_file_cow_pages_move),
	{}
};

static struct kunit_suite collect_suite = {
	.name = "umdevmem_collect",
	.init = dmk_init,
	.exit = dmk_exit,
	.suite_exit = dmk_suite_exit,
	.test_cases = collect_cases,
};
kunit_test_suite(collect_suite);
