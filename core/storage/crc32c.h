// CRC32C (Castagnoli, polynomial 0x1EDC6F41, reflected 0x82F63B78), written in the project
// and pinned by the RFC 3720 B.4 vectors in tests. Stored CRCs are masked (leveldb's idea)
// so that a CRC computed over bytes that themselves contain CRCs does not degenerate.
#pragma once

#include <cstdint>
#include <string_view>

namespace ringkv::crc32c {

// Extends `crc` (the CRC of some prefix, 0 for none) with `data`.
uint32_t extend(uint32_t crc, std::string_view data);

// The table-driven path alone (extend() uses SSE4.2 when the CPU has it); for tests.
uint32_t extend_portable(uint32_t crc, std::string_view data);

inline uint32_t value(std::string_view data) { return extend(0, data); }

inline constexpr uint32_t kMaskDelta = 0xa282ead8u;  // frozen: reaches disk

// The form written to disk: rotate right by 15 bits, then add a constant.
inline uint32_t mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kMaskDelta; }

inline uint32_t unmask(uint32_t masked) {
  uint32_t rotated = masked - kMaskDelta;
  return (rotated >> 17) | (rotated << 15);
}

}  // namespace ringkv::crc32c
