// Server: the kvnode process around one Node. One libuv loop: a TCP listener for client and
// internal HTTP, the peer transport, a tick timer, a prepare handle that commits and drains
// the Node after every loop iteration (node.h's order), and SIGTERM/SIGINT shutdown.
// Built once by main(); run() returns the process exit code.
#pragma once

#include <uv.h>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>

#include "core/driver/node_driver.h"
#include "core/node/node.h"
#include "core/wire/codec.h"
#include "runtime/connection.h"
#include "runtime/event_log.h"
#include "runtime/logger.h"
#include "runtime/metrics.h"
#include "runtime/node_storage.h"
#include "runtime/options.h"
#include "runtime/peer_pool.h"
#include "runtime/router.h"

namespace ringkv::runtime {

inline constexpr int kListenBacklog = 511;
// Connections answered 503 over --max-connections at once; more are closed without answer.
inline constexpr size_t kMaxRefusingConnections = 64;
// Keys merged per compaction step; one step per loop iteration while a compaction runs.
inline constexpr size_t kCompactionStepEntries = 512;
// Exit status when a store failed for good (a failed WAL sync or manifest update): the
// node stops so that a restart recovers from what the disk holds (docs/runtime.md).
inline constexpr int kExitStoreFailed = 3;
// Exit status of a node that learnt it was removed from the cluster (kvctl removenode ran
// while it was cut off, or still running): its data dir is no longer a member's.
inline constexpr int kExitRemoved = 4;
// After the shutdown grace, connections that still have not flushed are closed after this.
inline constexpr uint64_t kShutdownFlushMs = 500;

class Server final : public ConnectionHandler, private DriverHost {
 public:
  Server(RuntimeOptions options, Logger& logger);
  ~Server() override;
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Opens storage, builds the Node, binds the listener. A failure is logged by the caller.
  Status start();
  // Runs the loop until shutdown; returns the exit code (0 after a clean shutdown).
  int run();

  void on_request(Connection& connection, uint64_t slot, wire::HttpRequest request) override;
  void on_closed(Connection& connection) override;
  bool defer_flush(Connection& connection) override;

 private:
  struct PendingClient {
    uint64_t connection_id = 0;
    uint64_t slot = 0;
    ClientOp op = ClientOp::kGet;
    Route route = Route::kUnknown;
    uint64_t started_ns = 0;
  };

  // server.cc: lifetime, listener, signals.
  Status bind_listener();
  Status write_port_file() const;
  static void on_connection(uv_stream_t* listener, int status);
  static void on_signal(uv_signal_t* handle, int signal_number);
  static void on_grace_timer(uv_timer_t* timer);
  static void on_flush_timer(uv_timer_t* timer);
  static void on_sweep_timer(uv_timer_t* timer);
  void begin_shutdown(int signal_number);
  void fail_pending_clients(const std::string& reason);
  void finish();

  // server_requests.cc: answering HTTP requests.
  void handle_internal(Connection& connection, uint64_t slot, const wire::HttpRequest& request,
                       uint64_t started_ns);
  // Stops taking client requests and finishes once those in flight are answered (or the
  // grace period ends); `why` goes in the log line.
  void shut_down(const std::string& why);
  void handle_admin(Connection& connection, uint64_t slot, Route route, bool ready_only,
                    const std::string& admin_node_id, uint64_t started_ns);
  void answer(Connection& connection, uint64_t slot, Route route,
              const wire::HttpResponse& response, uint64_t started_ns);
  void deliver_reply(const Reply& reply);
  Connection* find_connection(uint64_t id);
  size_t open_connections() const { return connections_.size() - refusing_.size(); }

  // server_drive.cc: the NodeDriver's host (libuv timers, the thread pool, sockets).
  static void on_prepare(uv_prepare_t* handle);
  static void on_tick_timer(uv_timer_t* timer);
  void drive();
  void after_driving(uint64_t wake_ms, uint64_t now_ms);
  void send(Envelope envelope) override;
  void reply(Reply reply) override;
  void flush() override;
  void start_sync(std::function<Status()> run) override;
  static void on_sync_work(uv_work_t* request);
  static void on_sync_done(uv_work_t* request, int status);
  void start_compaction(size_t store, std::function<Status()> run) override;
  static void on_compaction_work(uv_work_t* request);
  static void on_compaction_done(uv_work_t* request, int status);
  void flush_ready_connections();
  void stop_on_store_failure();

  RuntimeOptions options_;
  Logger& logger_;
  uv_loop_t loop_{};
  bool loop_ready_ = false;
  uv_tcp_t listener_{};
  uv_prepare_t prepare_{};
  uv_timer_t tick_timer_{};
  uv_timer_t grace_timer_{};
  uv_timer_t flush_timer_{};
  uv_timer_t sweep_timer_{};  // slow-client timeouts (Connection::check_timeouts)
  uv_signal_t sigterm_{};
  uv_signal_t sigint_{};
  wire::HttpLimits http_limits_;
  wire::MessageDecoder decoder_;  // reused for every internal request
  std::unique_ptr<NodeStorage> storage_;
  std::unique_ptr<Node> node_;
  std::unique_ptr<NodeDriver> driver_;
  std::vector<Envelope> outgoing_;  // sent by the driver, written at flush()
  RuntimeMetrics metrics_;
  std::unique_ptr<PeerPool> peers_;
  std::map<uint64_t, std::unique_ptr<Connection>> connections_;
  std::set<uint64_t> refusing_;
  std::vector<uint64_t> flush_ready_;  // connections with responses to write in drive()
  // --sync always: one store sync at a time runs on libuv's thread pool while the loop
  // goes on (NodeDriver decides when; server_drive.cc runs it).
  struct BackgroundSync {
    uv_work_t request{};
    bool running = false;
    std::function<Status()> run;
    Status result;
  };
  BackgroundSync sync_;
  // Compactions (one per store at a time) run whole on the thread pool as well.
  struct BackgroundCompaction {
    uv_work_t request{};
    Server* server = nullptr;
    size_t store = 0;
    bool running = false;
    std::function<Status()> run;
    Status result;
  };
  BackgroundCompaction compactions_[2];  // data, hints
  std::map<uint64_t, PendingClient> pending_;  // by Node request id
  uint64_t next_connection_id_ = 1;
  uint64_t next_request_id_ = 1;
  bool shutting_down_ = false;
  bool logged_disk_full_ = false;  // the last state of Node::disk_full() that was logged
  uint64_t trimmed_at_table_changes_ = 0;  // LsmStore::table_changes() at the last trim
  std::unique_ptr<EventLog> events_;  // peer states, hints, repairs, flushes as log lines
  bool finished_ = false;
  int exit_code_ = 0;
};

}  // namespace ringkv::runtime
