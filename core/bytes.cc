#include "core/bytes.h"

#include <algorithm>

namespace ringkv {

// Each encoder fills a local buffer and appends it once (one capacity check, not one per
// byte).
void put_fixed32(std::string& out, uint32_t value) {
  char bytes[4];
  for (int i = 0; i < 4; ++i) bytes[i] = static_cast<char>(value >> (8 * i));
  out.append(bytes, sizeof bytes);
}

void put_fixed64(std::string& out, uint64_t value) {
  char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(value >> (8 * i));
  out.append(bytes, sizeof bytes);
}

void put_varint64(std::string& out, uint64_t value) {
  char bytes[10];
  size_t length = 0;
  while (value >= 0x80) {
    bytes[length++] = static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  bytes[length++] = static_cast<char>(value);
  out.append(bytes, length);
}

void put_length_prefixed(std::string& out, std::string_view bytes) {
  put_varint64(out, bytes.size());
  out.append(bytes);
}

bool Decoder::get_long_varint64(uint64_t& value) {
  constexpr int kMaxVarintBytes = 10;
  value = 0;
  const int available = static_cast<int>(std::min<size_t>(input_.size(), kMaxVarintBytes));
  for (int index = 0; index < available; ++index) {
    uint64_t byte = static_cast<uint8_t>(input_[index]);
    if (index == kMaxVarintBytes - 1 && byte > 1) return false;  // overflows 64 bits
    value |= (byte & 0x7f) << (7 * index);
    if ((byte & 0x80) == 0) {
      input_.remove_prefix(index + 1);
      return true;
    }
  }
  return false;
}

}  // namespace ringkv
