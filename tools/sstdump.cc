// sstdump: prints an SSTable or a WAL segment of a ringkv store as JSON lines, one record a
// line: {"key_b64":...,"version":"17.n1","tombstone":false,"value_b64":...} (purge markers
// add "purged":true). --check verifies every checksum instead and prints a summary.
// Exit status: 0 ok, 1 usage or I/O error, 2 corruption (with a message on stderr).
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "core/storage/coding.h"
#include "core/storage/sstable_reader.h"
#include "core/storage/storage_format.h"
#include "core/storage/wal_reader.h"
#include "runtime/posix_env.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitUsage = 1;
constexpr int kExitCorruption = 2;

std::string base64_encode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t index = 0;
  for (; index + 3 <= bytes.size(); index += 3) {
    uint32_t group = (uint8_t(bytes[index]) << 16) | (uint8_t(bytes[index + 1]) << 8) |
                     uint8_t(bytes[index + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(kAlphabet[(group >> shift) & 63]);
  }
  size_t rest = bytes.size() - index;
  if (rest > 0) {
    uint32_t group = uint8_t(bytes[index]) << 16;
    if (rest == 2) group |= uint8_t(bytes[index + 1]) << 8;
    out.push_back(kAlphabet[(group >> 18) & 63]);
    out.push_back(kAlphabet[(group >> 12) & 63]);
    out.push_back(rest == 2 ? kAlphabet[(group >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

// Node ids are [A-Za-z0-9_-] when valid; escape anything else so the line stays JSON.
std::string json_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buffer[8];
      std::snprintf(buffer, sizeof(buffer), "\\u%04x", static_cast<unsigned char>(c));
      out += buffer;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void print_record(std::string_view key, const ringkv::StoredRecord& record) {
  std::string line = "{\"key_b64\":\"" + base64_encode(key) + "\",\"version\":\"" +
                     json_escape(record.entry.version.to_string()) +
                     "\",\"tombstone\":" + (record.entry.tombstone ? "true" : "false") +
                     ",\"value_b64\":\"" + base64_encode(record.entry.value) + "\"" +
                     (record.purged ? ",\"purged\":true" : "") + "}\n";
  std::fwrite(line.data(), 1, line.size(), stdout);
}

int fail(const ringkv::Status& status) {
  std::fprintf(stderr, "sstdump: %s\n", status.to_string().c_str());
  return status.code() == ringkv::StatusCode::kCorruption ? kExitCorruption : kExitUsage;
}

int dump_table(ringkv::Env& env, const std::string& path, bool check_only) {
  auto table = ringkv::SstableReader::open(env, path);
  if (!table.ok()) return fail(table.status());
  if (check_only) {
    ringkv::Status verified = (*table)->verify();
    if (!verified.ok()) return fail(verified);
    std::printf("ok: SSTable %s, %llu entries, %zu data blocks, all checksums valid\n",
                path.c_str(), static_cast<unsigned long long>((*table)->entry_count()),
                (*table)->data_block_count());
    return kExitOk;
  }
  for (size_t block = 0; block < (*table)->data_block_count(); ++block) {
    ringkv::BlockRecords records;
    ringkv::Status read = (*table)->read_data_block(block, records);
    if (!read.ok()) return fail(read);
    for (const auto& [key, record] : records) print_record(key, record);
  }
  return kExitOk;
}

int dump_wal(const std::string& path, const std::string& contents, bool check_only) {
  auto parsed = ringkv::parse_wal_segment(contents, [&](std::string_view key, const auto& record) {
    if (!check_only) print_record(key, record);
  });
  if (parsed.tail == ringkv::WalTail::kCorrupt) {
    return fail(ringkv::Status::corruption(path + ": " + parsed.problem));
  }
  if (parsed.tail == ringkv::WalTail::kTorn) {
    std::fprintf(stderr, "sstdump: warning: %s: %s (a crash artifact; recovery truncates it)\n",
                 path.c_str(), parsed.problem.c_str());
  }
  if (check_only) {
    std::printf("ok: WAL segment %s, %llu records, all checksums valid\n", path.c_str(),
                static_cast<unsigned long long>(parsed.records));
  }
  return kExitOk;
}

}  // namespace

constexpr const char* kUsage =
    "usage: sstdump [--check] FILE   (an .sst table or a wal-*.log segment)\n"
    "  prints every record; --check only verifies the checksums\n"
    "  exit status: 0 ok, 1 usage or I/O error, 2 corruption\n";

int main(int argc, char** argv) {
  bool check_only = false;
  std::string path;
  for (int index = 1; index < argc; ++index) {
    if (std::strcmp(argv[index], "--help") == 0 || std::strcmp(argv[index], "-h") == 0) {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (std::strcmp(argv[index], "--check") == 0) {
      check_only = true;
    } else if (path.empty() && argv[index][0] != '-') {
      path = argv[index];
    } else {
      path.clear();
      break;
    }
  }
  if (path.empty()) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  ringkv::PosixEnv env;
  auto contents = ringkv::read_whole_file(env, path);
  if (!contents.ok()) return fail(contents.status());
  const std::string& bytes = *contents;
  namespace format = ringkv::storage_format;
  if (bytes.size() >= 8 && ringkv::decode_fixed64(bytes.data()) == format::kWalMagic) {
    return dump_wal(path, bytes, check_only);
  }
  if (bytes.size() >= format::kTableFooterBytes &&
      ringkv::decode_fixed64(bytes.data() + bytes.size() - 8) == format::kTableMagic) {
    return dump_table(env, path, check_only);
  }
  bool named_table = path.ends_with(".sst");
  return fail(ringkv::Status::corruption(
      path + ": no " + (named_table ? "SSTable" : "WAL or SSTable") + " magic number found"));
}
