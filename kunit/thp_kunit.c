// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem suite umdevmem_thp: transparent huge pages and device
 * migration on both lines, on UML with "um: transparent huge pages on
 * 64-bit": migrate_vma_setup() without MIGRATE_VMA_SELECT_COMPOUND splits
 * a PMD-mapped THP and collects its base pages, and collects the huge
 * zero page as zero pages (6.12) or holes (7.x); UML's own THP paths
 * (partial munmap, fork, the host side of the TLB sync) keep the data.
 * Device-private PMDs (7.x) are umdevmem_thp_device's.
 *
 * Cases:
 *  - thp_split_during_collection: a THP without SELECT_COMPOUND reaches
 *    the device as 512 base pages;
 *  - split_migration_carries_state: and each carries the PMD's write,
 *    anon-exclusive and dirty state there and back;
 *  - huge_zero_page_split_during_collection: the huge zero page reaches
 *    it as zeroed base pages;
 *  - tlb_sync_maps_huge_pmd_on_host: the mm's host process sees the THP's
 *    data at sampled pages (process_vm_readv()), and -EFAULT after munmap;
 *  - partial_munmap_and_fork_of_thp: the arch side alone.
 */
#include <linux/mman.h>
#include <linux/swap.h>
#include <linux/syscalls.h>
#include <asm/tlbflush.h>
#include <os.h>
#include "dmk.h"
#include "host_view.h"

#define THP_NR		HPAGE_PMD_NR
#define THP_SIZE	HPAGE_PMD_SIZE

/*
 * Without SELECT_COMPOUND the collection splits a PMD-mapped THP
 * (split_folio() in the collection's PMD step) and collects its base
 * pages: every one reaches the device as a base page.
 */
static void thp_split_during_collection(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	struct umdevmem_migrate_result res;
	unsigned long addr = dmk_thp_system(test, 301);

	res = dmk_migrate(test, dev, addr, THP_NR, MIGRATE_VMA_SELECT_SYSTEM,
			  NULL);
	KUNIT_EXPECT_EQ(test, res.cpages, THP_NR);
	KUNIT_EXPECT_EQ(test, res.migrated, THP_NR);
	dmk_thp_expect_ptes(test, addr, DMK_DEVICE);
	dmk_expect_data(test, addr, THP_NR, 301);
	dmk_thp_expect_ptes(test, addr, DMK_SYSTEM);
}

/*
 * What a split migration carries: a written THP, or one MADV_FREE made
 * lazyfree and a write made dirty again, goes to a fresh device (whose
 * pages carry no PG_dirty from an earlier use) as 512 base pages; each
 * device entry holds the PMD's write and anon-exclusive state and each
 * device page its dirty state; back by CPU faults, each pte or folio is
 * dirty again, so that reclaim keeps every byte.
 */
static void split_migration_carries_state(struct kunit *test)
{
	const bool freed = *(const bool *)test->param_value;
	struct umdevmem *dev = dmk_create(test, "umdevmem-thp-state", THP_NR);
	unsigned long addr = dmk_thp_system(test, 311), i;
	unsigned long lost_write = 0, lost_excl = 0, lost_dirty = 0;
	unsigned int seed = freed ? 312 : 311;
	struct dmk_pmd old;

	if (freed) {
		KUNIT_ASSERT_EQ(test, do_madvise(current->mm, addr, THP_SIZE,
						 MADV_FREE), 0);
		lru_add_drain_all();
		dmk_fill(test, addr, THP_NR, seed);
	}
	old = dmk_pmd_lookup(test, addr);
	KUNIT_ASSERT_EQ(test, old.kind, DMK_PMD_SYSTEM);
	KUNIT_EXPECT_TRUE(test, old.write && old.exclusive && old.dirty);

	KUNIT_ASSERT_EQ(test, dmk_migrate(test, dev, addr, THP_NR,
					  MIGRATE_VMA_SELECT_SYSTEM,
					  NULL).migrated, THP_NR);
	for (i = 0; i < THP_NR; i++) {
		struct dmk_pte p = dmk_lookup(test, addr + i * PAGE_SIZE);

		KUNIT_ASSERT_EQ(test, p.kind, DMK_DEVICE);
		lost_write += !p.write;
		lost_excl += !p.exclusive;
		lost_dirty += !dmk_folio_of(p.page).dirty;
	}
	KUNIT_EXPECT_EQ_MSG(test, lost_write, 0, "device entries read-only");
	KUNIT_EXPECT_EQ_MSG(test, lost_excl, 0,
			    "device pages not anon-exclusive");
	KUNIT_EXPECT_EQ_MSG(test, lost_dirty, 0, "device pages clean");

	/* back page by page, by CPU faults */
	dmk_expect_data(test, addr, THP_NR, seed);
	lost_write = lost_excl = lost_dirty = 0;
	for (i = 0; i < THP_NR; i++) {
		struct dmk_pte p = dmk_lookup(test, addr + i * PAGE_SIZE);

		KUNIT_ASSERT_EQ(test, p.kind, DMK_SYSTEM);
		lost_write += !p.write;
		lost_excl += !p.exclusive;
		lost_dirty += !p.dirty && !dmk_folio_of(p.page).dirty;
	}
	KUNIT_EXPECT_EQ_MSG(test, lost_write, 0, "ptes back read-only");
	KUNIT_EXPECT_EQ_MSG(test, lost_excl, 0, "pages back not anon-exclusive");
	KUNIT_EXPECT_EQ_MSG(test, lost_dirty, 0,
			    "pages back with pte and folio clean");
	KUNIT_ASSERT_EQ(test, do_madvise(current->mm, addr, THP_SIZE,
					 MADV_PAGEOUT), 0);
	dmk_expect_data(test, addr, THP_NR, seed);
}

static const bool freed_cases[] = { false, true };

static void freed_desc(const bool *freed, char *desc)
{
	strscpy(desc, *freed ? "freed, written" : "written",
		KUNIT_PARAM_DESC_SIZE);
}
KUNIT_ARRAY_PARAM(freed, freed_cases, freed_desc);

/*
 * The huge zero page without SELECT_COMPOUND: 6.12 splits its PMD
 * (split_huge_pmd()) and collects zero-page ptes, 7.x collects the range
 * as holes; either way every page reaches the device, zeroed.
 */
static void huge_zero_page_split_during_collection(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	unsigned long addr = dmk_thp_mmap(test, 1, true);
	struct umdevmem_migrate_result res;
	u8 byte;

	KUNIT_ASSERT_EQ(test, copy_from_user(&byte, (void __user *)addr, 1), 0);
	KUNIT_ASSERT_EQ_MSG(test, dmk_pmd_lookup(test, addr).kind, DMK_PMD_ZERO,
			    "a read fault mapped no huge zero page");
	res = dmk_migrate(test, dev, addr, THP_NR, MIGRATE_VMA_SELECT_SYSTEM,
			  NULL);
	KUNIT_EXPECT_EQ(test, res.cpages, THP_NR);
	KUNIT_EXPECT_EQ(test, res.migrated, THP_NR);
	dmk_thp_expect_ptes(test, addr, DMK_DEVICE);
	dmk_expect_zero(test, addr, THP_NR);
}

/*
 * The host side of a huge PMD: UML's TLB sync maps the whole PMD_SIZE of
 * the physical memory file into the mm's host process in one mmap, and
 * unmaps it again after munmap().  With no user process to switch to,
 * the test syncs its mm itself and reads the host process from outside.
 */
static void tlb_sync_maps_huge_pmd_on_host(struct kunit *test)
{
	struct mm_struct *mm = current->mm;
	unsigned long addr = dmk_thp_system(test, 323), i;
	int pid = mm->context.id.pid;
	u8 *buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_EQ(test, um_tlb_sync(mm), 0);
	KUNIT_ASSERT_EQ(test, syscall_stub_flush(&mm->context.id), 0);
	for (i = 0; i < THP_NR; i += i < THP_NR - 8 ? 73 : 1) {
		KUNIT_ASSERT_EQ_MSG(test, dmk_host_read(pid, addr + i * PAGE_SIZE,
							buf, PAGE_SIZE), 0,
				    "host read of page %lu", i);
		KUNIT_EXPECT_EQ_MSG(test, dmk_mismatch(buf, 323, i), PAGE_SIZE,
				    "the host sees other data at page %lu", i);
	}

	KUNIT_ASSERT_EQ(test, dmk_munmap(addr, THP_NR), 0);
	KUNIT_ASSERT_EQ(test, um_tlb_sync(mm), 0);
	KUNIT_ASSERT_EQ(test, syscall_stub_flush(&mm->context.id), 0);
	KUNIT_EXPECT_EQ(test, dmk_host_read(pid, addr, buf, PAGE_SIZE),
			-EFAULT);
	kunit_kfree(test, buf);
}

/*
 * The arch side alone: munmap() of part of a THP splits its PMD, fork()
 * shares it and a write in the child copies; the data stays.
 */
static void partial_munmap_and_fork_of_thp(struct kunit *test)
{
	unsigned long addr = dmk_thp_system(test, 320), quarter = THP_NR / 4;
	struct dmk_child c = { .seed = 320, .new_seed = 321 };

	KUNIT_ASSERT_EQ(test, dmk_munmap(addr + quarter * PAGE_SIZE, quarter),
			0);
	KUNIT_EXPECT_EQ(test, dmk_pmd_lookup(test, addr).kind, DMK_PMD_TABLE);
	dmk_expect_data_from(test, addr, 0, quarter, 320);
	dmk_expect_data_from(test, addr, 2 * quarter, 2 * quarter, 320);
	KUNIT_ASSERT_EQ(test, dmk_munmap(addr, THP_NR), 0);

	addr = dmk_thp_system(test, 320);
	c.addr = addr;
	dmk_run_child(test, &c);
	KUNIT_EXPECT_EQ(test, c.bad_read, 0);
	KUNIT_EXPECT_EQ(test, c.bad_write, 0);
	KUNIT_EXPECT_EQ(test, c.bad_reread, 0);
	dmk_expect_data(test, addr, THP_NR, 320);
}

static struct kunit_case thp_cases[] = {
	KUNIT_CASE(thp_split_during_collection),
	KUNIT_CASE_PARAM(split_migration_carries_state, freed_gen_params),
	KUNIT_CASE(huge_zero_page_split_during_collection),
	KUNIT_CASE(partial_munmap_and_fork_of_thp),
	KUNIT_CASE(tlb_sync_maps_huge_pmd_on_host),
	{}
};

static struct kunit_suite thp_suite = {
	.name = "umdevmem_thp",
	.init = dmk_init,
	.exit = dmk_exit,
	.suite_exit = dmk_suite_exit,
	.test_cases = thp_cases,
};
kunit_test_suite(thp_suite);
