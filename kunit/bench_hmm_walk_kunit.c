// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem suite umdevmem_bench_hmm_walk (with the hmm-walk series):
 * pages held by a second device migrated to the first with one
 * migrate_vma_setup() call and MIGRATE_VMA_FAULT, which faults them in
 * itself; umdevmem_bench's fault_then_migrate is the same work done with
 * hmm_range_fault() first (bench.h; scripts/bench.sh compares them).
 */
#include "bench.h"

/* migrate_vma_setup() faults the pages in itself */
static unsigned long migrate_vma_fault_step(struct kunit *test,
					    unsigned long addr,
					    unsigned long n)
{
	return bench_migrate(test, bench_dev[0], addr, n,
			     MIGRATE_VMA_SELECT_SYSTEM | MIGRATE_VMA_FAULT,
			     NULL, true);
}

static void migrate_vma_fault(struct kunit *test)
{
	bench_take_over(test, "migrate_vma_fault", migrate_vma_fault_step);
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
