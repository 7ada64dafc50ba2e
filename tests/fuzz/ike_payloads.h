/*
 * tests/fuzz/ike_payloads.h: what the IKE fuzz targets share: every
 * payload of a parsed message through its typed parser.
 */
#ifndef TUNSH_FUZZ_IKE_PAYLOADS_H
#define TUNSH_FUZZ_IKE_PAYLOADS_H

#include "ike/msg.h"

/* The payloads of m from index first on; sa_fn (may be NULL) gets each
 * SA payload that parsed, for a round trip. */
void fuzz_ike_payloads(const struct ike_msg *m, size_t first,
    void (*sa_fn)(const struct ike_sa_payload *sa));

#endif
