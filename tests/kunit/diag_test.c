// SPDX-License-Identifier: GPL-2.0
/*
 * What an interface keeps for espvti diagnose (diag.c): the ring of
 * events keeps the newest ESPVTI_DIAG_EVENTS, oldest first; the last
 * unknown SPI, replay distance (clamped), too-big MTU and refused flow
 * (as it travelled) reach the DIAG nest.
 */
#include <kunit/test.h>
#include <linux/rtnetlink.h>
#include <net/netlink.h>

#include "espvti.h"

/* The DIAG nest of @edev, put into a fresh skb; its attributes in @tb. */
static struct nlattr *espvti_test_diag_nest(struct kunit *test, struct espvti_dev *edev,
					    struct sk_buff **skb)
{
	int err;

	*skb = nlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, *skb);
	rtnl_lock();
	err = espvti_diag_put(*skb, edev);
	rtnl_unlock();
	KUNIT_ASSERT_EQ(test, err, 0);
	return (struct nlattr *)(*skb)->data;
}

static void espvti_test_diag_ring(struct kunit *test)
{
	struct espvti_dev *edev = kunit_kzalloc(test, sizeof(*edev), GFP_KERNEL);
	struct espvti_sa *sa = kunit_kzalloc(test, sizeof(*sa), GFP_KERNEL);
	struct nlattr *nest, *ev, *a;
	unsigned int i, n = 0;
	struct sk_buff *skb;
	int rem, rem2;

	KUNIT_ASSERT_NOT_NULL(test, edev);
	KUNIT_ASSERT_NOT_NULL(test, sa);
	espvti_diag_init(&edev->diag);
	sa->dir = ESPVTI_SA_DIR_IN;
	rtnl_lock();
	espvti_diag_event(edev, ESPVTI_EVENT_CARRIER_ON, NULL, 0);
	for (i = 0; i < ESPVTI_DIAG_EVENTS + 3; i++) {
		sa->spi = htonl(256 + i);
		espvti_diag_event(edev, ESPVTI_EVENT_SA_DEL, sa, ESPVTI_DEL_EXPIRED);
	}
	rtnl_unlock();

	nest = espvti_test_diag_nest(test, edev, &skb);
	nla_for_each_nested(ev, nest, rem) {
		KUNIT_EXPECT_EQ(test, nla_type(ev), ESPVTI_DIAG_A_EVENT);
		nla_for_each_nested(a, ev, rem2) {
			if (nla_type(a) == ESPVTI_EVENT_A_TYPE)
				KUNIT_EXPECT_EQ(test, nla_get_u8(a), ESPVTI_EVENT_SA_DEL);
			else if (nla_type(a) == ESPVTI_EVENT_A_SPI)
				KUNIT_EXPECT_EQ(test, nla_get_u32(a), 256 + 3 + n);
			else if (nla_type(a) == ESPVTI_EVENT_A_REASON)
				KUNIT_EXPECT_EQ(test, nla_get_u8(a), ESPVTI_DEL_EXPIRED);
		}
		n++;
	}
	/* The carrier event and the 3 oldest removals fell out. */
	KUNIT_EXPECT_EQ(test, n, ESPVTI_DIAG_EVENTS);
	kfree_skb(skb);
}

static void espvti_test_diag_last(struct kunit *test)
{
	struct espvti_dev *edev = kunit_kzalloc(test, sizeof(*edev), GFP_KERNEL);
	struct espvti_flow fl = {
		.family = AF_INET, .proto = IPPROTO_TCP, .ports = true,
		.src.v4 = htonl(0xac100002), .dst.v4 = htonl(0xac100001),
		.sport = 443, .dport = 40000,
	};
	struct nlattr *nest, *a, *f;
	unsigned int seen = 0;
	struct sk_buff *skb;
	int rem, rem2;

	KUNIT_ASSERT_NOT_NULL(test, edev);
	espvti_diag_init(&edev->diag);
	nest = espvti_test_diag_nest(test, edev, &skb);
	KUNIT_EXPECT_EQ(test, nla_len(nest), 0);	/* nothing seen yet */
	kfree_skb(skb);

	espvti_diag_unknown_spi(edev, htonl(0x1234));
	espvti_diag_replay(edev, 1ULL << 40);
	espvti_diag_too_big(edev, 1146);
	/* Inbound: reversed, as the selectors see it; kept as it came. */
	espvti_diag_refused(edev, &fl, ESPVTI_SA_DIR_IN);

	nest = espvti_test_diag_nest(test, edev, &skb);
	nla_for_each_nested(a, nest, rem) {
		switch (nla_type(a)) {
		case ESPVTI_DIAG_A_UNKNOWN_SPI:
			KUNIT_EXPECT_EQ(test, nla_get_u32(a), 0x1234u);
			break;
		case ESPVTI_DIAG_A_REPLAY_BEHIND:
			KUNIT_EXPECT_EQ(test, nla_get_u32(a), U32_MAX);
			break;
		case ESPVTI_DIAG_A_TOO_BIG_MTU:
			KUNIT_EXPECT_EQ(test, nla_get_u32(a), 1146u);
			break;
		case ESPVTI_DIAG_A_REFUSED_DIR:
			KUNIT_EXPECT_EQ(test, nla_get_u8(a), ESPVTI_SA_DIR_IN);
			break;
		case ESPVTI_DIAG_A_REFUSED:
			nla_for_each_nested(f, a, rem2) {
				__be32 src = htonl(0xac100001);

				if (nla_type(f) == ESPVTI_SEL_A_SRC)
					KUNIT_EXPECT_EQ(test, nla_get_in_addr(f), src);
				else if (nla_type(f) == ESPVTI_SEL_A_DPORT_MIN)
					KUNIT_EXPECT_EQ(test, nla_get_u16(f), 443);
			}
			break;
		}
		seen |= BIT(nla_type(a));
	}
	KUNIT_EXPECT_EQ(test, seen, BIT(ESPVTI_DIAG_A_UNKNOWN_SPI) |
			BIT(ESPVTI_DIAG_A_REPLAY_BEHIND) | BIT(ESPVTI_DIAG_A_TOO_BIG_MTU) |
			BIT(ESPVTI_DIAG_A_REFUSED) | BIT(ESPVTI_DIAG_A_REFUSED_DIR));
	kfree_skb(skb);
}

static struct kunit_case espvti_diag_cases[] = {
	KUNIT_CASE(espvti_test_diag_ring),
	KUNIT_CASE(espvti_test_diag_last),
	{}
};

static struct kunit_suite espvti_diag_suite = {
	.name = "espvti_diag",
	.test_cases = espvti_diag_cases,
};

kunit_test_suites(&espvti_diag_suite);
