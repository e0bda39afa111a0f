#include "sim/kit/trace.h"

#include "core/hash.h"
#include "core/wire/json_writer.h"

namespace ringkv::sim {

Trace::~Trace() {
  if (file_) std::fclose(file_);
}

bool Trace::open_file(const std::string& path) {
  if (file_) std::fclose(file_);
  file_ = std::fopen(path.c_str(), "w");
  return file_ != nullptr;
}

void Trace::record(uint64_t time_ms, std::string_view kind, std::string_view fields,
                   std::string_view detail) {
  // The oldest of the recent lines is reused as the buffer of the new one.
  std::string& line = recent_[next_recent_];
  next_recent_ = (next_recent_ + 1) % kRecentLines;
  line.assign("{\"t\":").append(std::to_string(time_ms)).append(",\"kind\":\"");
  line.append(kind).push_back('"');
  if (!fields.empty()) line.append(",").append(fields);
  line.push_back('}');
  hash_ = hash_ * 0x100000001b3ULL + hash64(line);  // chained: every line, in order
  events_++;
  if (!file_ && !capture_) return;
  std::string full;
  if (!detail.empty()) {
    full.assign(line, 0, line.size() - 1).append(",").append(detail).push_back('}');
  }
  const std::string& out = detail.empty() ? line : full;
  if (file_) {
    std::fwrite(out.data(), 1, out.size(), file_);
    std::fputc('\n', file_);
  }
  if (capture_) captured_.push_back(out);
}

std::vector<std::string> Trace::recent() const {
  std::vector<std::string> lines;
  for (size_t i = 0; i < kRecentLines; ++i) {
    const std::string& line = recent_[(next_recent_ + i) % kRecentLines];
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// The wire's quoting: valid UTF-8 goes out as it is ("2‰", not byte-wise escapes), control
// characters escaped, invalid bytes as U+FFFD.
std::string json_quote(std::string_view text) { return wire::json_quote(text); }

}  // namespace ringkv::sim
