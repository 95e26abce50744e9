/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uml-devmem: the DRM face of the fake device (CONFIG_UML_DEVMEM_DRM),
 * the API that the GPU SVM suites drive.
 *
 * A face is a drm_device on a platform device of its own and a
 * drm_pagemap over a device-private umdevmem device whose pgmap has
 * drm_pagemap's dev_pagemap_ops: drm_pagemap, not the fake device,
 * migrates its pages and frees them.  The fake device supplies what a
 * GPU driver supplies: device memory in allocations (drm_pagemap_devmem,
 * one per migration, its pages given back when drm_pagemap releases it),
 * copies through its DMA engine, and device addresses of its pages for
 * drm_gpusvm (drm_pagemap_ops.device_map).  The device's counters and
 * fault injection (umdevmem.h) work on a face's umdevmem as on any other.
 */
#ifndef __UMDEVMEM_DRM_H
#define __UMDEVMEM_DRM_H

#include <linux/types.h>

struct drm_device;
struct drm_pagemap;
struct mm_struct;
struct umdevmem;
struct umdevmem_drm;

/* What a face did, totals since it was created. */
struct umdevmem_drm_stats {
	unsigned long allocations;	/* drm_pagemap_devmem allocations made */
	unsigned long released;		/* of those, released by drm_pagemap */
	unsigned long device_maps;	/* device_map() calls */
	unsigned long device_unmaps;	/* device_unmap() calls */
	unsigned long copies_failed;	/* copy ops that returned an error */
};

/*
 * A face with @npages of device memory; ERR_PTR on failure.  Faces with
 * the same @owner are peers, as GPUs with an interconnect are: each maps
 * the other's pages and drm_pagemap moves pages between them device to
 * device.  NULL: a face of its own.
 */
struct umdevmem_drm *umdevmem_drm_create(const char *name,
					 unsigned long npages, void *owner);
/*
 * Evict what is left, then take the face down: -EBUSY (and nothing is
 * freed) while device memory of it is still in use.
 */
int umdevmem_drm_destroy(struct umdevmem_drm *face);

struct umdevmem *umdevmem_drm_umdevmem(struct umdevmem_drm *face);
struct drm_device *umdevmem_drm_device(struct umdevmem_drm *face);
struct drm_pagemap *umdevmem_drm_pagemap(struct umdevmem_drm *face);
/* The pgmap owner: drm_gpusvm_ctx.device_private_page_owner. */
void *umdevmem_drm_owner(struct umdevmem_drm *face);
void umdevmem_drm_get_stats(struct umdevmem_drm *face,
			    struct umdevmem_drm_stats *stats);

/*
 * drm_pagemap_evict_to_ram() of every allocation of @face still live:
 * 0, or the first error.
 */
int umdevmem_drm_evict(struct umdevmem_drm *face);

#endif /* __UMDEVMEM_DRM_H */
