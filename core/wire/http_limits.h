// HttpLimits: every bound the HTTP parsers enforce, checked while bytes arrive, so a
// parser's memory stays bounded whatever a peer sends. Hitting a limit puts the parser
// in its sticky error state with the HTTP status a server should answer (see docs/wire.md).
#pragma once

#include <cstddef>

namespace ringkv::wire {

struct HttpLimits {
  // Request line (or status line) plus all header names and values (431 when exceeded).
  size_t max_header_bytes = 16 * 1024;
  // Number of header fields, trailers included (431 when exceeded).
  size_t max_header_count = 64;
  // Decoded body bytes, chunked or not (413 when exceeded).
  size_t max_body_bytes = 1024 * 1024 + 64 * 1024;
  // Parsed messages not yet taken with next(); parsing pauses when the queue is full.
  size_t max_pending_messages = 64;
  // Unparsed bytes kept while parsing is paused (503 when exceeded).
  size_t max_backlog_bytes = 256 * 1024;
};

// Limits for connections carrying POST /internal/... requests: a body holds a value
// base64-encoded (4/3 of its size) plus a key of up to kMaxWireKeyBytes (codec.h), so it
// needs more room than a client PUT of the same value. Other limits are the defaults.
HttpLimits internal_http_limits(size_t max_value_bytes);

}  // namespace ringkv::wire
