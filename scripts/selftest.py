#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""selftest.py: run kselftest-harness programs in a UML boot.

usage: selftest.py NAME... --build DIR --src DIR --out DIR [--name N]
                   [--filter GLOBS] [--arg ARG]... [--case-timeout S]
                   [--jobs J]

NAME: hmm, the tree's own tools/testing/selftests/mm/hmm-tests against
its lib/test_hmm.c (built into the kernel by configs/selftest.kunitconfig),
built with the tree's own Makefile; user, this project's
kunit/user/user_tests.c against the same devices, built with the tree's
kselftest_harness.h.  Each is linked statically against the tree's uapi
headers (make headers, ARCH=x86, in OUT/../selftest-headers) and runs in
a boot of its own; the root file system is OUT/../selftest-root on
hostfs, with the static init of scripts/selftest/init.c, which runs the
program with its output going straight to a host file.  Each result
line is shown as it comes.  With --jobs J, J boots run at once, each
with every J-th case (-r for each), so that the slow cases spread out.

GLOBS: FIXTURE.VARIANT.TEST globs, comma-separated; one that begins
with '-' leaves the cases it matches out ('*,-*.benchmark_*').

A boot that stops before every case has a result (a panic, or no line
for --case-timeout seconds, by default 10 s more than the harness's own
timeout of the case and at least 20: the case that was running hangs,
and the whole UML process group is killed) records the running case as
crashed with the reason and runs the cases after it in a fresh boot (-r
for each), until every case has a verdict.  The TAP output is parsed by the
tree's tools/testing/kunit/kunit_parser.py.

Writes OUT/N.json (kunit.py's JSON layout, every case of every program),
OUT/N.log (the first boot's console), OUT/N-K.log (later boots'), OUT/N.tap
and OUT/N-K.tap (the programs' output), and ends with 'selftest.py: P passed, F failed, S skipped'.  Exit status 0
if no case failed or crashed, 1 if one did, 2 if the test cannot be
built here (the message says why and what to install).
"""
import argparse
import concurrent.futures
import fnmatch
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import boot  # noqa: E402  (parse, write_json, tally, crashed_entry)

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# name: (selftest directory, program, kernel arguments of the boot).
# hmm: test_hmm's device-coherent devices (dmirror 2 and 3) take their
# memory at a fixed physical address; devwindow=SIZE@START (arch-um-devmem:
# "um: devwindow= takes the physical address of the window") puts UML's
# device window there, above the 1 GiB of RAM (and what UML adds to it).
COHERENT = ["devwindow=512M@0x80000000",
            "test_hmm.spm_addr_dev0=0x80000000",
            "test_hmm.spm_addr_dev1=0x90000000"]


class Selftest:
    """@prog from the tree's tools/testing/selftests/@subdir (built by its
    own Makefile) or from @source in this project (built here against the
    tree's kselftest_harness.h and uapi headers)."""

    def __init__(self, prog, args, subdir=None, source=None):
        self.prog, self.args = prog, args
        self.subdir, self.source = subdir, source
        self.timeouts = {}	# harness_timeouts() of its source

    def c_file(self, src):
        if self.source:
            return os.path.join(TOP, self.source)
        return os.path.join(src, "tools", "testing", "selftests",
                            self.subdir, self.prog + ".c")


SELFTESTS = {
    "hmm": Selftest("hmm-tests", COHERENT, subdir="mm"),
    "user": Selftest("user-tests", COHERENT, source="kunit/user/user_tests.c"),
}
RESULT = re.compile(r"^(not )?ok \d+ (\S+)")
HARNESS_TIMEOUT = 30	# kselftest_harness.h's TEST_TIMEOUT_DEFAULT
RUNNING = re.compile(r"^#\s+RUN\s+(\S+) \.\.\.")


def fail_setup(msg, *hints):
    print("selftest.py: error: " + msg, file=sys.stderr)
    for h in hints:
        print("    " + h, file=sys.stderr)
    sys.exit(2)


def run(cmd, what, **kw):
    """Run @cmd quietly; on failure show its output and return False."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, errors="replace", **kw)
    if p.returncode:
        print(p.stdout[-4000:], file=sys.stderr)
        print("selftest.py: %s failed (exit %d): %s" %
              (what, p.returncode, " ".join(cmd)), file=sys.stderr)
        return False
    return True


def build_init(root):
    init = os.path.join(root, "init")
    src = os.path.join(TOP, "scripts", "selftest", "init.c")
    if os.path.exists(init) and os.path.getmtime(init) >= os.path.getmtime(src):
        return
    if not shutil.which("gcc"):
        fail_setup("no gcc", "apt-get install gcc")
    if not run(["gcc", "-static", "-O2", "-Wall", "-o", init, src],
               "linking the init statically"):
        fail_setup("cannot link a static program",
                   "the static C library is in libc6-dev: apt-get install libc6-dev")


def clean_env():
    return {k: v for k, v in os.environ.items()
            if k not in ("ARCH", "O", "KBUILD_OUTPUT", "MAKEFLAGS")}


def up_to_date(out, inputs):
    """Whether @out exists and is newer than every one of @inputs."""
    try:
        t = os.path.getmtime(out)
        return all(os.path.getmtime(i) < t for i in inputs)
    except OSError:
        return False


def build_headers(opts, work):
    """The tree's uapi headers (UML exports none: x86's, as its user space
    is x86-64's), once per run; returns their stamp file or None."""
    hdr = os.path.join(work, "selftest-headers")
    os.makedirs(hdr, exist_ok=True)
    print("[%s] uapi headers of the tree" % time.strftime("%H:%M:%S"),
          flush=True)
    if not run(["make", "-s", "-C", opts.src, "O=" + hdr, "ARCH=x86",
                "headers"], "make headers", env=clean_env()):
        return None
    return os.path.join(hdr, "usr", "include", "linux", "version.h")


def build_test(opts, test, work, root):
    """@test, static, against the tree's own uapi headers."""
    prog = test.prog
    if not os.path.exists(test.c_file(opts.src)):
        fail_setup("this tree has no %s" % test.c_file(opts.src),
                   "hmm-tests came with Linux 5.9; use a tree that has it "
                   "(6.12, 7.x)")
    bindir = os.path.join(work, "selftest-bin")
    os.makedirs(bindir, exist_ok=True)
    print("[%s] %s" % (time.strftime("%H:%M:%S"), prog), flush=True)
    out = os.path.join(bindir, prog)
    include = os.path.join(work, "selftest-headers", "usr", "include")
    if not test.subdir and up_to_date(out, [test.c_file(opts.src),
                                            opts.headers_stamp]):
        cmd = None
    elif test.subdir:
        cmd = ["make", "-s", "-C", os.path.dirname(test.c_file(opts.src)),
               "OUTPUT=" + bindir, "KHDR_INCLUDES=-isystem " + include,
               "LDFLAGS=-static", out]
    else:
        cmd = ["gcc", "-static", "-O2", "-Wall", "-I",
               os.path.join(opts.src, "tools", "testing", "selftests"),
               "-I", opts.src, "-isystem", include, test.c_file(opts.src),
               "-lpthread", "-o", out]
    if cmd and not run(cmd, "building " + prog, env=clean_env()):
        return None
    shutil.copy2(out, os.path.join(root, prog))
    return os.path.join(root, prog)


def list_cases(binary):
    """FIXTURE.VARIANT.TEST of every case, in the order the harness runs
    them, from the harness's own listing (-l, run on the host: it only
    prints)."""
    p = subprocess.run([binary, "-l"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True,
                       errors="replace")
    lines = p.stdout.splitlines()
    head = next((ln for ln in lines if ln.startswith("# FIXTURE")), None)
    if head is None:
        return []
    vcol, tcol = head.index("VARIANT"), head.index("TEST")
    blocks, cur = [], None
    for ln in lines[lines.index(head) + 1:]:
        if ln.startswith("-----"):
            cur = None
            continue
        if ln.startswith("#"):	# what the test's constructors print
            continue
        fixture, variant, test = (ln[:vcol].strip(), ln[vcol:tcol].strip(),
                                  ln[tcol:].strip())
        if fixture:
            cur = [fixture, [], []]
            blocks.append(cur)
        if cur is None:
            continue
        if variant:
            cur[1].append(variant)
        if test:
            cur[2].append(test)
    cases = []
    for fixture, variants, tests in blocks:
        for v in variants or [""]:
            for t in tests:
                cases.append(".".join(x for x in (fixture, v, t) if x))
    return cases


def harness_timeouts(source):
    """{test: seconds} of the TEST_F_TIMEOUT()s in @source: the harness
    kills a case after its own timeout, so the boot waits longer."""
    with open(source, errors="replace") as f:
        text = f.read()
    return {m.group(1): int(m.group(2)) for m in re.finditer(
        r"TEST_F_TIMEOUT\(\s*\w+\s*,\s*(\w+)\s*,\s*(\d+)\s*\)", text)}


def selected(case, spec):
    """@spec: comma-separated globs; the case runs if it matches one that
    does not begin with '-' (none: all) and none of those that do."""
    globs = [g for g in spec.split(",") if g]
    plus = [g for g in globs if not g.startswith("-")] or ["*"]
    minus = [g[1:] for g in globs if g.startswith("-")]
    return any(fnmatch.fnmatchcase(case, g) for g in plus) and \
        not any(fnmatch.fnmatchcase(case, g) for g in minus)


class SelftestBoot:
    """One boot running @cases (None: all); lines() yields the output
    file's lines as they come."""

    def __init__(self, opts, root, test, cases, log, tap, k):
        self.tap = tap
        cmd = self.command = os.path.join(root, "command-%d" % k)
        with open(cmd, "w") as f:
            f.write("/" + test.prog + "\n")
            for c in cases or []:
                f.write("-r\n%s\n" % c)
        rel = os.path.relpath(tap, root)
        self.cmd = [os.path.join(opts.build, "linux"), "mem=1G",
                    "console=tty", "kunit.enable=0", "root=/dev/root",
                    "rootfstype=hostfs", "rootflags=" + root, "rw",
                    "init=/init"] + test.args + opts.arg + \
            ["--", "/" + rel, "/" + os.path.basename(cmd)]
        self.log = log
        self.case_timeout = opts.case_timeout
        self.timeouts = test.timeouts
        self.timeout = opts.case_timeout
        self.hung = None

    def wait_for(self, case):
        """Seconds without a line after which @case (None: the boot
        before the first case) has hung."""
        if case is None:
            return max(20, self.case_timeout)
        if self.case_timeout:
            return self.case_timeout
        test = case.rsplit(".", 1)[-1]
        return max(20, self.timeouts.get(test, HARNESS_TIMEOUT) + 10)

    def lines(self):
        if os.path.exists(self.tap):
            os.unlink(self.tap)
        with open(self.log, "w") as log:
            proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL,
                                    stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True)
            pos, partial, running = 0, "", None
            self.timeout = self.wait_for(None)
            deadline = time.monotonic() + self.timeout
            while True:
                alive = proc.poll() is None
                if os.path.exists(self.tap):
                    with open(self.tap, errors="replace") as f:
                        f.seek(pos)
                        chunk = f.read()
                        pos = f.tell()
                    partial += chunk
                    *done, partial = partial.split("\n")
                    for ln in done:
                        m = RUNNING.match(ln)
                        if m:
                            running = m.group(1)
                            self.timeout = self.wait_for(running)
                            deadline = time.monotonic() + self.timeout
                        if RESULT.match(ln):
                            running = None
                        yield ln + "\n"
                if not alive:
                    break
                if time.monotonic() > deadline:
                    self.hung = running or "(before the first case)"
                    log.write("selftest.py: no result for %d s while %s "
                              "ran: killed\n" % (self.timeout, self.hung))
                    try:
                        os.killpg(proc.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    proc.wait()
                    break
                time.sleep(0.1)
            if partial:
                yield partial + "\n"

    def reason(self):
        if self.hung:
            return "hung: no result for %d s, the boot was killed" % \
                self.timeout
        why = boot.stop_line(self.log)
        return "crashed: the kernel stopped in this case (%s)" % why if why \
            else "crashed: the boot ended in this case"


def collect(root, results):
    for t in root.subtests:
        if t.name and t.status.name in ("SUCCESS", "FAILURE", "SKIPPED"):
            entry = boot.case_json(t)
            entry["name"] = t.name.split(".", 1)[1]
            results[t.name] = entry


def run_test(opts, test, work, root, results, k):
    """Boots until every selected case of @test has a verdict in
    @results (up to --jobs boots at a time, each with a share of the
    cases); returns its cases in order.  @k counts the boots."""
    prog = test.prog
    binary = build_test(opts, test, work, root)
    if binary is None:
        results[prog + ".build"] = {"name": "build", "status": "FAIL",
                                    "log": "%s did not build" % prog}
        return [prog + ".build"]
    test.timeouts = harness_timeouts(test.c_file(opts.src))
    order = [c for c in list_cases(binary) if selected(c, opts.filter)]
    if not order:
        print("selftest.py: %s lists no case%s" %
              (prog, "" if opts.filter == "*" else
               " matching --filter '%s'" % opts.filter), file=sys.stderr)
        return []
    jobs = max(1, min(opts.jobs, len(order)))
    print("[%s] %s: %d cases%s" % (time.strftime("%H:%M:%S"), prog,
                                   len(order), "" if jobs == 1 else
                                   ", in %d boots at a time" % jobs),
          flush=True)
    if jobs == 1:
        run_cases(opts, root, test, order, None if opts.filter == "*"
                  else order, results, k)
    else:
        # every jobs-th case to each boot: the slow ones spread out
        with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
            for f in [pool.submit(run_cases, opts, root, test, order[i::jobs],
                                  order[i::jobs], results, k)
                      for i in range(jobs)]:
                f.result()
    return order


def run_cases(opts, root, test, order, todo, results, k):
    """Boots until every case of @order has a verdict in @results, the
    first boot running @todo (None: the program's every case)."""
    while True:
        b, lines = run_boot(opts, root, test, todo, k.next())
        collect(boot.parse(lines, quiet=True), results)
        missing = [c for c in order if c not in results]
        if not missing:
            break
        first = missing[0]
        if not any(RUNNING.match(ln) and RUNNING.match(ln).group(1) == first
                   for ln in lines):
            # Not a case of its own: the boot or the test's start failed.
            why = "the boot ended before this case began (%s, %s)" % \
                (b.log, b.tap)
            for c in missing:
                results[c] = boot.crashed_entry(c, why)
            print("selftest.py: %s; the last lines:\n%s" %
                  (why, "".join(lines[-5:])), file=sys.stderr)
            break
        results[first] = boot.crashed_entry(first, b.reason())
        print("[%s] %s: %s" % (time.strftime("%H:%M:%S"), first,
                                results[first]["log"]), flush=True)
        todo = missing[1:]
        if not todo:
            break
        print("[%s] again in a fresh boot: the %d cases after it" %
              (time.strftime("%H:%M:%S"), len(todo)), flush=True)


class Counter:
    """Numbers of boots, 1, 2, ..., from any thread."""

    def __init__(self):
        self.n = 0
        self.lock = threading.Lock()

    def next(self):
        with self.lock:
            self.n += 1
            return self.n


def run_boot(opts, root, test, cases, k):
    suffix = "" if k == 1 else "-%d" % k
    b = SelftestBoot(opts, root, test, cases,
                     os.path.join(opts.out, opts.name + suffix + ".log"),
                     os.path.join(root, "output-%d" % k), k)
    lines = []
    for ln in b.lines():
        lines.append(ln)
        if RESULT.match(ln) or ln.startswith("init:"):
            print("[%s] %s" % (time.strftime("%H:%M:%S"), ln.rstrip()),
                  flush=True)
    b.tap = os.path.join(opts.out, opts.name + suffix + ".tap")
    with open(b.tap, "w") as f:
        f.writelines(lines)
    for f in (b.command, os.path.join(root, "output-%d" % k)):
        if os.path.exists(f):
            os.unlink(f)
    return b, lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("tests", nargs="+", choices=sorted(SELFTESTS))
    ap.add_argument("--build", required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--name", default="1")
    ap.add_argument("--filter", default="*")
    ap.add_argument("--arg", action="append", default=[])
    ap.add_argument("--case-timeout", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=1)
    opts = ap.parse_args()
    opts.out = os.path.abspath(opts.out)
    boot.load_parser(opts.src)
    os.makedirs(opts.out, exist_ok=True)
    work = os.path.dirname(opts.out)
    root = os.path.join(work, "selftest-root")
    for d in ("proc", "sys", "dev", "tmp"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    build_init(root)
    opts.headers_stamp = build_headers(opts, work)
    if opts.headers_stamp is None:
        print("selftest.py: 0 passed, 1 failed, 0 skipped "
              "(the tree's uapi headers did not build)")
        return 1
    order, results, k = [], {}, Counter()
    for name in opts.tests:
        order += run_test(opts, SELFTESTS[name], work, root, results, k)
    if not order:
        print("selftest.py: 0 passed, 1 failed, 0 skipped")
        return 1
    boot.write_json(os.path.join(opts.out, opts.name + ".json"), order,
                    results)
    for c in order:
        if results[c].get("status") in ("FAIL", "ERROR"):
            print("selftest.py: %s: %s" % (c, "failed" if
                  results[c]["status"] == "FAIL" else results[c]["log"]))
    return boot.summary("selftest.py", results)


if __name__ == "__main__":
    sys.exit(main())
