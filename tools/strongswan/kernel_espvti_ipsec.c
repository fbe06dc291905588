// SPDX-License-Identifier: GPL-2.0
/*
 * kernel-espvti: charon's kernel_ipsec_t over espvti's generic netlink API.
 *
 * A CHILD_SA's if_id names the espvti interface that gets its SAs and
 * selectors: charon.plugins.kernel-espvti.interfaces.<if_id> = <ifname>, or
 * else the interface named <prefix><if_id> (prefix: "espvti" unless
 * charon.plugins.kernel-espvti.ifname_prefix says otherwise). A CHILD_SA
 * without an if_id, in transport mode, with IPComp or an algorithm espvti
 * lacks is refused with a log line naming the reason.
 *
 * Locking: req_lock serialises the request socket (one netlink
 * transaction at a time); lock guards the tables. Nobody holds lock while
 * talking to the kernel, so the event reader (charon's watcher thread)
 * only ever waits for a table lookup.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include <daemon.h>
#include <collections/hashtable.h>
#include <collections/linked_list.h>
#include <threading/mutex.h>
#include <processing/watcher.h>
#include <processing/jobs/callback_job.h>

#include "kernel_espvti_ipsec.h"
#include "espvti_genl.h"
#include "../../uapi/linux/espvti.h"

#define CFG "%s.plugins.kernel-espvti"

typedef struct private_kernel_espvti_ipsec_t private_kernel_espvti_ipsec_t;

/* An SA installed by us: charon names it by SPI and destination. */
typedef struct {
	uint32_t spi;		/* network order, as charon has it */
	host_t *src, *dst;
	uint8_t dir;		/* ESPVTI_SA_DIR_* */
	uint32_t if_id;
	char ifname[IFNAMSIZ];
	uint64_t bytes;		/* at the last query_sa */
	time_t used;		/* when bytes last moved (monotonic), or 0 */
	uint64_t linger_until;	/* lingering: when it goes (monotonic ms) */
} sa_entry_t;

/* An interface we keyed: its if_id, the reqid acquires map to, its peer. */
typedef struct {
	uint32_t if_id;
	char ifname[IFNAMSIZ];
	uint32_t reqid;		/* of its trap (or other) outbound policy */
	host_t *local, *remote;	/* as last set with DEV_SET */
	int encap_fd;		/* handed in, or -1 (encap none) */
	uint16_t dport;
} iface_t;

/* A selector we added, with the count of charon's policies using it. */
typedef struct {
	char *key;
	int refs;
} sel_entry_t;

struct private_kernel_espvti_ipsec_t {
	kernel_ipsec_t public;
	mutex_t *req_lock;
	espvti_genl_t *req;
	espvti_genl_t *ev;
	mutex_t *lock;
	hashtable_t *sas;	/* sa_entry_t, by SPI and destination */
	linked_list_t *ifaces;	/* iface_t */
	hashtable_t *sels;	/* sel_entry_t, by key */
	rng_t *rng;
	uint32_t spi_min, spi_max;
	char *prefix;
	int udp_fd[2];		/* charon's NAT-T sockets: IPv4, IPv6 */
	linked_list_t *lingering;	/* sa_entry_t: deleted by charon, not yet by us */
	uint32_t linger_ms;
	bool draw_spi;		/* the module reserves no SPI without an interface */
};

static u_int sa_hash(sa_entry_t *key)
{
	return chunk_hash_inc(key->dst->get_address(key->dst),
			      chunk_hash(chunk_from_thing(key->spi)));
}

static bool sa_equals(sa_entry_t *a, sa_entry_t *b)
{
	return a->spi == b->spi && a->dst->ip_equals(a->dst, b->dst);
}

static void sa_entry_destroy(sa_entry_t *e)
{
	DESTROY_IF(e->src);
	DESTROY_IF(e->dst);
	free(e);
}

static u_int sel_hash(char *key)
{
	return chunk_hash(chunk_from_str(key));
}

static bool sel_equals(char *a, char *b)
{
	return streq(a, b);
}

/* The interface of @if_id; FALSE (and a log line) when there is none. */
static bool if_id_to_name(private_kernel_espvti_ipsec_t *this, uint32_t if_id,
			  char ifname[IFNAMSIZ])
{
	char key[16], *name;

	if (!if_id) {
		DBG1(DBG_KNL,
		     "kernel-espvti: refused: the CHILD_SA has no if_id (set if_id_in and if_id_out to the interface's)");
		return FALSE;
	}
	snprintf(key, sizeof(key), "%u", if_id);
	name = lib->settings->get_str(lib->settings, CFG ".interfaces.%s", NULL,
				      lib->ns, key);
	if (name)
		snprintf(ifname, IFNAMSIZ, "%s", name);
	else
		snprintf(ifname, IFNAMSIZ, "%s%u", this->prefix, if_id);
	return TRUE;
}

/* The iface_t of @if_id, created if needed; lock held. */
static iface_t *iface_get(private_kernel_espvti_ipsec_t *this, uint32_t if_id,
			  const char *ifname)
{
	enumerator_t *e;
	iface_t *i, *found = NULL;

	e = this->ifaces->create_enumerator(this->ifaces);
	while (e->enumerate(e, &i)) {
		if (i->if_id == if_id) {
			found = i;
			break;
		}
	}
	e->destroy(e);
	if (!found) {
		INIT(found, .if_id = if_id, .encap_fd = -1);
		snprintf(found->ifname, IFNAMSIZ, "%s", ifname);
		this->ifaces->insert_last(this->ifaces, found);
	}
	return found;
}

static void iface_destroy(iface_t *i)
{
	DESTROY_IF(i->local);
	DESTROY_IF(i->remote);
	free(i);
}

/* One request, serialised; logs the kernel's reason on failure. */
static int request(private_kernel_espvti_ipsec_t *this, struct nlmsghdr *nlh,
		   mnl_cb_t cb, void *data, const char *what)
{
	int err;

	err = espvti_genl_transact(this->req, nlh, cb, data);
	if (err && err != -ENOENT)
		DBG1(DBG_KNL, "kernel-espvti: %s failed: %s%s%s", what, strerror(-err),
		     this->req->err[0] ? ": " : "", this->req->err);
	return err;
}

static void put_addr(struct nlmsghdr *nlh, uint16_t type, host_t *host)
{
	chunk_t a = host->get_address(host);

	mnl_attr_put(nlh, type, a.len, a.ptr);
}

/* ESP's transforms espvti has: its algorithm, the ICV length; 0 if none. */
static uint8_t map_alg(uint16_t enc, uint16_t integ, chunk_t key, uint8_t *icv)
{
	*icv = 0;
	switch (enc) {
	case ENCR_AES_GCM_ICV16:
		*icv = 16;
		return ESPVTI_ALG_AES_GCM;
	case ENCR_AES_GCM_ICV12:
		*icv = 12;
		return ESPVTI_ALG_AES_GCM;
	case ENCR_AES_GCM_ICV8:
		*icv = 8;
		return ESPVTI_ALG_AES_GCM;
	case ENCR_CHACHA20_POLY1305:
		return ESPVTI_ALG_CHACHA20_POLY1305;
	case ENCR_NULL_AUTH_AES_GMAC:
		return ESPVTI_ALG_AES_GMAC;
	case ENCR_AES_CBC:
		switch (integ) {
		case AUTH_HMAC_SHA1_96:
			return ESPVTI_ALG_AES_CBC_HMAC_SHA1;
		case AUTH_HMAC_SHA2_256_128:
			return ESPVTI_ALG_AES_CBC_HMAC_SHA256;
		case AUTH_HMAC_SHA2_384_192:
			return ESPVTI_ALG_AES_CBC_HMAC_SHA384;
		case AUTH_HMAC_SHA2_512_256:
			return ESPVTI_ALG_AES_CBC_HMAC_SHA512;
		default:
			return 0;
		}
	default:
		return 0;
	}
}

static void put_life(struct nlmsghdr *nlh, uint16_t type, uint64_t secs,
		     uint64_t bytes, uint64_t packets)
{
	struct nlattr *nest;

	if (!secs && !bytes && !packets)
		return;
	nest = mnl_attr_nest_start(nlh, type);
	if (secs)
		mnl_attr_put_u64(nlh, ESPVTI_LIFE_A_ADD_SECS, secs);
	if (bytes)
		mnl_attr_put_u64(nlh, ESPVTI_LIFE_A_BYTES, bytes);
	if (packets)
		mnl_attr_put_u64(nlh, ESPVTI_LIFE_A_PACKETS, packets);
	mnl_attr_nest_end(nlh, nest);
}

/* A soft limit at or above its hard one is no soft limit. */
static uint64_t soft_of(uint64_t soft, uint64_t hard)
{
	return hard && soft >= hard ? 0 : soft;
}

/*
 * Point the interface at @local -> @remote, ESP raw or in UDP on charon's
 * socket; nothing is sent when it is so already. req_lock held.
 */
static bool set_peer(private_kernel_espvti_ipsec_t *this, uint32_t if_id,
		     const char *ifname, host_t *local, host_t *remote, bool encap)
{
	struct nlmsghdr *nlh;
	int fd = -1, family = remote->get_family(remote);
	uint16_t dport = encap ? remote->get_port(remote) : 0;
	iface_t *i;
	bool same;

	if (encap) {
		fd = this->udp_fd[family == AF_INET6];
		if (fd < 0) {
			DBG1(DBG_KNL,
			     "kernel-espvti: refused: UDP encapsulation on %s but charon handed in no NAT-T socket of that family",
			     ifname);
			return FALSE;
		}
	}
	this->lock->lock(this->lock);
	i = iface_get(this, if_id, ifname);
	same = i->local && i->local->ip_equals(i->local, local) &&
	       i->remote && i->remote->ip_equals(i->remote, remote) &&
	       i->encap_fd == fd && i->dport == dport;
	this->lock->unlock(this->lock);
	if (same)
		return TRUE;

	nlh = espvti_genl_msg(this->req, ESPVTI_CMD_DEV_SET, 0);
	mnl_attr_put_strz(nlh, ESPVTI_A_IFNAME, ifname);
	put_addr(nlh, ESPVTI_A_LOCAL, local);
	put_addr(nlh, ESPVTI_A_REMOTE, remote);
	if (encap) {
		mnl_attr_put_u32(nlh, ESPVTI_A_ENCAP_FD, fd);
		mnl_attr_put_u16(nlh, ESPVTI_A_ENCAP_DPORT, dport ?: ESPVTI_ENCAP_PORT);
	} else {
		mnl_attr_put_u8(nlh, ESPVTI_A_ENCAP, ESPVTI_ENCAP_NONE);
	}
	if (request(this, nlh, NULL, NULL, "setting the tunnel's endpoints"))
		return FALSE;
	DBG1(DBG_KNL, "kernel-espvti: %s: tunnel %H === %H%s", ifname, local, remote,
	     encap ? " in UDP on charon's socket" : "");
	this->lock->lock(this->lock);
	i = iface_get(this, if_id, ifname);
	DESTROY_IF(i->local);
	DESTROY_IF(i->remote);
	i->local = local->clone(local);
	i->remote = remote->clone(remote);
	i->encap_fd = fd;
	i->dport = dport;
	this->lock->unlock(this->lock);
	return TRUE;
}

METHOD(kernel_ipsec_t, get_features, kernel_feature_t,
	private_kernel_espvti_ipsec_t *this)
{
	return KERNEL_NO_POLICY_UPDATES;
}

static int spi_alloc_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr, *a;
	uint32_t *spi = data;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) != ESPVTI_A_SA)
			continue;
		mnl_attr_for_each_nested(a, attr) {
			if (mnl_attr_get_type(a) == ESPVTI_SA_A_SPI)
				*spi = mnl_attr_get_u32(a);
		}
	}
	return MNL_CB_OK;
}

METHOD(kernel_ipsec_t, get_spi, status_t, private_kernel_espvti_ipsec_t *this,
	host_t *src, host_t *dst, uint8_t protocol, uint32_t *spi)
{
	struct nlmsghdr *nlh;
	uint32_t v = 0;
	int err;

	if (protocol != IPPROTO_ESP)
		return FAILED;
	/*
	 * charon does not say for which interface: the kernel reserves the SPI
	 * for whichever interface of this namespace the CHILD_SA's inbound SA
	 * goes to (SPI_ALLOC without one); SA_DEL without one gives it back.
	 */
	if (!this->draw_spi) {
		this->req_lock->lock(this->req_lock);
		nlh = espvti_genl_msg(this->req, ESPVTI_CMD_SPI_ALLOC, 0);
		mnl_attr_put_u32(nlh, ESPVTI_A_SPI_MIN, this->spi_min);
		mnl_attr_put_u32(nlh, ESPVTI_A_SPI_MAX, this->spi_max);
		err = espvti_genl_transact(this->req, nlh, spi_alloc_cb, &v);
		if (err == -EINVAL && !v) {
			/* An espvti without reservations of no interface. */
			this->draw_spi = TRUE;
			DBG1(DBG_KNL,
			     "kernel-espvti: the espvti module reserves no SPI without an interface (%s): drawing SPIs here",
			     this->req->err);
		} else if (err || !v) {
			DBG1(DBG_KNL, "kernel-espvti: reserving an SPI failed: %s%s%s",
			     strerror(err ? -err : EPROTO), this->req->err[0] ? ": " : "",
			     this->req->err);
			this->req_lock->unlock(this->req_lock);
			return FAILED;
		}
		this->req_lock->unlock(this->req_lock);
	}
	if (this->draw_spi) {
		/* Drawn in the configured range; add_sa finds out whether it is free. */
		if (!this->rng->get_bytes(this->rng, sizeof(v), (uint8_t *)&v))
			return FAILED;
		v = this->spi_min + v % (this->spi_max - this->spi_min + 1);
	}
	DBG2(DBG_KNL, "kernel-espvti: SPI %.8x reserved", v);
	*spi = htonl(v);
	return SUCCESS;
}

METHOD(kernel_ipsec_t, get_cpi, status_t, private_kernel_espvti_ipsec_t *this,
	host_t *src, host_t *dst, uint16_t *cpi)
{
	return NOT_SUPPORTED;
}

/*
 * Whether @ifname has an outbound SA of ours. The responder of a new
 * CHILD_SA that replaces one (a make-before-break reauthentication, a
 * rekey) must not send on it before the initiator has installed its
 * inbound half: the new outbound SA waits, installed but not current,
 * until the one it replaces is deleted (espvti then falls back to it).
 */
static bool has_outbound(private_kernel_espvti_ipsec_t *this, const char *ifname)
{
	enumerator_t *e;
	sa_entry_t *sa;
	bool found = FALSE;

	this->lock->lock(this->lock);
	e = this->sas->create_enumerator(this->sas);
	while (!found && e->enumerate(e, NULL, &sa))
		found = sa->dir == ESPVTI_SA_DIR_OUT && streq(sa->ifname, ifname);
	e->destroy(e);
	this->lock->unlock(this->lock);
	return found;
}

METHOD(kernel_ipsec_t, add_sa, status_t, private_kernel_espvti_ipsec_t *this,
	kernel_ipsec_sa_id_t *id, kernel_ipsec_add_sa_t *data)
{
	char ifname[IFNAMSIZ];
	uint8_t alg, icv, dir = data->inbound ? ESPVTI_SA_DIR_IN : ESPVTI_SA_DIR_OUT;
	bool wait = FALSE;
	lifetime_cfg_t *l = data->lifetime;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	sa_entry_t *e, *old;
	host_t *local, *remote;
	int err;

	if (!if_id_to_name(this, id->if_id, ifname))
		return FAILED;
	if (id->proto != IPPROTO_ESP || data->mode != MODE_TUNNEL || data->ipcomp) {
		DBG1(DBG_KNL,
		     "kernel-espvti: refused SA %.8x on %s: espvti does ESP in tunnel mode only (no transport mode, AH or IPComp)",
		     ntohl(id->spi),
		     ifname);
		return NOT_SUPPORTED;
	}
	alg = map_alg(data->enc_alg, data->int_alg, data->enc_key, &icv);
	if (!alg) {
		DBG1(DBG_KNL,
		     "kernel-espvti: refused SA %.8x on %s: unsupported algorithm %N/%N",
		     ntohl(id->spi), ifname, encryption_algorithm_names,
		     data->enc_alg, integrity_algorithm_names, data->int_alg);
		return NOT_SUPPORTED;
	}
	local = data->inbound ? id->dst : id->src;
	remote = data->inbound ? id->src : id->dst;
	if (!data->inbound && !data->initiator)
		wait = has_outbound(this, ifname);

	this->req_lock->lock(this->req_lock);
	if (!set_peer(this, id->if_id, ifname, local, remote, data->encap)) {
		this->req_lock->unlock(this->req_lock);
		return FAILED;
	}
	nlh = espvti_genl_msg(this->req, ESPVTI_CMD_SA_ADD, 0);
	mnl_attr_put_strz(nlh, ESPVTI_A_IFNAME, ifname);
	nest = mnl_attr_nest_start(nlh, ESPVTI_A_SA);
	mnl_attr_put_u8(nlh, ESPVTI_SA_A_DIR, dir);
	mnl_attr_put_u32(nlh, ESPVTI_SA_A_SPI, ntohl(id->spi));
	mnl_attr_put_u8(nlh, ESPVTI_SA_A_ALG, alg);
	mnl_attr_put(nlh, ESPVTI_SA_A_KEY, data->enc_key.len, data->enc_key.ptr);
	if (data->enc_alg == ENCR_AES_CBC)
		mnl_attr_put(nlh, ESPVTI_SA_A_AUTH_KEY, data->int_key.len, data->int_key.ptr);
	if (icv)
		mnl_attr_put_u8(nlh, ESPVTI_SA_A_ICV_LEN, icv);
	if (data->esn)
		mnl_attr_put_u8(nlh, ESPVTI_SA_A_ESN, 1);
	if (wait)
		mnl_attr_put_u8(nlh, ESPVTI_SA_A_CURRENT, 0);
	if (data->inbound)
		mnl_attr_put_u32(nlh, ESPVTI_SA_A_REPLAY_WINDOW,
				 min(data->replay_window, 65536));
	put_life(nlh, ESPVTI_SA_A_SOFT, soft_of(l->time.rekey, l->time.life),
		 soft_of(l->bytes.rekey, l->bytes.life),
		 soft_of(l->packets.rekey, l->packets.life));
	put_life(nlh, ESPVTI_SA_A_HARD, l->time.life, l->bytes.life, l->packets.life);
	mnl_attr_nest_end(nlh, nest);
	err = request(this, nlh, NULL, NULL, "adding an SA");
	this->req_lock->unlock(this->req_lock);
	if (err)
		return FAILED;

	DBG1(DBG_KNL, "kernel-espvti: %s: added %s SA %.8x (%N)%s", ifname,
	     data->inbound ? "inbound" : "outbound", ntohl(id->spi),
	     encryption_algorithm_names, data->enc_alg,
	     wait ? ", current once the SA it replaces is deleted" : "");
	INIT(e, .spi = id->spi, .src = id->src->clone(id->src),
	     .dst = id->dst->clone(id->dst), .dir = dir, .if_id = id->if_id);
	snprintf(e->ifname, IFNAMSIZ, "%s", ifname);
	this->lock->lock(this->lock);
	old = this->sas->put(this->sas, e, e);
	this->lock->unlock(this->lock);
	if (old)
		sa_entry_destroy(old);
	return SUCCESS;
}

/* Our SA named by @id; lock held. */
static sa_entry_t *sa_find(private_kernel_espvti_ipsec_t *this,
			   kernel_ipsec_sa_id_t *id)
{
	sa_entry_t key = { .spi = id->spi, .dst = id->dst };

	return this->sas->get(this->sas, &key);
}

METHOD(kernel_ipsec_t, update_sa, status_t, private_kernel_espvti_ipsec_t *this,
	kernel_ipsec_sa_id_t *id, kernel_ipsec_update_sa_t *data)
{
	sa_entry_t key = { .spi = id->spi, .dst = id->dst }, *e;
	char ifname[IFNAMSIZ];
	uint32_t if_id;
	uint8_t dir;
	bool ok = TRUE;

	this->lock->lock(this->lock);
	e = this->sas->remove(this->sas, &key);
	if (e) {
		e->src->destroy(e->src);
		e->dst->destroy(e->dst);
		e->src = data->new_src->clone(data->new_src);
		e->dst = data->new_dst->clone(data->new_dst);
		this->sas->put(this->sas, e, e);
		dir = e->dir;
		if_id = e->if_id;
		snprintf(ifname, IFNAMSIZ, "%s", e->ifname);
	}
	this->lock->unlock(this->lock);
	if (!e)
		return NOT_FOUND;
	/* The tunnel's endpoints are those of its outbound SA. */
	if (dir == ESPVTI_SA_DIR_OUT) {
		this->req_lock->lock(this->req_lock);
		ok = set_peer(this, if_id, ifname, data->new_src, data->new_dst,
			      data->new_encap);
		this->req_lock->unlock(this->req_lock);
	}
	return ok ? SUCCESS : FAILED;
}

static int sa_get_cb(const struct nlmsghdr *nlh, void *data)
{
	uint64_t *bp = data;
	const struct nlattr *attr, *a;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) != ESPVTI_A_SA)
			continue;
		mnl_attr_for_each_nested(a, attr) {
			if (mnl_attr_get_type(a) == ESPVTI_SA_A_BYTES)
				bp[0] = mnl_attr_get_u64(a);
			if (mnl_attr_get_type(a) == ESPVTI_SA_A_PACKETS)
				bp[1] = mnl_attr_get_u64(a);
		}
	}
	return MNL_CB_OK;
}

METHOD(kernel_ipsec_t, query_sa, status_t, private_kernel_espvti_ipsec_t *this,
	kernel_ipsec_sa_id_t *id, kernel_ipsec_query_sa_t *data,
	uint64_t *bytes, uint64_t *packets, time_t *time)
{
	char ifname[IFNAMSIZ];
	uint64_t bp[2] = { 0, 0 };
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	sa_entry_t *e;
	uint8_t dir;
	int err;

	this->lock->lock(this->lock);
	e = sa_find(this, id);
	if (e) {
		dir = e->dir;
		snprintf(ifname, IFNAMSIZ, "%s", e->ifname);
	}
	this->lock->unlock(this->lock);
	if (!e)
		return NOT_FOUND;

	this->req_lock->lock(this->req_lock);
	nlh = espvti_genl_msg(this->req, ESPVTI_CMD_SA_GET, 0);
	mnl_attr_put_strz(nlh, ESPVTI_A_IFNAME, ifname);
	nest = mnl_attr_nest_start(nlh, ESPVTI_A_SA);
	mnl_attr_put_u8(nlh, ESPVTI_SA_A_DIR, dir);
	mnl_attr_put_u32(nlh, ESPVTI_SA_A_SPI, ntohl(id->spi));
	mnl_attr_nest_end(nlh, nest);
	err = request(this, nlh, sa_get_cb, bp, "querying an SA");
	this->req_lock->unlock(this->req_lock);
	if (err)
		return err == -ENOENT ? NOT_FOUND : FAILED;

	/* espvti tells when an SA was first used; last use is when it moved. */
	this->lock->lock(this->lock);
	e = sa_find(this, id);
	if (e && bp[0] != e->bytes) {
		e->bytes = bp[0];
		e->used = time_monotonic(NULL);
	}
	if (time)
		*time = e ? e->used : 0;
	this->lock->unlock(this->lock);
	if (bytes)
		*bytes = bp[0];
	if (packets)
		*packets = bp[1];
	return SUCCESS;
}

static int del_one(private_kernel_espvti_ipsec_t *this, const char *ifname,
		   uint8_t dir, uint32_t spi)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	int err;

	this->req_lock->lock(this->req_lock);
	nlh = espvti_genl_msg(this->req, ESPVTI_CMD_SA_DEL, 0);
	mnl_attr_put_strz(nlh, ESPVTI_A_IFNAME, ifname);
	nest = mnl_attr_nest_start(nlh, ESPVTI_A_SA);
	mnl_attr_put_u8(nlh, ESPVTI_SA_A_DIR, dir);
	mnl_attr_put_u32(nlh, ESPVTI_SA_A_SPI, ntohl(spi));
	mnl_attr_nest_end(nlh, nest);
	err = request(this, nlh, NULL, NULL, "deleting an SA");
	this->req_lock->unlock(this->req_lock);
	return err;
}

/* SA_DEL without an interface: an unused reservation of get_spi goes. */
static void release_spi(private_kernel_espvti_ipsec_t *this, uint32_t spi)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	int err;

	this->req_lock->lock(this->req_lock);
	nlh = espvti_genl_msg(this->req, ESPVTI_CMD_SA_DEL, 0);
	nest = mnl_attr_nest_start(nlh, ESPVTI_A_SA);
	mnl_attr_put_u8(nlh, ESPVTI_SA_A_DIR, ESPVTI_SA_DIR_IN);
	mnl_attr_put_u32(nlh, ESPVTI_SA_A_SPI, ntohl(spi));
	mnl_attr_nest_end(nlh, nest);
	err = espvti_genl_transact(this->req, nlh, NULL, NULL);
	this->req_lock->unlock(this->req_lock);
	if (!err)
		DBG1(DBG_KNL, "kernel-espvti: SPI %.8x given back (no SA took it)", ntohl(spi));
	else
		DBG2(DBG_KNL, "kernel-espvti: SA %.8x is not ours (any more)", ntohl(spi));
}

/*
 * Whether @ifname has an inbound SA of ours other than @spi: one that
 * replaces it. Lock held.
 */
static bool has_other_inbound(private_kernel_espvti_ipsec_t *this, const char *ifname,
			      uint32_t spi)
{
	enumerator_t *e;
	sa_entry_t *sa;
	bool found = FALSE;

	e = this->sas->create_enumerator(this->sas);
	while (!found && e->enumerate(e, NULL, &sa))
		found = sa->dir == ESPVTI_SA_DIR_IN && sa->spi != spi &&
			streq(sa->ifname, ifname);
	e->destroy(e);
	return found;
}

/* Monotonic time in ms. */
static uint64_t now_ms(void)
{
	timeval_t tv;

	time_monotonic(&tv);
	return (uint64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/*
 * The lingering inbound SAs whose time is up (all with @all) go now.
 * Charon's scheduler runs it; destroy() with @all.
 */
static void linger_expire(private_kernel_espvti_ipsec_t *this, bool all)
{
	linked_list_t *due = linked_list_create();
	uint64_t now = now_ms();
	enumerator_t *e;
	sa_entry_t *sa;

	this->lock->lock(this->lock);
	e = this->lingering->create_enumerator(this->lingering);
	while (e->enumerate(e, &sa)) {
		if (all || sa->linger_until <= now) {
			this->lingering->remove_at(this->lingering, e);
			due->insert_last(due, sa);
		}
	}
	e->destroy(e);
	this->lock->unlock(this->lock);
	while (due->remove_first(due, (void **)&sa) == SUCCESS) {
		if (!del_one(this, sa->ifname, sa->dir, sa->spi))
			DBG1(DBG_KNL, "kernel-espvti: %s: deleted inbound SA %.8x (lingered)",
			     sa->ifname, ntohl(sa->spi));
		sa_entry_destroy(sa);
	}
	due->destroy(due);
}

static job_requeue_t linger_job(private_kernel_espvti_ipsec_t *this)
{
	linger_expire(this, FALSE);
	return JOB_REQUEUE_NONE;
}

METHOD(kernel_ipsec_t, del_sa, status_t, private_kernel_espvti_ipsec_t *this,
	kernel_ipsec_sa_id_t *id, kernel_ipsec_del_sa_t *data)
{
	sa_entry_t key = { .spi = id->spi, .dst = id->dst }, *e;
	bool linger = FALSE;
	int err;

	/* Out of the table first: its SA_DEL_NTF is then no surprise. */
	this->lock->lock(this->lock);
	e = this->sas->remove(this->sas, &key);
	/*
	 * An inbound SA that a newer one replaces lingers: the peer may still
	 * send on it for a moment. Charon deletes the old IKE_SA's SAs of a
	 * make-before-break reauthentication as soon as the peer answers the
	 * DELETE, and the peer (the responder, whose new outbound SA waits for
	 * this deletion, see has_outbound()) answers before it deletes its own.
	 */
	if (e && e->dir == ESPVTI_SA_DIR_IN && this->linger_ms &&
	    has_other_inbound(this, e->ifname, e->spi)) {
		linger = TRUE;
		e->linger_until = now_ms() + this->linger_ms;
		this->lingering->insert_last(this->lingering, e);
	}
	this->lock->unlock(this->lock);
	if (!e) {
		/* A reserved SPI that never became an SA: give it back. */
		if (!this->draw_spi && id->spi)
			release_spi(this, id->spi);
		return SUCCESS;
	}
	if (linger) {
		DBG1(DBG_KNL,
		     "kernel-espvti: %s: inbound SA %.8x goes in %u ms (a newer one replaces it; the peer may still send on it)",
		     e->ifname, ntohl(e->spi), this->linger_ms);
		lib->scheduler->schedule_job_ms(lib->scheduler,
			(job_t *)callback_job_create((callback_job_cb_t)linger_job, this,
						     NULL, NULL),
			this->linger_ms + 100);
		return SUCCESS;
	}
	err = del_one(this, e->ifname, e->dir, e->spi);
	if (!err)
		DBG1(DBG_KNL, "kernel-espvti: %s: deleted %s SA %.8x", e->ifname,
		     e->dir == ESPVTI_SA_DIR_IN ? "inbound" : "outbound", ntohl(e->spi));
	sa_entry_destroy(e);
	return err && err != -ENOENT ? FAILED : SUCCESS;
}

/* SA_FLUSH of one interface. */
static void flush_iface(private_kernel_espvti_ipsec_t *this, const char *ifname)
{
	struct nlmsghdr *nlh;

	this->req_lock->lock(this->req_lock);
	nlh = espvti_genl_msg(this->req, ESPVTI_CMD_SA_FLUSH, 0);
	mnl_attr_put_strz(nlh, ESPVTI_A_IFNAME, ifname);
	if (!request(this, nlh, NULL, NULL, "flushing SAs"))
		DBG1(DBG_KNL, "kernel-espvti: %s: flushed its SAs", ifname);
	this->req_lock->unlock(this->req_lock);
}

METHOD(kernel_ipsec_t, flush_sas, status_t, private_kernel_espvti_ipsec_t *this)
{
	linked_list_t *names = linked_list_create();
	enumerator_t *e;
	sa_entry_t *sa;
	iface_t *i;
	char *n;

	this->lock->lock(this->lock);
	e = this->ifaces->create_enumerator(this->ifaces);
	while (e->enumerate(e, &i))
		names->insert_last(names, strdup(i->ifname));
	e->destroy(e);
	e = this->sas->create_enumerator(this->sas);
	while (e->enumerate(e, NULL, &sa)) {
		this->sas->remove_at(this->sas, e);
		sa_entry_destroy(sa);
	}
	e->destroy(e);
	/* The lingering ones go with their interfaces' flush. */
	while (this->lingering->remove_first(this->lingering, (void **)&sa) == SUCCESS)
		sa_entry_destroy(sa);
	this->lock->unlock(this->lock);
	while (names->remove_first(names, (void **)&n) == SUCCESS) {
		flush_iface(this, n);
		free(n);
	}
	names->destroy(names);
	return SUCCESS;
}

/*
 * The selector of a policy as a key and, with @nlh, as attributes; FALSE
 * when it is 0/0 both ways (the interface's default: nothing to add).
 */
static bool sel_of(traffic_selector_t *src, traffic_selector_t *dst, char *key,
		   size_t len, struct nlmsghdr *nlh, bool *ok)
{
	host_t *snet = NULL, *dnet = NULL;
	uint8_t sp = 0, dp = 0, proto = src->get_protocol(src);
	uint16_t sf = src->get_from_port(src), st = src->get_to_port(src);
	uint16_t df = dst->get_from_port(dst), dt = dst->get_to_port(dst);
	bool ports = proto != IPPROTO_ICMP && proto != IPPROTO_ICMPV6;
	bool any;

	*ok = src->to_subnet(src, &snet, &sp) & dst->to_subnet(dst, &dnet, &dp);
	if (!*ok) {
		DBG1(DBG_KNL,
		     "kernel-espvti: refused: selector %R === %R is an address range, not a prefix",
		     src, dst);
		DESTROY_IF(snet);
		DESTROY_IF(dnet);
		return FALSE;
	}
	if (!ports || (sf == 0 && st == 0xffff)) {
		sf = 0;
		st = 0;
	}
	if (!ports || (df == 0 && dt == 0xffff)) {
		df = 0;
		dt = 0;
	}
	any = !sp && !dp && !proto && !sf && !st && !df && !dt;
	{
		chunk_t sa = snet->get_address(snet), da = dnet->get_address(dnet);
		size_t o;

		o = snprintf(key, len, "%u:%u:%u:%u-%u:%u-%u:", sp, dp, proto, sf, st, df, dt);
		for (size_t k = 0; k < sa.len && o + 3 < len; k++)
			o += snprintf(key + o, len - o, "%02x", sa.ptr[k]);
		for (size_t k = 0; k < da.len && o + 3 < len; k++)
			o += snprintf(key + o, len - o, "%02x", da.ptr[k]);
	}
	if (!any && nlh) {
		struct nlattr *nest = mnl_attr_nest_start(nlh, ESPVTI_A_SEL);

		mnl_attr_put_u16(nlh, ESPVTI_SEL_A_FAMILY, snet->get_family(snet));
		if (sp) {
			put_addr(nlh, ESPVTI_SEL_A_SRC, snet);
			mnl_attr_put_u8(nlh, ESPVTI_SEL_A_SRC_PREFIX, sp);
		}
		if (dp) {
			put_addr(nlh, ESPVTI_SEL_A_DST, dnet);
			mnl_attr_put_u8(nlh, ESPVTI_SEL_A_DST_PREFIX, dp);
		}
		if (proto)
			mnl_attr_put_u8(nlh, ESPVTI_SEL_A_PROTO, proto);
		if (sf || st) {
			mnl_attr_put_u16(nlh, ESPVTI_SEL_A_SPORT_MIN, sf);
			mnl_attr_put_u16(nlh, ESPVTI_SEL_A_SPORT_MAX, st);
		}
		if (df || dt) {
			mnl_attr_put_u16(nlh, ESPVTI_SEL_A_DPORT_MIN, df);
			mnl_attr_put_u16(nlh, ESPVTI_SEL_A_DPORT_MAX, dt);
		}
		mnl_attr_nest_end(nlh, nest);
	}
	snet->destroy(snet);
	dnet->destroy(dnet);
	return !any;
}

METHOD(kernel_ipsec_t, add_policy, status_t, private_kernel_espvti_ipsec_t *this,
	kernel_ipsec_policy_id_t *id, kernel_ipsec_manage_policy_t *data)
{
	char ifname[IFNAMSIZ], key[200];
	struct nlmsghdr *nlh;
	sel_entry_t *s;
	bool ok, narrow;
	iface_t *i;
	int err;

	/* The interface carries both ways: the outbound policy is its selector. */
	if (id->dir != POLICY_OUT || data->type != POLICY_IPSEC)
		return SUCCESS;
	if (!if_id_to_name(this, id->if_id, ifname))
		return FAILED;
	this->lock->lock(this->lock);
	i = iface_get(this, id->if_id, ifname);
	if (data->sa && (data->prio == POLICY_PRIORITY_ROUTED || !i->reqid))
		i->reqid = data->sa->reqid;
	this->lock->unlock(this->lock);

	this->req_lock->lock(this->req_lock);
	nlh = espvti_genl_msg(this->req, ESPVTI_CMD_SEL_ADD, 0);
	mnl_attr_put_strz(nlh, ESPVTI_A_IFNAME, ifname);
	narrow = sel_of(id->src_ts, id->dst_ts, key, sizeof(key), nlh, &ok);
	if (!narrow) {
		this->req_lock->unlock(this->req_lock);
		return ok ? SUCCESS : NOT_SUPPORTED;
	}
	this->lock->lock(this->lock);
	s = this->sels->get(this->sels, key);
	if (s)
		s->refs++;
	this->lock->unlock(this->lock);
	if (s) {
		this->req_lock->unlock(this->req_lock);
		return SUCCESS;
	}
	err = request(this, nlh, NULL, NULL, "adding a selector");
	this->req_lock->unlock(this->req_lock);
	if (err && err != -EEXIST)
		return FAILED;
	DBG1(DBG_KNL, "kernel-espvti: %s: selector %R === %R", ifname, id->src_ts,
	     id->dst_ts);
	INIT(s, .key = strdup(key), .refs = 1);
	this->lock->lock(this->lock);
	s = this->sels->put(this->sels, s->key, s);
	this->lock->unlock(this->lock);
	if (s) {
		free(s->key);
		free(s);
	}
	return SUCCESS;
}

METHOD(kernel_ipsec_t, query_policy, status_t, private_kernel_espvti_ipsec_t *this,
	kernel_ipsec_policy_id_t *id, kernel_ipsec_query_policy_t *data,
	time_t *use_time)
{
	return NOT_SUPPORTED;
}

METHOD(kernel_ipsec_t, del_policy, status_t, private_kernel_espvti_ipsec_t *this,
	kernel_ipsec_policy_id_t *id, kernel_ipsec_manage_policy_t *data)
{
	char ifname[IFNAMSIZ], key[200];
	struct nlmsghdr *nlh;
	sel_entry_t *s;
	bool ok, last = FALSE;

	if (id->dir != POLICY_OUT || data->type != POLICY_IPSEC ||
	    !if_id_to_name(this, id->if_id, ifname))
		return SUCCESS;
	this->req_lock->lock(this->req_lock);
	nlh = espvti_genl_msg(this->req, ESPVTI_CMD_SEL_DEL, 0);
	mnl_attr_put_strz(nlh, ESPVTI_A_IFNAME, ifname);
	if (sel_of(id->src_ts, id->dst_ts, key, sizeof(key), nlh, &ok)) {
		this->lock->lock(this->lock);
		s = this->sels->get(this->sels, key);
		if (s && --s->refs == 0) {
			this->sels->remove(this->sels, key);
			free(s->key);
			free(s);
			last = TRUE;
		}
		this->lock->unlock(this->lock);
		if (last)
			request(this, nlh, NULL, NULL, "deleting a selector");
	}
	this->req_lock->unlock(this->req_lock);
	return SUCCESS;
}

METHOD(kernel_ipsec_t, flush_policies, status_t, private_kernel_espvti_ipsec_t *this)
{
	return SUCCESS;
}

METHOD(kernel_ipsec_t, bypass_socket, bool, private_kernel_espvti_ipsec_t *this,
	int fd, int family)
{
	/* espvti has no global policies: IKE's packets need no bypass. */
	return TRUE;
}

METHOD(kernel_ipsec_t, enable_udp_decap, bool, private_kernel_espvti_ipsec_t *this,
	int fd, int family, uint16_t port)
{
	/*
	 * Kept until a CHILD_SA needs UDP encapsulation: then the interface
	 * takes this socket (DEV_SET encap-fd); IKE keeps reaching charon.
	 */
	if (family != AF_INET && family != AF_INET6)
		return FALSE;
	this->udp_fd[family == AF_INET6] = fd;
	DBG1(DBG_KNL,
	     "kernel-espvti: NAT-T socket for IPv%d on port %u kept for espvti's ESP in UDP",
	     family == AF_INET ? 4 : 6, port);
	return TRUE;
}

/* Events. */

static int attrs_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_get_type(attr) <= ESPVTI_A_MAX)
		tb[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

static int nested_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_get_type(attr) <= 32)
		tb[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

static host_t *host_of(const struct nlattr *a, uint16_t port)
{
	uint16_t len = mnl_attr_get_payload_len(a);

	return host_create_from_chunk(len == 4 ? AF_INET : AF_INET6,
				      chunk_create(mnl_attr_get_payload(a), len), port);
}

/*
 * The SA of @ifname with @dir and @spi (host order) taken out of the
 * table (@take) or copied: SPI and destination, for charon.
 */
static bool sa_lookup(private_kernel_espvti_ipsec_t *this, const char *ifname,
		      uint8_t dir, uint32_t spi, bool take, uint32_t *spi_out,
		      host_t **dst)
{
	enumerator_t *e;
	sa_entry_t *sa, *found = NULL;

	this->lock->lock(this->lock);
	e = this->sas->create_enumerator(this->sas);
	while (e->enumerate(e, NULL, &sa)) {
		if (streq(sa->ifname, ifname) && (!dir || sa->dir == dir) &&
		    (!spi || sa->spi == htonl(spi))) {
			found = sa;
			if (take)
				this->sas->remove_at(this->sas, e);
			if (spi)
				break;
		}
	}
	e->destroy(e);
	if (found) {
		*spi_out = found->spi;
		*dst = found->dst->clone(found->dst);
		if (take)
			sa_entry_destroy(found);
	}
	this->lock->unlock(this->lock);
	return found;
}

static void event_sa(private_kernel_espvti_ipsec_t *this, uint8_t cmd,
		     const struct nlattr **tb)
{
	const struct nlattr *sa[33] = { NULL };
	const char *ifname = mnl_attr_get_str(tb[ESPVTI_A_IFNAME]);
	uint32_t spi, nspi;
	uint8_t dir, what;
	host_t *dst;
	bool hard;

	if (!tb[ESPVTI_A_SA])
		return;
	mnl_attr_parse_nested(tb[ESPVTI_A_SA], nested_cb, sa);
	if (!sa[ESPVTI_SA_A_DIR] || !sa[ESPVTI_SA_A_SPI])
		return;
	dir = mnl_attr_get_u8(sa[ESPVTI_SA_A_DIR]);
	spi = mnl_attr_get_u32(sa[ESPVTI_SA_A_SPI]);
	if (cmd == ESPVTI_CMD_SA_EXPIRE_NTF) {
		if (!tb[ESPVTI_A_EXPIRE])
			return;
		hard = mnl_attr_get_u8(tb[ESPVTI_A_EXPIRE]) == ESPVTI_EXPIRE_HARD;
		if (!sa_lookup(this, ifname, dir, spi, hard, &nspi, &dst))
			return;
		DBG1(DBG_KNL, "kernel-espvti: %s: %s SA %.8x reached its %s lifetime",
		     ifname, dir == ESPVTI_SA_DIR_IN ? "inbound" : "outbound", spi,
		     hard ? "hard" : "soft");
	} else {
		/* Removed, not by us (ours are out of the table first). */
		what = tb[ESPVTI_A_REASON] ? mnl_attr_get_u8(tb[ESPVTI_A_REASON]) : 0;
		if (!sa_lookup(this, ifname, dir, spi, TRUE, &nspi, &dst))
			return;
		DBG1(DBG_KNL,
		     "kernel-espvti: %s: SA %.8x was removed (reason %u): a hard expiry for charon",
		     ifname, spi, what);
		hard = TRUE;
	}
	charon->kernel->expire(charon->kernel, IPPROTO_ESP, nspi, dst, hard);
	dst->destroy(dst);
}

static traffic_selector_t *ts_of(const struct nlattr **fl, uint16_t addr,
				 uint16_t pmin, uint16_t pmax)
{
	uint8_t proto = fl[ESPVTI_SEL_A_PROTO] ? mnl_attr_get_u8(fl[ESPVTI_SEL_A_PROTO]) : 0;
	uint16_t from = fl[pmin] ? mnl_attr_get_u16(fl[pmin]) : 0;
	uint16_t to = fl[pmax] ? mnl_attr_get_u16(fl[pmax]) : 0xffff;
	traffic_selector_t *ts;
	host_t *h;

	if (!fl[addr])
		return NULL;
	h = host_of(fl[addr], 0);
	if (!h)
		return NULL;
	ts = traffic_selector_create_from_subnet(h, h->get_family(h) == AF_INET ? 32 : 128,
						 proto, from, to);
	return ts;
}

static void event_acquire(private_kernel_espvti_ipsec_t *this, const struct nlattr **tb)
{
	const struct nlattr *fl[33] = { NULL };
	const char *ifname = mnl_attr_get_str(tb[ESPVTI_A_IFNAME]);
	kernel_acquire_data_t data = { NULL };
	uint32_t reqid = 0;
	enumerator_t *e;
	iface_t *i;

	this->lock->lock(this->lock);
	e = this->ifaces->create_enumerator(this->ifaces);
	while (e->enumerate(e, &i)) {
		if (streq(i->ifname, ifname))
			reqid = i->reqid;
	}
	e->destroy(e);
	this->lock->unlock(this->lock);
	if (!reqid) {
		DBG2(DBG_KNL, "kernel-espvti: %s: acquire for no policy of ours", ifname);
		return;
	}
	if (tb[ESPVTI_A_FLOW]) {
		mnl_attr_parse_nested(tb[ESPVTI_A_FLOW], nested_cb, fl);
		data.src = ts_of(fl, ESPVTI_SEL_A_SRC, ESPVTI_SEL_A_SPORT_MIN,
				 ESPVTI_SEL_A_SPORT_MAX);
		data.dst = ts_of(fl, ESPVTI_SEL_A_DST, ESPVTI_SEL_A_DPORT_MIN,
				 ESPVTI_SEL_A_DPORT_MAX);
	}
	DBG1(DBG_KNL, "kernel-espvti: %s: acquire for reqid {%u}", ifname, reqid);
	charon->kernel->acquire(charon->kernel, reqid, &data);
	DESTROY_IF(data.src);
	DESTROY_IF(data.dst);
}

static void event_nat(private_kernel_espvti_ipsec_t *this, const struct nlattr **tb)
{
	const char *ifname = mnl_attr_get_str(tb[ESPVTI_A_IFNAME]);
	host_t *dst, *remote;
	uint32_t spi;

	if (!tb[ESPVTI_A_REMOTE] || !tb[ESPVTI_A_ENCAP_DPORT])
		return;
	/* charon finds the CHILD_SA by an inbound SA of the tunnel. */
	if (!sa_lookup(this, ifname, ESPVTI_SA_DIR_IN, 0, FALSE, &spi, &dst))
		return;
	remote = host_of(tb[ESPVTI_A_REMOTE], mnl_attr_get_u16(tb[ESPVTI_A_ENCAP_DPORT]));
	if (remote) {
		DBG1(DBG_KNL, "kernel-espvti: %s: the peer is at %#H now (NAT)", ifname,
		     remote);
		charon->kernel->mapping(charon->kernel, IPPROTO_ESP, spi, dst, remote);
		remote->destroy(remote);
	}
	dst->destroy(dst);
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	private_kernel_espvti_ipsec_t *this = data;
	const struct nlattr *tb[ESPVTI_A_MAX + 1] = { NULL };
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != this->ev->family)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*g), attrs_cb, tb);
	if (!tb[ESPVTI_A_IFNAME])
		return MNL_CB_OK;
	switch (g->cmd) {
	case ESPVTI_CMD_SA_EXPIRE_NTF:
	case ESPVTI_CMD_SA_DEL_NTF:
		event_sa(this, g->cmd, tb);
		break;
	case ESPVTI_CMD_ACQUIRE_NTF:
		event_acquire(this, tb);
		break;
	case ESPVTI_CMD_NAT_CHANGE_NTF:
		event_nat(this, tb);
		break;
	default:
		break;
	}
	return MNL_CB_OK;
}

/* charon's watcher: the event socket is readable. */
static bool receive_events(private_kernel_espvti_ipsec_t *this, int fd,
			   watcher_event_t event)
{
	int len;

	len = recv(fd, this->ev->buf, sizeof(this->ev->buf), MSG_DONTWAIT);
	if (len < 0) {
		if (errno == ENOBUFS)
			DBG1(DBG_KNL, "kernel-espvti: events were lost (socket buffer full)");
		return TRUE;
	}
	mnl_cb_run(this->ev->buf, len, 0, 0, event_cb, this);
	return TRUE;
}

/* Flush the SAs of the interfaces that are ours by configuration. */
static int dev_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	linked_list_t *names = data;
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) == ESPVTI_A_IFNAME)
			names->insert_last(names, strdup(mnl_attr_get_str(attr)));
	}
	return MNL_CB_OK;
}

static bool is_ours(private_kernel_espvti_ipsec_t *this, const char *name)
{
	size_t n = strlen(this->prefix);
	enumerator_t *e;
	char *k, *v;
	bool ours = FALSE;

	if (!strncmp(name, this->prefix, n) && name[n] &&
	    strspn(name + n, "0123456789") == strlen(name + n))
		return TRUE;
	e = lib->settings->create_key_value_enumerator(lib->settings, CFG ".interfaces",
						       lib->ns);
	while (!ours && e->enumerate(e, &k, &v))
		ours = streq(v, name);
	e->destroy(e);
	return ours;
}

static void flush_on_start(private_kernel_espvti_ipsec_t *this)
{
	linked_list_t *names = linked_list_create();
	struct nlmsghdr *nlh;
	char *n;

	nlh = espvti_genl_msg(this->req, ESPVTI_CMD_DEV_GET, NLM_F_DUMP);
	request(this, nlh, dev_dump_cb, names, "listing espvti interfaces");
	while (names->remove_first(names, (void **)&n) == SUCCESS) {
		if (is_ours(this, n))
			flush_iface(this, n);
		free(n);
	}
	names->destroy(names);
}

METHOD(kernel_ipsec_t, destroy, void, private_kernel_espvti_ipsec_t *this)
{
	/* Charon flushed the scheduler (and linger_job) before unloading us. */
	if (this->lingering && this->req)
		linger_expire(this, TRUE);
	if (this->ev) {
		lib->watcher->remove(lib->watcher, mnl_socket_get_fd(this->ev->sock));
		espvti_genl_close(this->ev);
	}
	espvti_genl_close(this->req);
	if (this->sas)
		this->sas->destroy_function(this->sas, (void *)sa_entry_destroy);
	if (this->lingering)
		this->lingering->destroy_function(this->lingering, (void *)sa_entry_destroy);
	if (this->sels)
		this->sels->destroy(this->sels);
	if (this->ifaces)
		this->ifaces->destroy_function(this->ifaces, (void *)iface_destroy);
	DESTROY_IF(this->rng);
	DESTROY_IF(this->lock);
	DESTROY_IF(this->req_lock);
	free(this);
}

kernel_ipsec_t *kernel_espvti_ipsec_create(void)
{
	private_kernel_espvti_ipsec_t *this;
	int err;

	INIT(this, .public = {
			.get_features = _get_features,
			.get_spi = _get_spi,
			.get_cpi = _get_cpi,
			.add_sa = _add_sa,
			.update_sa = _update_sa,
			.query_sa = _query_sa,
			.del_sa = _del_sa,
			.flush_sas = _flush_sas,
			.add_policy = _add_policy,
			.query_policy = _query_policy,
			.del_policy = _del_policy,
			.flush_policies = _flush_policies,
			.bypass_socket = _bypass_socket,
			.enable_udp_decap = _enable_udp_decap,
			.destroy = _destroy,
		},
		.req_lock = mutex_create(MUTEX_TYPE_DEFAULT),
		.lock = mutex_create(MUTEX_TYPE_DEFAULT),
		.sas = hashtable_create((hashtable_hash_t)sa_hash,
					(hashtable_equals_t)sa_equals, 32),
		.sels = hashtable_create((hashtable_hash_t)sel_hash,
					 (hashtable_equals_t)sel_equals, 16),
		.ifaces = linked_list_create(),
		.lingering = linked_list_create(),
		.linger_ms = lib->settings->get_int(lib->settings, CFG ".inbound_linger_ms",
						    2000, lib->ns),
		.rng = lib->crypto->create_rng(lib->crypto, RNG_WEAK),
		.spi_min = lib->settings->get_int(lib->settings, CFG ".spi_min",
						  0xc0000000, lib->ns),
		.spi_max = lib->settings->get_int(lib->settings, CFG ".spi_max",
						  0xcfffffff, lib->ns),
		.prefix = lib->settings->get_str(lib->settings, CFG ".ifname_prefix",
						 "espvti", lib->ns),
		.udp_fd = { -1, -1 },
	);
	if (this->spi_min < 256)
		this->spi_min = 256;
	if (this->spi_max < this->spi_min)
		this->spi_max = this->spi_min;
	if (!this->rng) {
		DBG1(DBG_KNL, "kernel-espvti: no RNG (load the random plugin)");
		destroy(this);
		return NULL;
	}
	this->req = espvti_genl_open();
	this->ev = espvti_genl_open();
	if (!this->req || !this->ev) {
		DBG1(DBG_KNL,
		     "kernel-espvti: the espvti module is not loaded (no generic netlink family \"%s\")",
		     ESPVTI_GENL_NAME);
		destroy(this);
		return NULL;
	}
	err = espvti_genl_subscribe(this->ev);
	if (err) {
		DBG1(DBG_KNL, "kernel-espvti: cannot receive espvti's events: %s%s%s",
		     strerror(-err), this->ev->err[0] ? ": " : "", this->ev->err);
		espvti_genl_close(this->ev);
		this->ev = NULL;
		destroy(this);
		return NULL;
	}
	flush_on_start(this);
	lib->watcher->add(lib->watcher, mnl_socket_get_fd(this->ev->sock),
			  WATCHER_READ, (watcher_cb_t)receive_events, this);
	DBG1(DBG_KNL,
	     "kernel-espvti: keying espvti interfaces (if_id N: charon.plugins.kernel-espvti.interfaces.N, else %sN)",
	     this->prefix);
	return &this->public;
}
