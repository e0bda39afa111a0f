// LoadGenerator: runs one kvbench run on its own libuv loop: connects every connection,
// then preload (optional: every key written once), warm-up (answers not counted) and the
// measured window, then closes everything. Every phase is bounded in time, and the whole
// run by a hard deadline, so run() always returns. Single-threaded.
#pragma once

#include <sys/socket.h>
#include <uv.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "core/prng.h"
#include "tools/kvbench/bench_stats.h"
#include "tools/kvbench/client_connection.h"
#include "tools/kvbench/kvbench_options.h"
#include "tools/kvbench/request_builder.h"

namespace ringkv::tools {

// The preload gives up when no key was written for this long (the servers are not
// answering), and in any case after kMaxPreloadSeconds.
inline constexpr uint64_t kPreloadStallMs = 10'000;
inline constexpr uint64_t kMaxPreloadSeconds = 600;
// Deadlines and phase changes are checked on this tick.
inline constexpr uint64_t kTickMs = 10;
// Added to the sum of the phases' durations for the hard deadline of a run.
inline constexpr uint64_t kHardDeadlineSlackMs = 10'000;

class LoadGenerator {
 public:
  // `addresses[i]` is the resolved options.hosts[i].
  LoadGenerator(const KvbenchOptions& options, std::vector<sockaddr_storage> addresses);
  LoadGenerator(const LoadGenerator&) = delete;
  LoadGenerator& operator=(const LoadGenerator&) = delete;
  ~LoadGenerator();

  RunResult run();

  // For ClientConnection.
  BenchTarget target() const { return options_.target; }
  // The next request to send, or nullopt when the current phase wants no more.
  std::optional<InFlightRequest> take_request();
  // Every request taken ends here exactly once (unless the run has ended).
  void complete(const InFlightRequest& request, const Completion& completion, uint64_t now_ns);
  void connect_failed();

 private:
  enum class Phase : uint8_t { kPreload, kWarmup, kMeasure, kDone };

  static void on_tick(uv_timer_t* timer);
  void tick(uint64_t now_ns);
  void complete_preload(const InFlightRequest& request, const Completion& completion,
                        uint64_t now_ns);
  void begin_warmup(uint64_t now_ns);
  void begin_measure(uint64_t now_ns);
  void finish(uint64_t now_ns);
  BenchOperation draw_operation();

  const KvbenchOptions& options_;
  std::vector<sockaddr_storage> addresses_;
  std::vector<RequestBuilder> builders_;  // one per host
  std::vector<std::unique_ptr<ClientConnection>> connections_;
  uv_loop_t loop_{};
  uv_timer_t tick_timer_{};
  Prng prng_;

  Phase phase_ = Phase::kPreload;
  bool kick_pending_ = false;  // idle connections must be asked to fill()
  bool closed_ = false;
  uint64_t run_started_ns_ = 0;
  uint64_t hard_deadline_ns_ = 0;
  uint64_t phase_started_ns_ = 0;
  uint64_t measured_issued_ = 0;

  uint64_t preload_next_key_ = 0;
  uint64_t preload_written_ = 0;
  uint64_t preload_progress_ns_ = 0;
  std::deque<uint64_t> preload_retry_keys_;

  double cpu_seconds_at_measure_start_ = 0;
  RunResult result_;
};

}  // namespace ringkv::tools
