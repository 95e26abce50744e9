// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem suite umdevmem_thp_device: device-private PMDs, on 7.x where
 * PMD softleaves give them (the scenarios of hmm-tests'
 * migrate_anon_huge_* and more).  With MIGRATE_VMA_SELECT_COMPOUND a
 * PMD-sized hole, the huge zero page or a THP (here made by MADV_COLLAPSE)
 * goes to the device as one PMD-sized device folio behind one PMD entry;
 * a CPU fault on that entry (do_huge_pmd_device_private()) brings it back
 * as a THP.  When the device has no huge folio, or the system no THP, the
 * migration falls back to base pages and the core splits the source
 * folio, in both directions.  Partial munmap, mremap, fork and MADV_FREE
 * of a device PMD; SELECT_COMPOUND on an unaligned range; a pte-mapped
 * THP; device PMDs between devices and through eviction; the core's
 * refusals (selection by kind, a THP faulted in before the huge insert,
 * compound mismatches); the state a PMD-sized migration carries.  Each
 * case's comment names what it checks.
 */
#include <linux/mman.h>
#include <linux/swap.h>
#include <linux/syscalls.h>
#include "dmk.h"

#define THP_NR		HPAGE_PMD_NR
#define THP_SIZE	HPAGE_PMD_SIZE

#define SELECT_HUGE (MIGRATE_VMA_SELECT_SYSTEM | MIGRATE_VMA_SELECT_COMPOUND)

/*
 * The PMD at @addr is a device-private entry of a PMD-sized folio of
 * @dev; returns its head page.
 */
static struct page *thp_expect_device_pmd(struct kunit *test,
					  struct umdevmem *dev,
					  unsigned long addr)
{
	struct dmk_pmd p = dmk_pmd_lookup(test, addr);

	KUNIT_ASSERT_EQ(test, p.kind, DMK_PMD_DEVICE);
	KUNIT_EXPECT_PTR_EQ(test, umdevmem_page_device(p.page), dev);
	KUNIT_EXPECT_EQ(test, folio_order(page_folio(p.page)),
			HPAGE_PMD_ORDER);
	KUNIT_EXPECT_TRUE(test, p.write);
	return p.page;
}

/* Migrate the PMD at @addr to @dev as one huge folio; its head page. */
static struct page *thp_to_device(struct kunit *test, struct umdevmem *dev,
				  unsigned long addr)
{
	struct umdevmem_stats before = dmk_stats(dev);
	struct umdevmem_migrate_result res;

	res = dmk_migrate(test, dev, addr, THP_NR, SELECT_HUGE, NULL);
	KUNIT_EXPECT_EQ(test, res.cpages, 1);
	KUNIT_EXPECT_EQ(test, res.migrated, 1);
	KUNIT_EXPECT_EQ(test, dmk_stats(dev).huge_allocated -
			before.huge_allocated, 1);
	return thp_expect_device_pmd(test, dev, addr);
}

/*
 * A CPU read of one page of a device PMD brings the whole folio back as a
 * THP in one migrate_to_ram() call.
 */
static void thp_expect_huge_fault(struct kunit *test, struct umdevmem *dev,
				  unsigned long addr, unsigned long index)
{
	struct umdevmem_stats before = dmk_stats(dev), after;
	u8 byte;

	KUNIT_ASSERT_EQ(test, copy_from_user(&byte, (void __user *)
					     (addr + index * PAGE_SIZE), 1), 0);
	after = dmk_stats(dev);
	KUNIT_EXPECT_EQ(test, after.to_ram_calls - before.to_ram_calls, 1);
	KUNIT_EXPECT_EQ(test, after.huge_to_ram - before.huge_to_ram, 1);
	KUNIT_EXPECT_EQ(test, after.to_ram_pages - before.to_ram_pages,
			THP_NR);
	KUNIT_EXPECT_EQ(test, dmk_pmd_lookup(test, addr).kind, DMK_PMD_SYSTEM);
}

/*
 * A PMD-aligned anonymous hole, collected with SELECT_COMPOUND, is one
 * compound entry; the device fills a huge folio with zeroes.
 */
static void compound_hole_to_device_and_back(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	unsigned long addr = dmk_thp_mmap(test, 1, true);
	struct page *head;

	KUNIT_ASSERT_EQ(test, dmk_pmd_lookup(test, addr).kind, DMK_PMD_NONE);
	head = thp_to_device(test, dev, addr);
	dmk_expect_zero_device_page(test, head);
	dmk_expect_zero_device_page(test, head + THP_NR - 1);
	thp_expect_huge_fault(test, dev, addr, 7);
	dmk_expect_zero(test, addr, THP_NR);
}

/*
 * The huge zero page is collected as a compound hole (hmm-tests'
 * migrate_anon_huge_zero): the device gets a zeroed huge folio, and the
 * CPU reads zeroes from the THP that comes back.
 */
static void huge_zero_page_to_device_and_back(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	unsigned long addr = dmk_thp_mmap(test, 1, true);
	struct page *head;
	u8 byte;

	KUNIT_ASSERT_EQ(test, copy_from_user(&byte, (void __user *)addr, 1), 0);
	KUNIT_ASSERT_EQ_MSG(test, dmk_pmd_lookup(test, addr).kind, DMK_PMD_ZERO,
			    "a read fault mapped no huge zero page");
	head = thp_to_device(test, dev, addr);
	dmk_expect_zero_device_page(test, head + 100);
	thp_expect_huge_fault(test, dev, addr, 0);
	dmk_expect_zero(test, addr, THP_NR);
}

/*
 * base pages, MADV_COLLAPSE, to the device as one folio, a CPU fault on
 * the device PMD, a THP again (hmm-tests' migrate_anon_huge_fault).
 */
static void collapsed_thp_to_device_and_back(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	unsigned long addr = dmk_thp_mmap(test, 1, false);
	struct page *head;
	struct dmk_pmd p;

	dmk_fill(test, addr, THP_NR, 302);
	KUNIT_ASSERT_EQ(test, dmk_pmd_lookup(test, addr).kind, DMK_PMD_TABLE);
	KUNIT_ASSERT_EQ(test, do_madvise(current->mm, addr, THP_SIZE,
					 MADV_COLLAPSE), 0);
	KUNIT_ASSERT_EQ(test, dmk_pmd_lookup(test, addr).kind, DMK_PMD_SYSTEM);
	dmk_expect_data(test, addr, THP_NR, 302);

	head = thp_to_device(test, dev, addr);
	dmk_expect_device_data(test, head, 302, 0);
	dmk_expect_device_data(test, head + 300, 302, 300);
	thp_expect_huge_fault(test, dev, addr, 300);
	p = dmk_pmd_lookup(test, addr);
	KUNIT_EXPECT_TRUE(test, p.write);
	dmk_expect_data(test, addr, THP_NR, 302);
	/* a write stays in the THP: no split, no fault */
	dmk_fill(test, addr, THP_NR, 303);
	KUNIT_EXPECT_PTR_EQ(test, dmk_pmd_lookup(test, addr).page, p.page);
	dmk_expect_data(test, addr, THP_NR, 303);
}

/*
 * munmap() of part of a device PMD splits the entry into device ptes and
 * the rest faults back page by page, and every device page is free again
 * in the end (hmm-tests'
 * migrate_partial_unmap_fault, its THP half, at offsets 0, 1/4, 1/2).
 */
static const unsigned long munmap_offsets[] = { 0, THP_NR / 4, THP_NR / 2 };

static void munmap_offset_desc(const unsigned long *off, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "at page %lu", *off);
}
KUNIT_ARRAY_PARAM(munmap_offsets, munmap_offsets, munmap_offset_desc);

static void partial_munmap_of_device_pmd(struct kunit *test)
{
	const unsigned long off = *(const unsigned long *)test->param_value;
	const unsigned long half = THP_NR / 2;
	struct umdevmem *dev = dmk(test)->dev[0];
	unsigned long addr = dmk_thp_system(test, 304), i;

	thp_to_device(test, dev, addr);
	KUNIT_ASSERT_EQ(test, dmk_munmap(addr + off * PAGE_SIZE, half), 0);
	for (i = 0; i < THP_NR; i++) {
		struct dmk_pte p = dmk_lookup(test, addr + i * PAGE_SIZE);
		bool gone = i >= off && i < off + half;

		KUNIT_EXPECT_EQ_MSG(test, p.kind, gone ? DMK_NONE : DMK_DEVICE,
				    "page %lu", i);
		if (!gone && p.kind == DMK_DEVICE && !(i % 64))
			dmk_expect_device_data(test, p.page, 304, i);
	}
	dmk_expect_data_from(test, addr, 0, off, 304);
	dmk_expect_data_from(test, addr, off + half, THP_NR - off - half, 304);
}

/*
 * mremap() moves a device PMD whole to an aligned destination
 * (move_huge_pmd()), with and without MREMAP_DONTUNMAP; it faults back
 * there as a THP (hmm-tests' migrate_remap_fault, its THP half).
 */
static void mremap_of_device_pmd(struct kunit *test)
{
	const unsigned long flags = *(const unsigned long *)test->param_value;
	struct umdevmem *dev = dmk(test)->dev[0];
	unsigned long addr = dmk_thp_system(test, 310);
	unsigned long to = dmk_thp_mmap(test, 1, true);
	struct page *head = thp_to_device(test, dev, addr);

	KUNIT_ASSERT_EQ(test, sys_mremap(addr, THP_SIZE, THP_SIZE, flags, to),
			(long)to);
	KUNIT_EXPECT_PTR_EQ(test, thp_expect_device_pmd(test, dev, to), head);
	KUNIT_EXPECT_EQ(test, dmk_pmd_lookup(test, addr).kind, DMK_PMD_NONE);
	thp_expect_huge_fault(test, dev, to, 1);
	dmk_expect_data(test, to, THP_NR, 310);
}

/*
 * fork() copies a device PMD entry (copy_huge_pmd(), which crashed on it
 * in review of the series that added device PMDs): parent and child share
 * the device folio read-only; the child's write brings it back for itself
 * and the parent still reads its data.
 */
static void fork_of_device_pmd(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	unsigned long addr = dmk_thp_system(test, 312);
	struct dmk_child c = { .seed = 312, .new_seed = 313 };
	struct page *head = thp_to_device(test, dev, addr);
	struct dmk_pmd p;

	c.addr = addr;
	dmk_run_child(test, &c);
	KUNIT_EXPECT_EQ(test, c.bad_read, 0);
	KUNIT_EXPECT_EQ(test, c.bad_write, 0);
	KUNIT_EXPECT_EQ(test, c.bad_reread, 0);

	p = dmk_pmd_lookup(test, addr);
	if (p.kind == DMK_PMD_DEVICE) {
		KUNIT_EXPECT_PTR_EQ(test, p.page, head);
		KUNIT_EXPECT_FALSE_MSG(test, p.write,
				       "a shared device PMD stayed writable");
	} else {
		/* the child's fault brought the folio back for both */
		KUNIT_EXPECT_EQ(test, p.kind, DMK_PMD_SYSTEM);
	}
	dmk_expect_data(test, addr, THP_NR, 312);
}

/*
 * No huge device folio (injected): each page of the THP gets a base
 * device page and the core splits the THP (migrate_vma_pages() ->
 * migrate_vma_split_unmapped_folio()); hmm-tests' migrate_anon_huge_err.
 */
static void huge_alloc_failure_splits_to_device(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	unsigned long addr = dmk_thp_system(test, 314);
	struct umdevmem_stats before = dmk_stats(dev), after;
	struct umdevmem_migrate_result res;

	umdevmem_fail_alloc_huge(dev, 1);
	res = dmk_migrate(test, dev, addr, THP_NR, SELECT_HUGE, NULL);
	after = dmk_stats(dev);
	KUNIT_EXPECT_EQ(test, after.huge_alloc_failed -
			before.huge_alloc_failed, 1);
	KUNIT_EXPECT_EQ(test, after.huge_allocated, before.huge_allocated);
	KUNIT_EXPECT_EQ(test, after.allocated - before.allocated, THP_NR);
	KUNIT_EXPECT_EQ(test, res.migrated, THP_NR);
	dmk_thp_expect_ptes(test, addr, DMK_DEVICE);
	dmk_expect_data(test, addr, THP_NR, 314);
}

/*
 * No system THP for a device PMD that faults (injected): the core splits
 * the device PMD and folio (folio_split callback) and moves what it can
 * as base pages; the faulting page is back once the fault returns, the
 * others are base pages, on the system or the device, and come back on
 * their own faults (hmm-tests' migrate_anon_huge_err, the way back).
 */
static void huge_alloc_failure_splits_back(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	unsigned long addr = dmk_thp_system(test, 315);
	struct umdevmem_stats before, after;
	u8 byte;

	unsigned long i, wrong = 0;
	struct dmk_pte p;

	thp_to_device(test, dev, addr);
	before = dmk_stats(dev);
	umdevmem_fail_alloc_huge(dev, 1);
	KUNIT_ASSERT_EQ(test, copy_from_user(&byte, (void __user *)
					     (addr + 3 * PAGE_SIZE), 1), 0);
	after = dmk_stats(dev);
	KUNIT_EXPECT_EQ(test, after.folio_splits - before.folio_splits, 1);
	KUNIT_EXPECT_EQ(test, after.huge_to_ram, before.huge_to_ram);
	KUNIT_EXPECT_GE(test, after.to_ram_pages - before.to_ram_pages, 1);
	KUNIT_EXPECT_EQ(test, dmk_pmd_lookup(test, addr).kind, DMK_PMD_TABLE);
	p = dmk_lookup(test, addr + 3 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, p.kind, DMK_SYSTEM);
	for (i = 0; i < THP_NR; i++) {
		p = dmk_lookup(test, addr + i * PAGE_SIZE);
		if (p.kind != DMK_SYSTEM && p.kind != DMK_DEVICE)
			wrong++;
		else if (p.kind == DMK_DEVICE &&
			 folio_test_large(page_folio(p.page)))
			wrong++;
	}
	KUNIT_EXPECT_EQ_MSG(test, wrong, 0,
			    "pages neither on the system nor base device pages");
	dmk_expect_data(test, addr, THP_NR, 315);
	dmk_thp_expect_ptes(test, addr, DMK_SYSTEM);
}

/*
 * The huge zero page with an injected huge allocation failure (hmm-tests'
 * migrate_anon_huge_zero_err): the compound hole gets base device pages,
 * the core splits the huge zero PMD and inserts them one by one.
 */
static void huge_zero_page_alloc_failure(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	unsigned long addr = dmk_thp_mmap(test, 1, true);
	struct umdevmem_stats before = dmk_stats(dev);
	struct umdevmem_migrate_result res;
	u8 byte;

	KUNIT_ASSERT_EQ(test, copy_from_user(&byte, (void __user *)addr, 1), 0);
	KUNIT_ASSERT_EQ(test, dmk_pmd_lookup(test, addr).kind, DMK_PMD_ZERO);
	umdevmem_fail_alloc_huge(dev, 1);
	res = dmk_migrate(test, dev, addr, THP_NR, SELECT_HUGE, NULL);
	KUNIT_EXPECT_EQ(test, dmk_stats(dev).huge_alloc_failed -
			before.huge_alloc_failed, 1);
	KUNIT_EXPECT_EQ(test, res.migrated, THP_NR);
	dmk_thp_expect_ptes(test, addr, DMK_DEVICE);
	dmk_expect_zero(test, addr, THP_NR);
}

/*
 * MADV_FREE over a device PMD (hmm-tests' migrate_anon_huge_free) leaves
 * it alone: only present THPs are lazily freed; the data comes back.
 */
static void madv_free_keeps_device_pmd(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	unsigned long addr = dmk_thp_system(test, 322);
	struct page *head = thp_to_device(test, dev, addr);

	KUNIT_ASSERT_EQ(test, do_madvise(current->mm, addr, THP_SIZE,
					 MADV_FREE), 0);
	KUNIT_EXPECT_PTR_EQ(test, thp_expect_device_pmd(test, dev, addr), head);
	thp_expect_huge_fault(test, dev, addr, 0);
	dmk_expect_data(test, addr, THP_NR, 322);
}

/*
 * A THP left mapped by ptes (part of it unmapped) is split by the
 * collection's pte walk, and its pages are collected one by one.
 */
static void pte_mapped_thp_split_during_collection(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	unsigned long addr = dmk_thp_system(test, 324), half = THP_NR / 2;
	struct umdevmem_migrate_result res;

	KUNIT_ASSERT_EQ(test, dmk_munmap(addr + half * PAGE_SIZE, half), 0);
	KUNIT_ASSERT_TRUE(test, folio_test_large(page_folio(
			  dmk_lookup(test, addr).page)));
	res = dmk_migrate(test, dev, addr, half, MIGRATE_VMA_SELECT_SYSTEM,
			  NULL);
	KUNIT_EXPECT_EQ(test, res.migrated, half);
	dmk_expect_on_device(test, dev, addr, half);
	dmk_expect_data(test, addr, half, 324);
}

/*
 * A device PMD moves to another device whole: its owner selects it, a
 * device of another owner does not.
 */
static void device_pmd_to_other_device(struct kunit *test)
{
	struct umdevmem *a = dmk(test)->dev[0], *b = dmk(test)->dev[1];
	unsigned long addr = dmk_thp_system(test, 325);
	unsigned long flags = MIGRATE_VMA_SELECT_DEVICE_PRIVATE |
			      MIGRATE_VMA_SELECT_COMPOUND;
	struct umdevmem_migrate_result res;
	struct page *head;

	thp_to_device(test, a, addr);
	res = dmk_migrate(test, b, addr, THP_NR, flags, NULL);
	KUNIT_EXPECT_EQ(test, res.cpages, 0);
	thp_expect_device_pmd(test, a, addr);

	res = dmk_migrate(test, b, addr, THP_NR, flags, umdevmem_owner(a));
	KUNIT_EXPECT_EQ(test, res.cpages, 1);
	KUNIT_EXPECT_EQ(test, res.migrated, 1);
	head = thp_expect_device_pmd(test, b, addr);
	dmk_expect_device_data(test, head + 200, 325, 200);
	thp_expect_huge_fault(test, b, addr, 0);
	dmk_expect_data(test, addr, THP_NR, 325);
}

/*
 * Eviction of a huge device folio by its pfns (migrate_device_pfns()):
 * given only its head page it is left alone, given all its pages it
 * moves to a system THP and the PMD maps that.
 */
static void eviction_of_huge_device_folio(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	unsigned long addr = dmk_thp_system(test, 326), i;
	struct page **pages;
	struct page *head = thp_to_device(test, dev, addr);

	pages = kunit_kcalloc(test, THP_NR, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	for (i = 0; i < THP_NR; i++)
		pages[i] = head + i;
	KUNIT_EXPECT_EQ(test, umdevmem_evict_pages(dev, pages, 1), 0);
	thp_expect_device_pmd(test, dev, addr);
	KUNIT_EXPECT_EQ(test, umdevmem_evict_pages(dev, pages, THP_NR), THP_NR);
	KUNIT_EXPECT_EQ(test, dmk_pmd_lookup(test, addr).kind, DMK_PMD_SYSTEM);
	dmk_expect_data(test, addr, THP_NR, 326);
}

/*
 * SELECT_COMPOUND collects a THP as one compound entry only over a
 * PMD-aligned range; over an unaligned one, or without the flag, the
 * collection splits it and collects base pages.  Nothing is migrated
 * (no dst): the entries are restored as they were collected.
 */
struct compound_case {
	const char *name;
	unsigned long flags, first, npages;
};

static const struct compound_case compound_cases[] = {
	{ "SELECT_COMPOUND, aligned", SELECT_HUGE, 0, THP_NR },
	{ "SELECT_COMPOUND, unaligned", SELECT_HUGE, 1, THP_NR - 1 },
	{ "without SELECT_COMPOUND", MIGRATE_VMA_SELECT_SYSTEM, 0, THP_NR },
};

static void compound_case_desc(const struct compound_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}
KUNIT_ARRAY_PARAM(compound_cases, compound_cases, compound_case_desc);

static void select_compound_alignment(struct kunit *test)
{
	const struct compound_case *c = test->param_value;
	unsigned long addr = dmk_thp_system(test, 316);
	bool compound = c->first == 0 && c->flags & MIGRATE_VMA_SELECT_COMPOUND;
	struct page *head = dmk_pmd_lookup(test, addr).page;
	struct migrate_vma *args;

	args = dmk_args(test, addr + c->first * PAGE_SIZE, c->npages, c->flags,
			umdevmem_owner(dmk(test)->dev[0]));
	KUNIT_ASSERT_EQ(test, dmk_setup(test, args), 0);
	if (compound) {
		KUNIT_EXPECT_EQ(test, args->cpages, 1);
		KUNIT_EXPECT_EQ(test, args->src[0],
				migrate_pfn(page_to_pfn(head)) |
				MIGRATE_PFN_MIGRATE | MIGRATE_PFN_WRITE |
				MIGRATE_PFN_COMPOUND);
		KUNIT_EXPECT_EQ(test, args->src[1], 0);
	} else {
		KUNIT_EXPECT_EQ(test, args->cpages, c->npages);
		KUNIT_EXPECT_FALSE(test, args->src[0] & MIGRATE_PFN_COMPOUND);
		KUNIT_EXPECT_PTR_EQ(test, migrate_pfn_to_page(args->src[0]),
				    head + c->first);
	}
	dmk_pages_finalize(test, args);
	KUNIT_EXPECT_EQ(test, dmk_pmd_lookup(test, addr).kind,
			compound ? DMK_PMD_SYSTEM : DMK_PMD_TABLE);
	dmk_expect_data(test, addr, THP_NR, 316);
}
/*
 * The collection's flags choose by kind at the PMD too: a system THP is
 * not selected by SELECT_DEVICE_PRIVATE, a device PMD not by
 * SELECT_SYSTEM; both stay as they are.
 */
static void compound_selects_by_kind(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	unsigned long addr = dmk_thp_system(test, 327);
	struct migrate_vma *args;
	struct page *head;

	args = dmk_args(test, addr, THP_NR,
			MIGRATE_VMA_SELECT_DEVICE_PRIVATE |
			MIGRATE_VMA_SELECT_COMPOUND, umdevmem_owner(dev));
	KUNIT_ASSERT_EQ(test, dmk_setup(test, args), 0);
	KUNIT_EXPECT_EQ(test, args->cpages, 0);
	dmk_pages_finalize(test, args);
	KUNIT_EXPECT_EQ(test, dmk_pmd_lookup(test, addr).kind, DMK_PMD_SYSTEM);

	head = thp_to_device(test, dev, addr);
	args = dmk_args(test, addr, THP_NR, SELECT_HUGE,
			umdevmem_owner(dev));
	KUNIT_ASSERT_EQ(test, dmk_setup(test, args), 0);
	KUNIT_EXPECT_EQ(test, args->cpages, 0);
	dmk_pages_finalize(test, args);
	KUNIT_EXPECT_PTR_EQ(test, thp_expect_device_pmd(test, dev, addr), head);
	dmk_expect_data(test, addr, THP_NR, 327);
}

/*
 * A THP faulted in at a collected compound hole before migrate_vma_pages()
 * (the huge version of umdevmem_insert's race): the huge insert backs
 * off, the THP and its data stay, the device folio goes back.
 */
static void thp_faulted_in_before_huge_insert(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	unsigned long addr = dmk_thp_mmap(test, 1, true);
	struct migrate_vma *args;
	struct page *dpage;

	args = dmk_args(test, addr, THP_NR, SELECT_HUGE,
			umdevmem_owner(dev));
	KUNIT_ASSERT_EQ(test, dmk_setup(test, args), 0);
	KUNIT_ASSERT_EQ(test, args->cpages, 1);
	KUNIT_ASSERT_TRUE(test, args->src[0] & MIGRATE_PFN_COMPOUND);
	dmk_fill(test, addr, THP_NR, 328);
	KUNIT_ASSERT_EQ(test, dmk_pmd_lookup(test, addr).kind, DMK_PMD_SYSTEM);

	dpage = umdevmem_alloc_huge(dev);
	KUNIT_ASSERT_NOT_NULL(test, dpage);
	args->dst[0] = migrate_pfn(page_to_pfn(dpage)) | MIGRATE_PFN_COMPOUND;
	dmk_pages_finalize(test, args);
	KUNIT_EXPECT_FALSE(test, args->src[0] & MIGRATE_PFN_MIGRATE);
	KUNIT_EXPECT_EQ(test, dmk_pmd_lookup(test, addr).kind, DMK_PMD_SYSTEM);
	dmk_expect_data(test, addr, THP_NR, 328);
}

/*
 * The core splits a large source only with a VMA: migrate_device_pages()
 * refuses a huge device folio that is offered a base page, and
 * migrate_vma_pages() refuses a base page that is offered a huge folio.
 * Both stay where they were.
 */
static void compound_mismatch_refused(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	unsigned long addr = dmk_thp_system(test, 329), base;
	unsigned long *src, *dst;
	struct migrate_vma *args;
	struct page *head = thp_to_device(test, dev, addr), *page;

	src = kunit_kcalloc(test, THP_NR, sizeof(*src), GFP_KERNEL);
	dst = kunit_kcalloc(test, THP_NR, sizeof(*dst), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, src);
	KUNIT_ASSERT_NOT_NULL(test, dst);
	/* the base page first: nothing may fail while the folio is collected */
	page = alloc_page(GFP_HIGHUSER_MOVABLE);
	KUNIT_ASSERT_NOT_NULL(test, page);
	lock_page(page);
	src[0] = page_to_pfn(head);
	KUNIT_EXPECT_EQ(test, migrate_device_pfns(src, THP_NR), 0);
	KUNIT_EXPECT_TRUE(test, src[0] & MIGRATE_PFN_COMPOUND);
	dst[0] = migrate_pfn(page_to_pfn(page));
	migrate_device_pages(src, dst, THP_NR);
	KUNIT_EXPECT_FALSE(test, src[0] & MIGRATE_PFN_MIGRATE);
	migrate_device_finalize(src, dst, THP_NR);
	KUNIT_EXPECT_PTR_EQ(test, thp_expect_device_pmd(test, dev, addr), head);
	dmk_expect_data(test, addr, THP_NR, 329);

	base = dmk_mmap(test, 1, PROT_READ | PROT_WRITE);
	dmk_fill(test, base, 1, 330);
	page = dmk_lookup(test, base).page;
	args = dmk_args(test, base, 1, MIGRATE_VMA_SELECT_SYSTEM,
			umdevmem_owner(dev));
	KUNIT_ASSERT_EQ(test, dmk_setup(test, args), 0);
	KUNIT_ASSERT_EQ(test, args->cpages, 1);
	head = umdevmem_alloc_huge(dev);
	KUNIT_ASSERT_NOT_NULL(test, head);
	args->dst[0] = migrate_pfn(page_to_pfn(head)) | MIGRATE_PFN_COMPOUND;
	dmk_pages_finalize(test, args);
	KUNIT_EXPECT_FALSE(test, args->src[0] & MIGRATE_PFN_MIGRATE);
	KUNIT_EXPECT_PTR_EQ(test, dmk_lookup(test, base).page, page);
	dmk_expect_data(test, base, 1, 330);
}

/*
 * Eviction of a whole device (migrate_device_range()) marks a huge device
 * folio compound and moves it to a system THP.
 */
static void eviction_of_device_with_huge_folio(struct kunit *test)
{
	struct umdevmem *dev = dmk_create(test, "thp-evict", 2 * THP_NR);
	unsigned long addr = dmk_thp_system(test, 331);

	thp_to_device(test, dev, addr);
	KUNIT_EXPECT_EQ(test, umdevmem_evict(dev), THP_NR);
	KUNIT_EXPECT_EQ(test, dmk_pmd_lookup(test, addr).kind, DMK_PMD_SYSTEM);
	dmk_expect_data(test, addr, THP_NR, 331);
	KUNIT_EXPECT_TRUE(test, dmk_destroy(test, dev));
}

/*
 * What a PMD-sized migration carries (umdevmem_state does the same for
 * base pages): a written THP, or one MADV_FREE made lazyfree and a write
 * made dirty again, goes to the device as one folio and comes back by a
 * fault as a THP.  The PMD's write and anon-exclusive state reach the
 * device entry and come back; its dirty bit reaches the device folio and
 * comes back in the PMD or the folio, so reclaim keeps every byte.
 */
static void huge_migration_carries_state(struct kunit *test)
{
	const bool freed = *(const bool *)test->param_value;
	struct umdevmem *dev = dmk(test)->dev[0];
	unsigned long addr = dmk_thp_system(test, 331);
	struct dmk_pmd old, on, back;
	struct dmk_folio folio;

	if (freed) {
		KUNIT_ASSERT_EQ(test, do_madvise(current->mm, addr, THP_SIZE,
						 MADV_FREE), 0);
		lru_add_drain_all();
		old = dmk_pmd_lookup(test, addr);
		KUNIT_ASSERT_EQ(test, old.kind, DMK_PMD_SYSTEM);
		KUNIT_EXPECT_FALSE(test, old.dirty);
		KUNIT_EXPECT_TRUE(test, dmk_folio_of(old.page).lazyfree);
		dmk_fill(test, addr, THP_NR, 332);
	}
	old = dmk_pmd_lookup(test, addr);
	KUNIT_ASSERT_EQ(test, old.kind, DMK_PMD_SYSTEM);
	KUNIT_EXPECT_TRUE(test, old.write);
	KUNIT_EXPECT_TRUE(test, old.exclusive);
	KUNIT_EXPECT_TRUE_MSG(test, old.dirty, "a written THP's PMD is dirty");

	thp_to_device(test, dev, addr);
	on = dmk_pmd_lookup(test, addr);
	folio = dmk_folio_of(on.page);
	KUNIT_EXPECT_TRUE(test, on.write);
	KUNIT_EXPECT_TRUE_MSG(test, on.exclusive, "device folio anon-exclusive");
	KUNIT_EXPECT_TRUE_MSG(test, folio.dirty, "device folio dirty");

	thp_expect_huge_fault(test, dev, addr, 0);
	back = dmk_pmd_lookup(test, addr);
	folio = dmk_folio_of(back.page);
	KUNIT_EXPECT_TRUE(test, back.write);
	KUNIT_EXPECT_TRUE_MSG(test, back.exclusive, "THP back anon-exclusive");
	KUNIT_EXPECT_TRUE_MSG(test, back.dirty || folio.dirty,
			      "THP back: PMD and folio clean");
	KUNIT_ASSERT_EQ(test, do_madvise(current->mm, addr, THP_SIZE,
					 MADV_PAGEOUT), 0);
	dmk_expect_data(test, addr, THP_NR, freed ? 332 : 331);
}

static const bool freed_cases[] = { false, true };

static void freed_desc(const bool *freed, char *desc)
{
	strscpy(desc, *freed ? "freed, written" : "written",
		KUNIT_PARAM_DESC_SIZE);
}
KUNIT_ARRAY_PARAM(freed, freed_cases, freed_desc);

static struct kunit_case thp_device_cases[] = {
	KUNIT_CASE(compound_hole_to_device_and_back),
	KUNIT_CASE(huge_zero_page_to_device_and_back),
	KUNIT_CASE(collapsed_thp_to_device_and_back),
	KUNIT_CASE_PARAM(partial_munmap_of_device_pmd, munmap_offsets_gen_params),
	KUNIT_CASE_PARAM(mremap_of_device_pmd, dmk_mremap_gen_params),
	KUNIT_CASE(fork_of_device_pmd),
	KUNIT_CASE(huge_alloc_failure_splits_to_device),
	KUNIT_CASE(huge_alloc_failure_splits_back),
	KUNIT_CASE(huge_zero_page_alloc_failure),
	KUNIT_CASE(madv_free_keeps_device_pmd),
	KUNIT_CASE_PARAM(select_compound_alignment, compound_cases_gen_params),
	KUNIT_CASE(pte_mapped_thp_split_during_collection),
	KUNIT_CASE(device_pmd_to_other_device),
	KUNIT_CASE(eviction_of_huge_device_folio),
	KUNIT_CASE(compound_selects_by_kind),
	KUNIT_CASE(thp_faulted_in_before_huge_insert),
	KUNIT_CASE(compound_mismatch_refused),
	KUNIT_CASE(eviction_of_device_with_huge_folio),
	KUNIT_CASE_PARAM(huge_migration_carries_state, freed_gen_params),
	{}
};

static struct kunit_suite thp_device_suite = {
	.name = "umdevmem_thp_device",
	.init = dmk_init,
	.exit = dmk_exit,
	.suite_exit = dmk_suite_exit,
	.test_cases = thp_device_cases,
};
kunit_test_suite(thp_device_suite);
