// HttpClient: a small blocking HTTP/1.1 client over POSIX sockets for tests and tools
// (kvctl, kvbench). One keep-alive connection; every call is bounded by a timeout.
// Not for use inside kvnode's event loop.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/wire/http_message.h"
#include "core/wire/http_parser.h"

namespace ringkv::runtime {

class HttpClient {
 public:
  // `host` is a numeric IPv4/IPv6 address or a name; nothing happens until the first call.
  HttpClient(std::string host, uint16_t port, uint64_t timeout_ms = 5000);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request and reads its response (connecting or reconnecting first if needed).
  Result<wire::HttpResponse> request(std::string_view method, std::string_view target,
                                     std::string body = {}, const wire::HttpHeaders& headers = {});
  Result<wire::HttpResponse> send(const wire::HttpRequest& request);

  // Low level, for pipelining and malformed input: write raw bytes, then read responses.
  Status connect();
  Status send_raw(std::string_view bytes);
  Result<wire::HttpResponse> read_response();
  // Half-closes the connection (no more requests); responses can still be read.
  Status shutdown_write();
  // True when bytes (or EOF) can be read within `wait_ms`, without reading them.
  bool readable(uint64_t wait_ms);
  // True when the server closed the connection (read returns 0) within the timeout.
  bool wait_closed();
  void close();
  bool connected() const { return fd_ >= 0; }

 private:
  std::string host_;
  uint16_t port_;
  uint64_t timeout_ms_;
  int fd_ = -1;
  std::unique_ptr<wire::HttpResponseParser> parser_;
};

}  // namespace ringkv::runtime
