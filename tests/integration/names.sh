#!/usr/bin/env bash
# tests/integration/names.sh BUILD: peers by name (issue 14).  Two tunshd
# in two network namespaces; a's /etc/resolv.conf and /etc/hosts are test
# files (ip netns exec bind-mounts /etc/netns/NS/* over /etc in a private
# mount namespace), its name server names_dns.py on 127.0.0.53 in a's
# namespace, reading a zone file the test rewrites.  What an operator
# sees: commit check warns of a name that does not resolve, commit
# applies; show ipsec tunnel says "cannot resolve NAME: REASON", then the
# address once the name resolves; the tunnel comes up with the peer by
# name; the peer's new address is followed after the TTL, logged, and
# the next negotiation goes there; an /etc/hosts name works; garbage and
# silence from the server give a reason in words and tunshd stays up and
# serving.  Root; 77 otherwise.
set -euo pipefail

bin=$(cd "${1:?usage: names.sh BUILD}" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "names.sh: needs root (namespaces)"; exit 77; }

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/netns.sh
. "$top/tests/integration/netns.sh"
netns_init tunsh-names a b
etc=/etc/netns/${ns[a]}
names_cleanup() {
	rm -rf "$etc"
	netns_cleanup
}
trap names_cleanup EXIT
veth a veth-a 192.0.2.1/24 b veth-b 192.0.2.2/24
ip -n "${ns[b]}" addr add 192.0.2.3/24 dev veth-b
site_conf site-a 192.0.2.1 10.1.0.0/24 >"$dir/a.conf"
site_conf site-b 192.0.2.2 10.2.0.0/24 >"$dir/b.conf"

# a's resolver: the test's server, one try of one second (resolv.conf's
# options override tunshd's defaults), and a hosts file.
mkdir -p "$etc"
printf 'nameserver 127.0.0.53\noptions timeout:1 attempts:1\n' \
	>"$etc/resolv.conf"
printf '127.0.0.1 localhost\n192.0.2.9 hosts-peer.test\n' >"$etc/hosts"
zone() {
	cat >"$dir/zone.json.new" <<EOT
{"peer.test": {"a": ["$1"], "ttl": 5},
 "v6.test": {"aaaa": ["2001:db8::10"], "ttl": 5},
 "trunc.test": {"garbage": "truncated"},
 "loop.test": {"garbage": "cname-loop"},
 "many.test": {"garbage": "many"},
 "bad.test": {"garbage": "bad-label"},
 "short.test": {"garbage": "short"},
 "silent.test": {"garbage": "silent"},
 "fw-a.test": {"a": ["192.0.2.1"], "ttl": 5},
 "wrong.test": {"a": ["192.0.2.50"], "ttl": 5}}
EOT
	mv "$dir/zone.json.new" "$dir/zone.json"
}
zone 192.0.2.2
ip netns exec "${ns[a]}" python3 "$top/tests/integration/names_dns.py" \
	127.0.0.53 "$dir/zone.json" >"$dir/dns.out" 2>"$dir/dns.log" &
pid[dns]=$!
until_ok 10 "the DNS server ready" grep -q ready "$dir/dns.out"

show() {
	last_shown=$1
	echo "show ipsec tunnel $1" | sh_run a 2>&1 | tr -s ' \n' ' '
}
show_has() { show "$1" | grep -Eq -- "$2"; }
# What a failed wait prints: the tunnel it looked at.
until_context() { echo; show "${last_shown:-to-b}"; }

start a "${ns[a]}"
start b "${ns[b]}"
sh_run b <<'EOT' >"$dir/b-commit.out" 2>&1 || fail "commit on b: $(cat "$dir/b-commit.out")"
configure
ipsec tunnel to-a
 wan-port wan1
 remote-address 192.0.2.1
 local-id peer.test
 pre-shared-key names-test-secret-0123456789
 local-network vlan 10
 remote-network 10.1.0.0/24
 initiator off
 exit
commit
EOT

# commit check: the names are asked, and one that does not resolve is a
# warning, not an error.
sh_run a <<'EOT' >"$dir/a-check.out" 2>&1 || fail "commit check on a: $(cat "$dir/a-check.out")"
configure
ipsec tunnel to-nx
 wan-port wan1
 remote-address nx.test
 pre-shared-key names-test-secret-0123456789
 local-network vlan 10
 remote-network 10.9.0.0/24
 exit
commit check
discard
EOT
grep -q "warning: tunnel to-nx: remote-address nx.test does not resolve now: no such name (NXDOMAIN)" \
	"$dir/a-check.out" || fail "commit check did not warn: $(cat "$dir/a-check.out")"
grep -q "^nx.test 1$" "$dir/dns.log" || fail "commit check did not ask the server"
echo "ok: commit check warns of a name that does not resolve"

sh_run a <<'EOT' >"$dir/a-commit.out" 2>&1 || fail "commit on a: $(cat "$dir/a-commit.out")"
configure
ipsec tunnel to-nx
 wan-port wan1
 remote-address nx.test
 pre-shared-key names-test-secret-0123456789
 local-network vlan 10
 remote-network 10.9.0.0/24
 exit
ipsec tunnel to-b
 wan-port wan1
 remote-address peer.test
 pre-shared-key names-test-secret-0123456789
 local-network vlan 10
 remote-network 10.2.0.0/24
 exit
commit
EOT
until_ok 10 "show says to-nx cannot resolve" \
	show_has to-nx "Remote: not resolved \(nx.test\) .*Last error: cannot resolve nx.test: no such name \(NXDOMAIN\)"
echo "ok: commit applies; show says why a name does not resolve"

# The peer by name: the remote ID is the name (ID_FQDN), as b says it is.
until_ok 15 "the tunnel up on a" logged a "tunnel to-b: CHILD SA up"
until_ok 10 "show has the resolved address" show_has to-b "Remote: 192.0.2.2 port 500 \(peer.test\)"
echo "ok: the tunnel to a peer by name is up"

# Now the nx name resolves: the tunnel's next try takes it.
python3 - "$dir/zone.json" <<'EOT'
import json, sys
z = json.load(open(sys.argv[1]))
z["nx.test"] = {"a": ["192.0.2.77"], "ttl": 5}
json.dump(z, open(sys.argv[1] + ".new", "w"))
EOT
mv "$dir/zone.json.new" "$dir/zone.json"
until_ok 20 "to-nx resolved after its retry" show_has to-nx "Remote: 192.0.2.77 port 500 \(nx.test\)"
show to-nx | grep -q "cannot resolve" && fail "to-nx still says it cannot resolve: $(show to-nx)"
echo "ok: a name that comes to resolve is taken, its error gone"

# The peer moves to 192.0.2.3: after the TTL (5 s) the change is said
# and logged; the SAs stay, and the next negotiation goes there.
mark=$(wc -l <"$dir/a.log")
zone 192.0.2.3
until_ok 20 "the change logged" logged a \
	"tunnel to-b: peer peer.test now resolves to 192.0.2.3" "$mark"
show_has to-b "Remote: 192.0.2.2 port 500 \(peer.test\)" || fail "the SAs moved: $(show to-b)"
echo "clear ipsec sa tunnel to-b" | sh_run a >"$dir/a-clear.out" 2>&1 ||
	fail "clear ipsec sa: $(cat "$dir/a-clear.out")"
until_ok 15 "the tunnel up at the new address" show_has to-b \
	"State: up .*Remote: 192.0.2.3 port 500 \(peer.test\)"
logged a "tunnel to-b: peer peer.test moved: now 192.0.2.3 \(was 192.0.2.2\)" "$mark" ||
	fail "the move was not logged"
echo "ok: the peer's new address is followed and logged"

# /etc/hosts, the IPv6-only answer and the server's garbage and silence.
sh_run a <<'EOT' >"$dir/a-commit2.out" 2>&1 || fail "commit 2 on a: $(cat "$dir/a-commit2.out")"
configure
interface wan1
 address 2001:db8:1::1/64
 exit
ipsec tunnel to-v6b
 wan-port wan1
 local-address 2001:db8:1::1
 remote-address v6.test
 pre-shared-key names-test-secret-0123456789
 local-network vlan 10
 remote-network 10.99.0.0/24
 exit
ipsec tunnel to-h
 wan-port wan1
 remote-address hosts-peer.test
 pre-shared-key names-test-secret-0123456789
 local-network vlan 10
 remote-network 10.3.0.0/24
 exit
ipsec tunnel to-v6
 wan-port wan1
 remote-address v6.test
 pre-shared-key names-test-secret-0123456789
 local-network vlan 10
 remote-network 10.4.0.0/24
 exit
ipsec tunnel to-trunc
 wan-port wan1
 remote-address trunc.test
 pre-shared-key names-test-secret-0123456789
 local-network vlan 10
 remote-network 10.5.0.0/24
 exit
ipsec tunnel to-loop
 wan-port wan1
 remote-address loop.test
 pre-shared-key names-test-secret-0123456789
 local-network vlan 10
 remote-network 10.6.0.0/24
 exit
ipsec tunnel to-many
 wan-port wan1
 remote-address many.test
 pre-shared-key names-test-secret-0123456789
 local-network vlan 10
 remote-network 10.7.0.0/24
 exit
ipsec tunnel to-bad
 wan-port wan1
 remote-address bad.test
 pre-shared-key names-test-secret-0123456789
 local-network vlan 10
 remote-network 10.8.0.0/24
 exit
ipsec tunnel to-short
 wan-port wan1
 remote-address short.test
 pre-shared-key names-test-secret-0123456789
 local-network vlan 10
 remote-network 10.10.0.0/24
 exit
ipsec tunnel to-silent
 wan-port wan1
 remote-address silent.test
 pre-shared-key names-test-secret-0123456789
 local-network vlan 10
 remote-network 10.11.0.0/24
 exit
commit
EOT
until_ok 10 "the hosts name resolved" show_has to-h "Remote: 192.0.2.9 port 500 \(hosts-peer.test\)"
grep -q "^hosts-peer.test" "$dir/dns.log" && fail "a hosts name was asked of DNS"
echo "ok: a name in /etc/hosts resolves from it"
until_ok 10 "the IPv6-only name refused in words" show_has to-v6 \
	"cannot resolve v6.test: no IPv4 address, and the local address 192.0.2.1 is IPv4: give the name an A record"
until_ok 10 "the IPv6-only name taken over IPv6" show_has to-v6b \
	"Remote: 2001:db8::10 port 500 \(v6.test\)"
echo "ok: an IPv6-only name: refused over IPv4, taken over IPv6"
# 1000 records: what fits the reply evdns reads is taken, the first
# RESOLVE_ADDRS_MAX of them kept.
until_ok 10 "to-many resolved to its first address" show_has to-many \
	"Remote: 198.51.100.1 port 500 \(many.test\)"
echo "ok: to-many: $(show to-many | grep -o 'Remote: [^)]*)')"
for t in trunc loop bad short silent; do
	until_ok 15 "to-$t says why" show_has "to-$t" "Last error: cannot resolve $t.test: "
	echo "ok: to-$t: $(show "to-$t" | sed 's/.*Last error: //')"
done
until_ok 10 "to-silent: a timeout" show_has to-silent \
	"cannot resolve silent.test: no answer from the name servers"
kill -0 "${pid[a]}" || fail "tunshd a died"
show_has to-b "State: up" || fail "to-b not up after the garbage: $(show to-b)"
echo "ok: garbage and silence: reasons in words, tunshd up and serving"

# A local address by name: the WAN port's address it resolves to; one
# that resolves elsewhere is refused in words, naming both.
sh_run a <<'EOT' >"$dir/a-local.out" 2>&1 || fail "local-address by name: $(cat "$dir/a-local.out")"
configure
ipsec tunnel to-la
 wan-port wan1
 local-address fw-a.test
 remote-address 192.0.2.60
 pre-shared-key names-test-secret-0123456789
 local-network vlan 10
 remote-network 10.12.0.0/24
 exit
commit
EOT
show_has to-la "Local: 192.0.2.1 port 500" || fail "to-la: $(show to-la)"
echo "ok: a local address by name is its WAN port's address"
sh_run a <<'EOT' >"$dir/a-wcheck.out" 2>&1 || fail "commit check of to-lw: $(cat "$dir/a-wcheck.out")"
configure
ipsec tunnel to-lw
 wan-port wan1
 local-address wrong.test
 remote-address 192.0.2.61
 pre-shared-key names-test-secret-0123456789
 local-network vlan 10
 remote-network 10.13.0.0/24
 exit
commit check
discard
EOT
grep -q "warning: tunnel to-lw: local-address wrong.test resolves to 192.0.2.50, none of them an address of wan-port wan1 (192.0.2.1, 2001:db8:1::1)" \
	"$dir/a-wcheck.out" || fail "commit check did not say it: $(cat "$dir/a-wcheck.out")"
if sh_run a <<'EOT' >"$dir/a-wrong.out" 2>&1; then
configure
ipsec tunnel to-lw
 wan-port wan1
 local-address wrong.test
 remote-address 192.0.2.61
 pre-shared-key names-test-secret-0123456789
 local-network vlan 10
 remote-network 10.13.0.0/24
 exit
commit
EOT
	fail "a local address elsewhere was committed: $(cat "$dir/a-wrong.out")"
fi
grep -q "tunnel to-lw: local-address wrong.test resolves to 192.0.2.50, none of them an address of wan-port wan1 (192.0.2.1, 2001:db8:1::1): fix the name's records, or set local-address to one of the port's addresses" \
	"$dir/a-wrong.out" || fail "not said in words: $(cat "$dir/a-wrong.out")"
echo "ok: a local address by name elsewhere is refused in words"
kill -0 "${pid[a]}" || fail "tunshd a died"
