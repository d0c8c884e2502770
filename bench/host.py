#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""bench/host.py: P1 (discovery at scale on a fixture tree) and P4 (cold start on this host).

    bench/host.py --vfioctl build/vfioctl --floor build/bench/floor-walk --tree TREE \
        [--rounds N] [--peer-runs K] [--only p1|p4] [--out build/bench] [--base OLD-VFIOCTL]

--base adds every vfioctl command again run by OLD-VFIOCTL (a build of the commit before),
interleaved in the same rounds, and a table of new/old ratios: a before/after of one run.

Writes OUT/p1-discovery.json and OUT/p4-coldstart.json and prints a markdown table of ratios.
Peers that cannot take a root option (driverctl, dpdk-devbind.py) see the tree as /sys through a
private mount namespace (LAB.md "Pointing other tools at a fixture tree"); a peer that is not
installed is left out and said so.
"""
import argparse
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import measure  # noqa: E402


def in_tree(tree, argv):
    # exec keeps the measured process the peer itself; the bind mount costs ~1 ms.
    return ["unshare", "-m", "sh", "-c",
            'mount --bind "$0/sys" /sys && exec "$@"', tree] + argv


def in_proc_tree(tree, argv):
    # P6: the tree's proc on /proc and its dev on /dev (with the real /dev/null bound into
    # it first: lsof opens it), so fuser and lsof read the fixture's fd links and stat the
    # fixture's /dev/vfio nodes. /proc first: /dev/shm (where trees live) goes with /dev.
    return ["unshare", "-m", "sh", "-c",
            'mount --bind "$0/proc" /proc && mount --bind /dev/null "$0/dev/null" && '
            'mount --rbind "$0/dev" /dev && exec "$@"', tree] + argv


def row(res, a, b, target, key="wall_median_s"):
    r = measure.ratio(res, a, b, key)
    rc = measure.ratio(res, a, b, "cpu_median_s")
    return {
        "what": a, "against": b, "ratio_wall": round(r, 4), "ratio_cpu": round(rc, 4),
        "target": target, "met": r <= target,
        "wall_s": [round(res[a]["wall_median_s"], 4), round(res[b]["wall_median_s"], 4)],
        "rss_kib": [res[a]["rss_max_kib"], res[b]["rss_max_kib"]],
    }


def print_table(title, rows, res):
    print("\n### %s\n" % title)
    print("| vfioctl command | against | wall ratio | cpu ratio | target | met | wall median (s) | peak RSS (KiB) |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print("| %s | %s | %.3f | %.3f | <= %s | %s | %.3f / %.3f | %d / %d |" % (
            r["what"], r["against"], r["ratio_wall"], r["ratio_cpu"], r["target"],
            "yes" if r["met"] else "**no**", r["wall_s"][0], r["wall_s"][1],
            r["rss_kib"][0], r["rss_kib"][1]))
    print("\n| command | runs | wall median (s) | cpu median (s) | peak RSS (KiB) |")
    print("|---|---|---|---|---|")
    for k, v in res.items():
        print("| %s | %d | %.3f | %.3f | %d |" % (k, v["runs"], v["wall_median_s"],
                                               v["cpu_median_s"], v["rss_max_kib"]))


BASE = "base: "


def with_base(a, cmds):
    """--base: each vfioctl command twice, the old binary's right after the new one's."""
    if not a.base:
        return cmds
    out = []
    for c in cmds:
        out.append(c)
        if c["argv"][0] == a.vfioctl:
            b = dict(c)
            b["id"] = BASE + c["id"]
            b["argv"] = [a.base] + c["argv"][1:]
            out.append(b)
    return out


def print_ab(res, doc):
    """New against old, per vfioctl command of the same rounds (< 1: the new one is faster)."""
    ab = [row(res, k[len(BASE):], k, 1.0) for k in res if k.startswith(BASE)]
    if not ab:
        return
    doc["ab_ratios"] = ab
    print("\nBefore/after (new / base, same rounds):\n")
    print("| vfioctl command | wall ratio | cpu ratio | cpu median new / base (s) |")
    print("|---|---|---|---|")
    for r in ab:
        print("| %s | %.3f | %.3f | %.3f / %.3f |" % (
            r["what"], r["ratio_wall"], r["ratio_cpu"], res[r["what"]]["cpu_median_s"],
            res[r["against"]]["cpu_median_s"]))


def p1(a, doc):
    t = os.path.abspath(a.tree)
    cmds = [
        {"id": "vfioctl list", "argv": [a.vfioctl, "--sysroot", t, "list"]},
        {"id": "vfioctl list --devices -J", "argv": [a.vfioctl, "--sysroot", t, "list",
                                                     "--devices", "-J"]},
        {"id": "vfioctl -J list", "argv": [a.vfioctl, "--sysroot", t, "-J", "list"]},
        {"id": "floor-walk --groups", "argv": [a.floor, "--groups", t]},
        {"id": "lspci -D -k", "argv": ["lspci", "-D", "-k", "-O",
                                       "sysfs.path=%s/sys/bus/pci" % t]},
        {"id": "floor-walk", "argv": [a.floor, t]},
        {"id": "floor-walk --basic", "argv": [a.floor, "--basic", t]},
    ]
    missing = []
    for peer, argv in (("driverctl list-devices", ["driverctl", "list-devices"]),
                       ("dpdk-devbind.py --status", ["dpdk-devbind.py", "--status"]),
                       ("dpdk-devbind.py --status-dev net", ["dpdk-devbind.py", "--status-dev",
                                                             "net"])):
        if argv[0] in a.skip:
            missing.append(peer + " (skipped)")
        elif shutil.which(argv[0]):
            # Minutes per run under load: no warm-up run; the first timed one is checked.
            cmds.append({"id": peer, "argv": in_tree(t, argv), "runs": a.peer_runs, "warmup": 0})
        else:
            missing.append(peer)
    res = measure.measure(with_base(a, cmds), a.rounds)
    rows = [row(res, "vfioctl list", "lspci -D -k", 1.0),
            row(res, "vfioctl list --devices -J", "lspci -D -k", 1.0),
            row(res, "vfioctl -J list", "lspci -D -k", 0.8)]
    for peer in ("driverctl list-devices", "dpdk-devbind.py --status"):
        if peer in res:
            rows += [row(res, "vfioctl list", peer, 0.05),
                     row(res, "vfioctl list --devices -J", peer, 0.05)]
    if "dpdk-devbind.py --status-dev net" in res:
        rows.append(row(res, "vfioctl list --devices -J", "dpdk-devbind.py --status-dev net",
                        0.05))
    # Each listing against the floor of what it reads: `list` (default columns) reads the
    # basic set, -J everything (bench/floor-walk.c).
    rows += [row(res, "vfioctl list", "floor-walk --basic", float("inf")),
             row(res, "vfioctl list --devices -J", "floor-walk", float("inf")),
             row(res, "vfioctl -J list", "floor-walk --groups", 1.5)]
    # What no tool reading those attributes can beat: the floors against the peers.
    floors = [row(res, f, peer, target)
              for f in ("floor-walk --basic", "floor-walk", "floor-walk --groups")
              for peer, target in (("lspci -D -k", 1.0), ("driverctl list-devices", 0.05),
                                   ("dpdk-devbind.py --status", 0.05))
              if peer in res]
    ndev = len(os.listdir(os.path.join(t, "sys/bus/pci/devices")))
    ngrp = len(os.listdir(os.path.join(t, "sys/kernel/iommu_groups")))
    doc.update({"bench": "p1-discovery", "tree": t, "devices": ndev, "groups": ngrp,
                "rounds": a.rounds, "peer_runs": a.peer_runs, "missing_peers": missing,
                "results": res, "ratios": rows, "floor_ratios": floors})
    print_table("P1 discovery: %d devices, %d groups (%s)" % (ndev, ngrp, t), rows, res)
    print("\nThe floors against the peers (a target below a floor's ratio is out of reach for"
          " any tool reading that set of attributes):\n")
    print("| floor | against | wall ratio | cpu ratio | vfioctl target |")
    print("|---|---|---|---|---|")
    for r in floors:
        print("| %s | %s | %.3f | %.3f | <= %s |" % (r["what"], r["against"], r["ratio_wall"],
                                                   r["ratio_cpu"], r["target"]))
    print_ab(res, doc)
    if missing:
        print("\nnot installed, left out: %s (apt-get install driverctl dpdk)" % ", ".join(missing))


def p1b(a, doc):
    """Each further tree shape: list --devices -J against dpdk-devbind.py --status-dev net."""
    doc.update({"bench": "p1b-shapes", "rounds": a.rounds, "peer_runs": a.peer_runs,
                "shapes": []})
    for spec in a.shape_tree:
        name, _, t = spec.partition("=")
        t = os.path.abspath(t)
        cmds = [
            {"id": "vfioctl list --devices -J", "argv": [a.vfioctl, "--sysroot", t, "list",
                                                         "--devices", "-J"]},
            {"id": "vfioctl -J list", "argv": [a.vfioctl, "--sysroot", t, "-J", "list"]},
            {"id": "lspci -D -k", "argv": ["lspci", "-D", "-k", "-O",
                                           "sysfs.path=%s/sys/bus/pci" % t]},
            {"id": "floor-walk", "argv": [a.floor, t]},
        ]
        if shutil.which("dpdk-devbind.py"):
            cmds.append({"id": "dpdk-devbind.py --status-dev net",
                         "argv": in_tree(t, ["dpdk-devbind.py", "--status-dev", "net"]),
                         "runs": a.peer_runs, "warmup": 0})
        res = measure.measure(with_base(a, cmds), a.rounds)
        rows = [row(res, "vfioctl list --devices -J", "lspci -D -k", 1.0),
                row(res, "vfioctl -J list", "lspci -D -k", 0.8),
                row(res, "vfioctl list --devices -J", "floor-walk", float("inf"))]
        if "dpdk-devbind.py --status-dev net" in res:
            rows += [row(res, "vfioctl list --devices -J", "dpdk-devbind.py --status-dev net",
                          0.05),
                     row(res, "floor-walk", "dpdk-devbind.py --status-dev net", 0.05)]
        ndev = len(os.listdir(os.path.join(t, "sys/bus/pci/devices")))
        doc["shapes"].append({"shape": name, "tree": t, "devices": ndev, "results": res,
                              "ratios": rows})
        print_table("P1b shape %s: %d devices (%s)" % (name, ndev, t), rows, res)
        print_ab(res, doc["shapes"][-1])


def p6(a, doc):
    """The holder scan on fixture /procs (bench/mkproc) of growing size."""
    doc.update({"bench": "p6-holders", "rounds": a.rounds, "trees": []})
    for t in a.p6_tree:
        t = os.path.abspath(t)
        vdir = os.path.join(t, "dev/vfio")
        nodes = sorted(("/dev/vfio/" + n for n in os.listdir(vdir) if n.isdigit()),
                       key=lambda n: int(n.rsplit("/", 1)[1]))
        nodes += ["/dev/vfio/devices/" + n for n in sorted(os.listdir(vdir + "/devices"))]
        group = nodes[0].rsplit("/", 1)[1]
        procs = [p for p in os.listdir(os.path.join(t, "proc")) if p.isdigit()]
        nfds = sum(len(os.listdir(os.path.join(t, "proc", p, "fd"))) for p in procs)
        cmds = [
            {"id": "vfioctl -J list", "argv": [a.vfioctl, "--sysroot", t, "-J", "list"]},
            {"id": "vfioctl show %s" % group, "argv": [a.vfioctl, "--sysroot", t, "show",
                                                       group]},
            {"id": "floor-walk --holders", "argv": [a.floor, "--holders", t]},
            # the floor's parts: no link read (open and list every fd directory), and only
            # an fstat of each fd directory (what a per-process skip test costs)
            {"id": "floor-walk --holders-list", "argv": [a.floor, "--holders-list", t]},
            {"id": "floor-walk --holders-stat", "argv": [a.floor, "--holders-stat", t]},
        ]
        peers = []
        if shutil.which("fuser"):
            # fuser exits 0 when it found a user of some name; lsof needs +D: /dev/vfio is
            # no mount point (on a real host neither), and a plain directory argument lists
            # only the directory itself
            cmds.append({"id": "fuser -v /dev/vfio/*",
                         "argv": in_proc_tree(t, ["fuser", "-v"] + nodes)})
            peers.append("fuser -v /dev/vfio/*")
        if shutil.which("lsof"):
            # lsof exits 1 when its stdout is not a pipe, with the whole listing written
            cmds.append({"id": "lsof +D /dev/vfio",
                         "argv": in_proc_tree(t, ["lsof", "+D", "/dev/vfio"]),
                         "runs": a.peer_runs, "ok_rc": (0, 1)})
            peers.append("lsof +D /dev/vfio")
        res = measure.measure(with_base(a, cmds), a.rounds)
        rows = []
        if peers:
            fast = min(peers, key=lambda p: res[p]["wall_median_s"])
            rows += [row(res, "vfioctl -J list", fast, 0.5),
                     row(res, "vfioctl show %s" % group, fast, 0.5)]
            rows += [row(res, "floor-walk --holders", p, 0.5) for p in peers]
        rows += [row(res, "vfioctl -J list", "floor-walk --holders", float("inf")),
                 row(res, "vfioctl show %s" % group, "floor-walk --holders", float("inf")),
                 row(res, "floor-walk --holders-list", "floor-walk --holders", float("inf")),
                 row(res, "floor-walk --holders-stat", "floor-walk --holders", float("inf"))]
        doc["trees"].append({"tree": t, "processes": len(procs), "fds": nfds, "nodes": nodes,
                             "results": res, "ratios": rows})
        print_table("P6 holders: %d processes, %d fds (%s)" % (len(procs), nfds, t), rows, res)
        print_ab(res, doc["trees"][-1])


def p4(a, doc):
    cmds = [
        {"id": "vfioctl --version", "argv": [a.vfioctl, "--version"]},
        {"id": "vfioctl list", "argv": [a.vfioctl, "list"], "ok_rc": (0, 8)},
        {"id": "lspci -k", "argv": ["lspci", "-k"]},
    ]
    res = measure.measure(with_base(a, cmds), a.rounds * 3)
    rows = [row(res, "vfioctl --version", "lspci -k", 1.5),
            row(res, "vfioctl list", "lspci -k", 1.5)]
    doc.update({"bench": "p4-coldstart", "rounds": a.rounds * 3, "results": res, "ratios": rows})
    print_table("P4 cold start on this host (its own /sys)", rows, res)
    print_ab(res, doc)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vfioctl", default="build/vfioctl")
    ap.add_argument("--floor", default="build/bench/floor-walk")
    ap.add_argument("--tree")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--peer-runs", type=int, default=3)
    ap.add_argument("--only", choices=("p1", "p1b", "p4", "p6"))
    ap.add_argument("--shape-tree", action="append", default=[],
                    help="NAME=TREE: a further sriov-scale shape for P1b (repeatable)")
    ap.add_argument("--p6-tree", action="append", default=[],
                    help="a tree with a bench/mkproc /proc for P6 (repeatable: sizes)")
    ap.add_argument("--out", default="build/bench")
    ap.add_argument("--base", help="an older vfioctl binary, run interleaved (before/after)")
    ap.add_argument("--skip", action="append", default=[],
                    help="a P1 peer program to leave out (driverctl: minutes a run)")
    a = ap.parse_args()
    a.vfioctl = os.path.abspath(a.vfioctl)
    if a.base:
        a.base = os.path.abspath(a.base)
    a.floor = os.path.abspath(a.floor)
    m = measure.machine()
    print("started %s, load %.1f %.1f %.1f" % (m["date_utc"], *m["loadavg_at_start"]))
    if a.only in (None, "p1"):
        if not a.tree:
            ap.error("p1 needs --tree (tests/fixtures/mkfixture sriov-scale TREE --pfs 64 --vfs 63)")
        doc = {"schema": 1, "machine": m}
        p1(a, doc)
        measure.write_json(os.path.join(a.out, "p1-discovery.json"), doc)
    if a.only in (None, "p1b") and a.shape_tree:
        doc = {"schema": 1, "machine": m}
        p1b(a, doc)
        measure.write_json(os.path.join(a.out, "p1b-shapes.json"), doc)
    if a.only in (None, "p6") and a.p6_tree:
        doc = {"schema": 1, "machine": m}
        p6(a, doc)
        measure.write_json(os.path.join(a.out, "p6-holders.json"), doc)
    if a.only in (None, "p4"):
        doc = {"schema": 1, "machine": m}
        p4(a, doc)
        measure.write_json(os.path.join(a.out, "p4-coldstart.json"), doc)


if __name__ == "__main__":
    main()
