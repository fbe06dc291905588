// SPDX-License-Identifier: GPL-2.0
/*
 * ESP tunnel mode (RFC 4303) through the kernel's crypto API.
 *
 * Out: the inner packet gets its trailer (padding 1, 2, 3..., pad length,
 * next header) and room for the ICV, then the ESP header and IV in front;
 * it is encrypted in place, and an outer IPv4 or IPv6 header is pushed.
 * In: an ESP packet for one of our SPIs is checked against the replay
 * window, decrypted in place, checked again and recorded in the window
 * (only now that it is authentic), its trailer verified and removed, and
 * the inner packet is handed to the interface through GRO.
 *
 * Both directions cope with asynchronous crypto: a request that returns
 * -EINPROGRESS finishes in its completion callback, which holds the only
 * state the packet needs (its temporary block and a reference on the SA).
 *
 * The AEAD transforms are used bare (not through seqiv/echainiv): the
 * associated data handed to them is the ESP header and the IV, as on the
 * wire, and with ESN the high half of the sequence number sits between
 * SPI and low half for the duration of the request (RFC 4106 section 5,
 * RFC 4303 section 2.2.1; authencesn moves it where HMAC wants it).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/aead.h>
#include <linux/icmp.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/random.h>
#include <linux/rhashtable.h>
#include <linux/scatterlist.h>
#include <linux/skbuff.h>
#include <linux/udp.h>
#include <net/esp.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/route.h>
#include <net/ip6_checksum.h>
#include <net/xfrm.h>

#include "espvti.h"

#define ESPVTI_MAX_IV 16

/* Per packet, for the time its crypto request runs. */
struct espvti_esp_tmp {
	struct espvti_sa *sa;		/* one reference */
	unsigned int inner_len;
	union {
		struct espvti_tx_params tx;
		struct {
			u64 seq;
			u8 outer_tos;
			bool udp;		/* came in UDP, from saddr:sport */
			u16 family;
			__be16 sport;
			union espvti_addr saddr;
		} rx;
	};
	/* then: the IV, the aead_request, the scatterlist */
};

struct espvti_skb_cb {
	struct espvti_esp_tmp *tmp;
};

#define ESPVTI_SKB_CB(skb) ((struct espvti_skb_cb *)&((skb)->cb[0]))

static u8 *espvti_tmp_iv(struct crypto_aead *aead, struct espvti_esp_tmp *tmp)
{
	return PTR_ALIGN((u8 *)(tmp + 1), crypto_aead_alignmask(aead) + 1);
}

static struct aead_request *espvti_tmp_req(struct crypto_aead *aead, u8 *iv)
{
	return (void *)PTR_ALIGN(iv + ESPVTI_MAX_IV, crypto_tfm_ctx_alignment());
}

static struct scatterlist *espvti_tmp_sg(struct crypto_aead *aead, struct aead_request *req)
{
	return (void *)ALIGN((unsigned long)(req + 1) + crypto_aead_reqsize(aead),
			     __alignof__(struct scatterlist));
}

static struct espvti_esp_tmp *espvti_tmp_alloc(struct crypto_aead *aead, int nfrags)
{
	size_t len = sizeof(struct espvti_esp_tmp);

	len += crypto_aead_alignmask(aead) + ESPVTI_MAX_IV;
	len = ALIGN(len, crypto_tfm_ctx_alignment());
	len += sizeof(struct aead_request) + crypto_aead_reqsize(aead);
	len = ALIGN(len, __alignof__(struct scatterlist));
	len += sizeof(struct scatterlist) * nfrags;
	return kmalloc(len, GFP_ATOMIC);
}

/*
 * A packet sent or delivered: the interface's counters (which are also its
 * netdevice statistics) and the SA's.
 */
static void espvti_count_ok(struct espvti_sa *sa, enum espvti_stat pkts, unsigned int len)
{
	espvti_stats_packet(sa->edev->stats, pkts, len);
	espvti_stats_packet(sa->stats, pkts, len);
}

/* Push the outer header and send; consumes @skb and p->dst. */
static void espvti_xmit_outer(struct espvti_sa *sa, struct sk_buff *skb,
			      const struct espvti_tx_params *p, unsigned int inner_len)
{
	struct espvti_dev *edev = sa->edev;
	int err;

	err = espvti_xmit_ip(edev, skb, p);
	if (likely(!net_xmit_eval(err))) {
		espvti_count_ok(sa, ESPVTI_STAT_TX_PACKETS, inner_len);
	} else {
		espvti_count(edev, sa, ESPVTI_STAT_TX_UNDERLAY_ERROR);
		dev_core_stats_tx_dropped_inc(edev->dev);
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

static void espvti_output_finish(struct sk_buff *skb, int err)
{
	struct espvti_esp_tmp *tmp = ESPVTI_SKB_CB(skb)->tmp;
	struct espvti_sa *sa = tmp->sa;
	struct espvti_tx_params p = tmp->tx;
	unsigned int inner_len = tmp->inner_len;

	kfree(tmp);
	espvti_esp_aad_pop(sa, skb);
	if (unlikely(err)) {
		dst_release(p.dst);
		espvti_tx_drop(sa->edev, sa, skb, ESPVTI_STAT_TX_CRYPTO_ERROR);
	} else {
		espvti_xmit_outer(sa, skb, &p, inner_len);
	}
	espvti_sa_put(sa);
}

static void espvti_output_done(espvti_crypto_done_arg *base, int err)
{
	struct sk_buff *skb = espvti_crypto_done_data(base);

	local_bh_disable();
	espvti_output_finish(skb, err);
	local_bh_enable();
}

/*
 * Lay the inner packet @skb out as ESP, in place: the trailer (padding 1,
 * 2, 3..., pad length, next header @proto) and room for the ICV behind it,
 * the ESP header and @iv in front, with @headroom more before it. With ESN
 * the high half of @seq sits between SPI and low half while the request
 * runs (espvti_esp_aad_pop() puts the SPI back). Returns the number of
 * scatterlist entries the packet needs, or a negative error.
 */
int espvti_esp_frame(struct espvti_sa *sa, struct sk_buff *skb, u64 seq,
		     const u8 *iv, u8 proto, unsigned int headroom)
{
	unsigned int hdr = sizeof(struct ip_esp_hdr) + sa->iv_len;
	unsigned int clen, padlen, i;
	struct ip_esp_hdr *esph;
	struct sk_buff *trailer;
	int nfrags;
	u8 *tail;

	clen = ALIGN(skb->len + 2, sa->block);
	padlen = clen - skb->len - 2;
	if (skb_cow_head(skb, hdr + sizeof(__be32) + headroom))
		return -ENOMEM;
	nfrags = skb_cow_data(skb, padlen + 2 + sa->icv_len, &trailer);
	if (nfrags < 0)
		return nfrags;
	tail = pskb_put(skb, trailer, padlen + 2 + sa->icv_len);
	for (i = 0; i < padlen; i++)
		tail[i] = i + 1;
	tail[padlen] = padlen;
	tail[padlen + 1] = proto;

	esph = skb_push(skb, hdr);
	esph->spi = sa->spi;
	esph->seq_no = htonl(lower_32_bits(seq));
	memcpy(esph + 1, iv, sa->iv_len);
	espvti_esp_aad_push(sa, skb, seq);
	return nfrags;
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_esp_frame);

/*
 * For the request, both ways: with ESN, the high half of @seq between SPI
 * and low half of the ESP header at skb->data (RFC 4106 section 5; RFC
 * 4303 section 2.2.1). espvti_esp_aad_pop() undoes it.
 */
void espvti_esp_aad_push(struct espvti_sa *sa, struct sk_buff *skb, u64 seq)
{
	if (sa->esn) {
		__be32 *aad = skb_push(skb, sizeof(__be32));

		aad[0] = sa->spi;
		aad[1] = htonl(upper_32_bits(seq));
	}
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_esp_aad_push);

/* After the request: the ESP header as on the wire, at skb->data. */
void espvti_esp_aad_pop(struct espvti_sa *sa, struct sk_buff *skb)
{
	if (sa->esn) {
		__be32 *aad = (__be32 *)skb->data;

		aad[1] = sa->spi;
		__skb_pull(skb, sizeof(__be32));
	}
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_esp_aad_pop);

/*
 * The AEAD request for the framed ESP packet @skb (ESN: with the high half
 * in place): the associated data is header and IV, the rest is encrypted
 * (@encrypt) or decrypted and verified. @iv: the IV, for the transform.
 */
int espvti_esp_req(struct espvti_sa *sa, struct aead_request *req, struct scatterlist *sg,
		   int nfrags, struct sk_buff *skb, u8 *iv, bool encrypt)
{
	unsigned int assoclen = sizeof(struct ip_esp_hdr) + sa->iv_len;
	int err;

	if (sa->esn)
		assoclen += sizeof(__be32);
	sg_init_table(sg, nfrags);
	err = skb_to_sgvec(skb, sg, 0, skb->len);
	if (unlikely(err < 0))
		return err;
	aead_request_set_tfm(req, sa->aead);
	aead_request_set_crypt(req, sg, sg, skb->len - assoclen - (encrypt ? sa->icv_len : 0),
			       iv);
	aead_request_set_ad(req, assoclen);
	return 0;
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_esp_req);

/*
 * The ESP trailer of a decrypted packet of @elen bytes (from after the IV
 * to before the ICV, which is @icv bytes at the end): the padding must be
 * 1, 2, 3... (RFC 4303 section 2.4). Returns the pad length and sets
 * *@nexthdr, or returns -EBADMSG.
 */
int espvti_esp_trailer(struct sk_buff *skb, unsigned int elen, unsigned int icv, u8 *nexthdr)
{
	unsigned int len = skb->len - icv, padlen, i;
	u8 tr[2], pad[255];

	if (elen < 2 || skb_copy_bits(skb, len - 2, tr, 2))
		return -EBADMSG;
	padlen = tr[0];
	if (padlen + 2 > elen)
		return -EBADMSG;
	if (padlen) {
		if (skb_copy_bits(skb, len - 2 - padlen, pad, padlen))
			return -EBADMSG;
		for (i = 0; i < padlen; i++)
			if (pad[i] != i + 1)
				return -EBADMSG;
	}
	*nexthdr = tr[1];
	return padlen;
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_esp_trailer);

/*
 * Encrypt the inner packet @skb with @sa and send it as @p says. Consumes
 * @skb, a reference on @sa and p->dst, whatever happens.
 */
void espvti_esp_output(struct espvti_sa *sa, struct sk_buff *skb,
		       const struct espvti_tx_params *p)
{
	struct espvti_dev *edev = sa->edev;
	struct crypto_aead *aead = sa->aead;
	unsigned int inner_len = skb->len;
	enum espvti_stat why = ESPVTI_STAT_TX_CRYPTO_ERROR;
	struct espvti_esp_tmp *tmp;
	struct aead_request *req;
	struct scatterlist *sg;
	u8 ivb[ESPVTI_MAX_IV], *iv;
	int nfrags, err;
	u64 seq;

	spin_lock_bh(&sa->lock);
	if (likely(espvti_sa_account(sa, inner_len))) {
		seq = espvti_seq_next(&sa->seq_out, sa->esn);
		if (unlikely(!seq)) {
			espvti_sa_exhausted(sa);	/* a hard expiry */
			why = ESPVTI_STAT_TX_SEQ_OVERFLOW;
		}
	} else {
		seq = 0;
		why = ESPVTI_STAT_TX_EXPIRED;
	}
	spin_unlock_bh(&sa->lock);
	if (unlikely(!seq))
		goto drop;
	if (sa->iv_len == sizeof(u64))		/* counter modes: never reused */
		put_unaligned_be64(seq ^ sa->iv_salt, ivb);
	else
		get_random_bytes(ivb, sa->iv_len);

	nfrags = espvti_esp_frame(sa, skb, seq, ivb, p->proto,
				  sizeof(struct ipv6hdr) + sizeof(struct udphdr) +
				  LL_RESERVED_SPACE(p->dst->dev));
	if (nfrags < 0) {
		why = ESPVTI_STAT_TX_MALFORMED;
		goto drop;
	}
	tmp = espvti_tmp_alloc(aead, nfrags);
	if (!tmp)
		goto drop;
	tmp->sa = sa;
	tmp->inner_len = inner_len;
	tmp->tx = *p;
	iv = espvti_tmp_iv(aead, tmp);
	memcpy(iv, ivb, sa->iv_len);
	req = espvti_tmp_req(aead, iv);
	sg = espvti_tmp_sg(aead, req);
	ESPVTI_SKB_CB(skb)->tmp = tmp;

	err = espvti_esp_req(sa, req, sg, nfrags, skb, iv, true);
	if (unlikely(err)) {
		espvti_output_finish(skb, err);
		return;
	}
	aead_request_set_callback(req, 0, espvti_output_done, skb);
	err = crypto_aead_encrypt(req);
	if (err == -EINPROGRESS)
		return;
	espvti_output_finish(skb, err);
	return;

drop:
	dst_release(p->dst);
	espvti_tx_drop(edev, sa, skb, why);
	espvti_sa_put(sa);
}

static enum espvti_stat espvti_replay_why(enum espvti_replay_verdict v)
{
	return v == ESPVTI_REPLAY_REPLAYED ? ESPVTI_STAT_RX_REPLAY :
					     ESPVTI_STAT_RX_OUTSIDE_WINDOW;
}

/* The inner packet, now at skb->data: check it and hand it to the interface. */
static enum espvti_stat espvti_deliver(struct espvti_sa *sa, struct sk_buff *skb,
				       u8 nexthdr, u8 outer_tos)
{
	struct espvti_dev *edev = sa->edev;
	struct net_device *dev = edev->dev;
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

	if (espvti_flow_parse(skb, &fl))
		return ESPVTI_STAT_RX_MALFORMED;
	espvti_flow_reverse(&fl);	/* selectors are written as we send */
	rcu_read_lock();
	match = espvti_spd_match(rcu_dereference(edev->spd), &fl);
	rcu_read_unlock();
	if (!match) {
		espvti_diag_refused(edev, &fl, ESPVTI_SA_DIR_IN);
		return ESPVTI_STAT_RX_SELECTOR_MISMATCH;
	}
	if (!netif_running(dev))
		return ESPVTI_STAT_RX_NOT_UP;

	skb_scrub_packet(skb, !net_eq(edev->net, dev_net(dev)));
	skb->dev = dev;
	skb->pkt_type = PACKET_HOST;
	len = skb->len;
	if (gro_cells_receive(&edev->gro_cells, skb) == NET_RX_SUCCESS)
		espvti_count_ok(sa, ESPVTI_STAT_RX_PACKETS, len);
	return __ESPVTI_STAT_MAX;	/* delivered, or counted by GRO cells */
}

static void espvti_input_finish(struct sk_buff *skb, int err)
{
	struct espvti_esp_tmp *tmp = ESPVTI_SKB_CB(skb)->tmp;
	struct espvti_sa *sa = tmp->sa;
	unsigned int hdr = sizeof(struct ip_esp_hdr) + sa->iv_len;
	enum espvti_replay_verdict v;
	typeof(tmp->rx) rx = tmp->rx;
	u8 outer_tos = rx.outer_tos;
	u64 seq = rx.seq;
	enum espvti_stat why;
	u64 behind;
	u8 nexthdr;
	int padlen;

	kfree(tmp);
	espvti_esp_aad_pop(sa, skb);
	if (unlikely(err)) {
		why = err == -EBADMSG ? ESPVTI_STAT_RX_AUTH_FAILED : ESPVTI_STAT_RX_CRYPTO_ERROR;
		goto drop;
	}

	/* Authentic: now the window may move. */
	spin_lock(&sa->lock);
	v = espvti_replay_advance(&sa->replay, seq);
	why = v == ESPVTI_REPLAY_OK ? __ESPVTI_STAT_MAX : espvti_replay_why(v);
	if (v == ESPVTI_REPLAY_OK && !espvti_sa_account(sa, skb->len - hdr - sa->icv_len))
		why = ESPVTI_STAT_RX_EXPIRED;
	if (v != ESPVTI_REPLAY_OK)
		behind = sa->replay.top - seq;	/* for diagnose, on drops only */
	spin_unlock(&sa->lock);
	if (v != ESPVTI_REPLAY_OK)
		espvti_diag_replay(sa->edev, behind);
	if (why != __ESPVTI_STAT_MAX)
		goto drop;
	if (rx.udp)
		espvti_nat_seen(sa->edev, rx.family, &rx.saddr, rx.sport);

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

	skb->ip_summed = CHECKSUM_NONE;
	why = ESPVTI_STAT_RX_MALFORMED;
	if (pskb_trim(skb, skb->len - sa->icv_len - 2 - padlen) || !pskb_pull(skb, hdr))
		goto drop;
	why = espvti_deliver(sa, skb, nexthdr, outer_tos);
	if (why == __ESPVTI_STAT_MAX)
		goto out;
drop:
	espvti_rx_drop(sa->edev, sa, skb, why);
out:
	espvti_sa_put(sa);
}

static void espvti_input_done(espvti_crypto_done_arg *base, int err)
{
	struct sk_buff *skb = espvti_crypto_done_data(base);

	local_bh_disable();
	espvti_input_finish(skb, err);
	local_bh_enable();
}

/*
 * Decrypt @skb (at its ESP header) with @sa; consumes both. @saddr, @sport:
 * where it came from, when it came in UDP.
 */
void espvti_esp_input(struct espvti_sa *sa, struct sk_buff *skb, u8 outer_tos,
		      const union espvti_addr *saddr, __be16 sport)
{
	struct crypto_aead *aead = sa->aead;
	unsigned int hdr = sizeof(struct ip_esp_hdr) + sa->iv_len;
	enum espvti_replay_verdict v;
	struct espvti_esp_tmp *tmp;
	struct ip_esp_hdr *esph;
	struct aead_request *req;
	struct scatterlist *sg;
	struct sk_buff *trailer;
	enum espvti_stat why;
	unsigned int elen;
	int nfrags, err;
	u64 seq, behind;
	u8 *iv;

	why = ESPVTI_STAT_RX_MALFORMED;
	if (skb->len < hdr + sa->icv_len + 2)
		goto drop;
	elen = skb->len - hdr - sa->icv_len;
	if (elen % sa->block || !pskb_may_pull(skb, hdr))
		goto drop;
	esph = (struct ip_esp_hdr *)skb->data;

	/* Cheap rejection before any crypto; nothing changes yet. */
	spin_lock(&sa->lock);
	seq = espvti_replay_seq(&sa->replay, ntohl(esph->seq_no), sa->esn);
	v = espvti_replay_check(&sa->replay, seq);
	if (v != ESPVTI_REPLAY_OK)
		behind = sa->replay.top - seq;	/* for diagnose, on drops only */
	spin_unlock(&sa->lock);
	if (v != ESPVTI_REPLAY_OK) {
		espvti_diag_replay(sa->edev, behind);
		why = espvti_replay_why(v);
		goto drop;
	}

	why = ESPVTI_STAT_RX_CRYPTO_ERROR;
	nfrags = skb_cow_data(skb, 0, &trailer);
	if (nfrags < 0)
		goto drop;
	tmp = espvti_tmp_alloc(aead, nfrags);
	if (!tmp)
		goto drop;
	tmp->sa = sa;
	tmp->rx.seq = seq;
	tmp->rx.outer_tos = outer_tos;
	tmp->rx.udp = !!saddr;
	if (saddr) {
		tmp->rx.family = skb->protocol == htons(ETH_P_IP) ? AF_INET : AF_INET6;
		tmp->rx.saddr = *saddr;
		tmp->rx.sport = sport;
	}
	iv = espvti_tmp_iv(aead, tmp);
	req = espvti_tmp_req(aead, iv);
	sg = espvti_tmp_sg(aead, req);

	esph = (struct ip_esp_hdr *)skb->data;
	memcpy(iv, esph + 1, sa->iv_len);
	espvti_esp_aad_push(sa, skb, seq);
	ESPVTI_SKB_CB(skb)->tmp = tmp;
	err = espvti_esp_req(sa, req, sg, nfrags, skb, iv, false);
	if (unlikely(err)) {
		espvti_input_finish(skb, err);
		return;
	}
	aead_request_set_callback(req, 0, espvti_input_done, skb);
	err = crypto_aead_decrypt(req);
	if (err == -EINPROGRESS)
		return;
	espvti_input_finish(skb, err);
	return;

drop:
	espvti_rx_drop(sa->edev, sa, skb, why);
	espvti_sa_put(sa);
}

/* The tunnel of @net whose peer sent a packet from @saddr to @daddr. */
static struct espvti_dev *espvti_tunnel_find(struct net *net, u16 family,
					     const union espvti_addr *saddr,
					     const union espvti_addr *daddr)
{
	struct espvti_dev *edev;

	list_for_each_entry_rcu(edev, &espvti_pernet(net)->tunnels, tunnel_list) {
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
