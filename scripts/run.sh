#!/usr/bin/env bash
# README command 1: install what is needed, build (build/), check the
# embedded default configuration, then bring it alive in a lab
# (scripts/lab.sh): a user-mode-linux guest, so a kernel with ESP whatever
# this machine runs, where tunshd runs the default configuration and
# strongSwan plays the branch office of its tunnel branch-1; tunsh opens
# on it.  On a terminal tunsh is interactive; from a pipe it runs the
# lines given.  No system path and no network of this machine is touched.
#
# TUNSH_LAB=none skips the guest: tunshd then runs on this machine with a
# kernel that only remembers (--kernel none), its IKE on free ports.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-2}

scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs" >/dev/null
build/shell/tunshd --check-config etc/tunsh.conf

if [ "${TUNSH_LAB:-uml}" != none ]; then
	exec scripts/lab.sh build
fi

dir=$(mktemp -d)
cp etc/tunsh.conf "$dir/tunsh.conf"
build/shell/tunshd -f --config "$dir/tunsh.conf" --state-dir "$dir/state" \
	--socket "$dir/tunshd.sock" --kernel none --ike-ports 0,0 \
	2>"$dir/tunshd.log" &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 50); do [ -S "$dir/tunshd.sock" ] && break; sleep 0.1; done
echo "tunshd runs on $dir/tunsh.conf; its log is $dir/tunshd.log" >&2
[ -t 0 ] && echo "try: show running-config, configure, ipsec tunnel branch-1" >&2
build/shell/tunsh --socket "$dir/tunshd.sock"
