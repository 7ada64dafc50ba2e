#!/usr/bin/env bash
# tests/vm/fetch-libreswan.sh [BUILD]: makes libreswan (pluto) available
# to the pluto_* VM scenarios without installing it on the host, where
# Debian's libreswan conflicts with strongswan-charon.  Downloads
# libreswan and those of its libraries the host lacks (apt-get download,
# the ordinary client) into BUILD/vm-libreswan/debs and unpacks them into
# BUILD/vm-libreswan/root, which run.sh lays over the guest's / for
# pluto_* scenarios only.  Idempotent: quiet when the tree is there.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:-${TUNSH_BUILD:-$here/../../build}}
dest=$build/vm-libreswan
pluto=/usr/libexec/ipsec/pluto

if [ -x "$dest/root$pluto" ]; then
	exit 0
fi
# libreswan itself, then the dependencies that are not installed here
# (libnss3-tools: certutil for the NSS database; libldns3; dns-root-data:
# the DNSSEC root key pluto reads at start).  Everything else it links to
# is the host's, so its versions match the host's libraries.
pkgs=(libreswan)
for p in libnss3-tools libldns3 dns-root-data; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		pkgs+=("$p")
done
rm -rf "$dest"
mkdir -p "$dest/debs" "$dest/root"
# apt-get download writes to the current directory.
if ! (cd "$dest/debs" && apt-get download -q "${pkgs[@]}"); then
	echo "fetch-libreswan: apt-get download ${pkgs[*]} failed; try apt-get update" >&2
	exit 1
fi
# Not dpkg-deb -x: it would make the tree's /lib (a symlink to usr/lib
# in a merged-/usr system) a directory, which laid over the guest's /
# hides every library.  The host's top-level symlinks are copied into the
# tree first, and tar --keep-directory-symlink extracts through them.
for d in /bin /sbin /lib /lib32 /lib64 /libx32; do
	[ ! -L "$d" ] || cp -P "$d" "$dest/root$d"
done
for deb in "$dest"/debs/*.deb; do
	dpkg-deb --fsys-tarfile "$deb" | tar -x --keep-directory-symlink -C "$dest/root"
done
[ -x "$dest/root$pluto" ] || {
	echo "fetch-libreswan: no $pluto in ${pkgs[*]}" >&2
	exit 1
}
echo "fetch-libreswan: ${pkgs[*]} unpacked into $dest/root"
