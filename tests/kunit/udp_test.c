// SPDX-License-Identifier: GPL-2.0
/*
 * ESP in UDP (RFC 3948 section 2): what a UDP payload on espvti's socket
 * is, from its length and first bytes: a NAT keepalive (one byte 0xff),
 * the non-ESP marker (four zero bytes, IKE), too short for an ESP header
 * (8 bytes), or ESP.
 */
#include <kunit/test.h>

#include "espvti.h"

struct udp_case {
	const char *name;
	u8 data[8];
	unsigned int len;
	enum espvti_udp_kind kind;
};

static const struct udp_case udp_cases[] = {
	{ "empty", {}, 0, ESPVTI_UDP_MALFORMED },
	{ "keepalive", { 0xff }, 1, ESPVTI_UDP_KEEPALIVE },
	{ "one byte, not 0xff", { 0x01 }, 1, ESPVTI_UDP_MALFORMED },
	{ "one zero byte", { 0x00 }, 1, ESPVTI_UDP_MALFORMED },
	{ "0xff and more", { 0xff, 0xff }, 2, ESPVTI_UDP_MALFORMED },
	{ "three zero bytes", { 0, 0, 0 }, 3, ESPVTI_UDP_MALFORMED },
	{ "marker alone", { 0, 0, 0, 0 }, 4, ESPVTI_UDP_NON_ESP },
	{ "marker and IKE", { 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78 }, 8, ESPVTI_UDP_NON_ESP },
	{ "marker, long", { 0, 0, 0, 0, 0xde, 0xad }, 200, ESPVTI_UDP_NON_ESP },
	{ "SPI but no sequence number", { 0, 0, 0x10, 0x01, 0, 0, 0 }, 7,
	  ESPVTI_UDP_MALFORMED },
	{ "ESP header only", { 0, 0, 0x10, 0x01, 0, 0, 0, 1 }, 8, ESPVTI_UDP_ESP },
	{ "ESP, SPI with a zero byte first", { 0, 0x01, 0, 0, 0, 0, 0, 1 }, 100,
	  ESPVTI_UDP_ESP },
	{ "ESP, last SPI byte only", { 0, 0, 0, 1, 0, 0, 0, 1 }, 60, ESPVTI_UDP_ESP },
	{ "ESP, all 0xff", { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, 1400,
	  ESPVTI_UDP_ESP },
};

static void udp_case_desc(const struct udp_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(udp, udp_cases, udp_case_desc);

static void espvti_test_udp_classify(struct kunit *test)
{
	const struct udp_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, espvti_udp_classify(c->data, c->len), c->kind);
}

static struct kunit_case espvti_udp_test_cases[] = {
	KUNIT_CASE_PARAM(espvti_test_udp_classify, udp_gen_params),
	{}
};

static struct kunit_suite espvti_udp_test_suite = {
	.name = "espvti_udp",
	.test_cases = espvti_udp_test_cases,
};

kunit_test_suites(&espvti_udp_test_suite);
