// The `/bench` chat command: read bandwidth on one core and on all workers, decode speed
// of the loaded model, printed with the ARM clock and SoC temperature the board reports, so
// a user can report real numbers. Every board uses this one (AppContext::run_bench).
#pragma once
#include "runtime/app/appliance.h"

namespace inferpi {

void run_standard_bench(AppContext& ctx, Engine& engine, const char* args);

}  // namespace inferpi
