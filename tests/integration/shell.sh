#!/usr/bin/env bash
# tunshd and tunsh through the real socket: piped scripts and -c with
# their outputs and exit statuses, a commit that reaches the file and the
# history, protocol abuse that ends only the abuser's session, and a
# client killed in configuration mode.  Everything in a scratch directory.
set -euo pipefail
bin=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/scratch.sh
. "$top/tests/integration/scratch.sh"
# Waits (5 s at most) until a command's output matches: no fixed sleeps.
until_seen() {
	local cmd=$1 pattern=$2
	for _ in $(seq 50); do
		eval "$cmd" 2>/dev/null | grep -qE -- "$pattern" && return 0
		sleep 0.1
	done
	fail "never saw /$pattern/ from: $cmd"
}

start_example
# -c: lines separated by ';', status 0.
out=$(tunsh -c 'show version; show running-config ipsec tunnel branch-1')
# 0600 while the listener is set up, then 0666 (checked once a session
# has been served, so the answer is the final one): SO_PEERCRED decides
# who may do what (tunshd(8); hostile.sh connects as users of each group).
mode=$(stat -c '%a %U' "$sock")
[ "$mode" = "666 $(id -un)" ] || fail "socket mode and owner: $mode, want 666 $(id -un)"
grep -q '^ipsec tunnel branch-1$' <<<"$out" || fail "-c output: $out"
grep -q 'pre-shared-key \*\*\*\*\*\*\*\*' <<<"$out" || fail "key not masked"

# IOS and Junos phrasings (issue 12): a unique prefix of any keyword or
# setting word is taken, through the real socket; each line exits 0.
for line in 'conf t; end' 'conf ex; end' 'term len 0' 'term mon' \
	'term mon off' 'sh ip tun branch-1 det' 'sh ip tun br js' \
	'sh run ipsec tun branch-1' 'sh ip dpd t branch-1 j' \
	'sh conf hist js' 'sh int js' 'sh log li 1' \
	'conf t; ipsec tun branch-1; dpd action cl; partner-type aw; show comp; discard' \
	'conf t; ipsec tunnel branch-1; dpd timeout 11; commit ch; discard' \
	'conf t; do sh ip tun br; end'; do
	tunsh -c "$line" >"$dir/out" 2>&1 || fail "$line: $(cat "$dir/out")"
done
tunsh -c 'sh ip tun branch-1 det' | grep -q '^Tunnel branch-1$' ||
	fail "sh ip tun branch-1 det: not the tunnel"
tunsh -c 'conf t; ipsec tun branch-1; partner-type aw; show comp; discard' |
	grep -qx '+  partner-type aws' || fail "partner-type aw is not aws"
# A prefix of two values is refused with both.
rc=0
tunsh -c 'conf t; ipsec tun branch-1; partner-type a' >"$dir/out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "partner-type a: exit $rc"
grep -q '"partner-type a" could be aws, azure' "$dir/out" ||
	fail "partner-type a: $(cat "$dir/out")"

# A piped script stops at its first failing line, says where, exits 1.
rc=0
printf 'show version\nconfigure\nipsec tunnel x\nbogus\ndpd timeout 5\n' |
	tunsh >"$dir/out" 2>"$dir/err" || rc=$?
[ "$rc" = 1 ] || fail "batch exit $rc, want 1"
grep -qx "tunsh: line 4: bogus: % Invalid input detected at '^' marker." "$dir/err" ||
	fail "batch error: $(cat "$dir/err")"
grep -qx 'tunsh: end of input in configuration mode: uncommitted changes discarded; end the script with commit (or discard)' \
	"$dir/err" || fail "no word about the discarded candidate"

# Input that ends with uncommitted changes is a failed script (issue 12):
# exit 1 and why, from a pipe, from -c, and after exit.
for script in 'configure\nipsec tunnel branch-1\ndpd timeout 21\n' \
	'configure\nipsec tunnel branch-1\ndpd timeout 21\nend\nexit\n'; do
	rc=0
	printf "$script" | tunsh >"$dir/out" 2>"$dir/err" || rc=$?
	[ "$rc" = 1 ] || fail "uncommitted at the end: exit $rc"
	grep -q '^tunsh: .*: uncommitted changes discarded; ' "$dir/err" ||
		fail "uncommitted at the end: $(cat "$dir/err")"
done
rc=0
tunsh -c 'configure; ipsec tunnel branch-1; dpd timeout 21' 2>"$dir/err" || rc=$?
[ "$rc" = 1 ] || fail "-c uncommitted at the end: exit $rc"
grep -q 'end of input in configuration mode: uncommitted changes discarded' \
	"$dir/err" || fail "-c uncommitted: $(cat "$dir/err")"
tunsh -c 'configure; ipsec tunnel branch-1; end' || fail "a look is no change"

# -c splits at ';' outside quotes only; a description keeps its text as
# typed, one quoted string loses its quotes (tunsh(1), QUOTING).
out=$(tunsh -c 'configure; ipsec tunnel branch-1; description "Lyon; site B"; show compare; description "Lyon" office; show compare; discard') ||
	fail "-c with a quoted ';': $out"
grep -qx '+  description Lyon; site B' <<<"$out" || fail "quoted ';': $out"
grep -qx '+  description "Lyon" office' <<<"$out" || fail "quotes kept: $out"

# A key never reaches the session's history, typed or sent after the
# hidden prompt (terminal.sh types it there).
out=$(tunsh -c 'configure; ipsec tunnel branch-1; pre-shared-key typed-secret-0123456789; do history; discard')
grep -q 'typed-secret' <<<"$out" && fail "key in history: $out"
grep -q '^ *3  pre-shared-key \*\*\*\*\*\*\*\*$' <<<"$out" || fail "history: $out"

# The configuration tunshd started with is commit 0 (issue 12).
out=$(tunsh -c 'show configuration history')
grep -qE '^0 +0 +[0-9-]+ [0-9:]+ tunshd +system, ' <<<"$out" ||
	fail "no start in the history: $out"
grep -qx '    comment: the configuration of the first start' <<<"$out" ||
	fail "no comment: $out"

# --keep-going runs on and still exits 1.
rc=0
printf 'configure\nipsec tunnel x\nbogus\nshow compare\n' |
	tunsh --keep-going >"$dir/out" 2>"$dir/err" || rc=$?
[ "$rc" = 1 ] || fail "keep-going exit $rc"
grep -qx '+ ipsec tunnel x' "$dir/out" || fail "keep-going did not run on"

# A commit from a script reaches the file, mode 0600, and the history.
printf 'configure\nipsec tunnel branch-1\ndpd timeout 20\ncommit comment from a script\n' |
	tunsh >"$dir/out" || fail "commit script: $(cat "$dir/out")"
grep -qx 'commit complete (version 1)' "$dir/out" || fail "commit: $(cat "$dir/out")"
grep -q 'dpd-timeout = 20;' "$dir/tunsh.conf" || fail "file not saved"
[ "$(stat -c %a "$dir/tunsh.conf")" = 600 ] || fail "file mode"
[ -f "$dir/state/commits/0000000001.info" ] || fail "no history"
grep -q 'commit 1 by root from pipe: ipsec tunnel branch-1 (comment "from a script")' \
	"$dir/log" || fail "commit not logged with who, where and what"
tunsh -c 'show running-config ipsec tunnel branch-1' | grep -qx ' dpd timeout 20' ||
	fail "running does not show the commit"
tunsh -c 'show configuration history' | grep -qx '    comment: from a script' ||
	fail "the comment is not in the history"
# rollback 1 is the configuration tunshd started with.
tunsh -c 'configure; rollback 1; show compare; discard' |
	grep -qx -- '-  dpd timeout 20' || fail "rollback 1 after the first commit"

# save writes the candidate as a tunsh.conf file, mode 0600, that checks.
tunsh -c "configure; save $dir/saved.conf" >/dev/null || fail "save"
[ "$(stat -c %a "$dir/saved.conf")" = 600 ] || fail "saved file mode"
"$bin/shell/tunshd" --check-config "$dir/saved.conf" >/dev/null ||
	fail "saved file does not check"

# Every show has a json form that parses, with the values in it.
for show in 'show running-config json' 'show version json' 'show users json' \
	'show configuration history json' 'show interfaces json' \
	'show vlans json' 'show log json' 'show log lines 5 json' \
	'show configuration rollback 0 json' \
	'show configuration rollback 0 compare 0 json' \
	'configure; show json' \
	'configure; ipsec tunnel x; description a "quoted" one; show compare json; discard'; do
	tunsh -c "$show" 2>/dev/null | python3 -m json.tool >/dev/null ||
		fail "$show: not JSON"
done
tunsh -c 'show running-config ipsec tunnel branch-1 json' | python3 -c '
import json, sys
d = json.load(sys.stdin)
t = d["tunnels"][0]
assert t["name"] == "branch-1", t
assert t["settings"]["dpd-timeout"] == 20, t
assert t["settings"]["pre-shared-key"] == "********", t
assert "dpd-timeout" in t["set"], t
assert d["version"] == 1, d
' || fail "show running-config json values"

# Protocol abuse: the abuser is told and cut off, nobody else notices.
"$bin/tests/integration/bad_client" "$sock" garbage >"$dir/out" ||
	fail "garbage not answered"
grep -q 'protocol error' "$dir/out" || fail "garbage: $(cat "$dir/out")"
"$bin/tests/integration/bad_client" "$sock" oversize >"$dir/out" ||
	fail "oversize not answered"
grep -q 'line too long' "$dir/out" || fail "oversize: $(cat "$dir/out")"
"$bin/tests/integration/bad_client" "$sock" nohello >"$dir/out" ||
	fail "nohello not answered"

# A client killed in configuration mode: its candidate goes, tunshd stays.
mkfifo "$dir/fifo"
tunsh <"$dir/fifo" >/dev/null 2>&1 &
cpid=$!
exec 3>"$dir/fifo"
printf 'configure\nipsec tunnel y\ndpd timeout 7\n' >&3
until_seen "tunsh -c 'show users'" ' configure +[0-9]'
drops=$(grep -c 'uncommitted changes discarded' "$dir/log" || true)
kill -9 "$cpid"
exec 3>&-
wait "$cpid" 2>/dev/null || true
until_seen "grep -c 'uncommitted changes discarded' $dir/log" "^$((drops + 1))\$"
tunsh -c 'show running-config' | grep -q 'ipsec tunnel y' && fail "y leaked"

# Two sessions at once: the later commit from a stale candidate is refused,
# naming the commit that came between.
mkfifo "$dir/fifo2"
tunsh <"$dir/fifo2" >"$dir/a.out" 2>"$dir/a.err" &
apid=$!
exec 4>"$dir/fifo2"
printf 'configure\nipsec tunnel branch-1\ndpd delay 40\n' >&4
until_seen "tunsh -c 'show users'" ' configure +[0-9]'
printf 'configure\nipsec tunnel branch-1\ndpd delay 50\ncommit comment from b\n' |
	tunsh >/dev/null || fail "session b could not commit"
printf 'commit\n' >&4
exec 4>&-
rc=0
wait "$apid" || rc=$?
[ "$rc" = 1 ] || fail "stale commit exit $rc"
grep -q 'commit refused: the running configuration changed since this candidate was taken (commit 2 by root: ipsec tunnel branch-1)' \
	"$dir/a.out" || fail "stale commit: $(cat "$dir/a.out" "$dir/a.err")"
tunsh -c 'show running-config ipsec tunnel branch-1' | grep -qx ' dpd delay 50' ||
	fail "b's commit lost"

# show log: the daemon's recent lines, with the commits in them.
tunsh -c 'show log lines 200' | grep -q 'commit 1 by root from pipe' ||
	fail "show log does not show the commit"
tunsh -c 'show version; history' | grep -q '^ *1  show version$' ||
	fail "history"

# configure exclusive through the socket: the other session is refused,
# by name.  Then a commit confirmed runs out, and a session that merely
# waits is told when it next speaks.
mkfifo "$dir/fifo3" "$dir/fifo4"
tunsh <"$dir/fifo3" >"$dir/x.out" 2>&1 &
xpid=$!
exec 5>"$dir/fifo3"
printf 'configure exclusive\n' >&5
until_seen "tunsh -c 'show users'" 'exclusive$'
rc=0
tunsh -c 'configure' >"$dir/out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "configure while exclusive: exit $rc"
grep -q 'configure: root (pipe) holds configure exclusive' "$dir/out" ||
	fail "exclusive: $(cat "$dir/out")"
tunsh <"$dir/fifo4" >"$dir/w.out" 2>&1 5>&- &
wpid=$!
exec 6>"$dir/fifo4"
printf 'show version\n' >&6
# Its session must be open before the rollback to be told of it (under
# the sanitizers tunsh starts slowly enough to miss it otherwise).
until_seen "cat $dir/w.out" '^configuration version'
printf 'ipsec tunnel branch-1\ndpd delay 55\ncommit confirmed 1s\nend\n' >&5
exec 5>&-
wait "$xpid" || fail "commit confirmed: $(cat "$dir/x.out")"
until_seen "cat $dir/log" 'automatic rollback: commit'
printf 'show version\n' >&6
exec 6>&-
wait "$wpid" || true
grep -q '% automatic rollback: commit [0-9]* was not confirmed within 1 second' \
	"$dir/w.out" || fail "the waiting session was not told: $(cat "$dir/w.out")"
tunsh -c 'show running-config ipsec tunnel branch-1' | grep -q 'dpd delay 55' &&
	fail "the unconfirmed commit stayed"

# Unreachable daemon: exit 2 and the path in the message.
rc=0
"$bin/shell/tunsh" --socket "$dir/none" -c 'show version' 2>"$dir/err" || rc=$?
[ "$rc" = 2 ] || fail "unreachable exit $rc"
grep -q "cannot reach tunshd at $dir/none" "$dir/err" || fail "unreachable message"

tunsh -c 'show version' >/dev/null || fail "tunshd did not survive"

# SIGTERM ends it cleanly (under ASan: without a leak), socket removed.
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[ "$rc" = 0 ] || fail "tunshd exit $rc on SIGTERM"
[ ! -e "$sock" ] || fail "socket left behind"
echo "shell: all passed"
