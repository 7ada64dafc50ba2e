#!/usr/bin/env bash
# tunshd against hostile and clumsy clients, through its real socket, as
# real users made here (one only in tunsh-admin, one only in tunsh, one in
# neither), each part with its own tunshd and the options under test:
#   users      the socket lets each group in and refuses the others in words
#   source     a made-up SSH_CONNECTION shows as claimed in show users and
#              the log
#   frames     never a HELLO, an oversized frame, binary bytes, a NUL in a
#              line: that session ends with a FATAL, the others go on
#   slowread   a client that asks for show running-config json (2,000
#              tunnels) again and again and never reads: tunshd's RSS stays
#              under a bound, others are served, the reader is dropped
#   output     one command's output over --max-output is cut, in words
#   limits     sessions per user and in total, the last slot an admin's;
#              a flood of connections under a low RLIMIT_NOFILE: refused in
#              words, and an admin still connects and commits
#   idle       an idle session ends, its configure exclusive with it; the
#              session of a pending commit confirmed is spared
#   clear      clear session ID: an operator is refused, an admin ends
#              another session and its configure exclusive
# Needs root (users, groups); 77 otherwise.
set -euo pipefail
bin=$(readlink -f "$1")
if [ "$(id -u)" -ne 0 ]; then
	echo "hostile: needs root to create its test users"
	exit 77
fi
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d)
chmod 755 "$dir"
hc=$bin/tests/integration/hostile_client
pids=()
# shellcheck source=SCRIPTDIR/users.sh
. "$top/tests/integration/users.sh"
cleanup() {
	exec 7>&- 8>&- 9>&- 2>/dev/null || true
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	test_cleanup_users
	rm -rf "$dir"
}
trap cleanup EXIT
log=/dev/null
fail() {
	echo "FAIL: $*" >&2
	echo "--- tunshd log ($log):" >&2
	cat "$log" >&2 || true
	exit 1
}
# Polls (10 s at most) until a command's output matches: no fixed sleeps.
until_seen() {
	local cmd=$1 pattern=$2
	for _ in $(seq 100); do
		eval "$cmd" 2>/dev/null | grep -qE -- "$pattern" && return 0
		sleep 0.1
	done
	fail "never saw /$pattern/ from: $cmd"
}
as() { local u=$1; shift; runuser -u "$u" -- "$@"; }
# tunsh leaks its frame buffer when tunshd refuses it (shell/tunsh.c,
# connect_daemon): under ASan that would turn the refusal's exit 2 into a
# leak's.  Only the refused runs go without leak detection.
refused() { ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 "$@"; }
ts() { "$bin/shell/tunsh" --socket "$sock" "$@"; }

test_groups_hold
adm='' op='' op2='' none=''
test_user adm tunsh-h-adm tunsh-admin -d / -s /bin/sh
test_user op tunsh-h-op tunsh -d / -s /bin/sh
test_user op2 tunsh-h-op2 tunsh -d / -s /bin/sh
test_user none tunsh-h-none "" -d / -s /bin/sh

# A daemon of its own for a part: start NAME [tunshd options].  Sets
# sock, log and pid.
start() {
	local name=$1
	shift
	mkdir -p "$dir/$name"
	[ -f "$dir/$name/tunsh.conf" ] || cp "$top/etc/tunsh.conf" "$dir/$name/"
	sock=$dir/$name/s
	log=$dir/$name/log
	unshare -n "$bin/shell/tunshd" -f --config "$dir/$name/tunsh.conf" \
		--state-dir "$dir/$name/state" --socket "$sock" --kernel none \
		--ike-ports 0,0 "$@" 2>"$log" &
	pid=$!
	pids+=("$pid")
	for _ in $(seq 100); do [ -S "$sock" ] && [ "$(stat -c %a "$sock")" = 666 ] && break; sleep 0.1; done
	[ -S "$sock" ] || fail "$name: tunshd did not create $sock"
}
stop() {
	kill -TERM "$pid"
	wait "$pid" || fail "tunshd exit status $? on SIGTERM"
}

# --- users: the socket admits each group, SO_PEERCRED decides (defect 8).
start users
[ "$(stat -c %a "$sock")" = 666 ] || fail "socket mode $(stat -c %a "$sock")"
as "$adm" "$bin/shell/tunsh" --socket "$sock" \
	-c 'configure; hostname fw9; commit' >"$dir/out" 2>&1 ||
	fail "tunsh-admin only: $(cat "$dir/out")"
grep -q 'commit complete' "$dir/out" || fail "admin commit: $(cat "$dir/out")"
as "$op" "$bin/shell/tunsh" --socket "$sock" -c 'show running-config' \
	>"$dir/out" 2>&1 || fail "tunsh only: $(cat "$dir/out")"
grep -qx 'hostname fw9' "$dir/out" || fail "operator read: $(cat "$dir/out")"
rc=0
as "$op" "$bin/shell/tunsh" --socket "$sock" -c 'configure' >"$dir/out" 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q 'configure: permission denied' "$dir/out" ||
	fail "operator configure: $rc $(cat "$dir/out")"
rc=0
refused as "$none" "$bin/shell/tunsh" --socket "$sock" -c 'show version' >"$dir/out" 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "neither group: exit $rc: $(cat "$dir/out")"
grep -qx "tunshd: user $none may not use tunsh: add it to group tunsh (operators) or tunsh-admin (admins)" \
	"$dir/out" || fail "neither group: $(cat "$dir/out")"

# --- source: what the client claims is marked so (defect 14).
SSH_CONNECTION='203.0.113.99 22 192.0.2.1 22' ts -c 'show users' >"$dir/out"
grep -qE '^\* [0-9]+ +root +ssh 203\.0\.113\.99 22 \(claimed\) ' "$dir/out" ||
	fail "claimed source in show users: $(cat "$dir/out")"
grep -q 'of root (admin) from ssh 203.0.113.99 22 (claimed)$' "$log" ||
	fail "claimed source not in the log"
ts -c 'show users' | grep -qE '^\* [0-9]+ +root +pipe +exec' ||
	fail "a local pipe is marked claimed"
stop

# --- frames: each abuser gets a FATAL and is closed, others go on.
start frames --hello-timeout 2
mkfifo "$dir/fifo"
ts <"$dir/fifo" >"$dir/other.out" 2>&1 &
opid=$!
pids+=("$opid")
exec 7>"$dir/fifo"
echo 'show version' >&7
"$hc" nohello "$sock" >"$dir/out" || fail "never-HELLO not closed: $(cat "$dir/out")"
grep -qx 'tunshd: no HELLO within 2 seconds: closed (is this a tunsh client?)' "$dir/out" ||
	fail "never-HELLO: $(cat "$dir/out")"
"$hc" oversize "$sock" >"$dir/out" || fail "oversize not closed"
grep -qx 'tunshd: line too long: at most 65536 bytes' "$dir/out" || fail "oversize: $(cat "$dir/out")"
"$hc" binary "$sock" >"$dir/out" || fail "binary not closed"
grep -qx 'tunshd: protocol error: not a tunsh frame' "$dir/out" || fail "binary: $(cat "$dir/out")"
"$hc" nul "$sock" >"$dir/out" || fail "NUL not closed"
grep -q 'a line holds a NUL' "$dir/out" || fail "nul: $(cat "$dir/out")"
echo 'show version' >&7
exec 7>&-
wait "$opid" || fail "the other session failed: $(cat "$dir/other.out")"
[ "$(grep -c '^configuration version 0$' "$dir/other.out")" = 2 ] ||
	fail "the other session: $(cat "$dir/other.out")"
stop

# --- slowread: 2,000 tunnels, show running-config json (2.2 MB) asked for
# for 10 s and never read.  Bound: 64 MiB over the RSS at start (before
# the fix tunshd grew by ~27 MB a second, 540 MB in 20 s).
mkdir -p "$dir/slow"
{
	echo 'hostname = "fw1";'
	echo 'interfaces = ( { name = "wan1"; address = "203.0.113.2/24"; gateway = "203.0.113.1"; } );'
	echo 'vlans = ( { id = 20; name = "office"; subnet = "10.20.5.0/24"; } );'
	echo 'tunnels = ('
	for i in $(seq 0 1999); do
		printf '{ name = "t%d"; wan-port = "wan1"; remote-address = "198.18.%d.%d"; pre-shared-key = "example-only-change-me-%06d"; remote-network = [ "172.%d.%d.0/24" ]; local-network = [ "vlan 20" ]; initiator = false; }%s\n' \
			"$i" $((i / 250)) $((i % 250 + 1)) "$i" $((16 + i / 250)) $((i % 250)) \
			"$([ "$i" -lt 1999 ] && echo ,)"
	done
	echo ');'
} >"$dir/slow/tunsh.conf"
start slow --output-timeout 15
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$pid/status"; }
rss0=$(rss)
bound=$((rss0 + 64 * 1024))
mkfifo "$dir/fifo2"
"$hc" slowread "$sock" 10 'show running-config json' <"$dir/fifo2" >"$dir/slow.out" &
spid=$!
pids+=("$spid")
exec 8>"$dir/fifo2"
max=0
while ! grep -q '^sent' "$dir/slow.out"; do
	r=$(rss)
	[ "$r" -gt "$max" ] && max=$r
	[ "$r" -lt "$bound" ] || fail "tunshd RSS $r kB under a slow reader (bound $bound kB)"
	ts -c 'show version' | grep -q '^tunsh ' || fail "another session not served"
	sleep 0.5
done
echo "slowread: RSS $rss0 kB at start, at most $max kB in 10 s, $(cat "$dir/slow.out")"
# It is dropped once its output has waited --output-timeout unread.
for _ in $(seq 300); do grep -q 'closed by tunshd' "$dir/slow.out" && break; sleep 0.1; done
grep -q 'closed by tunshd' "$dir/slow.out" || fail "the slow reader was never dropped"
grep -q 'waited 15 seconds unread (tunshd --output-timeout)' "$log" || fail "drop not logged"
exec 8>&-
ts -c 'show version' >/dev/null || fail "tunshd after the slow reader"

# --- output: one command line's output is bounded (same daemon, 2.2 MB of
# json against a 1 MiB bound).
stop
start slow --max-output 1M
rc=0
ts -c 'show running-config json' >"$dir/out" 2>"$dir/err" || rc=$?
[ "$rc" = 1 ] || fail "truncated output: exit $rc"
tail -1 "$dir/out" | grep -q '^% output truncated at [0-9]* bytes (tunshd --max-output): ask for less' ||
	fail "no truncation line: $(tail -2 "$dir/out")"
[ "$(wc -c <"$dir/out")" -lt $((1024 * 1024 + 1000)) ] || fail "output over the bound"
ts -c 'show running-config ipsec tunnel t7 json' | python3 -m json.tool >/dev/null ||
	fail "a narrower show is cut too"
stop

# --- limits: 6 sessions, 4 per user, the last slot kept for admins.
start limits --max-sessions 6 --max-sessions-per-user 4
mkfifo "$dir/h1" "$dir/h2"
as "$op" "$hc" hold "$sock" 5 <"$dir/h1" >"$dir/h1.out" &
pids+=($!)
exec 7>"$dir/h1"
until_seen "cat $dir/h1.out" '^open 4 refused 1 failed 0$'
grep -qx "tunshd: too many sessions for user $op (4, the limit): close one (show users lists them) or raise tunshd --max-sessions-per-user" \
	"$dir/h1.out" || fail "per user: $(cat "$dir/h1.out")"
as "$op2" "$hc" hold "$sock" 3 <"$dir/h2" >"$dir/h2.out" &
pids+=($!)
exec 9>"$dir/h2"
until_seen "cat $dir/h2.out" '^open 1 refused 2 failed 0$'
grep -qx 'tunshd: too many sessions (5 open, the limit is 6, the last kept for admins): close one (show users lists them) or raise tunshd --max-sessions' \
	"$dir/h2.out" || fail "admins' slot: $(cat "$dir/h2.out")"
# An admin takes the last slot, and commits.
mkfifo "$dir/fifo3"
as "$adm" "$bin/shell/tunsh" --socket "$sock" <"$dir/fifo3" >"$dir/adm.out" 2>&1 &
apid=$!
pids+=("$apid")
exec 8>"$dir/fifo3"
printf 'configure\nhostname fw8\ncommit\n' >&8
until_seen "cat $dir/adm.out" '^commit complete'
rc=0
refused "$bin/shell/tunsh" --socket "$sock" -c 'show version' >"$dir/out" 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "the 7th session: exit $rc"
grep -qx 'tunshd: too many sessions (6 open, the limit is 6): close one (show users lists them) or raise tunshd --max-sessions' \
	"$dir/out" || fail "the 7th session: $(cat "$dir/out")"
exec 7>&- 8>&- 9>&-
wait "$apid" || true
until_seen "ts -c 'show version'" '^tunsh '
stop

# A flood under RLIMIT_NOFILE 256 (soft 64: tunshd raises it): 300
# connections of one operator.  63 are sessions, the rest refused in words,
# and an admin connects and commits (a commit opens files).
rc=0
(ulimit -Sn 64 && ulimit -Hn 100 && "$bin/shell/tunshd" -f --max-sessions 64 \
	--socket "$dir/none" --kernel none) >"$dir/out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "--max-sessions over RLIMIT_NOFILE: exit $rc"
grep -q 'tunshd: --max-sessions 64 needs 192 file descriptors (128 kept for the daemon), and RLIMIT_NOFILE is 100: lower --max-sessions or raise the limit' \
	"$dir/out" || fail "RLIMIT_NOFILE: $(cat "$dir/out")"
ulimit -Sn 64
ulimit -Hn 256
start flood --max-sessions-per-user 300
ulimit -Sn 256
grep -qE '^Max open files +256 +256 ' "/proc/$pid/limits" ||
	fail "soft RLIMIT_NOFILE not raised: $(grep 'open files' "/proc/$pid/limits")"
mkfifo "$dir/h3"
as "$op" "$hc" hold "$sock" 300 <"$dir/h3" >"$dir/h3.out" &
pids+=($!)
exec 7>"$dir/h3"
until_seen "cat $dir/h3.out" '^open 63 refused 237 failed 0$'
grep -q 'too many sessions (63 open, the limit is 64, the last kept for admins)' "$dir/h3.out" ||
	fail "flood: $(cat "$dir/h3.out")"
ts -c 'configure; hostname fw7; commit' >"$dir/out" 2>&1 ||
	fail "admin commit during the flood: $(cat "$dir/out")"
grep -q 'commit complete' "$dir/out" || fail "flood commit: $(cat "$dir/out")"
[ "$(grep -c 'Error from accept' "$log")" = 0 ] || fail "accept errors logged"
[ "$(grep -c 'too many sessions' "$log")" -lt 20 ] ||
	fail "one log line per refusal: $(grep -c 'too many sessions' "$log")"
exec 7>&-
stop

# --- idle: sessions idle for 3 s end, the exclusive lock with them, and
# the user is told; the session of a pending commit confirmed is spared.
start idle --idle-timeout 3s
mkfifo "$dir/c"
ts <"$dir/c" >"$dir/c.out" 2>&1 &
cpid=$!
pids+=("$cpid")
exec 7>"$dir/c"
printf 'configure\nhostname fw6\ncommit confirmed 10m\nend\n' >&7
until_seen "cat $dir/c.out" 'commit confirmed: rolled back in'
"$hc" listen "$sock" 'configure exclusive' 'hostname fw5' >"$dir/x.out" &
pids+=($!)
until_seen "cat $dir/x.out" '^ready$'
rc=0
ts -c 'configure' >/dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "configure while exclusive: exit $rc"
until_seen "cat $dir/x.out" '^closed by tunshd$'
grep -qx 'NOTICE % session [0-9]* idle for 3 seconds: closed (tunshd --idle-timeout): uncommitted changes discarded; configure exclusive released' \
	"$dir/x.out" || fail "the idle user was not told: $(cat "$dir/x.out")"
grep -qE 'session [0-9]+ of root idle for 3 seconds: closed \(tunshd --idle-timeout\): uncommitted changes discarded; configure exclusive released' \
	"$log" || fail "idle end not logged"
# The confirming session went idle first, and is still there.
ts -c 'show users' | grep -qE '^  [0-9]+ +root +pipe +exec ' ||
	fail "the commit confirmed session was idled out"
ts -c 'configure' >"$dir/out" 2>&1 || fail "lock not released: $(cat "$dir/out")"
# Confirmed, it is idle like any other.
printf 'configure\ncommit\nend\n' >&7
until_seen "cat $log" 'session [0-9]+ of root idle for 3 seconds: closed \(tunshd --idle-timeout\)$'
# Its next line finds the session gone: tunsh says why, not dies of
# SIGPIPE in silence.
printf 'show version\n' >&7
exec 7>&-
rc=0
wait "$cpid" || rc=$?
[ "$rc" != 0 ] && [ "$rc" -lt 128 ] || fail "tunsh after its session idled out: exit $rc"
grep -q 'idle for 3 seconds: closed (tunshd --idle-timeout)' "$dir/c.out" ||
	fail "tunsh did not say why its session ended: $(cat "$dir/c.out")"
stop

# --- clear: an admin ends another session and its exclusive lock.
start clear
"$hc" listen "$sock" 'configure exclusive' 'hostname fw3' >"$dir/v.out" &
pids+=($!)
until_seen "cat $dir/v.out" '^ready$'
id=$(ts -c 'show users' | awk '$NF == "exclusive" { print $1 }')
rc=0
as "$op" "$bin/shell/tunsh" --socket "$sock" -c "clear session $id" >"$dir/out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "operator clear session: exit $rc"
grep -q 'clear session: permission denied: only admins may end sessions' "$dir/out" ||
	fail "operator clear: $(cat "$dir/out")"
rc=0
ts -c 'clear session 999' >"$dir/out" 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q 'clear session 999: no such session' "$dir/out" ||
	fail "clear session 999: $(cat "$dir/out")"
as "$adm" "$bin/shell/tunsh" --socket "$sock" -c "clear session $id" >"$dir/out" 2>&1 ||
	fail "admin clear session: $(cat "$dir/out")"
grep -qx "session $id of root (hostile (claimed)) ended; its uncommitted changes are discarded; configure exclusive is released" \
	"$dir/out" || fail "clear session: $(cat "$dir/out")"
grep -q "session $id of root ended by admin $adm (session [0-9]*, pipe): uncommitted changes discarded; configure exclusive released" \
	"$log" || fail "clear session not logged"
grep -q 'session of root (hostile (claimed)) ended: uncommitted changes discarded' "$log" ||
	fail "the candidate's drop not logged"
ts -c 'configure exclusive' >/dev/null 2>&1 || fail "lock not released"
until_seen "cat $dir/v.out" '^closed by tunshd$'
grep -qx "NOTICE % session $id ended by admin $adm (session [0-9]*, pipe): uncommitted changes discarded; configure exclusive released" \
	"$dir/v.out" || fail "the ended user was not told: $(cat "$dir/v.out")"
stop
echo "hostile: all passed"
