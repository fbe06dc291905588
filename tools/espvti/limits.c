// SPDX-License-Identifier: GPL-2.0
/*
 * espvti: an SA's lifetime limits: "limit NAME N", their nests in requests
 * and answers, how sa show prints them.
 */
#include "espvti.h"

#include <string.h>

static const enum mnl_attr_data_type espvti_life_attr_types[ESPVTI_LIFE_A_MAX + 1] = {
	[ESPVTI_LIFE_A_ADD_SECS]	= MNL_TYPE_U64,
	[ESPVTI_LIFE_A_USE_SECS]	= MNL_TYPE_U64,
	[ESPVTI_LIFE_A_BYTES]		= MNL_TYPE_U64,
	[ESPVTI_LIFE_A_PACKETS]		= MNL_TYPE_U64,
};

const struct limit limits[] = {
	{ "time-soft",		"TimeSoft",	false,	ESPVTI_LIFE_A_ADD_SECS },
	{ "time-hard",		"TimeHard",	true,	ESPVTI_LIFE_A_ADD_SECS },
	{ "time-use-soft",	"TimeUseSoft",	false,	ESPVTI_LIFE_A_USE_SECS },
	{ "time-use-hard",	"TimeUseHard",	true,	ESPVTI_LIFE_A_USE_SECS },
	{ "byte-soft",		"ByteSoft",	false,	ESPVTI_LIFE_A_BYTES },
	{ "byte-hard",		"ByteHard",	true,	ESPVTI_LIFE_A_BYTES },
	{ "packet-soft",	"PacketSoft",	false,	ESPVTI_LIFE_A_PACKETS },
	{ "packet-hard",	"PacketHard",	true,	ESPVTI_LIFE_A_PACKETS },
};

static_assert(MNL_ARRAY_SIZE(limits) == N_LIMITS, "N_LIMITS must count limits[]");

/* What sa show calls the limits of enum espvti_life_attr: JSON, then text. */
static const char *const life_json_names[ESPVTI_LIFE_A_MAX + 1] = {
	[ESPVTI_LIFE_A_ADD_SECS]	= "time",
	[ESPVTI_LIFE_A_USE_SECS]	= "time_use",
	[ESPVTI_LIFE_A_BYTES]		= "bytes",
	[ESPVTI_LIFE_A_PACKETS]		= "packets",
};

static const char *const life_plain_names[ESPVTI_LIFE_A_MAX + 1] = {
	[ESPVTI_LIFE_A_ADD_SECS]	= "time",
	[ESPVTI_LIFE_A_USE_SECS]	= "time-use",
	[ESPVTI_LIFE_A_BYTES]		= "bytes",
	[ESPVTI_LIFE_A_PACKETS]		= "packets",
};

/* Take every "limit NAME N" off the arguments, into @lim. */
int take_limits(const struct verb *v, int *argc, char **argv, struct limits *lim)
{
	struct life *life;
	uint64_t val;
	int i, n = 0;
	size_t k;

	for (i = 0; i < *argc; i++) {
		if (strcmp(argv[i], "limit")) {
			argv[n++] = argv[i];
			continue;
		}
		if (i + 2 >= *argc)
			return parse_error(v, true, "\"limit\" needs a LIMIT and a number");
		for (k = 0; k < N_LIMITS; k++) {
			if (!strcmp(argv[i + 1], limits[k].name))
				break;
		}
		if (k == N_LIMITS)
			return parse_error(v, true, "unknown limit \"%s\"", argv[i + 1]);
		if (lim->given & 1u << k)
			return parse_error(v, false, "limit %s given twice", limits[k].name);
		if (parse_uint(argv[i + 2], UINT64_MAX, false, &val))
			return parse_error(v, false, "limit %s \"%s\": not a number (0: no limit)",
					   limits[k].name, argv[i + 2]);
		life = limits[k].hard ? &lim->hard : &lim->soft;
		life->v[limits[k].type - 1] = val;
		lim->given |= 1u << k;
		i += 2;
	}
	*argc = n;
	return 0;
}

/* A nest of the limits of @l that are set. */
void put_life(struct nlmsghdr *nlh, uint16_t type, const struct life *l)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);
	unsigned int i;

	for (i = 0; i < ESPVTI_LIFE_A_MAX; i++) {
		if (l->v[i])
			mnl_attr_put_u64(nlh, i + 1, l->v[i]);
	}
	mnl_attr_nest_end(nlh, nest);
}

bool life_empty(const struct life *l)
{
	unsigned int i;

	for (i = 0; i < ESPVTI_LIFE_A_MAX; i++) {
		if (l->v[i])
			return false;
	}
	return true;
}

bool life_equal(const struct life *a, const struct life *b)
{
	return !memcmp(a->v, b->v, sizeof(a->v));
}

int parse_life(const struct nlattr *nest, struct life *l)
{
	const struct nlattr *tb[ESPVTI_LIFE_A_MAX + 1] = {};
	struct attr_table table = { espvti_life_attr_types, ESPVTI_LIFE_A_MAX, tb };
	unsigned int i;

	if (mnl_attr_parse_nested(nest, table_attr_cb, &table) < 0)
		return -1;
	for (i = 1; i <= ESPVTI_LIFE_A_MAX; i++) {
		if (tb[i])
			l->v[i - 1] = mnl_attr_get_u64(tb[i]);
	}
	return 0;
}

/* The limits of @l that are set: " soft|hard NAME N...", or ,"soft|hard":{...}. */
void print_life(bool json, const char *what, const struct life *l)
{
	const char *sep = "";
	unsigned int i;

	if (life_empty(l))
		return;
	printf(json ? ",\"%s\":{" : " %s", what);
	for (i = 0; i < ESPVTI_LIFE_A_MAX; i++) {
		if (!l->v[i])
			continue;
		if (json)
			printf("%s\"%s\":%llu", sep, life_json_names[i + 1],
			       (unsigned long long)l->v[i]);
		else
			printf(" %s %llu%s", life_plain_names[i + 1], (unsigned long long)l->v[i],
			       i + 1 == ESPVTI_LIFE_A_ADD_SECS || i + 1 == ESPVTI_LIFE_A_USE_SECS ?
			       "s" : "");
		sep = ",";
	}
	if (json)
		putchar('}');
}

