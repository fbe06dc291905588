// SPDX-License-Identifier: GPL-2.0
/*
 * ESP in UDP (RFC 3948): the module's UDP sockets, what arrives on them,
 * NAT keepalives and the peer's endpoint following NAT rebinding.
 *
 * A socket is opened in the underlay namespace of the interfaces that use
 * it, per namespace, family and port, and shared (counted under RTNL) by
 * every interface there with the same port and family. Its encap_rcv sees
 * each datagram: a keepalive (one byte 0xff) is counted and consumed, a
 * non-ESP marker (IKE) has nobody to go to and is dropped, anything too
 * short is dropped; ESP loses its UDP header and takes esp.c's inbound
 * path, with its outer source address and port, which the peer's endpoint
 * follows once a packet from elsewhere proved authentic (a work item
 * under RTNL replaces the peer).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/rhashtable.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <linux/udp.h>
#include <net/esp.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/udp.h>
#include <net/udp_tunnel.h>

#include "espvti.h"

/* The module's ESP-in-UDP sockets; RTNL. */
static LIST_HEAD(espvti_usocks);

/*
 * What a UDP payload of @len bytes is, from its first bytes @p (at least
 * min(@len, 8) of them): RFC 3948 section 2.
 */
enum espvti_udp_kind espvti_udp_classify(const u8 *p, unsigned int len)
{
	if (len == 1 && p[0] == 0xff)
		return ESPVTI_UDP_KEEPALIVE;
	if (len >= 4 && !p[0] && !p[1] && !p[2] && !p[3])
		return ESPVTI_UDP_NON_ESP;
	if (len < sizeof(struct ip_esp_hdr))
		return ESPVTI_UDP_MALFORMED;
	return ESPVTI_UDP_ESP;
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_udp_classify);

/*
 * The tunnel that a datagram on @us from @saddr is about: one using the
 * socket whose peer has that address, else any that uses the socket, to
 * count the packet on. RCU.
 */
static struct espvti_dev *espvti_udp_tunnel(struct espvti_usock *us,
					    const union espvti_addr *saddr)
{
	struct espvti_dev *edev, *any = NULL;

	list_for_each_entry_rcu(edev, &espvti_pernet(us->net)->tunnels, tunnel_list) {
		struct espvti_peer *peer = rcu_dereference(edev->peer);

		if (!peer || peer->encap != ESPVTI_ENCAP_UDP || peer->family != us->family ||
		    peer->sport != us->port)
			continue;
		if (espvti_addr_eq(us->family, &peer->remote, saddr))
			return edev;
		if (!any)
			any = edev;
	}
	return any;
}

static int espvti_udp_drop(struct espvti_usock *us, struct sk_buff *skb,
			   const union espvti_addr *saddr, enum espvti_stat why)
{
	struct espvti_dev *edev = espvti_udp_tunnel(us, saddr);

	if (edev && why == ESPVTI_STAT_RX_KEEPALIVE) {
		espvti_count(edev, NULL, why);
		consume_skb(skb);
	} else if (edev) {
		espvti_rx_drop(edev, NULL, skb, why);
	} else {
		kfree_skb(skb);
	}
	return 0;
}

/* A datagram on one of our sockets, at its UDP header; RCU. */
static int espvti_udp_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct espvti_usock *us = rcu_dereference_sk_user_data(sk);
	union espvti_addr saddr = {}, daddr = {};
	struct espvti_peer *peer;
	unsigned int len, hlen = sizeof(struct udphdr);
	struct espvti_sa *sa;
	u8 head[8] = {};
	__be16 sport;
	__be32 spi;
	u8 tos;

	if (!us) {
		kfree_skb(skb);
		return 0;
	}
	if (us->family == AF_INET) {
		saddr.v4 = ip_hdr(skb)->saddr;
		daddr.v4 = ip_hdr(skb)->daddr;
		tos = ipv4_get_dsfield(ip_hdr(skb));
	} else {
		saddr.v6 = ipv6_hdr(skb)->saddr;
		daddr.v6 = ipv6_hdr(skb)->daddr;
		tos = ipv6_get_dsfield(ipv6_hdr(skb));
	}
	sport = udp_hdr(skb)->source;
	len = skb->len - hlen;
	if (skb_copy_bits(skb, hlen, head, min_t(unsigned int, len, sizeof(head))))
		return espvti_udp_drop(us, skb, &saddr, ESPVTI_STAT_RX_UDP_MALFORMED);

	switch (espvti_udp_classify(head, len)) {
	case ESPVTI_UDP_KEEPALIVE:
		return espvti_udp_drop(us, skb, &saddr, ESPVTI_STAT_RX_KEEPALIVE);
	case ESPVTI_UDP_NON_ESP:
		return espvti_udp_drop(us, skb, &saddr, ESPVTI_STAT_RX_UDP_NON_ESP);
	case ESPVTI_UDP_MALFORMED:
		return espvti_udp_drop(us, skb, &saddr, ESPVTI_STAT_RX_UDP_MALFORMED);
	case ESPVTI_UDP_ESP:
		break;
	}

	if (!pskb_pull(skb, hlen))
		return espvti_udp_drop(us, skb, &saddr, ESPVTI_STAT_RX_UDP_MALFORMED);
	skb_reset_transport_header(skb);
	spi = ((struct ip_esp_hdr *)head)->spi;
	sa = rhashtable_lookup(&espvti_pernet(us->net)->sa_in, &spi, espvti_sa_params);
	if (!sa || sa->reserved)
		return espvti_udp_drop(us, skb, &saddr, ESPVTI_STAT_RX_UNKNOWN_SPI);
	peer = rcu_dereference(sa->edev->peer);
	if (!peer || peer->family != us->family || peer->encap != ESPVTI_ENCAP_UDP ||
	    peer->sport != us->port ||
	    (!espvti_addr_any(us->family, &peer->local) &&
	     !espvti_addr_eq(us->family, &peer->local, &daddr))) {
		espvti_rx_drop(sa->edev, sa, skb, ESPVTI_STAT_RX_UDP_WRONG_ENCAP);
		return 0;
	}
	if (!refcount_inc_not_zero(&sa->ref)) {
		kfree_skb(skb);
		return 0;
	}
	espvti_esp_input_udp(sa, skb, tos, &saddr, sport);
	return 0;
}

/* Our socket on @port of @family in @net, shared or opened; RTNL. */
static struct espvti_usock *espvti_usock_get(struct net *net, u16 family, u16 port,
					     struct netlink_ext_ack *extack)
{
	struct udp_tunnel_sock_cfg tcfg = {
		.encap_type = UDP_ENCAP_ESPINUDP,
		.encap_rcv = espvti_udp_rcv,
	};
	struct udp_port_cfg cfg = {
		.family = family,
		.local_udp_port = htons(port),
		.ipv6_v6only = 1,
		.use_udp6_tx_checksums = 1,
		.use_udp6_rx_checksums = 1,
	};
	struct espvti_usock *us;
	int err;

	ASSERT_RTNL();
	list_for_each_entry(us, &espvti_usocks, list) {
		if (net_eq(us->net, net) && us->family == family && us->port == port) {
			us->users++;
			return us;
		}
	}
	us = kzalloc(sizeof(*us), GFP_KERNEL);
	if (!us)
		return ERR_PTR(-ENOMEM);
	err = udp_sock_create(net, &cfg, &us->sock);
	if (err) {
		kfree(us);
		if (err == -EADDRINUSE)
			NL_SET_ERR_MSG(extack, "encap-sport: the UDP port is in use already");
		else
			NL_SET_ERR_MSG(extack, "cannot open the ESP-in-UDP socket");
		return ERR_PTR(err);
	}
	us->net = net;
	us->family = family;
	us->port = port;
	us->users = 1;
	tcfg.sk_user_data = us;
	setup_udp_tunnel_sock(net, us->sock, &tcfg);
	list_add(&us->list, &espvti_usocks);
	return us;
}

/*
 * One user fewer; the last one closes the socket, once no receiver can
 * still see it (udp_tunnel_sock_release() waits for an RCU grace period).
 */
static void espvti_usock_put(struct espvti_usock *us)
{
	ASSERT_RTNL();
	if (!us || --us->users)
		return;
	list_del(&us->list);
	udp_tunnel_sock_release(us->sock);
	kfree(us);
}

/*
 * The socket that the peer settings @peer need, for espvti_udp_commit();
 * NULL for none. An error leaves everything as it was. RTNL.
 */
struct espvti_usock *espvti_udp_prepare(struct espvti_dev *edev,
					const struct espvti_peer *peer,
					struct netlink_ext_ack *extack)
{
	if (!peer || peer->encap != ESPVTI_ENCAP_UDP)
		return NULL;
	return espvti_usock_get(edev->net, peer->family, peer->sport, extack);
}

/*
 * The interface now uses @us (from espvti_udp_prepare(), or NULL), with
 * its new peer in place: the old socket goes (the keepalive work, which
 * uses it, stopped first), keepalives follow the new settings. RTNL.
 */
void espvti_udp_commit(struct espvti_dev *edev, struct espvti_usock *us)
{
	const struct espvti_peer *peer = rtnl_dereference(edev->peer);
	struct espvti_usock *old = edev->usock;

	cancel_delayed_work_sync(&edev->ka_work);
	WRITE_ONCE(edev->usock, us);
	espvti_usock_put(old);
	if (us && peer->keepalive)
		queue_delayed_work(espvti_wq, &edev->ka_work, peer->keepalive * HZ);
}

/*
 * A keepalive's turn (RFC 3948 section 2.3): one byte, 0xff, from our
 * socket to the peer, when nothing else went to it for the interval.
 * The socket stays while the work runs: it is only replaced or released
 * after cancel_delayed_work_sync().
 */
static void espvti_keepalive(struct work_struct *work)
{
	struct espvti_dev *edev = container_of(to_delayed_work(work), struct espvti_dev,
					       ka_work);
	struct espvti_usock *us = READ_ONCE(edev->usock);
	const struct espvti_peer *peer;
	struct sockaddr_storage ss = {};
	struct msghdr msg = { .msg_name = &ss, .msg_flags = MSG_DONTWAIT };
	unsigned long next, ival;
	u8 ka = 0xff;
	struct kvec iov = { .iov_base = &ka, .iov_len = 1 };

	rcu_read_lock();
	peer = rcu_dereference(edev->peer);
	if (!us || !peer || peer->encap != ESPVTI_ENCAP_UDP || !peer->keepalive) {
		rcu_read_unlock();
		return;
	}
	ival = peer->keepalive * HZ;
	if (peer->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = peer->remote.v4;
		sin->sin_port = htons(peer->dport);
		msg.msg_namelen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = peer->remote.v6;
		sin6->sin6_port = htons(peer->dport);
		msg.msg_namelen = sizeof(*sin6);
	}
	rcu_read_unlock();

	next = READ_ONCE(edev->last_tx) + ival;
	if (time_before(jiffies, next)) {
		queue_delayed_work(espvti_wq, &edev->ka_work, next - jiffies);
		return;
	}
	if (kernel_sendmsg(us->sock, &msg, &iov, 1, 1) == 1) {
		WRITE_ONCE(edev->last_tx, jiffies);
		espvti_count(edev, NULL, ESPVTI_STAT_TX_KEEPALIVE);
	} else {
		espvti_count(edev, NULL, ESPVTI_STAT_TX_UNDERLAY_ERROR);
	}
	queue_delayed_work(espvti_wq, &edev->ka_work, ival);
}

static bool espvti_ep_eq(const struct espvti_ep *a, const struct espvti_ep *b)
{
	return a->family == b->family && a->port == b->port &&
	       espvti_addr_eq(a->family, &a->addr, &b->addr);
}

/*
 * An authentic packet (decrypted, replay-checked) of @edev came from
 * @saddr:@sport: when that is not the peer's endpoint, the work item
 * makes it so (or reports it). Packet path.
 */
void espvti_nat_seen(struct espvti_dev *edev, u16 family, const union espvti_addr *saddr,
		     __be16 sport)
{
	const struct espvti_peer *peer;
	bool same;

	rcu_read_lock();
	peer = rcu_dereference(edev->peer);
	same = !peer || peer->encap != ESPVTI_ENCAP_UDP || peer->family != family ||
	       (peer->dport == ntohs(sport) && espvti_addr_eq(family, &peer->remote, saddr));
	rcu_read_unlock();
	if (same)
		return;
	spin_lock_bh(&edev->nat_lock);
	edev->nat_seen.family = family;
	edev->nat_seen.addr = *saddr;
	edev->nat_seen.port = ntohs(sport);
	spin_unlock_bh(&edev->nat_lock);
	dev_hold(edev->dev);
	if (!queue_work(espvti_wq, &edev->nat_work))
		dev_put(edev->dev);
}

static void espvti_nat_work(struct work_struct *work)
{
	struct espvti_dev *edev = container_of(work, struct espvti_dev, nat_work);
	struct espvti_peer *peer, *old;
	struct espvti_ep seen, was;

	rtnl_lock();
	if (edev->dev->reg_state != NETREG_REGISTERED)
		goto out;
	spin_lock_bh(&edev->nat_lock);
	seen = edev->nat_seen;
	spin_unlock_bh(&edev->nat_lock);
	old = rtnl_dereference(edev->peer);
	if (!old || old->encap != ESPVTI_ENCAP_UDP || old->family != seen.family)
		goto out;
	was.family = old->family;
	was.addr = old->remote;
	was.port = old->dport;
	if (espvti_ep_eq(&was, &seen))
		goto out;
	if (!old->nat_follow) {
		/* Reported once per new endpoint. */
		if (espvti_ep_eq(&edev->nat_reported, &seen))
			goto out;
		edev->nat_reported = seen;
	} else {
		peer = kmemdup(old, sizeof(*old), GFP_KERNEL);
		if (!peer)
			goto out;
		peer->remote = seen.addr;
		peer->dport = seen.port;
		rcu_assign_pointer(edev->peer, peer);
		kfree_rcu(old, rcu);
		espvti_dev_update(edev);
	}
	espvti_count(edev, NULL, ESPVTI_STAT_RX_NAT_CHANGE);
	net_info_ratelimited("%s: peer moved to port %u\n", edev->dev->name, seen.port);
	espvti_nl_nat_change(edev, &was, &seen, rtnl_dereference(edev->peer)->nat_follow);
out:
	rtnl_unlock();
	dev_put(edev->dev);
}

void espvti_udp_dev_init(struct espvti_dev *edev)
{
	spin_lock_init(&edev->nat_lock);
	INIT_DELAYED_WORK(&edev->ka_work, espvti_keepalive);
	INIT_WORK(&edev->nat_work, espvti_nat_work);
	edev->last_tx = jiffies;
}

/* The interface goes: no more keepalives, its socket is given up. RTNL. */
void espvti_udp_dev_uninit(struct espvti_dev *edev)
{
	cancel_delayed_work_sync(&edev->ka_work);
	espvti_usock_put(edev->usock);
	edev->usock = NULL;
}
