// Serializes HttpRequest / HttpResponse to HTTP/1.1 bytes, always with an exact
// Content-Length (never chunked) and `Connection: close` when !keep_alive. Header names
// and values must not contain CR, LF or NUL: that is a programmer error (asserted).
#pragma once

#include <string>
#include <string_view>

#include "core/wire/http_message.h"

namespace ringkv::wire {

// Content-Length, Transfer-Encoding and Connection headers in the message are ignored:
// the writer emits its own. A request with an empty target is written with
// path + "?" + query (no '?' when the query is empty).
std::string serialize(const HttpRequest& request);
// 1xx, 204 and 304 responses carry no body and no Content-Length (RFC 9110 8.6).
// `to_head`: the answer to a HEAD request: the same status and headers, Content-Length
// the size the body would have, and no body (RFC 9110 §9.3.2).
std::string serialize(const HttpResponse& response, bool to_head = false);

// "OK", "Not Found", ...; "Unknown" for codes without a standard phrase here.
const char* reason_phrase(int status);

// A request with Host set (and Content-Type when given and the body is not empty).
HttpRequest make_request(std::string_view method, std::string_view target, std::string_view host,
                         std::string body = {}, std::string_view content_type = {});
// A response with Content-Type set when given.
HttpResponse make_response(int status, std::string body = {}, std::string_view content_type = {});
// `{"error":"<message>"}` with Content-Type: application/json (the API's error shape).
HttpResponse make_error_response(int status, std::string_view message);

// True when `value` is safe inside a header line (no CR, LF or NUL).
bool valid_header_text(std::string_view value);

}  // namespace ringkv::wire
