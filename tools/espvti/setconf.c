// SPDX-License-Identifier: GPL-2.0
/*
 * espvti: setconf DEV FILE: make an interface what its config file says,
 * make-before-break.
 */
#include "espvti.h"

#include <stdlib.h>

static int conf_apply(struct nl *nl, const char *dev, const struct conf *conf,
		      const struct espvti_dev *d, const struct list *sas, const struct list *sels);
static void conf_warn_sa(const struct conf *conf, const struct espvti_sa *sa,
			 const struct espvti_sa *have);

/*
 * setconf DEV FILE: make the interface what FILE says, without a moment
 * without a current SA or a selector that both have: the addresses, the
 * selectors (the missing added before the others go), then the SAs missing
 * (the file's current outbound SA made current), then away with the SAs
 * the file does not have.
 */
int cmd_setconf(const struct ctx *ctx, int argc, char **argv)
{
	struct dev_whole w = {};
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

	ret = get_dev_whole(&nl, dev, &w);
	if (!ret)
		ret = conf_apply(&nl, dev, &conf, w.devs.items, &w.sas, &w.sels);

	mnl_socket_close(nl.sock);
out:
	conf_free(&conf);
	free_dev_whole(&w);
	return ret;
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
