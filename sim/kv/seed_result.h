// One seed's result as a JSON line (kvsim --json), and the merge of such lines from the
// shards of a sweep (kvsim --merge). A line:
//   {"seed":7,"ok":false,"invariant":"durability","trace":"00ab...","sweep":"1..1000",
//    "reproduce":"kvsim --seed 7","coverage":"coverage: crash_during_sync=1 ..."}
// FROZEN field names: CI jobs and pods exchange these files.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "sim/kv/coverage.h"

namespace ringkv::sim {

struct SeedResult {
  uint64_t seed = 0;
  bool ok = false;
  std::string invariant;  // empty when ok (or "nondeterminism")
  uint64_t trace_hash = 0;
  std::string sweep;      // "A..B": the whole sweep this seed belongs to
  std::string reproduce;  // a kvsim command that replays it
  std::string coverage;   // the seed's "coverage: ..." line
};

// "A<separator>B" with two non-negative integers ("1..300", "2/4"); false otherwise.
bool parse_integer_pair(std::string_view text, std::string_view separator, uint64_t& a,
                        uint64_t& b);

std::string seed_result_json(const SeedResult& result);
Result<SeedResult> parse_seed_result(std::string_view line);

struct MergedSweep {
  uint64_t first = 0, last = 0;  // the sweep's range (all lines must agree)
  uint64_t seeds = 0;
  std::vector<SeedResult> failing;  // by seed
  Coverage coverage;
  std::vector<std::string> problems;  // missing or duplicate seeds, unreadable lines
};

// Merges the JSON lines of `texts` (one file's contents each).
MergedSweep merge_seed_results(const std::vector<std::string>& texts);

}  // namespace ringkv::sim
