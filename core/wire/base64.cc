#include "core/wire/base64.h"

#include <array>
#include <cstdint>

namespace ringkv::wire {

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr int8_t kInvalid = -1;

constexpr std::array<int8_t, 256> make_decode_table() {
  std::array<int8_t, 256> table{};
  for (auto& entry : table) entry = kInvalid;
  for (int i = 0; i < 64; ++i)
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
  return table;
}
constexpr std::array<int8_t, 256> kDecodeTable = make_decode_table();

Status bad_base64(std::string reason, size_t offset) {
  return Status::invalid_argument("bad base64: " + reason + " at offset " + std::to_string(offset));
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve(base64_encoded_bytes(bytes.size()));
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t group = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16 |
                     static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8 |
                     static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 2]));
    out.push_back(kAlphabet[(group >> 18) & 63]);
    out.push_back(kAlphabet[(group >> 12) & 63]);
    out.push_back(kAlphabet[(group >> 6) & 63]);
    out.push_back(kAlphabet[group & 63]);
  }
  size_t rest = bytes.size() - i;
  if (rest == 0) return out;
  uint32_t group = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
  if (rest == 2) group |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
  out.push_back(kAlphabet[(group >> 18) & 63]);
  out.push_back(kAlphabet[(group >> 12) & 63]);
  out.push_back(rest == 2 ? kAlphabet[(group >> 6) & 63] : '=');
  out.push_back('=');
  return out;
}

Result<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) {
    return Status::invalid_argument("bad base64: length " + std::to_string(text.size()) +
                                    " is not a multiple of 4");
  }
  size_t padding = 0;
  if (!text.empty() && text.back() == '=') padding = (text[text.size() - 2] == '=') ? 2 : 1;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  uint32_t group = 0;
  size_t data_chars = text.size() - padding;
  for (size_t i = 0; i < data_chars; ++i) {
    int8_t sextet = kDecodeTable[static_cast<unsigned char>(text[i])];
    if (sextet == kInvalid) return bad_base64("invalid character", i);
    group = group << 6 | static_cast<uint32_t>(sextet);
    if (i % 4 == 3) {
      out.push_back(static_cast<char>(group >> 16));
      out.push_back(static_cast<char>(group >> 8));
      out.push_back(static_cast<char>(group));
      group = 0;
    }
  }
  if (padding == 2) {
    if ((group & 0xF) != 0) return bad_base64("non-zero bits before padding", data_chars - 1);
    out.push_back(static_cast<char>(group >> 4));
  } else if (padding == 1) {
    if ((group & 0x3) != 0) return bad_base64("non-zero bits before padding", data_chars - 1);
    out.push_back(static_cast<char>(group >> 10));
    out.push_back(static_cast<char>(group >> 2));
  }
  return out;
}

}  // namespace ringkv::wire
