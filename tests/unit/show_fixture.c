/*
 * tests/unit/show_fixture.c: the engine pair, store and output capture
 * that the tests of the live IPsec commands share (show_fixture.h).
 */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/show_fixture.h"
#include "tests/unit/test.h"

const struct lab_suite show_fix_gcm = { "aes256gcm16-prfsha256-x25519", 20, 256,
	5, 0, 31 };

void
show_fix_out(void *arg, const char *line)
{
	fprintf(((struct show_fix *)arg)->f, "%s\n", line);
}

static void
store_open(struct show_fix *x, const char *running)
{
	struct config_store_params p = { 0 };
	char conf[64];
	struct diag d;
	FILE *f;

	snprintf(x->dir, sizeof(x->dir), "/tmp/tunsh-show-XXXXXX");
	assert_non_null(mkdtemp(x->dir));
	snprintf(conf, sizeof(conf), "%s/tunsh.conf", x->dir);
	assert_non_null(f = fopen(conf, "w"));
	fputs(running, f);
	fclose(f);
	p.path = conf;
	diag_init(&d);
	x->env.store = config_store_open(&p, &d);
	if (x->env.store == NULL)
		fail_msg("store: %s", d.count ? d.entries[0].text : "?");
	diag_clear(&d);
}

void
show_fix_init(struct show_fix *x, const char *running, const char *psk_b)
{
	memset(x, 0, sizeof(*x));
	lab_init(&x->l, NULL, NULL);
	x->psk = secbuf_from_str("lab-secret-1");
	x->psk_b = secbuf_from_str(psk_b);
	lab_conf(&x->ta, "to-b", LAB_ADDR_A, LAB_ADDR_B, "10.1.0.0/24",
	    "10.2.0.0/24", &show_fix_gcm, x->psk);
	lab_conf(&x->tb, "to-a", LAB_ADDR_B, LAB_ADDR_A, "10.2.0.0/24",
	    "10.1.0.0/24", &show_fix_gcm, x->psk_b);
	x->tb.c.initiator = false;
	store_open(x, running);
	x->env.version = "test";
	x->env.ike = x->l.a.e;
	x->f = open_memstream(&x->buf, &x->len);
}

struct commands_session *
show_fix_session(struct show_fix *x, const char *user, enum commands_role role)
{
	struct commands_session *s =
	    commands_session_new(&x->env, user, "test", role, show_fix_out, x);

	assert_non_null(s);
	return s;
}

void
show_fix_fini(struct show_fix *x)
{
	char cmd[64];

	config_store_free(x->env.store);
	fclose(x->f);
	free(x->buf);
	lab_free(&x->l);
	secbuf_free(x->psk);
	secbuf_free(x->psk_b);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", x->dir);
	assert_int_equal(system(cmd), 0);
}
