// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem suite umdevmem_thp: transparent huge pages and device
 * migration, on UML with "um: transparent huge pages on 64-bit".
 *
 * Both lines: migrate_vma_setup() without MIGRATE_VMA_SELECT_COMPOUND
 * splits a PMD-mapped THP and collects its base pages, and collects the
 * huge zero page as zero pages or holes; UML's own THP paths (partial
 * munmap, fork) keep the data.
 *
 * 7.x, where PMD softleaves give device-private PMD entries (the scenarios
 * of hmm-tests' migrate_anon_huge_* and more): with SELECT_COMPOUND a
 * PMD-sized hole, the huge zero page or a THP (here made by MADV_COLLAPSE)
 * goes to the device as one PMD-sized device folio behind one PMD entry;
 * a CPU fault on that entry (do_huge_pmd_device_private()) brings it back
 * as a THP.  When the device has no huge folio, or the system no THP, the
 * migration falls back to base pages and the core splits the source
 * folio, in both directions.  Partial munmap, mremap, fork and MADV_FREE
 * of a device PMD; SELECT_COMPOUND on an unaligned range; a pte-mapped
 * THP; device PMDs between devices and through eviction; the core's
 * refusals (selection by kind, a THP faulted in before the huge insert,
 * compound mismatches).
 */
#include <linux/mman.h>
#include <linux/syscalls.h>
#include <asm/tlbflush.h>
#include <os.h>
#include "devmem_kunit.h"
#include "host_view.h"

#define THP_NR		HPAGE_PMD_NR
#define THP_SIZE	HPAGE_PMD_SIZE

/* What the PMD of an address of the test mm holds. */
enum thp_kind {
	THP_NONE,	/* pmd_none, or no PMD at all */
	THP_TABLE,	/* a page table: base pages or entries */
	THP_SYSTEM,	/* a PMD-mapped system THP */
	THP_ZERO,	/* the huge zero page */
	THP_DEVICE,	/* a device-private PMD entry */
	THP_OTHER,	/* another non-present PMD (migration entry) */
};

struct thp_pmd {
	enum thp_kind kind;
	struct page *page;
	bool write;
};

static struct thp_pmd thp_lookup(struct kunit *test, unsigned long addr)
{
	struct mm_struct *mm = current->mm;
	struct thp_pmd r = { .kind = THP_NONE };
	pmd_t *pmd, val;
	spinlock_t *ptl;

	mmap_read_lock(mm);
	pmd = dmk_pmd(mm, addr);
	if (!pmd)
		goto out;
	ptl = pmd_lock(mm, pmd);
	val = pmdp_get(pmd);
	spin_unlock(ptl);

	if (pmd_none(val))
		goto out;
	if (pmd_trans_huge(val)) {
		r.kind = is_huge_zero_pmd(val) ? THP_ZERO : THP_SYSTEM;
		r.page = pmd_page(val);
		r.write = pmd_write(val);
	} else if (!pmd_present(val)) {
		r.kind = THP_OTHER;
#ifdef UMDEVMEM_HUGE
		if (pmd_is_device_private_entry(val)) {
			softleaf_t entry = softleaf_from_pmd(val);

			r.kind = THP_DEVICE;
			r.page = softleaf_to_page(entry);
			r.write = softleaf_is_device_private_write(entry);
		}
#endif
	} else {
		r.kind = THP_TABLE;
	}
out:
	mmap_read_unlock(mm);
	return r;
}

/*
 * @npmds PMD-aligned PMDs of anonymous memory, MADV_HUGEPAGE if @huge (a
 * fault then maps a THP), else left to the "madvise" default (no THP).
 */
static unsigned long thp_mmap(struct kunit *test, unsigned long npmds,
			      bool huge)
{
	unsigned long len = npmds * THP_SIZE;
	unsigned long addr, start;

	addr = dmk_mmap(test, (npmds + 1) * THP_NR, PROT_READ | PROT_WRITE);
	start = ALIGN(addr, THP_SIZE);
	if (start > addr)
		KUNIT_ASSERT_EQ(test, dmk_munmap(addr, (start - addr) >>
						 PAGE_SHIFT), 0);
	if (addr + len + THP_SIZE > start + len)
		KUNIT_ASSERT_EQ(test, dmk_munmap(start + len,
						 (addr + THP_SIZE - start) >>
						 PAGE_SHIFT), 0);
	if (huge)
		KUNIT_ASSERT_EQ(test, do_madvise(current->mm, start, len,
						 MADV_HUGEPAGE), 0);
	return start;
}

/* A PMD-mapped THP at a fresh aligned address, holding pattern @seed. */
static unsigned long thp_system(struct kunit *test, unsigned int seed)
{
	unsigned long addr = thp_mmap(test, 1, true);
	struct thp_pmd p;

	dmk_fill(test, addr, THP_NR, seed);
	p = thp_lookup(test, addr);
	KUNIT_ASSERT_EQ_MSG(test, p.kind, THP_SYSTEM,
			    "a write fault in a MADV_HUGEPAGE range mapped no THP");
	KUNIT_EXPECT_EQ(test, folio_order(page_folio(p.page)), HPAGE_PMD_ORDER);
	return addr;
}

/* Every page of the PMD at @addr is a pte of @kind. */
static void thp_expect_ptes(struct kunit *test, unsigned long addr,
			    enum dmk_kind kind)
{
	unsigned long i, wrong = 0;

	KUNIT_EXPECT_EQ(test, thp_lookup(test, addr).kind, THP_TABLE);
	for (i = 0; i < THP_NR; i++)
		if (dmk_lookup(test, addr + i * PAGE_SIZE).kind != kind)
			wrong++;
	KUNIT_EXPECT_EQ_MSG(test, wrong, 0, "ptes that are not kind %d", kind);
}

/*
 * Without SELECT_COMPOUND the collection splits a PMD-mapped THP
 * (split_folio() in the collection's PMD step) and collects its base
 * pages: every one reaches the device as a base page.
 */
static void thp_split_during_collection(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	struct umdevmem_migrate_result res;
	unsigned long addr = thp_system(test, 301);

	res = dmk_migrate(test, dev, addr, THP_NR, MIGRATE_VMA_SELECT_SYSTEM,
			  NULL);
	KUNIT_EXPECT_EQ(test, res.cpages, THP_NR);
	KUNIT_EXPECT_EQ(test, res.migrated, THP_NR);
	thp_expect_ptes(test, addr, DMK_DEVICE);
	dmk_expect_data(test, addr, THP_NR, 301);
	thp_expect_ptes(test, addr, DMK_SYSTEM);
	dmk_finish(test);
}

/*
 * The huge zero page without SELECT_COMPOUND: 6.12 splits its PMD
 * (split_huge_pmd()) and collects zero-page ptes, 7.x collects the range
 * as holes; either way every page reaches the device, zeroed.
 */
static void huge_zero_page_split_during_collection(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	unsigned long addr = thp_mmap(test, 1, true);
	struct umdevmem_migrate_result res;
	u8 byte;

	KUNIT_ASSERT_EQ(test, copy_from_user(&byte, (void __user *)addr, 1), 0);
	KUNIT_ASSERT_EQ_MSG(test, thp_lookup(test, addr).kind, THP_ZERO,
			    "a read fault mapped no huge zero page");
	res = dmk_migrate(test, dev, addr, THP_NR, MIGRATE_VMA_SELECT_SYSTEM,
			  NULL);
	KUNIT_EXPECT_EQ(test, res.cpages, THP_NR);
	KUNIT_EXPECT_EQ(test, res.migrated, THP_NR);
	thp_expect_ptes(test, addr, DMK_DEVICE);
	dmk_expect_zero(test, addr, THP_NR);
	dmk_finish(test);
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
	unsigned long addr = thp_system(test, 323), i;
	int pid = mm->context.id.pid;
	u8 *buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);

	/*
	 * In a clang-instrumented (coverage) build the mm's host stub dies
	 * of SIGSEGV running the sync's batch; no suite ran the stub on a
	 * test mm before, and the cause is not found yet.
	 */
	if (IS_ENABLED(CONFIG_GCOV))
		kunit_skip(test, "the host stub faults in instrumented builds");
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
	dmk_finish(test);
}

/*
 * The arch side alone: munmap() of part of a THP splits its PMD, fork()
 * shares it and a write in the child copies; the data stays.
 */
static void partial_munmap_and_fork_of_thp(struct kunit *test)
{
	unsigned long addr = thp_system(test, 320), quarter = THP_NR / 4;
	struct dmk_child c = { .seed = 320, .new_seed = 321 };

	KUNIT_ASSERT_EQ(test, dmk_munmap(addr + quarter * PAGE_SIZE, quarter),
			0);
	KUNIT_EXPECT_EQ(test, thp_lookup(test, addr).kind, THP_TABLE);
	dmk_expect_data_from(test, addr, 0, quarter, 320);
	dmk_expect_data_from(test, addr, 2 * quarter, 2 * quarter, 320);
	KUNIT_ASSERT_EQ(test, dmk_munmap(addr, THP_NR), 0);

	addr = thp_system(test, 320);
	c.addr = addr;
	dmk_run_child(test, &c);
	KUNIT_EXPECT_EQ(test, c.bad_read, 0);
	KUNIT_EXPECT_EQ(test, c.bad_write, 0);
	KUNIT_EXPECT_EQ(test, c.bad_reread, 0);
	dmk_expect_data(test, addr, THP_NR, 320);
	dmk_finish(test);
}

#ifdef UMDEVMEM_HUGE

#define SELECT_HUGE (MIGRATE_VMA_SELECT_SYSTEM | MIGRATE_VMA_SELECT_COMPOUND)

/*
 * The PMD at @addr is a device-private entry of a PMD-sized folio of
 * @dev; returns its head page.
 */
static struct page *thp_expect_device_pmd(struct kunit *test,
					  unsigned long addr,
					  struct umdevmem *dev)
{
	struct thp_pmd p = thp_lookup(test, addr);

	KUNIT_ASSERT_EQ(test, p.kind, THP_DEVICE);
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
	return thp_expect_device_pmd(test, addr, dev);
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
	KUNIT_EXPECT_EQ(test, thp_lookup(test, addr).kind, THP_SYSTEM);
}

/*
 * A PMD-aligned anonymous hole, collected with SELECT_COMPOUND, is one
 * compound entry; the device fills a huge folio with zeroes.
 */
static void compound_hole_to_device_and_back(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	unsigned long addr = thp_mmap(test, 1, true);
	struct page *head;

	KUNIT_ASSERT_EQ(test, thp_lookup(test, addr).kind, THP_NONE);
	head = thp_to_device(test, dev, addr);
	dmk_expect_zero_device_page(test, head);
	dmk_expect_zero_device_page(test, head + THP_NR - 1);
	thp_expect_huge_fault(test, dev, addr, 7);
	dmk_expect_zero(test, addr, THP_NR);
	dmk_finish(test);
}

/*
 * The huge zero page is collected as a compound hole (hmm-tests'
 * migrate_anon_huge_zero): the device gets a zeroed huge folio, and the
 * CPU reads zeroes from the THP that comes back.
 */
static void huge_zero_page_to_device_and_back(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	unsigned long addr = thp_mmap(test, 1, true);
	struct page *head;
	u8 byte;

	KUNIT_ASSERT_EQ(test, copy_from_user(&byte, (void __user *)addr, 1), 0);
	KUNIT_ASSERT_EQ_MSG(test, thp_lookup(test, addr).kind, THP_ZERO,
			    "a read fault mapped no huge zero page");
	head = thp_to_device(test, dev, addr);
	dmk_expect_zero_device_page(test, head + 100);
	thp_expect_huge_fault(test, dev, addr, 0);
	dmk_expect_zero(test, addr, THP_NR);
	dmk_finish(test);
}

/*
 * base pages, MADV_COLLAPSE, to the device as one folio, a CPU fault on
 * the device PMD, a THP again (hmm-tests' migrate_anon_huge_fault).
 */
static void collapsed_thp_to_device_and_back(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	unsigned long addr = thp_mmap(test, 1, false);
	struct page *head;
	struct thp_pmd p;

	dmk_fill(test, addr, THP_NR, 302);
	KUNIT_ASSERT_EQ(test, thp_lookup(test, addr).kind, THP_TABLE);
	KUNIT_ASSERT_EQ(test, do_madvise(current->mm, addr, THP_SIZE,
					 MADV_COLLAPSE), 0);
	KUNIT_ASSERT_EQ(test, thp_lookup(test, addr).kind, THP_SYSTEM);
	dmk_expect_data(test, addr, THP_NR, 302);

	head = thp_to_device(test, dev, addr);
	dmk_expect_device_data(test, head, 302, 0);
	dmk_expect_device_data(test, head + 300, 302, 300);
	thp_expect_huge_fault(test, dev, addr, 300);
	p = thp_lookup(test, addr);
	KUNIT_EXPECT_TRUE(test, p.write);
	dmk_expect_data(test, addr, THP_NR, 302);
	/* a write stays in the THP: no split, no fault */
	dmk_fill(test, addr, THP_NR, 303);
	KUNIT_EXPECT_PTR_EQ(test, thp_lookup(test, addr).page, p.page);
	dmk_expect_data(test, addr, THP_NR, 303);
	dmk_finish(test);
}

/*
 * munmap() of part of a device PMD splits the entry into device ptes and
 * the rest faults back page by page, and every device page is free again
 * in the end (hmm-tests'
 * migrate_partial_unmap_fault, its THP half, at offsets 0, 1/4, 1/2).
 */
static void partial_munmap_of_device_pmd(struct kunit *test)
{
	static const unsigned long offsets[] = { 0, THP_NR / 4, THP_NR / 2 };
	struct umdevmem *dev = dmk(test)->dev[0];
	unsigned int o;

	for (o = 0; o < ARRAY_SIZE(offsets); o++) {
		unsigned long addr = thp_system(test, 304 + o);
		unsigned long off = offsets[o], half = THP_NR / 2, i;

		thp_to_device(test, dev, addr);
		KUNIT_ASSERT_EQ(test, dmk_munmap(addr + off * PAGE_SIZE, half),
				0);
		for (i = 0; i < THP_NR; i++) {
			struct dmk_pte p = dmk_lookup(test, addr + i * PAGE_SIZE);
			bool gone = i >= off && i < off + half;

			KUNIT_EXPECT_EQ_MSG(test, p.kind,
					    gone ? DMK_NONE : DMK_DEVICE,
					    "offset %lu, page %lu", off, i);
			if (!gone && p.kind == DMK_DEVICE && !(i % 64))
				dmk_expect_device_data(test, p.page, 304 + o, i);
		}
		dmk_expect_data_from(test, addr, 0, off, 304 + o);
		dmk_expect_data_from(test, addr, off + half, THP_NR - off - half,
				304 + o);
		KUNIT_EXPECT_EQ(test, dmk_munmap(addr, THP_NR), 0);
	}
	dmk_finish(test);
}

/*
 * mremap() moves a device PMD whole to an aligned destination
 * (move_huge_pmd()), with and without MREMAP_DONTUNMAP; it faults back
 * there as a THP (hmm-tests' migrate_remap_fault, its THP half).
 */
static void mremap_of_device_pmd(struct kunit *test)
{
	static const unsigned long flags[] = {
		MREMAP_MAYMOVE | MREMAP_FIXED,
		MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP,
	};
	struct umdevmem *dev = dmk(test)->dev[0];
	unsigned int f;

	for (f = 0; f < ARRAY_SIZE(flags); f++) {
		unsigned long addr = thp_system(test, 310 + f);
		unsigned long to = thp_mmap(test, 1, true);
		struct page *head = thp_to_device(test, dev, addr);

		KUNIT_ASSERT_EQ(test, sys_mremap(addr, THP_SIZE, THP_SIZE,
						 flags[f], to), (long)to);
		KUNIT_EXPECT_PTR_EQ(test, thp_expect_device_pmd(test, to, dev),
				    head);
		KUNIT_EXPECT_EQ(test, thp_lookup(test, addr).kind, THP_NONE);
		thp_expect_huge_fault(test, dev, to, 1);
		dmk_expect_data(test, to, THP_NR, 310 + f);
	}
	dmk_finish(test);
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
	unsigned long addr = thp_system(test, 312);
	struct dmk_child c = { .seed = 312, .new_seed = 313 };
	struct page *head = thp_to_device(test, dev, addr);
	struct thp_pmd p;

	c.addr = addr;
	dmk_run_child(test, &c);
	KUNIT_EXPECT_EQ(test, c.bad_read, 0);
	KUNIT_EXPECT_EQ(test, c.bad_write, 0);
	KUNIT_EXPECT_EQ(test, c.bad_reread, 0);

	p = thp_lookup(test, addr);
	if (p.kind == THP_DEVICE) {
		KUNIT_EXPECT_PTR_EQ(test, p.page, head);
		KUNIT_EXPECT_FALSE_MSG(test, p.write,
				       "a shared device PMD stayed writable");
	} else {
		/* the child's fault brought the folio back for both */
		KUNIT_EXPECT_EQ(test, p.kind, THP_SYSTEM);
	}
	dmk_expect_data(test, addr, THP_NR, 312);
	dmk_finish(test);
}

/*
 * No huge device folio (injected): each page of the THP gets a base
 * device page and the core splits the THP (migrate_vma_pages() ->
 * migrate_vma_split_unmapped_folio()); hmm-tests' migrate_anon_huge_err.
 */
static void huge_alloc_failure_splits_to_device(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	unsigned long addr = thp_system(test, 314);
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
	thp_expect_ptes(test, addr, DMK_DEVICE);
	dmk_expect_data(test, addr, THP_NR, 314);
	dmk_finish(test);
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
	unsigned long addr = thp_system(test, 315);
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
	KUNIT_EXPECT_EQ(test, thp_lookup(test, addr).kind, THP_TABLE);
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
	thp_expect_ptes(test, addr, DMK_SYSTEM);
	dmk_finish(test);
}

/*
 * The huge zero page with an injected huge allocation failure (hmm-tests'
 * migrate_anon_huge_zero_err): the compound hole gets base device pages,
 * the core splits the huge zero PMD and inserts them one by one.
 */
static void huge_zero_page_alloc_failure(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	unsigned long addr = thp_mmap(test, 1, true);
	struct umdevmem_stats before = dmk_stats(dev);
	struct umdevmem_migrate_result res;
	u8 byte;

	KUNIT_ASSERT_EQ(test, copy_from_user(&byte, (void __user *)addr, 1), 0);
	KUNIT_ASSERT_EQ(test, thp_lookup(test, addr).kind, THP_ZERO);
	umdevmem_fail_alloc_huge(dev, 1);
	res = dmk_migrate(test, dev, addr, THP_NR, SELECT_HUGE, NULL);
	KUNIT_EXPECT_EQ(test, dmk_stats(dev).huge_alloc_failed -
			before.huge_alloc_failed, 1);
	KUNIT_EXPECT_EQ(test, res.migrated, THP_NR);
	thp_expect_ptes(test, addr, DMK_DEVICE);
	dmk_expect_zero(test, addr, THP_NR);
	dmk_finish(test);
}

/*
 * MADV_FREE over a device PMD (hmm-tests' migrate_anon_huge_free) leaves
 * it alone: only present THPs are lazily freed; the data comes back.
 */
static void madv_free_keeps_device_pmd(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	unsigned long addr = thp_system(test, 322);
	struct page *head = thp_to_device(test, dev, addr);

	KUNIT_ASSERT_EQ(test, do_madvise(current->mm, addr, THP_SIZE,
					 MADV_FREE), 0);
	KUNIT_EXPECT_PTR_EQ(test, thp_expect_device_pmd(test, addr, dev), head);
	thp_expect_huge_fault(test, dev, addr, 0);
	dmk_expect_data(test, addr, THP_NR, 322);
	dmk_finish(test);
}

/*
 * A THP left mapped by ptes (part of it unmapped) is split by the
 * collection's pte walk, and its pages are collected one by one.
 */
static void pte_mapped_thp_split_during_collection(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	unsigned long addr = thp_system(test, 324), half = THP_NR / 2;
	struct umdevmem_migrate_result res;

	KUNIT_ASSERT_EQ(test, dmk_munmap(addr + half * PAGE_SIZE, half), 0);
	KUNIT_ASSERT_TRUE(test, folio_test_large(page_folio(
			  dmk_lookup(test, addr).page)));
	res = dmk_migrate(test, dev, addr, half, MIGRATE_VMA_SELECT_SYSTEM,
			  NULL);
	KUNIT_EXPECT_EQ(test, res.migrated, half);
	dmk_expect_on_device(test, addr, half, dev);
	dmk_expect_data(test, addr, half, 324);
	dmk_finish(test);
}

/*
 * A device PMD moves to another device whole: its owner selects it, a
 * device of another owner does not.
 */
static void device_pmd_to_other_device(struct kunit *test)
{
	struct umdevmem *a = dmk(test)->dev[0], *b = dmk(test)->dev[1];
	unsigned long addr = thp_system(test, 325);
	unsigned long flags = MIGRATE_VMA_SELECT_DEVICE_PRIVATE |
			      MIGRATE_VMA_SELECT_COMPOUND;
	struct umdevmem_migrate_result res;
	struct page *head;

	thp_to_device(test, a, addr);
	res = dmk_migrate(test, b, addr, THP_NR, flags, NULL);
	KUNIT_EXPECT_EQ(test, res.cpages, 0);
	thp_expect_device_pmd(test, addr, a);

	res = dmk_migrate(test, b, addr, THP_NR, flags, umdevmem_owner(a));
	KUNIT_EXPECT_EQ(test, res.cpages, 1);
	KUNIT_EXPECT_EQ(test, res.migrated, 1);
	head = thp_expect_device_pmd(test, addr, b);
	dmk_expect_device_data(test, head + 200, 325, 200);
	thp_expect_huge_fault(test, b, addr, 0);
	dmk_expect_data(test, addr, THP_NR, 325);
	dmk_finish(test);
}

/*
 * Eviction of a huge device folio by its pfns (migrate_device_pfns()):
 * given only its head page it is left alone, given all its pages it
 * moves to a system THP and the PMD maps that.
 */
static void eviction_of_huge_device_folio(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	unsigned long addr = thp_system(test, 326), i;
	struct page **pages;
	struct page *head = thp_to_device(test, dev, addr);

	pages = kunit_kcalloc(test, THP_NR, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	for (i = 0; i < THP_NR; i++)
		pages[i] = head + i;
	KUNIT_EXPECT_EQ(test, umdevmem_evict_pages(dev, pages, 1), 0);
	thp_expect_device_pmd(test, addr, dev);
	KUNIT_EXPECT_EQ(test, umdevmem_evict_pages(dev, pages, THP_NR), THP_NR);
	KUNIT_EXPECT_EQ(test, thp_lookup(test, addr).kind, THP_SYSTEM);
	dmk_expect_data(test, addr, THP_NR, 326);
	dmk_finish(test);
}

/*
 * SELECT_COMPOUND collects a THP as one compound entry only over a
 * PMD-aligned range; over an unaligned one, or without the flag, the
 * collection splits it and collects base pages.  Nothing is migrated
 * (no dst): the entries are restored as they were collected.
 */
static void select_compound_alignment(struct kunit *test)
{
	static const struct {
		unsigned long flags, first, npages;
	} cases[] = {
		{ SELECT_HUGE, 0, THP_NR },
		{ SELECT_HUGE, 1, THP_NR - 1 },
		{ MIGRATE_VMA_SELECT_SYSTEM, 0, THP_NR },
	};
	unsigned int c;

	for (c = 0; c < ARRAY_SIZE(cases); c++) {
		unsigned long addr = thp_system(test, 316 + c);
		bool compound = cases[c].first == 0 &&
				cases[c].flags & MIGRATE_VMA_SELECT_COMPOUND;
		struct page *head = thp_lookup(test, addr).page;
		struct migrate_vma args;

		dmk_args_init(test, &args, addr + cases[c].first * PAGE_SIZE,
			      cases[c].npages, cases[c].flags,
			      umdevmem_owner(dmk(test)->dev[0]));
		KUNIT_ASSERT_EQ(test, dmk_setup(test, &args), 0);
		if (compound) {
			KUNIT_EXPECT_EQ(test, args.cpages, 1);
			KUNIT_EXPECT_EQ(test, args.src[0],
					migrate_pfn(page_to_pfn(head)) |
					MIGRATE_PFN_MIGRATE |
					MIGRATE_PFN_WRITE |
					MIGRATE_PFN_COMPOUND);
			KUNIT_EXPECT_EQ(test, args.src[1], 0);
		} else {
			KUNIT_EXPECT_EQ_MSG(test, args.cpages, cases[c].npages,
					    "case %u", c);
			KUNIT_EXPECT_FALSE(test, args.src[0] &
					   MIGRATE_PFN_COMPOUND);
			KUNIT_EXPECT_PTR_EQ(test,
					    migrate_pfn_to_page(args.src[0]),
					    head + cases[c].first);
		}
		dmk_pages_finalize(&args);
		KUNIT_EXPECT_EQ_MSG(test, thp_lookup(test, addr).kind,
				    compound ? THP_SYSTEM : THP_TABLE,
				    "case %u", c);
		dmk_expect_data(test, addr, THP_NR, 316 + c);
	}
	dmk_finish(test);
}
/*
 * The collection's flags choose by kind at the PMD too: a system THP is
 * not selected by SELECT_DEVICE_PRIVATE, a device PMD not by
 * SELECT_SYSTEM; both stay as they are.
 */
static void compound_selects_by_kind(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	unsigned long addr = thp_system(test, 327);
	struct migrate_vma args;
	struct page *head;

	dmk_args_init(test, &args, addr, THP_NR,
		      MIGRATE_VMA_SELECT_DEVICE_PRIVATE |
		      MIGRATE_VMA_SELECT_COMPOUND, umdevmem_owner(dev));
	KUNIT_ASSERT_EQ(test, dmk_setup(test, &args), 0);
	KUNIT_EXPECT_EQ(test, args.cpages, 0);
	dmk_pages_finalize(&args);
	KUNIT_EXPECT_EQ(test, thp_lookup(test, addr).kind, THP_SYSTEM);

	head = thp_to_device(test, dev, addr);
	dmk_args_init(test, &args, addr, THP_NR, SELECT_HUGE,
		      umdevmem_owner(dev));
	KUNIT_ASSERT_EQ(test, dmk_setup(test, &args), 0);
	KUNIT_EXPECT_EQ(test, args.cpages, 0);
	dmk_pages_finalize(&args);
	KUNIT_EXPECT_PTR_EQ(test, thp_expect_device_pmd(test, addr, dev), head);
	dmk_expect_data(test, addr, THP_NR, 327);
	dmk_finish(test);
}

/*
 * A THP faulted in at a collected compound hole before migrate_vma_pages()
 * (the huge version of umdevmem_insert's race): the huge insert backs
 * off, the THP and its data stay, the device folio goes back.
 */
static void thp_faulted_in_before_huge_insert(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	unsigned long addr = thp_mmap(test, 1, true);
	struct migrate_vma args;
	struct page *dpage;

	dmk_args_init(test, &args, addr, THP_NR, SELECT_HUGE,
		      umdevmem_owner(dev));
	KUNIT_ASSERT_EQ(test, dmk_setup(test, &args), 0);
	KUNIT_ASSERT_EQ(test, args.cpages, 1);
	KUNIT_ASSERT_TRUE(test, args.src[0] & MIGRATE_PFN_COMPOUND);
	dmk_fill(test, addr, THP_NR, 328);
	KUNIT_ASSERT_EQ(test, thp_lookup(test, addr).kind, THP_SYSTEM);

	dpage = umdevmem_alloc_huge(dev);
	KUNIT_ASSERT_NOT_NULL(test, dpage);
	args.dst[0] = migrate_pfn(page_to_pfn(dpage)) | MIGRATE_PFN_COMPOUND;
	dmk_pages_finalize(&args);
	KUNIT_EXPECT_FALSE(test, args.src[0] & MIGRATE_PFN_MIGRATE);
	KUNIT_EXPECT_EQ(test, thp_lookup(test, addr).kind, THP_SYSTEM);
	dmk_expect_data(test, addr, THP_NR, 328);
	dmk_finish(test);
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
	unsigned long addr = thp_system(test, 329), base;
	unsigned long *src, *dst;
	struct migrate_vma args;
	struct page *head = thp_to_device(test, dev, addr), *page;

	src = kunit_kcalloc(test, THP_NR, sizeof(*src), GFP_KERNEL);
	dst = kunit_kcalloc(test, THP_NR, sizeof(*dst), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, src);
	KUNIT_ASSERT_NOT_NULL(test, dst);
	src[0] = page_to_pfn(head);
	KUNIT_ASSERT_EQ(test, migrate_device_pfns(src, THP_NR), 0);
	KUNIT_ASSERT_TRUE(test, src[0] & MIGRATE_PFN_COMPOUND);
	page = alloc_page(GFP_HIGHUSER_MOVABLE);
	KUNIT_ASSERT_NOT_NULL(test, page);
	lock_page(page);
	dst[0] = migrate_pfn(page_to_pfn(page));
	migrate_device_pages(src, dst, THP_NR);
	KUNIT_EXPECT_FALSE(test, src[0] & MIGRATE_PFN_MIGRATE);
	migrate_device_finalize(src, dst, THP_NR);
	KUNIT_EXPECT_PTR_EQ(test, thp_expect_device_pmd(test, addr, dev), head);
	dmk_expect_data(test, addr, THP_NR, 329);

	base = dmk_mmap(test, 1, PROT_READ | PROT_WRITE);
	dmk_fill(test, base, 1, 330);
	page = dmk_lookup(test, base).page;
	dmk_args_init(test, &args, base, 1, MIGRATE_VMA_SELECT_SYSTEM,
		      umdevmem_owner(dev));
	KUNIT_ASSERT_EQ(test, dmk_setup(test, &args), 0);
	KUNIT_ASSERT_EQ(test, args.cpages, 1);
	head = umdevmem_alloc_huge(dev);
	KUNIT_ASSERT_NOT_NULL(test, head);
	args.dst[0] = migrate_pfn(page_to_pfn(head)) | MIGRATE_PFN_COMPOUND;
	dmk_pages_finalize(&args);
	KUNIT_EXPECT_FALSE(test, args.src[0] & MIGRATE_PFN_MIGRATE);
	KUNIT_EXPECT_PTR_EQ(test, dmk_lookup(test, base).page, page);
	dmk_expect_data(test, base, 1, 330);
	dmk_finish(test);
}

/*
 * Eviction of a whole device (migrate_device_range()) marks a huge device
 * folio compound and moves it to a system THP.
 */
static void eviction_of_device_with_huge_folio(struct kunit *test)
{
	struct umdevmem *dev = umdevmem_create("thp-evict", 2 * THP_NR);
	unsigned long addr = thp_system(test, 331);

	KUNIT_ASSERT_FALSE(test, IS_ERR(dev));
	thp_to_device(test, dev, addr);
	KUNIT_EXPECT_EQ(test, umdevmem_evict(dev), THP_NR);
	KUNIT_EXPECT_EQ(test, thp_lookup(test, addr).kind, THP_SYSTEM);
	dmk_expect_data(test, addr, THP_NR, 331);
	KUNIT_EXPECT_EQ(test, umdevmem_destroy(dev), 0);
	dmk_finish(test);
}
#endif /* UMDEVMEM_HUGE */

static struct kunit_case thp_cases[] = {
	KUNIT_CASE(thp_split_during_collection),
	KUNIT_CASE(huge_zero_page_split_during_collection),
	KUNIT_CASE(partial_munmap_and_fork_of_thp),
	KUNIT_CASE(tlb_sync_maps_huge_pmd_on_host),
#ifdef UMDEVMEM_HUGE
	KUNIT_CASE(compound_hole_to_device_and_back),
	KUNIT_CASE(huge_zero_page_to_device_and_back),
	KUNIT_CASE(collapsed_thp_to_device_and_back),
	KUNIT_CASE(partial_munmap_of_device_pmd),
	KUNIT_CASE(mremap_of_device_pmd),
	KUNIT_CASE(fork_of_device_pmd),
	KUNIT_CASE(huge_alloc_failure_splits_to_device),
	KUNIT_CASE(huge_alloc_failure_splits_back),
	KUNIT_CASE(huge_zero_page_alloc_failure),
	KUNIT_CASE(madv_free_keeps_device_pmd),
	KUNIT_CASE(select_compound_alignment),
	KUNIT_CASE(pte_mapped_thp_split_during_collection),
	KUNIT_CASE(device_pmd_to_other_device),
	KUNIT_CASE(eviction_of_huge_device_folio),
	KUNIT_CASE(compound_selects_by_kind),
	KUNIT_CASE(thp_faulted_in_before_huge_insert),
	KUNIT_CASE(compound_mismatch_refused),
	KUNIT_CASE(eviction_of_device_with_huge_folio),
#endif
	{}
};

static struct kunit_suite thp_suite = {
	.name = "umdevmem_thp",
	.init = dmk_init,
	.suite_exit = dmk_suite_exit,
	.test_cases = thp_cases,
};
kunit_test_suite(thp_suite);
