/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The KUnit API the suites use that older lines lack (Linux 6.1), built
 * on what those lines have.  compat.mk probes the tree for each function;
 * a macro is tested by name.  On 6.12 and later this adds nothing.
 */
#ifndef __DMK_KUNIT_COMPAT_H
#define __DMK_KUNIT_COMPAT_H

#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/device.h>
#include <linux/mman.h>
#include <linux/sched.h>

#ifndef UMDEVMEM_HAVE_KUNIT_CURRENT
static inline struct kunit *kunit_get_current_test(void)
{
	return current->kunit_test;
}
#endif

#ifndef UMDEVMEM_HAVE_KUNIT_ACTIONS
/* Deferred calls, as 6.12's: run last in first out with the resources. */
typedef void (kunit_action_t)(void *);

int kunit_add_action(struct kunit *test, kunit_action_t *fn, void *ctx);
int kunit_add_action_or_reset(struct kunit *test, kunit_action_t *fn,
			      void *ctx);
void kunit_release_action(struct kunit *test, kunit_action_t *fn, void *ctx);
void kunit_remove_action(struct kunit *test, kunit_action_t *fn, void *ctx);
#endif

#ifndef KUNIT_DEFINE_ACTION_WRAPPER
/* A kunit_action_t that calls @fn, which takes one @type. */
#define KUNIT_DEFINE_ACTION_WRAPPER(name, fn, type)	\
	static void name(void *arg)			\
	{						\
		fn((type)arg);				\
	}
#endif

#ifndef KUNIT_FAIL_AND_ABORT
#define KUNIT_FAIL_AND_ABORT(test, fmt, ...) \
	KUNIT_ASSERT_FAILURE(test, fmt, ##__VA_ARGS__)
#endif

#ifndef KUNIT_CASE_SLOW		/* no attributes: a slow case is a case */
#define KUNIT_CASE_SLOW(fn) KUNIT_CASE(fn)
#endif

#ifndef UMDEVMEM_HAVE_KUNIT_VM_MMAP
/*
 * 6.12's kunit_vm_mmap() leaves the unmapping to the teardown of the
 * case's mm, as this does: the fixture has attached that mm already.
 */
static inline unsigned long kunit_vm_mmap(struct kunit *test,
					  struct file *file,
					  unsigned long addr, unsigned long len,
					  unsigned long prot, unsigned long flag,
					  unsigned long offset)
{
	if (!current->mm)
		return -EINVAL;
	return vm_mmap(file, addr, len, prot, flag, offset);
}
#endif

#if !__has_include("kunit/device.h")
/* A device of its own for the case, unregistered (and its devres freed) after it. */
struct device *kunit_device_register(struct kunit *test, const char *name);
#endif

#endif /* __DMK_KUNIT_COMPAT_H */
