// Fuzz target: HttpResponseParser (the client side of internal and proxied requests) fed the
// input in pieces sized by the first bytes, default or tiny limits, then finish(): it must
// never crash, and an error must be sticky with an HTTP status.
#include <cstdint>
#include <string>

#include "core/wire/http_parser.h"
#include "fuzz/fuzz_input.h"

using ringkv::fuzz::fuzz_expect;
using ringkv::fuzz::FuzzInput;
using namespace ringkv::wire;

namespace {

constexpr size_t kMaxResponsesTaken = 4096;

size_t take_all(HttpResponseParser& parser, size_t taken) {
  while (taken < kMaxResponsesTaken) {
    auto response = parser.next();
    if (!response) break;
    fuzz_expect(response->status >= 0 && response->status <= 999, "status code has at most 3 digits",
                std::to_string(response->status));
    ++taken;
  }
  return taken;
}

HttpLimits choose_limits(uint8_t choice) {
  HttpLimits limits;
  if (choice % 2 == 0) return limits;
  limits.max_header_bytes = 256;
  limits.max_header_count = 4;
  limits.max_body_bytes = 64;
  limits.max_pending_messages = 1 + choice % 3;
  limits.max_backlog_bytes = 128;
  return limits;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput input(data, size);
  const HttpLimits limits = choose_limits(input.byte());
  uint8_t piece_sizes[4] = {input.byte(), input.byte(), input.byte(), input.byte()};
  std::string_view stream = input.rest();
  HttpResponseParser parser(limits);
  size_t taken = 0;
  for (size_t piece = 0; !stream.empty(); ++piece) {
    std::string_view bytes = stream.substr(0, 1 + piece_sizes[piece % 4]);
    stream.remove_prefix(bytes.size());
    if (!parser.feed(bytes).ok()) {
      fuzz_expect(parser.failed() && parser.error_http_status() != 0, "feed error is sticky");
      break;
    }
    taken = take_all(parser, taken);
  }
  if (!parser.failed()) (void)parser.finish();
  take_all(parser, taken);
  return 0;
}
