#!/usr/bin/env bash
# scripts/lab.sh [BUILD]: the example configuration, alive.  Boots a
# user-mode-linux guest (a kernel with ESP, whatever this machine's kernel
# is) where tunshd runs etc/tunsh.conf on "fw1" and strongSwan plays the
# branch office of its tunnel branch-1 (scripts/lab-guest.sh), then opens
# tunsh on fw1 on this terminal.  With standard input not a terminal, the
# lines given are run by tunsh and the transcript is printed.  Nothing on
# this machine is touched: the guest's network is its own.
set -euo pipefail
# The piped lines and the guest's logs may hold pre-shared keys.
umask 077

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd -P)
uml=${TUNSH_UML:-/usr/bin/linux.uml}
[ -x "$uml" ] || { echo "lab.sh: $uml missing (package user-mode-linux)" >&2; exit 1; }

res=$build/lab
rm -rf "$res"
mkdir -p "$res"
umldir=$(mktemp -d)
ram=/dev/shm
findmnt -no OPTIONS -T "$ram" | grep -qw noexec && ram=/var/tmp
trap 'rm -rf "$umldir"' EXIT

interactive=
[ -t 0 ] && [ -t 1 ] && interactive=1
# The guest mounts fresh /tmp, /run and /dev: a checkout there must be
# mounted into it explicitly (see tests/vm/run.sh).
rw=$build
case $top in
/tmp/* | /run/* | /dev/*) rw="$top $build" ;;
esac
{
	echo "TUNSH_SCENARIO=$top/scripts/lab-guest.sh"
	echo "TUNSH_RESULT=$res"
	echo "TUNSH_RW='$rw'"
	echo "TUNSH_EXTRA="
	echo "TUNSH_BUILD=$build"
	echo "TUNSH_TOP=$top"
	echo "TUNSH_TIMEOUT=${TUNSH_LAB_TIMEOUT:-120}"
	if [ -n "$interactive" ]; then
		echo "TUNSH_CONSOLE=1"
	else
		cat >"$res/input"
		echo "TUNSH_INPUT=$res/input"
	fi
} >"$res/job"

echo "lab: booting a kernel with ESP (user-mode-linux); about 10 s" >&2
args=(mem=256M rootfstype=hostfs rootflags=/ ro init="$top/tests/vm/init.sh"
	uml_dir="$umldir" tunsh_job="$res/job" quiet loglevel=1)
if [ -n "$interactive" ]; then
	# The guest's console is this terminal: raw here, its own tty
	# discipline there.  UML leaves the descriptors non-blocking; put
	# them back for the shell that follows.
	saved=$(stty -g)
	stty raw -echo
	TMPDIR=$ram "$uml" "${args[@]}" con=null ssl=null con0=fd:0,fd:1 ||
		true
	stty "$saved"
	python3 -c 'import os
for fd in (0, 1):
    os.set_blocking(fd, True)'
else
	TMPDIR=$ram "$uml" "${args[@]}" con=null ssl=null con0=null,fd:3 \
		3>"$res/console" </dev/null >"$res/uml.out" 2>&1 || true
	cat "$res/log"
fi
[ "$(cat "$res/status" 2>/dev/null)" = 0 ]
