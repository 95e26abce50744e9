/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uml-devmem KUnit suites: helpers shared by every suite.
 *
 * Each test owns a fresh mm, attached to the test's kthread in the suite's
 * .init (dmk_init) and torn down by dmk_finish() at the end of the test,
 * which then checks that both boot devices are back at the free-page count
 * the test started with.  Data is a per-page byte pattern derived from a
 * seed, so every byte of every page can be checked.
 */
#ifndef __DEVMEM_KUNIT_H
#define __DEVMEM_KUNIT_H

#include <kunit/test.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <devmem_compat.h>
#include <umdevmem.h>

#define DMK_DEVICES 2

/*
 * A KUnit parameter generator's head: 7.x passes the test as well (told
 * apart as in devmem_compat.h).
 */
#if __has_include("linux/leafops.h")
#define DMK_GEN_PARAMS(name) \
	const void *name(struct kunit *test, const void *prev, char *desc)
#else
#define DMK_GEN_PARAMS(name) const void *name(const void *prev, char *desc)
#endif

struct dmk {
	struct mm_struct *mm;
	struct umdevmem *dev[DMK_DEVICES];
	struct umdevmem_stats base[DMK_DEVICES];
};

/* What a page table entry of the test mm holds. */
enum dmk_kind {
	DMK_NONE,	/* pte_none, or no page table at all */
	DMK_SYSTEM,	/* present, a system page */
	DMK_ZERO,	/* present, the shared zero page */
	DMK_DEVICE,	/* device-private entry */
	DMK_COHERENT,	/* present, a device-coherent page */
	DMK_EXCLUSIVE,	/* device-exclusive entry */
	DMK_OTHER,	/* any other non-present entry */
};

struct dmk_pte {
	enum dmk_kind kind;
	struct page *page;	/* system or device page */
	bool write;		/* pte_write(), or a writable device entry */
};

int dmk_init(struct kunit *test);
void dmk_suite_exit(struct kunit_suite *suite);
void dmk_finish(struct kunit *test);
/* @dev is back at @base's free pages, with a page_free() per allocation. */
void dmk_expect_balanced(struct kunit *test, struct umdevmem *dev,
			 const struct umdevmem_stats *base);

static inline struct dmk *dmk(struct kunit *test)
{
	return test->priv;
}

unsigned long dmk_mmap(struct kunit *test, unsigned long npages,
		       unsigned long prot);
/* MAP_SHARED | MAP_ANONYMOUS: a shmem file behind the mapping. */
unsigned long dmk_mmap_shared(struct kunit *test, unsigned long npages,
			      unsigned long prot);
int dmk_munmap(unsigned long addr, unsigned long npages);
int dmk_mprotect(unsigned long addr, unsigned long npages, unsigned long prot);

u8 dmk_byte(unsigned int seed, unsigned long page, unsigned long off);
/* Fill @buf with page @page of pattern @seed. */
void dmk_pattern(u8 *buf, unsigned int seed, unsigned long page);
void dmk_fill(struct kunit *test, unsigned long addr, unsigned long npages,
	      unsigned int seed);
void dmk_expect_data(struct kunit *test, unsigned long addr,
		     unsigned long npages, unsigned int seed);
/* @npages pages from @addr read as zeroes. */
void dmk_expect_zero(struct kunit *test, unsigned long addr,
		     unsigned long npages);
/* Pages @first to @first + @n - 1 from @addr hold those of pattern @seed. */
void dmk_expect_data_from(struct kunit *test, unsigned long addr,
			  unsigned long first, unsigned long n,
			  unsigned int seed);
/*
 * For code running in another task (a forked child): write pattern @seed,
 * or count the pages that differ from it; both return the number of
 * pages that could not be written or read, or differ.
 */
unsigned long dmk_write_pattern(unsigned long addr, unsigned long npages,
				unsigned int seed);
unsigned long dmk_bad_pages(unsigned long addr, unsigned long npages,
			    unsigned int seed);
/* The first byte of @buf that differs from page @index of @seed, or PAGE_SIZE. */
unsigned long dmk_mismatch(const u8 *buf, unsigned int seed,
			   unsigned long index);
void dmk_expect_device_data(struct kunit *test, struct page *dpage,
			    unsigned int seed, unsigned long index);
void dmk_expect_zero_device_page(struct kunit *test, struct page *dpage);

/* The PMD entry of @addr in @mm, or NULL without a page table to it. */
pmd_t *dmk_pmd(struct mm_struct *mm, unsigned long addr);
struct dmk_pte dmk_lookup(struct kunit *test, unsigned long addr);
struct dmk_pte dmk_lookup_locked(struct mm_struct *mm, unsigned long addr);
void dmk_expect_on_device(struct kunit *test, unsigned long addr,
			  unsigned long npages, struct umdevmem *dev);
void dmk_expect_on_system(struct kunit *test, unsigned long addr,
			  unsigned long npages);

struct umdevmem_stats dmk_stats(struct umdevmem *dev);

struct umdevmem_migrate_result dmk_migrate(struct kunit *test,
					   struct umdevmem *dev,
					   unsigned long addr,
					   unsigned long npages,
					   unsigned long flags, void *owner);

/*
 * A migrate_vma the test drives step by step: dmk_args_init() allocates
 * its arrays, dmk_setup() looks the VMA up and calls migrate_vma_setup(),
 * dmk_alloc_and_copy() is the driver's half (a device page and one DMA
 * batch for every collected entry), dmk_pages_finalize() ends it.  Each
 * step takes the mmap lock itself, so a test can change the address space
 * between steps the way another thread could.
 */
void dmk_args_init(struct kunit *test, struct migrate_vma *args,
		   unsigned long addr, unsigned long npages,
		   unsigned long flags, void *owner);
int dmk_setup(struct kunit *test, struct migrate_vma *args);
unsigned long dmk_alloc_and_copy(struct kunit *test, struct migrate_vma *args,
				 struct umdevmem *dev, struct page **dpages);
void dmk_pages_finalize(struct migrate_vma *args);

/*
 * After a migration to the first boot device that had to leave page
 * @index alone: it is @page again, writable; every other page of the
 * range is on the device; all hold pattern @seed.
 */
void dmk_expect_all_but_one(struct kunit *test, unsigned long addr,
			    unsigned long npages, unsigned long index,
			    struct page *page, unsigned int seed);

/*
 * make_device_exclusive() for one page, as the first boot device; the
 * page is unlocked and released again, the entry stays.  NULL if refused.
 */
struct page *dmk_make_exclusive(struct kunit *test, unsigned long addr);

unsigned long dmk_map_on_device(struct kunit *test, struct umdevmem *dev,
				unsigned long n, unsigned int seed,
				bool readonly);

/*
 * One hmm_range_fault() over @n pages from @addr of the test's mm, under a
 * temporary interval notifier, retried while it says -EBUSY.
 */
int dmk_hmm_snapshot(struct kunit *test, unsigned long addr, unsigned long n,
		     unsigned long *pfns, unsigned long default_flags,
		     void *owner);

/*
 * A real fork() of the test's mm: a task cloned without CLONE_VM from the
 * test's thread, so it gets a copy of the mm.  In kernel mode it records
 * its entries of DMK_CHILD_PAGES pages at @addr, checks pattern @seed,
 * writes @new_seed and checks that, then exits; the test waits for it.
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

#endif /* __DEVMEM_KUNIT_H */
