#!/usr/bin/env bash
# tests/integration/mss.sh BUILD: tcp-mss as nftables rules, from the real
# tunshd in a network namespace the test makes (SAs and interfaces in
# memory, --kernel none: this kernel has no ESP; the clamps in the real
# nftables of the namespace, --mss-clamp nft), read back with nft(8):
#  - a table "inet tunsh" a dead tunshd left is replaced at start;
#  - the table holds a route-based tunnel's clamp by interface and a
#    policy-based one's by networks and IPsec, from the running config;
#  - a commit changes it in one transaction; one that changes no clamp
#    leaves it alone (same handles); no clamp left: no table;
#  - a commit nftables refuses (the name owned by another program) fails
#    in nft's words and is undone;
#  - mtu on a policy-based tunnel is refused at commit, in words;
#  - SIGTERM removes the table; the other tables of the namespace (one
#    ip, one inet) are the same before and after;
#  - started while another program owns the name, tunshd says so and
#    why, refuses a commit that sets tcp-mss in those words, and leaves
#    that table alone.
# Root; 77 otherwise.
set -euo pipefail

bin=$(cd "${1:?usage: mss.sh BUILD}" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "mss.sh: needs root (namespaces)"; exit 77; }
command -v nft >/dev/null || { echo "FAIL: nft(8) is missing (scripts/deps.sh)" >&2; exit 1; }

dir=$(mktemp -d)
ns=tunsh-mss-$$
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*" >&2
	echo "--- tunshd log:" >&2
	tail -n 30 "$dir/a.log" >&2 || true
	echo "--- ruleset:" >&2
	nsx nft list ruleset >&2 || true
	exit 1
}
nsx() { ip netns exec "$ns" "$@"; }
sh_run() { "$bin/shell/tunsh" --socket "$dir/a.sock"; }
# commit LINES...: one configure session, committed; fails the test if
# the commit does not complete.
commit() {
	local out
	out=$({ echo configure; printf '%s\n' "$@"; echo commit; } | sh_run 2>&1) ||
		fail "commit of $*: $out"
	grep -q 'commit complete' <<<"$out" || fail "commit of $*: $out"
}
tunsh_table() { nsx nft list table inet tunsh 2>/dev/null; }
# Rules as "comment: match" lines, handles left out, in table order.
rules() {
	tunsh_table | sed -n 's/^\t\t\(.*\) comment "\(.*\)"$/\2: \1/p'
}
others() {
	nsx nft list ruleset | awk '/^table inet tunsh/ { skip = 1 }
		/^table/ && !/inet tunsh/ { skip = 0 } !skip'
}

ip netns add "$ns"
nsx ip link set lo up
# Other people's tables, which tunshd must leave as they are.
nsx nft -f - <<'EOT'
table ip filter {
	chain forward {
		type filter hook forward priority filter; policy accept;
		tcp dport 22 counter accept comment "admin's own"
	}
}
table inet other {
	set blocked { type ipv4_addr; elements = { 192.0.2.99 } }
	chain input {
		type filter hook input priority filter; policy accept;
		ip saddr @blocked drop
	}
}
EOT
# What a tunshd that was killed -9 left behind.
nsx nft -f - <<'EOT'
table inet tunsh {
	chain stale {
		tcp dport 9 drop comment "left by a dead tunshd"
	}
}
EOT
before=$(others)

cat >"$dir/a.conf" <<'EOT'
hostname = "site-a";
interfaces = ( { name = "wan1"; address = "192.0.2.1/24"; } );
vlans = ( { id = 10; name = "lan"; subnet = "10.1.0.0/24"; } );
tunnels = (
  { name = "rb"; tunnel-type = "route-based"; wan-port = "wan1";
    remote-address = "192.0.2.2"; pre-shared-key = "mss-test-rb-0123456789";
    local-network = [ "vlan 10" ]; remote-network = [ "10.2.0.0/16" ];
    inside-address = "169.254.10.2/30"; mtu = 1400; tcp-mss = 1360;
    initiator = false; },
  { name = "pb"; wan-port = "wan1"; remote-address = "192.0.2.3";
    pre-shared-key = "mss-test-pb-0123456789";
    local-network = [ "vlan 10" ];
    remote-network = [ "10.3.0.0/16", "10.5.0.0/24" ];
    tcp-mss = 1300; initiator = false; } );
EOT
ip netns exec "$ns" "$bin/shell/tunshd" -f --config "$dir/a.conf" --state-dir "$dir/state" \
	--socket "$dir/a.sock" --kernel none --mss-clamp nft --ike-ports 0,0 \
	2>>"$dir/a.log" &
pid=$!
for _ in $(seq 100); do [ -S "$dir/a.sock" ] && break; sleep 0.1; done
[ -S "$dir/a.sock" ] || fail "tunshd did not start"

# At start: the stale table is gone, ours holds the running clamps.
want='pb out: rt ipsec exists ip saddr 10.1.0.0/24 ip daddr { 10.3.0.0/16, 10.5.0.0/24 } tcp flags syn tcp option maxseg size > 1300 tcp option maxseg size set 1300
pb in: meta ipsec exists ip saddr { 10.3.0.0/16, 10.5.0.0/24 } ip daddr 10.1.0.0/24 tcp flags syn tcp option maxseg size > 1300 tcp option maxseg size set 1300
rb out: oifname "ts-rb" tcp flags syn tcp option maxseg size > 1360 tcp option maxseg size set 1360
rb in: iifname "ts-rb" tcp flags syn tcp option maxseg size > 1360 tcp option maxseg size set 1360'
got=$(rules)
[ "$got" = "$want" ] || fail "rules at start:
$got
want:
$want"
# (Read whole first: grep -q stopping early would kill nft with SIGPIPE.)
table=$(tunsh_table)
grep -q 'chain stale' <<<"$table" && fail "the dead tunshd's chain stayed"
grep -q 'type filter hook forward priority mangle; policy accept;' <<<"$table" ||
	fail "chain mss: $table"

# A commit that changes a clamp: the table is replaced in one go.
commit 'ipsec tunnel rb' ' tcp-mss 1200' ' exit'
got=$(rules | grep '^rb out')
[ "$got" = 'rb out: oifname "ts-rb" tcp flags syn tcp option maxseg size > 1200 tcp option maxseg size set 1200' ] ||
	fail "rb after tcp-mss 1200: $got"
[ "$(rules | grep -c 1360)" = 0 ] || fail "the old clamp stayed: $(rules)"

# A commit that changes no clamp does not touch the table: the rules keep
# their handles (a rewrite gives new ones).
handles() { nsx nft -a list table inet tunsh | grep -o 'handle [0-9]*' | tr '\n' ' '; }
h1=$(handles)
commit 'ipsec tunnel pb' ' description no clamp changed' ' exit'
h2=$(handles)
[ "$h1" = "$h2" ] || fail "a commit without a clamp change rewrote the table: $h1 / $h2"

# tcp-mss 0 on one and none on the other: no clamp, no table.
commit 'ipsec tunnel rb' ' tcp-mss 0' ' exit' 'ipsec tunnel pb' ' no tcp-mss' ' exit'
tunsh_table >/dev/null && fail "the table stayed with no clamp: $(tunsh_table)"
# A commit nftables refuses: another program owns a table of that name
# (nft's "flags owner": only its netlink socket may change it).  The
# commit fails in nft's words and is undone; once the owner is gone the
# same commit goes through.
mkfifo "$dir/owner"
ip netns exec "$ns" nft -i <"$dir/owner" >"$dir/owner.out" 2>&1 &
owner=$!
exec 7>"$dir/owner"
echo 'add table inet tunsh { flags owner; }' >&7
for _ in $(seq 50); do tunsh_table >/dev/null && break; sleep 0.1; done
tunsh_table >/dev/null || fail "the owner's table: $(cat "$dir/owner.out")"
out=$(printf 'configure\nipsec tunnel pb\n tcp-mss 1250\n exit\ncommit\n' | sh_run 2>&1 || true)
want_err='commit failed at its end, after 1 step: TCP MSS clamps (tcp-mss): nftables table inet tunsh: Could not process rule: Operation not permitted; see what holds or blocks it with nft list ruleset, or set tcp-mss 0 to go without; the previous configuration stays in place'
grep -qF -- "$want_err" <<<"$out" || fail "commit against an owned table: $out"
running=$(echo 'show running-config' | sh_run 2>&1)
grep -q 'tcp-mss 1250' <<<"$running" && fail "the refused commit stayed: $running"
exec 7>&-
wait "$owner" || true
for _ in $(seq 50); do tunsh_table >/dev/null || break; sleep 0.1; done
# And back, for the end.
commit 'ipsec tunnel pb' ' tcp-mss 1250' ' exit'
[ "$(rules | cut -d: -f1 | tr '\n' ' ')" = "pb out pb in " ] ||
	fail "pb back: $(rules)"

# mtu on a policy-based tunnel is refused, in words.
out=$(printf 'configure\nipsec tunnel pb\n mtu 1400\n exit\ncommit\n' | sh_run 2>&1 || true)
grep -q "ipsec tunnel pb: mtu is the MTU of a route-based tunnel's interface, and a policy-based tunnel has none" <<<"$out" ||
	fail "mtu on pb: $out"

# SIGTERM: the table goes, the others are as they were.
kill "$pid"
wait "$pid" || fail "tunshd exited $?"
pid=
tunsh_table >/dev/null && fail "the table stayed after tunshd stopped: $(tunsh_table)"
after=$(others)
[ "$before" = "$after" ] || fail "other tables changed:
$before
---
$after"

# Started while another program owns table inet tunsh: tunshd says at
# start that it cannot clamp and why, refuses a commit that sets tcp-mss
# in those words, and leaves the other program's table alone.
ip netns exec "$ns" nft -i <"$dir/owner" >"$dir/owner.out" 2>&1 &
owner=$!
exec 7>"$dir/owner"
echo 'add table inet tunsh { flags owner; }' >&7
for _ in $(seq 50); do tunsh_table >/dev/null && break; sleep 0.1; done
tunsh_table >/dev/null || fail "the owner's table: $(cat "$dir/owner.out")"
rm -f "$dir/a.sock"
ip netns exec "$ns" "$bin/shell/tunshd" -f --config "$dir/a.conf" --state-dir "$dir/state" \
	--socket "$dir/a.sock" --kernel none --mss-clamp nft --ike-ports 0,0 \
	2>>"$dir/a.log" &
pid=$!
for _ in $(seq 100); do [ -S "$dir/a.sock" ] && break; sleep 0.1; done
[ -S "$dir/a.sock" ] || fail "tunshd did not start next to the owned table"
grep -qF 'no TCP MSS clamping: nftables table inet tunsh: Could not process rule: Operation not permitted' "$dir/a.log" ||
	fail "no word at start of the refused clamps"
out=$(printf 'configure\nipsec tunnel rb\n tcp-mss 1300\n exit\ncommit\n' | sh_run 2>&1 || true)
want_err="tunnel rb: tcp-mss 1300 cannot be applied: at start nftables refused tunshd's clamps (nftables table inet tunsh: Could not process rule: Operation not permitted): remove tcp-mss, or restart tunshd where nftables has the inet family and the TCP option expression"
grep -qF -- "$want_err" <<<"$out" || fail "tcp-mss without nftables: $out"
kill "$pid"
wait "$pid" || fail "tunshd exited $?"
pid=
table=$(tunsh_table || true)
grep -q 'flags owner' <<<"$table" || fail "the owner's table went with tunshd"
exec 7>&-
wait "$owner" || true
echo "PASS: mss"
