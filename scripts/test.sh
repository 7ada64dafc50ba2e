#!/usr/bin/env bash
# README command 2, and what CI runs (.ci/run): every test in the normal
# build (build/), including the real-kernel tier in user-mode-linux and
# qemu guests (tests/vm) but for the engine's interop with charon, the
# Debian package (scripts/package.sh, lintian) installed, run and purged
# in a guest, then every test but the vm tier under AddressSanitizer +
# UBSan (build-asan/), then each libFuzzer target for FUZZ_SECONDS
# (default 10), JOBS at a time, from a scratch copy of its seed corpus
# (build-fuzz/, clang).  The vm tier runs in the background while the
# sanitizer and fuzz builds compile, the sanitizer unit tests run and the
# fuzzers fuzz: its guests spend most of their time waiting on the peers'
# timers, and CI has 30 minutes.  Stops at the
# first failure and exits non-zero.  JOBS sets the build parallelism
# (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-2}
fuzz_seconds=${FUZZ_SECONDS:-10}
vm_pid=
# A failure anywhere ends the vm tier too (its own process group: ctest,
# check.sh and every guest).
trap '[ -z "$vm_pid" ] || kill -TERM -- "-$vm_pid" 2>/dev/null || true' EXIT

stage() {
	printf '\n==== [%d:%02d] %s ====\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"
}

# ctest exits 0 when it finds nothing to run; --no-tests=error makes that
# a failure, so a stage cannot pass by running no tests.  ctest also
# passes a test that exits 77 (SKIP_RETURN_CODE: no root, no UML outside
# CI); under CI=true a skip is a failure, whichever test it is.
run_ctest() {
	local dir=$1 log rc=0
	shift
	log=$(mktemp)
	ctest --test-dir "$dir" --output-on-failure --no-tests=error \
		-j"$jobs" "$@" 2>&1 | tee "$log" || rc=$?
	if [ "$rc" -eq 0 ] && [ "${CI:-}" = true ] &&
		grep -E '\*\*\*Skipped|Not Run' "$log"; then
		echo "test.sh: under CI=true a skipped test is a failure (above)" >&2
		rc=1
	fi
	rm -f "$log"
	return "$rc"
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

stage "tests: build/ (all but the vm tier, next, and the engine's
interop with charon, which runs once, under the sanitizers below)"
run_ctest build -LE 'interop|vm'

stage "vm tier: build/ in guests, in the background (its output below,
when it ends)"
vm_log=$(mktemp build/vm-tier.XXXXXX.log)
set -m
run_ctest build -L vm >"$vm_log" 2>&1 &
vm_pid=$!
set +m

stage "sanitizer build: build-asan/ (ASan + UBSan, Debug, -Werror)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DTUNSH_SANITIZE=ON \
	-DTUNSH_WERROR=ON -DTUNSH_BENCH=OFF
cmake --build build-asan -j"$jobs"

stage "fuzz build: build-fuzz/ (clang, libFuzzer + ASan + UBSan, -Werror)"
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DTUNSH_FUZZ=ON \
	-DTUNSH_WERROR=ON -DTUNSH_BENCH=OFF
cmake --build build-fuzz -j"$jobs"

stage "tests: build-asan/, the unit tests (beside the vm tier)"
ASAN_OPTIONS=detect_leaks=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	run_ctest build-asan -L unit

stage "fuzzing: ${fuzz_seconds}s per target, $jobs at a time (beside the vm
tier)"
scripts/fuzz.sh build-fuzz "$fuzz_seconds" "$jobs"

stage "vm tier: waiting for it to end"
vm_rc=0
wait "$vm_pid" || vm_rc=$?
vm_pid=
cat "$vm_log"
[ "$vm_rc" -eq 0 ] || { echo "test.sh: the vm tier failed (above)" >&2; exit "$vm_rc"; }

stage "tests: build-asan/, all the others but the vm tier's (the guest
kernel runs the normal build's binaries; ASan's shadow memory does not fit
a small guest), alone, since some bound how long a daemon may take"
ASAN_OPTIONS=detect_leaks=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	run_ctest build-asan -LE 'vm|unit'

stage "all stages passed"
