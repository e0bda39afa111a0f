#include "tools/kvbench/bench_report.h"

#include <cjson/cJSON.h>

#include <cmath>
#include <cstdio>
#include <memory>

namespace ringkv::tools {
namespace {

constexpr double kNanosecondsPerMs = 1e6;

struct LatencySummary {
  double p50_ms, p90_ms, p99_ms, p999_ms, max_ms;
};

LatencySummary summarize(const LatencyHistogram& latency_ns) {
  auto ms = [&](double quantile) {
    return static_cast<double>(latency_ns.value_at_quantile(quantile)) / kNanosecondsPerMs;
  };
  return {ms(0.5), ms(0.9), ms(0.99), ms(0.999),
          static_cast<double>(latency_ns.max()) / kNanosecondsPerMs};
}

double round_to(double value, double step) { return std::round(value / step) * step; }

std::string printf_string(const char* format, double value) {
  char text[64];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

std::string errors_text(const ErrorCounts& errors) {
  if (errors.total() == 0) return "none";
  std::string text;
  auto add = [&](const std::string& name, uint64_t count) {
    if (count == 0) return;
    if (!text.empty()) text += ", ";
    text += name + ": " + std::to_string(count);
  };
  for (const auto& [code, count] : errors.status) add("status " + std::to_string(code), count);
  add("timeout", errors.timeout);
  add("connection", errors.connection);
  add("protocol", errors.protocol);
  return text;
}

std::string latency_text(const LatencyHistogram& latency_ns) {
  if (latency_ns.count() == 0) return "no ok answers";
  const LatencySummary summary = summarize(latency_ns);
  return "p50 " + printf_string("%.3f", summary.p50_ms) + "  p90 " +
         printf_string("%.3f", summary.p90_ms) + "  p99 " + printf_string("%.3f", summary.p99_ms) +
         "  p999 " + printf_string("%.3f", summary.p999_ms) + "  max " +
         printf_string("%.3f", summary.max_ms);
}

void append_operation_lines(std::string_view name, const OperationStats& stats, double elapsed_s,
                            std::string& out) {
  const double rate = elapsed_s > 0 ? static_cast<double>(stats.ok) / elapsed_s : 0;
  out += "  " + std::string(name) + ": ok " + std::to_string(stats.ok) + " (" +
         printf_string("%.1f", rate) + " ops/s), errors " + errors_text(stats.errors) +
         "\n    latency ms  " + latency_text(stats.latency_ns) + "\n";
}

std::string hosts_text(const KvbenchOptions& options) {
  std::string text;
  for (const HostPort& host : options.hosts) {
    if (!text.empty()) text += ',';
    text += host.to_string();
  }
  return text;
}

// --- JSON ---

using JsonPointer = std::unique_ptr<cJSON, decltype(&cJSON_Delete)>;

cJSON* errors_json(const ErrorCounts& errors) {
  cJSON* object = cJSON_CreateObject();
  cJSON_AddNumberToObject(object, "total", static_cast<double>(errors.total()));
  cJSON* status = cJSON_AddObjectToObject(object, "status");
  for (const auto& [code, count] : errors.status) {
    cJSON_AddNumberToObject(status, std::to_string(code).c_str(), static_cast<double>(count));
  }
  cJSON_AddNumberToObject(object, "timeout", static_cast<double>(errors.timeout));
  cJSON_AddNumberToObject(object, "connection", static_cast<double>(errors.connection));
  cJSON_AddNumberToObject(object, "protocol", static_cast<double>(errors.protocol));
  return object;
}

cJSON* operation_json(const OperationStats& stats, double elapsed_s) {
  cJSON* object = cJSON_CreateObject();
  const double rate = elapsed_s > 0 ? static_cast<double>(stats.ok) / elapsed_s : 0;
  cJSON_AddNumberToObject(object, "ok", static_cast<double>(stats.ok));
  cJSON_AddNumberToObject(object, "throughput_ops_s", round_to(rate, 0.1));
  cJSON_AddItemToObject(object, "errors", errors_json(stats.errors));
  cJSON* latency = cJSON_AddObjectToObject(object, "latency_ms");
  const LatencySummary summary = summarize(stats.latency_ns);
  cJSON_AddNumberToObject(latency, "p50", round_to(summary.p50_ms, 0.001));
  cJSON_AddNumberToObject(latency, "p90", round_to(summary.p90_ms, 0.001));
  cJSON_AddNumberToObject(latency, "p99", round_to(summary.p99_ms, 0.001));
  cJSON_AddNumberToObject(latency, "p999", round_to(summary.p999_ms, 0.001));
  cJSON_AddNumberToObject(latency, "max", round_to(summary.max_ms, 0.001));
  return object;
}

cJSON* phase_json(const PhaseStats& phase) {
  cJSON* object = operation_json(phase.total(), phase.elapsed_s);
  cJSON_AddNumberToObject(object, "elapsed_s", round_to(phase.elapsed_s, 0.001));
  cJSON_AddNumberToObject(object, "connect_failures", static_cast<double>(phase.connect_failures));
  for (BenchOperation operation : {BenchOperation::kPut, BenchOperation::kGet}) {
    const OperationStats& stats = operation == BenchOperation::kPut ? phase.put : phase.get;
    if (stats.ok + stats.errors.total() == 0) continue;
    cJSON_AddItemToObject(object, operation == BenchOperation::kPut ? "put" : "get",
                          operation_json(stats, phase.elapsed_s));
  }
  return object;
}

void add_options_json(const KvbenchOptions& options, cJSON* object) {
  cJSON_AddStringToObject(object, "target", std::string(bench_target_name(options.target)).c_str());
  cJSON_AddStringToObject(object, "workload",
                          std::string(bench_workload_name(options.workload)).c_str());
  cJSON* hosts = cJSON_AddArrayToObject(object, "hosts");
  for (const HostPort& host : options.hosts) {
    cJSON_AddItemToArray(hosts, cJSON_CreateString(host.to_string().c_str()));
  }
  cJSON_AddNumberToObject(object, "connections", options.connections);
  cJSON_AddNumberToObject(object, "pipeline", options.pipeline_depth);
  cJSON_AddNumberToObject(object, "keys", static_cast<double>(options.keys));
  cJSON_AddNumberToObject(object, "value_bytes", options.value_bytes);
  if (options.workload == BenchWorkload::kMixed) {
    cJSON_AddNumberToObject(object, "read_fraction", options.read_fraction);
  }
  cJSON_AddNumberToObject(object, "warmup_s", options.warmup_s);
  cJSON_AddNumberToObject(object, "duration_s", options.duration_s);
  cJSON_AddNumberToObject(object, "timeout_ms", options.timeout_ms);
  cJSON_AddStringToObject(object, "seed", std::to_string(options.seed).c_str());
}

}  // namespace

std::string format_text_report(const KvbenchOptions& options, const RunResult& result) {
  std::string out = "kvbench: " + std::string(bench_target_name(options.target)) + " " +
                    std::string(bench_workload_name(options.workload)) + " on " +
                    hosts_text(options) + ", " + std::to_string(options.connections) +
                    " connections x pipeline " + std::to_string(options.pipeline_depth) + ", " +
                    std::to_string(options.keys) + " keys, " + std::to_string(options.value_bytes) +
                    "-byte values, seed " + std::to_string(options.seed) + "\n";
  if (result.preload_requested) {
    out += "preload: " + printf_string("%.2f s", result.preload.elapsed_s) +
           (result.preload_complete ? "" : " (INCOMPLETE: " + result.preload_failure + ")") +
           ", connect failures " + std::to_string(result.preload.connect_failures) + "\n";
    append_operation_lines("put", result.preload.put, result.preload.elapsed_s, out);
  }
  if (result.preload_requested && !result.preload_complete) {
    out += "measured: not reached\n";
    return out;
  }
  const PhaseStats& measured = result.measured;
  const OperationStats total = measured.total();
  out += "measured: " + printf_string("%.2f s", measured.elapsed_s) + " after " +
         printf_string("%.2f s", result.warmup_elapsed_s) + " of warm-up\n";
  out += "  ok " + std::to_string(total.ok) + "  throughput " +
         printf_string("%.1f", measured.ok_per_second()) + " ops/s\n";
  out += "  errors " + errors_text(total.errors) + "\n";
  out += "  latency ms  " + latency_text(total.latency_ns) + "\n";
  if (options.workload == BenchWorkload::kMixed) {
    append_operation_lines("put", measured.put, measured.elapsed_s, out);
    append_operation_lines("get", measured.get, measured.elapsed_s, out);
  }
  out +=
      "  kvbench cpu " + printf_string("%.0f%%", result.generator_cpu_percent) + " of one core\n";
  return out;
}

std::string format_json_report(const KvbenchOptions& options, const RunResult& result) {
  JsonPointer root(cJSON_CreateObject(), &cJSON_Delete);
  add_options_json(options, root.get());
  if (result.preload_requested) {
    cJSON* preload = phase_json(result.preload);
    cJSON_AddBoolToObject(preload, "complete", result.preload_complete);
    if (!result.preload_complete) {
      cJSON_AddStringToObject(preload, "failure", result.preload_failure.c_str());
    }
    cJSON_AddItemToObject(root.get(), "preload", preload);
  } else {
    cJSON_AddNullToObject(root.get(), "preload");
  }
  cJSON* measured = phase_json(result.measured);
  cJSON_AddNumberToObject(measured, "warmup_elapsed_s", round_to(result.warmup_elapsed_s, 0.001));
  cJSON_AddItemToObject(root.get(), "measured", measured);
  cJSON_AddNumberToObject(root.get(), "generator_cpu_percent",
                          round_to(result.generator_cpu_percent, 0.1));
  cJSON_AddBoolToObject(root.get(), "hit_hard_deadline", result.hit_hard_deadline);
  std::unique_ptr<char, decltype(&cJSON_free)> text(cJSON_PrintUnformatted(root.get()),
                                                    &cJSON_free);
  return std::string(text.get()) + "\n";
}

std::string run_failures(const KvbenchOptions& options, const RunResult& result) {
  std::string out;
  if (result.preload_requested && !result.preload_complete) {
    out += "preload failed: " + result.preload_failure + " (" +
           std::to_string(result.preload.put.ok) + " of " + std::to_string(options.keys) +
           " keys written; errors " + errors_text(result.preload.total().errors) + ")\n";
  }
  if (result.ok_all_phases == 0) {
    ErrorCounts errors = result.preload.total().errors;
    errors.merge(result.measured.total().errors);
    out += "no request succeeded (errors " + errors_text(errors) + "); is a server listening on " +
           hosts_text(options) + "?\n";
  } else if (result.measured.total().ok == 0 && out.empty()) {
    out += "no request succeeded in the measured window (errors " +
           errors_text(result.measured.total().errors) + ")\n";
  }
  if (result.hit_hard_deadline) out += "the run hit its hard deadline and was cut short\n";
  return out;
}

}  // namespace ringkv::tools
