/*
 * commands/show_counters.c: show ipsec counters, the IKE engine's own
 * counters: datagrams in and out, SAs, cookies, IKE fragments, and each
 * datagram dropped by its reason; in text and JSON.  Not a walk over
 * tunnels: the engine counts for all of them.
 */
#include <inttypes.h>
#include <stdio.h>

#include "commands/show_ipsec.h"

static void
print_counters_text(struct cli_def *cli, const struct ike_counters *c)
{
	const struct {
		uint64_t n;
		const char *why;
	} drops[] = {
		{ c->dropped_parse, "malformed" },
		{ c->dropped_rules,
		    "with payloads their exchange may not carry" },
		{ c->dropped_auth, "failing authentication" },
		{ c->dropped_unknown_spi, "for no SA or tunnel of ours" },
		{ c->dropped_half_open_peer,
		    "IKE_SA_INIT over the half-open bound per address" },
		{ c->dropped_half_open_total,
		    "IKE_SA_INIT over the half-open bound in total" },
		/* IKE fragments (RFC 7383); an ICV failure counts above
		 * too, as failing authentication. */
		{ c->frag_dropped_icv, "fragments failing their ICV" },
		{ c->frag_dropped_dup, "fragments held already" },
		{ c->frag_dropped_too_many,
		    "fragments of a message in more than 64" },
		{ c->frag_dropped_too_big,
		    "fragments of a message over 64 KiB" },
		{ c->frag_dropped_invalid,
		    "fragments malformed or out of place" },
		{ c->frag_discarded, "messages left unfinished in fragments" },
	};

	cli_print(cli, "IKE engine");
	show_field(cli, "Datagrams",
	    "%" PRIu64 " in, %" PRIu64 " out, %" PRIu64 " retransmitted", c->rx,
	    c->tx, c->retransmits);
	show_field(cli, "IKE SAs",
	    "%" PRIu64 ", %" PRIu64 " of them half-open from %" PRIu64
	    " address%s",
	    c->ike_sas, c->half_open, c->half_open_peers,
	    c->half_open_peers == 1 ? "" : "es");
	show_field(cli, "CHILD SAs", "%" PRIu64, c->child_sas);
	show_field(cli, "Cookies sent", "%" PRIu64, c->cookies_sent);
	show_field(cli, "IKE fragments",
	    "%" PRIu64 " in, %" PRIu64 " out, %" PRIu64 " messages reassembled",
	    c->frag_rx, c->frag_tx, c->frag_reassembled);
	for (size_t i = 0; i < sizeof(drops) / sizeof(drops[0]); i++)
		cli_print(cli, "%-*s%" PRIu64 " %s", SHOW_LABEL_COL,
		    i == 0 ? "  Dropped:" : "", drops[i].n, drops[i].why);
	/* A bug of ours when not 0: tunshd's log says which. */
	show_field(cli, "State errors", "%" PRIu64 "%s", c->state_refused,
	    c->state_refused ? " (see show log: please report them)" : "");
}

static int
print_counters_json(struct cli_def *cli, const struct ike_counters *c)
{
	struct json_writer j;

	json_writer_init(&j, cli_line, cli);
	json_object(&j, NULL, JSON_LINES);
	json_u64(&j, "rx", c->rx);
	json_u64(&j, "tx", c->tx);
	json_u64(&j, "retransmits", c->retransmits);
	json_u64(&j, "ike_sas", c->ike_sas);
	json_u64(&j, "half_open", c->half_open);
	json_u64(&j, "half_open_peers", c->half_open_peers);
	json_u64(&j, "child_sas", c->child_sas);
	json_u64(&j, "cookies_sent", c->cookies_sent);
	json_u64(&j, "fragments_rx", c->frag_rx);
	json_u64(&j, "fragments_tx", c->frag_tx);
	json_u64(&j, "fragments_reassembled", c->frag_reassembled);
	json_u64(&j, "state_errors", c->state_refused);
	json_object(&j, "dropped", JSON_LINES);
	json_u64(&j, "parse", c->dropped_parse);
	json_u64(&j, "rules", c->dropped_rules);
	json_u64(&j, "auth", c->dropped_auth);
	json_u64(&j, "unknown_spi", c->dropped_unknown_spi);
	json_u64(&j, "half_open_peer", c->dropped_half_open_peer);
	json_u64(&j, "half_open_total", c->dropped_half_open_total);
	json_u64(&j, "fragment_icv", c->frag_dropped_icv);
	json_u64(&j, "fragment_duplicate", c->frag_dropped_dup);
	json_u64(&j, "fragment_too_many", c->frag_dropped_too_many);
	json_u64(&j, "fragment_too_big", c->frag_dropped_too_big);
	json_u64(&j, "fragment_invalid", c->frag_dropped_invalid);
	json_u64(&j, "fragment_unfinished", c->frag_discarded);
	json_end(&j);
	json_end(&j);
	return json_done(cli, "show ipsec counters", &j);
}

/* The engine's counters: what arrived, what was dropped and why. */
int
show_counters_cmd(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);
	struct ike_counters c;
	struct show_args a;

	(void)cmd;
	if (!show_args_get(cli, "show ipsec counters", "[json]", argv, argc,
		&a))
		return CLI_ERROR;
	if (s->env->ike == NULL)
		return cmd_error(cli, "show ipsec counters: %s",
		    SHOW_NO_ENGINE_FIX);
	ike_engine_counters(s->env->ike, &c);
	if (a.json)
		return print_counters_json(cli, &c);
	print_counters_text(cli, &c);
	return CLI_OK;
}
