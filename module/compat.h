/* SPDX-License-Identifier: GPL-2.0 */
/*
 * espvti: what differs between the kernels the module supports (6.1 to
 * 7.2), spelled once for the rest of the module.
 *
 * Each difference is probed from the target kernel's headers at build time
 * by module/compat-probe.sh (run from Kbuild), which writes
 * espvti_probed.h into the build directory: ESPVTI_HAVE_* for each
 * feature found, and ESPVTI_VERSION from the top-level VERSION file.
 * Probing what the headers contain, rather than comparing
 * LINUX_VERSION_CODE, also gets distribution kernels with backports right.
 *
 * To support a new kernel: add a probe to compat-probe.sh (a header that
 * appeared, a line that changed) and its shim here, and keep call sites
 * spelled the new way where the old kernels can be given that spelling.
 */
#ifndef _ESPVTI_COMPAT_H
#define _ESPVTI_COMPAT_H

#include <linux/crypto.h>
#include <linux/netdevice.h>
#include <net/genetlink.h>
#include <net/rtnetlink.h>

#include "espvti_probed.h"

#ifdef ESPVTI_HAVE_NET_GSO_H
#include <net/gso.h>		/* skb_gso_segment(), there since 6.4 */
#endif

#if IS_ENABLED(CONFIG_PAGE_POOL)
#ifdef ESPVTI_HAVE_PAGE_POOL_HELPERS_H
#include <net/page_pool/helpers.h>	/* since 6.6 */
#else
#include <net/page_pool.h>
#endif
#endif

/* page_pool fragments: asked for with PP_FLAG_PAGE_FRAG until 6.7, always there since. */
#ifdef ESPVTI_HAVE_PP_FLAG_PAGE_FRAG
#define ESPVTI_PP_FLAG_FRAG PP_FLAG_PAGE_FRAG
#else
#define ESPVTI_PP_FLAG_FRAG 0
#endif

/* Per-CPU workqueues: the default until 6.17, asked for with WQ_PERCPU since. */
#ifdef ESPVTI_HAVE_WQ_PERCPU
#define ESPVTI_WQ_PERCPU WQ_PERCPU
#else
#define ESPVTI_WQ_PERCPU 0
#endif

/* Lockless transmit: NETIF_F_LLTX until 6.12, dev->lltx since. */
static inline void espvti_set_lltx(struct net_device *dev)
{
#ifdef ESPVTI_HAVE_NETIF_F_LLTX
	dev->features |= NETIF_F_LLTX;
#else
	dev->lltx = true;
#endif
}

/*
 * Crypto completion callbacks get the request's data since 6.3, the
 * request before: declare them as
 *	static void done(espvti_crypto_done_arg *arg, int err)
 * and take the data with espvti_crypto_done_data(arg).
 */
#ifdef ESPVTI_HAVE_CRYPTO_DONE_DATA
#define espvti_crypto_done_arg void
#define espvti_crypto_done_data(arg) (arg)
#else
#define espvti_crypto_done_arg struct crypto_async_request
#define espvti_crypto_done_data(arg) ((arg)->data)
#endif

/* A dump's parsed attributes: in genl_dumpit_info.info since 6.2. */
static inline struct nlattr **espvti_dumpit_attrs(const struct genl_dumpit_info *info)
{
#ifdef ESPVTI_HAVE_GENL_DUMPIT_INFO_INFO
	return info->info.attrs;
#else
	return info->attrs;
#endif
}

/*
 * rtnl_link_ops.newlink gets its arguments in struct rtnl_newlink_params
 * since 6.15: espvti_newlink_compat() has this kernel's type and calls
 * espvti_newlink() (device.c), which keeps the older arguments. Its first
 * is the underlay: the namespace `link-netns` names, else the requester's;
 * before 6.15 the kernel passed that as src_net, since then it is
 * rtnl_newlink_link_net(), src_net being the requester's always.
 */
int espvti_newlink(struct net *src_net, struct net_device *dev,
		   struct nlattr *tb[], struct nlattr *data[],
		   struct netlink_ext_ack *extack);

#ifdef ESPVTI_HAVE_RTNL_NEWLINK_PARAMS
static inline int espvti_newlink_compat(struct net_device *dev,
					struct rtnl_newlink_params *params,
					struct netlink_ext_ack *extack)
{
#ifdef ESPVTI_HAVE_RTNL_NEWLINK_LINK_NET
	return espvti_newlink(rtnl_newlink_link_net(params), dev, params->tb, params->data,
			      extack);
#else
	return espvti_newlink(params->src_net, dev, params->tb, params->data, extack);
#endif
}
#else
static inline int espvti_newlink_compat(struct net *src_net, struct net_device *dev,
					struct nlattr *tb[], struct nlattr *data[],
					struct netlink_ext_ack *extack)
{
	return espvti_newlink(src_net, dev, tb, data, extack);
}
#endif

/* Turn on a UDP socket's encap_rcv: it took the struct socket before. */
#ifdef ESPVTI_HAVE_UDP_TUNNEL_ENCAP_ENABLE_SK
#define espvti_udp_encap_enable(sock) udp_tunnel_encap_enable((sock)->sk)
#else
#define espvti_udp_encap_enable(sock) udp_tunnel_encap_enable(sock)
#endif

/* A tunnel socket is set up and released by its struct sock since 7.2.x. */
#ifdef ESPVTI_HAVE_UDP_TUNNEL_SOCK_SK
#define espvti_setup_udp_tunnel_sock(net, sock, cfg) setup_udp_tunnel_sock(net, (sock)->sk, cfg)
#define espvti_udp_tunnel_sock_release(sock) udp_tunnel_sock_release((sock)->sk)
#else
#define espvti_setup_udp_tunnel_sock(net, sock, cfg) setup_udp_tunnel_sock(net, sock, cfg)
#define espvti_udp_tunnel_sock_release(sock) udp_tunnel_sock_release(sock)
#endif

#endif /* _ESPVTI_COMPAT_H */
