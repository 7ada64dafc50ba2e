#!/usr/bin/env bash
# tests/vm/matrix.sh [-w] [RESULTS]: the peers x features matrix of the
# VM tier as a markdown table, from the last run's results (RESULTS
# default build/vm-results: one directory per scenario with status and
# verdict).  -w writes it, dated, into tests/vm/README.md between the
# matrix markers instead of printing it.
# Each feature row names the scenario that tests it against each peer;
# a cell is PASS or FAIL with the run's duration, "not run" when the
# scenario has no result, "-" when no scenario exists.  The table goes
# into tests/vm/README.md with the date it was made.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
write=
if [ "${1:-}" = -w ]; then
	write=1
	shift
fi
results=${1:-$here/../../build/vm-results}

# feature|strongSwan scenario|libreswan scenario ("-": none yet)
features=(
	"tunsh initiates, pings both ways, ESP only|tunsh_initiator|pluto_initiator"
	"peer initiates, tunsh responds|tunsh_responder|pluto_responder"
	"PSK mismatch named, both ways|diagnose|pluto_psk_mismatch"
	"rekeys started by the peer under traffic|rekey|pluto_rekey_short_lifetimes"
	"rekeys started by tunsh under traffic|rekey_by_tunsh|pluto_rekey_by_tunsh"
	"reauthentication by tunsh, make-before-break, under traffic|rekey_by_tunsh|pluto_rekey_by_tunsh"
	"DPD clear, hold and restart after the peer dies|dpd|pluto_dpd"
	"NAT-T through a masquerade|nat_t|pluto_nat_t"
	"IKE fragmentation (RFC 7383)|fragmentation|pluto_fragmentation"
	"traffic selector mismatch|diagnose|-"
	"diagnose: each failing check with the guide's fix, then all ok and ping from a VLAN across the tunnel|diagnose|-"
	"replay window|replay_window|-"
	"NAT rebinding|nat_rebind|-"
	"route-based (VTI)|route_based|pluto_route_based"
	"failover between two route-based tunnels (AWS's pair), by DPD and by the traffic monitor|failover_two_gateways|-"
	"one CHILD SA per pair (traffic-selectors per-pair), narrowing shown|per_pair|pluto_per_pair"
	"the change classes of a commit|commit_classes|-"
	"a renegotiate-class commit: reauthenticated at once under pings|reneg_commit|-"
	"commit confirmed of a wrong key: old SAs carry on, rollback recovers|reneg_rollback|-"
	"Prometheus metrics equal the kernel's counters across a rekey|metrics|-"
	"suites: AES-GCM-256/X25519, AES-CBC-256/SHA2-256/MODP-2048, AES-GCM-128/ECP-256|tunsh_initiator|pluto_suites"
	"IPv6 outside with IPv4 inside, IPv4 outside with IPv6 inside, IPv6 both: ping6, SA counters, show|ipv6|pluto_ipv6"
	"peer by name: /etc/hosts, then DNS (TTL 2 s) following the peer to a new address; pluto by an AAAA entry of /etc/hosts|names|pluto_ipv6"
	"route-based IPv6 inside (fd00::/126) over an XFRM interface, IPv4 and IPv6 outside (qemu)|route_xfrmi6|-"
)

# cell SCENARIO: PASS/FAIL and seconds from the verdict line.
cell() {
	local n=$1 st v secs
	[ "$n" != - ] || { echo "-"; return; }
	if [ ! -f "$results/$n/status" ]; then
		if [ -f "$results/$n/verdict" ]; then
			echo "FAIL ($n: no status)"
		else
			echo "not run ($n)"
		fi
		return
	fi
	st=$(cat "$results/$n/status")
	v=$(cat "$results/$n/verdict" 2>/dev/null || true)
	secs=$(sed -n 's/^[A-Z]* [^ ]* \([0-9.]*s\).*/\1/p' <<<"$v")
	if [ "$st" = 0 ] && [[ $v == PASS* ]]; then
		echo "PASS $secs ($n)"
	else
		echo "FAIL $secs ($n)"
	fi
}

table() {
	echo "| feature | strongSwan (charon) | libreswan (pluto) |"
	echo "| --- | --- | --- |"
	for f in "${features[@]}"; do
		IFS='|' read -r name sw ls <<<"$f"
		echo "| $name | $(cell "$sw") | $(cell "$ls") |"
	done
}

if [ -z "$write" ]; then
	table
	exit 0
fi
readme=$here/README.md
{ grep -q '^<!-- matrix begin -->$' "$readme" && grep -q '^<!-- matrix end -->$' "$readme"; } ||
	{ echo "matrix.sh: $readme lacks the matrix markers" >&2; exit 1; }
new=$(mktemp)
trap 'rm -f "$new"' EXIT
{
	sed '/^<!-- matrix begin -->$/q' "$readme"
	echo
	echo "Results of $(date -u +%Y-%m-%d) (UTC):"
	echo
	table
	echo
	sed -n '/^<!-- matrix end -->$/,$p' "$readme"
} >"$new"
cat "$new" >"$readme"
