/*
 * lib/lib.h: the small shared pieces every other folder uses: diagnostics
 * lists for messages meant for a person, levelled logging, wipe-on-free
 * secret buffers, IPv4 prefixes and host names.  Nothing here knows about
 * tunnels, sessions or packets.
 */
#ifndef TUNSH_LIB_H
#define TUNSH_LIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h> /* AF_INET, AF_INET6 of struct ipaddr */
#include <sys/types.h>

#define TUNSH_PRINTF(f, a) __attribute__((format(printf, f, a)))

/*
 * Diagnostics: what library code says to a person.  Library code never
 * prints; it appends to a diag list that the caller shows (the shell with
 * cli_error(), tunshd --check-config on stderr) or logs.
 */
enum diag_severity {
	DIAG_ERROR,
	DIAG_WARNING,
};

struct diag_entry {
	enum diag_severity severity;
	char *text; /* one sentence, no trailing newline */
};

struct diag {
	struct diag_entry *entries;
	size_t count;
	size_t cap;
	size_t errors;
	size_t warnings;
	bool oom; /* an entry was lost to allocation failure */
};

void diag_init(struct diag *d);
void diag_clear(struct diag *d); /* frees the entries; reusable after */
/* Appends one formatted entry; returns 0 or -ENOMEM (and sets d->oom). */
int diag_add(struct diag *d, enum diag_severity sev, const char *fmt, ...)
    TUNSH_PRINTF(3, 4);
int diag_vadd(struct diag *d, enum diag_severity sev, const char *fmt,
    va_list ap) TUNSH_PRINTF(3, 0);
#define diag_error(d, ...) diag_add((d), DIAG_ERROR, __VA_ARGS__)
#define diag_warn(d, ...)  diag_add((d), DIAG_WARNING, __VA_ARGS__)
/* Moves every entry of src to the end of dst; src is left empty. */
int diag_move(struct diag *dst, struct diag *src);
/* Index of the first entry whose text equals s, or -1. */
ssize_t diag_find(const struct diag *d, const char *s);

/*
 * Room for need elements of size bytes in the array *arr (a pointer to
 * the array's pointer), whose capacity *cap grows by doubling, from 16;
 * realloc keeps what it holds.  0, or -ENOMEM with *arr and *cap as they
 * were.
 */
int lib_reserve(void *arr, size_t *cap, size_t need, size_t size);

/*
 * Logging: levelled, per subsystem, with the function name.  The default
 * sink writes "LEVEL subsys func: message" to stderr; tunshd replaces it.
 * Never pass key material or pre-shared keys to these functions.
 */
enum log_level {
	LOG_LVL_ERR,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

typedef void (*log_sink_fn)(enum log_level lvl, const char *subsys,
    const char *func, const char *msg, void *arg);

void log_set_sink(log_sink_fn fn, void *arg); /* NULL restores stderr */
void log_set_level(enum log_level max);
void log_msg(enum log_level lvl, const char *subsys, const char *func,
    const char *fmt, ...) TUNSH_PRINTF(4, 5);
const char *log_level_name(enum log_level lvl);
/* Keeps the last lines logged ("TIME LEVEL subsys: message") for show
 * log; 0 turns it off.  -ENOMEM leaves the old ring. */
int log_ring_init(size_t lines);
/* Calls fn with the last lines kept (at most last), oldest first. */
size_t log_ring_each(size_t last, void (*fn)(void *arg, const char *line),
    void *arg);

#define log_err(sub, ...)   log_msg(LOG_LVL_ERR, sub, __func__, __VA_ARGS__)
#define log_warn(sub, ...)  log_msg(LOG_LVL_WARN, sub, __func__, __VA_ARGS__)
#define log_info(sub, ...)  log_msg(LOG_LVL_INFO, sub, __func__, __VA_ARGS__)
#define log_debug(sub, ...) log_msg(LOG_LVL_DEBUG, sub, __func__, __VA_ARGS__)

/*
 * Secret buffers: the only place key material and pre-shared keys live.
 * Freed with OPENSSL_cleanse() over the whole allocation first.
 */
struct secbuf {
	size_t len;
	uint8_t data[]; /* len bytes, plus a NUL so text secrets are strings */
};

struct secbuf *secbuf_new(size_t len);		       /* zeroed; NULL on OOM */
struct secbuf *secbuf_from(const void *p, size_t len); /* copy */
struct secbuf *secbuf_from_str(const char *s);
struct secbuf *secbuf_dup(const struct secbuf *b); /* NULL in, NULL out */
void secbuf_free(struct secbuf *b);		   /* NULL is fine */
bool secbuf_equal(const struct secbuf *a, const struct secbuf *b);

/*
 * IPv4 addresses and prefixes, host byte order.  Parsers are strict: no
 * leading zeros, no missing octets, no host bits set in a prefix.
 */
struct prefix4 {
	uint32_t addr; /* network address, host byte order */
	uint8_t len;   /* 0..32 */
};

#define ADDR4_STRLEN   16 /* "255.255.255.255" + NUL */
#define PREFIX4_STRLEN 19 /* "255.255.255.255/32" + NUL */

int addr4_parse(const char *s, uint32_t *out);	      /* 0 or -EINVAL */
void addr4_format(uint32_t a, char *buf, size_t len); /* dotted quad */
/* "A.B.C.D/N" with no host bits; -EINVAL otherwise */
int prefix4_parse(const char *s, struct prefix4 *out);
/* "A.B.C.D/N" where host bits may be set (an interface address): the
 * address is kept whole in *addr, the length in *len */
int ifaddr4_parse(const char *s, uint32_t *addr, uint8_t *len);
void prefix4_format(const struct prefix4 *p, char *buf, size_t len);
uint32_t prefix4_mask(uint8_t len);		/* 0 for len 0 */
uint32_t prefix4_last(const struct prefix4 *p); /* last address covered */
bool prefix4_overlap(const struct prefix4 *a, const struct prefix4 *b);
bool prefix4_contains(const struct prefix4 *outer, uint32_t addr);
int prefix4_cmp(const struct prefix4 *a,
    const struct prefix4 *b); /* by addr, then len */

/*
 * An IP address or prefix of either family, ready for IPv6: the family
 * (AF_INET, AF_INET6; 0 = none), the address in network byte order and a
 * prefix length (32 or 128 for a single address).  IPv4 text is parsed as
 * strictly as addr4_parse(); IPv6 as inet_pton() reads it, printed back
 * in RFC 5952 form.
 */
struct ipaddr {
	uint8_t family;
	uint8_t len;
	uint8_t bytes[16];
};

#define IPADDR_STRLEN 50 /* INET6_ADDRSTRLEN (46, NUL included) + "/128" */

/* One address, no length: "192.0.2.1", "2001:db8::1"; 0 or -EINVAL. */
int ipaddr_parse(const char *s, struct ipaddr *out);
/* "ADDR/N" with no host bits set; 0 or -EINVAL. */
int ipaddr_parse_prefix(const char *s, struct ipaddr *out);
/* "ADDR/N" where host bits may be set (an interface's address, kept
 * whole with its prefix length); 0 or -EINVAL. */
int ipaddr_parse_ifaddr(const char *s, struct ipaddr *out);
/* The prefix of length len (at most the family's bits) holding a: its
 * host bits cleared ("2001:db8::1/64" -> "2001:db8::/64"). */
void ipaddr_mask(const struct ipaddr *a, unsigned len, struct ipaddr *out);
/* The address, then "/N" unless it is a single address. */
void ipaddr_format(const struct ipaddr *a, char *buf, size_t len);
void ipaddr_from4(uint32_t addr, uint8_t len, struct ipaddr *out);
/* The IPv4 address in host byte order; 0 for another family. */
uint32_t ipaddr_to4(const struct ipaddr *a);
bool ipaddr_equal(const struct ipaddr *a, const struct ipaddr *b);
/* 32, 128, or 0 for no family. */
unsigned ipaddr_bits(const struct ipaddr *a);
/* Prefixes of one family sharing an address; false across families. */
bool ipaddr_overlap(const struct ipaddr *a, const struct ipaddr *b);
/* addr (a prefix or a single address) lies wholly inside outer. */
bool ipaddr_contains(const struct ipaddr *outer, const struct ipaddr *addr);
/* A total order: family (IPv4 first), address, length; -1, 0 or 1. */
int ipaddr_cmp(const struct ipaddr *a, const struct ipaddr *b);
/* A prefix's first and last addresses, as single addresses. */
void ipaddr_range(const struct ipaddr *p, struct ipaddr *first,
    struct ipaddr *last);
/* The prefix covering exactly first..last, or -EINVAL when the range is
 * not one prefix (IKE traffic selectors are ranges, tunsh's are prefixes). */
int ipaddr_from_range(const struct ipaddr *first, const struct ipaddr *last,
    struct ipaddr *out);
/* The smallest prefix holding first..last (one family). */
void ipaddr_cover(const struct ipaddr *first, const struct ipaddr *last,
    struct ipaddr *out);
/* No family, or the family's whole space (0.0.0.0/0, ::/0). */
bool ipaddr_is_any(const struct ipaddr *a);
/* "ADDR/N" always, even for a single address (selectors, routes). */
void ipaddr_format_prefix(const struct ipaddr *a, char *buf, size_t len);
/* Socket address of a and port; its length, or 0 for no family. */
socklen_t ipaddr_to_sockaddr(const struct ipaddr *a, uint16_t port,
    struct sockaddr_storage *ss);
/* The address (a v4-mapped IPv6 address is IPv4) and port of sa;
 * port may be NULL; -EAFNOSUPPORT for another family. */
int ipaddr_from_sockaddr(const struct sockaddr *sa, struct ipaddr *out,
    uint16_t *port);
void ipaddr_from_prefix4(const struct prefix4 *p, struct ipaddr *out);
/* -EAFNOSUPPORT unless a is IPv4. */
int ipaddr_to_prefix4(const struct ipaddr *a, struct prefix4 *out);

/* RFC 1123 host label: 1-63 of [A-Za-z0-9-], not starting or ending in -. */
bool hostname_label_valid(const char *s);
/* A fully qualified domain name: dot-separated RFC 1123 labels, at most
 * 253 characters, at least one dot, and a last label that is not all
 * digits (RFC 3696 2: so that a mistyped IPv4 address is not a name). */
bool fqdn_valid(const char *s);

/*
 * Text a user gave, made safe for another person's terminal: each control
 * character (C0, DEL, C1) and each byte that is not well-formed UTF-8
 * becomes "\xHH" (ESC is "\x1b"); everything else, backslashes
 * included, is copied.  Writes at most len bytes with the NUL, never half
 * an escape or half a character, and returns the length of the whole
 * escaped text, as snprintf does: dst may be NULL when len is 0.
 */
size_t lib_escape_ctl(char *dst, size_t len, const char *src);
/* src holds nothing that lib_escape_ctl() would change. */
bool lib_ctl_free(const char *src);

#endif /* TUNSH_LIB_H */
