// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem KUnit suites: the data pattern.  Byte @off of page @page of
 * pattern @seed is dmk_byte(); every suite writes and checks whole pages
 * of it, through the test mm (copy_{to,from}_user()), through a kernel
 * mapping, or on the device.
 */
#include <linux/highmem.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "dmk.h"

u8 dmk_byte(unsigned int seed, unsigned long page, unsigned long off)
{
	return (u8)(seed * 131 + page * 17 + off * 7 + (off >> 8));
}

void dmk_pattern(u8 *buf, unsigned int seed, unsigned long page)
{
	unsigned long off;

	for (off = 0; off < PAGE_SIZE; off++)
		buf[off] = dmk_byte(seed, page, off);
}

unsigned long dmk_mismatch(const u8 *buf, unsigned int seed,
			   unsigned long page)
{
	unsigned long off;

	for (off = 0; off < PAGE_SIZE; off++)
		if (buf[off] != dmk_byte(seed, page, off))
			return off;
	return PAGE_SIZE;
}

static void __user *dmk_user_page(unsigned long addr, unsigned long i)
{
	return (void __user *)addr + (i << PAGE_SHIFT);
}

/* A page-sized buffer of the case's, or NULL: the case has failed. */
static u8 *dmk_page_buf(struct kunit *test)
{
	u8 *buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);

	KUNIT_EXPECT_NOT_NULL(test, buf);
	return buf;
}

/* What a page read back may hold. */
enum dmk_want { DMK_WANT_PATTERN, DMK_WANT_ZERO, DMK_WANT_EITHER };

/* Pages @first to @first + @n - 1 from @addr: pattern @seed, zeroes or either. */
static void dmk_expect_pages(struct kunit *test, unsigned long addr,
			     unsigned long first, unsigned long n,
			     unsigned int seed, enum dmk_want want)
{
	u8 *buf = dmk_page_buf(test);
	unsigned long i;

	for (i = first; buf && i < first + n; i++) {
		bool zero, pattern;

		if (copy_from_user(buf, dmk_user_page(addr, i), PAGE_SIZE)) {
			KUNIT_FAIL(test, "copy_from_user of page %lu", i);
			continue;
		}
		zero = !memchr_inv(buf, 0, PAGE_SIZE);
		pattern = dmk_mismatch(buf, seed, i) == PAGE_SIZE;
		if (want == DMK_WANT_ZERO)
			KUNIT_EXPECT_TRUE_MSG(test, zero, "page %lu is not zero",
					      i);
		else if (want == DMK_WANT_PATTERN)
			KUNIT_EXPECT_TRUE_MSG(test, pattern,
					      "page %lu differs from pattern %u",
					      i, seed);
		else
			KUNIT_EXPECT_TRUE_MSG(test, zero || pattern,
					      "page %lu is neither pattern %u nor zero",
					      i, seed);
	}
	kunit_kfree(test, buf);
}

void dmk_expect_data_from(struct kunit *test, unsigned long addr,
			  unsigned long first, unsigned long n,
			  unsigned int seed)
{
	dmk_expect_pages(test, addr, first, n, seed, DMK_WANT_PATTERN);
}

void dmk_expect_data_or_zero(struct kunit *test, unsigned long addr,
			     unsigned long first, unsigned long n,
			     unsigned int seed)
{
	dmk_expect_pages(test, addr, first, n, seed, DMK_WANT_EITHER);
}

void dmk_expect_data(struct kunit *test, unsigned long addr,
		     unsigned long npages, unsigned int seed)
{
	dmk_expect_pages(test, addr, 0, npages, seed, DMK_WANT_PATTERN);
}

void dmk_expect_zero(struct kunit *test, unsigned long addr,
		     unsigned long npages)
{
	dmk_expect_pages(test, addr, 0, npages, 0, DMK_WANT_ZERO);
}

unsigned long dmk_write_pattern(unsigned long addr, unsigned long npages,
				unsigned int seed)
{
	u8 *buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	unsigned long i, bad = 0;

	if (!buf)
		return npages;
	for (i = 0; i < npages; i++) {
		dmk_pattern(buf, seed, i);
		if (copy_to_user(dmk_user_page(addr, i), buf, PAGE_SIZE))
			bad++;
	}
	kfree(buf);
	return bad;
}

void dmk_fill(struct kunit *test, unsigned long addr, unsigned long npages,
	      unsigned int seed)
{
	KUNIT_ASSERT_EQ_MSG(test, dmk_write_pattern(addr, npages, seed), 0,
			    "pages not written at %#lx", addr);
}

unsigned long dmk_bad_pages(unsigned long addr, unsigned long npages,
			    unsigned int seed)
{
	u8 *buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	unsigned long i, bad = 0;

	if (!buf)
		return npages;
	for (i = 0; i < npages; i++)
		if (copy_from_user(buf, dmk_user_page(addr, i), PAGE_SIZE) ||
		    dmk_mismatch(buf, seed, i) != PAGE_SIZE)
			bad++;
	kfree(buf);
	return bad;
}

void dmk_expect_device_data(struct kunit *test, struct page *dpage,
			    unsigned int seed, unsigned long index)
{
	u8 *buf = dmk_page_buf(test);

	if (!buf)
		return;
	KUNIT_EXPECT_EQ(test, umdevmem_read_page(dpage, buf), 0);
	KUNIT_EXPECT_EQ_MSG(test, dmk_mismatch(buf, seed, index), PAGE_SIZE,
			    "device copy of page %lu differs", index);
	kunit_kfree(test, buf);
}

void dmk_expect_zero_device_page(struct kunit *test, struct page *dpage)
{
	u8 *buf = dmk_page_buf(test);

	if (!buf)
		return;
	KUNIT_EXPECT_EQ(test, umdevmem_read_page(dpage, buf), 0);
	KUNIT_EXPECT_NULL_MSG(test, memchr_inv(buf, 0, PAGE_SIZE),
			      "device page is not zero");
	kunit_kfree(test, buf);
}

KUNIT_DEFINE_ACTION_WRAPPER(dmk_free_page_action, __free_page, struct page *);

struct page *dmk_pattern_page(struct kunit *test, unsigned int seed,
			      unsigned long index)
{
	struct page *page = alloc_page(GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
				dmk_free_page_action, page), 0);
	dmk_pattern(page_address(page), seed, index);
	return page;
}
