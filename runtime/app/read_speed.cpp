// Read speed and read-path comparison. See read_speed.h.
#include "runtime/app/read_speed.h"

#include <cstring>

#include "runtime/core/platform.h"

namespace inferpi {

Status measure_sequential_read(BlockDevice& dev, uint64_t first_lba, uint64_t bytes, void* buffer,
                               size_t chunk_bytes, ReadSpeed* out, uint64_t max_us) {
  *out = ReadSpeed{};
  const uint32_t sector = dev.sector_size();
  if (sector == 0 || chunk_bytes < sector || chunk_bytes % sector != 0)
    return Status::error("%s: read chunk of %zu bytes is not a multiple of the %u-byte sector",
                         dev.name(), chunk_bytes, sector);
  if (first_lba >= dev.sector_count())
    return Status::error("%s: start sector %llu is past the end", dev.name(),
                         (unsigned long long)first_lba);
  const uint64_t chunk_sectors = chunk_bytes / sector;
  uint64_t lba = first_lba, left = bytes / sector;
  const uint64_t t0 = platform::now_us();
  while (left > 0 && lba < dev.sector_count()) {
    uint64_t n = left < chunk_sectors ? left : chunk_sectors;
    if (n > dev.sector_count() - lba) n = dev.sector_count() - lba;
    Status st = dev.read(lba, n, buffer);
    if (!st) return st;
    lba += n;
    left -= n;
    out->bytes += n * sector;
    if (max_us && platform::now_us() - t0 >= max_us) break;
  }
  out->micros = platform::now_us() - t0;
  if (out->micros == 0) out->micros = 1;
  out->chunk_bytes = uint32_t(chunk_bytes);
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
