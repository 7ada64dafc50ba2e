#!/usr/bin/env bash
# tunsh on a real terminal (tmux): Tab completes from tunshd's command
# tree, '?' lists the next words with their help and keeps the line, Up
# recalls, Ctrl-C abandons the line but not the session, the prompts
# follow the mode.  The screen is read back with capture-pane.
set -euo pipefail
bin=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d)
sock=$dir/tunshd.sock
export TMUX_TMPDIR=$dir
pid=
cleanup() {
	tmux kill-server 2>/dev/null || true
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
screen() { tmux capture-pane -t t -p; }
fail() { echo "FAIL: $*" >&2; echo "--- screen:" >&2; screen >&2; exit 1; }
# Waits until the screen shows a line matching the regex.
expect() {
	for _ in $(seq 50); do
		screen | grep -qE -- "$1" && return 0
		sleep 0.1
	done
	fail "never saw /$1/"
}
# Text is sent literally (-l): "end" would otherwise be the End key.
type() { tmux send-keys -t t -l "$1"; }
press() { tmux send-keys -t t "$@"; }

cp "$top/etc/tunsh.conf" "$dir/tunsh.conf"
# Its own network namespace (only lo, down): the example tunnels' IKE
# never leaves this machine.  --kernel none: this kernel has no ESP.
unshare -n "$bin/shell/tunshd" -f --config "$dir/tunsh.conf" \
	--state-dir "$dir/state" --socket "$sock" --kernel none \
	--ike-ports 0,0 2>"$dir/log" &
pid=$!
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
tmux new-session -d -s t -x 100 -y 40 \
	"HOME=$dir $bin/shell/tunsh --socket $sock; sleep 30"
expect '^fw1# *$'

type 'sh'
press Tab
expect '^fw1# show *$'
type '?'
expect '^  running-config +The configuration in force'
expect '^  version +Software and configuration versions'
expect '^fw1# show *$' # the line is kept
type 'ver'
press Tab Enter
expect '^tunsh 0\.1\.0$'
# After '|': the filters with their help, and Tab completes a prefix.
press C-l
type 'show version | ?'
expect '^  include +Lines that match REGEX$'
expect '^  section +Each block whose first line matches REGEX$'
press C-u
type 'show version | inc'
press Tab
type 'configuration'
press Enter
expect '^configuration version [0-9]+$'
screen | grep -q '^tunsh 0' && fail "| include configuration let tunsh through"

# One grammar (issue 12): Tab completes a tunnel's name, a keyword after
# it and a setting's value; '?' lists the values; prefixes are taken.
press C-l
type 'sh ip tun bra'
press Tab
expect '^fw1# sh ip tun branch-1 *$'
type 'det'
press Tab
expect '^fw1# sh ip tun branch-1 detail *$'
type '?'
expect '^  \[json\] +As JSON, for scripts$'
expect '^fw1# sh ip tun branch-1 detail *$'
press Enter
expect '^Tunnel branch-1$'
press C-l
type 'conf t'
press Enter
expect '^fw1\(config\)# *$'
type 'ipsec tunnel bra'
press Tab
expect '^fw1\(config\)# ipsec tunnel branch-1 *$'
press Enter
expect '^fw1\(config-ipsec-tunnel-branch-1\)# *$'
type 'dpd action re'
press Tab
expect '^fw1\(config-ipsec-tunnel-branch-1\)# dpd action restart *$'
press C-u
type 'wan-port '
press Tab
expect '^fw1\(config-ipsec-tunnel-branch-1\)# wan-port wan1 *$'
press C-u
type 'dpd action ?'
expect '^  <clear\|hold\|restart> When the peer is dead'
expect '^    hold$'
press C-u
type 'end'
press Enter
expect '^fw1# *$'

type 'configure'
press Enter
expect '^fw1\(config\)# *$'
type 'ipsec tunnel branch-1'
press Enter
expect '^fw1\(config-ipsec-tunnel-branch-1\)# *$'
type 'dpd ?'
expect '^  timeout +Seconds between liveness checks'
press C-c
expect '^fw1\(config-ipsec-tunnel-branch-1\)# *$'
press Up
expect '^fw1\(config-ipsec-tunnel-branch-1\)# ipsec tunnel branch-1$'
press C-u
type 'end'
press Enter
expect '^fw1# *$'
# The pager: --More-- after a page; space for the next, q to stop.
press C-l
type 'terminal length 8'
press Enter
type 'show running-config'
press Enter
expect '^--More--'
screen | grep -q '^ipsec tunnel aws-1' && fail "paged past the first page"
type ' '
expect '^vlan 30$'
screen | grep -q '^client-vpn' && fail "a page is more than 7 lines"
press Enter
expect '^client-vpn$'
type 'q'
expect '^fw1# *$'
screen | grep -q '^ipsec tunnel' && fail "q did not stop the output"
type 'terminal length 0'
press Enter
press C-l
type 'show running-config'
press Enter
expect '^ dpd timeout 10$'
screen | grep -q -- '--More--' && fail "terminal length 0 still pages"

# pre-shared-key alone asks for the key twice, without echo; Ctrl-Z is end.
press C-l
type 'configure'
press Enter
type 'ipsec tunnel branch-1'
press Enter
type 'pre-shared-key'
press Enter
expect '^Pre-shared key: *$'
type 'new-secret-key-0123456789'
press Enter
expect '^Again: *$'
type 'new-secret-key-0123456789'
press Enter
expect '^fw1\(config-ipsec-tunnel-branch-1\)# *$'
screen | grep -q 'new-secret-key' && fail "the key was echoed"
type 'show compare'
press Enter
expect '^\+  pre-shared-key \*\*\*\*\*\*\*\*$'
type 'commit'
press Enter
expect '^commit complete'
type 'do show running-config ipsec tunnel branch-1 show-secrets | include pre-shared'
press Enter
expect '^ pre-shared-key new-secret-key-0123456789$'
press C-l
press C-z
expect '^fw1# *$'

# The key typed at the hidden prompt is not in the session's history
# (issue 12); one typed in full is masked there, and readline keeps only
# the command (checked in the history file at the end).
press C-l
type 'configure'
press Enter
type 'ipsec tunnel branch-1'
press Enter
type 'pre-shared-key typed-in-full-0123456789'
press Enter
expect '^fw1\(config-ipsec-tunnel-branch-1\)# *$'
press C-l
type 'do history'
press Enter
expect '^ +[0-9]+  pre-shared-key \*{8}$'
screen | grep -q 'new-secret' && fail "the hidden key is in history"
screen | grep -q 'typed-in-full' && fail "the typed key is in history"
# Leaving with uncommitted changes asks first: no (Enter) stays, y
# discards and leaves (issue 12).
press C-l
press C-z
expect '^Uncommitted changes: discard\? \[no\] *$'
press Enter
expect '^% nothing discarded: commit the changes, or discard them$'
expect '^fw1\(config-ipsec-tunnel-branch-1\)# *$'
type 'exit'
press Enter
expect '^fw1\(config\)# *$'
press C-l
type 'exit'
press Enter
expect '^Uncommitted changes: discard\? \[no\] *$'
type 'y'
press Enter
expect '^fw1# *$'
press C-l
type 'configure'
press Enter
type 'show compare'
press Enter
type 'end'
press Enter
expect '^fw1\(config\)# end$'
screen | grep -q 'pre-shared-key' && fail "y did not discard the candidate"
screen | grep -q 'uncommitted' && fail "a discarded candidate is no change"
# Ctrl-Z in exec mode: already there, nothing is sent.
press C-l
press C-z
type 'show version'
press Enter
expect '^tunsh 0\.1\.0$'
screen | grep -q 'Invalid input' && fail "Ctrl-Z in exec mode sent end"

# Notices arrive between lines: terminal monitor shows the daemon's log
# (another session's commit), and a commit confirmed that runs out is
# announced to every session, with the line being typed kept.
press C-l
type 'terminal monitor'
press Enter
printf 'configure\nipsec tunnel branch-1\ndpd delay 35\ncommit\n' |
	"$bin/shell/tunsh" --socket "$sock" >/dev/null || fail "other session"
expect 'INFO config: commit [0-9]+ by root from pipe: ipsec tunnel branch-1'
type 'configure'
press Enter
type 'discard' # the other session committed: start from its version
press Enter
type 'ipsec tunnel branch-1'
press Enter
type 'dpd delay 45'
press Enter
type 'commit confirmed 2s'
press Enter
expect '^commit confirmed: rolled back in 2 seconds unless confirmed'
type 'descr'
expect 'automatic rollback: commit [0-9]+ was not confirmed within 2 seconds \(now version [0-9]+\)'
expect '^fw1\(config-ipsec-tunnel-branch-1\)# descr *$'
press C-u
press C-z
type 'terminal monitor off'
press Enter

type 'exit'
press Enter
for _ in $(seq 50); do
	screen | grep -q '^fw1# exit$' && break
	sleep 0.1
done
for _ in $(seq 50); do
	grep -q '^show version' "$dir/.tunsh_history" 2>/dev/null && break
	sleep 0.1
done
grep -q '^show version' "$dir/.tunsh_history" || fail "no history file"
grep -q 'new-secret' "$dir/.tunsh_history" && fail "hidden key in readline history"
grep -q 'typed-in-full' "$dir/.tunsh_history" && fail "typed key in readline history"
grep -qx 'pre-shared-key' "$dir/.tunsh_history" || fail "pre-shared-key not in history"
screen | grep -q 'uncommitted' && fail "a look at a tunnel is not a change"
echo "terminal: all passed"
