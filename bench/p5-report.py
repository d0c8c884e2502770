#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""bench/p5-report.py P5.json OUT.json: P5 table (median wall time of the whole SR-IOV job per
tool: 7 VFs created with autoprobe off and bound to vfio-pci; vfioctl's ratio to each peer)."""
import os
import statistics
import sys
import json

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import measure  # noqa: E402


def main():
    doc = json.load(open(sys.argv[1]))
    tools = [t for t in doc if isinstance(doc[t], list) and doc[t]]
    med = {t: statistics.median(doc[t]) for t in tools}
    fast = {t: min(doc[t]) for t in tools}
    rows = []
    print("| 7 VFs of %s to vfio-pci | runs | median (ms) | fastest (ms) | vfioctl ratio "
          "(median) | (fastest) | met (<= 0.3) |" % doc.get("pf", "PF"))
    print("|---|---|---|---|---|---|---|")
    if "vfioctl" in med:
        print("| vfioctl sriov --vfs 7 --autoprobe=no --bind | %d | %d | %d | | | |" % (
            len(doc["vfioctl"]), med["vfioctl"], fast["vfioctl"]))
    for peer, what in (("driverctl", "sysfs + driverctl set-override"),
                       ("dpdk-devbind", "sysfs + dpdk-devbind.py -b")):
        if peer not in med or "vfioctl" not in med:
            continue
        r = med["vfioctl"] / med[peer]
        rf = fast["vfioctl"] / fast[peer]
        rows.append({"peer": peer, "vfioctl_ms": med["vfioctl"], "peer_ms": med[peer],
                     "ratio": round(r, 3), "ratio_fastest": round(rf, 3), "met": r <= 0.3})
        print("| %s | %d | %d | %d | %.3f | %.3f | %s |" % (
            what, len(doc[peer]), med[peer], fast[peer], r, rf, "yes" if r <= 0.3 else "**no**"))
    measure.write_json(sys.argv[2], {"schema": 1, "bench": "p5-sriov", "machine": measure.machine(),
                                     "samples_ms": doc, "ratios": rows})


if __name__ == "__main__":
    main()
