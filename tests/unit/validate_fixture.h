/*
 * tests/unit/validate_fixture.h: what the validation tests share: a valid
 * firewall to start from (base()), setters that assert, and checks of the
 * exact errors a validation reports.
 */
#ifndef TUNSH_VALIDATE_FIXTURE_H
#define TUNSH_VALIDATE_FIXTURE_H

#include <sys/types.h>

#include "config/config.h"
#include "tests/unit/test.h"

#define PSK	"a-long-random-secret-of-30-chars"
#define AWS_PSK "Aws_psk.longer_than_twenty_chars"

/* The tail shared by every overlap of two policy-based tunnels. */
#define NET_CLASH                                                         \
	": two policy-based tunnels cannot claim the same networks; for " \
	"redundant links use route-based tunnels with a partner-type"

/* The tail shared by every clash of gateway pairs. */
#define PAIR_CLASH                                                         \
	": one tunnel per pair of gateways; put both sets of networks in " \
	"one tunnel"

void set(struct config_tunnel *t, enum config_field f, const char *v);
void unset(struct config_tunnel *t, enum config_field f, const char *v);
struct config_tunnel *edit(struct config *c, const char *name);
void iface(struct config *c, const char *name, const char *addr,
    const char *gw);
void vlan(struct config *c, unsigned id, const char *subnet);
void pool(struct config *c, const char *value);
struct config_tunnel *policy_tunnel(struct config *c, const char *name,
    const char *remote, const char *remote_net);
struct config_tunnel *aws_tunnel(struct config *c, const char *name);
struct config *base(void);
void as_running(struct config *c);
ssize_t find(const struct diag *d, const char *text);
void dump(const struct diag *d);
void check_errors(const struct diag *d, size_t n, const char *msg);
void expect_errors(const struct config *c, size_t n, const char *msg);
void expect_error(const struct config *c, const char *msg);
void expect_valid(const struct config *c);
void expect_change_errors(const struct config *running,
    const struct config_index *idx, const struct config *cand, size_t n,
    const char *msg);

#endif
