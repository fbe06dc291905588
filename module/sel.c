// SPDX-License-Identifier: GPL-2.0
/*
 * Selectors (RFC 4301 section 4.4.1): which inner packets a tunnel
 * carries. An interface holds a short list of them, its SPD; a packet
 * matches when any one matches it. On transmit a packet that matches none
 * is dropped (no policy); on receive, a decrypted packet that matches none
 * is dropped (selector mismatch, RFC 4301 section 5.2).
 */
#include <asm/unaligned.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/in.h>
#include <linux/inetdevice.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/module.h>
#include <linux/skbuff.h>
#include <linux/socket.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "espvti.h"

static bool espvti_prefix_match(u16 family, const union espvti_addr *net,
				const union espvti_addr *a, u8 plen)
{
	if (family == AF_INET)
		return !plen || !((net->v4 ^ a->v4) & inet_make_mask(plen));
	return ipv6_prefix_equal(&net->v6, &a->v6, plen);
}

static bool espvti_sel_ports_any(const struct espvti_sel *sel)
{
	return !sel->sport_min && sel->sport_max == U16_MAX &&
	       !sel->dport_min && sel->dport_max == U16_MAX;
}

bool espvti_sel_match(const struct espvti_sel *sel, const struct espvti_flow *fl)
{
	if (sel->family != fl->family)
		return false;
	if (!espvti_prefix_match(sel->family, &sel->src, &fl->src, sel->src_plen) ||
	    !espvti_prefix_match(sel->family, &sel->dst, &fl->dst, sel->dst_plen))
		return false;
	if (sel->proto && sel->proto != fl->proto)
		return false;
	if (espvti_sel_ports_any(sel))
		return true;
	/* Restricted ports: a packet whose ports are unknown does not match. */
	return fl->ports &&
	       fl->sport >= sel->sport_min && fl->sport <= sel->sport_max &&
	       fl->dport >= sel->dport_min && fl->dport <= sel->dport_max;
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_sel_match);

bool espvti_spd_match(const struct espvti_spd *spd, const struct espvti_flow *fl)
{
	unsigned int i;

	if (!spd)
		return false;
	for (i = 0; i < spd->n; i++)
		if (espvti_sel_match(&spd->sel[i], fl))
			return true;
	return false;
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_spd_match);

static bool espvti_host_bits_clear(u16 family, const union espvti_addr *a, u8 plen)
{
	struct in6_addr p;

	if (family == AF_INET)
		return !(a->v4 & ~inet_make_mask(plen));
	ipv6_addr_prefix(&p, &a->v6, plen);
	return ipv6_addr_equal(&p, &a->v6);
}

/*
 * Is the selector one userspace may give (consistent, host bits clear)?
 * NULL when it is, else what is wrong, for an extack message.
 */
const char *espvti_sel_check(const struct espvti_sel *sel)
{
	unsigned int max = sel->family == AF_INET ? 32 : 128;

	if (sel->family != AF_INET && sel->family != AF_INET6)
		return "selector: the family is AF_INET or AF_INET6";
	if (sel->src_plen > max || sel->dst_plen > max)
		return "selector: prefix length too long for the family";
	if (sel->sport_min > sel->sport_max || sel->dport_min > sel->dport_max)
		return "selector: a port range ends before it starts";
	if (!espvti_host_bits_clear(sel->family, &sel->src, sel->src_plen) ||
	    !espvti_host_bits_clear(sel->family, &sel->dst, sel->dst_plen))
		return "selector: an address has bits set beyond its prefix";
	return NULL;
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_sel_check);

/* Everything of one family: 0.0.0.0/0 or ::/0, any protocol and port. */
void espvti_sel_any(struct espvti_sel *sel, u16 family)
{
	memset(sel, 0, sizeof(*sel));
	sel->family = family;
	sel->sport_max = U16_MAX;
	sel->dport_max = U16_MAX;
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_sel_any);

/* Note in @spd whether it takes everything of a family (before use). */
void espvti_spd_seal(struct espvti_spd *spd)
{
	struct espvti_sel any4, any6;
	unsigned int i;

	espvti_sel_any(&any4, AF_INET);
	espvti_sel_any(&any6, AF_INET6);
	spd->all4 = false;
	spd->all6 = false;
	for (i = 0; i < spd->n; i++) {
		if (!memcmp(&spd->sel[i], &any4, sizeof(any4)))
			spd->all4 = true;
		if (!memcmp(&spd->sel[i], &any6, sizeof(any6)))
			spd->all6 = true;
	}
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_spd_seal);

static void espvti_flow_ports(struct sk_buff *skb, unsigned int off,
			      struct espvti_flow *fl)
{
	u8 buf[4];

	switch (fl->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
	case IPPROTO_DCCP:
		if (skb_copy_bits(skb, off, buf, 4))
			return;
		fl->sport = get_unaligned_be16(buf);
		fl->dport = get_unaligned_be16(buf + 2);
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		/* RFC 4301 section 4.4.1.1: type and code in the port fields. */
		if (skb_copy_bits(skb, off, buf, 2))
			return;
		fl->sport = buf[0];
		fl->dport = buf[1];
		break;
	default:
		return;
	}
	fl->ports = true;
}

/*
 * @fl seen from the other end: what an inbound packet is checked as, so
 * that one selector covers both directions (RFC 4301 section 5.2: the
 * SPD entry's local and remote sides). ICMP type and code stay put.
 */
void espvti_flow_reverse(struct espvti_flow *fl)
{
	swap(fl->src, fl->dst);
	if (fl->proto != IPPROTO_ICMP && fl->proto != IPPROTO_ICMPV6)
		swap(fl->sport, fl->dport);
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_flow_reverse);

/*
 * The selector fields of the IP packet at skb_network_header(@skb), whose
 * header must be in the linear area. Ports only from a first fragment;
 * IPv6 extension headers are skipped.
 */
int espvti_flow_parse(struct sk_buff *skb, struct espvti_flow *fl)
{
	unsigned int off = skb_network_offset(skb);

	memset(fl, 0, sizeof(*fl));
	if (skb->protocol == htons(ETH_P_IP)) {
		const struct iphdr *iph = ip_hdr(skb);

		fl->family = AF_INET;
		fl->src.v4 = iph->saddr;
		fl->dst.v4 = iph->daddr;
		fl->proto = iph->protocol;
		if (!(iph->frag_off & htons(IP_OFFSET)))
			espvti_flow_ports(skb, off + iph->ihl * 4, fl);
		return 0;
	}
	if (skb->protocol == htons(ETH_P_IPV6)) {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);
		__be16 frag_off = 0;
		u8 nexthdr = ip6h->nexthdr;
		int hoff;

		fl->family = AF_INET6;
		fl->src.v6 = ip6h->saddr;
		fl->dst.v6 = ip6h->daddr;
		hoff = ipv6_skip_exthdr(skb, off + sizeof(*ip6h), &nexthdr, &frag_off);
		if (hoff < 0)
			return 0;	/* protocol unknown: only "any" matches */
		fl->proto = nexthdr;
		if (!(frag_off & htons(IP6_OFFSET)))
			espvti_flow_ports(skb, hoff, fl);
		return 0;
	}
	return -EAFNOSUPPORT;
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_flow_parse);
