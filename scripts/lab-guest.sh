#!/usr/bin/env bash
# scripts/lab-guest.sh: the lab of scripts/lab.sh, run inside a kernel
# with ESP (a user-mode-linux guest).  The example configuration
# (etc/tunsh.conf) comes alive: fw1 runs tunshd on it, and behind a
# router the branch office of its tunnel branch-1 runs strongSwan's charon
# with the matching settings.  When the tunnel is up and a ping from the
# office crosses it, tunsh opens on fw1 (or runs the lines given on the
# host's standard input).
#
#   office (10.20.5.10) -- fw1 ---- internet ---- branch -- branchhost
#            10.20.5.1/24   203.0.113.2   198.51.100.7   (172.16.0.10)
#                            tunshd         charon
# The aws-1 and aws-2 tunnels have no peer here: they show what a peer
# that never answers looks like.

# shellcheck source=../tests/vm/lib.sh
. "$TUNSH_TOP/tests/vm/lib.sh"
trap vm_stop_all EXIT

vm_charon_need openssl kernel-netlink vici
vm_netns fw1 internet branch office branchhost
{
	vm_veth fw1 wan1 internet tofw
	vm_veth internet tobr branch wan
	vm_veth fw1 lan office eth0
	vm_veth branch lan branchhost eth0
} | vm_ip
vm_ip fw1 <<'EOT'
link set wan1 up
link set lan up
addr add 203.0.113.2/24 dev wan1
addr add 10.20.5.1/24 dev lan
route add default via 203.0.113.1
EOT
vm_ip internet <<'EOT'
link set tofw up
link set tobr up
addr add 203.0.113.1/24 dev tofw
addr add 198.51.100.1/24 dev tobr
EOT
vm_ip branch <<'EOT'
link set wan up
link set lan up
addr add 198.51.100.7/24 dev wan
addr add 172.16.0.1/16 dev lan
route add default via 198.51.100.1
EOT
vm_ip office <<'EOT'
link set eth0 up
addr add 10.20.5.10/24 dev eth0
route add default via 10.20.5.1
EOT
vm_ip branchhost <<'EOT'
link set eth0 up
addr add 172.16.0.10/16 dev eth0
route add default via 172.16.0.1
EOT
for ns in fw1 internet branch; do vm_sysctl "$ns" net.ipv4.ip_forward=1; done

echo "lab: starting the branch office's strongSwan (198.51.100.7)"
vm_charon_start branch branch
vm_charon_load branch <<'EOT'
connections {
	fw1 {
		version = 2
		local_addrs = 198.51.100.7
		remote_addrs = 203.0.113.2
		proposals = aes256gcm16-prfsha256-x25519
		local { auth = psk
			id = 198.51.100.7 }
		remote { auth = psk
			id = 203.0.113.2 }
		children {
			office {
				local_ts = 172.16.0.0/16
				remote_ts = 10.20.5.0/24
				esp_proposals = aes256gcm16-x25519
			}
		}
	}
}
secrets {
	ike-fw1 {
		id-a = 203.0.113.2
		id-b = 198.51.100.7
		secret = "example-only-change-me-0001"
	}
}
EOT

echo "lab: starting tunshd on fw1 with etc/tunsh.conf"
vm_tunshd_start fw1 fw1 <"$TUNSH_TOP/etc/tunsh.conf"
vm_tunshd_wait fw1 30 "tunnel branch-1: CHILD SA up"
echo "lab: branch-1 is up; ping from the office (10.20.5.10) to the branch"
echo "lab: (172.16.0.10): $(vm_ping office 172.16.0.10 3) of 3 answered, as ESP"
echo

if [ -n "${TUNSH_INPUT:-}" ]; then
	vm_tunsh fw1 <"$TUNSH_INPUT" || true
	exit 0
fi
echo "lab: tunsh on fw1; try: show ipsec tunnel, show ipsec sa, show ipsec"
echo "lab: dpd, configure.  exit or Ctrl-D ends the lab."
"$TUNSH_BUILD/shell/tunsh" --socket "$VM_WORK/fw1/tunshd.sock" || true
