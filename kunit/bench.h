/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uml-devmem benchmark suites (umdevmem_bench*): migration throughput,
 * reported, not asserted; each case still checks the data it moved.
 *
 * umdevmem_bench.max_mib= (default 1) is the largest size; every size
 * from the smallest up, by factors of 4, is measured BENCH_REPS times and
 * the median reported as "bench NAME N MiB P pages/s".  scripts/bench.sh
 * and scripts/bench_thp.sh run them and print the tables.
 */
#ifndef __BENCH_H
#define __BENCH_H

#include "dmk.h"

#define BENCH_CHUNK	512UL	/* pages per migrate_vma_setup() call: 2 MiB */
#define BENCH_REPS	5
#define PAGES_PER_MIB	(SZ_1M >> PAGE_SHIFT)

extern unsigned long bench_max_mib;

/*
 * The two devices of the benchmark suite that runs, made for it, and the
 * hooks of every benchmark suite: KUnit runs one suite at a time.
 */
extern struct umdevmem *bench_dev[2];
int bench_suite_init(struct kunit_suite *suite);
void bench_suite_exit(struct kunit_suite *suite);
int bench_init(struct kunit *test);

/* Migrate [addr, +npages) in 2 MiB calls; returns the pages moved. */
unsigned long bench_migrate(struct kunit *test, struct umdevmem *dev,
			    unsigned long addr, unsigned long npages,
			    unsigned long flags, void *src_owner,
			    bool to_device);
/* hmm_range_fault(HMM_PFN_REQ_FAULT) in 2 MiB calls, as @owner. */
void bench_fault_in(struct kunit *test, unsigned long addr,
		    unsigned long npages, void *owner);
/*
 * For every size: pages on the second device, taken to the first by
 * @take (which returns the pages it moved), BENCH_REPS times; reported
 * as @what.  The data is checked once per size.
 */
void bench_take_over(struct kunit *test, const char *what,
		     unsigned long (*take)(struct kunit *test,
					   unsigned long addr,
					   unsigned long n));
/* The median of BENCH_REPS times @ns, as pages per second. */
void bench_report(struct kunit *test, const char *what, unsigned long mib,
		  unsigned long pages, u64 *ns);

#endif /* __BENCH_H */
