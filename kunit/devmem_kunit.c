// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem KUnit suites: fixture, data patterns, page table inspection.
 */
#include <asm/tlb.h>
#include <linux/delay.h>
#include <linux/hmm.h>
#include <linux/mmu_notifier.h>
#include <linux/kthread.h>
#include <linux/migrate.h>
#include <linux/mman.h>
#include <linux/pgtable.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "devmem_kunit.h"

int dmk_init(struct kunit *test)
{
	struct dmk *d;
	int i;

	d = kunit_kzalloc(test, sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	if (umdevmem_count() < DMK_DEVICES) {
		kunit_err(test, "need %d umdevmem devices, have %u\n",
			  DMK_DEVICES, umdevmem_count());
		return -ENODEV;
	}
	for (i = 0; i < DMK_DEVICES; i++) {
		d->dev[i] = umdevmem_get(i);
		d->base[i] = dmk_stats(d->dev[i]);
	}

	/* A private mm for this test, as lib/kunit/user_alloc.c does. */
	if (current->mm)
		return -EBUSY;
	d->mm = mm_alloc();
	if (!d->mm)
		return -ENOMEM;
	d->mm->task_size = TASK_SIZE;
	arch_pick_mmap_layout(d->mm, &current->signal->rlim[RLIMIT_STACK]);
	kthread_use_mm(d->mm);
	test->priv = d;
	return 0;
}

/*
 * Tear the test's mm down here, in the test's own thread, so that every
 * device page it still mapped is freed before the counters are compared.
 */
void dmk_finish(struct kunit *test)
{
	struct dmk *d = dmk(test);
	int i;

	kthread_unuse_mm(d->mm);
	mmput(d->mm);
	d->mm = NULL;

	for (i = 0; i < DMK_DEVICES; i++)
		dmk_expect_balanced(test, d->dev[i], &d->base[i]);
}

void dmk_expect_balanced(struct kunit *test, struct umdevmem *dev,
			 const struct umdevmem_stats *base)
{
	struct umdevmem_stats now = dmk_stats(dev);

	KUNIT_EXPECT_EQ_MSG(test, now.free_pages, base->free_pages,
			    "%s leaked device pages", umdevmem_name(dev));
	KUNIT_EXPECT_EQ_MSG(test, now.allocated - base->allocated,
			    now.freed - base->freed,
			    "%s: allocations and page_free() differ",
			    umdevmem_name(dev));
}

/*
 * A test that failed an assertion never reached dmk_finish(); its mm goes
 * away when its thread exits.  Check that the devices are whole again.
 */
void dmk_suite_exit(struct kunit_suite *suite)
{
	unsigned int i;

	for (i = 0; i < umdevmem_count(); i++) {
		struct umdevmem *dev = umdevmem_get(i);
		struct umdevmem_stats s = dmk_stats(dev);
		int tries = 50;

		while (s.free_pages != s.total_pages && tries--) {
			msleep(20);
			s = dmk_stats(dev);
		}
		/* no test to fail here: the runner fails on the WARNING */
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

static unsigned long dmk_mmap_flags(struct kunit *test, unsigned long npages,
				    unsigned long prot, unsigned long flags)
{
	unsigned long addr;

	addr = vm_mmap(NULL, 0, npages << PAGE_SHIFT, prot,
		       flags | MAP_ANONYMOUS, 0);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_VALUE(addr), "vm_mmap: %ld",
			       (long)addr);
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

int dmk_munmap(unsigned long addr, unsigned long npages)
{
	return vm_munmap(addr, npages << PAGE_SHIFT);
}

/* mprotect(2) for the current mm: the steps of do_mprotect_pkey(). */
int dmk_mprotect(unsigned long addr, unsigned long npages, unsigned long prot)
{
	unsigned long end = addr + (npages << PAGE_SHIFT);
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma, *prev;
	unsigned long newflags;
	struct mmu_gather tlb;
	struct vma_iterator vmi;
	int ret = -ENOMEM;

	mmap_write_lock(mm);
	vma_iter_init(&vmi, mm, addr);
	vma = vma_find(&vmi, end);
	if (!vma || vma->vm_start > addr || vma->vm_end < end)
		goto out;
	prev = vma_prev(&vmi);
	if (addr > vma->vm_start)
		prev = vma;
	vma_iter_init(&vmi, mm, addr);
	vma = vma_find(&vmi, end);

	newflags = calc_vm_prot_bits(prot, 0) |
		   (vma->vm_flags & ~(VM_READ | VM_WRITE | VM_EXEC));
	tlb_gather_mmu(&tlb, mm);
	ret = mprotect_fixup(&vmi, &tlb, vma, &prev, addr, end, newflags);
	tlb_finish_mmu(&tlb);
out:
	mmap_write_unlock(mm);
	return ret;
}

u8 dmk_byte(unsigned int seed, unsigned long page, unsigned long off)
{
	return (u8)(seed * 131 + page * 17 + off * 7 + (off >> 8));
}

void dmk_pattern(u8 *buf, unsigned int seed, unsigned long page)
{
	unsigned long off;

	for (off = 0; off < PAGE_SIZE; off++)
		buf[off] = dmk_byte(seed, page, off);
}

/* First offset where @buf differs from the pattern, or PAGE_SIZE. */
unsigned long dmk_mismatch(const u8 *buf, unsigned int seed,
				  unsigned long page)
{
	unsigned long off;

	for (off = 0; off < PAGE_SIZE; off++)
		if (buf[off] != dmk_byte(seed, page, off))
			return off;
	return PAGE_SIZE;
}

void dmk_expect_data_from(struct kunit *test, unsigned long addr,
			  unsigned long first, unsigned long n,
			  unsigned int seed)
{
	u8 *buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	unsigned long i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = first; i < first + n; i++) {
		KUNIT_ASSERT_EQ_MSG(test, copy_from_user(buf,
				(void __user *)addr + (i << PAGE_SHIFT),
				PAGE_SIZE), 0, "copy_from_user of page %lu", i);
		KUNIT_EXPECT_EQ_MSG(test, dmk_mismatch(buf, seed, i), PAGE_SIZE,
				    "page %lu differs from pattern %u", i, seed);
	}
	kunit_kfree(test, buf);
}

void dmk_expect_zero(struct kunit *test, unsigned long addr,
		     unsigned long npages)
{
	u8 *buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	unsigned long i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = 0; i < npages; i++) {
		KUNIT_ASSERT_EQ_MSG(test, copy_from_user(buf,
				(void __user *)addr + (i << PAGE_SHIFT),
				PAGE_SIZE), 0, "copy_from_user of page %lu", i);
		KUNIT_EXPECT_NULL_MSG(test, memchr_inv(buf, 0, PAGE_SIZE),
				      "page %lu is not zero", i);
	}
	kunit_kfree(test, buf);
}

void dmk_expect_data(struct kunit *test, unsigned long addr,
		     unsigned long npages, unsigned int seed)
{
	dmk_expect_data_from(test, addr, 0, npages, seed);
}

unsigned long dmk_write_pattern(unsigned long addr, unsigned long npages,
				unsigned int seed)
{
	u8 *buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	unsigned long i, bad = 0;

	if (!buf)
		return npages;
	for (i = 0; i < npages; i++) {
		dmk_pattern(buf, seed, i);
		if (copy_to_user((void __user *)addr + (i << PAGE_SHIFT), buf,
				 PAGE_SIZE))
			bad++;
	}
	kfree(buf);
	return bad;
}

void dmk_fill(struct kunit *test, unsigned long addr, unsigned long npages,
	      unsigned int seed)
{
	KUNIT_ASSERT_EQ_MSG(test, dmk_write_pattern(addr, npages, seed), 0,
			    "pages not written at %#lx", addr);
}

unsigned long dmk_bad_pages(unsigned long addr, unsigned long npages,
			    unsigned int seed)
{
	u8 *buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	unsigned long i, bad = 0;

	if (!buf)
		return npages;
	for (i = 0; i < npages; i++)
		if (copy_from_user(buf, (void __user *)addr + (i << PAGE_SHIFT),
				   PAGE_SIZE) ||
		    dmk_mismatch(buf, seed, i) != PAGE_SIZE)
			bad++;
	kfree(buf);
	return bad;
}

void dmk_expect_device_data(struct kunit *test, struct page *dpage,
			    unsigned int seed, unsigned long index)
{
	u8 *buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_EQ(test, umdevmem_read_page(dpage, buf), 0);
	KUNIT_EXPECT_EQ_MSG(test, dmk_mismatch(buf, seed, index), PAGE_SIZE,
			    "device copy of page %lu differs", index);
	kunit_kfree(test, buf);
}

void dmk_expect_zero_device_page(struct kunit *test, struct page *dpage)
{
	u8 *buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_EQ(test, umdevmem_read_page(dpage, buf), 0);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(buf, 0, PAGE_SIZE));
	kunit_kfree(test, buf);
}

pmd_t *dmk_pmd(struct mm_struct *mm, unsigned long addr)
{
	pgd_t *pgd = pgd_offset(mm, addr);
	p4d_t *p4d;
	pud_t *pud;

	if (pgd_none(*pgd))
		return NULL;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(*p4d))
		return NULL;
	pud = pud_offset(p4d, addr);
	if (pud_none(*pud))
		return NULL;
	return pmd_offset(pud, addr);
}

static pte_t *dmk_pte_map(struct mm_struct *mm, unsigned long addr,
			  spinlock_t **ptl)
{
	pmd_t *pmd = dmk_pmd(mm, addr);

	if (!pmd || pmd_none(*pmd))
		return NULL;
	return pte_offset_map_lock(mm, pmd, addr, ptl);
}

/* What the pte of @addr in @mm holds; the caller holds the mmap lock. */
struct dmk_pte dmk_lookup_locked(struct mm_struct *mm, unsigned long addr)
{
	struct dmk_pte r = { .kind = DMK_NONE };
	spinlock_t *ptl;
	pte_t *ptep, pte;

	ptep = dmk_pte_map(mm, addr, &ptl);
	if (!ptep)
		return r;
	pte = ptep_get(ptep);
	pte_unmap_unlock(ptep, ptl);

	if (pte_none(pte))
		return r;
	if (pte_present(pte)) {
		r.kind = is_zero_pfn(pte_pfn(pte)) ? DMK_ZERO : DMK_SYSTEM;
		r.page = pfn_to_page(pte_pfn(pte));
		if (is_device_coherent_page(r.page))
			r.kind = DMK_COHERENT;
		r.write = pte_write(pte);
		return r;
	}
	r.page = umd_device_exclusive(pte, &r.write);
	if (r.page) {
		r.kind = DMK_EXCLUSIVE;
		return r;
	}
	r.page = umd_device_private(pte, &r.write);
	r.kind = r.page ? DMK_DEVICE : DMK_OTHER;
	return r;
}

struct dmk_pte dmk_lookup(struct kunit *test, unsigned long addr)
{
	struct mm_struct *mm = current->mm;
	struct dmk_pte r;

	mmap_read_lock(mm);
	r = dmk_lookup_locked(mm, addr);
	mmap_read_unlock(mm);
	return r;
}

void dmk_expect_on_device(struct kunit *test, unsigned long addr,
			  unsigned long npages, struct umdevmem *dev)
{
	enum dmk_kind kind = umdevmem_is_coherent(dev) ? DMK_COHERENT :
							 DMK_DEVICE;
	unsigned long i;

	for (i = 0; i < npages; i++) {
		struct dmk_pte p = dmk_lookup(test, addr + (i << PAGE_SHIFT));

		KUNIT_EXPECT_EQ_MSG(test, p.kind, kind,
				    "page %lu is not a device page", i);
		if (p.kind == kind)
			KUNIT_EXPECT_PTR_EQ_MSG(test, umdevmem_page_device(p.page),
						dev, "page %lu on wrong device",
						i);
	}
}

void dmk_expect_on_system(struct kunit *test, unsigned long addr,
			  unsigned long npages)
{
	unsigned long i;

	for (i = 0; i < npages; i++) {
		struct dmk_pte p = dmk_lookup(test, addr + (i << PAGE_SHIFT));

		KUNIT_EXPECT_EQ_MSG(test, p.kind, DMK_SYSTEM,
				    "page %lu is not a present system page", i);
	}
}

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

void dmk_args_init(struct kunit *test, struct migrate_vma *args,
		   unsigned long addr, unsigned long npages,
		   unsigned long flags, void *owner)
{
	memset(args, 0, sizeof(*args));
	args->start = addr;
	args->end = addr + (npages << PAGE_SHIFT);
	args->flags = flags;
	args->pgmap_owner = owner;
	args->src = kunit_kcalloc(test, npages, sizeof(long), GFP_KERNEL);
	args->dst = kunit_kcalloc(test, npages, sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, args->src);
	KUNIT_ASSERT_NOT_NULL(test, args->dst);
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
	return ret;
}

/*
 * A device page for every collected entry (zero-filled for entries without
 * a page), one DMA batch, dst pfns.  @dpages (npages entries) receives the
 * pages.  Returns the number of pages copied.
 */
unsigned long dmk_alloc_and_copy(struct kunit *test, struct migrate_vma *args,
				 struct umdevmem *dev, struct page **dpages)
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
		KUNIT_ASSERT_NOT_NULL(test, dpages[i]);
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

void dmk_pages_finalize(struct migrate_vma *args)
{
	struct mm_struct *mm = current->mm;

	mmap_read_lock(mm);
	migrate_vma_pages(args);
	migrate_vma_finalize(args);
	mmap_read_unlock(mm);
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
			dmk_expect_on_device(test, addr + i * PAGE_SIZE, 1,
					     dmk(test)->dev[0]);
	dmk_expect_data(test, addr, npages, seed);
}

struct page *dmk_make_exclusive(struct kunit *test, unsigned long addr)
{
	struct mm_struct *mm = current->mm;
	struct page *page;

	mmap_read_lock(mm);
	page = umd_make_exclusive(mm, addr, umdevmem_owner(dmk(test)->dev[0]));
	mmap_read_unlock(mm);
	if (page) {
		unlock_page(page);
		put_page(page);
	}
	return page;
}

/*
 * Map @n anonymous pages, fill them with pattern @seed, make them read-only
 * if asked and migrate them all to @dev.  Returns the address.
 */
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

int dmk_hmm_snapshot(struct kunit *test, unsigned long addr, unsigned long n,
		     unsigned long *pfns, unsigned long default_flags,
		     void *owner)
{
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

	/* no per-page request flags: 7.x also keeps some input bits */
	memset(pfns, 0, n * sizeof(*pfns));
	ret = mmu_interval_notifier_insert(&notifier, mm, addr, n * PAGE_SIZE,
					   &dmk_notifier_ops);
	KUNIT_ASSERT_EQ(test, ret, 0);
	do {
		range.notifier_seq = mmu_interval_read_begin(&notifier);
		mmap_read_lock(mm);
		ret = hmm_range_fault(&range);
		mmap_read_unlock(mm);
	} while (ret == -EBUSY);
	mmu_interval_notifier_remove(&notifier);
	return ret;
}

static int dmk_child_fn(void *arg)
{
	struct dmk_child *c = arg;
	struct mm_struct *mm = current->mm;
	unsigned long i;

	mmap_read_lock(mm);
	for (i = 0; i < DMK_CHILD_PAGES; i++)
		c->before[i] = dmk_lookup_locked(mm, c->addr + i * PAGE_SIZE);
	mmap_read_unlock(mm);
	c->bad_read = dmk_bad_pages(c->addr, DMK_CHILD_PAGES, c->seed);
	c->bad_write = dmk_write_pattern(c->addr, DMK_CHILD_PAGES, c->new_seed);
	c->bad_reread = dmk_bad_pages(c->addr, DMK_CHILD_PAGES, c->new_seed);
	do_exit(0);
}

void dmk_run_child(struct kunit *test, struct dmk_child *c)
{
	struct kernel_clone_args args = {
		.flags = CLONE_UNTRACED,
		.exit_signal = SIGCHLD,
		.fn = dmk_child_fn,
		.fn_arg = c,
	};
	int status = 0;	/* kernel_wait() writes only a non-zero status */
	pid_t pid;

	/* kernel threads ignore SIGCHLD, which would reap the child early */
	kernel_sigaction(SIGCHLD, SIG_DFL);
	pid = kernel_clone(&args);
	if (pid > 0)
		KUNIT_EXPECT_EQ(test, kernel_wait(pid, &status), pid);
	kernel_sigaction(SIGCHLD, SIG_IGN);
	KUNIT_ASSERT_GT(test, pid, 0);
	KUNIT_EXPECT_EQ(test, status, 0);
}
