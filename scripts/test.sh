#!/usr/bin/env bash
# README command 2, and what CI runs (.ci/run): every test in the normal
# build (build/), including the real-kernel tier in user-mode-linux guests
# (tests/vm) but for the engine's interop with charon, the Debian package
# (scripts/package.sh, lintian) installed, run and purged in a guest,
# then every test
# but the vm tier under AddressSanitizer + UBSan (build-asan/), then
# each libFuzzer target for FUZZ_SECONDS (default 10), JOBS at a time,
# from a scratch copy
# of its seed corpus (build-fuzz/, clang).  Stops at the first failure and
# exits non-zero.  JOBS sets the build parallelism (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-2}
fuzz_seconds=${FUZZ_SECONDS:-10}
scratch=()
trap 'rm -rf "${scratch[@]}"' EXIT

stage() {
	printf '\n==== %s ====\n' "$*"
}

# ctest exits 0 when it finds nothing to run; --no-tests=error makes that
# a failure, so a stage cannot pass by running no tests.  ctest also
# passes a test that exits 77 (SKIP_RETURN_CODE: no root, no UML outside
# CI); under CI=true a skip is a failure, whichever test it is.
run_ctest() {
	local dir=$1 log rc=0
	shift
	log=$(mktemp)
	scratch+=("$log")
	ctest --test-dir "$dir" --output-on-failure --no-tests=error \
		-j"$jobs" "$@" 2>&1 | tee "$log" || rc=$?
	[ "$rc" -eq 0 ] || return "$rc"
	if [ "${CI:-}" = true ] && grep -E '\*\*\*Skipped|Not Run' "$log"; then
		echo "test.sh: under CI=true a skipped test is a failure (above)" >&2
		return 1
	fi
}

stage "dependencies"
scripts/deps.sh

stage "normal build: build/ (RelWithDebInfo, -Werror)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTUNSH_WERROR=ON
cmake --build build -j"$jobs"

stage "package: dist/ (dpkg-buildpackage, lintian), then installed, run
against charon and purged in a user-mode-linux guest"
t0=$SECONDS
scripts/package.sh
echo "package stage: $((SECONDS - t0)) s (installed, run and purged in the
vm tier below: tests/vm/check.sh queues it with the scenarios)"

stage "tests: build/ (all but the engine's interop with charon, which
runs once, under the sanitizers below: CI's 30 minutes)"
run_ctest build -LE interop

stage "sanitizer build: build-asan/ (ASan + UBSan, Debug, -Werror)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DTUNSH_SANITIZE=ON \
	-DTUNSH_WERROR=ON -DTUNSH_BENCH=OFF
cmake --build build-asan -j"$jobs"
stage "tests: build-asan/ (all but the vm tier: the guest kernel runs the
normal build's binaries; ASan's shadow memory does not fit a small guest)"
ASAN_OPTIONS=detect_leaks=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	run_ctest build-asan -LE vm

stage "fuzz build: build-fuzz/ (clang, libFuzzer + ASan + UBSan, -Werror)"
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DTUNSH_FUZZ=ON \
	-DTUNSH_WERROR=ON -DTUNSH_BENCH=OFF
cmake --build build-fuzz -j"$jobs"

stage "fuzzing: ${fuzz_seconds}s per target, $jobs at a time"
scripts/fuzz.sh build-fuzz "$fuzz_seconds" "$jobs"

stage "all stages passed"
