#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""bench/p3-report.py P3.json OUT.json: P3 table (median bind wall time per tool, ratios)."""
import os
import statistics
import sys
import json

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import measure  # noqa: E402


def main():
    doc = json.load(open(sys.argv[1]))
    med = {t: statistics.median(doc[t]) for t in doc if isinstance(doc[t], list) and doc[t]}
    rows = []
    print("| binding to vfio-pci | runs | median (ms) | against | vfioctl ratio | met (<= 0.3) |")
    print("|---|---|---|---|---|---|")
    for mine, peer, n in (("vfioctl", "driverctl", doc["devices"]),
                          ("vfioctl-nics", "dpdk-devbind", doc.get("nics", 0))):
        if mine not in med or peer not in med:
            continue
        r = med[mine] / med[peer]
        rows.append({"vfioctl": mine, "peer": peer, "devices": n, "vfioctl_ms": med[mine],
                     "peer_ms": med[peer], "ratio": round(r, 3), "met": r <= 0.3})
        print("| %d devices: vfioctl | %d | %d | | | |" % (n, len(doc[mine]), med[mine]))
        print("| %d devices: %s | %d | %d | vfioctl | %.3f | %s |" % (
            n, peer, len(doc[peer]), med[peer], r, "yes" if r <= 0.3 else "**no**"))
    measure.write_json(sys.argv[2], {"schema": 1, "bench": "p3-bind", "machine": measure.machine(),
                                     "devices": doc["devices"], "samples_ms": doc, "ratios": rows})


if __name__ == "__main__":
    main()
