/* SPDX-License-Identifier: GPL-2.0 */
/*
 * espvti: route-based IPsec interfaces.
 *
 * The one header the module's files share, sectioned by the file that
 * implements each part.
 */
#ifndef _ESPVTI_H
#define _ESPVTI_H

#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/rhashtable-types.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>
#include <net/dsfield.h>
#include <net/dst_cache.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/netns/generic.h>

#include <linux/espvti.h>

#include "compat.h"	/* kernel differences; ESPVTI_VERSION */

struct espvti_sa;
struct aead_request;
struct scatterlist;

/*
 * Pure logic that the KUnit suites (a separate module) test in place: it
 * is exported, in its own symbol namespace, only when the kernel has KUnit.
 */
/* The namespace is written as a string literal since 6.13, bare before. */
#ifdef ESPVTI_HAVE_NS_STRING
#define ESPVTI_KUNIT_NS "ESPVTI_KUNIT"
#else
#define ESPVTI_KUNIT_NS ESPVTI_KUNIT
#endif
#if IS_ENABLED(CONFIG_KUNIT)
#define EXPORT_SYMBOL_IF_ESPVTI_KUNIT(sym) EXPORT_SYMBOL_NS_GPL(sym, ESPVTI_KUNIT_NS)
#else
#define EXPORT_SYMBOL_IF_ESPVTI_KUNIT(sym)
#endif

/* main.c: per-namespace state */
#define ESPVTI_PEER_HASH_BITS	8
struct espvti_net {
	struct list_head devs;	/* espvti_dev.list: interfaces here; RTNL */
	unsigned int gen;	/* bumped on every change of devs, for dumps */
	/*
	 * Tunnels whose underlay is this namespace (espvti_dev.tunnel_list;
	 * changed under RTNL, read under RCU), and their inbound SAs by SPI.
	 */
	struct list_head tunnels;
	/*
	 * The same tunnels by their peer's address (espvti_dev.peer_node;
	 * RTNL, RCU): where ESP for no SA, an ICMP error or a datagram on a
	 * shared UDP socket came from, without a walk of every tunnel.
	 */
	struct hlist_head peers[1 << ESPVTI_PEER_HASH_BITS];
	struct rhashtable sa_in;
	/*
	 * SPI reservations of no interface yet (SPI_ALLOC without one: an IKE
	 * daemon's get_spi), on sa_in too; any interface whose underlay is
	 * this namespace may take one (espvti_sa.list; RTNL).
	 */
	struct list_head unbound;
	unsigned int n_unbound;
	/*
	 * Sockets that subscribed to events (subscribers.c: only where events
	 * are not multicast); changed under subscribers_lock, read under RCU.
	 */
	struct list_head subscribers;
	spinlock_t subscribers_lock;	/* guards subscribers, n_subscribers */
	unsigned int n_subscribers;
};

/*
 * At most, on one interface: outbound SAs (one is current; the others wait
 * to take over in a rekey) and SPI reservations not yet taken by an SA
 * (each lasts ESPVTI_SPI_RESERVE_SECS); in one namespace, reservations of
 * no interface. Inbound SAs need privilege over the underlay (design.rst,
 * "Privilege") and have no limit but the memory cgroup of who adds them:
 * every SA is charged to it.
 */
#define ESPVTI_MAX_SA_OUT	64
#define ESPVTI_MAX_RESERVED	1024
#define ESPVTI_MAX_UNBOUND	1024

/* Sockets subscribed to events in one namespace, at most. */
#define ESPVTI_MAX_SUBSCRIBERS	64

extern unsigned int espvti_net_id;

static inline struct espvti_net *espvti_pernet(const struct net *net)
{
	return net_generic(net, espvti_net_id);
}

union espvti_addr {
	__be32 v4;
	struct in6_addr v6;
};

static inline bool espvti_addr_eq(u16 family, const union espvti_addr *a,
				  const union espvti_addr *b)
{
	if (family == AF_INET)
		return a->v4 == b->v4;
	return ipv6_addr_equal(&a->v6, &b->v6);
}

static inline bool espvti_addr_any(u16 family, const union espvti_addr *a)
{
	return family == AF_INET ? !a->v4 : ipv6_addr_any(&a->v6);
}

/* The outer header's addresses of @skb (of @family); its DS field. */
static inline u8 espvti_outer(const struct sk_buff *skb, u16 family,
			      union espvti_addr *saddr, union espvti_addr *daddr)
{
	if (family == AF_INET) {
		saddr->v4 = ip_hdr(skb)->saddr;
		daddr->v4 = ip_hdr(skb)->daddr;
		return ipv4_get_dsfield(ip_hdr(skb));
	}
	saddr->v6 = ipv6_hdr(skb)->saddr;
	daddr->v6 = ipv6_hdr(skb)->daddr;
	return ipv6_get_dsfield(ipv6_hdr(skb));
}

/* An outer endpoint: address and UDP port (host order). */
struct espvti_ep {
	u16 family;
	u16 port;
	union espvti_addr addr;
};

/* stats.c: counters, per CPU, per interface and per SA */
struct espvti_stats {
	u64_stats_t c[__ESPVTI_STAT_MAX];
	struct u64_stats_sync syncp;
};

struct espvti_stats __percpu *espvti_stats_alloc(void);
void espvti_stats_inc(struct espvti_stats __percpu *st, enum espvti_stat i);
void espvti_stats_packet(struct espvti_stats __percpu *st, enum espvti_stat pkts,
			 unsigned int len);
void espvti_stats_sum(struct espvti_stats __percpu *st, u64 *sum);
int espvti_stats_put(struct sk_buff *skb, int attr, struct espvti_stats __percpu *st,
		     const u64 *base);
struct espvti_sa;
int espvti_sa_stats_put(struct sk_buff *skb, int attr, const struct espvti_sa *sa);
void espvti_sa_stats_reset(struct espvti_sa *sa);
void espvti_sa_stats_inc(struct espvti_sa *sa, enum espvti_stat i);
void espvti_sa_stats_packet(struct espvti_sa *sa, enum espvti_stat pkts, unsigned int len);

/* sel.c: selectors, the interface's SPD */
struct espvti_sel {
	u16 family;		/* AF_INET or AF_INET6 */
	u8 proto;		/* 0: any */
	u8 src_plen, dst_plen;
	union espvti_addr src, dst;
	u16 sport_min, sport_max, dport_min, dport_max;
};

/* What the selectors look at in a packet. */
struct espvti_flow {
	u16 family;
	u8 proto;
	bool ports;		/* sport and dport are known */
	union espvti_addr src, dst;
	u16 sport, dport;	/* ICMP: type and code */
};

struct espvti_spd {
	struct rcu_head rcu;
	unsigned int n;
	/* It has "everything" of IPv4, of IPv6 (espvti_spd_seal()). */
	bool all4, all6;
	struct espvti_sel sel[];
};

void espvti_spd_seal(struct espvti_spd *spd);

/*
 * @spd takes every packet of @protocol's family: the packet path need not
 * parse it for selectors (the default SPD, and any with 0/0 or ::/0).
 */
static inline bool espvti_spd_all(const struct espvti_spd *spd, __be16 protocol)
{
	return spd && (protocol == htons(ETH_P_IP) ? spd->all4 :
		       protocol == htons(ETH_P_IPV6) && spd->all6);
}

bool espvti_sel_match(const struct espvti_sel *sel, const struct espvti_flow *fl);
bool espvti_spd_match(const struct espvti_spd *spd, const struct espvti_flow *fl);
int espvti_flow_parse(struct sk_buff *skb, struct espvti_flow *fl);
void espvti_flow_reverse(struct espvti_flow *fl);
const char *espvti_sel_check(const struct espvti_sel *sel);
void espvti_sel_any(struct espvti_sel *sel, u16 family);

/*
 * The tunnel's outer addresses and encapsulation; replaced whole (under
 * RTNL), read under RCU.
 */
struct espvti_peer {
	struct rcu_head rcu;
	u16 family;		/* AF_INET or AF_INET6 */
	union espvti_addr local, remote;
	u8 encap;		/* enum espvti_encap */
	bool nat_follow;	/* remote and dport follow the peer's packets */
	u16 sport, dport;	/* ESP in UDP: ours, the peer's (host order) */
	u32 keepalive;		/* ESP in UDP: seconds, 0 off */
};

struct espvti_usock;

/* diag.c: what the counters cannot tell (espvti diagnose) */
struct espvti_diag_event {
	u64 at;			/* boottime, ns */
	u32 spi;		/* SA_DEL, host order */
	u8 type;		/* enum espvti_event_type */
	u8 dir, reason;		/* SA_DEL */
};

struct espvti_diag {
	/* Stored on the packet path when it drops; 0: never. */
	u32 unknown_spi;	/* the last SPI for no SA (host order) */
	u32 replay_behind;	/* the last replay drop: how far behind the top */
	u32 too_big_mtu;	/* the last too-big drop: the largest that fitted */
	spinlock_t lock;	/* refused, refused_dir; the packet path only tries */
	u8 refused_dir;		/* enum espvti_sa_dir; 0: none yet */
	struct espvti_flow refused;	/* as it travelled */
	/* Carrier changes and SA removals; RTNL. */
	struct espvti_diag_event ev[ESPVTI_DIAG_EVENTS];
	unsigned int n_ev;	/* events ever; the newest at (n_ev - 1) % size */
};

struct espvti_dev;
struct espvti_sa;
void espvti_diag_init(struct espvti_diag *d);
void espvti_diag_unknown_spi(struct espvti_dev *edev, __be32 spi);
void espvti_diag_replay(struct espvti_dev *edev, u64 behind);
void espvti_diag_too_big(struct espvti_dev *edev, unsigned int mtu);
void espvti_diag_refused(struct espvti_dev *edev, const struct espvti_flow *fl, u8 dir);
void espvti_diag_event(struct espvti_dev *edev, u8 type, const struct espvti_sa *sa, u8 reason);
int espvti_diag_put(struct sk_buff *skb, struct espvti_dev *edev);

/*
 * crypt.c: an ordered queue, an interface's packets of one direction in
 * flight, in the order they leave (outbound: their SAs' sequence numbers,
 * taken under sa->lock with this lock inside it; inbound: arrival).
 */
struct espvti_oq {
	spinlock_t lock;		/* list, n, flushing, rr, last, seen */
	struct list_head list;		/* espvti_pkt.node */
	unsigned int n;			/* on list */
	bool flushing;			/* a CPU is letting the head leave */
	u8 dir;				/* ESPVTI_SA_DIR_* */
	int rr;				/* the CPU the last hand-off went to */
	int serial;			/* the one CPU that flushes; -1: not chosen */
	struct napi_struct *napi;	/* or the NAPI whose poll flushes it */
	unsigned long last;		/* jiffies: the last large packet */
	unsigned long seen;		/* jiffies: the last packet */
	int deliver;			/* inbound: the NAPI's CPU; -1: where done */
	call_single_data_t csd;		/* inbound: schedules the NAPI on deliver */
	struct work_struct work;	/* a flush on serial; holds a device reference */
	struct net_device *dev;
};

void espvti_oq_init(struct espvti_oq *oq, struct net_device *dev, u8 dir,
		    struct napi_struct *napi);

/* device.c: the netdevice */
struct espvti_dev {
	struct net_device *dev;
	struct list_head list;	/* in espvti_net.devs */
	u32 id;			/* unique, stable across renames and moves */
	/*
	 * The underlay: the namespace the interface was created from, where
	 * its ESP is sent and received. No reference: the interface is
	 * deleted when that namespace goes away.
	 */
	struct net *net;
	struct list_head tunnel_list;	/* in espvti_net.tunnels of net */
	struct hlist_node peer_node;	/* in espvti_net.peers of net, with a peer */
	struct espvti_peer __rcu *peer;
	struct espvti_sa __rcu *sa_out;	/* the current outbound SA, on sa_outs */
	struct list_head sa_outs;	/* espvti_sa.list: outbound SAs; RTNL */
	struct list_head sa_in;		/* espvti_sa.list: inbound SAs; RTNL */
	unsigned int n_sa_out;		/* on sa_outs; RTNL */
	unsigned int n_reserved;	/* SPI reservations on sa_in; RTNL */
	unsigned int sa_gen;		/* bumped on SA changes, for dumps */
	struct espvti_spd __rcu *spd;
	unsigned int sel_gen;
	bool mtu_user;			/* the MTU was set by hand */
	bool mtu_auto;			/* espvti itself is setting it */
	struct espvti_stats __percpu *stats;
	u64 stats_base[__ESPVTI_STAT_MAX];	/* at the last STATS_RESET; RTNL */
	unsigned long acquire_at;	/* jiffies of the last acquire event */
	/* Its packets in flight, in order: [0] outbound, [1] inbound (crypt.c). */
	struct espvti_oq oq[2];
	struct napi_struct napi;	/* the inbound queue's flush and GRO */
	struct dst_cache dst_cache;
	/* ESP in UDP (udp.c) */
	struct espvti_usock *usock;	/* the socket, while encap is udp; RTNL */
	unsigned long last_tx;		/* jiffies: the last packet to the peer */
	struct delayed_work ka_work;	/* NAT keepalives */
	struct work_struct nat_work;	/* the peer moved: follow, report */
	spinlock_t nat_lock;		/* nat_seen, nat_pending */
	struct espvti_ep nat_seen;	/* where the last authentic packet came from */
	bool nat_pending;		/* nat follow: nat_seen, before the work moves peer */
	struct espvti_ep nat_reported;	/* nat follow 0: the last one reported; RTNL */
	struct espvti_diag diag;
};

extern struct rtnl_link_ops espvti_link_ops;

static inline bool netif_is_espvti(const struct net_device *dev)
{
	return dev->rtnl_link_ops == &espvti_link_ops;
}

int espvti_device_init(void);
void espvti_device_uninit(void);
void espvti_device_delete_net(struct net *net, struct list_head *kill);
void espvti_dev_update(struct espvti_dev *edev);
void espvti_dev_rehash(struct espvti_dev *edev);
struct espvti_dev *espvti_tunnel_find(struct net *net, u16 family,
				      const union espvti_addr *saddr,
				      const union espvti_addr *daddr);
struct hlist_head *espvti_peer_bucket(struct net *net, u16 family,
				      const union espvti_addr *remote);
void espvti_dev_set_mtu_auto(struct espvti_dev *edev, bool on);
void espvti_count(struct espvti_dev *edev, struct espvti_sa *sa, enum espvti_stat why);
void espvti_count_ok(struct espvti_sa *sa, enum espvti_stat pkts, unsigned int len);
void espvti_tx_drop(struct espvti_dev *edev, struct espvti_sa *sa, struct sk_buff *skb,
		    enum espvti_stat why);
void espvti_rx_drop(struct espvti_dev *edev, struct espvti_sa *sa, struct sk_buff *skb,
		    enum espvti_stat why);

/* udp.c: ESP in UDP (RFC 3948) */
struct espvti_usock {
	struct list_head list;		/* all of them; RTNL */
	struct net *net;		/* the underlay; no reference */
	struct socket *sock;		/* our own; NULL when attached */
	struct sock *sk;		/* ours or userspace's (held) */
	u16 family, port;		/* port: host order */
	unsigned int users;		/* RTNL */
	bool attached;			/* userspace's socket (ESPVTI_A_ENCAP_FD) */
	/* A tunnel on it, to count what no peer of its sent on; RTNL, RCU. */
	struct espvti_dev __rcu *any;
	bool gone;			/* attached, and its owner closed it or took it back */
};

enum espvti_udp_kind {
	ESPVTI_UDP_ESP,
	ESPVTI_UDP_KEEPALIVE,		/* one byte, 0xff */
	ESPVTI_UDP_NON_ESP,		/* a zero SPI: the non-ESP marker (IKE) */
	ESPVTI_UDP_MALFORMED,		/* too short for ESP */
};

enum espvti_udp_kind espvti_udp_classify(const u8 *p, unsigned int len);
struct espvti_usock *espvti_udp_prepare(struct espvti_dev *edev, struct espvti_peer *peer,
					const struct nlattr *fd,
					struct netlink_ext_ack *extack);
u8 espvti_udp_socket_kind(const struct espvti_dev *edev);
bool espvti_usock_lost(struct espvti_usock *us);
void espvti_udp_commit(struct espvti_dev *edev, struct espvti_usock *us);
void espvti_nat_seen(struct espvti_dev *edev, u16 family, const union espvti_addr *saddr,
		     __be16 sport);
void espvti_udp_dev_init(struct espvti_dev *edev);
void espvti_udp_dev_uninit(struct espvti_dev *edev);

/* main.c: where SA expiry runs */
extern struct workqueue_struct *espvti_wq;

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

/* life.c: SA lifetimes */
struct espvti_life {
	u64 add_secs, use_secs, bytes, packets;	/* 0: no limit */
};

struct espvti_lstate {
	struct espvti_life soft, hard;
	u64 add_ns, use_ns;		/* boottime; use_ns 0: not used yet */
	u64 bytes, packets;
};

#define ESPVTI_LIFE_SOFT	BIT(0)
#define ESPVTI_LIFE_HARD	BIT(1)
#define ESPVTI_LIFE_REFUSE	BIT(2)
#define ESPVTI_LIFE_KICK	BIT(3)

unsigned int espvti_life_due(const struct espvti_lstate *l, u64 now, u64 *next);
unsigned int espvti_life_count(struct espvti_lstate *l, unsigned int len, u64 now);
const char *espvti_life_check(const struct espvti_life *soft, const struct espvti_life *hard);
/* The longest an SA's expiry timer waits before it looks again. */
#define ESPVTI_LIFE_MAX_WAIT_SECS	3600
unsigned long espvti_life_wait(u64 next, u64 now);

/* sa.c: security associations */
struct espvti_sa {
	struct rhash_head node;		/* inbound: in espvti_net.sa_in */
	struct list_head list;		/* in espvti_dev.sa_in or sa_outs */
	struct rcu_head rcu;
	refcount_t ref;
	struct espvti_dev *edev;	/* holds a reference on edev->dev */
	struct net *net;		/* edev NULL (unbound reservation): its namespace */
	netdevice_tracker dev_tracker;
	__be32 spi;
	u8 dir;				/* enum espvti_sa_dir */
	u8 alg;				/* enum espvti_alg */
	u8 iv_len, icv_len, block;
	bool esn;
	bool reserved;			/* an SPI_ALLOC reservation: no key */
	bool was_current;		/* outbound: has been current (RTNL) */
	struct crypto_aead *aead;
	/*
	 * Outbound, 8-byte IV (the counter modes): XORed into the sequence
	 * number to make the IV, random per SA, as seqiv's salt: IVs stay
	 * unique within the SA, and two SAs that share a key (a hand
	 * configuration with one key both ways) do not share nonces.
	 */
	u64 iv_salt;
	/*
	 * The SA's counters: one copy, not one per CPU (the memory of an SA
	 * must not grow with the machine; its packets take sa->lock anyway).
	 * Packets and bytes in 64 bits, drops in 32 (as xfrm's per-state
	 * counters: an SA's life is short). STATS_RESET zeroes them.
	 */
	atomic64_t traffic[ESPVTI_STAT_RX_BYTES + 1];
	atomic_t drops[__ESPVTI_STAT_MAX - ESPVTI_STAT_RX_BYTES - 1];
	struct delayed_work expire_work;	/* holds a reference while queued */
	spinlock_t lock;		/* seq_out, replay, life, the flags below */
	bool soft_due, hard_due;	/* a limit was reached on the packet path */
	bool soft_sent;			/* the soft expiry event went out */
	bool dead;			/* unlinked: no more expiry work */
	struct espvti_lstate life;
	u64 seq_out;			/* outbound: the last number used */
	struct espvti_replay replay;	/* inbound; must be last */
};

struct espvti_sa_cfg {
	__be32 spi;
	u8 dir, alg, icv_len;
	bool esn;
	struct espvti_life soft, hard;
	u32 window;
	u64 seq;
	const u8 *key, *auth_key;
	unsigned int key_len, auth_key_len;
};

extern const struct rhashtable_params espvti_sa_params;
struct espvti_sa *espvti_sa_create(struct espvti_dev *edev, const struct espvti_sa_cfg *cfg,
				   struct netlink_ext_ack *extack);
void espvti_sa_put(struct espvti_sa *sa);
int espvti_sa_insert(struct espvti_dev *edev, struct espvti_sa *sa, bool make_current,
		     struct netlink_ext_ack *extack);
struct espvti_sa *espvti_sa_find(struct espvti_dev *edev, u8 dir, __be32 spi);
void espvti_sa_unlink(struct espvti_dev *edev, struct espvti_sa *sa, u8 reason);
void espvti_sa_flush(struct espvti_dev *edev, u8 reason);
void espvti_sa_make_current(struct espvti_dev *edev, struct espvti_sa *sa);
void espvti_sa_set_life(struct espvti_sa *sa, const struct espvti_life *soft,
			const struct espvti_life *hard);
int espvti_sa_reserve(struct espvti_dev *edev, u32 min, u32 max, u32 *spi,
		      struct netlink_ext_ack *extack);
int espvti_sa_reserve_unbound(struct net *net, u32 min, u32 max, u32 *spi,
			      struct netlink_ext_ack *extack);
int espvti_sa_release_unbound(struct net *net, __be32 spi, struct netlink_ext_ack *extack);
void espvti_sa_unbound_flush(struct net *net);
bool espvti_sa_account(struct espvti_sa *sa, unsigned int len);
void espvti_sa_exhausted(struct espvti_sa *sa);
const char *espvti_alg_name(u8 alg);
u8 espvti_alg_default_icv(u8 alg);
void espvti_sa_geom(const struct espvti_sa *sa, u16 family, struct espvti_geom *g);

/* esp.c: ESP (RFC 4303) framing, for the AEAD requests of tx.c and rx.c */
#define ESPVTI_MAX_IV 16

/*
 * The room espvti_esp_frame() needs around an inner packet of @sa: in
 * front (ESP header, IV, the ESN bits while the request runs) and behind
 * (the most padding, pad length, next header, ICV).
 */
static inline unsigned int espvti_esp_headroom(const struct espvti_sa *sa)
{
	return sizeof(struct ip_esp_hdr) + sa->iv_len + sizeof(__be32);
}

static inline unsigned int espvti_esp_tailroom(const struct espvti_sa *sa)
{
	return sa->block - 1 + 2 + sa->icv_len;
}

int espvti_esp_frame_tail(struct espvti_sa *sa, struct sk_buff *skb, u8 proto,
			  unsigned int headroom);
void espvti_esp_frame_head(struct espvti_sa *sa, struct sk_buff *skb, u64 seq, const u8 *iv);
void espvti_esp_iv(struct espvti_sa *sa, u64 seq, u8 *iv);
int espvti_esp_frame(struct espvti_sa *sa, struct sk_buff *skb, u64 seq,
		     const u8 *iv, u8 proto, unsigned int headroom);
void espvti_esp_aad_push(struct espvti_sa *sa, struct sk_buff *skb, u64 seq);
void espvti_esp_aad_pop(struct espvti_sa *sa, struct sk_buff *skb);
int espvti_esp_req(struct espvti_sa *sa, struct aead_request *req, struct scatterlist *sg,
		   int nfrags, struct sk_buff *skb, u8 *iv, bool encrypt);
int espvti_esp_trailer(struct sk_buff *skb, unsigned int elen, unsigned int icv, u8 *nexthdr);

/* tx.c: the transmit path, ndo_start_xmit to the underlay */
struct espvti_tx_params {
	struct dst_entry *dst;		/* the outer route, one reference */
	union espvti_addr saddr, daddr;
	u16 family;
	u8 tos, ttl;
	bool df;
	u8 proto;			/* of the inner packet: IPIP or IPV6 */
	bool encap;			/* ESP in UDP, from sport to dport */
	__be16 sport, dport;
	u32 hash;			/* the outer packets' flow hash */
};

struct espvti_pkt;
netdev_tx_t espvti_xmit(struct sk_buff *skb, struct net_device *dev);
struct dst_entry *espvti_route(struct espvti_dev *edev, const struct espvti_peer *peer,
			       union espvti_addr *saddr);
int espvti_xmit_ip(struct espvti_dev *edev, struct sk_buff *skb,
		   const struct espvti_tx_params *p);
void espvti_tx_finish(struct espvti_pkt *pkt);

/* gso.c: TCP segmentation into recycled buffers, for tx.c */
int espvti_gso_init(void);
void espvti_gso_uninit(void);
struct sk_buff *espvti_gso_segment(struct sk_buff *skb, unsigned int headroom,
				   unsigned int tailroom);

/* rx.c: the receive path, the underlay to the interface */
void espvti_esp_input(struct espvti_sa *sa, struct sk_buff *skb, u8 outer_tos,
		      const union espvti_addr *saddr, __be16 sport);
void espvti_rx_advance(struct espvti_pkt *pkt);
void espvti_rx_finish(struct espvti_pkt *pkt);
int espvti_esp_init(void);
void espvti_esp_uninit(void);

/* crypt.c: one SA's crypto on every CPU, in order */
enum { ESPVTI_PKT_PENDING, ESPVTI_PKT_DONE };

/* A packet in flight: on an ordered queue, from framing to leaving. */
struct espvti_pkt {
	struct list_head node;		/* on its interface's queue (espvti_oq) */
	struct llist_node wnode;	/* on a crypto worker's list */
	struct espvti_pkt *bnext;	/* tx: the next of its batch */
	struct sk_buff *skb;
	struct espvti_sa *sa;		/* one reference */
	int state;			/* ESPVTI_PKT_*: PENDING until done */
	int err;			/* done: the crypto's result */
	enum espvti_stat why;		/* a drop decided on the way; else __ESPVTI_STAT_MAX */
	int nfrags;			/* scatterlist entries */
	int cpu;			/* where the crypto runs; -1: where queued */
	bool cached;			/* ESPVTI_PKT_SIZE bytes, from a CPU's cache */
	u16 home;			/* cached: the CPU whose cache it goes back to */
	unsigned int inner_len;
	u64 seq;
	union {
		struct espvti_tx_params tx;
		struct {
			u64 behind;		/* a replay drop: how far behind the top */
			u8 outer_tos;
			bool udp;		/* came in UDP, from saddr:sport */
			u16 family;
			__be16 sport;
			union espvti_addr saddr;
		} rx;
	};
	/* then: the IV, the aead_request, the scatterlist */
};

struct espvti_pkt *espvti_pkt_alloc(struct espvti_sa *sa, struct sk_buff *skb, int nfrags);
void espvti_pkt_free(struct espvti_pkt *pkt);
u8 *espvti_pkt_iv(const struct espvti_pkt *pkt);
int espvti_crypt_cpu(struct espvti_oq *oq, unsigned int len, unsigned int ahead);
bool espvti_oq_add(struct espvti_oq *oq, struct espvti_pkt *pkt);
void espvti_crypt_submit(struct espvti_pkt *pkt, int cpu);
void espvti_crypt_fail(struct espvti_pkt *pkt, enum espvti_stat why);
int espvti_rx_poll(struct napi_struct *napi, int budget);
int espvti_crypt_init(void);
void espvti_crypt_uninit(void);

/* The ordered queue @sa's packets join: its interface's for its direction. */
static inline struct espvti_oq *espvti_sa_oq(const struct espvti_sa *sa)
{
	return &sa->edev->oq[sa->dir == ESPVTI_SA_DIR_IN];
}

/* netlink.c: the generic netlink family */
int espvti_genl_init(void);
void espvti_genl_uninit(void);
extern const struct nla_policy espvti_genl_policy[];
extern const struct nla_policy espvti_sa_policy[];
extern const struct nla_policy espvti_sel_policy[];
extern const struct nla_policy espvti_life_policy[];
void espvti_nl_notify_dev(struct espvti_dev *edev);
void espvti_nl_notify_sa(struct espvti_dev *edev, struct espvti_sa *sa, u8 cmd,
			 int attr, u8 val);
void espvti_nl_acquire(struct espvti_dev *edev, const struct espvti_flow *fl);
int espvti_nl_put_flow(struct sk_buff *skb, int attr, const struct espvti_flow *fl);
void espvti_nl_nat_change(struct espvti_dev *edev, const struct espvti_ep *was,
			  const struct espvti_ep *now, bool followed);

/* subscribers.c: events by unicast, where the group cannot need privilege */
extern bool espvti_events_unicast;
int espvti_subscribers_add(struct net *net, u32 portid, struct netlink_ext_ack *extack);
bool espvti_subscribers_any(struct net *net);
void espvti_subscribers_send(struct net *net, struct sk_buff *msg, gfp_t gfp);
void espvti_subscribers_flush(struct net *net);
int espvti_subscribers_init(void);
void espvti_subscribers_uninit(void);

#endif /* _ESPVTI_H */
