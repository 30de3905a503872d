#include "runtime/kernel/pmu.h"

#include "runtime/core/parallel.h"

namespace inferpi::pmu {

namespace {
constexpr uint64_t kEventInstRetired = 0x08;
constexpr uint64_t kCountAtEl2 = 1ull << 27;  // PMEVTYPER<n>_EL0.NSH, PMCCFILTR_EL0.NSH
// PMCR_EL0: E enable, P reset event counters, C reset cycle counter, LC 64-bit cycle counter.
constexpr uint64_t kPmcrStart = (1 << 0) | (1 << 1) | (1 << 2) | (1 << 6);
constexpr uint64_t kCounter0 = 1ull << 0, kCycleCounter = 1ull << 31;  // PMCNTENSET bits
constexpr int kSlots = 8;

Reading g_readings[kSlots];

void start_chunk(void*, int64_t, int64_t, int) { start_counters(); }
void read_chunk(void*, int64_t, int64_t, int worker) {
  if (worker >= 0 && worker < kSlots) g_readings[worker] = read_counters();
}
}  // namespace

void start_counters() {
  asm volatile(
      "msr pmselr_el0, xzr\n"  // select event counter 0
      "isb\n"
      "msr pmxevtyper_el0, %0\n"
      "msr pmccfiltr_el0, %1\n"
      "msr pmovsclr_el0, %2\n"  // clear the overflow flags
      "msr pmcntenset_el0, %2\n"
      "mrs x9, pmcr_el0\n"
      "orr x9, x9, %3\n"
      "msr pmcr_el0, x9\n"  // enable, both counters from 0
      "isb\n" ::"r"(kEventInstRetired | kCountAtEl2),
      "r"(kCountAtEl2), "r"(kCounter0 | kCycleCounter), "r"(kPmcrStart)
      : "x9", "memory");
}

Reading read_counters() {
  uint64_t inst, cycles, overflow;
  asm volatile(
      "isb\n"
      "mrs %0, pmevcntr0_el0\n"
      "mrs %1, pmccntr_el0\n"
      "mrs %2, pmovsclr_el0\n"
      : "=r"(inst), "=r"(cycles), "=r"(overflow)::"memory");
  Reading r;
  r.instructions = inst & 0xffffffffull;
  r.wrapped = overflow & kCounter0;
  r.cycles = cycles;
  return r;
}

void start_on_all_cores() { parallel_for(worker_count(), 1, start_chunk, nullptr); }

void read_all_cores(Reading out[], int max_cores) {
  const int n = worker_count();
  parallel_for(n, 1, read_chunk, nullptr);
  for (int i = 0; i < n && i < max_cores && i < kSlots; i++) out[i] = g_readings[i];
}

bool counter_is_machine_wide() {
  if (worker_count() < 2) return false;  // one core: both readings mean the same
  Reading before[2], after[2];
  start_on_all_cores();
  read_all_cores(before, 2);
  constexpr uint64_t kLoop = 1000000;  // 2 instructions per iteration, on core 0 only
  for (uint64_t i = kLoop; i != 0;) asm volatile("subs %0, %0, #1\n" : "+r"(i)::"cc");
  read_all_cores(after, 2);
  return after[1].instructions - before[1].instructions >= kLoop;
}

uint64_t resolve_wraps(const Reading& r) {
  constexpr uint64_t kWrap = 1ull << 32;
  if (r.cycles <= r.instructions) return r.instructions;
  uint64_t wraps = (r.cycles - r.instructions + kWrap / 2) / kWrap;
  return r.instructions + wraps * kWrap;
}

}  // namespace inferpi::pmu
