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

// Appending n zero bytes to a raw CRC state is linear over GF(2): it multiplies the state by
// x^(8n) modulo the polynomial. So three lanes can be summed independently (the crc32
// instruction has a latency of three cycles but issues one per cycle) and combined:
//   state(A B C) = zeros(state(A), |B|+|C|) ^ zeros(state_0(B), |C|) ^ state_0(C).

// a * b modulo the polynomial, both in the reflected representation (bit 31 is x^0).
constexpr uint32_t multiply_modulo(uint32_t a, uint32_t b) {
  uint32_t product = 0;
  for (int bit = 31; bit >= 0; --bit) {  // branch-free: the bits of a are data
    product ^= b & (0u - ((a >> bit) & 1));
    b = (b >> 1) ^ (kReflectedPolynomial & (0u - (b & 1)));  // b * x
  }
  return product;
}

// x^(8 * bytes) modulo the polynomial: the state 1 (x^0) after `bytes` zero bytes.
constexpr uint32_t zeros_operator(size_t bytes) {
  uint32_t state = 1u << 31;
  for (size_t i = 0; i < bytes; ++i) state = (state >> 8) ^ kTables[0][state & 0xff];
  return state;
}

// Multiplying by a fixed operator is linear in the state, so it is four table lookups, one
// per state byte (a bit loop costs more than the lanes save on a 4 KiB block).
using ShiftTable = std::array<std::array<uint32_t, 256>, 4>;

constexpr ShiftTable make_shift_table(size_t bytes) {
  const uint32_t op = zeros_operator(bytes);
  ShiftTable table{};
  for (size_t k = 0; k < 4; ++k) {
    for (uint32_t byte = 0; byte < 256; ++byte) {
      table[k][byte] = multiply_modulo(op, byte << (8 * k));
    }
  }
  return table;
}

inline uint32_t shift(const ShiftTable& table, uint32_t state) {
  return table[0][state & 0xff] ^ table[1][(state >> 8) & 0xff] ^
         table[2][(state >> 16) & 0xff] ^ table[3][state >> 24];
}

#if defined(__x86_64__)
// SSE4.2's crc32 instruction computes CRC32C. Compiled for that target only here and
// chosen at run time, so the binary still runs on a CPU without it.
template <size_t kLaneBytes>
__attribute__((target("sse4.2"))) uint32_t three_lanes(uint32_t state, const uint8_t* data) {
  static constexpr ShiftTable kShiftOne = make_shift_table(kLaneBytes);
  static constexpr ShiftTable kShiftTwo = make_shift_table(2 * kLaneBytes);
  uint64_t a = state, b = 0, c = 0;
  for (size_t at = 0; at < kLaneBytes; at += 8) {
    uint64_t word_a, word_b, word_c;
    std::memcpy(&word_a, data + at, 8);
    std::memcpy(&word_b, data + kLaneBytes + at, 8);
    std::memcpy(&word_c, data + 2 * kLaneBytes + at, 8);
    a = _mm_crc32_u64(a, word_a);
    b = _mm_crc32_u64(b, word_b);
    c = _mm_crc32_u64(c, word_c);
  }
  return shift(kShiftTwo, static_cast<uint32_t>(a)) ^ shift(kShiftOne, static_cast<uint32_t>(b)) ^
         static_cast<uint32_t>(c);
}

__attribute__((target("sse4.2"))) uint32_t extend_hardware(uint32_t state, const uint8_t* data,
                                                           size_t size) {
  constexpr size_t kLong = 1024, kShort = 128;
  for (; size >= 3 * kLong; data += 3 * kLong, size -= 3 * kLong) {
    state = three_lanes<kLong>(state, data);
  }
  for (; size >= 3 * kShort; data += 3 * kShort, size -= 3 * kShort) {
    state = three_lanes<kShort>(state, data);
  }
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
