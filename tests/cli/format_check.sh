#!/usr/bin/env bash
# Every C file follows the project's .clang-format (KNF).
set -euo pipefail
cd "$(dirname "$0")/../.."
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build*')
clang-format --dry-run -Werror $files
echo "format_check: $(echo "$files" | wc -l) files formatted"
