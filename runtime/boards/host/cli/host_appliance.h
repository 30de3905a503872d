// The host CLI's interactive mode: the appliance (runtime/app/appliance.h) over folders of
// model folders and FAT32 disk images, on stdin/stdout — the same menu, loader and chat
// screen the kernel runs over a USB stick.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engines/core/kv_cache.h"
#include "engines/core/sampler.h"

namespace inferpi::host {

struct ApplianceOptions {
  std::vector<std::string> sources;  // folders and/or disk image files
  SamplerSettings sampler;
  int max_tokens = 256;
  int context = 0;  // 0 = the model's (capped, EngineOptions)
  KvType kv_type = KvType::F16;
  uint64_t memory_bytes = 0;  // model RAM; 0 = the machine's physical RAM
};

int run_host_appliance(const ApplianceOptions& options);

}  // namespace inferpi::host
