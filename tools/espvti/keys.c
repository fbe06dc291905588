// SPDX-License-Identifier: GPL-2.0
/*
 * espvti: keys: in hex on the command line or in a config file, or read from
 * a file (@FILE); never printed, and wiped from what held them.
 */
#include "espvti.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

static int parse_hex(const char *s, unsigned char *buf, size_t size, size_t *len);

/*
 * A key: hex, or "@FILE" for hex read from FILE (relative to @dir, when
 * given and FILE is relative), whitespace and a leading 0x ignored; FILE
 * only its owner may read or write. What a key is never shows in a message.
 */
int read_key(const struct origin *o, int k, const char *s, const char *dir,
	     unsigned char *buf, size_t *len)
{
	char path[PATH_MAX], text[2 * KEY_MAX + 3];
	size_t n = 0;
	int c, ret = 0;
	FILE *f;

	if (s[0] != '@') {
		if (parse_hex(s, buf, KEY_MAX, len))
			return bad(o, k, "is not an even number of hex digits, at most %d bytes",
				   KEY_MAX);
		return 0;
	}
	s++;
	if (!s[0])
		return bad(o, k, "\"@\": a file name is needed after @");
	if (dir && s[0] != '/')
		snprintf(path, sizeof(path), "%s/%s", dir, s);
	else
		snprintf(path, sizeof(path), "%s", s);
	f = fopen(path, "re");
	if (!f) {
		bad(o, k, "file %s: %s", path, strerror(errno));
		return ERR_FAIL;
	}
	ret = key_file_private(o, k, fileno(f), path);
	while (!ret && (c = getc(f)) != EOF) {
		if (isspace(c))
			continue;
		if (n == sizeof(text) - 1) {
			ret = bad(o, k, "file %s: longer than a key of %d bytes in hex", path,
				  KEY_MAX);
			break;
		}
		text[n++] = c;
	}
	text[n] = '\0';
	if (!ret && ferror(f)) {
		bad(o, k, "file %s: %s", path, strerror(errno));
		ret = ERR_FAIL;
	}
	if (!ret && parse_hex(text, buf, KEY_MAX, len))
		ret = bad(o, k, "file %s: not an even number of hex digits, at most %d bytes",
			  path, KEY_MAX);
	fclose(f);
	explicit_bzero(text, sizeof(text));
	return ret;
}

/*
 * A file that holds keys (@fd, open on @path) is refused when anyone but
 * its owner may read or write it (as wg warns of a private key others can
 * read): 0, or ERR_USAGE after saying so and how to fix it (ERR_FAIL when
 * it cannot be told). @o NULL: the file is a config file with keys in it.
 */
int key_file_private(const struct origin *o, int k, int fd, const char *path)
{
	unsigned int mode;
	struct stat st;

	if (fstat(fd, &st)) {
		if (o)
			bad(o, k, "file %s: %s", path, strerror(errno));
		else
			fprintf(stderr, "espvti: %s: %s\n", path, strerror(errno));
		return ERR_FAIL;
	}
	if (!(st.st_mode & 0077))
		return 0;
	mode = st.st_mode & 07777;
	if (o)
		return bad(o, k, "file %s: others may read or write it (mode %04o): chmod 600 %s",
			   path, mode, path);
	fprintf(stderr,
		"espvti: %s: keys in a file others may read or write (mode %04o): chmod 600 %s\n",
		path, mode, path);
	return ERR_USAGE;
}

/* Hex digits, optionally after 0x, two a byte, into @buf: at least one byte. */
static int parse_hex(const char *s, unsigned char *buf, size_t size, size_t *len)
{
	static const char xdigits[] = "0123456789abcdef";
	size_t n, i;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	n = strlen(s);
	if (!n || n % 2 || n / 2 > size || strspn(s, "0123456789abcdefABCDEF") != n)
		return -1;
	for (i = 0; i < n / 2; i++) {
		buf[i] = (strchr(xdigits, s[2 * i] | 0x20) - xdigits) << 4 |
			 (strchr(xdigits, s[2 * i + 1] | 0x20) - xdigits);
	}
	*len = n / 2;
	return 0;
}
