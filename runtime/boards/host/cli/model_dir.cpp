#include "runtime/boards/host/cli/model_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

namespace inferpi::host {

bool MappedFile::map(const std::string& path, std::string* error) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) {
    *error = path + ": " + strerror(errno);
    return false;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    *error = path + ": not a regular file";
    ::close(fd);
    return false;
  }
  size = size_t(st.st_size);
  if (size == 0) {
    *error = path + ": empty file";
    ::close(fd);
    return false;
  }
  void* p = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (p == MAP_FAILED) {
    *error = path + ": mmap failed";
    return false;
  }
  data = static_cast<const uint8_t*>(p);
  return true;
}

MappedFile::~MappedFile() {
  if (data) munmap(const_cast<uint8_t*>(data), size);
}

LoadedModel::~LoadedModel() {
  if (arena_memory) munmap(arena_memory, arena_size);
}

static bool exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

static std::string find_gguf(const std::string& dir) {
  std::string found;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name.size() > 5 && name.compare(name.size() - 5, 5, ".gguf") == 0) {
        found = dir + "/" + name;
        break;
      }
    }
    closedir(d);
  }
  return found;
}

bool is_model_dir(const std::string& dir) {
  return exists(dir + "/model.bin") || !find_gguf(dir).empty();
}

bool load_model_dir(const std::string& dir, const EngineOptions& options, LoadedModel* out,
                    std::string* error) {
  std::string model_path = dir + "/model.bin";
  if (!exists(model_path)) model_path = find_gguf(dir);
  if (model_path.empty()) {
    *error = dir + ": no model.bin (or .gguf) in this folder";
    return false;
  }
  if (!out->model.map(model_path, error)) return false;
  std::string tok_path = dir + "/tokenizer.bin";
  if (exists(tok_path) && !out->tokenizer.map(tok_path, error)) return false;
  // Address space for the KV cache and activations; pages are only touched as used.
  out->arena_size = size_t(8) << 30;
  void* mem = mmap(nullptr, out->arena_size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (mem == MAP_FAILED) {
    *error = "cannot reserve memory for the engine";
    return false;
  }
  out->arena_memory = mem;
  out->arena.init(mem, out->arena_size);
  ModelFiles files;
  files.model = out->model.data;
  files.model_size = out->model.size;
  files.tokenizer = out->tokenizer.data;
  files.tokenizer_size = out->tokenizer.size;
  Status st = create_engine(files, options, out->arena, &out->engine);
  if (!st) {
    *error = dir + ": " + st.message();
    return false;
  }
  return true;
}

}  // namespace inferpi::host
