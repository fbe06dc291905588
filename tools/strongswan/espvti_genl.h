/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kernel-espvti: the espvti generic netlink family over libmnl, for the
 * plugin. One request socket (callers serialise) and one event socket.
 */
#ifndef ESPVTI_GENL_H_
#define ESPVTI_GENL_H_

#include <stdint.h>
#include <libmnl/libmnl.h>

typedef struct espvti_genl_t espvti_genl_t;

struct espvti_genl_t {
	struct mnl_socket *sock;
	uint16_t family;
	uint32_t group;		/* the "events" multicast group */
	uint32_t seq;
	uint32_t portid;
	char buf[8192];
	char err[256];		/* the kernel's extack message of the last error */
};

/* Open a socket and resolve the family; NULL when espvti is not loaded. */
espvti_genl_t *espvti_genl_open(void);
void espvti_genl_close(espvti_genl_t *nl);

/* A request of @cmd in nl->buf, NLM_F_REQUEST | NLM_F_ACK | @flags. */
struct nlmsghdr *espvti_genl_msg(espvti_genl_t *nl, uint8_t cmd, uint16_t flags);

/*
 * Send @nlh and read the answers until the ACK (or the end of a dump),
 * giving each message to @cb. 0, or a negative errno with nl->err set.
 */
int espvti_genl_transact(espvti_genl_t *nl, struct nlmsghdr *nlh,
			 mnl_cb_t cb, void *data);

/*
 * Make this socket receive espvti's events: EVENTS_SUBSCRIBE where the
 * module sends them by unicast, else join the "events" group.
 */
int espvti_genl_subscribe(espvti_genl_t *nl);

#endif /* ESPVTI_GENL_H_ */
