// llhttp callbacks of HttpParserCore: collect one message, enforcing HttpLimits as each
// piece arrives (pieces of a URL, header or body may come split across feeds: append).
#include <utility>

#include "core/wire/http_parser_core.h"

namespace ringkv::wire {

namespace {
constexpr size_t kHeaderLineOverheadBytes = 4;  // ": " and CRLF, counted per header field
constexpr int kStatusBadRequest = 400;
constexpr int kStatusLengthRequired = 411;
constexpr int kStatusPayloadTooLarge = 413;
constexpr int kStatusHeadersTooLarge = 431;

Status headers_too_large() {
  return Status::limit_exceeded("request line and headers exceed max_header_bytes");
}
}  // namespace

int HttpParserCore::on_message_begin(llhttp_t* parser) {
  HttpParserCore& core = self(parser);
  core.current_ = ParsedHttpMessage{};
  core.current_field_.clear();
  core.header_bytes_ = 0;
  core.in_message_ = true;
  return 0;
}

int HttpParserCore::on_request_line_piece(llhttp_t* parser, const char*, size_t length) {
  HttpParserCore& core = self(parser);
  if (!core.count_header_bytes(length))
    return core.reject(kStatusHeadersTooLarge, headers_too_large());
  return 0;
}

int HttpParserCore::on_url(llhttp_t* parser, const char* at, size_t length) {
  HttpParserCore& core = self(parser);
  if (!core.count_header_bytes(length))
    return core.reject(kStatusHeadersTooLarge, headers_too_large());
  core.current_.target.append(at, length);
  return 0;
}

int HttpParserCore::on_status(llhttp_t* parser, const char* at, size_t length) {
  HttpParserCore& core = self(parser);
  if (!core.count_header_bytes(length))
    return core.reject(kStatusHeadersTooLarge, headers_too_large());
  core.current_.reason.append(at, length);
  return 0;
}

int HttpParserCore::on_header_field(llhttp_t* parser, const char* at, size_t length) {
  HttpParserCore& core = self(parser);
  if (!core.count_header_bytes(length))
    return core.reject(kStatusHeadersTooLarge, headers_too_large());
  core.current_field_.append(at, length);
  return 0;
}

int HttpParserCore::on_header_field_complete(llhttp_t* parser) {
  HttpParserCore& core = self(parser);
  if (core.current_.headers.size() >= core.limits_.max_header_count) {
    return core.reject(
        kStatusHeadersTooLarge,
        Status::limit_exceeded("more than max_header_count (" +
                               std::to_string(core.limits_.max_header_count) + ") header fields"));
  }
  if (!core.count_header_bytes(kHeaderLineOverheadBytes)) {
    return core.reject(kStatusHeadersTooLarge, headers_too_large());
  }
  core.current_.headers.emplace_back(std::move(core.current_field_), std::string());
  core.current_field_.clear();
  return 0;
}

int HttpParserCore::on_header_value(llhttp_t* parser, const char* at, size_t length) {
  HttpParserCore& core = self(parser);
  if (!core.count_header_bytes(length))
    return core.reject(kStatusHeadersTooLarge, headers_too_large());
  if (core.current_.headers.empty()) {  // llhttp never does this; never trust it to crash us
    return core.reject(kStatusBadRequest, Status::invalid_argument("header value without a name"));
  }
  core.current_.headers.back().second.append(at, length);
  return 0;
}

int HttpParserCore::on_headers_complete(llhttp_t* parser) {
  HttpParserCore& core = self(parser);
  bool has_length = (parser->flags & (F_CONTENT_LENGTH | F_CHUNKED)) != 0;
  if (parser->type == HTTP_REQUEST) {
    auto method = static_cast<llhttp_method_t>(parser->method);
    core.current_.method = llhttp_method_name(method);
    if ((method == HTTP_POST || method == HTTP_PUT) && !has_length) {
      return core.reject(kStatusLengthRequired,
                         Status::invalid_argument(core.current_.method +
                                                  " needs Content-Length or chunked encoding"));
    }
  } else {
    core.current_.status = parser->status_code;
  }
  if ((parser->flags & F_CONTENT_LENGTH) != 0 &&
      parser->content_length > core.limits_.max_body_bytes) {
    return core.reject(
        kStatusPayloadTooLarge,
        Status::limit_exceeded("Content-Length " + std::to_string(parser->content_length) +
                               " exceeds max_body_bytes (" +
                               std::to_string(core.limits_.max_body_bytes) + ")"));
  }
  return 0;
}

int HttpParserCore::on_body(llhttp_t* parser, const char* at, size_t length) {
  HttpParserCore& core = self(parser);
  if (core.current_.body.size() + length > core.limits_.max_body_bytes) {
    return core.reject(kStatusPayloadTooLarge,
                       Status::limit_exceeded("body exceeds max_body_bytes (" +
                                              std::to_string(core.limits_.max_body_bytes) + ")"));
  }
  core.current_.body.append(at, length);
  return 0;
}

int HttpParserCore::on_message_complete(llhttp_t* parser) {
  HttpParserCore& core = self(parser);
  core.current_.keep_alive = llhttp_should_keep_alive(parser) != 0 && parser->upgrade == 0;
  core.ready_.push_back(std::move(core.current_));
  core.current_ = ParsedHttpMessage{};
  core.in_message_ = false;
  // llhttp (non-strict build) silently drops bytes after a closing message: say so.
  if (!core.ready_.back().keep_alive) core.closed_ = true;
  return HPE_PAUSED;  // run() resumes, or stops while the queue is full
}

}  // namespace ringkv::wire
