// SPDX-License-Identifier: GPL-2.0
/*
 * The espvti netdevice: a point-to-point, NOARP, multicast-capable L3
 * interface with no hardware address. Until a tunnel has an outbound SA
 * it has no carrier, and whatever is routed into it is dropped and
 * counted.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/if_arp.h>
#include <linux/ip.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/ip.h>
#include <net/rtnetlink.h>

#include "espvti.h"

#define ESPVTI_DEFAULT_UNDERLAY_MTU 1500

static netdev_tx_t espvti_xmit(struct sk_buff *skb, struct net_device *dev)
{
	/* No outbound SA exists yet: nothing can leave. */
	dev_core_stats_tx_dropped_inc(dev);
	kfree_skb(skb);
	return NETDEV_TX_OK;
}

static int espvti_dev_init(struct net_device *dev)
{
	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	if (!dev->tstats)
		return -ENOMEM;
	return 0;
}

static void espvti_dev_uninit(struct net_device *dev)
{
	free_percpu(dev->tstats);
	dev->tstats = NULL;
}

static const struct net_device_ops espvti_netdev_ops = {
	.ndo_init		= espvti_dev_init,
	.ndo_uninit		= espvti_dev_uninit,
	.ndo_start_xmit		= espvti_xmit,
	.ndo_get_stats64	= dev_get_tstats64,
};

static void espvti_setup(struct net_device *dev)
{
	dev->netdev_ops = &espvti_netdev_ops;
	dev->type = ARPHRD_NONE;
	dev->flags = IFF_POINTOPOINT | IFF_NOARP | IFF_MULTICAST;
	dev->priv_flags |= IFF_NO_QUEUE;
	dev->hard_header_len = 0;
	dev->addr_len = 0;
	dev->features |= NETIF_F_LLTX;
	dev->mtu = espvti_inner_mtu(&espvti_geom_worst, ESPVTI_DEFAULT_UNDERLAY_MTU);
	dev->min_mtu = IPV4_MIN_MTU;
	dev->max_mtu = espvti_inner_mtu(&espvti_geom_worst, IP_MAX_MTU);
	dev->needs_free_netdev = true;
	netif_keep_dst(dev);
}

static int espvti_newlink(struct net *src_net, struct net_device *dev,
			  struct nlattr *tb[], struct nlattr *data[],
			  struct netlink_ext_ack *extack)
{
	static atomic_t next_id = ATOMIC_INIT(0);
	struct espvti_dev *edev = netdev_priv(dev);
	int err;

	edev->dev = dev;
	edev->id = atomic_inc_return(&next_id);

	/* No carrier until the tunnel has an outbound SA. */
	netif_carrier_off(dev);

	err = register_netdevice(dev);
	if (err) {
		NL_SET_ERR_MSG(extack, "espvti: cannot register the interface");
		return err;
	}
	netdev_dbg(dev, "created (id %u)\n", edev->id);
	return 0;
}

static void espvti_dellink(struct net_device *dev, struct list_head *head)
{
	struct espvti_dev *edev = netdev_priv(dev);

	netdev_dbg(dev, "deleted (id %u)\n", edev->id);
	unregister_netdevice_queue(dev, head);
}

struct rtnl_link_ops espvti_link_ops __read_mostly = {
	.kind		= ESPVTI_LINK_KIND,
	.priv_size	= sizeof(struct espvti_dev),
	.setup		= espvti_setup,
	.newlink	= espvti_newlink,
	.dellink	= espvti_dellink,
};

/* Queue every espvti interface of @net for deletion; RTNL held. */
void espvti_device_delete_net(struct net *net, struct list_head *kill)
{
	struct espvti_dev *edev;

	list_for_each_entry(edev, &espvti_pernet(net)->devs, list)
		espvti_dellink(edev->dev, kill);
}

/*
 * An interface is on the list of the namespace it is registered in: it
 * joins on NETDEV_REGISTER and leaves on NETDEV_UNREGISTER, both of which
 * a move to another namespace (ip link set DEV netns NS) also sends.
 */
static int espvti_netdev_event(struct notifier_block *nb, unsigned long event,
			       void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct espvti_dev *edev = netdev_priv(dev);
	struct espvti_net *en;

	if (!netif_is_espvti(dev))
		return NOTIFY_DONE;
	ASSERT_RTNL();
	en = espvti_pernet(dev_net(dev));
	switch (event) {
	case NETDEV_REGISTER:
		list_add_tail(&edev->list, &en->devs);
		en->gen++;
		break;
	case NETDEV_UNREGISTER:
		list_del(&edev->list);
		en->gen++;
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block espvti_netdev_notifier = {
	.notifier_call = espvti_netdev_event,
};

int espvti_device_init(void)
{
	int err;

	err = register_netdevice_notifier(&espvti_netdev_notifier);
	if (err)
		return err;
	err = rtnl_link_register(&espvti_link_ops);
	if (err)
		unregister_netdevice_notifier(&espvti_netdev_notifier);
	return err;
}

void espvti_device_uninit(void)
{
	rtnl_link_unregister(&espvti_link_ops);
	unregister_netdevice_notifier(&espvti_netdev_notifier);
}
