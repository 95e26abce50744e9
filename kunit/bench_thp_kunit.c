// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem suite umdevmem_bench_thp (7.x with device-private PMDs):
 * PMD-sized folios moved with MIGRATE_VMA_SELECT_COMPOUND (THPs to huge
 * device folios and back) against base pages over the same sizes, from
 * 2 MiB up, each in 2 MiB calls (bench.h); scripts/bench_thp.sh prints
 * the table.
 */
#include <linux/ktime.h>
#include <linux/mman.h>
#include "bench.h"

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
	unsigned long mib, max = max_t(unsigned long, bench_max_mib, 2);

	for (mib = 2; mib <= max; mib *= 4) {
		unsigned long n = mib * PAGES_PER_MIB, thp, addr;
		u64 to_dev[BENCH_REPS], to_sys[BENCH_REPS];

		thp = dmk_thp_mmap(test, n / HPAGE_PMD_NR, true);
		dmk_fill(test, thp, n, 200 + mib);
		bench_round_trips(test, thp, n, true, to_dev, to_sys);
		dmk_expect_data(test, thp, n, 200 + mib);
		bench_report(test, "thp_to_device", mib, n, to_dev);
		bench_report(test, "thp_to_system", mib, n, to_sys);
		KUNIT_ASSERT_EQ(test, dmk_munmap(thp, n), 0);

		addr = dmk_mmap(test, n, PROT_READ | PROT_WRITE);
		dmk_fill(test, addr, n, 200 + mib);
		bench_round_trips(test, addr, n, false, to_dev, to_sys);
		dmk_expect_data(test, addr, n, 200 + mib);
		bench_report(test, "base_to_device", mib, n, to_dev);
		bench_report(test, "base_to_system", mib, n, to_sys);
		KUNIT_ASSERT_EQ(test, dmk_munmap(addr, n), 0);
	}
}

static struct kunit_case bench_thp_cases[] = {
	KUNIT_CASE_SLOW(thp_vs_base),
	{}
};

static struct kunit_suite bench_thp_suite = {
	.name = "umdevmem_bench_thp",
	.suite_init = bench_suite_init,
	.suite_exit = bench_suite_exit,
	.init = bench_init,
	.exit = dmk_exit,
	.test_cases = bench_thp_cases,
};
kunit_test_suite(bench_thp_suite);
