// The debug shell's built-in commands: mem, cores, echo, exit, partest.
// (help lives in shell.cpp; drivers add their own commands in their own files.)
#include <atomic>
#include <cstring>

#include "mmu/mmu.h"
#include "runtime/core/console.h"
#include "runtime/core/parallel.h"
#include "runtime/kernel/cpu.h"
#include "runtime/kernel/dma.h"
#include "runtime/kernel/kernel.h"
#include "runtime/kernel/kernel_heap.h"
#include "runtime/kernel/shell.h"
#include "runtime/kernel/smp.h"

namespace inferpi {

namespace {

unsigned long long mib(uint64_t b) { return (unsigned long long)(b >> 20); }
unsigned long long hex(uint64_t v) { return (unsigned long long)v; }

int cmd_mem(int, char**) {
  const MemoryMap& m = kernel_memory_map();
  kprint("RAM: %llu MiB in %zu range(s)\n", mib(m.total_ram()), m.ram_count());
  for (size_t i = 0; i < m.ram_count(); ++i)
    kprint("  ram      0x%010llx-0x%010llx  %6llu MiB\n", hex(m.ram(i).base), hex(m.ram(i).end()),
           mib(m.ram(i).size));
  for (size_t i = 0; i < m.reserved_count(); ++i)
    kprint("  reserved 0x%010llx-0x%010llx  %6llu KiB  %s\n", hex(m.reserved(i).base),
           hex(m.reserved(i).end()), (unsigned long long)(m.reserved(i).size >> 10),
           m.reserved(i).what);
  const Heap& h = kernel_heap();
  kprint("kernel heap: %zu KiB free of %zu KiB, %zu live allocations\n", h.free_bytes() >> 10,
         h.capacity() >> 10, h.allocations());
  const RamWindow& w = kernel_ram_window();
  kprint(
      "model window: %llu MiB at 0x%llx in %zu segment(s), %llu KiB of free RAM left out "
      "by the 2 MiB rounding\n",
      mib(w.size()), hex(w.base()), w.segment_count(), (unsigned long long)(w.dropped() >> 10));
  for (size_t i = 0; i < w.segment_count(); ++i) {
    const RamSegment& s = w.segment(i);
    kprint("  segment  0x%010llx -> RAM 0x%010llx-0x%010llx  %6llu MiB\n", hex(s.va), hex(s.pa),
           hex(s.pa_end()), mib(s.size));
  }
  const Arena& a = kernel_arena();
  kprint("model arena: %llu MiB at %p, %llu MiB used, high water %llu KiB\n", mib(a.capacity()),
         (void*)a.base(), mib(a.used()), (unsigned long long)(a.high_water() >> 10));
  kprint(
      "DMA (non-cacheable): %zu of %zu KiB used; %llu transfer(s) bounced for straddling "
      "window segments\n",
      dma::coherent_used() >> 10, dma::coherent_capacity() >> 10,
      (unsigned long long)dma::window_straddles());
  kprint("page tables: %zu of %zu used\n", mmu::tables_used(), mmu::tables_capacity());
  return 0;
}
INFERPI_SHELL_COMMAND(mem, "mem", "memory map, heap, arena and DMA usage", cmd_mem);

int cmd_cores(int, char**) {
  kprint("cores online: %d of %d (", smp::cores_online(), smp::kMaxCores);
  for (int c = 0; c < smp::kMaxCores; ++c)
    kprint("%s%d:%s", c ? " " : "", c,
           smp::core_parked(c)   ? "parked"
           : smp::core_online(c) ? "up"
                                 : "down");
  kprint("), parallel_for workers: %d\n", worker_count());
  uint32_t serror = smp::serror_reporting_cores();
  kprint("SErrors routed to EL2 and unmasked on cores:");
  for (int c = 0; c < smp::kMaxCores; ++c)
    if (serror & (1u << c)) kprint(" %d", c);
  kprint("\n");
  return 0;
}
INFERPI_SHELL_COMMAND(cores, "cores", "which cores are running", cmd_cores);

int cmd_echo(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) kprint("%s%s", i > 1 ? " " : "", argv[i]);
  kprint("\n");
  return 0;
}
INFERPI_SHELL_COMMAND(echo, "echo", "echo WORDS...  print the words back", cmd_echo);

int cmd_exit(int argc, char** argv) {
  long long code = 0;
  if (argc > 1 && !parse_int(argv[1], &code)) {
    kprint("exit: '%s' is not a number\n", argv[1]);
    return 1;
  }
  kprint("exit %lld\n", code);
  kernel_exit(int(code));
}
INFERPI_SHELL_COMMAND(exit, "exit", "exit [N]  leave the kernel (QEMU exits with status N)",
                      cmd_exit);

// partest: runs parallel_for over n items and checks that every item was done exactly once
// and which cores did the work.
struct ParTest {
  uint8_t* hits;
  std::atomic<uint32_t> core_mask{0};
  std::atomic<int64_t> sum{0};
};

void partest_chunk(void* ctx, int64_t begin, int64_t end, int) {
  auto* t = static_cast<ParTest*>(ctx);
  int64_t s = 0;
  for (int64_t i = begin; i < end; ++i) {
    t->hits[i]++;
    s += i;
  }
  t->sum.fetch_add(s);
  t->core_mask.fetch_or(1u << cpu::core_id());
}

int cmd_partest(int argc, char** argv) {
  long long n = 100000, rounds = 100;
  if ((argc > 1 && !parse_int(argv[1], &n)) || (argc > 2 && !parse_int(argv[2], &rounds)) ||
      n <= 0 || n > (1 << 24) || rounds <= 0) {
    kprint("usage: partest [n<=16M] [rounds]\n");
    return 1;
  }
  auto* hits = new uint8_t[size_t(n)];
  bool ok = true;
  uint32_t mask = 0;
  for (long long r = 0; r < rounds && ok; ++r) {
    memset(hits, 0, size_t(n));
    ParTest t;
    t.hits = hits;
    parallel_for(n, 64, partest_chunk, &t);
    for (int64_t i = 0; i < n; ++i) ok &= hits[i] == 1;
    ok &= t.sum.load() == n * (n - 1) / 2;
    mask |= t.core_mask.load();
  }
  delete[] hits;
  kprint("partest: n=%lld rounds=%lld %s, cores used:", n, rounds,
         ok ? "every item exactly once" : "WRONG RESULT");
  for (int c = 0; c < smp::kMaxCores; ++c)
    if (mask & (1u << c)) kprint(" %d", c);
  kprint(" (%d of %d workers)\n", __builtin_popcount(mask), worker_count());
  return ok ? 0 : 1;
}
INFERPI_SHELL_COMMAND(partest, "partest", "partest [n] [rounds]  check parallel_for on all cores",
                      cmd_partest);

// fault: take an exception on purpose, to see (and test) what the vectors print.
int cmd_fault(int argc, char** argv) {
  const char* kind = argc > 1 ? argv[1] : "data";
  if (strcmp(kind, "data") == 0) {
    // 128 GiB: no RAM, device or PCIe window there on either board -> translation fault.
    volatile uint64_t* p = reinterpret_cast<volatile uint64_t*>(0x2000000000ull);
    kprint("fault: reading %p\n", (void*)p);
    return int(*p);
  }
  if (strcmp(kind, "undef") == 0) {
    kprint("fault: executing an undefined instruction\n");
    asm volatile("udf #0");
    return 0;
  }
  kprint("usage: fault [data|undef]\n");
  return 1;
}
INFERPI_SHELL_COMMAND(fault, "fault",
                      "fault [data|undef]  take an exception on purpose (stops the core)",
                      cmd_fault);

}  // namespace
}  // namespace inferpi
