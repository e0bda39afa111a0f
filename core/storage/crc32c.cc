#include "core/storage/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace ringkv::crc32c {
namespace {

constexpr uint32_t kReflectedPolynomial = 0x82F63B78u;

// Slicing-by-4 tables: table[0] is the classic byte table; table[k][b] is the CRC of byte b
// followed by k zero bytes.
using Tables = std::array<std::array<uint32_t, 256>, 4>;

constexpr Tables make_tables() {
  Tables tables{};
  for (uint32_t byte = 0; byte < 256; ++byte) {
    uint32_t crc = byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1) ? kReflectedPolynomial : 0);
    tables[0][byte] = crc;
  }
  for (uint32_t byte = 0; byte < 256; ++byte) {
    for (size_t k = 1; k < 4; ++k) {
      uint32_t previous = tables[k - 1][byte];
      tables[k][byte] = (previous >> 8) ^ tables[0][previous & 0xff];
    }
  }
  return tables;
}

constexpr Tables kTables = make_tables();

uint32_t update_portable(uint32_t state, const uint8_t* data, size_t size) {
  while (size >= 4) {
    state ^= static_cast<uint32_t>(data[0]) | (static_cast<uint32_t>(data[1]) << 8) |
             (static_cast<uint32_t>(data[2]) << 16) | (static_cast<uint32_t>(data[3]) << 24);
    state = kTables[3][state & 0xff] ^ kTables[2][(state >> 8) & 0xff] ^
            kTables[1][(state >> 16) & 0xff] ^ kTables[0][state >> 24];
    data += 4;
    size -= 4;
  }
  for (; size > 0; --size, ++data) state = (state >> 8) ^ kTables[0][(state ^ *data) & 0xff];
  return state;
}

#if defined(__x86_64__)
// SSE4.2's crc32 instruction computes CRC32C. Compiled for that target only here and
// chosen at run time, so the binary still runs on a CPU without it.
__attribute__((target("sse4.2"))) uint32_t extend_hardware(uint32_t state, const uint8_t* data,
                                                           size_t size) {
  uint64_t wide = state;
  while (size >= 8) {
    uint64_t word;
    std::memcpy(&word, data, 8);
    wide = _mm_crc32_u64(wide, word);
    data += 8;
    size -= 8;
  }
  state = static_cast<uint32_t>(wide);
  for (; size > 0; --size, ++data) state = _mm_crc32_u8(state, *data);
  return state;
}

bool have_hardware_crc() {
  static const bool supported = __builtin_cpu_supports("sse4.2");
  return supported;
}
#endif

}  // namespace

uint32_t extend(uint32_t crc, std::string_view data) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());
  uint32_t state = ~crc;
#if defined(__x86_64__)
  if (have_hardware_crc()) return ~extend_hardware(state, bytes, data.size());
#endif
  return ~update_portable(state, bytes, data.size());
}

uint32_t extend_portable(uint32_t crc, std::string_view data) {
  return ~update_portable(~crc, reinterpret_cast<const uint8_t*>(data.data()), data.size());
}

}  // namespace ringkv::crc32c
