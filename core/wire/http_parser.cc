#include "core/wire/http_parser.h"

#include <utility>

#include "core/wire/http_parser_core.h"

namespace ringkv::wire {

HttpParserBase::HttpParserBase(std::unique_ptr<HttpParserCore> core) : core_(std::move(core)) {}
HttpParserBase::HttpParserBase(HttpParserBase&&) noexcept = default;
HttpParserBase& HttpParserBase::operator=(HttpParserBase&&) noexcept = default;
HttpParserBase::~HttpParserBase() = default;

Status HttpParserBase::feed(std::string_view bytes) { return core_->feed(bytes); }
Status HttpParserBase::finish() { return core_->finish(); }
bool HttpParserBase::failed() const { return core_->failed(); }
const Status& HttpParserBase::error() const { return core_->error(); }
int HttpParserBase::error_http_status() const { return core_->error_http_status(); }
bool HttpParserBase::closed() const { return core_->closed(); }
bool HttpParserBase::in_message() const { return core_->in_message(); }
size_t HttpParserBase::pending_messages() const { return core_->pending_messages(); }

HttpRequestParser::HttpRequestParser(const HttpLimits& limits)
    : HttpParserBase(std::make_unique<HttpParserCore>(HTTP_REQUEST, limits)) {}

std::optional<HttpRequest> HttpRequestParser::next() {
  std::optional<ParsedHttpMessage> parsed = core_->next();
  if (!parsed) return std::nullopt;
  HttpRequest request;
  request.method = std::move(parsed->method);
  request.target = std::move(parsed->target);
  split_target(request.target, request.path, request.query);
  request.headers = std::move(parsed->headers);
  request.body = std::move(parsed->body);
  request.keep_alive = parsed->keep_alive;
  return request;
}

HttpResponseParser::HttpResponseParser(const HttpLimits& limits)
    : HttpParserBase(std::make_unique<HttpParserCore>(HTTP_RESPONSE, limits)) {}

std::optional<HttpResponse> HttpResponseParser::next() {
  std::optional<ParsedHttpMessage> parsed = core_->next();
  if (!parsed) return std::nullopt;
  HttpResponse response;
  response.status = parsed->status;
  response.reason = std::move(parsed->reason);
  response.headers = std::move(parsed->headers);
  response.body = std::move(parsed->body);
  response.keep_alive = parsed->keep_alive;
  return response;
}

}  // namespace ringkv::wire
