// FuzzInput: reads typed values off the front of a fuzzer's byte string; past the end every
// read returns zero/empty, so a target never reads out of bounds. fuzz_expect(): the oracle
// check of every target (prints what broke, then abort() so libFuzzer records the input).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace ringkv::fuzz {

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size)
      : bytes_(reinterpret_cast<const char*>(data), size) {}

  uint8_t byte() {
    if (offset_ >= bytes_.size()) return 0;
    return static_cast<uint8_t>(bytes_[offset_++]);
  }
  // Little-endian; missing bytes read as zero.
  uint64_t u64() {
    uint64_t value = 0;
    for (int i = 0; i < 8; ++i) value |= uint64_t{byte()} << (8 * i);
    return value;
  }
  // Uniform enough in [low, high] for a fuzzer (one byte of choice).
  uint64_t range(uint64_t low, uint64_t high) { return low + byte() % (high - low + 1); }
  // Up to `max_bytes` bytes (the length is one byte of input).
  std::string_view bytes(size_t max_bytes) { return take(byte() % (max_bytes + 1)); }
  std::string_view take(size_t count) {
    size_t n = count < remaining() ? count : remaining();
    std::string_view out = bytes_.substr(offset_, n);
    offset_ += n;
    return out;
  }
  std::string_view rest() { return take(remaining()); }
  size_t remaining() const { return bytes_.size() - offset_; }

 private:
  std::string_view bytes_;
  size_t offset_ = 0;
};

// The oracle: when `holds` is false, say what broke and abort().
inline void fuzz_expect(bool holds, const char* what, const std::string& detail = "") {
  if (holds) return;
  std::fprintf(stderr, "fuzz oracle failed: %s\n%s\n", what, detail.c_str());
  std::abort();
}

}  // namespace ringkv::fuzz
