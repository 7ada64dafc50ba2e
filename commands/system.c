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
	char mode[48];
	struct diag d;

	(void)cmd;
	if (argc != 1)
		return cmd_error(cli, "interface: give one name, like wan1");
	diag_init(&d);
	if (config_interface_edit(s->cand, argv[0], &d) == NULL)
		return finish(cli, &d);
	snprintf(s->iface, sizeof(s->iface), "%s", argv[0]);
	snprintf(mode, sizeof(mode), "config-if-%s", s->iface);
	cli_set_configmode(cli, MODE_IFACE, mode);
	return CLI_OK;
}

static int
cmd_no_interface(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	(void)cmd;
	if (argc != 1)
		return cmd_error(cli, "no interface: give one name");
	if (config_interface_remove(session_of(cli)->cand, argv[0]) < 0)
		return cmd_error(cli, "interface %s does not exist", argv[0]);
	return CLI_OK;
}

/* address A.B.C.D/N | gateway A.B.C.D, and their no forms. */
static int
cmd_iface_setting(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);
	bool no = strncmp(cmd, "no ", 3) == 0;
	const char *what = no ? cmd + 3 : cmd;
	struct config_interface *i;
	struct diag d;

	if (no ? argc > 1 : argc != 1)
		return cmd_error(cli, "%s: give one value", what);
	diag_init(&d);
	if ((i = config_interface_edit(s->cand, s->iface, &d)) == NULL)
		return finish(cli, &d);
	if (strcmp(what, "address") == 0)
		config_interface_set_address(s->cand, i, no ? NULL : argv[0],
		    &d);
	else
		config_interface_set_gateway(s->cand, i, no ? NULL : argv[0],
		    &d);
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
	if (argc != 1)
		return cmd_error(cli, "vlan: give an ID, 1-4094");
	if (!parse_n(argv[0], &id) || id < CONFIG_VLAN_MIN ||
	    id > CONFIG_VLAN_MAX)
		return cmd_error(cli, "vlan %s: a VLAN ID is 1-4094", argv[0]);
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
	size_t id;

	(void)cmd;
	if (argc != 1)
		return cmd_error(cli, "no vlan: give an ID");
	if (!parse_n(argv[0], &id) || id > CONFIG_VLAN_MAX ||
	    config_vlan_remove(session_of(cli)->cand, (unsigned)id) < 0)
		return cmd_error(cli, "vlan %s does not exist", argv[0]);
	return CLI_OK;
}

/* name TEXT | subnet A.B.C.D/N, and their no forms. */
static int
cmd_vlan_setting(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);
	bool no = strncmp(cmd, "no ", 3) == 0;
	const char *what = no ? cmd + 3 : cmd;
	struct config_vlan *v;
	char value[64];
	struct diag d;

	if (!no && argc == 0)
		return cmd_error(cli, "%s: give a value", what);
	if (join_args(argv, argc, 0, value, sizeof(value)) < 0)
		return cmd_error(cli, "%s: value too long", what);
	diag_init(&d);
	if ((v = config_vlan_edit(s->cand, s->vlan, &d)) == NULL)
		return finish(cli, &d);
	if (strcmp(what, "name") == 0)
		config_vlan_set_name(s->cand, v, no ? NULL : value, &d);
	else
		config_vlan_set_subnet(s->cand, v, no ? NULL : value, &d);
	return finish(cli, &d);
}

static int
cmd_client_vpn(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	(void)cmd;
	(void)argv;
	if (argc != 0)
		return cmd_error(cli, "client-vpn takes no argument");
	cli_set_configmode(cli, MODE_CLIENT_VPN, "config-client-vpn");
	return CLI_OK;
}

static int
cmd_pool(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);
	bool no = strncmp(cmd, "no ", 3) == 0;
	struct diag d;

	if (no ? argc > 1 : argc != 1)
		return cmd_error(cli,
		    "pool: give one prefix, like "
		    "10.99.0.0/24");
	diag_init(&d);
	config_set_pool(s->cand, no ? NULL : argv[0], &d);
	return finish(cli, &d);
}

/* metrics listen ADDR:PORT | no metrics listen [ADDR:PORT] */
static int
cmd_metrics_listen(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);
	bool no = strncmp(cmd, "no ", 3) == 0;
	struct diag d;

	if (no ? argc > 1 : argc != 1)
		return cmd_error(cli,
		    "metrics listen: give one address and port, like "
		    "127.0.0.1:9472 (no metrics listen: off)");
	diag_init(&d);
	config_set_metrics_listen(s->cand, no ? NULL : argv[0], &d);
	return finish(cli, &d);
}

static void
setting(struct cli_def *cli, struct cli_command *no, const char *name,
    int (*fn)(struct cli_def *, const char *, char **, int), int mode,
    const char *help)
{
	cli_register_command(cli, NULL, name, fn, PRIVILEGE_PRIVILEGED, mode,
	    help);
	cli_register_command(cli, no, name, fn, PRIVILEGE_PRIVILEGED, mode,
	    help);
}

static struct cli_command *
no_of(struct cli_def *cli, int mode)
{
	return cli_register_command(cli, NULL, "no", NULL, PRIVILEGE_PRIVILEGED,
	    mode, "Remove a setting");
}

void
commands_register_system(struct cli_def *cli, struct cli_command *no_config)
{
	const int P = PRIVILEGE_PRIVILEGED;
	struct cli_command *no, *metrics;

	cli_register_command(cli, NULL, "interface", cmd_interface, P,
	    MODE_CONFIG, "Edit a WAN port: NAME");
	cli_register_command(cli, no_config, "interface", cmd_no_interface, P,
	    MODE_CONFIG, "Remove a WAN port: NAME");
	cli_register_command(cli, NULL, "vlan", cmd_vlan, P, MODE_CONFIG,
	    "Edit a VLAN: ID 1-4094");
	cli_register_command(cli, no_config, "vlan", cmd_no_vlan, P,
	    MODE_CONFIG, "Remove a VLAN: ID");
	cli_register_command(cli, NULL, "client-vpn", cmd_client_vpn, P,
	    MODE_CONFIG, "Edit the client-VPN settings");
	metrics = cli_register_command(cli, NULL, "metrics", NULL, P,
	    MODE_CONFIG, "Prometheus metrics (GET /metrics)");
	cli_register_command(cli, metrics, "listen", cmd_metrics_listen, P,
	    MODE_CONFIG, "Serve them on ADDRESS:PORT, like 127.0.0.1:9472");
	metrics = cli_register_command(cli, no_config, "metrics", NULL, P,
	    MODE_CONFIG, "Prometheus metrics");
	cli_register_command(cli, metrics, "listen", cmd_metrics_listen, P,
	    MODE_CONFIG, "Stop serving them");
	no = no_of(cli, MODE_IFACE);
	setting(cli, no, "address", cmd_iface_setting, MODE_IFACE,
	    "The port's address with its prefix length: A.B.C.D/N");
	setting(cli, no, "gateway", cmd_iface_setting, MODE_IFACE,
	    "The next hop out of this port: A.B.C.D");
	no = no_of(cli, MODE_VLAN);
	setting(cli, no, "name", cmd_vlan_setting, MODE_VLAN,
	    "A name for people");
	setting(cli, no, "subnet", cmd_vlan_setting, MODE_VLAN,
	    "The VLAN's network: A.B.C.D/N");
	no = no_of(cli, MODE_CLIENT_VPN);
	setting(cli, no, "pool", cmd_pool, MODE_CLIENT_VPN,
	    "Addresses given to client-VPN users: A.B.C.D/N");
}
