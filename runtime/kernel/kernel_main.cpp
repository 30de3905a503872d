// Core 0's path from boot/start.S to inferpi_main(): console, device tree, memory map, kernel
// heap, model window, MMU, C++ globals, board clocks, the other three cores, the banner.
#include "runtime/kernel/kernel.h"

#include "mmu/mmu.h"
#include "runtime/core/bootargs.h"
#include "runtime/core/console.h"
#include "runtime/core/ram_window.h"
#include "runtime/kernel/board.h"
#include "runtime/kernel/cpu.h"
#include "runtime/kernel/kernel_heap.h"
#include "runtime/kernel/panic.h"
#include "runtime/kernel/shell.h"
#include "runtime/kernel/smp.h"

extern "C" char __image_start[], __image_end[], __dma_start[], __dma_end[];

namespace inferpi {

void run_global_constructors();

namespace {
constinit Fdt g_fdt;  // constinit: all used before the constructors run
constinit MemoryMap g_memmap;
constinit RamWindow g_window;
const char* g_memory_source = "device tree";
Arena g_arena;
constexpr uint64_t kHeapSize = 16ull << 20;
// Where the model window starts in virtual memory: above every physical address either board
// uses for RAM (Pi 4: below 8 GiB; virt: from 1 GiB, -m sized), below the virt ECAM at
// 0x40_1000_0000 and below 0x20_0000_0000 (the shell's `fault data` address). 64 GiB.
constexpr uint64_t kModelWindowBase = 0x1000000000ull;
constexpr size_t kMaxDtbSize = 2u << 20;  // QEMU's is 1 MiB; the Pi's is ~50 KiB

void must(const Status& st, const char* step) {
  if (!st.is_ok()) KPANIC("%s: %s", step, st.message());
}

// "memhole=SIZE[@OFFSET]" on the command line (testing only): a reserved hole in the middle
// of RAM, so that a board with one RAM range (QEMU virt) gets a window of two segments.
void reserve_test_hole() {
  bool found = false;
  MemHole hole;
  Status st = parse_memhole(kernel_bootargs(), &found, &hole);
  if (st && found) {
    uint64_t where = 0;
    st = reserve_memhole(g_memmap, hole, &where);
    const uint64_t size = (hole.size + RamWindow::kGranule - 1) & ~(RamWindow::kGranule - 1);
    if (st)
      kprint("memhole: RAM 0x%llx-0x%llx (%llu MiB) left out of the model window (test)\n",
             (unsigned long long)where, (unsigned long long)(where + size),
             (unsigned long long)(size >> 20));
  }
  if (!st) kprint("%s: ignored\n", st.message());
}

// Every free RAM range (what the heap, the image, the DTB and the firmware left) becomes one
// contiguous virtual block for the model arena; its physical ranges are marked taken.
void plan_model_window() {
  for (size_t i = 0; i < g_memmap.ram_count(); ++i) {
    if (g_memmap.ram(i).end() > kModelWindowBase)
      KPANIC(
          "RAM at 0x%llx reaches the model window's virtual base 0x%llx: more RAM than this "
          "kernel maps (use less, e.g. QEMU -m 32G)",
          (unsigned long long)g_memmap.ram(i).base, (unsigned long long)kModelWindowBase);
  }
  must(g_window.plan(g_memmap, kModelWindowBase), "model window");
  for (size_t i = 0; i < g_window.segment_count(); ++i)
    must(g_memmap.reserve(g_window.segment(i).pa, g_window.segment(i).size, "model window"),
         "model window");
}

void map_memory() {
  for (size_t i = 0; i < g_memmap.ram_count(); ++i) {
    const MemRegion& r = g_memmap.ram(i);
    uint64_t base = r.base & ~0xfffull, end = (r.end() + 0xfff) & ~0xfffull;
    if (!mmu::map(base, end - base, mmu::Memory::kNormal))
      KPANIC("mmu: cannot map RAM 0x%llx", (unsigned long long)base);
  }
  // The same RAM a second time, at the window's addresses, with the same attributes (two
  // Normal write-back aliases of one physical page are coherent: the data cache is PIPT).
  for (size_t i = 0; i < g_window.segment_count(); ++i) {
    const RamSegment& s = g_window.segment(i);
    if (!mmu::map_to(s.va, s.pa, s.size, mmu::Memory::kNormal))
      KPANIC("mmu: cannot map the model window segment 0x%llx -> 0x%llx", (unsigned long long)s.va,
             (unsigned long long)s.pa);
  }
  if (!board::map_devices()) KPANIC("mmu: cannot map the board's devices");
  uint64_t dma = reinterpret_cast<uintptr_t>(__dma_start);
  if (!mmu::map(dma, uint64_t(__dma_end - __dma_start), mmu::Memory::kNonCacheable))
    KPANIC("mmu: cannot map the DMA region");
}

// The RAM and what is reserved in it: from the device tree, or - none passed (x0 = 0), no
// FDT magic, a corrupt one, or one that lists no RAM - from the board (Pi 4: the firmware
// mailbox). A well-formed DTB without RAM is still used for the rest (reservations,
// bootargs, storage); a corrupt one not at all. Runs with the MMU off: everything it calls
// must be alignment-safe (Device memory; see status.h).
void read_memory_map(uintptr_t dtb) {
  Status st;
  if (dtb == 0)
    st = Status::error("no device tree (x0 = 0)");
  else if (dtb >= reinterpret_cast<uintptr_t>(__image_start) &&
           dtb < reinterpret_cast<uintptr_t>(__image_end))
    st = Status::error("the DTB at 0x%lx lies inside the kernel image (cleared with .bss)", dtb);
  else if (!(st = g_fdt.init(reinterpret_cast<const void*>(dtb), kMaxDtbSize)))
    st = Status::error("DTB at 0x%lx: %s", dtb, st.message());
  if (st) st = g_memmap.add_ram_from_fdt(g_fdt);
  if (!st) {
    kprint("%s: asking the board\n", st.message());
    g_memmap.clear();
    must(board::memory_without_dtb(g_memmap, &g_memory_source), "memory map without a device tree");
  }
  if (g_fdt.valid()) must(g_memmap.reserve_from_fdt(g_fdt, dtb), "memory map");
}

// Files QEMU's -device loader put in RAM (see kernel_preloaded): out of the memory map
// before the heap and the model arena are carved.
constexpr const char* kPreloadKeys[] = {"model", "tokenizer"};

void reserve_preloaded() {
  for (const char* key : kPreloadKeys) {
    uint64_t base, size;
    if (!bootargs::range(kernel_bootargs(), key, &base, &size)) continue;
    Status st =
        g_memmap.reserve(base & ~0xfffull, ((base + size + 0xfff) & ~0xfffull) - (base & ~0xfffull),
                         "preloaded file");
    if (!st)
      KPANIC("%s=0x%llx:0x%llx: %s", key, (unsigned long long)base, (unsigned long long)size,
             st.message());
    kprint("preloaded %s: %llu bytes at 0x%llx\n", key, (unsigned long long)size,
           (unsigned long long)base);
  }
}

void print_banner(int cores) {
  kprint("\n");
  kprint("InferPi kernel, build %s\n", INFERPI_BUILD_ID);
  kprint("  board           : %s\n", board::name());
  kprint("  exception level : EL%d\n", cpu::current_el());
  kprint("  cores online    : %d of %d\n", cores, smp::kMaxCores);
  kprint("  RAM             : %llu MiB total in %zu range(s)\n",
         (unsigned long long)(g_memmap.total_ram() >> 20), g_memmap.ram_count());
  kprint("  memory map from : %s\n", g_memory_source);
  kprint("  model window    : %llu MiB at 0x%llx in %zu segment(s)\n",
         (unsigned long long)(g_window.size() >> 20), (unsigned long long)g_window.base(),
         g_window.segment_count());
  for (size_t i = 0; i < g_window.segment_count(); ++i) {
    const RamSegment& s = g_window.segment(i);
    kprint("    segment %zu     : 0x%010llx -> RAM 0x%010llx-0x%010llx %6llu MiB\n", i,
           (unsigned long long)s.va, (unsigned long long)s.pa, (unsigned long long)s.pa_end(),
           (unsigned long long)(s.size >> 20));
  }
  kprint("  timer           : %llu Hz\n", (unsigned long long)cpu::counter_frequency());
  board::print_clock_line();
}
}  // namespace

const Fdt& kernel_fdt() { return g_fdt; }
const MemoryMap& kernel_memory_map() { return g_memmap; }
const RamWindow& kernel_ram_window() { return g_window; }
Arena& kernel_arena() { return g_arena; }

const char* kernel_bootargs() {
  int chosen = g_fdt.valid() ? g_fdt.find("/chosen") : -1;
  const char* args = chosen >= 0 ? g_fdt.prop_string(chosen, "bootargs") : nullptr;
  return args ? args : "";
}

bool kernel_preloaded(const char* key, const uint8_t** data, size_t* size) {
  uint64_t base, bytes;
  if (!bootargs::range(kernel_bootargs(), key, &base, &bytes)) return false;
  bool inside_ram = false;
  for (size_t i = 0; i < g_memmap.ram_count(); ++i) {
    const MemRegion& r = g_memmap.ram(i);
    inside_ram = inside_ram || (base >= r.base && bytes <= r.end() - base);
  }
  if (!inside_ram) return false;
  *data = reinterpret_cast<const uint8_t*>(base);
  *size = size_t(bytes);
  return true;
}
void kernel_exit(int code) { board::exit(code); }

extern "C" [[gnu::weak]] void inferpi_main() { run_debug_shell(); }

extern "C" [[noreturn]] void inferpi_kernel_entry(uintptr_t x0) {
  board::early_init();
  kprint("\nInferPi: starting on %s at EL%d\n", board::name(), cpu::current_el());

  read_memory_map(board::dtb_address(x0));
  must(g_memmap.reserve(reinterpret_cast<uintptr_t>(__image_start),
                        uint64_t(__image_end - __image_start), "kernel image"),
       "memory map");
  board::reserve_memory(g_memmap);
  reserve_preloaded();
  uint64_t heap;
  if (!g_memmap.take_low(kHeapSize, 4096, UINT64_MAX, "kernel heap", &heap))
    KPANIC("no room for a %llu MiB kernel heap", (unsigned long long)(kHeapSize >> 20));
  reserve_test_hole();
  plan_model_window();  // all the rest: the page tables are complete before the MMU is on

  map_memory();
  mmu::enable();
  cpu::unmask_serror();
  run_global_constructors();
  kernel_heap_init(reinterpret_cast<void*>(heap), kHeapSize);

  board::init();
  int cores = smp::start_secondaries();

  g_arena.init(reinterpret_cast<void*>(g_window.base()), g_window.size());
  print_banner(cores);

  inferpi_main();
  kprint("inferpi_main returned\n");
  board::exit(0);
}

}  // namespace inferpi
