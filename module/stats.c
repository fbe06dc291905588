// SPDX-License-Identifier: GPL-2.0
/*
 * Counters: an interface's per CPU, so its packet path never shares a
 * cache line, summed when userspace asks; an SA's one copy of atomics (its
 * memory must not grow with the CPU count; its packets take its lock
 * anyway). Every dropped packet is counted under the reason it was dropped
 * for (enum espvti_stat).
 */
#include <linux/percpu.h>
#include <net/netlink.h>

#include "espvti.h"

struct espvti_stats __percpu *espvti_stats_alloc(void)
{
	struct espvti_stats __percpu *st;
	int cpu;

	st = alloc_percpu_gfp(struct espvti_stats, GFP_KERNEL_ACCOUNT);
	if (!st)
		return NULL;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(st, cpu)->syncp);
	return st;
}

void espvti_stats_inc(struct espvti_stats __percpu *st, enum espvti_stat i)
{
	struct espvti_stats *s = get_cpu_ptr(st);
	unsigned long flags;

	flags = u64_stats_update_begin_irqsave(&s->syncp);
	u64_stats_inc(&s->c[i]);
	u64_stats_update_end_irqrestore(&s->syncp, flags);
	put_cpu_ptr(st);
}

/* A packet of @len bytes: counter @pkts, and the bytes counter after it. */
void espvti_stats_packet(struct espvti_stats __percpu *st, enum espvti_stat pkts,
			 unsigned int len)
{
	struct espvti_stats *s = get_cpu_ptr(st);
	unsigned long flags;

	flags = u64_stats_update_begin_irqsave(&s->syncp);
	u64_stats_inc(&s->c[pkts]);
	u64_stats_add(&s->c[pkts + 1], len);
	u64_stats_update_end_irqrestore(&s->syncp, flags);
	put_cpu_ptr(st);
}

/* @sum: __ESPVTI_STAT_MAX counters. */
void espvti_stats_sum(struct espvti_stats __percpu *st, u64 *sum)
{
	unsigned int start, i;
	int cpu;

	memset(sum, 0, sizeof(u64) * __ESPVTI_STAT_MAX);
	for_each_possible_cpu(cpu) {
		const struct espvti_stats *s = per_cpu_ptr(st, cpu);
		u64 v[__ESPVTI_STAT_MAX];

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			for (i = 0; i < __ESPVTI_STAT_MAX; i++)
				v[i] = u64_stats_read(&s->c[i]);
		} while (u64_stats_fetch_retry(&s->syncp, start));
		for (i = 0; i < __ESPVTI_STAT_MAX; i++)
			sum[i] += v[i];
	}
}

/*
 * A nest @attr of every counter, less @base (the counts at the last reset,
 * or NULL): attribute N + 1 carries counter N.
 */
static int espvti_stats_put_sum(struct sk_buff *skb, int attr, const u64 *sum, const u64 *base)
{
	struct nlattr *nest;
	unsigned int i;

	nest = nla_nest_start(skb, attr);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < __ESPVTI_STAT_MAX; i++) {
		if (nla_put_u64_64bit(skb, i + 1, sum[i] - (base ? base[i] : 0), 0)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

int espvti_stats_put(struct sk_buff *skb, int attr, struct espvti_stats __percpu *st,
		     const u64 *base)
{
	u64 sum[__ESPVTI_STAT_MAX];

	espvti_stats_sum(st, sum);
	return espvti_stats_put_sum(skb, attr, sum, base);
}

/* An SA's counters: a single copy (espvti_sa.traffic, .drops), no base. */
int espvti_sa_stats_put(struct sk_buff *skb, int attr, const struct espvti_sa *sa)
{
	u64 sum[__ESPVTI_STAT_MAX];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sa->traffic); i++)
		sum[i] = atomic64_read(&sa->traffic[i]);
	for (i = 0; i < ARRAY_SIZE(sa->drops); i++)
		sum[ARRAY_SIZE(sa->traffic) + i] = (u32)atomic_read(&sa->drops[i]);
	return espvti_stats_put_sum(skb, attr, sum, NULL);
}

void espvti_sa_stats_reset(struct espvti_sa *sa)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sa->traffic); i++)
		atomic64_set(&sa->traffic[i], 0);
	for (i = 0; i < ARRAY_SIZE(sa->drops); i++)
		atomic_set(&sa->drops[i], 0);
}

/* One more packet dropped (or a dummy, a keepalive...) on @sa. */
void espvti_sa_stats_inc(struct espvti_sa *sa, enum espvti_stat i)
{
	BUILD_BUG_ON(ESPVTI_STAT_TX_PACKETS != 0);
	if (i < ARRAY_SIZE(sa->traffic))
		atomic64_inc(&sa->traffic[i]);
	else
		atomic_inc(&sa->drops[i - ARRAY_SIZE(sa->traffic)]);
}

/* A packet of @len bytes sent or delivered on @sa (@pkts: its counter). */
void espvti_sa_stats_packet(struct espvti_sa *sa, enum espvti_stat pkts, unsigned int len)
{
	atomic64_inc(&sa->traffic[pkts]);
	atomic64_add(len, &sa->traffic[pkts + 1]);
}
