#include "runtime/app/appliance.h"

#include <cstring>

#include "runtime/app/line_input.h"
#include "runtime/app/model_catalog.h"
#include "runtime/app/model_loader.h"
#include "runtime/app/model_menu.h"
#include "runtime/core/console.h"
#include "runtime/core/format.h"
#include "runtime/core/kstring.h"

namespace inferpi {

void describe_throttled(uint32_t bits, char* out, size_t cap) {
  static const char* const kNames[4] = {"under-voltage", "ARM frequency capped", "throttled",
                                        "soft temperature limit"};
  size_t n = 0;
  out[0] = 0;
  for (int i = 0; i < 4; i++) {
    if (!(bits & (1u << i))) continue;
    n += format(out + (n < cap ? n : cap), n < cap ? cap - n : 0, "%s%s", n ? ", " : "", kNames[i]);
  }
  if (n == 0) copy_string(out, cap, "none");
}

namespace {

// The appliance's state while it runs: one per run_appliance call.
struct App {
  AppContext& ctx;
  LineReader& input;
  SocHealth health;         // the latest reading
  int32_t max_temp_mc = 0;  // hottest reading since boot
  bool health_seen = false;

  void read_health(bool warn) {
    if (!ctx.read_health) return;
    SocHealth h;
    if (!ctx.read_health(ctx, &h)) return;
    const uint32_t new_now = h.throttled & 0xF & ~(health_seen ? health.throttled : 0u);
    health = h;
    if (h.has_temperature && (!health_seen || h.temperature_mc > max_temp_mc)) {
      max_temp_mc = h.temperature_mc;
    }
    health_seen = true;
    if (warn && h.has_throttled && new_now) {
      char what[96];
      describe_throttled(new_now, what, sizeof(what));
      kprint("[health] the SoC reports: %s. Check the power supply and cooling.\n", what);
    }
  }

  void print_temp() {
    read_health(false);
    if (!health_seen) {
      kprint("This board has no temperature sensor the kernel can read.\n");
      return;
    }
    if (health.has_temperature) {
      kprint("SoC temperature: %.1f C (hottest since boot: %.1f C)\n",
             double(health.temperature_mc) / 1000.0, double(max_temp_mc) / 1000.0);
    }
    if (health.has_throttled) {
      char now[96], ever[96];
      describe_throttled(health.throttled & 0xF, now, sizeof(now));
      describe_throttled((health.throttled >> 16) & 0xF, ever, sizeof(ever));
      kprint("Throttling now: %s; since boot: %s (flags 0x%x)\n", now, ever,
             unsigned(health.throttled));
    }
    if (health.has_arm_clock) {
      kprint("ARM clock (measured): %u MHz\n", unsigned(health.arm_clock_hz / 1000000));
    }
  }

  void print_memory() {
    const Arena& a = *ctx.model_arena;
    char used[24], cap[24], free_s[24];
    format_bytes(a.used(), used, sizeof(used));
    format_bytes(a.capacity(), cap, sizeof(cap));
    format_bytes(a.largest_free(), free_s, sizeof(free_s));
    kprint("Memory: %s used of %s model RAM, %s free\n", used, cap, free_s);
  }

  void init_storage() {
    ctx.drive_count = 0;
    if (ctx.init_storage) ctx.init_storage(ctx);
    if (ctx.drive_count > AppContext::kMaxDrives) ctx.drive_count = AppContext::kMaxDrives;
  }

  // Says how the context was chosen when it is less than the model's.
  void print_context(const Engine& engine) {
    const ModelInfo& info = engine.info();
    const int n = engine.context_length();
    if (n >= info.max_context || info.bytes_per_position == 0) return;
    char kv[24];
    format_bytes(info.bytes_per_position * uint64_t(n), kv, sizeof kv);
    if (n < info.requested_context) {
      kprint(
          "Context: %d of the model's %d tokens, the most that fits in memory (KV cache %s).\n"
          "/set ctx N changes it.\n",
          n, info.max_context, kv);
    } else {
      kprint("Context: %d of the model's %d tokens (KV cache %s). /set ctx N changes it.\n", n,
             info.max_context, kv);
    }
  }

  // `/set ctx N`: the engine is rebuilt with the new context (a new conversation; the
  // files stay loaded). Returns false when the model had to be dropped.
  bool set_context(const char* arg, LoadedModel& loaded, const char* name) {
    while (*arg == ' ') arg++;
    int n = 0;
    bool digits = *arg != 0;
    for (const char* p = arg; *p && digits; p++) {
      digits = *p >= '0' && *p <= '9' && n < (1 << 24);
      n = n * 10 + (*p - '0');
    }
    const ModelInfo& info = loaded.engine->info();
    const int current = loaded.engine->context_length();
    if (!digits || n < 16) {
      kprint("usage: /set ctx N (16 to %d tokens; now %d)\n", info.max_context, current);
      return true;
    }
    if (n > info.max_context) {
      kprint("%s was trained for %d tokens: /set ctx %d or less.\n", name, info.max_context,
             info.max_context);
      return true;
    }
    LoadOptions load;
    load.engine = ctx.engine_options;
    load.registry = ctx.registry;
    ctx.chat->suspend();
    Status st = rebuild_engine(loaded, *ctx.model_arena, load, n, current);
    if (!loaded.engine) {
      kprint("Cannot rebuild %s: %s\n", name, st.message());
      return false;
    }
    if (!st) {
      kprint("Context %d does not fit: %s. Keeping %d tokens.\n", n, st.message(),
             loaded.engine->context_length());
    } else {
      kprint("Context: %d tokens (KV cache and activations rebuilt; new conversation).\n",
             loaded.engine->context_length());
    }
    print_memory();
    st = ctx.chat->begin(*loaded.engine, *ctx.model_arena, name);
    if (!st) {
      kprint("Cannot start the chat: %s\n", st.message());
      return false;
    }
    return true;
  }

  // Returns false when input ended (host).
  bool chat(const ModelEntry& model, LoadedModel& loaded) {
    ChatDriver& chat = *ctx.chat;
    const ModelInfo& info = loaded.engine->info();
    kprint("\n%s: %s engine, %s, %s, %d layers, context %d tokens.\n", model.name, info.engine,
           info.architecture, info.dtype, info.n_layers, loaded.engine->context_length());
    print_context(*loaded.engine);
    print_memory();
    Status st = chat.begin(*loaded.engine, *ctx.model_arena, model.name);
    if (!st) {
      kprint("Cannot start the chat: %s\n", st.message());
      return true;
    }
    kprint(
        "Type a message and press Enter. /help lists the commands, /exit goes back to "
        "the menu.\n");
    for (;;) {
      kprint("\n> ");
      LineReader::Result r = input.read(ctx.echo_input);
      if (r == LineReader::Result::kEnd) {
        chat.end();
        return false;
      }
      if (r == LineReader::Result::kInterrupt) continue;
      if (input.dropped() > 0) {
        kprint(
            "[input cut: the line had %zu characters more than the limit of %zu; the "
            "rest was dropped]\n",
            input.dropped(), kMaxInputLine - 1);
      }
      const char* line = input.line();
      while (*line == ' ') line++;
      if (*line == 0) continue;

      if (strcmp(line, "/exit") == 0 || strcmp(line, "/quit") == 0) {
        chat.end();
        return true;
      }
      if (strcmp(line, "/help") == 0) {
        chat.print_help();
        kprint("  /temp                  SoC temperature, throttling and clock\n");
        if (ctx.run_bench) kprint("  /bench                 memory bandwidth and decode speed\n");
        kprint("  /exit                  unload the model and go back to the menu\n");
        continue;
      }
      if (strcmp(line, "/stats") == 0) {
        chat.print_stats();
        print_memory();
        read_health(false);
        if (health_seen && health.has_temperature) {
          char ever[96];
          describe_throttled((health.throttled >> 16) & 0xF, ever, sizeof(ever));
          kprint("SoC: %.1f C (hottest %.1f C), throttling since boot: %s\n",
                 double(health.temperature_mc) / 1000.0, double(max_temp_mc) / 1000.0, ever);
        }
        continue;
      }
      if (strncmp(line, "/set ctx", 8) == 0 && (line[8] == 0 || line[8] == ' ')) {
        if (!set_context(line + 8, loaded, model.name)) {
          chat.end();
          return true;  // back to the menu
        }
        continue;
      }
      if (strcmp(line, "/temp") == 0) {
        print_temp();
        continue;
      }
      if (strncmp(line, "/bench", 6) == 0 && (line[6] == 0 || line[6] == ' ')) {
        if (!ctx.run_bench) {
          kprint("/bench is not part of this build.\n");
        } else {
          ctx.run_bench(ctx, *loaded.engine, line + 6);
        }
        continue;
      }
      chat.handle_line(line);
      read_health(true);  // the health check: once per reply, warns when throttling starts
    }
  }
};

}  // namespace

int run_appliance(AppContext& ctx) {
  if (!ctx.model_arena || !ctx.chat) {
    kprint("appliance: the board gave no model memory or no chat screen\n");
    return 1;
  }
  Arena& arena = *ctx.model_arena;
  char* line = arena.alloc_array<char>(kMaxInputLine);
  if (!line) {
    kprint("appliance: no memory for the input line\n");
    return 1;
  }
  LineReader input(line, kMaxInputLine);
  App app{ctx, input, {}, 0, false};
  // Everything below this mark belongs to one menu visit and one model.
  const Arena::Mark base = arena.mark();

  kprint("\nInferPi on %s\n", ctx.board_name && ctx.board_name[0] ? ctx.board_name : "?");
  app.read_health(false);
  app.init_storage();

  MenuOptions menu{ctx.echo_input, ctx.run_shell != nullptr, ctx.can_quit, ctx.run_diag != nullptr};
  for (;;) {
    arena.reset(base);
    ModelCatalog* catalog = arena_new<ModelCatalog>(arena);
    if (!catalog) {
      kprint("appliance: no memory for the model list\n");
      return 1;
    }
    catalog->scan(ctx.drives, ctx.drive_count, arena, ctx.registry);
    print_catalog(*catalog, ctx.drives, ctx.drive_count);
    MenuChoice choice = ask_menu_choice(*catalog, input, menu);
    switch (choice.kind) {
      case MenuChoice::kQuit:
        arena.reset(base);
        return 0;
      case MenuChoice::kRescan:
        app.init_storage();
        continue;
      case MenuChoice::kShell:
        ctx.run_shell(ctx);
        continue;
      case MenuChoice::kDiag:
        ctx.run_diag(ctx);
        continue;
      case MenuChoice::kModel:
        break;
    }

    const ModelEntry& model = *choice.model;
    LoadOptions load;
    load.engine = ctx.engine_options;
    load.registry = ctx.registry;
    load.cancel_on_ctrl_c = ctx.cancel_load_on_ctrl_c;
    LoadedModel loaded;
    Status st = load_model(model, arena, load, &loaded);
    if (!st) {
      kprint("Cannot load %s: %s\nBack to the menu.\n", model.name, st.message());
      continue;
    }
    kprint("Loaded %.1f MB in %.2f s (%.1f MB/s).\n", double(loaded.bytes_read) / 1e6,
           double(loaded.read_us) / 1e6,
           loaded.read_us ? double(loaded.bytes_read) / double(loaded.read_us) : 0.0);
    char name[ModelEntry::kMaxName];
    copy_string(name, sizeof(name), model.name);
    const bool more = app.chat(model, loaded);
    arena.reset(base);  // the model, its KV cache, the chat state and the list are gone
    if (!more) return 0;
    kprint("Unloaded %s. Re-initialising storage...\n", name);
    app.init_storage();
  }
}

}  // namespace inferpi
