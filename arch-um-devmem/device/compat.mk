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

# KUnit's deferred calls, kunit_get_current_test() and kunit_vm_mmap():
# 6.12 has them, 6.1 not (kunit/dmk_kunit_compat.h stands in for them).
ifneq ($(shell grep -qs kunit_add_action_or_reset $(srctree)/include/kunit/resource.h && echo y),)
ccflags-y += -DUMDEVMEM_HAVE_KUNIT_ACTIONS
endif
ifneq ($(shell grep -qs kunit_get_current_test $(srctree)/include/kunit/test-bug.h && echo y),)
ccflags-y += -DUMDEVMEM_HAVE_KUNIT_CURRENT
endif
ifneq ($(shell grep -qs kunit_vm_mmap $(srctree)/include/kunit/test.h && echo y),)
ccflags-y += -DUMDEVMEM_HAVE_KUNIT_VM_MMAP
endif

# mm API older than 6.12's (6.1): umdevmem_compat.h fills it in.
umdevmem-probe = $(shell $(1) >/dev/null 2>&1 && echo y)
ifneq ($(call umdevmem-probe,grep -q 'void vm_flags_set' $(srctree)/include/linux/mm.h),)
ccflags-y += -DUMDEVMEM_HAVE_VM_FLAGS_SET
endif
ifneq ($(call umdevmem-probe,grep -q pmdp_get $(srctree)/include/linux/pgtable.h),)
ccflags-y += -DUMDEVMEM_HAVE_PMDP_GET
endif
ifneq ($(call umdevmem-probe,grep -A2 '^long get_user_pages.unsigned' $(srctree)/include/linux/mm.h | grep -q vmas),)
ccflags-y += -DUMDEVMEM_GUP_VMAS
endif
ifneq ($(call umdevmem-probe,grep -q '^int folio_isolate_lru' $(srctree)/mm/internal.h),)
ccflags-y += -DUMDEVMEM_ISOLATE_LRU_INT
endif
ifneq ($(call umdevmem-probe,grep -q '^.ifndef pmd_dirty' $(srctree)/include/linux/pgtable.h),)
ccflags-y += -DUMDEVMEM_HAVE_PMD_DIRTY_FALLBACK
endif
ifneq ($(call umdevmem-probe,grep -q 'struct percpu_counter rss_stat' $(srctree)/include/linux/mm_types.h),)
ccflags-y += -DUMDEVMEM_HAVE_PERCPU_RSS
endif
