#!/usr/bin/env bash
# GET /metrics from a real tunshd in a network namespace of its own, as
# the configuration's metrics listen says (issue 15).  Off by default:
# nothing listens.  A commit of metrics listen starts it: the page parses
# with prometheus_client's own parser (Debian's python3-prometheus-client),
# every family has HELP and TYPE, each tunnel of the configuration has its
# lines, a commit moves tunsh_commits_total and adds the new tunnel's
# lines, tunsh_sessions counts the open sessions; only /metrics answers,
# only GET, only on the address given.  It shows in show running-config
# (text and json).  A second commit moves it, a restart serves it from the
# file, a port in use is an error of that commit that keeps the address
# before it (at start, a warning: tunshd comes up, and a later commit of
# the system settings binds it once the port is free), no metrics listen
# stops it, an operator cannot set it, and a bad address is refused in
# words, in the file and at the prompt.
# /usr/bin/python3: Debian's, where the parser is.  Needs root (a
# namespace, a test user): 77 otherwise.
set -euo pipefail
bin=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
if [ "$(id -u)" -ne 0 ]; then
	echo "metrics: needs root for its network namespace and test user"
	exit 77
fi
dir=$(mktemp -d)
chmod 755 "$dir"
sock=$dir/tunshd.sock
pid=
holder=
op=''
# shellcheck source=SCRIPTDIR/users.sh
. "$top/tests/integration/users.sh"
cleanup() {
	[ -n "$holder" ] && kill "$holder" 2>/dev/null && wait "$holder" 2>/dev/null
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	test_cleanup_users
	rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- daemon log:" >&2; cat "$dir/log" >&2; exit 1; }
tunsh() { "$bin/shell/tunsh" --socket "$sock" "$@"; }

test_groups_hold
test_user op tunsh-t-mop tunsh -d /nonexistent -s /usr/sbin/nologin

# A bad address in the file: refused by --check-config, at its line.
cp "$top/etc/tunsh.conf" "$dir/bad.conf"
echo 'metrics = { listen = "localhost:9472"; };' >>"$dir/bad.conf"
line=$(grep -c '' "$dir/bad.conf")
rc=0
"$bin/shell/tunshd" --check-config "$dir/bad.conf" 2>"$dir/err" || rc=$?
[ "$rc" = 1 ] || fail "--check-config of a bad metrics listen: exit $rc, want 1"
grep -qxF "$dir/bad.conf:$line: metrics listen \"localhost:9472\" is not an address and port: give A.B.C.D:PORT or [IPv6]:PORT with a port of 1-65535, like 127.0.0.1:9472" \
	"$dir/err" || fail "bad metrics listen in the file: $(cat "$dir/err")"

# start: tunshd in a namespace of its own, only lo up in it.
start() {
	unshare -n sh -c 'ip link set lo up && exec "$@"' sh \
		"$bin/shell/tunshd" -f --config "$dir/tunsh.conf" \
		--state-dir "$dir/state" --socket "$sock" --kernel none \
		--ike-ports 0,0 2>>"$dir/log" &
	pid=$!
	for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
	[ -S "$sock" ] || fail "tunshd did not start"
}
stop() {
	kill "$pid"
	wait "$pid" || true
	pid=
	rm -f "$sock"
}
# refused ADDR PORT: nothing listens there in tunshd's namespace.
refused() {
	nsenter -t "$pid" -n /usr/bin/python3 - "$1" "$2" <<'PY'
import socket, sys
s = socket.socket()
s.settimeout(5)
try:
    s.connect((sys.argv[1], int(sys.argv[2])))
except ConnectionRefusedError:
    raise SystemExit(0)
raise SystemExit(f"{sys.argv[1]}:{sys.argv[2]} answered")
PY
}
# scrape ADDR:PORT WANT...: the page checked by the parser; prints
# NAME{LABELS} VALUE lines sorted, for the greps below.
scrape() {
	nsenter -t "$pid" -n /usr/bin/python3 - "$@" <<'PY'
import sys, urllib.request, urllib.error
from prometheus_client.parser import text_string_to_metric_families

base = "http://" + sys.argv[1]
def get(url, method="GET"):
    req = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers.get("Content-Type"), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, None, ""

status, ctype, text = get(base + "/metrics")
assert status == 200, status
assert ctype.startswith("text/plain; version=0.0.4"), ctype
assert get(base + "/")[0] == 404
assert get(base + "/metrics/x")[0] == 404
assert get(base + "/metrics", "POST")[0] == 405
# HELP and TYPE for every family, before its samples.
helps = {l.split()[2] for l in text.splitlines() if l.startswith("# HELP ")}
types = {l.split()[2]: l.split()[3] for l in text.splitlines()
         if l.startswith("# TYPE ")}
assert helps == set(types), (helps, types)
seen = set()
for fam in text_string_to_metric_families(text):
    assert fam.documentation, fam.name
    seen.add(fam.name)
    for s in fam.samples:
        labels = ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
        print(f"{s.name}{{{labels}}} {s.value:g}")
        assert s.value >= 0, s
# prometheus_client names counters without _total.
for want in sys.argv[2:]:
    assert want in seen, f"no family {want} in {sorted(seen)}"
PY
}
families="tunsh_tunnel_up tunsh_tunnel_established_seconds
tunsh_tunnel_bytes tunsh_tunnel_packets tunsh_ike_rekeys tunsh_child_rekeys
tunsh_dpd_checks tunsh_dpd_actions tunsh_auth_failures
tunsh_negotiation_failures tunsh_commits tunsh_sessions tunsh_ike_sas
tunsh_child_sas tunsh_ike_half_open_sas tunsh_ike_cookies_sent
tunsh_ike_packets_received tunsh_ike_packets_sent tunsh_ike_packets_dropped"

cp "$top/etc/tunsh.conf" "$dir/tunsh.conf"
start
# Off by default: nothing listens, nothing is shown.
refused 127.0.0.1 9472 || fail "metrics served with no metrics listen"
tunsh -c 'show running-config' | grep -q '^metrics' &&
	fail "show running-config shows metrics that are off"

# An operator may not set it; a bad address is refused at the prompt.
rc=0
runuser -u "$op" -- "$bin/shell/tunsh" --socket "$sock" \
	-c 'configure; metrics listen 127.0.0.1:9472; commit' >"$dir/out" 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "an operator's metrics listen succeeded"
grep -q 'configure: permission denied' "$dir/out" ||
	fail "operator: $(cat "$dir/out")"
refused 127.0.0.1 9472 || fail "an operator started the metrics"
rc=0
tunsh -c 'configure; metrics listen 127.0.0.1:99999' >"$dir/out" 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "metrics listen 127.0.0.1:99999 accepted"
grep -qF 'metrics listen "127.0.0.1:99999" is not an address and port: give A.B.C.D:PORT or [IPv6]:PORT with a port of 1-65535, like 127.0.0.1:9472' \
	"$dir/out" || fail "bad port: $(cat "$dir/out")"
rc=0
tunsh -c 'configure; metrics listen 239.1.1.1:9472; commit check' >"$dir/out" 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "commit check of a multicast metrics listen passed"
grep -qF 'metrics listen 239.1.1.1:9472: a multicast or broadcast address takes no connections: give an address of this host, like 127.0.0.1:9472' \
	"$dir/out" || fail "multicast: $(cat "$dir/out")"

# The commit starts it.
tunsh -c 'configure; metrics listen 127.0.0.1:9472; commit' >"$dir/out" 2>&1 ||
	fail "commit of metrics listen: $(cat "$dir/out")"
# shellcheck disable=SC2086
scrape 127.0.0.1:9472 $families >"$dir/m1" || fail "first scrape: $(cat "$dir/m1")"
for t in aws-1 aws-2 branch-1; do
	grep -qx "tunsh_tunnel_up{tunnel=\"$t\"} 0" "$dir/m1" ||
		fail "no tunsh_tunnel_up 0 for $t: $(cat "$dir/m1")"
	for d in in out; do
		grep -qx "tunsh_tunnel_bytes_total{direction=\"$d\",tunnel=\"$t\"} 0" "$dir/m1" ||
			fail "no bytes $d for $t"
	done
	grep -qx "tunsh_dpd_checks_total{tunnel=\"$t\"} 0" "$dir/m1" ||
		fail "no DPD checks line for $t"
	grep -qx "tunsh_negotiation_failures_total{reason=\"no_proposal\",tunnel=\"$t\"} 0" \
		"$dir/m1" || fail "no negotiation failures line for $t"
done
grep -qx 'tunsh_commits_total{} 1' "$dir/m1" || fail "commits: $(grep commits "$dir/m1")"
grep -qx 'tunsh_sessions{} 0' "$dir/m1" || fail "sessions: $(grep sessions "$dir/m1")"
grep -qx 'tunsh_ike_packets_dropped_total{reason="parse"} 0' "$dir/m1" ||
	fail "no dropped{reason=parse}"
tunsh -c 'show running-config' | grep -qx 'metrics listen 127.0.0.1:9472' ||
	fail "show running-config: $(tunsh -c 'show running-config')"
tunsh -c 'show running-config json' | /usr/bin/python3 -c '
import json, sys
got = json.load(sys.stdin)["metrics"]
assert got == {"listen": "127.0.0.1:9472"}, got' ||
	fail "show running-config json: $(tunsh -c 'show running-config json')"

# A session open (its stdin held) counts.
mkfifo "$dir/hold"
tunsh <"$dir/hold" >/dev/null 2>&1 &
session=$!
exec 3>"$dir/hold"
seen=
for _ in $(seq 50); do
	scrape 127.0.0.1:9472 >"$dir/m" 2>&1 || fail "scrape: $(cat "$dir/m")"
	grep -qx 'tunsh_sessions{} 1' "$dir/m" && { seen=1; break; }
	sleep 0.1
done
[ -n "$seen" ] || fail "tunsh_sessions with one open: $(grep sessions "$dir/m")"
exec 3>&-
wait "$session" || true

printf 'configure\nipsec tunnel new-1\n wan-port wan1\n remote-address 198.51.100.99\n pre-shared-key metrics-test-psk-0123456789\n remote-network 172.31.0.0/16\n local-network vlan 20\n exit\ncommit\n' |
	tunsh >"$dir/out" 2>&1 || fail "commit: $(cat "$dir/out")"
# shellcheck disable=SC2086
scrape 127.0.0.1:9472 $families >"$dir/m2" || fail "second scrape: $(cat "$dir/m2")"
grep -qx 'tunsh_commits_total{} 2' "$dir/m2" || fail "commits after a commit: $(grep commits "$dir/m2")"
grep -qx 'tunsh_tunnel_up{tunnel="new-1"} 0' "$dir/m2" || fail "no lines for new-1"
# Bound to 127.0.0.1 only: 127.0.0.2, on the same lo, is refused.
refused 127.0.0.2 9472 || fail "metrics answer beyond 127.0.0.1"

# A commit moves it: the new address answers, the old one no more.
tunsh -c 'configure; metrics listen 127.0.0.2:9473; commit' >"$dir/out" 2>&1 ||
	fail "commit of a new metrics listen: $(cat "$dir/out")"
scrape 127.0.0.2:9473 >"$dir/m3" || fail "scrape after the move: $(cat "$dir/m3")"
refused 127.0.0.1 9472 || fail "the old address still answers after the move"
# The same port on the wildcard address and back: each collides with the
# listener it replaces, which then goes first.
tunsh -c 'configure; metrics listen 0.0.0.0:9473; commit' >"$dir/out" 2>&1 ||
	fail "commit of metrics listen 0.0.0.0:9473: $(cat "$dir/out")"
scrape 127.0.0.1:9473 >"$dir/m3" || fail "scrape on the wildcard: $(cat "$dir/m3")"
tunsh -c 'configure; metrics listen 127.0.0.2:9473; commit' >"$dir/out" 2>&1 ||
	fail "commit back to 127.0.0.2:9473: $(cat "$dir/out")"
scrape 127.0.0.2:9473 >"$dir/m3" || fail "scrape back on 127.0.0.2: $(cat "$dir/m3")"
refused 127.0.0.1 9473 || fail "the wildcard still answers"

# A restart serves it from the file.
grep -qx 'metrics = { listen = "127.0.0.2:9473"; };' "$dir/tunsh.conf" ||
	fail "the file: $(cat "$dir/tunsh.conf")"
stop
start
scrape 127.0.0.2:9473 >"$dir/m4" || fail "scrape after a restart: $(cat "$dir/m4")"

# A port in use: the commit fails in words, and is undone: the file, the
# running configuration and the address that answers are those before.
nsenter -t "$pid" -n /usr/bin/python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 9474))
s.listen()
open(sys.argv[1], "w").close()
time.sleep(120)' "$dir/held" &
holder=$!
for _ in $(seq 100); do [ -e "$dir/held" ] && break; sleep 0.1; done
[ -e "$dir/held" ] || fail "nothing took 127.0.0.1:9474"
cp "$dir/tunsh.conf" "$dir/before.conf"
rc=0
tunsh -c 'configure; metrics listen 127.0.0.1:9474; commit' >"$dir/out" 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "a commit of a port in use succeeded"
grep -qF 'metrics listen 127.0.0.1:9474: cannot listen there (Address already in use): choose a free port on an address of this host, or no metrics listen; the previous configuration stays in place' \
	"$dir/out" || fail "port in use: $(cat "$dir/out")"
cmp -s "$dir/tunsh.conf" "$dir/before.conf" || fail "the file changed: $(cat "$dir/tunsh.conf")"
tunsh -c 'show running-config' | grep -qx 'metrics listen 127.0.0.2:9473' ||
	fail "running after the failed commit: $(tunsh -c 'show running-config')"
scrape 127.0.0.2:9473 >"$dir/m5" || fail "scrape after the failed commit: $(cat "$dir/m5")"
kill "$holder"
wait "$holder" 2>/dev/null || true
holder=

# At start a port taken is a warning: tunshd comes up without metrics,
# and a commit of other system settings retries it (a warning while it
# is taken).  The port holder's namespace is tunshd's this time.
stop
sed -i 's/127.0.0.2:9473/127.0.0.1:9474/' "$dir/tunsh.conf"
rm -f "$dir/held"
unshare -n sh -c 'ip link set lo up && exec "$@"' sh /usr/bin/python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 9474))
s.listen()
open(sys.argv[1], "w").close()
time.sleep(120)' "$dir/held" &
holder=$!
for _ in $(seq 100); do [ -e "$dir/held" ] && break; sleep 0.1; done
[ -e "$dir/held" ] || fail "nothing took 127.0.0.1:9474"
nsenter -t "$holder" -n "$bin/shell/tunshd" -f --config "$dir/tunsh.conf" \
	--state-dir "$dir/state" --socket "$sock" --kernel none \
	--ike-ports 0,0 2>>"$dir/log" &
pid=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || fail "tunshd did not start with its metrics port taken"
grep -qF 'metrics listen 127.0.0.1:9474: cannot listen there (Address already in use): choose a free port on an address of this host, or no metrics listen; not served until that is fixed' \
	"$dir/log" || fail "no warning at start"
tunsh -c 'configure; hostname fw-m; commit' >"$dir/out" 2>&1 ||
	fail "a hostname commit with the metrics port taken: $(cat "$dir/out")"
grep -qF '% warning: metrics listen 127.0.0.1:9474: cannot listen there' "$dir/out" ||
	fail "no warning at the hostname commit: $(cat "$dir/out")"
kill "$holder"
wait "$holder" 2>/dev/null || true
holder=
tunsh -c 'configure; hostname fw-n; commit' >"$dir/out" 2>&1 ||
	fail "a hostname commit with the port free: $(cat "$dir/out")"
scrape 127.0.0.1:9474 >"$dir/m6" || fail "scrape once the port is free: $(cat "$dir/m6")"

# no metrics listen stops it.
tunsh -c 'configure; no metrics listen; commit' >"$dir/out" 2>&1 ||
	fail "commit of no metrics listen: $(cat "$dir/out")"
refused 127.0.0.1 9474 || fail "metrics still served after no metrics listen"
grep -q '^metrics' "$dir/tunsh.conf" && fail "the file keeps metrics: $(cat "$dir/tunsh.conf")"
echo "metrics: $(grep -c . "$dir/m2") samples, 19 families, parsed; started, moved, restarted, kept, stopped"
