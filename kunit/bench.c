// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem benchmark suites: their devices, chunked migrations and the
 * report (bench.h).
 */
#include <linux/hmm.h>
#include <linux/ktime.h>
#include <linux/mman.h>
#include <linux/moduleparam.h>
#include <linux/sort.h>
#include "bench.h"

#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "umdevmem_bench."

unsigned long bench_max_mib = 1;
module_param_named(max_mib, bench_max_mib, ulong, 0444);
MODULE_PARM_DESC(max_mib, "largest size measured, in MiB (default 1)");

struct umdevmem *bench_dev[2];

int bench_suite_init(struct kunit_suite *suite)
{
	/* at least 2 MiB: the THP case moves whole PMDs */
	unsigned long npages = max_t(unsigned long, bench_max_mib, 2) *
			       PAGES_PER_MIB;
	char name[16];
	int i;

	if (!bench_max_mib || bench_max_mib > 256)
		return -EINVAL;
	for (i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "bench%d", i);
		bench_dev[i] = umdevmem_create(name, npages);
		if (IS_ERR(bench_dev[i])) {
			int ret = PTR_ERR(bench_dev[i]);

			bench_dev[i] = NULL;
			bench_suite_exit(suite);
			return ret;
		}
	}
	return 0;
}

void bench_suite_exit(struct kunit_suite *suite)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (bench_dev[i])
			WARN(umdevmem_destroy(bench_dev[i]), "%s still in use\n",
			     umdevmem_name(bench_dev[i]));
		bench_dev[i] = NULL;
	}
	dmk_suite_exit(suite);
}

int bench_init(struct kunit *test)
{
	return dmk_init_watching(test, bench_dev, 2);
}

unsigned long bench_migrate(struct kunit *test, struct umdevmem *dev,
			    unsigned long addr, unsigned long npages,
			    unsigned long flags, void *src_owner,
			    bool to_device)
{
	struct umdevmem_migrate_result res;
	unsigned long done, moved = 0;

	for (done = 0; done < npages; done += BENCH_CHUNK) {
		unsigned long start = addr + done * PAGE_SIZE;
		unsigned long end = start +
				    min(BENCH_CHUNK, npages - done) * PAGE_SIZE;
		int ret;

		if (to_device)
			ret = umdevmem_migrate_to_device(dev, current->mm, start,
							 end, flags, src_owner,
							 &res);
		else
			ret = umdevmem_migrate_to_system(dev, current->mm, start,
							 end, flags, src_owner,
							 &res);
		KUNIT_ASSERT_EQ(test, ret, 0);
		moved += res.migrated;
	}
	return moved;
}

void bench_fault_in(struct kunit *test, unsigned long addr,
		    unsigned long npages, void *owner)
{
	unsigned long *pfns, done;

	pfns = kunit_kcalloc(test, BENCH_CHUNK, sizeof(*pfns), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pfns);
	for (done = 0; done < npages; done += BENCH_CHUNK)
		KUNIT_ASSERT_EQ(test, dmk_hmm_snapshot(test,
				addr + done * PAGE_SIZE,
				min(BENCH_CHUNK, npages - done), pfns,
				HMM_PFN_REQ_FAULT, owner), 0);
	kunit_kfree(test, pfns);
}

void bench_take_over(struct kunit *test, const char *what,
		     unsigned long (*take)(struct kunit *test,
					   unsigned long addr,
					   unsigned long n))
{
	struct umdevmem *a = bench_dev[0], *b = bench_dev[1];
	unsigned long mib;

	for (mib = 1; mib <= bench_max_mib; mib *= 4) {
		unsigned long n = mib * PAGES_PER_MIB, addr;
		u64 ns[BENCH_REPS], t0;
		int r;

		addr = dmk_mmap(test, n, PROT_READ | PROT_WRITE);
		dmk_fill(test, addr, n, 100 + mib);
		for (r = 0; r < BENCH_REPS; r++) {
			KUNIT_ASSERT_EQ(test, bench_migrate(test, b, addr, n,
					MIGRATE_VMA_SELECT_SYSTEM, NULL, true), n);
			t0 = ktime_get_ns();
			KUNIT_EXPECT_EQ(test, take(test, addr, n), n);
			ns[r] = ktime_get_ns() - t0;
			KUNIT_ASSERT_EQ(test, bench_migrate(test, a, addr, n,
					MIGRATE_VMA_SELECT_DEVICE_PRIVATE, NULL,
					false), n);
		}
		dmk_expect_data(test, addr, n, 100 + mib);
		bench_report(test, what, mib, n, ns);
		KUNIT_ASSERT_EQ(test, dmk_munmap(addr, n), 0);
	}
}

static int bench_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

void bench_report(struct kunit *test, const char *what, unsigned long mib,
		  unsigned long pages, u64 *ns)
{
	u64 median;

	sort(ns, BENCH_REPS, sizeof(*ns), bench_cmp, NULL);
	median = ns[BENCH_REPS / 2];
	kunit_info(test, "bench %s %lu MiB %llu pages/s (median of %d, %llu us)\n",
		   what, mib,
		   median ? div64_u64((u64)pages * NSEC_PER_SEC, median) : 0,
		   BENCH_REPS, div_u64(median, NSEC_PER_USEC));
}
