#include "runtime/boards/host/cli/dir_model_drive.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "runtime/core/kstring.h"

namespace inferpi {

DirModelDrive::~DirModelDrive() { close_file(); }

void DirModelDrive::close_file() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  fd_path_[0] = 0;
}

Status DirModelDrive::open(const char* root) {
  close_file();
  struct stat st;
  if (::stat(root, &st) != 0) return Status::error("%s: %s", root, strerror(errno));
  if (!S_ISDIR(st.st_mode)) return Status::error("%s: not a folder", root);
  size_t n = copy_string(root_, sizeof(root_), root);
  while (n > 1 && root_[n - 1] == '/') root_[--n] = 0;
  return Status::ok();
}

Status DirModelDrive::full_path(const char* path, char* out, size_t cap) const {
  // Paths come from our own listings, but never let one climb out of the root.
  for (const char* c = path; *c;) {
    const char* end = strchr(c, '/');
    size_t n = end ? size_t(end - c) : strlen(c);
    if (n == 2 && c[0] == '.' && c[1] == '.') {
      return Status::error("%s: '..' is not allowed in a model path", path);
    }
    c += n + (end ? 1 : 0);
  }
  int n = path[0] ? snprintf(out, cap, "%s/%s", root_, path) : snprintf(out, cap, "%s", root_);
  if (n < 0 || size_t(n) >= cap) return Status::error("%s: path too long", path);
  return Status::ok();
}

Status DirModelDrive::list(const char* path, Visitor visit, void* ctx) {
  char dir_path[4096];
  INFERPI_TRY(full_path(path, dir_path, sizeof(dir_path)));
  DIR* dir = opendir(dir_path);
  if (!dir) return Status::error("%s: %s", dir_path, strerror(errno));
  while (dirent* d = readdir(dir)) {
    if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0) continue;
    char entry_path[4096 + 256];
    snprintf(entry_path, sizeof(entry_path), "%s/%s", dir_path, d->d_name);
    struct stat st;
    if (::stat(entry_path, &st) != 0) continue;  // dangling symlink and the like
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) continue;
    DriveEntry e;
    e.name_cut = copy_string(e.name, sizeof(e.name), d->d_name) < strlen(d->d_name);
    e.is_dir = S_ISDIR(st.st_mode);
    e.size = e.is_dir ? 0 : uint64_t(st.st_size);
    if (!visit(ctx, e)) break;
  }
  closedir(dir);
  return Status::ok();
}

Status DirModelDrive::file_size(const char* path, uint64_t* size) {
  char p[4096];
  INFERPI_TRY(full_path(path, p, sizeof(p)));
  struct stat st;
  if (::stat(p, &st) != 0) return Status::error("%s: %s", path, strerror(errno));
  if (!S_ISREG(st.st_mode)) return Status::error("%s: not a file", path);
  *size = uint64_t(st.st_size);
  return Status::ok();
}

Status DirModelDrive::read(const char* path, uint64_t offset, size_t len, void* dst) {
  if (fd_ < 0 || strcmp(fd_path_, path) != 0) {
    close_file();
    char p[4096];
    INFERPI_TRY(full_path(path, p, sizeof(p)));
    fd_ = ::open(p, O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) return Status::error("%s: %s", path, strerror(errno));
    copy_string(fd_path_, sizeof(fd_path_), path);
  }
  uint8_t* out = static_cast<uint8_t*>(dst);
  size_t done = 0;
  while (done < len) {
    ssize_t n = ::pread(fd_, out + done, len - done, off_t(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::error("%s: read failed: %s", path, strerror(errno));
    if (n == 0) {
      return Status::error("%s: file ends at byte %llu, wanted %zu bytes at %llu", path,
                           static_cast<unsigned long long>(offset + done), len,
                           static_cast<unsigned long long>(offset));
    }
    done += size_t(n);
  }
  return Status::ok();
}

}  // namespace inferpi
