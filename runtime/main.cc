// kvnode: one ringkv cluster member. Parses flags and KV_* environment variables, runs the
// server until SIGTERM/SIGINT. Exit codes: 0 clean shutdown, 1 runtime failure, 2 bad
// configuration (one line on stderr naming the flag).
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "runtime/flags.h"
#include "runtime/server.h"

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
