/*
 * commands/grammar.c: the words after a command, as libcli optargs:
 * keywords (optional flags), values in their place (arguments) and
 * keyword-value pairs, each with the completor that lists what may be
 * typed there (tunnels, VLANs, WAN ports, history entries, the words of
 * a setting) and the validator that takes a unique prefix or a number in
 * its range.  libcli parses the line with them, so '?', Tab and the
 * command that runs read one grammar.  No command parses its words here
 * or elsewhere; a callback reads what libcli found (grammar_has/get).
 *
 * Completors and validators run both for a line being run and for one
 * being completed (commands_complete, ambiguous_word): while completing
 * (s->completing) they print nothing and take a prefix of what they
 * would accept; while looking for ambiguous words (s->keywords_only)
 * names and numbers are not offered, as they never abbreviate anything.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "commands/private.h"

/* The help of keyword-value pairs: libcli's '?' says "type 'x' to select
 * x" for their keyword, commands_complete() says this instead. */
static struct {
	const char *name, *help;
} pair_help[32];
static size_t n_pair_help;

/*
 * The completors of optional values (grammar_value): libcli 1.10 calls
 * no completor of an optional flag, so commands_complete() calls these
 * itself, by the name libcli offers or the one a validator took the last
 * word for (s->value_hit).
 */
static struct {
	const char *name;
	grammar_complete_fn comp;
} value_comp[8];
static size_t n_value_comp;

static struct cli_optarg *
add(struct cli_command *c, const char *name, int flags, const char *help,
    grammar_complete_fn comp, grammar_valid_fn valid)
{
	/* Every optarg has help: libcli 1.10 read a NULL one on '?'. */
	return cli_register_optarg(c, name, flags, PRIVILEGE_UNPRIVILEGED,
	    MODE_ANY, help != NULL ? help : name, comp, valid, NULL);
}

void
grammar_flag(struct cli_command *c, const char *name, const char *help)
{
	add(c, name, CLI_CMD_OPTIONAL_FLAG, help, NULL, NULL);
}

void
grammar_arg(struct cli_command *c, const char *name, const char *help,
    grammar_complete_fn comp, grammar_valid_fn valid)
{
	add(c, name, CLI_CMD_ARGUMENT, help, comp, valid);
}

void
grammar_value(struct cli_command *c, const char *name, const char *help,
    grammar_complete_fn comp, grammar_valid_fn valid)
{
	size_t i;

	add(c, name, CLI_CMD_OPTIONAL_FLAG, help, comp, valid);
	if (comp == NULL)
		return;
	for (i = 0; i < n_value_comp; i++)
		if (strcmp(value_comp[i].name, name) == 0)
			return;
	if (n_value_comp < sizeof(value_comp) / sizeof(value_comp[0])) {
		value_comp[n_value_comp].name = name;
		value_comp[n_value_comp++].comp = comp;
	}
}

grammar_complete_fn
grammar_value_completor(const char *name)
{
	for (size_t i = 0; i < n_value_comp; i++)
		if (strcmp(value_comp[i].name, name) == 0)
			return value_comp[i].comp;
	return NULL;
}

void
grammar_pair(struct cli_command *c, const char *name, const char *help,
    grammar_complete_fn comp, grammar_valid_fn valid)
{
	size_t i;

	add(c, name, CLI_CMD_OPTIONAL_ARGUMENT, help, comp, valid);
	for (i = 0; i < n_pair_help; i++)
		if (strcmp(pair_help[i].name, name) == 0)
			return;
	if (n_pair_help < sizeof(pair_help) / sizeof(pair_help[0])) {
		pair_help[n_pair_help].name = name;
		pair_help[n_pair_help++].help = help;
	}
}

/*
 * A pair whose value runs to the end of the line ("comment TEXT"): the
 * words after its value are either libcli's argv or words it took for
 * keywords (grammar_before() tells).  (Not CLI_CMD_REMAINDER_OF_LINE:
 * libcli 1.10 joins a NULL word with it when '?' follows more words,
 * and crashes.)  The text as typed, from the value on, goes into buf.
 */
int
grammar_rest(struct cli_def *cli, const char *name, char *buf, size_t len)
{
	const struct cli_pipeline_stage *st =
	    cli->pipeline != NULL ? cli->pipeline->current_stage : NULL;
	const char *value = grammar_get(cli, name);

	if (st == NULL || value == NULL)
		return -EINVAL;
	/* Where libcli found the pair: its keyword, then value. */
	for (int k = 1; k + 1 < st->num_words; k++)
		if (strncasecmp(name, st->words[k], strlen(st->words[k])) ==
			0 &&
		    strcmp(st->words[k + 1], value) == 0)
			return text_arg(cli, st->words + k + 1,
			    st->num_words - k - 1, 0, buf, len);
	return -EINVAL;
}

bool
grammar_before(struct cli_def *cli, const char *name, const char *other)
{
	for (const struct cli_optarg_pair *p = cli_get_all_found_optargs(cli);
	     p != NULL; p = p->next) {
		if (strcmp(p->name, name) == 0)
			return true;
		if (strcmp(p->name, other) == 0)
			return false;
	}
	return false;
}

const char *
grammar_pair_help(const char *name)
{
	for (size_t i = 0; i < n_pair_help; i++)
		if (strcmp(pair_help[i].name, name) == 0)
			return pair_help[i].help;
	return NULL;
}

const char *
grammar_get(struct cli_def *cli, const char *name)
{
	return cli_get_optarg_value(cli, name, NULL);
}

const char *
grammar_sole(struct cli_def *cli)
{
	struct cli_optarg_pair *o = cli_get_all_found_optargs(cli);

	return o != NULL ? o->value : NULL;
}

bool
grammar_has(struct cli_def *cli, const char *name)
{
	return grammar_get(cli, name) != NULL;
}

int
grammar_extra(struct cli_def *cli, const char *what, const char *usage,
    char **argv, int argc)
{
	if (argc == 0)
		return CLI_OK;
	return cmd_error(cli, "%s: unexpected \"%s\"; give %s", what, argv[0],
	    usage);
}

/* The words of a value: "clear|hold|restart". */
static bool
next_word(const char **p, char *buf, size_t len)
{
	size_t n;

	if (**p == '\0')
		return false;
	n = strcspn(*p, "|");
	snprintf(buf, len, "%.*s", (int)n, *p);
	*p += n + ((*p)[n] == '|');
	return true;
}

int
grammar_word(const char *words, const char *value, char *buf, size_t len)
{
	size_t vlen = strlen(value), found = 0;
	const char *p = words;
	char w[64];

	while (next_word(&p, w, sizeof(w))) {
		if (strcmp(w, value) == 0) {
			snprintf(buf, len, "%s", w);
			return 1;
		}
		if (vlen > 0 && strncmp(w, value, vlen) == 0 && found++ == 0)
			snprintf(buf, len, "%s", w);
	}
	return found == 1 ? 1 : found > 1 ? -1 : 0;
}

static bool
completing(struct cli_def *cli)
{
	return session_of(cli)->completing;
}

int
grammar_complete_words(struct cli_def *cli, const char *name, const char *word,
    struct cli_comphelp *ch)
{
	const char *p = name;
	char w[64];

	(void)cli;
	while (next_word(&p, w, sizeof(w)))
		if (word == NULL || strncmp(w, word, strlen(word)) == 0)
			cli_add_comphelp_entry(ch, w);
	return CLI_OK;
}

/*
 * One of name's words, or a prefix of only one.  A word that is none of
 * them goes on to config/, which knows the synonyms a setting takes
 * (ipip for route-based) and says what is wrong with the others.
 */
int
grammar_valid_words(struct cli_def *cli, const char *name, const char *value)
{
	char w[64], list[256];
	size_t o = 0;
	const char *p = name;

	if (grammar_word(name, value, w, sizeof(w)) >= 0 || completing(cli))
		return CLI_OK;
	while (next_word(&p, w, sizeof(w)) && o < sizeof(list))
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s",
		    o > 0 ? (*p == '\0' ? " or " : ", ") : "", w);
	cmd_error(cli, "\"%s\" is ambiguous: give %s", value, list);
	return CLI_ERROR;
}

/* yes or no (or a prefix), or a synonym config/ takes: on, off, true,
 * false, enable, disable.  Optional: a flag alone is yes. */
int
grammar_valid_bool(struct cli_def *cli, const char *name, const char *value)
{
	static const char *const words[] = { "on", "off", "true", "false",
		"enable", "disable" };
	char w[8];
	size_t len = strlen(value);

	if (grammar_has(cli, name))
		return CLI_ERROR;
	if (grammar_word(name, value, w, sizeof(w)) == 1) {
		if (completing(cli))
			session_of(cli)->value_hit = name;
		return CLI_OK;
	}
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (completing(cli) ? strncmp(words[i], value, len) == 0 :
				      strcmp(words[i], value) == 0)
			return CLI_OK;
	return CLI_ERROR;
}

int
grammar_valid_range(struct cli_def *cli, const char *name, const char *value)
{
	unsigned long lo = strtoul(name, NULL, 10), hi;
	const char *dash = strchr(name, '-');
	size_t n;

	hi = dash != NULL ? strtoul(dash + 1, NULL, 10) : lo;
	if (parse_n(value, &n) && n >= lo && n <= hi)
		return CLI_OK;
	if (!completing(cli))
		cmd_error(cli, "\"%s\" is not a number from %lu to %lu", value,
		    lo, hi);
	return CLI_ERROR;
}

static bool
starts(const char *s, const char *word)
{
	return word == NULL || strncmp(s, word, strlen(word)) == 0;
}

/* What the names and numbers of a session's context come from: the
 * candidate while configuring, else running. */
static const struct config *
context_config(struct cli_def *cli)
{
	struct commands_session *s = session_of(cli);

	if (cli->mode != MODE_EXEC && s->cand != NULL)
		return s->cand;
	return config_store_running(s->env->store);
}

static int
add_tunnels(struct cli_def *cli, const struct config *c, const char *word,
    struct cli_comphelp *ch)
{
	if (session_of(cli)->keywords_only)
		return CLI_OK;
	for (size_t i = 0; i < c->n_tunnels; i++)
		if (starts(c->tunnels[i]->name, word))
			cli_add_comphelp_entry(ch, c->tunnels[i]->name);
	return CLI_OK;
}

int
grammar_complete_tunnels(struct cli_def *cli, const char *name,
    const char *word, struct cli_comphelp *ch)
{
	(void)name;
	return add_tunnels(cli, context_config(cli), word, ch);
}

int
grammar_complete_running(struct cli_def *cli, const char *name,
    const char *word, struct cli_comphelp *ch)
{
	(void)name;
	return add_tunnels(cli,
	    config_store_running(session_of(cli)->env->store), word, ch);
}

int
grammar_complete_vlans(struct cli_def *cli, const char *name, const char *word,
    struct cli_comphelp *ch)
{
	const struct config *c = context_config(cli);
	char id[8];

	(void)name;
	if (session_of(cli)->keywords_only)
		return CLI_OK;
	for (size_t i = 0; i < c->n_vlans; i++) {
		snprintf(id, sizeof(id), "%u", c->vlans[i].id);
		if (starts(id, word))
			cli_add_comphelp_entry(ch, id);
	}
	return CLI_OK;
}

int
grammar_complete_ports(struct cli_def *cli, const char *name, const char *word,
    struct cli_comphelp *ch)
{
	const struct config *c = context_config(cli);

	(void)name;
	if (session_of(cli)->keywords_only)
		return CLI_OK;
	for (size_t i = 0; i < c->n_ifaces; i++)
		if (starts(c->ifaces[i].name, word))
			cli_add_comphelp_entry(ch, c->ifaces[i].name);
	return CLI_OK;
}

int
grammar_complete_history(struct cli_def *cli, const char *name,
    const char *word, struct cli_comphelp *ch)
{
	struct commands_session *s = session_of(cli);
	size_t n = config_store_history_count(s->env->store);
	char id[24];

	(void)name;
	if (s->keywords_only)
		return CLI_OK;
	for (size_t i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "%zu", i);
		if (starts(id, word))
			cli_add_comphelp_entry(ch, id);
	}
	return CLI_OK;
}

int
grammar_valid_history(struct cli_def *cli, const char *name, const char *value)
{
	struct commands_session *s = session_of(cli);
	size_t n, count = config_store_history_count(s->env->store);

	(void)name;
	if (parse_n(value, &n) && n < count)
		return CLI_OK;
	if (!completing(cli))
		cmd_error(cli,
		    "\"%s\" is not a commit of the history: give 0-%zu "
		    "(show configuration history)",
		    value, count > 0 ? count - 1 : 0);
	return CLI_ERROR;
}

int
grammar_complete_sessions(struct cli_def *cli, const char *name,
    const char *word, struct cli_comphelp *ch)
{
	struct commands_session *s = session_of(cli), *o;
	char id[16];

	(void)name;
	if (s->keywords_only)
		return CLI_OK;
	for (o = s->env->sessions; o != NULL; o = o->next) {
		snprintf(id, sizeof(id), "%u", o->id);
		if (o != s && starts(id, word))
			cli_add_comphelp_entry(ch, id);
	}
	return CLI_OK;
}

int
grammar_valid_once(struct cli_def *cli, const char *name, const char *value)
{
	(void)value;
	return cli_get_optarg_value(cli, name, NULL) == NULL ? CLI_OK :
							       CLI_ERROR;
}
