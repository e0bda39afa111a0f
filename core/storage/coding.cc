#include "core/storage/coding.h"

namespace ringkv {

void encode_record(std::string& out, std::string_view key, const StoredRecord& record) {
  out.push_back(static_cast<char>(record.kind()));
  put_length_prefixed(out, key);
  encode_record_body(out, record);
}

void encode_record_body(std::string& out, const StoredRecord& record) {
  encode_record_body(out, view_of(record));
}

void encode_record_body(std::string& out, const RecordView& view) {
  put_varint64(out, view.counter);
  put_length_prefixed(out, view.node_id);
  put_length_prefixed(out, view.value);
}

RecordView view_of(const StoredRecord& record) {
  RecordView view;
  view.kind = static_cast<uint8_t>(record.kind());
  view.counter = record.entry.version.counter;
  view.node_id = record.entry.version.node_id;
  if (!record.entry.tombstone) view.value = record.entry.value;
  return view;
}

static bool valid_kind(uint8_t kind) {
  using storage_format::RecordKind;
  return kind >= static_cast<uint8_t>(RecordKind::kPut) &&
         kind <= static_cast<uint8_t>(RecordKind::kPurge);
}

bool decode_record_body(Decoder& decoder, RecordView& view) {
  using storage_format::RecordKind;
  if (!valid_kind(view.kind) || !decoder.get_varint64(view.counter) ||
      !decoder.get_length_prefixed(view.node_id, storage_format::kMaxStoredNodeIdBytes) ||
      !decoder.get_length_prefixed(view.value, storage_format::kMaxStoredValueBytes)) {
    return false;
  }
  return static_cast<RecordKind>(view.kind) == RecordKind::kPut || view.value.empty();
}

bool decode_record_view(Decoder& decoder, RecordView& view) {
  return decoder.get_u8(view.kind) && valid_kind(view.kind) &&
         decoder.get_length_prefixed(view.key, storage_format::kMaxStoredKeyBytes) &&
         decode_record_body(decoder, view);
}

void materialize_record(const RecordView& view, StoredRecord& record) {
  using storage_format::RecordKind;
  const auto record_kind = static_cast<RecordKind>(view.kind);
  record.purged = record_kind == RecordKind::kPurge;
  record.entry.tombstone = record_kind != RecordKind::kPut;
  record.entry.version.counter = view.counter;
  record.entry.version.node_id.assign(view.node_id);
  record.entry.value.assign(view.value);
}

bool decode_record(Decoder& decoder, std::string& key, StoredRecord& record) {
  RecordView view;
  if (!decode_record_view(decoder, view)) return false;
  key.assign(view.key);
  materialize_record(view, record);
  return true;
}

}  // namespace ringkv
