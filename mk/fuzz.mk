# Fuzzing (issue 12): one libFuzzer harness per parser that takes outside input.
#   make fuzz                          build build/fuzz/fuzz_* (clang, ASan+UBSan+libFuzzer)
#   make fuzz-run [FUZZ_SECONDS=12]    replay tests/fuzz/corpus/NAME, then fuzz each harness
#   make fuzz-replay                   replay the corpora only (regressions; a few seconds)
# Needs clang and libclang-rt-14-dev (.ci/packages). The core is compiled again with the
# fuzzer's instrumentation into its own archive, so the normal build is untouched.

FUZZ_CC      ?= clang
FUZZ_BUILD   ?= build/fuzz
FUZZ_SECONDS ?= 12
FUZZ_JOBS    ?= 2
FUZZ_NAMES   := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS    := $(patsubst %,$(FUZZ_BUILD)/fuzz_%,$(FUZZ_NAMES))

# -fno-sanitize-recover: UBSan findings must stop the run like ASan ones, or a fuzzer that
# "found" undefined behaviour would still exit 0.
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# The core keeps gcc's warning set; clang finds a few more there (-Wformat-nonliteral on
# v*printf wrappers, -Wcast-align on MMIO), so -Werror applies to the harnesses only.
FUZZ_CFLAGS  := -std=gnu11 -D_GNU_SOURCE -O1 -g $(filter-out -Werror,$(WARN)) $(FUZZ_SAN) -Isrc \
                -DVFIOCTL_VERSION='"$(VERSION)"' $(PKG_CFLAGS)
FUZZ_LIB_OBJ := $(patsubst %.c,$(FUZZ_BUILD)/%.o,$(CORE_SRC) $(OUT_SRC))

$(FUZZ_BUILD)/src/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FUZZ_BUILD)/libvfc-fuzz.a: $(FUZZ_LIB_OBJ)
	$(AR) rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_BUILD)/libvfc-fuzz.a
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(filter -Werror,$(WARN)) -fsanitize=fuzzer -Itests/fuzz -o $@ $< \
		$(FUZZ_BUILD)/libvfc-fuzz.a $(PKG_LIBS)

fuzz: $(FUZZ_BINS)

fuzz-run: fuzz
	FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) \
		tests/fuzz/run $(FUZZ_NAMES)

fuzz-replay: fuzz
	FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=0 tests/fuzz/run $(FUZZ_NAMES)

.PHONY: fuzz fuzz-run fuzz-replay
