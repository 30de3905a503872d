#include "mmu/mmu.h"

namespace inferpi::mmu {

namespace {

constexpr int kTables = 96;  // 384 KiB: enough for 8 GB of RAM plus both boards' windows
constexpr int kEntries = 512;
constexpr uint64_t kMaxAddress = 1ull << 40;

alignas(4096) uint64_t g_tables[kTables][kEntries];
int g_used = 1;  // g_tables[0] is the level-0 table
bool g_enabled_core0 = false;

// MAIR_EL2: index 0 Normal WB RA/WA (0xFF), 1 Device-nGnRE (0x04), 2 Normal-NC (0x44).
constexpr uint64_t kMair = 0xffull | (0x04ull << 8) | (0x44ull << 16);
// TCR_EL2 (non-VHE layout): T0SZ = 24 (40-bit VA, walk starts at level 0), IRGN0/ORGN0 =
// WB-WA, SH0 = inner shareable, TG0 = 4 KiB, PS = 0b010 (40-bit PA), RES1 bits 31 and 23.
constexpr uint64_t kTcr = 24 | (1ull << 8) | (1ull << 10) | (3ull << 12) | (0ull << 14) |
                          (2ull << 16) | (1ull << 23) | (1ull << 31);
// SCTLR_EL2: RES1 pattern + M (MMU) + C (data cache) + I (instruction cache). A (alignment
// check) and WXN stay clear.
constexpr uint64_t kSctlrRes1 = 0x30c50830;
constexpr uint64_t kSctlrOn = kSctlrRes1 | (1 << 0) | (1 << 2) | (1 << 12);

constexpr uint64_t kValid = 1, kTableOrPage = 2, kAf = 1ull << 10;
constexpr uint64_t kApRes1 = 1ull << 6;  // AP[1] is RES1 in the EL2 regime
constexpr uint64_t kInnerShareable = 3ull << 8, kXn = 1ull << 54;
constexpr uint64_t kAddrMask = 0x0000fffffffff000ull;

uint64_t leaf_attrs(Memory type) {
  uint64_t a = kAf | kApRes1 | (uint64_t(type) << 2);
  if (type == Memory::kDevice) return a | kXn;
  return a | kInnerShareable;
}

uint64_t* new_table() {
  if (g_used >= kTables) return nullptr;
  uint64_t* t = g_tables[g_used++];
  for (int i = 0; i < kEntries; ++i) t[i] = 0;
  return t;
}

int shift_of(int level) { return 39 - 9 * level; }

// Maps VA [base, end) to PA base + delta (mod 2^64: delta may be "negative").
bool map_level(uint64_t* table, int level, uint64_t base, uint64_t end, uint64_t delta,
               Memory type) {
  int shift = shift_of(level);
  uint64_t block = 1ull << shift;
  while (base < end) {
    int idx = int((base >> shift) & (kEntries - 1));
    uint64_t slot_start = base & ~(block - 1);
    uint64_t slot_end = slot_start + block;
    uint64_t stop = end < slot_end ? end : slot_end;
    const uint64_t out = slot_start + delta;  // the output (physical) address of the slot
    // A block needs the physical address aligned to its size too (VA != PA windows).
    bool whole = base == slot_start && stop == slot_end && (out & (block - 1)) == 0;
    if (level == 3) {
      table[idx] = out | leaf_attrs(type) | kValid | kTableOrPage;
    } else if (whole && level >= 1) {
      table[idx] = out | leaf_attrs(type) | kValid;  // 1 GiB / 2 MiB block
    } else {
      uint64_t e = table[idx];
      uint64_t* next;
      if ((e & kValid) && (e & kTableOrPage)) {
        next = reinterpret_cast<uint64_t*>(e & kAddrMask);
      } else {
        next = new_table();
        if (!next) return false;
        if (e & kValid) {  // split an existing block into the next level, same attributes
          uint64_t child = 1ull << shift_of(level + 1);
          uint64_t attrs = e & ~kAddrMask & ~(kValid | kTableOrPage);
          uint64_t old_out = e & kAddrMask & ~(block - 1);
          for (int i = 0; i < kEntries; ++i)
            next[i] = (old_out + uint64_t(i) * child) | attrs | kValid |
                      (level + 1 == 3 ? kTableOrPage : 0);
        }
        table[idx] = reinterpret_cast<uint64_t>(next) | kValid | kTableOrPage;
      }
      if (!map_level(next, level + 1, base, stop, delta, type)) return false;
    }
    base = stop;
  }
  return true;
}

}  // namespace

bool map(uint64_t base, uint64_t size, Memory type) {
  if ((base | size) & 0xfff) return false;
  if (base >= kMaxAddress || size > kMaxAddress - base) return false;
  return map_level(g_tables[0], 0, base, base + size, 0, type);
}

bool map_to(uint64_t va, uint64_t pa, uint64_t size, Memory type) {
  if ((va | pa | size) & 0xfff) return false;
  if (va >= kMaxAddress || size > kMaxAddress - va) return false;
  if (pa >= kMaxAddress || size > kMaxAddress - pa) return false;
  return map_level(g_tables[0], 0, va, va + size, pa - va, type);
}

void enable() {
  asm volatile(
      "msr mair_el2, %0\n"
      "msr tcr_el2, %1\n"
      "msr ttbr0_el2, %2\n"
      "dsb ish\n"
      "isb\n"
      "tlbi alle2\n"
      "ic iallu\n"
      "dsb ish\n"
      "isb\n"
      "msr sctlr_el2, %3\n"
      "isb\n" ::"r"(kMair),
      "r"(kTcr), "r"(reinterpret_cast<uint64_t>(g_tables[0])), "r"(kSctlrOn)
      : "memory");
  g_enabled_core0 = true;
}

bool enabled() {
  uint64_t v;
  asm volatile("mrs %0, sctlr_el2" : "=r"(v));
  return v & 1;
}

size_t tables_used() { return size_t(g_used); }
size_t tables_capacity() { return kTables; }

size_t dcache_line_size() {
  uint64_t ctr;
  asm volatile("mrs %0, ctr_el0" : "=r"(ctr));
  return size_t(4) << ((ctr >> 16) & 0xf);
}

namespace {
template <typename Op>
void for_each_line(const void* p, size_t size, Op op) {
  if (size == 0) return;
  size_t line = dcache_line_size();
  uintptr_t a = reinterpret_cast<uintptr_t>(p) & ~(line - 1);
  uintptr_t end = reinterpret_cast<uintptr_t>(p) + size;
  for (; a < end; a += line) op(a);
  asm volatile("dsb sy" ::: "memory");
}
}  // namespace

void clean_range(const void* p, size_t size) {
  for_each_line(p, size, [](uintptr_t a) { asm volatile("dc cvac, %0" ::"r"(a) : "memory"); });
}

void clean_invalidate_range(void* p, size_t size) {
  for_each_line(p, size, [](uintptr_t a) { asm volatile("dc civac, %0" ::"r"(a) : "memory"); });
}

void invalidate_range(void* p, size_t size) {
  if (size == 0) return;
  size_t line = dcache_line_size();
  uintptr_t start = reinterpret_cast<uintptr_t>(p), end = start + size;
  // Edges that share a line with other data: clean+invalidate, never plain invalidate.
  if (start & (line - 1)) asm volatile("dc civac, %0" ::"r"(start & ~(line - 1)) : "memory");
  if (end & (line - 1)) asm volatile("dc civac, %0" ::"r"(end & ~(line - 1)) : "memory");
  for (uintptr_t a = (start + line - 1) & ~(line - 1); a + line <= end; a += line)
    asm volatile("dc ivac, %0" ::"r"(a) : "memory");
  asm volatile("dsb sy" ::: "memory");
}

}  // namespace inferpi::mmu
