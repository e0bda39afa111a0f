#include "core/wire/codec.h"

#include <simdjson.h>

#include "core/bytes.h"
#include "core/wire/codec_kinds.h"
#include "core/wire/http_writer.h"

namespace ringkv::wire {

using codec_detail::FieldName;
using codec_detail::MessageKind;

bool is_internal_path(std::string_view path) { return path.starts_with(kInternalPathPrefix); }

std::string encode_message_json(const Message& message) {
  const MessageKind& kind = codec_detail::message_kinds()[message.body.index()];
  JsonWriter json;
  json.begin_object();
  codec_detail::write_fields<Message>(codec_detail::common_fields(), message, json);
  codec_detail::write_fields<Message>(kind.fields, message, json);
  json.end_object();
  return json.take();
}

void encode_message_binary(const Message& message, std::string& out) {
  const MessageKind& kind = codec_detail::message_kinds()[message.body.index()];
  codec_detail::write_binary_fields<Message>(codec_detail::common_fields(), message, out);
  codec_detail::write_binary_fields<Message>(kind.fields, message, out);
}

namespace {

Result<const MessageKind*> known_kind(std::string_view kind_name) {
  const MessageKind* kind = codec_detail::find_message_kind(kind_name);
  if (kind == nullptr) {
    std::string shown(kind_name.substr(0, 64));
    return Status::invalid_argument("unknown message kind '" + json_quote(shown) + "'");
  }
  return kind;
}

}  // namespace

Result<Message> decode_message_binary(std::string_view kind_name, std::string_view payload) {
  Result<const MessageKind*> kind = known_kind(kind_name);
  if (!kind.ok()) return kind.status();
  Decoder in(payload);
  Message message;
  message.body = (*kind)->make_body();
  RINGKV_RETURN_IF_ERROR(codec_detail::read_binary_fields<Message>(
      in, codec_detail::common_fields(), message, nullptr));
  RINGKV_RETURN_IF_ERROR(
      codec_detail::read_binary_fields<Message>(in, (*kind)->fields, message, nullptr));
  if (!in.empty()) {
    return Status::invalid_argument("message has " + std::to_string(in.remaining_bytes()) +
                                    " bytes after its last field");
  }
  return message;
}

HttpRequest encode_message(const Message& message) {
  const MessageKind& kind = codec_detail::message_kinds()[message.body.index()];
  HttpRequest request;
  request.method = "POST";
  request.target = std::string(kInternalPathPrefix) + std::string(kind.name);
  request.path = request.target;
  request.headers.emplace_back("Content-Type", std::string(kMessageContentType));
  request.headers.emplace_back(std::string(kProtocolHeader),
                               std::to_string(kWireProtocolVersion));
  request.body = encode_message_json(message);
  return request;
}

// The same bytes as serialize() of encode_message() with Host first, written in one
// string (every message a node sends goes through here).
std::string encode_message_bytes(const Message& message, std::string_view host) {
  RINGKV_ASSERT_MSG(valid_header_text(host), "HTTP header value holds CR, LF or NUL");
  const MessageKind& kind = codec_detail::message_kinds()[message.body.index()];
  const std::string body = encode_message_json(message);
  std::string out;
  out.reserve(160 + host.size() + body.size());
  out.append("POST ").append(kInternalPathPrefix).append(kind.name).append(" HTTP/1.1\r\n");
  out.append("Host: ").append(host).append("\r\n");
  out.append("Content-Type: ").append(kMessageContentType).append("\r\n");
  out.append(kProtocolHeader).append(": ").append(std::to_string(kWireProtocolVersion));
  out.append("\r\nContent-Length: ").append(std::to_string(body.size())).append("\r\n\r\n");
  out.append(body);
  return out;
}

struct MessageDecoder::Parser {
  simdjson::ondemand::parser json;
};

MessageDecoder::MessageDecoder() : parser_(std::make_unique<Parser>()) {}
MessageDecoder::~MessageDecoder() = default;
MessageDecoder::MessageDecoder(MessageDecoder&&) noexcept = default;
MessageDecoder& MessageDecoder::operator=(MessageDecoder&&) noexcept = default;

Status check_internal_request(const HttpRequest& request) {
  if (request.method != "POST") {
    return Status::invalid_argument("internal message: method must be POST, not " + request.method);
  }
  if (!is_internal_path(request.path)) {
    return Status::invalid_argument("internal message: path must start with /internal/");
  }
  const std::string* protocol = request.header(kProtocolHeader);
  const std::string expected = std::to_string(kWireProtocolVersion);
  if (protocol == nullptr || *protocol != expected) {
    std::string theirs = protocol ? json_quote(protocol->substr(0, 16)) : "1 (no header)";
    return Status::invalid_argument("internal message: the sender speaks wire protocol " +
                                    theirs + ", this node speaks " + expected +
                                    ": every node of a cluster must run the same protocol");
  }
  return Status();
}

Result<Message> MessageDecoder::decode(const HttpRequest& request) {
  RINGKV_RETURN_IF_ERROR(check_internal_request(request));
  return decode_json(std::string_view(request.path).substr(kInternalPathPrefix.size()),
                     request.body);
}

Result<Message> MessageDecoder::decode_json(std::string_view kind_name, std::string_view json) {
  Result<const MessageKind*> found = known_kind(kind_name);
  if (!found.ok()) return found.status();
  const MessageKind* kind = *found;
  const FieldName body_name{"", "(body)"};
  simdjson::padded_string padded(json);
  simdjson::ondemand::document document;
  if (auto code = parser_->json.iterate(padded).get(document)) {
    return codec_detail::json_error(body_name, code);
  }
  simdjson::ondemand::object object;
  if (auto code = document.get_object().get(object)) {
    if (code == simdjson::INCORRECT_TYPE)
      return codec_detail::field_error(body_name, "must be a JSON object");
    return codec_detail::json_error(body_name, code);
  }
  Message message;
  message.body = kind->make_body();
  RINGKV_RETURN_IF_ERROR(codec_detail::read_fields<Message>(object, codec_detail::common_fields(),
                                                            kind->fields, message, ""));
  const char* trailing = nullptr;
  if (document.current_location().get(trailing) != simdjson::OUT_OF_BOUNDS) {
    return codec_detail::field_error(body_name, "has content after the JSON object");
  }
  return message;
}

Result<Message> decode_message(const HttpRequest& request) {
  return MessageDecoder().decode(request);
}

Result<Message> decode_message_json(std::string_view kind, std::string_view json) {
  return MessageDecoder().decode_json(kind, json);
}

}  // namespace ringkv::wire
