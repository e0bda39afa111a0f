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

uint32_t decode_fixed32(const char* bytes);
uint64_t decode_fixed64(const char* bytes);

// Reads from a byte range front to back; every getter returns false (and consumes nothing
// useful) when the input is too short or malformed.
class Decoder {
 public:
  explicit Decoder(std::string_view input) : input_(input) {}

  bool get_u8(uint8_t& value);
  bool get_fixed32(uint32_t& value);
  bool get_fixed64(uint64_t& value);
  bool get_varint64(uint64_t& value);
  // A varint length then that many bytes, rejected when longer than `max_bytes`.
  bool get_length_prefixed(std::string_view& bytes, uint64_t max_bytes);
  // The next `length` bytes.
  bool get_bytes(uint64_t length, std::string_view& bytes);
  bool empty() const { return input_.empty(); }
  size_t remaining_bytes() const { return input_.size(); }

 private:
  std::string_view input_;
};

}  // namespace ringkv
