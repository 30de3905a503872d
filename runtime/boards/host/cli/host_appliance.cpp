#include "runtime/boards/host/cli/host_appliance.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "drivers/block/volumes.h"
#include "runtime/app/appliance.h"
#include "runtime/app/bench_command.h"
#include "runtime/app/diag_report.h"
#include "runtime/app/fat_model_drive.h"
#include "runtime/app/session_chat.h"
#include "runtime/boards/host/cli/dir_model_drive.h"
#include "runtime/boards/host/file_block_device.h"
#include "runtime/core/console.h"

namespace inferpi::host {
namespace {

// One source given on the command line: a folder, or a disk image with up to 4 volumes.
struct Source {
  std::string path;
  DirModelDrive folder;
  FileBlockDevice image;
  std::unique_ptr<Volumes> volumes;
  FatModelDrive fat[Volumes::kMaxVolumes];
};

struct HostBoard {
  std::vector<std::unique_ptr<Source>> sources;
};

// Re-opens every source, as the kernel re-initialises USB after /exit: a rewritten image
// or a changed folder is seen afresh.
void init_storage(AppContext& ctx) {
  HostBoard& board = *static_cast<HostBoard*>(ctx.board);
  ctx.drive_count = 0;
  for (auto& s : board.sources) {
    struct stat st;
    if (::stat(s->path.c_str(), &st) != 0) {
      kprint("%s: not found\n", s->path.c_str());
      continue;
    }
    if (S_ISDIR(st.st_mode)) {
      Status ok = s->folder.open(s->path.c_str());
      if (!ok) {
        kprint("%s\n", ok.message());
      } else if (ctx.drive_count < AppContext::kMaxDrives) {
        ctx.drives[ctx.drive_count++] = &s->folder;
      }
      continue;
    }
    s->image.close();
    Status ok = s->image.open(s->path.c_str());
    if (ok) {
      if (!s->volumes) s->volumes = std::make_unique<Volumes>();
      ok = s->volumes->scan(&s->image);
    }
    if (!ok) {
      kprint("%s: %s\n", s->path.c_str(), ok.message());
      continue;
    }
    for (int p = 0; p < s->volumes->partition_count(); p++) {
      const Volumes::Partition& part = s->volumes->partition(p);
      if (part.volume < 0)
        kprint("%s: partition %u: %s\n", s->path.c_str(), part.info.index, part.status.message());
    }
    for (int v = 0; v < s->volumes->volume_count(); v++) {
      if (ctx.drive_count == AppContext::kMaxDrives) break;
      s->fat[v].init(&s->volumes->volume(v));
      ctx.drives[ctx.drive_count++] = &s->fat[v];
    }
  }
}

// "!diag" on the host: the parts that make sense over folders and disk images (bandwidth,
// raw and filesystem read speed, the two read paths); the hardware sections say why not.
void run_diag(AppContext& ctx) {
  HostBoard& board = *static_cast<HostBoard*>(ctx.board);
  DiagReport r(ctx.board_name);
  for (const char* s : {"board", "firmware", "clock", "thermal", "ram", "window", "cores"})
    r.not_run(s, "host CLI: no Raspberry Pi firmware or kernel memory map");
  diag_bandwidth(r, *ctx.model_arena);
  for (const char* s : {"pcie", "vl805", "xhci", "usb", "sd"})
    r.not_run(s, "host CLI: drives are folders and disk images");
  bool any_image = false;
  for (auto& s : board.sources) {
    if (!s->image.is_open()) continue;
    any_image = true;
    diag_raw_read(r, s->image, *ctx.model_arena);
    diag_read_paths(r, s->image, "an aligned and a misaligned destination", false,
                    *ctx.model_arena);
  }
  if (!any_image) r.not_run("drives", "no disk image given (folders have no raw sectors)");
  if (ctx.drive_count == 0) r.not_run("fat", "no drive");
  for (int i = 0; i < ctx.drive_count; ++i) diag_fat_read(r, *ctx.drives[i], *ctx.model_arena);
  r.finish();
}

uint64_t physical_ram() {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? uint64_t(pages) * uint64_t(page) : (4ull << 30);
}

}  // namespace

int run_host_appliance(const ApplianceOptions& options) {
  HostBoard board;
  for (const std::string& p : options.sources) {
    board.sources.push_back(std::make_unique<Source>());
    board.sources.back()->path = p;
  }
  // Model RAM: reserved address space, committed page by page as models are read into it.
  const uint64_t bytes = options.memory_bytes ? options.memory_bytes : physical_ram();
  void* mem = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (mem == MAP_FAILED) {
    fprintf(stderr, "inferpi: cannot reserve %llu MB of memory for models\n",
            (unsigned long long)(bytes >> 20));
    return 1;
  }
  Arena arena(mem, bytes);
  SessionChat chat(options.sampler, options.max_tokens);

  AppContext ctx;
  ctx.model_arena = &arena;
  ctx.board_name = "host (Linux CLI)";
  ctx.init_storage = init_storage;
  ctx.board = &board;
  ctx.chat = &chat;
  ctx.run_bench = run_standard_bench;
  ctx.run_diag = run_diag;
  ctx.engine_options.max_context = options.context;
  ctx.engine_options.kv_type = options.kv_type;
  ctx.echo_input = false;  // a terminal echoes by itself; a pipe should not be echoed
  ctx.can_quit = true;
  ctx.cancel_load_on_ctrl_c = true;  // the CLI console turns SIGINT into 0x03 when polled
  int rc = run_appliance(ctx);
  munmap(mem, bytes);
  return rc;
}

}  // namespace inferpi::host
