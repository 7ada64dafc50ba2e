/*
 * commands/show_ipsec.c: the command tree of the live IPsec state: show
 * ipsec tunnel|sa|dpd|counters, and the commands that act on it, clear
 * ipsec sa, test ipsec tunnel and request ipsec rekey (admins only):
 * their words, arguments and help.  Each command is a file of its own
 * (show_tunnel.c, show_sa.c, show_dpd.c, show_counters.c, ipsec_act.c)
 * around one walk over the tunnels (show_walk.c); see show_ipsec.h.
 */
#include "commands/show_ipsec.h"

#define JSON_HELP "As JSON, for scripts"

void
show_ipsec_register(struct cli_def *cli, struct cli_command *show)
{
	struct cli_command *ipsec, *clear, *test, *req, *c;
	const int P = PRIVILEGE_UNPRIVILEGED;

	ipsec = cli_register_command(cli, show, "ipsec", NULL, P, MODE_EXEC,
	    "Live IPsec state of the IKE engine");
	c = cli_register_command(cli, ipsec, "tunnel", show_tunnel_cmd, P,
	    MODE_EXEC, "Tunnels: state, peer, proposal, CHILD SAs, last error");
	grammar_value(c, "NAME", "One tunnel of the running configuration",
	    grammar_complete_running, show_tunnel_valid_word);
	grammar_flag(c, "brief", "One line a tunnel");
	grammar_flag(c, "detail", "Everything known of each");
	grammar_flag(c, "json", JSON_HELP);
	c = cli_register_command(cli, ipsec, "sa", show_sa_cmd, P, MODE_EXEC,
	    "IKE and CHILD SAs: SPIs, algorithms, timers, traffic");
	grammar_pair(c, "tunnel", "One tunnel only: NAME",
	    grammar_complete_running, NULL);
	grammar_flag(c, "detail", "Everything known of each");
	grammar_flag(c, "json", JSON_HELP);
	c = cli_register_command(cli, ipsec, "dpd", show_dpd_cmd, P, MODE_EXEC,
	    "Dead peer detection: settings, checks, actions");
	grammar_pair(c, "tunnel", "One tunnel only: NAME",
	    grammar_complete_running, NULL);
	grammar_flag(c, "json", JSON_HELP);
	c = cli_register_command(cli, ipsec, "counters", show_counters_cmd, P,
	    MODE_EXEC, "IKE engine: datagrams, SAs, cookies, drops by reason");
	grammar_flag(c, "json", JSON_HELP);
	/* Operators reach these and are told why they may not. */
	clear = cli_register_command(cli, NULL, "clear", NULL, P, MODE_EXEC,
	    "Tear down live state (admins)");
	commands_register_sessions(cli, clear);
	clear = cli_register_command(cli, clear, "ipsec", NULL, P, MODE_EXEC,
	    "IPsec state");
	c = cli_register_command(cli, clear, "sa", ipsec_clear_sa_cmd, P,
	    MODE_EXEC, "Delete the SAs and renegotiate");
	grammar_pair(c, "tunnel", "One tunnel only: NAME",
	    grammar_complete_running, NULL);
	test = cli_register_command(cli, NULL, "test", NULL, P, MODE_EXEC,
	    "Try something now (admins)");
	test = cli_register_command(cli, test, "ipsec", NULL, P, MODE_EXEC,
	    "IPsec");
	c = cli_register_command(cli, test, "tunnel", ipsec_test_tunnel_cmd, P,
	    MODE_EXEC, "Negotiate a tunnel now and say how it went");
	grammar_arg(c, "NAME", "A tunnel of the running configuration",
	    grammar_complete_running, NULL);
	req = cli_register_command(cli, NULL, "request", NULL, P, MODE_EXEC,
	    "Ask for an action now (admins)");
	req = cli_register_command(cli, req, "ipsec", NULL, P, MODE_EXEC,
	    "IPsec");
	req = cli_register_command(cli, req, "rekey", NULL, P, MODE_EXEC,
	    "New keys now, the SAs kept until then");
	c = cli_register_command(cli, req, "tunnel", ipsec_request_rekey_cmd, P,
	    MODE_EXEC, "The tunnel whose SAs get new keys");
	grammar_arg(c, "NAME", "A tunnel of the running configuration",
	    grammar_complete_running, NULL);
	grammar_flag(c, "ike", "The IKE SA, not the CHILD SAs");
}
