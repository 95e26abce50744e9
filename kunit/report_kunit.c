// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem suite umdevmem_report: what the kernel reports to the
 * driver, for every kind of entry a range can hold, at pte and at PMD
 * size.  Two tables of one set of kinds:
 *
 *  - src_flags: the src array after migrate_vma_setup() for every
 *    combination of MIGRATE_VMA_SELECT_SYSTEM, _DEVICE_PRIVATE and
 *    _DEVICE_COHERENT, with and without _COMPOUND where the line has it,
 *    with the owner of the kind's own device; then every page declined:
 *    the entries, their write bits and the data are back as they were;
 *  - hmm_flags: hmm_range_fault() output (VALID, WRITE, ERROR, the pfn
 *    and hmm_pfn_to_map_order()) and its result, as a snapshot, with
 *    HMM_PFN_REQ_FAULT and with HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE,
 *    for the owner of the kind's device and for another owner; on 7.x
 *    the same again through hmm_range_fault_unlocked_timeout(), which
 *    must report what hmm_range_fault() does.
 *
 * Each kind says what the kernel does with it, the way migrate_device.c
 * and hmm.c document it: which selections collect it and with which
 * flags, and what each hmm_range_fault() mode returns.  A kind that a
 * line cannot build (device-private PMDs before 7.x) is not in that
 * line's parameters at all.  Not built here: swap entries (UML has no
 * swap device in these runs), migration entries (transient; the
 * umdevmem_race suite meets them), hugetlb (UML has none).
 */
#include <linux/delay.h>
#include <linux/hmm.h>
#include <linux/mman.h>
#include "dmk.h"

#define SEED		71
#define THP_NR		HPAGE_PMD_NR

/* What a kind's pages are at one moment, page by page. */
enum report_class { R_NONE, R_SYSTEM, R_ZERO, R_DEVICE, R_COHERENT,
		    R_EXCLUSIVE, R_OTHER };

struct report_view {
	enum report_class class;
	struct page *page;
	bool write;
	bool huge;		/* mapped by a PMD */
};

/* One built kind: where it is, its first page, the devices it involves. */
struct report_entry {
	unsigned long addr;
	unsigned long npages;
	struct page *page;	/* page behind the first entry, or NULL */
	struct umdevmem *own;	/* the device a driver calls its own */
	struct umdevmem *other;	/* any other device */
};

/* Which page an hmm_range_fault() pfn must name. */
enum report_page {
	P_NONE,		/* no pfn */
	P_ENTRY,	/* the page the entry held */
	P_ZERO,		/* the shared zero page */
	P_HUGE_ZERO,	/* the huge zero page */
	P_NEW,		/* a system page the fault put there */
};

struct report_hmm {
	int ret;
	unsigned long flags;	/* HMM_PFN_VALID, _WRITE, _ERROR */
	enum report_page page;
};

enum { SNAPSHOT, FAULT, FAULT_WRITE, NMODES };
enum { OWN, OTHER, NOWNERS };

#define SEL_SYS		MIGRATE_VMA_SELECT_SYSTEM
#define SEL_PRIV	MIGRATE_VMA_SELECT_DEVICE_PRIVATE
#define SEL_COH		MIGRATE_VMA_SELECT_DEVICE_COHERENT
#define SEL_ALL		(SEL_SYS | SEL_PRIV | SEL_COH)

#define V		HMM_PFN_VALID
#define VW		(HMM_PFN_VALID | HMM_PFN_WRITE)
#define MIG		MIGRATE_PFN_MIGRATE
#define MIGW		(MIGRATE_PFN_MIGRATE | MIGRATE_PFN_WRITE)

/* Every owner: the same reports, for SNAPSHOT, FAULT and FAULT_WRITE. */
#define SAME(...) { [OWN] = { __VA_ARGS__ }, [OTHER] = { __VA_ARGS__ } }
/* Every owner, every mode: the same report. */
#define ALWAYS(r, f, p) SAME({ r, f, p }, { r, f, p }, { r, f, p })

struct report_kind {
	const char *name;
	void (*build)(struct kunit *test, struct report_entry *e);
	bool device_pmd;	/* needs device-private PMDs (7.x) */
	bool guard;		/* needs guard markers (7.x) */
	bool no_vma;		/* no VMA there: no migrate_vma_setup() */
	bool unreadable;	/* no data to read back */
	bool pmd;		/* a PMD-aligned PMD's worth, collapsible */
	bool prot_none;		/* PROT_NONE: no access until the end */
	unsigned int seed;	/* its data, or 0 for zeroes */
	/* the selections that collect it, and its src flags then */
	unsigned int collect;
	unsigned long src;
	bool src_pfn;		/* src names the page */
	unsigned int order;	/* hmm_pfn_to_map_order() of its mapping */
	struct report_hmm hmm[NOWNERS][NMODES];
};

/* The page @i pfns after @page (nth_page() is gone in 7.x). */
static struct page *page_plus(struct page *page, unsigned long i)
{
	return pfn_to_page(page_to_pfn(page) + i);
}

static void build_on(struct kunit *test, struct report_entry *e,
		     unsigned long npages, bool readonly, unsigned int select)
{
	e->npages = npages;
	e->addr = dmk_mmap(test, npages, PROT_READ | PROT_WRITE);
	dmk_fill(test, e->addr, npages, SEED);
	if (readonly)
		KUNIT_ASSERT_EQ(test, dmk_mprotect(e->addr, npages, PROT_READ),
				0);
	if (select)
		KUNIT_ASSERT_EQ(test, dmk_migrate(test, e->own, e->addr, npages,
						  select, NULL).migrated,
				npages);
	e->page = dmk_lookup(test, e->addr).page;
}

static void build_hole(struct kunit *test, struct report_entry *e)
{
	e->npages = 1;
	e->addr = dmk_mmap(test, 1, PROT_READ | PROT_WRITE);
}

static void build_zero(struct kunit *test, struct report_entry *e)
{
	u8 byte;

	build_hole(test, e);
	KUNIT_ASSERT_EQ(test, get_user(byte, (u8 __user *)e->addr), 0);
	e->page = dmk_lookup(test, e->addr).page;
}

static void build_no_vma(struct kunit *test, struct report_entry *e)
{
	build_hole(test, e);
	KUNIT_ASSERT_EQ(test, dmk_munmap(e->addr, 1), 0);
}

static void build_guard(struct kunit *test, struct report_entry *e)
{
	build_on(test, e, 1, false, 0);
	KUNIT_ASSERT_EQ(test, do_madvise(current->mm, e->addr, PAGE_SIZE,
					 DMK_MADV_GUARD_INSTALL), 0);
	e->page = NULL;
}

static void build_system(struct kunit *test, struct report_entry *e)
{
	build_on(test, e, 1, false, 0);
}

static void build_system_ro(struct kunit *test, struct report_entry *e)
{
	build_on(test, e, 1, true, 0);
}

static void build_prot_none(struct kunit *test, struct report_entry *e)
{
	build_on(test, e, 1, false, 0);
	KUNIT_ASSERT_EQ(test, dmk_mprotect(e->addr, 1, PROT_NONE), 0);
}

static void build_device(struct kunit *test, struct report_entry *e)
{
	build_on(test, e, 1, false, SEL_SYS);
}

static void build_device_ro(struct kunit *test, struct report_entry *e)
{
	build_on(test, e, 1, true, SEL_SYS);
}

static void build_exclusive(struct kunit *test, struct report_entry *e)
{
	build_on(test, e, 1, false, 0);
	KUNIT_ASSERT_NOT_NULL(test, dmk_make_exclusive(test, e->addr));
}

static struct umdevmem *coherent;

static void build_coherent(struct kunit *test, struct report_entry *e)
{
	e->other = e->own;
	e->own = coherent;
	build_on(test, e, 1, false, SEL_SYS);
}

static void build_shmem(struct kunit *test, struct report_entry *e)
{
	e->npages = 1;
	e->addr = dmk_mmap_shared(test, 1, PROT_READ | PROT_WRITE);
	dmk_fill(test, e->addr, 1, SEED);
	e->page = dmk_lookup(test, e->addr).page;
}

static void build_shmem_hole(struct kunit *test, struct report_entry *e)
{
	e->npages = 1;
	e->addr = dmk_mmap_shared(test, 1, PROT_READ | PROT_WRITE);
}

static void build_thp(struct kunit *test, struct report_entry *e)
{
	e->npages = THP_NR;
	e->addr = dmk_thp_system(test, SEED);
	e->page = dmk_pmd_lookup(test, e->addr).page;
}

static void build_thp_ro(struct kunit *test, struct report_entry *e)
{
	build_thp(test, e);
	KUNIT_ASSERT_EQ(test, dmk_mprotect(e->addr, THP_NR, PROT_READ), 0);
	KUNIT_ASSERT_EQ(test, dmk_pmd_lookup(test, e->addr).kind,
			DMK_PMD_SYSTEM);
}

/* A PMD's pages but the first: a range no PMD fits in. */
static void unaligned(struct report_entry *e)
{
	e->addr += PAGE_SIZE;
	e->npages = THP_NR - 1;
	e->page = page_plus(e->page, 1);
}

static void build_thp_unaligned(struct kunit *test, struct report_entry *e)
{
	build_thp(test, e);
	unaligned(e);
}

static void build_huge_zero(struct kunit *test, struct report_entry *e)
{
	u8 byte;

	e->npages = THP_NR;
	e->addr = dmk_thp_mmap(test, 1, true);
	KUNIT_ASSERT_EQ(test, get_user(byte, (u8 __user *)e->addr), 0);
	KUNIT_ASSERT_EQ_MSG(test, dmk_pmd_lookup(test, e->addr).kind,
			    DMK_PMD_ZERO, "a read fault mapped no huge zero page");
	e->page = dmk_pmd_lookup(test, e->addr).page;
}

static void build_pmd_hole(struct kunit *test, struct report_entry *e)
{
	e->npages = THP_NR;
	e->addr = dmk_thp_mmap(test, 1, true);
}

static void build_device_pmd_as(struct kunit *test, struct report_entry *e,
				bool readonly)
{
	build_thp(test, e);
	if (readonly)
		KUNIT_ASSERT_EQ(test, dmk_mprotect(e->addr, THP_NR, PROT_READ),
				0);
	KUNIT_ASSERT_EQ(test, dmk_migrate(test, e->own, e->addr, THP_NR,
					  SEL_SYS | DMK_SELECT_COMPOUND,
					  NULL).migrated, 1);
	KUNIT_ASSERT_EQ(test, dmk_pmd_lookup(test, e->addr).kind,
			DMK_PMD_DEVICE);
	e->page = dmk_pmd_lookup(test, e->addr).page;
}

static void build_device_pmd(struct kunit *test, struct report_entry *e)
{
	build_device_pmd_as(test, e, false);
}

static void build_device_pmd_ro(struct kunit *test, struct report_entry *e)
{
	build_device_pmd_as(test, e, true);
}

static void build_device_pmd_unaligned(struct kunit *test,
				       struct report_entry *e)
{
	build_device_pmd_as(test, e, false);
	unaligned(e);
}

/*
 * The kinds.  hmm rows: { ret, flags, page } for SNAPSHOT, FAULT and
 * FAULT_WRITE, for the owner of the kind's device and for another.
 */
static const struct report_kind kinds[] = {
	{
		/* pte_none: every selection collects an anonymous hole */
		.name = "hole", .build = build_hole,
		.collect = SEL_ALL, .src = MIG,
		.hmm = SAME({ 0, 0, P_NONE }, { 0, V, P_ZERO },
			    { 0, VW, P_NEW }),
	}, {
		/* nothing mapped: an error, and no fault can make it valid */
		.name = "no VMA", .build = build_no_vma, .no_vma = true,
		.unreadable = true,
		.hmm = SAME({ 0, HMM_PFN_ERROR, P_NONE }, { -EFAULT },
			    { -EFAULT }),
	}, {
		/*
		 * A guard marker (MADV_GUARD_INSTALL): not collected, not
		 * valid, and a fault is an error.
		 */
		.name = "guard marker", .build = build_guard, .guard = true,
		.unreadable = true,
		.hmm = SAME({ 0, 0, P_NONE }, { -EFAULT }, { -EFAULT }),
	}, {
		/* the zero page: MIGRATE without a page, SELECT_SYSTEM only */
		.name = "zero page", .build = build_zero,
		.collect = SEL_SYS, .src = MIG,
		.hmm = SAME({ 0, V, P_ZERO }, { 0, V, P_ZERO },
			    { 0, VW, P_NEW }),
	}, {
		.name = "system page", .build = build_system, .seed = SEED,
		.collect = SEL_SYS, .src = MIGW, .src_pfn = true,
		.hmm = ALWAYS(0, VW, P_ENTRY),
	}, {
		.name = "system page, read-only", .build = build_system_ro,
		.seed = SEED,
		.collect = SEL_SYS, .src = MIG, .src_pfn = true,
		.hmm = SAME({ 0, V, P_ENTRY }, { 0, V, P_ENTRY }, { -EPERM }),
	}, {
		/*
		 * PROT_NONE: UML's pte stays present, so the collection
		 * takes the page, read-only; hmm_range_fault() reports an
		 * error and refuses to fault.
		 */
		.name = "system page, PROT_NONE", .build = build_prot_none,
		.prot_none = true, .seed = SEED,
		.collect = SEL_SYS, .src = MIG, .src_pfn = true,
		.hmm = SAME({ 0, HMM_PFN_ERROR, P_NONE }, { -EFAULT },
			    { -EFAULT }),
	}, {
		/*
		 * A device-private entry: its owner gets the device pfn
		 * whatever it asks; anyone else faults it back.
		 */
		.name = "device-private", .build = build_device, .seed = SEED,
		.collect = SEL_PRIV, .src = MIGW, .src_pfn = true,
		.hmm = {
			[OWN] = { { 0, VW, P_ENTRY }, { 0, VW, P_ENTRY },
				  { 0, VW, P_ENTRY } },
			[OTHER] = { { 0, 0, P_NONE }, { 0, VW, P_NEW },
				    { 0, VW, P_NEW } } },
	}, {
		/*
		 * Read-only: the owner gets it without WRITE even when it
		 * asks for a write fault (hmm.c reports the owner's pages
		 * without faulting); anyone else may not write a read-only
		 * VMA.
		 */
		.name = "device-private, read-only", .build = build_device_ro,
		.seed = SEED,
		.collect = SEL_PRIV, .src = MIG, .src_pfn = true,
		.hmm = {
			[OWN] = { { 0, V, P_ENTRY }, { 0, V, P_ENTRY },
				  { 0, V, P_ENTRY } },
			[OTHER] = { { 0, 0, P_NONE }, { 0, V, P_NEW },
				    { -EPERM } } },
	}, {
		/*
		 * Device-exclusive: no selection collects it; no owner's
		 * snapshot sees it; a fault gives the page back to the CPU.
		 */
		.name = "device-exclusive", .build = build_exclusive,
		.seed = SEED,
		.hmm = SAME({ 0, 0, P_NONE }, { 0, VW, P_ENTRY },
			    { 0, VW, P_ENTRY }),
	}, {
		/* a present pte: hmm_range_fault() reports it like RAM */
		.name = "device-coherent", .build = build_coherent,
		.seed = SEED,
		.collect = SEL_COH, .src = MIGW, .src_pfn = true,
		.hmm = ALWAYS(0, VW, P_ENTRY),
	}, {
		/* shmem: setup takes it; migrate_vma_pages() will refuse */
		.name = "shmem page", .build = build_shmem, .seed = SEED,
		.collect = SEL_SYS, .src = MIGW, .src_pfn = true,
		.hmm = ALWAYS(0, VW, P_ENTRY),
	}, {
		/* not anonymous: no hole is collected */
		.name = "shmem hole", .build = build_shmem_hole,
		.hmm = SAME({ 0, 0, P_NONE }, { 0, VW, P_NEW },
			    { 0, VW, P_NEW }),
	}, {
		/* PMD-mapped THP: split without SELECT_COMPOUND */
		.name = "THP", .build = build_thp, .pmd = true, .seed = SEED,
		.collect = SEL_SYS, .src = MIGW, .src_pfn = true,
		.order = HPAGE_PMD_ORDER,
		.hmm = ALWAYS(0, VW, P_ENTRY),
	}, {
		.name = "THP, read-only", .build = build_thp_ro, .pmd = true,
		.seed = SEED,
		.collect = SEL_SYS, .src = MIG, .src_pfn = true,
		.order = HPAGE_PMD_ORDER,
		.hmm = SAME({ 0, V, P_ENTRY }, { 0, V, P_ENTRY }, { -EPERM }),
	}, {
		/* a range inside a THP: split; its mapping is still a PMD */
		.name = "THP, unaligned range", .build = build_thp_unaligned,
		.seed = SEED,
		.collect = SEL_SYS, .src = MIGW, .src_pfn = true,
		.order = HPAGE_PMD_ORDER,
		.hmm = ALWAYS(0, VW, P_ENTRY),
	}, {
		/* collected as holes; a write fault replaces it by a THP */
		.name = "huge zero page", .build = build_huge_zero, .pmd = true,
		.collect = SEL_SYS, .src = MIG, .order = HPAGE_PMD_ORDER,
		.hmm = SAME({ 0, V, P_HUGE_ZERO }, { 0, V, P_HUGE_ZERO },
			    { 0, VW, P_NEW }),
	}, {
		/* pmd_none in a MADV_HUGEPAGE range */
		.name = "PMD hole", .build = build_pmd_hole, .pmd = true,
		.collect = SEL_ALL, .src = MIG, .order = HPAGE_PMD_ORDER,
		.hmm = SAME({ 0, 0, P_NONE }, { 0, V, P_HUGE_ZERO },
			    { 0, VW, P_NEW }),
	}, {
		/*
		 * A device-private PMD: its owner gets order 9 pfns; a
		 * snapshot by anyone else is HMM_PFN_ERROR at this size
		 * (hmm_vma_handle_absent_pmd()), where a device-private
		 * pte gives 0.
		 */
		.name = "device-private PMD", .build = build_device_pmd,
		.device_pmd = true, .pmd = true, .seed = SEED,
		.collect = SEL_PRIV, .src = MIGW, .src_pfn = true,
		.order = HPAGE_PMD_ORDER,
		.hmm = {
			[OWN] = { { 0, VW, P_ENTRY }, { 0, VW, P_ENTRY },
				  { 0, VW, P_ENTRY } },
			[OTHER] = { { 0, HMM_PFN_ERROR, P_NONE },
				    { 0, VW, P_NEW }, { 0, VW, P_NEW } } },
	}, {
		.name = "device-private PMD, read-only",
		.build = build_device_pmd_ro, .device_pmd = true, .pmd = true,
		.seed = SEED,
		.collect = SEL_PRIV, .src = MIG, .src_pfn = true,
		.order = HPAGE_PMD_ORDER,
		.hmm = {
			[OWN] = { { 0, V, P_ENTRY }, { 0, V, P_ENTRY },
				  { 0, V, P_ENTRY } },
			[OTHER] = { { 0, HMM_PFN_ERROR, P_NONE },
				    { 0, V, P_NEW }, { -EPERM } } },
	}, {
		/* split by the collection; its owner still sees the PMD */
		.name = "device-private PMD, unaligned range",
		.build = build_device_pmd_unaligned, .device_pmd = true,
		.seed = SEED,
		.collect = SEL_PRIV, .src = MIGW, .src_pfn = true,
		.order = HPAGE_PMD_ORDER,
		.hmm = {
			[OWN] = { { 0, VW, P_ENTRY }, { 0, VW, P_ENTRY },
				  { 0, VW, P_ENTRY } },
			[OTHER] = { { 0, HMM_PFN_ERROR, P_NONE },
				    { 0, VW, P_NEW }, { 0, VW, P_NEW } } },
	},
};

static bool kind_builds(const struct report_kind *k)
{
#ifndef UMDEVMEM_HUGE
	if (k->device_pmd)
		return false;
#endif
	return !k->guard || DMK_MADV_GUARD_INSTALL;
}

static const struct report_kind *next_kind(const void *prev, char *desc,
					   bool need_vma)
{
	const struct report_kind *k = prev ? (const struct report_kind *)prev + 1
					   : kinds;

	for (; k < kinds + ARRAY_SIZE(kinds); k++) {
		if (!kind_builds(k) || (need_vma && k->no_vma))
			continue;
		strscpy(desc, k->name, KUNIT_PARAM_DESC_SIZE);
		return k;
	}
	return NULL;
}

/* Every kind the line can build; for migrate_vma_setup(), with a VMA. */
static DMK_GEN_PARAMS(kinds_gen_params)
{
	return next_kind(prev, desc, false);
}

static DMK_GEN_PARAMS(vma_kinds_gen_params)
{
	return next_kind(prev, desc, true);
}

static void report_build(struct kunit *test, const struct report_kind *k,
			 struct report_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->own = dmk(test)->dev[0];
	e->other = dmk(test)->dev[1];
	k->build(test, e);
}

/* The kind's mapping and memory, given back now: the next build needs it. */
static void report_drop(struct kunit *test, const struct report_kind *k,
			struct report_entry *e)
{
	unsigned long start = k->pmd || e->npages != 1 ?
		ALIGN_DOWN(e->addr, HPAGE_PMD_SIZE) : e->addr;

	KUNIT_EXPECT_EQ(test, dmk_munmap(start, k->pmd || e->npages != 1 ?
					 THP_NR : 1), 0);
}

static struct report_view report_view_of(struct kunit *test,
					 unsigned long addr)
{
	struct dmk_pmd pmd = dmk_pmd_lookup(test, addr);
	unsigned long index = (addr & ~HPAGE_PMD_MASK) >> PAGE_SHIFT;
	struct report_view v = { .class = R_OTHER };
	struct dmk_pte pte;

	switch (pmd.kind) {
	case DMK_PMD_NONE:
		v.class = R_NONE;
		return v;
	case DMK_PMD_SYSTEM:
	case DMK_PMD_DEVICE:
		v.class = pmd.kind == DMK_PMD_SYSTEM ? R_SYSTEM : R_DEVICE;
		v.page = page_plus(pmd.page, index);
		v.write = pmd.write;
		v.huge = true;
		return v;
	case DMK_PMD_ZERO:
		v.class = R_ZERO;
		v.huge = true;
		return v;
	case DMK_PMD_TABLE:
		break;
	default:
		return v;
	}
	pte = dmk_lookup(test, addr);
	v.page = pte.page;
	v.write = pte.write;
	switch (pte.kind) {
	case DMK_NONE:
		v.class = R_NONE;
		break;
	case DMK_SYSTEM:
		v.class = R_SYSTEM;
		break;
	case DMK_ZERO:
		v.class = R_ZERO;
		v.page = NULL;
		break;
	case DMK_DEVICE:
		v.class = R_DEVICE;
		break;
	case DMK_COHERENT:
		v.class = R_COHERENT;
		break;
	case DMK_EXCLUSIVE:
		v.class = R_EXCLUSIVE;
		break;
	default:
		break;
	}
	return v;
}

static struct report_view *report_views(struct kunit *test,
					const struct report_entry *e)
{
	struct report_view *v;
	unsigned long i;

	v = kunit_kcalloc(test, e->npages, sizeof(*v), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, v);
	for (i = 0; i < e->npages; i++)
		v[i] = report_view_of(test, e->addr + i * PAGE_SIZE);
	return v;
}

static void report_expect_data(struct kunit *test,
			       const struct report_kind *k,
			       const struct report_entry *e)
{
	unsigned long first = (e->addr & ~HPAGE_PMD_MASK) >> PAGE_SHIFT;

	if (k->unreadable)
		return;
	if (k->prot_none)
		KUNIT_ASSERT_EQ(test, dmk_mprotect(e->addr, 1, PROT_READ), 0);
	if (!k->seed)
		dmk_expect_zero(test, e->addr, e->npages);
	else if (e->npages == 1 || !first)
		dmk_expect_data(test, e->addr, e->npages, k->seed);
	else
		dmk_expect_data_from(test, e->addr - first * PAGE_SIZE, first,
				     e->npages, k->seed);
}

/*
 * The src entry of page @i that selection @select must give: none, or
 * the kind's flags with its page's pfn; a PMD's worth collected with
 * SELECT_COMPOUND is one compound entry at its head and none after it.
 */
static unsigned long expected_src(const struct report_kind *k,
				  const struct report_entry *e,
				  unsigned int select, unsigned long i)
{
	bool compound = k->pmd && (select & DMK_SELECT_COMPOUND);
	unsigned long src = k->src;

	if (!(select & k->collect) || (compound && i))
		return 0;
	if (compound)
		src |= DMK_PFN_COMPOUND;
	if (k->src_pfn)
		src |= migrate_pfn(page_to_pfn(e->page) + i);
	return src;
}

static void select_name(char *buf, size_t len, unsigned int select)
{
	scnprintf(buf, len, "%s%s%s%s",
		  select & SEL_SYS ? "SYSTEM " : "",
		  select & SEL_PRIV ? "DEVICE_PRIVATE " : "",
		  select & SEL_COH ? "DEVICE_COHERENT " : "",
		  select & DMK_SELECT_COMPOUND ? "COMPOUND" : "");
}

static void src_flags_with(struct kunit *test, const struct report_kind *k,
			   unsigned int select)
{
	unsigned long i, cpages = 0, wrong = 0, changed = 0;
	struct report_view *before, *after;
	struct report_entry e;
	struct migrate_vma *args;
	char sel[64];
	bool whole;

	whole = k->pmd && (select & DMK_SELECT_COMPOUND) &&
		(select & k->collect);
	select_name(sel, sizeof(sel), select);
	report_build(test, k, &e);
	before = report_views(test, &e);
	args = dmk_args(test, e.addr, e.npages, select,
			umdevmem_owner(e.own));
	KUNIT_ASSERT_EQ_MSG(test, dmk_setup(test, args), 0, "%s", sel);
	for (i = 0; i < e.npages; i++) {
		unsigned long want = expected_src(k, &e, select, i);

		if (want & MIGRATE_PFN_MIGRATE)
			cpages++;
		if (args->src[i] == want)
			continue;
		if (!wrong++)
			KUNIT_FAIL(test, "%s: src[%lu] %#lx, expected %#lx",
				   sel, i, args->src[i], want);
	}
	KUNIT_EXPECT_EQ_MSG(test, wrong, 0, "%s: src entries wrong", sel);
	KUNIT_EXPECT_EQ_MSG(test, args->cpages, cpages, "%s: cpages", sel);
	KUNIT_EXPECT_EQ_MSG(test, args->npages, e.npages, "%s: npages", sel);

	/*
	 * The driver declines every page: all is as it was; a PMD's worth
	 * collected whole is mapped by its PMD again.
	 */
	dmk_pages_finalize(test, args);
	after = report_views(test, &e);
	for (i = 0; i < e.npages; i++) {
		bool same_page = !before[i].page ||
				 after[i].page == before[i].page;

		if (whole && after[i].huge != before[i].huge)
			KUNIT_FAIL(test, "%s, declined: page %lu %s a PMD now",
				   sel, i, after[i].huge ? "mapped by" : "not in");
		if (after[i].class == before[i].class &&
		    after[i].write == before[i].write && same_page)
			continue;
		if (!changed++)
			KUNIT_FAIL(test, "%s, declined: page %lu class %d write %d, was %d %d",
				   sel, i, after[i].class, after[i].write,
				   before[i].class, before[i].write);
	}
	KUNIT_EXPECT_EQ_MSG(test, changed, 0, "%s, declined: pages changed",
			    sel);
	report_expect_data(test, k, &e);
	report_drop(test, k, &e);
}

/*
 * Every selection a driver can make, with the owner of the kind's own
 * device.
 */
static void src_flags(struct kunit *test)
{
	const struct report_kind *k = test->param_value;
	int passes = DMK_SELECT_COMPOUND ? 2 : 1, pass;
	unsigned int select;

	for (pass = 0; pass < passes; pass++)
		for (select = 1; select <= SEL_ALL; select++)
			src_flags_with(test, k, select |
				       (pass ? DMK_SELECT_COMPOUND : 0));
}

static const char * const mode_names[NMODES] = {
	"snapshot", "HMM_PFN_REQ_FAULT", "HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE",
};

static const unsigned long mode_flags[NMODES] = {
	0, HMM_PFN_REQ_FAULT, HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE,
};

/* Whether @page is what @which names for page @i of the kind. */
static bool page_is(const struct report_entry *e, enum report_page which,
		    struct page *page, unsigned long i, struct page *mapped)
{
	switch (which) {
	case P_ENTRY:
		return page == page_plus(e->page, i);
	case P_ZERO:
		return page == ZERO_PAGE(0);
	case P_HUGE_ZERO:
		return page && is_huge_zero_folio(page_folio(page)) &&
		       folio_page_idx(page_folio(page), page) ==
		       ((e->addr >> PAGE_SHIFT) + i) % HPAGE_PMD_NR;
	case P_NEW:
		/* a system page, now mapped there, not the old one */
		return page && page == mapped && !is_zone_device_page(page) &&
		       (!e->page || page != page_plus(e->page, i));
	default:
		return true;
	}
}

static void hmm_flags_with(struct kunit *test, const struct report_kind *k,
			   int owner, int mode, bool unlocked)
{
	const struct report_hmm *want = &k->hmm[owner][mode];
	unsigned long i, wrong = 0, *pfns;
	struct report_entry e;
	char what[96];
	void *who;
	int ret;

	scnprintf(what, sizeof(what), "%s%s, %s owner",
		  unlocked ? "unlocked, " : "", mode_names[mode],
		  owner == OWN ? "own" : "another");
	report_build(test, k, &e);
	who = umdevmem_owner(owner == OWN ? e.own : e.other);
	pfns = kunit_kcalloc(test, e.npages, sizeof(*pfns), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pfns);
	if (unlocked)
		ret = dmk_hmm_unlocked(test, e.addr, e.npages, pfns,
				       mode_flags[mode], who);
	else
		ret = dmk_hmm_snapshot(test, e.addr, e.npages, pfns,
				       mode_flags[mode], who);
	KUNIT_EXPECT_EQ_MSG(test, ret, want->ret, "%s: result", what);
	if (ret || want->ret)
		goto out;
	for (i = 0; i < e.npages; i++) {
		unsigned long flags = pfns[i] & (HMM_PFN_VALID | HMM_PFN_WRITE |
						 HMM_PFN_ERROR);
		struct page *page = NULL, *mapped;
		unsigned int order = 0;
		bool bad;

		if (pfns[i] & HMM_PFN_VALID) {
			page = hmm_pfn_to_page(pfns[i]);
			order = hmm_pfn_to_map_order(pfns[i]);
		}
		mapped = report_view_of(test, e.addr + i * PAGE_SIZE).page;
		bad = flags != want->flags ||
		      !page_is(&e, want->page, page, i, mapped);
		if ((want->flags & HMM_PFN_VALID) && want->page != P_NEW)
			bad |= order != k->order;
		if (!bad)
			continue;
		if (!wrong++)
			KUNIT_FAIL(test, "%s: pfns[%lu] %#lx (order %u), expected flags %#lx order %u page %d",
				   what, i, pfns[i], order, want->flags,
				   k->order, want->page);
	}
	KUNIT_EXPECT_EQ_MSG(test, wrong, 0, "%s: pfns wrong", what);
out:
	report_expect_data(test, k, &e);
	report_drop(test, k, &e);
}

static void hmm_flags(struct kunit *test)
{
	const struct report_kind *k = test->param_value;
	int apis = UMDEVMEM_HMM_UNLOCKED ? 2 : 1, api, owner, mode;

	for (api = 0; api < apis; api++)
		for (owner = 0; owner < NOWNERS; owner++)
			for (mode = 0; mode < NMODES; mode++)
				hmm_flags_with(test, k, owner, mode, api);
}

/*
 * hmm_range_fault() over migration entries, between migrate_vma_setup()
 * and migrate_vma_finalize(): a snapshot sees nothing valid; a fault
 * waits for the migration to end (migration_entry_wait(), or
 * pmd_migration_entry_wait() for a THP collected whole on 7.x) and then
 * reports the pages the migration left, here the old ones: the device
 * declines every page.
 */
struct report_waiter {
	unsigned long addr, npages;
	unsigned long *pfns;
	atomic_t started;
};

static long report_fault_waiter(void *arg)
{
	struct report_waiter *w = arg;

	atomic_set(&w->started, 1);
	return dmk_hmm_snapshot(NULL, w->addr, w->npages, w->pfns,
				HMM_PFN_REQ_FAULT, NULL);
}

static const bool huge_cases[] = { false, true };

static void huge_desc(const bool *huge, char *desc)
{
	strscpy(desc, *huge ? "THP" : "base pages", KUNIT_PARAM_DESC_SIZE);
}
KUNIT_ARRAY_PARAM(huge, huge_cases, huge_desc);

static void migration_entries(struct kunit *test)
{
	const bool huge = *(const bool *)test->param_value;
	struct report_entry e = { .own = dmk(test)->dev[0] };
	unsigned long i, *pfns, invalid = 0, wrong = 0;
	struct report_view *before;
	struct report_waiter *w;
	struct migrate_vma *args;
	struct dmk_thread *t;

	if (huge)
		build_thp(test, &e);
	else
		build_on(test, &e, 4, false, 0);
	before = report_views(test, &e);
	args = dmk_args(test, e.addr, e.npages, SEL_SYS | DMK_SELECT_COMPOUND,
			umdevmem_owner(e.own));
	KUNIT_ASSERT_EQ(test, dmk_setup(test, args), 0);
	if (huge && DMK_SELECT_COMPOUND)
		KUNIT_EXPECT_EQ(test, dmk_pmd_lookup(test, e.addr).kind,
				DMK_PMD_MIGRATION);
	else
		KUNIT_EXPECT_EQ(test, dmk_lookup(test, e.addr).kind,
				DMK_MIGRATION);

	pfns = kunit_kcalloc(test, e.npages, sizeof(*pfns), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pfns);
	KUNIT_EXPECT_EQ(test, dmk_hmm_snapshot(test, e.addr, e.npages, pfns,
					       0, NULL), 0);
	for (i = 0; i < e.npages; i++)
		if (pfns[i] & (HMM_PFN_VALID | HMM_PFN_ERROR))
			invalid++;
	KUNIT_EXPECT_EQ_MSG(test, invalid, 0,
			    "snapshot pfns valid or error over migration entries");

	w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	w->addr = e.addr;
	w->npages = e.npages;
	w->pfns = kunit_kcalloc(test, e.npages, sizeof(*w->pfns), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w->pfns);
	/*
	 * No KUNIT_ASSERT from here to the finalize: the waiter is blocked
	 * on the migration entries, and KUnit would join it before it
	 * finalizes the migration.
	 */
	t = dmk_thread_start(test, report_fault_waiter, w, "umdevmem-hmm-wait");
	for (i = 0; i < 50 && !atomic_read(&w->started); i++)
		msleep(20);
	msleep(50);
	KUNIT_EXPECT_TRUE(test, atomic_read(&w->started));
	KUNIT_EXPECT_FALSE_MSG(test, dmk_thread_done(t),
			       "a fault did not wait for the migration to end");
	dmk_pages_finalize(test, args);
	KUNIT_ASSERT_EQ(test, dmk_thread_wait(t, 10 * HZ), 0);
	for (i = 0; i < e.npages; i++) {
		unsigned long f = w->pfns[i];

		if ((f & (HMM_PFN_VALID | HMM_PFN_WRITE)) ==
		    (HMM_PFN_VALID | HMM_PFN_WRITE) &&
		    hmm_pfn_to_page(f) == before[i].page)
			continue;
		if (!wrong++)
			KUNIT_FAIL(test, "pfns[%lu] %#lx after the migration", i, f);
	}
	KUNIT_EXPECT_EQ(test, wrong, 0);
	dmk_expect_data(test, e.addr, e.npages, SEED);
}

static void report_mm_stable(void *mm)
{
	umdevmem_mm_set_unstable(mm, false);
}

/*
 * An mm the OOM reaper is taking down (MMF_UNSTABLE): a snapshot still
 * reads it, a fault into it fails (VM_FAULT_SIGBUS, reported as -EFAULT),
 * and hmm_range_fault_unlocked_timeout() (7.x) refuses at once.
 */
static void unstable_mm(struct kunit *test)
{
	struct mm_struct *mm = current->mm;
	unsigned long addr, pfns[2];

	addr = dmk_mmap(test, 2, PROT_READ | PROT_WRITE);
	dmk_fill(test, addr + PAGE_SIZE, 1, SEED);
	umdevmem_mm_set_unstable(mm, true);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, report_mm_stable,
							mm), 0);

	KUNIT_EXPECT_EQ(test, dmk_hmm_snapshot(test, addr + PAGE_SIZE, 1, pfns,
					       0, NULL), 0);
	KUNIT_EXPECT_EQ(test, pfns[0] & (HMM_PFN_VALID | HMM_PFN_WRITE),
			HMM_PFN_VALID | HMM_PFN_WRITE);
	KUNIT_EXPECT_EQ(test, dmk_hmm_snapshot(test, addr, 2, pfns,
					       HMM_PFN_REQ_FAULT, NULL),
			-EFAULT);
	if (UMDEVMEM_HMM_UNLOCKED)
		KUNIT_EXPECT_EQ(test, dmk_hmm_unlocked(test, addr + PAGE_SIZE, 1,
						       pfns, 0, NULL), -EFAULT);
	kunit_release_action(test, report_mm_stable, mm);
	KUNIT_EXPECT_EQ(test, dmk_lookup(test, addr).kind, DMK_NONE);
}

static struct kunit_case report_cases[] = {
	KUNIT_CASE_PARAM(src_flags, vma_kinds_gen_params),
	KUNIT_CASE_PARAM(hmm_flags, kinds_gen_params),
	KUNIT_CASE_PARAM(migration_entries, huge_gen_params),
	KUNIT_CASE(unstable_mm),
	{}
};

static int report_suite_init(struct kunit_suite *suite)
{
	coherent = umdevmem_create_coherent("umdevmem-report",
					    SZ_16M >> PAGE_SHIFT);
	if (IS_ERR(coherent)) {
		int err = PTR_ERR(coherent);

		coherent = NULL;
		return err;
	}
	return 0;
}

static void report_suite_exit(struct kunit_suite *suite)
{
	dmk_suite_exit(suite);
	if (coherent)
		WARN(umdevmem_destroy(coherent), "%s still in use\n",
		     umdevmem_name(coherent));
}

static int report_init(struct kunit *test)
{
	return dmk_init_watching(test, &coherent, 1);
}

static struct kunit_suite report_suite = {
	.name = "umdevmem_report",
	.suite_init = report_suite_init,
	.suite_exit = report_suite_exit,
	.init = report_init,
	.exit = dmk_exit,
	.test_cases = report_cases,
};
kunit_test_suite(report_suite);
