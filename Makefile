# The two commands: `make demo` (the main job) and `make test` (the tests).
# Both install what is missing (Debian packages, the reference peer for interop tests), configure,
# build and run.
BUILD    ?= build
JOBS     ?= $(shell nproc)
PACKAGES := g++ cmake make pkg-config ccache clang-format libcaf-dev libasio-dev libsodium-dev \
            libyaml-cpp-dev libboost-test-dev libcli11-dev nlohmann-json3-dev libfmt-dev \
            libspdlog-dev libtorrent-rasterbar-dev libbenchmark-dev
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release -DDDB_WERROR=ON

.PHONY: all deps configure build test demo format format-check interop-deps bench clean

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

bench: build interop-deps
	bash bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD)
