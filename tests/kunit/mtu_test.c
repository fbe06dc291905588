// SPDX-License-Identifier: GPL-2.0
/*
 * ESP size arithmetic: the interface MTU for a given underlay MTU and
 * transform, against figures worked out by hand from RFC 4303 section 2,
 * RFC 3948 (UDP encapsulation) and the transforms' IV/ICV/block sizes.
 */
#include <kunit/test.h>

#include "espvti.h"

#define V4 20
#define V6 40
#define UDP 8

/* AES-GCM (RFC 4106), ChaCha20-Poly1305 (RFC 7634), GMAC (RFC 4543). */
#define CTR_AEAD(hdr, encap, icvlen) \
	{ .outer_hdr = (hdr), .encap_hdr = (encap), .iv = 8, .icv = (icvlen), .block = 1 }
/* AES-CBC + HMAC-SHA-256-128 (RFC 3602, RFC 4868). */
#define CBC_SHA256(hdr, encap) \
	{ .outer_hdr = (hdr), .encap_hdr = (encap), .iv = 16, .icv = 16, .block = 16 }

struct mtu_case {
	const char *name;
	struct espvti_geom g;
	unsigned int outer_mtu;
	unsigned int inner_mtu;
};

static const struct mtu_case mtu_cases[] = {
	/* 1500 - 20 - 8 - 8 - 16 = 1448, aligned to 4: 1448, - 2 = 1446 */
	{ "gcm16 over IPv4", CTR_AEAD(V4, 0, 16), 1500, 1446 },
	/* 1500 - 40 - 8 - 8 - 16 = 1428 - 2 = 1426 */
	{ "gcm16 over IPv6", CTR_AEAD(V6, 0, 16), 1500, 1426 },
	/* 1500 - 20 - 8 - 8 - 8 - 16 = 1440 - 2 = 1438 */
	{ "gcm16 over IPv4/UDP", CTR_AEAD(V4, UDP, 16), 1500, 1438 },
	/* 1500 - 20 - 8 - 8 - 8 = 1456 - 2 = 1454 */
	{ "gcm8 over IPv4", CTR_AEAD(V4, 0, 8), 1500, 1454 },
	/* 1500 - 20 - 8 - 8 - 12 = 1452 - 2 = 1450 */
	{ "gcm12 over IPv4", CTR_AEAD(V4, 0, 12), 1500, 1450 },
	/* 1500 - 20 - 8 - 16 - 16 = 1440, aligned to 16: 1440, - 2 = 1438 */
	{ "cbc-sha256 over IPv4", CBC_SHA256(V4, 0), 1500, 1438 },
	/* 1500 - 40 - 8 - 16 - 16 = 1420, aligned to 16: 1408, - 2 = 1406 */
	{ "cbc-sha256 over IPv6", CBC_SHA256(V6, 0), 1500, 1406 },
	/* 1500 - 40 - 8 - 8 - 16 - 16 = 1412, aligned to 16: 1408, - 2 = 1406 */
	{ "cbc-sha256 over IPv6/UDP", CBC_SHA256(V6, UDP), 1500, 1406 },
	/* 9000 - 20 - 8 - 8 - 16 = 8948 - 2 = 8946 */
	{ "gcm16 over IPv4, jumbo", CTR_AEAD(V4, 0, 16), 9000, 8946 },
	/* 1280 - 40 - 8 - 16 - 16 = 1200, aligned: 1200, - 2 = 1198 */
	{ "cbc-sha256 over IPv6 minimum MTU", CBC_SHA256(V6, 0), 1280, 1198 },
	/* 20 + 8 + 8 + 16 = 52 bytes of headers leave no room below 56 */
	{ "no room", CTR_AEAD(V4, 0, 16), 53, 0 },
	{ "room for the trailer only", CTR_AEAD(V4, 0, 16), 56, 2 },
	{ "zero MTU", CTR_AEAD(V4, 0, 16), 0, 0 },
};

static void mtu_case_desc(const struct mtu_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(mtu, mtu_cases, mtu_case_desc);

static void espvti_test_inner_mtu(struct kunit *test)
{
	const struct mtu_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, espvti_inner_mtu(&c->g, c->outer_mtu), c->inner_mtu);
}

/* The MTU is the largest inner size that fits: one byte more does not. */
static void espvti_test_mtu_is_tight(struct kunit *test)
{
	const struct mtu_case *c = test->param_value;
	unsigned int inner = espvti_inner_mtu(&c->g, c->outer_mtu);

	if (!inner)
		return;
	KUNIT_EXPECT_LE(test, espvti_outer_len(&c->g, inner), c->outer_mtu);
	KUNIT_EXPECT_GT(test, espvti_outer_len(&c->g, inner + 1), c->outer_mtu);
	/* The encrypted part is 4-byte and block aligned. */
	KUNIT_EXPECT_EQ(test, (espvti_outer_len(&c->g, inner) - c->g.outer_hdr -
			       c->g.encap_hdr - 8 - c->g.iv - c->g.icv) %
			      max_t(unsigned int, c->g.block, 4), 0u);
}

/* A 64-byte ICMP echo in AES-GCM-16 over IPv4: 20+8+8+ALIGN(66,4)+16. */
static void espvti_test_outer_len(struct kunit *test)
{
	const struct espvti_geom g = CTR_AEAD(V4, 0, 16);
	const struct espvti_geom cbc = CBC_SHA256(V4, 0);

	KUNIT_EXPECT_EQ(test, espvti_outer_len(&g, 64), 20u + 8 + 8 + 68 + 16);
	KUNIT_EXPECT_EQ(test, espvti_outer_len(&g, 0), 20u + 8 + 8 + 4 + 16);
	/* CBC pads 64 + 2 up to 80. */
	KUNIT_EXPECT_EQ(test, espvti_outer_len(&cbc, 64), 20u + 8 + 16 + 80 + 16);
	KUNIT_EXPECT_EQ(test, espvti_outer_len(&cbc, 14), 20u + 8 + 16 + 16 + 16);
}

/* The default interface MTU leaves room for the worst transform. */
static void espvti_test_worst_case(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, espvti_inner_mtu(&espvti_geom_worst, 1500), 1406u);
	KUNIT_EXPECT_LE(test, espvti_outer_len(&espvti_geom_worst, 1406), 1500u);
}

static struct kunit_case espvti_mtu_cases[] = {
	KUNIT_CASE_PARAM(espvti_test_inner_mtu, mtu_gen_params),
	KUNIT_CASE_PARAM(espvti_test_mtu_is_tight, mtu_gen_params),
	KUNIT_CASE(espvti_test_outer_len),
	KUNIT_CASE(espvti_test_worst_case),
	{}
};

static struct kunit_suite espvti_mtu_suite = {
	.name = "espvti_mtu",
	.test_cases = espvti_mtu_cases,
};

kunit_test_suites(&espvti_mtu_suite);
