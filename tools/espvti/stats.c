// SPDX-License-Identifier: GPL-2.0
/*
 * espvti: the counters: stats [-s] DEV [reset], the counters nests of answers
 * and how they print.
 */
#include "espvti.h"

#include <stdlib.h>
#include <string.h>

static void print_stats_plain(const struct stats *stats, const char *indent);
static const char *stat_name(unsigned int stat);

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
	[ESPVTI_STAT_TX_EXPIRED]		= "tx_expired",
	[ESPVTI_STAT_RX_EXPIRED]		= "rx_expired",
	[ESPVTI_STAT_RX_UDP_MALFORMED]		= "rx_udp_malformed",
	[ESPVTI_STAT_RX_KEEPALIVE]		= "rx_keepalive",
	[ESPVTI_STAT_TX_KEEPALIVE]		= "tx_keepalive",
	[ESPVTI_STAT_RX_NAT_CHANGE]		= "rx_nat_change",
	[ESPVTI_STAT_RX_UDP_NON_ESP]		= "rx_udp_non_esp",
	[ESPVTI_STAT_RX_UDP_WRONG_ENCAP]	= "rx_udp_wrong_encap",
	[ESPVTI_STAT_TX_NO_SOCKET]		= "tx_no_socket",
	[ESPVTI_STAT_TX_QUEUE_FULL]		= "tx_queue_full",
	[ESPVTI_STAT_RX_QUEUE_FULL]		= "rx_queue_full",
};

static_assert(MNL_ARRAY_SIZE(stat_names) == __ESPVTI_STAT_MAX,
	      "stat_names[] must name every counter of enum espvti_stat");

/* stats [-s] DEV [reset]: the interface's counters, and with -s each SA's. */
int cmd_stats(const struct ctx *ctx, int argc, char **argv)
{
	struct list sas = { .size = sizeof(struct espvti_sa) };
	bool detail = ctx->stats, reset = false;
	const struct espvti_sa *sa;
	struct nlmsghdr *nlh;
	struct msg msg = {};
	struct nl nl = {};
	const char *dev;
	size_t i;
	int ret;

	if (argc && !strcmp(argv[0], "-s")) {
		detail = true;
		argc--;
		argv++;
	}
	if (take_dev(ctx, &argc, &argv, &dev))
		return ERR_USAGE;
	if (argc && !strcmp(argv[0], "reset")) {
		reset = true;
		argc--;
		argv++;
	}
	if (no_more_args(ctx, argc, argv))
		return ERR_USAGE;
	if (reset && detail)
		return parse_error(ctx->verb, true, "-s shows counters, reset prints nothing");
	if (nl_start(&nl, ctx->netns))
		return ERR_FAIL;

	if (reset) {
		nlh = dev_msg(&nl, NLM_F_ACK, ESPVTI_CMD_STATS_RESET, dev);
		ret = nl_do(&nl, nlh, NULL, NULL);
		mnl_socket_close(nl.sock);
		return ret;
	}
	nlh = dev_msg(&nl, NLM_F_ACK, ESPVTI_CMD_STATS_GET, dev);
	ret = nl_do(&nl, nlh, msg_cb, &msg);
	if (!ret && !msg.stats.present) {
		fprintf(stderr, "espvti: the kernel reported no counters for %s\n", dev);
		ret = ERR_FAIL;
	}
	if (!ret && detail)
		ret = sa_dump(&nl, dev, &sas);
	mnl_socket_close(nl.sock);
	if (ret)
		goto out;

	if (ctx->json) {
		putchar('{');
		print_stats_fields(&msg.stats);
		if (detail) {
			printf(",\"sas\":[");
			for (i = 0, sa = sas.items; i < sas.n; i++, sa++) {
				printf("%s{", i ? "," : "");
				print_sa_id_json(sa);
				printf(",\"stats\":{");
				print_stats_fields(&sa->stats);
				printf("}}");
			}
			putchar(']');
		}
		printf("}\n");
		goto out;
	}
	print_stats_plain(&msg.stats, "");
	for (i = 0, sa = sas.items; i < sas.n; i++, sa++) {
		printf("sa dir %s spi 0x%08x%s\n", dir_str(sa->dir), sa->spi,
		       !sa->has_current ? "" : sa->current ? " current" : " standby");
		print_stats_plain(&sa->stats, "    ");
	}
out:
	free(sas.items);
	return ret;
}

/* A counters nest: type N + 1 carries counter N; those we have no name for are skipped. */
int parse_stats(const struct nlattr *nest, struct stats *stats)
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

/* Every counter the kernel reported, "name value" on a line each after @indent. */
static void print_stats_plain(const struct stats *stats, const char *indent)
{
	unsigned int i;

	for (i = 0; i < __ESPVTI_STAT_MAX; i++) {
		if (stats->have[i])
			printf("%s%s %llu\n", indent, stat_name(i),
			       (unsigned long long)stats->val[i]);
	}
}

/* Every counter the kernel reported, as "name":value pairs. */
void print_stats_fields(const struct stats *stats)
{
	const char *sep = "";
	unsigned int i;

	for (i = 0; i < __ESPVTI_STAT_MAX; i++) {
		if (!stats->have[i])
			continue;
		printf("%s\"%s\":%llu", sep, stat_name(i), (unsigned long long)stats->val[i]);
		sep = ",";
	}
}

/* The counters that are not 0 on an indented line, if any. */
void print_counters(const struct stats *stats)
{
	bool any = false;
	unsigned int i;

	for (i = 0; i < __ESPVTI_STAT_MAX; i++) {
		if (!stats->have[i] || !stats->val[i])
			continue;
		printf("%s%s %llu", any ? " " : "    ", stat_name(i),
		       (unsigned long long)stats->val[i]);
		any = true;
	}
	if (any)
		putchar('\n');
}

static const char *stat_name(unsigned int stat)
{
	/* A name left out of the middle of stat_names[] would show here. */
	return stat_names[stat] ? stat_names[stat] : "unnamed";
}
