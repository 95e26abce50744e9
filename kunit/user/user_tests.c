// SPDX-License-Identifier: GPL-2.0
/*
 * user_tests.c - device memory as only a user process reaches it.
 *
 * The KUnit suites drive the fake device from inside the kernel, on an
 * mm they make; these cases are a real process of the selftest boot
 * (./run_tests.sh --selftest user), with lib/test_hmm.c's devices as the
 * device: dmirror 0 is device-private, dmirror 2 device-coherent in
 * UML's device window.  Each case of the fixture runs on both:
 *
 *  - process_and_device_share_pages: after a migration to the device the
 *    process reads and writes the pages and the device reads and writes
 *    them back; on the coherent device every access stays in place, the
 *    process through its own mapping of the window page and the device
 *    through the kernel's, so each side sees the other's bytes only if
 *    UML keeps the host-side mappings of one page in sync;
 *  - fork_copies_on_write: a child forked over device entries writes its
 *    copy; the parent's bytes and the child's stay apart;
 *  - threads_fault_same_pages: threads of one process fault the same
 *    device pages at once (what hmm-tests' anon_teardown races with
 *    teardown, here with each other).
 *
 * Built statically against the tree's kselftest_harness.h and
 * lib/test_hmm_uapi.h by scripts/selftest.py.
 */
#include "kselftest_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include <lib/test_hmm_uapi.h>

#define NPAGES		64
#define NTHREADS	4

static long page_size;

static int dmirror(int fd, unsigned long request, void *addr, void *buf,
		   unsigned long npages, struct hmm_dmirror_cmd *out)
{
	struct hmm_dmirror_cmd cmd = {
		.addr = (unsigned long)addr,
		.ptr = (unsigned long)buf,
		.npages = npages,
	};

	if (ioctl(fd, request, &cmd))
		return -errno;
	if (out)
		*out = cmd;
	return 0;
}

/* Fills the @n words of each of NPAGES pages at @p with @base + index. */
static void fill(unsigned long *p, unsigned long base)
{
	unsigned long i, n = NPAGES * page_size / sizeof(*p);

	for (i = 0; i < n; i++)
		p[i] = base + i;
}

/* The first index at which @p does not hold @base + index, or -1. */
static long mismatch(const unsigned long *p, unsigned long base)
{
	unsigned long i, n = NPAGES * page_size / sizeof(*p);

	for (i = 0; i < n; i++)
		if (p[i] != base + i)
			return i;
	return -1;
}

/* How many of the NPAGES pages at @addr the snapshot reports as @want. */
static int snapshot_count(int fd, void *addr, unsigned char want)
{
	unsigned char prot[NPAGES];
	int i, n = 0;

	if (dmirror(fd, HMM_DMIRROR_SNAPSHOT, addr, prot, NPAGES, NULL))
		return -1;
	for (i = 0; i < NPAGES; i++)
		n += prot[i] == want;
	return n;
}

FIXTURE(device) {
	int fd;
	unsigned long *buf;
	unsigned long *mirror;
	unsigned char on_device;	/* what a snapshot says of a device page */
	/*
	 * ... and of one the process has touched since: a device-private
	 * page is back in system memory, a coherent one is still the device's
	 */
	unsigned char touched;
};

FIXTURE_VARIANT(device) {
	int unit;
	bool coherent;
};

FIXTURE_VARIANT_ADD(device, private) {
	.unit = 0,
	.coherent = false,
};

FIXTURE_VARIANT_ADD(device, coherent) {
	.unit = 2,
	.coherent = true,
};

FIXTURE_SETUP(device)
{
	char path[64];

	page_size = sysconf(_SC_PAGESIZE);
	snprintf(path, sizeof(path), "/dev/hmm_dmirror%d", variant->unit);
	self->fd = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_GE(self->fd, 0) TH_LOG("open %s: %s", path, strerror(errno));
	self->buf = mmap(NULL, NPAGES * page_size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(self->buf, MAP_FAILED);
	self->mirror = malloc(NPAGES * page_size);
	ASSERT_NE(self->mirror, NULL);
	self->on_device = HMM_DMIRROR_PROT_WRITE |
		(variant->coherent ? HMM_DMIRROR_PROT_DEV_COHERENT_LOCAL :
				     HMM_DMIRROR_PROT_DEV_PRIVATE_LOCAL);
	self->touched = variant->coherent ? self->on_device :
					    HMM_DMIRROR_PROT_WRITE;
}

FIXTURE_TEARDOWN(device)
{
	free(self->mirror);
	munmap(self->buf, NPAGES * page_size);
	close(self->fd);
}

/*
 * Fills the buffer with @base + index and migrates all of it to the
 * device, which copies what it then holds into the mirror buffer: that
 * must be the same bytes.
 */
static int to_device(int fd, unsigned long *buf, unsigned long *mirror,
		     unsigned long base)
{
	struct hmm_dmirror_cmd cmd = { 0 };
	int ret;

	fill(buf, base);
	memset(mirror, 0, NPAGES * page_size);
	ret = dmirror(fd, HMM_DMIRROR_MIGRATE_TO_DEV, buf, mirror, NPAGES,
		      &cmd);
	if (ret)
		return ret;
	if (cmd.cpages != NPAGES)
		return -EAGAIN;
	return mismatch(mirror, base) == -1 ? 0 : -EIO;
}

TEST_F(device, process_and_device_share_pages)
{
	ASSERT_EQ(to_device(self->fd, self->buf, self->mirror, 0), 0);
	ASSERT_EQ(snapshot_count(self->fd, self->buf, self->on_device), NPAGES);

	/* The process reads what it wrote before the migration ... */
	ASSERT_EQ(mismatch(self->buf, 0), -1);
	/*
	 * ... a device-private page came back to system memory for it, a
	 * coherent one is read where it is.
	 */
	ASSERT_EQ(snapshot_count(self->fd, self->buf, self->touched), NPAGES);

	/* Back to the device; the process writes, the device reads. */
	ASSERT_EQ(to_device(self->fd, self->buf, self->mirror, 0), 0);
	fill(self->buf, 1000);
	ASSERT_EQ(snapshot_count(self->fd, self->buf, self->touched), NPAGES);
	ASSERT_EQ(dmirror(self->fd, HMM_DMIRROR_READ, self->buf, self->mirror,
			  NPAGES, NULL), 0);
	ASSERT_EQ(mismatch(self->mirror, 1000), -1);

	/* The device writes them; the process reads the device's bytes. */
	fill(self->mirror, 2000);
	ASSERT_EQ(dmirror(self->fd, HMM_DMIRROR_WRITE, self->buf, self->mirror,
			  NPAGES, NULL), 0);
	ASSERT_EQ(mismatch(self->buf, 2000), -1);
	ASSERT_EQ(snapshot_count(self->fd, self->buf, self->touched), NPAGES);
}

TEST_F(device, fork_copies_on_write)
{
	int status, to_parent[2], to_child[2];
	pid_t pid;
	char c;

	ASSERT_EQ(to_device(self->fd, self->buf, self->mirror, 0), 0);
	ASSERT_EQ(pipe(to_parent), 0);
	ASSERT_EQ(pipe(to_child), 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		/* A parent that dies ends the child's wait: only its ends open. */
		close(to_parent[0]);
		close(to_child[1]);
		/* Reads the device's pages, writes its own copy, says so. */
		if (mismatch(self->buf, 0) != -1)
			_exit(1);
		fill(self->buf, 5000);
		if (mismatch(self->buf, 5000) != -1)
			_exit(2);
		if (write(to_parent[1], "w", 1) != 1)
			_exit(3);
		/* Holds its copy until the parent has written its own. */
		if (read(to_child[0], &c, 1) != 1)
			_exit(4);
		_exit(mismatch(self->buf, 5000) == -1 ? 0 : 5);
	}
	close(to_parent[1]);
	close(to_child[0]);
	ASSERT_EQ(read(to_parent[0], &c, 1), 1);
	/* The child's writes are its own. */
	ASSERT_EQ(mismatch(self->buf, 0), -1);
	fill(self->buf, 7000);
	ASSERT_EQ(write(to_child[1], "p", 1), 1);
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(WEXITSTATUS(status), 0);
	ASSERT_EQ(mismatch(self->buf, 7000), -1);
	close(to_parent[0]);
	close(to_child[1]);
}

struct reader {
	const unsigned long *buf;
	unsigned long first;	/* the page each thread starts at */
	long bad;		/* the index that held a wrong word, or -1 */
};

static void *read_all(void *arg)
{
	struct reader *r = arg;
	unsigned long words = page_size / sizeof(*r->buf);
	unsigned long k, i;

	r->bad = -1;
	for (k = 0; k < NPAGES; k++) {
		unsigned long page = (r->first + k) % NPAGES;

		for (i = page * words; i < (page + 1) * words; i++) {
			if (r->buf[i] != 3000 + i) {
				r->bad = i;
				return NULL;
			}
		}
	}
	return NULL;
}

TEST_F(device, threads_fault_same_pages)
{
	struct reader r[NTHREADS];
	pthread_t t[NTHREADS];
	int i;

	ASSERT_EQ(to_device(self->fd, self->buf, self->mirror, 3000), 0);
	for (i = 0; i < NTHREADS; i++) {
		r[i].buf = self->buf;
		r[i].first = i % 2 ? 0 : NPAGES / 2;
		ASSERT_EQ(pthread_create(&t[i], NULL, read_all, &r[i]), 0);
	}
	for (i = 0; i < NTHREADS; i++) {
		ASSERT_EQ(pthread_join(t[i], NULL), 0);
		EXPECT_EQ(r[i].bad, -1);
	}
	ASSERT_EQ(snapshot_count(self->fd, self->buf, self->touched), NPAGES);
}

TEST_HARNESS_MAIN
