// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem suite umdevmem_bench_gpusvm: migration throughput through
 * drm_pagemap on a DRM face of the fake device (bench.h), at the sizes
 * and in the 2 MiB calls of umdevmem_bench's to_device_and_back, which
 * measures the device's own migrate_vma path in the same boot:
 *
 *  - drm_to_device: drm_pagemap_populate_mm() per 2 MiB (an allocation
 *    of the face and drm_pagemap_migrate_to_devmem());
 *  - drm_to_system: drm_pagemap_evict_to_ram() of every allocation.
 *
 * scripts/bench.sh puts the two side by side.
 */
#include <linux/ktime.h>
#include <linux/mman.h>
#include "bench.h"
#include "dmk_gpusvm.h"

static struct umdevmem_drm *bench_face;

static int bench_gpusvm_suite_init(struct kunit_suite *suite)
{
	unsigned long npages = max_t(unsigned long, bench_max_mib, 2) *
			       PAGES_PER_MIB;

	if (!bench_max_mib || bench_max_mib > 256)
		return -EINVAL;
	bench_face = umdevmem_drm_create("bench-drm", npages, NULL);
	if (IS_ERR(bench_face)) {
		int ret = PTR_ERR(bench_face);

		bench_face = NULL;
		return ret;
	}
	return 0;
}

static void bench_gpusvm_suite_exit(struct kunit_suite *suite)
{
	if (bench_face)
		WARN(umdevmem_drm_destroy(bench_face), "bench-drm still in use\n");
	bench_face = NULL;
	dmk_suite_exit(suite);
}

static int bench_gpusvm_init(struct kunit *test)
{
	struct umdevmem *dev = umdevmem_drm_umdevmem(bench_face);

	return dmk_init_watching(test, &dev, 1);
}

static void drm_to_device_and_back(struct kunit *test)
{
	struct drm_pagemap *dpagemap = umdevmem_drm_pagemap(bench_face);
	unsigned long mib;

	for (mib = 1; mib <= bench_max_mib; mib *= 4) {
		unsigned long n = mib * PAGES_PER_MIB, addr, done;
		u64 to_dev[BENCH_REPS], to_sys[BENCH_REPS], t0, t1, t2;
		int r;

		addr = dmk_mmap(test, n, PROT_READ | PROT_WRITE);
		dmk_fill(test, addr, n, mib);
		for (r = 0; r < BENCH_REPS; r++) {
			t0 = ktime_get_ns();
			for (done = 0; done < n; done += BENCH_CHUNK) {
				unsigned long start = addr + done * PAGE_SIZE;
				unsigned long len = min(BENCH_CHUNK, n - done);

				KUNIT_ASSERT_EQ(test, drm_pagemap_populate_mm(dpagemap,
						start, start + len * PAGE_SIZE,
						dmk(test)->mm, 0), 0);
			}
			t1 = ktime_get_ns();
			KUNIT_ASSERT_EQ(test, umdevmem_drm_evict(bench_face), 0);
			t2 = ktime_get_ns();
			to_dev[r] = t1 - t0;
			to_sys[r] = t2 - t1;
		}
		dmk_expect_on_system(test, addr, n);
		dmk_expect_data(test, addr, n, mib);
		bench_report(test, "drm_to_device", mib, n, to_dev);
		bench_report(test, "drm_to_system", mib, n, to_sys);
		KUNIT_ASSERT_EQ(test, dmk_munmap(addr, n), 0);
	}
}

static struct kunit_case bench_gpusvm_cases[] = {
	KUNIT_CASE_SLOW(drm_to_device_and_back),
	{}
};

static struct kunit_suite bench_gpusvm_suite = {
	.name = "umdevmem_bench_gpusvm",
	.suite_init = bench_gpusvm_suite_init,
	.suite_exit = bench_gpusvm_suite_exit,
	.init = bench_gpusvm_init,
	.exit = dmk_exit,
	.test_cases = bench_gpusvm_cases,
};
kunit_test_suite(bench_gpusvm_suite);
