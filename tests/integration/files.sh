#!/usr/bin/env bash
# Files and commits an admin, a crash or a full disk cannot abuse: load and
# save with the user's rights (a real user in tunsh-admin, not root), FIFOs,
# devices and oversized files refused at once, a 0-byte tunsh.conf at start,
# commit confirmed across kill -9, and full disks (tmpfs in a private mount
# namespace) for the history and for the file.  Root; 77 otherwise.
set -euo pipefail
bin=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
if [ "$(id -u)" != 0 ]; then
	echo "files.sh: needs root to create its user; skipped" >&2
	exit 77
fi
dir=$(mktemp -d)
chmod 755 "$dir"
sock=$dir/tunshd.sock
pid=
# shellcheck source=SCRIPTDIR/users.sh
. "$top/tests/integration/users.sh"
cleanup() {
	local rc=$?
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
	test_cleanup_users
	rm -rf "$dir"
	exit "$rc"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- daemon log:" >&2; cat "$dir/log" >&2; exit 1; }
test_groups_hold
user=
test_user user tunsh-f-adm tunsh,tunsh-admin -N -s /bin/sh
as_user() { runuser -u "$user" -- "$bin/shell/tunsh" --socket "$sock" "$@"; }
as_root() { "$bin/shell/tunsh" --socket "$sock" "$@"; }

# start [PREFIX...]: tunshd in its own network namespace, waited for.
start() {
	rm -f "$sock"
	"$@" unshare -n "$bin/shell/tunshd" -f --config "$dir/etc/tunsh.conf" \
		--state-dir "$dir/state" --socket "$sock" --kernel none \
		--ike-ports 0,0 2>>"$dir/log" &
	pid=$!
	for _ in $(seq 100); do [ -S "$sock" ] && return 0; sleep 0.1; done
	fail "tunshd did not start"
}
stop() { kill -9 "$pid"; wait "$pid" 2>/dev/null || true; pid=; }

mkdir -p "$dir/etc" "$dir/home" "$dir/rootdir"
cp "$top/etc/tunsh.conf" "$dir/etc/tunsh.conf"
chown "$user" "$dir/home"
echo secret >"$dir/rootdir/x"
chmod 644 "$dir/rootdir/x"
start

# 3. The admin reads and writes with its own rights, not root's.
rc=0; out=$(as_user -c 'configure; load merge /etc/shadow' 2>&1) || rc=$?
[ "$rc" = 1 ] || fail "load merge /etc/shadow: exit $rc: $out"
grep -q 'root:' <<<"$out" && fail "shadow leaked: $out"
grep -q '/etc/shadow: Permission denied: the file is opened with your rights' \
	<<<"$out" || fail "shadow refusal: $out"
rc=0; out=$(as_user -c "configure; save $dir/rootdir/x" 2>&1) || rc=$?
[ "$rc" = 1 ] || fail "save into a root directory: exit $rc: $out"
grep -q 'written with your rights' <<<"$out" || fail "save refusal: $out"
[ "$(cat "$dir/rootdir/x")" = secret ] || fail "root's file replaced"
out=$(as_user -c "configure; save $dir/home/mine.conf" 2>&1) ||
	fail "save in the user's directory: $out"
[ "$(stat -c %U "$dir/home/mine.conf")" = "$user" ] ||
	fail "saved file owned by $(stat -c %U "$dir/home/mine.conf")"
as_user -c "configure; load merge $dir/home/mine.conf" >/dev/null ||
	fail "load merge of the user's own file"
# Root's sessions open as root.
as_root -c "configure; load merge $dir/etc/tunsh.conf" >/dev/null ||
	fail "root cannot load a root file"

# 4. Not a regular file, or too large: refused at once, in words.
mkfifo "$dir/home/fifo"
truncate -s 65M "$dir/home/big.conf"
chown "$user" "$dir/home/fifo" "$dir/home/big.conf"
for f in /dev/zero:"is a character device" "$dir/home/fifo":"is a FIFO" \
	"$dir/home/big.conf":"larger than 64 MiB"; do
	rc=0
	out=$(timeout 20 runuser -u "$user" -- "$bin/shell/tunsh" \
		--socket "$sock" -c "configure; load merge ${f%%:*}" 2>&1) || rc=$?
	[ "$rc" = 1 ] || fail "load merge ${f%%:*}: exit $rc (124: hung): $out"
	grep -q "${f#*:}" <<<"$out" || fail "load merge ${f%%:*}: $out"
done
as_user -c 'show version' >/dev/null || fail "daemon unresponsive after"
for f in /dev/zero "$dir/home/fifo" "$dir/home/big.conf"; do
	rc=0; timeout 20 "$bin/shell/tunshd" --check-config "$f" 2>/dev/null || rc=$?
	[ "$rc" = 1 ] || fail "--check-config $f: exit $rc (124: hung)"
done

# 9. A 0-byte file at start: tunshd starts from the last commit.
as_root -c 'configure; ipsec tunnel branch-1; dpd timeout 21; top; commit' \
	>/dev/null || fail "commit"
want=$(as_root -c 'show running-config')
stop
: >"$dir/etc/tunsh.conf"
start
[ "$(as_root -c 'show running-config')" = "$want" ] ||
	fail "started from an empty file, not from the last commit"
grep -q 'is empty: started from the last commit' "$dir/log" ||
	fail "no warning about the empty file"
[ -s "$dir/etc/tunsh.conf" ] || fail "file not rewritten from the commit"
# A file that does not parse: the same.
stop
echo 'tunnels = ( {' >"$dir/etc/tunsh.conf"
start
[ "$(as_root -c 'show running-config')" = "$want" ] ||
	fail "started from a broken file"
grep -q 'tunnels = ( {' "$dir/etc/tunsh.conf.rejected" ||
	fail "broken file not kept as .rejected"

# 7. commit confirmed, killed, restarted after its deadline: rolled back.
as_root -c 'configure; ipsec tunnel branch-1; dpd timeout 22; top; commit confirmed 2s' \
	>/dev/null || fail "commit confirmed"
stop
sleep 3 # the deadline must pass while tunshd is down: that is the test
start
[ "$(as_root -c 'show running-config')" = "$want" ] ||
	fail "unconfirmed commit kept across a restart"
as_root -c 'show configuration rollback 0' | grep -q 'dpd timeout 21' ||
	fail "rollback 0 is not the rolled-back configuration"
grep -q 'automatic rollback: commit .* was not confirmed' "$dir/log" ||
	fail "no word of the automatic rollback"

# 10. Full disks: the history's, then the file's.  Each a small tmpfs in a
# mount namespace of tunshd's own, filled through nsenter.
stop
fill() { nsenter -t "$pid" -m -- sh -c "dd if=/dev/zero of=$1/fill bs=4k 2>/dev/null; sync" || true; }
unfill() { nsenter -t "$pid" -m -- rm -f "$1/fill"; }
inns() { nsenter -t "$pid" -m -- "$@"; }
cp -a "$dir/state" "$dir/state.keep"
cp -a "$dir/etc" "$dir/etc.keep"
start unshare -m --propagation private sh -c "
	mount -t tmpfs -o size=2m tmpfs '$dir/state' &&
	cp -a '$dir/state.keep/.' '$dir/state/' &&
	mount -t tmpfs -o size=2m tmpfs '$dir/etc' &&
	cp -a '$dir/etc.keep/.' '$dir/etc/' && exec \"\$@\"" sh
before=$(as_root -c 'show configuration rollback 0')
file_before=$(inns cat "$dir/etc/tunsh.conf")
for where in state etc; do
	fill "$dir/$where"
	rc=0
	out=$(as_root -c 'configure; ipsec tunnel branch-1; dpd timeout 23; top; commit' 2>&1) ||
		rc=$?
	[ "$rc" = 1 ] || fail "commit on a full $where: exit $rc: $out"
	grep -q 'commit refused' <<<"$out" || fail "full $where: $out"
	grep -q 'commit complete' <<<"$out" && fail "full $where: reported complete: $out"
	[ "$(as_root -c 'show running-config')" = "$want" ] ||
		fail "full $where: running changed"
	[ "$(as_root -c 'show configuration rollback 0')" = "$before" ] ||
		fail "full $where: history changed"
	[ "$(inns cat "$dir/etc/tunsh.conf")" = "$file_before" ] ||
		fail "full $where: the file changed"
	unfill "$dir/$where"
done
as_root -c 'configure; ipsec tunnel branch-1; dpd timeout 23; top; commit' |
	grep -q 'commit complete' || fail "commit once there is room"
as_root -c 'show configuration rollback 0' | grep -q 'dpd timeout 23' ||
	fail "commit not recorded"
echo "files: all checks passed"
