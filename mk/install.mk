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
#                          vfioctl.spec inside, so `rpmbuild -ta` works; written into DIST_OUT
#                          (default: here)
#   make print-version     the version (vfioctl.spec's Version:, the one place it is written)
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
INITRAMFSTOOLSDIR ?= $(DATADIR)/initramfs-tools
DRACUTMODDIR   ?= $(PREFIX)/lib/dracut/modules.d
INSTALL        ?= install
DIST_REF       ?= HEAD
DIST_OUT       ?= .
#
# Why these places:
# - udev rules and systemd units are vendor files: they go under $(PREFIX)/lib and the admin
#   overrides them in /etc/udev/rules.d and /etc/systemd/system, as every distro does.
# - etc/vfioctl.conf is a commented template, installed as $(DOCDIR)/examples/vfioctl.conf and
#   never as /etc/vfioctl.conf: the udev rule and the unit run only while that file exists, so a
#   host where nothing is configured spawns nothing (issue 23). `bind --persist` creates it.
# - The udev rules and units are templates (.in): @SBINDIR@ becomes $(SBINDIR) at install, so
#   PREFIX=/usr/local runs /usr/local/sbin/vfioctl.
# - The modprobe.d file is an example, not installed into /etc/modprobe.d: binding vfio-pci by
#   ids at boot is a per-host decision that would grab devices on every machine the package
#   lands on. It goes to $(DOCDIR)/examples/modprobe.d/.

# Files of the source tree (or of a git tree-ish, see dist) sorted into install classes by
# pattern, so a file another engineer adds (etc/udev/60-vfioctl.rules, etc/systemd/x.service)
# is installed without touching this file. % spans directories: etc/%.rules is any .rules file.
PKG_CONF_PAT := etc/vfioctl.conf
PKG_UDEV_PAT := etc/%.rules.in
PKG_UNIT_PAT := etc/%.service.in etc/%.path.in etc/%.timer.in etc/%.socket.in
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

# install_in DIR TEMPLATES: each X.in into $(DESTDIR)DIR/X with @SBINDIR@ filled in
install_in = $(if $(2),$(INSTALL) -d $(DESTDIR)$(1) $(foreach f,$(2),&& \
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' $(f) >$(DESTDIR)$(1)/$(notdir $(f:.in=)) && \
	chmod 644 $(DESTDIR)$(1)/$(notdir $(f:.in=))))

# install_exec_in DIR TEMPLATES: as install_in, mode 755 (initramfs hooks, boot scripts, dracut)
install_exec_in = $(INSTALL) -d $(DESTDIR)$(1) $(foreach f,$(2),&& \
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' $(f) >$(DESTDIR)$(1)/$(notdir $(f:.in=)) && \
	chmod 755 $(DESTDIR)$(1)/$(notdir $(f:.in=)))

install: all
	$(INSTALL) -d $(DESTDIR)$(SBINDIR)
	$(INSTALL) -m 755 $(BUILDDIR)/vfioctl $(DESTDIR)$(SBINDIR)/vfioctl
	$(call install_to,$(MANDIR)/man8,644,$(PKG_MAN8))
	$(call install_to,$(MANDIR)/man5,644,$(PKG_MAN5))
	$(call install_to,$(DOCDIR),644,$(PKG_DOCS))
	$(call install_to,$(DOCDIR)/examples/modprobe.d,644,$(PKG_MODP))
	$(call install_to,$(DOCDIR)/examples,644,$(PKG_CONF))
	$(call install_in,$(UDEVRULESDIR),$(PKG_UDEV))
	$(call install_in,$(SYSTEMDUNITDIR),$(PKG_UNIT))
	$(call install_exec_in,$(INITRAMFSTOOLSDIR)/hooks,etc/initramfs-tools/hooks/vfioctl.in)
	$(call install_exec_in,$(INITRAMFSTOOLSDIR)/scripts/init-bottom,etc/initramfs-tools/scripts/init-bottom/vfioctl.in)
	$(call install_exec_in,$(DRACUTMODDIR)/90vfioctl,etc/dracut/90vfioctl/module-setup.sh.in \
		etc/dracut/90vfioctl/vfioctl-check.sh.in)
	@if [ -f $(COMPDIR)/vfioctl.bash ]; then \
		set -x; \
		$(INSTALL) -D -m 644 $(COMPDIR)/vfioctl.bash $(DESTDIR)$(BASHCOMPDIR)/vfioctl && \
		$(INSTALL) -D -m 644 $(COMPDIR)/_vfioctl $(DESTDIR)$(ZSHCOMPDIR)/_vfioctl && \
		$(INSTALL) -D -m 644 $(COMPDIR)/vfioctl.fish $(DESTDIR)$(FISHCOMPDIR)/vfioctl.fish; \
	else \
		echo "install: no shell completions in $(COMPDIR) (cross build?), not installing them"; \
	fi

# Removes exactly what install lays out. /etc/vfioctl.conf is the admin's (install never
# writes it): it stays.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/vfioctl
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(PKG_MAN8)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(PKG_MAN5)))
	rm -f $(addprefix $(DESTDIR)$(UDEVRULESDIR)/,$(notdir $(PKG_UDEV:.in=)))
	rm -f $(addprefix $(DESTDIR)$(SYSTEMDUNITDIR)/,$(notdir $(PKG_UNIT:.in=)))
	rm -f $(DESTDIR)$(INITRAMFSTOOLSDIR)/hooks/vfioctl \
		$(DESTDIR)$(INITRAMFSTOOLSDIR)/scripts/init-bottom/vfioctl
	rm -rf $(DESTDIR)$(DRACUTMODDIR)/90vfioctl
	rm -f $(DESTDIR)$(BASHCOMPDIR)/vfioctl $(DESTDIR)$(ZSHCOMPDIR)/_vfioctl \
		$(DESTDIR)$(FISHCOMPDIR)/vfioctl.fish
	rm -rf $(DESTDIR)$(DOCDIR)

# ---- version and dist --------------------------------------------------------------------------
# vfioctl.spec is a real spec at the top level (rpmbuild -ba vfioctl.spec, rpmbuild -ta on the
# tarball): its Version: is the one place the version is written; the Makefile reads it and
# debian/changelog must agree (tests/host/packaging.bats checks that).
print-version:
	@echo $(VERSION)

DIST_NAME := vfioctl-$(VERSION)

dist:
	@git rev-parse --verify -q '$(DIST_REF)^{tree}' >/dev/null || \
		{ echo "dist: '$(DIST_REF)' is not a git tree (make dist needs the git checkout)"; exit 1; }
	git archive --format=tar --prefix=$(DIST_NAME)/ '$(DIST_REF)' | \
		gzip -9n >$(DIST_OUT)/$(DIST_NAME).tar.gz.tmp
	mv $(DIST_OUT)/$(DIST_NAME).tar.gz.tmp $(DIST_OUT)/$(DIST_NAME).tar.gz
	@echo "dist: $(DIST_OUT)/$(DIST_NAME).tar.gz ($(DIST_REF))"

.PHONY: completions lint-docs install uninstall print-version dist
