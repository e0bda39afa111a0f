#include "runtime/tcp_connection.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

namespace ringkv::runtime {

namespace {

int milliseconds_until(Deadline deadline) {
  const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (remaining.count() <= 0) return 0;
  return static_cast<int>(std::min<long long>(remaining.count(), 24LL * 3600 * 1000));
}

std::string errno_text(int error_number) { return std::strerror(error_number); }

// A non-blocking socket connected to `address` within `timeout_ms`, or -1 with `error` set.
int connect_one(const addrinfo& address, int timeout_ms, std::string& error) {
  const int socket_fd = ::socket(
      address.ai_family, address.ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, address.ai_protocol);
  if (socket_fd < 0) {
    error = errno_text(errno);
    return -1;
  }
  int result = ::connect(socket_fd, address.ai_addr, address.ai_addrlen);
  if (result != 0 && errno == EINPROGRESS) {
    pollfd waiter{socket_fd, POLLOUT, 0};
    result = ::poll(&waiter, 1, timeout_ms);
    if (result == 0) {
      error = "timed out after " + std::to_string(timeout_ms) + " ms";
      ::close(socket_fd);
      return -1;
    }
    int socket_error = 0;
    socklen_t length = sizeof(socket_error);
    ::getsockopt(socket_fd, SOL_SOCKET, SO_ERROR, &socket_error, &length);
    result = socket_error == 0 ? 0 : -1;
    errno = socket_error;
  }
  if (result != 0) {
    error = errno_text(errno);
    ::close(socket_fd);
    return -1;
  }
  const int enabled = 1;
  ::setsockopt(socket_fd, IPPROTO_TCP, TCP_NODELAY, &enabled, sizeof(enabled));
  return socket_fd;
}

}  // namespace

Deadline deadline_after_ms(int milliseconds) {
  return std::chrono::steady_clock::now() + std::chrono::milliseconds(milliseconds);
}

Result<TcpConnection> TcpConnection::connect(const HostPort& address, int timeout_ms) {
  const std::string prefix = "cannot connect to " + address.to_string() + ": ";
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* addresses = nullptr;
  const std::string port = std::to_string(address.port);
  const int lookup = ::getaddrinfo(address.host.c_str(), port.c_str(), &hints, &addresses);
  if (lookup != 0) return Status::unavailable(prefix + ::gai_strerror(lookup));
  std::string error = "no address";
  int socket_fd = -1;
  int tried = 0;
  for (addrinfo* it = addresses; it != nullptr && tried < kMaxAddressesTried; it = it->ai_next) {
    ++tried;
    socket_fd = connect_one(*it, timeout_ms, error);
    if (socket_fd >= 0) break;
  }
  ::freeaddrinfo(addresses);
  if (socket_fd < 0) return Status::unavailable(prefix + error);
  return TcpConnection(socket_fd);
}

TcpConnection::TcpConnection(TcpConnection&& other) noexcept
    : socket_fd_(std::exchange(other.socket_fd_, -1)) {}

TcpConnection& TcpConnection::operator=(TcpConnection&& other) noexcept {
  if (this != &other) {
    close();
    socket_fd_ = std::exchange(other.socket_fd_, -1);
  }
  return *this;
}

TcpConnection::~TcpConnection() { close(); }

void TcpConnection::close() {
  if (socket_fd_ >= 0) ::close(socket_fd_);
  socket_fd_ = -1;
}

Status TcpConnection::wait_until_ready(short events, Deadline deadline) {
  pollfd waiter{socket_fd_, events, 0};
  for (int attempt = 0; attempt < 1000; ++attempt) {  // bounded: EINTR retries only
    const int result = ::poll(&waiter, 1, milliseconds_until(deadline));
    if (result > 0) return Status::ok_status();
    if (result == 0) return Status::timeout("no answer before the deadline");
    if (errno != EINTR) return Status::io_error("poll: " + errno_text(errno));
  }
  return Status::io_error("poll: interrupted too often");
}

Status TcpConnection::shutdown_write() {
  RINGKV_ASSERT(is_open());
  if (::shutdown(socket_fd_, SHUT_WR) != 0) return Status::io_error("shutdown: " + errno_text(errno));
  return Status::ok_status();
}

Status TcpConnection::send_all(std::string_view bytes, Deadline deadline) {
  RINGKV_ASSERT(is_open());
  while (!bytes.empty()) {  // each pass sends >= 1 byte or returns
    RINGKV_RETURN_IF_ERROR(wait_until_ready(POLLOUT, deadline));
    const ssize_t sent = ::send(socket_fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) continue;
    if (sent < 0) return Status::io_error("send: " + errno_text(errno));
    bytes.remove_prefix(static_cast<size_t>(sent));
  }
  return Status::ok_status();
}

Result<size_t> TcpConnection::receive_some(char* buffer, size_t capacity, Deadline deadline) {
  RINGKV_ASSERT(is_open());
  for (int attempt = 0; attempt < 1000; ++attempt) {  // bounded: spurious wake-ups only
    RINGKV_RETURN_IF_ERROR(wait_until_ready(POLLIN, deadline));
    const ssize_t received = ::recv(socket_fd_, buffer, capacity, 0);
    if (received >= 0) return static_cast<size_t>(received);
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      return Status::io_error("recv: " + errno_text(errno));
    }
  }
  return Status::io_error("recv: no data after repeated wake-ups");
}

}  // namespace ringkv::runtime
