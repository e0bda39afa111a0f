#include "core/wire/http_parser_core.h"

#include <utility>

namespace ringkv::wire {

namespace {
constexpr int kStatusBadRequest = 400;
constexpr int kStatusUnavailable = 503;
}  // namespace

HttpParserCore::HttpParserCore(llhttp_type_t type, const HttpLimits& limits) : limits_(limits) {
  RINGKV_ASSERT(limits.max_pending_messages > 0);
  llhttp_settings_init(&settings_);
  settings_.on_message_begin = &HttpParserCore::on_message_begin;
  settings_.on_method = &HttpParserCore::on_request_line_piece;
  settings_.on_version = &HttpParserCore::on_request_line_piece;
  settings_.on_url = &HttpParserCore::on_url;
  settings_.on_status = &HttpParserCore::on_status;
  settings_.on_header_field = &HttpParserCore::on_header_field;
  settings_.on_header_field_complete = &HttpParserCore::on_header_field_complete;
  settings_.on_header_value = &HttpParserCore::on_header_value;
  settings_.on_headers_complete = &HttpParserCore::on_headers_complete;
  settings_.on_body = &HttpParserCore::on_body;
  settings_.on_message_complete = &HttpParserCore::on_message_complete;
  llhttp_init(&parser_, type, &settings_);
  parser_.data = this;
}

HttpParserCore& HttpParserCore::self(llhttp_t* parser) {
  return *static_cast<HttpParserCore*>(parser->data);
}

Status HttpParserCore::feed(std::string_view bytes) {
  if (failed()) return error_;
  if (closed_ || bytes.empty()) return Status::ok_status();
  if (finish_requested_) {
    return fail(kStatusBadRequest, Status::invalid_argument("HTTP bytes fed after finish()"));
  }
  if (!backlog_.empty()) {
    if (backlog_.size() + bytes.size() > limits_.max_backlog_bytes) {
      return fail(
          kStatusUnavailable,
          Status::limit_exceeded("too many pipelined bytes while " + std::to_string(ready_.size()) +
                                 " parsed messages wait (max_backlog_bytes)"));
    }
    backlog_.append(bytes);
    return Status::ok_status();
  }
  return run(bytes);
}

Status HttpParserCore::finish() {
  if (failed()) return error_;
  finish_requested_ = true;
  if (closed_ || !backlog_.empty()) return Status::ok_status();  // finished when drained
  return run_finish();
}

std::optional<ParsedHttpMessage> HttpParserCore::next() {
  if (ready_.empty()) return std::nullopt;
  ParsedHttpMessage message = std::move(ready_.front());
  ready_.pop_front();
  if (!backlog_.empty() && !failed() && !closed_) {
    std::string bytes = std::move(backlog_);
    backlog_.clear();
    Status status = run(bytes);
    if (status.ok() && backlog_.empty() && finish_requested_ && !closed_) status = run_finish();
    (void)status;  // sticky: reported by failed()/error() and the next feed()
  }
  return message;
}

// Executes llhttp over `bytes`; every completed message pauses the parser so that the
// queue of parsed messages stays bounded. Bytes after a full queue wait in backlog_.
Status HttpParserCore::run(std::string_view bytes) {
  const char* data = bytes.data();
  size_t size = bytes.size();
  while (size > 0) {
    if (ready_.size() >= limits_.max_pending_messages) {
      backlog_.assign(data, size);
      return Status::ok_status();
    }
    llhttp_errno_t code = llhttp_execute(&parser_, data, size);
    if (code == HPE_OK) return Status::ok_status();
    if (code == HPE_PAUSED) {
      const char* resume_at = llhttp_get_error_pos(&parser_);
      llhttp_resume(&parser_);
      if (closed_) return Status::ok_status();  // the rest of the stream is not for us
      size -= static_cast<size_t>(resume_at - data);
      data = resume_at;
      continue;
    }
    if (code == HPE_PAUSED_UPGRADE || code == HPE_CLOSED_CONNECTION) {
      closed_ = true;  // nothing after an upgrade or `Connection: close` is HTTP for us
      return Status::ok_status();
    }
    return fail_from_llhttp(code);
  }
  return Status::ok_status();
}

Status HttpParserCore::run_finish() {
  llhttp_errno_t code = llhttp_finish(&parser_);
  if (code == HPE_OK || code == HPE_PAUSED) return Status::ok_status();
  return fail_from_llhttp(code);
}

Status HttpParserCore::fail_from_llhttp(llhttp_errno_t code) {
  if (callback_http_status_ != 0) return fail(callback_http_status_, callback_error_);
  const char* reason = llhttp_get_error_reason(&parser_);
  std::string message = std::string("malformed HTTP: ") + llhttp_errno_name(code);
  if (reason != nullptr && reason[0] != '\0') message += std::string(" (") + reason + ")";
  return fail(kStatusBadRequest, Status::invalid_argument(std::move(message)));
}

Status HttpParserCore::fail(int http_status, Status status) {
  RINGKV_ASSERT(!status.ok());
  error_http_status_ = http_status;
  error_ = std::move(status);
  backlog_.clear();
  backlog_.shrink_to_fit();
  current_ = ParsedHttpMessage{};
  current_field_.clear();
  return error_;
}

int HttpParserCore::reject(int http_status, Status status) {
  callback_http_status_ = http_status;
  callback_error_ = std::move(status);
  return -1;
}

bool HttpParserCore::count_header_bytes(size_t length) {
  header_bytes_ += length;
  return header_bytes_ <= limits_.max_header_bytes;
}

}  // namespace ringkv::wire
