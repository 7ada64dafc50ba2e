#!/usr/bin/env bash
# kernel_nl_ops against the running kernel, in a scratch network namespace,
# read back with ip(8): in/out/fwd policies with their templates, reqid,
# priority, mark and if_id; deletes, and deleting again; SPI allocation;
# the ESP check and the words a person sees when the kernel has no ESP or
# lacks an algorithm; an ACQUIRE raised by a packet that matches an out
# policy with no SA.  Where the kernel has ESP (the VM tier), an SA is
# added, queried and deleted instead.  IPv6 the same way: policies of
# 6-in-6 and 4-in-6 and 6-in-4 templates, IPv6 routes with tunshd's
# protocol, an IPv6 larval SA, SAs of every family mix taken by the kernel
# up to its algorithm or ESP lookup, an ACQUIRE for an IPv6 packet.
# Needs root; exits 77 (skip) without.
set -euo pipefail
bin=$1
probe=$bin/tests/integration/kernel_probe
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root for ip netns" >&2
	exit 77
fi
ns=tunsh-kernel-$$
dir=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
kp() { ip netns exec "$ns" "$probe" "$@"; }
pol() { ip -n "$ns" xfrm policy list "$@"; }
pol6() { ip -n "$ns" -6 xfrm policy list "$@"; }
ip netns add "$ns"
ip -n "$ns" link set lo up

# One tunnel's three policies: 10.1.0.0/24 (ours, behind 192.0.2.1) and
# 10.2.0.0/24 (theirs, behind 192.0.2.2), reqid 7.
out='dir=out src=10.1.0.0/24 dst=10.2.0.0/24 tmpl-src=192.0.2.1 tmpl-dst=192.0.2.2'
in='dir=in src=10.2.0.0/24 dst=10.1.0.0/24 tmpl-src=192.0.2.2 tmpl-dst=192.0.2.1'
fwd='dir=fwd src=10.2.0.0/24 dst=10.1.0.0/24 tmpl-src=192.0.2.2 tmpl-dst=192.0.2.1'
# shellcheck disable=SC2086 # the policies are word lists on purpose
{
	kp policy-add $out reqid=7 priority=1500 mark=0x5/0xff || fail "add out"
	kp policy-add $in reqid=7 priority=1500 if-id=3 || fail "add in"
	kp policy-add $fwd reqid=7 priority=1500 || fail "add fwd"
	# Adding again replaces (UPDPOLICY): re-applying a plan is not an error.
	kp policy-add $fwd reqid=7 priority=1500 || fail "re-add fwd"
}

got=$(pol dir out)
grep -q '^src 10.1.0.0/24 dst 10.2.0.0/24' <<<"$got" || fail "out selector: $got"
grep -q 'dir out priority 1500' <<<"$got" || fail "out priority: $got"
grep -q 'mark 0x5/0xff' <<<"$got" || fail "out mark: $got"
grep -q 'tmpl src 192.0.2.1 dst 192.0.2.2' <<<"$got" || fail "out tmpl: $got"
grep -q 'proto esp reqid 7 mode tunnel' <<<"$got" || fail "out reqid: $got"
got=$(pol dir in)
grep -q '^src 10.2.0.0/24 dst 10.1.0.0/24' <<<"$got" || fail "in selector: $got"
grep -q 'tmpl src 192.0.2.2 dst 192.0.2.1' <<<"$got" || fail "in tmpl: $got"
grep -q 'if_id 0x3' <<<"$got" || fail "in if_id: $got"
got=$(pol dir fwd)
grep -q 'dir fwd priority 1500' <<<"$got" || fail "fwd: $got"
[ "$(pol | grep -c '^src ')" = 3 ] || fail "want 3 policies: $(pol)"

# shellcheck disable=SC2086
{
	kp policy-del $out reqid=7 mark=0x5/0xff || fail "del out"
	kp policy-del $in reqid=7 if-id=3 || fail "del in"
	kp policy-del $fwd reqid=7 || fail "del fwd"
	[ -z "$(pol)" ] || fail "policies left: $(pol)"
	# Deleting what is gone is not an error.
	kp policy-del $out reqid=7 mark=0x5/0xff || fail "del out again"
	kp policy-del $fwd reqid=7 || fail "del fwd again"
}
kp sa-del dst=192.0.2.1 spi=0xc0001234 || fail "del of a missing SA"

# IPv6 policies: 2001:db8:1::/64 (ours, behind 2001:db8::1) and
# 2001:db8:2::/56 (theirs, behind 2001:db8::2), reqid 8; and a 4-in-6
# tunnel's (IPv4 selectors, IPv6 template), reqid 10.
out6='dir=out src=2001:db8:1::/64 dst=2001:db8:2::/56 tmpl-src=2001:db8::1 tmpl-dst=2001:db8::2'
in6='dir=in src=2001:db8:2::/56 dst=2001:db8:1::/64 tmpl-src=2001:db8::2 tmpl-dst=2001:db8::1'
fwd6='dir=fwd src=2001:db8:2::/56 dst=2001:db8:1::/64 tmpl-src=2001:db8::2 tmpl-dst=2001:db8::1'
out46='dir=out src=10.1.0.0/24 dst=10.2.0.0/24 tmpl-src=2001:db8::1 tmpl-dst=2001:db8::2'
in46='dir=in src=10.2.0.0/24 dst=10.1.0.0/24 tmpl-src=2001:db8::2 tmpl-dst=2001:db8::1'
# shellcheck disable=SC2086
{
	kp policy-add $out6 reqid=8 priority=1400 mark=0x6/0xff || fail "add out6"
	kp policy-add $in6 reqid=8 priority=1400 if-id=4 || fail "add in6"
	kp policy-add $fwd6 reqid=8 priority=1400 || fail "add fwd6"
	kp policy-add $fwd6 reqid=8 priority=1400 || fail "re-add fwd6"
	kp policy-add $out46 reqid=10 priority=1600 || fail "add 4-in-6 out"
	kp policy-add $in46 reqid=10 priority=1600 || fail "add 4-in-6 in"
}
got=$(pol6 dir out)
grep -q '^src 2001:db8:1::/64 dst 2001:db8:2::/56' <<<"$got" || fail "out6 selector: $got"
grep -q 'dir out priority 1400' <<<"$got" || fail "out6 priority: $got"
grep -q 'mark 0x6/0xff' <<<"$got" || fail "out6 mark: $got"
grep -q 'tmpl src 2001:db8::1 dst 2001:db8::2' <<<"$got" || fail "out6 tmpl: $got"
grep -q 'proto esp reqid 8 mode tunnel' <<<"$got" || fail "out6 reqid: $got"
got=$(pol6 dir in)
grep -q '^src 2001:db8:2::/56 dst 2001:db8:1::/64' <<<"$got" || fail "in6 selector: $got"
grep -q 'tmpl src 2001:db8::2 dst 2001:db8::1' <<<"$got" || fail "in6 tmpl: $got"
grep -q 'if_id 0x4' <<<"$got" || fail "in6 if_id: $got"
grep -q 'dir fwd priority 1400' <<<"$(pol6 dir fwd)" || fail "fwd6: $(pol6 dir fwd)"
[ "$(pol6 | grep -c '^src ')" = 3 ] || fail "want 3 IPv6 policies: $(pol6)"
# 4-in-6: IPv4 selectors (listed with IPv4), the template over IPv6.
got=$(pol dir out)
grep -q '^src 10.1.0.0/24 dst 10.2.0.0/24' <<<"$got" || fail "4-in-6 out: $got"
grep -q 'tmpl src 2001:db8::1 dst 2001:db8::2' <<<"$got" || fail "4-in-6 tmpl: $got"
grep -q 'proto esp reqid 10 mode tunnel' <<<"$got" || fail "4-in-6 reqid: $got"
grep -q 'tmpl src 2001:db8::2 dst 2001:db8::1' <<<"$(pol dir in)" ||
	fail "4-in-6 in: $(pol dir in)"
# shellcheck disable=SC2086
{
	kp policy-del $out6 reqid=8 mark=0x6/0xff || fail "del out6"
	kp policy-del $in6 reqid=8 if-id=4 || fail "del in6"
	kp policy-del $fwd6 reqid=8 || fail "del fwd6"
	kp policy-del $out46 reqid=10 || fail "del 4-in-6 out"
	kp policy-del $in46 reqid=10 || fail "del 4-in-6 in"
	[ -z "$(pol6)" ] || fail "IPv6 policies left: $(pol6)"
	[ -z "$(pol)" ] || fail "4-in-6 policies left: $(pol)"
	kp policy-del $out6 reqid=8 mark=0x6/0xff || fail "del out6 again"
}
kp sa-del dst=2001:db8::1 spi=0xc0001234 || fail "del of a missing IPv6 SA"

# IPv6 SPI allocation: a larval IPv6 SA with the reqid.
spi=$(kp spi-alloc src=2001:db8::2 dst=2001:db8::1 reqid=8) || fail "spi-alloc6"
[[ $spi == 0xc* ]] || fail "IPv6 SPI $spi outside c0000000-cfffffff"
got=$(ip -n "$ns" -6 xfrm state)
grep -q '^src 2001:db8::2 dst 2001:db8::1' <<<"$got" || fail "larval6 addresses: $got"
grep -q "spi $spi reqid 8 mode tunnel" <<<"$got" || fail "no larval IPv6 SA: $got"
kp sa-del dst=2001:db8::1 "spi=$spi" || fail "del larval6"
[ -z "$(ip -n "$ns" xfrm state)" ] || fail "larval IPv6 SA left"

# At start, tunshd removes what a dead tunshd left, of both families (its
# reqid range), and nothing else: an IPv6 and a 4-in-6 policy and an IPv6
# larval SA of its own go, another daemon's IPv6 policy stays.
# shellcheck disable=SC2086
{
	kp policy-add $out6 reqid=0x74000001 || fail "add tunshd's out6"
	kp policy-add $in46 reqid=0x74000002 || fail "add tunshd's 4-in-6 in"
	kp policy-add $fwd6 reqid=8 || fail "add another's fwd6"
}
kp spi-alloc src=2001:db8::2 dst=2001:db8::1 reqid=0x74000001 >/dev/null ||
	fail "spi-alloc6 for cleanup"
got=$(kp cleanup) || fail "cleanup"
[ "$got" = "removed 3" ] || fail "cleanup: $got; left: $(pol6) $(ip -n "$ns" xfrm state)"
[ -z "$(ip -n "$ns" xfrm state)" ] || fail "cleanup left an SA: $(ip -n "$ns" xfrm state)"
[ "$(pol6 | grep -c '^src ')" = 1 ] || fail "cleanup: $(pol6)"
grep -q 'reqid 8 ' <<<"$(pol6)" || fail "cleanup took another's policy: $(pol6)"
# shellcheck disable=SC2086
kp policy-del $fwd6 reqid=8 || fail "del another's fwd6"
[ -z "$(pol)$(pol6)" ] || fail "policies left after cleanup: $(pol) $(pol6)"

# IPv6 routes with tunshd's protocol (116) and the metric asked for.
ip -n "$ns" link add r0 type veth peer name r1
ip -n "$ns" link set r0 up
kp route-add dst=2001:db8:2::/56 dev=r0 metric=110 || fail "route-add6"
kp route-add dst=fd00:7::/64 dev=r0 || fail "route-add6 metric 0"
kp route-add dst=10.7.0.0/16 dev=r0 metric=120 || fail "route-add4"
got=$(ip -n "$ns" -6 route show proto 116)
grep -q '^2001:db8:2::/56 dev r0 metric 110' <<<"$got" || fail "IPv6 route: $got"
grep -q '^fd00:7::/64 dev r0 metric 1024' <<<"$got" || fail "IPv6 default metric: $got"
grep -q '^10.7.0.0/16 dev r0 scope link metric 120' <<<"$(ip -n "$ns" route show proto 116)" ||
	fail "IPv4 route: $(ip -n "$ns" route show proto 116)"
rc=0
kp route-add dst=2001:db8:2::/56 dev=r0 metric=110 2>"$dir/err" || rc=$?
[ "$rc" = 1 ] || fail "second IPv6 route: exit $rc"
grep -q 'route to 2001:db8:2::/56 through r0 (metric 110): File exists' "$dir/err" ||
	fail "second IPv6 route: $(cat "$dir/err")"
kp route-del dst=2001:db8:2::/56 dev=r0 metric=110 || fail "route-del6"
kp route-del dst=fd00:7::/64 dev=r0 || fail "route-del6 metric 0"
kp route-del dst=10.7.0.0/16 dev=r0 metric=120 || fail "route-del4"
kp route-del dst=2001:db8:2::/56 dev=r0 metric=110 || fail "route-del6 again"
[ -z "$(ip -n "$ns" -6 route show proto 116)$(ip -n "$ns" route show proto 116)" ] ||
	fail "routes left: $(ip -n "$ns" -6 route show proto 116)"

# SPI allocation: our range, a larval SA with the reqid.
spi=$(kp spi-alloc src=192.0.2.2 dst=192.0.2.1 reqid=7) || fail "spi-alloc"
[[ $spi == 0xc* ]] || fail "SPI $spi outside c0000000-cfffffff"
ip -n "$ns" xfrm state | grep -q "spi $spi reqid 7 mode tunnel" ||
	fail "no larval SA: $(ip -n "$ns" xfrm state)"
kp sa-del dst=192.0.2.1 "spi=$spi" || fail "del larval"
[ -z "$(ip -n "$ns" xfrm state)" ] || fail "larval SA left"

# A missing algorithm is named, on any kernel (the kernel attaches the
# algorithms before it looks for ESP).
sa='src=192.0.2.2 dst=192.0.2.1 spi=0xc0000100 reqid=7'
k16=00112233445566778899aabbccddeeff
rc=0
# shellcheck disable=SC2086
kp sa-add $sa enc='cbc(nosuchcipher)' enc-key=$k16 auth='hmac(sha256)' \
	auth-key=$k16$k16 2>"$dir/err" || rc=$?
[ "$rc" = 1 ] || fail "sa-add with a bogus cipher: exit $rc"
grep -q 'SA 0xc0000100 to 192.0.2.1: this kernel lacks the algorithm cbc(nosuchcipher)' \
	"$dir/err" || fail "bogus cipher: $(cat "$dir/err")"


# Every family mix gets past the kernel's checks of the message
# (verify_newsa_info: families, selector lengths, attributes) to its
# algorithm lookup: 6-in-6, 4-in-6, 6-in-4, and no selector
# (XFRM_STATE_AF_UNSPEC, both inner families).
mixes=('src=2001:db8::2 dst=2001:db8::1 sel-src=2001:db8:2::/56 sel-dst=2001:db8:1::/64'
	'src=2001:db8::2 dst=2001:db8::1 sel-src=10.2.0.0/24 sel-dst=10.1.0.0/24'
	'src=192.0.2.2 dst=192.0.2.1 sel-src=fd00:2::/64 sel-dst=fd00:1::/64'
	'src=2001:db8::2 dst=2001:db8::1')
for mix in "${mixes[@]}"; do
	rc=0
	# shellcheck disable=SC2086
	kp sa-add $mix spi=0xc0000200 reqid=8 enc='cbc(nosuchcipher)' \
		enc-key=$k16 auth='hmac(sha256)' auth-key=$k16$k16 2>"$dir/err" || rc=$?
	[ "$rc" = 1 ] || fail "sa-add $mix with a bogus cipher: exit $rc"
	grep -q 'SA 0xc0000200 to .*: this kernel lacks the algorithm cbc(nosuchcipher)' \
		"$dir/err" || fail "$mix: $(cat "$dir/err")"
done

rc=0
esp=$(kp has-esp) || rc=$?
if [ "$esp" = no ]; then
	[ "$rc" = 3 ] || fail "has-esp: exit $rc"
	rc=0
	# shellcheck disable=SC2086
	kp sa-add $sa enc='cbc(aes)' enc-key=$k16 auth='hmac(sha256)' \
		auth-key=$k16$k16 2>"$dir/err" || rc=$?
	[ "$rc" = 1 ] || fail "sa-add without ESP: exit $rc"
	grep -q 'this kernel has no ESP support (CONFIG_INET_ESP)' "$dir/err" ||
		fail "no-ESP message: $(cat "$dir/err")"
	grep -q "$k16" "$dir/err" && fail "key in the message"
	# Each family mix passes the inner-mode checks of __xfrm_init_state
	# (a family change needs tunnel mode) and stops at the ESP lookup.
	for mix in "${mixes[@]}"; do
		rc=0
		# shellcheck disable=SC2086
		kp sa-add $mix spi=0xc0000201 reqid=8 enc='cbc(aes)' enc-key=$k16 \
			auth='hmac(sha256)' auth-key=$k16$k16 2>"$dir/err" || rc=$?
		[ "$rc" = 1 ] || fail "sa-add $mix without ESP: exit $rc"
		grep -q 'SA 0xc0000201 to .*: this kernel has no ESP support' \
			"$dir/err" || fail "$mix without ESP: $(cat "$dir/err")"
	done
else
	# The VM tier: add, read the counters back, delete.
	# shellcheck disable=SC2086
	got=$(kp sa-add $sa enc='cbc(aes)' enc-key=$k16 auth='hmac(sha256)' \
		auth-key=$k16$k16 mark=0x5/0xff then=query) || fail "sa-add"
	grep -q '^bytes 0 packets 0 add_time [1-9]' <<<"$got" || fail "query: $got"
	[ -z "$(ip -n "$ns" xfrm state)" ] || fail "SA left after delete"
	for mix in "${mixes[@]}"; do
		# shellcheck disable=SC2086
		got=$(kp sa-add $mix spi=0xc0000201 reqid=8 enc='cbc(aes)' \
			enc-key=$k16 auth='hmac(sha256)' auth-key=$k16$k16 \
			then=query) || fail "sa-add $mix"
		grep -q '^bytes 0 packets 0' <<<"$got" || fail "query $mix: $got"
	done
	[ -z "$(ip -n "$ns" xfrm state)" ] || fail "IPv6 SA left after delete"
fi
[ -z "$(ip -n "$ns" xfrm state)" ] || fail "the probe left SAs behind"

# The TCP MSS clamp of IPv6 (nftables, tunshd's table "inet tunsh"): a
# route-based tunnel's IPv6 SYNs get MTU - 60 before the family-blind
# IPv4 rule, a policy-based tunnel's IPv6 networks their own "ip6" rules.
nftl() { ip netns exec "$ns" nft list table inet tunsh; }
kp mss tunnel=rb dev=ts-rb inet6=1 mss=1360 || fail "mss route-based"
got=$(nftl) || fail "no table: $got"
grep -q 'oifname "ts-rb" meta nfproto ipv6 tcp flags syn tcp option maxseg size > 1340 tcp option maxseg size set 1340 comment "rb out6"' \
	<<<"$got" || fail "route-based IPv6 clamp: $got"
grep -q 'iifname "ts-rb" tcp flags syn tcp option maxseg size > 1360 tcp option maxseg size set 1360 comment "rb in"' \
	<<<"$got" || fail "route-based IPv4 clamp: $got"
kp mss tunnel=pb local=10.1.0.0/24,2001:db8:1::/64 remote=2001:db8:2::/56 mss=1300 ||
	fail "mss policy-based"
got=$(nftl) || fail "no table: $got"
grep -q 'rt ipsec exists ip6 saddr 2001:db8:1::/64 ip6 daddr 2001:db8:2::/56 tcp flags syn tcp option maxseg size > 1280 tcp option maxseg size set 1280 comment "pb out6"' \
	<<<"$got" || fail "policy-based IPv6 clamp: $got"
grep -q 'meta ipsec exists ip6 saddr 2001:db8:2::/56 ip6 daddr 2001:db8:1::/64 .* set 1280 comment "pb in6"' \
	<<<"$got" || fail "policy-based IPv6 clamp in: $got"
grep -q 'ip saddr' <<<"$got" && fail "an IPv4 rule with no IPv4 remote: $got"
ip netns exec "$ns" nft delete table inet tunsh

# ACQUIRE: an out policy with a template and no SA; a UDP packet that
# matches it raises an ACQUIRE with the template's reqid and the packet's
# addresses.  veth because this kernel has no dummy links.
ip -n "$ns" link add v0 type veth peer name v1
ip -n "$ns" addr add 10.1.0.1/24 dev v0
ip -n "$ns" link set v0 up
ip -n "$ns" link set v1 up
ip -n "$ns" route add 10.2.0.0/24 dev v0
kp policy-add dir=out src=10.1.0.0/24 dst=10.2.0.0/24 tmpl-src=192.0.2.1 \
	tmpl-dst=192.0.2.2 reqid=9 priority=100 || fail "acquire policy"
kp acquire timeout=5 >"$dir/acq" 2>&1 &
pid=$!
for _ in $(seq 50); do grep -q listening "$dir/acq" && break; sleep 0.1; done
grep -q listening "$dir/acq" || fail "event socket: $(cat "$dir/acq")"
# The kernel holds or drops the packet (no SA): the send may fail.
ip netns exec "$ns" bash -c 'echo x >/dev/udp/10.2.0.9/9' 2>/dev/null || true
rc=0
wait "$pid" || rc=$?
pid=
[ "$rc" = 0 ] || fail "no ACQUIRE (exit $rc): $(cat "$dir/acq")"
grep -qx 'acquire reqid 9 src 10.1.0.1 dst 10.2.0.9' "$dir/acq" ||
	fail "ACQUIRE: $(cat "$dir/acq")"

# ACQUIRE for an IPv6 packet on a 6-in-4 policy: the packet's IPv6
# addresses, the template's reqid.
ip -n "$ns" addr add fd00:1::1/64 dev v0 nodad
ip -n "$ns" -6 route add fd00:2::/64 dev v0
kp policy-add dir=out src=fd00:1::/64 dst=fd00:2::/64 tmpl-src=192.0.2.1 \
	tmpl-dst=192.0.2.2 reqid=11 priority=100 || fail "acquire6 policy"
kp acquire timeout=5 >"$dir/acq6" 2>&1 &
pid=$!
for _ in $(seq 50); do grep -q listening "$dir/acq6" && break; sleep 0.1; done
grep -q listening "$dir/acq6" || fail "event socket: $(cat "$dir/acq6")"
ip netns exec "$ns" bash -c 'echo x >/dev/udp/fd00:2::9/9' 2>/dev/null || true
rc=0
wait "$pid" || rc=$?
pid=
[ "$rc" = 0 ] || fail "no IPv6 ACQUIRE (exit $rc): $(cat "$dir/acq6")"
grep -qx 'acquire reqid 11 src fd00:1::1 dst fd00:2::9' "$dir/acq6" ||
	fail "IPv6 ACQUIRE: $(cat "$dir/acq6")"
echo "PASS"
