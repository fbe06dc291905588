/* SPDX-License-Identifier: GPL-2.0 */
/*
 * espvti: what the files of the tool share: the interfaces, SAs and
 * selectors as the tool holds them, the command table's types, the tables
 * of names, and the functions each file offers the others (by file).
 */
#ifndef ESPVTI_H
#define ESPVTI_H

#define _GNU_SOURCE

#include <assert.h>
#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <libmnl/libmnl.h>

#include <linux/espvti.h>

#include "nl.h"

/* The longest key the tool takes, in bytes; the module checks each algorithm's. */
#define KEY_MAX		128

/* What a command returns when it fails; main() makes them exit statuses. */
#define ERR_FAIL	(-1)	/* the kernel or the system refused: exit 1 */
#define ERR_USAGE	(-2)	/* bad usage: exit 2 */

/* The lowest SPI the kernel takes: 1 to 255 are reserved (RFC 4303). */
#define SPI_MIN		256

/* The widest replay window the kernel takes, in packets. */
#define REPLAY_WINDOW_MAX 65536

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

/* An event that an interface remembers (ESPVTI_DIAG_A_EVENT). */
struct diag_event {
	uint8_t type;			/* enum espvti_event_type */
	uint8_t dir;			/* SA_DEL, SA_ADD */
	uint8_t reason;			/* SA_DEL */
	uint32_t spi;			/* SA_DEL, SA_ADD */
	uint64_t age_ms;
};

/* What the interface saw last (ESPVTI_A_DIAG): diagnose's evidence. */
struct diag_info {
	bool present;
	bool has_unknown_spi;
	uint32_t unknown_spi;
	uint32_t replay_behind;		/* 0: none */
	uint32_t too_big_mtu;		/* 0: none */
	bool has_refused;
	uint8_t refused_dir;
	struct espvti_sel refused;
	unsigned int n_ev;
	struct diag_event ev[ESPVTI_DIAG_EVENTS];	/* oldest first */
};

struct espvti_dev {
	char ifname[IFNAMSIZ];
	uint32_t ifindex;
	uint32_t id;
	uint32_t mtu;
	bool has_mtu_auto;
	bool mtu_auto;			/* the MTU follows the SA and the path */
	bool oper_up;
	bool carrier;
	struct addr local;
	struct addr remote;
	bool has_netnsid;
	int32_t netnsid;
	struct encap encap;
	struct stats stats;
	struct diag_info diag;
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

/* An address or a route of a config file's [Interface]: ADDR/LENGTH. */
struct conf_prefix {
	struct addr addr;
	uint8_t len;
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
	/* [Interface]: for espvti-quick (ifconf), never sent by setconf */
	struct list addrs;		/* struct conf_prefix: Address */
	struct list routes;		/* struct conf_prefix: Route */
	unsigned int mtu;		/* MTU; 0: not given */
	bool has_interface;		/* the file has [Interface], perhaps empty */
};

/* The fields of an SA in "sa add" and in a config file's [SA]. */
enum sa_field {
	SA_DIR, SA_SPI, SA_ALG, SA_KEY, SA_AUTH_KEY, SA_ICV, SA_ESN, SA_REPLAY_WINDOW,
	SA_SEQ, SA_CURRENT, SA_N
};

/* The fields of a selector, in "policy add|del" and a config file's [Policy]. */
enum sel_field { SEL_FAMILY, SEL_SRC, SEL_DST, SEL_PROTO, SEL_SPORT, SEL_DPORT, SEL_N };

/* An interface whole, as setconf and showconf read it. */
struct dev_whole {
	struct list devs;		/* struct espvti_dev: the one */
	struct list sas;		/* struct espvti_sa */
	struct list sels;		/* struct espvti_sel */
};

/* What a "show DEV" command dumps and how it prints one item. */
struct dump_show {
	int cmd;
	size_t size;
	mnl_cb_t cb;
	void (*print)(bool json, const void *item);
};

/* enum encap_field: the encapsulation settings, in "set" and in a config file's [Tunnel]. */
enum encap_field { ENC_ENCAP, ENC_SPORT, ENC_DPORT, ENC_KEEPALIVE, ENC_NAT, ENC_N };

/* What each algorithm takes, as the module checks it. */
struct alg_info {
	uint8_t salt;			/* bytes of salt after the key */
	uint8_t auth_key;		/* the length of AUTH_KEY; 0: none */
	uint64_t key_lens;		/* without the salt; bit N: N bytes */
	uint64_t icv_lens;		/* bit N: N bytes */
};

/* The limits of "limit NAME N" and of a config file's [SA], by the order of limits[]. */
#define N_LIMITS	8

extern const struct limit limits[N_LIMITS];
extern const char *const alg_names[__ESPVTI_ALG_MAX];
extern const struct alg_info alg_info[__ESPVTI_ALG_MAX];
extern const enum mnl_attr_data_type espvti_attr_types[ESPVTI_A_MAX + 1];

/* espvti.c */
void print_verb_usage(FILE *f, const char *lead, const struct verb *v);
int take_dev_only(const struct ctx *ctx, int argc, char **argv, const char **dev, struct nl *nl);
int dump_show(const struct ctx *ctx, int argc, char **argv, const struct dump_show *d);

/* parse.c */
int parse_error(const struct verb *v, bool show_usage, const char *fmt, ...);
int bad(const struct origin *o, int k, const char *fmt, ...);
int take_dev(const struct ctx *ctx, int *argc, char ***argv, const char **dev);
int no_more_args(const struct ctx *ctx, int argc, char **argv);
int scan_keywords(const struct verb *v, int argc, char **argv,
		  const struct keyword *kws, size_t nkws, const char **vals);
int parse_uint(const char *s, uint64_t max, bool hex, uint64_t *val);
int parse_addr(const char *s, struct addr *addr);
int parse_prefix(const char *s, struct addr *addr, uint8_t *prefix);
int parse_ports(const char *s, uint16_t ports[2]);
int parse_bool(const char *s, bool *val);
bool valid_ifname(const char *name);
char *trim(char *s);
unsigned int addr_len(const struct addr *addr);
bool addr_equal(const struct addr *a, const struct addr *b);

/* keys.c */
int read_key(const struct origin *o, int k, const char *s, const char *dir,
	     unsigned char *buf, size_t *len);
int key_file_private(const struct origin *o, int k, int fd, const char *path);

/* nl.c */
int get_addr(const struct nlattr *attr, struct addr *addr);
void *list_add(struct list *list);
int nests_cb(const struct nlmsghdr *nlh, struct list *list, uint16_t type,
	     int (*parse)(const struct nlattr *nest, void *item));

/* link.c */
int get_devs(struct nl *nl, const char *name, struct list *list);
int cmd_show(const struct ctx *ctx, int argc, char **argv);
int cmd_set(const struct ctx *ctx, int argc, char **argv);
int encap_from_vals(const struct origin *o, const char *const *vals, int base, struct encap *e);
int dev_set(struct nl *nl, const char *dev, const struct addr *local,
	    const struct addr *remote, const struct encap *e);
int get_dev_whole(struct nl *nl, const char *dev, struct dev_whole *w);
void free_dev_whole(struct dev_whole *w);
void get_encap(const struct nlattr *const *tb, struct encap *e);

/* sa.c */
int cmd_sa_add(const struct ctx *ctx, int argc, char **argv);
int cmd_sa_set(const struct ctx *ctx, int argc, char **argv);
int cmd_sa_id(const struct ctx *ctx, int argc, char **argv);
int cmd_sa_show(const struct ctx *ctx, int argc, char **argv);
int cmd_sa_allocspi(const struct ctx *ctx, int argc, char **argv);
int sa_from_vals(const struct origin *o, const char *const *vals, const char *dir,
		 struct espvti_sa *sa);
int sa_add(struct nl *nl, const char *dev, const struct espvti_sa *sa);
int sa_set(struct nl *nl, const char *dev, const struct espvti_sa *sa,
	   const struct life *soft, const struct life *hard, bool current);
int sa_del(struct nl *nl, const char *dev, uint8_t dir, uint32_t spi);
int sa_dump(struct nl *nl, const char *dev, struct list *list);
int parse_sa(const struct nlattr *nest, void *item);
const struct espvti_sa *find_sa(const struct list *list, const struct espvti_sa *sa);
void print_sa_params(bool json, const struct espvti_sa *sa);
void print_sa_use(bool json, const struct espvti_sa *sa);
void print_sa_id_json(const struct espvti_sa *sa);
void print_sa(bool json, const void *item);
const char *alg_name(uint8_t alg);

/* limits.c */
int take_limits(const struct verb *v, int *argc, char **argv, struct limits *lim);
void put_life(struct nlmsghdr *nlh, uint16_t type, const struct life *l);
bool life_empty(const struct life *l);
bool life_equal(const struct life *a, const struct life *b);
int parse_life(const struct nlattr *nest, struct life *l);
void print_life(bool json, const char *what, const struct life *l);

/* policy.c */
int cmd_policy_change(const struct ctx *ctx, int argc, char **argv);
int cmd_policy_show(const struct ctx *ctx, int argc, char **argv);
int sel_from_vals(const struct origin *o, const char *const *vals,
		  struct espvti_sel *sel);
int sel_dump(struct nl *nl, const char *dev, struct list *list);
int sel_change(struct nl *nl, const char *dev, uint8_t cmd, const struct espvti_sel *sel);
int parse_sel(const struct nlattr *nest, void *item);
const struct espvti_sel *find_sel(const struct list *list, const struct espvti_sel *sel);
void sel_fill(struct espvti_sel *sel);
bool prefix_clean(const struct addr *addr, unsigned int prefix);
const char *proto_str(uint8_t proto, char *buf, size_t size);

/* stats.c */
int cmd_stats(const struct ctx *ctx, int argc, char **argv);
int parse_stats(const struct nlattr *nest, struct stats *stats);
void print_stats_fields(const struct stats *stats);
void print_counters(const struct stats *stats);

/* diagnose.c */
int cmd_diagnose(const struct ctx *ctx, int argc, char **argv);
int parse_diag(const struct nlattr *nest, struct diag_info *d);

/* monitor.c */
int cmd_monitor(const struct ctx *ctx, int argc, char **argv);
int msg_cb(const struct nlmsghdr *nlh, void *data);

/* config.c */
int conf_read(const char *path, struct conf *conf);
void conf_free(struct conf *conf);
int cmd_ifconf(const struct ctx *ctx, int argc, char **argv);

/* setconf.c */
int cmd_setconf(const struct ctx *ctx, int argc, char **argv);

/* showconf.c */
int cmd_showconf(const struct ctx *ctx, int argc, char **argv);

/* print.c */
void print_list(const struct list *list, bool json, void (*print)(bool json, const void *item));
void print_uint(bool json, const char *key, const char *text, unsigned long long val);
void print_str(bool json, const char *key, const char *text, const char *val);
void print_flag(bool json, const char *key, const char *text, const char *yes, const char *no,
		bool val);
void print_family(bool json, int family, const char *unknown);
const char *addr_str(const struct addr *addr, char *buf, size_t size);
const char *family_name(int family);
const char *dir_name(uint8_t dir);
const char *dir_str(uint8_t dir);
const char *name_of(const char *const *names, size_t n, unsigned int i);
const char *json_bool(bool val);
void print_json_string(const char *s);

#endif /* ESPVTI_H */
