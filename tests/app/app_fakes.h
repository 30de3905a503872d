// Test doubles for the appliance: an in-memory drive, a scripted console, a fake engine
// family ("FAKE" model.bin + "FTOK" tokenizer.bin) and a chat screen that records lines.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "runtime/app/appliance.h"
#include "runtime/app/model_catalog.h"
#include "runtime/app/model_drive.h"
#include "runtime/core/console.h"

namespace inferpi::testing {

// Files by path ("demo/model.bin"); folders exist implicitly, or explicitly via add_dir.
class MemDrive : public ModelDrive {
 public:
  explicit MemDrive(std::string name) : name_(std::move(name)) {}
  void add_file(const std::string& path, std::vector<uint8_t> bytes);
  void add_dir(const std::string& path) { dirs_.insert({path, true}); }

  const char* name() const override { return name_.c_str(); }
  Status list(const char* path, Visitor visit, void* ctx) override;
  Status file_size(const char* path, uint64_t* size) override;
  Status read(const char* path, uint64_t offset, size_t len, void* dst) override;

  std::map<std::string, std::vector<uint8_t>> files;
  std::string fail_list;       // listing this folder fails
  bool fail_root = false;      // listing the root fails
  std::string fail_read_path;  // reads of this file fail at/after fail_read_offset
  uint64_t fail_read_offset = 0;
  int reads = 0;

 private:
  std::string name_;
  std::map<std::string, bool> dirs_;
};

// Console fed from a string; collects everything written.
class ScriptConsole : public Console {
 public:
  void write(const char* data, size_t len) override { output.append(data, len); }
  int read_byte(uint32_t) override {
    if (pos < input.size()) return static_cast<unsigned char>(input[pos++]);
    return -2;
  }
  std::string input;
  size_t pos = 0;
  std::string output;
};

// Installs a ScriptConsole for the life of the object.
struct ConsoleScope {
  ScriptConsole console;
  Console* previous;
  ConsoleScope() : previous(inferpi::console()) { set_console(&console); }
  ~ConsoleScope() { set_console(previous); }
};

// Fake model.bin: "FAKE", u32 n_layers, u32 context, u32 weight_bytes, u32 kv_bytes, then
// weight_bytes bytes. tokenizer.bin: "FTOK" + anything.
std::vector<uint8_t> fake_model(uint32_t weight_bytes, uint32_t context = 64,
                                uint32_t kv_bytes = 1024);
std::vector<uint8_t> fake_tokenizer();
EngineRegistry fake_registry();
// Number of fake engines created so far (all tests).
int fake_engines_created();

class RecordingChat : public ChatDriver {
 public:
  Status begin(Engine& engine, Arena& arena, const char* model_name) override;
  void handle_line(const char* line) override;
  void print_help() override;
  void print_stats() override;
  void end() override { ended++; }

  std::vector<std::string> models;  // begin() calls
  std::vector<std::string> lines;   // handle_line() calls
  int ended = 0;
  Engine* engine = nullptr;
};

}  // namespace inferpi::testing
