#!/usr/bin/env bash
# Installs the Debian 12 packages tunsh builds and tests with.  Quiet and
# quick when they are all present (one dpkg-query); apt-get update runs
# only when something is missing.  Uses sudo when not root.  Used by
# run.sh, test.sh and so by CI.
set -euo pipefail

pkgs=(
	build-essential cmake pkg-config
	libcli-dev libreadline-dev
	libnl-3-dev libnl-xfrm-3-dev libnl-route-3-dev libnftables-dev nftables
	libssl-dev libconfig-dev libevent-dev libcmocka-dev
	clang libclang-rt-14-dev clang-format
	groff-base tmux python3 openssh-server openssh-client
	iproute2 strongswan-charon strongswan-swanctl libcharon-extra-plugins
	libstrongswan-standard-plugins user-mode-linux busybox-static iptables
	qemu-system-x86
	debhelper lintian libsystemd-dev python3-prometheus-client
)

missing=()
for p in "${pkgs[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null; then
		echo "deps.sh: missing ${missing[*]}; run as root or install sudo" >&2
		exit 1
	fi
	sudo=(sudo)
fi
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
