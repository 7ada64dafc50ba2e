#!/usr/bin/env bash
# tests/vm/fetch-extra.sh [BUILD]: makes the strongSwan plugins the VM
# scenarios need (openssl: X25519, AES-GCM for IKE) available to guests
# without installing anything on the host.  Debian ships them in
# libstrongswan-standard-plugins; when that package is not installed this
# downloads it (apt-get download, the ordinary client) and unpacks it into
# BUILD/vm-extra/root, which run.sh lays over the guest's / (the guest
# root is a throw-away overlay).  Nothing to do when the host has it.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:-${TUNSH_BUILD:-$here/../../build}}
pkg=libstrongswan-standard-plugins
plugin=/usr/lib/ipsec/plugins/libstrongswan-openssl.so

if [ -f "$plugin" ]; then
	echo "fetch-extra: $pkg installed on the host; nothing to fetch"
	exit 0
fi
dest=$build/vm-extra
if [ -f "$dest/root$plugin" ]; then
	echo "fetch-extra: $dest/root already holds $pkg"
	exit 0
fi
# The plugins must match the installed libstrongswan exactly.
ver=$(dpkg-query -W -f='${Version}' libstrongswan) ||
	{ echo "fetch-extra: libstrongswan is not installed" >&2; exit 1; }
mkdir -p "$dest/debs"
# apt-get download writes to the current directory.
(cd "$dest/debs" && apt-get download -q "$pkg=$ver")
rm -rf "$dest/root"
dpkg-deb -x "$dest/debs/${pkg}_${ver/*:/}_$(dpkg --print-architecture).deb" "$dest/root"
[ -f "$dest/root$plugin" ] || { echo "fetch-extra: no $plugin in $pkg $ver" >&2; exit 1; }
echo "fetch-extra: $pkg $ver unpacked into $dest/root"
