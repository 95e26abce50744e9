// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem suite umdevmem_bench: migration throughput of base pages
 * (bench.h).
 *
 *  - to_device_and_back: 4 KiB pages to a device and back, with
 *    migrate_vma_setup() + pages + finalize in 2 MiB calls;
 *  - fault_then_migrate: pages held by a second device, migrated to the
 *    first: hmm_range_fault() to fault them in, then migrate_vma_setup()
 *    (umdevmem_bench_hmm_walk measures the series' one call).
 */
#include <linux/ktime.h>
#include <linux/mman.h>
#include "bench.h"

static void to_device_and_back(struct kunit *test)
{
	struct umdevmem *a = bench_dev[0];
	unsigned long mib;

	for (mib = 1; mib <= bench_max_mib; mib *= 4) {
		unsigned long n = mib * PAGES_PER_MIB, addr;
		u64 to_dev[BENCH_REPS], to_sys[BENCH_REPS], t0, t1, t2;
		int r;

		addr = dmk_mmap(test, n, PROT_READ | PROT_WRITE);
		dmk_fill(test, addr, n, mib);
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
		dmk_expect_data(test, addr, n, mib);
		bench_report(test, "to_device", mib, n, to_dev);
		bench_report(test, "to_system", mib, n, to_sys);
		KUNIT_ASSERT_EQ(test, dmk_munmap(addr, n), 0);
	}
}

/* hmm_range_fault() as the first device, then the migration */
static unsigned long fault_then_migrate_step(struct kunit *test,
					     unsigned long addr,
					     unsigned long n)
{
	bench_fault_in(test, addr, n, umdevmem_owner(bench_dev[0]));
	return bench_migrate(test, bench_dev[0], addr, n,
			     MIGRATE_VMA_SELECT_SYSTEM, NULL, true);
}

static void fault_then_migrate(struct kunit *test)
{
	bench_take_over(test, "fault_then_migrate", fault_then_migrate_step);
}

static struct kunit_case bench_cases[] = {
	KUNIT_CASE_SLOW(to_device_and_back),
	KUNIT_CASE_SLOW(fault_then_migrate),
	{}
};

static struct kunit_suite bench_suite = {
	.name = "umdevmem_bench",
	.suite_init = bench_suite_init,
	.suite_exit = bench_suite_exit,
	.init = bench_init,
	.exit = dmk_exit,
	.test_cases = bench_cases,
};
kunit_test_suite(bench_suite);
