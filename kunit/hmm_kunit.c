// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem suite umdevmem_hmm: hmm_range_fault() over device-private
 * pages.  The owner of the pages gets their device pfns without any
 * fault; any other owner faults them back to system memory, or, when it
 * asks for no fault, sees them as not valid.  Snapshots over every kind
 * of entry, the faults a VMA forbids, and device mirrors reading and
 * writing system pages through the pfns they get (hmm-tests' anon_*,
 * file_*, snapshot and double_map).
 */
#include <linux/highmem.h>
#include <linux/hmm.h>
#include <linux/migrate.h>
#include <linux/mmu_notifier.h>
#include <linux/mman.h>
#include <linux/sched/mm.h>
#include "dmk.h"

static void same_owner_sees_device_pfns(struct kunit *test)
{
	const unsigned long n = 8;
	struct umdevmem *dev = dmk(test)->dev[0];
	struct umdevmem_stats before;
	unsigned long addr, i, pfns[8];

	addr = dmk_map_on_device(test, dev, n, 41, false);
	before = dmk_stats(dev);
	KUNIT_ASSERT_EQ(test, dmk_hmm_snapshot(test, addr, n, pfns, HMM_PFN_REQ_FAULT,
				       umdevmem_owner(dev)), 0);
	KUNIT_EXPECT_EQ(test, dmk_stats(dev).to_ram_calls, before.to_ram_calls);
	for (i = 0; i < n; i++) {
		struct dmk_pte p = dmk_lookup(test, addr + i * PAGE_SIZE);

		KUNIT_EXPECT_TRUE(test, pfns[i] & HMM_PFN_VALID);
		KUNIT_EXPECT_TRUE(test, pfns[i] & HMM_PFN_WRITE);
		KUNIT_EXPECT_EQ(test, p.kind, DMK_DEVICE);
		KUNIT_EXPECT_PTR_EQ(test, hmm_pfn_to_page(pfns[i]), p.page);
	}
}

static void same_owner_readonly(struct kunit *test)
{
	const unsigned long n = 4;
	struct umdevmem *dev = dmk(test)->dev[0];
	unsigned long addr, i, pfns[4];

	addr = dmk_map_on_device(test, dev, n, 42, true);
	KUNIT_ASSERT_EQ(test, dmk_hmm_snapshot(test, addr, n, pfns, HMM_PFN_REQ_FAULT,
				       umdevmem_owner(dev)), 0);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_TRUE(test, pfns[i] & HMM_PFN_VALID);
		KUNIT_EXPECT_FALSE(test, pfns[i] & HMM_PFN_WRITE);
		KUNIT_EXPECT_PTR_EQ(test, umdevmem_page_device(hmm_pfn_to_page(pfns[i])),
				    dev);
	}
}

/*
 * A hole, then pages already on the caller's device: faulting the hole
 * must leave those pages where they are.  Stock hmm_vma_handle_pte()
 * faulted from the hole to the end of the PMD range, which called
 * migrate_to_ram() on them (fixed by mm-patches' "mm/hmm: fault only the
 * page that needs it"; found by umdevmem_random).
 */
static void fault_after_hole_keeps_own_pages(struct kunit *test)
{
	const unsigned long n = 4;
	struct umdevmem *dev = dmk(test)->dev[0];
	struct umdevmem_stats before;
	unsigned long addr, i, pfns[4];
	struct dmk_pte p;

	addr = dmk_mmap(test, n, PROT_READ | PROT_WRITE);
	dmk_fill(test, addr + PAGE_SIZE, n - 1, 44);
	KUNIT_ASSERT_EQ(test, dmk_migrate(test, dev, addr + PAGE_SIZE, n - 1,
					  MIGRATE_VMA_SELECT_SYSTEM, NULL).migrated,
			n - 1);
	before = dmk_stats(dev);
	KUNIT_ASSERT_EQ(test, dmk_hmm_snapshot(test, addr, n, pfns,
					       HMM_PFN_REQ_FAULT,
					       umdevmem_owner(dev)), 0);
	KUNIT_EXPECT_EQ(test, dmk_stats(dev).to_ram_calls, before.to_ram_calls);
	p = dmk_lookup(test, addr);
	KUNIT_EXPECT_EQ(test, p.kind, DMK_ZERO);
	KUNIT_EXPECT_PTR_EQ(test, hmm_pfn_to_page(pfns[0]), p.page);
	for (i = 1; i < n; i++) {
		p = dmk_lookup(test, addr + i * PAGE_SIZE);
		KUNIT_EXPECT_EQ_MSG(test, p.kind, DMK_DEVICE, "page %lu", i);
		KUNIT_EXPECT_TRUE(test, pfns[i] & HMM_PFN_VALID);
		KUNIT_EXPECT_PTR_EQ(test, hmm_pfn_to_page(pfns[i]), p.page);
	}
}

static void foreign_owner_faults_back(struct kunit *test)
{
	const unsigned long n = 8;
	struct dmk *d = dmk(test);
	struct umdevmem *dev = d->dev[0];
	struct umdevmem_stats before, after;
	unsigned long addr, i, pfns[8];

	addr = dmk_map_on_device(test, dev, n, 43, false);
	before = dmk_stats(dev);
	KUNIT_ASSERT_EQ(test, dmk_hmm_snapshot(test, addr, n, pfns, HMM_PFN_REQ_FAULT,
				       umdevmem_owner(d->dev[1])), 0);
	after = dmk_stats(dev);
	KUNIT_EXPECT_EQ(test, after.to_ram_calls - before.to_ram_calls, n);
	for (i = 0; i < n; i++) {
		struct dmk_pte p = dmk_lookup(test, addr + i * PAGE_SIZE);

		KUNIT_EXPECT_TRUE(test, pfns[i] & HMM_PFN_VALID);
		KUNIT_EXPECT_EQ(test, p.kind, DMK_SYSTEM);
		KUNIT_EXPECT_PTR_EQ(test, hmm_pfn_to_page(pfns[i]), p.page);
		KUNIT_EXPECT_NULL(test, umdevmem_page_device(p.page));
	}
	dmk_expect_data(test, addr, n, 43);
}

/* No owner at all (NULL) is foreign too, and write faults keep WRITE. */
static void no_owner_write_fault(struct kunit *test)
{
	const unsigned long n = 4;
	struct umdevmem *dev = dmk(test)->dev[0];
	unsigned long addr, i, pfns[4];

	addr = dmk_map_on_device(test, dev, n, 44, false);
	KUNIT_ASSERT_EQ(test, dmk_hmm_snapshot(test, addr, n, pfns,
				       HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE,
				       NULL), 0);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_TRUE(test, pfns[i] & HMM_PFN_VALID);
		KUNIT_EXPECT_TRUE(test, pfns[i] & HMM_PFN_WRITE);
	}
	dmk_expect_on_system(test, addr, n);
	dmk_expect_data(test, addr, n, 44);
}

/* A snapshot that may not fault leaves foreign device pages alone. */
static void foreign_owner_snapshot_no_fault(struct kunit *test)
{
	const unsigned long n = 4;
	struct dmk *d = dmk(test);
	struct umdevmem *dev = d->dev[0];
	struct umdevmem_stats before;
	unsigned long addr, i, pfns[4];

	addr = dmk_map_on_device(test, dev, n, 45, false);
	before = dmk_stats(dev);
	KUNIT_ASSERT_EQ(test, dmk_hmm_snapshot(test, addr, n, pfns, 0,
				       umdevmem_owner(d->dev[1])), 0);
	KUNIT_EXPECT_EQ(test, dmk_stats(dev).to_ram_calls, before.to_ram_calls);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_FALSE(test, pfns[i] & HMM_PFN_VALID);
	dmk_expect_on_device(test, dev, addr, n);
}

/*
 * One snapshot without faults over every kind of entry:
 * hole, zero page, read-only, writable, own device page, another
 * device's page, PROT_NONE.
 */
enum { HOLE, ZERO, RDONLY, WRITABLE, LOCAL, REMOTE, PROTNONE, NKINDS };

static void snapshot_of_every_kind(struct kunit *test)
{
	struct dmk *d = dmk(test);
	void *owner = umdevmem_owner(d->dev[0]);
	unsigned long addr, pfns[NKINDS];
	struct page *local;
	u8 byte;

	addr = dmk_mmap(test, NKINDS, PROT_READ | PROT_WRITE);
	dmk_fill(test, addr + RDONLY * PAGE_SIZE, NKINDS - RDONLY, 46);
	KUNIT_ASSERT_EQ(test, get_user(byte, (u8 __user *)addr +
				       ZERO * PAGE_SIZE), 0);
	KUNIT_ASSERT_EQ(test, dmk_migrate(test, d->dev[0], addr + LOCAL * PAGE_SIZE,
					  1, MIGRATE_VMA_SELECT_SYSTEM,
					  NULL).migrated, 1);
	KUNIT_ASSERT_EQ(test, dmk_migrate(test, d->dev[1], addr + REMOTE * PAGE_SIZE,
					  1, MIGRATE_VMA_SELECT_SYSTEM,
					  NULL).migrated, 1);
	KUNIT_ASSERT_EQ(test, dmk_mprotect(addr + RDONLY * PAGE_SIZE, 1,
					   PROT_READ), 0);
	KUNIT_ASSERT_EQ(test, dmk_mprotect(addr + PROTNONE * PAGE_SIZE, 1,
					   PROT_NONE), 0);
	local = dmk_lookup(test, addr + LOCAL * PAGE_SIZE).page;

	KUNIT_ASSERT_EQ(test, dmk_hmm_snapshot(test, addr, NKINDS, pfns, 0, owner), 0);
	KUNIT_EXPECT_EQ(test, pfns[HOLE], 0);
	KUNIT_EXPECT_EQ(test, pfns[ZERO] & ~HMM_PFN_FLAGS,
			page_to_pfn(ZERO_PAGE(0)));
	KUNIT_EXPECT_EQ(test, pfns[ZERO] & HMM_PFN_FLAGS, HMM_PFN_VALID);
	KUNIT_EXPECT_EQ(test, pfns[RDONLY] & HMM_PFN_FLAGS, HMM_PFN_VALID);
	KUNIT_EXPECT_EQ(test, pfns[WRITABLE] & HMM_PFN_FLAGS,
			HMM_PFN_VALID | HMM_PFN_WRITE);
	KUNIT_EXPECT_EQ(test, pfns[LOCAL] & HMM_PFN_FLAGS,
			HMM_PFN_VALID | HMM_PFN_WRITE);
	KUNIT_EXPECT_PTR_EQ(test, hmm_pfn_to_page(pfns[LOCAL]), local);
	KUNIT_EXPECT_EQ(test, pfns[REMOTE], 0);
	KUNIT_EXPECT_EQ(test, pfns[PROTNONE], HMM_PFN_ERROR);

	/* faulting what may be faulted: everything up to PROT_NONE */
	KUNIT_ASSERT_EQ(test, dmk_hmm_snapshot(test, addr, PROTNONE, pfns,
				       HMM_PFN_REQ_FAULT, owner), 0);
	KUNIT_EXPECT_TRUE(test, pfns[HOLE] & HMM_PFN_VALID);
	KUNIT_EXPECT_TRUE(test, pfns[REMOTE] & HMM_PFN_VALID);
	KUNIT_EXPECT_EQ(test, dmk_lookup(test, addr + REMOTE * PAGE_SIZE).kind,
			DMK_SYSTEM);
	KUNIT_EXPECT_EQ(test, dmk_lookup(test, addr + LOCAL * PAGE_SIZE).kind,
			DMK_DEVICE);
}

/* Faults the VMA does not allow fail the whole snapshot. */
static void forbidden_faults_fail(struct kunit *test)
{
	unsigned long addr, pfns[2];

	addr = dmk_mmap(test, 2, PROT_READ | PROT_WRITE);
	dmk_fill(test, addr, 2, 47);
	KUNIT_ASSERT_EQ(test, dmk_mprotect(addr, 1, PROT_NONE), 0);
	KUNIT_ASSERT_EQ(test, dmk_mprotect(addr + PAGE_SIZE, 1, PROT_READ), 0);
	KUNIT_EXPECT_EQ(test, dmk_hmm_snapshot(test, addr, 1, pfns, HMM_PFN_REQ_FAULT,
				       NULL), -EFAULT);
	KUNIT_EXPECT_EQ(test, dmk_hmm_snapshot(test, addr + PAGE_SIZE, 1, pfns,
				       HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE,
				       NULL), -EPERM);
	KUNIT_EXPECT_EQ(test, dmk_hmm_snapshot(test, addr + PAGE_SIZE, 1, pfns,
				       HMM_PFN_REQ_FAULT, NULL), 0);
	KUNIT_EXPECT_EQ(test, pfns[0] & HMM_PFN_FLAGS, HMM_PFN_VALID);
}

static const bool mirror_shared[] = { false, true };

static void mirror_desc(const bool *shared, char *desc)
{
	strscpy(desc, *shared ? "shmem" : "anonymous", KUNIT_PARAM_DESC_SIZE);
}
KUNIT_ARRAY_PARAM(mirror, mirror_shared, mirror_desc);

static unsigned long mirror_mmap(struct kunit *test, unsigned long n,
				 bool shared)
{
	return shared ? dmk_mmap_shared(test, n, PROT_READ | PROT_WRITE) :
			dmk_mmap(test, n, PROT_READ | PROT_WRITE);
}

/*
 * A device mirror reads and writes through the pages a snapshot hands
 * it, for anonymous and for shmem (file) memory.
 */
static void mirror_reads_and_writes(struct kunit *test)
{
	const bool shared = *(const bool *)test->param_value;
	const unsigned long n = 4;
	unsigned long addr, i, off, pfns[4];

	addr = mirror_mmap(test, n, shared);
	dmk_fill(test, addr, n, 48);
	KUNIT_ASSERT_EQ(test, dmk_hmm_snapshot(test, addr, n, pfns,
					       HMM_PFN_REQ_FAULT, NULL), 0);
	for (i = 0; i < n; i++) {
		u8 *kaddr = kmap_local_page(hmm_pfn_to_page(pfns[i]));

		off = dmk_mismatch(kaddr, 48, i);
		kunmap_local(kaddr);
		KUNIT_EXPECT_EQ_MSG(test, off, PAGE_SIZE, "page %lu", i);
	}

	/* write faults on a fresh range, then the device writes */
	addr = mirror_mmap(test, n, shared);
	KUNIT_ASSERT_EQ(test, dmk_hmm_snapshot(test, addr, n, pfns,
					       HMM_PFN_REQ_FAULT |
					       HMM_PFN_REQ_WRITE, NULL), 0);
	for (i = 0; i < n; i++) {
		u8 *kaddr = kmap_local_page(hmm_pfn_to_page(pfns[i]));

		KUNIT_EXPECT_TRUE(test, pfns[i] & HMM_PFN_WRITE);
		dmk_pattern(kaddr, 49, i);
		kunmap_local(kaddr);
	}
	dmk_expect_data(test, addr, n, 49);
}

/* Two devices mirror the same pages: both see the same system pfns. */
static void two_mirrors_share_pages(struct kunit *test)
{
	const unsigned long n = 4;
	struct dmk *d = dmk(test);
	unsigned long addr, i, pfns0[4], pfns1[4];

	addr = dmk_mmap(test, n, PROT_READ | PROT_WRITE);
	dmk_fill(test, addr, n, 50);
	KUNIT_ASSERT_EQ(test, dmk_mprotect(addr, n, PROT_READ), 0);
	KUNIT_ASSERT_EQ(test, dmk_hmm_snapshot(test, addr, n, pfns0, HMM_PFN_REQ_FAULT,
				       umdevmem_owner(d->dev[0])), 0);
	KUNIT_ASSERT_EQ(test, dmk_hmm_snapshot(test, addr, n, pfns1, HMM_PFN_REQ_FAULT,
				       umdevmem_owner(d->dev[1])), 0);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ(test, pfns0[i], pfns1[i]);
		KUNIT_EXPECT_EQ(test, pfns0[i] & HMM_PFN_FLAGS, HMM_PFN_VALID);
		KUNIT_EXPECT_PTR_EQ(test, hmm_pfn_to_page(pfns0[i]),
				    dmk_lookup(test, addr + i * PAGE_SIZE).page);
	}
	dmk_expect_data(test, addr, n, 50);
}

static struct kunit_case hmm_cases[] = {
	KUNIT_CASE(same_owner_sees_device_pfns),
	KUNIT_CASE(same_owner_readonly),
	KUNIT_CASE(fault_after_hole_keeps_own_pages),
	KUNIT_CASE(foreign_owner_faults_back),
	KUNIT_CASE(no_owner_write_fault),
	KUNIT_CASE(foreign_owner_snapshot_no_fault),
	KUNIT_CASE(snapshot_of_every_kind),
	KUNIT_CASE(forbidden_faults_fail),
	KUNIT_CASE_PARAM(mirror_reads_and_writes, mirror_gen_params),
	KUNIT_CASE(two_mirrors_share_pages),
	{}
};

static struct kunit_suite hmm_suite = {
	.name = "umdevmem_hmm",
	.init = dmk_init,
	.exit = dmk_exit,
	.suite_exit = dmk_suite_exit,
	.test_cases = hmm_cases,
};
kunit_test_suite(hmm_suite);
