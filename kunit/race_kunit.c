// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem suite umdevmem_race: kthreads sharing the test's mm race a
 * migration, an eviction or CPU faults against each other and against
 * MADV_DONTNEED, munmap, mprotect and fork of the same range.  A
 * migration holds the mmap lock for reading throughout, so munmap,
 * mprotect and fork (writers) race an eviction, which holds none.
 *
 * UML runs one CPU here and a kernel without preemption, so threads
 * change hands only where they sleep.  The device's DMA latency
 * (umdevmem_set_dma_latency()) makes each migration sleep while it is in
 * flight: its pages are locked and carry migration entries, the mmap lock
 * is held for reading (or, for an eviction, not at all).  Each race runs
 * rounds in both orders and three ways: the second thread starts exactly
 * while the first one's DMA is in flight (umdevmem_signal_dma(), the
 * forced preemption point), or once the first is done, or both start at
 * once and the scheduler decides.  Each round checks data, page table
 * entries, rss and device counters; where the outcome tells the orders
 * apart, the case also checks that each order happened.
 */
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/mman.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include "dmk.h"

#define RACE_PAGES	16
#define RACE_ROUNDS	6
#define RACE_THREADS	4

/* What a forked child found. */
struct race_fork {
	unsigned long addr;
	unsigned int seed;
	unsigned long bad_read, bad_write;
};

struct race_thread {
	struct completion *go;
	struct race_fork *fork;
	struct completion *after;	/* wait for this after the start */
	long (*fn)(struct race_thread *t);
	unsigned long addr;
	unsigned int seed;
	long result;		/* what fn returned: 0 when all went well */
	struct completion done;
};

/* A case's threads and the completions they wait on, owned by KUnit. */
struct race {
	struct race_thread t[RACE_THREADS];
	struct dmk_thread *thread[RACE_THREADS];
	struct completion go;
	struct completion in_flight;
	struct race_fork fork;
};

static struct race *race_alloc(struct kunit *test)
{
	struct race *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->t[0].fork = r->t[1].fork = &r->fork;
	return r;
}

static long race_threadfn(void *data)
{
	struct race_thread *t = data;

	long ret;

	wait_for_completion(t->go);
	if (t->after)
		wait_for_completion_timeout(t->after, 20 * HZ);
	ret = t->fn(t);
	complete_all(&t->done);
	return ret;
}

/* Start the first @n threads, release them together, wait for all. */
static void race_run(struct kunit *test, struct race *r, int n)
{
	int i;

	init_completion(&r->go);
	for (i = 0; i < n; i++) {
		r->t[i].go = &r->go;
		r->t[i].result = -EINPROGRESS;
		init_completion(&r->t[i].done);
		r->thread[i] = dmk_thread_start(test, race_threadfn, &r->t[i],
						"dmk-race");
	}
	complete_all(&r->go);
	for (i = 0; i < n; i++) {
		r->t[i].result = dmk_thread_wait(r->thread[i], 60 * HZ);
		if (r->t[i].result == -ETIMEDOUT)
			KUNIT_FAIL_AND_ABORT(test, "race thread %d hangs", i);
	}
}

/*
 * How round @round orders its threads: the @second ones start while the
 * @first one's DMA on @dev is in flight, or when it is done, or all start
 * at once.  A @first that does no DMA of its own waits for nothing.
 */
static void race_arrange(unsigned int round, struct race_thread *first,
			 struct race_thread **second, int nsecond,
			 struct umdevmem *dev, bool first_dmas,
			 struct completion *in_flight)
{
	unsigned int mode = round % 3;
	int i;

	if (mode == 0 && !first_dmas)
		mode = 1;
	init_completion(in_flight);
	first->after = NULL;
	for (i = 0; i < nsecond; i++)
		second[i]->after = mode == 0 ? in_flight :
				   mode == 1 ? &first->done : NULL;
	if (mode == 0)
		umdevmem_signal_dma(dev, in_flight);
	umdevmem_set_dma_latency(dev, mode == 0 ? 2000 : 200);
}

static void race_settle(struct umdevmem *dev)
{
	umdevmem_signal_dma(dev, NULL);
	umdevmem_set_dma_latency(dev, 0);
}


/* Pages of [addr, addr + n pages) mapping a page of @dev. */
static unsigned long race_on(struct kunit *test, unsigned long addr,
			     unsigned long n, struct umdevmem *dev)
{
	unsigned long i, found = 0;

	for (i = 0; i < n; i++) {
		struct dmk_pte p = dmk_lookup(test, addr + i * PAGE_SIZE);

		if (p.kind == DMK_DEVICE && umdevmem_page_device(p.page) == dev)
			found++;
	}
	return found;
}

/* The device holds exactly the pages the test's mm maps on it. */
static void race_expect_device_pages(struct kunit *test, struct umdevmem *dev,
				     unsigned long mapped,
				     const struct umdevmem_stats *base)
{
	KUNIT_EXPECT_EQ_MSG(test, base->free_pages - dmk_stats(dev).free_pages,
			    mapped, "%s: pages in use differ from pages mapped",
			    umdevmem_name(dev));
}

static void race_expect_rss(struct kunit *test, unsigned long want)
{
	struct mm_struct *mm = current->mm;

	KUNIT_EXPECT_EQ(test, umdevmem_mm_counter(mm, MM_ANONPAGES),
			(s64)want);
	KUNIT_EXPECT_EQ(test, umdevmem_mm_counter(mm, MM_SWAPENTS),
			0);
}

/* A fresh, filled region at the same address each round. */
static void race_refill(struct kunit *test, unsigned long addr,
			unsigned int seed)
{
	unsigned long ret;

	ret = vm_mmap(NULL, addr, RACE_PAGES << PAGE_SHIFT,
		      PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, 0);
	KUNIT_ASSERT_EQ(test, ret, addr);
	dmk_fill(test, addr, RACE_PAGES, seed);
}

/*
 * One round of @dma_fn, which runs DMA on @dev, against @other, both on
 * [addr, addr + RACE_PAGES) with @seed: the thread of @dma_fn is thread
 * 0 in even rounds, and it leads (the other starts while its DMA is in
 * flight, or after it) in even rounds; @other leads in odd ones, which
 * only tells the ways apart if @other_dmas too.  Returns the index of
 * @dma_fn's thread.
 */
static unsigned int race_pair(struct kunit *test, struct race *r,
			      unsigned int round, struct umdevmem *dev,
			      long (*dma_fn)(struct race_thread *t),
			      long (*other)(struct race_thread *t),
			      bool other_dmas, unsigned long addr,
			      unsigned int seed)
{
	unsigned int first = round & 1;
	struct race_thread *t = r->t, *lead, *second;

	t[first].fn = dma_fn;
	t[!first].fn = other;
	t[0].addr = t[1].addr = addr;
	t[0].seed = t[1].seed = seed;
	lead = round & 1 ? &t[!first] : &t[first];
	second = round & 1 ? &t[first] : &t[!first];
	race_arrange(round, lead, &second, 1, dev, other_dmas || !(round & 1),
		     &r->in_flight);
	race_run(test, r, 2);
	race_settle(dev);
	return first;
}

/* A fresh region with pattern @seed, all of it on @dev. */
static void race_refill_on(struct kunit *test, struct umdevmem *dev,
			   unsigned long addr, unsigned int seed)
{
	race_refill(test, addr, seed);
	KUNIT_ASSERT_EQ(test, dmk_migrate(test, dev, addr, RACE_PAGES,
			MIGRATE_VMA_SELECT_SYSTEM, NULL).migrated, RACE_PAGES);
}

static long race_read_all(struct race_thread *t)
{
	return dmk_bad_pages(t->addr, RACE_PAGES, t->seed);
}

static long race_read_one(struct race_thread *t)
{
	return dmk_bad_pages(t->addr, 1, t->seed);
}

/* System pages and the other device's pages of the range to device @x. */
static long race_migrate(struct race_thread *t, unsigned int x)
{
	struct umdevmem_migrate_result res;
	long ret;

	ret = umdevmem_migrate_to_device(umdevmem_get(x), current->mm, t->addr,
					 t->addr + RACE_PAGES * PAGE_SIZE,
					 MIGRATE_VMA_SELECT_SYSTEM |
					 MIGRATE_VMA_SELECT_DEVICE_PRIVATE,
					 umdevmem_owner(umdevmem_get(!x)), &res);
	return ret ? ret : -(long)res.migrated;	/* <= 0: pages moved */
}

static long race_migrate_dev0(struct race_thread *t)
{
	return race_migrate(t, 0);
}

static long race_migrate_dev1(struct race_thread *t)
{
	return race_migrate(t, 1);
}

static long race_evict_dev0(struct race_thread *t)
{
	return -(long)umdevmem_evict(umdevmem_get(0));
}

/* Zap the middle half of the range. */
static long race_dontneed(struct race_thread *t)
{
	return do_madvise(current->mm, t->addr + RACE_PAGES / 4 * PAGE_SIZE,
			  RACE_PAGES / 2 * PAGE_SIZE, MADV_DONTNEED);
}

static long race_munmap_half(struct race_thread *t)
{
	return vm_munmap(t->addr, RACE_PAGES / 2 * PAGE_SIZE);
}

/*
 * Many threads fault the same device page at once: one migrate_to_ram()
 * moves it, the others wait for it or find it gone, and every one of them
 * reads the data (the refcount race migrate_vma's fault_page is about).
 */
static void race_fault_storm(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	struct race *r = race_alloc(test);
	struct race_thread *t = r->t;
	struct umdevmem_stats before, after;
	unsigned int round, i;
	unsigned long addr;

	addr = dmk_mmap(test, 1, PROT_READ | PROT_WRITE);
	dmk_fill(test, addr, 1, 70);
	for (round = 0; round < RACE_ROUNDS; round++) {
		KUNIT_ASSERT_EQ(test, dmk_migrate(test, dev, addr, 1,
				MIGRATE_VMA_SELECT_SYSTEM, NULL).migrated, 1);
		umdevmem_set_dma_latency(dev, round & 1 ? 2000 : 200);
		before = dmk_stats(dev);
		for (i = 0; i < RACE_THREADS; i++) {
			t[i].fn = race_read_one;
			t[i].addr = addr;
			t[i].seed = 70;
		}
		race_run(test, r, RACE_THREADS);
		umdevmem_set_dma_latency(dev, 0);
		after = dmk_stats(dev);
		for (i = 0; i < RACE_THREADS; i++)
			KUNIT_EXPECT_EQ_MSG(test, t[i].result, 0,
					    "round %u: thread %u read bad data",
					    round, i);
		KUNIT_EXPECT_EQ_MSG(test, after.to_ram_pages - before.to_ram_pages,
				    1, "round %u: migrations back", round);
		KUNIT_EXPECT_GE(test, after.to_ram_calls - before.to_ram_calls,
				1);
		dmk_expect_on_system(test, addr, 1);
		race_expect_device_pages(test, dev, 0, &dmk(test)->base[0]);
	}
}

/*
 * MADV_DONTNEED zaps half the range while a migration of the whole range
 * is in flight (both hold the mmap lock for reading): the zapped half
 * reads as zeroes whichever came first, nothing leaks, and rss counts
 * what is mapped.
 */
static void race_migrate_vs_dontneed(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	struct race *r = race_alloc(test);
	struct race_thread *t = r->t;
	unsigned int round, first, zap_after = 0, zap_before = 0;
	unsigned long addr, on_dev, i;

	addr = dmk_mmap(test, RACE_PAGES, PROT_READ | PROT_WRITE);
	for (round = 0; round < RACE_ROUNDS; round++) {
		race_refill(test, addr, 71 + round);
		first = race_pair(test, r, round, dev, race_migrate_dev0,
				  race_dontneed, false, addr, 71 + round);
		KUNIT_EXPECT_LE(test, t[first].result, 0);
		KUNIT_EXPECT_EQ(test, t[!first].result, 0);

		on_dev = race_on(test, addr, RACE_PAGES, dev);
		/* the pages outside the zapped half all moved */
		KUNIT_EXPECT_GE_MSG(test, on_dev, RACE_PAGES / 2, "round %u", round);
		race_expect_device_pages(test, dev, on_dev, &dmk(test)->base[0]);
		for (i = 0; i < RACE_PAGES; i++) {
			struct dmk_pte p = dmk_lookup(test, addr + i * PAGE_SIZE);
			bool zapped = i >= RACE_PAGES / 4 &&
				      i < RACE_PAGES / 4 + RACE_PAGES / 2;

			if (zapped)
				KUNIT_EXPECT_TRUE_MSG(test, p.kind == DMK_NONE ||
						      p.kind == DMK_DEVICE,
						      "round %u page %lu", round, i);
			else
				KUNIT_EXPECT_EQ_MSG(test, p.kind, DMK_DEVICE,
						    "round %u page %lu", round, i);
		}
		race_expect_rss(test, on_dev);
		zap_after += on_dev == RACE_PAGES / 2;
		zap_before += on_dev == RACE_PAGES;
		dmk_expect_data_from(test, addr, 0, RACE_PAGES / 4, 71 + round);
		dmk_expect_data_from(test, addr, RACE_PAGES / 4 + RACE_PAGES / 2,
				    RACE_PAGES / 4, 71 + round);
		dmk_expect_zero(test, addr + RACE_PAGES / 4 * PAGE_SIZE,
				 RACE_PAGES / 2);
	}
	/* both orders happened: the zap hit migrations in flight too */
	kunit_info(test, "zap before migration: %u rounds, during or after: %u\n",
		   zap_before, zap_after);
	KUNIT_EXPECT_GT(test, zap_before, 0);
	KUNIT_EXPECT_GT(test, zap_after, 0);
}

/*
 * Two devices migrate the same range at once, each taking system pages
 * and the other device's pages: the one that starts second either finds
 * the pages in flight (migration entries, nothing collected) or, once the
 * first is done, takes them all over.  Each page ends on one device with
 * its data; the pages each migration reports moved are on its device.
 */
static void race_two_devices(struct kunit *test)
{
	struct umdevmem *dev0 = dmk(test)->dev[0], *dev1 = dmk(test)->dev[1];
	struct race *r = race_alloc(test);
	struct race_thread *t = r->t, *second;
	unsigned long addr, n0, n1, i;
	unsigned int round, found_busy = 0, took_over = 0;
	long moved0, moved1;

	addr = dmk_mmap(test, RACE_PAGES, PROT_READ | PROT_WRITE);
	for (round = 0; round < RACE_ROUNDS; round++) {
		race_refill(test, addr, 80 + round);
		t[0].fn = round & 1 ? race_migrate_dev1 : race_migrate_dev0;
		t[1].fn = round & 1 ? race_migrate_dev0 : race_migrate_dev1;
		t[0].addr = t[1].addr = addr;
		second = &t[1];
		race_arrange(round, &t[0], &second, 1, round & 1 ? dev1 : dev0,
			     true, &r->in_flight);
		race_run(test, r, 2);
		race_settle(round & 1 ? dev1 : dev0);

		n0 = race_on(test, addr, RACE_PAGES, dev0);
		n1 = race_on(test, addr, RACE_PAGES, dev1);
		/*
		 * Whichever went first moved all pages; the other moved none
		 * (they were in flight) or took all of them over.
		 */
		moved0 = -t[0].result;
		moved1 = -t[1].result;
		KUNIT_EXPECT_EQ_MSG(test, n0 + n1, RACE_PAGES, "round %u", round);
		KUNIT_EXPECT_TRUE_MSG(test, moved0 + moved1 == RACE_PAGES ||
				      moved0 + moved1 == 2 * RACE_PAGES,
				      "round %u: moved %ld and %ld", round,
				      moved0, moved1);
		KUNIT_EXPECT_LE(test, (long)(round & 1 ? n1 : n0), moved0);
		KUNIT_EXPECT_LE(test, (long)(round & 1 ? n0 : n1), moved1);
		for (i = 0; i < RACE_PAGES; i++) {
			enum dmk_kind kind = dmk_lookup(test, addr + i * PAGE_SIZE).kind;

			KUNIT_EXPECT_TRUE_MSG(test, kind == DMK_SYSTEM ||
					      kind == DMK_DEVICE,
					      "round %u page %lu", round, i);
		}
		race_expect_device_pages(test, dev0, n0, &dmk(test)->base[0]);
		race_expect_device_pages(test, dev1, n1, &dmk(test)->base[1]);
		race_expect_rss(test, RACE_PAGES);
		dmk_expect_data(test, addr, RACE_PAGES, 80 + round);
		found_busy += moved0 + moved1 == RACE_PAGES;
		took_over += moved0 + moved1 == 2 * RACE_PAGES;
	}
	kunit_info(test, "the second migration found the pages in flight in %u rounds, took them over in %u\n",
		   found_busy, took_over);
	KUNIT_EXPECT_GT(test, found_busy, 0);
	KUNIT_EXPECT_GT(test, took_over, 0);
}

/*
 * CPU faults on a device being evicted: each page moves back exactly once,
 * by the eviction or by a fault, and every reader sees the data.
 */
static void race_evict_vs_faults(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	struct race *r = race_alloc(test);
	struct race_thread *t = r->t, *others[2];
	struct umdevmem_stats before, after;
	unsigned int round, i, both = 0;
	unsigned long addr, busy = 0;

	addr = dmk_mmap(test, RACE_PAGES, PROT_READ | PROT_WRITE);
	for (round = 0; round < RACE_ROUNDS; round++) {
		race_refill(test, addr, 90 + round);
		KUNIT_ASSERT_EQ(test, dmk_migrate(test, dev, addr, RACE_PAGES,
				MIGRATE_VMA_SELECT_SYSTEM, NULL).migrated,
				RACE_PAGES);
		for (i = 0; i < 3; i++) {
			/* the eviction goes first in even rounds */
			t[i].fn = i == (round & 1) ? race_evict_dev0 :
						    race_read_all;
			t[i].addr = addr;
			t[i].seed = 90 + round;
		}
		others[0] = &t[1];
		others[1] = &t[2];
		before = dmk_stats(dev);
		race_arrange(round, &t[0], others, 2, dev, true, &r->in_flight);
		race_run(test, r, 3);
		race_settle(dev);
		after = dmk_stats(dev);

		for (i = 0; i < 3; i++)
			KUNIT_EXPECT_LE_MSG(test, t[i].result, 0,
					    "round %u thread %u", round, i);
		KUNIT_EXPECT_EQ_MSG(test, (after.evicted - before.evicted) +
				    (after.to_ram_pages - before.to_ram_pages),
				    RACE_PAGES, "round %u: pages moved back", round);
		KUNIT_EXPECT_EQ(test, -t[round & 1].result,
				(long)(after.evicted - before.evicted));
		dmk_expect_on_system(test, addr, RACE_PAGES);
		race_expect_device_pages(test, dev, 0, &dmk(test)->base[0]);
		race_expect_rss(test, RACE_PAGES);
		dmk_expect_data(test, addr, RACE_PAGES, 90 + round);
		both += after.evicted != before.evicted &&
			after.to_ram_pages != before.to_ram_pages;
		busy += after.to_ram_busy - before.to_ram_busy;
	}
	/* faults ran during evictions: both moved pages in one round */
	kunit_info(test, "eviction and faults both moved pages in %u rounds; %lu faults found their page taken\n",
		   both, busy);
	KUNIT_EXPECT_GT(test, both, 0);
}

/*
 * munmap of half the range while the device is being evicted (an
 * eviction holds no mmap lock): the other half comes back whole, nothing
 * leaks, rss counts the half that stays.
 */
static void race_evict_vs_munmap(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	struct race *r = race_alloc(test);
	struct race_thread *t = r->t;
	unsigned long addr, half = RACE_PAGES / 2;
	unsigned int round, first;

	addr = dmk_mmap(test, RACE_PAGES, PROT_READ | PROT_WRITE);
	for (round = 0; round < RACE_ROUNDS; round++) {
		race_refill_on(test, dev, addr, 100 + round);
		first = race_pair(test, r, round, dev, race_evict_dev0,
				  race_munmap_half, false, addr, 100 + round);

		KUNIT_EXPECT_EQ(test, t[!first].result, 0);
		KUNIT_EXPECT_LE(test, t[first].result, 0);
		dmk_expect_on_system(test, addr + half * PAGE_SIZE, half);
		race_expect_device_pages(test, dev, 0, &dmk(test)->base[0]);
		race_expect_rss(test, half);
		dmk_expect_data_from(test, addr, half, half, 100 + round);
	}
}

static long race_mprotect_ro(struct race_thread *t)
{
	return dmk_mprotect(t->addr, RACE_PAGES, PROT_READ);
}

/*
 * mprotect(PROT_READ) of the range while the device is being evicted: the
 * migration entries of the eviction must come back read-only, so no page
 * ends writable in the read-only VMA, and the data is whole.
 */
static void race_evict_vs_mprotect(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	struct race *r = race_alloc(test);
	struct race_thread *t = r->t;
	unsigned int round, first;
	unsigned long addr, i;

	addr = dmk_mmap(test, RACE_PAGES, PROT_READ | PROT_WRITE);
	for (round = 0; round < RACE_ROUNDS; round++) {
		race_refill_on(test, dev, addr, 120 + round);
		first = race_pair(test, r, round, dev, race_evict_dev0,
				  race_mprotect_ro, false, addr, 120 + round);

		KUNIT_EXPECT_EQ(test, t[!first].result, 0);
		KUNIT_EXPECT_EQ(test, t[first].result, -RACE_PAGES);
		dmk_expect_on_system(test, addr, RACE_PAGES);
		for (i = 0; i < RACE_PAGES; i++)
			KUNIT_EXPECT_FALSE_MSG(test,
					       dmk_lookup(test, addr + i * PAGE_SIZE).write,
					       "round %u: page %lu writable", round, i);
		KUNIT_EXPECT_EQ(test, dmk_write_pattern(addr, RACE_PAGES, 1),
				RACE_PAGES);	/* every write refused */
		race_expect_device_pages(test, dev, 0, &dmk(test)->base[0]);
		race_expect_rss(test, RACE_PAGES);
		dmk_expect_data(test, addr, RACE_PAGES, 120 + round);
	}
}

static int race_child_fn(void *arg)
{
	struct race_fork *f = arg;

	f->bad_read = dmk_bad_pages(f->addr, RACE_PAGES, f->seed);
	f->bad_write = dmk_write_pattern(f->addr, RACE_PAGES, f->seed + 1) +
		       dmk_bad_pages(f->addr, RACE_PAGES, f->seed + 1);
	return 0;
}

/* fork() from a race thread: the child checks and rewrites the range. */
static long race_fork_child(struct race_thread *t)
{
	struct race_fork *f = t->fork;

	f->addr = t->addr;
	f->seed = t->seed;
	f->bad_read = f->bad_write = RACE_PAGES;
	return dmk_fork(race_child_fn, f);
}

/*
 * fork() while the device is being evicted: the child copies entries that
 * are device entries or migration entries at that moment; parent and
 * child both end with the data, the child's writes stay its own.
 */
static void race_fork_vs_evict(struct kunit *test)
{
	struct umdevmem *dev = dmk(test)->dev[0];
	struct race *r = race_alloc(test);
	struct race_thread *t = r->t;
	unsigned int round, first;
	unsigned long addr;

	addr = dmk_mmap(test, RACE_PAGES, PROT_READ | PROT_WRITE);
	for (round = 0; round < RACE_ROUNDS; round++) {
		race_refill_on(test, dev, addr, 110 + round);
		/* the child's reads fault pages back through the DMA too */
		first = race_pair(test, r, round, dev, race_evict_dev0,
				  race_fork_child, true, addr, 110 + round);

		KUNIT_EXPECT_EQ(test, t[!first].result, 0);
		KUNIT_EXPECT_EQ_MSG(test, r->fork.bad_read, 0, "round %u", round);
		KUNIT_EXPECT_EQ_MSG(test, r->fork.bad_write, 0, "round %u",
				    round);
		/* a page both sides let go of stays; move it for the checks */
		umdevmem_evict(dev);
		dmk_expect_on_system(test, addr, RACE_PAGES);
		race_expect_device_pages(test, dev, 0, &dmk(test)->base[0]);
		race_expect_rss(test, RACE_PAGES);
		dmk_expect_data(test, addr, RACE_PAGES, 110 + round);
	}
}

static struct kunit_case race_cases[] = {
	KUNIT_CASE(race_fault_storm),
	KUNIT_CASE(race_migrate_vs_dontneed),
	KUNIT_CASE(race_two_devices),
	KUNIT_CASE(race_evict_vs_faults),
	KUNIT_CASE(race_evict_vs_munmap),
	KUNIT_CASE(race_evict_vs_mprotect),
	KUNIT_CASE(race_fork_vs_evict),
	{}
};

static struct kunit_suite race_suite = {
	.name = "umdevmem_race",
	.init = dmk_init,
	.exit = dmk_exit,
	.suite_exit = dmk_suite_exit,
	.test_cases = race_cases,
};
kunit_test_suite(race_suite);
