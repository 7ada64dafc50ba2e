#!/usr/bin/env bash
# Builds the Debian package from this tree the Debian way and writes it
# into dist/: the tracked files and any edits to them (never build
# directories) are copied into a scratch directory, where
# dpkg-buildpackage -us -uc -b builds them (debian/rules) and lintian
# checks the result; an error from lintian fails the build.  Prints the
# .deb's path.  Needs the packages in scripts/deps.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
version=$(dpkg-parsechangelog -l debian/changelog -S Version)
work=$(mktemp -d)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT

src=$work/tunsh-$version
mkdir "$src"
git ls-files -z --cached --others --exclude-standard |
	(cd "$top" && xargs -0 cp --parents -t "$src" 2>/dev/null || true)
[ -f "$src/debian/rules" ] || { echo "package.sh: no debian/rules copied" >&2; exit 1; }

(cd "$src" && dpkg-buildpackage -us -uc -b --no-sign -j"${JOBS:-2}") \
	>"$work/build.log" 2>&1 || {
	tail -50 "$work/build.log" >&2
	echo "package.sh: dpkg-buildpackage failed (log above)" >&2
	exit 1
}
deb=$(ls "$work"/tunsh_"$version"_*.deb)
# Errors fail; warnings and notes are printed for a person to read.
lintian --fail-on error --tag-display-limit 0 "$work"/*.changes \
	>"$work/lintian.log" 2>&1 || {
	cat "$work/lintian.log" >&2
	echo "package.sh: lintian found errors in $(basename "$deb")" >&2
	exit 1
}
sed 's/^/lintian: /' "$work/lintian.log" >&2
mkdir -p dist
cp "$deb" dist/
echo "dist/$(basename "$deb")"
