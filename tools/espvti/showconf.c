// SPDX-License-Identifier: GPL-2.0
/*
 * espvti: showconf DEV: an interface as a config file for setconf, without
 * its keys.
 */
#include "espvti.h"

#include <arpa/inet.h>
#include <stdlib.h>

static void print_conf(const struct espvti_dev *d, const struct list *sas,
		       const struct list *sels);
static void print_ports_conf(const char *name, const uint16_t ports[2]);

/* showconf DEV: the interface as a config file for setconf, without its keys. */
int cmd_showconf(const struct ctx *ctx, int argc, char **argv)
{
	struct dev_whole w = {};
	const struct espvti_dev *d;
	struct nl nl = {};
	const char *dev;
	int ret;

	ret = take_dev_only(ctx, argc, argv, &dev, &nl);
	if (ret)
		return ret;

	ret = get_dev_whole(&nl, dev, &w);
	mnl_socket_close(nl.sock);
	if (!ret) {
		d = w.devs.items;
		printf("# %s: espvti showconf. Keys are write-only: setconf needs them added.\n",
		       d->ifname);
		print_conf(d, &w.sas, &w.sels);
	}
	free_dev_whole(&w);
	return ret;
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
