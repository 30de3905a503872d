#include "runtime/kernel/pmu.h"

#include "runtime/core/parallel.h"

namespace inferpi::pmu {

namespace {
constexpr uint64_t kEventInstRetired = 0x08;
constexpr uint64_t kCountAtEl2 = 1ull << 27;  // PMEVTYPER<n>_EL0.NSH
constexpr uint64_t kPmcrEnable = 1, kPmcrResetEvents = 1 << 1;
constexpr uint64_t kCounter0 = 1;  // PMCNTENSET_EL0 bit 0

uint64_t g_values[8];
bool g_wrapped[8];

void start_chunk(void*, int64_t, int64_t, int) { start_instruction_counter(); }
void read_chunk(void*, int64_t, int64_t, int worker) {
  if (worker < 0 || worker >= 8) return;
  g_values[worker] = instructions();
  uint64_t overflow;
  asm volatile("mrs %0, pmovsclr_el0" : "=r"(overflow));
  g_wrapped[worker] = overflow & kCounter0;
}
}  // namespace

void start_instruction_counter() {
  asm volatile(
      "msr pmselr_el0, xzr\n"  // select event counter 0
      "isb\n"
      "msr pmxevtyper_el0, %0\n"
      "msr pmovsclr_el0, %1\n"  // clear counter 0's overflow flag
      "msr pmcntenset_el0, %1\n"
      "mrs x9, pmcr_el0\n"
      "orr x9, x9, %2\n"
      "msr pmcr_el0, x9\n"  // enable + reset the event counters to 0
      "isb\n" ::"r"(kEventInstRetired | kCountAtEl2),
      "r"(kCounter0), "r"(kPmcrEnable | kPmcrResetEvents)
      : "x9", "memory");
}

uint64_t instructions() {
  uint64_t v;
  asm volatile(
      "isb\n"
      "mrs %0, pmevcntr0_el0\n"
      : "=r"(v)::"memory");
  return v;
}

bool counter_is_machine_wide() {
  if (worker_count() < 2) return false;  // one core: both readings mean the same
  uint64_t before[8] = {}, after[8] = {};
  bool wrapped;
  start_on_all_cores();
  read_all_cores(before, 8, &wrapped);
  constexpr uint64_t kLoop = 1000000;  // 2 instructions per iteration on core 0 only
  for (uint64_t i = kLoop; i != 0;) asm volatile("subs %0, %0, #1\n" : "+r"(i)::"cc");
  read_all_cores(after, 8, &wrapped);
  return after[1] - before[1] >= kLoop;
}

void start_on_all_cores() { parallel_for(worker_count(), 1, start_chunk, nullptr); }

uint64_t read_all_cores(uint64_t out[], int max_cores, bool* wrapped) {
  const int n = worker_count();
  parallel_for(n, 1, read_chunk, nullptr);
  uint64_t sum = 0;
  *wrapped = false;
  for (int i = 0; i < n && i < 8; i++) {
    sum += g_values[i];
    *wrapped = *wrapped || g_wrapped[i];
    if (i < max_cores) out[i] = g_values[i];
  }
  return sum;
}

}  // namespace inferpi::pmu
