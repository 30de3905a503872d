// ModelLoader: a catalog entry → files in the model arena → an Engine.
//
//   Arena::Mark before = arena.mark();            // the appliance keeps this mark ...
//   LoadedModel m;
//   Status st = load_model(entry, arena, options, &m);
//   ...chat with *m.engine...
//   arena.reset(before);                          // ... and /exit frees everything at once
//
// The files are read straight into the arena (engines use the weights in place, no second
// copy) in chunks, with a progress line (MB loaded, %, MB/s). A model that cannot fit is
// refused before anything is read, with the sizes ("model needs 812 MB, largest free block
// is 640 MB"). On failure the arena is back where it was.
#pragma once
#include <cstddef>
#include <cstdint>

#include "engines/core/engine.h"
#include "runtime/app/model_catalog.h"
#include "runtime/core/arena.h"
#include "runtime/core/status.h"

namespace inferpi {

struct LoadedModel {
  Engine* engine = nullptr;
  ModelFiles files;
  Arena::Mark engine_mark{};  // the arena after the files: resetting to it drops the engine only
  uint64_t bytes_read = 0;
  uint64_t read_us = 0;  // time spent reading the files
};

struct LoadOptions {
  EngineOptions engine;
  EngineRegistry registry;
  // Poll the console for Ctrl-C (0x03) between chunks. Off on the host, where the console
  // is often a pipe carrying the next commands and a poll would eat them.
  bool cancel_on_ctrl_c = false;
  size_t chunk_bytes = 4 * 1024 * 1024;
};

Status load_model(const ModelEntry& entry, Arena& arena, const LoadOptions& options,
                  LoadedModel* out);

// `/set ctx N`: drops the engine (keeping the files) and builds it again with a context of
// `context` tokens; when that does not fit, says so and builds it with `fallback` again.
Status rebuild_engine(LoadedModel& loaded, Arena& arena, const LoadOptions& options, int context,
                      int fallback);

}  // namespace inferpi
