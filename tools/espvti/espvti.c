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
 *   espvti [-j] [-n NETNS] sa show|get|allocspi DEV ...
 *   espvti [-n NETNS] policy add|del|flush DEV ...
 *   espvti [-j] [-n NETNS] policy show DEV
 *   espvti [-j] [-t] [-n NETNS] monitor
 *   espvti [-n NETNS] setconf DEV FILE
 *   espvti [-n NETNS] showconf DEV
 *
 * Every argument, and all of a config file, is checked before the first
 * request goes out; requests that change anything print nothing when they
 * succeed. Keys are never printed, not even in errors. Exit status: 0, 1
 * when the kernel or the system refused, 2 for bad usage.
 */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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

/* What a command returns when it fails; main() makes them exit statuses. */
#define ERR_FAIL	(-1)	/* the kernel or the system refused: exit 1 */
#define ERR_USAGE	(-2)	/* bad usage: exit 2 */

/* The lowest SPI the kernel takes: 1 to 255 are reserved (RFC 4303). */
#define SPI_MIN		256

/* The widest replay window the kernel takes, in packets. */
#define REPLAY_WINDOW_MAX 65536

struct nl {
	struct mnl_socket *sock;
	unsigned int portid;
	unsigned int seq;
	uint16_t family;
	uint32_t events;		/* the "events" multicast group; 0: none */
};

/* An IPv4 or IPv6 address, network order. */
struct addr {
	int family;			/* AF_INET, AF_INET6, or AF_UNSPEC: none */
	unsigned char bytes[16];
};

/* ESP in UDP settings: what a request sets, or what an answer says. */
struct encap {
	bool has_encap, has_sport, has_dport, has_keepalive, has_nat, has_fd, has_socket;
	uint8_t encap;			/* enum espvti_encap */
	uint16_t sport, dport;
	uint32_t keepalive;
	uint8_t nat_follow;
	uint32_t fd;			/* set: our socket for the tunnel to use */
	uint8_t socket;			/* show: enum espvti_encap_socket */
};

/* The "on" of "keepalive on": seconds. */
#define KEEPALIVE_ON 20

/* Counters from an ESPVTI_A_STATS or ESPVTI_SA_A_STATS nest. */
struct stats {
	bool present;			/* the answer had the nest */
	bool have[__ESPVTI_STAT_MAX];
	uint64_t val[__ESPVTI_STAT_MAX];
};

/* SA lifetime limits: v[T - 1] for enum espvti_life_attr T; 0 is no limit. */
struct life {
	uint64_t v[ESPVTI_LIFE_A_MAX];
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
	struct encap encap;
	struct stats stats;
};

/* An SA, as the kernel reports it or as a request asks for it. */
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
	bool has_current;		/* answers: outbound SAs; requests: given */
	bool current;
	struct stats stats;
	struct life soft;
	struct life hard;
	bool has_age;
	uint64_t age;			/* seconds since added */
	bool has_use_age;
	uint64_t use_age;		/* seconds since first used; absent: unused */
	bool has_bytes;
	uint64_t bytes;
	bool has_packets;
	uint64_t packets;
	bool soft_expired;
	unsigned char key[KEY_MAX];	/* requests only: answers have no keys */
	size_t key_len;
	unsigned char auth_key[KEY_MAX];
	size_t auth_key_len;
};

/*
 * A selector. In answers, absent fields are filled in as what they match:
 * every address, protocol and port. In requests, absent fields stay absent.
 * An acquire event's flow is one too, exact, its ports only when known.
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

/* A message about one interface: a reply, or an event of the "events" group. */
struct msg {
	uint8_t cmd;			/* ESPVTI_CMD_* */
	char ifname[IFNAMSIZ];
	uint32_t ifindex;
	bool carrier;
	bool oper_up;
	struct addr local;
	struct addr remote;
	struct stats stats;
	bool has_sa;
	struct espvti_sa sa;
	uint8_t reason;			/* SA_DEL_NTF */
	uint8_t expire;			/* SA_EXPIRE_NTF */
	bool has_flow;
	struct espvti_sel flow;		/* ACQUIRE_NTF */
	struct encap encap;		/* NAT_CHANGE_NTF: dport, nat_follow */
	struct addr old_remote;		/* NAT_CHANGE_NTF */
	bool has_old_dport;
	uint16_t old_dport;
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
	bool stats;			/* -s */
	bool timestamp;			/* -t */
	const struct verb *verb;
};

struct verb {
	const char *obj;		/* "sa", "policy", or NULL for none */
	const char *name;
	const char *args;		/* for the usage; '\n' continues a line */
	int (*fn)(const struct ctx *ctx, int argc, char **argv);
	uint8_t cmd;			/* the genl command, where fn serves several */
};

/* A keyword of a command's arguments ("name VALUE", or a flag), or a config key. */
struct keyword {
	const char *name;
	bool flag;
};

/*
 * Where values being parsed come from, to say where one is wrong: the
 * arguments of a command, or the lines of a config file.
 */
struct origin {
	const struct verb *verb;	/* a command's arguments, or */
	const char *file;		/* a config file */
	unsigned int line;		/* of the file: the section's */
	const unsigned int *lines;	/* of the file: each value's, by index */
	const struct keyword *kws;	/* the name of each value, by index */
};

/* A table that mnl_attr_parse() and mnl_attr_parse_nested() fill. */
struct attr_table {
	const enum mnl_attr_data_type *types;	/* by type, 0..max */
	unsigned int max;
	const struct nlattr **tb;		/* by type, 0..max */
};

/* The names of the attributes of a request, to say which one the kernel refused. */
struct attr_space {
	const char *const *names;		/* by type, 0..max */
	unsigned int max;
	const struct attr_space *const *nests;	/* by type: a nest's attributes, or NULL */
};

/* A limit of "limit NAME N" and of a config file's [SA]. */
struct limit {
	const char *name;		/* limit NAME */
	const char *conf;		/* NAME = N */
	bool hard;
	uint16_t type;			/* enum espvti_life_attr */
};

/* The limits "limit NAME N" gave: bit i of @given for limits[i]. */
struct limits {
	struct life soft;
	struct life hard;
	unsigned int given;
};

/* A config file, read and checked. */
struct conf {
	const char *path;
	char dir[PATH_MAX];		/* where relative @FILE keys are */
	struct addr local;
	struct addr remote;
	struct encap encap;
	struct list sas;		/* struct espvti_sa */
	struct list sels;		/* struct espvti_sel, as sel_fill() makes them */
};

/* The fields of an SA in "sa add" and in a config file's [SA]. */
enum sa_field {
	SA_DIR, SA_SPI, SA_ALG, SA_KEY, SA_AUTH_KEY, SA_ICV, SA_ESN, SA_REPLAY_WINDOW,
	SA_SEQ, SA_CURRENT, SA_N
};

/* The fields of a selector, in "policy add|del" and a config file's [Policy]. */
enum sel_field { SEL_FAMILY, SEL_SRC, SEL_DST, SEL_PROTO, SEL_SPORT, SEL_DPORT, SEL_N };

/* What a "show DEV" command dumps and how it prints one item. */
struct dump_show {
	int cmd;
	size_t size;
	mnl_cb_t cb;
	void (*plain)(const void *item);
	void (*json)(const void *item);
};

enum section { SEC_NONE, SEC_TUNNEL, SEC_SA, SEC_POLICY };

/* A config file while it is read: the section it is in, its values so far. */
struct conf_parser {
	struct conf *conf;
	enum section section;
	unsigned int line;		/* where the section starts */
	char *vals[SA_N + 8];		/* by key; [SA] has the most */
	unsigned int lines[SA_N + 8];
	bool has_tunnel;
	bool has_policy;
	bool has_current;		/* an [SA] said Current = yes */
};

/* Requests are built in req_buf, answers read into nl_buf: 32 KiB each, aligned. */
static uint32_t req_buf[8192];
static uint32_t nl_buf[8192];

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
	[ESPVTI_SA_A_SOFT]		= MNL_TYPE_NESTED,
	[ESPVTI_SA_A_HARD]		= MNL_TYPE_NESTED,
	[ESPVTI_SA_A_AGE]		= MNL_TYPE_U64,
	[ESPVTI_SA_A_USE_AGE]		= MNL_TYPE_U64,
	[ESPVTI_SA_A_BYTES]		= MNL_TYPE_U64,
	[ESPVTI_SA_A_PACKETS]		= MNL_TYPE_U64,
	[ESPVTI_SA_A_SOFT_EXPIRED]	= MNL_TYPE_U8,
};

static const enum mnl_attr_data_type espvti_life_attr_types[ESPVTI_LIFE_A_MAX + 1] = {
	[ESPVTI_LIFE_A_ADD_SECS]	= MNL_TYPE_U64,
	[ESPVTI_LIFE_A_USE_SECS]	= MNL_TYPE_U64,
	[ESPVTI_LIFE_A_BYTES]		= MNL_TYPE_U64,
	[ESPVTI_LIFE_A_PACKETS]		= MNL_TYPE_U64,
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
};

static const struct attr_space *const attr_nests[ESPVTI_A_MAX + 1] = {
	[ESPVTI_A_SA]	= &sa_space,
	[ESPVTI_A_SEL]	= &sel_space,
	[ESPVTI_A_FLOW]	= &sel_space,
};

static const struct attr_space top_space = { attr_names, ESPVTI_A_MAX, attr_nests };

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

/*
 * What each algorithm takes, as the module checks it: for checking a config
 * file whole before the first request (the kernel checks again).
 */
static const struct {
	uint8_t salt;			/* bytes of salt after the key */
	uint8_t auth_key;		/* the length of AUTH_KEY; 0: none */
	uint64_t key_lens;		/* without the salt; bit N: N bytes */
	uint32_t icv_lens;		/* bit N: N bytes */
} alg_info[] = {
	[ESPVTI_ALG_AES_GCM] = {
		.salt = 4, .key_lens = 1ull << 16 | 1ull << 24 | 1ull << 32,
		.icv_lens = 1u << 8 | 1u << 12 | 1u << 16,
	},
	[ESPVTI_ALG_CHACHA20_POLY1305] = {
		.salt = 4, .key_lens = 1ull << 32, .icv_lens = 1u << 16,
	},
	[ESPVTI_ALG_AES_CBC_HMAC_SHA256] = {
		.auth_key = 32, .key_lens = 1ull << 16 | 1ull << 24 | 1ull << 32,
		.icv_lens = 1u << 16,
	},
	[ESPVTI_ALG_AES_GMAC] = {
		.salt = 4, .key_lens = 1ull << 16 | 1ull << 24 | 1ull << 32, .icv_lens = 1u << 16,
	},
};

static_assert(MNL_ARRAY_SIZE(alg_info) == __ESPVTI_ALG_MAX,
	      "alg_info[] must describe every algorithm of enum espvti_alg");

static const struct {
	const char *name;
	uint8_t proto;
} proto_names[] = {
	{ "icmp",	IPPROTO_ICMP },
	{ "tcp",	IPPROTO_TCP },
	{ "udp",	IPPROTO_UDP },
	{ "ipv6-icmp",	IPPROTO_ICMPV6 },
};

static const struct limit limits[] = {
	{ "time-soft",		"TimeSoft",	false,	ESPVTI_LIFE_A_ADD_SECS },
	{ "time-hard",		"TimeHard",	true,	ESPVTI_LIFE_A_ADD_SECS },
	{ "time-use-soft",	"TimeUseSoft",	false,	ESPVTI_LIFE_A_USE_SECS },
	{ "time-use-hard",	"TimeUseHard",	true,	ESPVTI_LIFE_A_USE_SECS },
	{ "byte-soft",		"ByteSoft",	false,	ESPVTI_LIFE_A_BYTES },
	{ "byte-hard",		"ByteHard",	true,	ESPVTI_LIFE_A_BYTES },
	{ "packet-soft",	"PacketSoft",	false,	ESPVTI_LIFE_A_PACKETS },
	{ "packet-hard",	"PacketHard",	true,	ESPVTI_LIFE_A_PACKETS },
};

#define N_LIMITS	MNL_ARRAY_SIZE(limits)

/* What sa show calls the limits of enum espvti_life_attr: JSON, then text. */
static const char *const life_json_names[ESPVTI_LIFE_A_MAX + 1] = {
	[ESPVTI_LIFE_A_ADD_SECS]	= "time",
	[ESPVTI_LIFE_A_USE_SECS]	= "time_use",
	[ESPVTI_LIFE_A_BYTES]		= "bytes",
	[ESPVTI_LIFE_A_PACKETS]		= "packets",
};

static const char *const life_plain_names[ESPVTI_LIFE_A_MAX + 1] = {
	[ESPVTI_LIFE_A_ADD_SECS]	= "time",
	[ESPVTI_LIFE_A_USE_SECS]	= "time-use",
	[ESPVTI_LIFE_A_BYTES]		= "bytes",
	[ESPVTI_LIFE_A_PACKETS]		= "packets",
};

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

/* The arguments of "sa add", by enum sa_field; "limit" is apart. */
static const struct keyword sa_add_kws[SA_N] = {
	[SA_DIR]		= { .name = "dir" },
	[SA_SPI]		= { .name = "spi" },
	[SA_ALG]		= { .name = "alg" },
	[SA_KEY]		= { .name = "key" },
	[SA_AUTH_KEY]		= { .name = "auth-key" },
	[SA_ICV]		= { .name = "icv" },
	[SA_ESN]		= { .name = "esn", .flag = true },
	[SA_REPLAY_WINDOW]	= { .name = "replay-window" },
	[SA_SEQ]		= { .name = "seq" },
	[SA_CURRENT]		= { .name = "nocurrent", .flag = true },
};

/* The keys of a config file's [SA]: by enum sa_field, then the limits. */
static const struct keyword conf_sa_kws[SA_N + N_LIMITS] = {
	[SA_DIR]		= { .name = "Direction" },
	[SA_SPI]		= { .name = "SPI" },
	[SA_ALG]		= { .name = "Algorithm" },
	[SA_KEY]		= { .name = "Key" },
	[SA_AUTH_KEY]		= { .name = "AuthKey" },
	[SA_ICV]		= { .name = "ICV" },
	[SA_ESN]		= { .name = "ESN" },
	[SA_REPLAY_WINDOW]	= { .name = "ReplayWindow" },
	[SA_SEQ]		= { .name = NULL },	/* not in files */
	[SA_CURRENT]		= { .name = "Current" },
	[SA_N + 0]		= { .name = "TimeSoft" },
	[SA_N + 1]		= { .name = "TimeHard" },
	[SA_N + 2]		= { .name = "TimeUseSoft" },
	[SA_N + 3]		= { .name = "TimeUseHard" },
	[SA_N + 4]		= { .name = "ByteSoft" },
	[SA_N + 5]		= { .name = "ByteHard" },
	[SA_N + 6]		= { .name = "PacketSoft" },
	[SA_N + 7]		= { .name = "PacketHard" },
};

/* A selector's arguments, and a config file's [Policy] keys, by enum sel_field. */
static const struct keyword sel_kws[SEL_N] = {
	[SEL_FAMILY]	= { .name = "family" },
	[SEL_SRC]	= { .name = "src" },
	[SEL_DST]	= { .name = "dst" },
	[SEL_PROTO]	= { .name = "proto" },
	[SEL_SPORT]	= { .name = "sport" },
	[SEL_DPORT]	= { .name = "dport" },
};

static const struct keyword conf_sel_kws[SEL_N] = {
	[SEL_FAMILY]	= { .name = "Family" },
	[SEL_SRC]	= { .name = "Src" },
	[SEL_DST]	= { .name = "Dst" },
	[SEL_PROTO]	= { .name = "Proto" },
	[SEL_SPORT]	= { .name = "SPort" },
	[SEL_DPORT]	= { .name = "DPort" },
};

/* The encapsulation settings, in "set" and in a config file's [Tunnel]. */
enum encap_field { ENC_ENCAP, ENC_SPORT, ENC_DPORT, ENC_KEEPALIVE, ENC_NAT, ENC_N };

enum { TUN_LOCAL, TUN_REMOTE, TUN_ENCAP, TUN_N = TUN_ENCAP + ENC_N };

static const struct keyword conf_tunnel_kws[TUN_N] = {
	[TUN_LOCAL]	= { .name = "Local" },
	[TUN_REMOTE]	= { .name = "Remote" },
	[TUN_ENCAP + ENC_ENCAP]		= { .name = "Encap" },
	[TUN_ENCAP + ENC_SPORT]		= { .name = "EncapSport" },
	[TUN_ENCAP + ENC_DPORT]		= { .name = "EncapDport" },
	[TUN_ENCAP + ENC_KEEPALIVE]	= { .name = "Keepalive" },
	[TUN_ENCAP + ENC_NAT]		= { .name = "NatFollow" },
};

/* The sections of a config file and their keys. */
static const struct {
	const char *name;
	const struct keyword *kws;
	size_t n;
} sections[] = {
	[SEC_TUNNEL]	= { "Tunnel", conf_tunnel_kws, TUN_N },
	[SEC_SA]	= { "SA", conf_sa_kws, SA_N + N_LIMITS },
	[SEC_POLICY]	= { "Policy", conf_sel_kws, SEL_N },
};

static_assert(N_LIMITS == 8, "struct conf_parser has room for 8 limits");

static int run(int argc, char **argv);
static int dispatch(struct ctx *ctx, int argc, char **argv);
static bool is_help(const char *arg);
static void usage(FILE *f);
static void usage_obj(FILE *f, const char *obj);
static void print_verb_usage(FILE *f, const char *lead, const struct verb *v);
static int parse_error(const struct verb *v, bool show_usage, const char *fmt, ...);
static int bad(const struct origin *o, int k, const char *fmt, ...);
static int cmd_show(const struct ctx *ctx, int argc, char **argv);
static int cmd_set(const struct ctx *ctx, int argc, char **argv);
static int cmd_stats(const struct ctx *ctx, int argc, char **argv);
static int cmd_sa_add(const struct ctx *ctx, int argc, char **argv);
static int cmd_sa_set(const struct ctx *ctx, int argc, char **argv);
static int take_sa_id(const struct ctx *ctx, int argc, char **argv, const char **dev,
		      struct espvti_sa *sa);
static int cmd_sa_del(const struct ctx *ctx, int argc, char **argv);
static int cmd_sa_get(const struct ctx *ctx, int argc, char **argv);
static int cmd_sa_show(const struct ctx *ctx, int argc, char **argv);
static int cmd_sa_allocspi(const struct ctx *ctx, int argc, char **argv);
static int dump_show(const struct ctx *ctx, int argc, char **argv, const struct dump_show *d);
static int cmd_dev_only(const struct ctx *ctx, int argc, char **argv);
static int cmd_policy_change(const struct ctx *ctx, int argc, char **argv);
static int cmd_policy_show(const struct ctx *ctx, int argc, char **argv);
static void monitor_signal(int sig);
static int cmd_monitor(const struct ctx *ctx, int argc, char **argv);
static int cmd_setconf(const struct ctx *ctx, int argc, char **argv);
static int cmd_showconf(const struct ctx *ctx, int argc, char **argv);
static int take_dev(const struct ctx *ctx, int *argc, char ***argv, const char **dev);
static int no_more_args(const struct ctx *ctx, int argc, char **argv);
static int scan_keywords(const struct verb *v, int argc, char **argv,
			 const struct keyword *kws, size_t nkws, const char **vals);
static int take_limits(const struct verb *v, int *argc, char **argv, struct limits *lim);
static int parse_sa_id(const struct verb *v, const char *dir, const char *spi,
		       struct espvti_sa *sa);
static int sa_from_vals(const struct origin *o, const char *const *vals, const char *dir,
			struct espvti_sa *sa);
static int read_key(const struct origin *o, int k, const char *s, const char *dir,
		    unsigned char *buf, size_t *len);
static int sel_from_vals(const struct origin *o, const char *const *vals,
			 struct espvti_sel *sel);
static int parse_uint(const char *s, uint64_t max, bool hex, uint64_t *val);
static int parse_hex(const char *s, unsigned char *buf, size_t size, size_t *len);
static int parse_addr(const char *s, struct addr *addr);
static int parse_prefix(const char *s, struct addr *addr, uint8_t *prefix);
static int parse_ports(const char *s, uint16_t ports[2]);
static int parse_proto(const char *s, uint8_t *proto);
static int parse_bool(const char *s, bool *val);
static bool valid_ifname(const char *name);
static int enter_netns(const char *name);
static int nl_start(struct nl *nl, const char *netns);
static int nl_open(struct nl *nl);
static int resolve_family(struct nl *nl);
static int family_cb(const struct nlmsghdr *nlh, void *data);
static struct nlmsghdr *dev_msg(struct nl *nl, uint16_t flags, uint8_t cmd, const char *dev);
static int nl_do(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);
static int get_devs(struct nl *nl, const char *name, struct list *list);
static int dev_set(struct nl *nl, const char *dev, const struct addr *local,
		   const struct addr *remote, const struct encap *e);
static int encap_from_vals(const char *const *vals, struct encap *e, int *badk);
static void get_encap(const struct nlattr *const *tb, struct encap *e);
static void print_encap_plain(const struct encap *e);
static void print_encap_json(const struct encap *e);
static int sa_add(struct nl *nl, const char *dev, const struct espvti_sa *sa);
static int sa_set(struct nl *nl, const char *dev, const struct espvti_sa *sa,
		  const struct life *soft, const struct life *hard, bool current);
static int sa_del(struct nl *nl, const char *dev, uint8_t dir, uint32_t spi);
static int sa_get(struct nl *nl, const char *dev, uint8_t dir, uint32_t spi, struct list *list);
static int sa_dump(struct nl *nl, const char *dev, struct list *list);
static int sel_dump(struct nl *nl, const char *dev, struct list *list);
static int sel_change(struct nl *nl, const char *dev, uint8_t cmd, const struct espvti_sel *sel);
static void put_life(struct nlmsghdr *nlh, uint16_t type, const struct life *l);
static bool life_empty(const struct life *l);
static unsigned int addr_len(const struct addr *addr);
static int dev_cb(const struct nlmsghdr *nlh, void *data);
static int sa_cb(const struct nlmsghdr *nlh, void *data);
static int sel_cb(const struct nlmsghdr *nlh, void *data);
static int msg_cb(const struct nlmsghdr *nlh, void *data);
static int event_cb(const struct nlmsghdr *nlh, void *data);
static int parse_sa(const struct nlattr *nest, struct espvti_sa *sa);
static int parse_life(const struct nlattr *nest, struct life *l);
static int parse_sel(const struct nlattr *nest, struct espvti_sel *sel);
static int parse_stats(const struct nlattr *nest, struct stats *stats);
static int get_addr(const struct nlattr *attr, struct addr *addr);
static int table_attr_cb(const struct nlattr *attr, void *data);
static void *list_add(struct list *list);
static void print_list(const struct list *list, bool json, void (*plain)(const void *),
		       void (*json_item)(const void *));
static void print_dev_plain(const void *item);
static void print_dev_json(const void *item);
static void print_sa_line(const struct espvti_sa *sa);
static void print_sa_use(const struct espvti_sa *sa);
static void print_life_plain(const char *what, const struct life *l);
static void print_sa_plain(const void *item);
static void print_counters(const struct stats *stats);
static void print_sa_id_json(const struct espvti_sa *sa);
static void print_life_json(const char *what, const struct life *l);
static void print_sa_json(const void *item);
static void print_sel_plain(const void *item);
static void print_sel_json(const void *item);
static void print_stats_fields(const struct stats *stats);
static void print_stats_plain(const struct stats *stats, const char *indent);
static void print_event_plain(const struct msg *m);
static void print_event_json(const struct msg *m, const char *stamp);
static void print_flow_plain(const struct espvti_sel *fl);
static void print_flow_json(const struct espvti_sel *fl);
static const char *addr_str(const struct addr *addr, char *buf, size_t size);
static const char *sel_addr_str(const struct espvti_sel *sel, const struct addr *addr,
				uint8_t prefix, char *buf, size_t size);
static const char *proto_str(uint8_t proto, char *buf, size_t size);
static const char *family_name(int family);
static const char *dir_name(uint8_t dir);
static const char *dir_str(uint8_t dir);
static const char *alg_name(uint8_t alg);
static const char *name_of(const char *const *names, size_t n, unsigned int i);
static const char *stat_name(unsigned int stat);
static const char *json_bool(bool val);
static void print_json_string(const char *s);
static struct nlmsghdr *genl_msg(uint16_t family, uint16_t flags, uint8_t cmd,
				 uint8_t version);
static int nl_transact(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);
static int error_cb(const struct nlmsghdr *nlh, void *data);
static int done_cb(const struct nlmsghdr *nlh, void *data);
static void parse_extack(const struct nlmsghdr *nlh, size_t offset);
static int extack_attr_cb(const struct nlattr *attr, void *data);
static void parse_policy(const struct nlattr *nest);
static bool attr_path(const struct nlmsghdr *nlh, uint32_t target, char *buf, size_t size,
		      const struct attr_space **spacep);
static void nl_perror(int err);
static int conf_read(const char *path, struct conf *conf);
static int conf_line(struct conf_parser *p, const struct origin *o, char *line);
static int conf_end_section(struct conf_parser *p);
static int conf_tunnel(struct conf_parser *p, const struct origin *o, const char *const *vals);
static int conf_sa(struct conf_parser *p, const struct origin *o, const char *const *vals);
static int conf_check_sa(const struct origin *o, const struct espvti_sa *sa);
static int conf_policy(struct conf_parser *p, const struct origin *o, const char *const *vals);
static int conf_finish(struct conf_parser *p);
static void conf_clear_vals(struct conf_parser *p);
static void conf_free(struct conf *conf);
static int conf_apply(struct nl *nl, const char *dev, const struct conf *conf,
		      const struct espvti_dev *d, const struct list *sas, const struct list *sels);
static void conf_warn_sa(const struct conf *conf, const struct espvti_sa *sa,
			 const struct espvti_sa *have);
static void print_conf(const struct espvti_dev *d, const struct list *sas,
		       const struct list *sels);
static void print_ports_conf(const char *name, const uint16_t ports[2]);
static const struct espvti_sa *find_sa(const struct list *list, const struct espvti_sa *sa);
static const struct espvti_sel *find_sel(const struct list *list, const struct espvti_sel *sel);
static void sel_fill(struct espvti_sel *sel);
static bool prefix_clean(const struct addr *addr, unsigned int prefix);
static bool addr_equal(const struct addr *a, const struct addr *b);
static bool life_equal(const struct life *a, const struct life *b);
static void bits_str(uint64_t bits, char *buf, size_t size);
static char *trim(char *s);

static const struct verb verbs[] = {
	{ .name = "show", .args = "[DEV]", .fn = cmd_show },
	{ .name = "set", .fn = cmd_set,
	  .args = "DEV [local ADDR] [remote ADDR] [encap udp|none] [sport PORT]\n"
		  "[dport PORT] [keepalive SECONDS|on|off] [nat follow|report] [fd N]" },
	{ .name = "stats", .args = "[-s] DEV [reset]", .fn = cmd_stats },
	{ .name = "monitor", .args = "[-j] [-t]", .fn = cmd_monitor },
	{ .name = "setconf", .args = "DEV FILE", .fn = cmd_setconf },
	{ .name = "showconf", .args = "DEV", .fn = cmd_showconf },
	{ .obj = "sa", .name = "add", .fn = cmd_sa_add,
	  .args = "DEV dir in|out spi SPI alg ALG key KEY [auth-key KEY]\n"
		  "[icv BYTES] [esn] [replay-window N] [seq N] [nocurrent]\n"
		  "[limit LIMIT]..." },
	{ .obj = "sa", .name = "set", .fn = cmd_sa_set,
	  .args = "DEV dir in|out spi SPI [current] [limit LIMIT]..." },
	{ .obj = "sa", .name = "del", .args = "DEV dir in|out spi SPI", .fn = cmd_sa_del },
	{ .obj = "sa", .name = "get", .args = "DEV dir in|out spi SPI", .fn = cmd_sa_get },
	{ .obj = "sa", .name = "show", .args = "DEV", .fn = cmd_sa_show },
	{ .obj = "sa", .name = "flush", .args = "DEV", .fn = cmd_dev_only,
	  .cmd = ESPVTI_CMD_SA_FLUSH },
	{ .obj = "sa", .name = "allocspi", .args = "DEV [min SPI] [max SPI]",
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
		"ALG := aes-gcm | chacha20-poly1305 | aes-cbc-hmac-sha256 | aes-gmac\n"
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
static void print_verb_usage(FILE *f, const char *lead, const struct verb *v)
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

/* Say what is wrong with the arguments of @v, and maybe how they go. ERR_USAGE. */
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
	return ERR_USAGE;
}

/*
 * Say what is wrong with value @k (or, with @k < 0, with what @o gives as a
 * whole), naming the command or the file and line it comes from. ERR_USAGE.
 */
static int bad(const struct origin *o, int k, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "espvti: ");
	if (o->file)
		fprintf(stderr, "%s:%u: ", o->file,
			k >= 0 && o->lines && o->lines[k] ? o->lines[k] : o->line);
	else if (o->verb->obj)
		fprintf(stderr, "%s %s: ", o->verb->obj, o->verb->name);
	else
		fprintf(stderr, "%s: ", o->verb->name);
	if (k >= 0)
		fprintf(stderr, "%s ", o->kws[k].name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return ERR_USAGE;
}

static int cmd_show(const struct ctx *ctx, int argc, char **argv)
{
	const char *name = argc ? argv[0] : NULL;
	struct list list = { .size = sizeof(struct espvti_dev) };
	const struct espvti_dev *dev;
	struct nl nl = {};
	size_t i;
	int ret;

	if (argc > 1)
		return no_more_args(ctx, argc - 1, argv + 1);
	if (name && !valid_ifname(name))
		return parse_error(ctx->verb, false, "\"%s\" is not a valid interface name", name);
	if (nl_start(&nl, ctx->netns))
		return ERR_FAIL;

	ret = get_devs(&nl, name, &list);
	if (!ret && (ctx->json || !ctx->stats))
		print_list(&list, ctx->json, print_dev_plain, print_dev_json);
	for (i = 0, dev = list.items; !ret && !ctx->json && ctx->stats && i < list.n; i++, dev++) {
		print_dev_plain(dev);
		print_counters(&dev->stats);
	}

	mnl_socket_close(nl.sock);
	free(list.items);
	return ret;
}

static int cmd_set(const struct ctx *ctx, int argc, char **argv)
{
	enum { K_LOCAL, K_REMOTE, K_ENCAP, K_FD = K_ENCAP + ENC_N, K_N };
	static const struct keyword kws[K_N] = {
		[K_LOCAL]	= { .name = "local" },
		[K_REMOTE]	= { .name = "remote" },
		[K_ENCAP + ENC_ENCAP]		= { .name = "encap" },
		[K_ENCAP + ENC_SPORT]		= { .name = "sport" },
		[K_ENCAP + ENC_DPORT]		= { .name = "dport" },
		[K_ENCAP + ENC_KEEPALIVE]	= { .name = "keepalive" },
		[K_ENCAP + ENC_NAT]		= { .name = "nat" },
		[K_FD]				= { .name = "fd" },
	};
	const char *vals[K_N] = {};
	struct addr local = {}, remote = {};
	struct encap e = {};
	struct nl nl = {};
	const char *dev;
	int ret, k;

	if (take_dev(ctx, &argc, &argv, &dev) ||
	    scan_keywords(ctx->verb, argc, argv, kws, K_N, vals))
		return ERR_USAGE;
	for (k = 0; k < K_N && !vals[k]; k++)
		;
	if (k == K_N)
		return parse_error(ctx->verb, true, "nothing to set");
	if (encap_from_vals(vals + K_ENCAP, &e, &k))
		return parse_error(ctx->verb, false, "%s \"%s\": %s", kws[K_ENCAP + k].name,
				   vals[K_ENCAP + k],
				   k == ENC_ENCAP ? "not udp or none" :
				   k == ENC_KEEPALIVE ? "not SECONDS (0..3600), on or off" :
				   k == ENC_NAT ? "not follow or report" : "not a port (1..65535)");
	if (vals[K_FD]) {
		uint64_t v;

		if (parse_uint(vals[K_FD], INT32_MAX, false, &v))
			return parse_error(ctx->verb, false, "fd \"%s\": not a file descriptor",
					   vals[K_FD]);
		e.has_fd = true;
		e.fd = v;
	}
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
		return ERR_FAIL;

	ret = dev_set(&nl, dev, &local, &remote, &e);

	mnl_socket_close(nl.sock);
	return ret;
}

/*
 * The encapsulation settings @vals (enum encap_field; NULL: not given)
 * into @e; on error -1 with *@badk the field at fault.
 */
static int encap_from_vals(const char *const *vals, struct encap *e, int *badk)
{
	uint64_t v;

	if (vals[ENC_ENCAP]) {
		e->has_encap = true;
		if (!strcmp(vals[ENC_ENCAP], "udp"))
			e->encap = ESPVTI_ENCAP_UDP;
		else if (!strcmp(vals[ENC_ENCAP], "none"))
			e->encap = ESPVTI_ENCAP_NONE;
		else
			goto bad_encap;
	}
	if (vals[ENC_SPORT]) {
		if (parse_uint(vals[ENC_SPORT], UINT16_MAX, false, &v) || !v)
			goto bad_sport;
		e->has_sport = true;
		e->sport = v;
	}
	if (vals[ENC_DPORT]) {
		if (parse_uint(vals[ENC_DPORT], UINT16_MAX, false, &v) || !v)
			goto bad_dport;
		e->has_dport = true;
		e->dport = v;
	}
	if (vals[ENC_KEEPALIVE]) {
		e->has_keepalive = true;
		if (!strcmp(vals[ENC_KEEPALIVE], "on"))
			e->keepalive = KEEPALIVE_ON;
		else if (!strcmp(vals[ENC_KEEPALIVE], "off"))
			e->keepalive = 0;
		else if (!parse_uint(vals[ENC_KEEPALIVE], ESPVTI_KEEPALIVE_MAX, false, &v))
			e->keepalive = v;
		else
			goto bad_keepalive;
	}
	if (vals[ENC_NAT]) {
		e->has_nat = true;
		if (!strcmp(vals[ENC_NAT], "follow"))
			e->nat_follow = 1;
		else if (!strcmp(vals[ENC_NAT], "report"))
			e->nat_follow = 0;
		else
			goto bad_nat;
	}
	return 0;

bad_encap:
	*badk = ENC_ENCAP;
	return -1;
bad_sport:
	*badk = ENC_SPORT;
	return -1;
bad_dport:
	*badk = ENC_DPORT;
	return -1;
bad_keepalive:
	*badk = ENC_KEEPALIVE;
	return -1;
bad_nat:
	*badk = ENC_NAT;
	return -1;
}

/* stats [-s] DEV [reset]: the interface's counters, and with -s each SA's. */
static int cmd_stats(const struct ctx *ctx, int argc, char **argv)
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

static int cmd_sa_add(const struct ctx *ctx, int argc, char **argv)
{
	static const unsigned int required[] = { SA_DIR, SA_SPI, SA_ALG, SA_KEY };
	struct origin o = { .verb = ctx->verb, .kws = sa_add_kws };
	const char *vals[SA_N] = {};
	struct limits lim = {};
	struct espvti_sa sa = {};
	struct nl nl = {};
	const char *dev;
	unsigned int i;
	int ret;

	if (take_dev(ctx, &argc, &argv, &dev) ||
	    take_limits(ctx->verb, &argc, argv, &lim) ||
	    scan_keywords(ctx->verb, argc, argv, sa_add_kws, SA_N, vals))
		return ERR_USAGE;
	for (i = 0; i < MNL_ARRAY_SIZE(required); i++) {
		if (!vals[required[i]])
			return parse_error(ctx->verb, true, "missing \"%s\"",
					   sa_add_kws[required[i]].name);
	}
	ret = sa_from_vals(&o, vals, NULL, &sa);
	if (ret)
		goto out;
	sa.esn = vals[SA_ESN];
	if (vals[SA_CURRENT]) {
		sa.has_current = true;	/* nocurrent */
		sa.current = false;
	}
	sa.soft = lim.soft;
	sa.hard = lim.hard;
	ret = ERR_FAIL;
	if (nl_start(&nl, ctx->netns))
		goto out;

	ret = sa_add(&nl, dev, &sa);

	mnl_socket_close(nl.sock);
out:
	explicit_bzero(&sa, sizeof(sa));
	return ret;
}

/*
 * sa set: make an SA current, or change its limits. The kernel replaces
 * the soft or the hard limits whole, so the limits given are merged into
 * the SA's own first.
 */
static int cmd_sa_set(const struct ctx *ctx, int argc, char **argv)
{
	enum { K_DIR, K_SPI, K_CURRENT, K_N };
	static const struct keyword kws[K_N] = {
		[K_DIR]		= { .name = "dir" },
		[K_SPI]		= { .name = "spi" },
		[K_CURRENT]	= { .name = "current", .flag = true },
	};
	const char *vals[K_N] = {};
	bool soft_given = false, hard_given = false;
	struct list list = { .size = sizeof(struct espvti_sa) };
	struct espvti_sa sa = {}, *cur;
	struct limits lim = {};
	struct nl nl = {};
	const char *dev;
	unsigned int i;
	int ret;

	if (take_dev(ctx, &argc, &argv, &dev) ||
	    take_limits(ctx->verb, &argc, argv, &lim) ||
	    scan_keywords(ctx->verb, argc, argv, kws, K_N, vals))
		return ERR_USAGE;
	if (!vals[K_DIR])
		return parse_error(ctx->verb, true, "missing \"dir\"");
	if (!vals[K_SPI])
		return parse_error(ctx->verb, true, "missing \"spi\"");
	if (parse_sa_id(ctx->verb, vals[K_DIR], vals[K_SPI], &sa))
		return ERR_USAGE;
	if (!vals[K_CURRENT] && !lim.given)
		return parse_error(ctx->verb, true, "nothing to set: current or a limit");
	for (i = 0; i < N_LIMITS; i++) {
		if (lim.given & 1u << i) {
			soft_given |= !limits[i].hard;
			hard_given |= limits[i].hard;
		}
	}
	if (nl_start(&nl, ctx->netns))
		return ERR_FAIL;

	if (lim.given) {
		ret = sa_get(&nl, dev, sa.dir, sa.spi, &list);
		if (ret)
			goto out;
		cur = list.items;
		sa.soft = cur->soft;
		sa.hard = cur->hard;
		for (i = 0; i < N_LIMITS; i++) {
			if (!(lim.given & 1u << i))
				continue;
			if (limits[i].hard)
				sa.hard.v[limits[i].type - 1] = lim.hard.v[limits[i].type - 1];
			else
				sa.soft.v[limits[i].type - 1] = lim.soft.v[limits[i].type - 1];
		}
	}
	ret = sa_set(&nl, dev, &sa, soft_given ? &sa.soft : NULL, hard_given ? &sa.hard : NULL,
		     vals[K_CURRENT]);
out:
	mnl_socket_close(nl.sock);
	free(list.items);
	return ret;
}

/* sa del, sa get: DEV dir DIR spi SPI. */
static int take_sa_id(const struct ctx *ctx, int argc, char **argv, const char **dev,
		      struct espvti_sa *sa)
{
	enum { K_DIR, K_SPI, K_N };
	static const struct keyword kws[K_N] = {
		[K_DIR]	= { .name = "dir" },
		[K_SPI]	= { .name = "spi" },
	};
	const char *vals[K_N] = {};

	if (take_dev(ctx, &argc, &argv, dev) ||
	    scan_keywords(ctx->verb, argc, argv, kws, K_N, vals))
		return ERR_USAGE;
	if (!vals[K_DIR])
		return parse_error(ctx->verb, true, "missing \"dir\"");
	if (!vals[K_SPI])
		return parse_error(ctx->verb, true, "missing \"spi\"");
	if (parse_sa_id(ctx->verb, vals[K_DIR], vals[K_SPI], sa))
		return ERR_USAGE;
	return 0;
}

static int cmd_sa_del(const struct ctx *ctx, int argc, char **argv)
{
	struct espvti_sa sa = {};
	struct nl nl = {};
	const char *dev;
	int ret;

	ret = take_sa_id(ctx, argc, argv, &dev, &sa);
	if (ret)
		return ret;
	if (nl_start(&nl, ctx->netns))
		return ERR_FAIL;

	ret = sa_del(&nl, dev, sa.dir, sa.spi);

	mnl_socket_close(nl.sock);
	return ret;
}

/* sa get: one SA, as sa show prints each. */
static int cmd_sa_get(const struct ctx *ctx, int argc, char **argv)
{
	struct list list = { .size = sizeof(struct espvti_sa) };
	struct espvti_sa sa = {};
	struct nl nl = {};
	const char *dev;
	int ret;

	ret = take_sa_id(ctx, argc, argv, &dev, &sa);
	if (ret)
		return ret;
	if (nl_start(&nl, ctx->netns))
		return ERR_FAIL;

	ret = sa_get(&nl, dev, sa.dir, sa.spi, &list);
	if (!ret && ctx->json) {
		print_sa_json(list.items);
		putchar('\n');
	} else if (!ret) {
		print_sa_plain(list.items);
	}

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

/* sa allocspi: reserve a free inbound SPI, as an IKE daemon does before it answers. */
static int cmd_sa_allocspi(const struct ctx *ctx, int argc, char **argv)
{
	enum { K_MIN, K_MAX, K_N };
	static const struct keyword kws[K_N] = {
		[K_MIN]	= { .name = "min" },
		[K_MAX]	= { .name = "max" },
	};
	const char *vals[K_N] = {};
	uint64_t range[K_N] = {};
	struct nlmsghdr *nlh;
	struct msg msg = {};
	struct nl nl = {};
	const char *dev;
	int k, ret;

	if (take_dev(ctx, &argc, &argv, &dev) ||
	    scan_keywords(ctx->verb, argc, argv, kws, K_N, vals))
		return ERR_USAGE;
	for (k = 0; k < K_N; k++) {
		if (vals[k] && parse_uint(vals[k], UINT32_MAX, true, &range[k]))
			return parse_error(ctx->verb, false,
					   "%s \"%s\": not an SPI (decimal or 0x hex)",
					   kws[k].name, vals[k]);
	}
	if (nl_start(&nl, ctx->netns))
		return ERR_FAIL;

	nlh = dev_msg(&nl, NLM_F_ACK, ESPVTI_CMD_SPI_ALLOC, dev);
	if (vals[K_MIN])
		mnl_attr_put_u32(nlh, ESPVTI_A_SPI_MIN, range[K_MIN]);
	if (vals[K_MAX])
		mnl_attr_put_u32(nlh, ESPVTI_A_SPI_MAX, range[K_MAX]);
	ret = nl_do(&nl, nlh, msg_cb, &msg);
	mnl_socket_close(nl.sock);
	if (ret)
		return ret;
	if (!msg.has_sa) {
		fprintf(stderr, "espvti: the kernel's answer has no SPI\n");
		return ERR_FAIL;
	}
	if (ctx->json) {
		printf("{\"ifname\":");
		print_json_string(msg.ifname[0] ? msg.ifname : dev);
		printf(",\"spi\":%u}\n", msg.sa.spi);
	} else {
		printf("0x%08x\n", msg.sa.spi);
	}
	return 0;
}

/* sa show, policy show: dump what DEV has, print it as a list. */
static int dump_show(const struct ctx *ctx, int argc, char **argv, const struct dump_show *d)
{
	struct list list = { .size = d->size };
	struct nlmsghdr *nlh;
	struct nl nl = {};
	const char *dev;
	int ret;

	if (take_dev(ctx, &argc, &argv, &dev) || no_more_args(ctx, argc, argv))
		return ERR_USAGE;
	if (nl_start(&nl, ctx->netns))
		return ERR_FAIL;

	nlh = dev_msg(&nl, NLM_F_DUMP, d->cmd, dev);
	ret = nl_do(&nl, nlh, d->cb, &list);
	if (!ret)
		print_list(&list, ctx->json, d->plain, d->json);

	mnl_socket_close(nl.sock);
	free(list.items);
	return ret;
}

/* A command that takes an interface and nothing else: sa flush, policy flush. */
static int cmd_dev_only(const struct ctx *ctx, int argc, char **argv)
{
	struct nlmsghdr *nlh;
	struct nl nl = {};
	const char *dev;
	int ret;

	if (take_dev(ctx, &argc, &argv, &dev) || no_more_args(ctx, argc, argv))
		return ERR_USAGE;
	if (nl_start(&nl, ctx->netns))
		return ERR_FAIL;

	nlh = dev_msg(&nl, NLM_F_ACK, ctx->verb->cmd, dev);
	ret = nl_do(&nl, nlh, NULL, NULL);

	mnl_socket_close(nl.sock);
	return ret;
}

/* policy add, policy del: the same selector, to SEL_ADD or SEL_DEL. */
static int cmd_policy_change(const struct ctx *ctx, int argc, char **argv)
{
	struct origin o = { .verb = ctx->verb, .kws = sel_kws };
	const char *vals[SEL_N] = {};
	struct espvti_sel sel = {};
	struct nl nl = {};
	const char *dev;
	int ret;

	if (take_dev(ctx, &argc, &argv, &dev) ||
	    scan_keywords(ctx->verb, argc, argv, sel_kws, SEL_N, vals))
		return ERR_USAGE;
	ret = sel_from_vals(&o, vals, &sel);
	if (ret)
		return ret;
	if (nl_start(&nl, ctx->netns))
		return ERR_FAIL;

	ret = sel_change(&nl, dev, ctx->verb->cmd, &sel);

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
static int cmd_monitor(const struct ctx *ctx, int argc, char **argv)
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
			extack.msg[0] ? ": " : "", extack.msg);
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

/*
 * setconf DEV FILE: make the interface what FILE says, without a moment
 * without a current SA or a selector that both have: the addresses, the
 * selectors (the missing added before the others go), then the SAs missing
 * (the file's current outbound SA made current), then away with the SAs
 * the file does not have.
 */
static int cmd_setconf(const struct ctx *ctx, int argc, char **argv)
{
	struct list devs = { .size = sizeof(struct espvti_dev) };
	struct list sas = { .size = sizeof(struct espvti_sa) };
	struct list sels = { .size = sizeof(struct espvti_sel) };
	struct conf conf = {
		.sas.size = sizeof(struct espvti_sa),
		.sels.size = sizeof(struct espvti_sel),
	};
	struct nl nl = {};
	const char *dev;
	int ret;

	if (take_dev(ctx, &argc, &argv, &dev))
		return ERR_USAGE;
	if (!argc)
		return parse_error(ctx->verb, true, "missing FILE");
	if (no_more_args(ctx, argc - 1, argv + 1))
		return ERR_USAGE;
	ret = conf_read(argv[0], &conf);
	if (ret)
		goto out;
	ret = ERR_FAIL;
	if (nl_start(&nl, ctx->netns))
		goto out;

	ret = get_devs(&nl, dev, &devs);
	if (!ret)
		ret = sa_dump(&nl, dev, &sas);
	if (!ret)
		ret = sel_dump(&nl, dev, &sels);
	if (!ret)
		ret = conf_apply(&nl, dev, &conf, devs.items, &sas, &sels);

	mnl_socket_close(nl.sock);
out:
	conf_free(&conf);
	free(devs.items);
	free(sas.items);
	free(sels.items);
	return ret;
}

/* showconf DEV: the interface as a config file for setconf, without its keys. */
static int cmd_showconf(const struct ctx *ctx, int argc, char **argv)
{
	struct list devs = { .size = sizeof(struct espvti_dev) };
	struct list sas = { .size = sizeof(struct espvti_sa) };
	struct list sels = { .size = sizeof(struct espvti_sel) };
	const struct espvti_dev *d;
	struct nl nl = {};
	const char *dev;
	int ret;

	if (take_dev(ctx, &argc, &argv, &dev) || no_more_args(ctx, argc, argv))
		return ERR_USAGE;
	if (nl_start(&nl, ctx->netns))
		return ERR_FAIL;

	ret = get_devs(&nl, dev, &devs);
	if (!ret)
		ret = sa_dump(&nl, dev, &sas);
	if (!ret)
		ret = sel_dump(&nl, dev, &sels);
	mnl_socket_close(nl.sock);
	if (ret)
		goto out;

	d = devs.items;
	printf("# %s: espvti showconf. Keys are write-only: setconf needs them added.\n",
	       d->ifname);
	print_conf(d, &sas, &sels);
out:
	free(devs.items);
	free(sas.items);
	free(sels.items);
	return ret;
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
 * NULL when kws[i] is not given. 0, or ERR_USAGE when an argument is wrong.
 */
static int scan_keywords(const struct verb *v, int argc, char **argv,
			 const struct keyword *kws, size_t nkws, const char **vals)
{
	size_t k;
	int i;

	for (i = 0; i < argc; i++) {
		for (k = 0; k < nkws; k++) {
			if (kws[k].name && !strcmp(argv[i], kws[k].name))
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

/* Take every "limit NAME N" off the arguments, into @lim. */
static int take_limits(const struct verb *v, int *argc, char **argv, struct limits *lim)
{
	struct life *life;
	uint64_t val;
	int i, n = 0;
	size_t k;

	for (i = 0; i < *argc; i++) {
		if (strcmp(argv[i], "limit")) {
			argv[n++] = argv[i];
			continue;
		}
		if (i + 2 >= *argc)
			return parse_error(v, true, "\"limit\" needs a LIMIT and a number");
		for (k = 0; k < N_LIMITS; k++) {
			if (!strcmp(argv[i + 1], limits[k].name))
				break;
		}
		if (k == N_LIMITS)
			return parse_error(v, true, "unknown limit \"%s\"", argv[i + 1]);
		if (lim->given & 1u << k)
			return parse_error(v, false, "limit %s given twice", limits[k].name);
		if (parse_uint(argv[i + 2], UINT64_MAX, false, &val))
			return parse_error(v, false, "limit %s \"%s\": not a number (0: no limit)",
					   limits[k].name, argv[i + 2]);
		life = limits[k].hard ? &lim->hard : &lim->soft;
		life->v[limits[k].type - 1] = val;
		lim->given |= 1u << k;
		i += 2;
	}
	*argc = n;
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

/*
 * The fields of an SA that @vals give, by enum sa_field (flags apart): as
 * "sa add" takes them and a config file's [SA]. Keys in files are found
 * relative to @dir, when given.
 */
static int sa_from_vals(const struct origin *o, const char *const *vals, const char *dir,
			struct espvti_sa *sa)
{
	uint64_t val;
	size_t i;
	int ret;

	if (vals[SA_DIR]) {
		if (!strcmp(vals[SA_DIR], "in"))
			sa->dir = ESPVTI_SA_DIR_IN;
		else if (!strcmp(vals[SA_DIR], "out"))
			sa->dir = ESPVTI_SA_DIR_OUT;
		else
			return bad(o, SA_DIR, "\"%s\": not in or out", vals[SA_DIR]);
	}
	if (vals[SA_SPI]) {
		if (parse_uint(vals[SA_SPI], UINT32_MAX, true, &val) || !val)
			return bad(o, SA_SPI,
				   "\"%s\": not a number from 1 to 0xffffffff (or 0x hex)",
				   vals[SA_SPI]);
		sa->spi = val;
	}
	if (vals[SA_ALG]) {
		for (i = 1; i < MNL_ARRAY_SIZE(alg_names); i++) {
			if (!strcmp(vals[SA_ALG], alg_names[i]))
				break;
		}
		if (i == MNL_ARRAY_SIZE(alg_names))
			return bad(o, SA_ALG, "\"%s\": unknown algorithm", vals[SA_ALG]);
		sa->alg = i;
	}
	if (vals[SA_KEY]) {
		ret = read_key(o, SA_KEY, vals[SA_KEY], dir, sa->key, &sa->key_len);
		if (ret)
			return ret;
	}
	if (vals[SA_AUTH_KEY]) {
		ret = read_key(o, SA_AUTH_KEY, vals[SA_AUTH_KEY], dir, sa->auth_key,
			       &sa->auth_key_len);
		if (ret)
			return ret;
	}
	if (vals[SA_ICV]) {
		if (parse_uint(vals[SA_ICV], UINT8_MAX, false, &val))
			return bad(o, SA_ICV, "\"%s\": not a number of bytes (0-255)",
				   vals[SA_ICV]);
		sa->has_icv = true;
		sa->icv = val;
	}
	if (vals[SA_REPLAY_WINDOW]) {
		if (parse_uint(vals[SA_REPLAY_WINDOW], UINT32_MAX, false, &val))
			return bad(o, SA_REPLAY_WINDOW, "\"%s\": not a number of packets",
				   vals[SA_REPLAY_WINDOW]);
		sa->has_replay_window = true;
		sa->replay_window = val;
	}
	if (vals[SA_SEQ]) {
		if (parse_uint(vals[SA_SEQ], UINT64_MAX, true, &val))
			return bad(o, SA_SEQ, "\"%s\": not a 64-bit number, decimal or 0x hex",
				   vals[SA_SEQ]);
		sa->has_seq = true;
		sa->seq = val;
	}
	return 0;
}

/*
 * A key: hex, or "@FILE" for hex read from FILE (relative to @dir, when
 * given and FILE is relative), whitespace and a leading 0x ignored. What
 * a key is never shows in a message.
 */
static int read_key(const struct origin *o, int k, const char *s, const char *dir,
		    unsigned char *buf, size_t *len)
{
	char path[PATH_MAX], text[2 * KEY_MAX + 3];
	size_t n = 0;
	int c, ret = 0;
	FILE *f;

	if (s[0] != '@') {
		if (parse_hex(s, buf, KEY_MAX, len))
			return bad(o, k, "is not an even number of hex digits, at most %d bytes",
				   KEY_MAX);
		return 0;
	}
	s++;
	if (!s[0])
		return bad(o, k, "\"@\": a file name is needed after @");
	if (dir && s[0] != '/')
		snprintf(path, sizeof(path), "%s/%s", dir, s);
	else
		snprintf(path, sizeof(path), "%s", s);
	f = fopen(path, "re");
	if (!f) {
		bad(o, k, "file %s: %s", path, strerror(errno));
		return ERR_FAIL;
	}
	while ((c = getc(f)) != EOF) {
		if (isspace(c))
			continue;
		if (n == sizeof(text) - 1) {
			ret = bad(o, k, "file %s: longer than a key of %d bytes in hex", path,
				  KEY_MAX);
			break;
		}
		text[n++] = c;
	}
	text[n] = '\0';
	if (!ret && ferror(f)) {
		bad(o, k, "file %s: %s", path, strerror(errno));
		ret = ERR_FAIL;
	}
	if (!ret && parse_hex(text, buf, KEY_MAX, len))
		ret = bad(o, k, "file %s: not an even number of hex digits, at most %d bytes",
			  path, KEY_MAX);
	fclose(f);
	explicit_bzero(text, sizeof(text));
	return ret;
}

/* A selector from what @vals give, by enum sel_field: policy add|del, [Policy]. */
static int sel_from_vals(const struct origin *o, const char *const *vals,
			 struct espvti_sel *sel)
{
	if (vals[SEL_FAMILY]) {
		if (!strcmp(vals[SEL_FAMILY], "inet"))
			sel->family = AF_INET;
		else if (!strcmp(vals[SEL_FAMILY], "inet6"))
			sel->family = AF_INET6;
		else
			return bad(o, SEL_FAMILY, "\"%s\": not inet or inet6", vals[SEL_FAMILY]);
	}
	if (vals[SEL_SRC] && parse_prefix(vals[SEL_SRC], &sel->src, &sel->src_prefix))
		return bad(o, SEL_SRC, "\"%s\": not an address or ADDRESS/LENGTH", vals[SEL_SRC]);
	if (vals[SEL_DST] && parse_prefix(vals[SEL_DST], &sel->dst, &sel->dst_prefix))
		return bad(o, SEL_DST, "\"%s\": not an address or ADDRESS/LENGTH", vals[SEL_DST]);
	if (sel->src.family && sel->dst.family && sel->src.family != sel->dst.family)
		return bad(o, -1, "%s and %s must be of one family", o->kws[SEL_SRC].name,
			   o->kws[SEL_DST].name);
	if (sel->src.family && sel->family && sel->src.family != sel->family)
		return bad(o, SEL_SRC, "\"%s\" is not of family %s", vals[SEL_SRC],
			   vals[SEL_FAMILY]);
	if (sel->dst.family && sel->family && sel->dst.family != sel->family)
		return bad(o, SEL_DST, "\"%s\" is not of family %s", vals[SEL_DST],
			   vals[SEL_FAMILY]);
	if (!sel->family)
		sel->family = sel->src.family ? sel->src.family : sel->dst.family;
	if (!sel->family)
		return bad(o, SEL_FAMILY, "is needed without %s or %s", o->kws[SEL_SRC].name,
			   o->kws[SEL_DST].name);
	if (vals[SEL_PROTO]) {
		if (parse_proto(vals[SEL_PROTO], &sel->proto))
			return bad(o, SEL_PROTO, "\"%s\": not a protocol name or 0-255",
				   vals[SEL_PROTO]);
		sel->has_proto = sel->proto != 0;	/* 0, any: the same as none */
	}
	if (vals[SEL_SPORT]) {
		if (parse_ports(vals[SEL_SPORT], sel->sport))
			return bad(o, SEL_SPORT, "\"%s\": not PORT or PORT-PORT, low to high",
				   vals[SEL_SPORT]);
		sel->has_sport = true;
	}
	if (vals[SEL_DPORT]) {
		if (parse_ports(vals[SEL_DPORT], sel->dport))
			return bad(o, SEL_DPORT, "\"%s\": not PORT or PORT-PORT, low to high",
				   vals[SEL_DPORT]);
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

/* yes/no, true/false, on/off, 1/0, any case. */
static int parse_bool(const char *s, bool *val)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < MNL_ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i]) || !strcasecmp(s, no[i])) {
			*val = !strcasecmp(s, yes[i]);
			return 0;
		}
	}
	return -1;
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

/* Start an espvti request about the interface @dev. */
static struct nlmsghdr *dev_msg(struct nl *nl, uint16_t flags, uint8_t cmd, const char *dev)
{
	struct nlmsghdr *nlh = genl_msg(nl->family, flags, cmd, ESPVTI_GENL_VERSION);

	mnl_attr_put_strz(nlh, ESPVTI_A_IFNAME, dev);
	return nlh;
}

/* Send the request, feed its answers to @cb, if any; say why it failed. 0 or ERR_FAIL. */
static int nl_do(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	int err = nl_transact(nl, nlh, cb, data);

	if (err) {
		nl_perror(err);
		return ERR_FAIL;
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

/* DEV_SET: the tunnel's addresses, those of @local and @remote that are set. */
static int dev_set(struct nl *nl, const char *dev, const struct addr *local,
		   const struct addr *remote, const struct encap *e)
{
	struct nlmsghdr *nlh = dev_msg(nl, NLM_F_ACK, ESPVTI_CMD_DEV_SET, dev);

	if (local->family)
		mnl_attr_put(nlh, ESPVTI_A_LOCAL, addr_len(local), local->bytes);
	if (remote->family)
		mnl_attr_put(nlh, ESPVTI_A_REMOTE, addr_len(remote), remote->bytes);
	if (e && e->has_encap)
		mnl_attr_put_u8(nlh, ESPVTI_A_ENCAP, e->encap);
	if (e && e->has_sport)
		mnl_attr_put_u16(nlh, ESPVTI_A_ENCAP_SPORT, e->sport);
	if (e && e->has_dport)
		mnl_attr_put_u16(nlh, ESPVTI_A_ENCAP_DPORT, e->dport);
	if (e && e->has_keepalive)
		mnl_attr_put_u32(nlh, ESPVTI_A_KEEPALIVE, e->keepalive);
	if (e && e->has_nat)
		mnl_attr_put_u8(nlh, ESPVTI_A_NAT_FOLLOW, e->nat_follow);
	if (e && e->has_fd)
		mnl_attr_put_u32(nlh, ESPVTI_A_ENCAP_FD, e->fd);
	return nl_do(nl, nlh, NULL, NULL);
}

/* The encapsulation attributes of an answer or event. */
static void get_encap(const struct nlattr *const *tb, struct encap *e)
{
	if (tb[ESPVTI_A_ENCAP]) {
		e->has_encap = true;
		e->encap = mnl_attr_get_u8(tb[ESPVTI_A_ENCAP]);
	}
	if (tb[ESPVTI_A_ENCAP_SPORT]) {
		e->has_sport = true;
		e->sport = mnl_attr_get_u16(tb[ESPVTI_A_ENCAP_SPORT]);
	}
	if (tb[ESPVTI_A_ENCAP_DPORT]) {
		e->has_dport = true;
		e->dport = mnl_attr_get_u16(tb[ESPVTI_A_ENCAP_DPORT]);
	}
	if (tb[ESPVTI_A_KEEPALIVE]) {
		e->has_keepalive = true;
		e->keepalive = mnl_attr_get_u32(tb[ESPVTI_A_KEEPALIVE]);
	}
	if (tb[ESPVTI_A_NAT_FOLLOW]) {
		e->has_nat = true;
		e->nat_follow = mnl_attr_get_u8(tb[ESPVTI_A_NAT_FOLLOW]);
	}
	if (tb[ESPVTI_A_ENCAP_SOCKET]) {
		e->has_socket = true;
		e->socket = mnl_attr_get_u8(tb[ESPVTI_A_ENCAP_SOCKET]);
	}
}

static const char *encap_socket_name(uint8_t s)
{
	switch (s) {
	case ESPVTI_ENCAP_SOCKET_NONE:
		return "none";
	case ESPVTI_ENCAP_SOCKET_OWN:
		return "own";
	case ESPVTI_ENCAP_SOCKET_ATTACHED:
		return "attached";
	}
	return "unknown";
}

/*
 * " encap udp sport N dport N keepalive S nat follow|report" as set takes
 * it, then " socket own|attached|none" (whose socket it receives on).
 */
static void print_encap_plain(const struct encap *e)
{
	if (!e->has_encap)
		return;
	printf(" encap %s", e->encap == ESPVTI_ENCAP_UDP ? "udp" : "none");
	if (e->has_sport)
		printf(" sport %u", e->sport);
	if (e->has_dport)
		printf(" dport %u", e->dport);
	if (e->has_keepalive) {
		if (e->keepalive)
			printf(" keepalive %u", e->keepalive);
		else
			printf(" keepalive off");
	}
	if (e->has_nat)
		printf(" nat %s", e->nat_follow ? "follow" : "report");
	if (e->has_socket)
		printf(" socket %s", encap_socket_name(e->socket));
}

static void print_encap_json(const struct encap *e)
{
	if (!e->has_encap)
		return;
	printf(",\"encap\":\"%s\"", e->encap == ESPVTI_ENCAP_UDP ? "udp" : "none");
	if (e->has_sport)
		printf(",\"sport\":%u", e->sport);
	if (e->has_dport)
		printf(",\"dport\":%u", e->dport);
	if (e->has_keepalive)
		printf(",\"keepalive\":%u", e->keepalive);
	if (e->has_nat)
		printf(",\"nat\":\"%s\"", e->nat_follow ? "follow" : "report");
	if (e->has_socket)
		printf(",\"socket\":\"%s\"", encap_socket_name(e->socket));
}

/* SA_ADD: @sa, with its keys; no copy of them stays in a buffer. */
static int sa_add(struct nl *nl, const char *dev, const struct espvti_sa *sa)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	int ret;

	nlh = dev_msg(nl, NLM_F_ACK, ESPVTI_CMD_SA_ADD, dev);
	nest = mnl_attr_nest_start(nlh, ESPVTI_A_SA);
	mnl_attr_put_u8(nlh, ESPVTI_SA_A_DIR, sa->dir);
	mnl_attr_put_u32(nlh, ESPVTI_SA_A_SPI, sa->spi);
	mnl_attr_put_u8(nlh, ESPVTI_SA_A_ALG, sa->alg);
	mnl_attr_put(nlh, ESPVTI_SA_A_KEY, sa->key_len, sa->key);
	if (sa->auth_key_len)
		mnl_attr_put(nlh, ESPVTI_SA_A_AUTH_KEY, sa->auth_key_len, sa->auth_key);
	if (sa->has_icv)
		mnl_attr_put_u8(nlh, ESPVTI_SA_A_ICV_LEN, sa->icv);
	if (sa->esn)
		mnl_attr_put_u8(nlh, ESPVTI_SA_A_ESN, 1);
	if (sa->has_replay_window)
		mnl_attr_put_u32(nlh, ESPVTI_SA_A_REPLAY_WINDOW, sa->replay_window);
	if (sa->has_seq)
		mnl_attr_put_u64(nlh, ESPVTI_SA_A_SEQ, sa->seq);
	if (sa->has_current)
		mnl_attr_put_u8(nlh, ESPVTI_SA_A_CURRENT, sa->current);
	if (!life_empty(&sa->soft))
		put_life(nlh, ESPVTI_SA_A_SOFT, &sa->soft);
	if (!life_empty(&sa->hard))
		put_life(nlh, ESPVTI_SA_A_HARD, &sa->hard);
	mnl_attr_nest_end(nlh, nest);
	ret = nl_do(nl, nlh, NULL, NULL);
	/* The keys were in the request, and an error answer may echo part of it. */
	explicit_bzero(req_buf, sizeof(req_buf));
	explicit_bzero(nl_buf, sizeof(nl_buf));
	return ret;
}

/*
 * SA_SET of the SA @sa names: @soft and @hard, when given, replace its
 * limits whole; with @current, it becomes the current outbound SA.
 */
static int sa_set(struct nl *nl, const char *dev, const struct espvti_sa *sa,
		  const struct life *soft, const struct life *hard, bool current)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	nlh = dev_msg(nl, NLM_F_ACK, ESPVTI_CMD_SA_SET, dev);
	nest = mnl_attr_nest_start(nlh, ESPVTI_A_SA);
	mnl_attr_put_u8(nlh, ESPVTI_SA_A_DIR, sa->dir);
	mnl_attr_put_u32(nlh, ESPVTI_SA_A_SPI, sa->spi);
	if (current)
		mnl_attr_put_u8(nlh, ESPVTI_SA_A_CURRENT, 1);
	if (soft)
		put_life(nlh, ESPVTI_SA_A_SOFT, soft);
	if (hard)
		put_life(nlh, ESPVTI_SA_A_HARD, hard);
	mnl_attr_nest_end(nlh, nest);
	return nl_do(nl, nlh, NULL, NULL);
}

static int sa_del(struct nl *nl, const char *dev, uint8_t dir, uint32_t spi)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	nlh = dev_msg(nl, NLM_F_ACK, ESPVTI_CMD_SA_DEL, dev);
	nest = mnl_attr_nest_start(nlh, ESPVTI_A_SA);
	mnl_attr_put_u8(nlh, ESPVTI_SA_A_DIR, dir);
	mnl_attr_put_u32(nlh, ESPVTI_SA_A_SPI, spi);
	mnl_attr_nest_end(nlh, nest);
	return nl_do(nl, nlh, NULL, NULL);
}

/* SA_GET of one SA, onto @list. */
static int sa_get(struct nl *nl, const char *dev, uint8_t dir, uint32_t spi, struct list *list)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	int ret;

	nlh = dev_msg(nl, NLM_F_ACK, ESPVTI_CMD_SA_GET, dev);
	nest = mnl_attr_nest_start(nlh, ESPVTI_A_SA);
	mnl_attr_put_u8(nlh, ESPVTI_SA_A_DIR, dir);
	mnl_attr_put_u32(nlh, ESPVTI_SA_A_SPI, spi);
	mnl_attr_nest_end(nlh, nest);
	ret = nl_do(nl, nlh, sa_cb, list);
	if (!ret && list->n != 1) {
		fprintf(stderr, "espvti: the kernel answered with %zu SAs, not one\n", list->n);
		ret = ERR_FAIL;
	}
	return ret;
}

static int sa_dump(struct nl *nl, const char *dev, struct list *list)
{
	return nl_do(nl, dev_msg(nl, NLM_F_DUMP, ESPVTI_CMD_SA_GET, dev), sa_cb, list);
}

static int sel_dump(struct nl *nl, const char *dev, struct list *list)
{
	return nl_do(nl, dev_msg(nl, NLM_F_DUMP, ESPVTI_CMD_SEL_GET, dev), sel_cb, list);
}

/* SEL_ADD or SEL_DEL of @sel, its fields as given. */
static int sel_change(struct nl *nl, const char *dev, uint8_t cmd, const struct espvti_sel *sel)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	nlh = dev_msg(nl, NLM_F_ACK, cmd, dev);
	nest = mnl_attr_nest_start(nlh, ESPVTI_A_SEL);
	mnl_attr_put_u16(nlh, ESPVTI_SEL_A_FAMILY, sel->family);
	if (sel->src.family) {
		mnl_attr_put(nlh, ESPVTI_SEL_A_SRC, addr_len(&sel->src), sel->src.bytes);
		mnl_attr_put_u8(nlh, ESPVTI_SEL_A_SRC_PREFIX, sel->src_prefix);
	}
	if (sel->dst.family) {
		mnl_attr_put(nlh, ESPVTI_SEL_A_DST, addr_len(&sel->dst), sel->dst.bytes);
		mnl_attr_put_u8(nlh, ESPVTI_SEL_A_DST_PREFIX, sel->dst_prefix);
	}
	if (sel->has_proto)
		mnl_attr_put_u8(nlh, ESPVTI_SEL_A_PROTO, sel->proto);
	if (sel->has_sport) {
		mnl_attr_put_u16(nlh, ESPVTI_SEL_A_SPORT_MIN, sel->sport[0]);
		mnl_attr_put_u16(nlh, ESPVTI_SEL_A_SPORT_MAX, sel->sport[1]);
	}
	if (sel->has_dport) {
		mnl_attr_put_u16(nlh, ESPVTI_SEL_A_DPORT_MIN, sel->dport[0]);
		mnl_attr_put_u16(nlh, ESPVTI_SEL_A_DPORT_MAX, sel->dport[1]);
	}
	mnl_attr_nest_end(nlh, nest);
	return nl_do(nl, nlh, NULL, NULL);
}

/* A nest of the limits of @l that are set. */
static void put_life(struct nlmsghdr *nlh, uint16_t type, const struct life *l)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);
	unsigned int i;

	for (i = 0; i < ESPVTI_LIFE_A_MAX; i++) {
		if (l->v[i])
			mnl_attr_put_u64(nlh, i + 1, l->v[i]);
	}
	mnl_attr_nest_end(nlh, nest);
}

static bool life_empty(const struct life *l)
{
	unsigned int i;

	for (i = 0; i < ESPVTI_LIFE_A_MAX; i++) {
		if (l->v[i])
			return false;
	}
	return true;
}

static unsigned int addr_len(const struct addr *addr)
{
	return addr->family == AF_INET ? 4 : 16;
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
	get_encap(tb, &dev->encap);
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

/* A message about one interface, a reply or an event, into the struct msg at @data. */
static int msg_cb(const struct nlmsghdr *nlh, void *data)
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
	if (ctx->json) {
		print_event_json(&m, stamp);
	} else {
		if (stamp[0])
			printf("%s ", stamp);
		print_event_plain(&m);
	}
	putchar('\n');
	return MNL_CB_OK;
}

static int parse_sa(const struct nlattr *nest, struct espvti_sa *sa)
{
	const struct nlattr *tb[ESPVTI_SA_A_MAX + 1] = {};
	struct attr_table table = { espvti_sa_attr_types, ESPVTI_SA_A_MAX, tb };

	if (mnl_attr_parse_nested(nest, table_attr_cb, &table) < 0)
		return -1;
	if (!tb[ESPVTI_SA_A_DIR] || !tb[ESPVTI_SA_A_SPI]) {
		errno = EPROTO;
		return -1;
	}
	sa->dir = mnl_attr_get_u8(tb[ESPVTI_SA_A_DIR]);
	sa->spi = mnl_attr_get_u32(tb[ESPVTI_SA_A_SPI]);
	if (tb[ESPVTI_SA_A_ALG])
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
	if (tb[ESPVTI_SA_A_CURRENT]) {
		sa->has_current = true;
		sa->current = mnl_attr_get_u8(tb[ESPVTI_SA_A_CURRENT]);
	}
	if (tb[ESPVTI_SA_A_STATS] && parse_stats(tb[ESPVTI_SA_A_STATS], &sa->stats))
		return -1;
	if (tb[ESPVTI_SA_A_SOFT] && parse_life(tb[ESPVTI_SA_A_SOFT], &sa->soft))
		return -1;
	if (tb[ESPVTI_SA_A_HARD] && parse_life(tb[ESPVTI_SA_A_HARD], &sa->hard))
		return -1;
	if (tb[ESPVTI_SA_A_AGE]) {
		sa->has_age = true;
		sa->age = mnl_attr_get_u64(tb[ESPVTI_SA_A_AGE]);
	}
	if (tb[ESPVTI_SA_A_USE_AGE]) {
		sa->has_use_age = true;
		sa->use_age = mnl_attr_get_u64(tb[ESPVTI_SA_A_USE_AGE]);
	}
	if (tb[ESPVTI_SA_A_BYTES]) {
		sa->has_bytes = true;
		sa->bytes = mnl_attr_get_u64(tb[ESPVTI_SA_A_BYTES]);
	}
	if (tb[ESPVTI_SA_A_PACKETS]) {
		sa->has_packets = true;
		sa->packets = mnl_attr_get_u64(tb[ESPVTI_SA_A_PACKETS]);
	}
	if (tb[ESPVTI_SA_A_SOFT_EXPIRED])
		sa->soft_expired = mnl_attr_get_u8(tb[ESPVTI_SA_A_SOFT_EXPIRED]);
	return 0;
}

static int parse_life(const struct nlattr *nest, struct life *l)
{
	const struct nlattr *tb[ESPVTI_LIFE_A_MAX + 1] = {};
	struct attr_table table = { espvti_life_attr_types, ESPVTI_LIFE_A_MAX, tb };
	unsigned int i;

	if (mnl_attr_parse_nested(nest, table_attr_cb, &table) < 0)
		return -1;
	for (i = 1; i <= ESPVTI_LIFE_A_MAX; i++) {
		if (tb[i])
			l->v[i - 1] = mnl_attr_get_u64(tb[i]);
	}
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
	if (tb[ESPVTI_SEL_A_PROTO]) {
		sel->has_proto = true;
		sel->proto = mnl_attr_get_u8(tb[ESPVTI_SEL_A_PROTO]);
	}
	sel->sport[1] = UINT16_MAX;
	sel->dport[1] = UINT16_MAX;
	sel->has_sport = tb[ESPVTI_SEL_A_SPORT_MIN] || tb[ESPVTI_SEL_A_SPORT_MAX];
	sel->has_dport = tb[ESPVTI_SEL_A_DPORT_MIN] || tb[ESPVTI_SEL_A_DPORT_MAX];
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
	print_encap_plain(&dev->encap);
	putchar('\n');
}

static void print_dev_json(const void *item)
{
	const struct espvti_dev *dev = item;
	char buf[INET6_ADDRSTRLEN];

	printf("{\"ifname\":");
	print_json_string(dev->ifname);
	printf(",\"ifindex\":%u,\"id\":%u,\"mtu\":%u,\"carrier\":%s,\"oper_up\":%s",
	       dev->ifindex, dev->id, dev->mtu, json_bool(dev->carrier),
	       json_bool(dev->oper_up));
	if (dev->local.family)
		printf(",\"local\":\"%s\"", addr_str(&dev->local, buf, sizeof(buf)));
	if (dev->remote.family)
		printf(",\"remote\":\"%s\"", addr_str(&dev->remote, buf, sizeof(buf)));
	if (dev->has_netnsid)
		printf(",\"link_netnsid\":%d", dev->netnsid);
	print_encap_json(&dev->encap);
	if (dev->stats.present) {
		printf(",\"stats\":{");
		print_stats_fields(&dev->stats);
		putchar('}');
	}
	putchar('}');
}

/* An SA's parameters, on the line that starts it (no newline). */
static void print_sa_line(const struct espvti_sa *sa)
{
	printf("dir %s spi 0x%08x", dir_str(sa->dir), sa->spi);
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
	if (sa->has_current)
		printf(sa->current ? " current" : " standby");
}

/* How long an SA has been there and how much it protected, each after a space. */
static void print_sa_use(const struct espvti_sa *sa)
{
	if (sa->has_age)
		printf(" age %llus", (unsigned long long)sa->age);
	if (sa->has_use_age)
		printf(" use-age %llus", (unsigned long long)sa->use_age);
	if (sa->has_bytes)
		printf(" bytes %llu", (unsigned long long)sa->bytes);
	if (sa->has_packets)
		printf(" packets %llu", (unsigned long long)sa->packets);
	if (sa->soft_expired)
		printf(" soft-expired");
}

/* " soft|hard NAME N..." for the limits of @l that are set. */
static void print_life_plain(const char *what, const struct life *l)
{
	unsigned int i;

	if (life_empty(l))
		return;
	printf(" %s", what);
	for (i = 0; i < ESPVTI_LIFE_A_MAX; i++) {
		if (!l->v[i])
			continue;
		printf(" %s %llu%s", life_plain_names[i + 1], (unsigned long long)l->v[i],
		       i + 1 == ESPVTI_LIFE_A_ADD_SECS || i + 1 == ESPVTI_LIFE_A_USE_SECS ?
		       "s" : "");
	}
}

/*
 * An SA on a line; under it, indented: its age and use, its limits when it
 * has any, and its counters that are not 0.
 */
static void print_sa_plain(const void *item)
{
	const struct espvti_sa *sa = item;

	print_sa_line(sa);
	putchar('\n');
	if (sa->has_age || sa->has_bytes || sa->has_packets) {
		printf("   ");
		print_sa_use(sa);
		putchar('\n');
	}
	if (!life_empty(&sa->soft) || !life_empty(&sa->hard)) {
		printf("   ");
		print_life_plain("soft", &sa->soft);
		print_life_plain("hard", &sa->hard);
		putchar('\n');
	}
	print_counters(&sa->stats);
}

/* The counters that are not 0 on an indented line, if any. */
static void print_counters(const struct stats *stats)
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

/* "dir", "spi" and, for outbound SAs, "current": what names an SA in JSON. */
static void print_sa_id_json(const struct espvti_sa *sa)
{
	if (dir_name(sa->dir))
		printf("\"dir\":\"%s\"", dir_name(sa->dir));
	else
		printf("\"dir\":%u", sa->dir);
	printf(",\"spi\":%u", sa->spi);
	if (sa->has_current)
		printf(",\"current\":%s", json_bool(sa->current));
}

/* ,"soft":{...} for the limits of @l that are set. */
static void print_life_json(const char *what, const struct life *l)
{
	const char *sep = "";
	unsigned int i;

	if (life_empty(l))
		return;
	printf(",\"%s\":{", what);
	for (i = 0; i < ESPVTI_LIFE_A_MAX; i++) {
		if (!l->v[i])
			continue;
		printf("%s\"%s\":%llu", sep, life_json_names[i + 1],
		       (unsigned long long)l->v[i]);
		sep = ",";
	}
	putchar('}');
}

static void print_sa_json(const void *item)
{
	const struct espvti_sa *sa = item;

	putchar('{');
	print_sa_id_json(sa);
	if (alg_name(sa->alg))
		printf(",\"alg\":\"%s\"", alg_name(sa->alg));
	else
		printf(",\"alg\":%u", sa->alg);
	if (sa->has_icv)
		printf(",\"icv\":%u", sa->icv);
	printf(",\"esn\":%s", json_bool(sa->esn));
	if (sa->has_replay_window)
		printf(",\"replay_window\":%u", sa->replay_window);
	if (sa->has_seq)
		printf(",\"seq\":%llu", (unsigned long long)sa->seq);
	if (sa->has_age)
		printf(",\"age\":%llu", (unsigned long long)sa->age);
	if (sa->has_use_age)
		printf(",\"use_age\":%llu", (unsigned long long)sa->use_age);
	if (sa->has_bytes)
		printf(",\"bytes\":%llu", (unsigned long long)sa->bytes);
	if (sa->has_packets)
		printf(",\"packets\":%llu", (unsigned long long)sa->packets);
	printf(",\"soft_expired\":%s", json_bool(sa->soft_expired));
	print_life_json("soft", &sa->soft);
	print_life_json("hard", &sa->hard);
	if (sa->stats.present) {
		printf(",\"stats\":{");
		print_stats_fields(&sa->stats);
		putchar('}');
	}
	putchar('}');
}

static void print_sel_plain(const void *item)
{
	const struct espvti_sel *sel = item;
	char buf[INET6_ADDRSTRLEN + sizeof("/255")];

	if (family_name(sel->family))
		printf("%s", family_name(sel->family));
	else
		printf("family %d", sel->family);
	printf(" src %s", sel_addr_str(sel, &sel->src, sel->src_prefix, buf, sizeof(buf)));
	printf(" dst %s", sel_addr_str(sel, &sel->dst, sel->dst_prefix, buf, sizeof(buf)));
	printf(" proto %s", proto_str(sel->proto, buf, sizeof(buf)));
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

/* Every counter the kernel reported, as "name":value pairs. */
static void print_stats_fields(const struct stats *stats)
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

/* An event, as a line of words: its name, the interface, then what it says. */
static void print_event_plain(const struct msg *m)
{
	char buf[INET6_ADDRSTRLEN];

	if (m->cmd <= ESPVTI_CMD_MAX && event_names[m->cmd])
		printf("%s", event_names[m->cmd]);
	else
		printf("event-%u", m->cmd);
	printf(" %s", m->ifname[0] ? m->ifname : "-");
	switch (m->cmd) {
	case ESPVTI_CMD_DEV_CHANGE_NTF:
		printf(" carrier %s oper %s", m->carrier ? "on" : "off",
		       m->oper_up ? "up" : "down");
		break;
	case ESPVTI_CMD_SA_DEL_NTF:
		if (name_of(reason_names, MNL_ARRAY_SIZE(reason_names), m->reason))
			printf(" %s", reason_names[m->reason]);
		else
			printf(" reason-%u", m->reason);
		break;
	case ESPVTI_CMD_SA_EXPIRE_NTF:
		if (name_of(expire_names, MNL_ARRAY_SIZE(expire_names), m->expire))
			printf(" %s", expire_names[m->expire]);
		else
			printf(" expire-%u", m->expire);
		break;
	case ESPVTI_CMD_ACQUIRE_NTF:
		if (m->has_flow) {
			putchar(' ');
			print_flow_plain(&m->flow);
		}
		break;
	case ESPVTI_CMD_NAT_CHANGE_NTF:
		if (m->old_remote.family)
			printf(" from %s", addr_str(&m->old_remote, buf, sizeof(buf)));
		if (m->has_old_dport)
			printf(" port %u", m->old_dport);
		if (m->remote.family)
			printf(" to %s", addr_str(&m->remote, buf, sizeof(buf)));
		if (m->encap.has_dport)
			printf(" port %u", m->encap.dport);
		if (m->encap.has_nat)
			printf(m->encap.nat_follow ? " followed" : " reported");
		return;
	}
	if (m->has_sa) {
		putchar(' ');
		print_sa_line(&m->sa);
		print_sa_use(&m->sa);
	}
	if (m->cmd != ESPVTI_CMD_DEV_CHANGE_NTF && m->local.family)
		printf(" local %s", addr_str(&m->local, buf, sizeof(buf)));
	if (m->cmd != ESPVTI_CMD_DEV_CHANGE_NTF && m->remote.family)
		printf(" remote %s", addr_str(&m->remote, buf, sizeof(buf)));
}

/* An event as one JSON object; "time" first when @stamp is not "". */
static void print_event_json(const struct msg *m, const char *stamp)
{
	char buf[INET6_ADDRSTRLEN];

	putchar('{');
	if (stamp[0])
		printf("\"time\":%s,", stamp);
	if (m->cmd <= ESPVTI_CMD_MAX && event_names[m->cmd])
		printf("\"event\":\"%s\"", event_names[m->cmd]);
	else
		printf("\"event\":\"event-%u\"", m->cmd);
	printf(",\"ifname\":");
	print_json_string(m->ifname);
	printf(",\"ifindex\":%u", m->ifindex);
	switch (m->cmd) {
	case ESPVTI_CMD_DEV_CHANGE_NTF:
		printf(",\"carrier\":%s,\"oper_up\":%s", json_bool(m->carrier),
		       json_bool(m->oper_up));
		break;
	case ESPVTI_CMD_SA_DEL_NTF:
		if (name_of(reason_names, MNL_ARRAY_SIZE(reason_names), m->reason))
			printf(",\"reason\":\"%s\"", reason_names[m->reason]);
		else
			printf(",\"reason\":%u", m->reason);
		break;
	case ESPVTI_CMD_SA_EXPIRE_NTF:
		if (name_of(expire_names, MNL_ARRAY_SIZE(expire_names), m->expire))
			printf(",\"expire\":\"%s\"", expire_names[m->expire]);
		else
			printf(",\"expire\":%u", m->expire);
		break;
	case ESPVTI_CMD_ACQUIRE_NTF:
		if (m->has_flow) {
			printf(",\"flow\":");
			print_flow_json(&m->flow);
		}
		break;
	case ESPVTI_CMD_NAT_CHANGE_NTF:
		if (m->old_remote.family)
			printf(",\"old_remote\":\"%s\"",
			       addr_str(&m->old_remote, buf, sizeof(buf)));
		if (m->has_old_dport)
			printf(",\"old_dport\":%u", m->old_dport);
		if (m->encap.has_dport)
			printf(",\"dport\":%u", m->encap.dport);
		if (m->encap.has_nat)
			printf(",\"followed\":%s", json_bool(m->encap.nat_follow));
		break;
	}
	if (m->has_sa) {
		printf(",\"sa\":");
		print_sa_json(&m->sa);
	}
	if (m->cmd != ESPVTI_CMD_DEV_CHANGE_NTF && m->local.family)
		printf(",\"local\":\"%s\"", addr_str(&m->local, buf, sizeof(buf)));
	if (m->cmd != ESPVTI_CMD_DEV_CHANGE_NTF && m->remote.family)
		printf(",\"remote\":\"%s\"", addr_str(&m->remote, buf, sizeof(buf)));
	putchar('}');
}

/* An acquire's flow: "inet src A dst B proto P [sport N dport N]". */
static void print_flow_plain(const struct espvti_sel *fl)
{
	char buf[INET6_ADDRSTRLEN];

	printf("%s", family_name(fl->family) ? family_name(fl->family) : "family-?");
	if (fl->src.family)
		printf(" src %s", addr_str(&fl->src, buf, sizeof(buf)));
	if (fl->dst.family)
		printf(" dst %s", addr_str(&fl->dst, buf, sizeof(buf)));
	printf(" proto %s", proto_str(fl->proto, buf, sizeof(buf)));
	if (fl->has_sport)
		printf(" sport %u", fl->sport[0]);
	if (fl->has_dport)
		printf(" dport %u", fl->dport[0]);
}

static void print_flow_json(const struct espvti_sel *fl)
{
	char buf[INET6_ADDRSTRLEN];

	if (family_name(fl->family))
		printf("{\"family\":\"%s\"", family_name(fl->family));
	else
		printf("{\"family\":%d", fl->family);
	if (fl->src.family)
		printf(",\"src\":\"%s\"", addr_str(&fl->src, buf, sizeof(buf)));
	if (fl->dst.family)
		printf(",\"dst\":\"%s\"", addr_str(&fl->dst, buf, sizeof(buf)));
	printf(",\"proto\":%u", fl->proto);
	if (fl->has_sport)
		printf(",\"sport\":%u", fl->sport[0]);
	if (fl->has_dport)
		printf(",\"dport\":%u", fl->dport[0]);
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

/* A protocol by name when it has one: "any", "tcp", or the number. */
static const char *proto_str(uint8_t proto, char *buf, size_t size)
{
	size_t i;

	if (!proto)
		return "any";
	for (i = 0; i < MNL_ARRAY_SIZE(proto_names); i++) {
		if (proto == proto_names[i].proto)
			return proto_names[i].name;
	}
	snprintf(buf, size, "%u", proto);
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

/* A direction for text: "in", "out", or "?". */
static const char *dir_str(uint8_t dir)
{
	return dir_name(dir) ? dir_name(dir) : "?";
}

static const char *alg_name(uint8_t alg)
{
	return alg < MNL_ARRAY_SIZE(alg_names) ? alg_names[alg] : NULL;
}

/* names[i], or NULL when @i is past the end or has no name. */
static const char *name_of(const char *const *names, size_t n, unsigned int i)
{
	return i < n ? names[i] : NULL;
}

static const char *stat_name(unsigned int stat)
{
	/* A name left out of the middle of stat_names[] would show here. */
	return stat_names[stat] ? stat_names[stat] : "unnamed";
}

static const char *json_bool(bool val)
{
	return val ? "true" : "false";
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

/* Start a generic netlink request in req_buf. */
static struct nlmsghdr *genl_msg(uint16_t family, uint16_t flags, uint8_t cmd,
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

/*
 * Send the request @nlh and feed every data message of the answer to @cb,
 * until an ACK, NLMSG_DONE or an error ends it. 0 or a negative errno;
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
		n += snprintf(buf + n, size - n, "%srange %llu..%llu", n ? ", " : "",
			      (unsigned long long)umin, (unsigned long long)umax);
	if ((has_smin || has_smax) && n < size)
		n += snprintf(buf + n, size - n, "%srange %lld..%lld", n ? ", " : "",
			      (long long)smin, (long long)smax);
	if (has_lmin && has_lmax && n < size)
		n += snprintf(buf + n, size - n, "%slength %u..%u bytes", n ? ", " : "",
			      lmin, lmax);
	else if (has_lmax && n < size)
		n += snprintf(buf + n, size - n, "%sat most %u bytes", n ? ", " : "", lmax);
	else if (has_lmin && n < size)
		n += snprintf(buf + n, size - n, "%sat least %u bytes", n ? ", " : "", lmin);
	if (has_mask && n < size)
		snprintf(buf + n, size - n, "%smask 0x%llx", n ? ", " : "",
			 (unsigned long long)mask);
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

/*
 * Read the config file @path into @conf and check all of it: 0, or
 * ERR_USAGE after saying which line is wrong and why (ERR_FAIL when it
 * cannot be read).
 */
static int conf_read(const char *path, struct conf *conf)
{
	struct conf_parser p = { .conf = conf };
	struct origin o = { .file = path };
	char *line = NULL, *slash;
	size_t cap = 0;
	int ret = 0;
	FILE *f;

	conf->path = path;
	snprintf(conf->dir, sizeof(conf->dir), "%s", path);
	slash = strrchr(conf->dir, '/');
	if (slash == conf->dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		snprintf(conf->dir, sizeof(conf->dir), ".");
	f = fopen(path, "re");
	if (!f) {
		fprintf(stderr, "espvti: cannot open %s: %s\n", path, strerror(errno));
		return ERR_FAIL;
	}
	while (!ret && getline(&line, &cap, f) >= 0) {
		o.line++;
		ret = conf_line(&p, &o, line);
	}
	if (!ret && ferror(f)) {
		fprintf(stderr, "espvti: cannot read %s: %s\n", path, strerror(errno));
		ret = ERR_FAIL;
	}
	if (!ret)
		ret = conf_end_section(&p);
	if (!ret)
		ret = conf_finish(&p);
	conf_clear_vals(&p);
	if (line)
		explicit_bzero(line, cap);	/* it may have held a key */
	free(line);
	fclose(f);
	return ret;
}

/* One line of a config file: a comment, a [SECTION] or KEY = VALUE. */
static int conf_line(struct conf_parser *p, const struct origin *o, char *line)
{
	const struct keyword *kws;
	char *s, *end, *key, *val;
	size_t k, n;
	int ret;

	s = strchr(line, '#');
	if (s)
		*s = '\0';
	s = trim(line);
	if (!*s)
		return 0;
	if (*s == '[') {
		end = s + strlen(s) - 1;
		if (*end != ']')
			return bad(o, -1, "a section starts with a line \"[NAME]\"");
		*end = '\0';
		s = trim(s + 1);
		ret = conf_end_section(p);
		if (ret)
			return ret;
		for (k = SEC_TUNNEL; k < MNL_ARRAY_SIZE(sections); k++) {
			if (!strcasecmp(s, sections[k].name))
				break;
		}
		if (k == MNL_ARRAY_SIZE(sections))
			return bad(o, -1, "unknown section [%s]: [Tunnel], [SA] or [Policy]", s);
		if (k == SEC_TUNNEL && p->has_tunnel)
			return bad(o, -1, "a second [Tunnel]");
		p->section = k;
		p->line = o->line;
		return 0;
	}
	val = strchr(s, '=');
	if (!val)
		return bad(o, -1, "not \"KEY = VALUE\", a \"[SECTION]\" or a # comment");
	*val++ = '\0';
	key = trim(s);
	val = trim(val);
	if (p->section == SEC_NONE)
		return bad(o, -1, "\"%s\" comes before any section", key);
	kws = sections[p->section].kws;
	n = sections[p->section].n;
	for (k = 0; k < n; k++) {
		if (kws[k].name && !strcasecmp(key, kws[k].name))
			break;
	}
	if (k == n)
		return bad(o, -1, "[%s] has no key \"%s\"", sections[p->section].name, key);
	if (p->vals[k])
		return bad(o, -1, "%s given twice in one [%s], first on line %u", kws[k].name,
			   sections[p->section].name, p->lines[k]);
	if (!*val)
		return bad(o, -1, "%s has no value", kws[k].name);
	p->vals[k] = strdup(val);
	if (!p->vals[k]) {
		fprintf(stderr, "espvti: out of memory\n");
		return ERR_FAIL;
	}
	p->lines[k] = o->line;
	return 0;
}

/* The section that ends here, checked and taken into the config. */
static int conf_end_section(struct conf_parser *p)
{
	struct origin o = {
		.file = p->conf->path, .line = p->line, .lines = p->lines,
		.kws = sections[p->section].kws,
	};
	const char *const *vals = (const char *const *)p->vals;
	int ret = 0;

	switch (p->section) {
	case SEC_NONE:
		break;
	case SEC_TUNNEL:
		ret = conf_tunnel(p, &o, vals);
		break;
	case SEC_SA:
		ret = conf_sa(p, &o, vals);
		break;
	case SEC_POLICY:
		ret = conf_policy(p, &o, vals);
		break;
	}
	conf_clear_vals(p);
	p->section = SEC_NONE;
	return ret;
}

static int conf_tunnel(struct conf_parser *p, const struct origin *o, const char *const *vals)
{
	struct conf *conf = p->conf;
	int k;

	p->has_tunnel = true;
	if (vals[TUN_LOCAL] && parse_addr(vals[TUN_LOCAL], &conf->local))
		return bad(o, TUN_LOCAL, "\"%s\": not an IPv4 or IPv6 address", vals[TUN_LOCAL]);
	if (vals[TUN_REMOTE] && parse_addr(vals[TUN_REMOTE], &conf->remote))
		return bad(o, TUN_REMOTE, "\"%s\": not an IPv4 or IPv6 address", vals[TUN_REMOTE]);
	if (conf->local.family && conf->remote.family && conf->local.family != conf->remote.family)
		return bad(o, TUN_REMOTE, "\"%s\": not of the family of Local", vals[TUN_REMOTE]);
	if (encap_from_vals(vals + TUN_ENCAP, &conf->encap, &k))
		return bad(o, TUN_ENCAP + k, "\"%s\": %s", vals[TUN_ENCAP + k],
			   k == ENC_ENCAP ? "not udp or none" :
			   k == ENC_KEEPALIVE ? "not SECONDS (0..3600), on or off" :
			   k == ENC_NAT ? "not follow or report" : "not a port (1..65535)");
	return 0;
}

static int conf_sa(struct conf_parser *p, const struct origin *o, const char *const *vals)
{
	static const unsigned int required[] = { SA_DIR, SA_SPI, SA_ALG, SA_KEY };
	struct espvti_sa sa = {}, *s;
	struct life *life;
	uint64_t num;
	bool val;
	size_t i;
	int ret;

	for (i = 0; i < MNL_ARRAY_SIZE(required); i++) {
		if (!vals[required[i]])
			return bad(o, -1, "this [SA] has no %s", conf_sa_kws[required[i]].name);
	}
	ret = sa_from_vals(o, vals, p->conf->dir, &sa);
	if (ret)
		goto out;
	ret = ERR_USAGE;
	if (sa.spi < SPI_MIN) {
		bad(o, SA_SPI, "\"%s\": 1 to 255 are reserved, an SPI is at least 256",
		    vals[SA_SPI]);
		goto out;
	}
	if (vals[SA_ESN]) {
		if (parse_bool(vals[SA_ESN], &val)) {
			bad(o, SA_ESN, "\"%s\": not yes or no", vals[SA_ESN]);
			goto out;
		}
		sa.esn = val;
	}
	if (vals[SA_CURRENT]) {
		if (parse_bool(vals[SA_CURRENT], &val)) {
			bad(o, SA_CURRENT, "\"%s\": not yes or no", vals[SA_CURRENT]);
			goto out;
		}
		if (sa.dir != ESPVTI_SA_DIR_OUT) {
			bad(o, SA_CURRENT, "is for outbound SAs");
			goto out;
		}
		if (val && p->has_current) {
			bad(o, SA_CURRENT, "yes in a second [SA]: one outbound SA is current");
			goto out;
		}
		p->has_current |= val;
		sa.has_current = true;
		sa.current = val;
	}
	for (i = 0; i < N_LIMITS; i++) {
		if (!vals[SA_N + i])
			continue;
		if (parse_uint(vals[SA_N + i], UINT64_MAX, false, &num)) {
			bad(o, SA_N + i, "\"%s\": not a number (0: no limit)", vals[SA_N + i]);
			goto out;
		}
		life = limits[i].hard ? &sa.hard : &sa.soft;
		life->v[limits[i].type - 1] = num;
	}
	if (conf_check_sa(o, &sa))
		goto out;
	for (i = 0, s = p->conf->sas.items; i < p->conf->sas.n; i++, s++) {
		if (s->dir == sa.dir && s->spi == sa.spi) {
			bad(o, SA_SPI, "\"%s\": a second [SA] with Direction = %s and this SPI",
			    vals[SA_SPI], dir_str(sa.dir));
			goto out;
		}
	}
	s = list_add(&p->conf->sas);
	if (!s) {
		fprintf(stderr, "espvti: out of memory\n");
		ret = ERR_FAIL;
		goto out;
	}
	*s = sa;
	ret = 0;
out:
	explicit_bzero(&sa, sizeof(sa));
	return ret;
}

/* An [SA]'s fields agree with its algorithm and each other, as the kernel wants. */
static int conf_check_sa(const struct origin *o, const struct espvti_sa *sa)
{
	unsigned int salt = alg_info[sa->alg].salt, auth = alg_info[sa->alg].auth_key;
	const char *alg = alg_names[sa->alg];
	char lens[32];
	size_t i, j;

	if (sa->key_len < salt || sa->key_len - salt > 32 ||
	    !(alg_info[sa->alg].key_lens & 1ull << (sa->key_len - salt))) {
		bits_str(alg_info[sa->alg].key_lens, lens, sizeof(lens));
		if (salt)
			return bad(o, SA_KEY, "has %zu bytes: %s takes %s, then %u of salt",
				   sa->key_len, alg, lens, salt);
		return bad(o, SA_KEY, "has %zu bytes: %s takes %s", sa->key_len, alg, lens);
	}
	if (auth && sa->auth_key_len != auth)
		return bad(o, sa->auth_key_len ? SA_AUTH_KEY : -1,
			   "%s needs an AuthKey of %u bytes", alg, auth);
	if (!auth && sa->auth_key_len)
		return bad(o, SA_AUTH_KEY, "is not for %s", alg);
	if (sa->has_icv && (sa->icv > 31 || !(alg_info[sa->alg].icv_lens & 1u << sa->icv))) {
		bits_str(alg_info[sa->alg].icv_lens, lens, sizeof(lens));
		return bad(o, SA_ICV, "%u: %s takes %s", sa->icv, alg, lens);
	}
	if (sa->has_replay_window && sa->replay_window > REPLAY_WINDOW_MAX)
		return bad(o, SA_REPLAY_WINDOW, "%u: at most %u", sa->replay_window,
			   REPLAY_WINDOW_MAX);
	for (i = 0; i < N_LIMITS; i++) {
		uint16_t t = limits[i].type - 1;

		if (limits[i].hard || !sa->soft.v[t] || !sa->hard.v[t] ||
		    sa->soft.v[t] < sa->hard.v[t])
			continue;
		for (j = 0; j < N_LIMITS; j++) {
			if (limits[j].hard && limits[j].type == limits[i].type)
				break;
		}
		return bad(o, SA_N + i, "must be below %s", limits[j].conf);
	}
	return 0;
}

static int conf_policy(struct conf_parser *p, const struct origin *o, const char *const *vals)
{
	struct espvti_sel sel = {}, *s;
	int ret;

	ret = sel_from_vals(o, vals, &sel);
	if (ret)
		return ret;
	if (sel.src.family && !prefix_clean(&sel.src, sel.src_prefix))
		return bad(o, SEL_SRC, "\"%s\": address bits set beyond the prefix length",
			   vals[SEL_SRC]);
	if (sel.dst.family && !prefix_clean(&sel.dst, sel.dst_prefix))
		return bad(o, SEL_DST, "\"%s\": address bits set beyond the prefix length",
			   vals[SEL_DST]);
	sel_fill(&sel);
	if (find_sel(&p->conf->sels, &sel))
		return bad(o, -1, "this [Policy] is the same as one before it");
	s = list_add(&p->conf->sels);
	if (!s) {
		fprintf(stderr, "espvti: out of memory\n");
		return ERR_FAIL;
	}
	*s = sel;
	p->has_policy = true;
	return 0;
}

/*
 * After the last section: one outbound SA is current (the last one, when no
 * [SA] says which); without [Policy], the selectors an interface starts with.
 */
static int conf_finish(struct conf_parser *p)
{
	struct espvti_sa *sa, *last = NULL;
	struct espvti_sel *sel;
	size_t i;
	int f;

	for (i = 0, sa = p->conf->sas.items; i < p->conf->sas.n; i++, sa++) {
		if (sa->dir != ESPVTI_SA_DIR_OUT)
			continue;
		last = sa;
		if (!sa->has_current) {
			sa->has_current = true;
			sa->current = false;
		}
	}
	if (last && !p->has_current)
		last->current = true;
	if (p->has_policy)
		return 0;
	for (f = 0; f < 2; f++) {
		sel = list_add(&p->conf->sels);
		if (!sel) {
			fprintf(stderr, "espvti: out of memory\n");
			return ERR_FAIL;
		}
		sel->family = f ? AF_INET6 : AF_INET;
		sel_fill(sel);
	}
	return 0;
}

static void conf_clear_vals(struct conf_parser *p)
{
	size_t k;

	for (k = 0; k < MNL_ARRAY_SIZE(p->vals); k++) {
		if (!p->vals[k])
			continue;
		explicit_bzero(p->vals[k], strlen(p->vals[k]));
		free(p->vals[k]);
		p->vals[k] = NULL;
		p->lines[k] = 0;
	}
}

static void conf_free(struct conf *conf)
{
	if (conf->sas.items)
		explicit_bzero(conf->sas.items, conf->sas.n * conf->sas.size);
	free(conf->sas.items);
	free(conf->sels.items);
}

/* Make the interface (@d, with @sas and @sels) what @conf says; see cmd_setconf(). */
static int conf_apply(struct nl *nl, const char *dev, const struct conf *conf,
		      const struct espvti_dev *d, const struct list *sas, const struct list *sels)
{
	const struct espvti_sa *sa, *have, *cur = NULL;
	const struct espvti_sel *sel;
	struct espvti_sel old;
	size_t i, pass;
	int ret;

	/* Both addresses the file gives when one changes: a new family needs both. */
	if ((conf->local.family && !addr_equal(&conf->local, &d->local)) ||
	    (conf->remote.family && !addr_equal(&conf->remote, &d->remote))) {
		ret = dev_set(nl, dev, &conf->local, &conf->remote, NULL);
		if (ret)
			return ret;
	}
	if (conf->encap.has_encap || conf->encap.has_sport || conf->encap.has_dport ||
	    conf->encap.has_keepalive || conf->encap.has_nat) {
		struct addr none = {};

		ret = dev_set(nl, dev, &none, &none, &conf->encap);
		if (ret)
			return ret;
	}
	/*
	 * Selectors before SAs: what the file's leave out never leaves, even
	 * when the first SA brings carrier. The file's that are missing, then
	 * away with the others.
	 */
	for (i = 0, sel = conf->sels.items; i < conf->sels.n; i++, sel++) {
		if (find_sel(sels, sel))
			continue;
		ret = sel_change(nl, dev, ESPVTI_CMD_SEL_ADD, sel);
		if (ret)
			return ret;
	}
	for (i = 0, sel = sels->items; i < sels->n; i++, sel++) {
		old = *sel;
		sel_fill(&old);
		if (find_sel(&conf->sels, &old))
			continue;
		ret = sel_change(nl, dev, ESPVTI_CMD_SEL_DEL, &old);
		if (ret)
			return ret;
	}
	/* New inbound SAs first: the peer may switch to them once it has them too. */
	for (i = 0, sa = conf->sas.items; i < conf->sas.n; i++, sa++) {
		if (sa->dir == ESPVTI_SA_DIR_OUT && sa->current)
			cur = sa;
		if (sa->dir != ESPVTI_SA_DIR_IN || find_sa(sas, sa))
			continue;
		ret = sa_add(nl, dev, sa);
		if (ret)
			return ret;
	}
	/* The current outbound SA: added as current at once, or made current. */
	if (cur) {
		have = find_sa(sas, cur);
		ret = 0;
		if (!have)
			ret = sa_add(nl, dev, cur);
		else if (!have->current)
			ret = sa_set(nl, dev, cur, NULL, NULL, true);
		if (ret)
			return ret;
	}
	/* The other outbound SAs, standing by. */
	for (i = 0, sa = conf->sas.items; i < conf->sas.n; i++, sa++) {
		if (sa->dir != ESPVTI_SA_DIR_OUT || sa == cur || find_sa(sas, sa))
			continue;
		ret = sa_add(nl, dev, sa);
		if (ret)
			return ret;
	}
	/* SAs there already: their limits as the file says; nothing else can change. */
	for (i = 0, sa = conf->sas.items; i < conf->sas.n; i++, sa++) {
		have = find_sa(sas, sa);
		if (!have)
			continue;
		conf_warn_sa(conf, sa, have);
		if (life_equal(&sa->soft, &have->soft) && life_equal(&sa->hard, &have->hard))
			continue;
		ret = sa_set(nl, dev, sa, &sa->soft, &sa->hard, false);
		if (ret)
			return ret;
	}
	/* SAs the file does not have, outbound first: none of them is current now. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0, sa = sas->items; i < sas->n; i++, sa++) {
			if (sa->dir != (pass ? ESPVTI_SA_DIR_IN : ESPVTI_SA_DIR_OUT) ||
			    find_sa(&conf->sas, sa))
				continue;
			ret = sa_del(nl, dev, sa->dir, sa->spi);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* An SA the file has is installed already, but not as the file says: it stays. */
static void conf_warn_sa(const struct conf *conf, const struct espvti_sa *sa,
			 const struct espvti_sa *have)
{
	uint32_t window = sa->has_replay_window ? sa->replay_window : 64;
	uint8_t icv = sa->has_icv ? sa->icv : 16;

	if (sa->alg == have->alg && sa->esn == have->esn && (!have->has_icv || icv == have->icv) &&
	    (sa->dir != ESPVTI_SA_DIR_IN || !have->has_replay_window ||
	     window == have->replay_window))
		return;
	fprintf(stderr,
		"espvti: %s: warning: SA dir %s spi 0x%08x is installed with other parameters; it stays as it is (add a new SA to change them)\n",
		conf->path, dir_str(sa->dir), sa->spi);
}

/* The interface as a config file: [Tunnel], an [SA] each, a [Policy] each. */
static void print_conf(const struct espvti_dev *d, const struct list *sas,
		       const struct list *sels)
{
	char buf[INET6_ADDRSTRLEN];
	const struct espvti_sel *sel;
	const struct espvti_sa *sa;
	const struct life *life;
	size_t i, k;

	printf("[Tunnel]\n");
	if (d->local.family)
		printf("Local = %s\n", addr_str(&d->local, buf, sizeof(buf)));
	if (d->remote.family)
		printf("Remote = %s\n", addr_str(&d->remote, buf, sizeof(buf)));
	if (!d->local.family && !d->remote.family)
		printf("# No addresses set yet.\n");
	if (d->encap.has_encap && d->encap.encap == ESPVTI_ENCAP_UDP) {
		printf("Encap = udp\nEncapSport = %u\nEncapDport = %u\n",
		       d->encap.sport, d->encap.dport);
		if (d->encap.keepalive)
			printf("Keepalive = %u\n", d->encap.keepalive);
		else
			printf("Keepalive = off\n");
		printf("NatFollow = %s\n", d->encap.nat_follow ? "follow" : "report");
	}
	for (i = 0, sa = sas->items; i < sas->n; i++, sa++) {
		printf("\n[SA]\nDirection = %s\nSPI = 0x%08x\n", dir_str(sa->dir), sa->spi);
		if (alg_name(sa->alg))
			printf("Algorithm = %s\n", alg_name(sa->alg));
		else
			printf("Algorithm = %u\n", sa->alg);
		printf("# Key = (write-only, not shown)\n");
		if (sa->alg < MNL_ARRAY_SIZE(alg_info) && alg_info[sa->alg].auth_key)
			printf("# AuthKey = (write-only, not shown)\n");
		if (sa->has_icv)
			printf("ICV = %u\n", sa->icv);
		printf("ESN = %s\n", sa->esn ? "yes" : "no");
		if (sa->dir == ESPVTI_SA_DIR_IN && sa->has_replay_window)
			printf("ReplayWindow = %u\n", sa->replay_window);
		if (sa->has_current)
			printf("Current = %s\n", sa->current ? "yes" : "no");
		for (k = 0; k < N_LIMITS; k++) {
			life = limits[k].hard ? &sa->hard : &sa->soft;
			if (life->v[limits[k].type - 1])
				printf("%s = %llu\n", limits[k].conf,
				       (unsigned long long)life->v[limits[k].type - 1]);
		}
	}
	if (!sels->n)
		printf("\n# No [Policy]: the interface has no selector now, which a file\n"
		       "# cannot say; setconf installs any inet and any inet6 without one.\n");
	for (i = 0, sel = sels->items; i < sels->n; i++, sel++) {
		printf("\n[Policy]\nFamily = %s\n",
		       family_name(sel->family) ? family_name(sel->family) : "?");
		if (sel->src.family && sel->src_prefix)
			printf("Src = %s/%u\n", addr_str(&sel->src, buf, sizeof(buf)),
			       sel->src_prefix);
		if (sel->dst.family && sel->dst_prefix)
			printf("Dst = %s/%u\n", addr_str(&sel->dst, buf, sizeof(buf)),
			       sel->dst_prefix);
		if (sel->proto)
			printf("Proto = %s\n", proto_str(sel->proto, buf, sizeof(buf)));
		print_ports_conf("SPort", sel->sport);
		print_ports_conf("DPort", sel->dport);
	}
}

/* "NAME = PORT" or "NAME = LOW-HIGH", unless @ports are all of them. */
static void print_ports_conf(const char *name, const uint16_t ports[2])
{
	if (ports[0] == 0 && ports[1] == UINT16_MAX)
		return;
	if (ports[0] == ports[1])
		printf("%s = %u\n", name, ports[0]);
	else
		printf("%s = %u-%u\n", name, ports[0], ports[1]);
}

/* The SA of @list with @sa's direction and SPI, or NULL. */
static const struct espvti_sa *find_sa(const struct list *list, const struct espvti_sa *sa)
{
	const struct espvti_sa *s = list->items;
	size_t i;

	for (i = 0; i < list->n; i++, s++) {
		if (s->dir == sa->dir && s->spi == sa->spi)
			return s;
	}
	return NULL;
}

/* The selector of @list equal to @sel (both as sel_fill() makes them), or NULL. */
static const struct espvti_sel *find_sel(const struct list *list, const struct espvti_sel *sel)
{
	const struct espvti_sel *s = list->items;
	size_t i;

	for (i = 0; i < list->n; i++, s++) {
		if (s->family == sel->family &&
		    !memcmp(s->src.bytes, sel->src.bytes, sizeof(s->src.bytes)) &&
		    s->src_prefix == sel->src_prefix &&
		    !memcmp(s->dst.bytes, sel->dst.bytes, sizeof(s->dst.bytes)) &&
		    s->dst_prefix == sel->dst_prefix && s->proto == sel->proto &&
		    s->sport[0] == sel->sport[0] && s->sport[1] == sel->sport[1] &&
		    s->dport[0] == sel->dport[0] && s->dport[1] == sel->dport[1])
			return s;
	}
	return NULL;
}

/*
 * Fill in what @sel leaves out as what it matches, the way the kernel does,
 * so that two selectors compare; every field is then given in a request.
 */
static void sel_fill(struct espvti_sel *sel)
{
	if (!sel->src.family) {
		memset(&sel->src, 0, sizeof(sel->src));
		sel->src.family = sel->family;
		sel->src_prefix = 0;
	}
	if (!sel->dst.family) {
		memset(&sel->dst, 0, sizeof(sel->dst));
		sel->dst.family = sel->family;
		sel->dst_prefix = 0;
	}
	sel->has_proto = true;
	if (!sel->has_sport) {
		sel->sport[0] = 0;
		sel->sport[1] = UINT16_MAX;
		sel->has_sport = true;
	}
	if (!sel->has_dport) {
		sel->dport[0] = 0;
		sel->dport[1] = UINT16_MAX;
		sel->has_dport = true;
	}
}

/* No bit of @addr is set beyond the first @prefix. */
static bool prefix_clean(const struct addr *addr, unsigned int prefix)
{
	unsigned int i;

	for (i = prefix; i < addr_len(addr) * 8; i++) {
		if (addr->bytes[i / 8] & 0x80 >> (i % 8))
			return false;
	}
	return true;
}

static bool addr_equal(const struct addr *a, const struct addr *b)
{
	return a->family == b->family && !memcmp(a->bytes, b->bytes, sizeof(a->bytes));
}

static bool life_equal(const struct life *a, const struct life *b)
{
	return !memcmp(a->v, b->v, sizeof(a->v));
}

/* The bits set in @bits as "16, 24 or 32". */
static void bits_str(uint64_t bits, char *buf, size_t size)
{
	size_t n = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < 64 && n < size; i++) {
		if (!(bits & 1ull << i))
			continue;
		bits &= ~(1ull << i);
		n += snprintf(buf + n, size - n, "%s%u", !n ? "" : bits ? ", " : " or ", i);
	}
}

/* @s without the white space around it. */
static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}
