// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem KUnit suites: migrations, whole or step by step, and
 * hmm_range_fault() as a driver calls it.
 */
#include <kunit/test-bug.h>
#include <linux/hmm.h>
#include <linux/mman.h>
#include <linux/mmu_notifier.h>
#include <linux/pagemap.h>
#include "dmk.h"

struct umdevmem_migrate_result dmk_migrate(struct kunit *test,
					   struct umdevmem *dev,
					   unsigned long addr,
					   unsigned long npages,
					   unsigned long flags, void *owner)
{
	struct umdevmem_migrate_result res;
	int ret;

	ret = umdevmem_migrate_to_device(dev, current->mm, addr,
					 addr + (npages << PAGE_SHIFT), flags,
					 owner, &res);
	KUNIT_EXPECT_EQ_MSG(test, ret, 0, "umdevmem_migrate_to_device");
	return res;
}

unsigned long dmk_map_on_device(struct kunit *test, struct umdevmem *dev,
				unsigned long n, unsigned int seed,
				bool readonly)
{
	struct umdevmem_migrate_result res;
	unsigned long addr;

	addr = dmk_mmap(test, n, PROT_READ | PROT_WRITE);
	dmk_fill(test, addr, n, seed);
	if (readonly)
		KUNIT_ASSERT_EQ(test, dmk_mprotect(addr, n, PROT_READ), 0);
	res = dmk_migrate(test, dev, addr, n, MIGRATE_VMA_SELECT_SYSTEM, NULL);
	KUNIT_ASSERT_EQ(test, res.migrated, n);
	return addr;
}

void dmk_expect_all_but_one(struct kunit *test, unsigned long addr,
			    unsigned long npages, unsigned long index,
			    struct page *page, unsigned int seed)
{
	struct dmk_pte p = dmk_lookup(test, addr + index * PAGE_SIZE);
	unsigned long i;

	KUNIT_EXPECT_EQ(test, p.kind, DMK_SYSTEM);
	KUNIT_EXPECT_PTR_EQ(test, p.page, page);
	KUNIT_EXPECT_TRUE(test, p.write);
	for (i = 0; i < npages; i++)
		if (i != index)
			dmk_expect_on_device(test, dmk(test)->dev[0],
					     addr + i * PAGE_SIZE, 1);
	dmk_expect_data(test, addr, npages, seed);
}

struct migrate_vma *dmk_args(struct kunit *test, unsigned long addr,
			     unsigned long npages, unsigned long flags,
			     void *owner)
{
	struct migrate_vma *args;

	args = kunit_kzalloc(test, sizeof(*args), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, args);
	args->start = addr;
	args->end = addr + (npages << PAGE_SHIFT);
	args->flags = flags;
	args->pgmap_owner = owner;
	args->src = kunit_kcalloc(test, npages, sizeof(long), GFP_KERNEL);
	args->dst = kunit_kcalloc(test, npages, sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, args->src);
	KUNIT_ASSERT_NOT_NULL(test, args->dst);
	return args;
}

static void dmk_migration_pages_finalize(struct migrate_vma *args)
{
	struct mm_struct *mm = args->vma->vm_mm;

	mmap_read_lock(mm);
	migrate_vma_pages(args);
	migrate_vma_finalize(args);
	mmap_read_unlock(mm);
}

/*
 * The case ended between setup and finalize: give every destination
 * page back (locked, one reference, as the driver got it), and let
 * finalize restore every collected entry.
 */
static void dmk_abort_migration(void *ctx)
{
	struct migrate_vma *args = ctx;
	unsigned long i;

	for (i = 0; i < args->npages; i++) {
		struct page *page = migrate_pfn_to_page(args->dst[i]);

		args->dst[i] = 0;
		if (!page)
			continue;
		unlock_page(page);
		put_page(page);
	}
	dmk_migration_pages_finalize(args);
}

void dmk_collected(struct kunit *test, struct migrate_vma *args)
{
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
				dmk_abort_migration, args), 0);
}

int dmk_setup(struct kunit *test, struct migrate_vma *args)
{
	struct mm_struct *mm = current->mm;
	int ret = -EFAULT;

	mmap_read_lock(mm);
	args->vma = vma_lookup(mm, args->start);
	if (args->vma)
		ret = migrate_vma_setup(args);
	mmap_read_unlock(mm);
	KUNIT_EXPECT_NOT_NULL(test, args->vma);
	if (!ret)
		dmk_collected(test, args);
	return ret;
}

void dmk_pages_finalize(struct kunit *test, struct migrate_vma *args)
{
	kunit_remove_action(test, dmk_abort_migration, args);
	dmk_migration_pages_finalize(args);
}

/*
 * A device page for every collected entry (zero-filled for entries
 * without a page), one DMA batch, dst pfns.  @dpages (npages entries)
 * receives the pages.  Returns the number of pages copied.
 */
unsigned long dmk_alloc_and_copy(struct kunit *test, struct umdevmem *dev,
				 struct migrate_vma *args,
				 struct page **dpages)
{
	struct page **spages;
	unsigned long i, n = 0, copied;

	spages = kunit_kcalloc(test, args->npages, sizeof(*spages),
			       GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, spages);
	for (i = 0; i < args->npages; i++) {
		dpages[i] = NULL;
		if (!(args->src[i] & MIGRATE_PFN_MIGRATE))
			continue;
		dpages[i] = umdevmem_alloc_page(dev);
		if (!dpages[i]) {
			KUNIT_FAIL(test, "no device page for entry %lu", i);
			continue;
		}
		spages[i] = migrate_pfn_to_page(args->src[i]);
		n++;
	}
	copied = umdevmem_copy_to_device(dpages, spages, args->npages);
	KUNIT_EXPECT_EQ(test, copied, n);
	for (i = 0; i < args->npages; i++)
		if (dpages[i])
			args->dst[i] = migrate_pfn(page_to_pfn(dpages[i]));
	kunit_kfree(test, spages);
	return copied;
}

static bool dmk_invalidate(struct mmu_interval_notifier *sub,
			   const struct mmu_notifier_range *range,
			   unsigned long cur_seq)
{
	mmu_interval_set_seq(sub, cur_seq);
	return true;
}

static const struct mmu_interval_notifier_ops dmk_notifier_ops = {
	.invalidate = dmk_invalidate,
};

/*
 * hmm_range_fault() as a driver calls it, retried on -EBUSY and on an
 * invalidation seen after it (mmu_interval_read_retry()); @unlocked:
 * through hmm_range_fault_unlocked_timeout(), which takes the mmap lock
 * and the sequence itself, with a driver's HMM_RANGE_DEFAULT_TIMEOUT.
 * The whole gets ten times that, for slow debug kernels.
 */
static int dmk_hmm_run(unsigned long addr, unsigned long n,
		       unsigned long *pfns, unsigned long default_flags,
		       void *owner, bool unlocked)
{
	unsigned long timeout = msecs_to_jiffies(HMM_RANGE_DEFAULT_TIMEOUT);
	unsigned long deadline = jiffies + 10 * timeout;
	struct mm_struct *mm = current->mm;
	struct mmu_interval_notifier notifier;
	struct hmm_range range = {
		.notifier = &notifier,
		.start = addr,
		.end = addr + n * PAGE_SIZE,
		.hmm_pfns = pfns,
		.default_flags = default_flags,
		.dev_private_owner = owner,
	};
	int ret;

	ret = mmu_interval_notifier_insert(&notifier, mm, addr, n * PAGE_SIZE,
					   &dmk_notifier_ops);
	if (ret)
		return ret;
	do {
		/* no per-page request flags: 7.x also keeps some input bits */
		memset(pfns, 0, n * sizeof(*pfns));
		if (unlocked) {
			ret = umdevmem_hmm_range_fault_unlocked(&range, timeout);
		} else {
			range.notifier_seq = mmu_interval_read_begin(&notifier);
			mmap_read_lock(mm);
			ret = hmm_range_fault(&range);
			mmap_read_unlock(mm);
		}
		/* a driver takes its lock here, then checks the sequence */
		if (!ret && mmu_interval_read_retry(&notifier,
						    range.notifier_seq))
			ret = -EBUSY;
	} while (ret == -EBUSY && !time_after(jiffies, deadline));
	mmu_interval_notifier_remove(&notifier);
	return ret;
}

int dmk_hmm_snapshot(struct kunit *test, unsigned long addr, unsigned long n,
		     unsigned long *pfns, unsigned long default_flags,
		     void *owner)
{
	return dmk_hmm_run(addr, n, pfns, default_flags, owner, false);
}

int dmk_hmm_unlocked(struct kunit *test, unsigned long addr, unsigned long n,
		     unsigned long *pfns, unsigned long default_flags,
		     void *owner)
{
	return dmk_hmm_run(addr, n, pfns, default_flags, owner, true);
}
