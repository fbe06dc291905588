// SPDX-License-Identifier: GPL-2.0
/*
 * Security associations. An SA belongs to one interface. Inbound SAs are
 * found by SPI in a hash table of the underlay namespace (O(1), under
 * RCU); an interface may have several at once, so that a rekey can
 * overlap the old and the new. The outbound SA is one pointer, the
 * interface's current SA, replaced atomically.
 *
 * Lifetime: the interface's tables hold one reference, every packet in
 * flight (asynchronous crypto) one more; an SA holds a reference on its
 * netdevice. The last put frees the SA after an RCU grace period, zeroing
 * its key material (the crypto API zeroes the transform's copy).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/aead.h>
#include <crypto/authenc.h>
#include <linux/rhashtable.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/netlink.h>

#include "espvti.h"

const struct rhashtable_params espvti_sa_params = {
	.key_len	= sizeof(__be32),
	.key_offset	= offsetof(struct espvti_sa, spi),
	.head_offset	= offsetof(struct espvti_sa, node),
	.automatic_shrinking = true,
};

struct espvti_alg_info {
	const char *name;	/* ESP display name */
	const char *crypto;	/* crypto API template */
	const char *crypto_esn;	/* with ESN, when it differs */
	u8 iv_len;
	u8 block;		/* the encrypted part aligns to this */
	u8 salt;		/* bytes of salt after the key */
	bool authenc;		/* separate authentication key */
	u32 icv_lens;		/* allowed ICV lengths, as BIT(len) */
	u64 key_lens;		/* allowed key lengths without salt, BIT_ULL */
};

static const struct espvti_alg_info espvti_algs[] = {
	[ESPVTI_ALG_AES_GCM] = {
		.name = "aes-gcm",
		.crypto = "rfc4106(gcm(aes))",
		.iv_len = 8, .block = 4, .salt = 4,
		.icv_lens = BIT(8) | BIT(12) | BIT(16),
		.key_lens = BIT_ULL(16) | BIT_ULL(24) | BIT_ULL(32),
	},
	[ESPVTI_ALG_CHACHA20_POLY1305] = {
		.name = "chacha20-poly1305",
		.crypto = "rfc7539esp(chacha20,poly1305)",
		.iv_len = 8, .block = 4, .salt = 4,
		.icv_lens = BIT(16),
		.key_lens = BIT_ULL(32),
	},
	[ESPVTI_ALG_AES_CBC_HMAC_SHA256] = {
		.name = "aes-cbc-hmac-sha256",
		.crypto = "authenc(hmac(sha256),cbc(aes))",
		.crypto_esn = "authencesn(hmac(sha256),cbc(aes))",
		.iv_len = 16, .block = 16, .authenc = true,
		.icv_lens = BIT(16),
		.key_lens = BIT_ULL(16) | BIT_ULL(24) | BIT_ULL(32),
	},
	[ESPVTI_ALG_AES_GMAC] = {
		.name = "aes-gmac",
		.crypto = "rfc4543(gcm(aes))",
		.iv_len = 8, .block = 4, .salt = 4,
		.icv_lens = BIT(16),
		.key_lens = BIT_ULL(16) | BIT_ULL(24) | BIT_ULL(32),
	},
};

#define ESPVTI_AUTH_KEY_LEN 32	/* HMAC-SHA-256-128, RFC 4868 */

const char *espvti_alg_name(u8 alg)
{
	return alg < ARRAY_SIZE(espvti_algs) && espvti_algs[alg].name ?
	       espvti_algs[alg].name : "unknown";
}

void espvti_sa_geom(const struct espvti_sa *sa, u16 family, struct espvti_geom *g)
{
	g->outer_hdr = family == AF_INET6 ? 40 : 20;
	g->encap_hdr = 0;
	g->iv = sa->iv_len;
	g->icv = sa->icv_len;
	g->block = sa->block;
}

/* authenc keys: an rtattr with the encryption key's length, then both. */
static int espvti_setkey_authenc(struct crypto_aead *aead, const struct espvti_sa_cfg *cfg)
{
	struct crypto_authenc_key_param *param;
	unsigned int len;
	struct rtattr *rta;
	u8 *key, *p;
	int err;

	len = RTA_SPACE(sizeof(*param)) + cfg->auth_key_len + cfg->key_len;
	key = kmalloc(len, GFP_KERNEL);
	if (!key)
		return -ENOMEM;
	p = key;
	rta = (void *)p;
	rta->rta_type = CRYPTO_AUTHENC_KEYA_PARAM;
	rta->rta_len = RTA_LENGTH(sizeof(*param));
	param = RTA_DATA(rta);
	param->enckeylen = cpu_to_be32(cfg->key_len);
	p += RTA_SPACE(sizeof(*param));
	memcpy(p, cfg->auth_key, cfg->auth_key_len);
	p += cfg->auth_key_len;
	memcpy(p, cfg->key, cfg->key_len);
	err = crypto_aead_setkey(aead, key, len);
	kfree_sensitive(key);
	return err;
}

static void espvti_sa_free_rcu(struct rcu_head *head)
{
	struct espvti_sa *sa = container_of(head, struct espvti_sa, rcu);

	crypto_free_aead(sa->aead);	/* zeroes the transform's key */
	free_percpu(sa->stats);
	netdev_put(sa->edev->dev, &sa->dev_tracker);
	kfree_sensitive(sa);
}

void espvti_sa_put(struct espvti_sa *sa)
{
	if (refcount_dec_and_test(&sa->ref))
		call_rcu(&sa->rcu, espvti_sa_free_rcu);
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_sa_put);

/*
 * A new SA for @edev, not yet visible: checks @cfg against the algorithm
 * and sets up its transform. May sleep (the crypto API may load modules):
 * call it without RTNL.
 */
struct espvti_sa *espvti_sa_create(struct espvti_dev *edev, const struct espvti_sa_cfg *cfg,
				   struct netlink_ext_ack *extack)
{
	const struct espvti_alg_info *ai;
	struct crypto_aead *aead;
	struct espvti_sa *sa;
	const char *name;
	u32 window = 0;
	int err;

	if (cfg->alg >= ARRAY_SIZE(espvti_algs) || !espvti_algs[cfg->alg].name) {
		NL_SET_ERR_MSG(extack, "unknown algorithm");
		return ERR_PTR(-EINVAL);
	}
	ai = &espvti_algs[cfg->alg];
	if (!cfg->key || cfg->key_len < ai->salt ||
	    cfg->key_len - ai->salt > 32 ||
	    !(ai->key_lens & BIT_ULL(cfg->key_len - ai->salt))) {
		if (ai->salt)
			NL_SET_ERR_MSG(extack,
				       "key: wrong length for the algorithm (key bytes + 4 bytes of salt)");
		else
			NL_SET_ERR_MSG(extack, "key: wrong length for the algorithm");
		return ERR_PTR(-EINVAL);
	}
	if (ai->authenc && (!cfg->auth_key || cfg->auth_key_len != ESPVTI_AUTH_KEY_LEN)) {
		NL_SET_ERR_MSG(extack, "auth key: the algorithm needs 32 bytes");
		return ERR_PTR(-EINVAL);
	}
	if (!ai->authenc && cfg->auth_key) {
		NL_SET_ERR_MSG(extack, "auth key: the algorithm has none");
		return ERR_PTR(-EINVAL);
	}
	if (cfg->icv_len > 16 || !(ai->icv_lens & BIT(cfg->icv_len))) {
		NL_SET_ERR_MSG(extack, "ICV length: not one the algorithm allows");
		return ERR_PTR(-EINVAL);
	}
	if (cfg->dir == ESPVTI_SA_DIR_IN)
		window = cfg->window;
	if (cfg->dir == ESPVTI_SA_DIR_OUT &&
	    cfg->seq >= (cfg->esn ? U64_MAX : U32_MAX)) {
		NL_SET_ERR_MSG(extack, "sequence number: no number left to send");
		return ERR_PTR(-EINVAL);
	}

	sa = kzalloc(offsetof(struct espvti_sa, replay) + espvti_replay_size(window),
		     GFP_KERNEL);
	if (!sa)
		return ERR_PTR(-ENOMEM);
	sa->stats = espvti_stats_alloc();
	if (!sa->stats) {
		err = -ENOMEM;
		goto err_sa;
	}

	name = cfg->esn && ai->crypto_esn ? ai->crypto_esn : ai->crypto;
	aead = crypto_alloc_aead(name, 0, 0);
	if (IS_ERR(aead)) {
		err = PTR_ERR(aead);
		NL_SET_ERR_MSG(extack, "the kernel's crypto API lacks the algorithm");
		goto err_stats;
	}
	sa->aead = aead;
	if (ai->authenc)
		err = espvti_setkey_authenc(aead, cfg);
	else
		err = crypto_aead_setkey(aead, cfg->key, cfg->key_len);
	if (err) {
		NL_SET_ERR_MSG(extack, "key: refused by the crypto API");
		goto err_aead;
	}
	err = crypto_aead_setauthsize(aead, cfg->icv_len);
	if (err) {
		NL_SET_ERR_MSG(extack, "ICV length: refused by the crypto API");
		goto err_aead;
	}
	if (crypto_aead_ivsize(aead) != ai->iv_len) {
		NL_SET_ERR_MSG(extack, "the crypto API's transform has an unexpected IV size");
		err = -EINVAL;
		goto err_aead;
	}

	refcount_set(&sa->ref, 1);
	INIT_LIST_HEAD(&sa->list);
	spin_lock_init(&sa->lock);
	sa->edev = edev;
	sa->spi = cfg->spi;
	sa->dir = cfg->dir;
	sa->alg = cfg->alg;
	sa->iv_len = ai->iv_len;
	sa->icv_len = cfg->icv_len;
	sa->block = ai->block;
	sa->esn = cfg->esn;
	sa->seq_out = cfg->seq;
	espvti_replay_init(&sa->replay, window);
	netdev_hold(edev->dev, &sa->dev_tracker, GFP_KERNEL);
	return sa;

err_aead:
	crypto_free_aead(aead);
err_stats:
	free_percpu(sa->stats);
err_sa:
	kfree_sensitive(sa);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_sa_create);

/*
 * Make @sa live on @edev; RTNL held. The caller's reference passes to the
 * interface. An outbound SA becomes the current one at once, the one it
 * replaces is released: packets never find no SA in between.
 */
int espvti_sa_insert(struct espvti_dev *edev, struct espvti_sa *sa,
		     struct netlink_ext_ack *extack)
{
	struct espvti_net *en = espvti_pernet(edev->net);
	struct espvti_sa *old;
	int err;

	ASSERT_RTNL();
	if (sa->dir == ESPVTI_SA_DIR_OUT) {
		old = rtnl_dereference(edev->sa_out);
		rcu_assign_pointer(edev->sa_out, sa);
		if (old)
			espvti_sa_put(old);
	} else {
		err = rhashtable_lookup_insert_fast(&en->sa_in, &sa->node, espvti_sa_params);
		if (err) {
			if (err == -EEXIST)
				NL_SET_ERR_MSG(extack,
					       "SPI: already in use by an inbound SA in the underlay namespace");
			return err;
		}
		list_add_tail(&sa->list, &edev->sa_in);
	}
	edev->sa_gen++;
	espvti_dev_update(edev);
	return 0;
}

static void espvti_sa_unlink_in(struct espvti_dev *edev, struct espvti_sa *sa)
{
	rhashtable_remove_fast(&espvti_pernet(edev->net)->sa_in, &sa->node, espvti_sa_params);
	list_del(&sa->list);
	espvti_sa_put(sa);
}

/* RTNL held; -ENOENT when @edev has no such SA. */
int espvti_sa_delete(struct espvti_dev *edev, u8 dir, __be32 spi)
{
	struct espvti_sa *sa;

	ASSERT_RTNL();
	if (dir == ESPVTI_SA_DIR_OUT) {
		sa = rtnl_dereference(edev->sa_out);
		if (!sa || sa->spi != spi)
			return -ENOENT;
		RCU_INIT_POINTER(edev->sa_out, NULL);
		espvti_sa_put(sa);
	} else {
		list_for_each_entry(sa, &edev->sa_in, list)
			if (sa->spi == spi)
				break;
		if (list_entry_is_head(sa, &edev->sa_in, list))
			return -ENOENT;
		espvti_sa_unlink_in(edev, sa);
	}
	edev->sa_gen++;
	espvti_dev_update(edev);
	return 0;
}

/* Every SA of @edev; RTNL held. */
void espvti_sa_flush(struct espvti_dev *edev)
{
	struct espvti_sa *sa, *tmp;

	ASSERT_RTNL();
	sa = rtnl_dereference(edev->sa_out);
	RCU_INIT_POINTER(edev->sa_out, NULL);
	if (sa)
		espvti_sa_put(sa);
	list_for_each_entry_safe(sa, tmp, &edev->sa_in, list)
		espvti_sa_unlink_in(edev, sa);
	edev->sa_gen++;
	espvti_dev_update(edev);
}
