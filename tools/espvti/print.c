// SPDX-License-Identifier: GPL-2.0
/*
 * espvti: what the printer of every object uses, one printer for text and
 * JSON alike: a list as lines or as a JSON array, the fields of an object
 * (a number, a string, a flag: ,"key":value or its text), addresses, names,
 * JSON strings and booleans.
 */
#include "espvti.h"

#include <arpa/inet.h>
#include <stdio.h>

/* Every item of @list, by @print: a line each, or a JSON array. */
void print_list(const struct list *list, bool json, void (*print)(bool json, const void *item))
{
	const char *item = list->items;
	size_t i;

	if (json)
		putchar('[');
	for (i = 0; i < list->n; i++, item += list->size) {
		if (json && i)
			putchar(',');
		print(json, item);
	}
	if (json)
		printf("]\n");
}

/*
 * The printers of the fields of an object, one for text and JSON: in JSON
 * ,"KEY":VALUE (the object's first field is printed by hand); in text
 * VALUE by the printf format @text (with the space before it), or nothing
 * when @text is NULL.
 */
void print_uint(bool json, const char *key, const char *text, unsigned long long val)
{
	if (json)
		printf(",\"%s\":%llu", key, val);
	else if (text)
		printf(text, val);
}

/* A string field: names and addresses, which need no JSON escapes. */
void print_str(bool json, const char *key, const char *text, const char *val)
{
	if (json)
		printf(",\"%s\":\"%s\"", key, val);
	else if (text)
		printf(text, val);
}

/*
 * What opens a selector: its family's name ("inet"), or @unknown (a printf
 * format that may take the number); in JSON {"family":"inet" or {"family":N.
 */
void print_family(bool json, int family, const char *unknown)
{
	const char *name = family_name(family);

	if (json && name)
		printf("{\"family\":\"%s\"", name);
	else if (json)
		printf("{\"family\":%d", family);
	else if (name)
		printf("%s", name);
	else
		printf(unknown, family);
}

/* A boolean field: true or false in JSON, @yes or @no in text. */
void print_flag(bool json, const char *key, const char *text, const char *yes, const char *no,
		bool val)
{
	if (json)
		printf(",\"%s\":%s", key, json_bool(val));
	else if (text)
		printf(text, val ? yes : no);
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
