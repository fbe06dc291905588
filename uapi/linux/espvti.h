/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * espvti: route-based IPsec interfaces, generic netlink API.
 *
 * Family "espvti". Every request is answered in the caller's network
 * namespace: an interface is named by ESPVTI_A_IFINDEX or ESPVTI_A_IFNAME.
 * Requests that change anything, SA_GET and joining the events group need
 * CAP_NET_ADMIN in the user namespace that owns the network namespace.
 *
 * Byte order: SPIs and numbers are host order; addresses are network order
 * (4 bytes for IPv4, 16 for IPv6). Keys are write-only: no reply ever
 * carries one.
 *
 * Events go to the multicast group ESPVTI_MCGRP_EVENTS, in the namespace
 * of the interface they are about: commands ending in _NTF.
 *
 * The source of truth for this API is Documentation/netlink/specs/espvti.yaml;
 * `make check` fails when this header or the kernel's policies drift from it.
 */
#ifndef _UAPI_LINUX_ESPVTI_H
#define _UAPI_LINUX_ESPVTI_H

#define ESPVTI_GENL_NAME	"espvti"
#define ESPVTI_GENL_VERSION	1
#define ESPVTI_MCGRP_EVENTS	"events"

/* The rtnl link kind: ip link add NAME type espvti */
#define ESPVTI_LINK_KIND	"espvti"

enum espvti_cmd {
	ESPVTI_CMD_UNSPEC,
	/*
	 * DEV_GET: with ESPVTI_A_IFINDEX or ESPVTI_A_IFNAME, one interface;
	 * as a dump, every espvti interface of the caller's namespace.
	 */
	ESPVTI_CMD_DEV_GET,
	/*
	 * DEV_SET: the tunnel's outer addresses, ESPVTI_A_LOCAL/REMOTE, and
	 * its encapsulation: ESPVTI_A_ENCAP, ENCAP_SPORT, ENCAP_DPORT,
	 * KEEPALIVE, NAT_FOLLOW (what is not given stays).
	 */
	ESPVTI_CMD_DEV_SET,
	/* SA_ADD: ESPVTI_A_SA. An outbound SA becomes the current one. */
	ESPVTI_CMD_SA_ADD,
	/*
	 * SA_DEL: ESPVTI_A_SA with ESPVTI_SA_A_DIR and ESPVTI_SA_A_SPI.
	 * Without an interface (DIR in): gives back the SPI that an
	 * SPI_ALLOC without one reserved in this namespace.
	 */
	ESPVTI_CMD_SA_DEL,
	/*
	 * SA_GET: one SA (ESPVTI_A_SA with DIR and SPI) or, as a dump, the SAs
	 * of one interface; never their keys.
	 */
	ESPVTI_CMD_SA_GET,
	/* SA_FLUSH: every SA of one interface. */
	ESPVTI_CMD_SA_FLUSH,
	/* SEL_ADD, SEL_DEL: ESPVTI_A_SEL; SEL_GET: dump; SEL_FLUSH. */
	ESPVTI_CMD_SEL_ADD,
	ESPVTI_CMD_SEL_DEL,
	ESPVTI_CMD_SEL_GET,
	ESPVTI_CMD_SEL_FLUSH,
	/*
	 * SA_SET: ESPVTI_A_SA naming an SA by DIR and SPI; changes its
	 * lifetimes (SOFT, HARD) or, with CURRENT 1, makes an installed
	 * outbound SA the current one. Nothing else of an SA changes.
	 */
	ESPVTI_CMD_SA_SET,
	/* STATS_GET: the interface's counters (ESPVTI_A_STATS). */
	ESPVTI_CMD_STATS_GET,
	/* STATS_RESET: zero the counters of the interface and its SAs. */
	ESPVTI_CMD_STATS_RESET,
	/*
	 * SPI_ALLOC: reserve a free random inbound SPI on the interface,
	 * within ESPVTI_A_SPI_MIN..MAX (default 256..U32_MAX). The reply
	 * carries it in ESPVTI_A_SA. The reservation lasts
	 * ESPVTI_SPI_RESERVE_SECS unless an inbound SA_ADD on the same
	 * interface takes it. Without an interface (an IKE daemon that does
	 * not know it yet), the SPI is reserved in this namespace's table of
	 * inbound SAs, and an inbound SA_ADD on any interface whose underlay
	 * is this namespace may take it (at most 1024 such at once in a
	 * namespace); SA_DEL without an interface gives it back.
	 */
	ESPVTI_CMD_SPI_ALLOC,

	/* Events: the interface's tunnel state changed (carrier). */
	ESPVTI_CMD_DEV_CHANGE_NTF,
	/* An SA was added; ESPVTI_A_SA without keys. */
	ESPVTI_CMD_SA_ADD_NTF,
	/* An SA was removed; ESPVTI_A_REASON says why. */
	ESPVTI_CMD_SA_DEL_NTF,
	/* An SA reached a lifetime; ESPVTI_A_EXPIRE: soft or hard. */
	ESPVTI_CMD_SA_EXPIRE_NTF,
	/*
	 * Traffic was routed into an interface without a usable outbound SA:
	 * ESPVTI_A_FLOW is the packet's flow. At most one a second per
	 * interface.
	 */
	ESPVTI_CMD_ACQUIRE_NTF,
	/*
	 * An authenticated packet came from another outer address or UDP
	 * port than the peer's (NAT-T): ESPVTI_A_OLD_REMOTE, OLD_DPORT (the
	 * peer's endpoint before), REMOTE, ENCAP_DPORT (where the packet came
	 * from), NAT_FOLLOW (1: the tunnel now sends there).
	 */
	ESPVTI_CMD_NAT_CHANGE_NTF,
	/*
	 * EVENTS_SUBSCRIBE: where the module sends events by unicast (kernels
	 * on which joining the "events" group cannot require CAP_NET_ADMIN),
	 * the events of the namespace come to the requesting socket from now
	 * until it closes. Elsewhere EOPNOTSUPP: join the group.
	 */
	ESPVTI_CMD_EVENTS_SUBSCRIBE,

	__ESPVTI_CMD_MAX,
	ESPVTI_CMD_MAX = __ESPVTI_CMD_MAX - 1,
};

enum espvti_attr {
	ESPVTI_A_UNSPEC,
	ESPVTI_A_IFINDEX,	/* u32 */
	ESPVTI_A_IFNAME,	/* string, < IFNAMSIZ */
	ESPVTI_A_ID,		/* u32, assigned at creation, stable across renames */
	ESPVTI_A_MTU,		/* u32 */
	ESPVTI_A_OPER_UP,	/* u8: 1 when the interface is up and has carrier */
	ESPVTI_A_CARRIER,	/* u8: 1 when the tunnel can carry traffic */
	ESPVTI_A_LOCAL,		/* binary, 4 or 16: outer source address */
	ESPVTI_A_REMOTE,	/* binary, 4 or 16: outer destination (the peer) */
	ESPVTI_A_LINK_NETNSID,	/* s32: the underlay namespace, when elsewhere */
	ESPVTI_A_STATS,		/* nest of u64, indexed by enum espvti_stat */
	ESPVTI_A_SA,		/* nest, enum espvti_sa_attr */
	ESPVTI_A_SEL,		/* nest, enum espvti_sel_attr */
	ESPVTI_A_SPI_MIN,	/* u32, SPI_ALLOC: the lowest SPI wanted (>= 256) */
	ESPVTI_A_SPI_MAX,	/* u32, SPI_ALLOC: the highest */
	ESPVTI_A_REASON,	/* u8, SA_DEL_NTF: enum espvti_del_reason */
	ESPVTI_A_EXPIRE,	/* u8, SA_EXPIRE_NTF: enum espvti_expire */
	ESPVTI_A_FLOW,		/* nest, ACQUIRE_NTF: enum espvti_sel_attr, exact */
	ESPVTI_A_ENCAP,		/* u8, enum espvti_encap (default none) */
	ESPVTI_A_ENCAP_SPORT,	/* u16: our UDP port (default 4500) */
	ESPVTI_A_ENCAP_DPORT,	/* u16: the peer's UDP port (default 4500) */
	ESPVTI_A_KEEPALIVE,	/* u32: NAT keepalive interval, seconds; 0 off */
	ESPVTI_A_NAT_FOLLOW,	/* u8: 1 (default) the peer's endpoint follows NAT */
	ESPVTI_A_OLD_REMOTE,	/* binary, NAT_CHANGE_NTF: the peer's address before */
	ESPVTI_A_OLD_DPORT,	/* u16, NAT_CHANGE_NTF: the peer's port before */
	ESPVTI_A_ENCAP_FD,	/* u32, DEV_SET: the caller's bound UDP socket to use */
	ESPVTI_A_ENCAP_SOCKET,	/* u8, DEV_GET: enum espvti_encap_socket */
	/*
	 * u8: 1 when the MTU follows the current SA and the underlay path, 0
	 * when it was set by hand (ip link set DEV mtu N). DEV_SET with 1 hands
	 * the MTU back to espvti; with 0 it keeps the present MTU as the user's.
	 */
	ESPVTI_A_MTU_AUTO,
	/*
	 * nest, DEV_GET replies to a caller with CAP_NET_ADMIN: enum
	 * espvti_diag_attr, what the counters cannot tell (espvti diagnose):
	 * the last unknown SPI, the last replay drop's distance, the last flow
	 * the selectors refused, recent events.
	 */
	ESPVTI_A_DIAG,

	__ESPVTI_A_MAX,
	ESPVTI_A_MAX = __ESPVTI_A_MAX - 1,
};

/* How ESP travels (ESPVTI_A_ENCAP). */
enum espvti_encap {
	ESPVTI_ENCAP_NONE,		/* IP protocol 50 */
	ESPVTI_ENCAP_UDP,		/* ESP in UDP, RFC 3948 */
};

/*
 * Whose UDP socket an encap udp tunnel receives on (ESPVTI_A_ENCAP_SOCKET):
 * the module's own, one that userspace handed in (ESPVTI_A_ENCAP_FD, an IKE
 * daemon's: non-ESP-marker datagrams go on to it), or none any more (the
 * handed-in socket was closed: no carrier until one is set again).
 */
enum espvti_encap_socket {
	ESPVTI_ENCAP_SOCKET_NONE,
	ESPVTI_ENCAP_SOCKET_OWN,
	ESPVTI_ENCAP_SOCKET_ATTACHED,
};

/* ESP in UDP defaults, and the largest keepalive interval. */
#define ESPVTI_ENCAP_PORT	4500
#define ESPVTI_KEEPALIVE_MAX	3600

enum espvti_sa_dir {
	ESPVTI_SA_DIR_IN = 1,
	ESPVTI_SA_DIR_OUT = 2,
};

/* How long an SPI from SPI_ALLOC stays reserved, unused. */
#define ESPVTI_SPI_RESERVE_SECS	60

enum espvti_del_reason {
	ESPVTI_DEL_REQUESTED = 1,	/* SA_DEL */
	ESPVTI_DEL_EXPIRED,		/* a hard lifetime, or sequence numbers used up */
	ESPVTI_DEL_FLUSHED,		/* SA_FLUSH */
	ESPVTI_DEL_DEV_GONE,		/* the interface was deleted */
};

enum espvti_expire {
	ESPVTI_EXPIRE_SOFT = 1,		/* time to rekey; the SA still works */
	ESPVTI_EXPIRE_HARD,		/* the SA is removed */
};

enum espvti_alg {
	ESPVTI_ALG_UNSPEC,
	/* rfc4106(gcm(aes)): KEY is the AES key (16 or 32) + a 4-byte salt */
	ESPVTI_ALG_AES_GCM,
	/* rfc7539esp(chacha20,poly1305): KEY is 32 bytes + a 4-byte salt */
	ESPVTI_ALG_CHACHA20_POLY1305,
	/* authenc(hmac(sha256),cbc(aes)): KEY (16, 24 or 32), AUTH_KEY (32) */
	ESPVTI_ALG_AES_CBC_HMAC_SHA256,
	/* rfc4543(gcm(aes)), authentication only: KEY (16 or 32) + 4-byte salt */
	ESPVTI_ALG_AES_GMAC,
	/* authenc(hmac(sha1),cbc(aes)): KEY (16, 24 or 32), AUTH_KEY (20); ICV 12 */
	ESPVTI_ALG_AES_CBC_HMAC_SHA1,
	/* authenc(hmac(sha384),cbc(aes)): KEY (16, 24 or 32), AUTH_KEY (48); ICV 24 */
	ESPVTI_ALG_AES_CBC_HMAC_SHA384,
	/* authenc(hmac(sha512),cbc(aes)): KEY (16, 24 or 32), AUTH_KEY (64); ICV 32 */
	ESPVTI_ALG_AES_CBC_HMAC_SHA512,

	__ESPVTI_ALG_MAX,
	ESPVTI_ALG_MAX = __ESPVTI_ALG_MAX - 1,
};

enum espvti_sa_attr {
	ESPVTI_SA_A_UNSPEC,
	ESPVTI_SA_A_DIR,		/* u8, enum espvti_sa_dir */
	ESPVTI_SA_A_SPI,		/* u32, 256 and up (1..255 are reserved) */
	ESPVTI_SA_A_ALG,		/* u8, enum espvti_alg */
	ESPVTI_SA_A_KEY,		/* binary, write-only */
	ESPVTI_SA_A_AUTH_KEY,		/* binary, write-only */
	ESPVTI_SA_A_ICV_LEN,		/* u8: 8, 12 or 16 (AES-GCM); the HMAC's; 16 */
	ESPVTI_SA_A_ESN,		/* u8: 1 for 64-bit sequence numbers */
	ESPVTI_SA_A_REPLAY_WINDOW,	/* u32: packets, 0 (off) .. 65536 */
	/*
	 * SEQ, u64: outbound, the last number used (on add: where to start);
	 * inbound, in replies: the highest number received.
	 */
	ESPVTI_SA_A_SEQ,
	/*
	 * CURRENT, u8, outbound: the current SA. SA_ADD with 0 installs it
	 * without switching (default 1); SA_SET with 1 switches.
	 */
	ESPVTI_SA_A_CURRENT,
	ESPVTI_SA_A_STATS,		/* nest of u64, indexed by enum espvti_stat */
	ESPVTI_SA_A_SOFT,		/* nest, enum espvti_life_attr: soft limits */
	ESPVTI_SA_A_HARD,		/* nest, enum espvti_life_attr: hard limits */
	ESPVTI_SA_A_AGE,		/* u64, in replies: seconds since added */
	ESPVTI_SA_A_USE_AGE,		/* u64, in replies: seconds since first used */
	ESPVTI_SA_A_BYTES,		/* u64, in replies: bytes protected so far */
	ESPVTI_SA_A_PACKETS,		/* u64, in replies: packets protected so far */
	ESPVTI_SA_A_SOFT_EXPIRED,	/* u8, in replies: 1 once soft expired */

	__ESPVTI_SA_A_MAX,
	ESPVTI_SA_A_MAX = __ESPVTI_SA_A_MAX - 1,
};

/*
 * SA lifetimes, soft and hard: absent or 0 is no limit. Soft expiry sends
 * one event; hard expiry removes the SA. A soft limit must be below its
 * hard one. Bytes count the inner packets (ESP payload on receive).
 */
enum espvti_life_attr {
	ESPVTI_LIFE_A_UNSPEC,
	ESPVTI_LIFE_A_ADD_SECS,		/* u64: seconds after the SA was added */
	ESPVTI_LIFE_A_USE_SECS,		/* u64: seconds after its first packet */
	ESPVTI_LIFE_A_BYTES,		/* u64 */
	ESPVTI_LIFE_A_PACKETS,		/* u64 */

	__ESPVTI_LIFE_A_MAX,
	ESPVTI_LIFE_A_MAX = __ESPVTI_LIFE_A_MAX - 1,
};

/*
 * A selector: traffic the tunnel carries. Absent fields match anything;
 * SRC and DST (with their prefix lengths) must be of one family.
 */
enum espvti_sel_attr {
	ESPVTI_SEL_A_UNSPEC,
	ESPVTI_SEL_A_FAMILY,		/* u16: AF_INET or AF_INET6 */
	ESPVTI_SEL_A_SRC,		/* binary, 4 or 16 */
	ESPVTI_SEL_A_SRC_PREFIX,	/* u8 */
	ESPVTI_SEL_A_DST,		/* binary, 4 or 16 */
	ESPVTI_SEL_A_DST_PREFIX,	/* u8 */
	ESPVTI_SEL_A_PROTO,		/* u8: IP protocol; 0 any */
	ESPVTI_SEL_A_SPORT_MIN,		/* u16 */
	ESPVTI_SEL_A_SPORT_MAX,		/* u16 */
	ESPVTI_SEL_A_DPORT_MIN,		/* u16 */
	ESPVTI_SEL_A_DPORT_MAX,		/* u16 */

	__ESPVTI_SEL_A_MAX,
	ESPVTI_SEL_A_MAX = __ESPVTI_SEL_A_MAX - 1,
};

/* The events an interface remembers (ESPVTI_DIAG_A_EVENT), at most. */
#define ESPVTI_DIAG_EVENTS	32

/*
 * ESPVTI_A_DIAG: what the interface saw last. Absent: never seen (since
 * the interface was created).
 */
enum espvti_diag_attr {
	ESPVTI_DIAG_A_UNSPEC,
	ESPVTI_DIAG_A_UNKNOWN_SPI,	/* u32: the last SPI from the peer for no SA */
	/* u32: the last replayed or too old packet, how far behind the newest */
	ESPVTI_DIAG_A_REPLAY_BEHIND,
	/* u32: the last packet too big for the path: the largest that fits */
	ESPVTI_DIAG_A_TOO_BIG_MTU,
	/* nest, enum espvti_sel_attr, exact: the last flow the selectors refused */
	ESPVTI_DIAG_A_REFUSED,
	ESPVTI_DIAG_A_REFUSED_DIR,	/* u8, enum espvti_sa_dir: of that flow */
	/* nest, enum espvti_event_attr, oldest first; up to ESPVTI_DIAG_EVENTS */
	ESPVTI_DIAG_A_EVENT,

	__ESPVTI_DIAG_A_MAX,
	ESPVTI_DIAG_A_MAX = __ESPVTI_DIAG_A_MAX - 1,
};

/* What an interface remembers (ESPVTI_EVENT_A_TYPE). */
enum espvti_event_type {
	ESPVTI_EVENT_CARRIER_ON = 1,	/* the tunnel can carry traffic */
	ESPVTI_EVENT_CARRIER_OFF,	/* it cannot: no outbound SA, peer or socket */
	ESPVTI_EVENT_SA_DEL,		/* an SA was removed: DIR, SPI, REASON */
	ESPVTI_EVENT_SA_ADD,		/* an SA was added (a rekey): DIR, SPI */
};

enum espvti_event_attr {
	ESPVTI_EVENT_A_UNSPEC,
	ESPVTI_EVENT_A_TYPE,		/* u8, enum espvti_event_type */
	ESPVTI_EVENT_A_AGE_MS,		/* u64: milliseconds ago */
	ESPVTI_EVENT_A_DIR,		/* u8, SA_DEL, SA_ADD: enum espvti_sa_dir */
	ESPVTI_EVENT_A_SPI,		/* u32, SA_DEL, SA_ADD */
	ESPVTI_EVENT_A_REASON,		/* u8, SA_DEL: enum espvti_del_reason */

	__ESPVTI_EVENT_A_MAX,
	ESPVTI_EVENT_A_MAX = __ESPVTI_EVENT_A_MAX - 1,
};

/*
 * Counters, per interface and per SA. In ESPVTI_A_STATS and
 * ESPVTI_SA_A_STATS, attribute type N + 1 carries counter N.
 */
enum espvti_stat {
	ESPVTI_STAT_TX_PACKETS,		/* encrypted and sent */
	ESPVTI_STAT_TX_BYTES,		/* inner bytes of those */
	ESPVTI_STAT_RX_PACKETS,		/* authenticated, decrypted, delivered */
	ESPVTI_STAT_RX_BYTES,		/* inner bytes of those */
	ESPVTI_STAT_RX_DUMMY,		/* next header 59: discarded */
	ESPVTI_STAT_TX_NO_SA,		/* no current outbound SA */
	ESPVTI_STAT_TX_NO_POLICY,	/* matched no selector */
	ESPVTI_STAT_TX_SEQ_OVERFLOW,	/* the SA used every sequence number */
	ESPVTI_STAT_TX_TOO_BIG,		/* larger than the path allows */
	ESPVTI_STAT_TX_NO_ROUTE,	/* no route to the peer */
	ESPVTI_STAT_TX_LOOP,		/* routed into itself */
	ESPVTI_STAT_TX_CRYPTO_ERROR,
	ESPVTI_STAT_TX_MALFORMED,	/* not IPv4 or IPv6, or no room */
	ESPVTI_STAT_RX_UNKNOWN_SPI,	/* from the peer, for no known SA */
	ESPVTI_STAT_RX_AUTH_FAILED,	/* the ICV did not verify */
	ESPVTI_STAT_RX_REPLAY,		/* seen already */
	ESPVTI_STAT_RX_OUTSIDE_WINDOW,	/* left of the window, or 0 */
	ESPVTI_STAT_RX_BAD_TRAILER,	/* bad padding or pad length */
	ESPVTI_STAT_RX_SELECTOR_MISMATCH, /* inner packet outside the selectors */
	ESPVTI_STAT_RX_CRYPTO_ERROR,
	ESPVTI_STAT_RX_MALFORMED,	/* truncated, misaligned, bad inner packet */
	ESPVTI_STAT_RX_NOT_UP,		/* the interface was down */
	ESPVTI_STAT_TX_UNDERLAY_ERROR,	/* the underlay refused the ESP packet */
	ESPVTI_STAT_TX_EXPIRED,		/* the SA reached a hard lifetime */
	ESPVTI_STAT_RX_EXPIRED,		/* the SA reached a hard lifetime */
	ESPVTI_STAT_RX_UDP_MALFORMED,	/* ESP in UDP: too short or garbage */
	ESPVTI_STAT_RX_KEEPALIVE,	/* NAT keepalives received */
	ESPVTI_STAT_TX_KEEPALIVE,	/* NAT keepalives sent */
	ESPVTI_STAT_RX_NAT_CHANGE,	/* the peer's outer endpoint changed */
	ESPVTI_STAT_RX_UDP_NON_ESP,	/* non-ESP marker (IKE): no one to take it */
	ESPVTI_STAT_RX_UDP_WRONG_ENCAP,	/* ESP in UDP for a tunnel without, or not for one with */
	ESPVTI_STAT_TX_NO_SOCKET,	/* encap udp, its handed-in socket was closed */
	ESPVTI_STAT_TX_QUEUE_FULL,	/* the SA had too many packets in flight */
	ESPVTI_STAT_RX_QUEUE_FULL,	/* the SA had too many packets in flight */

	__ESPVTI_STAT_MAX,
	ESPVTI_STAT_MAX = __ESPVTI_STAT_MAX - 1,
};

#endif /* _UAPI_LINUX_ESPVTI_H */
