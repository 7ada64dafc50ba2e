#!/usr/bin/env bash
# The suites of the matrix against libreswan's pluto as shipped (no ike=,
# no esp=: pluto offers and accepts its defaults): tunshd (real kernel,
# site a) initiates with each suite in turn, as an admin would set it,
#   AES-GCM-256 and X25519    ike aes256gcm16-prfsha256-x25519, esp aes256gcm16
#   AES-CBC-256/SHA-256, MODP-2048   ike aes256-sha256-modp2048, esp aes256-sha256
#   AES-GCM-128 and ECP-256   ike aes128gcm16-prfsha256-ecp256, esp aes128gcm16
# and removes the tunnel between them.  What a user would see each time:
# pluto's log names the suite of its IKE_SA_INIT reply and its Child SA, a's kernel
# holds the cipher asked for, and 5 pings each way cross.

# shellcheck source=SCRIPTDIR/../lib.sh
. "$TUNSH_TOP/tests/vm/lib.sh"
# shellcheck source=SCRIPTDIR/../pluto.sh
. "$TUNSH_TOP/tests/vm/pluto.sh"
trap vm_pluto_stop_all EXIT
vm_pluto_need

vm_log "topology"
vm_sites
vm_pluto_conf | vm_pluto_start b b
vm_site_conf a 192.0.2.1 10.1.0.0/24 | vm_tunshd_start a a

# suite LABEL IKE ESP PLUTO-IKE PLUTO-ESP KERNEL-REGEX: one run.
suite() {
	local label=$1 ike=$2 esp=$3 pike=$4 pesp=$5 re=$6 mark n
	vm_log "$label: ike-proposal $ike, esp-proposal $esp"
	mark=$(vm_tunshd_lines a)
	local pmark
	pmark=$(wc -l <"$VM_WORK/b/pluto.log")
	vm_tunsh_ok a "add the tunnel ($label)" <<EOT
configure
ipsec tunnel to-b
 wan-port wan1
 remote-address 192.0.2.2
 pre-shared-key vm-test-psk-not-secret-0123456789
 local-network vlan 10
 remote-network 10.2.0.0/24
 ike-proposal $ike
 esp-proposal $esp
 exit
commit
EOT
	vm_tunshd_wait a 30 "tunnel to-b: CHILD SA up" "$mark"
	vm_pluto_wait b
	local plog
	plog=$(tail -n "+$((pmark + 1))" "$VM_WORK/b/pluto.log" | grep -E 'sent IKE_SA_INIT reply|established Child SA' || true)
	vm_log "$label: pluto: $(sed 's/^.*: //' <<<"$plog" | tr '\n' '|')"
	grep -E 'sent IKE_SA_INIT reply' <<<"$plog" | grep -q -- "$pike" ||
		vm_fail "$label: pluto's IKE SA is not $pike: $plog"
	grep -E 'established Child SA' <<<"$plog" | grep -q -- "$pesp" ||
		vm_fail "$label: pluto's Child SA is not $pesp: $plog"
	n=$(ip -n a xfrm state | grep -Ec -- "$re") || true
	[ "$n" = 2 ] || vm_fail "$label: a's kernel holds $n SAs matching '$re', want 2: $(ip -n a xfrm state)"
	vm_ping_all ha 10.2.0.10 5
	vm_ping_all hb 10.1.0.10 5
	vm_log "$label: 5 pings each way crossed"

	vm_tunsh_ok a "remove the tunnel ($label)" <<'EOT'
configure
no ipsec tunnel to-b
commit
EOT
	vm_wait 10 "$label: a's SAs are gone after the tunnel was removed" \
		test "$(vm_xfrm_count a)" = 0
	vm_wait 10 "$label: pluto's SAs are gone after tunsh removed the tunnel" \
		test -z "$(vm_pluto_ike_serial b site)"
}

suite gcm256 aes256gcm16-prfsha256-x25519 aes256gcm16 \
	'cipher=AES_GCM_16_256 integ=n/a prf=HMAC_SHA2_256 group=DH31' 'xfrm=AES_GCM_16_256-NONE' \
	'aead rfc4106\(gcm\(aes\)\) 0x[0-9a-f]{72} 128'
suite cbc256 aes256-sha256-modp2048 aes256-sha256 \
	'cipher=AES_CBC_256 integ=HMAC_SHA2_256_128 prf=HMAC_SHA2_256 group=MODP2048' 'xfrm=AES_CBC_256-HMAC_SHA2_256_128' \
	'enc cbc\(aes\) 0x[0-9a-f]{64}$'
suite gcm128 aes128gcm16-prfsha256-ecp256 aes128gcm16 \
	'cipher=AES_GCM_16_128 integ=n/a prf=HMAC_SHA2_256 group=DH19' 'xfrm=AES_GCM_16_128-NONE' \
	'aead rfc4106\(gcm\(aes\)\) 0x[0-9a-f]{40} 128'
vm_log "PASS"
