#!/usr/bin/python3
"""Check vfioctl's JSON against the contract and against mkfixture --facts.

  contract.py list FACTS.json     < `vfioctl list -J` output
  contract.py devices FACTS.json  < `vfioctl list --devices -J` output
  contract.py show-device FACTS.json < `vfioctl show BDF... -J` output (devices subset)
  contract.py show-group FACTS.json  < `vfioctl show GROUP... -J` output (groups subset)

Prints one line per mismatch and exits 1 when there is any. Fields listed in a fact's "_loose"
(hostile input where several answers are defensible) are only type-checked, and may be null.
"""

import json
import os
import re
import sys

HEX4 = re.compile(r"^[0-9a-f]{4}$")
HEX6 = re.compile(r"^[0-9a-f]{6}$")
HEX64 = re.compile(r"^0x[0-9a-f]{16}$")
BDF = re.compile(r"^[0-9a-f]{4,5}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$")

errors = []

# Contract points settled with the binary (README/vfioctl(8)), each pinned by a named test
# (CONTRACT_STRICT=kind,nullflags) while the other checks stay lenient:
#  kind       "endpoint" | "bridge" | "host-bridge" (class 0600xx: a type 0 header that is
#             no endpoint) | "non-pci" (a group member that is not a PCI function)
#  nullflags  acs is null only when config space is unreadable (conventional PCI: false, it
#             cannot have ACS); pm_nosoftrst is also null when the device has no PM
#             capability (false would claim a PM reset works)
STRICT = set(filter(None, os.environ.get("CONTRACT_STRICT", "").split(",")))


def err(where, msg):
    errors.append("%s: %s" % (where, msg))


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def bdf_key(bdf):
    dom, bus, rest = bdf.split(":")
    dev, fn = rest.split(".")
    return (int(dom, 16), int(bus, 16), int(dev, 16), int(fn, 16))


def str_or_null(v):
    return v is None or isinstance(v, str)


TYPES = {
    "bdf": lambda v: isinstance(v, str) and BDF.match(v),
    "group": lambda v: v is None or is_int(v),
    "vendor_id": lambda v: isinstance(v, str) and HEX4.match(v),
    "device_id": lambda v: isinstance(v, str) and HEX4.match(v),
    "subsystem_vendor_id": lambda v: isinstance(v, str) and HEX4.match(v),
    "subsystem_device_id": lambda v: isinstance(v, str) and HEX4.match(v),
    "class": lambda v: isinstance(v, str) and HEX6.match(v),
    "vendor": str_or_null,
    "device": str_or_null,
    "driver": str_or_null,
    "driver_override": str_or_null,
    "reset_methods": lambda v: v is None or (isinstance(v, list) and
                                             all(isinstance(x, str) for x in v)),
    "numa_node": lambda v: v is None or is_int(v),
    "kind": lambda v: v in ("endpoint", "bridge", "host-bridge", "non-pci"),
    "physfn": lambda v: v is None or (isinstance(v, str) and BDF.match(v)),
    "sriov_totalvfs": lambda v: v is None or is_int(v),
    "sriov_numvfs": lambda v: v is None or is_int(v),
    "flr": lambda v: v is None or isinstance(v, bool),
    "pm_nosoftrst": lambda v: v is None or isinstance(v, bool),
    "acs": lambda v: v is None or isinstance(v, bool),
}


def check_device(where, got, fact):
    if not isinstance(got, dict):
        err(where, "device is not an object: %r" % (got,))
        return
    loose = set(fact.get("_loose", []))
    for key, ok in TYPES.items():
        if key not in got:
            err(where, "missing key %r" % key)
            continue
        v = got[key]
        if key in loose:
            if v is not None and not ok(v):
                err(where, "%s: bad type/format %r" % (key, v))
            continue
        if key == "pm_nosoftrst" and v is None and fact[key] is False:
            continue    # no PM capability: the bit does not exist
        if "nullflags" not in STRICT and key == "acs" and v is None and fact[key] is False:
            continue
        if not ok(v):
            err(where, "%s: bad type/format %r" % (key, v))
            continue
        if v != fact[key]:
            err(where, "%s: got %s, fixture says %s" % (key, json.dumps(v), json.dumps(fact[key])))


def check_sorted_bdfs(where, bdfs):
    try:
        keys = [bdf_key(b) for b in bdfs]
    except (ValueError, AttributeError):
        err(where, "unparsable BDF in %r" % (bdfs,))
        return
    if keys != sorted(keys):
        err(where, "devices not sorted by BDF: %s" % bdfs)


def check_group(where, got, fact, devfacts):
    if not isinstance(got, dict):
        err(where, "group is not an object")
        return
    for key in ("group", "type", "viable", "devices", "blockers", "holders", "reserved_regions"):
        if key not in got:
            err(where, "missing key %r" % key)
    if got.get("type") != fact["type"]:
        err(where, "type: got %s, fixture says %s" % (json.dumps(got.get("type")),
                                                      json.dumps(fact["type"])))
    if not isinstance(got.get("viable"), bool):
        err(where, "viable is not a bool: %r" % got.get("viable"))
    elif got["viable"] != fact["viable"]:
        err(where, "viable: got %s, fixture says %s" % (got["viable"], fact["viable"]))
    devs = got.get("devices") or []
    bdfs = [d.get("bdf") for d in devs if isinstance(d, dict)]
    if bdfs != fact["devices"]:
        err(where, "devices: got %s, fixture says %s" % (bdfs, fact["devices"]))
    check_sorted_bdfs(where, bdfs)
    for d in devs:
        b = d.get("bdf") if isinstance(d, dict) else None
        if b in devfacts:
            check_device("%s device %s" % (where, b), d, devfacts[b])
    # blockers: the set of (bdf, driver), each with a reason
    bl = got.get("blockers")
    if not isinstance(bl, list):
        err(where, "blockers is not a list")
    else:
        gb = sorted((x.get("bdf"), x.get("driver")) for x in bl)
        fb = sorted((x["bdf"], x["driver"]) for x in fact["blockers"])
        if gb != fb:
            err(where, "blockers: got %s, fixture says %s" % (gb, fb))
        for x in bl:
            if not isinstance(x.get("reason"), str) or not x.get("reason"):
                err(where, "blocker %s has no reason text" % x.get("bdf"))
    ho = got.get("holders")
    if not isinstance(ho, list):
        err(where, "holders is not a list")
    else:
        for h in ho:
            if not is_int(h.get("pid")) or not str_or_null(h.get("comm")) or \
                    not isinstance(h.get("path"), str):
                err(where, "holder has bad types: %r" % (h,))
        gh = sorted((h.get("pid"), h.get("path")) for h in ho)
        fh = sorted((h["pid"], h["path"]) for h in fact["holders"])
        if gh != fh:
            err(where, "holders: got %s, fixture says %s" % (gh, fh))
        comms = {h["pid"]: h["comm"] for h in fact["holders"]}
        for h in ho:
            want = comms.get(h.get("pid"))
            if want is not None and h.get("comm") != want:
                err(where, "holder %s comm: got %r, fixture says %r" % (h.get("pid"),
                                                                        h.get("comm"), want))
    rr = got.get("reserved_regions")
    if not isinstance(rr, list):
        err(where, "reserved_regions is not a list")
    else:
        for r in rr:
            if not (isinstance(r, dict) and isinstance(r.get("start"), str) and
                    HEX64.match(r["start"]) and isinstance(r.get("end"), str) and
                    HEX64.match(r["end"]) and isinstance(r.get("type"), str) and r["type"]):
                err(where, "malformed reserved region %r" % (r,))
        if "reserved_regions" not in fact.get("_loose", []) and rr != fact["reserved_regions"]:
            err(where, "reserved_regions: got %s, fixture says %s" % (
                json.dumps(rr), json.dumps(fact["reserved_regions"])))


def check_schema(got):
    if not isinstance(got, dict):
        err("top", "not a JSON object")
        return False
    if not is_int(got.get("schema")) or got.get("schema") != 1:
        err("top", "schema: got %r, want 1" % got.get("schema"))
    return True


def cmd_list(got, facts):
    devfacts = {d["bdf"]: d for d in facts["devices"]}
    if not check_schema(got):
        return
    io = got.get("iommu")
    if not isinstance(io, dict):
        err("iommu", "missing or not an object")
    else:
        if not is_int(io.get("groups")) or io.get("groups") != facts["iommu"]["groups"]:
            err("iommu", "groups: got %r, fixture says %r" % (io.get("groups"),
                                                              facts["iommu"]["groups"]))
        if not isinstance(io.get("enabled"), bool) or \
                io.get("enabled") != facts["iommu"]["enabled"]:
            err("iommu", "enabled: got %r, fixture says %r" % (io.get("enabled"),
                                                               facts["iommu"]["enabled"]))
    groups = got.get("groups")
    if not isinstance(groups, list):
        err("top", "groups is not a list")
        groups = []
    nums = [g.get("group") for g in groups if isinstance(g, dict)]
    if not all(is_int(n) for n in nums):
        err("groups", "group numbers are not all integers: %r" % nums)
    elif nums != sorted(nums):
        err("groups", "not sorted numerically: %r" % nums)
    want = [g["group"] for g in facts["groups"]]
    if nums != want:
        err("groups", "got groups %r, fixture says %r" % (nums, want))
    gf = {g["group"]: g for g in facts["groups"]}
    for g in groups:
        n = g.get("group") if isinstance(g, dict) else None
        if n in gf:
            check_group("group %s" % n, g, gf[n], devfacts)
    ung = got.get("ungrouped")
    if not isinstance(ung, list):
        err("top", "ungrouped is not a list")
        ung = []
    ub = [d.get("bdf") for d in ung if isinstance(d, dict)]
    if ub != facts["ungrouped"]:
        err("ungrouped", "got %s, fixture says %s" % (ub, facts["ungrouped"]))
    check_sorted_bdfs("ungrouped", ub)
    for d in ung:
        b = d.get("bdf") if isinstance(d, dict) else None
        if b in devfacts:
            check_device("ungrouped device %s" % b, d, devfacts[b])
            if d.get("group") is not None:
                err("ungrouped device %s" % b, "group is %r, want null" % d.get("group"))
    # every device exactly once
    seen = [d.get("bdf") for g in groups if isinstance(g, dict)
            for d in (g.get("devices") or []) if isinstance(d, dict)] + ub
    dup = sorted({b for b in seen if seen.count(b) > 1})
    if dup:
        err("coverage", "listed more than once: %s" % dup)
    missing = sorted(set(devfacts) - set(seen), key=bdf_key)
    extra = sorted(set(seen) - set(devfacts))
    if missing:
        err("coverage", "dropped devices: %s" % missing)
    if extra:
        err("coverage", "devices that are not in sys/bus/pci/devices: %s" % extra)


def cmd_devices(got, facts, subset=False):
    devfacts = {d["bdf"]: d for d in facts["devices"]}
    if not check_schema(got):
        return
    devs = got.get("devices")
    if not isinstance(devs, list):
        err("top", "devices is not a list")
        return
    bdfs = [d.get("bdf") for d in devs if isinstance(d, dict)]
    if not subset and bdfs != [d["bdf"] for d in facts["devices"]]:
        err("devices", "got %s, fixture says %s" % (bdfs, [d["bdf"] for d in facts["devices"]]))
    for d in devs:
        b = d.get("bdf") if isinstance(d, dict) else None
        if b not in devfacts:
            err("devices", "unknown device %r" % (b,))
            continue
        check_device("device %s" % b, d, devfacts[b])
        if subset:
            # show: devices carry their group's viability
            g = devfacts[b]["group"]
            gfact = [x for x in facts["groups"] if x["group"] == g]
            if gfact:
                # the contract does not name the key; the binary calls it group_viable
                v = d.get("group_viable", d.get("viable"))
                if v != gfact[0]["viable"]:
                    err("device %s" % b, "group_viable: got %r, group %s is %s" % (
                        v, g, "viable" if gfact[0]["viable"] else "not viable"))


def cmd_show_group(got, facts):
    devfacts = {d["bdf"]: d for d in facts["devices"]}
    if not check_schema(got):
        return
    gf = {g["group"]: g for g in facts["groups"]}
    groups = got.get("groups")
    if not isinstance(groups, list) or not groups:
        err("top", "groups is not a non-empty list")
        return
    for g in groups:
        n = g.get("group")
        if n not in gf:
            err("groups", "unknown group %r" % (n,))
            continue
        check_group("group %s" % n, g, gf[n], devfacts)


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__)
    mode, factsfile = argv
    with open(factsfile) as fh:
        facts = json.load(fh)
    text = sys.stdin.read()
    try:
        got = json.loads(text)
    except ValueError as e:
        print("output is not valid JSON: %s" % e)
        print(text[:2000])
        return 1
    if mode == "list":
        cmd_list(got, facts)
    elif mode == "devices":
        cmd_devices(got, facts)
    elif mode == "show-device":
        cmd_devices(got, facts, subset=True)
    elif mode == "show-group":
        cmd_show_group(got, facts)
    else:
        sys.exit(__doc__)
    for e in errors:
        print(e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
