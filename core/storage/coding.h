// The record encoding shared by WAL frames and SSTable blocks (grammar in docs/storage.md),
// on top of the byte primitives of core/bytes.h. Decoders never read past their input and
// report malformed bytes as false, never garbage.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/storage/stored_record.h"

namespace ringkv {

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
void encode_record_body(std::string& out, const RecordView& view);
void materialize_record(const RecordView& view, StoredRecord& record);
// Reused encoding buffers keep their capacity between records, up to this; one that a
// large value grew beyond it is released, so a store does not hold a value-sized buffer
// for good after one large write.
inline constexpr size_t kMaxKeptScratchBytes = 1 << 20;
inline void release_if_large(std::string& buffer) {
  if (buffer.capacity() > kMaxKeptScratchBytes) std::string().swap(buffer);
}
// A view of `record` (valid while it lives); its key is not set.
RecordView view_of(const StoredRecord& record);
inline bool is_purge(const RecordView& view) {
  return view.kind == static_cast<uint8_t>(storage_format::RecordKind::kPurge);
}
inline bool is_put(const RecordView& view) {
  return view.kind == static_cast<uint8_t>(storage_format::RecordKind::kPut);
}

}  // namespace ringkv
