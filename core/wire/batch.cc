#include "core/wire/batch.h"

#include "core/bytes.h"
#include "core/wire/http_writer.h"

namespace ringkv::wire {
namespace {

constexpr size_t kMaxKindBytes = 32;

Status frame_error(size_t index, const std::string& what,
                   StatusCode code = StatusCode::kInvalidArgument) {
  return Status(code, "batch frame " + std::to_string(index) + ": " + what);
}

// Reads "kind_length kind payload_length payload" from `in`.
Status read_frame(Decoder& in, size_t index, std::string_view& kind, std::string_view& payload) {
  uint8_t kind_length = 0;
  if (!in.get_u8(kind_length) || kind_length == 0 || kind_length > kMaxKindBytes ||
      !in.get_bytes(kind_length, kind)) {
    return frame_error(index, "expected a kind of 1.." + std::to_string(kMaxKindBytes) + " bytes");
  }
  uint32_t length = 0;
  if (!in.get_fixed32(length) || !in.get_bytes(length, payload)) {
    return frame_error(index, "the frame is cut short");
  }
  return Status();
}

}  // namespace

void append_batch_frame(const Message& message, std::string& body) {
  const std::string_view kind = message_kind_name(message.body);
  RINGKV_ASSERT(!kind.empty() && kind.size() <= kMaxKindBytes);
  body.push_back(static_cast<char>(kind.size()));
  body.append(kind);
  const size_t length_at = body.size();
  put_fixed32(body, 0);
  encode_message_binary(message, body);
  const size_t length = body.size() - length_at - 4;
  RINGKV_ASSERT(length <= UINT32_MAX);
  std::string length_bytes;
  put_fixed32(length_bytes, static_cast<uint32_t>(length));
  body.replace(length_at, 4, length_bytes);
}

size_t take_batch_body(std::deque<std::string>& frames, size_t max_body_bytes,
                       std::string& body) {
  size_t taken = 0;
  while (!frames.empty() && taken < kMaxBatchMessages) {
    if (taken > 0 && body.size() + frames.front().size() > max_body_bytes) break;
    body += frames.front();
    frames.pop_front();
    taken++;
  }
  return taken;
}

std::string encode_batch_request_bytes(std::string_view body, std::string_view host,
                                       const HttpHeaders& extra_headers) {
  HttpRequest request;
  request.method = "POST";
  request.target = std::string(kInternalPathPrefix) + std::string(kBatchKind);
  request.path = request.target;
  request.headers.emplace_back("Host", std::string(host));
  request.headers.insert(request.headers.end(), extra_headers.begin(), extra_headers.end());
  request.headers.emplace_back("Content-Type", std::string(kBatchContentType));
  request.headers.emplace_back(std::string(kProtocolHeader),
                               std::to_string(kWireProtocolVersion));
  request.body = std::string(body);
  return serialize(request);
}

bool is_batch_path(std::string_view path) {
  return path.size() == kInternalPathPrefix.size() + kBatchKind.size() &&
         path.starts_with(kInternalPathPrefix) && path.ends_with(kBatchKind);
}

Result<std::vector<Message>> decode_batch(const HttpRequest& request) {
  RINGKV_RETURN_IF_ERROR(check_internal_request(request));
  if (!is_batch_path(request.path)) {
    return Status::invalid_argument("internal batch: path must be /internal/batch");
  }
  if (request.body.empty()) return Status::invalid_argument("internal batch: no frames");
  Decoder in(request.body);
  std::vector<Message> messages;
  for (size_t index = 0; !in.empty(); ++index) {
    if (index == kMaxBatchMessages) {
      return frame_error(index, "more than " + std::to_string(kMaxBatchMessages) + " frames");
    }
    std::string_view kind;
    std::string_view payload;
    RINGKV_RETURN_IF_ERROR(read_frame(in, index, kind, payload));
    Result<Message> message = decode_message_binary(kind, payload);
    if (!message.ok()) {
      const Status& why = message.status();  // a counter out of range stays countable apart
      return frame_error(index, why.message(),
                         why.code() == StatusCode::kLimitExceeded ? why.code()
                                                                  : StatusCode::kInvalidArgument);
    }
    messages.push_back(std::move(*message));
  }
  return messages;
}

}  // namespace ringkv::wire
