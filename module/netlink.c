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

const struct nla_policy espvti_genl_policy[ESPVTI_A_MAX + 1] = {
	[ESPVTI_A_IFINDEX]	= NLA_POLICY_MIN(NLA_U32, 1),
	[ESPVTI_A_IFNAME]	= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[ESPVTI_A_ID]		= { .type = NLA_REJECT },
	[ESPVTI_A_MTU]		= { .type = NLA_REJECT },
	[ESPVTI_A_OPER_UP]	= { .type = NLA_REJECT },
	[ESPVTI_A_CARRIER]	= { .type = NLA_REJECT },
};
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_genl_policy);

static struct genl_family espvti_genl_family;

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
	    nla_put_u8(skb, ESPVTI_A_CARRIER, netif_carrier_ok(dev))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
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

static const struct genl_small_ops espvti_genl_ops[] = {
	{
		.cmd	= ESPVTI_CMD_DEV_GET,
		.doit	= espvti_nl_dev_get_doit,
		.dumpit	= espvti_nl_dev_get_dumpit,
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
