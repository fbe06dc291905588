// SPDX-License-Identifier: GPL-2.0
/*
 * kernel-espvti: a charon plugin that keys espvti interfaces. It provides
 * "kernel-ipsec" (load it with a higher priority than kernel-netlink, which
 * keeps doing addresses and routes).
 */
#include <daemon.h>
#include <plugins/plugin.h>
#include <utils/capabilities.h>

#include "kernel_espvti_ipsec.h"

typedef struct {
	plugin_t plugin;
} private_kernel_espvti_plugin_t;

METHOD(plugin_t, get_name, char *, private_kernel_espvti_plugin_t *this)
{
	return "kernel-espvti";
}

METHOD(plugin_t, get_features, int, private_kernel_espvti_plugin_t *this,
	plugin_feature_t *features[])
{
	static plugin_feature_t f[] = {
		PLUGIN_CALLBACK(kernel_ipsec_register, kernel_espvti_ipsec_create),
			PLUGIN_PROVIDE(CUSTOM, "kernel-ipsec"),
	};
	*features = f;
	return countof(f);
}

METHOD(plugin_t, destroy, void, private_kernel_espvti_plugin_t *this)
{
	free(this);
}

plugin_t *kernel_espvti_plugin_create(void);

plugin_t *kernel_espvti_plugin_create(void)
{
	private_kernel_espvti_plugin_t *this;

	/* Every espvti request that changes something needs it. */
	if (!lib->caps->keep(lib->caps, CAP_NET_ADMIN)) {
		DBG1(DBG_KNL, "kernel-espvti plugin requires CAP_NET_ADMIN capability");
		return NULL;
	}
	INIT(this, .plugin = {
			.get_name = _get_name,
			.get_features = _get_features,
			.destroy = _destroy,
		},
	);
	return &this->plugin;
}
