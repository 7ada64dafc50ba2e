#!/usr/bin/env bash
# tunshd --check-config and --print-config through the real binary: exit
# codes, the exact messages a person reads, and the default configuration
# printed as the commands that build it.
set -euo pipefail
tunshd=$1
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cd "$top"
"$tunshd" --check-config etc/tunsh.conf >"$out" 2>&1 || fail "default config refused: $(cat "$out")"
grep -qx "etc/tunsh.conf: valid (3 tunnels, 2 VLANs, 1 WAN port, 0 warnings)" "$out" ||
	fail "unexpected check output: $(cat "$out")"

"$tunshd" --print-config etc/tunsh.conf >"$out"
diff -u tests/cli/default.commands "$out" || fail "print-config differs"
grep -q "Example_only" "$out" && fail "secret printed without --show-secrets"
"$tunshd" --print-config etc/tunsh.conf --show-secrets | grep -q "pre-shared-key Example_only_change_me_aws1" ||
	fail "--show-secrets does not show the key"

rc=0
"$tunshd" --check-config tests/cli/bad.conf >"$out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "bad.conf: exit $rc, want 1"
diff -u - "$out" <<'EOT' || fail "bad.conf messages differ"
tests/cli/bad.conf:4: unknown setting "remote-adress" in ipsec tunnel t1 (see tunsh.conf(5) for the list)
tests/cli/bad.conf:5: ipsec tunnel t2: dpd timeout "often" is not a duration: give 0-3600 seconds (suffixes s, m, h, d allowed)
tests/cli/bad.conf:5: enable must be true or false, not a string
tests/cli/bad.conf: not valid (3 errors, 0 warnings)
EOT

rc=0
"$tunshd" --check-config tests/cli/invalid.conf >"$out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "invalid.conf: exit $rc, want 1"
diff -u - "$out" <<'EOT' || fail "invalid.conf messages differ"
tests/cli/invalid.conf: error: ipsec tunnel t1: remote-network 10.20.0.0/16 overlaps local network vlan 20 (10.20.5.0/24): the two sides of a tunnel need distinct addresses
tests/cli/invalid.conf: warning: ipsec tunnel t1: pre-shared-key is shorter than 20 characters: a longer random key resists guessing
tests/cli/invalid.conf: not valid (1 error, 1 warning)
EOT

rc=0
"$tunshd" --check-config /nonexistent.conf >"$out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "missing file: exit $rc, want 1"
rc=0
"$tunshd" --bogus >"$out" 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "bad option: exit $rc, want 2"
rc=0
"$tunshd" --check-config etc/tunsh.conf --show-secrets >"$out" 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "--show-secrets with --check-config: exit $rc, want 2"
echo "tunshd_check: all passed"
