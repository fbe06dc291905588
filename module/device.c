// SPDX-License-Identifier: GPL-2.0
/*
 * The espvti netdevice: a point-to-point, NOARP, multicast-capable L3
 * interface with no hardware address. It has carrier only while the tunnel
 * has an outer address pair and a current outbound SA; whatever is routed
 * into it otherwise is dropped and counted.
 *
 * What is sent through it: tx.c; what it receives: rx.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/hash.h>
#include <linux/jhash.h>
#include <linux/if_arp.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/udp.h>
#include <net/icmp.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/route.h>
#include <net/rtnetlink.h>
#include <net/sch_generic.h>

#include "espvti.h"

#define ESPVTI_DEFAULT_UNDERLAY_MTU 1500

#define ESPVTI_FEATURES (NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_HIGHDMA | \
			 NETIF_F_GSO_SOFTWARE)

void espvti_count(struct espvti_dev *edev, struct espvti_sa *sa, enum espvti_stat why)
{
	espvti_stats_inc(edev->stats, why);
	if (sa)
		espvti_sa_stats_inc(sa, why);
}

/*
 * A packet sent or delivered: the interface's counters (which are also its
 * netdevice statistics) and the SA's.
 */
void espvti_count_ok(struct espvti_sa *sa, enum espvti_stat pkts, unsigned int len)
{
	espvti_stats_packet(sa->edev->stats, pkts, len);
	espvti_sa_stats_packet(sa, pkts, len);
}

void espvti_tx_drop(struct espvti_dev *edev, struct espvti_sa *sa, struct sk_buff *skb,
		    enum espvti_stat why)
{
	espvti_count(edev, sa, why);
	dev_core_stats_tx_dropped_inc(edev->dev);
	kfree_skb(skb);
}

void espvti_rx_drop(struct espvti_dev *edev, struct espvti_sa *sa, struct sk_buff *skb,
		    enum espvti_stat why)
{
	espvti_count(edev, sa, why);
	dev_core_stats_rx_dropped_inc(edev->dev);
	kfree_skb(skb);
}

/* The default SPD: everything, IPv4 and IPv6. */
static struct espvti_spd *espvti_spd_default(void)
{
	struct espvti_spd *spd = kzalloc(struct_size(spd, sel, 2), GFP_KERNEL);

	if (!spd)
		return NULL;
	spd->n = 2;
	espvti_sel_any(&spd->sel[0], AF_INET);
	espvti_sel_any(&spd->sel[1], AF_INET6);
	espvti_spd_seal(spd);
	return spd;
}

static int espvti_dev_init(struct net_device *dev)
{
	struct espvti_dev *edev = netdev_priv(dev);
	int err;

	edev->stats = espvti_stats_alloc();
	if (!edev->stats)
		return -ENOMEM;
	err = dst_cache_init(&edev->dst_cache, GFP_KERNEL);
	if (err)
		goto err_stats;
	RCU_INIT_POINTER(edev->spd, espvti_spd_default());
	if (!rcu_access_pointer(edev->spd))
		goto err_dst_cache;
	/*
	 * Enabled for the netdevice's whole life, up or down: packets in
	 * flight when it is deleted still leave through it (and are dropped
	 * there), and only then does its last reference go.
	 */
	netif_napi_add(dev, &edev->napi, espvti_rx_poll);
	napi_enable(&edev->napi);
	espvti_udp_dev_init(edev);
	espvti_diag_init(&edev->diag);
	return 0;

err_dst_cache:
	dst_cache_destroy(&edev->dst_cache);
err_stats:
	free_percpu(edev->stats);
	return -ENOMEM;
}

/* The bucket of espvti_net.peers for a peer at @remote. */
struct hlist_head *espvti_peer_bucket(struct net *net, u16 family,
				      const union espvti_addr *remote)
{
	u32 h = family == AF_INET ? jhash_1word((__force u32)remote->v4, AF_INET) :
				    jhash2((__force const u32 *)remote->v6.s6_addr32, 4, AF_INET6);

	return &espvti_pernet(net)->peers[hash_32(h, ESPVTI_PEER_HASH_BITS)];
}

/*
 * The peer changed (or went, or the interface is going): file the tunnel
 * under its address, or nowhere; RTNL.
 * A reader walking the old bucket at that moment may be led into the new
 * one and miss a tunnel of the old: ESP of no SA of ours is then left to
 * xfrm, an ICMP error ignored, as before the tunnel had that peer.
 */
void espvti_dev_rehash(struct espvti_dev *edev)
{
	const struct espvti_peer *peer = rtnl_dereference(edev->peer);

	ASSERT_RTNL();
	if (!hlist_unhashed(&edev->peer_node))
		hlist_del_init_rcu(&edev->peer_node);
	if (peer && edev->dev->reg_state == NETREG_REGISTERED)
		hlist_add_tail_rcu(&edev->peer_node,
				   espvti_peer_bucket(edev->net, peer->family, &peer->remote));
}

/* The tunnel of @net whose peer sent a packet from @saddr to @daddr; RCU. */
struct espvti_dev *espvti_tunnel_find(struct net *net, u16 family,
				      const union espvti_addr *saddr,
				      const union espvti_addr *daddr)
{
	struct espvti_dev *edev;

	hlist_for_each_entry_rcu(edev, espvti_peer_bucket(net, family, saddr), peer_node) {
		struct espvti_peer *peer = rcu_dereference(edev->peer);

		if (peer && peer->family == family &&
		    espvti_addr_eq(family, &peer->remote, saddr) &&
		    (espvti_addr_any(family, &peer->local) ||
		     espvti_addr_eq(family, &peer->local, daddr)))
			return edev;
	}
	return NULL;
}

/*
 * Unregistering: the SAs go (packets in flight keep theirs, and with them
 * the netdevice, until they finish); the rest goes with the netdevice.
 */
static void espvti_dev_uninit(struct net_device *dev)
{
	struct espvti_dev *edev = netdev_priv(dev);

	espvti_sa_flush(edev, ESPVTI_DEL_DEV_GONE);
	list_del_rcu(&edev->tunnel_list);
	espvti_dev_rehash(edev);	/* unregistering: out of the peers hash */
	espvti_udp_dev_uninit(edev);
}

static void espvti_dev_free(struct net_device *dev)
{
	struct espvti_dev *edev = netdev_priv(dev);

	napi_disable(&edev->napi);	/* no packet is left to deliver */
	netif_napi_del(&edev->napi);
	dst_cache_destroy(&edev->dst_cache);
	free_percpu(edev->stats);
	/* No reader is left: the netdevice outlived an RCU grace period. */
	kfree(rcu_access_pointer(edev->peer));
	kfree(rcu_access_pointer(edev->spd));
}

static int espvti_change_mtu(struct net_device *dev, int new_mtu)
{
	struct espvti_dev *edev = netdev_priv(dev);

	if (!edev->mtu_auto)
		WRITE_ONCE(edev->mtu_user, true);
	WRITE_ONCE(dev->mtu, new_mtu);
	return 0;
}

/*
 * The netdevice statistics are espvti's own counters (inner sizes); the
 * core adds its rx/tx_dropped, where every drop is counted too.
 */
static void espvti_get_stats64(struct net_device *dev, struct rtnl_link_stats64 *s)
{
	struct espvti_dev *edev = netdev_priv(dev);
	u64 sum[__ESPVTI_STAT_MAX];

	espvti_stats_sum(edev->stats, sum);
	s->tx_packets = sum[ESPVTI_STAT_TX_PACKETS];
	s->tx_bytes = sum[ESPVTI_STAT_TX_BYTES];
	s->rx_packets = sum[ESPVTI_STAT_RX_PACKETS];
	s->rx_bytes = sum[ESPVTI_STAT_RX_BYTES];
}

static struct net *espvti_get_link_net(const struct net_device *dev)
{
	struct espvti_dev *edev = netdev_priv(dev);

	return edev->net;
}

static const struct net_device_ops espvti_netdev_ops = {
	.ndo_init		= espvti_dev_init,
	.ndo_uninit		= espvti_dev_uninit,
	.ndo_start_xmit		= espvti_xmit,
	.ndo_get_stats64	= espvti_get_stats64,
	.ndo_change_mtu		= espvti_change_mtu,
};

/* Encap udp without a socket: the qdisc drops it, we count it. */
static void espvti_count_no_socket(struct espvti_dev *edev, struct sk_buff *skb)
{
	const struct espvti_peer *peer;

	rcu_read_lock();
	peer = rcu_dereference(edev->peer);
	if (peer && peer->encap == ESPVTI_ENCAP_UDP &&
	    rcu_access_pointer(netdev_get_tx_queue(edev->dev, 0)->qdisc) == &noop_qdisc &&
	    !(skb->sk && skb->sk->sk_family == AF_PACKET)) {
		espvti_count(edev, NULL, ESPVTI_STAT_TX_NO_SOCKET);
		dev_core_stats_tx_dropped_inc(edev->dev);
	}
	rcu_read_unlock();
}

/*
 * No link-layer header: create() adds nothing. It exists because the
 * neighbour layer calls it for every IPv4 and IPv6 packet routed into the
 * interface before the qdisc, with or without carrier; without carrier
 * the qdisc drops everything before ndo_start_xmit. So it is where traffic
 * that finds no outbound SA becomes an acquire for the IKE daemon, and
 * where such a packet is counted (tx_no_sa) when the qdisc will drop it
 * silently; likewise tx_no_socket for encap udp without a socket.
 * Packet sockets' frames are not: the core counts those.
 */
static int espvti_header_create(struct sk_buff *skb, struct net_device *dev,
				unsigned short type, const void *daddr,
				const void *saddr, unsigned int len)
{
	struct espvti_dev *edev = netdev_priv(dev);
	struct espvti_flow fl;

	if (!(dev->flags & IFF_UP))
		return 0;
	if (likely(rcu_access_pointer(edev->sa_out))) {
		if (unlikely(!READ_ONCE(edev->usock)))
			espvti_count_no_socket(edev, skb);
		return 0;
	}
	if ((type == ETH_P_IP && pskb_network_may_pull(skb, sizeof(struct iphdr)) &&
	     ip_hdr(skb)->version == 4) ||
	    (type == ETH_P_IPV6 && pskb_network_may_pull(skb, sizeof(struct ipv6hdr)) &&
	     ipv6_hdr(skb)->version == 6)) {
		rcu_read_lock();
		if (skb->protocol == htons(type) && !espvti_flow_parse(skb, &fl) &&
		    espvti_spd_match(rcu_dereference(edev->spd), &fl)) {
			espvti_nl_acquire(edev, &fl);
			if (rcu_access_pointer(netdev_get_tx_queue(dev, 0)->qdisc) == &noop_qdisc &&
			    !(skb->sk && skb->sk->sk_family == AF_PACKET)) {
				espvti_count(edev, NULL, ESPVTI_STAT_TX_NO_SA);
				dev_core_stats_tx_dropped_inc(dev);
			}
		}
		rcu_read_unlock();
	}
	return 0;
}

static const struct header_ops espvti_header_ops = {
	.create	= espvti_header_create,
};

static void espvti_setup(struct net_device *dev)
{
	dev->netdev_ops = &espvti_netdev_ops;
	dev->header_ops = &espvti_header_ops;
	dev->type = ARPHRD_NONE;
	dev->flags = IFF_POINTOPOINT | IFF_NOARP | IFF_MULTICAST;
	dev->priv_flags |= IFF_NO_QUEUE;
	dev->hard_header_len = 0;
	dev->addr_len = 0;
	dev->needed_headroom = LL_MAX_HEADER + sizeof(struct ipv6hdr) + 8 +
			       sizeof(struct ip_esp_hdr) + 16 + sizeof(__be32);
	dev->needed_tailroom = 16 + 2 + 16;
	dev->features |= ESPVTI_FEATURES;
	espvti_set_lltx(dev);
	dev->hw_features |= ESPVTI_FEATURES;
	dev->hw_enc_features |= ESPVTI_FEATURES;
	dev->mtu = espvti_inner_mtu(&espvti_geom_worst, ESPVTI_DEFAULT_UNDERLAY_MTU);
	dev->min_mtu = IPV4_MIN_MTU;
	dev->max_mtu = espvti_inner_mtu(&espvti_geom_worst, IP_MAX_MTU);
	dev->needs_free_netdev = true;
	dev->priv_destructor = espvti_dev_free;
	netif_keep_dst(dev);
}

int espvti_newlink(struct net *src_net, struct net_device *dev,
		   struct nlattr *tb[], struct nlattr *data[],
		   struct netlink_ext_ack *extack)
{
	static atomic_t next_id = ATOMIC_INIT(0);
	struct espvti_dev *edev = netdev_priv(dev);
	int err;

	edev->dev = dev;
	edev->id = atomic_inc_return(&next_id);
	edev->net = src_net;
	/* An MTU given at creation (ip link add ... mtu N) is the user's. */
	edev->mtu_user = tb && tb[IFLA_MTU];
	INIT_LIST_HEAD(&edev->sa_in);
	INIT_LIST_HEAD(&edev->sa_outs);
	espvti_oq_init(&edev->oq[0], dev, ESPVTI_SA_DIR_OUT, NULL);
	espvti_oq_init(&edev->oq[1], dev, ESPVTI_SA_DIR_IN, &edev->napi);
	INIT_LIST_HEAD(&edev->tunnel_list);
	INIT_HLIST_NODE(&edev->peer_node);

	/* No carrier until the tunnel has an outbound SA. */
	netif_carrier_off(dev);

	err = register_netdevice(dev);
	if (err) {
		NL_SET_ERR_MSG(extack, "espvti: cannot register the interface");
		return err;
	}
	list_add_tail_rcu(&edev->tunnel_list, &espvti_pernet(src_net)->tunnels);
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
	.newlink	= espvti_newlink_compat,
	.dellink	= espvti_dellink,
	.get_link_net	= espvti_get_link_net,
};

/*
 * Queue for deletion every espvti interface that lives in @net or sends
 * through it; RTNL held.
 */
void espvti_device_delete_net(struct net *net, struct list_head *kill)
{
	struct espvti_net *en = espvti_pernet(net);
	struct espvti_dev *edev;

	list_for_each_entry(edev, &en->devs, list)
		espvti_dellink(edev->dev, kill);
	list_for_each_entry(edev, &en->tunnels, tunnel_list)
		if (!net_eq(dev_net(edev->dev), net))
			espvti_dellink(edev->dev, kill);
}

/* The MTU of the underlay path to the peer, or Ethernet's. */
static unsigned int espvti_underlay_mtu(struct espvti_dev *edev, const struct espvti_peer *peer)
{
	union espvti_addr saddr;
	struct dst_entry *dst;
	unsigned int mtu = ESPVTI_DEFAULT_UNDERLAY_MTU;

	local_bh_disable();
	dst = espvti_route(edev, peer, &saddr);
	local_bh_enable();
	if (dst) {
		if (dst->dev != edev->dev)
			mtu = dst_mtu(dst);
		dst_release(dst);
	}
	return mtu;
}

/* Set the MTU espvti chose (RTNL held): not taken for the user's. */
static void espvti_dev_auto_mtu(struct espvti_dev *edev, unsigned int mtu)
{
	if (mtu == edev->dev->mtu)
		return;
	edev->mtu_auto = true;
	dev_set_mtu(edev->dev, mtu);
	edev->mtu_auto = false;
}

/*
 * After the tunnel's addresses or SAs changed (RTNL held): carrier while
 * there is somewhere to send, an SA to send with and, with encap udp, a
 * socket to receive on; and, unless the user
 * set one, the MTU that the current SA leaves of the underlay's. A rekey
 * keeps both, so the link never flaps.
 */
void espvti_dev_update(struct espvti_dev *edev)
{
	struct net_device *dev = edev->dev;
	const struct espvti_peer *peer;
	struct espvti_sa *sa;
	struct espvti_geom g;
	unsigned int mtu;
	bool was;

	ASSERT_RTNL();
	dst_cache_reset(&edev->dst_cache);
	if (dev->reg_state != NETREG_REGISTERED)
		return;
	was = netif_carrier_ok(dev);
	sa = rtnl_dereference(edev->sa_out);
	peer = rtnl_dereference(edev->peer);
	if (!sa || !peer || (peer->encap == ESPVTI_ENCAP_UDP && !edev->usock)) {
		netif_carrier_off(dev);
		goto out;
	}
	if (!edev->mtu_user) {
		espvti_sa_geom(sa, peer->family, &g);
		if (peer->encap == ESPVTI_ENCAP_UDP)
			g.encap_hdr = sizeof(struct udphdr);
		mtu = espvti_inner_mtu(&g, espvti_underlay_mtu(edev, peer));
		/*
		 * Not below IPv6's minimum, where addrconf would take every
		 * IPv6 address away: the outer packet fragments instead.
		 */
		mtu = clamp_t(unsigned int, mtu, IPV6_MIN_MTU, dev->max_mtu);
		espvti_dev_auto_mtu(edev, mtu);
	}
	netif_carrier_on(dev);
out:
	if (netif_carrier_ok(dev) != was) {
		espvti_diag_event(edev, was ? ESPVTI_EVENT_CARRIER_OFF : ESPVTI_EVENT_CARRIER_ON,
				  NULL, 0);
		espvti_nl_notify_dev(edev);
	}
}

/*
 * DEV_SET mtu-auto (RTNL held): on, the MTU is espvti's again, as if never
 * set by hand: what the current SA leaves of the path, or the default of a
 * new interface while there is no SA; off, the present MTU stays, as the
 * user's.
 */
void espvti_dev_set_mtu_auto(struct espvti_dev *edev, bool on)
{
	ASSERT_RTNL();
	WRITE_ONCE(edev->mtu_user, !on);
	if (!on)
		return;
	if (rtnl_dereference(edev->sa_out) && rtnl_dereference(edev->peer)) {
		espvti_dev_update(edev);
		return;
	}
	/* A new interface's MTU. */
	espvti_dev_auto_mtu(edev, espvti_inner_mtu(&espvti_geom_worst,
						   ESPVTI_DEFAULT_UNDERLAY_MTU));
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
	case NETDEV_UP:
	case NETDEV_DOWN:
		espvti_nl_notify_dev(edev);	/* up or down by hand */
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
