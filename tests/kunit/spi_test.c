// SPDX-License-Identifier: GPL-2.0
/*
 * SPI reservations of no interface (sa.c, SPI_ALLOC without one): in a
 * namespace's table of inbound SAs, refused to a second allocation, given
 * back, at most ESPVTI_MAX_UNBOUND at once, all gone with a flush. In
 * init_net, at the top of the SPI space, before the selftests run.
 */
#include <kunit/test.h>
#include <linux/rtnetlink.h>
#include <net/net_namespace.h>
#include <net/netlink.h>

#include "espvti.h"

#define SPI_BASE 0xfffff000u

static void espvti_test_spi_unbound(struct kunit *test)
{
	struct netlink_ext_ack extack = {};
	u32 spi = 0;

	rtnl_lock();
	KUNIT_EXPECT_EQ(test, espvti_sa_reserve_unbound(&init_net, SPI_BASE, SPI_BASE, &spi,
							&extack), 0);
	KUNIT_EXPECT_EQ(test, spi, SPI_BASE);
	/* Reserved: a range of that SPI alone has none free. */
	KUNIT_EXPECT_EQ(test, espvti_sa_reserve_unbound(&init_net, SPI_BASE, SPI_BASE, &spi,
							&extack), -ENOSPC);
	KUNIT_EXPECT_STREQ(test, extack._msg, "SPI range: no free SPI in it");
	/* Given back once; not twice. */
	KUNIT_EXPECT_EQ(test, espvti_sa_release_unbound(&init_net, htonl(SPI_BASE), &extack), 0);
	extack._msg = NULL;
	KUNIT_EXPECT_EQ(test, espvti_sa_release_unbound(&init_net, htonl(SPI_BASE), &extack),
			-ENOENT);
	KUNIT_EXPECT_NOT_NULL(test, extack._msg);
	/* Free again; the flush frees it too. */
	KUNIT_EXPECT_EQ(test, espvti_sa_reserve_unbound(&init_net, SPI_BASE, SPI_BASE, &spi,
							&extack), 0);
	espvti_sa_unbound_flush(&init_net);
	KUNIT_EXPECT_EQ(test, espvti_sa_reserve_unbound(&init_net, SPI_BASE, SPI_BASE, &spi,
							&extack), 0);
	espvti_sa_unbound_flush(&init_net);
	rtnl_unlock();
}

static void espvti_test_spi_unbound_limit(struct kunit *test)
{
	struct netlink_ext_ack extack = {};
	unsigned int i, made = 0;
	u32 spi, first = 0;

	rtnl_lock();
	for (i = 0; i < ESPVTI_MAX_UNBOUND; i++) {
		if (!espvti_sa_reserve_unbound(&init_net, SPI_BASE, SPI_BASE + 4095, &spi,
					       &extack))
			made++;
		if (!i)
			first = spi;
	}
	KUNIT_EXPECT_EQ(test, made, ESPVTI_MAX_UNBOUND);
	KUNIT_EXPECT_EQ(test, espvti_sa_reserve_unbound(&init_net, SPI_BASE, SPI_BASE + 4095,
							&spi, &extack), -ENOSPC);
	KUNIT_EXPECT_NOT_NULL(test, strstr(extack._msg, "(1024)"));
	/* One given back makes room for one. */
	KUNIT_EXPECT_EQ(test, espvti_sa_release_unbound(&init_net, htonl(first), &extack), 0);
	KUNIT_EXPECT_EQ(test, espvti_sa_reserve_unbound(&init_net, SPI_BASE, SPI_BASE + 4095,
							&spi, &extack), 0);
	espvti_sa_unbound_flush(&init_net);
	KUNIT_EXPECT_EQ(test, espvti_sa_reserve_unbound(&init_net, SPI_BASE, SPI_BASE + 4095,
							&spi, &extack), 0);
	espvti_sa_unbound_flush(&init_net);
	rtnl_unlock();
}

static struct kunit_case espvti_spi_cases[] = {
	KUNIT_CASE(espvti_test_spi_unbound),
	KUNIT_CASE(espvti_test_spi_unbound_limit),
	{}
};

static struct kunit_suite espvti_spi_suite = {
	.name = "espvti_spi",
	.test_cases = espvti_spi_cases,
};

kunit_test_suites(&espvti_spi_suite);
