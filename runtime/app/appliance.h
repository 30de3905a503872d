// The appliance: storage → model menu → load → chat → /exit → menu, forever (the kernel)
// or until stdin ends (the host CLI). The same code runs on pi4, virt and the host; the
// board hands it an AppContext saying where memory, storage, input echo and SoC health are.
//
//   AppContext ctx;
//   ctx.model_arena = &arena;                 // the largest usable RAM region
//   ctx.init_storage = board_init_storage;    // fills ctx.drives (USB sticks, SD card)
//   ctx.chat = &chat;                         // the chat screen (ChatSession adapter)
//   run_appliance(ctx);
//
// Memory: everything the appliance allocates per scan and per model comes from model_arena
// after a mark taken when the menu is shown; /exit resets the arena to that mark (the model,
// its KV cache, the chat state: all gone at once), re-initialises storage and rescans.
#pragma once
#include <cstddef>
#include <cstdint>

#include "engines/core/engine.h"
#include "runtime/app/model_catalog.h"
#include "runtime/app/model_drive.h"
#include "runtime/core/arena.h"
#include "runtime/core/status.h"

namespace inferpi {

// SoC health as the Pi 4 firmware reports it over the mailbox (GET_TEMPERATURE,
// GET_THROTTLED, GET_CLOCK_RATE_MEASURED). Boards without it leave the has_ flags false.
struct SocHealth {
  bool has_temperature = false;
  int32_t temperature_mc = 0;  // millidegrees Celsius
  bool has_throttled = false;
  uint32_t throttled = 0;  // GET_THROTTLED bits (see describe_throttled)
  bool has_arm_clock = false;
  uint32_t arm_clock_hz = 0;  // measured
};

// "under-voltage, ARM frequency capped" for bits 0-3 (now) or 16-19 (since boot, shift 16).
void describe_throttled(uint32_t bits, char* out, size_t cap);

// The chat screen for one loaded model. The standard one wraps runtime/app/chat_session;
// tests plug in a fake. Everything it allocates comes from `arena` (freed by /exit).
class ChatDriver {
 public:
  virtual ~ChatDriver() = default;
  virtual Status begin(Engine& engine, Arena& arena, const char* model_name) = 0;
  // A line the appliance does not handle itself: a message for the model or a chat
  // command (/reset, /set, ...). Prints its own output, errors included.
  virtual void handle_line(const char* line) = 0;
  virtual void print_help() = 0;
  virtual void print_stats() = 0;
  // Called after /exit, before the arena is reset.
  virtual void end() {}
  // Called before the engine is rebuilt for the same model (/set ctx): like end(), but the
  // next begin() keeps the user's settings (sampling, system prompt, thinking).
  virtual void suspend() { end(); }
};

struct AppContext {
  static constexpr int kMaxDrives = 8;

  Arena* model_arena = nullptr;
  const char* board_name = "";  // "Raspberry Pi 4 Model B rev 1.4 (4 GB)", "QEMU virt"

  // Drives with models; filled by init_storage.
  ModelDrive* drives[kMaxDrives] = {};
  int drive_count = 0;
  // (Re)initialises storage (USB reset and enumeration, SD card, partitions) and fills
  // drives/drive_count, printing what it finds. Called at start, on "rescan" and after /exit.
  void (*init_storage)(AppContext& ctx) = nullptr;

  // Optional board hooks.
  bool (*read_health)(AppContext& ctx, SocHealth* out) = nullptr;  // /temp, /stats
  void (*run_shell)(AppContext& ctx) = nullptr;                    // "!shell" in the menu
  // "!diag" in the menu: the self-test report (runtime/app/diag_report.h).
  void (*run_diag)(AppContext& ctx) = nullptr;
  // /bench: measures memory bandwidth and decode speed of the loaded model.
  void (*run_bench)(AppContext& ctx, Engine& engine, const char* args) = nullptr;
  void* board = nullptr;  // the board's own state, for the hooks

  ChatDriver* chat = nullptr;  // required
  EngineOptions engine_options;
  EngineRegistry registry;             // the real engines unless a test says otherwise
  bool echo_input = false;             // the UART needs echo; a host terminal echoes itself
  bool can_quit = false;               // host: "q" leaves the menu
  bool cancel_load_on_ctrl_c = false;  // poll the console during loading
};

// Input lines longer than this are cut (with a message).
constexpr size_t kMaxInputLine = 2048;

// Runs until the user quits (host: "q" or end of input). Returns 0, or 1 on a setup error.
int run_appliance(AppContext& ctx);

}  // namespace inferpi
