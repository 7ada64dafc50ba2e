#!/usr/bin/env bash
# tunshd killed (-9) at random points of commit, commit confirmed and
# rollback, again and again, then started again: the file is the old or
# the new configuration and checks, the history is whole (every record
# with its configuration, versions without a gap, rollback 0 is running),
# nothing a crash left stays, and a commit confirmed whose time ran out
# while tunshd was down is rolled back at start.  Root (unshare -n); 77
# otherwise.  ITERATIONS kills (100; the sanitizer build asks fewer).
set -euo pipefail
bin=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
if [ "$(id -u)" != 0 ]; then
	echo "crash.sh: needs root for its network namespace; skipped" >&2
	exit 77
fi
iterations=${ITERATIONS:-100}
dir=$(mktemp -d)
conf=$dir/tunsh.conf
hist=$dir/state/commits
sock=$dir/tunshd.sock
pid=
cleanup() {
	local rc=$?
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
	rm -rf "$dir"
	exit "$rc"
}
trap cleanup EXIT
fail() { echo "FAIL (iteration $i, $action): $*" >&2; echo "--- daemon log:" >&2; tail -40 "$dir/log" >&2; exit 1; }
tunsh() { "$bin/shell/tunsh" --socket "$sock" "$@"; }
start() {
	rm -f "$sock"
	unshare -n "$bin/shell/tunshd" -f --config "$conf" \
		--state-dir "$dir/state" --socket "$sock" --kernel none \
		--ike-ports 0,0 2>>"$dir/log" &
	pid=$!
	for _ in $(seq 100); do [ -S "$sock" ] && return 0; sleep 0.05; done
	fail "tunshd did not start again"
}
# The dpd timeout of tunnel branch-1 in a file, or in running.
file_dpd() {
	"$bin/shell/tunshd" --print-config "$1" |
		awk '/^ipsec tunnel branch-1$/ {t=1} t && /dpd timeout/ {print $3; exit}'
}
run_dpd() {
	tunsh -c 'show running-config ipsec tunnel branch-1' |
		awk '/dpd timeout/ {print $3; exit}'
}
# The history is whole, and nothing a crash leaves is there.
check_store() {
	local prev= v
	[ -e "$conf.previous" ] && fail "$conf.previous left"
	ls -A "$dir" | grep -q '^\.tunsh\.conf\.' && fail "temporary file left: $(ls -A "$dir")"
	ls -A "$hist" | grep -q '^\.' && fail "temporary file left: $(ls -A "$hist")"
	for f in "$hist"/*.info; do
		[ -e "${f%.info}.conf" ] || fail "$f without its .conf"
		v=$((10#$(basename "$f" .info)))
		[ -z "$prev" ] || [ "$v" = $((prev + 1)) ] || fail "gap: $prev then $v"
		prev=$v
	done
	for f in "$hist"/*.conf; do
		[ -e "${f%.conf}.info" ] || fail "$f without its .info"
	done
	[ "$(ls "$hist" | grep -c '\.undo$' || true)" -le 1 ] || fail "two .undo: $(ls "$hist")"
	"$bin/shell/tunshd" --check-config "$conf" >/dev/null 2>&1 ||
		fail "the file does not check"
	[ "$(tunsh -c 'show configuration rollback 0')" = \
		"$(tunsh -c 'show running-config')" ] ||
		fail "rollback 0 is not running"
}

cp "$top/etc/tunsh.conf" "$conf"
start
for t in 9 10; do
	tunsh -c "configure; ipsec tunnel branch-1; dpd timeout $t; top; commit" >/dev/null
done
i=0 action=start done_n=0 undone_n=0 rolled_back=0
while [ "$i" -lt "$iterations" ]; do
	i=$((i + 1))
	old=$(run_dpd)
	new=$((11 + i % 3000))
	case $((RANDOM % 3)) in
	0) action=commit
	   line="configure; ipsec tunnel branch-1; dpd timeout $new; top; commit" ;;
	1) action="commit confirmed"
	   line="configure; ipsec tunnel branch-1; dpd timeout $new; top; commit confirmed 1s" ;;
	2) action=rollback
	   new=$(tunsh -c 'show configuration rollback 1' |
		awk '/^ipsec tunnel branch-1$/ {t=1} t && /dpd timeout/ {print $3; exit}')
	   line="configure; rollback 1; commit" ;;
	esac
	tunsh -c "$line" >/dev/null 2>&1 &
	client=$!
	sleep "0.00$((RANDOM % 10))$((RANDOM % 10))"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	wait "$client" 2>/dev/null || true
	pid=
	# A commit confirmed recorded, not confirmed: let its time run out
	# while tunshd is down (the last record has a deadline, its .undo is
	# there); the start must roll it back.
	pending=
	last=$(ls "$hist" | grep '\.info$' | tail -1)
	if [ -e "$hist/${last%.info}.undo" ] && grep -q confirm-deadline "$hist/$last"; then
		pending=1
		sleep 1.1
	fi
	start
	now=$(run_dpd)
	if [ -n "$pending" ]; then
		# What it reverts to is what ran before it, whatever that was.
		grep -q "automatic rollback: commit" "$dir/log" ||
			fail "a commit confirmed past its time was not rolled back"
		rolled_back=$((rolled_back + 1))
		[ "$now" = "$old" ] || fail "rolled back to dpd $now, want $old"
	elif [ "$now" = "$new" ] && [ "$new" != "$old" ]; then
		done_n=$((done_n + 1))
	elif [ "$now" = "$old" ]; then
		undone_n=$((undone_n + 1))
	else
		fail "dpd timeout $now is neither the old $old nor the new $new"
	fi
	[ "$(file_dpd "$conf")" = "$now" ] || fail "the file says $(file_dpd "$conf"), running $now"
	# A commit confirmed that survived in time is confirmed now, so the
	# next iteration starts from a settled state.
	tunsh -c 'configure; commit' >/dev/null
	check_store
done
echo "crash: $i kills: $done_n commits survived, $undone_n undone, $rolled_back confirmed ones rolled back at start"
