// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem suite umdevmem_insert: migrate_vma_insert_page() backing off.
 * A hole is collected by migrate_vma_setup(), then, before
 * migrate_vma_pages() maps the device page there, the address space
 * changes: a page is faulted in, another migration puts a device entry
 * there, the range is registered for userfaultfd missing faults, or the
 * OOM reaper marks the mm unstable.  The entry loses MIGRATE_PFN_MIGRATE,
 * migrate_vma_finalize() frees the device page and the pte keeps what the
 * other party put there.
 */
#include <linux/migrate.h>
#include <linux/mman.h>
#include <linux/sched/coredump.h>
#include <linux/userfaultfd_k.h>
#include "dmk.h"

#define NPAGES 4
#define VICTIM 1

struct insert_run {
	struct migrate_vma *args;
	struct page *dpages[NPAGES];
	struct umdevmem_stats before;
	unsigned long addr;
};

/* mmap a hole, collect it and get device pages for it. */
static void start(struct kunit *test, struct insert_run *r)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	unsigned long i;

	r->addr = dmk_mmap(test, NPAGES, PROT_READ | PROT_WRITE);
	r->before = dmk_stats(dev);
	r->args = dmk_args(test, r->addr, NPAGES, MIGRATE_VMA_SELECT_SYSTEM,
			   umdevmem_owner(dev));
	KUNIT_ASSERT_EQ(test, dmk_setup(test, r->args), 0);
	KUNIT_ASSERT_EQ(test, r->args->cpages, NPAGES);
	KUNIT_ASSERT_EQ(test, dmk_alloc_and_copy(test, dev, r->args, r->dpages),
			NPAGES);
	for (i = 0; i < NPAGES; i++)
		KUNIT_ASSERT_EQ(test, dmk_lookup(test, r->addr + i * PAGE_SIZE).kind,
				DMK_NONE);
}

/*
 * After pages and finalize: entries in @refused kept what is there, the
 * others are device pages, and only their device pages are still allocated.
 */
static void finish_and_check(struct kunit *test, struct insert_run *r,
			     unsigned long refused)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	unsigned long i, inserted = 0;
	struct umdevmem_stats after;

	dmk_pages_finalize(test, r->args);
	after = dmk_stats(dev);
	for (i = 0; i < NPAGES; i++) {
		bool moved = r->args->src[i] & MIGRATE_PFN_MIGRATE;

		KUNIT_EXPECT_EQ_MSG(test, moved, !(refused & BIT(i)),
				    "src[%lu] %#lx", i, r->args->src[i]);
		if (!moved)
			continue;
		inserted++;
		KUNIT_EXPECT_PTR_EQ(test,
				    dmk_lookup(test, r->addr + i * PAGE_SIZE).page,
				    r->dpages[i]);
	}
	KUNIT_EXPECT_EQ(test, after.allocated - r->before.allocated, NPAGES);
	KUNIT_EXPECT_EQ(test, after.freed - r->before.freed, NPAGES - inserted);
	KUNIT_EXPECT_EQ(test, r->before.free_pages - after.free_pages, inserted);
}

/* A CPU fault mapped a page meanwhile: that entry is left alone. */
static void page_faulted_in_meanwhile(struct kunit *test)
{
	unsigned long victim;
	struct insert_run r;

	start(test, &r);
	victim = r.addr + VICTIM * PAGE_SIZE;
	dmk_fill(test, victim, 1, 91);
	KUNIT_ASSERT_EQ(test, dmk_lookup(test, victim).kind, DMK_SYSTEM);
	finish_and_check(test, &r, BIT(VICTIM));
	KUNIT_EXPECT_EQ(test, dmk_lookup(test, victim).kind, DMK_SYSTEM);
	dmk_expect_data(test, victim, 1, 91);
}

/* Another migration put a device-private entry there first. */
static void device_entry_appeared_meanwhile(struct kunit *test)
{
	struct umdevmem *other = dmk(test)->dev[1];
	struct umdevmem_migrate_result res;
	unsigned long victim;
	struct insert_run r;

	start(test, &r);
	victim = r.addr + VICTIM * PAGE_SIZE;
	res = dmk_migrate(test, other, victim, 1, MIGRATE_VMA_SELECT_SYSTEM,
			  NULL);
	KUNIT_ASSERT_EQ(test, res.migrated, 1);
	finish_and_check(test, &r, BIT(VICTIM));
	dmk_expect_on_device(test, other, victim, 1);
	dmk_expect_on_device(test, dmk(test)->dev[0], r.addr, VICTIM);
}

/*
 * A range registered for missing faults must see them in userspace, so
 * no page is inserted behind its back.  The test sets the VMA flag that
 * UFFDIO_REGISTER with UFFDIO_REGISTER_MODE_MISSING sets; no userfaultfd
 * context exists, so it is cleared before anything can fault there.
 */
static void clear_uffd_missing(void *ctx)
{
	struct vm_area_struct *vma = ctx;

	mmap_write_lock(vma->vm_mm);
	vm_flags_clear(vma, VM_UFFD_MISSING);
	mmap_write_unlock(vma->vm_mm);
}

static void userfaultfd_missing_range(struct kunit *test)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	struct insert_run r;
	unsigned long i;
	bool missing;

	if (!IS_ENABLED(CONFIG_USERFAULTFD))
		kunit_skip(test, "needs CONFIG_USERFAULTFD");
	start(test, &r);
	mmap_write_lock(mm);
	vma = vma_lookup(mm, r.addr);
	vm_flags_set(vma, VM_UFFD_MISSING);
	missing = userfaultfd_missing(vma);
	mmap_write_unlock(mm);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
				clear_uffd_missing, vma), 0);
	KUNIT_EXPECT_TRUE(test, missing);

	finish_and_check(test, &r, GENMASK(NPAGES - 1, 0));

	kunit_release_action(test, clear_uffd_missing, vma);
	for (i = 0; i < NPAGES; i++)
		KUNIT_EXPECT_EQ(test, dmk_lookup(test, r.addr + i * PAGE_SIZE).kind,
				DMK_NONE);
}

static void mm_stable_again(void *ctx)
{
	umdevmem_mm_set_unstable(ctx, false);
}

/* The OOM reaper marked the mm unstable: nothing may be mapped into it. */
static void unstable_address_space(struct kunit *test)
{
	struct mm_struct *mm = current->mm;
	struct insert_run r;
	unsigned long i;

	start(test, &r);
	umdevmem_mm_set_unstable(mm, true);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, mm_stable_again,
							mm), 0);
	finish_and_check(test, &r, GENMASK(NPAGES - 1, 0));
	kunit_release_action(test, mm_stable_again, mm);
	for (i = 0; i < NPAGES; i++)
		KUNIT_EXPECT_EQ(test, dmk_lookup(test, r.addr + i * PAGE_SIZE).kind,
				DMK_NONE);
}

static struct kunit_case insert_cases[] = {
	KUNIT_CASE(page_faulted_in_meanwhile),
	KUNIT_CASE(device_entry_appeared_meanwhile),
	KUNIT_CASE(userfaultfd_missing_range),
	KUNIT_CASE(unstable_address_space),
	{}
};

static struct kunit_suite insert_suite = {
	.name = "umdevmem_insert",
	.init = dmk_init,
	.exit = dmk_exit,
	.suite_exit = dmk_suite_exit,
	.test_cases = insert_cases,
};
kunit_test_suite(insert_suite);
