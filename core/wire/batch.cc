#include "core/wire/batch.h"

#include "core/wire/http_writer.h"

namespace ringkv::wire {
namespace {

constexpr size_t kMaxKindBytes = 32;
constexpr size_t kMaxLengthDigits = 10;

Status frame_error(size_t index, const std::string& what,
                   StatusCode code = StatusCode::kInvalidArgument) {
  return Status(code, "batch frame " + std::to_string(index) + ": " + what);
}

// Parses "<kind> <length>\n" at `body`, advancing it past the line.
Status read_frame_header(std::string_view& body, size_t index, std::string_view& kind,
                         size_t& length) {
  const size_t space = body.find(' ');
  if (space == std::string_view::npos || space == 0 || space > kMaxKindBytes) {
    return frame_error(index, "expected '<kind> <length>\\n'");
  }
  kind = body.substr(0, space);
  size_t at = space + 1;
  length = 0;
  size_t digits = 0;
  for (; at < body.size() && body[at] >= '0' && body[at] <= '9'; ++at, ++digits) {
    if (digits == kMaxLengthDigits) return frame_error(index, "length has too many digits");
    length = length * 10 + static_cast<size_t>(body[at] - '0');
  }
  if (digits == 0 || at >= body.size() || body[at] != '\n') {
    return frame_error(index, "expected a decimal length and a newline after the kind");
  }
  body.remove_prefix(at + 1);
  if (length > body.size() || length + 1 > body.size() || body[length] != '\n') {
    return frame_error(index, "the frame is cut short or lacks its final newline");
  }
  return Status();
}

}  // namespace

void append_batch_frame(const Message& message, std::string& body) {
  const std::string json = encode_message_json(message);
  body.append(message_kind_name(message.body)).push_back(' ');
  body.append(std::to_string(json.size())).push_back('\n');
  body.append(json).push_back('\n');
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
  request.headers.emplace_back("Content-Type", "text/plain");
  request.headers.emplace_back(std::string(kProtocolHeader),
                               std::to_string(kWireProtocolVersion));
  request.body = std::string(body);
  return serialize(request);
}

bool is_batch_path(std::string_view path) {
  return path.size() == kInternalPathPrefix.size() + kBatchKind.size() &&
         path.starts_with(kInternalPathPrefix) && path.ends_with(kBatchKind);
}

Result<std::vector<Message>> decode_batch(const HttpRequest& request, MessageDecoder& decoder) {
  RINGKV_RETURN_IF_ERROR(check_internal_request(request));
  if (!is_batch_path(request.path)) {
    return Status::invalid_argument("internal batch: path must be /internal/batch");
  }
  std::string_view body = request.body;
  if (body.empty()) return Status::invalid_argument("internal batch: no frames");
  std::vector<Message> messages;
  for (size_t index = 0; !body.empty(); ++index) {
    if (index == kMaxBatchMessages) {
      return frame_error(index, "more than " + std::to_string(kMaxBatchMessages) + " frames");
    }
    std::string_view kind;
    size_t length = 0;
    RINGKV_RETURN_IF_ERROR(read_frame_header(body, index, kind, length));
    Result<Message> message = decoder.decode_json(kind, body.substr(0, length));
    if (!message.ok()) {
      const Status& why = message.status();  // a counter out of range stays countable apart
      return frame_error(index, why.message(),
                         why.code() == StatusCode::kLimitExceeded ? why.code()
                                                                  : StatusCode::kInvalidArgument);
    }
    messages.push_back(std::move(*message));
    body.remove_prefix(length + 1);
  }
  return messages;
}

}  // namespace ringkv::wire
