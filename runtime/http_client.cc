#include "runtime/http_client.h"

#include <array>
#include <utility>

#include "core/wire/http_writer.h"

namespace ringkv::runtime {
namespace {

constexpr size_t kReceiveBufferBytes = 64 * 1024;
// Receive calls per response, on top of the deadline (a trickling server hits one of them).
constexpr int kMaxReceiveCalls = 1 << 20;
constexpr size_t kMaxResponseHeaderBytes = 64 * 1024;
constexpr size_t kMaxResponseBodyBytes = (64u << 20) + 4096;

}  // namespace

wire::HttpLimits default_client_limits() {
  wire::HttpLimits limits;
  limits.max_body_bytes = kMaxResponseBodyBytes;
  limits.max_header_bytes = kMaxResponseHeaderBytes;
  return limits;
}

HttpClient::HttpClient(HostPort server, HttpClientOptions options)
    : server_(std::move(server)), options_(std::move(options)) {}

HttpClient::HttpClient(std::string host, uint16_t port, uint64_t timeout_ms)
    : HttpClient(HostPort{std::move(host), port},
                 HttpClientOptions{static_cast<int>(timeout_ms), static_cast<int>(timeout_ms),
                                   default_client_limits()}) {}

void HttpClient::close() {
  connection_.reset();
  parser_.reset();
}

Status HttpClient::connect() {
  close();
  Result<TcpConnection> fresh = TcpConnection::connect(server_, options_.connect_timeout_ms);
  if (!fresh.ok()) return fresh.status();
  connection_.emplace(std::move(fresh).value());
  parser_.emplace(options_.limits);
  return Status::ok_status();
}

Status HttpClient::send_raw(std::string_view bytes) {
  if (!connection_) RINGKV_RETURN_IF_ERROR(connect());
  response_started_ = false;
  Status sent = connection_->send_all(bytes, deadline_after_ms(options_.request_timeout_ms));
  if (!sent.ok()) close();
  return sent;
}

Result<wire::HttpResponse> HttpClient::read_response() {
  return read_response_until(deadline_after_ms(options_.request_timeout_ms));
}

Result<wire::HttpResponse> HttpClient::read_response_until(Deadline deadline) {
  if (!connection_) return Status::unavailable("not connected to " + server_.to_string());
  std::array<char, kReceiveBufferBytes> buffer;
  for (int call = 0; call < kMaxReceiveCalls; ++call) {
    if (std::optional<wire::HttpResponse> response = parser_->next()) {
      if (!response->keep_alive) close();
      return *std::move(response);
    }
    if (parser_->failed()) {
      const Status error = Status::corruption("malformed response: " + parser_->error().message());
      close();
      return error;
    }
    Result<size_t> received = connection_->receive_some(buffer.data(), buffer.size(), deadline);
    if (!received.ok()) {
      close();
      return received.status();
    }
    if (*received == 0) {  // the server closed: a response without a length ends here
      const bool started = response_started_;
      const bool finished = parser_->finish().ok();
      std::optional<wire::HttpResponse> response = parser_->next();
      close();
      if (response) return *std::move(response);
      if (!started) return Status::io_error("connection closed before any response");
      return finished ? Status::io_error("connection closed mid-response")
                      : Status::corruption("response cut short");
    }
    response_started_ = true;
    (void)parser_->feed(std::string_view(buffer.data(), *received));  // failed() reports it
  }
  close();
  return Status::timeout("response still incomplete after too many reads");
}

Result<wire::HttpResponse> HttpClient::exchange(const std::string& request_bytes) {
  const Deadline deadline = deadline_after_ms(options_.request_timeout_ms);
  response_started_ = false;
  Status sent = connection_->send_all(request_bytes, deadline);
  Result<wire::HttpResponse> response =
      sent.ok() ? read_response_until(deadline) : Result<wire::HttpResponse>(sent);
  if (!sent.ok()) close();
  if (!response.ok()) {
    const Status& error = response.status();
    return Status(error.code(), "talking to " + server_.to_string() + ": " + error.message());
  }
  return response;
}

Result<wire::HttpResponse> HttpClient::send(wire::HttpRequest request) {
  if (request.header("Host") == nullptr) request.headers.emplace_back("Host", server_.to_string());
  const std::string request_bytes = wire::serialize(request);
  // A kept-alive connection may have been closed by the server meanwhile: when nothing
  // came back on it, retry once on a fresh connection.
  if (connection_) {
    Result<wire::HttpResponse> reused = exchange(request_bytes);
    const bool retryable = !response_started_ && reused.status().code() == StatusCode::kIoError;
    if (reused.ok() || !retryable) return reused;
  }
  RINGKV_RETURN_IF_ERROR(connect());
  return exchange(request_bytes);
}

Result<wire::HttpResponse> HttpClient::request(std::string_view method, std::string_view target,
                                               std::string body, const wire::HttpHeaders& headers) {
  wire::HttpRequest request = wire::make_request(method, target, server_.to_string(), std::move(body));
  for (const auto& header : headers) request.headers.push_back(header);
  return send(std::move(request));
}

Status HttpClient::shutdown_write() {
  if (!connection_) return Status::unavailable("not connected to " + server_.to_string());
  return connection_->shutdown_write();
}

bool HttpClient::readable(uint64_t wait_ms) {
  return connection_ && connection_->readable(deadline_after_ms(static_cast<int>(wait_ms)));
}

bool HttpClient::wait_closed() {
  if (!connection_) return true;
  const Deadline deadline = deadline_after_ms(options_.request_timeout_ms);
  std::array<char, 4096> buffer;
  for (int call = 0; call < kMaxReceiveCalls; ++call) {
    Result<size_t> received = connection_->receive_some(buffer.data(), buffer.size(), deadline);
    if (!received.ok() && received.status().code() == StatusCode::kTimeout) return false;
    if (!received.ok() || *received == 0) {
      close();
      return true;
    }
  }
  return false;
}

}  // namespace ringkv::runtime
