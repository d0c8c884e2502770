#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""bench/p2-report.py DIR OUT.json: the P2 table from the guest's raw-*.json / vfioctl-*.json.

Throughput of one side = size / median map time (and unmap time) over all its rounds; vfioctl
reports a median per run, raw-map every round, so vfioctl's side is the median of its runs'
medians. Ratio = vfioctl throughput / raw throughput (target >= 0.95)."""
import glob
import json
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import measure  # noqa: E402

SIZES = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


def size_bytes(s):
    return int(s[:-1]) * SIZES[s[-1]] if s[-1] in SIZES else int(s)


def main():
    d, outp = sys.argv[1], sys.argv[2]
    cases = {}
    for f in sorted(glob.glob(os.path.join(d, "*.json"))):
        m = re.match(r"(raw|vfioctl)-(\w+)-(4K|2M)-(\d+)\.json$", os.path.basename(f))
        if not m:
            continue
        side, size, ps, _ = m.groups()
        try:
            doc = json.load(open(f))
        except ValueError:
            continue
        c = cases.setdefault((size_bytes(size), size, ps),
                             {"raw_map": [], "raw_unmap": [], "v_map": [], "v_unmap": [], "v_map_min": [],
                              "backend": None})
        if side == "raw":
            c["raw_map"] += [x / 1e3 for x in doc["map_ns"]]
            c["raw_unmap"] += [x / 1e3 for x in doc["unmap_ns"]]
        else:
            for r in doc.get("bench_map", []):
                c["v_map"].append(r["map_median_us"])
                c["v_map_min"].append(r["map_min_us"])
                c["v_unmap"].append(r["unmap_median_us"])
                c["backend"] = r["backend"]
    rows = []
    print("| size | page | vfioctl map MiB/s | raw map MiB/s | **map ratio** | best-round ratio | vfioctl unmap MiB/s | raw unmap MiB/s | unmap ratio | met (>= 0.95) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for (nbytes, size, ps), c in sorted(cases.items()):
        if not (c["raw_map"] and c["v_map"]):
            continue
        mib = nbytes / (1 << 20)
        t = {k: mib / (statistics.median(c[k]) / 1e6) for k in ("raw_map", "raw_unmap", "v_map", "v_unmap")}
        r = {"size": size, "page_size": ps, "backend": c["backend"],
             "vfioctl_map_mib_s": round(t["v_map"], 1), "raw_map_mib_s": round(t["raw_map"], 1),
             "map_ratio": round(t["v_map"] / t["raw_map"], 3),
             "vfioctl_unmap_mib_s": round(t["v_unmap"], 1),
             "raw_unmap_mib_s": round(t["raw_unmap"], 1),
             "unmap_ratio": round(t["v_unmap"] / t["raw_unmap"], 3),
             "raw_rounds": len(c["raw_map"]), "vfioctl_runs": len(c["v_map"])}
        # Load only ever adds time: the fastest rounds are the least disturbed comparison.
        r["best_map_ratio"] = round(min(c["raw_map"]) / min(c["v_map_min"]), 3)
        r["met"] = r["map_ratio"] >= 0.95
        rows.append(r)
        print("| %s | %s | %.1f | %.1f | %.3f | %.3f | %.1f | %.1f | %.3f | %s |" % (
            size, ps, r["vfioctl_map_mib_s"], r["raw_map_mib_s"], r["map_ratio"], r["best_map_ratio"],
            r["vfioctl_unmap_mib_s"], r["raw_unmap_mib_s"], r["unmap_ratio"],
            "yes" if r["met"] else "**no**"))
    if rows:
        # One number over every case: per-case ratios swing +-25% with the host's load, in
        # both directions; their geometric mean is the steadier verdict.
        gm = statistics.geometric_mean([r["map_ratio"] for r in rows])
        gu = statistics.geometric_mean([r["unmap_ratio"] for r in rows])
        print("| all cases | geometric mean | | | %.3f | | | | %.3f | %s |" % (
            gm, gu, "yes" if gm >= 0.95 else "**no**"))
        rows.append({"size": "all", "page_size": "all", "map_ratio": round(gm, 3),
                     "unmap_ratio": round(gu, 3), "met": gm >= 0.95})
    kernel = ""
    try:
        kernel = open(os.path.join(d, "kernel")).read().strip()
    except OSError:
        pass
    warning = None
    try:
        warning = open(os.path.join(d, "warning")).read().strip()
        print("\n" + warning)
    except OSError:
        pass
    measure.write_json(outp, {"schema": 1, "bench": "p2-map", "machine": measure.machine(),
                              "guest_kernel": kernel, "warning": warning, "ratios": rows})


if __name__ == "__main__":
    main()
