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

Status read_base64(JsonValue& value, std::string& out, const FieldName& name) {
  std::string_view text;
  RINGKV_RETURN_IF_ERROR(read_string(value, text, name));
  Result<std::string> bytes = base64_decode(text);
  if (!bytes.ok()) return field_error(name, bytes.status().message());
  out = std::move(*bytes);
  return Status::ok_status();
}

}  // namespace

Status field_error(const FieldName& name, std::string_view problem) {
  return Status::invalid_argument("field '" + name.text() + "' " + std::string(problem));
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
  std::string_view text;
  RINGKV_RETURN_IF_ERROR(read_string(value, text, name));
  if (!valid_node_id(text))
    return field_error(name, "is not a valid node id (1..64 of [A-Za-z0-9_-])");
  out.assign(text);
  return Status::ok_status();
}

Status AddressField::read(JsonValue& value, std::string& out, const FieldName& name) {
  std::string_view text;
  RINGKV_RETURN_IF_ERROR(read_string(value, text, name));
  if (text.empty() || text.size() > kMaxAddressBytes) {
    return field_error(name, "must hold 1.." + std::to_string(kMaxAddressBytes) + " bytes");
  }
  for (char c : text) {
    if (c <= ' ' || c > '~') return field_error(name, "must be printable ASCII without spaces");
  }
  out.assign(text);
  return Status::ok_status();
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
  for (MemberStatus status : {MemberStatus::kAlive, MemberStatus::kSuspect, MemberStatus::kDown}) {
    if (text == member_status_name(status)) {
      out = status;
      return Status::ok_status();
    }
  }
  return field_error(name, "must be \"alive\", \"suspect\" or \"down\"");
}

Status OwnerField::read(JsonValue& value, NodeId& out, const FieldName& name) {
  std::string_view text;
  RINGKV_RETURN_IF_ERROR(read_string(value, text, name));
  if (!text.empty() && !valid_node_id(text)) {
    return field_error(name, "is neither empty nor a valid node id");
  }
  out.assign(text);
  return Status::ok_status();
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
