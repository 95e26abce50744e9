// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem suite umdevmem_setup_args: every argument check of
 * migrate_vma_setup() returns -EINVAL before anything is collected (src
 * is not even cleared), and start/end are rounded down to pages.
 */
#include <linux/migrate.h>
#include <linux/mman.h>
#include "dmk.h"

#define NPAGES 4
#define SENTINEL 0x5a5a5a5aUL

enum bad_arg {
	NO_VMA, VMA_IO, VMA_PFNMAP, VMA_MIXEDMAP, NO_PAGES, END_BEFORE_START,
	START_BELOW_VMA, START_AT_VMA_END, END_AT_VMA_START, END_BEYOND_VMA,
	NO_SRC, NO_DST, SYSTEM_FAULT_PAGE,
};

struct bad_case {
	const char *name;
	enum bad_arg arg;
};

static const struct bad_case bad_cases[] = {
	{ "vma NULL", NO_VMA },
	{ "VM_IO vma", VMA_IO },
	{ "VM_PFNMAP vma", VMA_PFNMAP },
	{ "VM_MIXEDMAP vma", VMA_MIXEDMAP },
	{ "end == start", NO_PAGES },
	{ "end < start", END_BEFORE_START },
	{ "start below the vma", START_BELOW_VMA },
	{ "start at vm_end", START_AT_VMA_END },
	{ "range ending at vm_start", END_AT_VMA_START },
	{ "end beyond the vma", END_BEYOND_VMA },
	{ "src NULL", NO_SRC },
	{ "dst NULL", NO_DST },
	{ "fault_page not device-private", SYSTEM_FAULT_PAGE },
};

static void bad_case_desc(const struct bad_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}
KUNIT_ARRAY_PARAM(bad_cases, bad_cases, bad_case_desc);

static const vm_flags_t special_flags[] = {
	[VMA_IO] = VM_IO, [VMA_PFNMAP] = VM_PFNMAP, [VMA_MIXEDMAP] = VM_MIXEDMAP,
};

static void setup_rejects_bad_argument(struct kunit *test)
{
	const struct bad_case *c = test->param_value;
	struct mm_struct *mm = current->mm;
	unsigned long src[NPAGES], dst[NPAGES], addr, i;
	struct vm_area_struct *vma;
	struct migrate_vma args;
	vm_flags_t special = 0;
	int ret;

	/* the mapping sits in the middle of three, so start/end can miss */
	addr = dmk_mmap(test, 3 * NPAGES, PROT_READ | PROT_WRITE);
	KUNIT_ASSERT_EQ(test, dmk_munmap(addr, NPAGES), 0);
	KUNIT_ASSERT_EQ(test, dmk_munmap(addr + 2 * NPAGES * PAGE_SIZE, NPAGES),
			0);
	addr += NPAGES * PAGE_SIZE;
	dmk_fill(test, addr, NPAGES, 61);
	for (i = 0; i < NPAGES; i++)
		src[i] = SENTINEL;

	mmap_write_lock(mm);
	vma = vma_lookup(mm, addr);
	if (!vma) {
		mmap_write_unlock(mm);
		KUNIT_FAIL_AND_ABORT(test, "no VMA at %#lx", addr);
	}
	if (c->arg < ARRAY_SIZE(special_flags))
		special = special_flags[c->arg];
	if (special)
		vm_flags_set(vma, special);
	args = (struct migrate_vma) {
		.vma = vma,
		.start = addr,
		.end = addr + NPAGES * PAGE_SIZE,
		.src = src,
		.dst = dst,
		.flags = MIGRATE_VMA_SELECT_SYSTEM,
		.pgmap_owner = umdevmem_owner(dmk(test)->dev[0]),
	};
	switch (c->arg) {
	case NO_VMA:
		args.vma = NULL;
		break;
	case NO_PAGES:
		args.end = args.start;
		break;
	case END_BEFORE_START:
		args.end = args.start - PAGE_SIZE;
		break;
	case START_BELOW_VMA:
		args.start = vma->vm_start - PAGE_SIZE;
		break;
	case START_AT_VMA_END:
		args.start = vma->vm_end;
		args.end = vma->vm_end + PAGE_SIZE;
		break;
	case END_AT_VMA_START:
		args.start = vma->vm_start - 2 * PAGE_SIZE;
		args.end = vma->vm_start;
		break;
	case END_BEYOND_VMA:
		args.end = vma->vm_end + PAGE_SIZE;
		break;
	case NO_SRC:
		args.src = NULL;
		break;
	case NO_DST:
		args.dst = NULL;
		break;
	case SYSTEM_FAULT_PAGE:
		args.fault_page = dmk_lookup_locked(mm, addr).page;
		KUNIT_EXPECT_NOT_NULL(test, args.fault_page);
		break;
	default:
		break;
	}
	ret = migrate_vma_setup(&args);
	if (special)
		vm_flags_clear(vma, special);
	mmap_write_unlock(mm);

	KUNIT_EXPECT_EQ(test, ret, -EINVAL);
	for (i = 0; i < NPAGES; i++)
		KUNIT_EXPECT_EQ_MSG(test, src[i], SENTINEL,
				    "src[%lu] written before the checks", i);
	dmk_expect_on_system(test, addr, NPAGES);
	dmk_expect_data(test, addr, NPAGES, 61);
}

/*
 * start and end inside their pages are rounded down, not refused; a
 * driver that then declines every page (dst all 0) gets them all back
 * mapped as they were from migrate_vma_finalize().
 */
static void setup_rounds_down_and_finalize_restores(struct kunit *test)
{
	struct mm_struct *mm = current->mm;
	unsigned long src[2], dst[2] = { 0, 0 }, addr, i;
	struct page *pages[2];
	struct migrate_vma args;
	int ret;

	addr = dmk_mmap(test, NPAGES, PROT_READ | PROT_WRITE);
	dmk_fill(test, addr, NPAGES, 62);
	for (i = 0; i < 2; i++)
		pages[i] = dmk_lookup(test, addr + i * PAGE_SIZE).page;

	mmap_read_lock(mm);
	args = (struct migrate_vma) {
		.vma = vma_lookup(mm, addr),
		.start = addr + 100,
		.end = addr + 2 * PAGE_SIZE + 100,
		.src = src,
		.dst = dst,
		.flags = MIGRATE_VMA_SELECT_SYSTEM,
		.pgmap_owner = umdevmem_owner(dmk(test)->dev[0]),
	};
	ret = migrate_vma_setup(&args);
	if (!ret) {
		migrate_vma_pages(&args);
		migrate_vma_finalize(&args);
	}
	mmap_read_unlock(mm);

	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, args.start, addr);
	KUNIT_EXPECT_EQ(test, args.end, addr + 2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, args.npages, 2);
	KUNIT_EXPECT_EQ(test, args.cpages, 2);
	for (i = 0; i < 2; i++) {
		struct dmk_pte p = dmk_lookup(test, addr + i * PAGE_SIZE);

		/* declined: MIGRATE cleared, the very same page mapped back */
		KUNIT_EXPECT_FALSE(test, src[i] & MIGRATE_PFN_MIGRATE);
		KUNIT_EXPECT_EQ(test, p.kind, DMK_SYSTEM);
		KUNIT_EXPECT_PTR_EQ(test, p.page, pages[i]);
		KUNIT_EXPECT_TRUE(test, p.write);
	}
	dmk_expect_data(test, addr, NPAGES, 62);
}

static struct kunit_case setup_args_cases[] = {
	KUNIT_CASE_PARAM(setup_rejects_bad_argument, bad_cases_gen_params),
	KUNIT_CASE(setup_rounds_down_and_finalize_restores),
	{}
};

static struct kunit_suite setup_args_suite = {
	.name = "umdevmem_setup_args",
	.init = dmk_init,
	.exit = dmk_exit,
	.suite_exit = dmk_suite_exit,
	.test_cases = setup_args_cases,
};
kunit_test_suite(setup_args_suite);
