/*
 * shell/server.h: tunshd's sessions server, private to shell/.
 */
#ifndef TUNSH_SHELL_SERVER_H
#define TUNSH_SHELL_SERVER_H

#include <event2/event.h>

#include "commands/commands.h"
#include "shell/shell.h"

struct server;

/* Listens on path (mode 0660, group tunsh when it exists). */
struct server *server_new(struct event_base *base, struct commands_env *env,
    const char *path, struct diag *d);
/* Tells every session now (monitor_only: those with terminal monitor). */
void server_notice(struct server *srv, const char *text, bool monitor_only);
/* Ends every session (uncommitted candidates are dropped and logged). */
void server_free(struct server *srv);

#endif
