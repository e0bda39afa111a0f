// HttpRequest / HttpResponse: one parsed or to-be-written HTTP/1.1 message, fully owned.
// Header names keep the case they were received with; header() looks them up
// case-insensitively. Plain values: no I/O, safe to copy and move between threads.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ringkv::wire {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// The first header named `name` (ASCII case-insensitive), or nullptr.
const std::string* find_header(const HttpHeaders& headers, std::string_view name);

// ASCII case-insensitive equality (header names, tokens).
bool equals_ignoring_case(std::string_view a, std::string_view b);

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // the raw request-target, e.g. "/kv/a%20b?w=2"
  std::string path;    // raw (still percent-encoded) part of target before '?'
  std::string query;   // raw part of target after '?', without the '?'
  HttpHeaders headers;
  std::string body;
  bool keep_alive = true;

  const std::string* header(std::string_view name) const { return find_header(headers, name); }
  friend bool operator==(const HttpRequest&, const HttpRequest&) = default;
};

struct HttpResponse {
  int status = 200;
  std::string reason;  // "OK"; empty means "use the standard phrase" when writing
  HttpHeaders headers;
  std::string body;
  bool keep_alive = true;

  const std::string* header(std::string_view name) const { return find_header(headers, name); }
  friend bool operator==(const HttpResponse&, const HttpResponse&) = default;
};

// Splits a raw request-target into path and query at the first '?'.
void split_target(std::string_view target, std::string& path, std::string& query);

}  // namespace ringkv::wire
