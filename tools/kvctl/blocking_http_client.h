// BlockingHttpClient: sends one HTTP/1.1 request at a time to one server and waits for
// the response, using ringkv::wire's writer and response parser. Keeps the connection
// alive between requests when the server allows it. Every exchange is bounded by the
// connect timeout plus the request timeout. One thread at a time.
#pragma once

#include <optional>

#include "core/status.h"
#include "core/wire/http_limits.h"
#include "core/wire/http_message.h"
#include "core/host_port.h"
#include "tools/kvctl/tcp_connection.h"

namespace ringkv::tools {

struct HttpClientOptions {
  int connect_timeout_ms = 2000;
  // Sending the request and receiving the whole response.
  int request_timeout_ms = 10000;
  wire::HttpLimits limits = wire::HttpLimits();
};

class BlockingHttpClient {
 public:
  BlockingHttpClient(HostPort server, HttpClientOptions options);

  // Sets Host when the request has none. Errors: unavailable when the server cannot be
  // reached (nothing was sent), timeout, io_error (connection lost), corruption (the
  // response is not valid HTTP or is over the limits).
  Result<wire::HttpResponse> send(wire::HttpRequest request);

  const HostPort& server() const { return server_; }

 private:
  Result<wire::HttpResponse> exchange(const std::string& request_bytes);
  Result<wire::HttpResponse> read_response(Deadline deadline);

  HostPort server_;
  HttpClientOptions options_;
  std::optional<TcpConnection> connection_;
  // Some bytes of a response arrived in the last exchange (then it is never retried).
  bool response_started_ = false;
};

}  // namespace ringkv::tools
