// SPDX-License-Identifier: GPL-2.0
/*
 * Sequence numbers and the anti-replay window: a table of edge cases
 * (window edges, far jumps, block boundaries, ESN subspace crossing, wrap
 * refusal), the RFC 4303 appendix A2.2 inference, and a comparison with a
 * plain model over a long pseudo-random walk.
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/prandom.h>
#include <linux/slab.h>

#include "espvti.h"

#define OK ESPVTI_REPLAY_OK
#define ZERO ESPVTI_REPLAY_ZERO
#define OLD ESPVTI_REPLAY_TOO_OLD
#define DUP ESPVTI_REPLAY_REPLAYED

static struct espvti_replay *replay_new(struct kunit *test, u32 window)
{
	struct espvti_replay *r;

	r = kunit_kzalloc(test, espvti_replay_size(window), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	espvti_replay_init(r, window);
	return r;
}

struct replay_step {
	u64 seq;
	enum espvti_replay_verdict want;
};

static void replay_walk(struct kunit *test, struct espvti_replay *r,
			const struct replay_step *steps, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		/* The cheap check agrees with the real one, and changes nothing. */
		KUNIT_EXPECT_EQ_MSG(test, espvti_replay_check(r, steps[i].seq),
				    steps[i].want, "check, step %d, seq %llu", i, steps[i].seq);
		KUNIT_EXPECT_EQ_MSG(test, espvti_replay_advance(r, steps[i].seq),
				    steps[i].want, "advance, step %d, seq %llu", i, steps[i].seq);
	}
}

/* Window 64 (one block and the one being filled). */
static void espvti_test_replay_edges(struct kunit *test)
{
	static const struct replay_step steps[] = {
		{ 0, ZERO },
		{ 1, OK },
		{ 1, DUP },
		{ 3, OK },
		{ 2, OK },		/* out of order, inside the window */
		{ 2, DUP },
		{ 64, OK },		/* last number of block 0 */
		{ 65, OK },		/* first of block 1 */
		{ 66, OK },		/* top 66: the window is 3..66 */
		{ 2, OLD },		/* 66 - 2 = 64: just left of the window */
		{ 3, DUP },		/* leftmost number of the window */
		{ 4, OK },
		{ 4, DUP },
		{ 130, OK },		/* top 130: the window is 67..130 */
		{ 66, OLD },
		{ 67, OK },		/* its block was cleared, not replayed */
		{ 67, DUP },
		{ 129, OK },
		{ 130, DUP },
		{ 0, ZERO },
	};
	replay_walk(test, replay_new(test, 64), steps, ARRAY_SIZE(steps));
}

/* Far jumps clear the whole ring; numbers far behind are too old. */
static void espvti_test_replay_far_jump(struct kunit *test)
{
	static const struct replay_step steps[] = {
		{ 5, OK },
		{ 1000000, OK },
		{ 5, OLD },
		{ 1000000 - 4095, OK },	/* the leftmost of a 4096 window */
		{ 1000000 - 4096, OLD },
		{ 1000000 - 1, OK },
		{ 1000000 - 1, DUP },
		{ 1000000 + 4096 * 3, OK },
		{ 1000000 + 4096 * 3 - 1, OK },	/* stale bits were cleared */
		{ 1000000 + 4096 * 2, OLD },
		{ 0xffffffffULL, OK },
		{ 0xffffffffULL, DUP },
	};
	replay_walk(test, replay_new(test, 4096), steps, ARRAY_SIZE(steps));
}

/* Window 0: no replay protection, but sequence number 0 is still refused. */
static void espvti_test_replay_off(struct kunit *test)
{
	static const struct replay_step steps[] = {
		{ 7, OK },
		{ 7, OK },
		{ 1, OK },
		{ 0, ZERO },
		{ 9, OK },
	};
	replay_walk(test, replay_new(test, 0), steps, ARRAY_SIZE(steps));
}

/* A window that is not a multiple of 64 is exactly as wide as asked. */
static void espvti_test_replay_odd_window(struct kunit *test)
{
	static const struct replay_step steps[] = {
		{ 200, OK },
		{ 101, OK },	/* 200 - 101 = 99 < 100 */
		{ 100, OLD },	/* 200 - 100 = 100 */
		{ 150, OK },
	};
	replay_walk(test, replay_new(test, 100), steps, ARRAY_SIZE(steps));
}

/*
 * The ESN high half, RFC 4303 appendix A2.2, window 64 (W - 1 = 63):
 * case A, the window lies in one subspace (Tl >= W - 1); case B, it
 * spans two (Tl < W - 1).
 */
struct esn_case {
	const char *name;
	u64 top;
	u32 lo;
	u64 want;
};

static const struct esn_case esn_cases[] = {
	{ "A: in the window", 0x100001000ULL, 0x1000 - 10, 0x100001000ULL - 10 },
	{ "A: bottom of the window", 0x100001000ULL, 0x1000 - 63, 0x100001000ULL - 63 },
	{ "A: below the window is the next subspace", 0x100001000ULL, 0x1000 - 64,
	  0x200001000ULL - 64 },
	{ "A: ahead in the subspace", 0x100001000ULL, 0xffffffff, 0x1ffffffffULL },
	{ "A: top at W - 1, the window starts at 0", 63, 0, 0 },
	{ "B: ahead of the top", 0x100000010ULL, 0x20, 0x100000020ULL },
	{ "B: behind, same subspace", 0x100000010ULL, 0x5, 0x100000005ULL },
	{ "B: behind, previous subspace", 0x100000010ULL, 0xfffffff0, 0xfffffff0ULL },
	{ "B: bottom of the window", 0x100000010ULL, 0xffffffd1, 0xffffffd1ULL },
	{ "B: just below it is far ahead", 0x100000010ULL, 0xffffffd0, 0x1ffffffd0ULL },
	{ "B: nothing received yet", 0, 1, 1 },
	{ "B: no subspace before the first", 0, 0xfffffff0, 0xfffffff0ULL },
};

static void esn_case_desc(const struct esn_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(esn, esn_cases, esn_case_desc);

static void espvti_test_replay_esn_infer(struct kunit *test)
{
	const struct esn_case *c = test->param_value;
	struct espvti_replay *r = replay_new(test, 64);

	r->top = c->top;
	KUNIT_EXPECT_EQ(test, espvti_replay_seq(r, c->lo, true), c->want);
	/* Without ESN the number is what the packet carries. */
	KUNIT_EXPECT_EQ(test, espvti_replay_seq(r, c->lo, false), (u64)c->lo);
}

/* Crossing from one ESN subspace to the next, as a receiver sees it. */
static void espvti_test_replay_esn_crossing(struct kunit *test)
{
	static const u32 lows[] = { 0xfffffffd, 0xffffffff, 0, 1, 0xfffffffe, 2 };
	static const u64 want[] = { 0xfffffffdULL, 0xffffffffULL, 0x100000000ULL,
				    0x100000001ULL, 0xfffffffeULL, 0x100000002ULL };
	struct espvti_replay *r = replay_new(test, 64);
	int i;

	for (i = 0; i < ARRAY_SIZE(lows); i++) {
		u64 seq = espvti_replay_seq(r, lows[i], true);

		KUNIT_EXPECT_EQ_MSG(test, seq, want[i], "step %d", i);
		KUNIT_EXPECT_EQ_MSG(test, espvti_replay_advance(r, seq), OK, "step %d", i);
	}
	/* 0xffffffff again: now in the previous subspace, and seen. */
	KUNIT_EXPECT_EQ(test, espvti_replay_advance(r, espvti_replay_seq(r, 0xffffffff, true)),
			DUP);
}

/* Outbound numbers start at 1 and never wrap. */
static void espvti_test_seq_next(struct kunit *test)
{
	u64 last = 0;

	KUNIT_EXPECT_EQ(test, espvti_seq_next(&last, false), 1ULL);
	last = 0xfffffffeULL;
	KUNIT_EXPECT_EQ(test, espvti_seq_next(&last, false), 0xffffffffULL);
	KUNIT_EXPECT_EQ(test, espvti_seq_next(&last, false), 0ULL);
	KUNIT_EXPECT_EQ(test, espvti_seq_next(&last, false), 0ULL);
	KUNIT_EXPECT_EQ(test, last, 0xffffffffULL);
	/* With ESN the 32-bit limit is no limit... */
	KUNIT_EXPECT_EQ(test, espvti_seq_next(&last, true), 0x100000000ULL);
	/* ...but the 64-bit one is. */
	last = U64_MAX - 1;
	KUNIT_EXPECT_EQ(test, espvti_seq_next(&last, true), U64_MAX);
	KUNIT_EXPECT_EQ(test, espvti_seq_next(&last, true), 0ULL);
}

/*
 * A long pseudo-random walk (mostly forward, with reordering, duplicates
 * and jumps) against a model that remembers every number it accepted.
 */
static void espvti_test_replay_model(struct kunit *test)
{
	static const u32 windows[] = { 32, 64, 100, 1024, 4096 };
	const u32 span = 1 << 20;
	struct rnd_state rnd;
	unsigned long *seen;
	int w, i;

	seen = kunit_kzalloc(test, BITS_TO_LONGS(span) * sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, seen);
	for (w = 0; w < ARRAY_SIZE(windows); w++) {
		struct espvti_replay *r = replay_new(test, windows[w]);
		u64 top = 0;

		prandom_seed_state(&rnd, 4303 + w);
		bitmap_zero(seen, span);
		for (i = 0; i < 20000; i++) {
			u32 x = prandom_u32_state(&rnd);
			u64 seq;
			enum espvti_replay_verdict want;

			switch (x % 8) {
			case 0:		/* a jump ahead, up to 3 windows */
				seq = top + 1 + (x >> 8) % (3 * windows[w]);
				break;
			case 1:		/* anywhere behind, maybe far */
				seq = top - min_t(u64, top, (x >> 8) % (2 * windows[w]));
				break;
			default:	/* the next few */
				seq = top + 1 + (x >> 8) % 4;
			}
			if (seq >= span)
				break;
			if (!seq)
				want = ZERO;
			else if (seq > top)
				want = OK;
			else if (top - seq >= windows[w])
				want = OLD;
			else if (test_bit(seq, seen))
				want = DUP;
			else
				want = OK;
			KUNIT_ASSERT_EQ_MSG(test, espvti_replay_advance(r, seq), want,
					    "window %u, step %d, seq %llu, top %llu",
					    windows[w], i, seq, top);
			if (want == OK) {
				__set_bit(seq, seen);
				top = max(top, seq);
			}
		}
	}
}

static struct kunit_case espvti_replay_cases[] = {
	KUNIT_CASE(espvti_test_replay_edges),
	KUNIT_CASE(espvti_test_replay_far_jump),
	KUNIT_CASE(espvti_test_replay_off),
	KUNIT_CASE(espvti_test_replay_odd_window),
	KUNIT_CASE_PARAM(espvti_test_replay_esn_infer, esn_gen_params),
	KUNIT_CASE(espvti_test_replay_esn_crossing),
	KUNIT_CASE(espvti_test_seq_next),
	KUNIT_CASE(espvti_test_replay_model),
	{}
};

static struct kunit_suite espvti_replay_suite = {
	.name = "espvti_replay",
	.test_cases = espvti_replay_cases,
};

kunit_test_suites(&espvti_replay_suite);
