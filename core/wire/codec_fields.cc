#include "core/wire/codec_fields.h"

#include "core/wire/base64.h"
#include "core/wire/codec.h"

namespace ringkv::wire::codec_detail {

namespace {

Status read_string(JsonValue& value, std::string_view& out, const FieldName& name) {
  if (auto code = value.get_string().get(out)) {
    if (code == simdjson::INCORRECT_TYPE) return field_error(name, "must be a string");
    return json_error(name, code);
  }
  return Status::ok_status();
}

// True (and the null consumed) when the value is JSON null.
Result<bool> read_null(JsonValue& value, const FieldName& name) {
  simdjson::ondemand::json_type type;
  if (auto code = value.type().get(type)) return json_error(name, code);
  if (type != simdjson::ondemand::json_type::null) return false;
  bool is_null = false;
  if (auto code = value.is_null().get(is_null)) return json_error(name, code);
  if (!is_null) return field_error(name, "is not a valid null");
  return true;
}

// A length-prefixed byte string of at most `max_bytes`.
Status read_binary_bytes(Decoder& in, std::string_view& out, uint64_t max_bytes,
                         const FieldName& name) {
  uint64_t length = 0;
  if (!in.get_varint64(length)) return cut_short(name);
  if (length > max_bytes) {
    return field_error(name, "holds " + std::to_string(length) + " bytes, more than " +
                                 std::to_string(max_bytes));
  }
  if (!in.get_bytes(length, out)) return cut_short(name);
  return Status::ok_status();
}

constexpr MemberStatus kMemberStatuses[] = {MemberStatus::kAlive, MemberStatus::kSuspect,
                                            MemberStatus::kDown};

// One byte: the position of the value in `values`.
template <typename Enum, size_t Count>
Status read_binary_enum(Decoder& in, Enum& out, const FieldName& name,
                        const Enum (&values)[Count]) {
  uint8_t index = 0;
  if (!in.get_u8(index)) return cut_short(name);
  if (index >= Count) {
    return field_error(name, "holds " + std::to_string(index) + ", not one of the " +
                                 std::to_string(Count) + " values of its type");
  }
  out = values[index];
  return Status::ok_status();
}

template <typename Enum, size_t Count>
void write_binary_enum(Enum in, std::string& out, const Enum (&values)[Count]) {
  for (size_t index = 0; index < Count; ++index) {
    if (values[index] == in) {
      out.push_back(static_cast<char>(index));
      return;
    }
  }
  RINGKV_ASSERT_MSG(false, "an enumeration value outside its list");
}

Status check_node_id(std::string_view text, const FieldName& name) {
  if (!valid_node_id(text)) {
    return field_error(name, "is not a valid node id (1..64 of [A-Za-z0-9_-])");
  }
  return Status::ok_status();
}

Status check_address(std::string_view text, const FieldName& name) {
  if (text.empty() || text.size() > kMaxAddressBytes) {
    return field_error(name, "must hold 1.." + std::to_string(kMaxAddressBytes) + " bytes");
  }
  for (char c : text) {
    if (c <= ' ' || c > '~') return field_error(name, "must be printable ASCII without spaces");
  }
  return Status::ok_status();
}

Status check_owner(std::string_view text, const FieldName& name) {
  if (!text.empty() && !valid_node_id(text)) {
    return field_error(name, "is neither empty nor a valid node id");
  }
  return Status::ok_status();
}

// A string field whose text must pass `check` (nullptr: any text), in JSON and in the
// binary form (length-prefixed, at most `max_bytes`).
using TextCheck = Status (*)(std::string_view text, const FieldName& name);

Status read_checked_string(JsonValue& value, std::string& out, TextCheck check,
                           const FieldName& name);

Status read_checked_bytes(Decoder& in, std::string& out, uint64_t max_bytes, TextCheck check,
                          const FieldName& name) {
  std::string_view bytes;
  RINGKV_RETURN_IF_ERROR(read_binary_bytes(in, bytes, max_bytes, name));
  if (check != nullptr) RINGKV_RETURN_IF_ERROR(check(bytes, name));
  out.assign(bytes);
  return Status::ok_status();
}

Status read_base64(JsonValue& value, std::string& out, const FieldName& name) {
  std::string_view text;
  RINGKV_RETURN_IF_ERROR(read_string(value, text, name));
  Result<std::string> bytes = base64_decode(text);
  if (!bytes.ok()) return field_error(name, bytes.status().message());
  out = std::move(*bytes);
  return Status::ok_status();
}

Status read_checked_string(JsonValue& value, std::string& out, TextCheck check,
                           const FieldName& name) {
  std::string_view text;
  RINGKV_RETURN_IF_ERROR(read_string(value, text, name));
  RINGKV_RETURN_IF_ERROR(check(text, name));
  out.assign(text);
  return Status::ok_status();
}

}  // namespace

Status field_error(const FieldName& name, std::string_view problem) {
  return Status::invalid_argument("field '" + name.text() + "' " + std::string(problem));
}

Status cut_short(const FieldName& name) {
  return field_error(name, "is cut short or malformed");
}

Status counter_out_of_range(const FieldName& name) {
  return Status::limit_exceeded("field '" + name.text() + "' carries a counter above 2^62");
}

Status json_error(const FieldName& name, simdjson::error_code code) {
  return Status::invalid_argument("field '" + name.text() + "': malformed JSON (" +
                                  simdjson::error_message(code) + ")");
}

Status U64Field::read(JsonValue& value, uint64_t& out, const FieldName& name) {
  if (value.get_uint64().get(out)) return field_error(name, "must be an unsigned 64-bit integer");
  return Status::ok_status();
}

Status U64Field::read_binary(Decoder& in, uint64_t& out, const FieldName& name) {
  if (!in.get_varint64(out)) return cut_short(name);
  return Status::ok_status();
}

Status CounterField::read_binary(Decoder& in, uint64_t& out, const FieldName& name) {
  if (!in.get_varint64(out)) return cut_short(name);
  if (out > kMaxVersionCounter) return counter_out_of_range(name);
  return Status::ok_status();
}

Status U32Field::read_binary(Decoder& in, uint32_t& out, const FieldName& name) {
  uint64_t wide = 0;
  if (!in.get_varint64(wide)) return cut_short(name);
  if (wide > UINT32_MAX) return field_error(name, "must be an unsigned 32-bit integer");
  out = static_cast<uint32_t>(wide);
  return Status::ok_status();
}

Status BoolField::read_binary(Decoder& in, bool& out, const FieldName& name) {
  uint8_t byte = 0;
  if (!in.get_u8(byte)) return cut_short(name);
  if (byte > 1) return field_error(name, "must be 0 or 1");
  out = byte == 1;
  return Status::ok_status();
}

Status NodeIdField::read_binary(Decoder& in, NodeId& out, const FieldName& name) {
  return read_checked_bytes(in, out, kMaxNodeIdBytes, &check_node_id, name);
}

Status AddressField::read_binary(Decoder& in, std::string& out, const FieldName& name) {
  return read_checked_bytes(in, out, kMaxAddressBytes, &check_address, name);
}

Status KeyField::read_binary(Decoder& in, Key& out, const FieldName& name) {
  return read_checked_bytes(in, out, kMaxWireKeyBytes, nullptr, name);
}

Status ValueField::read_binary(Decoder& in, Value& out, const FieldName& name) {
  return read_checked_bytes(in, out, in.remaining_bytes(), nullptr, name);
}

Status VersionField::read_binary(Decoder& in, Version& out, const FieldName& name) {
  uint64_t counter = 0;
  if (!in.get_varint64(counter)) return cut_short(name);
  std::string_view node_id;
  RINGKV_RETURN_IF_ERROR(read_binary_bytes(in, node_id, kMaxNodeIdBytes, name));
  if (node_id.empty()) {
    if (counter != 0) return field_error(name, "has a counter but no node id");
    out = Version{};
    return Status::ok_status();
  }
  if (!valid_node_id(node_id)) return field_error(name, "does not name a valid node id");
  if (counter > kMaxVersionCounter) return counter_out_of_range(name);
  out.counter = counter;
  out.node_id.assign(node_id);
  return Status::ok_status();
}

void VersionField::write_binary(const Version& in, std::string& out) {
  put_varint64(out, in.counter);
  put_length_prefixed(out, in.node_id);
}

Status MemberStatusField::read_binary(Decoder& in, MemberStatus& out, const FieldName& name) {
  return read_binary_enum(in, out, name, kMemberStatuses);
}

void MemberStatusField::write_binary(MemberStatus in, std::string& out) {
  write_binary_enum(in, out, kMemberStatuses);
}

Status OwnerField::read_binary(Decoder& in, NodeId& out, const FieldName& name) {
  return read_checked_bytes(in, out, kMaxNodeIdBytes, &check_owner, name);
}

Status MemberStateField::read_binary(Decoder& in, MemberState& out, const FieldName& name) {
  return read_binary_enum(in, out, name, kMemberStates);
}

void MemberStateField::write_binary(MemberState in, std::string& out) {
  write_binary_enum(in, out, kMemberStates);
}

Status ChangeStageField::read_binary(Decoder& in, ChangeStage& out, const FieldName& name) {
  return read_binary_enum(in, out, name, kChangeStages);
}

void ChangeStageField::write_binary(ChangeStage in, std::string& out) {
  write_binary_enum(in, out, kChangeStages);
}

Status ChangeKindField::read_binary(Decoder& in, ChangeKind& out, const FieldName& name) {
  return read_binary_enum(in, out, name, kChangeKinds);
}

void ChangeKindField::write_binary(ChangeKind in, std::string& out) {
  write_binary_enum(in, out, kChangeKinds);
}

Status CounterField::read(JsonValue& value, uint64_t& out, const FieldName& name) {
  RINGKV_RETURN_IF_ERROR(U64Field::read(value, out, name));
  if (out > kMaxVersionCounter) return counter_out_of_range(name);
  return Status::ok_status();
}

Status U32Field::read(JsonValue& value, uint32_t& out, const FieldName& name) {
  uint64_t wide = 0;
  if (value.get_uint64().get(wide) || wide > UINT32_MAX) {
    return field_error(name, "must be an unsigned 32-bit integer");
  }
  out = static_cast<uint32_t>(wide);
  return Status::ok_status();
}

Status BoolField::read(JsonValue& value, bool& out, const FieldName& name) {
  if (value.get_bool().get(out)) return field_error(name, "must be true or false");
  return Status::ok_status();
}

Status NodeIdField::read(JsonValue& value, NodeId& out, const FieldName& name) {
  return read_checked_string(value, out, &check_node_id, name);
}

Status AddressField::read(JsonValue& value, std::string& out, const FieldName& name) {
  return read_checked_string(value, out, &check_address, name);
}

Status KeyField::read(JsonValue& value, Key& out, const FieldName& name) {
  RINGKV_RETURN_IF_ERROR(read_base64(value, out, name));
  if (out.size() > kMaxWireKeyBytes) {
    return field_error(name, "decodes to " + std::to_string(out.size()) + " bytes, more than " +
                                 std::to_string(kMaxWireKeyBytes));
  }
  return Status::ok_status();
}

void KeyField::write(const Key& in, JsonWriter& json) { json.string(base64_encode(in)); }

Status ValueField::read(JsonValue& value, Value& out, const FieldName& name) {
  return read_base64(value, out, name);
}

void ValueField::write(const Value& in, JsonWriter& json) { json.string(base64_encode(in)); }

Status VersionField::read(JsonValue& value, Version& out, const FieldName& name) {
  Result<bool> is_null = read_null(value, name);
  if (!is_null.ok()) return is_null.status();
  if (*is_null) {
    out = Version{};
    return Status::ok_status();
  }
  std::string_view text;
  RINGKV_RETURN_IF_ERROR(read_string(value, text, name));
  bool out_of_range = false;
  std::optional<Version> version = parse_version(text, &out_of_range);
  if (out_of_range) return counter_out_of_range(name);
  if (!version) return field_error(name, "is not a version like \"17.n1\"");
  out = std::move(*version);
  return Status::ok_status();
}

void VersionField::write(const Version& in, JsonWriter& json) {
  if (in.is_zero()) {
    json.null();
  } else {
    json.string(in.to_string());
  }
}

Status MemberStatusField::read(JsonValue& value, MemberStatus& out, const FieldName& name) {
  std::string_view text;
  RINGKV_RETURN_IF_ERROR(read_string(value, text, name));
  for (MemberStatus status : kMemberStatuses) {
    if (text == member_status_name(status)) {
      out = status;
      return Status::ok_status();
    }
  }
  return field_error(name, "must be \"alive\", \"suspect\" or \"down\"");
}

Status OwnerField::read(JsonValue& value, NodeId& out, const FieldName& name) {
  return read_checked_string(value, out, &check_owner, name);
}

namespace {

// Reads a string that must be the name of one of `values` (by `name_of`).
template <typename Enum, size_t Count>
Status read_enum_name(JsonValue& value, Enum& out, const FieldName& name,
                      const Enum (&values)[Count], const char* (*name_of)(Enum)) {
  std::string_view text;
  RINGKV_RETURN_IF_ERROR(read_string(value, text, name));
  std::string expected;
  for (Enum candidate : values) {
    if (text == name_of(candidate)) {
      out = candidate;
      return Status::ok_status();
    }
    expected += (expected.empty() ? "\"" : ", \"") + std::string(name_of(candidate)) + "\"";
  }
  return field_error(name, "must be one of " + expected);
}

}  // namespace

Status MemberStateField::read(JsonValue& value, MemberState& out, const FieldName& name) {
  return read_enum_name(value, out, name, kMemberStates, &member_state_name);
}

Status ChangeStageField::read(JsonValue& value, ChangeStage& out, const FieldName& name) {
  return read_enum_name(value, out, name, kChangeStages, &change_stage_name);
}

Status ChangeKindField::read(JsonValue& value, ChangeKind& out, const FieldName& name) {
  return read_enum_name(value, out, name, kChangeKinds, &change_kind_name);
}

}  // namespace ringkv::wire::codec_detail
