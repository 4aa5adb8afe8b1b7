# BackpressureBench — the two commands that matter: `make bench` and `make test`.
#
# Every swift invocation passes --manifest-cache none: Package.swift discovers Scenarios/* when it
# is evaluated, and SwiftPM would otherwise reuse a cached evaluation that predates a new folder.

SWIFT      ?= swift
SWIFTFLAGS := --manifest-cache none
PROFILE    ?= standard
SCALE      ?= 1,2,4
ARGS       ?=
CHECK_PROFILE := quick
CHECK_SCALE   := 1,4
# The revision the gate's same-job A/B compares with: the last commit when the tree has
# uncommitted changes (what you are about to commit), else its parent (what CI checks).
AGAINST    ?= $(shell git diff --quiet HEAD -- 2>/dev/null && echo HEAD~1 || echo HEAD)
CHECKS     ?= 30
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
BPBENCH    := .build/release/bpbench
# What build runs first: `make build DEPS=` skips the install check (.ci/run installs on its own).
DEPS       ?= deps
# `make build TESTS=1`: the test bundle too, in the same `swift build` (CI: one manifest evaluation
# and build plan, and the test code's compiles share the cores with the scenarios' instead of
# waiting for the last link). `swift build --build-tests` in release builds without testable imports,
# exactly what `swift test --disable-testable-imports` then finds built: nothing is compiled again.
TESTS      ?=
# `make test-unit BUILT=1` (and test-e2e, check): the release build and the test bundle are already
# there (CI: `make build TESTS=1` just made them), so no null build runs first — each one evaluates
# the ten manifests and plans the build again: 7.7 CPU-s, 10.3 s wall at load 5 (measured
# 2026-12-02 in a fresh clone whose build was done), ≈ 4 in CI's sequence — and the swift test
# commands get --skip-build (Scripts/test-e2e.sh's own build step then builds nothing: its
# narrowed run took 13.8–17.6 s wall, 11.9–14.5 CPU-s, against 17.3–27.3 s, 16.2–19.2 CPU-s, load 5).
BUILT      ?=
FIRST      := $(if $(BUILT),,build)

.PHONY: all deps node-codec attribute build build-debug bench test test-unit test-e2e lint format check gate-proof crash-test baseline list clean

all: bench

## deps: install what is missing, with apt: the C libraries the children link (jemalloc),
## persistent-queue's file (sqlite3), gzip-guide (zlib) and persistent-queue's postgres client (libpq); node for the
## Node scenarios, python3 for a test fixture, postgresql (the server) for persistent-queue's
## postgres backend, chromium for the report.html browser test. Without node or
## PostgreSQL those rows end `skipped` (not failures), without chromium that test is skipped, so a
## failed install of any of them is a warning, not an error.
deps:
	@if ! pkg-config --exists jemalloc libpq 2>/dev/null || [ ! -f /usr/include/sqlite3.h ] || [ ! -f /usr/include/zlib.h ]; then \
		echo "installing libjemalloc-dev, libsqlite3-dev, zlib1g-dev, libpq-dev, pkg-config (apt-get)…"; \
		($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq libjemalloc-dev libsqlite3-dev zlib1g-dev libpq-dev pkg-config) >/dev/null \
		|| { echo "error: could not install libjemalloc-dev libsqlite3-dev zlib1g-dev libpq-dev pkg-config; install them and retry" >&2; exit 1; }; \
	fi
	@missing=""; command -v node >/dev/null 2>&1 || missing="$$missing nodejs"; command -v python3 >/dev/null 2>&1 || missing="$$missing python3"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing (apt-get)…"; \
		($(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing) >/dev/null \
		|| echo "warning: could not install$$missing; the rows that need them (Node scenarios, persistent-queue/postgres) will be skipped" >&2; \
	fi
	@# Chromium on its own: a distribution without the package must not stop node's install.
	@command -v chromium >/dev/null 2>&1 || { echo "installing chromium (apt-get)…"; \
		($(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium) >/dev/null \
		|| echo "warning: could not install chromium; the report.html browser test will be skipped" >&2; }

## node-codec: regenerate the Node kit's WebAssembly item codec from codec.wat (needs wabt).
node-codec:
	@command -v wat2wasm >/dev/null 2>&1 || $(SUDO) apt-get install -y -qq wabt >/dev/null
	wat2wasm Sources/ScenarioKitNode/codec.wat -o .build/codec.wasm
	@{ echo "// Generated from codec.wat by \`make node-codec\` (wat2wasm); do not edit."; \
	   printf "export const CODEC_WASM = '%s';\n" "$$(base64 -w0 .build/codec.wasm)"; } > Sources/ScenarioKitNode/codec.wasm.mjs

## build: release build (a debug build's numbers mean nothing); quiet unless it fails.
build: $(DEPS)
	@mkdir -p .build
	@$(SWIFT) build -c release $(SWIFTFLAGS) $(if $(TESTS),--build-tests) > .build/make-build.log 2>&1 || { cat .build/make-build.log; exit 1; }

build-debug: $(DEPS)
	@mkdir -p .build
	@$(SWIFT) build $(SWIFTFLAGS) > .build/make-build-debug.log 2>&1 || { cat .build/make-build-debug.log; exit 1; }

## bench: every scenario and variant, PROFILE (standard) at SCALE (1,2,4: three points for the growth verdict), 5–10 repeats
## (until each row's figures settle and no growth verdict or claim on it is inconclusive — a claim comparing two
## rows runs both on; a row that no further repeats could settle, or whose repeats at a scale took 25 s, stops
## earlier, marked ⚠ in report.md, as is one stopped with a claim still undecided) → Reports/runs/<timestamp>,
## Reports/latest.
bench: build
	$(BPBENCH) run --profile $(PROFILE) --scale $(SCALE) $(ARGS)

## test: the unit tests, then the end-to-end ones, against the release build `make bench` and the
## gate use — one build for all three (a debug build beside it was ≈ 5.5 of CI's 32 minutes).
## Unit first: they start no process and run in seconds, so a broken model, statistic or gate
## fails before minutes of children. Only the harness modules (BenchSystem … BenchSession) are
## compiled testable (Package.swift); --disable-testable-imports keeps SwiftPM from adding -enable-testing to every
## module, which would recompile the scenarios differently from what `make bench` measures.
## `swift test` alone still tests the debug build (and both targets in one process).
TEST       := $(SWIFT) test -c release --disable-testable-imports $(SWIFTFLAGS)
test: test-unit test-scripts test-e2e

## test-unit: Tests/BackpressureBenchUnitTests and Tests/ScenarioKitTests — no process started.
test-unit: $(FIRST)
	$(TEST) $(if $(BUILT),--skip-build) --filter BackpressureBenchUnitTests --filter ScenarioKitTests

## test-scripts: the tests of the Python tools under Scripts/ (stdlib only, seconds): today
## Scripts/test-compare-runs.py, which holds compare-runs.py's agree / contradict / less-sure
## judgement to both outcomes over synthetic run folders.
test-scripts:
	python3 Scripts/test-compare-runs.py

## test-e2e: Tests/BackpressureBenchEndToEndTests — every test that starts a child, bpbench, git,
## swiftc, PostgreSQL, Node or Chromium, each under the orphan check of its own processes. Two
## phases (Scripts/test-e2e.sh): the tests that can share the two cores two at a time
## (`--parallel --num-workers 2`), then those listed in Tests/e2e-serial.txt alone — gate checks,
## rates and timing thresholds another test's load could move; each entry says why. A new test
## runs in the parallel phase unless listed there. E2E_ONLY=REGEX narrows both to matching
## `Class/method`s; E2E_WORKERS=1 runs the first phase one test at a time. Measured: README, "CI:
## what it runs and how long".
E2E_ONLY    ?=
E2E_WORKERS ?= 2
test-e2e: $(FIRST)
	E2E_ONLY='$(E2E_ONLY)' E2E_WORKERS='$(E2E_WORKERS)' Scripts/test-e2e.sh $(TEST) $(if $(BUILT),--skip-build)

## lint: `swift format lint --strict` (the toolchain's swift-format, .swift-format at the root) over
## every Swift file: any warning fails. CI runs it first (seconds). `make format` rewrites in place.
FORMATTED  := Sources Tests Plugins Scenarios Examples Package.swift
lint:
	$(SWIFT) format lint --strict --recursive --parallel $(FORMATTED)

format:
	$(SWIFT) format format --in-place --recursive --parallel $(FORMATTED)

## attribute: where each row's peak heap is — one repeat of every scenario at ×1 with jemalloc heap
## profiling; report.md gets the top allocation stacks, flame-<row>.svg the flame graphs.
attribute: build
	$(BPBENCH) run --attribute --profile $(PROFILE) --scale 1 --repeat 1 --warmup 0 $(ARGS)

## check: the CI gate — the baseline's plan (quick, ×1 and ×4, 3–5 repeats: a row stops once the
## gate's answer for it cannot change), interleaved with $(AGAINST)
## built in .build/ab/; machine-stable figures vs Reports/baseline.json, machine-bound ones vs
## $(AGAINST). Exit 1 on a regression, 65 when the plan is not comparable with the baseline.
## `make check ARGS="--inject bounded-queue.capacity=160"` shows it failing.
check: $(FIRST)
	$(BPBENCH) check --baseline Reports/baseline.json --against $(AGAINST) --quiet $(ARGS)

## gate-proof: CHECKS unchanged checks (false alarms) and injected regressions (detection
## power: parameters scaled, a harness-injected 1/32-per-item leak, a source edit built as the
## head — Reports/gate-proof.json) on this machine → Reports/runs/<timestamp>/gate-proof.md, each
## rate with its exact 95 % interval (0 false alarms in 30 checks bounds the rate below 11.6 %).
## Hours: see the README's gate-proof paragraph. ARGS="--scenario NAME --checks 2" for a quick one.
gate-proof: build
	$(BPBENCH) gate-proof --checks $(CHECKS) $(ARGS)

## crash-test: kill -9 the durable queue KILLS times at random moments, restart it on the same
## file, drain and verify; exit 1 if anything is lost, the drain fails or a restart did not resume.
## The producer is paced to 2000 events/s so each killed run commits ~1000 events: 100 kills land
## while it is still producing (unpaced, the first 8 kills committed all 50k events and the other
## 92 runs found nothing left to do). Then the postgres backend: each kill takes the producer,
## its workers and the server down at once (the server recovers from its WAL at the restart),
## the kills land 0.5–2.5 s after a start (a server needs ~0.5 s to come up), and inside each run
## two workers are killed at random moments and restarted.
KILLS      ?= 100
CRASH_ARGS ?= --param items=150k --param producer_rate=2000
crash-test: build
	$(BPBENCH) run --scenario persistent-queue --crash-test $(KILLS) --profile $(PROFILE) $(CRASH_ARGS) $(ARGS)
	$(BPBENCH) run --scenario persistent-queue --crash-test $(KILLS) --crash-window 0.5-2.5 --profile $(PROFILE) $(CRASH_ARGS) \
		--param backend=postgres --param worker_kills=2 $(ARGS)

## baseline: run the check's plan RUNS separate times (separate bpbench processes) and make them
## the committed baseline: each cell keeps every run's repeats, so a check without a base
## revision judges it against the spread between runs (README, "The CI gate").
RUNS ?= 3
baseline: build
	@for run in $$(seq $(RUNS)); do \
		echo "baseline: run $$run of $(RUNS)"; \
		$(BPBENCH) run --profile $(CHECK_PROFILE) --scale $(CHECK_SCALE) --repeat 5 --quiet $(ARGS) || exit $$?; \
	done
	$(BPBENCH) baseline update --runs $(RUNS) --baseline Reports/baseline.json

list: build
	$(BPBENCH) list

clean:
	rm -rf .build Reports/runs Reports/latest Reports/cache
