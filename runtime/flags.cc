#include "runtime/flags.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>

namespace ringkv::runtime {
namespace {

using Setter = std::function<Status(RuntimeOptions&, std::string_view)>;

struct FlagSpec {
  const char* name;  // without "--"
  const char* value_hint;
  const char* default_text;
  const char* description;
  Setter set;
};

Result<uint64_t> parse_unsigned(std::string_view text, uint64_t min, uint64_t max) {
  uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return Status::invalid_argument("expected an unsigned integer, got '" + std::string(text) +
                                    "'");
  }
  if (value < min || value > max) {
    return Status::invalid_argument("must be in " + std::to_string(min) + ".." +
                                    std::to_string(max) + ", got " + std::to_string(value));
  }
  return value;
}

Setter number(std::function<void(RuntimeOptions&, uint64_t)> assign, uint64_t min, uint64_t max) {
  return [assign, min, max](RuntimeOptions& options, std::string_view text) -> Status {
    auto value = parse_unsigned(text, min, max);
    if (!value.ok()) return value.status();
    assign(options, *value);
    return Status();
  };
}

Status set_id(RuntimeOptions& options, std::string_view text) {
  if (!valid_node_id(text)) {
    return Status::invalid_argument("must be 1..64 characters of [A-Za-z0-9_-], got '" +
                                    std::string(text) + "'");
  }
  options.id = std::string(text);
  return Status();
}

Status set_sync(RuntimeOptions& options, std::string_view text) {
  if (text == "always")
    options.sync = SyncPolicy::kAlways;
  else if (text == "batch")
    options.sync = SyncPolicy::kBatch;
  else if (text == "never")
    options.sync = SyncPolicy::kNever;
  else
    return Status::invalid_argument("must be always, batch or never, got '" + std::string(text) +
                                    "'");
  return Status();
}

Status set_log_level(RuntimeOptions& options, std::string_view text) {
  auto level = parse_log_level(text);
  if (!level) {
    return Status::invalid_argument("must be debug, info, warn or error, got '" +
                                    std::string(text) + "'");
  }
  options.log_level = *level;
  return Status();
}

void set_gossip_interval(RuntimeOptions& options, uint64_t value) {
  options.config.gossip_interval_ms = value;
  options.config.suspect_after_ms = value * 3;  // failure detection scales with gossip
  options.config.dead_after_ms = value * 6;
}

const std::vector<FlagSpec>& flag_specs() {
  static const std::vector<FlagSpec> specs = {
      {"id", "NAME", "(required)", "this node's id, e.g. n1", set_id},
      {"listen", "HOST:PORT", "(required)",
       "address for client and internal HTTP (port 0: a free one, see --port-file)",
       [](RuntimeOptions& o, std::string_view t) -> Status {
         auto parsed = parse_host_port(t, PortZero::kAllowed);
         if (!parsed.ok()) return parsed.status();
         o.listen = *parsed;
         return Status();
       }},
      {"advertise", "HOST:PORT", "--listen", "address peers use to reach this node",
       [](RuntimeOptions& o, std::string_view t) -> Status {
         auto parsed = parse_host_port(t);
         if (!parsed.ok()) return parsed.status();
         o.advertise = *parsed;
         return Status();
       }},
      {"port-file", "FILE", "(none)",
       "write the bound HOST:PORT here once listening (with --listen HOST:0)",
       [](RuntimeOptions& o, std::string_view t) -> Status {
         if (t.empty()) return Status::invalid_argument("must not be empty");
         o.port_file = std::string(t);
         return Status();
       }},
      {"peers", "ID=HOST:PORT,...", "(none)", "seed peers (the ring follows gossip membership)",
       [](RuntimeOptions& o, std::string_view t) -> Status {
         auto parsed = parse_peers(t);
         if (!parsed.ok()) return parsed.status();
         o.peers = std::move(*parsed);
         return Status();
       }},
      {"data-dir", "DIR", "(required)", "directory of the store and the incarnation file",
       [](RuntimeOptions& o, std::string_view t) -> Status {
         if (t.empty()) return Status::invalid_argument("must not be empty");
         o.data_dir = std::string(t);
         return Status();
       }},
      {"n", "N", "3", "replication factor",
       number([](RuntimeOptions& o, uint64_t v) { o.config.replication_factor = uint32_t(v); }, 1,
              16)},
      {"w", "W", "2", "write quorum (1..N); linearizable when 2W > N",
       number([](RuntimeOptions& o, uint64_t v) { o.config.write_quorum = uint32_t(v); }, 1, 16)},
      {"r", "R", "2", "read quorum (1..N); linearizable when 2R >= N",
       number([](RuntimeOptions& o, uint64_t v) { o.config.read_quorum = uint32_t(v); }, 1, 16)},
      {"allow-weak-quorums", "true|false", "false",
       "accept default --w/--r that are not linearizable (eventual consistency)",
       [](RuntimeOptions& o, std::string_view t) -> Status {
         if (t != "true" && t != "false") {
           return Status::invalid_argument("must be true or false, got '" + std::string(t) + "'");
         }
         o.config.allow_weak_quorums = t == "true";
         return Status();
       }},
      {"cluster-token", "TOKEN", "(none)", "shared secret required on /internal/ requests",
       [](RuntimeOptions& o, std::string_view t) -> Status {
         if (t.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) {
           return Status::invalid_argument("must not contain CR, LF or NUL");
         }
         o.cluster_token = std::string(t);
         return Status();
       }},
      {"sync", "always|batch|never", "always",
       "WAL fsync: every commit; at most every --sync-batch-ms; never (tests/benchmarks only: "
       "acknowledged writes can be lost)",
       set_sync},
      {"sync-batch-ms", "MS", "5", "fsync interval with --sync batch",
       number([](RuntimeOptions& o, uint64_t v) { o.sync_batch_interval_ms = v; }, 1, 1000)},
      {"gossip-interval-ms", "MS", "2000",
       "gossip round interval (suspect after 3x, down after 6x)",
       number([](RuntimeOptions& o, uint64_t v) { set_gossip_interval(o, v); }, 10, 600000)},
      {"timeout-ms", "MS", "2000", "default client request timeout",
       number([](RuntimeOptions& o, uint64_t v) { o.config.default_timeout_ms = v; }, 1, 60000)},
      {"version-query-hedge-ms", "MS", "5",
       "a strong write asks a majority of replicas for their version first, the rest after "
       "this long (0: all at once)",
       number([](RuntimeOptions& o, uint64_t v) { o.config.version_query_hedge_ms = v; }, 0,
              60000)},
      {"max-value-bytes", "BYTES", "1048576", "largest value accepted (at most 64 MiB)",
       number([](RuntimeOptions& o, uint64_t v) { o.config.max_value_bytes = v; }, 1,
              kMaxValueBytesCeiling)},
      {"max-connections", "COUNT", "1024", "open client+internal connections; extra get 503",
       number([](RuntimeOptions& o, uint64_t v) { o.max_connections = uint32_t(v); }, 1, 100000)},
      {"idle-timeout-ms", "MS", "60000",
       "close a client connection idle this long (nothing in progress)",
       number([](RuntimeOptions& o, uint64_t v) { o.idle_timeout_ms = v; }, 10, 3600000)},
      {"read-timeout-ms", "MS", "10000",
       "a request must arrive completely within this long of its first byte, else 408",
       number([](RuntimeOptions& o, uint64_t v) { o.read_timeout_ms = v; }, 10, 600000)},
      {"max-inflight-requests", "COUNT", "4096", "client requests coordinated at once",
       number([](RuntimeOptions& o, uint64_t v) { o.config.max_inflight_requests = uint32_t(v); },
              1, 1000000)},
      {"memtable-bytes", "BYTES", "4194304", "memtable size before a flush to an SSTable",
       number([](RuntimeOptions& o, uint64_t v) { o.config.memtable_max_bytes = v; }, 4096,
              1ull << 30)},
      {"block-cache-bytes", "BYTES", "8388608",
       "data blocks kept in memory by the data store (LRU; 0 turns the cache off)",
       number([](RuntimeOptions& o, uint64_t v) { o.block_cache_bytes = v; }, 0, 1ull << 40)},
      {"stream-max-bytes-per-s", "BYTES", "0",
       "while this node gains ranges in a membership change, stream at most this many bytes "
       "a second from each source (0: unthrottled)",
       number([](RuntimeOptions& o, uint64_t v) { o.config.stream_max_bytes_per_s = v; }, 0,
              1ull << 40)},
      {"stream-batch-bytes", "BYTES", "262144",
       "bytes of entries per stream batch (at most 4 MiB)",
       number([](RuntimeOptions& o, uint64_t v) { o.config.stream_batch_bytes = uint32_t(v); },
              1, 4u << 20)},
      {"shutdown-grace-ms", "MS", "2000", "time in-flight requests get on SIGTERM/SIGINT",
       number([](RuntimeOptions& o, uint64_t v) { o.shutdown_grace_ms = v; }, 0, 60000)},
      {"log-level", "debug|info|warn|error", "info", "lowest level logged to stderr",
       set_log_level},
  };
  return specs;
}

std::string environment_name(std::string_view flag) {
  std::string name = "KV_";
  for (char c : flag) name += c == '-' ? '_' : static_cast<char>(std::toupper(c));
  return name;
}

const FlagSpec* find_spec(std::string_view name) {
  for (const FlagSpec& spec : flag_specs()) {
    if (name == spec.name) return &spec;
  }
  return nullptr;
}

// Config field names as the kvnode flags that set them (Config::validate() speaks of
// fields); a flag given as "NAME VALUE" names the value that lifts the limit.
const std::vector<std::pair<std::string, std::string>>& config_field_flags() {
  static const std::vector<std::pair<std::string, std::string>> fields = {
      {"replication_factor", "n"},
      {"write_quorum", "w"},
      {"read_quorum", "r"},
      {"max_value_bytes", "max-value-bytes"},
      {"max_inflight_requests", "max-inflight-requests"},
      {"default_timeout_ms", "timeout-ms"},
      {"max_timeout_ms", "timeout-ms"},
      {"version_query_hedge_ms", "version-query-hedge-ms"},
      {"gossip_interval_ms", "gossip-interval-ms"},
      {"suspect_after_ms", "gossip-interval-ms"},
      {"dead_after_ms", "gossip-interval-ms"},
      {"max_cluster_nodes", "n"},
      {"memtable_max_bytes", "memtable-bytes"},
      {"stream_batch_bytes", "stream-batch-bytes"},
      {"allow_weak_quorums", "allow-weak-quorums true"}};
  return fields;
}

// A value as given, and where: a flag on the command line or its environment variable.
struct GivenValue {
  std::string value;
  bool from_environment = false;
};
using GivenValues = std::map<std::string, GivenValue>;

// How the user gave `flag` ("--w" or "KV_W"), so errors name what was actually typed; a
// flag not given at all is named as a flag. "NAME VALUE" keeps its value ("--x true").
std::string as_given(const GivenValues& values, std::string_view flag) {
  const std::string_view name = flag.substr(0, flag.find(' '));
  const std::string_view rest = flag.substr(name.size());
  auto it = values.find(std::string(name));
  if (it != values.end() && it->second.from_environment) {
    return environment_name(name) + (rest.empty() ? "" : "=" + std::string(rest.substr(1)));
  }
  return "--" + std::string(flag);
}

// Maps a Config::validate() message to the flag (or variable) that sets the field.
std::string flag_for_config_error(const GivenValues& values, const std::string& message) {
  for (const auto& [prefix, flag] : config_field_flags()) {
    if (message.rfind(prefix, 0) == 0) return as_given(values, flag.substr(0, flag.find(' ')));
  }
  return "configuration";
}

// The message with every field name replaced by the flag (or variable) that sets it.
std::string in_flag_words(const GivenValues& values, std::string message) {
  for (const auto& [field, flag] : config_field_flags()) {
    const std::string words = as_given(values, flag);
    for (size_t at = message.find(field); at != std::string::npos;
         at = message.find(field, at + words.size())) {
      message.replace(at, field.size(), words);
    }
  }
  return message;
}

}  // namespace

Result<std::vector<Peer>> parse_peers(std::string_view text) {
  std::vector<Peer> peers;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (item.empty()) continue;
    size_t equals = item.find('=');
    if (equals == std::string_view::npos || !valid_node_id(item.substr(0, equals))) {
      return Status::invalid_argument("expected ID=HOST:PORT, got '" + std::string(item) + "'");
    }
    auto address = parse_host_port(item.substr(equals + 1));
    if (!address.ok()) return address.status();
    peers.push_back(Peer{std::string(item.substr(0, equals)), address->to_string()});
  }
  return peers;
}

std::string help_text() {
  std::string text =
      "usage: kvnode --id ID --listen HOST:PORT --data-dir DIR [options]\n"
      "Every flag may also be given as an environment variable (the flag wins).\n\n";
  for (const FlagSpec& spec : flag_specs()) {
    const std::string_view default_text = spec.default_text;
    text += "  --" + std::string(spec.name) + " " + spec.value_hint + "\n      " +
            spec.description + " (" +
            (default_text == "(required)" ? std::string("required")
                                          : "default " + std::string(default_text)) +
            "; env " + environment_name(spec.name) + ")\n";
  }
  text += "  --help\n      this text\n";
  return text;
}

namespace {

// Collects name -> value from the environment first, then the command line.
Result<GivenValues> collect_values(const std::vector<std::string>& arguments,
                                   const EnvironmentLookup& environment, bool& help) {
  GivenValues values;
  for (const FlagSpec& spec : flag_specs()) {
    if (auto value = environment(environment_name(spec.name))) {
      values[spec.name] = GivenValue{*value, true};
    }
  }
  for (size_t i = 0; i < arguments.size(); ++i) {
    std::string_view argument = arguments[i];
    if (argument == "--help" || argument == "-h") {
      help = true;
      continue;
    }
    if (argument.rfind("--", 0) != 0) {
      return Status::invalid_argument("unexpected argument '" + std::string(argument) + "'");
    }
    std::string_view name = argument.substr(2);
    std::optional<std::string> value;
    if (size_t equals = name.find('='); equals != std::string_view::npos) {
      value = std::string(name.substr(equals + 1));
      name = name.substr(0, equals);
    }
    if (!find_spec(name))
      return Status::invalid_argument("--" + std::string(name) + ": unknown option (try --help)");
    if (!value) {
      if (i + 1 >= arguments.size()) {
        return Status::invalid_argument("--" + std::string(name) + ": missing value");
      }
      value = arguments[++i];
    }
    values[std::string(name)] = GivenValue{*value, false};
  }
  return values;
}

}  // namespace

FlagsOutcome parse_flags(const std::vector<std::string>& arguments,
                         const EnvironmentLookup& environment) {
  FlagsOutcome outcome;
  auto values = collect_values(arguments, environment, outcome.help_requested);
  if (outcome.help_requested) return outcome;
  if (!values.ok()) {
    outcome.error = values.status().message();
    return outcome;
  }
  RuntimeOptions options;
  bool advertise_given = false;
  for (const auto& [name, given] : *values) {
    Status status = find_spec(name)->set(options, given.value);
    if (!status.ok()) {
      outcome.error = as_given(*values, name) + ": " + status.message();
      return outcome;
    }
    advertise_given |= name == "advertise";
  }
  for (const char* required : {"id", "listen", "data-dir"}) {
    if (!values->count(required)) {
      outcome.error =
          "--" + std::string(required) + ": required (or env " + environment_name(required) + ")";
      return outcome;
    }
  }
  if (!advertise_given) options.advertise = options.listen;
  for (const Peer& peer : options.peers) {
    if (peer.id == options.id) {
      outcome.error = as_given(*values, "peers") + ": lists this node's own id '" + peer.id + "'";
      return outcome;
    }
  }
  options.config.max_timeout_ms =
      std::max(options.config.max_timeout_ms, options.config.default_timeout_ms);
  if (Status valid = options.config.validate(); !valid.ok()) {
    // "--w: (W=1) must be a majority of --n (N=3) ...", not "--w: --w (W=1) ...".
    const std::string flag = flag_for_config_error(*values, valid.message());
    std::string words = in_flag_words(*values, valid.message());
    if (words.rfind(flag + " ", 0) == 0) words.erase(0, flag.size() + 1);
    outcome.error = flag + ": " + words;
    return outcome;
  }
  outcome.options = std::move(options);
  return outcome;
}

}  // namespace ringkv::runtime
