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
static void print_dev_plain(const void *item);
static void print_dev_json(const void *item);
static void print_encap_plain(const struct encap *e);
static void print_encap_json(const struct encap *e);

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
		print_list(&list, ctx->json, print_dev_plain, print_dev_json);
	for (i = 0, dev = list.items; !ret && !ctx->json && ctx->stats && i < list.n; i++, dev++) {
		print_dev_plain(dev);
		print_counters(&dev->stats);
	}

	mnl_socket_close(nl.sock);
	free(list.items);
	return ret;
}

int cmd_set(const struct ctx *ctx, int argc, char **argv)
{
	enum { K_LOCAL, K_REMOTE, K_ENCAP, K_FD = K_ENCAP + ENC_N, K_N };
	static const struct keyword kws[K_N] = {
		[K_LOCAL]	= { .name = "local" },
		[K_REMOTE]	= { .name = "remote" },
		[K_ENCAP + ENC_ENCAP]		= { .name = "encap" },
		[K_ENCAP + ENC_SPORT]		= { .name = "sport" },
		[K_ENCAP + ENC_DPORT]		= { .name = "dport" },
		[K_ENCAP + ENC_KEEPALIVE]	= { .name = "keepalive" },
		[K_ENCAP + ENC_NAT]		= { .name = "nat" },
		[K_FD]				= { .name = "fd" },
	};
	const char *vals[K_N] = {};
	struct addr local = {}, remote = {};
	struct encap e = {};
	struct nl nl = {};
	const char *dev;
	int ret, k;

	if (take_dev(ctx, &argc, &argv, &dev) ||
	    scan_keywords(ctx->verb, argc, argv, kws, K_N, vals))
		return ERR_USAGE;
	for (k = 0; k < K_N && !vals[k]; k++)
		;
	if (k == K_N)
		return parse_error(ctx->verb, true, "nothing to set");
	if (encap_from_vals(vals + K_ENCAP, &e, &k))
		return parse_error(ctx->verb, false, "%s \"%s\": %s", kws[K_ENCAP + k].name,
				   vals[K_ENCAP + k],
				   k == ENC_ENCAP ? "not udp or none" :
				   k == ENC_KEEPALIVE ? "not SECONDS (0..3600), on or off" :
				   k == ENC_NAT ? "not follow or report" : "not a port (1..65535)");
	if (vals[K_FD]) {
		uint64_t v;

		if (parse_uint(vals[K_FD], INT32_MAX, false, &v))
			return parse_error(ctx->verb, false, "fd \"%s\": not a file descriptor",
					   vals[K_FD]);
		e.has_fd = true;
		e.fd = v;
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

	ret = dev_set(&nl, dev, &local, &remote, &e);

	mnl_socket_close(nl.sock);
	return ret;
}

/*
 * The encapsulation settings @vals (enum encap_field; NULL: not given)
 * into @e; on error -1 with *@badk the field at fault.
 */
int encap_from_vals(const char *const *vals, struct encap *e, int *badk)
{
	uint64_t v;

	if (vals[ENC_ENCAP]) {
		e->has_encap = true;
		if (!strcmp(vals[ENC_ENCAP], "udp"))
			e->encap = ESPVTI_ENCAP_UDP;
		else if (!strcmp(vals[ENC_ENCAP], "none"))
			e->encap = ESPVTI_ENCAP_NONE;
		else
			goto bad_encap;
	}
	if (vals[ENC_SPORT]) {
		if (parse_uint(vals[ENC_SPORT], UINT16_MAX, false, &v) || !v)
			goto bad_sport;
		e->has_sport = true;
		e->sport = v;
	}
	if (vals[ENC_DPORT]) {
		if (parse_uint(vals[ENC_DPORT], UINT16_MAX, false, &v) || !v)
			goto bad_dport;
		e->has_dport = true;
		e->dport = v;
	}
	if (vals[ENC_KEEPALIVE]) {
		e->has_keepalive = true;
		if (!strcmp(vals[ENC_KEEPALIVE], "on"))
			e->keepalive = KEEPALIVE_ON;
		else if (!strcmp(vals[ENC_KEEPALIVE], "off"))
			e->keepalive = 0;
		else if (!parse_uint(vals[ENC_KEEPALIVE], ESPVTI_KEEPALIVE_MAX, false, &v))
			e->keepalive = v;
		else
			goto bad_keepalive;
	}
	if (vals[ENC_NAT]) {
		e->has_nat = true;
		if (!strcmp(vals[ENC_NAT], "follow"))
			e->nat_follow = 1;
		else if (!strcmp(vals[ENC_NAT], "report"))
			e->nat_follow = 0;
		else
			goto bad_nat;
	}
	return 0;

bad_encap:
	*badk = ENC_ENCAP;
	return -1;
bad_sport:
	*badk = ENC_SPORT;
	return -1;
bad_dport:
	*badk = ENC_DPORT;
	return -1;
bad_keepalive:
	*badk = ENC_KEEPALIVE;
	return -1;
bad_nat:
	*badk = ENC_NAT;
	return -1;
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

/* DEV_SET: the tunnel's addresses, those of @local and @remote that are set. */
int dev_set(struct nl *nl, const char *dev, const struct addr *local,
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
	return nl_do(nl, nlh, NULL, NULL);
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

static void print_dev_plain(const void *item)
{
	const struct espvti_dev *dev = item;
	char buf[INET6_ADDRSTRLEN];

	printf("%s: id %u mtu %u carrier %s oper %s", dev->ifname, dev->id,
	       dev->mtu, dev->carrier ? "on" : "off", dev->oper_up ? "up" : "down");
	if (dev->local.family)
		printf(" local %s", addr_str(&dev->local, buf, sizeof(buf)));
	if (dev->remote.family)
		printf(" remote %s", addr_str(&dev->remote, buf, sizeof(buf)));
	if (dev->has_netnsid)
		printf(" link-netnsid %d", dev->netnsid);
	print_encap_plain(&dev->encap);
	putchar('\n');
}

static void print_dev_json(const void *item)
{
	const struct espvti_dev *dev = item;
	char buf[INET6_ADDRSTRLEN];

	printf("{\"ifname\":");
	print_json_string(dev->ifname);
	printf(",\"ifindex\":%u,\"id\":%u,\"mtu\":%u,\"carrier\":%s,\"oper_up\":%s",
	       dev->ifindex, dev->id, dev->mtu, json_bool(dev->carrier),
	       json_bool(dev->oper_up));
	if (dev->local.family)
		printf(",\"local\":\"%s\"", addr_str(&dev->local, buf, sizeof(buf)));
	if (dev->remote.family)
		printf(",\"remote\":\"%s\"", addr_str(&dev->remote, buf, sizeof(buf)));
	if (dev->has_netnsid)
		printf(",\"link_netnsid\":%d", dev->netnsid);
	print_encap_json(&dev->encap);
	if (dev->stats.present) {
		printf(",\"stats\":{");
		print_stats_fields(&dev->stats);
		putchar('}');
	}
	putchar('}');
}

/*
 * " encap udp sport N dport N keepalive S nat follow|report" as set takes
 * it, then " socket own|attached|none" (whose socket it receives on).
 */
static void print_encap_plain(const struct encap *e)
{
	if (!e->has_encap)
		return;
	printf(" encap %s", e->encap == ESPVTI_ENCAP_UDP ? "udp" : "none");
	if (e->has_sport)
		printf(" sport %u", e->sport);
	if (e->has_dport)
		printf(" dport %u", e->dport);
	if (e->has_keepalive) {
		if (e->keepalive)
			printf(" keepalive %u", e->keepalive);
		else
			printf(" keepalive off");
	}
	if (e->has_nat)
		printf(" nat %s", e->nat_follow ? "follow" : "report");
	if (e->has_socket)
		printf(" socket %s", encap_socket_name(e->socket));
}

static void print_encap_json(const struct encap *e)
{
	if (!e->has_encap)
		return;
	printf(",\"encap\":\"%s\"", e->encap == ESPVTI_ENCAP_UDP ? "udp" : "none");
	if (e->has_sport)
		printf(",\"sport\":%u", e->sport);
	if (e->has_dport)
		printf(",\"dport\":%u", e->dport);
	if (e->has_keepalive)
		printf(",\"keepalive\":%u", e->keepalive);
	if (e->has_nat)
		printf(",\"nat\":\"%s\"", e->nat_follow ? "follow" : "report");
	if (e->has_socket)
		printf(",\"socket\":\"%s\"", encap_socket_name(e->socket));
}
