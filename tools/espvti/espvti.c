// SPDX-License-Identifier: GPL-2.0
/*
 * espvti: show the espvti interfaces of a network namespace, over the
 * "espvti" generic netlink family.
 *
 *   espvti [-j] [-n NETNS] show [DEV]
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <linux/espvti.h>

#ifndef ESPVTI_VERSION
#define ESPVTI_VERSION "unknown"
#endif

#define NETNS_RUN_DIR	"/run/netns"

struct nl {
	struct mnl_socket *sock;
	unsigned int portid;
	unsigned int seq;
	uint16_t family;
};

struct espvti_dev {
	char ifname[IFNAMSIZ];
	uint32_t ifindex;
	uint32_t id;
	uint32_t mtu;
	bool oper_up;
	bool carrier;
};

struct dev_list {
	struct espvti_dev *devs;
	size_t n;
};

/* Requests are built in, and answers read into, this one buffer: 32 KiB, aligned. */
static uint32_t nl_buf[8192];

/* The kernel's extack message for the last failed request, or "". */
static char extack_msg[256];

static const enum mnl_attr_data_type espvti_attr_types[ESPVTI_A_MAX + 1] = {
	[ESPVTI_A_IFINDEX]	= MNL_TYPE_U32,
	[ESPVTI_A_IFNAME]	= MNL_TYPE_NUL_STRING,
	[ESPVTI_A_ID]		= MNL_TYPE_U32,
	[ESPVTI_A_MTU]		= MNL_TYPE_U32,
	[ESPVTI_A_OPER_UP]	= MNL_TYPE_U8,
	[ESPVTI_A_CARRIER]	= MNL_TYPE_U8,
};

static int run(int argc, char **argv);
static void usage(FILE *f);
static int cmd_show(const char *netns, bool json, int argc, char **argv);
static bool valid_ifname(const char *name);
static int enter_netns(const char *name);
static int nl_open(struct nl *nl);
static int resolve_family(struct nl *nl);
static int family_cb(const struct nlmsghdr *nlh, void *data);
static int get_devs(struct nl *nl, const char *name, struct dev_list *list);
static int dev_cb(const struct nlmsghdr *nlh, void *data);
static int dev_attr_cb(const struct nlattr *attr, void *data);
static struct espvti_dev *dev_list_add(struct dev_list *list);
static void print_devs(const struct dev_list *list, bool json);
static void print_dev_plain(const struct espvti_dev *dev);
static void print_dev_json(const struct espvti_dev *dev);
static void print_json_string(const char *s);
static struct nlmsghdr *genl_msg(uint16_t family, uint16_t flags, uint8_t cmd,
				 uint8_t version);
static int nl_transact(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);
static int error_cb(const struct nlmsghdr *nlh, void *data);
static int done_cb(const struct nlmsghdr *nlh, void *data);
static void parse_extack(const struct nlmsghdr *nlh, size_t offset);
static int extack_attr_cb(const struct nlattr *attr, void *data);
static void nl_perror(int err);

int main(int argc, char **argv)
{
	int ret = run(argc, argv);

	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "espvti: cannot write the output\n");
		ret = 1;
	}
	return ret;
}

static int run(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "json",	no_argument,		NULL, 'j' },
		{ "netns",	required_argument,	NULL, 'n' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{}
	};
	const char *netns = NULL;
	bool json = false;
	int c;

	while ((c = getopt_long(argc, argv, "+jn:hV", long_opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'n':
			netns = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("espvti %s\n", ESPVTI_VERSION);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	argc -= optind;
	argv += optind;

	if (argc < 1) {
		usage(stderr);
		return 1;
	}
	if (!strcmp(argv[0], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[0], "show"))
		return cmd_show(netns, json, argc - 1, argv + 1);

	fprintf(stderr, "espvti: unknown command \"%s\", try \"espvti help\"\n", argv[0]);
	return 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: espvti [OPTIONS] show [DEV]\n"
		"       espvti help\n"
		"       espvti --version\n"
		"OPTIONS:\n"
		"  -j, --json           print JSON\n"
		"  -n, --netns NETNS    run in the network namespace NETNS, as ip -n\n");
}

static int cmd_show(const char *netns, bool json, int argc, char **argv)
{
	const char *name = argc ? argv[0] : NULL;
	struct dev_list list = {};
	struct nl nl = {};
	int ret;

	if (argc > 1) {
		usage(stderr);
		return 1;
	}
	if (name && !valid_ifname(name)) {
		fprintf(stderr, "espvti: \"%s\" is not a valid interface name\n", name);
		return 1;
	}
	if (netns && enter_netns(netns))
		return 1;
	if (nl_open(&nl))
		return 1;

	ret = resolve_family(&nl);
	if (!ret)
		ret = get_devs(&nl, name, &list);
	if (!ret)
		print_devs(&list, json);

	mnl_socket_close(nl.sock);
	free(list.devs);
	return ret ? 1 : 0;
}

static bool valid_ifname(const char *name)
{
	return name[0] && strlen(name) < IFNAMSIZ;
}

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
	/* Best effort: without it, errors just come without a message. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
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
	err = nl_transact(nl, nlh, family_cb, &nl->family);
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

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr;
	uint16_t *family = data;

	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
		    mnl_attr_validate(attr, MNL_TYPE_U16) == 0)
			*family = mnl_attr_get_u16(attr);
	}
	return MNL_CB_OK;
}

/* The interface named @name, or with no name every interface (a dump). */
static int get_devs(struct nl *nl, const char *name, struct dev_list *list)
{
	struct nlmsghdr *nlh;
	int err;

	if (name) {
		nlh = genl_msg(nl->family, NLM_F_ACK, ESPVTI_CMD_DEV_GET,
			       ESPVTI_GENL_VERSION);
		mnl_attr_put_strz(nlh, ESPVTI_A_IFNAME, name);
	} else {
		nlh = genl_msg(nl->family, NLM_F_DUMP, ESPVTI_CMD_DEV_GET,
			       ESPVTI_GENL_VERSION);
	}
	err = nl_transact(nl, nlh, dev_cb, list);
	if (err) {
		nl_perror(err);
		return -1;
	}
	return 0;
}

/* One interface, from a DEV_GET reply, onto the list in @data. */
static int dev_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[ESPVTI_A_MAX + 1] = {};
	struct espvti_dev *dev;
	int type;

	if (mnl_attr_parse(nlh, GENL_HDRLEN, dev_attr_cb, tb) < 0)
		return MNL_CB_ERROR;
	for (type = ESPVTI_A_UNSPEC + 1; type <= ESPVTI_A_MAX; type++) {
		if (!tb[type]) {
			errno = EPROTO;
			return MNL_CB_ERROR;
		}
	}
	dev = dev_list_add(data);
	if (!dev)
		return MNL_CB_ERROR;

	snprintf(dev->ifname, sizeof(dev->ifname), "%s",
		 mnl_attr_get_str(tb[ESPVTI_A_IFNAME]));
	dev->ifindex = mnl_attr_get_u32(tb[ESPVTI_A_IFINDEX]);
	dev->id = mnl_attr_get_u32(tb[ESPVTI_A_ID]);
	dev->mtu = mnl_attr_get_u32(tb[ESPVTI_A_MTU]);
	dev->oper_up = mnl_attr_get_u8(tb[ESPVTI_A_OPER_UP]);
	dev->carrier = mnl_attr_get_u8(tb[ESPVTI_A_CARRIER]);
	return MNL_CB_OK;
}

/* Collect the attributes of an interface into a table, by type. */
static int dev_attr_cb(const struct nlattr *attr, void *data)
{
	unsigned int type = mnl_attr_get_type(attr);
	const struct nlattr **tb = data;

	if (type == ESPVTI_A_UNSPEC || type > ESPVTI_A_MAX)
		return MNL_CB_OK;	/* unknown: from a newer kernel */
	if (mnl_attr_validate(attr, espvti_attr_types[type]) < 0)
		return MNL_CB_ERROR;
	tb[type] = attr;
	return MNL_CB_OK;
}

static struct espvti_dev *dev_list_add(struct dev_list *list)
{
	struct espvti_dev *devs;

	devs = realloc(list->devs, (list->n + 1) * sizeof(*devs));
	if (!devs)
		return NULL;
	list->devs = devs;
	return &devs[list->n++];
}

static void print_devs(const struct dev_list *list, bool json)
{
	size_t i;

	if (json)
		putchar('[');
	for (i = 0; i < list->n; i++) {
		if (!json) {
			print_dev_plain(&list->devs[i]);
			continue;
		}
		if (i)
			putchar(',');
		print_dev_json(&list->devs[i]);
	}
	if (json)
		printf("]\n");
}

static void print_dev_plain(const struct espvti_dev *dev)
{
	printf("%s: id %u mtu %u carrier %s oper %s\n", dev->ifname, dev->id,
	       dev->mtu, dev->carrier ? "on" : "off", dev->oper_up ? "up" : "down");
}

static void print_dev_json(const struct espvti_dev *dev)
{
	printf("{\"ifname\":");
	print_json_string(dev->ifname);
	printf(",\"ifindex\":%u,\"id\":%u,\"mtu\":%u,\"carrier\":%s,\"oper_up\":%s}",
	       dev->ifindex, dev->id, dev->mtu, dev->carrier ? "true" : "false",
	       dev->oper_up ? "true" : "false");
}

static void print_json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* Start a generic netlink request in nl_buf. */
static struct nlmsghdr *genl_msg(uint16_t family, uint16_t flags, uint8_t cmd,
				 uint8_t version)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl_buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

/*
 * Send the request in nl_buf and feed every data message of the answer to
 * @cb, until an ACK, NLMSG_DONE or an error ends it. 0 or a negative errno;
 * -EINTR when a dump was interrupted.
 */
static int nl_transact(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
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
	extack_msg[0] = '\0';
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
		offset += err->msg.nlmsg_len - sizeof(err->msg);
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

/* Keep the extack message that follows the first @offset bytes of payload. */
static void parse_extack(const struct nlmsghdr *nlh, size_t offset)
{
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) &&
	    offset <= mnl_nlmsg_get_payload_len(nlh))
		mnl_attr_parse(nlh, offset, extack_attr_cb, NULL);
}

static int extack_attr_cb(const struct nlattr *attr, void *data)
{
	(void)data;
	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		snprintf(extack_msg, sizeof(extack_msg), "%s", mnl_attr_get_str(attr));
	return MNL_CB_OK;
}

static void nl_perror(int err)
{
	if (err == -EINTR)
		fprintf(stderr, "espvti: dump interrupted, try again\n");
	else if (extack_msg[0])
		fprintf(stderr, "espvti: %s: %s\n", strerror(-err), extack_msg);
	else
		fprintf(stderr, "espvti: %s\n", strerror(-err));
}
