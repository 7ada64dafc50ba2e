#!/usr/bin/env bash
# GET /metrics against the real kernel's counters (issue 15): tunshd in
# a, whose commit of the tunnel to charon also sets metrics listen
# 127.0.0.1:9472 (started by the commit, no restart), pings.
#  1. The page parses (prometheus_client); tunsh_tunnel_up is 1 and
#     tunsh_tunnel_packets_total in and out equal the kernel's counts of
#     the tunnel's SAs (ip xfrm state); bytes and packets equal the sums
#     of show ipsec sa json.
#  2. More pings with no scrape, then request ipsec rekey tunnel to-b (a
#     CHILD rekey): the old SAs' counts are read from the kernel as
#     tunshd deletes them, so the totals after the rekey hold the pings
#     no scrape saw (8 each way) and never went down; after more pings
#     they are the old SAs' 8 plus the new SAs' 4, and
#     tunsh_child_rekeys_total is 1.
#
#   ha (10.1.0.10) --lan-- a --wan--------------wan-- b --lan-- hb (10.2.0.10)
#          tunshd      10.1.0.1  192.0.2.1   192.0.2.2  10.2.0.1    charon

# shellcheck source=SCRIPTDIR/../lib.sh
. "$TUNSH_TOP/tests/vm/lib.sh"
trap vm_stop_all EXIT

vm_charon_need openssl kernel-netlink vici

vm_sites
ip -n a link set lo up
vm_charon_start b b
vm_peer_conf | vm_charon_load b
vm_site_conf a 192.0.2.1 10.1.0.0/24 | vm_tunshd_start a a
mark=$(vm_tunshd_lines a)
vm_tunsh_ok a "add the tunnel and metrics listen" <<'EOT'
configure
metrics listen 127.0.0.1:9472
ipsec tunnel to-b
 wan-port wan1
 remote-address 192.0.2.2
 pre-shared-key vm-test-psk-not-secret-0123456789
 local-network vlan 10
 remote-network 10.2.0.0/24
 ike-proposal aes256gcm16-prfsha256-x25519
 esp-proposal aes256gcm16
 exit
commit
EOT
vm_tunshd_wait a 15 "tunnel to-b: CHILD SA up" "$mark"
vm_charon_wait b lans

# scrape: the page, parsed; prints "NAME{LABELS} VALUE" lines.
scrape() {
	ip netns exec a /usr/bin/python3 -c '
import urllib.request
from prometheus_client.parser import text_string_to_metric_families
text = urllib.request.urlopen("http://127.0.0.1:9472/metrics", timeout=10).read().decode()
for fam in text_string_to_metric_families(text):
    for s in fam.samples:
        labels = ",".join(f"{k}=\"{v}\"" for k, v in sorted(s.labels.items()))
        print(f"{s.name}{{{labels}}} {s.value:g}")
' >"$VM_WORK/metrics.out" 2>&1 || vm_fail "scrape: $(cat "$VM_WORK/metrics.out")"
}
# metric NAME DIRECTION: the tunnel's counter from the last scrape.
metric() {
	sed -n "s/^$1{direction=\"$2\",tunnel=\"to-b\"} //p" "$VM_WORK/metrics.out"
}
# kernel_packets: in and out packets of a's SAs now (every SA of the
# tunnel: old ones linger until deleted).
kernel_packets() {
	echo "$(vm_xfrm_packets a 192.0.2.2 192.0.2.1) $(vm_xfrm_packets a 192.0.2.1 192.0.2.2)"
}

vm_ping_all ha 10.2.0.10 3
vm_ping_all hb 10.1.0.10 3
scrape
grep -qx 'tunsh_tunnel_up{tunnel="to-b"} 1' "$VM_WORK/metrics.out" ||
	vm_fail "tunsh_tunnel_up is not 1: $(grep tunnel_up "$VM_WORK/metrics.out")"
read -r kin kout <<<"$(kernel_packets)"
[ "$kin" = 6 ] && [ "$kout" = 6 ] || vm_fail "the kernel counted $kin in, $kout out; want 6 and 6"
[ "$(metric tunsh_tunnel_packets_total in)" = "$kin" ] &&
	[ "$(metric tunsh_tunnel_packets_total out)" = "$kout" ] ||
	vm_fail "metrics $(metric tunsh_tunnel_packets_total in) in, $(metric tunsh_tunnel_packets_total out) out; the kernel $kin, $kout"
# show ipsec sa json: the same SAs' counts, summed.
echo 'show ipsec sa json' | vm_tunsh a >"$VM_WORK/sa.json" ||
	vm_fail "show ipsec sa json: $(cat "$VM_WORK/sa.json")"
show=$(/usr/bin/python3 -c '
import json, sys
sums = {"packets_in": 0, "packets_out": 0, "bytes_in": 0, "bytes_out": 0}
def walk(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if k in sums and isinstance(v, int):
                sums[k] += v
            else:
                walk(v)
    elif isinstance(o, list):
        for v in o:
            walk(v)
walk(json.load(open(sys.argv[1])))
print(sums["packets_in"], sums["packets_out"], sums["bytes_in"], sums["bytes_out"])
' "$VM_WORK/sa.json") || vm_fail "show ipsec sa json does not parse: $(cat "$VM_WORK/sa.json")"
want="$(metric tunsh_tunnel_packets_total in) $(metric tunsh_tunnel_packets_total out)"
want="$want $(metric tunsh_tunnel_bytes_total in) $(metric tunsh_tunnel_bytes_total out)"
[ "$show" = "$want" ] ||
	vm_fail "show ipsec sa json sums to $show (packets in, out, bytes in, out); the metrics say $want"
bytes_in=$(metric tunsh_tunnel_bytes_total in)
[ "${bytes_in:-0}" -gt 0 ] 2>/dev/null || vm_fail "no bytes in: $bytes_in"
vm_log "before the rekey: packets in $kin out $kout, bytes in $bytes_in"
# Traffic that no scrape sees before the rekey deletes its SAs.
vm_ping_all ha 10.2.0.10 1
vm_ping_all hb 10.1.0.10 1
read -r kin kout <<<"$(kernel_packets)"
[ "$kin" = 8 ] && [ "$kout" = 8 ] || vm_fail "the kernel counted $kin in, $kout out; want 8 and 8"

mark=$(vm_tunshd_lines a)
echo "request ipsec rekey tunnel to-b" | vm_tunsh_ok a "CHILD rekey"
vm_tunshd_wait a 15 "tunnel to-b: CHILD SA [0-9a-f]+ rekeyed: now" "$mark"
# The old SAs go (tunshd deletes them after the rekey).
vm_wait 20 "a holds only the new CHILD SAs" test "$(vm_xfrm_count a)" = 2
scrape
[ "$(metric tunsh_tunnel_packets_total in)" = 8 ] &&
	[ "$(metric tunsh_tunnel_packets_total out)" = 8 ] ||
	vm_fail "after the rekey: $(grep packets_total "$VM_WORK/metrics.out"), want the old SAs' 8 each way"
[ "$(metric tunsh_tunnel_bytes_total in)" -gt "$bytes_in" ] ||
	vm_fail "bytes in did not grow across the rekey: $(metric tunsh_tunnel_bytes_total in), $bytes_in before"
vm_ping_all ha 10.2.0.10 2
vm_ping_all hb 10.1.0.10 2
read -r kin kout <<<"$(kernel_packets)"
[ "$kin" = 4 ] && [ "$kout" = 4 ] || vm_fail "the new SAs counted $kin in, $kout out; want 4 and 4"
scrape
[ "$(metric tunsh_tunnel_packets_total in)" = 12 ] &&
	[ "$(metric tunsh_tunnel_packets_total out)" = 12 ] ||
	vm_fail "after the rekey: $(grep packets_total "$VM_WORK/metrics.out"), want 8 + 4 each way"
grep -qx 'tunsh_child_rekeys_total{tunnel="to-b"} 1' "$VM_WORK/metrics.out" ||
	vm_fail "child rekeys: $(grep child_rekeys "$VM_WORK/metrics.out")"
vm_log "after the rekey: packets 12 each way (8 on the old SAs, 4 on the new)"
vm_log "PASS"
