#include "sim/kv/seed_result.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <map>

#include "sim/kit/trace.h"

namespace ringkv::sim {
bool parse_integer_pair(std::string_view text, std::string_view separator, uint64_t& a,
                        uint64_t& b) {
  const size_t at = text.find(separator);
  if (at == std::string_view::npos) return false;
  auto number = [](std::string_view part, uint64_t& out) {
    auto [end, error] = std::from_chars(part.data(), part.data() + part.size(), out);
    return !part.empty() && error == std::errc() && end == part.data() + part.size();
  };
  return number(text.substr(0, at), a) && number(text.substr(at + separator.size()), b);
}

std::string seed_result_json(const SeedResult& r) {
  char trace[17];
  std::snprintf(trace, sizeof trace, "%016llx", static_cast<unsigned long long>(r.trace_hash));
  return "{\"seed\":" + std::to_string(r.seed) + ",\"ok\":" + (r.ok ? "true" : "false") +
         ",\"invariant\":" + json_quote(r.invariant) + ",\"trace\":\"" + trace +
         "\",\"sweep\":" + json_quote(r.sweep) + ",\"reproduce\":" + json_quote(r.reproduce) +
         ",\"coverage\":" + json_quote(r.coverage) + "}";
}

Result<SeedResult> parse_seed_result(std::string_view line) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(line);
  simdjson::dom::object object;
  if (parser.parse(padded).get(object) != simdjson::SUCCESS) {
    return Status::invalid_argument("not a JSON object");
  }
  SeedResult r;
  std::string_view invariant, trace, sweep, reproduce, coverage;
  if (object["seed"].get(r.seed) != simdjson::SUCCESS ||
      object["ok"].get(r.ok) != simdjson::SUCCESS ||
      object["invariant"].get(invariant) != simdjson::SUCCESS ||
      object["trace"].get(trace) != simdjson::SUCCESS ||
      object["sweep"].get(sweep) != simdjson::SUCCESS ||
      object["reproduce"].get(reproduce) != simdjson::SUCCESS ||
      object["coverage"].get(coverage) != simdjson::SUCCESS) {
    return Status::invalid_argument(
        "a seed result needs seed, ok, invariant, trace, sweep, reproduce and coverage");
  }
  auto [end, error] = std::from_chars(trace.data(), trace.data() + trace.size(), r.trace_hash, 16);
  if (error != std::errc() || end != trace.data() + trace.size()) {
    return Status::invalid_argument("trace must be a hex hash");
  }
  r.invariant = invariant;
  r.sweep = sweep;
  r.reproduce = reproduce;
  r.coverage = coverage;
  return r;
}

MergedSweep merge_seed_results(const std::vector<std::string>& texts) {
  MergedSweep merged;
  std::map<uint64_t, SeedResult> by_seed;
  std::string sweep;
  for (size_t file = 0; file < texts.size(); ++file) {
    std::string_view text = texts[file];
    size_t line_number = 0;
    while (!text.empty()) {
      const size_t end = std::min(text.find('\n'), text.size());
      std::string_view line = text.substr(0, end);
      text.remove_prefix(std::min(end + 1, text.size()));
      ++line_number;
      if (line.empty()) continue;
      auto parsed = parse_seed_result(line);
      if (!parsed.ok()) {
        merged.problems.push_back("file " + std::to_string(file + 1) + " line " +
                                  std::to_string(line_number) + ": " +
                                  parsed.status().message());
        continue;
      }
      if (sweep.empty()) sweep = parsed->sweep;
      if (parsed->sweep != sweep) {
        merged.problems.push_back("seed " + std::to_string(parsed->seed) + " is from sweep " +
                                  parsed->sweep + ", the others from " + sweep);
        continue;
      }
      if (!by_seed.emplace(parsed->seed, *parsed).second) {
        merged.problems.push_back("seed " + std::to_string(parsed->seed) + " appears twice");
      }
    }
  }
  if (!parse_integer_pair(sweep, "..", merged.first, merged.last) || merged.first > merged.last) {
    merged.problems.push_back(sweep.empty() ? "no seed results" : "bad sweep range " + sweep);
    return merged;
  }
  uint64_t missing = 0;
  for (uint64_t seed = merged.first; seed <= merged.last && missing < 1000000; ++seed) {
    if (!by_seed.count(seed)) missing++;
  }
  if (missing > 0) {
    merged.problems.push_back(std::to_string(missing) + " seeds of " + sweep +
                              " have no result (a shard missing?)");
  }
  for (const auto& [seed, result] : by_seed) {
    merged.seeds++;
    if (auto coverage = Coverage::parse_line(result.coverage)) merged.coverage.merge(*coverage);
    if (!result.ok) merged.failing.push_back(result);
  }
  return merged;
}

}  // namespace ringkv::sim
