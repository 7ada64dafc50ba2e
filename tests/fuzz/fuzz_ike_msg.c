/*
 * tests/fuzz/fuzz_ike_msg.c: the IKEv2 message parser on arbitrary bytes
 * from the network.  Every payload goes through its typed parser and the
 * exchange rules; an SA payload that parses is built again and must parse
 * to the same proposals (build and parse are inverse).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ike/msg.h"
#include "ike_payloads.h"

static void
sa_round_trip(const struct ike_sa_payload *sa)
{
	struct ike_header h = { .exchange = IKE_SA_INIT };
	struct ike_sa_payload again;
	struct ike_msg m;
	struct ike_buf b;

	ike_buf_init(&b);
	ike_msg_begin(&b, &h);
	ike_sa_add(&b, sa);
	if (ike_buf_finish(&b) == 0) {
		if (ike_msg_parse(b.data, b.len, &m, NULL) != 0 ||
		    ike_sa_parse(&m.pl[0], &again) != 0 ||
		    again.n_proposals != sa->n_proposals)
			__builtin_trap();
		for (size_t i = 0; i < sa->n_proposals; i++) {
			const struct ike_proposal *a = &sa->proposals[i];
			const struct ike_proposal *c = &again.proposals[i];

			if (a->num != c->num || a->protocol != c->protocol ||
			    a->spi_size != c->spi_size ||
			    memcmp(a->spi, c->spi, a->spi_size) != 0 ||
			    a->n_transforms != c->n_transforms)
				__builtin_trap();
			/* Field by field: structs have padding. */
			for (size_t k = 0; k < a->n_transforms; k++)
				if (a->transforms[k].type !=
					c->transforms[k].type ||
				    a->transforms[k].id !=
					c->transforms[k].id ||
				    a->transforms[k].keylen !=
					c->transforms[k].keylen)
					__builtin_trap();
		}
	}
	ike_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ike_msg *m = malloc(sizeof(*m));
	struct ike_parse_err err;

	if (m == NULL || ike_msg_parse(data, size, m, &err) != 0) {
		free(m);
		return 0;
	}
	fuzz_ike_payloads(m, 0, sa_round_trip);
	ike_msg_check_rules(m, &err);
	free(m);
	return 0;
}
