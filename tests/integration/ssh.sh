#!/usr/bin/env bash
# tunsh as the login shell of real users, through a real sshd on loopback
# with its own configuration and host key (never the system's):
#   ssh user@127.0.0.1 'show running-config'   runs tunsh -c
# and an interactive ssh -tt session driven by tmux.  An admin (group
# tunsh-admin) configures and commits; an operator (group tunsh) reads,
# keys masked, and is refused configure.  Needs root: it adds test users.
set -euo pipefail
bin=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
if [ "$(id -u)" -ne 0 ]; then
	echo "ssh: needs root to create its test users"
	exit 77
fi
dir=$(mktemp -d)
chmod 755 "$dir"
sock=$dir/tunshd.sock
port=$((20000 + RANDOM % 20000))
tunsh_bin=$(readlink -f "$bin/shell/tunsh")
export TMUX_TMPDIR=$dir
pid=
# shellcheck source=SCRIPTDIR/users.sh
. "$top/tests/integration/users.sh"
cleanup() {
	tmux kill-server 2>/dev/null || true
	[ -f "$dir/sshd.pid" ] && kill "$(cat "$dir/sshd.pid")" 2>/dev/null
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	test_cleanup_users
	sed -i "\\|^$tunsh_bin\$|d" /etc/shells
	rm -rf "$dir"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*" >&2
	echo "--- tunshd log:" >&2; cat "$dir/log" >&2
	echo "--- sshd log:" >&2; cat "$dir/sshd.log" >&2 || true
	exit 1
}

test_groups_hold
grep -qx "$tunsh_bin" /etc/shells || echo "$tunsh_bin" >>/etc/shells
# Admins are in tunsh too, as an installation makes them (either group
# alone is enough: hostile.sh checks that).
adm='' op=''
test_user adm tunsh-t-adm tunsh,tunsh-admin -d "$dir/home/adm" \
	-s "$tunsh_bin"
test_user op tunsh-t-op tunsh -d "$dir/home/op" -s "$tunsh_bin"
for u in adm op; do
	mkdir -p "$dir/home/$u"
	usermod -p '*' "${!u}" # no password, not locked: keys only
	chown "${!u}" "$dir/home/$u"
done

ssh-keygen -q -t ed25519 -N '' -f "$dir/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$dir/user_key"
mkdir "$dir/keys"
for u in "$adm" "$op"; do cp "$dir/user_key.pub" "$dir/keys/$u"; done
chmod -R go-w "$dir/keys"
mkdir -p /run/sshd
cat >"$dir/sshd_config" <<EOT
ListenAddress 127.0.0.1
Port $port
HostKey $dir/host_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/keys/%u
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PrintMotd no
PrintLastLog no
SetEnv TUNSH_SOCKET=$sock
EOT

cp "$top/etc/tunsh.conf" "$dir/tunsh.conf"
# Its own network namespace (only lo, down): the example tunnels' IKE
# never leaves this machine.  --kernel none: this kernel has no ESP.
unshare -n "$bin/shell/tunshd" -f --config "$dir/tunsh.conf" \
	--state-dir "$dir/state" --socket "$sock" --kernel none \
	--ike-ports 0,0 2>"$dir/log" &
pid=$!
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
/usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log" ||
	fail "sshd did not start"
for _ in $(seq 50); do [ -f "$dir/sshd.pid" ] && break; sleep 0.1; done

sshto() {
	local u=$1
	shift
	ssh -p "$port" -i "$dir/user_key" -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o LogLevel=ERROR "$u@127.0.0.1" "$@"
}

# ssh fw1 'show running-config': tunsh -c, status 0.
out=$(sshto "$adm" 'show running-config') || fail "admin show: $out"
grep -qx 'ipsec tunnel branch-1' <<<"$out" || fail "admin show: $out"

# An admin commits over ssh; the log names the user and where from.
sshto "$adm" 'configure; ipsec tunnel branch-1; dpd timeout 25; commit' \
	>"$dir/out" 2>&1 || fail "admin commit: $(cat "$dir/out")"
grep -q "commit 1 by $adm from ssh 127.0.0.1 " "$dir/log" ||
	fail "commit not logged with its ssh source"

# The source is checked against sshd's own connection: not "(claimed)".
out=$(sshto "$op" 'show users') || fail "operator show users: $out"
grep -qE "^\\* [0-9]+ +$op +ssh 127\\.0\\.0\\.1 [0-9]+ +exec" <<<"$out" ||
	fail "ssh source not verified: $out"

# An operator reads with keys masked and may not configure: status 1.
out=$(sshto "$op" 'show running-config ipsec tunnel branch-1') ||
	fail "operator show"
grep -qx ' pre-shared-key \*\*\*\*\*\*\*\*' <<<"$out" || fail "operator sees a key"
grep -qx ' dpd timeout 25' <<<"$out" || fail "operator does not see the commit"
rc=0
sshto "$op" 'configure' >"$dir/out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "operator configure exit $rc"
grep -q 'configure: permission denied' "$dir/out" || fail "operator: $(cat "$dir/out")"

# A script on standard input: batch mode, line numbers in errors.
rc=0
printf 'show version\nbogus\n' | sshto "$adm" >"$dir/out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "ssh batch exit $rc"
grep -q 'tunsh: line 2: bogus' "$dir/out" || fail "ssh batch: $(cat "$dir/out")"

# Interactive, on a real terminal: ssh -tt in tmux.
tmux new-session -d -s s -x 100 -y 30 \
	"ssh -tt -p $port -i $dir/user_key -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR $adm@127.0.0.1; echo ssh-done rc=\$?; sleep 30"
seen() {
	for _ in $(seq 80); do
		tmux capture-pane -t s -p | grep -qE -- "$1" && return 0
		sleep 0.1
	done
	tmux capture-pane -t s -p >&2
	fail "ssh -tt: never saw /$1/"
}
seen '^fw1# *$'
tmux send-keys -t s -l 'show version'
tmux send-keys -t s Enter
seen '^configuration version 1$'
tmux send-keys -t s -l 'exit'
tmux send-keys -t s Enter
seen '^ssh-done rc=0$'
echo "ssh: all passed"
