# shellcheck shell=bash
# shellcheck disable=SC2154 # prefix, psk and bin: the caller's
# tests/integration/two_gateways.sh: the topology of failover.sh and
# monitor.sh, sourced after `set -euo pipefail`: namespaces ns[a],
# ns[b1] and ns[b2] (netns.sh, which gives dir, pid, fail, start, sh_run
# and until_ok too), a's veth-1 (192.0.2.1) to b1 (192.0.2.2) and veth-2
# (198.51.100.1) to b2 (198.51.100.2); a.conf, b1.conf and b2.conf
# (route-based, keys $psk-b1 and $psk-b2).  The caller sets prefix, psk
# and bin first.

# shellcheck source=SCRIPTDIR/netns.sh
. "$(dirname "${BASH_SOURCE[0]}")/netns.sh"
netns_init "$prefix" a b1 b2
veth a veth-1 192.0.2.1/24 b1 veth-b 192.0.2.2/24
veth a veth-2 198.51.100.1/24 b2 veth-b 198.51.100.2/24

cat >"$dir/a.conf" <<'EOT'
hostname = "site-a";
interfaces = ( { name = "wan1"; address = "192.0.2.1/24"; },
               { name = "wan2"; address = "198.51.100.1/24"; } );
vlans = ( { id = 10; name = "lan"; subnet = "10.1.0.0/24"; } );
tunnels = ( );
EOT
# gateway NAME ADDR PEER: one of the peer's two gateways, the VPC
# behind it; its key is $psk-NAME.
gateway() {
	cat >"$dir/$1.conf" <<EOT
hostname = "$1";
interfaces = ( { name = "wan1"; address = "$2/24"; } );
vlans = ( { id = 20; name = "vpc"; subnet = "10.2.0.0/16"; } );
tunnels = ( {
  name = "to-a"; tunnel-type = "route-based"; wan-port = "wan1";
  remote-address = "${3}"; pre-shared-key = "$psk-$1";
  local-network = [ "vlan 20" ]; remote-network = [ "10.1.0.0/24" ];
  initiator = false; } );
EOT
}
gateway b1 192.0.2.2 192.0.2.1
gateway b2 198.51.100.2 198.51.100.1
