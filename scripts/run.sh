#!/usr/bin/env bash
# README command 1: install what is needed, build (build/), and run tunshd
# on the default configuration: check it, then print it as CLI commands.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-2}

scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs" >/dev/null
build/shell/tunshd --check-config etc/tunsh.conf
build/shell/tunshd --print-config etc/tunsh.conf
