// Fuzz target: the text encodings of the wire. Oracles: percent_decode(percent_encode(b)) == b
// for any bytes; what percent_decode accepts round-trips; parse_query keeps its limit; and
// base64 is strict (decode(encode(b)) == b, and whatever decodes is its own one wire form).
#include <cstdint>
#include <string>
#include <string_view>

#include "core/wire/base64.h"
#include "core/wire/percent.h"
#include "fuzz/fuzz_input.h"

using ringkv::fuzz::fuzz_expect;
using namespace ringkv::wire;

namespace {

void check_percent(std::string_view bytes) {
  const std::string encoded = percent_encode(bytes);
  auto decoded = percent_decode(encoded);
  fuzz_expect(decoded.ok() && *decoded == bytes, "percent_decode(percent_encode(b)) == b",
              encoded);
  auto text = percent_decode(bytes);
  if (text.ok()) {
    fuzz_expect(text->size() <= bytes.size(), "decoding never grows");
    fuzz_expect(percent_decode(percent_encode(*text)).value() == *text,
                "an accepted escape round-trips", std::string(bytes));
  }
  auto query = parse_query(bytes);
  if (query.ok()) {
    fuzz_expect(query->size() <= kMaxQueryParameters, "query parameter limit");
    for (const auto& [name, value] : *query) {
      fuzz_expect(name.size() + value.size() <= bytes.size(), "a parameter fits its query");
    }
  }
}

void check_base64(std::string_view bytes) {
  const std::string encoded = base64_encode(bytes);
  fuzz_expect(encoded.size() == base64_encoded_bytes(bytes.size()), "encoded size");
  auto decoded = base64_decode(encoded);
  fuzz_expect(decoded.ok() && *decoded == bytes, "base64_decode(base64_encode(b)) == b", encoded);
  auto strict = base64_decode(bytes);
  if (strict.ok()) {
    fuzz_expect(base64_encode(*strict) == bytes, "base64 has one wire form per byte string",
                std::string(bytes));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  check_percent(bytes);
  check_base64(bytes);
  return 0;
}
