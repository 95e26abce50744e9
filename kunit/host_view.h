/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uml-devmem KUnit helper shared by both halves: what the host process of
 * a UML mm (its stub) holds at an address.
 */
#ifndef __DMK_HOST_VIEW_H
#define __DMK_HOST_VIEW_H

/*
 * Read @len bytes at @addr of host process @pid with process_vm_readv():
 * 0, or -errno (-EFAULT where the host maps nothing readable).
 */
int dmk_host_read(int pid, unsigned long addr, void *buf, unsigned long len);

#endif /* __DMK_HOST_VIEW_H */
