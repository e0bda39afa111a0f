// Byte encoding helpers: little-endian fixed-width integers, LEB128 varints, and the record
// encoding shared by WAL frames and SSTable blocks (grammar in docs/storage.md). Decoders
// never read past their input and report malformed bytes as false, never garbage.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/storage/stored_record.h"

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

// record := kind:u8 key:bytes version_counter:varint64 node_id:bytes value:bytes
// (bytes := varint64 length, then the bytes). Tombstones and purge markers have no value.
void encode_record(std::string& out, std::string_view key, const StoredRecord& record);
bool decode_record(Decoder& decoder, std::string& key, StoredRecord& record);

// The same record, as views into the decoder's bytes (nothing copied): for scans that
// compare keys and materialize only the record they want.
struct RecordView {
  std::string_view key;
  uint8_t kind = 0;  // storage_format::RecordKind
  uint64_t counter = 0;
  std::string_view node_id;
  std::string_view value;
};
bool decode_record_view(Decoder& decoder, RecordView& view);
// What follows the key (table format 2 writes the kind before the key and this after it):
// body := version_counter:varint node_id:bytes value:bytes. decode_record_body() expects
// view.kind set and checks it.
void encode_record_body(std::string& out, const StoredRecord& record);
bool decode_record_body(Decoder& decoder, RecordView& view);
void materialize_record(const RecordView& view, StoredRecord& record);

}  // namespace ringkv
