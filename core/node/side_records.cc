#include "core/node/side_records.h"

namespace ringkv {
namespace {

constexpr char kHintValue = 'V';
constexpr char kHintDelete = 'D';
constexpr char kLegacyHintValue = 'v';  // before hints carried their creation time
constexpr char kLegacyHintDelete = 'd';
constexpr char kFloor = 'F';
constexpr size_t kTimeBytes = 8;

void put_time(uint64_t ms, std::string& out) {
  for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((ms >> shift) & 0xff);
}

std::optional<uint64_t> get_time(std::string_view bytes) {
  if (bytes.size() < kTimeBytes) return std::nullopt;
  uint64_t ms = 0;
  for (size_t i = 0; i < kTimeBytes; ++i) ms = (ms << 8) | static_cast<unsigned char>(bytes[i]);
  return ms;
}

}  // namespace

std::string side_key(std::string_view target, std::string_view key) {
  std::string out(target);
  out += '\0';
  out += key;
  return out;
}

std::optional<SideKey> parse_side_key(std::string_view stored_key) {
  const size_t separator = stored_key.find('\0');
  if (separator == std::string_view::npos) return std::nullopt;
  return SideKey{stored_key.substr(0, separator), stored_key.substr(separator + 1)};
}

Entry encode_hint(const Entry& hinted, uint64_t created_ms) {
  Entry record{hinted.version, false, {}};
  record.value.reserve(1 + kTimeBytes + hinted.value.size());
  record.value += hinted.tombstone ? kHintDelete : kHintValue;
  put_time(created_ms, record.value);
  record.value += hinted.value;
  return record;
}

std::optional<HintRecord> decode_hint(const Entry& record, uint64_t loaded_ms) {
  if (record.tombstone || record.value.empty()) return std::nullopt;
  const char marker = record.value[0];
  if (marker == kLegacyHintValue || marker == kLegacyHintDelete) {
    const bool deleted = marker == kLegacyHintDelete;
    return HintRecord{Entry{record.version, deleted, deleted ? "" : record.value.substr(1)},
                      loaded_ms};
  }
  if (marker != kHintValue && marker != kHintDelete) return std::nullopt;
  std::optional<uint64_t> created = get_time(std::string_view(record.value).substr(1));
  if (!created) return std::nullopt;
  const bool deleted = marker == kHintDelete;
  return HintRecord{
      Entry{record.version, deleted, deleted ? "" : record.value.substr(1 + kTimeBytes)},
      *created};
}

Entry encode_floor(const Version& version, uint64_t purged_ms) {
  Entry record{version, false, std::string(1, kFloor)};
  put_time(purged_ms, record.value);
  return record;
}

std::optional<uint64_t> decode_floor(const Entry& record) {
  if (record.tombstone || record.value.size() != 1 + kTimeBytes || record.value[0] != kFloor) {
    return std::nullopt;
  }
  return get_time(std::string_view(record.value).substr(1));
}

}  // namespace ringkv
