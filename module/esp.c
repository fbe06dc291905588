// SPDX-License-Identifier: GPL-2.0
/*
 * ESP tunnel mode (RFC 4303) framing, for the AEAD requests of the
 * transmit (tx.c) and receive (rx.c) paths.
 *
 * Out: the inner packet gets its trailer (padding 1, 2, 3..., pad length,
 * next header) and room for the ICV, then the ESP header and IV in front;
 * it is encrypted in place. In: the trailer of a decrypted packet is
 * checked (RFC 4303 section 2.4).
 *
 * The AEAD transforms are used bare (not through seqiv/echainiv): the
 * associated data handed to them is the ESP header and the IV, as on the
 * wire, and with ESN the high half of the sequence number sits between
 * SPI and low half for the duration of the request (RFC 4106 section 5,
 * RFC 4303 section 2.2.1; authencesn moves it where HMAC wants it).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <asm/unaligned.h>
#include <crypto/aead.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/skbuff.h>
#include <net/esp.h>

#include "espvti.h"

/*
 * Lay the inner packet @skb out as ESP, in place, up to its sequence
 * number: the trailer (padding 1, 2, 3..., pad length, next header
 * @proto) and room for the ICV behind it, and room in front for the ESP
 * header, IV and ESN bits, with @headroom more before them. Returns the
 * number of scatterlist entries the packet needs, or a negative error.
 */
int espvti_esp_frame_tail(struct espvti_sa *sa, struct sk_buff *skb, u8 proto,
			  unsigned int headroom)
{
	unsigned int clen, padlen, i;
	struct sk_buff *trailer;
	int nfrags;
	u8 *tail;

	clen = ALIGN(skb->len + 2, sa->block);
	padlen = clen - skb->len - 2;
	if (skb_cow_head(skb, espvti_esp_headroom(sa) + headroom))
		return -ENOMEM;
	nfrags = skb_cow_data(skb, padlen + 2 + sa->icv_len, &trailer);
	if (nfrags < 0)
		return nfrags;
	tail = pskb_put(skb, trailer, padlen + 2 + sa->icv_len);
	for (i = 0; i < padlen; i++)
		tail[i] = i + 1;
	tail[padlen] = padlen;
	tail[padlen + 1] = proto;
	return nfrags;
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_esp_frame_tail);

/*
 * In front of a packet framed by espvti_esp_frame_tail(): the ESP header
 * with @seq and @iv; with ESN the high half of @seq sits between SPI and
 * low half while the request runs (espvti_esp_aad_pop() puts the SPI back).
 */
void espvti_esp_frame_head(struct espvti_sa *sa, struct sk_buff *skb, u64 seq, const u8 *iv)
{
	struct ip_esp_hdr *esph;

	esph = skb_push(skb, sizeof(*esph) + sa->iv_len);
	esph->spi = sa->spi;
	esph->seq_no = htonl(lower_32_bits(seq));
	memcpy(esph + 1, iv, sa->iv_len);
	espvti_esp_aad_push(sa, skb, seq);
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_esp_frame_head);

/*
 * The IV of the packet with sequence number @seq: for the counter modes
 * the number itself (never reused within the SA), salted per SA; random
 * for CBC.
 */
void espvti_esp_iv(struct espvti_sa *sa, u64 seq, u8 *iv)
{
	if (sa->iv_len == sizeof(u64))
		put_unaligned_be64(seq ^ sa->iv_salt, iv);
	else
		get_random_bytes(iv, sa->iv_len);
}

/* Both halves: the inner packet @skb as ESP, ready for its request. */
int espvti_esp_frame(struct espvti_sa *sa, struct sk_buff *skb, u64 seq,
		     const u8 *iv, u8 proto, unsigned int headroom)
{
	int nfrags = espvti_esp_frame_tail(sa, skb, proto, headroom);

	if (nfrags >= 0)
		espvti_esp_frame_head(sa, skb, seq, iv);
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
 *
 * Read where it lies (skb_header_pointer()), at most 16 bytes at a time
 * through a small buffer: a buffer for the whole 255 bytes of padding
 * would be zeroed on every packet where the kernel initialises its stack
 * (CONFIG_INIT_STACK_ALL_ZERO, Debian's), for padding that is mostly 2.
 */
int espvti_esp_trailer(struct sk_buff *skb, unsigned int elen, unsigned int icv, u8 *nexthdr)
{
	unsigned int len = skb->len - icv, padlen, off, n, i;
	const u8 *p;
	u8 buf[16];
	u8 nh;

	if (elen < 2)
		return -EBADMSG;
	p = skb_header_pointer(skb, len - 2, 2, buf);
	if (!p)
		return -EBADMSG;
	padlen = p[0];
	nh = p[1];
	if (padlen + 2 > elen)
		return -EBADMSG;
	for (off = 0; off < padlen; off += n) {
		n = min_t(unsigned int, padlen - off, sizeof(buf));
		p = skb_header_pointer(skb, len - 2 - padlen + off, n, buf);
		if (!p)
			return -EBADMSG;
		for (i = 0; i < n; i++)
			if (p[i] != off + i + 1)
				return -EBADMSG;
	}
	*nexthdr = nh;
	return padlen;
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_esp_trailer);
