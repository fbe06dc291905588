// SPDX-License-Identifier: GPL-2.0
/*
 * espvti: event subscribers, for kernels whose generic netlink cannot make
 * joining a multicast group need CAP_NET_ADMIN.
 *
 * Events (acquires with the inner flow, SA events, NAT changes) are for
 * the administrator of the interface's namespace. Since Linux 6.7 (and the
 * stable kernels the change went back to) the "events" group says so with
 * GENL_MCAST_CAP_NET_ADMIN and the kernel checks it when a socket joins.
 * Older kernels have neither that flag nor a hook to check a join: any
 * user of the namespace could join the group and read every event. There
 * events are not multicast at all; a socket asks for them with
 * EVENTS_SUBSCRIBE (an operation for CAP_NET_ADMIN over the namespace,
 * GENL_UNS_ADMIN_PERM: the rule the flag applies) and gets them by unicast
 * until it closes (NETLINK_URELEASE) or can no longer be reached.
 *
 * The module parameter events_unicast=1 delivers this way on any kernel
 * (what the selftests use to show the rule on kernels that have the flag).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "espvti.h"

#ifdef GENL_MCAST_CAP_NET_ADMIN
bool espvti_events_unicast __read_mostly;
#else
bool espvti_events_unicast __read_mostly = true;
#endif
module_param_named(events_unicast, espvti_events_unicast, bool, 0444);
MODULE_PARM_DESC(events_unicast,
		 "Send events only to sockets that subscribed with CAP_NET_ADMIN (default: on kernels without GENL_MCAST_CAP_NET_ADMIN)");

struct espvti_subscriber {
	struct list_head list;	/* espvti_net.subscribers */
	u32 portid;
	struct rcu_head rcu;
};

/* Takes @s off the list; subscribers_lock held. */
static void espvti_subscriber_unlink(struct espvti_net *en, struct espvti_subscriber *s)
{
	list_del_rcu(&s->list);
	en->n_subscribers--;
	kfree_rcu(s, rcu);
}

/* Subscribes the socket @portid of @net; once is enough. */
int espvti_subscribers_add(struct net *net, u32 portid, struct netlink_ext_ack *extack)
{
	struct espvti_net *en = espvti_pernet(net);
	struct espvti_subscriber *s, *new;
	int err = 0;

	new = kzalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
	if (!new)
		return -ENOMEM;
	new->portid = portid;
	spin_lock_bh(&en->subscribers_lock);
	list_for_each_entry(s, &en->subscribers, list) {
		if (s->portid == portid)
			goto out;	/* already: frees @new */
	}
	if (en->n_subscribers >= ESPVTI_MAX_SUBSCRIBERS) {
		NL_SET_ERR_MSG(extack, "too many sockets subscribe to events in this namespace");
		err = -ENOSPC;
		goto out;
	}
	list_add_tail_rcu(&new->list, &en->subscribers);
	en->n_subscribers++;
	new = NULL;
out:
	spin_unlock_bh(&en->subscribers_lock);
	kfree(new);
	return err;
}

static void espvti_subscribers_del(struct net *net, u32 portid)
{
	struct espvti_net *en = espvti_pernet(net);
	struct espvti_subscriber *s;

	spin_lock_bh(&en->subscribers_lock);
	list_for_each_entry(s, &en->subscribers, list) {
		if (s->portid == portid) {
			espvti_subscriber_unlink(en, s);
			break;
		}
	}
	spin_unlock_bh(&en->subscribers_lock);
}

/* Whether an event in @net would reach anyone. */
bool espvti_subscribers_any(struct net *net)
{
	return !list_empty(&espvti_pernet(net)->subscribers);
}

/*
 * Sends @msg (consumed) to every subscriber in @net, without waiting: a
 * socket whose buffer is full loses the event and is told so (ENOBUFS on
 * its next receive), as with a multicast group; one that is gone (its
 * portid unbound) is dropped. Any context (@gfp says which).
 */
void espvti_subscribers_send(struct net *net, struct sk_buff *msg, gfp_t gfp)
{
	struct espvti_net *en = espvti_pernet(net);
	u32 portids[ESPVTI_MAX_SUBSCRIBERS];
	struct espvti_subscriber *s;
	unsigned int i, n = 0;
	struct sk_buff *skb;

	rcu_read_lock();
	list_for_each_entry_rcu(s, &en->subscribers, list) {
		if (n == ARRAY_SIZE(portids))
			break;
		portids[n++] = s->portid;
	}
	rcu_read_unlock();
	for (i = 0; i < n; i++) {
		skb = skb_clone(msg, gfp);
		if (!skb)
			break;
		if (genlmsg_unicast(net, skb, portids[i]) == -ECONNREFUSED)
			espvti_subscribers_del(net, portids[i]);
	}
	nlmsg_free(msg);
}

/* A dying namespace: its sockets are gone, and so are their entries. */
void espvti_subscribers_flush(struct net *net)
{
	struct espvti_net *en = espvti_pernet(net);
	struct espvti_subscriber *s, *tmp;

	spin_lock_bh(&en->subscribers_lock);
	list_for_each_entry_safe(s, tmp, &en->subscribers, list)
		espvti_subscriber_unlink(en, s);
	spin_unlock_bh(&en->subscribers_lock);
}

/* A netlink socket closed: if it subscribed, it no longer does. */
static int espvti_subscribers_event(struct notifier_block *nb, unsigned long event, void *ptr)
{
	struct netlink_notify *n = ptr;

	if (event == NETLINK_URELEASE && n->protocol == NETLINK_GENERIC)
		espvti_subscribers_del(n->net, n->portid);
	return NOTIFY_DONE;
}

static struct notifier_block espvti_subscribers_notifier = {
	.notifier_call = espvti_subscribers_event,
};

int __init espvti_subscribers_init(void)
{
	if (espvti_events_unicast)
		pr_info("events go only to sockets that subscribe (CAP_NET_ADMIN)\n");
	return netlink_register_notifier(&espvti_subscribers_notifier);
}

void espvti_subscribers_uninit(void)
{
	netlink_unregister_notifier(&espvti_subscribers_notifier);
}
