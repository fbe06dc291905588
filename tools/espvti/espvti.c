// SPDX-License-Identifier: GPL-2.0
/*
 * espvti: configure the espvti interfaces of a network namespace, their SAs
 * and selectors, over the "espvti" generic netlink family, and follow its
 * events.
 *
 *   espvti [-j] [-n NETNS] show [DEV]
 *   espvti [-n NETNS] set DEV [local ADDR] [remote ADDR]
 *   espvti [-j] [-n NETNS] stats [-s] DEV [reset]
 *   espvti [-n NETNS] sa add|set|del|flush DEV ...
 *   espvti [-j] [-n NETNS] sa show|get DEV ..., sa allocspi [DEV] ...
 *   espvti [-n NETNS] policy add|del|flush DEV ...
 *   espvti [-j] [-n NETNS] policy show DEV
 *   espvti [-j] [-t] [-n NETNS] monitor
 *   espvti [-n NETNS] setconf DEV FILE
 *   espvti [-n NETNS] showconf DEV
 *   espvti ifconf FILE
 *
 * Every argument, and all of a config file, is checked before the first
 * request goes out; requests that change anything print nothing when they
 * succeed. Keys are never printed, not even in errors. Exit status: 0, 1
 * when the kernel or the system refused, 2 for bad usage.
 *
 * This file: main(), the global options, the table of commands, the
 * dispatch and the usage; the commands that only dump or flush what an
 * interface has. Each object's commands are in a file of their own:
 * link.c (show, set), sa.c, limits.c, policy.c, stats.c, monitor.c, diagnose.c,
 * config.c (the file format), setconf.c, showconf.c; under them nl.c (the
 * kernel), parse.c (arguments), keys.c and print.c.
 */
#include "espvti.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef ESPVTI_VERSION
#define ESPVTI_VERSION "unknown"
#endif

static int run(int argc, char **argv);
static int dispatch(struct ctx *ctx, int argc, char **argv);
static bool is_help(const char *arg);
static void usage(FILE *f);
static void usage_obj(FILE *f, const char *obj);
static int cmd_dev_only(const struct ctx *ctx, int argc, char **argv);

static const struct verb verbs[] = {
	{ .name = "show", .args = "[DEV]", .fn = cmd_show },
	{ .name = "set", .fn = cmd_set,
	  .args = "DEV [local ADDR] [remote ADDR] [encap udp|none] [sport PORT]\n"
		  "[dport PORT] [keepalive SECONDS|on|off] [nat follow|report] [fd N]\n"
		  "[mtu-auto on|off]" },
	{ .name = "stats", .args = "[-s] DEV [reset]", .fn = cmd_stats },
	{ .name = "monitor", .args = "[-j] [-t]", .fn = cmd_monitor },
	{ .name = "diagnose", .args = "[DEV] [--watch SECONDS]", .fn = cmd_diagnose },
	{ .name = "setconf", .args = "DEV FILE", .fn = cmd_setconf },
	{ .name = "showconf", .args = "DEV", .fn = cmd_showconf },
	{ .name = "ifconf", .args = "FILE", .fn = cmd_ifconf },
	{ .obj = "sa", .name = "add", .fn = cmd_sa_add,
	  .args = "DEV dir in|out spi SPI alg ALG key KEY [auth-key KEY]\n"
		  "[icv BYTES] [esn] [replay-window N] [seq N] [nocurrent]\n"
		  "[limit LIMIT]..." },
	{ .obj = "sa", .name = "set", .fn = cmd_sa_set,
	  .args = "DEV dir in|out spi SPI [current] [limit LIMIT]..." },
	{ .obj = "sa", .name = "del", .args = "DEV dir in|out spi SPI", .fn = cmd_sa_id,
	  .cmd = ESPVTI_CMD_SA_DEL },
	{ .obj = "sa", .name = "get", .args = "DEV dir in|out spi SPI", .fn = cmd_sa_id,
	  .cmd = ESPVTI_CMD_SA_GET },
	{ .obj = "sa", .name = "show", .args = "DEV", .fn = cmd_sa_show },
	{ .obj = "sa", .name = "flush", .args = "DEV", .fn = cmd_dev_only,
	  .cmd = ESPVTI_CMD_SA_FLUSH },
	{ .obj = "sa", .name = "allocspi", .args = "[DEV] [min SPI] [max SPI]",
	  .fn = cmd_sa_allocspi },
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
		{ "stats",	no_argument,		NULL, 's' },
		{ "timestamp",	no_argument,		NULL, 't' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{}
	};
	struct ctx ctx = {};
	int c;

	while ((c = getopt_long(argc, argv, "+jn:sthV", long_opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			ctx.json = true;
			break;
		case 'n':
			ctx.netns = optarg;
			break;
		case 's':
			ctx.stats = true;
			break;
		case 't':
			ctx.timestamp = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("espvti %s\n", ESPVTI_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;

	if (argc < 1) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[0], "help")) {
		usage(stdout);
		return 0;
	}
	return dispatch(&ctx, argc, argv);
}

/* Find the command argv[0] (or argv[0] argv[1], "sa add") names, and run it. */
static int dispatch(struct ctx *ctx, int argc, char **argv)
{
	const struct verb *v;
	bool obj = false;
	int words, ret;

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
		ctx->verb = v;
		words = v->obj ? 2 : 1;
		if (argc > words && is_help(argv[words])) {
			print_verb_usage(stdout, "Usage: espvti [OPTIONS] ", v);
			return 0;
		}
		ret = v->fn(ctx, argc - words, argv + words);
		return ret == ERR_USAGE ? 2 : ret ? 1 : 0;
	}
	if (obj && argc >= 2 && is_help(argv[1])) {
		usage_obj(stdout, argv[0]);
		return 0;
	}
	if (obj && argc < 2) {
		fprintf(stderr, "espvti: %s: missing command\n", argv[0]);
		usage_obj(stderr, argv[0]);
		return 2;
	}
	if (obj)
		fprintf(stderr, "espvti: unknown command \"%s %s\", try \"espvti %s help\"\n",
			argv[0], argv[1], argv[0]);
	else
		fprintf(stderr, "espvti: unknown command \"%s\", try \"espvti help\"\n",
			argv[0]);
	return 2;
}

static bool is_help(const char *arg)
{
	return !strcmp(arg, "help") || !strcmp(arg, "--help") || !strcmp(arg, "-h");
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
		"SPI := a number, decimal or 0x hex, from 256 (1 to 255 are reserved)\n"
		"ALG := aes-gcm | chacha20-poly1305 | aes-cbc-hmac-sha256 | aes-gmac |\n"
		"       aes-cbc-hmac-sha1 | aes-cbc-hmac-sha384 | aes-cbc-hmac-sha512\n"
		"KEY := HEX | @FILE (a file holding the key in hex)\n"
		"HEX := an even number of hex digits, optionally after 0x\n"
		"LIMIT := time-soft SECS | time-hard SECS | time-use-soft SECS |\n"
		"         time-use-hard SECS | byte-soft N | byte-hard N |\n"
		"         packet-soft N | packet-hard N      (0: no limit)\n"
		"SELECTOR := [family inet|inet6] [src PREFIX] [dst PREFIX] [proto PROTO]\n"
		"            [sport PORTS] [dport PORTS]\n"
		"PREFIX := ADDR[/LENGTH]; family is needed when neither src nor dst is given\n"
		"PROTO := tcp | udp | icmp | ipv6-icmp | any | NUMBER\n"
		"PORTS := PORT[-PORT]\n"
		"OPTIONS:\n"
		"  -j, --json           print JSON\n"
		"  -n, --netns NETNS    run in the network namespace NETNS, as ip -n\n"
		"  -s, --stats          show: the counters too; stats: each SA's too\n"
		"  -t, --timestamp      monitor: when each event came, in seconds since 1970\n"
		"Exit status: 0 success, 1 the kernel or the system refused, 2 bad\n"
		"arguments.\n"
		"See espvti(8).\n");
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
void print_verb_usage(FILE *f, const char *lead, const struct verb *v)
{
	int indent;
	const char *s;

	indent = fprintf(f, "%s", lead);
	if (v->obj)
		indent += fprintf(f, "%s ", v->obj);
	indent += fprintf(f, "%s", v->name);
	if (v->args[0])
		indent += fprintf(f, " ");
	for (s = v->args; *s; s++) {
		if (*s == '\n')
			fprintf(f, "\n%*s", indent, "");
		else
			fputc(*s, f);
	}
	fputc('\n', f);
}

/*
 * The arguments of a command of DEV and nothing else, and a socket ready for
 * it. 0, ERR_USAGE or ERR_FAIL.
 */
int take_dev_only(const struct ctx *ctx, int argc, char **argv, const char **dev, struct nl *nl)
{
	if (take_dev(ctx, &argc, &argv, dev) || no_more_args(ctx, argc, argv))
		return ERR_USAGE;
	return nl_start(nl, ctx->netns) ? ERR_FAIL : 0;
}

/* sa show, policy show: dump what DEV has, print it as a list. */
int dump_show(const struct ctx *ctx, int argc, char **argv, const struct dump_show *d)
{
	struct list list = { .size = d->size };
	struct nl nl = {};
	const char *dev;
	int ret;

	ret = take_dev_only(ctx, argc, argv, &dev, &nl);
	if (ret)
		return ret;

	ret = nl_do(&nl, dev_msg(&nl, NLM_F_DUMP, d->cmd, dev), d->cb, &list);
	if (!ret)
		print_list(&list, ctx->json, d->print);

	mnl_socket_close(nl.sock);
	free(list.items);
	return ret;
}

/* A command that takes an interface and nothing else: sa flush, policy flush. */
static int cmd_dev_only(const struct ctx *ctx, int argc, char **argv)
{
	struct nl nl = {};
	const char *dev;
	int ret;

	ret = take_dev_only(ctx, argc, argv, &dev, &nl);
	if (ret)
		return ret;

	ret = nl_do(&nl, dev_msg(&nl, NLM_F_ACK, ctx->verb->cmd, dev), NULL, NULL);

	mnl_socket_close(nl.sock);
	return ret;
}
