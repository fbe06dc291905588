// SPDX-License-Identifier: GPL-2.0
/*
 * ESP sequence numbers: the outbound counter that never wraps (RFC 4303
 * section 3.3.3), the inference of the high half of an extended sequence
 * number on receive (RFC 4303 appendix A2.2) and the anti-replay window
 * (RFC 4303 section 3.4.3), kept as a ring of 64-bit blocks so that
 * advancing it never shifts a bitmap (RFC 6479).
 *
 * The receive path checks a packet against the window before decrypting it
 * (cheap rejection), and checks again and advances the window only after
 * the packet authenticated, under the SA's lock: a forged packet can never
 * move the window.
 */
#include <linux/bitops.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/string.h>

#include "espvti.h"

#define BLOCK_BITS 64

static u32 espvti_replay_blocks(u32 window)
{
	/* One block more than the window needs: the one being filled. */
	return roundup_pow_of_two(DIV_ROUND_UP(window, BLOCK_BITS) + 1);
}

/* The allocation that espvti_replay_init() needs for @window packets. */
size_t espvti_replay_size(u32 window)
{
	return sizeof(struct espvti_replay) +
	       array_size(espvti_replay_blocks(window), sizeof(u64));
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_replay_size);

void espvti_replay_init(struct espvti_replay *r, u32 window)
{
	u32 blocks = espvti_replay_blocks(window);

	r->top = 0;
	r->window = window;
	r->mask = blocks - 1;
	memset(r->bitmap, 0, blocks * sizeof(r->bitmap[0]));
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_replay_init);

/*
 * The full sequence number of a packet that carries @lo: itself without
 * ESN; with ESN, the high half that places it in or after the window
 * (RFC 4303 appendix A2.2). Without a window (anti-replay off), the
 * candidate nearest the highest number seen.
 */
u64 espvti_replay_seq(const struct espvti_replay *r, u32 lo, bool esn)
{
	u32 tl = lower_32_bits(r->top), th = upper_32_bits(r->top);
	u32 w = r->window ?: 1U << 31;
	u32 bottom = tl - w + 1;	/* modulo 2^32 */

	if (!esn)
		return lo;
	if (tl >= w - 1) {
		/* The window lies within one subspace. */
		if (lo < bottom)
			th++;
	} else if (lo >= bottom && th) {
		/* The window spans two subspaces; @lo is in the lower one. */
		th--;
	}
	return (u64)th << 32 | lo;
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_replay_seq);

static bool espvti_replay_seen(const struct espvti_replay *r, u64 seq)
{
	return r->bitmap[(seq / BLOCK_BITS) & r->mask] & BIT_ULL(seq % BLOCK_BITS);
}

/* May a packet with sequence number @seq be accepted? Changes nothing. */
enum espvti_replay_verdict espvti_replay_check(const struct espvti_replay *r, u64 seq)
{
	if (!seq)
		return ESPVTI_REPLAY_ZERO;
	if (!r->window || seq > r->top)
		return ESPVTI_REPLAY_OK;
	if (r->top - seq >= r->window)
		return ESPVTI_REPLAY_TOO_OLD;
	if (espvti_replay_seen(r, seq))
		return ESPVTI_REPLAY_REPLAYED;
	return ESPVTI_REPLAY_OK;
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_replay_check);

/*
 * Check @seq again and, when it may be accepted, record it: for an
 * authenticated packet only, under the SA's lock.
 */
enum espvti_replay_verdict espvti_replay_advance(struct espvti_replay *r, u64 seq)
{
	enum espvti_replay_verdict v = espvti_replay_check(r, seq);
	u64 block, n;

	if (v != ESPVTI_REPLAY_OK)
		return v;
	if (seq > r->top) {
		/* Clear the blocks the window slides onto: at most all. */
		block = r->top / BLOCK_BITS;
		n = min_t(u64, seq / BLOCK_BITS - block, r->mask + 1);
		while (n--)
			r->bitmap[++block & r->mask] = 0;
		r->top = seq;
	}
	if (r->window)
		r->bitmap[(seq / BLOCK_BITS) & r->mask] |= BIT_ULL(seq % BLOCK_BITS);
	return ESPVTI_REPLAY_OK;
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_replay_advance);

/*
 * The next outbound sequence number after *@last, or 0 when the SA has
 * used them all: an SA never wraps (RFC 4303 section 3.3.3), it stops
 * sending and must be rekeyed.
 */
u64 espvti_seq_next(u64 *last, bool esn)
{
	if (*last >= (esn ? U64_MAX : U32_MAX))
		return 0;
	return ++*last;
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_seq_next);
