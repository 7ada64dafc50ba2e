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
    const struct config_field_info *fi, int argc, struct diag *d)
{
	char v[16];

	if (fi->kind != CFK_YESNO || argc != 0)
		return;
	config_tunnel_format(t, fi->id, 0, false, v, sizeof(v));
	if (strcmp(v, "yes") == 0)
		diag_add(d, DIAG_WARNING,
		    "ipsec tunnel %s: no %s restores the default, which is "
		    "yes; to turn it off, give %s no",
		    t->name, fi->cli, fi->cli);
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
	int rc;

	if (fi == NULL)
		return cmd_error(cli, "%s: unknown setting", cmd);
	/* A description keeps its text as typed (tunsh(1), QUOTING). */
	if ((fi->kind == CFK_TEXT ?
		    text_arg(cli, argv, argc, 0, value, sizeof(value)) :
		    join_args(argv, argc, 0, value, sizeof(value))) < 0) {
		OPENSSL_cleanse(value, sizeof(value));
		return cmd_error(cli, "%s: value too long", fi->cli);
	}
	diag_init(&d);
	if ((t = context_tunnel(cli, &d)) == NULL) {
		OPENSSL_cleanse(value, sizeof(value));
		print_diag(cli, &d);
		diag_clear(&d);
		return CLI_ERROR;
	}
	if (no) {
		rc = config_tunnel_unset(t, fi->id, argc ? value : NULL, &d);
		if (rc == 0)
			warn_default_yes(t, fi, argc, &d);
	} else if (argc == 0 && fi->kind != CFK_FLAG && fi->kind != CFK_YESNO)
		rc = cmd_error(cli, "%s needs a value: %s", fi->cli, fi->help);
	else
		rc = config_tunnel_set(t, fi->id, argc ? value : NULL, &d);
	/* value is what was typed: for pre-shared-key, the key. */
	OPENSSL_cleanse(value, sizeof(value));
	print_diag(cli, &d);
	diag_clear(&d);
	return rc < 0 ? CLI_ERROR : CLI_OK;
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
		cli_register_command(cli, parent, fi->cli, cmd_setting,
		    PRIVILEGE_PRIVILEGED, MODE_TUNNEL, fi->help);
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
	cli_register_command(cli, p, sp + 1, cmd_setting, PRIVILEGE_PRIVILEGED,
	    MODE_TUNNEL, fi->help);
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
