// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem suite umdevmem_state: what a migration carries besides the
 * bytes.  The old mapping and folio hold write permission, anon-exclusive
 * state and the dirty and accessed bits; the new or restored ones must
 * hold the same, or what the kernel makes of them.  A lost dirty bit
 * keeps the bytes until reclaim takes the page for clean and drops it:
 * the lazyfree cases write a MADV_FREE range again, migrate it each way
 * there is, reclaim it (MADV_PAGEOUT) and read it back.
 *
 * The range of each case: pages [0, 2) written (dirty pte, anon folio),
 * [2, 4) freed by MADV_FREE and written again (dirty pte, clean lazyfree
 * folio), [4, 8) freed and left alone (clean and old pte, clean lazyfree
 * folio, which reads back as it was or as zeroes).
 *
 * Per entry: a migration entry carries write, dirty, accessed and
 * exclusive (writable or readable-exclusive); a device-private entry
 * carries write, and its device page the anon-exclusive flag; dirty
 * state goes to the folio (pte dirty or folio dirty, before and after).
 * A device page may keep PG_swapbacked, and on 6.12 PG_dirty, from an
 * earlier use; so these only ever go from clean to dirty and from
 * lazyfree to swapbacked on the device, never the other way.
 * Not checked on UML: soft-dirty and uffd-wp, which UML lacks.
 */
#include <linux/mman.h>
#include <linux/swap.h>
#include <linux/swapops.h>
#include "dmk.h"

#define NPAGES		8
#define REWRITTEN	2	/* first page freed and written again */
#define UNTOUCHED	4	/* first page freed and left alone */
#define SEED_OLD	61
#define SEED_NEW	62

/* A page's mapping and folio at one moment. */
struct state {
	struct dmk_pte pte;
	struct dmk_folio folio;
};

static struct state state_at(struct kunit *test, unsigned long addr,
			     unsigned long i)
{
	struct state s = { .pte = dmk_lookup(test, addr + i * PAGE_SIZE) };

	if (s.pte.page)
		s.folio = dmk_folio_of(s.pte.page);
	return s;
}

static void states(struct kunit *test, unsigned long addr, struct state *s)
{
	unsigned long i;

	for (i = 0; i < NPAGES; i++)
		s[i] = state_at(test, addr, i);
}

static bool dirty(const struct state *s)
{
	return s->pte.dirty || s->folio.dirty;
}

/* What every migration must carry from @old to @new, page @i. */
static void expect_carried(struct kunit *test, const char *what,
			   unsigned long i, const struct state *old,
			   const struct state *new)
{
	KUNIT_EXPECT_EQ_MSG(test, new->pte.write, old->pte.write,
			    "%s: page %lu: write", what, i);
	KUNIT_EXPECT_EQ_MSG(test, new->pte.exclusive, old->pte.exclusive,
			    "%s: page %lu: anon-exclusive", what, i);
	if (dirty(old))
		KUNIT_EXPECT_TRUE_MSG(test, dirty(new),
				      "%s: page %lu: dirty state lost (pte and folio clean)",
				      what, i);
	/*
	 * A page that was not lazyfree must not become so: reclaim would
	 * drop it once clean.  The other way is allowed, and happens: a
	 * device page keeps PG_swapbacked from an earlier use (and on 6.12
	 * PG_dirty too), so a lazyfree page that moves onto one comes back
	 * an ordinary anon page.
	 */
	if (old->folio.swapbacked)
		KUNIT_EXPECT_TRUE_MSG(test, new->folio.swapbacked,
				      "%s: page %lu: became lazyfree", what, i);
}

/*
 * From a present pte through a migration entry to a present pte again
 * (a restored page, a coherent page): the pte's own bits come back.
 */
static void expect_same_pte(struct kunit *test, const char *what,
			    unsigned long i, const struct state *old,
			    const struct state *new)
{
	expect_carried(test, what, i, old, new);
	KUNIT_EXPECT_EQ_MSG(test, new->pte.dirty, old->pte.dirty,
			    "%s: page %lu: pte dirty", what, i);
	KUNIT_EXPECT_EQ_MSG(test, new->pte.young, old->pte.young,
			    "%s: page %lu: pte accessed", what, i);
}

/* The same folio mapped again: nothing of its own has changed either. */
static void expect_restored(struct kunit *test, const char *what,
			    unsigned long i, const struct state *old,
			    const struct state *new)
{
	KUNIT_EXPECT_PTR_EQ_MSG(test, new->pte.page, old->pte.page,
				"%s: page %lu", what, i);
	expect_same_pte(test, what, i, old, new);
	KUNIT_EXPECT_EQ_MSG(test, new->folio.swapbacked, old->folio.swapbacked,
			    "%s: page %lu: lazyfree", what, i);
	if (old->folio.dirty)
		KUNIT_EXPECT_TRUE_MSG(test, new->folio.dirty,
				      "%s: page %lu: folio dirty", what, i);
}

/* The range the cases start from (see the top), read-only if asked. */
static unsigned long prepare(struct kunit *test, bool readonly)
{
	unsigned long addr = dmk_mmap(test, NPAGES, PROT_READ | PROT_WRITE);
	struct state s[NPAGES];
	unsigned long i;

	dmk_fill(test, addr, NPAGES, SEED_OLD);
	KUNIT_ASSERT_EQ(test, do_madvise(current->mm, addr + REWRITTEN * PAGE_SIZE,
					 (NPAGES - REWRITTEN) * PAGE_SIZE,
					 MADV_FREE), 0);
	lru_add_drain_all();	/* lazyfree takes effect on the LRU */
	dmk_fill(test, addr + REWRITTEN * PAGE_SIZE, UNTOUCHED - REWRITTEN,
		 SEED_NEW);
	if (readonly)
		KUNIT_ASSERT_EQ(test, dmk_mprotect(addr, NPAGES, PROT_READ), 0);

	states(test, addr, s);
	for (i = 0; i < NPAGES; i++) {
		KUNIT_ASSERT_EQ(test, s[i].pte.kind, DMK_SYSTEM);
		KUNIT_EXPECT_EQ_MSG(test, s[i].pte.write, !readonly,
				    "page %lu", i);
		KUNIT_EXPECT_TRUE_MSG(test, s[i].pte.exclusive, "page %lu", i);
		KUNIT_EXPECT_EQ_MSG(test, s[i].pte.dirty, i < UNTOUCHED,
				    "page %lu: written pages are dirty", i);
		KUNIT_EXPECT_EQ_MSG(test, s[i].folio.lazyfree, i >= REWRITTEN,
				    "page %lu: MADV_FREE makes it lazyfree", i);
		if (i >= REWRITTEN)
			KUNIT_EXPECT_FALSE_MSG(test, s[i].folio.dirty,
					       "page %lu: MADV_FREE cleans it", i);
	}
	return addr;
}

/* Every written byte is there; the untouched pages as MADV_FREE allows. */
static void expect_contents(struct kunit *test, unsigned long addr)
{
	dmk_expect_data(test, addr, REWRITTEN, SEED_OLD);
	dmk_expect_data(test, addr + REWRITTEN * PAGE_SIZE,
			UNTOUCHED - REWRITTEN, SEED_NEW);
	dmk_expect_data_or_zero(test, addr, UNTOUCHED, NPAGES - UNTOUCHED,
				SEED_OLD);
}

/* Reclaim the range, as memory pressure would. */
static void reclaim(struct kunit *test, unsigned long addr)
{
	KUNIT_ASSERT_EQ(test, do_madvise(current->mm, addr, NPAGES * PAGE_SIZE,
					 MADV_PAGEOUT), 0);
}

/*
 * The range is back in system memory, each page carrying what it had in
 * @before (with the pte's own bits if @same_pte), and reclaim drops no
 * byte that was written.
 */
static void expect_back(struct kunit *test, const char *what,
			unsigned long addr, const struct state *before,
			bool same_pte)
{
	struct state back[NPAGES];
	unsigned long i;

	states(test, addr, back);
	for (i = 0; i < NPAGES; i++) {
		KUNIT_ASSERT_EQ(test, back[i].pte.kind, DMK_SYSTEM);
		if (same_pte)
			expect_same_pte(test, what, i, &before[i], &back[i]);
		else
			expect_carried(test, what, i, &before[i], &back[i]);
	}
	reclaim(test, addr);
	expect_contents(test, addr);
}

static void kernel_write_marks_pte_dirty(struct kunit *test)
{
	unsigned long addr = prepare(test, false);
	struct state s;

	s = state_at(test, addr, REWRITTEN);
	KUNIT_EXPECT_TRUE(test, s.pte.dirty);
	reclaim(test, addr);
	/* written again: kept; untouched: dropped, now a hole */
	KUNIT_EXPECT_EQ(test, state_at(test, addr, REWRITTEN).pte.kind,
			DMK_SYSTEM);
	expect_contents(test, addr);
}

static const bool readonly_cases[] = { false, true };

static void readonly_desc(const bool *readonly, char *desc)
{
	strscpy(desc, *readonly ? "read-only" : "writable",
		KUNIT_PARAM_DESC_SIZE);
}
KUNIT_ARRAY_PARAM(readonly, readonly_cases, readonly_desc);

/*
 * migrate_vma_setup() turns each pte into a migration entry with the
 * pte's bits, and marks the folio dirty when the pte was; the device
 * entry and the device folio then hold the same.
 */
static void to_device_carries_state(struct kunit *test)
{
	const bool readonly = *(const bool *)test->param_value;
	struct umdevmem *dev = dmk(test)->dev[0];
	struct state old[NPAGES], during[NPAGES], after[NPAGES];
	struct page *dpages[NPAGES], *src[NPAGES];
	struct migrate_vma *args;
	unsigned long addr, i;

	KUNIT_ASSERT_TRUE_MSG(test, migration_entry_supports_ad(),
			      "UML's swap offset has room for the A/D bits");
	addr = prepare(test, readonly);
	states(test, addr, old);
	args = dmk_args(test, addr, NPAGES, MIGRATE_VMA_SELECT_SYSTEM, NULL);
	KUNIT_ASSERT_EQ(test, dmk_setup(test, args), 0);
	KUNIT_ASSERT_EQ(test, args->cpages, NPAGES);
	for (i = 0; i < NPAGES; i++) {
		src[i] = migrate_pfn_to_page(args->src[i]);
		during[i] = state_at(test, addr, i);
		KUNIT_EXPECT_EQ_MSG(test, !!(args->src[i] & MIGRATE_PFN_WRITE),
				    !readonly, "page %lu: src flags", i);
		KUNIT_ASSERT_EQ(test, during[i].pte.kind, DMK_MIGRATION);
		during[i].folio = dmk_folio_of(src[i]);
		expect_same_pte(test, "migration entry", i, &old[i],
				&during[i]);
		KUNIT_EXPECT_EQ_MSG(test, during[i].folio.dirty, dirty(&old[i]),
				    "page %lu: folio dirty once the pte is gone",
				    i);
	}
	dmk_alloc_and_copy(test, dev, args, dpages);
	dmk_pages_finalize(test, args);

	states(test, addr, after);
	for (i = 0; i < NPAGES; i++) {
		KUNIT_ASSERT_EQ(test, after[i].pte.kind, DMK_DEVICE);
		expect_carried(test, "to the device", i, &old[i], &after[i]);
		KUNIT_EXPECT_EQ(test, after[i].folio.mapcount, 1);
		KUNIT_EXPECT_FALSE(test, after[i].folio.lru);
	}
	expect_contents(test, addr);
}

/* The ways back from device-private memory. */
enum way {
	WAY_FAULT,		/* a CPU fault (migrate_to_ram) */
	WAY_EVICT,		/* migrate_device_range() of the device */
	WAY_EVICT_PFNS,		/* the pages one by one */
	WAY_TO_SYSTEM,		/* migrate_vma_*() with SELECT_DEVICE_PRIVATE */
	WAY_OTHER_DEVICE,	/* to the second device, then a fault */
};

struct back_case {
	enum way way;
	bool readonly;
	const char *name;
};

static const struct back_case back_cases[] = {
	{ WAY_FAULT, false, "fault" },
	{ WAY_FAULT, true, "fault, read-only" },
	{ WAY_EVICT, false, "evict" },
	{ WAY_EVICT, true, "evict, read-only" },
	{ WAY_EVICT_PFNS, false, "evict pfns" },
	{ WAY_TO_SYSTEM, false, "to system" },
	{ WAY_TO_SYSTEM, true, "to system, read-only" },
	{ WAY_OTHER_DEVICE, false, "other device" },
	{ WAY_OTHER_DEVICE, true, "other device, read-only" },
};

static void back_case_desc(const struct back_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}
KUNIT_ARRAY_PARAM(back, back_cases, back_case_desc);

/* Move the range, on device @dev, back to system memory by @way. */
static void move_back(struct kunit *test, struct umdevmem *dev,
		      unsigned long addr, enum way way)
{
	struct umdevmem *other = dmk(test)->dev[1];
	struct umdevmem_migrate_result res;
	struct page *pages[NPAGES];
	struct state on[NPAGES], moved[NPAGES];
	unsigned long i;

	switch (way) {
	case WAY_FAULT:
		/* each read faults a page back */
		break;
	case WAY_EVICT:
		KUNIT_EXPECT_EQ(test, umdevmem_evict(dev), NPAGES);
		break;
	case WAY_EVICT_PFNS:
		for (i = 0; i < NPAGES; i++)
			pages[i] = dmk_lookup(test, addr + i * PAGE_SIZE).page;
		KUNIT_EXPECT_EQ(test, umdevmem_evict_pages(dev, pages, NPAGES),
				NPAGES);
		break;
	case WAY_TO_SYSTEM:
		KUNIT_EXPECT_EQ(test, umdevmem_migrate_to_system(dev,
				current->mm, addr, addr + NPAGES * PAGE_SIZE,
				MIGRATE_VMA_SELECT_DEVICE_PRIVATE, NULL, &res),
				0);
		KUNIT_EXPECT_EQ(test, res.migrated, NPAGES);
		break;
	case WAY_OTHER_DEVICE:
		states(test, addr, on);
		res = dmk_migrate(test, other, addr, NPAGES,
				  MIGRATE_VMA_SELECT_DEVICE_PRIVATE,
				  umdevmem_owner(dev));
		KUNIT_EXPECT_EQ(test, res.migrated, NPAGES);
		states(test, addr, moved);
		for (i = 0; i < NPAGES; i++) {
			KUNIT_ASSERT_EQ(test, moved[i].pte.kind, DMK_DEVICE);
			KUNIT_EXPECT_PTR_EQ(test,
					    umdevmem_page_device(moved[i].pte.page),
					    other);
			expect_carried(test, "device to device", i, &on[i],
				       &moved[i]);
		}
		break;
	}
}

static void back_carries_state(struct kunit *test)
{
	const struct back_case *c = test->param_value;
	struct umdevmem *dev = dmk(test)->dev[0];
	struct umdevmem_migrate_result res;
	struct state on[NPAGES];
	unsigned long addr;

	addr = prepare(test, c->readonly);
	res = dmk_migrate(test, dev, addr, NPAGES, MIGRATE_VMA_SELECT_SYSTEM,
			  NULL);
	KUNIT_ASSERT_EQ(test, res.migrated, NPAGES);
	states(test, addr, on);
	move_back(test, dev, addr, c->way);
	expect_contents(test, addr);	/* a fault brings the rest back */
	expect_back(test, "back", addr, on, false);
}

/* The ways a migration leaves a page where it is. */
enum refusal {
	REFUSE_REFERENCE,	/* an extra reference: unmapped, then restored */
	REFUSE_LOCKED,		/* the folio is locked: not collected */
	REFUSE_PINNED,		/* pinned anon-exclusive page: not collected */
	REFUSE_DECLINED,	/* collected, the device gives no page */
};

struct refusal_case {
	enum refusal how;
	const char *name;
};

static const struct refusal_case refusal_cases[] = {
	{ REFUSE_REFERENCE, "extra reference" },
	{ REFUSE_LOCKED, "page locked" },
	{ REFUSE_PINNED, "pinned" },
	{ REFUSE_DECLINED, "declined by the device" },
};

static void refusal_case_desc(const struct refusal_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}
KUNIT_ARRAY_PARAM(refusal, refusal_cases, refusal_case_desc);

static void refused_restores_state(struct kunit *test)
{
	const struct refusal_case *c = test->param_value;
	struct state old[NPAGES], now[NPAGES];
	struct migrate_vma *args;
	unsigned long addr, i;

	addr = prepare(test, false);
	states(test, addr, old);
	for (i = 0; i < NPAGES && c->how != REFUSE_DECLINED; i++) {
		struct page *page = old[i].pte.page;

		if (c->how == REFUSE_REFERENCE)
			dmk_get_page(test, page);
		else if (c->how == REFUSE_LOCKED)
			dmk_lock_page(test, page);
		else
			KUNIT_ASSERT_PTR_EQ(test, dmk_pin(test,
					addr + i * PAGE_SIZE, FOLL_WRITE), page);
	}
	/* the page references and pins change the folios' counts only */
	states(test, addr, old);

	args = dmk_args(test, addr, NPAGES, MIGRATE_VMA_SELECT_SYSTEM, NULL);
	KUNIT_ASSERT_EQ(test, dmk_setup(test, args), 0);
	/* no dst pages: every collected page is declined */
	dmk_pages_finalize(test, args);

	states(test, addr, now);
	for (i = 0; i < NPAGES; i++) {
		KUNIT_ASSERT_EQ(test, now[i].pte.kind, DMK_SYSTEM);
		expect_restored(test, c->name, i, &old[i], &now[i]);
	}
	/* the references held would keep the pages from reclaim */
	if (c->how == REFUSE_DECLINED) {
		reclaim(test, addr);
		expect_contents(test, addr);
	}
}

/*
 * A coherent page is mapped by a present pte: to the device and back,
 * the pte's own bits go through the migration entries both ways.
 */
static void coherent_carries_state(struct kunit *test)
{
	struct umdevmem *dev = dmk_create_coherent(test, "umdevmem-state",
						   SZ_16M >> PAGE_SHIFT);
	struct state old[NPAGES], on[NPAGES];
	struct umdevmem_migrate_result res;
	unsigned long addr, i;

	addr = prepare(test, false);
	states(test, addr, old);
	res = dmk_migrate(test, dev, addr, NPAGES, MIGRATE_VMA_SELECT_SYSTEM,
			  NULL);
	KUNIT_ASSERT_EQ(test, res.migrated, NPAGES);
	states(test, addr, on);
	for (i = 0; i < NPAGES; i++) {
		KUNIT_ASSERT_EQ(test, on[i].pte.kind, DMK_COHERENT);
		expect_same_pte(test, "to coherent", i, &old[i], &on[i]);
	}

	KUNIT_EXPECT_EQ(test, umdevmem_migrate_to_system(dev, current->mm,
			addr, addr + NPAGES * PAGE_SIZE,
			MIGRATE_VMA_SELECT_DEVICE_COHERENT, NULL, &res), 0);
	KUNIT_EXPECT_EQ(test, res.migrated, NPAGES);
	expect_back(test, "from coherent", addr, on, true);
}

/*
 * File pages, which migrate_vma_pages() refuses to move to a device
 * (only anonymous memory goes), though migrate_vma_setup() unmapped
 * them: a shmem mapping written, and a MAP_PRIVATE file mapping only
 * read (page cache pages, read-only, not anon-exclusive).  The device
 * gives each a page; the kernel refuses and maps the old ones back with
 * what they held.
 */
static const bool shmem_cases[] = { true, false };

static void file_case_desc(const bool *shmem, char *desc)
{
	strscpy(desc, *shmem ? "shmem, written" : "private file, read",
		KUNIT_PARAM_DESC_SIZE);
}
KUNIT_ARRAY_PARAM(file, shmem_cases, file_case_desc);

static void file_pages_restore_state(struct kunit *test)
{
	const bool shmem = *(const bool *)test->param_value;
	struct state old[NPAGES], now[NPAGES];
	struct migrate_vma *args;
	struct page **dpages;
	unsigned long addr, i;
	u8 byte;

	if (shmem) {
		addr = dmk_mmap_shared(test, NPAGES, PROT_READ | PROT_WRITE);
		dmk_fill(test, addr, NPAGES, SEED_OLD);
	} else {
		addr = dmk_mmap_private_file(test, NPAGES);
		for (i = 0; i < NPAGES; i++)
			KUNIT_ASSERT_EQ(test, get_user(byte, (u8 __user *)addr +
						       i * PAGE_SIZE), 0);
	}
	states(test, addr, old);
	for (i = 0; i < NPAGES; i++) {
		KUNIT_ASSERT_EQ(test, old[i].pte.kind, DMK_SYSTEM);
		KUNIT_EXPECT_EQ_MSG(test, old[i].pte.write, shmem, "page %lu", i);
		KUNIT_EXPECT_FALSE_MSG(test, folio_test_anon(page_folio(old[i].pte.page)),
				       "page %lu is anonymous", i);
		KUNIT_EXPECT_EQ_MSG(test, dirty(&old[i]), shmem, "page %lu", i);
	}

	dpages = kunit_kcalloc(test, NPAGES, sizeof(*dpages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dpages);
	args = dmk_args(test, addr, NPAGES, MIGRATE_VMA_SELECT_SYSTEM, NULL);
	KUNIT_ASSERT_EQ(test, dmk_setup(test, args), 0);
	KUNIT_EXPECT_EQ(test, args->cpages, NPAGES);
	KUNIT_EXPECT_EQ(test, dmk_alloc_and_copy(test, dmk(test)->dev[0], args,
						 dpages), NPAGES);
	dmk_pages_finalize(test, args);

	states(test, addr, now);
	for (i = 0; i < NPAGES; i++) {
		KUNIT_EXPECT_FALSE_MSG(test, args->src[i] & MIGRATE_PFN_MIGRATE,
				       "page %lu moved", i);
		KUNIT_ASSERT_EQ(test, now[i].pte.kind, DMK_SYSTEM);
		expect_restored(test, shmem ? "shmem" : "private file", i,
				&old[i], &now[i]);
	}
	if (shmem)
		dmk_expect_data(test, addr, NPAGES, SEED_OLD);
	else
		dmk_expect_zero(test, addr, NPAGES);
}

static struct kunit_case state_cases[] = {
	KUNIT_CASE(kernel_write_marks_pte_dirty),
	KUNIT_CASE_PARAM(to_device_carries_state, readonly_gen_params),
	KUNIT_CASE_PARAM(back_carries_state, back_gen_params),
	KUNIT_CASE_PARAM(refused_restores_state, refusal_gen_params),
	KUNIT_CASE_PARAM(file_pages_restore_state, file_gen_params),
	KUNIT_CASE(coherent_carries_state),
	{}
};

static struct kunit_suite state_suite = {
	.name = "umdevmem_state",
	.init = dmk_init,
	.exit = dmk_exit,
	.suite_exit = dmk_suite_exit,
	.test_cases = state_cases,
};
kunit_test_suite(state_suite);
