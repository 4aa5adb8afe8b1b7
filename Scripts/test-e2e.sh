#!/usr/bin/env bash
# `make test-e2e`: the end-to-end tests (Tests/BackpressureBenchEndToEndTests) in two phases.
#
#   1. every test not named in Tests/e2e-serial.txt, two at a time (`swift test --parallel
#      --num-workers 2`: each test its own process, judged by its own orphan check — see
#      TestProcessScope); results in .build/test-e2e-parallel.xml (xUnit);
#   2. the tests named there, alone, one after another in one test process (the bundle itself,
#      given their names; their reasons are written beside them); its XCTest log in
#      .build/test-e2e-serial.log.
#
# Both phases run even when the first fails; the exit code is non-zero when either failed, when
# either ran a different number of tests than planned, or when a name in the list matches no
# test. The last two lines: each phase's CPU (Scripts/cpu-since.sh), then the count CI prints
# (.ci/run reads it):
#   test-e2e: N tests, F failed; P two at a time in W s, S alone in V s (wall clock)
#
# Usage: Scripts/test-e2e.sh SWIFT-TEST-COMMAND…   (the Makefile passes `swift test -c release …`)
# E2E_ONLY=REGEX narrows both phases to the tests whose `Class/method` it matches from the start
# (`make test-e2e E2E_ONLY='ChildRunnerTests|SeedPatternTests/testAwaited'`); E2E_WORKERS=N sets
# the first phase's workers (1: every test alone, each in its own process).
set -uo pipefail
cd "$(dirname "$0")/.."
target=BackpressureBenchEndToEndTests
list=Tests/e2e-serial.txt
workers=${E2E_WORKERS:-2}
mkdir -p .build
xunit=.build/test-e2e-parallel.xml
serial_log=.build/test-e2e-serial.log
planned_list=.build/test-e2e-tests.txt

# The command split into `swift test` and its options. Without --skip-build, build once with the
# options as given (a run that matches no test); with it (CI's BUILT=1: `make build TESTS=1` just
# built the bundle) nothing is run for that. Each `swift test` evaluates the ten manifests and plans
# the build before it starts the bundle (--manifest-cache none, Makefile): so the tests are listed by
# the bundle itself (`--list-tests`, what `swift test list` prints, in 0.1 s) and the second phase
# runs the bundle directly with its test names, as `swift test --filter` would run it (README, "CI:
# what it runs and how long", for the seconds each saves).
swift=("$1" "$2")
shift 2
options=("$@")
configuration=debug
skip_build=0
previous=""
for option in "${options[@]}"; do
    case $option in
        --skip-build) skip_build=1 ;;
    esac
    case $previous in
        -c | --configuration) configuration=$option ;;
    esac
    previous=$option
done
if [ $skip_build = 0 ] && ! "${swift[@]}" "${options[@]}" --filter "^$target\\.\$" > "$planned_list.build" 2>&1; then
    cat "$planned_list.build"
    echo "test-e2e: the test build failed" >&2
    exit 1
fi
bundles=(.build/"$configuration"/*PackageTests.xctest)
bundle=${bundles[0]}
if [ ! -x "$bundle" ]; then
    echo "test-e2e: no test bundle in .build/$configuration (build it: make build TESTS=1)" >&2
    exit 1
fi
if ! "$bundle" --list-tests > "$planned_list.all" 2>&1; then
    cat "$planned_list.all"
    echo "test-e2e: could not list the tests" >&2
    exit 1
fi
# Every test as `Target.Class/method`.
grep -E "^$target\\.[A-Za-z0-9_]+/[A-Za-z0-9_]+\$" "$planned_list.all" > "$planned_list" || true
# The list's entries as anchored patterns over `Target.Class/method`.
entries=()
patterns=()
while read -r entry; do
    entries+=("$entry")
    case $entry in
        */*) patterns+=("^$target\\.$entry\$") ;;
        *) patterns+=("^$target\\.$entry/") ;;
    esac
done < <(sed -e 's/#.*//' "$list" | awk 'NF { print $1 }')
unmatched=()
for index in "${!patterns[@]}"; do
    grep -qE "${patterns[$index]}" "$planned_list" || unmatched+=("${entries[$index]}")
done

# Split the (narrowed) tests into the two phases.
only="^$target\\.(${E2E_ONLY:-.})"
parallel=()
serial=()
while read -r test; do
    [[ $test =~ $only ]] || continue
    alone=0
    for pattern in "${patterns[@]}"; do
        if [[ $test =~ $pattern ]]; then alone=1; break; fi
    done
    if [ $alone = 1 ]; then serial+=("$test"); else parallel+=("$test"); fi
done < "$planned_list"

failed_phase=0

# Each phase's CPU (Scripts/cpu-since.sh): how much of the two cores its tests used — whether a
# third worker, or a test moved out of the second phase, could gain (README, "CI: what it runs and
# how long").
source Scripts/cpu-since.sh
parallel_cpu=" (not run)" serial_cpu=" (not run)"

# Phase 1: two at a time.
parallel_tests=0 parallel_failures=0 parallel_seconds=0
rm -f "$xunit"
if [ ${#parallel[@]} -gt 0 ]; then
    skips=()
    for pattern in "${patterns[@]}"; do skips+=(--skip "$pattern"); done
    started=$(date +%s) mark=$(cpu_now)
    "${swift[@]}" "${options[@]}" --skip-build --parallel --num-workers "$workers" --xunit-output "$xunit" \
        --filter "$only" "${skips[@]}" || failed_phase=1
    parallel_seconds=$(($(date +%s) - started)) parallel_cpu=$(cpu_since "$mark")
    # SwiftPM's xUnit file: one <testsuite … tests="N" failures="F"> over every test it ran.
    if [ -f "$xunit" ]; then
        summary=$(grep -m1 -o '<testsuite [^>]*>' "$xunit")
        parallel_tests=$(sed -E 's/.* tests="([0-9]+)".*/\1/' <<< "$summary")
        parallel_failures=$(($(sed -E 's/.* failures="([0-9]+)".*/\1/' <<< "$summary") \
            + $(sed -E 's/.* errors="([0-9]+)".*/\1/' <<< "$summary")))
    fi
fi

# Phase 2: alone, in one process (WhatGrewEndToEndTests makes its runs once for its four tests).
serial_tests=0 serial_failures=0 serial_seconds=0
: > "$serial_log"
if [ ${#serial[@]} -gt 0 ]; then
    started=$(date +%s) mark=$(cpu_now)
    # One process: `swift test --filter` would pass the bundle these names, comma-separated.
    "$bundle" "$(IFS=,; echo "${serial[*]}")" 2>&1 | tee "$serial_log"
    [ "${PIPESTATUS[0]}" = 0 ] || failed_phase=1
    serial_seconds=$(($(date +%s) - started)) serial_cpu=$(cpu_since "$mark")
    # Tests run: XCTest's closing summary, "Executed N tests, with …" (its failure count there
    # counts assertions, not tests). Tests failed: XCTest's "Test Case '…' failed (…)" lines.
    serial_tests=$(grep -A1 -E "Test Suite 'Selected tests' (passed|failed)" "$serial_log" |
        awk '/Executed [0-9]+ tests?/ { for (i = 1; i < NF; i++) if ($i == "Executed") n = $(i + 1) }
            END { printf "%d\n", n }')
    serial_failures=$(grep -cE "^Test Case '.*' failed \(" "$serial_log")
fi

status=0
if [ ${#unmatched[@]} -gt 0 ]; then
    echo "test-e2e: error: $list names no test for: ${unmatched[*]}" >&2
    status=1
fi
if [ "$parallel_tests" != ${#parallel[@]} ] || [ "$serial_tests" != ${#serial[@]} ]; then
    echo "test-e2e: error: planned ${#parallel[@]} tests two at a time and ${#serial[@]} alone;" \
        "ran $parallel_tests and $serial_tests (a test process that died unrecorded, or a phase that did not start)" >&2
    status=1
fi
failures=$((parallel_failures + serial_failures))
if [ $failures -gt 0 ] || [ $failed_phase = 1 ]; then status=1; fi
echo "test-e2e: CPU-s, two at a time:$parallel_cpu; alone:$serial_cpu"
echo "test-e2e: $((parallel_tests + serial_tests)) tests, $failures failed;" \
    "$parallel_tests two at a time in $parallel_seconds s, $serial_tests alone in $serial_seconds s (wall clock)"
exit $status
