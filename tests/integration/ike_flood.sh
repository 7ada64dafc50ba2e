#!/usr/bin/env bash
# tests/integration/ike_flood.sh BUILD: a flood of IKE_SA_INIT requests
# that answers every cookie, against a real tunshd (--kernel none) on
# real UDP 500 in a namespace, for 15 s and until the tunnel below is up
# (60 s at most): one flooder from one address
# and one from 199 more, all addresses B has tunnels to (only those get
# half-open SAs).  B runs with --ike-half-open-max 300, so the 200
# addresses (5 each would be 1000) meet the total bound and the single
# address its own bound of 5.  Checked: B's resident memory stays within
# 50 MB of where it started, the drops are counted by reason in show
# ipsec counters json, the half-open SAs stay within the bounds, and a
# tunnel from a real tunshd A, committed during the flood, comes up.
# Root; 77 otherwise.
set -euo pipefail

bin=$(cd "${1:?usage: ike_flood.sh BUILD}" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "ike_flood.sh: needs root (namespaces)"; exit 77; }

# Under ASan freed memory waits in a quarantine of 256 MB before reuse,
# which would be counted as the daemon's; a small one keeps the memory
# bound about tunshd's own allocations (use after free is still caught
# within it).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4"

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/netns.sh
. "$top/tests/integration/netns.sh"
n_addrs=200
max=300
netns_init tunsh-flood a b f

# A (192.0.2.1) -- B (192.0.2.2, 198.18.0.254) -- F (198.18.0.1-200)
veth a veth-ab 192.0.2.1/24 b veth-ba 192.0.2.2/24
veth f veth-fb "" b veth-bf 198.18.0.254/24
for i in $(seq 1 $n_addrs); do echo "addr add 198.18.0.$i/24 dev veth-fb"; done |
	ip -n "${ns[f]}" -batch -
site_conf site-a 192.0.2.1 10.1.0.0/24 >"$dir/a.conf"
site_conf site-b 192.0.2.2 10.2.0.0/24 >"$dir/b.conf"

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
json_num() { # KEY FILE: the first "KEY": number
	grep -o "\"$1\": *[0-9]*" "$2" | head -n 1 | grep -o '[0-9]*$'
}

start a "${ns[a]}"
start b "${ns[b]}" --ike-half-open-max "$max"

# B: the tunnel to A (B answers), and one to every flooding address.
{
	echo configure
	printf 'ipsec tunnel to-a\n wan-port wan1\n remote-address 192.0.2.1\n'
	printf ' pre-shared-key flood-test-secret-1\n local-network vlan 10\n'
	printf ' remote-network 10.1.0.0/24\n initiator off\n exit\n'
	for i in $(seq 1 $n_addrs); do
		printf 'ipsec tunnel f%d\n wan-port wan1\n' "$i"
		printf ' remote-address 198.18.0.%d\n' "$i"
		printf ' pre-shared-key flood-test-secret-%d\n' "$i"
		printf ' local-network vlan 10\n remote-network 10.%d.%d.0/24\n' \
			$((100 + i / 250)) $((i % 250))
		printf ' initiator off\n exit\n'
	done
	echo commit
} | sh_run b >"$dir/b-commit.out" 2>&1 || fail "commit on b"

rss0=$(rss_kb "${pid[b]}")
ip netns exec "${ns[f]}" "$bin/tests/integration/ike_flood" 198.18.0.254 \
	198.18.0.1 1 60 20000000 >"$dir/flood-one.out" 2>"$dir/flood-one.log" &
flood_one=$!
pid[flood_one]=$flood_one
# The one address meets its own bound before the others fill the total.
for _ in $(seq 100); do
	echo "show ipsec counters json" | sh_run b >"$dir/c.json" 2>&1 || true
	[ "$(json_num half_open_peer "$dir/c.json")" -gt 0 ] 2>/dev/null && break
	sleep 0.1
done
[ "$(json_num half_open_peer "$dir/c.json")" -gt 0 ] ||
	fail "the flood from one address met no bound: $(cat "$dir/c.json")"
ip netns exec "${ns[f]}" "$bin/tests/integration/ike_flood" 198.18.0.254 \
	198.18.0.2 $((n_addrs - 1)) 60 20000000 >"$dir/flood-many.out" \
	2>"$dir/flood-many.log" &
flood_many=$!
pid[flood_many]=$flood_many

# Once the flood holds B at its bounds, A's tunnel is committed.
for _ in $(seq 100); do
	echo "show ipsec counters json" | sh_run b >"$dir/c.json" 2>&1 || true
	[ "$(json_num half_open "$dir/c.json")" -ge "$max" ] 2>/dev/null && break
	sleep 0.1
done
[ "$(json_num half_open "$dir/c.json")" -ge "$max" ] ||
	fail "the flood did not reach the total bound: $(cat "$dir/c.json")"
sh_run a <<'EOT' >"$dir/a-commit.out" 2>&1 || fail "commit on a"
configure
ipsec tunnel to-b
 wan-port wan1
 remote-address 192.0.2.2
 pre-shared-key flood-test-secret-1
 local-network vlan 10
 remote-network 10.2.0.0/24
 exit
commit
EOT

# The flood goes on for 15 s, and until the tunnel is up (60 s at most:
# a loaded machine is slower to negotiate, and that is no failure).
peak=$rss0 held=0 up=no flood_end=$((SECONDS + 15))
while kill -0 "$flood_one" 2>/dev/null || kill -0 "$flood_many" 2>/dev/null; do
	if [ $up = yes ] && [ "$SECONDS" -ge "$flood_end" ]; then
		kill -TERM "$flood_one" "$flood_many" 2>/dev/null || true
		break
	fi
	r=$(rss_kb "${pid[b]}")
	[ "$r" -gt "$peak" ] && peak=$r
	echo "show ipsec counters json" | sh_run b >"$dir/c.json" 2>&1 || true
	h=$(json_num half_open "$dir/c.json")
	[ "${h:-0}" -gt "$held" ] && held=$h
	if [ $up = no ] && echo "show ipsec tunnel to-a json" | sh_run b |
		grep -q '"state": *"up"'; then
		up=yes
		kill -0 "$flood_many" 2>/dev/null ||
			fail "the tunnel came up only after the flood"
	fi
	sleep 0.5
done
wait "$flood_one" "$flood_many" || fail "a flooder failed"
echo "show ipsec counters json" | sh_run b >"$dir/c.json" 2>&1
echo "show ipsec counters" | sh_run b >"$dir/c.txt" 2>&1
echo "flood from one address: $(cat "$dir/flood-one.out")"
echo "flood from $((n_addrs - 1)) addresses: $(cat "$dir/flood-many.out")"
echo "B: VmRSS ${rss0} kB before, ${peak} kB at most; ${held} half-open at most"
cat "$dir/c.txt"

[ $up = yes ] || fail "b: tunnel to-a did not come up during the flood"
echo "ok: a configured tunnel came up during the flood"
[ $((peak - rss0)) -lt 51200 ] ||
	fail "b: VmRSS grew by $((peak - rss0)) kB, more than 50 MB"
echo "ok: memory stayed within 50 MB"
# The total bound, plus at most one for an address that held none when
# its old ones expired, which a 15 s flood does not see.
[ "$held" -le $((max + n_addrs)) ] || fail "b: $held half-open SAs held"
per_peer=$(json_num half_open_peer "$dir/c.json")
total=$(json_num half_open_total "$dir/c.json")
cookies=$(json_num cookies_sent "$dir/c.json")
[ "${per_peer:-0}" -gt 0 ] || fail "b: no drops at the per-address bound"
[ "${total:-0}" -gt 0 ] || fail "b: no drops at the total bound"
[ "${cookies:-0}" -gt 0 ] || fail "b: no cookies demanded"
grep -q "IKE_SA_INIT over the half-open bound per address" "$dir/c.txt" ||
	fail "b: show ipsec counters does not name the drops"
echo "ok: drops counted ($per_peer per address, $total in total)"
