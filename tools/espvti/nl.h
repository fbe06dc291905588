/* SPDX-License-Identifier: GPL-2.0 */
/*
 * espvti: the kernel interface (nl.c): a generic netlink socket in the
 * right namespace, the "espvti" family and its events group, requests and
 * dumps, and errors said with what the kernel's extended ACK names.
 */
#ifndef ESPVTI_NL_H
#define ESPVTI_NL_H

#include <stdint.h>

#include <libmnl/libmnl.h>

struct nl {
	struct mnl_socket *sock;
	unsigned int portid;
	unsigned int seq;
	uint16_t family;
	uint32_t events;		/* the "events" multicast group; 0: none */
};

/* A table that mnl_attr_parse() and mnl_attr_parse_nested() fill. */
struct attr_table {
	const enum mnl_attr_data_type *types;	/* by type, 0..max */
	unsigned int max;
	const struct nlattr **tb;		/* by type, 0..max */
};

/* Answers are read into nl_buf: 32 KiB, aligned. */
extern uint32_t nl_buf[8192];

int nl_start(struct nl *nl, const char *netns);
struct nlmsghdr *genl_msg(uint16_t family, uint16_t flags, uint8_t cmd,
			  uint8_t version);
struct nlmsghdr *dev_msg(struct nl *nl, uint16_t flags, uint8_t cmd, const char *dev);
int nl_do(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);
int nl_transact(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);
int table_attr_cb(const struct nlattr *attr, void *data);
const char *nl_errmsg(void);
void nl_wipe(void);

#endif /* ESPVTI_NL_H */
