#include "tools/kvbench/bench_stats.h"

#include "core/assert.h"

namespace ringkv::tools {

uint64_t ErrorCounts::total() const {
  uint64_t sum = timeout + connection + protocol;
  for (const auto& [code, count] : status) sum += count;
  return sum;
}

void ErrorCounts::add(const Completion& completion) {
  switch (completion.outcome) {
    case Outcome::kOk:
      RINGKV_ASSERT_MSG(false, "an ok completion is not an error");
      break;
    case Outcome::kStatus:
      status[completion.status]++;
      break;
    case Outcome::kTimeout:
      timeout++;
      break;
    case Outcome::kConnection:
      connection++;
      break;
    case Outcome::kProtocol:
      protocol++;
      break;
  }
}

void ErrorCounts::merge(const ErrorCounts& other) {
  for (const auto& [code, count] : other.status) status[code] += count;
  timeout += other.timeout;
  connection += other.connection;
  protocol += other.protocol;
}

void OperationStats::merge(const OperationStats& other) {
  ok += other.ok;
  errors.merge(other.errors);
  latency_ns.merge(other.latency_ns);
}

OperationStats PhaseStats::total() const {
  OperationStats sum;
  sum.merge(put);
  sum.merge(get);
  sum.errors.connection += connect_failures;
  return sum;
}

double PhaseStats::ok_per_second() const {
  if (elapsed_s <= 0) return 0;
  return static_cast<double>(put.ok + get.ok) / elapsed_s;
}

Completion classify_response(BenchTarget target, BenchOperation operation, int status,
                             std::string_view body) {
  if (status < 200 || status > 299) return {Outcome::kStatus, status};
  const bool etcd_range = target == BenchTarget::kEtcd && operation == BenchOperation::kGet;
  // The gateway leaves "kvs" out of a range that found nothing.
  if (etcd_range && body.find("\"kvs\"") == std::string_view::npos) {
    return {Outcome::kStatus, 404};
  }
  return {Outcome::kOk, status};
}

}  // namespace ringkv::tools
