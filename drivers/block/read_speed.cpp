#include "drivers/block/read_speed.h"

#include <cstring>

#include "drivers/block/crc32.h"
#include "runtime/core/platform.h"

namespace inferpi {

void ReadRate::add(const uint8_t* data, size_t n, uint64_t read_us) {
  us += read_us;
  crc32 = crc32_update(crc32, data, n);
  bytes += n;
  if (n > chunk_bytes) chunk_bytes = uint32_t(n);
}

Status measure_raw_read(BlockDevice& dev, uint64_t first_lba, uint64_t bytes, void* buffer,
                        size_t buffer_bytes, ReadRate* out, uint64_t max_us) {
  *out = ReadRate{};
  const uint32_t ss = dev.sector_size();
  const uint64_t per_read = ss ? buffer_bytes / ss : 0;
  if (per_read == 0 || buffer_bytes % ss != 0)
    return Status::error("%s: read buffer of %zu bytes is not whole %u-byte sectors", dev.name(),
                         buffer_bytes, ss);
  if (first_lba >= dev.sector_count())
    return Status::error("%s: start sector %llu is past the end", dev.name(),
                         (unsigned long long)first_lba);
  uint64_t count = bytes / ss;
  if (count > dev.sector_count() - first_lba) count = dev.sector_count() - first_lba;
  uint8_t* buf = static_cast<uint8_t*>(buffer);
  for (uint64_t lba = first_lba; count > 0;) {
    const uint64_t n = count < per_read ? count : per_read;
    const uint64_t t0 = platform::now_us();
    INFERPI_TRY(dev.read(lba, n, buf));
    out->add(buf, size_t(n * ss), platform::now_us() - t0);
    lba += n;
    count -= n;
    if (max_us && out->us >= max_us) break;
  }
  if (out->bytes && out->us == 0) out->us = 1;  // a clock too coarse for one fast read
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
        file->add(buf, n, platform::now_us() - t0);
      } else if (sectors > 0) {
        INFERPI_TRY(dev.read(first_lba + off / ss, sectors, buf));
        raw->add(buf, size_t(sectors * ss), platform::now_us() - t0);
      }
    }
  }
  return Status::ok();
}

Status compare_read_paths(BlockDevice& dev, uint64_t lba, uint32_t sectors, uint8_t* direct,
                          uint8_t* offset_by_one, ReadPathCheck* out) {
  *out = ReadPathCheck{};
  const size_t bytes = size_t(sectors) * dev.sector_size();
  if (sectors == 0 || lba + sectors > dev.sector_count())
    return Status::error("%s: %u sectors at %llu do not fit the device", dev.name(), sectors,
                         (unsigned long long)lba);
  // Dirty the destination in the data cache: if the driver forgot to invalidate after the
  // DMA, the CPU would read this pattern (or a mix) instead of the data.
  memset(direct, 0xA5, bytes);
  memset(offset_by_one, 0x5A, bytes + 1);
  INFERPI_TRY(dev.read(lba, sectors, direct));
  INFERPI_TRY(dev.read(lba, sectors, offset_by_one + 1));
  out->bytes = bytes;
  for (size_t i = 0; i < bytes; ++i) {
    if (direct[i] != offset_by_one[1 + i]) {
      out->first_mismatch = i;
      return Status::ok();
    }
  }
  out->equal = true;
  return Status::ok();
}

}  // namespace inferpi
