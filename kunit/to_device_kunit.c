// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem suite umdevmem_to_device: anonymous memory to device-private
 * pages through migrate_vma_setup(), migrate_vma_pages() and
 * migrate_vma_finalize(), checking the src/dst MIGRATE_PFN_* flags,
 * npages/cpages, where each page ends up and its bytes.
 */
#include <linux/migrate.h>
#include <linux/mman.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "dmk.h"

/* setup, the driver's half, pages, finalize; src as setup left it. */
static void migrate_by_hand(struct kunit *test, struct umdevmem *dev,
			    struct migrate_vma *args, struct page **dpages,
			    unsigned long *src_after_setup)
{
	KUNIT_ASSERT_EQ(test, dmk_setup(test, args), 0);
	memcpy(src_after_setup, args->src, args->npages * sizeof(*args->src));
	dmk_alloc_and_copy(test, dev, args, dpages);
	dmk_pages_finalize(test, args);
}

static void anon_to_device_flags(struct kunit *test)
{
	const unsigned long n = 16;
	struct dmk *d = dmk(test);
	struct umdevmem *dev = d->dev[0];
	struct umdevmem_stats before, after;
	struct page **dpages, **sys;
	struct migrate_vma *args;
	unsigned long addr, i, *src;

	addr = dmk_mmap(test, n, PROT_READ | PROT_WRITE);
	dmk_fill(test, addr, n, 1);
	sys = kunit_kcalloc(test, n, sizeof(*sys), GFP_KERNEL);
	dpages = kunit_kcalloc(test, n, sizeof(*dpages), GFP_KERNEL);
	src = kunit_kcalloc(test, n, sizeof(*src), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, src);
	for (i = 0; i < n; i++) {
		struct dmk_pte p = dmk_lookup(test, addr + (i << PAGE_SHIFT));

		KUNIT_ASSERT_EQ(test, p.kind, DMK_SYSTEM);
		sys[i] = p.page;
	}

	before = dmk_stats(dev);
	args = dmk_args(test, addr, n, MIGRATE_VMA_SELECT_SYSTEM,
			umdevmem_owner(dev));
	migrate_by_hand(test, dev, args, dpages, src);
	after = dmk_stats(dev);

	KUNIT_EXPECT_EQ(test, args->npages, n);
	KUNIT_EXPECT_EQ(test, args->cpages, n);
	for (i = 0; i < n; i++) {
		struct dmk_pte p = dmk_lookup(test, addr + (i << PAGE_SHIFT));

		KUNIT_EXPECT_TRUE_MSG(test, src[i] & MIGRATE_PFN_MIGRATE,
				      "src[%lu] %#lx", i, src[i]);
		KUNIT_EXPECT_TRUE(test, src[i] & MIGRATE_PFN_VALID);
		KUNIT_EXPECT_TRUE(test, src[i] & MIGRATE_PFN_WRITE);
		KUNIT_EXPECT_PTR_EQ(test, migrate_pfn_to_page(src[i]), sys[i]);
		/* migrate_vma_pages() keeps MIGRATE for pages it moved */
		KUNIT_EXPECT_TRUE(test, args->src[i] & MIGRATE_PFN_MIGRATE);
		KUNIT_EXPECT_EQ(test, args->dst[i],
				migrate_pfn(page_to_pfn(dpages[i])));
		KUNIT_EXPECT_EQ(test, p.kind, DMK_DEVICE);
		KUNIT_EXPECT_PTR_EQ(test, p.page, dpages[i]);
		KUNIT_EXPECT_TRUE(test, p.write);
		dmk_expect_device_data(test, dpages[i], 1, i);
	}
	KUNIT_EXPECT_EQ(test, after.allocated - before.allocated, n);
	KUNIT_EXPECT_EQ(test, after.copied_to_dev - before.copied_to_dev, n);
	KUNIT_EXPECT_EQ(test, after.dma_batches - before.dma_batches, 1);
	KUNIT_EXPECT_EQ(test, before.free_pages - after.free_pages, n);
	KUNIT_EXPECT_EQ(test, after.to_ram_calls, before.to_ram_calls);
}

static const unsigned long sizes[] = { 1, 3, 64, 512 };

static void size_desc(const unsigned long *n, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%lu pages", *n);
}
KUNIT_ARRAY_PARAM(sizes, sizes, size_desc);

static void anon_to_device_sizes(struct kunit *test)
{
	const unsigned long n = *(const unsigned long *)test->param_value;
	struct dmk *d = dmk(test);
	struct umdevmem_migrate_result res;
	struct umdevmem_stats before, after;
	unsigned long addr;

	addr = dmk_mmap(test, n, PROT_READ | PROT_WRITE);
	dmk_fill(test, addr, n, 2);
	before = dmk_stats(d->dev[0]);
	res = dmk_migrate(test, d->dev[0], addr, n, MIGRATE_VMA_SELECT_SYSTEM,
			  NULL);
	after = dmk_stats(d->dev[0]);
	KUNIT_EXPECT_EQ(test, res.npages, n);
	KUNIT_EXPECT_EQ(test, res.cpages, n);
	KUNIT_EXPECT_EQ(test, res.migrated, n);
	KUNIT_EXPECT_EQ(test, after.copied_to_dev - before.copied_to_dev, n);
	KUNIT_EXPECT_EQ(test, after.dma_batches - before.dma_batches, 1);
	dmk_expect_on_device(test, d->dev[0], addr, n);
	dmk_expect_data(test, addr, n, 2);
}

/* Never-touched pages and the zero page become zero-filled device pages. */
static void holes_and_zero_page(struct kunit *test)
{
	const unsigned long n = 8;
	struct dmk *d = dmk(test);
	struct page *dpages[8];
	unsigned long addr, i, src[8];
	struct migrate_vma *args;
	u8 byte;

	addr = dmk_mmap(test, n, PROT_READ | PROT_WRITE);
	for (i = 0; i < n / 2; i++)	/* read faults map the zero page */
		KUNIT_ASSERT_EQ(test, get_user(byte, (u8 __user *)addr +
					       (i << PAGE_SHIFT)), 0);
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ(test, dmk_lookup(test, addr + (i << PAGE_SHIFT)).kind,
				i < n / 2 ? DMK_ZERO : DMK_NONE);

	args = dmk_args(test, addr, n, MIGRATE_VMA_SELECT_SYSTEM,
			umdevmem_owner(d->dev[0]));
	migrate_by_hand(test, d->dev[0], args, dpages, src);
	KUNIT_EXPECT_EQ(test, args->cpages, n);
	for (i = 0; i < n; i++) {
		struct dmk_pte p = dmk_lookup(test, addr + (i << PAGE_SHIFT));

		/* no page behind a hole or the zero page: MIGRATE alone */
		KUNIT_EXPECT_EQ_MSG(test, src[i], MIGRATE_PFN_MIGRATE,
				    "src[%lu]", i);
		KUNIT_EXPECT_EQ(test, p.kind, DMK_DEVICE);
		KUNIT_EXPECT_PTR_EQ(test, p.page, dpages[i]);
		KUNIT_EXPECT_TRUE(test, p.write);
		dmk_expect_zero_device_page(test, dpages[i]);
	}
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ(test, get_user(byte, (u8 __user *)addr +
					       (i << PAGE_SHIFT) + 100), 0);
		KUNIT_EXPECT_EQ(test, byte, 0);
	}
}

/*
 * A range of zero pages only: nothing to unmap, so cpages is all that
 * tells migrate_vma_setup() to go on and the driver that there is work.
 */
static void zero_pages_only(struct kunit *test)
{
	const unsigned long n = 4;
	struct dmk *d = dmk(test);
	struct umdevmem_migrate_result res;
	unsigned long addr, i;
	u8 byte;

	addr = dmk_mmap(test, n, PROT_READ | PROT_WRITE);
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ(test, get_user(byte, (u8 __user *)addr +
					       (i << PAGE_SHIFT)), 0);
	res = dmk_migrate(test, d->dev[0], addr, n, MIGRATE_VMA_SELECT_SYSTEM,
			  NULL);
	KUNIT_EXPECT_EQ(test, res.cpages, n);
	KUNIT_EXPECT_EQ(test, res.migrated, n);
	dmk_expect_on_device(test, d->dev[0], addr, n);
}

/* A read-only page is collected without MIGRATE_PFN_WRITE. */
static void readonly_src_flags(struct kunit *test)
{
	const unsigned long n = 4;
	struct dmk *d = dmk(test);
	struct page *dpages[4];
	unsigned long addr, i, src[4];
	struct migrate_vma *args;

	addr = dmk_mmap(test, n, PROT_READ | PROT_WRITE);
	dmk_fill(test, addr, n, 3);
	KUNIT_ASSERT_EQ(test, dmk_mprotect(addr, n, PROT_READ), 0);

	args = dmk_args(test, addr, n, MIGRATE_VMA_SELECT_SYSTEM,
			umdevmem_owner(d->dev[0]));
	migrate_by_hand(test, d->dev[0], args, dpages, src);
	for (i = 0; i < n; i++) {
		struct dmk_pte p = dmk_lookup(test, addr + (i << PAGE_SHIFT));

		KUNIT_EXPECT_TRUE(test, src[i] & MIGRATE_PFN_MIGRATE);
		KUNIT_EXPECT_FALSE(test, src[i] & MIGRATE_PFN_WRITE);
		KUNIT_EXPECT_EQ(test, p.kind, DMK_DEVICE);
		KUNIT_EXPECT_FALSE(test, p.write);
		dmk_expect_device_data(test, dpages[i], 3, i);
	}
}

/* Without MIGRATE_VMA_SELECT_SYSTEM nothing in system memory is taken. */
static void system_pages_need_select_system(struct kunit *test)
{
	const unsigned long n = 8;
	struct dmk *d = dmk(test);
	struct umdevmem_migrate_result res;
	unsigned long addr;

	addr = dmk_mmap(test, n, PROT_READ | PROT_WRITE);
	dmk_fill(test, addr, n, 4);
	res = dmk_migrate(test, d->dev[0], addr, n,
			  MIGRATE_VMA_SELECT_DEVICE_PRIVATE, NULL);
	KUNIT_EXPECT_EQ(test, res.npages, n);
	KUNIT_EXPECT_EQ(test, res.cpages, 0);
	KUNIT_EXPECT_EQ(test, res.migrated, 0);
	dmk_expect_on_system(test, addr, n);
	dmk_expect_data(test, addr, n, 4);
}

/*
 * Fault injection makes the device decline the Nth page of a migration:
 * the allocation fails (no dst page) or the DMA engine refuses the copy
 * (the dst page goes straight back through page_free()).  Either way that
 * entry stays a system page with its data and the others move.
 */
struct injection {
	const char *name;
	void (*arm)(struct umdevmem *dev, unsigned long nth);
	unsigned long nth;
};

static const struct injection injections[] = {
	{ "allocation", umdevmem_fail_alloc, 3 },
	{ "copy", umdevmem_fail_copy, 5 },
};

static void injection_desc(const struct injection *inj, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s %lu fails", inj->name,
		 inj->nth);
}
KUNIT_ARRAY_PARAM(injections, injections, injection_desc);

static void injected_failure_declines_page(struct kunit *test)
{
	const struct injection *inj = test->param_value;
	const bool copy = inj->arm == umdevmem_fail_copy;
	const unsigned long n = 8;
	struct umdevmem *dev = dmk(test)->dev[0];
	struct umdevmem_migrate_result res;
	struct umdevmem_stats before, after;
	unsigned long addr, i;

	addr = dmk_mmap(test, n, PROT_READ | PROT_WRITE);
	dmk_fill(test, addr, n, 5);
	before = dmk_stats(dev);
	inj->arm(dev, inj->nth);
	res = dmk_migrate(test, dev, addr, n, MIGRATE_VMA_SELECT_SYSTEM, NULL);
	inj->arm(dev, 0);
	after = dmk_stats(dev);

	KUNIT_EXPECT_EQ(test, res.cpages, n);
	KUNIT_EXPECT_EQ(test, res.migrated, n - 1);
	KUNIT_EXPECT_EQ(test, res.declined, 1);
	KUNIT_EXPECT_EQ(test, after.alloc_failed - before.alloc_failed,
			copy ? 0 : 1);
	KUNIT_EXPECT_EQ(test, after.copy_failed - before.copy_failed,
			copy ? 1 : 0);
	KUNIT_EXPECT_EQ(test, after.allocated - before.allocated,
			copy ? n : n - 1);
	KUNIT_EXPECT_EQ(test, after.freed - before.freed, copy ? 1 : 0);
	KUNIT_EXPECT_EQ(test, after.copied_to_dev - before.copied_to_dev,
			n - 1);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ_MSG(test,
				    dmk_lookup(test, addr + (i << PAGE_SHIFT)).kind,
				    i == inj->nth - 1 ? DMK_SYSTEM : DMK_DEVICE,
				    "page %lu", i);
	dmk_expect_data(test, addr, n, 5);
}

static struct kunit_case to_device_cases[] = {
	KUNIT_CASE(anon_to_device_flags),
	KUNIT_CASE_PARAM(anon_to_device_sizes, sizes_gen_params),
	KUNIT_CASE(holes_and_zero_page),
	KUNIT_CASE(zero_pages_only),
	KUNIT_CASE(readonly_src_flags),
	KUNIT_CASE(system_pages_need_select_system),
	KUNIT_CASE_PARAM(injected_failure_declines_page, injections_gen_params),
	{}
};

static struct kunit_suite to_device_suite = {
	.name = "umdevmem_to_device",
	.init = dmk_init,
	.exit = dmk_exit,
	.suite_exit = dmk_suite_exit,
	.test_cases = to_device_cases,
};
kunit_test_suite(to_device_suite);
