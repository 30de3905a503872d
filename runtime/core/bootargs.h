// The kernel command line (/chosen/bootargs: QEMU -append, the Pi's cmdline.txt): words
// separated by spaces, either flags ("shell", "bench") or key=value pairs. Portable and
// host-tested; the kernel reads it before it takes memory (preloaded ranges are reserved).
#pragma once
#include <cstddef>
#include <cstdint>

namespace inferpi::bootargs {

// True when `word` appears as a whole word.
bool has_word(const char* args, const char* word);
// True when some word is `key=...` (whatever its value).
bool has_key(const char* args, const char* key);
// The value of `key=` (copied, NUL-terminated); false when absent or longer than cap - 1.
bool value(const char* args, const char* key, char* out, size_t cap);
// `key=BASE:SIZE`, both decimal or 0x-hex, SIZE > 0, no overflow: a range of memory that
// something outside the kernel (QEMU's -device loader) filled before boot.
bool range(const char* args, const char* key, uint64_t* base, uint64_t* size);
// A decimal or 0x-hex number, the whole string; false on anything else or overflow.
bool parse_u64(const char* text, uint64_t* out);

}  // namespace inferpi::bootargs
