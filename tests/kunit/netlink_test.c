// SPDX-License-Identifier: GPL-2.0
/*
 * The espvti genetlink attribute policy: what a request may carry, parsed
 * exactly as the family parses it (strict validation), with the extack
 * message a user would see.
 */
#include <kunit/test.h>
#include <linux/skbuff.h>
#include <net/netlink.h>

#include "espvti.h"

struct nl_ctx {
	struct sk_buff *skb;
	struct nlattr *tb[ESPVTI_A_MAX + 1];
	struct netlink_ext_ack extack;
};

static int nl_test_init(struct kunit *test)
{
	struct nl_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->skb = alloc_skb(NLMSG_GOODSIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->skb);
	test->priv = ctx;
	return 0;
}

static void nl_test_exit(struct kunit *test)
{
	struct nl_ctx *ctx = test->priv;

	kfree_skb(ctx->skb);
}

static int nl_parse(struct nl_ctx *ctx)
{
	return nla_parse(ctx->tb, ESPVTI_A_MAX, (struct nlattr *)ctx->skb->data,
			 ctx->skb->len, espvti_genl_policy, &ctx->extack);
}

static void espvti_test_nl_ifindex(struct kunit *test)
{
	struct nl_ctx *ctx = test->priv;

	KUNIT_ASSERT_EQ(test, nla_put_u32(ctx->skb, ESPVTI_A_IFINDEX, 7), 0);
	KUNIT_EXPECT_EQ(test, nl_parse(ctx), 0);
	KUNIT_ASSERT_NOT_NULL(test, ctx->tb[ESPVTI_A_IFINDEX]);
	KUNIT_EXPECT_EQ(test, nla_get_u32(ctx->tb[ESPVTI_A_IFINDEX]), 7u);
	KUNIT_EXPECT_NULL(test, ctx->tb[ESPVTI_A_IFNAME]);
}

static void espvti_test_nl_ifindex_zero(struct kunit *test)
{
	struct nl_ctx *ctx = test->priv;

	KUNIT_ASSERT_EQ(test, nla_put_u32(ctx->skb, ESPVTI_A_IFINDEX, 0), 0);
	KUNIT_EXPECT_EQ(test, nl_parse(ctx), -ERANGE);
	KUNIT_EXPECT_NOT_NULL(test, ctx->extack._msg);
	KUNIT_EXPECT_PTR_EQ(test, ctx->extack.bad_attr,
			    (const struct nlattr *)ctx->skb->data);
}

static void espvti_test_nl_ifindex_short(struct kunit *test)
{
	struct nl_ctx *ctx = test->priv;

	KUNIT_ASSERT_EQ(test, nla_put_u16(ctx->skb, ESPVTI_A_IFINDEX, 3), 0);
	KUNIT_EXPECT_LT(test, nl_parse(ctx), 0);
	KUNIT_EXPECT_NOT_NULL(test, ctx->extack._msg);
}

static void espvti_test_nl_ifname(struct kunit *test)
{
	struct nl_ctx *ctx = test->priv;

	/* IFNAMSIZ - 1 characters is the longest name. */
	KUNIT_ASSERT_EQ(test, nla_put_string(ctx->skb, ESPVTI_A_IFNAME,
					     "vti-0123456789a"), 0);
	KUNIT_EXPECT_EQ(test, nl_parse(ctx), 0);
	KUNIT_ASSERT_NOT_NULL(test, ctx->tb[ESPVTI_A_IFNAME]);
	KUNIT_EXPECT_STREQ(test, (char *)nla_data(ctx->tb[ESPVTI_A_IFNAME]),
			   "vti-0123456789a");
}

static void espvti_test_nl_ifname_too_long(struct kunit *test)
{
	struct nl_ctx *ctx = test->priv;

	KUNIT_ASSERT_EQ(test, nla_put_string(ctx->skb, ESPVTI_A_IFNAME,
					     "vti-0123456789ab"), 0);
	KUNIT_EXPECT_LT(test, nl_parse(ctx), 0);
	KUNIT_EXPECT_NOT_NULL(test, ctx->extack._msg);
}

static void espvti_test_nl_ifname_unterminated(struct kunit *test)
{
	struct nl_ctx *ctx = test->priv;

	KUNIT_ASSERT_EQ(test, nla_put(ctx->skb, ESPVTI_A_IFNAME, 4, "vti0"), 0);
	KUNIT_EXPECT_EQ(test, nl_parse(ctx), -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, ctx->extack._msg);
}

/* What only the kernel reports cannot be sent in a request. */
static void espvti_test_nl_read_only(struct kunit *test)
{
	static const int ro[] = {
		ESPVTI_A_ID, ESPVTI_A_MTU, ESPVTI_A_OPER_UP, ESPVTI_A_CARRIER,
	};
	struct nl_ctx *ctx = test->priv;
	int i;

	for (i = 0; i < ARRAY_SIZE(ro); i++) {
		skb_trim(ctx->skb, 0);
		memset(&ctx->extack, 0, sizeof(ctx->extack));
		KUNIT_ASSERT_EQ(test, nla_put_u32(ctx->skb, ro[i], 1), 0);
		KUNIT_EXPECT_EQ_MSG(test, nl_parse(ctx), -EINVAL, "attr %d", ro[i]);
		KUNIT_EXPECT_NOT_NULL(test, ctx->extack._msg);
	}
}

static void espvti_test_nl_unknown(struct kunit *test)
{
	struct nl_ctx *ctx = test->priv;

	KUNIT_ASSERT_EQ(test, nla_put_u32(ctx->skb, ESPVTI_A_MAX + 1, 1), 0);
	KUNIT_EXPECT_EQ(test, nl_parse(ctx), -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, ctx->extack._msg);
}

/* An SA nest holding one lifetime nest @life with one u64 @attr = @v. */
static int nl_put_sa_life(struct nl_ctx *ctx, int life, int attr, u64 v)
{
	struct nlattr *sa = nla_nest_start(ctx->skb, ESPVTI_A_SA);
	struct nlattr *l = nla_nest_start(ctx->skb, life);

	if (!sa || !l || nla_put_u64_64bit(ctx->skb, attr, v, 0))
		return -EMSGSIZE;
	nla_nest_end(ctx->skb, l);
	nla_nest_end(ctx->skb, sa);
	return 0;
}

static void espvti_test_nl_lifetime(struct kunit *test)
{
	struct nl_ctx *ctx = test->priv;

	KUNIT_ASSERT_EQ(test, nl_put_sa_life(ctx, ESPVTI_SA_A_HARD, ESPVTI_LIFE_A_PACKETS, 10), 0);
	KUNIT_EXPECT_EQ(test, nl_parse(ctx), 0);
	KUNIT_EXPECT_NOT_NULL(test, ctx->tb[ESPVTI_A_SA]);
}

/* A lifetime limit is a u64: a u32 is the wrong type, and refused. */
static void espvti_test_nl_lifetime_wrong_type(struct kunit *test)
{
	struct nl_ctx *ctx = test->priv;
	struct nlattr *sa = nla_nest_start(ctx->skb, ESPVTI_A_SA);
	struct nlattr *l = nla_nest_start(ctx->skb, ESPVTI_SA_A_SOFT);

	KUNIT_ASSERT_NOT_NULL(test, sa);
	KUNIT_ASSERT_NOT_NULL(test, l);
	KUNIT_ASSERT_EQ(test, nla_put_u32(ctx->skb, ESPVTI_LIFE_A_BYTES, 10), 0);
	nla_nest_end(ctx->skb, l);
	nla_nest_end(ctx->skb, sa);
	KUNIT_EXPECT_EQ(test, nl_parse(ctx), -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, ctx->extack._msg);
	KUNIT_EXPECT_PTR_EQ(test, (const struct nlattr *)ctx->extack.bad_attr,
			    (const struct nlattr *)nla_data(l));
}

/* What the kernel reports (age, counts) cannot be set; the message says so. */
static void espvti_test_nl_sa_read_only(struct kunit *test)
{
	struct nl_ctx *ctx = test->priv;
	struct nlattr *sa = nla_nest_start(ctx->skb, ESPVTI_A_SA);

	KUNIT_ASSERT_NOT_NULL(test, sa);
	KUNIT_ASSERT_EQ(test, nla_put_u64_64bit(ctx->skb, ESPVTI_SA_A_PACKETS, 1, 0), 0);
	nla_nest_end(ctx->skb, sa);
	KUNIT_EXPECT_EQ(test, nl_parse(ctx), -EINVAL);
	KUNIT_EXPECT_STREQ(test, ctx->extack._msg, "read-only: only the kernel sets it");
}

/* SPI_ALLOC ranges: reserved SPIs (1..255) are out of range. */
static void espvti_test_nl_spi_min(struct kunit *test)
{
	struct nl_ctx *ctx = test->priv;

	KUNIT_ASSERT_EQ(test, nla_put_u32(ctx->skb, ESPVTI_A_SPI_MIN, 255), 0);
	KUNIT_EXPECT_EQ(test, nl_parse(ctx), -ERANGE);
	KUNIT_EXPECT_NOT_NULL(test, ctx->extack._msg);
	skb_trim(ctx->skb, 0);
	memset(&ctx->extack, 0, sizeof(ctx->extack));
	KUNIT_ASSERT_EQ(test, nla_put_u32(ctx->skb, ESPVTI_A_SPI_MIN, 256), 0);
	KUNIT_EXPECT_EQ(test, nl_parse(ctx), 0);
}

/* CURRENT is a flag (0 or 1). */
static void espvti_test_nl_current(struct kunit *test)
{
	struct nl_ctx *ctx = test->priv;
	struct nlattr *sa = nla_nest_start(ctx->skb, ESPVTI_A_SA);

	KUNIT_ASSERT_NOT_NULL(test, sa);
	KUNIT_ASSERT_EQ(test, nla_put_u8(ctx->skb, ESPVTI_SA_A_CURRENT, 2), 0);
	nla_nest_end(ctx->skb, sa);
	KUNIT_EXPECT_EQ(test, nl_parse(ctx), -ERANGE);
}

static struct kunit_case espvti_netlink_cases[] = {
	KUNIT_CASE(espvti_test_nl_lifetime),
	KUNIT_CASE(espvti_test_nl_lifetime_wrong_type),
	KUNIT_CASE(espvti_test_nl_sa_read_only),
	KUNIT_CASE(espvti_test_nl_spi_min),
	KUNIT_CASE(espvti_test_nl_current),
	KUNIT_CASE(espvti_test_nl_ifindex),
	KUNIT_CASE(espvti_test_nl_ifindex_zero),
	KUNIT_CASE(espvti_test_nl_ifindex_short),
	KUNIT_CASE(espvti_test_nl_ifname),
	KUNIT_CASE(espvti_test_nl_ifname_too_long),
	KUNIT_CASE(espvti_test_nl_ifname_unterminated),
	KUNIT_CASE(espvti_test_nl_read_only),
	KUNIT_CASE(espvti_test_nl_unknown),
	{}
};

static struct kunit_suite espvti_netlink_suite = {
	.name = "espvti_netlink",
	.init = nl_test_init,
	.exit = nl_test_exit,
	.test_cases = espvti_netlink_cases,
};

kunit_test_suites(&espvti_netlink_suite);
