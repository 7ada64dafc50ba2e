# shellcheck shell=bash
# tests/interop/lib.sh: the strongSwan side of the interop tests, sourced
# by the test scripts.  Two network namespaces joined by a veth pair, and
# charon instances that each live in one namespace with their own
# strongswan.conf, swanctl directory, vici socket, /run and log file, so
# they neither see nor disturb the host's strongSwan (if any) or each
# other.  Everything stays on this machine.
#
# This kernel has XFRM policies but no ESP (shared/docs/real-kernel.md):
# charon loads kernel-libipsec before kernel-netlink, so CHILD SAs live in
# charon's userspace ESP over a TUN device (ipsec0), always ESP in UDP 4500.
# To get UDP encapsulation charon then fakes its NAT-D hash (RFC 7296
# 2.23): a peer sees charon "behind a NAT", moves to port 4500 and must
# ask for UDP-encapsulated SAs.
#
# Use (as root):
#
#   . tests/interop/lib.sh
#   interop_setup                  # $INTEROP_DIR, $NS1/$NS2, $ADDR1/$ADDR2;
#                                  # arms an EXIT trap: interop_cleanup
#   charon_start "$NS1" "$INTEROP_DIR/c1"      # one charon per directory
#   charon_conn "$INTEROP_DIR/c1" t local_addrs="$ADDR1" \
#       remote_addrs="$ADDR2" psk=secret ike_proposals=aes256gcm16-prfsha256-x25519 \
#       esp_proposals=aes256gcm16 local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24
#   charon_load "$INTEROP_DIR/c1"  # swanctl --load-all
#   charon_initiate "$INTEROP_DIR/c1" t        # child t, blocks until done
#   charon_sas "$INTEROP_DIR/c1"   # swanctl --list-sas (extra args passed on)
#   charon_wait "$INTEROP_DIR/c1" t INSTALLED  # until the SA shows that state
#   charon_terminate "$INTEROP_DIR/c1" t       # the IKE SA t
#   charon_stop DIR | charon_kill DIR          # SIGTERM and wait | SIGKILL
#   interop_cleanup                # stops every charon, removes namespaces
#
# Settings read from the environment before interop_setup:
#   INTEROP_ADDR1, INTEROP_ADDR2   outer addresses (192.0.2.1, 192.0.2.2)
#   (each side also has $ADDR6_1 / $ADDR6_2, 2001:db8::1 and ::2, /64)
#   INTEROP_PREFIXLEN              their prefix length (24)
#   INTEROP_KEEP=1                 keep $INTEROP_DIR after the run (logs)
#   CHARON_LOGLEVEL                filelog level for ike/cfg/knl/net/esp (2)
#   CHARON_RETRANSMIT_TRIES/_TIMEOUT/_BASE  charon's retransmission (3, 1.0,
#                                  1.8: a dead peer is given up after ~12 s)
#
# Functions print what went wrong on stderr and return non-zero; none of
# them exits, so a test can tell its own story.

CHARON_BIN=${CHARON_BIN:-/usr/lib/ipsec/charon}
SWANCTL_BIN=${SWANCTL_BIN:-swanctl}
INTEROP_DIR=
NS1=
NS2=
ADDR1=
ADDR2=
_interop_dirs=()

interop_err() {
	echo "interop: $*" >&2
}

# The veth pair between two fresh namespaces; lo up in both.
interop_setup() {
	local tag=$$ v1 v2 bin plen=${INTEROP_PREFIXLEN:-24}

	if [ "$(id -u)" != 0 ]; then
		interop_err "needs root (network namespaces)"
		return 77
	fi
	for bin in "$CHARON_BIN" "$(command -v "$SWANCTL_BIN")" \
	    "$(command -v ip)" "$(command -v unshare)"; do
		if [ ! -x "$bin" ]; then
			interop_err "missing program: ${bin:-swanctl/ip/unshare}"
			return 77
		fi
	done
	# X25519, AES-GCM and the MODP groups come from the openssl plugin.
	if [ ! -e "${CHARON_PLUGINS:-/usr/lib/ipsec/plugins}/libstrongswan-openssl.so" ]; then
		interop_err "no strongSwan openssl plugin: apt-get install libstrongswan-standard-plugins"
		return 77
	fi
	if [ ! -e /dev/net/tun ]; then
		if ! { mkdir -p /dev/net &&
		    mknod -m 0600 /dev/net/tun c 10 200; }; then
			interop_err "cannot create /dev/net/tun"
			return 1
		fi
	fi
	ADDR1=${INTEROP_ADDR1:-192.0.2.1}
	ADDR2=${INTEROP_ADDR2:-192.0.2.2}
	ADDR6_1=2001:db8::1
	ADDR6_2=2001:db8::2
	NS1=tsi$tag-a
	NS2=tsi$tag-b
	v1=tsv$tag-a
	v2=tsv$tag-b
	INTEROP_DIR=$(mktemp -d /tmp/tunsh-interop.XXXXXX) || return 1
	trap interop_cleanup EXIT
	ip netns add "$NS1" && ip netns add "$NS2" || return 1
	ip link add "$v1" netns "$NS1" type veth peer name "$v2" netns "$NS2" ||
		return 1
	ip -n "$NS1" -b - <<-EOF || return 1
		link set lo up
		link set $v1 up
		addr add $ADDR1/$plen dev $v1
		addr add $ADDR6_1/64 dev $v1 nodad
	EOF
	ip -n "$NS2" -b - <<-EOF || return 1
		link set lo up
		link set $v2 up
		addr add $ADDR2/$plen dev $v2
		addr add $ADDR6_2/64 dev $v2 nodad
	EOF
	# Until the veth carrier is up (both ends set up).
	for _ in $(seq 50); do
		ip -n "$NS1" link show "$v1" | grep -q LOWER_UP && break
		sleep 0.1
	done
}

# Stops every charon started, deletes the namespaces and the directory.
interop_cleanup() {
	local dir

	for dir in "${_interop_dirs[@]}"; do
		charon_stop "$dir" 2>/dev/null || charon_kill "$dir" 2>/dev/null
	done
	_interop_dirs=()
	[ -n "$NS1" ] && ip netns del "$NS1" 2>/dev/null
	[ -n "$NS2" ] && ip netns del "$NS2" 2>/dev/null
	NS1=
	NS2=
	if [ -n "$INTEROP_DIR" ] && [ -z "${INTEROP_KEEP:-}" ]; then
		rm -rf "$INTEROP_DIR"
	elif [ -n "$INTEROP_DIR" ]; then
		echo "interop: kept $INTEROP_DIR" >&2
	fi
	INTEROP_DIR=
	return 0
}

# strongswan.conf for the charon of DIR: its own plugins, socket, log.
_charon_conf() {
	local dir=$1 lvl=${CHARON_LOGLEVEL:-2}

	cat >"$dir/strongswan.conf" <<-EOF
		# Generated by tests/interop/lib.sh for this run only.
		charon {
			# kernel-libipsec first: this kernel has no ESP.
			load = random nonce openssl pem pkcs1 x509 pubkey hmac aes sha1 sha2 gcm kdf kernel-libipsec kernel-netlink socket-default vici
			port = 500
			port_nat_t = 4500
			install_virtual_ip = no
			# Quick to give up, for DPD and no-answer tests.
			retransmit_tries = ${CHARON_RETRANSMIT_TRIES:-3}
			retransmit_timeout = ${CHARON_RETRANSMIT_TIMEOUT:-1.0}
			retransmit_base = ${CHARON_RETRANSMIT_BASE:-1.8}
			filelog {
				log {
					path = $dir/charon.log
					time_format = %H:%M:%S
					ike_name = yes
					append = no
					flush_line = yes
					default = 1
					ike = $lvl
					cfg = $lvl
					knl = $lvl
					net = $lvl
					esp = $lvl
				}
			}
			syslog {
				daemon {
					default = -1
				}
			}
			plugins {
				vici {
					socket = unix://$dir/charon.vici
				}
				# Host-to-host CHILD SAs too (TS = the IKE
				# addresses): _charon_bypass keeps IKE and ESP in
				# UDP off the route into ipsec0.
				kernel-libipsec {
					allow_peer_ts = yes
				}
			}
		}
		swanctl {
			load = random nonce openssl pem pkcs1 x509 pubkey
			socket = unix://$dir/charon.vici
		}
	EOF
	cat >"$dir/swanctl/swanctl.conf" <<-EOF
		# Generated by tests/interop/lib.sh; one file per connection.
		include conf.d/*.conf
	EOF
}

# Runs swanctl against the charon of DIR.
charon_swanctl() {
	local dir=$1

	shift
	STRONGSWAN_CONF=$dir/strongswan.conf SWANCTL_DIR=$dir/swanctl \
		"$SWANCTL_BIN" "$@" --uri "unix://$dir/charon.vici"
}

# kernel-libipsec routes each remote TS into ipsec0 (table 220, rule
# 220).  When the TS covers the peer itself, IKE and the ESP-in-UDP
# packets would follow that route into the tunnel and be lost; these
# rules, ahead of 220, send them by the main table.  Twice is harmless.
_charon_bypass() {
	local ns=$1 port

	for port in 500 4500; do
		ip -n "$ns" rule add pref 100 ipproto udp sport "$port" \
			lookup main 2>/dev/null
		ip -n "$ns" rule add pref 100 ipproto udp dport "$port" \
			lookup main 2>/dev/null
	done
	return 0
}

# charon_start NS DIR: a charon in namespace NS with everything in DIR
# (created).  Returns once its vici socket answers, 10 s at most.
charon_start() {
	local ns=$1 dir=$2 pid sub

	mkdir -p "$dir/run" "$dir/swanctl/conf.d" || return 1
	for sub in x509 x509ca private rsa ecdsa pkcs8 pkcs12 pubkey; do
		mkdir -p "$dir/swanctl/$sub"
	done
	echo "$ns" >"$dir/ns"
	_charon_conf "$dir"
	_charon_bypass "$ns"
	# A private mount namespace with DIR/run on /run: charon's pid file
	# is fixed at /var/run/charon.pid.
	# shellcheck disable=SC2016 # expanded by the inner sh
	STRONGSWAN_CONF=$dir/strongswan.conf ip netns exec "$ns" \
		unshare -m --propagation private sh -c \
		'mount --bind "$1" /run && exec "$2" --use-syslog' sh \
		"$dir/run" "$CHARON_BIN" >"$dir/charon.out" 2>&1 &
	pid=$!
	echo "$pid" >"$dir/pid"
	_interop_dirs+=("$dir")
	for _ in $(seq 100); do
		if ! kill -0 "$pid" 2>/dev/null; then
			interop_err "charon in $ns exited at start; see $dir/charon.out:"
			cat "$dir/charon.out" >&2
			return 1
		fi
		if [ -S "$dir/charon.vici" ] &&
		    charon_swanctl "$dir" --stats >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
	done
	interop_err "charon in $ns: no vici socket after 10 s"
	return 1
}

# charon_conn DIR NAME key=value...: writes DIR/swanctl/conf.d/NAME.conf,
# one IKE connection NAME with one CHILD NAME and its PSK.  Keys:
#   local_addrs remote_addrs       outer addresses (required)
#   local_id remote_id             identities (default: the addresses)
#   psk                            pre-shared key (required)
#   ike_proposals esp_proposals    swanctl syntax (aes256gcm16-prfsha256-x25519)
#   local_ts remote_ts             comma-separated prefixes (dynamic)
#   ike_rekey child_rekey          rekey_time, e.g. 4h, 1h, 0 = never
#   reauth_time                    0 = never (default)
#   child_life                     CHILD life_time (default: 110% of rekey)
#   dpd_delay dpd_timeout          seconds (0 = off)
#   dpd_action                     clear | trap | restart (clear)
#   start_action                   none | trap | start (none)
#   close_action                   none | trap | start (none)
#   encap mobike                   yes | no (no; yes, charon's default)
#   keyingtries                    0 = forever (1, charon's default)
#   local_port remote_port         500 (defaults)
#   mode                           tunnel (default) | transport
charon_conn() {
	local dir=$1 name=$2 kv key val

	shift 2
	local local_addrs='' remote_addrs='' local_id='' remote_id='' psk='' \
		ike_proposals=default esp_proposals=default \
		local_ts=dynamic remote_ts=dynamic ike_rekey=4h child_rekey=1h \
		reauth_time=0 child_life='' dpd_delay=0 dpd_timeout=0 \
		dpd_action=clear start_action=none close_action=none encap=no \
		mobike=yes keyingtries=1 local_port=500 remote_port=500 \
		mode=tunnel
	for kv in "$@"; do
		key=${kv%%=*}
		val=${kv#*=}
		case $key in
		local_addrs | remote_addrs | local_id | remote_id | psk | \
			ike_proposals | esp_proposals | local_ts | remote_ts | \
			ike_rekey | child_rekey | reauth_time | child_life | \
			dpd_delay | dpd_timeout | dpd_action | start_action | \
			close_action | encap | mobike | keyingtries | \
			local_port | remote_port | mode)
			printf -v "$key" '%s' "$val"
			;;
		*)
			interop_err "charon_conn $name: unknown key '$key'"
			return 1
			;;
		esac
	done
	if [ -z "$local_addrs" ] || [ -z "$remote_addrs" ] || [ -z "$psk" ]; then
		interop_err "charon_conn $name: local_addrs, remote_addrs and psk are required"
		return 1
	fi
	case $psk in *[\"\\]*)
		interop_err "charon_conn $name: psk may not contain quotes or backslashes"
		return 1
		;;
	esac
	: "${local_id:=$local_addrs}" "${remote_id:=$remote_addrs}"
	cat >"$dir/swanctl/conf.d/$name.conf" <<-EOF
		connections {
			$name {
				version = 2
				local_addrs = $local_addrs
				remote_addrs = $remote_addrs
				local_port = $local_port
				remote_port = $remote_port
				proposals = $ike_proposals
				rekey_time = $ike_rekey
				reauth_time = $reauth_time
				dpd_delay = $dpd_delay
				dpd_timeout = $dpd_timeout
				encap = $encap
				mobike = $mobike
				keyingtries = $keyingtries
				local {
					auth = psk
					id = $local_id
				}
				remote {
					auth = psk
					id = $remote_id
				}
				children {
					$name {
						mode = $mode
						local_ts = $local_ts
						remote_ts = $remote_ts
						esp_proposals = $esp_proposals
						rekey_time = $child_rekey
						${child_life:+life_time = $child_life}
						dpd_action = $dpd_action
						start_action = $start_action
						close_action = $close_action
					}
				}
			}
		}
		secrets {
			ike-$name {
				id-local = $local_id
				id-remote = $remote_id
				secret = "$psk"
			}
		}
	EOF
}

# Loads every connection and secret of DIR (and unloads removed ones).
charon_load() {
	local dir=$1 out

	if ! out=$(charon_swanctl "$dir" --load-all --noprompt 2>&1); then
		interop_err "swanctl --load-all failed for $dir:"
		echo "$out" >&2
		return 1
	fi
}

# charon_initiate DIR CHILD [TIMEOUT]: blocks until the CHILD SA is up.
charon_initiate() {
	local dir=$1 child=$2 timeout=${3:-15} out

	if ! out=$(charon_swanctl "$dir" --initiate --child "$child" \
	    --timeout "$timeout" 2>&1); then
		interop_err "initiating $child from $dir failed:"
		echo "$out" | tail -n 20 >&2
		return 1
	fi
}

# charon_terminate DIR IKE: deletes the IKE SA (and its CHILD SAs).
charon_terminate() {
	local dir=$1 ike=$2

	charon_swanctl "$dir" --terminate --ike "$ike" --timeout 10 >/dev/null
}

# charon_sas DIR [swanctl args]: the SAs, e.g. charon_sas DIR --raw.
charon_sas() {
	local dir=$1

	shift
	charon_swanctl "$dir" --list-sas "$@"
}

# charon_wait DIR NAME STATE [SECONDS]: until --list-sas --ike NAME shows
# STATE (ESTABLISHED, INSTALLED, ...), or fails after SECONDS (10).
charon_wait() {
	local dir=$1 name=$2 state=$3 secs=${4:-10}

	for _ in $(seq $((secs * 10))); do
		charon_sas "$dir" --ike "$name" 2>/dev/null | grep -qw "$state" &&
			return 0
		sleep 0.1
	done
	interop_err "$dir: $name never reached $state; SAs now:"
	charon_sas "$dir" >&2
	return 1
}

# charon_gone DIR NAME [SECONDS]: until charon has no IKE SA NAME.
charon_gone() {
	local dir=$1 name=$2 secs=${3:-10}

	for _ in $(seq $((secs * 10))); do
		charon_sas "$dir" --ike "$name" 2>/dev/null |
			grep -q "^$name:" || return 0
		sleep 0.1
	done
	interop_err "$dir: IKE SA $name still there after $secs s"
	return 1
}

# Pid of the charon of DIR, if it runs.
charon_pid() {
	local pid

	pid=$(cat "$1/pid" 2>/dev/null) || return 1
	kill -0 "$pid" 2>/dev/null || return 1
	echo "$pid"
}

# SIGTERM, then wait up to 5 s for it to go.
charon_stop() {
	local dir=$1 pid

	pid=$(charon_pid "$dir") || return 0
	kill -TERM "$pid"
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		interop_err "charon $pid ($dir) ignored SIGTERM"
		return 1
	fi
	wait "$pid" 2>/dev/null
	return 0
}

# SIGKILL: the peer is gone without a word (for DPD tests).
charon_kill() {
	local dir=$1 pid

	pid=$(charon_pid "$dir") || return 0
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	return 0
}

# The last lines of DIR's charon log, for a failure report.
charon_log_tail() {
	local dir=$1 n=${2:-40}

	echo "--- $dir/charon.log (last $n lines):" >&2
	tail -n "$n" "$dir/charon.log" >&2 2>/dev/null
}
