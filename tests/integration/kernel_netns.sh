#!/usr/bin/env bash
# kernel_nl_ops against the running kernel, in a scratch network namespace,
# read back with ip(8): in/out/fwd policies with their templates, reqid,
# priority, mark and if_id; deletes, and deleting again; SPI allocation;
# the ESP check and the words a person sees when the kernel has no ESP or
# lacks an algorithm; an ACQUIRE raised by a packet that matches an out
# policy with no SA.  Where the kernel has ESP (the VM tier), an SA is
# added, queried and deleted instead.  Needs root; exits 77 (skip) without.
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
else
	# The VM tier: add, read the counters back, delete.
	# shellcheck disable=SC2086
	got=$(kp sa-add $sa enc='cbc(aes)' enc-key=$k16 auth='hmac(sha256)' \
		auth-key=$k16$k16 mark=0x5/0xff then=query) || fail "sa-add"
	grep -q '^bytes 0 packets 0 add_time [1-9]' <<<"$got" || fail "query: $got"
	[ -z "$(ip -n "$ns" xfrm state)" ] || fail "SA left after delete"
fi
[ -z "$(ip -n "$ns" xfrm state)" ] || fail "the probe left SAs behind"

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
echo "PASS"
