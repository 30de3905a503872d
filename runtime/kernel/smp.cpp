#include "runtime/kernel/smp.h"

#include <atomic>

#include "boot/boot_layout.h"
#include "mmu/mmu.h"
#include "runtime/core/console.h"
#include "runtime/core/parallel.h"
#include "runtime/core/platform.h"
#include "runtime/kernel/board.h"
#include "runtime/kernel/cpu.h"
#include "runtime/kernel/gic.h"
#include "runtime/kernel/panic.h"
#include "runtime/kernel/spinlock.h"

extern "C" char __image_start[], __image_end[];
extern "C" void secondary_start();

namespace inferpi {

namespace {
std::atomic<bool> g_smp_started{false};
std::atomic<uint32_t> g_online_mask{1};  // core 0
int g_worker_of_core[smp::kMaxCores] = {0, -1, -1, -1};
int g_workers = 1;

// The one job in flight. Written by core 0 before bumping g_generation (release);
// read by workers after they see the new generation (acquire).
struct Job {
  RangeFn fn;
  void* ctx;
  int64_t n;
  int64_t grain;
  int workers;
};
Job g_job;
std::atomic<uint32_t> g_generation{0};
std::atomic<int> g_pending{0};

void run_chunk(const Job& job, int worker) {
  int64_t units = (job.n + job.grain - 1) / job.grain;
  int64_t per = (units + job.workers - 1) / job.workers;
  int64_t begin = worker * per * job.grain;
  int64_t end = (worker + 1) * per * job.grain;
  if (end > job.n) end = job.n;
  if (begin < end) job.fn(job.ctx, begin, end, worker);
}

[[noreturn]] void worker_loop(int core) {
  uint32_t seen = g_generation.load(std::memory_order_acquire);
  for (;;) {
    gic::acknowledge_all();
    uint32_t gen = g_generation.load(std::memory_order_acquire);
    if (gen == seen) {
      cpu::wfi();  // woken by the SGI (a pending SGI makes WFI return at once)
      continue;
    }
    seen = gen;
    run_chunk(g_job, g_worker_of_core[core]);
    g_pending.fetch_sub(1, std::memory_order_acq_rel);
  }
}
}  // namespace

bool smp_started() { return g_smp_started.load(std::memory_order_relaxed); }

// Cores 1..3 arrive here from boot/start.S (EL2, MMU off, stack set, FP on).
extern "C" [[noreturn]] void inferpi_secondary_entry(int core) {
  mmu::enable();  // first: exclusives (atomics) need cacheable memory
  gic::init_this_cpu(board::gicd_base(), board::gicc_base());
  g_online_mask.fetch_or(1u << core, std::memory_order_acq_rel);
  worker_loop(core);
}

namespace smp {

int cores_online() { return __builtin_popcount(g_online_mask.load(std::memory_order_acquire)); }
bool core_online(int core) { return g_online_mask.load() & (1u << core); }

int start_secondaries() {
  gic::init_distributor(board::gicd_base());
  gic::init_this_cpu(board::gicd_base(), board::gicc_base());
  // Secondaries start with caches off and read the page tables, their code and these
  // globals from memory: push everything core 0 wrote so far out to the point of coherency.
  mmu::clean_range(__image_start, size_t(__image_end - __image_start));
  g_smp_started.store(true, std::memory_order_release);
  for (int core = 1; core < kMaxCores; ++core) {
    if (!board::start_core(core, reinterpret_cast<uintptr_t>(&secondary_start))) {
      kprint("smp: core %d: start request failed\n", core);
      continue;
    }
    uint64_t t0 = platform::now_ms();
    while (!core_online(core) && platform::now_ms() - t0 < 1000) cpu::relax();
    if (!core_online(core)) kprint("smp: core %d did not come online within 1 s\n", core);
  }
  // Workers: the online cores in order.
  int w = 0;
  for (int core = 0; core < kMaxCores; ++core) {
    if (core_online(core)) g_worker_of_core[core] = w++;
  }
  g_workers = w;
  return cores_online();
}

}  // namespace smp

int worker_count() { return g_workers; }

void parallel_for(int64_t n, int64_t grain, RangeFn fn, void* ctx) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  // Serial when there is nothing to share, or when called off core 0 (not reentrant).
  if (g_workers <= 1 || n <= grain || cpu::core_id() != 0) {
    fn(ctx, 0, n, 0);
    return;
  }
  g_job = Job{fn, ctx, n, grain, g_workers};
  g_pending.store(g_workers - 1, std::memory_order_relaxed);
  g_generation.fetch_add(1, std::memory_order_acq_rel);
  gic::send_sgi(gic::kWakeSgi, g_online_mask.load() & ~1u);
  run_chunk(g_job, 0);
  while (g_pending.load(std::memory_order_acquire) != 0) cpu::relax();
}

}  // namespace inferpi
