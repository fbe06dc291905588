// SPDX-License-Identifier: GPL-2.0
/*
 * ESP in UDP (RFC 3948): the module's UDP sockets, what arrives on them,
 * NAT keepalives and the peer's endpoint following NAT rebinding.
 *
 * A socket is opened in the underlay namespace of the interfaces that use
 * it, per namespace, family and port, and shared (counted under RTNL) by
 * every interface there with the same port and family. Or userspace hands
 * in its own bound socket (an IKE daemon's, ESPVTI_A_ENCAP_FD) and we take
 * its encap_rcv, the way the kernel's UDP_ENCAP socket option does for
 * xfrm. Its encap_rcv sees each datagram: a keepalive (one byte 0xff) is
 * counted and consumed, a non-ESP marker (IKE) goes on to the socket's
 * owner untouched (our own socket has none: dropped), anything too short is
 * dropped; ESP loses its UDP header and takes esp.c's inbound path for the
 * SA its SPI names (any interface on the socket), with its outer source
 * address and port, which the peer's endpoint follows once a packet from
 * elsewhere proved authentic (a work item under RTNL replaces the peer).
 *
 * A handed-in socket is let go when its last interface stops using it, or
 * when its owner closes it (encap_destroy) or takes it back (sets
 * UDP_ENCAP: seen when we next send on it): then its interfaces lose it,
 * and their carrier, in a work item under RTNL. espvti_attach_lock orders
 * the two; sk_user_data is the RCU-protected link from socket to us.
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

/* The module's ESP-in-UDP sockets and the attached ones; RTNL. */
static LIST_HEAD(espvti_usocks);
/* An attached socket's detaching: by us or by its owner's close. */
static DEFINE_SPINLOCK(espvti_attach_lock);
static void espvti_usock_reap(struct work_struct *work);
static DECLARE_WORK(espvti_reap_work, espvti_usock_reap);

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
 * The tunnel that a datagram on @us from @saddr is about, to count it on:
 * one on the socket whose peer has that address, else one on the socket
 * (us->any). RCU.
 */
static struct espvti_dev *espvti_udp_tunnel(struct espvti_usock *us,
					    const union espvti_addr *saddr)
{
	struct hlist_head *b = espvti_peer_bucket(us->net, us->family, saddr);
	struct espvti_dev *edev;

	hlist_for_each_entry_rcu(edev, b, peer_node) {
		struct espvti_peer *peer = rcu_dereference(edev->peer);

		if (peer && peer->family == us->family && READ_ONCE(edev->usock) == us &&
		    espvti_addr_eq(us->family, &peer->remote, saddr))
			return edev;
	}
	return rcu_dereference(us->any);
}

/*
 * @us's counting tunnel is going (off the socket or gone): another on the
 * socket takes its place, if any. RTNL; the tunnel has left @us already.
 */
static void espvti_usock_reany(struct espvti_usock *us, struct espvti_dev *going)
{
	struct espvti_dev *edev, *any = NULL;

	if (!us || rtnl_dereference(us->any) != going)
		return;
	list_for_each_entry(edev, &espvti_pernet(us->net)->tunnels, tunnel_list)
		if (edev != going && edev->usock == us) {
			any = edev;
			break;
		}
	rcu_assign_pointer(us->any, any);
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

/*
 * A datagram on one of our sockets, at its UDP header; RCU. 0: consumed;
 * 1: the socket's owner receives it, as a plain UDP datagram.
 */
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
	bool v4;
	u8 tos;

	/*
	 * Being let go (or IPv4 on a dual-stack socket handed in as IPv6):
	 * the socket's own.
	 */
	if (!us)
		return 1;
	v4 = ip_hdr(skb)->version == 4;
	if (us->family != (v4 ? AF_INET : AF_INET6))
		return 1;
	tos = espvti_outer(skb, us->family, &saddr, &daddr);
	sport = udp_hdr(skb)->source;
	len = skb->len - hlen;
	if (skb_copy_bits(skb, hlen, head, min_t(unsigned int, len, sizeof(head))))
		return espvti_udp_drop(us, skb, &saddr, ESPVTI_STAT_RX_UDP_MALFORMED);

	switch (espvti_udp_classify(head, len)) {
	case ESPVTI_UDP_KEEPALIVE:
		return espvti_udp_drop(us, skb, &saddr, ESPVTI_STAT_RX_KEEPALIVE);
	case ESPVTI_UDP_NON_ESP:
		/* IKE: for the daemon that handed the socket in, untouched. */
		if (us->attached)
			return 1;
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
	if (!sa || sa->reserved) {
		struct espvti_dev *edev = espvti_udp_tunnel(us, &saddr);

		if (edev)
			espvti_diag_unknown_spi(edev, spi);
		return espvti_udp_drop(us, skb, &saddr, ESPVTI_STAT_RX_UNKNOWN_SPI);
	}
	/* Any interface on this socket: they share it, the SPI tells. */
	peer = rcu_dereference(sa->edev->peer);
	if (!peer || READ_ONCE(sa->edev->usock) != us ||
	    (!espvti_addr_any(us->family, &peer->local) &&
	     !espvti_addr_eq(us->family, &peer->local, &daddr))) {
		espvti_rx_drop(sa->edev, sa, skb, ESPVTI_STAT_RX_UDP_WRONG_ENCAP);
		return 0;
	}
	if (!refcount_inc_not_zero(&sa->ref)) {
		kfree_skb(skb);
		return 0;
	}
	espvti_esp_input(sa, skb, tos, &saddr, sport);
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
		if (net_eq(us->net, net) && us->family == family && us->port == port &&
		    !READ_ONCE(us->gone)) {
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
	us->sk = us->sock->sk;
	us->family = family;
	us->port = port;
	us->users = 1;
	tcfg.sk_user_data = us;
	espvti_setup_udp_tunnel_sock(net, us->sock, &tcfg);
	list_add(&us->list, &espvti_usocks);
	return us;
}

/*
 * @us is no longer ours to receive on (espvti_attach_lock held): unlinked
 * from its socket and marked gone; the reap work tells its interfaces.
 */
static void espvti_usock_let_go(struct espvti_usock *us)
{
	rcu_assign_sk_user_data(us->sk, NULL);
	WRITE_ONCE(us->gone, true);
	queue_work(espvti_wq, &espvti_reap_work);
}

/*
 * Its owner closes an attached socket (udp_destroy_sock()): it is no
 * longer ours to receive on; the interfaces learn it in a work item.
 */
static void espvti_udp_destroy(struct sock *sk)
{
	struct espvti_usock *us;

	spin_lock_bh(&espvti_attach_lock);
	rcu_read_lock();
	us = rcu_dereference_sk_user_data(sk);
	rcu_read_unlock();
	if (us)
		espvti_usock_let_go(us);
	spin_unlock_bh(&espvti_attach_lock);
}

/*
 * Whether an attached socket is no longer ours: its owner closed it, or
 * took it back by setting UDP_ENCAP on it (for the kernel's xfrm, or 0),
 * which replaces our encap_rcv; then our ESP would never arrive. A socket
 * taken back is let go as a closed one is (the interfaces lose it in a
 * work item), and what of ours the owner did not overwrite is undone.
 * Any context; @us stays valid for the caller's RCU read section.
 */
bool espvti_usock_lost(struct espvti_usock *us)
{
	struct udp_sock *up = udp_sk(us->sk);
	bool taken = false;

	if (!us->attached || READ_ONCE(us->gone))
		return READ_ONCE(us->gone);
	if (likely(READ_ONCE(up->encap_rcv) == espvti_udp_rcv && READ_ONCE(up->encap_type)))
		return false;
	spin_lock_bh(&espvti_attach_lock);
	if (!us->gone) {
		cmpxchg(&up->encap_destroy, espvti_udp_destroy, NULL);
		espvti_usock_let_go(us);
		taken = true;
	}
	spin_unlock_bh(&espvti_attach_lock);
	if (taken)
		net_info_ratelimited("a UDP socket was taken back by its owner (UDP_ENCAP)\n");
	return true;
}

/*
 * Userspace's socket @fd for @peer (its port becomes peer->sport): shared
 * when another interface uses it already, else taken over like the
 * UDP_ENCAP socket option does, unless someone has it already. RTNL.
 */
static struct espvti_usock *espvti_usock_attach(struct espvti_dev *edev,
						struct espvti_peer *peer, int fd,
						struct netlink_ext_ack *extack)
{
	struct espvti_usock *us;
	struct socket *sock;
	struct udp_sock *up;
	struct sock *sk;
	int err;

	ASSERT_RTNL();
	sock = sockfd_lookup(fd, &err);
	if (!sock) {
		NL_SET_ERR_MSG(extack, "encap-fd: not a socket of the caller");
		return ERR_PTR(err);
	}
	sk = sock->sk;
	err = -EINVAL;
	if (sk->sk_type != SOCK_DGRAM || sk->sk_protocol != IPPROTO_UDP ||
	    (sk->sk_family != AF_INET && sk->sk_family != AF_INET6)) {
		NL_SET_ERR_MSG(extack, "encap-fd: not a UDP socket");
		goto out;
	}
	if (!net_eq(sock_net(sk), edev->net)) {
		NL_SET_ERR_MSG(extack, "encap-fd: the socket is not in the underlay namespace");
		goto out;
	}
	if (sk->sk_family != peer->family) {
		NL_SET_ERR_MSG(extack, "encap-fd: the socket's family is not the tunnel's");
		goto out;
	}
	if (!inet_sk(sk)->inet_num) {
		NL_SET_ERR_MSG(extack, "encap-fd: the socket is not bound to a port");
		goto out;
	}
	list_for_each_entry(us, &espvti_usocks, list) {
		if (us->sk == sk && !READ_ONCE(us->gone)) {
			us->users++;
			goto found;
		}
	}
	up = udp_sk(sk);
	err = -EBUSY;
	if (READ_ONCE(up->encap_type) || rcu_access_pointer(__sk_user_data(sk))) {
		NL_SET_ERR_MSG(extack,
			       "encap-fd: the socket is claimed for encapsulation already (UDP_ENCAP)");
		goto out;
	}
	err = -ENOMEM;
	us = kzalloc(sizeof(*us), GFP_KERNEL);
	if (!us)
		goto out;
	sock_hold(sk);
	us->sk = sk;
	us->net = edev->net;
	us->family = sk->sk_family;
	us->port = ntohs(inet_sk(sk)->inet_sport);
	us->users = 1;
	us->attached = true;
	/* What setup_udp_tunnel_sock() does, less its socket options. */
	lock_sock(sk);
	inet_inc_convert_csum(sk);
	rcu_assign_sk_user_data(sk, us);
	WRITE_ONCE(up->encap_type, UDP_ENCAP_ESPINUDP);
	WRITE_ONCE(up->encap_destroy, espvti_udp_destroy);
	WRITE_ONCE(up->encap_rcv, espvti_udp_rcv);
	espvti_udp_encap_enable(sock);
	release_sock(sk);
	list_add(&us->list, &espvti_usocks);
found:
	err = 0;
	peer->sport = us->port;
out:
	sockfd_put(sock);
	return err ? ERR_PTR(err) : us;
}

/*
 * One user fewer; the last one closes our own socket, or gives an
 * attached one back to its owner as a plain UDP socket, once no receiver
 * can still see it (udp_tunnel_sock_release() waits for an RCU grace
 * period, as we do).
 */
static void espvti_usock_put(struct espvti_usock *us)
{
	struct udp_sock *up;

	ASSERT_RTNL();
	if (!us || --us->users)
		return;
	list_del(&us->list);
	if (!us->attached) {
		espvti_udp_tunnel_sock_release(us->sock);
		kfree(us);
		return;
	}
	up = udp_sk(us->sk);
	spin_lock_bh(&espvti_attach_lock);
	if (!us->gone) {
		WRITE_ONCE(up->encap_rcv, NULL);
		WRITE_ONCE(up->encap_destroy, NULL);
		WRITE_ONCE(up->encap_type, 0);
		rcu_assign_sk_user_data(us->sk, NULL);
	}
	spin_unlock_bh(&espvti_attach_lock);
	synchronize_net();
	sock_put(us->sk);
	kfree(us);
}

/* What socket @edev receives on, for DEV_GET; RTNL. */
u8 espvti_udp_socket_kind(const struct espvti_dev *edev)
{
	if (!edev->usock)
		return ESPVTI_ENCAP_SOCKET_NONE;
	return edev->usock->attached ? ESPVTI_ENCAP_SOCKET_ATTACHED : ESPVTI_ENCAP_SOCKET_OWN;
}

/*
 * The socket that the peer settings @peer need, for espvti_udp_commit();
 * NULL for none. @fd (ESPVTI_A_ENCAP_FD, or NULL): userspace's socket to
 * use, whose port becomes peer->sport; without it the one the interface
 * has stays while its port and family do, else the module's own on
 * peer->sport. An error leaves everything as it was. RTNL.
 */
struct espvti_usock *espvti_udp_prepare(struct espvti_dev *edev, struct espvti_peer *peer,
					const struct nlattr *fd,
					struct netlink_ext_ack *extack)
{
	struct espvti_usock *us = edev->usock;

	if (!peer || peer->encap != ESPVTI_ENCAP_UDP)
		return NULL;
	if (fd)
		return espvti_usock_attach(edev, peer, nla_get_u32(fd), extack);
	if (us && us->family == peer->family && us->port == peer->sport) {
		us->users++;
		return us;
	}
	return espvti_usock_get(edev->net, peer->family, peer->sport, extack);
}

/*
 * Interfaces whose attached socket its owner closed lose it (no carrier,
 * their packets counted as tx_no_socket) until one is set again.
 */
static void espvti_usock_reap(struct work_struct *work)
{
	struct espvti_usock *us, *tmp;
	struct espvti_dev *edev;

	rtnl_lock();
	list_for_each_entry_safe(us, tmp, &espvti_usocks, list) {
		struct espvti_net *pn;
		unsigned int users = us->users;

		if (!READ_ONCE(us->gone))
			continue;
		/* Interfaces of us->net hold it: the namespace is alive. */
		pn = espvti_pernet(us->net);
		list_for_each_entry(edev, &pn->tunnels, tunnel_list) {
			if (edev->usock != us)
				continue;
			net_info_ratelimited("%s: its UDP socket was closed\n", edev->dev->name);
			espvti_udp_commit(edev, NULL);
			espvti_dev_update(edev);
			if (!--users)
				break;	/* us is gone now */
		}
	}
	rtnl_unlock();
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
	/* The user set the peer: no endpoint of a NAT's is pending. */
	spin_lock_bh(&edev->nat_lock);
	WRITE_ONCE(edev->nat_pending, false);
	spin_unlock_bh(&edev->nat_lock);
	WRITE_ONCE(edev->usock, us);
	if (old != us)
		espvti_usock_reany(old, edev);
	if (us && !rtnl_dereference(us->any))
		rcu_assign_pointer(us->any, edev);
	espvti_usock_put(old);
	if (us && peer->keepalive)
		queue_delayed_work(espvti_wq, &edev->ka_work, peer->keepalive * HZ);
}

/*
 * A keepalive's turn (RFC 3948 section 2.3): one byte, 0xff, from our
 * socket to the peer (from the tunnel's local address when it has one),
 * when nothing else went to it for the interval.
 * The socket stays while the work runs: it is only replaced or let go
 * after cancel_delayed_work_sync(), and we hold an attached one's sock.
 * Sent by the protocol's sendmsg, as the socket's own datagrams are (an
 * attached socket's struct socket may be going with its file).
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
	union {
		struct cmsghdr hdr;
		u8 buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} ctl = {};

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
		if (peer->local.v4) {
			struct in_pktinfo *pi = (struct in_pktinfo *)CMSG_DATA(&ctl.hdr);

			ctl.hdr.cmsg_level = SOL_IP;
			ctl.hdr.cmsg_type = IP_PKTINFO;
			ctl.hdr.cmsg_len = CMSG_LEN(sizeof(*pi));
			pi->ipi_spec_dst.s_addr = peer->local.v4;
		}
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = peer->remote.v6;
		sin6->sin6_port = htons(peer->dport);
		msg.msg_namelen = sizeof(*sin6);
		if (!ipv6_addr_any(&peer->local.v6)) {
			struct in6_pktinfo *pi = (struct in6_pktinfo *)CMSG_DATA(&ctl.hdr);

			ctl.hdr.cmsg_level = SOL_IPV6;
			ctl.hdr.cmsg_type = IPV6_PKTINFO;
			ctl.hdr.cmsg_len = CMSG_LEN(sizeof(*pi));
			pi->ipi6_addr = peer->local.v6;
		}
	}
	rcu_read_unlock();
	/*
	 * From the tunnel's local address, as its ESP: on a host with several
	 * addresses the route may pick another, and the NAT binding that the
	 * keepalive refreshes would not be the ESP's.
	 */
	if (ctl.hdr.cmsg_len) {
		msg.msg_control = &ctl;
		msg.msg_controllen = CMSG_ALIGN(ctl.hdr.cmsg_len);
		msg.msg_control_is_user = false;
	}

	next = READ_ONCE(edev->last_tx) + ival;
	if (time_before(jiffies, next)) {
		queue_delayed_work(espvti_wq, &edev->ka_work, next - jiffies);
		return;
	}
	iov_iter_kvec(&msg.msg_iter, WRITE, &iov, 1, 1);
	if (!espvti_usock_lost(us) && us->sk->sk_prot->sendmsg(us->sk, &msg, 1) == 1) {
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
	bool same, peer_follow;

	rcu_read_lock();
	peer = rcu_dereference(edev->peer);
	same = !peer || peer->encap != ESPVTI_ENCAP_UDP || peer->family != family ||
	       (peer->dport == ntohs(sport) && espvti_addr_eq(family, &peer->remote, saddr));
	peer_follow = !same && peer->nat_follow;
	rcu_read_unlock();
	if (same)
		return;
	spin_lock_bh(&edev->nat_lock);
	edev->nat_seen.family = family;
	edev->nat_seen.addr = *saddr;
	edev->nat_seen.port = ntohs(sport);
	WRITE_ONCE(edev->nat_pending, peer_follow);
	spin_unlock_bh(&edev->nat_lock);
	dev_hold(edev->dev);
	if (!queue_work(espvti_wq, &edev->nat_work))
		dev_put(edev->dev);
}

/* @seen is the peer's endpoint now, or was never to be: no more pending. */
static void espvti_nat_settled(struct espvti_dev *edev, const struct espvti_ep *seen)
{
	spin_lock_bh(&edev->nat_lock);
	if (espvti_ep_eq(&edev->nat_seen, seen))
		WRITE_ONCE(edev->nat_pending, false);
	spin_unlock_bh(&edev->nat_lock);
}

static void espvti_nat_work(struct work_struct *work)
{
	struct espvti_dev *edev = container_of(work, struct espvti_dev, nat_work);
	struct espvti_peer *peer, *old;
	struct espvti_ep seen = {}, was;

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
		espvti_dev_rehash(edev);
		espvti_dev_update(edev);
	}
	espvti_count(edev, NULL, ESPVTI_STAT_RX_NAT_CHANGE);
	net_info_ratelimited("%s: peer moved to port %u\n", edev->dev->name, seen.port);
	espvti_nl_nat_change(edev, &was, &seen, rtnl_dereference(edev->peer)->nat_follow);
out:
	/* From here on the peer says where to send (or the user does). */
	espvti_nat_settled(edev, &seen);
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
	espvti_usock_reany(edev->usock, edev);
	espvti_usock_put(edev->usock);
	edev->usock = NULL;
}
