/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uml-devmem GPU SVM suites (7.3, CONFIG_UML_DEVMEM_DRM): the "GPU
 * driver" they share, dmk_gpu_*().
 *
 * A case's GPU is a drm_gpusvm over the case's mm, as a GPU driver keeps
 * one per VM, with the driver's half of it: a range that embeds its
 * drm_gpusvm_pages, a lock around range insertion and removal, and an
 * invalidate() that unmaps what the notifier covers and marks ranges an
 * munmap() hit, as xe does.  Its device memory is the DRM face of a fake
 * device (umdevmem_drm.h): two faces made by the suite, so that a case
 * can move memory from one to the other.  The drm_gpusvm is KUnit's: a
 * failed assertion unmaps and removes every range and ends it before the
 * mm goes, and the case's end then checks the faces' devices like every
 * other device (dmk_watch()).
 *
 * A GPU "fault" is what a driver does on one: find or insert the range,
 * get its pages through hmm_range_fault() with the face's owner, so that
 * the face's own device pages stay where they are, and map them.  What
 * the GPU then sees is checked through the DMA addresses of the range:
 * on UML the DMA API maps a system page at its physical address and the
 * face gives a device page's physical address as well, so each address
 * names the page it maps and its bytes can be read.
 */
#ifndef __DMK_GPUSVM_H
#define __DMK_GPUSVM_H

#include <drm/drm_gpusvm.h>
#include <drm/drm_pagemap.h>
#include <linux/mmu_notifier.h>
#include <umdevmem_drm.h>
#include "dmk.h"

#define DMK_GPU_FACES 2

struct dmk_gpu_range {
	struct drm_gpusvm_range base;
	struct drm_gpusvm_pages pages;
};

struct dmk_gpu {
	struct drm_gpusvm gpusvm;
	struct mutex lock;		/* the driver lock of the gpusvm */
	struct umdevmem_drm *face[DMK_GPU_FACES];
	/* what invalidate() saw */
	atomic_t invalidations;
	atomic_t unmap_events;		/* of those, MMU_NOTIFY_UNMAP */
	unsigned long last_start, last_end;	/* its last range */
};

/* The suites' .suite_init and .suite_exit: the two faces. */
int dmk_gpu_suite_init(struct kunit_suite *suite);
void dmk_gpu_suite_exit(struct kunit_suite *suite);
/* The suites' .init: dmk_init() watching the faces, and the GPU. */
int dmk_gpu_init(struct kunit *test);

static inline struct dmk_gpu *dmk_gpu(struct kunit *test)
{
	return dmk(test)->gpu;
}

struct umdevmem_drm *dmk_gpu_face(unsigned int i);
struct umdevmem *dmk_gpu_dev(unsigned int i);
/* Allocations of face @i that drm_pagemap has not released yet. */
unsigned long dmk_gpu_live(unsigned int i);

/*
 * A context for faults on behalf of face @i (its pages stay on it), or
 * with no owner (@i < 0: device pages come back to system memory first).
 */
struct drm_gpusvm_ctx dmk_gpu_ctx(int i);

/* The range of @addr inside [@start, @end), found or inserted, no pages. */
struct dmk_gpu_range *dmk_gpu_insert(struct kunit *test, unsigned long addr,
				     unsigned long start, unsigned long end,
				     const struct drm_gpusvm_ctx *ctx, int *err);
/*
 * A GPU fault at @addr inside [@start, @end): the range and its pages
 * mapped; NULL with *@err set when a step fails.
 */
struct dmk_gpu_range *dmk_gpu_fault(struct kunit *test, unsigned long addr,
				    unsigned long start, unsigned long end,
				    const struct drm_gpusvm_ctx *ctx, int *err);
/* drm_gpusvm_get_pages() again for the range. */
int dmk_gpu_get_pages(struct kunit *test, struct dmk_gpu_range *r,
		      const struct drm_gpusvm_ctx *ctx);
/* Unmap the range's pages and remove it, as a driver does on unbind. */
void dmk_gpu_remove(struct kunit *test, struct dmk_gpu_range *r);
/* Is what the range maps still what the CPU page tables hold? */
bool dmk_gpu_pages_valid(struct kunit *test, struct dmk_gpu_range *r);
unsigned long dmk_gpu_npages(struct dmk_gpu_range *r);

/* The page that DMA address @i of the range maps (order 0 entries). */
struct page *dmk_gpu_page(struct dmk_gpu_range *r, unsigned long i);
/*
 * Every page of the range is mapped for the GPU as the system page the
 * CPU maps at its address, holding pages @first... of pattern @seed.
 */
void dmk_gpu_expect_system(struct kunit *test, struct dmk_gpu_range *r,
			   unsigned long first, unsigned int seed);
/*
 * Every page of the range is mapped as a device page of face @i, that
 * the CPU page tables hold as a device-private entry, with pattern @seed.
 */
void dmk_gpu_expect_device(struct kunit *test, struct dmk_gpu_range *r,
			   unsigned int i, unsigned long first,
			   unsigned int seed);

/*
 * What most cases work on: DMK_GPU_PAGES pages of pattern @seed at the
 * start of a PMD-aligned anonymous VMA of PMD_SIZE (no THP), so that a
 * fault in [addr, addr + DMK_GPU_SIZE) makes one range of that size.
 */
#define DMK_GPU_SIZE SZ_64K
#define DMK_GPU_PAGES (DMK_GPU_SIZE >> PAGE_SHIFT)
unsigned long dmk_gpu_mmap(struct kunit *test, unsigned int seed);

/* drm_pagemap_populate_mm() of [addr, addr + npages pages) to face @i. */
int dmk_gpu_migrate(struct kunit *test, unsigned int i, unsigned long addr,
		    unsigned long npages);

#endif /* __DMK_GPUSVM_H */
