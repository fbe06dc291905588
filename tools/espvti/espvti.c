// SPDX-License-Identifier: GPL-2.0
/*
 * espvti: configure the espvti interfaces of a network namespace, their SAs
 * and selectors, over the "espvti" generic netlink family.
 *
 *   espvti [-j] [-n NETNS] show [DEV]
 *   espvti [-n NETNS] set DEV [local ADDR] [remote ADDR]
 *   espvti [-j] [-n NETNS] stats DEV
 *   espvti [-n NETNS] sa add|del|flush DEV ...
 *   espvti [-j] [-n NETNS] sa show DEV
 *   espvti [-n NETNS] policy add|del|flush DEV ...
 *   espvti [-j] [-n NETNS] policy show DEV
 *
 * Every argument is checked before the first request goes out; requests
 * that change anything print nothing when they succeed.
 */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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

/* The longest key the tool takes, in bytes; the module checks each algorithm's. */
#define KEY_MAX		128

struct nl {
	struct mnl_socket *sock;
	unsigned int portid;
	unsigned int seq;
	uint16_t family;
};

/* An IPv4 or IPv6 address, network order. */
struct addr {
	int family;			/* AF_INET, AF_INET6, or AF_UNSPEC: none */
	unsigned char bytes[16];
};

/* Counters from an ESPVTI_A_STATS or ESPVTI_SA_A_STATS nest. */
struct stats {
	bool present;			/* the answer had the nest */
	bool have[__ESPVTI_STAT_MAX];
	uint64_t val[__ESPVTI_STAT_MAX];
};

struct espvti_dev {
	char ifname[IFNAMSIZ];
	uint32_t ifindex;
	uint32_t id;
	uint32_t mtu;
	bool oper_up;
	bool carrier;
	struct addr local;
	struct addr remote;
	bool has_netnsid;
	int32_t netnsid;
	struct stats stats;
};

/* An SA, as the kernel reports it or as "sa add" and "sa del" ask for it. */
struct espvti_sa {
	uint8_t dir;
	uint32_t spi;
	uint8_t alg;
	bool has_icv;
	uint8_t icv;
	bool esn;
	bool has_replay_window;
	uint32_t replay_window;
	bool has_seq;
	uint64_t seq;
	bool current;
	struct stats stats;
	unsigned char key[KEY_MAX];	/* requests only: answers have no keys */
	size_t key_len;
	unsigned char auth_key[KEY_MAX];
	size_t auth_key_len;
};

/*
 * A selector. In answers, absent fields are filled in as what they match:
 * every address, protocol and port. In requests, absent fields stay absent.
 */
struct espvti_sel {
	int family;			/* AF_INET, AF_INET6, or AF_UNSPEC */
	struct addr src;		/* family AF_UNSPEC: absent */
	struct addr dst;
	uint8_t src_prefix;
	uint8_t dst_prefix;
	bool has_proto;
	uint8_t proto;			/* 0: any */
	bool has_sport;
	uint16_t sport[2];		/* min, max */
	bool has_dport;
	uint16_t dport[2];
};

/* The answers of a dump or a request, of one type each. */
struct list {
	void *items;
	size_t n;
	size_t size;			/* of one item */
};

struct verb;

/* What every command is run with: the global options and the command. */
struct ctx {
	const char *netns;
	bool json;
	const struct verb *verb;
};

struct verb {
	const char *obj;		/* "sa", "policy", or NULL for none */
	const char *name;
	const char *args;		/* for the usage; '\n' continues a line */
	int (*fn)(const struct ctx *ctx, int argc, char **argv);
	uint8_t cmd;			/* the genl command, where fn serves several */
};

/* A keyword of a command's arguments: "name VALUE", or a flag, "name". */
struct keyword {
	const char *name;
	bool flag;
};

/* A table that mnl_attr_parse() and mnl_attr_parse_nested() fill. */
struct attr_table {
	const enum mnl_attr_data_type *types;	/* by type, 0..max */
	unsigned int max;
	const struct nlattr **tb;		/* by type, 0..max */
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
	[ESPVTI_A_LOCAL]	= MNL_TYPE_BINARY,
	[ESPVTI_A_REMOTE]	= MNL_TYPE_BINARY,
	[ESPVTI_A_LINK_NETNSID]	= MNL_TYPE_U32,
	[ESPVTI_A_STATS]	= MNL_TYPE_NESTED,
	[ESPVTI_A_SA]		= MNL_TYPE_NESTED,
	[ESPVTI_A_SEL]		= MNL_TYPE_NESTED,
};

static const enum mnl_attr_data_type espvti_sa_attr_types[ESPVTI_SA_A_MAX + 1] = {
	[ESPVTI_SA_A_DIR]		= MNL_TYPE_U8,
	[ESPVTI_SA_A_SPI]		= MNL_TYPE_U32,
	[ESPVTI_SA_A_ALG]		= MNL_TYPE_U8,
	[ESPVTI_SA_A_KEY]		= MNL_TYPE_BINARY,
	[ESPVTI_SA_A_AUTH_KEY]		= MNL_TYPE_BINARY,
	[ESPVTI_SA_A_ICV_LEN]		= MNL_TYPE_U8,
	[ESPVTI_SA_A_ESN]		= MNL_TYPE_U8,
	[ESPVTI_SA_A_REPLAY_WINDOW]	= MNL_TYPE_U32,
	[ESPVTI_SA_A_SEQ]		= MNL_TYPE_U64,
	[ESPVTI_SA_A_CURRENT]		= MNL_TYPE_U8,
	[ESPVTI_SA_A_STATS]		= MNL_TYPE_NESTED,
};

static const enum mnl_attr_data_type espvti_sel_attr_types[ESPVTI_SEL_A_MAX + 1] = {
	[ESPVTI_SEL_A_FAMILY]		= MNL_TYPE_U16,
	[ESPVTI_SEL_A_SRC]		= MNL_TYPE_BINARY,
	[ESPVTI_SEL_A_SRC_PREFIX]	= MNL_TYPE_U8,
	[ESPVTI_SEL_A_DST]		= MNL_TYPE_BINARY,
	[ESPVTI_SEL_A_DST_PREFIX]	= MNL_TYPE_U8,
	[ESPVTI_SEL_A_PROTO]		= MNL_TYPE_U8,
	[ESPVTI_SEL_A_SPORT_MIN]	= MNL_TYPE_U16,
	[ESPVTI_SEL_A_SPORT_MAX]	= MNL_TYPE_U16,
	[ESPVTI_SEL_A_DPORT_MIN]	= MNL_TYPE_U16,
	[ESPVTI_SEL_A_DPORT_MAX]	= MNL_TYPE_U16,
};

/* The name of every counter, by enum espvti_stat: "stats" prints them all. */
static const char *const stat_names[] = {
	[ESPVTI_STAT_TX_PACKETS]		= "tx_packets",
	[ESPVTI_STAT_TX_BYTES]			= "tx_bytes",
	[ESPVTI_STAT_RX_PACKETS]		= "rx_packets",
	[ESPVTI_STAT_RX_BYTES]			= "rx_bytes",
	[ESPVTI_STAT_RX_DUMMY]			= "rx_dummy",
	[ESPVTI_STAT_TX_NO_SA]			= "tx_no_sa",
	[ESPVTI_STAT_TX_NO_POLICY]		= "tx_no_policy",
	[ESPVTI_STAT_TX_SEQ_OVERFLOW]		= "tx_seq_overflow",
	[ESPVTI_STAT_TX_TOO_BIG]		= "tx_too_big",
	[ESPVTI_STAT_TX_NO_ROUTE]		= "tx_no_route",
	[ESPVTI_STAT_TX_LOOP]			= "tx_loop",
	[ESPVTI_STAT_TX_CRYPTO_ERROR]		= "tx_crypto_error",
	[ESPVTI_STAT_TX_MALFORMED]		= "tx_malformed",
	[ESPVTI_STAT_RX_UNKNOWN_SPI]		= "rx_unknown_spi",
	[ESPVTI_STAT_RX_AUTH_FAILED]		= "rx_auth_failed",
	[ESPVTI_STAT_RX_REPLAY]			= "rx_replay",
	[ESPVTI_STAT_RX_OUTSIDE_WINDOW]		= "rx_outside_window",
	[ESPVTI_STAT_RX_BAD_TRAILER]		= "rx_bad_trailer",
	[ESPVTI_STAT_RX_SELECTOR_MISMATCH]	= "rx_selector_mismatch",
	[ESPVTI_STAT_RX_CRYPTO_ERROR]		= "rx_crypto_error",
	[ESPVTI_STAT_RX_MALFORMED]		= "rx_malformed",
	[ESPVTI_STAT_RX_NOT_UP]			= "rx_not_up",
	[ESPVTI_STAT_TX_UNDERLAY_ERROR]		= "tx_underlay_error",
};

static_assert(MNL_ARRAY_SIZE(stat_names) == __ESPVTI_STAT_MAX,
	      "stat_names[] must name every counter of enum espvti_stat");

/* By enum espvti_alg; what "sa add ... alg" takes and "sa show" prints. */
static const char *const alg_names[] = {
	[ESPVTI_ALG_AES_GCM]			= "aes-gcm",
	[ESPVTI_ALG_CHACHA20_POLY1305]		= "chacha20-poly1305",
	[ESPVTI_ALG_AES_CBC_HMAC_SHA256]	= "aes-cbc-hmac-sha256",
	[ESPVTI_ALG_AES_GMAC]			= "aes-gmac",
};

static_assert(MNL_ARRAY_SIZE(alg_names) == __ESPVTI_ALG_MAX,
	      "alg_names[] must name every algorithm of enum espvti_alg");

static const struct {
	const char *name;
	uint8_t proto;
} proto_names[] = {
	{ "icmp",	IPPROTO_ICMP },
	{ "tcp",	IPPROTO_TCP },
	{ "udp",	IPPROTO_UDP },
	{ "ipv6-icmp",	IPPROTO_ICMPV6 },
};

static int run(int argc, char **argv);
static int dispatch(const char *netns, bool json, int argc, char **argv);
static void usage(FILE *f);
static void usage_obj(FILE *f, const char *obj);
static void print_verb_usage(FILE *f, const char *lead, const struct verb *v);
static int parse_error(const struct verb *v, bool show_usage, const char *fmt, ...);
static int cmd_show(const struct ctx *ctx, int argc, char **argv);
static int cmd_set(const struct ctx *ctx, int argc, char **argv);
static int cmd_stats(const struct ctx *ctx, int argc, char **argv);
static int cmd_sa_add(const struct ctx *ctx, int argc, char **argv);
static int cmd_sa_del(const struct ctx *ctx, int argc, char **argv);
static int cmd_sa_show(const struct ctx *ctx, int argc, char **argv);
static int cmd_dev_only(const struct ctx *ctx, int argc, char **argv);
static int cmd_policy_change(const struct ctx *ctx, int argc, char **argv);
static int cmd_policy_show(const struct ctx *ctx, int argc, char **argv);
static int take_dev(const struct ctx *ctx, int *argc, char ***argv, const char **dev);
static int no_more_args(const struct ctx *ctx, int argc, char **argv);
static int scan_keywords(const struct verb *v, int argc, char **argv,
			 const struct keyword *kws, size_t nkws, const char **vals);
static int parse_sa_id(const struct verb *v, const char *dir, const char *spi,
		       struct espvti_sa *sa);
static int parse_selector(const struct verb *v, int argc, char **argv,
			  struct espvti_sel *sel);
static int parse_uint(const char *s, uint64_t max, bool hex, uint64_t *val);
static int parse_hex(const char *s, unsigned char *buf, size_t size, size_t *len);
static int parse_addr(const char *s, struct addr *addr);
static int parse_prefix(const char *s, struct addr *addr, uint8_t *prefix);
static int parse_ports(const char *s, uint16_t ports[2]);
static int parse_proto(const char *s, uint8_t *proto);
static bool valid_ifname(const char *name);
static int enter_netns(const char *name);
static int nl_start(struct nl *nl, const char *netns);
static int nl_open(struct nl *nl);
static int resolve_family(struct nl *nl);
static int family_cb(const struct nlmsghdr *nlh, void *data);
static struct nlmsghdr *dev_msg(struct nl *nl, uint16_t flags, uint8_t cmd, const char *dev);
static int nl_do(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);
static int get_devs(struct nl *nl, const char *name, struct list *list);
static int dev_cb(const struct nlmsghdr *nlh, void *data);
static int sa_cb(const struct nlmsghdr *nlh, void *data);
static int sel_cb(const struct nlmsghdr *nlh, void *data);
static int parse_sa(const struct nlattr *nest, struct espvti_sa *sa);
static int parse_sel(const struct nlattr *nest, struct espvti_sel *sel);
static int parse_stats(const struct nlattr *nest, struct stats *stats);
static int get_addr(const struct nlattr *attr, struct addr *addr);
static int table_attr_cb(const struct nlattr *attr, void *data);
static void *list_add(struct list *list);
static void print_list(const struct list *list, bool json, void (*plain)(const void *),
		       void (*json_item)(const void *));
static void print_dev_plain(const void *item);
static void print_dev_json(const void *item);
static void print_sa_plain(const void *item);
static void print_sa_json(const void *item);
static void print_sel_plain(const void *item);
static void print_sel_json(const void *item);
static void print_stats_json(const struct stats *stats);
static const char *addr_str(const struct addr *addr, char *buf, size_t size);
static const char *sel_addr_str(const struct espvti_sel *sel, const struct addr *addr,
				uint8_t prefix, char *buf, size_t size);
static const char *family_name(int family);
static const char *dir_name(uint8_t dir);
static const char *alg_name(uint8_t alg);
static const char *stat_name(unsigned int stat);
static void print_json_string(const char *s);
static struct nlmsghdr *genl_msg(uint16_t family, uint16_t flags, uint8_t cmd,
				 uint8_t version);
static int nl_transact(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);
static int error_cb(const struct nlmsghdr *nlh, void *data);
static int done_cb(const struct nlmsghdr *nlh, void *data);
static void parse_extack(const struct nlmsghdr *nlh, size_t offset);
static int extack_attr_cb(const struct nlattr *attr, void *data);
static void nl_perror(int err);

static const struct verb verbs[] = {
	{ .name = "show", .args = "[DEV]", .fn = cmd_show },
	{ .name = "set", .args = "DEV [local ADDR] [remote ADDR]", .fn = cmd_set },
	{ .name = "stats", .args = "DEV", .fn = cmd_stats },
	{ .obj = "sa", .name = "add", .fn = cmd_sa_add,
	  .args = "DEV dir in|out spi SPI alg ALG key HEX [auth-key HEX]\n"
		  "[icv BYTES] [esn] [replay-window N] [seq N]" },
	{ .obj = "sa", .name = "del", .args = "DEV dir in|out spi SPI", .fn = cmd_sa_del },
	{ .obj = "sa", .name = "show", .args = "DEV", .fn = cmd_sa_show },
	{ .obj = "sa", .name = "flush", .args = "DEV", .fn = cmd_dev_only,
	  .cmd = ESPVTI_CMD_SA_FLUSH },
	{ .obj = "policy", .name = "add", .args = "DEV SELECTOR", .fn = cmd_policy_change,
	  .cmd = ESPVTI_CMD_SEL_ADD },
	{ .obj = "policy", .name = "del", .args = "DEV SELECTOR", .fn = cmd_policy_change,
	  .cmd = ESPVTI_CMD_SEL_DEL },
	{ .obj = "policy", .name = "show", .args = "DEV", .fn = cmd_policy_show },
	{ .obj = "policy", .name = "flush", .args = "DEV", .fn = cmd_dev_only,
	  .cmd = ESPVTI_CMD_SEL_FLUSH },
};

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
	return dispatch(netns, json, argc, argv);
}

/* Find the command argv[0] (or argv[0] argv[1], "sa add") names, and run it. */
static int dispatch(const char *netns, bool json, int argc, char **argv)
{
	struct ctx ctx = { .netns = netns, .json = json };
	const struct verb *v;
	bool obj = false;
	int words;

	for (v = verbs; v < verbs + MNL_ARRAY_SIZE(verbs); v++) {
		if (v->obj && !strcmp(argv[0], v->obj)) {
			obj = true;
			if (argc >= 2 && !strcmp(argv[1], v->name))
				break;
		} else if (!v->obj && !strcmp(argv[0], v->name)) {
			break;
		}
	}
	if (v < verbs + MNL_ARRAY_SIZE(verbs)) {
		ctx.verb = v;
		words = v->obj ? 2 : 1;
		return v->fn(&ctx, argc - words, argv + words) ? 1 : 0;
	}
	if (obj && argc >= 2 && !strcmp(argv[1], "help")) {
		usage_obj(stdout, argv[0]);
		return 0;
	}
	if (obj && argc < 2) {
		fprintf(stderr, "espvti: %s: missing command\n", argv[0]);
		usage_obj(stderr, argv[0]);
		return 1;
	}
	if (obj)
		fprintf(stderr, "espvti: unknown command \"%s %s\", try \"espvti %s help\"\n",
			argv[0], argv[1], argv[0]);
	else
		fprintf(stderr, "espvti: unknown command \"%s\", try \"espvti help\"\n",
			argv[0]);
	return 1;
}

static void usage(FILE *f)
{
	const char *lead = "Usage: espvti [OPTIONS] ";
	const struct verb *v;

	for (v = verbs; v < verbs + MNL_ARRAY_SIZE(verbs); v++) {
		print_verb_usage(f, lead, v);
		lead = "       espvti [OPTIONS] ";
	}
	fprintf(f,
		"       espvti help\n"
		"       espvti --version\n"
		"ADDR := an IPv4 or IPv6 address; local and remote of one family\n"
		"SPI := a number, decimal or 0x hex, not 0\n"
		"ALG := aes-gcm | chacha20-poly1305 | aes-cbc-hmac-sha256 | aes-gmac\n"
		"HEX := an even number of hex digits, optionally after 0x\n"
		"SELECTOR := [family inet|inet6] [src PREFIX] [dst PREFIX] [proto PROTO]\n"
		"            [sport PORTS] [dport PORTS]\n"
		"PREFIX := ADDR[/LENGTH]; family is needed when neither src nor dst is given\n"
		"PROTO := tcp | udp | icmp | ipv6-icmp | any | NUMBER\n"
		"PORTS := PORT[-PORT]\n"
		"OPTIONS:\n"
		"  -j, --json           print JSON\n"
		"  -n, --netns NETNS    run in the network namespace NETNS, as ip -n\n");
}

/* The usage of the commands of one object, "sa" or "policy". */
static void usage_obj(FILE *f, const char *obj)
{
	const char *lead = "Usage: espvti [OPTIONS] ";
	const struct verb *v;

	for (v = verbs; v < verbs + MNL_ARRAY_SIZE(verbs); v++) {
		if (!v->obj || strcmp(v->obj, obj))
			continue;
		print_verb_usage(f, lead, v);
		lead = "       espvti [OPTIONS] ";
	}
	fprintf(f, "Try \"espvti help\" for the arguments.\n");
}

/* @lead, then the command and its arguments, continued lines indented under them. */
static void print_verb_usage(FILE *f, const char *lead, const struct verb *v)
{
	int indent;
	const char *s;

	indent = fprintf(f, "%s", lead);
	if (v->obj)
		indent += fprintf(f, "%s ", v->obj);
	indent += fprintf(f, "%s ", v->name);
	for (s = v->args; *s; s++) {
		if (*s == '\n')
			fprintf(f, "\n%*s", indent, "");
		else
			fputc(*s, f);
	}
	fputc('\n', f);
}

/* Say what is wrong with the arguments of @v, and maybe how they go. -1. */
static int parse_error(const struct verb *v, bool show_usage, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "espvti: ");
	if (v->obj)
		fprintf(stderr, "%s ", v->obj);
	fprintf(stderr, "%s: ", v->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (show_usage)
		print_verb_usage(stderr, "Usage: espvti [OPTIONS] ", v);
	return -1;
}

static int cmd_show(const struct ctx *ctx, int argc, char **argv)
{
	const char *name = argc ? argv[0] : NULL;
	struct list list = { .size = sizeof(struct espvti_dev) };
	struct nl nl = {};
	int ret;

	if (argc > 1)
		return no_more_args(ctx, argc - 1, argv + 1);
	if (name && !valid_ifname(name))
		return parse_error(ctx->verb, false, "\"%s\" is not a valid interface name", name);
	if (nl_start(&nl, ctx->netns))
		return -1;

	ret = get_devs(&nl, name, &list);
	if (!ret)
		print_list(&list, ctx->json, print_dev_plain, print_dev_json);

	mnl_socket_close(nl.sock);
	free(list.items);
	return ret;
}

static int cmd_set(const struct ctx *ctx, int argc, char **argv)
{
	enum { K_LOCAL, K_REMOTE, K_N };
	static const struct keyword kws[K_N] = {
		[K_LOCAL]	= { .name = "local" },
		[K_REMOTE]	= { .name = "remote" },
	};
	const char *vals[K_N] = {};
	struct addr local = {}, remote = {};
	struct nlmsghdr *nlh;
	struct nl nl = {};
	const char *dev;
	int ret;

	if (take_dev(ctx, &argc, &argv, &dev) ||
	    scan_keywords(ctx->verb, argc, argv, kws, K_N, vals))
		return -1;
	if (!vals[K_LOCAL] && !vals[K_REMOTE])
		return parse_error(ctx->verb, true, "nothing to set");
	if (vals[K_LOCAL] && parse_addr(vals[K_LOCAL], &local))
		return parse_error(ctx->verb, false, "\"%s\" is not an IPv4 or IPv6 address",
				   vals[K_LOCAL]);
	if (vals[K_REMOTE] && parse_addr(vals[K_REMOTE], &remote))
		return parse_error(ctx->verb, false, "\"%s\" is not an IPv4 or IPv6 address",
				   vals[K_REMOTE]);
	if (local.family && remote.family && local.family != remote.family)
		return parse_error(ctx->verb, false,
				   "local and remote must be of one family, IPv4 or IPv6");
	if (nl_start(&nl, ctx->netns))
		return -1;

	nlh = dev_msg(&nl, NLM_F_ACK, ESPVTI_CMD_DEV_SET, dev);
	if (local.family)
		mnl_attr_put(nlh, ESPVTI_A_LOCAL, local.family == AF_INET ? 4 : 16, local.bytes);
	if (remote.family)
		mnl_attr_put(nlh, ESPVTI_A_REMOTE, remote.family == AF_INET ? 4 : 16,
			     remote.bytes);
	ret = nl_do(&nl, nlh, NULL, NULL);

	mnl_socket_close(nl.sock);
	return ret;
}

static int cmd_stats(const struct ctx *ctx, int argc, char **argv)
{
	struct list list = { .size = sizeof(struct espvti_dev) };
	const struct espvti_dev *dev;
	struct nl nl = {};
	const char *name;
	unsigned int i;
	int ret;

	if (take_dev(ctx, &argc, &argv, &name) || no_more_args(ctx, argc, argv))
		return -1;
	if (nl_start(&nl, ctx->netns))
		return -1;

	ret = get_devs(&nl, name, &list);
	mnl_socket_close(nl.sock);
	if (!ret && (list.n != 1 || !((struct espvti_dev *)list.items)->stats.present)) {
		fprintf(stderr, "espvti: the kernel reported no counters for %s\n", name);
		ret = -1;
	}
	if (ret) {
		free(list.items);
		return ret;
	}

	dev = list.items;
	if (ctx->json) {
		print_stats_json(&dev->stats);
		putchar('\n');
	} else {
		for (i = 0; i < __ESPVTI_STAT_MAX; i++) {
			if (dev->stats.have[i])
				printf("%s %llu\n", stat_name(i),
				       (unsigned long long)dev->stats.val[i]);
		}
	}
	free(list.items);
	return 0;
}

static int cmd_sa_add(const struct ctx *ctx, int argc, char **argv)
{
	enum { K_DIR, K_SPI, K_ALG, K_KEY, K_AUTH_KEY, K_ICV, K_ESN, K_REPLAY_WINDOW, K_SEQ,
	       K_N };
	static const struct keyword kws[K_N] = {
		[K_DIR]			= { .name = "dir" },
		[K_SPI]			= { .name = "spi" },
		[K_ALG]			= { .name = "alg" },
		[K_KEY]			= { .name = "key" },
		[K_AUTH_KEY]		= { .name = "auth-key" },
		[K_ICV]			= { .name = "icv" },
		[K_ESN]			= { .name = "esn", .flag = true },
		[K_REPLAY_WINDOW]	= { .name = "replay-window" },
		[K_SEQ]			= { .name = "seq" },
	};
	static const unsigned int required[] = { K_DIR, K_SPI, K_ALG, K_KEY };
	const char *vals[K_N] = {};
	struct espvti_sa sa = {};
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct nl nl = {};
	const char *dev;
	uint64_t val;
	unsigned int i;
	int ret = -1;

	if (take_dev(ctx, &argc, &argv, &dev) ||
	    scan_keywords(ctx->verb, argc, argv, kws, K_N, vals))
		return -1;
	for (i = 0; i < MNL_ARRAY_SIZE(required); i++) {
		if (!vals[required[i]])
			return parse_error(ctx->verb, true, "missing \"%s\"",
					   kws[required[i]].name);
	}
	if (parse_sa_id(ctx->verb, vals[K_DIR], vals[K_SPI], &sa))
		return -1;
	for (i = 1; i < MNL_ARRAY_SIZE(alg_names); i++) {
		if (!strcmp(vals[K_ALG], alg_names[i]))
			break;
	}
	if (i == MNL_ARRAY_SIZE(alg_names))
		return parse_error(ctx->verb, false, "unknown algorithm \"%s\"", vals[K_ALG]);
	sa.alg = i;
	if (parse_hex(vals[K_KEY], sa.key, sizeof(sa.key), &sa.key_len)) {
		parse_error(ctx->verb, false,
			    "key: not an even number of hex digits, at most %d bytes", KEY_MAX);
		goto out;
	}
	if (vals[K_AUTH_KEY] &&
	    parse_hex(vals[K_AUTH_KEY], sa.auth_key, sizeof(sa.auth_key), &sa.auth_key_len)) {
		parse_error(ctx->verb, false,
			    "auth-key: not an even number of hex digits, at most %d bytes",
			    KEY_MAX);
		goto out;
	}
	if (vals[K_ICV]) {
		if (parse_uint(vals[K_ICV], UINT8_MAX, false, &val)) {
			parse_error(ctx->verb, false, "icv \"%s\": not a number of bytes (0-255)",
				    vals[K_ICV]);
			goto out;
		}
		sa.has_icv = true;
		sa.icv = val;
	}
	sa.esn = vals[K_ESN];
	if (vals[K_REPLAY_WINDOW]) {
		if (parse_uint(vals[K_REPLAY_WINDOW], UINT32_MAX, false, &val)) {
			parse_error(ctx->verb, false,
				    "replay-window \"%s\": not a number of packets",
				    vals[K_REPLAY_WINDOW]);
			goto out;
		}
		sa.has_replay_window = true;
		sa.replay_window = val;
	}
	if (vals[K_SEQ]) {
		if (parse_uint(vals[K_SEQ], UINT64_MAX, true, &val)) {
			parse_error(ctx->verb, false,
				    "seq \"%s\": not a 64-bit number, decimal or 0x hex",
				    vals[K_SEQ]);
			goto out;
		}
		sa.has_seq = true;
		sa.seq = val;
	}
	if (nl_start(&nl, ctx->netns))
		goto out;

	nlh = dev_msg(&nl, NLM_F_ACK, ESPVTI_CMD_SA_ADD, dev);
	nest = mnl_attr_nest_start(nlh, ESPVTI_A_SA);
	mnl_attr_put_u8(nlh, ESPVTI_SA_A_DIR, sa.dir);
	mnl_attr_put_u32(nlh, ESPVTI_SA_A_SPI, sa.spi);
	mnl_attr_put_u8(nlh, ESPVTI_SA_A_ALG, sa.alg);
	mnl_attr_put(nlh, ESPVTI_SA_A_KEY, sa.key_len, sa.key);
	if (sa.auth_key_len)
		mnl_attr_put(nlh, ESPVTI_SA_A_AUTH_KEY, sa.auth_key_len, sa.auth_key);
	if (sa.has_icv)
		mnl_attr_put_u8(nlh, ESPVTI_SA_A_ICV_LEN, sa.icv);
	if (sa.esn)
		mnl_attr_put_u8(nlh, ESPVTI_SA_A_ESN, 1);
	if (sa.has_replay_window)
		mnl_attr_put_u32(nlh, ESPVTI_SA_A_REPLAY_WINDOW, sa.replay_window);
	if (sa.has_seq)
		mnl_attr_put_u64(nlh, ESPVTI_SA_A_SEQ, sa.seq);
	mnl_attr_nest_end(nlh, nest);
	ret = nl_do(&nl, nlh, NULL, NULL);

	mnl_socket_close(nl.sock);
out:
	/* The keys: in the request, part of which an error answer echoes, and here. */
	explicit_bzero(nl_buf, sizeof(nl_buf));
	explicit_bzero(&sa, sizeof(sa));
	return ret;
}

static int cmd_sa_del(const struct ctx *ctx, int argc, char **argv)
{
	enum { K_DIR, K_SPI, K_N };
	static const struct keyword kws[K_N] = {
		[K_DIR]	= { .name = "dir" },
		[K_SPI]	= { .name = "spi" },
	};
	const char *vals[K_N] = {};
	struct espvti_sa sa = {};
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct nl nl = {};
	const char *dev;
	int ret;

	if (take_dev(ctx, &argc, &argv, &dev) ||
	    scan_keywords(ctx->verb, argc, argv, kws, K_N, vals))
		return -1;
	if (!vals[K_DIR])
		return parse_error(ctx->verb, true, "missing \"dir\"");
	if (!vals[K_SPI])
		return parse_error(ctx->verb, true, "missing \"spi\"");
	if (parse_sa_id(ctx->verb, vals[K_DIR], vals[K_SPI], &sa))
		return -1;
	if (nl_start(&nl, ctx->netns))
		return -1;

	nlh = dev_msg(&nl, NLM_F_ACK, ESPVTI_CMD_SA_DEL, dev);
	nest = mnl_attr_nest_start(nlh, ESPVTI_A_SA);
	mnl_attr_put_u8(nlh, ESPVTI_SA_A_DIR, sa.dir);
	mnl_attr_put_u32(nlh, ESPVTI_SA_A_SPI, sa.spi);
	mnl_attr_nest_end(nlh, nest);
	ret = nl_do(&nl, nlh, NULL, NULL);

	mnl_socket_close(nl.sock);
	return ret;
}

/* What a "show DEV" command dumps and how it prints one item. */
struct dump_show {
	int cmd;
	size_t size;
	mnl_cb_t cb;
	void (*plain)(const void *item);
	void (*json)(const void *item);
};

/* sa show, policy show: dump what DEV has, print it as a list. */
static int dump_show(const struct ctx *ctx, int argc, char **argv, const struct dump_show *d)
{
	struct list list = { .size = d->size };
	struct nlmsghdr *nlh;
	struct nl nl = {};
	const char *dev;
	int ret;

	if (take_dev(ctx, &argc, &argv, &dev) || no_more_args(ctx, argc, argv))
		return -1;
	if (nl_start(&nl, ctx->netns))
		return -1;

	nlh = dev_msg(&nl, NLM_F_DUMP, d->cmd, dev);
	ret = nl_do(&nl, nlh, d->cb, &list);
	if (!ret)
		print_list(&list, ctx->json, d->plain, d->json);

	mnl_socket_close(nl.sock);
	free(list.items);
	return ret;
}

static int cmd_sa_show(const struct ctx *ctx, int argc, char **argv)
{
	static const struct dump_show d = {
		.cmd = ESPVTI_CMD_SA_GET, .size = sizeof(struct espvti_sa),
		.cb = sa_cb, .plain = print_sa_plain, .json = print_sa_json,
	};

	return dump_show(ctx, argc, argv, &d);
}

/* A command that takes an interface and nothing else: sa flush, policy flush. */
static int cmd_dev_only(const struct ctx *ctx, int argc, char **argv)
{
	struct nlmsghdr *nlh;
	struct nl nl = {};
	const char *dev;
	int ret;

	if (take_dev(ctx, &argc, &argv, &dev) || no_more_args(ctx, argc, argv))
		return -1;
	if (nl_start(&nl, ctx->netns))
		return -1;

	nlh = dev_msg(&nl, NLM_F_ACK, ctx->verb->cmd, dev);
	ret = nl_do(&nl, nlh, NULL, NULL);

	mnl_socket_close(nl.sock);
	return ret;
}

/* policy add, policy del: the same selector, to SEL_ADD or SEL_DEL. */
static int cmd_policy_change(const struct ctx *ctx, int argc, char **argv)
{
	struct espvti_sel sel = {};
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct nl nl = {};
	const char *dev;
	int ret;

	if (take_dev(ctx, &argc, &argv, &dev) || parse_selector(ctx->verb, argc, argv, &sel))
		return -1;
	if (nl_start(&nl, ctx->netns))
		return -1;

	nlh = dev_msg(&nl, NLM_F_ACK, ctx->verb->cmd, dev);
	nest = mnl_attr_nest_start(nlh, ESPVTI_A_SEL);
	mnl_attr_put_u16(nlh, ESPVTI_SEL_A_FAMILY, sel.family);
	if (sel.src.family) {
		mnl_attr_put(nlh, ESPVTI_SEL_A_SRC, sel.family == AF_INET ? 4 : 16,
			     sel.src.bytes);
		mnl_attr_put_u8(nlh, ESPVTI_SEL_A_SRC_PREFIX, sel.src_prefix);
	}
	if (sel.dst.family) {
		mnl_attr_put(nlh, ESPVTI_SEL_A_DST, sel.family == AF_INET ? 4 : 16,
			     sel.dst.bytes);
		mnl_attr_put_u8(nlh, ESPVTI_SEL_A_DST_PREFIX, sel.dst_prefix);
	}
	if (sel.has_proto)
		mnl_attr_put_u8(nlh, ESPVTI_SEL_A_PROTO, sel.proto);
	if (sel.has_sport) {
		mnl_attr_put_u16(nlh, ESPVTI_SEL_A_SPORT_MIN, sel.sport[0]);
		mnl_attr_put_u16(nlh, ESPVTI_SEL_A_SPORT_MAX, sel.sport[1]);
	}
	if (sel.has_dport) {
		mnl_attr_put_u16(nlh, ESPVTI_SEL_A_DPORT_MIN, sel.dport[0]);
		mnl_attr_put_u16(nlh, ESPVTI_SEL_A_DPORT_MAX, sel.dport[1]);
	}
	mnl_attr_nest_end(nlh, nest);
	ret = nl_do(&nl, nlh, NULL, NULL);

	mnl_socket_close(nl.sock);
	return ret;
}

static int cmd_policy_show(const struct ctx *ctx, int argc, char **argv)
{
	static const struct dump_show d = {
		.cmd = ESPVTI_CMD_SEL_GET, .size = sizeof(struct espvti_sel),
		.cb = sel_cb, .plain = print_sel_plain, .json = print_sel_json,
	};

	return dump_show(ctx, argc, argv, &d);
}

/* The interface a command starts with, taken off its arguments. */
static int take_dev(const struct ctx *ctx, int *argc, char ***argv, const char **dev)
{
	if (*argc < 1)
		return parse_error(ctx->verb, true, "missing DEV");
	*dev = (*argv)[0];
	if (!valid_ifname(*dev))
		return parse_error(ctx->verb, false, "\"%s\" is not a valid interface name", *dev);
	(*argc)--;
	(*argv)++;
	return 0;
}

static int no_more_args(const struct ctx *ctx, int argc, char **argv)
{
	if (argc)
		return parse_error(ctx->verb, true, "unexpected argument \"%s\"", argv[0]);
	return 0;
}

/*
 * Match "KEYWORD VALUE" pairs and lone flags, in any order, against @kws:
 * @vals[i] becomes the value given to kws[i], "" for a flag given, and stays
 * NULL when kws[i] is not given. 0, or -1 when an argument is wrong.
 */
static int scan_keywords(const struct verb *v, int argc, char **argv,
			 const struct keyword *kws, size_t nkws, const char **vals)
{
	size_t k;
	int i;

	for (i = 0; i < argc; i++) {
		for (k = 0; k < nkws; k++) {
			if (!strcmp(argv[i], kws[k].name))
				break;
		}
		if (k == nkws)
			return parse_error(v, true, "unknown keyword \"%s\"", argv[i]);
		if (vals[k])
			return parse_error(v, false, "\"%s\" given twice", argv[i]);
		if (kws[k].flag) {
			vals[k] = "";
			continue;
		}
		if (i + 1 == argc)
			return parse_error(v, true, "\"%s\" needs a value", argv[i]);
		vals[k] = argv[++i];
	}
	return 0;
}

/* What names an SA: its direction and its SPI. */
static int parse_sa_id(const struct verb *v, const char *dir, const char *spi,
		       struct espvti_sa *sa)
{
	uint64_t val;

	if (!strcmp(dir, "in"))
		sa->dir = ESPVTI_SA_DIR_IN;
	else if (!strcmp(dir, "out"))
		sa->dir = ESPVTI_SA_DIR_OUT;
	else
		return parse_error(v, false, "dir \"%s\": not in or out", dir);
	if (parse_uint(spi, UINT32_MAX, true, &val) || !val)
		return parse_error(v, false,
				   "spi \"%s\": not a number from 1 to 0xffffffff (or 0x hex)",
				   spi);
	sa->spi = val;
	return 0;
}

static int parse_selector(const struct verb *v, int argc, char **argv,
			  struct espvti_sel *sel)
{
	enum { K_FAMILY, K_SRC, K_DST, K_PROTO, K_SPORT, K_DPORT, K_N };
	static const struct keyword kws[K_N] = {
		[K_FAMILY]	= { .name = "family" },
		[K_SRC]		= { .name = "src" },
		[K_DST]		= { .name = "dst" },
		[K_PROTO]	= { .name = "proto" },
		[K_SPORT]	= { .name = "sport" },
		[K_DPORT]	= { .name = "dport" },
	};
	const char *vals[K_N] = {};

	if (scan_keywords(v, argc, argv, kws, K_N, vals))
		return -1;
	if (vals[K_FAMILY]) {
		if (!strcmp(vals[K_FAMILY], "inet"))
			sel->family = AF_INET;
		else if (!strcmp(vals[K_FAMILY], "inet6"))
			sel->family = AF_INET6;
		else
			return parse_error(v, false, "family \"%s\": not inet or inet6",
					   vals[K_FAMILY]);
	}
	if (vals[K_SRC] && parse_prefix(vals[K_SRC], &sel->src, &sel->src_prefix))
		return parse_error(v, false, "src \"%s\": not an address or ADDRESS/LENGTH",
				   vals[K_SRC]);
	if (vals[K_DST] && parse_prefix(vals[K_DST], &sel->dst, &sel->dst_prefix))
		return parse_error(v, false, "dst \"%s\": not an address or ADDRESS/LENGTH",
				   vals[K_DST]);
	if (sel->src.family && sel->dst.family && sel->src.family != sel->dst.family)
		return parse_error(v, false, "src and dst must be of one family");
	if (sel->src.family && sel->family && sel->src.family != sel->family)
		return parse_error(v, false, "src \"%s\" is not of family %s", vals[K_SRC],
				   vals[K_FAMILY]);
	if (sel->dst.family && sel->family && sel->dst.family != sel->family)
		return parse_error(v, false, "dst \"%s\" is not of family %s", vals[K_DST],
				   vals[K_FAMILY]);
	if (!sel->family)
		sel->family = sel->src.family ? sel->src.family : sel->dst.family;
	if (!sel->family)
		return parse_error(v, true, "\"family\" is needed without src or dst");
	if (vals[K_PROTO]) {
		if (parse_proto(vals[K_PROTO], &sel->proto))
			return parse_error(v, false,
					   "proto \"%s\": not a protocol name or 0-255",
					   vals[K_PROTO]);
		sel->has_proto = sel->proto != 0;	/* 0, any: the same as none */
	}
	if (vals[K_SPORT]) {
		if (parse_ports(vals[K_SPORT], sel->sport))
			return parse_error(v, false,
					   "sport \"%s\": not PORT or PORT-PORT, low to high",
					   vals[K_SPORT]);
		sel->has_sport = true;
	}
	if (vals[K_DPORT]) {
		if (parse_ports(vals[K_DPORT], sel->dport))
			return parse_error(v, false,
					   "dport \"%s\": not PORT or PORT-PORT, low to high",
					   vals[K_DPORT]);
		sel->has_dport = true;
	}
	return 0;
}

/*
 * A whole string of decimal digits, or with @hex also "0x" and hex digits,
 * that is at most @max. 0 or -1: no signs, spaces or anything after it.
 */
static int parse_uint(const char *s, uint64_t max, bool hex, uint64_t *val)
{
	const char *digits = "0123456789";
	unsigned long long v;
	int base = 10;
	char *end;

	if (hex && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		digits = "0123456789abcdefABCDEF";
		base = 16;
	}
	if (!s[0] || s[strspn(s, digits)])
		return -1;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end || v > max)
		return -1;
	*val = v;
	return 0;
}

/* Hex digits, optionally after 0x, two a byte, into @buf: at least one byte. */
static int parse_hex(const char *s, unsigned char *buf, size_t size, size_t *len)
{
	static const char xdigits[] = "0123456789abcdef";
	size_t n, i;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	n = strlen(s);
	if (!n || n % 2 || n / 2 > size || strspn(s, "0123456789abcdefABCDEF") != n)
		return -1;
	for (i = 0; i < n / 2; i++) {
		buf[i] = (strchr(xdigits, s[2 * i] | 0x20) - xdigits) << 4 |
			 (strchr(xdigits, s[2 * i + 1] | 0x20) - xdigits);
	}
	*len = n / 2;
	return 0;
}

static int parse_addr(const char *s, struct addr *addr)
{
	memset(addr, 0, sizeof(*addr));
	if (inet_pton(AF_INET, s, addr->bytes) == 1)
		addr->family = AF_INET;
	else if (inet_pton(AF_INET6, s, addr->bytes) == 1)
		addr->family = AF_INET6;
	else
		return -1;
	return 0;
}

/* ADDR/LENGTH, or ADDR alone for the whole address (/32 or /128). */
static int parse_prefix(const char *s, struct addr *addr, uint8_t *prefix)
{
	char buf[INET6_ADDRSTRLEN + sizeof("/128")];
	uint64_t len;
	char *slash;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (parse_addr(buf, addr))
		return -1;
	len = addr->family == AF_INET ? 32 : 128;
	if (slash && parse_uint(slash + 1, len, false, &len))
		return -1;
	*prefix = len;
	return 0;
}

/* PORT or PORT-PORT, the first no more than the second. */
static int parse_ports(const char *s, uint16_t ports[2])
{
	char buf[sizeof("65535-65535")];
	uint64_t min, max;
	char *dash;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (parse_uint(buf, UINT16_MAX, false, &min))
		return -1;
	max = min;
	if (dash && parse_uint(dash + 1, UINT16_MAX, false, &max))
		return -1;
	if (min > max)
		return -1;
	ports[0] = min;
	ports[1] = max;
	return 0;
}

static int parse_proto(const char *s, uint8_t *proto)
{
	uint64_t val;
	size_t i;

	for (i = 0; i < MNL_ARRAY_SIZE(proto_names); i++) {
		if (!strcmp(s, proto_names[i].name)) {
			*proto = proto_names[i].proto;
			return 0;
		}
	}
	if (!strcmp(s, "any")) {
		*proto = 0;
		return 0;
	}
	if (parse_uint(s, UINT8_MAX, false, &val))
		return -1;
	*proto = val;
	return 0;
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

/* Enter @netns if any, open a socket and find the family: ready for requests. */
static int nl_start(struct nl *nl, const char *netns)
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

/* Start an espvti request about the interface @dev. */
static struct nlmsghdr *dev_msg(struct nl *nl, uint16_t flags, uint8_t cmd, const char *dev)
{
	struct nlmsghdr *nlh = genl_msg(nl->family, flags, cmd, ESPVTI_GENL_VERSION);

	mnl_attr_put_strz(nlh, ESPVTI_A_IFNAME, dev);
	return nlh;
}

/* Send the request, feed its answers to @cb, if any; say why it failed. 0 or -1. */
static int nl_do(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	int err = nl_transact(nl, nlh, cb, data);

	if (err) {
		nl_perror(err);
		return -1;
	}
	return 0;
}

/* The interface named @name, or with no name every interface (a dump). */
static int get_devs(struct nl *nl, const char *name, struct list *list)
{
	struct nlmsghdr *nlh;

	if (name)
		nlh = dev_msg(nl, NLM_F_ACK, ESPVTI_CMD_DEV_GET, name);
	else
		nlh = genl_msg(nl->family, NLM_F_DUMP, ESPVTI_CMD_DEV_GET,
			       ESPVTI_GENL_VERSION);
	return nl_do(nl, nlh, dev_cb, list);
}

/* One interface, from a DEV_GET reply, onto the list in @data. */
static int dev_cb(const struct nlmsghdr *nlh, void *data)
{
	/* What every answer has; the rest is optional. */
	static const unsigned int required[] = {
		ESPVTI_A_IFINDEX, ESPVTI_A_IFNAME, ESPVTI_A_ID, ESPVTI_A_MTU,
		ESPVTI_A_OPER_UP, ESPVTI_A_CARRIER,
	};
	const struct nlattr *tb[ESPVTI_A_MAX + 1] = {};
	struct attr_table table = { espvti_attr_types, ESPVTI_A_MAX, tb };
	struct espvti_dev *dev;
	size_t i;

	if (mnl_attr_parse(nlh, GENL_HDRLEN, table_attr_cb, &table) < 0)
		return MNL_CB_ERROR;
	for (i = 0; i < MNL_ARRAY_SIZE(required); i++) {
		if (!tb[required[i]]) {
			errno = EPROTO;
			return MNL_CB_ERROR;
		}
	}
	dev = list_add(data);
	if (!dev)
		return MNL_CB_ERROR;

	snprintf(dev->ifname, sizeof(dev->ifname), "%s",
		 mnl_attr_get_str(tb[ESPVTI_A_IFNAME]));
	dev->ifindex = mnl_attr_get_u32(tb[ESPVTI_A_IFINDEX]);
	dev->id = mnl_attr_get_u32(tb[ESPVTI_A_ID]);
	dev->mtu = mnl_attr_get_u32(tb[ESPVTI_A_MTU]);
	dev->oper_up = mnl_attr_get_u8(tb[ESPVTI_A_OPER_UP]);
	dev->carrier = mnl_attr_get_u8(tb[ESPVTI_A_CARRIER]);
	if (tb[ESPVTI_A_LOCAL] && get_addr(tb[ESPVTI_A_LOCAL], &dev->local))
		return MNL_CB_ERROR;
	if (tb[ESPVTI_A_REMOTE] && get_addr(tb[ESPVTI_A_REMOTE], &dev->remote))
		return MNL_CB_ERROR;
	if (tb[ESPVTI_A_LINK_NETNSID]) {
		dev->has_netnsid = true;
		dev->netnsid = (int32_t)mnl_attr_get_u32(tb[ESPVTI_A_LINK_NETNSID]);
	}
	if (tb[ESPVTI_A_STATS] && parse_stats(tb[ESPVTI_A_STATS], &dev->stats))
		return MNL_CB_ERROR;
	return MNL_CB_OK;
}

/* The SAs of an SA_GET answer onto the list in @data. */
static int sa_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr;
	struct espvti_sa *sa;
	unsigned int n = 0;

	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(attr) != ESPVTI_A_SA)
			continue;
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0)
			return MNL_CB_ERROR;
		sa = list_add(data);
		if (!sa || parse_sa(attr, sa))
			return MNL_CB_ERROR;
		n++;
	}
	if (!n) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

/* The selectors of a SEL_GET answer onto the list in @data. */
static int sel_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr;
	struct espvti_sel *sel;
	unsigned int n = 0;

	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(attr) != ESPVTI_A_SEL)
			continue;
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0)
			return MNL_CB_ERROR;
		sel = list_add(data);
		if (!sel || parse_sel(attr, sel))
			return MNL_CB_ERROR;
		n++;
	}
	if (!n) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

static int parse_sa(const struct nlattr *nest, struct espvti_sa *sa)
{
	const struct nlattr *tb[ESPVTI_SA_A_MAX + 1] = {};
	struct attr_table table = { espvti_sa_attr_types, ESPVTI_SA_A_MAX, tb };

	if (mnl_attr_parse_nested(nest, table_attr_cb, &table) < 0)
		return -1;
	if (!tb[ESPVTI_SA_A_DIR] || !tb[ESPVTI_SA_A_SPI] || !tb[ESPVTI_SA_A_ALG]) {
		errno = EPROTO;
		return -1;
	}
	sa->dir = mnl_attr_get_u8(tb[ESPVTI_SA_A_DIR]);
	sa->spi = mnl_attr_get_u32(tb[ESPVTI_SA_A_SPI]);
	sa->alg = mnl_attr_get_u8(tb[ESPVTI_SA_A_ALG]);
	if (tb[ESPVTI_SA_A_ICV_LEN]) {
		sa->has_icv = true;
		sa->icv = mnl_attr_get_u8(tb[ESPVTI_SA_A_ICV_LEN]);
	}
	if (tb[ESPVTI_SA_A_ESN])
		sa->esn = mnl_attr_get_u8(tb[ESPVTI_SA_A_ESN]);
	if (tb[ESPVTI_SA_A_REPLAY_WINDOW]) {
		sa->has_replay_window = true;
		sa->replay_window = mnl_attr_get_u32(tb[ESPVTI_SA_A_REPLAY_WINDOW]);
	}
	if (tb[ESPVTI_SA_A_SEQ]) {
		sa->has_seq = true;
		sa->seq = mnl_attr_get_u64(tb[ESPVTI_SA_A_SEQ]);
	}
	if (tb[ESPVTI_SA_A_CURRENT])
		sa->current = mnl_attr_get_u8(tb[ESPVTI_SA_A_CURRENT]);
	if (tb[ESPVTI_SA_A_STATS] && parse_stats(tb[ESPVTI_SA_A_STATS], &sa->stats))
		return -1;
	return 0;
}

/* A selector, absent fields filled in with what they match. */
static int parse_sel(const struct nlattr *nest, struct espvti_sel *sel)
{
	const struct nlattr *tb[ESPVTI_SEL_A_MAX + 1] = {};
	struct attr_table table = { espvti_sel_attr_types, ESPVTI_SEL_A_MAX, tb };

	if (mnl_attr_parse_nested(nest, table_attr_cb, &table) < 0)
		return -1;
	if (tb[ESPVTI_SEL_A_SRC] && get_addr(tb[ESPVTI_SEL_A_SRC], &sel->src))
		return -1;
	if (tb[ESPVTI_SEL_A_DST] && get_addr(tb[ESPVTI_SEL_A_DST], &sel->dst))
		return -1;
	if (tb[ESPVTI_SEL_A_FAMILY])
		sel->family = mnl_attr_get_u16(tb[ESPVTI_SEL_A_FAMILY]);
	else
		sel->family = sel->src.family ? sel->src.family : sel->dst.family;
	if ((sel->src.family && sel->src.family != sel->family) ||
	    (sel->dst.family && sel->dst.family != sel->family)) {
		errno = EPROTO;
		return -1;
	}
	sel->src_prefix = sel->src.family == AF_INET ? 32 : 128;
	if (tb[ESPVTI_SEL_A_SRC_PREFIX])
		sel->src_prefix = mnl_attr_get_u8(tb[ESPVTI_SEL_A_SRC_PREFIX]);
	else if (!sel->src.family)
		sel->src_prefix = 0;
	sel->dst_prefix = sel->dst.family == AF_INET ? 32 : 128;
	if (tb[ESPVTI_SEL_A_DST_PREFIX])
		sel->dst_prefix = mnl_attr_get_u8(tb[ESPVTI_SEL_A_DST_PREFIX]);
	else if (!sel->dst.family)
		sel->dst_prefix = 0;
	if (tb[ESPVTI_SEL_A_PROTO])
		sel->proto = mnl_attr_get_u8(tb[ESPVTI_SEL_A_PROTO]);
	sel->sport[1] = UINT16_MAX;
	sel->dport[1] = UINT16_MAX;
	if (tb[ESPVTI_SEL_A_SPORT_MIN])
		sel->sport[0] = mnl_attr_get_u16(tb[ESPVTI_SEL_A_SPORT_MIN]);
	if (tb[ESPVTI_SEL_A_SPORT_MAX])
		sel->sport[1] = mnl_attr_get_u16(tb[ESPVTI_SEL_A_SPORT_MAX]);
	if (tb[ESPVTI_SEL_A_DPORT_MIN])
		sel->dport[0] = mnl_attr_get_u16(tb[ESPVTI_SEL_A_DPORT_MIN]);
	if (tb[ESPVTI_SEL_A_DPORT_MAX])
		sel->dport[1] = mnl_attr_get_u16(tb[ESPVTI_SEL_A_DPORT_MAX]);
	return 0;
}

/* A counters nest: type N + 1 carries counter N; those we have no name for are skipped. */
static int parse_stats(const struct nlattr *nest, struct stats *stats)
{
	const struct nlattr *attr;
	unsigned int type;

	mnl_attr_for_each_nested(attr, nest) {
		type = mnl_attr_get_type(attr);
		if (type == 0 || type > __ESPVTI_STAT_MAX)
			continue;	/* padding, or from a newer kernel */
		if (mnl_attr_validate(attr, MNL_TYPE_U64) < 0)
			return -1;
		stats->have[type - 1] = true;
		stats->val[type - 1] = mnl_attr_get_u64(attr);
	}
	stats->present = true;
	return 0;
}

/* An address attribute: 4 bytes for IPv4, 16 for IPv6. */
static int get_addr(const struct nlattr *attr, struct addr *addr)
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

/* Collect attributes into a table, by type, each checked for its data type. */
static int table_attr_cb(const struct nlattr *attr, void *data)
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

/* A new item, zeroed, at the end of @list; NULL with errno set when out of memory. */
static void *list_add(struct list *list)
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

/* Every item of @list, a line each, or as a JSON array. */
static void print_list(const struct list *list, bool json, void (*plain)(const void *),
		       void (*json_item)(const void *))
{
	const char *item = list->items;
	size_t i;

	if (json)
		putchar('[');
	for (i = 0; i < list->n; i++, item += list->size) {
		if (!json) {
			plain(item);
			continue;
		}
		if (i)
			putchar(',');
		json_item(item);
	}
	if (json)
		printf("]\n");
}

static void print_dev_plain(const void *item)
{
	const struct espvti_dev *dev = item;
	char buf[INET6_ADDRSTRLEN];

	printf("%s: id %u mtu %u carrier %s oper %s", dev->ifname, dev->id,
	       dev->mtu, dev->carrier ? "on" : "off", dev->oper_up ? "up" : "down");
	if (dev->local.family)
		printf(" local %s", addr_str(&dev->local, buf, sizeof(buf)));
	if (dev->remote.family)
		printf(" remote %s", addr_str(&dev->remote, buf, sizeof(buf)));
	if (dev->has_netnsid)
		printf(" link-netnsid %d", dev->netnsid);
	putchar('\n');
}

static void print_dev_json(const void *item)
{
	const struct espvti_dev *dev = item;
	char buf[INET6_ADDRSTRLEN];

	printf("{\"ifname\":");
	print_json_string(dev->ifname);
	printf(",\"ifindex\":%u,\"id\":%u,\"mtu\":%u,\"carrier\":%s,\"oper_up\":%s",
	       dev->ifindex, dev->id, dev->mtu, dev->carrier ? "true" : "false",
	       dev->oper_up ? "true" : "false");
	if (dev->local.family)
		printf(",\"local\":\"%s\"", addr_str(&dev->local, buf, sizeof(buf)));
	if (dev->remote.family)
		printf(",\"remote\":\"%s\"", addr_str(&dev->remote, buf, sizeof(buf)));
	if (dev->has_netnsid)
		printf(",\"link_netnsid\":%d", dev->netnsid);
	if (dev->stats.present) {
		printf(",\"stats\":");
		print_stats_json(&dev->stats);
	}
	putchar('}');
}

/* An SA on a line; its counters that are not 0 on an indented line under it. */
static void print_sa_plain(const void *item)
{
	const struct espvti_sa *sa = item;
	bool counters = false;
	unsigned int i;

	if (dir_name(sa->dir))
		printf("dir %s", dir_name(sa->dir));
	else
		printf("dir %u", sa->dir);
	printf(" spi 0x%08x", sa->spi);
	if (alg_name(sa->alg))
		printf(" alg %s", alg_name(sa->alg));
	else
		printf(" alg %u", sa->alg);
	if (sa->has_icv)
		printf(" icv %u", sa->icv);
	printf(" esn %s", sa->esn ? "on" : "off");
	if (sa->has_replay_window)
		printf(" replay-window %u", sa->replay_window);
	if (sa->has_seq)
		printf(" seq %llu", (unsigned long long)sa->seq);
	if (sa->current)
		printf(" current");
	putchar('\n');

	for (i = 0; i < __ESPVTI_STAT_MAX; i++) {
		if (!sa->stats.have[i] || !sa->stats.val[i])
			continue;
		printf("%s%s %llu", counters ? " " : "    ", stat_name(i),
		       (unsigned long long)sa->stats.val[i]);
		counters = true;
	}
	if (counters)
		putchar('\n');
}

static void print_sa_json(const void *item)
{
	const struct espvti_sa *sa = item;

	if (dir_name(sa->dir))
		printf("{\"dir\":\"%s\"", dir_name(sa->dir));
	else
		printf("{\"dir\":%u", sa->dir);
	printf(",\"spi\":%u", sa->spi);
	if (alg_name(sa->alg))
		printf(",\"alg\":\"%s\"", alg_name(sa->alg));
	else
		printf(",\"alg\":%u", sa->alg);
	if (sa->has_icv)
		printf(",\"icv\":%u", sa->icv);
	printf(",\"esn\":%s", sa->esn ? "true" : "false");
	if (sa->has_replay_window)
		printf(",\"replay_window\":%u", sa->replay_window);
	if (sa->has_seq)
		printf(",\"seq\":%llu", (unsigned long long)sa->seq);
	printf(",\"current\":%s", sa->current ? "true" : "false");
	if (sa->stats.present) {
		printf(",\"stats\":");
		print_stats_json(&sa->stats);
	}
	putchar('}');
}

static void print_sel_plain(const void *item)
{
	const struct espvti_sel *sel = item;
	char buf[INET6_ADDRSTRLEN + sizeof("/255")];
	size_t i;

	if (family_name(sel->family))
		printf("%s", family_name(sel->family));
	else
		printf("family %d", sel->family);
	printf(" src %s", sel_addr_str(sel, &sel->src, sel->src_prefix, buf, sizeof(buf)));
	printf(" dst %s", sel_addr_str(sel, &sel->dst, sel->dst_prefix, buf, sizeof(buf)));
	for (i = 0; i < MNL_ARRAY_SIZE(proto_names); i++) {
		if (sel->proto == proto_names[i].proto)
			break;
	}
	if (!sel->proto)
		printf(" proto any");
	else if (i < MNL_ARRAY_SIZE(proto_names))
		printf(" proto %s", proto_names[i].name);
	else
		printf(" proto %u", sel->proto);
	printf(" sport %u-%u dport %u-%u\n", sel->sport[0], sel->sport[1], sel->dport[0],
	       sel->dport[1]);
}

static void print_sel_json(const void *item)
{
	const struct espvti_sel *sel = item;
	char buf[INET6_ADDRSTRLEN + sizeof("/255")];

	if (family_name(sel->family))
		printf("{\"family\":\"%s\"", family_name(sel->family));
	else
		printf("{\"family\":%d", sel->family);
	printf(",\"src\":\"%s\"", sel_addr_str(sel, &sel->src, sel->src_prefix, buf, sizeof(buf)));
	printf(",\"dst\":\"%s\"", sel_addr_str(sel, &sel->dst, sel->dst_prefix, buf, sizeof(buf)));
	printf(",\"proto\":%u,\"sport\":[%u,%u],\"dport\":[%u,%u]}", sel->proto,
	       sel->sport[0], sel->sport[1], sel->dport[0], sel->dport[1]);
}

/* Every counter the kernel reported, as a JSON object. */
static void print_stats_json(const struct stats *stats)
{
	const char *sep = "";
	unsigned int i;

	putchar('{');
	for (i = 0; i < __ESPVTI_STAT_MAX; i++) {
		if (!stats->have[i])
			continue;
		printf("%s\"%s\":%llu", sep, stat_name(i), (unsigned long long)stats->val[i]);
		sep = ",";
	}
	putchar('}');
}

static const char *addr_str(const struct addr *addr, char *buf, size_t size)
{
	if (!inet_ntop(addr->family, addr->bytes, buf, size))
		snprintf(buf, size, "?");
	return buf;
}

/* A selector's address with its prefix length: 0.0.0.0/0 or ::/0 when absent. */
static const char *sel_addr_str(const struct espvti_sel *sel, const struct addr *addr,
				uint8_t prefix, char *buf, size_t size)
{
	struct addr any = { .family = sel->family };
	size_t len;

	if (!addr->family)
		addr = &any;
	if (addr->family != AF_INET && addr->family != AF_INET6) {
		snprintf(buf, size, "any");
		return buf;
	}
	addr_str(addr, buf, size);
	len = strlen(buf);
	snprintf(buf + len, size - len, "/%u", prefix);
	return buf;
}

static const char *family_name(int family)
{
	if (family == AF_INET)
		return "inet";
	if (family == AF_INET6)
		return "inet6";
	return NULL;
}

static const char *dir_name(uint8_t dir)
{
	if (dir == ESPVTI_SA_DIR_IN)
		return "in";
	if (dir == ESPVTI_SA_DIR_OUT)
		return "out";
	return NULL;
}

static const char *alg_name(uint8_t alg)
{
	return alg < MNL_ARRAY_SIZE(alg_names) ? alg_names[alg] : NULL;
}

static const char *stat_name(unsigned int stat)
{
	/* A name left out of the middle of stat_names[] would show here. */
	return stat_names[stat] ? stat_names[stat] : "unnamed";
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
