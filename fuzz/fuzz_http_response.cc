// Fuzz target: HttpResponseParser (the client side of internal and proxied requests) fed the
// input in pieces sized by the first bytes, default or tiny limits, then finish(): it must
// never crash, and an error must be sticky with an HTTP status.
#include <cstdint>
#include <string>

#include "core/wire/http_parser.h"
#include "fuzz/fuzz_http.h"

using ringkv::fuzz::fuzz_expect;
using namespace ringkv::wire;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ringkv::fuzz::feed_in_pieces<HttpResponseParser>(data, size, [](const HttpResponse& response) {
    fuzz_expect(response.status >= 0 && response.status <= 999,
                "status code has at most 3 digits", std::to_string(response.status));
  });
  return 0;
}
