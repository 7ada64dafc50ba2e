/*
 * commands/sessions.c: what the sessions server needs to know of a
 * session to bound it (its id, when the client last did something,
 * whether it waits for a commit confirmation or holds configure
 * exclusive), how many are open (for the metrics), and clear session
 * ID, with which an admin ends another session.  Ending one is the
 * server's job (commands_env.end_session): only it holds the connection.
 */
#include <stdio.h>
#include <string.h>

#include "commands/private.h"

unsigned
commands_session_id(const struct commands_session *s)
{
	return s->id;
}

void
commands_session_touch(struct commands_session *s)
{
	s->last = time(NULL);
}

bool
commands_session_confirming(const struct commands_session *s)
{
	/* A later commit, from any session, confirms it or replaces it. */
	return s->confirm_version != 0 &&
	    config_store_confirm_deadline(s->env->store) != 0 &&
	    config_store_running(s->env->store)->version == s->confirm_version;
}

bool
commands_session_exclusive(const struct commands_session *s)
{
	return s->env->exclusive == s;
}

size_t
commands_session_count(const struct commands_env *env)
{
	size_t n = 0;

	for (const struct commands_session *s = env->sessions; s != NULL;
	     s = s->next)
		n++;
	return n;
}

/* clear session ID: Junos request system logout, IOS clear line. */
static int
cmd_clear_session(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli), *o;
	char why[300], who[200];
	bool uncommitted, exclusive;
	size_t id;

	(void)cmd;
	if (s->role != COMMANDS_ADMIN)
		return cmd_error(cli,
		    "clear session: permission denied: only admins may end "
		    "sessions (admins are root and group tunsh-admin)");
	if (grammar_extra(cli, "clear session",
		"a session ID, as show users lists them", argv,
		argc) != CLI_OK ||
	    !parse_n(grammar_get(cli, "ID"), &id))
		return cmd_error(cli,
		    "clear session: give a session ID, as show users "
		    "lists them");
	for (o = s->env->sessions; o != NULL && o->id != id; o = o->next)
		;
	if (o == NULL)
		return cmd_error(cli,
		    "clear session %zu: no such session; show users lists "
		    "them",
		    id);
	if (o == s)
		return cmd_error(cli,
		    "clear session %zu: this is your own session; exit ends "
		    "it",
		    id);
	if (s->env->end_session == NULL)
		return cmd_error(cli,
		    "clear session %zu: sessions cannot be ended here", id);
	snprintf(who, sizeof(who), "session %u of %s (%s)", o->id, o->user,
	    o->source);
	snprintf(why, sizeof(why), "ended by admin %s (session %u, %s)",
	    s->user, s->id, s->source);
	uncommitted = commands_uncommitted(o);
	exclusive = s->env->exclusive == o;
	s->env->end_session(s->env->end_arg, o, why);
	cli_print(cli, "%s ended%s%s", who,
	    uncommitted ? "; its uncommitted changes are discarded" : "",
	    exclusive ? "; configure exclusive is released" : "");
	return CLI_OK;
}

void
commands_register_sessions(struct cli_def *cli, struct cli_command *clear)
{
	struct cli_command *c;

	c = cli_register_command(cli, clear, "session", cmd_clear_session,
	    PRIVILEGE_UNPRIVILEGED, MODE_EXEC, "End another session (admins)");
	grammar_arg(c, "ID", "A session, as show users lists it",
	    grammar_complete_sessions, NULL);
}
