/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uml-devmem: the line between the kernel half and the host half.
 *
 * Only plain C types cross it.  The host half owns the memory that plays
 * the device's RAM: a memfd mapped into the UML process, or for a coherent
 * device a second mapping of the file behind UML's device window.  The kernel half
 * treats the returned base as an opaque cookie and names device pages by
 * their byte offset from it.
 */
#ifndef __UMDEVMEM_USER_H
#define __UMDEVMEM_USER_H

/* One page of a DMA batch: @sys is a kernel address or NULL (zero-fill). */
struct umdevmem_xfer {
	void *sys;
	unsigned long dev_off;
};

/* Create and map @size bytes of device memory; returns an fd or -errno. */
int umdevmem_host_map(const char *name, unsigned long size, void **base);
/*
 * Map @size bytes of an existing file from @off as device memory (a
 * coherent device's part of UML's device window); returns 0 or -errno.
 */
int umdevmem_host_attach(int fd, unsigned long long off, unsigned long size,
			 void **base);
/* Unmap @base; close @fd unless it is negative (an attached file). */
void umdevmem_host_unmap(int fd, void *base, unsigned long size);

/* The host address of device offset @off, to use as a peer's @sys. */
void *umdevmem_host_addr(void *base, unsigned long off);

/*
 * Run one DMA batch of @n transfers of @len bytes each, into the device
 * (@to_dev != 0) or out of it.  Returns @n, or -errno if the batch is
 * malformed (an offset outside the device).
 */
int umdevmem_host_copy(void *base, unsigned long size, int to_dev,
		       const struct umdevmem_xfer *xfer, unsigned int n,
		       unsigned long len);

#endif /* __UMDEVMEM_USER_H */
