// SPDX-License-Identifier: GPL-2.0
/*
 * ESP framing and crypto layout (RFC 4303, RFC 4106): espvti's own code
 * builds the ESP packet (trailer, header, IV, ESN high half for the ICV)
 * and the AEAD request, and must reproduce byte for byte the published
 * ESP test vectors of draft-mcgrew-gcm-test-01 (as the kernel's
 * crypto/testmgr.h carries them), 32-bit and extended sequence numbers.
 * Then each packet is opened again by the receive side's layout and its
 * trailer checked; a flipped byte fails authentication. ChaCha20-Poly1305
 * against the RFC 7539 vector as ESP with ESN (RFC 7634). Every algorithm
 * round-trips, with and without ESN; the trailer check refuses bad
 * padding.
 */
#include <crypto/aead.h>
#include <asm/unaligned.h>
#include <kunit/test.h>
#include <linux/ip.h>
#include <linux/netdevice.h>
#include <linux/scatterlist.h>
#include <linux/skbuff.h>
#include <net/esp.h>

#include "espvti.h"

struct esp_vec {
	const char *name;
	const char *key;
	unsigned int klen;
	u32 spi;
	u64 seq;
	bool esn;
	const char *iv;
	const char *inner;
	unsigned int ilen;
	u8 nexthdr, padlen;
	const char *ctext;
	unsigned int clen;
};

static const struct esp_vec esp_vecs[] = {
	{
		.name = "draft-mcgrew-gcm-test-01 (testmgr rfc4106 6): 128-bit key, ESN",
		.key = "\x4c\x80\xcd\xef\xbb\x5d\x10\xda\x90\x6a\xc7\x3c"
		  "\x36\x13\xa6\x34\x2e\x44\x3b\x68",
		.klen = 20,
		.spi = 0x00004321, .seq = 0x8765432100000000ULL, .esn = true,
		.iv = "\x49\x56\xed\x7e\x3b\x24\x4c\xfe",
		.inner = "\x45\x00\x00\x48\x69\x9a\x00\x00\x80\x11\x4d\xb7"
		  "\xc0\xa8\x01\x02\xc0\xa8\x01\x01\x0a\x9b\xf1\x56"
		  "\x38\xd3\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
		  "\x04\x5f\x73\x69\x70\x04\x5f\x75\x64\x70\x03\x73"
		  "\x69\x70\x09\x63\x79\x62\x65\x72\x63\x69\x74\x79"
		  "\x02\x64\x6b\x00\x00\x21\x00\x01",
		.ilen = 68, .nexthdr = 1, .padlen = 2,
		.ctext = "\xfe\xcf\x53\x7e\x72\x9d\x5b\x07\xdc\x30\xdf\x52"
		  "\x8d\xd2\x2b\x76\x8d\x1b\x98\x73\x66\x96\xa6\xfd"
		  "\x34\x85\x09\xfa\x13\xce\xac\x34\xcf\xa2\x43\x6f"
		  "\x14\xa3\xf3\xcf\x65\x92\x5b\xf1\xf4\xa1\x3c\x5d"
		  "\x15\xb2\x1e\x18\x84\xf5\xff\x62\x47\xae\xab\xb7"
		  "\x86\xb9\x3b\xce\x61\xbc\x17\xd7\x68\xfd\x97\x32"
		  "\x45\x90\x18\x14\x8f\x6c\xbe\x72\x2f\xd0\x47\x96"
		  "\x56\x2d\xfd\xb4",
		.clen = 88,
	},
	{
		.name = "draft-mcgrew-gcm-test-01 (testmgr rfc4106 7): 128-bit key",
		.key = "\xfe\xff\xe9\x92\x86\x65\x73\x1c\x6d\x6a\x8f\x94"
		  "\x67\x30\x83\x08\xca\xfe\xba\xbe",
		.klen = 20,
		.spi = 0x0000a5f8, .seq = 0x000000000000000aULL, .esn = false,
		.iv = "\xfa\xce\xdb\xad\xde\xca\xf8\x88",
		.inner = "\x45\x00\x00\x3e\x69\x8f\x00\x00\x80\x11\x4d\xcc"
		  "\xc0\xa8\x01\x02\xc0\xa8\x01\x01\x0a\x98\x00\x35"
		  "\x00\x2a\x23\x43\xb2\xd0\x01\x00\x00\x01\x00\x00"
		  "\x00\x00\x00\x00\x03\x73\x69\x70\x09\x63\x79\x62"
		  "\x65\x72\x63\x69\x74\x79\x02\x64\x6b\x00\x00\x01"
		  "\x00\x01",
		.ilen = 62, .nexthdr = 1, .padlen = 0,
		.ctext = "\xde\xb2\x2c\xd9\xb0\x7c\x72\xc1\x6e\x3a\x65\xbe"
		  "\xeb\x8d\xf3\x04\xa5\xa5\x89\x7d\x33\xae\x53\x0f"
		  "\x1b\xa7\x6d\x5d\x11\x4d\x2a\x5c\x3d\xe8\x18\x27"
		  "\xc1\x0e\x9a\x4f\x51\x33\x0d\x0e\xec\x41\x66\x42"
		  "\xcf\xbb\x85\xa5\xb4\x7e\x48\xa4\xec\x3b\x9b\xa9"
		  "\x5d\x91\x8b\xd1\x83\xb7\x0d\x3a\xa8\xbc\x6e\xe4"
		  "\xc3\x09\xe9\xd8\x5a\x41\xad\x4a",
		.clen = 80,
	},
	{
		.name = "draft-mcgrew-gcm-test-01 (testmgr rfc4106 8): 256-bit key",
		.key = "\xab\xbc\xcd\xde\xf0\x01\x12\x23\x34\x45\x56\x67"
		  "\x78\x89\x9a\xab\xab\xbc\xcd\xde\xf0\x01\x12\x23"
		  "\x34\x45\x56\x67\x78\x89\x9a\xab\x11\x22\x33\x44",
		.klen = 36,
		.spi = 0x4a2cbfe3, .seq = 0x0000000000000002ULL, .esn = false,
		.iv = "\x01\x02\x03\x04\x05\x06\x07\x08",
		.inner = "\x45\x00\x00\x30\x69\xa6\x40\x00\x80\x06\x26\x90"
		  "\xc0\xa8\x01\x02\x93\x89\x15\x5e\x0a\x9e\x00\x8b"
		  "\x2d\xc5\x7e\xe0\x00\x00\x00\x00\x70\x02\x40\x00"
		  "\x20\xbf\x00\x00\x02\x04\x05\xb4\x01\x01\x04\x02",
		.ilen = 48, .nexthdr = 1, .padlen = 2,
		.ctext = "\xff\x42\x5c\x9b\x72\x45\x99\xdf\x7a\x3b\xcd\x51"
		  "\x01\x94\xe0\x0d\x6a\x78\x10\x7f\x1b\x0b\x1c\xbf"
		  "\x06\xef\xae\x9d\x65\xa5\xd7\x63\x74\x8a\x63\x79"
		  "\x85\x77\x1d\x34\x7f\x05\x45\x65\x9f\x14\xe9\x9d"
		  "\xef\x84\x2d\x8e\xb3\x35\xf4\xee\xcf\xdb\xf8\x31"
		  "\x82\x4b\x4c\x49\x15\x95\x6c\x96",
		.clen = 68,
	},
	{
		.name = "draft-mcgrew-gcm-test-01 (testmgr rfc4106 10): 128-bit key, ESN",
		.key = "\x3d\xe0\x98\x74\xb3\x88\xe6\x49\x19\x88\xd0\xc3"
		  "\x60\x7e\xae\x1f\x57\x69\x0e\x43",
		.klen = 20,
		.spi = 0x42f67e3f, .seq = 0x1010101010101010ULL, .esn = true,
		.iv = "\x4e\x28\x00\x00\xa2\xfc\xa1\xa3",
		.inner = "\x45\x00\x00\x3c\x99\xc3\x00\x00\x80\x01\xcb\x7c"
		  "\x40\x67\x93\x18\x01\x01\x01\x01\x08\x00\x08\x5c"
		  "\x02\x00\x43\x00\x61\x62\x63\x64\x65\x66\x67\x68"
		  "\x69\x6a\x6b\x6c\x6d\x6e\x6f\x70\x71\x72\x73\x74"
		  "\x75\x76\x77\x61\x62\x63\x64\x65\x66\x67\x68\x69",
		.ilen = 60, .nexthdr = 1, .padlen = 2,
		.ctext = "\xfb\xa2\xca\xa4\x85\x3c\xf9\xf0\xf2\x2c\xb1\x0d"
		  "\x86\xdd\x83\xb0\xfe\xc7\x56\x91\xcf\x1a\x04\xb0"
		  "\x0d\x11\x38\xec\x9c\x35\x79\x17\x65\xac\xbd\x87"
		  "\x01\xad\x79\x84\x5b\xf9\xfe\x3f\xba\x48\x7b\xc9"
		  "\x17\x55\xe6\x66\x2b\x4c\x8d\x0d\x1f\x5e\x22\x73"
		  "\x95\x30\x32\x0a\xe0\xd7\x31\xcc\x97\x8e\xca\xfa"
		  "\xea\xe8\x8f\x00\xe8\x0d\x6e\x48",
		.clen = 80,
	},
	{
		.name = "draft-mcgrew-gcm-test-01 (testmgr rfc4106 12): 192-bit key",
		.key = "\xfe\xff\xe9\x92\x86\x65\x73\x1c\x6d\x6a\x8f\x94"
		  "\x67\x30\x83\x08\xfe\xff\xe9\x92\x86\x65\x73\x1c"
		  "\xca\xfe\xba\xbe",
		.klen = 28,
		.spi = 0x0000a5f8, .seq = 0x000000000000000aULL, .esn = false,
		.iv = "\xfa\xce\xdb\xad\xde\xca\xf8\x88",
		.inner = "\x45\x00\x00\x28\xa4\xad\x40\x00\x40\x06\x78\x80"
		  "\x0a\x01\x03\x8f\x0a\x01\x06\x12\x80\x23\x06\xb8"
		  "\xcb\x71\x26\x02\xdd\x6b\xb0\x3e\x50\x10\x16\xd0"
		  "\x75\x68",
		.ilen = 38, .nexthdr = 1, .padlen = 0,
		.ctext = "\xa5\xb1\xf8\x06\x60\x29\xae\xa4\x0e\x59\x8b\x81"
		  "\x22\xde\x02\x42\x09\x38\xb3\xab\x33\xf8\x28\xe6"
		  "\x87\xb8\x85\x8b\x5b\xfb\xdb\xd0\x31\x5b\x27\x45"
		  "\x21\x44\xcc\x77\x95\x45\x7b\x96\x52\x03\x7f\x53"
		  "\x18\x02\x7b\x5b\x4c\xd7\xa6\x36",
		.clen = 56,
	},
	{
		.name = "draft-mcgrew-gcm-test-01 (testmgr rfc4106 13): 128-bit key, ESN",
		.key = "\xab\xbc\xcd\xde\xf0\x01\x12\x23\x34\x45\x56\x67"
		  "\x78\x89\x9a\xab\xde\xca\xf8\x88",
		.klen = 20,
		.spi = 0x00000100, .seq = 0x0000000000000001ULL, .esn = true,
		.iv = "\xca\xfe\xde\xba\xce\xfa\xce\x74",
		.inner = "\x45\x00\x00\x49\x33\xba\x00\x00\x7f\x11\x91\x06"
		  "\xc3\xfb\x1d\x10\xc2\xb1\xd3\x26\xc0\x28\x31\xce"
		  "\x00\x35\xdd\x7b\x80\x03\x02\xd5\x00\x00\x4e\x20"
		  "\x00\x1e\x8c\x18\xd7\x5b\x81\xdc\x91\xba\xa0\x47"
		  "\x6b\x91\xb9\x24\xb2\x80\x38\x9d\x92\xc9\x63\xba"
		  "\xc0\x46\xec\x95\x9b\x62\x66\xc0\x47\x22\xb1\x49"
		  "\x23",
		.ilen = 73, .nexthdr = 1, .padlen = 1,
		.ctext = "\x18\xa6\xfd\x42\xf7\x2c\xbf\x4a\xb2\xa2\xea\x90"
		  "\x1f\x73\xd8\x14\xe3\xe7\xf2\x43\xd9\x54\x12\xe1"
		  "\xc3\x49\xc1\xd2\xfb\xec\x16\x8f\x91\x90\xfe\xeb"
		  "\xaf\x2c\xb0\x19\x84\xe6\x58\x63\x96\x5d\x74\x72"
		  "\xb7\x9d\xa3\x45\xe0\xe7\x80\x19\x1f\x0d\x2f\x0e"
		  "\x0f\x49\x6c\x22\x6f\x21\x27\xb2\x7d\xb3\x57\x24"
		  "\xe7\x84\x5d\x68\x65\x1f\x57\xe6\x5f\x35\x4f\x75"
		  "\xff\x17\x01\x57\x69\x62\x34\x36",
		.clen = 92,
	},
	{
		.name = "draft-mcgrew-gcm-test-01 (testmgr rfc4106 19): 256-bit key, ESN",
		.key = "\x6c\x65\x67\x61\x6c\x69\x7a\x65\x6d\x61\x72\x69"
		  "\x6a\x75\x61\x6e\x61\x61\x6e\x64\x64\x6f\x69\x74"
		  "\x62\x65\x66\x6f\x72\x65\x69\x61\x74\x75\x72\x6e",
		.klen = 36,
		.spi = 0x796b6963, .seq = 0xffffffffffffffffULL, .esn = true,
		.iv = "\x33\x30\x21\x69\x67\x65\x74\x6d",
		.inner = "\x45\x00\x00\x30\xda\x3a\x00\x00\x80\x01\xdf\x3b"
		  "\xc0\xa8\x00\x05\xc0\xa8\x00\x01\x08\x00\xc6\xcd"
		  "\x02\x00\x07\x00\x61\x62\x63\x64\x65\x66\x67\x68"
		  "\x69\x6a\x6b\x6c\x6d\x6e\x6f\x70\x71\x72\x73\x74",
		.ilen = 48, .nexthdr = 1, .padlen = 2,
		.ctext = "\xf9\x7a\xb2\xaa\x35\x6d\x8e\xdc\xe1\x76\x44\xac"
		  "\x8c\x78\xe2\x5d\xd2\x4d\xed\xbb\x29\xeb\xf1\xb6"
		  "\x4a\x27\x4b\x39\xb4\x9c\x3a\x86\x4c\xd3\xd7\x8c"
		  "\xa4\xae\x68\xa3\x2b\x42\x45\x8f\xb5\x7d\xbe\x82"
		  "\x1d\xcc\x63\xb9\xd0\x93\x7b\xa2\x94\x5f\x66\x93"
		  "\x68\x66\x1a\x32\x9f\xb4\xc0\x53",
		.clen = 68,
	},
};

/* RFC 7539 section 2.8.2 / appendix A.5 as ESP with ESN (testmgr.h rfc7539esp) */
static const u8 chacha_key[36] = "\x1c\x92\x40\xa5\xeb\x55\xd3\x8a\xf3\x33\x88\x86"
	  "\x04\xf6\xb5\xf0\x47\x39\x17\xc1\x40\x2b\x80\x09"
	  "\x9d\xca\x5c\xbc\x20\x70\x75\xc0\x00\x00\x00\x00";
static const u8 chacha_iv[8] = "\x01\x02\x03\x04\x05\x06\x07\x08";
static const u8 chacha_ptext[265] = "\x49\x6e\x74\x65\x72\x6e\x65\x74\x2d\x44\x72\x61"
	  "\x66\x74\x73\x20\x61\x72\x65\x20\x64\x72\x61\x66"
	  "\x74\x20\x64\x6f\x63\x75\x6d\x65\x6e\x74\x73\x20"
	  "\x76\x61\x6c\x69\x64\x20\x66\x6f\x72\x20\x61\x20"
	  "\x6d\x61\x78\x69\x6d\x75\x6d\x20\x6f\x66\x20\x73"
	  "\x69\x78\x20\x6d\x6f\x6e\x74\x68\x73\x20\x61\x6e"
	  "\x64\x20\x6d\x61\x79\x20\x62\x65\x20\x75\x70\x64"
	  "\x61\x74\x65\x64\x2c\x20\x72\x65\x70\x6c\x61\x63"
	  "\x65\x64\x2c\x20\x6f\x72\x20\x6f\x62\x73\x6f\x6c"
	  "\x65\x74\x65\x64\x20\x62\x79\x20\x6f\x74\x68\x65"
	  "\x72\x20\x64\x6f\x63\x75\x6d\x65\x6e\x74\x73\x20"
	  "\x61\x74\x20\x61\x6e\x79\x20\x74\x69\x6d\x65\x2e"
	  "\x20\x49\x74\x20\x69\x73\x20\x69\x6e\x61\x70\x70"
	  "\x72\x6f\x70\x72\x69\x61\x74\x65\x20\x74\x6f\x20"
	  "\x75\x73\x65\x20\x49\x6e\x74\x65\x72\x6e\x65\x74"
	  "\x2d\x44\x72\x61\x66\x74\x73\x20\x61\x73\x20\x72"
	  "\x65\x66\x65\x72\x65\x6e\x63\x65\x20\x6d\x61\x74"
	  "\x65\x72\x69\x61\x6c\x20\x6f\x72\x20\x74\x6f\x20"
	  "\x63\x69\x74\x65\x20\x74\x68\x65\x6d\x20\x6f\x74"
	  "\x68\x65\x72\x20\x74\x68\x61\x6e\x20\x61\x73\x20"
	  "\x2f\xe2\x80\x9c\x77\x6f\x72\x6b\x20\x69\x6e\x20"
	  "\x70\x72\x6f\x67\x72\x65\x73\x73\x2e\x2f\xe2\x80"
	  "\x9d";
static const u8 chacha_ctext[281] = "\x64\xa0\x86\x15\x75\x86\x1a\xf4\x60\xf0\x62\xc7"
	  "\x9b\xe6\x43\xbd\x5e\x80\x5c\xfd\x34\x5c\xf3\x89"
	  "\xf1\x08\x67\x0a\xc7\x6c\x8c\xb2\x4c\x6c\xfc\x18"
	  "\x75\x5d\x43\xee\xa0\x9e\xe9\x4e\x38\x2d\x26\xb0"
	  "\xbd\xb7\xb7\x3c\x32\x1b\x01\x00\xd4\xf0\x3b\x7f"
	  "\x35\x58\x94\xcf\x33\x2f\x83\x0e\x71\x0b\x97\xce"
	  "\x98\xc8\xa8\x4a\xbd\x0b\x94\x81\x14\xad\x17\x6e"
	  "\x00\x8d\x33\xbd\x60\xf9\x82\xb1\xff\x37\xc8\x55"
	  "\x97\x97\xa0\x6e\xf4\xf0\xef\x61\xc1\x86\x32\x4e"
	  "\x2b\x35\x06\x38\x36\x06\x90\x7b\x6a\x7c\x02\xb0"
	  "\xf9\xf6\x15\x7b\x53\xc8\x67\xe4\xb9\x16\x6c\x76"
	  "\x7b\x80\x4d\x46\xa5\x9b\x52\x16\xcd\xe7\xa4\xe9"
	  "\x90\x40\xc5\xa4\x04\x33\x22\x5e\xe2\x82\xa1\xb0"
	  "\xa0\x6c\x52\x3e\xaf\x45\x34\xd7\xf8\x3f\xa1\x15"
	  "\x5b\x00\x47\x71\x8c\xbc\x54\x6a\x0d\x07\x2b\x04"
	  "\xb3\x56\x4e\xea\x1b\x42\x22\x73\xf5\x48\x27\x1a"
	  "\x0b\xb2\x31\x60\x53\xfa\x76\x99\x19\x55\xeb\xd6"
	  "\x31\x59\x43\x4e\xce\xbb\x4e\x46\x6d\xae\x5a\x10"
	  "\x73\xa6\x72\x76\x27\x09\x7a\x10\x49\xe6\x17\xd9"
	  "\x1d\x36\x10\x94\xfa\x68\xf0\xff\x77\x98\x71\x30"
	  "\x30\x5b\xea\xba\x2e\xda\x04\xdf\x99\x7b\x71\x4d"
	  "\x6c\x6f\x2c\x29\xa6\xad\x5c\xb4\x02\x2b\x02\x70"
	  "\x9b\xee\xad\x9d\x67\x89\x0c\xbb\x22\x39\x23\x36"
	  "\xfe\xa1\x85\x1f\x38";
#define CHACHA_SPI 0xf3338886
#define CHACHA_SEQ 0x0000000000004e91ULL

struct esp_ctx {
	struct net_device *dev;
	struct espvti_dev *edev;
};

static int esp_test_init(struct kunit *test)
{
	struct esp_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->dev = alloc_netdev(0, "espvtikt%d", NET_NAME_UNKNOWN, ether_setup);
	KUNIT_ASSERT_NOT_NULL(test, ctx->dev);
	ctx->edev = kunit_kzalloc(test, sizeof(*ctx->edev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->edev);
	ctx->edev->dev = ctx->dev;
	test->priv = ctx;
	return 0;
}

static void esp_test_exit(struct kunit *test)
{
	struct esp_ctx *ctx = test->priv;

	rcu_barrier();	/* the SAs' last puts free them, and their holds */
	free_netdev(ctx->dev);
}

/* The HMAC key length of an AES-CBC algorithm. */
static unsigned int esp_auth_len(u8 alg)
{
	switch (alg) {
	case ESPVTI_ALG_AES_CBC_HMAC_SHA1:
		return 20;
	case ESPVTI_ALG_AES_CBC_HMAC_SHA384:
		return 48;
	case ESPVTI_ALG_AES_CBC_HMAC_SHA512:
		return 64;
	default:
		return 32;
	}
}

static struct espvti_sa *esp_sa(struct kunit *test, u8 alg, const void *key, unsigned int klen,
				const void *auth_key, u32 spi, bool esn, u8 icv)
{
	struct esp_ctx *ctx = test->priv;
	struct espvti_sa_cfg cfg = {
		.dir = ESPVTI_SA_DIR_OUT, .alg = alg, .spi = htonl(spi), .esn = esn,
		.icv_len = icv, .key = key, .key_len = klen,
		.auth_key = auth_key, .auth_key_len = auth_key ? esp_auth_len(alg) : 0,
	};
	struct espvti_sa *sa = espvti_sa_create(ctx->edev, &cfg, NULL);

	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(sa), "SA: %d", (int)PTR_ERR_OR_ZERO(sa));
	return sa;
}

/* Run the request for the framed @skb; 0 or the crypto error. */
static int esp_crypt(struct kunit *test, struct espvti_sa *sa, struct sk_buff *skb,
		     int nfrags, const u8 *iv, bool encrypt)
{
	struct aead_request *req = aead_request_alloc(sa->aead, GFP_KERNEL);
	struct scatterlist *sg = kunit_kcalloc(test, nfrags, sizeof(*sg), GFP_KERNEL);
	u8 ivb[16];
	int err;
	DECLARE_CRYPTO_WAIT(wait);

	KUNIT_ASSERT_NOT_NULL(test, req);
	KUNIT_ASSERT_NOT_NULL(test, sg);
	memcpy(ivb, iv, sa->iv_len);
	err = espvti_esp_req(sa, req, sg, nfrags, skb, ivb, encrypt);
	KUNIT_ASSERT_EQ(test, err, 0);
	aead_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP, crypto_req_done, &wait);
	err = crypto_wait_req(encrypt ? crypto_aead_encrypt(req) : crypto_aead_decrypt(req),
			      &wait);
	aead_request_free(req);
	return err;
}

/*
 * The request for the ESP packet at skb->data (its high half of @seq put
 * in place and taken out again, as both directions do).
 */
static int esp_crypt_seq(struct kunit *test, struct espvti_sa *sa, struct sk_buff *skb,
			 u64 seq, const u8 *iv, bool encrypt)
{
	int err;

	espvti_esp_aad_push(sa, skb, seq);
	err = esp_crypt(test, sa, skb, 1, iv, encrypt);
	espvti_esp_aad_pop(sa, skb);
	return err;
}

/* Open the ESP packet at skb->data as the receive side lays it out. */
static int esp_open(struct kunit *test, struct espvti_sa *sa, struct sk_buff *skb, u64 seq,
		    u8 *nexthdr)
{
	unsigned int hdr = sizeof(struct ip_esp_hdr) + sa->iv_len;
	u8 iv[16];
	int err;

	memcpy(iv, skb->data + sizeof(struct ip_esp_hdr), sa->iv_len);
	err = esp_crypt_seq(test, sa, skb, seq, iv, false);
	if (err)
		return err;
	return espvti_esp_trailer(skb, skb->len - hdr - sa->icv_len, sa->icv_len, nexthdr);
}

static struct sk_buff *esp_skb(struct kunit *test, const void *data, unsigned int len)
{
	struct sk_buff *skb = alloc_skb(128 + len + 64, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_reserve(skb, 128);
	skb_put_data(skb, data, len);
	return skb;
}

static void esp_vector(struct kunit *test)
{
	const struct esp_vec *v = test->param_value;
	struct espvti_sa *sa;
	struct sk_buff *skb;
	u8 *wire, nexthdr = 0;
	int nfrags;

	sa = esp_sa(test, ESPVTI_ALG_AES_GCM, v->key, v->klen, NULL, v->spi, v->esn, 16);
	skb = esp_skb(test, v->inner, v->ilen);
	nfrags = espvti_esp_frame(sa, skb, v->seq, v->iv, v->nexthdr, 0);
	KUNIT_ASSERT_EQ(test, nfrags, 1);
	KUNIT_ASSERT_EQ(test, esp_crypt(test, sa, skb, nfrags, v->iv, true), 0);
	espvti_esp_aad_pop(sa, skb);

	/* SPI, low half of the sequence number, IV, then the vector. */
	wire = kunit_kzalloc(test, 16 + v->clen, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, wire);
	put_unaligned_be32(v->spi, wire);
	put_unaligned_be32(lower_32_bits(v->seq), wire + 4);
	memcpy(wire + 8, v->iv, 8);
	memcpy(wire + 16, v->ctext, v->clen);
	KUNIT_ASSERT_EQ(test, skb->len, 16 + v->clen);
	KUNIT_EXPECT_EQ_MSG(test, memcmp(skb->data, wire, skb->len), 0,
			    "the ESP packet differs from the vector");

	/* The receive side's layout opens it; the trailer is as sent. */
	KUNIT_EXPECT_EQ(test, esp_open(test, sa, skb, v->seq, &nexthdr), v->padlen);
	KUNIT_EXPECT_EQ(test, nexthdr, v->nexthdr);
	KUNIT_EXPECT_EQ(test, memcmp(skb->data + 16, v->inner, v->ilen), 0);

	/* Sealed again, one flipped bit anywhere fails authentication. */
	kfree_skb(skb);
	skb = esp_skb(test, wire, 16 + v->clen);
	skb->data[16 + v->clen / 2] ^= 0x10;
	KUNIT_EXPECT_EQ(test, esp_open(test, sa, skb, v->seq, &nexthdr), -EBADMSG);
	kfree_skb(skb);
	/* With ESN, the wrong high half fails it too (it is in the ICV). */
	if (v->esn) {
		skb = esp_skb(test, wire, 16 + v->clen);
		KUNIT_EXPECT_EQ(test, esp_open(test, sa, skb, v->seq + (1ULL << 32), &nexthdr),
				-EBADMSG);
		kfree_skb(skb);
	}
	espvti_sa_put(sa);
}

/*
 * ChaCha20-Poly1305 (RFC 7634): the RFC 7539 AEAD vector as an ESP packet
 * with ESN (not ESP-framed, so no trailer): our associated-data layout and
 * request seal it to the published ciphertext and tag, and open it.
 */
static void esp_chacha_vector(struct kunit *test)
{
	unsigned int len = 16 + sizeof(chacha_ctext);
	struct espvti_sa *sa;
	struct sk_buff *skb;
	u8 *wire;

	sa = esp_sa(test, ESPVTI_ALG_CHACHA20_POLY1305, chacha_key, sizeof(chacha_key), NULL,
		    CHACHA_SPI, true, 16);
	wire = kunit_kzalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, wire);
	put_unaligned_be32(CHACHA_SPI, wire);
	put_unaligned_be32(lower_32_bits(CHACHA_SEQ), wire + 4);
	memcpy(wire + 8, chacha_iv, 8);
	memcpy(wire + 16, chacha_ptext, sizeof(chacha_ptext));

	/* Seal: header, IV and plaintext, room for the tag. */
	skb = esp_skb(test, wire, len);
	KUNIT_ASSERT_EQ(test, esp_crypt_seq(test, sa, skb, CHACHA_SEQ, chacha_iv, true), 0);
	KUNIT_ASSERT_EQ(test, skb->len, len);
	KUNIT_EXPECT_EQ(test, memcmp(skb->data + 16, chacha_ctext, sizeof(chacha_ctext)), 0);
	KUNIT_EXPECT_EQ(test, memcmp(skb->data, wire, 16), 0);

	/* Open what the vector says is on the wire. */
	memcpy(wire + 16, chacha_ctext, sizeof(chacha_ctext));
	kfree_skb(skb);
	skb = esp_skb(test, wire, len);
	KUNIT_EXPECT_EQ(test, esp_crypt_seq(test, sa, skb, CHACHA_SEQ, chacha_iv, false), 0);
	KUNIT_EXPECT_EQ(test, memcmp(skb->data + 16, chacha_ptext, sizeof(chacha_ptext)), 0);
	kfree_skb(skb);
	espvti_sa_put(sa);
}

static void esp_vec_desc(const struct esp_vec *v, char *desc)
{
	strscpy(desc, v->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(esp_vec, esp_vecs, esp_vec_desc);

struct esp_alg_case {
	const char *name;
	u8 alg, icv, klen, iv_len, block;
	bool esn, auth;
};

static const struct esp_alg_case esp_alg_cases[] = {
	{ "aes-gcm 128 icv 8", ESPVTI_ALG_AES_GCM, 8, 20, 8, 4, false, false },
	{ "aes-gcm 256 icv 12, ESN", ESPVTI_ALG_AES_GCM, 12, 36, 8, 4, true, false },
	{ "chacha20-poly1305", ESPVTI_ALG_CHACHA20_POLY1305, 16, 36, 8, 4, false, false },
	{ "chacha20-poly1305, ESN", ESPVTI_ALG_CHACHA20_POLY1305, 16, 36, 8, 4, true, false },
	{ "aes-cbc-hmac-sha256", ESPVTI_ALG_AES_CBC_HMAC_SHA256, 16, 32, 16, 16, false, true },
	{ "aes-cbc-hmac-sha256, ESN", ESPVTI_ALG_AES_CBC_HMAC_SHA256, 16, 16, 16, 16, true, true },
	{ "aes-cbc-hmac-sha1", ESPVTI_ALG_AES_CBC_HMAC_SHA1, 12, 16, 16, 16, false, true },
	{ "aes-cbc-hmac-sha1, ESN", ESPVTI_ALG_AES_CBC_HMAC_SHA1, 12, 32, 16, 16, true, true },
	{ "aes-cbc-hmac-sha384", ESPVTI_ALG_AES_CBC_HMAC_SHA384, 24, 32, 16, 16, false, true },
	{ "aes-cbc-hmac-sha512, ESN", ESPVTI_ALG_AES_CBC_HMAC_SHA512, 32, 32, 16, 16, true, true },
	{ "aes-gmac", ESPVTI_ALG_AES_GMAC, 16, 20, 8, 4, false, false },
	{ "aes-gmac, ESN", ESPVTI_ALG_AES_GMAC, 16, 36, 8, 4, true, false },
};

/* Every algorithm: framed, sealed and opened; lengths of 1..70 bytes. */
static void esp_roundtrip(struct kunit *test)
{
	const struct esp_alg_case *c = test->param_value;
	u8 key[36], auth[64], iv[16], inner[70], nexthdr;
	unsigned int len, hdr = 8 + c->iv_len;
	struct espvti_sa *sa;
	struct sk_buff *skb;
	u64 seq = c->esn ? 0x1234567800000005ULL : 5;
	int i, padlen;

	for (i = 0; i < sizeof(key); i++)
		key[i] = i * 7 + 1;
	for (i = 0; i < sizeof(auth); i++)
		auth[i] = 0xa0 + i;
	for (i = 0; i < sizeof(inner); i++)
		inner[i] = 0x45 + i;
	memset(iv, 0x5a, sizeof(iv));
	sa = esp_sa(test, c->alg, key, c->klen, c->auth ? auth : NULL, 0x1001, c->esn, c->icv);
	KUNIT_EXPECT_EQ(test, sa->iv_len, c->iv_len);
	for (len = 1; len <= sizeof(inner); len++) {
		skb = esp_skb(test, inner, len);
		KUNIT_ASSERT_EQ(test, espvti_esp_frame(sa, skb, seq, iv, 4, 0), 1);
		KUNIT_ASSERT_EQ(test, esp_crypt(test, sa, skb, 1, iv, true), 0);
		espvti_esp_aad_pop(sa, skb);
		/* Header, IV, payload aligned to the block, ICV. */
		KUNIT_EXPECT_EQ(test, skb->len, hdr + ALIGN(len + 2, c->block) + c->icv);
		KUNIT_EXPECT_EQ(test, get_unaligned_be32(skb->data), 0x1001);
		KUNIT_EXPECT_EQ(test, get_unaligned_be32(skb->data + 4), lower_32_bits(seq));
		KUNIT_EXPECT_EQ(test, memcmp(skb->data + 8, iv, c->iv_len), 0);
		padlen = esp_open(test, sa, skb, seq, &nexthdr);
		KUNIT_EXPECT_EQ(test, padlen, (int)(ALIGN(len + 2, c->block) - len - 2));
		KUNIT_EXPECT_EQ(test, nexthdr, 4);
		KUNIT_EXPECT_EQ(test, memcmp(skb->data + hdr, inner, len), 0);
		kfree_skb(skb);
	}
	espvti_sa_put(sa);
}

static void esp_alg_desc(const struct esp_alg_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(esp_alg, esp_alg_cases, esp_alg_desc);

/* A decrypted payload ending in @tail (pad..., pad length, next header). */
static int trailer_of(struct kunit *test, const u8 *tail, unsigned int n, unsigned int elen,
		      u8 *nexthdr)
{
	u8 buf[64] = {};
	struct sk_buff *skb;
	int ret;

	/* 8 header bytes, elen - n payload, the tail, a 16-byte ICV. */
	memcpy(buf + 8 + elen - n, tail, n);
	skb = esp_skb(test, buf, 8 + elen + 16);
	ret = espvti_esp_trailer(skb, elen, 16, nexthdr);
	kfree_skb(skb);
	return ret;
}

static void esp_trailer_checks(struct kunit *test)
{
	unsigned int i;
	u8 tail[39];
	u8 nh = 0;

	KUNIT_EXPECT_EQ(test, trailer_of(test, "\x00\x04", 2, 20, &nh), 0);
	KUNIT_EXPECT_EQ(test, nh, 4);
	KUNIT_EXPECT_EQ(test, trailer_of(test, "\x01\x02\x03\x03\x29", 5, 20, &nh), 3);
	KUNIT_EXPECT_EQ(test, nh, 41);
	/* Padding must be 1, 2, 3... (RFC 4303 section 2.4). */
	KUNIT_EXPECT_EQ(test, trailer_of(test, "\x01\x03\x03\x03\x04", 5, 20, &nh), -EBADMSG);
	KUNIT_EXPECT_EQ(test, trailer_of(test, "\x00\x00\x00\x03\x04", 5, 20, &nh), -EBADMSG);
	/* A pad length beyond the payload. */
	KUNIT_EXPECT_EQ(test, trailer_of(test, "\x13\x04", 2, 20, &nh), -EBADMSG);
	KUNIT_EXPECT_EQ(test, trailer_of(test, "\x12\x04", 2, 20, &nh), -EBADMSG);
	/* Exactly all of it: an empty payload, legal. */
	KUNIT_EXPECT_EQ(test, trailer_of(test, "\x01\x02\x02\x3b", 4, 4, &nh), 2);
	KUNIT_EXPECT_EQ(test, nh, 59);
	/* Too short for a trailer at all. */
	KUNIT_EXPECT_EQ(test, trailer_of(test, "\x00", 1, 1, &nh), -EBADMSG);
	/* Padding longer than one read of it (16 bytes): 37 bytes, in three. */
	for (i = 0; i < 37; i++)
		tail[i] = i + 1;
	tail[37] = 37;
	tail[38] = 4;
	KUNIT_EXPECT_EQ(test, trailer_of(test, tail, 39, 40, &nh), 37);
	KUNIT_EXPECT_EQ(test, nh, 4);
	/* One wrong byte in the third read, then in the second. */
	tail[33] = 0;
	KUNIT_EXPECT_EQ(test, trailer_of(test, tail, 39, 40, &nh), -EBADMSG);
	tail[33] = 34;
	tail[16] = 16;
	KUNIT_EXPECT_EQ(test, trailer_of(test, tail, 39, 40, &nh), -EBADMSG);
}

static struct kunit_case espvti_esp_cases[] = {
	KUNIT_CASE_PARAM(esp_vector, esp_vec_gen_params),
	KUNIT_CASE(esp_chacha_vector),
	KUNIT_CASE_PARAM(esp_roundtrip, esp_alg_gen_params),
	KUNIT_CASE(esp_trailer_checks),
	{}
};

static struct kunit_suite espvti_esp_suite = {
	.name = "espvti_esp",
	.init = esp_test_init,
	.exit = esp_test_exit,
	.test_cases = espvti_esp_cases,
};

kunit_test_suites(&espvti_esp_suite);
