// What kvbench counts: per operation, answers that were ok (with their latency) and
// errors by class; per phase (preload, measured window), both operations plus failed
// connection attempts. Plain values, filled by LoadGenerator, read by bench_report.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "tools/kvbench/latency_histogram.h"
#include "tools/kvbench/request_builder.h"

namespace ringkv::tools {

// How one request ended.
enum class Outcome : uint8_t {
  kOk,          // 2xx (for an etcd range: with kvs)
  kStatus,      // any other answer; Completion::status says which (404: key not found)
  kTimeout,     // no answer within --timeout-ms
  kConnection,  // lost with its connection (reset, closed, refused while queued)
  kProtocol,    // the answer could not be parsed
};

struct Completion {
  Outcome outcome = Outcome::kOk;
  int status = 0;  // HTTP status when there was an answer
};

struct ErrorCounts {
  std::map<int, uint64_t> status;  // by HTTP status
  uint64_t timeout = 0;
  uint64_t connection = 0;
  uint64_t protocol = 0;

  uint64_t total() const;
  void add(const Completion& completion);
  void merge(const ErrorCounts& other);
};

struct OperationStats {
  uint64_t ok = 0;
  ErrorCounts errors;
  LatencyHistogram latency_ns;  // ok answers only, send to last byte parsed

  void merge(const OperationStats& other);
};

struct PhaseStats {
  OperationStats put;
  OperationStats get;
  uint64_t connect_failures = 0;  // failed or timed-out connection attempts
  double elapsed_s = 0;

  OperationStats& of(BenchOperation operation) {
    return operation == BenchOperation::kPut ? put : get;
  }
  // Both operations together; connect_failures are added to errors.connection.
  OperationStats total() const;
  double ok_per_second() const;
};

struct RunResult {
  bool preload_requested = false;
  bool preload_complete = false;
  std::string preload_failure;  // why the preload stopped early
  PhaseStats preload;
  PhaseStats measured;
  double warmup_elapsed_s = 0;
  double generator_cpu_percent = 0;  // of one core, over the measured window
  uint64_t ok_all_phases = 0;
  bool hit_hard_deadline = false;
};

// The outcome of an answer to `operation` for `target`: 2xx is ok, except an etcd range
// without "kvs" (the key does not exist), which counts as status 404 like ringkv's.
Completion classify_response(BenchTarget target, BenchOperation operation, int status,
                             std::string_view body);

}  // namespace ringkv::tools
