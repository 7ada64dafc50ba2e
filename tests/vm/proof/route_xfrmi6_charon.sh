#!/usr/bin/env bash
# The peer's proof for qemu-scenarios/route_xfrmi6.sh: charon in site a,
# with its own XFRM interface, in place of tunshd.  By hand:
#     tests/vm/qemu.sh -b build -t 300 tests/vm/proof/route_xfrmi6_charon.sh
VM_SITE_A=charon
# shellcheck source=SCRIPTDIR/../qemu-scenarios/route_xfrmi6.sh
. "$TUNSH_TOP/tests/vm/qemu-scenarios/route_xfrmi6.sh"
