// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem suite umdevmem_hmm_walk: what only the hmm-walk series
 * (mm-patches/7.3/hmm-walk) offers, built when the tree has it.
 *
 *  - MIGRATE_VMA_FAULT: migrate_vma_setup() faults in what is not present
 *    and collects it in the same call: another device's pages, device
 *    exclusive entries, holes of a shared mapping; holes of anonymous
 *    memory are collected without a fault, as without the flag; a guard
 *    marker and PROT_NONE fail with -EFAULT;
 *  - HMM_PFN_REQ_MIGRATE: hmm_range_fault() collects for a migrate_vma
 *    over holes, the zero page, system pages and both devices' pages;
 *  - the MMU_NOTIFY_MIGRATE invalidation another interval notifier user
 *    sees, and the -EBUSY it then gets from hmm_range_fault();
 *  - retries: a migration entry met with MIGRATE_VMA_FAULT is waited for,
 *    a notifier that does not ignore its own migration makes the call
 *    fail with -EBUSY; every failure restores what was collected, and no
 *    fault runs while collected pages are locked;
 *  - requests that do not fit the migration are refused.
 *
 * Not reachable on UML: swapped-out pages (a KUnit boot has neither a
 * swap device nor a way to swapon one) and large folios (UML has no
 * THP), so the series' PMD and split paths stay unexercised here.
 */
#include <linux/delay.h>
#include <linux/hmm.h>
#include <linux/migrate.h>
#include <linux/mman.h>
#include <linux/mmu_notifier.h>
#include <linux/sched/mm.h>
#include "dmk.h"

/*
 * An interval notifier user, standing for a second device driver.  A
 * driver ignores the MMU_NOTIFY_MIGRATE invalidations of its own
 * migrations (@own); every other invalidation changes its sequence.
 */
struct hw_user {
	struct mmu_interval_notifier sub;
	void *own;
	unsigned int migrate_events;	/* MMU_NOTIFY_MIGRATE, any owner */
	unsigned int own_events;	/* ... of @own */
	void *last_owner;
};

static bool hw_invalidate(struct mmu_interval_notifier *sub,
			  const struct mmu_notifier_range *range,
			  unsigned long cur_seq)
{
	struct hw_user *u = container_of(sub, struct hw_user, sub);

	if (range->event == MMU_NOTIFY_MIGRATE) {
		u->migrate_events++;
		u->last_owner = range->owner;
		if (u->own && range->owner == u->own) {
			u->own_events++;
			return true;
		}
	}
	mmu_interval_set_seq(sub, cur_seq);
	return true;
}

static const struct mmu_interval_notifier_ops hw_user_ops = {
	.invalidate = hw_invalidate,
};

static void hw_user_remove(void *ctx)
{
	struct hw_user *u = ctx;

	mmu_interval_notifier_remove(&u->sub);
}

/* A notifier user over @n pages from @addr, removed by KUnit. */
static struct hw_user *hw_user_add(struct kunit *test, unsigned long addr,
				   unsigned long n, void *own)
{
	struct hw_user *u = kunit_kzalloc(test, sizeof(*u), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, u);
	u->own = own;
	KUNIT_ASSERT_EQ(test, mmu_interval_notifier_insert(&u->sub,
				current->mm, addr, n << PAGE_SHIFT,
				&hw_user_ops), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, hw_user_remove,
							u), 0);
	return u;
}

static void hw_user_del(struct kunit *test, struct hw_user *u)
{
	kunit_release_action(test, hw_user_remove, u);
}

static int hw_fault_collect_once(struct kunit *test, struct migrate_vma *args,
				 struct hw_user *u, unsigned long default_flags,
				 unsigned long *pfns)
{
	struct mm_struct *mm = current->mm;
	unsigned long n = (args->end - args->start) >> PAGE_SHIFT;
	struct hmm_range range = {
		.notifier = u ? &u->sub : NULL,
		.start = args->start,
		.end = args->end,
		.hmm_pfns = args->src,
		.default_flags = default_flags,
		.dev_private_owner = args->pgmap_owner,
		.migrate = args,
	};
	int ret;

	if (u)
		range.notifier_seq = mmu_interval_read_begin(&u->sub);
	memset(args->src, 0, n * sizeof(*args->src));
	mmap_read_lock(mm);
	args->vma = vma_lookup(mm, args->start);
	ret = hmm_range_fault(&range);
	memcpy(pfns, args->src, n * sizeof(*pfns));
	if (!ret)
		migrate_vma_setup_range(&range);
	mmap_read_unlock(mm);
	if (!ret)
		dmk_collected(test, args);
	return ret;
}

/*
 * hmm_range_fault() collecting for @args, then migrate_vma_setup_range()
 * on success, under one mmap lock; up to @tries times while it says
 * -EBUSY, as a driver does.  @pfns gets hmm_range_fault()'s output (a
 * copy: the conversion overwrites args->src).
 */
static int hw_fault_collect(struct kunit *test, struct migrate_vma *args,
			    struct hw_user *u, unsigned long default_flags,
			    unsigned long *pfns, unsigned int tries)
{
	int ret;

	do {
		ret = hw_fault_collect_once(test, args, u, default_flags, pfns);
	} while (ret == -EBUSY && --tries);
	return ret;
}

/* Finish a collected migration to @dev; returns the pages it moved. */
static unsigned long hw_finish_to(struct kunit *test, struct migrate_vma *args,
				  struct umdevmem *dev)
{
	struct page **dpages;
	unsigned long i, moved = 0;

	dpages = kunit_kcalloc(test, args->npages, sizeof(*dpages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dpages);
	dmk_alloc_and_copy(test, dev, args, dpages);
	dmk_pages_finalize(test, args);
	for (i = 0; i < args->npages; i++)
		if (dpages[i] && (args->src[i] & MIGRATE_PFN_MIGRATE))
			moved++;
	return moved;
}

/*
 * Finish a migration that collected all @n pages from @addr and expect
 * them all on @dev, with pattern @seed.
 */
static void hw_finish_all_to(struct kunit *test, struct migrate_vma *args,
			     struct umdevmem *dev, unsigned long addr,
			     unsigned long n, unsigned int seed)
{
	KUNIT_EXPECT_EQ(test, hw_finish_to(test, args, dev), n);
	dmk_expect_on_device(test, dev, addr, n);
	dmk_expect_data(test, addr, n, seed);
}

/* Pages on the second device, and a migration to the first that faults. */
static void fault_flag_takes_other_device_pages(struct kunit *test)
{
	const unsigned long n = 6;
	struct umdevmem *a = dmk(test)->dev[0], *b = dmk(test)->dev[1];
	struct umdevmem_stats before;
	struct migrate_vma *args;
	unsigned long addr, i;

	addr = dmk_map_on_device(test, b, n, 61, false);
	before = dmk_stats(b);

	/* Without the flag the pages are not A's to collect. */
	args = dmk_args(test, addr, n, MIGRATE_VMA_SELECT_SYSTEM,
			umdevmem_owner(a));
	KUNIT_ASSERT_EQ(test, dmk_setup(test, args), 0);
	KUNIT_EXPECT_EQ(test, args->cpages, 0);
	dmk_pages_finalize(test, args);
	dmk_expect_on_device(test, b, addr, n);
	KUNIT_EXPECT_EQ(test, dmk_stats(b).to_ram_calls, before.to_ram_calls);

	/* With it, B moves each page back on the fault and A collects it. */
	args = dmk_args(test, addr, n,
			MIGRATE_VMA_SELECT_SYSTEM | MIGRATE_VMA_FAULT,
			umdevmem_owner(a));
	KUNIT_ASSERT_EQ(test, dmk_setup(test, args), 0);
	KUNIT_EXPECT_EQ(test, args->cpages, n);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_TRUE(test, args->src[i] & MIGRATE_PFN_MIGRATE);
		KUNIT_EXPECT_NOT_NULL(test, migrate_pfn_to_page(args->src[i]));
		KUNIT_EXPECT_TRUE(test, args->src[i] & MIGRATE_PFN_WRITE);
	}
	KUNIT_EXPECT_EQ(test, dmk_stats(b).to_ram_pages - before.to_ram_pages, n);
	hw_finish_all_to(test, args, a, addr, n, 61);
}

/* Anonymous holes are collected as holes: nothing to fault in. */
static void fault_flag_leaves_anonymous_holes(struct kunit *test)
{
	const unsigned long n = 8;
	struct umdevmem *a = dmk(test)->dev[0];
	struct migrate_vma *args;
	unsigned long addr, i;

	addr = dmk_mmap(test, n, PROT_READ | PROT_WRITE);
	dmk_fill(test, addr + 4 * PAGE_SIZE, 2, 62);	/* pages 4, 5 */
	args = dmk_args(test, addr, n,
			MIGRATE_VMA_SELECT_SYSTEM | MIGRATE_VMA_FAULT,
			umdevmem_owner(a));
	KUNIT_ASSERT_EQ(test, dmk_setup(test, args), 0);
	KUNIT_EXPECT_EQ(test, args->cpages, n);
	for (i = 0; i < n; i++) {
		bool filled = i == 4 || i == 5;

		KUNIT_EXPECT_TRUE(test, args->src[i] & MIGRATE_PFN_MIGRATE);
		KUNIT_EXPECT_EQ(test, !!migrate_pfn_to_page(args->src[i]), filled);
		/* not faulted: still no pte, not even the zero page */
		if (!filled)
			KUNIT_EXPECT_EQ(test, dmk_lookup(test, addr + i * PAGE_SIZE).kind,
					DMK_NONE);
	}
	/* no fault populated a hole: only pages 4 and 5 are anonymous pages */
	KUNIT_EXPECT_EQ(test, get_mm_counter(current->mm, MM_ANONPAGES), 2);
	KUNIT_EXPECT_EQ(test, hw_finish_to(test, args, a), n);
	dmk_expect_on_device(test, a, addr, n);
	dmk_expect_data(test, addr + 4 * PAGE_SIZE, 2, 62);
	for (i = 0; i < n; i++) {
		u8 byte = 0xff;

		if (i == 4 || i == 5)
			continue;
		KUNIT_EXPECT_EQ(test, copy_from_user(&byte,
				(void __user *)(addr + i * PAGE_SIZE + 100), 1), 0);
		KUNIT_EXPECT_EQ(test, byte, 0);
	}
}

/*
 * Holes of a shared mapping are faulted in and collected; device private
 * memory takes no shmem page, so the migration leaves them in place.
 */
static void fault_flag_faults_shared_holes(struct kunit *test)
{
	const unsigned long n = 4;
	struct umdevmem *a = dmk(test)->dev[0];
	struct migrate_vma *args;
	unsigned long addr, i;

	addr = dmk_mmap_shared(test, n, PROT_READ | PROT_WRITE);
	args = dmk_args(test, addr, n, MIGRATE_VMA_SELECT_SYSTEM,
			umdevmem_owner(a));
	KUNIT_ASSERT_EQ(test, dmk_setup(test, args), 0);
	KUNIT_EXPECT_EQ(test, args->cpages, 0);
	dmk_pages_finalize(test, args);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ(test, dmk_lookup(test, addr + i * PAGE_SIZE).kind,
				DMK_NONE);

	args = dmk_args(test, addr, n,
			MIGRATE_VMA_SELECT_SYSTEM | MIGRATE_VMA_FAULT,
			umdevmem_owner(a));
	KUNIT_ASSERT_EQ(test, dmk_setup(test, args), 0);
	KUNIT_EXPECT_EQ(test, args->cpages, n);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_NOT_NULL(test, migrate_pfn_to_page(args->src[i]));
	KUNIT_EXPECT_EQ(test, hw_finish_to(test, args, a), 0);
	for (i = 0; i < n; i++) {
		struct dmk_pte p = dmk_lookup(test, addr + i * PAGE_SIZE);

		KUNIT_EXPECT_EQ(test, p.kind, DMK_SYSTEM);
	}
}

/* A device exclusive entry is faulted back to a present page, collected. */
static void fault_flag_restores_exclusive_entry(struct kunit *test)
{
	const unsigned long n = 3;
	struct umdevmem *b = dmk(test)->dev[1];
	struct migrate_vma *args;
	unsigned long addr;

	addr = dmk_mmap(test, n, PROT_READ | PROT_WRITE);
	dmk_fill(test, addr, n, 63);
	KUNIT_ASSERT_NOT_NULL(test, dmk_make_exclusive(test, addr + PAGE_SIZE));
	KUNIT_ASSERT_EQ(test, dmk_lookup(test, addr + PAGE_SIZE).kind,
			DMK_EXCLUSIVE);

	args = dmk_args(test, addr, n, MIGRATE_VMA_SELECT_SYSTEM,
			umdevmem_owner(b));
	KUNIT_ASSERT_EQ(test, dmk_setup(test, args), 0);
	KUNIT_EXPECT_EQ(test, args->cpages, n - 1);
	KUNIT_EXPECT_FALSE(test, args->src[1] & MIGRATE_PFN_MIGRATE);
	dmk_pages_finalize(test, args);
	KUNIT_EXPECT_EQ(test, dmk_lookup(test, addr + PAGE_SIZE).kind,
			DMK_EXCLUSIVE);

	args = dmk_args(test, addr, n,
			MIGRATE_VMA_SELECT_SYSTEM | MIGRATE_VMA_FAULT,
			umdevmem_owner(b));
	KUNIT_ASSERT_EQ(test, dmk_setup(test, args), 0);
	KUNIT_EXPECT_EQ(test, args->cpages, n);
	hw_finish_all_to(test, args, b, addr, n, 63);
}

/*
 * The second device cannot copy its page back (an injected copy failure):
 * the fault fails, and the pages collected before it are restored.
 */
static void fault_flag_failure_restores(struct kunit *test)
{
	const unsigned long n = 4;
	struct umdevmem *a = dmk(test)->dev[0], *b = dmk(test)->dev[1];
	struct migrate_vma *args;
	unsigned long addr, i;
	struct dmk_pte p;

	addr = dmk_mmap(test, n, PROT_READ | PROT_WRITE);
	dmk_fill(test, addr, n, 64);
	KUNIT_ASSERT_EQ(test, dmk_migrate(test, b, addr + 3 * PAGE_SIZE, 1,
					  MIGRATE_VMA_SELECT_SYSTEM, NULL).migrated,
			1);
	umdevmem_fail_copy(b, 1);
	args = dmk_args(test, addr, n,
			MIGRATE_VMA_SELECT_SYSTEM | MIGRATE_VMA_FAULT,
			umdevmem_owner(a));
	KUNIT_EXPECT_EQ(test, dmk_setup(test, args), -EFAULT);
	umdevmem_fail_copy(b, 0);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ(test, args->src[i], 0);
	for (i = 0; i < 3; i++) {
		p = dmk_lookup(test, addr + i * PAGE_SIZE);
		KUNIT_ASSERT_EQ(test, p.kind, DMK_SYSTEM);
		KUNIT_EXPECT_TRUE(test, p.write);
		KUNIT_EXPECT_FALSE(test, PageLocked(p.page));
	}
	dmk_expect_on_device(test, b, addr + 3 * PAGE_SIZE, 1);
	dmk_expect_data(test, addr, n, 64);
}

/*
 * A guard marker cannot be faulted in: the walk fails with -EFAULT after
 * collecting the pages before it, and restores them.
 */
static void fault_flag_guard_marker_fails(struct kunit *test)
{
	const unsigned long n = 3;
	struct umdevmem *a = dmk(test)->dev[0];
	struct migrate_vma *args;
	unsigned long addr, i;
	struct dmk_pte p;

	addr = dmk_mmap(test, n, PROT_READ | PROT_WRITE);
	dmk_fill(test, addr, n, 74);
	KUNIT_ASSERT_EQ(test, do_madvise(current->mm, addr + 2 * PAGE_SIZE,
					 PAGE_SIZE, MADV_GUARD_INSTALL), 0);
	KUNIT_ASSERT_EQ(test, dmk_lookup(test, addr + 2 * PAGE_SIZE).kind,
			DMK_OTHER);

	/* Without a fault the marker is skipped. */
	args = dmk_args(test, addr, n, MIGRATE_VMA_SELECT_SYSTEM,
			umdevmem_owner(a));
	KUNIT_ASSERT_EQ(test, dmk_setup(test, args), 0);
	KUNIT_EXPECT_EQ(test, args->cpages, n - 1);
	dmk_pages_finalize(test, args);

	args = dmk_args(test, addr, n,
			MIGRATE_VMA_SELECT_SYSTEM | MIGRATE_VMA_FAULT,
			umdevmem_owner(a));
	KUNIT_EXPECT_EQ(test, dmk_setup(test, args), -EFAULT);
	for (i = 0; i < n - 1; i++) {
		p = dmk_lookup(test, addr + i * PAGE_SIZE);
		KUNIT_ASSERT_EQ(test, p.kind, DMK_SYSTEM);
		KUNIT_EXPECT_TRUE(test, p.write);
		KUNIT_EXPECT_FALSE(test, PageLocked(p.page));
	}
	dmk_expect_data(test, addr, n - 1, 74);
}

/* A fault in a vma the CPU may not read fails at once. */
static void fault_flag_prot_none(struct kunit *test)
{
	const unsigned long n = 2;
	struct umdevmem *a = dmk(test)->dev[0];
	struct migrate_vma *args;
	unsigned long addr;

	addr = dmk_mmap(test, n, PROT_READ | PROT_WRITE);
	dmk_fill(test, addr, n, 65);
	KUNIT_ASSERT_EQ(test, dmk_mprotect(addr, n, PROT_NONE), 0);

	/* Without a fault the pages are collected, as they always were. */
	args = dmk_args(test, addr, n, MIGRATE_VMA_SELECT_SYSTEM,
			umdevmem_owner(a));
	KUNIT_ASSERT_EQ(test, dmk_setup(test, args), 0);
	KUNIT_EXPECT_EQ(test, args->cpages, n);
	dmk_pages_finalize(test, args);

	args = dmk_args(test, addr, n,
			MIGRATE_VMA_SELECT_SYSTEM | MIGRATE_VMA_FAULT,
			umdevmem_owner(a));
	KUNIT_EXPECT_EQ(test, dmk_setup(test, args), -EFAULT);
	KUNIT_EXPECT_EQ(test, args->cpages, 0);
	KUNIT_ASSERT_EQ(test, dmk_mprotect(addr, n, PROT_READ | PROT_WRITE), 0);
	dmk_expect_on_system(test, addr, n);
	dmk_expect_data(test, addr, n, 65);
}

/* migrate_to_ram() serves a fault already: it may not ask for more. */
static void fault_flag_refused_with_fault_page(struct kunit *test)
{
	struct umdevmem *a = dmk(test)->dev[0];
	struct migrate_vma *args;
	struct dmk_pte p;
	unsigned long addr;

	addr = dmk_map_on_device(test, a, 1, 66, false);
	p = dmk_lookup(test, addr);
	KUNIT_ASSERT_EQ(test, p.kind, DMK_DEVICE);
	args = dmk_args(test, addr, 1,
			MIGRATE_VMA_SELECT_DEVICE_PRIVATE | MIGRATE_VMA_FAULT,
			umdevmem_owner(a));
	lock_page(p.page);
	args->fault_page = p.page;
	KUNIT_EXPECT_EQ(test, dmk_setup(test, args), -EINVAL);
	unlock_page(p.page);
	dmk_expect_on_device(test, a, addr, 1);
}

/*
 * HMM_PFN_REQ_MIGRATE over a hole, the zero page, system pages, a page of
 * the migrating device and one of another device, without a fault.
 */
static void req_migrate_mixed_range(struct kunit *test)
{
	const unsigned long n = 6;
	struct umdevmem *a = dmk(test)->dev[0], *b = dmk(test)->dev[1];
	unsigned long addr, pfns[6], i;
	struct page *sys[6] = {};
	struct migrate_vma *args;
	struct hw_user *u;
	u8 byte;

	/* 0 hole, 1 zero page, 2-3 system, 4 on A, 5 on B */
	addr = dmk_mmap(test, n, PROT_READ | PROT_WRITE);
	KUNIT_ASSERT_EQ(test, copy_from_user(&byte, (void __user *)(addr + PAGE_SIZE), 1), 0);
	dmk_fill(test, addr + 2 * PAGE_SIZE, 4, 67);
	KUNIT_ASSERT_EQ(test, dmk_migrate(test, a, addr + 4 * PAGE_SIZE, 1,
					  MIGRATE_VMA_SELECT_SYSTEM, NULL).migrated, 1);
	KUNIT_ASSERT_EQ(test, dmk_migrate(test, b, addr + 5 * PAGE_SIZE, 1,
					  MIGRATE_VMA_SELECT_SYSTEM, NULL).migrated, 1);
	KUNIT_ASSERT_EQ(test, dmk_lookup(test, addr + PAGE_SIZE).kind, DMK_ZERO);
	for (i = 2; i < 4; i++)
		sys[i] = dmk_lookup(test, addr + i * PAGE_SIZE).page;

	u = hw_user_add(test, addr, n, umdevmem_owner(a));
	args = dmk_args(test, addr, n, MIGRATE_VMA_SELECT_SYSTEM,
			umdevmem_owner(a));
	KUNIT_ASSERT_EQ(test, hw_fault_collect(test, args, u,
					       HMM_PFN_REQ_MIGRATE, pfns, 1), 0);
	hw_user_del(test, u);

	KUNIT_EXPECT_EQ(test, pfns[0] & (HMM_PFN_MIGRATE | HMM_PFN_VALID),
			HMM_PFN_MIGRATE);
	KUNIT_EXPECT_EQ(test, pfns[1] & (HMM_PFN_MIGRATE | HMM_PFN_VALID),
			HMM_PFN_MIGRATE);
	for (i = 2; i < 4; i++) {
		KUNIT_EXPECT_TRUE(test, pfns[i] & HMM_PFN_MIGRATE);
		KUNIT_EXPECT_TRUE(test, pfns[i] & HMM_PFN_VALID);
		KUNIT_EXPECT_TRUE(test, pfns[i] & HMM_PFN_WRITE);
		KUNIT_EXPECT_PTR_EQ(test, hmm_pfn_to_page(pfns[i]), sys[i]);
		KUNIT_EXPECT_EQ(test, dmk_lookup(test, addr + i * PAGE_SIZE).kind,
				DMK_MIGRATION);
	}
	/* A's own page: reported, but SELECT_DEVICE_PRIVATE was not asked */
	KUNIT_EXPECT_TRUE(test, pfns[4] & HMM_PFN_VALID);
	KUNIT_EXPECT_FALSE(test, pfns[4] & HMM_PFN_MIGRATE);
	/* B's page: not A's, and no fault asked */
	KUNIT_EXPECT_FALSE(test, pfns[5] & (HMM_PFN_VALID | HMM_PFN_MIGRATE));
	KUNIT_EXPECT_EQ(test, args->cpages, 4);
	KUNIT_EXPECT_EQ(test, args->npages, n);

	KUNIT_EXPECT_EQ(test, hw_finish_to(test, args, a), 4);
	dmk_expect_on_device(test, a, addr, 5);
	dmk_expect_on_device(test, b, addr + 5 * PAGE_SIZE, 1);
	dmk_expect_data(test, addr + 2 * PAGE_SIZE, 4, 67);
}

/* With HMM_PFN_REQ_FAULT too, B's page is faulted back and collected. */
static void req_migrate_with_fault(struct kunit *test)
{
	const unsigned long n = 3;
	struct umdevmem *a = dmk(test)->dev[0], *b = dmk(test)->dev[1];
	unsigned long addr, pfns[3], i;
	struct migrate_vma *args;
	struct hw_user *u;

	addr = dmk_mmap(test, n, PROT_READ | PROT_WRITE);
	dmk_fill(test, addr, n, 68);
	KUNIT_ASSERT_EQ(test, dmk_migrate(test, b, addr + PAGE_SIZE, 1,
					  MIGRATE_VMA_SELECT_SYSTEM, NULL).migrated, 1);
	u = hw_user_add(test, addr, n, umdevmem_owner(a));
	args = dmk_args(test, addr, n, MIGRATE_VMA_SELECT_SYSTEM,
			umdevmem_owner(a));
	KUNIT_ASSERT_EQ(test, hw_fault_collect(test, args, u,
				HMM_PFN_REQ_FAULT | HMM_PFN_REQ_MIGRATE, pfns, 3), 0);
	hw_user_del(test, u);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ(test, pfns[i] & (HMM_PFN_MIGRATE | HMM_PFN_VALID),
				HMM_PFN_MIGRATE | HMM_PFN_VALID);
	/*
	 * B's migrate_to_ram() changed the range: the first call ended with
	 * -EBUSY after one walk, the retry collected all in one walk.
	 */
	KUNIT_EXPECT_EQ(test, u->own_events, 2);
	KUNIT_EXPECT_GE(test, u->migrate_events - u->own_events, 1);
	hw_finish_all_to(test, args, a, addr, n, 68);
}

/*
 * Another hmm_range_fault() user of the range sees the migration: an
 * MMU_NOTIFY_MIGRATE invalidation with the migration's owner, a changed
 * sequence, and -EBUSY from a walk begun before it.
 */
static void other_user_sees_invalidation(struct kunit *test)
{
	const unsigned long n = 4;
	struct umdevmem *a = dmk(test)->dev[0], *b = dmk(test)->dev[1];
	struct mm_struct *mm = current->mm;
	unsigned long addr, pfns[4];
	struct hw_user *other, *own;
	struct hmm_range range = {};
	unsigned long seq, own_seq;

	addr = dmk_mmap(test, n, PROT_READ | PROT_WRITE);
	dmk_fill(test, addr, n, 69);
	other = hw_user_add(test, addr, n, umdevmem_owner(b));
	own = hw_user_add(test, addr, n, umdevmem_owner(a));
	seq = mmu_interval_read_begin(&other->sub);
	own_seq = mmu_interval_read_begin(&own->sub);

	KUNIT_EXPECT_EQ(test, dmk_migrate(test, a, addr, n,
					  MIGRATE_VMA_SELECT_SYSTEM, NULL).migrated, n);
	KUNIT_EXPECT_GE(test, other->migrate_events, 1);
	KUNIT_EXPECT_PTR_EQ(test, other->last_owner, umdevmem_owner(a));
	KUNIT_EXPECT_TRUE(test, mmu_interval_read_retry(&other->sub, seq));
	/* the migrating driver's own notifier may ignore its migration */
	KUNIT_EXPECT_GE(test, own->migrate_events, 1);
	KUNIT_EXPECT_FALSE(test, mmu_interval_read_retry(&own->sub, own_seq));

	range.notifier = &other->sub;
	range.notifier_seq = seq;
	range.start = addr;
	range.end = addr + n * PAGE_SIZE;
	range.hmm_pfns = pfns;
	range.dev_private_owner = umdevmem_owner(b);
	memset(pfns, 0, sizeof(pfns));
	mmap_read_lock(mm);
	KUNIT_EXPECT_EQ(test, hmm_range_fault(&range), -EBUSY);
	mmap_read_unlock(mm);

	hw_user_del(test, other);
	hw_user_del(test, own);
	dmk_expect_on_device(test, a, addr, n);
	dmk_expect_data(test, addr, n, 69);
}

/*
 * Page 0 present, page 1 a hole of a shared mapping, which is faulted in
 * between two walks without any invalidation.  A notifier that ignores
 * the walk's own invalidations sees one call succeed; one that does not
 * makes hmm_range_fault() fail with -EBUSY after the fault, and the page
 * collected before it is restored.
 */
static void own_invalidation_ignored_or_busy(struct kunit *test)
{
	const unsigned long n = 2;
	struct umdevmem *a = dmk(test)->dev[0];
	unsigned long addr, pfns[2];
	struct migrate_vma *args;
	struct dmk_pte p;
	struct hw_user *u;

	addr = dmk_mmap_shared(test, n, PROT_READ | PROT_WRITE);
	dmk_fill(test, addr, 1, 70);

	u = hw_user_add(test, addr, n, NULL);
	args = dmk_args(test, addr, n, MIGRATE_VMA_SELECT_SYSTEM,
			umdevmem_owner(a));
	KUNIT_EXPECT_EQ(test, hw_fault_collect(test, args, u,
				HMM_PFN_REQ_FAULT | HMM_PFN_REQ_MIGRATE, pfns, 1),
			-EBUSY);
	hw_user_del(test, u);
	KUNIT_EXPECT_EQ(test, u->migrate_events, 1);
	p = dmk_lookup(test, addr);
	KUNIT_ASSERT_EQ(test, p.kind, DMK_SYSTEM);
	KUNIT_EXPECT_TRUE(test, p.write);
	KUNIT_EXPECT_FALSE(test, PageLocked(p.page));
	/* the fault happened before the check that failed */
	KUNIT_EXPECT_EQ(test, dmk_lookup(test, addr + PAGE_SIZE).kind,
			DMK_SYSTEM);
	dmk_munmap(addr, n);

	addr = dmk_mmap_shared(test, n, PROT_READ | PROT_WRITE);
	dmk_fill(test, addr, 1, 70);
	u = hw_user_add(test, addr, n, umdevmem_owner(a));
	args = dmk_args(test, addr, n, MIGRATE_VMA_SELECT_SYSTEM,
			umdevmem_owner(a));
	KUNIT_EXPECT_EQ(test, hw_fault_collect(test, args, u,
				HMM_PFN_REQ_FAULT | HMM_PFN_REQ_MIGRATE, pfns, 1),
			0);
	hw_user_del(test, u);
	KUNIT_EXPECT_EQ(test, u->own_events, 2);
	KUNIT_EXPECT_EQ(test, args->cpages, n);
	/* shmem pages stay in system memory: the migration restores them */
	KUNIT_EXPECT_EQ(test, hw_finish_to(test, args, a), 0);
	dmk_expect_on_system(test, addr, n);
	dmk_expect_data(test, addr, 1, 70);
}

/* migrate_vma_setup() of @args in a thread of its own. */
static long hw_setup_fn(void *arg)
{
	struct migrate_vma *args = arg;
	struct mm_struct *mm = current->mm;
	long ret;

	mmap_read_lock(mm);
	args->vma = vma_lookup(mm, args->start);
	ret = migrate_vma_setup(args);
	mmap_read_unlock(mm);
	return ret;
}

/* Wait for the thread of hw_setup_fn(); its migration is KUnit's then. */
static long hw_setup_wait(struct kunit *test, struct dmk_thread *t,
			  struct migrate_vma *args)
{
	long ret = dmk_thread_wait(t, 60 * HZ);

	if (ret == -ETIMEDOUT)
		KUNIT_FAIL_AND_ABORT(test, "migrate_vma_setup() hangs");
	if (!ret)
		dmk_collected(test, args);
	return ret;
}

/*
 * A page in the middle of another migration (a migration entry): without
 * a fault it is skipped; with MIGRATE_VMA_FAULT the walk waits for that
 * migration to end (-EBUSY inside hmm_range_fault()) and then collects it.
 */
static void fault_flag_waits_for_migration_entry(struct kunit *test)
{
	const unsigned long n = 3;
	struct umdevmem *a = dmk(test)->dev[0], *b = dmk(test)->dev[1];
	struct migrate_vma *first, *args, *waiting;
	struct dmk_thread *t;
	unsigned long addr;

	addr = dmk_mmap(test, n, PROT_READ | PROT_WRITE);
	dmk_fill(test, addr, n, 71);
	first = dmk_args(test, addr + PAGE_SIZE, 1, MIGRATE_VMA_SELECT_SYSTEM,
			 umdevmem_owner(b));
	KUNIT_ASSERT_EQ(test, dmk_setup(test, first), 0);
	KUNIT_ASSERT_EQ(test, first->cpages, 1);

	args = dmk_args(test, addr, n, MIGRATE_VMA_SELECT_SYSTEM,
			umdevmem_owner(a));
	KUNIT_ASSERT_EQ(test, dmk_setup(test, args), 0);
	KUNIT_EXPECT_EQ(test, args->cpages, n - 1);
	KUNIT_EXPECT_FALSE(test, args->src[1] & MIGRATE_PFN_MIGRATE);
	dmk_pages_finalize(test, args);

	waiting = dmk_args(test, addr, n,
			   MIGRATE_VMA_SELECT_SYSTEM | MIGRATE_VMA_FAULT,
			   umdevmem_owner(a));
	t = dmk_thread_start(test, hw_setup_fn, waiting, "hw_waiter");
	msleep(50);
	KUNIT_EXPECT_FALSE(test, dmk_thread_done(t));

	/* the first migration gives up: its page is mapped again */
	dmk_pages_finalize(test, first);
	KUNIT_EXPECT_EQ(test, hw_setup_wait(test, t, waiting), 0);
	KUNIT_EXPECT_EQ(test, waiting->cpages, n);
	hw_finish_all_to(test, waiting, a, addr, n, 71);
}

struct hw_watch {
	struct completion in_flight;
	struct dmk_pte seen;
	bool locked;
};

/*
 * The walk never faults with collected folios locked: while the second
 * device's migrate_to_ram() copies page 1 back (its DMA in flight, a
 * fault of the walk), page 0, collected before, is mapped again and
 * unlocked.  Afterwards the walk collects both.
 */
static void fault_flag_releases_before_fault(struct kunit *test)
{
	const unsigned long n = 2;
	struct umdevmem *a = dmk(test)->dev[0], *b = dmk(test)->dev[1];
	struct migrate_vma *args;
	struct dmk_thread *t;
	struct hw_watch *watch;
	unsigned long addr;

	addr = dmk_mmap(test, n, PROT_READ | PROT_WRITE);
	dmk_fill(test, addr, n, 73);
	KUNIT_ASSERT_EQ(test, dmk_migrate(test, b, addr + PAGE_SIZE, 1,
					  MIGRATE_VMA_SELECT_SYSTEM, NULL).migrated, 1);

	watch = kunit_kzalloc(test, sizeof(*watch), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, watch);
	init_completion(&watch->in_flight);
	args = dmk_args(test, addr, n,
			MIGRATE_VMA_SELECT_SYSTEM | MIGRATE_VMA_FAULT,
			umdevmem_owner(a));
	umdevmem_set_dma_latency(b, 20000);
	umdevmem_signal_dma(b, &watch->in_flight);
	t = dmk_thread_start(test, hw_setup_fn, args, "hw_waiter");
	wait_for_completion(&watch->in_flight);
	watch->seen = dmk_lookup(test, addr);
	watch->locked = watch->seen.page && PageLocked(watch->seen.page);
	KUNIT_EXPECT_EQ(test, hw_setup_wait(test, t, args), 0);
	umdevmem_set_dma_latency(b, 0);

	KUNIT_EXPECT_EQ(test, watch->seen.kind, DMK_SYSTEM);
	KUNIT_EXPECT_FALSE(test, watch->locked);
	KUNIT_EXPECT_EQ(test, args->cpages, n);
	hw_finish_all_to(test, args, a, addr, n, 73);
}

/* Requests that do not describe the migration are refused. */
static void req_migrate_checked(struct kunit *test)
{
	const unsigned long n = 4;
	struct umdevmem *a = dmk(test)->dev[0], *b = dmk(test)->dev[1];
	struct mm_struct *mm = current->mm;
	unsigned long addr, pfns[4];
	struct migrate_vma *args;
	struct hmm_range range;
	struct hw_user *u;

	addr = dmk_mmap(test, n, PROT_READ | PROT_WRITE);
	dmk_fill(test, addr, n, 72);
	u = hw_user_add(test, addr, n, umdevmem_owner(a));
	args = dmk_args(test, addr, n, MIGRATE_VMA_SELECT_SYSTEM,
			umdevmem_owner(a));
	mmap_read_lock(mm);
	args->vma = vma_lookup(mm, addr);
	range = (struct hmm_range) {
		.notifier = &u->sub,
		.notifier_seq = mmu_interval_read_begin(&u->sub),
		.start = addr,
		.end = addr + (n - 1) * PAGE_SIZE,	/* not the migration's */
		.hmm_pfns = pfns,
		.default_flags = HMM_PFN_REQ_MIGRATE,
		.dev_private_owner = umdevmem_owner(a),
		.migrate = args,
	};
	KUNIT_EXPECT_EQ(test, hmm_range_fault(&range), -EINVAL);
	range.end = addr + n * PAGE_SIZE;
	range.dev_private_owner = umdevmem_owner(b);	/* not its owner */
	KUNIT_EXPECT_EQ(test, hmm_range_fault(&range), -EINVAL);
	range.dev_private_owner = umdevmem_owner(a);
	range.pfn_flags_mask = HMM_PFN_REQ_FAULT;	/* requests per page */
	KUNIT_EXPECT_EQ(test, hmm_range_fault(&range), -EINVAL);
	range.pfn_flags_mask = 0;
	range.migrate = NULL;
	range.notifier = NULL;		/* neither notifier nor migration */
	KUNIT_EXPECT_EQ(test, hmm_range_fault(&range), -EINVAL);
	mmap_read_unlock(mm);

	/* the variant that may drop the mmap lock does not collect */
	range.notifier = &u->sub;
	range.migrate = args;
	KUNIT_EXPECT_EQ(test, hmm_range_fault_unlocked_timeout(&range, 0),
			-EINVAL);
	hw_user_del(test, u);
	dmk_expect_on_system(test, addr, n);
	dmk_expect_data(test, addr, n, 72);
}

static struct kunit_case hmm_walk_cases[] = {
	KUNIT_CASE(fault_flag_takes_other_device_pages),
	KUNIT_CASE(fault_flag_leaves_anonymous_holes),
	KUNIT_CASE(fault_flag_faults_shared_holes),
	KUNIT_CASE(fault_flag_restores_exclusive_entry),
	KUNIT_CASE(fault_flag_failure_restores),
	KUNIT_CASE(fault_flag_guard_marker_fails),
	KUNIT_CASE(fault_flag_prot_none),
	KUNIT_CASE(fault_flag_refused_with_fault_page),
	KUNIT_CASE(fault_flag_waits_for_migration_entry),
	KUNIT_CASE(fault_flag_releases_before_fault),
	KUNIT_CASE(req_migrate_mixed_range),
	KUNIT_CASE(req_migrate_with_fault),
	KUNIT_CASE(other_user_sees_invalidation),
	KUNIT_CASE(own_invalidation_ignored_or_busy),
	KUNIT_CASE(req_migrate_checked),
	{}
};

static struct kunit_suite hmm_walk_suite = {
	.name = "umdevmem_hmm_walk",
	.init = dmk_init,
	.exit = dmk_exit,
	.suite_exit = dmk_suite_exit,
	.test_cases = hmm_walk_cases,
};
kunit_test_suite(hmm_walk_suite);

MODULE_LICENSE("GPL");
