#!/usr/bin/env bash
# tests/interop/charon_vs_charon.sh: proves the harness in lib.sh with
# strongSwan on both ends: two charons, one per namespace, both on
# kernel-libipsec, negotiate a PSK tunnel with each proposal set below;
# both must show the IKE SA ESTABLISHED and the CHILD SA INSTALLED with
# the algorithms asked for, and a ping must cross the tunnel.  Exits 0 on
# success, 77 when it cannot run here (not root, no charon), 1 with the
# reason and both logs otherwise.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/interop/lib.sh
. "$here/lib.sh"

fail() {
	echo "FAIL: $*" >&2
	[ -n "$INTEROP_DIR" ] && charon_log_tail "$INTEROP_DIR/c1" &&
		charon_log_tail "$INTEROP_DIR/c2"
	exit 1
}

command -v busybox >/dev/null || { echo "SKIP: no busybox (ping)" >&2; exit 77; }
interop_setup
rc=$?
[ "$rc" = 77 ] && exit 77
[ "$rc" = 0 ] || fail "could not set up the namespaces"
c1=$INTEROP_DIR/c1
c2=$INTEROP_DIR/c2
# Inner networks, one address of each on lo, so traffic can cross.
net1=10.1.0.0/24
net2=10.2.0.0/24
ip -n "$NS1" addr add 10.1.0.1/32 dev lo || fail "inner address"
ip -n "$NS2" addr add 10.2.0.1/32 dev lo || fail "inner address"
charon_start "$NS1" "$c1" || fail "charon in $NS1 did not start"
charon_start "$NS2" "$c2" || fail "charon in $NS2 did not start"

# One case: IKE proposal, ESP proposal, what --list-sas must show for
# each (strongSwan's names), the traffic selectors of c1 and c2, and the
# addresses a ping goes from and to.
run_case() {
	local ike=$1 esp=$2 want_ike=$3 want_esp=$4 ts1=$5 ts2=$6 \
		from=$7 to=$8 dir sas

	charon_conn "$c1" t local_addrs="$ADDR1" remote_addrs="$ADDR2" \
		local_id=left.example remote_id=right.example \
		psk=interop-secret-1 ike_proposals="$ike" esp_proposals="$esp" \
		local_ts="$ts1" remote_ts="$ts2" dpd_delay=5 || return 1
	charon_conn "$c2" t local_addrs="$ADDR2" remote_addrs="$ADDR1" \
		local_id=right.example remote_id=left.example \
		psk=interop-secret-1 ike_proposals="$ike" esp_proposals="$esp" \
		local_ts="$ts2" remote_ts="$ts1" dpd_delay=5 || return 1
	charon_load "$c1" && charon_load "$c2" || return 1
	charon_initiate "$c1" t 10 || return 1
	for dir in "$c1" "$c2"; do
		charon_wait "$dir" t INSTALLED 5 || return 1
		sas=$(charon_sas "$dir" --ike t)
		grep -q "ESTABLISHED" <<<"$sas" ||
			{ interop_err "$dir: IKE SA not ESTABLISHED"; return 1; }
		grep -q "$want_ike" <<<"$sas" ||
			{ interop_err "$dir: IKE SA is not $want_ike:"; echo "$sas" >&2; return 1; }
		grep -q "INSTALLED, TUNNEL-in-UDP" <<<"$sas" ||
			{ interop_err "$dir: CHILD SA not INSTALLED in UDP"; echo "$sas" >&2; return 1; }
		grep -q "$want_esp" <<<"$sas" ||
			{ interop_err "$dir: CHILD SA is not $want_esp:"; echo "$sas" >&2; return 1; }
	done
	# Through the TUN device and charon's userspace ESP, both ways.
	ip netns exec "$NS1" busybox ping -c 1 -W 3 -I "$from" "$to" \
		>/dev/null || { interop_err "no ping $from -> $to"; return 1; }
	sas=$(charon_sas "$c2" --ike t)
	grep -Eq "^ +in +[0-9a-f]+, +[1-9][0-9]* bytes" <<<"$sas" ||
		{ interop_err "$c2: no bytes in on the CHILD SA:"; echo "$sas" >&2; return 1; }
	charon_terminate "$c1" t || return 1
	charon_gone "$c1" t 5 && charon_gone "$c2" t 5
}

start=$SECONDS
gcm_ike=AES_GCM_16-256/PRF_HMAC_SHA2_256/CURVE_25519
cbc_ike=AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048
run_case aes256gcm16-prfsha256-x25519 aes256gcm16 "$gcm_ike" \
	AES_GCM_16-256 $net1 $net2 10.1.0.1 10.2.0.1 ||
	fail "AES-GCM-256 / X25519, $net1 === $net2"
echo "ok: $gcm_ike, ESP AES_GCM_16-256, $net1 === $net2"
run_case aes256-sha256-modp2048 aes256-sha256 "$cbc_ike" \
	AES_CBC-256/HMAC_SHA2_256_128 $net1 $net2 10.1.0.1 10.2.0.1 ||
	fail "AES-CBC-256 / SHA-256 / MODP-2048, $net1 === $net2"
echo "ok: $cbc_ike, ESP AES_CBC-256/HMAC_SHA2_256_128, $net1 === $net2"
# Host to host: the TS are the IKE addresses themselves, so IKE must stay
# out of the tunnel it sets up (lib.sh's bypass rules).
run_case aes256gcm16-prfsha256-x25519 aes256gcm16 "$gcm_ike" \
	AES_GCM_16-256 "$ADDR1/32" "$ADDR2/32" "$ADDR1" "$ADDR2" ||
	fail "AES-GCM-256 / X25519, host to host"
echo "ok: $gcm_ike, ESP AES_GCM_16-256, $ADDR1/32 === $ADDR2/32"
echo "PASS: charon vs charon in $((SECONDS - start)) s"
