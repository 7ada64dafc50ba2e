#!/usr/bin/env bash
# tests/integration/live.sh BUILD: tunshd end to end on real sockets.
# Two tunshd in two network namespaces joined by a veth pair negotiate a
# tunnel over UDP 500/4500 (SAs kept in memory: --kernel none, since this
# kernel has no ESP), configured only through piped tunsh scripts; then a
# tunshd on the real kernel refuses, in words, to commit a tunnel this
# kernel cannot carry, and leaves no policy behind.  Root; 77 otherwise.
set -euo pipefail

bin=$(cd "${1:?usage: live.sh BUILD}" && pwd)
top=$(cd "$(dirname "$0")/../.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "live.sh: needs root (namespaces)"; exit 77; }

dir=$(mktemp -d)
ns_a=tunsh-live-a-$$
ns_b=tunsh-live-b-$$
ns_c=tunsh-live-c-$$
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	for ns in "$ns_a" "$ns_b" "$ns_c"; do
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

ip netns add "$ns_a"
ip netns add "$ns_b"
ip netns add "$ns_c"
ip link add veth-a netns "$ns_a" type veth peer name veth-b netns "$ns_b"
ip -n "$ns_a" addr add 192.0.2.1/24 dev veth-a
ip -n "$ns_b" addr add 192.0.2.2/24 dev veth-b
for ns in "$ns_a" "$ns_b" "$ns_c"; do ip -n "$ns" link set lo up; done
ip -n "$ns_a" link set veth-a up
ip -n "$ns_b" link set veth-b up

# A site: one WAN port, one LAN VLAN, nothing else.
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
site_conf site-c 192.0.2.3 10.3.0.0/24 >"$dir/c.conf"

start() { # NAME NS KERNEL
	ip netns exec "$2" "$bin/shell/tunshd" -f --config "$dir/$1.conf" \
		--state-dir "$dir/$1-state" --socket "$dir/$1.sock" \
		--kernel "$3" 2>"$dir/$1.log" &
	pids+=($!)
	for _ in $(seq 50); do [ -S "$dir/$1.sock" ] && return; sleep 0.1; done
	fail "tunshd $1 did not start"
}
sh_run() { # NAME: a script on stdin
	"$bin/shell/tunsh" --socket "$dir/$1.sock"
}

start a "$ns_a" none
start b "$ns_b" none

sh_run b <<'EOT' >"$dir/b-commit.out" 2>&1 || fail "commit on b: $(cat "$dir/b-commit.out")"
configure
ipsec tunnel to-a
 wan-port wan1
 remote-address 192.0.2.1
 pre-shared-key live-test-secret-1
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
 pre-shared-key live-test-secret-1
 local-network vlan 10
 remote-network 10.2.0.0/24
 exit
commit
EOT

# The negotiation runs on tunshd's loop after the commit returns.
up() { grep -q "tunnel $1: CHILD SA up" "$dir/$2.log"; }
for _ in $(seq 100); do up to-b a && up to-a b && break; sleep 0.1; done
up to-b a || fail "a: the tunnel did not come up"
up to-a b || fail "b: the tunnel did not come up"
grep -q "tunnel to-b: IKE SA established with 192.0.2.2 as initiator" \
	"$dir/a.log" || fail "a: not the initiator"
grep -q "tunnel to-a: IKE SA established with 192.0.2.1 as responder" \
	"$dir/b.log" || fail "b: not the responder"
echo "ok: two tunshd negotiated over UDP 500 in their namespaces"

# Removing the tunnel on a deletes the IKE SA on b too (INFORMATIONAL).
sh_run a <<'EOT' >"$dir/a-remove.out" 2>&1 || fail "remove on a"
configure
no ipsec tunnel to-b
commit
EOT
for _ in $(seq 50); do
	grep -q "tunnel to-a: the peer deleted the IKE SA" "$dir/b.log" && break
	sleep 0.1
done
grep -q "tunnel to-a: the peer deleted the IKE SA" "$dir/b.log" ||
	fail "b: the delete did not arrive"
echo "ok: removing the tunnel deleted the peer's SA"

# What a tunshd that died left (a policy with a reqid of tunshd's range)
# is removed at start; another daemon's policy (reqid 5) stays.
ip -n "$ns_c" xfrm policy add src 10.3.0.0/24 dst 10.8.0.0/24 dir out \
	tmpl src 192.0.2.3 dst 192.0.2.8 proto esp reqid 0x74730009 mode tunnel
ip -n "$ns_c" xfrm policy add src 10.3.0.0/24 dst 10.7.0.0/24 dir out \
	tmpl src 192.0.2.3 dst 192.0.2.7 proto esp reqid 5 mode tunnel

# The real kernel, which has no ESP here: the commit is refused in words
# and nothing is installed.
start c "$ns_c" netlink
grep -q "removed 1 SAs, policies and interfaces an earlier tunshd left" "$dir/c.log" ||
	fail "c: the leftover policy was not cleaned"
ip -n "$ns_c" xfrm policy | grep -q "dst 10.8.0.0/24" &&
	fail "c: the leftover policy is still there"
ip -n "$ns_c" xfrm policy | grep -q "dst 10.7.0.0/24" ||
	fail "c: another daemon's policy was removed"
ip -n "$ns_c" xfrm policy del src 10.3.0.0/24 dst 10.7.0.0/24 dir out
echo "ok: state left by a dead tunshd is cleaned, others' kept"
if sh_run c <<'EOT' >"$dir/c-commit.out" 2>&1; then
configure
ipsec tunnel to-x
 wan-port wan1
 remote-address 192.0.2.9
 pre-shared-key live-test-secret-1
 local-network vlan 10
 remote-network 10.9.0.0/24
 exit
commit
EOT
	fail "c: a tunnel was committed on a kernel without ESP"
fi
grep -q "tunnel to-x: this kernel has no ESP support (CONFIG_INET_ESP)" \
	"$dir/c-commit.out" || fail "c: no words for it: $(cat "$dir/c-commit.out")"
# Only the IKE sockets' own bypass policies ("socket in/out") remain.
if ip -n "$ns_c" xfrm policy | grep -v "socket \(in\|out\)" | grep -q "dir"; then
	fail "c: policies left behind: $(ip -n "$ns_c" xfrm policy)"
fi
echo "ok: a kernel without ESP is named at commit, nothing installed"
