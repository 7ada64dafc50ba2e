/*
 * commands/show_system.c: show interfaces and show vlans: the WAN ports
 * and VLANs of the running configuration with the tunnels that use each,
 * as a table or as JSON.
 */
#include <stdio.h>
#include <string.h>

#include "commands/private.h"

static size_t
tunnels_on_port(const struct config *c, const char *port)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n_tunnels; i++)
		n += strcmp(c->tunnels[i]->wan_port, port) == 0;
	return n;
}

static size_t
tunnels_on_vlan(const struct config *c, uint16_t id)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n_tunnels; i++) {
		const struct config_tunnel *t = c->tunnels[i];

		for (size_t k = 0; k < t->n_local; k++)
			if (t->local_nets[k].vlan == id) {
				n++;
				break;
			}
	}
	return n;
}

static bool
want_json(struct cli_def *cli, const char *what, char **argv, int argc,
    bool *json)
{
	*json = grammar_has(cli, "json");
	return grammar_extra(cli, what, "nothing or json", argv, argc) ==
	    CLI_OK;
}

static int
cmd_show_interfaces(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	const struct config *c =
	    config_store_running(session_of(cli)->env->store);
	char a[ADDR4_STRLEN], g[ADDR4_STRLEN], addr[24];
	struct json_writer j;
	bool json;

	(void)cmd;
	if (!want_json(cli, "show interfaces", argv, argc, &json))
		return CLI_ERROR;
	json_writer_init(&j, cli_line, cli);
	if (json)
		json_array(&j, NULL, JSON_LINES);
	else
		cli_print(cli, "%-16s %-19s %-16s %s", "Interface", "Address",
		    "Gateway", "Tunnels");
	for (size_t i = 0; i < c->n_ifaces; i++) {
		const struct config_interface *f = &c->ifaces[i];
		size_t n = tunnels_on_port(c, f->name);

		addr4_format(f->addr, a, sizeof(a));
		addr4_format(f->gateway, g, sizeof(g));
		snprintf(addr, sizeof(addr), "%s/%u", a, f->len);
		if (!json) {
			cli_print(cli, "%-16s %-19s %-16s %zu", f->name,
			    f->addr ? addr : "-", f->gateway ? g : "-", n);
			continue;
		}
		json_object(&j, NULL, JSON_ONE_LINE);
		json_str(&j, "name", f->name);
		json_str(&j, "address", f->addr ? addr : NULL);
		json_str(&j, "gateway", f->gateway ? g : NULL);
		json_u64(&j, "tunnels", n);
		json_end(&j);
	}
	if (!json)
		return CLI_OK;
	json_end(&j);
	return json_done(cli, "show interfaces", &j);
}

static int
cmd_show_vlans(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	const struct config *c =
	    config_store_running(session_of(cli)->env->store);
	char p[PREFIX4_STRLEN];
	struct json_writer j;
	bool json;

	(void)cmd;
	if (!want_json(cli, "show vlans", argv, argc, &json))
		return CLI_ERROR;
	json_writer_init(&j, cli_line, cli);
	if (json)
		json_array(&j, NULL, JSON_LINES);
	else
		cli_print(cli, "%-5s %-20s %-19s %s", "VLAN", "Name", "Subnet",
		    "Tunnels");
	for (size_t i = 0; i < c->n_vlans; i++) {
		const struct config_vlan *v = &c->vlans[i];
		size_t n = tunnels_on_vlan(c, v->id);

		prefix4_format(&v->subnet, p, sizeof(p));
		if (!json) {
			cli_print(cli, "%-5u %-20.20s %-19s %zu", v->id,
			    v->name[0] ? v->name : "-", v->has_subnet ? p : "-",
			    n);
			continue;
		}
		json_object(&j, NULL, JSON_ONE_LINE);
		json_u64(&j, "id", v->id);
		json_str(&j, "name", v->name[0] ? v->name : NULL);
		json_str(&j, "subnet", v->has_subnet ? p : NULL);
		json_u64(&j, "tunnels", n);
		json_end(&j);
	}
	if (!json)
		return CLI_OK;
	json_end(&j);
	return json_done(cli, "show vlans", &j);
}

void
commands_register_show_system(struct cli_def *cli, struct cli_command *show)
{
	struct cli_command *c;

	c = cli_register_command(cli, show, "interfaces", cmd_show_interfaces,
	    PRIVILEGE_UNPRIVILEGED, MODE_EXEC,
	    "WAN ports: address, gateway, tunnels bound");
	grammar_flag(c, "json", "As JSON, for scripts");
	c = cli_register_command(cli, show, "vlans", cmd_show_vlans,
	    PRIVILEGE_UNPRIVILEGED, MODE_EXEC,
	    "VLANs: name, subnet, tunnels that offer them");
	grammar_flag(c, "json", "As JSON, for scripts");
}
