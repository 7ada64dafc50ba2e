#!/usr/bin/env bash
# The peer's proof for scenarios/ipv6.sh: charon in site a in place of
# tunshd, everything else the same.  By hand, not in check.sh:
#     tests/vm/run.sh -b build -t 300 tests/vm/proof/ipv6_charon.sh
VM_SITE_A=charon
# shellcheck source=SCRIPTDIR/../scenarios/ipv6.sh
. "$TUNSH_TOP/tests/vm/scenarios/ipv6.sh"
