// The model menu: a numbered list of what the catalog found, one line per model (name,
// engine, architecture, dtype, size), grouped by drive, with unusable folders shown under
// their drive with the reason; then a prompt that re-asks until the input is a choice.
#pragma once
#include "runtime/app/line_input.h"
#include "runtime/app/model_catalog.h"

namespace inferpi {

struct MenuOptions {
  bool echo = false;       // echo typed input (UART)
  bool has_shell = false;  // offer "!shell" (the kernel's debug shell)
  bool can_quit = false;   // offer "q" (the host CLI)
  bool has_diag = false;   // offer "!diag" (the self-test report)
};

struct MenuChoice {
  enum Kind { kModel, kRescan, kShell, kQuit, kDiag } kind = kRescan;
  const ModelEntry* model = nullptr;  // for kModel
};

// Prints the list. `drives`/`drive_count` name the drives (also the ones with no models).
void print_catalog(const ModelCatalog& catalog, ModelDrive* const* drives, int drive_count);

// Prompts until the user picks something. Invalid input gets a message and the prompt again.
MenuChoice ask_menu_choice(const ModelCatalog& catalog, LineReader& input,
                           const MenuOptions& options);

// The parser behind ask_menu_choice (tests): fills `out` and returns true for a valid
// choice, or writes a message to `why` and returns false.
bool parse_menu_choice(const char* text, const ModelCatalog& catalog, const MenuOptions& options,
                       MenuChoice* out, char* why, size_t why_cap);

}  // namespace inferpi
