# SPDX-License-Identifier: GPL-2.0-or-later
"""Interleaved timing of commands, for ratios measured in one run.

The bench machines are shared (load averages of 10+ on 2 cores were seen while other work ran):
absolute times say little and drift within minutes. So every command of a comparison runs in the
same rounds, one after another (A B C, A B C, ...), never all runs of A then all runs of B
(hyperfine's order), and results are reported as ratios of medians. Each run is one fork+exec
waited with wait4(2), giving:
  wall  elapsed time (what a user waits; most sensitive to the load)
  cpu   user + system time of the process and its waited children (least sensitive to the load)
  rss   peak resident set (ru_maxrss, KiB) of the process or its largest waited child
"""
import json
import os
import resource
import statistics
import sys
import time


def run_once(argv, env=None):
    """One run with stdout/stderr to /dev/null. Returns dict(wall, cpu, rss, rc)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            if env is None:
                os.execvp(argv[0], argv)
            else:
                os.execvpe(argv[0], argv, env)
        finally:
            os._exit(127)
    _, status, ru = os.wait4(pid, 0)
    wall = time.monotonic() - t0
    os.close(devnull)
    return {
        "wall": wall,
        "cpu": ru.ru_utime + ru.ru_stime,
        "rss": ru.ru_maxrss,
        "rc": os.waitstatus_to_exitcode(status),
    }


def p99(xs):
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(0.99 * (len(s) - 1))))]


def measure(cmds, rounds, warmup=1, log=sys.stderr):
    """cmds: list of dict(id, argv, runs=None (all rounds), env=None, ok_rc=(0,), warmup=None).
    Interleaves them for `rounds` rounds (a command with runs=k takes part in the first k).
    Returns {id: {runs, wall_median, cpu_median, rss_max, walls, cpus, rc}}."""
    res = {c["id"]: {"walls": [], "cpus": [], "rsss": [], "rcs": []} for c in cmds}
    for c in cmds:
        for _ in range(c.get("warmup", warmup)):
            r = run_once(c["argv"], c.get("env"))
            if r["rc"] not in c.get("ok_rc", (0,)):
                raise SystemExit("bench: %s: exit %d: %s" % (c["id"], r["rc"], " ".join(c["argv"])))
    for i in range(rounds):
        for c in cmds:
            if c.get("runs") is not None and i >= c["runs"]:
                continue
            r = run_once(c["argv"], c.get("env"))
            d = res[c["id"]]
            d["walls"].append(r["wall"])
            d["cpus"].append(r["cpu"])
            d["rsss"].append(r["rss"])
            d["rcs"].append(r["rc"])
            if r["rc"] not in c.get("ok_rc", (0,)):
                raise SystemExit("bench: %s: exit %d: %s" % (c["id"], r["rc"], " ".join(c["argv"])))
        print("bench: round %d/%d done" % (i + 1, rounds), file=log, flush=True)
    out = {}
    for c in cmds:
        d = res[c["id"]]
        out[c["id"]] = {
            "command": c["argv"],
            "runs": len(d["walls"]),
            "wall_median_s": statistics.median(d["walls"]),
            "cpu_median_s": statistics.median(d["cpus"]),
            "rss_max_kib": max(d["rsss"]),
            "walls_s": d["walls"],
            "cpus_s": d["cpus"],
            "exit_codes": sorted(set(d["rcs"])),
        }
    return out


def ratio(res, a, b, key):
    den = res[b][key]
    return res[a][key] / den if den else float("inf")


def machine():
    u = os.uname()
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "host": u.nodename,
        "kernel": u.release,
        "cpu": model,
        "cpus": os.cpu_count(),
        "loadavg_at_start": os.getloadavg(),
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def write_json(path, doc):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)
