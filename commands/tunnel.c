/*
 * commands/tunnel.c: the ipsec tunnel context.  One command per setting,
 * registered from config/'s table of settings, so the CLI, the file and
 * validation can never disagree on a name; "no SETTING [VALUE]" returns a
 * setting to its default or removes one value of a list.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "commands/private.h"

/* The tunnel of the context, writable in the candidate. */
static struct config_tunnel *
context_tunnel(struct cli_def *cli, struct diag *d)
{
	struct commands_session *s = session_of(cli);

	return config_tunnel_edit(s->cand, s->tunnel, false, d);
}

/*
 * "no rekey" returns rekey to its default, which is yes: an IOS hand may
 * have meant the opposite, so say what happened and how to turn it off.
 * (Flags such as enable and initiator take "no" as off.)
 */
static void
warn_default_yes(const struct config_tunnel *t,
    const struct config_field_info *fi, bool valued, struct diag *d)
{
	char v[16];

	if (fi->kind != CFK_YESNO || valued)
		return;
	config_tunnel_format(t, fi->id, 0, false, v, sizeof(v));
	if (strcmp(v, "yes") == 0)
		diag_add(d, DIAG_WARNING,
		    "ipsec tunnel %s: no %s restores the default, which is "
		    "yes; to turn it off, give %s no",
		    t->name, fi->cli, fi->cli);
}

/* The value of a flag or a yes-or-no setting (on, off ... too). */
#define YESNO "yes|no"

/* An optional value (a list's, to remove; local-network's prefix): any
 * word but a prefix of vlan, once. */
static int
valid_list_value(struct cli_def *cli, const char *name, const char *value)
{
	if (grammar_has(cli, name) || grammar_has(cli, "vlan"))
		return CLI_ERROR;
	return strncmp("vlan", value, strlen(value)) == 0 ? CLI_ERROR : CLI_OK;
}

/* monitor's source address: a dotted quad (config/ checks it whole),
 * after source; never a prefix of vlan. */
static int
valid_monitor_source(struct cli_def *cli, const char *name, const char *value)
{
	(void)name;
	if (!grammar_has(cli, "source") || grammar_has(cli, "vlan") ||
	    value[0] == '\0')
		return CLI_ERROR;
	return strspn(value, "0123456789.") == strlen(value) ? CLI_OK :
							       CLI_ERROR;
}

/*
 * monitor's words, as libcli found them, back into the setting's text
 * form: "destination A [source vlan ID|source A] [interval S]
 * [threshold N]" (config/ checks the values).  1, or -1 after an error.
 */
static int
monitor_value(struct cli_def *cli, const struct config_field_info *fi,
    char **argv, int argc, char *value, size_t len)
{
	const char *dst = grammar_get(cli, "destination");
	const char *vlan = grammar_get(cli, "vlan");
	const char *addr = grammar_get(cli, "A.B.C.D");
	const char *iv = grammar_get(cli, "interval");
	const char *th = grammar_get(cli, "threshold");
	size_t o;

	if (grammar_extra(cli, fi->cli, fi->help, argv, argc) != CLI_OK)
		return -1;
	/* No word at all: "no monitor", or config/ says what is missing. */
	if (dst == NULL && !grammar_has(cli, "source") && iv == NULL &&
	    th == NULL) {
		value[0] = '\0';
		return 0;
	}
	if (dst == NULL) {
		cmd_error(cli, "monitor: give destination A.B.C.D (%s)",
		    fi->help);
		return -1;
	}
	if (grammar_has(cli, "source") != (vlan != NULL || addr != NULL) ||
	    (vlan != NULL && addr != NULL)) {
		cmd_error(cli, "monitor: source takes vlan ID or A.B.C.D");
		return -1;
	}
	o = (size_t)snprintf(value, len, "destination %s", dst);
	if (vlan != NULL && o < len)
		o += (size_t)snprintf(value + o, len - o, " source vlan %s",
		    vlan);
	if (addr != NULL && o < len)
		o += (size_t)snprintf(value + o, len - o, " source %s", addr);
	if (iv != NULL && o < len)
		o += (size_t)snprintf(value + o, len - o, " interval %s", iv);
	if (th != NULL && o < len)
		o += (size_t)snprintf(value + o, len - o, " threshold %s", th);
	if (o >= len) {
		cmd_error(cli, "monitor: value too long");
		return -1;
	}
	return 1;
}

/*
 * The name of a setting's value in the grammar, which '?' shows: its
 * words ("clear|hold|restart"), its range ("0-3600") or its form.  The
 * completor and validator of an enum read its words from it.  NULL: the
 * setting takes no value (a flag) or takes yes or no.
 */
static const char *
value_name(const struct config_field_info *fi, char *buf, size_t len)
{
	size_t o = 0;

	switch (fi->kind) {
	case CFK_ENUM:
		buf[0] = '\0';
		for (size_t i = 0; fi->words[i] != NULL && o < len; i++)
			o += (size_t)snprintf(buf + o, len - o, "%s%s",
			    i > 0 ? "|" : "", fi->words[i]);
		return buf;
	case CFK_SECONDS:
	case CFK_COUNT:
		snprintf(buf, len, "%u-%u", fi->min, fi->max);
		return buf;
	case CFK_HOST:
	case CFK_ID:
		return "IPv4|IPv6|FQDN";
	case CFK_IFNAME:
		return "PORT";
	case CFK_PSK:
		return "KEY";
	case CFK_TEXT:
		return "TEXT";
	case CFK_PROPOSALS:
		return "PROPOSAL";
	case CFK_PREFIXES:
	case CFK_LOCALNETS:
	case CFK_IFADDR:
		return "A.B.C.D/N|X:X::X/N";
	case CFK_FLAG:
	case CFK_YESNO:
	default:
		return NULL;
	}
}

/* A list's no form may name one value to remove. */
static bool
is_list(const struct config_field_info *fi)
{
	return fi->kind == CFK_PREFIXES || fi->kind == CFK_LOCALNETS ||
	    fi->kind == CFK_PROPOSALS;
}

/*
 * The value libcli found for the setting, with the words after it, into
 * value: "vlan 20" for local-network's pair, the word an enum's prefix
 * stands for, yes or no.  Returns whether there is one, or -1 after an
 * error.
 */
static int
setting_value(struct cli_def *cli, const struct config_field_info *fi,
    char **argv, int argc, char *value, size_t len)
{
	char name[128], word[64];
	const char *first = NULL, *vname = value_name(fi, name, sizeof(name));

	if (fi->kind == CFK_MONITOR)
		return monitor_value(cli, fi, argv, argc, value, len);
	if (fi->kind == CFK_YESNO || fi->kind == CFK_FLAG) {
		first = grammar_get(cli, YESNO);
		if (first != NULL &&
		    grammar_word(YESNO, first, word, sizeof(word)) == 1)
			first = word;
	} else if (fi->kind == CFK_LOCALNETS && grammar_has(cli, "vlan")) {
		snprintf(word, sizeof(word), "vlan %s",
		    grammar_get(cli, "vlan"));
		first = word;
	} else if (vname != NULL) {
		first = grammar_get(cli, vname);
	}
	if (first == NULL) {
		value[0] = '\0';
		return grammar_extra(cli, fi->cli, fi->help, argv, argc) ==
			CLI_OK ?
		    0 :
		    -1;
	}
	if (fi->kind == CFK_ENUM &&
	    grammar_word(vname, first, word, sizeof(word)) == 1)
		first = word;
	/* A description keeps its text as typed (tunsh(1), QUOTING). */
	if (value_text(cli, first, argv, argc, fi->kind == CFK_TEXT, value,
		len) < 0)
		return cmd_error(cli, "%s: value too long", fi->cli);
	return 1;
}

static int
cmd_setting(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	bool no = strncmp(cmd, "no ", 3) == 0;
	const struct config_field_info *fi =
	    config_field_lookup(no ? cmd + 3 : cmd);
	struct config_tunnel *t;
	char value[512];
	struct diag d;
	int rc, has;

	if (fi == NULL)
		return cmd_error(cli, "%s: unknown setting", cmd);
	has = setting_value(cli, fi, argv, argc, value, sizeof(value));
	if (has < 0) {
		OPENSSL_cleanse(value, sizeof(value));
		return CLI_ERROR;
	}
	diag_init(&d);
	if ((t = context_tunnel(cli, &d)) == NULL) {
		OPENSSL_cleanse(value, sizeof(value));
		print_diag(cli, &d);
		diag_clear(&d);
		return CLI_ERROR;
	}
	if (no) {
		rc = config_tunnel_unset(t, fi->id, has ? value : NULL, &d);
		if (rc == 0)
			warn_default_yes(t, fi, has, &d);
	} else
		rc = config_tunnel_set(t, fi->id, has ? value : NULL, &d);
	/* value is what was typed: for pre-shared-key, the key. */
	OPENSSL_cleanse(value, sizeof(value));
	print_diag(cli, &d);
	diag_clear(&d);
	return rc < 0 ? CLI_ERROR : CLI_OK;
}

/*
 * The words after a setting, from its entry in config/'s table: its
 * value in its place with the completor and validator of its kind; the
 * no form takes none, or for a list the value to remove.
 */
static void
register_value(struct cli_command *c, const struct config_field_info *fi,
    bool no)
{
	char name[128];
	const char *vname = value_name(fi, name, sizeof(name));

	if ((fi->kind == CFK_YESNO || fi->kind == CFK_FLAG) && !no) {
		grammar_value(c, YESNO,
		    fi->kind == CFK_FLAG ?
			"on or off (or yes or no); alone: on" :
			"yes or no (or on or off); alone: yes",
		    grammar_complete_words, grammar_valid_bool);
		return;
	}
	if (fi->kind == CFK_MONITOR && !no) {
		grammar_pair(c, "destination",
		    "The address to ping, in a remote network: A.B.C.D", NULL,
		    NULL);
		grammar_flag(c, "source",
		    "Ping from vlan ID or A.B.C.D (default: the first local "
		    "network)");
		grammar_pair(c, "vlan", "A VLAN of the candidate: ID",
		    grammar_complete_vlans, NULL);
		grammar_value(c, "A.B.C.D", "The address to ping from", NULL,
		    valid_monitor_source);
		grammar_pair(c, "interval", "Seconds between pings: 1-3600",
		    NULL, NULL);
		grammar_pair(c, "threshold",
		    "Pings unanswered in a row that mean down: 1-100", NULL,
		    NULL);
		return;
	}
	if (vname == NULL || (no && !is_list(fi)))
		return;
	if (fi->kind == CFK_LOCALNETS)
		grammar_pair(c, "vlan", "A VLAN of the candidate: ID",
		    grammar_complete_vlans, NULL);
	if (no || fi->kind == CFK_LOCALNETS)
		grammar_value(c, vname, fi->help, NULL, valid_list_value);
	else if (fi->kind == CFK_ENUM)
		grammar_arg(c, vname, fi->help, grammar_complete_words,
		    grammar_valid_words);
	else if (fi->kind == CFK_IFNAME)
		grammar_arg(c, vname, fi->help, grammar_complete_ports, NULL);
	else
		grammar_arg(c, vname, fi->help, NULL, NULL);
}

/*
 * Registers "WORD" or "WORD1 WORD2" under parent, reusing a first word
 * already registered there ("dpd" for dpd action, timeout and delay).
 */
static void
register_words(struct cli_def *cli, struct cli_command *parent,
    struct cli_command **firsts, char (*first_names)[32], size_t *n_firsts,
    const struct config_field_info *fi)
{
	char first[32];
	const char *sp = strchr(fi->cli, ' ');
	struct cli_command *p = NULL;

	if (sp == NULL) {
		register_value(cli_register_command(cli, parent, fi->cli,
				   cmd_setting, PRIVILEGE_PRIVILEGED,
				   MODE_TUNNEL, fi->help),
		    fi, parent != NULL);
		return;
	}
	snprintf(first, sizeof(first), "%.*s", (int)(sp - fi->cli), fi->cli);
	for (size_t i = 0; i < *n_firsts; i++)
		if (strcmp(first_names[i], first) == 0)
			p = firsts[i];
	if (p == NULL) {
		p = cli_register_command(cli, parent, first, NULL,
		    PRIVILEGE_PRIVILEGED, MODE_TUNNEL,
		    strcmp(first, "dpd") == 0 ? "Dead Peer Detection" : first);
		memcpy(first_names[*n_firsts], first, sizeof(first));
		firsts[(*n_firsts)++] = p;
	}
	register_value(cli_register_command(cli, p, sp + 1, cmd_setting,
			   PRIVILEGE_PRIVILEGED, MODE_TUNNEL, fi->help),
	    fi, parent != NULL);
}

void
commands_register_tunnel(struct cli_def *cli)
{
	struct cli_command *firsts[2][CF__COUNT], *no;
	char names[2][CF__COUNT][32];
	size_t n[2] = { 0, 0 };

	no = cli_register_command(cli, NULL, "no", NULL, PRIVILEGE_PRIVILEGED,
	    MODE_TUNNEL, "Return a setting to its default");
	for (enum config_field f = 0; f < CF__COUNT; f++) {
		const struct config_field_info *fi = config_field_info(f);

		register_words(cli, NULL, firsts[0], names[0], &n[0], fi);
		register_words(cli, no, firsts[1], names[1], &n[1], fi);
	}
}
