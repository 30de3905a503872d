// Status: errors are values. A failed operation returns a Status carrying a short,
// human-readable message ("model.bin: truncated: header says 12 MB, file has 3 MB").
// No exceptions anywhere (the kernel has none), no heap (fixed message buffer).
#pragma once
#include <cstdarg>
#include <cstddef>

namespace inferpi {

// alignas(16), message first: GCC 12 expands the zeroing of message_ into 16-byte stores
// (stp q) even with -mstrict-align (GCC PR target/103100); with alignment 1 a Status could
// sit at an odd address and those stores fault while the MMU is off (Device memory) - seen
// on QEMU raspi4b as an alignment fault in Status::error called from Fdt::init.
class alignas(16) Status {
 public:
  static constexpr size_t kMaxMessage = 200;

  Status() = default;  // ok
  static Status ok() { return Status(); }
  [[gnu::format(printf, 1, 2)]] static Status error(const char* fmt, ...);
  static Status verror(const char* fmt, va_list ap);

  bool is_ok() const { return !failed_; }
  explicit operator bool() const { return !failed_; }
  const char* message() const { return failed_ ? message_ : "ok"; }

  // Prefix the message with context: status.with_context("tokenizer.bin").
  Status& with_context(const char* context);

 private:
  char message_[kMaxMessage] = {};
  bool failed_ = false;
};

// Propagate an error Status to the caller.
#define INFERPI_TRY(expr)           \
  do {                              \
    ::inferpi::Status _st = (expr); \
    if (!_st.is_ok()) return _st;   \
  } while (0)

}  // namespace inferpi
