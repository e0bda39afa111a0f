// Describes an HTTP error response from a ringkv node in one line for humans, using
// the API's error body `{"error": "...", "acks": a, "required": w}` when present:
//   "503 Service Unavailable: quorum not reached (acks 1, required 2)".
#pragma once

#include <string>

#include "core/wire/http_message.h"

namespace ringkv::tools {

std::string describe_error_response(const wire::HttpResponse& response);

}  // namespace ringkv::tools
