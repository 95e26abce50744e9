// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem suite umdevmem_bench_hmm_walk (with the hmm-walk series):
 * pages held by a second device migrated to the first with one
 * migrate_vma_setup() call and MIGRATE_VMA_FAULT, which faults them in
 * itself; umdevmem_bench's fault_then_migrate is the same work done with
 * hmm_range_fault() first (bench.h; scripts/bench.sh compares them).
 */
#include <linux/ktime.h>
#include <linux/mman.h>
#include "bench.h"

static void migrate_vma_fault(struct kunit *test)
{
	struct umdevmem *a = bench_dev[0], *b = bench_dev[1];
	unsigned long mib;

	for (mib = 1; mib <= bench_max_mib; mib *= 4) {
		unsigned long n = mib * PAGES_PER_MIB, addr;
		u64 one_call[BENCH_REPS], t0;
		int r;

		addr = dmk_mmap(test, n, PROT_READ | PROT_WRITE);
		dmk_fill(test, addr, n, 300 + mib);
		for (r = 0; r < BENCH_REPS; r++) {
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
		}
		dmk_expect_data(test, addr, n, 300 + mib);
		bench_report(test, "migrate_vma_fault", mib, n, one_call);
		KUNIT_ASSERT_EQ(test, dmk_munmap(addr, n), 0);
	}
}

static struct kunit_case bench_hmm_walk_cases[] = {
	KUNIT_CASE_SLOW(migrate_vma_fault),
	{}
};

static struct kunit_suite bench_hmm_walk_suite = {
	.name = "umdevmem_bench_hmm_walk",
	.suite_init = bench_suite_init,
	.suite_exit = bench_suite_exit,
	.init = bench_init,
	.exit = dmk_exit,
	.test_cases = bench_hmm_walk_cases,
};
kunit_test_suite(bench_hmm_walk_suite);
