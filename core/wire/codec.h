// The internal message codec: one ringkv::Message <-> one `POST /internal/<kind>` HTTP
// request with a JSON body (keys and values base64, versions as "17.n1"), or <-> the
// binary payload of one batch frame (core/wire/batch.h: the same fields in table order,
// raw bytes, varints). Decoding validates every field and returns invalid_argument naming
// the field; it never crashes. Both grammars are in docs/wire.md; the names that reach
// the wire are frozen.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/messages.h"
#include "core/status.h"
#include "core/wire/http_message.h"

namespace ringkv::wire {

// Every internal request path starts with this. Frozen.
inline constexpr std::string_view kInternalPathPrefix = "/internal/";
inline constexpr std::string_view kMessageContentType = "application/json";

// The internal protocol's version, sent in every internal request as
// `X-Ringkv-Protocol: 4`. A node refuses messages of any other version (400 naming both):
// nodes of one cluster must speak the same protocol. The table of versions is in
// docs/wire.md (4: batch frames are binary).
inline constexpr std::string_view kProtocolHeader = "X-Ringkv-Protocol";
inline constexpr uint32_t kWireProtocolVersion = 4;

// Decoding limits (frozen: a peer relies on them).
inline constexpr size_t kMaxWireKeyBytes = 65535;  // decoded key bytes
inline constexpr size_t kMaxMemberRows = 1024;     // rows in one Gossip
inline constexpr size_t kMaxAddressBytes = 256;    // MemberRow::address

bool is_internal_path(std::string_view path);

// POST /internal/<kind>, Content-Type: application/json, body = encode_message_json().
// No Host header (see encode_message_bytes).
HttpRequest encode_message(const Message& message);
// The serialized request, with `Host: <host>`, ready for a keep-alive connection.
std::string encode_message_bytes(const Message& message, std::string_view host);
// The JSON body alone.
std::string encode_message_json(const Message& message);

// The binary form of a message (a batch frame's payload): the common fields, then the
// kind's, each in its binary encoding, appended to `out`.
void encode_message_binary(const Message& message, std::string& out);
// Decodes the binary payload of a message of kind `kind`; every byte must be used.
Result<Message> decode_message_binary(std::string_view kind, std::string_view payload);

// Checks method (POST), path prefix (/internal/) and protocol version of an internal request.
Status check_internal_request(const HttpRequest& request);

// Checks method, path (/internal/<known kind>), the protocol version and the JSON body.
Result<Message> decode_message(const HttpRequest& request);
// Decodes the JSON body of a message of kind `kind` ("kv", "gossip", ...).
Result<Message> decode_message_json(std::string_view kind, std::string_view json);

// Reuses one JSON parser's buffers across messages (one per connection or per node);
// decode_message() builds a fresh one each call. Not thread-safe.
class MessageDecoder {
 public:
  MessageDecoder();
  ~MessageDecoder();
  MessageDecoder(MessageDecoder&&) noexcept;
  MessageDecoder& operator=(MessageDecoder&&) noexcept;

  Result<Message> decode(const HttpRequest& request);
  Result<Message> decode_json(std::string_view kind, std::string_view json);

 private:
  struct Parser;
  std::unique_ptr<Parser> parser_;
};

}  // namespace ringkv::wire
