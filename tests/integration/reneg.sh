#!/usr/bin/env bash
# tests/integration/reneg.sh BUILD: a renegotiate-class commit takes
# effect at the commit (issue 11).  Two tunshd in two network namespaces
# (SAs kept in memory: --kernel none) bring a tunnel up; then a commits
# confirmed, for 3 seconds, a pre-shared key b does not have.  What an
# operator sees at once: the commit's reauthentication fails, and show
# ipsec tunnel says the tunnel runs on the SAs of the previous
# configuration, and why.  Nobody confirms: the rollback puts the right
# key back, the tunnel reauthenticates with it, and show says nothing of
# a previous configuration any more.  Root; 77 otherwise.
set -euo pipefail

bin=$(cd "${1:?usage: reneg.sh BUILD}" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "reneg.sh: needs root (namespaces)"; exit 77; }

dir=$(mktemp -d)
ns_a=tunsh-reneg-a-$$
ns_b=tunsh-reneg-b-$$
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	for ns in "$ns_a" "$ns_b"; do ip netns del "$ns" 2>/dev/null || true; done
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

ip netns add "$ns_a"
ip netns add "$ns_b"
ip link add veth-a netns "$ns_a" type veth peer name veth-b netns "$ns_b"
ip -n "$ns_a" addr add 192.0.2.1/24 dev veth-a
ip -n "$ns_b" addr add 192.0.2.2/24 dev veth-b
for ns in "$ns_a" "$ns_b"; do ip -n "$ns" link set lo up; done
ip -n "$ns_a" link set veth-a up
ip -n "$ns_b" link set veth-b up

site_conf() { # NAME WAN_ADDR LAN
	cat <<EOT
hostname = "$1";
interfaces = ( { name = "wan1"; address = "$2/24"; } );
vlans = ( { id = 10; name = "lan"; subnet = "$3"; } );
tunnels = ( );
EOT
}
site_conf site-a 192.0.2.1 10.1.0.0/24 >"$dir/a.conf"
site_conf site-b 192.0.2.2 10.2.0.0/24 >"$dir/b.conf"

start() { # NAME NS
	ip netns exec "$2" "$bin/shell/tunshd" -f --config "$dir/$1.conf" \
		--state-dir "$dir/$1-state" --socket "$dir/$1.sock" \
		--kernel none 2>"$dir/$1.log" &
	pids+=($!)
	for _ in $(seq 50); do [ -S "$dir/$1.sock" ] && return; sleep 0.1; done
	fail "tunshd $1 did not start"
}
sh_run() { # NAME: a script on stdin
	"$bin/shell/tunsh" --socket "$dir/$1.sock"
}
# logged NAME REGEX [FROM]: NAME's log has REGEX after line FROM.
logged() {
	tail -n "+$((${3:-0} + 1))" "$dir/$1.log" | grep -Eq -- "$2"
}
# wait_for SECONDS WHAT COMMAND...: polls every 0.1 s, bounded.
wait_for() {
	local n=$(($1 * 10)) what=$2
	shift 2
	for _ in $(seq "$n"); do "$@" && return; sleep 0.1; done
	fail "after $n polls: $what"
}
# show: show ipsec tunnel to-b on a, lines joined.
show() {
	echo "show ipsec tunnel to-b" | sh_run a 2>&1 | tr -s ' \n' ' '
}
show_has() { show | grep -Eq -- "$1"; }

start a "$ns_a"
start b "$ns_b"
sh_run b <<'EOT' >"$dir/b-commit.out" 2>&1 || fail "commit on b: $(cat "$dir/b-commit.out")"
configure
ipsec tunnel to-a
 wan-port wan1
 remote-address 192.0.2.1
 pre-shared-key reneg-test-secret-1
 local-network vlan 10
 remote-network 10.1.0.0/24
 initiator off
 exit
commit
EOT
sh_run a <<'EOT' >"$dir/a-commit.out" 2>&1 || fail "commit on a: $(cat "$dir/a-commit.out")"
configure
ipsec tunnel to-b
 wan-port wan1
 remote-address 192.0.2.2
 pre-shared-key reneg-test-secret-1
 local-network vlan 10
 remote-network 10.2.0.0/24
 exit
commit
EOT
wait_for 10 "the tunnel up on a" logged a "tunnel to-b: CHILD SA up"
wait_for 10 "the tunnel up on b" logged b "tunnel to-a: CHILD SA up"
echo "ok: the tunnel is up"

mark=$(wc -l <"$dir/a.log")
sh_run a <<'EOT' >"$dir/a-wrong.out" 2>&1 || fail "commit confirmed on a: $(cat "$dir/a-wrong.out")"
configure
ipsec tunnel to-b
 pre-shared-key not-the-key-b-has-1
 exit
commit confirmed 3s
EOT
grep -q "commit confirmed: rolled back in" "$dir/a-wrong.out" ||
	fail "no commit confirmed: $(cat "$dir/a-wrong.out")"
# At once, not at the next rekey: b refuses the new key.
wait_for 5 "b refuses the new key" logged b "tunnel to-a: authentication failed"
wait_for 5 "show names the previous configuration and the failure" \
	show_has "Config: previous: .*the new one failed: authentication failed"
show_has "State: up" || fail "a: not up on the old SAs: $(show)"
echo "ok: the wrong key failed at the commit, the old SAs carry on: $(show | sed 's/.*Config: //; s/ Last error.*//')"

wait_for 15 "the automatic rollback" logged a "automatic rollback" "$mark"
wait_for 10 "a reauthenticates with the right key" \
	logged a "tunnel to-b: reauthenticated" "$mark"
# Up, and nothing of a previous configuration; b kept the new IKE SA (a
# tunsh responder keeps the lower SPIi of two: the new one's is lower).
up_now() { show_has "State: up" && ! show_has "Config:"; }
wait_for 10 "a up on the right key, no previous configuration" up_now
if logged a "tunnel to-b: the peer deleted the IKE SA" "$mark"; then
	fail "b deleted the new IKE SA: the tunnel went down"
fi
echo "ok: the rollback reauthenticated with the right key"
