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

/*
 * The text of a per-family value ("-" when the port has none of that
 * family); a long one is written on a line of its own from column col,
 * as IOS wraps an IPv6 address, so that a row stays within 80 columns.
 */
static void
per_family_text(const struct ipaddr *a, bool prefix, char *buf, size_t len)
{
	if (a->family == 0)
		snprintf(buf, len, "-");
	else if (prefix)
		ipaddr_format_prefix(a, buf, len);
	else
		ipaddr_format(a, buf, len);
}

/* One row per family the port has (IPv4 first), the name and the count
 * of tunnels on the first. */
static void
interface_rows(struct cli_def *cli, const struct config_interface *f, size_t n)
{
	char a[IPADDR_STRLEN], g[IPADDR_STRLEN];
	bool first = true;

	for (int k = 0; k < CONFIG_FAMILIES; k++) {
		if (f->addr[k].family == 0 && f->gateway[k].family == 0 &&
		    (k == CONFIG_V6 || f->addr[CONFIG_V6].family != 0 ||
			f->gateway[CONFIG_V6].family != 0))
			continue;
		per_family_text(&f->addr[k], true, a, sizeof(a));
		per_family_text(&f->gateway[k], false, g, sizeof(g));
		if (strlen(a) <= 19 && strlen(g) <= 16) {
			if (first)
				cli_print(cli, "%-16s %-19s %-16s %zu", f->name,
				    a, g, n);
			else
				cli_print(cli, "%-16s %-19s %s", "", a, g);
		} else {
			/* Too wide for its column: each on its own line. */
			if (first)
				cli_print(cli, "%-16s %-19s %-16s %zu", f->name,
				    "", "", n);
			cli_print(cli, "%-16s %s", "", a);
			cli_print(cli, "%-16s %-19s %s", "", "", g);
		}
		first = false;
	}
}

static int
cmd_show_interfaces(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	const struct config *c =
	    config_store_running(session_of(cli)->env->store);
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

		if (!json) {
			interface_rows(cli, f, n);
			continue;
		}
		json_object(&j, NULL, JSON_ONE_LINE);
		json_str(&j, "name", f->name);
		config_json_per_family(&j, "address", f->addr, true);
		config_json_per_family(&j, "gateway", f->gateway, false);
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
	char p[IPADDR_STRLEN], p6[IPADDR_STRLEN];
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

		/* IPv4 on the VLAN's row, as before; an IPv6 subnet on the
		 * next, its own line when it is wider than the column. */
		per_family_text(&v->subnet[CONFIG_V4], true, p, sizeof(p));
		per_family_text(&v->subnet[CONFIG_V6], true, p6, sizeof(p6));
		if (!json) {
			bool only6 = v->subnet[CONFIG_V4].family == 0 &&
			    v->subnet[CONFIG_V6].family != 0 &&
			    strlen(p6) <= 19;

			cli_print(cli, "%-5u %-20.20s %-19s %zu", v->id,
			    v->name[0] ? v->name : "-", only6 ? p6 : p, n);
			if (v->subnet[CONFIG_V6].family != 0 && !only6)
				cli_print(cli, "%-26s %s", "", p6);
			continue;
		}
		json_object(&j, NULL, JSON_ONE_LINE);
		json_u64(&j, "id", v->id);
		json_str(&j, "name", v->name[0] ? v->name : NULL);
		config_json_per_family(&j, "subnet", v->subnet, true);
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
