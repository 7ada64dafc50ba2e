#!/usr/bin/env bash
# bench/vm/xfrm_install.sh: the guest half of bench/xfrm_bench.sh, run by
# tests/vm/run.sh in a user-mode-linux guest, whose kernel has ESP.  It
# installs tunnels two ways, each in a fresh network namespace, and
# prints one BENCH line per way into the scenario log:
#
#   xfrm_install_tunnels_per_s  bench/xfrm_bench for XFRM_N tunnels: our
#                               netlink layer (kernel_nl_ops), 2 ESP SAs
#                               (AES-GCM-256) and 3 policies a tunnel
#   xfrm_sa_query_ms_1000       the same program reading the 2,000 SAs'
#                               counters back (what show ipsec sa adds
#                               under tunshd)
#   ip_xfrm_tunnels_per_s       the same 5 objects a tunnel, each made by
#                               its own "ip xfrm state|policy add" process
#
# The ip loop runs on IP_N tunnels only, fewer than XFRM_N: every exec
# costs 20-100 ms in UML, so 1,000 tunnels would take minutes.  Both
# figures are per second, and each process does the same work whatever
# the count (the kernel's XFRM tables hash SAs by SPI and address), so
# the two compare.  The timed loop reads prepared argument lists: bash
# formats nothing while the clock runs.
set -euo pipefail

XFRM_N=1000
IP_N=100
KEY=0x$(printf '%02x' $(seq 17 52)) # 36 bytes: AES-256 key + salt

# ip_lines N: the ip arguments of N tunnels, 5 lines each, as
# bench/xfrm_bench.c makes them (addresses, SPIs, reqids, selectors).
ip_lines() {
	local i peer ours theirs reqid
	for ((i = 0; i < $1; i++)); do
		peer=198.18.$(((i + 1) >> 8)).$(((i + 1) & 255))
		ours=10.$((i >> 8)).$((i & 255)).0/24
		theirs=10.$((128 + (i >> 8))).$((i & 255)).0/24
		reqid=$((0x74000001 + i))
		printf '%s\n' \
			"xfrm state add src $peer dst 192.0.2.1 proto esp spi $((0xd0000000 + i)) reqid $reqid mode tunnel replay-window 32 aead rfc4106(gcm(aes)) $KEY 128 sel src $theirs dst $ours limit time-hard 3660" \
			"xfrm state add src 192.0.2.1 dst $peer proto esp spi $((0xc0000000 + i)) reqid $reqid mode tunnel aead rfc4106(gcm(aes)) $KEY 128 sel src $ours dst $theirs limit time-hard 3660" \
			"xfrm policy add src $ours dst $theirs dir out priority 1000 tmpl src 192.0.2.1 dst $peer proto esp reqid $reqid mode tunnel" \
			"xfrm policy add src $theirs dst $ours dir in priority 1000 tmpl src $peer dst 192.0.2.1 proto esp reqid $reqid mode tunnel" \
			"xfrm policy add src $theirs dst $ours dir fwd priority 1000 tmpl src $peer dst 192.0.2.1 proto esp reqid $reqid mode tunnel"
	done
}

# In its own namespace (unshare -n, below): a warm-up object first, for
# the module autoload, then the timed loop, one process per line.
if [ "${1:-}" = ip-loop ]; then
	n=$2
	lines=$(mktemp)
	ip_lines "$n" >"$lines"
	ip xfrm state add src 192.0.2.9 dst 192.0.2.1 proto esp spi 0x100 \
		mode tunnel aead 'rfc4106(gcm(aes))' "$KEY" 128
	ip xfrm state flush
	t0=$EPOCHREALTIME
	while read -ra args; do
		ip "${args[@]}"
	done <"$lines"
	t1=$EPOCHREALTIME
	sas=$(ip xfrm state count | awk '{ print $3 }')
	# "SPD IN  n OUT n FWD n (Sock: ...)"
	pols=$(ip xfrm policy count | awk '/SPD IN/ { print $3 + $5 + $7 }')
	if [ "$sas" != $((2 * n)) ] || [ "$pols" != $((3 * n)) ]; then
		echo "FAIL: ip loop left $sas SAs and $pols policies for $n tunnels: $(ip xfrm policy count)" >&2
		exit 1
	fi
	echo "ip loop: $n tunnels ($((5 * n)) processes) in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", (b - a) * 1000 }') ms" >&2
	awk -v a="$t0" -v b="$t1" -v n="$n" \
		'BEGIN { printf "BENCH ip_xfrm_tunnels_per_s %.2f tunnels/s\n", n / (b - a) }'
	exit 0
fi

echo "kernel $(uname -r), $(nproc) CPU" >&2
# xfrm_bench makes its own namespace (unshare(CLONE_NEWNET)).
"$TUNSH_BUILD/bench/xfrm_bench" "$XFRM_N"
grep -q '^BENCH xfrm_install' "$TUNSH_RESULT/log" || {
	echo "FAIL: xfrm_bench reported nothing (no ESP in the guest?)" >&2
	exit 1
}
unshare -n bash "${BASH_SOURCE[0]}" ip-loop "$IP_N"
