# shellcheck shell=bash
# tests/vm/pluto.sh: helpers for scenarios with libreswan's pluto as
# tunshd's peer, one pluto per network namespace with its own config,
# secrets, NSS database, control socket and log.  Source it after lib.sh:
#     . "$TUNSH_TOP/tests/vm/lib.sh"
#     . "$TUNSH_TOP/tests/vm/pluto.sh"
# libreswan is not installed on the host (it conflicts with strongSwan);
# run.sh lays BUILD/vm-libreswan/root (tests/vm/fetch-libreswan.sh) over
# the guest's / for scenarios named pluto_*.
#
# pluto runs AS SHIPPED: libreswan's defaults for everything but what
# names the peers (left/right, subnets, the PSK).  IKEv2 needs no setting
# in libreswan 4.x (ikev2=yes is the default); a scenario that changes a
# default says so in its name (pluto_rekey_short_lifetimes).

VM_PLUTO_EXEC=${VM_PLUTO_EXEC:-/usr/libexec/ipsec}

# vm_pluto_need: fails early, with the fix, when libreswan is missing.
vm_pluto_need() {
	{ [ -x "$VM_PLUTO_EXEC/pluto" ] && command -v certutil >/dev/null; } ||
		vm_fail "libreswan missing in the guest: run tests/vm/fetch-libreswan.sh BUILD (the scenario's name must start with pluto_)"
}

# vm_pluto_conf: ipsec.conf for pluto in b facing tunshd in a, with
# libreswan's defaults except the peers.  Settings from variables:
#   PLUTO_AUTO  auto=       (add: wait for tunshd; start: initiate)
#   PLUTO_CONN  extra lines for conn site (non-default options)
#   PLUTO_LEFTSUBNET, PLUTO_RIGHTSUBNET (10.2.0.0/24, 10.1.0.0/24)
#   PLUTO_RIGHT, PLUTO_RIGHTID  tunshd's address and ID (192.0.2.1 both;
#               right=%any answers whoever comes, e.g. from behind a NAT)
vm_pluto_conf() {
	cat <<EOT
config setup
	# The log goes to --logfile; pluto's own debug stays off (default).

conn site
	authby=secret
	left=192.0.2.2
	leftid=192.0.2.2
	leftsubnet=${PLUTO_LEFTSUBNET:-10.2.0.0/24}
	right=${PLUTO_RIGHT:-192.0.2.1}
	rightid=${PLUTO_RIGHTID:-192.0.2.1}
	rightsubnet=${PLUTO_RIGHTSUBNET:-10.1.0.0/24}
	auto=${PLUTO_AUTO:-add}
${PLUTO_CONN:-}
EOT
}

# vm_pluto_start NAME NS: starts pluto in namespace NS with
# $VM_WORK/NAME/ipsec.conf from stdin, ipsec.secrets holding
# PLUTO_PSK (default tunsh's test key; it must be set for
# vm_pluto_start, not only for vm_pluto_conf at the head of the
# pipeline: export it) for each of PLUTO_IDS (192.0.2.2; a list, e.g.
# pluto's IPv4 and IPv6 addresses) and any peer, a fresh NSS database
# and its control socket pluto.ctl there; waits for the socket, then
# loads the conns with auto=add or start (addconn, as "ipsec auto --add"
# does).
vm_pluto_start() {
	local name=$1 ns=$2 dir=$VM_WORK/$1 id
	mkdir -p "$dir/nss" "$dir/ipsec.d"
	cat >"$dir/ipsec.conf"
	for id in ${PLUTO_IDS:-192.0.2.2}; do
		printf '%s %%any : PSK "%s"\n' "$id" \
			"${PLUTO_PSK:-vm-test-psk-not-secret-0123456789}"
	done >"$dir/ipsec.secrets"
	chmod 600 "$dir/ipsec.secrets"
	[ -f "$dir/nss/cert9.db" ] ||
		certutil -N -d "sql:$dir/nss" --empty-password >"$dir/nss.out" 2>&1 ||
		vm_fail "certutil -N for pluto $name: $(cat "$dir/nss.out")"
	echo "$ns" >"$dir/ns"
	vm_pluto_run "$name"
	vm_pluto_add "$name"
}

# vm_pluto_run NAME: (re)starts pluto NAME as vm_pluto_start set it up
# and waits for its control socket.
vm_pluto_run() {
	local name=$1 dir=$VM_WORK/$1
	rm -f "$dir/pluto.ctl" "$dir/pluto.pid"
	ip netns exec "$(cat "$dir/ns")" "$VM_PLUTO_EXEC/pluto" --nofork \
		--config "$dir/ipsec.conf" --rundir "$dir" \
		--secretsfile "$dir/ipsec.secrets" --ipsecdir "$dir/ipsec.d" \
		--nssdir "$dir/nss" --dumpdir "$dir" --logfile "$dir/pluto.log" \
		>>"$dir/stdout" 2>&1 &
	echo $! >"$dir/pid"
	vm_wait 20 "pluto $name created its control socket" test -S "$dir/pluto.ctl"
}

# vm_pluto_add NAME: loads conn site (and, with auto=start, initiates it).
vm_pluto_add() {
	local dir=$VM_WORK/$1
	ip netns exec "$(cat "$dir/ns")" "$VM_PLUTO_EXEC/addconn" \
		--config "$dir/ipsec.conf" --ctlsocket "$dir/pluto.ctl" --autoall \
		>"$dir/addconn.out" 2>&1 ||
		vm_fail "addconn for pluto $1: $(cat "$dir/addconn.out")"
}

# vm_pluto_add_conn NAME CONN: loads CONN of pluto NAME's ipsec.conf
# (whatever its auto=), e.g. one left out at the start with auto=ignore.
vm_pluto_add_conn() {
	local dir=$VM_WORK/$1
	ip netns exec "$(cat "$dir/ns")" "$VM_PLUTO_EXEC/addconn" \
		--config "$dir/ipsec.conf" --ctlsocket "$dir/pluto.ctl" "$2" \
		>"$dir/addconn.out" 2>&1 ||
		vm_fail "addconn $2 for pluto $1: $(cat "$dir/addconn.out")"
}

# vm_pluto_del_conn NAME CONN: unloads CONN from pluto NAME.
vm_pluto_del_conn() {
	vm_whack "$1" --delete --name "$2" >/dev/null 2>&1 ||
		vm_fail "whack --delete $2 on pluto $1 refused"
}

# vm_pluto_conn_up NAME CONN: true once pluto NAME has an IPsec SA of
# CONN up (its traffic status names the conn in quotes).
vm_pluto_conn_up() {
	vm_pluto_sas "$1" | grep -q "\"$2\".*type=ESP"
}

# vm_plutos: the names of the plutos we started, from their directories
# (vm_pluto_start runs in a pipeline's subshell: no array).
vm_plutos() {
	local f
	for f in "$VM_WORK"/*/ipsec.conf; do
		[ -f "$f" ] || continue
		f=${f%/ipsec.conf}
		echo "${f##*/}"
	done
}

# vm_whack NAME ARGS...: whack talking to pluto NAME's control socket.
vm_whack() {
	local name=$1
	shift
	"$VM_PLUTO_EXEC/whack" --ctlsocket "$VM_WORK/$name/pluto.ctl" "$@"
}

# vm_pluto_up NAME CONN: initiates CONN without waiting for the outcome.
vm_pluto_up() {
	vm_whack "$1" --name "$2" --initiate --asynchronous >/dev/null 2>&1 ||
		vm_fail "whack --initiate $2 on pluto $1 refused"
}

# vm_pluto_sas NAME: pluto's traffic status (one line per IPsec SA).
vm_pluto_sas() {
	vm_whack "$1" --trafficstatus 2>/dev/null
}

# vm_pluto_child_spis NAME CONN: "IN OUT" of CONN's newest established
# IPsec SA, as pluto's --showstates shows it ("esp.OUT@PEER esp.IN@US");
# empty when there is none.
vm_pluto_child_spis() {
	vm_whack "$1" --showstates 2>/dev/null |
		awk -v c="\"$2\"" 'index($0, c) && /esp\./ {
			for (i = 1; i <= NF; i++) {
				if ($i ~ /^esp\.[0-9a-f]+@192\.0\.2\.1$/) o = $i
				if ($i ~ /^esp\.[0-9a-f]+@192\.0\.2\.2$/) n = $i
			}
		}
		END { sub(/^esp\./, "", o); sub(/@.*/, "", o)
			sub(/^esp\./, "", n); sub(/@.*/, "", n)
			# pluto drops leading zeros; the kernel has 8 digits.
			while (o != "" && length(o) < 8) o = "0" o
			while (n != "" && length(n) < 8) n = "0" n
			if (o != "" && n != "") print n, o }'
}

# vm_pluto_ike_serial NAME CONN: the serial (#N) of CONN's established
# IKE SA; it changes when the IKE SA is rekeyed.
vm_pluto_ike_serial() {
	vm_whack "$1" --showstates 2>/dev/null |
		awk -v c="\"$2\"" 'index($0, c) && /ESTABLISHED_IKE_SA/ {
			for (i = 1; i <= NF; i++)
				if ($i ~ /^#[0-9]+:$/) { s = $i; break }
			sub(/^#/, "", s); sub(/:$/, "", s); print s }' | tail -n 1
}

# vm_pluto_established NAME: true once pluto NAME has an IPsec SA up.
vm_pluto_established() {
	vm_pluto_sas "$1" | grep -q 'type=ESP'
}

# vm_pluto_wait NAME [SECONDS]: bounded wait for vm_pluto_established.
vm_pluto_wait() {
	vm_wait "${2:-15}" "pluto $1: an IPsec SA established" vm_pluto_established "$1"
}

# vm_pluto_kill NAME: KILL, as a crash; no delete reaches the peer.
vm_pluto_kill() {
	local dir=$VM_WORK/$1 pid
	pid=$(cat "$dir/pid")
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# vm_pluto_stop: TERM to every pluto we started, by pid; keeps the logs
# next to the scenario's (pluto-NAME.log).
vm_pluto_stop() {
	local n
	for n in $(vm_plutos); do
		kill "$(cat "$VM_WORK/$n/pid")" 2>/dev/null || true
		[ -z "${TUNSH_RESULT:-}" ] ||
			cp "$VM_WORK/$n/pluto.log" "$TUNSH_RESULT/pluto-$n.log" 2>/dev/null || true
	done
}

# vm_fail_extra: called by vm_fail: pluto's log tail, kept next to the
# scenario's log.
vm_fail_extra() {
	local n
	for n in $(vm_plutos); do
		echo "---- pluto $n log (last 60 lines)" >&2
		tail -n 60 "$VM_WORK/$n/pluto.log" >&2 2>/dev/null || true
		tail -n 5 "$VM_WORK/$n/stdout" >&2 2>/dev/null || true
		[ -z "${TUNSH_RESULT:-}" ] ||
			cp "$VM_WORK/$n/pluto.log" "$TUNSH_RESULT/pluto-$n.log" 2>/dev/null || true
	done
}

# vm_pluto_stop_all: the EXIT trap of pluto scenarios.
vm_pluto_stop_all() {
	vm_pluto_stop
	vm_stop_all
}
