# SPDX-License-Identifier: GPL-2.0
#
# uml-devmem: the runner does the work; these targets name the usual jobs.

.PHONY: run debug coverage check selftest checkpatch clean

# The suites on the default configuration (Debian's linux-source-6.12).
run:
	./run_tests.sh

debug:
	./run_tests.sh --config debug

# Instrumented build (clang-14); HTML and text report under
# work/linux-6.12/build-coverage/coverage/.
coverage:
	./run_tests.sh --config coverage

# Everything CI runs: the three configurations, deliberately broken mm code
# that the suites must catch, the tree's own default kunit run, checkpatch
# on the project's patches and kernel C, and the runner's error handling.
check:
	scripts/check.sh

selftest:
	tests/runner_selftest.sh
	tests/mutation_selftest.sh

checkpatch:
	scripts/checkpatch.sh

clean:
	rm -rf work
