/*
 * config/file.c: the configuration file.  Reading goes through libconfig
 * and refuses unknown keys and wrong types with "file:line: message";
 * every value then goes through the same setters the CLI uses.  Writing is
 * our own emitter (libconfig 1.5 writes in place, without fsync) into a
 * temporary file that is fsynced and renamed over the old one.
 *
 *   hostname = "fw1";
 *   interfaces = ( { name = "wan1"; address = "203.0.113.2/24"; } );
 *   vlans = ( { id = 20; name = "office"; subnet = "10.20.5.0/24"; } );
 *   (a value of each family: subnet = [ "10.20.5.0/24", "2001:db8::/64" ];)
 *   client-vpn = { pool = "10.99.0.0/24"; };
 *   metrics = { listen = "127.0.0.1:9472"; };
 *   tunnels = ( { name = "b1"; remote-network = [ "10.1.0.0/16" ]; } );
 *   commit = { version = 3; ... };	(history files only)
 */
#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <libgen.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "config/config_private.h"

struct loader {
	const char *file;
	struct diag *d;
	struct config *c;
	struct config_commit_info *info;
};

static int at(struct loader *l, const config_setting_t *s, const char *fmt, ...)
    TUNSH_PRINTF(3, 4);

/* "file:line: message"; always returns -EINVAL for the caller. */
static int
at(struct loader *l, const config_setting_t *s, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_error(l->d, "%s:%u: %s", l->file, config_setting_source_line(s),
	    msg);
	return -EINVAL;
}

/* Setter messages get the location in front. */
static int
relay(struct loader *l, const config_setting_t *s, struct diag *sub, int rc)
{
	for (size_t i = 0; i < sub->count; i++)
		at(l, s, "%s", sub->entries[i].text);
	diag_clear(sub);
	return rc;
}

static const char *
type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP:
		return "a group { ... }";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "a number";
	case CONFIG_TYPE_FLOAT:
		return "a decimal number";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "true or false";
	case CONFIG_TYPE_ARRAY:
		return "an array [ ... ]";
	case CONFIG_TYPE_LIST:
		return "a list ( ... )";
	}
	return "unknown";
}

static int
want(struct loader *l, const config_setting_t *s, int type, const char *what)
{
	int t = config_setting_type(s);

	if (t == type || (type == CONFIG_TYPE_INT && t == CONFIG_TYPE_INT64))
		return 0;
	return at(l, s, "%s must be %s, not %s", what, type_name(type),
	    type_name(t));
}

static int
unknown(struct loader *l, const config_setting_t *s, const char *where,
    const char *known)
{
	return at(l, s, "unknown setting \"%s\" in %s (known: %s)",
	    config_setting_name(s), where, known);
}

/* A named string member of a group, checked for type; NULL if absent. */
static const char *
member_string(struct loader *l, const config_setting_t *g, const char *key,
    int *rc)
{
	config_setting_t *m = config_setting_get_member(g, key);

	if (m == NULL)
		return NULL;
	if (want(l, m, CONFIG_TYPE_STRING, key) < 0) {
		*rc = -EINVAL;
		return NULL;
	}
	return config_setting_get_string(m);
}

static int
check_keys(struct loader *l, const config_setting_t *g, const char *where,
    const char *const *keys, const char *known)
{
	int rc = 0;

	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *m =
		    config_setting_get_elem(g, (unsigned)i);
		const char *name = config_setting_name(m);
		size_t k = 0;

		while (keys[k] != NULL && strcmp(keys[k], name) != 0)
			k++;
		if (keys[k] == NULL)
			rc = unknown(l, m, where, known);
	}
	return rc;
}

/*
 * A value given once per family (an interface's address and gateway, a
 * VLAN's subnet): a string, or an array of two strings, one of each
 * family ( address = [ "203.0.113.2/24", "2001:db8::2/64" ]; ), so that
 * files of one family load as they always did.  Each goes through set.
 */
static int
load_per_family(struct loader *l, const config_setting_t *g, const char *key,
    const char *who, void *obj,
    int (*set)(struct config *, void *, const char *, struct diag *))
{
	config_setting_t *m = config_setting_get_member(g, key);
	const char *seen[CONFIG_FAMILIES] = { NULL, NULL };
	struct diag sub;
	int rc = 0, n;

	if (m == NULL)
		return 0;
	if (config_setting_type(m) == CONFIG_TYPE_STRING) {
		n = 1;
	} else if (config_setting_type(m) == CONFIG_TYPE_ARRAY) {
		n = config_setting_length(m);
		if (n < 1 || n > CONFIG_FAMILIES)
			return at(l, m,
			    "%s: %s takes one value, or two: one IPv4 and one "
			    "IPv6",
			    who, key);
	} else {
		return at(l, m,
		    "%s must be a string, or an array [ ... ] of an IPv4 and "
		    "an IPv6 one, not %s",
		    key, type_name(config_setting_type(m)));
	}
	diag_init(&sub);
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = n == 1 &&
			config_setting_type(m) == CONFIG_TYPE_STRING ?
		    m :
		    config_setting_get_elem(m, (unsigned)i);
		const char *v;
		int slot;

		if (want(l, e, CONFIG_TYPE_STRING, key) < 0)
			return -EINVAL;
		v = config_setting_get_string(e);
		slot = config_slot(strchr(v, ':') ? AF_INET6 : AF_INET);
		if (seen[slot] != NULL) {
			rc = at(l, e,
			    "%s: two %s %ss (%s and %s): one per family; keep "
			    "one",
			    who, slot == CONFIG_V6 ? "IPv6" : "IPv4", key,
			    seen[slot], v);
			continue;
		}
		seen[slot] = v;
		if (set(l->c, obj, v, &sub) < 0)
			rc = relay(l, e, &sub, -EINVAL);
	}
	return rc;
}

static int
set_if_address(struct config *c, void *i, const char *v, struct diag *d)
{
	return config_interface_set_address(c, i, v, d);
}

static int
set_if_gateway(struct config *c, void *i, const char *v, struct diag *d)
{
	return config_interface_set_gateway(c, i, v, d);
}

static int
set_vlan_subnet(struct config *c, void *v, const char *s, struct diag *d)
{
	return config_vlan_set_subnet(c, v, s, d);
}

static int
load_interface(struct loader *l, const config_setting_t *g)
{
	static const char *const keys[] = { "name", "address", "gateway",
		NULL };
	struct config_interface *f;
	struct diag sub;
	const char *name;
	char who[CONFIG_IFNAME_MAX + 16];
	int rc = 0;

	if (want(l, g, CONFIG_TYPE_GROUP, "an interface") < 0)
		return -EINVAL;
	rc = check_keys(l, g, "an interface", keys, "name, address, gateway");
	name = member_string(l, g, "name", &rc);
	if (name == NULL)
		return rc < 0 ? rc : at(l, g, "interface without a name");
	if (config_interface_find(l->c, name) != NULL)
		return at(l, g, "interface %s is defined twice", name);
	diag_init(&sub);
	if ((f = config_interface_edit(l->c, name, &sub)) == NULL)
		return relay(l, g, &sub, -EINVAL);
	snprintf(who, sizeof(who), "interface %s", name);
	if (load_per_family(l, g, "address", who, f, set_if_address) < 0)
		rc = -EINVAL;
	if (load_per_family(l, g, "gateway", who, f, set_if_gateway) < 0)
		rc = -EINVAL;
	return rc;
}

static int
load_vlan(struct loader *l, const config_setting_t *g)
{
	static const char *const keys[] = { "id", "name", "subnet", NULL };
	config_setting_t *idm;
	struct config_vlan *v;
	struct diag sub;
	const char *s;
	char who[16];
	long long id;
	int rc;

	if (want(l, g, CONFIG_TYPE_GROUP, "a vlan") < 0)
		return -EINVAL;
	rc = check_keys(l, g, "a vlan", keys, "id, name, subnet");
	if ((idm = config_setting_get_member(g, "id")) == NULL)
		return at(l, g, "vlan without an id");
	if (want(l, idm, CONFIG_TYPE_INT, "id") < 0)
		return -EINVAL;
	id = config_setting_get_int64(idm);
	if (id < CONFIG_VLAN_MIN || id > CONFIG_VLAN_MAX)
		return at(l, idm, "vlan %lld: a VLAN ID is 1-4094", id);
	if (config_vlan_find(l->c, (uint16_t)id) != NULL)
		return at(l, idm, "vlan %lld is defined twice", id);
	diag_init(&sub);
	if ((v = config_vlan_edit(l->c, (unsigned)id, &sub)) == NULL)
		return relay(l, g, &sub, -ENOMEM);
	if ((s = member_string(l, g, "name", &rc)) != NULL &&
	    config_vlan_set_name(l->c, v, s, &sub) < 0)
		rc = relay(l, config_setting_get_member(g, "name"), &sub,
		    -EINVAL);
	snprintf(who, sizeof(who), "vlan %lld", id);
	if (load_per_family(l, g, "subnet", who, v, set_vlan_subnet) < 0)
		rc = -EINVAL;
	return rc;
}

/* One tunnel setting: its libconfig type must match its kind. */
static int
load_field(struct loader *l, struct config_tunnel *t, const config_setting_t *m)
{
	const struct config_field_info *fi =
	    config_field_lookup(config_setting_name(m));
	struct diag sub;
	char num[24];
	int type = config_setting_type(m), rc = 0;

	if (fi == NULL || strcmp(fi->key, config_setting_name(m)) != 0)
		return at(l, m,
		    "unknown setting \"%s\" in ipsec tunnel %s (see "
		    "tunsh.conf(5) for the list)",
		    config_setting_name(m), t->name);
	diag_init(&sub);
	switch (fi->kind) {
	case CFK_FLAG:
	case CFK_YESNO:
		if (want(l, m, CONFIG_TYPE_BOOL, fi->key) < 0)
			return -EINVAL;
		rc = config_tunnel_set(t, fi->id,
		    config_setting_get_bool(m) ? "yes" : "no", &sub);
		break;
	case CFK_SECONDS:
	case CFK_COUNT:
		if (type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64) {
			snprintf(num, sizeof(num), "%lld",
			    config_setting_get_int64(m));
			if (num[0] == '-')
				return at(l, m, "%s cannot be negative",
				    fi->key);
			rc = config_tunnel_set(t, fi->id, num, &sub);
		} else if (type == CONFIG_TYPE_STRING) {
			rc = config_tunnel_set(t, fi->id,
			    config_setting_get_string(m), &sub);
		} else {
			return at(l, m, "%s must be %s, not %s", fi->key,
			    fi->kind == CFK_COUNT ?
				"a number" :
				"a number of seconds or a string like \"8h\"",
			    type_name(type));
		}
		break;
	case CFK_PREFIXES:
	case CFK_LOCALNETS:
	case CFK_PROPOSALS:
		if (want(l, m, CONFIG_TYPE_ARRAY, fi->key) < 0)
			return -EINVAL;
		for (int i = 0; i < config_setting_length(m); i++) {
			const config_setting_t *e =
			    config_setting_get_elem(m, (unsigned)i);

			if (want(l, e, CONFIG_TYPE_STRING, fi->key) < 0)
				return -EINVAL;
			if (config_tunnel_set(t, fi->id,
				config_setting_get_string(e), &sub) < 0)
				rc = -EINVAL;
		}
		break;
	default:
		if (want(l, m, CONFIG_TYPE_STRING, fi->key) < 0)
			return -EINVAL;
		rc = config_tunnel_set(t, fi->id, config_setting_get_string(m),
		    &sub);
		break;
	}
	return relay(l, m, &sub, rc);
}

static int
load_tunnel(struct loader *l, const config_setting_t *g)
{
	struct config_tunnel *t;
	const config_setting_t *pt;
	struct diag sub;
	const char *name;
	int rc = 0;

	if (want(l, g, CONFIG_TYPE_GROUP, "a tunnel") < 0)
		return -EINVAL;
	name = member_string(l, g, "name", &rc);
	if (name == NULL)
		return rc < 0 ? rc : at(l, g, "tunnel without a name");
	if (config_tunnel_find(l->c, name) != NULL)
		return at(l, g, "ipsec tunnel %s is defined twice", name);
	diag_init(&sub);
	if ((t = config_tunnel_edit(l->c, name, true, &sub)) == NULL)
		return relay(l, g, &sub, -EINVAL);
	/* The partner preset first, so explicit settings land on top. */
	if ((pt = config_setting_get_member(g, "partner-type")) != NULL &&
	    load_field(l, t, pt) < 0)
		rc = -EINVAL;
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *m =
		    config_setting_get_elem(g, (unsigned)i);

		if (m == pt || strcmp(config_setting_name(m), "name") == 0)
			continue;
		if (load_field(l, t, m) < 0)
			rc = -EINVAL;
	}
	return rc;
}

static int
load_list(struct loader *l, const config_setting_t *s,
    int (*one)(struct loader *, const config_setting_t *))
{
	int rc = 0;

	if (want(l, s, CONFIG_TYPE_LIST, config_setting_name(s)) < 0)
		return -EINVAL;
	for (int i = 0; i < config_setting_length(s); i++)
		if (one(l, config_setting_get_elem(s, (unsigned)i)) < 0)
			rc = -EINVAL;
	return rc;
}

static int
load_pool(struct loader *l, const config_setting_t *g)
{
	static const char *const keys[] = { "pool", NULL };
	struct diag sub;
	const char *v;
	int rc;

	if (want(l, g, CONFIG_TYPE_GROUP, "client-vpn") < 0)
		return -EINVAL;
	rc = check_keys(l, g, "client-vpn", keys, "pool");
	diag_init(&sub);
	if ((v = member_string(l, g, "pool", &rc)) != NULL &&
	    config_set_pool(l->c, v, &sub) < 0)
		rc = relay(l, config_setting_get_member(g, "pool"), &sub,
		    -EINVAL);
	return rc;
}

static int
load_metrics(struct loader *l, const config_setting_t *g)
{
	static const char *const keys[] = { "listen", NULL };
	struct diag sub;
	const char *v;
	int rc;

	if (want(l, g, CONFIG_TYPE_GROUP, "metrics") < 0)
		return -EINVAL;
	rc = check_keys(l, g, "metrics", keys, "listen");
	diag_init(&sub);
	if ((v = member_string(l, g, "listen", &rc)) != NULL &&
	    config_set_metrics_listen(l->c, v, &sub) < 0)
		rc = relay(l, config_setting_get_member(g, "listen"), &sub,
		    -EINVAL);
	return rc;
}

static int
load_commit(struct loader *l, const config_setting_t *g)
{
	static const struct {
		const char *key;
		size_t off, len;
	} strs[] = {
		{ "user", offsetof(struct config_commit_info, user), 33 },
		{ "source", offsetof(struct config_commit_info, source), 128 },
		{ "comment", offsetof(struct config_commit_info, comment),
		    256 },
		{ "summary", offsetof(struct config_commit_info, summary),
		    256 },
	};
	static const char *const keys[] = { "version", "time", "user", "source",
		"comment", "summary", "confirm-deadline", "confirm-seconds",
		NULL };
	const config_setting_t *m;
	const char *v;
	int rc;

	if (want(l, g, CONFIG_TYPE_GROUP, "commit") < 0)
		return -EINVAL;
	rc = check_keys(l, g, "commit", keys,
	    "version, time, user, source, comment, summary, "
	    "confirm-deadline, confirm-seconds");
	if (l->info == NULL)
		return rc;
	memset(l->info, 0, sizeof(*l->info));
	if ((m = config_setting_get_member(g, "version")) != NULL &&
	    want(l, m, CONFIG_TYPE_INT, "version") == 0)
		l->info->version = (uint64_t)config_setting_get_int64(m);
	if ((m = config_setting_get_member(g, "time")) != NULL &&
	    want(l, m, CONFIG_TYPE_INT, "time") == 0)
		l->info->time = config_setting_get_int64(m);
	if ((m = config_setting_get_member(g, "confirm-deadline")) != NULL &&
	    want(l, m, CONFIG_TYPE_INT, "confirm-deadline") == 0)
		l->info->confirm_deadline = config_setting_get_int64(m);
	if ((m = config_setting_get_member(g, "confirm-seconds")) != NULL &&
	    want(l, m, CONFIG_TYPE_INT, "confirm-seconds") == 0)
		l->info->confirm_seconds =
		    (unsigned)config_setting_get_int64(m);
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		if ((v = member_string(l, g, strs[i].key, &rc)) != NULL)
			snprintf((char *)l->info + strs[i].off, strs[i].len,
			    "%s", v);
	return rc;
}

static struct config *
load(config_t *lc, int read_ok, const char *name,
    struct config_commit_info *info, struct diag *d)
{
	struct loader l = { .file = name, .d = d, .info = info };
	config_setting_t *root;
	int rc = 0;

	if (read_ok != CONFIG_TRUE) {
		diag_error(d, "%s:%d: %s",
		    config_error_file(lc) ? config_error_file(lc) : name,
		    config_error_line(lc),
		    config_error_text(lc) ? config_error_text(lc) :
					    "cannot read the file");
		return NULL;
	}
	if ((l.c = config_new()) == NULL) {
		diag_error(d, "%s: out of memory", name);
		return NULL;
	}
	root = config_root_setting(lc);
	for (int i = 0; i < config_setting_length(root); i++) {
		const config_setting_t *s =
		    config_setting_get_elem(root, (unsigned)i);
		const char *key = config_setting_name(s);
		struct diag sub;

		diag_init(&sub);
		if (strcmp(key, "hostname") == 0) {
			if (want(&l, s, CONFIG_TYPE_STRING, key) < 0)
				rc = -EINVAL;
			else if (config_set_hostname(l.c,
				     config_setting_get_string(s), &sub) < 0)
				rc = relay(&l, s, &sub, -EINVAL);
		} else if (strcmp(key, "interfaces") == 0) {
			rc |= load_list(&l, s, load_interface);
		} else if (strcmp(key, "vlans") == 0) {
			rc |= load_list(&l, s, load_vlan);
		} else if (strcmp(key, "client-vpn") == 0) {
			rc |= load_pool(&l, s);
		} else if (strcmp(key, "metrics") == 0) {
			rc |= load_metrics(&l, s);
		} else if (strcmp(key, "tunnels") == 0) {
			rc |= load_list(&l, s, load_tunnel);
		} else if (strcmp(key, "commit") == 0) {
			rc |= load_commit(&l, s);
		} else {
			rc = unknown(&l, s, "the file",
			    "hostname, interfaces, "
			    "vlans, client-vpn, metrics, tunnels");
		}
	}
	if (rc != 0 || d->oom) {
		config_free(l.c);
		return NULL;
	}
	/* A loaded configuration is a fresh one, not a set of edits. */
	l.c->n_touched = 0;
	l.c->system_changed = false;
	return l.c;
}

struct config *
config_load_string(const char *text, const char *name, struct diag *d)
{
	return config_load_string_info(text, name, NULL, d);
}

/*
 * libconfig's @include reads any file the text names (and libconfig 1.5
 * has no way to turn it off): a tunsh configuration is one file.
 */
static int
refuse_include(const char *text, const char *name, struct diag *d)
{
	const char *at = strcasestr(text, "@include");
	unsigned line = 1;

	if (at == NULL)
		return 0;
	for (const char *p = text; p < at; p++)
		line += *p == '\n';
	diag_error(d,
	    "%s:%u: @include is not allowed: a tunsh configuration "
	    "is one file",
	    name, line);
	return -EINVAL;
}

struct config *
config_load_string_info(const char *text, const char *name,
    struct config_commit_info *info, struct diag *d)
{
	struct config *c;
	config_t lc;

	if (refuse_include(text, name, d) < 0)
		return NULL;
	config_init(&lc);
	c = load(&lc, config_read_string(&lc, text), name, info, d);
	config_destroy(&lc);
	return c;
}

/* What kind of file a mode is, for a refusal. */
static const char *
kind_of(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

/*
 * The size is checked twice: by fstat, and while reading, since a file can
 * grow between the two (a log being written, a sparse file extended).
 */
int
config_file_read_fd(int fd, const char *name, char **text, size_t *len,
    struct diag *d)
{
	size_t cap, n = 0;
	struct stat st;
	ssize_t got;
	char *buf;

	*text = NULL;
	*len = 0;
	if (fstat(fd, &st) < 0) {
		diag_error(d, "%s: %s", name, strerror(errno));
		return -errno;
	}
	if (!S_ISREG(st.st_mode)) {
		diag_error(d, "%s is %s: give a regular file", name,
		    kind_of(st.st_mode));
		return -EINVAL;
	}
	if ((uint64_t)st.st_size > CONFIG_FILE_MAX)
		goto too_big;
	cap = (size_t)st.st_size + 1;
	if ((buf = malloc(cap)) == NULL) {
		diag_error(d, "%s: out of memory", name);
		return -ENOMEM;
	}
	for (;;) {
		if (n + 1 == cap) {
			char *p;

			if (n >= CONFIG_FILE_MAX) {
				explicit_bzero(buf, n);
				free(buf);
				goto too_big;
			}
			cap = cap * 2 > CONFIG_FILE_MAX + 1 ?
			    CONFIG_FILE_MAX + 1 :
			    cap * 2;
			if ((p = realloc(buf, cap)) == NULL) {
				explicit_bzero(buf, n);
				free(buf);
				diag_error(d, "%s: out of memory", name);
				return -ENOMEM;
			}
			buf = p;
		}
		got = read(fd, buf + n, cap - 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	buf[n] = '\0';
	if (got < 0 || memchr(buf, '\0', n) != NULL) {
		diag_error(d, "%s: %s", name,
		    got < 0 ? strerror(errno) :
			      "holds a NUL byte: not a text file");
		explicit_bzero(buf, n);
		free(buf);
		return -EINVAL;
	}
	*text = buf;
	*len = n;
	return 0;
too_big:
	diag_error(d,
	    "%s is larger than %u MiB, the limit for a "
	    "configuration or command file: split it",
	    name, CONFIG_FILE_MAX >> 20);
	return -EFBIG;
}

int
config_file_read(const char *path, char **text, size_t *len, struct diag *d)
{
	int fd, rc;

	/* O_NONBLOCK: a FIFO must not block the open, a device is refused
	 * after fstat without a read.  O_NOCTTY: a terminal never becomes
	 * the daemon's. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		diag_error(d, "%s: %s", path, strerror(errno));
		return rc;
	}
	rc = config_file_read_fd(fd, path, text, len, d);
	close(fd);
	return rc;
}

static struct config *
load_path(const char *path, struct config_commit_info *info, struct diag *d)
{
	struct config *c;
	size_t n;
	char *text;

	if (config_file_read(path, &text, &n, d) < 0)
		return NULL;
	c = config_load_string_info(text, path, info, d);
	/* The text holds pre-shared keys. */
	explicit_bzero(text, n);
	free(text);
	return c;
}

struct config *
config_load_file(const char *path, struct diag *d)
{
	return load_path(path, NULL, d);
}

struct config *
config_load_history(const char *path, struct config_commit_info *info,
    struct diag *d)
{
	return load_path(path, info, d);
}

/* Writing */

static void
put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s < 0x20)
			fprintf(f, "\\x%02x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void
put_kv(FILE *f, const char *indent, const char *key, const char *value)
{
	fprintf(f, "%s%s = ", indent, key);
	put_string(f, value);
	fputs(";\n", f);
}

static void
write_tunnel(FILE *f, const struct config_tunnel *t)
{
	char val[CONFIG_PROPOSAL_LEN + CONFIG_HOST_MAX];

	fputs("  {\n", f);
	put_kv(f, "    ", "name", t->name);
	for (enum config_field fl = 0; fl < CF__COUNT; fl++) {
		const struct config_field_info *fi = config_field_info(fl);
		size_t n;

		if (!config_tunnel_is_set(t, fl))
			continue;
		n = config_tunnel_format(t, fl, 0, true, val, sizeof(val));
		switch (fi->kind) {
		case CFK_FLAG:
		case CFK_YESNO:
			fprintf(f, "    %s = %s;\n", fi->key,
			    strcmp(val, "yes") == 0 ? "true" : "false");
			break;
		case CFK_SECONDS:
		case CFK_COUNT:
			fprintf(f, "    %s = %s;\n", fi->key, val);
			break;
		case CFK_PREFIXES:
		case CFK_LOCALNETS:
		case CFK_PROPOSALS:
			fprintf(f, "    %s = [ ", fi->key);
			for (size_t i = 0; i < n; i++) {
				config_tunnel_format(t, fl, i, true, val,
				    sizeof(val));
				if (i > 0)
					fputs(", ", f);
				put_string(f, val);
			}
			fputs(" ];\n", f);
			break;
		default:
			put_kv(f, "    ", fi->key, val);
			break;
		}
	}
	explicit_bzero(val, sizeof(val));
	fputs("  }", f);
}

/* " key = "v";" for one family, " key = [ "v4", "v6" ];" for both. */
static void
put_per_family(FILE *f, const char *key, const struct ipaddr *slots,
    bool prefix)
{
	char a[IPADDR_STRLEN];
	int n = (slots[CONFIG_V4].family != 0) + (slots[CONFIG_V6].family != 0);

	if (n == 0)
		return;
	fprintf(f, " %s = %s", key, n > 1 ? "[ " : "");
	for (int i = 0, k = 0; i < CONFIG_FAMILIES; i++) {
		if (slots[i].family == 0)
			continue;
		if (prefix)
			ipaddr_format_prefix(&slots[i], a, sizeof(a));
		else
			ipaddr_format(&slots[i], a, sizeof(a));
		fprintf(f, "%s\"%s\"", k++ ? ", " : "", a);
	}
	fputs(n > 1 ? " ];" : ";", f);
}

static void
write_body(const struct config *c, FILE *f)
{
	char p[IPADDR_STRLEN];

	put_kv(f, "", "hostname", c->hostname);
	fputs("interfaces = (", f);
	for (size_t i = 0; i < c->n_ifaces; i++) {
		const struct config_interface *x = &c->ifaces[i];

		fprintf(f, "%s\n  { name = ", i ? "," : "");
		put_string(f, x->name);
		fputs(";", f);
		put_per_family(f, "address", x->addr, true);
		put_per_family(f, "gateway", x->gateway, false);
		fputs(" }", f);
	}
	fputs("\n);\nvlans = (", f);
	for (size_t i = 0; i < c->n_vlans; i++) {
		const struct config_vlan *v = &c->vlans[i];

		fprintf(f, "%s\n  { id = %u;", i ? "," : "", v->id);
		if (v->name[0] != '\0') {
			fputs(" name = ", f);
			put_string(f, v->name);
			fputs(";", f);
		}
		put_per_family(f, "subnet", v->subnet, true);
		fputs(" }", f);
	}
	fputs("\n);\n", f);
	if (c->pool.family != 0) {
		ipaddr_format_prefix(&c->pool, p, sizeof(p));
		fprintf(f, "client-vpn = { pool = \"%s\"; };\n", p);
	}
	if (c->metrics_listen[0] != '\0') {
		fputs("metrics = { listen = ", f);
		put_string(f, c->metrics_listen);
		fputs("; };\n", f);
	}
	fputs("tunnels = (", f);
	for (size_t i = 0; i < c->n_tunnels; i++) {
		fputs(i ? ",\n" : "\n", f);
		write_tunnel(f, c->tunnels[i]);
	}
	fputs("\n);\n", f);
}

int
config_file_write(const struct config *c, FILE *f)
{
	fputs(
	    "# tunsh configuration, written by tunshd: change it with tunsh.\n"
	    "# Holds pre-shared keys: keep it mode 0600.  See tunsh.conf(5).\n",
	    f);
	write_body(c, f);
	return ferror(f) ? -EIO : 0;
}

int
config_write_record(const struct config_commit_info *info, FILE *f)
{
	fprintf(f,
	    "# tunsh commit %llu: the record of history file %010llu.conf\n"
	    "commit = {\n  version = %llu;\n  time = %lldL;\n",
	    (unsigned long long)info->version,
	    (unsigned long long)info->version,
	    (unsigned long long)info->version, (long long)info->time);
	put_kv(f, "  ", "user", info->user);
	put_kv(f, "  ", "source", info->source);
	put_kv(f, "  ", "comment", info->comment);
	put_kv(f, "  ", "summary", info->summary);
	if (info->confirm_deadline != 0)
		fprintf(f,
		    "  confirm-deadline = %lldL;\n  confirm-seconds = %u;\n",
		    (long long)info->confirm_deadline, info->confirm_seconds);
	fputs("};\n", f);
	return ferror(f) ? -EIO : 0;
}

int
save_atomic(const char *path, int (*write_fn)(FILE *, const void *),
    const void *arg, void (*before_rename)(void *), void *hook_arg,
    struct diag *d)
{
	char tmp[4096], dir[4096], base[4096], buf[1 << 16];
	const char *dn;
	int fd, rc = -EIO;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s", path);
	snprintf(base, sizeof(base), "%s", path);
	dn = dirname(dir);
	snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dn, basename(base));
	if ((fd = mkstemp(tmp)) < 0) {
		rc = -errno;
		diag_error(d, "cannot write %s: %s", path, strerror(errno));
		return rc;
	}
	if (fchmod(fd, 0600) < 0 || (f = fdopen(fd, "w")) == NULL) {
		rc = -errno;
		diag_error(d, "cannot write %s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return rc;
	}
	setvbuf(f, buf, _IOFBF, sizeof(buf));
	if (write_fn(f, arg) < 0 || fflush(f) != 0 || fsync(fd) < 0) {
		rc = errno ? -errno : -EIO;
		diag_error(d, "cannot write %s: %s", tmp, strerror(-rc));
		fclose(f);
		OPENSSL_cleanse(buf, sizeof(buf));
		unlink(tmp);
		return rc;
	}
	/* The stdio buffer held the file's text, keys and all, and stays
	 * on the stack for the next deep call to find. */
	rc = fclose(f);
	OPENSSL_cleanse(buf, sizeof(buf));
	if (rc != 0) {
		diag_error(d, "cannot write %s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -EIO;
	}
	if (before_rename != NULL)
		before_rename(hook_arg);
	if (rename(tmp, path) < 0) {
		rc = -errno;
		diag_error(d, "cannot replace %s: %s", path, strerror(errno));
		unlink(tmp);
		return rc;
	}
	/* The rename is durable only once the directory is. */
	sync_dir(path);
	return 0;
}

void
sync_dir(const char *path)
{
	char dir[4096];
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((fd = open(dirname(dir), O_RDONLY | O_DIRECTORY)) >= 0) {
		fsync(fd);
		close(fd);
	}
}

static int
write_config_fn(FILE *f, const void *arg)
{
	return config_file_write(arg, f);
}

int
config_save_file(const struct config *c, const char *path,
    void (*before_rename)(void *), void *arg, struct diag *d)
{
	return save_atomic(path, write_config_fn, c, before_rename, arg, d);
}
