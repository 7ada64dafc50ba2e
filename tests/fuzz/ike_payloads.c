/*
 * tests/fuzz/ike_payloads.c: every payload of a parsed IKE message
 * through its typed parser, for fuzz_ike_msg and fuzz_ike_sk.
 */
#include <stdlib.h>

#include "ike_payloads.h"

void
fuzz_ike_payloads(const struct ike_msg *m, size_t first,
    void (*sa_fn)(const struct ike_sa_payload *sa))
{
	struct ike_sa_payload *sa = malloc(sizeof(*sa)); /* 3 kB: heap */
	struct ike_ts_payload ts;
	struct ike_ke_payload ke;
	struct ike_typed_data td;
	struct ike_notify_payload n;
	struct ike_delete_payload d;
	const uint8_t *p;
	size_t len;

	if (sa == NULL)
		return;
	for (size_t i = first; i < m->n_pl; i++) {
		const struct ike_payload *pl = &m->pl[i];

		switch (pl->type) {
		case IKE_PL_SA:
			if (ike_sa_parse(pl, sa) == 0 && sa_fn != NULL)
				sa_fn(sa);
			break;
		case IKE_PL_KE:
			ike_ke_parse(pl, &ke);
			break;
		case IKE_PL_NONCE:
			ike_nonce_parse(pl, &p, &len);
			break;
		case IKE_PL_IDI:
		case IKE_PL_IDR:
		case IKE_PL_AUTH:
			ike_typed_parse(pl, &td);
			break;
		case IKE_PL_NOTIFY:
			ike_notify_parse(pl, &n);
			break;
		case IKE_PL_DELETE:
			ike_delete_parse(pl, &d);
			break;
		case IKE_PL_TSI:
		case IKE_PL_TSR:
			ike_ts_parse(pl, &ts);
			break;
		}
	}
	free(sa);
}
