# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Sourced INSIDE a lab guest by the benchmarks that run there (guest-p3.sh, guest-p5.sh).

# driverctl runs /sbin/modprobe for a module it does not find as /sys/module/vfio-pci (the
# directory is vfio_pci); the guest's modules come from its initramfs, so modprobe cannot
# find them. A shim in the guest's tmpfs overlay says yes for modules already loaded.
guest_modprobe_shim() {
	local kmod
	/sbin/modprobe -q vfio-pci 2>/dev/null && return 0
	kmod=$(readlink -f /sbin/modprobe)	# kmod: it acts on the name it is called by
	rm -f /sbin/modprobe
	# shellcheck disable=SC2016 # the shim's own expansions
	printf '#!/bin/bash\nfor a; do case "$a" in -*) ;; *) [ -d "/sys/module/${a//-/_}" ] && exit 0 ;; esac; done\nexec -a modprobe %s "$@"\n' "$kmod" >/sbin/modprobe
	chmod +x /sbin/modprobe
}

# shellcheck disable=SC2154 # ms: the caller's associative array
# guest_results FILE HEAD TOOL...: {HEAD, "TOOL": [ms...], ...} from the array ms (TOOL ->
# "N N N "), written to FILE and printed.
guest_results() {
	local file=$1 head=$2 t
	shift 2
	{
		printf '{%s' "$head"
		for t; do
			printf ', "%s": [%s]' "$t" "$(echo "${ms[$t]}" | xargs | tr ' ' ',')"
		done
		echo '}'
	} >"$file"
	cat "$file"
}
