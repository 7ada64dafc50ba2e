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

# shellcheck source=SCRIPTDIR/netns.sh
. "$top/tests/integration/netns.sh"
netns_init tunsh-live a b c
veth a veth-a 192.0.2.1/24 b veth-b 192.0.2.2/24
site_conf site-a 192.0.2.1 10.1.0.0/24 >"$dir/a.conf"
site_conf site-b 192.0.2.2 10.2.0.0/24 >"$dir/b.conf"
site_conf site-c 192.0.2.3 10.3.0.0/24 >"$dir/c.conf"

start a "${ns[a]}"
start b "${ns[b]}"

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
until_ok 10 "a: the tunnel up" logged a "tunnel to-b: CHILD SA up"
until_ok 10 "b: the tunnel up" logged b "tunnel to-a: CHILD SA up"
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
until_ok 5 "b: the delete arrives" logged b "tunnel to-a: the peer deleted the IKE SA"
echo "ok: removing the tunnel deleted the peer's SA"

# What a tunshd that died left (a policy with a reqid of tunshd's range)
# is removed at start; another daemon's policy (reqid 5) stays.
ip -n "${ns[c]}" xfrm policy add src 10.3.0.0/24 dst 10.8.0.0/24 dir out \
	tmpl src 192.0.2.3 dst 192.0.2.8 proto esp reqid 0x74730009 mode tunnel
ip -n "${ns[c]}" xfrm policy add src 10.3.0.0/24 dst 10.7.0.0/24 dir out \
	tmpl src 192.0.2.3 dst 192.0.2.7 proto esp reqid 5 mode tunnel

# The real kernel, which has no ESP here: the commit is refused in words
# and nothing is installed.
start c "${ns[c]}" --kernel netlink
grep -q "removed 1 SAs, policies and interfaces an earlier tunshd left" "$dir/c.log" ||
	fail "c: the leftover policy was not cleaned"
ip -n "${ns[c]}" xfrm policy | grep -q "dst 10.8.0.0/24" &&
	fail "c: the leftover policy is still there"
ip -n "${ns[c]}" xfrm policy | grep -q "dst 10.7.0.0/24" ||
	fail "c: another daemon's policy was removed"
ip -n "${ns[c]}" xfrm policy del src 10.3.0.0/24 dst 10.7.0.0/24 dir out
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
if ip -n "${ns[c]}" xfrm policy | grep -v "socket \(in\|out\)" | grep -q "dir"; then
	fail "c: policies left behind: $(ip -n "${ns[c]}" xfrm policy)"
fi
echo "ok: a kernel without ESP is named at commit, nothing installed"
