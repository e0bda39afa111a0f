#include "core/wire/percent.h"

namespace ringkv::wire {

namespace {

int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

}  // namespace

Result<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) {
      return Status::invalid_argument("bad percent-encoding: truncated escape at offset " +
                                      std::to_string(i));
    }
    int high = hex_digit_value(text[i + 1]);
    int low = hex_digit_value(text[i + 2]);
    if (high < 0 || low < 0) {
      return Status::invalid_argument(
          "bad percent-encoding: '%' not followed by two hex digits at offset " +
          std::to_string(i));
    }
    out.push_back(static_cast<char>(high << 4 | low));
    i += 2;
  }
  return out;
}

std::string percent_encode(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size());
  for (char c : bytes) {
    if (unreserved(c)) {
      out.push_back(c);
      continue;
    }
    auto code = static_cast<unsigned char>(c);
    out.push_back('%');
    out.push_back(kHex[code >> 4]);
    out.push_back(kHex[code & 0xF]);
  }
  return out;
}

Result<QueryParameters> parse_query(std::string_view query) {
  QueryParameters parameters;
  while (!query.empty()) {
    size_t ampersand = query.find('&');
    std::string_view piece = query.substr(0, ampersand);
    query = ampersand == std::string_view::npos ? std::string_view() : query.substr(ampersand + 1);
    if (piece.empty()) continue;
    if (parameters.size() == kMaxQueryParameters) {
      return Status::invalid_argument("more than " + std::to_string(kMaxQueryParameters) +
                                      " query parameters");
    }
    size_t equals = piece.find('=');
    Result<std::string> name = percent_decode(piece.substr(0, equals));
    if (!name.ok())
      return Status::invalid_argument("query parameter name: " + name.status().message());
    std::string_view raw_value =
        equals == std::string_view::npos ? std::string_view() : piece.substr(equals + 1);
    Result<std::string> value = percent_decode(raw_value);
    if (!value.ok()) {
      return Status::invalid_argument("query parameter '" + *name +
                                      "': " + value.status().message());
    }
    parameters.emplace_back(std::move(*name), std::move(*value));
  }
  return parameters;
}

}  // namespace ringkv::wire
