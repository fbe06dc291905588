// SPDX-License-Identifier: GPL-2.0
/*
 * espvti: what the printers of every object share: a list as lines or as a
 * JSON array, addresses, names, JSON strings and booleans.
 */
#include "espvti.h"

#include <arpa/inet.h>
#include <stdio.h>

/* Every item of @list, a line each, or as a JSON array. */
void print_list(const struct list *list, bool json, void (*plain)(const void *),
		void (*json_item)(const void *))
{
	const char *item = list->items;
	size_t i;

	if (json)
		putchar('[');
	for (i = 0; i < list->n; i++, item += list->size) {
		if (!json) {
			plain(item);
			continue;
		}
		if (i)
			putchar(',');
		json_item(item);
	}
	if (json)
		printf("]\n");
}

const char *addr_str(const struct addr *addr, char *buf, size_t size)
{
	if (!inet_ntop(addr->family, addr->bytes, buf, size))
		snprintf(buf, size, "?");
	return buf;
}

const char *family_name(int family)
{
	if (family == AF_INET)
		return "inet";
	if (family == AF_INET6)
		return "inet6";
	return NULL;
}

const char *dir_name(uint8_t dir)
{
	if (dir == ESPVTI_SA_DIR_IN)
		return "in";
	if (dir == ESPVTI_SA_DIR_OUT)
		return "out";
	return NULL;
}

/* A direction for text: "in", "out", or "?". */
const char *dir_str(uint8_t dir)
{
	return dir_name(dir) ? dir_name(dir) : "?";
}

/* names[i], or NULL when @i is past the end or has no name. */
const char *name_of(const char *const *names, size_t n, unsigned int i)
{
	return i < n ? names[i] : NULL;
}

const char *json_bool(bool val)
{
	return val ? "true" : "false";
}

void print_json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}
