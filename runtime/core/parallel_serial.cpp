#include "runtime/core/parallel.h"

namespace inferpi {

void parallel_for_serial(int64_t n, int64_t, RangeFn fn, void* ctx) {
  if (n > 0) fn(ctx, 0, n, 0);
}

}  // namespace inferpi
