#include "drivers/block/read_speed.h"

#include "drivers/block/crc32.h"
#include "runtime/core/platform.h"

namespace inferpi {

Status measure_raw_read(BlockDevice& dev, uint64_t first_lba, uint64_t bytes, void* buffer,
                        size_t buffer_bytes, ReadRate* out) {
  *out = ReadRate{};
  const uint32_t ss = dev.sector_size();
  const uint64_t per_read = buffer_bytes / ss;
  if (per_read == 0) return Status::error("%s: read buffer smaller than a sector", dev.name());
  uint64_t count = bytes / ss;
  if (first_lba > dev.sector_count() || count > dev.sector_count() - first_lba) {
    return Status::error("%s: %llu sectors at %llu pass the end of the device", dev.name(),
                         (unsigned long long)count, (unsigned long long)first_lba);
  }
  uint8_t* buf = static_cast<uint8_t*>(buffer);
  for (uint64_t lba = first_lba; count > 0;) {
    const uint64_t n = count < per_read ? count : per_read;
    const uint64_t t0 = platform::now_us();
    INFERPI_TRY(dev.read(lba, n, buf));
    out->us += platform::now_us() - t0;
    out->crc32 = crc32_update(out->crc32, buf, size_t(n * ss));
    out->bytes += n * ss;
    lba += n;
    count -= n;
  }
  return Status::ok();
}

Status measure_file_read(Volume& volume, const char* path, void* buffer, size_t buffer_bytes,
                         ReadRate* out) {
  *out = ReadRate{};
  if (buffer_bytes == 0) return Status::error("no read buffer");
  uint8_t* buf = static_cast<uint8_t*>(buffer);
  FatFile f;
  uint64_t t0 = platform::now_us();
  INFERPI_TRY(volume.open(path, &f));
  out->us += platform::now_us() - t0;
  if (f.is_dir) return Status::error("%s: is a folder", path);
  for (uint64_t off = 0; off < f.size;) {
    const size_t n = size_t(f.size - off < buffer_bytes ? f.size - off : buffer_bytes);
    t0 = platform::now_us();
    INFERPI_TRY(volume.read(f, off, n, buf));
    out->us += platform::now_us() - t0;
    out->crc32 = crc32_update(out->crc32, buf, n);
    out->bytes += n;
    off += n;
  }
  return Status::ok();
}

Status measure_file_and_raw(Volume& volume, const char* path, void* buffer, size_t buffer_bytes,
                            ReadRate* file, ReadRate* raw) {
  *file = ReadRate{}, *raw = ReadRate{};
  BlockDevice& dev = *volume.fs().device();
  const uint32_t ss = dev.sector_size();
  if (buffer_bytes < ss) return Status::error("read buffer smaller than a sector");
  buffer_bytes -= buffer_bytes % ss;
  uint8_t* buf = static_cast<uint8_t*>(buffer);
  FatFile f;
  uint64_t t0 = platform::now_us();
  INFERPI_TRY(volume.open(path, &f));
  file->us += platform::now_us() - t0;
  if (f.is_dir) return Status::error("%s: is a folder", path);
  const uint64_t first_lba = volume.fs().data_offset(f) / ss;
  if (first_lba + f.size / ss > dev.sector_count()) {
    return Status::error("%s: the file's raw span passes the end of the volume", path);
  }
  for (uint64_t off = 0, chunk = 0; off < f.size; off += buffer_bytes, chunk++) {
    const size_t n = size_t(f.size - off < buffer_bytes ? f.size - off : buffer_bytes);
    const uint64_t sectors = n / ss;  // raw: whole sectors only
    for (int step = 0; step < 2; step++) {
      const bool fat_now = (step == 0) == (chunk % 2 == 0);
      t0 = platform::now_us();
      if (fat_now) {
        INFERPI_TRY(volume.read(f, off, n, buf));
        file->us += platform::now_us() - t0;
        file->crc32 = crc32_update(file->crc32, buf, n);
        file->bytes += n;
      } else if (sectors > 0) {
        INFERPI_TRY(dev.read(first_lba + off / ss, sectors, buf));
        raw->us += platform::now_us() - t0;
        raw->crc32 = crc32_update(raw->crc32, buf, size_t(sectors * ss));
        raw->bytes += sectors * ss;
      }
    }
  }
  return Status::ok();
}

}  // namespace inferpi
