// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem KUnit suites: each case's mm and devices, and the small
 * things a case holds (page references, locks, pins), all owned by KUnit.
 */
#include <kunit/test-bug.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/mman.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/shmem_fs.h>
#include <linux/syscalls.h>
#include "dmk.h"

struct mm_struct *dmk_mm_new(void)
{
	struct mm_struct *mm = mm_alloc();

	if (!mm)
		return NULL;
	mm->task_size = TASK_SIZE;
	arch_pick_mmap_layout(mm, &current->signal->rlim[RLIMIT_STACK]);
	return mm;
}

int dmk_attach_new_mm(void)
{
	struct mm_struct *mm = dmk_mm_new();

	if (!mm)
		return -ENOMEM;
	kthread_use_mm(mm);	/* the thread's exit drops the mm */
	return 0;
}

/*
 * The case's mm goes with our reference.  In the case's own thread (the
 * case asked for it) the thread's reference goes too; in KUnit's cleanup
 * thread the case's thread has ended, or is about to drop its reference
 * in exit_mm(), after KUnit saw it finish.  The last mmput() tears the
 * mm down here, so that its device pages are freed before the devices
 * are checked.
 */
static void dmk_release_mm(void *ctx)
{
	struct dmk *d = ctx;
	struct mm_struct *mm = d->mm;
	unsigned long deadline = jiffies + 10 * HZ;

	if (!mm)
		return;
	d->mm = NULL;
	if (current->mm == mm) {
		kthread_unuse_mm(mm);
		mmput(mm);
		mmput(mm);
		return;
	}
	while (atomic_read(&mm->mm_users) > 1 && time_before(jiffies, deadline))
		schedule_timeout_uninterruptible(1);
	if (atomic_read(&d->stuck) || atomic_read(&mm->mm_users) > 1) {
		/* a thread still runs on it: leave it, and say so */
		kunit_fail_current_test("test mm still in use (%d users, %d stuck threads): not torn down",
					atomic_read(&mm->mm_users),
					atomic_read(&d->stuck));
		return;
	}
	mmput(mm);
}

void dmk_teardown_mm(struct kunit *test)
{
	kunit_release_action(test, dmk_release_mm, dmk(test));
}

int dmk_init_watching(struct kunit *test, struct umdevmem **devs, int n)
{
	struct dmk *d;
	int i, ret;

	if (umdevmem_count() < DMK_DEVICES) {
		kunit_err(test, "need %d umdevmem devices, have %u\n",
			  DMK_DEVICES, umdevmem_count());
		return -ENODEV;
	}
	d = kunit_kzalloc(test, sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	test->priv = d;
	/* checked last, after everything else the case took is released */
	for (i = 0; i < DMK_DEVICES; i++) {
		d->dev[i] = umdevmem_get(i);
		d->base[i] = dmk_stats(d->dev[i]);
		dmk_watch(test, d->dev[i]);
	}
	for (i = 0; i < n; i++)
		dmk_watch(test, devs[i]);

	if (current->mm)
		return -EBUSY;
	ret = dmk_attach_mm();
	if (ret)
		return ret;
	d->mm = current->mm;
	mmget(d->mm);
	return kunit_add_action_or_reset(test, dmk_release_mm, d);
}

int dmk_init(struct kunit *test)
{
	return dmk_init_watching(test, NULL, 0);
}

void dmk_exit(struct kunit *test)
{
	struct dmk *d = dmk(test);
	int i;

	for (i = 0; d && i < d->nwatched; i++)
		umdevmem_reset(d->watched[i]);
}

void dmk_suite_exit(struct kunit_suite *suite)
{
	unsigned int i;

	for (i = 0; i < umdevmem_count(); i++) {
		struct umdevmem *dev = umdevmem_get(i);
		struct umdevmem_stats s = dmk_stats(dev);

		/* no case to fail here: the runner fails on the WARNING */
		WARN(s.free_pages != s.total_pages,
		     "%s: %s leaked %lu device pages\n", suite->name,
		     umdevmem_name(dev), s.total_pages - s.free_pages);
	}
}

struct umdevmem_stats dmk_stats(struct umdevmem *dev)
{
	struct umdevmem_stats s;

	umdevmem_get_stats(dev, &s);
	return s;
}

struct dmk_watch {
	struct umdevmem *dev;
	struct umdevmem_stats base;
};

static void dmk_check_device(void *ctx)
{
	struct dmk_watch *w = ctx;
	struct kunit *test = kunit_get_current_test();
	struct umdevmem_stats now = dmk_stats(w->dev);

	KUNIT_EXPECT_EQ_MSG(test, now.free_pages, w->base.free_pages,
			    "%s leaked device pages", umdevmem_name(w->dev));
	KUNIT_EXPECT_EQ_MSG(test, now.allocated - w->base.allocated,
			    now.freed - w->base.freed,
			    "%s: allocations and page_free() differ",
			    umdevmem_name(w->dev));
}

void dmk_watch(struct kunit *test, struct umdevmem *dev)
{
	struct dmk_watch *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	struct dmk *d = dmk(test);

	KUNIT_ASSERT_NOT_NULL(test, w);
	KUNIT_ASSERT_LT(test, d->nwatched, DMK_WATCH_MAX);
	d->watched[d->nwatched++] = dev;
	w->dev = dev;
	w->base = dmk_stats(dev);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, dmk_check_device,
							w), 0);
}

static void dmk_destroy_action(void *ctx)
{
	struct umdevmem *dev = ctx;

	KUNIT_EXPECT_EQ_MSG(kunit_get_current_test(), umdevmem_destroy(dev), 0,
			    "%s: pages still in use", umdevmem_name(dev));
}

static struct umdevmem *dmk_own(struct kunit *test, struct umdevmem *dev)
{
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(dev), "device not created: %ld",
			       PTR_ERR(dev));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
				dmk_destroy_action, dev), 0);
	return dev;
}

struct umdevmem *dmk_create(struct kunit *test, const char *name,
			    unsigned long npages)
{
	return dmk_own(test, umdevmem_create(name, npages));
}

struct umdevmem *dmk_create_coherent(struct kunit *test, const char *name,
				     unsigned long npages)
{
	return dmk_own(test, umdevmem_create_coherent(name, npages));
}

bool dmk_destroy(struct kunit *test, struct umdevmem *dev)
{
	kunit_remove_action(test, dmk_destroy_action, dev);
	return umdevmem_destroy(dev) == 0;
}

KUNIT_DEFINE_ACTION_WRAPPER(dmk_put_page_action, put_page, struct page *);
KUNIT_DEFINE_ACTION_WRAPPER(dmk_unlock_page_action, unlock_page,
			    struct page *);
KUNIT_DEFINE_ACTION_WRAPPER(dmk_unpin_action, unpin_user_page, struct page *);

void dmk_hold_page(struct kunit *test, struct page *page)
{
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
				dmk_put_page_action, page), 0);
}

void dmk_get_page(struct kunit *test, struct page *page)
{
	get_page(page);
	dmk_hold_page(test, page);
}

void dmk_put_page(struct kunit *test, struct page *page)
{
	kunit_release_action(test, dmk_put_page_action, page);
}

void dmk_lock_page(struct kunit *test, struct page *page)
{
	lock_page(page);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
				dmk_unlock_page_action, page), 0);
}

void dmk_unlock_page(struct kunit *test, struct page *page)
{
	kunit_release_action(test, dmk_unlock_page_action, page);
}

struct page *dmk_pin(struct kunit *test, unsigned long addr,
		     unsigned int gup_flags)
{
	struct page *page = NULL;

	if (pin_user_pages_fast(addr, 1, gup_flags, &page) != 1)
		return NULL;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
				dmk_unpin_action, page), 0);
	return page;
}

void dmk_unpin(struct kunit *test, struct page *page)
{
	kunit_release_action(test, dmk_unpin_action, page);
}

static const unsigned long dmk_mremap_flags[] = {
	MREMAP_MAYMOVE | MREMAP_FIXED,
	MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP,
};

static void dmk_mremap_desc(const unsigned long *flags, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "MAYMOVE|FIXED%s",
		 *flags & MREMAP_DONTUNMAP ? "|DONTUNMAP" : "");
}
KUNIT_ARRAY_PARAM(dmk_mremap_table, dmk_mremap_flags, dmk_mremap_desc);

DMK_GEN_PARAMS(dmk_mremap_gen_params)
{
	return DMK_GEN_CALL(dmk_mremap_table_gen_params);
}

static unsigned long dmk_mmap_flags(struct kunit *test, unsigned long npages,
				    unsigned long prot, unsigned long flags)
{
	unsigned long addr;

	addr = kunit_vm_mmap(test, NULL, 0, npages << PAGE_SHIFT, prot,
			     flags | MAP_ANONYMOUS, 0);
	KUNIT_ASSERT_FALSE_MSG(test, !addr || IS_ERR_VALUE(addr),
			       "vm_mmap: %ld", (long)addr);
	return addr;
}

unsigned long dmk_mmap(struct kunit *test, unsigned long npages,
		       unsigned long prot)
{
	return dmk_mmap_flags(test, npages, prot, MAP_PRIVATE);
}

unsigned long dmk_mmap_shared(struct kunit *test, unsigned long npages,
			      unsigned long prot)
{
	return dmk_mmap_flags(test, npages, prot, MAP_SHARED);
}

unsigned long dmk_mmap_private_file(struct kunit *test, unsigned long npages)
{
	struct file *file = shmem_file_setup("umdevmem-kunit",
					     npages << PAGE_SHIFT,
					     UMDEVMEM_SHMEM_FLAGS);
	unsigned long addr;

	KUNIT_ASSERT_FALSE(test, IS_ERR(file));
	addr = kunit_vm_mmap(test, file, 0, npages << PAGE_SHIFT,
			     PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
	fput(file);
	KUNIT_ASSERT_FALSE_MSG(test, !addr || IS_ERR_VALUE(addr),
			       "vm_mmap: %ld", (long)addr);
	return addr;
}

int dmk_munmap(unsigned long addr, unsigned long npages)
{
	return vm_munmap(addr, npages << PAGE_SHIFT);
}

int dmk_mprotect(unsigned long addr, unsigned long npages, unsigned long prot)
{
	return sys_mprotect(addr, npages << PAGE_SHIFT, prot);
}
