/*
 * tests/unit/show_fixture.h: the daemon's side of the tests of the live
 * IPsec commands (test_show_ipsec.c, test_diagnose.c): engines A and B
 * of ike_lab.c with the tunnels to-b (on A, which initiates) and to-a
 * (on B), a configuration store opened on the test's running text in a
 * scratch directory, and what sessions print caught in a memory stream.
 */
#ifndef TUNSH_TESTS_SHOW_FIXTURE_H
#define TUNSH_TESTS_SHOW_FIXTURE_H

#include <stdio.h>

#include "commands/commands.h"
#include "ike/engine.h"
#include "tests/unit/ike_lab.h"

struct show_fix {
	struct lab l;
	struct secbuf *psk, *psk_b; /* to-b's on A, to-a's on B */
	struct lab_tunnel ta, tb;   /* to-b on A, to-a on B */
	char dir[32];
	struct commands_env env; /* env.ike is A's engine */
	char *buf;		 /* what sessions printed */
	size_t len;
	FILE *f;
};

/* AES-GCM-16-256, PRF-HMAC-SHA2-256, Curve25519 (IANA 20, 5, 31). */
extern const struct lab_suite show_fix_gcm;

/*
 * A and B with to-b and to-a as the lab makes them, A's key
 * "lab-secret-1" and B's psk_b; the store on running (the text of a
 * tunsh.conf).  The tunnels are not in the engines yet.
 */
void show_fix_init(struct show_fix *x, const char *running, const char *psk_b);
void show_fix_fini(struct show_fix *x); /* and removes the directory */
/* A commands_out_fn into x->f (arg: x). */
void show_fix_out(void *arg, const char *line);
/* A session whose output goes to x->f. */
struct commands_session *show_fix_session(struct show_fix *x, const char *user,
    enum commands_role role);

#endif
