/*
 * ike/policy.c: a tunnel's kernel policies, derived from its
 * configuration and moved make-before-break when it changes.  Knows no
 * SA: the policies stay whatever the SAs do.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ike/engine.h"

/*
 * The policies of a tunnel: out, in and fwd for every local x remote
 * pair of one family (0.0.0.0/0 and ::/0 when route-based, see
 * child_route_any), each with an ESP template bound to the tunnel's
 * reqid; the template's addresses are the outer ones, of their own
 * family (4-in-6 and 6-in-4 are the kernel's to carry).  Installed while the tunnel is enabled,
 * whatever the SAs do: traffic with no SA raises ACQUIRE and is held,
 * never sent in clear.  More specific pairs win (lower priority value).
 * Returns how many, into out (NULL: only count).
 */
static size_t
policy_list(const struct ike_tunnel_conf *c, uint32_t reqid,
    struct kernel_policy *out)
{
	struct ipaddr any[2];
	size_t nany = c->route_based ? child_route_any(c, any) : 0;
	const struct ipaddr *l = c->route_based ? any : c->local_nets;
	const struct ipaddr *r = c->route_based ? any : c->remote_nets;
	size_t nl = c->route_based ? nany : c->n_local;
	size_t nr = c->route_based ? nany : c->n_remote, n = 0;

	for (size_t i = 0; i < nl; i++)
		for (size_t j = 0; j < nr; j++)
			for (int dir = 0; dir < 3 && l[i].family == r[j].family;
			     dir++, n++) {
				bool o = dir == KERNEL_DIR_OUT;
				uint32_t bits = ipaddr_bits(&l[i]);

				if (out == NULL)
					continue;
				/* More specific wins within a family (the
				 * kernel never compares across them). */
				out[n] = (struct kernel_policy){
					.src = *(o ? &l[i] : &r[j]),
					.dst = *(o ? &r[j] : &l[i]),
					.dir = (enum kernel_dir)dir,
					.priority = 1000 + bits * 2 -
					    (uint32_t)(l[i].len + r[j].len) / 2,
					.reqid = reqid,
					.tmpl_src = o ? c->local_addr :
							c->remote_addr,
					.tmpl_dst = o ? c->remote_addr :
							c->local_addr,
					.mark = c->mark,
					.mark_mask = c->mark ? ~0u : 0,
					.if_id = c->if_id,
				};
			}
	return n;
}

static struct kernel_policy *
policies_of(const struct ike_tunnel_conf *c, uint32_t reqid, size_t *n)
{
	struct kernel_policy *p;

	*n = policy_list(c, reqid, NULL);
	if ((p = calloc(*n ? *n : 1, sizeof(*p))) != NULL)
		policy_list(c, reqid, p);
	return p;
}

/* Removes the policies of list a that are not in list b. */
static void
policies_del_except(struct ike_engine *e, const struct kernel_policy *a,
    size_t na, const struct kernel_policy *b, size_t nb)
{
	for (size_t i = 0; i < na; i++) {
		bool keep = false;

		for (size_t j = 0; j < nb && !keep; j++)
			keep = kernel_policy_same(&a[i], &b[j]);
		if (!keep)
			e->p.kernel->policy_del(e->p.kernel_arg, &a[i]);
	}
}

/*
 * Moves the kernel from the policies of conf from to those of conf to
 * (from NULL: none): the new ones in first (an add of an existing one
 * updates it), then the old ones that are gone, so that no packet finds
 * no policy in between.  On a failure the kernel is left as from had it.
 */
int
policies_move(struct ike_engine *e, uint32_t reqid,
    const struct ike_tunnel_conf *from, const struct ike_tunnel_conf *to,
    struct diag *d)
{
	size_t na = 0, nb = 0, done = 0;
	struct kernel_policy *a = from ? policies_of(from, reqid, &na) : NULL;
	struct kernel_policy *b = to ? policies_of(to, reqid, &nb) : NULL;
	int rc = -ENOMEM;

	if ((from && a == NULL) || (to && b == NULL))
		goto out;
	for (rc = 0; done < nb && rc == 0; done++)
		rc = e->p.kernel->policy_add(e->p.kernel_arg, &b[done], d);
	if (rc < 0) {
		policies_del_except(e, b, done, a, na);
		for (size_t i = 0; i < na; i++)
			e->p.kernel->policy_add(e->p.kernel_arg, &a[i], NULL);
		goto out;
	}
	policies_del_except(e, a, na, b, nb);
out:
	free(a);
	free(b);
	return rc;
}

int
policies_install(struct ike_engine *e, struct ike_tunnel *t, struct diag *d)
{
	int rc;

	if (t->policies_installed)
		return 0;
	if ((rc = policies_move(e, t->reqid, NULL, &t->conf, d)) < 0)
		return rc;
	t->policies_installed = true;
	return 0;
}

void
policies_remove(struct ike_engine *e, struct ike_tunnel *t)
{
	if (!t->policies_installed)
		return;
	policies_move(e, t->reqid, &t->conf, NULL, NULL);
	t->policies_installed = false;
}

bool
policies_differ(const struct ike_tunnel_conf *a,
    const struct ike_tunnel_conf *b)
{
	return a->route_based != b->route_based || a->mark != b->mark ||
	    a->if_id != b->if_id || a->n_local != b->n_local ||
	    a->n_remote != b->n_remote ||
	    memcmp(a->local_nets, b->local_nets,
		a->n_local * sizeof(a->local_nets[0])) != 0 ||
	    memcmp(a->remote_nets, b->remote_nets,
		a->n_remote * sizeof(a->remote_nets[0])) != 0;
}
