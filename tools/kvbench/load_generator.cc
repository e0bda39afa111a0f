#include "tools/kvbench/load_generator.h"

#include <sys/resource.h>

#include <algorithm>

#include "core/assert.h"

namespace ringkv::tools {
namespace {

constexpr uint64_t kNanosecondsPerMs = 1'000'000;
constexpr double kNanosecondsPerSecond = 1e9;

double seconds_between(uint64_t start_ns, uint64_t end_ns) {
  return static_cast<double>(end_ns - start_ns) / kNanosecondsPerSecond;
}

// User plus system CPU time of this process so far.
double process_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& time) {
    return static_cast<double>(time.tv_sec) + static_cast<double>(time.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace

LoadGenerator::LoadGenerator(const KvbenchOptions& options, std::vector<sockaddr_storage> addresses)
    : options_(options), addresses_(std::move(addresses)), prng_(options.seed) {
  RINGKV_ASSERT(addresses_.size() == options_.hosts.size() && !addresses_.empty());
  RINGKV_ASSERT(uv_loop_init(&loop_) == 0);
  const std::string value = bench_value(options_.seed, options_.value_bytes);
  builders_.reserve(options_.hosts.size());
  for (const HostPort& host : options_.hosts) {
    builders_.emplace_back(options_.target, host.to_string(), value);
  }
  for (uint32_t index = 0; index < options_.connections; ++index) {
    const size_t host = index % addresses_.size();
    connections_.push_back(std::make_unique<ClientConnection>(
        *this, &loop_, reinterpret_cast<const sockaddr*>(&addresses_[host]), builders_[host],
        options_.pipeline_depth));
  }
}

LoadGenerator::~LoadGenerator() {
  connections_.clear();
  uv_loop_close(&loop_);
}

RunResult LoadGenerator::run() {
  const uint64_t now_ns = uv_hrtime();
  const uint64_t preload_ms = options_.preload ? kMaxPreloadSeconds * 1000 : 0;
  const uint64_t phases_ms = preload_ms +
                             (uint64_t{options_.warmup_s} + options_.duration_s) * 1000 +
                             options_.timeout_ms + kHardDeadlineSlackMs;
  run_started_ns_ = now_ns;
  hard_deadline_ns_ = now_ns + phases_ms * kNanosecondsPerMs;
  result_.preload_requested = options_.preload;
  if (options_.preload) {
    phase_ = Phase::kPreload;
    phase_started_ns_ = now_ns;
    preload_progress_ns_ = now_ns;
  } else {
    begin_warmup(now_ns);
  }
  uv_timer_init(&loop_, &tick_timer_);
  tick_timer_.data = this;
  uv_timer_start(&tick_timer_, on_tick, kTickMs, kTickMs);
  for (auto& connection : connections_) connection->start();
  uv_run(&loop_, UV_RUN_DEFAULT);
  RINGKV_ASSERT_MSG(closed_, "the loop stopped before the run ended");
  return result_;
}

std::optional<InFlightRequest> LoadGenerator::take_request() {
  switch (phase_) {
    case Phase::kPreload: {
      uint64_t key_index = 0;
      if (!preload_retry_keys_.empty()) {
        key_index = preload_retry_keys_.front();
        preload_retry_keys_.pop_front();
      } else if (preload_next_key_ < options_.keys) {
        key_index = preload_next_key_++;
      } else {
        return std::nullopt;
      }
      return InFlightRequest{BenchOperation::kPut, key_index, 0, true};
    }
    case Phase::kWarmup:
    case Phase::kMeasure: {
      if (phase_ == Phase::kMeasure && options_.max_requests.has_value()) {
        if (measured_issued_ >= *options_.max_requests) return std::nullopt;
        measured_issued_++;
      }
      const BenchOperation operation = draw_operation();
      return InFlightRequest{operation, prng_.uniform(options_.keys), 0, false};
    }
    case Phase::kDone:
      return std::nullopt;
  }
  return std::nullopt;
}

BenchOperation LoadGenerator::draw_operation() {
  switch (options_.workload) {
    case BenchWorkload::kPut:
      return BenchOperation::kPut;
    case BenchWorkload::kGet:
      return BenchOperation::kGet;
    case BenchWorkload::kMixed:
      break;
  }
  constexpr uint64_t kScale = 1'000'000;
  const auto reads = static_cast<uint64_t>(options_.read_fraction * kScale);
  return prng_.uniform(kScale) < reads ? BenchOperation::kGet : BenchOperation::kPut;
}

void LoadGenerator::complete(const InFlightRequest& request, const Completion& completion,
                             uint64_t now_ns) {
  if (phase_ == Phase::kDone) return;
  const bool ok = completion.outcome == Outcome::kOk;
  if (ok) result_.ok_all_phases++;
  if (request.preload) {
    RINGKV_ASSERT(phase_ == Phase::kPreload);
    complete_preload(request, completion, now_ns);
    return;
  }
  if (phase_ != Phase::kMeasure) return;  // warm-up answers are not counted
  OperationStats& stats = result_.measured.of(request.operation);
  if (ok) {
    stats.ok++;
    stats.latency_ns.record(now_ns - request.sent_ns);
  } else {
    stats.errors.add(completion);
  }
  if (options_.max_requests.has_value()) {
    const OperationStats& put = result_.measured.put;
    const OperationStats& get = result_.measured.get;
    const uint64_t answered = put.ok + put.errors.total() + get.ok + get.errors.total();
    if (answered >= *options_.max_requests) finish(now_ns);
  }
}

void LoadGenerator::complete_preload(const InFlightRequest& request, const Completion& completion,
                                     uint64_t now_ns) {
  OperationStats& stats = result_.preload.put;
  if (completion.outcome != Outcome::kOk) {
    stats.errors.add(completion);
    preload_retry_keys_.push_back(request.key_index);
    kick_pending_ = true;  // connections that went idle must pick the key up again
    return;
  }
  stats.ok++;
  stats.latency_ns.record(now_ns - request.sent_ns);
  preload_written_++;
  preload_progress_ns_ = now_ns;
  if (preload_written_ < options_.keys) return;
  result_.preload.elapsed_s = seconds_between(phase_started_ns_, now_ns);
  result_.preload_complete = true;
  begin_warmup(now_ns);
  kick_pending_ = true;
}

void LoadGenerator::connect_failed() {
  if (phase_ == Phase::kPreload) result_.preload.connect_failures++;
  if (phase_ == Phase::kMeasure) result_.measured.connect_failures++;
}

void LoadGenerator::begin_warmup(uint64_t now_ns) {
  if (options_.warmup_s == 0) {
    begin_measure(now_ns);
    return;
  }
  phase_ = Phase::kWarmup;
  phase_started_ns_ = now_ns;
}

void LoadGenerator::begin_measure(uint64_t now_ns) {
  if (phase_ == Phase::kWarmup)
    result_.warmup_elapsed_s = seconds_between(phase_started_ns_, now_ns);
  phase_ = Phase::kMeasure;
  phase_started_ns_ = now_ns;
  cpu_seconds_at_measure_start_ = process_cpu_seconds();
}

void LoadGenerator::finish(uint64_t now_ns) {
  const double elapsed_s = seconds_between(phase_started_ns_, now_ns);
  if (phase_ == Phase::kPreload) result_.preload.elapsed_s = elapsed_s;
  if (phase_ == Phase::kWarmup) result_.warmup_elapsed_s = elapsed_s;
  if (phase_ == Phase::kMeasure) {
    result_.measured.elapsed_s = elapsed_s;
    const double cpu_s = process_cpu_seconds() - cpu_seconds_at_measure_start_;
    if (elapsed_s > 0) result_.generator_cpu_percent = 100.0 * cpu_s / elapsed_s;
  }
  phase_ = Phase::kDone;
}

void LoadGenerator::on_tick(uv_timer_t* timer) {
  static_cast<LoadGenerator*>(timer->data)->tick(uv_hrtime());
}

// Everything that changes the set of connections or the phase by time happens here, out
// of the connections' callbacks, so no connection is closed under its own feet.
void LoadGenerator::tick(uint64_t now_ns) {
  const uint64_t timeout_ns = uint64_t{options_.timeout_ms} * kNanosecondsPerMs;
  if (phase_ != Phase::kDone) {
    for (auto& connection : connections_) connection->check_deadlines(now_ns, timeout_ns);
  }
  auto phase_elapsed_ms = [&] { return (now_ns - phase_started_ns_) / kNanosecondsPerMs; };
  if (phase_ == Phase::kPreload) {
    const uint64_t stall_ms =
        std::max<uint64_t>(kPreloadStallMs, 3 * uint64_t{options_.timeout_ms});
    if (now_ns - preload_progress_ns_ > stall_ms * kNanosecondsPerMs) {
      result_.preload_failure = "no key was written for " + std::to_string(stall_ms) + " ms";
      finish(now_ns);
    } else if (phase_elapsed_ms() > kMaxPreloadSeconds * 1000) {
      result_.preload_failure = "not done after " + std::to_string(kMaxPreloadSeconds) + " s";
      finish(now_ns);
    }
  }
  if (phase_ == Phase::kWarmup && phase_elapsed_ms() >= uint64_t{options_.warmup_s} * 1000) {
    begin_measure(now_ns);
    kick_pending_ = true;
  }
  if (phase_ == Phase::kMeasure && phase_elapsed_ms() >= uint64_t{options_.duration_s} * 1000) {
    finish(now_ns);
  }
  if (phase_ != Phase::kDone && now_ns >= hard_deadline_ns_) {
    result_.hit_hard_deadline = true;
    finish(now_ns);
  }
  if (phase_ == Phase::kDone) {
    if (closed_) return;
    closed_ = true;
    for (auto& connection : connections_) connection->shutdown();
    uv_close(reinterpret_cast<uv_handle_t*>(&tick_timer_), nullptr);
    return;
  }
  if (kick_pending_) {
    kick_pending_ = false;
    for (auto& connection : connections_) connection->fill();
  }
}

}  // namespace ringkv::tools
