#!/usr/bin/env bash
# tunshd under a stand-in for systemd (tunshd.service is Type=notify with
# WatchdogSec): a datagram socket as $NOTIFY_SOCKET and $WATCHDOG_USEC, as
# systemd sets them.  READY=1 comes once the socket answers; keep-alives
# come from the loop and stop while the loop cannot run (SIGSTOP: what a
# hung loop looks like from outside), and come back with it; STOPPING=1
# on SIGTERM.  With $JOURNAL_STREAM naming its stderr, each log line
# carries its priority as "<N>" for the journal.
set -euo pipefail
bin=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d)
pid=
reader=
cleanup() {
	[ -n "$reader" ] && kill "$reader" 2>/dev/null
	[ -n "$pid" ] && kill -CONT "$pid" 2>/dev/null
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- daemon log:" >&2; cat "$dir/log" >&2; exit 1; }

cp "$top/etc/tunsh.conf" "$dir/tunsh.conf"
: >"$dir/log"
# Reads the notify socket: each datagram as one line (newlines as |),
# until the test says stop (a file) or 120 s.
python3 - "$dir/notify" "$dir/msgs" "$dir/stop" <<'PY' &
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(0.1)
end = time.monotonic() + 120
with open(sys.argv[2], "a", buffering=1) as out:
    while time.monotonic() < end and not os.path.exists(sys.argv[3]):
        try:
            out.write(s.recv(4096).decode().replace("\n", "|") + "\n")
        except socket.timeout:
            pass
PY
reader=$!
for _ in $(seq 50); do [ -S "$dir/notify" ] && break; sleep 0.1; done
[ -S "$dir/notify" ] || fail "the notify socket was not made"
: >"$dir/msgs"

journal="$(stat -c %d "$dir/log"):$(stat -c %i "$dir/log")"
NOTIFY_SOCKET=$dir/notify WATCHDOG_USEC=2000000 JOURNAL_STREAM=$journal \
	unshare -n "$bin/shell/tunshd" -f --config "$dir/tunsh.conf" \
	--state-dir "$dir/state" --socket "$dir/tunshd.sock" --kernel none \
	--ike-ports 0,0 2>>"$dir/log" &
pid=$!

# Waits (30 s at most) until the messages match, printing how many do.
count() { grep -cE -- "$1" "$dir/msgs" || true; }
until_count() {
	local pattern=$1 want=$2
	for _ in $(seq 300); do
		[ "$(count "$pattern")" -ge "$want" ] && return 0
		sleep 0.1
	done
	fail "saw $(count "$pattern") of $want /$pattern/: $(cat "$dir/msgs")"
}

until_count '^READY=1\|' 1
grep -qE "^READY=1\|MAINPID=$pid\|STATUS=listening on $dir/tunshd.sock$" \
	"$dir/msgs" || fail "READY=1 without its pid and status: $(cat "$dir/msgs")"
# Ready means the socket answers.
"$bin/shell/tunsh" --socket "$dir/tunshd.sock" -c 'show version' |
	grep -q '^tunsh' || fail "READY=1 but the socket does not answer"
grep -q '^<6>shell .*watchdog: a keep-alive every 1000 ms' "$dir/log" ||
	fail "no journal priority prefix or watchdog line"

# Keep-alives: every second; three of them.
until_count '^WATCHDOG=1$' 3
# The loop stopped: none can come.  A keep-alive sent just before the
# stop may still be in the socket: wait until two (the reader's 100 ms
# poll, twice) pass without a new line, then check four seconds, two
# whole watchdog periods, bring none.
kill -STOP "$pid"
n=$(count '^WATCHDOG=1$')
for _ in $(seq 50); do
	sleep 0.3
	m=$(count '^WATCHDOG=1$')
	[ "$m" = "$n" ] && break
	n=$m
done
sleep 4
[ "$(count '^WATCHDOG=1$')" = "$n" ] ||
	fail "keep-alives while the loop was stopped"
# The loop runs again: the keep-alives are back.
kill -CONT "$pid"
until_count '^WATCHDOG=1$' $((n + 2))

kill -TERM "$pid"
wait "$pid" || fail "tunshd exited $? on SIGTERM"
pid=
until_count '^STOPPING=1$' 1
touch "$dir/stop"
wait "$reader"
reader=
echo "notify: READY=1, $(count '^WATCHDOG=1$') keep-alives, none while stopped, STOPPING=1"
