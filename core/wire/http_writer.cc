#include "core/wire/http_writer.h"

#include "core/assert.h"
#include "core/wire/json_writer.h"

namespace ringkv::wire {

namespace {

bool writer_owned_header(std::string_view name) {
  return equals_ignoring_case(name, "Content-Length") ||
         equals_ignoring_case(name, "Transfer-Encoding") ||
         equals_ignoring_case(name, "Connection");
}

void append_headers(const HttpHeaders& headers, std::string& out) {
  for (const auto& [name, value] : headers) {
    if (writer_owned_header(name)) continue;
    RINGKV_ASSERT_MSG(
        !name.empty() && valid_header_text(name) && name.find(':') == std::string::npos,
        "bad HTTP header name");
    RINGKV_ASSERT_MSG(valid_header_text(value), "HTTP header value holds CR, LF or NUL");
    out.append(name).append(": ").append(value).append("\r\n");
  }
}

void append_framing(bool with_length, size_t body_bytes, bool keep_alive, std::string& out) {
  if (with_length) out.append("Content-Length: ").append(std::to_string(body_bytes)).append("\r\n");
  if (!keep_alive) out.append("Connection: close\r\n");
  out.append("\r\n");
}

bool status_without_body(int status) {
  return (status >= 100 && status < 200) || status == 204 || status == 304;
}

}  // namespace

bool valid_header_text(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

std::string serialize(const HttpRequest& request) {
  RINGKV_ASSERT(!request.method.empty() && valid_header_text(request.method));
  std::string target = request.target;
  if (target.empty())
    target = request.query.empty() ? request.path : request.path + "?" + request.query;
  RINGKV_ASSERT_MSG(
      !target.empty() && target.find(' ') == std::string::npos && valid_header_text(target),
      "bad HTTP request target");
  std::string out;
  out.reserve(128 + request.body.size());
  out.append(request.method).append(" ").append(target).append(" HTTP/1.1\r\n");
  append_headers(request.headers, out);
  append_framing(true, request.body.size(), request.keep_alive, out);
  out.append(request.body);
  return out;
}

std::string serialize(const HttpResponse& response, bool to_head) {
  RINGKV_ASSERT(response.status >= 100 && response.status <= 999);
  bool bodyless = status_without_body(response.status);
  RINGKV_ASSERT_MSG(!bodyless || response.body.empty(), "1xx/204/304 response with a body");
  std::string_view reason = response.reason;
  if (reason.empty()) reason = reason_phrase(response.status);
  RINGKV_ASSERT(valid_header_text(reason));
  std::string out;
  out.reserve(128 + response.body.size());
  out.append("HTTP/1.1 ")
      .append(std::to_string(response.status))
      .append(" ")
      .append(reason)
      .append("\r\n");
  append_headers(response.headers, out);
  append_framing(!bodyless, response.body.size(), response.keep_alive, out);
  if (!to_head) out.append(response.body);
  return out;
}

const char* reason_phrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 507:
      return "Insufficient Storage";
    default:
      return "Unknown";
  }
}

HttpRequest make_request(std::string_view method, std::string_view target, std::string_view host,
                         std::string body, std::string_view content_type) {
  HttpRequest request;
  request.method = method;
  request.target = target;
  split_target(request.target, request.path, request.query);
  request.headers.emplace_back("Host", std::string(host));
  if (!content_type.empty() && !body.empty()) {
    request.headers.emplace_back("Content-Type", std::string(content_type));
  }
  request.body = std::move(body);
  return request;
}

HttpResponse make_response(int status, std::string body, std::string_view content_type) {
  HttpResponse response;
  response.status = status;
  response.reason = reason_phrase(status);
  if (!content_type.empty())
    response.headers.emplace_back("Content-Type", std::string(content_type));
  response.body = std::move(body);
  return response;
}

HttpResponse make_error_response(int status, std::string_view message) {
  JsonWriter json;
  json.begin_object().key("error").string(message).end_object();
  return make_response(status, json.take(), "application/json");
}

}  // namespace ringkv::wire
