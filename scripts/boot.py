#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""boot.py: boot a built UML KUnit kernel until every case has a verdict.

usage: boot.py --build DIR --src DIR --out DIR [--name NAME]
               [--filter GLOB] [--arg ARG]... [--case-timeout S] [--jobs N]

The first boot runs what the filter selects and shows kunit.py's
progress, parsed by the tree's own tools/testing/kunit/kunit_parser.py.
A boot ends cleanly, crashes (the kernel dies before every case has a
result) or hangs (no case result for --case-timeout seconds: the whole
UML process group is killed).  After a crash or a hang a listing boot
(kunit.action=list) names every selected case; the case that was running
is recorded as crashed, with the reason, and the cases that did not run
run again in fresh boots: each remaining case of the suite that crashed
on its own, each other remaining suite whole, up to --jobs boots at a
time, until every case is passed, failed, skipped or crashed.

Writes OUT/NAME.json (the layout of kunit.py --json, every case of every
boot), OUT/NAME.log (the first boot's console) and OUT/NAME-K.log (the
other boots'), and ends with 'boot.py: P passed, F failed, S skipped'.
Exit status 0 if no case failed or crashed.
"""
import argparse
import concurrent.futures
import inspect
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time

RESULT = re.compile(r"^\s*(not )?ok \d+")
KTAP = None	# the tree's kunit_parser
PRINTER = None	# its printer module, when the parser takes one


def load_parser(src):
    global KTAP, PRINTER
    sys.path.insert(0, os.path.join(src, "tools", "testing", "kunit"))
    import kunit_parser
    import kunit_printer
    KTAP, PRINTER = kunit_parser, kunit_printer


def parse(lines, quiet):
    """kunit_parser.parse_run_tests() of @lines, printing or not."""
    takes_printer = "printer" in inspect.signature(
        KTAP.parse_run_tests).parameters
    if takes_printer:
        printer = PRINTER.null_printer if quiet else PRINTER.stdout
        return KTAP.parse_run_tests(lines, printer)
    saved = KTAP.stdout
    if quiet:
        KTAP.stdout = PRINTER.Printer(open(os.devnull, "w"))
    try:
        return KTAP.parse_run_tests(lines)
    finally:
        KTAP.stdout = saved


class Boot:
    """One boot of the kernel; lines() yields its console as it comes."""

    def __init__(self, opts, extra, log_path):
        self.cmd = [os.path.join(opts.build, "linux")] + opts.arg + extra + [
            "mem=1G", "console=tty", "kunit_shutdown=halt", "kunit.enable=1",
            "initcall_blacklist=hmm_dmirror_init"]
        self.log_path = log_path
        self.timeout = opts.case_timeout
        self.hung = False

    def lines(self):
        proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True,
                                errors="backslashreplace",
                                start_new_session=True)
        got = queue.Queue()

        def reader():
            for line in proc.stdout:
                got.put(line)
            got.put(None)

        threading.Thread(target=reader, daemon=True).start()
        deadline = time.monotonic() + self.timeout
        with open(self.log_path, "w") as log:
            while True:
                try:
                    line = got.get(timeout=max(0.05,
                                               deadline - time.monotonic()))
                except queue.Empty:
                    if time.monotonic() < deadline:
                        continue
                    self.hung = True
                    log.write("boot.py: no case result for %d s: killed\n"
                              % self.timeout)
                    try:
                        os.killpg(proc.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    break
                if line is None:
                    break
                log.write(line)
                if RESULT.match(line):
                    deadline = time.monotonic() + self.timeout
                yield line
        proc.wait()

    def reason(self):
        if self.hung:
            return "hung: no case result for %d s, the boot was killed" % \
                self.timeout
        why = stop_line(self.log_path)
        return "crashed: the kernel stopped before this case ended" + \
            (" (%s)" % why if why else "")


def stop_line(log_path):
    """The first panic, BUG or Oops line of a console log, or ''."""
    with open(log_path, errors="replace") as log:
        for line in log:
            if re.search(r"Kernel panic|BUG:|Oops|kernel BUG at|"
                         r"general protection fault", line):
                return line.strip()
    return ""


def summary(prog, results):
    """Prints 'PROG: P passed, F failed, S skipped'; the exit status."""
    n = tally(list(results.values()))
    print("%s: %d passed, %d failed, %d skipped%s" %
          (prog, n["PASS"], n["FAIL"] + n["ERROR"], n["SKIP"],
           " (%d crashed or hung)" % n["ERROR"] if n["ERROR"] else ""))
    return 1 if n["FAIL"] + n["ERROR"] else 0


def case_json(test):
    status = {"SUCCESS": "PASS", "SKIPPED": "SKIP",
              "TEST_CRASHED": "ERROR"}.get(test.status.name, "FAIL")
    if test.subtests:
        return {"name": test.name, "sub_groups": [],
                "test_cases": [case_json(t) for t in test.subtests
                               if t.name]}
    entry = {"name": test.name, "status": status}
    if status != "PASS":
        entry["log"] = "\n".join(test.log)
    return entry


def collect(root, results, ended):
    """Record every case of @root that has a result; @ended gets each
    suite that printed its own result line."""
    for suite in root.subtests:
        if not suite.name:
            continue
        if suite.status.name != "TEST_CRASHED":
            ended.add(suite.name)
        for case in suite.subtests:
            if case.name and case.status.name in ("SUCCESS", "FAILURE",
                                                  "SKIPPED"):
                results[suite.name + "." + case.name] = case_json(case)


def listed_cases(opts, out_dir):
    boot = Boot(opts, ["kunit.action=list", "kunit.filter_glob=" + opts.filter],
                os.path.join(out_dir, opts.name + "-list.log"))
    names = [line.strip() for line in boot.lines()]
    return [n for n in names if re.match(r"^[^\s.]+\.[^\s.]+$", n)]


def crashed_entry(name, reason):
    return {"name": name.split(".", 1)[1], "status": "ERROR", "log": reason}


def plan(scope, results, ended, reason):
    """After a boot of @scope that ended early, the boots to run again.

    The kernel may not have flushed the result line of the last case that
    ended (KUnit prints it without a newline, and the console prints a
    record once the next one begins), so a case is only taken to have
    crashed in a boot of that case alone.  The other cases of the suite
    that stopped run one by one, every other suite that did not start
    runs whole.
    """
    missing = [c for c in scope if c not in results]
    for c in missing:
        if c.split(".")[0] in ended:
            results[c] = crashed_entry(c, "the suite ended without this "
                                       "case (its suite_init failed?)")
    missing = [c for c in missing if c not in results]
    if not missing:
        return []
    if len(scope) == 1:
        results[missing[0]] = crashed_entry(missing[0], reason +
                                            ", in a boot of this case alone")
        return []
    stopped = missing[0].split(".")[0]
    globs = []
    for c in missing:
        suite = c.split(".")[0]
        whole = all(x in missing for x in scope if x.startswith(suite + "."))
        if suite == stopped or not whole:
            globs.append((c, [c]))
        elif not globs or globs[-1][0] != suite:
            globs.append((suite, [x for x in scope
                                  if x.startswith(suite + ".")]))
    return globs


def rerun(opts, out_dir, glob, scope, k):
    boot = Boot(opts, ["kunit.filter_glob=" + glob],
                os.path.join(out_dir, "%s-%d.log" % (opts.name, k)))
    lines = list(boot.lines())
    return boot, lines


def write_json(path, order, results):
    suites = []
    for name in order:
        suite, case = name.split(".", 1)
        if not suites or suites[-1]["name"] != suite:
            suites.append({"name": suite, "sub_groups": [], "test_cases": []})
        entry = results[name]
        key = "sub_groups" if "sub_groups" in entry and "status" not in entry \
            else "test_cases"
        suites[-1][key].append(entry)
    with open(path, "w") as f:
        json.dump({"name": "KUnit Test Group", "sub_groups": suites,
                   "test_cases": []}, f, indent=4)


def tally(entries):
    n = {"PASS": 0, "FAIL": 0, "SKIP": 0, "ERROR": 0}
    for e in entries:
        if "status" in e:
            n[e["status"] if e["status"] in n else "FAIL"] += 1
        else:
            sub = tally(e["test_cases"] + e["sub_groups"])
            for k in n:
                n[k] += sub[k]
    return n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--name", default="1")
    ap.add_argument("--filter", default="*")
    ap.add_argument("--arg", action="append", default=[])
    ap.add_argument("--case-timeout", type=int, default=20)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    opts = ap.parse_args()
    load_parser(opts.src)
    os.makedirs(opts.out, exist_ok=True)

    results, ended = {}, set()
    first = Boot(opts, ["kunit.filter_glob=" + opts.filter],
                 os.path.join(opts.out, opts.name + ".log"))
    root = parse(first.lines(), quiet=False)
    collect(root, results, ended)
    order = list(results)
    complete = root.status.name not in ("TEST_CRASHED",
                                        "FAILURE_TO_PARSE_TESTS") \
        and not first.hung and root.name != "<missing>"
    if not complete or root.counts.crashed:
        order = listed_cases(opts, opts.out)
        if not order:
            print("boot.py: the listing boot named no case", file=sys.stderr)
            order = list(results)
        todo = plan(order, results, ended, first.reason())
        k = 1
        with concurrent.futures.ThreadPoolExecutor(opts.jobs) as pool:
            running = {}
            while todo or running:
                while todo and len(running) < opts.jobs:
                    glob, scope = todo.pop(0)
                    k += 1
                    running[pool.submit(rerun, opts, opts.out, glob, scope,
                                        k)] = (glob, scope)
                done, _ = concurrent.futures.wait(
                    running, return_when=concurrent.futures.FIRST_COMPLETED)
                for fut in done:
                    glob, scope = running.pop(fut)
                    boot, lines = fut.result()
                    sub_ended = set()
                    collect(parse(lines, quiet=True), results, sub_ended)
                    ended |= sub_ended
                    todo += plan(scope, results, sub_ended, boot.reason())
                    n = tally([results[c] for c in scope if c in results])
                    print("[%s] again in a fresh boot: %s: %d passed, "
                          "%d failed, %d crashed" %
                          (time.strftime("%H:%M:%S"), glob, n["PASS"],
                           n["FAIL"], n["ERROR"]))
        order = [c for c in order if c in results]
        for c in order:
            if results[c].get("status") == "ERROR":
                print("boot.py: %s %s" % (c, results[c]["log"]))
    write_json(os.path.join(opts.out, opts.name + ".json"), order, results)
    return summary("boot.py", results)


if __name__ == "__main__":
    sys.exit(main())
