// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem suite umdevmem_random: model-checked random sequences of
 * CPU accesses, migrations, evictions, hmm_range_fault() calls, forks,
 * munmap, mprotect and MADV_DONTNEED (random_ops.c).
 *
 * Kernel parameters, which the runner sets from --seed and --ops:
 *   umdevmem_random.seed=S    seed of the run (0: a random one)
 *   umdevmem_random.ops=N     operations in all (default 2000)
 *   umdevmem_random.length=L  operations per sequence (default 40)
 *
 * The run is cut into sequences of L operations, each from a fresh mm
 * with its own seed derived from S; the cases are chunks of sequences,
 * so that a long soak stays within KUnit's timeout per case.  A failing
 * sequence is reduced, one operation at a time, to a shorter one that
 * still fails, which is printed with the state it met.
 *
 * Each device offers only RND_DEV_PAGES free pages during the suite (the
 * rest is held as ballast), so migrations run the devices full.
 */
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/vmstat.h>
#include <linux/moduleparam.h>
#include <linux/pagemap.h>
#include <linux/random.h>
#include <linux/slab.h>
#include "dmk.h"
#include "random_ops.h"

#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "umdevmem_random."

static unsigned long long seed;
module_param(seed, ullong, 0444);
MODULE_PARM_DESC(seed, "seed of the random operation sequences (0: random)");
static unsigned int ops = 2000;
module_param(ops, uint, 0444);
MODULE_PARM_DESC(ops, "operations to run in all");
static unsigned int length = 40;
module_param(length, uint, 0444);
MODULE_PARM_DESC(length, "operations per sequence");

/* Operations per case: well inside KUnit's timeout of 300 s per case. */
#define RND_CHUNK_OPS	20000

static struct page **ballast[2];
static unsigned long ballast_n[2];

static unsigned int random_sequences_total(void)
{
	return DIV_ROUND_UP(ops, length);
}

static unsigned int random_per_chunk(void)
{
	return max(RND_CHUNK_OPS / length, 1U);
}

static u64 random_seq_seed(unsigned int j)
{
	return seed ^ ((u64)(j + 1) * 0x9e3779b97f4a7c15ULL);
}

/* Case parameter: chunk number + 1 (never dereferenced). */
static DMK_GEN_PARAMS(random_gen_params)
{
	unsigned long next = (unsigned long)prev + 1;
	unsigned int per = random_per_chunk();
	unsigned int first = (next - 1) * per;

	if (first >= random_sequences_total())
		return NULL;
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "sequences %u-%u", first,
		 min(first + per, random_sequences_total()) - 1);
	return (const void *)next;
}

/*
 * Drop operations from the failing @seq of @n while it still fails (in any
 * way); returns the new length.
 */
static unsigned int random_reduce(struct rnd_env *env, struct rnd_op *seq,
				  unsigned int n, char *why)
{
	struct rnd_op *tmp = kmalloc_array(n, sizeof(*tmp), GFP_KERNEL);
	unsigned int i = 0;
	int r;

	if (!tmp)
		return n;
	while (i < n && n > 1) {
		memcpy(tmp, seq, i * sizeof(*tmp));
		memcpy(tmp + i, seq + i + 1, (n - i - 1) * sizeof(*tmp));
		r = rnd_run(env, tmp, n - 1, why);
		if (r < 0) {
			i++;
			continue;
		}
		n = min_t(unsigned int, r + 1, n - 1);
		memcpy(seq, tmp, n * sizeof(*seq));
	}
	kfree(tmp);
	return n;
}

static void random_report(struct kunit *test, struct rnd_env *env,
			  unsigned int j, struct rnd_op *seq, int failed,
			  char *why)
{
	unsigned int n = min_t(unsigned int, failed + 1, length);

	KUNIT_FAIL(test, "seed %llu, sequence %u: operation %d of %u failed: %s",
		   seed, j, failed, length, why);
	n = random_reduce(env, seq, n, why);
	kunit_info(test, "reduced to %u operations; replay with ./run_tests.sh --seed %llu --ops %u:\n",
		   n, seed, (j + 1) * length);
	env->trace = true;
	failed = rnd_run(env, seq, n, why);
	env->trace = false;
	if (failed < 0)
		kunit_info(test, "  (the reduced sequence passed when run again: flaky)\n");
	else
		kunit_info(test, "  operation %d: %s\n", failed, why);
}

static void random_sequences(struct kunit *test)
{
	unsigned int per = random_per_chunk();
	unsigned int first = ((unsigned long)test->param_value - 1) * per;
	unsigned int last = min(first + per, random_sequences_total());
	struct rnd_env env = { .test = test };
	unsigned long done = 0;
	struct rnd_op *seq;
	unsigned int j, x;
	char *why;
	s64 ms;
	ktime_t t0;

	seq = kunit_kcalloc(test, length, sizeof(*seq), GFP_KERNEL);
	why = kunit_kzalloc(test, RND_MSG, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, seq);
	KUNIT_ASSERT_NOT_NULL(test, why);
	for (x = 0; x < 2; x++) {
		env.dev[x] = umdevmem_get(x);
		env.base_free[x] = dmk_stats(env.dev[x]).free_pages;
		KUNIT_ASSERT_EQ(test, env.base_free[x], RND_DEV_PAGES);
	}

	t0 = ktime_get();
	for (j = first; j < last; j++) {
		int failed;

		rnd_generate(random_seq_seed(j), seq, length);
		failed = rnd_run(&env, seq, length, why);
		if (failed >= 0) {
			done += failed + 1;
			random_report(test, &env, j, seq, failed, why);
			break;
		}
		done += length;
	}
	ms = ktime_ms_delta(ktime_get(), t0);
	kunit_info(test, "umdevmem_random: seed %llu sequences %u-%u: %lu operations, %lu page checks in %lld ms (%lld operations/s); %lu pages free, %lu KiB slab\n",
		   seed, first, j - (j == last), done, env.checks, ms,
		   ms ? (s64)done * 1000 / ms : 0,
		   global_zone_page_state(NR_FREE_PAGES),
		   (global_node_page_state_pages(NR_SLAB_RECLAIMABLE_B) +
		    global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B)) <<
		   (PAGE_SHIFT - 10));
}

static void random_release_ballast(void)
{
	unsigned int x;
	unsigned long i;

	for (x = 0; x < 2; x++) {
		for (i = 0; i < ballast_n[x]; i++) {
			unlock_page(ballast[x][i]);
			put_page(ballast[x][i]);
		}
		kvfree(ballast[x]);
		ballast[x] = NULL;
		ballast_n[x] = 0;
	}
}

/* Hold all but RND_DEV_PAGES free pages of each boot device. */
static int random_suite_init(struct kunit_suite *suite)
{
	unsigned int x;

	if (!seed)
		seed = get_random_u64();
	pr_info("umdevmem_random: seed %llu, %u operations in sequences of %u\n",
		seed, ops, length);
	if (!length || umdevmem_count() < 2)
		return -EINVAL;
	for (x = 0; x < 2; x++) {
		struct umdevmem *dev = umdevmem_get(x);
		unsigned long n = dmk_stats(dev).free_pages;

		if (n < RND_DEV_PAGES)
			goto fail;
		n -= RND_DEV_PAGES;
		ballast[x] = kvcalloc(n, sizeof(*ballast[x]), GFP_KERNEL);
		if (!ballast[x])
			goto fail;
		for (; ballast_n[x] < n; ballast_n[x]++) {
			ballast[x][ballast_n[x]] = umdevmem_alloc_page(dev);
			if (!ballast[x][ballast_n[x]])
				goto fail;
		}
	}
	return 0;
fail:
	random_release_ballast();
	return -ENOMEM;
}

static void random_suite_exit(struct kunit_suite *suite)
{
	random_release_ballast();
	dmk_suite_exit(suite);
}

static struct kunit_case random_cases[] = {
	KUNIT_CASE_PARAM(random_sequences, random_gen_params),
	{}
};

static struct kunit_suite random_suite = {
	.name = "umdevmem_random",
	.suite_init = random_suite_init,
	.suite_exit = random_suite_exit,
	.test_cases = random_cases,
};
kunit_test_suite(random_suite);
