/*
 * commands/session.c: one shell session: a libcli cli_def with its mode,
 * prompt, candidate and output sink.  Lines come in one at a time from the
 * daemon; libcli's own loop and built-in commands are not used.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/private.h"

struct commands_session *
session_of(struct cli_def *cli)
{
	return cli_get_context(cli);
}

/*
 * libcli words its parse errors its own way ('Invalid command "x"');
 * say them as IOS does, with a marker under the word, aligned to what
 * the user typed after the prompt.
 */
static bool
ios_error(struct commands_session *s, const char *line)
{
	static const char invalid[] = "Invalid command \"";
	char marker[512], prefix[128];
	const char *word, *at;
	size_t wlen, col;

	if (strcmp(line, "Incomplete command") == 0) {
		s->out(s->out_arg, "% Incomplete command.");
		return true;
	}
	if (strncmp(line, invalid, sizeof(invalid) - 1) != 0 || s->line == NULL)
		return false;
	/* libcli quotes the path up to the bad word: the last word is it. */
	word = line + sizeof(invalid) - 1;
	wlen = strcspn(word, "\"");
	for (size_t i = wlen; i > 0; i--)
		if (word[i - 1] == ' ') {
			word += i;
			wlen -= i;
			break;
		}
	/* The first word of the line equal to the one refused. */
	snprintf(prefix, sizeof(prefix), "%.*s", (int)wlen, word);
	for (at = s->line; (at = strstr(at, prefix)) != NULL; at++)
		if ((at == s->line || at[-1] == ' ') &&
		    (at[wlen] == ' ' || at[wlen] == '\0') &&
		    strncmp(at, word, wlen) == 0)
			break;
	col = s->prompt_len + 1 + (at ? (size_t)(at - s->line) : 0);
	if (col < sizeof(marker) - 2) {
		memset(marker, ' ', col);
		marker[col] = '^';
		marker[col + 1] = '\0';
		s->out(s->out_arg, marker);
	}
	s->out(s->out_arg, "% Invalid input detected at '^' marker.");
	return true;
}

static void
print_cb(struct cli_def *cli, const char *line)
{
	struct commands_session *s = session_of(cli);

	if (ios_error(s, line))
		return;
	s->out(s->out_arg, line);
}

int
cmd_error(struct cli_def *cli, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	session_of(cli)->failed = true;
	cli_error(cli, "%% %s", msg);
	return CLI_ERROR;
}

void
print_diag(struct cli_def *cli, const struct diag *d)
{
	for (size_t i = 0; i < d->count; i++)
		cli_error(cli, "%% %s: %s",
		    d->entries[i].severity == DIAG_ERROR ? "error" : "warning",
		    d->entries[i].text);
	if (d->errors > 0)
		session_of(cli)->failed = true;
}

bool
parse_n(const char *s, size_t *n)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == '\0' || *end != '\0')
		return false;
	*n = v;
	return true;
}

int
join_args(char **argv, int argc, int from, char *buf, size_t len)
{
	size_t off = 0;

	if (len == 0)
		return -ENOSPC;
	buf[0] = '\0';
	for (int i = from; i < argc; i++) {
		int n = snprintf(buf + off, len - off, "%s%s",
		    i > from ? " " : "", argv[i]);

		if (n < 0 || (size_t)n >= len - off)
			return -ENOSPC;
		off += (size_t)n;
	}
	return 0;
}

int
cli_line(void *arg, const char *line)
{
	cli_print(arg, "%s", line);
	return 0;
}

int
print_config(struct cli_def *cli, const struct config *c,
    const struct config_render_opts *o)
{
	return config_render(c, o, cli_line, cli);
}

/* libcli registers commands of its own; ours replace them. */
static void
drop_builtins(struct cli_def *cli)
{
	static const char *const builtins[] = { "configure", "enable",
		"disable", "quit", "logout", "exit", "history", "help" };

	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		cli_unregister_command(cli, builtins[i]);
}

struct commands_session *
commands_session_new(struct commands_env *env, const char *user,
    const char *source, enum commands_role role, commands_out_fn out, void *arg)
{
	struct commands_session *s = calloc(1, sizeof(*s));

	if (s == NULL || (s->cli = cli_init()) == NULL) {
		free(s);
		return NULL;
	}
	s->env = env;
	snprintf(s->user, sizeof(s->user), "%s", user);
	snprintf(s->source, sizeof(s->source), "%s", source);
	s->role = role;
	s->out = out;
	s->out_arg = arg;
	s->since = s->last = time(NULL);
	s->id = ++env->last_id;
	s->next = env->sessions;
	env->sessions = s;
	cli_set_context(s->cli, s);
	cli_print_callback(s->cli, print_cb);
	drop_builtins(s->cli);
	commands_register_exec(s->cli);
	commands_register_configure(s->cli);
	commands_register_tunnel(s->cli);
	if (commands_register_filters(s) < 0) {
		cli_done(s->cli);
		free(s);
		return NULL;
	}
	cli_set_privilege(s->cli,
	    role == COMMANDS_ADMIN ? PRIVILEGE_PRIVILEGED :
				     PRIVILEGE_UNPRIVILEGED);
	return s;
}

void
leave_config(struct cli_def *cli)
{
	struct commands_session *s = session_of(cli);

	cli_set_configmode(cli, MODE_EXEC, NULL);
	if (s->env->exclusive == s)
		s->env->exclusive = NULL;
}

void
commands_session_free(struct commands_session *s)
{
	struct commands_session **pp;

	if (s == NULL)
		return;
	for (pp = &s->env->sessions; *pp != NULL; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	if (s->env->exclusive == s)
		s->env->exclusive = NULL;
	if (commands_uncommitted(s))
		log_info("commands",
		    "session of %s (%s) ended: uncommitted "
		    "changes discarded",
		    s->user, s->source);
	config_free(s->cand);
	if (s->cli->client != NULL)
		fclose(s->cli->client);
	s->cli->client = NULL;
	cli_done(s->cli);
	free(s);
}

int
commands_run(struct commands_session *s, const char *line)
{
	char prompt[128], amb[512];
	int rc;

	s->failed = false;
	s->last = time(NULL);
	/* Blank lines and comments do nothing, as in a script. */
	while (*line == ' ' || *line == '\t')
		line++;
	if (*line == '\0' || *line == '!' || *line == '#')
		return 0;
	snprintf(s->history[s->n_history % 64], sizeof(s->history[0]), "%s",
	    line);
	s->n_history++;
	if (ambiguous_word(s, line, amb, sizeof(amb))) {
		cmd_error(s->cli, "Ambiguous command: %s", amb);
		return -1;
	}
	s->line = line;
	commands_prompt(s, prompt, sizeof(prompt));
	s->prompt_len = strlen(prompt);
	rc = cli_run_command(s->cli, line);
	s->line = NULL;
	return rc == CLI_OK && !s->failed ? 0 : -1;
}

bool
commands_monitor(const struct commands_session *s)
{
	return s->monitor;
}

unsigned
commands_page_length(const struct commands_session *s)
{
	return s->length;
}

void
commands_set_terminal(struct commands_session *s, unsigned length,
    unsigned width)
{
	s->length = length;
	s->width = width;
}

bool
commands_session_done(const struct commands_session *s)
{
	return s->done;
}

void
commands_prompt(const struct commands_session *s, char *buf, size_t len)
{
	const char *host = config_store_running(s->env->store)->hostname;
	const char *ch = s->role == COMMANDS_ADMIN ? "#" : ">";

	switch (s->cli->mode) {
	case MODE_CONFIG:
		snprintf(buf, len, "%s(config)%s", host, ch);
		break;
	case MODE_TUNNEL:
		snprintf(buf, len, "%s(config-ipsec-tunnel-%s)%s", host,
		    s->tunnel, ch);
		break;
	case MODE_IFACE:
		snprintf(buf, len, "%s(config-if-%s)%s", host, s->iface, ch);
		break;
	case MODE_VLAN:
		snprintf(buf, len, "%s(config-vlan-%u)%s", host, s->vlan, ch);
		break;
	case MODE_CLIENT_VPN:
		snprintf(buf, len, "%s(config-client-vpn)%s", host, ch);
		break;
	default:
		snprintf(buf, len, "%s%s", host, ch);
		break;
	}
}

bool
commands_uncommitted(const struct commands_session *s)
{
	struct config_plan plan;
	bool differs;

	if (s->cand == NULL ||
	    (s->cand->n_touched == 0 && !s->cand->system_changed))
		return false;
	/* Entering a context touches without changing: ask the diff, which
	 * looks at the touched objects only. */
	if (config_plan_build(config_store_running(s->env->store), s->cand,
		&plan) < 0)
		return true;
	differs = plan.n_steps > 0;
	config_plan_free(&plan);
	return differs;
}
