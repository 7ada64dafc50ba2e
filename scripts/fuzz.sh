#!/usr/bin/env bash
# scripts/fuzz.sh BUILD SECONDS JOBS: every libFuzzer target built in
# BUILD/tests/fuzz for SECONDS each, JOBS at a time (each is one
# process), each from a scratch copy of its seed corpus
# (tests/fuzz/corpus/NAME: the source tree is never written).  Exits 1
# when a target finds a crash, keeping its reproducer in /tmp and saying
# how to run it, or when no target was built.  scripts/test.sh's last
# stage.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: fuzz.sh BUILD SECONDS JOBS}
seconds=${2:?usage: fuzz.sh BUILD SECONDS JOBS}
jobs=${3:?usage: fuzz.sh BUILD SECONDS JOBS}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

# fuzz_one TARGET: runs it; 0, or 1 after saying why on stderr.  Its
# figures go to $root/NAME/summary for the caller to print in order.
fuzz_one() {
	local f=$1 name work rc=0 keep
	name=$(basename "$f")
	name=${name#fuzz_}
	work=$root/$name
	mkdir -p "$work/corpus" "$work/artifacts"
	if [ -d "tests/fuzz/corpus/$name" ]; then
		cp -R "tests/fuzz/corpus/$name/." "$work/corpus/"
	else
		echo "fuzz.sh: fuzz_$name has no seed corpus" \
			"(tests/fuzz/corpus/$name/); starting empty" >&2
	fi
	echo "fuzz_$name: $(find "$work/corpus" -type f | wc -l) seeds" \
		>"$work/summary"
	"$f" -max_total_time="$seconds" -print_final_stats=1 \
		-artifact_prefix="$work/artifacts/" "$work/corpus" \
		>"$work/log" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ]; then
		cat "$work/log" >&2
		keep=$(mktemp -d /tmp/tunsh-fuzz-"$name".XXXXXX)
		cp -R "$work/artifacts/." "$keep/"
		echo "fuzz.sh: fuzz_$name failed (exit $rc); reproducer in" \
			"$keep (run: $f $keep/crash-*)" >&2
		return 1
	fi
	grep -E '^(Done|stat::(number_of_executed_units|new_units_added))' \
		"$work/log" >>"$work/summary" || true
}

targets=()
for f in "$build"/tests/fuzz/fuzz_*; do
	[ -f "$f" ] && [ -x "$f" ] && targets+=("$f")
done
if [ "${#targets[@]}" -eq 0 ]; then
	echo "fuzz.sh: no fuzz targets were built in $build/tests/fuzz" >&2
	exit 1
fi
failed=
for ((i = 0; i < ${#targets[@]}; i += jobs)); do
	pids=()
	for f in "${targets[@]:i:jobs}"; do
		fuzz_one "$f" &
		pids+=("$!")
	done
	for p in "${pids[@]}"; do
		wait "$p" || failed=1
	done
done
for f in "${targets[@]}"; do
	name=$(basename "$f")
	cat "$root/${name#fuzz_}/summary"
done
[ -z "$failed" ]
