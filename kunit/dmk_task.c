// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem KUnit suites: a real fork() of the current mm, and kthreads
 * that run on the case's mm.
 */
#include <kunit/test-bug.h>
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/signal.h>
#include <linux/slab.h>
#include "dmk.h"

struct dmk_fork {
	int (*fn)(void *arg);
	void *arg;
};

static int dmk_child(void *data)
{
	struct dmk_fork *f = data;

	do_exit((f->fn(f->arg) & 0xff) << 8);
}

int dmk_fork(int (*fn)(void *arg), void *arg)
{
	struct dmk_fork f = { .fn = fn, .arg = arg };
	struct kernel_clone_args args = {
		.flags = CLONE_UNTRACED,
		.exit_signal = SIGCHLD,
		.fn = dmk_child,
		.fn_arg = &f,
	};
	int status = 0;	/* kernel_wait() writes only a non-zero status */
	pid_t pid;

	/* kernel threads ignore SIGCHLD, which would reap the child early */
	kernel_sigaction(SIGCHLD, SIG_DFL);
	pid = kernel_clone(&args);
	if (pid > 0 && kernel_wait(pid, &status) != pid)
		pid = -ECHILD;
	kernel_sigaction(SIGCHLD, SIG_IGN);
	if (pid < 0)
		return pid;
	return (status >> 8) & 0xff;
}

static int dmk_child_check(void *arg)
{
	struct dmk_child *c = arg;
	struct mm_struct *mm = current->mm;
	unsigned long i;

	mmap_read_lock(mm);
	for (i = 0; i < DMK_CHILD_PAGES; i++)
		c->before[i] = dmk_lookup_locked(mm, c->addr + i * PAGE_SIZE);
	mmap_read_unlock(mm);
	c->bad_read = dmk_bad_pages(c->addr, DMK_CHILD_PAGES, c->seed);
	c->bad_write = dmk_write_pattern(c->addr, DMK_CHILD_PAGES, c->new_seed);
	c->bad_reread = dmk_bad_pages(c->addr, DMK_CHILD_PAGES, c->new_seed);
	return 0;
}

void dmk_run_child(struct kunit *test, struct dmk_child *c)
{
	KUNIT_EXPECT_EQ(test, dmk_fork(dmk_child_check, c), 0);
}

struct dmk_thread {
	struct dmk *d;
	struct mm_struct *mm;
	long (*fn)(void *arg);
	void *arg;
	long result;
	struct completion done;
};

static int dmk_thread_fn(void *data)
{
	struct dmk_thread *t = data;

	kthread_use_mm(t->mm);
	t->result = t->fn(t->arg);
	kthread_unuse_mm(t->mm);
	complete_all(&t->done);
	return 0;
}

/* KUnit's end of a thread: join it, or leave it and its mm be. */
static void dmk_thread_join(void *ctx)
{
	struct dmk_thread *t = ctx;

	if (!wait_for_completion_timeout(&t->done, 60 * HZ)) {
		atomic_inc(&t->d->stuck);
		kunit_fail_current_test("a thread of the case still runs after 60 s");
		return;		/* it may still use *t */
	}
	kfree(t);
}

struct dmk_thread *dmk_thread_start(struct kunit *test, long (*fn)(void *arg),
				    void *arg, const char *name)
{
	struct dmk_thread *t = kzalloc(sizeof(*t), GFP_KERNEL);
	struct task_struct *task;

	KUNIT_ASSERT_NOT_NULL(test, t);
	t->d = dmk(test);
	t->mm = current->mm;
	t->fn = fn;
	t->arg = arg;
	t->result = -EINPROGRESS;
	init_completion(&t->done);
	task = kthread_run(dmk_thread_fn, t, "%s", name);
	if (IS_ERR(task)) {
		kfree(t);
		KUNIT_FAIL_AND_ABORT(test, "kthread_run: %ld", PTR_ERR(task));
	}
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, dmk_thread_join,
							t), 0);
	return t;
}

bool dmk_thread_done(struct dmk_thread *t)
{
	return completion_done(&t->done);
}

long dmk_thread_wait(struct dmk_thread *t, unsigned long timeout)
{
	if (!wait_for_completion_timeout(&t->done, timeout))
		return -ETIMEDOUT;
	return t->result;
}
