# vfioctl — plain Makefile (see README.md).
#   make                      build build/vfioctl
#   make check                unit tests, host bats suite on fixture trees, VM lab guests
#   make check-host           unit + fixture tests only (no guests)
#   make check-vm [GUEST=x]   guests only (tests/vm/run)
#   make SANITIZE=address,undefined check
#   make install DESTDIR=... PREFIX=/usr
# Cross builds for the lab's foreign guests:
#   make BUILDDIR=build/aarch64 CROSS_COMPILE=aarch64-linux-gnu- SYSROOT=/path/to/root

# The version is written once, in vfioctl.spec (mk/install.mk: print-version, dist).
VERSION    := $(shell sed -n 's/^Version:[[:space:]]*//p' vfioctl.spec)
ifeq ($(VERSION),)
  $(error no Version: line in vfioctl.spec)
endif
PREFIX     ?= /usr
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
BUILDDIR   ?= build
CROSS_COMPILE ?=
CC         := $(if $(filter default,$(origin CC)),$(CROSS_COMPILE)gcc,$(CC))
PKG_CONFIG ?= pkg-config

PKGS := libudev libpci libcap-ng popt smartcols libkmod

ifneq ($(SYSROOT),)
  SYSROOT_TRIPLET := $(patsubst %-,%,$(CROSS_COMPILE))
  PKG_ENV := PKG_CONFIG_SYSROOT_DIR=$(SYSROOT) \
             PKG_CONFIG_LIBDIR=$(SYSROOT)/usr/lib/$(SYSROOT_TRIPLET)/pkgconfig:$(SYSROOT)/usr/share/pkgconfig
  ARCH_FLAGS := --sysroot=$(SYSROOT)
endif

PKG_CFLAGS := $(shell $(PKG_ENV) $(PKG_CONFIG) --cflags $(PKGS))
PKG_LIBS   := $(shell $(PKG_ENV) $(PKG_CONFIG) --libs $(PKGS))
ifeq ($(PKG_LIBS),)
  $(error pkg-config found none of: $(PKGS); install their -dev packages (see .ci/run))
endif
# Line editing for the interactive batch: libedit (BSD licensed; GNU readline is GPL-3) when
# it is installed. Without it (the lab's cross builds) the prompt reads plain lines.
ifeq ($(shell $(PKG_ENV) $(PKG_CONFIG) --exists libedit && echo y),y)
  PKG_CFLAGS += -DVFC_HAVE_LIBEDIT $(shell $(PKG_ENV) $(PKG_CONFIG) --cflags libedit)
  PKG_LIBS   += $(shell $(PKG_ENV) $(PKG_CONFIG) --libs libedit)
endif

WARN := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wpointer-arith -Wcast-align -Wwrite-strings -Wundef -Wvla
ifneq ($(CI),)
  WARN += -Werror
endif
# _FORTIFY_SOURCE=3 unless the distro flags choose a level themselves (dpkg-buildflags puts
# -D_FORTIFY_SOURCE=2 in CPPFLAGS, rpm's optflags -Wp,-D_FORTIFY_SOURCE=3 in CFLAGS): a second
# definition is a "redefined" warning for every file, an error under CI=1.
FORTIFY := $(if $(findstring _FORTIFY_SOURCE,$(CFLAGS) $(CPPFLAGS)),,-D_FORTIFY_SOURCE=3)
ifneq ($(SANITIZE),)
  SAN_FLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
  OPT := -O1 -g
else
  OPT := -O2 -g $(FORTIFY)
endif

# User CFLAGS/LDFLAGS come last so distro flags win but warnings survive.
ALL_CFLAGS  := -std=gnu11 -D_GNU_SOURCE $(OPT) $(WARN) $(ARCH_FLAGS) $(SAN_FLAGS) -Isrc -MMD -MP \
               -DVFIOCTL_VERSION='"$(VERSION)"' $(PKG_CFLAGS) $(CFLAGS) $(CPPFLAGS)
ALL_LDFLAGS := $(ARCH_FLAGS) $(SAN_FLAGS) $(LDFLAGS)

CORE_SRC := $(wildcard src/core/*.c)
OUT_SRC  := $(wildcard src/out/*.c)
CMD_SRC  := $(wildcard src/cmd/*.c)
MAIN_SRC := src/vfioctl.c
LIB_OBJ  := $(patsubst %.c,$(BUILDDIR)/%.o,$(CORE_SRC) $(OUT_SRC))
CMD_OBJ  := $(patsubst %.c,$(BUILDDIR)/%.o,$(CMD_SRC) $(MAIN_SRC))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILDDIR)/tests/unit/%,$(UNIT_SRC))

EDU_BIN := $(if $(wildcard tests/helpers/edu_dma.c),$(BUILDDIR)/tests/edu_dma)

all: $(BUILDDIR)/vfioctl $(EDU_BIN)

$(BUILDDIR)/vfioctl: $(LIB_OBJ) $(CMD_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILDDIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILDDIR)/libvfc.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

$(BUILDDIR)/tests/unit/%: tests/unit/%.c $(BUILDDIR)/libvfc.a tests/unit/tap.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(BUILDDIR)/libvfc.a $(ALL_LDFLAGS) $(PKG_LIBS)

# The lab's edu DMA helper is a test program: kernel uAPI headers and libc only.
$(BUILDDIR)/tests/edu_dma: tests/helpers/edu_dma.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 $(WARN) -Werror $(ARCH_FLAGS) $(SAN_FLAGS) -o $@ $<

# The host suite's fake kernel (tests/fakekernel/fakekernel.c): an LD_PRELOAD test artefact,
# never installed. No sanitizer: it is preloaded into the asan binary too.
FAKEKERNEL_SO := $(BUILDDIR)/tests/fakekernel.so
$(FAKEKERNEL_SO): tests/fakekernel/fakekernel.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -D_GNU_SOURCE -O2 -g $(WARN) -Werror -fPIC -shared $(ARCH_FLAGS) -o $@ $< -ldl

unit: $(UNIT_BIN) $(FAKEKERNEL_SO)

# The sanitizer build is part of every check: unit and host tests run against it too.
asan:
	$(MAKE) --no-print-directory BUILDDIR=build/asan SANITIZE=address,undefined \
		build/asan/vfioctl unit

check: all unit asan
	tests/run

check-host: all unit asan
	tests/run --host

check-vm: all
	tests/run --vm $(GUEST)

demo: all
	tests/vm/demo

# install, uninstall, dist, docs and completions: mk/install.mk (packaging).
-include mk/*.mk

clean:
	rm -rf $(BUILDDIR)

.PHONY: all unit asan check check-host check-vm demo clean
.SECONDARY:
-include $(shell find $(BUILDDIR) -name '*.d' -type f 2>/dev/null)
