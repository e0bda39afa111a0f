#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "core/storage/coding.h"
#include "core/storage/crc32c.h"
#include "core/storage/memory_env.h"
#include "core/storage/storage_format.h"
#include "core/storage/wal_reader.h"
#include "core/storage/wal_writer.h"
#include "tests/storage/storage_test_util.h"

namespace ringkv {
namespace {

using testing::put_entry;
using testing::tombstone_entry;

std::string record_payload(std::string_view key, const StoredRecord& record) {
  std::string payload;
  encode_record(payload, key, record);
  return payload;
}

std::vector<std::pair<std::string, StoredRecord>> sample_records() {
  return {{"alpha", {put_entry(1, "one"), false}},
          {"beta", {tombstone_entry(2), false}},
          {std::string("ga\0mma", 6), {put_entry(3, std::string(300, 'x'), "node-7"), false}},
          {"alpha", StoredRecord::purge_marker(Version{1, "n1"})}};
}

std::string segment_with(const std::vector<std::pair<std::string, StoredRecord>>& records) {
  std::string segment = encode_wal_header();
  for (const auto& [key, record] : records)
    segment += encode_wal_frame(record_payload(key, record));
  return segment;
}

std::vector<std::pair<std::string, StoredRecord>> parse_all(std::string_view segment,
                                                            WalParseResult& result) {
  std::vector<std::pair<std::string, StoredRecord>> seen;
  result = parse_wal_segment(segment, [&](std::string_view key, const StoredRecord& record) {
    seen.emplace_back(std::string(key), record);
  });
  return seen;
}

// The keys of the records in segment `path` of `env`, in order; the segment must end
// cleanly.
std::vector<std::string> logged_keys(MemoryEnv& env,
                                     const std::string& path = "/w/wal-000001.log") {
  WalParseResult result;
  std::vector<std::string> keys;
  for (const auto& [key, record] : parse_all(*env.contents(path), result)) keys.push_back(key);
  EXPECT_EQ(result.tail, WalTail::kClean);
  return keys;
}

using Keys = std::vector<std::string>;

// A writer of the segment logged_keys() reads, /w/wal-000001.log in `env` (the directory
// made here); null, with a test failure, when it cannot be created.
std::unique_ptr<WalWriter> create_writer_or_die(MemoryEnv& env, size_t buffer_bytes = 0) {
  EXPECT_TRUE(env.create_dir("/w").ok());
  auto writer = WalWriter::create(env, "/w", "wal-000001.log", buffer_bytes);
  EXPECT_TRUE(writer.ok()) << writer.status().to_string();
  if (!writer.ok()) return nullptr;
  return std::move(*writer);
}

// The payload of a put of `key` at version counter.n1.
std::string put_payload(std::string_view key, uint64_t counter, const std::string& value = "v") {
  return record_payload(key, {put_entry(counter, value), false});
}

TEST(Wal, WriterOutputParsesBackIdentically) {
  MemoryEnv env;
  auto writer = create_writer_or_die(env);
  ASSERT_TRUE(writer);
  for (const auto& [key, record] : sample_records()) {
    ASSERT_TRUE(writer->add_record(record_payload(key, record)).ok());
  }
  EXPECT_TRUE(writer->has_unsynced_records());
  ASSERT_TRUE(writer->sync().ok());
  EXPECT_FALSE(writer->has_unsynced_records());
  WalParseResult result;
  auto seen = parse_all(*env.contents("/w/wal-000001.log"), result);
  EXPECT_EQ(result.tail, WalTail::kClean);
  EXPECT_EQ(seen, sample_records());
  EXPECT_EQ(result.valid_bytes, env.contents("/w/wal-000001.log")->size());
}

TEST(Wal, FrameBytesArePinned) {
  // length=3 (fixed32 LE), masked crc32c over the length bytes + payload, payload.
  std::string frame = encode_wal_frame("abc");
  ASSERT_EQ(frame.size(), 11u);
  EXPECT_EQ(frame.substr(0, 4), std::string("\x03\x00\x00\x00", 4));
  std::string covered = std::string("\x03\x00\x00\x00", 4) + "abc";
  EXPECT_EQ(decode_fixed32(frame.data() + 4), crc32c::mask(crc32c::value(covered)));
  EXPECT_EQ(frame.substr(8), "abc");
}

TEST(Wal, EveryTornTailIsTruncatedToTheLastWholeRecord) {
  auto records = sample_records();
  std::string segment = segment_with(records);
  std::string three = segment_with({records.begin(), records.begin() + 3});
  for (size_t cut = three.size() + 1; cut < segment.size(); ++cut) {
    WalParseResult result;
    auto seen = parse_all(std::string_view(segment).substr(0, cut), result);
    ASSERT_EQ(result.tail, WalTail::kTorn) << "cut at " << cut;
    ASSERT_EQ(result.valid_bytes, three.size());
    ASSERT_EQ(seen.size(), 3u);
  }
}

TEST(Wal, TornHeaderIsAnEmptySegment) {
  std::string header = encode_wal_header();
  WalParseResult empty_result;
  parse_all("", empty_result);
  EXPECT_EQ(empty_result.tail, WalTail::kClean);
  for (size_t cut = 1; cut < header.size(); ++cut) {
    WalParseResult result;
    auto seen = parse_all(header.substr(0, cut), result);
    EXPECT_EQ(result.tail, WalTail::kTorn);
    EXPECT_EQ(result.valid_bytes, 0u);
    EXPECT_TRUE(seen.empty());
  }
}

// A crash can leave junk (zeros, garbage) where the unsynced header and first records of a
// new segment should have been; with no valid frame after it, that is a torn segment, not
// corruption (kvsim seed 265 could not restart a node: "torn or damaged segment header").
TEST(Wal, TornHeaderFollowedByJunkIsAnEmptySegment) {
  std::string header = encode_wal_header();
  for (size_t cut = 0; cut < header.size(); ++cut) {
    for (char junk : {'\0', '\x5a'}) {
      for (size_t junk_bytes : {1u, 7u, 40u}) {
        std::string segment = header.substr(0, cut) + std::string(junk_bytes, junk);
        if (segment.starts_with(header)) continue;  // the junk completed the header
        WalParseResult result;
        auto seen = parse_all(segment, result);
        ASSERT_EQ(result.tail, WalTail::kTorn) << "cut " << cut << ", " << junk_bytes
                                               << " junk bytes: " << result.problem;
        EXPECT_EQ(result.valid_bytes, 0u);
        EXPECT_TRUE(seen.empty());
      }
    }
  }
}

TEST(Wal, DamagedLastRecordIsATornTail) {
  std::string segment = segment_with(sample_records());
  segment[segment.size() - 1] ^= 0x10;
  WalParseResult result;
  auto seen = parse_all(segment, result);
  EXPECT_EQ(result.tail, WalTail::kTorn);
  EXPECT_EQ(seen.size(), 3u);
}

TEST(Wal, EveryBitFlipBeforeTheLastRecordIsCorruption) {
  auto records = sample_records();
  std::string segment = segment_with(records);
  std::string before_last = segment_with({records.begin(), records.end() - 1});
  for (size_t offset = storage_format::kWalHeaderBytes; offset < before_last.size(); ++offset) {
    std::string damaged = segment;
    damaged[offset] ^= 0x04;
    WalParseResult result;
    parse_all(damaged, result);
    ASSERT_EQ(result.tail, WalTail::kCorrupt) << "flip at " << offset << ": " << result.problem;
    ASSERT_LE(result.valid_bytes, offset);
  }
}

TEST(Wal, BadMagicIsCorruption) {
  std::string segment = segment_with(sample_records());
  segment[0] ^= 1;
  WalParseResult result;
  parse_all(segment, result);
  EXPECT_EQ(result.tail, WalTail::kCorrupt);
}

TEST(Wal, FailedAppendIsCutOffTheFile) {
  MemoryEnv env;
  auto writer = create_writer_or_die(env);
  ASSERT_TRUE(writer);
  ASSERT_TRUE(writer->add_record(put_payload("a", 1)).ok());
  uint64_t size_before = writer->size_bytes();
  env.set_faults(FaultOptions{.space_budget_bytes = env.total_bytes() + 5});
  Status failed = writer->add_record(put_payload("b", 2, "vvvvvvvv"));
  EXPECT_EQ(failed.code(), StatusCode::kNoSpace);
  EXPECT_EQ(writer->size_bytes(), size_before);
  env.set_faults(FaultOptions{});
  ASSERT_TRUE(writer->add_record(put_payload("c", 3, "w")).ok());
  EXPECT_EQ(logged_keys(env), (Keys{"a", "c"}));
}

// A buffered writer writes nothing until its buffer would overflow or it is synced; what
// it wrote then parses back in order.
TEST(Wal, BufferedRecordsReachTheFileWhenTheBufferFillsOrAtSync) {
  MemoryEnv env;
  auto writer = create_writer_or_die(env, 64);
  ASSERT_TRUE(writer);
  const size_t header_bytes = env.contents("/w/wal-000001.log")->size();
  const std::string first = put_payload("a", 1);
  ASSERT_TRUE(writer->add_record(first).ok());
  EXPECT_EQ(env.contents("/w/wal-000001.log")->size(), header_bytes);
  EXPECT_EQ(writer->buffered_bytes(), storage_format::kWalFrameHeaderBytes + first.size());
  EXPECT_EQ(writer->size_bytes(), header_bytes + writer->buffered_bytes());
  EXPECT_TRUE(writer->has_unsynced_records());
  // The next records do not fit beside it: the buffer goes to the file first.
  const std::string big(100, 'x');
  ASSERT_TRUE(writer->add_record(put_payload("b", 2, big)).ok());
  EXPECT_GT(env.contents("/w/wal-000001.log")->size(), header_bytes);
  EXPECT_EQ(writer->buffered_bytes(), 0u);  // a record larger than the buffer goes through
  ASSERT_TRUE(writer->add_record(put_payload("c", 3, "w")).ok());
  EXPECT_GT(writer->buffered_bytes(), 0u);
  ASSERT_TRUE(writer->sync().ok());
  EXPECT_EQ(writer->buffered_bytes(), 0u);
  EXPECT_FALSE(writer->has_unsynced_records());
  EXPECT_EQ(logged_keys(env), (Keys{"a", "b", "c"}));
}

// A write-out that fails (an I/O error) keeps the buffer: the sync fails without
// poisoning the writer, the record that needed the room is refused, and the next sync
// makes every accepted record durable.
TEST(Wal, FailedWriteOutKeepsTheBufferAndIsRetriedBySync) {
  MemoryEnv env;
  auto writer = create_writer_or_die(env, 40);
  ASSERT_TRUE(writer);
  ASSERT_TRUE(writer->add_record(put_payload("a", 1)).ok());
  const uint64_t file_bytes = env.contents("/w/wal-000001.log")->size();
  env.set_faults(FaultOptions{.io_error_permille = 1000});
  EXPECT_EQ(writer->sync().code(), StatusCode::kIoError);
  EXPECT_EQ(env.contents("/w/wal-000001.log")->size(), file_bytes);
  EXPECT_TRUE(writer->poisoned().ok());
  Status refused = writer->add_record(put_payload("b", 2, "vvvvvvvv"));
  EXPECT_EQ(refused.code(), StatusCode::kIoError);
  env.set_faults(FaultOptions{});
  ASSERT_TRUE(writer->add_record(put_payload("c", 3, "w")).ok());
  ASSERT_TRUE(writer->sync().ok());
  EXPECT_EQ(logged_keys(env), (Keys{"a", "c"}));
}

// A full disk refuses a record when it would enter the buffer (the buffer's space is
// claimed first), never the later write of records already accepted.
TEST(Wal, FullDiskRefusesTheRecordNotTheWriteOfAcceptedOnes) {
  MemoryEnv env;
  auto writer = create_writer_or_die(env, 256);
  ASSERT_TRUE(writer);
  ASSERT_TRUE(writer->add_record(put_payload("k0", 1)).ok());
  env.set_faults(FaultOptions{.space_budget_bytes = env.total_bytes()});  // nothing more
  Keys accepted{"k0"};
  Status refused;
  for (int i = 1; i < 100 && refused.ok(); ++i) {
    const std::string key = "k" + std::to_string(i);
    refused = writer->add_record(put_payload(key, i + 1));
    if (refused.ok()) accepted.push_back(key);
  }
  EXPECT_EQ(refused.code(), StatusCode::kNoSpace);
  EXPECT_GT(accepted.size(), 1u);  // the claimed space took some
  ASSERT_TRUE(writer->sync().ok());
  EXPECT_EQ(logged_keys(env), accepted);
}

// Buffered records are what a process crash loses: unsynced, like a torn tail.
TEST(Wal, CrashLosesBufferedRecordsOnly) {
  MemoryEnv env;
  {
    auto writer = create_writer_or_die(env, 1 << 10);
    ASSERT_TRUE(writer);
    ASSERT_TRUE(writer->add_record(put_payload("a", 1)).ok());
    ASSERT_TRUE(writer->sync().ok());
    ASSERT_TRUE(writer->add_record(put_payload("b", 2)).ok());
  }
  Prng prng(7);
  env.crash(prng, CrashOptions{.tear_unsynced_tail = false});
  EXPECT_EQ(logged_keys(env), (Keys{"a"}));
}

TEST(Wal, FailedSyncPoisonsTheWriter) {
  MemoryEnv env;
  auto writer = create_writer_or_die(env);
  ASSERT_TRUE(writer);
  ASSERT_TRUE(writer->add_record(put_payload("a", 1)).ok());
  env.set_faults(FaultOptions{.io_error_permille = 1000});
  EXPECT_FALSE(writer->sync().ok());
  env.set_faults(FaultOptions{});
  EXPECT_FALSE(writer->sync().ok());
  EXPECT_FALSE(writer->add_record("x").ok());
}

RC_GTEST_PROP(WalProperty, ArbitraryBytesNeverCrashTheParser, (std::string tail)) {
  std::string segment = encode_wal_header() + tail;
  WalParseResult result;
  parse_all(segment, result);
  RC_ASSERT(result.valid_bytes <= segment.size());
}

RC_GTEST_PROP(WalProperty, RecordsRoundTrip,
              (std::vector<std::pair<std::string, std::string>> items, bool tombstones)) {
  std::vector<std::pair<std::string, StoredRecord>> records;
  uint64_t counter = 1;
  for (auto& [key, value] : items) {
    StoredRecord record{
        tombstones ? testing::tombstone_entry(counter++) : testing::put_entry(counter++, value),
        false};
    records.emplace_back(key, record);
  }
  WalParseResult result;
  auto seen = parse_all(segment_with(records), result);
  RC_ASSERT(result.tail == WalTail::kClean);
  RC_ASSERT(seen == records);
}

}  // namespace
}  // namespace ringkv
