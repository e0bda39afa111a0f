// Logger: one line per event on stderr, "2026-01-02T03:04:05.678Z info node=n1 message".
// One per process, owned by the server; lines below the configured level are dropped.
// Not thread-safe (kvnode is single-threaded).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ringkv::runtime {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

std::optional<LogLevel> parse_log_level(std::string_view text);
const char* log_level_name(LogLevel level);

class Logger {
 public:
  Logger(std::string node_id, LogLevel level) : node_id_(std::move(node_id)), level_(level) {}

  bool enabled(LogLevel level) const { return level >= level_; }
  void log(LogLevel level, std::string_view message) const;
  void debug(std::string_view message) const { log(LogLevel::kDebug, message); }
  void info(std::string_view message) const { log(LogLevel::kInfo, message); }
  void warn(std::string_view message) const { log(LogLevel::kWarn, message); }
  void error(std::string_view message) const { log(LogLevel::kError, message); }

 private:
  std::string node_id_;
  LogLevel level_;
};

}  // namespace ringkv::runtime
