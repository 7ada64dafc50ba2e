# shellcheck shell=bash
# tests/integration/netns.sh: what the tests that run tunshd daemons in
# network namespaces share (live.sh, reneg.sh, ike_flood.sh and, through
# two_gateways.sh, failover.sh and monitor.sh).  Sourced after
# `set -euo pipefail` with bin set to the build directory.
#
#  netns_init PREFIX NAME...   dir, a scratch directory; for each NAME a
#                              namespace PREFIX-NAME-PID (lo up) whose
#                              name is in ns[NAME]; at exit every daemon
#                              in pid[] is killed, the namespaces and dir
#                              removed
#  fail MESSAGE                MESSAGE and the tail of every *.log and
#                              *.out in dir, then exit 1
#  veth NAME_A IF_A ADDR_A NAME_B IF_B ADDR_B
#                              a veth pair between two namespaces, each
#                              end up with its ADDR (A.B.C.D/N; "" none)
#  site_conf NAME WAN_ADDR LAN one WAN port wan1 (WAN_ADDR/24), VLAN 10
#                              with LAN, no tunnel
#  start NAME NS [OPTION...]   tunshd NAME on dir/NAME.conf in namespace
#                              NS, --kernel none unless OPTIONs say
#                              otherwise; its log is dir/NAME.log (added
#                              to: a restart keeps the first run's
#                              lines); pid[NAME]; waits for its socket
#  sh_run NAME                 a tunsh script on stdin to tunshd NAME
#  logged NAME REGEX [FROM]    NAME's log has REGEX after line FROM
#  until_ok SECONDS WHAT COMMAND...
#                              polls COMMAND every 0.1 s; fails saying
#                              WHAT, plus what until_context prints (a
#                              caller may define its own)

declare -A ns pid

netns_init() {
	local prefix=$1 n
	shift
	dir=$(mktemp -d)
	trap netns_cleanup EXIT
	for n in "$@"; do
		ns[$n]=$prefix-$n-$$
		ip netns add "${ns[$n]}"
		ip -n "${ns[$n]}" link set lo up
	done
}

netns_cleanup() {
	local p n
	for p in "${pid[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	for n in "${ns[@]}"; do ip netns del "$n" 2>/dev/null || true; done
	rm -rf "$dir"
}

fail() {
	local f
	echo "FAIL: $*" >&2
	for f in "$dir"/*.log "$dir"/*.out; do
		[ -f "$f" ] || continue
		echo "--- $f:" >&2
		tail -n 30 "$f" >&2
	done
	exit 1
}

veth() {
	ip link add "$2" netns "${ns[$1]}" type veth peer name "$5" netns "${ns[$4]}"
	[ -z "$3" ] || ip -n "${ns[$1]}" addr add "$3" dev "$2"
	[ -z "$6" ] || ip -n "${ns[$4]}" addr add "$6" dev "$5"
	ip -n "${ns[$1]}" link set "$2" up
	ip -n "${ns[$4]}" link set "$5" up
}

site_conf() {
	cat <<EOT
hostname = "$1";
interfaces = ( { name = "wan1"; address = "$2/24"; } );
vlans = ( { id = 10; name = "lan"; subnet = "$3"; } );
tunnels = ( );
EOT
}

start() {
	local name=$1 where=$2
	shift 2
	ip netns exec "$where" "$bin/shell/tunshd" -f --config "$dir/$name.conf" \
		--state-dir "$dir/$name-state" --socket "$dir/$name.sock" \
		--kernel none "$@" 2>>"$dir/$name.log" &
	pid[$name]=$!
	for _ in $(seq 100); do [ -S "$dir/$name.sock" ] && return; sleep 0.1; done
	fail "tunshd $name did not start"
}

sh_run() {
	"$bin/shell/tunsh" --socket "$dir/$1.sock"
}

logged() {
	tail -n "+$((${3:-0} + 1))" "$dir/$1.log" | grep -Eq -- "$2"
}

until_context() { :; }

until_ok() {
	local secs=$1 what=$2 end
	shift 2
	end=$((SECONDS + secs))
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -lt "$end" ] || fail "after ${secs}s: $what$(until_context)"
		sleep 0.1
	done
}
