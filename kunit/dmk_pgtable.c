// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem KUnit suites: what a pte or PMD of the test mm holds, read
 * under the page table lock, and the state of a folio (dmk.h).
 */
#include <linux/mm.h>
#include <linux/pgtable.h>
#include "dmk.h"

pmd_t *dmk_pmd_entry(struct mm_struct *mm, unsigned long addr)
{
	pgd_t *pgd = pgd_offset(mm, addr);
	p4d_t *p4d;
	pud_t *pud;

	if (pgd_none(*pgd))
		return NULL;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(*p4d))
		return NULL;
	pud = pud_offset(p4d, addr);
	if (pud_none(*pud))
		return NULL;
	return pmd_offset(pud, addr);
}

static bool dmk_anon_exclusive(struct page *page)
{
	return PageAnon(page) && PageAnonExclusive(page);
}

struct dmk_pte dmk_lookup_locked(struct mm_struct *mm, unsigned long addr)
{
	static const enum dmk_kind kinds[] = {
		[UMDEVMEM_LEAF_OTHER] = DMK_OTHER,
		[UMDEVMEM_LEAF_DEVICE] = DMK_DEVICE,
		[UMDEVMEM_LEAF_EXCLUSIVE] = DMK_EXCLUSIVE,
		[UMDEVMEM_LEAF_MIGRATION] = DMK_MIGRATION,
	};
	struct dmk_pte r = { .kind = DMK_NONE };
	pmd_t *pmd = dmk_pmd_entry(mm, addr);
	struct umdevmem_leaf leaf;
	spinlock_t *ptl;
	pte_t *ptep, pte;

	if (!pmd || pmd_none(*pmd))
		return r;
	ptep = pte_offset_map_lock(mm, pmd, addr, &ptl);
	if (!ptep)
		return r;
	pte = ptep_get(ptep);
	pte_unmap_unlock(ptep, ptl);

	if (pte_none(pte))
		return r;
	if (pte_present(pte)) {
		r.kind = is_zero_pfn(pte_pfn(pte)) ? DMK_ZERO : DMK_SYSTEM;
		r.page = pfn_to_page(pte_pfn(pte));
		if (is_device_coherent_page(r.page))
			r.kind = DMK_COHERENT;
		r.write = pte_write(pte);
		r.dirty = pte_dirty(pte);
		r.young = pte_young(pte);
		r.exclusive = dmk_anon_exclusive(r.page);
		return r;
	}
	leaf = umdevmem_pte_leaf(pte);
	r.kind = kinds[leaf.kind];
	r.page = leaf.page;
	r.write = leaf.write;
	r.dirty = leaf.dirty;
	r.young = leaf.young;
	r.exclusive = leaf.exclusive;
	if (leaf.kind == UMDEVMEM_LEAF_DEVICE ||
	    leaf.kind == UMDEVMEM_LEAF_EXCLUSIVE)
		r.exclusive = dmk_anon_exclusive(r.page);
	return r;
}

struct dmk_pte dmk_lookup(struct kunit *test, unsigned long addr)
{
	struct mm_struct *mm = current->mm;
	struct dmk_pte r;

	mmap_read_lock(mm);
	r = dmk_lookup_locked(mm, addr);
	mmap_read_unlock(mm);
	return r;
}

struct dmk_pmd dmk_pmd_lookup(struct kunit *test, unsigned long addr)
{
	struct mm_struct *mm = current->mm;
	struct dmk_pmd r = { .kind = DMK_PMD_NONE };
	spinlock_t *ptl;
	pmd_t *pmd, val;

	mmap_read_lock(mm);
	pmd = dmk_pmd_entry(mm, addr);
	if (!pmd)
		goto out;
	ptl = pmd_lock(mm, pmd);
	val = pmdp_get(pmd);
	spin_unlock(ptl);

	if (pmd_none(val))
		goto out;
	if (pmd_trans_huge(val)) {
		r.kind = is_huge_zero_pmd(val) ? DMK_PMD_ZERO : DMK_PMD_SYSTEM;
		r.page = pmd_page(val);
		r.write = pmd_write(val);
		r.dirty = pmd_dirty(val);
		r.young = pmd_young(val);
		r.exclusive = dmk_anon_exclusive(r.page);
	} else if (!pmd_present(val)) {
		struct umdevmem_leaf leaf = umdevmem_pmd_leaf(val);

		r.kind = leaf.kind == UMDEVMEM_LEAF_DEVICE ? DMK_PMD_DEVICE :
			 leaf.kind == UMDEVMEM_LEAF_MIGRATION ?
			 DMK_PMD_MIGRATION : DMK_PMD_OTHER;
		r.page = leaf.page;
		r.write = leaf.write;
		r.dirty = leaf.dirty;
		r.young = leaf.young;
		r.exclusive = leaf.exclusive;
		if (leaf.kind == UMDEVMEM_LEAF_DEVICE)
			r.exclusive = dmk_anon_exclusive(r.page);
	} else {
		r.kind = DMK_PMD_TABLE;
	}
out:
	mmap_read_unlock(mm);
	return r;
}

struct dmk_folio dmk_folio_of(struct page *page)
{
	struct folio *folio = page_folio(page);

	return (struct dmk_folio) {
		.dirty = folio_test_dirty(folio),
		.uptodate = folio_test_uptodate(folio),
		.swapbacked = folio_test_swapbacked(folio),
		.lazyfree = folio_test_anon(folio) &&
			    !folio_test_swapbacked(folio),
		.mlocked = folio_test_mlocked(folio),
		.lru = folio_test_lru(folio),
		.anon_exclusive = dmk_anon_exclusive(page),
		.mapcount = folio_mapcount(folio),
		.refcount = folio_ref_count(folio),
	};
}

void dmk_expect_on_device(struct kunit *test, struct umdevmem *dev,
			  unsigned long addr, unsigned long npages)
{
	enum dmk_kind kind = umdevmem_is_coherent(dev) ? DMK_COHERENT :
							 DMK_DEVICE;
	unsigned long i;

	for (i = 0; i < npages; i++) {
		struct dmk_pte p = dmk_lookup(test, addr + (i << PAGE_SHIFT));

		KUNIT_EXPECT_EQ_MSG(test, p.kind, kind,
				    "page %lu is not a device page", i);
		if (p.kind == kind)
			KUNIT_EXPECT_PTR_EQ_MSG(test, umdevmem_page_device(p.page),
						dev, "page %lu on wrong device",
						i);
	}
}

void dmk_expect_on_system(struct kunit *test, unsigned long addr,
			  unsigned long npages)
{
	unsigned long i;

	for (i = 0; i < npages; i++) {
		struct dmk_pte p = dmk_lookup(test, addr + (i << PAGE_SHIFT));

		KUNIT_EXPECT_EQ_MSG(test, p.kind, DMK_SYSTEM,
				    "page %lu is not a present system page", i);
	}
}

struct page *dmk_make_exclusive(struct kunit *test, unsigned long addr)
{
	struct mm_struct *mm = current->mm;
	struct page *page;

	mmap_read_lock(mm);
	page = umdevmem_make_exclusive(mm, addr,
				       umdevmem_owner(dmk(test)->dev[0]));
	mmap_read_unlock(mm);
	if (page) {
		unlock_page(page);
		put_page(page);
	}
	return page;
}
