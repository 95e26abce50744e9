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
 *  - huge_zero_page_split_during_collection: the huge zero page reaches
 *    it as zeroed base pages;
 *  - tlb_sync_maps_huge_pmd_on_host: the mm's host process sees the THP's
 *    data at sampled pages (process_vm_readv()), and -EFAULT after munmap;
 *  - partial_munmap_and_fork_of_thp: the arch side alone.
 */
#include <linux/mman.h>
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
