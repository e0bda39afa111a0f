// Coverage: how often a run reached each rare path (FoundationDB's code probes, Antithesis'
// "sometimes" assertions). Named counters, summed over a sweep and printed as one line
// `coverage: name=count ...`; a sweep with --require-coverage fails when a required path
// was never reached, because a green sweep that never went there proves nothing about it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ringkv::sim {

class Coverage {
 public:
  void add(std::string_view name, uint64_t count = 1);
  uint64_t count(std::string_view name) const;
  void merge(const Coverage& other);

  // "coverage: a=1 b=0 ..." over `names` (in that order) and then every other counter.
  std::string line(const std::vector<std::string>& names) const;
  // Parses line()'s output; nullopt when `text` is not such a line.
  static std::optional<Coverage> parse_line(std::string_view text);
  // The names in `required` whose count is zero.
  std::vector<std::string> missing(const std::vector<std::string>& required) const;

 private:
  std::map<std::string, uint64_t, std::less<>> counts_;
};

// The rare paths every default sweep must reach (--require-coverage).
const std::vector<std::string>& required_coverage();

}  // namespace ringkv::sim
