#include "runtime/peer_connection.h"

#include <memory>

#include "runtime/owned_write.h"
#include "runtime/peer_pool.h"

namespace ringkv::runtime {

using RequestWrite = OwnedWrite<PeerConnection>;

PeerConnection::PeerConnection(PeerPool& pool, PeerLink& link) : pool_(pool), link_(link) {}

bool PeerConnection::connect(const sockaddr* address) {
  uv_tcp_init(pool_.loop(), &tcp_);
  tcp_.data = this;
  handles_open_++;
  uv_timer_init(pool_.loop(), &connect_timer_);
  connect_timer_.data = this;
  handles_open_++;
  connect_request_.data = this;
  int status = uv_tcp_connect(&connect_request_, &tcp_, address, on_connect);
  if (status != 0) return false;
  uv_timer_start(&connect_timer_, on_connect_timeout, kPeerConnectTimeoutMs, 0);
  return true;
}

void PeerConnection::on_connect(uv_connect_t* request, int status) {
  auto* self = static_cast<PeerConnection*>(request->data);
  if (self->closing_) return;
  uv_timer_stop(&self->connect_timer_);
  if (status != 0) {
    self->fail(std::string("connect: ") + uv_strerror(status));
    return;
  }
  uv_tcp_nodelay(&self->tcp_, 1);
  int reading = uv_read_start(reinterpret_cast<uv_stream_t*>(&self->tcp_), on_alloc, on_read);
  if (reading != 0) {
    self->fail(std::string("read: ") + uv_strerror(reading));
    return;
  }
  self->connected_ = true;
  self->pool_.connection_ready(self->link_);
}

void PeerConnection::on_connect_timeout(uv_timer_t* timer) {
  auto* self = static_cast<PeerConnection*>(timer->data);
  if (!self->closing_ && !self->connected_) self->fail("connect timed out");
}

void PeerConnection::write(std::vector<std::string> requests) {
  if (requests.empty()) return;
  const size_t count = requests.size();
  int status = RequestWrite::start(reinterpret_cast<uv_stream_t*>(&tcp_), this,
                                   std::move(requests), on_write);
  if (status != 0) {
    fail(std::string("write: ") + uv_strerror(status));
    return;
  }
  in_flight_ += count;
}

void PeerConnection::on_write(uv_write_t* raw, int status) {
  PeerConnection* self = RequestWrite::finish(raw)->owner;
  if (self->closing_) return;
  if (status != 0) self->fail(std::string("write: ") + uv_strerror(status));
}

void PeerConnection::on_alloc(uv_handle_t*, size_t, uv_buf_t* buffer) {
  static char shared[16 * 1024];  // answers are tiny 204s; consumed inside on_read
  *buffer = uv_buf_init(shared, sizeof(shared));
}

void PeerConnection::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buffer) {
  auto* self = static_cast<PeerConnection*>(stream->data);
  if (self->closing_ || nread == 0) return;
  if (nread < 0) {
    self->fail(nread == UV_EOF ? "peer closed the connection"
                               : uv_strerror(static_cast<int>(nread)));
    return;
  }
  Status fed = self->parser_.feed(std::string_view(buffer->base, static_cast<size_t>(nread)));
  self->take_responses();
  if (!fed.ok() && !self->closing_) self->fail("bad response: " + fed.message());
}

void PeerConnection::take_responses() {
  while (!closing_) {
    std::optional<wire::HttpResponse> response = parser_.next();
    if (!response) break;
    if (in_flight_ > 0) in_flight_--;
    if (response->status != 204) {
      pool_.logger().warn("peer " + link_.id + " answered " + std::to_string(response->status) +
                          " to an internal message: " + response->body.substr(0, 200));
    }
    if (!response->keep_alive) {
      fail("peer asked to close the connection");
      return;
    }
  }
  if (!closing_) pool_.pump(link_);
}

void PeerConnection::fail(const std::string& reason) {
  if (closing_) return;
  pool_.connection_failed(link_, this, reason);  // the pool forgets us and calls close()
}

void PeerConnection::close() {
  if (closing_) return;
  closing_ = true;
  connected_ = false;
  if (handles_open_ == 0) {
    delete this;
    return;
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), on_handle_closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&connect_timer_), on_handle_closed);
}

void PeerConnection::on_handle_closed(uv_handle_t* handle) {
  auto* self = static_cast<PeerConnection*>(handle->data);
  if (--self->handles_open_ == 0) delete self;
}

}  // namespace ringkv::runtime
