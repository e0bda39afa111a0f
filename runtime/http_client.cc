#include "runtime/http_client.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "core/wire/http_writer.h"

namespace ringkv::runtime {
namespace {

inline constexpr size_t kClientReadChunkBytes = 64 * 1024;

wire::HttpLimits client_limits() {
  wire::HttpLimits limits;
  limits.max_body_bytes = (64u << 20) + 4096;  // the largest value a node may serve
  limits.max_header_bytes = 64 * 1024;
  return limits;
}

uint64_t monotonic_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

// Waits for `events` on `fd` until `deadline_ms`; false on timeout or error.
bool wait_for(int fd, short events, uint64_t deadline_ms) {
  while (true) {
    uint64_t now_ms = monotonic_ms();
    if (now_ms >= deadline_ms) return false;
    pollfd descriptor{fd, events, 0};
    int ready = ::poll(&descriptor, 1, static_cast<int>(deadline_ms - now_ms));
    if (ready > 0) return true;
    if (ready < 0 && errno != EINTR) return false;
  }
}

}  // namespace

HttpClient::HttpClient(std::string host, uint16_t port, uint64_t timeout_ms)
    : host_(std::move(host)), port_(port), timeout_ms_(timeout_ms) {}

HttpClient::~HttpClient() { close(); }

void HttpClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  parser_.reset();
}

Status HttpClient::connect() {
  close();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  std::string port = std::to_string(port_);
  if (int error = ::getaddrinfo(host_.c_str(), port.c_str(), &hints, &found); error != 0) {
    return Status::unavailable("resolve " + host_ + ": " + gai_strerror(error));
  }
  int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int connected = fd < 0 ? -1 : ::connect(fd, found->ai_addr, found->ai_addrlen);
  int error = errno;
  ::freeaddrinfo(found);
  if (connected != 0) {
    if (fd >= 0) ::close(fd);
    return Status::unavailable("connect " + host_ + ":" + port + ": " + std::strerror(error));
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  fd_ = fd;
  parser_ = std::make_unique<wire::HttpResponseParser>(client_limits());
  return Status();
}

Status HttpClient::send_raw(std::string_view bytes) {
  if (fd_ < 0) RINGKV_RETURN_IF_ERROR(connect());
  uint64_t deadline_ms = monotonic_ms() + timeout_ms_;
  while (!bytes.empty()) {
    if (!wait_for(fd_, POLLOUT, deadline_ms)) return Status::timeout("send timed out");
    ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0) {
      Status failed = Status::io_error(std::string("send: ") + std::strerror(errno));
      close();
      return failed;
    }
    bytes.remove_prefix(static_cast<size_t>(sent));
  }
  return Status();
}

Result<wire::HttpResponse> HttpClient::read_response() {
  if (fd_ < 0) return Status::unavailable("not connected");
  uint64_t deadline_ms = monotonic_ms() + timeout_ms_;
  char buffer[kClientReadChunkBytes];
  while (true) {
    if (auto response = parser_->next()) {
      if (!response->keep_alive) close();
      return std::move(*response);
    }
    if (parser_->failed()) return parser_->error();
    if (!wait_for(fd_, POLLIN, deadline_ms)) return Status::timeout("no response in time");
    ssize_t received = ::recv(fd_, buffer, sizeof(buffer), 0);
    if (received < 0 && errno == EINTR) continue;
    if (received <= 0) {
      (void)parser_->finish();
      if (auto response = parser_->next()) {
        close();
        return std::move(*response);
      }
      close();
      return Status::unavailable(received == 0 ? "connection closed by the server"
                                               : std::string("recv: ") + std::strerror(errno));
    }
    Status fed = parser_->feed(std::string_view(buffer, static_cast<size_t>(received)));
    (void)fed;  // reported through failed() once no complete response is left
  }
}

Status HttpClient::shutdown_write() {
  if (fd_ < 0) return Status::unavailable("not connected");
  if (::shutdown(fd_, SHUT_WR) != 0) return Status::io_error(std::strerror(errno));
  return Status();
}

bool HttpClient::readable(uint64_t wait_ms) {
  return fd_ >= 0 && wait_for(fd_, POLLIN, monotonic_ms() + wait_ms);
}

bool HttpClient::wait_closed() {
  if (fd_ < 0) return true;
  uint64_t deadline_ms = monotonic_ms() + timeout_ms_;
  char buffer[4096];
  while (wait_for(fd_, POLLIN, deadline_ms)) {
    ssize_t received = ::recv(fd_, buffer, sizeof(buffer), 0);
    if (received < 0 && errno == EINTR) continue;
    if (received <= 0) {
      close();
      return true;
    }
  }
  return false;
}

Result<wire::HttpResponse> HttpClient::send(const wire::HttpRequest& request) {
  // A kept-alive connection the server closed in the meantime: retry once on a new one.
  bool reused = fd_ >= 0;
  Status sent = send_raw(wire::serialize(request));
  Result<wire::HttpResponse> response =
      sent.ok() ? read_response() : Result<wire::HttpResponse>(sent);
  if (!response.ok() && reused && response.status().code() != StatusCode::kTimeout) {
    close();
    RINGKV_RETURN_IF_ERROR(send_raw(wire::serialize(request)));
    return read_response();
  }
  return response;
}

Result<wire::HttpResponse> HttpClient::request(std::string_view method, std::string_view target,
                                               std::string body, const wire::HttpHeaders& headers) {
  wire::HttpRequest request = wire::make_request(method, target, host_, std::move(body));
  for (const auto& header : headers) request.headers.push_back(header);
  return send(request);
}

}  // namespace ringkv::runtime
