#!/usr/bin/env bash
# Failover between two route-based tunnels to a peer like AWS's: two
# gateways (a charon each, in b1 and b2), each with a VTI and 0.0.0.0/0
# selectors as AWS sets them up, the same network (the VPC host
# 10.2.0.10) behind both.  tunshd in a has the AWS pair: aws-1 (route
# metric 100) and aws-2 (110), DPD every 5 s of silence, 5 s for the
# answer, restart.  Pings from a's LAN to the VPC run all along, 10 a
# second.  Gateway 1's link goes down, then comes back:
#  - aws-1's route goes to standby (metric 1100) when DPD gives up, and
#    the pings cross aws-2: the time from the link going down to the
#    first ping answered through aws-2 is measured and reported against
#    the target, DPD timeout + DPD delay + 1 s = 11 s (a figure, not a
#    verdict: the guest's speed is not tunsh's);
#  - with the link back, aws-1 is negotiated again, its route returns to
#    100 and the pings cross it again: the time is measured, and no ping
#    may be lost on the way back;
#  - show ipsec tunnel says why aws-1 carried nothing meanwhile.
# Then the monitor (issue 11, part 3): aws-1 pings the VPC host every
# second from a's LAN, down after 3 unanswered; gateway 1 drops ESP
# (iptables in b1) while its IKE, and so DPD, still answers:
#  - the monitor finds it, aws-1's route goes to standby and the pings
#    cross aws-2: the time from the last reply through aws-1 to the
#    first through aws-2 is measured against interval x threshold + the
#    wait + a ping (3 + 1 + 0.1 s; a figure, as above), and aws-1 is
#    negotiated again;
#  - the rule removed, the monitor is answered, aws-1's route returns.
# The VPC answers through gateway 2 throughout: AWS may answer over
# either tunnel (it asks customers to allow asymmetric routing), and so
# what is measured is tunsh's side alone.  a and hb use loose reverse
# path filtering, as Debian sets it.
#
#                                     +--gw1-- b1 (198.51.100.1) --lan--+
#  ha --lan-- a (192.0.2.1) --wan-- inet                               hb
#  10.1.0.10                          +--gw2-- b2 (203.0.113.1)  --lan--+ 10.2.0.10
#                 ts-aws-1 169.254.10.2/30 == b1 vti0 169.254.10.1/30
#                 ts-aws-2 169.254.11.2/30 == b2 vti0 169.254.11.1/30

# shellcheck source=SCRIPTDIR/../lib.sh
. "$TUNSH_TOP/tests/vm/lib.sh"

PINGS=$VM_WORK/pings
ping_pid=
cleanup() {
	[ -z "$ping_pid" ] || kill "$ping_pid" 2>/dev/null || true
	[ -z "${TUNSH_RESULT:-}" ] || cp "$PINGS" "$TUNSH_RESULT/pings" 2>/dev/null || true
	vm_stop_all
}
trap cleanup EXIT

vm_charon_need openssl kernel-netlink vici
PSK1=vm_test_psk_not_secret_0123456789
PSK2=vm_test_psk_not_secret_9876543210

vm_log "topology"
modprobe ipv6 2>/dev/null || true
vm_netns a inet b1 b2 ha hb
{
	vm_veth a wan inet site
	vm_veth inet gw1 b1 wan
	vm_veth inet gw2 b2 wan
	vm_veth a lan ha eth0
	vm_veth b1 lan hb eth1
	vm_veth b2 lan hb eth2
} | vm_ip
vm_ip a <<'EOT'
link set wan up
link set lan up
addr add 192.0.2.1/24 dev wan
addr add 10.1.0.1/24 dev lan
route add default via 192.0.2.254
EOT
vm_ip inet <<'EOT'
link set site up
link set gw1 up
link set gw2 up
addr add 192.0.2.254/24 dev site
addr add 198.51.100.254/24 dev gw1
addr add 203.0.113.254/24 dev gw2
EOT
vm_ip ha <<'EOT'
link set eth0 up
addr add 10.1.0.10/24 dev eth0
route add default via 10.1.0.1
EOT
vm_ip hb <<'EOT'
link set eth1 up
link set eth2 up
addr add 10.2.0.10/32 dev lo
addr add 10.2.1.10/24 dev eth1
addr add 10.2.2.10/24 dev eth2
route add 10.1.0.0/24 via 10.2.2.1
EOT
# gateway N: WAN address, VTI key, inside address.
gateway() {
	local ns=$1 wan=$2 gw=$3 lan=$4 key=$5 inside=$6
	vm_ip "$ns" <<-EOT
		link set wan up
		link set lan up
		addr add $wan/24 dev wan
		addr add $lan/24 dev lan
		route add default via $gw
		route add 10.2.0.10/32 via ${lan%.1}.10
		link add vti0 type vti local $wan remote 192.0.2.1 key $key
		addr add $inside dev vti0
		link set vti0 up
		route add 10.1.0.0/24 dev vti0
	EOT
	vm_sysctl "$ns" net.ipv4.ip_forward=1 net.ipv4.conf.vti0.disable_policy=1
}
gateway b1 198.51.100.1 198.51.100.254 10.2.1.1 42 169.254.10.1/30
gateway b2 203.0.113.1 203.0.113.254 10.2.2.1 43 169.254.11.1/30
vm_sysctl inet net.ipv4.ip_forward=1
vm_sysctl a net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=2
vm_sysctl hb net.ipv4.conf.all.rp_filter=2
[ ! -d /proc/sys/net/ipv6 ] || vm_sysctl a net.ipv6.conf.all.disable_ipv6=1

# aws_conf ADDR KEY PSK: swanctl.conf for one of AWS's gateways: 0/0
# selectors, SAs marked with the VTI's key, AWS's proposals.
aws_conf() {
	cat <<EOT
connections {
	aws {
		version = 2
		local_addrs = $1
		remote_addrs = 192.0.2.1
		proposals = aes256gcm16-prfsha384-ecp384
		local {
			auth = psk
			id = $1
		}
		remote {
			auth = psk
			id = 192.0.2.1
		}
		children {
			vpc {
				local_ts = 0.0.0.0/0
				remote_ts = 0.0.0.0/0
				mode = tunnel
				esp_proposals = aes256gcm16-ecp384
				mark_in = $2
				mark_out = $2
			}
		}
	}
}
secrets {
	ike-aws {
		id-a = 192.0.2.1
		id-b = $1
		secret = "$3"
	}
}
EOT
}
vm_log "charons in b1 and b2 like AWS's two gateways"
vm_charon_start b1 b1
aws_conf 198.51.100.1 42 "$PSK1" | vm_charon_load b1
vm_charon_start b2 b2
aws_conf 203.0.113.1 43 "$PSK2" | vm_charon_load b2

vm_site_conf a 192.0.2.1 10.1.0.0/24 | vm_tunshd_start a a
mark=$(vm_tunshd_lines a)
vm_tunsh_ok a "add AWS's pair" <<EOT
configure
ipsec tunnel aws-1
 partner-type aws
 wan-port wan1
 remote-address 198.51.100.1
 pre-shared-key $PSK1
 inside-address 169.254.10.2/30
 local-network vlan 10
 remote-network 10.2.0.0/16
 dpd timeout 5
 dpd delay 5
 exit
ipsec tunnel aws-2
 partner-type aws
 wan-port wan1
 remote-address 203.0.113.1
 pre-shared-key $PSK2
 inside-address 169.254.11.2/30
 local-network vlan 10
 remote-network 10.2.0.0/16
 dpd timeout 5
 dpd delay 5
 exit
commit
EOT
vm_tunshd_wait a 30 "tunnel aws-1: CHILD SA up" "$mark"
vm_tunshd_wait a 30 "tunnel aws-2: CHILD SA up" "$mark"
vm_charon_wait b1 vpc
vm_charon_wait b2 vpc

# route_metric DEV: the metric of a's route to the VPC through DEV.
route_metric() {
	ip -n a route show 10.2.0.0/16 dev "$1" | sed -n 's/.* metric \([0-9]*\).*/\1/p'
}
routes() {
	ip -n a route show 10.2.0.0/16 | tr -s ' \n' ' '
}
# Conditions for vm_wait, read afresh at each try.
metric_is() { [ "$(route_metric "$1")" = "$2" ]; }
replies_ge() { [ "$(grep -c ' seq=' "$PINGS" || true)" -ge "$1" ]; }
sa_out_ge() { [ "$(vm_xfrm_packets a 192.0.2.1 "$1")" -ge "$2" ]; }
both_at_metric() { metric_is ts-aws-1 100 && metric_is ts-aws-2 110; }
vm_wait 5 "both up, aws-1's route at metric 100 and aws-2's at 110" both_at_metric
vm_log "both up: $(routes)"

# The pings, each reply stamped with the time it came (busybox ping
# flushes each line).
ip netns exec ha busybox ping -i 0.1 -W 1 10.2.0.10 2>&1 |
	while IFS= read -r line; do echo "$EPOCHREALTIME $line"; done >"$PINGS" &
ping_pid=$!
vm_wait 20 "pings answered through aws-1" replies_ge 20
out1=$(vm_xfrm_packets a 192.0.2.1 198.51.100.1)
out2=$(vm_xfrm_packets a 192.0.2.1 203.0.113.1)
[ "$out1" -ge 20 ] || vm_fail "aws-1's outbound SA counted $out1 packets, want 20 or more"
[ "$out2" -lt 5 ] || vm_fail "aws-2's outbound SA counted $out2 packets while aws-1 was up"
vm_log "pings cross aws-1 ($out1 packets out on its SA, $out2 on aws-2's)"

# gap_after T: the first reply stamped after T that follows a lost one:
# "SECONDS-AFTER-T LOST" (lost: pings between it and the one before).
gap_after() {
	awk -v t="$1" '/ seq=/ { s = $0; sub(/.* seq=/, "", s); sub(/ .*/, "", s); s += 0
		if ($1 > t && have && s != prev + 1 && !done) {
			printf "%.2f %d\n", $1 - t, s - prev - 1; done = 1 }
		prev = s; have = 1 }' "$PINGS"
}
# lost_after T: pings sent after T (their replies came or not) missing.
lost_after() {
	awk -v t="$1" '/ seq=/ { s = $0; sub(/.* seq=/, "", s); sub(/ .*/, "", s); s += 0
		if ($1 > t) { if (first == "") first = s; last = s; n++ } }
		END { print (first == "" ? 0 : last - first + 1 - n) }' "$PINGS"
}

vm_log "gateway 1's link goes down"
mark=$(vm_tunshd_lines a)
t_down=$EPOCHREALTIME
echo "link set gw1 down" | vm_ip inet
has_gap() { [ -n "$(gap_after "$t_down")" ]; }
vm_wait 30 "pings answered again after gateway 1's link went down (through aws-2)" has_gap
read -r failover lost_down <<<"$(gap_after "$t_down")"
[ "$(route_metric ts-aws-1)" = 1100 ] ||
	vm_fail "aws-1 down, want its route at standby (1100): $(routes)"
vm_log "failover: pings crossed aws-2 ${failover}s after the link went down ($lost_down pings lost); routes: $(routes)"
vm_tunshd_logged a "tunnel aws-1: DPD restart" "$mark" ||
	vm_fail "aws-1's route moved without DPD giving up: $(tail -n 20 "$VM_WORK/a/tunshd.log")"
# A figure to report, not a verdict: a loaded guest is slower.
if awk -v f="$failover" 'BEGIN { exit !(f <= 11) }'; then
	vm_log "failover within the target, DPD timeout + delay + 1 = 11 s"
else
	vm_log "failover over the target of DPD timeout + delay + 1 = 11 s"
fi
n2=$(vm_xfrm_packets a 192.0.2.1 203.0.113.1)
vm_wait 5 "aws-2's outbound SA counting the pings" sa_out_ge 203.0.113.1 $((n2 + 10))

if vm_tunsh_has_show a; then
	show=$(echo "show ipsec tunnel aws-1" | vm_tunsh a 2>&1)
	vm_log "show ipsec tunnel aws-1: $(tr -s ' \n' ' ' <<<"$show")"
	grep -q "ts-aws-1" <<<"$show" || vm_fail "show ipsec tunnel aws-1 names no interface: $show"
	grep -q "route withdrawn: CHILD SA down since" <<<"$show" ||
		vm_fail "show ipsec tunnel aws-1 does not say why it carries nothing: $show"
	show=$(echo "show ipsec tunnel aws-2" | vm_tunsh a 2>&1)
	grep -Eq "10\.2\.0\.0/16 +metric 110 +active" <<<"$show" ||
		vm_fail "show ipsec tunnel aws-2 does not show its route active: $show"
fi

vm_log "gateway 1's link comes back"
mark=$(vm_tunshd_lines a)
t_up=$EPOCHREALTIME
echo "link set gw1 up" | vm_ip inet
vm_wait 60 "aws-1's route back at metric 100" metric_is ts-aws-1 100
t_back=$EPOCHREALTIME
recovery=$(awk -v a="$t_up" -v b="$t_back" 'BEGIN { printf "%.2f", b - a }')
n1=$(vm_xfrm_packets a 192.0.2.1 198.51.100.1)
vm_wait 10 "pings crossing aws-1 again" sa_out_ge 198.51.100.1 $((n1 + 20))
lost_up=$(lost_after "$t_up")
vm_log "recovery: aws-1 carried the pings again ${recovery}s after the link came back; $lost_up pings lost on the way back"
[ "$lost_up" = 0 ] || vm_fail "$lost_up pings lost on the way back to aws-1"
[ "$(route_metric ts-aws-2)" = 110 ] || vm_fail "aws-2's route left 110: $(routes)"
echo "FAILOVER failover=${failover}s lost=$lost_down recovery=${recovery}s lost_back=$lost_up"

# The pings go on.  The monitor's probes take aws-1 both ways or the
# ESP dropped below would not silence them.
vm_log "monitor: aws-1 pings the VPC host through its tunnel"
vm_tunsh_ok a "a monitor on aws-1" <<EOT
configure
ipsec tunnel aws-1
 monitor destination 10.2.0.10 source vlan 10 interval 1 threshold 3
 exit
commit
EOT
# monitor_json: aws-1's monitor as show ipsec tunnel json gives it.
monitor_json() {
	echo "show ipsec tunnel aws-1 json" | vm_tunsh a 2>/dev/null |
		sed -n '/"monitor": {/,/}/p'
}
monitor_answered() { monitor_json | grep -Eq '"answered": [1-9]'; }
vm_wait 10 "aws-1's monitor answered through the tunnel" monitor_answered
# gap_span_after T: of the first gap in the replies after T, "SPAN LAST
# LOST": seconds from the last reply before it to the first after, the
# time of that last reply, the pings lost.
gap_span_after() {
	awk -v t="$1" '/ seq=/ { s = $0; sub(/.* seq=/, "", s); sub(/ .*/, "", s); s += 0
		if ($1 > t && have && s != prev + 1 && !done) {
			printf "%.2f %s %d\n", $1 - tprev, tprev, s - prev - 1; done = 1 }
		prev = s; tprev = $1; have = 1 }' "$PINGS"
}
has_gap_after() { [ -n "$(gap_span_after "$1")" ]; }

vm_log "gateway 1 drops ESP; its IKE still answers"
mark=$(vm_tunshd_lines a)
t_drop=$EPOCHREALTIME
vm_ipt b1 -I INPUT -p esp -j DROP
vm_wait 15 "aws-1's route withdrawn by its monitor" metric_is ts-aws-1 1100
vm_wait 10 "pings answered through aws-2" has_gap_after "$t_drop"
# The last reply before the gap is when ESP stopped passing (to 0.1 s);
# the first after it came through aws-2, so the monitor had found the
# loss and moved the route by then: span bounds the detection.
read -r span t_last mon_lost <<<"$(gap_span_after "$t_drop")"
vm_tunshd_logged a "tunnel aws-1: monitor 10.2.0.10 unanswered 3 times in a row" "$mark" ||
	vm_fail "aws-1's route moved without its monitor: $(tail -n 20 "$VM_WORK/a/tunshd.log")"
! vm_tunshd_logged a "tunnel aws-1: DPD" "$mark" ||
	vm_fail "DPD gave up on aws-1, though b1's IKE answers: the monitor was not what found it"
vm_log "monitor: ESP dropped; pings crossed aws-2 ${span}s after the last reply through aws-1 (at $t_last; $mon_lost lost); routes: $(routes)"
# The loss is found at most interval x threshold + wait after it begins,
# and the next ping follows within 0.1 s.
if awk -v f="$span" 'BEGIN { exit !(f <= 4.1) }'; then
	vm_log "failover within the target, interval x threshold + wait + 0.1 = 4.1 s"
else
	vm_log "failover over the target of interval x threshold + wait + 0.1 = 4.1 s"
fi
vm_wait 10 "aws-1 negotiated again by its monitor" vm_tunshd_logged a \
	"tunnel aws-1: monitor 10.2.0.10 unanswered: negotiating the tunnel again" "$mark"
json=$(monitor_json)
grep -q '"state": "down"' <<<"$json" ||
	vm_fail "show ipsec tunnel aws-1 json does not say its monitor is down: $json"
n2=$(vm_xfrm_packets a 192.0.2.1 203.0.113.1)
vm_wait 5 "aws-2's outbound SA counting the pings" sa_out_ge 203.0.113.1 $((n2 + 10))

vm_log "gateway 1 takes ESP again"
t_fix=$EPOCHREALTIME
vm_ipt b1 -D INPUT -p esp -j DROP
vm_wait 30 "aws-1's route back at metric 100 after its monitor was answered" metric_is ts-aws-1 100
t_back=$EPOCHREALTIME
mon_recovery=$(awk -v a="$t_fix" -v b="$t_back" 'BEGIN { printf "%.2f", b - a }')
n1=$(vm_xfrm_packets a 192.0.2.1 198.51.100.1)
vm_wait 10 "pings crossing aws-1 again" sa_out_ge 198.51.100.1 $((n1 + 20))
kill "$ping_pid" 2>/dev/null || true
ping_pid=
restarts=$(grep -c "tunnel aws-1: monitor 10.2.0.10 unanswered: negotiating" "$VM_WORK/a/tunshd.log" || true)
vm_log "monitor: aws-1's route back ${mon_recovery}s after ESP passed again; the monitor had it negotiated $restarts times"
echo "MONITOR failover=${span}s lost=$mon_lost recovery=${mon_recovery}s restarts=$restarts"
