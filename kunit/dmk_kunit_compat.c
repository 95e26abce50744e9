// SPDX-License-Identifier: GPL-2.0
/*
 * Deferred calls and devices for KUnit cases on lines whose KUnit lacks
 * them (Linux 6.1): see dmk_kunit_compat.h.
 *
 * A deferred call is a resource whose free function makes the call, so
 * calls and other resources unwind together from the one stack of the
 * case, last in first out, as they do in 6.12.  After a failed assertion
 * 6.1 cleans up in the thread that runs the suite, not in the case's,
 * and current->kunit_test is not set there: a call is made with it set to
 * its case, so that what it checks is counted against that case.
 */
#include <linux/device.h>
#include <linux/err.h>
#include <linux/slab.h>
#include "dmk_kunit_compat.h"

#ifndef UMDEVMEM_HAVE_KUNIT_ACTIONS
struct dmk_action {
	struct kunit_resource res;	/* first: KUnit kfree()s it (should_kfree) */
	struct kunit *test;
	kunit_action_t *fn;	/* NULL once removed without the call */
	void *ctx;
};

static void dmk_action_free(struct kunit_resource *res)
{
	struct dmk_action *a = container_of(res, struct dmk_action, res);
	struct kunit *saved = current->kunit_test;

	if (a->fn) {
		current->kunit_test = a->test;
		a->fn(a->ctx);
		current->kunit_test = saved;
	}
}

int kunit_add_action(struct kunit *test, kunit_action_t *fn, void *ctx)
{
	struct dmk_action *a = kzalloc(sizeof(*a), GFP_KERNEL);

	if (!a)
		return -ENOMEM;
	a->test = test;
	a->fn = fn;
	a->ctx = ctx;
	a->res.should_kfree = true;
	return __kunit_add_resource(test, NULL, dmk_action_free, &a->res, a);
}

int kunit_add_action_or_reset(struct kunit *test, kunit_action_t *fn,
			      void *ctx)
{
	int err = kunit_add_action(test, fn, ctx);

	if (err)
		fn(ctx);
	return err;
}

static bool dmk_action_match(struct kunit *test, struct kunit_resource *res,
			     void *match)
{
	struct dmk_action *want = match, *a = res->data;

	return res->free == dmk_action_free && a->fn == want->fn &&
	       a->ctx == want->ctx;
}

/* The latest call of @fn with @ctx, out of the stack; made if @call. */
static void dmk_action_take(struct kunit *test, kunit_action_t *fn, void *ctx,
			    bool call)
{
	struct dmk_action want = { .fn = fn, .ctx = ctx };
	struct kunit_resource *res;

	res = kunit_find_resource(test, dmk_action_match, &want);
	if (!res)
		return;
	if (!call)
		((struct dmk_action *)res->data)->fn = NULL;
	kunit_remove_resource(test, res);
	kunit_put_resource(res);	/* the last reference: the call */
}

void kunit_release_action(struct kunit *test, kunit_action_t *fn, void *ctx)
{
	dmk_action_take(test, fn, ctx, true);
}

void kunit_remove_action(struct kunit *test, kunit_action_t *fn, void *ctx)
{
	dmk_action_take(test, fn, ctx, false);
}
#endif

#if !__has_include("kunit/device.h")
KUNIT_DEFINE_ACTION_WRAPPER(dmk_device_unregister, root_device_unregister,
			    struct device *);

struct device *kunit_device_register(struct kunit *test, const char *name)
{
	struct device *dev = root_device_register(name);

	if (IS_ERR(dev))
		return dev;
	if (kunit_add_action_or_reset(test, dmk_device_unregister, dev))
		return ERR_PTR(-ENOMEM);
	return dev;
}
#endif
