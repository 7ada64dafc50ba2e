# shellcheck shell=bash
# tests/vm/lib.sh: helpers for scenarios that run inside a tunsh test
# guest (tests/vm/run.sh): namespaces and veth pairs, strongSwan's charon
# per namespace, bounded waits, and counters that say what crossed a link.
# Source it from a bash scenario:  . "$TUNSH_TOP/tests/vm/lib.sh"
#
# exec costs 20-100 ms in UML, so helpers batch (ip -b) and read counters
# with one command where they can.  Nothing here sleeps a fixed time:
# waits poll with a deadline and fail naming what never happened.

set -euo pipefail

# Scratch space: the guest's fresh /tmp, gone at power-off.  Logs worth
# keeping are copied to $TUNSH_RESULT on failure by vm_fail.
VM_WORK=${VM_WORK:-$(mktemp -d /tmp/vm.XXXXXX)}
VM_CHARONS=()
VM_T0=$EPOCHREALTIME

# IPv6 before any namespace or link exists, and quiet: a module loaded
# later (by the first IPv6 socket, charon's or tunshd's) gives every link
# a link-local address at that moment, which makes charon roam and sends
# DAD, router solicitations and MLD reports in the middle of a scenario's
# counting.  New namespaces inherit the guest's "all" and "default"
# settings (devconf_inherit_init_net=1): addresses are usable at once (no
# DAD) and hosts send no router solicitations (routes are static here).
# What is left, MLD reports when a link comes up, ends within a second of
# the topology being made.
vm_ipv6_quiet() {
	[ -d /proc/sys/net/ipv6 ] || modprobe ipv6 2>/dev/null || return 0
	[ -d /proc/sys/net/ipv6 ] || return 0
	sysctl -qw net.core.devconf_inherit_init_net=1 \
		net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.all.router_solicitations=0 \
		net.ipv6.conf.default.router_solicitations=0 2>/dev/null || true
}
[ -z "${TUNSH_VM:-}" ] || vm_ipv6_quiet

# vm_log MESSAGE: a line in the scenario log with seconds since start.
vm_log() {
	printf '[%6.2f] %s\n' "$(vm_elapsed)" "$*"
}

vm_elapsed() {
	local now=$EPOCHREALTIME
	# Microseconds in integers: bash has no floating point.
	local us=$(((${now/./} - ${VM_T0/./}) / 10000))
	printf '%d.%02d' $((us / 100)) $((us % 100))
}

# vm_fail MESSAGE: says what went wrong, shows the daemons' logs (the log
# is all a person gets from a guest), copies them next to the scenario
# log, and ends the scenario.
vm_fail() {
	local n
	echo "FAIL: $*" >&2
	for n in "${VM_CHARONS[@]}"; do
		echo "---- charon $n log (last 60 lines but its config dump)" >&2
		grep -v '\[CFG\]  ' "$VM_WORK/$n/charon.log" 2>/dev/null | tail -n 60 >&2 || true
		[ -z "${TUNSH_RESULT:-}" ] ||
			cp "$VM_WORK/$n/charon.log" "$TUNSH_RESULT/charon-$n.log" 2>/dev/null || true
	done
	# Other peers' helpers (pluto.sh) show and keep their logs too.
	if declare -F vm_fail_extra >/dev/null; then vm_fail_extra; fi
	for n in $(vm_tunshds); do
		echo "---- tunshd $n log (last 60 lines)" >&2
		tail -n 60 "$VM_WORK/$n/tunshd.log" >&2 2>/dev/null || true
		[ -z "${TUNSH_RESULT:-}" ] ||
			cp "$VM_WORK/$n/tunshd.log" "$TUNSH_RESULT/tunshd-$n.log" 2>/dev/null || true
	done
	exit 1
}

# vm_sleep SECONDS: sleep without a process.  A process costs a UML
# guest about 60 ms of CPU (a fork and an exec under ptrace), so a poll
# loop that runs /bin/sleep five times a second takes a third of the
# guest from the daemons it waits for.  read -t on a FIFO that nobody
# writes to waits SECONDS in the shell itself.
vm_sleep() {
	if [ -z "${VM_SLEEP_FD:-}" ]; then
		local fifo
		fifo=$(mktemp -u "${TMPDIR:-/tmp}/vm-sleep.XXXXXX")
		mkfifo "$fifo"
		exec {VM_SLEEP_FD}<>"$fifo"
		rm -f "$fifo"
	fi
	read -r -t "$1" -u "$VM_SLEEP_FD" _ || true
}

# vm_since T0: seconds since $EPOCHREALTIME was T0, to the hundredth.
vm_since() {
	local us=$(((${EPOCHREALTIME/./} - ${1/./}) / 10000))
	printf '%d.%02d' $((us / 100)) $((us % 100))
}

# vm_wait SECONDS WHAT COMMAND...: runs COMMAND until it succeeds, at
# once and then after 0.1 s, 0.2 s, 0.3 s... up to every 0.5 s; fails the
# scenario after SECONDS saying WHAT never happened.  Polls slow down
# because each one costs the guest the CPU the awaited work needs.
vm_wait() {
	local secs=$1 what=$2 pause=1
	shift 2
	local end=$((EPOCHSECONDS + secs))
	until "$@" >/dev/null 2>&1; do
		[ "$EPOCHSECONDS" -lt "$end" ] || vm_fail "after ${secs}s: $what"
		vm_sleep "0.$pause"
		[ "$pause" -ge 5 ] || pause=$((pause + 1))
	done
}

# vm_ip [NS] <<EOF ... EOF: one ip process for a batch of commands, in
# namespace NS or the guest's own ("").  Lines are ip commands without
# the leading "ip", e.g. "link set wan up".
vm_ip() {
	local ns=${1:-}
	if [ -n "$ns" ]; then
		ip -n "$ns" -b - || vm_fail "ip batch in namespace $ns failed"
	else
		ip -b - || vm_fail "ip batch failed"
	fi
}

# vm_netns NAME...: creates network namespaces with lo up, in two execs.
vm_netns() {
	local n
	for n in "$@"; do echo "netns add $n"; done | vm_ip
	for n in "$@"; do
		echo "link set lo up" | vm_ip "$n"
	done
}

# vm_veth NS1 IF1 NS2 IF2: a veth pair with each end created directly in
# its namespace, so both ends may have the same name.  Prints the ip
# batch line; pipe several into vm_ip to create them in one exec.
vm_veth() {
	echo "link add $2 netns $1 type veth peer name $4 netns $3"
}

# vm_sysctl NS KEY=VALUE...: sysctls are per network namespace.
vm_sysctl() {
	local ns=$1
	shift
	ip netns exec "$ns" sysctl -qw "$@" || vm_fail "sysctl $* in $ns"
}

# Readers below let awk read to the end: an awk that exits early makes
# the writer die of SIGPIPE, which pipefail turns into a failure.

# vm_tx NS IF: frames sent by IF so far (ip -s: the line after "TX:").
vm_tx() {
	ip -n "$1" -s link show dev "$2" |
		awk '/^ *TX:/ { getline; print $2 }'
}

# vm_rx NS IF: frames received by IF so far.
vm_rx() {
	ip -n "$1" -s link show dev "$2" |
		awk '/^ *RX:/ { getline; print $2 }'
}

# vm_xfrm_packets NS SRC DST: packets counted by the ESP SAs from SRC to
# DST (summed: a rekey leaves two).  Parses "ip -s xfrm state list"
# rather than "get", which would need each SA's SPI and mark.
vm_xfrm_packets() {
	ip -n "$1" -s xfrm state list src "$2" dst "$3" proto esp |
		awk '/lifetime current:/ { getline; sub(/.*, /, ""); sub(/\(packets\)/, "");
			n += $1 } END { print n + 0 }'
}

# vm_xfrm_count NS: number of SAs in the namespace.
vm_xfrm_count() {
	ip -n "$1" xfrm state count | awk '{ print $3 }'
}

# vm_ipt NS ARGS...: iptables-legacy in a namespace (nftables in the
# guest kernel serves only the bridge family).
vm_ipt() {
	local ns=$1
	shift
	ip netns exec "$ns" iptables-legacy -w "$@" || vm_fail "iptables $* in $ns"
}

# vm_ipt_count NS TABLE CHAIN COMMENT: packets matched by the rule
# carrying that comment.  Counting rules use -j RETURN or no target so
# they only count.
vm_ipt_count() {
	ip netns exec "$1" iptables-legacy -w -t "$2" -L "$3" -n -v -x |
		awk -v c="/* $4 */" 'index($0, c) && !found { print $1; found = 1 }
			END { if (!found) print "missing" }'
}

# --- strongSwan -------------------------------------------------------

VM_CHARON=${VM_CHARON:-/usr/lib/ipsec/charon}

# vm_charon_plugins: the plugins each charon loads.  kernel-netlink, not
# kernel-libipsec: the guest kernel does ESP itself.  openssl brings
# X25519 and AES-GCM for IKE (package libstrongswan-standard-plugins).
VM_CHARON_PLUGINS=${VM_CHARON_PLUGINS:-random nonce openssl aes sha2 hmac gcm kdf pem pubkey x509 kernel-netlink socket-default vici}

# vm_charon_need PLUGIN...: fails early, with the fix, if a plugin file
# is missing rather than letting charon fail to negotiate later.
vm_charon_need() {
	local p
	for p in "$@"; do
		[ -f "/usr/lib/ipsec/plugins/libstrongswan-$p.so" ] ||
			vm_fail "strongSwan plugin $p missing: install libstrongswan-standard-plugins (scripts/deps.sh) or run tests/vm/fetch-extra.sh"
	done
}

# vm_charon_start NAME NS: starts charon in namespace NS with its own
# strongswan.conf, vici socket and log in $VM_WORK/NAME, and waits for
# the socket.  charon's pid file path is fixed (/var/run/charon.pid):
# "ip netns exec" already gives the command its own mount namespace, so
# a tmpfs on /run there makes the file private to this instance.
vm_charon_start() {
	local name=$1 ns=$2 dir=$VM_WORK/$1
	mkdir -p "$dir"
	cat >"$dir/strongswan.conf" <<EOF
charon {
	load = $VM_CHARON_PLUGINS
	# Routes come from the scenario: one that exists without an SA is
	# what lets a scenario see plaintext leak.
	install_routes = no
	install_virtual_ip = no
	# Reused test addresses must not wait out a previous run's state.
	retransmit_tries = 3
	plugins {
		vici {
			socket = unix://$dir/charon.vici
		}
	}
	filelog {
		vm {
			path = $dir/charon.log
			time_format = %T
			ike_name = yes
			default = 1
			ike = 2
			cfg = 2
			knl = 2
			flush_line = yes
		}
	}
	syslog {
		daemon {
			default = -1
		}
	}
}
swanctl {
	load = random nonce
}
EOF
	# shellcheck disable=SC2016 # $0 is expanded by the inner sh
	STRONGSWAN_CONF=$dir/strongswan.conf ip netns exec "$ns" \
		sh -c 'mount -t tmpfs tmpfs /run && exec "$0"' "$VM_CHARON" \
		>"$dir/stdout" 2>&1 &
	echo $! >"$dir/pid"
	VM_CHARONS+=("$name")
	vm_wait 10 "charon $name created its vici socket" test -S "$dir/charon.vici"
}

# vm_swanctl NAME ARGS...: swanctl talking to charon NAME's socket.
vm_swanctl() {
	local name=$1
	shift
	STRONGSWAN_CONF=$VM_WORK/$name/strongswan.conf \
		swanctl "$@" --uri "unix://$VM_WORK/$name/charon.vici"
}

# vm_charon_load NAME < swanctl.conf: loads connections and secrets.
vm_charon_load() {
	local name=$1 conf=$VM_WORK/$1/swanctl.conf
	cat >"$conf"
	vm_swanctl "$name" --load-all --file "$conf" >"$VM_WORK/$name/load.out" 2>&1 ||
		vm_fail "swanctl --load-all for $name: $(cat "$VM_WORK/$name/load.out")"
}

# vm_child_installed NAME CHILD: true once CHILD is INSTALLED under an
# ESTABLISHED IKE SA in charon NAME.
vm_child_installed() {
	local out
	out=$(vm_swanctl "$1" --list-sas --child "$2" 2>/dev/null) || return 1
	grep -q ESTABLISHED <<<"$out" && grep -q "$2: #[0-9]*, reqid [0-9]*, INSTALLED" <<<"$out"
}

# vm_charon_wait NAME CHILD [SECONDS]: bounded wait for vm_child_installed.
vm_charon_wait() {
	vm_wait "${3:-15}" "charon $1: CHILD_SA $2 INSTALLED" vm_child_installed "$1" "$2"
}

# vm_charon_stop: TERM to every charon we started, by pid.
vm_charon_stop() {
	local n
	for n in "${VM_CHARONS[@]}"; do
		kill "$(cat "$VM_WORK/$n/pid")" 2>/dev/null || true
	done
}

# --- two sites: tunshd in a, charon in b -------------------------------
#
#   ha (10.1.0.10) --lan-- a --wan--------------wan-- b --lan-- hb (10.2.0.10)
#                    10.1.0.1  192.0.2.1   192.0.2.2  10.2.0.1
#
# vm_sites: the topology of charon_pair.sh.  a's default route and b's
# route to 10.1.0.0/24 go over wan, so traffic that no policy catches
# leaves in clear, where the counters see it.  Each gateway's raw
# PREROUTING counts, from wan: "esp", "ike" (UDP 500 and 4500), "plain"
# (neither, from the wire: --pol none), "icmp-clear" (ICMP from the wire:
# a leak) and "decrypted" (ICMP after decryption: --pol ipsec).
#
# vm_sites 46: the same, with IPv6 beside IPv4 everywhere (vm_sites6_plan
# below) and the gateways' IPv6 counted too.
vm_sites() {
	local gw v6=${1:-}
	# No IPv6 on the gateways' links (below) unless asked: link-local
	# addresses' MLD reports would add frames to the wire counts at
	# random.  Loaded here so that the sysctl exists.
	modprobe ipv6 2>/dev/null || true
	vm_netns a b ha hb
	{
		vm_veth a wan b wan
		vm_veth a lan ha eth0
		vm_veth b lan hb eth0
	} | vm_ip
	vm_ip a <<EOT
link set wan up
link set lan up
addr add 192.0.2.1/24 dev wan
addr add 10.1.0.1/24 dev lan
route add default via 192.0.2.2 dev wan
EOT
	vm_ip b <<EOT
link set wan up
link set lan up
addr add 192.0.2.2/24 dev wan
addr add 10.2.0.1/24 dev lan
route add 10.1.0.0/24 via 192.0.2.1 dev wan
EOT
	vm_ip ha <<EOT
link set eth0 up
addr add 10.1.0.10/24 dev eth0
route add default via 10.1.0.1
EOT
	vm_ip hb <<EOT
link set eth0 up
addr add 10.2.0.10/24 dev eth0
route add default via 10.2.0.1
EOT
	[ -z "$v6" ] || vm_sites6
	for gw in a b; do
		# "all" set after the links exist reaches each of them.
		if [ -n "$v6" ]; then
			vm_sysctl "$gw" net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
			vm_ipt6_counters "$gw"
		elif [ -d /proc/sys/net/ipv6 ]; then
			vm_sysctl "$gw" net.ipv4.ip_forward=1 net.ipv6.conf.all.disable_ipv6=1
		else
			vm_sysctl "$gw" net.ipv4.ip_forward=1
		fi
		vm_ipt "$gw" -t raw -A PREROUTING -i wan -p esp \
			-m comment --comment esp
		# IKE is counted apart: a liveness check may cross any
		# window of pings, and it is no leak.
		vm_ipt "$gw" -t raw -A PREROUTING -i wan -p udp --dport 500 \
			-m comment --comment ike -j RETURN
		vm_ipt "$gw" -t raw -A PREROUTING -i wan -p udp --dport 4500 \
			-m comment --comment ike -j RETURN
		vm_ipt "$gw" -t raw -A PREROUTING -i wan -m policy --dir in --pol none \
			! -p esp -m comment --comment plain
		vm_ipt "$gw" -t raw -A PREROUTING -i wan -p icmp \
			-m policy --dir in --pol ipsec -m comment --comment decrypted
		vm_ipt "$gw" -t raw -A PREROUTING -i wan -p icmp \
			-m policy --dir in --pol none -m comment --comment icmp-clear
	done
}

# --- IPv6 beside IPv4 (vm_sites 46) ------------------------------------
#
#   ha --lan-- a --wan---------------------wan-- b --lan-- hb
#   10.1.0.10  10.1.0.1  192.0.2.1      192.0.2.2  10.2.0.1  10.2.0.10
#   2001:db8:10::10  ::1 2001:db8:1::1  2001:db8:1::2  2001:db8:20::1  ::10
#
# Addresses are added with nodad (and the namespaces inherit accept_dad=0,
# vm_ipv6_quiet): usable at once, so no daemon sees an address appear
# late.  Gateways forward IPv6 (hence send no router solicitations);
# routes are static, as for IPv4.  Link-local addresses stay: a gateway
# forwarding a packet onto a link solicits its neighbour from one.
VM6_WAN_A=2001:db8:1::1
VM6_WAN_B=2001:db8:1::2
VM6_LAN_A=2001:db8:10::/64
VM6_LAN_B=2001:db8:20::/64
VM6_HA=2001:db8:10::10
VM6_HB=2001:db8:20::10

vm_sites6() {
	vm_ip a <<-EOT
	addr add $VM6_WAN_A/64 dev wan nodad
	addr add 2001:db8:10::1/64 dev lan nodad
	route add ::/0 via $VM6_WAN_B dev wan
	EOT
	vm_ip b <<-EOT
	addr add $VM6_WAN_B/64 dev wan nodad
	addr add 2001:db8:20::1/64 dev lan nodad
	route add $VM6_LAN_A via $VM6_WAN_A dev wan
	EOT
	vm_ip ha <<-EOT
	addr add $VM6_HA/64 dev eth0 nodad
	route add ::/0 via 2001:db8:10::1
	EOT
	vm_ip hb <<-EOT
	addr add $VM6_HB/64 dev eth0 nodad
	route add ::/0 via 2001:db8:20::1
	EOT
}

# vm_ip6t NS ARGS...: ip6tables-legacy in a namespace.
vm_ip6t() {
	local ns=$1
	shift
	ip netns exec "$ns" ip6tables-legacy -w "$@" || vm_fail "ip6tables $* in $ns"
}

# vm_ip6t_count NS TABLE CHAIN COMMENT: vm_ipt_count for ip6tables.
vm_ip6t_count() {
	ip netns exec "$1" ip6tables-legacy -w -t "$2" -L "$3" -n -v -x |
		awk -v c="/* $4 */" 'index($0, c) && !found { print $1; found = 1 }
			END { if (!found) print "missing" }'
}

# vm_ipt6_counters GW: GW's raw PREROUTING counters of vm_sites for IPv6
# from wan, under the same comments, so that vm_wire_counts sums both
# families: "esp", "ike", "plain", "decrypted" (ICMPv6 after decryption),
# "icmp-clear" (ICMPv6 from the wire).  Neighbour discovery and MLD
# (ICMPv6 130-137, 143) are counted apart as "nd": they belong to the
# link, never to a tunnel.  One exec for all rules (ip6tables-restore
# --noflush).
vm_ipt6_counters() {
	local t
	{
		echo "*raw"
		echo "-A PREROUTING -i wan -p esp -m comment --comment esp"
		echo "-A PREROUTING -i wan -p udp --dport 500 -m comment --comment ike -j RETURN"
		echo "-A PREROUTING -i wan -p udp --dport 4500 -m comment --comment ike -j RETURN"
		for t in 130 131 132 133 134 135 136 137 143; do
			echo "-A PREROUTING -i wan -p ipv6-icmp --icmpv6-type $t -m comment --comment nd -j RETURN"
		done
		echo "-A PREROUTING -i wan -m policy --dir in --pol none ! -p esp -m comment --comment plain"
		echo "-A PREROUTING -i wan -p ipv6-icmp -m policy --dir in --pol ipsec -m comment --comment decrypted"
		echo "-A PREROUTING -i wan -p ipv6-icmp -m policy --dir in --pol none -m comment --comment icmp-clear"
		echo "COMMIT"
	} | ip netns exec "$1" ip6tables-legacy-restore -w --noflush ||
		vm_fail "ip6tables counters in $1"
	echo 1 >"$VM_WORK/ipv6-$1"
}

# vm_ping NS DST COUNT [INTERVAL] [WAIT]: busybox ping (ping6 for an IPv6
# DST); prints the number of answers (0 when none), never fails the
# scenario by itself.
vm_ping() {
	local out ping=ping
	[[ $2 != *:* ]] || ping=ping6
	out=$(ip netns exec "$1" busybox "$ping" -c "$3" -i "${4:-0.2}" -W "${5:-2}" "$2" 2>&1) || true
	sed -n 's/.* packets transmitted, \([0-9]*\) packets received.*/\1/p' <<<"$out" |
		grep . || echo 0
}

# vm_ping_all NS DST COUNT [INTERVAL]: COUNT pings, all answered, or fail.
vm_ping_all() {
	local n
	n=$(vm_ping "$@")
	[ "$n" = "$3" ] || vm_fail "ping $1 -> $2: $n of $3 answered"
}

# vm_masq_sites: tunshd's site a behind a masquerading NAT, the peer b
# public (nat_t.sh, pluto_nat_t.sh):
#
#   ha --lan-- a --wan--- nat ---out--- b --lan-- hb
#   10.1.0.10    192.168.1.2  192.168.1.1 | 192.0.2.1   192.0.2.2   10.2.0.10
#
# a's raw OUTPUT counts what leaves its WAN, by kind: "udp4500",
# "udp500", "esp", "icmp"; mangle POSTROUTING "icmpfwd".  (The body is
# not indented: its here-documents end at the margin.)
vm_masq_sites() {
vm_netns a nat b ha hb
{
	vm_veth a wan nat in
	vm_veth nat out b wan
	vm_veth a lan ha eth0
	vm_veth b lan hb eth0
} | vm_ip
vm_ip a <<'EOT'
link set wan up
link set lan up
addr add 192.168.1.2/24 dev wan
addr add 10.1.0.1/24 dev lan
route add default via 192.168.1.1
EOT
vm_ip nat <<'EOT'
link set in up
link set out up
addr add 192.168.1.1/24 dev in
addr add 192.0.2.1/24 dev out
EOT
vm_ip b <<'EOT'
link set wan up
link set lan up
addr add 192.0.2.2/24 dev wan
addr add 10.2.0.1/24 dev lan
route add 10.1.0.0/24 via 192.0.2.1 dev wan
EOT
vm_ip ha <<'EOT'
link set eth0 up
addr add 10.1.0.10/24 dev eth0
route add default via 10.1.0.1
EOT
vm_ip hb <<'EOT'
link set eth0 up
addr add 10.2.0.10/24 dev eth0
route add default via 10.2.0.1
EOT
local ns
for ns in a nat b; do vm_sysctl "$ns" net.ipv4.ip_forward=1; done
vm_ipt nat -t nat -A POSTROUTING -o out -j MASQUERADE
# What leaves a's WAN, by kind.
vm_ipt a -t raw -A OUTPUT -o wan -p udp --dport 4500 -m comment --comment udp4500
vm_ipt a -t raw -A OUTPUT -o wan -p udp --dport 500 -m comment --comment udp500
vm_ipt a -t raw -A OUTPUT -o wan -p esp -m comment --comment esp
vm_ipt a -t raw -A OUTPUT -o wan -p icmp -m comment --comment icmp
vm_ipt a -t mangle -A POSTROUTING -o wan -p icmp -m comment --comment icmpfwd
}

# --- tunshd -----------------------------------------------------------

# vm_tunshd_start NAME NS [KERNEL [OPTION...]]: tunshd -f in namespace NS
# with the real kernel ops (--kernel netlink unless KERNEL says otherwise)
# and tunshd's OPTIONs, its config from stdin (a site: interfaces and
# vlans; the tunnels come from tunsh scripts), state, socket and log
# (stderr) in $VM_WORK/NAME.  Waits for the socket.
vm_tunshd_start() {
	local name=$1 ns=$2 kernel=${3:-netlink} dir=$VM_WORK/$1
	shift $(($# < 3 ? $# : 3))
	mkdir -p "$dir"
	cat >"$dir/tunsh.conf"
	ip netns exec "$ns" "$TUNSH_BUILD/shell/tunshd" -f \
		--config "$dir/tunsh.conf" --state-dir "$dir/state" \
		--socket "$dir/tunshd.sock" --kernel "$kernel" "$@" \
		>"$dir/tunshd.log" 2>&1 &
	echo $! >"$dir/pid"
	# 30 s: a guest on a loaded host took over 10 s (two VM runs at once).
	vm_wait 30 "tunshd $name listens on its socket" vm_tunshd_ready "$name"
}

# vm_tunshd_ready NAME: the socket exists; fails the scenario at once,
# with the log, when tunshd has exited instead.
vm_tunshd_ready() {
	local dir=$VM_WORK/$1
	[ ! -S "$dir/tunshd.sock" ] || return 0
	kill -0 "$(cat "$dir/pid")" 2>/dev/null ||
		vm_fail "tunshd $1 exited: $(tail -n 5 "$dir/tunshd.log")"
	return 1
}

# vm_tunsh NAME < script: a tunsh script against tunshd NAME; its output
# goes to stdout, its status is tunsh's.
vm_tunsh() {
	"$TUNSH_BUILD/shell/tunsh" --socket "$VM_WORK/$1/tunshd.sock"
}

# vm_tunsh_ok NAME WHAT < script: like vm_tunsh, failing the scenario
# with the output when tunsh reports an error.
vm_tunsh_ok() {
	local out
	out=$(vm_tunsh "$1" 2>&1) || vm_fail "tunsh $1 ($2): $out"
	printf '%s\n' "$out" >>"$VM_WORK/$1/tunsh.out"
}

# vm_tunshd_log NAME: tunshd NAME's log so far.
vm_tunshd_log() {
	cat "$VM_WORK/$1/tunshd.log"
}

# vm_tunshd_logged NAME EXTENDED-REGEX [FROM-LINE]: true once the log has a
# matching line after line FROM-LINE (default 0).
vm_tunshd_logged() {
	local -a lines
	local l
	# In the shell, no process: this is what vm_tunshd_wait polls.
	mapfile -t -s "${3:-0}" lines <"$VM_WORK/$1/tunshd.log"
	for l in "${lines[@]}"; do
		[[ $l =~ $2 ]] && return 0
	done
	return 1
}

# vm_tunshd_lines NAME: the number of lines in the log now (a mark for
# vm_tunshd_logged).
vm_tunshd_lines() {
	wc -l <"$VM_WORK/$1/tunshd.log"
}

# vm_tunshd_wait NAME SECONDS EXTENDED-REGEX [FROM-LINE]: bounded wait for
# a log line.
vm_tunshd_wait() {
	vm_wait "$2" "tunshd $1 logged /$3/" vm_tunshd_logged "$1" "$3" "${4:-0}"
}

# vm_tunsh_has_show: true when the build has show ipsec tunnel.
vm_tunsh_has_show() {
	local out
	out=$(echo "show ipsec tunnel" | vm_tunsh "$1" 2>&1) || return 1
	! grep -q 'Invalid input' <<<"$out"
}

# vm_tunshds: the names of the tunshd we started, from their directories
# (vm_tunshd_start may run in a pipeline's subshell: no array).
vm_tunshds() {
	local f
	for f in "$VM_WORK"/*/tunshd.log; do
		[ -f "$f" ] || continue
		f=${f%/tunshd.log}
		echo "${f##*/}"
	done
}

# vm_tunshd_stop: TERM to every tunshd we started, by pid.
vm_tunshd_stop() {
	local n
	for n in $(vm_tunshds); do
		kill "$(cat "$VM_WORK/$n/pid")" 2>/dev/null || true
	done
}

# vm_stop_all: the EXIT trap of scenarios with tunshd and charon; keeps
# the daemons' logs next to the scenario log (tunshd-NAME.log,
# charon-NAME.log).
vm_stop_all() {
	local n
	vm_tunshd_stop
	vm_charon_stop
	[ -n "${TUNSH_RESULT:-}" ] || return 0
	for n in $(vm_tunshds); do
		cp "$VM_WORK/$n/tunshd.log" "$TUNSH_RESULT/tunshd-$n.log" 2>/dev/null || true
	done
	for n in "${VM_CHARONS[@]}"; do
		cp "$VM_WORK/$n/charon.log" "$TUNSH_RESULT/charon-$n.log" 2>/dev/null || true
	done
}

# vm_site_conf NAME ADDR LAN: tunshd's start configuration for site NAME
# with one WAN port wan1 (the veth is "wan": only XFRM interfaces
# would need the two to match) at ADDR/24 and VLAN 10 = LAN; no tunnels.
vm_site_conf() {
	cat <<EOT
hostname = "site-$1";
interfaces = ( { name = "wan1"; address = "$2/24"; } );
vlans = ( { id = 10; name = "lan"; subnet = "$3"; } );
tunnels = ( );
EOT
}

# --- charon as tunshd's peer ------------------------------------------

# vm_peer_conf: swanctl.conf for charon in b facing tunshd in a with the
# IDs tunsh uses by default (the addresses).  Settings from variables:
#   PEER_IKE    IKE proposals     (aes256gcm16-prfsha256-x25519)
#   PEER_ESP    ESP proposals     (aes256gcm16)
#   PEER_LTS    local_ts          (10.2.0.0/24)
#   PEER_RTS    remote_ts         (10.1.0.0/24)
#   PEER_START  start_action      (none)
#   PEER_PSK    the secret        (vm-test-psk-not-secret-0123456789)
#   PEER_CONN   extra lines for the connection (e.g. rekey_time = 60s)
#   PEER_CHILD  extra lines for the child
#   PEER_ME, PEER_THEM  the outside addresses, each side's ID too
#               (192.0.2.2, 192.0.2.1; either family: IPv6 IDs are
#               ID_IPV6_ADDR); PEER_ME_ADDRS and PEER_THEM_ADDRS what
#               local_addrs and remote_addrs say (PEER_ME, PEER_THEM;
#               e.g. a name, or %any)
vm_peer_conf() {
	local me=${PEER_ME:-192.0.2.2} them=${PEER_THEM:-192.0.2.1}
	cat <<EOT
connections {
	site {
		version = 2
		local_addrs = ${PEER_ME_ADDRS:-$me}
		remote_addrs = ${PEER_THEM_ADDRS:-$them}
		proposals = ${PEER_IKE:-aes256gcm16-prfsha256-x25519}
		${PEER_CONN:-}
		local {
			auth = psk
			id = $me
		}
		remote {
			auth = psk
			id = $them
		}
		children {
			lans {
				local_ts = ${PEER_LTS:-10.2.0.0/24}
				remote_ts = ${PEER_RTS:-10.1.0.0/24}
				mode = tunnel
				esp_proposals = ${PEER_ESP:-aes256gcm16}
				start_action = ${PEER_START:-none}
				${PEER_CHILD:-}
			}
		}
	}
}
secrets {
	ike-site {
		id-a = $them
		id-b = $me
		secret = "${PEER_PSK:-vm-test-psk-not-secret-0123456789}"
	}
}
EOT
}

# vm_charon_child_spis NAME CHILD: "IN OUT" of the newest INSTALLED CHILD
# SA called CHILD in charon NAME, as swanctl --list-sas shows them; empty
# when there is none.
vm_charon_child_spis() {
	vm_swanctl "$1" --list-sas --child "$2" 2>/dev/null |
		awk -v c="$2:" '$1 == c && /INSTALLED/ { on = 1; next }
			on && $1 == "in" { i = $2; sub(/,.*/, "", i) }
			on && $1 == "out" { o = $2; sub(/,.*/, "", o); on = 0 }
			END { if (i != "" && o != "") print i, o }'
}

# vm_charon_ike_spis NAME: the SPI pair ("I_i R_r") of each ESTABLISHED
# IKE SA in charon NAME, one a line.
vm_charon_ike_spis() {
	vm_swanctl "$1" --list-sas 2>/dev/null |
		awk '/ESTABLISHED, IKEv2,/ { print $(NF - 1), $NF }' | tr -d '*'
}

# vm_xfrm_spis NS SRC DST: the SPIs (8 hex digits, no 0x) of the ESP SAs
# from SRC to DST in NS, one a line.
vm_xfrm_spis() {
	ip -n "$1" xfrm state list src "$2" dst "$3" proto esp |
		awk '{ for (i = 1; i < NF; i++) if ($i == "spi") {
			s = $(i + 1); sub(/^0x/, "", s); print s } }'
}

# vm_same_pair_as_charon NS CHARON CHILD LOCAL REMOTE: true when NS holds
# exactly one ESP pair between LOCAL and REMOTE and it is charon CHARON's
# newest CHILD SA called CHILD.  Sets PAIR_SEEN to what was compared, for
# the failure message.
vm_same_pair_as_charon() {
	local ci co ai ao
	read -r ci co <<<"$(vm_charon_child_spis "$2" "$3")"
	ai=$(vm_xfrm_spis "$1" "$5" "$4")
	ao=$(vm_xfrm_spis "$1" "$4" "$5")
	PAIR_SEEN="$1's SPIs ${ai//$'\n'/,}/${ao//$'\n'/,}, charon's $co/$ci"
	[ -n "$ci" ] && [ "$ai" = "$co" ] && [ "$ao" = "$ci" ]
}

# vm_wait_same_pair_as_charon SECONDS NS CHARON CHILD LOCAL REMOTE: waits
# for vm_same_pair_as_charon.  A peer that rekeys on a short timer can
# change its pair between two reads, so one snapshot is not a verdict.
vm_wait_same_pair_as_charon() {
	local secs=$1 end=$((EPOCHSECONDS + $1))
	shift
	until vm_same_pair_as_charon "$@"; do
		[ "$EPOCHSECONDS" -lt "$end" ] ||
			vm_fail "after ${secs}s, still not one pair, charon's: $PAIR_SEEN"
		vm_sleep 0.3
	done
}

# vm_xfrm_keyed NS: SAs in NS that carry keys (aead, enc or auth lines),
# as opposed to the larval ones XFRM_MSG_ALLOCSPI reserves.
vm_xfrm_keyed() {
	ip -n "$1" xfrm state | grep -Ec '^[[:space:]]+(aead|enc|auth|auth-trunc) ' || true
}

# vm_ping_missing COUNT < busybox ping output: the seq numbers from 0 to
# COUNT-1 that got no answer, space-separated (empty when none).
vm_ping_missing() {
	awk -v n="$1" '/ seq=/ { sub(/.* seq=/, ""); sub(/ .*/, ""); seen[$0] = 1 }
		END { for (i = 0; i < n; i++) if (!(i in seen)) printf "%d ", i }'
}

# vm_xfrm_stat NS NAME: the XFRM counter NAME of namespace NS
# (/proc/net/xfrm_stat), 0 when the kernel has none by that name.
vm_xfrm_stat() {
	ip netns exec "$1" cat /proc/net/xfrm_stat | awk -v k="$2" '$1 == k { v = $2 } END { print v + 0 }'
}

# vm_xfrm_errors NS: the non-zero XFRM error counters of namespace NS
# (/proc/net/xfrm_stat), "NAME=N ..." on one line.
vm_xfrm_errors() {
	ip netns exec "$1" cat /proc/net/xfrm_stat | awk '$2 != 0 { printf "%s=%s ", $1, $2 }'
}

# vm_xfrm_events FILE: the SAs and policies added, updated and deleted in
# the output of ip -t xfrm monitor, one "TIME WHAT SPI" each, on one line
# ("|" between them); the replay updates left out.
vm_xfrm_events() {
	awk '/^Timestamp:/ { t = $5 "." $7; next }
		/^Async event/ { t = ""; next }
		t != "" && /^(Deleted |Updated )?src / { w = $1 == "src" ? "Added" : $1; next }
		t != "" && /proto esp spi/ { printf "%s %s %s|", t, w, $4; t = "" }' "$1"
}

# vm_rekeys_by_tunsh PEER CHILD_FN IKE_FN [answer-race]: rekey_by_tunsh and
# pluto_rekey_by_tunsh, one loop for both peers.  Tunnel to-b of site a
# is up (tunshd's log from $mark on); CHILD_FN prints the peer's newest
# CHILD SA as "IN OUT", IKE_FN the peer's one IKE SA (an id that changes
# when it is replaced; empty unless exactly one is up).  While ha pings
# hb every 0.2 s (until 2 s after the last step), an admin asks request
# ipsec rekey tunnel to-b three times, then with ike, then commits
# reauthentication yes and asks once more with ike, a reauthentication: a
# new IKE SA and CHILD SA made before the old ones go.  Fails unless each
# step gave the peer new SAs, tunshd logged each as its own (none "by the
# peer"), and not one ping was lost.
#
# With a fourth argument, answer-race, the peer is one that sends on its
# new outbound SA as soon as it has answered the exchange (libreswan does;
# RFC 7296 2.8 lets it; charon waits for the old SA's Delete).  A packet
# the peer sends between its answer and the moment tunshd has read the
# answer and installed the new inbound SA (a key exchange and two netlink
# calls later) finds no SA at a and is dropped: no initiator can install
# a key it does not have yet.  Such a packet is counted by a's kernel as
# XfrmAcquireError (its SPI is reserved, ALLOCSPI's larval state, but has
# no key yet) or XfrmInNoStates.  Then at most one ping per new CHILD SA
# (4) may be lost, and only that way: each lost ping must show in those
# two counters of a, so a loss of any other kind (an SA deleted too
# early, a policy that blocks, a drop at the peer) still fails.
vm_rekeys_by_tunsh() {
	local peer=$1 child_fn=$2 ike_fn=$3 race=${4:-} prev ike0 ike1 i n out stats ping_pid sent
	local lost nostate0 nostate err0 mon_a mon_b
	local -A seen=()

	_logged() {
		tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log" | grep -Ec -- "$1" || true
	}
	_child_is_not() {
		local c
		c=$("$child_fn")
		[ -n "$c" ] && [ "$c" != "$1" ]
	}
	_ike_is_not() {
		local c
		c=$("$ike_fn")
		[ -n "$c" ] && [ "$c" != "$1" ]
	}

	prev=$("$child_fn")
	ike0=$("$ike_fn")
	[ -n "$prev" ] && [ -n "$ike0" ] || vm_fail "$peer: no CHILD SA or IKE SA up to rekey"
	seen[$prev]=1
	vm_log "up: IKE $ike0, CHILD $prev; pinging every 0.2 s until the last step is through"
	nostate0=$(($(vm_xfrm_stat a XfrmInNoStates) + $(vm_xfrm_stat a XfrmAcquireError)))
	err0="a: $(vm_xfrm_errors a); b: $(vm_xfrm_errors b)"
	ip -n a -t xfrm monitor >"$VM_WORK/xfrm-a.out" 2>&1 &
	mon_a=$!
	ip -n b -t xfrm monitor >"$VM_WORK/xfrm-b.out" 2>&1 &
	mon_b=$!
	# No count: on a loaded machine the steps take longer; the pings
	# stop 2 s after the last one (SIGINT: busybox prints its figures).
	ip netns exec ha busybox ping -i 0.2 10.2.0.10 >"$VM_WORK/ping.out" 2>&1 &
	ping_pid=$!
	sleep 2 # some pings on the first SA before the first rekey

	for i in 1 2 3; do
		vm_log "CHILD rekey $i"
		echo "request ipsec rekey tunnel to-b" | vm_tunsh_ok a "CHILD rekey $i"
		vm_wait 10 "tunshd logged CHILD rekey $i" \
			test "$(_logged 'tunnel to-b: CHILD SA [0-9a-f]+ rekeyed: now')" -ge "$i"
		vm_wait 10 "$peer lists a new CHILD SA after rekey $i (was $prev)" \
			_child_is_not "$prev"
		prev=$("$child_fn")
		seen[$prev]=1
		vm_log "CHILD now $prev"
		sleep 3 # spacing: traffic on each new SA before the next rekey
	done

	vm_log "IKE rekey"
	echo "request ipsec rekey tunnel to-b ike" | vm_tunsh_ok a "IKE rekey"
	vm_tunshd_wait a 10 "tunnel to-b: IKE SA rekeyed" "$mark"
	vm_wait 10 "$peer lists one new IKE SA (was $ike0)" _ike_is_not "$ike0"
	ike1=$("$ike_fn")
	vm_log "IKE now $ike1"
	sleep 3

	vm_log "reauthentication"
	vm_tunsh_ok a "reauthentication yes" <<'EOT'
configure
ipsec tunnel to-b
 reauthentication yes
 exit
commit
EOT
	echo "request ipsec rekey tunnel to-b ike" | vm_tunsh_ok a "reauthenticate"
	vm_tunshd_wait a 15 "tunnel to-b: reauthenticated: the old IKE SA is deleted" "$mark"
	vm_wait 10 "$peer lists one new IKE SA after the reauthentication (was $ike1)" \
		_ike_is_not "$ike1"
	vm_wait 10 "$peer lists a new CHILD SA after the reauthentication (was $prev)" \
		_child_is_not "$prev"
	prev=$("$child_fn")
	seen[$prev]=1
	vm_log "reauthenticated: IKE $("$ike_fn"), CHILD $prev"
	sleep 2 # pings on the last SA too
	kill -0 "$ping_pid" 2>/dev/null || vm_fail "ping ended by itself: $(tail -n 3 "$VM_WORK/ping.out")"
	kill -INT "$ping_pid"
	wait "$ping_pid" || true
	out=$(cat "$VM_WORK/ping.out")
	stats=$(grep 'packets transmitted' <<<"$out" || true)
	vm_log "ping: $stats"
	vm_log "CHILD SPI pairs seen: ${#seen[@]} (${!seen[*]})"
	vm_log "tunshd: $(tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log" | grep -E 'rekeyed|reauth|established|CHILD SA up|error|WARN' | sed 's/.*tunnel to-b: //' | tr '\n' '|')"
	# The last ping sent may still be on its way when ping stops.
	sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' <<<"$out")
	[ -n "$sent" ] && [ "$sent" -ge 100 ] ||
		vm_fail "ping sent ${sent:-no} pings (100 at least: 20 s): $(tail -n 3 <<<"$out")"
	lost=$(vm_ping_missing $((sent - 1)) <<<"$out")
	nostate=$(($(vm_xfrm_stat a XfrmInNoStates) + $(vm_xfrm_stat a XfrmAcquireError) - nostate0))
	kill "$mon_a" "$mon_b" 2>/dev/null || true
	vm_log "lost pings (seq): ${lost:-none}; a's XfrmInNoStates and XfrmAcquireError +$nostate"
	vm_log "XFRM errors before: $err0; after: a: $(vm_xfrm_errors a); b: $(vm_xfrm_errors b)"
	if [ -n "$lost" ]; then
		vm_log "a's kernel: $(vm_xfrm_events "$VM_WORK/xfrm-a.out")"
		vm_log "b's kernel: $(vm_xfrm_events "$VM_WORK/xfrm-b.out")"
	fi
	n=$(wc -w <<<"$lost")
	if [ "$race" = answer-race ]; then
		if [ "$n" -gt 4 ] || [ "$n" -gt "$nostate" ]; then
			vm_fail "pings lost during the rekeys started by tunsh: $n (seq $lost): more than the answer race explains (a's XfrmInNoStates and XfrmAcquireError +$nostate)"
		fi
	else
		[ "$n" = 0 ] ||
			vm_fail "pings lost during the rekeys started by tunsh: $stats (seq $lost)"
	fi
	[ "${#seen[@]}" = 5 ] ||
		vm_fail "$peer listed ${#seen[@]} CHILD SPI pairs, want 5 (3 rekeys and a reauthentication)"
	n=$(_logged 'rekeyed by the peer')
	[ "$n" = 0 ] || vm_fail "tunshd logged $n rekeys by the peer; $peer should start none"
	n=$(_logged 'tunnel to-b: CHILD SA [0-9a-f]+ rekeyed: now')
	[ "$n" = 3 ] || vm_fail "tunshd logged $n CHILD rekeys, want 3"
	unset -f _logged _child_is_not _ike_is_not
}

# vm_dpd_actions PEER KILL_FN UP_FN WAIT_FN IKE_FN: dpd and pluto_dpd, the
# three DPD actions against a peer that dies, one sequence for both
# peers.  Tunnel to-b of site a is up with dpd timeout 3, dpd delay 5,
# dpd action restart.  KILL_FN kills the peer as a crash (SIGKILL, then
# b's kernel flushed, as a rebooted peer has nothing), UP_FN starts it
# again with its configuration, WAIT_FN waits until it has a CHILD SA,
# IKE_FN prints its IKE SAs (empty when none).
#  restart  tunshd says the check went unanswered and "DPD restart"; the
#           peer starts again and the tunnel comes back by itself.
#  hold     (commit: dpd action hold) after the kill: "DPD hold", no SA
#           in the kernel, the policies still there, and a ping from a's
#           LAN is not seen in clear on the wire; the peer back, a ping
#           raises ACQUIRE and the tunnel comes back.
#  clear    (commit: dpd action clear) after the kill: "DPD clear", no SA;
#           with the peer back, traffic does not start the tunnel and
#           does not leave in clear.
vm_dpd_actions() {
	local peer=$1 kill_fn=$2 up_fn=$3 wait_fn=$4 ike_fn=$5 mark n tx0 tx clear _ping

	# dpd_fired ACTION MARK: tunshd logged the unanswered check and the action.
	_dpd_fired() {
		vm_tunshd_wait a 15 "tunnel to-b: no answer to the liveness check within 5 s" "$2"
		vm_tunshd_wait a 2 "tunnel to-b: DPD $1" "$2"
		vm_log "$1: $(tail -n "+$(($2 + 1))" "$VM_WORK/a/tunshd.log" | grep -E 'liveness|DPD' | sed 's/.*tunnel to-b: //' | tr '\n' '|')"
	}
	# lan_policies: a's policies between the LANs (out, in, fwd).
	_lan_policies() {
		ip -n a xfrm policy | grep -Ec 'src 10\.(1|2)\.0\.0/24 dst 10\.(2|1)\.0\.0/24' || true
	}

	vm_log "restart: kill $peer"
	mark=$(vm_tunshd_lines a)
	"$kill_fn"
	_dpd_fired restart "$mark"
	[ "$(vm_xfrm_keyed a)" = 0 ] || vm_fail "restart: a still holds SAs after the DPD action: $(ip -n a xfrm state)"
	mark=$(vm_tunshd_lines a)
	"$up_fn"
	vm_tunshd_wait a 40 "tunnel to-b: CHILD SA up" "$mark"
	"$wait_fn"
	vm_ping_all ha 10.2.0.10 2
	vm_log "restart: back by itself"

	vm_log "hold: kill $peer"
	vm_tunsh_ok a "dpd action hold" <<-'EOT'
	configure
	ipsec tunnel to-b
	 dpd action hold
	 exit
	commit
	EOT
	mark=$(vm_tunshd_lines a)
	"$kill_fn"
	_dpd_fired hold "$mark"
	[ "$(vm_xfrm_keyed a)" = 0 ] || vm_fail "hold: a still holds SAs: $(ip -n a xfrm state)"
	n=$(_lan_policies)
	[ "$n" -ge 3 ] || vm_fail "hold: a has $n LAN policies left, want out, in, fwd: $(ip -n a xfrm policy)"
	vm_ipt b -t raw -Z PREROUTING
	tx0=$(vm_tx a wan)
	n=$(vm_ping ha 10.2.0.10 3 0.2 1)
	tx=$(($(vm_tx a wan) - tx0))
	clear=$(vm_ipt_count b raw PREROUTING icmp-clear)
	vm_log "hold: $n of 3 pings answered with the peer dead; a sent $tx frames on wan, b saw $clear ICMP in clear"
	[ "$n" = 0 ] || vm_fail "hold: pings answered with the peer dead"
	[ "$clear" = 0 ] || vm_fail "hold: $clear ICMP packets from a's LAN crossed the wire in clear"
	[ "$(vm_ipt_count b raw PREROUTING esp)" = 0 ] || vm_fail "hold: ESP on the wire without SAs?"
	mark=$(vm_tunshd_lines a)
	"$up_fn"
	# Traffic, not time, must bring it back: pings go out until it is up
	# (their first ACQUIRE starts it; a peer asking for another DH group
	# costs a round trip more).
	ip netns exec ha busybox ping -c 40 -i 0.5 -W 1 10.2.0.10 >/dev/null 2>&1 &
	_ping=$!
	vm_wait 30 "hold: the tunnel did not come back on traffic" \
		vm_tunshd_logged a "tunnel to-b: CHILD SA up" "$mark"
	kill "$_ping" 2>/dev/null || true
	wait "$_ping" 2>/dev/null || true
	vm_log "hold: $peer back, the tunnel up on traffic"
	"$wait_fn"
	vm_ping_all ha 10.2.0.10 2
	[ "$(vm_ipt_count b raw PREROUTING icmp-clear)" = 0 ] || vm_fail "hold: ICMP in clear on the wire while coming back"
	vm_log "hold: back on traffic: $(tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log" | sed 's/.*tunnel to-b: //' | tr '\n' '|')"

	vm_log "clear: kill $peer"
	vm_tunsh_ok a "dpd action clear" <<-'EOT'
	configure
	ipsec tunnel to-b
	 dpd action clear
	 exit
	commit
	EOT
	mark=$(vm_tunshd_lines a)
	"$kill_fn"
	_dpd_fired clear "$mark"
	[ "$(vm_xfrm_count a)" = 0 ] || vm_fail "clear: a still holds SAs: $(ip -n a xfrm state)"
	vm_log "clear: $(_lan_policies) LAN policies left in a"
	"$up_fn"
	mark=$(vm_tunshd_lines a)
	vm_ipt b -t raw -Z PREROUTING
	n=$(vm_ping ha 10.2.0.10 3 0.5 1)
	[ "$n" = 0 ] || vm_fail "clear: $n pings answered: the tunnel came back by itself"
	if vm_tunshd_logged a "IKE SA established|CHILD SA up" "$mark"; then
		vm_fail "clear: traffic brought the tunnel back: $(tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log")"
	fi
	[ "$(vm_ipt_count b raw PREROUTING icmp-clear)" = 0 ] || vm_fail "clear: ICMP in clear on the wire"
	[ -z "$("$ike_fn")" ] || vm_fail "clear: $peer has an IKE SA: $("$ike_fn")"
	unset -f _dpd_fired _lan_policies
}

# Two LANs a side (per_pair, pluto_per_pair): 10.1.0.0/24 and 10.3.0.0/24
# behind a, 10.2.0.0/24 and 10.4.0.0/24 behind b.

# vm_ping_from NS SRC DST COUNT: busybox ping from address SRC; prints the
# answers (0 when none).
vm_ping_from() {
	local out ping=ping
	[[ $3 != *:* ]] || ping=ping6
	out=$(ip netns exec "$1" busybox "$ping" -I "$2" -c "$4" -i 0.2 -W 2 "$3" 2>&1) || true
	sed -n 's/.* packets transmitted, \([0-9]*\) packets received.*/\1/p' <<<"$out" |
		grep . || echo 0
}

vm_ping_all_from() {
	local n
	n=$(vm_ping_from "$@")
	[ "$n" = "$4" ] || vm_fail "ping $1 from $2 to $3: $n of $4 answered"
}

# vm_sa_table NS: one line per ESP SA: "SRC DST SPI SEL-SRC SEL-DST PACKETS"
# (SPI without 0x, as swanctl prints it).
vm_sa_table() {
	ip -n "$1" -s xfrm state list proto esp |
		awk '/^src / { src = $2; dst = $4 }
			$1 == "proto" && $2 == "esp" { spi = $4; sub(/^0x/, "", spi); sub(/\(.*/, "", spi) }
			$1 == "sel" { ss = $3; sd = $5 }
			/lifetime current:/ { getline; sub(/.*, /, ""); sub(/\(packets\)/, "");
				print src, dst, spi, ss, sd, $1 }'
}

# vm_zero_wire: the gateways' raw PREROUTING counters back to 0.
vm_zero_wire() {
	local gw
	for gw in a b; do
		vm_ipt "$gw" -t raw -Z PREROUTING
		[ ! -f "$VM_WORK/ipv6-$gw" ] || vm_ip6t "$gw" -t raw -Z PREROUTING
	done
}

# vm_wire_counts GW: "ESP/PLAIN/DECRYPTED/ICMP-CLEAR" counted by GW's raw
# PREROUTING rules (vm_sites), read and zeroed in one exec (-L -Z).
#
# After vm_sites 46, the IPv6 rules' counts are added to the IPv4 ones of
# the same name (an ESP packet is one of either family; a decrypted ping
# is ICMP or ICMPv6, whatever carried it).
vm_wire_counts() {
	{
		ip netns exec "$1" iptables-legacy -w -t raw -L PREROUTING -n -v -x -Z |
			sed 's/^/4 /'
		[ ! -f "$VM_WORK/ipv6-$1" ] ||
			ip netns exec "$1" ip6tables-legacy -w -t raw -L PREROUTING -n -v -x -Z |
			sed 's/^/6 /'
	} |
		awk 'function c(k) { return k in n ? n[k] : "missing" }
			match($0, /\/\* [a-z-]+ \*\//) { k = substr($0, RSTART + 3, RLENGTH - 6)
				# The first rule of each name per family (ike has two).
				if (!((k, $1) in seen)) { seen[k, $1] = 1; n[k] += $2 } }
			END { print c("esp") "/" c("plain") "/" c("decrypted") "/" c("icmp-clear") }'
}

# vm_check_wire LABEL ESP: since the last check (or vm_zero_wire), each gateway
# received ESP packets from the wire and decrypted that many ICMP
# packets, and nothing else but IKE.  Zeroes the counters.
vm_check_wire() {
	local gw got
	for gw in a b; do
		got=$(vm_wire_counts "$gw")
		[ "$got" = "$2/0/$2/0" ] ||
			vm_fail "$1: $gw received esp/plaintext/decrypted icmp/icmp in clear $got; want $2/0/$2/0"
	done
}

# vm_two_lans: after vm_sites, the second LAN of each site (10.3.0.10 in
# ha, 10.4.0.10 in hb) and b's route back; the four pairs' control pings
# cross in clear and b's counters see them, or zeros later prove nothing.
vm_two_lans() {
	vm_log "second LANs, control pings"
	vm_ip a <<-'EOT'
	addr add 10.3.0.1/24 dev lan
	EOT
	vm_ip ha <<-'EOT'
	addr add 10.3.0.10/24 dev eth0
	EOT
	vm_ip b <<-'EOT'
	addr add 10.4.0.1/24 dev lan
	route add 10.3.0.0/24 via 192.0.2.1 dev wan
	EOT
	vm_ip hb <<-'EOT'
	addr add 10.4.0.10/24 dev eth0
	EOT
	# Control: without SAs each pair's ping crosses in clear and the counters
	# see it, or later zeros would prove nothing.  One exec for the four.
	vm_zero_wire
	# shellcheck disable=SC2016 # expanded by the inner sh
	ip netns exec ha sh -c 'for p in "$@"; do
		busybox ping -q -c 1 -W 2 -I "${p%-*}" "${p#*-}" >/dev/null 2>&1 || { echo "$p"; exit 1; }
	done' sh 10.1.0.10-10.2.0.10 10.1.0.10-10.4.0.10 10.3.0.10-10.2.0.10 10.3.0.10-10.4.0.10 >"$VM_WORK/control" ||
		vm_fail "control ping $(cat "$VM_WORK/control") without IPsec got no answer"
	[ "$(vm_wire_counts b)" = "0/4/0/4" ] ||
		vm_fail "b did not count the 4 control pings as ICMP in clear: $(vm_wire_counts b)"
}

# --- phases of a tunnel, either family outside and inside (ipv6,
# pluto_ipv6, names) ----------------------------------------------------

# vm_tunsh_phase NAME PREV REMOTE PSK [SETTING...]: one commit in tunshd
# a that removes tunnel PREV (unless empty) and adds tunnel NAME on wan1
# to REMOTE (an address of either family, or a name) with the pre-shared
# key PSK and the SETTING lines; waits until tunshd logs its CHILD SA up.
vm_tunsh_phase() {
	local name=$1 prev=$2 remote=$3 psk=$4 mark
	shift 4
	mark=$(vm_tunshd_lines a)
	{
		echo configure
		[ -z "$prev" ] || echo "no ipsec tunnel $prev"
		echo "ipsec tunnel $name"
		echo " wan-port wan1"
		echo " remote-address $remote"
		echo " pre-shared-key $psk"
		printf ' %s\n' "$@"
		echo " exit"
		echo commit
	} | vm_tunsh_ok a "$name: the tunnel"
	vm_tunshd_wait a 40 "tunnel $name: CHILD SA up" "$mark"
}

# vm_phase_traffic NAME OUT_A OUT_B PING_A PING_B: with tunnel NAME up
# between a (OUT_A) and b (OUT_B) after vm_sites 46: each kernel holds one
# SA pair (an earlier phase's deleted) between those addresses; 5 pings
# each way between the LAN hosts (ha to PING_B, hb to PING_A) are all
# answered; each SA of both kernels counted 10 packets; each gateway
# received 10 ESP packets from the wire and nothing else but IKE and
# neighbour discovery, and decrypted 10 pings.
vm_phase_traffic() {
	local name=$1 oa=$2 ob=$3 pa=$4 pb=$5 gw n wa wb
	# One exec per kernel and look (vm_sa_table): execs are what a UML
	# guest on a loaded host is slow at.  Packets are the table's last
	# field: charon's SAs have no selectors, so fields 4 and 5 are empty.
	for gw in a b; do
		vm_wait 10 "$name: $gw holds one SA pair, between $oa and $ob (an earlier phase's deleted): $(vm_sa_table "$gw" | tr '\n' '|')" \
			vm_phase_pair "$gw" "$oa" "$ob"
	done
	vm_log "$name: a's SAs (src dst spi selectors packets): $(vm_sa_table a | tr '\n' '|')"
	vm_wire_counts a >/dev/null # read and zeroed
	vm_wire_counts b >/dev/null
	vm_ping_all ha "$pb" 5
	vm_ping_all hb "$pa" 5
	# 5 requests one way and 5 replies the other: 10 packets per SA.
	for gw in a b; do
		n=$(vm_sa_table "$gw" | awk -v a="$oa" -v b="$ob" '
			$1 == a && $2 == b { o = $NF } $1 == b && $2 == a { i = $NF }
			END { print o + 0 "/" i + 0 }')
		[ "$n" = 10/10 ] ||
			vm_fail "$name: $gw's SAs $oa -> $ob / back counted $n packets, want 10/10: $(ip -n "$gw" -s xfrm state)"
	done
	wa=$(vm_wire_counts a)
	wb=$(vm_wire_counts b)
	vm_log "$name: 10 pings crossed; SAs counted 10 packets each way in both kernels; wire esp/plain/decrypted/icmp-clear: a $wa, b $wb"
	[ "$wa" = 10/0/10/0 ] && [ "$wb" = 10/0/10/0 ] ||
		vm_fail "$name: esp/plaintext/decrypted/icmp in clear received: a $wa, b $wb; want 10/0/10/0"
}

# vm_phase_pair GW OUT_A OUT_B: true when GW's kernel holds exactly two
# ESP SAs, one from OUT_A to OUT_B and one back.
vm_phase_pair() {
	vm_sa_table "$1" | awk -v a="$2" -v b="$3" '
		$1 == a && $2 == b { x++ } $1 == b && $2 == a { y++ }
		END { exit !(NR == 2 && x == 1 && y == 1) }'
}

# vm_phase_show NAME OUT_A OUT_B PING_A: tunshd a's show ipsec tunnel NAME
# says up and prints both outside addresses (and, for an IPv6 inside, both
# LANs), show ipsec sa tunnel NAME detail the peer's; no line of either
# is wider than 80 columns.
vm_phase_show() {
	local name=$1 oa=$2 ob=$3 pa=$4 out sa want wide
	out=$(echo "show ipsec tunnel $name" | vm_tunsh a 2>&1) ||
		vm_fail "$name: show ipsec tunnel: $out"
	vm_log "$name: show ipsec tunnel: $(tr -s ' \n' ' ' <<<"$out")"
	grep -Eq '^ *State: +up$' <<<"$out" || vm_fail "$name: show ipsec tunnel does not say up: $out"
	for want in "$oa" "$ob"; do
		grep -qF "$want" <<<"$out" || vm_fail "$name: show ipsec tunnel lacks $want: $out"
	done
	if [[ $pa == *:* ]]; then
		for want in "$VM6_LAN_A" "$VM6_LAN_B"; do
			grep -qF "$want" <<<"$out" || vm_fail "$name: show ipsec tunnel lacks $want: $out"
		done
	fi
	sa=$(echo "show ipsec sa tunnel $name detail" | vm_tunsh a 2>&1) ||
		vm_fail "$name: show ipsec sa: $sa"
	vm_log "$name: show ipsec sa: $(tr -s ' \n' ' ' <<<"$sa")"
	grep -qF "$ob" <<<"$sa" || vm_fail "$name: show ipsec sa lacks the peer $ob: $sa"
	wide=$(awk 'length > 80' <<<"$out"$'\n'"$sa" | head -n 1)
	[ -z "$wide" ] || vm_fail "$name: a show line wider than 80 columns: $wide"
}

# vm_conf46 ME4 THEM4 ME6 THEM6 LAN4 RLAN4 LAN6 RLAN6: swanctl.conf of
# one side of vm_sites 46, three tunnels: connection "six" (IPv6 outside)
# with children in4o6 (IPv4 LANs) and in6o6 (IPv6 LANs), connection
# "four" (IPv4 outside) with child in6o4 (IPv6 LANs).  IDs are the
# addresses, as tunsh's defaults are; proposals VM_CONF46_IKE
# (aes256gcm16-prfsha256-x25519) and aes256gcm16 for ESP.
vm_conf46() {
	local me4=$1 them4=$2 me6=$3 them6=$4 l4=$5 r4=$6 l6=$7 r6=$8 conn me them c
	echo "connections {"
	for conn in six four; do
		if [ "$conn" = six ]; then me=$me6 them=$them6; else me=$me4 them=$them4; fi
		cat <<-EOT
		$conn {
			version = 2
			local_addrs = $me
			remote_addrs = $them
			proposals = ${VM_CONF46_IKE:-aes256gcm16-prfsha256-x25519}
			local {
				auth = psk
				id = $me
			}
			remote {
				auth = psk
				id = $them
			}
			children {
		EOT
		if [ "$conn" = six ]; then
			c="in4o6 $l4 $r4|in6o6 $l6 $r6"
		else
			c="in6o4 $l6 $r6"
		fi
		tr '|' '\n' <<<"$c" | while read -r child lts rts; do
			cat <<-EOT
			$child {
				local_ts = $lts
				remote_ts = $rts
				mode = tunnel
				esp_proposals = aes256gcm16
			}
			EOT
		done
		echo "}"
		echo "}"
	done
	cat <<-EOT
	}
	secrets {
		ike-six {
			id-a = $me6
			id-b = $them6
			secret = "${PEER_PSK:-vm-test-psk-not-secret-0123456789}"
		}
		ike-four {
			id-a = $me4
			id-b = $them4
			secret = "${PEER_PSK:-vm-test-psk-not-secret-0123456789}"
		}
	}
	EOT
}
