/*
 * shell/daemon.h: running tunshd, private to shell/.
 */
#ifndef TUNSH_SHELL_DAEMON_H
#define TUNSH_SHELL_DAEMON_H

#include <stdbool.h>
#include <stdint.h>

#include "shell/live.h"
#include "shell/server.h"

struct daemon_opts {
	const char *config;    /* /etc/tunsh/tunsh.conf */
	const char *state_dir; /* /var/lib/tunsh */
	const char *socket;    /* /run/tunsh/tunshd.sock */
	bool foreground;
	enum live_kernel kernel; /* --kernel: netlink, or none (a lab) */
	uint16_t ike_port, natt_port;
	size_t ike_half_open_per_peer, ike_half_open_max; /* 0: defaults */
	size_t ike_fragment_size;			  /* 0: the default */
	bool ike_fragment_off;
	struct server_limits limits; /* --max-sessions and the rest */
	enum live_clamp clamp;	     /* --mss-clamp */
};

/* Runs until SIGTERM or SIGINT; returns the exit status. */
int daemon_run(const struct daemon_opts *o);

#endif
