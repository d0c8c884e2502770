# SPDX-License-Identifier: GPL-2.0-or-later
# Packaging: completions, docs lint, install/uninstall, dist, the RPM spec.
# Included by the top-level Makefile (-include mk/*.mk), which defines VERSION, PREFIX, SBINDIR,
# MANDIR, BUILDDIR and CROSS_COMPILE.
#
#   make completions       build/completions/{vfioctl.bash,_vfioctl,vfioctl.fish} from the
#                          command table (`vfioctl --dump-commands`); part of `make all`
#   make lint-docs         mandoc -T lint every man page (tests/host/docs.bats does this too)
#   make install DESTDIR=/tmp/stage PREFIX=/usr
#   make uninstall DESTDIR=/tmp/stage PREFIX=/usr
#   make dist              vfioctl-$(VERSION).tar.gz from `git archive` (DIST_REF, default HEAD),
#                          with the generated vfioctl.spec inside, so `rpmbuild -ta` works;
#                          written into DIST_OUT (default: here)
#   make spec              $(BUILDDIR)/vfioctl.spec for this working tree
#
# Layout (override any of these; the defaults are what Debian, Fedora and Arch use with /usr):
SYSCONFDIR     ?= /etc
DATADIR        ?= $(PREFIX)/share
DOCDIR         ?= $(DATADIR)/doc/vfioctl
BASHCOMPDIR    ?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR     ?= $(DATADIR)/zsh/vendor-completions
FISHCOMPDIR    ?= $(DATADIR)/fish/vendor_completions.d
UDEVRULESDIR   ?= $(PREFIX)/lib/udev/rules.d
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
INSTALL        ?= install
DIST_REF       ?= HEAD
DIST_OUT       ?= .
#
# Why these places:
# - udev rules and systemd units are vendor files: they go under $(PREFIX)/lib and the admin
#   overrides them in /etc/udev/rules.d and /etc/systemd/system, as every distro does.
# - etc/vfioctl.conf is the admin's file: /etc, never overwritten by the RPM (%config(noreplace)).
# - The modprobe.d file is an example, not installed into /etc/modprobe.d: binding vfio-pci by
#   ids at boot is a per-host decision that would grab devices on every machine the package
#   lands on. It goes to $(DOCDIR)/examples/modprobe.d/.

# Files of the source tree (or of a git tree-ish, see dist) sorted into install classes by
# pattern, so a file another engineer adds (etc/udev/60-vfioctl.rules, etc/systemd/x.service)
# is installed without touching this file. % spans directories: etc/%.rules is any .rules file.
PKG_CONF_PAT := etc/vfioctl.conf
PKG_UDEV_PAT := etc/%.rules
PKG_UNIT_PAT := etc/%.service etc/%.path etc/%.timer etc/%.socket
PKG_MODP_PAT := etc/modprobe.d/%.conf
PKG_MAN8_PAT := man/%.8
PKG_MAN5_PAT := man/%.5
pkg_class = $(sort $(filter $(1),$(2)))

PKG_TREE := $(shell find etc man -type f 2>/dev/null)
PKG_CONF := $(call pkg_class,$(PKG_CONF_PAT),$(PKG_TREE))
PKG_UDEV := $(call pkg_class,$(PKG_UDEV_PAT),$(PKG_TREE))
PKG_UNIT := $(call pkg_class,$(PKG_UNIT_PAT),$(PKG_TREE))
PKG_MODP := $(call pkg_class,$(PKG_MODP_PAT),$(PKG_TREE))
PKG_MAN8 := $(call pkg_class,$(PKG_MAN8_PAT),$(PKG_TREE))
PKG_MAN5 := $(call pkg_class,$(PKG_MAN5_PAT),$(PKG_TREE))
PKG_DOCS := $(wildcard README.md)

# ---- completions -------------------------------------------------------------------------------
# Generated from the binary's command table. A cross build cannot run its binary: then give
# DUMP_FROM=path/to/a/native/vfioctl (the table does not depend on the architecture), or the
# completions are skipped with a message and `make install` installs none.
COMPDIR     := $(BUILDDIR)/completions
COMPLETIONS := $(COMPDIR)/vfioctl.bash $(COMPDIR)/_vfioctl $(COMPDIR)/vfioctl.fish
DUMP_FROM   ?= $(if $(CROSS_COMPILE),,$(BUILDDIR)/vfioctl)

ifneq ($(DUMP_FROM),)
completions: $(COMPLETIONS)

$(BUILDDIR)/commands.tsv: $(DUMP_FROM)
	@mkdir -p $(dir $@)
	$(DUMP_FROM) --dump-commands >$@.tmp
	mv $@.tmp $@

$(COMPDIR)/vfioctl.bash: completions/gen completions/vfioctl.bash.in $(BUILDDIR)/commands.tsv
	@mkdir -p $(dir $@)
	completions/gen bash $(BUILDDIR)/commands.tsv >$@.tmp
	mv $@.tmp $@

$(COMPDIR)/_vfioctl: completions/gen completions/vfioctl.zsh.in $(BUILDDIR)/commands.tsv
	@mkdir -p $(dir $@)
	completions/gen zsh $(BUILDDIR)/commands.tsv >$@.tmp
	mv $@.tmp $@

$(COMPDIR)/vfioctl.fish: completions/gen completions/vfioctl.fish.in $(BUILDDIR)/commands.tsv
	@mkdir -p $(dir $@)
	completions/gen fish $(BUILDDIR)/commands.tsv >$@.tmp
	mv $@.tmp $@
else
completions:
	@echo "completions: skipped: cross build (CROSS_COMPILE=$(CROSS_COMPILE)) cannot run" \
		"$(BUILDDIR)/vfioctl; set DUMP_FROM=a native vfioctl to generate them"
endif

all: completions

# ---- docs --------------------------------------------------------------------------------------
lint-docs:
	mandoc -T lint -W warning $(PKG_MAN8) $(PKG_MAN5)

# ---- install -----------------------------------------------------------------------------------
# install_to DIR MODE FILES: each file into $(DESTDIR)DIR under its own name
install_to = $(if $(3),$(INSTALL) -d $(DESTDIR)$(1) && $(INSTALL) -m $(2) $(3) $(DESTDIR)$(1)/)

install: all
	$(INSTALL) -d $(DESTDIR)$(SBINDIR)
	$(INSTALL) -m 755 $(BUILDDIR)/vfioctl $(DESTDIR)$(SBINDIR)/vfioctl
	$(call install_to,$(MANDIR)/man8,644,$(PKG_MAN8))
	$(call install_to,$(MANDIR)/man5,644,$(PKG_MAN5))
	$(call install_to,$(DOCDIR),644,$(PKG_DOCS))
	$(call install_to,$(DOCDIR)/examples/modprobe.d,644,$(PKG_MODP))
	$(call install_to,$(SYSCONFDIR),644,$(PKG_CONF))
	$(call install_to,$(UDEVRULESDIR),644,$(PKG_UDEV))
	$(call install_to,$(SYSTEMDUNITDIR),644,$(PKG_UNIT))
	@if [ -f $(COMPDIR)/vfioctl.bash ]; then \
		set -x; \
		$(INSTALL) -D -m 644 $(COMPDIR)/vfioctl.bash $(DESTDIR)$(BASHCOMPDIR)/vfioctl && \
		$(INSTALL) -D -m 644 $(COMPDIR)/_vfioctl $(DESTDIR)$(ZSHCOMPDIR)/_vfioctl && \
		$(INSTALL) -D -m 644 $(COMPDIR)/vfioctl.fish $(DESTDIR)$(FISHCOMPDIR)/vfioctl.fish; \
	else \
		echo "install: no shell completions in $(COMPDIR) (cross build?), not installing them"; \
	fi

# Removes exactly what install lays out; /etc/vfioctl.conf too, as `make install` put it there
# (a package manager keeps a changed one; make has no way to tell).
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/vfioctl
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(PKG_MAN8)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(PKG_MAN5)))
	rm -f $(addprefix $(DESTDIR)$(SYSCONFDIR)/,$(notdir $(PKG_CONF)))
	rm -f $(addprefix $(DESTDIR)$(UDEVRULESDIR)/,$(notdir $(PKG_UDEV)))
	rm -f $(addprefix $(DESTDIR)$(SYSTEMDUNITDIR)/,$(notdir $(PKG_UNIT)))
	rm -f $(DESTDIR)$(BASHCOMPDIR)/vfioctl $(DESTDIR)$(ZSHCOMPDIR)/_vfioctl \
		$(DESTDIR)$(FISHCOMPDIR)/vfioctl.fish
	rm -rf $(DESTDIR)$(DOCDIR)

# ---- spec and dist -----------------------------------------------------------------------------
# The spec's %files and scriptlets depend on which etc files and man pages exist, so it is
# generated from vfioctl.spec.in for one file list: this working tree (make spec) or the tree
# being archived (make dist, from `git ls-tree`), never a mix of the two.
# spec_lines FILES: the %files lines and unit names for that list
spec_files = \
	$(foreach f,$(call pkg_class,$(PKG_MAN5_PAT),$(1)),%{_mandir}/man5/$(notdir $(f))*\n) \
	$(foreach f,$(call pkg_class,$(PKG_CONF_PAT),$(1)),%config(noreplace) %{_sysconfdir}/$(notdir $(f))\n) \
	$(foreach f,$(call pkg_class,$(PKG_UDEV_PAT),$(1)),%{_udevrulesdir}/$(notdir $(f))\n) \
	$(foreach f,$(call pkg_class,$(PKG_UNIT_PAT),$(1)),%{_unitdir}/$(notdir $(f))\n)
spec_units = $(notdir $(call pkg_class,$(PKG_UNIT_PAT),$(1)))
spec_udev = $(if $(call pkg_class,$(PKG_UDEV_PAT),$(1)),1,0)

# gen_spec FILES OUT
define gen_spec
	@mkdir -p $(dir $(2))
	sed -e 's|@VERSION@|$(VERSION)|g' \
	    -e 's|@UNITS@|$(or $(strip $(call spec_units,$(1))),%{nil})|g' \
	    -e 's|@HAVE_UDEV@|$(call spec_udev,$(1))|g' \
	    -e 's|^@FILES@$$|$(strip $(call spec_files,$(1)))|' \
	    vfioctl.spec.in | sed -e 's/^ //' >$(2).tmp
	mv $(2).tmp $(2)
endef

spec: $(BUILDDIR)/vfioctl.spec

$(BUILDDIR)/vfioctl.spec: vfioctl.spec.in mk/install.mk $(PKG_TREE)
	$(call gen_spec,$(PKG_TREE),$@)

DIST_NAME := vfioctl-$(VERSION)

dist:
	@git rev-parse --verify -q '$(DIST_REF)^{tree}' >/dev/null || \
		{ echo "dist: '$(DIST_REF)' is not a git tree (make dist needs the git checkout)"; exit 1; }
	$(call gen_spec,$(shell git ls-tree -r --name-only '$(DIST_REF)' -- etc man),$(BUILDDIR)/dist/vfioctl.spec)
	git archive --format=tar --prefix=$(DIST_NAME)/ \
		--add-file=$(BUILDDIR)/dist/vfioctl.spec '$(DIST_REF)' | gzip -9n >$(DIST_OUT)/$(DIST_NAME).tar.gz.tmp
	mv $(DIST_OUT)/$(DIST_NAME).tar.gz.tmp $(DIST_OUT)/$(DIST_NAME).tar.gz
	@echo "dist: $(DIST_OUT)/$(DIST_NAME).tar.gz ($(DIST_REF))"

.PHONY: completions lint-docs install uninstall spec dist
