#!/usr/bin/env bash
# The man pages render without a warning, and tunsh.conf(5) documents every
# tunnel setting the model has (the table in config/fields.c), by its key.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
fail() { echo "FAIL: $*" >&2; exit 1; }

for page in man/*.[0-9]; do
	warn=$(groff -t -man -Tutf8 -ww -z "$page" 2>&1 || true)
	[ -z "$warn" ] || fail "$page: $warn"
done

keys=$(grep -oE '\.key = "[^"]+"' config/fields.c |
	sed -E 's/.*"([^"]+)"$/\1/')
[ -n "$keys" ] || fail "no settings found in config/fields.c"
for k in $keys; do
	# roff escapes hyphens: dpd-timeout is written dpd\-timeout.
	grep -qF -- "${k//-/\\-}" man/tunsh.conf.5 ||
		fail "tunsh.conf(5) does not document $k"
done
# tunsh(1) names every tunnel command by its CLI words.
words=$(grep -oE '\.cli = "[^"]+"' config/fields.c |
	sed -E 's/.*"([^"]+)"$/\1/')
while read -r w; do
	grep -qF -- "${w//-/\\-}" man/tunsh.1 || fail "tunsh(1) does not name $w"
done <<<"$words"
for page in man/*.[0-9]; do
	wide=$(groff -t -man -Tascii -rLL=80n "$page" 2>/dev/null |
		sed 's/.\x08//g' | awk 'length > 80' | head -1)
	[ -z "$wide" ] || fail "$page: line over 80 columns: $wide"
done
echo "man_check: $(echo "$keys" | wc -l) settings documented, pages clean"
