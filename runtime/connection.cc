#include "runtime/connection.h"

#include <memory>

#include "core/wire/http_writer.h"
#include "runtime/owned_write.h"
#include "runtime/router.h"

namespace ringkv::runtime {

using ResponseWrite = OwnedWrite<Connection>;

Connection::Connection(uv_loop_t* loop, uint64_t id, ConnectionHandler& handler,
                       const wire::HttpLimits& limits)
    : id_(id), handler_(handler), parser_(limits) {
  uv_tcp_init(loop, &tcp_);
  tcp_.data = this;
  uv_timer_init(loop, &linger_timer_);
  linger_timer_.data = this;
  handles_open_ = 2;
}

void Connection::start() {
  last_activity_ms_ = uv_now(tcp_.loop);
  uv_tcp_nodelay(&tcp_, 1);
  update_reading();
}

void Connection::refuse(const wire::HttpResponse& response) {
  read_closed_ = true;
  complete(open_slot(true), response);
}

uint64_t Connection::open_slot(bool close_after, bool head) {
  uint64_t sequence = next_sequence_++;
  slots_.push_back(Slot{sequence, false, close_after, head, {}});
  return sequence;
}

void Connection::complete(uint64_t slot, const wire::HttpResponse& response) {
  if (close_started_ || slots_.empty()) return;
  uint64_t first = slots_.front().sequence;
  if (slot < first || slot - first >= slots_.size()) return;
  Slot& target = slots_[slot - first];
  if (target.ready) return;
  target.ready = true;
  target.close_after = target.close_after || !response.keep_alive;
  if (target.close_after && response.keep_alive) {
    wire::HttpResponse closing = response;
    closing.keep_alive = false;
    target.bytes = wire::serialize(closing, target.head);
  } else {
    target.bytes = wire::serialize(response, target.head);
  }
  if (flush_deferred_) return;
  if (handler_.defer_flush(*this)) {
    flush_deferred_ = true;
    return;
  }
  flush();
}

void Connection::flush_ready() {
  flush_deferred_ = false;
  if (!close_started_) flush();
}

void Connection::flush() {
  // Every response ready at the head of the queue goes out in one write (one writev).
  std::vector<std::string> ready;
  while (!close_started_ && !slots_.empty() && slots_.front().ready) {
    Slot slot = std::move(slots_.front());
    slots_.pop_front();
    ready.push_back(std::move(slot.bytes));
    if (slot.close_after) {
      read_closed_ = true;
      finish_after_writes_ = true;
      slots_.clear();  // nothing after a closing response is answered
    }
  }
  if (!ready.empty()) write(std::move(ready));
  update_reading();
  close_if_done();
}

void Connection::write(std::vector<std::string> responses) {
  if (close_started_) return;
  if (ResponseWrite::start(stream(), this, std::move(responses), on_write) != 0) {
    close();
    return;
  }
  writes_in_flight_++;
}

void Connection::on_write(uv_write_t* raw, int status) {
  Connection* self = ResponseWrite::finish(raw)->owner;
  self->writes_in_flight_--;
  self->last_activity_ms_ = uv_now(self->tcp_.loop);
  if (status != 0) {
    self->close();
    return;
  }
  self->update_reading();
  self->take_requests();
  self->close_if_done();
}

void Connection::on_alloc(uv_handle_t*, size_t, uv_buf_t* buffer) {
  static char shared[kReadBufferBytes];  // single-threaded loop: consumed inside on_read
  *buffer = uv_buf_init(shared, sizeof(shared));
}

void Connection::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buffer) {
  auto* self = static_cast<Connection*>(stream->data);
  if (nread == 0 || self->close_started_) return;
  if (nread < 0) {
    // EOF: the requests already received are still answered (a half-closed client).
    self->peer_closed_ = true;
    self->finish_after_writes_ = true;
    if (nread != UV_EOF) {
      self->read_closed_ = true;
      self->slots_.clear();
    }
    self->take_requests();
    self->close_if_done();
    return;
  }
  uint64_t now_ms = uv_now(self->tcp_.loop);
  self->last_activity_ms_ = now_ms;
  bool was_in_message = self->parser_.in_message();
  uint64_t taken_before = self->next_sequence_;
  Status fed = self->parser_.feed(std::string_view(buffer->base, static_cast<size_t>(nread)));
  (void)fed;  // a parser error is answered once the requests before it are taken
  self->take_requests();
  // The read timeout runs from the first byte of the request still incomplete.
  if (!self->parser_.in_message()) {
    self->message_started_ms_ = 0;
  } else if (!was_in_message || self->next_sequence_ != taken_before ||
             self->message_started_ms_ == 0) {
    self->message_started_ms_ = now_ms;
  }
}

TimeoutVerdict Connection::check_timeouts(uint64_t now_ms, const ConnectionTimeouts& timeouts) {
  if (close_started_ || lingering_ || read_closed_ || peer_closed_) return TimeoutVerdict::kNone;
  // Waiting for the client only: not while requests are unanswered or responses unwritten.
  if (!reading_ || !slots_.empty() || writes_in_flight_ != 0) return TimeoutVerdict::kNone;
  if (parser_.in_message()) {
    if (message_started_ms_ == 0 || now_ms - message_started_ms_ < timeouts.read_ms) {
      return TimeoutVerdict::kNone;
    }
    read_closed_ = true;
    complete(open_slot(true),
             closing_error_response(408, "request not received within read_timeout_ms=" +
                                             std::to_string(timeouts.read_ms)));
    return TimeoutVerdict::kReadTimedOut;
  }
  if (now_ms - last_activity_ms_ < timeouts.idle_ms) return TimeoutVerdict::kNone;
  close();
  return TimeoutVerdict::kIdleClosed;
}

void Connection::take_requests() {
  while (!read_closed_ && !close_started_ && slots_.size() < kMaxResponseSlotsPerConnection) {
    std::optional<wire::HttpRequest> request = parser_.next();
    if (!request) break;
    if (!request->keep_alive) read_closed_ = true;
    uint64_t slot = open_slot(!request->keep_alive, request->method == "HEAD");
    handler_.on_request(*this, slot, std::move(*request));
  }
  if (!read_closed_ && parser_.failed() && parser_.pending_messages() == 0) {
    read_closed_ = true;
    uint64_t slot = open_slot(true);
    complete(slot, closing_error_response(parser_.error_http_status(), parser_.error().message()));
  }
  update_reading();
}

void Connection::update_reading() {
  if (close_started_ || lingering_) return;
  bool want = !read_closed_ && !peer_closed_ && slots_.size() < kMaxResponseSlotsPerConnection &&
              parser_.pending_messages() == 0 &&
              uv_stream_get_write_queue_size(stream()) < kMaxWriteQueueBytesPerConnection;
  if (want && !reading_) {
    if (uv_read_start(stream(), on_alloc, on_read) == 0) reading_ = true;
  } else if (!want && reading_) {
    uv_read_stop(stream());
    reading_ = false;
  }
}

void Connection::drain_and_close() {
  read_closed_ = true;
  finish_after_writes_ = true;
  update_reading();
  close_if_done();
}

void Connection::close_if_done() {
  if (!finish_after_writes_ || !slots_.empty() || writes_in_flight_ != 0) return;
  if (!read_closed_ && parser_.pending_messages() > 0) return;  // requests still to take
  if (peer_closed_) {
    close();
  } else {
    linger_then_close();
  }
}

void Connection::linger_then_close() {
  if (lingering_ || close_started_) return;
  lingering_ = true;
  if (reading_) uv_read_stop(stream());
  reading_ = false;
  shutdown_request_.data = this;
  if (uv_shutdown(&shutdown_request_, stream(), on_shutdown) != 0 ||
      uv_read_start(stream(), on_alloc, on_linger_read) != 0) {
    close();
    return;
  }
  uv_timer_start(&linger_timer_, on_linger_timeout, kLingerBeforeCloseMs, 0);
}

void Connection::on_shutdown(uv_shutdown_t* request, int status) {
  auto* self = static_cast<Connection*>(request->data);
  if (status != 0) self->close();
}

void Connection::on_linger_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t*) {
  if (nread < 0) static_cast<Connection*>(stream->data)->close();  // EOF: the client is done
}

void Connection::on_linger_timeout(uv_timer_t* timer) {
  static_cast<Connection*>(timer->data)->close();
}

void Connection::close() {
  if (close_started_) return;
  close_started_ = true;
  slots_.clear();
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), on_close);
  uv_close(reinterpret_cast<uv_handle_t*>(&linger_timer_), on_close);
}

void Connection::on_close(uv_handle_t* handle) {
  auto* self = static_cast<Connection*>(handle->data);
  if (--self->handles_open_ == 0) self->handler_.on_closed(*self);
}

}  // namespace ringkv::runtime
