# shellcheck shell=bash
# shellcheck disable=SC2154 # prefix: the caller's
# tests/integration/two_gateways.sh: the topology of failover.sh and
# monitor.sh, sourced after `set -euo pipefail`: namespaces a, b1 and b2
# (named ${prefix}-a-PID...), a's veth-1 (192.0.2.1) to b1 (192.0.2.2)
# and veth-2 (198.51.100.1) to b2 (198.51.100.2); dir, a scratch
# directory; pid, an array of the daemons started, killed on exit; fail,
# which prints the tail of every log in dir.  The caller sets prefix
# and bin first.

dir=$(mktemp -d)
ns_a=$prefix-a-$$
ns_b1=$prefix-b1-$$
ns_b2=$prefix-b2-$$
declare -A pid
cleanup() {
	for p in "${pid[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	for ns in "$ns_a" "$ns_b1" "$ns_b2"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -rf "$dir"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*" >&2
	for f in "$dir"/*.log; do
		echo "--- $f:" >&2
		tail -n 30 "$f" >&2
	done
	exit 1
}

for ns in "$ns_a" "$ns_b1" "$ns_b2"; do
	ip netns add "$ns"
	ip -n "$ns" link set lo up
done
ip link add veth-1 netns "$ns_a" type veth peer name veth-b netns "$ns_b1"
ip link add veth-2 netns "$ns_a" type veth peer name veth-b netns "$ns_b2"
ip -n "$ns_a" addr add 192.0.2.1/24 dev veth-1
ip -n "$ns_a" addr add 198.51.100.1/24 dev veth-2
ip -n "$ns_b1" addr add 192.0.2.2/24 dev veth-b
ip -n "$ns_b2" addr add 198.51.100.2/24 dev veth-b
ip -n "$ns_a" link set veth-1 up
ip -n "$ns_a" link set veth-2 up
ip -n "$ns_b1" link set veth-b up
ip -n "$ns_b2" link set veth-b up
