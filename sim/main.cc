// kvsim: runs seeded deterministic simulations of a ringkv cluster.
//   kvsim --seed S [--nodes K] [--ops M] [--faults all|none|LIST] [--inject-bug NAME]
//         [--trace FILE] [--check-determinism]
//     last line on success: seed=S ok ops=M events=E sim_ms=T trace=HEX
//   kvsim --sweep A..B [--jobs J] [--fail-fast] [same flags]
//     progress on a terminal; every failing seed with its reproduce line;
//     then `coverage: name=count ...` summed over the seeds, and as the last line:
//     sweep A..B seeds=N failed=F   (--require-coverage: also fails on an unreached path)
//   kvsim --options-from FILE [--set name=value]...   the run a file describes
//   kvsim --seed S --options-out FILE                  also writes the run's options
//   kvsim --seed S --schedule-out FILE                 also writes its faults and requests
//   kvsim --schedule-from FILE                         replays a schedule
//   kvsim --seed S --shrink [--shrink-out FILE]        a failing run made small
//   kvsim --sweep A..B --shard I/N --json              one JSON line per seed of slice I
//   kvsim --merge FILES...                             the combined summary of shards
//   kvsim --list-bugs | --list-options
// Exit status: 0 all passed, 1 a violation (or nondeterminism), 2 usage error.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/node/injected_bugs.h"
#include "sim/kv/coverage.h"
#include "sim/kv/kv_simulation.h"
#include "sim/kv/option_fields.h"
#include "sim/kv/schedule.h"
#include "sim/kv/seed_result.h"
#include "sim/kv/shrink.h"

namespace {

using ringkv::sim::KvSimulation;
using ringkv::sim::SimOptions;
using ringkv::sim::SimResult;
using ringkv::Status;

struct Args {
  uint64_t seed_first = 1;
  uint64_t seed_last = 1;
  bool sweep = false;
  unsigned jobs = 1;
  bool fail_fast = false;
  bool check_determinism = false;
  bool verbose = false;
  bool require_coverage = false;
  std::string trace_path;
  std::string html_path;
  bool shrink = false;
  std::string shrink_out;
  uint32_t bugs = 0;
  std::vector<std::string> bug_names;
  size_t nodes = 0;            // 0: drawn from the seed
  uint64_t ops = 0;            // 0: no cap
  std::string faults = "all";  // all | none | comma-separated kinds
  uint32_t checkers = 0;       // 0: as drawn (both)
  std::vector<std::string> passthrough;  // the flags a reproduce line repeats
  std::string options_from;  // a file: run exactly these options
  std::optional<SimOptions> file_options;
  std::string options_out;
  std::string schedule_from;  // a file: replay these faults and requests
  std::optional<ringkv::sim::Schedule> file_schedule;
  std::string schedule_out;
  std::vector<std::string> sets;  // name=value overrides, in order
  uint64_t shard = 1, shards = 1;
  bool json = false;
  std::vector<std::string> merge_files;
};

std::string read_file_or_exit(const std::string& path, const char* flag);

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) parts.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return parts;
}

void print_usage(std::FILE* out) {
  std::fprintf(out,
               "usage: kvsim --seed S [--trace FILE] [--html FILE] [--options-out FILE]\n"
               "       kvsim --options-from FILE [--trace FILE]   (no --seed: the file has it)\n"
               "       kvsim --schedule-from FILE   replay a run's faults and requests\n"
               "       kvsim --sweep A..B [--jobs J] [--fail-fast] [--shard I/N] [--json]\n"
               "       kvsim --merge FILE...   combined summary of --json shard outputs\n"
               "  common: [--nodes 3..7] [--ops M] [--faults all|none|LIST]\n"
               "          [--inject-bug NAME]... [--check-determinism]\n"
               "          [--checkers white-box,black-box]  linearizability checkers (both)\n"
               "          [--set NAME=VALUE]...  override one option (--list-options)\n"
               "       --require-coverage  (sweeps) fail when a listed rare path was never\n"
               "                           reached (the coverage line names them)\n"
               "       --html FILE  (one run) its timeline as a self-contained HTML page\n"
               "       --schedule-out FILE  (one run) also write its faults and requests,\n"
               "                    which --schedule-from replays with the same trace hash\n"
               "       --shrink [--shrink-out FILE]  (one failing run) make its options, then\n"
               "                    its faults and requests, smaller while the same invariant\n"
               "                    fails; writes the smallest schedule and its reproduce line\n"
               "       --shard I/N  run the I-th (1..N) of N disjoint slices of the sweep\n"
               "       --json       (sweeps) one JSON line per seed on stdout, the report\n"
               "                    of failing seeds on stderr\n"
               "  fault kinds: crash,power,partition,clog,pause,loss,duplicate,disk,clock\n"
               "  kvsim --list-bugs | --list-options\n"
               "  docs/simulator.md: options files, shards, replaying a failure\n");
}

// A usage error: what is wrong, then the usage, on stderr; exit status 2.
[[noreturn]] void usage(const std::string& error) {
  std::fprintf(stderr, "kvsim: %s\n", error.c_str());
  print_usage(stderr);
  std::exit(2);
}

uint64_t parse_number(const std::string& text, const char* flag) {
  if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos) {
    usage(std::string(flag) + " needs a non-negative integer, got '" + text + "'");
  }
  return std::stoull(text);
}

Args parse_args(int argc, char** argv) {
  Args args;
  bool have_seed = false;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(flag + " needs a value");
      return argv[++i];
    };
    if (flag == "--seed") {
      args.seed_first = args.seed_last = parse_number(value(), "--seed");
      have_seed = true;
    } else if (flag == "--sweep") {
      std::string range = value();
      if (!ringkv::sim::parse_integer_pair(range, "..", args.seed_first, args.seed_last) ||
          args.seed_last < args.seed_first) {
        usage("--sweep needs A..B with integers A <= B, got '" + range + "'");
      }
      args.sweep = have_seed = true;
    } else if (flag == "--jobs") {
      args.jobs = static_cast<unsigned>(parse_number(value(), "--jobs"));
      if (args.jobs == 0 || args.jobs > 256) usage("--jobs must be in 1..256");
    } else if (flag == "--trace") {
      args.trace_path = value();
    } else if (flag == "--html") {
      args.html_path = value();
    } else if (flag == "--shrink") {
      args.shrink = true;
    } else if (flag == "--shrink-out") {
      args.shrink_out = value();
    } else if (flag == "--inject-bug") {
      std::string name = value();
      auto bug = ringkv::injected_bug_by_name(name);
      if (!bug) usage("unknown bug '" + name + "' (see --list-bugs)");
      args.bugs |= static_cast<uint32_t>(*bug);
      args.bug_names.push_back(name);
      args.passthrough.insert(args.passthrough.end(), {"--inject-bug", name});
    } else if (flag == "--nodes") {
      std::string text = value();
      args.nodes = static_cast<size_t>(parse_number(text, "--nodes"));
      if (args.nodes < 3 || args.nodes > 7) usage("--nodes must be in 3..7");
      args.passthrough.insert(args.passthrough.end(), {"--nodes", text});
    } else if (flag == "--ops") {
      std::string text = value();
      args.ops = parse_number(text, "--ops");
      if (args.ops == 0) usage("--ops must be > 0");
      args.passthrough.insert(args.passthrough.end(), {"--ops", text});
    } else if (flag == "--faults") {
      args.faults = value();
      if (args.faults != "all" && args.faults != "none") {
        ringkv::sim::SimOptions probe;
        if (!probe.keep_only_faults(split_commas(args.faults))) {
          usage("--faults takes all, none or a list of: "
                "crash,power,partition,clog,pause,loss,duplicate,disk,clock");
        }
      }
      args.passthrough.insert(args.passthrough.end(), {"--faults", args.faults});
    } else if (flag == "--checkers") {
      std::string text = value();
      args.checkers = 0;
      for (const std::string& name : split_commas(text)) {
        if (name == "white-box") {
          args.checkers |= ringkv::sim::kWhiteBoxChecker;
        } else if (name == "black-box") {
          args.checkers |= ringkv::sim::kBlackBoxChecker;
        } else {
          usage("--checkers takes white-box, black-box or both (comma-separated)");
        }
      }
      if (args.checkers == 0) usage("--checkers needs white-box, black-box or both");
      args.passthrough.insert(args.passthrough.end(), {"--checkers", text});
    } else if (flag == "--options-from") {
      args.options_from = value();
      auto loaded = ringkv::sim::options_from_json(read_file_or_exit(args.options_from, "--options-from"));
      if (!loaded.ok()) usage(args.options_from + ": " + loaded.status().message());
      args.file_options = *loaded;
      args.seed_first = args.seed_last = loaded->seed;
      have_seed = true;
    } else if (flag == "--options-out") {
      args.options_out = value();
    } else if (flag == "--schedule-from") {
      args.schedule_from = value();
      auto loaded = ringkv::sim::schedule_from_json(
          read_file_or_exit(args.schedule_from, "--schedule-from"));
      if (!loaded.ok()) usage(args.schedule_from + ": " + loaded.status().message());
      args.file_options = loaded->options;
      args.seed_first = args.seed_last = loaded->options.seed;
      args.file_schedule = std::move(*loaded);
      have_seed = true;
    } else if (flag == "--schedule-out") {
      args.schedule_out = value();
    } else if (flag == "--set") {
      std::string assignment = value();
      SimOptions probe;
      Status valid = ringkv::sim::set_option_assignment(probe, assignment);
      if (!valid.ok()) usage(valid.message());
      args.sets.push_back(assignment);
      args.passthrough.insert(args.passthrough.end(), {"--set", assignment});
    } else if (flag == "--shard") {
      std::string text = value();
      if (!ringkv::sim::parse_integer_pair(text, "/", args.shard, args.shards) ||
          args.shards == 0 || args.shard == 0 || args.shard > args.shards) {
        usage("--shard I/N needs 1 <= I <= N, got '" + text + "'");
      }
    } else if (flag == "--json") {
      args.json = true;
    } else if (flag == "--merge") {
      while (i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0) {
        args.merge_files.push_back(argv[++i]);
      }
      if (args.merge_files.empty()) usage("--merge needs one or more files");
      have_seed = true;
    } else if (flag == "--list-options") {
      SimOptions defaults;
      std::printf("%s", ringkv::sim::options_to_json(defaults).c_str());
      std::exit(0);
    } else if (flag == "--require-coverage") {
      args.require_coverage = true;
    } else if (flag == "--fail-fast") {
      args.fail_fast = true;
    } else if (flag == "--check-determinism") {
      args.check_determinism = true;
      args.passthrough.push_back("--check-determinism");
    } else if (flag == "--verbose") {
      args.verbose = true;
    } else if (flag == "--list-bugs") {
      for (const auto& info : ringkv::injected_bug_catalog()) {
        std::printf("%s\n", std::string(info.name).c_str());
      }
      std::exit(0);
    } else if (flag == "--help" || flag == "-h") {
      print_usage(stdout);
      std::exit(0);
    } else {
      usage("unknown option '" + flag + "'");
    }
  }
  if (!have_seed) usage("give --seed S, --options-from FILE or --sweep A..B");
  if (args.sweep && !args.trace_path.empty()) usage("--trace works with --seed only");
  if (args.sweep && !args.html_path.empty()) usage("--html works with --seed only");
  if (args.sweep && args.shrink) usage("--shrink works on one run: add it to a reproduce line");
  if (args.sweep && !args.options_from.empty()) {
    usage("--options-from runs one configuration: not with --sweep (use --set)");
  }
  if (args.sweep && !args.options_out.empty()) usage("--options-out works with --seed only");
  if (args.sweep && !args.schedule_out.empty()) usage("--schedule-out works with --seed only");
  if (args.sweep && args.file_schedule) usage("--schedule-from replays one run: not with --sweep");
  if (!args.options_from.empty() && args.file_schedule) {
    usage("--schedule-from FILE holds its options: not with --options-from");
  }
  if (!args.sweep && (args.shards > 1 || args.json)) usage("--shard and --json are for sweeps");
  return args;
}

std::string read_file_or_exit(const std::string& path, const char* flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) usage(std::string(flag) + ": cannot read " + path);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// A command that replays the run: its seed (or options file) and every flag that changed it.
std::string reproduce_command(const Args& args, uint64_t seed) {
  std::string command = !args.schedule_from.empty()  ? "kvsim --schedule-from " + args.schedule_from
                        : !args.options_from.empty() ? "kvsim --options-from " + args.options_from
                                                     : "kvsim --seed " + std::to_string(seed);
  for (const auto& word : args.passthrough) command += " " + word;
  return command;
}

// The contract line: "seed=S ok ops=M events=E sim_ms=T trace=HEX" (FAILED instead of ok).
std::string summary(uint64_t seed, const SimResult& r) {
  char line[256];
  std::snprintf(line, sizeof line, "seed=%llu %s ops=%llu events=%llu sim_ms=%llu trace=%016llx",
                static_cast<unsigned long long>(seed), r.ok() ? "ok" : "FAILED",
                static_cast<unsigned long long>(r.stats.ops),
                static_cast<unsigned long long>(r.stats.events),
                static_cast<unsigned long long>(r.end_time_ms),
                static_cast<unsigned long long>(r.trace_hash));
  return line;
}

std::string details(const SimResult& r) {
  char line[512];
  std::snprintf(line, sizeof line,
                "  acked=%llu reads=%llu failed=%llu indeterminate=%llu crashes=%llu "
                "power_failures=%llu disk_wipes=%llu partitions=%llu converged_after_ms=%llu "
                "probe=%llu "
                "black_box_steps=%llu black_box_unknown_keys=%llu contended_reads=%llu",
                static_cast<unsigned long long>(r.stats.writes_acked),
                static_cast<unsigned long long>(r.stats.reads_ok + r.stats.not_found),
                static_cast<unsigned long long>(r.stats.failed),
                static_cast<unsigned long long>(r.stats.indeterminate),
                static_cast<unsigned long long>(r.stats.crashes),
                static_cast<unsigned long long>(r.stats.power_failures),
                static_cast<unsigned long long>(r.stats.disk_wipes),
                static_cast<unsigned long long>(r.stats.partitions),
                static_cast<unsigned long long>(r.stats.converged_after_ms),
                static_cast<unsigned long long>(r.stats.probe_ops),
                static_cast<unsigned long long>(r.stats.black_box_steps),
                static_cast<unsigned long long>(r.stats.black_box_unknown_keys),
                static_cast<unsigned long long>(r.stats.contended_reads));
  return line;
}

// The seed's drawn options (or the options file), then the flags, then each --set.
SimOptions options_for(const Args& args, uint64_t seed) {
  SimOptions options = args.file_options ? *args.file_options : SimOptions::draw(seed);
  options.injected_bugs |= args.bugs;
  if (args.nodes > 0) options.set_node_count(args.nodes);
  if (args.ops > 0) {
    options.max_ops = args.ops;
    options.min_ops = std::min(options.min_ops, args.ops);
  }
  if (args.checkers != 0) options.checkers = args.checkers;
  if (args.faults == "none") {
    options.keep_only_faults({});
  } else if (args.faults != "all") {
    options.keep_only_faults(split_commas(args.faults));
  }
  for (const std::string& assignment : args.sets) {
    Status set = ringkv::sim::set_option_assignment(options, assignment);
    if (!set.ok()) usage(set.message());
  }
  if (auto problem = options.problem()) usage("these options cannot run: " + *problem);
  if (args.file_schedule) {
    ringkv::sim::Schedule schedule = *args.file_schedule;
    schedule.options = options;
    if (auto problem = schedule.problem()) usage("the schedule does not fit these options: " + *problem);
  }
  return options;
}

void write_file_or_exit(const std::string& path, const std::string& text, const char* flag) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
  if (!file.flush()) usage(std::string(flag) + ": cannot write " + path);
}

// The run of these options: replaying --schedule-from, recording for --schedule-out.
SimResult run_simulation(const Args& args, KvSimulation& simulation) {
  if (args.file_schedule) simulation.replay(*args.file_schedule);
  if (!args.schedule_out.empty()) simulation.record_schedule();
  SimResult result = simulation.run();
  if (!args.schedule_out.empty()) {
    // A replay records what it did: the faults that still applied, the requests it issued.
    const ringkv::sim::Schedule& schedule = simulation.recorded_schedule();
    write_file_or_exit(args.schedule_out, ringkv::sim::schedule_to_json(schedule), "--schedule-out");
  }
  return result;
}

// Runs one seed; writes its output to `out`. Returns true when it passed.
bool run_seed(const Args& args, uint64_t seed, std::FILE* out, bool print_options) {
  SimOptions options = options_for(args, seed);
  if (print_options) std::fprintf(out, "%s\n", options.describe().c_str());
  if (!args.options_out.empty()) {
    write_file_or_exit(args.options_out, ringkv::sim::options_to_json(options), "--options-out");
  }
  KvSimulation simulation(options);
  if (!args.trace_path.empty() && !simulation.trace_to(args.trace_path)) {
    std::fprintf(stderr, "kvsim: cannot write trace file %s\n", args.trace_path.c_str());
    std::exit(2);
  }
  if (!args.html_path.empty()) simulation.html_to(args.html_path);
  SimResult result = run_simulation(args, simulation);
  if (!result.html_error.empty()) {
    std::fprintf(stderr, "kvsim: --html: %s\n", result.html_error.c_str());
    std::exit(2);
  }
  if (!args.html_path.empty()) std::fprintf(out, "timeline: %s\n", args.html_path.c_str());
  bool passed = result.ok();
  if (args.check_determinism) {
    KvSimulation second(options_for(args, seed));
    if (args.file_schedule) second.replay(*args.file_schedule);
    SimResult again = second.run();
    if (again.trace_hash != result.trace_hash) {
      std::fprintf(out, "seed=%llu NONDETERMINISTIC: trace hash %016llx then %016llx\n",
                   static_cast<unsigned long long>(seed),
                   static_cast<unsigned long long>(result.trace_hash),
                   static_cast<unsigned long long>(again.trace_hash));
      passed = false;
    }
  }
  if (!result.ok()) {
    if (!print_options) std::fprintf(out, "%s\n", options.describe().c_str());
    std::fprintf(out, "%s", result.report.c_str());
  }
  if (print_options) std::fprintf(out, "%s\n", details(result).c_str());
  const std::string coverage = result.coverage.line(ringkv::sim::required_coverage());
  std::fprintf(out, "%s\n", coverage.c_str());
  if (!passed) std::fprintf(out, "reproduce: %s\n", reproduce_command(args, seed).c_str());
  std::fprintf(out, "%s\n", summary(seed, result).c_str());
  if (args.json) {
    ringkv::sim::SeedResult line;
    line.seed = seed;
    line.ok = passed;
    line.invariant = result.violation ? result.violation->invariant
                                      : (passed ? "" : "nondeterminism");
    line.trace_hash = result.trace_hash;
    line.sweep = std::to_string(args.seed_first) + ".." + std::to_string(args.seed_last);
    line.reproduce = reproduce_command(args, seed);
    line.coverage = coverage;
    std::fprintf(out, "%s\n", ringkv::sim::seed_result_json(line).c_str());
  }
  std::fflush(out);
  return passed;
}

// The seeds of shard I of N: every N-th seed from the I-th (interleaved, so that slow
// regions of the seed space spread over the shards).
uint64_t first_of_shard(const Args& args) { return args.seed_first + (args.shard - 1); }
uint64_t shard_size(const Args& args) {
  const uint64_t first = first_of_shard(args);
  return first > args.seed_last ? 0 : (args.seed_last - first) / args.shards + 1;
}

// Prints the end of a sweep (or of a merge): failing seeds, coverage, the last line.
// Returns false when coverage is required and a path was never reached.
bool print_sweep_end(std::FILE* out, const Args& args, const std::vector<uint64_t>& failing,
                     const ringkv::sim::Coverage& coverage, const std::string& last_line) {
  if (!failing.empty()) {
    std::fprintf(out, "failing seeds:");
    for (uint64_t seed : failing) std::fprintf(out, " %llu", static_cast<unsigned long long>(seed));
    std::fprintf(out, "\n");
  }
  const auto& required = ringkv::sim::required_coverage();
  std::fprintf(out, "%s\n", coverage.line(required).c_str());
  const std::vector<std::string> missing = coverage.missing(required);
  bool coverage_ok = true;
  if (args.require_coverage && !missing.empty()) {
    std::string names;
    for (const std::string& name : missing) names += (names.empty() ? "" : ", ") + name;
    std::fprintf(out, "coverage: never reached: %s\n", names.c_str());
    coverage_ok = false;
  }
  std::fprintf(out, "%s\n", last_line.c_str());
  std::fflush(out);
  return coverage_ok;
}

// --shrink: the failing run made small (sim/kv/shrink.h), progress on stderr; writes the
// smallest schedule and ends with the line that replays it.
int shrink(const Args& args) {
  const SimOptions original = options_for(args, args.seed_first);
  std::optional<ringkv::sim::Schedule> schedule = args.file_schedule;
  if (schedule) schedule->options = original;
  const ringkv::sim::ShrinkOutcome outcome = ringkv::sim::shrink_run(
      original, schedule, ringkv::sim::ShrinkLimits{},
      [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); });
  if (!outcome.failed) {
    std::printf("%s\nshrink: the run passes: nothing to shrink\n",
                summary(original.seed, outcome.first).c_str());
    return 0;
  }
  const ringkv::sim::Schedule& best = outcome.last_schedule;
  const std::string path = !args.shrink_out.empty()
                               ? args.shrink_out
                               : "kvsim-shrunk-" + std::to_string(best.options.seed) + ".json";
  write_file_or_exit(path, ringkv::sim::schedule_to_json(best), "--shrink-out");
  const ringkv::sim::Schedule& first = outcome.first_schedule;
  std::printf("%s\n", best.options.describe().c_str());
  std::printf("%s", outcome.last.report.c_str());
  std::printf("shrink: %d steps%s: faults %zu -> %zu, ops %zu -> %zu, nodes %zu -> %zu, "
              "clients %zu -> %zu, keys %zu -> %zu (%s)\n",
              outcome.steps, outcome.budget_reached ? " (budget reached)" : "",
              first.fault_count(), best.fault_count(), first.ops.size(), best.ops.size(),
              original.node_count, best.options.node_count, original.client_count,
              best.options.client_count, original.key_count, best.options.key_count,
              outcome.invariant.c_str());
  std::printf("reproduce: kvsim --schedule-from %s\n", path.c_str());
  std::printf("%s\n", summary(best.options.seed, outcome.last).c_str());
  return 1;  // the shrunk run fails, as the original did
}

int merge(const Args& args) {
  std::vector<std::string> texts;
  for (const std::string& path : args.merge_files) texts.push_back(read_file_or_exit(path, "--merge"));
  const ringkv::sim::MergedSweep merged = ringkv::sim::merge_seed_results(texts);
  std::vector<uint64_t> failing;
  for (const auto& result : merged.failing) {
    std::printf("seed=%llu FAILED (%s) trace=%016llx\nreproduce: %s\n",
                static_cast<unsigned long long>(result.seed), result.invariant.c_str(),
                static_cast<unsigned long long>(result.trace_hash), result.reproduce.c_str());
    failing.push_back(result.seed);
  }
  for (const std::string& problem : merged.problems) std::printf("merge: %s\n", problem.c_str());
  const std::string last = "sweep " + std::to_string(merged.first) + ".." +
                           std::to_string(merged.last) + " seeds=" + std::to_string(merged.seeds) +
                           " failed=" + std::to_string(failing.size()) + " (merged from " +
                           std::to_string(args.merge_files.size()) + " files)";
  const bool coverage_ok = print_sweep_end(stdout, args, failing, merged.coverage, last);
  return failing.empty() && merged.problems.empty() && coverage_ok ? 0 : 1;
}

int sweep(const Args& args) {
  const uint64_t total = shard_size(args);
  // With --json, stdout carries only the JSON lines; the human report goes to stderr.
  std::FILE* report = args.json ? stderr : stdout;
  std::map<pid_t, std::pair<uint64_t, std::FILE*>> running;
  std::vector<uint64_t> failing;
  ringkv::sim::Coverage coverage;
  uint64_t next = first_of_shard(args), done = 0;
  const auto start = std::chrono::steady_clock::now();
  const bool progress = isatty(STDERR_FILENO) != 0;  // a live line only on a terminal
  auto reap_one = [&]() {
    int status = 0;
    pid_t pid = waitpid(-1, &status, 0);
    auto it = running.find(pid);
    if (it == running.end()) return;
    auto [seed, file] = it->second;
    running.erase(it);
    done++;
    bool passed = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    std::rewind(file);
    char buffer[4096];
    size_t n;
    std::string output;
    while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) output.append(buffer, n);
    std::fclose(file);
    for (size_t at = output.find("coverage:"); at != std::string::npos;
         at = output.find("coverage:", at + 1)) {
      const size_t end = output.find('\n', at);
      auto seed_coverage = ringkv::sim::Coverage::parse_line(
          std::string_view(output).substr(at, end == std::string::npos ? end : end - at));
      if (seed_coverage) coverage.merge(*seed_coverage);
    }
    if (args.json) {
      const size_t at = output.rfind("{\"seed\":");
      if (at != std::string::npos) {
        std::printf("%s", output.substr(at).c_str());
      } else {  // the child died before its line: a failure with what is known
        ringkv::sim::SeedResult line;
        line.seed = seed;
        line.invariant = "crashed";
        line.sweep = std::to_string(args.seed_first) + ".." + std::to_string(args.seed_last);
        line.reproduce = reproduce_command(args, seed);
        std::printf("%s\n", ringkv::sim::seed_result_json(line).c_str());
      }
    }
    if (!passed) {
      failing.push_back(seed);
      std::fprintf(report, "%s", output.empty() ? ("seed=" + std::to_string(seed) + " crashed\n").c_str()
                                                : output.c_str());
    }
    std::fflush(stdout);
    std::fflush(report);
    // A live line on a terminal; in a log (CI), one line per tenth of the sweep.
    const bool tenth = total >= 10 && done % (total / 10) == 0;
    if (progress || tenth) {
      double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::fprintf(stderr, "%skvsim sweep: %llu/%llu seeds, %zu failed, %.1f seeds/s%s",
                   progress ? "\r" : "", static_cast<unsigned long long>(done),
                   static_cast<unsigned long long>(total), failing.size(),
                   seconds > 0 ? static_cast<double>(done) / seconds : 0.0,
                   progress ? " " : "\n");
    }
  };
  for (; next <= args.seed_last && !(args.fail_fast && !failing.empty()); next += args.shards) {
    while (running.size() >= args.jobs) reap_one();
    if (args.fail_fast && !failing.empty()) break;
    std::FILE* file = std::tmpfile();
    if (!file) usage("cannot create a temporary file");
    pid_t pid = fork();
    if (pid < 0) {
      std::fprintf(stderr, "kvsim: cannot fork for seed %llu: %s\n",
                   static_cast<unsigned long long>(next), std::strerror(errno));
      std::fclose(file);
      while (!running.empty()) reap_one();
      std::exit(2);  // an error, never a pass
    }
    if (pid == 0) {
      bool passed = run_seed(args, next, file, false);
      std::_Exit(passed ? 0 : 1);
    }
    running[pid] = {next, file};
  }
  while (!running.empty()) reap_one();
  if (progress) std::fprintf(stderr, "\n");
  std::sort(failing.begin(), failing.end());
  std::string last = "sweep " + std::to_string(args.seed_first) + ".." +
                     std::to_string(args.seed_last);
  if (args.shards > 1) last += " shard " + std::to_string(args.shard) + "/" + std::to_string(args.shards);
  last += " seeds=" + std::to_string(done) + " failed=" + std::to_string(failing.size());
  const bool coverage_ok = print_sweep_end(report, args, failing, coverage, last);
  return failing.empty() && coverage_ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Args args = parse_args(argc, argv);
  if (!args.merge_files.empty()) return merge(args);
  if (args.shrink) return shrink(args);
  if (args.sweep) return sweep(args);
  return run_seed(args, args.seed_first, stdout, true) ? 0 : 1;
}
