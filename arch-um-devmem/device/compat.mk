# SPDX-License-Identifier: GPL-2.0
#
# uml-devmem: what umdevmem_compat.h cannot tell from the headers a line
# has, probed in the tree.  Included by the fake device's and the suites'
# Makefiles; sets umdevmem-huge and C macros for umdevmem_compat.h.

# hmm_range_fault_unlocked_timeout(): 7.3, not 7.2
ifneq ($(shell grep -qs hmm_range_fault_unlocked_timeout $(srctree)/include/linux/hmm.h && echo y),)
ccflags-y += -DUMDEVMEM_HAVE_HMM_UNLOCKED
endif

# Device-private PMD entries (7.x, <linux/leafops.h>): 7.3 has them with
# ARCH_HAS_PMD_SOFTLEAVES, 7.2 with ARCH_ENABLE_THP_MIGRATION.
ifneq ($(wildcard $(srctree)/include/linux/leafops.h),)
umdevmem-huge := $(or $(CONFIG_ARCH_HAS_PMD_SOFTLEAVES),$(CONFIG_ARCH_ENABLE_THP_MIGRATION))
endif
ifeq ($(umdevmem-huge),y)
ccflags-y += -DUMDEVMEM_HAVE_HUGE
endif
