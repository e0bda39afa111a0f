// Internal to core/wire: the table machinery of the message codec. A FieldSpec names one
// JSON member and knows how to read it (simdjson On Demand) into a C++ member and write
// it back (JsonWriter), and the same member in the binary form of batch frames (fields in
// table order, no names: docs/wire.md); each message kind is a table of FieldSpecs (see
// codec_kinds.cc).
#pragma once

#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "core/bytes.h"
#include "core/messages.h"
#include "core/status.h"
#include "core/wire/json_writer.h"

namespace ringkv::wire::codec_detail {

using JsonValue = simdjson::ondemand::value;

// "entry.version", "rows[3].status": built only when an error names the field. The
// binary reader names a nested member by its parent (nothing built on success).
struct FieldName {
  std::string_view prefix;
  std::string_view name;
  const FieldName* parent = nullptr;  // "parent." goes before prefix
  std::string text() const {
    std::string out = parent ? parent->text() + "." : std::string();
    out.append(prefix).append(name);
    return out;
  }
};

Status field_error(const FieldName& name, std::string_view problem);
Status json_error(const FieldName& name, simdjson::error_code code);
// kLimitExceeded: a counter above kMaxVersionCounter.
Status counter_out_of_range(const FieldName& name);

// Binary decoding errors: "field 'entry.version' is cut short".
Status cut_short(const FieldName& name);

template <typename Target>
struct FieldSpec {
  std::string_view name;
  Status (*read)(JsonValue& value, Target& target, const FieldName& name);
  void (*write)(const Target& target, JsonWriter& json);
  Status (*read_binary)(Decoder& in, Target& target, const FieldName& name);
  void (*write_binary)(const Target& target, std::string& out);
};

// A member `Member` of Owner, encoded by Codec (a struct with static read/write and
// read_binary/write_binary).
template <typename Owner, auto Member, typename Codec>
constexpr FieldSpec<Owner> member_field(std::string_view name) {
  return {name,
          [](JsonValue& value, Owner& owner, const FieldName& field) {
            return Codec::read(value, owner.*Member, field);
          },
          [](const Owner& owner, JsonWriter& json) { Codec::write(owner.*Member, json); },
          [](Decoder& in, Owner& owner, const FieldName& field) {
            return Codec::read_binary(in, owner.*Member, field);
          },
          [](const Owner& owner, std::string& out) { Codec::write_binary(owner.*Member, out); }};
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
          },
          [](Decoder& in, Message& message, const FieldName& field) {
            return Codec::read_binary(in, std::get<Body>(message.body).*Member, field);
          },
          [](const Message& message, std::string& out) {
            Codec::write_binary(std::get<Body>(message.body).*Member, out);
          }};
}

// The binary form: every field of `specs`, in table order, nothing between them.
template <typename Target>
void write_binary_fields(std::span<const FieldSpec<Target>> specs, const Target& target,
                         std::string& out) {
  for (const FieldSpec<Target>& spec : specs) spec.write_binary(target, out);
}

template <typename Target>
Status read_binary_fields(Decoder& in, std::span<const FieldSpec<Target>> specs, Target& target,
                          const FieldName* parent) {
  for (const FieldSpec<Target>& spec : specs) {
    RINGKV_RETURN_IF_ERROR(spec.read_binary(in, target, {"", spec.name, parent}));
  }
  return Status::ok_status();
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
struct U64Field {  // binary: a varint
  static Status read(JsonValue& value, uint64_t& out, const FieldName& name);
  static void write(uint64_t in, JsonWriter& json) { json.number(in); }
  static Status read_binary(Decoder& in, uint64_t& out, const FieldName& name);
  static void write_binary(uint64_t in, std::string& out) { put_varint64(out, in); }
};
// A Lamport counter or an incarnation: at most kMaxVersionCounter (2^62); above it the
// message is refused with StatusCode::kLimitExceeded (counted apart from malformed ones).
struct CounterField {
  static Status read(JsonValue& value, uint64_t& out, const FieldName& name);
  static void write(uint64_t in, JsonWriter& json) { json.number(in); }
  static Status read_binary(Decoder& in, uint64_t& out, const FieldName& name);
  static void write_binary(uint64_t in, std::string& out) { put_varint64(out, in); }
};
struct U32Field {
  static Status read(JsonValue& value, uint32_t& out, const FieldName& name);
  static void write(uint32_t in, JsonWriter& json) { json.number(in); }
  static Status read_binary(Decoder& in, uint32_t& out, const FieldName& name);
  static void write_binary(uint32_t in, std::string& out) { put_varint64(out, in); }
};
struct BoolField {  // binary: one byte, 0 or 1
  static Status read(JsonValue& value, bool& out, const FieldName& name);
  static void write(bool in, JsonWriter& json) { json.boolean(in); }
  static Status read_binary(Decoder& in, bool& out, const FieldName& name);
  static void write_binary(bool in, std::string& out) { out.push_back(in ? 1 : 0); }
};
struct NodeIdField {  // valid_node_id(); binary: length-prefixed bytes (as every string)
  static Status read(JsonValue& value, NodeId& out, const FieldName& name);
  static void write(const NodeId& in, JsonWriter& json) { json.string(in); }
  static Status read_binary(Decoder& in, NodeId& out, const FieldName& name);
  static void write_binary(const NodeId& in, std::string& out) { put_length_prefixed(out, in); }
};
struct AddressField {  // 1..kMaxAddressBytes printable ASCII
  static Status read(JsonValue& value, std::string& out, const FieldName& name);
  static void write(const std::string& in, JsonWriter& json) { json.string(in); }
  static Status read_binary(Decoder& in, std::string& out, const FieldName& name);
  static void write_binary(const std::string& in, std::string& out) {
    put_length_prefixed(out, in);
  }
};
struct KeyField {  // base64, at most kMaxWireKeyBytes decoded; binary: the raw bytes
  static Status read(JsonValue& value, Key& out, const FieldName& name);
  static void write(const Key& in, JsonWriter& json);
  static Status read_binary(Decoder& in, Key& out, const FieldName& name);
  static void write_binary(const Key& in, std::string& out) { put_length_prefixed(out, in); }
};
struct ValueField {  // base64; binary: the raw bytes
  static Status read(JsonValue& value, Value& out, const FieldName& name);
  static void write(const Value& in, JsonWriter& json);
  static Status read_binary(Decoder& in, Value& out, const FieldName& name);
  static void write_binary(const Value& in, std::string& out) { put_length_prefixed(out, in); }
};
// "17.n1", or null for the zero version; binary: counter varint, then the node id (empty
// only for the zero version).
struct VersionField {
  static Status read(JsonValue& value, Version& out, const FieldName& name);
  static void write(const Version& in, JsonWriter& json);
  static Status read_binary(Decoder& in, Version& out, const FieldName& name);
  static void write_binary(const Version& in, std::string& out);
};
// Enumerations written as their names; each read accepts exactly the names of its type.
// Binary: one byte, the value's position in its list (kMemberStates, ...).
struct MemberStatusField {  // "alive" | "suspect" | "down"
  static Status read(JsonValue& value, MemberStatus& out, const FieldName& name);
  static void write(MemberStatus in, JsonWriter& json) { json.string(member_status_name(in)); }
  static Status read_binary(Decoder& in, MemberStatus& out, const FieldName& name);
  static void write_binary(MemberStatus in, std::string& out);
};
struct OwnerField {  // "" (no change in progress) or a node id
  static Status read(JsonValue& value, NodeId& out, const FieldName& name);
  static void write(const NodeId& in, JsonWriter& json) { json.string(in); }
  static Status read_binary(Decoder& in, NodeId& out, const FieldName& name);
  static void write_binary(const NodeId& in, std::string& out) { put_length_prefixed(out, in); }
};
struct MemberStateField {  // "normal" | "joining" | "leaving" | "removed" | "left"
  static Status read(JsonValue& value, MemberState& out, const FieldName& name);
  static void write(MemberState in, JsonWriter& json) { json.string(member_state_name(in)); }
  static Status read_binary(Decoder& in, MemberState& out, const FieldName& name);
  static void write_binary(MemberState in, std::string& out);
};
struct ChangeStageField {  // "none" | "joint" | "streaming" | "reads_switched"
  static Status read(JsonValue& value, ChangeStage& out, const FieldName& name);
  static void write(ChangeStage in, JsonWriter& json) { json.string(change_stage_name(in)); }
  static Status read_binary(Decoder& in, ChangeStage& out, const FieldName& name);
  static void write_binary(ChangeStage in, std::string& out);
};
struct ChangeKindField {  // "join" | "decommission" | "remove"
  static Status read(JsonValue& value, ChangeKind& out, const FieldName& name);
  static void write(ChangeKind in, JsonWriter& json) { json.string(change_kind_name(in)); }
  static Status read_binary(Decoder& in, ChangeKind& out, const FieldName& name);
  static void write_binary(ChangeKind in, std::string& out);
};
struct EntryField {  // {"version", "tombstone", "value_b64"}
  static Status read(JsonValue& value, Entry& out, const FieldName& name);
  static void write(const Entry& in, JsonWriter& json);
  static Status read_binary(Decoder& in, Entry& out, const FieldName& name);
  static void write_binary(const Entry& in, std::string& out);
};
struct OptionalEntryField {  // an entry object, or null; binary: a presence byte (0 or 1)
  static Status read(JsonValue& value, std::optional<Entry>& out, const FieldName& name);
  static void write(const std::optional<Entry>& in, JsonWriter& json);
  static Status read_binary(Decoder& in, std::optional<Entry>& out, const FieldName& name);
  static void write_binary(const std::optional<Entry>& in, std::string& out);
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
  static Status read_binary(Decoder& in, T& out, const FieldName& name) {
    return read_binary_fields<T>(in, Specs, out, &name);
  }
  static void write_binary(const T& in, std::string& out) {
    write_binary_fields<T>(Specs, in, out);
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
  // Binary: a varint count, then the elements.
  template <typename T>
  static Status read_binary(Decoder& in, std::vector<T>& out, const FieldName& name) {
    uint64_t count = 0;
    if (!in.get_varint64(count)) return cut_short(name);
    if (count > MaxCount) {
      return field_error(name, "has more than " + std::to_string(MaxCount) + " elements");
    }
    out.clear();
    // Every element takes at least a byte: a count the payload cannot hold reserves nothing.
    out.reserve(static_cast<size_t>(std::min<uint64_t>(count, in.remaining_bytes())));
    for (uint64_t index = 0; index < count; ++index) {
      // The element's name is built only for an error (a list holds up to MaxCount).
      Status read = Element::read_binary(in, out.emplace_back(), name);
      if (!read.ok()) {
        return Status(read.code(), read.message() + " (element " + std::to_string(index) + ")");
      }
    }
    return Status::ok_status();
  }
  template <typename T>
  static void write_binary(const std::vector<T>& in, std::string& out) {
    put_varint64(out, in.size());
    for (const T& element : in) Element::write_binary(element, out);
  }
};

}  // namespace ringkv::wire::codec_detail
