# tapeop front door. On a fresh Debian 12 machine:
#   make demo   installs what is missing (as root), builds, runs the example session
#   make test   installs what is missing (as root), builds, runs the whole test suite
#   make bench  tapeop against ffmpeg and sox on the same generated material

BUILD    ?= build
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

# Build and run-time dependencies (Debian 12 package names).
DEPS_BUILD = cmake g++ make pkg-config libsndfile1-dev libebur128-dev libsoxr-dev \
             libcli11-dev doctest-dev nlohmann-json3-dev libxxhash-dev libtag1-dev libflac-dev ccache \
             libavformat-dev libavcodec-dev libavutil-dev
# Used by the tests and benchmarks as independent references and peers (meters, taggers,
# metadata readers, a browser for the reports, MIDI and speech renderers for clean material,
# clang + libFuzzer for the fuzz targets).
DEPS_TEST  = ffmpeg sox parallel time flac lame opus-tools loudgain libimage-exiftool-perl \
             mediainfo python3-jsonschema chromium fluidsynth fluid-soundfont-gm espeak-ng \
             clang hyperfine
DEPS       = $(DEPS_BUILD) $(DEPS_TEST)

.PHONY: all deps build test demo bench clean sanitize tsan tsan-batch fuzz format format-check

all: build

deps:
	@missing=""; \
	for p in $(DEPS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "make deps: installing$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else \
	  echo "make deps: missing Debian packages. Run as root:"; \
	  echo "  apt-get install -y$$missing"; \
	  exit 1; \
	fi

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# The demo needs only the executable: a newcomer does not wait for the unit tests.
demo: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS) --target tapeop
	TAPEOP=$(BUILD)/tapeop bash examples/demo.sh

bench: build
	TAPEOP=$(BUILD)/tapeop bash tests/bench/run.sh

# One instrumented tree, build-asan (clang++, ASan + UBSan, libFuzzer coverage hooks, -O1):
# `make sanitize` runs the suite in it (SANITIZE_TESTS, a ctest -R pattern, picks a subset and
# SANITIZE_SKIP, a ctest -E pattern, leaves some out; default: all) and `make fuzz` links the
# libFuzzer targets from the same objects.
ASAN_BUILD  = build-asan
ASAN_CMAKE  = -DCMAKE_CXX_COMPILER=clang++ -DTAPEOP_SANITIZE=ON -DTAPEOP_FUZZ=ON -DCMAKE_BUILD_TYPE=Release
SANITIZE_TESTS ?= .
SANITIZE_SKIP ?=
$(ASAN_BUILD)/CMakeCache.txt:
	cmake -S . -B $(ASAN_BUILD) $(ASAN_CMAKE)

sanitize: deps $(ASAN_BUILD)/CMakeCache.txt
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS) -R '$(SANITIZE_TESTS)' \
	  $(if $(SANITIZE_SKIP),-E '$(SANITIZE_SKIP)')

# The thread sanitizer over the whole suite (the read-ahead, the background output stage and
# the batch workers).
TSAN_BUILD = build-tsan
TSAN_CMAKE = -DCMAKE_CXX_COMPILER=clang++ -DTAPEOP_TSAN=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
$(TSAN_BUILD)/CMakeCache.txt:
	cmake -S . -B $(TSAN_BUILD) $(TSAN_CMAKE)

tsan: deps $(TSAN_BUILD)/CMakeCache.txt
	cmake --build $(TSAN_BUILD) -j $(JOBS)
	ctest --test-dir $(TSAN_BUILD) --output-on-failure -j $(JOBS)

# CI's TSan phase: only the tests whose code runs threads (reader read-ahead, background
# output stage, the limiter's detection thread, chain, batch workers, shards, manifests), the
# rest adds time, not races. It builds only what those tests run: tapeop and the unit-test
# binary.
TSAN_TESTS ?= ^unit\.(io|chain|master|mix|limiter_thread|batch_.*)$$|^cli\.test_(batch|run|convert|master)$$
tsan-batch: deps $(TSAN_BUILD)/CMakeCache.txt
	cmake --build $(TSAN_BUILD) -j $(JOBS) --target tapeop tapeop_unit
	ctest --test-dir $(TSAN_BUILD) --output-on-failure -j $(JOBS) -R '$(TSAN_TESTS)'

# libFuzzer targets (tests/fuzz) under ASan + UBSan, linked in build-asan, each run for
# FUZZ_SECONDS from a seed corpus made by that tree's tapeop. Fails on the first finding (its
# input is left in build-asan/findings/).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS = reader recipe spec manifest metadata
fuzz: deps $(ASAN_BUILD)/CMakeCache.txt
	cmake --build $(ASAN_BUILD) -j $(JOBS) --target tapeop $(addprefix fuzz_,$(FUZZ_TARGETS))
	bash tests/fuzz/make_corpus.sh $(ASAN_BUILD)/tapeop $(ASAN_BUILD)/seeds
	bash tests/fuzz/run.sh $(ASAN_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

# CI: fails (and names the lines) when a C++ file is not formatted; tests/cli/test_format.sh
# runs the same check in `make test`.
format-check:
	clang-format --dry-run -Werror $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD)
