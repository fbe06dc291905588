// SPDX-License-Identifier: GPL-2.0
/*
 * Selectors (RFC 4301 section 4.4.1): prefix, protocol and port-range
 * matching, ICMP type and code in the port fields, non-initial fragments,
 * the SPD's "any one matches" rule, validation of what userspace gives,
 * and the extraction of the fields from real IPv4 and IPv6 packets.
 */
#include <kunit/test.h>
#include <linux/icmp.h>
#include <linux/in.h>
#include <linux/inet.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/ip.h>

#include "espvti.h"

static union espvti_addr v4(const char *s)
{
	union espvti_addr a = {};

	a.v4 = in_aton(s);
	return a;
}

static union espvti_addr v6(const char *s)
{
	union espvti_addr a = {};

	in6_pton(s, -1, a.v6.s6_addr, -1, NULL);
	return a;
}

static struct espvti_sel sel4(const char *src, u8 splen, const char *dst, u8 dplen)
{
	struct espvti_sel s;

	espvti_sel_any(&s, AF_INET);
	s.src = v4(src);
	s.src_plen = splen;
	s.dst = v4(dst);
	s.dst_plen = dplen;
	return s;
}

static struct espvti_flow flow4(const char *src, const char *dst, u8 proto, u16 sp, u16 dp)
{
	struct espvti_flow f = { .family = AF_INET, .proto = proto, .ports = true,
				 .sport = sp, .dport = dp };

	f.src = v4(src);
	f.dst = v4(dst);
	return f;
}

static bool match(const struct espvti_sel *s, struct espvti_flow f)
{
	return espvti_sel_match(s, &f);
}

static void sel_any_matches_its_family_only(struct kunit *test)
{
	struct espvti_sel any4, any6;
	struct espvti_flow f4 = flow4("192.0.2.1", "198.51.100.7", IPPROTO_UDP, 1, 2);
	struct espvti_flow f6 = { .family = AF_INET6, .proto = IPPROTO_TCP };

	f6.src = v6("2001:db8::1");
	f6.dst = v6("2001:db8:1::2");
	espvti_sel_any(&any4, AF_INET);
	espvti_sel_any(&any6, AF_INET6);
	KUNIT_EXPECT_TRUE(test, espvti_sel_match(&any4, &f4));
	KUNIT_EXPECT_FALSE(test, espvti_sel_match(&any4, &f6));
	KUNIT_EXPECT_TRUE(test, espvti_sel_match(&any6, &f6));
	KUNIT_EXPECT_FALSE(test, espvti_sel_match(&any6, &f4));
	/* Ports unknown (a later fragment): "any port" still matches. */
	f4.ports = false;
	KUNIT_EXPECT_TRUE(test, espvti_sel_match(&any4, &f4));
}

static void sel_prefixes(struct kunit *test)
{
	struct espvti_sel s = sel4("10.1.0.0", 16, "172.16.0.0", 12);

	KUNIT_EXPECT_TRUE(test, match(&s, flow4("10.1.255.255", "172.31.0.1", 6, 1, 1)));
	KUNIT_EXPECT_TRUE(test, match(&s, flow4("10.1.0.0", "172.16.0.0", 6, 1, 1)));
	/* One bit outside either prefix. */
	KUNIT_EXPECT_FALSE(test, match(&s, flow4("10.0.255.255", "172.16.0.1", 6, 1, 1)));
	KUNIT_EXPECT_FALSE(test, match(&s, flow4("10.1.0.1", "172.32.0.1", 6, 1, 1)));
	/* Source and destination are not interchangeable. */
	KUNIT_EXPECT_FALSE(test, match(&s, flow4("172.16.0.1", "10.1.0.1", 6, 1, 1)));
	/* /32: exactly one address. */
	s = sel4("192.0.2.1", 32, "0.0.0.0", 0);
	KUNIT_EXPECT_TRUE(test, match(&s, flow4("192.0.2.1", "203.0.113.9", 17, 1, 1)));
	KUNIT_EXPECT_FALSE(test, match(&s, flow4("192.0.2.0", "203.0.113.9", 17, 1, 1)));
}

static void sel_ipv6_prefixes(struct kunit *test)
{
	struct espvti_sel s;
	struct espvti_flow f = { .family = AF_INET6, .proto = IPPROTO_UDP };

	espvti_sel_any(&s, AF_INET6);
	s.dst = v6("2001:db8:abcd::");
	s.dst_plen = 48;
	f.src = v6("fe80::1");
	f.dst = v6("2001:db8:abcd:ffff::1");
	KUNIT_EXPECT_TRUE(test, espvti_sel_match(&s, &f));
	f.dst = v6("2001:db8:abce::1");
	KUNIT_EXPECT_FALSE(test, espvti_sel_match(&s, &f));
	/* A prefix that is not a multiple of 8 bits: /61. */
	s.dst = v6("2001:db8:0:8::");
	s.dst_plen = 61;
	f.dst = v6("2001:db8:0:f::1");
	KUNIT_EXPECT_TRUE(test, espvti_sel_match(&s, &f));
	f.dst = v6("2001:db8:0:10::1");
	KUNIT_EXPECT_FALSE(test, espvti_sel_match(&s, &f));
}

static void sel_protocol_and_ports(struct kunit *test)
{
	struct espvti_sel s;
	struct espvti_flow f;

	espvti_sel_any(&s, AF_INET);
	s.proto = IPPROTO_TCP;
	s.dport_min = 179;
	s.dport_max = 179;
	f = flow4("1.1.1.1", "2.2.2.2", IPPROTO_TCP, 40000, 179);
	KUNIT_EXPECT_TRUE(test, espvti_sel_match(&s, &f));
	f.proto = IPPROTO_UDP;
	KUNIT_EXPECT_FALSE(test, espvti_sel_match(&s, &f));
	f.proto = IPPROTO_TCP;
	f.dport = 180;
	KUNIT_EXPECT_FALSE(test, espvti_sel_match(&s, &f));
	/* Range edges are inclusive. */
	s.sport_min = 1024;
	s.sport_max = 2047;
	s.dport_min = 0;
	s.dport_max = U16_MAX;
	f.sport = 1024;
	KUNIT_EXPECT_TRUE(test, espvti_sel_match(&s, &f));
	f.sport = 2047;
	KUNIT_EXPECT_TRUE(test, espvti_sel_match(&s, &f));
	f.sport = 1023;
	KUNIT_EXPECT_FALSE(test, espvti_sel_match(&s, &f));
	f.sport = 2048;
	KUNIT_EXPECT_FALSE(test, espvti_sel_match(&s, &f));
	/* Restricted ports and a packet whose ports are unknown: no match. */
	f.sport = 1500;
	f.ports = false;
	KUNIT_EXPECT_FALSE(test, espvti_sel_match(&s, &f));
}

static void spd_any_one_matches(struct kunit *test)
{
	struct espvti_spd *spd;
	struct espvti_flow f = flow4("10.0.0.1", "10.9.0.1", 1, 8, 0);

	spd = kunit_kzalloc(test, struct_size(spd, sel, 2), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, spd);
	KUNIT_EXPECT_FALSE(test, espvti_spd_match(NULL, &f));
	/* Empty: nothing passes. */
	KUNIT_EXPECT_FALSE(test, espvti_spd_match(spd, &f));
	spd->sel[0] = sel4("10.1.0.0", 16, "0.0.0.0", 0);
	spd->sel[1] = sel4("0.0.0.0", 0, "10.9.0.0", 24);
	spd->n = 1;
	KUNIT_EXPECT_FALSE(test, espvti_spd_match(spd, &f));
	spd->n = 2;
	KUNIT_EXPECT_TRUE(test, espvti_spd_match(spd, &f));
}

/* Which SPDs the packet path may skip: those that take a whole family. */
static void spd_seal_all(struct kunit *test)
{
	struct espvti_spd *spd;

	spd = kunit_kzalloc(test, struct_size(spd, sel, 2), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, spd);
	espvti_spd_seal(spd);
	KUNIT_EXPECT_FALSE(test, espvti_spd_all(spd, htons(ETH_P_IP)));
	KUNIT_EXPECT_FALSE(test, espvti_spd_all(spd, htons(ETH_P_IPV6)));
	KUNIT_EXPECT_FALSE(test, espvti_spd_all(NULL, htons(ETH_P_IP)));
	/* 0.0.0.0/0, any protocol and port: all of IPv4, none of IPv6. */
	spd->sel[0] = sel4("0.0.0.0", 0, "0.0.0.0", 0);
	spd->n = 1;
	espvti_spd_seal(spd);
	KUNIT_EXPECT_TRUE(test, espvti_spd_all(spd, htons(ETH_P_IP)));
	KUNIT_EXPECT_FALSE(test, espvti_spd_all(spd, htons(ETH_P_IPV6)));
	KUNIT_EXPECT_FALSE(test, espvti_spd_all(spd, htons(ETH_P_ARP)));
	/* The same for TCP only, or one port, or a /1: not everything. */
	spd->sel[0].proto = IPPROTO_TCP;
	espvti_spd_seal(spd);
	KUNIT_EXPECT_FALSE(test, espvti_spd_all(spd, htons(ETH_P_IP)));
	spd->sel[0] = sel4("0.0.0.0", 0, "0.0.0.0", 0);
	spd->sel[0].dport_max = 179;
	espvti_spd_seal(spd);
	KUNIT_EXPECT_FALSE(test, espvti_spd_all(spd, htons(ETH_P_IP)));
	spd->sel[0] = sel4("0.0.0.0", 0, "128.0.0.0", 1);
	espvti_spd_seal(spd);
	KUNIT_EXPECT_FALSE(test, espvti_spd_all(spd, htons(ETH_P_IP)));
	/* ::/0 beside a narrower IPv4 one. */
	espvti_sel_any(&spd->sel[1], AF_INET6);
	spd->n = 2;
	espvti_spd_seal(spd);
	KUNIT_EXPECT_FALSE(test, espvti_spd_all(spd, htons(ETH_P_IP)));
	KUNIT_EXPECT_TRUE(test, espvti_spd_all(spd, htons(ETH_P_IPV6)));
}

static void sel_validation(struct kunit *test)
{
	struct espvti_sel s = sel4("10.1.0.0", 16, "0.0.0.0", 0);

	KUNIT_EXPECT_NULL(test, espvti_sel_check(&s));
	s.src_plen = 15;	/* 10.1.0.0/15 has a host bit set */
	KUNIT_EXPECT_NOT_NULL(test, espvti_sel_check(&s));
	s.src_plen = 33;
	KUNIT_EXPECT_NOT_NULL(test, espvti_sel_check(&s));
	s = sel4("0.0.0.0", 0, "0.0.0.0", 0);
	s.sport_min = 10;
	s.sport_max = 9;
	KUNIT_EXPECT_NOT_NULL(test, espvti_sel_check(&s));
	s.family = AF_UNSPEC;
	s.sport_max = 10;
	KUNIT_EXPECT_NOT_NULL(test, espvti_sel_check(&s));
	espvti_sel_any(&s, AF_INET6);
	s.src = v6("2001:db8::1");
	s.src_plen = 64;
	KUNIT_EXPECT_NOT_NULL(test, espvti_sel_check(&s));
	s.src_plen = 128;
	KUNIT_EXPECT_NULL(test, espvti_sel_check(&s));
	s.dst_plen = 129;
	KUNIT_EXPECT_NOT_NULL(test, espvti_sel_check(&s));
}

/* An IPv4 packet in a fresh skb: header, then @l4 (8 bytes). */
static struct sk_buff *skb4(struct kunit *test, u8 proto, __be16 frag_off, const u8 *l4)
{
	struct sk_buff *skb = alloc_skb(64, GFP_KERNEL);
	struct iphdr *iph;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	iph = skb_put_zero(skb, sizeof(*iph));
	skb_reset_network_header(skb);
	iph->version = 4;
	iph->ihl = 5;
	iph->protocol = proto;
	iph->frag_off = frag_off;
	iph->saddr = in_aton("192.0.2.1");
	iph->daddr = in_aton("198.51.100.2");
	skb_put_data(skb, l4, 8);
	skb->protocol = htons(ETH_P_IP);
	return skb;
}

static void flow_from_packets(struct kunit *test)
{
	static const u8 tcp[8] = { 0x9c, 0x40, 0x00, 0xb3 };	/* 40000 -> 179 */
	static const u8 icmp[8] = { ICMP_ECHO, 0 };
	struct espvti_flow f;
	struct sk_buff *skb;
	struct ipv6hdr *ip6h;

	skb = skb4(test, IPPROTO_TCP, 0, tcp);
	KUNIT_ASSERT_EQ(test, espvti_flow_parse(skb, &f), 0);
	KUNIT_EXPECT_EQ(test, f.family, AF_INET);
	KUNIT_EXPECT_EQ(test, f.proto, IPPROTO_TCP);
	KUNIT_EXPECT_TRUE(test, f.ports);
	KUNIT_EXPECT_EQ(test, f.sport, 40000);
	KUNIT_EXPECT_EQ(test, f.dport, 179);
	KUNIT_EXPECT_EQ(test, f.src.v4, in_aton("192.0.2.1"));
	kfree_skb(skb);

	/* A non-initial fragment carries no ports. */
	skb = skb4(test, IPPROTO_TCP, htons(185), tcp);
	KUNIT_ASSERT_EQ(test, espvti_flow_parse(skb, &f), 0);
	KUNIT_EXPECT_FALSE(test, f.ports);
	kfree_skb(skb);

	/* ICMP: type and code where the ports would be. */
	skb = skb4(test, IPPROTO_ICMP, htons(IP_DF), icmp);
	KUNIT_ASSERT_EQ(test, espvti_flow_parse(skb, &f), 0);
	KUNIT_EXPECT_TRUE(test, f.ports);
	KUNIT_EXPECT_EQ(test, f.sport, ICMP_ECHO);
	KUNIT_EXPECT_EQ(test, f.dport, 0);
	kfree_skb(skb);

	/* IPv6, UDP 53 -> 5353. */
	skb = alloc_skb(96, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	ip6h = skb_put_zero(skb, sizeof(*ip6h));
	skb_reset_network_header(skb);
	ip6h->version = 6;
	ip6h->nexthdr = IPPROTO_UDP;
	ip6h->payload_len = htons(8);
	ip6h->saddr = v6("2001:db8::1").v6;
	ip6h->daddr = v6("2001:db8::2").v6;
	skb_put_data(skb, "\x00\x35\x14\xe9\x00\x08\x00\x00", 8);
	skb->protocol = htons(ETH_P_IPV6);
	KUNIT_ASSERT_EQ(test, espvti_flow_parse(skb, &f), 0);
	KUNIT_EXPECT_EQ(test, f.family, AF_INET6);
	KUNIT_EXPECT_EQ(test, f.proto, IPPROTO_UDP);
	KUNIT_EXPECT_EQ(test, f.sport, 53);
	KUNIT_EXPECT_EQ(test, f.dport, 5353);
	kfree_skb(skb);

	/* Neither IPv4 nor IPv6. */
	skb = skb4(test, IPPROTO_TCP, 0, tcp);
	skb->protocol = htons(ETH_P_ARP);
	KUNIT_EXPECT_EQ(test, espvti_flow_parse(skb, &f), -EAFNOSUPPORT);
	kfree_skb(skb);
}

/*
 * An inbound packet is checked reversed: a selector written for what we
 * send (10.1/24 to 10.2/24, to UDP port 53) covers the answers too; ICMP
 * type and code are not ports and stay where they are.
 */
static void sel_inbound_reversed(struct kunit *test)
{
	struct espvti_sel s = sel4("10.1.0.0", 24, "10.2.0.0", 24);
	struct espvti_flow in = flow4("10.2.0.9", "10.1.0.5", IPPROTO_UDP, 53, 40000);
	struct espvti_flow icmp = flow4("10.2.0.9", "10.1.0.5", IPPROTO_ICMP, 0, 0);

	s.proto = IPPROTO_UDP;
	s.dport_min = 53;
	s.dport_max = 53;
	KUNIT_EXPECT_FALSE(test, match(&s, in));
	espvti_flow_reverse(&in);
	KUNIT_EXPECT_TRUE(test, match(&s, in));
	KUNIT_EXPECT_EQ(test, in.sport, 40000);
	KUNIT_EXPECT_EQ(test, in.dport, 53);

	icmp.sport = 8;		/* echo request, code 0 */
	espvti_flow_reverse(&icmp);
	KUNIT_EXPECT_EQ(test, icmp.sport, 8);
	KUNIT_EXPECT_EQ(test, icmp.dport, 0);
	KUNIT_EXPECT_EQ(test, icmp.src.v4, v4("10.1.0.5").v4);
}

static struct kunit_case espvti_sel_cases[] = {
	KUNIT_CASE(sel_inbound_reversed),
	KUNIT_CASE(sel_any_matches_its_family_only),
	KUNIT_CASE(sel_prefixes),
	KUNIT_CASE(sel_ipv6_prefixes),
	KUNIT_CASE(sel_protocol_and_ports),
	KUNIT_CASE(spd_any_one_matches),
	KUNIT_CASE(spd_seal_all),
	KUNIT_CASE(sel_validation),
	KUNIT_CASE(flow_from_packets),
	{}
};

static struct kunit_suite espvti_sel_suite = {
	.name = "espvti_sel",
	.test_cases = espvti_sel_cases,
};

kunit_test_suites(&espvti_sel_suite);
