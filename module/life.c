// SPDX-License-Identifier: GPL-2.0
/*
 * SA lifetimes (RFC 4301 section 4.4.2.1): soft and hard limits on the
 * time since the SA was added, the time since its first packet, bytes and
 * packets. Pure arithmetic, no locking: sa.c calls it under the SA's lock
 * and acts on the verdicts.
 */
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/time64.h>

#include "espvti.h"

static bool espvti_life_counted(const struct espvti_life *lim, const struct espvti_lstate *l)
{
	return (lim->packets && l->packets >= lim->packets) ||
	       (lim->bytes && l->bytes >= lim->bytes);
}

/* The time @lim allows, from @start; 0 when none. */
static u64 espvti_life_deadline(u64 start, u64 secs)
{
	if (!start || !secs)
		return 0;
	/* div_u64: a 32-bit kernel has no 64-bit division (__udivdi3). */
	if (secs > div_u64(U64_MAX - start, NSEC_PER_SEC))
		return U64_MAX;
	return start + secs * NSEC_PER_SEC;
}

static void espvti_life_next(u64 deadline, u64 now, u64 *next)
{
	if (deadline > now && (!*next || deadline < *next))
		*next = deadline;
}

/* ESPVTI_LIFE_SOFT and ESPVTI_LIFE_HARD of @lim, at @now (ns, boottime). */
static unsigned int espvti_life_limit(const struct espvti_life *lim,
				      const struct espvti_lstate *l, u64 now,
				      unsigned int which, u64 *next)
{
	u64 add = espvti_life_deadline(l->add_ns, lim->add_secs);
	u64 use = espvti_life_deadline(l->use_ns, lim->use_secs);

	espvti_life_next(add, now, next);
	espvti_life_next(use, now, next);
	if ((add && add <= now) || (use && use <= now) || espvti_life_counted(lim, l))
		return which;
	return 0;
}

/*
 * Which limits @l has reached at @now: ESPVTI_LIFE_SOFT, ESPVTI_LIFE_HARD.
 * @next: the earliest time limit still ahead, 0 when none.
 */
unsigned int espvti_life_due(const struct espvti_lstate *l, u64 now, u64 *next)
{
	*next = 0;
	return espvti_life_limit(&l->soft, l, now, ESPVTI_LIFE_SOFT, next) |
	       espvti_life_limit(&l->hard, l, now, ESPVTI_LIFE_HARD, next);
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_life_due);

/*
 * One packet of @len bytes at @now (only read on the SA's first packet).
 * Returns ESPVTI_LIFE_REFUSE when a hard count was reached by earlier
 * packets (this one is not counted); otherwise counts it and returns the
 * limits it reaches (ESPVTI_LIFE_SOFT, ESPVTI_LIFE_HARD: the last packet
 * allowed) and ESPVTI_LIFE_KICK when time limits start to run (the first
 * packet, with a use-time limit).
 */
unsigned int espvti_life_count(struct espvti_lstate *l, unsigned int len, u64 now)
{
	unsigned int ret = 0;

	if (espvti_life_counted(&l->hard, l))
		return ESPVTI_LIFE_REFUSE | ESPVTI_LIFE_HARD;
	if (!l->use_ns) {
		l->use_ns = now ?: 1;
		if (l->soft.use_secs || l->hard.use_secs)
			ret |= ESPVTI_LIFE_KICK;
	}
	l->packets++;
	l->bytes += len;
	if (espvti_life_counted(&l->hard, l))
		ret |= ESPVTI_LIFE_HARD;
	if (espvti_life_counted(&l->soft, l))
		ret |= ESPVTI_LIFE_SOFT;
	return ret;
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_life_count);

/* NULL when @soft and @hard make sense together, else why not. */
const char *espvti_life_check(const struct espvti_life *soft, const struct espvti_life *hard)
{
	if ((soft->add_secs && hard->add_secs && soft->add_secs >= hard->add_secs) ||
	    (soft->use_secs && hard->use_secs && soft->use_secs >= hard->use_secs) ||
	    (soft->bytes && hard->bytes && soft->bytes >= hard->bytes) ||
	    (soft->packets && hard->packets && soft->packets >= hard->packets))
		return "SA lifetime: a soft limit must be below its hard limit";
	return NULL;
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_life_check);

/*
 * The delay, in jiffies, of a timer for @next (ns) seen at @now: at least
 * one jiffy, at most ESPVTI_LIFE_MAX_WAIT_SECS (the work re-arms itself
 * then). Without the cap a lifetime of weeks would not fit a 32-bit
 * unsigned long of jiffies and, truncated, would fire at once, every tick.
 */
unsigned long espvti_life_wait(u64 next, u64 now)
{
	u64 ns = next > now ? next - now : 0;

	ns = min_t(u64, ns, (u64)ESPVTI_LIFE_MAX_WAIT_SECS * NSEC_PER_SEC);
	return (unsigned long)nsecs_to_jiffies64(ns) + 1;
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_life_wait);
