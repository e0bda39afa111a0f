// Byte encoding primitives: little-endian fixed-width integers, LEB128 varints and
// length-prefixed byte strings, and a Decoder that reads them back. Shared by the storage
// formats (WAL frames, SSTable blocks: core/storage/coding.h) and the binary internal
// message frames (core/wire). Decoders never read past their input and report malformed
// bytes as false, never garbage.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ringkv {

void put_fixed32(std::string& out, uint32_t value);
void put_fixed64(std::string& out, uint64_t value);
void put_varint64(std::string& out, uint64_t value);
void put_length_prefixed(std::string& out, std::string_view bytes);

// Little-endian loads, written as byte loops that compilers turn into one load.
inline uint32_t decode_fixed32(const char* bytes) {
  uint32_t value = 0;
  for (int i = 3; i >= 0; --i) value = (value << 8) | static_cast<uint8_t>(bytes[i]);
  return value;
}
inline uint64_t decode_fixed64(const char* bytes) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | static_cast<uint8_t>(bytes[i]);
  return value;
}

// Reads from a byte range front to back; every getter returns false (and consumes nothing
// useful) when the input is too short or malformed. The getters are inline: block and
// frame decoding call them for every field of every record.
class Decoder {
 public:
  explicit Decoder(std::string_view input) : input_(input) {}

  bool get_u8(uint8_t& value) {
    if (input_.empty()) return false;
    value = static_cast<uint8_t>(input_[0]);
    input_.remove_prefix(1);
    return true;
  }
  bool get_fixed32(uint32_t& value) {
    if (input_.size() < 4) return false;
    value = decode_fixed32(input_.data());
    input_.remove_prefix(4);
    return true;
  }
  bool get_fixed64(uint64_t& value) {
    if (input_.size() < 8) return false;
    value = decode_fixed64(input_.data());
    input_.remove_prefix(8);
    return true;
  }
  bool get_varint64(uint64_t& value) {
    if (!input_.empty() && static_cast<uint8_t>(input_[0]) < 0x80) {  // one byte: most
      value = static_cast<uint8_t>(input_[0]);
      input_.remove_prefix(1);
      return true;
    }
    return get_long_varint64(value);
  }
  // A varint length then that many bytes, rejected when longer than `max_bytes`.
  bool get_length_prefixed(std::string_view& bytes, uint64_t max_bytes) {
    uint64_t length = 0;
    return get_varint64(length) && length <= max_bytes && get_bytes(length, bytes);
  }
  // The next `length` bytes.
  bool get_bytes(uint64_t length, std::string_view& bytes) {
    if (length > input_.size()) return false;
    bytes = input_.substr(0, static_cast<size_t>(length));
    input_.remove_prefix(static_cast<size_t>(length));
    return true;
  }
  bool empty() const { return input_.empty(); }
  size_t remaining_bytes() const { return input_.size(); }

 private:
  bool get_long_varint64(uint64_t& value);  // any length, out of line

  std::string_view input_;
};

}  // namespace ringkv
