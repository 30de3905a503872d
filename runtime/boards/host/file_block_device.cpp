#include "runtime/boards/host/file_block_device.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace inferpi {

FileBlockDevice::~FileBlockDevice() { close(); }

void FileBlockDevice::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  sector_count_ = 0;
}

Status FileBlockDevice::open(const char* path, uint32_t sector_size, bool writable) {
  close();
  if (sector_size < 512 || sector_size > 4096 || (sector_size & (sector_size - 1))) {
    return Status::error("%s: unsupported sector size %u", path, sector_size);
  }
  fd_ = ::open(path, writable ? O_RDWR : O_RDONLY);
  if (fd_ < 0) return Status::error("%s: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fd_, &st) != 0) {
    Status s = Status::error("%s: %s", path, strerror(errno));
    close();
    return s;
  }
  uint64_t bytes = uint64_t(st.st_size);
  if (S_ISBLK(st.st_mode)) {
    off_t end = lseek(fd_, 0, SEEK_END);
    bytes = end > 0 ? uint64_t(end) : 0;
  }
  sector_size_ = sector_size;
  sector_count_ = bytes / sector_size;
  writable_ = writable;
  read_calls_ = sectors_read_ = 0;
  return Status::ok();
}

Status FileBlockDevice::read(uint64_t lba, uint64_t count, void* dst) {
  if (fd_ < 0) return Status::error("image: not open");
  if (lba > sector_count_ || count > sector_count_ - lba) {
    return Status::error(
        "image: read of sectors %llu..%llu past the end (%llu sectors): "
        "truncated image?",
        (unsigned long long)lba, (unsigned long long)(lba + count),
        (unsigned long long)sector_count_);
  }
  read_calls_++;
  sectors_read_ += count;
  uint8_t* p = static_cast<uint8_t*>(dst);
  uint64_t left = count * sector_size_;
  uint64_t off = lba * sector_size_;
  while (left) {
    size_t chunk = left > (1u << 30) ? (1u << 30) : size_t(left);
    ssize_t n = pread(fd_, p, chunk, off_t(off));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return Status::error("image: read at byte %llu: %s", (unsigned long long)off,
                           n < 0 ? strerror(errno) : "unexpected end of file");
    }
    p += n, off += uint64_t(n), left -= uint64_t(n);
  }
  return Status::ok();
}

Status FileBlockDevice::write(uint64_t lba, uint64_t count, const void* src) {
  if (fd_ < 0) return Status::error("image: not open");
  if (!writable_) return Status::error("image: opened read-only");
  if (lba > sector_count_ || count > sector_count_ - lba) {
    return Status::error("image: write past the end");
  }
  const uint8_t* p = static_cast<const uint8_t*>(src);
  uint64_t left = count * sector_size_, off = lba * sector_size_;
  while (left) {
    ssize_t n = pwrite(fd_, p, left > (1u << 30) ? (1u << 30) : size_t(left), off_t(off));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::error("image: write at byte %llu failed", (unsigned long long)off);
    p += n, off += uint64_t(n), left -= uint64_t(n);
  }
  return Status::ok();
}

}  // namespace inferpi
