// Internal to core/wire: the table machinery of the message codec. A FieldSpec names one
// JSON member and knows how to read it (simdjson On Demand) into a C++ member and write
// it back (JsonWriter); each message kind is a table of FieldSpecs (see codec_kinds.cc).
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "core/messages.h"
#include "core/status.h"
#include "core/wire/json_writer.h"

namespace ringkv::wire::codec_detail {

using JsonValue = simdjson::ondemand::value;

// "entry.version", "rows[3].status": built only when an error names the field.
struct FieldName {
  std::string_view prefix;
  std::string_view name;
  std::string text() const { return std::string(prefix) + std::string(name); }
};

Status field_error(const FieldName& name, std::string_view problem);
Status json_error(const FieldName& name, simdjson::error_code code);
// kLimitExceeded: a counter above kMaxVersionCounter.
Status counter_out_of_range(const FieldName& name);

template <typename Target>
struct FieldSpec {
  std::string_view name;
  Status (*read)(JsonValue& value, Target& target, const FieldName& name);
  void (*write)(const Target& target, JsonWriter& json);
};

// A member `Member` of Owner, encoded by Codec (a struct with static read/write).
template <typename Owner, auto Member, typename Codec>
constexpr FieldSpec<Owner> member_field(std::string_view name) {
  return {name,
          [](JsonValue& value, Owner& owner, const FieldName& field) {
            return Codec::read(value, owner.*Member, field);
          },
          [](const Owner& owner, JsonWriter& json) { Codec::write(owner.*Member, json); }};
}

// A member of the body alternative `Body` of a Message.
template <typename Body, auto Member, typename Codec>
constexpr FieldSpec<Message> body_field(std::string_view name) {
  return {name,
          [](JsonValue& value, Message& message, const FieldName& field) {
            return Codec::read(value, std::get<Body>(message.body).*Member, field);
          },
          [](const Message& message, JsonWriter& json) {
            Codec::write(std::get<Body>(message.body).*Member, json);
          }};
}

template <typename Target>
void write_fields(std::span<const FieldSpec<Target>> specs, const Target& target,
                  JsonWriter& json) {
  for (const FieldSpec<Target>& spec : specs) {
    json.key(spec.name);
    spec.write(target, json);
  }
}

// Reads one JSON object whose members are `first` + `second` (all required, each at most
// once); unknown members are skipped so that newer peers may add fields.
template <typename Target>
Status read_fields(simdjson::ondemand::object& object, std::span<const FieldSpec<Target>> first,
                   std::span<const FieldSpec<Target>> second, Target& target,
                   std::string_view prefix) {
  RINGKV_ASSERT(first.size() + second.size() <= 64);
  uint64_t seen_mask = 0;
  for (auto member_result : object) {
    simdjson::ondemand::field member;
    if (auto code = std::move(member_result).get(member)) return json_error({prefix, "{}"}, code);
    std::string_view key;
    if (auto code = member.unescaped_key().get(key)) return json_error({prefix, "{}"}, code);
    size_t index = 0;
    const FieldSpec<Target>* spec = nullptr;
    for (; index < first.size() + second.size(); ++index) {
      const auto& candidate = index < first.size() ? first[index] : second[index - first.size()];
      if (candidate.name == key) {
        spec = &candidate;
        break;
      }
    }
    if (spec == nullptr) continue;  // unknown member: skipped
    FieldName name{prefix, spec->name};
    if ((seen_mask >> index & 1) != 0) return field_error(name, "appears twice");
    seen_mask |= uint64_t{1} << index;
    RINGKV_RETURN_IF_ERROR(spec->read(member.value(), target, name));
  }
  for (size_t index = 0; index < first.size() + second.size(); ++index) {
    if ((seen_mask >> index & 1) != 0) continue;
    const auto& spec = index < first.size() ? first[index] : second[index - first.size()];
    return field_error({prefix, spec.name}, "is missing");
  }
  return Status::ok_status();
}

// Field codecs: one per wire type.
struct U64Field {
  static Status read(JsonValue& value, uint64_t& out, const FieldName& name);
  static void write(uint64_t in, JsonWriter& json) { json.number(in); }
};
// A Lamport counter or an incarnation: at most kMaxVersionCounter (2^62); above it the
// message is refused with StatusCode::kLimitExceeded (counted apart from malformed ones).
struct CounterField {
  static Status read(JsonValue& value, uint64_t& out, const FieldName& name);
  static void write(uint64_t in, JsonWriter& json) { json.number(in); }
};
struct U32Field {
  static Status read(JsonValue& value, uint32_t& out, const FieldName& name);
  static void write(uint32_t in, JsonWriter& json) { json.number(in); }
};
struct BoolField {
  static Status read(JsonValue& value, bool& out, const FieldName& name);
  static void write(bool in, JsonWriter& json) { json.boolean(in); }
};
struct NodeIdField {  // valid_node_id()
  static Status read(JsonValue& value, NodeId& out, const FieldName& name);
  static void write(const NodeId& in, JsonWriter& json) { json.string(in); }
};
struct AddressField {  // 1..kMaxAddressBytes printable ASCII
  static Status read(JsonValue& value, std::string& out, const FieldName& name);
  static void write(const std::string& in, JsonWriter& json) { json.string(in); }
};
struct KeyField {  // base64, at most kMaxWireKeyBytes decoded
  static Status read(JsonValue& value, Key& out, const FieldName& name);
  static void write(const Key& in, JsonWriter& json);
};
struct ValueField {  // base64
  static Status read(JsonValue& value, Value& out, const FieldName& name);
  static void write(const Value& in, JsonWriter& json);
};
struct VersionField {  // "17.n1", or null for the zero version
  static Status read(JsonValue& value, Version& out, const FieldName& name);
  static void write(const Version& in, JsonWriter& json);
};
struct MemberStatusField {  // "alive" | "suspect" | "down"
  static Status read(JsonValue& value, MemberStatus& out, const FieldName& name);
  static void write(MemberStatus in, JsonWriter& json) { json.string(member_status_name(in)); }
};
struct OwnerField {  // "" (no change in progress) or a node id
  static Status read(JsonValue& value, NodeId& out, const FieldName& name);
  static void write(const NodeId& in, JsonWriter& json) { json.string(in); }
};
// Enumerations written as their names; each read accepts exactly the names of its type.
struct MemberStateField {  // "normal" | "joining" | "leaving" | "removed" | "left"
  static Status read(JsonValue& value, MemberState& out, const FieldName& name);
  static void write(MemberState in, JsonWriter& json) { json.string(member_state_name(in)); }
};
struct ChangeStageField {  // "none" | "joint" | "streaming" | "reads_switched"
  static Status read(JsonValue& value, ChangeStage& out, const FieldName& name);
  static void write(ChangeStage in, JsonWriter& json) { json.string(change_stage_name(in)); }
};
struct ChangeKindField {  // "join" | "decommission" | "remove"
  static Status read(JsonValue& value, ChangeKind& out, const FieldName& name);
  static void write(ChangeKind in, JsonWriter& json) { json.string(change_kind_name(in)); }
};
struct EntryField {  // {"version", "tombstone", "value_b64"}
  static Status read(JsonValue& value, Entry& out, const FieldName& name);
  static void write(const Entry& in, JsonWriter& json);
};
struct OptionalEntryField {  // an entry object, or null
  static Status read(JsonValue& value, std::optional<Entry>& out, const FieldName& name);
  static void write(const std::optional<Entry>& in, JsonWriter& json);
};

// A nested object whose members are the FieldSpec table `Specs` (errors name
// "outer.member").
template <typename T, const auto& Specs>
struct ObjectField {
  static Status read(JsonValue& value, T& out, const FieldName& name) {
    simdjson::ondemand::object object;
    if (value.get_object().get(object)) return field_error(name, "must be an object");
    std::string prefix = name.text() + ".";
    return read_fields<T>(object, Specs, {}, out, prefix);
  }
  static void write(const T& in, JsonWriter& json) {
    json.begin_object();
    write_fields<T>(Specs, in, json);
    json.end_object();
  }
};

// A JSON array of at most MaxCount elements, each encoded by Element (errors name
// "list[3]" or "list[3].member").
template <typename Element, size_t MaxCount>
struct ListField {
  template <typename T>
  static Status read(JsonValue& value, std::vector<T>& out, const FieldName& name) {
    simdjson::ondemand::array array;
    if (value.get_array().get(array)) return field_error(name, "must be an array");
    out.clear();
    for (auto element_result : array) {
      if (out.size() == MaxCount) {
        return field_error(name, "has more than " + std::to_string(MaxCount) + " elements");
      }
      std::string element_name = name.text() + "[" + std::to_string(out.size()) + "]";
      JsonValue element;
      if (auto code = std::move(element_result).get(element)) {
        return json_error({element_name, ""}, code);
      }
      RINGKV_RETURN_IF_ERROR(Element::read(element, out.emplace_back(), {element_name, ""}));
    }
    return Status::ok_status();
  }
  template <typename T>
  static void write(const std::vector<T>& in, JsonWriter& json) {
    json.begin_array();
    for (const T& element : in) Element::write(element, json);
    json.end_array();
  }
};

}  // namespace ringkv::wire::codec_detail
