#include "tools/kvctl/blocking_http_client.h"

#include <array>
#include <string>
#include <utility>

#include "core/wire/http_parser.h"
#include "core/wire/http_writer.h"

namespace ringkv::tools {
namespace {

constexpr size_t kReceiveBufferBytes = 64 * 1024;
// Receive calls per response, on top of the deadline (a trickling server hits one of them).
constexpr int kMaxReceiveCalls = 1 << 20;

}  // namespace

BlockingHttpClient::BlockingHttpClient(HostPort server, HttpClientOptions options)
    : server_(std::move(server)), options_(std::move(options)) {}

Result<wire::HttpResponse> BlockingHttpClient::send(wire::HttpRequest request) {
  if (request.header("Host") == nullptr) request.headers.emplace_back("Host", server_.to_string());
  const std::string request_bytes = wire::serialize(request);
  // A kept-alive connection may have been closed by the server meanwhile: when nothing
  // came back on it, retry once on a fresh connection.
  if (connection_.has_value()) {
    Result<wire::HttpResponse> reused = exchange(request_bytes);
    const bool retryable = !response_started_ && reused.status().code() == StatusCode::kIoError;
    if (reused.ok() || !retryable) return reused;
  }
  Result<TcpConnection> fresh = TcpConnection::connect(server_, options_.connect_timeout_ms);
  if (!fresh.ok()) return fresh.status();
  connection_.emplace(std::move(fresh).value());
  return exchange(request_bytes);
}

Result<wire::HttpResponse> BlockingHttpClient::exchange(const std::string& request_bytes) {
  const Deadline deadline = deadline_after_ms(options_.request_timeout_ms);
  response_started_ = false;
  Status sent = connection_->send_all(request_bytes, deadline);
  Result<wire::HttpResponse> response =
      sent.ok() ? read_response(deadline) : Result<wire::HttpResponse>(sent);
  if (!response.ok() || !response->keep_alive) connection_.reset();
  if (!response.ok()) {
    const Status& error = response.status();
    return Status(error.code(), "talking to " + server_.to_string() + ": " + error.message());
  }
  return response;
}

Result<wire::HttpResponse> BlockingHttpClient::read_response(Deadline deadline) {
  wire::HttpResponseParser parser(options_.limits);
  std::array<char, kReceiveBufferBytes> buffer;
  for (int call = 0; call < kMaxReceiveCalls; ++call) {
    Result<size_t> received = connection_->receive_some(buffer.data(), buffer.size(), deadline);
    if (!received.ok()) return received.status();
    if (*received == 0) {
      if (!response_started_) return Status::io_error("connection closed before any response");
      if (!parser.finish().ok()) {
        return Status::corruption("response cut short: " + parser.error().message());
      }
    } else {
      response_started_ = true;
      if (!parser.feed(std::string_view(buffer.data(), *received)).ok()) {
        return Status::corruption("malformed response: " + parser.error().message());
      }
    }
    if (std::optional<wire::HttpResponse> response = parser.next()) return *std::move(response);
    if (*received == 0) return Status::io_error("connection closed mid-response");
  }
  return Status::timeout("response still incomplete after too many reads");
}

}  // namespace ringkv::tools
