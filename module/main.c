// SPDX-License-Identifier: GPL-2.0
/*
 * espvti: route-based IPsec interfaces.
 *
 * Registration in order, unwinding in reverse; nothing else lives here.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/rhashtable.h>
#include <linux/rtnetlink.h>
#include <net/net_namespace.h>
#include <net/rtnetlink.h>

#include "espvti.h"

unsigned int espvti_net_id __read_mostly;
struct workqueue_struct *espvti_wq __read_mostly;

static int __net_init espvti_net_init(struct net *net)
{
	struct espvti_net *en = espvti_pernet(net);

	INIT_LIST_HEAD(&en->devs);
	INIT_LIST_HEAD(&en->tunnels);
	INIT_LIST_HEAD(&en->unbound);
	INIT_LIST_HEAD(&en->subscribers);
	spin_lock_init(&en->subscribers_lock);
	return rhashtable_init(&en->sa_in, &espvti_sa_params);
}

/* A dying namespace takes its espvti interfaces with it. */
static void __net_exit espvti_net_exit_batch(struct list_head *net_list)
{
	struct net *net;
	LIST_HEAD(kill);

	rtnl_lock();
	list_for_each_entry(net, net_list, exit_list) {
		espvti_device_delete_net(net, &kill);
		espvti_sa_unbound_flush(net);
	}
	unregister_netdevice_many(&kill);
	rtnl_unlock();

	list_for_each_entry(net, net_list, exit_list) {
		struct espvti_net *en = espvti_pernet(net);

		WARN_ON_ONCE(!list_empty(&en->devs));
		WARN_ON_ONCE(!list_empty(&en->tunnels));
		WARN_ON_ONCE(atomic_read(&en->sa_in.nelems));
		rhashtable_destroy(&en->sa_in);
		espvti_subscribers_flush(net);
	}
}

static struct pernet_operations espvti_net_ops = {
	.init		= espvti_net_init,
	.exit_batch	= espvti_net_exit_batch,
	.id		= &espvti_net_id,
	.size		= sizeof(struct espvti_net),
};

static int __init espvti_init(void)
{
	int err;

	espvti_wq = alloc_workqueue("espvti", WQ_UNBOUND, 0);
	if (!espvti_wq)
		return -ENOMEM;
	err = espvti_crypt_init();
	if (err)
		goto err_wq;
	err = espvti_gso_init();
	if (err)
		goto err_crypt;
	err = register_pernet_device(&espvti_net_ops);
	if (err)
		goto err_gso;
	err = espvti_device_init();
	if (err)
		goto err_pernet;
	err = espvti_esp_init();
	if (err)
		goto err_device;
	err = espvti_subscribers_init();
	if (err)
		goto err_esp;
	err = espvti_genl_init();
	if (err)
		goto err_subscribers;

	pr_info("version " ESPVTI_VERSION " loaded\n");
	return 0;

err_subscribers:
	espvti_subscribers_uninit();
err_esp:
	espvti_esp_uninit();
err_device:
	espvti_device_uninit();
err_pernet:
	unregister_pernet_device(&espvti_net_ops);
err_gso:
	espvti_gso_uninit();
err_crypt:
	espvti_crypt_uninit();
err_wq:
	destroy_workqueue(espvti_wq);
	return err;
}

static void __exit espvti_exit(void)
{
	espvti_genl_uninit();
	espvti_subscribers_uninit();
	espvti_esp_uninit();
	espvti_device_uninit();
	unregister_pernet_device(&espvti_net_ops);
	espvti_crypt_uninit();		/* packets still in flight end first */
	espvti_gso_uninit();		/* pages in flight come back to the kernel */
	destroy_workqueue(espvti_wq);	/* expiry work still queued ends first */
	/*
	 * SAs are freed by RCU callbacks, in this module: an unlinked SA's
	 * last reference goes in one, which queues its freeing in another.
	 */
	rcu_barrier();
	rcu_barrier();
	pr_info("unloaded\n");
}

module_init(espvti_init);
module_exit(espvti_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Route-based IPsec (ESP) tunnel interfaces");
MODULE_AUTHOR("The espvti developers");
MODULE_VERSION(ESPVTI_VERSION);
MODULE_ALIAS_RTNL_LINK(ESPVTI_LINK_KIND);
MODULE_ALIAS_GENL_FAMILY(ESPVTI_GENL_NAME);
