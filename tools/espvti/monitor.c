// SPDX-License-Identifier: GPL-2.0
/*
 * espvti: the events: monitor, the messages about one interface (events and
 * the replies that look like them) and how an event prints.
 */
#include "espvti.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>

static int event_cb(const struct nlmsghdr *nlh, void *data);
static void print_event(bool json, const struct msg *m, const char *stamp);
static void print_flow(bool json, const struct espvti_sel *fl);

/* By enum espvti_cmd: the events monitor prints. */
static const char *const event_names[ESPVTI_CMD_MAX + 1] = {
	[ESPVTI_CMD_DEV_CHANGE_NTF]	= "dev-change",
	[ESPVTI_CMD_SA_ADD_NTF]		= "sa-add",
	[ESPVTI_CMD_SA_DEL_NTF]		= "sa-del",
	[ESPVTI_CMD_SA_EXPIRE_NTF]	= "sa-expire",
	[ESPVTI_CMD_ACQUIRE_NTF]	= "acquire",
	[ESPVTI_CMD_NAT_CHANGE_NTF]	= "nat-change",
};

static const char *const reason_names[] = {
	[ESPVTI_DEL_REQUESTED]	= "requested",
	[ESPVTI_DEL_EXPIRED]	= "expired",
	[ESPVTI_DEL_FLUSHED]	= "flushed",
	[ESPVTI_DEL_DEV_GONE]	= "dev-gone",
};

static const char *const expire_names[] = {
	[ESPVTI_EXPIRE_SOFT]	= "soft",
	[ESPVTI_EXPIRE_HARD]	= "hard",
};

static void monitor_signal(int sig)
{
	(void)sig;
	_exit(0);	/* what was printed is flushed already: an event a line */
}

/*
 * monitor: print each event of the "events" group as it comes, a line
 * each, until killed (SIGINT, SIGTERM: status 0) or until what reads the
 * output closes it (status 0 too).
 */
int cmd_monitor(const struct ctx *ctx, int argc, char **argv)
{
	struct sigaction act = { .sa_handler = monitor_signal };
	int size = 4 << 20, ret = 0;
	struct pollfd fds[2] = {};
	struct ctx opts = *ctx;
	struct nl nl = {};
	ssize_t len;

	/* -j and -t may follow the command too, as in "espvti monitor -j". */
	for (; argc; argc--, argv++) {
		if (!strcmp(argv[0], "-j") || !strcmp(argv[0], "--json"))
			opts.json = true;
		else if (!strcmp(argv[0], "-t") || !strcmp(argv[0], "--timestamp"))
			opts.timestamp = true;
		else
			return no_more_args(ctx, argc, argv);
	}
	ctx = &opts;
	if (nl_start(&nl, ctx->netns))
		return ERR_FAIL;
	if (!nl.events) {
		fprintf(stderr, "espvti: the espvti module has no \"%s\" multicast group\n",
			ESPVTI_MCGRP_EVENTS);
		ret = ERR_FAIL;
		goto out;
	}
	/*
	 * Where the module sends events by unicast (kernels on which joining
	 * the group cannot require CAP_NET_ADMIN), subscribe; elsewhere
	 * (EOPNOTSUPP, or a module without the command) join the group.
	 */
	ret = nl_transact(&nl, genl_msg(nl.family, NLM_F_ACK, ESPVTI_CMD_EVENTS_SUBSCRIBE,
					ESPVTI_GENL_VERSION), event_cb, (void *)ctx);
	if (ret && ret != -EOPNOTSUPP) {
		fprintf(stderr, "espvti: cannot subscribe to events: %s%s%s\n", strerror(-ret),
			nl_errmsg()[0] ? ": " : "", nl_errmsg());
		ret = ERR_FAIL;
		goto out;
	}
	if (ret && mnl_socket_setsockopt(nl.sock, NETLINK_ADD_MEMBERSHIP, &nl.events,
					 sizeof(nl.events)) < 0) {
		fprintf(stderr, "espvti: cannot listen to the \"%s\" group: %s\n",
			ESPVTI_MCGRP_EVENTS, strerror(errno));
		ret = ERR_FAIL;
		goto out;
	}
	ret = 0;
	/* Best effort: a bigger buffer loses fewer events in a burst. */
	setsockopt(mnl_socket_get_fd(nl.sock), SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	sigemptyset(&act.sa_mask);
	sigaction(SIGINT, &act, NULL);
	sigaction(SIGTERM, &act, NULL);
	fds[0].fd = mnl_socket_get_fd(nl.sock);
	fds[0].events = POLLIN;
	fds[1].fd = STDOUT_FILENO;
	fds[1].events = 0;	/* POLLERR, POLLHUP: always reported */

	for (;;) {
		/*
		 * Wait for an event, or for the reader of our output to go: a
		 * pipe whose reader closed it reports POLLERR at once, not only
		 * when the next event is written.
		 */
		if (poll(fds, MNL_ARRAY_SIZE(fds), -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "espvti: cannot wait for events: %s\n", strerror(errno));
			ret = ERR_FAIL;
			break;
		}
		if (fds[1].revents)
			break;	/* nobody reads what we print any more */
		if (!fds[0].revents)
			continue;
		len = mnl_socket_recvfrom(nl.sock, nl_buf, sizeof(nl_buf));
		if (len < 0 && errno == ENOBUFS) {
			fprintf(stderr, "espvti: events lost: the socket's buffer overflowed\n");
			continue;
		}
		if (len < 0 && errno == EINTR)
			continue;
		if (len < 0) {
			fprintf(stderr, "espvti: cannot receive events: %s\n", strerror(errno));
			ret = ERR_FAIL;
			break;
		}
		if (mnl_cb_run(nl_buf, len, 0, 0, event_cb, (void *)ctx) < 0)
			fprintf(stderr, "espvti: an event the tool cannot read: %s\n",
				strerror(errno));
		if (fflush(stdout)) {
			ret = ERR_FAIL;
			break;
		}
	}
out:
	mnl_socket_close(nl.sock);
	return ret;
}

/* A message about one interface, a reply or an event, into the struct msg at @data. */
int msg_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[ESPVTI_A_MAX + 1] = {};
	struct attr_table table = { espvti_attr_types, ESPVTI_A_MAX, tb };
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	struct msg *m = data;

	if (mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (mnl_attr_parse(nlh, GENL_HDRLEN, table_attr_cb, &table) < 0)
		return MNL_CB_ERROR;
	memset(m, 0, sizeof(*m));
	m->cmd = genl->cmd;
	if (tb[ESPVTI_A_IFNAME])
		snprintf(m->ifname, sizeof(m->ifname), "%s", mnl_attr_get_str(tb[ESPVTI_A_IFNAME]));
	if (tb[ESPVTI_A_IFINDEX])
		m->ifindex = mnl_attr_get_u32(tb[ESPVTI_A_IFINDEX]);
	if (tb[ESPVTI_A_CARRIER])
		m->carrier = mnl_attr_get_u8(tb[ESPVTI_A_CARRIER]);
	if (tb[ESPVTI_A_OPER_UP])
		m->oper_up = mnl_attr_get_u8(tb[ESPVTI_A_OPER_UP]);
	if (tb[ESPVTI_A_LOCAL] && get_addr(tb[ESPVTI_A_LOCAL], &m->local))
		return MNL_CB_ERROR;
	if (tb[ESPVTI_A_REMOTE] && get_addr(tb[ESPVTI_A_REMOTE], &m->remote))
		return MNL_CB_ERROR;
	if (tb[ESPVTI_A_STATS] && parse_stats(tb[ESPVTI_A_STATS], &m->stats))
		return MNL_CB_ERROR;
	if (tb[ESPVTI_A_SA]) {
		if (parse_sa(tb[ESPVTI_A_SA], &m->sa))
			return MNL_CB_ERROR;
		m->has_sa = true;
	}
	if (tb[ESPVTI_A_REASON])
		m->reason = mnl_attr_get_u8(tb[ESPVTI_A_REASON]);
	if (tb[ESPVTI_A_EXPIRE])
		m->expire = mnl_attr_get_u8(tb[ESPVTI_A_EXPIRE]);
	if (tb[ESPVTI_A_FLOW]) {
		if (parse_sel(tb[ESPVTI_A_FLOW], &m->flow))
			return MNL_CB_ERROR;
		m->has_flow = true;
	}
	get_encap(tb, &m->encap);
	if (tb[ESPVTI_A_OLD_REMOTE] && get_addr(tb[ESPVTI_A_OLD_REMOTE], &m->old_remote))
		return MNL_CB_ERROR;
	if (tb[ESPVTI_A_OLD_DPORT]) {
		m->has_old_dport = true;
		m->old_dport = mnl_attr_get_u16(tb[ESPVTI_A_OLD_DPORT]);
	}
	return MNL_CB_OK;
}

/*
 * An event: printed on a line of its own; with -t after when it came, in
 * seconds since the epoch (text), or with it as "time" (JSON).
 */
static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ctx *ctx = data;
	char stamp[32] = "";
	struct timespec ts;
	struct msg m;
	int ret;

	if (ctx->timestamp && !clock_gettime(CLOCK_REALTIME, &ts))
		snprintf(stamp, sizeof(stamp), "%lld.%06ld", (long long)ts.tv_sec,
			 ts.tv_nsec / 1000);
	ret = msg_cb(nlh, &m);
	if (ret != MNL_CB_OK)
		return ret;
	if (!ctx->json && stamp[0])
		printf("%s ", stamp);
	print_event(ctx->json, &m, stamp);
	putchar('\n');
	return MNL_CB_OK;
}

/* " NAME", ,"KEY":"NAME", or what says the number when it has no name. */
static void print_enum(bool json, const char *key, const char *const *names, size_t n,
		       unsigned int val)
{
	const char *name = name_of(names, n, val);

	if (json && name)
		printf(",\"%s\":\"%s\"", key, name);
	else if (json)
		printf(",\"%s\":%u", key, val);
	else if (name)
		printf(" %s", name);
	else
		printf(" %s-%u", key, val);
}

/*
 * An event: a line of words, its name, the interface, then what it says; or
 * one JSON object, "time" first when @stamp is not "".
 */
static void print_event(bool json, const struct msg *m, const char *stamp)
{
	const char *name = m->cmd <= ESPVTI_CMD_MAX ? event_names[m->cmd] : NULL;
	char buf[INET6_ADDRSTRLEN];

	if (json) {
		putchar('{');
		if (stamp[0])
			printf("\"time\":%s,", stamp);
		if (name)
			printf("\"event\":\"%s\"", name);
		else
			printf("\"event\":\"event-%u\"", m->cmd);
		printf(",\"ifname\":");
		print_json_string(m->ifname);
		printf(",\"ifindex\":%u", m->ifindex);
	} else {
		if (name)
			printf("%s", name);
		else
			printf("event-%u", m->cmd);
		printf(" %s", m->ifname[0] ? m->ifname : "-");
	}
	switch (m->cmd) {
	case ESPVTI_CMD_DEV_CHANGE_NTF:
		print_flag(json, "carrier", " carrier %s", "on", "off", m->carrier);
		print_flag(json, "oper_up", " oper %s", "up", "down", m->oper_up);
		break;
	case ESPVTI_CMD_SA_DEL_NTF:
		print_enum(json, "reason", reason_names, MNL_ARRAY_SIZE(reason_names), m->reason);
		break;
	case ESPVTI_CMD_SA_EXPIRE_NTF:
		print_enum(json, "expire", expire_names, MNL_ARRAY_SIZE(expire_names), m->expire);
		break;
	case ESPVTI_CMD_ACQUIRE_NTF:
		if (m->has_flow) {
			printf(json ? ",\"flow\":" : " ");
			print_flow(json, &m->flow);
		}
		break;
	case ESPVTI_CMD_NAT_CHANGE_NTF:
		if (m->old_remote.family)
			print_str(json, "old_remote", " from %s",
				  addr_str(&m->old_remote, buf, sizeof(buf)));
		if (m->has_old_dport)
			print_uint(json, "old_dport", " port %llu", m->old_dport);
		if (!json && m->remote.family)	/* JSON: "remote", as every event */
			printf(" to %s", addr_str(&m->remote, buf, sizeof(buf)));
		if (m->encap.has_dport)
			print_uint(json, "dport", " port %llu", m->encap.dport);
		if (m->encap.has_nat)
			print_flag(json, "followed", "%s", " followed", " reported",
				   m->encap.nat_follow);
		if (!json)
			return;
		break;
	}
	if (m->has_sa && json) {
		printf(",\"sa\":");
		print_sa(json, &m->sa);
	} else if (m->has_sa) {
		putchar(' ');
		print_sa_params(json, &m->sa);
		print_sa_use(json, &m->sa);
	}
	if (m->cmd != ESPVTI_CMD_DEV_CHANGE_NTF && m->local.family)
		print_str(json, "local", " local %s", addr_str(&m->local, buf, sizeof(buf)));
	if (m->cmd != ESPVTI_CMD_DEV_CHANGE_NTF && m->remote.family)
		print_str(json, "remote", " remote %s", addr_str(&m->remote, buf, sizeof(buf)));
	if (json)
		putchar('}');
}

/* An acquire's flow: "inet src A dst B proto P [sport N dport N]", or a JSON object. */
static void print_flow(bool json, const struct espvti_sel *fl)
{
	char buf[INET6_ADDRSTRLEN];

	print_family(json, fl->family, "family-?");
	if (fl->src.family)
		print_str(json, "src", " src %s", addr_str(&fl->src, buf, sizeof(buf)));
	if (fl->dst.family)
		print_str(json, "dst", " dst %s", addr_str(&fl->dst, buf, sizeof(buf)));
	if (json)
		printf(",\"proto\":%u", fl->proto);
	else
		printf(" proto %s", proto_str(fl->proto, buf, sizeof(buf)));
	if (fl->has_sport)
		print_uint(json, "sport", " sport %llu", fl->sport[0]);
	if (fl->has_dport)
		print_uint(json, "dport", " dport %llu", fl->dport[0]);
	if (json)
		putchar('}');
}

