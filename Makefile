# The two commands: `make demo` (the main job) and `make test` (the tests).
# Both install what is missing (Debian packages, the reference peer for interop tests), configure,
# build and run.
BUILD    ?= build
JOBS     ?= $(shell nproc)
PACKAGES := g++ cmake make pkg-config ccache clang-format libcaf-dev libasio-dev libsodium-dev \
            libyaml-cpp-dev libboost-test-dev libcli11-dev nlohmann-json3-dev libfmt-dev \
            libspdlog-dev libtorrent-rasterbar-dev libbenchmark-dev libcpp-httplib-dev \
            chromium
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release -DDDB_WERROR=ON

.PHONY: all deps configure build test demo format format-check interop-deps bench sim-sweep clean \
        sanitize fuzz fuzz-deps

all: build

deps:
	@missing=""; for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || \
	    missing="$$missing $$p"; \
	done; \
	command -v node >/dev/null 2>&1 || missing="$$missing nodejs"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

configure: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null

build: configure
	cmake --build $(BUILD) -j $(JOBS)

interop-deps:
	@cd tests/interop && { [ -d node_modules/ddatabase ] || npm ci --no-audit --no-fund --loglevel=error; }

format-check:
	@files=$$(git ls-files '*.cpp' '*.hpp'); \
	if [ -n "$$files" ]; then clang-format --dry-run --Werror $$files; fi

format:
	@clang-format -i $$(git ls-files '*.cpp' '*.hpp')

test: build interop-deps format-check
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900

demo: build
	bash scripts/demo.sh $(BUILD)/ddatabase

# Whole processes first (the headline numbers, bench/README.md), then the engine-level benches.
bench: build interop-deps
	bash bench/whole.sh $(abspath $(BUILD))
	bash bench/run.sh $(abspath $(BUILD))
	bash bench/sync.sh $(abspath $(BUILD))

# Long simulator sweeps (not part of `make test`): every shipped scenario over SEEDS seeds, each
# seed in its own process; then the 1,000-node smoke once. Failing seeds are listed; replay one
# with `build/ddatabase sim SCENARIO --seed N --verbose`, shrink it with `--shrink`.
SEEDS ?= 1..100
sim-sweep: build
	@fail=0; for s in smoke smoke_10 smoke_50 churny_swarm partitioned_mesh crashing_writer \
	  hostile_peers; do echo "== $$s"; \
	  $(BUILD)/ddatabase sim sim/scenarios/$$s.yaml --seeds $(SEEDS) > /tmp/ddb-sweep.$$$$ || fail=1; \
	  grep -v ': exit 0 ' /tmp/ddb-sweep.$$$$; rm -f /tmp/ddb-sweep.$$$$; \
	done; $(BUILD)/ddatabase sim sim/scenarios/smoke_1000.yaml --seed 1 | head -3 || fail=1; exit $$fail

# ASan+UBSan (g++, build-asan): the unit, actors, interop and sim suites; the first report stops
# the process (halt_on_error, abort_on_error). tests/sanitize/ubsan.supp lists the reports we
# suppress (in CAF's headers), each with its reason. Full debug info (RelWithDebInfo): the
# suppressions match frames inlined from CAF's headers, which line tables alone (-g1) do not name.
ASAN_BUILD ?= build-asan
# The flags are spelled out: a build directory configured before keeps its cached ones otherwise.
SANITIZE_CMAKE := -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g -DNDEBUG"
SANITIZE_ENV := ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1 \
  UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1:suppressions=$(CURDIR)/tests/sanitize/ubsan.supp \
  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitize/lsan.supp
sanitize: deps interop-deps
	@cmake -S . -B $(ASAN_BUILD) $(SANITIZE_CMAKE) -DDDB_SANITIZE=ON >/dev/null
	cmake --build $(ASAN_BUILD) -j $(JOBS) --target sanitize_suites
	cd $(ASAN_BUILD) && $(SANITIZE_ENV) ctest --output-on-failure -j $(JOBS) --timeout 900 \
	  -L '^(unit|actors|interop|sim)$$'

# libFuzzer (clang, build-fuzz): every tests/fuzz/fuzz_NAME.cpp for FUZZ_SECONDS from its seed
# corpus tests/fuzz/corpus/NAME/ (tests/fuzz/run.sh); any crash or sanitizer report fails.
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 30
FUZZ_FLAGS   ?= -max_len=16384 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
FUZZ_PACKAGES := clang libclang-rt-dev  # the compiler and its sanitizer/libFuzzer runtimes
fuzz-deps:
	@$(MAKE) --no-print-directory deps PACKAGES="$(FUZZ_PACKAGES)"
fuzz: deps fuzz-deps
	@CXX=clang++ cmake -S . -B $(FUZZ_BUILD) $(SANITIZE_CMAKE) -DDDB_FUZZ=ON >/dev/null
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzzers
	$(SANITIZE_ENV) bash tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_FLAGS)

clean:
	rm -rf $(BUILD)
