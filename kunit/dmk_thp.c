// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem KUnit suites: PMD-aligned ranges, THPs in them, and what
 * their ptes hold, for the THP suites.
 */
#include <linux/mman.h>
#include "dmk.h"

unsigned long dmk_thp_mmap(struct kunit *test, unsigned long npmds, bool huge)
{
	unsigned long len = npmds * HPAGE_PMD_SIZE;
	unsigned long addr, start, end;

	addr = dmk_mmap(test, (npmds + 1) * HPAGE_PMD_NR,
			PROT_READ | PROT_WRITE);
	start = ALIGN(addr, HPAGE_PMD_SIZE);
	end = addr + len + HPAGE_PMD_SIZE;
	if (start > addr)
		KUNIT_ASSERT_EQ(test, dmk_munmap(addr, (start - addr) >>
						 PAGE_SHIFT), 0);
	if (end > start + len)
		KUNIT_ASSERT_EQ(test, dmk_munmap(start + len, (end - start - len) >>
						 PAGE_SHIFT), 0);
	if (huge)
		KUNIT_ASSERT_EQ(test, do_madvise(current->mm, start, len,
						 MADV_HUGEPAGE), 0);
	return start;
}

unsigned long dmk_thp_system(struct kunit *test, unsigned int seed)
{
	unsigned long addr = dmk_thp_mmap(test, 1, true);
	struct dmk_pmd p;

	dmk_fill(test, addr, HPAGE_PMD_NR, seed);
	p = dmk_pmd_lookup(test, addr);
	KUNIT_ASSERT_EQ_MSG(test, p.kind, DMK_PMD_SYSTEM,
			    "a write fault in a MADV_HUGEPAGE range mapped no THP");
	KUNIT_EXPECT_EQ(test, folio_order(page_folio(p.page)), HPAGE_PMD_ORDER);
	return addr;
}

void dmk_thp_expect_ptes(struct kunit *test, unsigned long addr,
			 enum dmk_kind kind)
{
	unsigned long i, wrong = 0;

	KUNIT_EXPECT_EQ(test, dmk_pmd_lookup(test, addr).kind, DMK_PMD_TABLE);
	for (i = 0; i < HPAGE_PMD_NR; i++)
		if (dmk_lookup(test, addr + i * PAGE_SIZE).kind != kind)
			wrong++;
	KUNIT_EXPECT_EQ_MSG(test, wrong, 0, "ptes that are not kind %d", kind);
}
