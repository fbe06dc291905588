// SPDX-License-Identifier: GPL-2.0
/*
 * ESP tunnel mode (RFC 4303) framing, for the AEAD requests of the
 * transmit (tx.c) and receive (rx.c) paths.
 *
 * Out: the inner packet gets its trailer (padding 1, 2, 3..., pad length,
 * next header) and room for the ICV, then the ESP header and IV in front;
 * it is encrypted in place. A packet whose data is in pages (a GSO
 * segment, TCP's or a user's pages, which must never be written) is
 * encrypted out of place instead, as esp4 does: its head, made its own, in
 * place; the pages' data and the trailer into a fresh buffer that then
 * takes the pages' place. So the data is copied once, by the cipher, on
 * the CPU that encrypts, and not first by the segmentation.
 *
 * In: the packet is decrypted in place, in its pages too when they are its
 * own (not cloned, not shared: as esp4's input); else it is made linear
 * first. The trailer of a decrypted packet is checked (RFC 4303 section
 * 2.4).
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

/* The padding before pad length and next header, for @len bytes. */
static unsigned int espvti_esp_padlen(const struct espvti_sa *sa, unsigned int len)
{
	return ALIGN(len + 2, sa->block) - len - 2;
}

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
	unsigned int hdr = sizeof(struct ip_esp_hdr) + sa->iv_len;
	unsigned int padlen, i;
	struct sk_buff *trailer;
	int nfrags;
	u8 *tail;

	padlen = espvti_esp_padlen(sa, skb->len);
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
	return nfrags;
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_esp_frame_tail);

/*
 * Whether the inner packet @skb is encrypted out of place: its data is in
 * pages that the buffer espvti_esp_req_out() takes (one page at most) can
 * replace, and a checksum left to compute is in its head.
 */
bool espvti_esp_paged(const struct espvti_sa *sa, struct sk_buff *skb)
{
	unsigned int tail = espvti_esp_padlen(sa, skb->len) + 2 + sa->icv_len;

	if (!skb_is_nonlinear(skb) || skb_has_frag_list(skb) || skb_zcopy(skb) ||
	    skb->data_len + tail > PAGE_SIZE)
		return false;
	return skb->ip_summed != CHECKSUM_PARTIAL ||
	       skb_checksum_start_offset(skb) + skb->csum_offset + sizeof(__sum16) <=
	       skb_headlen(skb);
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_esp_paged);

/*
 * Out of place (espvti_esp_paged()): the head made the packet's own, with
 * @headroom and the ESP header's room in front; the trailer comes at
 * encryption. Returns the scatterlist entries espvti_esp_req_out() needs,
 * or a negative error.
 */
int espvti_esp_frame_out(struct espvti_sa *sa, struct sk_buff *skb, unsigned int headroom)
{
	unsigned int hdr = sizeof(struct ip_esp_hdr) + sa->iv_len;

	if (skb_unclone(skb, GFP_ATOMIC) || skb_cow_head(skb, hdr + sizeof(__be32) + headroom))
		return -ENOMEM;
	/* From: head, pages, trailer; to: head, the buffer. */
	return skb_shinfo(skb)->nr_frags + 2 + 2;
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_esp_frame_out);

/* The buffer espvti_esp_req_out() encrypts @skb's pages into, in bytes. */
unsigned int espvti_esp_out_len(const struct espvti_sa *sa, const struct sk_buff *skb)
{
	unsigned int assoclen = sizeof(struct ip_esp_hdr) + sa->iv_len;
	unsigned int len;

	if (sa->esn)
		assoclen += sizeof(__be32);
	len = skb->len - assoclen;
	return skb->data_len + espvti_esp_padlen(sa, len) + 2 + sa->icv_len;
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_esp_out_len);

/*
 * The encryption request for @skb, framed by espvti_esp_frame_out() and
 * espvti_esp_frame_head(), out of place: its head in place, its pages'
 * data and the trailer (next header @proto), written at the end of @obuf
 * (espvti_esp_out_len() bytes), into @obuf. @sg: @nfrags entries.
 */
int espvti_esp_req_out(struct espvti_sa *sa, struct aead_request *req, struct scatterlist *sg,
		       int nfrags, struct sk_buff *skb, u8 *iv, u8 proto, u8 *obuf)
{
	unsigned int assoclen = sizeof(struct ip_esp_hdr) + sa->iv_len;
	unsigned int len, padlen, i;
	struct scatterlist *dsg;
	int n;
	u8 *tail;

	if (sa->esn)
		assoclen += sizeof(__be32);
	len = skb->len - assoclen;
	padlen = espvti_esp_padlen(sa, len);
	tail = obuf + skb->data_len;
	for (i = 0; i < padlen; i++)
		tail[i] = i + 1;
	tail[padlen] = padlen;
	tail[padlen + 1] = proto;

	sg_init_table(sg, nfrags - 2);
	n = skb_to_sgvec(skb, sg, 0, skb->len);
	if (unlikely(n < 0))
		return n;
	if (unlikely(n + 1 > nfrags - 2))
		return -EMSGSIZE;
	/* The trailer is in place, where it is in @obuf. */
	sg_unmark_end(&sg[n - 1]);
	sg_set_buf(&sg[n], tail, padlen + 2);
	sg_mark_end(&sg[n]);
	dsg = sg + nfrags - 2;
	sg_init_table(dsg, 2);
	sg_set_buf(&dsg[0], skb->data, skb_headlen(skb));
	sg_set_buf(&dsg[1], obuf, skb->data_len + padlen + 2 + sa->icv_len);

	aead_request_set_tfm(req, sa->aead);
	aead_request_set_crypt(req, sg, dsg, len + padlen + 2, iv);
	aead_request_set_ad(req, assoclen);
	return 0;
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_esp_req_out);

/*
 * After espvti_esp_req_out()'s request: @obuf (a page fragment of @len
 * bytes, whose reference the packet takes) in place of the pages.
 */
void espvti_esp_out_done(struct sk_buff *skb, u8 *obuf, unsigned int len)
{
	struct skb_shared_info *sh = skb_shinfo(skb);
	struct page *page = virt_to_head_page(obuf);
	int i;

	for (i = 0; i < sh->nr_frags; i++)
		skb_frag_unref(skb, i);
	sh->nr_frags = 0;
	skb_fill_page_desc(skb, 0, page, obuf - (u8 *)page_address(page), len);
	sh->flags &= ~SKBFL_SHARED_FRAG;
	skb->len += len - skb->data_len;
	skb->data_len = len;
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_esp_out_done);

/*
 * In: @skb (an ESP packet) made writable for decryption in place; its
 * pages stay where they are its own. Returns the scatterlist entries its
 * request needs, or a negative error.
 */
int espvti_esp_cow_in(struct sk_buff *skb)
{
	struct sk_buff *trailer;

	if (!skb_cloned(skb) && !skb_has_frag_list(skb) && !skb_has_shared_frag(skb) &&
	    !skb_zcopy(skb))
		return skb_shinfo(skb)->nr_frags + 1;
	return skb_cow_data(skb, 0, &trailer);
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_esp_cow_in);

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
