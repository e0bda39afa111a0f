#include "core/storage/file_names.h"

#include <cstdio>

namespace ringkv {
namespace {

constexpr std::string_view kWalPrefix = "wal-";
constexpr std::string_view kWalSuffix = ".log";
constexpr std::string_view kTableSuffix = ".sst";
constexpr size_t kMaxNumberDigits = 19;

std::string padded_number(uint64_t number) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%06llu", static_cast<unsigned long long>(number));
  return buffer;
}

// Parses all-digit text (1..kMaxNumberDigits digits) into `number`.
bool parse_number(std::string_view digits, uint64_t& number) {
  if (digits.empty() || digits.size() > kMaxNumberDigits) return false;
  number = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    number = number * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}

}  // namespace

std::string wal_file_name(uint64_t number) {
  return std::string(kWalPrefix) + padded_number(number) + std::string(kWalSuffix);
}

std::string table_file_name(uint64_t number) {
  return padded_number(number) + std::string(kTableSuffix);
}

StoreFileName parse_store_file_name(std::string_view name) {
  StoreFileName parsed;
  if (name == kManifestFileName) {
    parsed.kind = StoreFileKind::kManifest;
  } else if (name == kManifestTempFileName) {
    parsed.kind = StoreFileKind::kManifestTemp;
  } else if (name.starts_with(kWalPrefix) && name.ends_with(kWalSuffix)) {
    auto digits =
        name.substr(kWalPrefix.size(), name.size() - kWalPrefix.size() - kWalSuffix.size());
    if (parse_number(digits, parsed.number)) parsed.kind = StoreFileKind::kWal;
  } else if (name.ends_with(kTableSuffix)) {
    if (parse_number(name.substr(0, name.size() - kTableSuffix.size()), parsed.number)) {
      parsed.kind = StoreFileKind::kTable;
    }
  }
  return parsed;
}

}  // namespace ringkv
