/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * espvti: route-based IPsec interfaces, generic netlink API.
 *
 * Family "espvti". Every request is answered in the caller's network
 * namespace: an interface is named by ESPVTI_A_IFINDEX or ESPVTI_A_IFNAME.
 */
#ifndef _UAPI_LINUX_ESPVTI_H
#define _UAPI_LINUX_ESPVTI_H

#define ESPVTI_GENL_NAME	"espvti"
#define ESPVTI_GENL_VERSION	1

/* The rtnl link kind: ip link add NAME type espvti */
#define ESPVTI_LINK_KIND	"espvti"

enum espvti_cmd {
	ESPVTI_CMD_UNSPEC,
	/*
	 * DEV_GET: with ESPVTI_A_IFINDEX or ESPVTI_A_IFNAME, one interface;
	 * as a dump, every espvti interface of the caller's namespace.
	 */
	ESPVTI_CMD_DEV_GET,

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

	__ESPVTI_A_MAX,
	ESPVTI_A_MAX = __ESPVTI_A_MAX - 1,
};

#endif /* _UAPI_LINUX_ESPVTI_H */
