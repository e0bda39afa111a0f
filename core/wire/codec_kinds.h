// Internal to core/wire: the table of message kinds. Row i describes alternative i of
// ringkv::MessageBody: its wire name (the path segment after /internal/) and its fields.
// To add a message kind: add it to MessageBody, then one row and one field table here.
#pragma once

#include <span>
#include <string_view>

#include "core/messages.h"
#include "core/wire/codec_fields.h"

namespace ringkv::wire::codec_detail {

struct MessageKind {
  std::string_view name;
  MessageBody (*make_body)();  // the default-constructed alternative
  std::span<const FieldSpec<Message>> fields;
};

// Members every message carries: "from", "lamport".
std::span<const FieldSpec<Message>> common_fields();
// Indexed by MessageBody::index().
std::span<const MessageKind> message_kinds();
// nullptr for an unknown name.
const MessageKind* find_message_kind(std::string_view name);

}  // namespace ringkv::wire::codec_detail
