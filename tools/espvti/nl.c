// SPDX-License-Identifier: GPL-2.0
/*
 * espvti: the kernel interface: a generic netlink socket (in the namespace
 * of -n), the "espvti" family and its "events" group, requests, dumps and
 * ACKs, and errors said with what the extended ACK names: the message, the
 * attribute of the request it refused (mapped back through the request),
 * what the attribute's policy takes.
 */
#include "espvti.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#define NETNS_RUN_DIR	"/run/netns"

/* The names of the attributes of a request, to say which one the kernel refused. */
struct attr_space {
	const char *const *names;		/* by type, 0..max */
	unsigned int max;
	const struct attr_space *const *nests;	/* by type: a nest's attributes, or NULL */
};

static int nl_open(struct nl *nl);
static int resolve_family(struct nl *nl);
static int family_cb(const struct nlmsghdr *nlh, void *data);
static int error_cb(const struct nlmsghdr *nlh, void *data);
static int done_cb(const struct nlmsghdr *nlh, void *data);
static void parse_extack(const struct nlmsghdr *nlh, size_t offset);
static int extack_attr_cb(const struct nlattr *attr, void *data);
static void parse_policy(const struct nlattr *nest);
static void nl_perror(int err);

/* Requests are built in req_buf, answers read into nl_buf: 32 KiB each, aligned. */
static uint32_t req_buf[8192];
uint32_t nl_buf[8192];

/* The request the kernel answers, to name the attribute an error is about. */
static const struct nlmsghdr *nl_req;

/* What the kernel said about the last failed request. */
static struct {
	char msg[256];			/* its message, or "" */
	bool has_offs;
	uint32_t offs;			/* the offending attribute, into the request */
	bool has_miss;
	uint32_t miss_type;		/* a missing attribute */
	bool has_miss_nest;
	uint32_t miss_nest;		/* where it is missing */
	char policy[128];		/* what the attribute's policy accepts, or "" */
} extack;

const enum mnl_attr_data_type espvti_attr_types[ESPVTI_A_MAX + 1] = {
	[ESPVTI_A_IFINDEX]	= MNL_TYPE_U32,
	[ESPVTI_A_IFNAME]	= MNL_TYPE_NUL_STRING,
	[ESPVTI_A_ID]		= MNL_TYPE_U32,
	[ESPVTI_A_MTU]		= MNL_TYPE_U32,
	[ESPVTI_A_OPER_UP]	= MNL_TYPE_U8,
	[ESPVTI_A_CARRIER]	= MNL_TYPE_U8,
	[ESPVTI_A_LOCAL]	= MNL_TYPE_BINARY,
	[ESPVTI_A_REMOTE]	= MNL_TYPE_BINARY,
	[ESPVTI_A_LINK_NETNSID]	= MNL_TYPE_U32,
	[ESPVTI_A_STATS]	= MNL_TYPE_NESTED,
	[ESPVTI_A_SA]		= MNL_TYPE_NESTED,
	[ESPVTI_A_SEL]		= MNL_TYPE_NESTED,
	[ESPVTI_A_SPI_MIN]	= MNL_TYPE_U32,
	[ESPVTI_A_SPI_MAX]	= MNL_TYPE_U32,
	[ESPVTI_A_REASON]	= MNL_TYPE_U8,
	[ESPVTI_A_EXPIRE]	= MNL_TYPE_U8,
	[ESPVTI_A_FLOW]		= MNL_TYPE_NESTED,
	[ESPVTI_A_ENCAP]	= MNL_TYPE_U8,
	[ESPVTI_A_ENCAP_SPORT]	= MNL_TYPE_U16,
	[ESPVTI_A_ENCAP_DPORT]	= MNL_TYPE_U16,
	[ESPVTI_A_KEEPALIVE]	= MNL_TYPE_U32,
	[ESPVTI_A_NAT_FOLLOW]	= MNL_TYPE_U8,
	[ESPVTI_A_OLD_REMOTE]	= MNL_TYPE_BINARY,
	[ESPVTI_A_OLD_DPORT]	= MNL_TYPE_U16,
	[ESPVTI_A_ENCAP_FD]	= MNL_TYPE_U32,
	[ESPVTI_A_ENCAP_SOCKET]	= MNL_TYPE_U8,
	[ESPVTI_A_MTU_AUTO]	= MNL_TYPE_U8,
	[ESPVTI_A_DIAG]		= MNL_TYPE_NESTED,
};

/* The names errors give attributes: the uapi's, in lower case. */
static const char *const life_attr_names[ESPVTI_LIFE_A_MAX + 1] = {
	[ESPVTI_LIFE_A_ADD_SECS]	= "add_secs",
	[ESPVTI_LIFE_A_USE_SECS]	= "use_secs",
	[ESPVTI_LIFE_A_BYTES]		= "bytes",
	[ESPVTI_LIFE_A_PACKETS]		= "packets",
};

static const struct attr_space life_space = { life_attr_names, ESPVTI_LIFE_A_MAX, NULL };

static const char *const sa_attr_names[ESPVTI_SA_A_MAX + 1] = {
	[ESPVTI_SA_A_DIR]		= "dir",
	[ESPVTI_SA_A_SPI]		= "spi",
	[ESPVTI_SA_A_ALG]		= "alg",
	[ESPVTI_SA_A_KEY]		= "key",
	[ESPVTI_SA_A_AUTH_KEY]		= "auth_key",
	[ESPVTI_SA_A_ICV_LEN]		= "icv_len",
	[ESPVTI_SA_A_ESN]		= "esn",
	[ESPVTI_SA_A_REPLAY_WINDOW]	= "replay_window",
	[ESPVTI_SA_A_SEQ]		= "seq",
	[ESPVTI_SA_A_CURRENT]		= "current",
	[ESPVTI_SA_A_STATS]		= "stats",
	[ESPVTI_SA_A_SOFT]		= "soft",
	[ESPVTI_SA_A_HARD]		= "hard",
	[ESPVTI_SA_A_AGE]		= "age",
	[ESPVTI_SA_A_USE_AGE]		= "use_age",
	[ESPVTI_SA_A_BYTES]		= "bytes",
	[ESPVTI_SA_A_PACKETS]		= "packets",
	[ESPVTI_SA_A_SOFT_EXPIRED]	= "soft_expired",
};

static const struct attr_space *const sa_attr_nests[ESPVTI_SA_A_MAX + 1] = {
	[ESPVTI_SA_A_SOFT]	= &life_space,
	[ESPVTI_SA_A_HARD]	= &life_space,
};

static const struct attr_space sa_space = { sa_attr_names, ESPVTI_SA_A_MAX, sa_attr_nests };

static const char *const sel_attr_names[ESPVTI_SEL_A_MAX + 1] = {
	[ESPVTI_SEL_A_FAMILY]		= "family",
	[ESPVTI_SEL_A_SRC]		= "src",
	[ESPVTI_SEL_A_SRC_PREFIX]	= "src_prefix",
	[ESPVTI_SEL_A_DST]		= "dst",
	[ESPVTI_SEL_A_DST_PREFIX]	= "dst_prefix",
	[ESPVTI_SEL_A_PROTO]		= "proto",
	[ESPVTI_SEL_A_SPORT_MIN]	= "sport_min",
	[ESPVTI_SEL_A_SPORT_MAX]	= "sport_max",
	[ESPVTI_SEL_A_DPORT_MIN]	= "dport_min",
	[ESPVTI_SEL_A_DPORT_MAX]	= "dport_max",
};

static const struct attr_space sel_space = { sel_attr_names, ESPVTI_SEL_A_MAX, NULL };

static const char *const attr_names[ESPVTI_A_MAX + 1] = {
	[ESPVTI_A_IFINDEX]	= "ifindex",
	[ESPVTI_A_IFNAME]	= "ifname",
	[ESPVTI_A_ID]		= "id",
	[ESPVTI_A_MTU]		= "mtu",
	[ESPVTI_A_OPER_UP]	= "oper_up",
	[ESPVTI_A_CARRIER]	= "carrier",
	[ESPVTI_A_LOCAL]	= "local",
	[ESPVTI_A_REMOTE]	= "remote",
	[ESPVTI_A_LINK_NETNSID]	= "link_netnsid",
	[ESPVTI_A_STATS]	= "stats",
	[ESPVTI_A_SA]		= "sa",
	[ESPVTI_A_SEL]		= "sel",
	[ESPVTI_A_SPI_MIN]	= "spi_min",
	[ESPVTI_A_SPI_MAX]	= "spi_max",
	[ESPVTI_A_REASON]	= "reason",
	[ESPVTI_A_EXPIRE]	= "expire",
	[ESPVTI_A_FLOW]		= "flow",
	[ESPVTI_A_ENCAP]	= "encap",
	[ESPVTI_A_ENCAP_SPORT]	= "encap_sport",
	[ESPVTI_A_ENCAP_DPORT]	= "encap_dport",
	[ESPVTI_A_KEEPALIVE]	= "keepalive",
	[ESPVTI_A_NAT_FOLLOW]	= "nat_follow",
	[ESPVTI_A_OLD_REMOTE]	= "old_remote",
	[ESPVTI_A_OLD_DPORT]	= "old_dport",
	[ESPVTI_A_ENCAP_FD]	= "encap_fd",
	[ESPVTI_A_ENCAP_SOCKET]	= "encap_socket",
	[ESPVTI_A_MTU_AUTO]	= "mtu_auto",
	[ESPVTI_A_DIAG]		= "diag",
};

static const struct attr_space *const attr_nests[ESPVTI_A_MAX + 1] = {
	[ESPVTI_A_SA]	= &sa_space,
	[ESPVTI_A_SEL]	= &sel_space,
	[ESPVTI_A_FLOW]	= &sel_space,
};

static const struct attr_space top_space = { attr_names, ESPVTI_A_MAX, attr_nests };

/* Like ip -n: enter the namespace that "ip netns add NAME" made. */
static int enter_netns(const char *name)
{
	char path[PATH_MAX];
	int fd, ret;

	if (snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, name) >= (int)sizeof(path)) {
		fprintf(stderr, "espvti: network namespace name too long\n");
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "espvti: cannot open network namespace \"%s\": %s\n",
			name, strerror(errno));
		return -1;
	}
	ret = setns(fd, CLONE_NEWNET);
	if (ret < 0)
		fprintf(stderr, "espvti: cannot enter network namespace \"%s\": %s\n",
			name, strerror(errno));
	close(fd);
	return ret;
}

/* Enter @netns if any, open a socket and find the family: ready for requests. */
int nl_start(struct nl *nl, const char *netns)
{
	if (netns && enter_netns(netns))
		return -1;
	if (nl_open(nl))
		return -1;
	if (resolve_family(nl)) {
		mnl_socket_close(nl->sock);
		return -1;
	}
	return 0;
}

static int nl_open(struct nl *nl)
{
	int one = 1;

	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock || mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		fprintf(stderr, "espvti: cannot open a generic netlink socket: %s\n",
			strerror(errno));
		if (nl->sock)
			mnl_socket_close(nl->sock);
		return -1;
	}
	/* Best effort: without them, errors come without a message, or echo requests. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = time(NULL);
	return 0;
}

static int resolve_family(struct nl *nl)
{
	struct nlmsghdr *nlh;
	int err;

	nlh = genl_msg(GENL_ID_CTRL, NLM_F_ACK, CTRL_CMD_GETFAMILY, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, ESPVTI_GENL_NAME);
	err = nl_transact(nl, nlh, family_cb, nl);
	if (err == -ENOENT) {
		fprintf(stderr,
			"espvti: the espvti module is not loaded (generic netlink family \"%s\" not found)\n",
			ESPVTI_GENL_NAME);
		return -1;
	}
	if (!err && !nl->family)
		err = -EPROTO;
	if (err) {
		nl_perror(err);
		return -1;
	}
	return 0;
}

/* The family's id, and its "events" multicast group's. */
static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr, *grp, *a;
	struct nl *nl = data;
	const char *name;
	uint32_t id;

	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
		    mnl_attr_validate(attr, MNL_TYPE_U16) == 0)
			nl->family = mnl_attr_get_u16(attr);
		if (mnl_attr_get_type(attr) != CTRL_ATTR_MCAST_GROUPS ||
		    mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0)
			continue;
		mnl_attr_for_each_nested(grp, attr) {
			name = NULL;
			id = 0;
			mnl_attr_for_each_nested(a, grp) {
				if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME &&
				    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
					name = mnl_attr_get_str(a);
				if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID &&
				    mnl_attr_validate(a, MNL_TYPE_U32) == 0)
					id = mnl_attr_get_u32(a);
			}
			if (name && !strcmp(name, ESPVTI_MCGRP_EVENTS))
				nl->events = id;
		}
	}
	return MNL_CB_OK;
}

/* What the kernel said of the last request that failed, or "". */
const char *nl_errmsg(void)
{
	return extack.msg;
}

/* Wipe the request and what the kernel answered: the request held keys. */
void nl_wipe(void)
{
	explicit_bzero(req_buf, sizeof(req_buf));
	explicit_bzero(nl_buf, sizeof(nl_buf));
}

/* Start a generic netlink request in req_buf. */
struct nlmsghdr *genl_msg(uint16_t family, uint16_t flags, uint8_t cmd,
			  uint8_t version)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req_buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

/* Start an espvti request about the interface @dev. */
struct nlmsghdr *dev_msg(struct nl *nl, uint16_t flags, uint8_t cmd, const char *dev)
{
	struct nlmsghdr *nlh = genl_msg(nl->family, flags, cmd, ESPVTI_GENL_VERSION);

	mnl_attr_put_strz(nlh, ESPVTI_A_IFNAME, dev);
	return nlh;
}

/* Send the request, feed its answers to @cb, if any; say why it failed. 0 or ERR_FAIL. */
int nl_do(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	int err = nl_transact(nl, nlh, cb, data);

	if (err) {
		nl_perror(err);
		return ERR_FAIL;
	}
	return 0;
}

/*
 * Send the request @nlh and feed every data message of the answer to @cb,
 * until an ACK, NLMSG_DONE or an error ends it. 0 or a negative errno;
 * -EINTR when a dump was interrupted.
 */
int nl_transact(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	/* Not const: libmnl before 1.0.5 takes a mutable array. */
	static mnl_cb_t ctl_cbs[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR]	= error_cb,
		[NLMSG_DONE]	= done_cb,
	};
	unsigned int seq = ++nl->seq;
	ssize_t len;
	int ret;

	nlh->nlmsg_seq = seq;
	nl_req = nlh;
	memset(&extack, 0, sizeof(extack));
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		len = mnl_socket_recvfrom(nl->sock, nl_buf, sizeof(nl_buf));
		if (len < 0)
			return -errno;
		ret = mnl_cb_run2(nl_buf, len, seq, nl->portid, cb, data,
				  ctl_cbs, MNL_ARRAY_SIZE(ctl_cbs));
	} while (ret > MNL_CB_STOP);

	return ret < 0 ? -errno : 0;
}

/* NLMSG_ERROR: an ACK ends the answer, an error fails it with errno set. */
static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	size_t offset = sizeof(*err);

	(void)data;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*err)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (!err->error)
		return MNL_CB_STOP;
	/* Unless capped, the rest of the request follows, then the extack. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) && err->msg.nlmsg_len > sizeof(err->msg))
		offset += NLMSG_ALIGN(err->msg.nlmsg_len - sizeof(err->msg));
	parse_extack(nlh, offset);
	errno = err->error < 0 ? -err->error : err->error;
	return MNL_CB_ERROR;
}

/* NLMSG_DONE ends a dump; its payload is the dump's status. */
static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	int err = 0;

	(void)data;
	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(err))
		err = *(const int *)mnl_nlmsg_get_payload(nlh);
	if (!err)
		return MNL_CB_STOP;
	parse_extack(nlh, sizeof(err));
	errno = err < 0 ? -err : err;
	return MNL_CB_ERROR;
}

/* Keep the extended ACK that follows the first @offset bytes of payload. */
static void parse_extack(const struct nlmsghdr *nlh, size_t offset)
{
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) &&
	    offset <= mnl_nlmsg_get_payload_len(nlh))
		mnl_attr_parse(nlh, offset, extack_attr_cb, NULL);
}

static int extack_attr_cb(const struct nlattr *attr, void *data)
{
	(void)data;
	switch (mnl_attr_get_type(attr)) {
	case NLMSGERR_ATTR_MSG:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			snprintf(extack.msg, sizeof(extack.msg), "%s", mnl_attr_get_str(attr));
		break;
	case NLMSGERR_ATTR_OFFS:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0) {
			extack.has_offs = true;
			extack.offs = mnl_attr_get_u32(attr);
		}
		break;
	case NLMSGERR_ATTR_MISS_TYPE:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0) {
			extack.has_miss = true;
			extack.miss_type = mnl_attr_get_u32(attr);
		}
		break;
	case NLMSGERR_ATTR_MISS_NEST:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0) {
			extack.has_miss_nest = true;
			extack.miss_nest = mnl_attr_get_u32(attr);
		}
		break;
	case NLMSGERR_ATTR_POLICY:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) == 0)
			parse_policy(attr);
		break;
	}
	return MNL_CB_OK;
}

/* One more thing a policy accepts, after ", " unless the first, while @buf has room. */
static void policy_add(char *buf, size_t size, size_t *n, const char *fmt, ...)
{
	va_list ap;

	if (*n && *n < size)
		*n += snprintf(buf + *n, size - *n, ", ");
	if (*n >= size)
		return;
	va_start(ap, fmt);
	*n += vsnprintf(buf + *n, size - *n, fmt, ap);
	va_end(ap);
}

/* What the policy of the attribute refused accepts: "range 256..4294967295". */
static void parse_policy(const struct nlattr *nest)
{
	bool has_umin = false, has_umax = false, has_smin = false, has_smax = false;
	bool has_lmin = false, has_lmax = false, has_mask = false;
	uint64_t umin = 0, umax = 0, mask = 0;
	int64_t smin = 0, smax = 0;
	uint32_t lmin = 0, lmax = 0;
	const struct nlattr *attr;
	size_t size = sizeof(extack.policy), n = 0;
	char *buf = extack.policy;

	mnl_attr_for_each_nested(attr, nest) {
		bool u64 = mnl_attr_validate(attr, MNL_TYPE_U64) == 0;
		bool u32 = mnl_attr_validate(attr, MNL_TYPE_U32) == 0;

		switch (mnl_attr_get_type(attr)) {
		case NL_POLICY_TYPE_ATTR_MIN_VALUE_U:
			has_umin = u64;
			umin = u64 ? mnl_attr_get_u64(attr) : 0;
			break;
		case NL_POLICY_TYPE_ATTR_MAX_VALUE_U:
			has_umax = u64;
			umax = u64 ? mnl_attr_get_u64(attr) : 0;
			break;
		case NL_POLICY_TYPE_ATTR_MIN_VALUE_S:
			has_smin = u64;
			smin = u64 ? (int64_t)mnl_attr_get_u64(attr) : 0;
			break;
		case NL_POLICY_TYPE_ATTR_MAX_VALUE_S:
			has_smax = u64;
			smax = u64 ? (int64_t)mnl_attr_get_u64(attr) : 0;
			break;
		case NL_POLICY_TYPE_ATTR_MIN_LENGTH:
			has_lmin = u32;
			lmin = u32 ? mnl_attr_get_u32(attr) : 0;
			break;
		case NL_POLICY_TYPE_ATTR_MAX_LENGTH:
			has_lmax = u32;
			lmax = u32 ? mnl_attr_get_u32(attr) : 0;
			break;
		case NL_POLICY_TYPE_ATTR_MASK:
			has_mask = u64;
			mask = u64 ? mnl_attr_get_u64(attr) : 0;
			break;
		}
	}
	buf[0] = '\0';
	if (has_umin || has_umax)
		policy_add(buf, size, &n, "range %llu..%llu", (unsigned long long)umin,
			   (unsigned long long)umax);
	if (has_smin || has_smax)
		policy_add(buf, size, &n, "range %lld..%lld", (long long)smin, (long long)smax);
	if (has_lmin && has_lmax)
		policy_add(buf, size, &n, "length %u..%u bytes", lmin, lmax);
	else if (has_lmax)
		policy_add(buf, size, &n, "at most %u bytes", lmax);
	else if (has_lmin)
		policy_add(buf, size, &n, "at least %u bytes", lmin);
	if (has_mask)
		policy_add(buf, size, &n, "mask 0x%llx", (unsigned long long)mask);
}

/*
 * The name of the attribute that starts @target bytes into the request
 * @nlh, as "sa.spi"; false when none does. *@spacep: its attributes, when
 * it is a nest the tool knows.
 */
static bool attr_path(const struct nlmsghdr *nlh, uint32_t target, char *buf, size_t size,
		      const struct attr_space **spacep)
{
	const struct attr_space *space = &top_space;
	size_t off = NLMSG_HDRLEN + GENL_HDRLEN, end = nlh->nlmsg_len, n = 0;
	const char *base = (const char *)nlh;
	const struct nlattr *attr;
	unsigned int type;
	const char *name;

	buf[0] = '\0';
	while (off + sizeof(*attr) <= end) {
		attr = (const void *)(base + off);
		if (attr->nla_len < sizeof(*attr) || off + attr->nla_len > end)
			return false;
		if (target < off || target >= off + attr->nla_len) {
			off += MNL_ALIGN(attr->nla_len);
			continue;
		}
		type = attr->nla_type & NLA_TYPE_MASK;
		name = space && type <= space->max ? space->names[type] : NULL;
		if (name)
			n += snprintf(buf + n, size - n, "%s%s", n ? "." : "", name);
		else
			n += snprintf(buf + n, size - n, "%stype %u", n ? "." : "", type);
		if (n >= size)
			return false;
		space = space && space->nests && type <= space->max ? space->nests[type] : NULL;
		if (target == off) {
			if (spacep)
				*spacep = space;
			return true;
		}
		if (!space)
			return true;	/* inside an attribute the tool knows no more of */
		end = off + attr->nla_len;
		off += MNL_ATTR_HDRLEN;
	}
	return false;
}

/*
 * Say why a request failed, in one line: what the kernel said and, when it
 * names one, the attribute of the request it refused and what it takes.
 */
static void nl_perror(int err)
{
	const struct attr_space *space = &top_space;
	bool mapped = nl_req && nl_req->nlmsg_type != GENL_ID_CTRL;
	char path[128], miss[160];
	const char *name;

	if (err == -EINTR) {
		fprintf(stderr, "espvti: dump interrupted, try again\n");
		return;
	}
	fprintf(stderr, "espvti: %s", strerror(-err));
	if (extack.msg[0])
		fprintf(stderr, ": %s", extack.msg);
	if (mapped && extack.has_offs &&
	    attr_path(nl_req, extack.offs, path, sizeof(path), NULL)) {
		fprintf(stderr, " (attribute %s%s%s)", path, extack.policy[0] ? ", " : "",
			extack.policy);
	} else if (mapped && extack.has_miss) {
		miss[0] = '\0';
		if (extack.has_miss_nest &&
		    attr_path(nl_req, extack.miss_nest, path, sizeof(path), &space))
			snprintf(miss, sizeof(miss), "%s.", path);
		else if (extack.has_miss_nest)
			space = NULL;
		name = space && extack.miss_type <= space->max ? space->names[extack.miss_type] :
		       NULL;
		if (name)
			fprintf(stderr, " (missing attribute %s%s)", miss, name);
		else
			fprintf(stderr, " (missing attribute %stype %u)", miss, extack.miss_type);
	} else if (extack.policy[0]) {
		fprintf(stderr, " (%s)", extack.policy);
	}
	fputc('\n', stderr);
}

/* Collect attributes into a table, by type, each checked for its data type. */
int table_attr_cb(const struct nlattr *attr, void *data)
{
	const struct attr_table *table = data;
	unsigned int type = mnl_attr_get_type(attr);

	if (type == 0 || type > table->max)
		return MNL_CB_OK;	/* unknown: from a newer kernel */
	if (mnl_attr_validate(attr, table->types[type]) < 0)
		return MNL_CB_ERROR;
	table->tb[type] = attr;
	return MNL_CB_OK;
}

/* An address attribute: 4 bytes for IPv4, 16 for IPv6. */
int get_addr(const struct nlattr *attr, struct addr *addr)
{
	uint16_t len = mnl_attr_get_payload_len(attr);

	if (len != 4 && len != 16) {
		errno = EPROTO;
		return -1;
	}
	memset(addr, 0, sizeof(*addr));
	addr->family = len == 4 ? AF_INET : AF_INET6;
	memcpy(addr->bytes, mnl_attr_get_payload(attr), len);
	return 0;
}

/*
 * Every nest of type @type of an answer, read by @parse, onto @list: the
 * SAs or the selectors of a dump. An answer without one is an error.
 */
int nests_cb(const struct nlmsghdr *nlh, struct list *list, uint16_t type,
	     int (*parse)(const struct nlattr *nest, void *item))
{
	const struct nlattr *attr;
	unsigned int n = 0;
	void *item;

	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(attr) != type)
			continue;
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0)
			return MNL_CB_ERROR;
		item = list_add(list);
		if (!item || parse(attr, item))
			return MNL_CB_ERROR;
		n++;
	}
	if (!n) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

/* A new item, zeroed, at the end of @list; NULL with errno set when out of memory. */
void *list_add(struct list *list)
{
	char *items;

	items = realloc(list->items, (list->n + 1) * list->size);
	if (!items)
		return NULL;
	list->items = items;
	items += list->n++ * list->size;
	memset(items, 0, list->size);
	return items;
}
