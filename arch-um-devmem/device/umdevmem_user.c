// SPDX-License-Identifier: GPL-2.0
/*
 * uml-devmem host half: the device's RAM is a memfd in the host, mapped
 * into the UML process, and its "DMA engine" is memcpy() on the host side.
 * This file sees only libc; see devmem_user.h for the interface.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "umdevmem_user.h"

static int close_with_errno(int fd)
{
	int err = errno;

	close(fd);
	return -err;
}

int umdevmem_host_map(const char *name, unsigned long size, void **base)
{
	void *p;
	int fd;

	fd = memfd_create(name, MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, size) < 0)
		return close_with_errno(fd);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return close_with_errno(fd);
	*base = p;
	return fd;
}

int umdevmem_host_attach(int fd, unsigned long long off, unsigned long size,
			 void **base)
{
	void *p;

	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);
	if (p == MAP_FAILED)
		return -errno;
	*base = p;
	return 0;
}

void umdevmem_host_unmap(int fd, void *base, unsigned long size)
{
	munmap(base, size);
	if (fd >= 0)
		close(fd);
}

void *umdevmem_host_addr(void *base, unsigned long off)
{
	return (char *)base + off;
}

int umdevmem_host_copy(void *base, unsigned long size, int to_dev,
		       const struct umdevmem_xfer *xfer, unsigned int n,
		       unsigned long len)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (xfer[i].dev_off > size || size - xfer[i].dev_off < len)
			return -EINVAL;

	for (i = 0; i < n; i++) {
		char *dev = (char *)base + xfer[i].dev_off;

		if (!to_dev)
			memcpy(xfer[i].sys, dev, len);
		else if (xfer[i].sys)
			memcpy(dev, xfer[i].sys, len);
		else
			memset(dev, 0, len);
	}
	return n;
}
