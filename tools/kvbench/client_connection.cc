#include "tools/kvbench/client_connection.h"

#include <algorithm>

#include "core/assert.h"
#include "tools/kvbench/load_generator.h"

namespace ringkv::tools {

struct ClientConnection::WriteRequest {
  uv_write_t request{};
  std::string bytes;
  ClientConnection* connection = nullptr;
  uint64_t generation = 0;
};

ClientConnection::ClientConnection(LoadGenerator& generator, uv_loop_t* loop,
                                   const sockaddr* address, const RequestBuilder& builder,
                                   uint32_t pipeline_depth)
    : generator_(generator),
      loop_(loop),
      address_(address),
      builder_(builder),
      pipeline_depth_(pipeline_depth),
      read_buffer_(new char[kReadBufferBytes]) {
  RINGKV_ASSERT(pipeline_depth_ >= 1);
}

void ClientConnection::start() {
  uv_timer_init(loop_, &backoff_timer_);
  backoff_timer_.data = this;
  connect();
}

void ClientConnection::connect() {
  RINGKV_ASSERT(in_flight_.empty());
  state_ = State::kConnecting;
  generation_++;
  parser_ = std::make_unique<wire::HttpResponseParser>();
  uv_tcp_init(loop_, &tcp_);
  tcp_.data = this;
  connect_request_.data = this;
  connect_started_ns_ = uv_hrtime();
  if (uv_tcp_connect(&connect_request_, &tcp_, address_, on_connect) != 0) {
    generator_.connect_failed();
    close_then_reconnect(next_backoff_ms());
  }
}

void ClientConnection::on_connect(uv_connect_t* request, int status) {
  auto* self = static_cast<ClientConnection*>(request->data);
  if (self->state_ != State::kConnecting) return;  // timed out or shut down meanwhile
  auto* stream = reinterpret_cast<uv_stream_t*>(&self->tcp_);
  if (status == 0) status = uv_read_start(stream, on_alloc, on_read);
  if (status != 0) {
    self->generator_.connect_failed();
    self->close_then_reconnect(self->next_backoff_ms());
    return;
  }
  uv_tcp_nodelay(&self->tcp_, 1);
  self->state_ = State::kConnected;
  self->fill();
}

void ClientConnection::fill() {
  if (state_ != State::kConnected) return;
  const uint64_t now_ns = uv_hrtime();
  while (in_flight_.size() < pipeline_depth_) {
    std::optional<InFlightRequest> request = generator_.take_request();
    if (!request.has_value()) break;
    request->sent_ns = now_ns;
    builder_.append(request->operation, request->key_index, pending_bytes_);
    in_flight_.push_back(*request);
  }
  write_pending();
}

// Most writes of a few hundred bytes go out at once with uv_try_write; the rest is
// queued with uv_write in a request that owns a copy.
void ClientConnection::write_pending() {
  if (pending_bytes_.empty()) return;
  auto* stream = reinterpret_cast<uv_stream_t*>(&tcp_);
  uv_buf_t buffer =
      uv_buf_init(pending_bytes_.data(), static_cast<unsigned>(pending_bytes_.size()));
  int written = uv_try_write(stream, &buffer, 1);
  if (written == UV_EAGAIN) written = 0;
  if (written < 0) {
    pending_bytes_.clear();
    fail(Outcome::kConnection, next_backoff_ms());
    return;
  }
  if (static_cast<size_t>(written) == pending_bytes_.size()) {
    pending_bytes_.clear();
    return;
  }
  auto request = std::make_unique<WriteRequest>();
  request->bytes = pending_bytes_.substr(static_cast<size_t>(written));
  request->connection = this;
  request->generation = generation_;
  request->request.data = request.get();
  pending_bytes_.clear();
  uv_buf_t rest = uv_buf_init(request->bytes.data(), static_cast<unsigned>(request->bytes.size()));
  if (uv_write(&request->request, stream, &rest, 1, on_write) != 0) {
    fail(Outcome::kConnection, next_backoff_ms());
    return;
  }
  request.release();  // on_write deletes it
}

void ClientConnection::on_write(uv_write_t* request, int status) {
  std::unique_ptr<WriteRequest> owned(static_cast<WriteRequest*>(request->data));
  ClientConnection* self = owned->connection;
  if (status == 0 || status == UV_ECANCELED) return;
  if (self->generation_ != owned->generation || self->state_ != State::kConnected) return;
  self->fail(Outcome::kConnection, self->next_backoff_ms());
}

void ClientConnection::on_alloc(uv_handle_t* handle, size_t, uv_buf_t* buffer) {
  auto* self = static_cast<ClientConnection*>(handle->data);
  *buffer = uv_buf_init(self->read_buffer_.get(), kReadBufferBytes);
}

void ClientConnection::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buffer) {
  auto* self = static_cast<ClientConnection*>(stream->data);
  if (nread == 0 || self->state_ != State::kConnected) return;
  if (nread < 0) {
    // A server closing an idle keep-alive connection is not an error; losing requests is.
    if (self->in_flight_.empty()) {
      self->close_then_reconnect(self->next_backoff_ms());
    } else {
      self->fail(Outcome::kConnection, self->next_backoff_ms());
    }
    return;
  }
  const Status fed =
      self->parser_->feed(std::string_view(buffer->base, static_cast<size_t>(nread)));
  self->take_responses();
  if (self->state_ != State::kConnected) return;
  if (!fed.ok()) {
    self->fail(Outcome::kProtocol, self->next_backoff_ms());
    return;
  }
  self->fill();
}

void ClientConnection::take_responses() {
  while (std::optional<wire::HttpResponse> response = parser_->next()) {
    if (in_flight_.empty()) {  // an answer nobody asked for
      fail(Outcome::kProtocol, next_backoff_ms());
      return;
    }
    const InFlightRequest request = in_flight_.front();
    in_flight_.pop_front();
    const Completion completion =
        classify_response(generator_.target(), request.operation, response->status, response->body);
    if (completion.outcome == Outcome::kOk) backoff_ms_ = kReconnectBackoffMinMs;
    generator_.complete(request, completion, uv_hrtime());
    if (!response->keep_alive) {  // the server ends the connection: reopen it at once
      fail(Outcome::kConnection, 0);
      return;
    }
  }
}

void ClientConnection::check_deadlines(uint64_t now_ns, uint64_t timeout_ns) {
  if (state_ == State::kConnecting && now_ns - connect_started_ns_ > timeout_ns) {
    generator_.connect_failed();
    close_then_reconnect(next_backoff_ms());
  } else if (state_ == State::kConnected && !in_flight_.empty() &&
             now_ns - in_flight_.front().sent_ns > timeout_ns) {
    fail(Outcome::kTimeout, next_backoff_ms());
  }
}

void ClientConnection::fail(Outcome outcome, uint64_t delay_ms) {
  RINGKV_ASSERT(state_ == State::kConnected || state_ == State::kConnecting);
  const uint64_t now_ns = uv_hrtime();
  std::deque<InFlightRequest> lost;
  lost.swap(in_flight_);
  for (const InFlightRequest& request : lost) generator_.complete(request, {outcome, 0}, now_ns);
  close_then_reconnect(delay_ms);
}

void ClientConnection::close_then_reconnect(uint64_t delay_ms) {
  in_flight_.clear();
  state_ = State::kClosing;
  reconnect_delay_ms_ = delay_ms;
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), on_tcp_closed);
}

void ClientConnection::on_tcp_closed(uv_handle_t* handle) {
  auto* self = static_cast<ClientConnection*>(handle->data);
  if (self->shutdown_requested_) {
    self->state_ = State::kShutdown;
    return;
  }
  self->state_ = State::kBackoff;
  uv_timer_start(&self->backoff_timer_, on_backoff, self->reconnect_delay_ms_, 0);
}

void ClientConnection::on_backoff(uv_timer_t* timer) {
  auto* self = static_cast<ClientConnection*>(timer->data);
  if (!self->shutdown_requested_) self->connect();
}

uint64_t ClientConnection::next_backoff_ms() {
  const uint64_t delay_ms = backoff_ms_;
  backoff_ms_ = std::min(backoff_ms_ * 2, kReconnectBackoffMaxMs);
  return delay_ms;
}

void ClientConnection::shutdown() {
  if (shutdown_requested_) return;
  shutdown_requested_ = true;
  in_flight_.clear();
  uv_close(reinterpret_cast<uv_handle_t*>(&backoff_timer_), nullptr);
  if (state_ == State::kConnecting || state_ == State::kConnected) {
    state_ = State::kClosing;
    uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), on_tcp_closed);
  } else if (state_ == State::kBackoff) {
    state_ = State::kShutdown;
  }
}

}  // namespace ringkv::tools
