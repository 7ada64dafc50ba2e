#!/usr/bin/env bash
# README command 2, and what CI runs: every test, in the normal build and
# in the AddressSanitizer+UBSan build, then each fuzz target for a while.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
fuzz_seconds=${FUZZ_SECONDS:-20}

stage() { printf '\n=== %s\n' "$*"; }

run_ctest() {
	local dir=$1 log
	log=$(mktemp)
	if ! ctest --test-dir "$dir" --output-on-failure -j"$jobs" | tee "$log"; then
		rm -f "$log"
		return 1
	fi
	# ctest exits 0 when it finds nothing to run: that is a failure here.
	if grep -q "No tests were found" "$log"; then
		echo "test.sh: no tests in $dir" >&2
		rm -f "$log"
		return 1
	fi
	rm -f "$log"
}

stage "dependencies"
scripts/deps.sh

stage "normal build (RelWithDebInfo, -Werror)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTUNSH_WERROR=ON
cmake --build build -j"$jobs"
run_ctest build

stage "sanitizer build (ASan + UBSan, -Werror)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DTUNSH_SANITIZE=ON \
	-DTUNSH_WERROR=ON
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	run_ctest build-asan

stage "fuzzing (libFuzzer + ASan, ${fuzz_seconds}s per target)"
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DTUNSH_FUZZ=ON \
	-DTUNSH_WERROR=ON
cmake --build build-fuzz -j"$jobs"
found=0
for f in build-fuzz/tests/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	found=1
	name=$(basename "$f")
	name=${name#fuzz_}
	corpus=$(mktemp -d)
	if [ -d "tests/fuzz/corpus/$name" ]; then
		cp -r "tests/fuzz/corpus/$name/." "$corpus/"
	fi
	echo "fuzz $name"
	log=$(mktemp)
	rc=0
	"$f" -max_total_time="$fuzz_seconds" -print_final_stats=1 \
		-artifact_prefix="$corpus/" "$corpus" >"$log" 2>&1 || rc=$?
	tail -n 12 "$log"
	if [ "$rc" -ne 0 ]; then
		cat "$log" >&2
		echo "test.sh: fuzz_$name failed (exit $rc)" >&2
		exit 1
	fi
	rm -rf "$corpus" "$log"
done
[ "$found" -eq 1 ] || { echo "test.sh: no fuzz targets built" >&2; exit 1; }

stage "all tests passed"
