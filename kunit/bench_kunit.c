// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem suite umdevmem_bench: migration throughput, reported, not
 * asserted (each case still checks the data it moved).
 *
 *  - to_device_and_back: 4 KiB pages to a device and back, with
 *    migrate_vma_setup() + pages + finalize in 2 MiB calls;
 *  - thp_vs_base (7.x with THP): PMD-sized folios with
 *    MIGRATE_VMA_SELECT_COMPOUND (THPs to huge device folios and back)
 *    against base pages over the same sizes, from 2 MiB up;
 *  - fault_then_migrate: pages held by a second device, migrated to the
 *    first: hmm_range_fault() to fault them in, then migrate_vma_setup();
 *    and, where the tree has the hmm-walk series, migrate_vma_setup()
 *    with MIGRATE_VMA_FAULT, which does both in one call.
 *
 * umdevmem_bench.max_mib= (default 1) is the largest size; every size
 * from 1 MiB up, by factors of 4, is measured BENCH_REPS times and the
 * median reported.  scripts/bench.sh runs it on both sides of the series
 * and prints the table.
 */
#include <linux/hmm.h>
#include <linux/ktime.h>
#include <linux/migrate.h>
#include <linux/mman.h>
#include <linux/moduleparam.h>
#include <linux/sched/mm.h>
#include <linux/sort.h>
#include "devmem_kunit.h"

#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "umdevmem_bench."

static unsigned long max_mib = 1;
module_param(max_mib, ulong, 0444);
MODULE_PARM_DESC(max_mib, "largest size measured, in MiB (default 1)");

#define BENCH_CHUNK	512UL	/* pages per migrate_vma_setup() call: 2 MiB */
#define BENCH_REPS	5
#define PAGES_PER_MIB	(SZ_1M >> PAGE_SHIFT)

static struct umdevmem *bench_dev[2];

static int bench_suite_init(struct kunit_suite *suite)
{
	/* at least 2 MiB: the THP case moves whole PMDs */
	unsigned long npages = max_t(unsigned long, max_mib, 2) * PAGES_PER_MIB;
	int i;

	if (!max_mib || max_mib > 256)
		return -EINVAL;
	for (i = 0; i < 2; i++) {
		bench_dev[i] = umdevmem_create(i ? "bench1" : "bench0", npages);
		if (IS_ERR(bench_dev[i])) {
			int ret = PTR_ERR(bench_dev[i]);

			bench_dev[i] = NULL;
			return ret;
		}
	}
	return 0;
}

static void bench_suite_exit(struct kunit_suite *suite)
{
	int i;

	for (i = 0; i < 2; i++)
		if (bench_dev[i])
			umdevmem_destroy(bench_dev[i]);
	dmk_suite_exit(suite);
}

/* One word per page, its index and a tag, is what the cases check. */
static void bench_mark(struct kunit *test, unsigned long addr,
		       unsigned long npages, unsigned long tag)
{
	unsigned long i, v;

	for (i = 0; i < npages; i++) {
		v = tag ^ i;
		KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)(addr + i * PAGE_SIZE),
						   &v, sizeof(v)), 0);
	}
}

static void bench_check(struct kunit *test, unsigned long addr,
			unsigned long npages, unsigned long tag)
{
	unsigned long i, v, bad = 0;

	for (i = 0; i < npages; i++) {
		if (copy_from_user(&v, (void __user *)(addr + i * PAGE_SIZE),
				   sizeof(v)) || v != (tag ^ i))
			bad++;
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
}

/* Migrate [addr, +npages) in 2 MiB calls; returns the pages moved. */
static unsigned long bench_migrate(struct kunit *test, struct umdevmem *dev,
				   unsigned long addr, unsigned long npages,
				   unsigned long flags, void *src_owner,
				   bool to_device)
{
	struct umdevmem_migrate_result res;
	unsigned long done, moved = 0;

	for (done = 0; done < npages; done += BENCH_CHUNK) {
		unsigned long start = addr + done * PAGE_SIZE;
		unsigned long end = start + min(BENCH_CHUNK, npages - done) * PAGE_SIZE;
		int ret;

		if (to_device)
			ret = umdevmem_migrate_to_device(dev, current->mm, start,
							 end, flags, src_owner, &res);
		else
			ret = umdevmem_migrate_to_system(dev, current->mm, start,
							 end, flags, src_owner, &res);
		KUNIT_ASSERT_EQ(test, ret, 0);
		moved += res.migrated;
	}
	return moved;
}

static int bench_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* The median of BENCH_REPS times, as pages per second. */
static void bench_report(struct kunit *test, const char *what,
			 unsigned long mib, unsigned long pages, u64 *ns)
{
	u64 median;

	sort(ns, BENCH_REPS, sizeof(*ns), bench_cmp, NULL);
	median = ns[BENCH_REPS / 2];
	kunit_info(test, "bench %s %lu MiB %llu pages/s (median of %d, %llu us)\n",
		   what, mib,
		   median ? div64_u64((u64)pages * NSEC_PER_SEC, median) : 0,
		   BENCH_REPS, div_u64(median, NSEC_PER_USEC));
}

static void to_device_and_back(struct kunit *test)
{
	struct umdevmem *a = bench_dev[0];
	unsigned long mib;

	for (mib = 1; mib <= max_mib; mib *= 4) {
		unsigned long n = mib * PAGES_PER_MIB, addr;
		u64 to_dev[BENCH_REPS], to_sys[BENCH_REPS], t0, t1, t2;
		int r;

		addr = dmk_mmap(test, n, PROT_READ | PROT_WRITE);
		bench_mark(test, addr, n, 0x5a5a0000 + mib);
		for (r = 0; r < BENCH_REPS; r++) {
			t0 = ktime_get_ns();
			KUNIT_EXPECT_EQ(test, bench_migrate(test, a, addr, n,
					MIGRATE_VMA_SELECT_SYSTEM, NULL, true), n);
			t1 = ktime_get_ns();
			KUNIT_EXPECT_EQ(test, bench_migrate(test, a, addr, n,
					MIGRATE_VMA_SELECT_DEVICE_PRIVATE, NULL,
					false), n);
			t2 = ktime_get_ns();
			to_dev[r] = t1 - t0;
			to_sys[r] = t2 - t1;
		}
		bench_check(test, addr, n, 0x5a5a0000 + mib);
		bench_report(test, "to_device", mib, n, to_dev);
		bench_report(test, "to_system", mib, n, to_sys);
		KUNIT_ASSERT_EQ(test, dmk_munmap(addr, n), 0);
	}
	dmk_finish(test);
}

#ifdef UMDEVMEM_HUGE
/*
 * Time @n pages at @addr to the device and back, BENCH_REPS times, in
 * 2 MiB calls, with @compound or not; each call moves one compound entry
 * or 512 base pages.
 */
static void bench_round_trips(struct kunit *test, unsigned long addr,
			      unsigned long n, bool compound, u64 *to_dev,
			      u64 *to_sys)
{
	unsigned long extra = compound ? MIGRATE_VMA_SELECT_COMPOUND : 0;
	unsigned long want = compound ? n / BENCH_CHUNK : n;
	u64 t0, t1, t2;
	int r;

	for (r = 0; r < BENCH_REPS; r++) {
		t0 = ktime_get_ns();
		KUNIT_EXPECT_EQ(test, bench_migrate(test, bench_dev[0], addr, n,
				MIGRATE_VMA_SELECT_SYSTEM | extra, NULL, true),
				want);
		t1 = ktime_get_ns();
		KUNIT_EXPECT_EQ(test, bench_migrate(test, bench_dev[0], addr, n,
				MIGRATE_VMA_SELECT_DEVICE_PRIVATE | extra, NULL,
				false), want);
		t2 = ktime_get_ns();
		to_dev[r] = t1 - t0;
		to_sys[r] = t2 - t1;
	}
}

static void thp_vs_base(struct kunit *test)
{
	unsigned long mib;

	for (mib = 2; mib <= max_t(unsigned long, max_mib, 2); mib *= 4) {
		unsigned long n = mib * PAGES_PER_MIB, addr, thp, tag;
		u64 to_dev[BENCH_REPS], to_sys[BENCH_REPS];

		/* PMD-aligned THPs: map one PMD more and madvise the rest */
		addr = dmk_mmap(test, n + BENCH_CHUNK, PROT_READ | PROT_WRITE);
		thp = ALIGN(addr, PMD_SIZE);
		KUNIT_ASSERT_EQ(test, do_madvise(current->mm, thp, n * PAGE_SIZE,
						 MADV_HUGEPAGE), 0);
		tag = 0x3c3c0000 + mib;
		bench_mark(test, thp, n, tag);
		bench_round_trips(test, thp, n, true, to_dev, to_sys);
		bench_check(test, thp, n, tag);
		bench_report(test, "thp_to_device", mib, n, to_dev);
		bench_report(test, "thp_to_system", mib, n, to_sys);
		KUNIT_ASSERT_EQ(test, dmk_munmap(addr, n + BENCH_CHUNK), 0);

		addr = dmk_mmap(test, n, PROT_READ | PROT_WRITE);
		bench_mark(test, addr, n, tag);
		bench_round_trips(test, addr, n, false, to_dev, to_sys);
		bench_check(test, addr, n, tag);
		bench_report(test, "base_to_device", mib, n, to_dev);
		bench_report(test, "base_to_system", mib, n, to_sys);
		KUNIT_ASSERT_EQ(test, dmk_munmap(addr, n), 0);
	}
	dmk_finish(test);
}
#endif

/* hmm_range_fault(HMM_PFN_REQ_FAULT) in 2 MiB calls, as the first device. */
static void bench_fault_in(struct kunit *test, unsigned long addr,
			   unsigned long npages, void *owner)
{
	unsigned long *pfns, done;

	pfns = kunit_kcalloc(test, BENCH_CHUNK, sizeof(*pfns), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pfns);
	for (done = 0; done < npages; done += BENCH_CHUNK)
		KUNIT_ASSERT_EQ(test, dmk_hmm_snapshot(test, addr + done * PAGE_SIZE,
				min(BENCH_CHUNK, npages - done), pfns,
				HMM_PFN_REQ_FAULT, owner), 0);
	kunit_kfree(test, pfns);
}

static void fault_then_migrate(struct kunit *test)
{
	struct umdevmem *a = bench_dev[0], *b = bench_dev[1];
	void *owner = umdevmem_owner(a);
	unsigned long mib;

	for (mib = 1; mib <= max_mib; mib *= 4) {
		unsigned long n = mib * PAGES_PER_MIB, addr, tag = 0xa5a50000 + mib;
		u64 two_step[BENCH_REPS], t0;
		u64 one_call[BENCH_REPS] __maybe_unused;
		int r;

		addr = dmk_mmap(test, n, PROT_READ | PROT_WRITE);
		bench_mark(test, addr, n, tag);
		for (r = 0; r < BENCH_REPS; r++) {
			/* hmm_range_fault() as the first device, then migration */
			KUNIT_ASSERT_EQ(test, bench_migrate(test, b, addr, n,
					MIGRATE_VMA_SELECT_SYSTEM, NULL, true), n);
			t0 = ktime_get_ns();
			bench_fault_in(test, addr, n, owner);
			KUNIT_EXPECT_EQ(test, bench_migrate(test, a, addr, n,
					MIGRATE_VMA_SELECT_SYSTEM, NULL, true), n);
			two_step[r] = ktime_get_ns() - t0;
			KUNIT_ASSERT_EQ(test, bench_migrate(test, a, addr, n,
					MIGRATE_VMA_SELECT_DEVICE_PRIVATE, NULL,
					false), n);
#ifdef DMK_HMM_WALK
			/* one call: migrate_vma_setup() faults them in itself */
			KUNIT_ASSERT_EQ(test, bench_migrate(test, b, addr, n,
					MIGRATE_VMA_SELECT_SYSTEM, NULL, true), n);
			t0 = ktime_get_ns();
			KUNIT_EXPECT_EQ(test, bench_migrate(test, a, addr, n,
					MIGRATE_VMA_SELECT_SYSTEM | MIGRATE_VMA_FAULT,
					NULL, true), n);
			one_call[r] = ktime_get_ns() - t0;
			KUNIT_ASSERT_EQ(test, bench_migrate(test, a, addr, n,
					MIGRATE_VMA_SELECT_DEVICE_PRIVATE, NULL,
					false), n);
#endif
		}
		bench_check(test, addr, n, tag);
		bench_report(test, "fault_then_migrate", mib, n, two_step);
#ifdef DMK_HMM_WALK
		bench_report(test, "migrate_vma_fault", mib, n, one_call);
#endif
		KUNIT_ASSERT_EQ(test, dmk_munmap(addr, n), 0);
	}
	dmk_finish(test);
}

static struct kunit_case bench_cases[] = {
	KUNIT_CASE_SLOW(to_device_and_back),
#ifdef UMDEVMEM_HUGE
	KUNIT_CASE_SLOW(thp_vs_base),
#endif
	KUNIT_CASE_SLOW(fault_then_migrate),
	{}
};

static struct kunit_suite bench_suite = {
	.name = "umdevmem_bench",
	.suite_init = bench_suite_init,
	.suite_exit = bench_suite_exit,
	.init = dmk_init,
	.test_cases = bench_cases,
};
kunit_test_suite(bench_suite);

MODULE_LICENSE("GPL");
