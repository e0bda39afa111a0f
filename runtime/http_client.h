// HttpClient: ringkv's one blocking HTTP/1.1 client (kvctl, tests, tools), over
// TcpConnection with ringkv::wire's writer and response parser. One keep-alive
// connection to one server; every call is bounded (connect timeout per address, one
// deadline per exchange). One thread at a time; not for use inside kvnode's event loop.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/host_port.h"
#include "core/status.h"
#include "core/wire/http_limits.h"
#include "core/wire/http_message.h"
#include "core/wire/http_parser.h"
#include "runtime/tcp_connection.h"

namespace ringkv::runtime {

// The largest response a node sends: a 64 MiB value plus headers.
wire::HttpLimits default_client_limits();

struct HttpClientOptions {
  int connect_timeout_ms = 2000;
  // Sending one request and receiving its whole response.
  int request_timeout_ms = 10000;
  wire::HttpLimits limits = default_client_limits();
};

class HttpClient {
 public:
  HttpClient(HostPort server, HttpClientOptions options);
  // Tests' shorthand: connect and exchange timeouts both `timeout_ms`.
  HttpClient(std::string host, uint16_t port, uint64_t timeout_ms = 5000);

  // Sends one request (Host set when it has none) and reads its response, connecting
  // first if needed. A kept-alive connection the server closed meanwhile is retried once
  // on a fresh one when nothing of a response came back. Errors: unavailable (cannot
  // connect: nothing was sent), timeout, io_error (connection lost), corruption (not
  // valid HTTP or over the limits); each names the server.
  Result<wire::HttpResponse> send(wire::HttpRequest request);
  Result<wire::HttpResponse> request(std::string_view method, std::string_view target,
                                     std::string body = {}, const wire::HttpHeaders& headers = {});

  // Low level, for pipelining and malformed input: raw bytes out, then responses in order.
  Status connect();
  Status send_raw(std::string_view bytes);
  Result<wire::HttpResponse> read_response();
  // Half-closes the connection (no more requests); responses can still be read.
  Status shutdown_write();
  // True when bytes (or EOF) can be read within `wait_ms`, without reading them.
  bool readable(uint64_t wait_ms);
  // True when the server closed the connection within the request timeout.
  bool wait_closed();
  void close();
  bool connected() const { return connection_.has_value(); }
  const HostPort& server() const { return server_; }

 private:
  Result<wire::HttpResponse> exchange(const std::string& request_bytes);
  Result<wire::HttpResponse> read_response_until(Deadline deadline);

  HostPort server_;
  HttpClientOptions options_;
  std::optional<TcpConnection> connection_;
  std::optional<wire::HttpResponseParser> parser_;  // one per connection (pipelining)
  // Bytes of a response arrived since the last request went out (then it is not retried).
  bool response_started_ = false;
};

}  // namespace ringkv::runtime
