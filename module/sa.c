// SPDX-License-Identifier: GPL-2.0
/*
 * Security associations. An SA belongs to one interface. Inbound SAs are
 * found by SPI in a hash table of the underlay namespace (O(1), under
 * RCU); an interface may have several at once, so that a rekey can
 * overlap the old and the new. Outbound SAs are a list, and one of them
 * is the interface's current SA: one RCU pointer, switched atomically.
 *
 * Lifetime: the interface's lists hold one reference, every packet in
 * flight (asynchronous crypto) one more, and the expiry work one while it
 * is queued; an SA holds a reference on its netdevice. The last put frees
 * the SA after an RCU grace period, zeroing its key material (the crypto
 * API zeroes the transform's copy).
 *
 * Expiry: the packet path counts bytes and packets under the SA's lock
 * and, when a limit is reached, queues the SA's expiry work at once; the
 * work also runs at the next time limit. It takes RTNL, sends the events
 * and removes a hard-expired SA. Unlinking marks the SA dead under its
 * lock and cancels the work without waiting (the work may be waiting for
 * RTNL): a work that runs anyway finds the SA dead and only drops its
 * reference.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/aead.h>
#include <crypto/authenc.h>
#include <linux/ktime.h>
#include <linux/random.h>
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
	u8 auth_key_len;	/* bytes of the separate authentication key; 0: none */
	u8 icv_default;		/* the ICV length when none is given */
	u64 icv_lens;		/* allowed ICV lengths, as BIT_ULL(len) */
	u64 key_lens;		/* allowed key lengths without salt, BIT_ULL */
};

static const struct espvti_alg_info espvti_algs[] = {
	[ESPVTI_ALG_AES_GCM] = {
		.name = "aes-gcm",
		.crypto = "rfc4106(gcm(aes))",
		.iv_len = 8, .block = 4, .salt = 4,
		.icv_lens = BIT_ULL(8) | BIT_ULL(12) | BIT_ULL(16),
		.key_lens = BIT_ULL(16) | BIT_ULL(24) | BIT_ULL(32),
	},
	[ESPVTI_ALG_CHACHA20_POLY1305] = {
		.name = "chacha20-poly1305",
		.crypto = "rfc7539esp(chacha20,poly1305)",
		.iv_len = 8, .block = 4, .salt = 4,
		.icv_lens = BIT_ULL(16),
		.key_lens = BIT_ULL(32),
	},
	[ESPVTI_ALG_AES_CBC_HMAC_SHA256] = {
		.name = "aes-cbc-hmac-sha256",
		.crypto = "authenc(hmac(sha256),cbc(aes))",
		.crypto_esn = "authencesn(hmac(sha256),cbc(aes))",
		.iv_len = 16, .block = 16, .auth_key_len = 32,	/* RFC 4868 */
		.icv_lens = BIT_ULL(16),
		.key_lens = BIT_ULL(16) | BIT_ULL(24) | BIT_ULL(32),
	},
	[ESPVTI_ALG_AES_GMAC] = {
		.name = "aes-gmac",
		.crypto = "rfc4543(gcm(aes))",
		.iv_len = 8, .block = 4, .salt = 4,
		.icv_lens = BIT_ULL(16),
		.key_lens = BIT_ULL(16) | BIT_ULL(24) | BIT_ULL(32),
	},
	/* HMAC-SHA-1-96, RFC 2404: what older IKE peers propose by default. */
	[ESPVTI_ALG_AES_CBC_HMAC_SHA1] = {
		.name = "aes-cbc-hmac-sha1",
		.crypto = "authenc(hmac(sha1),cbc(aes))",
		.crypto_esn = "authencesn(hmac(sha1),cbc(aes))",
		.iv_len = 16, .block = 16, .auth_key_len = 20,
		.icv_default = 12, .icv_lens = BIT_ULL(12),
		.key_lens = BIT_ULL(16) | BIT_ULL(24) | BIT_ULL(32),
	},
	/* HMAC-SHA-384-192 and HMAC-SHA-512-256, RFC 4868. */
	[ESPVTI_ALG_AES_CBC_HMAC_SHA384] = {
		.name = "aes-cbc-hmac-sha384",
		.crypto = "authenc(hmac(sha384),cbc(aes))",
		.crypto_esn = "authencesn(hmac(sha384),cbc(aes))",
		.iv_len = 16, .block = 16, .auth_key_len = 48,
		.icv_default = 24, .icv_lens = BIT_ULL(24),
		.key_lens = BIT_ULL(16) | BIT_ULL(24) | BIT_ULL(32),
	},
	[ESPVTI_ALG_AES_CBC_HMAC_SHA512] = {
		.name = "aes-cbc-hmac-sha512",
		.crypto = "authenc(hmac(sha512),cbc(aes))",
		.crypto_esn = "authencesn(hmac(sha512),cbc(aes))",
		.iv_len = 16, .block = 16, .auth_key_len = 64,
		.icv_default = 32, .icv_lens = BIT_ULL(32),
		.key_lens = BIT_ULL(16) | BIT_ULL(24) | BIT_ULL(32),
	},
};

/* The ICV length of @alg when SA_ADD gives none (16 but for the HMACs). */
u8 espvti_alg_default_icv(u8 alg)
{
	return alg < ARRAY_SIZE(espvti_algs) && espvti_algs[alg].icv_default ?
	       espvti_algs[alg].icv_default : 16;
}

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

	if (sa->aead)
		crypto_free_aead(sa->aead);	/* zeroes the transform's key */
	if (sa->edev)
		netdev_put(sa->edev->dev, &sa->dev_tracker);
	kfree_sensitive(sa);
}

void espvti_sa_put(struct espvti_sa *sa)
{
	if (refcount_dec_and_test(&sa->ref))
		call_rcu(&sa->rcu, espvti_sa_free_rcu);
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_sa_put);

static void espvti_sa_expire_work(struct work_struct *work);

/* What every SA starts with, an interface's or an unbound reservation. */
static void espvti_sa_init_common(struct espvti_sa *sa, work_func_t expire)
{
	refcount_set(&sa->ref, 1);
	INIT_LIST_HEAD(&sa->list);
	INIT_DELAYED_WORK(&sa->expire_work, expire);
	spin_lock_init(&sa->lock);
}

static void espvti_sa_init(struct espvti_sa *sa, struct espvti_dev *edev)
{
	espvti_sa_init_common(sa, espvti_sa_expire_work);
	sa->edev = edev;
	netdev_hold(edev->dev, &sa->dev_tracker, GFP_KERNEL);
}

/* A reservation's SA: no key, no replay window. */
static struct espvti_sa *espvti_sa_reservation_alloc(void)
{
	return kzalloc(offsetof(struct espvti_sa, replay) + espvti_replay_size(0),
		       GFP_KERNEL_ACCOUNT);
}

/* A reservation now in its table: its SPI for the caller, its expiry. */
static void espvti_sa_reservation_start(struct espvti_sa *sa, u32 *spi)
{
	*spi = ntohl(sa->spi);
	refcount_inc(&sa->ref);		/* the expiry work's */
	queue_delayed_work(espvti_wq, &sa->expire_work, ESPVTI_SPI_RESERVE_SECS * HZ + 1);
}

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
	const char *name, *msg;
	struct espvti_sa *sa;
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
	if (ai->auth_key_len && (!cfg->auth_key || cfg->auth_key_len != ai->auth_key_len)) {
		NL_SET_ERR_MSG(extack,
			       "auth key: wrong length for the algorithm (sha1: 20 bytes, sha256: 32, sha384: 48, sha512: 64)");
		return ERR_PTR(-EINVAL);
	}
	if (!ai->auth_key_len && cfg->auth_key) {
		NL_SET_ERR_MSG(extack, "auth key: the algorithm has none");
		return ERR_PTR(-EINVAL);
	}
	if (cfg->icv_len > 32 || !(ai->icv_lens & BIT_ULL(cfg->icv_len))) {
		NL_SET_ERR_MSG(extack, "ICV length: not one the algorithm allows");
		return ERR_PTR(-EINVAL);
	}
	msg = espvti_life_check(&cfg->soft, &cfg->hard);
	if (msg) {
		if (extack)
			extack->_msg = msg;	/* a static string */
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
		     GFP_KERNEL_ACCOUNT);
	if (!sa)
		return ERR_PTR(-ENOMEM);
	name = cfg->esn && ai->crypto_esn ? ai->crypto_esn : ai->crypto;
	aead = crypto_alloc_aead(name, 0, 0);
	if (IS_ERR(aead)) {
		err = PTR_ERR(aead);
		NL_SET_ERR_MSG(extack, "the kernel's crypto API lacks the algorithm");
		goto err_sa;
	}
	sa->aead = aead;
	if (ai->auth_key_len)
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

	espvti_sa_init(sa, edev);
	sa->spi = cfg->spi;
	sa->dir = cfg->dir;
	sa->alg = cfg->alg;
	sa->iv_len = ai->iv_len;
	sa->icv_len = cfg->icv_len;
	sa->block = ai->block;
	sa->esn = cfg->esn;
	sa->seq_out = cfg->seq;
	if (sa->dir == ESPVTI_SA_DIR_OUT && sa->iv_len == sizeof(sa->iv_salt))
		get_random_bytes(&sa->iv_salt, sizeof(sa->iv_salt));
	sa->life.soft = cfg->soft;
	sa->life.hard = cfg->hard;
	espvti_replay_init(&sa->replay, window);
	return sa;

err_aead:
	crypto_free_aead(aead);
err_sa:
	kfree_sensitive(sa);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_sa_create);

/* Queue @sa's expiry work now; @sa->lock held. */
static void espvti_sa_kick(struct espvti_sa *sa)
{
	if (sa->dead)
		return;
	refcount_inc(&sa->ref);
	if (mod_delayed_work(espvti_wq, &sa->expire_work, 0))
		espvti_sa_put(sa);	/* it was queued: it had its reference */
}

/*
 * A packet of @len bytes through @sa, on the packet path with @sa->lock
 * held: false when a hard limit was reached and the packet must go.
 */
bool espvti_sa_account(struct espvti_sa *sa, unsigned int len)
{
	unsigned int r;

	r = espvti_life_count(&sa->life, len,
			      sa->life.use_ns ? 0 : ktime_get_boottime_ns());
	if (unlikely(r)) {
		if ((r & ESPVTI_LIFE_HARD) && !sa->hard_due) {
			sa->hard_due = true;
			r |= ESPVTI_LIFE_KICK;
		}
		if ((r & ESPVTI_LIFE_SOFT) && !sa->soft_due) {
			sa->soft_due = true;
			r |= ESPVTI_LIFE_KICK;
		}
		if (r & ESPVTI_LIFE_KICK)
			espvti_sa_kick(sa);
	}
	return !(r & ESPVTI_LIFE_REFUSE);
}

/* Every sequence number of outbound @sa is used: a hard expiry. Lock held. */
void espvti_sa_exhausted(struct espvti_sa *sa)
{
	if (!sa->hard_due) {
		sa->hard_due = true;
		espvti_sa_kick(sa);
	}
}

/* New limits for @sa (RTNL held); the expiry work reconsiders them. */
void espvti_sa_set_life(struct espvti_sa *sa, const struct espvti_life *soft,
			const struct espvti_life *hard)
{
	spin_lock_bh(&sa->lock);
	sa->life.soft = *soft;
	sa->life.hard = *hard;
	/* Limits raised past the counts: due again only when reached again. */
	sa->soft_due = false;
	sa->soft_sent = false;
	if (!sa->reserved)
		sa->hard_due = false;
	espvti_sa_kick(sa);
	spin_unlock_bh(&sa->lock);
}

static void espvti_sa_expire_work(struct work_struct *work)
{
	struct espvti_sa *sa = container_of(to_delayed_work(work), struct espvti_sa,
					    expire_work);
	struct espvti_dev *edev = sa->edev;
	unsigned int due;
	u64 now, next;
	bool soft;

	rtnl_lock();
	if (sa->dead)
		goto out;
	now = ktime_get_boottime_ns();
	spin_lock_bh(&sa->lock);
	due = espvti_life_due(&sa->life, now, &next);
	if (sa->hard_due)
		due |= ESPVTI_LIFE_HARD;
	if (sa->soft_due)
		due |= ESPVTI_LIFE_SOFT;
	soft = (due & ESPVTI_LIFE_SOFT) && !sa->soft_sent && !(due & ESPVTI_LIFE_HARD);
	if (soft)
		sa->soft_sent = true;
	spin_unlock_bh(&sa->lock);

	if (due & ESPVTI_LIFE_HARD) {
		if (!sa->reserved)
			espvti_nl_notify_sa(edev, sa, ESPVTI_CMD_SA_EXPIRE_NTF,
					    ESPVTI_A_EXPIRE, ESPVTI_EXPIRE_HARD);
		espvti_sa_unlink(edev, sa, ESPVTI_DEL_EXPIRED);
		edev->sa_gen++;
		espvti_dev_update(edev);
		goto out;
	}
	if (soft)
		espvti_nl_notify_sa(edev, sa, ESPVTI_CMD_SA_EXPIRE_NTF,
				    ESPVTI_A_EXPIRE, ESPVTI_EXPIRE_SOFT);
	if (next && queue_delayed_work(espvti_wq, &sa->expire_work,
				       espvti_life_wait(next, now))) {
		rtnl_unlock();
		return;		/* the queued work keeps the reference */
	}
out:
	rtnl_unlock();
	espvti_sa_put(sa);
}

/* @edev's SA of direction @dir with @spi, not a reservation; RTNL held. */
struct espvti_sa *espvti_sa_find(struct espvti_dev *edev, u8 dir, __be32 spi)
{
	struct list_head *head = dir == ESPVTI_SA_DIR_OUT ? &edev->sa_outs : &edev->sa_in;
	struct espvti_sa *sa;

	ASSERT_RTNL();
	list_for_each_entry(sa, head, list)
		if (sa->spi == spi && !sa->reserved)
			return sa;
	return NULL;
}

/* Outbound @sa, installed, becomes @edev's current SA; RTNL held. */
void espvti_sa_make_current(struct espvti_dev *edev, struct espvti_sa *sa)
{
	ASSERT_RTNL();
	rcu_assign_pointer(edev->sa_out, sa);
	sa->was_current = true;
	/* The most recently made current is the last: the fallback order. */
	list_move_tail(&sa->list, &edev->sa_outs);
}

/*
 * Which outbound SA of @edev takes over when the current one goes (RTNL
 * held, the current one off the list): the one made current most recently
 * before it; only when none of those is left, one that stood by from the
 * start (the last added), else none. One added with "nocurrent" after the
 * current one must not take over ahead of its predecessor: the peer may
 * not have it yet.
 */
static struct espvti_sa *espvti_sa_fallback(struct espvti_dev *edev)
{
	struct espvti_sa *sa;

	list_for_each_entry_reverse(sa, &edev->sa_outs, list)
		if (sa->was_current)
			return sa;
	return list_empty(&edev->sa_outs) ? NULL :
	       list_last_entry(&edev->sa_outs, struct espvti_sa, list);
}

/*
 * Put reservation @sa into @en's table of inbound SAs at a random free SPI
 * in @min..@max: random first, then a small range in full. RTNL held.
 */
static int espvti_sa_reserve_spi(struct espvti_net *en, struct espvti_sa *sa, u32 min,
				 u32 max, struct netlink_ext_ack *extack)
{
	u64 span = (u64)max - min + 1;
	unsigned int tries;
	int err = -ENOSPC;
	u32 v;

	sa->reserved = true;
	sa->dir = ESPVTI_SA_DIR_IN;
	sa->life.add_ns = ktime_get_boottime_ns();
	sa->life.hard.add_secs = ESPVTI_SPI_RESERVE_SECS;
	for (tries = 0; tries < 64 + (span <= 65536 ? span : 0); tries++) {
		if (tries < 64)
			v = get_random_u32_inclusive(min, max);
		else
			v = min + (tries - 64);
		sa->spi = htonl(v);
		err = rhashtable_lookup_insert_fast(&en->sa_in, &sa->node, espvti_sa_params);
		if (err != -EEXIST)
			break;
	}
	if (err == -EEXIST) {
		NL_SET_ERR_MSG(extack, "SPI range: no free SPI in it");
		return -ENOSPC;
	}
	if (err)
		NL_SET_ERR_MSG(extack, "SPI range: could not reserve an SPI");
	return err;
}

/*
 * A random free inbound SPI in @min..@max, reserved for @edev for
 * ESPVTI_SPI_RESERVE_SECS; RTNL held.
 */
int espvti_sa_reserve(struct espvti_dev *edev, u32 min, u32 max, u32 *spi,
		      struct netlink_ext_ack *extack)
{
	struct espvti_sa *sa;
	int err;

	ASSERT_RTNL();
	if (edev->n_reserved >= ESPVTI_MAX_RESERVED) {
		NL_SET_ERR_MSG(extack,
			       "the interface has the most SPI reservations it may (1024): add their SAs first");
		return -ENOSPC;
	}
	sa = espvti_sa_reservation_alloc();
	if (!sa)
		return -ENOMEM;
	espvti_sa_init(sa, edev);
	err = espvti_sa_reserve_spi(espvti_pernet(edev->net), sa, min, max, extack);
	if (err) {
		netdev_put(edev->dev, &sa->dev_tracker);
		kfree(sa);
		return err;
	}
	list_add_tail(&sa->list, &edev->sa_in);
	edev->n_reserved++;
	espvti_sa_reservation_start(sa, spi);
	return 0;
}

/*
 * Take unbound reservation @sa off its namespace's list and, unless an SA
 * replaced it there (@taken), out of its table; RTNL held.
 */
static void espvti_sa_unbound_unlink(struct espvti_sa *sa, bool taken)
{
	struct espvti_net *en = espvti_pernet(sa->net);

	ASSERT_RTNL();
	spin_lock_bh(&sa->lock);
	sa->dead = true;
	spin_unlock_bh(&sa->lock);
	if (cancel_delayed_work(&sa->expire_work))
		espvti_sa_put(sa);	/* the work's reference */
	list_del(&sa->list);
	en->n_unbound--;
	if (!taken)
		rhashtable_remove_fast(&en->sa_in, &sa->node, espvti_sa_params);
	espvti_sa_put(sa);
}

static void espvti_sa_unbound_expire(struct work_struct *work)
{
	struct espvti_sa *sa = container_of(to_delayed_work(work), struct espvti_sa,
					    expire_work);

	rtnl_lock();
	if (!sa->dead)
		espvti_sa_unbound_unlink(sa, false);
	rtnl_unlock();
	espvti_sa_put(sa);
}

/*
 * A random free inbound SPI in @min..@max of @net's table, reserved for no
 * interface yet: an inbound SA_ADD on any interface whose underlay is @net
 * may take it within ESPVTI_SPI_RESERVE_SECS. The caller has CAP_NET_ADMIN
 * over @net's owner: @net is the underlay. RTNL held.
 */
int espvti_sa_reserve_unbound(struct net *net, u32 min, u32 max, u32 *spi,
			      struct netlink_ext_ack *extack)
{
	struct espvti_net *en = espvti_pernet(net);
	struct espvti_sa *sa;
	int err;

	ASSERT_RTNL();
	if (en->n_unbound >= ESPVTI_MAX_UNBOUND) {
		NL_SET_ERR_MSG(extack,
			       "the namespace has the most SPI reservations without an interface it may (1024): add their SAs or release them first");
		return -ENOSPC;
	}
	sa = espvti_sa_reservation_alloc();
	if (!sa)
		return -ENOMEM;
	espvti_sa_init_common(sa, espvti_sa_unbound_expire);
	sa->net = net;
	err = espvti_sa_reserve_spi(en, sa, min, max, extack);
	if (err) {
		kfree(sa);
		return err;
	}
	list_add_tail(&sa->list, &en->unbound);
	en->n_unbound++;
	espvti_sa_reservation_start(sa, spi);
	return 0;
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_sa_reserve_unbound);

/* Give back @net's unbound reservation of @spi (an SA_DEL of none); RTNL held. */
int espvti_sa_release_unbound(struct net *net, __be32 spi, struct netlink_ext_ack *extack)
{
	struct espvti_sa *sa;

	ASSERT_RTNL();
	sa = rhashtable_lookup_fast(&espvti_pernet(net)->sa_in, &spi, espvti_sa_params);
	if (!sa || !sa->reserved || sa->edev) {
		NL_SET_ERR_MSG(extack,
			       "SA: no interface given, and no SPI reservation without one has this SPI here");
		return -ENOENT;
	}
	espvti_sa_unbound_unlink(sa, false);
	return 0;
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_sa_release_unbound);

/* Every unbound reservation of @net (it is going away); RTNL held. */
void espvti_sa_unbound_flush(struct net *net)
{
	struct espvti_sa *sa, *tmp;

	ASSERT_RTNL();
	list_for_each_entry_safe(sa, tmp, &espvti_pernet(net)->unbound, list)
		espvti_sa_unbound_unlink(sa, false);
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_sa_unbound_flush);

/*
 * Make @sa live on @edev; RTNL held. The caller's reference passes to the
 * interface. An outbound SA made current replaces the current one at once:
 * packets never find no SA in between, and the old one stays installed
 * (not used) until it is deleted or expires. An inbound SA may take the
 * SPI that SPI_ALLOC reserved for the same interface, or for none (in the
 * underlay's table: the one this SA goes into).
 */
int espvti_sa_insert(struct espvti_dev *edev, struct espvti_sa *sa, bool make_current,
		     struct netlink_ext_ack *extack)
{
	struct espvti_net *en = espvti_pernet(edev->net);
	struct espvti_sa *old;
	int err;

	ASSERT_RTNL();
	sa->life.add_ns = ktime_get_boottime_ns();
	if (sa->dir == ESPVTI_SA_DIR_OUT) {
		if (espvti_sa_find(edev, ESPVTI_SA_DIR_OUT, sa->spi)) {
			NL_SET_ERR_MSG(extack,
				       "SPI: the interface has an outbound SA with it already");
			return -EEXIST;
		}
		if (edev->n_sa_out >= ESPVTI_MAX_SA_OUT) {
			NL_SET_ERR_MSG(extack,
				       "the interface has the most outbound SAs it may (64): delete one first");
			return -ENOSPC;
		}
		list_add_tail(&sa->list, &edev->sa_outs);
		edev->n_sa_out++;
		if (make_current || !rtnl_dereference(edev->sa_out))
			espvti_sa_make_current(edev, sa);
	} else {
		old = rhashtable_lookup_fast(&en->sa_in, &sa->spi, espvti_sa_params);
		if (old && old->reserved && (old->edev == edev || !old->edev)) {
			err = rhashtable_replace_fast(&en->sa_in, &old->node, &sa->node,
						      espvti_sa_params);
			if (!err) {
				list_add_tail(&sa->list, &edev->sa_in);
				if (old->edev)
					espvti_sa_unlink(edev, old, 0);
				else
					espvti_sa_unbound_unlink(old, true);
			}
		} else {
			err = rhashtable_lookup_insert_fast(&en->sa_in, &sa->node,
							    espvti_sa_params);
			if (!err)
				list_add_tail(&sa->list, &edev->sa_in);
		}
		if (err) {
			if (err == -EEXIST)
				NL_SET_ERR_MSG(extack,
					       "SPI: already in use by an inbound SA in the underlay namespace");
			return err;
		}
	}
	if (sa->life.soft.add_secs || sa->life.hard.add_secs) {
		spin_lock_bh(&sa->lock);
		espvti_sa_kick(sa);	/* it works out when to run again */
		spin_unlock_bh(&sa->lock);
	}
	edev->sa_gen++;
	espvti_nl_notify_sa(edev, sa, ESPVTI_CMD_SA_ADD_NTF, 0, 0);
	espvti_diag_event(edev, ESPVTI_EVENT_SA_ADD, sa, 0);
	espvti_dev_update(edev);
	return 0;
}

/*
 * The interface's reference on an unlinked SA goes one grace period late:
 * a packet that found it under RCU just before (the current outbound SA,
 * or in the table) still gets its reference and is sent or received on
 * it, instead of finding the count at zero (a drop, at every switch of the
 * current SA that deletes the old one: the responder of a rekey). The
 * callback may queue the SA's freeing on the same rcu_head, which RCU
 * allows; nobody else can drop the last reference before it runs.
 */
static void espvti_sa_put_rcu(struct rcu_head *head)
{
	espvti_sa_put(container_of(head, struct espvti_sa, rcu));
}

/*
 * Take @sa off @edev (RTNL held) and drop the interface's reference; the
 * caller bumps sa_gen and updates the device. @reason: for the event, none
 * when 0 or for a reservation. When the current outbound SA goes, the one
 * made current most recently before it takes over, if any.
 */
void espvti_sa_unlink(struct espvti_dev *edev, struct espvti_sa *sa, u8 reason)
{
	ASSERT_RTNL();
	if (reason && !sa->reserved) {
		espvti_nl_notify_sa(edev, sa, ESPVTI_CMD_SA_DEL_NTF, ESPVTI_A_REASON, reason);
		espvti_diag_event(edev, ESPVTI_EVENT_SA_DEL, sa, reason);
	}
	spin_lock_bh(&sa->lock);
	sa->dead = true;
	spin_unlock_bh(&sa->lock);
	if (cancel_delayed_work(&sa->expire_work))
		espvti_sa_put(sa);	/* the work's reference */

	list_del(&sa->list);
	if (sa->dir == ESPVTI_SA_DIR_OUT)
		edev->n_sa_out--;
	else if (sa->reserved)
		edev->n_reserved--;
	if (sa->dir == ESPVTI_SA_DIR_IN) {
		/* A reservation replaced by its SA is out of the table already. */
		if (!reason && sa->reserved)
			goto put;
		rhashtable_remove_fast(&espvti_pernet(edev->net)->sa_in, &sa->node,
				       espvti_sa_params);
	} else if (rtnl_dereference(edev->sa_out) == sa) {
		rcu_assign_pointer(edev->sa_out, espvti_sa_fallback(edev));
	}
put:
	call_rcu(&sa->rcu, espvti_sa_put_rcu);
}

/* Every SA of @edev; RTNL held. */
void espvti_sa_flush(struct espvti_dev *edev, u8 reason)
{
	struct espvti_sa *sa, *tmp;

	ASSERT_RTNL();
	RCU_INIT_POINTER(edev->sa_out, NULL);
	list_for_each_entry_safe(sa, tmp, &edev->sa_outs, list)
		espvti_sa_unlink(edev, sa, reason);
	list_for_each_entry_safe(sa, tmp, &edev->sa_in, list)
		espvti_sa_unlink(edev, sa, reason);
	edev->sa_gen++;
	espvti_dev_update(edev);
}
