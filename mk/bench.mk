# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmarks (issue 11): never part of `make check`. Included by the top-level Makefile.
#
#   make bench             everything: P1 + P4 on this host, P2 + P3 in the x86 lab guest
#   make bench-host        P1 (discovery on the sriov-scale fixture) and P4 (cold start) only
#   make bench-guest       P2 (map/unmap throughput) and P3 (binding) only
#   make bench-bin         the floor programs: build/bench/floor-walk, build/bench/raw-map
#
# Results: $(BUILDDIR)/bench/*.json and $(BUILDDIR)/bench/summary.md; see bench/README.md.
BENCH_OUT ?= $(BUILDDIR)/bench
BENCH_BIN := $(BENCH_OUT)/floor-walk $(BENCH_OUT)/raw-map

bench-bin: $(BENCH_BIN)

# The floors are plain C against libc and the kernel's uAPI headers: no project code in them.
$(BENCH_OUT)/%: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 $(WARN) $(ARCH_FLAGS) -o $@ $<

bench: all bench-bin
	BENCH_OUT=$(BENCH_OUT) bench/run all

bench-host: all bench-bin
	BENCH_OUT=$(BENCH_OUT) bench/run host

bench-guest: all bench-bin
	BENCH_OUT=$(BENCH_OUT) bench/run guest

.PHONY: bench bench-bin bench-host bench-guest
