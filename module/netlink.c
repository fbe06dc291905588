// SPDX-License-Identifier: GPL-2.0
/*
 * The "espvti" generic netlink family. Every request is served in the
 * caller's network namespace; every rejection carries an extack message.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/if.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "espvti.h"

static struct netlink_range_validation espvti_window_range = {
	.min = 0,
	.max = ESPVTI_REPLAY_MAX_WINDOW,
};

static struct netlink_range_validation espvti_spi_range = {
	.min = 256,	/* 1..255: reserved by IANA (RFC 4303 section 2.1) */
	.max = U32_MAX,
};

const struct nla_policy espvti_life_policy[ESPVTI_LIFE_A_MAX + 1] = {
	[ESPVTI_LIFE_A_ADD_SECS]	= { .type = NLA_U64 },
	[ESPVTI_LIFE_A_USE_SECS]	= { .type = NLA_U64 },
	[ESPVTI_LIFE_A_BYTES]		= { .type = NLA_U64 },
	[ESPVTI_LIFE_A_PACKETS]		= { .type = NLA_U64 },
};
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_life_policy);

#define ESPVTI_READ_ONLY \
	{ .type = NLA_REJECT, .reject_message = "read-only: only the kernel sets it" }

const struct nla_policy espvti_sa_policy[ESPVTI_SA_A_MAX + 1] = {
	[ESPVTI_SA_A_DIR]		= NLA_POLICY_RANGE(NLA_U8, ESPVTI_SA_DIR_IN,
							   ESPVTI_SA_DIR_OUT),
	[ESPVTI_SA_A_SPI]		= NLA_POLICY_FULL_RANGE(NLA_U32, &espvti_spi_range),
	[ESPVTI_SA_A_ALG]		= NLA_POLICY_RANGE(NLA_U8, 1, ESPVTI_ALG_MAX),
	[ESPVTI_SA_A_KEY]		= { .type = NLA_BINARY, .len = 64 },
	[ESPVTI_SA_A_AUTH_KEY]		= { .type = NLA_BINARY, .len = 64 },
	[ESPVTI_SA_A_ICV_LEN]		= NLA_POLICY_RANGE(NLA_U8, 8, 32),
	[ESPVTI_SA_A_ESN]		= NLA_POLICY_MAX(NLA_U8, 1),
	[ESPVTI_SA_A_REPLAY_WINDOW]	= NLA_POLICY_FULL_RANGE(NLA_U32, &espvti_window_range),
	[ESPVTI_SA_A_SEQ]		= { .type = NLA_U64 },
	[ESPVTI_SA_A_CURRENT]		= NLA_POLICY_MAX(NLA_U8, 1),
	[ESPVTI_SA_A_STATS]		= ESPVTI_READ_ONLY,
	[ESPVTI_SA_A_SOFT]		= NLA_POLICY_NESTED(espvti_life_policy),
	[ESPVTI_SA_A_HARD]		= NLA_POLICY_NESTED(espvti_life_policy),
	[ESPVTI_SA_A_AGE]		= ESPVTI_READ_ONLY,
	[ESPVTI_SA_A_USE_AGE]		= ESPVTI_READ_ONLY,
	[ESPVTI_SA_A_BYTES]		= ESPVTI_READ_ONLY,
	[ESPVTI_SA_A_PACKETS]		= ESPVTI_READ_ONLY,
	[ESPVTI_SA_A_SOFT_EXPIRED]	= ESPVTI_READ_ONLY,
};
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_sa_policy);

const struct nla_policy espvti_sel_policy[ESPVTI_SEL_A_MAX + 1] = {
	[ESPVTI_SEL_A_FAMILY]		= { .type = NLA_U16 },
	[ESPVTI_SEL_A_SRC]		= { .type = NLA_BINARY, .len = 16 },
	[ESPVTI_SEL_A_SRC_PREFIX]	= NLA_POLICY_MAX(NLA_U8, 128),
	[ESPVTI_SEL_A_DST]		= { .type = NLA_BINARY, .len = 16 },
	[ESPVTI_SEL_A_DST_PREFIX]	= NLA_POLICY_MAX(NLA_U8, 128),
	[ESPVTI_SEL_A_PROTO]		= { .type = NLA_U8 },
	[ESPVTI_SEL_A_SPORT_MIN]	= { .type = NLA_U16 },
	[ESPVTI_SEL_A_SPORT_MAX]	= { .type = NLA_U16 },
	[ESPVTI_SEL_A_DPORT_MIN]	= { .type = NLA_U16 },
	[ESPVTI_SEL_A_DPORT_MAX]	= { .type = NLA_U16 },
};
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_sel_policy);

const struct nla_policy espvti_genl_policy[ESPVTI_A_MAX + 1] = {
	[ESPVTI_A_IFINDEX]	= NLA_POLICY_MIN(NLA_U32, 1),
	[ESPVTI_A_IFNAME]	= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[ESPVTI_A_ID]		= ESPVTI_READ_ONLY,
	[ESPVTI_A_MTU]		= ESPVTI_READ_ONLY,
	[ESPVTI_A_OPER_UP]	= ESPVTI_READ_ONLY,
	[ESPVTI_A_CARRIER]	= ESPVTI_READ_ONLY,
	[ESPVTI_A_LOCAL]	= { .type = NLA_BINARY, .len = 16 },
	[ESPVTI_A_REMOTE]	= { .type = NLA_BINARY, .len = 16 },
	[ESPVTI_A_LINK_NETNSID]	= ESPVTI_READ_ONLY,
	[ESPVTI_A_STATS]	= ESPVTI_READ_ONLY,
	[ESPVTI_A_SA]		= NLA_POLICY_NESTED(espvti_sa_policy),
	[ESPVTI_A_SEL]		= NLA_POLICY_NESTED(espvti_sel_policy),
	[ESPVTI_A_SPI_MIN]	= NLA_POLICY_FULL_RANGE(NLA_U32, &espvti_spi_range),
	[ESPVTI_A_SPI_MAX]	= NLA_POLICY_FULL_RANGE(NLA_U32, &espvti_spi_range),
	[ESPVTI_A_REASON]	= ESPVTI_READ_ONLY,
	[ESPVTI_A_EXPIRE]	= ESPVTI_READ_ONLY,
	[ESPVTI_A_FLOW]		= ESPVTI_READ_ONLY,
	[ESPVTI_A_ENCAP]	= NLA_POLICY_MAX(NLA_U8, ESPVTI_ENCAP_UDP),
	[ESPVTI_A_ENCAP_SPORT]	= NLA_POLICY_MIN(NLA_U16, 1),
	[ESPVTI_A_ENCAP_DPORT]	= NLA_POLICY_MIN(NLA_U16, 1),
	[ESPVTI_A_KEEPALIVE]	= NLA_POLICY_MAX(NLA_U32, ESPVTI_KEEPALIVE_MAX),
	[ESPVTI_A_NAT_FOLLOW]	= NLA_POLICY_MAX(NLA_U8, 1),
	[ESPVTI_A_OLD_REMOTE]	= ESPVTI_READ_ONLY,
	[ESPVTI_A_OLD_DPORT]	= ESPVTI_READ_ONLY,
	[ESPVTI_A_ENCAP_FD]	= { .type = NLA_U32 },
	[ESPVTI_A_ENCAP_SOCKET]	= ESPVTI_READ_ONLY,
	[ESPVTI_A_MTU_AUTO]	= NLA_POLICY_MAX(NLA_U8, 1),
	[ESPVTI_A_DIAG]		= ESPVTI_READ_ONLY,
};
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_genl_policy);

static struct genl_family espvti_genl_family;

static int espvti_nl_put_addr(struct sk_buff *skb, int attr, u16 family,
			      const union espvti_addr *a)
{
	if (family == AF_INET)
		return nla_put_in_addr(skb, attr, a->v4);
	return nla_put_in6_addr(skb, attr, &a->v6);
}

static int espvti_nl_put_peer(struct sk_buff *skb, const struct espvti_dev *edev)
{
	const struct espvti_peer *peer = rtnl_dereference(edev->peer);

	if (!peer)
		return 0;
	if (espvti_nl_put_addr(skb, ESPVTI_A_LOCAL, peer->family, &peer->local) ||
	    espvti_nl_put_addr(skb, ESPVTI_A_REMOTE, peer->family, &peer->remote) ||
	    nla_put_u8(skb, ESPVTI_A_ENCAP, peer->encap))
		return -EMSGSIZE;
	if (peer->encap == ESPVTI_ENCAP_UDP &&
	    (nla_put_u16(skb, ESPVTI_A_ENCAP_SPORT, peer->sport) ||
	     nla_put_u16(skb, ESPVTI_A_ENCAP_DPORT, peer->dport) ||
	     nla_put_u32(skb, ESPVTI_A_KEEPALIVE, peer->keepalive) ||
	     nla_put_u8(skb, ESPVTI_A_NAT_FOLLOW, peer->nat_follow) ||
	     nla_put_u8(skb, ESPVTI_A_ENCAP_SOCKET, espvti_udp_socket_kind(edev))))
		return -EMSGSIZE;
	return 0;
}

/* Which interface a message is about. */
static int espvti_nl_put_ifname(struct sk_buff *skb, const struct espvti_dev *edev)
{
	if (nla_put_u32(skb, ESPVTI_A_IFINDEX, edev->dev->ifindex) ||
	    nla_put_string(skb, ESPVTI_A_IFNAME, edev->dev->name) ||
	    nla_put_u32(skb, ESPVTI_A_ID, edev->id))
		return -EMSGSIZE;
	return 0;
}

/*
 * An interface as DEV_GET and DEV_CHANGE_NTF say it; with @diag what it
 * remembers for diagnosis too (only for the administrator: it names inner
 * flows, as acquire events do).
 */
static int espvti_nl_fill_dev(struct sk_buff *skb, struct espvti_dev *edev,
			      u32 portid, u32 seq, int flags, u8 cmd,
			      struct netlink_callback *cb, bool diag)
{
	const struct net_device *dev = edev->dev;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &espvti_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);

	if (espvti_nl_put_ifname(skb, edev) ||
	    nla_put_u32(skb, ESPVTI_A_MTU, READ_ONCE(dev->mtu)) ||
	    nla_put_u8(skb, ESPVTI_A_MTU_AUTO, !READ_ONCE(edev->mtu_user)) ||
	    /*
	     * An event goes out before linkwatch updates the operational
	     * state: it says what that state becomes.
	     */
	    nla_put_u8(skb, ESPVTI_A_OPER_UP, cmd == ESPVTI_CMD_DEV_CHANGE_NTF ?
		       netif_running(dev) && netif_carrier_ok(dev) : netif_oper_up(dev)) ||
	    nla_put_u8(skb, ESPVTI_A_CARRIER, netif_carrier_ok(dev)) ||
	    espvti_nl_put_peer(skb, edev) ||
	    espvti_stats_put(skb, ESPVTI_A_STATS, edev->stats, edev->stats_base))
		goto cancel;
	if (diag && espvti_diag_put(skb, edev))
		goto cancel;
	if (!net_eq(edev->net, dev_net(dev))) {
		int id = peernet2id_alloc(dev_net(dev), edev->net, GFP_KERNEL);

		if (nla_put_s32(skb, ESPVTI_A_LINK_NETNSID, id))
			goto cancel;
	}
	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/*
 * The espvti interface that @attrs name in @net; RTNL held. With both
 * ifindex and name given, they must agree.
 */
static struct espvti_dev *espvti_nl_lookup(struct net *net, struct nlattr **attrs,
					   struct netlink_ext_ack *extack)
{
	struct net_device *dev = NULL;
	struct nlattr *bad = NULL;

	ASSERT_RTNL();
	if (!attrs[ESPVTI_A_IFINDEX] && !attrs[ESPVTI_A_IFNAME]) {
		NL_SET_ERR_MSG(extack, "an interface is needed: ifindex or ifname");
		return ERR_PTR(-EINVAL);
	}
	if (attrs[ESPVTI_A_IFINDEX]) {
		bad = attrs[ESPVTI_A_IFINDEX];
		dev = __dev_get_by_index(net, nla_get_u32(bad));
	}
	if (attrs[ESPVTI_A_IFNAME]) {
		struct net_device *named;

		named = __dev_get_by_name(net, nla_data(attrs[ESPVTI_A_IFNAME]));
		if (dev && named != dev) {
			NL_SET_ERR_MSG_ATTR(extack, attrs[ESPVTI_A_IFNAME],
					    "ifindex and ifname name different interfaces");
			return ERR_PTR(-EINVAL);
		}
		bad = attrs[ESPVTI_A_IFNAME];
		dev = named;
	}
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(extack, bad, "no such interface in this namespace");
		return ERR_PTR(-ENODEV);
	}
	if (!netif_is_espvti(dev)) {
		NL_SET_ERR_MSG_ATTR(extack, bad, "not an espvti interface");
		return ERR_PTR(-EOPNOTSUPP);
	}
	return netdev_priv(dev);
}

/*
 * The privilege rule (design.rst, "Privilege"). Every request that changes
 * something needs CAP_NET_ADMIN over the user namespace owning the
 * interface's namespace (GENL_UNS_ADMIN_PERM). What claims something of
 * the underlay, the namespace the tunnel was created in and sends from,
 * needs it over the underlay's owner too, as WireGuard's listen-port and
 * fwmark do: the endpoints and UDP ports or sockets there (set), an SPI
 * in its table of inbound SAs (an inbound SA, an SPI reservation). The
 * interface's own outbound SAs, selectors, counters and deletions do not.
 */
static int espvti_nl_underlay_admin(struct sk_buff *skb, struct genl_info *info,
				    struct espvti_dev *edev)
{
	if (netlink_ns_capable(skb, edev->net->user_ns, CAP_NET_ADMIN))
		return 0;
	NL_SET_ERR_MSG(info->extack,
		       "this needs CAP_NET_ADMIN in the tunnel's underlay namespace (where it was created)");
	return -EPERM;
}

static int espvti_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct espvti_dev *edev;
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	rtnl_lock();
	edev = espvti_nl_lookup(genl_info_net(info), info->attrs, info->extack);
	if (IS_ERR(edev))
		err = PTR_ERR(edev);
	else
		err = espvti_nl_fill_dev(msg, edev, info->snd_portid,
					 info->snd_seq, 0, ESPVTI_CMD_DEV_GET, NULL,
					 netlink_ns_capable(skb, genl_info_net(info)->user_ns,
							    CAP_NET_ADMIN));
	rtnl_unlock();

	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* cb->args[0]: how many interfaces earlier parts of the dump returned. */
static int espvti_nl_dev_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct espvti_net *en = espvti_pernet(sock_net(skb->sk));
	bool diag = netlink_ns_capable(cb->skb, sock_net(skb->sk)->user_ns, CAP_NET_ADMIN);
	struct espvti_dev *edev;
	long idx = 0;

	rtnl_lock();
	cb->seq = en->gen;
	list_for_each_entry(edev, &en->devs, list) {
		if (idx < cb->args[0]) {
			idx++;
			continue;
		}
		if (espvti_nl_fill_dev(skb, edev, NETLINK_CB(cb->skb).portid,
				       cb->nlh->nlmsg_seq, NLM_F_MULTI, ESPVTI_CMD_DEV_GET, cb,
				       diag))
			break;
		idx++;
	}
	rtnl_unlock();

	cb->args[0] = idx;
	return skb->len;	/* 0 ends the dump */
}

/* An address attribute: 4 bytes for IPv4, 16 for IPv6. */
static int espvti_nl_get_addr(const struct nlattr *attr, u16 *family, union espvti_addr *a,
			      struct netlink_ext_ack *extack)
{
	memset(a, 0, sizeof(*a));
	switch (nla_len(attr)) {
	case sizeof(a->v4):
		*family = AF_INET;
		a->v4 = nla_get_in_addr(attr);
		return 0;
	case sizeof(a->v6):
		*family = AF_INET6;
		a->v6 = nla_get_in6_addr(attr);
		return 0;
	}
	NL_SET_ERR_MSG_ATTR(extack, attr, "an address is 4 (IPv4) or 16 (IPv6) bytes");
	return -EINVAL;
}

/*
 * Look the interface up and hold it, for a command that must work without
 * RTNL for a while (to allocate crypto transforms); NULL on error.
 */
static struct espvti_dev *espvti_nl_hold(struct genl_info *info, netdevice_tracker *tracker)
{
	struct espvti_dev *edev;

	rtnl_lock();
	edev = espvti_nl_lookup(genl_info_net(info), info->attrs, info->extack);
	if (!IS_ERR(edev))
		netdev_hold(edev->dev, tracker, GFP_KERNEL);
	rtnl_unlock();
	return edev;
}

/* Whether a DEV_SET request changes the tunnel's endpoints or encapsulation. */
static bool espvti_nl_sets_peer(struct nlattr **attrs)
{
	return attrs[ESPVTI_A_LOCAL] || attrs[ESPVTI_A_REMOTE] || attrs[ESPVTI_A_ENCAP] ||
	       attrs[ESPVTI_A_ENCAP_SPORT] || attrs[ESPVTI_A_ENCAP_DPORT] ||
	       attrs[ESPVTI_A_KEEPALIVE] || attrs[ESPVTI_A_NAT_FOLLOW] ||
	       attrs[ESPVTI_A_ENCAP_FD];
}

/* DEV_SET's endpoints and encapsulation, RTNL held. */
static int espvti_nl_set_peer(struct sk_buff *skb, struct genl_info *info,
			      struct espvti_dev *edev)
{
	struct nlattr **attrs = info->attrs;
	struct espvti_peer *peer, *old;
	struct espvti_usock *us;
	u16 family = 0, f;
	int err;

	if (attrs[ESPVTI_A_ENCAP_FD] && attrs[ESPVTI_A_ENCAP_SPORT]) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[ESPVTI_A_ENCAP_SPORT],
				    "encap-sport comes from the socket that encap-fd gives");
		return -EINVAL;
	}
	if (attrs[ESPVTI_A_ENCAP_FD] && attrs[ESPVTI_A_ENCAP] &&
	    nla_get_u8(attrs[ESPVTI_A_ENCAP]) != ESPVTI_ENCAP_UDP) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[ESPVTI_A_ENCAP_FD],
				    "encap-fd is for encap udp");
		return -EINVAL;
	}
	err = espvti_nl_underlay_admin(skb, info, edev);
	if (err)
		return err;
	peer = kzalloc(sizeof(*peer), GFP_KERNEL_ACCOUNT);
	if (!peer)
		return -ENOMEM;
	old = rtnl_dereference(edev->peer);
	if (old) {
		*peer = *old;
		family = old->family;
	} else {
		peer->sport = ESPVTI_ENCAP_PORT;
		peer->dport = ESPVTI_ENCAP_PORT;
		peer->nat_follow = true;
	}
	if (attrs[ESPVTI_A_LOCAL] || attrs[ESPVTI_A_REMOTE])
		family = 0;
	if (attrs[ESPVTI_A_LOCAL]) {
		err = espvti_nl_get_addr(attrs[ESPVTI_A_LOCAL], &family, &peer->local,
					 info->extack);
		if (err)
			goto out;
	}
	if (attrs[ESPVTI_A_REMOTE]) {
		err = espvti_nl_get_addr(attrs[ESPVTI_A_REMOTE], &f, &peer->remote, info->extack);
		if (err)
			goto out;
		if (family && f != family) {
			NL_SET_ERR_MSG_ATTR(info->extack, attrs[ESPVTI_A_REMOTE],
					    "local and remote must be of one family");
			err = -EINVAL;
			goto out;
		}
		family = f;
	}
	if (old && old->family != family && (!attrs[ESPVTI_A_LOCAL] || !attrs[ESPVTI_A_REMOTE])) {
		NL_SET_ERR_MSG(info->extack,
			       "changing the family needs both local and remote");
		err = -EINVAL;
		goto out;
	}
	if (!old && !attrs[ESPVTI_A_REMOTE]) {
		NL_SET_ERR_MSG(info->extack, "the tunnel has no remote address yet");
		err = -EINVAL;
		goto out;
	}
	peer->family = family;
	if (attrs[ESPVTI_A_ENCAP])
		peer->encap = nla_get_u8(attrs[ESPVTI_A_ENCAP]);
	if (attrs[ESPVTI_A_ENCAP_FD])
		peer->encap = ESPVTI_ENCAP_UDP;
	if (attrs[ESPVTI_A_ENCAP_SPORT])
		peer->sport = nla_get_u16(attrs[ESPVTI_A_ENCAP_SPORT]);
	if (attrs[ESPVTI_A_ENCAP_DPORT])
		peer->dport = nla_get_u16(attrs[ESPVTI_A_ENCAP_DPORT]);
	if (attrs[ESPVTI_A_KEEPALIVE])
		peer->keepalive = nla_get_u32(attrs[ESPVTI_A_KEEPALIVE]);
	if (attrs[ESPVTI_A_NAT_FOLLOW])
		peer->nat_follow = nla_get_u8(attrs[ESPVTI_A_NAT_FOLLOW]);

	/* The socket first: without it nothing changes. */
	us = espvti_udp_prepare(edev, peer, attrs[ESPVTI_A_ENCAP_FD], info->extack);
	if (IS_ERR(us)) {
		err = PTR_ERR(us);
		goto out;
	}
	rcu_assign_pointer(edev->peer, peer);
	peer = NULL;
	if (old)
		kfree_rcu(old, rcu);
	espvti_dev_rehash(edev);
	memset(&edev->nat_reported, 0, sizeof(edev->nat_reported));
	espvti_udp_commit(edev, us);
	espvti_dev_update(edev);
	err = 0;
out:
	kfree(peer);
	return err;
}

/*
 * DEV_SET: the endpoints and encapsulation (they act in the underlay, whose
 * admin the caller must be), then whose the MTU is (the interface's own
 * business). A request that fails changes nothing.
 */
static int espvti_nl_dev_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct espvti_dev *edev;
	int err;

	if (!espvti_nl_sets_peer(attrs) && !attrs[ESPVTI_A_MTU_AUTO]) {
		NL_SET_ERR_MSG(info->extack,
			       "nothing to set: local, remote, an encapsulation setting or mtu-auto is needed");
		return -EINVAL;
	}
	rtnl_lock();
	edev = espvti_nl_lookup(genl_info_net(info), attrs, info->extack);
	if (IS_ERR(edev)) {
		err = PTR_ERR(edev);
		goto out;
	}
	if (espvti_nl_sets_peer(attrs)) {
		err = espvti_nl_set_peer(skb, info, edev);
		if (err)
			goto out;
	}
	if (attrs[ESPVTI_A_MTU_AUTO])
		espvti_dev_set_mtu_auto(edev, nla_get_u8(attrs[ESPVTI_A_MTU_AUTO]));
	err = 0;
out:
	rtnl_unlock();
	return err;
}

/* The SA attributes of a request: parsed and checked. */
static int espvti_nl_parse_sa(struct genl_info *info, struct nlattr **tb)
{
	if (!info->attrs[ESPVTI_A_SA]) {
		NL_SET_ERR_MSG(info->extack, "an SA (ESPVTI_A_SA) is needed");
		return -EINVAL;
	}
	return nla_parse_nested(tb, ESPVTI_SA_A_MAX, info->attrs[ESPVTI_A_SA],
				espvti_sa_policy, info->extack);
}

/* NL_SET_ERR_MSG() for a message chosen at run time: @msg must be static. */
static void espvti_nl_msg(struct netlink_ext_ack *extack, const char *msg)
{
	if (extack)
		extack->_msg = msg;
}

static int espvti_nl_need(struct genl_info *info, struct nlattr **tb, int attr,
			  const char *msg)
{
	if (tb[attr])
		return 0;
	espvti_nl_msg(info->extack, msg);
	if (info->extack)
		info->extack->bad_attr = info->attrs[ESPVTI_A_SA];
	return -EINVAL;
}

/* A lifetime nest of an SA request (policy-checked already); none: none. */
static int espvti_nl_parse_life(struct genl_info *info, const struct nlattr *nest,
				struct espvti_life *l)
{
	struct nlattr *tb[ESPVTI_LIFE_A_MAX + 1];
	int err;

	memset(l, 0, sizeof(*l));
	if (!nest)
		return 0;
	err = nla_parse_nested(tb, ESPVTI_LIFE_A_MAX, nest, espvti_life_policy, info->extack);
	if (err)
		return err;
	if (tb[ESPVTI_LIFE_A_ADD_SECS])
		l->add_secs = nla_get_u64(tb[ESPVTI_LIFE_A_ADD_SECS]);
	if (tb[ESPVTI_LIFE_A_USE_SECS])
		l->use_secs = nla_get_u64(tb[ESPVTI_LIFE_A_USE_SECS]);
	if (tb[ESPVTI_LIFE_A_BYTES])
		l->bytes = nla_get_u64(tb[ESPVTI_LIFE_A_BYTES]);
	if (tb[ESPVTI_LIFE_A_PACKETS])
		l->packets = nla_get_u64(tb[ESPVTI_LIFE_A_PACKETS]);
	return 0;
}

static int espvti_nl_sa_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[ESPVTI_SA_A_MAX + 1];
	struct espvti_sa_cfg cfg = {};
	netdevice_tracker tracker;
	struct espvti_dev *edev;
	struct espvti_sa *sa;
	bool make_current;
	int err;

	err = espvti_nl_parse_sa(info, tb);
	if (err)
		return err;
	err = espvti_nl_need(info, tb, ESPVTI_SA_A_DIR, "SA: the direction is needed") ?:
	      espvti_nl_need(info, tb, ESPVTI_SA_A_SPI, "SA: the SPI is needed") ?:
	      espvti_nl_need(info, tb, ESPVTI_SA_A_ALG, "SA: the algorithm is needed") ?:
	      espvti_nl_need(info, tb, ESPVTI_SA_A_KEY, "SA: the key is needed");
	if (err)
		return err;
	cfg.dir = nla_get_u8(tb[ESPVTI_SA_A_DIR]);
	cfg.spi = htonl(nla_get_u32(tb[ESPVTI_SA_A_SPI]));
	cfg.alg = nla_get_u8(tb[ESPVTI_SA_A_ALG]);
	cfg.key = nla_data(tb[ESPVTI_SA_A_KEY]);
	cfg.key_len = nla_len(tb[ESPVTI_SA_A_KEY]);
	if (tb[ESPVTI_SA_A_AUTH_KEY]) {
		cfg.auth_key = nla_data(tb[ESPVTI_SA_A_AUTH_KEY]);
		cfg.auth_key_len = nla_len(tb[ESPVTI_SA_A_AUTH_KEY]);
	}
	cfg.icv_len = tb[ESPVTI_SA_A_ICV_LEN] ? nla_get_u8(tb[ESPVTI_SA_A_ICV_LEN]) :
		      espvti_alg_default_icv(cfg.alg);
	cfg.esn = tb[ESPVTI_SA_A_ESN] && nla_get_u8(tb[ESPVTI_SA_A_ESN]);
	cfg.window = tb[ESPVTI_SA_A_REPLAY_WINDOW] ?
		     nla_get_u32(tb[ESPVTI_SA_A_REPLAY_WINDOW]) : 64;
	if (tb[ESPVTI_SA_A_SEQ]) {
		if (cfg.dir != ESPVTI_SA_DIR_OUT) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[ESPVTI_SA_A_SEQ],
					    "SA: a starting sequence number is for outbound SAs");
			return -EINVAL;
		}
		cfg.seq = nla_get_u64(tb[ESPVTI_SA_A_SEQ]);
	}
	make_current = !tb[ESPVTI_SA_A_CURRENT] || nla_get_u8(tb[ESPVTI_SA_A_CURRENT]);
	if (tb[ESPVTI_SA_A_CURRENT] && cfg.dir != ESPVTI_SA_DIR_OUT) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[ESPVTI_SA_A_CURRENT],
				    "SA: only an outbound SA can be current");
		return -EINVAL;
	}
	err = espvti_nl_parse_life(info, tb[ESPVTI_SA_A_SOFT], &cfg.soft) ?:
	      espvti_nl_parse_life(info, tb[ESPVTI_SA_A_HARD], &cfg.hard);
	if (err)
		return err;

	edev = espvti_nl_hold(info, &tracker);
	if (IS_ERR(edev))
		return PTR_ERR(edev);
	if (cfg.dir == ESPVTI_SA_DIR_IN) {
		err = espvti_nl_underlay_admin(skb, info, edev);
		if (err)
			goto out;
	}
	sa = espvti_sa_create(edev, &cfg, info->extack);
	if (IS_ERR(sa)) {
		err = PTR_ERR(sa);
		goto out;
	}
	rtnl_lock();
	if (edev->dev->reg_state != NETREG_REGISTERED) {
		NL_SET_ERR_MSG(info->extack, "the interface went away");
		err = -ENODEV;
	} else {
		err = espvti_sa_insert(edev, sa, make_current, info->extack);
	}
	rtnl_unlock();
	if (err)
		espvti_sa_put(sa);
out:
	netdev_put(edev->dev, &tracker);
	return err;
}

/*
 * The interface and the SA (by DIR and SPI) a request names; RTNL held.
 * @tb: the parsed ESPVTI_A_SA.
 */
static struct espvti_sa *espvti_nl_sa_lookup(struct genl_info *info, struct nlattr **tb,
					     struct espvti_dev **edevp)
{
	struct espvti_dev *edev;
	struct espvti_sa *sa;
	int err;

	err = espvti_nl_need(info, tb, ESPVTI_SA_A_DIR, "SA: the direction is needed") ?:
	      espvti_nl_need(info, tb, ESPVTI_SA_A_SPI, "SA: the SPI is needed");
	if (err)
		return ERR_PTR(err);
	edev = espvti_nl_lookup(genl_info_net(info), info->attrs, info->extack);
	if (IS_ERR(edev))
		return ERR_CAST(edev);
	sa = espvti_sa_find(edev, nla_get_u8(tb[ESPVTI_SA_A_DIR]),
			    htonl(nla_get_u32(tb[ESPVTI_SA_A_SPI])));
	if (!sa) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[ESPVTI_SA_A_SPI],
				    "SA: the interface has no such SA");
		return ERR_PTR(-ENOENT);
	}
	*edevp = edev;
	return sa;
}

/*
 * SA_DEL without an interface: give back the unbound SPI reservation (an
 * SPI_ALLOC without one) that @tb names by DIR in and SPI; an IKE daemon
 * whose negotiation failed.
 */
static int espvti_nl_release_unbound(struct genl_info *info, struct nlattr **tb)
{
	int err;

	err = espvti_nl_need(info, tb, ESPVTI_SA_A_DIR, "SA: the direction is needed") ?:
	      espvti_nl_need(info, tb, ESPVTI_SA_A_SPI, "SA: the SPI is needed");
	if (err)
		return err;
	if (nla_get_u8(tb[ESPVTI_SA_A_DIR]) != ESPVTI_SA_DIR_IN) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[ESPVTI_SA_A_DIR],
				    "an interface is needed: ifindex or ifname (only an inbound SPI reservation has none)");
		return -EINVAL;
	}
	rtnl_lock();
	err = espvti_sa_release_unbound(genl_info_net(info),
					htonl(nla_get_u32(tb[ESPVTI_SA_A_SPI])), info->extack);
	rtnl_unlock();
	return err;
}

static int espvti_nl_sa_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[ESPVTI_SA_A_MAX + 1];
	struct espvti_dev *edev;
	struct espvti_sa *sa;
	int err;

	err = espvti_nl_parse_sa(info, tb);
	if (err)
		return err;
	if (!info->attrs[ESPVTI_A_IFINDEX] && !info->attrs[ESPVTI_A_IFNAME])
		return espvti_nl_release_unbound(info, tb);
	rtnl_lock();
	sa = espvti_nl_sa_lookup(info, tb, &edev);
	if (IS_ERR(sa)) {
		err = PTR_ERR(sa);
	} else {
		espvti_sa_unlink(edev, sa, ESPVTI_DEL_REQUESTED);
		edev->sa_gen++;
		espvti_dev_update(edev);
	}
	rtnl_unlock();
	return err;
}

static int espvti_nl_sa_flush_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct espvti_dev *edev;
	int err = 0;

	rtnl_lock();
	edev = espvti_nl_lookup(genl_info_net(info), info->attrs, info->extack);
	if (IS_ERR(edev))
		err = PTR_ERR(edev);
	else
		espvti_sa_flush(edev, ESPVTI_DEL_FLUSHED);
	rtnl_unlock();
	return err;
}

static int espvti_nl_put_life(struct sk_buff *skb, int attr, const struct espvti_life *l)
{
	struct nlattr *nest;

	if (!l->add_secs && !l->use_secs && !l->bytes && !l->packets)
		return 0;
	nest = nla_nest_start(skb, attr);
	if (!nest ||
	    (l->add_secs && nla_put_u64_64bit(skb, ESPVTI_LIFE_A_ADD_SECS, l->add_secs, 0)) ||
	    (l->use_secs && nla_put_u64_64bit(skb, ESPVTI_LIFE_A_USE_SECS, l->use_secs, 0)) ||
	    (l->bytes && nla_put_u64_64bit(skb, ESPVTI_LIFE_A_BYTES, l->bytes, 0)) ||
	    (l->packets && nla_put_u64_64bit(skb, ESPVTI_LIFE_A_PACKETS, l->packets, 0)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * A message @cmd about @sa of @edev (no key, ever); with @attr, also that
 * u8 attribute set to @val. RTNL held.
 */
static int espvti_nl_fill_sa(struct sk_buff *skb, u32 portid, u32 seqno, int flags, u8 cmd,
			     struct netlink_callback *cb, struct espvti_dev *edev,
			     struct espvti_sa *sa, int attr, u8 val)
{
	struct espvti_lstate life;
	struct nlattr *nest;
	bool soft_sent;
	void *hdr;
	u64 seq, now;

	hdr = genlmsg_put(skb, portid, seqno, &espvti_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	spin_lock_bh(&sa->lock);
	seq = sa->dir == ESPVTI_SA_DIR_OUT ? sa->seq_out : sa->replay.top;
	life = sa->life;
	soft_sent = sa->soft_sent;
	spin_unlock_bh(&sa->lock);
	now = ktime_get_boottime_ns();

	if (espvti_nl_put_ifname(skb, edev) ||
	    (attr && nla_put_u8(skb, attr, val)))
		goto cancel;
	nest = nla_nest_start(skb, ESPVTI_A_SA);
	if (!nest ||
	    nla_put_u8(skb, ESPVTI_SA_A_DIR, sa->dir) ||
	    nla_put_u32(skb, ESPVTI_SA_A_SPI, ntohl(sa->spi)) ||
	    nla_put_u8(skb, ESPVTI_SA_A_ALG, sa->alg) ||
	    nla_put_u8(skb, ESPVTI_SA_A_ICV_LEN, sa->icv_len) ||
	    nla_put_u8(skb, ESPVTI_SA_A_ESN, sa->esn) ||
	    nla_put_u32(skb, ESPVTI_SA_A_REPLAY_WINDOW, sa->replay.window) ||
	    nla_put_u64_64bit(skb, ESPVTI_SA_A_SEQ, seq, 0) ||
	    (sa->dir == ESPVTI_SA_DIR_OUT &&
	     nla_put_u8(skb, ESPVTI_SA_A_CURRENT, rcu_access_pointer(edev->sa_out) == sa)) ||
	    espvti_sa_stats_put(skb, ESPVTI_SA_A_STATS, sa) ||
	    espvti_nl_put_life(skb, ESPVTI_SA_A_SOFT, &life.soft) ||
	    espvti_nl_put_life(skb, ESPVTI_SA_A_HARD, &life.hard) ||
	    nla_put_u64_64bit(skb, ESPVTI_SA_A_AGE, div_u64(now - life.add_ns, NSEC_PER_SEC), 0) ||
	    (life.use_ns && nla_put_u64_64bit(skb, ESPVTI_SA_A_USE_AGE,
					      div_u64(now - life.use_ns, NSEC_PER_SEC), 0)) ||
	    nla_put_u64_64bit(skb, ESPVTI_SA_A_BYTES, life.bytes, 0) ||
	    nla_put_u64_64bit(skb, ESPVTI_SA_A_PACKETS, life.packets, 0) ||
	    nla_put_u8(skb, ESPVTI_SA_A_SOFT_EXPIRED, soft_sent))
		goto cancel;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int espvti_nl_sa_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[ESPVTI_SA_A_MAX + 1];
	struct espvti_dev *edev;
	struct espvti_sa *sa;
	struct sk_buff *msg;
	int err;

	err = espvti_nl_parse_sa(info, tb);
	if (err)
		return err;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	rtnl_lock();
	sa = espvti_nl_sa_lookup(info, tb, &edev);
	if (IS_ERR(sa))
		err = PTR_ERR(sa);
	else
		err = espvti_nl_fill_sa(msg, info->snd_portid, info->snd_seq, 0,
					ESPVTI_CMD_SA_GET, NULL, edev, sa, 0, 0);
	rtnl_unlock();
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* SA_SET: the lifetimes of an SA, or which outbound SA is current. */
static int espvti_nl_sa_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	static const int fixed[] = {
		ESPVTI_SA_A_ALG, ESPVTI_SA_A_KEY, ESPVTI_SA_A_AUTH_KEY, ESPVTI_SA_A_ICV_LEN,
		ESPVTI_SA_A_ESN, ESPVTI_SA_A_REPLAY_WINDOW, ESPVTI_SA_A_SEQ,
	};
	struct nlattr *tb[ESPVTI_SA_A_MAX + 1];
	struct espvti_life soft, hard;
	struct espvti_dev *edev;
	struct espvti_sa *sa;
	const char *msg;
	unsigned int i;
	int err;

	err = espvti_nl_parse_sa(info, tb);
	if (err)
		return err;
	for (i = 0; i < ARRAY_SIZE(fixed); i++) {
		if (tb[fixed[i]]) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[fixed[i]],
					    "SA: only lifetimes and current can change; add a new SA for the rest");
			return -EINVAL;
		}
	}
	if (!tb[ESPVTI_SA_A_SOFT] && !tb[ESPVTI_SA_A_HARD] && !tb[ESPVTI_SA_A_CURRENT]) {
		NL_SET_ERR_MSG(info->extack, "SA: nothing to change: soft, hard or current");
		return -EINVAL;
	}
	if (tb[ESPVTI_SA_A_CURRENT] && !nla_get_u8(tb[ESPVTI_SA_A_CURRENT])) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[ESPVTI_SA_A_CURRENT],
				    "SA: make another SA current instead");
		return -EINVAL;
	}
	err = espvti_nl_parse_life(info, tb[ESPVTI_SA_A_SOFT], &soft) ?:
	      espvti_nl_parse_life(info, tb[ESPVTI_SA_A_HARD], &hard);
	if (err)
		return err;

	rtnl_lock();
	sa = espvti_nl_sa_lookup(info, tb, &edev);
	if (IS_ERR(sa)) {
		err = PTR_ERR(sa);
		goto out;
	}
	if (tb[ESPVTI_SA_A_CURRENT] && sa->dir != ESPVTI_SA_DIR_OUT) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[ESPVTI_SA_A_CURRENT],
				    "SA: only an outbound SA can be current");
		err = -EINVAL;
		goto out;
	}
	if (tb[ESPVTI_SA_A_SOFT] || tb[ESPVTI_SA_A_HARD]) {
		/* What is not given stays as it was. */
		spin_lock_bh(&sa->lock);
		if (!tb[ESPVTI_SA_A_SOFT])
			soft = sa->life.soft;
		if (!tb[ESPVTI_SA_A_HARD])
			hard = sa->life.hard;
		spin_unlock_bh(&sa->lock);
		msg = espvti_life_check(&soft, &hard);
		if (msg) {
			espvti_nl_msg(info->extack, msg);
			err = -EINVAL;
			goto out;
		}
		espvti_sa_set_life(sa, &soft, &hard);
	}
	if (tb[ESPVTI_SA_A_CURRENT] && rtnl_dereference(edev->sa_out) != sa) {
		espvti_sa_make_current(edev, sa);
		espvti_dev_update(edev);
	}
	edev->sa_gen++;
out:
	rtnl_unlock();
	return err;
}

/* The interface a dump names; RTNL held. */
static struct espvti_dev *espvti_nl_dump_lookup(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);

	return espvti_nl_lookup(sock_net(skb->sk), espvti_dumpit_attrs(info), cb->extack);
}

/* cb->args[0]: how many SAs earlier parts returned (the outbound first). */
static int espvti_nl_sa_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct list_head *heads[2];
	struct espvti_dev *edev;
	struct espvti_sa *sa;
	unsigned int h;
	long idx = 0;
	int err = 0;

	rtnl_lock();
	edev = espvti_nl_dump_lookup(skb, cb);
	if (IS_ERR(edev)) {
		rtnl_unlock();
		return PTR_ERR(edev);
	}
	cb->seq = edev->sa_gen;
	heads[0] = &edev->sa_outs;
	heads[1] = &edev->sa_in;
	for (h = 0; h < ARRAY_SIZE(heads) && !err; h++) {
		list_for_each_entry(sa, heads[h], list) {
			if (sa->reserved)
				continue;
			if (idx >= cb->args[0])
				err = espvti_nl_fill_sa(skb, NETLINK_CB(cb->skb).portid,
							cb->nlh->nlmsg_seq, NLM_F_MULTI,
							ESPVTI_CMD_SA_GET, cb, edev, sa, 0, 0);
			if (err)
				break;
			idx++;
		}
	}
	rtnl_unlock();
	cb->args[0] = idx;
	return skb->len;
}

static int espvti_nl_stats_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct espvti_dev *edev;
	struct sk_buff *msg;
	void *hdr;
	int err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	rtnl_lock();
	edev = espvti_nl_lookup(genl_info_net(info), info->attrs, info->extack);
	if (IS_ERR(edev)) {
		err = PTR_ERR(edev);
		goto out;
	}
	err = -EMSGSIZE;
	hdr = genlmsg_put_reply(msg, info, &espvti_genl_family, 0, ESPVTI_CMD_STATS_GET);
	if (!hdr || espvti_nl_put_ifname(msg, edev) ||
	    espvti_stats_put(msg, ESPVTI_A_STATS, edev->stats, edev->stats_base))
		goto out;
	genlmsg_end(msg, hdr);
	err = 0;
out:
	rtnl_unlock();
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/*
 * STATS_RESET: the interface's counts so far become the base that replies
 * subtract (the netdevice's own statistics, ip -s link, keep counting);
 * its SAs' counters start again from zero.
 */
static int espvti_nl_stats_reset_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct espvti_dev *edev;
	struct espvti_sa *sa;

	rtnl_lock();
	edev = espvti_nl_lookup(genl_info_net(info), info->attrs, info->extack);
	if (IS_ERR(edev)) {
		rtnl_unlock();
		return PTR_ERR(edev);
	}
	espvti_stats_sum(edev->stats, edev->stats_base);
	list_for_each_entry(sa, &edev->sa_outs, list)
		espvti_sa_stats_reset(sa);
	list_for_each_entry(sa, &edev->sa_in, list)
		espvti_sa_stats_reset(sa);
	edev->sa_gen++;
	rtnl_unlock();
	return 0;
}

static int espvti_nl_spi_alloc_doit(struct sk_buff *skb, struct genl_info *info)
{
	u32 min = 256, max = U32_MAX, spi;
	struct espvti_dev *edev;
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;
	int err;

	if (info->attrs[ESPVTI_A_SPI_MIN])
		min = nla_get_u32(info->attrs[ESPVTI_A_SPI_MIN]);
	if (info->attrs[ESPVTI_A_SPI_MAX])
		max = nla_get_u32(info->attrs[ESPVTI_A_SPI_MAX]);
	if (min > max) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[ESPVTI_A_SPI_MAX],
				    "SPI range: the highest is below the lowest");
		return -EINVAL;
	}
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	rtnl_lock();
	if (!info->attrs[ESPVTI_A_IFINDEX] && !info->attrs[ESPVTI_A_IFNAME]) {
		/*
		 * For no interface yet: in this namespace's table, which is the
		 * underlay of the interfaces that may take it. The family's
		 * GENL_UNS_ADMIN_PERM is the privilege rule's underlay check.
		 */
		edev = NULL;
		err = espvti_sa_reserve_unbound(genl_info_net(info), min, max, &spi,
						info->extack);
	} else {
		edev = espvti_nl_lookup(genl_info_net(info), info->attrs, info->extack);
		err = IS_ERR(edev) ? PTR_ERR(edev) :
		      espvti_nl_underlay_admin(skb, info, edev) ?:
		      espvti_sa_reserve(edev, min, max, &spi, info->extack);
	}
	if (err)
		goto out;
	err = -EMSGSIZE;	/* cannot happen in a fresh message */
	hdr = genlmsg_put_reply(msg, info, &espvti_genl_family, 0, ESPVTI_CMD_SPI_ALLOC);
	if (!hdr || (edev && espvti_nl_put_ifname(msg, edev)))
		goto out;
	nest = nla_nest_start(msg, ESPVTI_A_SA);
	if (!nest || nla_put_u8(msg, ESPVTI_SA_A_DIR, ESPVTI_SA_DIR_IN) ||
	    nla_put_u32(msg, ESPVTI_SA_A_SPI, spi))
		goto out;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	err = 0;
out:
	rtnl_unlock();
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

#define ESPVTI_MAX_SEL 64

/* A selector address, which must agree with the family given so far. */
static int espvti_nl_sel_addr(struct genl_info *info, const struct nlattr *a,
			      struct espvti_sel *sel, union espvti_addr *addr)
{
	u16 f;
	int err;

	if (!a)
		return 0;
	err = espvti_nl_get_addr(a, &f, addr, info->extack);
	if (err)
		return err;
	if (sel->family && sel->family != f) {
		NL_SET_ERR_MSG_ATTR(info->extack, a, "selector: addresses and family disagree");
		return -EINVAL;
	}
	sel->family = f;
	return 0;
}

static int espvti_nl_parse_sel(struct genl_info *info, struct espvti_sel *sel)
{
	struct nlattr *tb[ESPVTI_SEL_A_MAX + 1];
	unsigned int max;
	const char *msg;
	int err;

	if (!info->attrs[ESPVTI_A_SEL]) {
		NL_SET_ERR_MSG(info->extack, "a selector (ESPVTI_A_SEL) is needed");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, ESPVTI_SEL_A_MAX, info->attrs[ESPVTI_A_SEL],
			       espvti_sel_policy, info->extack);
	if (err)
		return err;
	memset(sel, 0, sizeof(*sel));
	if (tb[ESPVTI_SEL_A_FAMILY])
		sel->family = nla_get_u16(tb[ESPVTI_SEL_A_FAMILY]);
	err = espvti_nl_sel_addr(info, tb[ESPVTI_SEL_A_SRC], sel, &sel->src) ?:
	      espvti_nl_sel_addr(info, tb[ESPVTI_SEL_A_DST], sel, &sel->dst);
	if (err)
		return err;
	max = sel->family == AF_INET ? 32 : 128;
	sel->src_plen = tb[ESPVTI_SEL_A_SRC_PREFIX] ? nla_get_u8(tb[ESPVTI_SEL_A_SRC_PREFIX]) :
			tb[ESPVTI_SEL_A_SRC] ? max : 0;
	sel->dst_plen = tb[ESPVTI_SEL_A_DST_PREFIX] ? nla_get_u8(tb[ESPVTI_SEL_A_DST_PREFIX]) :
			tb[ESPVTI_SEL_A_DST] ? max : 0;
	if (tb[ESPVTI_SEL_A_PROTO])
		sel->proto = nla_get_u8(tb[ESPVTI_SEL_A_PROTO]);
	sel->sport_min = tb[ESPVTI_SEL_A_SPORT_MIN] ? nla_get_u16(tb[ESPVTI_SEL_A_SPORT_MIN]) : 0;
	sel->sport_max = tb[ESPVTI_SEL_A_SPORT_MAX] ? nla_get_u16(tb[ESPVTI_SEL_A_SPORT_MAX]) :
			 U16_MAX;
	sel->dport_min = tb[ESPVTI_SEL_A_DPORT_MIN] ? nla_get_u16(tb[ESPVTI_SEL_A_DPORT_MIN]) : 0;
	sel->dport_max = tb[ESPVTI_SEL_A_DPORT_MAX] ? nla_get_u16(tb[ESPVTI_SEL_A_DPORT_MAX]) :
			 U16_MAX;
	msg = espvti_sel_check(sel);
	if (msg) {
		espvti_nl_msg(info->extack, msg);
		return -EINVAL;
	}
	return 0;
}

static int espvti_spd_find(const struct espvti_spd *spd, const struct espvti_sel *sel)
{
	unsigned int i;

	for (i = 0; i < spd->n; i++)
		if (!memcmp(&spd->sel[i], sel, sizeof(*sel)))
			return i;
	return -1;
}

/* Replace @edev's SPD with @spd; RTNL held. */
static void espvti_spd_replace(struct espvti_dev *edev, struct espvti_spd *spd)
{
	struct espvti_spd *old = rtnl_dereference(edev->spd);

	espvti_spd_seal(spd);
	rcu_assign_pointer(edev->spd, spd);
	edev->sel_gen++;
	kfree_rcu(old, rcu);
}

static int espvti_nl_sel_change(struct genl_info *info, bool add)
{
	struct espvti_spd *spd, *old;
	struct espvti_dev *edev;
	struct espvti_sel sel;
	int err, i;

	if (info->genlhdr->cmd != ESPVTI_CMD_SEL_FLUSH) {
		err = espvti_nl_parse_sel(info, &sel);
		if (err)
			return err;
	}
	rtnl_lock();
	edev = espvti_nl_lookup(genl_info_net(info), info->attrs, info->extack);
	if (IS_ERR(edev)) {
		err = PTR_ERR(edev);
		goto out;
	}
	old = rtnl_dereference(edev->spd);
	spd = kzalloc(struct_size(spd, sel, old->n + 1), GFP_KERNEL_ACCOUNT);
	err = -ENOMEM;
	if (!spd)
		goto out;
	err = 0;
	if (info->genlhdr->cmd == ESPVTI_CMD_SEL_FLUSH) {
		spd->n = 0;
	} else if (add) {
		if (espvti_spd_find(old, &sel) >= 0) {
			NL_SET_ERR_MSG(info->extack, "selector: the interface has it already");
			err = -EEXIST;
		} else if (old->n >= ESPVTI_MAX_SEL) {
			NL_SET_ERR_MSG(info->extack,
				       "selector: the interface has 64, the most it may");
			err = -ENOSPC;
		} else {
			memcpy(spd->sel, old->sel, old->n * sizeof(sel));
			spd->sel[old->n] = sel;
			spd->n = old->n + 1;
		}
	} else {
		i = espvti_spd_find(old, &sel);
		if (i < 0) {
			NL_SET_ERR_MSG(info->extack,
				       "selector: the interface has no such selector");
			err = -ENOENT;
		} else {
			memcpy(spd->sel, old->sel, i * sizeof(sel));
			memcpy(spd->sel + i, old->sel + i + 1, (old->n - i - 1) * sizeof(sel));
			spd->n = old->n - 1;
		}
	}
	if (err)
		kfree(spd);
	else
		espvti_spd_replace(edev, spd);
out:
	rtnl_unlock();
	return err;
}

static int espvti_nl_sel_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	return espvti_nl_sel_change(info, true);
}

static int espvti_nl_sel_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	return espvti_nl_sel_change(info, false);
}

static int espvti_nl_put_sel(struct sk_buff *skb, const struct espvti_sel *sel)
{
	struct nlattr *nest = nla_nest_start(skb, ESPVTI_A_SEL);

	if (!nest ||
	    nla_put_u16(skb, ESPVTI_SEL_A_FAMILY, sel->family) ||
	    espvti_nl_put_addr(skb, ESPVTI_SEL_A_SRC, sel->family, &sel->src) ||
	    nla_put_u8(skb, ESPVTI_SEL_A_SRC_PREFIX, sel->src_plen) ||
	    espvti_nl_put_addr(skb, ESPVTI_SEL_A_DST, sel->family, &sel->dst) ||
	    nla_put_u8(skb, ESPVTI_SEL_A_DST_PREFIX, sel->dst_plen) ||
	    nla_put_u8(skb, ESPVTI_SEL_A_PROTO, sel->proto) ||
	    nla_put_u16(skb, ESPVTI_SEL_A_SPORT_MIN, sel->sport_min) ||
	    nla_put_u16(skb, ESPVTI_SEL_A_SPORT_MAX, sel->sport_max) ||
	    nla_put_u16(skb, ESPVTI_SEL_A_DPORT_MIN, sel->dport_min) ||
	    nla_put_u16(skb, ESPVTI_SEL_A_DPORT_MAX, sel->dport_max))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* cb->args[0]: how many selectors earlier parts returned. */
static int espvti_nl_sel_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct espvti_spd *spd;
	struct espvti_dev *edev;
	long idx;
	void *hdr;

	rtnl_lock();
	edev = espvti_nl_dump_lookup(skb, cb);
	if (IS_ERR(edev)) {
		rtnl_unlock();
		return PTR_ERR(edev);
	}
	cb->seq = edev->sel_gen;
	spd = rtnl_dereference(edev->spd);
	for (idx = cb->args[0]; idx < spd->n; idx++) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				  &espvti_genl_family, NLM_F_MULTI, ESPVTI_CMD_SEL_GET);
		if (!hdr)
			break;
		genl_dump_check_consistent(cb, hdr);
		if (espvti_nl_put_sel(skb, &spd->sel[idx])) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	rtnl_unlock();
	cb->args[0] = idx;
	return skb->len;
}

/* Events: to ESPVTI_MCGRP_EVENTS in the interface's namespace. */
enum { ESPVTI_MCGRP_EVENTS_ID };

static void espvti_nl_multicast(struct espvti_dev *edev, struct sk_buff *msg, gfp_t gfp)
{
	if (espvti_events_unicast)
		espvti_subscribers_send(dev_net(edev->dev), msg, gfp);
	else
		genlmsg_multicast_netns(&espvti_genl_family, dev_net(edev->dev), msg, 0,
					ESPVTI_MCGRP_EVENTS_ID, gfp);
}

static bool espvti_nl_listened(struct espvti_dev *edev)
{
	if (espvti_events_unicast)
		return espvti_subscribers_any(dev_net(edev->dev));
	return genl_has_listeners(&espvti_genl_family, dev_net(edev->dev),
				  ESPVTI_MCGRP_EVENTS_ID);
}

/* EVENTS_SUBSCRIBE: the events of this namespace to this socket. */
static int espvti_nl_events_subscribe_doit(struct sk_buff *skb, struct genl_info *info)
{
	if (!espvti_events_unicast) {
		NL_SET_ERR_MSG(info->extack,
			       "events go to the multicast group \"" ESPVTI_MCGRP_EVENTS "\"");
		return -EOPNOTSUPP;
	}
	return espvti_subscribers_add(genl_info_net(info), info->snd_portid, info->extack);
}

/* The tunnel's state changed (carrier); RTNL held. */
void espvti_nl_notify_dev(struct espvti_dev *edev)
{
	struct sk_buff *msg;

	if (!espvti_nl_listened(edev))
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	if (espvti_nl_fill_dev(msg, edev, 0, 0, 0, ESPVTI_CMD_DEV_CHANGE_NTF, NULL, false)) {
		nlmsg_free(msg);
		return;
	}
	espvti_nl_multicast(edev, msg, GFP_KERNEL);
}

/* Event @cmd about @sa, with u8 @attr = @val when @attr; RTNL held. */
void espvti_nl_notify_sa(struct espvti_dev *edev, struct espvti_sa *sa, u8 cmd,
			 int attr, u8 val)
{
	struct sk_buff *msg;

	if (!espvti_nl_listened(edev))
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	if (espvti_nl_fill_sa(msg, 0, 0, 0, cmd, NULL, edev, sa, attr, val)) {
		nlmsg_free(msg);
		return;
	}
	espvti_nl_multicast(edev, msg, GFP_KERNEL);
}

/* A nest @attr: the flow @fl as an exact selector. */
int espvti_nl_put_flow(struct sk_buff *skb, int attr, const struct espvti_flow *fl)
{
	u8 plen = fl->family == AF_INET ? 32 : 128;
	struct nlattr *nest = nla_nest_start(skb, attr);

	if (!nest ||
	    nla_put_u16(skb, ESPVTI_SEL_A_FAMILY, fl->family) ||
	    espvti_nl_put_addr(skb, ESPVTI_SEL_A_SRC, fl->family, &fl->src) ||
	    nla_put_u8(skb, ESPVTI_SEL_A_SRC_PREFIX, plen) ||
	    espvti_nl_put_addr(skb, ESPVTI_SEL_A_DST, fl->family, &fl->dst) ||
	    nla_put_u8(skb, ESPVTI_SEL_A_DST_PREFIX, plen) ||
	    nla_put_u8(skb, ESPVTI_SEL_A_PROTO, fl->proto))
		return -EMSGSIZE;
	if (fl->ports &&
	    (nla_put_u16(skb, ESPVTI_SEL_A_SPORT_MIN, fl->sport) ||
	     nla_put_u16(skb, ESPVTI_SEL_A_SPORT_MAX, fl->sport) ||
	     nla_put_u16(skb, ESPVTI_SEL_A_DPORT_MIN, fl->dport) ||
	     nla_put_u16(skb, ESPVTI_SEL_A_DPORT_MAX, fl->dport)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * Traffic (@fl) met @edev without a usable outbound SA: tell the IKE
 * daemon, at most once a second per interface. Packet path, any context.
 */
void espvti_nl_acquire(struct espvti_dev *edev, const struct espvti_flow *fl)
{
	unsigned long last = READ_ONCE(edev->acquire_at), now = jiffies;
	struct sk_buff *msg;
	void *hdr;

	if (last && time_before(now, last + HZ))
		return;
	if (!espvti_nl_listened(edev) || cmpxchg(&edev->acquire_at, last, now ?: 1) != last)
		return;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &espvti_genl_family, 0, ESPVTI_CMD_ACQUIRE_NTF);
	if (!hdr || espvti_nl_put_ifname(msg, edev) || espvti_nl_put_flow(msg, ESPVTI_A_FLOW, fl)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	espvti_nl_multicast(edev, msg, GFP_ATOMIC);
}

static int espvti_nl_put_ep(struct sk_buff *skb, int addr, int port, const struct espvti_ep *ep)
{
	if (espvti_nl_put_addr(skb, addr, ep->family, &ep->addr) ||
	    nla_put_u16(skb, port, ep->port))
		return -EMSGSIZE;
	return 0;
}

/*
 * The peer's endpoint was @was, its authentic packets come from @now;
 * @followed: the tunnel sends there now. RTNL held.
 */
void espvti_nl_nat_change(struct espvti_dev *edev, const struct espvti_ep *was,
			  const struct espvti_ep *now, bool followed)
{
	struct sk_buff *msg;
	void *hdr;

	if (!espvti_nl_listened(edev))
		return;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &espvti_genl_family, 0, ESPVTI_CMD_NAT_CHANGE_NTF);
	if (!hdr || espvti_nl_put_ifname(msg, edev) ||
	    espvti_nl_put_ep(msg, ESPVTI_A_OLD_REMOTE, ESPVTI_A_OLD_DPORT, was) ||
	    espvti_nl_put_ep(msg, ESPVTI_A_REMOTE, ESPVTI_A_ENCAP_DPORT, now) ||
	    nla_put_u8(msg, ESPVTI_A_NAT_FOLLOW, followed)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	espvti_nl_multicast(edev, msg, GFP_KERNEL);
}

/* Not const: where events go by unicast, the group carries no flag (below). */
static struct genl_multicast_group espvti_mcgrps[] = {
	[ESPVTI_MCGRP_EVENTS_ID] = {
		.name = ESPVTI_MCGRP_EVENTS,
#ifdef GENL_MCAST_CAP_NET_ADMIN
		/* Acquires carry inner addresses: for the administrator. */
		.flags = GENL_MCAST_CAP_NET_ADMIN,
#endif
	},
};

static const struct genl_small_ops espvti_genl_ops[] = {
	{
		.cmd	= ESPVTI_CMD_DEV_GET,
		.doit	= espvti_nl_dev_get_doit,
		.dumpit	= espvti_nl_dev_get_dumpit,
	},
	{
		.cmd	= ESPVTI_CMD_DEV_SET,
		.doit	= espvti_nl_dev_set_doit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= ESPVTI_CMD_SA_ADD,
		.doit	= espvti_nl_sa_add_doit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= ESPVTI_CMD_SA_DEL,
		.doit	= espvti_nl_sa_del_doit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= ESPVTI_CMD_SA_GET,
		.doit	= espvti_nl_sa_get_doit,
		.dumpit	= espvti_nl_sa_get_dumpit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= ESPVTI_CMD_SA_FLUSH,
		.doit	= espvti_nl_sa_flush_doit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= ESPVTI_CMD_SEL_ADD,
		.doit	= espvti_nl_sel_add_doit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= ESPVTI_CMD_SEL_DEL,
		.doit	= espvti_nl_sel_del_doit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= ESPVTI_CMD_SEL_GET,
		.dumpit	= espvti_nl_sel_get_dumpit,
	},
	{
		.cmd	= ESPVTI_CMD_SEL_FLUSH,
		.doit	= espvti_nl_sel_add_doit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= ESPVTI_CMD_SA_SET,
		.doit	= espvti_nl_sa_set_doit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= ESPVTI_CMD_STATS_GET,
		.doit	= espvti_nl_stats_get_doit,
	},
	{
		.cmd	= ESPVTI_CMD_STATS_RESET,
		.doit	= espvti_nl_stats_reset_doit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= ESPVTI_CMD_SPI_ALLOC,
		.doit	= espvti_nl_spi_alloc_doit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= ESPVTI_CMD_EVENTS_SUBSCRIBE,
		.doit	= espvti_nl_events_subscribe_doit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
};

static struct genl_family espvti_genl_family = {
	.name		= ESPVTI_GENL_NAME,
	.version	= ESPVTI_GENL_VERSION,
	.maxattr	= ESPVTI_A_MAX,
	.policy		= espvti_genl_policy,
	.netnsok	= true,
	.module		= THIS_MODULE,
	.small_ops	= espvti_genl_ops,
	.n_small_ops	= ARRAY_SIZE(espvti_genl_ops),
	.mcgrps		= espvti_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(espvti_mcgrps),
	.resv_start_op	= ESPVTI_CMD_DEV_GET + 1,
};

int __init espvti_genl_init(void)
{
	/*
	 * Where events go by unicast (subscribers.c) the group carries none,
	 * and anyone may join it, as on kernels without the flag.
	 */
#ifdef GENL_MCAST_CAP_NET_ADMIN
	if (espvti_events_unicast)
		espvti_mcgrps[ESPVTI_MCGRP_EVENTS_ID].flags = 0;
#endif
	return genl_register_family(&espvti_genl_family);
}

void espvti_genl_uninit(void)
{
	genl_unregister_family(&espvti_genl_family);
}
