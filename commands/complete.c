/*
 * commands/complete.c: Tab completion and '?' help for a line in
 * progress, answered from the same libcli tree that runs the commands, so
 * there is one grammar.  Nothing is run and the session does not change.
 */
#include <string.h>

#include "commands/private.h"

/*
 * libcli 1.10 exports this but its header does not declare it; this is
 * the only declaration in the tree (CMakeLists.txt pins libcli >= 1.10).
 * It returns nothing: declared int, its result would be a stray register.
 */
void cli_get_completions(struct cli_def *cli, const char *command,
    char lastchar, struct cli_comphelp *comphelp);

int
commands_complete(struct commands_session *s, const char *line, bool help,
    commands_out_fn fn, void *arg)
{
	struct cli_comphelp ch = { 0 };
	int n;

	cli_get_completions(s->cli, line, help ? '?' : '\t', &ch);
	n = ch.num_entries;
	for (int i = 0; i < n; i++)
		fn(arg, ch.entries[i]);
	/* A whole command with nothing after it: say Enter runs it. */
	if (help && n <= 0 && line[0] != '\0')
		fn(arg, "  <cr>");
	cli_free_comphelp(&ch);
	return n > 0 ? n : 0;
}
