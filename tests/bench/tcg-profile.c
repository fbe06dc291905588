// SPDX-License-Identifier: GPL-2.0
/*
 * tcg-profile.so: a QEMU TCG plugin that counts the guest instructions
 * executed per translated block, for tests/bench.sh --profile.
 *
 * Under TCG a sampling profiler in the guest is blind (perf's cpu-clock
 * samples land when a vCPU halts, not where it is busy); instructions
 * counted by the emulator itself are exact and deterministic. The plugin
 * adds an inline counter to every translated block; the guest marks
 * windows by running the kernel function at marker=ADDR (bench-guest.sh
 * calls syncfs(2) for it, a kernel booted with nokaslr so that the
 * address is System.map's). At each marker the instructions counted
 * since the previous one go to out=PREFIX.N (N = 1, 2, ...), a line
 * "VADDR INSNS" per block start.
 * With callers=on, see below. tests/bench/profile.py names the addresses
 * from the guest's kallsyms.
 *
 * Counts are instructions, not time: an emulated AES or PCLMULQDQ
 * instruction costs many host instructions, a MOV few. A REP string
 * instruction counts once per iteration (QEMU runs each iteration as a
 * block of its own), so memset_erms, clear_page_erms and the copy
 * functions count about one per byte they write, which is also roughly
 * what they cost under TCG. Compare one tunnel's non-cryptographic work
 * with another's, not cryptography with the rest. The increments are not
 * atomic across vCPUs (TCG inlines a plain add): a rare lost increment.
 *
 * With callers=on the bytes of those string instructions are also put to
 * the blocks that made the last calls before them (lines "C VADDR,...
 * BYTES", oldest first): the call into memset, memcpy, clear_page or
 * copy_user is the last, its callers are before it, so the memsets and
 * copies are named by who asked for them. That needs a callback on every
 * block that ends in a call, which slows the guest.
 *
 * The API is QEMU's (include/qemu/qemu-plugin.h, version 1, QEMU 7.2);
 * Debian packages no header for it, so what this plugin calls is
 * declared here.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
typedef struct qemu_info_t {
	const char *target_name;
	struct {
		int min;
		int cur;
	} version;
	bool system_emulation;
	union {
		struct {
			int smp_vcpus;
			int max_vcpus;
		} system;
	};
} qemu_info_t;

enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id,
					       struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index,
					    void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
					   qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb,
					  qemu_plugin_vcpu_udata_cb_t cb,
					  enum qemu_plugin_cb_flags flags,
					  void *userdata);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb,
					      enum qemu_plugin_op op,
					      void *ptr, uint64_t imm);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb,
						 size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
void qemu_plugin_outs(const char *string);

EXPORT int qemu_plugin_version = 1;

/* One translation of a block: where it starts, its instructions, runs. */
struct block {
	uint64_t vaddr;
	uint64_t count;
	uint64_t count_seen;	/* at the last marker */
	uint32_t ninsns;
};

/*
 * The calls before a REP string instruction: the blocks that made the
 * last DEPTH calls (oldest first), and the bytes those instructions
 * moved after them. A call's callers are among them when the calls in
 * between were few; it is not a stack (a call that has returned stays).
 */
#define DEPTH 12
#define CHAINS 65536
#define MAX_VCPUS 64

struct chain {
	uint64_t site[DEPTH];
	uint64_t bytes;
	uint64_t bytes_seen;
};

static struct chain chains[CHAINS];
static uint64_t ring[MAX_VCPUS][DEPTH];	/* per vCPU, newest at [0] */
static struct chain *cur[MAX_VCPUS];	/* the chain of ring, or NULL */

#define CHUNK 65536

static struct block **chunks;
static size_t nchunks, nblocks;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t marker;
static const char *prefix = "tcg-profile";
static unsigned int window;
static bool callers;

/* A new block record; its address is stable (chunks never move). */
static struct block *block_new(uint64_t vaddr, uint32_t ninsns)
{
	struct block *b;

	if (nblocks == nchunks * CHUNK) {
		struct block **c = realloc(chunks, (nchunks + 1) * sizeof(*c));

		if (!c)
			return NULL;
		chunks = c;
		chunks[nchunks] = calloc(CHUNK, sizeof(**chunks));
		if (!chunks[nchunks])
			return NULL;
		nchunks++;
	}
	b = &chunks[nblocks / CHUNK][nblocks % CHUNK];
	nblocks++;
	b->vaddr = vaddr;
	b->ninsns = ninsns;
	return b;
}

/*
 * The marker ran: what was counted since the last one goes to a file.
 * The counters are not reset (another vCPU's add, a load and a store,
 * would put back the old value it loaded): what they were at the last
 * marker is kept and subtracted.
 */
static void marker_hit(unsigned int vcpu, void *udata)
{
	char path[4096];
	size_t i;
	FILE *f;

	pthread_mutex_lock(&lock);
	window++;
	snprintf(path, sizeof(path), "%s.%u", prefix, window);
	f = fopen(path, "w");
	for (i = 0; i < nblocks; i++) {
		struct block *b = &chunks[i / CHUNK][i % CHUNK];

		uint64_t count = b->count;

		if (f && count != b->count_seen)
			fprintf(f, "%" PRIx64 " %" PRIu64 "\n", b->vaddr,
				(count - b->count_seen) * b->ninsns);
		b->count_seen = count;
	}
	for (i = 0; i < CHAINS; i++) {
		struct chain *c = &chains[i];
		uint64_t bytes = c->bytes;
		int d;

		if (!f || bytes == c->bytes_seen)
			continue;
		fprintf(f, "C");
		for (d = DEPTH - 1; d >= 0; d--)
			fprintf(f, "%c%" PRIx64, d == DEPTH - 1 ? ' ' : ',', c->site[d]);
		fprintf(f, " %" PRIu64 "\n", bytes - c->bytes_seen);
		c->bytes_seen = bytes;
	}
	if (f)
		fclose(f);
	pthread_mutex_unlock(&lock);
}

static void call_ran(unsigned int vcpu, void *udata)
{
	/* A call again from the same block (a loop) is one entry. */
	if (vcpu >= MAX_VCPUS || ring[vcpu][0] == (uintptr_t)udata)
		return;
	memmove(&ring[vcpu][1], &ring[vcpu][0], sizeof(ring[0][0]) * (DEPTH - 1));
	ring[vcpu][0] = (uintptr_t)udata;
	cur[vcpu] = NULL;
}

/* The chain of @site's entries (a full table: the last slot takes all). */
static struct chain *chain_find(const uint64_t *site)
{
	uint64_t h = 0;
	unsigned int i, n;

	for (i = 0; i < DEPTH; i++)
		h = (h ^ site[i]) * 0x100000001b3ULL;
	pthread_mutex_lock(&lock);
	for (n = 0, i = h % CHAINS; n < CHAINS - 1; n++, i = (i + 1) % CHAINS) {
		if (!chains[i].site[0]) {
			memcpy(chains[i].site, site, sizeof(chains[i].site));
			break;
		}
		if (!memcmp(chains[i].site, site, sizeof(chains[i].site)))
			break;
	}
	pthread_mutex_unlock(&lock);
	return &chains[i];
}

static void rep_ran(unsigned int vcpu, void *udata)
{
	if (vcpu >= MAX_VCPUS || !ring[vcpu][0])
		return;
	if (!cur[vcpu])
		cur[vcpu] = chain_find(ring[vcpu]);
	cur[vcpu]->bytes += (uintptr_t)udata;
}

/* The bytes one iteration of a REP STOS/MOVS at the insn moves, or 0. */
static unsigned int rep_size(struct qemu_plugin_insn *insn)
{
	const uint8_t *p = qemu_plugin_insn_data(insn);
	size_t i, n = qemu_plugin_insn_size(insn);
	bool rep = false, rexw = false, opsz = false;

	for (i = 0; i < n; i++) {
		if (p[i] == 0xf3 || p[i] == 0xf2)
			rep = true;
		else if (p[i] == 0x66)
			opsz = true;
		else if ((p[i] & 0xf0) == 0x40)
			rexw = p[i] & 8;
		else
			break;
	}
	if (!rep || i >= n)
		return 0;
	switch (p[i]) {
	case 0xaa: case 0xa4:
		return 1;
	case 0xab: case 0xa5:
		return rexw ? 8 : opsz ? 2 : 4;
	}
	return 0;
}

/* Is the insn a call (E8 rel32, or FF /2)? */
static bool is_call(struct qemu_plugin_insn *insn)
{
	const uint8_t *p = qemu_plugin_insn_data(insn);
	size_t i, n = qemu_plugin_insn_size(insn);

	for (i = 0; i < n && ((p[i] & 0xf0) == 0x40 || p[i] == 0x2e ||
			      p[i] == 0x3e); i++)
		;
	if (i >= n)
		return false;
	return p[i] == 0xe8 || (p[i] == 0xff && i + 1 < n &&
				((p[i + 1] >> 3) & 7) == 2);
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	uint64_t vaddr = qemu_plugin_tb_vaddr(tb);
	size_t n = qemu_plugin_tb_n_insns(tb);
	unsigned int rep;
	struct block *b;

	if (vaddr == marker)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, marker_hit,
						     QEMU_PLUGIN_CB_NO_REGS,
						     NULL);
	pthread_mutex_lock(&lock);
	b = block_new(vaddr, n);
	pthread_mutex_unlock(&lock);
	if (!b)
		return;
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 &b->count, 1);
	if (!callers || !n)
		return;
	rep = rep_size(qemu_plugin_tb_get_insn(tb, 0));
	if (rep)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, rep_ran,
						     QEMU_PLUGIN_CB_NO_REGS,
						     (void *)(uintptr_t)rep);
	else if (is_call(qemu_plugin_tb_get_insn(tb, n - 1)))
		qemu_plugin_register_vcpu_tb_exec_cb(tb, call_ran,
						     QEMU_PLUGIN_CB_NO_REGS,
						     (void *)(uintptr_t)vaddr);
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
			       int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "marker=", 7))
			marker = strtoull(argv[i] + 7, NULL, 16);
		else if (!strncmp(argv[i], "out=", 4))
			prefix = argv[i] + 4;
		else if (!strcmp(argv[i], "callers=on"))
			callers = true;
	}
	if (!marker) {
		qemu_plugin_outs("tcg-profile: marker=ADDR (hex) is needed\n");
		return 1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	return 0;
}
