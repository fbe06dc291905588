// SPDX-License-Identifier: GPL-2.0
/*
 * espvti: the SAs: sa add|set|del|get|show|allocspi, their arguments, the
 * algorithms, the SA requests, the SAs of answers and events and how they
 * print.
 */
#include "espvti.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/genetlink.h>

static int sa_get(struct nl *nl, const char *dev, uint8_t dir, uint32_t spi, struct list *list);
static int sa_cb(const struct nlmsghdr *nlh, void *data);

static const enum mnl_attr_data_type espvti_sa_attr_types[ESPVTI_SA_A_MAX + 1] = {
	[ESPVTI_SA_A_DIR]		= MNL_TYPE_U8,
	[ESPVTI_SA_A_SPI]		= MNL_TYPE_U32,
	[ESPVTI_SA_A_ALG]		= MNL_TYPE_U8,
	[ESPVTI_SA_A_KEY]		= MNL_TYPE_BINARY,
	[ESPVTI_SA_A_AUTH_KEY]		= MNL_TYPE_BINARY,
	[ESPVTI_SA_A_ICV_LEN]		= MNL_TYPE_U8,
	[ESPVTI_SA_A_ESN]		= MNL_TYPE_U8,
	[ESPVTI_SA_A_REPLAY_WINDOW]	= MNL_TYPE_U32,
	[ESPVTI_SA_A_SEQ]		= MNL_TYPE_U64,
	[ESPVTI_SA_A_CURRENT]		= MNL_TYPE_U8,
	[ESPVTI_SA_A_STATS]		= MNL_TYPE_NESTED,
	[ESPVTI_SA_A_SOFT]		= MNL_TYPE_NESTED,
	[ESPVTI_SA_A_HARD]		= MNL_TYPE_NESTED,
	[ESPVTI_SA_A_AGE]		= MNL_TYPE_U64,
	[ESPVTI_SA_A_USE_AGE]		= MNL_TYPE_U64,
	[ESPVTI_SA_A_BYTES]		= MNL_TYPE_U64,
	[ESPVTI_SA_A_PACKETS]		= MNL_TYPE_U64,
	[ESPVTI_SA_A_SOFT_EXPIRED]	= MNL_TYPE_U8,
};

/* By enum espvti_alg; what "sa add ... alg" takes and "sa show" prints. */
const char *const alg_names[] = {
	[ESPVTI_ALG_AES_GCM]			= "aes-gcm",
	[ESPVTI_ALG_CHACHA20_POLY1305]		= "chacha20-poly1305",
	[ESPVTI_ALG_AES_CBC_HMAC_SHA256]	= "aes-cbc-hmac-sha256",
	[ESPVTI_ALG_AES_GMAC]			= "aes-gmac",
	[ESPVTI_ALG_AES_CBC_HMAC_SHA1]		= "aes-cbc-hmac-sha1",
	[ESPVTI_ALG_AES_CBC_HMAC_SHA384]	= "aes-cbc-hmac-sha384",
	[ESPVTI_ALG_AES_CBC_HMAC_SHA512]	= "aes-cbc-hmac-sha512",
};

static_assert(MNL_ARRAY_SIZE(alg_names) == __ESPVTI_ALG_MAX,
	      "alg_names[] must name every algorithm of enum espvti_alg");

/*
 * What each algorithm takes, as the module checks it: for checking a config
 * file whole before the first request (the kernel checks again).
 */
const struct alg_info alg_info[] = {
	[ESPVTI_ALG_AES_GCM] = {
		.salt = 4, .key_lens = 1ull << 16 | 1ull << 24 | 1ull << 32,
		.icv_lens = 1ull << 8 | 1ull << 12 | 1ull << 16,
	},
	[ESPVTI_ALG_CHACHA20_POLY1305] = {
		.salt = 4, .key_lens = 1ull << 32, .icv_lens = 1ull << 16,
	},
	[ESPVTI_ALG_AES_CBC_HMAC_SHA256] = {
		.auth_key = 32, .key_lens = 1ull << 16 | 1ull << 24 | 1ull << 32,
		.icv_lens = 1ull << 16,
	},
	[ESPVTI_ALG_AES_GMAC] = {
		.salt = 4, .key_lens = 1ull << 16 | 1ull << 24 | 1ull << 32, .icv_lens = 1ull << 16,
	},
	[ESPVTI_ALG_AES_CBC_HMAC_SHA1] = {
		.auth_key = 20, .key_lens = 1ull << 16 | 1ull << 24 | 1ull << 32,
		.icv_lens = 1ull << 12,
	},
	[ESPVTI_ALG_AES_CBC_HMAC_SHA384] = {
		.auth_key = 48, .key_lens = 1ull << 16 | 1ull << 24 | 1ull << 32,
		.icv_lens = 1ull << 24,
	},
	[ESPVTI_ALG_AES_CBC_HMAC_SHA512] = {
		.auth_key = 64, .key_lens = 1ull << 16 | 1ull << 24 | 1ull << 32,
		.icv_lens = 1ull << 32,
	},
};

static_assert(MNL_ARRAY_SIZE(alg_info) == __ESPVTI_ALG_MAX,
	      "alg_info[] must describe every algorithm of enum espvti_alg");

/* The arguments of "sa add", by enum sa_field; "limit" is apart. */
static const struct keyword sa_add_kws[SA_N] = {
	[SA_DIR]		= { .name = "dir" },
	[SA_SPI]		= { .name = "spi" },
	[SA_ALG]		= { .name = "alg" },
	[SA_KEY]		= { .name = "key" },
	[SA_AUTH_KEY]		= { .name = "auth-key" },
	[SA_ICV]		= { .name = "icv" },
	[SA_ESN]		= { .name = "esn", .flag = true },
	[SA_REPLAY_WINDOW]	= { .name = "replay-window" },
	[SA_SEQ]		= { .name = "seq" },
	[SA_CURRENT]		= { .name = "nocurrent", .flag = true },
};

/* "dir" and "spi": what names an SA, all that sa del and sa get take. */
static const struct keyword sa_id_kws[SA_N] = {
	[SA_DIR]		= { .name = "dir" },
	[SA_SPI]		= { .name = "spi" },
};

/*
 * The arguments of an sa command: DEV, with @lim every "limit NAME N", then
 * the "KEYWORD VALUE" pairs of @kws (by enum sa_field) into @vals, the
 * first @n_required of dir, spi, alg and key given; into @sa what they say.
 */
static int take_sa_args(const struct ctx *ctx, int argc, char **argv, const char **dev,
			const struct keyword *kws, unsigned int n_required, const char **vals,
			struct limits *lim, struct espvti_sa *sa)
{
	struct origin o = { .verb = ctx->verb, .kws = kws };
	unsigned int i;

	if (take_dev(ctx, &argc, &argv, dev) ||
	    (lim && take_limits(ctx->verb, &argc, argv, lim)) ||
	    scan_keywords(ctx->verb, argc, argv, kws, SA_N, vals))
		return ERR_USAGE;
	for (i = 0; i < n_required; i++) {	/* SA_DIR, SA_SPI, SA_ALG, SA_KEY */
		if (!vals[i])
			return parse_error(ctx->verb, true, "missing \"%s\"", kws[i].name);
	}
	return sa_from_vals(&o, vals, NULL, sa);
}

int cmd_sa_add(const struct ctx *ctx, int argc, char **argv)
{
	const char *vals[SA_N] = {};
	struct limits lim = {};
	struct espvti_sa sa = {};
	struct nl nl = {};
	const char *dev;
	int ret;

	ret = take_sa_args(ctx, argc, argv, &dev, sa_add_kws, 4, vals, &lim, &sa);
	if (ret)
		goto out;
	sa.esn = vals[SA_ESN];
	if (vals[SA_CURRENT]) {
		sa.has_current = true;	/* nocurrent */
		sa.current = false;
	}
	sa.soft = lim.soft;
	sa.hard = lim.hard;
	ret = ERR_FAIL;
	if (nl_start(&nl, ctx->netns))
		goto out;

	ret = sa_add(&nl, dev, &sa);

	mnl_socket_close(nl.sock);
out:
	explicit_bzero(&sa, sizeof(sa));
	return ret;
}

/*
 * sa set: make an SA current, or change its limits. The kernel replaces
 * the soft or the hard limits whole, so the limits given are merged into
 * the SA's own first.
 */
int cmd_sa_set(const struct ctx *ctx, int argc, char **argv)
{
	static const struct keyword kws[SA_N] = {
		[SA_DIR]	= { .name = "dir" },
		[SA_SPI]	= { .name = "spi" },
		[SA_CURRENT]	= { .name = "current", .flag = true },
	};
	const char *vals[SA_N] = {};
	bool soft_given = false, hard_given = false;
	struct list list = { .size = sizeof(struct espvti_sa) };
	struct espvti_sa sa = {}, *cur;
	struct limits lim = {};
	struct nl nl = {};
	const char *dev;
	unsigned int i;
	int ret;

	ret = take_sa_args(ctx, argc, argv, &dev, kws, 2, vals, &lim, &sa);
	if (ret)
		return ret;
	if (!vals[SA_CURRENT] && !lim.given)
		return parse_error(ctx->verb, true, "nothing to set: current or a limit");
	for (i = 0; i < N_LIMITS; i++) {
		if (lim.given & 1u << i) {
			soft_given |= !limits[i].hard;
			hard_given |= limits[i].hard;
		}
	}
	if (nl_start(&nl, ctx->netns))
		return ERR_FAIL;

	if (lim.given) {
		ret = sa_get(&nl, dev, sa.dir, sa.spi, &list);
		if (ret)
			goto out;
		cur = list.items;
		sa.soft = cur->soft;
		sa.hard = cur->hard;
		for (i = 0; i < N_LIMITS; i++) {
			if (!(lim.given & 1u << i))
				continue;
			if (limits[i].hard)
				sa.hard.v[limits[i].type - 1] = lim.hard.v[limits[i].type - 1];
			else
				sa.soft.v[limits[i].type - 1] = lim.soft.v[limits[i].type - 1];
		}
	}
	ret = sa_set(&nl, dev, &sa, soft_given ? &sa.soft : NULL, hard_given ? &sa.hard : NULL,
		     vals[SA_CURRENT]);
out:
	mnl_socket_close(nl.sock);
	free(list.items);
	return ret;
}

/* sa del, sa get (by ctx->verb->cmd): DEV dir DIR spi SPI; sa get prints it as sa show does. */
int cmd_sa_id(const struct ctx *ctx, int argc, char **argv)
{
	struct list list = { .size = sizeof(struct espvti_sa) };
	const char *vals[SA_N] = {};
	struct espvti_sa sa = {};
	struct nl nl = {};
	const char *dev;
	int ret;

	ret = take_sa_args(ctx, argc, argv, &dev, sa_id_kws, 2, vals, NULL, &sa);
	if (ret)
		return ret;
	if (nl_start(&nl, ctx->netns))
		return ERR_FAIL;

	if (ctx->verb->cmd == ESPVTI_CMD_SA_DEL) {
		ret = sa_del(&nl, dev, sa.dir, sa.spi);
	} else {
		ret = sa_get(&nl, dev, sa.dir, sa.spi, &list);
		if (!ret)
			print_sa(ctx->json, list.items);
		if (!ret && ctx->json)
			putchar('\n');
	}

	mnl_socket_close(nl.sock);
	free(list.items);
	return ret;
}

int cmd_sa_show(const struct ctx *ctx, int argc, char **argv)
{
	static const struct dump_show d = {
		.cmd = ESPVTI_CMD_SA_GET, .size = sizeof(struct espvti_sa),
		.cb = sa_cb, .print = print_sa,
	};

	return dump_show(ctx, argc, argv, &d);
}

/*
 * sa allocspi: reserve a free inbound SPI, as an IKE daemon does before it
 * answers; without DEV, for whichever interface of this underlay takes it.
 */
int cmd_sa_allocspi(const struct ctx *ctx, int argc, char **argv)
{
	enum { K_MIN, K_MAX, K_N };
	static const struct keyword kws[K_N] = {
		[K_MIN]	= { .name = "min" },
		[K_MAX]	= { .name = "max" },
	};
	const char *vals[K_N] = {};
	uint64_t range[K_N] = {};
	struct nlmsghdr *nlh;
	struct msg msg = {};
	struct nl nl = {};
	const char *dev = NULL;
	int k, ret;

	if ((argc && strcmp(argv[0], "min") && strcmp(argv[0], "max") &&
	     take_dev(ctx, &argc, &argv, &dev)) ||
	    scan_keywords(ctx->verb, argc, argv, kws, K_N, vals))
		return ERR_USAGE;
	for (k = 0; k < K_N; k++) {
		if (vals[k] && parse_uint(vals[k], UINT32_MAX, true, &range[k]))
			return parse_error(ctx->verb, false,
					   "%s \"%s\": not an SPI (decimal or 0x hex)",
					   kws[k].name, vals[k]);
	}
	if (nl_start(&nl, ctx->netns))
		return ERR_FAIL;

	if (dev)
		nlh = dev_msg(&nl, NLM_F_ACK, ESPVTI_CMD_SPI_ALLOC, dev);
	else
		nlh = genl_msg(nl.family, NLM_F_ACK, ESPVTI_CMD_SPI_ALLOC, ESPVTI_GENL_VERSION);
	if (vals[K_MIN])
		mnl_attr_put_u32(nlh, ESPVTI_A_SPI_MIN, range[K_MIN]);
	if (vals[K_MAX])
		mnl_attr_put_u32(nlh, ESPVTI_A_SPI_MAX, range[K_MAX]);
	ret = nl_do(&nl, nlh, msg_cb, &msg);
	mnl_socket_close(nl.sock);
	if (ret)
		return ret;
	if (!msg.has_sa) {
		fprintf(stderr, "espvti: the kernel's answer has no SPI\n");
		return ERR_FAIL;
	}
	if (ctx->json) {
		printf("{\"ifname\":");
		if (msg.ifname[0] || dev)
			print_json_string(msg.ifname[0] ? msg.ifname : dev);
		else
			printf("null");
		printf(",\"spi\":%u}\n", msg.sa.spi);
	} else {
		printf("0x%08x\n", msg.sa.spi);
	}
	return 0;
}

/*
 * The fields of an SA that @vals give, by enum sa_field (flags apart): as
 * "sa add" takes them and a config file's [SA]. Keys in files are found
 * relative to @dir, when given.
 */
int sa_from_vals(const struct origin *o, const char *const *vals, const char *dir,
		 struct espvti_sa *sa)
{
	uint64_t val;
	size_t i;
	int ret;

	if (vals[SA_DIR]) {
		if (!strcmp(vals[SA_DIR], "in"))
			sa->dir = ESPVTI_SA_DIR_IN;
		else if (!strcmp(vals[SA_DIR], "out"))
			sa->dir = ESPVTI_SA_DIR_OUT;
		else
			return bad(o, SA_DIR, "\"%s\": not in or out", vals[SA_DIR]);
	}
	if (vals[SA_SPI]) {
		if (parse_uint(vals[SA_SPI], UINT32_MAX, true, &val) || !val)
			return bad(o, SA_SPI,
				   "\"%s\": not a number from 1 to 0xffffffff (or 0x hex)",
				   vals[SA_SPI]);
		sa->spi = val;
	}
	if (vals[SA_ALG]) {
		for (i = 1; i < MNL_ARRAY_SIZE(alg_names); i++) {
			if (!strcmp(vals[SA_ALG], alg_names[i]))
				break;
		}
		if (i == MNL_ARRAY_SIZE(alg_names))
			return bad(o, SA_ALG, "\"%s\": unknown algorithm", vals[SA_ALG]);
		sa->alg = i;
	}
	if (vals[SA_KEY]) {
		ret = read_key(o, SA_KEY, vals[SA_KEY], dir, sa->key, &sa->key_len);
		if (ret)
			return ret;
	}
	if (vals[SA_AUTH_KEY]) {
		ret = read_key(o, SA_AUTH_KEY, vals[SA_AUTH_KEY], dir, sa->auth_key,
			       &sa->auth_key_len);
		if (ret)
			return ret;
	}
	if (vals[SA_ICV]) {
		if (parse_uint(vals[SA_ICV], UINT8_MAX, false, &val))
			return bad(o, SA_ICV, "\"%s\": not a number of bytes (0-255)",
				   vals[SA_ICV]);
		sa->has_icv = true;
		sa->icv = val;
	}
	if (vals[SA_REPLAY_WINDOW]) {
		if (parse_uint(vals[SA_REPLAY_WINDOW], UINT32_MAX, false, &val))
			return bad(o, SA_REPLAY_WINDOW, "\"%s\": not a number of packets",
				   vals[SA_REPLAY_WINDOW]);
		sa->has_replay_window = true;
		sa->replay_window = val;
	}
	if (vals[SA_SEQ]) {
		if (parse_uint(vals[SA_SEQ], UINT64_MAX, true, &val))
			return bad(o, SA_SEQ, "\"%s\": not a 64-bit number, decimal or 0x hex",
				   vals[SA_SEQ]);
		sa->has_seq = true;
		sa->seq = val;
	}
	return 0;
}

/* SA_ADD: @sa, with its keys; no copy of them stays in a buffer. */
int sa_add(struct nl *nl, const char *dev, const struct espvti_sa *sa)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	int ret;

	nlh = dev_msg(nl, NLM_F_ACK, ESPVTI_CMD_SA_ADD, dev);
	nest = mnl_attr_nest_start(nlh, ESPVTI_A_SA);
	mnl_attr_put_u8(nlh, ESPVTI_SA_A_DIR, sa->dir);
	mnl_attr_put_u32(nlh, ESPVTI_SA_A_SPI, sa->spi);
	mnl_attr_put_u8(nlh, ESPVTI_SA_A_ALG, sa->alg);
	mnl_attr_put(nlh, ESPVTI_SA_A_KEY, sa->key_len, sa->key);
	if (sa->auth_key_len)
		mnl_attr_put(nlh, ESPVTI_SA_A_AUTH_KEY, sa->auth_key_len, sa->auth_key);
	if (sa->has_icv)
		mnl_attr_put_u8(nlh, ESPVTI_SA_A_ICV_LEN, sa->icv);
	if (sa->esn)
		mnl_attr_put_u8(nlh, ESPVTI_SA_A_ESN, 1);
	if (sa->has_replay_window)
		mnl_attr_put_u32(nlh, ESPVTI_SA_A_REPLAY_WINDOW, sa->replay_window);
	if (sa->has_seq)
		mnl_attr_put_u64(nlh, ESPVTI_SA_A_SEQ, sa->seq);
	if (sa->has_current)
		mnl_attr_put_u8(nlh, ESPVTI_SA_A_CURRENT, sa->current);
	if (!life_empty(&sa->soft))
		put_life(nlh, ESPVTI_SA_A_SOFT, &sa->soft);
	if (!life_empty(&sa->hard))
		put_life(nlh, ESPVTI_SA_A_HARD, &sa->hard);
	mnl_attr_nest_end(nlh, nest);
	ret = nl_do(nl, nlh, NULL, NULL);
	/* The keys were in the request, and an error answer may echo part of it. */
	nl_wipe();
	return ret;
}

/*
 * SA_SET of the SA @sa names: @soft and @hard, when given, replace its
 * limits whole; with @current, it becomes the current outbound SA.
 */
int sa_set(struct nl *nl, const char *dev, const struct espvti_sa *sa,
	   const struct life *soft, const struct life *hard, bool current)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	nlh = dev_msg(nl, NLM_F_ACK, ESPVTI_CMD_SA_SET, dev);
	nest = mnl_attr_nest_start(nlh, ESPVTI_A_SA);
	mnl_attr_put_u8(nlh, ESPVTI_SA_A_DIR, sa->dir);
	mnl_attr_put_u32(nlh, ESPVTI_SA_A_SPI, sa->spi);
	if (current)
		mnl_attr_put_u8(nlh, ESPVTI_SA_A_CURRENT, 1);
	if (soft)
		put_life(nlh, ESPVTI_SA_A_SOFT, soft);
	if (hard)
		put_life(nlh, ESPVTI_SA_A_HARD, hard);
	mnl_attr_nest_end(nlh, nest);
	return nl_do(nl, nlh, NULL, NULL);
}

int sa_del(struct nl *nl, const char *dev, uint8_t dir, uint32_t spi)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	nlh = dev_msg(nl, NLM_F_ACK, ESPVTI_CMD_SA_DEL, dev);
	nest = mnl_attr_nest_start(nlh, ESPVTI_A_SA);
	mnl_attr_put_u8(nlh, ESPVTI_SA_A_DIR, dir);
	mnl_attr_put_u32(nlh, ESPVTI_SA_A_SPI, spi);
	mnl_attr_nest_end(nlh, nest);
	return nl_do(nl, nlh, NULL, NULL);
}

/* SA_GET of one SA, onto @list. */
static int sa_get(struct nl *nl, const char *dev, uint8_t dir, uint32_t spi, struct list *list)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	int ret;

	nlh = dev_msg(nl, NLM_F_ACK, ESPVTI_CMD_SA_GET, dev);
	nest = mnl_attr_nest_start(nlh, ESPVTI_A_SA);
	mnl_attr_put_u8(nlh, ESPVTI_SA_A_DIR, dir);
	mnl_attr_put_u32(nlh, ESPVTI_SA_A_SPI, spi);
	mnl_attr_nest_end(nlh, nest);
	ret = nl_do(nl, nlh, sa_cb, list);
	if (!ret && list->n != 1) {
		fprintf(stderr, "espvti: the kernel answered with %zu SAs, not one\n", list->n);
		ret = ERR_FAIL;
	}
	return ret;
}

int sa_dump(struct nl *nl, const char *dev, struct list *list)
{
	return nl_do(nl, dev_msg(nl, NLM_F_DUMP, ESPVTI_CMD_SA_GET, dev), sa_cb, list);
}

/* The SAs of an SA_GET answer onto the list in @data. */
static int sa_cb(const struct nlmsghdr *nlh, void *data)
{
	return nests_cb(nlh, data, ESPVTI_A_SA, parse_sa);
}

/* An SA nest into the struct espvti_sa at @item. */
int parse_sa(const struct nlattr *nest, void *item)
{
	struct espvti_sa *sa = item;
	const struct nlattr *tb[ESPVTI_SA_A_MAX + 1] = {};
	struct attr_table table = { espvti_sa_attr_types, ESPVTI_SA_A_MAX, tb };

	if (mnl_attr_parse_nested(nest, table_attr_cb, &table) < 0)
		return -1;
	if (!tb[ESPVTI_SA_A_DIR] || !tb[ESPVTI_SA_A_SPI]) {
		errno = EPROTO;
		return -1;
	}
	sa->dir = mnl_attr_get_u8(tb[ESPVTI_SA_A_DIR]);
	sa->spi = mnl_attr_get_u32(tb[ESPVTI_SA_A_SPI]);
	if (tb[ESPVTI_SA_A_ALG])
		sa->alg = mnl_attr_get_u8(tb[ESPVTI_SA_A_ALG]);
	if (tb[ESPVTI_SA_A_ICV_LEN]) {
		sa->has_icv = true;
		sa->icv = mnl_attr_get_u8(tb[ESPVTI_SA_A_ICV_LEN]);
	}
	if (tb[ESPVTI_SA_A_ESN])
		sa->esn = mnl_attr_get_u8(tb[ESPVTI_SA_A_ESN]);
	if (tb[ESPVTI_SA_A_REPLAY_WINDOW]) {
		sa->has_replay_window = true;
		sa->replay_window = mnl_attr_get_u32(tb[ESPVTI_SA_A_REPLAY_WINDOW]);
	}
	if (tb[ESPVTI_SA_A_SEQ]) {
		sa->has_seq = true;
		sa->seq = mnl_attr_get_u64(tb[ESPVTI_SA_A_SEQ]);
	}
	if (tb[ESPVTI_SA_A_CURRENT]) {
		sa->has_current = true;
		sa->current = mnl_attr_get_u8(tb[ESPVTI_SA_A_CURRENT]);
	}
	if (tb[ESPVTI_SA_A_STATS] && parse_stats(tb[ESPVTI_SA_A_STATS], &sa->stats))
		return -1;
	if (tb[ESPVTI_SA_A_SOFT] && parse_life(tb[ESPVTI_SA_A_SOFT], &sa->soft))
		return -1;
	if (tb[ESPVTI_SA_A_HARD] && parse_life(tb[ESPVTI_SA_A_HARD], &sa->hard))
		return -1;
	if (tb[ESPVTI_SA_A_AGE]) {
		sa->has_age = true;
		sa->age = mnl_attr_get_u64(tb[ESPVTI_SA_A_AGE]);
	}
	if (tb[ESPVTI_SA_A_USE_AGE]) {
		sa->has_use_age = true;
		sa->use_age = mnl_attr_get_u64(tb[ESPVTI_SA_A_USE_AGE]);
	}
	if (tb[ESPVTI_SA_A_BYTES]) {
		sa->has_bytes = true;
		sa->bytes = mnl_attr_get_u64(tb[ESPVTI_SA_A_BYTES]);
	}
	if (tb[ESPVTI_SA_A_PACKETS]) {
		sa->has_packets = true;
		sa->packets = mnl_attr_get_u64(tb[ESPVTI_SA_A_PACKETS]);
	}
	if (tb[ESPVTI_SA_A_SOFT_EXPIRED])
		sa->soft_expired = mnl_attr_get_u8(tb[ESPVTI_SA_A_SOFT_EXPIRED]);
	return 0;
}

/* The SA of @list with @sa's direction and SPI, or NULL. */
const struct espvti_sa *find_sa(const struct list *list, const struct espvti_sa *sa)
{
	const struct espvti_sa *s = list->items;
	size_t i;

	for (i = 0; i < list->n; i++, s++) {
		if (s->dir == sa->dir && s->spi == sa->spi)
			return s;
	}
	return NULL;
}

/*
 * An SA's parameters: in text on the line that starts it (no newline), in
 * JSON its fields from "dir" on.
 */
void print_sa_params(bool json, const struct espvti_sa *sa)
{
	if (json)
		print_sa_id_json(sa);
	else
		printf("dir %s spi 0x%08x", dir_str(sa->dir), sa->spi);
	if (alg_name(sa->alg))
		print_str(json, "alg", " alg %s", alg_name(sa->alg));
	else
		print_uint(json, "alg", " alg %llu", sa->alg);
	if (sa->has_icv)
		print_uint(json, "icv", " icv %llu", sa->icv);
	print_flag(json, "esn", " esn %s", "on", "off", sa->esn);
	if (sa->has_replay_window)
		print_uint(json, "replay_window", " replay-window %llu", sa->replay_window);
	if (sa->has_seq)
		print_uint(json, "seq", " seq %llu", sa->seq);
	if (!json && sa->has_current)
		printf(sa->current ? " current" : " standby");
}

/* How long an SA has been there and how much it protected (text: each after a space). */
void print_sa_use(bool json, const struct espvti_sa *sa)
{
	if (sa->has_age)
		print_uint(json, "age", " age %llus", sa->age);
	if (sa->has_use_age)
		print_uint(json, "use_age", " use-age %llus", sa->use_age);
	if (sa->has_bytes)
		print_uint(json, "bytes", " bytes %llu", sa->bytes);
	if (sa->has_packets)
		print_uint(json, "packets", " packets %llu", sa->packets);
	if (json || sa->soft_expired)
		print_flag(json, "soft_expired", "%s", " soft-expired", "", sa->soft_expired);
}

/*
 * An SA as a JSON object; or on a line, and under it, indented, its age and
 * use, its limits when it has any, and its counters that are not 0.
 */
void print_sa(bool json, const void *item)
{
	const struct espvti_sa *sa = item;

	if (json)
		putchar('{');
	print_sa_params(json, sa);
	if (json) {
		print_sa_use(json, sa);
		print_life(json, "soft", &sa->soft);
		print_life(json, "hard", &sa->hard);
		if (sa->stats.present) {
			printf(",\"stats\":{");
			print_stats_fields(&sa->stats);
			putchar('}');
		}
		putchar('}');
		return;
	}
	putchar('\n');
	if (sa->has_age || sa->has_bytes || sa->has_packets) {
		printf("   ");
		print_sa_use(json, sa);
		putchar('\n');
	}
	if (!life_empty(&sa->soft) || !life_empty(&sa->hard)) {
		printf("   ");
		print_life(json, "soft", &sa->soft);
		print_life(json, "hard", &sa->hard);
		putchar('\n');
	}
	print_counters(&sa->stats);
}

/* "dir", "spi" and, for outbound SAs, "current": what names an SA in JSON. */
void print_sa_id_json(const struct espvti_sa *sa)
{
	if (dir_name(sa->dir))
		printf("\"dir\":\"%s\"", dir_name(sa->dir));
	else
		printf("\"dir\":%u", sa->dir);
	printf(",\"spi\":%u", sa->spi);
	if (sa->has_current)
		printf(",\"current\":%s", json_bool(sa->current));
}

const char *alg_name(uint8_t alg)
{
	return alg < MNL_ARRAY_SIZE(alg_names) ? alg_names[alg] : NULL;
}
