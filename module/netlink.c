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

const struct nla_policy espvti_sa_policy[ESPVTI_SA_A_MAX + 1] = {
	[ESPVTI_SA_A_DIR]		= NLA_POLICY_RANGE(NLA_U8, ESPVTI_SA_DIR_IN,
							   ESPVTI_SA_DIR_OUT),
	[ESPVTI_SA_A_SPI]		= NLA_POLICY_FULL_RANGE(NLA_U32, &espvti_spi_range),
	[ESPVTI_SA_A_ALG]		= NLA_POLICY_RANGE(NLA_U8, 1, ESPVTI_ALG_MAX),
	[ESPVTI_SA_A_KEY]		= { .type = NLA_BINARY, .len = 64 },
	[ESPVTI_SA_A_AUTH_KEY]		= { .type = NLA_BINARY, .len = 64 },
	[ESPVTI_SA_A_ICV_LEN]		= NLA_POLICY_RANGE(NLA_U8, 8, 16),
	[ESPVTI_SA_A_ESN]		= NLA_POLICY_MAX(NLA_U8, 1),
	[ESPVTI_SA_A_REPLAY_WINDOW]	= NLA_POLICY_FULL_RANGE(NLA_U32, &espvti_window_range),
	[ESPVTI_SA_A_SEQ]		= { .type = NLA_U64 },
	[ESPVTI_SA_A_CURRENT]		= { .type = NLA_REJECT },
	[ESPVTI_SA_A_STATS]		= { .type = NLA_REJECT },
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
	[ESPVTI_A_ID]		= { .type = NLA_REJECT },
	[ESPVTI_A_MTU]		= { .type = NLA_REJECT },
	[ESPVTI_A_OPER_UP]	= { .type = NLA_REJECT },
	[ESPVTI_A_CARRIER]	= { .type = NLA_REJECT },
	[ESPVTI_A_LOCAL]	= { .type = NLA_BINARY, .len = 16 },
	[ESPVTI_A_REMOTE]	= { .type = NLA_BINARY, .len = 16 },
	[ESPVTI_A_LINK_NETNSID]	= { .type = NLA_REJECT },
	[ESPVTI_A_STATS]	= { .type = NLA_REJECT },
	[ESPVTI_A_SA]		= NLA_POLICY_NESTED(espvti_sa_policy),
	[ESPVTI_A_SEL]		= NLA_POLICY_NESTED(espvti_sel_policy),
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

static int espvti_nl_put_peer(struct sk_buff *skb, const struct espvti_peer *peer)
{
	if (!peer)
		return 0;
	if (espvti_nl_put_addr(skb, ESPVTI_A_LOCAL, peer->family, &peer->local) ||
	    espvti_nl_put_addr(skb, ESPVTI_A_REMOTE, peer->family, &peer->remote))
		return -EMSGSIZE;
	return 0;
}

static int espvti_nl_fill_dev(struct sk_buff *skb, const struct espvti_dev *edev,
			      u32 portid, u32 seq, int flags,
			      struct netlink_callback *cb)
{
	const struct net_device *dev = edev->dev;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &espvti_genl_family, flags,
			  ESPVTI_CMD_DEV_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);

	if (nla_put_u32(skb, ESPVTI_A_IFINDEX, dev->ifindex) ||
	    nla_put_string(skb, ESPVTI_A_IFNAME, dev->name) ||
	    nla_put_u32(skb, ESPVTI_A_ID, edev->id) ||
	    nla_put_u32(skb, ESPVTI_A_MTU, READ_ONCE(dev->mtu)) ||
	    nla_put_u8(skb, ESPVTI_A_OPER_UP, netif_oper_up(dev)) ||
	    nla_put_u8(skb, ESPVTI_A_CARRIER, netif_carrier_ok(dev)) ||
	    espvti_nl_put_peer(skb, rtnl_dereference(edev->peer)) ||
	    espvti_stats_put(skb, ESPVTI_A_STATS, edev->stats))
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
					 info->snd_seq, 0, NULL);
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
				       cb->nlh->nlmsg_seq, NLM_F_MULTI, cb))
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

static int espvti_nl_dev_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct espvti_peer *peer, *old;
	struct espvti_dev *edev;
	u16 family = 0, f;
	int err;

	if (!attrs[ESPVTI_A_LOCAL] && !attrs[ESPVTI_A_REMOTE]) {
		NL_SET_ERR_MSG(info->extack, "nothing to set: local or remote is needed");
		return -EINVAL;
	}
	peer = kzalloc(sizeof(*peer), GFP_KERNEL);
	if (!peer)
		return -ENOMEM;

	rtnl_lock();
	edev = espvti_nl_lookup(genl_info_net(info), attrs, info->extack);
	if (IS_ERR(edev)) {
		err = PTR_ERR(edev);
		goto out;
	}
	old = rtnl_dereference(edev->peer);
	if (old)
		*peer = *old;
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
	rcu_assign_pointer(edev->peer, peer);
	peer = NULL;
	if (old)
		kfree_rcu(old, rcu);
	espvti_dev_update(edev);
	err = 0;
out:
	rtnl_unlock();
	kfree(peer);
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

static int espvti_nl_sa_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[ESPVTI_SA_A_MAX + 1];
	struct espvti_sa_cfg cfg = {};
	netdevice_tracker tracker;
	struct espvti_dev *edev;
	struct espvti_sa *sa;
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
	cfg.icv_len = tb[ESPVTI_SA_A_ICV_LEN] ? nla_get_u8(tb[ESPVTI_SA_A_ICV_LEN]) : 16;
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

	edev = espvti_nl_hold(info, &tracker);
	if (IS_ERR(edev))
		return PTR_ERR(edev);
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
		err = espvti_sa_insert(edev, sa, info->extack);
	}
	rtnl_unlock();
	if (err)
		espvti_sa_put(sa);
out:
	netdev_put(edev->dev, &tracker);
	return err;
}

static int espvti_nl_sa_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[ESPVTI_SA_A_MAX + 1];
	struct espvti_dev *edev;
	int err;

	err = espvti_nl_parse_sa(info, tb);
	if (err)
		return err;
	err = espvti_nl_need(info, tb, ESPVTI_SA_A_DIR, "SA: the direction is needed") ?:
	      espvti_nl_need(info, tb, ESPVTI_SA_A_SPI, "SA: the SPI is needed");
	if (err)
		return err;

	rtnl_lock();
	edev = espvti_nl_lookup(genl_info_net(info), info->attrs, info->extack);
	if (IS_ERR(edev)) {
		err = PTR_ERR(edev);
	} else {
		err = espvti_sa_delete(edev, nla_get_u8(tb[ESPVTI_SA_A_DIR]),
				       htonl(nla_get_u32(tb[ESPVTI_SA_A_SPI])));
		if (err == -ENOENT)
			NL_SET_ERR_MSG_ATTR(info->extack, tb[ESPVTI_SA_A_SPI],
					    "SA: the interface has no such SA");
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
		espvti_sa_flush(edev);
	rtnl_unlock();
	return err;
}

static int espvti_nl_fill_sa(struct sk_buff *skb, struct netlink_callback *cb,
			     struct espvti_sa *sa, bool current_sa)
{
	struct nlattr *nest;
	void *hdr;
	u64 seq;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &espvti_genl_family, NLM_F_MULTI, ESPVTI_CMD_SA_GET);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, hdr);
	spin_lock_bh(&sa->lock);
	seq = sa->dir == ESPVTI_SA_DIR_OUT ? sa->seq_out : sa->replay.top;
	spin_unlock_bh(&sa->lock);

	nest = nla_nest_start(skb, ESPVTI_A_SA);
	if (!nest ||
	    nla_put_u8(skb, ESPVTI_SA_A_DIR, sa->dir) ||
	    nla_put_u32(skb, ESPVTI_SA_A_SPI, ntohl(sa->spi)) ||
	    nla_put_u8(skb, ESPVTI_SA_A_ALG, sa->alg) ||
	    nla_put_u8(skb, ESPVTI_SA_A_ICV_LEN, sa->icv_len) ||
	    nla_put_u8(skb, ESPVTI_SA_A_ESN, sa->esn) ||
	    nla_put_u32(skb, ESPVTI_SA_A_REPLAY_WINDOW, sa->replay.window) ||
	    nla_put_u64_64bit(skb, ESPVTI_SA_A_SEQ, seq, 0) ||
	    (current_sa && nla_put_u8(skb, ESPVTI_SA_A_CURRENT, 1)) ||
	    espvti_stats_put(skb, ESPVTI_SA_A_STATS, sa->stats)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
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
	struct espvti_dev *edev;
	struct espvti_sa *sa;
	long idx = 0;
	int err = 0;

	rtnl_lock();
	edev = espvti_nl_dump_lookup(skb, cb);
	if (IS_ERR(edev)) {
		rtnl_unlock();
		return PTR_ERR(edev);
	}
	cb->seq = edev->sa_gen;
	sa = rtnl_dereference(edev->sa_out);
	if (sa) {
		if (idx >= cb->args[0])
			err = espvti_nl_fill_sa(skb, cb, sa, true);
		if (!err)
			idx++;
	}
	list_for_each_entry(sa, &edev->sa_in, list) {
		if (err)
			break;
		if (idx >= cb->args[0])
			err = espvti_nl_fill_sa(skb, cb, sa, false);
		if (!err)
			idx++;
	}
	rtnl_unlock();
	cb->args[0] = idx;
	return skb->len;
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
	spd = kzalloc(struct_size(spd, sel, old->n + 1), GFP_KERNEL);
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
	.resv_start_op	= ESPVTI_CMD_DEV_GET + 1,
};

int __init espvti_genl_init(void)
{
	return genl_register_family(&espvti_genl_family);
}

void espvti_genl_uninit(void)
{
	genl_unregister_family(&espvti_genl_family);
}
