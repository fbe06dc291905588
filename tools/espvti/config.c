// SPDX-License-Identifier: GPL-2.0
/*
 * espvti: the config file of setconf: [Tunnel], [SA] and [Policy], read and
 * checked whole (as the kernel would check each request) before anything is
 * sent; and [Interface], the addresses, MTU and routes of the interface, which
 * setconf checks and leaves to espvti-quick (ifconf prints them).
 */
#include "espvti.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <sys/stat.h>

enum section { SEC_NONE, SEC_TUNNEL, SEC_SA, SEC_POLICY, SEC_INTERFACE };

/* A config file while it is read: the section it is in, its values so far. */
struct conf_parser {
	struct conf *conf;
	enum section section;
	unsigned int line;		/* where the section starts */
	char *vals[SA_N + 8];		/* by key; [SA] has the most */
	unsigned int lines[SA_N + 8];
	bool has_tunnel;
	bool has_policy;
	bool has_current;		/* an [SA] said Current = yes */
	bool inline_key;		/* an [SA] has a key in the file itself */
	unsigned int mtu_line;		/* where [Interface] said MTU */
};

static int conf_line(struct conf_parser *p, const struct origin *o, char *line);
static int conf_end_section(struct conf_parser *p);
static int conf_tunnel(struct conf_parser *p, const struct origin *o, const char *const *vals);
static int conf_sa(struct conf_parser *p, const struct origin *o, const char *const *vals);
static int conf_check_sa(const struct origin *o, const struct espvti_sa *sa);
static int conf_policy(struct conf_parser *p, const struct origin *o, const char *const *vals);
static int conf_interface(struct conf_parser *p, const struct origin *o, size_t k,
			  const char *val);
static int conf_finish(struct conf_parser *p);
static void conf_clear_vals(struct conf_parser *p);
static void bits_str(uint64_t bits, char *buf, size_t size);

/* The keys of a config file's [SA]: by enum sa_field, then the limits. */
static const struct keyword conf_sa_kws[SA_N + N_LIMITS] = {
	[SA_DIR]		= { .name = "Direction" },
	[SA_SPI]		= { .name = "SPI" },
	[SA_ALG]		= { .name = "Algorithm" },
	[SA_KEY]		= { .name = "Key" },
	[SA_AUTH_KEY]		= { .name = "AuthKey" },
	[SA_ICV]		= { .name = "ICV" },
	[SA_ESN]		= { .name = "ESN" },
	[SA_REPLAY_WINDOW]	= { .name = "ReplayWindow" },
	[SA_SEQ]		= { .name = NULL },	/* not in files */
	[SA_CURRENT]		= { .name = "Current" },
	[SA_N + 0]		= { .name = "TimeSoft" },
	[SA_N + 1]		= { .name = "TimeHard" },
	[SA_N + 2]		= { .name = "TimeUseSoft" },
	[SA_N + 3]		= { .name = "TimeUseHard" },
	[SA_N + 4]		= { .name = "ByteSoft" },
	[SA_N + 5]		= { .name = "ByteHard" },
	[SA_N + 6]		= { .name = "PacketSoft" },
	[SA_N + 7]		= { .name = "PacketHard" },
};

static const struct keyword conf_sel_kws[SEL_N] = {
	[SEL_FAMILY]	= { .name = "Family" },
	[SEL_SRC]	= { .name = "Src" },
	[SEL_DST]	= { .name = "Dst" },
	[SEL_PROTO]	= { .name = "Proto" },
	[SEL_SPORT]	= { .name = "SPort" },
	[SEL_DPORT]	= { .name = "DPort" },
};

enum { TUN_LOCAL, TUN_REMOTE, TUN_ENCAP, TUN_N = TUN_ENCAP + ENC_N };

static const struct keyword conf_tunnel_kws[TUN_N] = {
	[TUN_LOCAL]	= { .name = "Local" },
	[TUN_REMOTE]	= { .name = "Remote" },
	[TUN_ENCAP + ENC_ENCAP]		= { .name = "Encap" },
	[TUN_ENCAP + ENC_SPORT]		= { .name = "EncapSport" },
	[TUN_ENCAP + ENC_DPORT]		= { .name = "EncapDport" },
	[TUN_ENCAP + ENC_KEEPALIVE]	= { .name = "Keepalive" },
	[TUN_ENCAP + ENC_NAT]		= { .name = "NatFollow" },
};

/* [Interface]: Address and Route may be given more than once. */
enum { IF_ADDRESS, IF_MTU, IF_ROUTE, IF_N };

static const struct keyword conf_interface_kws[IF_N] = {
	[IF_ADDRESS]	= { .name = "Address" },
	[IF_MTU]	= { .name = "MTU" },
	[IF_ROUTE]	= { .name = "Route" },
};

/* The sections of a config file and their keys. */
static const struct {
	const char *name;
	const struct keyword *kws;
	size_t n;
} sections[] = {
	[SEC_TUNNEL]	= { "Tunnel", conf_tunnel_kws, TUN_N },
	[SEC_SA]	= { "SA", conf_sa_kws, SA_N + N_LIMITS },
	[SEC_POLICY]	= { "Policy", conf_sel_kws, SEL_N },
	[SEC_INTERFACE]	= { "Interface", conf_interface_kws, IF_N },
};

static_assert(N_LIMITS == 8, "struct conf_parser has room for 8 limits");

/*
 * Read the config file @path into @conf and check all of it: 0, or
 * ERR_USAGE after saying which line is wrong and why (ERR_FAIL when it
 * cannot be read).
 */
int conf_read(const char *path, struct conf *conf)
{
	struct conf_parser p = { .conf = conf };
	struct origin o = { .file = path };
	char *line = NULL, *slash;
	size_t cap = 0;
	int ret = 0;
	FILE *f;

	conf->path = path;
	conf->addrs.size = sizeof(struct conf_prefix);
	conf->routes.size = sizeof(struct conf_prefix);
	snprintf(conf->dir, sizeof(conf->dir), "%s", path);
	slash = strrchr(conf->dir, '/');
	if (slash == conf->dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		snprintf(conf->dir, sizeof(conf->dir), ".");
	f = fopen(path, "re");
	if (!f) {
		fprintf(stderr, "espvti: cannot open %s: %s\n", path, strerror(errno));
		return ERR_FAIL;
	}
	while (!ret && getline(&line, &cap, f) >= 0) {
		o.line++;
		ret = conf_line(&p, &o, line);
	}
	if (!ret && ferror(f)) {
		fprintf(stderr, "espvti: cannot read %s: %s\n", path, strerror(errno));
		ret = ERR_FAIL;
	}
	if (!ret)
		ret = conf_end_section(&p);
	/* Keys in the file itself: the file is as private as a key file. */
	if (!ret && p.inline_key)
		ret = key_file_private(NULL, -1, fileno(f), path);
	if (!ret)
		ret = conf_finish(&p);
	conf_clear_vals(&p);
	if (line)
		explicit_bzero(line, cap);	/* it may have held a key */
	free(line);
	fclose(f);
	return ret;
}

/* One line of a config file: a comment, a [SECTION] or KEY = VALUE. */
static int conf_line(struct conf_parser *p, const struct origin *o, char *line)
{
	const struct keyword *kws;
	char *s, *end, *key, *val;
	size_t k, n;
	int ret;

	s = strchr(line, '#');
	if (s)
		*s = '\0';
	s = trim(line);
	if (!*s)
		return 0;
	if (*s == '[') {
		end = s + strlen(s) - 1;
		if (*end != ']')
			return bad(o, -1, "a section starts with a line \"[NAME]\"");
		*end = '\0';
		s = trim(s + 1);
		ret = conf_end_section(p);
		if (ret)
			return ret;
		for (k = SEC_TUNNEL; k < MNL_ARRAY_SIZE(sections); k++) {
			if (!strcasecmp(s, sections[k].name))
				break;
		}
		if (k == MNL_ARRAY_SIZE(sections))
			return bad(o, -1,
				   "unknown section [%s]: [Interface], [Tunnel], [SA] or [Policy]",
				   s);
		if (k == SEC_TUNNEL && p->has_tunnel)
			return bad(o, -1, "a second [Tunnel]");
		if (k == SEC_INTERFACE && p->conf->has_interface)
			return bad(o, -1, "a second [Interface]");
		p->conf->has_interface |= k == SEC_INTERFACE;
		p->section = k;
		p->line = o->line;
		return 0;
	}
	val = strchr(s, '=');
	if (!val)
		return bad(o, -1, "not \"KEY = VALUE\", a \"[SECTION]\" or a # comment");
	*val++ = '\0';
	key = trim(s);
	val = trim(val);
	if (p->section == SEC_NONE)
		return bad(o, -1, "\"%s\" comes before any section", key);
	kws = sections[p->section].kws;
	n = sections[p->section].n;
	for (k = 0; k < n; k++) {
		if (kws[k].name && !strcasecmp(key, kws[k].name))
			break;
	}
	if (k == n)
		return bad(o, -1, "[%s] has no key \"%s\"", sections[p->section].name, key);
	if (p->section == SEC_INTERFACE)
		return conf_interface(p, o, k, val);
	if (p->vals[k])
		return bad(o, -1, "%s given twice in one [%s], first on line %u", kws[k].name,
			   sections[p->section].name, p->lines[k]);
	if (!*val)
		return bad(o, -1, "%s has no value", kws[k].name);
	p->vals[k] = strdup(val);
	if (!p->vals[k]) {
		fprintf(stderr, "espvti: out of memory\n");
		return ERR_FAIL;
	}
	p->lines[k] = o->line;
	return 0;
}

/* The section that ends here, checked and taken into the config. */
static int conf_end_section(struct conf_parser *p)
{
	struct origin o = {
		.file = p->conf->path, .line = p->line, .lines = p->lines,
		.kws = sections[p->section].kws,
	};
	const char *const *vals = (const char *const *)p->vals;
	int ret = 0;

	switch (p->section) {
	case SEC_NONE:
		break;
	case SEC_TUNNEL:
		ret = conf_tunnel(p, &o, vals);
		break;
	case SEC_SA:
		ret = conf_sa(p, &o, vals);
		break;
	case SEC_POLICY:
		ret = conf_policy(p, &o, vals);
		break;
	case SEC_INTERFACE:	/* taken line by line */
		break;
	}
	conf_clear_vals(p);
	p->section = SEC_NONE;
	return ret;
}

static int conf_tunnel(struct conf_parser *p, const struct origin *o, const char *const *vals)
{
	struct conf *conf = p->conf;

	p->has_tunnel = true;
	if (vals[TUN_LOCAL] && parse_addr(vals[TUN_LOCAL], &conf->local))
		return bad(o, TUN_LOCAL, "\"%s\": not an IPv4 or IPv6 address", vals[TUN_LOCAL]);
	if (vals[TUN_REMOTE] && parse_addr(vals[TUN_REMOTE], &conf->remote))
		return bad(o, TUN_REMOTE, "\"%s\": not an IPv4 or IPv6 address", vals[TUN_REMOTE]);
	if (conf->local.family && conf->remote.family && conf->local.family != conf->remote.family)
		return bad(o, TUN_REMOTE, "\"%s\": not of the family of Local", vals[TUN_REMOTE]);
	return encap_from_vals(o, vals, TUN_ENCAP, &conf->encap);
}

static int conf_sa(struct conf_parser *p, const struct origin *o, const char *const *vals)
{
	static const unsigned int required[] = { SA_DIR, SA_SPI, SA_ALG, SA_KEY };
	struct espvti_sa sa = {}, *s;
	struct life *life;
	uint64_t num;
	bool val;
	size_t i;
	int ret;

	for (i = 0; i < MNL_ARRAY_SIZE(required); i++) {
		if (!vals[required[i]])
			return bad(o, -1, "this [SA] has no %s", conf_sa_kws[required[i]].name);
	}
	p->inline_key |= vals[SA_KEY][0] != '@' ||
			 (vals[SA_AUTH_KEY] && vals[SA_AUTH_KEY][0] != '@');
	ret = sa_from_vals(o, vals, p->conf->dir, &sa);
	if (ret)
		goto out;
	ret = ERR_USAGE;
	if (sa.spi < SPI_MIN) {
		bad(o, SA_SPI, "\"%s\": 1 to 255 are reserved, an SPI is at least 256",
		    vals[SA_SPI]);
		goto out;
	}
	if (vals[SA_ESN]) {
		if (parse_bool(vals[SA_ESN], &val)) {
			bad(o, SA_ESN, "\"%s\": not yes or no", vals[SA_ESN]);
			goto out;
		}
		sa.esn = val;
	}
	if (vals[SA_CURRENT]) {
		if (parse_bool(vals[SA_CURRENT], &val)) {
			bad(o, SA_CURRENT, "\"%s\": not yes or no", vals[SA_CURRENT]);
			goto out;
		}
		if (sa.dir != ESPVTI_SA_DIR_OUT) {
			bad(o, SA_CURRENT, "is for outbound SAs");
			goto out;
		}
		if (val && p->has_current) {
			bad(o, SA_CURRENT, "yes in a second [SA]: one outbound SA is current");
			goto out;
		}
		p->has_current |= val;
		sa.has_current = true;
		sa.current = val;
	}
	for (i = 0; i < N_LIMITS; i++) {
		if (!vals[SA_N + i])
			continue;
		if (parse_uint(vals[SA_N + i], UINT64_MAX, false, &num)) {
			bad(o, SA_N + i, "\"%s\": not a number (0: no limit)", vals[SA_N + i]);
			goto out;
		}
		life = limits[i].hard ? &sa.hard : &sa.soft;
		life->v[limits[i].type - 1] = num;
	}
	if (conf_check_sa(o, &sa))
		goto out;
	for (i = 0, s = p->conf->sas.items; i < p->conf->sas.n; i++, s++) {
		if (s->dir == sa.dir && s->spi == sa.spi) {
			bad(o, SA_SPI, "\"%s\": a second [SA] with Direction = %s and this SPI",
			    vals[SA_SPI], dir_str(sa.dir));
			goto out;
		}
	}
	s = list_add(&p->conf->sas);
	if (!s) {
		fprintf(stderr, "espvti: out of memory\n");
		ret = ERR_FAIL;
		goto out;
	}
	*s = sa;
	ret = 0;
out:
	explicit_bzero(&sa, sizeof(sa));
	return ret;
}

/* An [SA]'s fields agree with its algorithm and each other, as the kernel wants. */
static int conf_check_sa(const struct origin *o, const struct espvti_sa *sa)
{
	unsigned int salt = alg_info[sa->alg].salt, auth = alg_info[sa->alg].auth_key;
	const char *alg = alg_names[sa->alg];
	char lens[32];
	size_t i, j;

	if (sa->key_len < salt || sa->key_len - salt > 32 ||
	    !(alg_info[sa->alg].key_lens & 1ull << (sa->key_len - salt))) {
		bits_str(alg_info[sa->alg].key_lens, lens, sizeof(lens));
		if (salt)
			return bad(o, SA_KEY, "has %zu bytes: %s takes %s, then %u of salt",
				   sa->key_len, alg, lens, salt);
		return bad(o, SA_KEY, "has %zu bytes: %s takes %s", sa->key_len, alg, lens);
	}
	if (auth && sa->auth_key_len != auth)
		return bad(o, sa->auth_key_len ? SA_AUTH_KEY : -1,
			   "%s needs an AuthKey of %u bytes", alg, auth);
	if (!auth && sa->auth_key_len)
		return bad(o, SA_AUTH_KEY, "is not for %s", alg);
	if (sa->has_icv && (sa->icv > 63 || !(alg_info[sa->alg].icv_lens & 1ull << sa->icv))) {
		bits_str(alg_info[sa->alg].icv_lens, lens, sizeof(lens));
		return bad(o, SA_ICV, "%u: %s takes %s", sa->icv, alg, lens);
	}
	if (sa->has_replay_window && sa->replay_window > REPLAY_WINDOW_MAX)
		return bad(o, SA_REPLAY_WINDOW, "%u: at most %u", sa->replay_window,
			   REPLAY_WINDOW_MAX);
	for (i = 0; i < N_LIMITS; i++) {
		uint16_t t = limits[i].type - 1;

		if (limits[i].hard || !sa->soft.v[t] || !sa->hard.v[t] ||
		    sa->soft.v[t] < sa->hard.v[t])
			continue;
		for (j = 0; j < N_LIMITS; j++) {
			if (limits[j].hard && limits[j].type == limits[i].type)
				break;
		}
		return bad(o, SA_N + i, "must be below %s", limits[j].conf);
	}
	return 0;
}

static int conf_policy(struct conf_parser *p, const struct origin *o, const char *const *vals)
{
	struct espvti_sel sel = {}, *s;
	int ret;

	ret = sel_from_vals(o, vals, &sel);
	if (ret)
		return ret;
	if (sel.src.family && !prefix_clean(&sel.src, sel.src_prefix))
		return bad(o, SEL_SRC, "\"%s\": address bits set beyond the prefix length",
			   vals[SEL_SRC]);
	if (sel.dst.family && !prefix_clean(&sel.dst, sel.dst_prefix))
		return bad(o, SEL_DST, "\"%s\": address bits set beyond the prefix length",
			   vals[SEL_DST]);
	sel_fill(&sel);
	if (find_sel(&p->conf->sels, &sel))
		return bad(o, -1, "this [Policy] is the same as one before it");
	s = list_add(&p->conf->sels);
	if (!s) {
		fprintf(stderr, "espvti: out of memory\n");
		return ERR_FAIL;
	}
	*s = sel;
	p->has_policy = true;
	return 0;
}

/*
 * One line of [Interface]: an Address (ADDR[/LENGTH], the host's bits
 * allowed), a Route (a prefix, no bits beyond its length) or the MTU.
 */
static int conf_interface(struct conf_parser *p, const struct origin *o, size_t k,
			  const char *val)
{
	struct conf_prefix pfx = {}, *have;
	struct list *list;
	uint64_t mtu;
	size_t i;

	if (!*val)
		return bad(o, -1, "%s has no value", conf_interface_kws[k].name);
	if (k == IF_MTU) {
		if (p->mtu_line)
			return bad(o, -1, "MTU given twice in [Interface], first on line %u",
				   p->mtu_line);
		if (parse_uint(val, 65535, false, &mtu) || mtu < 68)
			return bad(o, -1, "MTU \"%s\": not a number from 68 to 65535", val);
		p->mtu_line = o->line;
		p->conf->mtu = mtu;
		return 0;
	}
	if (parse_prefix(val, &pfx.addr, &pfx.len))
		return bad(o, -1, "%s \"%s\": not an IPv4 or IPv6 address with an optional /LENGTH",
			   conf_interface_kws[k].name, val);
	if (k == IF_ROUTE && !prefix_clean(&pfx.addr, pfx.len))
		return bad(o, -1, "Route \"%s\": address bits set beyond the prefix length", val);
	list = k == IF_ROUTE ? &p->conf->routes : &p->conf->addrs;
	for (i = 0, have = list->items; i < list->n; i++, have++) {
		if (addr_equal(&have->addr, &pfx.addr) && (k == IF_ADDRESS || have->len == pfx.len))
			return bad(o, -1, "%s \"%s\" given twice in [Interface]",
				   conf_interface_kws[k].name, val);
	}
	have = list_add(list);
	if (!have) {
		fprintf(stderr, "espvti: out of memory\n");
		return ERR_FAIL;
	}
	*have = pfx;
	return 0;
}

/*
 * After the last section: one outbound SA is current (the last one, when no
 * [SA] says which); without [Policy], the selectors an interface starts with.
 */
static int conf_finish(struct conf_parser *p)
{
	struct espvti_sa *sa, *last = NULL;
	struct espvti_sel *sel;
	size_t i;
	int f;

	for (i = 0, sa = p->conf->sas.items; i < p->conf->sas.n; i++, sa++) {
		if (sa->dir != ESPVTI_SA_DIR_OUT)
			continue;
		last = sa;
		if (!sa->has_current) {
			sa->has_current = true;
			sa->current = false;
		}
	}
	if (last && !p->has_current)
		last->current = true;
	if (p->has_policy)
		return 0;
	for (f = 0; f < 2; f++) {
		sel = list_add(&p->conf->sels);
		if (!sel) {
			fprintf(stderr, "espvti: out of memory\n");
			return ERR_FAIL;
		}
		sel->family = f ? AF_INET6 : AF_INET;
		sel_fill(sel);
	}
	return 0;
}

static void conf_clear_vals(struct conf_parser *p)
{
	size_t k;

	for (k = 0; k < MNL_ARRAY_SIZE(p->vals); k++) {
		if (!p->vals[k])
			continue;
		explicit_bzero(p->vals[k], strlen(p->vals[k]));
		free(p->vals[k]);
		p->vals[k] = NULL;
		p->lines[k] = 0;
	}
}

void conf_free(struct conf *conf)
{
	if (conf->sas.items)
		explicit_bzero(conf->sas.items, conf->sas.n * conf->sas.size);
	free(conf->sas.items);
	free(conf->sels.items);
	free(conf->addrs.items);
	free(conf->routes.items);
}

/*
 * ifconf FILE: FILE checked as setconf checks it, then its [Interface] with
 * each value as ip(8) prints it (ADDR/LENGTH), for espvti-quick; nothing
 * when it has none.
 */
int cmd_ifconf(const struct ctx *ctx, int argc, char **argv)
{
	struct conf conf = {
		.sas.size = sizeof(struct espvti_sa),
		.sels.size = sizeof(struct espvti_sel),
	};
	char buf[INET6_ADDRSTRLEN];
	const struct conf_prefix *pfx;
	size_t i;
	int ret;

	if (!argc)
		return parse_error(ctx->verb, true, "missing FILE");
	if (no_more_args(ctx, argc - 1, argv + 1))
		return ERR_USAGE;
	ret = conf_read(argv[0], &conf);
	if (!ret && conf.has_interface) {
		printf("[Interface]\n");
		if (conf.mtu)
			printf("MTU = %u\n", conf.mtu);
		for (i = 0, pfx = conf.addrs.items; i < conf.addrs.n; i++, pfx++)
			printf("Address = %s/%u\n", addr_str(&pfx->addr, buf, sizeof(buf)),
			       pfx->len);
		for (i = 0, pfx = conf.routes.items; i < conf.routes.n; i++, pfx++)
			printf("Route = %s/%u\n", addr_str(&pfx->addr, buf, sizeof(buf)), pfx->len);
	}
	conf_free(&conf);
	return ret;
}

/* The bits set in @bits as "16, 24 or 32". */
static void bits_str(uint64_t bits, char *buf, size_t size)
{
	size_t n = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < 64 && n < size; i++) {
		if (!(bits & 1ull << i))
			continue;
		bits &= ~(1ull << i);
		n += snprintf(buf + n, size - n, "%s%u", !n ? "" : bits ? ", " : " or ", i);
	}
}
