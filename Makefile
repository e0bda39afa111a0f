# Thin wrapper over CMake presets. `make test` is what CI runs.
JOBS ?= $(shell nproc)
# ccache: share cached objects between checkouts of this tree (paths made relative).
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1
FUZZ_SECONDS ?= 20

.PHONY: all bootstrap configure build test test-debug test-tsan up fuzz fuzz-ci explore clean format

all: build

bootstrap:
	@tools/bootstrap

# $(call configure_preset,NAME): `cmake --preset NAME`, on every call (a reconfigure takes
# about a second), so a tool or library installed since the last one (tools/bootstrap
# --bench) is found. Prints only ringkv's summary of skipped optional parts; the whole log
# is build/NAME/configure.log, shown when configuring fails.
configure_preset = mkdir -p build/$(1) && \
  { cmake --preset $(1) >build/$(1)/configure.log \
    || { cat build/$(1)/configure.log; exit 1; }; } && \
  { grep '^-- ringkv:' build/$(1)/configure.log || true; }

configure: bootstrap
	@$(call configure_preset,release)

build: configure
	cmake --build --preset release -j $(JOBS)

# Everything CI checks in the release build: unit, property, simulation, integration.
test: build
	ctest --preset release -j $(JOBS)

# The same tests under AddressSanitizer + UndefinedBehaviorSanitizer.
test-debug: bootstrap
	@$(call configure_preset,debug)
	cmake --build --preset debug -j $(JOBS)
	ctest --preset debug -j $(JOBS)

# The real-process tests against kvnode built with ThreadSanitizer (its loop thread and the
# libuv pool thread that runs --sync always syncs). Every process writes a report file on
# a race (TSAN_OPTIONS log_path): any report fails the target, even one a test missed.
TSAN_REPORTS = $(CURDIR)/build/tsan/reports
test-tsan: bootstrap
	@$(call configure_preset,tsan)
	cmake --build --preset tsan -j $(JOBS)
	rm -rf $(TSAN_REPORTS) && mkdir -p $(TSAN_REPORTS)
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 log_path=$(TSAN_REPORTS)/race" \
	  ctest --preset tsan -j $(JOBS)
	@if ls $(TSAN_REPORTS)/race.* >/dev/null 2>&1; then cat $(TSAN_REPORTS)/race.*; \
	  echo "make test-tsan: ThreadSanitizer reported races (above)" >&2; exit 1; fi

up: build
	@if [ -x tools/local-cluster ]; then exec tools/local-cluster; \
	else echo "make up: the runtime (kvnode) is not built yet; see README" >&2; exit 1; fi

fuzz: bootstrap
	@$(call configure_preset,fuzz)
	cmake --build --preset fuzz -j $(JOBS)
	@if [ -x tools/run-fuzzers ]; then tools/run-fuzzers build/fuzz $(FUZZ_SECONDS); \
	else echo "make fuzz: no fuzz targets yet" >&2; exit 1; fi

# CI: every decoder target for a short run (the whole-cluster target is too slow to learn
# anything in seconds; its corpus is replayed by ctest instead).
FUZZ_CI_TARGETS = http_request http_response codec percent gossip_merge wal_reader sstable_reader
fuzz-ci: bootstrap
	@$(call configure_preset,fuzz)
	cmake --build --preset fuzz -j $(JOBS) --target $(addprefix fuzz_,$(FUZZ_CI_TARGETS))
	tools/run-fuzzers build/fuzz $(FUZZ_SECONDS) $(FUZZ_CI_TARGETS)

# Random exploration, never in CI: fresh kvsim seeds and a fresh RapidCheck seed; every
# failure prints its replay command (tools/explore).
EXPLORE_SEEDS ?= 500
explore: build
	tools/explore $(EXPLORE_SEEDS)

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf build
