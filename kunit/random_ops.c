// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem suite umdevmem_random: the operations, the reference model
 * and their comparison.
 *
 * The model knows, for every page of the region in every mm, whether it
 * is unmapped, a hole, the zero page or a frame; a frame is the page a
 * set of mms share after fork, with its data (a pattern tag) and where
 * it is (system memory or one of two devices).  It encodes what
 * migrate_device.c promises: holes are always collected, the zero page
 * and system pages with MIGRATE_VMA_SELECT_SYSTEM, device-private pages
 * with MIGRATE_VMA_SELECT_DEVICE_PRIVATE of their owner; a shared page
 * moves for every mm that maps it (try_to_migrate() walks the rmap); a
 * CPU fault on a device page brings it back for all of them before a
 * write breaks the sharing.  A frame that was written stays dirty (its
 * pte or its folio; a device entry has no dirty bit), wherever it moves;
 * a page written since the last operation other than a read or a write
 * has a young pte.
 */
#include <linux/highmem.h>
#include <linux/hmm.h>
#include <linux/kthread.h>
#include <linux/mman.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "dmk.h"
#include "random_ops.h"

enum rnd_page_state { RS_UNMAPPED, RS_HOLE, RS_ZERO, RS_FRAME };
#define RND_SYSTEM	0	/* a frame's loc: 0 system, 1 + n device n */
#define RND_FRAMES	(RND_PAGES * RND_MMS)

struct rnd_frame {
	u32 tag;		/* pattern of its data; 0: zeroes */
	u8 loc;
	u8 refs;		/* pages (of different mms) that map it */
	bool dirty;		/* written: its pte or its folio is dirty */
	struct page *seen;	/* during a check: the page found for it */
};

struct rnd_page {
	u8 state;
	bool ro;
	u8 frame;
	s8 w;		/* a frame's pte is writable: 1, 0, -1 not known */
	bool young;	/* written since the last other operation */
};

struct rnd_mm {
	struct mm_struct *mm;
	struct rnd_page pg[RND_PAGES];
};

struct rnd_ctx {
	struct rnd_env *env;
	unsigned long addr;
	struct rnd_mm mms[RND_MMS];
	unsigned int nr_mm;
	int cur;		/* mm this thread uses, -1 none */
	struct rnd_frame frames[RND_FRAMES];
	u32 next_tag;
	char *why;
	u8 *buf;
	unsigned long *pfns;
};

static const char * const rnd_names[RND_NR_TYPES] = {
	[RND_WRITE] = "write", [RND_READ] = "read",
	[RND_MIGRATE] = "migrate", [RND_TO_SYSTEM] = "to-system",
	[RND_EVICT] = "evict", [RND_HMM] = "hmm_range_fault",
	[RND_FORK] = "fork/exit", [RND_REMAP] = "mmap-fixed",
	[RND_MUNMAP] = "munmap", [RND_MPROTECT] = "mprotect",
	[RND_DONTNEED] = "madv-dontneed",
};

/* How often each operation is drawn. */
static const u8 rnd_weights[RND_NR_TYPES] = {
	[RND_WRITE] = 16, [RND_READ] = 12, [RND_MIGRATE] = 24,
	[RND_TO_SYSTEM] = 5, [RND_EVICT] = 4, [RND_HMM] = 10,
	[RND_FORK] = 6, [RND_REMAP] = 4, [RND_MUNMAP] = 3,
	[RND_MPROTECT] = 8, [RND_DONTNEED] = 6,
};

/* splitmix64: small, fast, and the same sequence on every kernel line */
static u64 rnd_next(u64 *state)
{
	u64 z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void rnd_generate(u64 seed, struct rnd_op *ops, unsigned int n)
{
	unsigned int i, t, total = 0;

	for (t = 0; t < RND_NR_TYPES; t++)
		total += rnd_weights[t];
	for (i = 0; i < n; i++) {
		struct rnd_op *op = &ops[i];
		unsigned int pick = rnd_next(&seed) % total;
		u64 r = rnd_next(&seed);

		for (t = 0; pick >= rnd_weights[t]; t++)
			pick -= rnd_weights[t];
		op->type = t;
		op->mm = r & 0xff;
		op->start = ((r >> 8) & 0xff) % RND_PAGES;
		/* mostly a few pages, sometimes up to the whole region */
		op->npages = 1 + ((r >> 16) & 0xff) %
			     ((r >> 24) & 1 ? RND_PAGES : 4);
		op->dev = (r >> 25) & 1;
		op->flags = (r >> 26) & 7;
		op->inject = ((r >> 29) & 3) != 3 ? RND_INJ_NONE :
			     RND_INJ_ALLOC + ((r >> 31) & 1);
		op->nth = 1 + ((r >> 32) & 3);
		op->fault = (r >> 34) & 1;
	}
}

static __printf(2, 3) int rnd_fail(struct rnd_ctx *c, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vsnprintf(c->why, RND_MSG, fmt, args);
	va_end(args);
	return -EINVAL;
}

static unsigned long rnd_addr(struct rnd_ctx *c, unsigned int i)
{
	return c->addr + ((unsigned long)i << PAGE_SHIFT);
}

/* Make mm @k this thread's mm. */
static void rnd_use(struct rnd_ctx *c, int k)
{
	if (c->cur == k)
		return;
	if (c->cur >= 0)
		kthread_unuse_mm(c->mms[c->cur].mm);
	c->cur = k;
	if (k >= 0)
		kthread_use_mm(c->mms[k].mm);
}

static u8 rnd_new_frame(struct rnd_ctx *c, u32 tag, u8 loc)
{
	unsigned int i;

	/* every page maps at most one frame: one is always free */
	for (i = 0; i < RND_FRAMES - 1 && c->frames[i].refs; i++)
		;
	c->frames[i] = (struct rnd_frame){ .tag = tag, .loc = loc, .refs = 1 };
	return i;
}

/* The page stops mapping whatever it mapped and becomes @state. */
static void rnd_set(struct rnd_ctx *c, struct rnd_page *p, u8 state)
{
	if (p->state == RS_FRAME)
		c->frames[p->frame].refs--;
	p->state = state;
}

static struct rnd_frame *rnd_frame_of(struct rnd_ctx *c, struct rnd_page *p)
{
	return p->state == RS_FRAME ? &c->frames[p->frame] : NULL;
}

/* Pages of device @x the model has in use. */
static unsigned long rnd_on_device(struct rnd_ctx *c, unsigned int x)
{
	unsigned long i, n = 0;

	for (i = 0; i < RND_FRAMES; i++)
		if (c->frames[i].refs && c->frames[i].loc == 1 + x)
			n++;
	return n;
}

/* @n pages from @start of mm @k, cut where the VMA at @start ends. */
static unsigned int rnd_clip(struct rnd_ctx *c, int k, unsigned int start,
			     unsigned int n)
{
	struct mm_struct *mm = c->mms[k].mm;
	struct vm_area_struct *vma;
	unsigned long end = rnd_addr(c, start + n);

	mmap_read_lock(mm);
	vma = vma_lookup(mm, rnd_addr(c, start));
	if (!vma)
		n = 0;
	else if (vma->vm_end < end)
		n = (vma->vm_end - rnd_addr(c, start)) >> PAGE_SHIFT;
	mmap_read_unlock(mm);
	return n;
}

/* Does @buf hold page @i of pattern @tag (0: zeroes)?  PAGE_SIZE if so. */
static unsigned long rnd_mismatch(const u8 *buf, u32 tag, unsigned int i)
{
	const u8 *bad;

	if (tag)
		return dmk_mismatch(buf, tag, i);
	bad = memchr_inv(buf, 0, PAGE_SIZE);
	return bad ? bad - buf : PAGE_SIZE;
}

static int rnd_write(struct rnd_ctx *c, int k, unsigned int start,
		     unsigned int n)
{
	u32 tag = ++c->next_tag;
	unsigned int i;

	rnd_use(c, k);
	for (i = start; i < start + n; i++) {
		struct rnd_page *p = &c->mms[k].pg[i];
		struct rnd_frame *f = rnd_frame_of(c, p);
		bool ok = p->state != RS_UNMAPPED && !p->ro;
		unsigned long left;

		dmk_pattern(c->buf, tag, i);
		left = copy_to_user((void __user *)rnd_addr(c, i), c->buf,
				    PAGE_SIZE);
		if (ok != !left)
			return rnd_fail(c, "write to page %u of mm%d %s", i, k,
					left ? "failed" :
					"succeeded on a read-only or unmapped page");
		if (!ok)
			continue;
		if (f) {
			f->loc = RND_SYSTEM;	/* migrate_to_ram() first */
			if (f->refs > 1) {	/* then copy on write */
				f->refs--;
				p->frame = rnd_new_frame(c, tag, RND_SYSTEM);
			} else {
				f->tag = tag;
			}
		} else {
			p->state = RS_FRAME;
			p->frame = rnd_new_frame(c, tag, RND_SYSTEM);
		}
		c->frames[p->frame].dirty = true;
		p->w = 1;
		p->young = true;
	}
	return 0;
}

static int rnd_read(struct rnd_ctx *c, int k, unsigned int start,
		    unsigned int n)
{
	unsigned int i;

	rnd_use(c, k);
	for (i = start; i < start + n; i++) {
		struct rnd_page *p = &c->mms[k].pg[i];
		struct rnd_frame *f = rnd_frame_of(c, p);
		bool ok = p->state != RS_UNMAPPED;
		unsigned long left, off;

		left = copy_from_user(c->buf,
				      (const void __user *)rnd_addr(c, i),
				      PAGE_SIZE);
		if (ok != !left)
			return rnd_fail(c, "read of page %u of mm%d %s", i, k,
					left ? "failed" :
					"succeeded on an unmapped page");
		if (!ok)
			continue;
		off = rnd_mismatch(c->buf, f ? f->tag : 0, i);
		if (off != PAGE_SIZE)
			return rnd_fail(c, "read of page %u of mm%d: byte %lu differs from %s %u",
					i, k, off, f ? "pattern" : "zero",
					f ? f->tag : 0);
		if (f)
			f->loc = RND_SYSTEM;
		else if (p->state == RS_HOLE)
			p->state = RS_ZERO;
	}
	return 0;
}

/* MIGRATE_VMA_FAULT, which exists with the hmm-walk series only, or 0. */
static unsigned long rnd_fault_flag(const struct rnd_op *op)
{
	return op->fault && op->inject == RND_INJ_NONE ? DMK_MIGRATE_VMA_FAULT : 0;
}

static int rnd_migrate(struct rnd_ctx *c, const struct rnd_op *op, int k,
		       unsigned int start, unsigned int n)
{
	struct rnd_env *env = c->env;
	unsigned int x = op->dev, owner = op->flags & 4 ? !x : x;
	bool sys = op->flags & 1, priv = op->flags & 2;
	unsigned long flags = (sys ? MIGRATE_VMA_SELECT_SYSTEM : 0) |
			      (priv ? MIGRATE_VMA_SELECT_DEVICE_PRIVATE : 0);
	unsigned long fault = rnd_fault_flag(op);
	unsigned long free;
	unsigned long alloc_nth = op->inject == RND_INJ_ALLOC ? op->nth : 0;
	unsigned long copy_nth = op->inject == RND_INJ_COPY ? op->nth : 0;
	unsigned long collected = 0, migrated = 0;
	struct umdevmem_migrate_result res;
	bool moved[RND_PAGES] = {};
	unsigned int i;
	int ret;

	/*
	 * MIGRATE_VMA_FAULT: the walk first faults back every device page of
	 * another owner (for all mms that share it), whatever it selects;
	 * holes are collected without a fault.
	 */
	for (i = start; fault && i < start + n; i++) {
		struct rnd_frame *f = rnd_frame_of(c, &c->mms[k].pg[i]);

		if (f && f->loc != RND_SYSTEM && f->loc != 1 + owner)
			f->loc = RND_SYSTEM;
	}
	flags |= fault;
	free = env->base_free[x] - rnd_on_device(c, x);

	/* what the kernel and the device must do, page by page */
	for (i = start; i < start + n; i++) {
		struct rnd_page *p = &c->mms[k].pg[i];
		struct rnd_frame *f = rnd_frame_of(c, p);

		if (!(p->state == RS_HOLE || (p->state == RS_ZERO && sys) ||
		      (f && f->loc == RND_SYSTEM && sys) ||
		      (f && f->loc == 1 + owner && priv)))
			continue;
		collected++;
		if (!free)
			continue;	/* the device is full */
		if (alloc_nth && --alloc_nth == 0)
			continue;
		free--;
		if (copy_nth && --copy_nth == 0)
			continue;	/* copies go in allocation order */
		moved[i] = true;
		migrated++;
	}

	if (op->inject == RND_INJ_ALLOC)
		umdevmem_fail_alloc(env->dev[x], op->nth);
	else if (op->inject == RND_INJ_COPY)
		umdevmem_fail_copy(env->dev[x], op->nth);
	ret = umdevmem_migrate_to_device(env->dev[x], c->mms[k].mm,
					 rnd_addr(c, start),
					 rnd_addr(c, start + n), flags,
					 umdevmem_owner(env->dev[owner]), &res);
	umdevmem_fail_alloc(env->dev[x], 0);
	umdevmem_fail_copy(env->dev[x], 0);
	if (ret)
		return rnd_fail(c, "umdevmem_migrate_to_device: %d", ret);
	if (res.cpages != collected || res.migrated != migrated)
		return rnd_fail(c, "collected %lu and migrated %lu pages, model says %lu and %lu",
				res.cpages, res.migrated, collected, migrated);

	for (i = start; i < start + n; i++) {
		struct rnd_page *p = &c->mms[k].pg[i];

		if (!moved[i])
			continue;
		if (p->state == RS_FRAME) {
			c->frames[p->frame].loc = 1 + x;	/* keeps its pte's write bit */
		} else {
			p->state = RS_FRAME;
			p->frame = rnd_new_frame(c, 0, 1 + x);
			p->w = !p->ro;	/* inserted as the VMA allows */
		}
	}
	return 0;
}

/* The driver moves its own pages of the range back. */
static int rnd_to_system(struct rnd_ctx *c, const struct rnd_op *op, int k,
			 unsigned int start, unsigned int n)
{
	struct umdevmem *dev = c->env->dev[op->dev];
	unsigned long collected = 0, migrated = 0;
	struct umdevmem_migrate_result res;
	unsigned int i;
	int ret;

	for (i = start; i < start + n; i++) {
		struct rnd_page *p = &c->mms[k].pg[i];
		struct rnd_frame *f = rnd_frame_of(c, p);

		if (p->state == RS_HOLE) {
			collected++;	/* holes always are; no dst for them */
		} else if (f && f->loc == 1 + op->dev) {
			collected++;
			migrated++;
		}
	}
	ret = umdevmem_migrate_to_system(dev, c->mms[k].mm, rnd_addr(c, start),
					 rnd_addr(c, start + n),
					 MIGRATE_VMA_SELECT_DEVICE_PRIVATE,
					 NULL, &res);
	if (ret)
		return rnd_fail(c, "umdevmem_migrate_to_system: %d", ret);
	if (res.cpages != collected || res.migrated != migrated)
		return rnd_fail(c, "collected %lu and migrated %lu pages, model says %lu and %lu",
				res.cpages, res.migrated, collected, migrated);
	for (i = start; i < start + n; i++) {
		struct rnd_frame *f = rnd_frame_of(c, &c->mms[k].pg[i]);

		if (f && f->loc == 1 + op->dev)
			f->loc = RND_SYSTEM;
	}
	return 0;
}

static int rnd_evict(struct rnd_ctx *c, unsigned int x)
{
	unsigned long want = rnd_on_device(c, x), got, i;

	got = umdevmem_evict(c->env->dev[x]);
	if (got != want)
		return rnd_fail(c, "evicted %lu pages, model says %lu", got,
				want);
	for (i = 0; i < RND_FRAMES; i++)
		if (c->frames[i].loc == 1 + x)
			c->frames[i].loc = RND_SYSTEM;
	return 0;
}

static int rnd_hmm(struct rnd_ctx *c, const struct rnd_op *op, int k,
		   unsigned int start, unsigned int n)
{
	bool fault = op->flags & 1;
	unsigned int sel = (op->flags >> 1) & 3;
	int owner = sel ? (sel == 1 ? 0 : 1) : -1;
	struct mm_struct *mm = c->mms[k].mm;
	unsigned int i;
	int ret;

	rnd_use(c, k);
	ret = dmk_hmm_snapshot(c->env->test, rnd_addr(c, start), n, c->pfns,
			       fault ? HMM_PFN_REQ_FAULT : 0,
			       owner < 0 ? NULL : umdevmem_owner(c->env->dev[owner]));
	if (ret)
		return rnd_fail(c, "hmm_range_fault: %d", ret);

	mmap_read_lock(mm);
	for (i = start; i < start + n; i++) {
		struct rnd_page *p = &c->mms[k].pg[i];
		struct rnd_frame *f = rnd_frame_of(c, p);
		unsigned long pfn = c->pfns[i - start];
		bool valid = true;
		struct dmk_pte e;

		if (p->state == RS_HOLE) {
			valid = fault;	/* a read fault maps the zero page */
			if (fault)
				p->state = RS_ZERO;
		} else if (f && f->loc != RND_SYSTEM && f->loc != 1 + owner) {
			valid = fault;	/* another owner's page comes back */
			if (fault)
				f->loc = RND_SYSTEM;
		}
		if (!!(pfn & HMM_PFN_VALID) != valid) {
			mmap_read_unlock(mm);
			return rnd_fail(c, "hmm_range_fault: page %u %s valid", i,
					valid ? "not" : "is");
		}
		if (!valid)
			continue;
		e = dmk_lookup_locked(mm, rnd_addr(c, i));
		if (hmm_pfn_to_page(pfn) != e.page ||
		    !!(pfn & HMM_PFN_WRITE) != e.write) {
			mmap_read_unlock(mm);
			return rnd_fail(c, "hmm_range_fault: page %u gave pfn %#lx%s, the pte %s %#lx",
					i, page_to_pfn(hmm_pfn_to_page(pfn)),
					pfn & HMM_PFN_WRITE ? " writable" : "",
					e.write ? "maps writable" : "maps",
					e.page ? page_to_pfn(e.page) : 0);
		}
	}
	mmap_read_unlock(mm);
	return 0;
}

/* In the child of a fork(): keep its mm for the model. */
static int rnd_keep_mm(void *arg)
{
	struct mm_struct **mm = arg;

	*mm = current->mm;
	mmget(*mm);		/* outlives the child */
	return 0;
}

/* fork() of mm @k, made this thread's first. */
static struct mm_struct *rnd_fork_mm(struct rnd_ctx *c, int k)
{
	struct mm_struct *mm = NULL;

	rnd_use(c, k);
	return dmk_fork(rnd_keep_mm, &mm) ? NULL : mm;
}

static void rnd_exit_mm(struct rnd_ctx *c, int k)
{
	unsigned int i;

	if (c->cur == k)
		rnd_use(c, -1);
	mmput(c->mms[k].mm);
	for (i = 0; i < RND_PAGES; i++)
		rnd_set(c, &c->mms[k].pg[i], RS_UNMAPPED);
	for (i = k; i + 1 < c->nr_mm; i++)
		c->mms[i] = c->mms[i + 1];
	c->nr_mm--;
	if (c->cur > k)
		c->cur--;
}

static int rnd_fork(struct rnd_ctx *c, int k)
{
	struct rnd_mm *child;
	unsigned int i;

	if (c->nr_mm == RND_MMS) {
		rnd_exit_mm(c, k);
		return 0;
	}
	child = &c->mms[c->nr_mm];
	child->mm = rnd_fork_mm(c, k);
	if (!child->mm)
		return rnd_fail(c, "fork failed");
	c->nr_mm++;
	memcpy(child->pg, c->mms[k].pg, sizeof(child->pg));
	mmap_read_lock(c->mms[k].mm);
	for (i = 0; i < RND_PAGES; i++) {
		struct rnd_page *p = &child->pg[i];
		struct vm_area_struct *vma;

		if (p->state == RS_FRAME) {
			c->frames[p->frame].refs++;
			/* copy on write: both sides lose the write bit */
			p->w = 0;
			c->mms[k].pg[i].w = 0;
		}
		if (p->state != RS_ZERO)
			continue;
		/* fork copies no page table of a VMA without anon_vma */
		vma = vma_lookup(c->mms[k].mm, rnd_addr(c, i));
		if (vma && !vma->anon_vma)
			p->state = RS_HOLE;
	}
	mmap_read_unlock(c->mms[k].mm);
	return 0;
}

/* Map, unmap, protect or zap: every page of the range gets @state. */
static int rnd_vm_op(struct rnd_ctx *c, const struct rnd_op *op, int k,
		     unsigned int start, unsigned int n)
{
	unsigned long addr = rnd_addr(c, start), len = (unsigned long)n << PAGE_SHIFT;
	bool ro = op->flags & 1;
	u8 state = RS_HOLE;
	unsigned int i;
	long ret;

	rnd_use(c, k);
	switch (op->type) {
	case RND_REMAP:
		ret = vm_mmap(NULL, addr, len, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, 0);
		ret = ret == addr ? 0 : ret;
		ro = false;
		break;
	case RND_MUNMAP:
		ret = vm_munmap(addr, len);
		state = RS_UNMAPPED;
		break;
	case RND_MPROTECT:
		ret = dmk_mprotect(addr, n, ro ? PROT_READ :
				   PROT_READ | PROT_WRITE);
		break;
	default:
		ret = do_madvise(c->mms[k].mm, addr, len, MADV_DONTNEED);
		break;
	}
	if (ret)
		return rnd_fail(c, "%s: %ld", rnd_names[op->type], ret);
	for (i = start; i < start + n; i++) {
		struct rnd_page *p = &c->mms[k].pg[i];

		if (op->type == RND_MPROTECT) {
			p->ro = ro;
			/* mprotect() may make a private page writable at once */
			p->w = ro ? 0 : -1;
		} else
			rnd_set(c, p, state);
		if (op->type == RND_REMAP)
			p->ro = false;
	}
	return 0;
}

/* Compare page @i of mm @k with the model; the mmap lock is held. */
static int rnd_check_page(struct rnd_ctx *c, int k, unsigned int i,
			  unsigned long *rss)
{
	static const char * const kinds[] = {
		[DMK_NONE] = "none", [DMK_SYSTEM] = "a system page",
		[DMK_ZERO] = "the zero page", [DMK_DEVICE] = "a device entry",
		[DMK_COHERENT] = "a coherent page",
		[DMK_EXCLUSIVE] = "an exclusive entry",
		[DMK_MIGRATION] = "a migration entry", [DMK_OTHER] = "another entry",
	};
	struct rnd_page *p = &c->mms[k].pg[i];
	struct rnd_frame *f = rnd_frame_of(c, p);
	struct mm_struct *mm = c->mms[k].mm;
	struct vm_area_struct *vma = vma_lookup(mm, rnd_addr(c, i));
	enum dmk_kind want = DMK_NONE;
	unsigned long off;
	struct dmk_pte e;
	unsigned int j;

	if (!vma != (p->state == RS_UNMAPPED))
		return rnd_fail(c, "page %u of mm%d is %smapped", i, k,
				vma ? "" : "not ");
	if (vma && !(vma->vm_flags & VM_WRITE) != p->ro)
		return rnd_fail(c, "page %u of mm%d: VMA is %s", i, k,
				p->ro ? "writable" : "read-only");
	if (p->state == RS_ZERO)
		want = DMK_ZERO;
	else if (f)
		want = f->loc == RND_SYSTEM ? DMK_SYSTEM : DMK_DEVICE;
	e = dmk_lookup_locked(mm, rnd_addr(c, i));
	if (e.kind != want)
		return rnd_fail(c, "page %u of mm%d: found %s, model says %s",
				i, k, kinds[e.kind], kinds[want]);
	if (e.write && (p->ro || p->state == RS_ZERO || (f && f->refs > 1)))
		return rnd_fail(c, "page %u of mm%d is writable but %s", i, k,
				p->ro ? "its VMA is read-only" : "shared");
	if (!f)
		return 0;

	(*rss)++;
	if (p->w >= 0 && e.write != p->w)
		return rnd_fail(c, "page %u of mm%d is %swritable, model says it is%s",
				i, k, e.write ? "" : "not ", p->w ? "" : " not");
	p->w = e.write;
	if (f->dirty && !e.dirty && !folio_test_dirty(page_folio(e.page)))
		return rnd_fail(c, "page %u of mm%d (%s) was written, but its entry and folio are clean",
				i, k, kinds[want]);
	if (p->young && !e.young)
		return rnd_fail(c, "page %u of mm%d was just written, but its pte is old",
				i, k);
	if (f->loc != RND_SYSTEM &&
	    umdevmem_page_device(e.page) != c->env->dev[f->loc - 1])
		return rnd_fail(c, "page %u of mm%d is not on device %d", i, k,
				f->loc - 1);
	if (f->seen && f->seen != e.page)
		return rnd_fail(c, "page %u of mm%d no longer shares its page",
				i, k);
	for (j = 0; !f->seen && j < RND_FRAMES; j++)
		if (c->frames[j].refs && c->frames[j].seen == e.page)
			return rnd_fail(c, "page %u of mm%d shares a page the model says was copied",
					i, k);
	f->seen = e.page;

	if (f->loc == RND_SYSTEM) {
		void *kaddr = kmap_local_page(e.page);

		memcpy(c->buf, kaddr, PAGE_SIZE);
		kunmap_local(kaddr);
	} else if (umdevmem_read_page(e.page, c->buf)) {
		return rnd_fail(c, "page %u of mm%d: device read failed", i, k);
	}
	off = rnd_mismatch(c->buf, f->tag, i);
	if (off != PAGE_SIZE)
		return rnd_fail(c, "page %u of mm%d (%s): byte %lu differs from %s %u",
				i, k, kinds[want], off,
				f->tag ? "pattern" : "zero", f->tag);
	return 0;
}

/* Every page of every mm, the rss counters, the devices' free pages. */
static int rnd_check(struct rnd_ctx *c)
{
	unsigned int i, x;
	int k, ret = 0;

	for (i = 0; i < RND_FRAMES; i++)
		c->frames[i].seen = NULL;
	for (k = 0; k < c->nr_mm && !ret; k++) {
		struct mm_struct *mm = c->mms[k].mm;
		unsigned long rss = 0;
		s64 anon, swap;

		mmap_read_lock(mm);
		for (i = 0; i < RND_PAGES && !ret; i++)
			ret = rnd_check_page(c, k, i, &rss);
		mmap_read_unlock(mm);
		if (ret)
			break;
		anon = umdevmem_mm_counter(mm, MM_ANONPAGES);
		swap = umdevmem_mm_counter(mm, MM_SWAPENTS);
		if (anon != rss || swap)
			ret = rnd_fail(c, "mm%d counts %lld anon pages and %lld swap entries, model says %lu and 0",
				       k, anon, swap, rss);
		c->env->checks += RND_PAGES;
	}
	for (x = 0; x < 2 && !ret; x++) {
		struct umdevmem_stats s = dmk_stats(c->env->dev[x]);
		unsigned long want = c->env->base_free[x] - rnd_on_device(c, x);

		if (s.free_pages != want)
			ret = rnd_fail(c, "device %u has %lu free pages, model says %lu",
				       x, s.free_pages, want);
	}
	return ret;
}

static void rnd_describe(struct rnd_ctx *c, unsigned int idx,
			 const struct rnd_op *op, int k, unsigned int start,
			 unsigned int n)
{
	char extra[64] = "", inj[24] = "";

	switch (op->type) {
	case RND_MIGRATE:
		if (op->inject)
			snprintf(inj, sizeof(inj), " inject=%s#%u",
				 op->inject == RND_INJ_ALLOC ? "alloc" : "copy",
				 op->nth);
		snprintf(extra, sizeof(extra), " -> dev%u select=%s%s%s%s owner=dev%u%s",
			 op->dev, op->flags & 1 ? "system" : "",
			 (op->flags & 3) == 3 ? "|" : "",
			 op->flags & 2 ? "private" : (op->flags & 1 ? "" : "none"),
			 rnd_fault_flag(op) ? "|fault" : "",
			 op->flags & 4 ? !op->dev : op->dev, inj);
		break;
	case RND_TO_SYSTEM:
	case RND_EVICT:
		snprintf(extra, sizeof(extra), " dev%u", op->dev);
		break;
	case RND_HMM:
		snprintf(extra, sizeof(extra), " %s owner=%s",
			 op->flags & 1 ? "fault" : "snapshot",
			 (op->flags >> 1) & 3 ? ((op->flags >> 1) & 3) == 1 ?
			 "dev0" : "dev1" : "none");
		break;
	case RND_MPROTECT:
		snprintf(extra, sizeof(extra), " %s",
			 op->flags & 1 ? "read-only" : "read-write");
		break;
	}
	if (op->type == RND_EVICT)
		kunit_info(c->env->test, "  %3u: evict%s\n", idx, extra);
	else if (op->type == RND_FORK)
		kunit_info(c->env->test, "  %3u: %s mm%d\n", idx,
			   c->nr_mm == RND_MMS ? "exit" : "fork", k);
	else if (!n)
		kunit_info(c->env->test, "  %3u: %s mm%d page %u: no VMA there, skipped\n",
			   idx, rnd_names[op->type], k, start);
	else
		kunit_info(c->env->test, "  %3u: %s mm%d pages %u-%u%s\n", idx,
			   rnd_names[op->type], k, start, start + n - 1, extra);
}

/*
 * Migrations, fork and the rest may map a page again with an old pte (a
 * device entry carries no accessed bit, the child's ptes are old).
 */
static void rnd_forget_young(struct rnd_ctx *c)
{
	unsigned int i;
	int k;

	for (k = 0; k < c->nr_mm; k++)
		for (i = 0; i < RND_PAGES; i++)
			c->mms[k].pg[i].young = false;
}

static int rnd_step(struct rnd_ctx *c, unsigned int idx,
		    const struct rnd_op *op)
{
	int k = op->mm % c->nr_mm;
	unsigned int start = op->start;
	unsigned int n = min_t(unsigned int, op->npages, RND_PAGES - start);

	switch (op->type) {
	case RND_MIGRATE:
	case RND_TO_SYSTEM:
	case RND_HMM:
	case RND_MPROTECT:
	case RND_DONTNEED:
		n = rnd_clip(c, k, start, n);
		break;
	}
	if (c->env->trace)
		rnd_describe(c, idx, op, k, start, n);
	if (!n)
		return 0;
	if (op->type != RND_WRITE && op->type != RND_READ)
		rnd_forget_young(c);

	switch (op->type) {
	case RND_WRITE:
		return rnd_write(c, k, start, n);
	case RND_READ:
		return rnd_read(c, k, start, n);
	case RND_MIGRATE:
		return rnd_migrate(c, op, k, start, n);
	case RND_TO_SYSTEM:
		return rnd_to_system(c, op, k, start, n);
	case RND_EVICT:
		return rnd_evict(c, op->dev);
	case RND_HMM:
		return rnd_hmm(c, op, k, start, n);
	case RND_FORK:
		return rnd_fork(c, k);
	default:
		return rnd_vm_op(c, op, k, start, n);
	}
}

static int rnd_start(struct rnd_ctx *c)
{
	struct mm_struct *mm = dmk_mm_new();
	unsigned int i;

	if (!mm)
		return rnd_fail(c, "mm_alloc failed");
	c->mms[0].mm = mm;
	c->nr_mm = 1;
	rnd_use(c, 0);
	c->addr = vm_mmap(NULL, 0, RND_PAGES << PAGE_SHIFT,
			  PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, 0);
	if (IS_ERR_VALUE(c->addr))
		return rnd_fail(c, "vm_mmap: %ld", (long)c->addr);
	for (i = 0; i < RND_PAGES; i++)
		c->mms[0].pg[i].state = RS_HOLE;
	return 0;
}

int rnd_run(struct rnd_env *env, const struct rnd_op *ops, unsigned int n,
	    char *why)
{
	struct rnd_ctx *c = kzalloc(sizeof(*c), GFP_KERNEL);
	int failed = -1;
	unsigned int i, x;

	if (!c)
		return 0;
	c->env = env;
	c->why = why;
	c->cur = -1;
	c->buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	c->pfns = kcalloc(RND_PAGES, sizeof(*c->pfns), GFP_KERNEL);
	if (!c->buf || !c->pfns) {
		snprintf(why, RND_MSG, "out of memory");
		failed = 0;
		goto out;
	}
	if (rnd_start(c)) {
		failed = 0;
		goto teardown;
	}
	for (i = 0; i < n; i++) {
		if (rnd_step(c, i, &ops[i]) || rnd_check(c)) {
			failed = i;
			break;
		}
	}
teardown:
	rnd_use(c, -1);
	while (c->nr_mm)
		rnd_exit_mm(c, c->nr_mm - 1);
	for (x = 0; x < 2 && failed < 0; x++) {
		struct umdevmem_stats s = dmk_stats(env->dev[x]);

		if (s.free_pages != env->base_free[x]) {
			snprintf(why, RND_MSG, "device %u leaked %lu pages after the last mm went away",
				 x, env->base_free[x] - s.free_pages);
			failed = n;
		}
	}
out:
	kfree(c->pfns);
	kfree(c->buf);
	kfree(c);
	return failed;
}
