// PeerConnection: one outgoing keep-alive TCP connection to a peer, used by PeerPool.
// Writes pre-encoded internal requests (pipelined), parses and discards the answers, and
// reports failure to the pool. Heap-allocated; deletes itself once its handle is closed.
#pragma once

#include <uv.h>

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "core/types.h"
#include "core/wire/http_parser.h"

namespace ringkv::runtime {

class PeerPool;
struct PeerLink;

class PeerConnection {
 public:
  PeerConnection(PeerPool& pool, PeerLink& link);
  PeerConnection(const PeerConnection&) = delete;
  PeerConnection& operator=(const PeerConnection&) = delete;

  // Starts connecting to `address`; false if the attempt could not even start.
  bool connect(const sockaddr* address);
  bool connected() const { return connected_; }
  size_t in_flight() const { return in_flight_; }
  // Writes encoded requests in one write; the pool checks connected() and in_flight() first.
  void write(std::vector<std::string> requests);
  // Closes the handle; the object deletes itself afterwards. Never reports failure.
  void close();

 private:
  ~PeerConnection() = default;

  static void on_connect(uv_connect_t* request, int status);
  static void on_alloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buffer);
  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buffer);
  static void on_write(uv_write_t* request, int status);
  static void on_connect_timeout(uv_timer_t* timer);
  static void on_handle_closed(uv_handle_t* handle);
  void fail(const std::string& reason);
  void take_responses();

  PeerPool& pool_;
  PeerLink& link_;
  uv_tcp_t tcp_{};
  uv_timer_t connect_timer_{};
  uv_connect_t connect_request_{};
  wire::HttpResponseParser parser_;
  size_t in_flight_ = 0;
  bool connected_ = false;
  bool closing_ = false;
  int handles_open_ = 0;
};

}  // namespace ringkv::runtime
