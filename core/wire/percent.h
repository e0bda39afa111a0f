// Percent-encoding (RFC 3986 section 2.1) for request paths and query strings. Decoding
// is strict ('%' must be followed by two hex digits) and '+' stays '+' everywhere (it
// is not a space: ringkv has no HTML forms). Decoded bytes may be anything, NUL included.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace ringkv::wire {

Result<std::string> percent_decode(std::string_view text);
// Encodes every byte except the unreserved ones: A-Z a-z 0-9 - . _ ~ (uppercase hex).
std::string percent_encode(std::string_view bytes);

using QueryParameters = std::vector<std::pair<std::string, std::string>>;
inline constexpr size_t kMaxQueryParameters = 64;

// "w=2&r=1&flag" -> {{"w","2"},{"r","1"},{"flag",""}}, names and values percent-decoded,
// in order, duplicates kept; empty pieces ("a&&b") are skipped. More than
// kMaxQueryParameters parameters or a bad escape is invalid_argument.
Result<QueryParameters> parse_query(std::string_view query);

}  // namespace ringkv::wire
