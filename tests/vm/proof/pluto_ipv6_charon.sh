#!/usr/bin/env bash
# The peer's proof for scenarios/pluto_ipv6.sh: charon in site a in place
# of tunshd, pluto in b as in the scenario.  Named pluto_* so that run.sh
# lays libreswan over the guest's /.  By hand, not in check.sh:
#     tests/vm/run.sh -b build -t 300 tests/vm/proof/pluto_ipv6_charon.sh
VM_SITE_A=charon
# shellcheck source=SCRIPTDIR/../scenarios/pluto_ipv6.sh
. "$TUNSH_TOP/tests/vm/scenarios/pluto_ipv6.sh"
