// SPDX-License-Identifier: GPL-2.0
/*
 * kernel-espvti: a charon plugin that keys espvti interfaces. It provides
 * "kernel-ipsec" (load it with a higher priority than kernel-netlink, which
 * keeps doing addresses and routes).
 */
#define _GNU_SOURCE	/* memmem */
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <daemon.h>
#include <plugins/plugin.h>
#include <utils/capabilities.h>

#include "kernel_espvti_ipsec.h"

/* The strongSwan whose headers this was compiled with (config.h). */
#ifndef ESPVTI_SS_BUILT_FOR
#define ESPVTI_SS_BUILT_FOR VERSION
#endif

/*
 * The version in the banner of the program that loads us: "(strongSwan
 * 5.9.8, ..." in charon, "(strongSwan 5.9.8)" in charon-nm. Into @v; FALSE
 * when the program has no such banner (charon-systemd prints it with %s).
 */
static bool exe_version(char *v, size_t len)
{
	static const char tag[] = "(strongSwan ";
	const char *p, *end, *q;
	struct stat st;
	bool found = FALSE;
	void *map;
	size_t n;
	int fd;

	fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return FALSE;
	if (fstat(fd, &st) || !st.st_size || st.st_size > 64 << 20) {
		close(fd);
		return FALSE;
	}
	map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return FALSE;
	p = map;
	end = p + st.st_size;
	while (!found && (q = memmem(p, end - p, tag, sizeof(tag) - 1))) {
		q += sizeof(tag) - 1;
		for (n = 0; q + n < end && (isdigit((unsigned char)q[n]) || q[n] == '.'); n++)
			;
		if (n && n < len && q + n < end && (q[n] == ',' || q[n] == ')') &&
		    isdigit((unsigned char)q[0])) {
			memcpy(v, q, n);
			v[n] = '\0';
			found = TRUE;
		}
		p = q;
	}
	munmap(map, st.st_size);
	return found;
}

/*
 * The upstream version of the installed libstrongswan package, the library
 * we are linked with, as dpkg-query tells it, into @v; FALSE without one.
 */
static bool dpkg_version(char *v, size_t len)
{
	char line[128], *s = NULL;
	FILE *f;

	if (access("/usr/bin/dpkg-query", X_OK))
		return FALSE;
	f = popen("/usr/bin/dpkg-query -W -f='${Version}' libstrongswan 2>/dev/null", "re");
	if (!f)
		return FALSE;
	if (fgets(line, sizeof(line), f)) {
		s = strchr(line, ':');		/* an epoch */
		s = s ? s + 1 : line;
		s[strcspn(s, "-\n")] = '\0';	/* the Debian revision */
	}
	if (pclose(f) || !s || !*s || strlen(s) >= len)
		return FALSE;
	memcpy(v, s, strlen(s) + 1);
	return TRUE;
}

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
	const char *how = "its banner";
	char v[32];

	/*
	 * charon's loader has no ABI check: built against other headers, this
	 * plugin would crash it. Refuse before touching any of its structures.
	 */
	if (!exe_version(v, sizeof(v))) {
		how = "the libstrongswan package";
		if (!dpkg_version(v, sizeof(v)))
			how = NULL;
	}
	if (!how) {
		DBG1(DBG_LIB,
		     "kernel-espvti: built for strongSwan %s; cannot tell which strongSwan this is: loading",
		     ESPVTI_SS_BUILT_FOR);
	} else if (!streq(v, ESPVTI_SS_BUILT_FOR)) {
		DBG1(DBG_LIB,
		     "kernel-espvti: refused to load: built for strongSwan %s, but this is strongSwan %s (%s); rebuild it against %s's headers (make strongswan-plugin, or the espvti-strongswan package built for it)",
		     ESPVTI_SS_BUILT_FOR, v, how, v);
		return NULL;
	}

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
