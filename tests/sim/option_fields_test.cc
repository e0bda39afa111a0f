// Options as data: every drawn configuration survives a trip through its option file, and
// bad files get errors that name the field.
#include "sim/kv/option_fields.h"

#include <gtest/gtest.h>

#include "sim/kv/seed_result.h"

namespace ringkv::sim {
namespace {

TEST(OptionFields, EveryDrawnConfigurationRoundTrips) {
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    const SimOptions drawn = SimOptions::draw(seed);
    const std::string json = options_to_json(drawn);
    auto loaded = options_from_json(json);
    ASSERT_TRUE(loaded.ok()) << "seed " << seed << ": " << loaded.status().to_string();
    EXPECT_EQ(options_to_json(*loaded), json) << "seed " << seed;
    EXPECT_EQ(loaded->describe(), drawn.describe()) << "seed " << seed;
  }
}

TEST(OptionFields, MissingFieldsTakeTheDefaultsAndBadOnesAreNamed) {
  auto minimal = options_from_json(R"({"format":1,"seed":9,"nodes":5,"sync":"batch"})");
  ASSERT_TRUE(minimal.ok()) << minimal.status().to_string();
  EXPECT_EQ(minimal->seed, 9u);
  EXPECT_EQ(minimal->node_count, 5u);
  EXPECT_EQ(minimal->sync, SyncPolicy::kBatch);
  EXPECT_EQ(minimal->key_count, SimOptions().key_count);
  auto error = [](std::string_view text) {
    auto loaded = options_from_json(text);
    return loaded.ok() ? std::string("ok") : loaded.status().message();
  };
  EXPECT_NE(error(R"({"seed":1})").find("format"), std::string::npos);
  EXPECT_NE(error(R"({"format":2})").find("format must be 1"), std::string::npos);
  EXPECT_NE(error(R"({"format":1,"nodez":3})").find("unknown option 'nodez'"), std::string::npos);
  EXPECT_NE(error(R"({"format":1,"crash_permille":-1})").find("crash_permille"),
            std::string::npos);
  EXPECT_NE(error(R"({"format":1,"crash_permille":4294967296})").find("crash_permille"),
            std::string::npos);
  EXPECT_NE(error(R"({"format":1,"hints_only":"maybe"})").find("true or false"),
            std::string::npos);
  EXPECT_NE(error(R"({"format":1,"write_quorum":9})").find("option file:"), std::string::npos);
  EXPECT_NE(error("not json").find("one JSON object"), std::string::npos);
  SimOptions options;
  EXPECT_TRUE(set_option_assignment(options, "loss_permille=7").ok());
  EXPECT_EQ(options.simulator.network.loss_permille, 7u);
  EXPECT_FALSE(set_option_assignment(options, "loss_permille").ok());
  EXPECT_FALSE(set_option_assignment(options, "=3").ok());
}

TEST(SeedResults, ShardsMergeAndGapsAreReported) {
  SeedResult a{1, true, "", 0xabc, "1..3", "kvsim --seed 1", "coverage: compaction=2"};
  SeedResult b{2, false, "durability", 0xdef, "1..3", "kvsim --seed 2", "coverage: compaction=1"};
  SeedResult c{3, true, "", 0x123, "1..3", "kvsim --seed 3", "coverage: enospc=4"};
  auto parsed = parse_seed_result(seed_result_json(b));
  ASSERT_TRUE(parsed.ok()) << parsed.status().to_string();
  EXPECT_EQ(parsed->invariant, "durability");
  EXPECT_EQ(parsed->trace_hash, 0xdefu);
  EXPECT_EQ(parsed->reproduce, "kvsim --seed 2");
  MergedSweep merged = merge_seed_results(
      {seed_result_json(a) + "\n" + seed_result_json(c) + "\n", seed_result_json(b) + "\n"});
  EXPECT_TRUE(merged.problems.empty());
  EXPECT_EQ(merged.seeds, 3u);
  ASSERT_EQ(merged.failing.size(), 1u);
  EXPECT_EQ(merged.failing[0].seed, 2u);
  EXPECT_EQ(merged.coverage.count("compaction"), 3u);
  EXPECT_EQ(merged.coverage.count("enospc"), 4u);
  MergedSweep gap = merge_seed_results({seed_result_json(a), seed_result_json(a) + "\nnope"});
  ASSERT_EQ(gap.problems.size(), 3u);  // a duplicate, an unreadable line, 2 seeds missing
}

}  // namespace
}  // namespace ringkv::sim
