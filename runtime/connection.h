// Connection: one accepted HTTP/1.1 connection. Parses pipelined requests, hands each to the
// handler with a response slot, and writes responses strictly in request order, whenever
// each slot is completed. Owned by the server (heap, stable address) until on_closed().
#pragma once

#include <uv.h>

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "core/wire/http_message.h"
#include "core/wire/http_parser.h"

namespace ringkv::runtime {

// Requests parsed but not yet answered, per connection; reading pauses at this many.
inline constexpr size_t kMaxResponseSlotsPerConnection = 64;
// Response bytes handed to the kernel but not yet written; reading pauses above this.
inline constexpr size_t kMaxWriteQueueBytesPerConnection = 8u << 20;
// Bytes read from a socket per read callback (one shared buffer for the loop).
inline constexpr size_t kReadBufferBytes = 64 * 1024;
// After a closing response (errors, Connection: close), unread input is drained for at most
// this long before the close, so the kernel does not reset the connection (RST) and the
// client gets to read the response.
inline constexpr uint64_t kLingerBeforeCloseMs = 1000;

class Connection;

// Slow-client limits, checked by the server's sweep (Connection::check_timeouts).
struct ConnectionTimeouts {
  // A connection with no request in progress, nothing unanswered and nothing being written
  // is closed (silently, RFC 9112 9.8) after this long without a byte from the client.
  uint64_t idle_ms = 60000;
  // A request must arrive completely (headers and body) within this long of its first
  // byte; otherwise the client gets 408 and the connection is closed.
  uint64_t read_ms = 10000;
};

enum class TimeoutVerdict { kNone, kIdleClosed, kReadTimedOut };

class ConnectionHandler {
 public:
  virtual ~ConnectionHandler() = default;
  // A complete request. Answer it, now or later, with connection.complete(slot, ...).
  virtual void on_request(Connection& connection, uint64_t slot, wire::HttpRequest request) = 0;
  // The handle is closed; the handler may destroy the connection now.
  virtual void on_closed(Connection& connection) = 0;
  // A response is ready. True: the handler calls connection.flush_ready() later (once per
  // loop iteration, so that all responses ready by then share one write); false: the
  // connection writes it now.
  virtual bool defer_flush(Connection& connection) = 0;
};

class Connection {
 public:
  Connection(uv_loop_t* loop, uint64_t id, ConnectionHandler& handler,
             const wire::HttpLimits& limits);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&tcp_); }
  uint64_t id() const { return id_; }

  // Starts reading requests (after uv_accept into stream()).
  void start();
  // Answers with `response` without reading anything, then closes (e.g. over the limit).
  void refuse(const wire::HttpResponse& response);
  // Fills a slot; responses go out in slot order. Unknown or closed slots are ignored.
  void complete(uint64_t slot, const wire::HttpResponse& response);
  // Writes the responses ready at the head of the queue (after defer_flush()).
  void flush_ready();
  // Stops reading new requests; the connection closes once every slot was written.
  void drain_and_close();
  // Closes now (pending responses are dropped).
  void close();

  // Applies `timeouts` at loop time `now_ms` (uv_now). Reading pauses while the node owes
  // answers, so only time spent waiting for the client counts.
  TimeoutVerdict check_timeouts(uint64_t now_ms, const ConnectionTimeouts& timeouts);

  bool closing() const { return close_started_; }
  size_t open_slots() const { return slots_.size(); }

 private:
  struct Slot {
    uint64_t sequence = 0;
    bool ready = false;
    bool close_after = false;
    bool head = false;  // answers a HEAD request: no body, whatever the response holds
    std::string bytes;
  };

  static void on_alloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buffer);
  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buffer);
  static void on_write(uv_write_t* request, int status);
  static void on_close(uv_handle_t* handle);
  static void on_linger_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buffer);
  static void on_shutdown(uv_shutdown_t* request, int status);
  static void on_linger_timeout(uv_timer_t* timer);

  uint64_t open_slot(bool close_after, bool head = false);
  void take_requests();
  void flush();
  void write(std::vector<std::string> responses);
  void update_reading();
  void close_if_done();
  void linger_then_close();

  uv_tcp_t tcp_{};
  uv_timer_t linger_timer_{};
  uv_shutdown_t shutdown_request_{};
  uint64_t id_;
  ConnectionHandler& handler_;
  wire::HttpRequestParser parser_;
  std::deque<Slot> slots_;
  uint64_t next_sequence_ = 0;
  uint64_t last_activity_ms_ = 0;    // last byte read or written (uv_now)
  uint64_t message_started_ms_ = 0;  // when the request now being received began; 0: none
  size_t writes_in_flight_ = 0;
  bool reading_ = false;
  bool read_closed_ = false;  // no more requests taken: parser error, close, read error, drain
  bool finish_after_writes_ = false;  // close once slots and writes are done
  bool peer_closed_ = false;          // EOF or a read error: nothing left to drain
  bool lingering_ = false;
  bool flush_deferred_ = false;  // defer_flush() said yes and flush_ready() has not run yet
  bool close_started_ = false;
  int handles_open_ = 0;
};

}  // namespace ringkv::runtime
