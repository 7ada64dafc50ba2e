#!/usr/bin/env bash
# The peer's proof for scenarios/names.sh: charon in site a in place of
# tunshd, its remote_addrs the name.  By hand, not in check.sh:
#     tests/vm/run.sh -b build -t 300 tests/vm/proof/names_charon.sh
VM_SITE_A=charon
# shellcheck source=SCRIPTDIR/../scenarios/names.sh
. "$TUNSH_TOP/tests/vm/scenarios/names.sh"
