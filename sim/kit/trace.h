// Trace: every simulator event as one line. The lines are folded into a 64-bit hash (the
// run's fingerprint: same seed and flags, same hash) and optionally written to a file as
// JSON lines (--trace FILE). The file is the one thing the simulator writes.
#pragma once

#include <cstdint>
#include <cstdio>
#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace ringkv::sim {

class Trace {
 public:
  Trace() = default;
  ~Trace();
  Trace(const Trace&) = delete;
  Trace& operator=(const Trace&) = delete;

  // Starts writing JSON lines to `path`; false if the file cannot be opened.
  bool open_file(const std::string& path);
  // Records one event: `kind` (e.g. "deliver") and a JSON object body without braces.
  // `detail` (more fields) goes to the file and the capture but not into the hash, so a
  // run traced in detail has the hash of the same run untraced.
  void record(uint64_t time_ms, std::string_view kind, std::string_view fields,
              std::string_view detail = {});
  // Keeps every line in memory too (for kvsim --html).
  void capture() { capture_ = true; }
  const std::vector<std::string>& captured() const { return captured_; }
  // True when details are kept anywhere (a file or the capture): worth computing.
  bool wants_detail() const { return file_ != nullptr || capture_; }

  uint64_t hash() const { return hash_; }
  uint64_t events() const { return events_; }
  // The last few lines, oldest first, for failure reports.
  std::vector<std::string> recent() const;

 private:
  static constexpr size_t kRecentLines = 40;
  uint64_t hash_ = 0;  // each line's XXH64, chained in order
  uint64_t events_ = 0;
  std::FILE* file_ = nullptr;
  std::array<std::string, kRecentLines> recent_;  // a ring: next_recent_ is the oldest
  size_t next_recent_ = 0;
  bool capture_ = false;
  std::vector<std::string> captured_;
};

// JSON string escaping for trace fields (printable ASCII passes; the rest is \u00XX).
std::string json_quote(std::string_view text);

}  // namespace ringkv::sim
