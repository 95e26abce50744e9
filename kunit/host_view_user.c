// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem KUnit helper, host half: read the memory of a UML mm's host
 * process.  KUnit's boot runs no user process, so the host side of UML's
 * TLB sync (what it maps into that process) is checked by reading it
 * from the outside; the UML process is the stub's parent and may.
 */
#include <errno.h>
#include <sys/types.h>
#include <sys/uio.h>
#include "host_view.h"

int dmk_host_read(int pid, unsigned long addr, void *buf, unsigned long len)
{
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)addr, .iov_len = len };
	ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);

	if (n < 0)
		return -errno;
	return (unsigned long)n == len ? 0 : -EFAULT;
}
