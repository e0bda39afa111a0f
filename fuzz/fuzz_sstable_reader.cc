// Fuzz target: SstableReader over an arbitrary file. The input is an SSTable in a MemoryEnv:
// open, verify, iterate (bounded), read every block, and look up keys it holds and keys
// near them. Oracle: a Status, never a crash; every key iteration yields is found by find().
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/storage/memory_env.h"
#include "core/storage/sstable_reader.h"
#include "fuzz/fuzz_input.h"
#include "fuzz/fuzz_storage.h"

using namespace ringkv;
using ringkv::fuzz::fuzz_expect;

namespace {

constexpr size_t kMaxIteratedKeys = 4096;
constexpr size_t kMaxBlocksRead = 4096;

// Keys in iteration order; stops at the first error (which must leave the iterator invalid).
std::vector<std::string> iterate(SstableReader& table) {
  std::vector<std::string> keys;
  auto iterator = table.seek("");
  if (!iterator.ok()) return keys;
  RecordIterator& it = **iterator;
  while (it.valid() && keys.size() < kMaxIteratedKeys) {
    keys.emplace_back(it.key());
    if (!it.next().ok()) {
      fuzz_expect(!it.valid(), "an iterator error leaves the iterator invalid");
      break;
    }
  }
  return keys;
}

void probe(SstableReader& table, const std::vector<std::string>& keys, bool verified) {
  for (const std::string& key : keys) {
    auto found = table.find(key);
    if (verified) {
      fuzz_expect(found.ok() && found->has_value(), "find() sees every iterated key", key);
    }
    (void)table.find(key + std::string(1, '\0'));
    if (!key.empty()) (void)table.find(std::string_view(key).substr(0, key.size() - 1));
  }
  (void)table.find("");
  (void)table.find("\xff\xff\xff\xff");
  (void)table.seek(keys.empty() ? std::string("m") : keys.back());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  MemoryEnv env;
  fuzz_expect(env.create_dir("t").ok(), "harness: create_dir");
  ringkv::fuzz::write_durable_file(env, "t", "000001.sst",
                                   std::string_view(reinterpret_cast<const char*>(data), size));
  auto table = SstableReader::open(env, "t/000001.sst");
  if (!table.ok()) return 0;
  const bool verified = (*table)->verify().ok();
  const std::vector<std::string> keys = iterate(**table);
  BlockRecords records;
  for (size_t i = 0; i < (*table)->data_block_count() && i < kMaxBlocksRead; ++i) {
    (void)(*table)->read_data_block(i, records);
  }
  probe(**table, keys, verified);
  return 0;
}
