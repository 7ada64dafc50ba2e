#!/usr/bin/env bash
# What operators and admins type, through the real socket as real users
# (issue 9): lines that crashed tunshd, control characters that reached
# other people's terminals, a line too long for one frame, and a deleted
# tunnel's key left in the daemon's memory.  Needs root: it adds a test
# operator (group tunsh) and a test admin (groups tunsh, tunsh-admin).
set -euo pipefail
bin=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
if [ "$(id -u)" -ne 0 ]; then
	echo "input: needs root to create its test users"
	exit 77
fi
dir=$(mktemp -d)
chmod 755 "$dir"
sock=$dir/tunshd.sock
pid=
# shellcheck source=SCRIPTDIR/users.sh
. "$top/tests/integration/users.sh"
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	test_cleanup_users
	rm -rf "$dir"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*" >&2
	echo "--- tunshd log:" >&2
	cat -v "$dir/log" >&2
	exit 1
}
# tunsh as one of the test users: "op" or "adm".
as() {
	local u=$user_op
	[ "$1" = adm ] && u=$user_adm
	shift
	runuser -u "$u" -- "$bin/shell/tunsh" --socket "$sock" "$@"
}
# Waits (5 s at most) until a command's output matches: no fixed sleeps.
until_seen() {
	local cmd=$1 pattern=$2
	for _ in $(seq 50); do
		eval "$cmd" 2>/dev/null | grep -qE -- "$pattern" && return 0
		sleep 0.1
	done
	fail "never saw /$pattern/ from: $cmd"
}
# tunshd still answers, from the same process, on the same socket.
alive() {
	kill -0 "$pid" 2>/dev/null || fail "tunshd died after $1"
	as op -c 'show version' | grep -q '^configuration version' ||
		fail "tunshd does not answer after $1"
}
# No ESC or BEL byte: the terminal would obey it.
no_controls() {
	if LC_ALL=C grep -q $'[\x1b\x07]' "$@"; then
		fail "a raw control character in $*: $(cat -v "$@")"
	fi
}

test_groups_hold
user_op='' user_adm=''
test_user user_op tunsh-t-inop tunsh -d /nonexistent -s /usr/sbin/nologin
test_user user_adm tunsh-t-inadm tunsh,tunsh-admin -d /nonexistent \
	-s /usr/sbin/nologin

cp "$top/etc/tunsh.conf" "$dir/tunsh.conf"
# Its own network namespace (only lo, down): the example tunnels' IKE
# never leaves this machine.  --kernel none: this kernel has no ESP.
unshare -n "$bin/shell/tunshd" -f --config "$dir/tunsh.conf" \
	--state-dir "$dir/state" --socket "$sock" --kernel none \
	--ike-ports 0,0 2>"$dir/log" &
pid=$!
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || fail "tunshd did not create $sock"
alive "start"

# 1. A refused word that is empty, or not in the line as typed, or in a
# line of 3,000 capitals: the marker stays under the line, tunshd lives.
long=$(python3 -c 'import random, string
random.seed(9)
print("show " + "".join(random.choice(string.ascii_uppercase)
    for _ in range(3000)) + "\x27\"")')
for role in op adm; do
	rc=0
	printf '%s\n' "'\"" | as "$role" >"$dir/out" 2>"$dir/err" || rc=$?
	[ "$rc" = 1 ] || fail "$role: '\": exit $rc"
	printf "      ^\n%% Invalid input detected at '^' marker.\n" |
		cmp -s - "$dir/out" || fail "$role: '\": $(cat "$dir/out")"
	alive "$role: '\""
	rc=0
	printf '|\n' | as "$role" >"$dir/out" 2>"$dir/err" || rc=$?
	[ "$rc" = 1 ] || fail "$role: |: exit $rc"
	# tunshd parses the filters itself (issue 12): the same for both.
	want="% | filters a command's output: give the command first (show running-config | include ipsec)"
	[ "$(cat "$dir/out")" = "$want" ] || fail "$role: |: $(cat "$dir/out")"
	alive "$role: |"
	rc=0
	printf '%s\n' "$long" | as "$role" >"$dir/out" 2>"$dir/err" || rc=$?
	[ "$rc" = 1 ] || fail "$role: long line: exit $rc"
	printf "          ^\n%% Invalid input detected at '^' marker.\n" |
		cmp -s - "$dir/out" || fail "$role: long line: $(cat "$dir/out")"
	alive "$role: show and 3,000 capitals"
done

# 12. Control characters in a commit comment, a word echoed in an error
# and a file name: shown as \x1b, never obeyed, in show log, terminal
# monitor, the daemon's log (syslog when not in foreground) and errors.
# A session's source (SSH_CONNECTION, the user's to set) is made
# printable by tunsh, which tunshd requires of a HELLO.
mkfifo "$dir/mon.in"
as op <"$dir/mon.in" >"$dir/mon.out" 2>&1 &
mon=$!
exec 3>"$dir/mon.in"
printf 'terminal monitor\nshow version\n' >&3
until_seen "cat $dir/mon.out" '^configuration version'
printf 'configure\nipsec tunnel branch-1\ndpd timeout 21\ncommit comment a\e[2Jb\n' |
	as adm >"$dir/out" 2>&1 || fail "commit: $(cat -v "$dir/out")"
grep -q '^commit complete' "$dir/out" || fail "commit: $(cat -v "$dir/out")"
as op -c 'show log lines 100' >"$dir/showlog" || fail "show log"
grep -qF '(comment "a\x1b[2Jb")' "$dir/showlog" ||
	fail "show log: $(cat -v "$dir/showlog")"
SSH_CONNECTION=$'\e]0;owned\a 22' as op -c 'show users' >"$dir/users" 2>&1 ||
	fail "hostile SSH_CONNECTION: $(cat -v "$dir/users")"
grep -qF " $user_op ssh ?]0;owned? 22 (claimed) " "$dir/users" ||
	fail "show users: $(cat -v "$dir/users")"
rc=0
as adm -c $'show running-config \e[2J' >"$dir/echo" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "show running-config ESC: exit $rc"
grep -qF 'unexpected "\x1b[2J"' "$dir/echo" || fail "echo: $(cat -v "$dir/echo")"
rc=0
as adm -c $'configure; load merge /nonexistent/\e[2J.conf' >"$dir/load" 2>&1 ||
	rc=$?
[ "$rc" = 1 ] || fail "load merge ESC: exit $rc"
grep -qF '/nonexistent/\x1b[2J.conf' "$dir/load" ||
	fail "load: $(cat -v "$dir/load")"
# The monitor session gets the log lines with the next line it runs.
printf 'show version\n' >&3
exec 3>&-
wait "$mon" || true
grep -qF '(comment "a\x1b[2Jb")' "$dir/mon.out" ||
	fail "terminal monitor: $(cat -v "$dir/mon.out")"
grep -qF "INFO config: commit 1 by $user_adm" "$dir/mon.out" ||
	fail "terminal monitor: $(cat -v "$dir/mon.out")"
no_controls "$dir/showlog" "$dir/users" "$dir/echo" "$dir/load" \
	"$dir/mon.out" "$dir/log"
grep -qF '(comment "a\x1b[2Jb")' "$dir/log" ||
	fail "the daemon's log does not have the comment escaped"

# 15. A line longer than a frame: refused by its number, not sent; the
# script stops there, or goes on with --keep-going.  65,536 bytes go.
python3 -c 'print("! a comment\n\nshow version | include tunsh\n!\n!\n!")
print("show " + "x" * 70000)
print("show version")' >"$dir/script"
rc=0
as op <"$dir/script" >"$dir/out" 2>"$dir/err" || rc=$?
[ "$rc" = 1 ] || fail "long line: exit $rc"
[ "$(cat "$dir/err")" = 'tunsh: line 7: longer than 65536 bytes: not sent' ] ||
	fail "long line: stderr: $(head -c 300 "$dir/err")"
grep -q '^configuration version' "$dir/out" && fail "ran on past line 7"
rc=0
as op --keep-going <"$dir/script" >"$dir/out" 2>"$dir/err" || rc=$?
[ "$rc" = 1 ] || fail "long line, --keep-going: exit $rc"
grep -qx 'tunsh: line 7: longer than 65536 bytes: not sent' "$dir/err" ||
	fail "long line, --keep-going: $(head -c 300 "$dir/err")"
grep -q '^configuration version' "$dir/out" ||
	fail "--keep-going did not run line 8"
python3 -c 'print("show " + "x" * (65536 - 5))' >"$dir/script"
rc=0
as op <"$dir/script" >"$dir/out" 2>"$dir/err" || rc=$?
[ "$rc" = 1 ] || fail "65536 bytes: exit $rc"
grep -q 'Invalid input' "$dir/out" || fail "65536 bytes not sent: $(head -c 300 "$dir/err")"
alive "long lines"

kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[ "$rc" = 0 ] || fail "tunshd exit $rc on SIGTERM"

# 16. A deleted tunnel's key is gone from the daemon's memory: every
# writable mapping of a live tunshd is read through /proc/PID/mem (as
# gcore would; a core of an ASan build is terabytes of shadow, so the
# mappings over 1 GiB, which are ASan's shadow and reservations, are
# left out).  The key is typed, shown with show-secrets, committed,
# compared, then the tunnel deleted and committed; its sessions end.
# (Not show-secrets: its output stays in libevent's buffers, server.c.)
# Under ASan, freed blocks would sit in its quarantine unwiped, as glibc
# never keeps them: they are filled with zeros on free, so the check
# sees what is live, as in the plain build.
cp "$top/etc/tunsh.conf" "$dir/tunsh.conf"
ASAN_OPTIONS="${ASAN_OPTIONS:-}:max_free_fill_size=1048576:free_fill_byte=0" \
	unshare -n "$bin/shell/tunshd" -f --config "$dir/tunsh.conf" \
	--state-dir "$dir/state2" --socket "$sock" --kernel none \
	--ike-ports 0,0 2>"$dir/log" &
pid=$!
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || fail "tunshd did not create $sock"
key=Zq7-only-in-k1-$RANDOM$RANDOM-deleted-key
printf 'configure\nipsec tunnel k1\nwan-port wan1\nremote-address 198.51.100.77\npre-shared-key %s\nremote-network 172.29.0.0/16\nlocal-network vlan 20\nexit\nshow compare\nshow json\ncommit\nend\nshow running-config ipsec tunnel k1\n' \
	"$key" | as adm >"$dir/out" 2>&1 || fail "k1: $(cat "$dir/out")"
grep -qx ' pre-shared-key \*\*\*\*\*\*\*\*' "$dir/out" || fail "k1 not committed"
printf 'configure\nno ipsec tunnel k1\nshow compare\ncommit\nend\n' |
	as adm >"$dir/out" 2>&1 || fail "no k1: $(cat "$dir/out")"
grep -q '^commit complete' "$dir/out" || fail "no k1: $(cat "$dir/out")"
alive "deleting k1"
python3 - "$pid" "$key" "${key:0:16}" "${key:16}" <<'PY' || fail "the deleted key is in tunshd's memory"
import re, sys
pid, needles = sys.argv[1], [s.encode() for s in sys.argv[2:]]
found = 0
with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
    for m in maps:
        f = m.split()
        lo, hi = (int(x, 16) for x in f[0].split("-"))
        if "w" not in f[1] or hi - lo > 1 << 30:
            continue
        try:
            mem.seek(lo)
            data = mem.read(hi - lo)
        except OSError:
            continue
        for n in needles:
            for at in re.finditer(re.escape(n), data):
                found += 1
                print(f"{n.decode()} at {lo + at.start():#x} in",
                      f[5] if len(f) > 5 else "[anon]", f[0],
                      data[max(0, at.start() - 48):at.start() + 64])
sys.exit(1 if found else 0)
PY
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[ "$rc" = 0 ] || fail "tunshd exit $rc on SIGTERM (second run)"
echo "input: all passed"
