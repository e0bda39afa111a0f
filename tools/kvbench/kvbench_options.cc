#include "tools/kvbench/kvbench_options.h"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <set>

namespace ringkv::tools {
namespace {

Status bad_value(std::string_view flag, std::string_view wanted, std::string_view text) {
  return Status::invalid_argument(std::string(flag) + " needs " + std::string(wanted) + ", got '" +
                                  std::string(text) + "'");
}

template <typename Integer>
Status parse_integer(std::string_view flag, std::string_view text, uint64_t min, uint64_t max,
                     Integer& target) {
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return bad_value(flag, "a number in " + std::to_string(min) + ".." + std::to_string(max), text);
  }
  target = static_cast<Integer>(value);
  return Status::ok_status();
}

Status parse_fraction(std::string_view flag, std::string_view text, double& target) {
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !(value >= 0 && value <= 1)) {
    return bad_value(flag, "a fraction in 0..1", text);
  }
  target = value;
  return Status::ok_status();
}

Status parse_hosts(std::string_view text, std::vector<HostPort>& hosts) {
  hosts.clear();
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    Result<HostPort> host = parse_host_port(text.substr(start, comma - start));
    if (!host.ok()) return Status::invalid_argument("--hosts: " + host.status().message());
    hosts.push_back(std::move(host).value());
    if (hosts.size() > kMaxBenchConnections) {
      return Status::invalid_argument("--hosts: more hosts than connections can reach");
    }
    start = comma + 1;
  }
  return Status::ok_status();
}

Status parse_target(std::string_view text, BenchTarget& target) {
  for (BenchTarget candidate : {BenchTarget::kRingkv, BenchTarget::kEtcd, BenchTarget::kFixed}) {
    if (text == bench_target_name(candidate)) {
      target = candidate;
      return Status::ok_status();
    }
  }
  return bad_value("--target", "ringkv, etcd or fixed", text);
}

Status parse_workload(std::string_view text, BenchWorkload& workload) {
  for (BenchWorkload candidate :
       {BenchWorkload::kPut, BenchWorkload::kGet, BenchWorkload::kMixed}) {
    if (text == bench_workload_name(candidate)) {
      workload = candidate;
      return Status::ok_status();
    }
  }
  return bad_value("--workload", "put, get or mixed", text);
}

// The options that take a value (apply_value knows each).
constexpr std::string_view kValueFlags[] = {
    "--hosts", "--target",     "--workload",   "--read-fraction", "--connections", "--pipeline",
    "--keys",  "--value-bytes", "--duration-s", "--warmup-s",      "--seed",        "--timeout-ms",
    "--max-requests"};

Status apply_value(std::string_view flag, std::string_view text, KvbenchOptions& options) {
  if (flag == "--hosts") return parse_hosts(text, options.hosts);
  if (flag == "--target") return parse_target(text, options.target);
  if (flag == "--workload") return parse_workload(text, options.workload);
  if (flag == "--read-fraction") return parse_fraction(flag, text, options.read_fraction);
  if (flag == "--connections")
    return parse_integer(flag, text, 1, kMaxBenchConnections, options.connections);
  if (flag == "--pipeline")
    return parse_integer(flag, text, 1, kMaxBenchPipelineDepth, options.pipeline_depth);
  if (flag == "--keys") return parse_integer(flag, text, 1, kMaxBenchKeys, options.keys);
  if (flag == "--value-bytes")
    return parse_integer(flag, text, 1, kMaxBenchValueBytes, options.value_bytes);
  if (flag == "--duration-s")
    return parse_integer(flag, text, 1, kMaxBenchDurationSeconds, options.duration_s);
  if (flag == "--warmup-s")
    return parse_integer(flag, text, 0, kMaxBenchDurationSeconds, options.warmup_s);
  if (flag == "--seed") return parse_integer(flag, text, 0, UINT64_MAX, options.seed);
  if (flag == "--timeout-ms")
    return parse_integer(flag, text, 1, kMaxBenchTimeoutMs, options.timeout_ms);
  if (flag == "--max-requests") {
    uint64_t value = 0;
    RINGKV_RETURN_IF_ERROR(parse_integer(flag, text, 1, kMaxBenchRequests, value));
    options.max_requests = value;
    return Status::ok_status();
  }
  return Status::invalid_argument("unknown option '" + std::string(flag) + "' (try --help)");
}

// Combinations that are each valid alone but say something the run would not do.
Status check_combination(const KvbenchOptions& options, const std::set<std::string>& given) {
  if (given.contains("--read-fraction") && options.workload != BenchWorkload::kMixed) {
    return Status::invalid_argument("--read-fraction applies to --workload mixed only");
  }
  if (options.preload && options.target == BenchTarget::kFixed) {
    return Status::invalid_argument("--preload: --target fixed has no keys to write");
  }
  if (options.connections < options.hosts.size()) {
    return Status::invalid_argument("--connections (" + std::to_string(options.connections) +
                                    ") must be at least the number of --hosts (" +
                                    std::to_string(options.hosts.size()) + ")");
  }
  return Status::ok_status();
}

}  // namespace

Result<KvbenchOptions> parse_kvbench_options(std::span<const std::string_view> arguments) {
  KvbenchOptions options;
  options.hosts.push_back(HostPort{"127.0.0.1", 8081});
  std::set<std::string> given;
  for (size_t index = 0; index < arguments.size(); ++index) {
    std::string_view flag = arguments[index];
    std::optional<std::string_view> value;
    if (const size_t equals = flag.find('='); equals != std::string_view::npos) {
      value = flag.substr(equals + 1);
      flag = flag.substr(0, equals);
    }
    const bool switch_flag =
        flag == "--json" || flag == "--preload" || flag == "--help" || flag == "-h";
    if (switch_flag) {
      if (value.has_value()) return Status::invalid_argument(std::string(flag) + " takes no value");
      if (flag == "--json") options.json = true;
      if (flag == "--preload") options.preload = true;
      if (flag == "--help" || flag == "-h") options.help = true;
      continue;
    }
    if (flag.size() < 3 || !flag.starts_with("--")) {
      return Status::invalid_argument("unexpected argument '" + std::string(arguments[index]) +
                                      "' (try --help)");
    }
    if (std::find(std::begin(kValueFlags), std::end(kValueFlags), flag) == std::end(kValueFlags)) {
      return Status::invalid_argument("unknown option '" + std::string(flag) + "' (try --help)");
    }
    if (!value.has_value()) {
      if (index + 1 >= arguments.size()) {
        return Status::invalid_argument(std::string(flag) + " needs a value");
      }
      value = arguments[++index];
    }
    RINGKV_RETURN_IF_ERROR(apply_value(flag, *value, options));
    given.emplace(flag);
  }
  if (options.help) return options;
  RINGKV_RETURN_IF_ERROR(check_combination(options, given));
  return options;
}

std::string_view bench_target_name(BenchTarget target) {
  switch (target) {
    case BenchTarget::kRingkv:
      return "ringkv";
    case BenchTarget::kEtcd:
      return "etcd";
    case BenchTarget::kFixed:
      return "fixed";
  }
  return "?";
}

std::string_view bench_workload_name(BenchWorkload workload) {
  switch (workload) {
    case BenchWorkload::kPut:
      return "put";
    case BenchWorkload::kGet:
      return "get";
    case BenchWorkload::kMixed:
      return "mixed";
  }
  return "?";
}

std::string_view kvbench_usage() {
  return R"(usage: kvbench [options]

A closed-loop HTTP/1.1 load generator: every keep-alive connection keeps exactly
--pipeline requests in flight. Warm-up first (not counted), then a measured window.

options:
  --hosts H:P,H:P,...   servers; connections are spread round-robin (default 127.0.0.1:8081)
  --target T            ringkv  PUT/GET /kv/{key}, raw value
                        etcd    POST /v3/kv/put and /v3/kv/range (v3 JSON gateway, base64)
                        fixed   GET / (a server answering a fixed 200)
                        (default ringkv)
  --workload W          put, get or mixed (default put)
  --read-fraction F     share of GETs in mixed (default 0.5)
  --connections N       keep-alive connections (default 32)
  --pipeline D          requests in flight per connection (default 1, at most 64)
  --keys N              uniform random keys kvbench-0000000000.. (default 10000)
  --value-bytes B       value size of a PUT (default 100)
  --duration-s S        measured window (default 10)
  --warmup-s S          warm-up before it, not counted (default 2)
  --max-requests N      end the measured window after N answers
  --preload             first write every key once with the same connections,
                        reported separately (for get / mixed)
  --seed N              key choice and value bytes (default 1)
  --timeout-ms MS       per request; a slower request is a timeout error and its
                        connection is reopened (default 2000)
  --json                one JSON object instead of text
  --help                this text

Counted as ok: 2xx. Error classes: HTTP status (404 = key not found: ringkv 404, or an
etcd range without kvs), timeout, connection (refused or lost; requests lost with a
connection count one each), protocol (unparseable response). A failed connection is
reopened after a backoff of 10 ms doubling to 1 s.

exit codes: 0 ok; 1 no request succeeded, preload failed or the run hit its hard
            deadline (the report is printed anyway); 2 usage error or unresolvable host
)";
}

}  // namespace ringkv::tools
