// kvnode: one ringkv cluster member. Parses flags and KV_* environment variables, runs the
// server until SIGTERM/SIGINT. Exit codes: 0 clean shutdown, 1 runtime failure, 2 bad
// configuration (one line on stderr naming the flag).
#include <malloc.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "runtime/flags.h"
#include "runtime/server.h"

namespace {
constexpr int kMallocThresholdBytes = 128 << 10;  // glibc's own starting value
}  // namespace

int main(int argc, char** argv) {
  using namespace ringkv::runtime;
  std::vector<std::string> arguments(argv + 1, argv + argc);
  FlagsOutcome flags =
      parse_flags(arguments, [](std::string_view name) -> std::optional<std::string> {
        const char* value = std::getenv(std::string(name).c_str());
        if (value == nullptr) return std::nullopt;
        return std::string(value);
      });
  if (flags.help_requested) {
    std::fputs(help_text().c_str(), stdout);
    return 0;
  }
  if (!flags.options) {
    std::fprintf(stderr, "kvnode: %s (see kvnode --help)\n", flags.error.c_str());
    return 2;
  }
  // Compactions run on libuv's pool threads, which glibc serves from arenas of their own.
  // With its default dynamic thresholds, a large buffer freed there (a merge's filter and
  // index) raises the mmap and trim thresholds, and a thread's arena then keeps up to twice
  // that free at its top, which malloc_trim does not shrink: the resident set grew with the
  // largest merge so far (24 MB at 1M keys, 57 MB at 2M; 17 and 18 MB with fixed
  // thresholds, docs/benchmarks.md). Fixed thresholds keep large buffers in mappings of
  // their own and let every arena shrink.
  mallopt(M_MMAP_THRESHOLD, kMallocThresholdBytes);
  mallopt(M_TRIM_THRESHOLD, kMallocThresholdBytes);
  // A write to a socket the peer already closed must be an error (EPIPE), not a kill.
  std::signal(SIGPIPE, SIG_IGN);
  Logger logger(flags.options->id, flags.options->log_level);
  Server server(std::move(*flags.options), logger);
  if (ringkv::Status started = server.start(); !started.ok()) {
    logger.error("cannot start: " + started.to_string());
    return 1;
  }
  return server.run();
}
