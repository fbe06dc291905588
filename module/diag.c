// SPDX-License-Identifier: GPL-2.0
/*
 * What `espvti diagnose` needs that the counters cannot tell: the last
 * unknown SPI, how far behind the last replay drop was, the largest packet
 * the path took when one was too big, the last flow the selectors refused,
 * and a ring of recent events (carrier changes, SA removals).
 *
 * The packet path pays a store at most, and only when it drops a packet:
 * WRITE_ONCE of a number, or a copy of the flow when no one else holds the
 * lock (a trylock: a drop never waits). The ring changes under RTNL, where
 * its events happen, and is read under RTNL (DEV_GET).
 */
#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include <net/netlink.h>

#include "espvti.h"

void espvti_diag_init(struct espvti_diag *d)
{
	spin_lock_init(&d->lock);
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_diag_init);

/* ESP from the peer for no SA of ours: its SPI. */
void espvti_diag_unknown_spi(struct espvti_dev *edev, __be32 spi)
{
	WRITE_ONCE(edev->diag.unknown_spi, ntohl(spi));
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_diag_unknown_spi);

/* A replayed or too old packet, @behind the newest number received. */
void espvti_diag_replay(struct espvti_dev *edev, u64 behind)
{
	WRITE_ONCE(edev->diag.replay_behind, (u32)min_t(u64, behind, U32_MAX));
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_diag_replay);

/* A packet too big for the path, where @mtu bytes would have fitted. */
void espvti_diag_too_big(struct espvti_dev *edev, unsigned int mtu)
{
	WRITE_ONCE(edev->diag.too_big_mtu, mtu);
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_diag_too_big);

/*
 * A flow the selectors refused, @dir as it travelled; @fl as the selectors
 * see it (an inbound one reversed). Dropped when the lock is busy.
 */
void espvti_diag_refused(struct espvti_dev *edev, const struct espvti_flow *fl, u8 dir)
{
	struct espvti_diag *d = &edev->diag;
	unsigned long flags;

	if (!spin_trylock_irqsave(&d->lock, flags))
		return;
	d->refused = *fl;
	if (dir == ESPVTI_SA_DIR_IN)
		espvti_flow_reverse(&d->refused);
	d->refused_dir = dir;
	spin_unlock_irqrestore(&d->lock, flags);
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_diag_refused);

/*
 * An event (enum espvti_event_type) into the ring, over the oldest once
 * it is full; @sa and @reason for ESPVTI_EVENT_SA_DEL. RTNL held.
 */
void espvti_diag_event(struct espvti_dev *edev, u8 type, const struct espvti_sa *sa, u8 reason)
{
	struct espvti_diag *d = &edev->diag;
	struct espvti_diag_event *ev = &d->ev[d->n_ev % ESPVTI_DIAG_EVENTS];

	ASSERT_RTNL();
	ev->at = ktime_get_boottime_ns();
	ev->type = type;
	ev->dir = sa ? sa->dir : 0;
	ev->spi = sa ? ntohl(sa->spi) : 0;
	ev->reason = reason;
	d->n_ev++;
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_diag_event);

static int espvti_diag_put_event(struct sk_buff *skb, const struct espvti_diag_event *ev,
				 u64 now)
{
	struct nlattr *nest = nla_nest_start(skb, ESPVTI_DIAG_A_EVENT);

	if (!nest ||
	    nla_put_u8(skb, ESPVTI_EVENT_A_TYPE, ev->type) ||
	    nla_put_u64_64bit(skb, ESPVTI_EVENT_A_AGE_MS,
			      div_u64(now - ev->at, NSEC_PER_MSEC), 0))
		return -EMSGSIZE;
	if (ev->type == ESPVTI_EVENT_SA_DEL &&
	    (nla_put_u8(skb, ESPVTI_EVENT_A_DIR, ev->dir) ||
	     nla_put_u32(skb, ESPVTI_EVENT_A_SPI, ev->spi) ||
	     nla_put_u8(skb, ESPVTI_EVENT_A_REASON, ev->reason)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* The nest ESPVTI_A_DIAG of a DEV_GET reply; RTNL held. */
int espvti_diag_put(struct sk_buff *skb, struct espvti_dev *edev)
{
	struct espvti_diag *d = &edev->diag;
	u32 spi = READ_ONCE(d->unknown_spi);
	u32 behind = READ_ONCE(d->replay_behind);
	u32 mtu = READ_ONCE(d->too_big_mtu);
	u64 now = ktime_get_boottime_ns();
	unsigned long flags;
	struct espvti_flow fl;
	struct nlattr *nest;
	unsigned int i, n;
	u8 dir;

	ASSERT_RTNL();
	nest = nla_nest_start(skb, ESPVTI_A_DIAG);
	if (!nest)
		return -EMSGSIZE;
	if ((spi && nla_put_u32(skb, ESPVTI_DIAG_A_UNKNOWN_SPI, spi)) ||
	    (behind && nla_put_u32(skb, ESPVTI_DIAG_A_REPLAY_BEHIND, behind)) ||
	    (mtu && nla_put_u32(skb, ESPVTI_DIAG_A_TOO_BIG_MTU, mtu)))
		goto cancel;
	spin_lock_irqsave(&d->lock, flags);
	fl = d->refused;
	dir = d->refused_dir;
	spin_unlock_irqrestore(&d->lock, flags);
	if (dir && (espvti_nl_put_flow(skb, ESPVTI_DIAG_A_REFUSED, &fl) ||
		    nla_put_u8(skb, ESPVTI_DIAG_A_REFUSED_DIR, dir)))
		goto cancel;
	n = min_t(unsigned int, d->n_ev, ESPVTI_DIAG_EVENTS);
	for (i = d->n_ev - n; i != d->n_ev; i++)
		if (espvti_diag_put_event(skb, &d->ev[i % ESPVTI_DIAG_EVENTS], now))
			goto cancel;
	nla_nest_end(skb, nest);
	return 0;

cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_diag_put);
