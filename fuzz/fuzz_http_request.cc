// Fuzz target: HttpRequestParser fed the input in pieces whose sizes come from the first
// bytes (any split must be survivable), with default or tiny limits; every request taken is
// then routed like the server does (percent_decode of the key after /kv/, parse_query).
#include <cstdint>
#include <string>

#include "core/wire/http_parser.h"
#include "core/wire/percent.h"
#include "fuzz/fuzz_input.h"

using ringkv::fuzz::fuzz_expect;
using ringkv::fuzz::FuzzInput;
using namespace ringkv::wire;

namespace {

constexpr size_t kMaxRequestsTaken = 4096;

void route(const HttpRequest& request) {
  fuzz_expect(request.target.compare(0, request.path.size(), request.path) == 0,
              "path is a prefix of the target", request.target);
  if (request.path.rfind("/kv/", 0) == 0) {
    auto key = percent_decode(std::string_view(request.path).substr(4));
    if (key.ok()) {
      fuzz_expect(percent_decode(percent_encode(*key)).value() == *key,
                  "a decoded key re-encodes to itself", request.path);
    }
  }
  auto query = parse_query(request.query);
  if (query.ok()) fuzz_expect(query->size() <= kMaxQueryParameters, "query parameter limit");
}

size_t take_all(HttpRequestParser& parser, size_t taken) {
  while (taken < kMaxRequestsTaken) {
    auto request = parser.next();
    if (!request) break;
    route(*request);
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
  HttpRequestParser parser(limits);
  size_t taken = 0;
  for (size_t piece = 0; !stream.empty(); ++piece) {
    size_t piece_bytes = 1 + piece_sizes[piece % 4];
    std::string_view bytes = stream.substr(0, piece_bytes);
    stream.remove_prefix(bytes.size());
    ringkv::Status status = parser.feed(bytes);
    if (!status.ok()) {
      fuzz_expect(parser.failed() && parser.error_http_status() != 0, "feed error is sticky");
      break;
    }
    taken = take_all(parser, taken);
  }
  if (!parser.failed()) (void)parser.finish();
  take_all(parser, taken);
  return 0;
}
