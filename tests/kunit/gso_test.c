// SPDX-License-Identifier: GPL-2.0
/*
 * TCP segmentation into recycled buffers (espvti_gso_segment(), gso.c):
 * each segment as the kernel's segmentation makes it (lengths, IPv4 IDs,
 * sequence numbers, CWR on the first, FIN and PSH on the last, valid IP
 * and TCP checksums, the payload at its place), laid out with the room
 * asked for, linear and marked for recycling; the sending socket's memory
 * carried by the segments; and what it leaves to skb_gso_segment().
 */
#include <kunit/test.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/net.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/ip6_checksum.h>
#include <net/sock.h>

#include "espvti.h"

#define GSO_HEAD 128		/* the room asked for in front */
#define GSO_TAIL 40		/* and behind */
#define GSO_ID 0xfffe		/* an IPv4 ID that wraps */
#define GSO_SEQ 0xfffff000	/* a sequence number that wraps */

static u8 gso_byte(unsigned int i)
{
	return i * 7 + 3;
}

/*
 * A TCP GSO packet of @payload bytes in segments of @mss, over IPv6 when
 * @v6; with the payload in two page fragments when @paged (one boundary
 * inside a segment), else in the head.
 */
static struct sk_buff *gso_packet(struct kunit *test, bool v6, unsigned int payload,
				  unsigned int mss, bool paged)
{
	unsigned int nhlen = v6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr);
	unsigned int hlen = nhlen + sizeof(struct tcphdr), i, part;
	struct sk_buff *skb;
	struct tcphdr *th;
	u8 *data;

	skb = alloc_skb(64 + hlen + (paged ? 0 : payload), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_reserve(skb, 64);
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, nhlen);
	data = skb_put_zero(skb, hlen);
	if (v6) {
		struct ipv6hdr *ip6h = (struct ipv6hdr *)data;

		ip6h->version = 6;
		ip6h->nexthdr = IPPROTO_TCP;
		ip6h->hop_limit = 64;
		ip6h->saddr.s6_addr[0] = 0x20;
		ip6h->saddr.s6_addr[15] = 1;
		ip6h->daddr.s6_addr[0] = 0x20;
		ip6h->daddr.s6_addr[15] = 2;
		skb->protocol = htons(ETH_P_IPV6);
		skb_shinfo(skb)->gso_type = SKB_GSO_TCPV6;
	} else {
		struct iphdr *iph = (struct iphdr *)data;

		iph->version = 4;
		iph->ihl = 5;
		iph->id = htons(GSO_ID);
		iph->frag_off = htons(IP_DF);
		iph->ttl = 64;
		iph->protocol = IPPROTO_TCP;
		iph->saddr = htonl(0xc0000201);
		iph->daddr = htonl(0xc0000202);
		skb->protocol = htons(ETH_P_IP);
		skb_shinfo(skb)->gso_type = SKB_GSO_TCPV4;
	}
	th = (struct tcphdr *)(data + nhlen);
	th->source = htons(40000);
	th->dest = htons(5201);
	th->seq = htonl(GSO_SEQ);
	th->ack_seq = htonl(7);
	th->doff = sizeof(*th) / 4;
	th->ack = 1;
	th->psh = 1;
	th->fin = 1;
	th->cwr = 1;
	th->window = htons(512);

	if (!paged) {
		data = skb_put(skb, payload);
		for (i = 0; i < payload; i++)
			data[i] = gso_byte(i);
	} else {
		for (i = 0; i < payload; i += part) {
			struct page *page = alloc_page(GFP_KERNEL);
			unsigned int j;

			KUNIT_ASSERT_NOT_NULL(test, page);
			part = min(payload - i, i ? payload : mss + mss / 2);
			KUNIT_ASSERT_LE(test, part, (unsigned int)PAGE_SIZE);
			data = page_address(page);
			for (j = 0; j < part; j++)
				data[j] = gso_byte(i + j);
			skb_add_rx_frag(skb, skb_shinfo(skb)->nr_frags, page, 0, part, PAGE_SIZE);
		}
	}
	skb_shinfo(skb)->gso_size = mss;
	skb_shinfo(skb)->gso_segs = DIV_ROUND_UP(payload, mss);
	return skb;
}

static struct sk_buff *gso_segment(struct sk_buff *skb)
{
	struct sk_buff *segs;

	local_bh_disable();	/* the transmit path's context: a CPU's pool */
	segs = espvti_gso_segment(skb, GSO_HEAD, GSO_TAIL);
	local_bh_enable();
	if (!IS_ERR_OR_NULL(segs))
		consume_skb(skb);	/* the caller's, as tx.c does */
	return segs;
}

/* Segment @i of @n of a packet of @payload bytes in segments of @mss. */
static void gso_check(struct kunit *test, struct sk_buff *seg, bool v6, unsigned int i,
		      unsigned int n, unsigned int payload, unsigned int mss)
{
	unsigned int nhlen = v6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr);
	unsigned int len = min(mss, payload - i * mss), tlen = sizeof(struct tcphdr) + len, j;
	struct tcphdr *th;
	__wsum csum;
	u8 *data;

	KUNIT_EXPECT_FALSE(test, skb_is_gso(seg));
	KUNIT_EXPECT_EQ(test, seg->data_len, 0);
	KUNIT_EXPECT_TRUE(test, seg->pp_recycle);
	KUNIT_EXPECT_GE(test, skb_headroom(seg), GSO_HEAD);
	KUNIT_EXPECT_GE(test, skb_tailroom(seg), GSO_TAIL);
	KUNIT_ASSERT_EQ(test, seg->len, nhlen + tlen);
	KUNIT_EXPECT_EQ(test, skb_network_offset(seg), 0);
	KUNIT_EXPECT_EQ(test, skb_transport_offset(seg), (int)nhlen);
	KUNIT_EXPECT_EQ(test, (int)seg->ip_summed, CHECKSUM_NONE);

	th = tcp_hdr(seg);
	csum = skb_checksum(seg, nhlen, tlen, 0);
	if (v6) {
		struct ipv6hdr *ip6h = ipv6_hdr(seg);

		KUNIT_EXPECT_EQ(test, seg->protocol, htons(ETH_P_IPV6));
		KUNIT_EXPECT_EQ(test, ntohs(ip6h->payload_len), tlen);
		KUNIT_EXPECT_EQ(test, csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr, tlen,
						      IPPROTO_TCP, csum), 0);
	} else {
		struct iphdr *iph = ip_hdr(seg);

		KUNIT_EXPECT_EQ(test, seg->protocol, htons(ETH_P_IP));
		KUNIT_EXPECT_EQ(test, ntohs(iph->tot_len), seg->len);
		KUNIT_EXPECT_EQ(test, ntohs(iph->id), (u16)(GSO_ID + i));
		KUNIT_EXPECT_EQ(test, ip_fast_csum(iph, iph->ihl), 0);
		KUNIT_EXPECT_EQ(test, csum_tcpudp_magic(iph->saddr, iph->daddr, tlen,
							IPPROTO_TCP, csum), 0);
	}
	KUNIT_EXPECT_EQ(test, ntohl(th->seq), GSO_SEQ + i * mss);
	KUNIT_EXPECT_EQ(test, ntohl(th->ack_seq), 7);
	KUNIT_EXPECT_TRUE(test, th->ack);
	KUNIT_EXPECT_EQ(test, !!th->cwr, i == 0);
	KUNIT_EXPECT_EQ(test, !!th->fin, i == n - 1);
	KUNIT_EXPECT_EQ(test, !!th->psh, i == n - 1);

	data = (u8 *)(th + 1);
	for (j = 0; j < len; j++)
		if (data[j] != gso_byte(i * mss + j))
			break;
	KUNIT_EXPECT_EQ_MSG(test, j, len, "segment %u: payload differs at byte %u", i, j);
}

static void gso_run(struct kunit *test, bool v6, unsigned int payload, unsigned int mss,
		    bool paged)
{
	unsigned int n = DIV_ROUND_UP(payload, mss), i = 0;
	struct sk_buff *skb, *segs, *seg;

	skb = gso_packet(test, v6, payload, mss, paged);
	segs = gso_segment(skb);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, segs);
	for (seg = segs; seg; seg = seg->next, i++)
		gso_check(test, seg, v6, i, n, payload, mss);
	KUNIT_EXPECT_EQ(test, i, n);
	kfree_skb_list(segs);
}

/* IPv4, the payload in the head: three full segments and a short one. */
static void espvti_test_gso_ipv4(struct kunit *test)
{
	gso_run(test, false, 3 * 1400 + 123, 1400, false);
}

/* IPv4, the payload in page fragments, a boundary inside a segment. */
static void espvti_test_gso_ipv4_paged(struct kunit *test)
{
	gso_run(test, false, 4 * 1000, 1000, true);
}

static void espvti_test_gso_ipv6(struct kunit *test)
{
	gso_run(test, true, 2 * 1380 + 1, 1380, true);
}

/* SKB_GSO_TCP_FIXEDID: every segment keeps the packet's IPv4 ID. */
static void espvti_test_gso_fixed_id(struct kunit *test)
{
	struct sk_buff *skb, *segs, *seg;

	skb = gso_packet(test, false, 3000, 1000, false);
	skb_shinfo(skb)->gso_type |= SKB_GSO_TCP_FIXEDID;
	segs = gso_segment(skb);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, segs);
	for (seg = segs; seg; seg = seg->next) {
		KUNIT_EXPECT_EQ(test, ntohs(ip_hdr(seg)->id), GSO_ID);
		KUNIT_EXPECT_EQ(test, ip_fast_csum(ip_hdr(seg), 5), 0);
	}
	kfree_skb_list(segs);
}

/*
 * A socket's packet: the segments own its memory, each its truesize, and
 * give it all back when freed.
 */
static void espvti_test_gso_socket(struct kunit *test)
{
	struct sk_buff *skb, *segs, *seg;
	unsigned int owned = 0;
	struct socket *sock;
	struct sock *sk;
	int base;

	KUNIT_ASSERT_EQ(test, sock_create_kern(&init_net, AF_INET, SOCK_STREAM, IPPROTO_TCP,
					       &sock), 0);
	sk = sock->sk;
	base = refcount_read(&sk->sk_wmem_alloc);
	skb = gso_packet(test, false, 5000, 1400, true);
	skb_set_owner_w(skb, sk);
	KUNIT_EXPECT_EQ(test, refcount_read(&sk->sk_wmem_alloc), base + (int)skb->truesize);

	segs = gso_segment(skb);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, segs);
	for (seg = segs; seg; seg = seg->next) {
		KUNIT_EXPECT_PTR_EQ(test, seg->sk, sk);
		KUNIT_EXPECT_PTR_EQ(test, (void *)seg->destructor, (void *)sock_wfree);
		owned += seg->truesize;
	}
	KUNIT_EXPECT_EQ(test, refcount_read(&sk->sk_wmem_alloc), base + (int)owned);
	kfree_skb_list(segs);
	KUNIT_EXPECT_EQ(test, refcount_read(&sk->sk_wmem_alloc), base);
	sock_release(sock);
}

/* What stays with skb_gso_segment(): NULL, the packet untouched. */
static void espvti_test_gso_not_taken(struct kunit *test)
{
	struct sk_buff *skb;

	/* UDP segmentation. */
	skb = gso_packet(test, false, 3000, 1000, false);
	skb_shinfo(skb)->gso_type = SKB_GSO_UDP_L4;
	KUNIT_EXPECT_NULL(test, gso_segment(skb));
	KUNIT_EXPECT_EQ(test, skb_shinfo(skb)->gso_size, 1000);
	kfree_skb(skb);

	/* A segment that would not fit a page. */
	skb = gso_packet(test, true, 3 * 4000, 4000, false);
	KUNIT_EXPECT_NULL(test, gso_segment(skb));
	kfree_skb(skb);

	/* IPv6 with an extension header before TCP. */
	skb = gso_packet(test, true, 3000, 1000, false);
	ipv6_hdr(skb)->nexthdr = NEXTHDR_HOP;
	KUNIT_EXPECT_NULL(test, gso_segment(skb));
	kfree_skb(skb);
}

static int gso_init(struct kunit *test)
{
	if (!IS_ENABLED(CONFIG_PAGE_POOL))
		kunit_skip(test, "no page_pool in this kernel: skb_gso_segment() does it");
	return 0;
}

static struct kunit_case espvti_gso_cases[] = {
	KUNIT_CASE(espvti_test_gso_ipv4),
	KUNIT_CASE(espvti_test_gso_ipv4_paged),
	KUNIT_CASE(espvti_test_gso_ipv6),
	KUNIT_CASE(espvti_test_gso_fixed_id),
	KUNIT_CASE(espvti_test_gso_socket),
	KUNIT_CASE(espvti_test_gso_not_taken),
	{}
};

static struct kunit_suite espvti_gso_suite = {
	.name = "espvti_gso",
	.init = gso_init,
	.test_cases = espvti_gso_cases,
};

kunit_test_suite(espvti_gso_suite);
