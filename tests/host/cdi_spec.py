#!/usr/bin/python3
"""cdi_spec.py - judge a CDI spec that vfioctl wrote, field by field (the host suite's checker).

Usage:
  cdi_spec.py validate SPEC
      the rules a CDI 0.5.0 consumer applies: required fields and their types, the kind's
      two segments, device names, no unknown keys (the reference library loads strictly)
  cdi_spec.py facts SPEC --root ROOT --backend legacy|iommufd --expect NAME[,NAME...]
      validate, then derive every device's nodes from the fixture tree ROOT independently of
      vfioctl (group from the iommu_group link, cdev from vfio-dev/, numbers from the sysfs
      `dev` attributes, owner and mode from the files under ROOT/dev) and compare each field

The rules are written here from the specification's prose, not copied from its schema.
Exit 0 when the spec passes, 1 with one line per problem otherwise. SPEC may be - (stdin).
"""

import json
import os
import re
import stat
import sys

SPEC_KEYS = {"cdiVersion", "kind", "devices", "containerEdits"}
DEVICE_KEYS = {"name", "containerEdits"}
EDIT_KEYS = {"env", "deviceNodes", "hooks", "mounts"}
NODE_KEYS = {"path", "hostPath", "type", "major", "minor", "fileMode", "permissions", "uid", "gid"}
SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")


def segment_ok(s, extra, maxlen):
    if not s or len(s) > maxlen or not s[0].isascii() or not s[0].isalpha():
        return False
    if not s[-1].isascii() or not s[-1].isalnum():
        return False
    return all((c.isascii() and c.isalnum()) or c in extra for c in s[1:-1])


def name_ok(s):
    # 0.5.0: a device name may begin with a digit; letters, digits and _ - . : inside
    if not isinstance(s, str) or not s:
        return False
    if not (s[0].isascii() and s[0].isalnum()) or not (s[-1].isascii() and s[-1].isalnum()):
        return False
    return all((c.isascii() and c.isalnum()) or c in "_-.:" for c in s)


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def validate(spec):
    errs = []
    if not isinstance(spec, dict):
        return ["the spec is not a JSON object"]
    for k in spec:
        if k not in SPEC_KEYS:
            errs.append("unknown top-level key %r" % k)
    ver = spec.get("cdiVersion")
    if not isinstance(ver, str) or not SEMVER.match(ver):
        errs.append("cdiVersion %r is not a semantic version" % (ver,))
    elif ver != "0.5.0":
        errs.append("cdiVersion %s: vfioctl writes 0.5.0" % ver)
    kind = spec.get("kind")
    if not isinstance(kind, str) or kind.count("/") != 1:
        errs.append("kind %r is not VENDOR/CLASS" % (kind,))
    else:
        vendor, cls = kind.split("/")
        if not segment_ok(vendor, ".-_", 253):
            errs.append("kind %r: bad vendor segment" % kind)
        if not segment_ok(cls, "-_", 63):  # dots in the class only from 0.6.0
            errs.append("kind %r: bad class segment" % kind)
    devs = spec.get("devices")
    if not isinstance(devs, list) or not devs:
        errs.append("devices must be a non-empty array")
        devs = []
    seen = set()
    for i, d in enumerate(devs):
        where = "devices[%d]" % i
        if not isinstance(d, dict):
            errs.append("%s is not an object" % where)
            continue
        for k in d:
            if k not in DEVICE_KEYS:
                errs.append("%s: unknown key %r" % (where, k))
        name = d.get("name")
        if not name_ok(name):
            errs.append("%s: bad device name %r" % (where, name))
        elif name in seen:
            errs.append("%s: duplicate device name %s" % (where, name))
        seen.add(name)
        edits = d.get("containerEdits")
        if not isinstance(edits, dict):
            errs.append("%s: containerEdits is required (an object)" % where)
            continue
        for k in edits:
            if k not in EDIT_KEYS:
                errs.append("%s: unknown containerEdits key %r" % (where, k))
        nodes = edits.get("deviceNodes")
        if not isinstance(nodes, list) or not nodes:
            errs.append("%s: a VFIO device needs deviceNodes" % where)
            continue
        for j, n in enumerate(nodes):
            w = "%s.deviceNodes[%d]" % (where, j)
            if not isinstance(n, dict):
                errs.append("%s is not an object" % w)
                continue
            for k in n:
                if k not in NODE_KEYS:
                    errs.append("%s: unknown key %r" % (w, k))
            p = n.get("path")
            if not isinstance(p, str) or not p.startswith("/"):
                errs.append("%s: path %r is not absolute" % (w, p))
            if n.get("type", "c") not in ("c", "b", "u", "p"):
                errs.append("%s: type %r" % (w, n.get("type")))
            for k in ("major", "minor", "fileMode"):
                if k in n and (not is_int(n[k]) or n[k] < 0):
                    errs.append("%s: %s %r is not a non-negative integer" % (w, k, n[k]))
            if "fileMode" in n and is_int(n["fileMode"]) and n["fileMode"] > 0o7777:
                errs.append("%s: fileMode %o has more than permission bits" % (w, n["fileMode"]))
            for k in ("uid", "gid"):
                if k in n and (not is_int(n[k]) or not 0 <= n[k] < 2**32):
                    errs.append("%s: %s %r is not a uint32" % (w, k, n[k]))
            perm = n.get("permissions", "")
            if not isinstance(perm, str) or any(c not in "rwm" for c in perm):
                errs.append("%s: permissions %r" % (w, perm))
    return errs


def read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def expected_nodes(root, backend, name, spec_names):
    """The node paths a device needs, and for each the sysfs `dev` attribute to compare with."""
    pci = os.path.join(root, "sys/bus/pci/devices")

    def group_of(bdf):
        return os.path.basename(os.readlink(os.path.join(pci, bdf, "iommu_group")))

    def cdev(bdf):
        d = os.path.join(pci, bdf, "vfio-dev")
        names = sorted(x for x in os.listdir(d) if x.startswith("vfio"))
        return names[0], os.path.join(d, names[0], "dev")

    legacy_ctl = ("/dev/vfio/vfio", os.path.join(root, "sys/class/misc/vfio/dev"))
    iommu = ("/dev/iommu", os.path.join(root, "sys/class/misc/iommu/dev"))
    if name.startswith("group-"):
        g = name[len("group-"):]
        members = sorted(n for n in spec_names if not n.startswith("group-") and group_of(n) == g)
    else:
        g = group_of(name)
        members = [name]
    if backend == "legacy":
        return [legacy_ctl, ("/dev/vfio/" + g, os.path.join(root, "sys/class/vfio", g, "dev"))]
    out = [iommu]
    for m in members:
        vname, attr = cdev(m)
        out.append(("/dev/vfio/devices/" + vname, attr))
    return out


def facts(spec, root, backend, expect):
    errs = validate(spec)
    devs = spec.get("devices") or []
    names = [d.get("name") for d in devs if isinstance(d, dict)]
    if names != expect:
        errs.append("devices %s, expected %s" % (names, expect))
        return errs
    for d in devs:
        nodes = d["containerEdits"]["deviceNodes"]
        want = expected_nodes(root, backend, d["name"], names)
        got_paths = [n.get("path") for n in nodes]
        if got_paths != [p for p, _ in want]:
            errs.append("%s: nodes %s, expected %s" % (d["name"], got_paths, [p for p, _ in want]))
            continue
        for n, (path, attr) in zip(nodes, want):
            w = "%s %s" % (d["name"], path)
            st = os.stat(os.path.join(root, path.lstrip("/")))
            if n.get("type") != "c":
                errs.append("%s: type %r, a VFIO node is a character device" % (w, n.get("type")))
            if n.get("permissions") != "rw":
                errs.append("%s: permissions %r, expected rw (no mknod)" % (w, n.get("permissions")))
            if n.get("fileMode") != stat.S_IMODE(st.st_mode):
                errs.append("%s: fileMode %r, the node has %o" % (w, n.get("fileMode"),
                                                                  stat.S_IMODE(st.st_mode)))
            if n.get("uid") != st.st_uid or n.get("gid") != st.st_gid:
                errs.append("%s: owner %r:%r, the node is %d:%d" % (w, n.get("uid"), n.get("gid"),
                                                                   st.st_uid, st.st_gid))
            num = read(attr)
            if num is None:
                if stat.S_ISCHR(st.st_mode):
                    num = "%d:%d" % (os.major(st.st_rdev), os.minor(st.st_rdev))
            if num is None:
                if "major" in n or "minor" in n:
                    errs.append("%s: numbers given though the kernel publishes none" % w)
            else:
                maj, mnr = (int(x) for x in num.split(":"))
                if n.get("major") != maj or n.get("minor") != mnr:
                    errs.append("%s: %r:%r, the kernel says %d:%d" % (w, n.get("major"),
                                                                     n.get("minor"), maj, mnr))
            if "hostPath" in n:
                errs.append("%s: hostPath is not needed (same path inside)" % w)
    return errs


def main(argv):
    if len(argv) < 3 or argv[1] not in ("validate", "facts"):
        sys.exit(__doc__)
    text = sys.stdin.read() if argv[2] == "-" else open(argv[2]).read()
    try:
        spec = json.loads(text)
    except ValueError as e:
        print("not JSON: %s" % e)
        return 1
    if argv[1] == "validate":
        errs = validate(spec)
    else:
        opts = dict(zip(argv[3::2], argv[4::2]))
        errs = facts(spec, opts["--root"], opts.get("--backend", "legacy"),
                     [x for x in opts.get("--expect", "").split(",") if x])
    for e in errs:
        print(e)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
