// SPDX-License-Identifier: GPL-2.0
/*
 * kernel-espvti: the espvti generic netlink family over libmnl.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "espvti_genl.h"
#include "../../uapi/linux/espvti.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif

struct nlmsghdr *espvti_genl_msg(espvti_genl_t *nl, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = nl->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++nl->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = ESPVTI_GENL_VERSION;
	return nlh;
}

/* The extack message of an error, into nl->err. */
static void error_msg(espvti_genl_t *nl, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	size_t off = sizeof(*e);

	nl->err[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += mnl_nlmsg_get_payload_len(&e->msg);
	if (mnl_nlmsg_get_payload_len(nlh) <= off)
		return;
	mnl_attr_for_each_payload((void *)((char *)e + off), mnl_nlmsg_get_payload_len(nlh) - off) {
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG)
			snprintf(nl->err, sizeof(nl->err), "%s", mnl_attr_get_str(attr));
	}
}

int espvti_genl_transact(espvti_genl_t *nl, struct nlmsghdr *nlh,
			 mnl_cb_t cb, void *data)
{
	uint32_t seq = nlh->nlmsg_seq;
	int ret;

	nl->err[0] = '\0';
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		const struct nlmsghdr *m;
		int len, total;

		len = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));
		total = len;
		if (len < 0)
			return -errno;
		/* Errors carry the extack message: look before mnl does. */
		for (m = (struct nlmsghdr *)nl->buf; mnl_nlmsg_ok(m, len);
		     m = mnl_nlmsg_next(m, &len)) {
			if (m->nlmsg_type == NLMSG_ERROR && m->nlmsg_seq == seq) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);

				if (e->error) {
					error_msg(nl, m);
					return e->error;
				}
			}
		}
		ret = mnl_cb_run(nl->buf, total, seq, nl->portid, cb, data);
		if (ret < 0)
			return errno ? -errno : -EIO;
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	espvti_genl_t *nl = data;
	const struct nlattr *attr, *grp, *a;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID)
			nl->family = mnl_attr_get_u16(attr);
		if (mnl_attr_get_type(attr) != CTRL_ATTR_MCAST_GROUPS)
			continue;
		mnl_attr_for_each_nested(grp, attr) {
			const char *name = NULL;
			uint32_t id = 0;

			mnl_attr_for_each_nested(a, grp) {
				if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME)
					name = mnl_attr_get_str(a);
				if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID)
					id = mnl_attr_get_u32(a);
			}
			if (name && !strcmp(name, ESPVTI_MCGRP_EVENTS))
				nl->group = id;
		}
	}
	return MNL_CB_OK;
}

espvti_genl_t *espvti_genl_open(void)
{
	espvti_genl_t *nl = calloc(1, sizeof(*nl));
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	int one = 1;

	if (!nl)
		return NULL;
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock || mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		espvti_genl_close(nl);
		return NULL;
	}
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);

	nlh = mnl_nlmsg_put_header(nl->buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++nl->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, ESPVTI_GENL_NAME);
	if (espvti_genl_transact(nl, nlh, family_cb, nl) || !nl->family) {
		espvti_genl_close(nl);
		return NULL;
	}
	return nl;
}

int espvti_genl_subscribe(espvti_genl_t *nl)
{
	struct nlmsghdr *nlh = espvti_genl_msg(nl, ESPVTI_CMD_EVENTS_SUBSCRIBE, 0);
	int err = espvti_genl_transact(nl, nlh, NULL, NULL);

	if (err != -EOPNOTSUPP)
		return err;
	if (!nl->group)
		return -ENOENT;
	if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &nl->group,
				  sizeof(nl->group)) < 0)
		return -errno;
	return 0;
}

void espvti_genl_close(espvti_genl_t *nl)
{
	if (!nl)
		return;
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl);
}
