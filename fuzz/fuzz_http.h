// Shared driver of the two HTTP parser fuzz targets: the first input byte picks default or
// tiny limits, the next four size the pieces the rest of the input is fed in (any split
// must be survivable), and every complete message is handed to `check` as it is taken.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/wire/http_limits.h"
#include "fuzz/fuzz_input.h"

namespace ringkv::fuzz {

inline constexpr size_t kMaxMessagesTaken = 4096;

inline wire::HttpLimits choose_limits(uint8_t choice) {
  wire::HttpLimits limits;
  if (choice % 2 == 0) return limits;
  limits.max_header_bytes = 256;
  limits.max_header_count = 4;
  limits.max_body_bytes = 64;
  limits.max_pending_messages = 1 + choice % 3;
  limits.max_backlog_bytes = 128;
  return limits;
}

// Parser is HttpRequestParser or HttpResponseParser; Check is called with each message.
template <typename Parser, typename Check>
void feed_in_pieces(const uint8_t* data, size_t size, Check check) {
  FuzzInput input(data, size);
  Parser parser(choose_limits(input.byte()));
  const uint8_t piece_sizes[4] = {input.byte(), input.byte(), input.byte(), input.byte()};
  std::string_view stream = input.rest();
  size_t taken = 0;
  auto take_all = [&] {
    while (taken < kMaxMessagesTaken) {
      auto message = parser.next();
      if (!message) break;
      check(*message);
      ++taken;
    }
  };
  for (size_t piece = 0; !stream.empty(); ++piece) {
    std::string_view bytes = stream.substr(0, 1 + piece_sizes[piece % 4]);
    stream.remove_prefix(bytes.size());
    if (!parser.feed(bytes).ok()) {
      fuzz_expect(parser.failed() && parser.error_http_status() != 0, "feed error is sticky");
      break;
    }
    take_all();
  }
  if (!parser.failed()) (void)parser.finish();
  take_all();
}

}  // namespace ringkv::fuzz
