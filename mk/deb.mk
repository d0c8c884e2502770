# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian package (debian/, native format), built the way a Debian builder does it: from
# `make dist`'s tarball (so only tracked files go in), unpacked under $(BUILDDIR)/deb-src, with
# `dpkg-buildpackage -us -uc -b`. Included by the top-level Makefile after mk/install.mk.
#
#   make deb                      $(DEB_OUT)/vfioctl_$(VERSION)_ARCH.deb (+ dbgsym unless
#                                 DEB_BUILD_OPTIONS=noautodbgsym, .changes, .buildinfo)
#   make deb DIST_REF=<commit>    another tree-ish (tests/host/packaging.bats passes a
#                                 `git stash create` commit: uncommitted edits too)
#   make deb DEB_BUILD_OPTIONS=nocheck   skip the unit tests inside the build
#   make lintian                  lintian on what `make deb` built: no error, no warning
DEB_OUT  ?= $(BUILDDIR)/deb
DEB_SRC  := $(BUILDDIR)/deb-src
DEB_JOBS ?= 2
# The package's own make runs must not inherit this one's command line (through MAKEFLAGS and
# the environment): a BUILDDIR=... here made its `make clean` delete the tree being built.
DEB_UNSET := -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES -u BUILDDIR -u DEB_OUT \
             -u DIST_REF -u DIST_OUT -u PREFIX -u SBINDIR -u DESTDIR -u CI -u SANITIZE

deb:
	@command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null || \
		{ echo "deb: needs dpkg-dev and debhelper (apt-get install dpkg-dev debhelper)"; exit 1; }
	rm -rf $(DEB_SRC)
	mkdir -p $(DEB_SRC) $(DEB_OUT)
	$(MAKE) --no-print-directory dist DIST_OUT=$(DEB_SRC)
	tar -xzf $(DEB_SRC)/$(DIST_NAME).tar.gz -C $(DEB_SRC)
	cd $(DEB_SRC)/$(DIST_NAME) && env $(DEB_UNSET) dpkg-buildpackage -us -uc -b -j$(DEB_JOBS)
	rm -f $(DEB_OUT)/vfioctl_* $(DEB_OUT)/vfioctl-dbgsym_*
	find $(DEB_SRC) -maxdepth 1 -type f -name 'vfioctl*_$(VERSION)_*' -exec mv -t $(DEB_OUT)/ {} +
	rm -rf $(DEB_SRC)	# its build/ holds .d files the top-level Makefile would include
	@echo "deb: $$(ls $(DEB_OUT)/vfioctl_*.deb)"

# --fail-on: warnings fail too. Lintian says "running with root privileges is not recommended"
# on stderr as root; that is not a tag.
lintian:
	lintian --fail-on error,warning --info $(DEB_OUT)/vfioctl_$(VERSION)_*.changes

.PHONY: deb lintian
