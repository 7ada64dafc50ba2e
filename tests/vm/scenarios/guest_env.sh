#!/usr/bin/env bash
# The guest itself: the UML kernel, module autoload through busybox
# modprobe, a writable root, the build directory writable at its host
# path, fresh /tmp and /run.  Cheap; it tells a broken harness apart from
# a broken scenario.
set -euo pipefail
fail() { echo "FAIL: $*" >&2; exit 1; }
read -r kver </proc/sys/kernel/osrelease
[ -d "/lib/modules/$kver" ] || fail "no /lib/modules/$kver"
[ -w "$TUNSH_BUILD" ] || fail "$TUNSH_BUILD not writable"
touch /etc/.vm-write-test || fail "root not writable"
# mount(8) keeps /run/mount/utab; a checkout under /tmp is mounted on
# purpose (run.sh); anything else came from the host.
shopt -s nullglob dotglob
for f in /run/* /tmp/*; do
	[ "$f" = /run/mount ] && continue
	[[ $TUNSH_TOP == "$f" || $TUNSH_TOP == "$f"/* ]] && continue
	fail "/run and /tmp not fresh: $f"
done
# An AEAD transform must autoload esp4 and gcm through /sbin/modprobe:
# AES-256 key plus the 4-byte salt, 36 bytes (RFC 4106 8.1).
ip xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x100 \
	mode tunnel aead 'rfc4106(gcm(aes))' \
	0x010203040506070809101112131415161718192021222324252627282930313233343536 128 ||
	fail "ESP SA with rfc4106(gcm(aes)) refused"
grep -qw esp4 /proc/modules || fail "esp4 not loaded"
echo "kernel $kver, esp4 and gcm autoloaded"
