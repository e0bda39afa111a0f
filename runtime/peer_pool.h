// PeerPool: the outgoing internal transport. Per peer, a bounded queue of encoded message
// frames and up to kConnectionsPerPeer persistent keep-alive connections that pipeline
// `POST /internal/batch` requests (every frame queued when a connection can write, up to
// the batch limits) and discard the 204 answers. Reconnects with capped
// exponential backoff; a full queue drops (and counts) the new message. Owned by the server.
#pragma once

#include <uv.h>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>

#include "core/messages.h"
#include "runtime/logger.h"
#include "runtime/metrics.h"

namespace ringkv::runtime {

inline constexpr size_t kConnectionsPerPeer = 2;
// The second connection opens only while this many messages wait.
inline constexpr size_t kSecondConnectionQueueThreshold = 64;
inline constexpr size_t kMaxPipelinedRequestsPerPeerConnection = 128;
inline constexpr size_t kMaxQueuedMessagesPerPeer = 8192;
inline constexpr size_t kMaxQueuedBytesPerPeer = 64u << 20;
inline constexpr uint64_t kReconnectBackoffInitialMs = 50;
inline constexpr uint64_t kReconnectBackoffMaxMs = 2000;
inline constexpr uint64_t kPeerConnectTimeoutMs = 2000;

class PeerConnection;
class PeerPool;

// Per-peer state of the pool. Lives as long as the pool (stable address).
// Per-peer state of the pool. Lives as long as the pool (stable address).
struct PeerLink {
  PeerPool* pool = nullptr;
  NodeId id;
  std::string address;
  std::deque<std::string> queue;  // encoded batch frames not yet written
  size_t queued_bytes = 0;
  PeerConnection* connections[kConnectionsPerPeer] = {};
  sockaddr_storage resolved{};
  bool have_resolved = false;
  bool resolving = false;
  uint64_t address_generation = 0;  // bumped when the address changes
  uint64_t backoff_ms = 0;          // 0: connect at once
  uint64_t next_attempt_ms = 0;     // loop time before which no connect starts
  uv_timer_t retry_timer{};
  bool logged_down = false;
  bool ever_connected = false;  // before the first connection, failures are expected (startup)
};

class PeerPool {
 public:
  // A batch body stays within `max_batch_body_bytes` (the receiver's internal body limit)
  // unless it holds a single message.
  PeerPool(uv_loop_t* loop, const Logger& logger, TransportCounters& counters,
           std::string cluster_token, size_t max_batch_body_bytes);
  ~PeerPool();
  PeerPool(const PeerPool&) = delete;
  PeerPool& operator=(const PeerPool&) = delete;

  // Queues `message` for node `to` at `address` ("host:port"); a changed address resets
  // the peer's connections. Nothing is written until flush().
  void send(const NodeId& to, const std::string& address, const Message& message);
  // Writes what the queues hold, one write per connection (once per loop iteration).
  void flush();
  size_t queued_messages() const;
  // Closes every connection and timer; later sends are dropped.
  void close_all();

  // Internal (used by PeerConnection and the timers).
  void pump(PeerLink& link);
  void connection_failed(PeerLink& link, PeerConnection* connection, const std::string& reason);
  void connection_ready(PeerLink& link);
  uv_loop_t* loop() const { return loop_; }
  const Logger& logger() const { return logger_; }
  TransportCounters& counters() { return counters_; }
  bool closed() const { return closed_; }

 private:
  PeerLink& link_for(const NodeId& to, const std::string& address);
  void start_connection(PeerLink& link, size_t index);
  void resolve(PeerLink& link);
  // Moves frames from the queue into one batch request (at least one frame).
  std::string take_batch(PeerLink& link);

  uv_loop_t* loop_;
  const Logger& logger_;
  TransportCounters& counters_;
  std::string cluster_token_;
  size_t max_batch_body_bytes_;
  std::map<NodeId, std::unique_ptr<PeerLink>> links_;
  bool closed_ = false;
};

}  // namespace ringkv::runtime
