# shellcheck shell=bash
# tests/integration/users.sh: the real users and groups of the tests that
# connect as someone (files, hostile, input, metrics, ssh).  Sourced.
#
# Several runs may go at once on one machine (a person and CI, two
# builds): each run's users carry a suffix of its own, and the groups
# tunshd knows by name (tunsh, tunsh-admin), made when missing, stay
# until the last run holding them lets go: a count under a lock, so that
# one run's clean-up cannot take a group from under another.

test_suffix=$(printf '%04x' "$((($$ * 256 + RANDOM) % 65536))")
test_users=()
test_lock=/run/lock/tunsh-test-groups

# test_groups_hold: tunsh and tunsh-admin exist until test_cleanup_users.
test_groups_hold() {
	local fd g n
	exec {fd}>>"$test_lock.lock"
	flock "$fd"
	n=$(cat "$test_lock.count" 2>/dev/null || echo 0)
	for g in tunsh tunsh-admin; do
		if ! getent group "$g" >/dev/null; then
			groupadd -r "$g"
			echo "$g" >>"$test_lock.made"
		fi
	done
	echo $((n + 1)) >"$test_lock.count"
	flock -u "$fd"
	exec {fd}>&-
	test_holding=1
}

# test_user VAR BASE GROUPS [useradd options...]: makes user BASE-SUFFIX
# in GROUPS (comma-separated, may be empty) and sets VAR to its name.
test_user() {
	local var=$1 name="$2-$test_suffix" groups=$3
	shift 3
	useradd -M ${groups:+-G "$groups"} "$@" "$name"
	test_users+=("$name")
	printf -v "$var" '%s' "$name"
}

# test_cleanup_users: removes this run's users, and the groups the tests
# made once no run holds them.  For the caller's EXIT trap.
test_cleanup_users() {
	local u fd n g
	for u in "${test_users[@]}"; do userdel "$u" 2>/dev/null || true; done
	test_users=()
	[ -n "${test_holding:-}" ] || return 0
	test_holding=
	exec {fd}>>"$test_lock.lock"
	flock "$fd"
	n=$(($(cat "$test_lock.count" 2>/dev/null || echo 1) - 1))
	if [ "$n" -le 0 ]; then
		while read -r g; do
			groupdel "$g" 2>/dev/null || true
		done <"$test_lock.made" 2>/dev/null || true
		rm -f "$test_lock.made" "$test_lock.count"
	else
		echo "$n" >"$test_lock.count"
	fi
	flock -u "$fd"
	exec {fd}>&-
}
