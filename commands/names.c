/*
 * commands/names.c: commit and commit check wait for the names of the
 * candidate (peers and local addresses given by name) to be answered,
 * as a session job on the daemon's loop: the session waits, the loop
 * does not.  The answers come to tunshd's resolver; this job only looks
 * every 100 ms whether any is still being asked, for at most
 * COMMANDS_NAMES_WAIT_MS (the resolver's own timeout ends a query
 * before that), then commits.  What the answers mean is the names_check
 * hook's to say.
 */
#include <errno.h>
#include <stdlib.h>

#include <event2/event.h>

#include "commands/private.h"

#define NAMES_POLL_MS 100

struct names_job {
	struct session_job job; /* first: the session holds this */
	struct commands_session *s;
	struct commit_req r;
	struct event *tick;
	unsigned waited_ms;
};

static void
job_free(struct names_job *j)
{
	if (j->tick != NULL)
		event_free(j->tick);
	free(j);
}

static void
arm(struct names_job *j)
{
	struct timeval tv = { 0, NAMES_POLL_MS * 1000 };

	evtimer_add(j->tick, &tv);
}

/* The commit, as typed; then the line ends. */
static void
finish(struct names_job *j)
{
	struct commands_session *s = j->s;
	int rc = commit_run(s->cli, s, &j->r);

	job_free(j);
	session_job_done(s, rc == CLI_OK ? 0 : -1);
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct names_job *j = arg;
	struct commands_env *env = j->s->env;

	(void)fd;
	(void)what;
	j->waited_ms += NAMES_POLL_MS;
	if (j->waited_ms < COMMANDS_NAMES_WAIT_MS &&
	    env->names_pending(env->names_arg, j->s->cand) > 0) {
		arm(j);
		return;
	}
	finish(j);
}

/* Ctrl-C: nothing committed. */
static void
job_interrupt(struct session_job *job)
{
	struct names_job *j = (struct names_job *)job;
	struct commands_session *s = j->s;

	session_print(s,
	    "% commit interrupted while names were resolved: "
	    "nothing committed");
	s->failed = true;
	job_free(j);
	session_job_done(s, -1);
}

static void
job_cancel(struct session_job *job)
{
	job_free((struct names_job *)job);
}

int
commit_names_wait(struct commands_session *s, const struct commit_req *r)
{
	struct commands_env *env = s->env;
	struct names_job *j;

	if (env->names_pending == NULL || env->base == NULL ||
	    s->cand == NULL || env->names_pending(env->names_arg, s->cand) == 0)
		return 0;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return 0; /* committed now: the warnings say what is missing */
	j->s = s;
	j->r = *r;
	j->job.interrupt = job_interrupt;
	j->job.cancel = job_cancel;
	if ((j->tick = evtimer_new(env->base, on_tick, j)) == NULL ||
	    session_defer(s, &j->job) < 0) {
		job_free(j);
		return 0;
	}
	arm(j);
	return 1;
}
