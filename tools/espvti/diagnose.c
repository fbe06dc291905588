// SPDX-License-Identifier: GPL-2.0
/*
 * espvti: diagnose: what is wrong with an interface, from its counters and
 * state. Two snapshots (the interface with its counters and what the kernel
 * remembers, ESPVTI_A_DIAG, and its SAs) a window apart; findings are a pure
 * function of the two and the window (diagnose_dev()), printed as one line
 * each, or JSON, by one printer.
 */
#include "espvti.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/genetlink.h>

/* The window without --watch, and the longest one --watch takes, in seconds. */
#define WINDOW_DEFAULT	3.0
#define WINDOW_MAX	3600.0

/* Carrier lost this often within FLAP_SECS is flapping. */
#define FLAP_LOSSES	2
#define FLAP_SECS	600

/* Traffic one way with nothing back: at least this many packets in the window. */
#define ONE_WAY_MIN	3

/* An SA that expired this long ago or less still explains a missing one. */
#define EXPIRED_SECS	3600

#define MAX_FINDINGS	16
#define MAX_EVIDENCE	8

/* One fact a finding rests on: a number or a string, by its JSON key. */
struct evidence {
	const char *key;
	bool is_str;
	unsigned long long u;
	char s[96];
};

struct finding {
	const char *name;		/* stable: users search for it */
	char what[384];			/* what is wrong, in plain words, with numbers */
	char next[384];			/* what to check or do next */
	unsigned int n_ev;
	struct evidence ev[MAX_EVIDENCE];
};

/* One interface at one moment: DEV_GET (counters, DIAG) and its SAs. */
struct snap {
	struct espvti_dev dev;
	struct list sas;		/* struct espvti_sa */
};

static uint64_t delta(const struct stats *a, const struct stats *b, unsigned int i)
{
	/* The counters were reset between the two: what came since. */
	return b->val[i] >= a->val[i] ? b->val[i] - a->val[i] : b->val[i];
}

static uint64_t ddev(const struct snap *a, const struct snap *b, unsigned int i)
{
	return delta(&a->dev.stats, &b->dev.stats, i);
}

/* The SA of @list with @dir and @spi, or NULL. */
static const struct espvti_sa *sa_in_list(const struct list *list, uint8_t dir, uint32_t spi)
{
	const struct espvti_sa *sa = list->items;
	size_t i;

	for (i = 0; i < list->n; i++, sa++)
		if (sa->dir == dir && sa->spi == spi)
			return sa;
	return NULL;
}

static const struct espvti_sa *current_out(const struct snap *s)
{
	const struct espvti_sa *sa = s->sas.items;
	size_t i;

	for (i = 0; i < s->sas.n; i++, sa++)
		if (sa->dir == ESPVTI_SA_DIR_OUT && sa->has_current && sa->current)
			return sa;
	return NULL;
}

static size_t count_dir(const struct snap *s, uint8_t dir)
{
	const struct espvti_sa *sa = s->sas.items;
	size_t i, n = 0;

	for (i = 0; i < s->sas.n; i++, sa++)
		n += sa->dir == dir;
	return n;
}

/*
 * The SA of @b whose counter @stat moved most since @a (an SA new in @b
 * counts from 0), or NULL when none did; its movement in @moved.
 */
static const struct espvti_sa *sa_most(const struct snap *a, const struct snap *b,
				       unsigned int stat, uint64_t *moved)
{
	const struct espvti_sa *sa = b->sas.items, *best = NULL;
	static const struct stats zero;
	size_t i;

	*moved = 0;
	for (i = 0; i < b->sas.n; i++, sa++) {
		const struct espvti_sa *was = sa_in_list(&a->sas, sa->dir, sa->spi);
		uint64_t d = delta(was ? &was->stats : &zero, &sa->stats, stat);

		if (d > *moved) {
			*moved = d;
			best = sa;
		}
	}
	return best;
}

/* The inbound SPIs of @s, "0x2001, 0x2002" (at most four), or "none". */
static void spis_in(const struct snap *s, char *buf, size_t size)
{
	const struct espvti_sa *sa = s->sas.items;
	size_t i, len = 0, n = 0;

	snprintf(buf, size, "none");
	for (i = 0; i < s->sas.n && len < size; i++, sa++) {
		if (sa->dir != ESPVTI_SA_DIR_IN)
			continue;
		if (n++ == 4) {
			snprintf(buf + len, size - len, ", ...");
			break;
		}
		len += snprintf(buf + len, size - len, "%s0x%x", n > 1 ? ", " : "", sa->spi);
	}
}

/* A flow as "tcp 172.16.0.2:1234 -> 172.16.0.1:80". */
static void flow_str(const struct espvti_sel *fl, char *buf, size_t size)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], proto[16];
	char sport[8] = "", dport[8] = "";

	addr_str(&fl->src, src, sizeof(src));
	addr_str(&fl->dst, dst, sizeof(dst));
	if (fl->has_sport && (fl->proto == 6 || fl->proto == 17 || fl->proto == 132))
		snprintf(sport, sizeof(sport), ":%u", fl->sport[0]);
	if (fl->has_dport && (fl->proto == 6 || fl->proto == 17 || fl->proto == 132))
		snprintf(dport, sizeof(dport), ":%u", fl->dport[0]);
	snprintf(buf, size, "%s %s%s -> %s%s", proto_str(fl->proto, proto, sizeof(proto)),
		 src, sport, dst, dport);
}

static struct finding *add(struct finding *f, unsigned int *n, const char *name)
{
	struct finding *x;

	if (*n == MAX_FINDINGS)
		return NULL;
	x = &f[(*n)++];
	memset(x, 0, sizeof(*x));
	x->name = name;
	return x;
}

static void ev_u(struct finding *f, const char *key, unsigned long long u)
{
	if (!f || f->n_ev == MAX_EVIDENCE)
		return;
	f->ev[f->n_ev].key = key;
	f->ev[f->n_ev++].u = u;
}

static void ev_s(struct finding *f, const char *key, const char *s)
{
	if (!f || f->n_ev == MAX_EVIDENCE)
		return;
	f->ev[f->n_ev].key = key;
	f->ev[f->n_ev].is_str = true;
	snprintf(f->ev[f->n_ev++].s, sizeof(f->ev[0].s), "%s", s);
}

/* What is wrong (@f NULL: no room for the finding); say_next: what to do. */
static void say_what(struct finding *f, const char *fmt, ...)
{
	va_list ap;

	if (!f)
		return;
	va_start(ap, fmt);
	vsnprintf(f->what, sizeof(f->what), fmt, ap);
	va_end(ap);
}

static void say_next(struct finding *f, const char *fmt, ...)
{
	va_list ap;

	if (!f)
		return;
	va_start(ap, fmt);
	vsnprintf(f->next, sizeof(f->next), fmt, ap);
	va_end(ap);
}

/* The newest SA_DEL event of an expired SA whose direction has no SA left, or NULL. */
static const struct diag_event *expired_unreplaced(const struct snap *b)
{
	const struct diag_info *d = &b->dev.diag;
	unsigned int i;

	for (i = d->n_ev; i-- > 0;) {
		const struct diag_event *e = &d->ev[i];

		if (e->type != ESPVTI_EVENT_SA_DEL || e->reason != ESPVTI_DEL_EXPIRED ||
		    e->age_ms > EXPIRED_SECS * 1000ULL)
			continue;
		if (e->dir == ESPVTI_SA_DIR_OUT && !current_out(b))
			return e;
		if (e->dir == ESPVTI_SA_DIR_IN && !count_dir(b, ESPVTI_SA_DIR_IN))
			return e;
	}
	return NULL;
}

/* The tunnel cannot send: no peer, no outbound SA (expired or never there). */
static void find_no_sa(const struct snap *a, const struct snap *b, double secs,
		       struct finding *fs, unsigned int *n)
{
	const char *dev = b->dev.ifname;
	const struct diag_event *e = expired_unreplaced(b);
	uint64_t no_sa = ddev(a, b, ESPVTI_STAT_TX_NO_SA);
	struct finding *f;

	if (!b->dev.remote.family) {
		f = add(fs, n, "no-peer");
		say_what(f, "the tunnel has no remote address: it cannot send");
		say_next(f, "set the peer's outer address: espvti set %s remote ADDR", dev);
	}
	if (e) {
		f = add(fs, n, "expired-no-rekey");
		say_what(f,
			 "%s SA 0x%x reached its hard lifetime %llu s ago and no new %s SA replaced it",
			 dir_str(e->dir), e->spi, (unsigned long long)e->age_ms / 1000,
			 dir_str(e->dir));
		say_next(f,
			 "check that the IKE daemon runs and rekeys before the hard lifetime (soft expiry events in espvti monitor); until then add the SA again");
		ev_u(f, "spi", e->spi);
		ev_s(f, "dir", dir_str(e->dir));
		ev_u(f, "age_secs", e->age_ms / 1000);
		ev_u(f, "tx_no_sa", no_sa);
		return;
	}
	if (current_out(b))
		return;
	f = add(fs, n, "no-outbound-sa");
	if (no_sa)
		say_what(f,
			 "no outbound SA: %llu packets routed into the tunnel were dropped in %.1f s (acquire events asked for one)",
			 (unsigned long long)no_sa, secs);
	else
		say_what(f, "no outbound SA: the tunnel has no carrier and cannot send");
	say_next(f,
		 "check that the IKE daemon is running and negotiated the tunnel (espvti monitor shows its acquires), or add one: espvti sa add %s dir out ...",
		 dev);
	ev_u(f, "tx_no_sa", no_sa);
	ev_u(f, "inbound_sas", count_dir(b, ESPVTI_SA_DIR_IN));
}

static void find_unknown_spi(const struct snap *a, const struct snap *b,
			     double secs, struct finding *fs, unsigned int *n)
{
	uint64_t d = ddev(a, b, ESPVTI_STAT_RX_UNKNOWN_SPI);
	char ours[64];
	struct finding *f;

	if (!d)
		return;
	spis_in(b, ours, sizeof(ours));
	f = add(fs, n, "unknown-spi");
	if (b->dev.diag.has_unknown_spi)
		say_what(f,
			 "%llu packets from the peer in %.1f s were for SPI 0x%x, which this end has no SA for (it has %s)",
			 (unsigned long long)d, secs,
			 b->dev.diag.unknown_spi, ours);
	else
		say_what(f,
			 "%llu packets from the peer in %.1f s were for an SPI this end has no SA for (it has %s)",
			 (unsigned long long)d, secs, ours);
	say_next(f,
		 "the peer uses an SA this end lacks: a rekey whose new inbound SA was never added here, or one deleted too early; compare the peer's outbound SPIs with espvti sa show %s",
		 b->dev.ifname);
	ev_u(f, "rx_unknown_spi", d);
	if (b->dev.diag.has_unknown_spi)
		ev_u(f, "last_spi", b->dev.diag.unknown_spi);
	ev_s(f, "inbound_spis", ours);
}

static void find_auth(const struct snap *a, const struct snap *b, double secs,
		      struct finding *fs, unsigned int *n)
{
	uint64_t d = ddev(a, b, ESPVTI_STAT_RX_AUTH_FAILED), on_sa;
	const struct espvti_sa *sa = sa_most(a, b, ESPVTI_STAT_RX_AUTH_FAILED, &on_sa);
	uint64_t rx = ddev(a, b, ESPVTI_STAT_RX_PACKETS);
	struct finding *f;

	if (!d)
		return;
	f = add(fs, n, "auth-failures");
	say_what(f,
		 "%llu packets from the peer failed authentication in %.1f s (%llu came through)",
		 (unsigned long long)d, secs, (unsigned long long)rx);
	if (sa)
		say_what(f,
			 "%llu packets from the peer failed authentication in %.1f s on SA 0x%x (%llu came through)",
			 (unsigned long long)d, secs, sa->spi,
			 (unsigned long long)rx);
	say_next(f,
		 "the two ends disagree on the key or the algorithm%s: compare both ends' configuration, and whether the peer still sends on an old SA after a rekey",
		 sa ? " of that SA" : "");
	ev_u(f, "rx_auth_failed", d);
	ev_u(f, "rx_packets", rx);
	if (sa)
		ev_u(f, "spi", sa->spi);
}

static void find_replay(const struct snap *a, const struct snap *b, double secs,
			struct finding *fs, unsigned int *n)
{
	uint64_t rep = ddev(a, b, ESPVTI_STAT_RX_REPLAY);
	uint64_t old = ddev(a, b, ESPVTI_STAT_RX_OUTSIDE_WINDOW), m1, m2;
	const struct espvti_sa *s1 = sa_most(a, b, ESPVTI_STAT_RX_REPLAY, &m1);
	const struct espvti_sa *s2 = sa_most(a, b, ESPVTI_STAT_RX_OUTSIDE_WINDOW, &m2);
	const struct espvti_sa *sa = m2 > m1 ? s2 : s1;
	uint32_t window = sa && sa->has_replay_window ? sa->replay_window : 0;
	uint32_t behind = b->dev.diag.replay_behind;
	struct finding *f;

	if (!rep && !old)
		return;
	f = add(fs, n, "replay-drops");
	say_what(f,
		 "%llu packets from the peer were dropped as seen already and %llu as too old in %.1f s (window %u packets%s; the last was %u behind the newest)",
		 (unsigned long long)rep, (unsigned long long)old, secs, window,
		 sa ? "" : ", SA unknown", behind);
	if (old && behind > window)
		say_next(f,
			 "packets arrive reordered by more than the window: widen it (replay-window %u or more on the SA) or find what reorders them",
			 behind + 1);
	else
		say_next(f,
			 "packets arrive twice: look for duplication in the path (a mirror, a bonding or ECMP fault, a retransmitting middlebox) or a replay attack");
	ev_u(f, "rx_replay", rep);
	ev_u(f, "rx_outside_window", old);
	ev_u(f, "replay_window", window);
	ev_u(f, "replay_behind", behind);
	if (sa)
		ev_u(f, "spi", sa->spi);
}

static void find_selectors(const struct snap *a, const struct snap *b, double secs,
			   struct finding *fs, unsigned int *n)
{
	uint64_t in = ddev(a, b, ESPVTI_STAT_RX_SELECTOR_MISMATCH);
	uint64_t out = ddev(a, b, ESPVTI_STAT_TX_NO_POLICY);
	const struct diag_info *d = &b->dev.diag;
	char flow[160] = "unknown";
	struct finding *f;

	if (!in && !out)
		return;
	if (d->has_refused)
		flow_str(&d->refused, flow, sizeof(flow));
	f = add(fs, n, "selector-drops");
	say_what(f,
		 "the selectors refused %llu packets going out and %llu coming in, in %.1f s; the last: %s (%s)",
		 (unsigned long long)out, (unsigned long long)in, secs, flow,
		 d->has_refused ? dir_str(d->refused_dir) : "?");
	say_next(f,
		 "that traffic is outside what the tunnel carries: compare espvti policy show %s with the peer's policy, or route that traffic elsewhere",
		 b->dev.ifname);
	ev_u(f, "tx_no_policy", out);
	ev_u(f, "rx_selector_mismatch", in);
	if (d->has_refused) {
		ev_s(f, "flow", flow);
		ev_s(f, "flow_dir", dir_str(d->refused_dir));
	}
}

static void find_too_big(const struct snap *a, const struct snap *b, double secs,
			 struct finding *fs, unsigned int *n)
{
	uint64_t d = ddev(a, b, ESPVTI_STAT_TX_TOO_BIG);
	uint32_t fits = b->dev.diag.too_big_mtu;
	struct finding *f;

	if (!d)
		return;
	f = add(fs, n, "too-big");
	say_what(f,
		 "%llu packets were too big for the path to the peer in %.1f s (they may not be fragmented); packets up to %u bytes fit, the interface's MTU is %u",
		 (unsigned long long)d, secs, fits, b->dev.mtu);
	say_next(f,
		 "make the senders' path MTU discovery work (ICMP \"fragmentation needed\" must reach them), or lower the MTU or clamp TCP's MSS to %u bytes",
		 fits ? fits : b->dev.mtu);
	ev_u(f, "tx_too_big", d);
	ev_u(f, "path_mtu", fits);
	ev_u(f, "mtu", b->dev.mtu);
}

static void find_loop(const struct snap *a, const struct snap *b, double secs,
		      struct finding *fs, unsigned int *n)
{
	uint64_t d = ddev(a, b, ESPVTI_STAT_TX_LOOP);
	char remote[INET6_ADDRSTRLEN] = "?";
	struct finding *f;

	if (!d)
		return;
	if (b->dev.remote.family)
		addr_str(&b->dev.remote, remote, sizeof(remote));
	f = add(fs, n, "routing-loop");
	say_what(f,
		 "the route to the peer %s goes into the tunnel itself: %llu packets dropped in %.1f s",
		 remote, (unsigned long long)d, secs);
	say_next(f,
		 "route the peer's outer address through the underlay (ip route get %s must not say dev %s): a host route to it, more specific than the tunnel's routes",
		 remote, b->dev.ifname);
	ev_u(f, "tx_loop", d);
	ev_s(f, "remote", remote);
}

static void find_nat(const struct snap *a, const struct snap *b, double secs,
		     struct finding *fs, unsigned int *n)
{
	uint64_t wrong = ddev(a, b, ESPVTI_STAT_RX_UDP_WRONG_ENCAP);
	uint64_t moved = ddev(a, b, ESPVTI_STAT_RX_NAT_CHANGE);
	uint64_t nosock = ddev(a, b, ESPVTI_STAT_TX_NO_SOCKET);
	const struct encap *e = &b->dev.encap;
	bool udp = e->has_encap && e->encap == ESPVTI_ENCAP_UDP;
	struct finding *f;

	if (wrong) {
		f = add(fs, n, "nat-encap-mismatch");
		say_what(f, "%llu packets from the peer in %.1f s were %s, but this end %s",
			 (unsigned long long)wrong, secs, udp ? "plain ESP" : "ESP in UDP",
			 udp ? "expects ESP in UDP (encap udp)" : "has no UDP encapsulation");
		say_next(f,
			 "both ends must agree on encapsulation: espvti set %s encap %s, or change the peer (behind a NAT both need UDP, port 4500)",
			 b->dev.ifname,
			 udp ? "none" : "udp");
		ev_u(f, "rx_udp_wrong_encap", wrong);
		ev_s(f, "encap", udp ? "udp" : "none");
	}
	if (moved) {
		f = add(fs, n, "nat-rebinding");
		say_what(f, "the peer's outer address or port changed %llu times in %.1f s",
			 (unsigned long long)moved, secs);
		say_next(f, "a NAT between the ends forgets the mapping%s", udp && !e->keepalive ?
			 ": turn keepalives on (espvti set DEV keepalive on)" :
			 ": shorten the keepalive interval below the NAT's timeout");
		ev_u(f, "rx_nat_change", moved);
		ev_u(f, "keepalive", e->keepalive);
	} else if (udp && e->has_keepalive && !e->keepalive &&
		   b->dev.stats.val[ESPVTI_STAT_RX_NAT_CHANGE]) {
		f = add(fs, n, "nat-keepalive-off");
		say_what(f,
			 "the peer is behind a NAT (its endpoint changed %llu times) and this end sends no keepalives",
			 (unsigned long long)
			 b->dev.stats.val[ESPVTI_STAT_RX_NAT_CHANGE]);
		say_next(f, "turn keepalives on: espvti set %s keepalive on", b->dev.ifname);
		ev_u(f, "rx_nat_change_total", b->dev.stats.val[ESPVTI_STAT_RX_NAT_CHANGE]);
	}
	if (nosock || (udp && e->has_socket && e->socket == ESPVTI_ENCAP_SOCKET_NONE)) {
		f = add(fs, n, "encap-socket-closed");
		say_what(f,
			 "the UDP socket the IKE daemon handed in was closed: %llu packets not sent in %.1f s",
			 (unsigned long long)nosock, secs);
		say_next(f,
			 "restart the IKE daemon, or give the tunnel its own socket: espvti set %s encap udp",
			 b->dev.ifname);
		ev_u(f, "tx_no_socket", nosock);
	}
}

/* Drops on the way in that explain why nothing came through. */
static uint64_t rx_explained(const struct snap *a, const struct snap *b)
{
	return ddev(a, b, ESPVTI_STAT_RX_UNKNOWN_SPI) + ddev(a, b, ESPVTI_STAT_RX_AUTH_FAILED) +
	       ddev(a, b, ESPVTI_STAT_RX_REPLAY) + ddev(a, b, ESPVTI_STAT_RX_OUTSIDE_WINDOW) +
	       ddev(a, b, ESPVTI_STAT_RX_SELECTOR_MISMATCH) +
	       ddev(a, b, ESPVTI_STAT_RX_UDP_WRONG_ENCAP) + ddev(a, b, ESPVTI_STAT_RX_EXPIRED);
}

/* And on the way out. */
static uint64_t tx_explained(const struct snap *a, const struct snap *b)
{
	return ddev(a, b, ESPVTI_STAT_TX_NO_SA) + ddev(a, b, ESPVTI_STAT_TX_NO_POLICY) +
	       ddev(a, b, ESPVTI_STAT_TX_TOO_BIG) + ddev(a, b, ESPVTI_STAT_TX_LOOP) +
	       ddev(a, b, ESPVTI_STAT_TX_NO_ROUTE) + ddev(a, b, ESPVTI_STAT_TX_EXPIRED) +
	       ddev(a, b, ESPVTI_STAT_TX_NO_SOCKET);
}

static void find_one_way(const struct snap *a, const struct snap *b, double secs,
			 struct finding *fs, unsigned int *n)
{
	uint64_t tx = ddev(a, b, ESPVTI_STAT_TX_PACKETS);
	uint64_t rx = ddev(a, b, ESPVTI_STAT_RX_PACKETS);
	char remote[INET6_ADDRSTRLEN] = "?";
	struct finding *f;

	if (b->dev.remote.family)
		addr_str(&b->dev.remote, remote, sizeof(remote));
	if (tx >= ONE_WAY_MIN && !rx && !rx_explained(a, b)) {
		f = add(fs, n, "outbound-only");
		say_what(f, "%llu packets went to the peer %s in %.1f s and nothing came back",
			 (unsigned long long)tx, remote, secs);
		say_next(f,
			 "check that the peer is up and has this tunnel's SAs, that ESP (IP protocol 50, or UDP 4500 with encap udp) passes firewalls both ways, that a NAT between the ends is met with encap udp, and the peer's route back (unless the traffic is one-way by design)");
		ev_u(f, "tx_packets", tx);
		ev_u(f, "rx_packets", rx);
		ev_s(f, "remote", remote);
	}
	if (rx >= ONE_WAY_MIN && !tx && !tx_explained(a, b)) {
		f = add(fs, n, "inbound-only");
		say_what(f,
			 "%llu packets came from the peer %s in %.1f s and decrypted, and nothing was sent back through the tunnel",
			 (unsigned long long)rx, remote, secs);
		say_next(f,
			 "replies leave another way: check the route back to the senders' inner addresses (ip route get ADDR must say dev %s), policy routing and reverse-path filters (unless the traffic is one-way by design)",
			 b->dev.ifname);
		ev_u(f, "rx_packets", rx);
		ev_u(f, "tx_packets", tx);
	}
}

static void find_flapping(const struct snap *b, struct finding *fs, unsigned int *n)
{
	const struct diag_info *d = &b->dev.diag;
	char when[128] = "";
	unsigned int i, lost = 0;
	size_t len = 0;
	struct finding *f;

	for (i = d->n_ev; i-- > 0;) {
		const struct diag_event *e = &d->ev[i];

		if (e->type != ESPVTI_EVENT_CARRIER_OFF || e->age_ms > FLAP_SECS * 1000ULL)
			continue;
		if (lost++ < 4 && len < sizeof(when))
			len += snprintf(when + len, sizeof(when) - len,
					"%s%llu s",
					lost > 1 ? ", " : "",
					(unsigned long long)e->age_ms / 1000);
	}
	if (lost < FLAP_LOSSES)
		return;
	f = add(fs, n, "carrier-flapping");
	say_what(f, "the tunnel lost its carrier %u times in the last %u minutes (%s ago)",
		 lost, FLAP_SECS / 60, when);
	say_next(f,
		 "its outbound SA comes and goes: look for SAs deleted without a replacement (espvti monitor), an IKE daemon restarting, or the peer's address or the encapsulation socket changing");
	ev_u(f, "carrier_losses", lost);
	ev_s(f, "ago", when);
}

static void find_misc(const struct snap *a, const struct snap *b, double secs,
		      struct finding *fs, unsigned int *n)
{
	uint64_t noroute = ddev(a, b, ESPVTI_STAT_TX_NO_ROUTE);
	uint64_t down = ddev(a, b, ESPVTI_STAT_RX_NOT_UP);
	struct finding *f;

	if (noroute) {
		f = add(fs, n, "no-route-to-peer");
		say_what(f,
			 "there is no route to the peer's outer address: %llu packets dropped in %.1f s",
			 (unsigned long long)noroute, secs);
		say_next(f, "add a route to the peer in the underlay namespace");
		ev_u(f, "tx_no_route", noroute);
	}
	if (down) {
		f = add(fs, n, "interface-down");
		say_what(f,
			 "%llu packets from the peer arrived while the interface was down, in %.1f s",
			 (unsigned long long)down, secs);
		say_next(f, "ip link set %s up", b->dev.ifname);
		ev_u(f, "rx_not_up", down);
	}
}

/*
 * The findings about one interface, from @a and @b, @secs apart, into @fs:
 * how many (0: ok). A pure function of its arguments.
 */
static unsigned int diagnose_dev(const struct snap *a, const struct snap *b, double secs,
				 struct finding *fs)
{
	unsigned int n = 0;

	find_no_sa(a, b, secs, fs, &n);
	find_unknown_spi(a, b, secs, fs, &n);
	find_auth(a, b, secs, fs, &n);
	find_replay(a, b, secs, fs, &n);
	find_selectors(a, b, secs, fs, &n);
	find_too_big(a, b, secs, fs, &n);
	find_loop(a, b, secs, fs, &n);
	find_nat(a, b, secs, fs, &n);
	find_one_way(a, b, secs, fs, &n);
	find_flapping(b, fs, &n);
	find_misc(a, b, secs, fs, &n);
	return n;
}

/* A string field: ,"key":"escaped" in JSON; by the format @text in text. */
static void print_text(bool json, const char *key, const char *text, const char *val)
{
	if (json) {
		printf(",\"%s\":", key);
		print_json_string(val);
	} else if (text) {
		printf(text, val);
	}
}

/* A finding: "DEV: NAME: what; next: ..." or a JSON object with its evidence. */
static void print_finding(bool json, const char *dev, const struct finding *f)
{
	unsigned int i;

	if (json)
		printf("{\"name\":\"%s\"", f->name);
	else
		printf("%s: %s:", dev, f->name);
	print_text(json, "what", " %s", f->what);
	print_text(json, "next", "; next: %s", f->next);
	if (json) {
		printf(",\"evidence\":{");
		for (i = 0; i < f->n_ev; i++) {
			printf("%s\"%s\":", i ? "," : "", f->ev[i].key);
			if (f->ev[i].is_str)
				print_json_string(f->ev[i].s);
			else
				printf("%llu", f->ev[i].u);
		}
		putchar('}');
	}
	putchar(json ? '}' : '\n');
}

/* One interface's verdict. */
static void print_verdict(bool json, const struct snap *a, const struct snap *b, double secs,
			  const struct finding *fs, unsigned int n)
{
	uint64_t tx = ddev(a, b, ESPVTI_STAT_TX_PACKETS);
	uint64_t rx = ddev(a, b, ESPVTI_STAT_RX_PACKETS);
	unsigned int i;

	if (json) {
		printf("{\"ifname\":");
		print_json_string(b->dev.ifname);
		printf(",\"verdict\":\"%s\",\"window\":%.1f", n ? "findings" : "ok", secs);
		print_uint(json, "tx_packets", NULL, tx);
		print_uint(json, "rx_packets", NULL, rx);
		printf(",\"findings\":[");
	} else if (!n) {
		printf("%s: ok: %llu packets out, %llu in over %.1f s; no drop points to a fault\n",
		       b->dev.ifname, (unsigned long long)tx, (unsigned long long)rx, secs);
	}
	for (i = 0; i < n; i++) {
		if (json && i)
			putchar(',');
		print_finding(json, b->dev.ifname, &fs[i]);
	}
	if (json)
		printf("]}");
}

/* ESPVTI_A_DIAG of a DEV_GET answer. */
static int parse_event(const struct nlattr *nest, struct diag_event *e)
{
	static const enum mnl_attr_data_type types[ESPVTI_EVENT_A_MAX + 1] = {
		[ESPVTI_EVENT_A_TYPE]	= MNL_TYPE_U8,
		[ESPVTI_EVENT_A_AGE_MS]	= MNL_TYPE_U64,
		[ESPVTI_EVENT_A_DIR]	= MNL_TYPE_U8,
		[ESPVTI_EVENT_A_SPI]	= MNL_TYPE_U32,
		[ESPVTI_EVENT_A_REASON]	= MNL_TYPE_U8,
	};
	const struct nlattr *tb[ESPVTI_EVENT_A_MAX + 1] = {};
	struct attr_table table = { types, ESPVTI_EVENT_A_MAX, tb };

	if (mnl_attr_parse_nested(nest, table_attr_cb, &table) < 0)
		return -1;
	if (tb[ESPVTI_EVENT_A_TYPE])
		e->type = mnl_attr_get_u8(tb[ESPVTI_EVENT_A_TYPE]);
	if (tb[ESPVTI_EVENT_A_AGE_MS])
		e->age_ms = mnl_attr_get_u64(tb[ESPVTI_EVENT_A_AGE_MS]);
	if (tb[ESPVTI_EVENT_A_DIR])
		e->dir = mnl_attr_get_u8(tb[ESPVTI_EVENT_A_DIR]);
	if (tb[ESPVTI_EVENT_A_SPI])
		e->spi = mnl_attr_get_u32(tb[ESPVTI_EVENT_A_SPI]);
	if (tb[ESPVTI_EVENT_A_REASON])
		e->reason = mnl_attr_get_u8(tb[ESPVTI_EVENT_A_REASON]);
	return 0;
}

int parse_diag(const struct nlattr *nest, struct diag_info *d)
{
	const struct nlattr *attr;

	mnl_attr_for_each_nested(attr, nest) {
		switch (mnl_attr_get_type(attr)) {
		case ESPVTI_DIAG_A_UNKNOWN_SPI:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
				return -1;
			d->has_unknown_spi = true;
			d->unknown_spi = mnl_attr_get_u32(attr);
			break;
		case ESPVTI_DIAG_A_REPLAY_BEHIND:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
				return -1;
			d->replay_behind = mnl_attr_get_u32(attr);
			break;
		case ESPVTI_DIAG_A_TOO_BIG_MTU:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
				return -1;
			d->too_big_mtu = mnl_attr_get_u32(attr);
			break;
		case ESPVTI_DIAG_A_REFUSED:
			if (parse_sel(attr, &d->refused))
				return -1;
			d->has_refused = true;
			break;
		case ESPVTI_DIAG_A_REFUSED_DIR:
			if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
				return -1;
			d->refused_dir = mnl_attr_get_u8(attr);
			break;
		case ESPVTI_DIAG_A_EVENT:
			if (d->n_ev == ESPVTI_DIAG_EVENTS)
				break;
			if (parse_event(attr, &d->ev[d->n_ev]))
				return -1;
			d->n_ev++;
			break;
		}
	}
	d->present = true;
	return 0;
}

static double monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The interfaces (@name, or all) with their SAs, into @snaps (@n of them). */
static int take_snaps(struct nl *nl, const char *name, struct snap **snaps, size_t *n)
{
	struct list devs = { .size = sizeof(struct espvti_dev) };
	const struct espvti_dev *dev;
	size_t i;
	int ret;

	ret = get_devs(nl, name, &devs);
	*n = 0;
	*snaps = calloc(devs.n ? devs.n : 1, sizeof(**snaps));
	if (!ret && !*snaps)
		ret = ERR_FAIL;
	for (i = 0, dev = devs.items; !ret && i < devs.n; i++, dev++) {
		struct snap *s = &(*snaps)[(*n)++];

		s->dev = *dev;
		s->sas.size = sizeof(struct espvti_sa);
		ret = sa_dump(nl, dev->ifname, &s->sas);
	}
	free(devs.items);
	return ret;
}

static void free_snaps(struct snap *snaps, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(snaps[i].sas.items);
	free(snaps);
}

static int take_window(const struct ctx *ctx, int *argc, char ***argv, double *secs)
{
	char *end;

	if (*argc < 2)
		return parse_error(ctx->verb, true, "--watch needs SECONDS");
	errno = 0;
	*secs = strtod((*argv)[1], &end);
	if (errno || *end || end == (*argv)[1] || !(*secs > 0) || *secs > WINDOW_MAX)
		return parse_error(ctx->verb, false, "--watch \"%s\": not SECONDS (up to %.0f)",
				   (*argv)[1], WINDOW_MAX);
	*argc -= 2;
	*argv += 2;
	return 0;
}

int cmd_diagnose(const struct ctx *ctx, int argc, char **argv)
{
	struct finding fs[MAX_FINDINGS];
	struct snap *s0 = NULL, *s1 = NULL;
	double secs = WINDOW_DEFAULT, t0;
	const char *name = NULL;
	size_t n0 = 0, n1 = 0, i, j, shown = 0;
	struct timespec ts;
	struct nl nl = {};
	bool any = false;
	int ret;

	while (argc) {
		if (!strcmp(argv[0], "--watch") || !strcmp(argv[0], "watch")) {
			if (take_window(ctx, &argc, &argv, &secs))
				return ERR_USAGE;
		} else if (!name && valid_ifname(argv[0])) {
			name = argv[0];
			argc--;
			argv++;
		} else {
			return no_more_args(ctx, argc, argv);
		}
	}
	if (nl_start(&nl, ctx->netns))
		return ERR_FAIL;

	t0 = monotonic();
	ret = take_snaps(&nl, name, &s0, &n0);
	if (!ret) {
		ts.tv_sec = (time_t)secs;
		ts.tv_nsec = (long)((secs - ts.tv_sec) * 1e9);
		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
		secs = monotonic() - t0;
		ret = take_snaps(&nl, name, &s1, &n1);
	}
	if (!ret && ctx->json)
		putchar('[');
	for (i = 0; !ret && i < n1; i++) {
		unsigned int n;

		for (j = 0; j < n0 && s0[j].dev.ifindex != s1[i].dev.ifindex; j++)
			;
		if (j == n0)
			continue;	/* created during the window */
		n = diagnose_dev(&s0[j], &s1[i], secs, fs);
		any |= n > 0;
		if (ctx->json && shown)
			putchar(',');
		print_verdict(ctx->json, &s0[j], &s1[i], secs, fs, n);
		shown++;
	}
	if (!ret && ctx->json)
		printf("]\n");

	mnl_socket_close(nl.sock);
	free_snaps(s0, n0);
	free_snaps(s1, n1);
	return ret ? ret : any ? 1 : 0;
}
