// ClientConnection: one keep-alive TCP connection of kvbench on the generator's libuv
// loop. Keeps up to pipeline_depth requests in flight (asks LoadGenerator for each),
// parses answers with wire::HttpResponseParser, reports every request's end to the
// generator exactly once, and reopens itself after a failure with a backoff. Owned by
// LoadGenerator; lives until the loop has stopped.
#pragma once

#include <uv.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "core/wire/http_parser.h"
#include "tools/kvbench/bench_stats.h"
#include "tools/kvbench/request_builder.h"

namespace ringkv::tools {

class LoadGenerator;

struct InFlightRequest {
  BenchOperation operation = BenchOperation::kGet;
  uint64_t key_index = 0;
  uint64_t sent_ns = 0;  // uv_hrtime() just before the write
  bool preload = false;
};

inline constexpr uint64_t kReconnectBackoffMinMs = 10;
inline constexpr uint64_t kReconnectBackoffMaxMs = 1000;
inline constexpr size_t kReadBufferBytes = 64 * 1024;

class ClientConnection {
 public:
  ClientConnection(LoadGenerator& generator, uv_loop_t* loop, const sockaddr* address,
                   const RequestBuilder& builder, uint32_t pipeline_depth);
  ClientConnection(const ClientConnection&) = delete;
  ClientConnection& operator=(const ClientConnection&) = delete;

  void start();
  // Sends requests while there is room in the pipeline and the generator has some.
  void fill();
  // A connect or the oldest request older than `timeout_ns` fails the connection.
  void check_deadlines(uint64_t now_ns, uint64_t timeout_ns);
  // Closes every handle for good; requests in flight are dropped without a report.
  void shutdown();

 private:
  enum class State : uint8_t { kConnecting, kConnected, kClosing, kBackoff, kShutdown };
  struct WriteRequest;

  void connect();
  void write_pending();
  void take_responses();
  // Reports every request in flight as `outcome`, then reconnects after `delay_ms`.
  void fail(Outcome outcome, uint64_t delay_ms);
  void close_then_reconnect(uint64_t delay_ms);
  uint64_t next_backoff_ms();

  static void on_connect(uv_connect_t* request, int status);
  static void on_alloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buffer);
  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buffer);
  static void on_write(uv_write_t* request, int status);
  static void on_tcp_closed(uv_handle_t* handle);
  static void on_backoff(uv_timer_t* timer);

  LoadGenerator& generator_;
  uv_loop_t* loop_;
  const sockaddr* address_;
  const RequestBuilder& builder_;
  const uint32_t pipeline_depth_;

  State state_ = State::kShutdown;
  uv_tcp_t tcp_{};
  uv_connect_t connect_request_{};
  uv_timer_t backoff_timer_{};
  uint64_t connect_started_ns_ = 0;
  uint64_t generation_ = 0;  // one per TCP connection; stale write callbacks check it
  uint64_t backoff_ms_ = kReconnectBackoffMinMs;
  uint64_t reconnect_delay_ms_ = 0;
  bool shutdown_requested_ = false;
  std::unique_ptr<wire::HttpResponseParser> parser_;
  std::deque<InFlightRequest> in_flight_;
  std::string pending_bytes_;
  std::unique_ptr<char[]> read_buffer_;
};

}  // namespace ringkv::tools
