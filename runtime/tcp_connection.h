// TcpConnection: one client TCP connection whose every call is bounded by a deadline.
// connect() resolves the host and tries its addresses, each with a timeout; send_all()
// and receive_some() wait with poll() so that no call blocks past the caller's deadline.
// Owns its socket (closed on destruction); move-only; one thread at a time.
#pragma once

#include <poll.h>

#include <chrono>
#include <cstddef>
#include <string_view>

#include "core/status.h"
#include "core/host_port.h"

namespace ringkv::runtime {

using Deadline = std::chrono::steady_clock::time_point;

Deadline deadline_after_ms(int milliseconds);

class TcpConnection {
 public:
  // Errors: unavailable ("cannot connect to HOST:PORT: <reason>") when no address of the
  // host accepts within `timeout_ms` each (at most kMaxAddressesTried addresses).
  static Result<TcpConnection> connect(const HostPort& address, int timeout_ms);
  static constexpr int kMaxAddressesTried = 4;

  TcpConnection(TcpConnection&& other) noexcept;
  TcpConnection& operator=(TcpConnection&& other) noexcept;
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;
  ~TcpConnection();

  // Errors: timeout when the deadline passes, io_error when the peer resets the connection.
  Status send_all(std::string_view bytes, Deadline deadline);
  // Reads at most `capacity` bytes; 0 means the peer closed its side. Same errors as send_all.
  Result<size_t> receive_some(char* buffer, size_t capacity, Deadline deadline);

  // Half-closes the sending side (the peer reads EOF; answers can still be read).
  Status shutdown_write();
  // True when bytes (or EOF) can be read before `deadline`; reads nothing.
  bool readable(Deadline deadline) { return wait_until_ready(POLLIN, deadline).ok(); }

  bool is_open() const { return socket_fd_ >= 0; }
  void close();

 private:
  explicit TcpConnection(int socket_fd) : socket_fd_(socket_fd) {}
  // Waits until the socket is readable (POLLIN) or writable (POLLOUT), or the deadline.
  Status wait_until_ready(short events, Deadline deadline);

  int socket_fd_ = -1;
};

}  // namespace ringkv::runtime
