#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""build.py: bring the UML kernel of a configured build directory up to
date, doing only what changed.

usage: build.py --src SRC --build BUILD [--jobs N] [--make-opt OPT]...
                [--why]

The kernel is the one 'make all' would build (kunit.py run builds that
too, with compile_commands.json).  It gets there one of three ways:

  - nothing under SRC (or the project directories linked into it) is
    newer than the last build: nothing runs;
  - only C files changed that are objects of a built-in archive: each is
    compiled with the command kbuild recorded in its .cmd file and the
    .cmd rewritten by fixdep, as kbuild does; the thin archives that name
    it are marked current (their contents are the same paths); then
    kbuild's own rules link the kernel without walking every directory
    ('make -o .', the build of '.' taken as done);
  - anything else (a header, a Makefile, Kconfig, a new or removed file,
    other make options, a .config written since): make, with a progress
    line every 15 s.

After the second way, a plain make finds nothing to do: the self-test
scripts/bench_loop.sh --check shows it.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

STAMP = ".uml-devmem-build"
PROJECT_LINKS = ("arch/um/drivers/devmem", "arch/um/drivers/devmem-kunit")
STEP = re.compile(r"^\s+([A-Z][A-Z0-9_-]*)\s+(\S+)")


def say(msg):
    print("    " + msg, flush=True)


def newer(path, stamp):
    """Whether @path was written after @stamp."""
    try:
        return os.path.getmtime(path) > os.path.getmtime(stamp)
    except OSError:
        return False


def changed_files(src, stamp):
    """Paths (relative to @src) newer than @stamp, directories included;
    not the selftests, which the kernel's build never reads and whose
    Makefiles write into the tree (scripts/selftest.py builds them)."""
    out = subprocess.run(["find", ".", "(", "-path", "./.git", "-o",
                          "-path", "./tools/testing/selftests", ")",
                          "-prune", "-o", "-newer", stamp, "-print"],
                         cwd=src,
                         capture_output=True, text=True, check=True).stdout
    found = [p[2:] for p in out.split("\n") if p.startswith("./")]
    for link in PROJECT_LINKS:
        if not os.path.isdir(os.path.join(src, link)):
            continue
        out = subprocess.run(["find", "-L", link, "-newer", stamp, "-print"],
                             cwd=src, capture_output=True, text=True,
                             check=True).stdout
        found += [p for p in out.split("\n") if p]
    return found


def saved_command(build, obj):
    """kbuild's recorded command for @obj and its .cmd file, or None."""
    d, base = os.path.split(obj)
    cmd_file = os.path.join(build, d, "." + base + ".cmd")
    try:
        with open(cmd_file) as f:
            for line in f:
                if line.startswith("savedcmd_%s := " % obj):
                    return line.split(" := ", 1)[1].rstrip("\n"), cmd_file
    except OSError:
        pass
    return None


def archive_members(build, d):
    """The paths a thin built-in.a of @build names (relative to @build)."""
    path = os.path.join(d, "built-in.a")
    if not os.path.exists(os.path.join(build, path)):
        return set()
    out = subprocess.run(["ar", "t", path], cwd=build, capture_output=True,
                         text=True).stdout
    return set(out.split())


def direct_plan(src, build, changed):
    """[(obj, command, cmd_file)] when every change is a built-in C object
    of @build, else None (and why)."""
    plan = []
    for path in changed:
        full = os.path.join(src, path)
        if os.path.isdir(full):
            return None, "directory %s changed" % path
        if not path.endswith(".c"):
            return None, "%s is not a C file" % path
        obj = path[:-2] + ".o"
        saved = saved_command(build, obj)
        if not saved or not os.path.exists(os.path.join(build, obj)):
            return None, "%s has no object yet" % path
        d = os.path.dirname(obj)
        if obj not in archive_members(build, d):
            return None, "%s is not in %s/built-in.a" % (obj, d or ".")
        plan.append((obj, saved[0], saved[1]))
    return plan, ""


def unescape(make_cmd):
    """The shell command of a .cmd file's make-escaped savedcmd."""
    return make_cmd.replace("$(pound)", "#").replace("$$", "$")


def compile_direct(build, plan):
    for obj, make_cmd, cmd_file in plan:
        say("CC " + obj)
        cmd = unescape(make_cmd)
        if subprocess.run(["sh", "-c", cmd], cwd=build).returncode:
            return False
        dep = re.search(r"-Wp,-MMD,(\S+)", cmd)
        if dep:
            with open(cmd_file + ".tmp", "w") as out:
                if subprocess.run(["./scripts/basic/fixdep", dep.group(1), obj,
                                   make_cmd], cwd=build, stdout=out).returncode:
                    return False
            os.remove(os.path.join(build, dep.group(1)))
            os.replace(cmd_file + ".tmp", cmd_file)
        # the thin archives up to the top name the same paths: current
        d = os.path.dirname(obj)
        while True:
            archive = os.path.join(build, d, "built-in.a")
            if os.path.exists(archive):
                os.utime(archive)
            if not d:
                break
            d = os.path.dirname(d)
    os.utime(os.path.join(build, "vmlinux.a"))
    return True


def run_make(argv, log_name, build):
    """make with a progress line every 15 s; its output on failure."""
    start = last = time.monotonic()
    steps, tail = 0, []
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True,
                            errors="replace")
    with open(os.path.join(build, log_name), "w") as log:
        for line in proc.stdout:
            log.write(line)
            tail = (tail + [line])[-60:]
            m = STEP.match(line)
            if m and m.group(1) in ("CC", "AS", "LD", "AR", "HOSTCC",
                                    "USERCC"):
                steps += 1
                now = time.monotonic()
                if now - last >= 15:
                    last = now
                    say("building: %d steps in %d s, now %s" %
                        (steps, now - start, m.group(2)))
    if proc.wait():
        sys.stdout.write("".join(tail))
        say("make failed (exit %d); whole output in %s/%s" %
            (proc.returncode, build, log_name))
        return False
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--src", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--make-opt", action="append", default=[])
    ap.add_argument("--why", action="store_true",
                    help="say which way the build went and why")
    ap.add_argument("--configured", action="store_true",
                    help="a changed Kconfig file is taken care of")
    opts = ap.parse_args()
    src, build = os.path.abspath(opts.src), os.path.abspath(opts.build)
    stamp = os.path.join(build, STAMP)
    begun = stamp + ".new"
    with open(begun, "w") as f:
        json.dump({"make_options": opts.make_opt}, f)

    way, why, plan = "make", "no earlier build by build.py", None
    try:
        with open(stamp) as f:
            same = json.load(f).get("make_options") == opts.make_opt
    except (OSError, ValueError):
        same = None
    if same is False:
        why = "other make options"
    elif same and newer(os.path.join(build, ".config"), stamp):
        why = "the configuration changed"
    elif same and os.path.exists(os.path.join(build, "linux")):
        changed = changed_files(src, stamp)
        kconfig = [p for p in changed
                   if os.path.basename(p).startswith("Kconfig")]
        if kconfig and not opts.configured:
            say("%s changed: the configuration first" % kconfig[0])
            os.remove(begun)
            return 3
        if not changed:
            way, why = "none", "nothing changed"
        else:
            plan, why = direct_plan(src, build, changed)
            if plan is not None:
                way, why = "direct", "%d C file(s) changed" % len(plan)
    if opts.why:
        say("build: %s (%s)" % (way, why))

    ok = True
    if way == "direct":
        ok = compile_direct(build, plan) and run_make(
            ["make", "--no-print-directory", "-C", build, "-f",
             os.path.join(src, "Makefile"), "-o", ".", "ARCH=um",
             "--jobs=%d" % opts.jobs] + opts.make_opt + ["all"],
            "build-direct.log", build)
    elif way == "make":
        ok = run_make(["make", "-C", src, "ARCH=um", "O=" + build,
                       "--jobs=%d" % opts.jobs] + opts.make_opt +
                      ["all", "compile_commands.json"], "build.log", build)
    if not ok:
        os.remove(begun)
        return 1
    os.replace(begun, stamp)	# its mtime is when this build began
    return 0


if __name__ == "__main__":
    sys.exit(main())
