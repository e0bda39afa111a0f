// Fuzz target: WAL recovery. The input is a WAL segment: parsed directly (parse_wal_segment),
// then put in place of a real store's segment in a MemoryEnv and recovered by LsmStore::open
// with and without repair. Oracle: a Status, never a crash; a store that opened reopens
// to the same contents (recovery is idempotent).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/storage/file_names.h"
#include "core/storage/lsm_store.h"
#include "core/storage/memory_env.h"
#include "core/storage/wal_reader.h"
#include "fuzz/fuzz_input.h"
#include "fuzz/fuzz_storage.h"

using namespace ringkv;
using ringkv::fuzz::fuzz_expect;

namespace {

const std::string kDir = "db";

void check_parse(std::string_view segment) {
  uint64_t visited = 0;
  WalParseResult parsed = parse_wal_segment(
      segment, [&](std::string_view, const StoredRecord&) { ++visited; });
  fuzz_expect(parsed.valid_bytes <= segment.size(), "valid_bytes within the segment");
  fuzz_expect(parsed.records == visited, "records counts the visited records");
  fuzz_expect((parsed.tail == WalTail::kClean) == (parsed.valid_bytes == segment.size()),
              "clean exactly when every byte parsed", parsed.problem);
}

// A store with no data whose only WAL segment now holds `segment`.
void plant_segment(MemoryEnv& env, std::string_view segment) {
  fuzz_expect(env.create_dir(kDir).ok(), "harness: create_dir");
  {
    auto store = LsmStore::open(env, kDir, LsmOptions());
    fuzz_expect(store.ok(), "harness: open an empty store", store.status().to_string());
  }
  auto names = env.list(kDir);
  fuzz_expect(names.ok(), "harness: list");
  for (const std::string& name : *names) {
    if (parse_store_file_name(name).kind == StoreFileKind::kWal) {
      ringkv::fuzz::write_durable_file(env, kDir, name, segment);
    }
  }
}

// The store's contents after recovery, or nullopt when open() refused (with a Status).
std::optional<std::vector<std::string>> open_and_scan(MemoryEnv& env, const LsmOptions& options) {
  auto store = LsmStore::open(env, kDir, options);
  if (!store.ok()) return std::nullopt;
  (void)(*store)->get("");
  (void)(*store)->get("k");
  return ringkv::fuzz::scan_all(**store);
}

void check_recovery(std::string_view segment, bool repair) {
  MemoryEnv env;
  plant_segment(env, segment);
  LsmOptions options;
  options.repair = repair;
  const auto contents = open_and_scan(env, options);
  if (!contents) return;
  const auto reopened = open_and_scan(env, options);
  fuzz_expect(reopened.has_value(), "a recovered store reopens");
  fuzz_expect(*reopened == *contents, "recovery is idempotent");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view segment(reinterpret_cast<const char*>(data), size);
  check_parse(segment);
  check_recovery(segment, false);
  check_recovery(segment, true);
  return 0;
}
