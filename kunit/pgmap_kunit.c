// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem suite umdevmem_pgmap: mm/memremap.c itself, beyond what the
 * fake device's own two pgmaps (device-private and device-coherent, made
 * once per device by memremap_pages()) exercise:
 *
 *  - devm_memremap_pages() and devm_memunmap_pages() on a device, the
 *    lookups (get_dev_pagemap(), pgmap_pfn_valid()) while mapped and
 *    after;
 *  - a pgmap of two ranges;
 *  - a range past what the architecture can address (UML's
 *    MAX_PHYSMEM_BITS), refused and unwound, leaving nothing behind;
 *  - the pgmap types no driver here uses (generic, fs-dax, p2pdma) on
 *    UML's device window: what each does with a page when its last
 *    reference goes.
 *
 * memremap_pages()' WARN()s on a malformed pgmap (no ops, no owner, a
 * conflicting range) are not provoked: a WARNING fails the run.
 */
#if __has_include("kunit/device.h")
#include <kunit/device.h>
#endif
#include <linux/ioport.h>
#include <asm/device_window.h>
#include "dmk.h"

#define PGMAP_SIZE	SZ_2M

static atomic_t pgmap_freed;

static void pgmap_free_page(struct page *page)
{
	atomic_inc(&pgmap_freed);
}
UMDEVMEM_DEFINE_FREE(pgmap_free, pgmap_free_page)

/* No page of these pgmaps is ever mapped: no fault to serve. */
static vm_fault_t pgmap_migrate_to_ram(struct vm_fault *vmf)
{
	return VM_FAULT_SIGBUS;
}

static const struct dev_pagemap_ops pgmap_private_ops = {
	UMDEVMEM_FREE_FIELD(pgmap_free),
	.migrate_to_ram = pgmap_migrate_to_ram,
};

static const struct dev_pagemap_ops pgmap_free_ops = {
	UMDEVMEM_FREE_FIELD(pgmap_free),
};

static struct device *pgmap_device(struct kunit *test)
{
	struct device *dev = kunit_device_register(test, "umdevmem-pgmap");

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	return dev;
}

/* Free physical address space for device-private memory, for @dev's life. */
static struct range pgmap_free_range(struct kunit *test, struct device *dev)
{
	struct resource *res;

	res = devm_request_free_mem_region(dev, &iomem_resource, PGMAP_SIZE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, res);
	return (struct range){ .start = res->start, .end = res->end };
}

static struct dev_pagemap *pgmap_alloc(struct kunit *test, int nr_range)
{
	struct dev_pagemap *pgmap;

	pgmap = kunit_kzalloc(test, struct_size(pgmap, ranges, nr_range),
			      GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pgmap);
	pgmap->nr_range = nr_range;
	pgmap->owner = pgmap;
	return pgmap;
}

KUNIT_DEFINE_ACTION_WRAPPER(pgmap_unmap_action, memunmap_pages,
			    struct dev_pagemap *);

static void pgmap_map(struct kunit *test, struct dev_pagemap *pgmap)
{
	void *addr = memremap_pages(pgmap, NUMA_NO_NODE);

	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(addr), "memremap_pages: %ld",
			       PTR_ERR(addr));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, pgmap_unmap_action,
							pgmap), 0);
}

/*
 * The pages at both ends of @range are @pgmap's, found by lookup: each
 * on its own, then the second with the reference to the first passed in,
 * as a walk over a pgmap's pages does.
 */
static void pgmap_expect_mapped(struct kunit *test, struct dev_pagemap *pgmap,
				const struct range *range)
{
	unsigned long pfns[] = { PHYS_PFN(range->start), PHYS_PFN(range->end) };
	struct dev_pagemap *found = NULL;
	int i;

	for (i = 0; i < ARRAY_SIZE(pfns); i++) {
		struct page *page = pfn_to_page(pfns[i]);

		KUNIT_EXPECT_TRUE(test, is_zone_device_page(page));
		KUNIT_EXPECT_PTR_EQ(test, umdevmem_page_pgmap(page), pgmap);
		KUNIT_EXPECT_TRUE(test, pgmap_pfn_valid(pgmap, pfns[i]));
		found = umdevmem_get_dev_pagemap(pfns[i], NULL);
		KUNIT_EXPECT_PTR_EQ(test, found, pgmap);
		if (found)
			put_dev_pagemap(found);
	}
	found = NULL;
	for (i = 0; i < ARRAY_SIZE(pfns); i++) {
		found = umdevmem_get_dev_pagemap(pfns[i], found);
		KUNIT_EXPECT_PTR_EQ(test, found, pgmap);
	}
	/* and a page of system RAM has none */
	found = umdevmem_get_dev_pagemap(page_to_pfn(ZERO_PAGE(0)), found);
	KUNIT_EXPECT_NULL(test, found);
	if (found)
		put_dev_pagemap(found);
}

static void pgmap_expect_gone(struct kunit *test, const struct range *range)
{
	unsigned long pfns[] = { PHYS_PFN(range->start), PHYS_PFN(range->end) };
	int i;

	for (i = 0; i < ARRAY_SIZE(pfns); i++) {
		struct dev_pagemap *found = umdevmem_get_dev_pagemap(pfns[i],
								     NULL);

		KUNIT_EXPECT_NULL(test, found);
		if (found)
			put_dev_pagemap(found);
	}
}

/* devm_memremap_pages(): device-private pages while the device has them. */
static void devm_private_pages(struct kunit *test)
{
	/* first: the device's devres unmaps it, before KUnit frees it */
	struct dev_pagemap *pgmap = pgmap_alloc(test, 1);
	struct device *dev = pgmap_device(test);
	unsigned long first;
	void *addr;

	pgmap->type = MEMORY_DEVICE_PRIVATE;
	pgmap->range = pgmap_free_range(test, dev);
	pgmap->ops = &pgmap_private_ops;
	first = PHYS_PFN(pgmap->range.start);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED(pgmap->range.start,
					   memremap_compat_align()));

	addr = devm_memremap_pages(dev, pgmap);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(addr), "devm_memremap_pages: %ld",
			       PTR_ERR(addr));
	pgmap_expect_mapped(test, pgmap, &pgmap->range);
	KUNIT_EXPECT_TRUE(test, is_device_private_page(pfn_to_page(first)));
	/* device-private pages start free: the driver hands them out */
	KUNIT_EXPECT_EQ(test, page_ref_count(pfn_to_page(first)), 0);
	KUNIT_EXPECT_FALSE(test, pgmap_pfn_valid(pgmap, first - 1));
	KUNIT_EXPECT_FALSE(test, pgmap_pfn_valid(pgmap,
						 PHYS_PFN(pgmap->range.end) + 1));

	devm_memunmap_pages(dev, pgmap);
	pgmap_expect_gone(test, &pgmap->range);
	KUNIT_EXPECT_EQ(test, atomic_read(&pgmap_freed), 0);
}

/* One pgmap over two ranges: both mapped, both looked up, both undone. */
static void two_ranges(struct kunit *test)
{
	struct dev_pagemap *pgmap = pgmap_alloc(test, 2);
	struct device *dev = pgmap_device(test);
	int i;

	pgmap->type = MEMORY_DEVICE_PRIVATE;
	pgmap->ops = &pgmap_private_ops;
	for (i = 0; i < 2; i++)
		pgmap->ranges[i] = pgmap_free_range(test, dev);
	pgmap_map(test, pgmap);
	KUNIT_EXPECT_EQ(test, pgmap->nr_range, 2);
	for (i = 0; i < 2; i++)
		pgmap_expect_mapped(test, pgmap, &pgmap->ranges[i]);

	kunit_release_action(test, pgmap_unmap_action, pgmap);
	for (i = 0; i < 2; i++)
		pgmap_expect_gone(test, &pgmap->ranges[i]);
}

/*
 * Device-private memory past MAX_PHYSMEM_BITS has no struct pages to
 * have: memremap_pages() refuses it (mhp_range_allowed()) and unwinds,
 * leaving the pgmap as it was given and no lookup finding it.
 */
static void unaddressable_range_refused(struct kunit *test)
{
	struct dev_pagemap *pgmap = pgmap_alloc(test, 1);
	void *addr;

	pgmap->type = MEMORY_DEVICE_PRIVATE;
	pgmap->ops = &pgmap_private_ops;
	pgmap->range.start = 1ULL << MAX_PHYSMEM_BITS;
	pgmap->range.end = pgmap->range.start + PGMAP_SIZE - 1;

	addr = memremap_pages(pgmap, NUMA_NO_NODE);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(addr), -EINVAL);
	if (!IS_ERR(addr))
		memunmap_pages(pgmap);
	KUNIT_EXPECT_EQ(test, pgmap->nr_range, 1);
	pgmap_expect_gone(test, &pgmap->range);
}

/*
 * The other pgmap types, and what a page's last put does in each, by
 * line: 6.12 hands every type's page to ops->page_free and re-arms it at
 * one reference; 7.x does what the type needs (UMDEVMEM_FREE_BY_TYPE).
 */
struct pgmap_put {
	int ref_before;		/* a page's reference count once mapped */
	bool freed;		/* handed to the pgmap's free callback */
	int ref_after;		/* the page's reference count after */
};

struct pgmap_type_case {
	const char *name;
	enum memory_type type;
	struct pgmap_put put[2];	/* [UMDEVMEM_FREE_BY_TYPE] */
};

static const struct pgmap_type_case pgmap_types[] = {
	/* device-dax: the page is re-armed at one reference */
	{ "generic", MEMORY_DEVICE_GENERIC,
	  { { 1, true, 1 }, { 1, false, 1 } } },
	/* the file system waits for the page to be free: a wake-up */
	{ "fs-dax", MEMORY_DEVICE_FS_DAX,
	  { { 1, true, 1 }, { 0, false, 0 } } },
	/* back to the p2pdma allocator */
	{ "p2pdma", MEMORY_DEVICE_PCI_P2PDMA,
	  { { 1, true, 1 }, { 0, true, 0 } } },
};

static void pgmap_type_desc(const struct pgmap_type_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}
KUNIT_ARRAY_PARAM(pgmap_types, pgmap_types, pgmap_type_desc);

KUNIT_DEFINE_ACTION_WRAPPER(pgmap_release_window, um_release_device_window,
			    struct resource *);

static void last_put_by_type(struct kunit *test)
{
	const struct pgmap_type_case *c = test->param_value;
	const struct pgmap_put *want = &c->put[UMDEVMEM_FREE_BY_TYPE];
	struct dev_pagemap *pgmap = pgmap_alloc(test, 1);
	struct resource *res;
	struct page *page;

	res = um_request_device_window(PGMAP_SIZE, "umdevmem-pgmap");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, res);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							pgmap_release_window,
							res), 0);
	pgmap->type = c->type;
	pgmap->range.start = res->start;
	pgmap->range.end = res->end;
	pgmap->ops = &pgmap_free_ops;
	pgmap_map(test, pgmap);
	pgmap_expect_mapped(test, pgmap, &pgmap->range);

	/*
	 * A page as its allocator hands it out, with one reference (6.12
	 * maps these types at one, 7.x at zero but generic), then the last
	 * put.
	 */
	page = pfn_to_page(PHYS_PFN(res->start));
	KUNIT_EXPECT_EQ(test, page_ref_count(page), want->ref_before);
	if (!page_ref_count(page))
		set_page_count(page, 1);
	KUNIT_ASSERT_EQ(test, page_ref_count(page), 1);
	atomic_set(&pgmap_freed, 0);
	put_page(page);
	KUNIT_EXPECT_EQ(test, atomic_read(&pgmap_freed), want->freed);
	KUNIT_EXPECT_EQ(test, page_ref_count(page), want->ref_after);
	KUNIT_EXPECT_PTR_EQ(test, umdevmem_page_pgmap(page), pgmap);

	kunit_release_action(test, pgmap_unmap_action, pgmap);
	pgmap_expect_gone(test, &pgmap->range);
}

static int pgmap_init(struct kunit *test)
{
	atomic_set(&pgmap_freed, 0);
	return dmk_init(test);
}

static struct kunit_case pgmap_cases[] = {
	KUNIT_CASE(devm_private_pages),
	KUNIT_CASE(two_ranges),
	KUNIT_CASE(unaddressable_range_refused),
	KUNIT_CASE_PARAM(last_put_by_type, pgmap_types_gen_params),
	{}
};

static struct kunit_suite pgmap_suite = {
	.name = "umdevmem_pgmap",
	.init = pgmap_init,
	.exit = dmk_exit,
	.suite_exit = dmk_suite_exit,
	.test_cases = pgmap_cases,
};
kunit_test_suite(pgmap_suite);
