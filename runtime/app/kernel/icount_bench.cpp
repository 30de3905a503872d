// The whole-token benchmark inside the kernel (tools/bench/token_bench.py drives it).
//
// QEMU runs the virt kernel with `-icount shift=0` (one instruction = one virtual ns, one
// host thread: every count is exact and repeatable), puts a model straight into guest RAM
// with `-device loader` and names it on the command line: `bench model=BASE:SIZE
// [tokenizer=BASE:SIZE] [impl=baseline] [long=N] [prefill=N]`. This code builds the engine over
// those bytes and brackets three things with the PMU's INST_RETIRED counter on every core:
//   decode at context 64   (63 positions skipped, then one token),
//   decode at context 1024 (1023 positions skipped, then one token; `long=N` changes it),
//   one 64-token prefill chunk from position 0 (`prefill=N`: N tokens, 0 = none; a 1B model's
//   chunk is ~30 G instructions, minutes under -icount),
// each preceded by an unmeasured warm-up of the same call. The counts include everything a
// token costs: embeddings, norms, attention, the lm_head, the worker pool's wake-ups and
// barrier waits. It prints `BENCH ...` lines and exits (semihosting status 0 = success).
#include <cstring>

#include "engines/core/engine.h"
#include "engines/core/kernels.h"
#include "runtime/core/bootargs.h"
#include "runtime/core/console.h"
#include "runtime/core/parallel.h"
#include "runtime/kernel/kernel.h"
#include "runtime/kernel/pmu.h"

namespace inferpi {

namespace {

constexpr int kPrefill = 64;
constexpr int kMaxCores = 4;
bool g_machine_wide = false;  // see pmu::counter_is_machine_wide()

[[noreturn]] void fail(const char* what, const Status& st) {
  kprint("BENCH error %s: %s\n", what, st.message());
  kernel_exit(1);
}

// Deterministic token ids spread over the vocabulary (the counts must not depend on luck).
void make_tokens(int* out, int n, int vocab) {
  uint32_t s = 12345;
  for (int i = 0; i < n; i++) {
    s = s * 1664525u + 1013904223u;
    out[i] = int(s % uint32_t(vocab));
  }
}

// Runs `skip` unmeasured positions, then `n` tokens, twice: a warm-up and the measured run.
void measure(Engine& e, const char* phase, int skip, const int* tokens, int n) {
  pmu::Reading r[kMaxCores];
  for (int run = 0; run < 2; run++) {
    e.reset();
    Status st = e.skip_for_benchmark(skip);
    if (!st) fail(phase, st);
    pmu::start_on_all_cores();
    st = e.forward(tokens, n);
    pmu::read_all_cores(r, kMaxCores);
    if (!st) fail(phase, st);
  }
  uint64_t total = 0;
  if (g_machine_wide) {
    // QEMU: core 0's counter already holds every core's instructions; 32-bit wraps are
    // resolved with the cycle counter, which -icount shift=0 keeps in step.
    total = pmu::resolve_wraps(r[0]);
  } else {
    for (int i = 0; i < worker_count() && i < kMaxCores; i++) {
      if (r[i].wrapped) {
        kprint("BENCH error %s: core %d's 32-bit counter overflowed; measure less\n", phase, i);
        kernel_exit(1);
      }
      total += r[i].instructions;
    }
  }
  if (total == 0) {
    kprint("BENCH error %s: the PMU counted no instructions (QEMU needs -icount shift=0)\n", phase);
    kernel_exit(1);
  }
  kprint("BENCH phase=%s context=%d tokens=%d instructions=%llu cycles=%llu", phase, skip + n, n,
         (unsigned long long)total, (unsigned long long)r[0].cycles);
  if (!g_machine_wide) {
    kprint(" per_core=%llu,%llu,%llu,%llu", (unsigned long long)r[0].instructions,
           (unsigned long long)r[1].instructions, (unsigned long long)r[2].instructions,
           (unsigned long long)r[3].instructions);
  }
  kprint("\n");
}

}  // namespace

void run_icount_bench() {
  const char* args = kernel_bootargs();
  ModelFiles files;
  if (!kernel_preloaded("model", &files.model, &files.model_size)) {
    kprint("BENCH error setup: no model=BASE:SIZE inside RAM on the command line\n");
    kernel_exit(1);
  }
  kernel_preloaded("tokenizer", &files.tokenizer, &files.tokenizer_size);  // GGUF: absent
  char impl[16] = "best";
  bootargs::value(args, "impl", impl, sizeof(impl));
  if (strcmp(impl, "baseline") == 0) {
    kernels::set_impl(kernels::Impl::Baseline);
  } else if (strcmp(impl, "best") != 0) {
    kprint("BENCH error setup: impl=%s (expected best or baseline)\n", impl);
    kernel_exit(1);
  }

  // The long context (default 1024; `long=N` for small test models).
  char long_text[16];
  uint64_t long_context = 1024;
  if (bootargs::value(args, "long", long_text, sizeof(long_text)) &&
      (!bootargs::parse_u64(long_text, &long_context) || long_context < 65 ||
       long_context > 65536)) {
    kprint("BENCH error setup: long=%s (expected 65..65536)\n", long_text);
    kernel_exit(1);
  }
  const int long_ctx = int(long_context);
  char prefill_text[16];
  uint64_t prefill = kPrefill;
  if (bootargs::value(args, "prefill", prefill_text, sizeof(prefill_text)) &&
      (!bootargs::parse_u64(prefill_text, &prefill) || prefill > uint64_t(kPrefill))) {
    kprint("BENCH error setup: prefill=%s (expected 0..%d)\n", prefill_text, kPrefill);
    kernel_exit(1);
  }

  Engine* engine = nullptr;
  EngineOptions options;
  options.max_context = long_ctx;
  char kv_text[8];  // `kv=f32` measures the f32 KV cache (default: the engines' f16)
  if (bootargs::value(args, "kv", kv_text, sizeof(kv_text)) &&
      !parse_kv_type(kv_text, &options.kv_type)) {
    kprint("BENCH error setup: kv=%s (expected f16 or f32)\n", kv_text);
    kernel_exit(1);
  }
  Status st = create_engine(files, options, kernel_arena(), &engine);
  if (!st) fail("load", st);
  const ModelInfo& m = engine->info();
  kprint(
      "BENCH model engine=%s arch=%s dtype=%s impl=%s layers=%d dim=%d hidden=%d heads=%d "
      "kv_heads=%d head_dim=%d vocab=%d params=%llu weight_bytes=%llu workers=%d kv=%s\n",
      m.engine, m.architecture, m.dtype, impl, m.n_layers, m.dim, m.hidden_dim, m.n_heads,
      m.n_kv_heads, m.head_dim, m.vocab_size, (unsigned long long)m.n_params,
      (unsigned long long)m.weight_bytes, worker_count(), kv_type_name(options.kv_type));
  if (engine->context_length() < long_ctx) {
    kprint("BENCH error setup: the model's context is %d (< %d)\n", engine->context_length(),
           long_ctx);
    kernel_exit(1);
  }

  g_machine_wide = pmu::counter_is_machine_wide();
  kprint("BENCH counter=%s\n", g_machine_wide ? "machine-wide" : "per-core");

  static int tokens[kPrefill];
  make_tokens(tokens, kPrefill, m.vocab_size);
  measure(*engine, "decode", 63, tokens, 1);
  measure(*engine, "decode", long_ctx - 1, tokens, 1);
  if (prefill > 0) measure(*engine, "prefill", 0, tokens, int(prefill));
  kprint("BENCH done\n");
  kernel_exit(0);
}

}  // namespace inferpi
