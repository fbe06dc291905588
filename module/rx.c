// SPDX-License-Identifier: GPL-2.0
/*
 * The receive path, top-down: ESP from the underlay (espvti_rcv, or
 * espvti_udp_rcv in udp.c for ESP in UDP) to the interface (espvti_deliver).
 *
 * 1. espvti_rcv: an ESP packet for one of our SPIs, from the tunnel's peer
 *    to its local address (else it is xfrm's, see espvti_rcv_unknown()).
 * 2. espvti_esp_input: the lengths, and a check against the replay window
 *    that changes nothing yet; the packet joins the interface's inbound
 *    ordered queue in arrival order and its decryption runs here or on
 *    another CPU (crypt.c).
 * 3. espvti_rx_advance, from the queue's head in arrival order, under the
 *    SA's lock: the window moves now that the packet is authentic, and the
 *    lifetimes count it.
 * 4. espvti_rx_finish: the trailer, the inner packet and the selectors
 *    (espvti_deliver), then the interface's GRO: steps 3 and 4 are its
 *    NAPI poll (espvti_rx_poll() in crypt.c). The ICV verified, so
 *    the inner checksums are not verified again (as WireGuard: what the
 *    peer sealed is what arrives).
 *
 * Also here: ICMP errors about our ESP (path MTU, redirects), and the
 * registration ahead of xfrm for IP protocol 50.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/icmp.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/rhashtable.h>
#include <linux/skbuff.h>
#include <net/esp.h>
#include <net/gro.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/route.h>
#include <net/xfrm.h>

#include "espvti.h"

static enum espvti_stat espvti_replay_why(enum espvti_replay_verdict v)
{
	return v == ESPVTI_REPLAY_REPLAYED ? ESPVTI_STAT_RX_REPLAY :
					     ESPVTI_STAT_RX_OUTSIDE_WINDOW;
}

/*
 * The inner packet, now at skb->data: check it and hand it to the
 * interface, through its NAPI's GRO (this is its poll).
 */
static enum espvti_stat espvti_deliver(struct espvti_sa *sa, struct sk_buff *skb,
				       u8 nexthdr, u8 outer_tos)
{
	struct espvti_dev *edev = sa->edev;
	struct net_device *dev = edev->dev;
	const struct espvti_spd *spd;
	struct espvti_flow fl;
	unsigned int len;
	bool match;
	u8 inner_tos;

	skb_reset_network_header(skb);
	if (nexthdr == IPPROTO_IPIP) {
		const struct iphdr *iph;

		if (!pskb_may_pull(skb, sizeof(*iph)))
			return ESPVTI_STAT_RX_MALFORMED;
		iph = ip_hdr(skb);
		if (iph->version != 4 || iph->ihl < 5 ||
		    !pskb_may_pull(skb, iph->ihl * 4))
			return ESPVTI_STAT_RX_MALFORMED;
		iph = ip_hdr(skb);
		len = ntohs(iph->tot_len);
		if (len > skb->len || len < iph->ihl * 4)
			return ESPVTI_STAT_RX_MALFORMED;
		inner_tos = iph->tos;
		skb->protocol = htons(ETH_P_IP);
	} else if (nexthdr == IPPROTO_IPV6) {
		const struct ipv6hdr *ip6h;

		if (!pskb_may_pull(skb, sizeof(*ip6h)))
			return ESPVTI_STAT_RX_MALFORMED;
		ip6h = ipv6_hdr(skb);
		len = sizeof(*ip6h) + ntohs(ip6h->payload_len);
		if (ip6h->version != 6 || len > skb->len)
			return ESPVTI_STAT_RX_MALFORMED;
		inner_tos = ipv6_get_dsfield(ip6h);
		skb->protocol = htons(ETH_P_IPV6);
	} else {
		return ESPVTI_STAT_RX_MALFORMED;
	}
	if (pskb_trim(skb, len))
		return ESPVTI_STAT_RX_MALFORMED;
	skb_reset_mac_header(skb);
	skb_reset_transport_header(skb);

	/* RFC 6040: outer CE marks the inner packet, or drops a Not-ECT one. */
	if (INET_ECN_decapsulate(skb, outer_tos, inner_tos) > 1)
		return ESPVTI_STAT_RX_MALFORMED;

	/* The selectors look at the packet unless they take all of it. */
	rcu_read_lock();
	spd = rcu_dereference(edev->spd);
	match = espvti_spd_all(spd, skb->protocol);
	if (!match) {
		espvti_flow_parse(skb, &fl);	/* IPv4 or IPv6: cannot fail */
		espvti_flow_reverse(&fl);	/* selectors are written as we send */
		match = espvti_spd_match(spd, &fl);
		if (!match)
			espvti_diag_refused(edev, &fl, ESPVTI_SA_DIR_IN);
	}
	rcu_read_unlock();
	if (!match)
		return ESPVTI_STAT_RX_SELECTOR_MISMATCH;
	if (!netif_running(dev))
		return ESPVTI_STAT_RX_NOT_UP;

	skb_scrub_packet(skb, !net_eq(edev->net, dev_net(dev)));
	skb->dev = dev;
	skb->pkt_type = PACKET_HOST;
	len = skb->len;
	/*
	 * The ICV verified what the peer sealed: no second pass over it for
	 * the inner checksums, in GRO or the sockets.
	 */
	skb->ip_summed = CHECKSUM_UNNECESSARY;
	skb->csum_level = SKB_MAX_CSUM_LEVEL;
	/* Its own, not a clone: skb_cow_data() before it was decrypted in place. */
	napi_gro_receive(&edev->napi, skb);
	espvti_count_ok(sa, ESPVTI_STAT_RX_PACKETS, len);
	return __ESPVTI_STAT_MAX;
}

/*
 * Under the SA's lock, as @pkt leaves the queue in arrival order: an
 * authentic packet moves the replay window and counts against the
 * lifetimes; one the window refuses now is dropped in espvti_rx_finish().
 */
void espvti_rx_advance(struct espvti_pkt *pkt)
{
	struct espvti_sa *sa = pkt->sa;
	unsigned int hdr = sizeof(struct ip_esp_hdr) + sa->iv_len;
	enum espvti_replay_verdict v;

	if (pkt->why != __ESPVTI_STAT_MAX || pkt->err)
		return;
	v = espvti_replay_advance(&sa->replay, pkt->seq);
	if (unlikely(v != ESPVTI_REPLAY_OK)) {
		pkt->why = espvti_replay_why(v);
		pkt->rx.behind = sa->replay.top - pkt->seq;
	} else if (unlikely(!espvti_sa_account(sa, pkt->skb->len - hdr - sa->icv_len))) {
		pkt->why = ESPVTI_STAT_RX_EXPIRED;
	}
}

/*
 * An inbound packet leaves the queue, in arrival order, in the interface's
 * NAPI poll: delivered, or dropped and counted. Frees @pkt and its
 * reference on the SA.
 */
void espvti_rx_finish(struct espvti_pkt *pkt)
{
	struct espvti_sa *sa = pkt->sa;
	unsigned int hdr = sizeof(struct ip_esp_hdr) + sa->iv_len;
	struct sk_buff *skb = pkt->skb;
	enum espvti_stat why = pkt->why;
	u8 nexthdr;
	int padlen;

	if (unlikely(pkt->err))
		why = pkt->err == -EBADMSG ? ESPVTI_STAT_RX_AUTH_FAILED :
					     ESPVTI_STAT_RX_CRYPTO_ERROR;
	else if (unlikely(why == ESPVTI_STAT_RX_REPLAY || why == ESPVTI_STAT_RX_OUTSIDE_WINDOW))
		espvti_diag_replay(sa->edev, pkt->rx.behind);
	if (unlikely(why != __ESPVTI_STAT_MAX))
		goto drop;
	if (pkt->rx.udp)
		espvti_nat_seen(sa->edev, pkt->rx.family, &pkt->rx.saddr, pkt->rx.sport);

	padlen = espvti_esp_trailer(skb, skb->len - hdr - sa->icv_len, sa->icv_len, &nexthdr);
	if (padlen < 0) {
		why = ESPVTI_STAT_RX_BAD_TRAILER;
		goto drop;
	}
	if (nexthdr == IPPROTO_NONE) {
		/* A dummy packet (RFC 4303 section 2.6): discarded, counted. */
		espvti_count(sa->edev, sa, ESPVTI_STAT_RX_DUMMY);
		consume_skb(skb);
		goto out;
	}

	skb->ip_summed = CHECKSUM_NONE;		/* the outer packet's is gone */
	why = ESPVTI_STAT_RX_MALFORMED;
	if (pskb_trim(skb, skb->len - sa->icv_len - 2 - padlen) || !pskb_pull(skb, hdr))
		goto drop;
	why = espvti_deliver(sa, skb, nexthdr, pkt->rx.outer_tos);
	if (why == __ESPVTI_STAT_MAX)
		goto out;
drop:
	espvti_rx_drop(sa->edev, sa, skb, why);
out:
	espvti_pkt_free(pkt);
	espvti_sa_put(sa);
}

/*
 * Decrypt @skb (at its ESP header) with @sa; consumes both. @saddr, @sport:
 * where it came from, when it came in UDP.
 */
void espvti_esp_input(struct espvti_sa *sa, struct sk_buff *skb, u8 outer_tos,
		      const union espvti_addr *saddr, __be16 sport)
{
	unsigned int hdr = sizeof(struct ip_esp_hdr) + sa->iv_len;
	enum espvti_replay_verdict v;
	struct ip_esp_hdr *esph;
	struct espvti_pkt *pkt;
	struct sk_buff *trailer;
	struct espvti_oq *oq;
	enum espvti_stat why;
	int nfrags, cpu;
	bool queued;
	u64 seq;

	why = ESPVTI_STAT_RX_MALFORMED;
	if (skb->len < hdr + sa->icv_len + 2)
		goto drop;
	if ((skb->len - hdr - sa->icv_len) % sa->block || !pskb_may_pull(skb, hdr))
		goto drop;
	why = ESPVTI_STAT_RX_CRYPTO_ERROR;
	nfrags = skb_cow_data(skb, 0, &trailer);
	if (nfrags < 0)
		goto drop;
	pkt = espvti_pkt_alloc(sa, skb, nfrags);
	if (!pkt)
		goto drop;
	pkt->rx.outer_tos = outer_tos;
	pkt->rx.udp = !!saddr;
	if (saddr) {
		pkt->rx.family = skb->protocol == htons(ETH_P_IP) ? AF_INET : AF_INET6;
		pkt->rx.saddr = *saddr;
		pkt->rx.sport = sport;
	}
	esph = (struct ip_esp_hdr *)skb->data;

	/* Cheap rejection before any crypto (nothing changes), and a place. */
	spin_lock(&sa->lock);
	seq = espvti_replay_seq(&sa->replay, ntohl(esph->seq_no), sa->esn);
	v = espvti_replay_check(&sa->replay, seq);
	queued = false;
	cpu = -1;
	if (v == ESPVTI_REPLAY_OK) {
		pkt->seq = seq;
		oq = espvti_sa_oq(sa);
		spin_lock(&oq->lock);
		cpu = espvti_crypt_cpu(oq, skb->len, 0);
		queued = espvti_oq_add(oq, pkt);
		spin_unlock(&oq->lock);
	} else {
		pkt->rx.behind = sa->replay.top - seq;	/* for diagnose, on drops only */
	}
	spin_unlock(&sa->lock);
	if (unlikely(!queued)) {
		if (v != ESPVTI_REPLAY_OK) {
			espvti_diag_replay(sa->edev, pkt->rx.behind);
			why = espvti_replay_why(v);
		} else {
			why = ESPVTI_STAT_RX_QUEUE_FULL;
		}
		espvti_pkt_free(pkt);
		goto drop;
	}

	memcpy(espvti_pkt_iv(pkt), esph + 1, sa->iv_len);
	espvti_esp_aad_push(sa, skb, seq);
	espvti_crypt_submit(pkt, cpu);
	return;

drop:
	espvti_rx_drop(sa->edev, sa, skb, why);
	espvti_sa_put(sa);
}

/*
 * ESP for no SA of ours. When it comes from one of our peers to us and the
 * kernel's xfrm has no state for it either, it is ours to drop and count;
 * otherwise xfrm gets it. Any state with the SPI counts, whatever its mark:
 * an ip_vti tunnel's (its key) or an IKE daemon's mark_in states match only
 * once their owner has marked the packet, after us. The walk of all states
 * runs only when the hash (with the packet's mark) missed, xfrm has states,
 * and the packet comes from one of our peers.
 */
static int espvti_rcv_unknown(struct sk_buff *skb, struct net *net, u16 family,
			      const union espvti_addr *saddr,
			      const union espvti_addr *daddr, __be32 spi)
{
	struct espvti_dev *edev;
	struct xfrm_state *x;

	edev = espvti_tunnel_find(net, family, saddr, daddr);
	if (!edev)
		return -EINVAL;
	x = xfrm_state_lookup(net, skb->mark, (const xfrm_address_t *)daddr, spi,
			      IPPROTO_ESP, family);
	if (!x && READ_ONCE(net->xfrm.state_num))
		x = xfrm_state_lookup_byspi(net, spi, family);
	if (x) {
		xfrm_state_put(x);
		return -EINVAL;
	}
	espvti_diag_unknown_spi(edev, spi);
	espvti_rx_drop(edev, NULL, skb, ESPVTI_STAT_RX_UNKNOWN_SPI);
	return 0;
}

/*
 * An ESP packet for this host, at its ESP header: 0 when it was ours (and
 * is consumed), -EINVAL to leave it to the next handler (xfrm).
 */
static int espvti_rcv(struct sk_buff *skb, u16 family)
{
	struct net *net = dev_net(skb->dev);
	union espvti_addr saddr = {}, daddr = {};
	struct espvti_peer *peer;
	struct espvti_sa *sa;
	__be32 spi;
	u8 tos;

	/*
	 * A dying namespace: our exit_batch (a pernet device) destroys its SA
	 * table while its other devices (a veth) may still deliver ESP. Its
	 * count is 0 before cleanup_net()'s synchronize_rcu(), so no lookup
	 * that passed this test is still running when the table goes.
	 */
	if (!check_net(net))
		return -EINVAL;
	if (!pskb_may_pull(skb, sizeof(struct ip_esp_hdr)))
		return -EINVAL;
	spi = ((struct ip_esp_hdr *)skb->data)->spi;
	tos = espvti_outer(skb, family, &saddr, &daddr);

	sa = rhashtable_lookup(&espvti_pernet(net)->sa_in, &spi, espvti_sa_params);
	if (!sa || sa->reserved)
		return espvti_rcv_unknown(skb, net, family, &saddr, &daddr, spi);
	peer = rcu_dereference(sa->edev->peer);
	if (!peer || peer->family != family ||
	    (!espvti_addr_any(family, &peer->local) &&
	     !espvti_addr_eq(family, &peer->local, &daddr)))
		return -EINVAL;
	/* The tunnel takes ESP in UDP only, as xfrm's encap states do. */
	if (peer->encap != ESPVTI_ENCAP_NONE) {
		espvti_rx_drop(sa->edev, sa, skb, ESPVTI_STAT_RX_UDP_WRONG_ENCAP);
		return 0;
	}
	if (!refcount_inc_not_zero(&sa->ref))
		return -EINVAL;
	espvti_esp_input(sa, skb, tos, NULL, 0);
	return 0;
}

static int espvti_rcv4(struct sk_buff *skb)
{
	return espvti_rcv(skb, AF_INET);
}

static int espvti_rcv6(struct sk_buff *skb)
{
	return espvti_rcv(skb, AF_INET6);
}

/* ESP in UDP through the kernel's encapsulation sockets: not ours. */
static int espvti_input_handler(struct sk_buff *skb, int nexthdr, __be32 spi, int encap_type)
{
	return -EINVAL;
}

/* After xfrm_input: never ours, let the others see it. */
static int espvti_cb_handler(struct sk_buff *skb, int err)
{
	return 1;
}

/* ICMP about an ESP packet we sent: learn the path MTU, follow redirects. */
static int espvti_err4(struct sk_buff *skb, u32 info)
{
	const struct iphdr *iph = (const struct iphdr *)skb->data;
	struct net *net = dev_net(skb->dev);
	union espvti_addr saddr = {}, daddr = {};

	switch (icmp_hdr(skb)->type) {
	case ICMP_DEST_UNREACH:
		if (icmp_hdr(skb)->code != ICMP_FRAG_NEEDED)
			return -ENOENT;
		break;
	case ICMP_REDIRECT:
		break;
	default:
		return -ENOENT;
	}
	/* Our packet went from local (its source) to remote (destination). */
	saddr.v4 = iph->daddr;
	daddr.v4 = iph->saddr;
	if (!espvti_tunnel_find(net, AF_INET, &saddr, &daddr))
		return -ENOENT;
	if (icmp_hdr(skb)->type == ICMP_DEST_UNREACH)
		ipv4_update_pmtu(skb, net, info, 0, IPPROTO_ESP);
	else
		ipv4_redirect(skb, net, 0, IPPROTO_ESP);
	return 0;
}

static int espvti_err6(struct sk_buff *skb, struct inet6_skb_parm *opt,
		       u8 type, u8 code, int offset, __be32 info)
{
	const struct ipv6hdr *ip6h = (const struct ipv6hdr *)skb->data;
	struct net *net = dev_net(skb->dev);
	union espvti_addr saddr = {}, daddr = {};

	if (type != ICMPV6_PKT_TOOBIG && type != NDISC_REDIRECT)
		return -ENOENT;
	saddr.v6 = ip6h->daddr;
	daddr.v6 = ip6h->saddr;
	if (!espvti_tunnel_find(net, AF_INET6, &saddr, &daddr))
		return -ENOENT;
	if (type == NDISC_REDIRECT)
		ip6_redirect(skb, net, skb->dev->ifindex, 0, sock_net_uid(net, NULL));
	else
		ip6_update_pmtu(skb, net, info, 0, 0, sock_net_uid(net, NULL));
	return 0;
}

/*
 * Ahead of the xfrm interfaces (10), vti (100) and esp4/esp6 (0): we look
 * first and pass on whatever is not ours.
 */
#define ESPVTI_XFRM_PRIORITY 200

static struct xfrm4_protocol espvti_esp4_protocol __read_mostly = {
	.handler	= espvti_rcv4,
	.input_handler	= espvti_input_handler,
	.cb_handler	= espvti_cb_handler,
	.err_handler	= espvti_err4,
	.priority	= ESPVTI_XFRM_PRIORITY,
};

static struct xfrm6_protocol espvti_esp6_protocol __read_mostly = {
	.handler	= espvti_rcv6,
	.input_handler	= espvti_input_handler,
	.cb_handler	= espvti_cb_handler,
	.err_handler	= espvti_err6,
	.priority	= ESPVTI_XFRM_PRIORITY,
};

int espvti_esp_init(void)
{
	int err;

	err = xfrm4_protocol_register(&espvti_esp4_protocol, IPPROTO_ESP);
	if (err)
		return err;
	err = xfrm6_protocol_register(&espvti_esp6_protocol, IPPROTO_ESP);
	if (err)
		xfrm4_protocol_deregister(&espvti_esp4_protocol, IPPROTO_ESP);
	return err;
}

void espvti_esp_uninit(void)
{
	xfrm6_protocol_deregister(&espvti_esp6_protocol, IPPROTO_ESP);
	xfrm4_protocol_deregister(&espvti_esp4_protocol, IPPROTO_ESP);
}
