# shellcheck shell=bash
# tests/integration/scratch.sh: what the tests that talk to one tunshd in
# a scratch directory share.  Sourced after `set -euo pipefail` with bin
# (the build directory) and top (the source tree) set.
#
#  dir, sock    the scratch directory (removed at exit), tunshd's socket
#  pid          tunshd's process (killed at exit), once started
#  fail MESSAGE MESSAGE and tunshd's log, then exit 1
#  tunsh ARG... the client on that socket
#  start_example [OPTION...]
#               tunshd on the example configuration (etc/tunsh.conf) in a
#               network namespace of its own (only lo, down: the example
#               tunnels' IKE never leaves it), --kernel none (this kernel
#               has no ESP), no IKE ports; waits for its socket
dir=$(mktemp -d)
sock=$dir/tunshd.sock
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- daemon log:" >&2; cat "$dir/log" >&2; exit 1; }
tunsh() { "$bin/shell/tunsh" --socket "$sock" "$@"; }

start_example() {
	cp "$top/etc/tunsh.conf" "$dir/tunsh.conf"
	unshare -n "$bin/shell/tunshd" -f --config "$dir/tunsh.conf" \
		--state-dir "$dir/state" --socket "$sock" --kernel none \
		--ike-ports 0,0 "$@" 2>"$dir/log" &
	pid=$!
	for _ in $(seq 50); do [ -S "$sock" ] && return; sleep 0.1; done
	fail "tunshd did not create $sock"
}
