/* TCG plugin for QEMU 7.2 (plugin API v1): counts guest instructions executed by all vCPUs
 * and prints the running total every time the guest executes the instruction at `mark=ADDR`
 * (the benchmark's icount_mark() function). Differences between consecutive marks are the
 * instructions a measured region executed, summed over all threads.
 *
 * Debian ships neither qemu-plugin.h nor plugin binaries, so the few API declarations this
 * needs are written out below (QEMU 7.2 include/qemu/qemu-plugin.h, version 1).
 * Build: gcc -shared -fPIC -O2 -o libicount.so icount_plugin.c */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
typedef struct {
  const char *target_name;
  int version_min, version_cur;
  bool system_emulation;
  union {
    struct {
      int smp_vcpus, max_vcpus;
    } system;
  };
} qemu_info_t;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, qemu_plugin_vcpu_udata_cb_t cb,
                                          enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
                                            qemu_plugin_vcpu_udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);
void qemu_plugin_outs(const char *string);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

static _Atomic uint64_t total;
static uint64_t mark_addr;
static int marks;

/* Whole translation blocks: the count is exact as long as a TB is not left early
 * (exceptions); the benchmark's regions are plain loops and calls. */
static void on_tb(unsigned int vcpu, void *n) {
  (void)vcpu;
  atomic_fetch_add_explicit(&total, (uint64_t)(uintptr_t)n, memory_order_relaxed);
}

static void on_mark(unsigned int vcpu, void *unused) {
  (void)unused;
  char line[96];
  snprintf(line, sizeof line, "icount mark %d vcpu %u total %" PRIu64 "\n", marks++, vcpu,
           atomic_load(&total));
  qemu_plugin_outs(line);
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
  (void)id;
  size_t n = qemu_plugin_tb_n_insns(tb);
  qemu_plugin_register_vcpu_tb_exec_cb(tb, on_tb, QEMU_PLUGIN_CB_NO_REGS, (void *)(uintptr_t)n);
  for (size_t i = 0; i < n; i++) {
    struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
    if (mark_addr && qemu_plugin_insn_vaddr(insn) == mark_addr)
      qemu_plugin_register_vcpu_insn_exec_cb(insn, on_mark, QEMU_PLUGIN_CB_NO_REGS, NULL);
  }
}

static void at_exit(qemu_plugin_id_t id, void *p) {
  (void)id, (void)p;
  char line[64];
  snprintf(line, sizeof line, "icount total %" PRIu64 "\n", atomic_load(&total));
  qemu_plugin_outs(line);
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id,
                                                               const qemu_info_t *info, int argc,
                                                               char **argv) {
  (void)info;
  for (int i = 0; i < argc; i++) {
    if (!strncmp(argv[i], "mark=", 5)) mark_addr = strtoull(argv[i] + 5, NULL, 0);
  }
  qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
  qemu_plugin_register_atexit_cb(id, at_exit, NULL);
  return 0;
}
