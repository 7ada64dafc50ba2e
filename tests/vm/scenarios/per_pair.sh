#!/usr/bin/env bash
# traffic-selectors per-pair in a real kernel against Debian's charon:
# two LANs on each side, tunshd in a initiates.
#  1. charon as a per-pair peer (Azure UsePolicyBasedTrafficSelectors,
#     Cisco ASA) is written in swanctl: four children, one local_ts and
#     one remote_ts each.  tunsh with per-pair makes four CHILD SAs (both
#     ends list them); a's kernel holds 8 SAs, each with its pair as its
#     XFRM selector, and the SPIs are the ones charon has for that pair's
#     child; every pair's pings cross both ways as ESP only, each pair's
#     packets counted on its own two SAs and on no other.
#     Why the selectors matter (seen with them left out of install_one):
#     the kernel took the same outbound SA for all four pairs (they share
#     the tunnel's reqid), charon dropped three pairs' packets arriving
#     on another pair's SA, and only one pair's pings were answered.
#  2. charon with one child (one pair); tunsh offers 2x2 combined (the
#     default).  charon narrows to its pair (its log says which selectors
#     it refused), show ipsec tunnel lists the 3 other pairs as not
#     carried with the reason, the carried pair passes pings, and a ping
#     of a pair no SA carries is held by a's policies: no answer, nothing
#     in clear, no second negotiation.
#
#   ha 10.1.0.10 --lan-- a --wan--------------wan-- b --lan-- hb 10.2.0.10
#      10.3.0.10  10.1.0.1/10.3.0.1  192.0.2.1  192.0.2.2  10.2.0.1/10.4.0.1  10.4.0.10
#        tunshd (vlans 10 and 30)                  charon

# shellcheck source=SCRIPTDIR/../lib.sh
. "$TUNSH_TOP/tests/vm/lib.sh"
trap vm_stop_all EXIT

vm_charon_need openssl kernel-netlink vici

# The pairs as "A-LAN B-LAN A-HOST B-HOST CHILD", in tunsh's order (local
# network k / n_remote, remote network k % n_remote).
PAIRS=(
	"10.1.0.0/24 10.2.0.0/24 10.1.0.10 10.2.0.10 p12"
	"10.1.0.0/24 10.4.0.0/24 10.1.0.10 10.4.0.10 p14"
	"10.3.0.0/24 10.2.0.0/24 10.3.0.10 10.2.0.10 p32"
	"10.3.0.0/24 10.4.0.0/24 10.3.0.10 10.4.0.10 p34"
)
PINGS=3

# show_tunnel: show ipsec tunnel to-b, on one line.
show_tunnel() {
	local out
	out=$(echo "show ipsec tunnel to-b" | vm_tunsh a 2>&1) || vm_fail "show ipsec tunnel: $out"
	tr -s ' \n' ' ' <<<"$out"
}

# peer_conf CHILD-LINES...: swanctl.conf for charon in b with one child
# per "NAME LOCAL_TS REMOTE_TS"; charon's defaults otherwise.
peer_conf() {
	local name lts rts spec
	cat <<EOT
connections {
	site {
		version = 2
		local_addrs = 192.0.2.2
		remote_addrs = 192.0.2.1
		proposals = aes256gcm16-prfsha256-x25519
		local {
			auth = psk
			id = 192.0.2.2
		}
		remote {
			auth = psk
			id = 192.0.2.1
		}
		children {
EOT
	for spec in "$@"; do
		read -r name lts rts <<<"$spec"
		cat <<EOT
			$name {
				local_ts = $lts
				remote_ts = $rts
				mode = tunnel
				esp_proposals = aes256gcm16
			}
EOT
	done
	cat <<EOT
		}
	}
}
secrets {
	ike-site {
		id-a = 192.0.2.1
		id-b = 192.0.2.2
		secret = "vm-test-psk-not-secret-0123456789"
	}
}
EOT
}

# child_spis CHILD < swanctl --list-sas: "IN OUT PACKETS-IN PACKETS-OUT"
# of the INSTALLED CHILD SA called CHILD (vm_charon_child_spis, from
# one listing).
child_spis() {
	awk -v c="$1:" '$1 == c && /INSTALLED/ { on = 1; next }
		on && $1 == "in" { i = $2; sub(/,.*/, "", i); pi = $5 }
		on && $1 == "out" { o = $2; sub(/,.*/, "", o); po = $5; on = 0 }
		END { if (i != "" && o != "") print i, o, pi, po }'
}

# charon_installed N: charon in b lists N INSTALLED CHILD SAs.
charon_installed() {
	[ "$(vm_swanctl b --list-sas 2>/dev/null | grep -c ', INSTALLED, TUNNEL')" = "$1" ]
}

vm_log "topology: two LANs a side"
vm_sites
vm_two_lans
vm_log "charon in b: four children, one pair each"
vm_charon_start b b
peer_conf "p12 10.2.0.0/24 10.1.0.0/24" "p14 10.4.0.0/24 10.1.0.0/24" \
	"p32 10.2.0.0/24 10.3.0.0/24" "p34 10.4.0.0/24 10.3.0.0/24" |
	vm_charon_load b
vm_tunshd_start a a <<'EOT'
hostname = "site-a";
interfaces = ( { name = "wan1"; address = "192.0.2.1/24"; } );
vlans = ( { id = 10; name = "lan"; subnet = "10.1.0.0/24"; },
	{ id = 30; name = "lan30"; subnet = "10.3.0.0/24"; } );
tunnels = ( );
EOT

vm_log "1: tunsh per-pair initiates"
mark=$(vm_tunshd_lines a)
vm_tunsh_ok a "add the per-pair tunnel" <<'EOF'
configure
ipsec tunnel to-b
 wan-port wan1
 remote-address 192.0.2.2
 pre-shared-key vm-test-psk-not-secret-0123456789
 local-network vlan 10
 local-network vlan 30
 remote-network 10.2.0.0/24
 remote-network 10.4.0.0/24
 ike-proposal aes256gcm16-prfsha256-x25519
 esp-proposal aes256gcm16
 traffic-selectors per-pair
 exit
commit
EOF

# four_up: tunshd logged 4 CHILD SAs since the mark.
four_up() {
	[ "$(tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log" | grep -c 'CHILD SA up')" -ge 4 ]
}
vm_wait 30 "tunshd brought up 4 CHILD SAs" four_up
vm_wait 15 "charon lists 4 INSTALLED CHILD SAs" charon_installed 4
vm_log "1: up: $(tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log" | grep -Ec 'CHILD SA up') CHILD SAs in tunshd's log"

sas=$(vm_swanctl b --list-sas)
n=$(grep -c ', INSTALLED, TUNNEL' <<<"$sas") || true
[ "$n" = 4 ] || vm_fail "1: charon lists $n INSTALLED CHILD SAs, want 4: $sas"
n=$(grep -c 'ESTABLISHED, IKEv2' <<<"$sas") || true
[ "$n" = 1 ] || vm_fail "1: charon lists $n IKE SAs, want 1: $sas"

out=$(show_tunnel)
vm_log "1: show ipsec tunnel: $out"
grep -q 'State: up ' <<<"$out" || vm_fail "1: show ipsec tunnel does not say up: $out"
grep -q 'CHILD SAs: 4 ' <<<"$out" || vm_fail "1: show ipsec tunnel does not list 4 CHILD SAs: $out"
! grep -q 'Not carried' <<<"$out" || vm_fail "1: show ipsec tunnel has pairs not carried: $out"
for spec in "${PAIRS[@]}"; do
	read -r al bl _ _ _ <<<"$spec"
	grep -q "$al <-> $bl in " <<<"$out" ||
		vm_fail "1: show ipsec tunnel has no CHILD SA $al <-> $bl: $out"
done

table=$(vm_sa_table a)
n=$(wc -l <<<"$table")
[ "$n" = 8 ] || vm_fail "1: a holds $n ESP SAs, want 8: $(ip -n a xfrm state)"
n=$(ip -n a xfrm policy | grep -Ec '^src 10\.[13]\.0\.0/24 dst 10\.[24]\.0\.0/24') || true
[ "$n" = 4 ] || vm_fail "1: a has $n outbound pair policies, want 4: $(ip -n a xfrm policy)"
n=$(ip -n a xfrm policy | grep -Ec '^src 10\.[24]\.0\.0/24 dst 10\.[13]\.0\.0/24') || true
[ "$n" = 8 ] || vm_fail "1: a has $n inbound+forward pair policies, want 8: $(ip -n a xfrm policy)"

# Each pair: one SA out with the pair as selector, one in with it
# reversed, whose SPIs are charon's for that pair's child (swapped).
for spec in "${PAIRS[@]}"; do
	read -r al bl _ _ child <<<"$spec"
	sout=$(awk -v l="$al" -v r="$bl" '$1 == "192.0.2.1" && $4 == l && $5 == r { print $3 }' <<<"$table")
	sin=$(awk -v l="$al" -v r="$bl" '$1 == "192.0.2.2" && $4 == r && $5 == l { print $3 }' <<<"$table")
	read -r cin cout _ _ <<<"$(child_spis "$child" <<<"$sas")"
	vm_log "1: $al <-> $bl: a out $sout in $sin; charon $child in $cin out $cout"
	{ [ -n "$sout" ] && [ -n "$sin" ] && [ "$sout" = "$cin" ] && [ "$sin" = "$cout" ]; } ||
		vm_fail "1: $al <-> $bl: a's SAs with that selector (out '$sout', in '$sin') are not charon's $child (in $cin, out $cout): $(ip -n a xfrm state)"
done

# Pair by pair: PINGS each way; the pair's two SAs count 2*PINGS packets
# each, the other six SAs nothing.
vm_zero_wire
for spec in "${PAIRS[@]}"; do
	read -r al bl ah bh child <<<"$spec"
	vm_sa_table a >"$VM_WORK/sa.before"
	vm_ping_all_from ha "$ah" "$bh" "$PINGS"
	vm_ping_all_from hb "$bh" "$ah" "$PINGS"
	vm_sa_table a >"$VM_WORK/sa.after"
	vm_check_wire "1: $al <-> $bl" $((2 * PINGS))
	bad=$(paste -d ' ' "$VM_WORK/sa.before" "$VM_WORK/sa.after" |
		awk -v l="$al" -v r="$bl" -v want=$((2 * PINGS)) '
			$3 != $9 { print "SA order changed"; next }
			{ mine = ($4 == l && $5 == r) || ($4 == r && $5 == l)
			  d = $12 - $6
			  if (d != (mine ? want : 0))
				print $3 " (" $4 " -> " $5 ") +" d " packets" }')
	[ -z "$bad" ] || vm_fail "1: pings of $al <-> $bl: $bad; want +$((2 * PINGS)) on its two SAs only: $(cat "$VM_WORK/sa.after")"
	vm_log "1: $al <-> $bl: $PINGS pings each way answered, $((2 * PINGS)) ESP each way, on its own SAs"
done
vm_log "1: a's SAs: $(vm_sa_table a | tr '\n' ';')"
# charon's view: each child's SAs counted the pings of its pair alone.
sas=$(vm_swanctl b --list-sas)
for spec in "${PAIRS[@]}"; do
	read -r _ _ _ _ child <<<"$spec"
	read -r cin cout pin pout <<<"$(child_spis "$child" <<<"$sas")"
	[ "$pin/$pout" = "$((2 * PINGS))/$((2 * PINGS))" ] ||
		vm_fail "1: charon's $child counted $pin packets in, $pout out; want $((2 * PINGS)) each: $sas"
done

vm_log "remove the tunnel"
vm_tunsh_ok a "remove the tunnel" <<'EOF'
configure
no ipsec tunnel to-b
commit
EOF
vm_wait 15 "a's SAs are gone after the tunnel was removed" test "$(vm_xfrm_count a)" = 0
vm_wait 15 "charon's IKE SA is gone after tunsh removed the tunnel" \
	test -z "$(vm_charon_ike_spis b)"

vm_log "2: charon with one child (one pair), tunsh combined"
clog=$VM_WORK/b/charon.log
cmark=$(wc -l <"$clog")
peer_conf "p12 10.2.0.0/24 10.1.0.0/24" | vm_charon_load b
mark=$(vm_tunshd_lines a)
vm_tunsh_ok a "add the combined tunnel" <<'EOF'
configure
ipsec tunnel to-b
 wan-port wan1
 remote-address 192.0.2.2
 pre-shared-key vm-test-psk-not-secret-0123456789
 local-network vlan 10
 local-network vlan 30
 remote-network 10.2.0.0/24
 remote-network 10.4.0.0/24
 ike-proposal aes256gcm16-prfsha256-x25519
 esp-proposal aes256gcm16
 exit
commit
EOF
vm_tunshd_wait a 20 "tunnel to-b: CHILD SA up" "$mark"
vm_wait 15 "charon lists 1 INSTALLED CHILD SA" charon_installed 1
vm_tunshd_wait a 10 "peer narrowed our offer: 3 of 4 pairs" "$mark"

# What charon made of the 2x2 offer: the selectors it was offered, which
# it refused, and the one pair it installed.
said=$(tail -n "+$((cmark + 1))" "$clog" | grep -E 'traffic selectors|=> (no )?match|established with SPIs' |
	sed 's/^[^]]*\] //')
vm_log "2: charon: $(tr -s ' \n' ' ' <<<"$said")"
for ts in 10.3.0.0/24 10.4.0.0/24; do
	grep -Eq "received: $ts => no match" <<<"$said" ||
		vm_fail "2: charon's log does not say it refused $ts: $said"
done
grep -Eq "CHILD_SA p12\{[0-9]+\} established with SPIs .* and TS 10\.2\.0\.0/24 === 10\.1\.0\.0/24 *$" <<<"$said" ||
	vm_fail "2: charon did not narrow to 10.2.0.0/24 === 10.1.0.0/24: $said"

out=$(show_tunnel)
vm_log "2: show ipsec tunnel: $out"
grep -q 'CHILD SAs: 1 10.1.0.0/24 <-> 10.2.0.0/24 in ' <<<"$out" ||
	vm_fail "2: show ipsec tunnel does not list the one CHILD SA 10.1.0.0/24 <-> 10.2.0.0/24: $out"
grep -q 'Not carried: 3 pairs (the peer narrowed our offer: set traffic-selectors per-pair)' <<<"$out" ||
	vm_fail "2: show ipsec tunnel does not say 3 pairs are not carried, and why: $out"
for p in "10.1.0.0/24 <-> 10.4.0.0/24" "10.3.0.0/24 <-> 10.2.0.0/24" "10.3.0.0/24 <-> 10.4.0.0/24"; do
	grep -q "per-pair) .*$p" <<<"$out" ||
		vm_fail "2: show ipsec tunnel does not list $p as not carried: $out"
done

table=$(vm_sa_table a)
n=$(wc -l <<<"$table")
[ "$n" = 2 ] || vm_fail "2: a holds $n ESP SAs, want 2: $(ip -n a xfrm state)"
{ grep -q ' 10.1.0.0/24 10.2.0.0/24 ' <<<"$table" && grep -q ' 10.2.0.0/24 10.1.0.0/24 ' <<<"$table"; } ||
	vm_fail "2: a's SAs do not carry the narrowed pair as selector: $table"

vm_zero_wire
vm_ping_all_from ha 10.1.0.10 10.2.0.10 "$PINGS"
vm_ping_all_from hb 10.2.0.10 10.1.0.10 "$PINGS"
vm_check_wire "2: 10.1.0.0/24 <-> 10.2.0.0/24" $((2 * PINGS))
n=$(vm_sa_table a | awk '{ n += $6 } END { print n }')
[ "$n" = $((4 * PINGS)) ] || vm_fail "2: a's 2 SAs counted $n packets, want $((4 * PINGS)): $(vm_sa_table a)"
vm_log "2: the carried pair: $PINGS pings each way answered, ESP only"

# A pair no SA carries: a's policy holds the ping (no SA matches its
# selector), nothing crosses in clear, and the IKE SA being up no second
# negotiation starts.
lines=$(vm_tunshd_lines a)
n=$(vm_ping_from ha 10.3.0.10 10.4.0.10 2)
[ "$n" = 0 ] || vm_fail "2: a ping of a pair not carried got $n answers"
vm_log "2: a pair not carried: no answer"
vm_check_wire "2: a pair not carried" 0
n=$(vm_sa_table a | awk '$3 != "00000000"' | wc -l)
[ "$n" = 2 ] || vm_fail "2: a holds $n ESP SAs after a ping of a pair not carried, want 2: $(ip -n a xfrm state)"
! vm_tunshd_logged a 'negotiating|IKE SA established' "$lines" ||
	vm_fail "2: a ping of a pair not carried started a negotiation: $(tail -n "+$((lines + 1))" "$VM_WORK/a/tunshd.log")"
vm_log "PASS"
