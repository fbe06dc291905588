// SPDX-License-Identifier: GPL-2.0
/*
 * espvti: the interfaces: show, set (the tunnel's addresses and ESP in UDP),
 * their requests, their answers and how they print.
 */
#include "espvti.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/genetlink.h>

static int dev_cb(const struct nlmsghdr *nlh, void *data);
static void print_dev(bool json, const void *item);
static void print_encap(bool json, const struct encap *e);
static struct nlmsghdr *dev_set_msg(struct nl *nl, const char *dev, const struct addr *local,
				    const struct addr *remote, const struct encap *e);

int cmd_show(const struct ctx *ctx, int argc, char **argv)
{
	const char *name = argc ? argv[0] : NULL;
	struct list list = { .size = sizeof(struct espvti_dev) };
	const struct espvti_dev *dev;
	struct nl nl = {};
	size_t i;
	int ret;

	if (argc > 1)
		return no_more_args(ctx, argc - 1, argv + 1);
	if (name && !valid_ifname(name))
		return parse_error(ctx->verb, false, "\"%s\" is not a valid interface name", name);
	if (nl_start(&nl, ctx->netns))
		return ERR_FAIL;

	ret = get_devs(&nl, name, &list);
	if (!ret && (ctx->json || !ctx->stats))
		print_list(&list, ctx->json, print_dev);
	for (i = 0, dev = list.items; !ret && !ctx->json && ctx->stats && i < list.n; i++, dev++) {
		print_dev(false, dev);
		print_counters(&dev->stats);
	}

	mnl_socket_close(nl.sock);
	free(list.items);
	return ret;
}

int cmd_set(const struct ctx *ctx, int argc, char **argv)
{
	enum { K_LOCAL, K_REMOTE, K_ENCAP, K_FD = K_ENCAP + ENC_N, K_MTU_AUTO, K_N };
	static const struct keyword kws[K_N] = {
		[K_LOCAL]	= { .name = "local" },
		[K_REMOTE]	= { .name = "remote" },
		[K_MTU_AUTO]	= { .name = "mtu-auto" },
		[K_ENCAP + ENC_ENCAP]		= { .name = "encap" },
		[K_ENCAP + ENC_SPORT]		= { .name = "sport" },
		[K_ENCAP + ENC_DPORT]		= { .name = "dport" },
		[K_ENCAP + ENC_KEEPALIVE]	= { .name = "keepalive" },
		[K_ENCAP + ENC_NAT]		= { .name = "nat" },
		[K_FD]				= { .name = "fd" },
	};
	struct origin o = { .verb = ctx->verb, .kws = kws };
	const char *vals[K_N] = {};
	struct addr local = {}, remote = {};
	struct nlmsghdr *nlh;
	struct encap e = {};
	struct nl nl = {};
	int ret, k, mtu_auto = -1;
	const char *dev;

	if (take_dev(ctx, &argc, &argv, &dev) ||
	    scan_keywords(ctx->verb, argc, argv, kws, K_N, vals))
		return ERR_USAGE;
	for (k = 0; k < K_N && !vals[k]; k++)
		;
	if (k == K_N)
		return parse_error(ctx->verb, true, "nothing to set");
	if (encap_from_vals(&o, vals, K_ENCAP, &e))
		return ERR_USAGE;
	if (vals[K_FD]) {
		uint64_t v;

		if (parse_uint(vals[K_FD], INT32_MAX, false, &v))
			return parse_error(ctx->verb, false, "fd \"%s\": not a file descriptor",
					   vals[K_FD]);
		e.has_fd = true;
		e.fd = v;
	}
	if (vals[K_MTU_AUTO]) {
		if (!strcmp(vals[K_MTU_AUTO], "on"))
			mtu_auto = 1;
		else if (!strcmp(vals[K_MTU_AUTO], "off"))
			mtu_auto = 0;
		else
			return parse_error(ctx->verb, false, "mtu-auto \"%s\": not on or off",
					   vals[K_MTU_AUTO]);
	}
	if (vals[K_LOCAL] && parse_addr(vals[K_LOCAL], &local))
		return parse_error(ctx->verb, false, "\"%s\" is not an IPv4 or IPv6 address",
				   vals[K_LOCAL]);
	if (vals[K_REMOTE] && parse_addr(vals[K_REMOTE], &remote))
		return parse_error(ctx->verb, false, "\"%s\" is not an IPv4 or IPv6 address",
				   vals[K_REMOTE]);
	if (local.family && remote.family && local.family != remote.family)
		return parse_error(ctx->verb, false,
				   "local and remote must be of one family, IPv4 or IPv6");
	if (nl_start(&nl, ctx->netns))
		return ERR_FAIL;

	nlh = dev_set_msg(&nl, dev, &local, &remote, &e);
	if (mtu_auto >= 0)
		mnl_attr_put_u8(nlh, ESPVTI_A_MTU_AUTO, mtu_auto);
	ret = nl_do(&nl, nlh, NULL, NULL);

	mnl_socket_close(nl.sock);
	return ret;
}

/* Say that encapsulation setting @k (enum encap_field) of @vals[@base...] is wrong. */
static int encap_wrong(const struct origin *o, const char *const *vals, int base, int k)
{
	static const char *const wrong[ENC_N] = {
		[ENC_ENCAP]	= "not udp or none",
		[ENC_SPORT]	= "not a port (1..65535)",
		[ENC_DPORT]	= "not a port (1..65535)",
		[ENC_KEEPALIVE]	= "not SECONDS (0..3600), on or off",
		[ENC_NAT]	= "not follow or report",
	};

	return bad(o, base + k, "\"%s\": %s", vals[base + k], wrong[k]);
}

/*
 * The encapsulation settings of @vals, from @vals[@base] on by enum
 * encap_field (NULL: not given), into @e: 0, or ERR_USAGE after saying
 * which is wrong.
 */
int encap_from_vals(const struct origin *o, const char *const *vals, int base, struct encap *e)
{
	const char *const *v = vals + base;
	uint64_t n;
	int k;

	if (v[ENC_ENCAP]) {
		e->has_encap = true;
		if (!strcmp(v[ENC_ENCAP], "udp"))
			e->encap = ESPVTI_ENCAP_UDP;
		else if (!strcmp(v[ENC_ENCAP], "none"))
			e->encap = ESPVTI_ENCAP_NONE;
		else
			return encap_wrong(o, vals, base, ENC_ENCAP);
	}
	for (k = ENC_SPORT; k <= ENC_DPORT; k++) {
		if (!v[k])
			continue;
		if (parse_uint(v[k], UINT16_MAX, false, &n) || !n)
			return encap_wrong(o, vals, base, k);
		if (k == ENC_SPORT) {
			e->has_sport = true;
			e->sport = n;
		} else {
			e->has_dport = true;
			e->dport = n;
		}
	}
	if (v[ENC_KEEPALIVE]) {
		e->has_keepalive = true;
		if (!strcmp(v[ENC_KEEPALIVE], "on"))
			e->keepalive = KEEPALIVE_ON;
		else if (!strcmp(v[ENC_KEEPALIVE], "off"))
			e->keepalive = 0;
		else if (!parse_uint(v[ENC_KEEPALIVE], ESPVTI_KEEPALIVE_MAX, false, &n))
			e->keepalive = n;
		else
			return encap_wrong(o, vals, base, ENC_KEEPALIVE);
	}
	if (v[ENC_NAT]) {
		e->has_nat = true;
		if (!strcmp(v[ENC_NAT], "follow"))
			e->nat_follow = 1;
		else if (!strcmp(v[ENC_NAT], "report"))
			e->nat_follow = 0;
		else
			return encap_wrong(o, vals, base, ENC_NAT);
	}
	return 0;
}

/* The interface named @name, or with no name every interface (a dump). */
int get_devs(struct nl *nl, const char *name, struct list *list)
{
	struct nlmsghdr *nlh;

	if (name)
		nlh = dev_msg(nl, NLM_F_ACK, ESPVTI_CMD_DEV_GET, name);
	else
		nlh = genl_msg(nl->family, NLM_F_DUMP, ESPVTI_CMD_DEV_GET,
			       ESPVTI_GENL_VERSION);
	return nl_do(nl, nlh, dev_cb, list);
}

/* The interface @dev, its SAs and its selectors, into @w (free_dev_whole() frees it). */
int get_dev_whole(struct nl *nl, const char *dev, struct dev_whole *w)
{
	int ret;

	w->devs.size = sizeof(struct espvti_dev);
	w->sas.size = sizeof(struct espvti_sa);
	w->sels.size = sizeof(struct espvti_sel);
	ret = get_devs(nl, dev, &w->devs);
	if (!ret)
		ret = sa_dump(nl, dev, &w->sas);
	if (!ret)
		ret = sel_dump(nl, dev, &w->sels);
	return ret;
}

void free_dev_whole(struct dev_whole *w)
{
	free(w->devs.items);
	free(w->sas.items);
	free(w->sels.items);
}

/*
 * A DEV_SET request with the tunnel's addresses (those of @local and
 * @remote that are set) and the encapsulation settings of @e, if any.
 */
static struct nlmsghdr *dev_set_msg(struct nl *nl, const char *dev, const struct addr *local,
				    const struct addr *remote, const struct encap *e)
{
	struct nlmsghdr *nlh = dev_msg(nl, NLM_F_ACK, ESPVTI_CMD_DEV_SET, dev);

	if (local->family)
		mnl_attr_put(nlh, ESPVTI_A_LOCAL, addr_len(local), local->bytes);
	if (remote->family)
		mnl_attr_put(nlh, ESPVTI_A_REMOTE, addr_len(remote), remote->bytes);
	if (e && e->has_encap)
		mnl_attr_put_u8(nlh, ESPVTI_A_ENCAP, e->encap);
	if (e && e->has_sport)
		mnl_attr_put_u16(nlh, ESPVTI_A_ENCAP_SPORT, e->sport);
	if (e && e->has_dport)
		mnl_attr_put_u16(nlh, ESPVTI_A_ENCAP_DPORT, e->dport);
	if (e && e->has_keepalive)
		mnl_attr_put_u32(nlh, ESPVTI_A_KEEPALIVE, e->keepalive);
	if (e && e->has_nat)
		mnl_attr_put_u8(nlh, ESPVTI_A_NAT_FOLLOW, e->nat_follow);
	if (e && e->has_fd)
		mnl_attr_put_u32(nlh, ESPVTI_A_ENCAP_FD, e->fd);
	return nlh;
}

/* DEV_SET: the tunnel's addresses and encapsulation, as dev_set_msg() puts them. */
int dev_set(struct nl *nl, const char *dev, const struct addr *local,
	    const struct addr *remote, const struct encap *e)
{
	return nl_do(nl, dev_set_msg(nl, dev, local, remote, e), NULL, NULL);
}

/* One interface, from a DEV_GET reply, onto the list in @data. */
static int dev_cb(const struct nlmsghdr *nlh, void *data)
{
	/* What every answer has; the rest is optional. */
	static const unsigned int required[] = {
		ESPVTI_A_IFINDEX, ESPVTI_A_IFNAME, ESPVTI_A_ID, ESPVTI_A_MTU,
		ESPVTI_A_OPER_UP, ESPVTI_A_CARRIER,
	};
	const struct nlattr *tb[ESPVTI_A_MAX + 1] = {};
	struct attr_table table = { espvti_attr_types, ESPVTI_A_MAX, tb };
	struct espvti_dev *dev;
	size_t i;

	if (mnl_attr_parse(nlh, GENL_HDRLEN, table_attr_cb, &table) < 0)
		return MNL_CB_ERROR;
	for (i = 0; i < MNL_ARRAY_SIZE(required); i++) {
		if (!tb[required[i]]) {
			errno = EPROTO;
			return MNL_CB_ERROR;
		}
	}
	dev = list_add(data);
	if (!dev)
		return MNL_CB_ERROR;

	snprintf(dev->ifname, sizeof(dev->ifname), "%s",
		 mnl_attr_get_str(tb[ESPVTI_A_IFNAME]));
	dev->ifindex = mnl_attr_get_u32(tb[ESPVTI_A_IFINDEX]);
	dev->id = mnl_attr_get_u32(tb[ESPVTI_A_ID]);
	dev->mtu = mnl_attr_get_u32(tb[ESPVTI_A_MTU]);
	if (tb[ESPVTI_A_MTU_AUTO]) {
		dev->has_mtu_auto = true;
		dev->mtu_auto = mnl_attr_get_u8(tb[ESPVTI_A_MTU_AUTO]);
	}
	dev->oper_up = mnl_attr_get_u8(tb[ESPVTI_A_OPER_UP]);
	dev->carrier = mnl_attr_get_u8(tb[ESPVTI_A_CARRIER]);
	if (tb[ESPVTI_A_LOCAL] && get_addr(tb[ESPVTI_A_LOCAL], &dev->local))
		return MNL_CB_ERROR;
	if (tb[ESPVTI_A_REMOTE] && get_addr(tb[ESPVTI_A_REMOTE], &dev->remote))
		return MNL_CB_ERROR;
	if (tb[ESPVTI_A_LINK_NETNSID]) {
		dev->has_netnsid = true;
		dev->netnsid = (int32_t)mnl_attr_get_u32(tb[ESPVTI_A_LINK_NETNSID]);
	}
	get_encap(tb, &dev->encap);
	if (tb[ESPVTI_A_STATS] && parse_stats(tb[ESPVTI_A_STATS], &dev->stats))
		return MNL_CB_ERROR;
	if (tb[ESPVTI_A_DIAG] && parse_diag(tb[ESPVTI_A_DIAG], &dev->diag))
		return MNL_CB_ERROR;
	return MNL_CB_OK;
}

/* The encapsulation attributes of an answer or event. */
void get_encap(const struct nlattr *const *tb, struct encap *e)
{
	if (tb[ESPVTI_A_ENCAP]) {
		e->has_encap = true;
		e->encap = mnl_attr_get_u8(tb[ESPVTI_A_ENCAP]);
	}
	if (tb[ESPVTI_A_ENCAP_SPORT]) {
		e->has_sport = true;
		e->sport = mnl_attr_get_u16(tb[ESPVTI_A_ENCAP_SPORT]);
	}
	if (tb[ESPVTI_A_ENCAP_DPORT]) {
		e->has_dport = true;
		e->dport = mnl_attr_get_u16(tb[ESPVTI_A_ENCAP_DPORT]);
	}
	if (tb[ESPVTI_A_KEEPALIVE]) {
		e->has_keepalive = true;
		e->keepalive = mnl_attr_get_u32(tb[ESPVTI_A_KEEPALIVE]);
	}
	if (tb[ESPVTI_A_NAT_FOLLOW]) {
		e->has_nat = true;
		e->nat_follow = mnl_attr_get_u8(tb[ESPVTI_A_NAT_FOLLOW]);
	}
	if (tb[ESPVTI_A_ENCAP_SOCKET]) {
		e->has_socket = true;
		e->socket = mnl_attr_get_u8(tb[ESPVTI_A_ENCAP_SOCKET]);
	}
}

static const char *encap_socket_name(uint8_t s)
{
	switch (s) {
	case ESPVTI_ENCAP_SOCKET_NONE:
		return "none";
	case ESPVTI_ENCAP_SOCKET_OWN:
		return "own";
	case ESPVTI_ENCAP_SOCKET_ATTACHED:
		return "attached";
	}
	return "unknown";
}

/* An interface: a line, or a JSON object with its counters when it has them. */
static void print_dev(bool json, const void *item)
{
	const struct espvti_dev *dev = item;
	char buf[INET6_ADDRSTRLEN];

	if (json) {
		printf("{\"ifname\":");
		print_json_string(dev->ifname);
	} else {
		printf("%s:", dev->ifname);
	}
	print_uint(json, "ifindex", NULL, dev->ifindex);
	print_uint(json, "id", " id %llu", dev->id);
	print_uint(json, "mtu", " mtu %llu", dev->mtu);
	/* In text only when it is off: the MTU was set by hand. */
	if (dev->has_mtu_auto && (json || !dev->mtu_auto))
		print_flag(json, "mtu_auto", " mtu-auto %s", "on", "off", dev->mtu_auto);
	print_flag(json, "carrier", " carrier %s", "on", "off", dev->carrier);
	print_flag(json, "oper_up", " oper %s", "up", "down", dev->oper_up);
	if (dev->local.family)
		print_str(json, "local", " local %s", addr_str(&dev->local, buf, sizeof(buf)));
	if (dev->remote.family)
		print_str(json, "remote", " remote %s", addr_str(&dev->remote, buf, sizeof(buf)));
	if (dev->has_netnsid)
		printf(json ? ",\"link_netnsid\":%d" : " link-netnsid %d", dev->netnsid);
	print_encap(json, &dev->encap);
	if (json && dev->stats.present) {
		printf(",\"stats\":{");
		print_stats_fields(&dev->stats);
		putchar('}');
	}
	putchar(json ? '}' : '\n');
}

/*
 * " encap udp sport N dport N keepalive S nat follow|report" as set takes
 * it, then " socket own|attached|none" (whose socket it receives on).
 */
static void print_encap(bool json, const struct encap *e)
{
	if (!e->has_encap)
		return;
	print_str(json, "encap", " encap %s", e->encap == ESPVTI_ENCAP_UDP ? "udp" : "none");
	if (e->has_sport)
		print_uint(json, "sport", " sport %llu", e->sport);
	if (e->has_dport)
		print_uint(json, "dport", " dport %llu", e->dport);
	if (e->has_keepalive)
		print_uint(json, "keepalive", e->keepalive ? " keepalive %llu" : " keepalive off",
			   e->keepalive);
	if (e->has_nat)
		print_str(json, "nat", " nat %s", e->nat_follow ? "follow" : "report");
	if (e->has_socket)
		print_str(json, "socket", " socket %s", encap_socket_name(e->socket));
}

