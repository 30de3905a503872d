// Core 0's path from boot/start.S to inferpi_main(): console, device tree, memory map,
// MMU, C++ globals, heap, board clocks, the other three cores, the banner.
#include "runtime/kernel/kernel.h"

#include "mmu/mmu.h"
#include "runtime/core/bootargs.h"
#include "runtime/core/console.h"
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
Arena g_arena;
constexpr uint64_t kHeapSize = 16ull << 20;
constexpr size_t kMaxDtbSize = 2u << 20;  // QEMU's is 1 MiB; the Pi's is ~50 KiB

void must(const Status& st, const char* step) {
  if (!st.is_ok()) KPANIC("%s: %s", step, st.message());
}

void map_memory() {
  for (size_t i = 0; i < g_memmap.ram_count(); ++i) {
    const MemRegion& r = g_memmap.ram(i);
    uint64_t base = r.base & ~0xfffull, end = (r.end() + 0xfff) & ~0xfffull;
    if (!mmu::map(base, end - base, mmu::Memory::kNormal))
      KPANIC("mmu: cannot map RAM 0x%llx", (unsigned long long)base);
  }
  if (!board::map_devices()) KPANIC("mmu: cannot map the board's devices");
  uint64_t dma = reinterpret_cast<uintptr_t>(__dma_start);
  if (!mmu::map(dma, uint64_t(__dma_end - __dma_start), mmu::Memory::kNonCacheable))
    KPANIC("mmu: cannot map the DMA region");
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
  kprint("  RAM             : %llu MiB total, largest free block %llu MiB at 0x%llx\n",
         (unsigned long long)(g_memmap.total_ram() >> 20),
         (unsigned long long)(g_arena.capacity() >> 20),
         (unsigned long long)(uintptr_t)g_arena.base());
  kprint("  timer           : %llu Hz\n", (unsigned long long)cpu::counter_frequency());
  board::print_clock_line();
}
}  // namespace

const Fdt& kernel_fdt() { return g_fdt; }
const MemoryMap& kernel_memory_map() { return g_memmap; }
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

  uintptr_t dtb = board::dtb_address(x0);
  if (dtb >= reinterpret_cast<uintptr_t>(__image_start) &&
      dtb < reinterpret_cast<uintptr_t>(__image_end))
    KPANIC("the DTB at 0x%lx lies inside the kernel image (cleared with .bss)", dtb);
  must(g_fdt.init(reinterpret_cast<const void*>(dtb), kMaxDtbSize), "device tree");
  must(g_memmap.add_ram_from_fdt(g_fdt), "memory map");
  must(g_memmap.reserve_from_fdt(g_fdt, dtb), "memory map");
  must(g_memmap.reserve(reinterpret_cast<uintptr_t>(__image_start),
                        uint64_t(__image_end - __image_start), "kernel image"),
       "memory map");
  board::reserve_memory(g_memmap);
  reserve_preloaded();

  map_memory();
  mmu::enable();
  run_global_constructors();

  uint64_t heap;
  if (!g_memmap.take_low(kHeapSize, 4096, UINT64_MAX, "kernel heap", &heap))
    KPANIC("no room for a %llu MiB kernel heap", (unsigned long long)(kHeapSize >> 20));
  kernel_heap_init(reinterpret_cast<void*>(heap), kHeapSize);

  board::init();
  int cores = smp::start_secondaries();

  MemRegion arena;
  if (g_memmap.take_largest(4096, "model arena", &arena))
    g_arena.init(reinterpret_cast<void*>(arena.base), arena.size);
  print_banner(cores);

  inferpi_main();
  kprint("inferpi_main returned\n");
  board::exit(0);
}

}  // namespace inferpi
