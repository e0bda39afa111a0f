// kvsim: runs seeded deterministic simulations of a ringkv cluster.
//   kvsim --seed S [--nodes K] [--ops M] [--faults all|none|LIST] [--inject-bug NAME]
//         [--trace FILE] [--check-determinism]
//     last line on success: seed=S ok ops=M events=E sim_ms=T trace=HEX
//   kvsim --sweep A..B [--jobs J] [--fail-fast] [same flags]
//     progress on a terminal; every failing seed with its reproduce line;
//     then `coverage: name=count ...` summed over the seeds, and as the last line:
//     sweep A..B seeds=N failed=F   (--require-coverage: also fails on an unreached path)
//   kvsim --list-bugs             one injected-bug name per line
// Exit status: 0 all passed, 1 a violation (or nondeterminism), 2 usage error.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "core/node/injected_bugs.h"
#include "sim/kv/coverage.h"
#include "sim/kv/kv_simulation.h"

namespace {

using ringkv::sim::KvSimulation;
using ringkv::sim::SimOptions;
using ringkv::sim::SimResult;

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
  uint32_t bugs = 0;
  std::vector<std::string> bug_names;
  size_t nodes = 0;            // 0: drawn from the seed
  uint64_t ops = 0;            // 0: no cap
  std::string faults = "all";  // all | none | comma-separated kinds
  uint32_t checkers = ringkv::sim::kAllCheckers;
  std::vector<std::string> passthrough;  // the flags a reproduce line repeats
};

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

[[noreturn]] void usage(const std::string& error) {
  std::fprintf(stderr,
               "kvsim: %s\n"
               "usage: kvsim --seed S [--trace FILE]\n"
               "       kvsim --sweep A..B [--jobs J] [--fail-fast]\n"
               "  common: [--nodes 3..7] [--ops M] [--faults all|none|LIST]\n"
               "          [--inject-bug NAME]... [--check-determinism]\n"
               "          [--checkers white-box,black-box]  linearizability checkers (both)\n"
               "       --require-coverage  (sweeps) fail when a listed rare path was never\n"
               "                           reached (the coverage line names them)\n"
               "  fault kinds: crash,power,partition,clog,pause,loss,duplicate,disk,clock\n"
               "  kvsim --list-bugs\n",
               error.c_str());
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
      size_t dots = range.find("..");
      if (dots == std::string::npos) usage("--sweep needs A..B, got '" + range + "'");
      args.seed_first = parse_number(range.substr(0, dots), "--sweep");
      args.seed_last = parse_number(range.substr(dots + 2), "--sweep");
      if (args.seed_last < args.seed_first) usage("--sweep A..B needs A <= B");
      args.sweep = have_seed = true;
    } else if (flag == "--jobs") {
      args.jobs = static_cast<unsigned>(parse_number(value(), "--jobs"));
      if (args.jobs == 0 || args.jobs > 256) usage("--jobs must be in 1..256");
    } else if (flag == "--trace") {
      args.trace_path = value();
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
      usage("help");
    } else {
      usage("unknown flag '" + flag + "'");
    }
  }
  if (!have_seed) usage("give --seed S or --sweep A..B");
  if (args.sweep && !args.trace_path.empty()) usage("--trace works with --seed only");
  return args;
}

std::string reproduce_command(const Args& args, uint64_t seed) {
  std::string command = "kvsim --seed " + std::to_string(seed);
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

SimOptions options_for(const Args& args, uint64_t seed) {
  SimOptions options = SimOptions::draw(seed);
  options.injected_bugs = args.bugs;
  if (args.nodes > 0) options.set_node_count(args.nodes);
  options.max_ops = args.ops;
  options.checkers = args.checkers;
  if (args.ops > 0) options.min_ops = std::min(options.min_ops, args.ops);
  if (args.faults == "none") {
    options.keep_only_faults({});
  } else if (args.faults != "all") {
    options.keep_only_faults(split_commas(args.faults));
  }
  return options;
}

// Runs one seed; writes its output to `out`. Returns true when it passed.
bool run_seed(const Args& args, uint64_t seed, std::FILE* out, bool print_options) {
  SimOptions options = options_for(args, seed);
  if (print_options) std::fprintf(out, "%s\n", options.describe().c_str());
  KvSimulation simulation(options);
  if (!args.trace_path.empty() && !simulation.trace_to(args.trace_path)) {
    std::fprintf(stderr, "kvsim: cannot write trace file %s\n", args.trace_path.c_str());
    std::exit(2);
  }
  SimResult result = simulation.run();
  bool passed = result.ok();
  if (args.check_determinism) {
    SimResult again = KvSimulation(options_for(args, seed)).run();
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
  std::fprintf(out, "%s\n", result.coverage.line(ringkv::sim::required_coverage()).c_str());
  if (!passed) std::fprintf(out, "reproduce: %s\n", reproduce_command(args, seed).c_str());
  std::fprintf(out, "%s\n", summary(seed, result).c_str());
  std::fflush(out);
  return passed;
}

int sweep(const Args& args) {
  const uint64_t total = args.seed_last - args.seed_first + 1;
  std::map<pid_t, std::pair<uint64_t, std::FILE*>> running;
  std::vector<uint64_t> failing;
  ringkv::sim::Coverage coverage;
  uint64_t next = args.seed_first, done = 0;
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
    if (!passed) {
      failing.push_back(seed);
      std::printf("%s", output.empty() ? ("seed=" + std::to_string(seed) + " crashed\n").c_str()
                                       : output.c_str());
    }
    std::fflush(stdout);
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
  while (next <= args.seed_last && !(args.fail_fast && !failing.empty())) {
    if (running.size() >= args.jobs) {
      reap_one();
      continue;
    }
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
    next++;
  }
  while (!running.empty()) reap_one();
  if (progress) std::fprintf(stderr, "\n");
  if (!failing.empty()) {
    std::sort(failing.begin(), failing.end());
    std::printf("failing seeds:");
    for (uint64_t seed : failing) std::printf(" %llu", static_cast<unsigned long long>(seed));
    std::printf("\n");
  }
  const auto& required = ringkv::sim::required_coverage();
  std::printf("%s\n", coverage.line(required).c_str());
  const std::vector<std::string> missing = coverage.missing(required);
  bool coverage_failed = false;
  if (args.require_coverage && !missing.empty()) {
    std::string names;
    for (const std::string& name : missing) names += (names.empty() ? "" : ", ") + name;
    std::printf("coverage: never reached: %s\n", names.c_str());
    coverage_failed = true;
  }
  std::printf("sweep %llu..%llu seeds=%llu failed=%zu\n",
              static_cast<unsigned long long>(args.seed_first),
              static_cast<unsigned long long>(args.seed_last),
              static_cast<unsigned long long>(done), failing.size());
  return failing.empty() && !coverage_failed ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Args args = parse_args(argc, argv);
  if (args.sweep) return sweep(args);
  return run_seed(args, args.seed_first, stdout, true) ? 0 : 1;
}
