// Fuzz target: HttpRequestParser fed the input in pieces whose sizes come from the first
// bytes (any split must be survivable), with default or tiny limits; every request taken is
// then routed like the server does (percent_decode of the key after /kv/, parse_query).
#include <cstdint>
#include <string>

#include "core/wire/http_parser.h"
#include "core/wire/percent.h"
#include "fuzz/fuzz_http.h"

using ringkv::fuzz::fuzz_expect;
using namespace ringkv::wire;

namespace {

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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ringkv::fuzz::feed_in_pieces<HttpRequestParser>(data, size, route);
  return 0;
}
