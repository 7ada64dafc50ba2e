#!/usr/bin/env bash
# tests/interop/tunsh_vs_charon.sh: the tunsh IKE engine (ike_peer, in
# namespace 1) against strongSwan's charon (namespace 2) on real UDP
# sockets.  charon runs kernel-libipsec and fakes its NAT-D hash (lib.sh),
# so tunsh sees it behind a NAT and must float to UDP 4500 and ask for
# UDP-encapsulated SAs.  ike_peer's kernel only records SAs and policies
# (no ESP on this kernel); its state file says what it holds.
#
# Scenarios, each with a PASS or FAIL line (and on FAIL the reason and the
# tails of charon's log and ike_peer's log and state):
#   a  tunsh initiates, AES-GCM-256 / X25519
#   b  charon initiates, AES-CBC-256 / SHA-256 / MODP-2048
#   c  PSK mismatch, tunsh initiating, then charon initiating
#   d  CHILD rekey by tunsh, by charon; IKE rekey by tunsh, by charon
#   e  DPD restart: charon killed, then back
#   g  commands: SIGUSR2 renegotiates, SIGUSR1 initiates a responder
#   f  networks refused by charon: retried with backoff
#   h  no common proposal: IKE both ways, ESP both ways
#   i  INVALID_KE_PAYLOAD: charon wants MODP-2048, tunsh retries with it
#   j  reauthentication by tunsh, make-before-break
#   k  CHILD rekey by both at once (RFC 7296 2.8.1)
#   l  DPD clear (stays down) and hold (back on an ACQUIRE)
#   m  IKE over IPv6 carrying IPv4 and IPv6 networks; IPv6 inside IPv4
#
# Use: tunsh_vs_charon.sh PATH/TO/ike_peer [SCENARIO...]   (as root)
# Exits 0 when every scenario passed, 1 on a failure, 77 when it cannot
# run here (not root, no charon) unless CI=true, where that fails too.
#
# The scenario functions are called through run() and the cleanup by the
# EXIT trap, which shellcheck cannot follow.
# shellcheck disable=SC2317
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/interop/lib.sh
. "$here/lib.sh"

peer_bin=${1:-}
shift || true
only=("$@")
PEER_PID=
PEER_STATE=
PEER_ERR=
why=
failed=0
log_mark=0

# Cannot run: a visible skip, except in CI where nothing may be skipped.
cannot_run() {
	if [ "${CI:-}" = true ]; then
		echo "FAIL: cannot run: $*" >&2
		exit 1
	fi
	echo "SKIP: $*" >&2
	exit 77
}

cleanup() {
	peer_kill
	interop_cleanup
}

if [ -z "$peer_bin" ] || [ ! -x "$peer_bin" ]; then
	cannot_run "usage: $0 PATH/TO/ike_peer (not found: '${peer_bin}')"
fi
interop_setup
rc=$?
[ "$rc" = 77 ] && cannot_run "no root or no strongSwan here"
[ "$rc" = 0 ] || { echo "FAIL: could not set up the namespaces" >&2; exit 1; }
trap cleanup EXIT
c=$INTEROP_DIR/charon
net1=10.1.0.0/24
net2=10.2.0.0/24
psk=interop-psk-7d1c
# kernel-libipsec routes the remote network via a local address in it.
ip -n "$NS1" addr add 10.1.0.1/32 dev lo || exit 1
ip -n "$NS2" addr add 10.2.0.1/32 dev lo || exit 1
ip -n "$NS2" addr add 2001:db8:2::1/128 dev lo nodad || exit 1
charon_start "$NS2" "$c" || { echo "FAIL: charon did not start" >&2; exit 1; }

# --- ike_peer --------------------------------------------------------------

# peer_start TAG ARGS...: ike_peer in NS1 for tunnel t towards charon.
peer_start() {
	local tag=$1

	shift
	PEER_STATE=$INTEROP_DIR/$tag.state
	PEER_ERR=$INTEROP_DIR/$tag.err
	rm -f "$PEER_STATE"
	ip netns exec "$NS1" "$peer_bin" --name t --local "${PEER_LOCAL:-$ADDR1}" \
		--remote "${PEER_REMOTE:-$ADDR2}" --local-net "${PEER_LNET:-$net1}" \
		--remote-net "${PEER_RNET:-$net2}" \
		--state "$PEER_STATE" --verbose "$@" 2>"$PEER_ERR" &
	PEER_PID=$!
}

# SIGTERM: ike_peer deletes its SAs at the peer and exits 0; its exit
# status (a sanitizer's report makes it non-zero), 137 if it had to be
# killed.
peer_stop() {
	local rc

	[ -n "$PEER_PID" ] || return 0
	kill -TERM "$PEER_PID" 2>/dev/null
	for _ in $(seq 30); do
		kill -0 "$PEER_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$PEER_PID" 2>/dev/null
	wait "$PEER_PID"
	rc=$?
	PEER_PID=
	return "$rc"
}

peer_kill() {
	[ -n "$PEER_PID" ] || return 0
	kill -KILL "$PEER_PID" 2>/dev/null
	wait "$PEER_PID" 2>/dev/null
	PEER_PID=
}

peer_signal() {
	kill "-$1" "$PEER_PID"
}

# peer_grep ERE: a line of the state file matches.
peer_grep() {
	grep -Eq "$1" "$PEER_STATE" 2>/dev/null
}

# peer_event NAME: how many times the event happened (0 if unknown).
peer_event() {
	awk -v n="$1" '$1 == "event" && $2 == n { print $3; f = 1 }
		END { if (!f) print 0 }' "$PEER_STATE" 2>/dev/null
}

# The IKE SAs: "spi_i spi_r state" per line.
peer_ike() {
	awk '$1 == "ike" { print $2, $3, $4 }' "$PEER_STATE" 2>/dev/null
}

# The CHILD SAs: "spi_in spi_out" per line.
peer_child() {
	awk '$1 == "child" { print $2, $3 }' "$PEER_STATE" 2>/dev/null
}

# The kernel SAs: "dst spi enc_alg encap=N auth=..." per line, sorted.
peer_kernel_sas() {
	awk '$1 == "kernel-sa" { print $2, $3, $4, $5, $7 }' \
		"$PEER_STATE" 2>/dev/null | sort
}

peer_up() {
	peer_grep '^tunnel state up$'
}

# --- charon ------------------------------------------------------------------

# charon_conf KEY=VALUE...: connection t towards tunsh, then loaded.
charon_conf() {
	charon_conn "$c" t local_addrs="$ADDR2" remote_addrs="$ADDR1" \
		psk="$psk" local_ts="$net2" remote_ts="$net1" "$@" &&
		charon_load "$c"
}

# The IKE SAs t, in any state: "spi_i spi_r STATE" per line.
charon_ike() {
	charon_sas "$c" --ike t 2>/dev/null | sed -nE \
		's/^t: #[0-9]+, ([A-Z_]+), IKEv2, ([0-9a-f]+)_i\*? ([0-9a-f]+)_r\*?$/\2 \3 \1/p'
}

# The CHILD SAs, in any state: "spi_in spi_out STATE" per line.
charon_child() {
	charon_sas "$c" --ike t 2>/dev/null | awk '
		/^  [^ ].*reqid/ { st = $5; sub(",", "", st) }
		$1 == "in" { sub(",", "", $2); spi_in = $2 }
		$1 == "out" { sub(",", "", $2); print spi_in, $2, st }'
}

# charon_log_has ERE: a line of charon's log since the scenario began
# (charon restarted: the new log).
charon_log_lines() {
	if [ "$(wc -l <"$c/charon.log")" -lt "$log_mark" ]; then
		cat "$c/charon.log"
	else
		tail -n +"$log_mark" "$c/charon.log"
	fi
}

# (grep without -q: under pipefail, a grep that quits at the first match
# can kill the writer with SIGPIPE and fail the pipeline.)
charon_log_has() {
	charon_log_lines | grep -E "$1" >/dev/null
}

# charon_says TEXT: --list-sas for t shows TEXT.
charon_says() {
	charon_sas "$c" --ike t 2>/dev/null | grep -- "$1" >/dev/null
}

# --- scenario plumbing ---------------------------------------------------------

# wait_for SECONDS COMMAND...: until COMMAND succeeds (every 0.2 s).
wait_for() {
	local secs=$1

	shift
	for _ in $(seq $((secs * 5))); do
		"$@" && return 0
		sleep 0.2
	done
	"$@"
}

nope() {
	why=$*
	return 1
}

# Both sides hold one IKE SA, established, with the same SPIs, and one
# CHILD SA, installed, with the SPIs swapped (our in is charon's out):
# nothing rekeyed or half-deleted left over on either side.
agree() {
	local ti tc ci cc

	ti=$(peer_ike)
	tc=$(peer_child)
	ci=$(charon_ike | awk '{ print $1, $2, tolower($3) }')
	cc=$(charon_child | awk '{ print $2, $1, $3 }')
	[ "$(wc -l <<<"$ti")" = 1 ] && [ "${ti##* }" = established ] ||
		nope "tunsh: not one established IKE SA: '$ti'" || return 1
	[ "$ti" = "$ci" ] ||
		nope "IKE SAs differ: tunsh '$ti', charon '$ci'" || return 1
	[ -n "$tc" ] && [ "$(wc -l <<<"$tc")" = 1 ] ||
		nope "tunsh: not one CHILD SA: '$tc'" || return 1
	[ "$tc INSTALLED" = "$cc" ] ||
		nope "CHILD SAs differ: tunsh in/out '$tc', charon out/in '$cc'" ||
		return 1
}

# The recording kernel holds exactly the CHILD SA's two SAs, in UDP.
kernel_holds() {
	local enc=$1 auth=$2 tc want got

	tc=$(peer_child)
	want=$(printf '%s %s %s encap=1 auth=%s\n' \
		"$ADDR1" "${tc% *}" "$enc" "$auth" \
		"$ADDR2" "${tc#* }" "$enc" "$auth" | sort)
	got=$(peer_kernel_sas)
	[ "$want" = "$got" ] ||
		nope "kernel SAs: want '$want', have '$got'"
}

settled() {
	peer_up && agree 2>/dev/null
}

# Scenario failure report: the reason, then what both sides said.
report() {
	echo "    reason: $why" >&2
	echo "--- charon.log (this scenario, last 40 lines):" >&2
	charon_log_lines 2>/dev/null | tail -n 40 >&2
	echo "--- charon SAs:" >&2
	charon_sas "$c" >&2 2>&1
	echo "--- ike_peer stderr (last 30 lines):" >&2
	tail -n 30 "$PEER_ERR" >&2 2>/dev/null
	echo "--- ike_peer state:" >&2
	grep -v '^event .* 0$' "$PEER_STATE" >&2 2>/dev/null
}

# run ID TITLE FUNCTION: one scenario on a clean slate.
run() {
	local id=$1 title=$2 fn=$3 t0=$SECONDS rc

	if [ "${#only[@]}" -gt 0 ] && [[ " ${only[*]} " != *" $id "* ]]; then
		return 0
	fi
	why=
	log_mark=$(($(wc -l <"$c/charon.log" 2>/dev/null || echo 0) + 1))
	if "$fn"; then
		why= # what a wait_for's failed tries said
		peer_stop
		rc=$?
		[ "$rc" = 0 ] || why="ike_peer exited with status $rc on SIGTERM"
	else
		: "${why:=the scenario failed without saying why}"
	fi
	if [ -z "$why" ]; then
		echo "PASS: $id. $title ($((SECONDS - t0)) s)"
	else
		echo "FAIL: $id. $title ($((SECONDS - t0)) s)"
		report
		failed=1
	fi
	peer_stop 2>/dev/null
	if charon_pid "$c" >/dev/null; then
		charon_terminate "$c" t 2>/dev/null
		charon_gone "$c" t 5 2>/dev/null
	else
		charon_start "$NS2" "$c" # a scenario killed it and failed
	fi
}

# peer_tx: datagrams ike_peer has sent so far.
peer_tx() {
	sed -nE 's/^counters rx=[0-9]+ tx=([0-9]+) .*/\1/p' "$PEER_STATE" \
		2>/dev/null
}

# peer_sent_since TX: ike_peer has sent more than TX datagrams.
peer_sent_since() {
	[ "$(peer_tx)" -gt "$1" ]
}

# The tunnel's state line, for messages.
peer_tunnel() {
	sed -n 's/^tunnel state //p' "$PEER_STATE" 2>/dev/null
}

# --- scenarios -----------------------------------------------------------------

gcm_ike=aes256gcm16-prfsha256-x25519
cbc_ike=aes256-sha256-modp2048

scn_a() {
	charon_conf ike_proposals="$gcm_ike" esp_proposals=aes256gcm16 ||
		nope "charon config" || return 1
	peer_start a --initiator --psk "$psk" --ike "$gcm_ike" --esp aes256gcm16
	wait_for 10 peer_up || nope "tunsh: tunnel not up in 10 s" || return 1
	charon_wait "$c" t INSTALLED 5 2>/dev/null ||
		nope "charon: no INSTALLED CHILD SA" || return 1
	agree || return 1
	peer_grep '^ike .* established AES_GCM_16_256/PRF_HMAC_SHA2_256/CURVE_25519 initiator=1 .*:4500 ' ||
		nope "tunsh: IKE SA not AES-GCM-256/X25519 initiator on 4500" ||
		return 1
	charon_says 'AES_GCM_16-256/PRF_HMAC_SHA2_256/CURVE_25519' &&
		charon_says 'INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-256$' ||
		nope "charon: not AES-GCM-256/X25519 in UDP" || return 1
	kernel_holds 'rfc4106(gcm(aes))' -
}

scn_b() {
	charon_conf ike_proposals="$cbc_ike" esp_proposals=aes256-sha256 ||
		nope "charon config" || return 1
	peer_start b --responder --psk "$psk" --ike "$cbc_ike" \
		--esp aes256-sha256
	sleep 0.5 # its sockets bound
	charon_initiate "$c" t 10 2>/dev/null ||
		nope "charon: initiating failed" || return 1
	wait_for 5 peer_up || nope "tunsh: tunnel not up" || return 1
	agree || return 1
	peer_grep '^ike .* established AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048 initiator=0 ' ||
		nope "tunsh: IKE SA not AES-CBC-256/SHA-256/MODP-2048 responder" ||
		return 1
	charon_says 'AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048' &&
		charon_says 'ESP:AES_CBC-256/HMAC_SHA2_256_128$' ||
		nope "charon: not AES-CBC-256/SHA-256/MODP-2048" || return 1
	kernel_holds 'cbc(aes)' 'hmac(sha256)'
}

psk_msg='^error authentication failed: the pre-shared keys \(or IDs\) do not match$'

# Failed, said so, and nothing reached the kernel.
psk_refused() {
	wait_for 10 peer_grep "$psk_msg" ||
		nope "tunsh: no PSK mismatch error" || return 1
	[ "$(peer_event authentication_failed)" -ge 1 ] ||
		nope "tunsh: no authentication_failed event" || return 1
	peer_grep '^kernel-ops .* sa_add=0 ' && [ -z "$(peer_kernel_sas)" ] ||
		nope "tunsh: kernel SAs despite failed authentication" ||
		return 1
	! peer_up || nope "tunsh: tunnel up with a wrong PSK" || return 1
	! charon_ike | grep ESTABLISHED >/dev/null ||
		nope "charon: IKE SA established" || return 1
}

scn_c() {
	charon_conf ike_proposals="$gcm_ike" esp_proposals=aes256gcm16 ||
		nope "charon config" || return 1
	# tunsh initiates: charon answers AUTHENTICATION_FAILED.
	peer_start c1 --initiator --psk wrong-psk --ike "$gcm_ike" \
		--esp aes256gcm16
	psk_refused || { why="tunsh initiating: $why"; return 1; }
	charon_log_has 'MAC mismatched|AUTHENTICATION_FAILED' ||
		nope "tunsh initiating: charon's log does not say why" ||
		return 1
	peer_stop || nope "ike_peer exited with status $? on SIGTERM" ||
		return 1
	# charon initiates: tunsh refuses charon's AUTH.
	peer_start c2 --responder --psk wrong-psk --ike "$gcm_ike" \
		--esp aes256gcm16
	sleep 0.5
	if charon_initiate "$c" t 5 2>/dev/null; then
		nope "charon initiating: charon says it succeeded"
		return 1
	fi
	psk_refused || { why="charon initiating: $why"; return 1; }
	charon_log_has "received AUTHENTICATION_FAILED" ||
		nope "charon initiating: charon did not get AUTHENTICATION_FAILED" ||
		return 1
}

# The tunnel up with the GCM suite; $1 = who initiates, rest to ike_peer.
up_gcm() {
	local who=$1 tag=$2

	shift 2
	if [ "$who" = tunsh ]; then
		peer_start "$tag" --initiator --psk "$psk" --ike "$gcm_ike" \
			--esp aes256gcm16 "$@"
	else
		peer_start "$tag" --responder --psk "$psk" --ike "$gcm_ike" \
			--esp aes256gcm16 "$@"
		sleep 0.5
		charon_initiate "$c" t 10 2>/dev/null ||
			nope "charon: initiating failed" || return 1
	fi
	wait_for 10 settled || { agree; nope "not up: ${why:-tunsh not up}"; } ||
		return 1
}

# child_rekeyed OLD_IKE OLD_CHILD SECS: new CHILD SPIs, same IKE SA.
child_rekeyed() {
	local ike=$1 child=$2 secs=$3

	wait_for "$secs" child_rekey_done "$child" ||
		nope "no CHILD rekey within $secs s (events: rekeyed" \
			"$(peer_event child_sa_rekeyed); CHILD SAs '$(peer_child)')" ||
		return 1
	# charon keeps a rekeyed SA's inbound half 5 s (delete_rekeyed_delay).
	wait_for 8 settled || { agree; return 1; }
	[ "$(peer_ike | awk '{ print $1, $2 }')" = "$ike" ] ||
		nope "IKE SA changed: was '$ike', now '$(peer_ike)'" || return 1
	kernel_holds 'rfc4106(gcm(aes))' - || { why="old SAs left: $why"; return 1; }
}

child_rekey_done() {
	local tc

	tc=$(peer_child)
	[ "$(peer_event child_sa_rekeyed)" -ge 1 ] && [ -n "$tc" ] &&
		[ "$tc" != "$1" ] && [ "$(wc -l <<<"$tc")" = 1 ]
}

# ike_rekeyed OLD_IKE OLD_CHILD SECS: new IKE SPIs, the CHILD SA kept.
ike_rekeyed() {
	local ike=$1 child=$2 secs=$3

	wait_for "$secs" ike_rekey_done "$ike" ||
		nope "no IKE rekey within $secs s (events: rekeyed" \
			"$(peer_event ike_sa_rekeyed); IKE SAs '$(peer_ike)')" ||
		return 1
	# charon keeps a rekeyed SA's inbound half 5 s (delete_rekeyed_delay).
	wait_for 8 settled || { agree; return 1; }
	[ "$(peer_child)" = "$child" ] ||
		nope "CHILD SA changed: was '$child', now '$(peer_child)'" ||
		return 1
	[ "$(peer_event child_sa_rekeyed)" = 0 ] ||
		nope "a CHILD rekey happened too" || return 1
	kernel_holds 'rfc4106(gcm(aes))' -
}

ike_rekey_done() {
	local ti

	ti=$(peer_ike)
	[ "$(peer_event ike_sa_rekeyed)" -ge 1 ] && [ -n "$ti" ] &&
		[ "$(wc -l <<<"$ti")" = 1 ] && [ "${ti% *}" != "$1" ]
}

# d1: tunsh's CHILD lifetime 20 s, rekeyed at 80-90 % of it.
scn_d1() {
	local ike child

	charon_conf ike_proposals="$gcm_ike" esp_proposals=aes256gcm16 ||
		nope "charon config" || return 1
	up_gcm tunsh d1 --child-lifetime 20 || return 1
	ike=$(peer_ike | awk '{ print $1, $2 }')
	child=$(peer_child)
	child_rekeyed "$ike" "$child" 22 || return 1
	charon_log_has 'parsed CREATE_CHILD_SA request .*N\(REKEY_SA\)' ||
		nope "charon's log does not show tunsh's rekey request"
}

# d2: charon's CHILD rekey_time 10 s, tunsh's lifetime 1 h.  life_time
# is explicit (charon rekeys between life - rekey and rekey, so 8-10 s):
# its 110 % default rounds to whole seconds, and at 8 s it equals
# rekey_time, so charon lets the SA expire and creates a new one instead.
scn_d2() {
	local ike child

	charon_conf ike_proposals="$gcm_ike" esp_proposals=aes256gcm16 \
		child_rekey=10s child_life=12s || nope "charon config" || return 1
	up_gcm charon d2 || return 1
	ike=$(peer_ike | awk '{ print $1, $2 }')
	child=$(peer_child)
	child_rekeyed "$ike" "$child" 15 || return 1
	charon_log_has 'generating CREATE_CHILD_SA request .*N\(REKEY_SA\)' ||
		nope "charon's log does not show charon rekeying"
}

# d3: tunsh's IKE lifetime 20 s.
scn_d3() {
	local ike child

	charon_conf ike_proposals="$gcm_ike" esp_proposals=aes256gcm16 ||
		nope "charon config" || return 1
	up_gcm tunsh d3 --ike-lifetime 20 || return 1
	ike=$(peer_ike | awk '{ print $1, $2 }')
	child=$(peer_child)
	ike_rekeyed "$ike" "$child" 22 || return 1
	charon_log_has 'parsed CREATE_CHILD_SA request .*\[ SA No KE \]' ||
		nope "charon's log does not show tunsh's IKE rekey request"
}

# d4: charon's IKE rekey_time 10 s, tunsh's lifetime 4 h.  Not less:
# charon's hard limit is rekey_time plus 10 % in whole seconds, and at 8 s
# it fires with the rekey, and charon deletes the new IKE SA too.
scn_d4() {
	local ike child

	charon_conf ike_proposals="$gcm_ike" esp_proposals=aes256gcm16 \
		ike_rekey=10s || nope "charon config" || return 1
	up_gcm charon d4 || return 1
	ike=$(peer_ike | awk '{ print $1, $2 }')
	child=$(peer_child)
	ike_rekeyed "$ike" "$child" 15 || return 1
	charon_log_has 'generating CREATE_CHILD_SA request .*\[ SA No KE \]' ||
		nope "charon's log does not show charon's IKE rekey request" ||
		return 1
	# Still one IKE SA a little later: charon kept the new one.
	sleep 2
	settled || nope "after the rekey: ${why:-tunsh not up}"
}

peer_down_after_dpd() {
	[ "$(peer_event dpd_timeout)" -ge 1 ] && ! peer_up
}

scn_e() {
	charon_conf ike_proposals="$gcm_ike" esp_proposals=aes256gcm16 ||
		nope "charon config" || return 1
	up_gcm tunsh e --dpd-timeout 3 --dpd-delay 5 --dpd-action restart ||
		return 1
	charon_kill "$c"
	# Silence for 3 s, then 5 s for an answer that does not come.
	wait_for 15 peer_down_after_dpd ||
		nope "no DPD timeout within 15 s of charon's death" || return 1
	peer_grep '^history [0-9]+ dpd_action DPD restart' ||
		nope "no DPD restart action recorded" || return 1
	# A while away, so that tunsh's new IKE_SA_INIT goes unanswered and
	# it must retransmit and keep trying.
	sleep 4
	peer_grep '^tunnel state connecting$' ||
		nope "tunsh not renegotiating while charon is away" || return 1
	[ "$(peer_event ike_sa_established)" = 1 ] ||
		nope "tunsh established an IKE SA with nobody" || return 1
	charon_start "$NS2" "$c" && charon_load "$c" ||
		nope "charon did not start again" || return 1
	# Renegotiation retries with backoff (1, 2, 4 ... s).
	wait_for 30 settled ||
		{ agree; nope "not back up within 30 s of charon: $why"; } ||
		return 1
	[ "$(peer_ike | wc -l)" = 1 ] && [ "$(peer_event ike_sa_established)" = 2 ] ||
		nope "tunsh: not one new IKE SA: '$(peer_ike)'" || return 1
	kernel_holds 'rfc4106(gcm(aes))' -
}

# g: what the shell's commands do, by signal.  SIGUSR2 (terminate with
# restart): the IKE SA is deleted at charon and a new one negotiated.
# SIGUSR1 (initiate) on a tunnel set only to answer: it starts anyway.
scn_g() {
	local ike

	charon_conf ike_proposals="$gcm_ike" esp_proposals=aes256gcm16 ||
		nope "charon config" || return 1
	up_gcm tunsh g1 || return 1
	ike=$(peer_ike | awk '{ print $1, $2 }')
	peer_signal USR2
	wait_for 10 peer_grep '^event ike_sa_established 2$' ||
		nope "SIGUSR2: no second IKE SA" || return 1
	wait_for 8 settled || { agree; return 1; }
	[ "$(peer_ike | awk '{ print $1, $2 }')" != "$ike" ] ||
		nope "SIGUSR2: the IKE SA is the old one" || return 1
	charon_log_has "received DELETE for IKE_SA t" ||
		nope "SIGUSR2: charon got no Delete" || return 1
	kernel_holds 'rfc4106(gcm(aes))' - || return 1
	peer_stop || nope "ike_peer exited with status $? on SIGTERM" ||
		return 1
	charon_gone "$c" t 5 2>/dev/null || nope "charon kept the IKE SA" ||
		return 1
	peer_start g2 --responder --psk "$psk" --ike "$gcm_ike" \
		--esp aes256gcm16
	sleep 1
	peer_grep '^tunnel state waiting for peer$' ||
		nope "responder: not waiting for the peer" || return 1
	peer_signal USR1
	wait_for 10 settled || { agree; nope "SIGUSR1: not up: $why"; } ||
		return 1
	peer_grep '^ike .* initiator=1 ' ||
		nope "SIGUSR1: tunsh is not the initiator" || return 1
}

# f: charon refuses tunsh's networks in IKE_AUTH.  tunsh must say so and
# retry with backoff (1, 2, 4 ... s), not every second: each try costs
# the peer a DH and a PSK check.
scn_f() {
	local n

	charon_conn "$c" t local_addrs="$ADDR2" remote_addrs="$ADDR1" \
		psk="$psk" local_ts=10.3.0.0/24 remote_ts="$net1" \
		ike_proposals="$gcm_ike" esp_proposals=aes256gcm16 &&
		charon_load "$c" || nope "charon config" || return 1
	peer_start f --initiator --psk "$psk" --ike "$gcm_ike" \
		--esp aes256gcm16
	wait_for 5 peer_grep '^error the peer refused our networks' ||
		nope "tunsh: no traffic selector error" || return 1
	sleep 8
	peer_grep '^kernel-ops .* sa_add=0 ' ||
		nope "tunsh: kernel SAs for refused networks" || return 1
	# Tries at 0, 1, 3, 7 s (and 15): at most 4 or 5 in 9 s.
	n=$(peer_event traffic_selectors_unacceptable)
	[ "$n" -le 5 ] ||
		nope "tunsh: $n attempts in about 9 s: no backoff" || return 1
}

no_prop_ike='^error no common IKE proposal:'
no_prop_esp='^error no common ESP proposal:'

# Refused, said so (the error matching $1), nothing in the kernel.
no_proposal() {
	wait_for 5 peer_grep "$1" ||
		nope "tunsh: no error like '$1' (error: $(sed -n 's/^error //p' \
			"$PEER_STATE" 2>/dev/null))" || return 1
	[ "$(peer_event no_proposal_chosen)" -ge 1 ] ||
		nope "tunsh: no no_proposal_chosen event" || return 1
	peer_grep '^kernel-ops .* sa_add=0 ' ||
		nope "tunsh: kernel SAs without a common proposal" || return 1
	! peer_up || nope "tunsh: tunnel up without a common proposal"
}

# h: charon takes only AES-CBC-128/SHA-1/MODP-2048 (IKE) or, with IKE
# matching, only AES-CBC-128/SHA-1 (ESP); tunsh offers AES-GCM-256.
scn_h() {
	local esp_ok=aes256gcm16 esp_no=aes128-sha1

	charon_conf ike_proposals=aes128-sha1-modp2048 esp_proposals="$esp_no" ||
		nope "charon config" || return 1
	peer_start h1 --initiator --psk "$psk" --ike "$gcm_ike" --esp "$esp_ok"
	no_proposal "$no_prop_ike the peer accepts none of ours \(AES_GCM_16_256/PRF_HMAC_SHA2_256/CURVE_25519\)\$" ||
		{ why="IKE, tunsh initiating: $why"; return 1; }
	charon_log_has 'generating IKE_SA_INIT response 0 \[ N\(NO_PROP\) \]' ||
		nope "IKE, tunsh initiating: charon did not answer NO_PROPOSAL_CHOSEN" ||
		return 1
	peer_stop || nope "ike_peer exited with status $? on SIGTERM" ||
		return 1
	peer_start h2 --responder --psk "$psk" --ike "$gcm_ike" --esp "$esp_ok"
	sleep 0.5
	! charon_initiate "$c" t 5 2>/dev/null ||
		nope "IKE, charon initiating: charon says it succeeded" ||
		return 1
	no_proposal "$no_prop_ike the peer offered AES_CBC_128/[^;]*MODP_2048; we accept AES_GCM_16_256/PRF_HMAC_SHA2_256/CURVE_25519\$" ||
		{ why="IKE, charon initiating: $why"; return 1; }
	peer_stop || nope "ike_peer exited with status $? on SIGTERM" ||
		return 1
	# IKE agrees, ESP does not: the refusal comes in IKE_AUTH.
	charon_conf ike_proposals="$gcm_ike" esp_proposals="$esp_no" ||
		nope "charon config" || return 1
	peer_start h3 --initiator --psk "$psk" --ike "$gcm_ike" --esp "$esp_ok"
	no_proposal "$no_prop_esp the peer accepts none of ours \(AES_GCM_16_256\)\$" ||
		{ why="ESP, tunsh initiating: $why"; return 1; }
	charon_log_has 'no acceptable proposal found' ||
		nope "ESP, tunsh initiating: charon's log does not say why" ||
		return 1
	peer_stop || nope "ike_peer exited with status $? on SIGTERM" ||
		return 1
	charon_terminate "$c" t 2>/dev/null
	charon_gone "$c" t 5 2>/dev/null || nope "charon kept an IKE SA" ||
		return 1
	peer_start h4 --responder --psk "$psk" --ike "$gcm_ike" --esp "$esp_ok"
	sleep 0.5
	! charon_initiate "$c" t 5 2>/dev/null ||
		nope "ESP, charon initiating: charon says it succeeded" ||
		return 1
	no_proposal "$no_prop_esp the peer offered AES_CBC_128/HMAC_SHA1_96[^;]*; we accept AES_GCM_16_256\$" ||
		{ why="ESP, charon initiating: $why"; return 1; }
}

# i: tunsh's key exchange is X25519, its proposal also has MODP-2048,
# charon takes only MODP-2048: INVALID_KE_PAYLOAD, one retry, up.
scn_i() {
	local ike=aes256gcm16-prfsha256-modp2048

	charon_conf ike_proposals="$ike" esp_proposals=aes256gcm16 ||
		nope "charon config" || return 1
	peer_start i --initiator --psk "$psk" --ike "$gcm_ike-modp2048" \
		--esp aes256gcm16
	wait_for 10 settled || { agree; nope "not up: ${why:-tunsh not up}"; } ||
		return 1
	[ "$(peer_event dh_group_changed)" = 1 ] ||
		nope "tunsh: DH group changed $(peer_event dh_group_changed) times, not once" ||
		return 1
	peer_grep '^history [0-9]+ dh_group_changed the peer asked for DH group 14 instead of 31$' ||
		nope "tunsh: no history of the group change 31 -> 14" || return 1
	peer_grep '^ike .* established AES_GCM_16_256/PRF_HMAC_SHA2_256/MODP_2048 initiator=1 ' ||
		nope "tunsh: IKE SA not AES-GCM-256/MODP-2048" || return 1
	charon_log_has 'generating IKE_SA_INIT response 0 \[ N\(INVAL_KE\) \]' ||
		nope "charon's log does not show it sent INVALID_KE_PAYLOAD" ||
		return 1
	charon_says 'AES_GCM_16-256/PRF_HMAC_SHA2_256/MODP_2048' ||
		nope "charon: IKE SA not MODP-2048" || return 1
	kernel_holds 'rfc4106(gcm(aes))' -
}

# j: tunsh reauthenticates at its IKE lifetime (12 s: at 9.6-10.8 s): a
# new IKE_SA_INIT and IKE_AUTH with the old IKE SA and its CHILD SA still
# up, then the old one deleted.  ike_peer's kernel-min-sas: the fewest
# SAs the recording kernel held after any delete.
scn_j() {
	local ike child ti

	charon_conf ike_proposals="$gcm_ike" esp_proposals=aes256gcm16 ||
		nope "charon config" || return 1
	up_gcm tunsh j --reauth --ike-lifetime 12 || return 1
	ike=$(peer_ike | awk '{ print $1, $2 }')
	child=$(peer_child)
	wait_for 13 peer_grep '^event reauthenticated 1$' ||
		nope "no reauthentication within 13 s (IKE SAs '$(peer_ike)')" ||
		return 1
	wait_for 3 settled || { agree; return 1; }
	ti=$(peer_ike | awk '{ print $1, $2 }')
	[ "$ti" != "$ike" ] && [ "${ti% *}" != "${ike% *}" ] ||
		nope "IKE SPIs not new: was '$ike', now '$ti'" || return 1
	[ "$(peer_child)" != "$child" ] ||
		nope "CHILD SPIs not new: '$child'" || return 1
	[ "$(peer_event ike_sa_established)" = 2 ] &&
		[ "$(peer_event ike_sa_rekeyed)" = 0 ] ||
		nope "not one new IKE SA by IKE_SA_INIT (established" \
			"$(peer_event ike_sa_established), rekeyed" \
			"$(peer_event ike_sa_rekeyed))" || return 1
	[ "$(charon_ike | wc -l)" = 1 ] ||
		nope "charon: not one IKE SA: '$(charon_ike)'" || return 1
	# Make before break at charon: the new IKE SA and its CHILD SA up
	# before the Delete for the old one.
	[ "$(charon_log_lines | awk '
		/IKE_SA t\[[0-9]+\] established/ { n++ }
		/CHILD_SA t\{[0-9]+\} established/ && n == 2 { up = 1 }
		/received DELETE for IKE_SA t/ { print n == 2 && up; exit }')" = 1 ] ||
		nope "charon's log: no new IKE SA and CHILD SA before the" \
			"Delete of the old" || return 1
	peer_grep '^kernel-min-sas [2-9]' ||
		nope "tunsh's kernel went below the CHILD SA's two SAs" \
			"($(peer_grep '^kernel-min-sas'))" || return 1
	kernel_holds 'rfc4106(gcm(aes))' -
}

# What charon sends tunsh is dropped (block) or not (unblock).
charon_muted() {
	ip netns exec "$NS1" iptables "$1" INPUT -s "$ADDR2" -p udp -j DROP
}

# wait_fast SECONDS COMMAND...: wait_for, every 0.05 s.
wait_fast() {
	local secs=$1

	shift
	for _ in $(seq $((secs * 20))); do
		"$@" && return 0
		sleep 0.05
	done
	"$@"
}

# k: both ends rekey the CHILD SA at once (RFC 7296 2.8.1).  With what
# charon sends dropped: charon starts its rekey, unheard; tunsh starts
# its own, which charon answers (its collision), unheard.  Then the drop
# ends and charon's retransmission (1 s) reaches tunsh before tunsh's own
# (2 s): tunsh meets charon's request with its own pending (tunsh's
# collision), then gets its answer.  One new CHILD SA must remain.
scn_k() {
	local ike child rekey='CREATE_CHILD_SA request .*N\(REKEY_SA\)'

	command -v iptables >/dev/null || nope "no iptables" || return 1
	charon_conf ike_proposals="$gcm_ike" esp_proposals=aes256gcm16 ||
		nope "charon config" || return 1
	up_gcm tunsh k --retransmit-ms 2000 || return 1
	ike=$(peer_ike | awk '{ print $1, $2 }')
	child=$(peer_child)
	charon_muted -I || nope "iptables" || return 1
	charon_swanctl "$c" --rekey --child t >/dev/null 2>&1
	wait_fast 1 charon_log_has "generating $rekey"
	peer_signal URG
	wait_fast 1 charon_log_has "parsed $rekey"
	charon_muted -D || nope "iptables" || return 1
	charon_log_has 'detected CHILD_REKEY collision with CHILD_REKEY' ||
		nope "charon: no collision (it did not start first, or" \
			"tunsh's request did not come)" || return 1
	child_rekeyed "$ike" "$child" 10 || return 1
	# The SPIs of tunsh's rekey and of its answer to charon's.
	peer_grep '^kernel-ops spi_alloc=3 ' ||
		nope "tunsh did not take part in both exchanges:" \
			"$(grep '^kernel-ops' "$PEER_STATE")" || return 1
	! charon_log_lines | grep -E 'failed|error|N\((NO_PROP|TEMP_FAIL|INVAL_SYN|NO_CHILD_SA)\)' >&2 ||
		nope "errors in charon's log (above)" || return 1
}

peer_dpd_acted() {
	[ "$(peer_event dpd_action)" -ge 1 ]
}

no_sas() {
	if [ -n "$(peer_ike)$(peer_child)$(peer_kernel_sas)" ]; then
		nope "tunsh: SAs left after the DPD action: '$(peer_ike)'" \
			"'$(peer_child)' '$(peer_kernel_sas)'"
	fi
}

# l: DPD every 1 s of silence, 2 s for the answer.  clear: down, and
# it stays down (no IKE_SA_INIT for 10 s, charon back meanwhile).  hold:
# down with the policies kept; back only on an ACQUIRE.
scn_l() {
	local tx pol

	charon_conf ike_proposals="$gcm_ike" esp_proposals=aes256gcm16 ||
		nope "charon config" || return 1
	up_gcm tunsh l1 --dpd-timeout 1 --dpd-delay 2 --dpd-action clear ||
		return 1
	charon_kill "$c"
	wait_for 8 peer_dpd_acted || nope "clear: no DPD action in 8 s" ||
		return 1
	peer_grep '^history [0-9]+ dpd_action DPD clear' ||
		nope "clear: no DPD clear recorded" || return 1
	no_sas || return 1
	tx=$(peer_tx)
	charon_start "$NS2" "$c" && charon_load "$c" ||
		nope "charon did not start again" || return 1
	sleep 10
	! peer_grep '^tunnel state (connecting|up)$' ||
		nope "clear: tunnel $(peer_tunnel)" || return 1
	[ "$(peer_tx)" = "$tx" ] ||
		nope "clear: tunsh sent $(($(peer_tx) - tx)) datagrams in 10 s" ||
		return 1
	peer_stop || nope "ike_peer exited with status $? on SIGTERM" ||
		return 1
	# hold
	up_gcm tunsh l2 --dpd-timeout 1 --dpd-delay 2 --dpd-action hold ||
		return 1
	pol=$(grep '^kernel-policy' "$PEER_STATE")
	[ -n "$pol" ] || nope "hold: no policies recorded" || return 1
	charon_kill "$c"
	wait_for 8 peer_dpd_acted || nope "hold: no DPD action in 8 s" ||
		return 1
	peer_grep '^history [0-9]+ dpd_action DPD hold' ||
		nope "hold: no DPD hold recorded" || return 1
	no_sas || return 1
	[ "$(grep '^kernel-policy' "$PEER_STATE")" = "$pol" ] ||
		nope "hold: policies not kept: '$pol' now" \
			"'$(grep '^kernel-policy' "$PEER_STATE")'" || return 1
	tx=$(peer_tx)
	charon_start "$NS2" "$c" && charon_load "$c" ||
		nope "charon did not start again" || return 1
	sleep 3
	[ "$(peer_tx)" = "$tx" ] && ! peer_grep '^tunnel state (connecting|up)$' ||
		nope "hold: tunsh negotiates without an ACQUIRE (tunnel" \
			"$(peer_tunnel))" || return 1
	peer_signal WINCH
	wait_for 10 settled ||
		{ agree; nope "hold: not up after the ACQUIRE: $why"; } ||
		return 1
	[ "$(peer_event traffic_triggered_negotiation)" = 1 ] &&
		[ "$(peer_event ike_sa_established)" = 2 ] ||
		nope "hold: not one ACQUIRE and one new IKE SA" || return 1
	kernel_holds 'rfc4106(gcm(aes))' -
}

# IKE over IPv6 (UDP/IPv6 both ways, ID_IPV6_ADDR, NAT-D over 16-byte
# addresses: charon's fake NAT makes both float to 4500 over IPv6), one
# CHILD SA carrying an IPv4 and an IPv6 network each side
# (TS_IPV4_ADDR_RANGE and TS_IPV6_ADDR_RANGE); then IPv6 networks over
# IPv4 outer addresses.
scn_m() {
	local n6_1=2001:db8:1::/64 n6_2=2001:db8:2::/64

	charon_conn "$c" t local_addrs="$ADDR6_2" remote_addrs="$ADDR6_1" \
		psk="$psk" local_ts="$net2,$n6_2" remote_ts="$net1,$n6_1" \
		ike_proposals="$gcm_ike" esp_proposals=aes256gcm16 &&
		charon_load "$c" || nope "charon config" || return 1
	PEER_LOCAL=$ADDR6_1 PEER_REMOTE=$ADDR6_2 PEER_LNET="$net1,$n6_1" \
		PEER_RNET="$net2,$n6_2" peer_start m6 --initiator --psk "$psk" \
		--ike "$gcm_ike" --esp aes256gcm16
	wait_for 10 peer_up || nope "IPv6: tunnel not up in 10 s" || return 1
	charon_wait "$c" t INSTALLED 5 2>/dev/null ||
		nope "IPv6: charon has no INSTALLED CHILD SA" || return 1
	agree || return 1
	peer_grep "^ike .* established .* local=$ADDR6_1:4500 remote=$ADDR6_2:4500 " ||
		nope "IPv6: tunsh's IKE SA is not between the IPv6 addresses on 4500" ||
		return 1
	charon_sas "$c" --ike t 2>/dev/null |
		grep -qF "remote '$ADDR6_1' @ ${ADDR6_1}[4500]" ||
		nope "IPv6: charon's IKE SA is not with identity and address" \
			"$ADDR6_1 on 4500" || return 1
	charon_sas "$c" 2>/dev/null | grep -q "local  10.2.0.0/24 $n6_2" &&
		charon_sas "$c" 2>/dev/null | grep -q "remote 10.1.0.0/24 $n6_1" ||
		nope "IPv6: charon's CHILD SA does not carry both families:" \
			"$(charon_sas "$c" 2>/dev/null | grep -E 'local |remote ')" ||
		return 1
	peer_stop
	charon_terminate "$c" t 2>/dev/null
	charon_gone "$c" t 5 2>/dev/null

	charon_conf local_ts="$n6_2" remote_ts="$n6_1" \
		ike_proposals="$gcm_ike" esp_proposals=aes256gcm16 ||
		nope "charon config" || return 1
	PEER_LNET=$n6_1 PEER_RNET=$n6_2 peer_start m4 --initiator \
		--psk "$psk" --ike "$gcm_ike" --esp aes256gcm16
	wait_for 10 peer_up || nope "6-in-4: tunnel not up in 10 s" || return 1
	agree || return 1
	peer_grep "^child .* local=$n6_1 remote=$n6_2 " ||
		nope "6-in-4: tunsh's CHILD SA is not $n6_1 <-> $n6_2" || return 1
}

start=$SECONDS
run a "tunsh initiates, AES-GCM-256/X25519, SPIs agree" scn_a
run b "charon initiates, AES-CBC-256/SHA-256/MODP-2048" scn_b
run c "PSK mismatch refused both ways, no kernel SA" scn_c
run d1 "CHILD rekey by tunsh" scn_d1
run d2 "CHILD rekey by charon" scn_d2
run d3 "IKE rekey by tunsh, CHILD SA kept" scn_d3
run d4 "IKE rekey by charon, CHILD SA kept" scn_d4
run e "DPD restart: charon killed, then back" scn_e
run g "SIGUSR2 renegotiates, SIGUSR1 initiates" scn_g
run f "networks refused: error and retries with backoff" scn_f
run h "no common IKE or ESP proposal, both ways" scn_h
run i "INVALID_KE_PAYLOAD: retried with MODP-2048" scn_i
run j "reauthentication, make-before-break" scn_j
run k "simultaneous CHILD rekey" scn_k
run l "DPD clear stays down, DPD hold back on ACQUIRE" scn_l
run m "IKE over IPv6 with both families inside; 6-in-4" scn_m
if [ "$failed" = 0 ]; then
	echo "PASS: tunsh vs charon in $((SECONDS - start)) s"
	exit 0
fi
echo "FAIL: tunsh vs charon ($((SECONDS - start)) s)"
exit 1
