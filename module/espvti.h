/* SPDX-License-Identifier: GPL-2.0 */
/*
 * espvti: route-based IPsec interfaces.
 *
 * The one header the module's files share, sectioned by the file that
 * implements each part.
 */
#ifndef _ESPVTI_H
#define _ESPVTI_H

#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/types.h>
#include <net/genetlink.h>
#include <net/netns/generic.h>

#include <linux/espvti.h>

#define ESPVTI_VERSION "0.1.0"

/*
 * Pure logic that the KUnit suites (a separate module) test in place: it
 * is exported, in its own symbol namespace, only when the kernel has KUnit.
 */
#if IS_ENABLED(CONFIG_KUNIT)
#define EXPORT_SYMBOL_IF_ESPVTI_KUNIT(sym) EXPORT_SYMBOL_NS_GPL(sym, ESPVTI_KUNIT)
#else
#define EXPORT_SYMBOL_IF_ESPVTI_KUNIT(sym)
#endif

/* main.c: per-namespace state */
struct espvti_net {
	struct list_head devs;	/* espvti_dev.list; RTNL */
	unsigned int gen;	/* bumped on every change of devs, for dumps */
};

extern unsigned int espvti_net_id;

static inline struct espvti_net *espvti_pernet(const struct net *net)
{
	return net_generic(net, espvti_net_id);
}

/* device.c: the netdevice */
struct espvti_dev {
	struct net_device *dev;
	struct list_head list;	/* in espvti_net.devs */
	u32 id;			/* unique, stable across renames and moves */
};

extern struct rtnl_link_ops espvti_link_ops;

static inline bool netif_is_espvti(const struct net_device *dev)
{
	return dev->rtnl_link_ops == &espvti_link_ops;
}

int espvti_device_init(void);
void espvti_device_uninit(void);
void espvti_device_delete_net(struct net *net, struct list_head *kill);

/* mtu.c: ESP size arithmetic */
struct espvti_geom {
	u16 outer_hdr;		/* 20 (IPv4) or 40 (IPv6) */
	u16 encap_hdr;		/* 0, or 8 for ESP in UDP */
	u16 iv;			/* IV bytes carried in each packet */
	u16 icv;		/* ICV bytes */
	u16 block;		/* cipher block size; ESP aligns to at least 4 */
};

unsigned int espvti_outer_len(const struct espvti_geom *g, unsigned int inner);
unsigned int espvti_inner_mtu(const struct espvti_geom *g, unsigned int outer_mtu);
extern const struct espvti_geom espvti_geom_worst;

/* replay.c: sequence numbers and the anti-replay window */
#define ESPVTI_REPLAY_MAX_WINDOW 65536

enum espvti_replay_verdict {
	ESPVTI_REPLAY_OK,
	ESPVTI_REPLAY_ZERO,	/* sequence number 0 is never valid */
	ESPVTI_REPLAY_TOO_OLD,	/* left of the window */
	ESPVTI_REPLAY_REPLAYED,	/* seen already */
};

struct espvti_replay {
	u64 top;		/* the highest number accepted; 0: none yet */
	u32 window;		/* packets; 0: anti-replay off */
	u32 mask;		/* blocks in bitmap - 1; a power of 2 - 1 */
	u64 bitmap[];		/* bit n of block b: number 64 b + n seen */
};

size_t espvti_replay_size(u32 window);
void espvti_replay_init(struct espvti_replay *r, u32 window);
u64 espvti_replay_seq(const struct espvti_replay *r, u32 lo, bool esn);
enum espvti_replay_verdict espvti_replay_check(const struct espvti_replay *r, u64 seq);
enum espvti_replay_verdict espvti_replay_advance(struct espvti_replay *r, u64 seq);
u64 espvti_seq_next(u64 *last, bool esn);

/* netlink.c: the generic netlink family */
int espvti_genl_init(void);
void espvti_genl_uninit(void);
extern const struct nla_policy espvti_genl_policy[];

#endif /* _ESPVTI_H */
