// SPDX-License-Identifier: GPL-2.0
/*
 * espvti: the selectors: policy add|del|show, their arguments, protocols,
 * the selector requests and answers, how they compare and print.
 */
#include "espvti.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <linux/genetlink.h>

static int sel_cb(const struct nlmsghdr *nlh, void *data);
static int parse_proto(const char *s, uint8_t *proto);
static void print_sel(bool json, const void *item);
static const char *sel_addr_str(const struct espvti_sel *sel, const struct addr *addr,
				uint8_t prefix, char *buf, size_t size);

static const enum mnl_attr_data_type espvti_sel_attr_types[ESPVTI_SEL_A_MAX + 1] = {
	[ESPVTI_SEL_A_FAMILY]		= MNL_TYPE_U16,
	[ESPVTI_SEL_A_SRC]		= MNL_TYPE_BINARY,
	[ESPVTI_SEL_A_SRC_PREFIX]	= MNL_TYPE_U8,
	[ESPVTI_SEL_A_DST]		= MNL_TYPE_BINARY,
	[ESPVTI_SEL_A_DST_PREFIX]	= MNL_TYPE_U8,
	[ESPVTI_SEL_A_PROTO]		= MNL_TYPE_U8,
	[ESPVTI_SEL_A_SPORT_MIN]	= MNL_TYPE_U16,
	[ESPVTI_SEL_A_SPORT_MAX]	= MNL_TYPE_U16,
	[ESPVTI_SEL_A_DPORT_MIN]	= MNL_TYPE_U16,
	[ESPVTI_SEL_A_DPORT_MAX]	= MNL_TYPE_U16,
};

static const struct {
	const char *name;
	uint8_t proto;
} proto_names[] = {
	{ "icmp",	IPPROTO_ICMP },
	{ "tcp",	IPPROTO_TCP },
	{ "udp",	IPPROTO_UDP },
	{ "ipv6-icmp",	IPPROTO_ICMPV6 },
};

/* A selector's arguments, and a config file's [Policy] keys, by enum sel_field. */
static const struct keyword sel_kws[SEL_N] = {
	[SEL_FAMILY]	= { .name = "family" },
	[SEL_SRC]	= { .name = "src" },
	[SEL_DST]	= { .name = "dst" },
	[SEL_PROTO]	= { .name = "proto" },
	[SEL_SPORT]	= { .name = "sport" },
	[SEL_DPORT]	= { .name = "dport" },
};

/* policy add, policy del: the same selector, to SEL_ADD or SEL_DEL. */
int cmd_policy_change(const struct ctx *ctx, int argc, char **argv)
{
	struct origin o = { .verb = ctx->verb, .kws = sel_kws };
	const char *vals[SEL_N] = {};
	struct espvti_sel sel = {};
	struct nl nl = {};
	const char *dev;
	int ret;

	if (take_dev(ctx, &argc, &argv, &dev) ||
	    scan_keywords(ctx->verb, argc, argv, sel_kws, SEL_N, vals))
		return ERR_USAGE;
	ret = sel_from_vals(&o, vals, &sel);
	if (ret)
		return ret;
	if (nl_start(&nl, ctx->netns))
		return ERR_FAIL;

	ret = sel_change(&nl, dev, ctx->verb->cmd, &sel);

	mnl_socket_close(nl.sock);
	return ret;
}

int cmd_policy_show(const struct ctx *ctx, int argc, char **argv)
{
	static const struct dump_show d = {
		.cmd = ESPVTI_CMD_SEL_GET, .size = sizeof(struct espvti_sel),
		.cb = sel_cb, .print = print_sel,
	};

	return dump_show(ctx, argc, argv, &d);
}

/* A selector from what @vals give, by enum sel_field: policy add|del, [Policy]. */
int sel_from_vals(const struct origin *o, const char *const *vals,
		  struct espvti_sel *sel)
{
	if (vals[SEL_FAMILY]) {
		if (!strcmp(vals[SEL_FAMILY], "inet"))
			sel->family = AF_INET;
		else if (!strcmp(vals[SEL_FAMILY], "inet6"))
			sel->family = AF_INET6;
		else
			return bad(o, SEL_FAMILY, "\"%s\": not inet or inet6", vals[SEL_FAMILY]);
	}
	if (vals[SEL_SRC] && parse_prefix(vals[SEL_SRC], &sel->src, &sel->src_prefix))
		return bad(o, SEL_SRC, "\"%s\": not an address or ADDRESS/LENGTH", vals[SEL_SRC]);
	if (vals[SEL_DST] && parse_prefix(vals[SEL_DST], &sel->dst, &sel->dst_prefix))
		return bad(o, SEL_DST, "\"%s\": not an address or ADDRESS/LENGTH", vals[SEL_DST]);
	if (sel->src.family && sel->dst.family && sel->src.family != sel->dst.family)
		return bad(o, -1, "%s and %s must be of one family", o->kws[SEL_SRC].name,
			   o->kws[SEL_DST].name);
	if (sel->src.family && sel->family && sel->src.family != sel->family)
		return bad(o, SEL_SRC, "\"%s\" is not of family %s", vals[SEL_SRC],
			   vals[SEL_FAMILY]);
	if (sel->dst.family && sel->family && sel->dst.family != sel->family)
		return bad(o, SEL_DST, "\"%s\" is not of family %s", vals[SEL_DST],
			   vals[SEL_FAMILY]);
	if (!sel->family)
		sel->family = sel->src.family ? sel->src.family : sel->dst.family;
	if (!sel->family)
		return bad(o, SEL_FAMILY, "is needed without %s or %s", o->kws[SEL_SRC].name,
			   o->kws[SEL_DST].name);
	if (vals[SEL_PROTO]) {
		if (parse_proto(vals[SEL_PROTO], &sel->proto))
			return bad(o, SEL_PROTO, "\"%s\": not a protocol name or 0-255",
				   vals[SEL_PROTO]);
		sel->has_proto = sel->proto != 0;	/* 0, any: the same as none */
	}
	if (vals[SEL_SPORT]) {
		if (parse_ports(vals[SEL_SPORT], sel->sport))
			return bad(o, SEL_SPORT, "\"%s\": not PORT or PORT-PORT, low to high",
				   vals[SEL_SPORT]);
		sel->has_sport = true;
	}
	if (vals[SEL_DPORT]) {
		if (parse_ports(vals[SEL_DPORT], sel->dport))
			return bad(o, SEL_DPORT, "\"%s\": not PORT or PORT-PORT, low to high",
				   vals[SEL_DPORT]);
		sel->has_dport = true;
	}
	return 0;
}

static int parse_proto(const char *s, uint8_t *proto)
{
	uint64_t val;
	size_t i;

	for (i = 0; i < MNL_ARRAY_SIZE(proto_names); i++) {
		if (!strcmp(s, proto_names[i].name)) {
			*proto = proto_names[i].proto;
			return 0;
		}
	}
	if (!strcmp(s, "any")) {
		*proto = 0;
		return 0;
	}
	if (parse_uint(s, UINT8_MAX, false, &val))
		return -1;
	*proto = val;
	return 0;
}

int sel_dump(struct nl *nl, const char *dev, struct list *list)
{
	return nl_do(nl, dev_msg(nl, NLM_F_DUMP, ESPVTI_CMD_SEL_GET, dev), sel_cb, list);
}

/* SEL_ADD or SEL_DEL of @sel, its fields as given. */
int sel_change(struct nl *nl, const char *dev, uint8_t cmd, const struct espvti_sel *sel)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	nlh = dev_msg(nl, NLM_F_ACK, cmd, dev);
	nest = mnl_attr_nest_start(nlh, ESPVTI_A_SEL);
	mnl_attr_put_u16(nlh, ESPVTI_SEL_A_FAMILY, sel->family);
	if (sel->src.family) {
		mnl_attr_put(nlh, ESPVTI_SEL_A_SRC, addr_len(&sel->src), sel->src.bytes);
		mnl_attr_put_u8(nlh, ESPVTI_SEL_A_SRC_PREFIX, sel->src_prefix);
	}
	if (sel->dst.family) {
		mnl_attr_put(nlh, ESPVTI_SEL_A_DST, addr_len(&sel->dst), sel->dst.bytes);
		mnl_attr_put_u8(nlh, ESPVTI_SEL_A_DST_PREFIX, sel->dst_prefix);
	}
	if (sel->has_proto)
		mnl_attr_put_u8(nlh, ESPVTI_SEL_A_PROTO, sel->proto);
	if (sel->has_sport) {
		mnl_attr_put_u16(nlh, ESPVTI_SEL_A_SPORT_MIN, sel->sport[0]);
		mnl_attr_put_u16(nlh, ESPVTI_SEL_A_SPORT_MAX, sel->sport[1]);
	}
	if (sel->has_dport) {
		mnl_attr_put_u16(nlh, ESPVTI_SEL_A_DPORT_MIN, sel->dport[0]);
		mnl_attr_put_u16(nlh, ESPVTI_SEL_A_DPORT_MAX, sel->dport[1]);
	}
	mnl_attr_nest_end(nlh, nest);
	return nl_do(nl, nlh, NULL, NULL);
}

/* The selectors of a SEL_GET answer onto the list in @data. */
static int sel_cb(const struct nlmsghdr *nlh, void *data)
{
	return nests_cb(nlh, data, ESPVTI_A_SEL, parse_sel);
}

/* A selector nest into the struct espvti_sel at @item, what is absent filled in as it matches. */
int parse_sel(const struct nlattr *nest, void *item)
{
	struct espvti_sel *sel = item;
	const struct nlattr *tb[ESPVTI_SEL_A_MAX + 1] = {};
	struct attr_table table = { espvti_sel_attr_types, ESPVTI_SEL_A_MAX, tb };

	if (mnl_attr_parse_nested(nest, table_attr_cb, &table) < 0)
		return -1;
	if (tb[ESPVTI_SEL_A_SRC] && get_addr(tb[ESPVTI_SEL_A_SRC], &sel->src))
		return -1;
	if (tb[ESPVTI_SEL_A_DST] && get_addr(tb[ESPVTI_SEL_A_DST], &sel->dst))
		return -1;
	if (tb[ESPVTI_SEL_A_FAMILY])
		sel->family = mnl_attr_get_u16(tb[ESPVTI_SEL_A_FAMILY]);
	else
		sel->family = sel->src.family ? sel->src.family : sel->dst.family;
	if ((sel->src.family && sel->src.family != sel->family) ||
	    (sel->dst.family && sel->dst.family != sel->family)) {
		errno = EPROTO;
		return -1;
	}
	sel->src_prefix = sel->src.family == AF_INET ? 32 : 128;
	if (tb[ESPVTI_SEL_A_SRC_PREFIX])
		sel->src_prefix = mnl_attr_get_u8(tb[ESPVTI_SEL_A_SRC_PREFIX]);
	else if (!sel->src.family)
		sel->src_prefix = 0;
	sel->dst_prefix = sel->dst.family == AF_INET ? 32 : 128;
	if (tb[ESPVTI_SEL_A_DST_PREFIX])
		sel->dst_prefix = mnl_attr_get_u8(tb[ESPVTI_SEL_A_DST_PREFIX]);
	else if (!sel->dst.family)
		sel->dst_prefix = 0;
	if (tb[ESPVTI_SEL_A_PROTO]) {
		sel->has_proto = true;
		sel->proto = mnl_attr_get_u8(tb[ESPVTI_SEL_A_PROTO]);
	}
	sel->sport[1] = UINT16_MAX;
	sel->dport[1] = UINT16_MAX;
	sel->has_sport = tb[ESPVTI_SEL_A_SPORT_MIN] || tb[ESPVTI_SEL_A_SPORT_MAX];
	sel->has_dport = tb[ESPVTI_SEL_A_DPORT_MIN] || tb[ESPVTI_SEL_A_DPORT_MAX];
	if (tb[ESPVTI_SEL_A_SPORT_MIN])
		sel->sport[0] = mnl_attr_get_u16(tb[ESPVTI_SEL_A_SPORT_MIN]);
	if (tb[ESPVTI_SEL_A_SPORT_MAX])
		sel->sport[1] = mnl_attr_get_u16(tb[ESPVTI_SEL_A_SPORT_MAX]);
	if (tb[ESPVTI_SEL_A_DPORT_MIN])
		sel->dport[0] = mnl_attr_get_u16(tb[ESPVTI_SEL_A_DPORT_MIN]);
	if (tb[ESPVTI_SEL_A_DPORT_MAX])
		sel->dport[1] = mnl_attr_get_u16(tb[ESPVTI_SEL_A_DPORT_MAX]);
	return 0;
}

/* The selector of @list equal to @sel (both as sel_fill() makes them), or NULL. */
const struct espvti_sel *find_sel(const struct list *list, const struct espvti_sel *sel)
{
	const struct espvti_sel *s = list->items;
	size_t i;

	for (i = 0; i < list->n; i++, s++) {
		if (s->family == sel->family &&
		    !memcmp(s->src.bytes, sel->src.bytes, sizeof(s->src.bytes)) &&
		    s->src_prefix == sel->src_prefix &&
		    !memcmp(s->dst.bytes, sel->dst.bytes, sizeof(s->dst.bytes)) &&
		    s->dst_prefix == sel->dst_prefix && s->proto == sel->proto &&
		    s->sport[0] == sel->sport[0] && s->sport[1] == sel->sport[1] &&
		    s->dport[0] == sel->dport[0] && s->dport[1] == sel->dport[1])
			return s;
	}
	return NULL;
}

/*
 * Fill in what @sel leaves out as what it matches, the way the kernel does,
 * so that two selectors compare; every field is then given in a request.
 */
void sel_fill(struct espvti_sel *sel)
{
	if (!sel->src.family) {
		memset(&sel->src, 0, sizeof(sel->src));
		sel->src.family = sel->family;
		sel->src_prefix = 0;
	}
	if (!sel->dst.family) {
		memset(&sel->dst, 0, sizeof(sel->dst));
		sel->dst.family = sel->family;
		sel->dst_prefix = 0;
	}
	sel->has_proto = true;
	if (!sel->has_sport) {
		sel->sport[0] = 0;
		sel->sport[1] = UINT16_MAX;
		sel->has_sport = true;
	}
	if (!sel->has_dport) {
		sel->dport[0] = 0;
		sel->dport[1] = UINT16_MAX;
		sel->has_dport = true;
	}
}

/* No bit of @addr is set beyond the first @prefix. */
bool prefix_clean(const struct addr *addr, unsigned int prefix)
{
	unsigned int i;

	for (i = prefix; i < addr_len(addr) * 8; i++) {
		if (addr->bytes[i / 8] & 0x80 >> (i % 8))
			return false;
	}
	return true;
}

/* A selector, every field filled in: a line, or a JSON object. */
static void print_sel(bool json, const void *item)
{
	const struct espvti_sel *sel = item;
	char buf[INET6_ADDRSTRLEN + sizeof("/255")];

	print_family(json, sel->family, "family %d");
	print_str(json, "src", " src %s",
		  sel_addr_str(sel, &sel->src, sel->src_prefix, buf, sizeof(buf)));
	print_str(json, "dst", " dst %s",
		  sel_addr_str(sel, &sel->dst, sel->dst_prefix, buf, sizeof(buf)));
	if (json)
		printf(",\"proto\":%u,\"sport\":[%u,%u],\"dport\":[%u,%u]}", sel->proto,
		       sel->sport[0], sel->sport[1], sel->dport[0], sel->dport[1]);
	else
		printf(" proto %s sport %u-%u dport %u-%u\n",
		       proto_str(sel->proto, buf, sizeof(buf)), sel->sport[0], sel->sport[1],
		       sel->dport[0], sel->dport[1]);
}

/* A selector's address with its prefix length: 0.0.0.0/0 or ::/0 when absent. */
static const char *sel_addr_str(const struct espvti_sel *sel, const struct addr *addr,
				uint8_t prefix, char *buf, size_t size)
{
	struct addr any = { .family = sel->family };
	size_t len;

	if (!addr->family)
		addr = &any;
	if (addr->family != AF_INET && addr->family != AF_INET6) {
		snprintf(buf, size, "any");
		return buf;
	}
	addr_str(addr, buf, size);
	len = strlen(buf);
	snprintf(buf + len, size - len, "/%u", prefix);
	return buf;
}

/* A protocol by name when it has one: "any", "tcp", or the number. */
const char *proto_str(uint8_t proto, char *buf, size_t size)
{
	size_t i;

	if (!proto)
		return "any";
	for (i = 0; i < MNL_ARRAY_SIZE(proto_names); i++) {
		if (proto == proto_names[i].proto)
			return proto_names[i].name;
	}
	snprintf(buf, size, "%u", proto);
	return buf;
}
