// Byte layout of InferPi's llama model.bin, version 1 (docs/formats.md, "InferPi llama
// model.bin"; written by tools/pylib/model_bin.py). Little-endian throughout.
#pragma once
#include <cstddef>
#include <cstdint>

namespace inferpi::llama_format {

inline constexpr char kMagic[4] = {'I', 'P', 'L', 'M'};
inline constexpr uint32_t kVersion = 1;
inline constexpr size_t kHeaderSize = 256;
inline constexpr size_t kEntrySize = 64;  // tensor table entry
inline constexpr size_t kNameBytes = 32;  // NUL-padded GGUF tensor name
inline constexpr uint64_t kAlignment = 64;

// Header field offsets (uint32 unless noted).
inline constexpr size_t kOffVersion = 4, kOffHeaderSize = 8, kOffArch = 12, kOffDim = 16,
                        kOffHiddenDim = 20, kOffLayers = 24, kOffHeads = 28, kOffKvHeads = 32,
                        kOffHeadDim = 36, kOffVocab = 40, kOffContext = 44,
                        kOffRopeTheta = 48,  // float32
    kOffRmsEps = 52,                         // float32
    kOffRopePairing = 56, kOffFlags = 60, kOffBos = 64, kOffEos = 68,
                        kOffStops = 72,  // int32, -1 = none
    kOffTokenizer = 88, kOffChatTemplate = 92, kOffTensorCount = 96, kOffAlignment = 100,
                        kOffTableOffset = 104,  // uint64
    kOffDataOffset = 112,                       // uint64
    kOffFileSize = 120;                         // uint64
// Family fields (zero in files written before them: the Llama 2 defaults).
inline constexpr size_t kOffFfnActivation = 128,  // 0 SiLU, 1 GELU (tanh)
    kOffAttnScale = 132,                          // float32, 0 = 1/sqrt(head_dim)
    kOffRopeFreqScale = 136,                      // float32, 0 or 1 = no linear scaling
    kOffSlidingWindow = 140, kOffSlidingPattern = 144,
                        kOffRopeThetaLocal = 148;  // float32

inline constexpr uint32_t kArchLlama = 1, kArchQwen2 = 2, kArchQwen3 = 3, kArchGemma3 = 4;
inline const char* arch_name(uint32_t id) {
  switch (id) {
    case kArchLlama:
      return "llama";
    case kArchQwen2:
      return "qwen2";
    case kArchQwen3:
      return "qwen3";
    case kArchGemma3:
      return "gemma3";
    default:
      return nullptr;
  }
}
inline constexpr uint32_t kFlagTied = 1, kFlagQkvBias = 2, kFlagAddBos = 4, kFlagQkNorm = 8,
                          kFlagPostNorms = 16, kFlagScaleEmbeddings = 32, kKnownFlags = 63;

// Tensor table entry: name[32], uint32 dtype (ggml id), uint32 rows, uint32 cols,
// uint32 reserved (0), uint64 offset from the start of the file, uint64 byte count.

}  // namespace inferpi::llama_format
