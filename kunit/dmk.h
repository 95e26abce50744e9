/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uml-devmem KUnit suites: the helpers every suite shares, dmk_*().
 *
 * Each case gets a fresh mm of its own, attached to the case's kthread
 * by dmk_init(), the suites' .init.  Everything a case takes is owned by
 * KUnit (a resource or a deferred action), so that a failed assertion
 * anywhere leaves nothing behind: the test mm, devices and what the case
 * changed in them (fault injection, DMA latency), migrations between
 * setup and finalize (finalized with every page declined), kthreads
 * (joined), page references, locks and pins.  The cleanup runs after the
 * case, in KUnit's cleanup thread, in the reverse order of taking: it
 * joins the case's threads, tears the mm down and then checks that every
 * device the case used is back at the free pages it had and gave a
 * page_free() for every page it handed out.  No assertion is made while
 * a lock that only the case's thread can release is held.
 *
 * Data is a per-page byte pattern derived from a seed (dmk_data.c), so
 * that every byte of every page can be checked; what a page table entry
 * holds comes from dmk_pgtable.c; step-by-step migrations and
 * hmm_range_fault() from dmk_migrate.c; fork() and kthreads on the test
 * mm from dmk_task.c.
 *
 * Argument order, everywhere: test, then the device, then the address
 * and the number of pages, then the rest.
 */
#ifndef __DMK_H
#define __DMK_H

#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <umdevmem.h>
#include "dmk_kunit_compat.h"

#define DMK_DEVICES 2

/*
 * A KUnit parameter generator's head, and a call of generator @fn with
 * the same arguments: 7.x passes the test as well.
 */
#if UMDEVMEM_KUNIT_GEN_TEST
#define DMK_GEN_PARAMS(name) \
	const void *name(struct kunit *test, const void *prev, char *desc)
#define DMK_GEN_CALL(fn) fn(test, prev, desc)
#else
#define DMK_GEN_PARAMS(name) const void *name(const void *prev, char *desc)
#define DMK_GEN_CALL(fn) fn(prev, desc)
#endif

/*
 * MIGRATE_VMA_FAULT of the optional hmm-walk series
 * (mm-patches/7.3/hmm-walk, CONFIG_MIGRATE_VMA_FAULT), or 0 without it.
 */
#ifdef CONFIG_MIGRATE_VMA_FAULT
#define DMK_MIGRATE_VMA_FAULT MIGRATE_VMA_FAULT
#else
#define DMK_MIGRATE_VMA_FAULT 0
#endif

/*
 * MIGRATE_VMA_SELECT_COMPOUND and MIGRATE_PFN_COMPOUND where the line has
 * them (7.x), or 0: without them a THP is always split.
 */
#ifdef MIGRATE_PFN_COMPOUND
#define DMK_SELECT_COMPOUND MIGRATE_VMA_SELECT_COMPOUND
#define DMK_PFN_COMPOUND MIGRATE_PFN_COMPOUND
#else
#define DMK_SELECT_COMPOUND 0
#define DMK_PFN_COMPOUND 0
#endif

/* MADV_GUARD_INSTALL where the line has guard markers (7.x), or 0 */
#ifdef MADV_GUARD_INSTALL
#define DMK_MADV_GUARD_INSTALL MADV_GUARD_INSTALL
#else
#define DMK_MADV_GUARD_INSTALL 0
#endif

#define DMK_WATCH_MAX 8

struct dmk {
	struct mm_struct *mm;		/* the case's mm */
	struct umdevmem *dev[DMK_DEVICES];	/* the boot devices */
	struct umdevmem_stats base[DMK_DEVICES];	/* ... as the case began */
	atomic_t stuck;			/* threads that would not end */
	struct umdevmem *watched[DMK_WATCH_MAX];
	int nwatched;
	void *gpu;	/* the GPU SVM suites' struct dmk_gpu (dmk_gpusvm.h) */
};

static inline struct dmk *dmk(struct kunit *test)
{
	return test->priv;
}

/* dmk_fixture.c: the case's mm, devices, and what it holds */

int dmk_init(struct kunit *test);
/*
 * The suites' .exit, which KUnit runs first when a case ends: fault
 * injection, DMA latency and in-flight signals of the watched devices
 * off, before anything of the case is released.
 */
void dmk_exit(struct kunit *test);
/* dmk_init(), and dmk_watch() of the suite's own @n devices @devs. */
int dmk_init_watching(struct kunit *test, struct umdevmem **devs, int n);
/* Every boot device is whole again (a WARNING for the runner if not). */
void dmk_suite_exit(struct kunit_suite *suite);
/* A new mm, not attached to any task (kunit_attach_mm()'s recipe). */
struct mm_struct *dmk_mm_new(void);
/* A new mm, attached to the current kthread, as kunit_attach_mm() does. */
int dmk_attach_new_mm(void);
/* kunit_attach_mm() where the line exports it (7.x), else ours */
#if UMDEVMEM_KUNIT_ATTACH_MM
#define dmk_attach_mm kunit_attach_mm
#else
#define dmk_attach_mm dmk_attach_new_mm
#endif
/*
 * Tear the case's mm down now, in the case's thread, with everything it
 * maps; the case cannot use its mm afterwards.
 */
void dmk_teardown_mm(struct kunit *test);
/*
 * Check at the end of the case that @dev is back at the free pages it
 * has now, with a page_free() for each page it handed out; dmk_exit()
 * puts its fault injection and DMA latency back to off.  dmk_init() watches the
 * boot devices, dmk_init_watching() a suite's own devices as well: the
 * check must come after the mm is gone, and KUnit runs the end of a case
 * in the reverse order of its taking.
 */
void dmk_watch(struct kunit *test, struct umdevmem *dev);
/* umdevmem_create() and _create_coherent(), destroyed by KUnit. */
struct umdevmem *dmk_create(struct kunit *test, const char *name,
			    unsigned long npages);
struct umdevmem *dmk_create_coherent(struct kunit *test, const char *name,
				     unsigned long npages);
/* Destroy a device of dmk_create*() now; false if it was still in use. */
bool dmk_destroy(struct kunit *test, struct umdevmem *dev);
struct umdevmem_stats dmk_stats(struct umdevmem *dev);

/* A page reference, the page lock, a pin: released by KUnit at the end. */
void dmk_get_page(struct kunit *test, struct page *page);
/* A reference the case holds already (get_user_pages()). */
void dmk_hold_page(struct kunit *test, struct page *page);
void dmk_put_page(struct kunit *test, struct page *page);
void dmk_lock_page(struct kunit *test, struct page *page);
void dmk_unlock_page(struct kunit *test, struct page *page);
/* pin_user_pages_fast() of one page, or NULL. */
struct page *dmk_pin(struct kunit *test, unsigned long addr,
		     unsigned int gup_flags);
void dmk_unpin(struct kunit *test, struct page *page);

/*
 * Parameters of cases that mremap(): the flags, MREMAP_MAYMOVE |
 * MREMAP_FIXED with and without MREMAP_DONTUNMAP.
 */
DMK_GEN_PARAMS(dmk_mremap_gen_params);

/* Anonymous memory of the case's mm (kunit_vm_mmap()). */
unsigned long dmk_mmap(struct kunit *test, unsigned long npages,
		       unsigned long prot);
/* MAP_SHARED | MAP_ANONYMOUS: a shmem file behind the mapping. */
unsigned long dmk_mmap_shared(struct kunit *test, unsigned long npages,
			      unsigned long prot);
/* MAP_PRIVATE of a shmem file: page cache pages until written. */
unsigned long dmk_mmap_private_file(struct kunit *test, unsigned long npages);
int dmk_munmap(unsigned long addr, unsigned long npages);
/* mprotect(2) of the current mm, through the system call. */
int dmk_mprotect(unsigned long addr, unsigned long npages, unsigned long prot);

/* dmk_data.c: the page pattern */

u8 dmk_byte(unsigned int seed, unsigned long page, unsigned long off);
/* Fill @buf with page @page of pattern @seed. */
void dmk_pattern(u8 *buf, unsigned int seed, unsigned long page);
/* The first byte of @buf that differs from page @index of @seed, or PAGE_SIZE. */
unsigned long dmk_mismatch(const u8 *buf, unsigned int seed,
			   unsigned long index);
void dmk_fill(struct kunit *test, unsigned long addr, unsigned long npages,
	      unsigned int seed);
void dmk_expect_data(struct kunit *test, unsigned long addr,
		     unsigned long npages, unsigned int seed);
/* Pages @first to @first + @n - 1 from @addr hold those of pattern @seed. */
void dmk_expect_data_from(struct kunit *test, unsigned long addr,
			  unsigned long first, unsigned long n,
			  unsigned int seed);
/*
 * The same, or zeroes: what the kernel promises of a page MADV_FREE made
 * lazily free and nothing wrote since.
 */
void dmk_expect_data_or_zero(struct kunit *test, unsigned long addr,
			     unsigned long first, unsigned long n,
			     unsigned int seed);
/* @npages pages from @addr read as zeroes. */
void dmk_expect_zero(struct kunit *test, unsigned long addr,
		     unsigned long npages);
/*
 * For code running in another task (a forked child, a thread): write
 * pattern @seed, or count the pages that differ from it; both return the
 * number of pages that could not be written or read, or differ.
 */
unsigned long dmk_write_pattern(unsigned long addr, unsigned long npages,
				unsigned int seed);
unsigned long dmk_bad_pages(unsigned long addr, unsigned long npages,
			    unsigned int seed);
void dmk_expect_device_data(struct kunit *test, struct page *dpage,
			    unsigned int seed, unsigned long index);
void dmk_expect_zero_device_page(struct kunit *test, struct page *dpage);
/* A kernel page holding page @index of pattern @seed, freed by KUnit. */
struct page *dmk_pattern_page(struct kunit *test, unsigned int seed,
			      unsigned long index);

/* dmk_pgtable.c: what the page tables of the test mm hold */

/* What a page table entry holds. */
enum dmk_kind {
	DMK_NONE,	/* pte_none, or no page table at all */
	DMK_SYSTEM,	/* present, a system page */
	DMK_ZERO,	/* present, the shared zero page */
	DMK_DEVICE,	/* device-private entry */
	DMK_COHERENT,	/* present, a device-coherent page */
	DMK_EXCLUSIVE,	/* device-exclusive entry */
	DMK_MIGRATION,	/* migration entry */
	DMK_OTHER,	/* any other non-present entry (a marker, swap) */
};

/*
 * The state an entry carries.  For a present pte or huge PMD: pte_write(),
 * pte_dirty(), pte_young(), and PageAnonExclusive() of an anon page.  For
 * a device-private or device-exclusive entry: its write bit and the
 * page's PageAnonExclusive(); such entries carry no accessed or dirty
 * bit.  For a migration entry: its write, young and dirty bits (young and
 * dirty only where migration_entry_supports_ad()) and whether it is
 * writable or readable-exclusive.  UML has no soft-dirty and no uffd-wp
 * bits (no HAVE_ARCH_SOFT_DIRTY, no HAVE_ARCH_USERFAULTFD_WP), so those
 * are not read.
 */
struct dmk_pte {
	enum dmk_kind kind;
	struct page *page;	/* system or device page */
	bool write;
	bool dirty;
	bool young;
	bool exclusive;
};

/* What a PMD holds. */
enum dmk_pmd_kind {
	DMK_PMD_NONE,		/* pmd_none, or no PMD at all */
	DMK_PMD_TABLE,		/* a page table: base pages or entries */
	DMK_PMD_SYSTEM,		/* a PMD-mapped system THP */
	DMK_PMD_ZERO,		/* the huge zero page */
	DMK_PMD_DEVICE,		/* a device-private PMD entry */
	DMK_PMD_MIGRATION,	/* a PMD migration entry */
	DMK_PMD_OTHER,		/* another non-present PMD */
};

struct dmk_pmd {
	enum dmk_pmd_kind kind;
	struct page *page;	/* the head page */
	bool write;		/* the same bits as a pte's */
	bool dirty;
	bool young;
	bool exclusive;
};

/*
 * The state of a folio: its flags, mapcount and reference count, read
 * without the folio lock.  Lazyfree is MADV_FREE's state: anon and not
 * swapbacked.
 */
struct dmk_folio {
	bool dirty;
	bool uptodate;
	bool swapbacked;
	bool lazyfree;
	bool mlocked;
	bool lru;
	bool anon_exclusive;	/* PageAnonExclusive() of the page itself */
	int mapcount;
	int refcount;
};

struct dmk_folio dmk_folio_of(struct page *page);

/* The PMD entry of @addr in @mm, or NULL without a page table to it. */
pmd_t *dmk_pmd_entry(struct mm_struct *mm, unsigned long addr);
struct dmk_pte dmk_lookup(struct kunit *test, unsigned long addr);
/* The same for any mm, whose mmap lock the caller holds. */
struct dmk_pte dmk_lookup_locked(struct mm_struct *mm, unsigned long addr);
struct dmk_pmd dmk_pmd_lookup(struct kunit *test, unsigned long addr);
void dmk_expect_on_device(struct kunit *test, struct umdevmem *dev,
			  unsigned long addr, unsigned long npages);
void dmk_expect_on_system(struct kunit *test, unsigned long addr,
			  unsigned long npages);
/*
 * make_device_exclusive() for one page, as the first boot device; the
 * page is unlocked and released again, the entry stays.  NULL if refused.
 */
struct page *dmk_make_exclusive(struct kunit *test, unsigned long addr);

/* dmk_thp.c (with CONFIG_TRANSPARENT_HUGEPAGE): THPs */

/*
 * @npmds PMD-aligned PMDs of anonymous memory, MADV_HUGEPAGE if @huge (a
 * fault then maps a THP), else left to the "madvise" default (no THP).
 */
unsigned long dmk_thp_mmap(struct kunit *test, unsigned long npmds, bool huge);
/* A PMD-mapped THP at a fresh aligned address, holding pattern @seed. */
unsigned long dmk_thp_system(struct kunit *test, unsigned int seed);
/* Every page of the PMD at @addr is a pte of @kind. */
void dmk_thp_expect_ptes(struct kunit *test, unsigned long addr,
			 enum dmk_kind kind);

/* dmk_migrate.c: migrations and hmm_range_fault() */

struct umdevmem_migrate_result dmk_migrate(struct kunit *test,
					   struct umdevmem *dev,
					   unsigned long addr,
					   unsigned long npages,
					   unsigned long flags, void *owner);
/*
 * Map @n anonymous pages, fill them with pattern @seed, make them
 * read-only if asked and migrate them all to @dev; returns the address.
 */
unsigned long dmk_map_on_device(struct kunit *test, struct umdevmem *dev,
				unsigned long n, unsigned int seed,
				bool readonly);
/*
 * After a migration to the first boot device that had to leave page
 * @index alone: it is @page again, writable; every other page of the
 * range is on the device; all hold pattern @seed.
 */
void dmk_expect_all_but_one(struct kunit *test, unsigned long addr,
			    unsigned long npages, unsigned long index,
			    struct page *page, unsigned int seed);

/*
 * A migrate_vma the case drives step by step: dmk_args() allocates it,
 * dmk_setup() looks the VMA up and calls migrate_vma_setup(),
 * dmk_alloc_and_copy() is the driver's half (a device page and one DMA
 * batch for every collected entry), dmk_pages_finalize() ends it.  Each
 * step takes the mmap lock itself, so a case can change the address
 * space between steps the way another thread could.  From a successful
 * setup until dmk_pages_finalize() the migration belongs to KUnit: if
 * the case ends first, every page is declined and it is finalized.
 */
struct migrate_vma *dmk_args(struct kunit *test, unsigned long addr,
			     unsigned long npages, unsigned long flags,
			     void *owner);
int dmk_setup(struct kunit *test, struct migrate_vma *args);
/* A migration collected another way: KUnit finalizes it if need be. */
void dmk_collected(struct kunit *test, struct migrate_vma *args);
unsigned long dmk_alloc_and_copy(struct kunit *test, struct umdevmem *dev,
				 struct migrate_vma *args,
				 struct page **dpages);
void dmk_pages_finalize(struct kunit *test, struct migrate_vma *args);

/*
 * One hmm_range_fault() over @n pages from @addr of the current mm under
 * a temporary interval notifier, retried as a driver does (-EBUSY, or
 * an invalidation seen by mmu_interval_read_retry()) for at most ten
 * times HMM_RANGE_DEFAULT_TIMEOUT.
 */
int dmk_hmm_snapshot(struct kunit *test, unsigned long addr, unsigned long n,
		     unsigned long *pfns, unsigned long default_flags,
		     void *owner);

/*
 * The same through hmm_range_fault_unlocked_timeout(), which takes the
 * mmap lock itself and may drop it in a fault (7.x; UMDEVMEM_HMM_UNLOCKED).
 */
int dmk_hmm_unlocked(struct kunit *test, unsigned long addr, unsigned long n,
		     unsigned long *pfns, unsigned long default_flags,
		     void *owner);

/* dmk_task.c: fork() and kthreads */

/*
 * fork(): a task cloned without CLONE_VM from the current one runs
 * @fn(@arg) in kernel mode on a copy of its mm, and exits; returns @fn's
 * result (0 to 255), or a negative errno if it could not be run.
 */
int dmk_fork(int (*fn)(void *arg), void *arg);

/*
 * A child that records its entries of DMK_CHILD_PAGES pages at @addr,
 * checks pattern @seed, writes @new_seed and checks that.
 */
#define DMK_CHILD_PAGES 4

struct dmk_child {
	unsigned long addr;
	unsigned int seed, new_seed;
	struct dmk_pte before[DMK_CHILD_PAGES];	/* entries right after fork */
	unsigned long bad_read;		/* pages not matching seed */
	unsigned long bad_write;	/* pages it failed to write */
	unsigned long bad_reread;	/* pages not matching new_seed */
};

void dmk_run_child(struct kunit *test, struct dmk_child *c);

/*
 * A kthread that runs @fn(@arg) on the case's mm.  KUnit joins it at the
 * end of the case (a thread that does not end within 60 s fails the case,
 * and its mm is then left alone).
 */
struct dmk_thread;
struct dmk_thread *dmk_thread_start(struct kunit *test, long (*fn)(void *arg),
				    void *arg, const char *name);
bool dmk_thread_done(struct dmk_thread *t);
/* Wait up to @timeout jiffies; @fn's result, or -ETIMEDOUT. */
long dmk_thread_wait(struct dmk_thread *t, unsigned long timeout);

#endif /* __DMK_H */
