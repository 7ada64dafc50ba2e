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

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/netns.sh
. "$top/tests/integration/netns.sh"
netns_init tunsh-reneg a b
veth a veth-a 192.0.2.1/24 b veth-b 192.0.2.2/24
site_conf site-a 192.0.2.1 10.1.0.0/24 >"$dir/a.conf"
site_conf site-b 192.0.2.2 10.2.0.0/24 >"$dir/b.conf"

# show: show ipsec tunnel to-b on a, lines joined.
show() {
	echo "show ipsec tunnel to-b" | sh_run a 2>&1 | tr -s ' \n' ' '
}
show_has() { show | grep -Eq -- "$1"; }

start a "${ns[a]}"
start b "${ns[b]}"
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
until_ok 10 "the tunnel up on a" logged a "tunnel to-b: CHILD SA up"
until_ok 10 "the tunnel up on b" logged b "tunnel to-a: CHILD SA up"
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
until_ok 5 "b refuses the new key" logged b "tunnel to-a: authentication failed"
until_ok 5 "show names the previous configuration and the failure" \
	show_has "Config: previous: .*the new one failed: authentication failed"
show_has "State: up" || fail "a: not up on the old SAs: $(show)"
echo "ok: the wrong key failed at the commit, the old SAs carry on: $(show | sed 's/.*Config: //; s/ Last error.*//')"

until_ok 15 "the automatic rollback" logged a "automatic rollback" "$mark"
until_ok 10 "a reauthenticates with the right key" \
	logged a "tunnel to-b: reauthenticated" "$mark"
# Up, and nothing of a previous configuration; b kept the new IKE SA (a
# tunsh responder keeps the lower SPIi of two: the new one's is lower).
up_now() { show_has "State: up" && ! show_has "Config:"; }
until_ok 10 "a up on the right key, no previous configuration" up_now
if logged a "tunnel to-b: the peer deleted the IKE SA" "$mark"; then
	fail "b deleted the new IKE SA: the tunnel went down"
fi
echo "ok: the rollback reauthenticated with the right key"
