#!/usr/bin/env bash
# Installs the Debian 12 packages tunsh builds and tests with.  Quiet and
# quick when they are all present; apt-get update only when something is
# missing.  Used by both README commands and by CI.
set -euo pipefail

pkgs=(build-essential cmake pkg-config libcli-dev libreadline-dev
	libnl-3-dev libnl-xfrm-3-dev libnl-route-3-dev libssl-dev
	libconfig-dev libevent-dev libcmocka-dev clang libclang-rt-14-dev
	groff-base)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
