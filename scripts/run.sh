#!/usr/bin/env bash
# README command 1: install what is needed, build, and run the product on
# its embedded default configuration.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
build/shell/tunshd --check-config etc/tunsh.conf
build/shell/tunshd --print-config etc/tunsh.conf
