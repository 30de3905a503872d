// printf-style formatting into a caller buffer, identical on every board.
// Supports flags "-0+ ", width, .precision, length modifiers hh h l ll z j t, and the
// conversions %d %i %u %x %X %o %p %s %c %f %e %g %%. Width and precision may be '*'.
// Output is always NUL-terminated and truncated to fit; the return value is the length
// the full output would have had (like snprintf), so callers can detect truncation.
#pragma once
#include <cstdarg>
#include <cstddef>

namespace inferpi {

size_t vformat(char* buf, size_t cap, const char* fmt, va_list ap);
[[gnu::format(printf, 3, 4)]] size_t format(char* buf, size_t cap, const char* fmt, ...);

// Streaming form: each produced chunk goes to sink(ctx, data, len). Used by the console.
using FormatSink = void (*)(void* ctx, const char* data, size_t len);
size_t vformat_to(FormatSink sink, void* ctx, const char* fmt, va_list ap);

}  // namespace inferpi
