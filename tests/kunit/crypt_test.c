// SPDX-License-Identifier: GPL-2.0
/*
 * Where an SA's crypto runs (espvti_crypt_cpu(), crypt.c): in place for
 * small packets and an idle queue; under load, round the other online
 * CPUs, never the queueing one, which has the rest of the packet's path
 * (it takes the crypto only when a worker is behind, in
 * espvti_crypt_submit()). The round needs two CPUs: the VMs have two.
 * And where an inbound queue's NAPI delivers what is decrypted in place.
 */
#include <kunit/test.h>
#include <linux/cpumask.h>

#include "espvti.h"

/* A queue of its own; no packet is ever put on it. */
static struct espvti_oq *crypt_oq(struct kunit *test)
{
	struct espvti_oq *oq = kunit_kzalloc(test, sizeof(*oq), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, oq);
	espvti_oq_init(oq, NULL, ESPVTI_SA_DIR_OUT, NULL);
	return oq;
}

static int crypt_cpu(struct espvti_oq *oq, unsigned int len, unsigned int ahead)
{
	int cpu;

	spin_lock_bh(&oq->lock);
	cpu = espvti_crypt_cpu(oq, len, ahead);
	spin_unlock_bh(&oq->lock);
	return cpu;
}

/* Small packets, busy queue or not, and an idle queue's first: here. */
static void espvti_test_crypt_in_place(struct kunit *test)
{
	struct espvti_oq *oq = crypt_oq(test);

	preempt_disable();
	KUNIT_EXPECT_EQ(test, crypt_cpu(oq, 1400, 0), -1);	/* idle */
	KUNIT_EXPECT_EQ(test, crypt_cpu(oq, 100, 0), -1);
	KUNIT_EXPECT_EQ(test, crypt_cpu(oq, 511, 5), -1);	/* small, busy */
	/* The queue's flushing CPU is the one its first packet came on. */
	KUNIT_EXPECT_EQ(test, READ_ONCE(oq->serial), (int)smp_processor_id());
	preempt_enable();
}

/*
 * A busy queue's large packets: every other online CPU once per round,
 * never this one.
 */
static void espvti_test_crypt_other_cpus(struct kunit *test)
{
	struct espvti_oq *oq = crypt_oq(test);
	unsigned int others, round, i;
	int cpu, self;
	cpumask_var_t seen;

	if (num_online_cpus() < 2)
		kunit_skip(test, "one CPU online: everything is done in place");
	KUNIT_ASSERT_TRUE(test, zalloc_cpumask_var(&seen, GFP_KERNEL));
	preempt_disable();
	self = smp_processor_id();
	others = num_online_cpus() - 1;
	for (round = 0; round < 3; round++) {
		cpumask_clear(seen);
		for (i = 0; i < others; i++) {
			cpu = crypt_cpu(oq, 1400, 1);
			KUNIT_EXPECT_NE_MSG(test, cpu, -1, "round %u, packet %u: here", round, i);
			KUNIT_EXPECT_NE_MSG(test, cpu, self, "round %u: its own CPU", round);
			if (cpu >= 0) {
				KUNIT_EXPECT_TRUE(test, cpu_online(cpu));
				KUNIT_EXPECT_FALSE_MSG(test, cpumask_test_cpu(cpu, seen),
						       "round %u: CPU %d twice", round, cpu);
				cpumask_set_cpu(cpu, seen);
			}
		}
		KUNIT_EXPECT_EQ(test, cpumask_weight(seen), others);
	}
	preempt_enable();
	free_cpumask_var(seen);
}

/*
 * Inbound: where the interface's NAPI delivers what is decrypted here
 * (oq->deliver). An idle queue's packet and a large one: here (-1); small
 * packets on a busy queue: the next online CPU; not while the interface
 * sends large packets (a TCP sender's ACKs stay with its transmissions).
 */
static void espvti_test_crypt_deliver(struct kunit *test)
{
	struct espvti_dev *edev = kunit_kzalloc(test, sizeof(*edev), GFP_KERNEL);
	struct espvti_oq *in;
	int next;

	KUNIT_ASSERT_NOT_NULL(test, edev);
	if (num_online_cpus() < 2)
		kunit_skip(test, "one CPU online: delivered where decrypted");
	espvti_oq_init(&edev->oq[0], NULL, ESPVTI_SA_DIR_OUT, NULL);
	espvti_oq_init(&edev->oq[1], NULL, ESPVTI_SA_DIR_IN, &edev->napi);
	in = &edev->oq[1];
	preempt_disable();
	next = cpumask_next(smp_processor_id(), cpu_online_mask);
	if (next >= nr_cpu_ids)
		next = cpumask_first(cpu_online_mask);
	KUNIT_EXPECT_EQ(test, crypt_cpu(in, 100, 0), -1);
	KUNIT_EXPECT_EQ_MSG(test, READ_ONCE(in->deliver), -1, "idle queue");
	KUNIT_EXPECT_EQ(test, crypt_cpu(in, 100, 0), -1);
	KUNIT_EXPECT_EQ_MSG(test, READ_ONCE(in->deliver), next, "busy, small");
	crypt_cpu(in, 1400, 0);
	KUNIT_EXPECT_EQ_MSG(test, READ_ONCE(in->deliver), -1, "busy, large");
	crypt_cpu(in, 100, 0);
	KUNIT_EXPECT_EQ_MSG(test, READ_ONCE(in->deliver), next, "busy, small again");
	crypt_cpu(&edev->oq[0], 1400, 0);	/* the interface sends a large one */
	crypt_cpu(in, 100, 0);
	KUNIT_EXPECT_EQ_MSG(test, READ_ONCE(in->deliver), -1, "sending large packets");
	preempt_enable();
}

static struct kunit_case espvti_crypt_cases[] = {
	KUNIT_CASE(espvti_test_crypt_in_place),
	KUNIT_CASE(espvti_test_crypt_other_cpus),
	KUNIT_CASE(espvti_test_crypt_deliver),
	{}
};

static struct kunit_suite espvti_crypt_suite = {
	.name = "espvti_crypt",
	.test_cases = espvti_crypt_cases,
};

kunit_test_suite(espvti_crypt_suite);
