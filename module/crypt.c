// SPDX-License-Identifier: GPL-2.0
/*
 * One SA's crypto on every CPU, its packets in order.
 *
 * Every packet of an interface, in either direction, joins the
 * interface's ordered queue for that direction (struct espvti_oq) in the
 * order it must leave: outbound in sequence-number order (an SA's numbers
 * are taken under its lock, with the queue's lock taken inside it to
 * append), inbound in arrival order. Its AEAD request then runs either
 * here, on the CPU that queued it, or on another online CPU's crypto
 * worker. Whoever completes a request marks its packet done and has the
 * queue flushed: the done packets at its head leave in order (sent, or
 * replay-checked and delivered), one flusher at a time, so order on the
 * wire and into the stack is the queue's whatever CPU finished first.
 *
 * One queue per interface and direction, not per SA: at a rekey the old
 * SA's last packets and the new SA's first leave in the order they came,
 * as one SA's do. Outbound, the flush runs on one CPU only (oq->serial; a
 * completion elsewhere queues the queue's flush work there), because what
 * leaves goes through per-CPU queues next (a device's backlog, a NIC queue
 * chosen by CPU): two CPUs flushing in turn would have those reorder it
 * (load.sh: 40 times XFRM's TCP retransmits, no drop). Inbound, the flush
 * is the interface's NAPI poll (espvti_rx_poll()), which a completion
 * schedules: one NAPI runs on one CPU at a time and hands its packets to
 * the stack there, through its own GRO, flushed before it stops; so it may
 * run wherever the decryption finished (as WireGuard's per-peer NAPI), and
 * order into the stack is still the queue's. The NAPI is a netdevice's
 * like any driver's: /sys/class/net/IF/threaded moves it into a kernel
 * thread the scheduler places.
 *
 * Small packets are decrypted where they arrive (the hand-off costs more
 * than their crypto), which is the CPU that takes the underlay's packets
 * in (a NIC queue's, RPS's). While a tunnel is busy with them (another
 * within a jiffy, and the interface sending no large packets), the
 * NAPI is scheduled on the next online CPU instead (oq->deliver), by an
 * IPI as RPS does for its backlogs: the stack's work past the tunnel
 * (the inner packet's socket, routing, forwarding) leaves that CPU, which
 * was the bottleneck while the others idled. Only an idle NAPI is sent;
 * a running one polls again before it stops, wherever it is. Not while
 * the interface sends large packets: a TCP sender's ACKs would take its
 * transmissions to the other CPU, away from its own. An idle tunnel's
 * packet is delivered where it was decrypted (no IPI in its latency).
 *
 * Why not padata (pcrypt): it is a built-in option (CONFIG_PADATA) that
 * distributions need not enable and our debug kernel does not; it hands
 * every request off, where small packets and an idle tunnel are cheaper
 * done in place; and its serial callback runs from a work item too. This
 * is WireGuard's scheme (per-CPU workers, an ordered per-peer queue, a
 * per-peer serial CPU), with the hand-off only when the queue is busy.
 *
 * When a packet goes elsewhere (espvti_crypt_cpu()): never for small
 * packets (below ESPVTI_PAR_MIN bytes the hand-off costs more than the
 * crypto), never when the queue is idle (nothing queued and no large
 * packet in the last jiffy), never on one CPU; otherwise the packets go
 * round the other online CPUs in turn. The queueing CPU has the rest of
 * the packet's path besides (the stack, the socket, the device): it does
 * the crypto itself only when the other CPU's worker is behind, with
 * ESPVTI_WORKER_MAX packets waiting, so the balance between the two
 * follows the load (a fixed turn of its own, in a round of all CPUs, left
 * the other CPU half idle while this one was saturated). A queue with
 * ESPVTI_OQ_MAX packets takes no more: they are dropped and counted
 * (tx_queue_full, rx_queue_full).
 *
 * Locking and lifetimes: a queue is under its lock (BH), nested inside
 * sa->lock where both are held; the flusher takes sa->lock alone, after
 * the queue's, to move an inbound SA's window. A queued packet holds a
 * reference on its SA, which holds the interface: deleting either waits
 * for the packets in flight, which complete in bounded time (bounded
 * queues). The workers run with BH disabled, which is also the RCU read
 * side under which a CPU may still touch an SA (and its interface) whose
 * last packet another CPU just finished. A queue's flush work, while
 * queued, holds a reference on the interface. Module unload destroys the
 * workqueue after the interfaces are gone, which drains it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/aead.h>
#include <linux/cpumask.h>
#include <linux/llist.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/scatterlist.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/workqueue.h>

#include "espvti.h"

/* Off: every packet's crypto where it was queued (to compare, in the bench). */
static bool parallel = true;
module_param(parallel, bool, 0644);
MODULE_PARM_DESC(parallel, "Spread one SA's crypto over all online CPUs (default on)");
/* Off: the NAPI delivers on the CPU that decrypted (to compare, in the bench). */
static bool rx_spread = true;
module_param(rx_spread, bool, 0644);
MODULE_PARM_DESC(rx_spread,
		 "Deliver a busy tunnel's small received packets on the next CPU (default on)");

/* Smaller packets are always done in place. */
#define ESPVTI_PAR_MIN		512
/*
 * Packets waiting for one CPU's worker, at most: beyond, the packet's
 * crypto runs where it was queued. Enough to cover the worker's wake-up;
 * short, since every packet waiting is latency for its flow.
 */
#define ESPVTI_WORKER_MAX	16
/* A queue idle this long may move its flushing CPU. */
#define ESPVTI_OQ_IDLE		(HZ / 10)
/* Packets on one ordered queue (an interface's direction), at most. */
#define ESPVTI_OQ_MAX		4096

struct espvti_worker {
	struct llist_head list;		/* espvti_pkt.wnode, newest first */
	atomic_t n;			/* on list */
	struct work_struct work;
};

static DEFINE_PER_CPU(struct espvti_worker, espvti_workers);
static struct workqueue_struct *espvti_crypt_wq;

/*
 * Packet states are recycled on each CPU, so that a flowing tunnel does
 * not allocate per packet (an allocation also costs a memset of all of it
 * where init_on_alloc is on, as on Debian's kernels): a state that fits
 * ESPVTI_PKT_SIZE bytes (an AEAD's request with a few fragments:
 * rfc4106-gcm-aesni's takes 360 with one) comes from this CPU's cache, or
 * from kmalloc when it is empty; a larger one (authenc's) is allocated
 * and freed.
 *
 * A state goes back to the cache of the CPU that took it (its home):
 * freed there, into the cache (when it is full, to kfree); freed on
 * another CPU (where the crypto or the NAPI poll ran), onto the home's
 * remote list, a lock-free llist that any CPU adds to and only the home
 * takes from (llist_del_all(), when its cache is empty). A CPU keeps up
 * to ESPVTI_PKT_CACHED states (64 KiB): a GSO packet's segments (up to 45
 * of 1,400 bytes) and a NAPI poll's packets (64) are taken at once, and
 * two of them can be in flight; with 32 and no remote list, 57 % of one
 * TCP flow's outbound states and 29 % of its inbound ones were a kmalloc()
 * and a kfree() (tests/bench.sh --profile). The remote lists hold
 * at most what was in flight at once (the queues are bounded).
 *
 * Used with BH disabled only, as the whole packet path is (never from a
 * hard interrupt), under get_cpu_ptr(); emptied at module unload.
 */
#define ESPVTI_PKT_SIZE		512
#define ESPVTI_PKT_CACHED	128

struct espvti_pkt_cache {
	unsigned int n;
	struct espvti_pkt *free[ESPVTI_PKT_CACHED];
	struct llist_head remote;	/* espvti_pkt.wnode, freed on other CPUs */
};

static DEFINE_PER_CPU(struct espvti_pkt_cache, espvti_pkt_caches);

/* Into @c what other CPUs gave back to it; what does not fit is freed. */
static void espvti_pkt_reclaim(struct espvti_pkt_cache *c)
{
	struct llist_node *node = llist_del_all(&c->remote);
	struct espvti_pkt *pkt, *next;

	llist_for_each_entry_safe(pkt, next, node, wnode) {
		if (c->n < ESPVTI_PKT_CACHED)
			c->free[c->n++] = pkt;
		else
			kfree(pkt);
	}
}

static struct espvti_pkt *espvti_pkt_get(size_t len)
{
	struct espvti_pkt_cache *c;
	struct espvti_pkt *pkt;

	if (len > ESPVTI_PKT_SIZE) {
		pkt = kmalloc(len, GFP_ATOMIC);
		if (pkt)
			pkt->cached = false;
		return pkt;
	}
	c = get_cpu_ptr(&espvti_pkt_caches);
	if (!c->n && !llist_empty(&c->remote))
		espvti_pkt_reclaim(c);
	if (c->n)
		pkt = c->free[--c->n];
	else
		pkt = kmalloc(ESPVTI_PKT_SIZE, GFP_ATOMIC);
	if (pkt) {
		pkt->cached = true;
		pkt->home = smp_processor_id();
	}
	put_cpu_ptr(&espvti_pkt_caches);
	return pkt;
}

/* Free @pkt, which holds nothing any more. */
void espvti_pkt_free(struct espvti_pkt *pkt)
{
	struct espvti_pkt_cache *c;

	if (!pkt->cached) {
		kfree(pkt);
		return;
	}
	c = get_cpu_ptr(&espvti_pkt_caches);
	if (pkt->home != smp_processor_id())
		llist_add(&pkt->wnode, &per_cpu_ptr(&espvti_pkt_caches, pkt->home)->remote);
	else if (c->n < ESPVTI_PKT_CACHED)
		c->free[c->n++] = pkt;
	else
		kfree(pkt);
	put_cpu_ptr(&espvti_pkt_caches);
}

/* The IV, request and scatterlist follow struct espvti_pkt. */
u8 *espvti_pkt_iv(const struct espvti_pkt *pkt)
{
	return PTR_ALIGN((u8 *)(pkt + 1), crypto_aead_alignmask(pkt->sa->aead) + 1);
}

static struct aead_request *espvti_pkt_req(const struct espvti_pkt *pkt)
{
	return (void *)PTR_ALIGN(espvti_pkt_iv(pkt) + ESPVTI_MAX_IV, crypto_tfm_ctx_alignment());
}

static struct scatterlist *espvti_pkt_sg(const struct espvti_pkt *pkt)
{
	struct aead_request *req = espvti_pkt_req(pkt);

	return (void *)ALIGN((unsigned long)(req + 1) + crypto_aead_reqsize(pkt->sa->aead),
			     __alignof__(struct scatterlist));
}

/*
 * A packet's state for @sa, with room for a request of @nfrags entries;
 * it takes over the caller's reference on @sa and @skb. NULL: no memory.
 */
struct espvti_pkt *espvti_pkt_alloc(struct espvti_sa *sa, struct sk_buff *skb, int nfrags)
{
	struct crypto_aead *aead = sa->aead;
	struct espvti_pkt *pkt;
	size_t len = sizeof(*pkt);

	len += crypto_aead_alignmask(aead) + ESPVTI_MAX_IV;
	len = ALIGN(len, crypto_tfm_ctx_alignment());
	len += sizeof(struct aead_request) + crypto_aead_reqsize(aead);
	len = ALIGN(len, __alignof__(struct scatterlist));
	len += sizeof(struct scatterlist) * nfrags;
	pkt = espvti_pkt_get(len);
	if (!pkt)
		return NULL;
	pkt->skb = skb;
	pkt->sa = sa;
	pkt->nfrags = nfrags;
	pkt->state = ESPVTI_PKT_PENDING;
	pkt->err = 0;		/* a failure before the crypto (espvti_crypt_fail()) sets none */
	pkt->why = __ESPVTI_STAT_MAX;
	return pkt;
}

/* The online CPU after @cpu, round the mask. */
static int espvti_next_online(int cpu)
{
	cpu = cpumask_next(cpu, cpu_online_mask);
	return cpu < nr_cpu_ids ? cpu : cpumask_first(cpu_online_mask);
}

/*
 * Where the crypto of the next packet of @len bytes on @oq runs: -1 here,
 * or a CPU. oq->lock held; @ahead: packets of the same batch before it.
 *
 * The queue's flushing CPU is chosen here too (a queue flushed by a NAPI
 * has none): the CPU a packet comes on
 * after the queue has been idle (empty, nothing queued for ESPVTI_OQ_IDLE),
 * when what left before has long been through the per-CPU queues after
 * it (a jiffy was not enough on a loaded guest, whose softirqs wait for
 * ksoftirqd: the bench saw replay drops); while traffic flows it stays
 * (unless it goes offline). So a flow's packets, which mostly come on one
 * CPU, are flushed on that CPU. An inbound queue's NAPI CPU for what is
 * decrypted here (oq->deliver) is chosen here as well (the top of this
 * file).
 */
int espvti_crypt_cpu(struct espvti_oq *oq, unsigned int len, unsigned int ahead)
{
	unsigned long now = jiffies;
	bool busy, spread;
	int cpu;

	if (!READ_ONCE(parallel) || num_online_cpus() < 2) {
		WRITE_ONCE(oq->deliver, -1);
		return -1;
	}
	if (oq->napi) {
		const struct espvti_dev *edev = container_of(oq->napi, struct espvti_dev, napi);

		/* Busy with small packets, and not sending large ones. */
		spread = READ_ONCE(rx_spread) && len < ESPVTI_PAR_MIN &&
			 (oq->n || time_before_eq(now, oq->seen + 1)) &&
			 time_after(now, READ_ONCE(edev->oq[0].last) + 1);
		oq->seen = now;
		WRITE_ONCE(oq->deliver, spread ? espvti_next_online(smp_processor_id()) : -1);
	} else {
		if (oq->serial < 0 || !cpu_online(oq->serial) ||
		    (!oq->n && !ahead && time_after(now, oq->seen + ESPVTI_OQ_IDLE)))
			WRITE_ONCE(oq->serial, smp_processor_id());
		oq->seen = now;
	}
	busy = ahead || oq->n || time_before_eq(now, oq->last + 1);
	if (len < ESPVTI_PAR_MIN)
		return -1;
	WRITE_ONCE(oq->last, now);	/* read by the inbound queue, unlocked */
	if (!busy)
		return -1;
	/* The other CPUs in turn: this one is skipped. */
	cpu = espvti_next_online(oq->rr);
	if (cpu == smp_processor_id())
		cpu = espvti_next_online(cpu);
	oq->rr = cpu;
	return cpu == smp_processor_id() ? -1 : cpu;
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_crypt_cpu);

/*
 * Append @pkt to @oq; oq->lock held. False: the queue is full (the caller
 * drops the packet).
 */
bool espvti_oq_add(struct espvti_oq *oq, struct espvti_pkt *pkt)
{
	if (unlikely(oq->n >= ESPVTI_OQ_MAX))
		return false;
	list_add_tail(&pkt->node, &oq->list);
	oq->n++;
	return true;
}

/*
 * Inbound packets leaving their queue, in order: each moves its SA's
 * window now (authentic), under that SA's lock, taken once for a run of
 * one SA's packets.
 */
static void espvti_oq_advance(struct list_head *out)
{
	struct espvti_pkt *pkt = list_first_entry(out, struct espvti_pkt, node);
	struct espvti_sa *sa;

	while (!list_entry_is_head(pkt, out, node)) {
		sa = pkt->sa;
		spin_lock(&sa->lock);
		do {
			espvti_rx_advance(pkt);
			pkt = list_next_entry(pkt, node);
		} while (!list_entry_is_head(pkt, out, node) && pkt->sa == sa);
		spin_unlock(&sa->lock);
	}
}

/*
 * Let the done packets at the head of @oq leave, in order, at most
 * @budget. One flusher at a
 * time: another CPU that finds one at work leaves it its packets, which it
 * sees when it looks again under the lock. BH disabled. How many left.
 */
static int espvti_oq_flush(struct espvti_oq *oq, int budget)
{
	struct espvti_pkt *pkt, *next;
	int done = 0;
	LIST_HEAD(out);

	spin_lock(&oq->lock);
	if (oq->flushing) {
		spin_unlock(&oq->lock);
		return 0;
	}
	oq->flushing = true;
	while (done < budget) {
		list_for_each_entry_safe(pkt, next, &oq->list, node) {
			if (done == budget)
				break;
			/* Pairs with the release in espvti_crypt_done(): err, skb. */
			if (smp_load_acquire(&pkt->state) == ESPVTI_PKT_PENDING)
				break;
			list_move_tail(&pkt->node, &out);
			oq->n--;
			done++;
		}
		if (list_empty(&out))
			break;
		spin_unlock(&oq->lock);
		if (oq->dir == ESPVTI_SA_DIR_IN)
			espvti_oq_advance(&out);
		list_for_each_entry_safe(pkt, next, &out, node) {
			if (oq->dir == ESPVTI_SA_DIR_OUT)
				espvti_tx_finish(pkt);
			else
				espvti_rx_finish(pkt);
		}
		INIT_LIST_HEAD(&out);
		spin_lock(&oq->lock);
	}
	oq->flushing = false;
	spin_unlock(&oq->lock);
	return done;
}

/*
 * The interface's NAPI poll: the inbound queue's flush, on the CPU that
 * scheduled it. A packet done after the queue was looked at schedules the
 * NAPI again (NAPI_STATE_MISSED while it runs): nothing done is left.
 */
int espvti_rx_poll(struct napi_struct *napi, int budget)
{
	struct espvti_dev *edev = container_of(napi, struct espvti_dev, napi);
	int done;

	done = espvti_oq_flush(&edev->oq[1], budget);
	if (done < budget)
		napi_complete_done(napi, done);
	return done;
}

/*
 * On oq->deliver, in the IPI: the NAPI, whose SCHED bit its sender set.
 * Lifetime: while that bit is set, napi_disable() (the destructor) waits,
 * and after it nothing sends; a handler still running, up to its release
 * of oq->csd after it returns, runs with interrupts off, an RCU read side
 * that netif_napi_del()'s synchronize_net() waits for before the
 * interface's memory goes.
 */
static void espvti_oq_ipi(void *info)
{
	struct espvti_oq *oq = info;

	__napi_schedule_irqoff(oq->napi);
}

static void espvti_oq_work(struct work_struct *work)
{
	struct espvti_oq *oq = container_of(work, struct espvti_oq, work);

	local_bh_disable();
	espvti_oq_flush(oq, INT_MAX);
	local_bh_enable();
	dev_put(oq->dev);	/* espvti_oq_kick()'s */
}

void espvti_oq_init(struct espvti_oq *oq, struct net_device *dev, u8 dir,
		    struct napi_struct *napi)
{
	spin_lock_init(&oq->lock);
	INIT_LIST_HEAD(&oq->list);
	INIT_WORK(&oq->work, espvti_oq_work);
	oq->dev = dev;
	oq->dir = dir;
	oq->napi = napi;
	oq->rr = -1;
	oq->serial = -1;
	oq->deliver = -1;
	oq->last = jiffies - ESPVTI_OQ_IDLE - 2;	/* idle, long since */
	oq->seen = oq->last;
	INIT_CSD(&oq->csd, espvti_oq_ipi, oq);
}
EXPORT_SYMBOL_IF_ESPVTI_KUNIT(espvti_oq_init);

/*
 * Schedule @oq's NAPI (inbound): on oq->deliver when one is chosen and
 * the NAPI is idle, otherwise here. BH disabled.
 */
static void espvti_oq_napi(struct espvti_oq *oq)
{
	int cpu = READ_ONCE(oq->deliver);

	if (cpu < 0 || cpu == smp_processor_id()) {
		napi_schedule(oq->napi);
		return;
	}
	if (!napi_schedule_prep(oq->napi))
		return;		/* running: it polls again before it stops */
	if (smp_call_function_single_async(cpu, &oq->csd))
		__napi_schedule(oq->napi);	/* offline, or the IPI still on its way */
}

/*
 * A packet of @sa is done. A queue flushed by a NAPI (inbound): schedule
 * it (here, unless it is scheduled already: then it runs again before it
 * stops). Otherwise (outbound): flush the queue here (this is the queue's flushing CPU, or it
 * has none: the hand-off is off), or have that CPU do it. BH disabled:
 * the SA and its interface are still there (RCU), even if a flush
 * elsewhere just dropped the packet's reference.
 */
static void espvti_oq_kick(struct espvti_sa *sa)
{
	struct espvti_oq *oq = espvti_sa_oq(sa);
	int cpu = READ_ONCE(oq->serial);

	if (oq->napi) {
		espvti_oq_napi(oq);
		return;
	}
	if (cpu < 0 || cpu == smp_processor_id() || !cpu_online(cpu)) {
		espvti_oq_flush(oq, INT_MAX);
		return;
	}
	dev_hold(oq->dev);
	if (!queue_work_on(cpu, espvti_crypt_wq, &oq->work))
		dev_put(oq->dev);	/* queued already, with its reference */
}

/* @pkt's crypto ended with @err (0, or why it failed); BH disabled. */
static void espvti_crypt_done(struct espvti_pkt *pkt, int err)
{
	struct espvti_sa *sa = pkt->sa;

	pkt->err = err;
	espvti_esp_aad_pop(sa, pkt->skb);
	/*
	 * From here another CPU's flush may send and free the packet; the
	 * SA stays (RCU: BH is disabled) even if that was its last packet.
	 */
	smp_store_release(&pkt->state, ESPVTI_PKT_DONE);
	espvti_oq_kick(sa);
}

static void espvti_crypt_cb(espvti_crypto_done_arg *arg, int err)
{
	struct espvti_pkt *pkt = espvti_crypto_done_data(arg);

	if (err == -EINPROGRESS)	/* a backlog notice: not done yet */
		return;

	local_bh_disable();
	espvti_crypt_done(pkt, err);
	local_bh_enable();
}

/* Run @pkt's AEAD request (framed, ESN bits pushed); BH disabled. */
static void espvti_crypt_run(struct espvti_pkt *pkt)
{
	struct espvti_sa *sa = pkt->sa;
	bool encrypt = sa->dir == ESPVTI_SA_DIR_OUT;
	struct aead_request *req = espvti_pkt_req(pkt);
	int err;

	err = espvti_esp_req(sa, req, espvti_pkt_sg(pkt), pkt->nfrags, pkt->skb,
			     espvti_pkt_iv(pkt), encrypt);
	if (likely(!err)) {
		aead_request_set_callback(req, 0, espvti_crypt_cb, pkt);
		err = encrypt ? crypto_aead_encrypt(req) : crypto_aead_decrypt(req);
		if (err == -EINPROGRESS)
			return;		/* espvti_crypt_cb() follows */
	}
	espvti_crypt_done(pkt, err);
}

/*
 * Mark @pkt as failed before its crypto (it stays queued, to be dropped
 * in its turn and counted under @why); BH disabled.
 */
void espvti_crypt_fail(struct espvti_pkt *pkt, enum espvti_stat why)
{
	struct espvti_sa *sa = pkt->sa;	/* pkt may be gone once done */

	pkt->why = why;
	/* Pairs with the acquire in espvti_oq_flush(): why. */
	smp_store_release(&pkt->state, ESPVTI_PKT_DONE);
	espvti_oq_kick(sa);
}

/*
 * Run the crypto of @pkt, which is on its queue, on @cpu (-1: here,
 * as also when that CPU's worker is full); BH disabled.
 */
void espvti_crypt_submit(struct espvti_pkt *pkt, int cpu)
{
	struct espvti_worker *w;

	if (cpu >= 0) {
		w = per_cpu_ptr(&espvti_workers, cpu);
		if (atomic_inc_return(&w->n) <= ESPVTI_WORKER_MAX) {
			if (llist_add(&pkt->wnode, &w->list))
				queue_work_on(cpu, espvti_crypt_wq, &w->work);
			return;
		}
		atomic_dec(&w->n);
	}
	espvti_crypt_run(pkt);
}

static void espvti_crypt_work(struct work_struct *work)
{
	struct espvti_worker *w = container_of(work, struct espvti_worker, work);
	struct espvti_pkt *pkt, *next;
	struct llist_node *list;

	list = llist_reverse_order(llist_del_all(&w->list));
	llist_for_each_entry_safe(pkt, next, list, wnode) {
		atomic_dec(&w->n);
		local_bh_disable();
		espvti_crypt_run(pkt);
		local_bh_enable();
		cond_resched();
	}
}

int espvti_crypt_init(void)
{
	int cpu;

	/* High priority: a packet's flush waits for it on a CPU busy sending. */
	espvti_crypt_wq = alloc_workqueue("espvti-crypt",
					  WQ_HIGHPRI | WQ_CPU_INTENSIVE | WQ_MEM_RECLAIM |
					  ESPVTI_WQ_PERCPU, 0);
	if (!espvti_crypt_wq)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct espvti_worker *w = per_cpu_ptr(&espvti_workers, cpu);

		init_llist_head(&w->list);
		init_llist_head(&per_cpu_ptr(&espvti_pkt_caches, cpu)->remote);
		atomic_set(&w->n, 0);
		INIT_WORK(&w->work, espvti_crypt_work);
	}
	return 0;
}

/* After the interfaces are gone: what is still queued runs first. */
void espvti_crypt_uninit(void)
{
	struct espvti_pkt_cache *c;
	int cpu;

	destroy_workqueue(espvti_crypt_wq);
	for_each_possible_cpu(cpu) {
		c = per_cpu_ptr(&espvti_pkt_caches, cpu);
		espvti_pkt_reclaim(c);
		while (c->n)
			kfree(c->free[--c->n]);
	}
}
