# SPDX-License-Identifier: GPL-2.0
#
# What the benchmark scripts share: timestamps and the median of a column.
# Sourced by scripts/bench_loop.sh and scripts/bench_selftest.sh.

now() { date +%s.%N; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
