#!/usr/bin/env bash
# GET /metrics from a real tunshd (--metrics-listen) in a network
# namespace of its own: the page parses with prometheus_client's own
# parser (Debian's python3-prometheus-client), every family has HELP and
# TYPE, each tunnel of the configuration has its lines, a commit moves
# tunsh_commits_total and adds the new tunnel's lines; only /metrics
# answers, only GET, only on the address given; a bad --metrics-listen
# is refused in words.  /usr/bin/python3: Debian's, where the parser is.
# Needs root (a namespace): 77 otherwise.
set -euo pipefail
bin=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
if [ "$(id -u)" -ne 0 ]; then
	echo "metrics: needs root for its network namespace"
	exit 77
fi
dir=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- daemon log:" >&2; cat "$dir/log" >&2; exit 1; }

rc=0
"$bin/shell/tunshd" -f --metrics-listen localhost:x 2>"$dir/err" || rc=$?
[ "$rc" = 2 ] || fail "--metrics-listen localhost:x: exit $rc, want 2"
grep -qx 'tunshd: --metrics-listen localhost:x: give ADDRESS:PORT, like 127.0.0.1:9472 or \[::1\]:9472' \
	"$dir/err" || fail "bad --metrics-listen: $(cat "$dir/err")"

cp "$top/etc/tunsh.conf" "$dir/tunsh.conf"
unshare -n sh -c 'ip link set lo up && exec "$@"' sh \
	"$bin/shell/tunshd" -f --config "$dir/tunsh.conf" \
	--state-dir "$dir/state" --socket "$dir/tunshd.sock" --kernel none \
	--ike-ports 0,0 --metrics-listen 127.0.0.1:9472 2>"$dir/log" &
pid=$!
for _ in $(seq 100); do [ -S "$dir/tunshd.sock" ] && break; sleep 0.1; done
[ -S "$dir/tunshd.sock" ] || fail "tunshd did not start"
tunsh() { "$bin/shell/tunsh" --socket "$dir/tunshd.sock" "$@"; }

# scrape WANT...: the page checked by the parser; prints NAME{LABELS} VALUE
# lines sorted, for the greps below.
scrape() {
	nsenter -t "$pid" -n /usr/bin/python3 - "$@" <<'PY'
import sys, urllib.request, urllib.error
from prometheus_client.parser import text_string_to_metric_families

def get(url, method="GET"):
    req = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers.get("Content-Type"), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, None, ""

status, ctype, text = get("http://127.0.0.1:9472/metrics")
assert status == 200, status
assert ctype.startswith("text/plain; version=0.0.4"), ctype
assert get("http://127.0.0.1:9472/")[0] == 404
assert get("http://127.0.0.1:9472/metrics/x")[0] == 404
assert get("http://127.0.0.1:9472/metrics", "POST")[0] == 405
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
for want in sys.argv[1:]:
    assert want in seen, f"no family {want} in {sorted(seen)}"
PY
}
families="tunsh_tunnel_up tunsh_tunnel_established_seconds
tunsh_tunnel_bytes tunsh_tunnel_packets tunsh_ike_rekeys tunsh_child_rekeys
tunsh_dpd_actions tunsh_auth_failures tunsh_negotiation_failures
tunsh_commits tunsh_ike_sas tunsh_child_sas tunsh_ike_half_open_sas
tunsh_ike_cookies_sent tunsh_ike_packets_received tunsh_ike_packets_sent
tunsh_ike_packets_dropped"
# shellcheck disable=SC2086
scrape $families >"$dir/m1" || fail "first scrape: $(cat "$dir/m1")"
for t in aws-1 aws-2 branch-1; do
	grep -qx "tunsh_tunnel_up{tunnel=\"$t\"} 0" "$dir/m1" ||
		fail "no tunsh_tunnel_up 0 for $t: $(cat "$dir/m1")"
	for d in in out; do
		grep -qx "tunsh_tunnel_bytes_total{direction=\"$d\",tunnel=\"$t\"} 0" "$dir/m1" ||
			fail "no bytes $d for $t"
	done
	grep -qx "tunsh_negotiation_failures_total{reason=\"no_proposal\",tunnel=\"$t\"} 0" \
		"$dir/m1" || fail "no negotiation failures line for $t"
done
grep -qx 'tunsh_commits_total{} 0' "$dir/m1" || fail "commits: $(grep commits "$dir/m1")"
grep -qx 'tunsh_ike_packets_dropped_total{reason="parse"} 0' "$dir/m1" ||
	fail "no dropped{reason=parse}"

printf 'configure\nipsec tunnel new-1\n wan-port wan1\n remote-address 198.51.100.99\n pre-shared-key metrics-test-psk-0123456789\n remote-network 172.31.0.0/16\n local-network vlan 20\n exit\ncommit\n' |
	tunsh >"$dir/out" 2>&1 || fail "commit: $(cat "$dir/out")"
# shellcheck disable=SC2086
scrape $families >"$dir/m2" || fail "second scrape: $(cat "$dir/m2")"
grep -qx 'tunsh_commits_total{} 1' "$dir/m2" || fail "commits after a commit: $(grep commits "$dir/m2")"
grep -qx 'tunsh_tunnel_up{tunnel="new-1"} 0' "$dir/m2" || fail "no lines for new-1"

# Bound to 127.0.0.1 only: 127.0.0.2, on the same lo, is refused.
nsenter -t "$pid" -n /usr/bin/python3 -c '
import socket
s = socket.socket()
s.settimeout(5)
try:
    s.connect(("127.0.0.2", 9472))
except ConnectionRefusedError:
    raise SystemExit(0)
raise SystemExit("127.0.0.2:9472 answered")' || fail "metrics answer beyond 127.0.0.1"
echo "metrics: $(grep -c . "$dir/m2") samples, 17 families, parsed"
