// HttpRequestParser / HttpResponseParser: incremental HTTP/1.1 parsers (llhttp) for one
// connection. feed() bytes as they arrive (any split, pipelining included), then take
// complete messages with next(). Memory is bounded by HttpLimits; the first error is
// sticky and names the HTTP status a server should answer with (error_http_status()).
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "core/status.h"
#include "core/wire/http_limits.h"
#include "core/wire/http_message.h"

namespace ringkv::wire {

class HttpParserCore;

// Shared surface of both parsers.
class HttpParserBase {
 public:
  HttpParserBase(HttpParserBase&&) noexcept;
  HttpParserBase& operator=(HttpParserBase&&) noexcept;
  ~HttpParserBase();

  // Parses `bytes`. Returns the sticky error once the stream is malformed or over a limit.
  // While max_pending_messages parsed messages wait, further bytes are kept (bounded by
  // max_backlog_bytes) and parsed as next() makes room.
  Status feed(std::string_view bytes);
  // The peer closed its side: completes a body delimited by end of stream, and reports an
  // error if a message was cut short.
  Status finish();

  bool failed() const;
  const Status& error() const;
  // 400, 411, 413, 431 or 503 once failed(); 0 before.
  int error_http_status() const;
  // After a message that ends the connection (Connection: close, HTTP/1.0 without
  // keep-alive, Upgrade), further bytes are ignored.
  bool closed() const;
  // A message has started but is not complete yet (or bytes wait in the backlog).
  bool in_message() const;
  size_t pending_messages() const;

 protected:
  explicit HttpParserBase(std::unique_ptr<HttpParserCore> core);
  std::unique_ptr<HttpParserCore> core_;
};

class HttpRequestParser : public HttpParserBase {
 public:
  explicit HttpRequestParser(const HttpLimits& limits = HttpLimits());
  // The oldest complete request, or nullopt.
  std::optional<HttpRequest> next();
};

class HttpResponseParser : public HttpParserBase {
 public:
  explicit HttpResponseParser(const HttpLimits& limits = HttpLimits());
  // The oldest complete response, or nullopt.
  std::optional<HttpResponse> next();
};

}  // namespace ringkv::wire
