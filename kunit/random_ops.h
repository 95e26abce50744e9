/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uml-devmem suite umdevmem_random: seeded sequences of operations on a
 * small anonymous region shared by several mms (through fork), checked
 * after every operation against a reference model of where each page is
 * and what it holds.
 *
 * random_ops.c generates the sequences and runs them against the kernel
 * and the model; random_kunit.c is the suite: budget, reduction of a
 * failing sequence and the report.
 */
#ifndef __RANDOM_OPS_H
#define __RANDOM_OPS_H

#include <linux/types.h>

struct kunit;
struct umdevmem;

#define RND_PAGES	16	/* pages in the region */
#define RND_MMS		3	/* most mms alive at once */
#define RND_DEV_PAGES	24	/* free pages each device offers a run */
#define RND_MSG		256

enum rnd_op_type {
	RND_WRITE,	/* CPU writes a fresh pattern, page by page */
	RND_READ,	/* CPU reads, page by page */
	RND_MIGRATE,	/* migrate_vma to a device, maybe with injection */
	RND_TO_SYSTEM,	/* driver-initiated migration back */
	RND_EVICT,	/* migrate_device_range() over a whole device */
	RND_HMM,	/* hmm_range_fault(), snapshot or read fault */
	RND_FORK,	/* fork an mm, or let one exit when there are enough */
	RND_REMAP,	/* mmap(MAP_FIXED) fresh anonymous memory over pages */
	RND_MUNMAP,	/* munmap part of the region */
	RND_MPROTECT,	/* read-only or read-write */
	RND_DONTNEED,	/* madvise(MADV_DONTNEED) */
	RND_NR_TYPES,
};

/* Injection for RND_MIGRATE. */
enum rnd_inject { RND_INJ_NONE, RND_INJ_ALLOC, RND_INJ_COPY };

/*
 * One operation as generated: raw choices that the runner resolves
 * against the state it meets (which mm, clipped to which VMA), so that
 * any subsequence of a sequence is itself a valid sequence.
 */
struct rnd_op {
	u8 type;
	u8 mm;		/* modulo the mms alive */
	u8 start;	/* first page */
	u8 npages;	/* at least 1; clipped to the region */
	u8 dev;		/* 0 or 1 */
	/*
	 * RND_MIGRATE: bit 0 SELECT_SYSTEM, bit 1 SELECT_DEVICE_PRIVATE, bit
	 * 2 the owner is the other device; RND_HMM: bit 0 fault, bits 1-2
	 * owner (0 none, 1 dev0, 2 or 3 dev1); RND_MPROTECT: bit 0 read-only
	 */
	u8 flags;
	u8 inject;	/* enum rnd_inject */
	u8 nth;		/* injection fires on the nth allocation / copy */
	/*
	 * RND_MIGRATE without injection, on a kernel with the hmm-walk
	 * series: MIGRATE_VMA_FAULT (ignored elsewhere)
	 */
	u8 fault;
};

struct rnd_env {
	struct kunit *test;
	struct umdevmem *dev[2];
	unsigned long base_free[2];	/* free pages with the ballast held */
	bool trace;			/* print each operation as it runs */
	unsigned long checks;		/* model comparisons made */
};

/* Fill @ops with @n operations drawn from @seed. */
void rnd_generate(u64 seed, struct rnd_op *ops, unsigned int n);

/*
 * Run @ops from a fresh mm: after each operation compare every page of
 * every mm, the rss counters and the devices' counters with the model;
 * tear everything down at the end and check nothing leaked.  Returns -1
 * when all matched, else the index of the failing operation (@n for the
 * final leak check), with the reason in @why.
 */
int rnd_run(struct rnd_env *env, const struct rnd_op *ops, unsigned int n,
	    char *why);

#endif /* __RANDOM_OPS_H */
