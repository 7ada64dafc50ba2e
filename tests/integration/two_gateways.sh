# shellcheck shell=bash
# shellcheck disable=SC2154 # prefix, psk and bin: the caller's
# tests/integration/two_gateways.sh: the topology of failover.sh and
# monitor.sh, sourced after `set -euo pipefail`: namespaces a, b1 and b2
# (named ${prefix}-a-PID...), a's veth-1 (192.0.2.1) to b1 (192.0.2.2)
# and veth-2 (198.51.100.1) to b2 (198.51.100.2); dir, a scratch
# directory; pid, an array of the daemons started, killed on exit; fail,
# which prints the tail of every log in dir; a.conf, b1.conf and b2.conf
# (route-based, keys $psk-b1 and $psk-b2); start NAME NS, sh_run NAME
# and until_ok.  The caller sets prefix, psk and bin first.

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

cat >"$dir/a.conf" <<'EOT'
hostname = "site-a";
interfaces = ( { name = "wan1"; address = "192.0.2.1/24"; },
               { name = "wan2"; address = "198.51.100.1/24"; } );
vlans = ( { id = 10; name = "lan"; subnet = "10.1.0.0/24"; } );
tunnels = ( );
EOT
# gateway NAME ADDR PEER: one of the peer's two gateways, the VPC
# behind it; its key is $psk-NAME.
gateway() {
	cat >"$dir/$1.conf" <<EOT
hostname = "$1";
interfaces = ( { name = "wan1"; address = "$2/24"; } );
vlans = ( { id = 20; name = "vpc"; subnet = "10.2.0.0/16"; } );
tunnels = ( {
  name = "to-a"; tunnel-type = "route-based"; wan-port = "wan1";
  remote-address = "${3}"; pre-shared-key = "$psk-$1";
  local-network = [ "vlan 20" ]; remote-network = [ "10.1.0.0/24" ];
  initiator = false; } );
EOT
}
gateway b1 192.0.2.2 192.0.2.1
gateway b2 198.51.100.2 198.51.100.1

start() { # NAME NS
	ip netns exec "$2" "$bin/shell/tunshd" -f --config "$dir/$1.conf" \
		--state-dir "$dir/$1-state" --socket "$dir/$1.sock" \
		--kernel none 2>>"$dir/$1.log" &
	pid[$1]=$!
	for _ in $(seq 100); do [ -S "$dir/$1.sock" ] && return; sleep 0.1; done
	fail "tunshd $1 did not start"
}
sh_run() { # NAME: a script on stdin
	"$bin/shell/tunsh" --socket "$dir/$1.sock"
}
# until_context: what a failed until_ok adds to its message; callers
# may define their own.
until_context() { :; }
# until SECONDS WHAT COMMAND...: polls COMMAND every 0.2 s.
until_ok() {
	local secs=$1 what=$2 end
	shift 2
	end=$((SECONDS + secs))
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -lt "$end" ] || fail "after ${secs}s: $what$(until_context)"
		sleep 0.2
	done
}
