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
		echo "---- charon $n log (last 60 lines)" >&2
		tail -n 60 "$VM_WORK/$n/charon.log" >&2 2>/dev/null || true
		[ -z "${TUNSH_RESULT:-}" ] ||
			cp "$VM_WORK/$n/charon.log" "$TUNSH_RESULT/charon-$n.log" 2>/dev/null || true
	done
	exit 1
}

# vm_wait SECONDS WHAT COMMAND...: runs COMMAND every 0.2 s until it
# succeeds; fails the scenario after SECONDS saying WHAT never happened.
vm_wait() {
	local secs=$1 what=$2
	shift 2
	local end=$((EPOCHSECONDS + secs))
	until "$@" >/dev/null 2>&1; do
		[ "$EPOCHSECONDS" -lt "$end" ] || vm_fail "after ${secs}s: $what"
		sleep 0.2
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
		# IPv4 only unless a scenario asks: an IPv6 socket autoloads the
		# ipv6 module, whose late link-local addresses make charon roam
		# and send IKE packets in the middle of a scenario's counting.
		socket-default {
			use_ipv6 = ${VM_CHARON_IPV6:-no}
		}
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
