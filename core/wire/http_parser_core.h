// HttpParserCore (internal to core/wire): the llhttp-driven engine shared by
// HttpRequestParser and HttpResponseParser. Owns its llhttp state, so it never moves
// (llhttp keeps a pointer to it); the public parsers hold it by unique_ptr.
#pragma once

#include <llhttp.h>

#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/wire/http_limits.h"
#include "core/wire/http_message.h"

namespace ringkv::wire {

// Either a request (method, target) or a response (status, reason).
struct ParsedHttpMessage {
  std::string method;
  std::string target;
  int status = 0;
  std::string reason;
  HttpHeaders headers;
  std::string body;
  bool keep_alive = true;
};

class HttpParserCore {
 public:
  HttpParserCore(llhttp_type_t type, const HttpLimits& limits);
  HttpParserCore(const HttpParserCore&) = delete;
  HttpParserCore& operator=(const HttpParserCore&) = delete;

  Status feed(std::string_view bytes);
  Status finish();
  std::optional<ParsedHttpMessage> next();

  bool failed() const { return !error_.ok(); }
  const Status& error() const { return error_; }
  int error_http_status() const { return error_http_status_; }
  bool closed() const { return closed_; }
  bool in_message() const { return in_message_ || !backlog_.empty(); }
  size_t pending_messages() const { return ready_.size(); }

 private:
  static int on_message_begin(llhttp_t* parser);
  static int on_request_line_piece(llhttp_t* parser, const char* at, size_t length);
  static int on_url(llhttp_t* parser, const char* at, size_t length);
  static int on_status(llhttp_t* parser, const char* at, size_t length);
  static int on_header_field(llhttp_t* parser, const char* at, size_t length);
  static int on_header_field_complete(llhttp_t* parser);
  static int on_header_value(llhttp_t* parser, const char* at, size_t length);
  static int on_headers_complete(llhttp_t* parser);
  static int on_body(llhttp_t* parser, const char* at, size_t length);
  static int on_message_complete(llhttp_t* parser);
  static HttpParserCore& self(llhttp_t* parser);

  bool count_header_bytes(size_t length);
  int check_headers_complete();
  Status run(std::string_view bytes);
  Status run_finish();
  Status fail_from_llhttp(llhttp_errno_t code);
  Status fail(int http_status, Status status);
  int reject(int http_status, Status status);

  llhttp_t parser_;
  llhttp_settings_t settings_;
  HttpLimits limits_;
  ParsedHttpMessage current_;
  std::string current_field_;
  size_t header_bytes_ = 0;
  bool in_message_ = false;
  std::deque<ParsedHttpMessage> ready_;
  std::string backlog_;  // unparsed bytes while paused on a full queue
  bool finish_requested_ = false;
  bool closed_ = false;
  Status error_;
  int error_http_status_ = 0;
  // Set by a callback that rejects the message, picked up when llhttp returns.
  Status callback_error_;
  int callback_http_status_ = 0;
};

}  // namespace ringkv::wire
