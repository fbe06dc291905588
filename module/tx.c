// SPDX-License-Identifier: GPL-2.0
/*
 * The transmit path, top-down: a packet routed into the interface
 * (espvti_xmit) to ESP in the underlay (espvti_tx_finish).
 *
 * 1. espvti_xmit: the inner packet must be IPv4 or IPv6 and match a
 *    selector of the interface ("no policy"); without a current outbound
 *    SA it is an acquire for the IKE daemon and a drop.
 * 2. espvti_tx_batch: the outer route (cached per CPU) and the
 *    endpoints; a GSO packet is segmented (gso.c: TCP into recycled
 *    buffers laid out for ESP) and its segments travel as one batch. Per
 *    packet, the path MTU (ICMP "fragmentation needed" / "packet too big"
 *    to the sender) and the ESP trailer. Then,
 *    under the SA's lock once for the whole batch, the lifetimes are
 *    counted, sequence numbers taken and the packets queued on the SA's
 *    ordered queue in that order (crypt.c); after it, each gets its ESP
 *    header and IV and its encryption runs here or on another CPU.
 * 3. espvti_tx_finish, from the queue's head in sequence order: the outer
 *    UDP (ESP in UDP) and IP headers, and the underlay's ip_local_out.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/jhash.h>
#include <linux/netdevice.h>
#include <linux/udp.h>
#include <net/icmp.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/route.h>

#include "espvti.h"

/*
 * The outer route to the peer, from the per-CPU cache when it is valid
 * (@cache: the peer is the interface's, not an endpoint it moves to).
 *
 * A plain route in both families, no xfrm policy lookup: the packet is
 * ESP already, as an xfrm interface's outer packets are, which no host
 * policy sees either. A host policy covering the endpoints (a block, a
 * trap, an IKE daemon's 0/0 connection to the same peer) must neither
 * blackhole nor encrypt again what the tunnel sends.
 */
static struct dst_entry *espvti_route_to(struct espvti_dev *edev,
					 const struct espvti_peer *peer,
					 union espvti_addr *saddr, bool cache)
{
	struct dst_entry *dst;

	if (peer->family == AF_INET) {
		struct flowi4 fl4 = {
			.daddr = peer->remote.v4,
			.saddr = peer->local.v4,
			.flowi4_proto = peer->encap ? IPPROTO_UDP : IPPROTO_ESP,
		};
		struct rtable *rt;

		rt = cache ? dst_cache_get_ip4(&edev->dst_cache, &saddr->v4) : NULL;
		if (rt)
			return &rt->dst;
		if (peer->encap) {
			fl4.fl4_sport = htons(peer->sport);
			fl4.fl4_dport = htons(peer->dport);
		}
		rt = __ip_route_output_key(edev->net, &fl4);
		if (IS_ERR(rt))
			return NULL;
		saddr->v4 = fl4.saddr;
		if (cache)
			dst_cache_set_ip4(&edev->dst_cache, &rt->dst, fl4.saddr);
		return &rt->dst;
	}
#if IS_ENABLED(CONFIG_IPV6)
	{
		struct flowi6 fl6 = {
			.daddr = peer->remote.v6,
			.saddr = peer->local.v6,
			.flowi6_proto = peer->encap ? IPPROTO_UDP : IPPROTO_ESP,
		};

		dst = cache ? dst_cache_get_ip6(&edev->dst_cache, &saddr->v6) : NULL;
		if (dst)
			return dst;
		if (peer->encap) {
			fl6.fl6_sport = htons(peer->sport);
			fl6.fl6_dport = htons(peer->dport);
		}
		if (ip6_dst_lookup(edev->net, NULL, &dst, &fl6))
			return NULL;
		saddr->v6 = fl6.saddr;
		if (cache)
			dst_cache_set_ip6(&edev->dst_cache, dst, &fl6.saddr);
		return dst;
	}
#else
	return NULL;
#endif
}

struct dst_entry *espvti_route(struct espvti_dev *edev, const struct espvti_peer *peer,
			       union espvti_addr *saddr)
{
	return espvti_route_to(edev, peer, saddr, true);
}

/*
 * The endpoint an authentic packet came from, while the work item that
 * moves the peer there has not run yet (nat follow): into @moved. Packet
 * path: the answer to that very packet goes there already.
 */
static bool espvti_nat_pending(struct espvti_dev *edev, const struct espvti_peer *peer,
			       struct espvti_peer *moved)
{
	bool pending;

	if (likely(!READ_ONCE(edev->nat_pending)))
		return false;
	spin_lock_bh(&edev->nat_lock);
	pending = edev->nat_pending && edev->nat_seen.family == peer->family;
	if (pending) {
		*moved = *peer;
		moved->remote = edev->nat_seen.addr;
		moved->dport = edev->nat_seen.port;
	}
	spin_unlock_bh(&edev->nat_lock);
	return pending;
}

/*
 * The flow hash of the outer packets in @p: of the outer addresses and
 * UDP ports, as a NIC's receive hash would take them, so that every SA to
 * one peer (a rekey's old and new) is one flow, as on the wire.
 */
static u32 espvti_tx_hash(const struct espvti_tx_params *p)
{
	u32 s, d;

	if (p->family == AF_INET) {
		s = (__force u32)p->saddr.v4;
		d = (__force u32)p->daddr.v4;
	} else {
		s = ipv6_addr_hash(&p->saddr.v6);
		d = ipv6_addr_hash(&p->daddr.v6);
	}
	return jhash_3words(s, d, (__force u32)p->sport << 16 | (__force u32)p->dport, 0) ?: 1;
}

/*
 * The batch's outer parameters, into @p (with one reference on its route);
 * __ESPVTI_STAT_MAX, or why the batch is dropped. @max_inner: the largest
 * inner packet that fits the path.
 */
static enum espvti_stat espvti_tx_outer(struct espvti_dev *edev, struct espvti_sa *sa,
					const struct espvti_peer *peer,
					struct espvti_tx_params *p, unsigned int *max_inner)
{
	struct espvti_peer moved;
	struct espvti_geom g;
	bool cache = true;

	p->family = peer->family;
	if (peer->encap == ESPVTI_ENCAP_UDP) {
		struct espvti_usock *us = READ_ONCE(edev->usock);

		/*
		 * No socket to receive on (or its owner took it back): the
		 * answers would be lost.
		 */
		if (!us || espvti_usock_lost(us))
			return ESPVTI_STAT_TX_NO_SOCKET;
		if (espvti_nat_pending(edev, peer, &moved)) {
			peer = &moved;
			cache = false;
		}
		p->encap = true;
		p->sport = htons(peer->sport);
		p->dport = htons(peer->dport);
	}
	p->daddr = peer->remote;
	p->dst = espvti_route_to(edev, peer, &p->saddr, cache);
	if (!p->dst)
		return ESPVTI_STAT_TX_NO_ROUTE;
	if (p->dst->dev == edev->dev) {
		dst_release(p->dst);
		return ESPVTI_STAT_TX_LOOP;
	}
	espvti_sa_geom(sa, peer->family, &g);
	if (p->encap)
		g.encap_hdr = sizeof(struct udphdr);
	*max_inner = espvti_inner_mtu(&g, dst_mtu(p->dst));
	p->ttl = peer->family == AF_INET ? ip4_dst_hoplimit(p->dst) : ip6_dst_hoplimit(p->dst);
	p->hash = espvti_tx_hash(p);
	return __ESPVTI_STAT_MAX;
}

/*
 * One inner packet's own outer parameters (DS field, DF, next header) into
 * @p, and whether it fits the path: __ESPVTI_STAT_MAX, or why it is
 * dropped (the sender has been told the MTU).
 */
static enum espvti_stat espvti_tx_fit(struct espvti_dev *edev, struct sk_buff *skb,
				      struct espvti_tx_params *p, unsigned int max_inner)
{
	if (skb->protocol == htons(ETH_P_IP)) {
		const struct iphdr *iph = ip_hdr(skb);

		p->proto = IPPROTO_IPIP;
		p->tos = iph->tos;
		p->df = iph->frag_off & htons(IP_DF);
		if (skb->len > max_inner && p->df) {
			skb_dst_update_pmtu_no_confirm(skb, max_inner);
			icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, htonl(max_inner));
			espvti_diag_too_big(edev, max_inner);
			return ESPVTI_STAT_TX_TOO_BIG;
		}
		return __ESPVTI_STAT_MAX;
	}
	p->proto = IPPROTO_IPV6;
	p->tos = ipv6_get_dsfield(ipv6_hdr(skb));
	p->df = true;
	if (skb->len > max_inner) {
		/* Below the IPv6 minimum MTU the outer packet fragments. */
		if (skb->len > IPV6_MIN_MTU) {
			max_inner = max_t(unsigned int, max_inner, IPV6_MIN_MTU);
			skb_dst_update_pmtu_no_confirm(skb, max_inner);
			icmpv6_ndo_send(skb, ICMPV6_PKT_TOOBIG, 0, max_inner);
			espvti_diag_too_big(edev, max_inner);
			return ESPVTI_STAT_TX_TOO_BIG;
		}
		p->df = false;
	}
	return __ESPVTI_STAT_MAX;
}

/* The room in front of the ESP header: the outer headers, the link's. */
static unsigned int espvti_tx_headroom(const struct espvti_tx_params *p)
{
	return sizeof(struct ipv6hdr) + sizeof(struct udphdr) + LL_RESERVED_SPACE(p->dst->dev);
}

/*
 * The GSO packet @skb as a list of its segments, in buffers with room for
 * ESP where gso.c takes it, else from the kernel's segmentation (which
 * copies each into a head of its own too). NULL: dropped and counted.
 */
static struct sk_buff *espvti_tx_segment(struct espvti_dev *edev, struct espvti_sa *sa,
					 struct sk_buff *skb, const struct espvti_tx_params *p)
{
	struct sk_buff *segs;

	segs = espvti_gso_segment(skb, espvti_esp_headroom(sa) + espvti_tx_headroom(p),
				  espvti_esp_tailroom(sa));
	if (!segs)
		segs = skb_gso_segment(skb, 0);
	if (IS_ERR_OR_NULL(segs)) {
		espvti_tx_drop(edev, sa, skb, ESPVTI_STAT_TX_MALFORMED);
		return NULL;
	}
	consume_skb(skb);
	return segs;
}

/*
 * The inner packet @skb, checked and with its trailer, as a packet in
 * flight on @sa (which the caller holds a reference on for it), with
 * @p and its own reference on p->dst; NULL: dropped and counted.
 */
static struct espvti_pkt *espvti_tx_prepare(struct espvti_dev *edev, struct espvti_sa *sa,
					    struct sk_buff *skb, struct espvti_tx_params *p,
					    unsigned int max_inner)
{
	unsigned int inner_len = skb->len;
	struct espvti_pkt *pkt;
	enum espvti_stat why;
	int nfrags;

	why = ESPVTI_STAT_TX_MALFORMED;
	if (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb))
		goto drop;
	why = espvti_tx_fit(edev, skb, p, max_inner);
	if (why != __ESPVTI_STAT_MAX)
		goto drop;
	why = ESPVTI_STAT_TX_MALFORMED;
	nfrags = espvti_esp_frame_tail(sa, skb, p->proto, espvti_tx_headroom(p));
	if (nfrags < 0)
		goto drop;
	why = ESPVTI_STAT_TX_CRYPTO_ERROR;
	pkt = espvti_pkt_alloc(sa, skb, nfrags);
	if (!pkt)
		goto drop;
	pkt->inner_len = inner_len;
	pkt->tx = *p;
	pkt->tx.dst = dst_clone(p->dst);
	return pkt;

drop:
	espvti_tx_drop(edev, sa, skb, why);
	return NULL;
}

/*
 * Start @pkt's encryption, here or on its CPU: its ESP header, with the
 * IV made of its sequence number (counter modes) or random.
 */
static void espvti_tx_start(struct espvti_pkt *pkt)
{
	struct espvti_sa *sa = pkt->sa;
	u8 *iv = espvti_pkt_iv(pkt);

	if (unlikely(pkt->why != __ESPVTI_STAT_MAX)) {
		espvti_crypt_fail(pkt, pkt->why);
		return;
	}
	espvti_esp_iv(sa, pkt->seq, iv);
	espvti_esp_frame_head(sa, pkt->skb, pkt->seq, iv);
	espvti_crypt_submit(pkt, pkt->cpu);
}

/*
 * Encrypt and send the inner packet @skb (a GSO packet: its segments) with
 * @sa to @peer. Consumes @skb. BH disabled.
 */
static void espvti_tx_batch(struct espvti_dev *edev, struct espvti_sa *sa,
			    const struct espvti_peer *peer, struct sk_buff *skb)
{
	struct espvti_pkt *pkt, *next_pkt, *first = NULL, **last = &first, *full = NULL;
	struct espvti_tx_params p = {};
	unsigned int max_inner, n = 0;
	struct espvti_oq *oq;
	struct sk_buff *next;
	enum espvti_stat why;

	why = espvti_tx_outer(edev, sa, peer, &p, &max_inner);
	if (why != __ESPVTI_STAT_MAX) {
		espvti_tx_drop(edev, sa, skb, why);
		return;
	}
	if (skb_is_gso(skb)) {
		skb = espvti_tx_segment(edev, sa, skb, &p);
		if (!skb) {
			dst_release(p.dst);
			return;
		}
	}
	skb_list_walk_safe(skb, skb, next) {
		skb_mark_not_on_list(skb);
		pkt = espvti_tx_prepare(edev, sa, skb, &p, max_inner);
		if (pkt) {
			*last = pkt;
			last = &pkt->bnext;
			n++;
		}
	}
	*last = NULL;
	dst_release(p.dst);
	if (!n)
		return;
	/* One reference on the SA for each packet in flight. */
	if (unlikely(!refcount_add_not_zero(n, &sa->ref))) {
		for (pkt = first; pkt; pkt = next_pkt) {
			next_pkt = pkt->bnext;
			dst_release(pkt->tx.dst);
			espvti_tx_drop(edev, sa, pkt->skb, ESPVTI_STAT_TX_NO_SA);
			espvti_pkt_free(pkt);
		}
		return;
	}

	/* In one go: lifetimes, sequence numbers, places in the queue. */
	spin_lock(&sa->lock);
	oq = espvti_sa_oq(sa);
	spin_lock(&oq->lock);
	n = 0;
	for (last = &first; (pkt = *last); ) {
		if (unlikely(!espvti_sa_account(sa, pkt->inner_len))) {
			pkt->why = ESPVTI_STAT_TX_EXPIRED;
		} else {
			pkt->seq = espvti_seq_next(&sa->seq_out, sa->esn);
			if (unlikely(!pkt->seq)) {
				espvti_sa_exhausted(sa);	/* a hard expiry */
				pkt->why = ESPVTI_STAT_TX_SEQ_OVERFLOW;
			}
		}
		pkt->cpu = espvti_crypt_cpu(oq, pkt->skb->len, n++);
		if (likely(espvti_oq_add(oq, pkt))) {
			last = &pkt->bnext;
			continue;
		}
		/* Not queued: dropped after the lock. */
		*last = pkt->bnext;
		pkt->bnext = full;
		full = pkt;
	}
	spin_unlock(&oq->lock);
	spin_unlock(&sa->lock);

	/*
	 * A flush may send the first while the last is framed: read each
	 * one's successor before it is handed over.
	 */
	for (pkt = first; pkt; pkt = next_pkt) {
		next_pkt = pkt->bnext;
		espvti_tx_start(pkt);
	}
	for (pkt = full; pkt; pkt = next_pkt) {
		next_pkt = pkt->bnext;
		pkt->why = ESPVTI_STAT_TX_QUEUE_FULL;
		espvti_tx_finish(pkt);
	}
}

/*
 * Push the UDP header when @p says so and the outer IP header, and send;
 * consumes @skb and p->dst.
 */
int espvti_xmit_ip(struct espvti_dev *edev, struct sk_buff *skb,
		   const struct espvti_tx_params *p)
{
	struct net_device *dev = edev->dev;
	struct net *net = edev->net;
	u8 proto = IPPROTO_ESP;
	struct udphdr *uh;
	int err;

	skb_scrub_packet(skb, !net_eq(net, dev_net(dev)));
	/*
	 * One SA, one flow. The hash is still the inner packet's (its
	 * socket's): it would spread one SA's packets over a NIC's transmit
	 * queues (where no XPS map chooses by CPU) and over the peer's CPUs
	 * (RPS), which reorders its sequence numbers between flows. The outer
	 * headers' own (espvti_tx_hash()) keeps them together, and is set
	 * here rather than cleared: a cleared hash is computed again by
	 * dissecting the packet wherever one is asked for (a multiqueue NIC's
	 * queue choice, RPS), on every packet.
	 */
	__skb_set_sw_hash(skb, p->hash, true);
	skb_dst_set(skb, p->dst);
	skb->ip_summed = CHECKSUM_NONE;
	/*
	 * The inner packet's headers are ciphertext now: a NIC that offloads
	 * checksums of encapsulated packets must not look for them (the outer
	 * UDP checksum over IPv6 is CHECKSUM_PARTIAL, at csum_start).
	 */
	skb->encapsulation = 0;
	skb->dev = dev;
	if (p->encap) {
		/* RFC 3948: over IPv4 the checksum may be, and is, zero. */
		uh = skb_push(skb, sizeof(*uh));
		skb_reset_transport_header(skb);
		uh->source = p->sport;
		uh->dest = p->dport;
		uh->len = htons(skb->len);
		uh->check = 0;
		proto = IPPROTO_UDP;
		if (p->family == AF_INET6)
			udp6_set_csum(false, skb, &p->saddr.v6, &p->daddr.v6, skb->len);
	}
	WRITE_ONCE(edev->last_tx, jiffies);

	if (p->family == AF_INET) {
		struct iphdr *iph;

		memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
		iph = skb_push(skb, sizeof(*iph));
		skb_reset_network_header(skb);
		iph->version = 4;
		iph->ihl = sizeof(*iph) >> 2;
		iph->tos = p->tos;
		iph->frag_off = p->df ? htons(IP_DF) : 0;
		iph->ttl = p->ttl;
		iph->protocol = proto;
		iph->saddr = p->saddr.v4;
		iph->daddr = p->daddr.v4;
		skb->protocol = htons(ETH_P_IP);
		ip_select_ident(net, skb, NULL);
		err = ip_local_out(net, NULL, skb);
	} else {
		struct ipv6hdr *ip6h;

		memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
		ip6h = skb_push(skb, sizeof(*ip6h));
		skb_reset_network_header(skb);
		ip6_flow_hdr(ip6h, p->tos, 0);
		ip6h->nexthdr = proto;
		ip6h->hop_limit = p->ttl;
		ip6h->saddr = p->saddr.v6;
		ip6h->daddr = p->daddr.v6;
		skb->protocol = htons(ETH_P_IPV6);
		skb->ignore_df = !p->df;
		err = ip6_local_out(net, NULL, skb);
	}
	return err;
}

/*
 * An outbound packet leaves the queue, in sequence order: sent, or
 * dropped and counted. Frees @pkt and its reference on the SA.
 */
void espvti_tx_finish(struct espvti_pkt *pkt)
{
	struct espvti_sa *sa = pkt->sa;
	struct espvti_dev *edev = sa->edev;
	struct sk_buff *skb = pkt->skb;
	enum espvti_stat why = pkt->why;
	int err;

	if (unlikely(why == __ESPVTI_STAT_MAX && pkt->err))
		why = ESPVTI_STAT_TX_CRYPTO_ERROR;
	if (unlikely(why != __ESPVTI_STAT_MAX)) {
		dst_release(pkt->tx.dst);
		espvti_tx_drop(edev, sa, skb, why);
		goto out;
	}
	/* Not in net_xmit_eval(), which evaluates its argument twice. */
	err = espvti_xmit_ip(edev, skb, &pkt->tx);
	if (likely(!net_xmit_eval(err))) {
		espvti_count_ok(sa, ESPVTI_STAT_TX_PACKETS, pkt->inner_len);
	} else {
		espvti_count(edev, sa, ESPVTI_STAT_TX_UNDERLAY_ERROR);
		dev_core_stats_tx_dropped_inc(edev->dev);
	}
out:
	espvti_pkt_free(pkt);
	espvti_sa_put(sa);
}

/* ndo_start_xmit: an inner packet routed into the interface. */
netdev_tx_t espvti_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct espvti_dev *edev = netdev_priv(dev);
	const struct espvti_peer *peer;
	const struct espvti_spd *spd;
	struct espvti_flow fl;
	struct espvti_sa *sa;
	enum espvti_stat why;

	why = ESPVTI_STAT_TX_MALFORMED;
	if (skb->protocol == htons(ETH_P_IP)) {
		if (!pskb_network_may_pull(skb, sizeof(struct iphdr)) ||
		    ip_hdr(skb)->version != 4)
			goto drop;
	} else if (skb->protocol == htons(ETH_P_IPV6)) {
		if (!pskb_network_may_pull(skb, sizeof(struct ipv6hdr)) ||
		    ipv6_hdr(skb)->version != 6)
			goto drop;
	} else {
		goto drop;
	}
	spd = rcu_dereference_bh(edev->spd);
	sa = rcu_dereference_bh(edev->sa_out);
	peer = rcu_dereference_bh(edev->peer);
	/* The selectors look at the packet unless they take all of it. */
	if (!sa || !peer || !espvti_spd_all(spd, skb->protocol)) {
		if (espvti_flow_parse(skb, &fl))
			goto drop;
		why = ESPVTI_STAT_TX_NO_POLICY;
		if (!espvti_spd_match(spd, &fl)) {
			espvti_diag_refused(edev, &fl, ESPVTI_SA_DIR_OUT);
			goto drop;
		}
		why = ESPVTI_STAT_TX_NO_SA;
		if (!sa || !peer) {
			espvti_nl_acquire(edev, &fl);
			goto drop;
		}
	}

	local_bh_disable();
	espvti_tx_batch(edev, sa, peer, skb);
	local_bh_enable();
	return NETDEV_TX_OK;

drop:
	espvti_tx_drop(edev, NULL, skb, why);
	return NETDEV_TX_OK;
}
