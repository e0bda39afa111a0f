#include "runtime/logger.h"

#include <sys/time.h>

#include <cstdio>
#include <ctime>

namespace ringkv::runtime {

std::optional<LogLevel> parse_log_level(std::string_view text) {
  if (text == "debug") return LogLevel::kDebug;
  if (text == "info") return LogLevel::kInfo;
  if (text == "warn") return LogLevel::kWarn;
  if (text == "error") return LogLevel::kError;
  return std::nullopt;
}

const char* log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

void Logger::log(LogLevel level, std::string_view message) const {
  if (!enabled(level)) return;
  timeval now{};
  gettimeofday(&now, nullptr);
  tm utc{};
  gmtime_r(&now.tv_sec, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &utc);
  std::fprintf(stderr, "%s.%03dZ %s node=%s %.*s\n", stamp, static_cast<int>(now.tv_usec / 1000),
               log_level_name(level), node_id_.c_str(), static_cast<int>(message.size()),
               message.data());
}

}  // namespace ringkv::runtime
