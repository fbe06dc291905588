// SPDX-License-Identifier: GPL-2.0
/*
 * ESP size arithmetic (RFC 4303 section 2): how large an inner packet may
 * be so that its ESP packet fits a given underlay MTU, and the reverse.
 *
 *   outer header | [UDP] | SPI 4 | seq 4 | IV | inner | pad | padlen 1 |
 *   next header 1 | ICV
 *
 * The encrypted part (inner .. next header) is padded to the cipher's block
 * size, and to at least 4 bytes so the ICV is 32-bit aligned.
 */
#include <linux/kernel.h>
#include <linux/math.h>
#include <linux/module.h>

#include "espvti.h"

#define ESP_HDR_LEN	8	/* SPI + sequence number */
#define ESP_TRAILER_LEN	2	/* pad length + next header */

static unsigned int espvti_align(const struct espvti_geom *g)
{
	return max_t(unsigned int, g->block, 4);
}

static unsigned int espvti_fixed(const struct espvti_geom *g)
{
	return g->outer_hdr + g->encap_hdr + ESP_HDR_LEN + g->iv + g->icv;
}

/* Length on the wire of the ESP packet carrying @inner bytes. */
unsigned int espvti_outer_len(const struct espvti_geom *g, unsigned int inner)
{
	return espvti_fixed(g) + ALIGN(inner + ESP_TRAILER_LEN, espvti_align(g));
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_outer_len);

/*
 * The largest inner packet whose ESP packet is at most @outer_mtu bytes,
 * or 0 when not even an empty one fits.
 */
unsigned int espvti_inner_mtu(const struct espvti_geom *g, unsigned int outer_mtu)
{
	unsigned int fixed = espvti_fixed(g), room;

	if (outer_mtu < fixed + ESP_TRAILER_LEN)
		return 0;
	room = rounddown(outer_mtu - fixed, espvti_align(g));
	if (room < ESP_TRAILER_LEN)
		return 0;
	return room - ESP_TRAILER_LEN;
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_inner_mtu);

/*
 * The largest overhead espvti can have: IPv6 outer header, ESP in UDP,
 * AES-CBC (16-byte IV and block) with a 16-byte ICV. An interface whose
 * tunnel is not yet known starts with the MTU that this leaves of 1500.
 */
const struct espvti_geom espvti_geom_worst = {
	.outer_hdr = 40,
	.encap_hdr = 8,
	.iv = 16,
	.icv = 16,
	.block = 16,
};
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_geom_worst);
