#include "core/storage/manifest.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "core/storage/file_names.h"
#include "core/storage/memory_env.h"

namespace ringkv {
namespace {

TEST(Manifest, EncodeDecodeRoundTrip) {
  ManifestState state{.next_file_number = 42, .log_number = 40, .table_numbers = {7, 3, 39}};
  auto decoded = decode_manifest(encode_manifest(state));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, state);
}

TEST(Manifest, EveryDamagedByteIsCorruption) {
  std::string bytes = encode_manifest(ManifestState{9, 8, {1, 2, 5}});
  for (size_t offset = 0; offset < bytes.size(); ++offset) {
    std::string damaged = bytes;
    damaged[offset] ^= 0x20;
    EXPECT_EQ(decode_manifest(damaged).status().code(), StatusCode::kCorruption) << offset;
  }
  EXPECT_FALSE(decode_manifest(bytes.substr(0, bytes.size() - 1)).ok());
}

TEST(Manifest, WriteIsAtomicAndDurable) {
  MemoryEnv env;
  Prng prng(5);
  ASSERT_TRUE(env.create_dir("/s").ok());
  ManifestState first{3, 2, {1}};
  ASSERT_TRUE(write_manifest(env, "/s", first).ok());
  env.crash(prng);
  auto read = read_manifest(env, "/s");
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(**read, first);
  // Crash at every mutation of the second write: the result is the old or the new state.
  ManifestState second{6, 5, {1, 4}};
  for (uint64_t allowed = 0; allowed < 6; ++allowed) {
    env.set_faults(FaultOptions{.fail_mutations_after = allowed});
    Status written = write_manifest(env, "/s", second);
    env.crash(prng);
    auto after = read_manifest(env, "/s");
    ASSERT_TRUE(after.ok() && after->has_value()) << allowed;
    EXPECT_TRUE(**after == first || **after == second) << allowed;
    if (written.ok()) {
      EXPECT_EQ(**after, second);
    }
    ASSERT_TRUE(write_manifest(env, "/s", first).ok());
  }
}

RC_GTEST_PROP(ManifestProperty, ArbitraryBytesNeverDecodeToGarbage, (std::string bytes)) {
  auto decoded = decode_manifest(bytes);
  if (decoded.ok()) RC_ASSERT(encode_manifest(*decoded) == bytes);
}

TEST(FileNames, ParseWhatWeFormat) {
  EXPECT_EQ(wal_file_name(7), "wal-000007.log");
  EXPECT_EQ(table_file_name(12), "000012.sst");
  auto wal = parse_store_file_name("wal-000007.log");
  EXPECT_EQ(wal.kind, StoreFileKind::kWal);
  EXPECT_EQ(wal.number, 7u);
  auto table = parse_store_file_name(table_file_name(12345678));
  EXPECT_EQ(table.kind, StoreFileKind::kTable);
  EXPECT_EQ(table.number, 12345678u);
  EXPECT_EQ(parse_store_file_name("MANIFEST").kind, StoreFileKind::kManifest);
  EXPECT_EQ(parse_store_file_name("MANIFEST.tmp").kind, StoreFileKind::kManifestTemp);
  EXPECT_EQ(parse_store_file_name("wal-x.log").kind, StoreFileKind::kOther);
  EXPECT_EQ(parse_store_file_name(".sst").kind, StoreFileKind::kOther);
  EXPECT_EQ(parse_store_file_name("notes.txt").kind, StoreFileKind::kOther);
}

}  // namespace
}  // namespace ringkv
