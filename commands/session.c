/*
 * commands/session.c: one shell session: a libcli cli_def with its mode,
 * prompt, candidate and output sink.  Lines come in one at a time from the
 * daemon; libcli's own loop and built-in commands are not used.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <openssl/crypto.h>

#include "commands/private.h"

struct commands_session *
session_of(struct cli_def *cli)
{
	return cli_get_context(cli);
}

/*
 * Where word is in line: the first place it stands as a whole word (at
 * the start or after a blank, and followed by a blank or the end), else
 * the first place it occurs at all; -1 if it is not there or is empty.
 * libcli's words lose their quotes and backslashes, so a refused word
 * need not appear in the line as it was typed.
 */
static ssize_t
word_offset(const char *line, const char *word, size_t wlen)
{
	size_t llen = strlen(line);
	ssize_t any = -1;

	if (wlen == 0 || wlen > llen)
		return -1;
	for (size_t i = 0; i + wlen <= llen; i++) {
		if (memcmp(line + i, word, wlen) != 0)
			continue;
		if ((i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t') &&
		    (line[i + wlen] == ' ' || line[i + wlen] == '\t' ||
			line[i + wlen] == '\0'))
			return (ssize_t)i;
		if (any < 0)
			any = (ssize_t)i;
	}
	return any;
}

/* The screen column of byte off of line: UTF-8 continuation bytes take
 * no column of their own. */
static size_t
screen_column(const char *line, size_t off)
{
	size_t col = 0;

	for (size_t i = 0; i < off; i++)
		col += ((unsigned char)line[i] & 0xc0) != 0x80;
	return col;
}

/*
 * libcli words its parse errors its own way ('Invalid command "x"');
 * say them as IOS does, with a marker under the word, aligned to what
 * the user typed after the prompt.  Any line must do: the refused word
 * may be empty (a lone quote), missing from the line (libcli unquotes
 * it), or so far right that no marker fits; then the marker goes under
 * the start of the line, or is left out.
 */
static bool
ios_error(struct commands_session *s, const char *line)
{
	static const char invalid[] = "Invalid command \"";
	char marker[512];
	const char *word;
	size_t wlen, col;
	ssize_t at;

	if (strcmp(line, "Incomplete command") == 0) {
		s->out(s->out_arg, "% Incomplete command.");
		return true;
	}
	if (strncmp(line, invalid, sizeof(invalid) - 1) != 0 || s->line == NULL)
		return false;
	/* libcli quotes the path up to the bad word, which is its last word;
	 * the word may hold quotes itself, so the closing quote is the
	 * line's last character. */
	word = line + sizeof(invalid) - 1;
	wlen = strlen(word);
	if (wlen > 0 && word[wlen - 1] == '"')
		wlen--;
	for (size_t i = wlen; i > 0; i--)
		if (word[i - 1] == ' ') {
			word += i;
			wlen -= i;
			break;
		}
	at = word_offset(s->line, word, wlen);
	col = s->prompt_len + 1 +
	    (at >= 0 ? screen_column(s->line, (size_t)at) : 0);
	if (col + 2 <= sizeof(marker)) {
		memset(marker, ' ', col);
		marker[col] = '^';
		marker[col + 1] = '\0';
		s->out(s->out_arg, marker);
	}
	s->out(s->out_arg, "% Invalid input detected at '^' marker.");
	return true;
}

/*
 * Every line a session prints passes here (libcli's through print_cb,
 * the total of | count from session.c), so this is where text users
 * gave (names, descriptions, comments, the words of an error, who is
 * connected from where) is made safe for the terminal: control
 * characters are escaped, once, for every command.  The copy may hold a
 * key (show running-config show-secrets), so it is wiped.
 */
void
session_print(struct commands_session *s, const char *line)
{
	size_t need;
	char *esc;

	if (lib_ctl_free(line)) {
		s->out(s->out_arg, line);
		return;
	}
	need = lib_escape_ctl(NULL, 0, line) + 1;
	if ((esc = malloc(need)) == NULL) {
		s->out(s->out_arg,
		    "% (a line of output was lost: out of memory)");
		return;
	}
	lib_escape_ctl(esc, need, line);
	s->out(s->out_arg, esc);
	OPENSSL_cleanse(esc, need);
	free(esc);
}

/*
 * libcli's words for what its optargs refuse (grammar.c), said as the
 * rest of the shell says errors.  A validator that refused a value has
 * said why already (s->failed): libcli's echo of it is dropped.
 */
static bool
optarg_error(struct commands_session *s, const char *line)
{
	static const char missing[] = "Incomplete command, missing required "
				      "argument '";
	static const char parsing[] = "Problem parsing command setting ";
	static const char ambiguous[] = "Ambiguous option/argument";
	static const char value[] = "Optional argument ";
	char msg[300];
	const char *arg, *end;

	if (strncmp(line, missing, sizeof(missing) - 1) == 0) {
		arg = line + sizeof(missing) - 1;
		end = strchr(arg, '\'');
		snprintf(msg, sizeof(msg),
		    "%% Incomplete command: give %.*s (? lists what fits)",
		    (int)(end != NULL ? end - arg : 0), arg);
	} else if (strncmp(line, parsing, sizeof(parsing) - 1) == 0) {
		if (s->failed)
			return true;
		snprintf(msg, sizeof(msg), "%% Invalid input: %s",
		    line + sizeof(parsing) - 1);
	} else if (strncmp(line, ambiguous, sizeof(ambiguous) - 1) == 0) {
		snprintf(msg, sizeof(msg),
		    "%% Ambiguous command: ? lists the words that fit");
	} else if (strncmp(line, value, sizeof(value) - 1) == 0) {
		arg = line + sizeof(value) - 1;
		snprintf(msg, sizeof(msg),
		    "%% Incomplete command: %.*s needs a value (? lists what "
		    "fits)",
		    (int)strcspn(arg, " "), arg);
	} else {
		return false;
	}
	s->failed = true;
	session_print(s, msg);
	return true;
}

static void
print_cb(struct cli_def *cli, const char *line)
{
	struct commands_session *s = session_of(cli);

	/* Completing a line prints nothing: libcli may complain of it. */
	if (s->completing)
		return;
	while (*line == '\n')
		line++;
	if (!ios_error(s, line) && !optarg_error(s, line))
		session_print(s, line);
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

/*
 * Where each word of line is, as libcli 1.10's cli_parse_line() splits it
 * (a backslash takes the next character along, a quote starts a word of
 * its own and ends it): [start, end) as typed, quote marks included.
 */
struct span {
	size_t start, end;
};

static size_t
word_spans(const char *line, struct span *sp, size_t max)
{
	const char *p = line, *start = NULL, *open = NULL;
	char quote = '\0';
	size_t n = 0;

	while (*p != '\0' && isspace((unsigned char)*p))
		p++;
	if (*p != '\0')
		start = p;
	while (n < max) {
		if (*p == '\\' && p[1] != '\0')
			p += 2;
		if (*p == '\0' || (quote != '\0' && *p == quote) ||
		    (start != NULL && quote == '\0' &&
			(isspace((unsigned char)*p) || *p == '|'))) {
			if (start != NULL) {
				sp[n].start =
				    (size_t)((open ? open : start) - line);
				sp[n++].end = (size_t)(p - line) +
				    (quote != '\0' && *p == quote);
			}
			if (*p == '\0')
				break;
			p += quote != '\0';
			quote = '\0';
			start = open = NULL;
		} else if (quote == '\0' && (*p == '"' || *p == '\'')) {
			if (start != NULL && start != p) {
				sp[n].start = (size_t)(start - line);
				sp[n++].end = (size_t)(p - line);
			}
			open = p;
			quote = *p++;
			start = p;
		} else {
			if (start == NULL && !isspace((unsigned char)*p))
				start = p;
			p++;
		}
	}
	return n;
}

int
text_arg(struct cli_def *cli, char **argv, int argc, int from, char *buf,
    size_t len)
{
	struct commands_session *s = session_of(cli);
	struct span sp[128];
	size_t n, first, end;
	const char *t;

	if (s->cmd == NULL || from >= argc)
		return join_args(argv, argc, from, buf, len);
	/* libcli keeps at most 127 words of a line (CLI_MAX_LINE_WORDS). */
	n = word_spans(s->cmd, sp, sizeof(sp) / sizeof(sp[0]) - 1);
	if (n < (size_t)argc)
		return join_args(argv, argc, from, buf, len);
	first = n - (size_t)argc + (size_t)from;
	t = s->cmd + sp[first].start;
	end = sp[n - 1].end;
	/* One quoted word: the text between the quotes, as libcli gave it. */
	if (first == n - 1 && (t[0] == '"' || t[0] == '\'') &&
	    end - sp[first].start >= 2 && s->cmd[end - 1] == t[0])
		return join_args(argv, argc, from, buf, len);
	if (end - sp[first].start >= len)
		return -ENOSPC;
	memcpy(buf, t, end - sp[first].start);
	buf[end - sp[first].start] = '\0';
	return 0;
}

int
value_text(struct cli_def *cli, const char *value, char **argv, int argc,
    bool quoted, char *buf, size_t len)
{
	char *words[CLI_MAX_LINE_WORDS];
	int n = 0;

	words[n++] = (char *)value;
	for (int i = 0; i < argc && n < CLI_MAX_LINE_WORDS; i++)
		words[n++] = argv[i];
	return quoted ? text_arg(cli, words, n, 0, buf, len) :
			join_args(words, n, 0, buf, len);
}

int
cli_line(void *arg, const char *line)
{
	cli_print(arg, "%s", line);
	return 0;
}

int
json_done(struct cli_def *cli, const char *what, struct json_writer *j)
{
	int rc = json_writer_finish(j);

	/* Only a line over JSON_LINE_MAX or a container left open: ours. */
	if (rc < 0)
		return cmd_error(cli,
		    "%s: the JSON above is cut short (%s): a bug of tunsh, "
		    "please report it with the command",
		    what, strerror(-rc));
	return CLI_OK;
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
	commands_register_diagnose(s->cli);
	commands_register_ping(s->cli);
	commands_register_configure(s->cli);
	commands_register_tunnel(s->cli);
	commands_register_filters(s->cli);
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
	if (s->job != NULL)
		s->job->cancel(s->job);
	if (commands_uncommitted(s))
		log_info("commands",
		    "session of %s (%s) ended: uncommitted "
		    "changes discarded",
		    s->user, s->source);
	config_free(s->cand);
	/* The lines typed (history) and libcli's print buffer (the last
	 * lines shown) may hold keys: pre-shared-key K, show-secrets. */
	if (s->cli->buffer != NULL)
		OPENSSL_cleanse(s->cli->buffer, s->cli->buf_size);
	cli_done(s->cli);
	OPENSSL_cleanse(s, sizeof(*s));
	free(s);
}

/*
 * The line as the session's history keeps it: a line that sets a secret
 * (pre-shared-key KEY, or the key tunsh sends after its hidden prompt)
 * keeps its first word and a mask.  libcli resolves the first word by
 * unique prefix in the current mode: what it completes to decides.
 */
static void
history_add(struct commands_session *s, const char *line)
{
	char *slot = s->history[s->n_history++ % 64], word[64];
	size_t hlen = sizeof(s->history[0]), wlen = strcspn(line, " \t");
	struct cli_comphelp ch = { 0 };
	const struct config_field_info *fi = NULL;

	if (line[wlen] != '\0' && wlen < sizeof(word)) {
		memcpy(word, line, wlen);
		word[wlen] = '\0';
		s->completing = true;
		cli_get_completions(s->cli, word, '\t', &ch);
		s->completing = false;
		if (ch.num_entries == 1)
			fi = config_field_lookup(ch.entries[0]);
		cli_free_comphelp(&ch);
	}
	if (fi != NULL && fi->kind == CFK_PSK)
		snprintf(slot, hlen, "%s ********", word);
	else
		snprintf(slot, hlen, "%s", line);
}

/* libcli's callback for each line printed with cli_print while the
 * command runs (cli_error's lines are not filtered); NULL at the end. */
static int
filter_cb(struct cli_def *cli, const char *line, void *data)
{
	struct commands_session *s = data;

	(void)cli;
	if (line == NULL) {
		s->filters_done = true;
		return CLI_OK;
	}
	return filters_pass(s->filters, line) ? CLI_OK : CLI_ERROR;
}

/*
 * Runs the command part of a line with its filters.  libcli applies the
 * filters in cli->filters to what cli_print prints, and frees them at the
 * end of the command (calling each with NULL); when the line does not
 * parse, the command never runs and the filter is still there.  A line
 * run from within a command (load merge runs its file's lines here) must
 * not end the filters of the line around it: those are put aside.
 */
static int
run_filtered(struct commands_session *s, const char *cmd,
    struct filter_pipeline *fp)
{
	struct cli_filter *outer = s->cli->filters, *f = NULL;
	struct filter_pipeline *outer_fp = s->filters;
	bool outer_done = s->filters_done;
	char total[32];
	int rc;

	if (fp != NULL && (f = calloc(1, sizeof(*f))) == NULL) {
		filters_free(fp);
		return cmd_error(s->cli, "filters: out of memory");
	}
	s->cli->filters = f;
	if (f != NULL) {
		f->filter = filter_cb;
		f->data = s;
	}
	s->filters = fp;
	s->filters_done = false;
	rc = cli_run_command(s->cli, cmd);
	if (f != NULL && s->cli->filters == f)
		free(f);
	if (fp != NULL && s->filters_done && filters_counting(fp)) {
		snprintf(total, sizeof(total), "%llu", filters_count(fp));
		session_print(s, total);
	}
	filters_free(fp);
	s->cli->filters = outer;
	s->filters = outer_fp;
	s->filters_done = outer_done;
	return rc;
}

/*
 * LINE | FILTER...: *cmd gets the command before the bar (to free) and *fp
 * the filters; neither when the line has no bar.  -1 with the error said
 * when the bar has no command before it or a filter is wrong.
 */
static int
split_filters(struct commands_session *s, const char *line, char **cmd,
    struct filter_pipeline **fp)
{
	char msg[512];
	ssize_t bar;
	size_t end;

	if ((bar = filters_split(line)) < 0)
		return 0;
	end = (size_t)bar;
	while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t'))
		end--;
	if (end == 0) {
		cmd_error(s->cli,
		    "| filters a command's output: give the command "
		    "first (show running-config | include ipsec)");
		return -1;
	}
	if (filters_parse(line + bar + 1, fp, msg, sizeof(msg)) < 0) {
		cmd_error(s->cli, "%s", msg);
		return -1;
	}
	if ((*cmd = strndup(line, end)) == NULL) {
		filters_free(*fp);
		*fp = NULL;
		cmd_error(s->cli, "out of memory");
		return -1;
	}
	return 0;
}

int
commands_run(struct commands_session *s, const char *line)
{
	char prompt[128], amb[512], *cmd = NULL;
	const char *outer_line, *outer_cmd;
	struct filter_pipeline *fp = NULL;
	size_t outer_prompt_len;
	int rc;

	s->failed = false;
	s->last = time(NULL);
	/* Blank lines and comments do nothing, as in a script. */
	while (*line == ' ' || *line == '\t')
		line++;
	if (*line == '\0' || *line == '!' || *line == '#')
		return 0;
	history_add(s, line);
	if (split_filters(s, line, &cmd, &fp) < 0)
		return -1;
	if (ambiguous_word(s, cmd ? cmd : line, amb, sizeof(amb))) {
		cmd_error(s->cli, "Ambiguous command: %s", amb);
		OPENSSL_cleanse(amb, sizeof(amb));
		filters_free(fp);
		free(cmd);
		return -1;
	}
	/* Kept for the line around this one, if any (load merge). */
	outer_line = s->line;
	outer_cmd = s->cmd;
	outer_prompt_len = s->prompt_len;
	s->line = line;
	s->cmd = cmd ? cmd : line;
	commands_prompt(s, prompt, sizeof(prompt));
	s->prompt_len = strlen(prompt);
	s->job_new = false;
	rc = run_filtered(s, s->cmd, fp);
	s->line = outer_line;
	s->cmd = outer_cmd;
	s->prompt_len = outer_prompt_len;
	free(cmd);
	if (s->job_new) {
		s->job_new = false;
		return 1;
	}
	return rc == CLI_OK && !s->failed ? 0 : -1;
}

int
session_defer(struct commands_session *s, struct session_job *j)
{
	if (s->job != NULL)
		return -EBUSY;
	if (s->env->base == NULL || s->env->line_done == NULL ||
	    s->filters != NULL)
		return -ENOTSUP;
	s->job = j;
	s->job_new = true;
	return 0;
}

void
session_job_done(struct commands_session *s, int rc)
{
	s->job = NULL;
	s->env->line_done(s->env->line_done_arg, s, rc == 0 ? 0 : -1);
}

bool
commands_running(const struct commands_session *s)
{
	return s->job != NULL;
}

void
commands_interrupt(struct commands_session *s)
{
	if (s->job != NULL)
		s->job->interrupt(s->job);
}

const struct commands_host_ops *
session_host(struct commands_session *s, void **arg)
{
	if (s->env->host != NULL) {
		*arg = s->env->host_arg;
		return s->env->host;
	}
	*arg = NULL;
	return &commands_host_real;
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

/*
 * The configuration the candidate was taken from: running, or, when
 * another session has committed since, that commit from the history
 * (NULL if it is no longer there).  *copy is what to free.
 */
static const struct config *
candidate_base(const struct commands_session *s, struct config **copy)
{
	const struct config *running = config_store_running(s->env->store);
	size_t n = config_store_history_count(s->env->store);
	struct diag d;

	*copy = NULL;
	if (s->cand->version == running->version)
		return running;
	for (size_t i = 0; i < n; i++)
		if (config_store_history(s->env->store, i)->version ==
		    s->cand->version) {
			diag_init(&d);
			*copy = config_store_rollback(s->env->store, i, &d);
			diag_clear(&d);
			break;
		}
	return *copy;
}

bool
commands_uncommitted(const struct commands_session *s)
{
	const struct config *base;
	struct config_plan plan;
	struct config *copy;
	bool differs;

	if (s->cand == NULL ||
	    (s->cand->n_touched == 0 && !s->cand->system_changed))
		return false;
	/* Entering a context touches without changing: ask the diff, which
	 * looks at the touched objects only, against what the candidate was
	 * taken from (another session's commit since is no change here). */
	if ((base = candidate_base(s, &copy)) == NULL)
		return true;
	if (config_plan_build(base, s->cand, &plan) < 0) {
		config_free(copy);
		return true;
	}
	differs = plan.n_steps > 0;
	config_plan_free(&plan);
	config_free(copy);
	return differs;
}
