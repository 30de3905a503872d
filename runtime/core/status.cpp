#include "runtime/core/status.h"

#include "runtime/core/format.h"
#include "runtime/core/kstring.h"

namespace inferpi {

Status Status::error(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  Status s = verror(fmt, ap);
  va_end(ap);
  return s;
}

Status Status::verror(const char* fmt, va_list ap) {
  Status s;
  s.failed_ = true;
  vformat(s.message_, sizeof(s.message_), fmt, ap);
  return s;
}

Status& Status::with_context(const char* context) {
  if (!failed_) return *this;
  char old[kMaxMessage];
  copy_string(old, sizeof(old), message_);
  format(message_, sizeof(message_), "%s: %s", context, old);
  return *this;
}

}  // namespace inferpi
