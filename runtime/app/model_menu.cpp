#include "runtime/app/model_menu.h"

#include <cstring>

#include "runtime/core/console.h"
#include "runtime/core/format.h"
#include "runtime/core/kstring.h"

namespace inferpi {

namespace {

// Display width of UTF-8 text, one column per character (good enough for names).
int columns(const char* s) {
  int n = 0;
  for (; *s; s++) n += (static_cast<unsigned char>(*s) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

void print_padded(const char* s, int width) {
  kprint("%s", s);
  for (int i = columns(s); i < width; i++) kwrite(" ", 1);
}

const char* skip_spaces(const char* s) {
  while (*s == ' ' || *s == '\t') s++;
  return s;
}

}  // namespace

void print_catalog(const ModelCatalog& catalog, ModelDrive* const* drives, int drive_count) {
  if (drive_count == 0) {
    kprint("\nNo drive found: no USB stick and no SD card with a FAT32 partition.\n");
    return;
  }
  int name_width = 8;
  for (int i = 0; i < catalog.count(); i++) {
    int w = columns(catalog.entry(i).name);
    if (w > name_width) name_width = w;
  }
  if (name_width > 40) name_width = 40;
  int engine_width = 6, arch_width = 8, dtype_width = 4;
  for (int i = 0; i < catalog.count(); i++) {
    const ModelSummary& m = catalog.entry(i).summary;
    if (!catalog.entry(i).usable) continue;
    if (columns(m.engine) > engine_width) engine_width = columns(m.engine);
    if (columns(m.architecture) > arch_width) arch_width = columns(m.architecture);
    if (columns(m.dtype) > dtype_width) dtype_width = columns(m.dtype);
  }

  int number = 0;
  for (int d = 0; d < drive_count; d++) {
    ModelDrive* drive = drives[d];
    if (!drive) continue;
    kprint("\nModels on %s:\n", drive->name());
    if (d < catalog.drive_count() && catalog.drive_problem(d)[0]) {
      kprint("  (cannot read this drive: %s)\n", catalog.drive_problem(d));
      continue;
    }
    int shown = 0;
    for (int i = 0; i < catalog.count(); i++) {
      const ModelEntry& e = catalog.entry(i);
      if (e.drive != drive) continue;
      shown++;
      if (e.usable) {
        char size[24];
        format_bytes(e.total_bytes(), size, sizeof(size));
        kprint("  %2d  ", ++number);
        print_padded(e.name, name_width);
        kprint("  ");
        print_padded(e.summary.engine, engine_width + 1);
        print_padded(e.summary.architecture, arch_width + 1);
        print_padded(e.summary.dtype, dtype_width);
        kprint(" %8s\n", size);
      } else {
        kprint("   -  ");
        print_padded(e.name, name_width);
        kprint("  cannot load: %s\n", e.problem);
      }
    }
    if (shown == 0) kprint("  (no model folders)\n");
  }
  if (catalog.overflowed()) {
    kprint("(more than %d models: only the first %d are listed)\n", ModelCatalog::kMaxModels,
           ModelCatalog::kMaxModels);
  }
  if (catalog.root_entries_skipped() > 0) {
    kprint("(%d root entries were not looked at: more than %d in one root folder)\n",
           catalog.root_entries_skipped(), ModelCatalog::kMaxRootEntries);
  }
  if (catalog.usable_count() == 0) {
    kprint(
        "\nNo model to load. A model is a folder at the root of a FAT32 drive holding\n"
        "model.bin and tokenizer.bin (tools/export_llama.py, tools/export_gpt2.py), or a\n"
        ".gguf file. tools/make_usb_image writes such a drive.\n");
  }
}

bool parse_menu_choice(const char* text, const ModelCatalog& catalog, const MenuOptions& options,
                       MenuChoice* out, char* why, size_t why_cap) {
  const char* s = skip_spaces(text);
  size_t len = strlen(s);
  while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t')) len--;
  char word[16] = {};
  if (len >= sizeof(word)) {
    format(why, why_cap, "Not a choice (too long).");
    return false;
  }
  memcpy(word, s, len);
  const int n = catalog.usable_count();

  if (len == 0) {
    if (n == 0) {  // nothing to pick: Enter rescans
      *out = MenuChoice{MenuChoice::kRescan, nullptr};
      return true;
    }
    format(why, why_cap, "Type a number from 1 to %d.", n);
    return false;
  }
  if (compare_nocase(word, "r") == 0 || compare_nocase(word, "rescan") == 0) {
    *out = MenuChoice{MenuChoice::kRescan, nullptr};
    return true;
  }
  if (options.has_shell && compare_nocase(word, "!shell") == 0) {
    *out = MenuChoice{MenuChoice::kShell, nullptr};
    return true;
  }
  if (options.has_diag && compare_nocase(word, "!diag") == 0) {
    *out = MenuChoice{MenuChoice::kDiag, nullptr};
    return true;
  }
  if (options.can_quit && (compare_nocase(word, "q") == 0 || compare_nocase(word, "quit") == 0)) {
    *out = MenuChoice{MenuChoice::kQuit, nullptr};
    return true;
  }
  int value = 0;
  bool digits = true;
  for (size_t i = 0; i < len; i++) {
    if (word[i] < '0' || word[i] > '9' || value > 100000) {
      digits = false;
      break;
    }
    value = value * 10 + (word[i] - '0');
  }
  if (digits && value >= 1 && value <= n) {
    *out = MenuChoice{MenuChoice::kModel, catalog.usable(value - 1)};
    return true;
  }
  if (n == 0) {
    format(why, why_cap, "There is no model to choose. Press Enter to rescan.");
  } else {
    format(why, why_cap, "Not a choice: '%s'. Type a number from 1 to %d.", word, n);
  }
  return false;
}

MenuChoice ask_menu_choice(const ModelCatalog& catalog, LineReader& input,
                           const MenuOptions& options) {
  const int n = catalog.usable_count();
  for (;;) {
    if (n > 0) {
      kprint("\nChoose a model [1-%d], r = rescan drives", n);
    } else {
      kprint("\nPress Enter to rescan drives");
    }
    if (options.has_diag) kprint(", !diag = self-test report");
    if (options.has_shell) kprint(", !shell = debug shell");
    if (options.can_quit) kprint(", q = quit");
    kprint(": ");

    LineReader::Result r = input.read(options.echo);
    if (r == LineReader::Result::kEnd) return MenuChoice{MenuChoice::kQuit, nullptr};
    if (r == LineReader::Result::kInterrupt) continue;
    if (input.dropped() > 0) {
      kprint("Input cut: %zu characters over the limit. Not a choice.\n", input.dropped());
      continue;
    }
    MenuChoice choice;
    char why[128];
    if (parse_menu_choice(input.line(), catalog, options, &choice, why, sizeof(why))) {
      return choice;
    }
    kprint("%s\n", why);
  }
}

}  // namespace inferpi
