// SPDX-License-Identifier: GPL-2.0
/*
 * espvti_aeadbench: the bare speed of an ESP AEAD transform, the physical
 * limit tests/bench.sh compares the tunnels with. Not part of espvti.
 *
 *   insmod espvti_aeadbench.ko alg='rfc4106(gcm(aes))' keylen=20 \
 *          sizes=96,1400 ms=1000 && rmmod espvti_aeadbench
 *
 * On load, for each size of @sizes: encryption, then decryption, first on
 * one CPU, then on every online CPU at once (a kernel thread bound to
 * each), for @ms milliseconds each. The requests have ESP's shape: one
 * transform shared by all threads (as an SA's is), one linear buffer
 * holding the ESP header (SPI, sequence number) and the IV as associated
 * data, then @size bytes to encrypt (what ESP encrypts: the inner packet,
 * padding and trailer), then the ICV; encryption in place with a new IV
 * each time, decryption from a sealed buffer into another (in place, the
 * second decryption of a buffer would fail its ICV check, and some
 * transforms check before they decrypt). One line is logged per test:
 *
 *   espvti_aeadbench: alg A driver D size N dir enc|dec cpus C ops O \
 *       ns T bytes_per_s B min_cpu_bytes_per_s M
 *
 * O counts every thread's requests, T is the longest thread's time, B the
 * sum of the threads' rates and M the slowest thread's. Then "espvti_aeadbench:
 * done". The module stays loaded (and does nothing) until removed.
 */
#include <crypto/aead.h>
#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/wait.h>

static char *alg = "rfc4106(gcm(aes))";
module_param(alg, charp, 0444);
MODULE_PARM_DESC(alg, "the AEAD transform, by the crypto API's name");
static unsigned int keylen = 20;
module_param(keylen, uint, 0444);
MODULE_PARM_DESC(keylen, "key bytes, salt included (rfc4106: 20, 28 or 36; rfc7539esp: 36)");
static unsigned int icv = 16;
module_param(icv, uint, 0444);
MODULE_PARM_DESC(icv, "ICV bytes");
static unsigned int sizes[8] = { 96, 1400 };
static unsigned int nsizes = 2;
module_param_array(sizes, uint, &nsizes, 0444);
MODULE_PARM_DESC(sizes, "bytes encrypted per request, one test each (at most 8)");
static unsigned int ms = 1000;
module_param(ms, uint, 0444);
MODULE_PARM_DESC(ms, "milliseconds per test and thread");

#define ESP_HDR_LEN	8	/* SPI and sequence number */
#define BATCH		8	/* requests between two looks at the clock */

/* One test: a size, a direction, a number of threads. */
struct bench_run {
	struct crypto_aead *tfm;
	unsigned int size;
	bool enc;
	atomic_t ready;			/* threads with their buffers made */
	wait_queue_head_t wq;
	bool go;			/* set (under wq.lock) when all are ready */
	u64 deadline;			/* ktime_get_ns() */
};

struct bench_thread {
	struct bench_run *run;
	struct task_struct *task;
	struct completion done;
	u64 ops;
	u64 ns;
	int err;
};

/* A thread's test: buffers, one request, then requests until the deadline. */
static int bench_thread_fn(void *data)
{
	struct bench_thread *t = data;
	struct bench_run *run = t->run;
	struct crypto_aead *tfm = run->tfm;
	unsigned int ivlen = crypto_aead_ivsize(tfm);
	unsigned int assoclen = ESP_HDR_LEN + ivlen;
	unsigned int len = assoclen + run->size + icv;
	struct scatterlist sg_in, sg_out;
	struct aead_request *req;
	DECLARE_CRYPTO_WAIT(wait);
	u8 *in, *out, *iv;
	u64 seq = 1, t0, now;
	unsigned int i;
	int err = -ENOMEM;

	in = kmalloc(len, GFP_KERNEL);
	out = kmalloc(len, GFP_KERNEL);
	iv = kzalloc(max(ivlen, 16U), GFP_KERNEL);
	req = aead_request_alloc(tfm, GFP_KERNEL);
	if (!in || !out || !iv || !req)
		goto ready;
	memset(in, 0x5a, len);
	memset(out, 0, len);
	sg_init_one(&sg_in, in, len);
	sg_init_one(&sg_out, out, len);
	aead_request_set_callback(req, CRYPTO_TFM_REQ_MAY_BACKLOG, crypto_req_done, &wait);
	aead_request_set_ad(req, assoclen);
	/* Decryption opens what this sealed: in, sealed in place. */
	aead_request_set_crypt(req, &sg_in, &sg_in, run->size, iv);
	err = crypto_wait_req(crypto_aead_encrypt(req), &wait);
ready:
	atomic_inc(&run->ready);
	wake_up_all(&run->wq);
	wait_event(run->wq, READ_ONCE(run->go));
	if (err)
		goto out;

	t0 = ktime_get_ns();
	do {
		for (i = 0; i < BATCH; i++) {
			if (run->enc) {
				/* A new IV each time, from the sequence number, as ESP's. */
				memcpy(iv, &seq, min_t(unsigned int, ivlen, sizeof(seq)));
				seq++;
				aead_request_set_crypt(req, &sg_in, &sg_in, run->size, iv);
				err = crypto_wait_req(crypto_aead_encrypt(req), &wait);
			} else {
				aead_request_set_crypt(req, &sg_in, &sg_out, run->size + icv, iv);
				err = crypto_wait_req(crypto_aead_decrypt(req), &wait);
			}
			if (err)
				goto out;
		}
		t->ops += BATCH;
		now = ktime_get_ns();
		cond_resched();
	} while (now < READ_ONCE(run->deadline));
	t->ns = now - t0;
out:
	t->err = err;
	aead_request_free(req);
	kfree(iv);
	kfree(out);
	kfree(in);
	complete(&t->done);
	/* Stay until kthread_stop(), which would wait for an exited thread forever. */
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

/* One test on @ncpus CPUs (the first online ones); logs its line. */
static int bench_run_one(struct crypto_aead *tfm, unsigned int size, bool enc,
			 unsigned int ncpus)
{
	struct bench_run run = { .tfm = tfm, .size = size, .enc = enc };
	u64 ops = 0, ns = 0, bps = 0, min_bps = U64_MAX, r;
	struct bench_thread *threads, *t;
	unsigned int n = 0, i, cpu;
	int err = 0;

	threads = kcalloc(ncpus, sizeof(*threads), GFP_KERNEL);
	if (!threads)
		return -ENOMEM;
	init_waitqueue_head(&run.wq);
	atomic_set(&run.ready, 0);
	for_each_online_cpu(cpu) {
		if (n == ncpus)
			break;
		t = &threads[n];
		t->run = &run;
		init_completion(&t->done);
		t->task = kthread_create(bench_thread_fn, t, "espvti-aead/%u", cpu);
		if (IS_ERR(t->task)) {
			err = PTR_ERR(t->task);
			break;
		}
		kthread_bind(t->task, cpu);
		wake_up_process(t->task);
		n++;
	}
	wait_event(run.wq, atomic_read(&run.ready) == n);
	WRITE_ONCE(run.deadline, ktime_get_ns() + (u64)ms * NSEC_PER_MSEC);
	spin_lock_irq(&run.wq.lock);
	WRITE_ONCE(run.go, true);
	wake_up_all_locked(&run.wq);
	spin_unlock_irq(&run.wq.lock);
	for (i = 0; i < n; i++) {
		t = &threads[i];
		wait_for_completion(&t->done);
		kthread_stop(t->task);
		if (t->err && !err)
			err = t->err;
		if (!t->ns)
			continue;
		r = mul_u64_u64_div_u64(t->ops * size, NSEC_PER_SEC, t->ns);
		ops += t->ops;
		ns = max(ns, t->ns);
		bps += r;
		min_bps = min(min_bps, r);
	}
	kfree(threads);
	if (!err && n < ncpus)
		err = -EAGAIN;
	if (err) {
		pr_err("espvti_aeadbench: alg %s size %u dir %s cpus %u: error %d\n",
		       alg, size, enc ? "enc" : "dec", ncpus, err);
		return err;
	}
	pr_info("espvti_aeadbench: alg %s driver %s size %u dir %s cpus %u ops %llu ns %llu bytes_per_s %llu min_cpu_bytes_per_s %llu\n",
		alg, crypto_tfm_alg_driver_name(crypto_aead_tfm(tfm)), size,
		enc ? "enc" : "dec", n, ops, ns, bps, min_bps);
	return 0;
}

static int __init espvti_aeadbench_init(void)
{
	unsigned int cpus = num_online_cpus(), s, d;
	struct crypto_aead *tfm;
	u8 key[64];
	int err;

	if (keylen > sizeof(key))
		return -EINVAL;
	tfm = crypto_alloc_aead(alg, 0, 0);
	if (IS_ERR(tfm)) {
		pr_err("espvti_aeadbench: no transform %s: %ld\n", alg, PTR_ERR(tfm));
		return PTR_ERR(tfm);
	}
	memset(key, 0x42, sizeof(key));
	err = crypto_aead_setkey(tfm, key, keylen);
	if (!err)
		err = crypto_aead_setauthsize(tfm, icv);
	if (err) {
		pr_err("espvti_aeadbench: %s refuses key %u / ICV %u: %d\n", alg, keylen, icv, err);
		goto out;
	}
	for (s = 0; s < nsizes && !err; s++) {
		for (d = 0; d < 2 && !err; d++) {
			err = bench_run_one(tfm, sizes[s], !d, 1);
			if (!err && cpus > 1)
				err = bench_run_one(tfm, sizes[s], !d, cpus);
		}
	}
	if (!err)
		pr_info("espvti_aeadbench: done\n");
out:
	crypto_free_aead(tfm);
	return err;
}

static void __exit espvti_aeadbench_exit(void)
{
}

module_init(espvti_aeadbench_init);
module_exit(espvti_aeadbench_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("espvti bench: the bare speed of an ESP AEAD transform");
