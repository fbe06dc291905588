// SPDX-License-Identifier: GPL-2.0
/*
 * TCP segmentation into recycled buffers, for the transmit path (tx.c).
 *
 * A TCP GSO packet routed into the interface becomes one packet per MSS,
 * each laid out for ESP: room in front for the outer headers, the ESP
 * header and IV, the inner headers and payload, room behind for the ESP
 * trailer and ICV; it is then encrypted in place (esp.c). The kernel's own
 * segmentation (skb_gso_segment() without features, as xfrm does) does the
 * same copy into a fresh 2 KiB head per segment, which a kernel that
 * initialises its allocations (init_on_alloc, on in Debian's) zeroes
 * whole first: about 2,000 bytes written per packet for nothing, the
 * largest item of a packet's cost after the crypto and the socket copies
 * (Documentation/performance.rst, the instruction profile).
 *
 * Here the segments are built in page fragments of a per-CPU page_pool and
 * marked for recycling (skb_mark_for_recycle()): wherever a segment is
 * freed (the peer's socket, a NIC's completion, a drop), its page goes back
 * to the pool it came from, and is taken again without being cleared. The
 * copy computes the TCP checksum as it goes; each segment's IP and TCP
 * headers are those the kernel's segmentation gives (IPv4 IDs counted up
 * unless fixed, sequence numbers, CWR on the first, FIN and PSH on the
 * last), and the segments own the sending socket's memory as
 * tcp_gso_segment() has them do, so TCP small queues see them until they
 * are gone.
 *
 * What this does not take (a packet of another protocol or tunnel, IPv6
 * extension headers, timestamps asked for, a destructor it does not know,
 * a segment larger than a page, a kernel without page_pool) goes to
 * skb_gso_segment() as before.
 *
 * Locking and lifetimes: a CPU's pool is used for allocation by that CPU
 * alone, with BH disabled (the transmit path's context), as page_pool
 * requires of its consumer; pages come back from any CPU through the
 * pool's own ring. The pools live from module load to unload; at unload
 * page_pool_destroy() leaves pages still in flight to the kernel, which
 * frees the pool when the last comes back.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/ip6_checksum.h>
#include <net/sock.h>

#include "espvti.h"

#if IS_ENABLED(CONFIG_PAGE_POOL)

/*
 * Pages a CPU's pool keeps for reuse beside its allocation cache (128):
 * what comes back faster than the CPU takes it (a burst the peer's socket
 * frees at once) up to this, the rest to the page allocator. At most
 * 1 MiB a CPU that sends is kept.
 */
#define ESPVTI_GSO_POOL_SIZE	128

static DEFINE_PER_CPU(struct page_pool *, espvti_gso_pools);

int espvti_gso_init(void)
{
	struct page_pool_params pp = {
		.flags = ESPVTI_PP_FLAG_FRAG,
		.pool_size = ESPVTI_GSO_POOL_SIZE,
	};
	struct page_pool *pool;
	int cpu;

	for_each_possible_cpu(cpu) {
		pp.nid = cpu_to_node(cpu);
		pool = page_pool_create(&pp);
		if (IS_ERR(pool)) {
			espvti_gso_uninit();
			return PTR_ERR(pool);
		}
		per_cpu(espvti_gso_pools, cpu) = pool;
	}
	return 0;
}

void espvti_gso_uninit(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		page_pool_destroy(per_cpu(espvti_gso_pools, cpu));
		per_cpu(espvti_gso_pools, cpu) = NULL;
	}
}

/*
 * Whether @skb is a TCP GSO packet this file segments: plain TCP over
 * IPv4 or IPv6 (no extension headers), headers where they say, from a
 * socket whose memory accounting the segments can take over (TCP's, or
 * none). Sets *@hlen, the headers' length from the network header.
 */
static bool espvti_gso_takes(struct sk_buff *skb, unsigned int *hlen)
{
	unsigned int ok = SKB_GSO_DODGY | SKB_GSO_TCP_ECN | SKB_GSO_TCP_FIXEDID;
	unsigned int type = skb_shinfo(skb)->gso_type;
	int noff = skb_network_offset(skb);
	int thoff = skb_transport_offset(skb);
	struct sock *sk = skb->sk;

	if (skb->protocol == htons(ETH_P_IP)) {
		if ((type & ~ok) != SKB_GSO_TCPV4 ||
		    thoff != noff + ip_hdrlen(skb) || ip_hdr(skb)->protocol != IPPROTO_TCP)
			return false;
	} else {
		if ((type & ~ok) != SKB_GSO_TCPV6 ||
		    thoff != noff + sizeof(struct ipv6hdr) ||
		    ipv6_hdr(skb)->nexthdr != IPPROTO_TCP)
			return false;
	}
	if (skb_shinfo(skb)->tx_flags & SKBTX_ANY_TSTAMP)
		return false;
	/*
	 * TCP's destructor (tcp_wfree(), not exported) and sock_wfree() both
	 * return skb->truesize to sk_wmem_alloc, so the segments can share
	 * it out; anything else keeps the kernel's segmentation.
	 */
	if (skb->destructor && skb->destructor != sock_wfree &&
	    !(sk && sk_fullsock(sk) && sk->sk_type == SOCK_STREAM &&
	      sk->sk_protocol == IPPROTO_TCP))
		return false;
	if (!pskb_may_pull(skb, thoff + sizeof(struct tcphdr)) ||
	    tcp_hdrlen(skb) < sizeof(struct tcphdr) ||
	    !pskb_may_pull(skb, thoff + tcp_hdrlen(skb)))
		return false;
	*hlen = thoff - noff + tcp_hdrlen(skb);
	return skb->len > thoff + tcp_hdrlen(skb);
}

/*
 * Segment @i of @n of @skb: its headers (@hlen bytes from the network
 * header) fixed for it and its share of the payload, at @headroom in a
 * buffer of @size bytes of @pool; NULL: no memory.
 */
static struct sk_buff *espvti_gso_one(struct page_pool *pool, struct sk_buff *skb,
				      unsigned int hlen, unsigned int i, unsigned int n,
				      unsigned int headroom, unsigned int size)
{
	unsigned int thoff = skb_transport_offset(skb) - skb_network_offset(skb);
	unsigned int mss = skb_shinfo(skb)->gso_size, off = hlen + i * mss;
	unsigned int len = min(mss, skb->len - skb_network_offset(skb) - off);
	unsigned int thlen = hlen - thoff, poff;
	struct sk_buff *seg;
	struct tcphdr *th;
	struct page *page;
	__wsum csum;
	u8 *data;

	page = page_pool_dev_alloc_frag(pool, &poff, size);
	if (unlikely(!page))
		return NULL;
	seg = napi_build_skb(page_address(page) + poff, size);
	if (unlikely(!seg)) {
		page_pool_put_full_page(pool, page, false);
		return NULL;
	}
	skb_mark_for_recycle(seg);
	/* What skb_segment() copies: dst, cb, priority, mark, time stamp... */
	skb_copy_header(seg, skb);
	skb_shinfo(seg)->gso_size = 0;
	skb_shinfo(seg)->gso_segs = 0;
	skb_shinfo(seg)->gso_type = 0;
	seg->ip_summed = CHECKSUM_NONE;

	skb_reserve(seg, headroom);
	skb_reset_mac_header(seg);
	skb_reset_network_header(seg);
	skb_set_transport_header(seg, thoff);
	data = skb_put(seg, hlen + len);
	memcpy(data, skb_network_header(skb), hlen);
	csum = skb_copy_and_csum_bits(skb, skb_network_offset(skb) + off, data + hlen, len);

	th = tcp_hdr(seg);
	th->seq = htonl(ntohl(th->seq) + i * mss);
	if (i)
		th->cwr = 0;
	if (i != n - 1) {
		th->fin = 0;
		th->psh = 0;
	}
	th->check = 0;
	csum = csum_partial(th, thlen, csum);
	if (seg->protocol == htons(ETH_P_IP)) {
		struct iphdr *iph = ip_hdr(seg);

		iph->tot_len = htons(hlen + len);
		if (!(skb_shinfo(skb)->gso_type & SKB_GSO_TCP_FIXEDID))
			iph->id = htons(ntohs(iph->id) + i);
		iph->check = 0;
		iph->check = ip_fast_csum(iph, iph->ihl);
		th->check = csum_tcpudp_magic(iph->saddr, iph->daddr, thlen + len,
					      IPPROTO_TCP, csum);
	} else {
		struct ipv6hdr *ip6h = ipv6_hdr(seg);

		ip6h->payload_len = htons(hlen + len - sizeof(*ip6h));
		th->check = csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr, thlen + len,
					    IPPROTO_TCP, csum);
	}
	return seg;
}

/*
 * The TCP GSO packet @skb as a list of segments laid out for ESP (@headroom
 * free in front of each, @tailroom behind); @skb is left to the caller, as
 * skb_gso_segment() leaves it (its socket's memory now the segments').
 * NULL when this file does not take it (use skb_gso_segment()), or
 * ERR_PTR(-ENOMEM). BH disabled, as the whole packet path.
 */
struct sk_buff *espvti_gso_segment(struct sk_buff *skb, unsigned int headroom,
				   unsigned int tailroom)
{
	unsigned int hlen, mss, payload, size, n, i;
	struct sk_buff *segs = NULL, **last = &segs, *seg;
	struct page_pool *pool;
	int delta;

	if (!espvti_gso_takes(skb, &hlen))
		return NULL;
	mss = skb_shinfo(skb)->gso_size;
	payload = skb->len - skb_network_offset(skb) - hlen;
	size = SKB_DATA_ALIGN(headroom + hlen + mss + tailroom) +
	       SKB_DATA_ALIGN(sizeof(struct skb_shared_info));
	if (size > PAGE_SIZE)
		return NULL;
	n = DIV_ROUND_UP(payload, mss);
	pool = this_cpu_read(espvti_gso_pools);

	delta = -(int)skb->truesize;
	for (i = 0; i < n; i++) {
		seg = espvti_gso_one(pool, skb, hlen, i, n, headroom, size);
		if (unlikely(!seg)) {
			kfree_skb_list(segs);
			return ERR_PTR(-ENOMEM);
		}
		delta += seg->truesize;
		*last = seg;
		last = &seg->next;
	}

	/*
	 * The socket's memory: each segment holds its own truesize, the
	 * difference from the packet's is charged (as tcp_gso_segment()).
	 */
	if (skb->destructor) {
		for (seg = segs; seg; seg = seg->next) {
			seg->sk = skb->sk;
			seg->destructor = skb->destructor;
		}
		if (delta >= 0)
			refcount_add(delta, &skb->sk->sk_wmem_alloc);
		else
			WARN_ON_ONCE(refcount_sub_and_test(-delta, &skb->sk->sk_wmem_alloc));
		skb->destructor = NULL;
		skb->sk = NULL;
	}
	return segs;
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_gso_segment);

#else	/* !CONFIG_PAGE_POOL: the kernel's segmentation */

int espvti_gso_init(void)
{
	return 0;
}

void espvti_gso_uninit(void)
{
}

struct sk_buff *espvti_gso_segment(struct sk_buff *skb, unsigned int headroom,
				   unsigned int tailroom)
{
	return NULL;
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_gso_segment);

#endif
