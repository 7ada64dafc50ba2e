#!/usr/bin/env bash
# bench/xfrm_bench.sh: installing tunnels into a kernel with ESP, through
# tunsh's netlink layer versus one ip-xfrm process per object.  The build
# machines' kernel has no ESP, so this boots a user-mode-linux guest
# (tests/vm/run.sh) that runs bench/vm/xfrm_install.sh, and prints the
# BENCH lines of the guest's log on stdout:
#   BENCH xfrm_install_tunnels_per_s V tunnels/s
#   BENCH xfrm_sa_query_ms_1000 V ms
#   BENCH ip_xfrm_tunnels_per_s V tunnels/s
# The guest runs BUILD/bench/xfrm_bench, built on the host beforehand
# (cmake --build BUILD --target xfrm_bench).  Without UML or busybox it
# prints why on stderr, reports nothing and exits 0, so that the bench
# target goes on; a failed run exits 1.
#
# usage: bench/xfrm_bench.sh [-b BUILD] [-t SECONDS]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)
build=${TUNSH_BUILD:-$top/build}
limit=300

while getopts b:t:h opt; do
	case $opt in
	b) build=$OPTARG ;;
	t) limit=$OPTARG ;;
	*)
		echo "usage: $0 [-b BUILD] [-t SECONDS]" >&2
		exit 2
		;;
	esac
done

skip() {
	echo "xfrm_bench.sh: skipped, no figures: $*" >&2
	exit 0
}

uml=${TUNSH_UML:-/usr/bin/linux.uml}
[ -x "$uml" ] || skip "$uml missing (Debian package user-mode-linux)"
[ -x /bin/busybox ] || skip "/bin/busybox missing (package busybox-static)"
build=$(cd "$build" && pwd -P)
[ -x "$build/bench/xfrm_bench" ] || {
	echo "xfrm_bench.sh: $build/bench/xfrm_bench missing; build it: cmake --build $build --target xfrm_bench" >&2
	exit 2
}

# run.sh's verdict and, on a failure, the guest's log go to stderr:
# stdout carries BENCH lines only.
if ! "$top/tests/vm/run.sh" -b "$build" -t "$limit" \
	"$here/vm/xfrm_install.sh" >&2; then
	echo "xfrm_bench.sh: the guest failed; see $build/vm-results/xfrm_install/" >&2
	exit 1
fi
grep '^BENCH ' "$build/vm-results/xfrm_install/log"
