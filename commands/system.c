/*
 * commands/system.c: the contexts for what tunnels stand on: WAN ports
 * (interface NAME: address, gateway), VLANs (vlan ID: name, subnet) and
 * the client-VPN pool (client-vpn: pool); and metrics listen, where
 * tunshd serves its metrics.  Edits go to the candidate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/private.h"

static int
finish(struct cli_def *cli, struct diag *d)
{
	print_diag(cli, d);
	diag_clear(d);
	return session_of(cli)->failed ? CLI_ERROR : CLI_OK;
}

static int
cmd_interface(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);
	const char *name = grammar_get(cli, "NAME");
	char mode[48];
	struct diag d;

	(void)cmd;
	if (grammar_extra(cli, "interface", "one name, like wan1", argv,
		argc) != CLI_OK)
		return CLI_ERROR;
	diag_init(&d);
	if (config_interface_edit(s->cand, name, &d) == NULL)
		return finish(cli, &d);
	snprintf(s->iface, sizeof(s->iface), "%s", name);
	snprintf(mode, sizeof(mode), "config-if-%s", s->iface);
	cli_set_configmode(cli, MODE_IFACE, mode);
	return CLI_OK;
}

static int
cmd_no_interface(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	const char *name = grammar_get(cli, "NAME");

	(void)cmd;
	if (grammar_extra(cli, "no interface", "one name", argv, argc) !=
	    CLI_OK)
		return CLI_ERROR;
	if (config_interface_remove(session_of(cli)->cand, name) < 0)
		return cmd_error(cli, "interface %s does not exist", name);
	return CLI_OK;
}

/* address ADDR/N | gateway ADDR of either family, and their no forms:
 * "no address" removes both families, "no address ADDR/N" that one. */
static int
cmd_iface_setting(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);
	bool no = strncmp(cmd, "no ", 3) == 0;
	const char *what = no ? cmd + 3 : cmd;
	const char *value = no ? NULL : grammar_sole(cli);
	struct config_interface *i;
	struct diag d;

	if (grammar_extra(cli, what, "one value", argv, argc) != CLI_OK)
		return CLI_ERROR;
	diag_init(&d);
	if ((i = config_interface_edit(s->cand, s->iface, &d)) == NULL)
		return finish(cli, &d);
	if (no)
		value = grammar_sole(cli);
	if (strcmp(what, "address") == 0 && no)
		config_interface_unset_address(s->cand, i, value, &d);
	else if (strcmp(what, "address") == 0)
		config_interface_set_address(s->cand, i, value, &d);
	else if (no)
		config_interface_unset_gateway(s->cand, i, value, &d);
	else
		config_interface_set_gateway(s->cand, i, value, &d);
	return finish(cli, &d);
}

static int
cmd_vlan(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);
	size_t id;
	char mode[32];
	struct diag d;

	(void)cmd;
	if (grammar_extra(cli, "vlan", "an ID, 1-4094", argv, argc) != CLI_OK)
		return CLI_ERROR;
	parse_n(grammar_get(cli, "ID"), &id); /* valid_vlan */
	diag_init(&d);
	if (config_vlan_edit(s->cand, (unsigned)id, &d) == NULL)
		return finish(cli, &d);
	s->vlan = (uint16_t)id;
	snprintf(mode, sizeof(mode), "config-vlan-%zu", id);
	cli_set_configmode(cli, MODE_VLAN, mode);
	return CLI_OK;
}

static int
cmd_no_vlan(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	const char *value = grammar_get(cli, "ID");
	size_t id;

	(void)cmd;
	if (grammar_extra(cli, "no vlan", "an ID", argv, argc) != CLI_OK)
		return CLI_ERROR;
	if (!parse_n(value, &id) || id > CONFIG_VLAN_MAX ||
	    config_vlan_remove(session_of(cli)->cand, (unsigned)id) < 0)
		return cmd_error(cli, "vlan %s does not exist", value);
	return CLI_OK;
}

/* name TEXT | subnet A.B.C.D/N, and their no forms. */
static int
cmd_vlan_setting(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);
	bool no = strncmp(cmd, "no ", 3) == 0;
	const char *what = no ? cmd + 3 : cmd;
	const char *first = grammar_sole(cli);
	struct config_vlan *v;
	char value[64];
	struct diag d;

	if (first == NULL)
		first = "";
	/* A name of several words: the words libcli did not take. */
	if (value_text(cli, first, argv, argc, false, value, sizeof(value)) < 0)
		return cmd_error(cli, "%s: value too long", what);
	diag_init(&d);
	if ((v = config_vlan_edit(s->cand, s->vlan, &d)) == NULL)
		return finish(cli, &d);
	if (strcmp(what, "name") == 0)
		config_vlan_set_name(s->cand, v, no ? NULL : value, &d);
	else if (no)
		config_vlan_unset_subnet(s->cand, v,
		    value[0] != '\0' ? value : NULL, &d);
	else
		config_vlan_set_subnet(s->cand, v, value, &d);
	return finish(cli, &d);
}

static int
cmd_client_vpn(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	(void)cmd;
	if (grammar_extra(cli, "client-vpn", "nothing", argv, argc) != CLI_OK)
		return CLI_ERROR;
	cli_set_configmode(cli, MODE_CLIENT_VPN, "config-client-vpn");
	return CLI_OK;
}

static int
cmd_pool(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);
	bool no = strncmp(cmd, "no ", 3) == 0;
	struct diag d;

	if (grammar_extra(cli, "pool", "one prefix, like 10.99.0.0/24", argv,
		argc) != CLI_OK)
		return CLI_ERROR;
	diag_init(&d);
	config_set_pool(s->cand, no ? NULL : grammar_sole(cli), &d);
	return finish(cli, &d);
}

/* metrics listen ADDR:PORT | no metrics listen [ADDR:PORT] */
static int
cmd_metrics_listen(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);
	bool no = strncmp(cmd, "no ", 3) == 0;
	struct diag d;

	if (grammar_extra(cli, "metrics listen",
		"one address and port, like 127.0.0.1:9472 (no metrics "
		"listen: off)",
		argv, argc) != CLI_OK)
		return CLI_ERROR;
	diag_init(&d);
	config_set_metrics_listen(s->cand, no ? NULL : grammar_sole(cli), &d);
	return finish(cli, &d);
}

/* A setting and its no form: its value in its place, named by its form
 * (A.B.C.D/N) and said by value_help, which the no form may give too. */
static void
setting(struct cli_def *cli, struct cli_command *no, const char *name,
    int (*fn)(struct cli_def *, const char *, char **, int), int mode,
    const char *help, const char *form, const char *value_help)
{
	struct cli_command *c;

	c = cli_register_command(cli, NULL, name, fn, PRIVILEGE_PRIVILEGED,
	    mode, help);
	grammar_arg(c, form, value_help, NULL, NULL);
	c = cli_register_command(cli, no, name, fn, PRIVILEGE_PRIVILEGED, mode,
	    help);
	grammar_value(c, form, value_help, NULL, grammar_valid_once);
}

static struct cli_command *
no_of(struct cli_def *cli, int mode)
{
	return cli_register_command(cli, NULL, "no", NULL, PRIVILEGE_PRIVILEGED,
	    mode, "Remove a setting");
}

static int
valid_vlan(struct cli_def *cli, const char *name, const char *value)
{
	size_t id;

	(void)name;
	if (parse_n(value, &id) && id >= CONFIG_VLAN_MIN &&
	    id <= CONFIG_VLAN_MAX)
		return CLI_OK;
	if (!session_of(cli)->completing)
		cmd_error(cli, "vlan %s: a VLAN ID is 1-4094", value);
	return CLI_ERROR;
}

void
commands_register_system(struct cli_def *cli, struct cli_command *no_config)
{
	const int P = PRIVILEGE_PRIVILEGED;
	struct cli_command *no, *c, *metrics;

	c = cli_register_command(cli, NULL, "interface", cmd_interface, P,
	    MODE_CONFIG, "Edit a WAN port");
	grammar_arg(c, "NAME",
	    "A WAN port of the candidate, or a new one: "
	    "wan1",
	    grammar_complete_ports, NULL);
	c = cli_register_command(cli, no_config, "interface", cmd_no_interface,
	    P, MODE_CONFIG, "Remove a WAN port");
	grammar_arg(c, "NAME", "A WAN port of the candidate",
	    grammar_complete_ports, NULL);
	c = cli_register_command(cli, NULL, "vlan", cmd_vlan, P, MODE_CONFIG,
	    "Edit a VLAN");
	grammar_arg(c, "ID", "A VLAN of the candidate, or a new one: 1-4094",
	    grammar_complete_vlans, valid_vlan);
	c = cli_register_command(cli, no_config, "vlan", cmd_no_vlan, P,
	    MODE_CONFIG, "Remove a VLAN");
	grammar_arg(c, "ID", "A VLAN of the candidate", grammar_complete_vlans,
	    NULL);
	c = cli_register_command(cli, NULL, "client-vpn", cmd_client_vpn, P,
	    MODE_CONFIG, "Edit the client-VPN settings");
	metrics = cli_register_command(cli, NULL, "metrics", NULL, P,
	    MODE_CONFIG, "Prometheus metrics (GET /metrics)");
	c = cli_register_command(cli, metrics, "listen", cmd_metrics_listen, P,
	    MODE_CONFIG, "Serve them on ADDRESS:PORT, like 127.0.0.1:9472");
	grammar_arg(c, "ADDRESS:PORT", "Address and port: 127.0.0.1:9472", NULL,
	    NULL);
	metrics = cli_register_command(cli, no_config, "metrics", NULL, P,
	    MODE_CONFIG, "Prometheus metrics");
	c = cli_register_command(cli, metrics, "listen", cmd_metrics_listen, P,
	    MODE_CONFIG, "Stop serving them");
	grammar_value(c, "ADDRESS:PORT", "Address and port: 127.0.0.1:9472",
	    NULL, grammar_valid_once);
	no = no_of(cli, MODE_IFACE);
	setting(cli, no, "address", cmd_iface_setting, MODE_IFACE,
	    "The port's address and prefix length, one per family",
	    "A.B.C.D/N|X:X::X/N",
	    "Address and prefix length: 203.0.113.2/24, 2001:db8::2/64");
	setting(cli, no, "gateway", cmd_iface_setting, MODE_IFACE,
	    "The next hop out of this port (one per family)", "A.B.C.D|X:X::X",
	    "The next hop: 203.0.113.1, fe80::1");
	no = no_of(cli, MODE_VLAN);
	setting(cli, no, "name", cmd_vlan_setting, MODE_VLAN,
	    "A name for people", "TEXT", "Words: Lyon office");
	setting(cli, no, "subnet", cmd_vlan_setting, MODE_VLAN,
	    "The VLAN's network (one per family)", "A.B.C.D/N|X:X::X/N",
	    "Network and prefix length: 10.0.20.0/24, 2001:db8:20::/64");
	no = no_of(cli, MODE_CLIENT_VPN);
	setting(cli, no, "pool", cmd_pool, MODE_CLIENT_VPN,
	    "Addresses given to client-VPN users", "A.B.C.D/N",
	    "Network and prefix length: 10.99.0.0/24");
}
