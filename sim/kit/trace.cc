#include "sim/kit/trace.h"

namespace ringkv::sim {

Trace::~Trace() {
  if (file_) std::fclose(file_);
}

bool Trace::open_file(const std::string& path) {
  if (file_) std::fclose(file_);
  file_ = std::fopen(path.c_str(), "w");
  return file_ != nullptr;
}

void Trace::record(uint64_t time_ms, std::string_view kind, std::string_view fields) {
  std::string line = "{\"t\":" + std::to_string(time_ms) + ",\"kind\":\"";
  line += kind;
  line += '"';
  if (!fields.empty()) {
    line += ',';
    line += fields;
  }
  line += '}';
  for (unsigned char c : line) {
    hash_ ^= c;
    hash_ *= 0x100000001b3ULL;  // FNV-1a prime
  }
  hash_ ^= '\n';
  hash_ *= 0x100000001b3ULL;
  events_++;
  if (file_) {
    std::fwrite(line.data(), 1, line.size(), file_);
    std::fputc('\n', file_);
  }
  recent_.push_back(std::move(line));
  if (recent_.size() > kRecentLines) recent_.pop_front();
}

std::string json_quote(std::string_view text) {
  static const char* kHex = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  out += '"';
  return out;
}

}  // namespace ringkv::sim
