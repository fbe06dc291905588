// SPDX-License-Identifier: GPL-2.0
/*
 * SA lifetimes: what counts, when soft and hard limits are reached, and
 * when the next time limit falls (RFC 4301 section 4.4.2.1).
 */
#include <kunit/test.h>
#include <linux/jiffies.h>
#include <linux/time64.h>

#include "espvti.h"

#define S(x) ((u64)(x) * NSEC_PER_SEC)

/* Packet limits: soft at 3, hard at 5; the fifth packet is the last. */
static void espvti_test_life_packets(struct kunit *test)
{
	struct espvti_lstate l = {
		.soft.packets = 3, .hard.packets = 5, .add_ns = S(100),
	};
	unsigned int i, r;
	u64 next;

	for (i = 1; i <= 2; i++)
		KUNIT_EXPECT_EQ(test, espvti_life_count(&l, 100, S(101)), 0u);
	KUNIT_EXPECT_EQ(test, espvti_life_count(&l, 100, 0), ESPVTI_LIFE_SOFT);
	KUNIT_EXPECT_EQ(test, espvti_life_count(&l, 100, 0), ESPVTI_LIFE_SOFT);
	r = espvti_life_count(&l, 100, 0);
	KUNIT_EXPECT_EQ(test, r, ESPVTI_LIFE_SOFT | ESPVTI_LIFE_HARD);
	KUNIT_EXPECT_FALSE(test, r & ESPVTI_LIFE_REFUSE);
	/* The sixth is refused and not counted. */
	r = espvti_life_count(&l, 100, 0);
	KUNIT_EXPECT_TRUE(test, r & ESPVTI_LIFE_REFUSE);
	KUNIT_EXPECT_EQ(test, l.packets, 5ull);
	KUNIT_EXPECT_EQ(test, l.bytes, 500ull);
	KUNIT_EXPECT_EQ(test, l.use_ns, S(101));
	KUNIT_EXPECT_EQ(test, espvti_life_due(&l, S(102), &next),
			ESPVTI_LIFE_SOFT | ESPVTI_LIFE_HARD);
	KUNIT_EXPECT_EQ(test, next, 0ull);
}

/* Byte limits: reached when the count gets to the limit. */
static void espvti_test_life_bytes(struct kunit *test)
{
	struct espvti_lstate l = { .soft.bytes = 1000, .hard.bytes = 1500, .add_ns = 1 };
	u64 next;

	KUNIT_EXPECT_EQ(test, espvti_life_count(&l, 999, 5), 0u);
	KUNIT_EXPECT_EQ(test, espvti_life_due(&l, 6, &next), 0u);
	KUNIT_EXPECT_EQ(test, espvti_life_count(&l, 1, 0), ESPVTI_LIFE_SOFT);
	KUNIT_EXPECT_EQ(test, espvti_life_count(&l, 600, 0),
			ESPVTI_LIFE_SOFT | ESPVTI_LIFE_HARD);
	KUNIT_EXPECT_TRUE(test, espvti_life_count(&l, 1, 0) & ESPVTI_LIFE_REFUSE);
	KUNIT_EXPECT_EQ(test, l.bytes, 1600ull);
}

/* No limits: nothing is ever due, and nothing is refused. */
static void espvti_test_life_none(struct kunit *test)
{
	struct espvti_lstate l = { .add_ns = S(1) };
	unsigned int i;
	u64 next = 42;

	for (i = 0; i < 1000; i++)
		KUNIT_EXPECT_EQ(test, espvti_life_count(&l, 1500, S(2)), 0u);
	KUNIT_EXPECT_EQ(test, espvti_life_due(&l, S(1000000), &next), 0u);
	KUNIT_EXPECT_EQ(test, next, 0ull);
}

/* Time since added: the next deadline is soft, then hard, then none. */
static void espvti_test_life_add_time(struct kunit *test)
{
	struct espvti_lstate l = {
		.soft.add_secs = 30, .hard.add_secs = 60, .add_ns = S(1000),
	};
	u64 next;

	KUNIT_EXPECT_EQ(test, espvti_life_due(&l, S(1000), &next), 0u);
	KUNIT_EXPECT_EQ(test, next, S(1030));
	KUNIT_EXPECT_EQ(test, espvti_life_due(&l, S(1030) - 1, &next), 0u);
	KUNIT_EXPECT_EQ(test, espvti_life_due(&l, S(1030), &next), ESPVTI_LIFE_SOFT);
	KUNIT_EXPECT_EQ(test, next, S(1060));
	KUNIT_EXPECT_EQ(test, espvti_life_due(&l, S(1060), &next),
			ESPVTI_LIFE_SOFT | ESPVTI_LIFE_HARD);
	KUNIT_EXPECT_EQ(test, next, 0ull);
}

/* Time since first use runs from the first packet, which kicks the timer. */
static void espvti_test_life_use_time(struct kunit *test)
{
	struct espvti_lstate l = { .hard.use_secs = 10, .add_ns = S(5) };
	u64 next;

	KUNIT_EXPECT_EQ(test, espvti_life_due(&l, S(500), &next), 0u);
	KUNIT_EXPECT_EQ(test, next, 0ull);	/* unused: no deadline yet */
	KUNIT_EXPECT_EQ(test, espvti_life_count(&l, 64, S(600)), ESPVTI_LIFE_KICK);
	KUNIT_EXPECT_EQ(test, espvti_life_count(&l, 64, S(601)), 0u);	/* once */
	KUNIT_EXPECT_EQ(test, espvti_life_due(&l, S(605), &next), 0u);
	KUNIT_EXPECT_EQ(test, next, S(610));
	KUNIT_EXPECT_EQ(test, espvti_life_due(&l, S(610), &next), ESPVTI_LIFE_HARD);
}

/* Huge limits do not overflow into the past. */
static void espvti_test_life_overflow(struct kunit *test)
{
	struct espvti_lstate l = { .hard.add_secs = U64_MAX / 2, .add_ns = S(7) };
	u64 next;

	KUNIT_EXPECT_EQ(test, espvti_life_due(&l, S(8), &next), 0u);
	KUNIT_EXPECT_EQ(test, next, U64_MAX);
}

/*
 * The expiry timer's delay: a second is a second, a lifetime of years (or
 * a deadline at U64_MAX) waits the cap and looks again, never "now" (a
 * 32-bit unsigned long of jiffies truncated it: the work ran every tick).
 */
static void espvti_test_life_wait(struct kunit *test)
{
	unsigned long cap = ESPVTI_LIFE_MAX_WAIT_SECS * HZ;

	KUNIT_EXPECT_EQ(test, espvti_life_wait(S(11), S(10)), (unsigned long)HZ + 1);
	KUNIT_EXPECT_EQ(test, espvti_life_wait(S(10), S(10)), 1ul);
	KUNIT_EXPECT_EQ(test, espvti_life_wait(S(9), S(10)), 1ul);
	KUNIT_EXPECT_EQ(test, espvti_life_wait(S(10) + S(3 * 365 * 86400ULL), S(10)), cap + 1);
	KUNIT_EXPECT_EQ(test, espvti_life_wait(S(50 * 86400ULL), 0), cap + 1);
	KUNIT_EXPECT_EQ(test, espvti_life_wait(U64_MAX, S(10)), cap + 1);
	KUNIT_EXPECT_EQ(test, espvti_life_wait(S(1800), 0), 1800UL * HZ + 1);
}

static void espvti_test_life_check(struct kunit *test)
{
	struct espvti_life soft = { .packets = 10 }, hard = { .packets = 10 };

	KUNIT_EXPECT_NOT_NULL(test, espvti_life_check(&soft, &hard));
	hard.packets = 11;
	KUNIT_EXPECT_NULL(test, espvti_life_check(&soft, &hard));
	soft.add_secs = 60;	/* a soft limit without a hard one is fine */
	KUNIT_EXPECT_NULL(test, espvti_life_check(&soft, &hard));
	hard.add_secs = 30;
	KUNIT_EXPECT_NOT_NULL(test, espvti_life_check(&soft, &hard));
}

static struct kunit_case espvti_life_cases[] = {
	KUNIT_CASE(espvti_test_life_packets),
	KUNIT_CASE(espvti_test_life_bytes),
	KUNIT_CASE(espvti_test_life_none),
	KUNIT_CASE(espvti_test_life_add_time),
	KUNIT_CASE(espvti_test_life_use_time),
	KUNIT_CASE(espvti_test_life_overflow),
	KUNIT_CASE(espvti_test_life_wait),
	KUNIT_CASE(espvti_test_life_check),
	{}
};

static struct kunit_suite espvti_life_suite = {
	.name = "espvti_life",
	.test_cases = espvti_life_cases,
};

kunit_test_suites(&espvti_life_suite);
