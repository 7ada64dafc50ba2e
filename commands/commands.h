/*
 * commands/commands.h: the command tree of the shell (exec, configure,
 * each config context, show), built on libcli and driving config/.
 * Filled in by the shell work; the configuration's CLI form is already
 * config_render() in config/.
 */
#ifndef TUNSH_COMMANDS_H
#define TUNSH_COMMANDS_H

#include "config/config.h"

#endif
