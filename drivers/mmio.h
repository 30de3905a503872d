// Typed register access. Every device register is read and written through these, with the
// width the hardware documents (a 16-bit read of a 32-bit xHCI register returns 0 on QEMU,
// and BCM2711 peripherals want 32-bit accesses). `Reg32<Offset>` style helpers in each
// driver give registers names; logic never pokes raw addresses.
#pragma once
#include <cstdint>

namespace inferpi::mmio {

inline uint32_t read32(uintptr_t addr) { return *reinterpret_cast<volatile uint32_t*>(addr); }
inline void write32(uintptr_t addr, uint32_t v) { *reinterpret_cast<volatile uint32_t*>(addr) = v; }
inline uint16_t read16(uintptr_t addr) { return *reinterpret_cast<volatile uint16_t*>(addr); }
inline void write16(uintptr_t addr, uint16_t v) { *reinterpret_cast<volatile uint16_t*>(addr) = v; }
inline uint8_t read8(uintptr_t addr) { return *reinterpret_cast<volatile uint8_t*>(addr); }
inline void write8(uintptr_t addr, uint8_t v) { *reinterpret_cast<volatile uint8_t*>(addr) = v; }
// 64-bit registers as two 32-bit accesses, low half first (xHCI allows it; some
// interconnects do not pass 64-bit device accesses).
inline uint64_t read64_split(uintptr_t addr) {
  uint64_t lo = read32(addr);
  return lo | (uint64_t(read32(addr + 4)) << 32);
}
inline void write64_split(uintptr_t addr, uint64_t v) {
  write32(addr, uint32_t(v));
  write32(addr + 4, uint32_t(v >> 32));
}

// Ordering barriers for device memory and DMA (no-ops on the host build of portable code).
inline void barrier_full() {
#if defined(__aarch64__)
  asm volatile("dsb sy" ::: "memory");
#else
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}
inline void barrier_store() {
#if defined(__aarch64__)
  asm volatile("dsb st" ::: "memory");
#else
  __atomic_thread_fence(__ATOMIC_RELEASE);
#endif
}

// A register block at a base address: Registers r{base}; r.read32(OFFSET).
class RegisterBlock {
 public:
  constexpr explicit RegisterBlock(uintptr_t base = 0) : base_(base) {}
  uintptr_t base() const { return base_; }
  uint32_t read32(uint32_t off) const { return mmio::read32(base_ + off); }
  void write32(uint32_t off, uint32_t v) const { mmio::write32(base_ + off, v); }
  void set_bits32(uint32_t off, uint32_t bits) const { write32(off, read32(off) | bits); }
  void clear_bits32(uint32_t off, uint32_t bits) const { write32(off, read32(off) & ~bits); }
  uint64_t read64(uint32_t off) const { return mmio::read64_split(base_ + off); }
  void write64(uint32_t off, uint64_t v) const { mmio::write64_split(base_ + off, v); }

 private:
  uintptr_t base_;
};

}  // namespace inferpi::mmio
