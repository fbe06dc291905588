// SPDX-License-Identifier: GPL-2.0
/*
 * espvti: the parsing every command shares: errors about arguments (and
 * config file values), the interface argument, "KEYWORD VALUE" pairs,
 * numbers, addresses, prefixes, ports and booleans.
 */
#include "espvti.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Say what is wrong with the arguments of @v, and maybe how they go. ERR_USAGE. */
int parse_error(const struct verb *v, bool show_usage, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "espvti: ");
	if (v->obj)
		fprintf(stderr, "%s ", v->obj);
	fprintf(stderr, "%s: ", v->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (show_usage)
		print_verb_usage(stderr, "Usage: espvti [OPTIONS] ", v);
	return ERR_USAGE;
}

/*
 * Say what is wrong with value @k (or, with @k < 0, with what @o gives as a
 * whole), naming the command or the file and line it comes from. ERR_USAGE.
 */
int bad(const struct origin *o, int k, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "espvti: ");
	if (o->file)
		fprintf(stderr, "%s:%u: ", o->file,
			k >= 0 && o->lines && o->lines[k] ? o->lines[k] : o->line);
	else if (o->verb->obj)
		fprintf(stderr, "%s %s: ", o->verb->obj, o->verb->name);
	else
		fprintf(stderr, "%s: ", o->verb->name);
	if (k >= 0)
		fprintf(stderr, "%s ", o->kws[k].name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return ERR_USAGE;
}

/* The interface a command starts with, taken off its arguments. */
int take_dev(const struct ctx *ctx, int *argc, char ***argv, const char **dev)
{
	if (*argc < 1)
		return parse_error(ctx->verb, true, "missing DEV");
	*dev = (*argv)[0];
	if (!valid_ifname(*dev))
		return parse_error(ctx->verb, false, "\"%s\" is not a valid interface name", *dev);
	(*argc)--;
	(*argv)++;
	return 0;
}

int no_more_args(const struct ctx *ctx, int argc, char **argv)
{
	if (argc)
		return parse_error(ctx->verb, true, "unexpected argument \"%s\"", argv[0]);
	return 0;
}

/*
 * Match "KEYWORD VALUE" pairs and lone flags, in any order, against @kws:
 * @vals[i] becomes the value given to kws[i], "" for a flag given, and stays
 * NULL when kws[i] is not given. 0, or ERR_USAGE when an argument is wrong.
 */
int scan_keywords(const struct verb *v, int argc, char **argv,
		  const struct keyword *kws, size_t nkws, const char **vals)
{
	size_t k;
	int i;

	for (i = 0; i < argc; i++) {
		for (k = 0; k < nkws; k++) {
			if (kws[k].name && !strcmp(argv[i], kws[k].name))
				break;
		}
		if (k == nkws)
			return parse_error(v, true, "unknown keyword \"%s\"", argv[i]);
		if (vals[k])
			return parse_error(v, false, "\"%s\" given twice", argv[i]);
		if (kws[k].flag) {
			vals[k] = "";
			continue;
		}
		if (i + 1 == argc)
			return parse_error(v, true, "\"%s\" needs a value", argv[i]);
		vals[k] = argv[++i];
	}
	return 0;
}

/*
 * A whole string of decimal digits, or with @hex also "0x" and hex digits,
 * that is at most @max. 0 or -1: no signs, spaces or anything after it.
 */
int parse_uint(const char *s, uint64_t max, bool hex, uint64_t *val)
{
	const char *digits = "0123456789";
	unsigned long long v;
	int base = 10;
	char *end;

	if (hex && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		digits = "0123456789abcdefABCDEF";
		base = 16;
	}
	if (!s[0] || s[strspn(s, digits)])
		return -1;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end || v > max)
		return -1;
	*val = v;
	return 0;
}

int parse_addr(const char *s, struct addr *addr)
{
	memset(addr, 0, sizeof(*addr));
	if (inet_pton(AF_INET, s, addr->bytes) == 1)
		addr->family = AF_INET;
	else if (inet_pton(AF_INET6, s, addr->bytes) == 1)
		addr->family = AF_INET6;
	else
		return -1;
	return 0;
}

/*
 * @s into @buf, of @size, cut in two at the first @sep: 0 with *@rest what
 * follows @sep (NULL without one), or -1 when @s does not fit.
 */
static int split(const char *s, char *buf, size_t size, int sep, char **rest)
{
	if (strlen(s) >= size)
		return -1;
	strcpy(buf, s);
	*rest = strchr(buf, sep);
	if (*rest)
		*(*rest)++ = '\0';
	return 0;
}

/* ADDR/LENGTH, or ADDR alone for the whole address (/32 or /128). */
int parse_prefix(const char *s, struct addr *addr, uint8_t *prefix)
{
	char buf[INET6_ADDRSTRLEN + sizeof("/128")];
	uint64_t len;
	char *length;

	if (split(s, buf, sizeof(buf), '/', &length) || parse_addr(buf, addr))
		return -1;
	len = addr->family == AF_INET ? 32 : 128;
	if (length && parse_uint(length, len, false, &len))
		return -1;
	*prefix = len;
	return 0;
}

/* PORT or PORT-PORT, the first no more than the second. */
int parse_ports(const char *s, uint16_t ports[2])
{
	char buf[sizeof("65535-65535")];
	uint64_t min, max;
	char *high;

	if (split(s, buf, sizeof(buf), '-', &high) || parse_uint(buf, UINT16_MAX, false, &min))
		return -1;
	max = min;
	if (high && parse_uint(high, UINT16_MAX, false, &max))
		return -1;
	if (min > max)
		return -1;
	ports[0] = min;
	ports[1] = max;
	return 0;
}

/* yes/no, true/false, on/off, 1/0, any case. */
int parse_bool(const char *s, bool *val)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < MNL_ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i]) || !strcasecmp(s, no[i])) {
			*val = !strcasecmp(s, yes[i]);
			return 0;
		}
	}
	return -1;
}

bool valid_ifname(const char *name)
{
	return name[0] && strlen(name) < IFNAMSIZ;
}

/* @s without the white space around it. */
char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

unsigned int addr_len(const struct addr *addr)
{
	return addr->family == AF_INET ? 4 : 16;
}

bool addr_equal(const struct addr *a, const struct addr *b)
{
	return a->family == b->family && !memcmp(a->bytes, b->bytes, sizeof(a->bytes));
}
