#!/usr/bin/env bash
# The Debian package (scripts/package.sh -> dist/) on a clean root: the
# guest's throw-away overlay of the host's /, where tunsh was never
# installed (its groups and its /etc/shells line, if the host has them,
# are taken away first).
#  1. dpkg -i: groups tunsh and tunsh-admin (system groups), /usr/bin/tunsh
#     in /etc/shells, tunsh.conf a conffile 0600, /var/lib/tunsh 0700,
#     tunshd.service enabled (no systemd runs here, so not started),
#     tunshd --check-config on the shipped file.
#  2. tunshd started as the unit starts it: its ExecStartPre and ExecStart
#     lines read from the installed unit, RuntimeDirectory made, a stand-in
#     for $NOTIFY_SOCKET that must get READY=1 and keep-alives.
#  3. From the installed binaries, a tunnel up against charon, pings
#     through; an operator whose login shell is /usr/bin/tunsh runs show
#     commands through su and gets no Unix shell; sshd with the package's
#     drop-in turns forwarding off for group tunsh only.
#  4. dpkg --purge: every file of the package, the state, the groups, the
#     /etc/shells line and the unit's enablement are gone, and /etc and
#     /var/lib hold what they held before.
#
#   ha (10.1.0.10) --lan-- a --wan--------------wan-- b --lan-- hb (10.2.0.10)
#        tunshd (pkg)  10.1.0.1  192.0.2.1   192.0.2.2  10.2.0.1    charon

# shellcheck source=SCRIPTDIR/../lib.sh
. "$TUNSH_TOP/tests/vm/lib.sh"
trap vm_stop_all EXIT

deb=$(ls -t "$TUNSH_TOP"/dist/tunsh_*.deb 2>/dev/null | head -n 1) || true
[ -n "$deb" ] || vm_fail "no dist/tunsh_*.deb: run scripts/package.sh first"
vm_log "package: $deb"
vm_charon_need openssl kernel-netlink vici

# A clean root: nothing of tunsh before the install.
dpkg-query -W tunsh >/dev/null 2>&1 &&
	vm_fail "tunsh is already installed on this root: not a clean root"
for g in tunsh-admin tunsh; do
	! getent group "$g" >/dev/null || groupdel "$g"
done
sed -i '\|^/usr/bin/tunsh$|d' /etc/shells
# man-db's trigger rebuilds the index of every man page on the host: 170
# s in a guest, and nothing this test looks at.
rm -f /var/lib/man-db/auto-update
# What /etc and /var/lib hold, but dpkg's own books and logs.
snapshot() {
	find /etc /var/lib \( -path /var/lib/dpkg -o -path /var/lib/apt \) \
		-prune -o -print | sort
}
snapshot >"$VM_WORK/before"

vm_log "1. dpkg -i"
dpkg -i "$deb" >"$VM_WORK/install.out" 2>&1 ||
	vm_fail "dpkg -i: $(cat "$VM_WORK/install.out")"
for g in tunsh tunsh-admin; do
	gid=$(getent group "$g" | cut -d: -f3) || vm_fail "no group $g after the install"
	[ "$gid" -lt 1000 ] || vm_fail "group $g has gid $gid: not a system group"
done
grep -qx /usr/bin/tunsh /etc/shells || vm_fail "/usr/bin/tunsh not in /etc/shells"
mode() { stat -c '%a %U:%G' "$1"; }
[ "$(mode /etc/tunsh/tunsh.conf)" = "600 root:root" ] ||
	vm_fail "/etc/tunsh/tunsh.conf is $(mode /etc/tunsh/tunsh.conf), want 600 root:root"
[ "$(mode /var/lib/tunsh)" = "700 root:root" ] ||
	vm_fail "/var/lib/tunsh is $(mode /var/lib/tunsh), want 700 root:root"
[ "$(mode /usr/sbin/tunshd)" = "755 root:root" ] || vm_fail "tunshd is $(mode /usr/sbin/tunshd)"
[ "$(mode /usr/bin/tunsh)" = "755 root:root" ] || vm_fail "tunsh is $(mode /usr/bin/tunsh)"
dpkg-query -W -f='${Conffiles}\n' tunsh | grep -q '^ /etc/tunsh/tunsh.conf ' ||
	vm_fail "tunsh.conf is not a conffile: $(dpkg-query -W -f='${Conffiles}' tunsh)"
unit=/lib/systemd/system/tunshd.service
[ -f "$unit" ] || vm_fail "no $unit"
[ -L /etc/systemd/system/multi-user.target.wants/tunshd.service ] ||
	vm_fail "tunshd.service is not enabled (no multi-user.target.wants link)"
out=$(/usr/sbin/tunshd --check-config /etc/tunsh/tunsh.conf 2>&1) ||
	vm_fail "--check-config on the shipped file: $out"
vm_log "installed: groups $(getent group tunsh tunsh-admin | cut -d: -f1,3 | tr '\n' ' '), $out"

vm_log "2. tunshd as the unit starts it"
vm_sites
vm_charon_start b b
vm_peer_conf | vm_charon_load b
# The admin's own configuration replaces the example (the conffile, as
# an admin edits it), keeping its mode.
vm_site_conf a 192.0.2.1 10.1.0.0/24 >/etc/tunsh/tunsh.conf
unit_line() { sed -n "s/^$1=//p" "$unit"; }
pre=$(unit_line ExecStartPre)
start=$(unit_line ExecStart)
[ "$(unit_line RuntimeDirectory)" = tunsh ] || vm_fail "the unit has no RuntimeDirectory=tunsh"
mkdir -m "$(unit_line RuntimeDirectoryMode)" /run/tunsh
# shellcheck disable=SC2086 # the unit's words, as systemd splits them
$pre >"$VM_WORK/pre.out" 2>&1 || vm_fail "ExecStartPre ($pre): $(cat "$VM_WORK/pre.out")"
mkdir -p "$VM_WORK/pkg"
python3 - "$VM_WORK/notify" "$VM_WORK/pkg/notify" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(1)
end = time.monotonic() + 300
with open(sys.argv[2], "a", buffering=1) as out:
    while time.monotonic() < end:
        try:
            out.write(s.recv(4096).decode().replace("\n", "|") + "\n")
        except socket.timeout:
            pass
PY
echo $! >"$VM_WORK/notify.pid"
vm_wait 10 "the notify stand-in's socket" test -S "$VM_WORK/notify"
watchdog=$(unit_line WatchdogSec)
watchdog=${watchdog%s}
# shellcheck disable=SC2086
NOTIFY_SOCKET=$VM_WORK/notify WATCHDOG_USEC=$((watchdog * 1000000)) \
	ip netns exec a $start >"$VM_WORK/pkg/tunshd.log" 2>&1 &
echo $! >"$VM_WORK/pkg/pid"
vm_wait 30 "READY=1 from tunshd" grep -q '^READY=1|' "$VM_WORK/pkg/notify"
[ -S /run/tunsh/tunshd.sock ] || vm_fail "READY=1 before /run/tunsh/tunshd.sock"
[ "$(stat -c %a /run/tunsh)" = 755 ] || vm_fail "/run/tunsh is $(stat -c %a /run/tunsh)"
vm_log "started: $start; $(head -n 1 "$VM_WORK/pkg/notify")"

vm_log "3. a tunnel against charon from the installed tunsh"
/usr/bin/tunsh >"$VM_WORK/tunsh.out" 2>&1 <<'EOF2' || vm_fail "tunsh: $(cat "$VM_WORK/tunsh.out")"
configure
ipsec tunnel to-b
 wan-port wan1
 remote-address 192.0.2.2
 pre-shared-key vm-test-psk-not-secret-0123456789
 local-network vlan 10
 remote-network 10.2.0.0/24
 ike-proposal aes256gcm16-prfsha256-x25519
 esp-proposal aes256gcm16
 exit
commit
EOF2
[ "$(mode /etc/tunsh/tunsh.conf)" = "600 root:root" ] ||
	vm_fail "after a commit /etc/tunsh/tunsh.conf is $(mode /etc/tunsh/tunsh.conf)"
vm_charon_wait b lans
vm_wait 20 "tunshd's CHILD SA for to-b" grep -q 'tunnel to-b: CHILD SA up' "$VM_WORK/pkg/tunshd.log"
vm_ping_all ha 10.2.0.10 3
vm_ping_all hb 10.1.0.10 3
[ "$(vm_xfrm_packets a 192.0.2.1 192.0.2.2)" = 6 ] ||
	vm_fail "a's outbound SA counted $(vm_xfrm_packets a 192.0.2.1 192.0.2.2) packets, want 6"
vm_wait 30 "a keep-alive from tunshd's loop" grep -q '^WATCHDOG=1$' "$VM_WORK/pkg/notify"
vm_log "tunnel up, 6 pings each way, keep-alives: $(grep -c '^WATCHDOG=1$' "$VM_WORK/pkg/notify")"

# An operator whose login shell is tunsh: su runs "tunsh -c LINE".
useradd -M -d /nonexistent -s /usr/bin/tunsh -G tunsh op
out=$(su - op -c 'show ipsec tunnel' 2>&1) || vm_fail "su op 'show ipsec tunnel': $out"
grep -q 'to-b' <<<"$out" || vm_fail "the operator does not see to-b: $out"
rc=0
out=$(su - op -c '/bin/sh -c id' 2>&1) || rc=$?
[ "$rc" != 0 ] && ! grep -q 'uid=' <<<"$out" ||
	vm_fail "the operator ran a Unix command through tunsh: $out"
rc=0
out=$(su - op -c 'configure' 2>&1) || rc=$?
[ "$rc" != 0 ] || vm_fail "an operator entered configure: $out"
# sshd with the drop-in: forwarding off for group tunsh, not for others.
useradd -M -d /nonexistent -s /bin/sh other
mkdir -p /run/sshd
sshd_t() { /usr/sbin/sshd -T -C "user=$1,host=h,addr=127.0.0.1" 2>&1; }
out=$(sshd_t op) || vm_fail "sshd -T: $out"
for want in 'disableforwarding yes' 'permittunnel no' 'permituserrc no'; do
	grep -qx "$want" <<<"$out" || vm_fail "sshd for op (group tunsh): no '$want'"
done
grep -qx 'disableforwarding yes' <<<"$(sshd_t other)" &&
	vm_fail "the drop-in reaches users outside group tunsh"

# A real sshd on loopback in a, with the system's sshd_config and so the
# drop-in; only where the keys are and what it listens on are given.
usermod -p '*' op # no password, not locked: keys only
# sshd reads the keys as op: a directory op can enter ($VM_WORK is 0700).
ssh_dir=$(mktemp -d /tmp/ssh.XXXXXX)
chmod 755 "$ssh_dir"
mkdir "$ssh_dir/keys"
mkdir -p "$VM_WORK/ssh"
ssh-keygen -q -t ed25519 -N '' -f "$VM_WORK/ssh/key"
cp "$VM_WORK/ssh/key.pub" "$ssh_dir/keys/op"
ip -n a link set lo up
ip netns exec a /usr/sbin/sshd -p 2222 -o ListenAddress=127.0.0.1 \
	-o "AuthorizedKeysFile=$ssh_dir/keys/%u" -o StrictModes=no \
	-o "PidFile=$VM_WORK/ssh/sshd.pid" -o PasswordAuthentication=no \
	-o LogLevel=VERBOSE \
	-E "$VM_WORK/ssh/sshd.log" || vm_fail "sshd did not start"
vm_wait 10 "sshd's pid file" test -s "$VM_WORK/ssh/sshd.pid"
sshto() {
	ip netns exec a ssh -p 2222 -i "$VM_WORK/ssh/key" -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o LogLevel=ERROR "$@"
}
ssh_fail() {
	kill "$(cat "$VM_WORK/ssh/sshd.pid")" 2>/dev/null || true
	vm_fail "$* (sshd log: $(tail -n 20 "$VM_WORK/ssh/sshd.log"))"
}
out=$(sshto op@127.0.0.1 'show ipsec tunnel' 2>&1) || ssh_fail "ssh op 'show ipsec tunnel': $out"
grep -q 'to-b' <<<"$out" || ssh_fail "ssh op: no to-b in: $out"
out=$(sshto op@127.0.0.1 'show users' 2>&1) || ssh_fail "ssh op 'show users': $out"
grep -qE '^\* [0-9]+ +op +ssh 127\.0\.0\.1 [0-9]+ +exec' <<<"$out" ||
	ssh_fail "show users has no verified ssh source for op: $out"
rc=0
out=$(sshto op@127.0.0.1 '/bin/sh -c id' 2>&1) || rc=$?
[ "$rc" != 0 ] && ! grep -q 'uid=' <<<"$out" || ssh_fail "ssh op /bin/sh ran: $out"
rc=0
out=$(sshto -W 127.0.0.1:2222 op@127.0.0.1 </dev/null 2>&1) || rc=$?
[ "$rc" != 0 ] && grep -q 'refused local port forward' "$VM_WORK/ssh/sshd.log" ||
	ssh_fail "ssh -W (a forwarded stream) was not refused: rc $rc, $out"
rc=0
out=$(ip netns exec a sftp -b - -P 2222 -i "$VM_WORK/ssh/key" \
	-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	op@127.0.0.1 <<<'get /etc/passwd' 2>&1) || rc=$?
[ "$rc" != 0 ] || ssh_fail "sftp worked for op: $out"
rc=0
out=$(ip netns exec a scp -O -P 2222 -i "$VM_WORK/ssh/key" \
	-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	op@127.0.0.1:/etc/passwd "$VM_WORK/ssh/passwd" 2>&1) || rc=$?
[ "$rc" != 0 ] && [ ! -s "$VM_WORK/ssh/passwd" ] || ssh_fail "scp worked for op: $out"
kill "$(cat "$VM_WORK/ssh/sshd.pid")"
userdel op
userdel other
vm_log "login shell: su, ssh (show, show users with its ssh source), no /bin/sh, -W, sftp or scp"

vm_log "4. dpkg --purge"
kill -TERM "$(cat "$VM_WORK/pkg/pid")"
vm_wait 10 "tunshd stops on SIGTERM" sh -c "! kill -0 $(cat "$VM_WORK/pkg/pid")"
grep -q '^STOPPING=1$' "$VM_WORK/pkg/notify" || vm_fail "no STOPPING=1"
kill "$(cat "$VM_WORK/notify.pid")"
# systemd would remove RuntimeDirectory when the unit stops.
rm -rf /run/tunsh
dpkg-deb -c "$deb" | awk '{ print substr($6, 2) }' | grep -v '/$' >"$VM_WORK/files"
dpkg --purge tunsh >"$VM_WORK/purge.out" 2>&1 ||
	vm_fail "dpkg --purge: $(cat "$VM_WORK/purge.out")"
while read -r f; do
	[ ! -e "$f" ] || vm_fail "$f is left after the purge"
done <"$VM_WORK/files"
for p in /etc/tunsh /var/lib/tunsh /run/tunsh \
	/etc/systemd/system/multi-user.target.wants/tunshd.service; do
	[ ! -e "$p" ] && [ ! -L "$p" ] || vm_fail "$p is left after the purge"
done
for g in tunsh tunsh-admin; do
	! getent group "$g" >/dev/null || vm_fail "group $g is left after the purge"
done
! grep -q tunsh /etc/shells || vm_fail "/etc/shells still lists tunsh"
snapshot >"$VM_WORK/after"
left=$(comm -13 "$VM_WORK/before" "$VM_WORK/after" |
	grep -v -E '^/etc/(group|gshadow|passwd|shadow|subuid|subgid|shells)-?$|^/etc/ld\.so\.cache$' || true)
[ -z "$left" ] || vm_fail "new after the purge: $left"
vm_log "purged: nothing left of $(wc -l <"$VM_WORK/files") files"
vm_log "PASS"
