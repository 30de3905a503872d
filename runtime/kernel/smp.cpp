#include "runtime/kernel/smp.h"

#include <atomic>

#include "boot/boot_layout.h"
#include "mmu/mmu.h"
#include "runtime/core/bootargs.h"
#include "runtime/core/console.h"
#include "runtime/core/parallel.h"
#include "runtime/core/platform.h"
#include "runtime/kernel/board.h"
#include "runtime/kernel/cpu.h"
#include "runtime/kernel/gic.h"
#include "runtime/kernel/kernel.h"
#include "runtime/kernel/panic.h"
#include "runtime/kernel/spinlock.h"

extern "C" char __image_start[], __image_end[];
extern "C" void secondary_start();

namespace inferpi {

namespace {
std::atomic<bool> g_smp_started{false};
std::atomic<uint32_t> g_online_mask{1};  // core 0
// The worker pool is fixed once, when start_secondaries() has waited for every core: the
// worker index of each core and the SGI target mask. A core that arrives later (after its
// 1 s start window) gets no slot: it parks instead of being woken for jobs it has no index
// for (review item 7: worker -1 wrote out of range and drove g_pending off by one).
int g_worker_of_core[smp::kMaxCores] = {0, -1, -1, -1};
int g_workers = 1;
uint32_t g_worker_mask = 0;              // cores 1..3 that are workers (SGI targets)
std::atomic<bool> g_pool_fixed{false};   // release: g_worker_of_core, g_workers, mask
std::atomic<uint32_t> g_parked_mask{0};  // cores that came online too late
std::atomic<uint32_t> g_serror_mask{0};  // cores that take SErrors (HCR_EL2.AMO, PSTATE.A=0)

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
bool g_in_parallel = false;  // core 0 inside parallel_for (a nested call runs serially)
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

// `seen` is read by the caller BEFORE the core is published online: core 0 bumps the
// generation only after it has counted this core as a worker, so no job can be missed.
[[noreturn]] void worker_loop(int core, uint32_t seen) {
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
  cpu::unmask_serror();
  gic::init_this_cpu(board::gicd_base(), board::gicc_base());
  if (cpu::serror_routed_and_unmasked()) g_serror_mask.fetch_or(1u << core);
  uint32_t seen = g_generation.load(std::memory_order_acquire);
  g_online_mask.fetch_or(1u << core, std::memory_order_acq_rel);
  // Wait until core 0 has fixed the pool (at most the 1 s start window of the cores after
  // us), then either work or park. Spinning is fine: this core has nothing else to do.
  while (!g_pool_fixed.load(std::memory_order_acquire)) cpu::relax();
  if (g_worker_of_core[core] < 0) {
    kprint("smp: core %d came online after the worker pool was fixed: parked\n", core);
    g_parked_mask.fetch_or(1u << core, std::memory_order_acq_rel);
    halt_this_core();
  }
  worker_loop(core, seen);
}

namespace smp {

namespace {
// Releases one core and waits up to `ms`, repeating SEV every millisecond as Circle does (a
// core that was not yet in its WFE when the first event came would otherwise sleep on;
// hw §1.4).
void start_and_wait(int core, uint64_t ms) {
  if (!board::start_core(core, reinterpret_cast<uintptr_t>(&secondary_start))) {
    kprint("smp: core %d: start request failed\n", core);
    return;
  }
  uint64_t t0 = platform::now_ms(), last_sev = t0;
  while (!core_online(core) && platform::now_ms() - t0 < ms) {
    if (platform::now_ms() != last_sev) {
      last_sev = platform::now_ms();
      cpu::sev();
    }
    cpu::relax();
  }
  if (!core_online(core))
    kprint("smp: core %d did not come online within %llu ms\n", core, (unsigned long long)ms);
}
}  // namespace

int cores_online() { return __builtin_popcount(g_online_mask.load(std::memory_order_acquire)); }
bool core_online(int core) { return g_online_mask.load() & (1u << core); }
bool core_parked(int core) { return g_parked_mask.load() & (1u << core); }
uint32_t serror_reporting_cores() { return g_serror_mask.load(std::memory_order_acquire); }

int start_secondaries() {
  gic::init_distributor(board::gicd_base());
  gic::init_this_cpu(board::gicd_base(), board::gicc_base());
  // Secondaries start with caches off and read the page tables, their code and these
  // globals from memory: push everything core 0 wrote so far out to the point of coherency.
  mmu::clean_range(__image_start, size_t(__image_end - __image_start));
  if (cpu::serror_routed_and_unmasked()) g_serror_mask.fetch_or(1u);
  g_smp_started.store(true, std::memory_order_release);
  // Test hook: "smp_late=N" starts core N only after the pool is fixed, so the late-core path
  // (park, no worker slot) runs under QEMU (tests/boot/late_core.session).
  int late = -1;
  char arg[4];
  uint64_t v = 0;
  if (bootargs::value(kernel_bootargs(), "smp_late", arg, sizeof arg) &&
      bootargs::parse_u64(arg, &v) && v >= 1 && v < uint64_t(kMaxCores))
    late = int(v);
  for (int core = 1; core < kMaxCores; ++core) {
    if (core != late) start_and_wait(core, 1000);
  }
  // Workers: the cores online now, in order; everyone else stays out of the pool for good.
  int w = 0;
  uint32_t mask = 0;
  for (int core = 0; core < kMaxCores; ++core) {
    if (!core_online(core)) continue;
    g_worker_of_core[core] = w++;
    if (core) mask |= 1u << core;
  }
  g_workers = w;
  g_worker_mask = mask;
  g_pool_fixed.store(true, std::memory_order_release);
  if (late > 0) {
    kprint("smp: starting core %d late (smp_late test hook)\n", late);
    start_and_wait(late, 1000);
    uint64_t t0 = platform::now_ms();
    while (!core_parked(late) && platform::now_ms() - t0 < 1000) cpu::relax();
  }
  return w;
}

}  // namespace smp

int worker_count() { return g_workers; }

void parallel_for(int64_t n, int64_t grain, RangeFn fn, void* ctx) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  // Serial when there is nothing to share, when called off core 0, or nested (fn called
  // parallel_for: the pool is busy with the outer call).
  if (g_workers <= 1 || n <= grain || cpu::core_id() != 0 || g_in_parallel) {
    fn(ctx, 0, n, 0);
    return;
  }
  g_in_parallel = true;
  g_job = Job{fn, ctx, n, grain, g_workers};
  g_pending.store(g_workers - 1, std::memory_order_relaxed);
  g_generation.fetch_add(1, std::memory_order_acq_rel);
  gic::send_sgi(gic::kWakeSgi, g_worker_mask);
  run_chunk(g_job, 0);
  while (g_pending.load(std::memory_order_acquire) != 0) cpu::relax();
  g_in_parallel = false;
}

}  // namespace inferpi
