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
 * "VADDR INSNS" per block start, and the counters start again from zero.
 * tests/bench/profile.py names the addresses from the guest's kallsyms.
 *
 * Counts are instructions, not time: an emulated AES or PCLMULQDQ
 * instruction costs many host instructions, a MOV few. Compare one
 * tunnel's non-cryptographic work with another's, not cryptography with
 * the rest. The increments are not atomic across vCPUs (TCG inlines a
 * plain add): a rare lost increment, no more.
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
void qemu_plugin_outs(const char *string);

EXPORT int qemu_plugin_version = 1;

/* One translation of a block: where it starts, how many instructions. */
struct block {
	uint64_t vaddr;
	uint64_t count;
	uint32_t ninsns;
};

#define CHUNK 65536

static struct block **chunks;
static size_t nchunks, nblocks;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t marker;
static const char *prefix = "tcg-profile";
static unsigned int window;

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

/* The marker ran: what was counted since the last one goes to a file. */
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

		if (f && b->count)
			fprintf(f, "%" PRIx64 " %" PRIu64 "\n", b->vaddr,
				b->count * b->ninsns);
		b->count = 0;
	}
	if (f)
		fclose(f);
	pthread_mutex_unlock(&lock);
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	uint64_t vaddr = qemu_plugin_tb_vaddr(tb);
	struct block *b;

	if (vaddr == marker)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, marker_hit,
						     QEMU_PLUGIN_CB_NO_REGS,
						     NULL);
	pthread_mutex_lock(&lock);
	b = block_new(vaddr, qemu_plugin_tb_n_insns(tb));
	pthread_mutex_unlock(&lock);
	if (b)
		qemu_plugin_register_vcpu_tb_exec_inline(tb,
				QEMU_PLUGIN_INLINE_ADD_U64, &b->count, 1);
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
	}
	if (!marker) {
		qemu_plugin_outs("tcg-profile: marker=ADDR (hex) is needed\n");
		return 1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	return 0;
}
